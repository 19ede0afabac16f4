"""activation-reforms: one registered function per claim."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...errors import DataError
from ...rules import registry
from ...rules import rulebook as RB
from ...rules.claims import ClaimResult, check_statement
from ...rules.registry import claim_check
from ...sources.codes import SKURUP, VAXJO
from ...sources.kolada import load_kpis
from ...sources.municipalities import names
from .checks import (
    SENS_ENDS,
    SENS_STARTS,
    effect_alternatives,
    effect_verdict,
    one_year_changes,
    power_text,
    unusable_years,
    variant_name,
)
from .design import Design, design
from .panels import CHAPTER, EVENTS, OUTCOMES, PRIMARY, TOP, Run, level_panel, level_panel_kpi
from .threats import Threat

# ------------------------------------------------------------------ claims
NOT_TESTABLE = {
    "C128": "The launch year and the three pillars of Växjölöftet are facts about a council decision; no public "
    "data set in this project records them. The year 2015 is taken as the event date.",
    "C132": "Rules on topping up assistance after lost study grants and on summer jobs are internal policy "
    "details; no public statistics record them.",
    "C133": "Växjö's payment model for adult-education providers (80 % per credit, 20 % at pass) and the number of "
    "providers are not in Kolada; 80 + 20 = 100 is consistent. Kolada's share of adult education bought from "
    "external providers (N04117) is shown as context only.",
    "C134": "The deficits of Vuxnas lärande, the 7.5 MSEK and the 2020 decision are in Växjö's own documents, "
    "not in public statistics.",
    "C137": "The content and date of Skurup's 2019 reform programme are facts about a council decision; the year "
    "2019 is taken as the event date.",
    "C139": "The five-day and three-day rules are internal working methods with no public data.",
}


def _threat_note(ts: list[Threat]) -> str:
    return " ".join(f"[{t.name}: {'OPEN' if t.open else 'probed'}] {t.detail}" for t in ts)


def _effect_check(D: Design, cid: str, key: str, outcome: str, ek: str, direction=-1, label=None):
    r = D.runs[(outcome, ek)]
    open_t = [t for t in D.threats[ek] if t.open] if outcome in ("N31001", "N31004") else []
    verdict, note = effect_verdict(r, direction, open_t)
    alts = effect_alternatives(r, direction, open_t, D.data_dir)
    if outcome in ("N31001", "N31004"):
        note += " Threat probes: " + _threat_note(D.threats[ek])
    return check_statement(
        cid,
        key,
        round(r.mean_pct, 1),
        verdict,
        note,
        year_data=f"{r.post[0]}–{r.post[-1]}",
        unit="% vs synthetic control",
        label=label or f"{r.event.label}: {r.outcome.label}",
        rule="effect-event",
        alternatives=alts,
    )


def immediate_decision(pl, yrs: list[int], alpha: float = RB.ALPHA) -> str:
    """C156 under rule multiplicity: supported if a gap in one of ``yrs`` is negative with a one-sided p at
    most α / len(yrs) (Holm); 'not supported' only if the more powerful year's MDE at that level is at most
    the claimed effect (rule power), else not testable."""
    level = alpha / len(yrs)
    gaps = {y: float(pl.fit.gap.loc[y]) for y in yrs}
    ps = {y: pl.p_year(y) for y in yrs}
    if any(gaps[y] < 0 and ps[y] <= level for y in yrs):
        return RB.SUPPORTED
    mde = min(pl.mde(level, years=[y]) for y in yrs)
    return RB.power_rule(RB.NOT_SUPPORTED, mde, RB.plausible_log_effect(-1))


def _immediate_check(D: Design, ek: str):
    """'Almost immediate': the gap in the event year or the year after (C156), Holm-adjusted."""
    r = D.runs[(PRIMARY, ek)]
    e = r.event.year
    yrs = [y for y in (e, e + 1) if y in r.post]
    gaps = {y: float(np.expm1(r.fit.gap.loc[y]) * 100) for y in yrs}
    ps = {y: r.placebo.p_year(y) for y in yrs}
    later = [y for y in r.post if y > e + 1]
    later_pct = float(np.expm1(r.fit.gap.loc[later].mean()) * 100) if later else float("nan")
    level = RB.ALPHA / len(yrs)
    verdict = immediate_decision(r.placebo, yrs)
    alts = RB.alpha_alternatives(lambda a: immediate_decision(r.placebo, yrs, a))
    for v in r.variants:
        if v.ok:
            alts[variant_name(v, names(D.data_dir))] = immediate_decision(v.placebo, yrs)
    first = min(yrs, key=lambda y: ps[y])
    note = (
        f"{r.event.label}, N31001: gap vs synthetic control "
        + ", ".join(f"{y}: {gaps[y]:+.1f} % (one-sided placebo p = {ps[y]:.3f}; "
                    f"{power_text(r.placebo, -1, [y], level)})" for y in yrs)
        + (f"; later years {later[0]}–{later[-1]} on average {later_pct:+.1f} %" if later else "")
        + f". Rule multiplicity (Holm over the two years): supported if the gap in the event year or the year after is negative with "
        f"one-sided placebo p ≤ {RB.ALPHA:.2f}/{len(yrs)} = {level:.3f}; otherwise not supported, or not testable "
        "when even the more powerful year's minimum detectable effect at that level exceeds the claimed effect "
        f"({RB.PLAUSIBLE_EFFECT * 100:.0f} %; rule power)."
    )
    return check_statement(
        "C156",
        "immediate",
        round(gaps[first], 1),
        verdict,
        note,
        year_data=first,
        unit="% vs synthetic control",
        label=f"{r.event.label}: effect in year {first - e} after the event",
        rule="multiplicity",
        alternatives=alts,
    )


def _rank_check(D: Design, kpi: str):
    s = D.ranking[kpi]
    sens = D.sensitivity[kpi]
    position = max(s["percentile kr"], s["percentile %"]) / 100  # both measures must place Växjö
    verdict = RB.CONTRADICTED if s["change"] >= 0 else RB.wording("en av de … mest", position)
    in_top = int(((sens["percentile kr"] <= TOP * 100) & (sens["percentile %"] <= TOP * 100)).sum())
    skipped = [y for y in unusable_years(kpi, VAXJO, D.data_dir) if y in SENS_STARTS + SENS_ENDS]
    note = (
        f"{kpi} 2012→2021: Växjö {s['change']:+.0f} kr/inv ({s['change %']:+.1f} %), rank {s['rank kr']} (kr) and "
        f"{s['rank %']} (%) of {s['n']} (1 = largest fall; percentiles {s['percentile kr']:.0f} and "
        f"{s['percentile %']:.0f}); within SKR group {s['group']}: {s['group rank kr']} and {s['group rank %']} of "
        f"{s['group size']}. Sensitivity (start {sens['start'].min()}–{sens['start'].max()} × end "
        f"{sens['end'].min()}–{sens['end'].max()}): in the top {TOP:.0%} on both measures in "
        f"{in_top} of {len(sens)} windows"
        + (
            f" (start or end years {', '.join(map(str, skipped))} left out: Växjö's register report for them is "
            "dropped as incomplete)"
            if skipped
            else ""
        )
        + f". Current prices; national changes affect all municipalities alike and "
        f"leave ranks unchanged. Rule wording ('en av de … mest'): supported if Växjö is within the "
        f"{RB.WORDING['en av de … mest'].high:.0%} largest falls in both kr/inv and %; contradicted if it is in the "
        "lower half on either, or its cost rose; not supported otherwise."
    )
    return check_statement(
        "C136",
        "ranking",
        s["rank kr"],
        verdict,
        note,
        year_data="2012–2021",
        unit=f"rank of {s['n']} (kr/inv fall)",
        label=f"Växjö's rank among the largest cuts, {kpi}",
        rule="wording",
    )


def _model_check(cid: str, key: str, unit: str, data_dir: str | None):
    """Net cost of assistance vs RKA's model-computed (structure-expected) net cost (C154)."""
    actual = level_panel_kpi("N31008", data_dir)
    model = level_panel_kpi("U31004", data_dir)
    years = [y for y in model.index if np.isfinite(model.loc[y, unit]) and y in actual.index]
    if not years:
        raise DataError(f"U31004: no model-computed cost for {unit}")
    ratio = float(actual.loc[years, unit].sum() / model.loc[years, unit].sum())
    riket = load_kpis(["N31008", "U31004"], data_dir)
    riket = riket[(riket["municipality"] == "0000") & riket["year"].isin(years)].pivot(index="year", columns="kpi", values="value")
    r_ratio = float(riket["N31008"].sum() / riket["U31004"].sum()) if set(riket.columns) >= {"N31008", "U31004"} else float("nan")
    u = level_panel_kpi("N03920", data_dir)
    ly = int(u.index.max())
    unemp, unemp_med = float(u.loc[ly, unit]), float(u.loc[ly].median())
    verdict = "supported" if ratio < 0.95 else ("partly supported" if ratio <= 1.05 else "not supported")
    note = (
        f"{names(data_dir)[unit]}: net cost of assistance (N31008) ÷ RKA's model-computed net cost given structure "
        f"(U31004), {years[0]}–{years[-1]}: {ratio:.2f} (Riket {r_ratio:.2f}). Unemployment 18–65 in {ly}: "
        f"{unemp:.1f} % vs a municipal median of {unemp_med:.1f} %. Rule: supported if the ratio is below 0.95 "
        "(lower cost than the structure predicts), partly supported within ±5 %, not supported above. The model "
        "exists only from 2020, so this says nothing about the reform years; it is a level, not an effect."
    )
    return check_statement(cid, key, round(ratio, 2), verdict, note, year_data=f"{years[0]}–{years[-1]}", unit="actual ÷ model cost")


