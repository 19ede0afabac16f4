"""printed-tables: claims on document 003's tax tables."""

from __future__ import annotations

import pandas as pd

from ...errors import DataError
from ...rules import claims
from ...rules.claims import ClaimResult, check_statement, check_value
from ...rules.registry import claim_check
from ...sources import seed_tables as P
from ...sources import taxes as T
from ...sources.municipalities import municipalities, names, resolve
from .design import CHAPTER, COUNT_TOL, PRICE_TOL, RATE_TOL, _names_list, tax_check


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
