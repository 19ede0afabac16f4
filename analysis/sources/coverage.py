"""Coverage of the data snapshot: which KPI has values for how many municipalities, when."""

from __future__ import annotations

import pandas as pd

from .catalogue import catalogue
from .kolada import RIKET, load_kpis


def snapshot_kpis() -> list[str]:
    """KPIs of the catalogue that the snapshot holds."""
    cat = catalogue()
    return cat.index[cat["in_snapshot"] == "yes"].tolist()


def coverage_matrix(kpis=None, data_dir=None) -> pd.DataFrame:
    """KPI × year: number of municipalities (of 290) with a value."""
    kpis = kpis or snapshot_kpis()
    tidy = load_kpis(kpis, data_dir)
    tidy = tidy[tidy["municipality"] != RIKET]
    mat = tidy.groupby(["kpi", "year"])["municipality"].nunique().unstack("year").fillna(0).astype(int)
    return mat


def coverage_summary(kpis=None, data_dir=None) -> pd.DataFrame:
    """Per KPI: first and last year, and the fewest / most municipalities in any year."""
    mat = coverage_matrix(kpis, data_dir)
    cat = catalogue()
    rows = []
    for kpi, row in mat.iterrows():
        present = row[row > 0]
        rows.append(
            {
                "kpi": kpi,
                "title": cat.loc[kpi, "title"],
                "first year": int(present.index.min()),
                "last year": int(present.index.max()),
                "min municipalities": int(present.min()),
                "max municipalities": int(present.max()),
            }
        )
    return pd.DataFrame(rows)


def municipalities_per_year(kpis, data_dir=None) -> pd.DataFrame:
    """Long table kpi, year, municipalities (for a line plot)."""
    return coverage_matrix(kpis, data_dir).stack().rename("municipalities").reset_index()


def last_year(data_dir=None) -> int:
    """The last year with any value in the snapshot (all KPIs)."""
    return int(coverage_matrix(data_dir=data_dir).columns.max())


def assistance_measures(municipalities, data_dir=None) -> pd.DataFrame:
    """N31001 (cost, SCB accounts) beside N31004 (paid out, Socialstyrelsen) per year."""
    from .municipalities import names, resolve

    codes = [resolve(m, data_dir=data_dir, allow_riket=True) for m in municipalities]
    tidy = load_kpis(["N31001", "N31004"], data_dir)
    tidy = tidy[tidy["municipality"].isin(codes)].copy()
    tidy["name"] = tidy["municipality"].map(names(data_dir))
    wide = tidy.pivot(index=["name", "year"], columns="kpi", values="value").reset_index()
    wide.columns.name = None
    wide["ratio N31004/N31001"] = wide["N31004"] / wide["N31001"]
    return wide


def assistance_measures_compared(data_dir=None, outlier_ratio: float = 3.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per year: how many municipalities report more paid out (N31004) than the accounts'
    cost (N31001), and the municipality-years where paid out exceeds the cost by more than a
    factor ``outlier_ratio`` (likely reporting errors: flagged here, not dropped)."""
    from .municipalities import names

    tidy = load_kpis(["N31001", "N31004"], data_dir)
    tidy = tidy[tidy["municipality"] != RIKET]
    wide = tidy.pivot(index=["municipality", "year"], columns="kpi", values="value").dropna().reset_index()
    wide["ratio"] = wide["N31004"] / wide["N31001"]
    per_year = (wide.assign(paid_above_cost=wide["N31004"] > wide["N31001"])
                .groupby("year").agg(municipalities=("ratio", "size"), paid_above_cost=("paid_above_cost", "sum"))
                .reset_index())
    odd = wide[wide["ratio"] > outlier_ratio].copy()
    odd.insert(1, "name", odd["municipality"].map(names(data_dir)))
    return per_year, odd.sort_values(["year", "municipality"]).reset_index(drop=True)
