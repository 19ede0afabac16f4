"""The page *Solna versus Sundbyberg* (book/src/solna-sundbyberg.md)."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown, display

from analysis.chapters import solna_sundbyberg as ch
from analysis.methods import solna as S
from analysis.presentation import plotting
from analysis.presentation.pages import common
from analysis.rules import claims


def setup(data_dir):
    """Evaluate and record the chapter's claims once for all cells.

    Returns the results, the results keyed by claim id and the table of every check.
    """
    results, by_id = common.evaluate_and_record(ch, data_dir)
    return results, by_id, claims.checks_table(results)


def check(by_id: dict, cid: str, label_start: str):
    """The check of claim ``cid`` whose label starts with ``label_start`` (for the text)."""
    rows = [c for c in by_id[cid].checks if c.label.startswith(label_start)]
    if len(rows) != 1:
        raise KeyError(f"{cid}: {len(rows)} checks start with {label_start!r}")
    return rows[0]


def upper_first(text: str) -> str:
    """``text`` with its first letter capitalised: a check's note or label quoted as a sentence."""
    return text[:1].upper() + text[1:]


def verdicts(results) -> None:
    """Count the verdicts, say how claims about 2023–2024 are judged, name the claims another
    chapter tests too, and show the verdict table."""
    display(Markdown(
        common.verdict_sentence(results)
        + " Every verdict below is computed when the book is built; the rules are in the "
        "notes of each check (the general rule is in the introduction). Claims about 2023–2024 are "
        "compared with the latest year in the data and are then at most *partly supported*."
    ))
    common.verdict_table(results, ch.CHAPTER, "Table: verdicts for the Solna–Sundbyberg claims", part="Solna")


def ifo_deviation(by_id: dict, data_dir) -> None:
    """Set each printed IFO net cost deviation (C115, C117, C155) beside the data, in words, with
    what the deviation is made of."""
    c_s, c_u = check(by_id, "C115", "Solna"), check(by_id, "C115", "Sundbyberg")
    c117, c155 = by_id["C117"].checks[0], by_id["C155"].checks[0]
    display(Markdown(
        f"- **Solna, printed {c_s.published} % ({c_s.year_published}):** the latest year in the data "
        f"({c_s.year_data}) gives {c_s.reproduced:.1f} % ({c_s.verdict}).\n"
        f"- **Sundbyberg, printed {c_u.published} % ({c_u.year_published}):** {c_u.year_data} gives "
        f"{c_u.reproduced:.1f} % ({c_u.verdict}). " + (upper_first(c_u.note.split("Note: ")[1]) if "Note: " in c_u.note else "")
        + "\n"
        f"- **Solna, printed {abs(c117.published)} MSEK ({c117.year_published}):** Solna's deviation in MSEK was "
        f"{c117.reproduced:.1f} in {c117.year_data} ({c117.verdict}). " + c117.note.split("i.e. a deviation of")[-1].split(". ", 1)[-1] + "\n"
        f"- **'{abs(c155.published)} MSEK per year' (C155):** Values since" + c155.note.split("Values since")[1] + "\n"
        f"- **What the IFO deviation is made of.** {ch.ifo_caveat(data_dir)}"
    ))


