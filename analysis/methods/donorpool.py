"""Donor-pool sensitivity of a synthetic control, and a second estimator.

A synthetic-control verdict rests on the donors the solver happens to pick. Three families of
variants show how much it does, each with its own full in-space placebo run (so each variant has
its own p-value, minimum detectable effect and verdict):

* **leave-one-out**: every donor with a positive weight dropped in turn (Abadie, Diamond &
  Hainmueller 2015);
* **pools declared in advance** (:func:`declared_pools`): the treated unit's own SKR municipality
  group; municipalities whose population in the last pre-event year lies within
  1/:data:`POP_BAND` … :data:`POP_BAND` × the treated unit's; its :data:`NEIGHBOURS_K` nearest
  neighbours on the pre-determined structural covariates of :mod:`analysis.methods.matching`;
* **a second estimator**: the ridge-augmented synthetic control (Ben-Michael, Feller & Rothstein
  2021), which corrects the synthetic control's remaining pre-period imbalance with a ridge
  regression of the donors' outcomes on their pre-period paths
  (:func:`ridge_augmented`; the penalty is declared, :data:`AUG_LAMBDA`, not tuned).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ..sources.kolada import load_kpis
from ..sources.municipalities import municipalities
from . import matching
from .placebo import PlaceboResult, in_space, result_from_gaps, without_donor
from .synth import SynthResult, rmspe

POP_BAND = 2.0
"""Population pool: municipalities with ½ … 2 × the treated unit's population (N01951) in the last pre-event year."""
NEIGHBOURS_K = 40
"""Structural pool: the treated unit's 40 nearest neighbours on the matching covariates (national-SD Euclidean)."""
MIN_POOL = 15
"""A declared pool with fewer donors than this is reported as too small and not run."""
AUG_LAMBDA = 1.0
"""Ridge penalty of the augmented estimator, as a multiple of the mean eigenvalue of the donors' centred
pre-period cross-product (trace / T0): scale-free and fixed in advance."""


POOL_NAMES = {"pool:skr": "same SKR group", "pool:population": f"population ½–{POP_BAND:g}×",
              "pool:neighbours": "structural nearest neighbours", "pool:all": "all municipalities"}
"""Stable names of the declared pools (the same across events, for the claims' stability alternatives)."""


@dataclass
class Variant:
    """One donor-pool variant or second estimator of a synthetic-control run."""

    key: str  # stable name: 'loo:<code>', 'pool:skr', 'pool:population', 'pool:neighbours', 'ridge-augmented'
    label: str  # for tables
    family: str  # 'leave-one-out', 'declared pool', 'second estimator'
    placebo: PlaceboResult | None  # None: not run (reason in ``note``)
    note: str = ""
    dropped_weight: float = float("nan")  # leave-one-out: the weight of the donor dropped

    @property
    def ok(self) -> bool:
        return self.placebo is not None

    @property
    def kind(self) -> str:
        """What kind of variant this is, the same name in every event (legends, colours)."""
        if self.family == "leave-one-out":
            return "leave one donor out"
        return POOL_NAMES.get(self.key, self.label)

    def alternative(self, names: dict | None = None) -> str:
        """The variant's name as a stability alternative ('donor pool: …' or 'estimator: …')."""
        if self.family == "leave-one-out":
            code = self.key.split(":", 1)[1]
            return f"donor pool: without {(names or {}).get(code, code)} ({code})"
        if self.family == "second estimator":
            return f"estimator: {self.label}"
        return f"donor pool: {POOL_NAMES.get(self.key, self.label)}"


def declared_pools(unit: str, event_year: int, candidates, data_dir=None) -> dict[str, tuple[str, list[str]]]:
    """The pools declared in advance, each restricted to ``candidates`` (the donors with complete
    data in the run's panel): key → (label, donor codes)."""
    candidates = [c for c in candidates if c != unit]
    meta = municipalities(data_dir).set_index("code")
    group = meta.loc[unit, "skr_group"]
    gname = meta.loc[unit, "skr_group_name"]
    skr = [c for c in candidates if c in meta.index and meta.loc[c, "skr_group"] == group]
    pop = load_kpis("N01951", data_dir)
    base_year = event_year - 1
    pop = pop[pop["year"] == base_year].set_index("municipality")["value"]
    if unit not in pop.index:
        raise DataError(f"N01951: no population for {unit} in {base_year}")
    p0 = float(pop.loc[unit])
    band = [c for c in candidates if c in pop.index and p0 / POP_BAND <= pop.loc[c] <= p0 * POP_BAND]
    X = matching.covariate_frame(data_dir=data_dir)
    outside = [c for c in X.index if c not in candidates and c != unit]
    k = min(NEIGHBOURS_K, len(X) - len(outside) - 1)
    nn = list(matching.nearest_neighbours(X, unit, k=k, exclude=outside).index)
    return {
        "pool:skr": (f"same SKR group ({group}: {gname})", skr),
        "pool:population": (f"population {p0 / POP_BAND:,.0f}–{p0 * POP_BAND:,.0f} in {base_year} "
                            f"(½–{POP_BAND:g}× the treated unit's)", band),
        "pool:neighbours": (f"{len(nn)} nearest structural neighbours", nn),
    }


