"""Tests that catch a wrong estimator, not just a crashing one.

Each fixture is built so that the plausible mistakes give a different number:

* a panel whose year shocks move both the regressor and the outcome: without year effects the
  slope is biased several-fold; with an error correlated within units (a unit-specific trend),
  unclustered errors are too small;
* the two-way fixed-effects slope and its clustered standard error are computed by hand in the
  test (double demeaning of a balanced panel; the Liang–Zeger sandwich with linearmodels'
  small-sample factor n / (n − parameters));
* the first-stage F statistic of the IV helper is computed by hand (HC1) and compared with
  linearmodels' first-stage diagnostics and statsmodels' Wald test.

Each mutation (year effects dropped, clustering dropped, F tripled) was applied to
analysis/methods/regressions.py and made these tests fail; see CHANGELOG.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.methods import regressions as R

YEAR_SHOCKS = np.array([0.0, 2.0, -1.0, 3.0, 1.5, -2.0])


def _shock_panel(units: int = 40, seed: int = 11) -> pd.DataFrame:
    """Balanced panel: x = a_i + g_t + a unit-specific trend + noise; y = 0.5·x + 2·a_i + 3·g_t +
    another unit-specific trend + heteroskedastic noise. The year shocks g_t are correlated with
    x by construction; the two trends make x's and the error's within-unit deviations serially
    correlated, which is what clustering by unit is for."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=units)
    trend = rng.normal(size=units) * 2
    x_trend = rng.normal(size=units)
    rows = []
    for i in range(units):
        for t, g in enumerate(YEAR_SHOCKS):
            x = a[i] + g + x_trend[i] * (t - 2.5) + rng.normal()
            y = 0.5 * x + 2 * a[i] + 3 * g + trend[i] * (t - 2.5) * 0.5 + rng.normal() * (1 + abs(a[i]))
            rows.append((i, 2000 + t, x, y))
    return pd.DataFrame(rows, columns=["unit", "year", "x", "y"])


def _two_way_by_hand(p: pd.DataFrame) -> tuple[float, float]:
    """Slope and clustered SE of y on x with unit and year effects, for a balanced panel."""
    def demean(v):
        return v - v.groupby(p["unit"]).transform("mean") - v.groupby(p["year"]).transform("mean") + v.mean()

    xt, yt = demean(p["x"]), demean(p["y"])
    sxx = float((xt**2).sum())
    beta = float((xt * yt).sum()) / sxx
    resid = yt - beta * xt
    score = (xt * resid).groupby(p["unit"]).sum()  # one score per cluster (unit)
    n, units, years = len(p), p["unit"].nunique(), p["year"].nunique()
    params = 1 + (units - 1) + (years - 1) + 1  # slope, unit effects, year effects, constant
    var = float((score**2).sum()) / sxx**2 * n / (n - params)
    return beta, float(np.sqrt(var))


def test_two_way_fixed_effects_slope_and_clustered_se_match_the_hand_computation():
    p = _shock_panel()
    beta, se = _two_way_by_hand(p)
    fe = R.panel_fe(p, "y", "x", entity="unit")
    assert fe.coef == pytest.approx(beta, abs=1e-10)
    assert fe.se == pytest.approx(se, rel=1e-8)
    # t interval with the residual degrees of freedom n − parameters = 240 − 46 = 194
    assert fe.ci_low == pytest.approx(beta - stats.t.ppf(0.975, 194) * se, rel=1e-9)
    assert fe.ci_high == pytest.approx(beta + stats.t.ppf(0.975, 194) * se, rel=1e-9)
    assert fe.entities == 40 and fe.periods == 6 and fe.n == 240


def test_dropping_the_year_effects_would_be_caught():
    """The year shocks enter x and y: a one-way (unit effects only) slope is biased far from 0.5,
    and from the two-way slope the function must return."""
    p = _shock_panel()
    fe = R.panel_fe(p, "y", "x", entity="unit")
    one_way = R.panel_fe(p, "y", "x", entity="unit", time_effects=False)
    assert fe.ci_low < 0.5 < fe.ci_high
    assert one_way.coef > 1.5  # 0.5 + 3 × (roughly the shocks' share of x's within-unit variance)
    assert abs(fe.coef - one_way.coef) > 5 * fe.se
    assert not one_way.ci_low < 0.5 < one_way.ci_high
    assert "time effects" in fe.model


