"""`make data` end to end through the real HTTP transport against a fake server on 127.0.0.1:
429, 5xx, malformed JSON, a body shorter than its Content-Length, a slow drip under a total
deadline, a partial year range, and a v2 base URL. Every fault ends in one clear line and a
non-zero exit, never a traceback."""

from __future__ import annotations

import io
import time

import pandas as pd
import pytest

from analysis import config
from analysis.sources import kolada
from analysis.sources.download import kolada as K
from analysis.sources.download import pxweb as P
from analysis.sources.download import refresh
from tests.fake_server import Answer, FakeServer

YEARS = "2022,2023,2024"
N00095 = f"/v3/data/kpi/N00095/year/{YEARS}?per_page=5000"
ARGS = ["--only", "N00095", "N01951", "--scb", "--from-year", "2022", "--to-year", "2024",
        "--retries", "1", "--timeout", "1"]


@pytest.fixture
def server(monkeypatch, tmp_path_factory):
    srv = FakeServer().start()
    monkeypatch.setenv(K.URL_ENV_VAR, f"{srv.url}/v3")
    monkeypatch.setenv(P.V2_URL_ENV_VAR, f"{srv.url}/api/v2")
    monkeypatch.setenv(P.V1_URL_ENV_VAR, f"{srv.url}/v1/ssd")
    monkeypatch.delenv(P.V2_TABLE_ENV_VAR, raising=False)
    monkeypatch.setenv(config.DATA_ENV_VAR, str(tmp_path_factory.mktemp("no-snapshot")))
    monkeypatch.setattr(K, "N_MUNICIPALITIES", 3)
    kolada.clear_cache()
    yield srv.healthy()
    srv.stop()
    kolada.clear_cache()


def run(cache_dir, *extra, args=ARGS):
    out = io.StringIO()
    code = refresh.main([*args, "--cache-dir", str(cache_dir), *extra], sleep=lambda s: None, stream=out)
    text = out.getvalue()
    assert "Traceback" not in text
    return code, text


def test_healthy_server(server, tmp_path):
    code, out = run(tmp_path)
    assert code == 0, out
    df = pd.read_csv(tmp_path / "kolada/N01951.csv", dtype={"municipality": str})
    assert len(df) > 0 and server.count("page=2") == 1  # paging followed to this server
    # SCB: API 2 has no such table on this server, so v1 was used and the fallback logged
    assert "SCB PxWeb API 2 failed" in out and "falling back to API v1" in out
    assert (tmp_path / "scb/tax_rates.csv").is_file()


def test_429_is_retried_and_logged(server, tmp_path):
    server.add("GET", N00095, Answer(429, b"slow down", headers={"Retry-After": "0"}),
               Answer(body=server.body("kolada_data_N00095.json")))
    code, out = run(tmp_path)
    assert code == 0, out
    assert f"GET {server.url}{N00095}: HTTP 429; retry 1/1" in out


@pytest.mark.parametrize("answer, message", [
    (Answer(503, b"busy"), "failed after 2 attempts: HTTP 503"),
    (Answer(200, b'{"values": [{"kpi": "N00095", "munic'), "response is not valid JSON"),
    (Answer(200, b'{"count": 0, "values": []}', mode="short"), "truncated answer: the body ended after 26 of the 126 bytes"),
])
def test_a_bad_answer_fails_that_kpi_in_one_line(server, tmp_path, answer, message):
    server.add("GET", N00095, answer)
    code, out = run(tmp_path)
    assert code == refresh.EXIT_PARTIAL, out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("N00095:"))
    assert message in line
    assert (tmp_path / "kolada/N01951.csv").is_file()  # the other KPI was written
    assert not (tmp_path / "kolada/N00095.csv").exists()


def test_slow_drip_is_cut_at_the_total_deadline(server, tmp_path):
    body = server.body("kolada_data_N00095.json")  # ~900 bytes at 20 per second: ~45 s if waited for
    server.add("GET", N00095, Answer(body=body, mode="drip", drip_delay=0.05))
    t0 = time.monotonic()
    code, out = run(tmp_path)
    elapsed = time.monotonic() - t0
    assert code == refresh.EXIT_PARTIAL, out
    assert "did not finish within 1 s" in out
    assert elapsed < 10, elapsed  # two attempts of at most ~1 s each, plus the healthy calls


def test_partial_year_range_merges_into_the_series(server, tmp_path):
    cache = tmp_path
    (cache / "kolada").mkdir(parents=True)
    old = pd.DataFrame({"municipality": ["0184", "0184", "0184"], "year": [2020, 2021, 2022],
                        "kpi": "N00095", "value": [60000.0, 65000.0, 1.0]})
    old.to_csv(cache / "kolada/N00095.csv", index=False)
    code, out = run(cache)
    assert code == 0, out
    df = pd.read_csv(cache / "kolada/N00095.csv", dtype={"municipality": str})
    solna = df[df["municipality"] == "0184"].set_index("year")["value"].to_dict()
    assert solna == {2020: 60000.0, 2021: 65000.0, 2022: 70200.0, 2023: 74000.0}  # kept, replaced, added


def test_partial_year_range_merges_into_the_snapshot_series(server, tmp_path, monkeypatch, real_data_dir):
    """With no cache file yet, the years not asked for come from the snapshot: a refresh of
    recent years must not shrink what the book reads to those years."""
    monkeypatch.setenv(config.DATA_ENV_VAR, str(real_data_dir))
    kolada.clear_cache()
    before = kolada.load_kpis(["N00095"], use_cache=False)
    code, out = run(tmp_path)
    assert code == 0, out
    df = pd.read_csv(tmp_path / "kolada/N00095.csv", dtype={"municipality": str})
    assert df["year"].min() == before["year"].min() < 2022
    kept = before[before["year"] < 2022]
    assert len(df[df["year"] < 2022]) == len(kept)
    assert df[(df["municipality"] == "0184") & (df["year"] == 2022)]["value"].tolist() == [70200.0]


def test_v2_base_url_is_refused_in_one_line(server, tmp_path, monkeypatch):
    monkeypatch.setenv(K.URL_ENV_VAR, f"{server.url}/v2")
    code, out = run(tmp_path)
    assert code == refresh.EXIT_OFFLINE
    assert out.strip().count("\n") == 0 and "retired" in out and "MUNI_KOLADA_URL" in out


def test_server_gone_mid_refresh(server, tmp_path):
    server.stop()
    code, out = run(tmp_path)
    assert code == refresh.EXIT_OFFLINE and "no network" in out
