"""Placebo inference for a synthetic control with one treated unit.

With a single treated municipality, clustered or robust standard errors have no
sampling distribution to lean on. Instead the estimator is re-run with every donor
in turn as the "treated" unit (*in space*; Abadie, Diamond & Hainmueller 2010) and with
fake event years before the real one (*in time*). The treated unit's statistic is then
ranked among the placebo statistics: if the reform had no effect, the treated unit is
one draw among J + 1 exchangeable units and its rank is uniform, so the smallest
attainable p-value is 1 / (J + 1).

Two statistics are reported:

* the post/pre RMSPE ratio (two-sided: a large departure of either sign, scaled by how
  well the unit was fitted before the event) — the standard one;
* the mean post-period gap, ranked from below among the units fitted about as well as the
  treated unit before the event (pre-MSPE ≤ 5 × the treated unit's, as in Abadie et al.,
  but never fewer than the better-fitted half of the placebo units):
  one-sided, is the treated unit's *fall* unusually large? This matches a claim of a
  reduction. With ~14 pre-period years and ~285 donors many placebo units are fitted
  almost perfectly (pre-RMSPE ≈ 0), which inflates their RMSPE ratios; the gap itself is
  not divided by that near-zero number.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .synth import PLACEBO_RIDGE, SynthResult, synth_weights, synthetic_control

FIT_FACTOR = 4.0  # pre-MSPE at most 4 × the treated unit's = pre-RMSPE at most 2 × (the rulebook's FIT_FACTOR, squared)
POWER = 0.80  # the power at which the minimum detectable effect is stated
NOISE_BAND = 2.0  # 'similar noise': pre-period SD of year-on-year changes within ½× … 2× the treated unit's
EXACT_FIT = 1e-3  # pre-RMSPE (log points) below which a placebo unit counts as fitted exactly


def one_sided_p(stat: pd.Series, pre_mspe: pd.Series, unit: str, factor: float = FIT_FACTOR,
                exclude=()) -> tuple[float, int]:
    """One-sided permutation p of ``unit``'s statistic (larger = further in the claimed direction)
    among the units fitted about as well before the event (pre-MSPE ≤ ``factor`` × ``unit``'s,
    the cut-off never below the median of the others), ``unit`` itself counted:
    p = #{k in the set, ``unit`` included: stat_k ≥ stat_unit} / size of the set.
    Returns (p, size of the set). ``exclude``: units left out of the comparison."""
    keep = [u for u in stat.index if u == unit or u not in set(exclude)]
    mspe = pre_mspe.loc[keep]
    cut = max(factor * float(mspe.loc[unit]), float(mspe.drop(unit).median()))
    good = mspe.index[mspe <= cut + 1e-18]
    s = stat.loc[good]
    return float((s >= s.loc[unit]).mean()), len(good)


def critical_shift(stat: pd.Series, pre_mspe: pd.Series, unit: str, alpha: float, factor: float = FIT_FACTOR,
                   exclude=()) -> float:
    """The smallest shift δ ≥ 0 in the claimed direction that, added to ``unit``'s statistic, makes
    its one-sided p (:func:`one_sided_p`) at most ``alpha`` (the infimum: any larger shift rejects).
    With n comparison units the p is (1 + #{k: stat_k ≥ stat_unit + δ}) / (n + 1), so at most
    r = ⌊α(n + 1)⌋ − 1 of them may stay at or above: δ = max(0, q_(r+1) − stat_unit), q sorted from the
    largest. Infinite when r < 0 (the smallest attainable p exceeds α)."""
    keep = [u for u in stat.index if u == unit or u not in set(exclude)]
    mspe = pre_mspe.loc[keep]
    cut = max(factor * float(mspe.loc[unit]), float(mspe.drop(unit).median()))
    good = mspe.index[mspe <= cut + 1e-18]
    others = np.sort(stat.loc[[u for u in good if u != unit]].to_numpy(float))[::-1]
    r = int(np.floor(alpha * (len(others) + 1) + 1e-12)) - 1
    if r < 0:
        return float("inf")
    if r >= len(others):
        return 0.0
    return max(0.0, float(others[r] - stat.loc[unit]))


def critical_shifts(stat: np.ndarray, mspe: np.ndarray, ref: np.ndarray, alpha: float,
                    factor: float = FIT_FACTOR) -> np.ndarray:
    """:func:`critical_shift` for each unit index in ``ref`` at once (numpy arrays over the same units;
    the units passed are the comparison candidates, the treated unit already removed)."""
    n = stat.size
    out = np.empty(len(ref))
    for i, j in enumerate(ref):
        rest = np.r_[0:j, j + 1 : n]
        cut = max(factor * mspe[j], float(np.median(mspe[rest])))
        others = stat[rest][mspe[rest] <= cut + 1e-18]
        r = int(np.floor(alpha * (others.size + 1) + 1e-12)) - 1
        if r < 0:
            out[i] = np.inf
        elif r >= others.size:
            out[i] = 0.0
        else:
            out[i] = max(0.0, float(-np.partition(-others, r)[r] - stat[j]))
    return out


def mde_from_shifts(shifts, power: float = POWER) -> float:
    """Minimum detectable effect: the smallest δ that at least ``power`` of the placebo units would
    detect (δ_j < δ), i.e. the ⌈power · n⌉-th smallest critical shift."""
    d = np.sort(np.asarray(list(shifts), float))
    if d.size == 0:
        return float("nan")
    return float(d[int(np.ceil(power * d.size - 1e-12)) - 1])


@dataclass
class PlaceboResult:
    """In-space placebo run: the treated fit plus one refit per donor."""

    fit: SynthResult  # the treated unit's synthetic control
    gaps: pd.DataFrame  # year × unit (treated first) gaps, each unit vs its own synthetic
    pre_rmspe: pd.Series  # unit → pre-period RMSPE
    post_rmspe: pd.Series
    ratios: pd.Series  # unit → post/pre RMSPE ratio
    pre_years: list[int]
    post_years: list[int]
    seconds: float = 0.0
    fit_panel: pd.DataFrame | None = None  # the outcome panel (year × units) the gaps come from
    weights: pd.DataFrame | None = None  # unit (row) → its synthetic's weights on the other units (columns)

    @property
    def treated(self) -> str:
        return self.fit.treated

    @property
    def n_units(self) -> int:
        return len(self.ratios)

    @property
    def rank_ratio(self) -> int:
        """Rank of the treated unit's RMSPE ratio (1 = largest)."""
        return int((self.ratios > self.ratios.loc[self.treated]).sum()) + 1

    @property
    def p_ratio(self) -> float:
        """Share of units with a ratio at least the treated unit's (two-sided)."""
        return float((self.ratios >= self.ratios.loc[self.treated]).mean())

    @property
    def ratio_floor(self) -> float:
        """Smallest ratio p the treated unit could get: 1/n, raised by the placebo units fitted
        (almost) exactly, whose ratios divide by ~0 and exceed any treated unit's that is not."""
        exact = int((self.pre_rmspe.drop(self.treated) < EXACT_FIT).sum())
        return (1 + exact) / self.n_units

    def floor(self, factor: float = FIT_FACTOR) -> float:
        """Smallest attainable one-sided p: 1 / (units in the comparison, the treated unit counted)."""
        return 1 / len(self.good_fit(factor))

    def stat(self, years: list[int] | None = None, direction: int = -1) -> pd.Series:
        """Every unit's mean gap over ``years`` (default the post period) times ``direction``
        (larger = further in the claimed direction)."""
        years = self.post_years if years is None else list(years)
        missing = [y for y in years if y not in self.gaps.index]
        if missing:
            raise DataError(f"No gaps for {missing}; years are {list(self.gaps.index)}")
        return self.gaps.loc[years].mean() * direction

    def mde(self, alpha: float, years: list[int] | None = None, direction: int = -1, power: float = POWER,
            factor: float = FIT_FACTOR) -> float:
        """Minimum detectable effect (log points, in the claimed direction) of the one-sided test at
        ``alpha`` with ``power``: an effect δ is planted in each placebo unit fitted about as well as
        the treated unit (its mean gap moved by δ; the treated unit is left out of its comparison)
        and the test run with that unit as the treated one; the MDE is the smallest δ detected in
        ``power`` of them. Others' placebo gaps are not refitted (a planted unit's shift would
        move only the fits that use it as a donor)."""
        key = (alpha, None if years is None else tuple(years), direction, power, factor)
        cache = self.__dict__.setdefault("_mde", {})
        if key not in cache:
            stat = self.stat(years, direction).drop(self.treated)
            mspe = (self.pre_rmspe**2).drop(self.treated)
            good = set(self.good_fit(factor))
            ref = np.array([i for i, u in enumerate(stat.index) if u in good], int)
            shifts = critical_shifts(stat.to_numpy(float), mspe.to_numpy(float), ref, alpha, factor)
            cache[key] = mde_from_shifts(shifts, power)
        return cache[key]

    def noise(self) -> pd.Series:
        """Each unit's pre-period noise: the SD of its year-on-year changes before the event."""
        return self.fit_panel.loc[self.pre_years].diff().std()

    def p_similar_noise(self, years: list[int] | None = None, direction: int = -1, band: float = NOISE_BAND,
                        factor: float = FIT_FACTOR) -> tuple[float, int]:
        """One-sided p among placebo units whose pre-period noise is within 1/band … band × the
        treated unit's (unequal noise: a small municipality's series move more in any year).
        Returns (p, units compared, the treated unit counted)."""
        nz = self.noise()
        t = float(nz.loc[self.treated])
        other = nz.index[(nz < t / band) | (nz > t * band)]
        return one_sided_p(self.stat(years, direction), self.pre_rmspe**2, self.treated, factor,
                           exclude=[u for u in other if u != self.treated])

    def good_fit(self, factor: float = FIT_FACTOR) -> pd.Index:
        """Units fitted nearly as well as the treated unit before the event: pre-MSPE at most
        ``factor`` × the treated unit's (Abadie, Diamond & Hainmueller 2010 drop the rest,
        whose post-period gaps say more about a failed fit than about an effect). The cut-off
        is never below the median placebo pre-MSPE: when the treated unit is fitted almost
        exactly, the rule would otherwise leave no comparison at all."""
        mspe = self.pre_rmspe**2
        t = mspe.loc[self.treated]
        cut = max(factor * t, float(mspe.drop(self.treated).median()))
        return self.pre_rmspe.index[mspe <= cut + 1e-18]

    def p_one_sided(self, years: list[int] | None = None, direction: int = -1, factor: float = FIT_FACTOR) -> float:
        """One-sided placebo p-value of the mean gap over ``years`` (default: the post period):
        the share of well-fitted units (treated included) whose mean gap is at least as far in
        ``direction`` (−1: a fall, +1: a rise) as the treated unit's."""
        return one_sided_p(self.stat(years, direction), self.pre_rmspe**2, self.treated, factor)[0]

    @property
    def p_reduction(self) -> float:
        """One-sided p-value for a fall over the whole post period (see :meth:`p_one_sided`)."""
        return self.p_one_sided()

    def p_year(self, year: int, direction: int = -1) -> float:
        """One-sided placebo p-value of the gap in a single year."""
        return self.p_one_sided([year], direction)


def _rmspe_cols(a: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean(np.square(a), axis=0))


def result_from_gaps(fit: SynthResult, P: pd.DataFrame, units: list[str], gaps: np.ndarray, W: np.ndarray,
            pre: list[int], post: list[int], t0: float) -> PlaceboResult:
    years = [int(y) for y in P.index]
    pre_idx = [years.index(y) for y in pre]
    post_idx = [years.index(y) for y in post]
    pre_r = _rmspe_cols(gaps[pre_idx])
    post_r = _rmspe_cols(gaps[post_idx])
    ratio = post_r / np.maximum(pre_r, 1e-12)  # a perfect pre-fit gives a very large ratio
    idx = pd.Index(units, name="unit")
    return PlaceboResult(
        fit=fit,
        gaps=pd.DataFrame(gaps, index=P.index, columns=idx),
        pre_rmspe=pd.Series(pre_r, index=idx),
        post_rmspe=pd.Series(post_r, index=idx),
        ratios=pd.Series(ratio, index=idx, name="post/pre RMSPE"),
        pre_years=pre,
        post_years=post,
        seconds=time.perf_counter() - t0,
        fit_panel=P[units],
        weights=pd.DataFrame(W, index=idx, columns=idx),
    )


def _placebo_fit(D: np.ndarray, pre_idx: list[int], j: int, cols: np.ndarray, ridge: float) -> np.ndarray:
    """Weights of unit j on the units ``cols`` (its donors), with the placebo tie-break."""
    return synth_weights(D[pre_idx, j], D[pre_idx][:, cols], ridge=ridge * len(pre_idx))


def in_space(
    panel: pd.DataFrame,
    treated: str,
    event_year: int,
    donors: list[str] | None = None,
    pre_years: list[int] | None = None,
    progress: bool = False,
    ridge: float = PLACEBO_RIDGE,
) -> PlaceboResult:
    """Fit the treated unit, then every donor as if treated (its donors: the other donors;
    the treated unit never serves as a donor). Placebo fits carry the ridge tie-break
    (``ridge`` per pre-period year, see :data:`~analysis.methods.synth.PLACEBO_RIDGE`), so each
    placebo unit's weights, and hence the p-values, are unique."""
    t0 = time.perf_counter()
    fit = synthetic_control(panel, treated, event_year, donors=donors, pre_years=pre_years)
    donors = list(fit.weights.index)
    P = panel.sort_index()
    years = [int(y) for y in P.index]
    pre = [y for y in years if y < event_year] if pre_years is None else [int(y) for y in pre_years]
    post = [y for y in years if y >= event_year]
    units = [treated, *donors]
    Y = P[units].to_numpy(float)  # years × units
    pre_idx = [years.index(y) for y in pre]
    n = len(units)
    gaps = np.empty_like(Y)
    W = np.zeros((n, n))
    gaps[:, 0] = fit.gap.reindex(P.index).to_numpy(float)
    W[0, 1:] = fit.weights.to_numpy(float)
    for j in range(1, n):
        cols = np.r_[1:j, j + 1 : n]
        w = _placebo_fit(Y, pre_idx, j, cols, ridge)
        W[j, cols] = w
        gaps[:, j] = Y[:, j] - Y[:, cols] @ w
        if progress and j % 100 == 0:
            print(f"  placebo {treated} {event_year}: {j}/{n - 1} donors", flush=True)
    return result_from_gaps(fit, P, units, gaps, W, pre, post, t0)


def without_donor(pl: PlaceboResult, donor: str, ridge: float = PLACEBO_RIDGE) -> PlaceboResult:
    """The placebo run with ``donor`` removed from the pool (leave-one-out). Only the fits that
    gave ``donor`` a positive weight are redone: removing a donor with zero weight leaves a unique
    optimum where it was (its KKT conditions still hold), so the other placebo gaps are unchanged."""
    t0 = time.perf_counter()
    units = [u for u in pl.gaps.columns if u != donor]
    if donor not in pl.gaps.columns or donor == pl.treated:
        raise DataError(f"without_donor: {donor!r} is not a donor of this run")
    P = pl.fit_panel
    fit = synthetic_control(P, pl.treated, pl.fit.event_year, donors=units[1:], pre_years=pl.pre_years)
    Y = P[units].to_numpy(float)
    years = [int(y) for y in P.index]
    pre_idx = [years.index(y) for y in pl.pre_years]
    n = len(units)
    Wold = pl.weights.loc[units, units].to_numpy(float)
    used = pl.weights.loc[units, donor].to_numpy(float) > 0
    gaps = pl.gaps[units].to_numpy(float).copy()
    W = Wold.copy()
    gaps[:, 0] = fit.gap.reindex(P.index).to_numpy(float)
    W[0, :] = 0.0
    W[0, 1:] = fit.weights.to_numpy(float)
    for j in range(1, n):
        if not used[j]:
            continue
        cols = np.r_[1:j, j + 1 : n]
        w = _placebo_fit(Y, pre_idx, j, cols, ridge)
        W[j, :] = 0.0
        W[j, cols] = w
        gaps[:, j] = Y[:, j] - Y[:, cols] @ w
    return result_from_gaps(fit, P, units, gaps, W, pl.pre_years, pl.post_years, t0)


def in_time(
    panel: pd.DataFrame,
    treated: str,
    event_year: int,
    fake_years: list[int],
    horizon: int | None = None,
    donors: list[str] | None = None,
    min_pre: int = 4,
) -> pd.DataFrame:
    """Fake event years before the real one: only data before ``event_year`` is used, so a
    real effect cannot leak in. A large 'effect' at a fake date means the method sees
    departures of that size without any reform.

    Returns one row per fake year: mean gap over the fake post window (up to ``horizon``
    years, and never reaching the real event) and its length, pre/post RMSPE and their ratio.
    Compare a fake mean gap only with the real gap averaged over the same number of years
    after the real event: a gap that grows over time is otherwise compared unfairly.
    """
    before = panel.loc[[y for y in panel.index if y < event_year]]
    rows = []
    for f in fake_years:
        pre = [y for y in before.index if y < f]
        post = [y for y in before.index if y >= f]
        if horizon is not None:
            post = post[:horizon]
        if len(pre) < min_pre or not post:
            continue
        sub = before.loc[pre + post]
        fit = synthetic_control(sub, treated, f, donors=donors)
        rows.append(
            {
                "fake event year": int(f),
                "post years": f"{post[0]}–{post[-1]}",
                "n post years": len(post),
                "mean post gap": fit.post_mean_gap,
                "pre RMSPE": fit.rmspe_pre,
                "post RMSPE": fit.rmspe_post,
                "ratio": fit.ratio,
            }
        )
    if not rows:
        raise DataError(f"No usable fake event year for {treated} before {event_year} (need {min_pre} pre years)")
    return pd.DataFrame(rows)
