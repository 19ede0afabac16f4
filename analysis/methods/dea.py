"""Data envelopment analysis (DEA): input-oriented efficiency scores by linear programming.

Svenskt Näringsliv's efficiency ranking behind documents 003 and 004 is a DEA whose data
are not public, so the book computes its own DEA from Kolada as a robustness measure.

For each unit *o* the **input-oriented envelopment LP** (Banker, Charnes & Cooper 1984 for
variable returns to scale, BCC; Charnes, Cooper & Rhodes 1978 for constant returns, CCR) is

    min θ  subject to  Σ_j λ_j x_ij ≤ θ x_io   (every input i)
                       Σ_j λ_j y_rj ≥ y_ro     (every output r)
                       Σ_j λ_j = 1             (VRS only)
                       λ ≥ 0.

θ ∈ (0, 1] is the factor by which *o* could shrink all its inputs and still produce its
outputs with a convex (VRS) or conical (CRS) combination of observed units; θ = 1 means
on the frontier (radially efficient; slacks are not reported). LPs are solved with scipy's
HiGHS. Only non-dominated units can carry weight at an optimum (weight on a dominated
unit can be moved to the unit dominating it without breaking a constraint), so the LP
of every unit is solved over the non-dominated units only: same scores, much smaller LPs;
and all units' LPs go to HiGHS as one block-diagonal LP (one call instead of hundreds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

from ..errors import DataError

RETURNS = ("vrs", "crs")


@dataclass(frozen=True)
class DEAResult:
    """Scores (index = units), the peers with their weights, and the model solved."""

    scores: pd.Series
    peers: dict
    returns: str
    inputs: tuple
    outputs: tuple


def _as_matrix(frame, what: str) -> np.ndarray:
    arr = np.asarray(frame, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(f"{what}: expected a units × variables table, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise DataError(f"{what}: missing or infinite values; drop incomplete units before DEA")
    return arr


def non_dominated(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Indices of units that no other unit dominates (≤ every input, ≥ every output,
    strictly better in one). Exact duplicates are kept once."""
    n = len(X)
    keep = []
    for o in range(n):
        weak = (X <= X[o]).all(axis=1) & (Y >= Y[o]).all(axis=1)
        strict = (X < X[o]).any(axis=1) | (Y > Y[o]).any(axis=1)
        dominated = (weak & strict).any()
        duplicate = (weak & ~strict)[:o].any()  # an identical unit earlier in the list
        if not dominated and not duplicate:
            keep.append(o)
    return np.asarray(keep, dtype=int)


def dea(inputs: pd.DataFrame, outputs: pd.DataFrame, returns: str = "vrs", batch: bool = True) -> DEAResult:
    """Input-oriented DEA scores for every row (unit) of ``inputs``/``outputs``.

    ``inputs`` must be strictly positive and ``outputs`` non-negative (an all-zero
    output column carries no information and is refused); rows are aligned by index.
    ``batch`` solves all units' LPs as one block-diagonal LP (the objective Σθ_o is
    separable, so each block reaches its own optimum); ``batch=False`` solves them one by
    one (same scores; the tests compare the two).
    """
    if returns not in RETURNS:
        raise ValueError(f"returns must be one of {RETURNS}, got {returns!r}")
    inputs = pd.DataFrame(inputs)
    outputs = pd.DataFrame(outputs)
    if not inputs.index.equals(outputs.index):
        raise ValueError("inputs and outputs must have the same units (index) in the same order")
    X, Y = _as_matrix(inputs, "inputs"), _as_matrix(outputs, "outputs")
    n = len(X)
    if n < 2:
        raise DataError(f"DEA needs at least two units, got {n}")
    if (X <= 0).any():
        raise DataError("DEA inputs must be strictly positive (a zero cost is a data error)")
    if (Y < 0).any():
        raise DataError("DEA outputs must be non-negative; shift a deviation measure before using it")
    if (Y.max(axis=0) <= 0).any():
        raise DataError("An output column is zero for every unit")
    ref = non_dominated(X, Y)
    solve = _solve_batch if batch else _solve_each
    theta, lam = solve(X, Y, X[ref], Y[ref], returns)
    labels = inputs.index
    peers = {labels[o]: {labels[ref[j]]: float(w) for j, w in enumerate(lam[o]) if w > 1e-9} for o in range(n)}
    return DEAResult(pd.Series(np.minimum(theta, 1.0), index=inputs.index, name=f"dea_{returns}"),
                     peers, returns, tuple(inputs.columns), tuple(outputs.columns))


