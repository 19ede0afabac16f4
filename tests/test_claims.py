"""Claims data file integrity, verdict rules and the merge into claims.json."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from analysis.chapters import CHAPTER_MODULES
from analysis.errors import ClaimsError
from analysis.rules import claims as C
from analysis.rules import collect
from analysis.rules import rulebook as R
from analysis.rules.schema import STATUSES

LEDGER = Path(__file__).resolve().parents[2] / "shared" / "claims" / "claims-ledger.csv"


def test_ids_match_the_ledger():
    ids = list(C.claims())
    assert ids == [f"C{i:03d}" for i in range(1, 181)]
    if LEDGER.is_file():
        with open(LEDGER, encoding="utf-8") as fh:
            ledger_ids = [r["id"] for r in csv.DictReader(fh)]
        assert ids == ledger_ids


def test_every_claim_is_well_formed():
    known_chapters = set(CHAPTER_MODULES)
    for cid, e in C.claims().items():
        assert e["status"] in STATUSES, cid
        assert e["document"] in {"000", "001", "002", "003", "004"}, cid
        assert set(e["chapters"]) <= known_chapters, cid
        if e["status"] == "evaluated":
            assert e["chapters"], f"{cid} is evaluated but has no chapter"
        if e["status"] == "not testable":
            assert e["reason"], f"{cid} is not testable but gives no reason"
        for key, n in (e.get("published") or {}).items():
            assert {"value", "unit", "year", "label"} <= set(n), f"{cid}.{key} lacks value/unit/year/label"
            assert n["value"] is not None and str(n["unit"]).strip(), f"{cid}.{key} lacks a value or unit"


@pytest.mark.parametrize(
    "pub, rep, tol, verdict",
    [
        (100, 103, C.Tolerance(rel=0.05), "supported"),
        (100, 105, C.Tolerance(rel=0.05), "supported"),  # the tolerance's edge is inside
        # rule numeric-match has no 'partly supported' band: just outside the tolerance is not supported
        (100, 110, C.Tolerance(rel=0.05), "not supported"),
        (100, 130, C.Tolerance(rel=0.05), "not supported"),
        (-56.4, 12.0, C.Tolerance(abs=2), "contradicted"),
        (-5.0, 3.0, C.Tolerance(abs=1), "contradicted"),  # a change going the other way
        (-56.4, -55.2, C.Tolerance(abs=2), "supported"),
        (2.0, 2.4, C.Tolerance(abs=0.1, rel=0.25), "supported"),
    ],
)
def test_compare_rule(pub, rep, tol, verdict):
    assert R.numeric_match(pub, rep, tol) == verdict


def test_compare_refuses_nan():
    with pytest.raises(ValueError, match="NaN"):
        R.numeric_match(1.0, float("nan"), C.Tolerance(abs=1))


def test_tolerance_needs_a_bound():
    with pytest.raises(ValueError, match="abs or rel"):
        C.Tolerance().limit(1.0)


@pytest.mark.parametrize(
    "verdicts, out",
    [
        (["supported", "supported"], "supported"),
        (["supported", "not supported"], "partly supported"),
        (["not supported", "contradicted", "contradicted"], "contradicted"),
        (["not testable"], "not testable"),
        (["not testable", "supported"], "partly supported"),  # an untested part caps the claim at partly
        (["not testable", "not supported"], "not supported"),
        (["supported", "partly supported"], "partly supported"),
        (["partly supported", "contradicted"], "partly supported"),  # some part holds partly
        (["not supported", "not supported"], "not supported"),
    ],
)
def test_aggregate(verdicts, out):
    assert C.aggregate(verdicts) == out


@pytest.fixture
def fake_claims(tmp_path, monkeypatch):
    """A two-claim data file, so checks can be tested without touching the real one."""
    path = tmp_path / "claims.yaml"
    path.write_text(
        """
- id: C900
  theme: b
  document: '003'
  claim: A level in 2024.
  chapters: [solna-sundbyberg]
  status: evaluated
  reason: ''
  published:
    level: {value: -56.4, unit: '%', year: 2024, label: Level}
    text: {value: strong, unit: '', year: null, label: Qualitative}
