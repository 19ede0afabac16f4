"""printed-tables: claims on sector finances and population."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...rules import claims
from ...rules.claims import ClaimResult, check_statement, check_value
from ...rules.registry import claim_check
from ...sources import kolada
from ...sources import sector as S
from ...sources import seed_tables as P
from ...sources.municipalities import municipalities, names, resolve
from .design import CHAPTER, COUNT_TOL, SHARE_TOL


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
    regions = kolada.regions(data_dir)
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
