"""activation-reforms: figures and tables the notebook displays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...rules import rulebook as RB
from ...sources.codes import SKURUP, VAXJO
from ...sources.kolada import load_kpis
from ...sources.municipalities import names
from ...style import draw_variant_gaps, legend_panel
from .checks import change_table, effect_decision, unusable_years
from .design import Design
from .panels import EVENT, EVENTS, OUTCOMES, PRIMARY, TOP, level_panel_kpi
from .threats import in_time_comparison


# ------------------------------------------------------------------ figures and tables (the notebook only displays)
def _plt():
    import matplotlib.pyplot as plt

    from ...style import PALETTE

    return plt, PALETTE


def _colour(unit: str) -> str:
    _, pal = _plt()
    return pal["Växjö"] if unit == VAXJO else pal["Skurup"]


def fig_series(data_dir=None):
    """Levels of the three cost measures for Växjö, Skurup and Riket, with the reform years; missing
    years break the lines and register reports the chapter drops are marked as crosses."""
    from matplotlib.ticker import MaxNLocator

    plt, pal = _plt()
    dd = str(data_dir) if data_dir is not None else None
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
    tidy = load_kpis(["N31001", "N31004", "U31001"], dd)
    for ax, kpi in zip(axes, ["N31001", "U31001", "N31004"]):
        t = tidy[tidy["kpi"] == kpi]
        for unit, name, col in ((VAXJO, "Växjö", pal["Växjö"]), (SKURUP, "Skurup", pal["Skurup"]), ("0000", "Riket", pal["Riket"])):
            s = t[t["municipality"] == unit].set_index("year")["value"].sort_index()
            s = s.loc[s.index >= 2005]
            s = s.reindex(range(int(s.index.min()), int(s.index.max()) + 1))  # missing years break the line
            bad = unusable_years(kpi, unit, dd) if unit != "0000" else []
            bad = [y for y in bad if y in s.index and np.isfinite(s.loc[y])]
            if bad:  # reports the chapter drops as incomplete: shown as crosses, not joined to the line
                ax.scatter(bad, s.loc[bad].values, marker="x", s=40, color=col, zorder=3,
                           label=f"{name} {', '.join(map(str, bad))}: dropped (incomplete report)")
                s.loc[bad] = np.nan
            ax.plot(s.index, s.values, marker="o", ms=3, color=col, label=name if kpi == "N31001" else None)
        for e in EVENTS:
            ax.axvline(e.year - 0.5, color=_colour(e.unit), ls=":", lw=1)
        ax.set_title({"N31001": "N31001 cost (accounts)", "U31001": "U31001 paid, incl. refugee households",
                      "N31004": "N31004 paid, excl. refugee households"}[kpi], fontsize=9)
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes[0].set_ylabel("kr per inhabitant (current prices)")
    axes[0].legend(fontsize=9)
    if axes[2].get_legend_handles_labels()[0]:
        axes[2].legend(fontsize=9)
    return fig


def fig_synthetic(D: Design, outcome: str = PRIMARY):
    """Actual vs synthetic paths (levels) for the three events."""
    plt, pal = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
    for ax, e in zip(axes, EVENTS):
        r = D.runs[(outcome, e.key)]
        lv = r.panel.levels[e.unit]
        ax.plot(lv.index, lv.values, color=_colour(e.unit), marker="o", ms=3, label=names(D.data_dir)[e.unit])
        syn = r.synthetic_level()
        ax.plot(syn.index, syn.values, color=pal["synthetic"], ls="--", label="synthetic")
        ax.axvline(e.year - 0.5, color="#555555", ls=":", lw=1)
        ax.set_title(e.label, fontsize=9)
        ax.set_xlabel("year")
        ax.legend(fontsize=9)
    axes[0].set_ylabel(f"{AXIS_NAMES.get(outcome, outcome)}\n({UNIT_WORDS.get(OUTCOMES[outcome].unit, OUTCOMES[outcome].unit)})")
    return fig


def fig_placebo_gaps(D: Design, outcome: str = PRIMARY):
    """Each event's gap (log points) against the gaps of the well-fitted placebo municipalities."""
    plt, _ = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
    for ax, e in zip(axes, EVENTS):
        pl = D.runs[(outcome, e.key)].placebo
        good = [u for u in pl.good_fit() if u != e.unit]
        ax.plot(pl.gaps.index, pl.gaps[good].values, color="#bbbbbb", lw=0.6, alpha=0.6)
        ax.plot(pl.gaps.index, pl.gaps[e.unit].values, color=_colour(e.unit), lw=2.2, label=names(D.data_dir)[e.unit])
        ax.axvline(e.year - 0.5, color="#555555", ls=":", lw=1)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_ylim(-1.2, 1.2)
        ax.set_title(f"{e.label}\n{len(good)} placebo municipalities (grey)", fontsize=9)
        ax.set_xlabel("year")
    axes[0].set_ylabel("gap: log(actual) − log(synthetic)")
    axes[0].legend(fontsize=9)
    return fig


