"""Tests that catch a wrong estimator: exact values on small fixtures computed by hand (the
permutation p with the treated unit counted, the pre-fit filter, the RMSPE-ratio definition, the
event-study interval and its pre-trend bound, the minimum detectable effect), the placebo tie-break,
leave-one-out reruns against full refits, the ridge-augmented estimator's limits, and calibration
of the placebo test under no effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from analysis.methods import donorpool as DP
from analysis.methods.eventstudy import event_study
from analysis.methods.placebo import (
    PlaceboResult,
    critical_shift,
    in_space,
    mde_from_shifts,
    without_donor,
)
from analysis.methods.synth import SynthResult, synth_weights
from analysis.rules import rulebook as RB


def fixture_result(post_gap: dict, pre_rmspe: dict) -> PlaceboResult:
    """A placebo run given by hand: two pre years with gaps ±pre_rmspe (so the pre-RMSPE is exactly the
    value given) and one post year with the given gap; treated unit 'T' first."""
    units = list(post_gap)
    years = pd.Index([2000, 2001, 2002], name="year")
    gaps = pd.DataFrame({u: [pre_rmspe[u], -pre_rmspe[u], post_gap[u]] for u in units}, index=years)
    pre_r = pd.Series(pre_rmspe)[units]
    post_r = gaps.loc[[2002]].abs().iloc[0]
    g = gaps["T"]
    fit = SynthResult("T", 2002, pd.Series(dtype=float), g * 0, g * 0, g, float(pre_r["T"]), float(post_r["T"]),
                      float(post_r["T"] / pre_r["T"]))
    return PlaceboResult(fit, gaps, pre_r, post_r, post_r / pre_r, [2000, 2001], [2002])


# ------------------------------------------------------------------ one-sided p: the treated unit counts
def test_one_sided_p_counts_the_treated_unit():
    # claimed fall: T's gap −0.3; placebo gaps −0.5, −0.2, −0.1, 0.0; all fitted alike.
    # Units at least as far down as T: T itself and the −0.5 unit → p = 2 / 5 (not 1 / 4).
    pl = fixture_result({"T": -0.3, "A": -0.5, "B": -0.2, "C": -0.1, "D": 0.0},
                        {u: 0.1 for u in "TABCD"})
    assert pl.p_one_sided() == pytest.approx(2 / 5, abs=1e-15)
    assert pl.p_one_sided(direction=+1) == pytest.approx(4 / 5, abs=1e-15)  # T, B, C, D are at least as high
    assert pl.floor() == pytest.approx(1 / 5, abs=1e-15)


def test_pre_fit_filter_drops_badly_fitted_placebo_units():
    # a placebo unit fitted 10× worse than T (pre-MSPE 100×) with a large fall must not count:
    # cut-off = max(5 × 0.01, median of the others' MSPE = 0.01) = 0.05, so E (MSPE 1.0) is out → p = 2 / 5.
    # Without the filter the p would be 3 / 6.
    pl = fixture_result({"T": -0.3, "A": -0.5, "B": -0.2, "C": -0.1, "D": 0.0, "E": -0.9},
                        {"T": 0.1, "A": 0.1, "B": 0.1, "C": 0.1, "D": 0.1, "E": 1.0})
    assert list(pl.good_fit()) == ["T", "A", "B", "C", "D"]
    assert pl.p_one_sided() == pytest.approx(2 / 5, abs=1e-15)


# ------------------------------------------------------------------ the RMSPE ratio: post over pre
def test_rmspe_ratio_divides_by_the_pre_period_fit():
    # T = (1.0, 1.2 | 0.5), A = (0, 0 | 0), B = (2, 2 | 2). T's weights: min (1 − 2w)² + (1.2 − 2w)² → w_B = 0.55,
    # pre gaps (−0.1, +0.1): pre-RMSPE 0.1; post synthetic 1.1, gap −0.6: post-RMSPE 0.6, ratio 6.
    # Placebos (T never a donor): A vs B gaps −2 throughout, ratio 1; B vs A +2, ratio 1. Ratio p = 1 / 3.
    panel = pd.DataFrame({"T": [1.0, 1.2, 0.5], "A": [0.0, 0.0, 0.0], "B": [2.0, 2.0, 2.0]},
                         index=pd.Index([2000, 2001, 2002], name="year"))
    pl = in_space(panel, "T", 2002)
    assert pl.fit.weights.to_dict() == pytest.approx({"A": 0.45, "B": 0.55}, abs=1e-12)
    assert pl.pre_rmspe["T"] == pytest.approx(0.1, abs=1e-12)
    assert pl.post_rmspe["T"] == pytest.approx(0.6, abs=1e-12)
    assert pl.ratios.to_dict() == pytest.approx({"T": 6.0, "A": 1.0, "B": 1.0}, abs=1e-9)
    assert pl.p_ratio == pytest.approx(1 / 3, abs=1e-15)
    assert pl.rank_ratio == 1


# ------------------------------------------------------------------ minimum detectable effect
def test_critical_shift_and_mde_by_hand():
    # statistics (−gap, larger = a bigger fall): A 0.4, B 0.2, C 0.1, D 0.0, E −0.1; α = 0.4.
    # With T left out, each unit is compared with 4 others: p = (1 + #others ≥) / 5 ≤ 0.4 allows 1 other at or
    # above, so the shift must lift the unit above the 2nd largest other: δ = (0, 0, 0.1, 0.2, 0.3).
    pl = fixture_result({"T": -0.3, "A": -0.4, "B": -0.2, "C": -0.1, "D": 0.0, "E": 0.1},
                        {u: 0.1 for u in "TABCDE"})
    stat, mspe = pl.stat(), pl.pre_rmspe**2
    shifts = [critical_shift(stat, mspe, u, 0.4, exclude=["T"]) for u in "ABCDE"]
    assert shifts == pytest.approx([0.0, 0.0, 0.1, 0.2, 0.3], abs=1e-12)
    assert pl.mde(0.4) == pytest.approx(0.2, abs=1e-12)  # 4th of 5 (80 % power)
    assert pl.mde(0.4, power=0.6) == pytest.approx(0.1, abs=1e-12)
    # too few units for α: ⌊0.1 × 5⌋ − 1 < 0 → no shift can reach p ≤ 0.1
    assert pl.mde(0.1) == np.inf
    # the planted shift really reaches the level: D moved by 0.2 + ε has p = 2 / 5
    moved = pl.stat().copy()
    moved["D"] += 0.2 + 1e-9
    others = moved.drop(["T"])
    assert float((others >= others["D"]).mean()) == pytest.approx(2 / 5)
    assert mde_from_shifts([]) != mde_from_shifts([])


def test_power_rule_and_holm_any():
    e = RB.plausible_log_effect(-1)
    assert e == pytest.approx(-np.log(0.8))
    assert RB.power_rule(RB.NOT_SUPPORTED, e + 0.01, e) == RB.NOT_TESTABLE
    assert RB.power_rule(RB.NOT_SUPPORTED, e - 0.01, e) == RB.NOT_SUPPORTED
    assert RB.power_rule(RB.NOT_SUPPORTED, np.inf, e) == RB.NOT_TESTABLE
    assert RB.power_rule(RB.SUPPORTED, np.inf, e) == RB.SUPPORTED
    assert RB.power_rule(RB.CONTRADICTED, np.inf, e) == RB.CONTRADICTED
    assert RB.holm_any([0.02, 0.30]) and not RB.holm_any([0.04, 0.30])


# ------------------------------------------------------------------ event-study interval, by hand
def test_event_study_interval_and_pre_trend_bound_by_hand():
    # T: 0.1, 0, −0.5, −0.5; donors D1: 0, 0, −0.2, −0.2; D2: 0 throughout; D3: 0, 0, 0.4, 0.4. Event 2002, ref 2001.
    # β_0 = β_1 = −0.5 − (−0.2 + 0 + 0.4)/3 = −0.5667; β_−2 = 0.1.
    # Placebo β (others: the other donors): D1 −0.2 − 0.2 = −0.4, D2 0 − 0.1 = −0.1, D3 0.4 + 0.1 = 0.5.
    # 90 % quantiles (linear): q05 = −0.4 + 0.1 × 0.3 = −0.37, q95 = −0.1 + 0.9 × 0.6 = 0.44.
    # Interval = β − (q95, q05) = (−1.00667, −0.19667). Pre-trend bound: Δ = 0.1, mean(k − ref) = 1.5 → 0.15 at M̄ = 1.
    panel = pd.DataFrame({"T": [0.1, 0.0, -0.5, -0.5], "D1": [0.0, 0.0, -0.2, -0.2], "D2": [0.0] * 4,
                          "D3": [0.0, 0.0, 0.4, 0.4]}, index=pd.Index([2000, 2001, 2002, 2003], name="year"))
    es = event_study(panel, "T", 2002, leads=2, lags=1)
    b = -0.5 - 0.2 / 3
    assert es.coefs.loc[0] == pytest.approx(b, abs=1e-9) and es.coefs.loc[-2] == pytest.approx(0.1, abs=1e-9)
    assert es.placebo[0].to_dict() == pytest.approx({"D1": -0.4, "D2": -0.1, "D3": 0.5}, abs=1e-12)
    assert es.ci_low.loc[0] == pytest.approx(b - 0.44, abs=1e-9)
    assert es.ci_high.loc[0] == pytest.approx(b + 0.37, abs=1e-9)
    assert es.post_ci == pytest.approx((b - 0.44, b + 0.37), abs=1e-9)
    assert es.post_p == pytest.approx(1 / 4)  # only T itself is as low
    assert es.max_pre_change == pytest.approx(0.1, abs=1e-12)
    assert es.rm_bound(1.0) == pytest.approx(0.15, abs=1e-12)
    assert es.rm_interval(1.0) == pytest.approx((b - 0.44 - 0.15, b + 0.37 + 0.15), abs=1e-9)
    assert es.breakdown(-1) == pytest.approx(-(b + 0.37) / 0.15, abs=1e-9)
    assert not hasattr(es, "pre_trend_wald_p")


# ------------------------------------------------------------------ tie-break, leave-one-out, second estimator
def test_placebo_tie_break_is_unique_and_matches_an_independent_solver():
    # y lies inside the hull of 12 donors in 4 dimensions: many exact fits. With the ridge tie-break the weights
    # are unique; SLSQP on the same penalised objective finds the same ones.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 12))
    y = X @ rng.dirichlet(np.ones(12))
    lam = 1e-3
    w = synth_weights(y, X, ridge=lam)
    J = X.shape[1]

    def f(v):
        return np.sum((y - X @ v) ** 2) + lam * np.sum(v**2)

    ref = minimize(f, np.full(J, 1 / J), jac=lambda v: -2 * X.T @ (y - X @ v) + 2 * lam * v, bounds=[(0, 1)] * J,
                   constraints=[{"type": "eq", "fun": lambda v: v.sum() - 1, "jac": lambda v: np.ones(J)}],
                   method="SLSQP", options={"ftol": 1e-16, "maxiter": 5000}).x
    assert f(w) <= f(ref) + 1e-12
    assert np.abs(w - ref).max() < 1e-4
    # started from another donor order, the same weights (no solver-dependent tie)
    perm = rng.permutation(J)
    w2 = synth_weights(y, X[:, perm], ridge=lam)
    assert np.abs(w2 - w[perm]).max() < 1e-8


def _factor_panel(seed: int, n_units: int = 14, years=range(2000, 2016), effect: float = 0.0, noise=0.03):
    rng = np.random.default_rng(seed)
    years = list(years)
    f = np.cumsum(rng.normal(0, 0.08, size=(len(years), 2)), axis=0)
    units = ["T"] + [f"D{j:02d}" for j in range(n_units - 1)]
    Y = rng.normal(6.5, 0.3, n_units) + f @ rng.uniform(0.5, 1.5, (2, n_units)) + rng.normal(0, noise, (len(years), n_units))
    panel = pd.DataFrame(Y, index=pd.Index(years, name="year"), columns=units)
    panel.loc[[y for y in years if y >= 2010], "T"] += effect
    return panel


def test_leave_one_out_rerun_equals_a_full_refit():
    panel = _factor_panel(5, n_units=16)
    pl = in_space(panel, "T", 2010)
    for d in pl.fit.weights[pl.fit.weights > 0].index:
        quick = without_donor(pl, d)
        full = in_space(panel.drop(columns=d), "T", 2010)
        assert np.abs(quick.gaps.to_numpy() - full.gaps[quick.gaps.columns].to_numpy()).max() < 1e-7
        assert quick.p_one_sided() == full.p_one_sided()


def test_ridge_augmented_reduces_to_the_synthetic_control_when_the_penalty_is_huge():
    panel = _factor_panel(6)
    pl = in_space(panel, "T", 2010)
    aug = DP.ridge_augmented(pl, lam=1e12)
    assert np.abs(aug.gaps.to_numpy() - pl.gaps.to_numpy()).max() < 1e-6
    small = DP.ridge_augmented(pl, lam=1e-6)  # nearly exact pre-period balance
    assert small.pre_rmspe["T"] <= pl.pre_rmspe["T"] + 1e-12


# ------------------------------------------------------------------ calibration under no effect
def test_placebo_test_is_calibrated_under_no_effect():
    """Under no effect and exchangeable units the one-sided p is (nearly) uniform: the share of p ≤ 0.10
    over many simulated panels must match the share the comparison sizes allow (⌊0.1 N⌋ / N) within a tight
    band. Dropping the treated unit from the count, or ranking the wrong way, breaks this."""
    rej, expected = [], []
    for s in range(160):
        panel = _factor_panel(1000 + s, n_units=12, years=range(2000, 2014))
        pl = in_space(panel, "T", 2010)
        n = len(pl.good_fit())
        rej.append(pl.p_one_sided() <= 0.10)
        expected.append(np.floor(0.10 * n + 1e-12) / n)
    assert abs(np.mean(rej) - np.mean(expected)) < 0.05, (np.mean(rej), np.mean(expected))


def test_variant_kinds_name_each_kind_of_variant_once_across_events():
    """Legends and colours use the variant's kind: the same name in every event, one entry for
    all leave-one-out runs (drawn in grey), the declared pools in their own colours."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis import style
    from analysis.methods.donorpool import Variant

    class _Fit:
        gap = pd.Series([0.0, -0.1], index=[2010, 2011])

    class _Placebo:
        fit = _Fit()

    vs = [Variant("loo:0180", "without 0180", "leave-one-out", _Placebo()),
          Variant("loo:1440", "without 1440", "leave-one-out", _Placebo()),
          Variant("pool:skr", "same SKR group (B3: Större stad)", "declared pool", _Placebo()),
          Variant("pool:population", "population 41,855–167,420 in 2011", "declared pool", None),
          Variant("ridge-augmented", "ridge-augmented synthetic control", "second estimator", _Placebo())]
    assert [v.kind for v in vs] == ["leave one donor out", "leave one donor out", "same SKR group",
                                    "population ½–2×", "ridge-augmented synthetic control"]
    fig, ax = plt.subplots()
    style.draw_variant_gaps(ax, vs)
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["leave one donor out", "same SKR group", "ridge-augmented synthetic control"]
    assert len(ax.lines) == 4 and ax.lines[2].get_color() == style.VARIANT_COLOURS["same SKR group"]
    plt.close(fig)
