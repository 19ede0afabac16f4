"""The live cache: atomic writes, the manifest, the change summary, resume state. Offline."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from analysis.build import pipeline
from analysis.sources import kolada
from analysis.sources.download import cache as C
from analysis.sources.download.http import DownloadError
from tests.recordings.fake_transport import block_network


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    block_network(monkeypatch)


def tidy(rows, kpi="N00095"):
    return pd.DataFrame([(m, y, kpi, v) for m, y, v in rows], columns=["municipality", "year", "kpi", "value"])


OLD = tidy([("0184", 2021, 1.0), ("0184", 2022, 2.0), ("0780", 2022, 3.0)])


def test_write_table_and_manifest(tmp_path):
    cache = C.Cache(tmp_path)
    record, change = cache.write_table("kolada/N00095.csv", OLD, ["https://api.kolada.se/v3/data/kpi/N00095/year/2021"])
    path = tmp_path / "kolada" / "N00095.csv"
    assert path.read_text().splitlines()[0] == "municipality,year,kpi,value"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    entry = manifest["files"]["kolada/N00095.csv"]
    assert entry["source_url"].startswith("https://api.kolada.se/v3/data/kpi/N00095")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["retrieved_at"])
    assert entry["rows"] == 3 and entry["years"] == [2021, 2022]
    assert entry["sha256"] == C.sha256_file(path) and entry["bytes"] == path.stat().st_size
    assert change["first_download"] and C.describe(change) == "new: 3 rows, 2021–2022"
    assert cache.verify() == []
    path.write_text(path.read_text() + "0114,2022,N00095,9.0\n")
    assert cache.verify() == ["kolada/N00095.csv: sha256 differs from the manifest"]


def test_written_file_is_what_the_data_layer_reads(tmp_path):
    cache = C.Cache(tmp_path)
    cache.write_table("kolada/N00095.csv", OLD, ["u"])
    back = kolada.read_tidy_file(tmp_path / "kolada" / "N00095.csv", "N00095")
    assert back["municipality"].tolist() == ["0184", "0184", "0780"]  # leading zeros kept
    assert back["value"].tolist() == [1.0, 2.0, 3.0]


def test_change_summary_new_years_and_revisions():
    new = tidy([("0184", 2021, 1.0), ("0184", 2022, 2.5), ("0780", 2022, 3.0), ("0184", 2023, 4.0),
                ("0780", 2023, 5.0)])
    change = C.compare(OLD, new)
    assert change["new_years"] == [2023] and change["dropped_years"] == []
    assert change["revised"] == 1 and change["examples"] == ["0184 2022: 2 → 2.5"]
    assert change["added"] == 2 and change["removed"] == 0
    assert C.describe(change) == "new years 2023, 1 revised values (e.g. 0184 2022: 2 → 2.5), 2 rows added"
    assert C.is_change(change)
    same = C.compare(OLD, OLD.copy())
    assert not C.is_change(same) and C.describe(same) == "unchanged"


def test_tiny_float_noise_is_not_a_revision():
    assert C.compare(OLD, tidy([("0184", 2021, 1.0 + 1e-13), ("0184", 2022, 2.0), ("0780", 2022, 3.0)]))["revised"] == 0


def test_refuses_to_shrink_a_file(tmp_path):
    cache = C.Cache(tmp_path)
    cache.write_table("kolada/N00095.csv", OLD, ["u"])
    before = (tmp_path / "kolada" / "N00095.csv").read_bytes()
    with pytest.raises(DownloadError, match="would remove 2 of 3 rows"):
        cache.write_table("kolada/N00095.csv", OLD.head(1), ["u"])
    assert (tmp_path / "kolada" / "N00095.csv").read_bytes() == before
    cache.write_table("kolada/N00095.csv", OLD.head(1), ["u"], allow_shrink=True)
    assert cache.read_manifest()["files"]["kolada/N00095.csv"]["rows"] == 1


def test_interrupted_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    cache = C.Cache(tmp_path)
    cache.write_table("kolada/N00095.csv", OLD, ["u"])
    path = tmp_path / "kolada" / "N00095.csv"
    before = path.read_bytes()
    manifest_before = (tmp_path / "manifest.json").read_bytes()

    def half_then_interrupt(self, target, **kw):
        with open(target, "w") as fh:
            fh.write("municipality,year,kpi,value\n0184,20")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        cache.write_table("kolada/N00095.csv", tidy([("0184", 2023, 9.0)] * 1), ["u"], allow_shrink=True)
    assert path.read_bytes() == before
    assert (tmp_path / "manifest.json").read_bytes() == manifest_before
    assert [p.name for p in path.parent.iterdir()] == ["N00095.csv"]  # no temporary file left


def test_leftover_temp_files_are_neither_read_nor_fingerprinted(tmp_path, monkeypatch):
    """After a hard kill a hidden temp file may remain: readers and the build ignore it."""
    monkeypatch.setenv("MUNI_CACHE_DIR", str(tmp_path / "cache"))
    cache = C.Cache(tmp_path / "cache")
    cache.write_table("kolada/N00095.csv", OLD, ["u"])
    data = tmp_path / "data"
    data.mkdir()
    before = pipeline.data_fingerprint(data)
    (tmp_path / "cache" / "kolada" / ".N00095.csv.abc123.tmp").write_text("municipality,year\n0184,20")
    (tmp_path / "cache" / ".refresh-state.json").write_text("{}")
    cache.update_manifest(last_refresh={"finished_at": C.now_iso()})
    assert pipeline.data_fingerprint(data) == before  # only real data files count
    cache.write_table("kolada/N00095.csv", tidy([("0184", 2021, 1.5), ("0184", 2022, 2.0), ("0780", 2022, 3.0)]), ["u"])
    assert pipeline.data_fingerprint(data) != before  # a revised value does


def test_resume_state(tmp_path):
    cache = C.Cache(tmp_path)
    opts = {"years": [2022, 2024], "kpis": ["N00095", "N01951"], "scb": True}
    state = cache.begin(opts)
    assert state["done"] == {} and not state["resumed"]
    record, change = cache.write_table("kolada/N00095.csv", OLD, ["u"])
    cache.mark_done(state, "N00095", "kolada/N00095.csv", record, change)
    # the process dies here; the next run resumes
    again = C.Cache(tmp_path).begin(opts)
    assert again["resumed"] and list(again["done"]) == ["kolada/N00095.csv"]
    assert again["done"]["kolada/N00095.csv"]["change"]["first_download"]
    # other options: a fresh start
    assert C.Cache(tmp_path).begin({**opts, "years": [2000, 2024]})["done"] == {}


def test_resume_forgets_a_file_changed_since(tmp_path):
    cache = C.Cache(tmp_path)
    opts = {"years": [2022, 2024], "kpis": ["N00095"], "scb": False}
    state = cache.begin(opts)
    record, change = cache.write_table("kolada/N00095.csv", OLD, ["u"])
    cache.mark_done(state, "N00095", "kolada/N00095.csv", record, change)
    (tmp_path / "kolada" / "N00095.csv").write_text("tampered\n")
    assert C.Cache(tmp_path).begin(opts)["done"] == {}
    C.Cache(tmp_path).finish()
    assert not (tmp_path / C.STATE).exists()


def test_corrupt_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(Exception, match="corrupt manifest"):
        C.Cache(tmp_path).read_manifest()


def test_standin_snapshot_layout(tmp_path):
    munis = pd.DataFrame({"id": ["0000", "0001", "0114", "0184"], "title": ["Riket", "Region Stockholm",
                          "Upplands Väsby", "Solna"], "type": ["L", "L", "K", "K"]})
    root = C.write_standin(tmp_path, munis)
    assert C.standin_ready(tmp_path) and root == tmp_path / "snapshot"
    ent = pd.read_csv(root / "raw/kolada/open-numbers-ddf-kolada-dump/ddf--entities--geo--kommun.csv", dtype=str)
    assert ent["kommun"].tolist() == ["0114", "0184"] and ent["region"].tolist() == ["01", "01"]
    assert "no API" in (root / "README.md").read_text()


def test_an_edited_printed_table_changes_the_fingerprint(tmp_path, monkeypatch):
    """The printed-tables chapter reads the transcribed tables: editing one must re-execute it."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "table.csv").write_text("kommun,2022\nSolna,17.12\n")
    monkeypatch.setenv("MUNI_SEED_TABLES_DIR", str(seeds))
    monkeypatch.setenv("MUNI_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data"
    data.mkdir()
    before = pipeline.data_fingerprint(data)
    (seeds / "table.csv").write_text("kommun,2022\nSolna,17.13\n")
    assert pipeline.data_fingerprint(data) != before
