"""The 'Claims at a glance' page: every ledger claim with its verdict, filterable."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from . import config
from .claims import VERDICTS, claims

PENDING = "not yet evaluated"
CHAPTER_TITLES = {
    "private-providers": "Private providers and efficiency",
    "solna-sundbyberg": "Solna versus Sundbyberg",
    "activation-reforms": "Activation reforms",
    "printed-tables": "Printed tables and other claims",
}


def load_results(path: Path | None = None) -> list[dict]:
    path = Path(path or config.CLAIMS_JSON)
    return json.loads(path.read_text(encoding="utf-8"))


def glance_table(results: list[dict]) -> pd.DataFrame:
    """One row per ledger claim: id, theme, document, claim, verdict, summary, chapter."""
    by_id = {r["id"]: r for r in results}
    rows = []
    for cid, entry in claims().items():
        r = by_id.get(cid)
        rows.append(
            {
                "id": cid,
                "theme": entry.get("theme", "-"),
                "document": entry.get("document", ""),
                "claim": entry.get("claim", ""),
                "verdict": r["verdict"] if r else PENDING,
                "summary": r["summary"] if r else (entry.get("reason") or "Not yet evaluated in this edition."),
                "chapter": r["chapter"] if r else ", ".join(entry.get("chapters", [])),
                "checks": len(r["checks"]) if r else 0,
            }
        )
    return pd.DataFrame(rows)


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    order = list(VERDICTS) + [PENDING]
    counts = table["verdict"].value_counts().reindex(order, fill_value=0)
    return counts.rename_axis("verdict").rename("claims").reset_index()


def _chapter_links(chapters: str) -> str:
    links = []
    for ch in [c.strip() for c in chapters.split(",") if c.strip()]:
        title = html.escape(CHAPTER_TITLES.get(ch, ch))
        links.append(f'<a href="{html.escape(ch)}.html">{title}</a>')
    return "<br>".join(links) or "–"


def filterable_html(table: pd.DataFrame) -> str:
    """An HTML table with theme / document / verdict filters (a few lines of plain JS)."""

    def options(col):
        vals = sorted(table[col].unique())
        return "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in vals)

    rows = []
    for r in table.itertuples(index=False):
        rows.append(
            f'<tr data-theme="{html.escape(r.theme)}" data-document="{html.escape(r.document)}" '
            f'data-verdict="{html.escape(r.verdict)}">'
            f"<td>{r.id}</td><td>{html.escape(r.theme)}</td><td>{r.document}</td>"
            f"<td>{html.escape(r.claim)}</td><td><b>{html.escape(r.verdict)}</b></td>"
            f"<td>{html.escape(r.summary)}</td><td>{_chapter_links(r.chapter)}</td></tr>"
        )
    return f"""
<div class="claims-filter">
<label>Theme <select id="f-theme"><option value="">all</option>{options('theme')}</select></label>
<label>Document <select id="f-document"><option value="">all</option>{options('document')}</select></label>
<label>Verdict <select id="f-verdict"><option value="">all</option>{options('verdict')}</select></label>
<span id="f-count"></span>
</div>
<table class="claims-table" id="claims-table">
<thead><tr><th>id</th><th>theme</th><th>doc</th><th>claim (paraphrase)</th><th>verdict</th><th>why</th><th>chapter</th></tr></thead>
<tbody>
{''.join(rows)}
</tbody></table>
<script>
(function() {{
  function apply() {{
    var f = {{theme: document.getElementById('f-theme').value,
             document: document.getElementById('f-document').value,
             verdict: document.getElementById('f-verdict').value}};
    var shown = 0;
    document.querySelectorAll('#claims-table tbody tr').forEach(function(tr) {{
      var ok = (!f.theme || tr.dataset.theme.split(',').indexOf(f.theme) >= 0 || tr.dataset.theme === f.theme) &&
               (!f.document || tr.dataset.document === f.document) &&
               (!f.verdict || tr.dataset.verdict === f.verdict);
      tr.style.display = ok ? '' : 'none';
      if (ok) shown++;
    }});
    document.getElementById('f-count').textContent = shown + ' claims shown';
  }}
  ['f-theme', 'f-document', 'f-verdict'].forEach(function(id) {{
    document.getElementById(id).addEventListener('change', apply);
  }});
  apply();
}})();
</script>
"""
