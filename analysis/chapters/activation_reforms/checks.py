"""activation-reforms: the effect and ranking checks under the rulebook."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...rules import rulebook as RB
from ...sources.codes import VAXJO
from ...sources.municipalities import municipalities, names
from .panels import Run, level_panel_kpi, suspect_years
from .threats import Threat

# ------------------------------------------------------------------ verdict rules
EFFECT_RULE = (
    f"Rule effect-event (α = {RB.ALPHA:g}): the directional test decides first — the synthetic-control mean "
    "post-event gap in the claimed direction with a one-sided in-space placebo p ≤ α (otherwise not supported; the "
    "opposite direction with p ≤ α is contradicted). A significant gap stays supported only if (c) the event-study "
    f"mean post coefficient has a placebo {1 - 2 * RB.ALPHA:.0%} interval on the claimed side of 0 with both the year "
    "before the event and the mean of the earlier leads as reference, (d) the leads pass the pre-trend test "
    "(permutation p > α) and (e) no probed threat stays open; otherwise it is partly supported."
)


def effect_verdict(r: Run, direction: int = -1, open_threats: list[Threat] | None = None,
                   alpha: float = RB.ALPHA) -> tuple[str, str]:
    """Verdict and note for an effect claim on one event × outcome (rule effect-event)."""
    open_threats = open_threats or []
    a = r.mean_gap * direction > 0
    p = r.placebo.p_one_sided(direction=direction)
    p_opp = r.placebo.p_one_sided(direction=-direction)
    b = p <= alpha
    es = r.es
    if es is not None:
        lo, hi = es.post_ci
        rb = es.rebased()
        rlo, rhi = rb["post_ci"]
        c = ((hi < 0) and (rhi < 0)) if direction < 0 else ((lo > 0) and (rlo > 0))
        d = es.pre_trend_p > alpha
        es_txt = (
            f"event study: mean post coefficient {es.post_mean:+.3f} log points, placebo 90 % interval "
            f"[{lo:+.3f}, {hi:+.3f}] (reference {r.event.year + es.ref}); with the mean of the leads as reference "
            f"{rb['post_mean']:+.3f} [{rlo:+.3f}, {rhi:+.3f}]; pre-trend permutation p = {es.pre_trend_p:.2f}"
        )
    else:
        c = d = False
        es_txt = "no event study for this outcome"
    e = not open_threats
    verdict = RB.directional_test(a, p, p_opp, alpha, n_units=r.placebo.n_units)
    if verdict == RB.SUPPORTED and not (c and d and e):
        verdict = RB.PARTLY
    failed = [name for ok, name in ((b, "b"), (c, "c"), (d, "d"), (e, "e")) if not ok]
    kr = ""
    if r.outcome.kr:
        kr = f" ({float(r.kr_gap().loc[r.post].mean()):+.0f} {r.outcome.unit})"
    note = (
        f"{r.event.label}, {r.outcome.key} in logs: synthetic-control mean gap {r.post[0]}–{r.post[-1]} "
        f"{r.mean_pct:+.1f} %{kr}, pre-RMSPE {r.fit.rmspe_pre:.3f}, one-sided placebo p = {p:.3f} "
        f"(RMSPE-ratio rank {r.placebo.rank_ratio} of {r.placebo.n_units}, p = {r.placebo.p_ratio:.2f}); {es_txt}. "
        + (f"Open threats: {'; '.join(t.name for t in open_threats)}. " if open_threats else "")
        + (f"Criteria not met: {', '.join(failed)}. " if a and failed else "")
        + ("Right direction only: neither inferential condition (b) nor (c) holds. " if a and not (b or c) else "")
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
