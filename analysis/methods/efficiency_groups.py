"""Efficiency by municipality group, and what goes with it: document 004's structural claims.

Svenskt Näringsliv's DEA scores behind document 004 are not public, so two public measures
stand in for them, and every verdict is given for both:

* **RKA efficiency indices** (Kolada U15900 compulsory school, U17900 upper secondary,
  U20900 elderly care, U11901 preschool; 0–100, higher = more efficient). They rank cost
  and quality together but are *not* adjusted for structure;
* the **net cost deviation** (N00097, cost against the structurally expected cost, %),
  sign flipped so that higher = cheaper than structure predicts. It is adjusted for
  structure but says nothing about quality.

Each KPI is standardised per year across municipalities and averaged over 2019–2022
(after the 2019 change of the cost-equalisation model; SN's study covers 2019–2023); the RKA
score needs at least two of the four indices (small municipalities often lack some). A mean
of z-scores has a standard deviation below one (the RKA composite's is about 0.6), so every
score is then standardised once more across municipalities: the book's one unit for an
efficiency score is :data:`SD_UNIT`, the standard deviation across municipalities of the
score's 2019–2022 mean, higher = more efficient. Both chapters that use the scores report
effects in that unit (:func:`unit_sd`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError
from ..sources.kolada import RIKET, load_kpis
from ..sources.municipalities import municipalities

INDICES = {"U15900": "compulsory school", "U17900": "upper secondary school", "U20900": "elderly care",
           "U11901": "preschool"}
COST = "N00097"
YEARS = tuple(range(2019, 2023))
MIN_INDICES = 2
MEASURES = {"rka": "RKA efficiency indices", "nka": "net cost deviation (sign flipped)"}
SD_UNIT = "SD across municipalities of the 2019–2022 mean score"
"""The book's one standardisation of an efficiency score (both chapters name it in every label)."""
SD_SHORT = "SD (across municipalities, 2019–2022 mean)"
NORTH_COUNTIES = ("21", "22", "23", "24", "25")  # Norrland: Gävleborg to Norrbotten
RURAL_GROUPS = ("C8", "C9")  # SKR: Landsbygdskommun, Landsbygdskommun med besöksnäring
NORTH_RURAL = "Norrland rural (C8/C9)"


def _standardised(tidy: pd.DataFrame) -> pd.DataFrame:
    """z-score of each KPI within each year across municipalities."""
    g = tidy.groupby(["kpi", "year"])["value"]
    out = tidy.copy()
    out["z"] = (tidy["value"] - g.transform("mean")) / g.transform("std")
    return out


def kpi_means(kpis, data_dir=None, years=YEARS) -> pd.DataFrame:
    """Municipality × KPI mean over ``years``; a KPI lacking any of the years stops with an error."""
    tidy = load_kpis(list(kpis), data_dir)
    tidy = tidy[(tidy["municipality"] != RIKET) & tidy["year"].isin(list(years))]
    have = tidy.groupby("kpi")["year"].unique()
    for k in kpis:
        k = k.upper()
        if k not in have.index or set(years) - set(have[k]):
            got = sorted(have[k]) if k in have.index else []
            raise DataError(f"{k} lacks years {sorted(set(years) - set(got))} (needed {years[0]}–{years[-1]})")
    return tidy.groupby(["municipality", "kpi"])["value"].mean().unstack()


def unit_sd(score: pd.Series) -> pd.Series:
    """A score in the book's unit :data:`SD_UNIT`: minus its mean, divided by its standard
    deviation across the municipalities that have it."""
    s = score.astype(float)
    sd = s.std()
    if not np.isfinite(sd) or sd == 0:
        raise DataError(f"{score.name}: no variation to standardise")
    return (s - s.mean()) / sd


def efficiency_scores(data_dir=None, years=YEARS, min_indices: int = MIN_INDICES) -> pd.DataFrame:
    """One row per municipality: the two efficiency scores in :data:`SD_UNIT` (higher = more
    efficient), the same before that last standardisation (``rka (mean z)``, ``nka (mean z)``:
    means of per-year z-scores, whose SD is below one), how many RKA indices entered, the mean
    net cost deviation (%), group and county."""
    kpis = [*INDICES, COST]
    kpi_means(kpis, data_dir, years)  # fails clearly if a year is missing
    tidy = load_kpis(kpis, data_dir)
    tidy = _standardised(tidy[(tidy["municipality"] != RIKET) & tidy["year"].isin(list(years))])
    z = tidy.groupby(["municipality", "kpi"])["z"].mean().unstack()
    raw = tidy.groupby(["municipality", "kpi"])["value"].mean().unstack()
    n = z[list(INDICES)].notna().sum(axis=1)
    meta = municipalities(data_dir).set_index("code")
    out = pd.DataFrame({
        "rka (mean z)": z[list(INDICES)].mean(axis=1).where(n >= min_indices),
        "rka indices": n,
        "nka (mean z)": -z[COST],
        "net cost deviation (%)": raw[COST],
    }).reindex(meta.index)
    out.insert(0, "nka", unit_sd(out["nka (mean z)"]))
    out.insert(0, "rka", unit_sd(out["rka (mean z)"]))
    out = out.join(meta[["name", "skr_group", "skr_group_name", "county_code", "county"]])
    out["north rural"] = out["county_code"].isin(NORTH_COUNTIES) & out["skr_group"].isin(RURAL_GROUPS)
    return out


