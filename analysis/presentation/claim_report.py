"""The reviewer's claim report and listing as text (the command line prints these)."""

from __future__ import annotations

import textwrap

from .. import config

OTHER_THEME = "-"


def theme_values() -> dict[str, str]:
    """Theme code → name, with '-' for the claims outside the three core themes."""
    from ..rules.claims import THEMES

    return {**THEMES, OTHER_THEME: "Other claims (printed tables, literature, structure)"}


def _num(x) -> str:
    if isinstance(x, bool) or x is None:
        return "–" if x is None else str(x)
    if isinstance(x, (int, float)):
        if float(x).is_integer() and abs(x) < 1e15:
            return f"{int(x):,}".replace(",", " ") if abs(x) >= 10000 else str(int(x))
        return f"{x:,.1f}".replace(",", " ") if abs(x) >= 1000 else f"{x:.4g}"
    return str(x)


def _wrap(label: str, text: str, width: int = 96, indent: int = 14) -> str:
    if not text:
        return f"{label:<{indent}}–"
    body = textwrap.fill(str(text), width=width, initial_indent=" " * indent, subsequent_indent=" " * indent,
                         break_long_words=False, break_on_hyphens=False)
    return f"{label:<{indent}}" + body[indent:]


def format_claim(report: dict) -> str:
    """The human-readable claim report."""
    from .glance import PENDING

    themes = theme_values()
    lines = [
        f"{report['id']} · theme {report['theme']} ({', '.join(themes.get(t, t) for t in report['theme'].split(','))})"
        f" · document {report['document']}",
        _wrap("Printed in", f"document {report['document']}, {report['where']}"),
        _wrap("Claim", report["claim"]),
        _wrap("As printed", report["numbers_as_printed"]),
        _wrap("Cited source", report["cited_source"]),
    ]
    chapters = "; ".join(f"{c['name']} — {c['title']} ({c['page']})" for c in report["chapters"])
    result = report["result"]
    if report["status"] == "pending":
        lines += [
            "",
            _wrap("Verdict", f"{PENDING.upper()} (pending: this edition does not evaluate it yet)"),
            _wrap("Chapter", chapters or "none assigned yet"),
        ]
        if report["reason"]:
            lines.append(_wrap("Why", report["reason"]))
        return "\n".join(lines)
    lines += [
        "",
        _wrap("Verdict", result["verdict"].upper()),
        _wrap("Chapter", chapters or "none (not testable; listed on the 'Claims at a glance' page)"),
        _wrap("Why" if result["verdict"] == "not testable" else "Summary", result["summary"]),
    ]
    if result.get("primary"):
        prim = [c for c in result["checks"] if c["label"] in result["primary"]]
        lines.append(_wrap("Primary", "; ".join(f"{c['label']} [{c['verdict']}, rule {c.get('rule', '–')}]"
                                                for c in prim)))
        lines.append(_wrap("Rule", f"{result.get('rule', 'primary-checks')}: the verdict of the primary check(s); "
                                   "secondary checks can only lower it (How verdicts are decided)"))
    stab = result.get("stability")
    if stab:
        flips = "; ".join(f"{f['alternative']} → {f['verdict']}" for f in stab["flips"])
        lines.append(_wrap("Stability", stab["label"] + (f" (flips under: {flips})" if flips else
                                                        f" (unchanged under: {', '.join(stab['alternatives'])})"
                                                        if stab.get("alternatives") else "")))
    if result["checks"]:
        lines += ["", "Checks (published vs reproduced):"]
        for i, c in enumerate(result["checks"], 1):
            def with_unit(x, c=c):
                # a unit belongs to a number; a published statement is printed as it stands
                numeric = isinstance(x, (int, float)) and not isinstance(x, bool)
                return _num(x) + (f" {c['unit']}" if c.get("unit") not in (None, "", "year") and numeric else "")

            role = f", {c['role']}" if c.get("role") else ""
            lines.append(f"  {i}. {c['label']}  [{c['verdict']}{role}]")
            lines.append(f"       published   {with_unit(c['published'])}  (year {_num(c['year_published'])})")
            lines.append(f"       reproduced  {with_unit(c['reproduced'])}  (data year {_num(c['year_data'])})")
            lines.append(_wrap("       note", c.get("note", ""), indent=19))
    if report["source"] in ("computed", "build"):
        kpis = ", ".join(f"{k['id']} ({k['title']})" for k in report["kpis"]) or "see the checks' notes"
        years = ", ".join(_num(y) for y in report["data_years"]) or "–"
        used = (f"Kolada {kpis}" if report["kpis"] else kpis) + "".join(
            f"; {src}" for src in report.get("other_sources", []))
        lines += ["", _wrap("Data used", used),
                  _wrap("Data years", years),
                  _wrap("Data folder", report["data_dir"] + (
                      f" (and the live cache {config.cache_dir()} where it holds a KPI)"
                      if (config.cache_dir() / "manifest.json").is_file() else ""))]
    if report["source"] == "computed":
        secs = ", ".join(f"analysis.chapters.{c.replace('-', '_')}.evaluate ({s:.1f} s)"
                         for c, s in report["seconds"].items())
        lines.append(_wrap("Computed by", f"{secs} — the same function the chapter runs."))
    elif report["source"] == "build":
        lines.append(_wrap("Read from", f"{config.CLAIMS_JSON} (fresh: it matches the code, ledger and data)"))
    return "\n".join(lines)


def format_listing(table) -> str:
    if table.empty:
        return "No claims match these filters."
    chapters = [c or "–" for c in table["chapter"]]
    wv = max(7, *(len(v) for v in table["verdict"]))
    wc = max(7, *(len(c) for c in chapters))
    rows = [f"{'id':<5} {'theme':<5} {'doc':<4} {'verdict':<{wv}} {'chapter':<{wc}} claim"]
    for r, ch in zip(table.itertuples(index=False), chapters):
        claim = r.claim if len(r.claim) <= 70 else r.claim[:69] + "…"
        rows.append(f"{r.id:<5} {r.theme:<5} {r.document:<4} {r.verdict:<{wv}} {ch:<{wc}} {claim}")
    counts = table["verdict"].value_counts()
    rows.append(f"\n{len(table)} claims: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
    return "\n".join(rows)


# ------------------------------------------------------------------ argument parsing
