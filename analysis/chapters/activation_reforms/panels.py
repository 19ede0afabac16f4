"""activation-reforms: panels of the outcomes and one synthetic control per event × outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ...errors import DataError
from ...methods import donorpool as DP
from ...methods.eventstudy import EventStudy, event_study
from ...methods.placebo import PlaceboResult, in_space, in_time
from ...sources.codes import SKURUP, SOLNA, VAXJO
from ...sources.kolada import load_kpis

CHAPTER = "activation-reforms"
TITLE = "Activation reforms"
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
VARIANT_OUTCOMES = ("N31001", "N31004", "N31807", "HH", "N00903")  # the outcomes effect checks rest on


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
    variants: list = field(default_factory=list)  # donor-pool variants and the second estimator (DP.Variant)
    prepeak: PlaceboResult | None = None  # the same estimate with the post period from the last pre-event year on

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


def run(key: str, event: Event, data_dir: str | None, with_es: bool = True, with_variants: bool = True) -> Run:
    p = event_panel(key, event, data_dir)
    pl = in_space(p.logs, event.unit, event.year)
    variants, prepeak = [], None
    if with_variants and key in VARIANT_OUTCOMES:
        pools = DP.declared_pools(event.unit, event.year, list(p.logs.columns), data_dir)
        variants = DP.sensitivity(pl, p.logs, pools)
        if key == PRIMARY and event.year - 1 in p.logs.index:
            # the pre-peak baseline: the last pre-event year (a cost peak for Skurup 2019) counted as post
            prepeak = in_space(p.logs, event.unit, event.year - 1)
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
    return Run(event, OUTCOMES[key], p, pl, es, fake, variants, prepeak)
