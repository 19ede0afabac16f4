"""activation-reforms: threats to the effect estimates and their probes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import DataError
from ...sources import kpi_metadata
from ...sources.kolada import load_kpis
from .panels import LAST, PRIMARY, Event, Run, level_panel_kpi, suspect_years


# ------------------------------------------------------------------ threats
@dataclass
class Threat:
    name: str
    open: bool  # True: cannot be ruled out
    detail: str
    probed: bool = True  # False: no data to probe it with (shown as such, never as 'not found')


def refugees_excluded(kpi: str) -> bool:
    """Does Kolada's own definition leave assistance to refugee households out of this KPI?
    ('Försörjningsstöd till flyktinghushåll ingår inte' for N31001; 'exkl flyktinghushåll' for N31004.)"""
    text = f"{kpi_metadata.kolada_title(kpi)} {kpi_metadata.definition(kpi)}".lower()
    return "flyktinghushåll ingår inte" in text or "exkl flyktinghushåll" in text


PEAK = 0.10  # a pre-event cost peak: the last pre-year's ratio to Riket above the earlier pre-years' mean by more than this


def relative_to_riket(unit: str, kpi: str = PRIMARY, data_dir: str | None = None) -> pd.Series:
    """The unit's value ÷ Riket's, per year (years where Riket is missing are left out)."""
    tidy = load_kpis(kpi, data_dir)
    w = tidy[tidy["municipality"].isin([unit, "0000"])].pivot(index="year", columns="municipality", values="value")
    if unit not in w.columns or "0000" not in w.columns:
        raise DataError(f"{kpi}: no values for {unit} or Riket")
    return (w[unit] / w["0000"]).replace([np.inf, -np.inf], np.nan).dropna().sort_index()


def cost_peak(event: Event, data_dir: str | None) -> dict:
    """Was the reform adopted at a cost peak? N31001 relative to Riket in the last pre-event year
    with a Riket value vs the mean over event−7 … event−3 (mean reversion would then look like an effect)."""
    rel = relative_to_riket(event.unit, PRIMARY, data_dir)
    pre = rel.loc[rel.index < event.year]
    if pre.empty:
        raise DataError(f"{PRIMARY}: no pre-event ratio to Riket for {event.unit}")
    last_y = int(pre.index.max())
    base = pre.loc[(pre.index >= event.year - 7) & (pre.index <= event.year - 3)]
    if base.empty:
        raise DataError(f"{PRIMARY}: no ratio to Riket for {event.unit} in {event.year - 7}–{event.year - 3}")
    last, base_mean = float(pre.loc[last_y]), float(base.mean())
    return {
        "last year": last_y,
        "last": last,
        "base years": f"{int(base.index.min())}–{int(base.index.max())}",
        "base min": float(base.min()),
        "base max": float(base.max()),
        "base mean": base_mean,
        "peak": last / base_mean - 1 > PEAK,
        "max pre": float(pre.max()),
        "max pre year": int(pre.idxmax()),
    }


def weighted_change(kpi: str, run_: Run, start: int, end: int, data_dir: str | None) -> tuple[float, float]:
    """Change start→end of a covariate for the treated unit and for its synthetic control
    (the synthetic's donor weights applied to the covariate)."""
    lv = level_panel_kpi(kpi, data_dir)
    for y in (start, end):
        if y not in lv.index:
            raise DataError(f"{kpi}: no values for {y}")
    w = run_.fit.weights
    w = w[w > 0]
    d = lv.loc[end] - lv.loc[start]
    if d[list(w.index) + [run_.event.unit]].isna().any():
        w = w[d.loc[w.index].notna()]
        w = w / w.sum()
    return float(d.loc[run_.event.unit]), float((d.loc[w.index] * w).sum())


def in_time_comparison(r: Run) -> pd.DataFrame | None:
    """Fake events next to the real gap over the same number of post years (log points)."""
    if r.fake is None or not len(r.fake):
        return None
    f = r.fake.copy()
    f["fake − real"] = f["mean post gap"] - f["real gap, same no. of years"]
    return f


def threats(runs: dict, event: Event, data_dir: str | None) -> list[Threat]:
    """Probe the named threats for one event with data; each says whether it stays open."""
    main = runs[(PRIMARY, event.key)]
    sos = runs[("N31004", event.key)]
    out = []
    end = min(event.year + 3, LAST)
    # refugee reception: by Kolada's own definitions both N31001 and N31004 leave assistance to refugee
    # households out, so neither nets the other of it; a cohort enters both once it stops counting as
    # refugee households. The probe is the foreign-born share against the synthetic control's.
    t_fb, s_fb = weighted_change("N02926", main, event.year - 1, end, data_dir)
    both = refugees_excluded(PRIMARY) and refugees_excluded("N31004")
    out.append(
        Threat(
            "refugee reception and the establishment programme",
            t_fb - s_fb < -1.0,
            f"the foreign-born share grew {t_fb:+.1f} pp {event.year - 1}–{end} vs {s_fb:+.1f} pp for the synthetic "
            "control (open if the treated share grew >1 pp less: fewer newcomers, fewer later claimants). "
            + ("By Kolada's own definitions both N31001 ('Försörjningsstöd till flyktinghushåll ingår inte') and "
               "N31004 ('exkl flyktinghushåll') leave assistance to refugee households out, so comparing them says "
               "nothing about refugees; a household enters both once it stops counting as a refugee household, "
               "so a cohort such as that of 2015–16 raises both some years after arrival. "
               if both else f"Kolada's definitions: N31001 {'excludes' if refugees_excluded(PRIMARY) else 'includes'} "
               f"and N31004 {'excludes' if refugees_excluded('N31004') else 'includes'} refugee households. ")
            + "The foreign-born share (N02926) counts all migrants, not refugees: an imperfect probe.",
        )
    )
    # national and local labour market
    u_start = max(event.year - 1, 2010)
    t_u, s_u = weighted_change("N03920", main, u_start, end, data_dir)
    out.append(
        Threat(
            "labour market (downturn/upturn)",
            t_u - s_u < -1.0,
            f"unemployment 18–65 changed {t_u:+.1f} pp {u_start}–{end} vs {s_u:+.1f} pp for the synthetic control "
            "(national swings cancel in the log gap; open if the treated unit's fell >1 pp more, which the "
            "reform alone would hardly cause).",
        )
    )
    # definitions: the accounts-based and the register-based series must agree in direction
    sp = suspect_years(event.unit, data_dir)
    out.append(
        Threat(
            "definitional changes and reporting gaps",
            (main.mean_gap < 0) != (sos.mean_gap < 0),
            f"cost in the accounts (N31001) {main.mean_pct:+.0f} % vs paid amounts in the register (N31004) "
            f"{sos.mean_pct:+.0f} %; years dropped as incomplete register reports: {sp or 'none'} "
            "(open if the two series disagree in direction).",
        )
    )
    # mean reversion: a reform adopted at a cost peak
    pk = cost_peak(event, data_dir)
    es = main.es
    rb = es.rebased() if es is not None else None
    rb_below = rb is not None and rb["post_ci"][1] < 0
    out.append(
        Threat(
            "mean reversion (reform adopted at a cost peak)",
            pk["peak"] and not rb_below,
            f"N31001 relative to Riket: {pk['last']:.2f} in {pk['last year']} vs {pk['base min']:.2f}–"
            f"{pk['base max']:.2f} (mean {pk['base mean']:.2f}) in {pk['base years']}; pre-event maximum "
            f"{pk['max pre']:.2f} in {pk['max pre year']}"
            + (
                f". Event study with the mean of the leads (k ≤ {es.leads[-1]}) as reference instead of year "
                f"{event.year + es.ref}: mean post coefficient {rb['post_mean']:+.3f} log points, placebo 90 % "
                f"interval [{rb['post_ci'][0]:+.3f}, {rb['post_ci'][1]:+.3f}] (with year {event.year + es.ref} as "
                f"reference {es.post_mean:+.3f})"
                if rb is not None
                else ""
            )
            + f" (open if the last pre-year's ratio exceeds the earlier mean by more than {PEAK:.0%} and the "
            "rebased event-study interval does not lie below zero).",
        )
    )
    # in-time placebos: departures of the same size without a reform, compared over the same number of years
    cmp = in_time_comparison(main)
    if cmp is not None:
        worst = cmp.loc[cmp["fake − real"].idxmin()]
        n_as_large = int((cmp["fake − real"] <= 0).sum())
        out.append(
            Threat(
                "departures of this size without a reform (in-time placebo)",
                n_as_large > 0,
                f"{n_as_large} of {len(cmp)} fake event years before {event.clean_until} show a mean gap at least as "
                f"negative as the real one over the same number of years; closest: fake {int(worst['fake event year'])} "
                f"({worst['post years']}) {np.expm1(worst['mean post gap']) * 100:+.1f} % vs "
                f"{np.expm1(worst['real gap, same no. of years']) * 100:+.1f} % in the first "
                f"{int(worst['n post years'])} years after {event.year} (open if any fake year shows a fall at least "
                "as large over the same number of years).",
            )
        )
    if event.earlier is not None:
        pre = main.placebo.pre_years
        inside = [y for y in pre if y >= event.earlier]
        out.append(
            Threat(
                f"the earlier reform of {event.earlier} (contaminated pre-period)",
                True,
                f"the synthetic control for {event.year} is fitted on {len(pre)} years ({pre[0]}–{pre[-1]}), "
                f"{len(inside)} of them ({inside[0]}–{inside[-1]}) after the {event.earlier} reform; the gap after "
                f"{event.year} cannot be separated from continuing {event.earlier} dynamics, and the two estimates "
                f"overlap in {max(event.year, main.post[0])}–{main.post[-1]} and must not be added. Fake events are "
                f"placed only before {event.earlier}."
                if inside
                else f"no pre-period year follows the {event.earlier} reform.",
            )
        )
    n_post = len(main.post)
    out.append(
        Threat(
            "short post-period",
            n_post < 5,
            f"{n_post} post-event years ({main.post[0]}–{main.post[-1]}; the snapshot ends {LAST})"
            + (", including the Covid year 2020; too short to separate a lasting effect from a swing" if n_post < 5 else "")
            + ".",
        )
    )
    out.append(
        Threat(
            "other municipalities with similar rules in the donor pool",
            False,
            "which municipalities require full-time activation is not public (the document's 23 % comes from a "
            "survey); such donors would pull the synthetic control down and bias the gap towards zero, so this "
            "threatens a null result, not a found fall. Not probed: no data.",
            probed=False,
        )
    )
    return out
