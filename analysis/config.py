"""Where things are: the data snapshot, the live cache and the build folder.

The snapshot location defaults to ``../shared/data`` beside the repository and can be
overridden by the environment variable ``MUNI_DATA_DIR`` or, in a chapter, by the
papermill parameter ``data_dir``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_ENV_VAR = "MUNI_DATA_DIR"
CACHE_ENV_VAR = "MUNI_CACHE_DIR"
CLAIMS_ENV_VAR = "MUNI_CLAIMS_FILE"
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
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


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """Return the snapshot folder: explicit override, then $MUNI_DATA_DIR, then the default."""
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        return Path(env).expanduser().resolve()
    return DEFAULT_DATA_DIR.resolve()


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
