"""Synthetic control (Abadie, Diamond & Hainmueller 2010) on the pre-period outcome path.

The weights solve the simplex-constrained least-squares problem

    min_w ||y0 - X0 w||²   subject to   w ≥ 0, Σ w = 1,

where ``y0`` is the treated unit's pre-period outcome path and ``X0`` the donors'. Every
pre-period year counts equally (V = identity): the predictors are the outcome itself, so
no covariate weighting has to be chosen (and none can be tuned to flatter the fit).

Why a hand-written solver: the in-space placebo refits the estimator once per donor and
event (~290 × 3 fits per outcome), so it must take milliseconds. :func:`synth_weights` is a
Lawson–Hanson style active-set method adapted to the simplex: it adds the donor whose
gradient most violates the KKT conditions, solves the equality-constrained least squares
on the active set exactly, and steps back to feasibility when a weight would turn negative.
It terminates at a KKT point, which for this convex problem is a global minimum. Tests
compare it with scipy's SLSQP and with pysyncon on the same inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["PLACEBO_RIDGE", "SynthResult", "synth_weights", "synthetic_control", "rmspe"]

PLACEBO_RIDGE = 1e-8
"""Ridge tie-break of the placebo fits, per pre-period year (squared log points): ``ridge = PLACEBO_RIDGE · T0``.
Small enough to move no fit that is not exact by more than ~1e-4 log points, large enough
to make every placebo unit's weights unique (and so its gap independent of the solver)."""


@dataclass
class SynthResult:
    """One synthetic-control fit. Years ≥ ``event_year`` are the post period."""

    treated: str
    event_year: int
    weights: pd.Series  # index donor codes, ≥ 0, sum 1
    actual: pd.Series  # indexed by year
    synthetic: pd.Series
    gap: pd.Series  # actual − synthetic
    rmspe_pre: float
    rmspe_post: float
    ratio: float  # post/pre RMSPE

    @property
    def pre_years(self) -> list[int]:
        return [int(y) for y in self.gap.index if y < self.event_year]

    @property
    def post_years(self) -> list[int]:
        return [int(y) for y in self.gap.index if y >= self.event_year]

    @property
    def post_mean_gap(self) -> float:
        """Average post-period gap (the effect estimate, in the panel's units)."""
        return float(self.gap.loc[self.post_years].mean())


def rmspe(x) -> float:
    """Root mean squared (prediction) error of a gap vector."""
    a = np.asarray(x, dtype=float)
    return float(np.sqrt(np.mean(np.square(a)))) if a.size else float("nan")