def illustrative_saving(D: Design, data_dir: str | None) -> float:
    """bn kr a year if every municipality cut N31001 by Växjö's 2012 estimated % (illustration only)."""
    r = D.runs[(PRIMARY, "vaxjo2012")]
    cost = level_panel_kpi(PRIMARY, data_dir).loc[D.last_year]
    pop = level_panel_kpi("N01951", data_dir).loc[D.last_year]
    total = float((cost * pop).sum()) / 1e9
    return max(0.0, -r.mean_pct / 100) * total


CLEAR = 10.0  # % fall that counts as "clearly fallen" in a descriptive before–after check


def before_after(key: str, unit: str, start: int, data_dir: str | None) -> dict:
    """Descriptive change of one measure for one unit from ``start`` to its latest usable year
    (``key``: a KPI or 'HH' = households per 1,000 inhabitants); register years dropped as
    incomplete reports are skipped."""
    lv = level_panel(key, data_dir) if key in OUTCOMES else level_panel_kpi(key, data_dir)
    if unit not in lv.columns:
        raise DataError(f"{key}: no values for {unit}")
    s = lv[unit].dropna()
    s = s.drop([y for y in unusable_years("N31910" if key == "HH" else key, unit, data_dir) if y in s.index])
    if start not in s.index:
        raise DataError(f"{key}: no usable value for {unit} in {start}")
    end = int(s.index.max())
    if end <= start:
        raise DataError(f"{key}: no usable value for {unit} after {start}")
    a, b = float(s.loc[start]), float(s.loc[end])
    return {"start": start, "end": end, "from": a, "to": b, "change %": (b / a - 1) * 100}


