"""Data-driven comparison units: nearest neighbours on pre-determined structural
covariates, and synthetic comparisons built from them.

Why: document 003 compares Solna with Sundbyberg because they look alike. Instead of
taking that on trust, we find the municipalities most like Solna on covariates measured
*before* (or at the very start of) the period in which the work-first policy is said to
have run, with a stated distance (Euclidean on covariates standardized to national SDs), and build a
synthetic Solna from them with the shared estimator in :mod:`analysis.methods.synth`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ..sources.kolada import RIKET, load_kpis
from ..sources.municipalities import resolve

# Pre-determined structural covariates: KPI -> (label, baseline year, transform).
# Baseline = 1998 where the KPI exists then, else its first year (stated in the table).
MATCH_COVARIATES = {
    "N02926": ("Foreign-born, %", 1998, None),
    "N02925": ("Foreign-born outside EU/EFTA, %", 1998, None),
    "N01982": ("Post-secondary education, % of 25–64", 2000, None),
    "N00959": ("Mean age, years", 1998, None),
    "N01961": ("Aged 20–64, %", 1998, None),
    "N01960": ("Aged 65+, %", 1998, None),
    "N00903": ("Tax capacity, SEK per inhabitant (log)", 1998, "log"),
    "N01951": ("Population (log)", 1998, "log"),
    "N01958": ("Population change over 5 years, %", 1998, None),
    "N00954": ("Urbanisation (tätortsgrad), %", 2005, None),
}


def covariate_frame(spec: dict | None = None, data_dir=None) -> pd.DataFrame:
    """Municipality × covariate table at each covariate's baseline year (transformed).

    Municipalities lacking any covariate are dropped (listed in ``attrs['dropped']``).
    """
    spec = spec or MATCH_COVARIATES
    tidy = load_kpis(list(spec), data_dir)
    tidy = tidy[tidy["municipality"] != RIKET]
    cols = {}
    for kpi, (label, year, transform) in spec.items():
        part = tidy[(tidy["kpi"] == kpi) & (tidy["year"] == year)].set_index("municipality")["value"]
        if part.empty:
            raise DataError(f"No values of {kpi} in its baseline year {year}")
        if transform == "log":
            if (part <= 0).any():
                raise DataError(f"{kpi}: non-positive values cannot be logged")
            part = np.log(part)
        cols[label] = part
    X = pd.DataFrame(cols)
    dropped = X.index[X.isna().any(axis=1)].tolist()
    X = X.dropna()
    X.attrs["dropped"] = dropped
    return X


def standardize(X: pd.DataFrame) -> pd.DataFrame:
    """Z-scores across municipalities (a covariate without variation is an error)."""
    sd = X.std()
    flat = sd.index[sd == 0].tolist()
    if flat:
        raise DataError(f"Covariates without variation cannot be standardized: {flat}")
    return (X - X.mean()) / sd


METRICS = ("euclidean", "mahalanobis")


def distances(X: pd.DataFrame, treated: str, metric: str = "euclidean") -> pd.Series:
    """Distance of every unit to ``treated`` on standardized covariates.

    ``euclidean`` (the chapter's stated distance): Euclidean distance between z-scores,
    i.e. every covariate weighs the same in national SDs. ``mahalanobis``: also removes
    the correlation between covariates (pseudo-inverse of their covariance); for an
    extreme unit it can favour units that share its unusual *combination* of values while
    being far away on each one, so it is a sensitivity check only.
    """
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}; use one of {METRICS}")
    if treated not in X.index:
        raise DataError(f"Unit {treated} has no complete covariates (or is unknown)")
    Z = standardize(X)
    D = Z.to_numpy(float) - Z.loc[treated].to_numpy(float)
    if metric == "euclidean":
        d2 = np.einsum("ij,ij->i", D, D)
    else:
        VI = np.linalg.pinv(np.cov(Z.to_numpy(float), rowvar=False))
        d2 = np.einsum("ij,jk,ik->i", D, VI, D)
    return pd.Series(np.sqrt(np.maximum(d2, 0)), index=X.index, name="distance")


def nearest_neighbours(X: pd.DataFrame, treated: str, k: int = 20, exclude=(), metric: str = "euclidean") -> pd.DataFrame:
    """The k units closest to ``treated`` (rank 1 = closest), excluding ``exclude``."""
    if k < 1:
        raise ValueError("k must be at least 1")
    d = distances(X, treated, metric).drop(index=[treated, *exclude], errors="ignore")
    if len(d) < k:
        raise DataError(f"Only {len(d)} candidate units for {k} neighbours")
    d = d.sort_values()
    out = d.to_frame()
    out["rank"] = np.arange(1, len(d) + 1)
    return out.iloc[:k]


def rank_of(X: pd.DataFrame, treated: str, other: str, metric: str = "euclidean") -> tuple[int, float, int]:
    """Where ``other`` falls in ``treated``'s distance ordering: (rank, distance, candidates)."""
    d = distances(X, treated, metric).drop(index=treated).sort_values()
    if other not in d.index:
        raise DataError(f"Unit {other} has no complete covariates")
    return int(d.index.get_loc(other)) + 1, float(d.loc[other]), len(d)


def balance(X: pd.DataFrame, treated: str, comparison, weights=None) -> pd.DataFrame:
    """Standardized differences treated − comparison (weighted mean), in national SDs."""
    comparison = list(comparison)
    missing = [c for c in comparison if c not in X.index]
    if missing:
        raise DataError(f"Comparison units without covariates: {missing}")
    w = np.full(len(comparison), 1 / len(comparison)) if weights is None else np.asarray(weights, float)
    if w.shape != (len(comparison),) or not np.isclose(w.sum(), 1):
        raise ValueError("weights must match the comparison units and sum to 1")
    comp = X.loc[comparison].T @ w
    sd = X.std()
    return pd.DataFrame({"treated": X.loc[treated], "comparison": comp, "std diff": (X.loc[treated] - comp) / sd})


# ------------------------------------------------------------------ panels and synthetic comparisons
def outcome_panel(kpi: str, units, years, data_dir=None) -> pd.DataFrame:
    """Year × unit table of one KPI, complete for the treated (first) unit.

    Years the first unit lacks are dropped; other units with any gap in the
    remaining years are dropped (listed in ``attrs['dropped']``).
    """
    units = [resolve(u, data_dir=data_dir) for u in units]
    tidy = load_kpis(kpi, data_dir)
    tidy = tidy[tidy["municipality"].isin(units) & tidy["year"].isin(list(years))]
    wide = tidy.pivot(index="year", columns="municipality", values="value").sort_index()
    treated = units[0]
    if treated not in wide.columns or wide[treated].isna().all():
        raise DataError(f"No values of {kpi} for {treated} in {min(years)}–{max(years)}")
    wide = wide[wide[treated].notna()]
    keep = [u for u in units if u in wide.columns and wide[u].notna().all()]
    out = wide[keep]
    out.attrs["dropped"] = [u for u in units if u not in keep]
    out.attrs["kpi"] = kpi
    return out


@dataclass
class Placebo:
    """In-space placebo inference: every donor in turn treated as if it were the treated unit."""

    ratios: pd.Series  # post/pre RMSPE ratio per unit (treated included)
    gaps: pd.DataFrame  # year × unit gaps
    treated: str
    p_value: float  # share of units with a ratio at least as large as the treated unit's
    rank: int
    p_below: float = float("nan")  # one-sided: share with a mean post gap at most the treated's (good pre-fits only)
    n_below: int = 0  # units in that comparison (pre-RMSPE at most 2 × the treated unit's)


def _synth():
    try:
        from . import synth
    except ImportError as exc:  # pragma: no cover - depends on the shared estimator being present
        raise DataError("The shared synthetic-control estimator analysis/synth.py is missing") from exc
    return synth


def synthetic_path(panel: pd.DataFrame, treated: str, pre_years) -> tuple[pd.Series, pd.Series]:
    """Weights fitted on the pre-period outcome path and the synthetic series for all years."""
    synth = _synth()
    pre = [y for y in pre_years if y in panel.index]
    if len(pre) < 2:
        raise DataError(f"Too few pre-period years in the panel: {pre}")
    donors = [c for c in panel.columns if c != treated]
    if not donors:
        raise DataError("No donors in the panel")
    w = synth.synth_weights(panel.loc[pre, treated].to_numpy(float), panel.loc[pre, donors].to_numpy(float))
    weights = pd.Series(w, index=donors, name="weight")
    return weights, (panel[donors] @ weights).rename("synthetic")


def covariate_weights(X: pd.DataFrame, treated: str, donors) -> pd.Series:
    """Synthetic-control weights that reproduce the treated unit's standardized covariates
    (the outcome is not used, so the whole outcome path can be compared)."""
    synth = _synth()
    donors = list(donors)
    Z = standardize(X)
    w = synth.synth_weights(Z.loc[treated].to_numpy(float), Z.loc[donors].to_numpy(float).T)
    return pd.Series(w, index=donors, name="weight")


def rmspe(x: pd.Series) -> float:
    return float(np.sqrt(np.mean(np.square(x.to_numpy(float))))) if len(x) else float("nan")


def placebo_test(panel: pd.DataFrame, treated: str, pre_years) -> Placebo:
    """Refit the synthetic comparison with each unit as 'treated' (donors = all other
    units except the treated one).

    The p-value is the share of units whose post/pre RMSPE ratio is at least the treated
    unit's (Abadie, Diamond & Hainmueller 2010); with J donors its smallest value is 1/(J+1).
    ``p_below`` is a one-sided companion for a claimed *reduction*: the share of units, among
    those fitted at least half as well before the event (pre-RMSPE ≤ 2 × the treated
    unit's), whose mean post-period gap is as negative as the treated unit's.
    """
    pre = [y for y in pre_years if y in panel.index]
    post = [y for y in panel.index if y not in pre and y > max(pre)]
    if not post:
        raise DataError("No post-period years in the panel")
    ratios, gaps = {}, {}
    for unit in panel.columns:
        # a placebo unit's donors are the other donors: the treated unit never serves as a donor
        sub = panel if unit == treated else panel.drop(columns=treated)
        _, synthetic = synthetic_path(sub, unit, pre)
        gap = panel[unit] - synthetic
        gaps[unit] = gap
        pre_r = rmspe(gap.loc[pre])
        ratios[unit] = rmspe(gap.loc[post]) / pre_r if pre_r > 0 else np.inf
    ratios = pd.Series(ratios, name="post/pre RMSPE")
    p = float((ratios >= ratios.loc[treated]).mean())
    rank = int((ratios > ratios.loc[treated]).sum()) + 1
    gaps = pd.DataFrame(gaps)
    pre_fit = gaps.loc[pre].pow(2).mean().pow(0.5)
    good = pre_fit[pre_fit <= 2 * pre_fit.loc[treated]].index
    post_mean = gaps.loc[post, good].mean()
    p_below = float((post_mean <= post_mean.loc[treated]).mean())
    return Placebo(ratios, gaps, treated, p, rank, p_below, len(good))


def departure_year(gap: pd.Series, band: float, start: int | None = None) -> int | None:
    """First year from which the gap stays below −band in every later year (None if never)."""
    g = gap.sort_index()
    if start is not None:
        g = g[g.index >= start]
    below = g < -band
    for i, year in enumerate(g.index):
        if below.iloc[i:].all():
            return int(year)
    return None
