"""The page *The printed tables and the other numbers* (book/src/printed-tables.md)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from analysis.chapters import printed_tables as ch
from analysis.methods import efficiency_groups as E
from analysis.presentation import plotting
from analysis.presentation.pages import common
from analysis.rules import claims
from analysis.sources import sector as S
from analysis.sources import seed_tables as P
from analysis.sources import taxes
from analysis.sources.municipalities import municipalities

TAX_SOURCE = taxes.TOTAL_SOURCE
SD_UNIT = E.SD_UNIT  # the book's one unit for an efficiency score
MIN_CI_N = 5  # fewer municipalities in a group than this: no confidence interval is drawn


def setup(data_dir):
    """Evaluate and record the chapter's claims and check the printed tax tables once for all cells.

    Returns the results, the results keyed by claim id and the tax-table check (``ch.tax_check``).
    """
    results, by_id = common.evaluate_and_record(ch, data_dir)
    return results, by_id, ch.tax_check(data_dir)


def say(by_id: dict, *ids: str) -> str:
    """The chapter's verdict summaries for some claims, as a Markdown list."""
    return "\n".join(f"- **{i}** ({by_id[i].verdict}): {by_id[i].summary}" for i in ids)


def verdicts(results) -> None:
    """Count the verdicts, state the two rules most of this chapter's verdicts turn on (year-mismatch,
    primary-checks) and show the verdict table."""
    display(Markdown(
        common.verdict_sentence(results)
        + " Every verdict is computed when the book is built; each check's note names its rule. "
        "A check whose data are from another year than the claim follows rule *year-mismatch*: a match is at most "
        "*partly supported* (consistent, not verified for the claimed year), and a mismatch with data older than the "
        "claimed year is *not testable* (the claimed change may have come later; the value found is given as context). "
        "The tax rates are covered to 2026 by the rate files. A claim with a primary part that cannot be tested is at "
        "most *partly supported* (rule *primary-checks*)."
    ))
    common.verdict_table(results, ch.CHAPTER, "Table: verdicts for the printed tables and the other numeric claims")


def _is_swap(bt: pd.DataFrame) -> pd.Series:
    return bt["reading"].str.startswith("municipal rates moved together")


def backtest(data_dir):
    """Say how well the derived municipal rate reproduces Kolada's where both exist, and show where
    it misses: the evidence that the derivation after 2022 can be trusted.

    Returns the misses, the number of exact municipality-years, the number compared and which
    misses are tax swaps (for the chapter's closing caveats).
    """
    bt, exact, compared = ch.backtest_summary(data_dir)
    is_swap = _is_swap(bt)
    incons = taxes.within_county_consistency(data_dir)
    nordin = taxes.nordin_agreement(data_dir)
    a = taxes.anchor_year(data_dir)
    display(Markdown(
        f"Within each county, *total − N00901* takes one value in all but **{len(incons)}** of the "
        f"{incons.attrs['checked']} municipality-years where both exist "
        f"({', '.join(f'{r.name} {r.year}' for r in incons.itertuples()) or 'none'}), so the regional rate is "
        f"indeed common to a county. Kolada's N00901 agrees with the SCB-based municipal rate in Nordin's panel "
        f"in **{int(nordin['agrees'].sum())} of {len(nordin)}** municipality-years. Run forward from "
        f"{int(taxes.load_total_rates(data_dir)['year'].min())} to {a}, the derivation reproduces N00901 exactly "
        f"in **{exact} of {compared}** municipality-years. Of the {len(bt)} county-years with misses below, "
        f"**{int(is_swap.sum())}** are tax swaps — the municipal rates moved together while the totals did not "
        "follow — the blind spot described above; the other "
        f"{int((~is_swap).sum())} ({', '.join(f'{r.county} {r.year}' for r in bt[~is_swap].itertuples()) or 'none'}) "
        "are single municipalities whose change the two sources put in different years."
    ))
    plotting.table(bt, "Table: where the derivation misses Kolada's municipal rate (backtest, first year of each miss)",
                   source=TAX_SOURCE, precision=2)
    return bt, exact, compared, is_swap


