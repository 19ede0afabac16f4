"""solna-sundbyberg: tables and figures for the chapter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...methods import solna as S
from ...rules import claims
from ...sources import catalogue
from ...sources.kolada import RIKET
from ...sources.municipalities import municipalities, names
from ...style import PALETTE, draw_variant_gaps, legend_panel
from .design import ASSISTANCE_KPIS, LEVEL_TOL, PRE_END, SYNTH_OUTCOMES, _drift, _gap_years, _name, design, synthetic

# ------------------------------------------------------------------ tables and figures for the chapter
PRINTED_ASSISTANCE = (("C120", "cost_1998", S.SOLNA), ("C120", "cost_2018", S.SOLNA),
                      ("C121", "solna_2024", S.SOLNA), ("C121", "riket_2024", RIKET))
MEASURE_NAMES = {"N31001": "gross cost (N31001)", "N31004": "paid-out assistance (N31004)",
                 "N31008": "net cost (N31008)"}


def measures_table(data_dir=None) -> pd.DataFrame:
    """For each printed assistance figure: the three measures in the claimed (or latest) year,
    the closest one and whether it matches within the check's tolerance."""
    rows = []
    for cid, key, code in PRINTED_ASSISTANCE:
        pub = claims.published(cid, key)
        cand = S.candidate_values(ASSISTANCE_KPIS, code, pub.year, data_dir)
        values = dict(zip(cand["kpi"], cand["value"]))
        best, _, rel = S.closest_kpi(values, float(pub.value))
        kpi = best
        gap = _gap_years(pub.year, int(cand.loc[cand["kpi"] == kpi, "year"].iloc[0]))
        tol, _ = _drift(S.series_of(kpi, code, data_dir), gap, LEVEL_TOL, kpi)
        within = abs(values[kpi] - float(pub.value)) <= tol.limit(float(pub.value))
        rows.append({"claim": cid, "printed": f"{pub.value} ({pub.year})", "where": _name(code, data_dir),
                     "data year": int(cand["year"].max()), **{k: round(v, 1) for k, v in values.items()},
                     "closest": best, "difference": f"{rel:+.1%}", "within tolerance": "yes" if within else "no"})
    return pd.DataFrame(rows)


def measures_sentence(data_dir=None) -> str:
    """Which measure each printed figure is closest to, built from :func:`measures_table`."""
    m = measures_table(data_dir)
    parts = []
    for r in m.to_dict("records"):
        txt = f"{r['where']} {r['printed']} → {MEASURE_NAMES[r['closest']]}, {r['difference']}"
        if r["within tolerance"] == "no":
            txt += ", outside the tolerance, so it matches none of the three measures"
        parts.append(txt)
    solna = m[m["claim"] == "C120"]
    text = "The closest measure differs between the printed figures: " + "; ".join(parts) + "."
    if solna["closest"].nunique() > 1:
        text += (f" The printed {' → '.join(solna['printed'])} series for Solna thus sets "
                 f"{' against '.join(MEASURE_NAMES[k] for k in solna['closest'])}: different measures, so the fall it "
                 "shows is not the fall of any one measure.")
    return text


def tax_table(data_dir=None) -> pd.DataFrame:
    """Total, regional and municipal tax rate by year for Solna and Sundbyberg."""
    frames = []
    for code in (S.SOLNA, S.SUNDBYBERG):
        r = S.derived_municipal_rates(code, data_dir)
        frames.append(r.assign(municipality=_name(code, data_dir)))
    out = pd.concat(frames, ignore_index=True)
    return out[["municipality", "year", "total", "region", "municipal (derived)", "municipal (Kolada N00901)",
                "agreeing share"]]


def neighbours_table(data_dir=None) -> pd.DataFrame:
    """Solna's nearest structural neighbours with their weights in the two synthetic comparisons."""
    d = design(data_dir)
    nm = names(data_dir)
    meta = municipalities(data_dir).set_index("code")
    out = d.neighbours.copy()
    out["municipality"] = [nm[c] for c in out.index]
    out["SKR group"] = [meta.loc[c, "skr_group"] for c in out.index]
    for kpi in SYNTH_OUTCOMES:
        sy = synthetic(kpi, data_dir)
        out[f"weight {kpi}"] = sy.weights.reindex(out.index)
    out["weight (covariates)"] = synthetic("N31807", data_dir).cov_weights.reindex(out.index)
    return out.reset_index(drop=True)[["rank", "municipality", "SKR group", "distance", *[f"weight {k}" for k in
                                                                                       SYNTH_OUTCOMES],
                                       "weight (covariates)"]]


