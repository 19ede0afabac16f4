"""solna-sundbyberg: claims on the synthetic comparison and the work line."""

from __future__ import annotations

from ...errors import DataError
from ...methods import solna as S
from ...rules import claims, registry
from ...rules import rulebook as RB
from ...rules.claims import ClaimResult, check_statement
from ...rules.registry import claim_check
from ...sources.kolada import RIKET
from ...sources.municipalities import names
from .design import (
    CHAPTER,
    K_NEIGHBOURS,
    PRE_END,
    PROXY_RULE,
    SOLNA_FIT_FACTOR,
    Synthetic,
    _level_check,
    _name,
    design,
    synthetic,
)


def _synth_summary(sy: Synthetic) -> str:
    last = sy.last()
    return (f"{sy.kpi} {last}: Solna {sy.panel.loc[last, S.SOLNA]:.2f}, synthetic {sy.synthetic.loc[last]:.2f} "
            f"({sy.gap_pct(last):+.0f} %; weights fitted on logs {int(sy.panel.index.min())}–{PRE_END}, pre-period "
            f"RMSPE {sy.rmspe_pre:.3f} log points); placebo p = {sy.placebo.p_value:.2f} on the post/pre RMSPE ratio "
            f"(rank {sy.placebo.rank} of {len(sy.placebo.ratios)}); one-sided p = {sy.placebo.p_below:.2f} on the mean "
            f"post-{PRE_END} gap among the {sy.placebo.n_below} units fitted at least half as well")


def variant_decision(pl, alpha: float = RB.ALPHA) -> str:
    """Rules directional-test (capped at partly supported) and power for one placebo run of the Solna
    comparison (a donor-pool variant): units fitted at least half as well (pre-MSPE ≤ 4 × Solna's)."""
    f = SOLNA_FIT_FACTOR
    v = RB.directional_test(pl.fit.post_mean_gap < 0, pl.p_one_sided(factor=f), pl.p_one_sided(direction=1, factor=f),
                            alpha, cap=RB.PARTLY, n_units=len(pl.good_fit(f)))
    return RB.power_rule(v, pl.mde(alpha, factor=f), RB.plausible_log_effect(-1))


def _variant_name(v, data_dir=None) -> str:
    return v.alternative(names(data_dir))


def _departure_rule(sy: Synthetic, data_dir=None) -> tuple[str, str, dict]:
    """Rule directional-test on Solna's mean post-period gap, capped at partly supported (a
    comparison of one municipality cannot attribute a gap to a policy), then rule power."""
    post_gap = float(sy.gap.loc[sy.gap.index > PRE_END].mean())
    n = sy.placebo.n_below
    p_claimed = sy.placebo.p_below
    p_opposite = 1 - p_claimed + 1 / n  # the treated unit counts on both sides

    def decide(alpha: float) -> str:
        v = RB.directional_test(post_gap < 0, p_claimed, p_opposite, alpha, cap=RB.PARTLY, n_units=n)
        return RB.power_rule(v, sy.inspace.mde(alpha, factor=SOLNA_FIT_FACTOR), RB.plausible_log_effect(-1))

    verdict = decide(RB.ALPHA)
    alts = RB.alpha_alternatives(decide)
    for v in sy.variants:
        if v.ok:
            alts[_variant_name(v, data_dir)] = variant_decision(v.placebo)
    mde = sy.inspace.mde(RB.ALPHA, factor=SOLNA_FIT_FACTOR)
    pool_txt = "; ".join(
        f"{v.label}: gap {v.placebo.fit.post_mean_gap:+.2f}, p = {v.placebo.p_one_sided(factor=SOLNA_FIT_FACTOR):.2f} "
        f"(floor {1 / len(v.placebo.good_fit(SOLNA_FIT_FACTOR)):.2f}) → {alts[_variant_name(v, data_dir)]}"
        for v in sy.variants if v.ok and v.family != "leave-one-out")
    loo = [v.placebo for v in sy.variants if v.ok and v.family == "leave-one-out"]
    loo_txt = (f"leaving out each of the {len(loo)} donors with positive weight moves the gap between "
               f"{min(q.fit.post_mean_gap for q in loo):+.2f} and {max(q.fit.post_mean_gap for q in loo):+.2f}; "
               if loo else "")
    rule = (f"Rule directional-test (α = {RB.ALPHA:g}, one-sided, capped at partly supported): Solna's mean "
            f"post-{PRE_END} gap {post_gap:+.2f} log points; one-sided placebo p = {p_claimed:.2f} among the {n} units "
            f"fitted at least half as well (smallest attainable p {1 / n:.2f}); the post/pre RMSPE ratio p = "
            f"{sy.placebo.p_value:.2f} is reported as context (its floor {sy.inspace.ratio_floor:.2f}). Never more "
            f"than partly supported: the design cannot attribute the gap to policy. Rule power: MDE at "
            f"{RB.POWER * 100:.0f} % power {mde:.2f} log points (the claimed effect "
            f"{RB.plausible_log_effect(-1):.3f}; 'inf': too few comparison units). Donor-pool sensitivity: {loo_txt}"
            f"{pool_txt}.")
    return verdict, rule, alts


