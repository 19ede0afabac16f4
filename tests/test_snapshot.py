"""The data travel with the book: the snapshot in data/, its manifest, the byte-identical
rebuild from the raw archive, and integrity on every read (each fault: one line, exit 2)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analysis import cli, config
from analysis.errors import DataError
from analysis.sources import catalogue, kolada, municipalities, raw, sector, seed_tables, snapshot, taxes
from tests.conftest import write_kpi

DATA = config.DEFAULT_DATA_DIR


def _run(*args, env=None, cwd=config.REPO_ROOT):
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, env=full)


def _one_clear_line(proc) -> str:
    err = proc.stderr.decode("utf-8", "replace").strip()
    assert "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err
    return err


@pytest.fixture
def copy_of_data(tmp_path):
    """A copy of data/ that a test may damage."""
    out = tmp_path / "data"
    shutil.copytree(DATA, out, ignore=shutil.ignore_patterns("claims.yaml"))
    snapshot.clear_cache()
    kolada.clear_cache()
    yield out
    snapshot.clear_cache()
    kolada.clear_cache()


# ------------------------------------------------------------------ the snapshot itself
def test_snapshot_matches_its_manifest():
    assert snapshot.check(DATA) == []
    listed = set(snapshot.manifest_files(DATA))
    assert {f"snapshot/{n}.parquet" for n in snapshot.SCHEMAS} <= listed
    assert {f"seed-tables/{n}" for n in snapshot.SEED_TABLES} <= listed
    assert "kpi_catalogue.csv" in listed
    size = sum((DATA / rel).stat().st_size for rel in listed)
    assert size < 10e6, f"the snapshot should stay a few MB, is {size / 1e6:.1f} MB"


def test_the_book_reads_the_snapshot_by_default(monkeypatch):
    monkeypatch.delenv(config.DATA_ENV_VAR, raising=False)
    assert config.data_dir() == DATA.resolve()
    assert snapshot.is_snapshot(kolada.snapshot_root())
    assert seed_tables.seed_tables_dir() == (DATA / config.SEED_TABLES_SUBDIR).resolve()
    kpis = snapshot.snapshot_kpis()
    got = set(snapshot.read_table(DATA, "kolada")["kpi"])
    assert got == set(kpis), "the snapshot holds exactly the catalogue's in_snapshot KPIs"


def test_schemas_are_explicit():
    for name, schema in snapshot.SCHEMAS.items():
        table = snapshot.read_table(DATA, name)
        assert list(table.columns) == schema.names
        assert not table.drop(columns=[c for c in table.columns if c.endswith("_2022")]).isna().any().any()


def test_rebuild_is_byte_identical(raw_archive, tmp_path):
    seed = config.DEFAULT_RAW_SEED_TABLES_DIR
    if not seed.is_dir():
        pytest.skip(f"transcribed seed tables not found at {seed}")
    out = tmp_path / "rebuilt"
    snapshot.build(raw_archive, seed, out, log=lambda *_: None)
    rebuilt = snapshot.manifest_files(out)
    assert rebuilt == [r for r in snapshot.manifest_files(DATA) if r.startswith(("snapshot/", "seed-tables/"))]
    for rel in rebuilt:
        assert (out / rel).read_bytes() == (DATA / rel).read_bytes(), f"{rel} differs from the committed file"


def test_snapshot_and_raw_archive_give_the_same_tables(raw_archive):
    kpis = snapshot.snapshot_kpis()
    assert_frame_equal(kolada.load_kpis(kpis, DATA, use_cache=False), kolada.load_kpis(kpis, raw_archive, use_cache=False))
    assert_frame_equal(municipalities.municipalities(DATA), municipalities.municipalities(raw_archive))
    assert_frame_equal(taxes.load_total_rates(DATA), taxes.load_total_rates(raw_archive))
    assert_frame_equal(taxes.nordin_agreement(DATA), taxes.nordin_agreement(raw_archive))
    assert_frame_equal(kolada.kpi_definitions(DATA), kolada.kpi_definitions(raw_archive))
    assert_frame_equal(kolada.regions(DATA), kolada.regions(raw_archive))
    pd.testing.assert_series_equal(sector.scb_population_2023(DATA), sector.scb_population_2023(raw_archive))


def test_solna_cut_inside_a_number_is_caught_by_the_raw_parser(raw_archive, tmp_path):
    """The fault of the issue: "0184,2022,-5" (cut from -55.2) was accepted and made Solna -5 %."""
    src = raw.kpi_file(raw_archive, "N30001")
    text = src.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("0184,2022,"))
    cut = text[: text.index(line) + len("0184,2022,-5")]
    path = tmp_path / "N30001.csv"
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(DataError, match="cut short"):
        raw.read_kpi_file(path, "N30001")


# ------------------------------------------------------------------ a damaged snapshot
def _pipeline(data_dir):
    return _run("-m", "analysis.build.pipeline", "--data-dir", str(data_dir), "--only", "data")


@pytest.mark.parametrize("damage", ["cut", "changed", "missing"])
def test_damaged_snapshot_stops_the_build_naming_the_file(copy_of_data, damage):
    path = copy_of_data / "snapshot" / "kolada.parquet"
    data = path.read_bytes()
    if damage == "cut":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "changed":
        path.write_bytes(data[:1000] + bytes([data[1000] ^ 1]) + data[1001:])
    else:
        path.unlink()
    with pytest.raises(DataError, match="kolada.parquet"):
        kolada.load_kpis("N31001", copy_of_data, use_cache=False)
    proc = _pipeline(copy_of_data)
    assert proc.returncode == 2
    assert "kolada.parquet" in _one_clear_line(proc)


def test_changed_seed_table_is_caught(copy_of_data):
    path = copy_of_data / "seed-tables" / snapshot.SEED_TABLES[1]
    path.write_text(path.read_text(encoding="utf-8").replace("22", "23", 1), encoding="utf-8")
    with pytest.raises(DataError, match="changed or cut"):
        seed_tables.read_seed_csv(snapshot.SEED_TABLES[1], copy_of_data / "seed-tables")


def test_wrong_schema_is_caught_even_with_a_matching_manifest(copy_of_data):
    bad = snapshot.read_table(copy_of_data, "tax_totals").rename(columns={"total": "rate"})
    bad.to_parquet(copy_of_data / "snapshot" / "tax_totals.parquet")
    snapshot.record_manifest(copy_of_data)
    with pytest.raises(DataError, match="schema"):
        taxes.load_total_rates(copy_of_data)


def test_check_command_names_the_file(copy_of_data, monkeypatch, capsys):
    monkeypatch.setattr(config, "DEFAULT_DATA_DIR", copy_of_data)
    assert snapshot.main(["check"]) == 0
    (copy_of_data / "snapshot" / "regions.parquet").write_bytes(b"PAR1")
    assert snapshot.main(["check"]) == snapshot.EXIT_BAD_INPUT
    assert "regions.parquet" in capsys.readouterr().err


def test_snapshot_build_without_raw_archive_is_one_line(tmp_path):
    proc = _run("-m", "analysis.sources.snapshot", "build", "--raw", str(tmp_path / "nowhere"),
                "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "No raw archive" in _one_clear_line(proc)


# ------------------------------------------------------------------ strict values in raw files
@pytest.mark.parametrize("text, message", [
    ("geo,year,n31001\n0184,2020,inf\n", "not a finite decimal"),
    ("geo,year,n31001\n0184,2020,nan\n", "not a finite decimal"),
    ("geo,year,n31001\n0184,2020,1e999\n", "not a finite|finite"),
    ("geo,year,n31001\n0184,2020.0,1\n", "not an integer year"),
    ("geo,year,n31001\n0184,20x0,1\n", "not an integer year"),
    ("geo,year,n31001\n0184,2022,-5", "cut short"),
])
def test_strict_values(scratch_snapshot, text, message):
    write_kpi(scratch_snapshot, "N31001", text)
    with pytest.raises(DataError, match=message):
        kolada.load_kpis("N31001", scratch_snapshot, use_cache=False)


def test_infinite_value_in_the_live_cache_is_rejected(monkeypatch, tmp_path):
    cache = tmp_path / "cache"
    (cache / "kolada").mkdir(parents=True)
    (cache / "kolada" / "N31001.csv").write_text("municipality,year,kpi,value\n0184,2024,N31001,inf\n",
                                                 encoding="utf-8")
    monkeypatch.setenv(config.CACHE_ENV_VAR, str(cache))
    kolada.clear_cache()
    try:
        with pytest.raises(DataError, match="not a finite decimal"):
            kolada.load_kpis("N31001", DATA)
    finally:
        kolada.clear_cache()


def test_latin1_municipality_list(scratch_snapshot):
    path = scratch_snapshot / raw.KOMMUN_LIST
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(DataError, match=r"kommun\.csv: not UTF-8 text .*save the file as UTF-8"):
        municipalities.names(scratch_snapshot)


def test_directory_where_a_kpi_file_should_be(scratch_snapshot):
    path = write_kpi(scratch_snapshot, "N31001", "")
    path.unlink()
    path.mkdir()
    with pytest.raises(DataError, match="is a directory"):
        kolada.load_kpis("N31001", scratch_snapshot, use_cache=False)


def test_unreadable_file(scratch_snapshot, monkeypatch):
    path = write_kpi(scratch_snapshot, "N31001", "geo,year,n31001\n0184,2020,1\n")
    real = Path.read_bytes

    def deny(self):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(DataError, match="permission denied"):
        kolada.load_kpis("N31001", scratch_snapshot, use_cache=False)


def test_cut_seed_table(tmp_path):
    src = DATA / "seed-tables" / snapshot.SEED_TABLES[2]
    (tmp_path / snapshot.SEED_TABLES[2]).write_bytes(src.read_bytes()[:-7])
    with pytest.raises(DataError, match="cut short"):
        seed_tables.read_seed_csv(snapshot.SEED_TABLES[2], tmp_path)


def test_seed_number_inf_is_rejected():
    with pytest.raises(DataError, match="finite"):
        seed_tables._number("inf", "here")


def test_changed_catalogue_is_caught(copy_of_data, monkeypatch):
    cat = copy_of_data / "kpi_catalogue.csv"
    cat.write_text(cat.read_text(encoding="utf-8") + "N99999,x,y,z,no\n", encoding="utf-8")
    monkeypatch.setattr(catalogue, "KPI_CATALOGUE_FILE", cat)
    catalogue.catalogue.cache_clear()
    try:
        with pytest.raises(DataError, match="kpi_catalogue.csv: changed or cut"):
            catalogue.catalogue()
    finally:
        catalogue.catalogue.cache_clear()


# ------------------------------------------------------------------ paths and the command line
NON_UTF8 = os.fsdecode(b"/tmp/muni-data-\xff")


def test_non_utf8_data_path_is_one_line():
    with pytest.raises(DataError, match="not a UTF-8 path"):
        config.data_dir(NON_UTF8)
    env = {config.DATA_ENV_VAR: NON_UTF8}
    proc = _run("-m", "analysis", "claim", "C029", env=env)
    assert proc.returncode == 2 and "not a UTF-8 path" in _one_clear_line(proc)
    proc = _run("-m", "analysis.build.pipeline", "--only", "data", env=env)
    assert proc.returncode == 2 and "not a UTF-8 path" in _one_clear_line(proc)


@pytest.mark.parametrize("content, message", [
    ({"C001": "supported"}, "expected a list"),
    (["C001"], "entry 1 is a JSON str"),
    ([{"id": "C001"}], "no verdict"),
    ([{"id": "C001", "verdict": "supported", "checks": ["x"]}], "a check is not an object"),
])
def test_claims_json_of_the_wrong_shape(tmp_path, monkeypatch, capsys, content, message):
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    monkeypatch.setattr(config, "CLAIMS_JSON", path)
    code = cli.main(["claims"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_BAD_INPUT
    assert message in err and "make book" in err and len(err.strip().splitlines()) == 1


def test_claims_json_that_is_a_directory(tmp_path, monkeypatch, capsys):
    (tmp_path / "claims.json").mkdir()
    monkeypatch.setattr(config, "CLAIMS_JSON", tmp_path / "claims.json")
    assert cli.main(["claims"]) == cli.EXIT_BAD_INPUT
    assert "is a directory" in capsys.readouterr().err


def test_readme_map_output_to_a_directory(tmp_path, capsys):
    code = cli.main(["readme-map", "--output", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert "is a directory" in err and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------ package conventions
def test_package_metadata():
    import importlib
    import tomllib

    meta = tomllib.loads((config.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    module, func = meta["scripts"]["muni-claims"].split(":")
    assert callable(getattr(importlib.import_module(module), func))
    lock = (config.REPO_ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "pip-compile" in lock and "pyproject.toml" in lock
    pinned = {ln.split("==")[0].lower().replace("_", "-") for ln in lock.splitlines() if "==" in ln}
    for dep in [*meta["dependencies"], *meta["optional-dependencies"]["dev"]]:
        name = dep.split(">")[0].split("=")[0].split("<")[0].strip().lower().replace("_", "-")
        assert name in pinned, f"{name} is declared in pyproject.toml but not pinned in requirements.txt"
    for name in ("LICENSE", "LICENSE-text.md", "CITATION.cff", "CHANGELOG.md", "data/PROVENANCE.md"):
        assert (config.REPO_ROOT / name).is_file(), name
