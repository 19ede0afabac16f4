"""The page *Private providers and efficiency* (book/src/private-providers.md)."""

from __future__ import annotations

from IPython.display import Markdown, display

from analysis.chapters import private_providers as ch
from analysis.presentation import plotting
from analysis.presentation.pages import common

SOURCE = "Source: Kolada (RKA, SCB, SKR), snapshot of the open-numbers DDF dump (Aug 2024); own calculations."


def setup(data_dir):
    """Evaluate and record the chapter's claims and build its design (measures, regressions) once
    for all cells. Returns the results, the results keyed by claim id and the design."""
    results, by_id = common.evaluate_and_record(ch, data_dir)
    return results, by_id, ch.design(data_dir)


def verdicts(results) -> None:
    """Count the verdicts and show the verdict table."""
    display(Markdown(
        common.verdict_sentence(results)
        + " Every verdict is computed when the book is built from the checks below; each check states its rule."
    ))
    common.verdict_table(results, ch.CHAPTER, "Table: verdicts for the private-provider claims")


def purchases_text(D) -> None:
    """Say which purchase share the claims are tested with: the private-only share of the live cache
    when ``make data`` has fetched it, else N00803 and what that includes."""
    if D.private.available:
        text = (f"The live cache written by `make data` holds **N00119 + N00120** ({D.private.message}): "
                f"purchases from privately owned firms plus associations and foundations, the private-only share the "
                f"documents print. Every claim below uses it; N00803 is shown beside it.")
    else:
        text = ("**N00119/N00120** — purchases from privately owned firms, and from associations and foundations, as a "
                "share of the cost of the municipality's own commitment; their sum is the private-only share the "
                "documents print — **are not in the data snapshot. They are only available after `make data`** "
                "(the live Kolada refresh); this chapter then uses them automatically. Until then every claim below "
                "uses **N00803**, all purchased core activity, which *includes purchases from other municipalities, "
                "regions and federations* (for example a rescue service run by a federation of municipalities, or upper-secondary places in a neighbour's school).")
    display(Markdown(text))


def within_text(D) -> None:
    """Set the within-municipality slopes beside the cross-section ones and say why a relation that
    disappears within municipalities points to lasting differences, not to purchasing as the cause."""
    est = D.est
    cs_nka, w_nka = est[("nka", "controls")], est[("nka", "within")]
    sd_within = D.panel.groupby("municipality")["x_share"].std().median() * 10
    display(Markdown(
        f"For the cost-only measure the cross-section slope with controls is {cs_nka.coef:+.2f} "
        f"[{cs_nka.ci_low:+.2f}, {cs_nka.ci_high:+.2f}] but the within slope is {w_nka.coef:+.2f} "
        f"[{w_nka.ci_low:+.2f}, {w_nka.ci_high:+.2f}]; for RKA's composite the within slope is "
        f"{est[('rka', 'within')].coef:+.2f} [{est[('rka', 'within')].ci_low:+.2f}, {est[('rka', 'within')].ci_high:+.2f}]. "
        "The cross-section compares *different* municipalities and so includes everything that differs between high- and "
        "low-purchase municipalities and that the controls miss; the within estimate uses only changes, and the typical "
        f"municipality's share moves by about {sd_within:.1f} percentage points (median within-municipality SD) over "
        "the period, so its intervals are wide. A cross-section relation that disappears within municipalities points to "
        "lasting differences between municipalities — not to purchasing as the cause."
    ))


def confounding(D) -> None:
    """Show how the purchase share goes with structure and politics (table, figure, by governing bloc
    and by the chairing party): the confounders a cross-section cannot rule out."""
    plotting.table(ch.confounders_table(D), f"Table: rank correlation of the purchase share ({D.share}, mean "
                   "2019–2022) with structure and politics (95 % CI)", source=SOURCE, precision=2)
    fig = ch.fig_confounding(D)
    plotting.show(fig, "Purchase share against tax capacity (left) and the share of the years 1994–2018 with a "
                  "centre-right majority (right), by SKR main group; circled: the five municipalities named in "
                  "document 004.", units=f"% ({D.share}); kr per inhabitant; share of years", source=SOURCE)
    plotting.table(ch.bloc_table(D), "Table: mean purchase share by governing bloc in 2019 (95 % t interval)",
                   source="Source: Kolada N05829 (SKR), N00803; own calculations.")
    plotting.table(ch.chair_table(D), "Table: mean purchase share 2019–2022 by the party chairing the executive board "
                   "after the 2022 election (context: these majorities took office after the period; parties with one "
                   "municipality omitted)", source="Source: SKR, political rule after the 2022 election; Kolada; own "
                   "calculations.")


def iv_text(iv) -> None:
    """Read the instrumental-variable table (``ch.iv_table``) in words: the first stage, the 2SLS and
    Anderson–Rubin intervals, and why the exclusion restriction makes it no evidence of an effect."""
    ivr = iv.set_index("step")
    first_f = ivr["first-stage F"].dropna().iloc[0]
    first = ivr.iloc[0]
    direction = "a higher" if first["CI low"] > 0 else ("a lower" if first["CI high"] < 0 else "no clearly different")
    ar = ivr.iloc[3]
    ar_kind = iv.attrs.get("ar_kind", "interval")
    ar_text = (f"[{ar['CI low']:+.2f}, {ar['CI high']:+.2f}]" if ar_kind == "interval" else
               f"everything outside [{ar['CI low']:+.2f}, {ar['CI high']:+.2f}]" if ar_kind == "outside" else
               "the whole real line")
    display(Markdown(
        f"A long centre-right history goes with {direction} purchase share (first-stage F = {first_f:.1f}; "
        f"{'a weak instrument by the usual rule of thumb F < 10, so the Wald interval of 2SLS is unreliable' if first_f < 10 else 'above the rule-of-thumb 10'}). "
        f"The two-stage estimate is {ivr.iloc[2]['coef']:+.2f} SD per 10 pp with a Wald interval "
        f"[{ivr.iloc[2]['CI low']:+.2f}, {ivr.iloc[2]['CI high']:+.2f}]; the Anderson–Rubin 95 % set, which stays "
        f"valid however weak the instrument, is {ar_text}. Either way it is only as credible as the assumption that decades of "
        "centre-right rule changed efficiency *only* through purchasing — not through budgets, management, taxes or "
        "who moved in. That assumption cannot be checked with these data, so the estimate is not evidence of an effect."
    ))


