"""The rules of issue 11 (part B) on small hand-computed fixtures: Holm's adjustment and the
multiplicity rule, the cost-only rule and the DEA's dependence on cost, the book's one unit for
an efficiency score, and the generated definitions block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.methods import dea as D
from analysis.methods import efficiency_groups as eg
from analysis.presentation.pages import definitions
from analysis.rules import rulebook as RB


def test_holm_by_hand_and_against_statsmodels():
    from statsmodels.stats.multitest import multipletests

    # sorted 0.01, 0.02, 0.04, 0.30 → ×4, ×3, ×2, ×1 = 0.04, 0.06, 0.08, 0.30 (monotone already)
    assert RB.holm([0.04, 0.01, 0.30, 0.02]) == pytest.approx([0.08, 0.04, 0.30, 0.06])
    # monotonicity: 0.001×3 = 0.003, 0.04×2 = 0.08, 0.045×1 = 0.045 → raised to 0.08
    assert RB.holm([0.045, 0.001, 0.04]) == pytest.approx([0.08, 0.003, 0.08])
    ps = [0.2, 0.011, 0.03, 0.5, 0.0004]
    assert RB.holm(ps) == pytest.approx(list(multipletests(ps, method="holm")[1]))
    assert RB.holm([0.6, 0.7]) == [1.0, 1.0]
    with pytest.raises(ValueError, match="missing"):
        RB.holm([0.1, float("nan")])


def test_multiplicity_lets_only_holm_survivors_move_a_verdict():
    # unadjusted, two of three are below 0.05; Holm: 0.02×3 = 0.06, 0.03×2 = 0.06 → none
    assert RB.multiplicity({"nka": 0.03, "dea": 0.02, "other": 0.40}) == []
    assert RB.multiplicity({"nka": 0.01, "dea": 0.02, "other": 0.40}) == ["nka", "dea"]  # 0.03, 0.04
    assert RB.multiplicity({"nka": 0.03}) == ["nka"]  # a family of one is not adjusted
    assert RB.multiplicity({}) == []
    assert RB.multiplicity({"nka": 0.03, "dea": 0.02, "other": 0.40}, alpha=0.10) == ["nka", "dea"]


def test_private_providers_secondary_lowering_is_holm_adjusted():
    from analysis.chapters.private_providers.rules import combined_verdict
    from analysis.methods.regressions import Estimate

    def est(coef, p):
        return Estimate(coef, 0.1, coef - 0.2, coef + 0.2, p, 100, 0.1, "test")

    primary = est(0.5, 0.002)  # supported (one-sided p 0.001)
    # one robustness measure opposite with one-sided p 0.04 (two-sided 0.08): alone it lowers ...
    assert combined_verdict(primary, [est(-0.3, 0.08)]) == RB.PARTLY
    # ... but not in a family of three whose others are far from significant (Holm: 0.04 × 3)
    assert combined_verdict(primary, [est(-0.3, 0.08), est(0.1, 0.9), est(0.2, 0.5)]) == RB.SUPPORTED
    # robustness measures never raise a verdict
    assert combined_verdict(est(0.1, 0.6), [est(0.5, 0.0001)]) == RB.NOT_SUPPORTED


def test_cost_only_rule_threshold():
    assert RB.cost_only(RB.COST_ONLY_RHO) and RB.cost_only(0.998)
    assert not RB.cost_only(0.62)
    with pytest.raises(ValueError):
        RB.cost_only(float("nan"))
    assert "cost-only" in RB.RULES and "multiplicity" in RB.RULES
    assert RB.RULES["cost-only"].example().startswith("A school DEA")


def test_one_input_one_output_dea_is_a_cost_index():
    """Eight units; output rises with cost only for the two dearest. VRS input orientation: the
    cheapest unit is on the frontier and every unit whose output it reaches gets min(cost)/cost."""
    cost = pd.Series([100.0, 110, 120, 125, 150, 160, 200, 240], index=list("abcdefgh"))
    out = pd.Series([10.0, 9, 10, 8, 9.5, 10, 12, 13], index=cost.index)
    res = D.dea(cost.to_frame("cost"), out.to_frame("out"))
    # units a–f have output ≤ 10 = a's output at the lowest cost: θ = 100 / cost
    assert res.scores[list("abcdef")].to_numpy() == pytest.approx(100 / cost[list("abcdef")].to_numpy())
    # h (output 13, the largest) is on the frontier; g (output 12) is matched by 1/3 of a and 2/3 of h
    # at cost 100/3 + 160 = 580/3, so θ_g = (580/3) / 200 = 29/30
    assert res.scores[["g", "h"]].to_numpy() == pytest.approx([29 / 30, 1.0])
    assert D.share_at_cost_ratio(res.scores, cost) == pytest.approx(6 / 8)
    # ranks: by 1/cost a > b > c > d > e > f > g > h; the scores put g, h first, then a–f in that order
    from scipy import stats

    assert D.cost_rank_correlation(res.scores, cost) == pytest.approx(stats.spearmanr(res.scores, 1 / cost)[0])
    assert D.cost_rank_correlation(res.scores, cost) < 0.9  # output matters for two units in eight here
    assert D.cost_rank_correlation(100 / cost, cost) == pytest.approx(1.0)


def test_unit_sd_is_the_one_standardisation():
    s = pd.Series([1.0, 2.0, 3.0, 6.0, np.nan], name="score")
    u = eg.unit_sd(s)
    assert u.mean() == pytest.approx(0.0) and u.std() == pytest.approx(1.0)
    # mean 3, sample SD sqrt(14/3): (1 − 3)/sqrt(14/3)
    assert u.iloc[0] == pytest.approx(-2 / np.sqrt(14 / 3))
    assert np.isnan(u.iloc[4])
    with pytest.raises(Exception, match="no variation"):
        eg.unit_sd(pd.Series([2.0, 2.0], name="flat"))
    assert "SD across municipalities" in eg.SD_UNIT


def test_definitions_block_quotes_the_extract(tmp_path):
    from analysis.sources import kpi_metadata as M

    f = tmp_path / "meta.csv"
    pd.DataFrame([
        {"id": "N31001", "title": "Kostnad ekonomiskt bistånd, kr/inv", "description": "Försörjningsstöd till "
         "flyktinghushåll ingår inte.", "discontinued_after": "", "operating_area": "IFO", "perspective": "R",
         "municipality_type": "K", "publ_period": "2025"},
        {"id": "N31004", "title": "Utbetalt (-2023)", "description": "exkl flyktinghushåll", "discontinued_after": "2023",
         "operating_area": "IFO", "perspective": "R", "municipality_type": "K", "publ_period": ""},
    ]).to_csv(f, index=False)
    M.load_kpi_metadata.cache_clear()
    md = definitions.definitions_markdown(["N31004", "N31001"], f)
    lines = md.splitlines()
    assert lines[0].startswith("- **N31004** *Utbetalt (-2023)* — “exkl flyktinghushåll”")
    assert "Discontinued: Kolada's last year is 2023" in lines[0]
    assert lines[1] == "- **N31001** *Kostnad ekonomiskt bistånd, kr/inv* — “Försörjningsstöd till flyktinghushåll ingår inte.”"
    with pytest.raises(KeyError, match="No KPI list"):
        definitions.kpis_for("no-such-chapter")


def test_every_chapter_kpi_has_a_definition():
    from analysis.sources import kpi_metadata as M

    M.load_kpi_metadata.cache_clear()
    for chapter in definitions.CHAPTER_KPIS:
        block = definitions.block(chapter)
        assert block.startswith("::::{dropdown}") and block.endswith("::::")
        for kpi in definitions.kpis_for(chapter):
            assert M.definition(kpi), f"{chapter}: {kpi} has no Kolada definition text"
