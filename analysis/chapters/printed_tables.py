"""Chapter 'printed-tables': the tables printed in document 003 and every other numeric
claim of the ledger (theme '-') that public data in the snapshot can test.

``evaluate(data_dir)`` is the single implementation of every verdict of the chapter;
the notebook calls it once and narrates. The heavier pieces (the tax-rate panel, the
efficiency scores) are computed once per data folder and shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ..config import data_dir as resolve_data_dir
from ..errors import DataError, UnknownKPIError
from ..methods import efficiency_groups as E
from ..rules import claims, registry
from ..rules import rulebook as RB
from ..rules.claims import ClaimResult, check_statement, check_value
from ..rules.registry import claim_check
from ..sources import sector as S
from ..sources import seed_tables as P
from ..sources import taxes as T
from ..sources.kolada import RIKET, load_kpis, snapshot_root
from ..sources.municipalities import municipalities, names, resolve

CHAPTER = "printed-tables"
TITLE = "Printed tables and other claims"
# Tolerances are the rulebook's policies for each kind of number (analysis/rules/rulebook.py).
RATE_TOL = RB.tolerance("rate")
COUNT_TOL = RB.tolerance("count")
SHARE_TOL = RB.tolerance("share")
PRICE_TOL = RB.tolerance("level")
RANK_LIMITS = (1, 3)  # group rank: 1 = supported, ≤ 3 = partly
NACKA_KPI = "N15508"  # "Elever i åk 9 som uppnått kunskapskraven i alla ämnen, hemkommun, andel (%)"
QUALITY = {"U11404": "preschool", "U15401": "compulsory school", "U17401": "upper secondary", "U20404": "elderly care"}
SN_CATEGORIES = {  # document 004's interview categories and the SKR 2017 groups they correspond to
    "larger_cities": ("B3",), "smaller_towns": ("C6",), "rural": ("C8", "C9")}
SOURCE = "Source: document 003/004 as printed; Kolada; Skatteverket (skattesnurra); own calculations."


def _names_list(text: str) -> list[str]:
    return [t.strip() for t in str(text).split(",") if t.strip()]


# ------------------------------------------------------------------ shared pieces
@dataclass
class TaxCheck:
    tables: pd.DataFrame  # both printed tables
    comparison: pd.DataFrame  # row × year, printed vs data
    rows: pd.DataFrame  # one status per printed row
    arithmetic: pd.DataFrame
    completeness: pd.DataFrame
    burden: pd.DataFrame
    rates: pd.DataFrame  # municipality × year municipal rates (Kolada, then derived)
    panel: pd.DataFrame


@lru_cache(maxsize=2)
def _tax_check(root: str) -> TaxCheck:
    tables = P.tax_tables(data_dir=root)
    panel = T.rate_panel(root)
    comparison = P.compare_rows(tables, panel)
    rows = P.classify_rows(comparison, T.county_of(root))
    rates = T.municipal_wide(root)
    return TaxCheck(tables, comparison, rows, P.row_arithmetic(tables), P.completeness(tables, rates, names(root)),
                    P.total_burden(comparison), rates, panel)


def tax_check(data_dir=None) -> TaxCheck:
    """The printed tax tables against the data (computed once per data folder)."""
    return _tax_check(str(resolve_data_dir(data_dir)))


@lru_cache(maxsize=2)
def _scores(root: str) -> pd.DataFrame:
    return E.efficiency_scores(root)


def scores(data_dir=None) -> pd.DataFrame:
    """Efficiency scores 2019–2022 (see analysis.methods.efficiency_groups)."""
    return _scores(str(resolve_data_dir(data_dir))).copy()


def population(year: int, data_dir=None) -> pd.Series:
    pop = S.wide("N01951", data_dir)
    if year not in pop.columns:
        raise DataError(f"No population for {year}")
    return pop[year]


def association_verdict(b: dict, c: dict, claimed: int = -1, alpha: float = RB.ALPHA) -> str:
    """Rule directional-test on the bivariate slope (the claim describes an association); the
    slope with controls is secondary: when it is not in the claimed direction at α, a supported
    verdict is lowered to partly supported."""
    def test(r: dict) -> str:
        p_claimed, p_opposite = RB.one_sided_from_two_sided(r["coef"], r["p"], claimed)
        return RB.directional_test(r["coef"] * claimed > 0, p_claimed, p_opposite, alpha)

    v = test(b)
    return RB.PARTLY if v == RB.SUPPORTED and test(c) != RB.SUPPORTED else v


def correlates(data_dir=None) -> pd.DataFrame:
    """Tax rate, solidity and political costs (means 2019–2022) regressed on each efficiency
    score, without and with controls (SKR group, log population)."""
    sc = scores(data_dir)
    out = outcome_means(data_dir)
    ctrl = E.controls(sc, population(E.YEARS[-1], data_dir))
    rows = []
    for m in E.MEASURES:
        for kpi, label in OUTCOMES.items():
            b = E.slope(out[kpi], sc[m])
            c = E.slope(out[kpi], sc[m], ctrl)
            rows.append({"measure": m, "kpi": kpi, "outcome": label, "slope": b["coef"], "CI low": b["CI low"],
                         "CI high": b["CI high"], "slope (controls)": c["coef"], "CI low (controls)": c["CI low"],
                         "CI high (controls)": c["CI high"], "n": b["n"], "p": b["p"], "p (controls)": c["p"],
                         "verdict": association_verdict(b, c),
                         "alternatives": RB.alpha_alternatives(lambda a, b=b, c=c: association_verdict(b, c, -1, a))})
    return pd.DataFrame(rows)


def outcome_means(data_dir=None) -> pd.DataFrame:
    """Means 2019–2022 of the outcomes of document 004's claims. Gotland's N00901 holds the
    regional part too (no separate regional tax), so its municipal rate is left out."""
    out = E.kpi_means(list(OUTCOMES), data_dir)
    reg = T.regional_rates(data_dir)
    no_region = set(reg.loc[reg["regional"] == 0, "county"])
    cty = T.county_of(data_dir)
    out.loc[out.index.isin(cty.index[cty.isin(no_region)]), "N00901"] = np.nan
    return out


OUTCOMES = {"N00901": "municipal tax rate (%)", "N03002": "solidity incl. pension liabilities (%)",
            "N05010": "cost of political activity (kr/inv)", "N05002": "net cost of political activity (kr/inv)"}


# ------------------------------------------------------------------ document 003: the tax tables
@claim_check(CHAPTER, "C076")
def c076(data_dir) -> ClaimResult:
    tc = tax_check(data_dir)
    t2 = tc.rows[tc.rows["table"] == "Tabell 2"]
    tab2 = tc.tables[tc.tables["kind"] == "increases"]
    agree = int((t2["status"] == "agrees").sum())
    code_ok = int((tab2["printed code"] == tab2["code"]).sum())
    comp = tc.completeness
    missing_net = comp[(comp["problem"] == "missing") & (comp["change in data"] > 0)]
    reversed_ = comp[comp["problem"].str.startswith("changed and returned")]
    up = tc.rates.diff(axis=1)
    reversed_up = [f"{r.name} (+{up.loc[r.code].max():.2f} in {int(up.loc[r.code].idxmax())}, "
                   f"back in {int(up.loc[r.code].idxmin())})" for r in reversed_.itertuples() if up.loc[r.code].max() > 0]
    a = T.anchor_year(data_dir)
    checks = [
        check_value("C076", "rows", agree, 2025, COUNT_TOL, label="Rows of Tabell 2 that agree with the data in every year",
                    note=f"2022 against Kolada N00901; {a + 1}–2025 against the municipal rate derived from Skatteverket's "
                         "total rates (total − regional rate inferred per county)."),
        check_value("C076", "rows", code_ok, None, COUNT_TOL, label="Printed codes that belong to the printed names",
                    note="Each printed code compared with the code of the printed name in SCB's list."),
        check_statement("C076", "all_increases", f"{len(missing_net)} net increases missing; up and back: "
                        + (", ".join(reversed_up) or "none"),
                        "supported" if missing_net.empty and not reversed_up else
                        ("partly supported" if missing_net.empty else "not supported"),
                        "Every municipality whose rate rose between 2022 and 2025 in the data is printed = supported; "
                        "only increases that were later reversed are missing = partly supported (the text says "
                        "'samtliga skattehöjningar'); a net increase missing = not supported.",
                        year_data=2025, unit="municipalities", label="'All tax increases since 2022' are listed"),
    ]
    summary = (f"{agree} of {len(t2)} rows agree with the data in every year (including Hylte's step in 2024); "
               + (f"missing: {', '.join(reversed_up)}, an increase later reversed." if reversed_up else "none is missing."))
    return ClaimResult("C076", checks, summary)


@claim_check(CHAPTER, "C077")
def c077(data_dir) -> ClaimResult:
    tc = tax_check(data_dir)
    change = (tc.rates[2025] - tc.rates[2022]).round(2).dropna()
    top = change[change == change.max()]
    nm = names(data_dir)
    pub = claims.published("C077", "max_municipality")
    top_names = [nm[c] for c in top.index]
    checks = [
        check_value("C077", "hylte_increase", float(change.loc[resolve(str(pub.value), data_dir)]), 2025, RATE_TOL,
                    note="Municipal rate 2025 (derived) minus 2022 (N00901)."),
        check_statement("C077", "max_municipality", ", ".join(top_names),
                        "supported" if top_names == [pub.value] else "not supported",
                        f"Largest change 2022→2025 among all {len(change)} municipalities ({change.max():+.2f}). "
                        "Rule: the printed municipality alone has the largest increase.", year_data=2025),
    ]
    return ClaimResult("C077", checks, f"{', '.join(top_names)} has the largest increase in the data, "
                                       f"{change.max():+.2f} percentage points.")


@claim_check(CHAPTER, "C078")
def c078(data_dir) -> ClaimResult:
    tc = tax_check(data_dir)
    tab2 = tc.tables[tc.tables["kind"] == "increases"]
    tot = P.table_total(tab2)
    change = (tc.rates[2025] - tc.rates[2022]).round(2)
    data_sum = float(change[change > 0].sum())
    checks = [
        check_value("C078", "total", tot["printed sum"], None, RATE_TOL, label="Sum of the printed change column",
                    note=f"{tot['rows']} rows; {tot['arithmetic errors']} rows whose change differs from 2025 − 2022."),
        check_value("C078", "total", data_sum, 2025, RATE_TOL, label="Sum of all increases 2022→2025 in the data",
                    note=f"{int((change > 0).sum())} municipalities with a higher rate in 2025 than in 2022. A sum of "
                         "rates across municipalities of different size has no economic meaning; it is checked as printed."),
    ]
    return ClaimResult("C078", checks, f"The printed column sums to {tot['printed sum']:.2f}; the increases in the data "
                                       f"sum to {data_sum:.2f}.")


@claim_check(CHAPTER, "C080")
def c080(data_dir) -> ClaimResult:
    tc = tax_check(data_dir)
    t3 = tc.rows[tc.rows["table"] == "Tabell 3"]
    agree = int((t3["status"] == "agrees").sum())
    swaps = t3[t3["status"] == "tax swap"]
    bad = t3[t3["status"] == "disagrees"]
    burden = tc.burden[tc.burden["table"] == "Tabell 3"]
    fell = int((burden["relation"] == "same direction").sum())
    comp = tc.completeness
    missing = comp[(comp["problem"] == "missing") & (comp["change in data"] < 0)]
    n_cuts = int(((tc.rates[2025] - tc.rates[2022]).round(2) < 0).sum())
    counties = sorted(set(swaps["county"]))
    meta = municipalities(data_dir).drop_duplicates("county_code").set_index("county_code")["county"]
    swap_counties = ", ".join(meta[c] for c in counties)
    checks = [
        check_statement("C080", "rows", f"{agree} agree, {len(swaps)} tax swap, {len(bad)} disagree",
                        "supported" if bad.empty else "not supported",
                        "Rule: every row agrees with the data, or is a row whose rates are correct municipal rates under a "
                        "tax swap with the region (the municipal rate fell, the regional rate rose by as much, the total is "
                        "unchanged, so the derived data cannot show it) = supported; any other disagreement = not supported. "
                        + (f"Tax swap rows: all {len(swaps)} municipalities of {swap_counties}; as municipal rates they are "
                           "right, though for the taxpayer they are not a cut (an interpretive remark, not a row error). "
                           if len(swaps) else "") + (f"Disagreeing: {'; '.join(bad['name'] + ': ' + bad['note'])}." if len(bad) else ""),
                        year_data=2025, unit="rows", label="Rows of Tabell 3 against the data"),
        check_statement("C080", "rows", f"{n_cuts} cuts in the data, {len(missing)} not printed",
                        "supported" if missing.empty else "not supported",
                        "Municipalities with a lower municipal rate in 2025 than in 2022 (derived data) that Tabell 3 "
                        "omits. Rule: none = supported. Tax swaps cannot show in total rates and are not counted.",
                        year_data=2025, unit="municipalities", label="Every cut in the data is printed"),
    ]
    swap_text = (f"the other {len(swaps)} ({swap_counties}, "
                 f"{', '.join(sorted({f'{v:+.2f}' for v in tc.tables.set_index('code').loc[swaps['code'], 'printed change']}))}) "
                 "are correct municipal rates under a tax swap with the region, which is not a cut the taxpayer sees: the "
                 "total rate did not fall; " if len(swaps) else "")
    return ClaimResult("C080", checks, (
        f"{agree} of {len(t3)} rows agree with the derived data; {swap_text}{len(bad)} rows disagree. For taxpayers, the "
        f"total rate fell in {fell} of the {len(t3)} 'tax cut' municipalities between 2022 and 2025."))


def swap_changes(data_dir=None) -> pd.Series:
    """Printed municipal change 2022→2025 of the rows explained as a tax swap (code → change)."""
    tc = tax_check(data_dir)
    codes = tc.rows.loc[tc.rows["status"] == "tax swap", "code"]
    return tc.tables.set_index("code").loc[codes, "printed change"].astype(float)


@claim_check(CHAPTER, "C081")
def c081(data_dir) -> ClaimResult:
    tc = tax_check(data_dir)
    tab3 = tc.tables[tc.tables["kind"] == "decreases"]
    tab2 = tc.tables[tc.tables["kind"] == "increases"]
    tot = P.table_total(tab3)
    change = (tc.rates[2025] - tc.rates[2022]).round(2)
    cuts, rises = change[change < 0], change[change > 0]
    swap = swap_changes(data_dir)
    if (change.reindex(swap.index).fillna(0) < 0).any():
        raise DataError("A tax-swap row also has a cut in the derived data: it would be counted twice")
    checks = [
        check_value("C081", "total", tot["printed sum"], None, RATE_TOL, label="Sum of the printed change column",
                    note=f"{tot['rows']} rows; {tot['arithmetic errors']} rows whose change differs from 2025 − 2022."),
        check_value("C081", "total", float(cuts.sum() + swap.sum()), 2025, RATE_TOL,
                    label="Sum of all cuts 2022→2025 in the data, tax-swap rows included",
                    note=f"Cuts in the derived data sum to {cuts.sum():.2f} ({len(cuts)} municipalities); the {len(swap)} "
                         f"tax-swap rows add {swap.sum():+.2f} ({', '.join(sorted({f'{v:+.2f}' for v in swap}))} each): "
                         "correct municipal cuts that the derived data cannot show, because a swap leaves the total "
                         "unchanged. They are not cuts the taxpayer sees (an interpretive remark, not an error of the sum)."),
        check_statement("C081", "more_cut", f"{len(cuts)} cut vs {len(rises)} raised (data); {len(tab3)} vs {len(tab2)} printed",
                        "supported" if len(cuts) > len(rises) else "not supported",
                        "Rule: more municipalities with a lower rate in 2025 than 2022 than with a higher one (data, swaps "
                        "not counted as cuts).", year_data=2025, unit="municipalities"),
        check_statement("C081", "modest", f"mean cut {cuts.mean():.2f}, mean increase {rises.mean():+.2f}",
                        "supported" if abs(cuts.mean()) < rises.mean() else "not supported",
                        "Rule: the average cut is smaller in size than the average increase (data).", year_data=2025,
                        unit="percentage points"),
    ]
    return ClaimResult("C081", checks, (f"The printed cuts sum to {tot['printed sum']:.2f}; the data's cuts "
                                        f"({cuts.sum():.2f}) plus the {len(swap)} tax-swap rows ({swap.sum():+.2f}, a "
                                        "municipal cut but not a cut of the total) give "
                                        f"{cuts.sum() + swap.sum():.2f}; in the data "
                                        f"{len(cuts)} "
                                        f"municipalities cut (mean {cuts.mean():.2f}) and {len(rises)} raised "
                                        f"(mean {rises.mean():+.2f})."))


@claim_check(CHAPTER, "C073")
def c073(data_dir) -> ClaimResult:
    tab = P.price_index_check(P.price_index())
    checks = []
    for y in tab.index:
        r = tab.loc[y]
        checks.append(check_value("C073", f"total_{y}", float(r["weighted sum"]), int(y), PRICE_TOL,
                                  label=f"Weighted components against the printed total, {y}",
                                  note=f"{r['labour']:g} × {r['labour weight']:.1%} + {r['other']:g} × {r['other weight']:.1%}; "
                                       f"weights sum to {r['weights sum']:.1%}."))
    top = int(tab["weighted sum"].idxmax())
    checks.append(check_statement("C073", "highest", top, "supported" if str(top) == str(claims.published("C073", "highest").value)
                                  else "not supported", "Rule: the year with the largest weighted index.", unit="year"))
    ok = all(c.verdict == "supported" for c in checks[:-1])
    return ClaimResult("C073", checks, ("The printed totals follow from" if ok else "Not every printed total follows from")
                       + f" the printed components and weights (largest in {top}); SKR's own series is not in the "
                       "snapshot, so the components themselves are not checked.")


@claim_check(CHAPTER, "C067")
def c067(data_dir) -> ClaimResult:
    tc = tax_check(data_dir)
    pub = claims.published("C067", "municipalities")
    codes = [resolve(n, data_dir) for n in _names_list(pub.value)]
    r25 = tc.rates[2025].dropna()
    low = r25 <= r25.quantile(0.25)
    cut = (tc.rates[2025] - tc.rates[2022]).round(2) < 0
    swap_codes = set(tc.rows.loc[tc.rows["status"] == "tax swap", "code"])
    fits = [c for c in codes if low.get(c, False) or cut.get(c, False) or c in swap_codes]
    nm = names(data_dir)
    others = [nm[c] for c in codes if c not in fits]
    share = len(fits) / len(codes)
    check = check_statement(
        "C067", "municipalities", f"{len(fits)} of {len(codes)}",
        "supported" if share >= 0.75 else ("partly supported" if share >= 0.5 else "not supported"),
        f"Interviewed municipalities in the lowest quarter of 2025 municipal rates (≤ {r25.quantile(0.25):.2f}) or with "
        f"a cut 2022→2025. Rule: ≥ 75 % supported (the text adds 'other examples'), ≥ 50 % partly. Neither: "
        f"{', '.join(others) or 'none'}.", year_data=2025, unit="municipalities")
    rest = ("none has neither" if not others else f"the exception: {others[0]}" if len(others) == 1 else
            f"the exceptions: {', '.join(others)}")
    return ClaimResult("C067", [check], f"{len(fits)} of the {len(codes)} interviewed municipalities have a low rate or cut "
                                        f"it; {rest}.")


@claim_check(CHAPTER, "C068")
def c068(data_dir) -> ClaimResult:
    tc = tax_check(data_dir)
    swap_codes = set(tc.rows.loc[tc.rows["status"] == "tax swap", "code"])
    swap_counties = set(tc.rows.loc[tc.rows["status"] == "tax swap", "county"])
    in_swap = T.county_of(data_dir).isin(swap_counties)
    rates = tc.rates[~tc.rates.index.isin(in_swap[in_swap].index)]
    steps = rates[[2022, 2023, 2024, 2025]].diff(axis=1).iloc[:, 1:].round(2)
    raised = int((steps > 0).any(axis=1).sum())
    cut = int((steps < 0).any(axis=1).sum())
    reg = T.regional_rates(data_dir)
    no_region = set(reg.loc[reg["regional"] == 0, "county"])  # Gotland
    reg = reg[reg["year"].between(2022, 2025) & ~reg["county"].isin(no_region)]
    rsteps = reg.pivot(index="county", columns="year", values="regional").diff(axis=1).iloc[:, 1:].round(2)
    regions_raised = int((rsteps > 0).any(axis=1).sum())
    n_regions = int(T.regional_rates(data_dir)["county"].nunique())
    n_all = len(tc.rates)
    meta = municipalities(data_dir).drop_duplicates("county_code").set_index("county_code")["county"]
    left_out = (f"all {n_all} municipalities less the {len(swap_codes)} of "
                f"{', '.join(meta[c] for c in sorted(swap_counties))}, whose derived rates miss the tax swap")
    region_text = (f"{regions_raised} of the {len(rsteps)} regions with a regional tax ({n_regions} counties; "
                   f"{', '.join(meta[c] for c in sorted(no_region))} has none of its own)")
    share = raised / len(steps)
    check = check_statement(
        "C068", "raised", f"{raised} of {len(steps)} municipalities, {regions_raised} of {len(rsteps)} regions with a regional tax",
        "supported" if share >= 0.25 or regions_raised / len(rsteps) >= 0.25 else
        ("partly supported" if share >= 0.05 else "not supported"),
        f"Municipalities that raised their rate in at least one year 2023–2025 (derived data; {cut} cut in some year; "
        f"denominator {len(steps)} = {left_out}) and regions whose inferred rate rose ({region_text}; C029 counts all "
        f"{n_regions} regions, Gotland included). Rule: at least a quarter of municipalities or regions = 'many' (supported); "
        "at least 5 % of municipalities = partly supported.", year_data=2025, unit="municipalities / regions")
    return ClaimResult("C068", [check], f"{raised} of {len(steps)} municipalities raised their rate in 2023–2025 (and {cut} cut "
                                        f"it; {left_out}); {region_text} raised theirs.")


@claim_check(CHAPTER, "C090")
def c090(data_dir) -> ClaimResult:
    tc = tax_check(data_dir)
    pub = claims.published("C090", "consecutive_cuts")
    s = tc.rates.loc[resolve("Orust", data_dir)].dropna()
    steps = s.diff().round(2).loc[: pub.year]
    n = 0
    for v in steps.iloc[::-1]:
        if v < 0:
            n += 1
        else:
            break
    first = int(steps.index[-n]) if n else None
    check = check_value("C090", "consecutive_cuts", n, int(steps.index.max()), COUNT_TOL,
                        note=f"Consecutive yearly cuts of Orust's municipal rate up to {pub.year}"
                             + (f", from {first}" if first else "") + f": {s.loc[first - 1 if first else s.index.min()]:.2f} → "
                             f"{s.loc[pub.year]:.2f} (N00901 to {T.anchor_year(data_dir)}, derived after).")
    return ClaimResult("C090", [check], f"Orust cut its rate in each of the {n} years up to {pub.year}.")


@claim_check(CHAPTER, "C164")
def c164(data_dir) -> ClaimResult:
    pub = claims.published("C164", "total_2024")
    a = T.average_total_rate(int(pub.year), data_dir)
    first = T.average_total_rate(2018, data_dir)
    checks = [
        check_value("C164", "total_2024", a["weighted"], a["year"],
                    note=f"Mean of the {a['n']} total rates weighted by tax base (skattekraft N00903 × population N01951, "
                         f"{a['weight year']}), as SCB weights its national average; unweighted mean {a['unweighted']:.2f}."),
        check_statement("C164", "increased", round(a["weighted"] - first["weighted"], 2),
                        "supported" if a["weighted"] > first["weighted"] else "not supported",
                        f"Weighted average 2018 {first['weighted']:.2f} → {pub.year} {a['weighted']:.2f}. Rule: higher = supported.",
                        year_data=a["year"], unit="percentage points"),
    ]
    return ClaimResult("C164", checks, f"The tax-base weighted average total rate is {a['weighted']:.2f} % in {pub.year} "
                                       f"(up from {first['weighted']:.2f} % in 2018).")


# ------------------------------------------------------------------ savings potential (documents' own numbers)
def potential_arithmetic(data_dir=None) -> dict:
    """The efficiency potential of 2019 and 2023 in nominal, real and real-per-inhabitant terms,
    deflated with the documents' own price figures (003: Tabell 1 and 'average 2.6 % in 2018–2021')."""
    p19 = claims.published("C071", "potential_2019")
    p23 = claims.published("C071", "potential_2023")
    avg = float(claims.published("C071", "price_2018_2021").value)
    idx = P.price_index()["printed total"].to_dict()
    annual = {2019: avg, 2020: avg, 2021: avg, **{int(k): float(v) for k, v in idx.items()}}
    level = P.cumulative_price_change(annual, int(p19.year), int(p23.year))
    pop19 = float(population(int(p19.year), data_dir).sum())
    pop23 = float(S.scb_population_2023(data_dir).sum())
    nominal = float(p23.value) / float(p19.value)
    real = nominal / level
    return {"nominal": nominal, "price level": level, "real": real, "population": pop23 / pop19,
            "real per inhabitant": real / (pop23 / pop19), "p19": float(p19.value), "p23": float(p23.value),
            "average 2.6": avg}