def tax_arithmetic_table(data_dir) -> None:
    """Show, step by step, the arithmetic from Solna's IFO deviation in MSEK to kronor per inhabitant
    and öre of tax rate (C118)."""
    a = ch.tax_arithmetic(data_dir)
    arith = pd.DataFrame([
        (f"{abs(a['published_msek']):g} MSEK / population", f"{a['per_inhabitant_published']:,.0f} kr per inhabitant",
         f"population 31 Dec {a['population_year']}: {a['population']:,.0f}"),
        (f"population at which {abs(a['published_msek']):g} MSEK is exactly {a['printed_per_inhabitant']:,.0f} kr",
         f"{a['population_for_printed']:,.0f}", "'just over' needs fewer"),
        (f"IFO deviation {a['data_year']} / population", f"{a['per_inhabitant_data']:,.0f} kr per inhabitant",
         f"N30026 = {a['data_msek']:.1f} MSEK"),
        ("tax base (skattekraft × population)", f"{a['tax_base'] / 1e9:,.2f} bn kr",
         f"N00903 {a['skattekraft_year']}: {a['skattekraft']:,.0f} kr/inv × population 31 Dec {a['skattekraft_year']}"),
        ("revenue of 1 öre of tax rate", f"{a['sek_per_ore'] / 1e6:.2f} MSEK", "tax base / 10,000"),
        ("1 MSEK in tax rate", f"{a['ore_per_msek']:.2f} öre", ""),
        (f"{abs(a['published_msek']):g} MSEK in tax rate", f"{a['published_in_ore']:.0f} öre", ""),
        (f"{a['data_year']} deviation in tax rate", f"{a['data_in_ore']:.0f} öre", ""),
        ("Solna's 2023 tax increase", f"{a['increase_2023_ore']:.0f} öre ≈ {a['increase_2023_msek']:.0f} MSEK", "C079"),
    ], columns=["quantity", "value", "basis"])
    plotting.table(arith, "Table: the arithmetic behind C118 (latest data year of each input, as stated in the basis column)",
                   source=plotting.KOLADA_SOURCE + " SCB population 31 Dec 2023; Skatteverket tax rates.")


def printed_saving(by_id: dict) -> None:
    """Give the verdict on C118's printed saving in tax öre, with its note."""
    c3 = check(by_id, "C118", "The printed saving")
    display(Markdown(f"**{upper_first(c3.label.split(': ', 1)[1])}** ({c3.verdict}). {c3.note.split(' Rule:')[0]}"))


def comparison_unit(data_dir):
    """Say where Sundbyberg ranks among Solna's structural neighbours and which donors each synthetic
    Solna may use, and show the neighbours and the baseline balance. Returns the design."""
    d = ch.design(data_dir)
    rank, dist, n = d.sundbyberg_rank
    display(Markdown(
        f"Sundbyberg is Solna's **nearest neighbour** (rank {rank} of {n}, distance {dist:.2f}; rank "
        f"{d.sundbyberg_rank_mahalanobis[0]} with the Mahalanobis distance). It is kept out of the donor pool so "
        "that it can be compared with the synthetic Solna as an independent comparator. Donor pools: "
        + "; ".join(f"{kpi}: {ch.donor_text(kpi, data_dir)}" for kpi in ch.SYNTH_OUTCOMES) + "."
    ))
    plotting.table(ch.neighbours_table(data_dir), "Table: Solna's 20 nearest structural neighbours (Sundbyberg "
                   "excluded) and their weights in the synthetic comparisons", precision=3)
    plotting.table(ch.balance_table(data_dir), "Table: baseline covariates for Solna, Sundbyberg, the neighbours "
                   "and the covariate-weighted synthetic Solna", precision=2)
    return d


def synthetic_figures(data_dir) -> None:
    """Plot Solna against its synthetic comparisons (with Sundbyberg) and the in-space placebo test."""
    fig = ch.fig_synthetic(data_dir)
    plotting.show(fig, "Solna against a synthetic Solna built from its nearest structural neighbours ("
                  + "; ".join(f"{kpi}: {len(ch.synthetic(kpi, data_dir).weights)} donors" for kpi in ch.SYNTH_OUTCOMES)
                  + f", of the {ch.K_NEIGHBOURS} nearest, those with complete series): "
                  f"weights fitted on the log outcome up to {ch.PRE_END} (dashed; shaded = fitting period) or on "
                  "the baseline covariates (dotted), with Sundbyberg for comparison. Log scale.",
                  units="% of population (left); SEK per inhabitant, current prices (right); log scale")
    fig = ch.fig_placebo(data_dir)
    plotting.show(fig, "In-space placebo test: the gap between each unit and its synthetic comparison "
                  "(grey: donors treated as if they were Solna; blue: Solna), and the ratio of post- to pre-period "
                  "RMSPE with its permutation p-value.", units="log points (gap); ratio (RMSPE)")