def ridge_augmented(pl: PlaceboResult, lam: float = AUG_LAMBDA) -> PlaceboResult:
    """The ridge-augmented synthetic control for the treated unit and every placebo unit (each
    with the same donors and simplex weights as in ``pl``):

        synthetic_t = Σ_j w_j y_jt + (x_1 − Σ_j w_j x_j)ᵀ η_t,
        η = (X̃ᵀX̃ + λ I)⁻¹ X̃ᵀ Ỹ,

    where x are pre-period paths, X̃ the donors' pre-period paths and Ỹ their outcomes in every
    year, both centred on the donor mean, and λ = ``lam`` · trace(X̃ᵀX̃) / T0."""
    t0 = time.perf_counter()
    P = pl.fit_panel
    units = list(pl.gaps.columns)
    years = [int(y) for y in P.index]
    pre_idx = [years.index(y) for y in pl.pre_years]
    Y = P[units].to_numpy(float)
    W = pl.weights.loc[units, units].to_numpy(float)
    n, T0 = len(units), len(pre_idx)
    gaps = np.empty_like(Y)
    synth_t = None
    for i in range(n):
        cols = np.r_[1:n] if i == 0 else np.r_[1:i, i + 1 : n]
        w = W[i, cols]
        Xd = Y[pre_idx][:, cols].T  # donors × T0
        Yd = Y[:, cols].T  # donors × years
        Xc = Xd - Xd.mean(axis=0)
        Yc = Yd - Yd.mean(axis=0)
        G = Xc.T @ Xc
        penalty = lam * float(np.trace(G)) / T0
        eta = np.linalg.solve(G + max(penalty, 1e-12) * np.eye(T0), Xc.T @ Yc)  # T0 × years
        imbalance = Y[pre_idx, i] - Xd.T @ w
        synthetic = Yd.T @ w + imbalance @ eta
        gaps[:, i] = Y[:, i] - synthetic
        if i == 0:
            synth_t = synthetic
    f = pl.fit
    idx = P.index
    actual = pd.Series(Y[:, 0], index=idx, name="actual")
    synthetic = pd.Series(synth_t, index=idx, name="synthetic")
    gap = (actual - synthetic).rename("gap")
    pre_r, post_r = rmspe(gap.loc[pl.pre_years]), rmspe(gap.loc[pl.post_years])
    fit = SynthResult(f.treated, f.event_year, f.weights, actual, synthetic, gap, pre_r, post_r,
                      post_r / pre_r if pre_r > 0 else float("inf"))
    return result_from_gaps(fit, P, units, gaps, W, pl.pre_years, pl.post_years, t0)


def sensitivity(pl: PlaceboResult, panel: pd.DataFrame, pools: dict[str, tuple[str, list[str]]] | None = None,
                min_weight: float = 0.0) -> list[Variant]:
    """Every variant of one run: leave-one-out for each donor with weight above ``min_weight``,
    the declared ``pools`` (key → (label, donors)), and the ridge-augmented estimator."""
    out = []
    w = pl.fit.weights
    for d in w[w > min_weight].sort_values(ascending=False).index:
        out.append(Variant(f"loo:{d}", f"without {d}", "leave-one-out", without_donor(pl, d),
                           dropped_weight=float(w.loc[d])))
    donors = list(pl.gaps.columns[1:])
    for key, (label, pool) in (pools or {}).items():
        pool = [c for c in pool if c in donors]
        if len(pool) < MIN_POOL:
            out.append(Variant(key, label, "declared pool", None,
                               f"{len(pool)} donors with complete data (fewer than {MIN_POOL}): not run"))
            continue
        out.append(Variant(key, label, "declared pool",
                           in_space(panel, pl.treated, pl.fit.event_year, donors=pool, pre_years=pl.pre_years),
                           f"{len(pool)} donors"))
    out.append(Variant("ridge-augmented", "ridge-augmented synthetic control", "second estimator", ridge_augmented(pl),
                       f"λ = {AUG_LAMBDA:g} × mean eigenvalue of the donors' pre-period cross-product"))
    return out
