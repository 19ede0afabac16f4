"""The front page's plain answer and the Swedish summary (Sammanfattning), both written from
``_build/claims.json``: per core theme a bottom line of two or three sentences, and a list of
what the documents got wrong or mixed up, computed from the checks.

What is editorial here is only wording: which claims speak for a theme (as on the glance
page) and a short plain paraphrase of each, in English and Swedish. Every verdict, number,
unit and year comes from the checks; change a verdict and the sentence changes with it.
"""

from __future__ import annotations

import html
import re

from ..rules.claims import claim as ledger_claim
from . import cards

LANGS = ("en", "sv")

THEMES = {
    "a": {"en": "Private providers and efficiency", "sv": "Privata utförare och effektivitet"},
    "b": {"en": "Solna versus Sundbyberg", "sv": "Solna jämfört med Sundbyberg"},
    "c": {"en": "Activation reforms in Växjö and Skurup", "sv": "Aktiveringsreformerna i Växjö och Skurup"},
}

# The claims each bottom line speaks of, and their plain paraphrase (editorial wording only).
BOTTOM_CLAIMS = {
    "a": ["C062", "C100"],
    "b": ["C113", "C114"],
    "c": ["C156", "C136"],
}
PLAIN = {
    "C062": {"en": "municipalities that buy more of their services from private providers are more efficient",
             "sv": "kommuner som köper mer av sin verksamhet från privata utförare är effektivare"},
    "C100": {"en": "the most efficient municipalities buy a large share from private providers (Täby “nearly half”)",
             "sv": "de effektivaste kommunerna köper en stor andel av privata utförare (Täby ”nästan hälften”)"},
    "C113": {"en": "Solna and Sundbyberg are alike in geography and population",
             "sv": "Solna och Sundbyberg liknar varandra geografiskt och demografiskt"},
    "C114": {"en": "Solna and Sundbyberg differ markedly in efficiency, especially in individual and family care",
             "sv": "Solna och Sundbyberg skiljer sig tydligt i effektivitet, särskilt inom individ- och familjeomsorgen"},
    "C156": {"en": "the activation reforms in Växjö and Skurup cut the cost of economic assistance almost at once",
             "sv": "aktiveringsreformerna i Växjö och Skurup gav nästintill omedelbara besparingar på ekonomiskt bistånd"},
    "C136": {"en": "Växjö was among the municipalities that cut the cost of economic assistance most in 2012–2021",
             "sv": "Växjö var en av de kommuner som sänkte kostnaderna för ekonomiskt bistånd mest 2012–2021"},
}

VERDICT_WORDS = {
    "supported": {"en": "holds", "sv": "håller"},
    "partly supported": {"en": "holds only in part", "sv": "håller bara delvis"},
    "not supported": {"en": "is not borne out by the data", "sv": "får inte stöd av data"},
    "contradicted": {"en": "is contradicted by the data", "sv": "motsägs av data"},
    "not testable": {"en": "cannot be tested with public data", "sv": "kan inte prövas med offentliga data"},
    "not yet evaluated": {"en": "is not yet evaluated", "sv": "är inte prövat än"},
}
# A 'not testable' from rule power: the data exist, but the test could not have seen an effect of
# the claimed size (so "cannot be tested with public data" would mislead).
UNDERPOWERED_WORDS = {
    "en": "cannot be settled by the data: the comparison is too weak to detect an effect of the size claimed",
    "sv": "kan inte avgöras med data: jämförelsen är för svag för att upptäcka en effekt av den storlek som påstås",
}
UNDERPOWERED = re.compile(r"(?i)\brule power\b|\bMDE at\b")


def underpowered(entry: dict) -> bool:
    """True for a 'not testable' that rule power made (a test too weak to see the claimed effect)."""
    return entry.get("verdict") == "not testable" and any(
        UNDERPOWERED.search(c.get("note") or "") for c in entry.get("checks") or [])