def fig_placebo_distribution(D: Design, outcome: str = PRIMARY):
    """Distribution of the mean post-event gap over well-fitted placebo units, treated unit marked."""
    from matplotlib.ticker import MaxNLocator

    plt, _ = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=False)
    for ax, e in zip(axes, EVENTS):
        pl = D.runs[(outcome, e.key)].placebo
        good = pl.good_fit()
        m = pl.gaps.loc[pl.post_years, good].mean()
        ax.hist(m.drop(e.unit), bins=30, color="#bbbbbb")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.axvline(m.loc[e.unit], color=_colour(e.unit), lw=2.5, label=f"{names(D.data_dir)[e.unit]} (p = {pl.p_reduction:.2f})")
        ax.set_title(e.label, fontsize=9)
        ax.set_xlabel("mean post-event gap (log points)")
        ax.legend(fontsize=9)
    axes[0].set_ylabel("placebo municipalities")
    return fig


def fig_event_study(D: Design, outcome: str = PRIMARY):
    """Event-study coefficients with placebo-based 90 % intervals."""
    plt, _ = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
    for ax, e in zip(axes, EVENTS):
        es = D.runs[(outcome, e.key)].es
        k = np.array(es.coefs.index)
        ax.fill_between(k, es.ci_low.values, es.ci_high.values, color=_colour(e.unit), alpha=0.2, label="placebo 90 % interval")
        ax.plot(k, es.coefs.values, marker="o", color=_colour(e.unit), label=f"coefficient (ref. year {es.ref:+d})")
        rb = es.rebased()
        ax.plot(k, rb["coefs"].values, ls="--", color="#555555", lw=1, label="ref. = mean of earlier leads")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(-0.5, color="#555555", ls=":", lw=1)
        ax.set_title(f"{e.label}\npre-trend p = {es.pre_trend_p:.2f}", fontsize=9)
        ax.set_xlabel("years since the event")
        ax.set_xticks(k)
        ax.tick_params(axis="x", labelsize=7)
    axes[0].set_ylabel("log points vs donor mean (reference = 0)")
    axes[0].legend(fontsize=9)
    return fig


def fig_ranking(D: Design, data_dir=None):
    """Every municipality's change 2012→2021 in N31001 (kr/inv and %), ordered; Växjö and Skurup marked."""
    plt, pal = _plt()
    d = change_table(PRIMARY, 2012, 2021, D.data_dir)
    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for ax, col, lab in zip(axes, ["change", "change %"], ["change 2012→2021 (kr per inhabitant)", "change 2012→2021 (%)"]):
        s = d[col].sort_values()
        x = np.arange(1, len(s) + 1)
        ax.scatter(x, s.values, s=6, color="#999999")
        for unit, name in ((VAXJO, "Växjö"), (SKURUP, "Skurup")):
            i = list(s.index).index(unit)
            ax.scatter([i + 1], [s.iloc[i]], s=60, color=pal[name], zorder=3, label=f"{name}: rank {i + 1} of {len(s)}")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(len(s) * TOP, color="#555555", ls=":", lw=1)
        ax.set_xlabel("rank (1 = largest fall); dotted: top 10 %")
        ax.set_ylabel(lab)
        ax.legend(fontsize=9)
    return fig


def weights_table(D: Design, outcome: str = PRIMARY, top: int = 8) -> pd.DataFrame:
    rows = []
    nm = names(D.data_dir)
    for e in EVENTS:
        w = D.runs[(outcome, e.key)].fit.weights.sort_values(ascending=False)
        w = w[w > 0.001].head(top)
        for code, v in w.items():
            rows.append({"event": e.label, "donor": f"{nm.get(code, code)} ({code})", "weight": v})
    return pd.DataFrame(rows)


def _p_with_floor(p: float, floor: float) -> str:
    """'0.140 (floor 0.005)': a permutation p printed with the smallest p the test can give."""
    return f"{p:.3f} (floor {floor:.3f})"


# Axis labels in words (the KPI code is in the caption and the definitions block)
AXIS_NAMES = {
    "N31001": "cost of economic assistance",
    "N31004": "assistance paid out",
    "N31807": "inhabitants receiving assistance",
    "N31816": "adults with long-term assistance",
    "HH": "households receiving assistance",
    "N00903": "tax capacity",
}
UNIT_WORDS = {"kr/inv": "kr per inhabitant", "% of pop.": "% of the population", "per 1,000 inh.": "per 1,000 inhabitants"}


