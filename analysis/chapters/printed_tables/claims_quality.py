"""printed-tables: claims on document 001's efficiency and quality."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...methods import efficiency_groups as E
from ...rules import claims
from ...rules.claims import ClaimResult, check_statement, check_value
from ...rules.registry import claim_check
from ...sources import sector as S
from ...sources.kolada import RIKET, load_kpis
from ...sources.municipalities import municipalities
from .claims_structure import _measure_summary
from .design import CHAPTER, COUNT_TOL, QUALITY, population, scores


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
    """Mean z-score of RKA's four quality indices 2019–2022 (at least two present), in the book's
    unit for a score (efficiency_groups.SD_UNIT)."""
    tidy = load_kpis(list(QUALITY), data_dir)
    tidy = tidy[(tidy["municipality"] != RIKET) & tidy["year"].isin(list(E.YEARS))]
    if tidy.empty:
        raise DataError("No quality indices for 2019–2022")
    tidy = E._standardised(tidy)
    z = tidy.groupby(["municipality", "kpi"])["z"].mean().unstack()
    return E.unit_sd(z.mean(axis=1).where(z.notna().sum(axis=1) >= 2))


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
            f"of RKA's quality indices (U11404, U15401, U17401, U20404), 2019–2022, in {E.SD_UNIT}. Rule: both better than "
            "the mean of all municipalities = supported, one = partly.", year_data="2019–2022", unit=E.SD_SHORT,
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
