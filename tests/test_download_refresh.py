"""`make data` end to end on recorded responses: files, manifest, change summary, failures,
resume, and the no-network path. Nothing here touches the network."""

from __future__ import annotations

import io
import json
import time

import pandas as pd
import pytest

from analysis import config
from analysis.build import pipeline
from analysis.sources import kolada
from analysis.sources import municipalities as M
from analysis.sources.download import cache as C
from analysis.sources.download import http as H
from analysis.sources.download import kolada as K
from analysis.sources.download import refresh
from tests.recordings.fake_transport import KOLADA, FakeTransport, block_network, data_url, ok, standard_routes


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    block_network(monkeypatch)

ARGS = ["--only", "N00095", "N01951", "--scb", "--from-year", "2022", "--to-year", "2024"]


@pytest.fixture(autouse=True)
def small_country(monkeypatch, tmp_path_factory):
    monkeypatch.setattr(K, "N_MUNICIPALITIES", 3)
    # no snapshot: a refresh is then the whole series (merging into the snapshot: test_download_server.py)
    monkeypatch.setenv(config.DATA_ENV_VAR, str(tmp_path_factory.mktemp("no-snapshot")))
    kolada.clear_cache()
    yield
    kolada.clear_cache()


def run(cache_dir, transport, *extra):
    out = io.StringIO()
    code = refresh.main([*ARGS, "--cache-dir", str(cache_dir), *extra], transport=transport,
                        sleep=lambda s: None, stream=out)
    return code, out.getvalue()


