"""One figure style for the whole book, and captions with units and sources.

Every figure is shown with :func:`show`, which stamps the source line on the image
(so it travels with a copied PNG) and prints a numbered caption with units below it.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from ..style import PALETTE, VERDICT_COLOURS  # noqa: E402,F401 (re-exported for the notebooks)

KOLADA_SOURCE = "Source: Kolada (RKA), snapshot of the open-numbers DDF dump (Aug 2024); own calculations."

_counter = {"n": 0}


def setup() -> None:
    """Apply the book's seaborn style (call once at the top of a chapter)."""
    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "figure.figsize": (8, 4.5), "axes.titleweight": "bold"})
    _counter["n"] = 0


def show(fig, caption: str, units: str, source: str = KOLADA_SOURCE) -> None:
    """Stamp the source on the figure, display it, then its numbered caption."""
    import io

    from IPython.display import Image, Markdown, display

    _counter["n"] += 1
    fig.text(0.01, -0.02, source, fontsize=7.5, color="#555555", ha="left", va="top", wrap=True)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")  # explicit PNG: independent of the backend
    plt.close(fig)
    display(Image(data=buf.getvalue(), format="png"))
    display(Markdown(f"**Figure {_counter['n']}.** {caption} *Units:* {units}. *{source}*"))


def table(df, caption: str, source: str = KOLADA_SOURCE, **style):
    """Display a table with a caption and source line (no index)."""
    from IPython.display import Markdown, display

    display(Markdown(f"**{caption}**"))
    display(df.style.hide(axis="index").format(precision=style.get("precision", 1), na_rep="–"))
    display(Markdown(f"*{source}*"))
