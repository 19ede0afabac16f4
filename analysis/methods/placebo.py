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
from .synth import SynthResult, synth_weights, synthetic_control

FIT_FACTOR = 5.0  # placebo units with pre-MSPE above 5 × the treated unit's are left out of one-sided tests


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
        years = self.post_years if years is None else list(years)
        missing = [y for y in years if y not in self.gaps.index]
        if missing:
            raise DataError(f"No gaps for {missing}; years are {list(self.gaps.index)}")
        m = self.gaps.loc[years, self.good_fit(factor)].mean() * direction
        return float((m >= m.loc[self.treated]).mean())

    @property
    def p_reduction(self) -> float:
        """One-sided p-value for a fall over the whole post period (see :meth:`p_one_sided`)."""
        return self.p_one_sided()

    def p_year(self, year: int, direction: int = -1) -> float:
        """One-sided placebo p-value of the gap in a single year."""
        return self.p_one_sided([year], direction)


def _rmspe_cols(a: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean(np.square(a), axis=0))


def in_space(
    panel: pd.DataFrame,
    treated: str,
    event_year: int,
    donors: list[str] | None = None,
    pre_years: list[int] | None = None,
    progress: bool = False,
) -> PlaceboResult:
    """Fit the treated unit, then every donor as if treated (its donors: the other donors;
    the treated unit never serves as a donor)."""
    t0 = time.perf_counter()
    fit = synthetic_control(panel, treated, event_year, donors=donors, pre_years=pre_years)
    donors = list(fit.weights.index)
    years = [int(y) for y in panel.sort_index().index]
    pre = [y for y in years if y < event_year] if pre_years is None else [int(y) for y in pre_years]
    post = [y for y in years if y >= event_year]
    P = panel.sort_index()
    units = [treated, *donors]
    Y = P[units].to_numpy(float)  # years × units
    pre_idx = [years.index(y) for y in pre]
    post_idx = [years.index(y) for y in post]
    gaps = np.empty_like(Y)
    gaps[:, 0] = fit.gap.reindex(P.index).to_numpy(float)
    D = Y[:, 1:]
    n = D.shape[1]
    for j in range(n):
        others = np.r_[0:j, j + 1 : n]
        w = synth_weights(D[pre_idx, j], D[pre_idx][:, others])
        gaps[:, j + 1] = D[:, j] - D[:, others] @ w
        if progress and (j + 1) % 100 == 0:
            print(f"  placebo {treated} {event_year}: {j + 1}/{n} donors", flush=True)
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
    )


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