VERDICT_NAMES_SV = {
    "supported": "stöds", "partly supported": "stöds delvis", "not supported": "stöds inte",
    "contradicted": "motsägs", "not testable": "kan inte prövas", "not yet evaluated": "inte prövat än",
}
COUNT_WORDS = {  # (one, several)
    "supported": {"en": ("holds", "hold"), "sv": ("håller", "håller")},
    "partly supported": {"en": ("holds in part", "hold in part"), "sv": ("håller delvis", "håller delvis")},
    "not supported": {"en": ("is not borne out", "are not borne out"), "sv": ("får inte stöd", "får inte stöd")},
    "contradicted": {"en": ("is contradicted", "are contradicted"), "sv": ("motsägs", "motsägs")},
    "not testable": {"en": ("cannot be tested", "cannot be tested"), "sv": ("kan inte prövas", "kan inte prövas")},
}
# The chapters' measure names in checks' labels, in words.
MEASURES = {
    "rka": {"en": "RKA's efficiency index", "sv": "RKA:s effektivitetsindex"},
    "nka": {"en": "net cost deviation", "sv": "nettokostnadsavvikelse"},
    "dea_school": {"en": "the book's efficiency score for schools", "sv": "bokens effektivitetsmått för skolan"},
    "dea_elderly": {"en": "the book's efficiency score for elderly care",
                    "sv": "bokens effektivitetsmått för äldreomsorgen"},
}


# Check labels the Swedish bottom lines quote, in Swedish (others fall back to the English label)
SV_LABELS = {
    "Similar share foreign-born": "Liknande andel utrikes födda",
    "Comparable education level": "Jämförbar utbildningsnivå",
    "Overall cost-efficiency gap": "Skillnad i total kostnadseffektivitet",
    "Especially in individual and family care": "Särskilt inom individ- och familjeomsorgen",
    "Similar population size": "Liknande folkmängd",
    "Similar age structure": "Liknande åldersstruktur",
}


def plain_label(label: str, lang: str) -> str:
    """A check's label without KPI codes and with measure names in words."""
    if lang == "sv" and label.strip() in SV_LABELS:
        return SV_LABELS[label.strip()]
    out = plain_words(label, lang).strip(" ,").strip("'")
    for code, words in MEASURES.items():
        out = re.sub(rf"\b{code}\b", words[lang], out)
    return out

# Units and terms of the checks in plain words (no test jargon, no KPI codes).
PLAIN_UNITS = [
    (r"\bSD of efficiency(?: \(SD \([^)]*\)\))? per 10 percentage points of purchase share\b",
     {"en": "standard deviations of efficiency (the spread across municipalities, 2019–2022) for each 10 "
            "percentage points more bought from private providers",
      "sv": "standardavvikelser i effektivitet (spridningen mellan kommunerna, 2019–2022) per 10 procentenheter "
            "mer köpt från privata utförare"}),
    (r"% vs synthetic control",
     {"en": "% against a comparison built from similar municipalities",
      "sv": "% jämfört med en jämförelse byggd av liknande kommuner"}),
    (r"% vs synthetic Solna", {"en": "% against a comparison built from similar municipalities",
                               "sv": "% jämfört med en jämförelse byggd av liknande kommuner"}),
    (r"gap in national SDs", {"en": "standard deviations (of all municipalities) apart",
                              "sv": "standardavvikelser (bland alla kommuner) isär"}),
    (r"standardi[sz]ed difference \(SD\)", {"en": "standard deviations apart", "sv": "standardavvikelser isär"}),
    (r"rank of (\d+) \(kr/inv fall\)", {"en": r"place of \1 for the fall in cost per inhabitant",
                                        "sv": r"plats av \1 i minskning av kostnad per invånare"}),
    (r"\bpercentile\b", {"en": "percentile", "sv": "percentil"}),
    (r"\bmunicipalities\b", {"en": "municipalities", "sv": "kommuner"}),
    (r"\bpercentage points\b", {"en": "percentage points", "sv": "procentenheter"}),
    (r"\binhabitants\b", {"en": "inhabitants", "sv": "invånare"}),
]
KPI_CODE = re.compile(r"\s*\(?\b[NU]\d{5}\b\)?,?")
PLAIN_TERMS = [
    (r"\bIFO\b", {"en": "individual and family care", "sv": "individ- och familjeomsorgen"}),
    (r"\(SD\)", {"en": "(in standard deviations)", "sv": "(i standardavvikelser)"}),
    (r"\bSDs?\b", {"en": "standard deviations", "sv": "standardavvikelser"}),
    (r"\(points\)", {"en": "(in points)", "sv": "(i poäng)"}),
    (r"\bpp\b", {"en": "percentage points", "sv": "procentenheter"}),
]


def plain_words(text: str, lang: str) -> str:
    """A check's text without KPI codes and abbreviations."""
    out = KPI_CODE.sub("", str(text))
    for pattern, words in PLAIN_TERMS:
        out = re.sub(pattern, words[lang], out)
    return out