def t_interval(values: pd.Series, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and t-based confidence interval (NaN bounds for fewer than two values)."""
    v = values.dropna().to_numpy(dtype=float)
    if len(v) == 0:
        raise DataError("No values for a mean")
    m = float(v.mean())
    if len(v) < 2:
        return m, np.nan, np.nan, 1
    half = float(stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return m, m - half, m + half, len(v)


def group_means(scores: pd.DataFrame, measure: str, by: str = "skr_group") -> pd.DataFrame:
    """Mean score per group with a 95 % CI; rank 1 = most efficient group."""
    if measure not in MEASURES:
        raise KeyError(f"Unknown measure {measure!r}; choose from {sorted(MEASURES)}")
    rows = []
    for g, part in scores.groupby(by):
        m, lo, hi, n = t_interval(part[measure])
        label = part["skr_group_name"].iloc[0] if by == "skr_group" else g
        rows.append({"group": g, "name": label, "municipalities": n, "mean": m, "CI low": lo, "CI high": hi})
    out = pd.DataFrame(rows)
    out["rank"] = out["mean"].rank(ascending=False).astype(int)
    return out.sort_values("rank").reset_index(drop=True)


def difference(a: pd.Series, b: pd.Series) -> dict:
    """Mean of ``a`` minus mean of ``b``, Welch 95 % CI and p-value."""
    a, b = a.dropna().astype(float), b.dropna().astype(float)
    if len(a) < 2 or len(b) < 2:
        raise DataError("A difference of means needs at least two values on each side")
    d = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = float(np.sqrt(va + vb))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.975, df) * se)
    p = float(2 * stats.t.sf(abs(d) / se, df))
    return {"difference": d, "CI low": d - half, "CI high": d + half, "p": p, "n a": len(a), "n b": len(b)}


def spearman(x: pd.Series, y: pd.Series) -> dict:
    """Spearman's rho with an approximate 95 % CI (Fisher z, SE 1.06/sqrt(n−3))."""
    d = pd.concat([x, y], axis=1).dropna()
    n = len(d)
    if n < 10:
        raise DataError(f"Only {n} pairs for a rank correlation")
    rho, p = stats.spearmanr(d.iloc[:, 0], d.iloc[:, 1])
    zr, se = np.arctanh(rho), 1.06 / np.sqrt(n - 3)
    return {"rho": float(rho), "CI low": float(np.tanh(zr - 1.96 * se)), "CI high": float(np.tanh(zr + 1.96 * se)),
            "p": float(p), "n": n}


def slope(y: pd.Series, x: pd.Series, controls: pd.DataFrame | None = None) -> dict:
    """OLS slope of ``y`` on ``x`` (per unit of x: per :data:`SD_UNIT` when x is a score from
    :func:`efficiency_scores`), HC3 95 % CI.

    ``controls``: extra regressors (e.g. SKR-group dummies and log population).
    """
    import statsmodels.api as sm

    parts = [x.rename("x")] + ([controls] if controls is not None else [])
    X = pd.concat(parts, axis=1)
    d = pd.concat([y.rename("y"), X], axis=1).dropna()
    if len(d) < 20:
        raise DataError(f"Only {len(d)} observations for a regression")
    exog = sm.add_constant(d.drop(columns="y").astype(float), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' notes on HC3 with dummies are not results
        fit = sm.OLS(d["y"].astype(float), exog).fit(cov_type="HC3")
    lo, hi = fit.conf_int().loc["x"]
    return {"coef": float(fit.params["x"]), "CI low": float(lo), "CI high": float(hi), "p": float(fit.pvalues["x"]),
            "n": int(fit.nobs), "r2": float(fit.rsquared)}


def controls(scores: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """SKR-group dummies (A2 as the base) and log population."""
    dummies = pd.get_dummies(scores["skr_group"], prefix="g", dtype=float).drop(columns="g_A2", errors="ignore")
    return dummies.assign(log_population=np.log(population.reindex(scores.index)))

