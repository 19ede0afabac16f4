"""Kolada's KPI metadata: the extract is rebuilt from a tiny synthetic .rda, read back
exactly, and a missing or broken file stops with one clear line."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from analysis import config
from analysis.errors import DataError, UnknownKPIError
from analysis.sources import kpi_metadata as M

rdata = pytest.importorskip("rdata")


def _write_fixture(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows, columns=["id", "title", "description", "is_divided_by_gender", "municipality_type",
                                        "operating_area", "perspective", "publ_period"])
    table = table.astype({c: object for c in table.columns if c != "is_divided_by_gender"}).astype({"is_divided_by_gender": bool})
    rdata.write_rda(str(folder / M.RAW_METADATA_FILE), {"kpi_df": table, "munic": table.iloc[:0]})
    return folder


@pytest.fixture
def raw_dir(tmp_path):
    return _write_fixture(tmp_path / "raw", [
        ["N31001", "Kostnad ekonomiskt bistånd, kr/inv", "Bruttokostnad ...  Försörjningsstöd till flyktinghushåll\ningår inte.",
         False, "K", "Individ- och familjeomsorg", "Resurser", "2025"],
        ["N31004", "Utbetalt ekonomiskt bistånd (enl Sos exkl flyktinghushåll), kr/inv (-2023)", "Utbetalt ... (exkl flyktinghushåll)",
         False, "K", "Individ- och familjeomsorg", "Resurser", None],
        ["U20404", "Kvalitetsindex äldreomsorg", "värdet sätts till 0 under percentil 2,5", False, "K",
         "Kommunen, övergripande", "Kvalitet och resultat", "2025"],
        ["N99999", "Unused", "not wanted", False, "K", "x", "y", "2025"],
    ])


def test_discontinued_year_reads_the_title_mark():
    assert M.discontinued_year("Utbetalt ekonomiskt bistånd, kr/inv (-2023)") == 2023
    assert M.discontinued_year("Arbetslöshet (-2024) ") == 2024
    assert M.discontinued_year("Kostnad (-2023) ekonomiskt bistånd") is None  # the mark ends the title
    assert M.discontinued_year("Invånare 0-19 år") is None
    assert M.discontinued_year(None) is None


def test_build_then_load_round_trip(raw_dir, tmp_path):
    out_file = tmp_path / "meta.csv"
    out = M.build_kpi_metadata(raw_dir, ["u20404", "N31004", "N31001", "N00000"], out_file=out_file)
    assert out["id"].tolist() == ["N31001", "N31004", "U20404"]
    assert out.attrs["not_in_kolada"] == ["N00000"]
    assert list(out.columns) == M.METADATA_COLUMNS
    text = out_file.read_text(encoding="utf-8")
    assert "bistånd" in text and "\r" not in text
    M.load_kpi_metadata.cache_clear()
    assert M.definition("N31001", out_file) == "Bruttokostnad ... Försörjningsstöd till flyktinghushåll ingår inte."
    assert M.discontinued("N31004", out_file) == 2023
    assert M.discontinued("n31001", out_file) is None
    assert M.kpi_record("N31004", out_file)["publ_period"] == ""
    assert M.kolada_title("U20404", out_file) == "Kvalitetsindex äldreomsorg"
    assert M.definitions(["U20404", "N31001"], out_file)["id"].tolist() == ["U20404", "N31001"]
    with pytest.raises(UnknownKPIError, match="N99999 is not in the Kolada metadata extract"):
        M.definition("N99999", out_file)


def test_missing_raw_file_is_a_one_line_data_error(tmp_path):
    with pytest.raises(DataError, match="Kolada metadata not found"):
        M.build_kpi_metadata(tmp_path, ["N31001"])


def test_corrupt_raw_file_is_a_data_error(tmp_path):
    (tmp_path / M.RAW_METADATA_FILE).write_bytes(b"not an R file at all")
    with pytest.raises(DataError, match="Kolada metadata unreadable"):
        M.build_kpi_metadata(tmp_path, ["N31001"])


def test_raw_file_without_kpi_table(tmp_path):
    rdata.write_rda(str(tmp_path / M.RAW_METADATA_FILE), {"munic": pd.DataFrame({"id": ["0180"]}).astype(object)})
    with pytest.raises(DataError, match="holds no table 'kpi_df'"):
        M.build_kpi_metadata(tmp_path, ["N31001"])


def test_missing_or_broken_extract(tmp_path):
    M.load_kpi_metadata.cache_clear()
    with pytest.raises(DataError, match="Kolada KPI metadata not found"):
        M.load_kpi_metadata(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title\nN31001,x\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing columns"):
        M.load_kpi_metadata(bad)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(("id,title\nN31001,bistånd\n").encode("latin-1"))
    with pytest.raises(DataError, match="unreadable"):
        M.load_kpi_metadata(latin)


def test_command_line_prints_one_line_on_a_bad_folder(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "analysis.sources.kpi_metadata", "--raw", str(tmp_path),
                           "--out", str(tmp_path / "x.csv")], capture_output=True, text=True, cwd=config.REPO_ROOT)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("error: Kolada metadata not found")
    assert "Traceback" not in proc.stderr


def test_committed_extract_covers_every_kpi_the_book_uses():
    M.load_kpi_metadata.cache_clear()
    table = M.load_kpi_metadata()
    used = set(M.book_kpi_ids())
    missing = used - set(table.index) - {"N00713"}  # N00713: not in Kolada's metadata of March 2026
    assert not missing, f"rebuild data/kolada_kpi_metadata.csv: {sorted(missing)}"
    assert M.discontinued("N31004") == 2023
    assert "flyktinghushåll ingår inte" in M.definition("N31001")