def donors_dropped(kpi: str, data_dir=None) -> list[str]:
    """Names of the nearest neighbours left out of a synthetic comparison (gaps in their series)."""
    d, sy = design(data_dir), synthetic(kpi, data_dir)
    return [_name(c, data_dir) for c in d.neighbours.index if c not in sy.panel.columns]


def donor_text(kpi: str, data_dir=None) -> str:
    """'the 17 of its 20 nearest neighbours with a complete series (dropped: …)'."""
    sy = synthetic(kpi, data_dir)
    dropped = donors_dropped(kpi, data_dir)
    return (f"the {len(sy.weights)} of its {K_NEIGHBOURS} nearest structural neighbours with a complete {kpi} series"
            + (f" (left out for gaps in the series: {', '.join(dropped)})" if dropped else ""))


def outranking_units(sy: Synthetic, data_dir=None) -> list[str]:
    """Placebo units whose post/pre RMSPE ratio is at least Solna's."""
    r = sy.placebo.ratios
    return [_name(u, data_dir) for u in r[r >= r.loc[S.SOLNA]].sort_values(ascending=False).index if u != S.SOLNA]


@claim_check(CHAPTER, "C065")
def c065(data_dir) -> ClaimResult:
    sy = synthetic("N31004", data_dir)
    verdict, rule, alts = _departure_rule(sy, data_dir)
    last = sy.last()
    above = outranking_units(sy, data_dir)
    check = check_statement("C065", "b_solna_reduction", round(sy.gap_pct(last), 1), verdict,
                            f"{rule} Solna part: paid assistance per inhabitant (N31004) against a synthetic Solna from "
                            f"{donor_text('N31004', data_dir)}. {_synth_summary(sy)}. Placebo units with a ratio at "
                            f"least Solna's: {', '.join(above) or 'none'}.",
                            year_data=last, unit="% vs synthetic Solna", rule="directional-test", alternatives=alts)
    p = sy.placebo.p_value
    if verdict == "not testable":
        standing = (f"cannot be judged at the {RB.ALPHA:.2f} level: with {sy.placebo.n_below} well-fitted placebo "
                    f"units the smallest attainable one-sided p is {1 / sy.placebo.n_below:.2f}")
    elif sy.placebo.p_below <= RB.ALPHA:
        standing = f"stands out at the {RB.ALPHA:.2f} level among placebo runs"
    else:
        standing = f"does not stand out at the {RB.ALPHA:.2f} level among placebo runs"
    return ClaimResult("C065", [check], f"Solna part: paid assistance is {abs(sy.gap_pct(last)):.0f} % "
                       f"{'below' if sy.gap_pct(last) < 0 else 'above'} its synthetic comparison in {last}; the departure "
                       f"{standing} (p = {p:.2f}, rank {sy.placebo.rank} of {len(sy.placebo.ratios)}; one-sided p = "
                       f"{sy.placebo.p_below:.2f}) and could not be attributed to the work line in any case.")