- id: C901
  theme: '-'
  document: '000'
  claim: A literature claim.
  chapters: []
  status: not testable
  reason: Literature only.
  published: {}
""",
        encoding="utf-8",
    )
    monkeypatch.setattr(C.config, "CLAIMS_FILE", path)
    C._load_claims.cache_clear()
    yield path
    C._load_claims.cache_clear()


def test_check_value_notes_year_mismatch_and_downgrades(fake_claims):
    chk = C.check_value("C900", "level", -55.2, 2022, C.Tolerance(abs=2))
    assert chk.verdict == "partly supported"  # within the tolerance, but for another year (rule year-mismatch)
    assert chk.rule == "numeric-match" and chk.note.startswith("Rule numeric-match.")
    assert "Rule year-mismatch: claimed for 2024" in chk.note and "2022" in chk.note
    same_year = C.check_value("C900", "level", -55.2, 2024, C.Tolerance(abs=2))
    assert same_year.verdict == "supported"


def test_older_data_cannot_reject_a_claim_about_a_later_year(fake_claims):
    older = C.check_value("C900", "level", -20.0, 2022, C.Tolerance(abs=2))
    assert older.verdict == "not testable" and "cannot be rejected with older data" in older.note
    same_year = C.check_value("C900", "level", -20.0, 2024, C.Tolerance(abs=2))
    assert same_year.verdict == "not supported"
    newer = C.check_value("C900", "level", -20.0, 2025, C.Tolerance(abs=2))
    assert newer.verdict == "not supported"  # newer data can reject it


def test_check_errors(fake_claims):
    with pytest.raises(ClaimsError, match="no published number"):
        C.check_value("C900", "nope", 1.0, 2022, C.Tolerance(abs=1))
    with pytest.raises(ClaimsError, match="Unknown claim"):
        C.published("C999", "level")
    with pytest.raises(ClaimsError, match="not numeric"):
        C.check_value("C900", "text", 1.0, 2022, C.Tolerance(abs=1))
    with pytest.raises(ClaimsError, match="state its rule"):
        C.check_statement("C900", "text", 0.3, "supported", note="")
    with pytest.raises(ClaimsError, match="Unknown verdict"):
        C.check_statement("C900", "text", 0.3, "true", note="rule")


def test_record_and_merge(fake_claims, tmp_path):
    chk = C.check_value("C900", "level", -55.2, 2022, C.Tolerance(abs=2))
    res = C.ClaimResult("C900", [chk], summary="Close to the latest year.")
    out_dir = tmp_path / "results"
    C.record("solna-sundbyberg", [res], out_dir)
    merged = collect.merge(out_dir)
    assert [e["id"] for e in merged] == ["C900", "C901"]
    assert merged[0]["chapter"] == "solna-sundbyberg" and merged[0]["verdict"] == "partly supported"
    assert merged[1]["verdict"] == "not testable" and merged[1]["summary"] == "Literature only."
    collect.validate(merged)
    path = collect.write(tmp_path / "claims.json", out_dir)
    assert json.loads(path.read_text())[0]["checks"][0]["year_data"] == 2022


def test_merge_refuses_a_claim_the_chapter_did_not_record(fake_claims, tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "solna-sundbyberg.json").write_text("[]")
    with pytest.raises(ClaimsError, match="C900 is assigned"):
        collect.merge(tmp_path / "results")


def test_merge_refuses_a_claim_of_another_chapter(fake_claims, tmp_path):
    chk = C.check_value("C900", "level", -55.2, 2022, C.Tolerance(abs=2))
    C.record("activation-reforms", [C.ClaimResult("C900", [chk], "x")], tmp_path / "r")
    with pytest.raises(ClaimsError, match="assigns it to"):
        collect.merge(tmp_path / "r")


def test_corrupt_results_file(fake_claims, tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "solna-sundbyberg.json").write_text("[{")
    with pytest.raises(ClaimsError, match="corrupt"):
        collect.merge(tmp_path / "r")


def test_a_verdict_needs_a_check(fake_claims):
    with pytest.raises(ClaimsError, match="needs at least one check"):
        C.ClaimResult("C900", [], summary="x", verdict="supported")