@claim_check(CHAPTER, "C069")
def c069(data_dir) -> ClaimResult:
    """The percentage is not public; the words used for it are judged by the wording table
    (a check the registry adds from data/claims.yaml)."""
    pub = claims.published("C069", "potential")
    checks = [
        check_statement("C069", "potential", "not public", "not testable",
                        "Svenskt Näringsliv's DEA scores (Angelov & Mosaddegh 2025) are not public; the percentage itself "
                        "cannot be reproduced."),
    ]
    return ClaimResult("C069", checks, f"The printed {pub.value:g} % is {pub.value / (100 / 3):.0%} of a third; whether "
                                       "'nästan en tredjedel' fits it is ruled by the wording table. The percentage "
                                       "itself comes from non-public DEA scores.")


@claim_check(CHAPTER, "C070")
def c070(data_dir) -> ClaimResult:
    a = potential_arithmetic(data_dir)
    mid = (a["p19"] + a["p23"]) / 2
    check = check_value("C070", "average_potential", mid, None,
                        label="Midpoint of the printed 2019 and 2023 potentials",
                        note=f"The five yearly values are not printed; an average of about "
                             f"{claims.published('C070', 'average_potential').value:g} must lie between {a['p19']:g} and "
                             f"{a['p23']:g}, and a steady rise gives {mid:.2f}.")
    claims.cap_check(check, RB.PARTLY, "consistency-only", "the yearly values are not public, so consistency with the "
                     "printed endpoints is all that can be shown.")
    return ClaimResult("C070", [check], ("Consistent" if check.verdict == "partly supported" else "Hard to reconcile")
                       + f" with the printed endpoints (midpoint {mid:.1f} bn); the yearly values are Svenskt Näringsliv's "
                       "and not public, so consistency is all that can be shown.")


