"""Synthetic control and placebo inference on simulated panels with planted effects."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from analysis.errors import DataError
from analysis.methods.placebo import in_space, in_time
from analysis.methods.synth import synth_weights, synthetic_control


def _slsqp(y, X):
    """Independent reference: scipy's SLSQP on the same simplex-constrained least squares."""
    J = X.shape[1]
    res = minimize(
        lambda w: np.sum((y - X @ w) ** 2),
        np.full(J, 1 / J),
        jac=lambda w: -2 * X.T @ (y - X @ w),
        bounds=[(0, 1)] * J,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1, "jac": lambda w: np.ones(J)}],
        method="SLSQP",
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    return res.x


def factor_panel(rng, n_units=30, years=range(2000, 2020), noise=0.03, effect=0.0, event=2014, treated="T"):
    """log outcome = unit level + unit loading × common factor path + noise; the treated unit
    gets ``effect`` (log points) from ``event`` on."""
    years = list(years)
    f = np.cumsum(rng.normal(0, 0.08, size=(len(years), 2)), axis=0)
    units = [treated] + [f"D{j:02d}" for j in range(n_units - 1)]
    load = rng.uniform(0.5, 1.5, size=(2, n_units))
    level = rng.normal(6.5, 0.3, size=n_units)
    Y = level + f @ load + rng.normal(0, noise, size=(len(years), n_units))
    panel = pd.DataFrame(Y, index=pd.Index(years, name="year"), columns=units)
    panel.loc[[y for y in years if y >= event], treated] += effect
    return panel


@pytest.mark.parametrize("seed", range(12))
def test_weights_match_slsqp(seed):
    rng = np.random.default_rng(seed)
    T0, J = int(rng.integers(3, 18)), int(rng.integers(2, 50))
    X = rng.normal(size=(T0, J)).cumsum(axis=0) + rng.normal(0, 3, size=J)
    y = X @ rng.dirichlet(np.full(J, 0.3)) + rng.normal(0, 0.2, T0) if seed % 2 else rng.normal(size=T0).cumsum()
    w = synth_weights(y, X)
    ref = _slsqp(y, X)
    assert w.min() >= 0 and w.sum() == pytest.approx(1, abs=1e-12)
    f, f_ref = np.sum((y - X @ w) ** 2), np.sum((y - X @ ref) ** 2)
    assert f <= f_ref * (1 + 1e-7) + 1e-10  # never worse than the reference optimum


def test_weights_match_pysyncon():
    pysyncon = pytest.importorskip("pysyncon")
    rng = np.random.default_rng(7)
    panel = factor_panel(rng, n_units=20, effect=-0.2)
    pre = [y for y in panel.index if y < 2014]
    donors = [c for c in panel.columns if c != "T"]
    X0, X1 = panel.loc[pre, donors], panel.loc[pre, "T"]
    # pysyncon divides each predictor row by its standard deviation across units; weighting
    # the rows by their variance undoes that, so both solve the same problem (V = identity)
    var = pd.concat([X0, X1], axis=1).std(axis=1).to_numpy() ** 2
    model = pysyncon.Synth()
    model.fit(X0=X0, X1=X1, Z0=panel[donors], Z1=panel["T"], custom_V=var)
    ours = synthetic_control(panel, "T", 2014)
    theirs = pd.Series(model.W, index=donors)
    f_ours = float(((X1 - X0 @ ours.weights) ** 2).sum())
    f_theirs = float(((X1 - X0 @ theirs) ** 2).sum())
    assert f_ours <= f_theirs * (1 + 1e-6) + 1e-9
    assert np.abs(ours.weights.to_numpy() - theirs.to_numpy()).max() < 0.02
    assert ours.post_mean_gap == pytest.approx(float((panel["T"] - panel[donors] @ theirs).loc[2014:].mean()), abs=0.01)


def test_treated_inside_hull_is_reproduced_exactly():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 30))
    w_true = np.zeros(30)
    w_true[[3, 8, 20]] = [0.5, 0.3, 0.2]
    w = synth_weights(X @ w_true, X)
    assert np.abs(X @ w - X @ w_true).max() < 1e-8