def plain_unit(unit: str, lang: str) -> str:
    for pattern, words in PLAIN_UNITS:
        if re.search(pattern, unit):
            return re.sub(pattern, words[lang], unit)
    return plain_words(unit, lang).strip()


def _num(x, lang: str) -> str:
    text = cards.value_text(x)
    text = text.replace("-", "−") if isinstance(x, (int, float)) else text
    return text.replace(".", ",") if lang == "sv" and isinstance(x, (int, float)) else text


def _telling_check(entry: dict) -> dict | None:
    """The check that speaks for the claim's verdict: a primary one with the same verdict and a
    number reproduced, else the first with the same verdict, else the first primary."""
    checks = entry.get("checks") or []
    same = [c for c in checks if c["verdict"] == entry["verdict"]]
    numeric = [c for c in checks if isinstance(c.get("reproduced"), (int, float))]
    for pool in ([c for c in same if c.get("role") == "primary" and c in numeric],
                 [c for c in numeric if c.get("role") == "primary"], [c for c in same if c in numeric], same,
                 [c for c in checks if c.get("role") == "primary"]):
        if pool:
            return pool[0]
    return None


def evidence(c: dict | None, lang: str, bare: bool = False) -> str:
    """'the data give −0.07 standard deviations … (2019–2022)' in plain words (``bare``: the
    number and years only)."""
    if c is None or c.get("reproduced") in (None, ""):
        return ""
    years = cards.year_text(c.get("year_data"))
    when = f" ({years})" if years != "–" else ""
    rep, pub = c.get("reproduced"), c.get("published")
    if c.get("rule") == "wording" and c["label"].startswith("Wording") and isinstance(pub, str):
        unit = " " + plain_unit(c.get("unit") or "", lang) if c.get("unit") else ""
        return (f"the document's own number, {_num(rep, lang)}{unit}, is not “{pub}”" if lang == "en"
                else f"dokumentets egen siffra, {_num(rep, lang)}{unit}, är inte ”{pub}”")
    if bare:
        when = f", {years}" if years != "–" else ""
        if not isinstance(rep, (int, float)):
            return f"{plain_words(rep, lang)}{when}"
        return f"{_num(rep, lang)} {plain_unit(c.get('unit') or '', lang)}".strip() + when
    if not isinstance(rep, (int, float)):
        return f"the data: {plain_words(rep, lang)}{when}" if lang == "en" else f"data: {plain_words(rep, lang)}{when}"
    unit = plain_unit(c.get("unit") or "", lang)
    if unit.startswith("place of"):
        text = f"place {_num(rep, lang)} {unit[len('place '):]}"
    elif unit.startswith("plats av"):
        text = f"plats {_num(rep, lang)} {unit[len('plats '):]}"
    else:
        text = f"{_num(rep, lang)} {unit}".strip()
    if isinstance(pub, (int, float)):
        printed = f"{_num(pub, lang)} {unit}".strip()
        return (f"the document prints {printed}, the data give {text}{when}" if lang == "en"
                else f"dokumentet anger {printed}, data ger {text}{when}")
    return f"the data give {text}{when}" if lang == "en" else f"data ger {text}{when}"


def verdict_counts(results: list[dict], theme: str) -> dict[str, int]:
    mine = [r for r in results if theme in [t.strip() for t in str(r.get("theme", "")).split(",")]]
    counts: dict[str, int] = {}
    for r in mine:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return counts


def _partly(e: dict, lang: str) -> str:
    """For a claim that holds in part: the part that holds and the part that does not."""
    prim = [c for c in e.get("checks") or [] if c.get("role") == "primary"]
    yes = next((c for c in prim if c["verdict"] == "supported"), None)
    no = next((c for c in prim if c["verdict"] in ("not supported", "contradicted", "partly supported")), None)
    if not (yes and no):
        return ""
    words = {"en": ("holds", "does not" if no["verdict"] != "partly supported" else "only in part"),
             "sv": ("håller", "håller inte" if no["verdict"] != "partly supported" else "bara delvis")}[lang]
    q = ("“", "”") if lang == "en" else ("”", "”")
    return (f"{q[0]}{plain_label(yes['label'], lang)}{q[1]} {words[0]} ({evidence(yes, lang, bare=True)}), "
            f"{q[0]}{plain_label(no['label'], lang)}{q[1]} {words[1]} ({evidence(no, lang, bare=True)})")


