"""activation-reforms: the effect and ranking checks under the rulebook."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...methods.placebo import PlaceboResult
from ...rules import rulebook as RB
from ...sources.codes import VAXJO
from ...sources.municipalities import municipalities, names
from .panels import Run, level_panel_kpi, suspect_years
from .threats import Threat

# ------------------------------------------------------------------ verdict rules
EFFECT_RULE = (
    f"Rule effect-event (α = {RB.ALPHA:g}): the directional test decides first — the synthetic-control mean "
    "post-event gap in the claimed direction with a one-sided in-space placebo p ≤ α (otherwise not supported; the "
    "opposite direction with p ≤ α is contradicted); rule power: a 'not supported' whose minimum detectable effect "
    f"(MDE, {RB.POWER * 100:.0f} % power, effects planted in placebo units) exceeds the claimed effect "
    f"({RB.PLAUSIBLE_EFFECT * 100:.0f} %: {RB.plausible_log_effect(-1):.3f} log points for a fall) is not testable. A "
    "significant gap stays supported only if (c) the event-study mean post coefficient has a placebo "
    f"{1 - 2 * RB.ALPHA:.0%} interval on the claimed side with both the year before the event and the mean of the "
    f"earlier leads as reference, (d) that interval stays on the claimed side under pre-trend violations up to "
    f"M̄ = {RB.RM_MBAR:g} (relative magnitudes) and (e) no probed threat stays open; otherwise it is partly "
    "supported. Donor-pool variants (leave-one-out, declared pools, ridge-augmented estimator) and the pre-peak "
    "baseline are stability alternatives."
)


def effect_decision(pl: PlaceboResult, es, direction: int, open_threats, alpha: float = RB.ALPHA) -> str:
    """Verdict of rule effect-event for one placebo run (the main run or a donor-pool variant)."""
    a = pl.fit.post_mean_gap * direction > 0
    p = pl.p_one_sided(direction=direction)
    p_opp = pl.p_one_sided(direction=-direction)
    verdict = RB.directional_test(a, p, p_opp, alpha, n_units=len(pl.good_fit()))
    verdict = RB.power_rule(verdict, pl.mde(alpha, direction=direction), RB.plausible_log_effect(direction))
    if verdict == RB.SUPPORTED and not (es_conditions(es, direction)[0] and not open_threats):
        verdict = RB.PARTLY
    return verdict


def es_conditions(es, direction: int) -> tuple[bool, bool, bool]:
    """(c and d, c, d): the event-study interval on the claimed side with both references (c) and
    under pre-trend violations up to M̄ = RB.RM_MBAR (d)."""
    if es is None:
        return False, False, False
    lo, hi = es.post_ci
    rlo, rhi = es.rebased()["post_ci"]
    c = ((hi < 0) and (rhi < 0)) if direction < 0 else ((lo > 0) and (rlo > 0))
    d = es.breakdown(direction) >= RB.RM_MBAR
    return c and d, c, d


def effect_alternatives(r: Run, direction: int, open_threats, data_dir=None, decide=effect_decision) -> dict[str, str]:
    """The verdict at the other significance levels, under every donor-pool variant and, where
    computed, from the pre-peak baseline (stability alternatives)."""
    alts = RB.alpha_alternatives(lambda a: decide(r.placebo, r.es, direction, open_threats, alpha=a))
    nm = names(data_dir)
    for v in r.variants:
        if v.ok:
            alts[variant_name(v, nm)] = decide(v.placebo, r.es, direction, open_threats)
    if r.prepeak is not None:
        alts[f"pre-peak baseline (post period from {r.event.year - 1})"] = decide(r.prepeak, r.es, direction, open_threats)
    return alts


def variant_name(v, nm: dict | None = None) -> str:
    """The stability-alternative name of a donor-pool variant ('donor pool: …' / 'estimator: …')."""
    return v.alternative(nm)


def power_text(pl: PlaceboResult, direction: int = -1, years=None, alpha: float = RB.ALPHA) -> str:
    """MDE and floors, for every printed effect verdict."""
    mde = pl.mde(alpha, years=years, direction=direction)
    pn, nn = pl.p_similar_noise(years, direction)
    size = (f"{mde:.3f} log points ({np.expm1(-mde if direction < 0 else mde) * 100:+.0f} %; " if np.isfinite(mde)
            else "none (too few comparison units to reach the significance level; ")
    return (f"MDE at {RB.POWER * 100:.0f} % power {size}"
            f"the claimed effect is {RB.plausible_log_effect(direction):.3f}); p floor 1/{len(pl.good_fit())} = "
            f"{pl.floor():.3f}; among the {nn} units with similar pre-period noise p = {pn:.3f}")


def donor_text(r: Run, direction: int = -1) -> str:
    """Leave-one-out range and the declared pools' estimates, in one sentence."""
    loo = [v.placebo for v in r.variants if v.family == "leave-one-out"]
    parts = []
    if loo:
        g = [q.fit.post_mean_gap for q in loo]
        ps = [q.p_one_sided(direction=direction) for q in loo]
        parts.append(f"leaving out each of the {len(loo)} donors with positive weight: gap {min(g):+.3f} to "
                     f"{max(g):+.3f} log points, p {min(ps):.3f} to {max(ps):.3f}")
    for v in r.variants:
        if v.family == "leave-one-out":
            continue
        if v.ok:
            q = v.placebo
            parts.append(f"{v.label}: gap {q.fit.post_mean_gap:+.3f}, p = {q.p_one_sided(direction=direction):.3f} "
                         f"(floor {q.floor():.3f})")
        else:
            parts.append(f"{v.label}: {v.note}")
    if r.prepeak is not None:
        q = r.prepeak
        parts.append(f"from the pre-peak baseline (post period from {r.event.year - 1}): gap "
                     f"{q.fit.post_mean_gap:+.3f}, p = {q.p_one_sided(direction=direction):.3f}")
    return "Donor-pool sensitivity: " + "; ".join(parts) + "." if parts else ""


