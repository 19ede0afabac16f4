"""private-providers: figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ...methods import efficiency as E
from ...methods import efficiency_groups as eg
from ...methods import regressions as R
from .design import SCALE, Design, latest_shares, share_year
from .tables import figure34_table


# ------------------------------------------------------------------ figures
def fig_coverage(d: Design):
    """Municipalities with a value per year for each measure."""
    p = E.efficiency_panel(d.root)
    fig, ax = plt.subplots(figsize=(8.5, 4))
    cols = ["U11901", "U15900", "U17900", "U20900", "N00097", "dea_school", "dea_elderly"]
    counts = p[p["year"] >= 2010].groupby("year")[cols].count()
    for c in cols:
        ax.plot(counts.index, counts[c], marker="o", ms=3, label=E.MEASURES.get(c, c) if c != "N00097"
                else "Net cost deviation N00097")
    pur = d.panel.groupby("year")[d.share].count()
    ax.plot(pur.index, pur, color="black", ls="--", label=f"purchase share ({d.share})")
    ax.set_ylim(0, 300)
    ax.set_ylabel("municipalities with a value")
    ax.legend(fontsize=9, ncol=2, loc="lower left")
    return fig


def fig_measure_correlations(d: Design):
    """Rank correlations between the efficiency, quality and cost measures (cross-section)."""
    import seaborn as sns

    cols = ["rka", "U11901", "U15900", "U17900", "U20900", "U15401", "U20404", "dea_school", "dea_elderly", "nka"]
    corr = d.cs[cols].corr(method="spearman")
    fig, ax = plt.subplots(figsize=(7.5, 6))
    sns.heatmap(corr, vmin=-1, vmax=1, cmap="RdBu_r", annot=True, fmt=".2f", annot_kws={"size": 7}, ax=ax,
                cbar_kws={"label": "Spearman rho"})
    ax.tick_params(labelsize=8)
    return fig


def fig_dea_vs_rka(d: Design):
    """Own DEA scores against RKA's efficiency index, per sector (cross-section means)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, (dea, rka) in zip(axes, [("dea_school", "U15900"), ("dea_elderly", "U20900")]):
        sub = d.cs[[dea, rka, "name"]].dropna()
        ax.scatter(sub[rka], sub[dea], s=12, alpha=0.6, color="#1b6ca8")
        top = sub.loc[sub.index.intersection(d.top_five)]
        ax.scatter(top[rka], top[dea], s=30, color="#d1495b", label="named top five")
        for _, r in top.iterrows():
            ax.annotate(r["name"], (r[rka], r[dea]), fontsize=9, xytext=(3, 3), textcoords="offset points")
        rho = eg.spearman(sub[dea], sub[rka])["rho"]
        ax.set_title(f"{E.MEASURES[dea].split(' (')[0]} (rho = {rho:.2f})", fontsize=10)
        ax.set_xlabel("RKA's efficiency index (0–100)")
        ax.set_ylabel("own DEA score (cost only; 1 = cheapest\nfor the result)")
        ax.legend(fontsize=9)
    return fig


def fig_extremes(d: Design, year: int | None = None):
    """Figures 3 and 4 re-drawn: the named top five and the bottom five by each measure,
    beside the national distribution of the same share in the same year (latest by default)."""
    tab = figure34_table(d, year)
    shares = latest_shares(d, year)
    col = d.share if d.share == "private" else "N00803"
    groups = list(dict.fromkeys(tab["group"]))
    fig, (ax, axd) = plt.subplots(1, 2, figsize=(11, 6), gridspec_kw={"width_ratios": [3, 1.2]}, sharey=False)
    ypos, labels, colours = [], [], []
    y = 0
    palette = ["#d1495b", "#1b6ca8", "#2a9d8f", "#e9a03b", "#7a5195"]
    for gi, g in enumerate(groups):
        part = tab[tab["group"] == g]
        for _, r in part.iterrows():
            ypos.append(y)
            labels.append(f"{r['municipality']}")
            colours.append(palette[gi % len(palette)])
            y += 1
        y += 0.8
    ax.barh(ypos, tab["share (%)"], color=colours)
    ax.set_yticks(ypos, labels, fontsize=9)
    ax.invert_yaxis()
    ax.axvline(10, color="black", ls=":", lw=1)
    ax.axvline(shares[col].median(), color="grey", ls="--", lw=1)
    ax.set_xlabel(f"purchase share {col}, {share_year(d, year)} (%)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=palette[i % len(palette)]) for i in range(len(groups))]
    ax.legend(handles, groups, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    axd.hist(shares[col].dropna(), bins=30, orientation="horizontal", color="#8d99ae")
    axd.axhline(10, color="black", ls=":", lw=1)
    axd.axhline(shares[col].median(), color="grey", ls="--", lw=1)
    axd.set_ylabel("purchase share (%)")
    axd.set_xlabel("municipalities")
    axd.set_title(f"all {int(shares[col].notna().sum())}", fontsize=10)
    return fig


def fig_deciles(d: Design):
    """Mean purchase share by decile of each efficiency measure."""
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.6), sharey=True)
    for ax, m in zip(axes, E.EFFICIENCY_MEASURES):
        t = E.share_by_decile(d.cs, m, d.share)
        ax.errorbar(t["decile"], t["mean share"], yerr=[t["mean share"] - t["CI low"], t["CI high"] - t["mean share"]],
                    fmt="o-", ms=4, color="#1b6ca8", capsize=2)
        ax.axhline(d.cs[d.share].mean(), color="grey", ls="--", lw=1)
        ax.set_title(E.MEASURES[m].split(" (")[0].replace("RKA efficiency composite", "RKA composite"), fontsize=9)
        ax.set_xlabel("decile (10 = most efficient)")
        ax.set_xticks(range(1, 11))
    axes[0].set_ylabel(f"mean {d.share} share (%), 2019–2022")
    return fig