@claim_check(CHAPTER, "C066")
def c066(data_dir) -> ClaimResult:
    d = design(data_dir)
    sy = synthetic("N31807", data_dir)
    verdict, rule, alts = _departure_rule(sy, data_dir)
    last = sy.last()
    c1 = check_statement("C066", "b_solna_self_support", round(sy.gap_pct(last), 1), verdict,
                         f"{rule} Solna part, 'more self-supporting': share of inhabitants receiving assistance (N31807) "
                         f"against the synthetic Solna. {_synth_summary(sy)}.",
                         year_data=last, unit="% vs synthetic Solna", rule="directional-test", alternatives=alts)
    tidy_years = S.series_of("N00903", S.SOLNA, data_dir)
    start, end = int(max(1998, tidy_years.index.min())), int(tidy_years.index.max())
    codes = [S.SOLNA, *d.neighbours.index]
    growth = S.tax_capacity_growth(codes, start, end, data_dir)
    nb = growth.drop(S.SOLNA)
    share_below = float((nb < growth.loc[S.SOLNA]).mean())
    c2 = check_statement("C066", "b_solna_tax_base", round(float(growth.loc[S.SOLNA]), 2),
                         "partly supported" if growth.loc[S.SOLNA] > nb.median() else "not supported",
                         f"Tax capacity (N00903) grew by a factor {growth.loc[S.SOLNA]:.2f} in Solna {start}–{end}, vs a "
                         f"median of {nb.median():.2f} among its {len(nb)} nearest neighbours (Solna above {share_below:.0%} "
                         "of them). Rule: partly supported if above the neighbours' median; a stronger tax base in Solna "
                         "also reflects in-migration of highly educated residents, so it cannot be credited to the work line.",
                         year_data=end, unit="growth factor of tax capacity")
    return ClaimResult("C066", [c1, c2], f"Solna part: share on assistance {c1.reproduced:+.0f} % vs its synthetic "
                       f"comparison ({c1.verdict}); tax capacity grew ×{growth.loc[S.SOLNA]:.2f} vs ×{nb.median():.2f} for "
                       f"its neighbours ({c2.verdict}); descriptive, not attributable to the work line.")


@claim_check(CHAPTER, "C126")
def c126(data_dir) -> ClaimResult:
    sy = synthetic("N31004", data_dir)
    check = check_statement("C126", "practices_explain", f"p = {sy.placebo.p_value:.2f}", "not testable",
                            "The named practices (activation, fraud control, home visits, two case officers, "
                            "'förlängd arbetsintervju') are not recorded in public data and have no start dates, so "
                            f"they cannot be tested. Context: {_synth_summary(sy)}.",
                            year_data=sy.last(), unit="placebo p-value (context)")
    return ClaimResult("C126", [check], f"Not testable: the mechanisms are not in the data. Solna's paid assistance is "
                       f"{sy.gap_pct(sy.last()):+.0f} % against its synthetic comparison in {sy.last()} (placebo p = "
                       f"{sy.placebo.p_value:.2f}), which no data here can link to the named practices.",
                       verdict="not testable")


@claim_check(CHAPTER, "C127")
def c127(data_dir) -> ClaimResult:
    sy = synthetic("N31807", data_dir)
    pub = claims.published("C127", "years_running")
    dep = sy.departure
    first = sy.panel.index.min()
    s = sy.panel[S.SOLNA]
    check = check_statement(
        "C127", "years_running", dep, "not testable",
        f"The start of a programme is not in the data, and its effects can lag it, so the claimed duration (over "
        f"{pub.value} years in a {S.CLAIM_YEAR} report) cannot be tested. Context: Solna's share on assistance "
        f"(N31807) fell from {s.loc[first]:.1f} % in {first} to {s.iloc[-1]:.1f} % in {sy.last()}, and stays more than "
        f"2 pre-period RMSPE ({2 * sy.rmspe_pre:.3f} log points) below its synthetic comparison "
        + (f"from {dep} on." if dep else "in no lasting stretch after the fitting period."),
        year_data=dep, unit="first year of lasting departure (context)")
    return ClaimResult("C127", [check], "Not testable: the programme's start is not in the data; "
                       + (f"Solna's share on assistance departs lastingly from its synthetic comparison from {dep}."
                          if dep else "no lasting departure from the synthetic comparison."), verdict="not testable")


@claim_check(CHAPTER, "C140")
def c140(data_dir) -> ClaimResult:
    checks = [check_statement("C140", k, None, "not testable",
                              "Solna–Sundbyberg chapter: MUF's 2023 survey of activation requirements is not public "
                              "data here, and Kolada has no indicator of full-time activation requirements.")
              for k in ("b_share_all", "b_share_m_led")]
    return ClaimResult("C140", checks, "Not testable here: the survey behind the shares is not public data.",
                       verdict="not testable")


@claim_check(CHAPTER, "C141")
def c141(data_dir) -> ClaimResult:
    actual, expected, ratio, year = S.model_ratio(S.SOLNA, data_dir)
    net_riket, _ = S.value_for_claim("N31008", RIKET, year, data_dir)
    pop_riket, _ = S.value_for_claim("N01951", RIKET, year, data_dir)
    bound = (1 - ratio) * net_riket * pop_riket / 1e9
    check = check_statement("C141", "b_savings", round(bound, 1), "not testable",
                            f"A counterfactual about all municipalities cannot be tested. Illustrative extreme scenario (not a bound): if "
                            f"every municipality had Solna's ratio of actual to RKA-model net cost of assistance "
                            f"({actual:.0f}/{expected:.0f} = {ratio:.2f} in {year}, N31008/U31004), the national net cost "
                            f"({net_riket:.0f} kr/inv, N31008 Riket) would fall by about {bound:.1f} bn kr a year; this "
                            "assumes all of Solna's gap is policy and fully transferable, which nothing here shows.",
                            year_data=year, unit="bn kr per year (illustrative extreme scenario)")
    return ClaimResult("C141", [check], "Not testable (a counterfactual); Solna's structure-adjusted cost level scaled "
                       f"to the country gives, as an illustrative extreme scenario, about {bound:.0f} bn kr a year.", verdict="not testable")