def measure_name(label: str, lang: str) -> str:
    """The measure a check's label names at its end: a KPI by its title as Kolada prints it, or
    the chapter's measure in words ('… (nka)' → 'net cost deviation')."""
    from ..sources import catalogue

    m = re.search(r"\b([NU]\d{5})\b\s*$", label)
    if m:
        try:
            return catalogue.title(m.group(1))
        except Exception:  # a KPI outside the catalogue: its code is all there is
            return m.group(1)
    m = re.search(r"\(([a-z_]+)\)\s*$", label)
    if m and m.group(1) in MEASURES:
        return MEASURES[m.group(1)][lang]
    return plain_label(label, lang)


def bottom_line(results: list[dict], theme: str, lang: str = "en") -> tuple[str, list[dict]]:
    """The theme's bottom line (plain sentences) and the entries it speaks of."""
    by_id = {r["id"]: r for r in results}
    counts = verdict_counts(results, theme)
    tested = sum(n for v, n in counts.items() if v != "not testable")
    order = ["supported", "partly supported", "not supported", "contradicted"]
    parts = [f"{counts[v]} {COUNT_WORDS[v][lang][counts[v] > 1]}" for v in order if counts.get(v)]
    if lang == "en":
        first = (f"Of the {sum(counts.values())} claims on this theme, {tested} can be tested: "
                 + _join(parts, "and") + ".")
    else:
        first = (f"Av temats {sum(counts.values())} påståenden kan {tested} prövas: " + _join(parts, "och") + ".")
    sentences = [first]
    entries = []
    for cid in BOTTOM_CLAIMS[theme]:
        e = by_id.get(cid)
        if e is None:
            continue
        entries.append(e)
        ev = (_partly(e, lang) if e["verdict"] == "partly supported" else "") or evidence(_telling_check(e), lang)
        claim_text = PLAIN[cid][lang]
        words = UNDERPOWERED_WORDS[lang] if underpowered(e) else VERDICT_WORDS[e["verdict"]][lang]
        sep = "; " if underpowered(e) else ": "
        if lang == "en":
            s = f"That {claim_text} {words}" + (f"{sep}{ev}." if ev else ".")
        else:
            s = f"Att {claim_text} {words}" + (f"{sep}{ev}." if ev else ".")
        sentences.append(s)
    return " ".join(sentences), entries