def users_growth(data_dir=None) -> dict:
    """Growth of the population aged 80+ (N01813 × N01951) against all inhabitants, from the
    potential's first year to the last year with both (the main users of elderly care)."""
    pop, s80 = S.wide("N01951", data_dir), S.wide("N01813", data_dir)
    y0 = int(claims.published("C071", "potential_2019").year)
    y1 = int(min(pop.columns.max(), s80.columns.max()))
    if y0 not in pop.columns or y0 not in s80.columns:
        raise DataError(f"No N01951/N01813 for {y0}")
    old = (pop * s80 / 100)
    return {"from": y0, "to": y1, "80+": float(old[y1].sum() / old[y0].sum() - 1) * 100,
            "all": float(pop[y1].sum() / pop[y0].sum() - 1) * 100}


@claim_check(CHAPTER, "C071")
def c071(data_dir) -> ClaimResult:
    a = potential_arithmetic(data_dir)
    rpi = (a["real per inhabitant"] - 1) * 100
    u = users_growth(data_dir)
    checks = [
        check_statement("C071", "potential_2023", round((a["nominal"] - 1) * 100, 1),
                        "supported" if a["nominal"] > 1 else "not supported",
                        f"{a['p19']:g} → {a['p23']:g} bn kr. Rule: the printed numbers rise.", year_data=2023,
                        unit="% nominal change", label="The potential rose (nominal)"),
        check_statement("C071", "efficiency_decreased", round(rpi, 1),
                        "supported" if rpi > 3 else ("contradicted" if rpi < -3 else "not supported"),
                        f"Deflated with the documents' own price figures (2.6 % a year in 2020–2021, Tabell 1 for "
                        f"2022–2023: prices ×{a['price level']:.3f}) the potential grew {(a['real'] - 1) * 100:+.1f} %; "
                        f"the population grew {(a['population'] - 1) * 100:+.1f} % (Kolada 2019, SCB 2023), leaving "
                        f"{rpi:+.1f} % per inhabitant in fixed prices. Rule: more than +3 % = the conclusion holds "
                        "(supported); within ±3 % = not supported (the rise is prices and population); below −3 % = contradicted. "
                        + ("Scaling by inhabitants understates need: the main users of elderly care grew faster "
                           if u["80+"] > u["all"] else "Scaling by inhabitants: the main users of elderly care did not grow "
                           "faster ") + f"(people aged 80+ {u['80+']:+.1f} % against {u['all']:+.1f} % for all inhabitants, "
                        f"{u['from']}–{u['to']}, Kolada N01813 × N01951; pupils are not computed here)"
                        + (", so per user the real potential rose even less." if u["80+"] > u["all"] else "."),
                        year_data=2023, unit="% real change per inhabitant", label="'Efficiency decreased' (real, per inhabitant)"),
    ]
    shows = "show" if checks[1].verdict == "supported" else "do not show"
    return ClaimResult("C071", checks, (f"Nominal rise {(a['nominal'] - 1) * 100:.0f} %; in fixed prices "
                                        f"{(a['real'] - 1) * 100:+.1f} % and per inhabitant {rpi:+.1f} %, so the kronor "
                                        f"figures {shows} falling efficiency."))


