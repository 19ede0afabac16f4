"""Claims: published numbers (data/claims.yaml), checks, verdicts and their record.

A *published* number is a fact from a document and lives only in ``data/claims.yaml``.
A *reproduced* number is computed from the data by a function in ``analysis/`` when
the book runs. A check compares the two under a stated tolerance and gives a verdict.

Verdict rule for numeric checks (stated in the book's introduction):

* ``supported``: |reproduced − published| within the tolerance;
* ``partly supported``: within three times the tolerance, or a match that can only
  be made with a different year than the one claimed (the claim is then consistent
  with the latest data but not verified for its own year);
* ``contradicted``: the sign or direction is the opposite of the claim;
* ``not supported``: otherwise;
* ``not testable``: no public data can test it (the reason is given).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from . import config
from .atomic import write_text
from .errors import ClaimsError

VERDICTS = ("supported", "partly supported", "not supported", "contradicted", "not testable")
STATUSES = ("evaluated", "not testable", "pending")
THEMES = {"a": "Private providers and efficiency", "b": "Solna versus Sundbyberg", "c": "Activation reforms"}
PARTIAL_FACTOR = 3.0


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


def published(claim_id: str, key: str) -> Published:
    """The published number ``key`` of a claim."""
    entry = claim(claim_id)
    numbers = entry.get("published") or {}
    if key not in numbers:
        raise ClaimsError(f"Claim {claim_id} has no published number {key!r}; it has {sorted(numbers)}")
    n = numbers[key]
    return Published(key, n.get("value"), n.get("unit", ""), n.get("year"), n.get("label", key))


# ---------------------------------------------------------------- verdict rules
@dataclass(frozen=True)
class Tolerance:
    """How close a reproduced number must be: absolute (in the unit) and/or relative."""

    abs: float | None = None
    rel: float | None = None

    def limit(self, published: float) -> float:
        limits = []
        if self.abs is not None:
            limits.append(self.abs)
        if self.rel is not None:
            limits.append(self.rel * abs(published))
        if not limits:
            raise ClaimsError("A tolerance needs abs or rel")
        return max(limits)

    def describe(self) -> str:
        parts = []
        if self.abs is not None:
            parts.append(f"±{self.abs:g}")
        if self.rel is not None:
            parts.append(f"±{self.rel:.0%}")
        return " or ".join(parts)


def compare(published_value: float, reproduced: float, tol: Tolerance) -> str:
    """Verdict for a numeric check (see the module docstring for the rule)."""
    if reproduced is None or (isinstance(reproduced, float) and math.isnan(reproduced)):
        raise ClaimsError("A reproduced value is missing (NaN): refusing to give a verdict")
    limit = tol.limit(published_value)
    diff = abs(reproduced - published_value)
    if diff <= limit:
        return "supported"
    if published_value != 0 and reproduced != 0 and (published_value > 0) != (reproduced > 0):
        return "contradicted"
    if diff <= PARTIAL_FACTOR * limit:
        return "partly supported"
    return "not supported"


def downgrade(verdict: str, data_older: bool = False) -> str:
    """A match made with another year than claimed is at most 'partly supported'; a
    mismatch with data older than the claimed year is 'not testable' (the claimed change
    may have come later: older data cannot reject a claim about a later year)."""
    if verdict == "supported":
        return "partly supported"
    if data_older and verdict in ("not supported", "contradicted"):
        return "not testable"
    return verdict


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

    def __post_init__(self):
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


def check_value(
    claim_id: str,
    key: str,
    reproduced: float,
    year_data: int | None,
    tol: Tolerance,
    note: str = "",
    label: str | None = None,
) -> Check:
    """Compare a published number with its reproduction; notes a year mismatch."""
    pub = published(claim_id, key)
    if not isinstance(pub.value, (int, float)):
        raise ClaimsError(f"{claim_id}.{key} is not numeric ({pub.value!r}); use check_statement")
    verdict = compare(float(pub.value), float(reproduced), tol)
    notes = [f"Tolerance {tol.describe()} {pub.unit}".strip() + "."]
    if pub.year is not None and year_data is not None and int(pub.year) != int(year_data):
        before = verdict
        verdict = downgrade(verdict, data_older=int(year_data) < int(pub.year))
        notes.append(
            f"Claimed for {pub.year}; compared with {year_data}, the closest year in the data. "
            "Re-evaluated automatically when newer data is present."
            + (f" The data would say '{before}', but a claim about a later year cannot be rejected with older "
               "data, so it is not testable until that year's data are present." if verdict == "not testable" else "")
        )
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
) -> Check:
    """A check whose verdict follows a rule stated in ``note`` (e.g. a sign and a CI).

    ``reproduced`` must be computed from data (a coefficient, a rank, a p-value).
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
    )


def aggregate(verdicts: list[str]) -> str:
    """A claim's verdict from its checks' verdicts."""
    tested = [v for v in verdicts if v != "not testable"]
    if not tested:
        return "not testable"
    unique = set(tested)
    if len(unique) == 1:
        return tested[0]
    if unique <= {"not supported", "contradicted"}:
        return "contradicted" if tested.count("contradicted") >= tested.count("not supported") else "not supported"
    return "partly supported"


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
            self.verdict = aggregate([c.verdict for c in self.checks])
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
