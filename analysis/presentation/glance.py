"""The 'Claims at a glance' page: every ledger claim with its verdict, filterable."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from .. import config
from ..chapters import titles as chapter_titles
from ..rules.claims import VERDICTS, claims
from . import cards

PENDING = "not yet evaluated"


def load_results(path: Path | None = None) -> list[dict]:
    path = Path(path or config.CLAIMS_JSON)
    return json.loads(path.read_text(encoding="utf-8"))


def glance_table(results: list[dict]) -> pd.DataFrame:
    """One row per ledger claim: id, theme, document, claim, verdict, summary, chapter."""
    by_id = {r["id"]: r for r in results}
    rows = []
    for cid, entry in claims().items():
        r = by_id.get(cid)
        if r is None:  # not recorded by a chapter: the ledger says why
            untestable = entry.get("status") == "not testable"
            verdict = "not testable" if untestable else PENDING
            summary = entry.get("reason") or ("No public data can test this claim." if untestable
                                              else "Not yet evaluated in this edition.")
        rows.append(
            {
                "id": cid,
                "theme": entry.get("theme", "-"),
                "document": str(entry.get("document", "")),
                "claim": entry.get("claim", ""),
                "verdict": r["verdict"] if r else verdict,
                "summary": r["summary"] if r else summary,
                "chapter": r["chapter"] if r else ", ".join(entry.get("chapters", [])),
                "checks": len(r["checks"]) if r else 0,
                "stability": stability_text(r.get("stability") if r else None),
            }
        )
    return pd.DataFrame(rows)


def stability_text(stability: dict | None) -> str:
    """'robust', or 'fragile: significance level 0.10 → partly supported'; '' when not evaluated."""
    if not stability:
        return ""
    if stability["label"] == "robust":
        return "robust"
    return "fragile: " + "; ".join(f"{f['alternative']} → {f['verdict']}" for f in stability["flips"])


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    order = list(VERDICTS) + [PENDING]
    counts = table["verdict"].value_counts().reindex(order, fill_value=0)
    return counts.rename_axis("verdict").rename("claims").reset_index()


def theme_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Claims per theme and verdict, so a reader sees at once what holds for each core theme.

    A claim shared by two themes (e.g. 'b,c') is counted in both rows.
    """
    order = list(VERDICTS) + [PENDING]
    rows = []
    for code, label in THEME_LABELS.items():
        mine = table[table["theme"].str.split(",").apply(lambda ts, c=code: c in [t.strip() for t in ts])]
        counts = mine["verdict"].value_counts().reindex(order, fill_value=0)
        rows.append({"theme": label, **{v: int(counts[v]) for v in order}, "claims": len(mine)})
    out = pd.DataFrame(rows)
    # every verdict keeps its column (a zero is a finding too); 'not yet evaluated' only when used
    return out.loc[:, [c for c in out.columns if c != PENDING or out[c].sum() > 0]]


def built_chapters() -> set[str]:
    """Chapters in the table of contents (_toc.yml): only those have a page to link to."""
    import yaml

    toc = yaml.safe_load((config.REPO_ROOT / "_toc.yml").read_text(encoding="utf-8")) or {}
    files = [c.get("file", "") for c in toc.get("chapters", []) or [] if isinstance(c, dict)]
    return {Path(f).name for f in files if f}


def _chapter_links(chapters: str, linkable: set[str] | None = None, cid: str | None = None) -> str:
    """Links to the chapters that test a claim (to the claim's card there, ``chapter.html#C115``);
    a chapter not in the book yet is named, not linked."""
    linkable = built_chapters() if linkable is None else linkable
    links = []
    anchor = f"#{html.escape(cid)}" if cid else ""
    for ch in [c.strip() for c in chapters.split(",") if c.strip()]:
        title = html.escape(chapter_titles().get(ch, ch))
        if ch in linkable:
            links.append(f'<a href="{html.escape(ch)}.html{anchor}">{title}</a>')
        else:
            links.append(f"{title} <i>(chapter not in this edition)</i>")
    return "<br>".join(links) or "–"


THEME_LABELS = {"a": "a: private providers", "b": "b: Solna vs Sundbyberg", "c": "c: activation reforms",
                "-": "– (other claims)"}


# The central claim(s) of each core theme, shown on the front page. An editorial choice of
# which claims to put first, not a result: their verdicts come from _build/claims.json.
HEADLINE_CLAIMS = {
    "a": ["C062", "C100", "C101"],
    "b": ["C113", "C114", "C065"],
    "c": ["C129", "C130", "C136", "C156"],
}


