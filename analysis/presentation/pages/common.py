"""What every chapter page shows alike: its set-up, the verdict count and the verdict table."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, Markdown, display

from analysis.presentation import cards, plotting
from analysis.rules import claims


def evaluate_and_record(ch, data_dir) -> tuple[list, dict]:
    """Set the book's figure style, evaluate the chapter module ``ch`` and record its verdicts
    for the book-wide merge (``_build/claims/<chapter>.json``), as each chapter does first.

    Returns the results and the same results keyed by claim id (for the text).
    """
    plotting.setup(ch.CHAPTER)
    results = ch.evaluate(data_dir)
    claims.record(ch.CHAPTER, results)
    return results, {r.id: r for r in results}


def verdict_sentence(results) -> str:
    """The sentence that opens a chapter's verdicts, "N claims are tested here: **n** supported, …",
    most frequent verdict first (Markdown, ending with a full stop); the chapters append their own rules."""
    counts = pd.Series([r.verdict for r in results]).value_counts()
    return (f"{len(results)} claims are tested here: "
            + ", ".join(f"**{n}** {v}" for v, n in counts.items()) + ".")


def verdict_table(results, chapter: str, caption: str, part: str | None = None) -> None:
    """Show the chapter's verdict table, with its checks file as the source.

    With ``part`` (e.g. "Solna"), the chapter tests some claims only in part: the table gets a
    scope column, and a sentence first names the claims other chapters test too, so that a
    reader does not take this chapter's verdict for the book-wide one.
    """
    vt = claims.verdict_table(results, chapter=chapter if part is not None else None)
    vt = vt.drop(columns=["why"])  # the reason is on each claim's card below
    if part is not None:
        shared = vt.loc[vt["scope"] != claims.SCOPE_OWN, "claim"].tolist()
        display(Markdown(
            f"{', '.join(shared)} are also tested in another chapter: the verdicts here are for this chapter's part "
            f"({part}) only, and the book-wide verdict, which combines both chapters, is in *Claims at a glance*."
        ))
    display(HTML(cards.overview_html(results)))  # one badge per claim, linked to its card below
    plotting.table(vt, caption, source=f"Source: this chapter's checks (_build/claims/{chapter}.json).",
                   collapsed=True)


def claim_cards(results, chapter: str) -> None:
    """Every claim of the chapter as a card (verdict, claim, published against reproduced, rule,
    stability; the notes collapsed), each with its id as anchor (``chapter.html#C115``)."""
    display(Markdown(cards.cards_markdown(results, chapter)))
