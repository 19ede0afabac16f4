"""The rulebook on small cases computed by hand, and the claim registry against data/claims.yaml."""

from __future__ import annotations

import pytest

from analysis import chapters
from analysis.rules import claims as C
from analysis.rules import registry
from analysis.rules import rulebook as R
from analysis.rules.rulebook import Tolerance


# ------------------------------------------------------------------ numeric-match and tolerances
@pytest.mark.parametrize("pub, rep, tol, verdict", [
    (43.1, 42.2, Tolerance(abs=1.0), "supported"),  # |−0.9| ≤ 1
    (43.1, 42.0, Tolerance(abs=1.0), "not supported"),  # 1.1 > 1: no wider 'partly' band any more
    (100, 102, Tolerance(rel=0.02), "supported"),
    (100, 102.5, Tolerance(rel=0.02), "not supported"),
    (-5.0, 3.0, Tolerance(abs=1.0), "contradicted"),  # a fall printed, a rise found
    (2.0, 2.4, Tolerance(abs=0.1, rel=0.25), "supported"),  # the larger limit (0.5) applies
])
def test_numeric_match(pub, rep, tol, verdict):
    assert R.numeric_match(pub, rep, tol) == verdict


def test_tolerance_per_kind_and_alternatives():
    assert R.tolerance("rate") == Tolerance(abs=0.005)
    assert R.tolerance("share").limit(43.1) == 1.0
    assert R.tolerance("level").limit(-250) == pytest.approx(5.0)
    assert Tolerance(abs=1.0, rel=0.1).scaled(0.5) == Tolerance(abs=0.5, rel=0.05)
    with pytest.raises(ValueError, match="No tolerance policy"):
        R.tolerance("volume")
    with pytest.raises(ValueError, match="missing"):
        R.numeric_match(1.0, float("nan"), Tolerance(abs=1))


def test_year_mismatch_written_once():
    assert R.year_mismatch("supported", data_older=True) == "partly supported"
    assert R.year_mismatch("not supported", data_older=True) == "not testable"
    assert R.year_mismatch("contradicted", data_older=False) == "contradicted"  # newer data may reject


# ------------------------------------------------------------------ directional-test (one α, one placebo rule)
def test_directional_test_and_contradicted():
    assert R.ALPHA == 0.05
    assert R.directional_test(True, 0.04, 0.97) == "supported"
    assert R.directional_test(True, 0.14, 0.87) == "not supported"  # a sign alone is no evidence
    assert R.directional_test(False, 0.98, 0.03) == "contradicted"  # significant the other way
    assert R.directional_test(False, 0.80, 0.21) == "not supported"
    assert R.directional_test(True, 0.04, 0.97, cap=R.PARTLY) == "partly supported"
    # ten placebo units: the smallest attainable p is 0.10 > α, so the test cannot decide
    assert R.directional_test(True, 0.10, 1.0, n_units=10) == "not testable"
    assert R.directional_test(True, 0.05, 1.0, n_units=20) == "supported"


def test_one_sided_p_from_two_sided():
    assert R.one_sided_from_two_sided(0.3, 0.08, +1) == pytest.approx((0.04, 0.96))
    assert R.one_sided_from_two_sided(-0.3, 0.08, +1) == pytest.approx((0.96, 0.04))


def test_alpha_alternatives_report_other_levels():
    alts = R.alpha_alternatives(lambda a: R.directional_test(True, 0.07, 0.93, a))
    assert alts == {"significance level 0.10": "supported", "significance level 0.01": "not supported"}


def test_rank_position():
    assert R.rank_position(0.05) == "supported"
    assert R.rank_position(0.30) == "not supported"
    assert R.rank_position(0.70) == "contradicted"
    assert R.rank_position(0.95, claimed_top=False) == "supported"


# ------------------------------------------------------------------ wording
@pytest.mark.parametrize("phrase, value, x, own, verdict", [
    ("nästan en tredjedel", 0.28, None, True, "contradicted"),  # the document's own 28 % is 0.84 of a third
    ("nästan en tredjedel", 0.28, None, False, "not supported"),  # data at 28 %: outside, but not the other side
    ("nästan en tredjedel", 0.31, None, True, "not testable"),  # a fit with its own number proves nothing
    ("nästan en tredjedel", 0.36, None, False, "contradicted"),  # more than a third: the words deny it
    ("nästan hälften", 0.431, None, True, "contradicted"),  # 43.1 % is 0.86 of a half
    ("nästan hälften", 0.47, None, True, "not testable"),
    ("drygt", 2750, 2700, False, "supported"),
    ("drygt", 2680, 2700, False, "contradicted"),  # 'a little over' a number the data put it under
    ("drygt", 3200, 2700, False, "not supported"),  # over, but by far more than 'a little'
    ("knappt", 88, 90, False, "supported"),
    ("knappt", 91, 90, False, "contradicted"),
    ("omkring", 85, 90, False, "supported"),
    ("omkring", 70, 90, False, "not supported"),
    ("kraftigt", -0.25, None, False, "supported"),
    ("kraftigt", -0.04, None, False, "not supported"),
    ("inte förändrats markant", -0.019, None, False, "supported"),
    ("inte förändrats markant", 0.12, None, False, "contradicted"),
    ("en av de … mest", 0.08, None, False, "supported"),
    ("en av de … mest", 0.70, None, False, "contradicted"),
])
def test_wording_table(phrase, value, x, own, verdict):
    assert R.wording(phrase, value, x, own_number=own) == verdict