def test_dropping_the_clustering_would_be_caught():
    """With a unit-specific trend in the error, the clustered SE is clearly larger than the
    homoskedastic one; the function must return the clustered one (by hand above)."""
    from linearmodels.panel import PanelOLS

    p = _shock_panel()
    fe = R.panel_fe(p, "y", "x", entity="unit")
    d = p.set_index(["unit", "year"])
    mod = PanelOLS(d["y"], d[["x"]], entity_effects=True, time_effects=True)
    unadjusted = float(mod.fit(cov_type="unadjusted").std_errors["x"])
    robust = float(mod.fit(cov_type="robust").std_errors["x"])
    assert fe.se > 1.05 * max(unadjusted, robust)
    assert fe.se == pytest.approx(_two_way_by_hand(p)[1], rel=1e-8)


def _hc1_first_stage_f(x: np.ndarray, z: np.ndarray) -> float:
    """F of the instrument in x = c + π·z (one instrument, no controls), HC1, by hand."""
    n = len(x)
    zt = z - z.mean()
    pi = float((zt * x).sum() / (zt**2).sum())
    e = x - x.mean() - pi * zt
    var = n / (n - 2) * float((zt**2 * e**2).sum()) / float((zt**2).sum()) ** 2
    return pi**2 / var


def test_first_stage_f_matches_hand_computation_statsmodels_and_linearmodels():
    import statsmodels.api as sm
    from linearmodels.iv import IV2SLS

    rng = np.random.default_rng(7)
    n = 120
    z, w, u = rng.normal(size=(3, n))
    x = 0.4 * z + 0.5 * w + u + rng.normal(size=n) * (1 + np.abs(z))
    y = x + u + w + rng.normal(size=n)
    d = pd.DataFrame({"y": y, "x": x, "z": z, "w": w})
    f = R.iv_2sls(d, "y", "x", "z", controls=["w"])["first-stage F"]
    lm = IV2SLS(d["y"], sm.add_constant(d[["w"]]), d[["x"]], d[["z"]]).fit(cov_type="robust", debiased=True)
    assert f == pytest.approx(float(lm.first_stage.diagnostics.loc["x", "f.stat"]), rel=1e-9)
    ols = sm.OLS(d["x"], sm.add_constant(d[["z", "w"]])).fit(cov_type="HC1")
    assert f == pytest.approx(float(ols.wald_test("z = 0", scalar=True).statistic), rel=1e-9)
    # without controls: the hand formula
    no_ctl = R.iv_2sls(d, "y", "x", "z")["first-stage F"]
    assert no_ctl == pytest.approx(_hc1_first_stage_f(x, z), rel=1e-9)
    assert 1.0 < f < 3.0  # a weak instrument: tripling F would call it strong-ish (> 3)


def test_first_stage_f_pinned_on_a_small_integer_fixture():
    """24 observations of integers: π = 37/35 and, in exact rational arithmetic, the HC1 first-stage
    F = 7905975/151033 (≈ 52.35)."""
    z = np.tile(np.array([0.0, 1, 2, 3, 4, 5]), 4)
    x = np.tile(np.array([1.0, 0, 3, 2, 6, 5]), 4) + np.repeat([0.0, 1, 0, -1], 6)
    d = pd.DataFrame({"x": x, "z": z, "y": 0.5 * x + np.tile([0.1, -0.2, 0.3, 0.0, 0.2, -0.1], 4)})
    zt = z - z.mean()
    assert float((zt * x).sum() / (zt**2).sum()) == pytest.approx(37 / 35)
    expected = _hc1_first_stage_f(x, z)
    got = R.iv_2sls(d, "y", "x", "z")["first-stage F"]
    assert got == pytest.approx(expected, rel=1e-12)
    assert got == pytest.approx(7905975 / 151033, rel=1e-9)