@claim_check(CHAPTER, "C159")
def c159(data_dir) -> ClaimResult:
    a = potential_arithmetic(data_dir)
    pub = claims.published("C159", "upto_90")
    checks = [
        check_value("C159", "upto_90", a["p23"], 2023, label="'Uppemot 90' against 003's largest yearly value",
                    note="Document 003 prints 75.6 (2019) and 90.9 (2023) bn kr from the same study; 'up to about "
                         f"{pub.value:g}' fits the largest. Consistency only."),
        check_statement("C159", "half", "not in the snapshot", "not testable",
                        "Gross costs of upper secondary school and libraries are not in the snapshot, so the four areas' "
                        "share of municipal activity cannot be computed."),
    ]
    fits = "fits" if checks[0].verdict == "supported" else "does not fit"
    return ClaimResult("C159", checks, f"'Uppemot {pub.value:g} miljarder' {fits} the 2023 value printed in document 003 "
                                       f"({a['p23']:g} bn).")


@claim_check(CHAPTER, "C161")
def c161(data_dir) -> ClaimResult:
    a = potential_arithmetic(data_dir)
    avg003 = float(claims.published("C070", "average_potential").value)
    pub = claims.published("C161", "average_90")
    checks = [
        check_statement("C161", "average_90", avg003,
                        "supported" if abs(avg003 - float(pub.value)) <= 0.02 * float(pub.value) else "not supported",
                        f"Document 003 reports the same study's average annual potential 2019–2023 as {avg003:g} bn and "
                        f"its 2023 value as {a['p23']:g} bn: 'drygt {pub.value:g}' is the 2023 value, not the average. "
                        "Rule: within 2 % of 003's average = supported.", unit="SEK bn", label="'Drygt 90 miljarder' as an annual average"),
        check_statement("C161", "share_50", "not in the snapshot", "not testable",
                        "Gross costs of upper secondary school and libraries are not in the snapshot."),
    ]
    match = "matches" if checks[0].verdict == "supported" else "does not match"
    return ClaimResult("C161", checks, f"'Drygt {pub.value:g} miljarder' per year on average {match} document 003's "
                                       f"average ({avg003:g} bn); 003's 2023 value is {a['p23']:g} bn.")


# ------------------------------------------------------------------ document 004: structure
@claim_check(CHAPTER, "C166")
def c166(data_dir) -> ClaimResult:
    sc = scores(data_dir)
    checks = []
    for m, label in E.MEASURES.items():
        g = E.group_means(sc, m).set_index("group")
        rank = int(g.loc["A2", "rank"])
        checks.append(check_statement(
            "C166", "commuters_highest", rank, "supported" if rank <= RANK_LIMITS[0] else
            ("partly supported" if rank <= RANK_LIMITS[1] else
             ("contradicted" if (rank - 1) / (len(g) - 1) > 0.5 else "not supported")),
            f"{label}: rank of SKR group A2 (Pendlingskommun nära storstad) among the {len(g)} groups by mean score "
            f"2019–2022 ({g.loc['A2', 'mean']:+.2f} SD; best: {g.index[0]} {g.iloc[0]['mean']:+.2f}). 1 = supported, "
            "≤ 3 = partly; in the lower half of the groups = contradicted (as rule rank-position).",
            year_data="2019–2022", unit="rank of 9", label=f"Commuter municipalities near the big cities highest ({m})"))
        nr = sc.loc[sc["north rural"], m]
        mean_nr = float(nr.mean())
        below = int((g["mean"] > mean_nr).sum())
        d = E.difference(nr, sc.loc[~sc["north rural"], m])
        verdict = "supported" if below == len(g) and d["CI high"] < 0 else (
            "partly supported" if below >= len(g) - 1 and d["CI high"] < 0 else
            ("contradicted" if d["CI low"] > 0 else "not supported"))
        checks.append(check_statement(
            "C166", "north_lowest", round(mean_nr, 2), verdict,
            f"{label}: {E.NORTH_RURAL} = {len(nr)} municipalities in SKR groups C8/C9 in the five Norrland counties; mean "
            f"{mean_nr:+.2f} SD, below {below} of the 9 group means; difference from the rest {d['difference']:+.2f} SD "
            f"(95 % CI {d['CI low']:+.2f} to {d['CI high']:+.2f}). Rule: below every group and significantly below the "
            "rest = supported; below all but one = partly; significantly above the rest = contradicted.",
            year_data="2019–2022", unit="SD",
            label=f"Sparse northern municipalities lowest ({m})"))
    return ClaimResult("C166", checks, _measure_summary(checks, "The two measures disagree."))


def _measure_summary(checks, both_differ: str) -> str:
    """One line per check (value, unit, verdict), then a remark if the two measures disagree."""
    by = {}
    for c in checks:
        m = c.label.rsplit("(", 1)[-1].rstrip(")")
        by.setdefault(m, []).append(c.verdict)
    agg = {m: claims.aggregate(v) for m, v in by.items()}
    text = "; ".join(f"{c.label}: {c.reproduced} {c.unit} ({c.verdict})" for c in checks)
    return f"{text}." + (f" {both_differ}" if both_differ and len(set(agg.values())) > 1 else "")


@claim_check(CHAPTER, "C167")
def c167(data_dir) -> ClaimResult:
    sc = scores(data_dir)
    checks = []
    nm = names(data_dir)
    for m, label in E.MEASURES.items():
        g = E.group_means(sc, m).set_index("group")
        national = float(sc[m].mean())
        a1 = sc[sc["skr_group"] == "A1"][m]
        each = ", ".join(f"{nm[c]} {v:+.2f}" for c, v in a1.items())
        checks.append(check_statement(
            "C167", "big_cities_below", round(float(a1.mean()), 2),
            "supported" if a1.mean() < national else "contradicted",
            f"{label}: mean of the three metropolitan municipalities (A1: {each}) against the mean of all municipalities "
            f"({national:+.2f}). Below = supported; above = contradicted. Three municipalities: no confidence interval is "
            "meaningful.",
            year_data="2019–2022", unit="SD", label=f"Metropolitan municipalities below average ({m})"))
        above = [grp for grp in ("C6", "B4") if g.loc[grp, "mean"] > g.loc["A1", "mean"]]
        checks.append(check_statement(
            "C167", "groups_above", ", ".join(above) or "neither",
            "supported" if len(above) == 2 else ("partly supported" if above else "not supported"),
            f"{label}: C6 (Mindre stad/tätort) {g.loc['C6', 'mean']:+.2f}, B4 (Pendlingskommun nära större stad) "
            f"{g.loc['B4', 'mean']:+.2f}, A1 {g.loc['A1', 'mean']:+.2f}. Rule: both above A1 = supported, one = partly.",
            year_data="2019–2022", unit="groups", label=f"'Mindre stad' and 'Pendlingskommun nära större stad' above A1 ({m})"))
    return ClaimResult("C167", checks, _measure_summary(checks, ""))


def _correlate_claim(cid: str, keys: dict[str, str], data_dir) -> ClaimResult:
    cor = correlates(data_dir)
    checks = []
    for kpi, key in keys.items():
        for m, label in E.MEASURES.items():
            r = cor[(cor["kpi"] == kpi) & (cor["measure"] == m)].iloc[0]
            checks.append(check_statement(
                cid, key, round(float(r["slope"]), 3), r["verdict"],
                f"{label}: OLS slope of the {r['outcome']} (mean 2019–2022, Kolada {kpi}) on the score (per SD), "
                f"{r['slope']:+.3g} (95 % CI {r['CI low']:+.3g} to {r['CI high']:+.3g}); with SKR-group dummies and log "
                f"population {r['slope (controls)']:+.3g} ({r['CI low (controls)']:+.3g} to {r['CI high (controls)']:+.3g}); "
                f"n = {int(r['n'])}, HC3. Rule directional-test on the slope without controls (the claim describes an "
                f"association): negative (less efficient → higher) with one-sided p ≤ {RB.ALPHA:g} = supported, lowered to "
                "partly when the slope with controls is not; positive with one-sided p ≤ α = contradicted. Association, not cause"
                + ("; the net cost deviation and the tax rate are linked by the budget itself." if kpi == "N00901" and m == "nka" else "."),
                year_data="2019–2022", unit=f"{r['outcome'].split('(')[-1].rstrip(')')} per SD of efficiency",
                label=f"{r['outcome'].split('(')[0].strip().capitalize()} vs efficiency ({m})",
                rule="directional-test", alternatives=r["alternatives"]))
    parts = [f"{c.label}: {c.reproduced:+.3g} per SD ({c.verdict})" for c in checks]
    return ClaimResult(cid, checks, "; ".join(parts) + ".")


@claim_check(CHAPTER, "C170")
def c170(data_dir) -> ClaimResult:
    return _correlate_claim("C170", {"N00901": "tax_higher", "N03002": "solidity_higher",
                                     "N05010": "political_cost_higher", "N05002": "political_cost_higher"}, data_dir)


@claim_check(CHAPTER, "C088")
def c088(data_dir) -> ClaimResult:
    return _correlate_claim("C088", {"N05010": "political_cost_higher", "N05002": "political_cost_higher"}, data_dir)


