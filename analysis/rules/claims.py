"""Claims: published numbers (data/claims.yaml), checks, verdicts and their record.

A *published* number is a fact from a document and lives only in ``data/claims.yaml``.
A *reproduced* number is computed from the data by a function in ``analysis/`` when
the book runs. A check compares the two under a stated tolerance and gives a verdict.

Every verdict comes from a named rule of ``analysis/rules/rulebook.py`` (the book's page
*How verdicts are decided* is generated from it); each check records the rule's name.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .. import config
from ..atomic import write_text
from ..errors import ClaimsError
from . import rulebook as R
from .rulebook import Tolerance
from .schema import validate_claims

VERDICTS = R.VERDICTS
THEMES = {"a": "Private providers and efficiency", "b": "Solna versus Sundbyberg", "c": "Activation reforms"}


# ---------------------------------------------------------------- the claims file
@lru_cache(maxsize=2)
def _load_claims(path: str) -> dict[str, dict]:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ClaimsError(f"Claims file not found: {p}") from exc
    except yaml.YAMLError as exc:
        raise ClaimsError(f"{p}: not valid YAML ({exc})") from exc
    if p.resolve() == config.SCHEMA_CHECKED_CLAIMS_FILE.resolve():  # not a test's few synthetic claims
        validate_claims(raw, p)
    if not isinstance(raw, list):
        raise ClaimsError(f"{p}: expected a list of claims")
    claims: dict[str, dict] = {}
    for entry in raw:
        cid = entry.get("id")
        if cid in claims:
            raise ClaimsError(f"{p}: duplicate claim id {cid}")
        claims[cid] = entry
    return claims


def claims(path: str | Path | None = None) -> dict[str, dict]:
    """All claims from the data file, keyed by id (C001…C180)."""
    return _load_claims(str(path or config.CLAIMS_FILE))


def claim(claim_id: str) -> dict:
    """One claim; unknown ids fail with a clear message."""
    all_claims = claims()
    if claim_id not in all_claims:
        raise ClaimsError(f"Unknown claim id {claim_id!r} (the ledger has C001–C180)")
    return all_claims[claim_id]


@dataclass(frozen=True)
class Published:
    """A number as printed in a document (from data/claims.yaml)."""

    key: str
    value: float | str | None
    unit: str
    year: int | None
    label: str
    kind: str = "level"


def published(claim_id: str, key: str) -> Published:
    """The published number ``key`` of a claim."""
    entry = claim(claim_id)
    numbers = entry.get("published") or {}
    if key not in numbers:
        raise ClaimsError(f"Claim {claim_id} has no published number {key!r}; it has {sorted(numbers)}")
    n = numbers[key]
    return Published(key, n.get("value"), n.get("unit", ""), n.get("year"), n.get("label", key), n.get("kind", "level"))


# ---------------------------------------------------------------- verdict rules
# Every threshold lives in analysis/rules/rulebook.py; this module only applies them.


def _alternatives_numeric(pub_value: float, reproduced: float, tol: Tolerance, year_rule) -> dict[str, str]:
    """This check's verdict under each tolerance alternative (for the claim's stability)."""
    return {name: year_rule(R.numeric_match(pub_value, reproduced, tol.scaled(f)))
            for name, f in R.TOLERANCE_ALTERNATIVES.items()}


@dataclass
class Check:
    """One comparison of a published and a reproduced number (schema of claims.json)."""

    label: str
    published: float | str | None
    reproduced: float | str | None
    unit: str
    year_published: int | str | None
    year_data: int | str | None
    verdict: str
    note: str = ""
    rule: str = "document-statement"
    alternatives: dict = field(default_factory=dict)

    def __post_init__(self):
        R.rule(self.rule)
        tag = R.rule_tag(self.rule)
        if not self.note.startswith("Rule "):
            self.note = f"{tag} {self.note}".strip()
        if self.verdict not in VERDICTS:
            raise ClaimsError(f"Unknown verdict {self.verdict!r} in check {self.label!r}")
        if isinstance(self.reproduced, float) and math.isnan(self.reproduced):
            raise ClaimsError(f"Check {self.label!r}: reproduced value is NaN")


def _clean(x):
    """JSON-friendly scalars (numpy → python, rounded floats)."""
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, float):
        return round(x, 4)
    return x


def _years(y) -> tuple[int, int] | None:
    """First and last year of a year field (2022, '2019–2022'); None if it has none."""
    if isinstance(y, bool) or y is None:
        return None
    if isinstance(y, (int, float)) or hasattr(y, "item"):
        return int(y), int(y)
    found = re.findall(r"\d{4}", str(y))
    return (int(found[0]), int(found[-1])) if found else None


def _year_rule(pub_year, year_data) -> tuple[Callable[[str], str], str]:
    """Rule year-mismatch as a function of a verdict, and the note it adds (empty when the
    claimed year lies within the data's years)."""
    yp, yd = _years(pub_year), _years(year_data)
    if yp is None or yd is None or yd[0] <= yp[1] <= yd[1]:
        return (lambda v: v), ""
    older = yd[1] < yp[1]
    return (lambda v: R.year_mismatch(v, data_older=older)), (
        f"Rule year-mismatch: claimed for {pub_year}; compared with {year_data}, the closest year in the data "
        "(re-evaluated automatically when newer data are present).")


def check_value(
    claim_id: str,
    key: str,
    reproduced: float,
    year_data: int | None,
    tol: Tolerance | None = None,
    note: str = "",
    label: str | None = None,
) -> Check:
    """Compare a published number with its reproduction under rule numeric-match.

    The tolerance is the rulebook's policy for the number's declared kind unless ``tol`` names
    a declared exception (stated in the note).
    """
    pub = published(claim_id, key)
    if not isinstance(pub.value, (int, float)):
        raise ClaimsError(f"{claim_id}.{key} is not numeric ({pub.value!r}); use check_statement")
    if tol is None:
        tol = R.tolerance(pub.kind)
    year_rule, year_note = _year_rule(pub.year, year_data)
    phrase = phrase_for(claim_id, key)
    if phrase is not None:  # 'drygt 2 700': the words, not a tolerance, say what the number allows
        slack = tol.limit(float(pub.value))
        raw = R.wording(phrase, float(reproduced), float(pub.value), slack=slack)
        lo, hi = R.WORDING[phrase].bounds(float(pub.value))
        verdict = year_rule(raw)
        notes = [f"Rule wording: the document says '{phrase} {pub.value:g}', which allows {lo:,.4g} to {hi:,.4g} "
                 f"{pub.unit} ({R.WORDING[phrase].meaning}), each bound widened by ±{slack:,.3g} (the {pub.kind} "
                 f"tolerance {tol.describe()})."]
        rule = "wording"
        alternatives = {name: year_rule(R.wording(phrase, float(reproduced), float(pub.value), slack=slack * f))
                        for name, f in R.TOLERANCE_ALTERNATIVES.items()}
    else:
        raw = R.numeric_match(float(pub.value), float(reproduced), tol)
        verdict = year_rule(raw)
        notes = [f"Tolerance {tol.describe()} {pub.unit}".strip() + f" ({pub.kind})."]
        rule, alternatives = "numeric-match", _alternatives_numeric(float(pub.value), float(reproduced), tol, year_rule)
    if year_note:
        notes.append(year_note + (f" The data would say '{raw}', but a claim about a later year cannot be rejected "
                                  "with older data." if verdict == R.NOT_TESTABLE else ""))
    if note:
        notes.append(note)
    return Check(
        label=label or pub.label,
        published=_clean(pub.value),
        reproduced=_clean(reproduced),
        unit=pub.unit,
        year_published=pub.year,
        year_data=_clean(year_data),
        verdict=verdict,
        note=" ".join(notes),
        rule=rule,
        alternatives=alternatives,
    )


def check_statement(
    claim_id: str,
    key: str,
    reproduced,
    verdict: str,
    note: str,
    year_data=None,
    unit: str | None = None,
    label: str | None = None,
    rule: str = "document-statement",
    alternatives: dict | None = None,
) -> Check:
    """A check whose verdict follows a named rule of the rulebook (e.g. a sign and a CI).

    ``reproduced`` must be computed from data (a coefficient, a rank, a p-value);
    ``alternatives`` gives the verdict under the rulebook's alternatives where the rule has a
    threshold (significance level, tolerance).
    """
    pub = published(claim_id, key)
    if not note:
        raise ClaimsError(f"{claim_id}.{key}: a statement check must state its rule in the note")
    return Check(
        label=label or pub.label,
        published=_clean(pub.value),
        reproduced=_clean(reproduced),
        unit=unit if unit is not None else pub.unit,
        year_published=pub.year,
        year_data=_clean(year_data),
        verdict=verdict,
        note=note,
        rule=rule,
        alternatives=dict(alternatives or {}),
    )


def cap_check(check: Check, cap: str, rule: str, why: str) -> Check:
    """Bound a check's verdict (and its alternatives) by a named rule of the rulebook."""
    R.rule(rule)
    new = R.at_most(check.verdict, cap)
    if new != check.verdict:
        check.note += f" Rule {rule}: {why} The comparison alone would say '{check.verdict}'."
        check.verdict = new
    check.alternatives = {k: R.at_most(v, cap) for k, v in check.alternatives.items()}
    return check


def cap_year(check: Check) -> Check:
    """Apply rule year-mismatch to a statement check whose data are from another year."""
    year_rule, year_note = _year_rule(check.year_published, check.year_data)
    if not year_note:
        return check
    new = year_rule(check.verdict)
    if new != check.verdict:
        check.note += f" {year_note} The data alone would say '{check.verdict}'."
        check.verdict = new
    check.alternatives = {k: year_rule(v) for k, v in check.alternatives.items()}
    return check


def phrase_for(claim_id: str, key: str) -> str | None:
    """The verbal quantity ('drygt', 'knappt', …) the document puts on a printed number, if declared."""
    for use in claim(claim_id).get("wording") or []:
        p = R.WORDING.get(use["phrase"])
        if use["key"] == key and p is not None and p.relative:
            return use["phrase"]
    return None


def wording_checks(claim_id: str) -> list[Check]:
    """Rule wording for each verbal quantity the claim declares (``wording:`` in
    data/claims.yaml) against the number the document itself prints for it: a document can
    contradict itself without any data."""
    out = []
    for use in claim(claim_id).get("wording") or []:
        if R.WORDING.get(use["phrase"]) is None or R.WORDING[use["phrase"]].relative:
            continue  # a phrase qualifying a printed X is judged against the data, in check_value
        phrase, pub = use["phrase"], published(claim_id, use["key"])
        if not isinstance(pub.value, (int, float)):
            raise ClaimsError(f"{claim_id}.wording: {use['key']} is not a printed number")
        value = float(pub.value) / 100 if "%" in pub.unit else float(pub.value)
        shown = f"{pub.value:g} {pub.unit}".rstrip()
        if use.get("against"):  # a change between two printed numbers ('inte förändrats markant')
            base = published(claim_id, use["against"])
            value = float(pub.value) / float(base.value) - 1
            shown = f"change {base.value:g} → {pub.value:g} {pub.unit} ({value:+.1%})".rstrip()
        try:
            verdict = R.wording(phrase, value, own_number=True)
        except ValueError as exc:
            raise ClaimsError(f"{claim_id}.wording: {exc}") from exc
        meaning = R.WORDING[phrase].meaning
        out.append(Check(
            label=f"Wording: '{phrase}' for the printed {shown}",
            published=phrase, reproduced=_clean(pub.value), unit=pub.unit, year_published=pub.year,
            year_data=None, verdict=verdict, rule="wording",
            note=(f"The document prints '{phrase}' for its own {shown}; the wording table allows {meaning}. No data "
                  "needed: the document's words and its number are compared (a fit cannot show the number is true)."),
        ))
    return out


def primary_of(claim_id: str) -> tuple[list[str] | None, str]:
    """The claim's declared primary check labels and how several are combined."""
    entry = claim(claim_id)
    return entry.get("primary"), entry.get("combine", "all")


def verdict_from_pairs(claim_id: str, pairs: list[tuple[str, str]], part: bool = False) -> str:
    """Rules primary-checks and secondary-checks on (label, verdict) pairs. ``part``: one
    chapter's part of a claim, which may hold only secondary checks (then not testable here)."""
    prim, mode = primary_of(claim_id)
    if part and prim and not any(R.is_primary(label, prim) for label, _ in pairs):
        return R.NOT_TESTABLE
    try:
        return R.claim_verdict(pairs, prim, mode)
    except ValueError as exc:
        raise ClaimsError(f"{claim_id}: {exc} (data/claims.yaml declares primary checks by label)") from exc


def claim_verdict(claim_id: str, checks: list[Check]) -> str:
    """A chapter's verdict on its part of a claim."""
    return verdict_from_pairs(claim_id, [(c.label, c.verdict) for c in checks], part=True)


def aggregate(verdicts: list[str]) -> str:
    """Verdicts of parts that are all primary (combine: all)."""
    return R.combine_primaries(verdicts)


@dataclass
class ClaimResult:
    """The evaluation of one claim (one entry of claims.json)."""

    id: str
    checks: list[Check]
    summary: str
    verdict: str | None = None
    theme: str = field(default="")
    chapter: str = field(default="")

    def __post_init__(self):
        entry = claim(self.id)
        self.theme = entry.get("theme", "")
        if self.verdict is None:
            self.verdict = claim_verdict(self.id, self.checks)
        if self.verdict not in VERDICTS:
            raise ClaimsError(f"{self.id}: unknown verdict {self.verdict!r}")
        if self.verdict != "not testable" and not self.checks:
            raise ClaimsError(f"{self.id}: a verdict other than 'not testable' needs at least one check")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "theme": self.theme,
            "chapter": self.chapter,
            "verdict": self.verdict,
            "summary": self.summary,
            "checks": [asdict(c) for c in self.checks],
        }


