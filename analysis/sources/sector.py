"""National totals and population facts built from per-municipality KPIs.

Kolada's Riket rows for the financial KPIs start in 2010; summing ``kr/inv × population``
over the 290 municipalities gives the sector total for every year from 1998 (a year
with any municipality missing is left out rather than under-counted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from . import raw, snapshot
from .kolada import RIKET, load_kpis, snapshot_root

POPULATION = "N01951"
SCB_POP_2023 = raw.SCB_POP_2023


def wide(kpi: str, data_dir=None) -> pd.DataFrame:
    """Municipality × year values of one KPI (Riket dropped)."""
    t = load_kpis(kpi, data_dir)
    t = t[t["municipality"] != RIKET]
    return t.pivot(index="municipality", columns="year", values="value")


COST_KPIS = ("N03011", "N03013")  # Kolada reports costs with a negative sign
MIN_COVERAGE = 0.98  # share of the population whose municipality must report in a year


def _sign(kpi: str) -> int:
    return -1 if kpi.upper() in COST_KPIS else 1


def national_total(kpi: str, data_dir=None, min_coverage: float = MIN_COVERAGE) -> pd.Series:
    """Sector total per year in SEK bn: sum of kr/inv × population over the municipalities
    that report, scaled up to the whole population; years in which the reporting
    municipalities hold less than ``min_coverage`` of the population are left out.
    Costs (negative in Kolada) are returned as positive amounts."""
    v, pop = wide(kpi, data_dir), wide(POPULATION, data_dir)
    out = {}
    for y in v.columns:
        if y not in pop.columns:
            continue
        both = pd.concat([v[y], pop[y]], axis=1, keys=["v", "pop"]).dropna()
        coverage = both["pop"].sum() / pop[y].sum()
        if coverage >= min_coverage:
            out[y] = _sign(kpi) * float((both["v"] * both["pop"]).sum()) / coverage / 1e9
    if not out:
        raise DataError(f"No year in which municipalities with {min_coverage:.0%} of the population report {kpi}")
    return pd.Series(out, name=kpi)


def grants_share(data_dir=None) -> pd.DataFrame:
    """General state grants and equalisation (N03009) as a share of revenue: tax (N03010)
    + grants + operating revenue (costs N03013 − net costs N03011). Each year uses the
    municipalities reporting all four KPIs (a ratio needs no scaling)."""
    kpis = ["N03009", "N03010", "N03013", "N03011"]
    pop = wide(POPULATION, data_dir)
    vals = {k: wide(k, data_dir) for k in kpis}
    rows = {}
    for y in sorted(set.intersection(*[set(v.columns) for v in vals.values()]) & set(pop.columns)):
        d = pd.concat([vals[k][y] * _sign(k) for k in kpis] + [pop[y]], axis=1, keys=[*kpis, "pop"]).dropna()
        if d["pop"].sum() / pop[y].sum() < MIN_COVERAGE:
            continue
        tot = {k: float((d[k] * d["pop"]).sum()) / 1e9 for k in kpis}
        rows[y] = {"grants": tot["N03009"], "tax": tot["N03010"], "operating revenue": tot["N03013"] - tot["N03011"],
                   "municipalities": len(d)}
    if not rows:
        raise DataError("No year with grants, taxes and costs for enough municipalities")
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["share (%)"] = out["grants"] / out[["grants", "tax", "operating revenue"]].sum(axis=1) * 100
    out.index.name = "year"
    return out


def weighted_share(kpi: str, data_dir=None) -> pd.Series:
    """Population-weighted national share (%) from municipal shares (e.g. N01960, 65+)."""
    v, pop = wide(kpi, data_dir), wide(POPULATION, data_dir)
    years = [y for y in v.columns if y in pop.columns and v[y].notna().sum() == len(pop)]
    if not years:
        raise DataError(f"No year with {kpi} for every municipality")
    return pd.Series({y: float(np.average(v[y], weights=pop.loc[v.index, y])) for y in years}, name=kpi)


def population_change(start: int, end: int, data_dir=None) -> pd.DataFrame:
    """Population in two years and the change, for every municipality."""
    pop = wide(POPULATION, data_dir)
    for y in (start, end):
        if y not in pop.columns:
            raise DataError(f"No population for {y} (data has {pop.columns.min()}–{pop.columns.max()})")
    out = pd.DataFrame({start: pop[start], end: pop[end]}).dropna()
    out["change"] = out[end] - out[start]
    out["change (%)"] = out["change"] / out[start] * 100
    return out


def trend(series: pd.Series) -> dict:
    """OLS slope per year with a 95 % CI (years as x)."""
    from scipy import stats

    s = series.dropna()
    if len(s) < 3:
        raise DataError("A trend needs at least three years")
    r = stats.linregress(np.asarray(s.index, dtype=float), s.to_numpy(dtype=float))
    half = float(stats.t.ppf(0.975, len(s) - 2) * r.stderr)
    return {"slope": float(r.slope), "CI low": float(r.slope - half), "CI high": float(r.slope + half),
            "first": int(s.index.min()), "last": int(s.index.max())}


def scb_population_2023(data_dir=None, required: bool = True) -> pd.Series | None:
    """Population 31 Dec 2023 per municipality code (SCB's table; snapshot or raw archive).
    With ``required=False`` a data folder without it (the live cache's stand-in) gives None."""
    root = snapshot_root(data_dir)
    if snapshot.is_snapshot(root):
        df = snapshot.read_table(root, "scb_population_2023")
    elif not required and not (root / SCB_POP_2023).exists():
        return None
    else:
        df = raw.scb_population_2023(root)
    return pd.Series(df["population"].to_numpy(), index=pd.Index(df["municipality"], name=0), name=2023)