@claim_check(CHAPTER, "C169")
def c169(data_dir) -> ClaimResult:
    pub = claims.published("C169", "top_five")
    codes = [resolve(n, data_dir) for n in _names_list(pub.value)]
    t = load_kpis(E.COST, data_dir)
    t = t[t["municipality"] != RIKET]
    w = t.pivot(index="municipality", columns="year", values="value")
    best_q = w.rank(pct=True) <= 0.25  # low net cost deviation = cheaper than structure predicts
    share = best_q.loc[codes].mean(axis=1)
    nm = names(data_dir)
    persistent = [c for c in codes if share.loc[c] >= 0.75]
    text = ", ".join(f"{nm[c]} {share.loc[c]:.0%}" for c in codes)
    post = [y for y in w.columns if y >= 2019]  # Kolada changed the reference-cost method in 2019
    pre = [y for y in w.columns if 2019 - len(post) <= y < 2019]  # as many years before as after
    stab = E.spearman(w[pre].mean(axis=1), w[post].mean(axis=1)) if pre and post else None
    stab_text = (f"Rank correlation of the mean deviation {min(pre)}–{max(pre)} with {min(post)}–{max(post)} (across the "
                 f"2019 method change): {stab['rho']:+.2f} (n = {stab['n']})." if stab else "")
    check = check_statement(
        "C169", "top_five", f"{len(persistent)} of {len(codes)}",
        "supported" if len(persistent) == len(codes) else ("partly supported" if len(persistent) >= 3 else "not supported"),
        f"Share of the years {int(w.columns.min())}–{int(w.columns.max())} in which each was among the quarter of "
        f"municipalities with the lowest net cost deviation (N00097, structure-adjusted): {text}. Rule: all five in ≥ 75 % "
        f"of years = supported, at least three = partly. {stab_text}",
        year_data=f"{int(w.columns.min())}–{int(w.columns.max())}", unit="municipalities")
    return ClaimResult("C169", [check], f"Persistently cheaper than their structure predicts: {text} of the years.")


@claim_check(CHAPTER, "C171")
def c171(data_dir) -> ClaimResult:
    meta = municipalities(data_dir).set_index("code")
    checks = []
    total = len(_names_list(claims.published("C171", "top_five").value))
    for key, groups in SN_CATEGORIES.items():
        pub = claims.published("C171", key)
        listed = _names_list(pub.value)
        total += len(listed)
        got = [(n, meta.loc[resolve(n, data_dir), "skr_group"]) for n in listed]
        ok = [n for n, g in got if g in groups]
        off = ", ".join(f"{n} {g}" for n, g in got if g not in groups)
        checks.append(check_statement(
            "C171", key, f"{len(ok)} of {len(listed)}",
            "supported" if len(ok) == len(listed) else ("partly supported" if len(ok) >= len(listed) / 2 else "not supported"),
            f"SKR 2017 group(s) {'/'.join(groups)} expected; outside: {off or 'none'}. Rule: all = supported, at least half = "
            "partly. SKR revised its groups in 2023 (not in the snapshot); the report may use that version.",
            year_data=2017, unit="municipalities"))
    checks.append(check_value("C171", "total", total, None, COUNT_TOL, label="Municipalities listed (5 + 4 + 4 + 4)",
                              note="Count of the names printed in the four categories (the report's own arithmetic)."))
    return ClaimResult("C171", checks, "; ".join(f"{c.label}: {c.reproduced}" for c in checks[:-1])
                       + " in the matching SKR 2017 group. That these are the most efficient needs Svenskt Näringsliv's "
                       "ranking, which is not public.")


@claim_check(CHAPTER, "C176")
def c176(data_dir) -> ClaimResult:
    pub = claims.published("C176", "population")
    listed = [n for key in ("top_five", *SN_CATEGORIES) for n in _names_list(claims.published("C171", key).value)]
    pop = S.scb_population_2023(data_dir)
    band = {n: int(pop.loc[resolve(n, data_dir)]) for n in listed}
    hits = {n: p for n, p in band.items() if 0.9 * pub.value <= p < pub.value}
    check = check_statement(
        "C176", "population", ", ".join(f"{n} {p:,}" for n, p in hits.items()) or "none",
        "supported" if len(hits) >= 1 else "not supported",
        f"Interviewed municipalities with 'just under {pub.value:,.0f}' inhabitants (90–100 % of it) on 31 Dec 2023 (SCB). "
        "Rule: at least one = supported (the speaker is unnamed).", year_data=2023, unit="inhabitants")
    return ClaimResult("C176", [check], f"Fits {', '.join(hits) or 'none of the 17'} (SCB, 31 Dec 2023).")


@claim_check(CHAPTER, "C160")
def c160(data_dir) -> ClaimResult:
    sc = scores(data_dir)
    q = sc["net cost deviation (%)"].quantile([0.1, 0.9])
    spread = float(q.loc[0.9] - q.loc[0.1])
    check = check_statement(
        "C160", "spread", round(spread, 1), "supported" if spread >= 10 else "not supported",
        f"Net cost deviation (N00097, mean 2019–2022): 10th percentile {q.loc[0.1]:+.1f} %, 90th {q.loc[0.9]:+.1f} %. Rule: a "
        "range of at least 10 percentage points of the structurally expected cost between the 10th and 90th percentile = "
        "'very large' (supported).", year_data="2019–2022", unit="percentage points")
    return ClaimResult("C160", [check], f"The middle 80 % of municipalities span {spread:.0f} percentage points of net cost "
                                        "deviation.")


# ------------------------------------------------------------------ document 001: efficiency and quality
@claim_check(CHAPTER, "C020")
def c020(data_dir) -> ClaimResult:
    cost = S.wide("N15001", data_dir)
    qual = S.wide("U15401", data_dir)
    year = int(claims.published("C020", "quality_range").year)
    for w_, k in ((cost, "N15001"), (qual, "U15401")):
        if year not in w_.columns:
            raise DataError(f"No {k} for {year}")
    d = pd.DataFrame({"cost": cost[year], "quality": qual[year]}).dropna()
    rho = E.spearman(d["cost"], d["quality"])
    d["bin"] = pd.qcut(d["cost"], 5, labels=False)
    ranges = d.groupby("bin")["quality"].agg(lambda v: v.max() - v.min())
    checks = [
        check_statement("C020", "no_link", round(rho["rho"], 2), "supported" if abs(rho["rho"]) < 0.3 else "not supported",
                        f"Spearman correlation of the net cost deviation in compulsory school (N15001) with RKA's quality "
                        f"index (U15401), {year}, n = {rho['n']}: {rho['rho']:+.2f} (95 % CI {rho['CI low']:+.2f} to "
                        f"{rho['CI high']:+.2f}). Rule: |rho| < 0.3 = spending is not decisive (supported).",
                        year_data=year, unit="Spearman rho"),
        check_statement("C020", "quality_range", round(float(ranges.min()), 0), "supported" if ranges.min() >= 75 else
                        ("partly supported" if ranges.min() >= 50 else "not supported"),
                        f"Range of the quality index within each fifth of municipalities by cost: "
                        f"{', '.join(f'{v:.0f}' for v in ranges)} points. The index is scaled to 0–100 by construction, so with "
                        f"{int(d.groupby('bin').size().min())} or more municipalities per fifth a wide range is close to automatic: this check shows little beyond "
                        "the correlation above. Rule: every fifth spans ≥ 75 points = supported, ≥ 50 = partly.", year_data=year, unit="index points"),
    ]
    return ClaimResult("C020", checks, f"Rank correlation of cost and quality in {year}: {rho['rho']:+.2f}; every cost "
                                       f"fifth spans at least {ranges.min():.0f} quality points (close to automatic for an index scaled 0–100).")


@claim_check(CHAPTER, "C021")
def c021(data_dir) -> ClaimResult:
    pub = claims.published("C021", "missing")
    q = S.wide("U15401", data_dir)
    if pub.year not in q.columns:
        raise DataError(f"No U15401 for {pub.year}")
    n_all = len(municipalities(data_dir))
    missing = n_all - int(q[pub.year].notna().sum())
    return ClaimResult("C021", [check_value("C021", "missing", missing, int(pub.year), COUNT_TOL,
                                            note=f"Municipalities of {n_all} without RKA's quality index (U15401).")],
                       f"{missing} municipalities lack the quality index in {pub.year}.")


@claim_check(CHAPTER, "C022")
def c022(data_dir) -> ClaimResult:
    sc = scores(data_dir)
    pop = population(E.YEARS[-1], data_dir).reindex(sc.index)
    small = pop < 15_000
    checks = []
    for m, label in E.MEASURES.items():
        rho = E.spearman(np.log(pop), sc[m])
        top = sc[m] >= sc[m].quantile(0.75)
        share_top = float(small[top & sc[m].notna()].mean())
        share_all = float(small[sc[m].notna()].mean())
        ok = rho["CI low"] <= 0.1 and share_top >= 0.5 * share_all
        checks.append(check_statement(
            "C022", "small_ok", round(rho["rho"], 2) + 0.0, "supported" if ok else "not supported",
            f"{label}: Spearman rho of log population with the score {rho['rho']:+.2f} (95 % CI {rho['CI low']:+.2f} to "
            f"{rho['CI high']:+.2f}); municipalities under 15,000 inhabitants are {share_all:.0%} of all and {share_top:.0%} "
            "of the most efficient quarter. Rule: no clear advantage of size (CI reaching 0.1 or below) and small "
            "municipalities at least half as common in the top quarter as overall = supported.",
            year_data="2019–2022", unit="Spearman rho", label=f"Small scale no obstacle ({m})"))
    return ClaimResult("C022", checks, _measure_summary(checks, ""))


