"""Chapter 'activation-reforms': the ★c claims of document 003 (Växjö 2012/2015, Skurup 2019).

``evaluate(data_dir)`` is the single implementation of every verdict; the notebook calls
it once and narrates. The heavy part (synthetic controls, in-space and in-time placebos,
event-study regressions for three events and several outcomes) is computed once by
:func:`design` and shared by the claims.

Every outcome is analysed in **logs**: Kolada's kr-per-inhabitant values are in current
prices and the national caseload moved a lot over 1998–2022; with donor weights that sum
to one (synthetic control) or year fixed effects (event study), any change common to all
municipalities in proportion — prices, the national business cycle, national rules —
drops out of a log gap. Effects are reported in log points, in % (exp(gap) − 1) and, for
kr outcomes, in kr per inhabitant (actual − exp(synthetic log)).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from ..config import data_dir as resolve_data_dir
from ..errors import DataError
from ..methods.eventstudy import EventStudy, event_study
from ..methods.placebo import PlaceboResult, in_space, in_time
from ..rules import registry
from ..rules import rulebook as RB
from ..rules.claims import ClaimResult, check_statement
from ..rules.registry import claim_check
from ..sources.codes import SKURUP, SOLNA, VAXJO
from ..sources.kolada import load_kpis
from ..sources.municipalities import municipalities, names

CHAPTER = "activation-reforms"
TITLE = "Activation reforms"
ALPHA = RB.ALPHA  # the rulebook's significance level (one-sided placebo p)
SPIKE = 0.4  # a one-year log deviation from both neighbours' mean above this marks an incomplete report
TOP = 0.10  # "among the municipalities that cut the most": within the 10 % largest falls
LAST = 2022  # the snapshot ends here (checked against the data in design())

# Municipalities the document presents as applying a work line: never donors for each other.
REFORM_UNITS = {
    VAXJO: "Växjö (activity requirement 2012, Växjölöftet 2015)",
    SKURUP: "Skurup (reform programme 2019)",
    SOLNA: "Solna (work line since the early 2000s, same document)",
}


@dataclass(frozen=True)
class Event:
    key: str
    label: str
    unit: str
    year: int  # first year of the reform (post period = this year and later)
    leads: int
    lags: int  # up to the last snapshot year, so that the event study and the synthetic control share the post years
    earlier: int | None = None  # first year of an earlier reform of the same unit (its years are not 'clean' pre-years)

    @property
    def clean_until(self) -> int:
        """First year that is no longer free of any reform of this unit (fake events must end before it)."""
        return self.earlier if self.earlier is not None else self.year


EVENTS = (
    Event("vaxjo2012", "Växjö 2012: activity requirement", VAXJO, 2012, 6, LAST - 2012),
    Event("vaxjo2015", "Växjö 2015: Växjölöftet", VAXJO, 2015, 6, LAST - 2015, earlier=2012),
    Event("skurup2019", "Skurup 2019: reform programme", SKURUP, 2019, 6, LAST - 2019),
)
EVENT = {e.key: e for e in EVENTS}


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    unit: str
    start: int
    kr: bool = False
    sos: bool = False  # from Socialstyrelsen's register (shares its reporting gaps)


OUTCOMES = {
    "N31001": Outcome("N31001", "Kostnad ekonomiskt bistånd (cost, municipal accounts)", "kr/inv", 1998, kr=True),
    "N31004": Outcome(
        "N31004", "Utbetalt ekonomiskt bistånd exkl. flyktinghushåll (paid, SoS)", "kr/inv", 1995, kr=True, sos=True
    ),
    "N31807": Outcome("N31807", "Inhabitants receiving assistance during the year", "% of pop.", 1994, sos=True),
    "N31816": Outcome("N31816", "Adults with long-term assistance", "% of pop.", 2010, sos=True),
    "HH": Outcome("HH", "Households receiving assistance (N31910 ÷ N01951)", "per 1,000 inh.", 2012, sos=True),
    "N00903": Outcome("N00903", "Skattekraft (tax capacity)", "kr/inv", 1998, kr=True),
}
PRIMARY = "N31001"


# ------------------------------------------------------------------ panels
@lru_cache(maxsize=16)
def level_panel(key: str, data_dir: str | None) -> pd.DataFrame:
    """Year × municipality levels of one outcome from its first year to the last (no Riket)."""
    out = OUTCOMES[key]
    if key == "HH":
        hh = level_panel_kpi("N31910", data_dir)
        pop = level_panel_kpi("N01951", data_dir)
        wide = hh / pop.reindex_like(hh) * 1000
    else:
        wide = level_panel_kpi(key, data_dir)
    wide = wide.loc[[y for y in wide.index if y >= out.start]]
    if wide.empty:
        raise DataError(f"{key}: no values from {out.start}")
    return wide


def level_panel_kpi(kpi: str, data_dir: str | None) -> pd.DataFrame:
    tidy = load_kpis(kpi, data_dir)
    tidy = tidy[tidy["municipality"] != "0000"]
    return tidy.pivot(index="year", columns="municipality", values="value").sort_index()


def spike_years(series: pd.Series, threshold: float = SPIKE) -> list[int]:
    """Years whose log value deviates by more than ``threshold`` from the mean of both
    neighbouring years, in the same direction (a value that collapses and recovers)."""
    s = np.log(series.dropna().sort_index())
    out = []
    years = list(s.index)
    for i in range(1, len(years) - 1):
        if years[i - 1] != years[i] - 1 or years[i + 1] != years[i] + 1:
            continue
        d_prev, d_next = s.iloc[i] - s.iloc[i - 1], s.iloc[i] - s.iloc[i + 1]
        if np.sign(d_prev) == np.sign(d_next) and abs(s.iloc[i] - (s.iloc[i - 1] + s.iloc[i + 1]) / 2) > threshold:
            out.append(int(years[i]))
    return out


def suspect_years(unit: str, data_dir: str | None) -> list[int]:
    """Years in which the unit's report to Socialstyrelsen looks incomplete: a spike in the
    paid amount (N31004). All register-based outcomes of that unit drop these years."""
    return spike_years(level_panel("N31004", data_dir)[unit])


@dataclass
class Panel:
    logs: pd.DataFrame  # year × (treated + donors), complete
    levels: pd.DataFrame
    dropped_years: list[int]  # treated unit's missing or suspect years
    excluded: dict[str, str]  # municipality → reason (not a donor)


def event_panel(key: str, event: Event, data_dir: str | None) -> Panel:
    """Log panel for one outcome and event: the treated unit's usable years, donors complete
    and positive in those years, the other reform municipalities excluded."""
    lv = level_panel(key, data_dir)
    t = event.unit
    if t not in lv.columns:
        raise DataError(f"{key}: no values for {t}")
    dropped = [int(y) for y in lv.index if not np.isfinite(lv.loc[y, t]) or lv.loc[y, t] <= 0]
    if OUTCOMES[key].sos:
        dropped += [y for y in suspect_years(t, data_dir) if y not in dropped]
    years = [y for y in lv.index if y not in dropped]
    lv = lv.loc[years]
    excluded = {u: REFORM_UNITS[u] for u in REFORM_UNITS if u != t and u in lv.columns}
    lv = lv.drop(columns=list(excluded))
    bad = [c for c in lv.columns if c != t and (lv[c].isna().any() or (lv[c] <= 0).any())]
    for c in bad:
        excluded[c] = "missing or zero values in the panel years"
    lv = lv.drop(columns=bad)
    lv = lv[[t] + [c for c in lv.columns if c != t]]
    if len(lv.columns) < 20:
        raise DataError(f"{key}, {event.label}: only {len(lv.columns) - 1} donors with complete data")
    return Panel(np.log(lv), lv, sorted(dropped), excluded)


# ------------------------------------------------------------------ one event × outcome
@dataclass
class Run:
    event: Event
    outcome: Outcome
    panel: Panel
    placebo: PlaceboResult
    es: EventStudy | None
    fake: pd.DataFrame | None

    @property
    def fit(self):
        return self.placebo.fit

    @property
    def post(self) -> list[int]:
        return self.placebo.post_years

    @property
    def mean_gap(self) -> float:
        return self.fit.post_mean_gap

    @property
    def mean_pct(self) -> float:
        return float(np.expm1(self.mean_gap) * 100)

    def synthetic_level(self) -> pd.Series:
        return np.exp(self.fit.synthetic)

    def kr_gap(self) -> pd.Series:
        """actual − synthetic, in the outcome's level units, per year."""
        return self.panel.levels[self.event.unit] - self.synthetic_level()

    def effect_table(self) -> pd.DataFrame:
        years = self.post
        g = self.fit.gap.loc[years]
        tab = pd.DataFrame(
            {
                "year": years,
                f"actual ({self.outcome.unit})": self.panel.levels.loc[years, self.event.unit].to_numpy(),
                f"synthetic ({self.outcome.unit})": self.synthetic_level().loc[years].to_numpy(),
                f"gap ({self.outcome.unit})": self.kr_gap().loc[years].to_numpy(),
                "gap (%)": np.expm1(g.to_numpy()) * 100,
                "one-sided placebo p": [self.placebo.p_year(y) for y in years],
            }
        )
        avg = {
            "year": "average",
            f"actual ({self.outcome.unit})": tab.iloc[:, 1].mean(),
            f"synthetic ({self.outcome.unit})": tab.iloc[:, 2].mean(),
            f"gap ({self.outcome.unit})": tab.iloc[:, 3].mean(),
            "gap (%)": self.mean_pct,
            "one-sided placebo p": self.placebo.p_reduction,
        }
        return pd.concat([tab, pd.DataFrame([avg])], ignore_index=True)