@pytest.mark.parametrize("effect", [-0.25, 0.15])
def test_planted_effect_is_recovered(effect):
    rng = np.random.default_rng(3)
    panel = factor_panel(rng, n_units=40, effect=effect)
    fit = synthetic_control(panel, "T", 2014)
    assert fit.weights.sum() == pytest.approx(1) and (fit.weights >= 0).all()
    assert fit.post_mean_gap == pytest.approx(effect, abs=0.05)
    assert fit.rmspe_pre < 0.05
    assert fit.ratio == pytest.approx(fit.rmspe_post / fit.rmspe_pre)
    assert list(fit.gap.index) == list(panel.index)


def test_placebo_detects_a_planted_fall():
    rng = np.random.default_rng(5)
    panel = factor_panel(rng, n_units=40, effect=-0.3)
    pl = in_space(panel, "T", 2014)
    assert pl.n_units == 40
    assert pl.p_reduction <= 0.05
    # the two-sided RMSPE ratio is weaker: placebo units fitted almost perfectly get huge ratios
    assert pl.p_ratio <= 0.2 and pl.rank_ratio == int(round(pl.p_ratio * pl.n_units))
    assert pl.p_one_sided(direction=+1) > 0.9  # it is a fall, not a rise


def test_placebo_p_value_not_systematically_small_under_no_effect():
    ps = []
    for seed in range(40):
        panel = factor_panel(np.random.default_rng(100 + seed), n_units=25, effect=0.0)
        pl = in_space(panel, "T", 2014)
        ps.append((pl.p_reduction, pl.p_ratio))
    red, ratio = np.array(ps).T
    for p in (red, ratio):
        assert 0.35 < p.mean() < 0.7
        assert (p <= 0.10).mean() <= 0.25


def test_in_time_uses_only_pre_event_data():
    rng = np.random.default_rng(9)
    panel = factor_panel(rng, n_units=30, effect=-0.5)
    fake = in_time(panel, "T", 2014, [2009, 2010, 2011], horizon=3)
    assert list(fake["fake event year"]) == [2009, 2010, 2011]
    assert (fake["mean post gap"].abs() < 0.15).all()  # the real −0.5 never leaks in


def test_bad_input_fails_clearly():
    rng = np.random.default_rng(2)
    panel = factor_panel(rng)
    with pytest.raises(DataError, match="not in the panel"):
        synthetic_control(panel, "XX", 2014)
    with pytest.raises(DataError, match="two pre-event years"):
        synthetic_control(panel, "T", 2001)
    broken = panel.copy()
    broken.loc[2005, "T"] = np.nan
    with pytest.raises(DataError, match="no value"):
        synthetic_control(broken, "T", 2014)
    with pytest.raises(DataError, match="missing years"):
        gap = panel.copy()
        gap.loc[2005, "D01"] = np.nan
        synthetic_control(gap, "T", 2014, donors=["D01", "D02"])
    with pytest.raises(DataError, match="non-finite"):
        synth_weights(np.array([1.0, np.nan]), np.ones((2, 3)))
    with pytest.raises(DataError, match="shape"):
        synth_weights(np.ones(3), np.ones((2, 3)))


def test_placebo_still_has_comparisons_when_treated_is_fitted_exactly():
    rng = np.random.default_rng(11)
    panel = factor_panel(rng, n_units=40, effect=0.0)
    donors = [c for c in panel.columns if c != "T"]
    panel["T"] = panel[donors[:3]].mean(axis=1)  # inside the donors' hull: pre-RMSPE ≈ 0
    panel.loc[2014:, "T"] -= 0.3
    pl = in_space(panel, "T", 2014)
    assert pl.fit.rmspe_pre < 1e-6
    assert len(pl.good_fit()) >= 20  # the better-fitted half of the placebo units at least
    assert pl.p_reduction <= 0.05
