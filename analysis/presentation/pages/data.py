"""The page *The data* (book/src/data.md)."""

from __future__ import annotations

import os

from IPython.display import Markdown, display

from analysis.config import REPO_ROOT
from analysis.config import data_dir as resolve_data_dir
from analysis.presentation import plotting
from analysis.sources import catalogue, coverage, municipalities


def setup(data_dir):
    """Set the figure style and say which data folder the book read and what it holds, so that
    a reader of a built page knows which snapshot the numbers come from.

    Returns the municipality list, the per-KPI coverage summary and the last year with a value.
    """
    plotting.setup()
    root = resolve_data_dir(data_dir)
    meta = municipalities.municipalities(data_dir)
    summary = coverage.coverage_summary(data_dir=data_dir)
    last = coverage.last_year(data_dir)
    display(Markdown(
        f"Data folder: `{os.path.relpath(root, REPO_ROOT)}` (relative to the repository). The snapshot holds "
        f"**{len(summary)} KPIs** for **{len(meta)} municipalities** and Riket; the last year with any value is "
        f"**{last}**."
    ))
    return meta, summary, last


def known_gaps(last: int) -> None:
    """List the known gaps of the data (years after ``last``, KPIs only in the live API, measures
    that do not exist), with the KPI names read from the catalogue so the list cannot go stale."""
    cat = catalogue.catalogue()
    live_only = cat[cat["in_snapshot"] == "no"]
    live_purchases = live_only[live_only["title"].str.startswith("Köp")]
    live_other = live_only.drop(live_purchases.index)
    display(Markdown(
        f"- **No Kolada values after {last}.** The documents quote years up to 2025 (document 003's tax "
        "tables run to 2025; Skatteverket's total tax rates in the snapshot reach 2026). Where a claim is "
        "about a later year than the data, the check compares with the latest year available, says so, and "
        "is at most *partly supported*. `make data` fetches newer years from the Kolada API.\n"
        "- **Purchases from private providers only are not in the snapshot** ("
        + ", ".join(f"{i} *{t}*" for i, t in live_purchases['title'].items())
        + "). The snapshot has N00803, purchases from *all* external providers, which includes "
        "other municipalities, regions and associations.\n"
        + ("- **Other KPIs only in the live API** (`make data`): "
           + ", ".join(f"{i} *{t}*" for i, t in live_other['title'].items()) + ".\n" if len(live_other) else "")
        + "- **No unemployment among foreign-born** (only N00708 for the Swedish-born and N02268, "
        "employment rate of the foreign-born, 2020–).\n"
        "- **No Svenskt Näringsliv efficiency ranking** (its scores are not public data).\n"
        "- **Net cost deviations change method in 2019** (new cost-equalisation model): compare "
        "levels across 2018/2019 with care."
    ))


ASSISTANCE_PANEL_TITLES = {
    "N31001": "Cost in the municipal accounts (N31001)",
    "N31004": "Paid out, Socialstyrelsen (N31004)",
}


def name_assistance_panels(grid) -> None:
    """Panel titles of the assistance figure in words rather than bare KPI codes."""
    for ax in grid.axes.flat:
        ax.set_title(ASSISTANCE_PANEL_TITLES.get(ax.get_title(), ax.get_title()), fontsize=10)
    if grid.legend is not None:
        grid.legend.set_title("")
