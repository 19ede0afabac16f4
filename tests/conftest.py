"""Shared fixtures: the data snapshot (data/ in the repository), the raw archive (../shared/data,
optional: tests that need it skip without it), a scratch raw-layout folder for bad-input tests,
and one full book build per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import config
from analysis.sources import kolada, municipalities, raw, snapshot

REAL_DATA = config.data_dir()
RAW_DATA = config.raw_dir()
DUMP = config.KOLADA_DUMP


@pytest.fixture(autouse=True, scope="session")
def _isolated_live_cache(tmp_path_factory):
    """Tests see an empty live cache unless they opt in: a user's `make data` must not
    change what the tests (written against the snapshot) expect."""
    old = os.environ.get(config.CACHE_ENV_VAR)
    os.environ[config.CACHE_ENV_VAR] = str(tmp_path_factory.mktemp("empty-live-cache"))
    kolada.clear_cache()
    yield
    if old is None:
        os.environ.pop(config.CACHE_ENV_VAR, None)
    else:
        os.environ[config.CACHE_ENV_VAR] = old


def _need_snapshot():
    if not (snapshot.is_snapshot(REAL_DATA) or raw.is_raw_archive(REAL_DATA)):
        pytest.skip(f"data snapshot not found at {REAL_DATA}")


@pytest.fixture
def raw_archive() -> Path:
    """The raw archive (../shared/data or $MUNI_RAW_DIR); it stays outside the repository."""
    if not raw.is_raw_archive(RAW_DATA):
        pytest.skip(f"raw archive not found at {RAW_DATA} (it stays outside the repository; the snapshot in "
                    f"data/ is enough for the book)")
    return RAW_DATA


@pytest.fixture
def real_data_dir() -> Path:
    _need_snapshot()
    return REAL_DATA


@pytest.fixture
def scratch_snapshot(tmp_path, real_data_dir) -> Path:
    """A folder in the raw archive's layout with the real municipality list (written from
    the snapshot) and an empty KPI folder, so a test can write (bad) raw files into it."""
    root = tmp_path / "data"
    (root / config.KOLADA_DATAPOINTS).mkdir(parents=True)
    meta = municipalities.municipalities(real_data_dir)
    (root / DUMP / "ddf--entities--geo--kommun.csv").write_text(
        "kommun,name\n" + "".join(f"{c},{n}\n" for c, n in zip(meta["code"], meta["name"])), encoding="utf-8")
    kolada.clear_cache()
    yield root
    kolada.clear_cache()


def write_kpi(root: Path, kpi: str, text: str) -> Path:
    path = root / config.KOLADA_DATAPOINTS / f"ddf--datapoints--{kpi.lower()}--by--geo--year.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the whole book once (papermill + jupyter-book with -W -n); return _build/html."""
    _need_snapshot()
    proc = subprocess.run([sys.executable, "-m", "analysis.build.pipeline"], cwd=config.REPO_ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"book build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return config.BUILD_DIR / "html"