def placebo_summary(D: Design) -> pd.DataFrame:
    """One row per synthetic control; p-values carry their floors in the same cell (a table
    that fits the printed page and a phone)."""
    rows = []
    for (k, ek), r in D.runs.items():
        dropped = ", ".join(map(str, r.panel.dropped_years))
        rows.append(
            {
                "event": EVENT[ek].label,
                "outcome": f"{k}: {OUTCOMES[k].label}",
                "years": f"{r.panel.logs.index.min()}–{r.panel.logs.index.max()}"
                + (f" (treated unit without {dropped})" if dropped else ""),
                "donors": r.placebo.n_units - 1,
                "pre-RMSPE (log)": r.fit.rmspe_pre,
                "mean post gap (%)": r.mean_pct,
                "one-sided p": _p_with_floor(r.placebo.p_one_sided(direction=1 if k == "N00903" else -1),
                                             r.placebo.floor()),
                "p, similar noise": r.placebo.p_similar_noise(direction=1 if k == "N00903" else -1)[0],
                "MDE 80 % (log)": r.placebo.mde(RB.ALPHA, direction=1 if k == "N00903" else -1),
                "RMSPE ratio rank": f"{r.placebo.rank_ratio}/{r.placebo.n_units}",
                "ratio p": _p_with_floor(r.placebo.p_ratio, r.placebo.ratio_floor),
                "ES post mean (log)": r.es.post_mean if r.es else np.nan,
                "ES breakdown M̄": r.es.breakdown(1 if k == "N00903" else -1) if r.es else np.nan,
            }
        )
    return pd.DataFrame(rows)


def threats_table(D: Design) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "event": EVENT[ek].label,
                "threat": t.name,
                "status": "open" if t.open else ("probed, not found" if t.probed else "not probed (no data on municipalities' rules)"),
                "evidence": t.detail,
            }
            for ek, ts in D.threats.items()
            for t in ts
        ]
    )


EXACT_FIT = 1e-3  # pre-RMSPE (log points) below which a post/pre ratio is a division by ~0 and is not shown


def in_time_table(D: Design, outcome: str = PRIMARY) -> pd.DataFrame:
    """Fake events with the real gap over the same number of post years; the RMSPE ratio is
    shown as '—' where the fake pre-period is fitted almost exactly (pre-RMSPE < EXACT_FIT)."""
    frames = []
    for e in EVENTS:
        f = in_time_comparison(D.runs[(outcome, e.key)])
        if f is not None:
            f = f.copy()
            f.insert(0, "event", e.label)
            f["fake mean gap (%)"] = np.expm1(f["mean post gap"]) * 100
            f["real gap, same no. of years (%)"] = np.expm1(f["real gap, same no. of years"]) * 100
            f["ratio"] = [f"{v:.1f}" if pre >= EXACT_FIT else "—" for v, pre in zip(f["ratio"], f["pre RMSPE"])]
            frames.append(
                f[["event", "fake event year", "post years", "n post years", "pre RMSPE", "ratio", "fake mean gap (%)",
                   "real gap, same no. of years (%)"]]
            )
    return pd.concat(frames, ignore_index=True)


def near_exact_share(D: Design, outcome: str = PRIMARY, cut: float = 0.005) -> dict:
    """Share of placebo municipalities with a pre-RMSPE below ``cut`` log points, per event."""
    out = {}
    for e in EVENTS:
        pr = D.runs[(outcome, e.key)].placebo.pre_rmspe.drop(e.unit)
        out[e.key] = float((pr < cut).mean())
    return out


def exclusions_table(D: Design, outcome: str = PRIMARY) -> pd.DataFrame:
    nm = names(D.data_dir)
    rows = []
    for e in EVENTS:
        ex = D.runs[(outcome, e.key)].panel.excluded
        for code, why in ex.items():
            rows.append({"event": e.label, "municipality": f"{nm.get(code, code)} ({code})", "reason": why})
    return pd.DataFrame(rows)