def row_by_row(tc) -> None:
    """Say how many printed rows agree with the data, and show with Hylte that the year labels are right."""
    rows = tc.rows
    n2, n3 = (rows["table"] == "Tabell 2").sum(), (rows["table"] == "Tabell 3").sum()
    st = rows.groupby(["table", "status"]).size()
    hylte = tc.comparison[(tc.comparison["name"] == "Hylte")].set_index("year")
    display(Markdown(
        f"Each printed rate is compared with N00901 for 2022 and with the derived municipal rate for 2023–2025. "
        f"In Tabell 2, **{st.get(('Tabell 2', 'agrees'), 0)} of {n2}** rows agree in every year; in Tabell 3, "
        f"**{st.get(('Tabell 3', 'agrees'), 0)} of {n3}**, and **{st.get(('Tabell 3', 'tax swap'), 0)}** more are "
        "explained by a tax swap (below). The year labels are right: Hylte's total rate is "
        f"{hylte.loc[2023, 'total']:.2f} in 2023 and {hylte.loc[2024, 'total']:.2f} in 2024, so its step from "
        f"{hylte.loc[2023, 'printed']:.2f} to {hylte.loc[2024, 'printed']:.2f} took effect in 2024, where the table "
        "puts it. The columns are the rates in force in each income year (decided the autumn before)."
    ))


def arithmetic(tc) -> None:
    """Redo the printed tables' arithmetic (changes, directions, column sums) and say what a sum of
    percentage points of different municipalities does not mean."""
    t2 = P.table_total(tc.tables[tc.tables["kind"] == "increases"])
    t3 = P.table_total(tc.tables[tc.tables["kind"] == "decreases"])
    ra = tc.arithmetic
    display(Markdown(
        f"Every printed change equals 2025 minus 2022 ({int(ra['arithmetic ok'].sum())} of {len(ra)} rows), and every "
        f"row moves in one direction only ({int(ra['one direction'].sum())} of {len(ra)}). The change column of "
        f"Tabell 2 sums to **{t2['printed sum']:.2f}** (printed: {claims.published('C078', 'total').value:.2f}) and "
        f"that of Tabell 3 to **{t3['printed sum']:.2f}** (printed: {claims.published('C081', 'total').value:.2f}). "
        "Such a sum adds percentage points of different municipalities with no regard to their size; it says little "
        "about the tax paid. Of the year-to-year steps in the printed rows, "
        + ", ".join(f"{n} fall in {y}" for y, n in ra["years changed"].explode().value_counts().sort_index().items())
        + "."
    ))


def what_the_rows_record(tc, data_dir) -> None:
    """Say which 'cuts' are tax swaps and how often the total rate the taxpayer pays moved the other
    way: the printed tables show municipal rates, not the tax paid."""
    rows = tc.rows
    n3 = (rows["table"] == "Tabell 3").sum()
    county_name = municipalities(data_dir).drop_duplicates("county_code").set_index("county_code")["county"]
    swaps = rows[rows["status"] == "tax swap"]
    burden = tc.burden
    rel = burden.groupby(["table", "relation"]).size()
    if len(swaps):
        display(Markdown(
            f"**Tax swaps, not cuts.** {len(swaps)} rows of Tabell 3 — every municipality of "
            f"{', '.join(sorted(county_name[c] for c in set(swaps['county'])))} — "
            "show the same small cut. Their totals did not fall: for every one of them, total minus printed rate "
            "gives one and the same regional rate, a little above the one the totals imply. That is the signature "
            "of a tax swap: the municipalities handed part of their rate to the region, and the taxpayer pays the "
            f"same. {swaps['note'].iloc[0]}"
        ))
    display(Markdown(
        "**Municipal rates, not the tax paid.** Both tables show the municipal part only. Regions raised their rates "
        f"in the same years, so in Tabell 3 the total rate fell in only **{rel.get(('Tabell 3', 'same direction'), 0)}** "
        f"of {n3} 'tax cut' municipalities, was unchanged in {rel.get(('Tabell 3', 'total unchanged'), 0)} and rose in "
        f"**{rel.get(('Tabell 3', 'total moved the other way'), 0)}** (Figure 1)."
    ))


