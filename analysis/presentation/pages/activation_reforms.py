"""The page *Activation reforms in Växjö (2012, 2015) and Skurup (2019)* (book/src/activation-reforms.md)."""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from analysis.chapters import activation_reforms as ch
from analysis.presentation import plotting
from analysis.presentation.pages import common


class Setup(NamedTuple):
    results: list
    by_id: dict
    design: object  # ch.design(...): every synthetic control, placebo run and event study
    runs: dict  # design.runs, keyed (outcome, event key)
    events: dict  # ch.EVENT, event key -> event


def setup(data_dir, t0: float) -> Setup:
    """Evaluate and record the chapter's claims and build its design once, so that every cell
    below reads the same runs; prints how many synthetic controls that took since ``t0``."""
    results, by_id = common.evaluate_and_record(ch, data_dir)
    D = ch.design(str(data_dir) if data_dir is not None else None)
    R = D.runs
    print(f"{len(R)} synthetic controls with placebo runs and event studies in {time.perf_counter() - t0:.1f} s")
    return Setup(results, by_id, D, R, ch.EVENT)


def mean_reversion_table(D) -> None:
    """Show, per event, whether the reform came at a cost peak and how the event study moves with
    the reference period: the table behind the mean-reversion threat."""
    R = D.runs
    rows = []
    for e in ch.EVENTS:
        pk = ch.cost_peak(e, D.data_dir)
        es = R[(ch.PRIMARY, e.key)].es
        rb = es.rebased()
        rows.append({
            "event": e.label,
            "ratio to Riket, last pre-year": f"{pk['last']:.2f} ({pk['last year']})",
            "ratio to Riket, earlier years": f"{pk['base min']:.2f}–{pk['base max']:.2f} ({pk['base years']})",
            "peak": "yes" if pk["peak"] else "no",
            "ES post mean, ref. year −1": es.post_mean,
            "ES 90 % interval, ref. year −1": f"[{es.post_ci[0]:+.3f}, {es.post_ci[1]:+.3f}]",
            "ES post mean, ref. = mean of leads": rb["post_mean"],
            "ES 90 % interval, ref. = mean of leads": f"[{rb['post_ci'][0]:+.3f}, {rb['post_ci'][1]:+.3f}]",
        })
    plotting.table(
        pd.DataFrame(rows),
        "Mean reversion: cost of economic assistance (N31001) relative to Riket before each reform (years where Riket "
        "is missing are skipped), and the event study with two reference periods. A peak: the last pre-year's ratio "
        f"above the earlier years' mean by more than {ch.PEAK:.0%}.",
        precision=3,
    )


def first_years_table(D) -> None:
    """Show the gap to the synthetic control in the first three post-event years, with its placebo
    p: what "almost immediate" (C131, C156) can be checked against."""
    R = D.runs
    rows = []
    for e in ch.EVENTS:
        r = R[(ch.PRIMARY, e.key)]
        for y in r.post[:3]:
            rows.append({"event": e.label, "year": y, "years since event": y - e.year,
                         "gap (%)": float(np.expm1(r.fit.gap.loc[y]) * 100), "one-sided placebo p": r.placebo.p_year(y)})
    plotting.table(pd.DataFrame(rows), "Gap to the synthetic control in the first three post-event years (N31001).",
                   precision=2)


def decomposition_text(D) -> None:
    """Say where the change of the accounts-based cost happened, for Växjö 2012–2021 and Skurup 2018–2022
    (C136). By Kolada's definitions N31001 and N31004 both leave refugee households out, so payments to refugee
    households (U31001 − N31004) lie outside N31001 and cannot explain its change."""
    parts = []
    for unit, start, end in ((ch.VAXJO, 2012, 2021), (ch.SKURUP, 2018, 2022)):
        t = ch.decomposition(D, unit, start, end)["change (kr/inv)"]
        acc, excl, ref = t.iloc[0], t.iloc[2], t.iloc[3]
        parts.append(
            f"In {ch.names(D.data_dir)[unit]} {start}–{end} the accounts-based cost (N31001) changed by {acc:+.0f} kr "
            f"per inhabitant and the register's payments to the same households (N31004) by {excl:+.0f} kr; "
            f"payments to refugee households, which neither measure counts, changed by {ref:+.0f} kr."
        )
    if ch.refugees_excluded(ch.PRIMARY) and ch.refugees_excluded("N31004"):
        parts.append(
            "Kolada's own definitions (above) leave assistance to refugee households out of both N31001 and N31004, "
            "so no part of a fall in N31001 can lie in payments to refugee households; where N31001 falls more than "
            "N31004, the difference lies in what the accounts book and the register does not count as paid out "
            "(investigation costs, other assistance, timing and reporting)."
        )
    display(Markdown(" ".join(parts)))


def power_sentence(D) -> None:
    """Say, per event, the primary outcome's p, its floor, the MDE and the leave-one-out range: what the
    test could have seen and how much the estimate leans on single donors."""
    from analysis.rules import rulebook as RB

    parts = []
    for e in ch.EVENTS:
        r = D.runs[(ch.PRIMARY, e.key)]
        pl = r.placebo
        mde = pl.mde(RB.ALPHA)
        loo = [v.placebo.fit.post_mean_gap for v in r.variants if v.family == "leave-one-out"]
        parts.append(
            f"**{e.label}**: mean gap {r.mean_gap:+.3f} log points, one-sided p = {pl.p_reduction:.3f} (floor "
            f"{pl.floor():.3f}); the test detects with 80 % power only a fall of {mde:.3f} log points "
            f"({np.expm1(-mde) * 100:.0f} %) or more, against the {RB.PLAUSIBLE_EFFECT * 100:.0f} % "
            f"({RB.plausible_log_effect(-1):.3f}) the claim asks for"
            + (f"; leaving out one donor at a time moves the gap between {min(loo):+.3f} and {max(loo):+.3f}"
               if loo else "") + "."
        )
    display(Markdown("\n\n".join(parts)))


def donor_pool_caption(e) -> str:
    """Caption of one event's donor-pool table."""
    return (f"{e.label}: the synthetic-control estimate (N31001, logs) under every donor-pool variant, each with "
            "its own in-space placebo run. One-sided p for a fall; p floor: 1 / units compared; MDE: minimum "
            "detectable effect at 80 % power (log points; 'inf': too few comparison units to reach the 5 % level); "
            "verdict: rule effect-event applied to that variant.")


def donor_pools_figure_caption() -> str:
    """Caption of the three events' donor-pool figure."""
    return ("The gap between actual and synthetic cost of economic assistance (N31001, log points) of each reform "
            "under every donor-pool variant: each donor with positive weight left out (grey), the declared pools and "
            "the ridge-augmented estimator (dashed), the pre-peak baseline (dotted) and the main estimate (colour). "
            "The vertical line marks the reform.")


def donor_pool_figure_caption(e) -> str:
    """Caption of one event's donor-pool figure."""
    return (f"{e.label}: gap between actual and synthetic cost (N31001, log points) under every donor-pool "
            "variant: each donor with positive weight left out (grey), the declared pools and the ridge-augmented "
            "estimator (dashed), the pre-peak baseline (dotted) and the main estimate (colour).")