def quality_scores(data_dir=None) -> pd.Series:
    """Mean z-score of RKA's four quality indices 2019–2022 (at least two present)."""
    tidy = load_kpis(list(QUALITY), data_dir)
    tidy = tidy[(tidy["municipality"] != RIKET) & tidy["year"].isin(list(E.YEARS))]
    if tidy.empty:
        raise DataError("No quality indices for 2019–2022")
    tidy = E._standardised(tidy)
    z = tidy.groupby(["municipality", "kpi"])["z"].mean().unstack()
    return z.mean(axis=1).where(z.notna().sum(axis=1) >= 2)


@claim_check(CHAPTER, "C023")
def c023(data_dir) -> ClaimResult:
    sc = scores(data_dir)
    sc["quality"] = quality_scores(data_dir).reindex(sc.index)
    checks = []
    for cc in ("06", "07", "08"):
        part = sc[sc["county_code"] == cc]
        cost, qual = float(part["nka"].mean()), float(part["quality"].mean())
        good = (cost > sc["nka"].mean()) + (qual > sc["quality"].mean())
        checks.append(check_statement(
            "C023", "low_cost_high_quality", f"cost {cost:+.2f}, quality {qual:+.2f}",
            {2: "supported", 1: "partly supported", 0: "not supported"}[int(good)],
            f"{part['county'].iloc[0]} ({len(part)} municipalities): mean net-cost score (N00097, sign flipped) and mean "
            "of RKA's quality indices (U11404, U15401, U17401, U20404), 2019–2022, in national SD. Rule: both better than "
            "the mean of all municipalities = supported, one = partly.", year_data="2019–2022", unit="SD",
            label=f"Low cost and high quality: {part['county'].iloc[0]}"))
    return ClaimResult("C023", checks, "; ".join(f"{c.label.split(': ')[1]}: {c.verdict}" for c in checks) + ".")


@claim_check(CHAPTER, "C145")
def c145(data_dir) -> ClaimResult:
    sc = scores(data_dir)
    climate = E.kpi_means(["U07451"], data_dir)["U07451"]
    checks = []
    for m, label in E.MEASURES.items():
        r = E.spearman(climate, sc[m])
        v = ("supported" if r["rho"] >= 0.5 else "partly supported" if r["rho"] >= 0.3 else
             "contradicted" if r["CI high"] < 0 else "not supported")
        checks.append(check_statement(
            "C145", "strong_correlation", round(r["rho"], 2), v,
            f"{label} against SKR's business-climate index (Insikt, U07451, mean 2019–2022; a survey of firms' "
            f"view of municipal services, not Svenskt Näringsliv's ranking), n = {r['n']}: rho {r['rho']:+.2f} (95 % CI "
            f"{r['CI low']:+.2f} to {r['CI high']:+.2f}). Rule: ≥ 0.5 strong (supported), ≥ 0.3 partly.",
            year_data="2019–2022", unit="Spearman rho", label=f"Business climate and efficiency ({m})"))
    return ClaimResult("C145", checks, _measure_summary(checks, ""))


@claim_check(CHAPTER, "C112")
def c112(data_dir) -> ClaimResult:
    unemp = S.wide("N03920", data_dir)
    tax = S.wide("N00901", data_dir)
    year = int(tax.columns.max())
    u = unemp.mean(axis=1)
    r = E.spearman(u, tax[year])
    check = check_statement(
        "C112", "low_unemployment_low_tax", round(r["rho"], 2),
        "supported" if r["CI low"] > 0 else ("contradicted" if r["CI high"] < 0 else "not supported"),
        f"Spearman correlation of mean unemployment {int(unemp.columns.min())}–{int(unemp.columns.max())} (N03920) with the "
        f"municipal tax rate {year} (N00901), n = {r['n']}: {r['rho']:+.2f} (95 % CI {r['CI low']:+.2f} to "
        f"{r['CI high']:+.2f}). Rule: positive with the CI above zero = supported. Association only.",
        year_data=year, unit="Spearman rho")
    return ClaimResult("C112", [check], f"Rank correlation of unemployment with the tax rate: {r['rho']:+.2f} "
                                        f"({check.verdict}).")


# ------------------------------------------------------------------ sector finances and population
@claim_check(CHAPTER, "C015")
def c015(data_dir) -> ClaimResult:
    res = S.national_total("N03007", data_dir)
    pos = int((res > 0).sum())
    check = check_statement(
        "C015", "direction", f"{pos} of {len(res)} years positive",
        "supported" if pos / len(res) >= 0.9 else ("partly supported" if pos / len(res) >= 0.7 else "not supported"),
        f"Municipalities' combined result (N03007 × population), {int(res.index.min())}–{int(res.index.max())}; lowest "
        f"{res.min():+.1f} bn ({int(res.idxmin())}), highest {res.max():+.1f} bn ({int(res.idxmax())}). Rule: positive in "
        "≥ 90 % of years = supported. Regions are not in the snapshot.", year_data=f"{int(res.index.min())}–{int(res.index.max())}",
        unit="years")
    return ClaimResult("C015", [check], f"The municipalities' combined result was positive in {pos} of {len(res)} years.")


@claim_check(CHAPTER, "C019")
def c019(data_dir) -> ClaimResult:
    g = S.national_total("N03009", data_dir)
    res = S.national_total("N03007", data_dir)
    for s, k in ((g, "N03009"), (res, "N03007")):
        if not {2019, 2020, 2021} <= set(s.index):
            raise DataError(f"{k} lacks 2019–2021")
    gup = (g.loc[2020] / g.loc[2019] - 1) * 100
    prior = g.loc[2015:2019].pct_change().dropna().mean() * 100
    checks = [
        check_statement("C019", "grants_up", round(float(gup), 1), "supported" if gup > 2 * prior else "not supported",
                        f"General grants and equalisation (N03009 × population): {g.loc[2019]:.0f} → {g.loc[2020]:.0f} bn "
                        f"(2021: {g.loc[2021]:.0f}); average yearly growth 2016–2019 {prior:.1f} %. Rule: more than twice the "
                        "previous growth = 'sharply' (supported).", year_data=2020, unit="% change 2019–2020"),
        check_statement("C019", "results_up", f"{res.loc[2019]:.0f} → {res.loc[2020]:.0f} / {res.loc[2021]:.0f} bn",
                        "supported" if min(res.loc[2020], res.loc[2021]) > res.loc[2019] else "not supported",
                        "Municipalities' combined result (N03007 × population). Rule: higher in 2020 and 2021 than in 2019.",
                        year_data="2019–2021", unit="SEK bn"),
        check_statement("C019", "services_down", "not in the snapshot", "not testable",
                        "Volumes of health care, elderly care and social services are not in the snapshot; the causal "
                        "link is not tested."),
    ]
    return ClaimResult("C019", checks, f"Grants changed {gup:+.0f} % in 2020 and the municipalities' result went from "
                                       f"{res.loc[2019]:.0f} to {res.loc[2020]:.0f} bn; reduced services and the causal "
                                       "link are not tested.")


GRANT_BREAKS = {2005: "new equalisation system", 2010: "temporary crisis grants", 2020: "pandemic grants"}


def grant_windows(data_dir=None) -> pd.DataFrame:
    """Change of the grants' share of revenue from each segment start (first year, break years
    before the pandemic) to the last year before the pandemic grants and to the last year."""
    s = S.grants_share(data_dir)["share (%)"].dropna()
    first, last = int(s.index.min()), int(s.index.max())
    pre = max(b for b in GRANT_BREAKS if b <= last) - 1  # the year before the last break
    starts = [first] + [b for b in GRANT_BREAKS if first < b <= pre]
    rows = [{"from": a, "to": b, "start (%)": float(s.loc[a]), "end (%)": float(s.loc[b]),
             "change": float(s.loc[b] - s.loc[a])} for a in starts for b in sorted({pre, last}) if a < b]
    return pd.DataFrame(rows)


def _breaks_text(s: pd.Series) -> str:
    return ", ".join(f"{b} ({why})" for b, why in GRANT_BREAKS.items() if s.index.min() < b <= s.index.max())


@claim_check(CHAPTER, "C038")
def c038(data_dir) -> ClaimResult:
    s = S.grants_share(data_dir)["share (%)"]
    tr = S.trend(s)
    low = int(s.idxmin())
    pre = max(b for b in GRANT_BREAKS if b <= tr["last"]) - 1
    check = check_statement(
        "C038", "increasing", round(tr["slope"], 3), "partly supported" if tr["CI low"] > 0 else "not supported",
        f"General grants and equalisation as a share of revenue: {s.loc[tr['first']]:.1f} % ({tr['first']}), lowest "
        f"{s.loc[low]:.1f} % ({low}), {s.loc[pre]:.1f} % ({pre}), {s.loc[tr['last']]:.1f} % ({tr['last']}); breaks in "
        f"{_breaks_text(s)}. Linear trend over all years {tr['slope']:+.2f} points a year (95 % CI {tr['CI low']:+.2f} to "
        f"{tr['CI high']:+.2f}); across the breaks it summarises levels rather than one process. Rule: a rising trend = "
        "partly supported (that demography drives it is not tested).", year_data=tr["last"], unit="percentage points per year")
    return ClaimResult("C038", [check], (
        f"The grants' share of revenue was {s.loc[tr['first']]:.1f} % in {tr['first']}, {s.loc[low]:.1f} % at its low in "
        f"{low}, {s.loc[pre]:.1f} % in {pre} and {s.loc[tr['last']]:.1f} % in {tr['last']}, with breaks in "
        f"{_breaks_text(s)}; whether it 'increased' depends on the start year (see C163). The demographic cause is not tested."))