def snapshot_of(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_full_refresh(tmp_path):
    code, out = run(tmp_path, standard_routes())
    assert code == 0, out
    for rel in ("kolada/N00095.csv", "kolada/N01951.csv", "kolada/municipalities.csv", "scb/tax_rates.csv"):
        assert (tmp_path / rel).is_file(), rel
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    files = manifest["files"]
    assert set(files) == {"kolada/N00095.csv", "kolada/N01951.csv", "kolada/municipalities.csv", "scb/tax_rates.csv"}
    assert files["kolada/N01951.csv"]["rows"] == len(pd.read_csv(tmp_path / "kolada/N01951.csv"))
    assert files["kolada/N01951.csv"]["title"] == "Invånare totalt, antal"
    assert files["scb/tax_rates.csv"]["source_url"].endswith("OE/OE0101/Kommunalskatter2000")
    assert manifest["last_refresh"]["complete"] and manifest["last_refresh"]["failed"] == {}
    assert C.Cache(tmp_path).verify() == []
    assert not (tmp_path / C.STATE).exists()
    assert C.standin_ready(tmp_path)
    assert "kolada/N00095.csv: new: 5 rows, 2022–2023" in out
    assert "[  2/4] N00095:" in out  # progress lines when not on a terminal


def test_second_refresh_reports_new_years_and_revisions(tmp_path):
    assert run(tmp_path, standard_routes())[0] == 0
    t = standard_routes()
    t.add("GET", data_url("N00095"), ok("kolada_data_N00095_revised.json"))
    code, out = run(tmp_path, t)
    assert code == 0
    assert "kolada/N00095.csv: new years 2024, 1 revised values (e.g. 0184 2022: 70200 → 70900), 1 rows added" in out
    assert "N01951.csv" not in out.split("What changed")[1]  # unchanged files are not listed
    assert json.loads((tmp_path / "manifest.json").read_text())["last_refresh"]["changed"] == ["kolada/N00095.csv"]


def test_nothing_changed(tmp_path):
    run(tmp_path, standard_routes())
    code, out = run(tmp_path, standard_routes())
    assert code == 0 and "Nothing changed since the last refresh." in out


def test_no_network_fails_fast_and_touches_nothing(tmp_path):
    cache_dir = tmp_path / "cache"
    assert run(cache_dir, standard_routes())[0] == 0
    snapshot = tmp_path / "snapshot"
    (snapshot / "raw").mkdir(parents=True)
    (snapshot / "raw" / "file.csv").write_text("geo,year,x\n0184,2022,1\n")
    before_cache, before_snap = snapshot_of(cache_dir), snapshot_of(snapshot)
    offline = FakeTransport().add("GET", f"{KOLADA}/municipality?per_page=1", H.ConnectFailed("DNS lookup failed"))
    t0 = time.monotonic()
    code, out = run(cache_dir, offline)
    assert time.monotonic() - t0 < 5
    assert code == refresh.EXIT_OFFLINE
    assert "no network" in out and "untouched" in out and "DNS lookup failed" in out
    assert len(offline.calls) == 1  # one probe, no retries
    assert snapshot_of(cache_dir) == before_cache and snapshot_of(snapshot) == before_snap


def test_no_network_on_a_fresh_machine_creates_nothing(tmp_path):
    offline = FakeTransport().add("GET", f"{KOLADA}/municipality?per_page=1", H.ConnectFailed("DNS lookup failed"))
    assert run(tmp_path / "cache", offline)[0] == refresh.EXIT_OFFLINE
    assert not (tmp_path / "cache").exists()


def test_kpi_that_kolada_does_not_know(tmp_path):
    t = standard_routes()
    t.add("GET", f"{KOLADA}/kpi/N00095,N01951,N00119?per_page=5000", ok("kolada_kpi_meta.json"))
    out = io.StringIO()
    code = refresh.main(["--only", "N00095", "N01951", "N00119", "--from-year", "2022", "--to-year", "2024",
                         "--cache-dir", str(tmp_path)], transport=t, sleep=lambda s: None, stream=out)
    assert code == refresh.EXIT_PARTIAL
    assert "N00119: Kolada does not know this KPI id" in out.getvalue()
    assert (tmp_path / "kolada/N00095.csv").is_file() and not (tmp_path / "kolada/N00119.csv").exists()
    assert t.count("/data/kpi/N00119/") == 0  # not fetched
    assert json.loads((tmp_path / "manifest.json").read_text())["last_refresh"]["failed"].keys() == {"N00119"}


def test_server_errors_on_one_kpi_keep_its_previous_file(tmp_path):
    assert run(tmp_path, standard_routes())[0] == 0
    before = (tmp_path / "kolada/N00095.csv").read_bytes()
    t = standard_routes()
    t.add("GET", data_url("N00095"), H.Response(500, "Internal Server Error", ""))
    code, out = run(tmp_path, t, "--retries", "2")
    assert code == refresh.EXIT_PARTIAL
    assert "N00095: FAILED" in out and "3 attempts: HTTP 500" in out
    assert t.count("/data/kpi/N00095/") == 3
    assert (tmp_path / "kolada/N00095.csv").read_bytes() == before
    assert (tmp_path / "kolada/N01951.csv").is_file()


def test_malformed_json_on_one_kpi(tmp_path):
    t = standard_routes()
    t.add("GET", data_url("N01951"), ok("kolada_error.html"))
    code, out = run(tmp_path, t)
    assert code == refresh.EXIT_PARTIAL and "not valid JSON" in out
    assert (tmp_path / "kolada/N00095.csv").is_file() and not (tmp_path / "kolada/N01951.csv").exists()


def test_timeouts_then_success(tmp_path):
    t = standard_routes()
    t.add("GET", data_url("N00095"), H.ReadTimeout("read timed out"), H.ReadTimeout("read timed out"),
          ok("kolada_data_N00095.json"))
    code, out = run(tmp_path, t)
    assert code == 0 and "timed out" in out and "retry 2/4" in out


def test_interrupted_refresh_resumes(tmp_path):
    t = standard_routes()
    page2 = "https://api.kolada.se/v3/data/kpi/N01951/year/2022,2023,2024?page=2&per_page=5000"
    t.add("GET", page2, KeyboardInterrupt())
    code, out = run(tmp_path, t)
    assert code == refresh.EXIT_INTERRUPTED and "Run `make data` again to resume" in out
    assert (tmp_path / "kolada/N00095.csv").is_file() and not (tmp_path / "kolada/N01951.csv").exists()
    assert (tmp_path / C.STATE).is_file()

    t2 = standard_routes()
    t2.add("GET", f"{KOLADA}/kpi/N01951?per_page=5000", ok("kolada_kpi_meta.json"))
    code, out = run(tmp_path, t2)
    assert code == 0, out
    assert "Resuming the refresh" in out and "N00095: already done (resumed)" in out
    assert t2.count("/data/kpi/N00095/") == 0  # not downloaded again
    assert (tmp_path / "kolada/N01951.csv").is_file() and not (tmp_path / C.STATE).exists()
    assert "kolada/N00095.csv: new: 5 rows" in out  # the summary still covers the first run's work


def test_network_lost_midway_keeps_the_state_for_resume(tmp_path):
    t = standard_routes()
    t.add("GET", data_url("N01951"), H.ConnectFailed("connection refused"))
    code, out = run(tmp_path, t, "--retries", "1")
    assert code == refresh.EXIT_OFFLINE and "network went away" in out
    assert (tmp_path / C.STATE).is_file()


def test_restart_ignores_an_interrupted_run(tmp_path):
    t = standard_routes()
    t.add("GET", data_url("N01951"), KeyboardInterrupt())
    run(tmp_path, t)
    t2 = standard_routes()
    code, out = run(tmp_path, t2, "--restart")
    assert code == 0 and "Resuming" not in out and t2.count("/data/kpi/N00095/") == 1


def test_dry_run_touches_no_network(tmp_path):
    t = FakeTransport()
    code, out = run(tmp_path, t, "--dry-run")
    assert code == 0 and t.calls == [] and "Would refresh 2 KPIs for 2022–2024" in out
    assert not tmp_path.joinpath("manifest.json").exists()


def test_unknown_kpi_on_the_command_line(tmp_path):
    code, out = run(tmp_path, FakeTransport(), "--only", "N3100")
    assert code == refresh.EXIT_OFFLINE and "Did you mean" in out


def test_book_runs_from_the_live_cache_without_the_snapshot(tmp_path, monkeypatch, real_data_dir):
    """No snapshot, no cache: the pipeline runs the refresh, then the data layer reads the
    cache through the stand-in (290 municipalities, built from the snapshot's list here)."""
    monkeypatch.setattr(K, "N_MUNICIPALITIES", 290)
    ent = M.municipalities(real_data_dir).rename(columns={"code": "kommun"})
    munis = {"count": 291, "next_url": None, "values": [{"id": "0000", "title": "Riket", "type": "L"}] + [
        {"id": c, "title": n, "type": "K"} for c, n in zip(ent["kommun"], ent["name"])]}
    t = standard_routes()
    t.add("GET", f"{KOLADA}/municipality?per_page=5000", H.Response(200, json.dumps(munis), ""))
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv(config.CACHE_ENV_VAR, str(cache_dir))
    monkeypatch.delenv(config.DATA_ENV_VAR, raising=False)
    monkeypatch.setattr(config, "DEFAULT_DATA_DIR", tmp_path / "no-snapshot")
    calls = []
    real_main = refresh.main

    def fake_refresh(argv):
        calls.append(argv)
        return real_main([*ARGS, *argv], transport=t, sleep=lambda s: None, stream=io.StringIO())

    monkeypatch.setattr(refresh, "main", fake_refresh)
    data_dir = pipeline.resolve_data_dir(None)
    assert calls == [[]] and data_dir == cache_dir / "snapshot"
    kolada.clear_cache()
    try:
        tidy = kolada.load_kpis("N01951", data_dir)
        assert tidy["year"].max() == 2023 and "0184" in set(tidy["municipality"])
        from analysis.sources import municipalities

        assert municipalities.resolve("Solna", data_dir) == "0184"
        with pytest.raises(Exception, match="no API"):
            municipalities.municipalities(data_dir)  # SKR's groups need the real snapshot
    finally:
        kolada.clear_cache()
    # a second build uses the cache without refreshing again
    assert pipeline.resolve_data_dir(None) == data_dir and calls == [[]]