def fig_binscatter(d: Design, measures=("rka", "nka")):
    """Binned scatter of efficiency on purchase share: raw, and residualised on the controls."""
    fig, axes = plt.subplots(1, len(measures), figsize=(10, 4), squeeze=False)
    for ax, m in zip(axes[0], measures):
        for label, ctl, cat, colour in (("no controls", [], [], "#1b6ca8"),
                                        ("with structural controls", E.STRUCTURE, ["skr_group"], "#d1495b")):
            b = R.binned_scatter(d.cs, f"y_{m}", d.share, 20, ctl, cat)
            ax.errorbar(b["x"], b["y"], yerr=[b["y"] - b["lo"], b["hi"] - b["y"]], fmt="o", ms=4, color=colour,
                        alpha=0.85, capsize=1.5, label=label)
            e = R.ols(d.cs.assign(_x=d.cs[d.share]), f"y_{m}", "_x", ctl, cat)
            xs = np.linspace(b["x"].min(), b["x"].max(), 10)
            ax.plot(xs, b["y"].mean() + e.coef * (xs - b["x"].mean()), color=colour, lw=1)
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(E.MEASURES[m], fontsize=9)
        ax.set_xlabel(f"purchase share {d.share} (%), mean 2019–2022")
        ax.set_ylabel("efficiency (SD, higher = more efficient)")
        ax.legend(fontsize=9)
    return fig


def fig_coefficients(grid: pd.DataFrame):
    """Coefficient plot: purchase-share coefficient per outcome and specification."""
    specs = list(dict.fromkeys(grid["spec"]))
    measures = list(dict.fromkeys(grid["measure"]))
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(measures) * 1.6 + 1))
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(specs)))
    step = 0.8 / len(specs)
    for i, spec in enumerate(specs):
        g = grid[grid["spec"] == spec].set_index("measure").loc[measures]
        y = np.arange(len(measures)) + i * step
        ax.errorbar(g["coef"], y, xerr=[g["coef"] - g["CI low"], g["CI high"] - g["coef"]], fmt="o", ms=3.5,
                    color=colours[i], capsize=1.5, label=spec, lw=1)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(np.arange(len(measures)) + 0.4 - step / 2,
                  [E.MEASURES[m] for m in measures], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(SCALE)
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.35, -0.06), ncol=3, frameon=False)
    return fig


def fig_sectors(tab: pd.DataFrame):
    """Sector purchase share vs sector efficiency: coefficients per sector and specification."""
    tab = tab.assign(row=tab["sector"] + " — " + tab["measure"])
    rows = list(dict.fromkeys(tab["row"]))
    specs = list(dict.fromkeys(tab["spec"]))
    fig, ax = plt.subplots(figsize=(8.5, 0.5 * len(rows) + 1.5))
    colours = ["#1b6ca8", "#d1495b", "#2a9d8f"]
    step = 0.25
    for i, spec in enumerate(specs):
        g = tab[tab["spec"] == spec].set_index("row").loc[rows]
        y = np.arange(len(rows)) + i * step
        ax.errorbar(g["coef"], y, xerr=[g["coef"] - g["CI low"], g["CI high"] - g["coef"]], fmt="o", ms=4,
                    color=colours[i], capsize=1.5, label=spec)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(np.arange(len(rows)) + step, rows, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("SD of the sector's efficiency per 10 pp of the sector's purchase share")
    ax.legend(fontsize=9)
    return fig


def fig_confounding(d: Design):
    """Purchase share against tax capacity and against the history of centre-right rule."""
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.2), sharey=True)
    groups = d.cs["skr_group"].str[0].map({"A": "A: big cities and commuter municipalities near them",
                                           "B": "B: large towns and commuter municipalities near them",
                                           "C": "C: smaller towns and rural municipalities"})
    colours = {"A": "#d1495b", "B": "#1b6ca8", "C": "#2a9d8f"}
    for ax, (col, xlabel) in zip(axes, [("tax_capacity", "tax capacity, kr per inhabitant (mean 2019–2022)"),
                                        ("centre_right_history", "share of years 1994–2018 with a centre-right "
                                                                 "majority")]):
        for g, part in d.cs.groupby(groups):
            ax.scatter(part[col], part[d.share], s=10, alpha=0.6, color=colours[g[0]], label=g)
        top = d.cs.loc[d.top_five]
        ax.scatter(top[col], top[d.share], s=40, facecolors="none", edgecolors="black", label="named top five")
        ax.set_xlabel(xlabel)
    axes[0].set_ylabel(f"purchase share {d.share} (%), mean 2019–2022")
    axes[0].legend(fontsize=9)
    return fig