def balance_table(data_dir=None) -> pd.DataFrame:
    """Baseline covariates: Solna, Sundbyberg, the neighbours' mean and the synthetic Solna."""
    d = design(data_dir)
    X = d.covariates
    sy = synthetic("N31807", data_dir)
    donors = list(sy.weights.index)
    out = pd.DataFrame({
        "Solna": X.loc[S.SOLNA],
        "Sundbyberg": X.loc[S.SUNDBYBERG],
        "neighbours (mean)": X.loc[donors].mean(),
        "synthetic (covariate weights)": X.loc[list(sy.cov_weights.index)].T @ sy.cov_weights,
    })
    sd = X.std()
    out["std diff Solna − Sundbyberg"] = (out["Solna"] - out["Sundbyberg"]) / sd
    out["std diff Solna − synthetic"] = (out["Solna"] - out["synthetic (covariate weights)"]) / sd
    return out.reset_index(names="covariate (baseline)")


def _unit_colour(unit: str) -> str:
    return PALETTE.get(unit, PALETTE["group median"])


def fig_long_series(data_dir=None):
    """Four assistance series, 1998– (1994– where available)."""
    import matplotlib.pyplot as plt

    kpis = ["N31001", "N31004", "N31807", "N31910"]
    df = S.comparison_series(kpis, data_dir)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    for ax, kpi in zip(axes.flat, kpis):
        part = df[(df["kpi"] == kpi) & (df["year"] >= 1994)]
        if kpi == "N31910":
            part = part[part["unit"] != "Riket"]  # a national count is not comparable with a municipal one
        for unit, g in part.groupby("unit", sort=False):
            ax.plot(g["year"], g["value"], marker="o" if kpi == "N31910" else None, ms=3, label=unit,
                    color=_unit_colour(unit), lw=2.2 if unit in ("Solna", "Sundbyberg") else 1.4)
        label, unit = S.LONG_SERIES[kpi]
        ax.set_title(f"{kpi}: {label}", fontsize=10)
        ax.set_ylabel(unit)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=4, bbox_to_anchor=(0.5, 1.03), frameon=False)
    return fig


def fig_nka(data_dir=None):
    """Net cost deviations (IFO %, IFO MSEK, total %) with the 2019 method change marked."""
    import matplotlib.pyplot as plt

    kpis = list(S.NKA_KPIS)
    df = S.comparison_series(kpis, data_dir)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    for ax, kpi in zip(axes, kpis):
        part = df[df["kpi"] == kpi]
        if kpi == "N30026":
            part = part[~part["unit"].str.endswith("median")]  # MSEK scale with municipality size
        for unit, g in part.groupby("unit", sort=False):
            ax.plot(g["year"], g["value"], label=unit, color=_unit_colour(unit),
                    lw=2.2 if unit in ("Solna", "Sundbyberg") else 1.4)
        ax.axhline(0, color="#999999", lw=0.8)
        ax.axvline(S.NKA_BREAK_YEAR - 0.5, color="#555555", ls="--", lw=1)
        ax.text(S.NKA_BREAK_YEAR - 0.4, ax.get_ylim()[1], "2019 method", va="top", fontsize=9, color="#555555")
        label, unit = S.LONG_SERIES[kpi]
        ax.set_title(f"{kpi}: {label}", fontsize=10)
        ax.set_ylabel(unit)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 1.06), frameon=False)
    return fig


def fig_measures(data_dir=None):
    """The three assistance measures for Solna and Riket, with the printed figures as crosses."""
    import matplotlib.pyplot as plt

    styles = {"N31001": "-", "N31004": ":", "N31008": "--"}
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.3), sharey=False)
    printed = {S.SOLNA: [("C120", "cost_1998"), ("C120", "cost_2018"), ("C121", "solna_2024")],
               RIKET: [("C121", "riket_2024")]}
    for ax, code in zip(axes, (S.SOLNA, RIKET)):
        name = _name(code, data_dir)
        for kpi in ASSISTANCE_KPIS:
            s = S.series_of(kpi, code, data_dir)
            ax.plot(s.index, s.values, styles[kpi], color=_unit_colour(name), lw=1.8, label=f"{kpi} {S.LONG_SERIES[kpi][0]}")
        for cid, key in printed[code]:
            pub = claims.published(cid, key)
            ax.plot(pub.year, float(pub.value), "x", color="black", ms=9, mew=2)
            ax.annotate(f"{pub.value} ({cid})", (pub.year, float(pub.value)), textcoords="offset points",
                        xytext=(5, 6), fontsize=9)
        ax.set_title(name)
        ax.set_ylabel("SEK per inhabitant, current prices")
        ax.set_xlim(1994, 2025)
    axes[0].legend(fontsize=9, loc="upper right")
    return fig