def _unit_block(x_o, y_o, Xr, Yr, returns):
    """Constraint rows of one unit's envelopment LP over variables (θ, λ_1..λ_k)."""
    m, s = len(x_o), len(y_o)
    a_ub = np.r_[np.c_[-x_o[:, None], Xr.T], np.c_[np.zeros((s, 1)), -Yr.T]]
    b_ub = np.r_[np.zeros(m), -y_o]
    a_eq = np.r_[0.0, np.ones(len(Xr))][None, :] if returns == "vrs" else np.zeros((0, len(Xr) + 1))
    b_eq = np.ones(1) if returns == "vrs" else np.zeros(0)
    return a_ub, b_ub, a_eq, b_eq


def _check(res, what: str) -> None:
    if res.status != 0:
        raise DataError(f"DEA LP {what} failed: {res.message}")


def _solve_each(X, Y, Xr, Yr, returns):
    k = len(Xr)
    theta, lam = np.empty(len(X)), np.empty((len(X), k))
    c = np.r_[1.0, np.zeros(k)]
    for o in range(len(X)):
        a_ub, b_ub, a_eq, b_eq = _unit_block(X[o], Y[o], Xr, Yr, returns)
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq if len(b_eq) else None, b_eq=b_eq if len(b_eq) else None,
                      bounds=(0, None), method="highs")
        _check(res, f"for unit {o}")
        theta[o], lam[o] = res.x[0], res.x[1:]
    return theta, lam


def _solve_batch(X, Y, Xr, Yr, returns):
    blocks = [_unit_block(X[o], Y[o], Xr, Yr, returns) for o in range(len(X))]
    k = len(Xr)
    a_ub = sparse.block_diag([b[0] for b in blocks], format="csr")
    b_ub = np.concatenate([b[1] for b in blocks])
    c = np.tile(np.r_[1.0, np.zeros(k)], len(X))
    if returns == "vrs":
        a_eq, b_eq = sparse.block_diag([b[2] for b in blocks], format="csr"), np.concatenate([b[3] for b in blocks])
    else:
        a_eq, b_eq = None, None
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    _check(res, "(all units in one block-diagonal LP)")
    sol = res.x.reshape(len(X), k + 1)
    return sol[:, 0], sol[:, 1:]


def dea_by_year(frame: pd.DataFrame, inputs: list[str], outputs: list[str], returns: str = "vrs",
                unit: str = "municipality", year: str = "year", min_units: int = 20) -> pd.DataFrame:
    """DEA scores per year (each year its own frontier) for units with complete data.

    Returns columns ``unit, year, score``. A year with fewer than ``min_units`` complete
    units is an error, not a silent gap.
    """
    missing = [c for c in [unit, year, *inputs, *outputs] if c not in frame.columns]
    if missing:
        raise DataError(f"DEA data lack columns {missing}")
    rows = []
    for y, part in frame.groupby(year):
        part = part.dropna(subset=[*inputs, *outputs]).set_index(unit)
        if len(part) < min_units:
            raise DataError(f"DEA for {y}: only {len(part)} units with {inputs + outputs} (need {min_units})")
        res = dea(part[inputs], part[outputs], returns)
        rows.append(pd.DataFrame({unit: res.scores.index, year: y, "score": res.scores.to_numpy()}))
    if not rows:
        raise DataError("DEA: no year with data")
    return pd.concat(rows, ignore_index=True)


def cost_rank_correlation(scores: pd.Series, cost: pd.Series) -> float:
    """Spearman rank correlation of DEA scores with 1/cost (aligned by index): how closely the
    score follows its cost input alone. 1 = the score ranks units exactly as 1/cost does."""
    from scipy import stats

    d = pd.concat([scores.rename("score"), cost.rename("cost")], axis=1).dropna()
    if len(d) < 3:
        raise DataError(f"Only {len(d)} units with a score and a cost")
    if (d["cost"] <= 0).any():
        raise DataError("Costs must be strictly positive")
    return float(stats.spearmanr(d["score"], 1.0 / d["cost"])[0])


def share_at_cost_ratio(scores: pd.Series, cost: pd.Series, tol: float = 1e-9) -> float:
    """Share of units whose score equals min(cost)/cost: the score a unit gets when the cheapest
    unit alone is its peer, i.e. when the output plays no part in its score."""
    d = pd.concat([scores.rename("score"), cost.rename("cost")], axis=1).dropna()
    if d.empty:
        raise DataError("No units with a score and a cost")
    return float(np.isclose(d["score"], d["cost"].min() / d["cost"], rtol=0, atol=tol).mean())