def dea_cost_only(D) -> None:
    """How closely each own DEA score follows its cost input (rule cost-only), computed; and what
    that does to the verdicts."""
    from analysis.rules import rulebook as RB

    dep = D.cost_dependence
    mean_col = [c for c in dep.columns if c.startswith("rho with 1/cost, means")][0]
    parts = []
    for key, row in dep.set_index("DEA").iterrows():
        parts.append(
            f"the {ch.SHORT[key]} score ranks municipalities as 1/cost (input {row['cost input']}) with a "
            f"Spearman correlation of **{row[mean_col]:.3f}** on the 2019–2022 means "
            f"({row['rho with 1/cost, lowest year']:.3f}–{row['rho with 1/cost, highest year']:.3f} year by year), and "
            f"{100 * row['score = min(cost)/cost (share of municipality-years)']:.0f} % of its municipality-years score "
            "exactly min(cost)/cost — the output played no part in them")
    cost_only = [ch.SHORT[m] for m in D.cost_only]
    display(Markdown(
        "**Cost only, in effect.** With one input and one output, "
        + "; ".join(parts) + ". "
        + (f"By the rulebook's rule *cost-only* (a score whose rank correlation with 1/cost is at least "
           f"{RB.COST_ONLY_RHO:g} measures cost alone) {' and '.join(cost_only)} "
           f"{'are' if len(cost_only) > 1 else 'is'} labelled **cost only**: shown below as context, but neither a "
           "robustness measure nor a stability alternative for the claims, which are about efficiency (cost against "
           "results). The book's cost-only robustness measure is the net cost deviation, which at least compares cost "
           "with the cost the municipality's structure predicts; the DEA compares raw cost per pupil or per "
           "inhabitant aged 80+, which mostly reflects settlement structure." if cost_only else
           "No DEA score passes the rule *cost-only*'s threshold, so both stay robustness measures.")
    ))
    plotting.table(dep.drop(columns=["label"]).rename(columns={"cost input": "cost input (KPI)"}),
                   "Table: how closely each own DEA score follows its cost input alone (Spearman rank correlation "
                   "with 1/cost; share of municipality-years scored exactly min(cost)/cost)", source=SOURCE,
                   precision=3)


def quality_floor(D) -> None:
    """What U20404 = 0 is (Kolada's definition and the distribution) and how the DEA treats it."""
    from analysis.methods import efficiency as E
    from analysis.sources import kpi_metadata as M

    fl = E.quality_floor("U20404", D.root)
    text = M.definition("U20404")
    quote = [s.strip() for s in text.split(".") if "percentil 2,5" in s]
    display(Markdown(
        f"**U20404 = 0 is a floor, not a zero.** The elderly-care quality index is exactly 0 in "
        f"**{int(fl['at 0'].sum())}** municipality-years {int(fl['year'].min())}–{int(fl['year'].max())} "
        f"({int(fl['at 0'].min())}–{int(fl['at 0'].max())} a year, {fl['share at 0 (%)'].mean():.1f} % of those with a "
        f"value) and exactly 100 in {int(fl['at 100'].sum())}. Kolada's definition explains the symmetry: "
        + (f"“{quote[0]}.” " if quote else "")
        + "A 0 therefore means *below the 2.5th percentile*, its true level unknown; it is neither missing data coded "
          "as zero nor a measured absence of quality. As a DEA output, though, 0 would read as 'no quality at all', and "
          "a cheap municipality at 0 would anchor the frontier for every low-quality municipality, so the elderly-care "
          "DEA treats these municipality-years as **missing** (no score). RKA's own indices and the quality composite "
          "keep the 0, where it only ranks a municipality last."
    ))
    plotting.table(fl, "Table: U20404 (quality index, elderly care) — municipalities with a value, at the floor (0) "
                   "and at the ceiling (100) per year", source=SOURCE, precision=1)


def units_note(D) -> None:
    """The SD of each score's 2019–2022 mean before the book's last standardisation (computed)."""
    from analysis.methods import efficiency_groups as eg

    sd = {m: D.sd_raw[m] for m in ("rka", "nka", "dea_school", "dea_elderly")}
    display(Markdown(
        f"Before that step the SDs across municipalities of the 2019–2022 means are: RKA composite "
        f"{sd['rka']:.2f} (z-score units), net cost deviation {sd['nka']:.2f} (z-score units), DEA compulsory school "
        f"{sd['dea_school']:.3f} and DEA elderly care {sd['dea_elderly']:.3f} (θ units). A slope per unit of the "
        f"composite would therefore be {1 / sd['rka']:.1f} times a slope per {eg.SD_SHORT}: the unit is named in every "
        "label below."
    ))
