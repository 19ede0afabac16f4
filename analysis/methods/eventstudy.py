"""Event-study regression for one treated unit, with placebo (permutation) inference.

Model (linearmodels ``PanelOLS``), on the event window e − leads … e + lags only::

    y_it = α_i + γ_t + Σ_{k ≠ −1} β_k · 1[i = treated, t = e + k] + ε_it

with municipality and year fixed effects; the year before the event (k = −1) is the
reference. Against an equal-weight donor pool this is the two-way fixed-effects
difference-in-differences: β_k = (y_treated,e+k − y_treated,e−1) − mean over donors of
the same difference. Unlike the synthetic control it does not reweight donors, so it
relies on parallel trends with the *average* municipality; the leads test that.

Inference: with one treated unit, clustered standard errors are not valid (one cluster
carries all the treatment variation), and neither is a conventional Wald test of the leads
(none is computed). The conventional standard errors are shown for reference only; the
confidence intervals and p-values come from re-running
the same regression with every donor as the treated unit (Conley & Taber 2011 style): under
no effect, the treated unit's β_k is one draw from the placebo distribution, so the
interval is β_k minus the placebo quantiles. The placebo coefficients use the closed form
above (identical to PanelOLS on a balanced window; the tests check this), so the
~290 placebo regressions take milliseconds.

Pre-trends: a test of the leads has little power (a trend of the size the leads show is
found only a quarter of the time), so passing it says little. Instead the post-period
estimate is bounded under pre-trend violations (Rambachan & Roth 2023, *relative
magnitudes*): the violation may change from one post year to the next by at most M̄ times
the largest change between consecutive pre-period coefficients, Δ. Event time k then carries
a bias of at most (k − ref)·M̄·Δ, the mean post coefficient at most M̄·Δ·mean(k − ref), and
the placebo interval widens by that much on each side. :meth:`EventStudy.breakdown` is the
largest M̄ at which the interval still excludes zero on the claimed side (a simplified,
point-identified version of their bounds: Δ is taken from the estimated leads).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError


@dataclass
class EventStudy:
    treated: str
    event_year: int
    coefs: pd.Series  # event time k → β_k (k = −1 is 0 by construction)
    se_conventional: pd.Series  # PanelOLS unadjusted SE, for reference only
    placebo: pd.DataFrame  # donor × k placebo coefficients
    level: float
    ci_low: pd.Series  # placebo-based interval for β_k
    ci_high: pd.Series
    pre_trend_p: float  # permutation p-value: RMS of the leads (k ≤ −2) vs the placebo units (descriptive: low power)
    post_mean: float  # mean of β_k over k ≥ 0
    post_ci: tuple[float, float]
    post_p: float  # one-sided: share of units with a post mean at most the treated's
    n_donors: int
    years: list[int]
    ref: int = -1

    @property
    def leads(self) -> list[int]:
        return [k for k in self.coefs.index if k < self.ref]

    @property
    def lags(self) -> list[int]:
        return [k for k in self.coefs.index if k >= 0]

    @property
    def max_pre_change(self) -> float:
        """Δ: the largest absolute change between consecutive pre-period coefficients (leads and
        the reference year's 0)."""
        ks = [k for k in self.coefs.index if k <= self.ref]
        b = self.coefs.loc[ks].to_numpy(float)
        return float(np.max(np.abs(np.diff(b)))) if b.size > 1 else 0.0

    def rm_bound(self, mbar: float) -> float:
        """Largest bias of the mean post coefficient when post-period violations change by at most
        ``mbar`` × Δ a year (relative magnitudes): mbar · Δ · mean(k − ref) over the post ks."""
        steps = np.array([k - self.ref for k in self.lags], float)
        return float(mbar * self.max_pre_change * steps.mean())

    def rm_interval(self, mbar: float) -> tuple[float, float]:
        """The placebo interval of the mean post coefficient widened by :meth:`rm_bound`."""
        b = self.rm_bound(mbar)
        return self.post_ci[0] - b, self.post_ci[1] + b

    def breakdown(self, direction: int = -1) -> float:
        """Largest M̄ at which the widened interval still lies on the claimed side of zero
        (0 when the plain interval does not; inf when the leads are perfectly flat)."""
        lo, hi = self.post_ci
        room = -hi if direction < 0 else lo
        if room <= 0:
            return 0.0
        per = self.rm_bound(1.0)
        return float("inf") if per == 0 else room / per

    def rebased(self, ref_ks: list[int] | None = None) -> dict:
        """Sensitivity to the reference period: every coefficient (treated and placebo) re-expressed
        relative to the mean over the event times ``ref_ks`` instead of the single reference year
        (default: all leads k < ref, i.e. the reference year itself left out). Because β_k is linear
        in the reference, this is exact without refitting. Returns the rebased coefficients, the
        mean post coefficient, its placebo interval and one-sided p."""
        ks = self.leads if ref_ks is None else list(ref_ks)
        if not ks or any(k not in self.coefs.index for k in ks):
            raise DataError(f"rebased: reference event times {ks} are not all in the window {list(self.coefs.index)}")
        coefs = self.coefs - float(self.coefs.loc[ks].mean())
        placebo = self.placebo.sub(self.placebo[ks].mean(axis=1), axis=0)
        post_ks = self.lags
        alpha = (1 - self.level) / 2
        post_t = float(coefs.loc[post_ks].mean())
        post_pl = placebo[post_ks].mean(axis=1)
        ci = (post_t - float(post_pl.quantile(1 - alpha)), post_t - float(post_pl.quantile(alpha)))
        p = float((np.r_[post_pl.to_numpy(), post_t] <= post_t).mean())
        return {"ref_ks": ks, "coefs": coefs, "post_mean": post_t, "post_ci": ci, "post_p": p}

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "event time": self.coefs.index,
                "year": [self.event_year + k for k in self.coefs.index],
                "coefficient": self.coefs.to_numpy(),
                "conventional SE": self.se_conventional.to_numpy(),
                f"placebo {self.level:.0%} CI low": self.ci_low.to_numpy(),
                f"placebo {self.level:.0%} CI high": self.ci_high.to_numpy(),
            }
        )


