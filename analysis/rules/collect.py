"""Merge each chapter's recorded claim results into ``_build/claims.json``.

Claims marked 'not testable' in data/claims.yaml are added with their reason.
A claim that data/claims.yaml assigns to a chapter but the chapter did not record
(or the other way round) stops the build: the ledger and the book must agree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .. import config
from ..atomic import write_text
from . import rulebook as R
from .claims import ClaimsError, claims, primary_of, verdict_from_pairs

SCHEMA_KEYS = ["id", "theme", "chapter", "verdict", "summary", "checks"]
CHECK_KEYS = ["label", "published", "reproduced", "unit", "year_published", "year_data", "verdict", "note"]
# additions (never a change of meaning): per claim, the declared primary checks, the rule that
# combined them and the verdict's stability; per check, the rule applied, its role and its
# verdict under each alternative. Donor-pool variants of synthetic controls are alternatives named
# 'donor pool: …' or 'estimator: …' (rulebook.DONOR_POOL_PREFIXES); stability['donor_pool'] summarises them.
EXTRA_KEYS = ["primary", "rule", "stability"]
EXTRA_CHECK_KEYS = ["rule", "alternatives", "role"]


def _verdict(cid: str, checks: list[dict], alternative: str | None = None) -> str:
    """The claim's verdict from its checks (rules primary-checks and secondary-checks)."""
    pairs = [(c["label"], c["alternatives"].get(alternative, c["verdict"]) if alternative else c["verdict"])
             for c in checks]
    return verdict_from_pairs(cid, pairs)


_MEASURE = re.compile(r"\s*(\([^()]*\)|, [NU]\d{5})$")


def measure_pairs(checks: list[dict]) -> list[tuple[int, int]]:
    """(primary, secondary) check indices whose labels differ only in the measure they name at
    the end ('… (rka)' / '… (nka)', '…, N31001' / '…, N31004'): the secondary is the same test on
    an alternative measure the chapter already computes."""
    stem = [_MEASURE.sub("", c["label"]) if _MEASURE.search(c["label"]) else None for c in checks]
    return [(i, j) for i, p in enumerate(checks) for j, q in enumerate(checks)
            if p["role"] == "primary" and q["role"] == "secondary" and stem[i] is not None and stem[i] == stem[j]]


def _finish(entry: dict) -> dict:
    """Add the primary labels, roles and the stability of a merged claim entry."""
    cid = entry["id"]
    checks = entry["checks"]
    prim, _ = primary_of(cid)
    labels = [c["label"] for c in checks]
    primary = [lab for lab in labels if R.is_primary(lab, prim)] if prim else labels[:1]
    for c in checks:
        c["role"] = "primary" if c["label"] in primary else "secondary"
    entry["primary"] = primary
    entry["rule"] = "primary-checks" if checks else "not testable (ledger)"
    untested = all(c["verdict"] == R.NOT_TESTABLE and all(v == R.NOT_TESTABLE for v in c["alternatives"].values())
                   for c in checks)
    if not checks or entry["verdict"] == R.NOT_TESTABLE and untested:
        # nothing to be stable about: no check is tested under any alternative either (a 'not testable' that an
        # alternative makes testable, e.g. a test too weak under one donor pool but not another, has a stability)
        entry["stability"] = None
        return entry
    alternatives = sorted({a for c in checks for a in c["alternatives"]})
    flips = []
    for alt in alternatives:
        v = _verdict(cid, checks, alt)
        if v != entry["verdict"]:
            flips.append({"alternative": alt, "verdict": v})
    for i, j in measure_pairs(checks):  # the same test on the chapter's alternative measure
        alt = f"alternative measure: {checks[j]['label']}"
        swapped = [dict(c, verdict=checks[j]["verdict"]) if k == i else c for k, c in enumerate(checks)]
        alternatives.append(alt)
        v = _verdict(cid, swapped)
        if v != entry["verdict"]:
            flips.append({"alternative": alt, "verdict": v})
    entry["stability"] = {"label": "fragile" if flips else "robust", "flips": flips,
                          "alternatives": alternatives}
    pool = [a for a in alternatives if a.startswith(R.DONOR_POOL_PREFIXES)]
    if pool:  # the synthetic controls' donor-pool variants and second estimator (an added field)
        entry["stability"]["donor_pool"] = {
            "label": "fragile" if any(f["alternative"] in pool for f in flips) else "robust",
            "variants": len(pool), "flips": [f["alternative"] for f in flips if f["alternative"] in pool]}
    return entry