def effect_verdict(r: Run, direction: int = -1, open_threats: list[Threat] | None = None,
                   alpha: float = RB.ALPHA) -> tuple[str, str]:
    """Verdict and note for an effect claim on one event × outcome (rule effect-event)."""
    open_threats = open_threats or []
    pl = r.placebo
    a = r.mean_gap * direction > 0
    p = pl.p_one_sided(direction=direction)
    b = p <= alpha
    es = r.es
    cd, c, d = es_conditions(es, direction)
    if es is not None:
        lo, hi = es.post_ci
        rb = es.rebased()
        rlo, rhi = rb["post_ci"]
        wlo, whi = es.rm_interval(RB.RM_MBAR)
        es_txt = (
            f"event study: mean post coefficient {es.post_mean:+.3f} log points, placebo 90 % interval "
            f"[{lo:+.3f}, {hi:+.3f}] (reference {r.event.year + es.ref}); with the mean of the leads as reference "
            f"{rb['post_mean']:+.3f} [{rlo:+.3f}, {rhi:+.3f}]; widened for pre-trend violations up to M̄ = "
            f"{RB.RM_MBAR:g} × the largest pre-period change ({es.max_pre_change:.3f}) [{wlo:+.3f}, {whi:+.3f}], "
            f"breakdown M̄ = {es.breakdown(direction):.2f}"
        )
    else:
        es_txt = "no event study for this outcome"
    e = not open_threats
    verdict = effect_decision(pl, es, direction, open_threats, alpha)
    failed = [name for ok, name in ((b, "b"), (c, "c"), (d, "d"), (e, "e")) if not ok]
    kr = ""
    if r.outcome.kr:
        kr = f" ({float(r.kr_gap().loc[r.post].mean()):+.0f} {r.outcome.unit})"
    note = (
        f"{r.event.label}, {r.outcome.key} in logs: synthetic-control mean gap {r.post[0]}–{r.post[-1]} "
        f"{r.mean_pct:+.1f} %{kr}, pre-RMSPE {r.fit.rmspe_pre:.3f}, one-sided placebo p = {p:.3f}; "
        f"{power_text(pl, direction)} (RMSPE-ratio rank {pl.rank_ratio} of {pl.n_units}, p = {pl.p_ratio:.2f}, "
        f"floor {pl.ratio_floor:.3f} with the placebo units fitted almost exactly); {es_txt}. "
        + (f"Open threats: {'; '.join(t.name for t in open_threats)}. " if open_threats else "")
        + (f"Criteria not met: {', '.join(failed)}. " if a and failed else "")
        + ("Right direction only: neither inferential condition (b) nor (c) holds. " if a and not (b or c) else "")
        + donor_text(r, direction) + " "
        + EFFECT_RULE
    )
    return verdict, note


