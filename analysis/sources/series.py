"""One KPI for one municipality: the small layer above the snapshot (kolada) and the
municipality list (municipalities), so that neither of those two imports the other."""

from __future__ import annotations

import pandas as pd

from ..errors import DataError
from .kolada import load_kpis
from .municipalities import resolve


def series(kpi: str, municipality: str, data_dir=None) -> pd.Series:
    """One KPI for one municipality (code or name) as a year-indexed series."""
    code = resolve(municipality, data_dir=data_dir, allow_riket=True)
    tidy = load_kpis(kpi, data_dir)
    out = tidy[tidy["municipality"] == code].set_index("year")["value"].sort_index()
    out.name = f"{kpi.upper()} {code}"
    return out


def value(kpi: str, municipality: str, year: int, data_dir=None) -> float:
    """A single published value; fails clearly when the year is not in the data."""
    s = series(kpi, municipality, data_dir)
    if year not in s.index:
        span = f"{s.index.min()}–{s.index.max()}" if len(s) else "no years"
        raise DataError(f"No value of {kpi.upper()} for {municipality} in {year} (data has {span})")
    return float(s.loc[year])


def latest_year(kpi: str, municipality: str | None = None, data_dir=None) -> int:
    """Latest year with a value (for one municipality, or any)."""
    tidy = load_kpis(kpi, data_dir)
    if municipality is not None:
            tidy = tidy[tidy["municipality"] == resolve(municipality, data_dir=data_dir, allow_riket=True)]
    if tidy.empty:
        raise DataError(f"No values of {kpi.upper()} for {municipality}")
    return int(tidy["year"].max())