def window_years(panel: pd.DataFrame, event_year: int, leads: int, lags: int, ref: int = -1) -> list[int]:
    """Event-window years present in the panel; the window is cut where the data end."""
    years = [int(y) for y in panel.index]
    want = list(range(event_year - leads, event_year + lags + 1))
    have = [y for y in want if y in years]
    if event_year + ref not in have or event_year not in have:
        raise DataError(f"The panel lacks the reference year {event_year + ref} or the event year {event_year}")
    if len([y for y in have if y < event_year + ref]) < 1:
        raise DataError(f"Need at least one lead before {event_year + ref} for a pre-trend test")
    return have


def _balanced(panel: pd.DataFrame, treated: str, donors, years) -> tuple[pd.DataFrame, list[str]]:
    if treated not in panel.columns:
        raise DataError(f"event_study: treated unit {treated!r} is not in the panel")
    sub = panel.loc[years]
    if sub[treated].isna().any():
        raise DataError(f"event_study: {treated} lacks values in {list(sub.index[sub[treated].isna()])}")
    if donors is None:
        donors = [c for c in sub.columns if c != treated and sub[c].notna().all()]
    else:
        donors = [d for d in donors if d != treated]
        bad = [d for d in donors if d not in sub.columns or sub[d].isna().any()]
        if bad:
            raise DataError(f"event_study: donors missing or incomplete in the window: {bad[:10]}")
    if len(donors) < 2:
        raise DataError("event_study: need at least two donors with complete data in the window")
    return sub[[treated, *donors]], donors


def closed_form(Y: np.ndarray, years: list[int], event_year: int, ref: int = -1) -> np.ndarray:
    """β_k for every column of Y (years × units) as the treated unit against all other columns.

    Returns (n_years, n_units); the row of the reference year is 0.
    """
    d = Y - Y[years.index(event_year + ref)]  # change since the reference year
    n = Y.shape[1]
    others_mean = (d.sum(axis=1, keepdims=True) - d) / (n - 1)
    return d - others_mean