def _descriptive_rule(c: float) -> str:
    return "supported" if c <= -CLEAR else ("partly supported" if c < 0 else "contradicted")


PRE_PEAK_START = 2018  # Skurup's last pre-reform year: the cost peaked in 2019's baseline year (threat mean reversion)


def _descriptive_check(cid: str, key: str, measure: str, label: str, unit_txt: str, data_dir: str | None):
    d = before_after(measure, SKURUP, 2019, data_dir)
    c = d["change %"]
    verdict = _descriptive_rule(c)
    try:  # the same change from the pre-peak baseline, a stability alternative
        d0 = before_after(measure, SKURUP, PRE_PEAK_START, data_dir)
    except DataError:
        d0 = None
    alts = {f"pre-peak baseline (from {PRE_PEAK_START})": _descriptive_rule(d0["change %"])} if d0 else {}
    pre_peak = (f" From the pre-peak baseline {PRE_PEAK_START}: {d0['from']:.1f} → {d0['to']:.1f} ({d0['change %']:+.1f} %, "
                f"{_descriptive_rule(d0['change %'])})." if d0 else
                f" No usable {PRE_PEAK_START} value for the pre-peak baseline.")
    note = (
        f"Descriptive, not causal: Skurup's {label} {d['start']}→{d['end']}: {d['from']:.1f} → {d['to']:.1f} "
        f"{unit_txt} ({c:+.1f} %).{pre_peak} Current prices for kr values; national changes are not netted out (the "
        f"synthetic-control checks do that). Rule: supported if it fell by at least {CLEAR:.0f} % (\"clearly\"), "
        "partly supported if it fell by less, contradicted if it did not fall."
    )
    return check_statement(
        cid, key, round(c, 1), verdict, note, year_data=f"{d['start']}–{d['end']}", unit="% change (descriptive)",
        label=f"Skurup {d['start']}→{d['end']}, descriptive: {label}", alternatives=alts,
    )