def fig_structure(data_dir=None):
    """Solna and Sundbyberg in the national distribution of structural indicators."""
    import matplotlib.pyplot as plt

    tab = S.structural_table(S.SOLNA, S.SUNDBYBERG, data_dir=data_dir).iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 6))
    y = np.arange(len(tab))
    ax.hlines(y, tab["pct a"], tab["pct b"], color="#bbbbbb", lw=2)
    ax.plot(tab["pct a"], y, "o", color=_unit_colour("Solna"), label="Solna", ms=8)
    ax.plot(tab["pct b"], y, "s", color=_unit_colour("Sundbyberg"), label="Sundbyberg", ms=7)
    ax.set_yticks(y, [f"{r.indicator} ({r.year})" for r in tab.itertuples()], fontsize=9.5)
    for yi, d in zip(y, tab["std diff"]):
        ax.text(103, yi, f"{d:+.2f}", va="center", fontsize=9, color="#d1495b" if abs(d) > 0.5 else "#333333")
    ax.text(103, len(tab) - 0.3, "std diff", fontsize=9, fontweight="bold")
    ax.set_xlim(-2, 112)
    ax.set_xlabel("national percentile (0 = lowest of 290, 100 = highest)")
    ax.legend(loc="lower left", fontsize=9)
    return fig


def fig_synthetic(data_dir=None):
    """Solna against its synthetic comparisons and Sundbyberg, for the two long outcomes."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(SYNTH_OUTCOMES), figsize=(12.5, 4.4))
    for ax, kpi in zip(axes, SYNTH_OUTCOMES):
        sy = synthetic(kpi, data_dir)
        ax.axvspan(sy.panel.index.min(), PRE_END + 0.5, color="#eeeeee", zorder=0)
        ax.plot(sy.panel.index, sy.panel[S.SOLNA], color=_unit_colour("Solna"), lw=2.4, label="Solna")
        ax.plot(sy.synthetic.index, sy.synthetic, color=_unit_colour("synthetic"), lw=2, ls="--",
                label=f"synthetic Solna (fitted on outcome ≤{PRE_END})")
        ax.plot(sy.cov_synthetic.index, sy.cov_synthetic, color=_unit_colour("synthetic"), lw=1.4, ls=":",
                label="synthetic Solna (fitted on covariates)")
        ax.plot(sy.sundbyberg.index, sy.sundbyberg, color=_unit_colour("Sundbyberg"), lw=1.6, label="Sundbyberg")
        ax.set_yscale("log")
        ax.set_title(f"{kpi}: {S.LONG_SERIES[kpi][0]}", fontsize=10)
        ax.set_ylabel(f"{S.LONG_SERIES[kpi][1]} (log scale)")
    axes[0].legend(fontsize=9)
    return fig


def fig_placebo(data_dir=None):
    """Gaps of every placebo run and Solna's, and the post/pre RMSPE ratios."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2 * len(SYNTH_OUTCOMES), figsize=(14, 3.8),
                             gridspec_kw={"width_ratios": [2, 1] * len(SYNTH_OUTCOMES)})
    for i, kpi in enumerate(SYNTH_OUTCOMES):
        sy = synthetic(kpi, data_dir)
        ax, ax2 = axes[2 * i], axes[2 * i + 1]
        for unit in sy.placebo.gaps.columns:
            if unit != S.SOLNA:
                ax.plot(sy.placebo.gaps.index, sy.placebo.gaps[unit], color="#bbbbbb", lw=0.8)
        ax.plot(sy.gap.index, sy.gap, color=_unit_colour("Solna"), lw=2.2)
        ax.axhline(0, color="#555555", lw=0.8)
        ax.axvline(PRE_END + 0.5, color="#555555", ls="--", lw=0.8)
        ax.set_title(f"{kpi}: gap to synthetic", fontsize=10)
        ax.set_ylabel("log points")
        r = sy.placebo.ratios.sort_values()
        ax2.barh(range(len(r)), r.values, color=[_unit_colour("Solna") if u == S.SOLNA else "#bbbbbb" for u in r.index])
        ax2.set_yticks([])
        ax2.set_title(f"post/pre RMSPE (p = {sy.placebo.p_value:.2f})", fontsize=9)
    return fig


