"""The KPI catalogue (data/kpi_catalogue.csv): which Kolada KPIs the book uses and why.

Every KPI request goes through :func:`require_kpi`, so a mistyped id fails with a
suggestion instead of producing an empty table.
"""

from __future__ import annotations

import difflib
import io
from functools import lru_cache

import pandas as pd

from ..config import KPI_CATALOGUE_FILE
from ..errors import DataError, UnknownKPIError
from .files import read_text

CATALOGUE_COLUMNS = ["id", "title", "unit", "use", "in_snapshot"]


@lru_cache(maxsize=1)
def catalogue() -> pd.DataFrame:
    """Return the KPI catalogue indexed by upper-case Kolada id."""
    if not KPI_CATALOGUE_FILE.exists():
        raise DataError(f"KPI catalogue not found: {KPI_CATALOGUE_FILE}")
    text = read_text(KPI_CATALOGUE_FILE)  # checked against data/MANIFEST.sha256
    try:
        cat = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{KPI_CATALOGUE_FILE}: malformed CSV ({exc})") from exc
    missing = set(CATALOGUE_COLUMNS) - set(cat.columns)
    if missing:
        raise DataError(f"{KPI_CATALOGUE_FILE}: missing columns {sorted(missing)}")
    if cat["id"].duplicated().any():
        raise DataError(f"{KPI_CATALOGUE_FILE}: duplicate ids {cat.loc[cat['id'].duplicated(), 'id'].tolist()}")
    return cat.set_index("id")


def normalise_kpi(kpi: str) -> str:
    """Kolada prints ids in upper case (``N31001``); accept any case on input."""
    if not isinstance(kpi, str) or not kpi.strip():
        raise UnknownKPIError(f"KPI id must be a non-empty string, got {kpi!r}")
    return kpi.strip().upper()


def require_kpi(kpi: str) -> str:
    """Return the normalised id, or raise :class:`UnknownKPIError` suggesting close ids."""
    kid = normalise_kpi(kpi)
    cat = catalogue()
    if kid not in cat.index:
        close = difflib.get_close_matches(kid, cat.index.tolist(), n=4, cutoff=0.6)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise UnknownKPIError(
            f"Unknown KPI id {kid!r}: not in the KPI catalogue {KPI_CATALOGUE_FILE.name}.{hint}"
        )
    return kid


def title(kpi: str) -> str:
    """Kolada's title for a KPI, as printed (Swedish)."""
    return catalogue().loc[require_kpi(kpi), "title"]


def unit(kpi: str) -> str:
    """The unit of a KPI in English (e.g. 'SEK per inhabitant', 'percent')."""
    return catalogue().loc[require_kpi(kpi), "unit"]
