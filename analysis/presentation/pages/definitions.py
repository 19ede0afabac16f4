"""Kolada's own definitions of the KPIs a chapter relies on, quoted on the page.

One cell per chapter: ``definitions.show("<chapter>")``. The texts come from the committed
extract of Kolada's v3 metadata (:mod:`analysis.sources.kpi_metadata`), so they are Kolada's
words as of March 2026, not the book's paraphrase; a discontinued KPI carries Kolada's
"(-YYYY)" mark and the year it stops.
"""

from __future__ import annotations

from IPython.display import Markdown, display

from analysis.sources import kpi_metadata as M

CHAPTER_KPIS: dict[str, list[str]] = {
    "activation-reforms": ["N31001", "N31004", "U31001", "N31008", "N31807", "N31816", "N31910", "U31004"],
    "solna-sundbyberg": ["N31001", "N31004", "N31008", "N31807", "N31910", "N30001", "N30026", "N02268", "N03920",
                         "N00097"],
    "private-providers": ["U11901", "U15900", "U17900", "U20900", "U11404", "U15401", "U17401", "U20404", "N00097",
                          "N15027", "N15507", "N20048", "N00803", "N00119", "N00120", "N04110", "N15040", "N17023",
                          "N20805"],
    "printed-tables": ["N00901", "N00097", "U11901", "U15900", "U17900", "U20900", "U11404", "U15401", "U17401",
                       "U20404", "N03002", "N05010", "N05002", "N15001"],
    "data": ["N31001", "N31004", "U31001", "N00803", "N00119", "N00120", "N00097", "U15900", "U20900", "U20404"],
}
"""The KPIs whose definitions each chapter's verdicts rest on."""

SOURCE_LINE = ("Definitions quoted from Kolada's metadata (Kolada API v3, March 2026; Källa: Kolada). "
               "Kolada's texts are in Swedish; the book's own reading is in the chapter text.")


def kpis_for(chapter: str) -> list[str]:
    if chapter not in CHAPTER_KPIS:
        raise KeyError(f"No KPI list for chapter {chapter!r}; chapters: {', '.join(CHAPTER_KPIS)}")
    return CHAPTER_KPIS[chapter]


def definitions_markdown(kpi_ids, path=None) -> str:
    """A Markdown list: id, Kolada's title, its definition in quotation marks, and the last year
    of a discontinued KPI."""
    rows = M.definitions(kpi_ids, path)
    items = []
    for r in rows.itertuples(index=False):
        stop = f" **Discontinued: Kolada's last year is {r.discontinued_after}.**" if r.discontinued_after else ""
        text = r.description or "(Kolada gives no definition text)"
        items.append(f"- **{r.id}** *{r.title}* — “{text}”{stop}")
    return "\n".join(items)


def block(chapter: str, path=None) -> str:
    """The chapter's definitions as a collapsible block (Markdown with a MyST dropdown)."""
    kpis = kpis_for(chapter)
    return (f"::::{{dropdown}} Kolada's own definitions of the {len(kpis)} KPIs this chapter relies on\n"
            f"{definitions_markdown(kpis, path)}\n\n*{SOURCE_LINE}*\n::::")


def show(chapter: str) -> None:
    """Display the chapter's definitions block (one thin notebook cell)."""
    display(Markdown(block(chapter)))