def synthetic_summary(data_dir) -> None:
    """Give each synthetic comparison's result in words (last-year gap, fit, placebo p, departure,
    how Sundbyberg tracked Solna) and the comparison's computed caveats."""
    lines = []
    for kpi in ch.SYNTH_OUTCOMES:
        sy = ch.synthetic(kpi, data_dir)
        last = int(sy.panel.index.max())
        lines.append(
            f"- **{kpi}** ({S.LONG_SERIES[kpi][0]}): in {last} Solna {sy.panel.loc[last, S.SOLNA]:.2f} against a "
            f"synthetic {sy.synthetic.loc[last]:.2f} ({sy.gap_pct(last):+.0f} %) and Sundbyberg "
            f"{sy.sundbyberg.loc[last]:.2f}; pre-period RMSPE {sy.rmspe_pre:.3f} log points; placebo p = "
            f"{sy.placebo.p_value:.2f} (rank {sy.placebo.rank} of {len(sy.placebo.ratios)}); lasting departure (more "
            "than 2 pre-period RMSPE below) from " + (f"{sy.departure}." if sy.departure else "no year.")
            + f" Before {ch.PRE_END + 1} Sundbyberg itself tracked Solna with an RMSPE of {sy.sundbyberg_rmspe_pre:.3f} "
            f"log points, {sy.sundbyberg_rmspe_pre / sy.rmspe_pre:.1f} times the synthetic Solna's."
        )
    display(Markdown("\n".join(lines)))
    display(Markdown("**Caveats of the comparison (computed).**\n\n" + ch.synthetic_caveats(data_dir)))


def data_ends(data_dir) -> None:
    """Say where the series end (Kolada, SCB population, Skatteverket rates) and how claims about
    later years are judged."""
    ends = {k: int(S.series_of(k, S.SOLNA, data_dir).index.max()) for k in ("N30026", "N31001", "N31807")}
    pop_end = int(S.population_series(S.SOLNA, data_dir).index.max())
    rate_end = int(ch.tax_table(data_dir)["year"].max())
    display(Markdown(
        f"* **2023–2024.** The Kolada series used here end in {min(ends.values())}"
        + (f"–{max(ends.values())}" if max(ends.values()) != min(ends.values()) else "")
        + f" (population from SCB to {pop_end}, tax rates from Skatteverket to {rate_end}); every 2024 figure is "
        "compared with the latest year available and is at most *partly supported* (*not testable* when the series "
        "moves so much over the gap that the check could not fail). The checks re-run automatically "
        "when `make data` brings newer years."
    ))


def donor_pool(data_dir) -> None:
    """Show, per outcome, the synthetic Solna under every donor-pool variant (table) and their gaps (figure)."""
    for kpi in ch.SYNTH_OUTCOMES:
        plotting.table(ch.donor_pool_table(kpi, data_dir),
                       f"Synthetic Solna for {kpi} under every donor-pool variant, each with its own in-space placebo run: "
                       "one-sided p among the units fitted at least half as well (pre-RMSPE ≤ 2 × Solna's), p floor "
                       "(1 / units compared), MDE at 80 % power (log points; 'inf': too few comparison units to reach "
                       "the 5 % level) and the verdict under rules directional-test and power.", precision=3)
    plotting.show(ch.fig_donor_pool(data_dir),
                  "Solna's gap to its synthetic comparison under every donor-pool variant: each donor with positive "
                  "weight left out (grey), the declared pools and the ridge-augmented estimator (dashed), the main "
                  "comparison on the 20 nearest neighbours (blue).", "log points")
