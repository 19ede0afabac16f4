"""solna-sundbyberg: claims on printed levels, ranks and structure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...methods import solna as S
from ...rules import claims
from ...rules.claims import ClaimResult, check_statement, check_value
from ...rules.registry import claim_check
from ...sources.kolada import RIKET
from ...sources.municipalities import municipalities
from .design import (
    ASSISTANCE_KPIS,
    CHAPTER,
    LEVEL_TOL,
    NKA_AREAS,
    NKA_TOL,
    OUTCOME_LIKE,
    PROXY_RULE,
    RATE_TOL,
    _drift,
    _finish,
    _gap_years,
    _level_check,
    _name,
    design,
)


# ------------------------------------------------------------------ claims
@claim_check(CHAPTER, "C079")
def c079(data_dir) -> ClaimResult:
    checks = []
    meta = municipalities(data_dir).set_index("code")
    for prefix, code in (("solna", S.SOLNA), ("sundbyberg", S.SUNDBYBERG)):
        rates = S.derived_municipal_rates(code, data_dir).set_index("year")
        county_size = int((meta["county_code"] == meta.loc[code, "county_code"]).sum())
        for year in (2022, 2023, 2024, 2025):
            key = f"{prefix}_{year}"
            if year not in rates.index:
                raise DataError(f"No total tax rate for {year}")
            kolada = rates.loc[year, "municipal (Kolada N00901)"]
            if pd.notna(kolada):
                value, note = float(kolada), "Kolada N00901 (municipal rate)."
            else:
                value = float(rates.loc[year, "municipal (derived)"])
                share = rates.loc[year, "agreeing share"]
                note = (f"Derived: Skatteverket total rate {rates.loc[year, 'total']:.2f} minus the Region Stockholm "
                        f"rate {rates.loc[year, 'region']:.2f} (the regional change is the most common change in the "
                        f"total among the county's {county_size} municipalities; {share:.0%} of them agree).")
            checks.append(check_value("C079", key, value, year, RATE_TOL, note=note))
        change = float(rates.loc[2025, "municipal (derived)"] - rates.loc[2022, "municipal (derived)"])
        step = rates["municipal (derived)"].diff()
        years_changed = [int(y) for y in step.index if y <= 2025 and abs(step.loc[y]) > 0.001]
        checks.append(check_value("C079", f"{prefix}_increase", change, 2025, RATE_TOL,
                                  note=f"Derived rate 2025 minus 2022; the rate changed in "
                                  f"{', '.join(str(y) for y in years_changed) or 'no year'}."))
    bad = [c.label for c in checks if c.verdict != "supported"]
    summary = ("All eight printed rates and both increases agree with Skatteverket's rates (municipal part derived from "
               "the total and Kolada N00901)." if not bad else f"Disagreements: {'; '.join(bad)}.")
    return ClaimResult("C079", checks, summary)


@claim_check(CHAPTER, "C113")
def c113(data_dir) -> ClaimResult:
    tab = S.structural_table(S.SOLNA, S.SUNDBYBERG, data_dir=data_dir).set_index("kpi")
    checks = []
    for key, kpi in (("similar_foreign_born", "N02926"), ("comparable_education", "N01982")):
        row = tab.loc[kpi]
        note = (f"{row['indicator']} {int(row['year'])}: Solna {row['a']:.1f}, Sundbyberg {row['b']:.1f} "
                f"(national percentiles {row['pct a']:.0f} and {row['pct b']:.0f}). Rule: |standardized difference| "
                "≤ 0.25 national SD = similar (supported), ≤ 0.5 = partly, otherwise not supported.")
        checks.append(check_statement("C113", key, round(float(row["std diff"]), 2), S.similarity_verdict(row["std diff"]),
                                      note, year_data=int(row["year"]), unit="standardized difference (SD)"))
    meta = municipalities(data_dir).set_index("code")
    same = meta.loc[S.SOLNA, "skr_group"] == meta.loc[S.SUNDBYBERG, "skr_group"]
    checks.append(check_statement(
        "C113", "same_commuting", f"{meta.loc[S.SOLNA, 'skr_group']} / {meta.loc[S.SUNDBYBERG, 'skr_group']}",
        "supported" if same else "not supported",
        f"Proxy: SKR's 2017 municipality group, defined by commuting to a metropolitan area "
        f"({meta.loc[S.SOLNA, 'skr_group_name']}). Same group = supported. Commuting time itself is not in the data.",
        year_data=2017, unit="SKR group"))
    d = design(data_dir)
    rank, dist, n = d.sundbyberg_rank
    rank_m = d.sundbyberg_rank_mahalanobis[0]
    checks.append(check_statement(
        "C113", "very_similar", rank, "supported" if rank <= 5 else ("partly supported" if rank <= 20 else "not supported"),
        f"Rank of Sundbyberg among the {n} municipalities ordered by distance to Solna on {len(d.covariates.columns)} "
        f"structural covariates at baseline (1998, education 2000, urbanisation 2005; Euclidean on national z-scores; "
        f"distance {dist:.2f}; rank {rank_m} with the Mahalanobis distance). Rule: rank ≤ 5 supported, ≤ 20 partly.",
        year_data=1998, unit="rank (1 = most similar)", label="Sundbyberg's rank among Solna's structural neighbours"))
    close = (tab["std diff"].abs() <= 0.5)
    share = float(close.mean())
    structural = [k for k in tab.index if k not in OUTCOME_LIKE]
    share_s = float(close.loc[structural].mean())
    rule_s = "supported" if share_s >= 0.8 else ("partly supported" if share_s >= 0.5 else "not supported")
    flagged = ", ".join(f"{k} ({tab.loc[k, 'indicator']})" for k in OUTCOME_LIKE if k in tab.index)
    far = ", ".join(f"{tab.loc[k, 'indicator']} ({tab.loc[k, 'std diff']:+.1f} SD)" for k in tab.index[~close])
    checks.append(check_statement(
        "C113", "very_similar", round(share, 2),
        "supported" if share >= 0.8 else ("partly supported" if share >= 0.5 else "not supported"),
        f"Share of {len(tab)} structural indicators (latest year) on which the two differ by at most 0.5 national SD. "
        f"Rule: ≥ 80 % supported, ≥ 50 % partly. Larger differences: {far or 'none'}. Caveat: {flagged} may "
        f"themselves be outcomes of a work-first policy rather than structure; without them the share is "
        f"{int(close.loc[structural].sum())} of {len(structural)} ({rule_s} by the same rule).",
        year_data=int(tab["year"].max()), unit="share of indicators",
        label="Similar on today's structural indicators"))
    fb = tab.loc["N02926", "std diff"]
    summary = (f"Sundbyberg is Solna's structural neighbour no. {rank} of {n}; shares foreign-born differ by "
               f"{fb:+.2f} SD, but {(~close).sum()} of {len(tab)} indicators differ by more than 0.5 SD: "
               + ", ".join(f"{tab.loc[k, 'indicator'].split(',')[0].lower()} ({tab.loc[k, 'std diff']:+.1f})"
                           for k in tab.index[~close]) + ".")
    return ClaimResult("C113", checks, summary)


def nka_gaps(data_dir=None) -> pd.DataFrame:
    """Solna − Sundbyberg gap in each net cost deviation (latest year), in points and national SDs."""
    rows = []
    for kpi, area in NKA_AREAS.items():
        cs, year = S.cross_section(kpi, data_dir=data_dir)
        for c in (S.SOLNA, S.SUNDBYBERG):
            if c not in cs.index:
                raise DataError(f"No {kpi} for {c} in {year}")
        gap = float(cs.loc[S.SOLNA] - cs.loc[S.SUNDBYBERG])
        rows.append({"kpi": kpi, "area": area, "year": year, "Solna": float(cs.loc[S.SOLNA]),
                     "Sundbyberg": float(cs.loc[S.SUNDBYBERG]), "gap (points)": gap, "gap (SD)": gap / float(cs.std())})
    return pd.DataFrame(rows)


@claim_check(CHAPTER, "C114")
def c114(data_dir) -> ClaimResult:
    g = nka_gaps(data_dir).set_index("kpi")
    total = g.loc["N00097"]
    areas = g.drop(index="N00097")
    by_sd = areas["gap (SD)"].abs().sort_values(ascending=False)
    by_pts = areas["gap (points)"].abs().sort_values(ascending=False)
    ifo_rank_sd = list(by_sd.index).index("N30001") + 1
    ifo_rank_pts = list(by_pts.index).index("N30001") + 1
    ifo = areas.loc["N30001"]
    top = areas.loc[by_sd.index[0]]
    ifo_text = (f"IFO gap {ifo['gap (points)']:.1f} points ({ifo['gap (SD)']:.1f} SD): rank {ifo_rank_pts} of {len(areas)} "
                f"areas in points and {ifo_rank_sd} in national SDs (largest in SDs: {top['area']}, "
                f"{top['gap (SD)']:.1f}).")
    checks = [
        check_statement("C114", "differ_ifo", round(float(total["gap (SD)"]), 2),
                        "supported" if abs(total["gap (SD)"]) >= 1 else "not supported",
                        f"Total net cost deviation (N00097) {int(total['year'])}: Solna {total['Solna']:.1f} %, Sundbyberg "
                        f"{total['Sundbyberg']:.1f} %. Rule: a gap of at least 1 national SD = 'differ markedly'.",
                        year_data=int(total["year"]), unit="gap in national SDs", label="Overall cost-efficiency gap"),
        check_statement("C114", "differ_ifo", f"rank {ifo_rank_pts} (points), {ifo_rank_sd} (SD)",
                        "supported" if ifo_rank_sd == 1 else
                        ("partly supported" if ifo_rank_pts == 1 or ifo_rank_sd <= 2 else "not supported"),
                        f"{ifo_text} Rule: IFO largest in SDs = supported; largest in points or second in SDs = partly.",
                        year_data=int(areas["year"].max()), unit="rank of the IFO gap among areas",
                        label="'Especially in IFO'"),
    ]
    return ClaimResult("C114", checks, f"Solna's total net cost deviation is {abs(total['gap (points)']):.0f} points "
                       f"({abs(total['gap (SD)']):.1f} SD) below Sundbyberg's. {ifo_text}")


@claim_check(CHAPTER, "C115")
def c115(data_dir) -> ClaimResult:
    checks = []
    for key, code in (("solna_nka_ifo", S.SOLNA), ("sundbyberg_nka_ifo", S.SUNDBYBERG)):
        pub = claims.published("C115", key)
        msek, y_m = S.value_for_claim("N30026", code, pub.year, data_dir)
        pct, y_p = S.value_for_claim("N30001", code, pub.year, data_dir)
        note = ""
        if abs(msek - float(pub.value)) < 0.05 and abs(pct - float(pub.value)) >= 0.05:
            note = (f"Note: the printed {pub.value} equals {_name(code, data_dir)}'s deviation in MSEK (N30026 = "
                    f"{msek:.1f}) in {y_m}, while the % deviation that year was {pct:.1f}: the figure may be the MSEK "
                    "value printed as a percentage (2024 is not in the data, so this cannot be settled here).")
        checks.append(_level_check("C115", key, "N30001", code, data_dir, base=NKA_TOL, relative=False,
                                   note=("Both years use the post-2019 cost-equalisation method. " + note).strip()))
    summary = "; ".join(f"{c.label}: printed {c.published}, data {c.reproduced:.1f} ({c.year_data})" for c in checks)
    if any("may be the MSEK" in c.note for c in checks):
        summary += (f". Sundbyberg's printed figure equals its {checks[1].year_data} deviation in MSEK (N30026), "
                    "so it may be the MSEK value printed as a percentage")
    return ClaimResult("C115", checks, summary + ".")


@claim_check(CHAPTER, "C117")
def c117(data_dir) -> ClaimResult:
    pub = claims.published("C117", "solna_nka_ifo_msek")
    pct_pub = claims.published("C115", "solna_nka_ifo")
    ref_pub, act_pub = S.implied_reference_cost(float(pub.value), float(pct_pub.value))
    msek, y = S.value_for_claim("N30026", S.SOLNA, pub.year, data_dir)
    pct, _ = S.value_for_claim("N30001", S.SOLNA, pub.year, data_dir)
    ref_data, act_data = S.implied_reference_cost(msek, pct)
    note = (f"Printed as a saving of {abs(pub.value)} MSEK against the reference cost, i.e. a deviation of "
            f"{pub.value}. Together with {pct_pub.value} % it implies a reference cost of {ref_pub:.0f} MSEK and an actual net cost of {act_pub:.0f} MSEK in 2024; "
            f"the data give {ref_data:.0f} and {act_data:.0f} MSEK in {y}.")
    check = _level_check("C117", "solna_nka_ifo_msek", "N30026", S.SOLNA, data_dir, note=note)
    return ClaimResult("C117", [check], f"Solna's IFO deviation was {msek:.0f} MSEK in {y} against {pub.value} printed "
                       f"for {pub.year} ({check.verdict}).")


def tax_arithmetic(data_dir=None) -> dict:
    """Per-inhabitant and tax-öre arithmetic behind C118 (latest data years)."""
    pub = claims.published("C117", "solna_nka_ifo_msek")
    per_inh = float(claims.published("C118", "per_inhabitant").value)
    pop = S.population_series(S.SOLNA, data_dir)
    pop_year = int(max(y for y in pop.index if y <= pub.year))
    kraft = S.series_of("N00903", S.SOLNA, data_dir)
    k_year = int(kraft.index.max())
    pop_k = float(pop.loc[k_year])
    base = S.tax_base_sek(float(kraft.loc[k_year]), pop_k)
    msek, m_year = S.value_for_claim("N30026", S.SOLNA, pub.year, data_dir)
    rates = S.derived_municipal_rates(S.SOLNA, data_dir).set_index("year")["municipal (derived)"]
    increase_ore = float(round((rates.loc[2023] - rates.loc[2022]) * 100, 2))
    return {
        "published_msek": float(pub.value),
        "population": float(pop.loc[pop_year]), "population_year": pop_year,
        "per_inhabitant_published": S.per_inhabitant(abs(float(pub.value)) * 1e6, float(pop.loc[pop_year])),
        "printed_per_inhabitant": per_inh,
        "population_for_printed": abs(float(pub.value)) * 1e6 / per_inh,
        "data_msek": msek, "data_year": m_year,
        "per_inhabitant_data": S.per_inhabitant(abs(msek) * 1e6, float(pop.loc[m_year])),
        "skattekraft": float(kraft.loc[k_year]), "skattekraft_year": k_year, "tax_base": base,
        "tax_base_population": pop_k,
        "sek_per_ore": S.sek_per_ore(base),
        "ore_per_msek": S.msek_in_ore(1, base),
        "published_in_ore": S.msek_in_ore(abs(float(pub.value)), base),
        "data_in_ore": S.msek_in_ore(abs(msek), base),
        "increase_2023_ore": increase_ore,
        "increase_2023_msek": increase_ore * S.sek_per_ore(base) / 1e6,
    }


@claim_check(CHAPTER, "C118")
def c118(data_dir) -> ClaimResult:
    a = tax_arithmetic(data_dir)
    pub = claims.published("C118", "per_inhabitant")
    c1 = check_value("C118", "per_inhabitant", a["per_inhabitant_published"], a["population_year"], None,
                     label="Printed MSEK divided by Solna's population",
                     note=(f"{abs(a['published_msek']):g} MSEK / {a['population']:,.0f} inhabitants (31 Dec "
                           f"{a['population_year']}, SCB/Kolada) = {a['per_inhabitant_published']:,.0f} kr, i.e. "
                           + ("at or above" if a["per_inhabitant_published"] >= pub.value else "just below")
                           + f" the printed 'just over {pub.value:,}'; that needs at most "
                           f"{a['population_for_printed']:,.0f} inhabitants."))
    s = (S.series_of("N30026", S.SOLNA, data_dir).abs() * 1e6 / S.series_of("N01951", S.SOLNA, data_dir)).dropna()
    s.name = "N30026 per inhabitant"
    gap = _gap_years(pub.year, a["data_year"])
    tol2, dnote = _drift(s, gap, LEVEL_TOL, "N30026")
    c2 = _finish(check_value("C118", "per_inhabitant", a["per_inhabitant_data"], a["data_year"], tol2,
                             label="IFO deviation per inhabitant in the data",
                             note=f"|N30026| / N01951 for Solna. {dnote}"), tol2, True, gap)
    rule = ("Rule: not supported if the printed saving is worth fewer öre than the tax increase Solna made; "
            "partly supported if it is worth more but Solna raised its tax anyway (the arithmetic holds, the "
            "document's own table contradicts the conclusion); supported if it is worth more and Solna made no "
            "increase.")
    inc = a["increase_2023_ore"]
    if a["published_in_ore"] < inc:
        verdict, head = "not supported", "smaller than Solna's 2023 tax increase"
    elif inc > 0:
        verdict, head = "partly supported", "larger than Solna's 2023 tax increase, yet Solna raised its tax"
    else:
        verdict, head = "supported", "larger than any tax increase, and Solna made none"
    ratio = (f"so the IFO saving is {a['published_in_ore'] / inc:.1f} times the increase" if inc > 0
             else "so no increase was needed")
    c3 = check_statement(
        "C118", "no_tax_increase", round(a["published_in_ore"], 1), verdict,
        f"Inputs and their years (they differ; the latest of each is used): printed saving "
        f"{abs(a['published_msek']):g} MSEK ({pub.year}, document); tax base = skattekraft (N00903, "
        f"{a['skattekraft_year']}: {a['skattekraft']:,.0f} kr/inv) × population 31 Dec {a['skattekraft_year']} "
        f"({a['tax_base_population']:,.0f}) = {a['tax_base'] / 1e9:.1f} bn kr; tax increase {2023} (Skatteverket, C079). "
        f"One öre of tax rate = tax base / 100 / 100 = {a['sek_per_ore'] / 1e6:.2f} MSEK, so 1 MSEK = "
        f"{a['ore_per_msek']:.2f} öre and {abs(a['published_msek']):g} MSEK = {a['published_in_ore']:.0f} öre "
        f"({a['data_in_ore']:.0f} öre with the {a['data_year']} deviation). Solna's 2023 increase of {inc:.0f} öre "
        f"raised about {a['increase_2023_msek']:.0f} MSEK, {ratio}. {rule}",
        year_data=a["skattekraft_year"], unit="öre of municipal tax rate",
        label=f"The printed saving in öre of tax rate: {head}")
    return ClaimResult("C118", [c1, c2, c3], (
        f"{abs(a['published_msek']):g} MSEK is {a['per_inhabitant_published']:,.0f} kr per inhabitant (printed: just over "
        f"{pub.value:,}) and about "
        f"{a['published_in_ore']:.0f} öre of tax; the {a['data_year']} deviation gives {a['per_inhabitant_data']:,.0f} kr. "
        f"Solna nevertheless raised its tax by {a['increase_2023_ore']:.0f} öre in 2023."))


def household_estimate_1998(data_dir=None) -> dict:
    """Households receiving assistance in Solna in 1998, estimated from the share of
    inhabitants receiving it (N31807), the population and persons per recipient household.

    Household size in 1998 is not in the data, so the range spans every year of both Solna's
    and Riket's recipients per household (N31848/N31910): an assumption, not a measurement.
    """
    share = S.series_of("N31807", S.SOLNA, data_dir)
    pop = S.series_of("N01951", S.SOLNA, data_dir)
    if 1998 not in share.index or 1998 not in pop.index:
        raise DataError("N31807 or N01951 lacks 1998 for Solna")
    pph = S.persons_per_household(S.SOLNA, data_dir)
    pph_r = S.persons_per_household(RIKET, data_dir)
    both = pd.concat([pph, pph_r])
    est = {q: S.households_estimate(float(share.loc[1998]), float(pop.loc[1998]), float(v))
           for q, v in (("low", both.max()), ("mid", both.median()), ("high", both.min()))}
    return {"share": float(share.loc[1998]), "population": float(pop.loc[1998]), "pph": pph, "pph_riket": pph_r, **est}


@claim_check(CHAPTER, "C119")
def c119(data_dir) -> ClaimResult:
    e = household_estimate_1998(data_dir)
    pub98 = claims.published("C119", "households_1998")
    inside = e["low"] <= float(pub98.value) <= e["high"]
    p, r = e["pph"], e["pph_riket"]
    c1 = check_statement(
        "C119", "households_1998", round(e["mid"]), "partly supported" if inside else "not supported",
        f"No household count for 1998 in the data. Estimate: {e['share']:.1f} % of {e['population']:,.0f} inhabitants "
        f"received assistance (N31807) = {e['share'] / 100 * e['population']:,.0f} persons, divided by a household size "
        f"of {min(p.min(), r.min()):.2f}–{max(p.max(), r.max()):.2f} recipients per household (N31848/N31910: Solna "
        f"{p.min():.2f}–{p.max():.2f} in {int(p.index.min())}–{int(p.index.max())}, Riket {r.min():.2f}–{r.max():.2f} in "
        f"{int(r.index.min())}–{int(r.index.max())}) = {e['low']:,.0f}–{e['high']:,.0f} households. 1998's household "
        "size is not in the data; the range assumes it lay within Solna's or Riket's later values. Rule: inside the "
        "range = partly supported (an estimate, not a count), outside = not supported.",
        year_data=1998, unit="households")
    pub18 = claims.published("C119", "households_2018")
    net, _ = S.value_for_claim("N31008", S.SOLNA, 2018, data_dir)
    note = f"Kolada N31910 (Socialstyrelsen). Persons receiving assistance (N31848) in 2018: " \
           f"{S.value_for_claim('N31848', S.SOLNA, 2018, data_dir)[0]:,.0f}."
    if abs(net - float(pub18.value)) < 0.5:
        note += (f" The printed {pub18.value} equals Solna's net cost of assistance per inhabitant in 2018 (N31008 = "
                 f"{net:.1f} kr), which the next sentence also prints: the household figure looks like a copy of it.")
    c2 = _level_check("C119", "households_2018", "N31910", S.SOLNA, data_dir, note=note)
    summary = (f"1998: no count; the estimate from the share of recipients is {e['low']:,.0f}–{e['high']:,.0f} households "
               f"({c1.verdict}). 2018: the data have {c2.reproduced:,.0f} households against {pub18.value} printed"
               + (", which equals the 2018 net cost per inhabitant." if "copy of it" in c2.note else "."))
    return ClaimResult("C119", [c1, c2], summary)


def _closest_check(cid, key, data_dir, code=S.SOLNA):
    pub = claims.published(cid, key)
    cand = S.candidate_values(ASSISTANCE_KPIS, code, pub.year, data_dir)
    values = dict(zip(cand["kpi"], cand["value"]))
    kpi, value, _ = S.closest_kpi(values, float(pub.value))
    year = int(cand.loc[cand["kpi"] == kpi, "year"].iloc[0])
    listing = "; ".join(f"{k} {v:,.1f}" for k, v in values.items())
    note = f"Closest of the three assistance measures: {kpi} ({S.LONG_SERIES[kpi][0]}). All in {year}: {listing}."
    return _level_check(cid, key, kpi, code, data_dir, note=note), kpi


@claim_check(CHAPTER, "C120")
def c120(data_dir) -> ClaimResult:
    c1, k1 = _closest_check("C120", "cost_1998", data_dir)
    c2, k2 = _closest_check("C120", "cost_2018", data_dir)
    fell = all(S.value_for_claim(k, S.SOLNA, 2018, data_dir)[0] < S.value_for_claim(k, S.SOLNA, 1998, data_dir)[0]
               for k in ASSISTANCE_KPIS)
    return ClaimResult("C120", [c1, c2], f"1998: closest measure {k1} ({c1.reproduced:,.0f} kr, {c1.verdict}); 2018: "
                       f"closest {k2} ({c2.reproduced:,.0f} kr, {c2.verdict}). The two printed numbers fit different "
                       f"measures. " + ("The fall itself shows on all three." if fell else "Not all measures fell."))


@claim_check(CHAPTER, "C121")
def c121(data_dir) -> ClaimResult:
    c1, k1 = _closest_check("C121", "solna_2024", data_dir)
    c2, k2 = _closest_check("C121", "riket_2024", data_dir, code=RIKET)
    return ClaimResult("C121", [c1, c2], f"Solna: closest {k1} {c1.reproduced:,.0f} kr ({c1.year_data}); Riket: closest "
                       f"{k2} {c2.reproduced:,.0f} kr ({c2.year_data}); 2024 itself is not in the data.")


def labour_market(data_dir=None) -> pd.DataFrame:
    """Unemployment overall and the foreign-born proxies, Solna, Sundbyberg and Riket, latest year."""
    spec = {"N03920": ("Unemployment 18–64/65, annual mean, %", False),
            "U00800": ("Unemployed at some time in the year, % of 18–64", False),
            "N00708": ("Unemployed at some time, Swedish-born 20–64, %", False),
            "N02268": ("Employment rate, foreign-born 20–64, %", True)}
    rows = []
    for kpi, (label, higher_better) in spec.items():
        cs, year = S.cross_section(kpi, data_dir=data_dir)
        riket = S.series_of(kpi, RIKET, data_dir)
        row = {"kpi": kpi, "measure": label, "year": year, "Riket": float(riket.get(year, np.nan))}
        for nm, code in (("Solna", S.SOLNA), ("Sundbyberg", S.SUNDBYBERG)):
            row[nm] = float(cs.loc[code])
            pct = S.national_percentile(cs, code)
            row[f"{nm} better than % of municipalities"] = pct if higher_better else 100 - pct
        rows.append(row)
    return pd.DataFrame(rows)


@claim_check(CHAPTER, "C122")
def c122(data_dir) -> ClaimResult:
    lm = labour_market(data_dir).set_index("kpi")
    overall = lm.loc["N03920", "Solna better than % of municipalities"]
    foreign = lm.loc["N02268", "Solna better than % of municipalities"]
    check = check_statement(
        "C122", "stands_out_foreign_born", f"{foreign:.0f} vs {overall:.0f}", "not testable",
        f"Proxy (unemployment among the foreign-born is not in the data): Solna does better than {overall:.0f} % of "
        f"municipalities on overall unemployment (N03920 {lm.loc['N03920', 'Solna']:.1f} % vs Riket "
        f"{lm.loc['N03920', 'Riket']:.1f} %) but only than {foreign:.0f} % on the employment rate of the foreign-born "
        f"(N02268 {lm.loc['N02268', 'Solna']:.1f} % vs Riket {lm.loc['N02268', 'Riket']:.1f} %, Sundbyberg "
        f"{lm.loc['N02268', 'Sundbyberg']:.1f} %). " + PROXY_RULE,
        year_data=int(lm.loc["N02268", "year"]), unit="percentile: foreign-born vs overall")
    more = "foreign-born employment rate" if foreign > overall else "overall unemployment"
    return ClaimResult("C122", [check], f"Not testable: the measure is not in the data. Context: on the available proxies "
                       f"Solna stands out more on {more} (better than {max(foreign, overall):.0f} % of municipalities vs "
                       f"{min(foreign, overall):.0f} %).", verdict="not testable")


@claim_check(CHAPTER, "C123")
def c123(data_dir) -> ClaimResult:
    lm = labour_market(data_dir).set_index("kpi")
    y = int(lm.loc["N02268", "year"])
    non_emp = {k: 100 - lm.loc["N02268", k] for k in ("Solna", "Riket")}
    ratio = non_emp["Solna"] / non_emp["Riket"]
    ctx = (f"Not testable as stated: unemployment among the foreign-born by municipality is not in the data. Context "
           f"only (a different measure): share of foreign-born 20–64 not employed (100 − N02268) in {y} is "
           f"{non_emp['Solna']:.1f} % in Solna vs {non_emp['Riket']:.1f} % in Riket, a ratio of {ratio:.2f} against the "
           f"ratio of about {claims.published('C123', 'solna_fb_unemployment').value / claims.published('C123', 'riket_fb_unemployment').value:.2f} "
           "the printed figures imply for unemployment ('nearly half'). " + PROXY_RULE)
    checks = [check_statement("C123", "riket_fb_unemployment", round(non_emp["Riket"], 1), "not testable", ctx,
                              year_data=y, unit="% of foreign-born 20–64 not employed (proxy, 100 − N02268)"),
              check_statement("C123", "solna_fb_unemployment", round(ratio, 2), "not testable", ctx, year_data=y,
                              unit="ratio Solna/Riket (not-employed share, proxy)")]
    return ClaimResult("C123", checks, f"The measure is not in the data; on the closest proxy (not employed among the "
                       f"foreign-born) Solna is at {ratio:.2f} of the national level.", verdict="not testable")


@claim_check(CHAPTER, "C124")
def c124(data_dir) -> ClaimResult:
    claims.claim("C124")
    return ClaimResult("C124", [], "An organisational fact (Solna's kompetensförvaltning) with no year; not in public "
                       "statistics.", verdict="not testable")


@claim_check(CHAPTER, "C125")
def c125(data_dir) -> ClaimResult:
    cs, year = S.cross_section("U07451", data_dir=data_dir)
    rank = S.rank_in(cs, True)
    s = S.series_of("U07451", S.SOLNA, data_dir)
    riket = S.series_of("U07451", RIKET, data_dir)
    common = s.index.intersection(riket.index)
    above = float((s.loc[common] > riket.loc[common]).mean())
    ctx = ("Svenskt Näringsliv's business-climate ranking is not public data here. Kolada's U07451/U07513 are SKR's "
           "Öppna jämförelser företagsklimat (Insikt survey of businesses that dealt with the municipality's "
           "authority), a different measure, given as context only. " + PROXY_RULE)
    checks = [
        check_statement("C125", "rank_2024", int(rank.loc[S.SOLNA]), "not testable",
                        f"{ctx} Solna's Insikt NKI rank in {year}: {rank.loc[S.SOLNA]} of {len(rank)}.",
                        year_data=year, unit="rank (Insikt NKI, proxy)"),
        check_statement("C125", "above_average", round(above, 2), "not testable",
                        f"{ctx} Share of years {int(common.min())}–{int(common.max())} with Solna's Insikt NKI above Riket's.",
                        year_data=int(common.max()), unit="share of years (Insikt, proxy)"),
    ]
    return ClaimResult("C125", checks, f"Not testable: the ranking is Svenskt Näringsliv's. On SKR's Insikt index Solna "
                       f"ranked {rank.loc[S.SOLNA]} of {len(rank)} in {year}.", verdict="not testable")
