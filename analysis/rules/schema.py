"""The schema of ``data/claims.yaml``, checked when the file is loaded.

Structure (fields, types, allowed values) is a JSON Schema checked with ``jsonschema``;
what a schema cannot say well is checked in Python: ids unique and complete (C001–C180),
status-dependent fields, values, years, and whether a unit fits the declared *kind* of a
published number (:data:`KIND_UNITS`).

Every problem becomes one line naming the file, the claim, the field and what to do,
for example::

    data/claims.yaml: C065.published.gap.unit: 'MSEK' is not a unit for a share (kind 'share'
    allows %, % of …, share of …, percent); fix the unit or the kind

All problems are reported together, one per line, in the order of the file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

import jsonschema

from .. import config
from ..errors import ClaimsError

LEDGER_IDS = tuple(f"C{i:03d}" for i in range(1, 181))
LEDGER_RANGE = f"{LEDGER_IDS[0]}–{LEDGER_IDS[-1]}"
DOCUMENTS = ("000", "001", "002", "003", "004")
STATUSES = ("evaluated", "not testable", "pending")
THEME_PATTERN = r"^(-|[abc](,[abc])*)$"  # 'a', 'b', 'c', '-' or several themes: 'b,c'
COMBINE = ("all", "any", "each")
YEAR_SPAN = (1950, 2030)

BOOK_SRC = config.REPO_ROOT / "book" / "src"
NOT_CHAPTERS = frozenset({"intro", "glance", "data", "references", "rulebook"})
"""Pages of book/src that are not chapters (no claim can name them)."""

REQUIRED_FIELDS = ("id", "theme", "document", "where", "claim", "type", "municipalities", "cited_source",
                   "numbers_as_printed", "suggested_test", "chapters", "status", "reason", "published")
OPTIONAL_FIELDS = ("primary", "combine", "wording")
NUMBER_FIELDS = ("value", "unit", "kind", "year", "label")

# ------------------------------------------------------------------ kinds and their units
_MONEY = r"(kr|tkr|SEK|MSEK|SEK (bn|m)|bn SEK)( per (year|inhabitant|household|pupil|user|person|month))?"
_THINGS = r"inhabitants|households|persons|people|pupils|users|employees|providers|places"
_TAX_RATE = r"kr per 100 kr( of taxable income)?"
_LEVEL = [_MONEY, r"(quality )?index( points)?( \(.+\))?", _THINGS]
_SHARE = [r"%", r"% of .+", r"(percent|per cent)( of .+)?", r"share( of .+)?"]
_CHANGE = [r"% change", r"% (a|per) year", r"%", r"(pp|percentage points)( (a|per) year)?", _TAX_RATE]
_RATIO = [r"ratio to (\d{4}|the base year)", r"ratio"]
_RATE = [_TAX_RATE, r"%"]
_RANK = [r"rank( \(.+\))?"]
_COUNT = [r"municipalit(y|ies)", r"regions?", r"count(y|ies)", r"years", r"rows", r"number of .+"]
_STATEMENT = [r"text", r"statement", r"direction", r"municipalit(y|ies)", r"year"]

KIND_UNITS: dict[str, list[str]] = {
    "level": _LEVEL,            # amounts, money per inhabitant, index values, numbers of things
    "share": _SHARE,            # percent of something, share of …
    "change": _CHANGE,          # % change, % a year, pp, ratio to a base year, net cost deviations in %,
                                # changes in a tax rate (kr per 100 kr)
    "rate": _RATE,              # tax rates (kr per 100 kr, or printed in %)
    "ratio": _RATIO,            # ratios to a base year ('halved' = 0.5)
    "rank": _RANK,
    "count": _COUNT,            # municipalities, regions, years, rows
    "arithmetic": _LEVEL + _SHARE + _CHANGE + _RATE + _COUNT,  # a printed sum: the unit of its parts
    "statement": _STATEMENT,    # verbal: text, a direction, which municipality, which year
}
"""Allowed units (regular expressions, matched in full) for each kind of published number.