# ---------------------------------------------------------------- recording
def record(chapter: str, results: list[ClaimResult], out_dir: Path | None = None) -> Path:
    """Write one chapter's results to ``_build/claims/<chapter>.json`` (atomically).

    ``make book`` merges these files into ``_build/claims.json``.
    """
    ids = [r.id for r in results]
    if len(ids) != len(set(ids)):
        raise ClaimsError(f"Chapter {chapter} recorded a claim twice: {ids}")
    for r in results:
        r.chapter = chapter
    out = Path(out_dir or config.CLAIM_RESULTS_DIR) / f"{chapter}.json"
    write_text(out, json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1))
    return out


SCOPE_OWN = "this chapter"


def verdict_table(results: list[ClaimResult], chapter: str | None = None) -> pd.DataFrame:
    """The chapter's verdict table (one row per claim) for the top of a chapter.

    With ``chapter``, a 'scope' column says which claims other chapters test too: the
    verdict shown is then this chapter's part, and the book-wide one combines them.
    """
    rows = []
    for r in results:
        row = {"claim": r.id, "what the document says": claim(r.id).get("claim", ""), "verdict": r.verdict}
        if chapter is not None:
            others = [c for c in claim(r.id).get("chapters") or [] if c != chapter]
            row["scope"] = (f"this chapter's part only; combined with {', '.join(others)} (book-wide verdict in "
                            "Claims at a glance)" if others else SCOPE_OWN)
        row["why"] = r.summary
        rows.append(row)
    return pd.DataFrame(rows)


def checks_table(results: list[ClaimResult]) -> pd.DataFrame:
    """All checks of a chapter: published vs reproduced, years, verdict, note."""
    rows = []
    for r in results:
        for c in r.checks:
            d = asdict(c)
            d = {"claim": r.id, **d}
            rows.append(d)
    cols = ["claim", "label", "published", "reproduced", "unit", "year_published", "year_data", "verdict", "note"]
    return pd.DataFrame(rows, columns=cols)