def _read_chapter_results(results_dir: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ClaimsError(f"{path}: corrupt chapter results ({exc})") from exc
    return out


def merge(results_dir: Path | None = None, chapters_built: list[str] | None = None) -> list[dict]:
    """Return the merged list of claim entries (schema of claims.json), in id order."""
    results_dir = Path(results_dir or config.CLAIM_RESULTS_DIR)
    per_chapter = _read_chapter_results(results_dir)
    if chapters_built is not None:
        per_chapter = {k: v for k, v in per_chapter.items() if k in chapters_built}
    ledger = claims()
    merged: dict[str, dict] = {}
    for chapter, entries in per_chapter.items():
        for e in entries:
            cid = e["id"]
            if cid not in ledger:
                raise ClaimsError(f"Chapter {chapter} recorded unknown claim {cid}")
            if chapter not in ledger[cid].get("chapters", []):
                raise ClaimsError(f"Chapter {chapter} recorded {cid}, but data/claims.yaml assigns it to {ledger[cid].get('chapters')}")
            if cid in merged:  # a claim with parts in two chapters
                prev = merged[cid]
                prev["checks"] += e["checks"]
                prev["chapter"] = f"{prev['chapter']}, {chapter}"
                prev["summary"] = f"{prev['summary']} {e['summary']}"
                prev["verdict"] = _verdict(cid, prev["checks"])
            else:
                merged[cid] = {k: e[k] for k in SCHEMA_KEYS}
                for c in merged[cid]["checks"]:
                    c.setdefault("rule", "document-statement")
                    c.setdefault("alternatives", {})
    for cid, entry in ledger.items():
        expected = set(entry.get("chapters", []))
        if chapters_built is not None:
            expected &= set(chapters_built)
        status = entry.get("status")
        got = set(merged[cid]["chapter"].split(", ")) if cid in merged else set()
        if status == "evaluated" and expected - got:
            raise ClaimsError(f"{cid} is assigned to {sorted(expected)} but only {sorted(got) or 'no chapter'} recorded it")
        if status == "not testable" and cid not in merged:
            merged[cid] = {
                "id": cid,
                "theme": entry.get("theme", "-"),
                "chapter": ", ".join(entry.get("chapters", [])),
                "verdict": "not testable",
                "summary": entry.get("reason") or "No public data can test this claim.",
                "checks": [],
            }
    return [_finish(merged[k]) for k in sorted(merged)]


def validate(entries: list[dict]) -> None:
    """Check the claims.json schema (keys and types); raise ClaimsError on a violation."""
    for e in entries:
        if list(e) != SCHEMA_KEYS + EXTRA_KEYS:
            raise ClaimsError(f"{e.get('id')}: keys {list(e)} differ from {SCHEMA_KEYS + EXTRA_KEYS}")
        for c in e["checks"]:
            if list(c) != CHECK_KEYS + EXTRA_CHECK_KEYS:
                raise ClaimsError(f"{e['id']}: check keys {list(c)} differ from {CHECK_KEYS + EXTRA_CHECK_KEYS}")


def write(out: Path | None = None, results_dir: Path | None = None, chapters_built=None) -> Path:
    """Merge and write ``_build/claims.json`` atomically."""
    entries = merge(results_dir, chapters_built)
    validate(entries)
    out = Path(out or config.CLAIMS_JSON)
    write_text(out, json.dumps(entries, ensure_ascii=False, indent=1))
    return out