def test_wording_unknown_phrase_and_missing_number():
    with pytest.raises(ValueError, match="not in the wording table"):
        R.wording("ganska många", 0.3)
    with pytest.raises(ValueError, match="printed number"):
        R.wording("drygt", 10)


def test_document_contradicts_itself_without_data():
    """C069 prints 28 % and calls it 'nästan en tredjedel': the wording check needs no data."""
    (chk,) = C.wording_checks("C069")
    assert chk.rule == "wording" and chk.verdict == "contradicted" and chk.note.startswith("Rule wording.")
    (chk,) = C.wording_checks("C100")
    assert chk.verdict == "contradicted"
    assert C.wording_checks("C118") == []  # 'drygt 2 700' qualifies a number: judged against data in check_value
    assert C.phrase_for("C118", "per_inhabitant") == "drygt"


# ------------------------------------------------------------------ claims from checks
def test_primary_combination():
    assert R.combine_primaries(["not supported"] * 3) == "not supported"
    assert R.combine_primaries(["supported", "not supported"]) == "partly supported"
    assert R.combine_primaries(["supported", "not testable"]) == "partly supported"
    assert R.combine_primaries(["contradicted", "not supported"]) == "contradicted"
    assert R.combine_primaries(["not testable"]) == "not testable"


def test_secondary_can_lower_never_raise():
    assert R.claim_verdict([("main", "not supported"), ("robust", "supported")], ["main"]) == "not supported"
    assert R.claim_verdict([("main", "supported"), ("robust", "contradicted")], ["main"]) == "partly supported"
    assert R.claim_verdict([("main", "supported"), ("robust", "not supported")], ["main"]) == "supported"
    with pytest.raises(ValueError, match="declared primary"):
        R.claim_verdict([("other", "supported")], ["main"])


def test_primary_patterns_for_labels_with_a_data_year():
    assert R.is_primary("Skurup 2019→2022, descriptive: x", ["Skurup 2019→*, descriptive: x"])
    assert not R.is_primary("Skurup 2019→2022, descriptive: y", ["Skurup 2019→*, descriptive: x"])


def test_every_rule_on_the_page_has_a_statement_and_examples_run():
    for r in R.RULES.values():
        assert r.statement and r.applies_to
        if r.example is not None:
            assert r.example()
    assert R.rule_tag("numeric-match") == "Rule numeric-match."
    with pytest.raises(ValueError, match="Unknown rule"):
        R.rule("made-up")


# ------------------------------------------------------------------ the registry against the ledger
def test_registry_matches_claims_yaml():
    chapters.discover()
    ledger = C.claims()
    for ch in registry.chapters():
        assigned = sorted(cid for cid, e in ledger.items() if ch in (e.get("chapters") or []))
        assert registry.claim_ids(ch) == assigned, ch
    assigned_any = {c for e in ledger.values() for c in e.get("chapters") or []}
    assert assigned_any == set(registry.chapters())
    assert set(chapters.titles()) == set(registry.chapters())


def test_registering_twice_is_an_error():
    def f(data_dir=None):
        return None

    def g(data_dir=None):
        return None

    registry.claim_check("test-chapter", "C001")(f)
    with pytest.raises(C.ClaimsError, match="registered twice"):
        registry.claim_check("test-chapter", "C001")(g)
    registry._REGISTRY.pop("test-chapter")


def test_wording_against_data_allows_the_kinds_tolerance():
    """'uppemot 90' against 90.9: above X, but within the level tolerance (2 % of 90 = 1.8)."""
    assert R.wording("uppemot", 90.9, 90) == "contradicted"
    assert R.wording("uppemot", 90.9, 90, slack=1.8) == "supported"
    assert R.wording("uppemot", 93.0, 90, slack=1.8) == "contradicted"
    assert R.wording("nästan en tredjedel", 0.28, own_number=True, slack=0.05) == "contradicted"  # no slack for the document's own number


def test_alternative_measure_pairs_by_label():
    from analysis.rules.collect import measure_pairs

    checks = [{"label": "Commuters highest (rka)", "role": "primary"},
              {"label": "Commuters highest (nka)", "role": "secondary"},
              {"label": "Växjö's rank among the largest cuts, N31001", "role": "primary"},
              {"label": "Växjö's rank among the largest cuts, N31004", "role": "secondary"},
              {"label": "Something else", "role": "secondary"}]
    assert measure_pairs(checks) == [(0, 1), (2, 3)]


def test_wording_on_a_change_between_two_printed_numbers():
    """C097: 88.6 % (2022) → 86.9 % (2024) 'inte förändrats markant' (−1.9 %): the words fit the
    document's own numbers, which alone cannot show they are true."""
    (chk,) = C.wording_checks("C097")
    assert chk.verdict == "not testable" and chk.label.endswith("88.6 → 86.9 % (-1.9%)")


def test_one_placebo_fit_filter_across_the_book():
    """The rulebook's RMSPE factor is the one the estimators use (they compare MSPEs: its square)."""
    from analysis.chapters.solna_sundbyberg.design import SOLNA_FIT_FACTOR
    from analysis.methods import placebo
    from analysis.rules import rulebook

    assert placebo.FIT_FACTOR == rulebook.FIT_FACTOR**2 == SOLNA_FIT_FACTOR
