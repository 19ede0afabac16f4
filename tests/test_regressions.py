"""Regression helpers recover coefficients planted in simulated data, and refuse data
that cannot identify them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.methods import regressions as R


def _cross(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.choice(list("ABCD"), n)
    z = rng.normal(size=n)
    x = 0.8 * z + rng.normal(size=n) + (g == "B") * 1.5
    e = rng.normal(size=n) * (0.5 + np.abs(x))  # heteroskedastic
    y = 1.0 + 2.0 * x - 3.0 * z + pd.Series(g).map({"A": 0, "B": -4, "C": 1, "D": 2}).to_numpy() + e
    return pd.DataFrame({"y": y, "x": x, "z": z, "g": g})


def test_ols_recovers_planted_coefficient_with_controls():
    d = _cross()
    full = R.ols(d, "y", "x", ["z"], ["g"])
    assert full.ci_low < 2.0 < full.ci_high
    assert full.coef == pytest.approx(2.0, abs=0.15)
    assert full.n == len(d)
    naive = R.ols(d, "y", "x")  # omitting z (correlated with x) and the groups biases the slope
    assert not naive.ci_low < 2.0 < naive.ci_high


def test_ols_drops_incomplete_rows_and_fails_on_too_few():
    d = _cross(100)
    d.loc[:9, "z"] = np.nan
    assert R.ols(d, "y", "x", ["z"]).n == 90
    with pytest.raises(DataError, match="complete observations"):
        R.ols(d.head(15), "y", "x")
    with pytest.raises(DataError, match="lack columns"):
        R.ols(d, "y", "nope")
    with pytest.raises(DataError, match="does not vary"):
        R.ols(d.assign(x=1.0), "y", "x")


def test_binned_scatter_slope_matches_the_controlled_slope():
    d = _cross()
    b = R.binned_scatter(d, "y", "x", bins=20, controls=["z"], categorical=["g"])
    assert len(b) == 20 and (b["lo"] <= b["y"]).all() and (b["y"] <= b["hi"]).all()
    slope = np.polyfit(b["x"], b["y"], 1)[0]
    assert slope == pytest.approx(2.0, abs=0.25)
    with pytest.raises(DataError, match="bins"):
        R.binned_scatter(d.head(30), "y", "x", bins=20)


def _panel(units=150, years=8, seed=1):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=units) * 3  # fixed unit effect, correlated with x below
    rows = []
    for i in range(units):
        for t in range(years):
            x = a[i] + rng.normal()
            y = 5 * a[i] + 0.3 * t + 0.5 * x + rng.normal()
            rows.append({"unit": i, "year": 2010 + t, "x": x, "y": y})
    return pd.DataFrame(rows)


def test_panel_fe_recovers_within_effect_that_pooled_ols_misses():
    p = _panel()
    fe = R.panel_fe(p, "y", "x", entity="unit")
    assert fe.ci_low < 0.5 < fe.ci_high
    assert fe.coef == pytest.approx(0.5, abs=0.08)
    assert fe.entities == 150 and fe.periods == 8
    pooled = R.ols(p, "y", "x")
    assert pooled.coef > 3  # dominated by the unit effects
    assert "clustered" in fe.model


def test_panel_fe_refuses_what_it_cannot_identify():
    p = _panel(30, 4)
    with pytest.raises(DataError, match="absorbed"):
        R.panel_fe(p.assign(x=p["unit"] * 1.0), "y", "x", entity="unit")
    one_year_each = p.groupby("unit").head(1)
    with pytest.raises(DataError, match="Only 0 observations"):
        R.panel_fe(one_year_each, "y", "x", entity="unit")


def test_iv_recovers_effect_under_confounding():
    rng = np.random.default_rng(3)
    n = 3000
    u = rng.normal(size=n)  # unobserved confounder
    z = rng.normal(size=n)  # instrument: moves x, not y directly
    w = rng.normal(size=n)
    x = 1.0 * z + u + 0.5 * w + rng.normal(size=n)
    y = 1.0 * x + 2.0 * u + w + rng.normal(size=n)
    d = pd.DataFrame({"y": y, "x": x, "z": z, "w": w})
    res = R.iv_2sls(d, "y", "x", "z", controls=["w"])
    assert res["iv"].ci_low < 1.0 < res["iv"].ci_high
    assert res["first-stage F"] > 100
    assert res["first stage"].coef == pytest.approx(1.0, abs=0.1)
    ols = R.ols(d, "y", "x", ["w"])
    assert ols.ci_low > 1.3  # biased upwards by the confounder
    lo, hi, kind = res["anderson-rubin"]
    assert kind == "interval" and lo < 1.0 < hi  # strong instrument: a bounded AR interval around the truth
    assert res["first stage"].model == res["reduced form"].model == "OLS (HC1)"  # one kind of robust SE


def test_anderson_rubin_set_matches_its_definition_and_widens_when_weak():
    """At the AR bounds, the instrument's coefficient in y − b·x on (z, w) has p = 0.05; with a
    very weak instrument the set is unbounded."""
    rng = np.random.default_rng(5)
    n = 400
    u, z, w = rng.normal(size=(3, n))
    x = 0.25 * z + u + rng.normal(size=n)
    y = 0.5 * x + u + w + rng.normal(size=n)
    d = pd.DataFrame({"y": y, "x": x, "z": z, "w": w})
    res = R.iv_2sls(d, "y", "x", "z", controls=["w"])
    lo, hi, kind = res["anderson-rubin"]
    assert kind == "interval"
    for b in (lo, hi):
        p = R.ols(d.assign(yb=d["y"] - b * d["x"]), "yb", "z", ["w"], cov="HC1").p
        assert p == pytest.approx(0.05, abs=1e-6)
    weak = d.assign(x=0.01 * z + u + rng.normal(size=n))
    weak = weak.assign(y=0.5 * weak["x"] + u + w + rng.normal(size=n))
    assert R.iv_2sls(weak, "y", "x", "z", controls=["w"])["anderson-rubin"][2] != "interval"


def test_singleton_category_is_dropped_not_left_to_break_hc3():
    """A group with one member has leverage 1: HC3 would divide 0 by 0. Dropping it leaves
    the coefficient unchanged (its dummy fits it exactly) and the errors finite."""
    d = _cross(300)
    d.loc[0, "g"] = "lonely"
    est = R.ols(d, "y", "x", ["z"], ["g"])
    assert np.isfinite(est.se) and est.n == 299
    kept = R.ols(d.drop(index=0), "y", "x", ["z"], ["g"])
    assert est.coef == pytest.approx(kept.coef)