def weak_design(r: Run) -> str:
    """A computed warning for a synthetic control with few donors or a short/gappy pre-period."""
    n_d, n_pre = r.placebo.n_units - 1, len(r.placebo.pre_years)
    gaps = [y for y in r.panel.dropped_years if r.placebo.pre_years[0] <= y < r.event.year]
    return (
        f"Weak design: {n_d} donors (the smallest attainable one-sided p is {1 / (n_d + 1):.2f}), {n_pre} pre-event "
        f"years ({', '.join(map(str, r.placebo.pre_years))})"
        + (f", with the treated unit's {', '.join(map(str, gaps))} dropped as incomplete reports" if gaps else "")
        + "; read this estimate as indicative only."
    )


def _inference_phrase(runs: list[Run]) -> str:
    """How many of these gaps are negative and how many are unusual among the placebo units."""
    neg = sum(r.mean_gap < 0 for r in runs)
    sig = sum(r.mean_gap < 0 and r.placebo.p_reduction <= RB.ALPHA for r in runs)
    return (
        f"{neg} of {len(runs)} gaps are negative and {sig} of them unusual among placebo municipalities "
        f"(one-sided p ≤ {RB.ALPHA:.2f}). "
    )


def _open_phrase(ts: list[Threat]) -> str:
    o = [t.name for t in ts if t.open]
    return f"Threats left open: {'; '.join(o)}." if o else "No probed threat is left open."


def _D(data_dir):
    return design(str(data_dir) if data_dir is not None else None)


def _nt(cid: str) -> ClaimResult:
    return ClaimResult(cid, [], NOT_TESTABLE[cid], verdict="not testable")


@claim_check(CHAPTER, "C065")
def c065(data_dir=None) -> ClaimResult:
    D = _D(data_dir)
    # C065 (★c part): the work line sharply reduces costs — one check per reform event
    checks = [_effect_check(D, "C065", "c_reduction", PRIMARY, e.key) for e in EVENTS]
    return (
        ClaimResult(
            "C065",
            checks,
            "Växjö/Skurup part: cost of assistance vs synthetic control "
            + "; ".join(f"{c.label.split(':')[0]} {c.reproduced:+.0f} % ({c.verdict})" for c in checks)
            + ". "
            + _inference_phrase([D.runs[(PRIMARY, e.key)] for e in EVENTS]),
        )
    )


@claim_check(CHAPTER, "C066")
def c066(data_dir=None) -> ClaimResult:
    D = _D(data_dir)
    # C066 (★c part): more people self-supporting, stronger tax base
    ss = [_effect_check(D, "C066", "c_self_support", "N31807", e.key) for e in EVENTS]
    tb = [_effect_check(D, "C066", "c_tax_base", "N00903", ek, direction=+1) for ek in ("vaxjo2012", "skurup2019")]
    return (
        ClaimResult(
            "C066",
            ss + tb,
            "Växjö/Skurup part: share of inhabitants on assistance vs synthetic control "
            + "; ".join(f"{c.label.split(':')[0]} {c.reproduced:+.0f} %" for c in ss)
            + "; tax capacity "
            + "; ".join(f"{c.label.split(':')[0]} {c.reproduced:+.1f} %" for c in tb)
            + ".",
        )
    )


@claim_check(CHAPTER, "C128")
def c128(data_dir=None) -> ClaimResult:
    return _nt("C128")


@claim_check(CHAPTER, "C129")
def c129(data_dir=None) -> ClaimResult:
    D = _D(data_dir)
    # C129: Växjölöftet had a large effect on the cost of paid assistance
    c129 = [_effect_check(D, "C129", "effect_cost", k, "vaxjo2015") for k in ("N31001", "N31004")]
    return (
        ClaimResult(
            "C129",
            c129,
            f"After 2015 Växjö's cost was {c129[0].reproduced:+.0f} % and its paid amounts excl. refugee households "
            f"{c129[1].reproduced:+.0f} % relative to its synthetic control. The 2015 synthetic control is fitted on "
            "years that include the post-2012 years, so this estimate cannot be separated from continuing 2012 "
            "dynamics and must not be added to the 2012 estimate. "
            + _inference_phrase([D.runs[(k, "vaxjo2015")] for k in ("N31001", "N31004")])
            + _open_phrase(D.threats["vaxjo2015"]),
        )
    )