def _eq_lstsq(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """argmin ||y − X z||² subject to Σ z = 1 (z unrestricted in sign), minimum-norm if not unique.

    Substitutes z_0 = 1 − Σ_{j>0} z_j, so y − x_0 = Σ_{j>0} z_j (x_j − x_0).
    """
    k = X.shape[1]
    if k == 1:
        return np.ones(1)
    x0 = X[:, 0]
    rest, *_ = np.linalg.lstsq(X[:, 1:] - x0[:, None], y - x0, rcond=None)
    return np.concatenate([[1.0 - rest.sum()], rest])


def synth_weights(
    treated_pre: np.ndarray, donors_pre: np.ndarray, tol: float = 1e-10, max_iter: int | None = None,
    ridge: float = 0.0,
) -> np.ndarray:
    """Donor weights minimising the squared pre-period error on the unit simplex.

    ``treated_pre`` has shape (T0,), ``donors_pre`` (T0, J). Returns (J,) with w ≥ 0 and
    Σ w = 1. Raises :class:`DataError` on empty, mis-shaped or non-finite input.

    ``ridge`` > 0 adds ``ridge · ||w||²`` to the squared error (same units: squared outcome).
    The objective is then strictly convex, so the weights are unique: a unit that lies inside
    the donors' hull has many exact fits, and the penalty picks the one with the most evenly
    spread weights (the declared tie-break of the placebo runs, :data:`PLACEBO_RIDGE`).
    """
    y = np.asarray(treated_pre, dtype=float).ravel()
    X = np.asarray(donors_pre, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        raise DataError(f"synth_weights: treated has {y.shape[0]} periods but donors have shape {X.shape}")
    T0, J = X.shape
    if J == 0 or T0 == 0:
        raise DataError(f"synth_weights: need at least one period and one donor (got T0={T0}, J={J})")
    if not (np.isfinite(y).all() and np.isfinite(X).all()):
        raise DataError("synth_weights: the pre-period data contain missing or non-finite values")
    if J == 1:
        return np.ones(1)

    # Shifting every series by the same vector leaves the problem unchanged (Σw = 1), and
    # scaling does not move the minimiser: centre on the treated path for conditioning.
    Xc = X - y[:, None]
    scale = float(np.abs(Xc).max()) or 1.0
    Xc = Xc / scale
    # ridge: ||Xc w||² + lam·||w||² = ||[Xc; √lam·I] w||² (scaled like Xc); the identity rows are added
    # only for the active donors when solving on the active set
    lam = ridge / scale**2 if ridge > 0 else 0.0
    yc = np.zeros(T0)

    def solve_active(idx: np.ndarray) -> np.ndarray:
        if lam == 0.0:
            return _eq_lstsq(yc, Xc[:, idx])
        Xa = np.vstack([Xc[:, idx], np.sqrt(lam) * np.eye(idx.size)])
        return _eq_lstsq(np.zeros(Xa.shape[0]), Xa)

    # start from the single best donor
    start = int(np.argmin((Xc**2).sum(axis=0)))
    w = np.zeros(J)
    w[start] = 1.0
    active = np.zeros(J, dtype=bool)
    active[start] = True
    max_iter = max_iter or 30 * J + 100
    gtol = tol * max(1.0, T0)

    for _ in range(max_iter):
        r = yc - Xc @ w
        g = -Xc.T @ r + lam * w  # half the gradient of the objective
        mu = float(g[active].mean())  # Lagrange multiplier of Σw = 1 (g is constant on the support)
        viol = np.where(active, np.inf, g - mu)
        j = int(np.argmin(viol))
        if viol[j] >= -gtol:
            break  # KKT: no inactive donor can reduce the error
        active[j] = True
        # inner loop: move towards the equality-constrained optimum on the active set
        while True:
            idx = np.flatnonzero(active)
            z = solve_active(idx)
            if (z > tol).all():
                w[:] = 0.0
                w[idx] = z
                break
            neg = z <= tol
            wi = w[idx]
            with np.errstate(divide="ignore", invalid="ignore"):
                steps = np.where(neg, wi / (wi - z), np.inf)
            alpha = float(np.clip(np.min(steps), 0.0, 1.0))
            w[idx] = wi + alpha * (z - wi)
            drop = idx[(w[idx] <= tol) & neg]
            if drop.size == 0:  # numerical safety: drop the smallest weight
                drop = idx[[int(np.argmin(w[idx]))]]
            w[drop] = 0.0
            active[drop] = False
            if not active.any():  # cannot happen in exact arithmetic; restart from the best donor
                active[start] = True
                w[:] = 0.0
                w[start] = 1.0
                break
    else:  # pragma: no cover - guarded by max_iter far above the number of active-set changes seen
        raise DataError("synth_weights: the active-set solver did not converge")

    w = np.clip(w, 0.0, None)
    return w / w.sum()


def synthetic_control(
    panel: pd.DataFrame,
    treated: str,
    event_year: int,
    donors: list[str] | None = None,
    pre_years: list[int] | None = None,
) -> SynthResult:
    """Fit a synthetic control for ``treated`` with the event in ``event_year`` (first post year).

    ``panel`` is wide: index = year (int), columns = unit codes, values = the outcome (use
    logs or a ratio to the national value so national trends and prices drop out). Donors
    default to all other columns with complete data in the panel's years; explicitly named
    donors must be complete. ``pre_years`` defaults to every panel year before the event.
    """
    if treated not in panel.columns:
        raise DataError(f"synthetic_control: treated unit {treated!r} is not in the panel")
    panel = panel.sort_index()
    years = [int(y) for y in panel.index]
    missing_t = [y for y, v in zip(years, panel[treated].to_numpy(float)) if not np.isfinite(v)]
    if missing_t:
        raise DataError(f"synthetic_control: {treated} has no value in {missing_t}; restrict the panel's years")
    if pre_years is None:
        pre_years = [y for y in years if y < event_year]
    else:
        pre_years = [int(y) for y in pre_years]
        bad = [y for y in pre_years if y not in years or y >= event_year]
        if bad:
            raise DataError(f"synthetic_control: pre-period years {bad} are not panel years before {event_year}")
    post_years = [y for y in years if y >= event_year]
    if len(pre_years) < 2:
        raise DataError(f"synthetic_control: need at least two pre-event years before {event_year}, got {pre_years}")
    if not post_years:
        raise DataError(f"synthetic_control: no panel years at or after the event year {event_year}")
    complete = panel.notna().all()
    if donors is None:
        donors = [c for c in panel.columns if c != treated and complete[c]]
    else:
        donors = [d for d in donors if d != treated]
        unknown = [d for d in donors if d not in panel.columns]
        if unknown:
            raise DataError(f"synthetic_control: donors not in the panel: {unknown[:10]}")
        gaps = [d for d in donors if not complete[d]]
        if gaps:
            raise DataError(f"synthetic_control: donors with missing years: {gaps[:10]}")
    if not donors:
        raise DataError(f"synthetic_control: no donor with complete data for {treated}")

    w = synth_weights(panel.loc[pre_years, treated].to_numpy(float), panel.loc[pre_years, donors].to_numpy(float))
    weights = pd.Series(w, index=pd.Index(donors, name="donor"), name="weight")
    actual = panel[treated].astype(float).rename("actual")
    synthetic = pd.Series(panel[donors].to_numpy(float) @ w, index=panel.index, name="synthetic")
    gap = (actual - synthetic).rename("gap")
    pre_r = rmspe(gap.loc[pre_years])
    post_r = rmspe(gap.loc[post_years])
    ratio = post_r / pre_r if pre_r > 0 else float("inf")
    return SynthResult(treated, int(event_year), weights, actual, synthetic, gap, pre_r, post_r, ratio)