@claim_check(CHAPTER, "C154")
def c154(data_dir) -> ClaimResult:
    nka, year = S.cross_section("N30001", data_dir=data_dir)
    nka_rank = S.rank_in(nka, False)
    actual, expected, ratio, y_m = S.model_ratio(S.SOLNA, data_dir)
    res = S.expected_cost_residuals(data_dir=data_dir)
    r = res.table.loc[S.SOLNA]
    checks = [
        check_statement("C154", "b_solna_above_expectation", int(nka_rank.loc[S.SOLNA]),
                        "supported" if nka_rank.loc[S.SOLNA] <= len(nka_rank) / 10 else "not supported",
                        f"IFO net cost deviation (N30001, SKR's structural reference) {year}: Solna {nka.loc[S.SOLNA]:.1f} %, "
                        f"rank {nka_rank.loc[S.SOLNA]} of {len(nka_rank)} (1 = furthest below reference). Rule: best "
                        "decile = supported.", year_data=year, unit="rank (1 = lowest cost vs structure)",
                        label="Solna: IFO cost vs structural reference"),
        check_statement("C154", "b_solna_above_expectation", round(ratio, 2), "supported" if ratio < 0.8 else "not supported",
                        f"Net cost of assistance (N31008 {actual:.0f} kr/inv) vs RKA's model-based expected cost (U31004 "
                        f"{expected:.0f} kr/inv) in {y_m}. Rule: below 0.8 of expected = supported.",
                        year_data=y_m, unit="actual / expected", label="Solna: assistance cost vs RKA model"),
        check_statement("C154", "b_solna_above_expectation", round(float(r["residual"]), 2),
                        "supported" if r["percentile"] <= 10 else "not supported",
                        f"Own cross-section OLS of log cost of assistance (N31001, {res.year}) on {', '.join(res.covariates)} "
                        f"(n = {res.n}, R² = {res.r2:.2f}): Solna's residual {r['residual']:.2f} log points "
                        f"(actual {r['actual']:.0f} vs fitted {r['fitted']:.0f} kr/inv), lower than {100 - r['percentile']:.0f} % "
                        "of municipalities. Rule: lowest decile = supported. Descriptive: unmeasured structure remains.",
                        year_data=res.year, unit="log points", label="Solna: assistance cost vs own structural model"),
    ]
    n_ok = sum(c.verdict == "supported" for c in checks)
    return ClaimResult("C154", checks, f"Solna part: {n_ok} of 3 structure-adjusted measures put Solna's cost far below "
                       "expectation; whether policy explains this is not shown.")


@claim_check(CHAPTER, "C155")
def c155(data_dir) -> ClaimResult:
    s = S.series_of("N30026", S.SOLNA, data_dir)
    recent = s[s.index >= S.NKA_BREAK_YEAR]
    c1 = _level_check("C155", "savings_msek", "N30026", S.SOLNA, data_dir,
                      note="Values since the 2019 method change: " + ", ".join(f"{y} {v:.0f}" for y, v in recent.items())
                      + " MSEK. 'Per year' generalises one year's figure.")
    actual, expected, _, y = S.model_ratio(S.SOLNA, data_dir)
    pop, _ = S.value_for_claim("N01951", S.SOLNA, y, data_dir)
    assist = (actual - expected) * pop / 1e6
    total, _ = S.value_for_claim("N30026", S.SOLNA, y, data_dir)
    c2 = check_statement("C155", "savings_msek", round(assist, 1), "not testable",
                         f"The IFO deviation covers all IFO (assistance, child and youth care, addiction care, family law); "
                         f"Kolada has no deviation for placements. Economic assistance vs RKA's model (N31008 − U31004 "
                         f"× population) accounts for {assist:.0f} of the {total:.0f} MSEK in {y}, so most of the "
                         "deviation lies in other IFO activities; the attribution cannot be tested further.",
                         year_data=y, unit="MSEK (assistance part, context)",
                         label="How much of the deviation is economic assistance")
    return ClaimResult("C155", [c1, c2], f"Solna's IFO deviation was {recent.iloc[-1]:.0f} MSEK in {int(recent.index[-1])}; "
                       f"the printed {abs(c1.published):g} MSEK is one year's figure ({c1.year_published}) for all of IFO. "
                       + ifo_caveat(data_dir))