@claim_check(CHAPTER, "C163")
def c163(data_dir) -> ClaimResult:
    s = S.grants_share(data_dir)["share (%)"]
    last = int(s.index.max())
    win = grant_windows(data_dir)
    up = int((win["change"] > 0).sum())
    text = "; ".join(f"{int(r['from'])}→{int(r['to'])} {r['change']:+.1f}" for _, r in win.iterrows())
    checks = [
        check_value("C163", "share_16", float(s.loc[last]), last, SHARE_TOL,
                    note="General grants and equalisation (N03009) over tax (N03010) + grants + operating revenue "
                         "(N03013 − N03011), sector totals; targeted grants are inside operating revenue."),
        check_statement("C163", "increased", f"{up} of {len(win)} windows up",
                        "supported" if up == len(win) else ("not supported" if up == 0 else "partly supported"),
                        f"Change of the share from the first year and from each break year ({_breaks_text(s)}) to the "
                        f"year before the pandemic grants and to {last}, in percentage points: {text}. Rule: up from every "
                        "start = supported; the sign depends on the start year = partly supported; down from every start "
                        "= not supported.", year_data=last, unit="windows"),
    ]
    reading = ("so whether it 'increased over time' depends on the start year" if 0 < up < len(win) else
               "from every start" if up else "so it did not increase from any start")
    return ClaimResult("C163", checks, f"{s.loc[last]:.1f} % in {last}; the share rose in {up} of {len(win)} windows "
                                       f"({text}), {reading}.")


@claim_check(CHAPTER, "C092")
def c092(data_dir) -> ClaimResult:
    pub = claims.published("C092", "costs_2024")
    cost = S.national_total("N03013", data_dir)
    last = int(cost.index.max())
    target = int(pub.year)
    idx = P.price_index()["printed total"]
    years = list(range(last + 1, target + 1))
    if not set(years) <= {int(y) for y in idx.index}:
        raise DataError(f"Tabell 1 does not cover {years}")
    prices = float(np.prod([1 + float(idx.loc[y]) / 100 for y in years]))
    at_prices = float(cost.loc[last] * prices)
    growth = float((cost.loc[last] / cost.loc[last - 5]) ** (1 / 5) - 1)
    trend = float(cost.loc[last] * (1 + growth) ** (target - last))
    factors = " × ".join(f"{1 + float(idx.loc[y]) / 100:.3f}" for y in years)
    checks = [
        check_value("C092", "costs_2024", at_prices, last,
                    label="Municipal costs, last year in the data carried forward with Tabell 1's price index",
                    note=f"Verksamhetens kostnader (N03013 × population) {cost.loc[last]:.0f} bn in {last} × {factors} "
                         f"(document 003's Tabell 1, {years[0]}–{years[-1]}) = {at_prices:.0f} bn: the printed figure is what "
                         f"unchanged volume at the document's own price index gives ({pub.value:g} / {at_prices:.0f} = "
                         f"{float(pub.value) / at_prices:.3f}). The nominal {last - 5}–{last} growth rate ({growth:.1%} a "
                         f"year) would give {trend:.0f} bn, but it ignores the price surge of {years[0]}–{years[-1]}. "
                         "A projection, not a measurement."),
        check_statement("C092", "share_60", "not in the snapshot", "not testable",
                        "Gross costs of schooling, childcare, elderly care and LSS as national totals are not in the snapshot."),
    ]
    return ClaimResult("C092", checks, f"{cost.loc[last]:.0f} bn in {last}; carried forward with Tabell 1's price index "
                                       f"about {at_prices:.0f} bn in {target} (flat volume; {trend:.0f} bn at the "
                                       f"{last - 5}–{last} nominal growth rate) against {pub.value:g} printed.")


@claim_check(CHAPTER, "C029")
def c029(data_dir) -> ClaimResult:
    n = len(municipalities(data_dir))
    reg_file = snapshot_root(data_dir) / "raw/kolada/open-numbers-ddf-kolada-dump/ddf--entities--geo--region.csv"
    if not reg_file.is_file():
        raise DataError(f"Region list not found: {reg_file}")
    regions = pd.read_csv(reg_file, dtype=str, keep_default_na=False)
    checks = [
        check_value("C029", "municipalities", n, 2022, COUNT_TOL, note="Kolada's municipality list (SCB codes)."),
        check_statement("C029", "regions", len(regions),
                        "supported" if len(regions) == claims.published("C029", "regions").value else "partly supported",
                        f"Kolada lists {len(regions)} regions, Region Gotland among them, a municipality with regional "
                        "tasks. Rule: the same count = supported; 20 is right only if Gotland is counted as a municipality "
                        "(partly supported).", year_data=2022, unit="regions"),
    ]
    return ClaimResult("C029", checks, f"{n} municipalities and {len(regions)} regions including Gotland.")


@claim_check(CHAPTER, "C043")
def c043(data_dir) -> ClaimResult:
    ch = S.population_change(2004, 2014, data_dir)
    ch5 = S.population_change(2009, 2014, data_dir)
    nm = names(data_dir)
    big = [resolve(n, data_dir) for n in ("Stockholm", "Göteborg", "Malmö")]
    grew = [c for c in big if ch.loc[c, "change"] > 0]
    dec, dec5 = int((ch["change"] < 0).sum()), int((ch5["change"] < 0).sum())
    checks = [
        check_statement("C043", "big_three_grow", ", ".join(f"{nm[c]} {ch.loc[c, 'change (%)']:+.1f} %" for c in big),
                        "supported" if len(grew) == 3 else "not supported", "Population change 2004–2014 (N01951). "
                        "Rule: all three grew.", year_data=2014, unit="% change 2004–2014"),
        check_statement("C043", "majority_decline", f"{dec} of {len(ch)}",
                        "supported" if dec > len(ch) / 2 else ("contradicted" if dec < len(ch) / 2 else "not supported"),
                        f"Municipalities with fewer inhabitants in 2014 than in 2004 ({dec5} of {len(ch5)} over 2009–2014). "
                        "More than half = supported; fewer than half (most grew) = contradicted.", year_data=2014,
                        unit="municipalities"),
    ]
    return ClaimResult("C043", checks, f"{'All' if len(grew) == 3 else len(grew)} of the three big cities grew; {dec} of {len(ch)} municipalities "
                                       f"shrank over 2004–2014 ({dec / len(ch):.0%}).")


def _declining(cid: str, name: str, data_dir) -> ClaimResult:
    code = resolve(name, data_dir)
    ch = S.population_change(2004, 2014, data_dir).loc[code]
    check = check_statement(cid, "declining", f"{ch[2004]:,.0f} → {ch[2014]:,.0f} ({ch['change (%)']:+.1f} %)",
                            "supported" if ch["change"] < 0 else ("contradicted" if ch["change"] > 0 else "not supported"),
                            f"{name}'s population 2004–2014 (N01951). Fewer inhabitants in 2014 = supported; more = "
                            "contradicted (the population grew).",
                            year_data=2014, unit="inhabitants")
    return ClaimResult(cid, [check], f"{name}: {ch[2004]:,.0f} inhabitants in 2004, {ch[2014]:,.0f} in 2014.")


@claim_check(CHAPTER, "C048")
def c048(data_dir) -> ClaimResult:
    r = _declining("C048", "Lidköping", data_dir)
    r.checks.append(check_statement("C048", "declining", "not tested", "not testable",
                                    "The shift of resources from school to elderly care and childcare needs area costs "
                                    "not in the snapshot.", label="Resources shift from school to elderly care"))
    r.verdict = claims.claim_verdict("C048", r.checks)
    return r


@claim_check(CHAPTER, "C052")
def c052(data_dir) -> ClaimResult:
    return _declining("C052", "Vara", data_dir)


@claim_check(CHAPTER, "C044")
def c044(data_dir) -> ClaimResult:
    checks = []
    for kpi, label, up in (("N01960", "Share aged 65+", True), ("N01961", "Share aged 20–64", False),
                           ("N01813", "Share aged 80+", True)):
        s = S.weighted_share(kpi, data_dir)
        if not {2004, 2014} <= set(s.index):
            raise DataError(f"{kpi} lacks 2004 or 2014")
        d = float(s.loc[2014] - s.loc[2004])
        checks.append(check_statement(
            "C044", "older", round(d, 2), "supported" if (d > 0) == up else ("contradicted" if d != 0 else "not supported"),
            f"{label} (population-weighted, Kolada {kpi}): {s.loc[2004]:.2f} % (2004) → {s.loc[2014]:.2f} % (2014). "
            + ("Rising" if up else "Falling") + " = supported; the other direction = contradicted.", year_data=2014,
            unit="percentage points",
            label=f"{label}, 2004–2014"))
    return ClaimResult("C044", checks, "The 65+ share rose and the 20–64 share fell, but the 80+ share (the main users "
                                       "of elderly care) fell over 2004–2014." if checks[2].verdict != "supported" else
                       "The population aged over the decade before 2014.")


# ------------------------------------------------------------------ Nacka, Orust
@claim_check(CHAPTER, "C094")
def c094(data_dir) -> ClaimResult:
    nacka = resolve("Nacka", data_dir)
    msek, pct = S.wide("N15045", data_dir), S.wide("N15001", data_dir)
    last = int(min(msek.columns.max(), pct.columns.max()))
    r_m = int(msek[last].rank(method="min").loc[nacka])
    r_p = int(pct[last].rank(method="min").loc[nacka])
    s = msek.loc[nacka, 2015:last]
    tr = S.trend(s)
    checks = [
        check_value("C094", "rank_msek", r_m, last, COUNT_TOL, note="Rank of Nacka's net cost deviation in compulsory "
                    f"school in MSEK (N15045) among {int(msek[last].notna().sum())} municipalities, 1 = most negative. "
                    "MSEK ranks favour large municipalities."),
        check_value("C094", "rank_pct", r_p, last, COUNT_TOL, note="Rank in % of the reference cost (N15001)."),
        check_statement("C094", "growing", round(tr["slope"], 1), "supported" if tr["CI high"] < 0 else "not supported",
                        f"Nacka's N15045 {tr['first']}–{tr['last']}: {s.iloc[0]:.0f} → {s.iloc[-1]:.0f} MSEK; trend "
                        f"{tr['slope']:+.1f} MSEK a year (95 % CI {tr['CI low']:+.1f} to {tr['CI high']:+.1f}). Rule: a "
                        "deviation growing more negative with the CI below zero = supported (2019 method change inside).",
                        year_data=tr["last"], unit="MSEK per year"),
    ]
    return ClaimResult("C094", checks, f"In {last} Nacka ranks {r_m} in MSEK and {r_p} in %, and its saving grew from "
                                       f"{abs(s.iloc[0]):.0f} to {abs(s.iloc[-1]):.0f} MSEK; 2024 is not in the snapshot.")


