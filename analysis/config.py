"""Where things are: the data snapshot, the raw archive, the live cache and the build folder.

The book reads the compact snapshot in the repository's ``data/`` folder (Parquet tables
under ``data/snapshot/``, the transcribed printed tables under ``data/seed-tables/``, all
listed with their SHA-256 sums in ``data/MANIFEST.sha256``). ``MUNI_DATA_DIR`` (or, in a
chapter, the papermill parameter ``data_dir``) may point elsewhere: to another snapshot
folder, or to the raw archive itself (a folder with ``raw/kolada/...``, such as
``../shared/data``), which is read file by file with the same strict parsers that build
the snapshot. ``make snapshot`` rebuilds the snapshot from the raw archive at
``MUNI_RAW_DIR`` (default ``../shared/data``).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_ENV_VAR = "MUNI_DATA_DIR"
CACHE_ENV_VAR = "MUNI_CACHE_DIR"
CLAIMS_ENV_VAR = "MUNI_CLAIMS_FILE"
RAW_ENV_VAR = "MUNI_RAW_DIR"
DEFAULT_DATA_DIR = REPO_ROOT / "data"
DEFAULT_RAW_DIR = REPO_ROOT.parent / "shared" / "data"
DEFAULT_RAW_SEED_TABLES_DIR = REPO_ROOT.parent / "shared" / "claims" / "seed-tables"
SNAPSHOT_SUBDIR = "snapshot"
SEED_TABLES_SUBDIR = "seed-tables"
MANIFEST_NAME = "MANIFEST.sha256"
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "live"
BUILD_DIR = REPO_ROOT / "_build"
DEFAULT_CLAIMS_FILE = REPO_ROOT / "data" / "claims.yaml"
CLAIMS_FILE = Path(os.environ[CLAIMS_ENV_VAR]).expanduser().resolve() if os.environ.get(CLAIMS_ENV_VAR) else DEFAULT_CLAIMS_FILE
SCHEMA_CHECKED_CLAIMS_FILE = CLAIMS_FILE  # validated on load; tests patching CLAIMS_FILE with a few claims are not
KPI_CATALOGUE_FILE = REPO_ROOT / "data" / "kpi_catalogue.csv"
# The build points a chapter's kernel at a private folder (``MUNI_CLAIM_RESULTS_DIR``) so that a
# chapter's verdicts reach ``_build/claims`` only when the whole chapter succeeded.
CLAIM_RESULTS_ENV_VAR = "MUNI_CLAIM_RESULTS_DIR"
CLAIM_RESULTS_DIR = (Path(os.environ[CLAIM_RESULTS_ENV_VAR]) if os.environ.get(CLAIM_RESULTS_ENV_VAR)
                     else BUILD_DIR / "claims")
USE_CACHE_ENV_VAR = "MUNI_USE_CACHE"
CLAIMS_JSON = BUILD_DIR / "claims.json"

KOLADA_DUMP = Path("raw/kolada/open-numbers-ddf-kolada-dump")
KOLADA_DATAPOINTS = KOLADA_DUMP / "datapoints--by--geo--year"


def _utf8_path(path: Path, what: str) -> Path:
    """A folder name that is not valid UTF-8 cannot be passed to the chapters (papermill
    parameters are JSON) or printed: say so in one line instead of failing deep inside."""
    try:
        os.fsdecode(os.fsencode(path)).encode("utf-8")
    except UnicodeEncodeError as exc:
        from .errors import DataError

        raise DataError(f"{what} {ascii(str(path))[1:-1]} is not a UTF-8 path; rename the folder or point "
                        f"to another one") from exc
    return path


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """Return the data folder: explicit override, then $MUNI_DATA_DIR, then the repository's data/."""
    if override:
        return _utf8_path(Path(override).expanduser().resolve(), "The data folder")
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        return _utf8_path(Path(env).expanduser().resolve(), f"{DATA_ENV_VAR}")
    return _utf8_path(DEFAULT_DATA_DIR.resolve(), "The data folder")


def raw_dir(override: str | os.PathLike | None = None) -> Path:
    """The raw archive `make snapshot` reads: override, then $MUNI_RAW_DIR, then ../shared/data."""
    if override:
        return _utf8_path(Path(override).expanduser().resolve(), "The raw archive")
    env = os.environ.get(RAW_ENV_VAR)
    return _utf8_path(Path(env).expanduser().resolve() if env else DEFAULT_RAW_DIR.resolve(), "The raw archive")


def use_cache() -> bool:
    """Whether KPI values come from the live cache where it holds them (``MUNI_USE_CACHE=0``: never)."""
    return os.environ.get(USE_CACHE_ENV_VAR, "1") != "0"


def cache_dir(override: str | os.PathLike | None = None) -> Path:
    """Return the folder the live refresh (`make data`) writes to."""
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_CACHE_DIR