def decomposition(D: Design, unit: str = VAXJO, start: int = 2012, end: int = 2021) -> pd.DataFrame:
    """Accounts-based cost vs register-based payments (with and without refugee households)
    for one municipality: where did the fall in N31001 happen?"""
    rows = []
    for kpi, label in (
        ("N31001", "cost in the municipal accounts (N31001)"),
        ("U31001", "paid out, incl. refugee households (U31001)"),
        ("N31004", "paid out, excl. refugee households (N31004)"),
    ):
        lv = level_panel_kpi(kpi, D.data_dir)
        for y in (start, end):
            if y not in lv.index or not np.isfinite(lv.loc[y, unit]):
                raise DataError(f"{kpi}: no value for {unit} in {y}")
        a, b = float(lv.loc[start, unit]), float(lv.loc[end, unit])
        rows.append({"measure": label, str(start): a, str(end): b, "change (kr/inv)": b - a, "change (%)": (b / a - 1) * 100})
    t = pd.DataFrame(rows)
    ref = {c: t.iloc[1][c] - t.iloc[2][c] for c in (str(start), str(end), "change (kr/inv)")}
    ref["measure"] = "paid to refugee households (U31001 − N31004)"
    ref["change (%)"] = (ref[str(end)] / ref[str(start)] - 1) * 100 if ref[str(start)] > 0 else np.nan
    return pd.concat([t, pd.DataFrame([ref])], ignore_index=True)


def context_adult_education(data_dir=None) -> pd.DataFrame:
    """Share of adult education bought from external providers (N04117), Växjö and Riket (context for C133/C134)."""
    tidy = load_kpis("N04117", str(data_dir) if data_dir is not None else None)
    t = tidy[tidy["municipality"].isin([VAXJO, "0000"])].pivot(index="year", columns="municipality", values="value")
    return t.rename(columns={VAXJO: "Växjö", "0000": "Riket"}).reset_index()


# ------------------------------------------------------------------ donor-pool sensitivity
def donor_pool_table(D: Design, ek: str, outcome: str = PRIMARY) -> pd.DataFrame:
    """One row per variant of one event's synthetic control: the main estimate, each donor with a
    positive weight left out, the declared pools, the ridge-augmented estimator and the pre-peak
    baseline, each with its own placebo p, floor, MDE and verdict under rule effect-event."""
    r = D.runs[(outcome, ek)]
    nm = names(D.data_dir)
    open_t = [t for t in D.threats[ek] if t.open] if outcome in ("N31001", "N31004") else []

    def row(variant, family, pl, donors, weight=np.nan, note=""):
        return {"variant": variant, "family": family, "donors": donors, "weight left out": weight,
                "mean post gap (%)": float(np.expm1(pl.fit.post_mean_gap) * 100), "one-sided p": pl.p_reduction,
                "p floor": pl.floor(), "MDE 80 % (log)": pl.mde(RB.ALPHA),
                "verdict": effect_decision(pl, r.es, -1, open_t), "note": note}

    rows = [row("main estimate (all donors)", "main", r.placebo, r.placebo.n_units - 1)]
    for v in r.variants:
        if not v.ok:
            rows.append({"variant": v.label, "family": v.family, "note": v.note})
            continue
        label = v.label
        if v.family == "leave-one-out":
            code = v.key.split(":", 1)[1]
            label = f"without {nm.get(code, code)} ({code})"
        rows.append(row(label, v.family, v.placebo, v.placebo.n_units - 1, v.dropped_weight, v.note))
    if r.prepeak is not None:
        rows.append(row(f"pre-peak baseline: post period from {r.event.year - 1}", "pre-peak baseline", r.prepeak,
                        r.prepeak.n_units - 1))
    return pd.DataFrame(rows)


def fig_donor_pools(D: Design, outcome: str = PRIMARY):
    """All three events in one figure (2 × 2: three panels and the shared legend in the fourth),
    so that the page stays short; the legend names each kind of variant once."""
    plt, _ = _plt()
    fig, grid = plt.subplots(2, 2, figsize=(10, 7.2), sharey=True)
    axes = list(grid.flat)
    for ax, e in zip(axes, EVENTS):
        _draw_donor_pool(ax, D, e.key, outcome)
    legend_panel(axes[len(EVENTS)], axes[: len(EVENTS)])
    for ax in axes[1 : len(EVENTS)]:
        ax.set_ylabel("")
    fig.tight_layout()
    return fig


def _draw_donor_pool(ax, D: Design, ek: str, outcome: str) -> None:
    r = D.runs[(outcome, ek)]
    e = r.event
    draw_variant_gaps(ax, r.variants)
    if r.prepeak is not None:
        g = r.prepeak.fit.gap
        ax.plot(g.index, g.values, ls=":", color="#333333", lw=1.4, label="pre-peak baseline (a year earlier)")
    g = r.fit.gap
    ax.plot(g.index, g.values, color=_colour(e.unit), lw=2.4, label="main estimate")
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(e.year - 0.5, color="#555555", ls=":", lw=1)
    ax.set_title(f"{e.label}", fontsize=10)
    ax.set_xlabel("year")
    ax.set_ylabel("gap: log(actual) − log(synthetic)")