A ``statement`` whose value is text may also carry a unit of any other kind: the words then
render a quantity ('nästan en tredjedel' of resources, '15–25' providers)."""

KIND_HINTS = {
    "level": "kr, SEK bn, MSEK, … per year/inhabitant, index points, inhabitants, households, providers",
    "share": "%, % of …, percent, share of …",
    "change": "% change, % a year, %, pp, kr per 100 kr",
    "ratio": "ratio to YYYY, ratio",
    "rate": "kr per 100 kr of taxable income, %",
    "rank": "rank, rank (…)",
    "count": "municipalities, regions, counties, years, rows, number of …",
    "arithmetic": "the unit of the printed parts it sums: a level, share, change, rate or count unit",
    "statement": "text, statement, direction, municipality, municipalities, year",
}
KIND_NOUNS = {"level": "a level", "share": "a share", "change": "a change", "rate": "a rate", "ratio": "a ratio", "rank": "a rank",
              "count": "a count", "arithmetic": "a printed sum", "statement": "a statement"}
KINDS = tuple(KIND_UNITS)

_KIND_RE = {k: [re.compile(p) for p in v] for k, v in KIND_UNITS.items()}
_DECIMAL_COMMA = re.compile(r"[-−–]?\d+,\d+")
_YEAR_RANGE = re.compile(r"(\d{4})[–-](\d{4})")
_NUMBER_TEXT = re.compile(r"[-−]?\d+(\.\d+)?")


def chapter_names(src: Path = BOOK_SRC) -> tuple[str, ...]:
    """The chapters a claim may name: the stems of book/src/*.md except the non-chapter pages."""
    return tuple(sorted(p.stem for p in src.glob("*.md") if p.stem not in NOT_CHAPTERS))


def _string(min_length: int = 0) -> dict:
    return {"type": "string", "minLength": min_length} if min_length else {"type": "string"}


def claims_schema(chapters: Iterable[str] | None = None) -> dict:
    """The JSON Schema of the claims file (``chapters``: the allowed chapter names)."""
    chapter = {"type": "string", "enum": sorted(chapters)} if chapters else {"type": "string"}
    number = {
        "type": "object",
        "required": list(NUMBER_FIELDS),
        "additionalProperties": False,
        "properties": {
            "value": {},  # number, text (kind statement) or null: checked in Python
            "unit": _string(1),
            "kind": {"type": "string", "enum": list(KINDS)},
            "year": {},  # checked in Python
            "label": _string(1),
        },
    }
    wording = {
        "type": "object",
        "required": ["phrase", "key"],
        "additionalProperties": False,
        "properties": {"phrase": _string(1), "key": _string(1), "against": _string()},
    }
    claim = {
        "type": "object",
        "required": list(REQUIRED_FIELDS),
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": r"^C\d{3}$"},
            "theme": {"type": "string", "pattern": THEME_PATTERN},
            "document": {"type": "string", "enum": list(DOCUMENTS)},
            "where": _string(1),
            "claim": _string(1),
            "type": _string(1),
            "municipalities": _string(),
            "cited_source": _string(),
            "numbers_as_printed": _string(),
            "suggested_test": _string(),
            "chapters": {"type": "array", "items": chapter, "uniqueItems": True},
            "status": {"type": "string", "enum": list(STATUSES)},
            "reason": _string(),
            "published": {"type": "object", "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
                          "additionalProperties": number},
            "primary": {"type": "array", "minItems": 1, "items": _string(1)},
            "combine": {"type": "string", "enum": list(COMBINE)},
            "wording": {"type": "array", "items": wording},
        },
    }
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "array", "items": claim}


# ------------------------------------------------------------------ messages
_JSON_TYPES = {"object": "a mapping", "array": "a list", "string": "a text", "number": "a number",
               "integer": "a whole number", "null": "null", "boolean": "true/false"}


def _yaml_type(x: object) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "true/false"
    if isinstance(x, dict):
        return "a mapping"
    if isinstance(x, list):
        return "a list"
    if isinstance(x, int | float):
        return "a number"
    return "a text"


def _short(x: object, n: int = 60) -> str:
    s = repr(x)
    return s if len(s) <= n else s[: n - 1] + "…"


def display_path(path: Path) -> str:
    """The file as the messages name it: relative to the repository when inside it."""
    try:
        return Path(path).resolve().relative_to(config.REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _claim_label(raw: list, i: int) -> str:
    entry = raw[i]
    cid = entry.get("id") if isinstance(entry, dict) else None
    return cid if isinstance(cid, str) and cid.strip() else f"claim #{i + 1}"


def _where(label: str, parts: Iterable) -> str:
    out = label
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _schema_messages(err: jsonschema.ValidationError, label: str, parts: list) -> list[str]:
    """The line(s) for a jsonschema error: where, what is wrong, what to do."""
    v, inst, field = err.validator, err.instance, parts[-1] if parts else None
    where = _where(label, parts)
    if v == "required":
        name = next((f for f in err.validator_value if err.message.startswith(repr(f))), err.message)
        return [f"{_where(label, [*parts, name])}: missing; add the field '{name}'"]
    if v == "additionalProperties":
        allowed = list(err.schema.get("properties", {}))
        return [f"{_where(label, [*parts, k])}: unknown field; remove it or correct its name "
                f"(fields: {', '.join(allowed)})" for k in inst if k not in allowed]
    if v == "enum":
        allowed = ", ".join(str(a) for a in err.validator_value)
        if isinstance(field, int) and len(parts) >= 2 and parts[-2] == "chapters":
            return [f"{where}: {_short(inst)} is not a chapter (chapters: {allowed}); correct the name"]
        return [f"{where}: {_short(inst)} is not one of {allowed}; use one of them"]
    if v == "type":
        want = _JSON_TYPES.get(err.validator_value, str(err.validator_value))
        hint = " (quote it: '003')" if field == "document" and isinstance(inst, int) else ""
        return [f"{where}: expected {want}, got {_yaml_type(inst)} ({_short(inst)}){hint}; write {want}"]
    if v == "pattern":
        if "propertyNames" in err.schema_path:
            return [f"{_where(label, [*parts, str(inst)])}: not a valid key; use letters, digits and _"]
        if field == "id":
            return [f"{where}: {_short(inst)} is not a claim id; write C and three digits ({LEDGER_RANGE})"]
        if field == "theme":
            return [f"{where}: {_short(inst)} is not a theme; write a, b, c, - or several themes like 'b,c'"]
        return [f"{where}: {_short(inst)} does not match {err.validator_value}; correct it"]
    if v in ("minLength", "minItems"):
        return [f"{where}: empty; fill it in or remove the field"]
    if v == "uniqueItems":
        return [f"{where}: an entry is listed twice; list each once"]
    return [f"{where}: {err.message}; correct the field"]


def _value_problem(value: object, kind: str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true/false is not a number; write the number, or the printed words in quotes (kind statement)"
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return f"{value!r} is not a finite number (NaN or infinity); write the printed number or null"
        return None
    if isinstance(value, str):
        s = value.strip()
        if _DECIMAL_COMMA.fullmatch(s):
            fixed = s.replace(",", ".").replace("−", "-").replace("–", "-")
            return f"{value!r}: decimal comma: write {fixed}"
        if kind in KIND_UNITS and kind != "statement":
            if _NUMBER_TEXT.fullmatch(s):
                return f"{value!r} is a number in quotes: write {s.replace('−', '-')} without quotes"
            return (f"{_short(value)} is text but kind {kind!r} needs a number; write the number, or make the "
                    "kind 'statement'")
        return None
    return f"expected a number, a text (kind statement) or null, got {_yaml_type(value)}; write one of those"


def _year_ok(year: object) -> bool:
    lo, hi = YEAR_SPAN
    if year is None:
        return True
    if isinstance(year, bool):
        return False
    if isinstance(year, int):
        return lo <= year <= hi
    if isinstance(year, str):
        m = _YEAR_RANGE.fullmatch(year.strip())
        return bool(m) and lo <= int(m.group(1)) <= int(m.group(2)) <= hi
    return False


def unit_fits(kind: str, unit: str, value: object = None) -> bool:
    """Whether ``unit`` is allowed for ``kind`` (see :data:`KIND_UNITS`)."""
    if any(r.fullmatch(unit) for r in _KIND_RE[kind]):
        return True
    if kind == "statement" and isinstance(value, str):  # words that render a quantity
        return any(r.fullmatch(unit) for rs in _KIND_RE.values() for r in rs)
    return False


def _number_problems(label: str, key: str, n: dict) -> list[str]:
    where = f"{label}.published.{key}"
    out = []
    kind = n.get("kind") if n.get("kind") in KIND_UNITS else None
    problem = _value_problem(n.get("value"), kind)
    if problem and "value" in n:
        out.append(f"{where}.value: {problem}")
    if "year" in n and not _year_ok(n["year"]):
        lo, hi = YEAR_SPAN
        out.append(f"{where}.year: implausible year {_short(n['year'])}; write a year {lo}–{hi}, a range like "
                   f"'2019–2023', or null")
    unit = n.get("unit")
    if kind and isinstance(unit, str) and unit.strip() and not unit_fits(kind, unit.strip(), n.get("value")):
        out.append(f"{where}.unit: {unit!r} is not a unit for {KIND_NOUNS[kind]} (kind {kind!r} allows "
                   f"{KIND_HINTS[kind]}); fix the unit or the kind")
    return out


def _claim_problems(label: str, entry: dict) -> list[str]:
    """Checks of one claim that the JSON Schema cannot express."""
    out = []
    status, chapters, reason = entry.get("status"), entry.get("chapters"), entry.get("reason")
    if status == "evaluated" and isinstance(chapters, list) and not chapters:
        out.append(f"{label}.chapters: empty but the status is 'evaluated'; name the chapter(s) that evaluate it "
                   "or change the status")
    if status == "not testable" and (reason is None or (isinstance(reason, str) and not reason.strip())):
        out.append(f"{label}.reason: empty but the status is 'not testable'; say why no public data can test it")
    published = entry.get("published")
    keys = set(published) if isinstance(published, dict) else set()
    if isinstance(published, dict):
        for key, n in published.items():
            if isinstance(n, dict):
                out.extend(_number_problems(label, str(key), n))
    wording = entry.get("wording")
    if isinstance(wording, list):
        for j, w in enumerate(wording):
            k = w.get("key") if isinstance(w, dict) else None
            if isinstance(k, str) and k and k not in keys:
                out.append(f"{label}.wording[{j}].key: {k!r} is not a published key of {label} "
                           f"(keys: {', '.join(sorted(keys)) or 'none'}); use one of them")
    return out


def problems(raw: object, path: Path, chapters: Iterable[str] | None = None) -> list[str]:
    """Every problem of the parsed claims file, one line each, in the order of the file."""
    file = display_path(path)
    if chapters is None:
        chapters = chapter_names() if BOOK_SRC.is_dir() else None
    if not isinstance(raw, list):
        return [f"{file}: expected a list of claims ('- id: C001' …), got {_yaml_type(raw)}; "
                "write the claims as a YAML list"]
    by_claim: list[list[str]] = [[] for _ in raw]
    validator = jsonschema.Draft202012Validator(claims_schema(chapters))

    def order(err: jsonschema.ValidationError) -> tuple:  # file order: claim, then its fields as written
        parts = list(err.absolute_path)
        entry = raw[parts[0]]
        fields = list(entry) if isinstance(entry, dict) else []
        at = fields.index(parts[1]) if len(parts) > 1 and parts[1] in fields else len(fields)
        return parts[0], at, [str(p).zfill(6) for p in parts[2:]]

    errors = sorted(validator.iter_errors(raw), key=order)
    wrong_type = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    for err in errors:
        i, *parts = err.absolute_path
        if err.validator != "type" and tuple(err.absolute_path) in wrong_type:
            continue  # one line per problem: the type says it
        if not parts and err.validator == "type":
            by_claim[i].append(f"{file}: claim #{i + 1}: expected a mapping (id, theme, …), got "
                               f"{_yaml_type(err.instance)}; write the claim as fields")
            continue
        by_claim[i].extend(f"{file}: {line}" for line in _schema_messages(err, _claim_label(raw, i), parts))
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            continue
        label = _claim_label(raw, i)
        cid = entry.get("id")
        if isinstance(cid, str) and re.fullmatch(r"C\d{3}", cid):
            if cid in seen:
                by_claim[i].append(f"{file}: {cid}.id: duplicate id (claims #{seen[cid] + 1} and #{i + 1}); give "
                                   "each claim its own id")
            elif cid not in LEDGER_IDS:
                by_claim[i].append(f"{file}: {cid}.id: unknown id (the ledger has {LEDGER_RANGE}); correct the id "
                                   "or remove the claim")
            seen.setdefault(cid, i)
        by_claim[i].extend(f"{file}: {line}" for line in _claim_problems(label, entry))
    lines = [line for group in by_claim for line in group]
    lines += [f"{file}: {cid}: missing (the file must hold every claim {LEDGER_RANGE}); restore claim {cid}"
              for cid in LEDGER_IDS if cid not in seen]
    return lines


def validate_claims(raw: object, path: Path) -> None:
    """Check the parsed claims file ``path``; raise :class:`ClaimsError` with one line per problem."""
    lines = problems(raw, path)
    if lines:
        raise ClaimsError("\n".join(lines))
