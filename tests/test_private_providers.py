"""The private-providers chapter: clear errors for measures without data in a year, the
private-only share used automatically when the live cache holds it, the verdict rules on
planted estimates, and the helpers behind Figures 3–4 on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.chapters import private_providers as ch
from analysis.errors import DataError
from analysis.methods import efficiency as E
from analysis.methods.regressions import Estimate
from analysis.rules import claims as C
from analysis.rules import registry
from analysis.rules import rulebook as RB
from analysis.sources import kolada


def _est(lo, hi):
    """An estimate with a 95 % CI [lo, hi] and its matching normal two-sided p."""
    from scipy.stats import norm

    coef, se = (lo + hi) / 2, (hi - lo) / (2 * 1.959964)
    return Estimate(coef, se, lo, hi, float(2 * norm.sf(abs(coef) / se)), 100, 0.1, "test")


# ------------------------------------------------------------------ verdict rules on planted estimates
@pytest.mark.parametrize("primary, robust, verdict", [
    ((0.1, 0.3), [(-0.1, 0.1)], "supported"),
    ((-0.1, 0.3), [(0.1, 0.3)], "not supported"),  # a robustness measure cannot raise a verdict
    ((-0.1, 0.3), [(-0.2, 0.1)], "not supported"),
    ((-0.4, -0.1), [(-0.2, 0.1)], "contradicted"),
    ((-0.4, -0.1), [(0.1, 0.5)], "contradicted"),  # nor rescue one
    ((0.1, 0.3), [(-0.5, -0.2)], "partly supported"),  # a significantly opposite secondary lowers it
    ((-0.02, 0.38), [], "supported"),  # one-sided p ≈ 0.03 ≤ 0.05 although the 95 % CI includes 0
])
def test_combined_verdict(primary, robust, verdict):
    assert ch.combined_verdict(_est(*primary), [_est(*r) for r in robust]) == verdict


def test_other_significance_levels_are_reported_for_stability():
    alts = ch._alts(_est(-0.02, 0.38), [])
    assert alts == {"significance level 0.10": "supported", "significance level 0.01": "not supported"}


def test_primary_rank_correlation_against_lowers_but_never_raises():
    assert ch.combined_verdict(_est(-0.1, 0.3), [_est(0.1, 0.3)], primary_opposite=True) == "not supported"
    assert ch.combined_verdict(_est(0.1, 0.3), [_est(0.1, 0.3)], primary_opposite=True) == "partly supported"


def test_holm_adjustment():
    adj = ch.holm(pd.Series([0.01, 0.04, 0.03]))
    assert adj.tolist() == pytest.approx([0.03, 0.06, 0.06])


# ------------------------------------------------------------------ helpers on small frames
def test_extremes_percentiles_and_deciles():
    cs = pd.DataFrame({"eff": np.arange(100.0), "share": np.arange(100.0) % 10 + 5}, index=[f"{i:04d}" for i in range(100)])
    assert list(E.extremes(cs, "eff", 3).index) == ["0000", "0001", "0002"]
    assert list(E.extremes(cs, "eff", 2, top=True).index) == ["0099", "0098"]
    pct = E.percentile_rank(pd.Series([5.0, 14.0]), cs["share"])
    assert pct.tolist() == pytest.approx([10.0, 100.0])
    dec = E.share_by_decile(cs, "eff", "share")
    assert dec["decile"].tolist() == list(range(1, 11))
    assert dec["mean share"].tolist() == pytest.approx([9.5] * 10)  # every decile holds one full cycle
    with pytest.raises(KeyError):
        E.extremes(cs, "nope")
    with pytest.raises(DataError, match="only 8 municipalities"):
        E.extremes(cs.head(8), "eff", 5)


def test_standardised_refuses_a_constant():
    with pytest.raises(DataError, match="no variation"):
        E.standardised(pd.Series([1.0, 1.0, 1.0], name="x"))


# ------------------------------------------------------------------ real data: clear errors
def test_measure_without_data_for_a_year_is_an_error(real_data_dir):
    with pytest.raises(DataError, match=r"no values for \[2012\].*2016"):
        E.measure_in_year("U15900", 2012, real_data_dir)
    with pytest.raises(DataError, match="no values for 2005"):
        E.share_in_year("N00803", 2005, real_data_dir)
    with pytest.raises(DataError, match="no values"):
        E.panel(real_data_dir, years=range(2012, 2023))  # RKA's indices start in 2016
    with pytest.raises(KeyError, match="Unknown measure"):
        E.measure_in_year("U99999", 2020, real_data_dir)
    assert E.measure_in_year("U15900", 2020, real_data_dir).notna().all()


def test_figure_for_a_year_without_data_is_an_error(real_data_dir):
    ch.clear_cache()
    d = ch.design(real_data_dir)
    with pytest.raises(DataError, match="no values for 2005"):
        ch.fig_extremes(d, year=2005)
    with pytest.raises(DataError, match="no values for 2005"):
        ch.figure34_table(d, year=2005)
    tab = ch.figure34_table(d, year=2015)  # an earlier year with data works
    assert tab["share (%)"].notna().all() and len(tab) == 25


def test_private_share_absent_from_snapshot_says_make_data(real_data_dir):
    priv = E.private_shares(real_data_dir)
    assert not priv.available
    assert "make data" in priv.message


def test_evaluate_records_every_claim_with_three_levels(real_data_dir):
    ch.clear_cache()
    results = ch.evaluate(real_data_dir)
    assert [r.id for r in results] == registry.claim_ids(ch.CHAPTER)
    for r in results:
        assert r.verdict in C.VERDICTS
        assert all(c.note for c in r.checks)
    by_id = {r.id: r for r in results}
    for cid in ("C062", "C157"):
        labels = [c.label for c in by_id[cid].checks]
        assert len(labels) == 3 and labels[0].startswith("A correlation exists")
        assert "controls" in labels[1] and "within municipalities" in labels[2]
    # without the private-only share the printed 43.1 % and 3.8 % cannot be tested
    assert by_id["C100"].checks[0].verdict == "not testable"
    assert by_id["C101"].checks[0].verdict == "not testable"
    assert by_id["C098"].verdict == by_id["C103"].verdict == "not testable"
    # N00803 is only an upper bound of the private share: the top five's level (C100) and
    # their difference from the rest (C168) are not testable on it
    d = ch.design(real_data_dir)
    if d.share == "N00803":
        assert by_id["C168"].verdict == "not testable"
        assert all(c.verdict == "not testable" for c in by_id["C100"].checks if not c.label.startswith("Wording"))
    # ... but the document's own 43.1 % is not 'nästan hälften' (0.9·50 % = 45 %): rule wording
    wording = [c for c in by_id["C100"].checks if c.rule == "wording"]
    assert [c.verdict for c in wording] == ["contradicted"] and by_id["C100"].verdict == "contradicted"
    # one unit at every level: the cross-section outcome has SD 1 across municipalities, and the
    # panel outcome is the yearly value divided by the SD of the same measure's 2019–2022 mean
    assert d.cs["y_rka"].std() == pytest.approx(1.0) and d.cs["rka"].std() == pytest.approx(1.0)
    sd_mean = d.cs["rka (mean z)"].std()
    assert 0.5 < sd_mean < 0.7  # a mean of z-scores: its SD is well below one
    assert d.panel[ch.panel_outcome("rka")].to_numpy() == pytest.approx(d.panel["rka"].to_numpy() / sd_mean,
                                                                        nan_ok=True)
    # the DEA scores follow cost alone (rule cost-only): context, not robustness measures
    assert d.cost_rho("dea_school") > 0.99 and set(d.cost_only) == {"dea_school", "dea_elderly"}
    assert d.robust == ("nka",)
    # the lead test's sum equals the two coefficients added
    tim = ch.timing_table(d)
    assert tim["sum"].to_numpy() == pytest.approx((tim["this year's share"] + tim["next year's share"]).to_numpy(),
                                                  abs=1e-8)


# ------------------------------------------------------------------ the live cache's private share is used
def test_private_share_used_automatically_when_cached(real_data_dir, tmp_path, monkeypatch):
    """Plant N00119 = 0.7 × N00803 and N00120 = 0.1 × N00803 (2010–2022, with 2022's values
    repeated for 2023–2024) in a fake live cache: the chapter must switch to the private share,
    test Täby's printed 2024 share against it and say so."""
    base = kolada.load_kpis("N00803", real_data_dir)
    base = base[base["municipality"] != kolada.RIKET]
    last = base[base["year"] == base["year"].max()]
    base = pd.concat([base, last.assign(year=2023), last.assign(year=2024)])
    folder = tmp_path / "cache" / "kolada"
    folder.mkdir(parents=True)
    for kpi, factor in (("N00119", 0.7), ("N00120", 0.1)):
        base.assign(kpi=kpi, value=base["value"] * factor).to_csv(folder / f"{kpi}.csv", index=False)
    monkeypatch.setenv("MUNI_CACHE_DIR", str(tmp_path / "cache"))
    ch.clear_cache()
    try:
        d = ch.design(real_data_dir)
        assert d.share == "private" and d.latest == 2024
        results = {r.id: r for r in ch.evaluate(real_data_dir)}
        taby = results["C100"].checks[0]
        planted = 0.8 * float(last.set_index("municipality").loc["0160", "value"])
        assert taby.year_data == 2024 and taby.reproduced == pytest.approx(planted, abs=1e-3)
        assert taby.verdict == RB.numeric_match(43.1, planted, ch.SHARE_TOL)
        assert "N00119 + N00120" in taby.note
        assert results["C101"].checks[0].verdict != "not testable"
    finally:
        ch.clear_cache()
