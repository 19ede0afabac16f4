"""The data layer: tidy shape, validation, and a clear error for every kind of bad input."""

from __future__ import annotations

import pytest

from analysis import config
from analysis.errors import DataError, UnknownKPIError, UnknownMunicipalityError
from analysis.sources import kolada, municipalities, series
from tests.conftest import write_kpi


def test_tidy_shape_and_types(real_data_dir):
    tidy = kolada.load_kpis(["n31001", "N01951"], real_data_dir)
    assert list(tidy.columns) == ["municipality", "year", "kpi", "value"]
    assert set(tidy["kpi"]) == {"N31001", "N01951"}
    assert tidy["municipality"].str.fullmatch(r"\d{4}").all()
    assert kolada.RIKET in set(tidy["municipality"])
    assert tidy["year"].dtype.kind == "i" and tidy["value"].dtype.kind == "f"
    assert not tidy.duplicated(["municipality", "year", "kpi"]).any()


def test_290_municipalities_with_groups(real_data_dir):
    meta = municipalities.municipalities(real_data_dir)
    assert len(meta) == 290 and meta["code"].is_unique
    assert meta["skr_group"].nunique() == 9
    assert meta.loc[meta["name"] == "Solna", "code"].item() == "0184"
    assert set(meta.columns) >= {"county", "skr_group", "governing_parties_2022", "chair_party_2022"}


def test_resolve_by_code_and_name(real_data_dir):
    assert municipalities.resolve("Solna", real_data_dir) == "0184"
    assert municipalities.resolve("184", real_data_dir) == "0184"
    assert municipalities.resolve("växjö", real_data_dir) == "0780"
    assert municipalities.resolve("Riket", real_data_dir, allow_riket=True) == "0000"


@pytest.mark.parametrize("bad", ["9999", "Sollna", "", "Atlantis"])
def test_unknown_municipality(real_data_dir, bad):
    with pytest.raises(UnknownMunicipalityError, match="[Uu]nknown|must be"):
        municipalities.resolve(bad, real_data_dir)


def test_unknown_kpi_suggests_close_ids(real_data_dir):
    with pytest.raises(UnknownKPIError, match="Did you mean .*N31001"):
        kolada.load_kpis("N3100", real_data_dir)


def test_kpi_only_in_live_api(real_data_dir):
    with pytest.raises(UnknownKPIError, match="make data"):
        kolada.load_kpis("N00119", real_data_dir)


def test_missing_snapshot_says_how_to_fix(tmp_path):
    kolada.clear_cache()
    with pytest.raises(DataError, match=f"{config.DATA_ENV_VAR}.*make data"):
        kolada.load_kpis("N31001", tmp_path / "nowhere")


def test_env_var_overrides_location(monkeypatch, tmp_path):
    monkeypatch.setenv(config.DATA_ENV_VAR, str(tmp_path))
    assert config.data_dir() == tmp_path.resolve()
    assert config.data_dir("/elsewhere") != tmp_path.resolve()


def test_missing_value_for_year_is_an_error(real_data_dir):
    with pytest.raises(DataError, match="No value of N31001 for Solna in 2030"):
        series.value("N31001", "Solna", 2030, real_data_dir)


GOOD = "geo,year,n31001\n0,2020,100.0\n0184,2020,50.5\n0183,2020,70\n"


def test_scratch_snapshot_reads_good_file(scratch_snapshot):
    write_kpi(scratch_snapshot, "N31001", GOOD)
    tidy = kolada.load_kpis("N31001", scratch_snapshot)
    assert sorted(tidy["municipality"]) == ["0000", "0183", "0184"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty file|expected header"),
        ("geo,year,n31004\n0184,2020,1\n", "expected header"),
        ("geo,year,n31001\n", "no data rows"),
        ("geo,year,n31001\n0184,2020,1\n0184,20", "cut short"),
        ("geo,year,n31001\n0184,2020,abc\n", "not a finite decimal"),
        ("geo,year,n31001\n0184,2020,1\n0184,2020,2\n", "duplicate"),
        ("geo,year,n31001\n9999,2020,1\n", "unknown municipality codes"),
        ("geo,year,n31001\nSolna,2020,1\n", "malformed geo"),
        ("geo,year,n31001\n0184,2020,1,7\n", "malformed CSV"),
    ],
)
def test_bad_files_give_clear_errors(scratch_snapshot, text, message):
    path = write_kpi(scratch_snapshot, "N31001", text)
    with pytest.raises(DataError, match=message) as err:
        kolada.load_kpis("N31001", scratch_snapshot)
    assert path.name in str(err.value) or "municipality" in str(err.value)


def test_not_utf8(scratch_snapshot):
    path = write_kpi(scratch_snapshot, "N31001", "")
    path.write_bytes(b"geo,year,n31001\n0184,2020,\xff\xfe\n")
    with pytest.raises(DataError, match="UTF-8|malformed"):
        kolada.load_kpis("N31001", scratch_snapshot)


def test_live_cache_preferred(monkeypatch, tmp_path, real_data_dir):
    cache = tmp_path / "cache"
    (cache / "kolada").mkdir(parents=True)
    (cache / "kolada" / "N31001.csv").write_text(
        "municipality,year,kpi,value\n0184,2024,N31001,319.0\n0000,2024,N31001,1454.0\n", encoding="utf-8"
    )
    monkeypatch.setenv(config.CACHE_ENV_VAR, str(cache))
    kolada.clear_cache()
    try:
        assert series.latest_year("N31001", "Solna", real_data_dir) == 2024
        assert kolada.load_kpis("N31001", real_data_dir, use_cache=False)["year"].max() <= 2022
    finally:
        kolada.clear_cache()


def test_corrupt_cache_is_an_error(monkeypatch, tmp_path, real_data_dir):
    cache = tmp_path / "cache"
    (cache / "kolada").mkdir(parents=True)
    (cache / "kolada" / "N31001.csv").write_text("municipality,year,value\n0184,2024,1\n", encoding="utf-8")
    monkeypatch.setenv(config.CACHE_ENV_VAR, str(cache))
    kolada.clear_cache()
    try:
        with pytest.raises(DataError, match="expected columns"):
            kolada.load_kpis("N31001", real_data_dir)
    finally:
        kolada.clear_cache()