def twfe(sub: pd.DataFrame, treated: str, event_year: int, ref: int = -1):
    """PanelOLS with unit and year effects and one dummy per non-reference event year of the treated unit."""
    from linearmodels.panel import PanelOLS

    years = [int(y) for y in sub.index]
    long = sub.stack().rename("y").reset_index()
    long.columns = ["year", "unit", "y"]
    long["year"] = long["year"].astype(int)
    long["unit"] = long["unit"].astype(str)
    names = []
    for y in years:
        k = y - event_year
        if k == ref:
            continue
        name = f"k{k:+d}".replace("+", "p").replace("-", "m")
        long[name] = ((long["unit"] == treated) & (long["year"] == y)).astype(float)
        names.append((k, name))
    long = long.set_index(["unit", "year"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # linearmodels' own deprecation chatter must not reach the book
        mod = PanelOLS(long["y"], long[[n for _, n in names]], entity_effects=True, time_effects=True)
        res = mod.fit(cov_type="unadjusted")
    return res, names


def event_study(
    panel: pd.DataFrame,
    treated: str,
    event_year: int,
    leads: int = 6,
    lags: int = 7,
    donors: list[str] | None = None,
    level: float = 0.90,
    ref: int = -1,
) -> EventStudy:
    """Event study of ``treated`` around ``event_year`` against the donor pool (wide panel:
    index year, columns units; use logs so that β_k are log-point differences). ``ref`` is
    the event time of the reference year (−1 unless that year is unusable)."""
    if ref >= 0:
        raise DataError("event_study: the reference year must lie before the event")
    years = window_years(panel, event_year, leads, lags, ref)
    sub, donors = _balanced(panel, treated, donors, years)
    res, names = twfe(sub, treated, event_year, ref)
    ks = sorted([k for k, _ in names] + [ref])
    coef = pd.Series({k: float(res.params[n]) for k, n in names} | {ref: 0.0}).reindex(ks)
    se = pd.Series({k: float(res.std_errors[n]) for k, n in names} | {ref: 0.0}).reindex(ks)

    # placebo: every donor as the treated unit, the real treated unit excluded from its comparison
    D = sub[donors].to_numpy(float)
    B = closed_form(D, years, event_year, ref)  # years × donors
    placebo = pd.DataFrame(B.T, index=pd.Index(donors, name="unit"), columns=[y - event_year for y in years])
    alpha = (1 - level) / 2
    q_lo = placebo.quantile(alpha)
    q_hi = placebo.quantile(1 - alpha)
    ci_low = (coef - q_hi.reindex(ks)).where(coef.index != ref, 0.0)
    ci_high = (coef - q_lo.reindex(ks)).where(coef.index != ref, 0.0)

    lead_ks = [k for k in ks if k < ref]
    post_ks = [k for k in ks if k >= 0]
    rms_t = float(np.sqrt(np.mean(coef.loc[lead_ks] ** 2)))
    rms_p = np.sqrt((placebo[lead_ks] ** 2).mean(axis=1))
    pre_p = float((np.r_[rms_p.to_numpy(), rms_t] >= rms_t).mean())
    post_t = float(coef.loc[post_ks].mean())
    post_pl = placebo[post_ks].mean(axis=1)
    post_ci = (post_t - float(post_pl.quantile(1 - alpha)), post_t - float(post_pl.quantile(alpha)))
    post_p = float((np.r_[post_pl.to_numpy(), post_t] <= post_t).mean())
    return EventStudy(
        treated=treated,
        event_year=int(event_year),
        coefs=coef,
        se_conventional=se,
        placebo=placebo,
        level=level,
        ci_low=ci_low,
        ci_high=ci_high,
        pre_trend_p=pre_p,
        post_mean=post_t,
        post_ci=post_ci,
        post_p=post_p,
        n_donors=len(donors),
        years=years,
        ref=ref,
    )