def _join(parts: list[str], word: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def verdict_label(verdict: str, lang: str) -> str:
    return verdict if lang == "en" else VERDICT_NAMES_SV.get(verdict, verdict)


def bottom_lines_html(results: list[dict], lang: str = "en", base: str = "") -> str:
    """All three bottom lines, each with its technical reasons one click away."""
    out = []
    for theme, names in THEMES.items():
        text, entries = bottom_line(results, theme, lang)
        why = "".join(
            f'<li><a href="{base}{_card_page(e)}#{e["id"]}">{e["id"]}</a> '
            f"{cards.badge(e['verdict']) if lang == 'en' else _sv_badge(e['verdict'])} {html.escape(e['summary'])}</li>"
            for e in entries)
        summary = "The technical reason (tests, measures, years)" if lang == "en" else \
            "Det tekniska skälet (tester, mått och år, på engelska)"
        out.append(f'<div class="bottom-line"><h3>{html.escape(names[lang])}</h3><p>{html.escape(text)}</p>'
                   f"<details><summary>{summary}</summary><ul>{why}</ul></details></div>")
    return "".join(out)


def _sv_badge(verdict: str) -> str:
    return cards.badge(verdict).replace(f">{html.escape(verdict)}<", f">{VERDICT_NAMES_SV.get(verdict, verdict)}<")


def _card_page(entry: dict) -> str:
    """The page holding the claim's card: its (first) chapter, or the glance page's row."""
    chapter = (entry.get("chapter") or "").split(",")[0].strip()
    return f"{chapter}.html" if chapter else "glance.html"


def findings(results: list[dict]) -> list[dict]:
    """What the documents got wrong or mixed up, computed from the checks: every check the
    data contradict (the data show the opposite, or the document's words do not fit its own
    number), and every verdict that flips when the chapter's alternative measure is used
    (the document's figure or words mix two measures)."""
    out = []
    for r in results:
        for c in r.get("checks") or []:
            if c["verdict"] == "contradicted":
                kind = "words" if c.get("rule") == "wording" else "opposite"
                out.append({"id": r["id"], "kind": kind, "check": c, "entry": r})
        stab = r.get("stability") or {}
        flips = [f for f in stab.get("flips", []) if f["alternative"].startswith("alternative measure")]
        if flips:
            out.append({"id": r["id"], "kind": "measure", "flip": flips[0], "entry": r})
    return out


def finding_text(f: dict, lang: str = "en") -> str:
    r = f["entry"]
    doc = ledger_claim(r["id"]).get("document", "")
    if f["kind"] == "measure":
        alt = measure_name(f["flip"]["alternative"].split(": ", 1)[-1], lang)
        if lang == "en":
            return (f"Document {doc}: the verdict ({r['verdict']}) depends on the measure — measured by “{alt}” "
                    f"it would be {f['flip']['verdict']}.")
        return (f"Dokument {doc}: bedömningen ({verdict_label(r['verdict'], 'sv')}) beror på måttet — mätt med "
                f"”{alt}” blir den {verdict_label(f['flip']['verdict'], 'sv')}.")
    c = f["check"]
    label = plain_label(c["label"], lang)
    pub = c.get("published")
    if lang == "sv" and f["kind"] != "words":  # the words as the document prints them (Swedish), from the ledger
        printed = ledger_claim(r["id"]).get("numbers_as_printed")
        pub = printed if printed and printed.strip() not in ("–", "-") else pub
    rep = cards.value_text(c.get("reproduced"), plain_unit(c.get("unit") or "", lang))
    if isinstance(c.get("reproduced"), (int, float)):
        rep = rep.replace("-", "−")
        rep = rep.replace(".", ",") if lang == "sv" else rep
    years = cards.year_text(c.get("year_data") or c.get("year_published"))
    when = f" ({years})" if years != "–" else ""
    if f["kind"] == "words":
        if lang == "en":
            return f"Document {doc}: the words “{pub}” do not fit the document's own number, {rep}."
        return f"Dokument {doc}: orden ”{pub}” stämmer inte med dokumentets egen siffra, {rep}."
    if lang == "en":
        return f"Document {doc}: {label} — the document says “{pub}”; the data show {rep}{when}."
    return (f"Dokument {doc}: påståendet ”{pub}” (i bokens engelska återgivning); data visar {rep}{when} "
            f"(kontrollen: {label}).")


def findings_html(results: list[dict], lang: str = "en") -> str:
    items = []
    for f in findings(results):
        e = f["entry"]
        items.append(f'<li><a href="{_card_page(e)}#{e["id"]}">{e["id"]}</a> {html.escape(finding_text(f, lang))}</li>')
    if not items:
        return "<p>" + ("No check contradicts a document." if lang == "en" else "Ingen kontroll motsäger ett dokument.") + "</p>"
    return f'<ul class="findings">{"".join(items)}</ul>'


def verdict_table_html(table, lang: str = "en") -> str:
    """Claims per theme and verdict as a small table (the glance page's theme summary)."""
    from .glance import theme_summary

    ts = theme_summary(table)
    cols = [c for c in ts.columns if c not in ("theme", "claims")]
    head = "".join(f"<th>{html.escape(verdict_label(c, lang))}</th>" for c in cols)
    theme_names = {"a: private providers": "a", "b: Solna vs Sundbyberg": "b", "c: activation reforms": "c"}
    rows = []
    for d in ts.to_dict("records"):
        code = theme_names.get(d["theme"])
        name = THEMES[code][lang] if code else ("Övriga påståenden" if lang == "sv" else "Other claims")
        cells = "".join(f"<td>{int(d[c]) if c in d else 0}</td>" for c in cols)
        rows.append(f"<tr><td>{html.escape(name)}</td>{cells}<td><b>{int(d['claims'])}</b></td></tr>")
    theme_h = "tema" if lang == "sv" else "theme"
    total_h = "påståenden" if lang == "sv" else "claims"
    caption = ("Påståenden per tema och bedömning (ett påstående med två teman räknas i båda)" if lang == "sv"
               else "Claims per theme and verdict (a claim of two themes counts in both)")
    return (f'<div class="table-box"><table class="data-table"><caption>{caption}</caption>'
            f"<thead><tr><th>{theme_h}</th>{head}<th>{total_h}</th></tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table></div>")
