"""How `make book` uses the live refresh: no snapshot and no cache -> refresh first (and
fail fast offline); explicit locations are never second-guessed; an unchanged site is
not rebuilt. Offline; no chapter is executed."""

from __future__ import annotations

import time

import pytest

from analysis import config
from analysis.build import pipeline
from analysis.errors import DataError
from analysis.sources.download import refresh
from tests.recordings.fake_transport import block_network


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    block_network(monkeypatch)


@pytest.fixture
def no_snapshot(tmp_path, monkeypatch):
    monkeypatch.delenv(config.DATA_ENV_VAR, raising=False)
    monkeypatch.setattr(config, "DEFAULT_DATA_DIR", tmp_path / "no-snapshot")
    monkeypatch.setenv(config.CACHE_ENV_VAR, str(tmp_path / "cache"))
    return tmp_path


def test_offline_without_snapshot_or_cache_fails_fast(no_snapshot, monkeypatch, capsys):
    calls = []

    def offline_refresh(argv):
        calls.append(argv)
        return refresh.EXIT_OFFLINE

    monkeypatch.setattr(refresh, "main", offline_refresh)
    t0 = time.monotonic()
    assert pipeline.main(["--no-html"]) == 2
    assert time.monotonic() - t0 < 5 and calls == [[]]
    captured = capsys.readouterr()
    assert "running the live refresh (`make data`) first" in captured.out
    assert "cannot be built" in captured.err and "Connect to the internet" in captured.err


def test_explicit_location_is_not_replaced_by_the_cache(no_snapshot, monkeypatch):
    monkeypatch.setattr(refresh, "main", lambda argv: pytest.fail("must not refresh"))
    with pytest.raises(DataError, match="not found"):
        pipeline.resolve_data_dir(str(no_snapshot / "typo"))
    monkeypatch.setenv(config.DATA_ENV_VAR, str(no_snapshot / "typo"))
    with pytest.raises(DataError, match="not found"):
        pipeline.resolve_data_dir(None)


def test_snapshot_present_means_no_refresh(monkeypatch, real_data_dir):
    monkeypatch.setattr(refresh, "main", lambda argv: pytest.fail("must not refresh"))
    assert pipeline.resolve_data_dir(str(real_data_dir)) == real_data_dir


def test_unchanged_site_is_not_rebuilt(tmp_path, monkeypatch):
    html = tmp_path / "html"
    html.mkdir()
    (html / "index.html").write_text("<html></html>")
    monkeypatch.setattr(config, "BUILD_DIR", tmp_path)
    monkeypatch.setattr(pipeline, "HTML_STAMP", html / ".inputs.sha256")
    monkeypatch.setattr(pipeline, "LOGS", tmp_path / "logs")
    (tmp_path / "logs").mkdir()
    runs = []

    class Done:
        returncode, stdout, stderr = 0, "", ""

    monkeypatch.setattr(pipeline.subprocess, "run", lambda *a, **k: runs.append(a) or Done())
    pipeline.build_html()
    pipeline.build_html()
    assert len(runs) == 1  # second call: nothing jupyter-book renders changed
    pipeline.build_html(force=True)
    assert len(runs) == 2
    monkeypatch.setattr(pipeline, "html_inputs_hash", lambda: "something else")
    pipeline.build_html()
    assert len(runs) == 3
