"""Event-study regression with placebo inference, on simulated panels."""

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.methods.eventstudy import closed_form, event_study, twfe


def twfe_panel(rng, n_units=60, years=range(2005, 2021), effect=0.0, event=2014, trend=0.0, noise=0.03):
    years = list(years)
    units = ["T"] + [f"D{j:02d}" for j in range(n_units - 1)]
    Y = (
        rng.normal(6, 0.4, n_units)[None, :]
        + np.cumsum(rng.normal(0, 0.05, len(years)))[:, None]
        + rng.normal(0, noise, (len(years), n_units))
    )
    panel = pd.DataFrame(Y, index=pd.Index(years, name="year"), columns=units)
    t = np.array(years) - event
    panel["T"] += trend * t + np.where(t >= 0, effect, 0.0)
    return panel


def test_closed_form_equals_panelols():
    rng = np.random.default_rng(0)
    panel = twfe_panel(rng, n_units=15)
    years = list(range(2009, 2018))
    res, names = twfe(panel.loc[years], "T", 2014)
    cf = closed_form(panel.loc[years].to_numpy(), years, 2014)[:, 0]
    for k, name in names:
        assert res.params[name] == pytest.approx(cf[years.index(2014 + k)], abs=1e-8)


def test_planted_effect_recovered_with_placebo_ci():
    rng = np.random.default_rng(1)
    panel = twfe_panel(rng, effect=-0.2, noise=0.02)
    es = event_study(panel, "T", 2014, leads=5, lags=5)
    assert es.post_mean == pytest.approx(-0.2, abs=0.04)
    assert es.post_ci[1] < 0 and es.post_ci[0] < es.post_mean < es.post_ci[1]
    assert es.post_p <= 0.05
    assert es.pre_trend_p > 0.05
    assert (es.coefs.loc[es.lags] < -0.1).all()
    assert es.coefs.loc[-1] == 0 and es.n_donors == 59
    assert len(es.table()) == 11


def test_pre_trend_is_detected():
    rng = np.random.default_rng(2)
    panel = twfe_panel(rng, trend=-0.04)
    es = event_study(panel, "T", 2014, leads=6, lags=4)
    assert es.pre_trend_p <= 0.05


def test_null_post_p_not_systematically_small():
    ps = [event_study(twfe_panel(np.random.default_rng(50 + s), n_units=30), "T", 2014, 5, 4).post_p for s in range(40)]
    ps = np.array(ps)
    assert 0.3 < ps.mean() < 0.7 and (ps <= 0.10).mean() <= 0.25


def test_window_is_cut_where_data_end_and_bad_input_fails():
    rng = np.random.default_rng(3)
    panel = twfe_panel(rng, years=range(2005, 2017))
    es = event_study(panel, "T", 2014, leads=4, lags=7)
    assert max(es.years) == 2016
    with pytest.raises(DataError, match="reference year"):
        event_study(panel.drop(index=2013), "T", 2014)
    with pytest.raises(DataError, match="not in the panel"):
        event_study(panel, "X", 2014)
    broken = panel.copy()
    broken.loc[2012, "T"] = np.nan
    with pytest.raises(DataError, match="lacks values"):
        event_study(broken, "T", 2014, leads=4, lags=2)


def test_rebased_reference_removes_a_spike_in_the_reference_year():
    """A treated unit with a one-off spike in the year before the event and no effect: against that
    year the post coefficients look like a fall; against the mean of the earlier leads they do not."""
    rng = np.random.default_rng(4)
    panel = twfe_panel(rng, noise=0.02)
    panel.loc[2013, "T"] += 0.4
    es = event_study(panel, "T", 2014, leads=5, lags=5)
    assert es.post_ci[1] < 0
    rb = es.rebased()
    assert rb["ref_ks"] == es.leads
    assert rb["post_ci"][0] < 0 < rb["post_ci"][1]
    assert abs(rb["post_mean"]) < 0.1
    assert rb["coefs"].loc[es.leads].mean() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(DataError, match="not all in the window"):
        es.rebased([-20])