@claim_check(CHAPTER, "C130")
def c130(data_dir=None) -> ClaimResult:
    D = _D(data_dir)
    # C130: 2012 activity requirement (fact not testable; its implied effect is tested)
    decision = check_statement(
        "C130", "reform_year", None, "not testable",
        "The decision itself (activity requirement; adult education moved to the Labour and Welfare committee) "
        "is recorded in the municipality's minutes, not in public statistics; the effect the document implies is "
        "tested in the next checks.", unit="year")
    effects = [_effect_check(D, "C130", "implied_effect", k, "vaxjo2012",
                             label=f"Implied effect: {D.runs[(k, 'vaxjo2012')].outcome.label}")
               for k in ("N31001", "N31004")]
    return (
        ClaimResult(
            "C130",
            [decision, *effects],
            f"The 2012 decision itself is not in public data; the implied effect is tested: after 2012 Växjö's cost "
            f"was {effects[0].reproduced:+.0f} % and its paid amounts excl. refugee households "
            f"{effects[1].reproduced:+.0f} % relative to its synthetic control. "
            + _inference_phrase([D.runs[(k, "vaxjo2012")] for k in ("N31001", "N31004")])
            + _open_phrase(D.threats["vaxjo2012"]),
        )
    )


@claim_check(CHAPTER, "C131")
def c131(data_dir=None) -> ClaimResult:
    D = _D(data_dir)
    dd = str(data_dir) if data_dir is not None else None
    # C131: clear decline the year after 2015
    ch = one_year_changes(PRIMARY, 2015, dd)
    v = float(ch.loc[VAXJO])
    pct = float((ch <= v).mean())
    verdict = "contradicted" if v >= 0 else ("supported" if pct <= TOP else "partly supported")
    r15 = D.runs[(PRIMARY, "vaxjo2015")]
    note = (
        f"N31001 2015→2016: Växjö {np.expm1(v) * 100:+.1f} %, rank {int((ch < v).sum()) + 1} of {len(ch)} "
        f"municipalities (share with an equal or larger fall {pct:.2f}; Riket-wide changes shift all alike). "
        f"Synthetic-control gap 2016: {np.expm1(r15.fit.gap.loc[2016]) * 100:+.1f} % (one-sided placebo p = "
        f"{r15.placebo.p_year(2016):.3f}). Rule: supported if Växjö's change is negative and among the {TOP:.0%} "
        "largest falls; partly supported if negative but not unusual; contradicted if not negative."
    )
    return (
        ClaimResult(
            "C131",
            [check_statement("C131", "decline_2016", round(np.expm1(v) * 100, 1), verdict, note, year_data=2016, unit="% change 2015→2016")],
            f"Växjö's cost changed {np.expm1(v) * 100:+.0f} % from 2015 to 2016; {pct:.0%} of municipalities had a "
            "change at least as negative.",
        )
    )


@claim_check(CHAPTER, "C132")
def c132(data_dir=None) -> ClaimResult:
    return _nt("C132")


@claim_check(CHAPTER, "C133")
def c133(data_dir=None) -> ClaimResult:
    return _nt("C133")


@claim_check(CHAPTER, "C134")
def c134(data_dir=None) -> ClaimResult:
    return _nt("C134")


@claim_check(CHAPTER, "C136")
def c136(data_dir=None) -> ClaimResult:
    D = _D(data_dir)
    # C136: among the largest cuts 2012–2021
    c136 = [_rank_check(D, k) for k in ("N31001", "N31004")]
    return (
        ClaimResult(
            "C136",
            c136,
            f"On the cost of assistance (N31001) Växjö ranks {D.ranking['N31001']['rank kr']} of "
            f"{D.ranking['N31001']['n']} for the fall 2012→2021 ({D.ranking['N31001']['change %']:+.0f} %); on paid "
            f"amounts (N31004) {D.ranking['N31004']['rank kr']} of {D.ranking['N31004']['n']} "
            f"({D.ranking['N31004']['change %']:+.0f} %). The claim's verdict aggregates the two measures' checks "
            f"(checks that differ give partly supported); on the primary measure (N31001) alone it is {c136[0].verdict}.",
        )
    )


@claim_check(CHAPTER, "C137")
def c137(data_dir=None) -> ClaimResult:
    return _nt("C137")