@claim_check(CHAPTER, "C095")
def c095(data_dir) -> ClaimResult:
    nacka = resolve("Nacka", data_dir)
    t = load_kpis("N15027", data_dir)
    t = t[t["municipality"].isin([nacka, RIKET])].pivot(index="year", columns="municipality", values="value").dropna()
    if t.empty:
        raise DataError("No N15027 for Nacka and Riket in a common year")
    y = int(t.index.max())
    ratio = float(t.loc[y, nacka] / t.loc[y, RIKET])
    check = check_statement(
        "C095", "voucher_above", round(ratio, 2), "not testable",
        f"The school voucher (grundbelopp) and teacher salaries are not in the snapshot. For context: Nacka's total cost per "
        f"pupil (N15027, {y}) is {ratio:.0%} of the national level — the document says costs other than the voucher were "
        "kept down, so this does not test the voucher.", year_data=y, unit="ratio to Riket")
    return ClaimResult("C095", [check], f"Not testable: the voucher is not in the data; Nacka's total cost per pupil is "
                                        f"{ratio:.0%} of the national level ({y}).")


@claim_check(CHAPTER, "C097")
def c097(data_dir) -> ClaimResult:
    nacka = resolve("Nacka", data_dir)
    try:
        t = load_kpis(NACKA_KPI, data_dir)
    except UnknownKPIError:  # in the catalogue, not in the snapshot: only `make data` can fetch it
        return ClaimResult("C097", [], f"Not testable from the snapshot: {NACKA_KPI} (the table's KPI, home municipality) "
                                       "is only in the live Kolada API; `make data` fetches it.", verdict="not testable")
    s = t[t["municipality"] == nacka].set_index("year")["value"]
    printed = P.nacka_grades()
    checks = []
    for y in printed.index:
        key = f"share_{y}"
        if y in s.index:
            checks.append(check_value("C097", key, float(s.loc[y]), int(y), SHARE_TOL, note=f"Kolada {NACKA_KPI}, Nacka."))
        else:
            checks.append(check_statement("C097", key, "no value", "not testable", f"{NACKA_KPI} has no value for {y}."))
    return ClaimResult("C097", checks, f"Nacka's shares as printed against Kolada {NACKA_KPI}.")


@claim_check(CHAPTER, "C091")
def c091(data_dir) -> ClaimResult:
    orust = resolve("Orust", data_dir)
    s = S.wide("N05010", data_dir).loc[orust].dropna()
    last = int(s.index.max())
    ratio = float(s.loc[last] / s.loc[2018])
    check = check_value("C091", "halved", ratio, last,
                        note=f"Orust's cost of political activity (N05010, kr/inv) {s.loc[2018]:.0f} (2018) → {s.loc[last]:.0f} "
                             f"({last}). A halving after {last} cannot be seen in the snapshot.")
    result = ClaimResult("C091", [check], "")
    later = "no fall" if ratio >= 0.95 else f"a change to {ratio:.2f} times the 2018 level"
    result.summary = (f"Context only: {later} by {last} (ratio {ratio:.2f} to 2018); the claim is about a later year, "
                      "which is not in the snapshot." if last < int(claims.published("C091", "halved").year) else
                      f"Orust's political cost per inhabitant was {ratio:.2f} times its 2018 level in {last}.")
    return result


@claim_check(CHAPTER, "C116")
def c116(data_dir) -> ClaimResult:
    path = snapshot_root(data_dir) / "raw/kolada/open-numbers-ddf-kolada-dump/ddf--concepts.csv"
    if not path.is_file():
        raise DataError(f"Kolada concept list not found: {path}")
    con = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("concept")
    text = con.loc["n30001", "description"]
    has_ref = "referenskostnad" in text.lower()
    has_sign = "Positiva värden indikerar högre kostnadsläge" in text
    check = check_statement(
        "C116", "definition", f"reference cost: {'yes' if has_ref else 'no'}; sign: {'yes' if has_sign else 'no'}",
        "supported" if has_ref and has_sign else "not supported",
        "Kolada's description of N30001 (net cost deviation, individual and family care): deviation between net cost and a "
        "reference cost from structural variables; 'Positiva värden indikerar högre kostnadsläge än statistiskt förväntat'. "
        "Rule: both elements present = supported.", unit="definition")
    return ClaimResult("C116", [check], "The definition " + ("agrees" if check.verdict == "supported" else "does not agree")
                       + " with Kolada's own description of the KPI.")




def evaluate(data_dir=None) -> list[ClaimResult]:
    """Every claim of the chapter (the notebook and the command line call this)."""
    snapshot_root(data_dir)  # a missing snapshot fails here, with the instructions
    return registry.evaluate(CHAPTER, data_dir, post=_cap_year)


def _cap_year(result: ClaimResult) -> ClaimResult:
    """Rule year-mismatch for every check of the chapter (statement checks included); the
    claim's verdict is then recomputed from its checks by the rulebook."""
    before = result.verdict
    for c in result.checks:
        claims.cap_year(c)
    result.verdict = claims.claim_verdict(result.id, result.checks)
    if result.verdict != before:
        result.summary += (f" The data are from another year than the claim, so the verdict is {result.verdict} "
                           f"rather than {before}.")
    return result


# ------------------------------------------------------------------ tables for the chapter text
def tax_rows_table(data_dir=None) -> pd.DataFrame:
    """The 59 printed rows: printed rates, the data's rates, and each row's status."""
    tc = tax_check(data_dir)
    c = tc.comparison
    printed = c.pivot(index="code", columns="year", values="printed").add_prefix("printed ")
    data = c.pivot(index="code", columns="year", values="data").add_prefix("data ")
    out = tc.rows.set_index("code")[["table", "name", "status"]].join(printed).join(data)
    out = out.join(tc.burden.set_index("code")[["total change (data)"]])
    out.columns = [str(x) for x in out.columns]
    return out.reset_index().rename(columns={"code": "code", "name": "municipality"})


def backtest_summary(data_dir=None) -> tuple[pd.DataFrame, int, int]:
    """Where the derivation, anchored on the first rate file, misses Kolada's N00901:
    one row per county and year of first miss. Returns (table, exact, compared)."""
    bt = T.real_backtest(data_dir)
    bad = bt[bt["difference"].abs() >= P.RATE_TOL]
    first = bad.sort_values("year").groupby("municipality").first().reset_index()
    meta = municipalities(data_dir).drop_duplicates("county_code").set_index("county_code")["county"]
    tot = T.load_total_rates(data_dir).pivot(index="municipality", columns="year", values="total")
    kol = T.kolada_municipal_rates(data_dir)
    cty = T.county_of(data_dir)
    rows = []
    for (cc, y), g in first.groupby(["county", "year"]):
        members = cty.index[cty == cc]
        d_kol = (kol.loc[members, y] - kol.loc[members, y - 1]).round(2)
        d_tot = (tot.loc[members, y] - tot.loc[members, y - 1]).round(2)
        common_kol = float(d_kol.mode().iloc[0])
        reading = ("municipal rates moved together: a tax swap with the region" if abs(common_kol) > P.RATE_TOL
                   else "the two sources date this municipality's change differently")
        rows.append({"county": meta[cc], "year": int(y), "municipalities missed": len(g),
                     "of": len(members), "error (derived − N00901)": ", ".join(sorted({f"{v:+.2f}" for v in g["difference"]})),
                     "most common change of N00901": common_kol,
                     "most common change of the total": float(d_tot.mode().iloc[0]), "reading": reading})
    exact = int((bt["difference"].abs() < P.RATE_TOL).sum())
    return pd.DataFrame(rows), exact, len(bt)


def regional_table(data_dir=None) -> pd.DataFrame:
    """Inferred regional rate per county from the anchor year on, with the weakest agreeing share."""
    reg = T.regional_rates(data_dir)
    a = T.anchor_year(data_dir)
    reg = reg[reg["year"] >= a]
    meta = municipalities(data_dir).drop_duplicates("county_code").set_index("county_code")["county"]
    wide_ = reg.pivot(index="county", columns="year", values="regional")
    wide_.columns = [str(c) for c in wide_.columns]
    later = reg[reg["year"] > a]
    wide_["lowest agreeing share"] = later.groupby("county")["agreeing share"].min()
    wide_["ties"] = later.groupby("county")["tie"].sum().astype(int)
    wide_.index = [meta[c] for c in wide_.index]
    return wide_.reset_index().rename(columns={"index": "county"})


def completeness_table(data_dir=None) -> pd.DataFrame:
    """Municipalities missing from, or wrongly in, the printed tables (with their rates)."""
    tc = tax_check(data_dir)
    comp = tc.completeness.copy()
    rates = tc.rates[[2022, 2023, 2024, 2025]].round(2)
    rates.columns = [str(c) for c in rates.columns]
    return comp.join(rates, on="code")


def savings_table(data_dir=None) -> pd.DataFrame:
    """The potential of 2019 and 2023 in nominal, real and real-per-inhabitant terms."""
    a = potential_arithmetic(data_dir)
    rows = [("nominal (as printed)", a["p19"], a["p23"], a["nominal"]),
            ("in 2019 prices", a["p19"], a["p23"] / a["price level"], a["real"]),
            ("in 2019 prices per inhabitant (index)", 100.0, 100 * a["real per inhabitant"], a["real per inhabitant"])]
    return pd.DataFrame([{"measure": m, "2019": x, "2023": y, "change (%)": (r - 1) * 100} for m, x, y, r in rows])