def ifo_caveat(data_dir=None) -> str:
    """How much of Solna's IFO deviation is economic assistance, and the step around the 2019 model change."""
    actual, expected, _, y = S.model_ratio(S.SOLNA, data_dir)
    pop, _ = S.value_for_claim("N01951", S.SOLNA, y, data_dir)
    assist = (actual - expected) * pop / 1e6
    total, _ = S.value_for_claim("N30026", S.SOLNA, y, data_dir)
    pct = S.series_of("N30001", S.SOLNA, data_dir)
    around = [t for t in range(S.NKA_BREAK_YEAR - 2, S.NKA_BREAK_YEAR + 1) if t in pct.index]
    if not around:
        raise DataError("No N30001 values around the 2019 method change for Solna")
    step = " → ".join(f"{pct.loc[t]:.0f} % ({t})" for t in around)
    return (f"Economic assistance (N31008 − U31004, × population) accounts for {assist:.0f} of the {total:.0f} MSEK "
            f"IFO deviation in {y} ({assist / total:.0%}); most of it lies in other IFO activities. Solna's IFO "
            f"deviation in % moved {step} around the {S.NKA_BREAK_YEAR} change of the cost-equalisation model, so "
            "part of the level may reflect the new model rather than Solna's costs.")


@claim_check(CHAPTER, "C165")
def c165(data_dir) -> ClaimResult:
    comp = S.composite_efficiency_rank(data_dir=data_dir)
    ranks = S.efficiency_ranks(data_dir=data_dir)
    n97 = ranks[ranks["kpi"] == "N00097"].set_index("code")
    for c in (S.SOLNA, S.SUNDBYBERG):
        if c not in comp.index:
            raise DataError(f"{c} lacks the RKA efficiency indices needed for the composite rank")
    y = comp.attrs["year"]
    ctx = ("Svenskt Näringsliv's efficiency scores are not public data here, so its ranks cannot be reproduced. Proxy: "
           f"mean percentile over the four RKA efficiency indices ({', '.join(S.EFFICIENCY_INDICES)}; {len(comp)} "
           f"municipalities with ≥3 of them, {y}) and the total net cost deviation N00097 (of {int(n97['of'].iloc[0])}).")
    checks = []
    for key, code in (("solna_rank", S.SOLNA), ("sundbyberg_rank", S.SUNDBYBERG)):
        checks.append(check_statement("C165", key, int(comp.loc[code, "rank"]), "not testable",
                                      f"{ctx} {_name(code, data_dir)}: RKA composite rank {comp.loc[code, 'rank']}, "
                                      f"N00097 rank {n97.loc[code, 'rank']}.", year_data=y, unit="rank (proxy)"))
    ahead = (comp.loc[S.SOLNA, "rank"] < comp.loc[S.SUNDBYBERG, "rank"]) and (n97.loc[S.SOLNA, "rank"] < n97.loc[S.SUNDBYBERG, "rank"])
    checks.append(check_statement(
        "C165", "solna_rank", f"{comp.loc[S.SOLNA, 'rank']} vs {comp.loc[S.SUNDBYBERG, 'rank']} (RKA); "
        f"{n97.loc[S.SOLNA, 'rank']} vs {n97.loc[S.SUNDBYBERG, 'rank']} (N00097)",
        "not testable",
        f"{ctx} Context: Solna ranks {'ahead of' if ahead else 'not ahead of'} Sundbyberg on both proxies. {PROXY_RULE}",
        year_data=y, unit="ranks (proxy)", label="Solna ahead of Sundbyberg on Kolada's efficiency measures"))
    return ClaimResult("C165", checks, f"Not testable: SN's ranks are not reproducible; context: on the proxies Solna ranks "
                       f"{comp.loc[S.SOLNA, 'rank']} and Sundbyberg {comp.loc[S.SUNDBYBERG, 'rank']} of {len(comp)} (RKA "
                       f"indices), {n97.loc[S.SOLNA, 'rank']} and {n97.loc[S.SUNDBYBERG, 'rank']} of {int(n97['of'].iloc[0])} "
                       "(N00097).", verdict="not testable")




def evaluate(data_dir=None) -> list[ClaimResult]:
    """Every claim of the chapter, in id order (fails with a DataError without data)."""
    S.series_of("N31001", S.SOLNA, data_dir)  # fail early and clearly when the data are missing
    return registry.evaluate(CHAPTER, data_dir)
