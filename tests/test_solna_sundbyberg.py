"""The arithmetic and series helpers behind the Solna–Sundbyberg chapter: small frames
with known answers, and a clear error for a bad code, a missing KPI or a missing year."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError, UnknownKPIError, UnknownMunicipalityError
from analysis.methods import solna as S
from analysis.rules import claims
from analysis.rules import rulebook as RB
from analysis.rules.claims import Tolerance
from analysis.sources.municipalities import names


# ------------------------------------------------------------------ arithmetic with known answers
def test_per_inhabitant():
    assert S.per_inhabitant(229e6, 85_000) == pytest.approx(2694.1176, rel=1e-6)
    with pytest.raises(ValueError):
        S.per_inhabitant(1.0, 0)


def test_tax_ore_arithmetic():
    base = S.tax_base_sek(200_000, 50_000)  # 10 bn kr of taxable income
    assert base == 1e10
    assert S.sek_per_ore(base) == pytest.approx(1e6)  # 1 öre = 0.01 kr per 100 kr = 1e10 * 1e-4
    assert S.msek_in_ore(1, base) == pytest.approx(1.0)
    assert S.msek_in_ore(25, 4e10) == pytest.approx(6.25)
    with pytest.raises(ValueError):
        S.tax_base_sek(-1, 10)


def test_implied_reference_cost():
    ref, actual = S.implied_reference_cost(-229, -56.4)
    assert ref == pytest.approx(406.03, abs=0.01)
    assert actual == pytest.approx(177.03, abs=0.01)
    assert (actual - ref) / ref * 100 == pytest.approx(-56.4)
    with pytest.raises(ValueError):
        S.implied_reference_cost(-5, 0)


def test_households_estimate():
    assert S.households_estimate(6.0, 50_000, 1.5) == pytest.approx(2000)
    with pytest.raises(ValueError):
        S.households_estimate(6.0, 50_000, 0)


def test_closest_kpi():
    kpi, value, rel = S.closest_kpi({"A": 759.8, "B": 1002.0, "C": 1315.0, "D": np.nan}, 1088)
    assert (kpi, value) == ("B", 1002.0)
    assert rel == pytest.approx((1002 - 1088) / 1088)
    with pytest.raises(DataError):
        S.closest_kpi({"A": np.nan}, 1.0)


def test_drift_tolerance_adds_typical_change():
    s = pd.Series([100 * 1.1**i for i in range(12)], index=range(2011, 2023), name="x")
    tol = RB.widen_for_drift(Tolerance(rel=0.02), S.typical_change(s, 2), True)
    assert tol.rel == pytest.approx(0.02 + 0.21, abs=1e-3)  # every 2-year change is +21 %
    same = RB.widen_for_drift(Tolerance(rel=0.02), S.typical_change(s, 0), True)
    assert same.rel == 0.02
    pts = pd.Series(np.arange(12, dtype=float) * 3, index=range(2011, 2023), name="pp")
    assert RB.widen_for_drift(Tolerance(abs=1.0), S.typical_change(pts, 1, relative=False), False).abs == pytest.approx(4.0)
    with pytest.raises(DataError, match="Too few"):
        RB.widen_for_drift(Tolerance(rel=0.02), S.typical_change(s.iloc[:3], 2), True)


def test_national_percentile_and_ranks():
    v = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=list("abcde"))
    assert S.national_percentile(v, "c") == 50
    assert S.national_percentile(v, "a") == 0 and S.national_percentile(v, "e") == 100
    with pytest.raises(DataError):
        S.national_percentile(v, "z")
    assert S.rank_in(v, higher_is_better=True).to_dict() == {"a": 5, "b": 4, "c": 3, "d": 2, "e": 1}
    assert S.rank_in(v, higher_is_better=False)["a"] == 1


@pytest.mark.parametrize("d, verdict", [(0.1, "supported"), (-0.25, "supported"), (0.4, "partly supported"),
                                        (-1.2, "not supported")])
def test_similarity_rule(d, verdict):
    assert S.similarity_verdict(d) == verdict


def test_composite_score():
    idx = pd.DataFrame({"i1": [10, 20, 30, np.nan], "i2": [1, 3, 2, 5], "i3": [5, 6, 7, np.nan]},
                       index=["a", "b", "c", "d"])
    out = S.composite_score(idx, min_indices=3)
    assert list(out.index) == ["c", "b", "a"]  # d has only one index
    assert out.loc["c", "rank"] == 1
    with pytest.raises(DataError):
        S.composite_score(idx, min_indices=4)


def test_structural_residuals_find_planted_outlier():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x1": rng.normal(size=60), "x2": rng.normal(size=60)}, index=[f"u{i}" for i in range(60)])
    y = np.exp(6 + 0.5 * X["x1"] - 0.3 * X["x2"] + rng.normal(scale=0.01, size=60))
    y.iloc[7] *= 0.5  # planted: half the expected cost
    tab, r2 = S.structural_residuals(y, X)
    assert tab["residual"].idxmin() == "u7"
    assert tab.loc["u7", "residual"] == pytest.approx(np.log(0.5), abs=0.05)
    assert tab.loc["u7", "percentile"] == 0
    assert 0 < r2 <= 1


# ------------------------------------------------------------------ real data: bad input fails clearly
def test_bad_municipality_code(real_data_dir):
    with pytest.raises(UnknownMunicipalityError, match="Unknown municipality code"):
        S.series_of("N31001", "9999", real_data_dir)
    with pytest.raises(UnknownMunicipalityError):
        S.comparison_series("N31001", real_data_dir, focus=("0184", "Solnaa"))


def test_missing_kpi(real_data_dir):
    with pytest.raises(UnknownKPIError, match="Unknown KPI"):
        S.comparison_series(["N99999"], real_data_dir)
    with pytest.raises(UnknownKPIError, match="make data"):
        S.series_of("N00119", "0184", real_data_dir)


def test_claimed_year_inside_the_series_must_exist(real_data_dir):
    with pytest.raises(DataError, match="No value of N31910 for 0184 in 1998"):
        S.value_for_claim("N31910", "0184", 1998, real_data_dir)
    value, year = S.value_for_claim("N31001", "0184", 2090, real_data_dir)
    assert year == S.series_of("N31001", "0184", real_data_dir).index.max()


def test_comparison_series_units(real_data_dir):
    out = S.comparison_series(["N31001", "N30001"], real_data_dir)
    assert {"Solna", "Sundbyberg", "Riket", "A2 median"} <= set(out["unit"])
    assert not ((out["kpi"] == "N30001") & (out["unit"] == "Riket")).any()  # NKA has no Riket value


def test_derived_rates_agree_with_kolada(real_data_dir):
    rates = S.derived_municipal_rates("0184", real_data_dir)
    both = rates.dropna(subset=["municipal (Kolada N00901)"])
    assert len(both) >= 3
    assert (both["municipal (derived)"] - both["municipal (Kolada N00901)"]).abs().max() <= 0.005


def test_drift_tolerance_since_excludes_method_break():
    # a jump between 2018 and 2019 (method break) must not widen the tolerance when since=2019
    s = pd.Series([0.0, 0.0, 30.0, 31.0, 32.0, 33.0], index=range(2017, 2023), name="nka")
    wide = RB.widen_for_drift(Tolerance(abs=1.0), S.typical_change(s, 2, relative=False), False)
    within = RB.widen_for_drift(Tolerance(abs=1.0), S.typical_change(s, 2, relative=False, since=2019, min_changes=2), False)
    assert within.abs == pytest.approx(3.0)  # 2-year changes 2021−2019 and 2022−2020 are both 2
    assert wide.abs == pytest.approx(1.0 + 16.0)  # median of 30, 31, 2, 2: two changes span the break
    with pytest.raises(DataError, match="Too few"):
        RB.widen_for_drift(Tolerance(abs=1.0), S.typical_change(s, 2, relative=False, since=2019), False)  # default needs 3 changes


def _fake_synthetic(post_gap: float, p_below: float, n_below: int):
    """What _departure_rule reads of a synthetic comparison: the gap, and the placebo's p's."""
    from types import SimpleNamespace

    from analysis.chapters import solna_sundbyberg as ch

    years = range(ch.PRE_END - 2, ch.PRE_END + 4)
    gap = pd.Series([0.0 if y <= ch.PRE_END else post_gap for y in years], index=list(years))
    # a placebo run whose test could see the claimed effect (MDE 0), without donor-pool variants
    inspace = SimpleNamespace(mde=lambda alpha, factor=None: 0.0, ratio_floor=0.05)
    return SimpleNamespace(gap=gap, placebo=SimpleNamespace(p_below=p_below, n_below=n_below, p_value=0.5),
                           inspace=inspace, variants=[])


@pytest.mark.parametrize("post_gap, p_below, n_below, verdict, at_010, at_001", [
    # a fall that stands out at α = 0.05 one-sided: capped at partly supported (the design cannot attribute it)
    (-0.2, 0.025, 40, "partly supported", "partly supported", "not testable"),  # at 0.01, 1/40 > α
    (-0.2, 0.008, 125, "partly supported", "partly supported", "partly supported"),
    # a fall that does not stand out: not supported (a sign alone is no evidence)
    (-0.2, 0.20, 40, "not supported", "not supported", "not testable"),
    (-0.2, 0.075, 40, "not supported", "partly supported", "not testable"),
    # a rise larger than every placebo's: the opposite one-sided p is 1/n, so contradicted
    (0.2, 1.0, 40, "contradicted", "contradicted", "not testable"),
    # too few well-fitted units: the smallest attainable p 1/n exceeds α, whatever the estimate
    (-0.2, 0.1, 10, "not testable", "partly supported", "not testable"),
    (-0.2, 0.0625, 16, "not testable", "partly supported", "not testable"),
])
def test_departure_rule_is_the_rulebooks_placebo_rule(post_gap, p_below, n_below, verdict, at_010, at_001):
    from analysis.chapters import solna_sundbyberg as ch

    got, text, alts = ch._departure_rule(_fake_synthetic(post_gap, p_below, n_below))
    assert got == verdict
    assert alts == {"significance level 0.10": at_010, "significance level 0.01": at_001}
    assert text.startswith("Rule directional-test (α = 0.05, one-sided, capped at partly supported)")
    assert f"one-sided placebo p = {p_below:.2f} among the {n_below} units" in text


def test_chapter_rules_on_real_data(real_data_dir):
    from analysis.chapters import solna_sundbyberg as ch

    by_id = {r.id: r for r in ch.evaluate(real_data_dir)}
    # proxies for measures not in the data give 'not testable' (one rule for C122, C123, C125, C165)
    for cid in ("C122", "C123", "C125", "C165"):
        assert by_id[cid].verdict == "not testable"
    # no check's note calls a percentage-point tolerance a percentage
    for c in by_id["C115"].checks:
        assert c.rule == "numeric-match" and c.note.startswith("Rule numeric-match. Tolerance ±")
        tolerance_sentence = c.note[len("Rule numeric-match. "):].split(").", 1)[0]
        assert " pp (percentage points" in tolerance_sentence and " % (" not in tolerance_sentence
    # the C118 label is computed from its verdict
    c3 = [c for c in by_id["C118"].checks if c.label.startswith("The printed saving")][0]
    assert ("yet Solna raised" in c3.label) == (c3.verdict == "partly supported")
    # the C065 Solna part follows the placebo rule (rulebook.directional_test on the one-sided p among
    # well-fitted units), is never more than partly supported, and records its α alternatives
    sy = ch.synthetic("N31004", real_data_dir)
    verdict, _, alts = ch._departure_rule(sy, real_data_dir)
    [solna_part] = [c for c in by_id["C065"].checks if c.rule == "directional-test"]
    assert solna_part.verdict == verdict != "supported"
    assert solna_part.alternatives == alts and set(RB.ALPHA_ALTERNATIVES) <= set(alts)
    # every donor-pool variant is an alternative, under a stable name
    assert {a for a in alts if a.startswith(RB.DONOR_POOL_PREFIXES)} == {v.alternative(names(real_data_dir))
                                                                           for v in sy.variants if v.ok}
    assert any(a == "donor pool: all municipalities" for a in alts)
    if 1 / sy.placebo.n_below > RB.ALPHA:
        assert verdict == "not testable"
    # the verdict table marks claims shared with another chapter
    vt = claims.verdict_table(list(by_id.values()), chapter="solna-sundbyberg").set_index("claim")
    assert "Claims at a glance" in vt.loc["C065", "scope"] and vt.loc["C079", "scope"] == "this chapter"