def fig_efficiency(data_dir=None):
    """Ranks on the efficiency and cost measures, as a share of the municipalities ranked."""
    import matplotlib.pyplot as plt

    r = S.efficiency_ranks(data_dir=data_dir)
    comp = S.composite_efficiency_rank(data_dir=data_dir)
    extra = pd.DataFrame([{"kpi": "composite", "measure": "RKA indices, mean percentile (composite)",
                           "code": c, "rank": int(comp.loc[c, "rank"]), "of": len(comp)} for c in (S.SOLNA, S.SUNDBYBERG)])
    r = pd.concat([r, extra], ignore_index=True)
    r["position"] = 100 * (r["rank"] - 1) / (r["of"] - 1)
    measures = list(dict.fromkeys(r["measure"]))
    fig, ax = plt.subplots(figsize=(9.5, 4.5))
    y = np.arange(len(measures))[::-1]
    for code, marker in ((S.SOLNA, "o"), (S.SUNDBYBERG, "s")):
        part = r[r["code"] == code].set_index("measure").loc[measures]
        name = _name(code, data_dir)
        ax.plot(part["position"], y, marker, color=_unit_colour(name), ms=8, label=name, ls="none")
        for yi, (rk, of) in zip(y, zip(part["rank"], part["of"])):
            ax.annotate(f"{rk}/{of}", (100 * (rk - 1) / (of - 1), yi), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize=9.5)
    ax.set_yticks(y, measures, fontsize=9.5)
    ax.set_xlim(-3, 103)
    ax.set_xlabel("position among the municipalities ranked (0 = best, 100 = worst)")
    ax.legend(fontsize=9, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    return fig


# ------------------------------------------------------------------ donor-pool sensitivity
def donor_pool_table(kpi: str, data_dir=None) -> pd.DataFrame:
    """One row per variant of the synthetic Solna for ``kpi``: the main comparison (20 nearest neighbours), each
    donor with a positive weight left out, the ridge-augmented estimator and the declared pools, each with its
    own placebo p (units fitted at least half as well), floor, MDE and verdict."""
    from ...rules import rulebook as RB
    from .claims_comparison import variant_decision
    from .design import SOLNA_FIT_FACTOR

    sy = synthetic(kpi, data_dir)
    f = SOLNA_FIT_FACTOR

    def row(label, family, pl, weight=np.nan):
        return {"variant": label, "family": family, "donors": pl.n_units - 1, "weight left out": weight,
                "mean post gap (log)": pl.fit.post_mean_gap, "one-sided p": pl.p_one_sided(factor=f),
                "p floor": 1 / len(pl.good_fit(f)), "MDE 80 % (log)": pl.mde(RB.ALPHA, factor=f),
                "verdict": variant_decision(pl)}

    rows = [row("main: nearest neighbours", "main", sy.inspace)]
    for v in sy.variants:
        if not v.ok:
            rows.append({"variant": v.label, "family": v.family})
            continue
        label = v.label
        if v.family == "leave-one-out":
            code = v.key.split(":", 1)[1]
            label = f"without {_name(code, data_dir)} ({code})"
        rows.append(row(label, v.family, v.placebo, v.dropped_weight))
    return pd.DataFrame(rows)


def fig_donor_pool(data_dir=None):
    """Solna's gap to its synthetic comparison under every donor-pool variant, one panel per
    outcome (titled with Kolada's KPI title) and the shared legend in a panel of its own."""
    import textwrap

    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(10, 6.4))
    grid = fig.add_gridspec(2, len(SYNTH_OUTCOMES), height_ratios=[1, 0.42])
    panels = [fig.add_subplot(grid[0, 0])]
    panels += [fig.add_subplot(grid[0, i], sharey=panels[0]) for i in range(1, len(SYNTH_OUTCOMES))]
    for ax, kpi in zip(panels, SYNTH_OUTCOMES):
        sy = synthetic(kpi, data_dir)
        draw_variant_gaps(ax, sy.variants)
        g = sy.inspace.fit.gap
        ax.plot(g.index, g.values, color=PALETTE["Solna"], lw=2.4, label="main: nearest neighbours")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(PRE_END + 0.5, color="#555555", ls=":", lw=1)
        ax.set_title(textwrap.fill(catalogue.title(kpi), 36), fontsize=10)
        ax.set_xlabel("year")
    panels[0].set_ylabel("gap: log(Solna) − log(synthetic)")
    legend_panel(fig.add_subplot(grid[1, :]), panels, ncol=2)
    fig.tight_layout()
    return fig
