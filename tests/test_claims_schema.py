"""The schema of data/claims.yaml: the real file passes; each kind of mistake gives one line
naming the file, the claim, the field and what to do; the command line exits 2 without a
traceback when the file is invalid."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis import config
from analysis.errors import ClaimsError
from analysis.rules.schema import KIND_UNITS, problems, unit_fits, validate_claims

REAL = config.DEFAULT_CLAIMS_FILE
# libyaml when present (fast; the same documents as yaml.safe_load / yaml.safe_dump)
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.fixture(scope="module")
def real_claims() -> list:
    return yaml.load(REAL.read_text(encoding="utf-8"), Loader=LOADER)


def _by_id(raw: list, cid: str) -> dict:
    return next(c for c in raw if c["id"] == cid)


def _write(tmp_path: Path, raw: list) -> Path:
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.dump(raw, Dumper=DUMPER, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _messages(tmp_path: Path, raw: list) -> list[str]:
    """Write the modified copy, load it back and validate it: the lines of the ClaimsError."""
    path = _write(tmp_path, raw)
    with pytest.raises(ClaimsError) as info:
        validate_claims(yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER), path)
    lines = str(info.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    return [line.removeprefix(f"{path}: ") for line in lines]


def test_the_real_file_passes(real_claims):
    assert problems(real_claims, REAL) == []
    validate_claims(real_claims, REAL)


def test_every_published_number_declares_a_kind_that_fits_its_unit(real_claims):
    for c in real_claims:
        for key, n in c["published"].items():
            assert n["kind"] in KIND_UNITS, (c["id"], key)
            assert unit_fits(n["kind"], n["unit"], n["value"]), (c["id"], key)


def test_wrong_unit_for_the_kind(tmp_path, real_claims):
    raw = copy.deepcopy(real_claims)
    _by_id(raw, "C100")["published"]["taby_share"]["unit"] = "MSEK"
    assert _messages(tmp_path, raw) == [
        "C100.published.taby_share.unit: 'MSEK' is not a unit for a share (kind 'share' allows %, % of …, "
        "percent, share of …); fix the unit or the kind"]


@pytest.mark.parametrize("cid, key, printed, fixed", [("C100", "taby_share", "43,1", "43.1"),
                                                      ("C115", "solna_nka_ifo", "-56,4", "-56.4")])
def test_decimal_comma(tmp_path, real_claims, cid, key, printed, fixed):
    raw = copy.deepcopy(real_claims)
    _by_id(raw, cid)["published"][key]["value"] = printed
    assert _messages(tmp_path, raw) == [f"{cid}.published.{key}.value: '{printed}': decimal comma: write {fixed}"]


def test_chapter_typo_lists_the_chapters(tmp_path, real_claims):
    raw = copy.deepcopy(real_claims)
    _by_id(raw, "C065")["chapters"] = ["solna-sundbyber", "activation-reforms"]
    assert _messages(tmp_path, raw) == [
        "C065.chapters[0]: 'solna-sundbyber' is not a chapter (chapters: activation-reforms, printed-tables, "
        "private-providers, solna-sundbyberg); correct the name"]


def test_status_typo(tmp_path, real_claims):
    raw = copy.deepcopy(real_claims)
    _by_id(raw, "C065")["status"] = "evaluted"
    assert _messages(tmp_path, raw) == [
        "C065.status: 'evaluted' is not one of evaluated, not testable, pending; use one of them"]


@pytest.mark.parametrize("year", ["20222", 1066, 2024.5])
def test_implausible_year(tmp_path, real_claims, year):
    raw = copy.deepcopy(real_claims)
    _by_id(raw, "C100")["published"]["taby_share"]["year"] = year
    assert _messages(tmp_path, raw) == [
        f"C100.published.taby_share.year: implausible year {year!r}; write a year 1950–2030, a range like "
        "'2019–2023', or null"]


def test_a_year_range_is_allowed(real_claims):
    raw = copy.deepcopy(real_claims)
    _by_id(raw, "C100")["published"]["taby_share"]["year"] = "2019–2023"
    _by_id(raw, "C101")["published"]["storuman_share"]["year"] = "2019-2023"
    assert problems(raw, REAL) == []


def test_duplicate_id(tmp_path, real_claims):
    raw = copy.deepcopy(real_claims)
    raw[5]["id"] = "C005"  # claim #6 (C006) now repeats C005's id, and C006 is gone
    assert _messages(tmp_path, raw) == [
        "C005.id: duplicate id (claims #5 and #6); give each claim its own id",
        "C006: missing (the file must hold every claim C001–C180); restore claim C006"]


def test_unknown_id(tmp_path, real_claims):
    raw = copy.deepcopy(real_claims)
    raw[9]["id"] = "C999"
    assert _messages(tmp_path, raw) == [
        "C999.id: unknown id (the ledger has C001–C180); correct the id or remove the claim",
        "C010: missing (the file must hold every claim C001–C180); restore claim C010"]


def test_missing_id(tmp_path, real_claims):
    raw = [c for c in real_claims if c["id"] != "C045"]
    assert _messages(tmp_path, raw) == [
        "C045: missing (the file must hold every claim C001–C180); restore claim C045"]


def test_all_problems_in_file_order(tmp_path, real_claims):
    raw = copy.deepcopy(real_claims)
    _by_id(raw, "C115")["published"]["solna_nka_ifo"]["value"] = "-56,4"
    _by_id(raw, "C065")["status"] = "evaluted"
    del _by_id(raw, "C100")["published"]["taby_share"]["kind"]
    assert _messages(tmp_path, raw) == [
        "C065.status: 'evaluted' is not one of evaluated, not testable, pending; use one of them",
        "C100.published.taby_share.kind: missing; add the field 'kind'",
        "C115.published.solna_nka_ifo.value: '-56,4': decimal comma: write -56.4"]


def test_command_line_exits_2_with_the_message_only(tmp_path, real_claims):
    raw = copy.deepcopy(real_claims)
    _by_id(raw, "C100")["published"]["taby_share"]["value"] = "43,1"
    bad = _write(tmp_path, raw)
    env = {**os.environ, config.CLAIMS_ENV_VAR: str(bad)}
    proc = subprocess.run([sys.executable, "-m", "analysis", "claim", "C065"], capture_output=True, text=True,
                          cwd=config.REPO_ROOT, env=env, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"{bad}: C100.published.taby_share.value: '43,1': decimal comma: write 43.1"]
    assert proc.stdout == ""