def headline_html(table: pd.DataFrame, headline: dict[str, list[str]] | None = None) -> str:
    """The front page's table: each core theme's central claims with their verdict and its
    summary, linked to the claim's row on the glance page."""
    headline = HEADLINE_CLAIMS if headline is None else headline
    by_id = table.set_index("id")
    missing = [cid for ids in headline.values() for cid in ids if cid not in by_id.index]
    if missing:
        raise ValueError(f"Headline claims not in the ledger: {missing}")
    rows = []
    for theme, ids in headline.items():
        for cid in ids:
            r = by_id.loc[cid]
            rows.append(
                f"<tr><td>{html.escape(THEME_LABELS.get(theme, theme))}</td>"
                f'<td style="white-space:nowrap"><a href="glance.html#{html.escape(cid)}">{html.escape(cid)}</a></td>'
                f"<td>{html.escape(str(r['claim']))}</td><td>{cards.badge(str(r['verdict']))}</td>"
                f"<td>{_collapsed(str(r['summary']), 60)}</td></tr>"
            )
    return (
        "<style>.claims-scroll { overflow-x: auto; } .claims-table { font-size: 0.85em; } "
        ".claims-table td { vertical-align: top; }</style>"
        '<div class="claims-scroll"><table class="claims-table headline-table">'
        "<thead><tr><th>theme</th><th>id</th><th>claim (paraphrase)</th><th>verdict</th><th>technical reason</th></tr>"
        "</thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _collapsed(text: str, keep: int = 90) -> str:
    """A long reason shortened to its start, the whole of it one click away (rows stay short)."""
    text = str(text)
    if len(text) <= keep + 30:
        return html.escape(text)
    cut = text[:keep].rsplit(" ", 1)[0]
    return f"<details><summary>{html.escape(cut)} …</summary>{html.escape(text)}</details>"


def untested_markdown(table: pd.DataFrame) -> str:
    """The claims no chapter tests, with their reason, as Markdown (so that the site search finds
    every claim id; a search for one lands on its row above, see book/_static/reader.js)."""
    rows = table[table["chapter"].fillna("") == ""]
    items = [f"- **{r.id}** (document {r.document}, {cards._md_escape(r.verdict)}): {cards._md_escape(r.claim)} — "
             f"{cards._md_escape(r.summary)}" for r in rows.itertuples(index=False)]
    return (f":::{{dropdown}} The {len(items)} claims no chapter tests, with the reason (a list the site search reads)\n\n"
            + "\n".join(items) + "\n:::")


def filterable_html(table: pd.DataFrame) -> str:
    """An HTML table with theme / document / verdict filters and a text search (a few lines of
    plain JS, no libraries). Each row has the claim id as its anchor (glance.html#C115)."""
    linkable = built_chapters()

    def options(values, labels=None):
        labels = labels or {}
        return "".join(f'<option value="{html.escape(v)}">{html.escape(labels.get(v, v))}</option>' for v in values)

    themes = sorted({t.strip() for v in table["theme"] for t in str(v).split(",") if t.strip()},
                    key=lambda t: (t == "-", t))
    verdicts = [v for v in (*VERDICTS, PENDING) if v in set(table["verdict"])]
    rows = []
    for r in table.itertuples(index=False):
        rows.append(
            f'<tr id="{html.escape(r.id)}" data-theme="{html.escape(r.theme)}" '
            f'data-document="{html.escape(r.document)}" data-verdict="{html.escape(r.verdict)}">'
            f"<td>{html.escape(r.id)}</td><td>{html.escape(r.theme)}</td><td>{html.escape(r.document)}</td>"
            f"<td>{html.escape(r.claim)}</td><td>{cards.badge(r.verdict)}</td>"
            f"<td>{_collapsed(r.summary)}</td><td>{_chapter_links(r.chapter, linkable, r.id)}</td>"
            f"<td>{html.escape(r.stability) or '–'}</td></tr>"
        )
    return f"""
<style>
.claims-filter label {{ margin-right: 1em; white-space: nowrap; }}
.claims-scroll {{ overflow-x: auto; }}
.claims-table {{ font-size: 0.8em; }} .claims-table td:nth-child(4) {{ min-width: 16em; }}
.claims-table td {{ vertical-align: top; }}
</style>
<div class="claims-filter">
<label>Theme <select id="f-theme"><option value="">all</option>{options(themes, THEME_LABELS)}</select></label>
<label>Document <select id="f-document"><option value="">all</option>{options(sorted(table['document'].unique()))}</select></label>
<label>Verdict <select id="f-verdict"><option value="">all</option>{options(verdicts)}</select></label>
<label>Search <input id="f-text" type="search" placeholder="id or words"></label>
<span id="f-count" role="status"></span>
</div>
<div class="claims-scroll">
<table class="claims-table" id="claims-table">
<thead><tr><th>id</th><th>theme</th><th>doc</th><th>claim (paraphrase)</th><th>verdict</th><th>why</th><th>chapter</th><th>stability</th></tr></thead>
<tbody>
{''.join(rows)}
</tbody></table>
</div>
<script>
(function() {{
  var table = document.getElementById('claims-table');
  if (!table) {{ return; }}
  var ids = ['f-theme', 'f-document', 'f-verdict', 'f-text'];
  function value(id) {{ var el = document.getElementById(id); return el ? el.value : ''; }}
  function apply() {{
    var theme = value('f-theme'), doc = value('f-document'), verdict = value('f-verdict');
    var text = value('f-text').trim().toLowerCase();
    var shown = 0, rows = table.querySelectorAll('tbody tr');
    for (var i = 0; i < rows.length; i++) {{
      var tr = rows[i];
      var ok = (!theme || tr.getAttribute('data-theme').split(',').indexOf(theme) >= 0) &&
               (!doc || tr.getAttribute('data-document') === doc) &&
               (!verdict || tr.getAttribute('data-verdict') === verdict) &&
               (!text || tr.textContent.toLowerCase().indexOf(text) >= 0);
      tr.style.display = ok ? '' : 'none';
      if (ok) {{ shown++; }}
    }}
    var count = document.getElementById('f-count');
    if (count) {{ count.textContent = shown + ' of ' + rows.length + ' claims shown'; }}
  }}
  ids.forEach(function(id) {{
    var el = document.getElementById(id);
    if (el) {{ el.addEventListener(id === 'f-text' ? 'input' : 'change', apply); }}
  }});
  apply();
}})();
</script>
"""
