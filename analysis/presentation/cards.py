"""Claim cards: one compact card per claim instead of a table of every check.

A card shows the verdict badge, the claim in a sentence, what the document published against
what the book reproduces (with units and years), the rule in one line and the verdict's
stability; the checks' long notes sit in a collapsed block. Each card carries the claim id as
its anchor (``chapter.html#C115``), which the glance page, the command line and the site
search (book/_static/reader.js) link to. Cards are Markdown, so the site search indexes them.
"""

from __future__ import annotations

import html
import re

from ..rules import rulebook as R
from ..rules.claims import claim as ledger_claim
from ..style import VERDICT_COLOURS, VERDICT_TEXT


def badge(verdict: str) -> str:
    """The verdict as a coloured badge (inline HTML; the colours are analysis/style.py's)."""
    bg = VERDICT_COLOURS.get(verdict, "#E5E5E5")
    fg = VERDICT_TEXT.get(verdict, "#000000")
    return f'<span class="verdict-badge" style="background:{bg};color:{fg}">{html.escape(verdict)}</span>'


def _cell(x) -> str:
    return _md_escape(str(x).replace("\n", " ").strip())


def value_text(x, unit: str | None = None) -> str:
    """A published or reproduced value as a reader reads it: thousands separated, whole
    numbers without decimals, a unit after a number (text is shown as it stands)."""
    from .plotting import fmt_number

    if x is None or x == "":
        return "–"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, (int, float)):
        v = float(x)
        prec = 0 if v.is_integer() else (1 if abs(v) >= 100 else 2 if abs(v) >= 1 else 3)
        text = fmt_number(int(v) if v.is_integer() else v, prec)
        if not v.is_integer() and "." in text:
            text = text.rstrip("0").rstrip(".")  # 43.10 → 43.1
        if unit and unit.startswith("rank of "):
            return f"rank {text} of {unit[len('rank of '):]}"
        return f"{text} {unit}" if unit and unit not in ("year", "years", "text") else text
    return str(x)


def year_text(y) -> str:
    from .plotting import fmt_year

    return "–" if y in (None, "") else fmt_year(y)


def rule_line(name: str) -> str:
    """'[numeric-match](rulebook.html#numeric-match): Supported when …' (its first sentence)."""
    try:
        r = R.rule(name)
    except ValueError:
        return name
    first = re.split(r"(?<=[.;])\s", r.statement, maxsplit=1)[0].rstrip(";") .rstrip(".") + "."
    return f'<a href="rulebook.html#{name}">{name}</a> — {_md_escape(first)}'


def stability_text(stability: dict | None) -> str:
    if not stability:
        return "not assessed (no test with alternatives)"
    if stability["label"] == "robust":
        alts = stability.get("alternatives") or []
        return "robust" + (f" (unchanged under {len(alts)} alternatives)" if alts else "")
    return "fragile: " + "; ".join(f"{f['alternative']} → {f['verdict']}" for f in stability["flips"])


def card_markdown(entry: dict, chapter: str | None = None) -> str:
    """One claim's card (MyST Markdown) from its entry in claims.json (or a chapter's result with
    roles and stability added, see :func:`chapter_entries`)."""
    cid = entry["id"]
    led = ledger_claim(cid)
    doc = led.get("document", "")
    verdict = entry["verdict"]
    border = VERDICT_COLOURS.get(verdict, "#BBBBBB")
    others = [c for c in led.get("chapters") or [] if chapter and c != chapter]
    lines = [
        f'::::{{container}} claim-card verdict-{verdict.replace(" ", "-")}',
        f'<span id="{cid}" class="claim-anchor" style="--verdict:{border}"></span>{badge(verdict)} '
        f"**{cid}** · document {doc}" + (f" · {html.escape(str(led.get('where', '')))}" if led.get("where") else ""),
        "",
        f"{_md_escape(led.get('claim', ''))}",
        "",
    ]
    if others:
        lines += [f"*This chapter tests part of the claim; {', '.join(others)} tests the rest. The book-wide verdict "
                  f'is on <a href="glance.html#{cid}">Claims at a glance</a>.*', ""]
    checks = entry.get("checks") or []
    if checks:
        lines += ["| check | published | reproduced | verdict |", "|---|---|---|---|"]
        for c in checks:
            role = " *(secondary)*" if c.get("role") == "secondary" else ""
            pub = value_text(c.get("published"), c.get("unit"))
            rep = value_text(c.get("reproduced"), c.get("unit"))
            yp, yd = year_text(c.get("year_published")), year_text(c.get("year_data"))
            yp = f" ({_cell(yp)})" if yp != "–" else ""
            yd = f" (data {_cell(yd)})" if yd != "–" else ""
            lines.append(f"| {_cell(c['label'])}{role} | {_cell(pub)}{yp} | {_cell(rep)}{yd} | {c['verdict']} |")
        lines.append("")
        rules = list(dict.fromkeys(c.get("rule", "document-statement") for c in checks if c.get("role") != "secondary"
                                   ) or [checks[0].get("rule", "document-statement")])
        lines += ["**Rule:** " + ", ".join(f'<a href="rulebook.html#{r}">{r}</a>' for r in rules)
                  + f" · **Stability:** {_md_escape(stability_text(entry.get('stability')))}", ""]
        notes = [c for c in checks if c.get("note")]
        lines += [":::{dropdown} Why: the verdict's reason, the rule and the notes on each check", "",
                  f"**Verdict:** {_md_escape(entry.get('summary', ''))}", ""]
        lines += [f"**Rule {r}:** {_md_escape(R.rule(r).statement)}" for r in rules if r in R.RULES]
        lines += [""] + [f"- **{_md_escape(c['label'])}:** {_md_escape(c['note'])}" for c in notes]
        lines += ["", ":::"]
    elif entry.get("summary"):
        lines += [f"*{_md_escape(entry['summary'])}*"]
    lines.append("::::")
    return "\n".join(lines)


def _md_escape(text) -> str:
    """Text from the ledger and the checks, safe inside Markdown (no stray emphasis, roles or HTML)."""
    s = html.escape(str(text), quote=False)
    return re.sub(r"([*_`\[\]{}|])", r"\\\1", s)


def chapter_entries(results) -> list[dict]:
    """A chapter's results as claims.json entries, with each check's role and the verdict's
    stability added as the book-wide merge adds them (analysis/rules/collect.py)."""
    from ..rules.collect import _finish

    out = []
    for r in results:
        e = r.to_dict()
        for c in e["checks"]:
            c.setdefault("rule", "document-statement")
            c.setdefault("alternatives", {})
        out.append(_finish(e))
    return out


def card_style() -> str:
    """The cards' left border in their verdict's colour (from analysis/style.py)."""
    rules = " ".join(f"div.claim-card.verdict-{v.replace(' ', '-')} {{ border-left-color: {c}; }}"
                     for v, c in VERDICT_COLOURS.items())
    return f"<style>{rules}</style>"


def cards_markdown(results, chapter: str) -> str:
    """Every claim of a chapter as a card, in id order."""
    entries = sorted(chapter_entries(results), key=lambda e: e["id"])
    return card_style() + "\n\n" + "\n\n".join(card_markdown(e, chapter) for e in entries)


def overview_html(results) -> str:
    """The chapter's verdicts at a glance: one badge per claim, linked to its card."""
    items = [f'<a href="#{r.id}">{badge(r.verdict)} {r.id}</a>' for r in sorted(results, key=lambda r: r.id)]
    return f'<div class="verdict-overview">{"".join(items)}</div>'
