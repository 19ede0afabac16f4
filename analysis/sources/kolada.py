"""Load Kolada KPI values into one tidy table: municipality, year, kpi, value.

Reads the live cache written by ``make data`` when it holds the KPI (and the cache
is preferred), otherwise the offline snapshot (open-numbers DDF dump of Kolada).
Codes are 4-character strings; Riket is ``0000``; regions are dropped.
"""

from __future__ import annotations

import csv
import os
import warnings
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import DataError, UnknownKPIError
from .catalogue import require_kpi
from .codes import RIKET

TIDY_COLUMNS = ["municipality", "year", "kpi", "value"]


def snapshot_root(data_dir=None) -> Path:
    """Return the snapshot folder, or fail saying how to point to it."""
    root = config.data_dir(data_dir)
    if not (root / config.KOLADA_DATAPOINTS).is_dir():
        raise DataError(
            f"Data snapshot not found at {root} (expected {config.KOLADA_DATAPOINTS} inside it). "
            f"Put the shared snapshot beside the repository (../shared/data), set "
            f"{config.DATA_ENV_VAR}=/path/to/data, pass the papermill parameter data_dir, "
            f"or run `make data` to download the data."
        )
    return root


def kpi_file(kpi: str, data_dir=None) -> Path:
    """Path of the snapshot file for ``kpi`` (the file must exist)."""
    kid = require_kpi(kpi)
    root = snapshot_root(data_dir)
    name = f"ddf--datapoints--{kid.lower()}--by--geo--year.csv"
    for folder in (config.KOLADA_DATAPOINTS, Path("raw/skr/kolada-n05829-politiskt-styre")):
        path = root / folder / name
        if path.is_file():
            return path
    raise UnknownKPIError(
        f"KPI {kid} is in the catalogue but not in the data snapshot at {root}. "
        f"It is only available from the live Kolada API: run `make data`."
    )


def _geo_to_code(geo: pd.Series, path: Path) -> pd.Series:
    """Map DDF geo codes to Kolada municipality codes; Riket '0' becomes '0000'."""
    geo = geo.str.strip()
    bad = ~geo.str.fullmatch(r"\d{1,4}")
    if bad.any():
        raise DataError(f"{path}: malformed geo codes, e.g. {geo[bad].iloc[0]!r}")
    return geo.where(geo != "0", RIKET)


def read_kpi_file(path: Path, kpi: str) -> pd.DataFrame:
    """Parse one DDF datapoint file strictly: header, codes, years, numbers, unique keys."""
    col = kpi.lower()
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc})") from exc
    if header != ["geo", "year", col]:
        raise DataError(f"{path}: expected header geo,year,{col} but found {header}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # pandas only warns on some bad rows
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, index_col=False, on_bad_lines="error")
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as exc:
        raise DataError(f"{path}: malformed CSV ({exc}); partial or corrupt file?") from exc
    if raw.empty:
        raise DataError(f"{path}: no data rows (empty or truncated file)")
    empty = (raw.isna() | (raw == "")).any(axis=1)
    if empty.any():
        line = int(empty.idxmax()) + 2
        raise DataError(f"{path}: empty field on line {line} (partial or truncated file?)")
    codes = _geo_to_code(raw["geo"], path)
    years = pd.to_numeric(raw["year"], errors="coerce")
    values = pd.to_numeric(raw[col], errors="coerce")
    for name, parsed in (("year", years), (col, values)):
        if parsed.isna().any():
            line = int(parsed.isna().idxmax()) + 2
            raise DataError(f"{path}: non-numeric {name} {raw.loc[line - 2, name if name == 'year' else col]!r} on line {line}")
    tidy = pd.DataFrame(
        {"municipality": codes, "year": years.astype(int), "kpi": kpi.upper(), "value": values.astype(float)}
    )
    tidy = tidy[tidy["municipality"].str.len() == 4].reset_index(drop=True)  # drop regions (2 digits)
    dup = tidy.duplicated(["municipality", "year"])
    if dup.any():
        first = tidy[dup].iloc[0]
        raise DataError(f"{path}: duplicate value for municipality {first.municipality}, year {first.year}")
    return tidy


def _cached_file(kpi: str, cache_dir=None) -> Path | None:
    """The live-cache file for a KPI if `make data` has written one."""
    path = config.cache_dir(cache_dir) / "kolada" / f"{kpi.upper()}.csv"
    return path if path.is_file() else None


@lru_cache(maxsize=4)
def known_codes(data_dir: str | None = None) -> frozenset[str]:
    """The 290 municipality codes of the snapshot's municipality list, plus Riket."""
    path = snapshot_root(data_dir) / config.KOLADA_DUMP / "ddf--entities--geo--kommun.csv"
    if not path.is_file():
        raise DataError(f"Missing municipality list {path}")
    codes = pd.read_csv(path, dtype=str, keep_default_na=False)["kommun"].str.strip()
    if codes.nunique() != 290:
        raise DataError(f"{path}: expected 290 municipalities, found {codes.nunique()}")
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
    path = kpi_file(kpi, data_dir)
    return _validate_codes(read_kpi_file(path, kpi), path, data_dir)


def read_tidy_file(path: Path, kpi: str) -> pd.DataFrame:
    """Read a tidy cache file (municipality,year,kpi,value) written by the live refresh."""
    try:
        df = pd.read_csv(path, dtype={"municipality": str, "kpi": str}, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: malformed CSV ({exc})") from exc
    if list(df.columns) != TIDY_COLUMNS:
        raise DataError(f"{path}: expected columns {TIDY_COLUMNS}, found {list(df.columns)}")
    if df.empty:
        raise DataError(f"{path}: no data rows")
    df["value"] = pd.to_numeric(df["value"], errors="raise")
    df["year"] = df["year"].astype(int)
    if df.duplicated(["municipality", "year"]).any():
        raise DataError(f"{path}: duplicate municipality-year rows")
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
