"""KPI ids checked against Kolada's v3 metadata (March 2026) before `make data` fetches them."""

from __future__ import annotations

import io

import pytest

from analysis import config
from analysis.sources.download import kpi_check as KC
from analysis.sources.download import refresh
from tests.recordings.fake_transport import block_network, standard_routes


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path_factory):
    block_network(monkeypatch)
    from analysis.sources.download import kolada as K

    monkeypatch.setattr(K, "N_MUNICIPALITIES", 3)
    monkeypatch.setenv(config.DATA_ENV_VAR, str(tmp_path_factory.mktemp("no-snapshot")))


def test_discontinued_kpi_is_named_with_the_books_replacement():
    st = KC.check_kpis(["N31004", "N00095"])
    assert st["N00095"].status == "published"
    assert st["N31004"].status == "discontinued" and st["N31004"].last_year == 2023
    msg = st["N31004"].message()
    assert "after 2023" in msg and "the book uses N31001 in its place" in msg


def test_ids_outside_the_extract_are_checked_against_the_raw_v3_metadata(real_data_dir):
    raw = real_data_dir / "raw/kolada/rkolada-v3-metadata-2026"
    if not (raw / "sysdata.rda").is_file():
        pytest.skip("raw Kolada v3 metadata not at hand")
    st = KC.check_kpis(["N04105", "N99999"], raw_dir=raw)
    assert st["N04105"].status == "discontinued" and st["N04105"].last_year == 2024
    assert "N00119 + N00120" in st["N04105"].message()
    assert st["N99999"].status == "unknown"


def test_without_raw_metadata_an_id_outside_the_extract_is_unchecked(tmp_path):
    assert KC.check_kpis(["N99999"], raw_dir=tmp_path)["N99999"].status == "unchecked"


def run(cache, *args):
    out = io.StringIO()
    code = refresh.main(["--cache-dir", str(cache), "--from-year", "2022", "--to-year", "2024", *args],
                        transport=standard_routes(), sleep=lambda s: None, stream=out)
    return code, out.getvalue()


def test_refresh_says_a_kpi_is_discontinued(tmp_path):
    code, out = run(tmp_path, "--only", "N31004")
    assert "N31004: discontinued in Kolada's v3 metadata after 2023" in out and "N31001" in out
    assert "Traceback" not in out


def test_refresh_does_not_fetch_an_id_kolada_v3_does_not_know(tmp_path, monkeypatch):
    monkeypatch.setattr(KC, "check_kpis", lambda kpis, **kw: {k: KC.KpiStatus(k, "unknown") for k in kpis})
    t = standard_routes()
    out = io.StringIO()
    code = refresh.main(["--cache-dir", str(tmp_path), "--only", "N00095", "--from-year", "2022", "--to-year", "2024"],
                        transport=t, sleep=lambda s: None, stream=out)
    assert code == refresh.EXIT_PARTIAL
    assert "N00095: not in Kolada's v3 metadata" in out.getvalue()
    assert t.count("/data/kpi/N00095/") == 0 and t.count("/kpi/N00095") == 0


def test_an_id_outside_the_catalogue_that_kolada_discontinued(tmp_path):
    code, out = run(tmp_path, "--only", "N04105")
    assert code == refresh.EXIT_OFFLINE and "Traceback" not in out
    assert "not in the KPI catalogue" in out