def burden_figure(tc) -> None:
    """Plot the printed change of the municipal rate against the change of the total rate, every
    printed row one point, marking rows that overlap."""
    burden = tc.burden
    fig, ax = plt.subplots(figsize=(7.5, 5))
    colours = {"same direction": "#2a9d8f", "total moved the other way": "#d1495b", "total unchanged": "#e9a03b"}
    for relation, part in burden.groupby("relation"):
        ax.scatter(part["municipal change (printed)"], part["total change (data)"], s=36, alpha=0.8,
                   color=colours.get(relation, "#888888"), label=relation)
    lim = [min(burden["municipal change (printed)"].min(), burden["total change (data)"].min()) - 0.1,
           max(burden["municipal change (printed)"].max(), burden["total change (data)"].max()) + 0.1]
    stacked = burden.groupby(["municipal change (printed)", "total change (data)"]).size()
    for (x_, y_), k in stacked[stacked > 1].items():
        ax.annotate(f"×{k}", (x_, y_), xytext=(5, 4), textcoords="offset points", fontsize=8, color="#333333")
    ax.plot(lim, lim, color="#999999", lw=0.8, ls="--", label="total = municipal change")
    ax.axhline(0, color="#444444", lw=0.6)
    ax.axvline(0, color="#444444", lw=0.6)
    ax.set_xlabel("municipal rate 2025 − 2022, as printed")
    ax.set_ylabel("total rate 2025 − 2022 (Skatteverket)")
    ax.legend(fontsize=8, loc="upper left")
    plotting.show(fig, "The printed change of the municipal rate against the change of the total rate the taxpayer "
                  f"pays, for the {len(burden)} printed rows (Tabell 2 to the right of zero, Tabell 3 to the left). "
                  f"Rows with the same pair of changes overlap; '×k' marks points shared by k rows "
                  f"({int(stacked[stacked > 1].sum())} rows in {int((stacked > 1).sum())} such points).",
                  units="percentage points (kronor per 100 kronor of taxable income)", source=TAX_SOURCE)


def price_index(by_id: dict) -> None:
    """Redo Tabell 1's weighting (components times printed weights against the printed total) and
    give the verdict on C073."""
    pi = P.price_index_check(P.price_index())
    plotting.table(pi.reset_index(), "Table: Tabell 1's components weighted by its printed weights against its printed "
                   "total (annual change, %)", source=P.SEED_SOURCE, precision=3)
    display(Markdown(
        "Each printed total is the weighted sum of the two printed components, rounded to one decimal "
        f"(largest difference {pi['difference'].abs().max():.3f}). SKR's own series is not in the snapshot, so the "
        "components themselves are taken as printed.\n\n" + say(by_id, "C073")
    ))


def savings(by_id: dict, data_dir) -> None:
    """Put the efficiency potential of 2019 and 2023 in the same kronor (prices and population) and
    give the verdicts on the savings claims."""
    p19, p23 = claims.published("C071", "potential_2019"), claims.published("C071", "potential_2023")
    avg = claims.published("C071", "price_2018_2021")
    display(Markdown(
        f"Document 003 reads a rise of Svenskt Näringsliv's efficiency potential from {p19.value:g} billion kronor "
        f"({p19.year}) to {p23.value:g} billion ({p23.year}) as falling efficiency. Kronor of {p19.year} and "
        f"{p23.year} are not the same kronor: the document itself prints the price change of municipal activity "
        f"({avg.value:g} % a year on average in 2018–2021, Tabell 1 for 2022–2024), and the population grew. "
        f"The years {p19.year + 1}–2021 are deflated with the average, 2022 and 2023 with Tabell 1."
    ))

    sv = ch.savings_table(data_dir)
    plotting.table(sv, "Table: the efficiency potential in nominal kronor, in 2019 prices and per inhabitant in 2019 "
                   "prices", source="Source: documents 003 and 004 as printed; SKR price index as printed in 003; "
                   "population Kolada N01951 (2019) and SCB (2023).", precision=1)
    display(Markdown(say(by_id, "C069", "C070", "C071", "C159", "C161")))