# ------------------------------------------------------------------ ranking (C136)
def change_table(kpi: str, start: int, end: int, data_dir: str | None) -> pd.DataFrame:
    """Each municipality's change start→end in level units and in %, with national and
    within-SKR-group ranks (rank 1 = the largest fall)."""
    lv = level_panel_kpi(kpi, data_dir)
    for y in (start, end):
        if y not in lv.index:
            raise DataError(f"{kpi}: no values for {y}")
    d = pd.DataFrame({"start": lv.loc[start], "end": lv.loc[end]}).dropna()
    d = d[(d["start"] > 0) & (d["end"] > 0)]
    if VAXJO not in d.index:
        raise DataError(f"{kpi}: Växjö lacks {start} or {end}")
    d["change"] = d["end"] - d["start"]
    d["change %"] = (d["end"] / d["start"] - 1) * 100
    meta = municipalities(data_dir).set_index("code")
    d["skr_group"] = meta["skr_group"].reindex(d.index)
    d["name"] = pd.Series(names(data_dir)).reindex(d.index)
    for col in ("change", "change %"):
        d[f"rank {col}"] = d[col].rank(method="min").astype(int)
        d[f"group rank {col}"] = d.groupby("skr_group")[col].rank(method="min").astype(int)
    d["group size"] = d.groupby("skr_group")["change"].transform("size")
    return d


def rank_summary(kpi: str, start: int, end: int, unit: str = VAXJO, data_dir: str | None = None) -> dict:
    d = change_table(kpi, start, end, data_dir)
    n = len(d)
    row = d.loc[unit]
    return {
        "kpi": kpi,
        "start": start,
        "end": end,
        "n": n,
        "change": float(row["change"]),
        "change %": float(row["change %"]),
        "rank kr": int(row["rank change"]),
        "rank %": int(row["rank change %"]),
        "percentile kr": float(row["rank change"] / n * 100),
        "percentile %": float(row["rank change %"] / n * 100),
        "group": row["skr_group"],
        "group rank kr": int(row["group rank change"]),
        "group rank %": int(row["group rank change %"]),
        "group size": int(row["group size"]),
    }


def unusable_years(kpi: str, unit: str, data_dir: str | None) -> list[int]:
    """Years of ``unit`` the chapter drops for this KPI: incomplete register reports (for the
    register-based KPIs, the same rule as in :func:`event_panel`)."""
    return suspect_years(unit, data_dir) if kpi in REGISTER_KPIS else []


REGISTER_KPIS = {"N31004", "U31001", "N31807", "N31816", "N31910"}  # Socialstyrelsen's register


SENS_STARTS, SENS_ENDS = (2011, 2012, 2013), (2020, 2021, 2022)


def ranking_sensitivity(kpi: str, data_dir: str | None, starts=SENS_STARTS, ends=SENS_ENDS) -> pd.DataFrame:
    """Växjö's rank for several start and end years; years whose register report the chapter
    drops as incomplete are not used as start or end years."""
    bad = unusable_years(kpi, VAXJO, data_dir)
    rows = [rank_summary(kpi, s, e, data_dir=data_dir) for s in starts for e in ends if s not in bad and e not in bad]
    if not rows:
        raise DataError(f"{kpi}: no usable start/end year for the ranking sensitivity")
    return pd.DataFrame(rows)


def one_year_changes(kpi: str, start: int, data_dir: str | None) -> pd.Series:
    """Every municipality's log change start→start+1 (for 'a clear decline the year after')."""
    lv = level_panel_kpi(kpi, data_dir)
    d = np.log(lv.loc[start + 1]) - np.log(lv.loc[start])
    return d.replace([np.inf, -np.inf], np.nan).dropna()
