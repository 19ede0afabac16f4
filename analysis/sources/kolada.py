"""Load Kolada KPI values into one tidy table: municipality, year, kpi, value.

Reads the live cache written by ``make data`` when it holds the KPI (and the cache
is preferred), otherwise the data snapshot in ``data/`` (or, when ``MUNI_DATA_DIR``
points to it, the raw archive: the open-numbers DDF dump of Kolada).
Codes are 4-character strings; Riket is ``0000``; regions are dropped.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import DataError, UnknownKPIError
from . import raw, snapshot
from .catalogue import require_kpi
from .codes import RIKET
from .files import show, strict_numbers, strict_years

TIDY_COLUMNS = raw.TIDY_COLUMNS


def snapshot_root(data_dir=None) -> Path:
    """Return the data folder (the snapshot, or a raw archive), or fail saying how to point to it."""
    root = config.data_dir(data_dir)
    if snapshot.is_snapshot(root) or raw.is_raw_archive(root):
        return root
    raise DataError(
        f"Data snapshot not found at {show(root)}: neither a snapshot (snapshot/kolada.parquet and {config.MANIFEST_NAME}) nor a raw "
        f"archive ({config.KOLADA_DATAPOINTS}). The repository's data/ folder holds the snapshot: restore it with "
        f"`git checkout -- data/`, or set {config.DATA_ENV_VAR}=/path/to/data, or pass the papermill parameter "
        f"data_dir (`make data` fetches Kolada's values only)."
    )


def kpi_file(kpi: str, data_dir=None) -> Path:
    """Path of the raw-archive file for ``kpi`` (the file must exist)."""
    return raw.kpi_file(snapshot_root(data_dir), require_kpi(kpi))


read_kpi_file = raw.read_kpi_file


def _cached_file(kpi: str, cache_dir=None) -> Path | None:
    """The live-cache file for a KPI if `make data` has written one."""
    path = config.cache_dir(cache_dir) / "kolada" / f"{kpi.upper()}.csv"
    return path if path.is_file() else None


@lru_cache(maxsize=4)
def known_codes(data_dir: str | None = None) -> frozenset[str]:
    """The 290 municipality codes of the data's municipality list, plus Riket."""
    root = snapshot_root(data_dir)
    if snapshot.is_snapshot(root):
        codes = snapshot.read_table(root, "municipalities")["code"]
    else:
        codes = raw.municipality_list(root)["code"]
    return frozenset(codes) | {RIKET}


def _validate_codes(tidy: pd.DataFrame, source, data_dir) -> pd.DataFrame:
    unknown = set(tidy["municipality"]) - known_codes(data_dir)
    if unknown:
        raise DataError(f"{source}: unknown municipality codes {sorted(unknown)[:5]}")
    return tidy


@lru_cache(maxsize=512)
def _load_one(kpi: str, data_dir: str | None, use_cache: bool) -> pd.DataFrame:
    cached = _cached_file(kpi) if use_cache else None
    if cached is not None:
        return _validate_codes(read_tidy_file(cached, kpi), cached, data_dir)
    root = snapshot_root(data_dir)
    if snapshot.is_snapshot(root):
        tidy = snapshot.kolada_kpi(root, kpi)
        if tidy is None:
            raise UnknownKPIError(
                f"KPI {kpi} is in the catalogue but not in the data snapshot "
                f"({show(snapshot.table_path(root, 'kolada'))}). It is only available from the live Kolada API: "
                f"run `make data`."
            )
        return _validate_codes(tidy, snapshot.table_path(root, "kolada"), data_dir)
    path = raw.kpi_file(root, kpi)
    return _validate_codes(raw.read_kpi_file(path, kpi), path, data_dir)


def read_tidy_file(path: Path, kpi: str) -> pd.DataFrame:
    """Read a tidy cache file (municipality,year,kpi,value) written by the live refresh."""
    df = raw.read_csv_text(path)
    if list(df.columns) != TIDY_COLUMNS:
        raise DataError(f"{show(path)}: expected columns {TIDY_COLUMNS}, found {list(df.columns)}")
    if df.empty:
        raise DataError(f"{show(path)}: no data rows")
    if not df["municipality"].str.fullmatch(r"\d{4}").all():
        raise DataError(f"{show(path)}: malformed municipality codes")
    df["value"] = strict_numbers(df["value"], path, "value")
    df["year"] = strict_years(df["year"], path).astype("int64")
    if df.duplicated(["municipality", "year"]).any():
        raise DataError(f"{show(path)}: duplicate municipality-year rows")
    if (df["kpi"] != kpi.upper()).any():
        raise DataError(f"{path}: holds KPIs other than {kpi.upper()}")
    return df


def load_kpis(kpis, data_dir=None, use_cache: bool = True) -> pd.DataFrame:
    """Return the tidy table for one or more KPIs (municipalities and Riket, all years).

    ``use_cache`` prefers the live cache of `make data` where it holds the KPI;
    the environment variable ``MUNI_USE_CACHE=0`` turns that off everywhere.
    """
    use_cache = use_cache and os.environ.get("MUNI_USE_CACHE", "1") != "0"
    if isinstance(kpis, str):
        kpis = [kpis]
    ids = [require_kpi(k) for k in kpis]
    if not ids:
        raise UnknownKPIError("No KPI ids given")
    key_dir = str(config.data_dir(data_dir))
    frames = [_load_one(k, key_dir, use_cache) for k in dict.fromkeys(ids)]
    return pd.concat(frames, ignore_index=True)[TIDY_COLUMNS]


def kpi_wide(kpis, data_dir=None, years=None, municipalities_only: bool = True) -> pd.DataFrame:
    """Municipality × year rows with one column per KPI (for regressions and panels)."""
    tidy = load_kpis(kpis, data_dir)
    if municipalities_only:
        tidy = tidy[tidy["municipality"] != RIKET]
    if years is not None:
        tidy = tidy[tidy["year"].isin(list(years))]
    wide = tidy.pivot(index=["municipality", "year"], columns="kpi", values="value")
    wide.columns.name = None
    return wide.reset_index()


def clear_cache() -> None:
    """Forget loaded files (tests switch data folders)."""
    _load_one.cache_clear()
    known_codes.cache_clear()
    snapshot.clear_cache()


def kpi_definitions(data_dir=None) -> pd.DataFrame:
    """Kolada's title (``name``) and definition (``description``) per KPI, indexed by
    upper-case id (the open-numbers dump's concept list, as of August 2024)."""
    root = snapshot_root(data_dir)
    if snapshot.is_snapshot(root):
        df = snapshot.read_table(root, "kpi_definitions")
    else:
        from .catalogue import catalogue

        cat = catalogue()
        df = raw.kpi_definitions(root, [k for k in cat.index if cat.loc[k, "in_snapshot"] == "yes"])
    return df.set_index("kpi")


def regions(data_dir=None) -> pd.DataFrame:
    """Kolada's regions: region (2-digit code) and name."""
    root = snapshot_root(data_dir)
    return snapshot.read_table(root, "regions") if snapshot.is_snapshot(root) else raw.regions(root)