def efficiency_by_group(data_dir) -> pd.DataFrame:
    """Plot mean efficiency by SKR group and for rural Norrland on both stand-in measures, with
    confidence intervals where a group is large enough: document 004's picture of who is efficient.

    Returns the efficiency scores (for the figure of what goes with them).
    """
    sc = ch.scores(data_dir)
    frames = []
    for m, label in E.MEASURES.items():
        g = E.group_means(sc, m)
        nr = E.t_interval(sc.loc[sc["north rural"], m])
        g = pd.concat([g, pd.DataFrame([{"group": "N", "name": E.NORTH_RURAL, "municipalities": nr[3], "mean": nr[0],
                                          "CI low": nr[1], "CI high": nr[2], "rank": np.nan}])], ignore_index=True)
        frames.append(g.assign(measure=label))
    gm = pd.concat(frames)
    few = sorted(set(gm.loc[gm["municipalities"] < MIN_CI_N, "name"]))
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
    order = gm[gm["measure"] == E.MEASURES["nka"]].sort_values("mean", ascending=False)["name"].tolist()
    for ax, (label, part) in zip(axes, gm.groupby("measure", sort=False)):
        part = part.set_index("name").loc[order].reset_index()
        y = np.arange(len(part))
        err = np.vstack([part["mean"] - part["CI low"], part["CI high"] - part["mean"]])
        err[:, (part["municipalities"] < MIN_CI_N).to_numpy()] = np.nan  # too few values for a meaningful interval
        colour = ["#d1495b" if n == E.NORTH_RURAL else ("#1b6ca8" if g_ == "A2" else "#8d99ae")
                  for n, g_ in zip(part["name"], part["group"])]
        ax.barh(y, part["mean"], color=colour, alpha=0.85)
        ax.errorbar(part["mean"], y, xerr=np.nan_to_num(err), fmt="none", ecolor="#333333", lw=1)
        ax.set_yticks(y, [f"{g_} {n} ({k})" for g_, n, k in zip(part["group"], part["name"], part["municipalities"])],
                      fontsize=8)
        ax.axvline(0, color="#444444", lw=0.6)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel(f"mean score, {E.SD_SHORT} (higher = more efficient)")
    axes[0].invert_yaxis()
    plotting.show(fig, "Efficiency by SKR municipality group (2017) and for rural municipalities in Norrland, mean "
                  f"2019–2022 with 95 % confidence intervals; no interval is drawn for groups with fewer than {MIN_CI_N} "
                  f"municipalities ({', '.join(few) or 'none'}), too few for a meaningful interval.",
                  units=E.SD_UNIT,
                  source="Source: Kolada (RKA) U15900, U17900, U20900, U11901, N00097; SKR kommungruppsindelning 2017; "
                         "own calculations.")
    display(Markdown(
        f"The unit is one {E.SD_UNIT}. Before that last standardisation the RKA composite (a mean of per-year "
        f"z-scores) has an SD of {sc['rka (mean z)'].std():.2f} and the net-cost score one of "
        f"{sc['nka (mean z)'].std():.2f}; a slope per unit of the raw composite would be "
        f"{1 / sc['rka (mean z)'].std():.1f} times the slope per SD reported here."
    ))
    return sc


def tax_solidity_politics(sc: pd.DataFrame, by_id: dict, data_dir) -> None:
    """Plot tax rate, solidity and political costs against the net-cost score, give the verdicts on
    those associations and say why they are not effects."""
    out = ch.outcome_means(data_dir)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    n_used = []
    for ax, kpi in zip(axes, ["N00901", "N03002", "N05010"]):
        d = pd.concat([sc["nka"], out[kpi]], axis=1).dropna()
        n_used.append(len(d))
        sns.regplot(x=d["nka"], y=d[kpi], ax=ax, scatter_kws={"s": 10, "alpha": 0.5, "color": "#1b6ca8"},
                    line_kws={"color": "#d1495b", "lw": 1.5})
        ax.set_xlabel("net-cost score (higher = cheaper than structure predicts)", fontsize=8)
        ax.set_ylabel(ch.OUTCOMES[kpi], fontsize=8)
    plotting.show(fig, "Municipal tax rate, solidity and cost of political activity against the net-cost efficiency "
                  f"score, means 2019–2022, with OLS lines and 95 % bands; municipalities with both values: "
                  f"{', '.join(str(v) for v in n_used)} (the tax rate leaves out Gotland, whose rate includes the "
                  "regional part).",
                  units=f"per cent, per cent and kronor per inhabitant against the score in {E.SD_UNIT}",
                  source="Source: Kolada N00097, N00901, N03002, N05010; own calculations.")
    display(Markdown(say(by_id, "C170", "C088", "C145", "C112") + "\n\nThese are associations between "
        "municipalities, not effects: a municipality that spends more than its structure predicts must finance it, "
        "so its tax rate is higher almost by arithmetic, and size and group drive both political costs and measured "
        "efficiency."
    ))


def finances(by_id: dict, data_dir) -> None:
    """Plot the general grants' share of revenue and the municipalities' combined result, and give
    the verdicts on the claims about municipal finances."""
    gs = S.grants_share(data_dir)
    res = S.national_total("N03007", data_dir)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(gs.index, gs["share (%)"], marker="o", ms=3, color="#1b6ca8")
    axes[0].set_ylabel("general grants, % of revenue")
    axes[0].set_title("General state grants and equalisation", fontsize=10)
    axes[1].bar(res.index, res.values, color=["#2a9d8f" if v > 0 else "#d1495b" for v in res.values])
    axes[1].set_ylabel("SEK bn (current prices)")
    axes[1].set_title("Municipalities' combined result", fontsize=10)
    for ax in axes:
        ax.set_xlabel("year")
    plotting.show(fig, "General state grants and equalisation as a share of the municipalities' revenue (tax, grants "
                  "and operating revenue), and the municipalities' combined result (regions not included).",
                  units="per cent; SEK billion, current prices",
                  source="Source: Kolada N03007, N03009, N03010, N03011, N03013, N01951; own calculations.")
    display(Markdown(say(by_id, "C015", "C019", "C163", "C038", "C092", "C164")))