def run(key: str, event: Event, data_dir: str | None, with_es: bool = True) -> Run:
    p = event_panel(key, event, data_dir)
    pl = in_space(p.logs, event.unit, event.year)
    es = fake = None
    if with_es:
        pre = [y for y in p.logs.index if y < event.year]
        ref = -1 if event.year - 1 in pre else max(pre) - event.year
        es = event_study(p.logs, event.unit, event.year, leads=event.leads, lags=event.lags, ref=ref)
        # fake event years before the real one (and before any earlier reform of the same unit),
        # leaving at least 8 fitting years and up to 4 'post' years that end before the first reform
        first = int(p.logs.index.min())
        cut = event.clean_until
        fakes = [y for y in range(first + 8, cut) if y <= cut - 2]
        if fakes:
            fake = in_time(p.logs, event.unit, cut, fakes, horizon=4, min_pre=8)
            # the real gap over the same number of post years as each fake (a like-for-like comparison)
            post = pl.post_years
            fake["real gap, same no. of years"] = [float(pl.fit.gap.loc[post[:n]].mean()) for n in fake["n post years"]]
    return Run(event, OUTCOMES[key], p, pl, es, fake)


# ------------------------------------------------------------------ threats
@dataclass
class Threat:
    name: str
    open: bool  # True: cannot be ruled out
    detail: str
    probed: bool = True  # False: no data to probe it with (shown as such, never as 'not found')


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
    # refugee reception: costs of refugee households move in time with the establishment programme
    t_fb, s_fb = weighted_change("N02926", main, event.year - 1, end, data_dir)
    refugee_open = (sos.mean_gap >= 0) or (t_fb - s_fb < -1.0)
    out.append(
        Threat(
            "refugee reception and the establishment programme",
            refugee_open,
            f"excluding refugee households (N31004) the mean gap is {sos.mean_pct:+.0f} % "
            f"(one-sided p = {sos.placebo.p_reduction:.2f}); the foreign-born share grew {t_fb:+.1f} pp "
            f"{event.year - 1}–{end} vs {s_fb:+.1f} pp for the synthetic control "
            f"(open if the N31004 gap is not negative or the treated share grew >1 pp less). Both probes are "
            "imperfect: the foreign-born share (N02926) counts all migrants, not refugees, and N31004 leaves a "
            "refugee household out only during its first years after arrival, so a cohort such as that of "
            "2015–16 enters N31004 some years later.",
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


# ------------------------------------------------------------------ the design
@dataclass
class Design:
    runs: dict  # (outcome key, event key) → Run
    threats: dict  # event key → list[Threat]
    last_year: int
    ranking: dict = field(default_factory=dict)  # kpi → rank summary 2012→2021
    sensitivity: dict = field(default_factory=dict)  # kpi → DataFrame
    data_dir: str | None = None


RUN_PLAN = {
    "N31001": ("vaxjo2012", "vaxjo2015", "skurup2019"),
    "N31004": ("vaxjo2012", "vaxjo2015", "skurup2019"),
    "N31807": ("vaxjo2012", "vaxjo2015", "skurup2019"),
    "N31816": ("vaxjo2015", "skurup2019"),
    "HH": ("skurup2019",),
    "N00903": ("vaxjo2012", "skurup2019"),
}


@lru_cache(maxsize=2)
def design(data_dir: str | None = None, progress: bool = False) -> Design:
    data_dir = str(resolve_data_dir(data_dir)) if data_dir is not None else None
    last = int(level_panel(PRIMARY, data_dir).index.max())
    if last != LAST:
        raise DataError(f"{PRIMARY} ends in {last}, the chapter's text assumes {LAST}; update LAST and the text")
    runs = {}
    for key, events in RUN_PLAN.items():
        for ek in events:
            if progress:
                print(f"[activation-reforms] {key} × {EVENT[ek].label}", flush=True)
            runs[(key, ek)] = run(key, EVENT[ek], data_dir)
    th = {e.key: threats(runs, e, data_dir) for e in EVENTS}
    ranking = {k: rank_summary(k, 2012, 2021, data_dir=data_dir) for k in ("N31001", "N31004")}
    sens = {k: ranking_sensitivity(k, data_dir) for k in ("N31001", "N31004")}
    return Design(runs, th, last, ranking, sens, data_dir)


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
    alts = RB.alpha_alternatives(lambda a: effect_verdict(r, direction, open_t, alpha=a)[0])
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


def _immediate_check(D: Design, ek: str):
    """'Almost immediate': the gap in the event year or the year after (C156)."""
    r = D.runs[(PRIMARY, ek)]
    e = r.event.year
    yrs = [y for y in (e, e + 1) if y in r.post]
    gaps = {y: float(np.expm1(r.fit.gap.loc[y]) * 100) for y in yrs}
    ps = {y: r.placebo.p_year(y) for y in yrs}
    later = [y for y in r.post if y > e + 1]
    later_pct = float(np.expm1(r.fit.gap.loc[later].mean()) * 100) if later else float("nan")
    def decide(alpha: float) -> str:  # an effect claim: the right sign alone is not evidence of an effect
        return RB.SUPPORTED if any(gaps[y] < 0 and ps[y] <= alpha for y in yrs) else RB.NOT_SUPPORTED

    verdict = decide(ALPHA)
    first = min(yrs, key=lambda y: ps[y])
    note = (
        f"{r.event.label}, N31001: gap vs synthetic control "
        + ", ".join(f"{y}: {gaps[y]:+.1f} % (one-sided placebo p = {ps[y]:.3f})" for y in yrs)
        + (f"; later years {later[0]}–{later[-1]} on average {later_pct:+.1f} %" if later else "")
        + f". Rule: supported if the gap in the event year or the year after is negative with one-sided placebo "
        f"p ≤ {ALPHA:.2f}; not supported otherwise (a negative gap that is not unusual among placebo "
        "municipalities is no evidence of an effect, as in the effect rule above)."
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
        rule="directional-test",
        alternatives=RB.alpha_alternatives(decide),
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


def _descriptive_check(cid: str, key: str, measure: str, label: str, unit_txt: str, data_dir: str | None):
    d = before_after(measure, SKURUP, 2019, data_dir)
    c = d["change %"]
    verdict = "supported" if c <= -CLEAR else ("partly supported" if c < 0 else "contradicted")
    note = (
        f"Descriptive, not causal: Skurup's {label} {d['start']}→{d['end']}: {d['from']:.1f} → {d['to']:.1f} "
        f"{unit_txt} ({c:+.1f} %). Current prices for kr values; national changes are not netted out (the "
        f"synthetic-control checks do that). Rule: supported if it fell by at least {CLEAR:.0f} % (\"clearly\"), "
        "partly supported if it fell by less, contradicted if it did not fall."
    )
    return check_statement(
        cid, key, round(c, 1), verdict, note, year_data=f"{d['start']}–{d['end']}", unit="% change (descriptive)",
        label=f"Skurup {d['start']}→{d['end']}, descriptive: {label}",
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
    sig = sum(r.mean_gap < 0 and r.placebo.p_reduction <= ALPHA for r in runs)
    return (
        f"{neg} of {len(runs)} gaps are negative and {sig} of them unusual among placebo municipalities "
        f"(one-sided p ≤ {ALPHA:.2f}). "
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


# ------------------------------------------------------------------ figures and tables (the notebook only displays)
def _plt():
    import matplotlib.pyplot as plt

    from ..presentation.plotting import PALETTE

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
    axes[0].legend(fontsize=8)
    if axes[2].get_legend_handles_labels()[0]:
        axes[2].legend(fontsize=7)
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
        ax.legend(fontsize=8)
    axes[0].set_ylabel(f"{outcome}, {OUTCOMES[outcome].unit}")
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
    axes[0].legend(fontsize=8)
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
        ax.legend(fontsize=8)
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
    axes[0].legend(fontsize=8)
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
        ax.legend(fontsize=8)
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


def placebo_summary(D: Design) -> pd.DataFrame:
    rows = []
    for (k, ek), r in D.runs.items():
        rows.append(
            {
                "event": EVENT[ek].label,
                "outcome": f"{k}: {OUTCOMES[k].label}",
                "years": f"{r.panel.logs.index.min()}–{r.panel.logs.index.max()}",
                "dropped years (treated)": ", ".join(map(str, r.panel.dropped_years)) or "–",
                "donors": r.placebo.n_units - 1,
                "pre-RMSPE (log)": r.fit.rmspe_pre,
                "mean post gap (%)": r.mean_pct,
                "one-sided p": r.placebo.p_one_sided(direction=1 if k == "N00903" else -1),
                "RMSPE ratio rank": f"{r.placebo.rank_ratio}/{r.placebo.n_units}",
                "ratio p": r.placebo.p_ratio,
                "ES post mean (log)": r.es.post_mean if r.es else np.nan,
                "ES pre-trend p": r.es.pre_trend_p if r.es else np.nan,
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
