"""The activation-reforms chapter: its verdict rule on simulated events, its helpers on
small frames with known answers, its claim list against the ledger, and clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.chapters import activation_reforms as ch
from analysis.errors import DataError
from analysis.methods.eventstudy import event_study
from analysis.methods.placebo import in_space
from analysis.rules import rulebook as RB


def sim_run(effect: float, seed: int = 0, n_units: int = 60) -> ch.Run:
    """A Run on a simulated log panel (two common factors, unit loadings) with a planted effect."""
    rng = np.random.default_rng(seed)
    years = list(range(1998, 2023))
    f = np.cumsum(rng.normal(0, 0.06, (len(years), 2)), axis=0)
    units = [ch.VAXJO] + [f"{9000 + j}" for j in range(n_units - 1)]
    Y = rng.normal(7, 0.3, n_units) + f @ rng.uniform(0.5, 1.5, (2, n_units)) + rng.normal(0, 0.03, (len(years), n_units))
    logs = pd.DataFrame(Y, index=pd.Index(years, name="year"), columns=units)
    logs.loc[2012:, ch.VAXJO] += effect
    event = ch.EVENT["vaxjo2012"]
    panel = ch.Panel(logs, np.exp(logs), [], {})
    pl = in_space(logs, ch.VAXJO, 2012)
    es = event_study(logs, ch.VAXJO, 2012, leads=6, lags=7)
    return ch.Run(event, ch.OUTCOMES["N31001"], panel, pl, es, None)


def test_rule_supports_a_planted_fall_and_threats_lower_it():
    r = sim_run(-0.4)
    verdict, note = ch.effect_verdict(r)
    assert verdict == "supported", note
    assert "Rule effect-event" in note and "one-sided placebo p" in note
    open_threat = ch.Threat("refugees", True, "not ruled out")
    verdict, note = ch.effect_verdict(r, open_threats=[open_threat])
    assert verdict == "partly supported" and "Open threats: refugees" in note
    assert r.effect_table()["year"].iloc[-1] == "average"
    assert r.kr_gap().loc[2015] < 0


def test_rule_contradicts_a_planted_rise_and_never_supports_no_effect():
    assert ch.effect_verdict(sim_run(+0.4, seed=1))[0] == "contradicted"
    rise = sim_run(+0.8, seed=1)  # large enough to survive the pre-trend bound (relative magnitudes, M̄ = 1)
    assert rise.es.breakdown(+1) >= RB.RM_MBAR
    assert ch.effect_verdict(rise, direction=+1)[0] == "supported"
    nulls = [ch.effect_verdict(sim_run(0.0, seed=10 + s, n_units=40))[0] for s in range(6)]
    assert nulls.count("supported") <= 1


def test_rule_right_sign_alone_is_not_supported():
    """A gap in the claimed direction with neither inferential condition (placebo p, ES interval) → not supported;
    with one of them → partly supported."""
    r = sim_run(-0.03, seed=22, n_units=40)
    assert r.mean_gap < 0 and r.placebo.p_reduction > RB.ALPHA and r.es.post_ci[1] > 0
    assert r.placebo.mde(RB.ALPHA) <= RB.plausible_log_effect(-1)
    verdict, note = ch.effect_verdict(r)
    assert verdict == "not supported" and "Right direction only" in note and "MDE at 80 % power" in note
    # rule power: the same nothing from a test too weak to see a 20 % fall is not testable
    weak = sim_run(-0.03, seed=20, n_units=40)
    assert weak.placebo.p_reduction > RB.ALPHA and weak.placebo.mde(RB.ALPHA) > RB.plausible_log_effect(-1)
    assert ch.effect_verdict(weak)[0] == "not testable"
    r = sim_run(-0.03, seed=21, n_units=40)
    assert r.mean_gap < 0 and r.placebo.p_reduction <= RB.ALPHA
    assert ch.effect_verdict(r)[0] == "partly supported"


def test_in_time_fakes_end_before_any_earlier_reform_and_compare_like_with_like(real_data_dir):
    r = ch.run("N31001", ch.EVENT["vaxjo2015"], str(real_data_dir))
    assert r.fake["fake event year"].max() <= 2010
    assert all(int(p.split("–")[1]) < 2012 for p in r.fake["post years"])
    for _, row in r.fake.iterrows():
        n = int(row["n post years"])
        assert row["real gap, same no. of years"] == pytest.approx(r.fit.gap.loc[r.post[:n]].mean())
    assert r.es.years[-1] == r.post[-1]  # event study and synthetic control share the post years


def test_ranking_sensitivity_skips_dropped_register_years(real_data_dir):
    dd = str(real_data_dir)
    bad = ch.suspect_years(ch.VAXJO, dd)
    sens = ch.ranking_sensitivity("N31004", dd)
    assert not set(sens["start"]) & set(bad) and not set(sens["end"]) & set(bad)
    assert 2011 in set(ch.ranking_sensitivity("N31001", dd)["start"])


def test_spike_years_finds_a_collapsed_report_only():
    s = pd.Series([954.0, 508.0, 990.0, 943.0, 887.0], index=range(2010, 2015))
    assert ch.spike_years(s) == [2011]
    volatile = pd.Series([300.0, 248.0, 355.0, 423.0, 590.0], index=range(2015, 2020))  # a real swing, no spike
    assert ch.spike_years(volatile) == []
    gap = pd.Series([100.0, 10.0, 100.0], index=[2010, 2012, 2013])  # no neighbour one year before
    assert ch.spike_years(gap) == []


def test_bad_input_fails_clearly(real_data_dir):
    with pytest.raises(DataError, match="no values for 1990"):
        ch.change_table("N31001", 1990, 2021, str(real_data_dir))
    with pytest.raises(DataError, match="no values for 9999"):
        event = ch.Event("x", "nowhere", "9999", 2012, 3, 3)
        ch.run("N31001", event, str(real_data_dir))


def test_missing_snapshot_is_a_clear_error(tmp_path):
    ch.level_panel.cache_clear()
    with pytest.raises(DataError, match="not found"):
        ch.level_panel("N31001", str(tmp_path))