@claim_check(CHAPTER, "C138")
def c138(data_dir=None) -> ClaimResult:
    D = _D(data_dir)
    dd = str(data_dir) if data_dir is not None else None
    # C138: Skurup's paid assistance and households fell since 2019
    c138 = [_effect_check(D, "C138", "fall_since_2019", k, "skurup2019") for k in ("N31001", "N31004")]
    hh_run = D.runs[("HH", "skurup2019")]
    hh = _effect_check(D, "C138", "households_fall", "HH", "skurup2019")
    hh = replace(hh, note=weak_design(hh_run) + " " + hh.note)
    c138.append(hh)
    desc = [  # the before–after part of the claim
        _descriptive_check("C138", "fall_since_2019", "U31001", "paid assistance incl. refugee households (U31001)", "kr/inv", dd),
        _descriptive_check("C138", "fall_since_2019", "N31004", "paid assistance excl. refugee households (N31004)", "kr/inv", dd),
        _descriptive_check("C138", "households_fall", "HH", "households on assistance per 1,000 inhabitants", "per 1,000", dd),
    ]
    return (
        ClaimResult(
            "C138",
            c138 + desc,
            "Descriptively (the before–after part of the claim), from 2019 to the latest year Skurup's measures changed "
            + ", ".join(f"{c.reproduced:+.0f} % ({c.label.split(': ')[1].split(' (')[0]}, {c.year_data})" for c in desc)
            + ". Against its synthetic control 2019–2022 (the causal part): cost "
            + f"{c138[0].reproduced:+.0f} %, paid amounts excl. refugee households {c138[1].reproduced:+.0f} %, "
            f"households {c138[2].reproduced:+.0f} % (a weak design: {hh_run.placebo.n_units - 1} donors, "
            f"{len(hh_run.placebo.pre_years)} pre-event years). "
            + _inference_phrase([D.runs[(k, "skurup2019")] for k in ("N31001", "N31004", "HH")])
            + _open_phrase(D.threats["skurup2019"]),
        )
    )


@claim_check(CHAPTER, "C139")
def c139(data_dir=None) -> ClaimResult:
    return _nt("C139")


@claim_check(CHAPTER, "C140")
def c140(data_dir=None) -> ClaimResult:
    return (
        ClaimResult(
            "C140",
            [],
            "Activation-reforms part: the survey is not public; the chapter uses the claim only as a threat "
            "(similar rules elsewhere in the donor pool bias the estimated effects towards zero).",
            verdict="not testable",
        )
    )


@claim_check(CHAPTER, "C141")
def c141(data_dir=None) -> ClaimResult:
    D = _D(data_dir)
    dd = str(data_dir) if data_dir is not None else None
    saving = illustrative_saving(D, dd)
    return (
        ClaimResult(
            "C141",
            [
                check_statement(
                    "C141",
                    "c_savings",
                    round(saving, 1),
                    "not testable",
                    "A counterfactual. Illustration only: if every municipality's cost of assistance (N31001, "
                    f"{D.last_year}) fell by Växjö's estimated post-2012 gap, the total would fall by about "
                    f"{saving:.1f} bn kr a year; the gap is itself not distinguishable from placebo municipalities.",
                    year_data=D.last_year,
                    unit="bn kr per year (illustrative)",
                )
            ],
            f"Not testable (a counterfactual); scaling Växjö's estimated gap to the country gives about {saving:.0f} bn "
            "kr a year, an upper-end illustration resting on an effect that is not statistically distinguishable.",
            verdict="not testable",
        )
    )


@claim_check(CHAPTER, "C154")
def c154(data_dir=None) -> ClaimResult:
    dd = str(data_dir) if data_dir is not None else None
    c154 = [_model_check("C154", f"c_{n}_above_expectation", u, dd) for n, u in (("vaxjo", VAXJO), ("skurup", SKURUP))]
    return (
        ClaimResult(
            "C154",
            c154,
            "Växjö/Skurup part: net cost of assistance ÷ RKA's structure-based model cost "
            + ", ".join(f"{c.label.split(':')[0]} {c.reproduced:.2f}" for c in c154)
            + " (2020–2022); a level, not proof of a policy effect.",
        )
    )


@claim_check(CHAPTER, "C156")
def c156(data_dir=None) -> ClaimResult:
    D = _D(data_dir)
    c156 = [_immediate_check(D, e.key) for e in EVENTS]
    return (
        ClaimResult(
            "C156",
            c156,
            "Gap vs synthetic control in the event year or the year after (the more unusual of the two): "
            + "; ".join(f"{c.label.split(':')[0]} {c.reproduced:+.0f} % in {c.year_data} ({c.verdict})" for c in c156)
            + ".",
        )
    )


def evaluate(data_dir=None) -> list[ClaimResult]:
    """All ★c claims of the chapter (and the ★c parts of C065, C066, C140, C141, C154), from the registry."""
    return registry.evaluate(CHAPTER, data_dir)
