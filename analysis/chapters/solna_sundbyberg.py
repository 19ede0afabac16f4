"""Chapter 'solna-sundbyberg': the ★b claims of document 003 (and C165 of document 004).

``evaluate(data_dir)`` is the single implementation of every verdict of the chapter;
the notebook calls it once and narrates, the command line calls the same function.
The heavier pieces (matching, synthetic comparison, placebo runs) are computed once in
:func:`design` and shared by the claims that need them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ..config import data_dir as resolve_data_dir
from ..errors import DataError
from ..methods import matching as M
from ..methods import solna as S
from ..rules import claims, registry
from ..rules import rulebook as RB
from ..rules.claims import ClaimResult, Tolerance, check_statement, check_value
from ..rules.registry import claim_check
from ..sources.kolada import RIKET
from ..sources.municipalities import municipalities, names

CHAPTER = "solna-sundbyberg"
TITLE = "Solna versus Sundbyberg"

# Tolerances are the rulebook's policies for each kind of number (analysis/rules/rulebook.py).
LEVEL_TOL = RB.tolerance("level")
NKA_TOL = RB.tolerance("change")  # net cost deviations (percentage points)
RATE_TOL = RB.tolerance("rate")
K_NEIGHBOURS = 20
OUTCOME_LIKE = ("N03920", "N00905")  # unemployment and income: possibly affected by the policy itself
PRE_END = 2002  # the synthetic comparison is fitted up to here ("över 20 år" before 2025)
PROXY_RULE = ("Rule for proxies (C122, C123, C125, C165): when the claimed measure is not in the data, a proxy alone "
              "gives 'not testable' and is shown as context only, whether or not it agrees.")
P_THRESHOLD = RB.ALPHA  # the rulebook's significance level (one-sided placebo p)
ASSISTANCE_KPIS = ("N31001", "N31004", "N31008")
SYNTH_OUTCOMES = {"N31807": range(1994, 2023), "N31004": range(1995, 2023)}
NKA_AREAS = {
    "N00097": "total (excl. LSS)",
    "N30001": "individual and family care (IFO)",
    "N20900": "elderly care",
    "N15001": "compulsory school",
    "N17001": "upper secondary school",
    "N11024": "preschool",
    "N13020": "school-age childcare",
}


# ------------------------------------------------------------------ shared design
@dataclass
class Synthetic:
    """One outcome's synthetic comparison for Solna, fitted on logs (relative differences:
    the national level fell steeply and donors sit at very different levels)."""

    kpi: str
    panel: pd.DataFrame  # year × unit in levels (Solna first), donors = nearest neighbours
    weights: pd.Series
    synthetic: pd.Series  # levels: exp of the weighted mean of the donors' logs
    gap: pd.Series  # log points: log(Solna) − log(synthetic)
    rmspe_pre: float  # log points
    placebo: M.Placebo
    cov_weights: pd.Series
    cov_synthetic: pd.Series  # levels
    sundbyberg: pd.Series
    departure: int | None
    sundbyberg_rmspe_pre: float  # log points: how closely Sundbyberg itself tracked Solna before the event

    def last(self) -> int:
        return int(self.panel.index.max())

    def gap_pct(self, year: int) -> float:
        """Solna relative to its synthetic comparison, in % (exp(gap) − 1)."""
        return float(np.expm1(self.gap.loc[year]) * 100)


@dataclass
class Design:
    covariates: pd.DataFrame
    neighbours: pd.DataFrame  # k nearest (Sundbyberg excluded from the donor pool)
    sundbyberg_rank: tuple[int, float, int]
    sundbyberg_rank_mahalanobis: tuple[int, float, int]


def _synthetic(kpi: str, years, donors: list[str], X: pd.DataFrame, data_dir) -> Synthetic:
    panel = M.outcome_panel(kpi, [S.SOLNA, *donors], years, data_dir)
    if (panel <= 0).any().any():
        raise DataError(f"{kpi}: non-positive values cannot enter the log synthetic comparison")
    logs = np.log(panel)
    pre = [y for y in panel.index if y <= PRE_END]
    weights, synth_log = M.synthetic_path(logs, S.SOLNA, pre)
    gap = logs[S.SOLNA] - synth_log
    rmspe_pre = M.rmspe(gap.loc[pre])
    placebo = M.placebo_test(logs, S.SOLNA, pre)
    donors_used = [c for c in panel.columns if c != S.SOLNA]
    cov_w = M.covariate_weights(X, S.SOLNA, donors_used)
    cov_synth = np.exp(logs[donors_used] @ cov_w).rename("synthetic (covariates)")
    sund = S.series_of(kpi, S.SUNDBYBERG, data_dir).reindex(panel.index)
    departure = M.departure_year(gap, band=2 * rmspe_pre, start=PRE_END + 1)
    sund_pre = (logs[S.SOLNA] - np.log(sund)).loc[pre].dropna()
    if sund_pre.empty:
        raise DataError(f"No pre-period values of {kpi} for Sundbyberg")
    return Synthetic(kpi, panel, weights, np.exp(synth_log).rename("synthetic"), gap, rmspe_pre, placebo, cov_w,
                     cov_synth, sund, departure, M.rmspe(sund_pre))


@lru_cache(maxsize=2)
def _design(root: str) -> Design:
    X = M.covariate_frame(data_dir=root)
    nn = M.nearest_neighbours(X, S.SOLNA, k=K_NEIGHBOURS, exclude=[S.SUNDBYBERG])
    return Design(X, nn, M.rank_of(X, S.SOLNA, S.SUNDBYBERG), M.rank_of(X, S.SOLNA, S.SUNDBYBERG, "mahalanobis"))


@lru_cache(maxsize=4)
def _synth(root: str, kpi: str) -> Synthetic:
    d = _design(root)
    return _synthetic(kpi, SYNTH_OUTCOMES[kpi], list(d.neighbours.index), d.covariates, root)


def design(data_dir=None) -> Design:
    """Matching of Solna to its structural neighbours (computed once per data folder)."""
    return _design(str(resolve_data_dir(data_dir)))


def synthetic(kpi: str, data_dir=None) -> Synthetic:
    """Synthetic comparison and placebo runs for one outcome (computed once per data folder)."""
    if kpi not in SYNTH_OUTCOMES:
        raise KeyError(f"No synthetic comparison defined for {kpi}; choose from {sorted(SYNTH_OUTCOMES)}")
    return _synth(str(resolve_data_dir(data_dir)), kpi)


def _name(code: str, data_dir=None) -> str:
    return names(data_dir)[code]


def _gap_years(pub_year, data_year) -> int:
    return 0 if pub_year is None else max(int(pub_year) - int(data_year), 0)


def _drift_note(gap: int, since: int | None = None, n_changes: int | None = None) -> str:
    if gap <= 0:
        return ""
    where = (f"since the {since} change of the cost-equalisation method (so no change spans the method break"
             + (f"; {n_changes} such changes exist" if n_changes is not None else "") + ")"
             if since else "over its last 10 years")
    return (f"Rule year-drift: tolerance widened by the median of the series' own {gap}-year changes {where}, so a "
            "match means 'consistent with the latest data', not 'verified'.")


def _drift(s: pd.Series, gap: int, base: Tolerance, kpi: str, relative: bool = True) -> tuple[Tolerance, str]:
    """Drift tolerance and its note; net cost deviations use only years of the current method."""
    since = S.NKA_BREAK_YEAR if kpi in S.NKA_KPIS else None
    tol = RB.widen_for_drift(base, S.typical_change(s, gap, relative=relative, since=since,
                                                    min_changes=2 if since else 3), relative)
    n = None
    if since and gap > 0:
        yrs = s.dropna().index
        n = sum(1 for t in yrs if t >= since + gap and t - gap in yrs)
    return tol, _drift_note(gap, since, n)


def _finish(check, tol: Tolerance, relative: bool, gap: int):
    """Label percentage-point tolerances as pp, and make a check whose tolerance is at least the printed
    value's own size 'not testable' (it could not fail: even zero would match)."""
    if not relative and check.unit.strip() == "%":
        check.note = re.sub(r"Tolerance ±([0-9.]+) % \((\w+)\)\.", r"Tolerance ±\1 pp (percentage points; \2).",
                            check.note)
    pub = float(check.published)
    if gap > 0 and RB.cannot_fail(tol, pub):
        claims.cap_check(check, RB.NOT_TESTABLE, "cannot-fail",
                         f"at this distance the tolerance ({tol.limit(pub):.2f}) is at least the printed value's own size "
                         f"({abs(pub):g}), so even zero would match; the check cannot discriminate.")
    return check


def _level_check(cid, key, kpi, code, data_dir, base=LEVEL_TOL, relative=True, note="", label=None):
    """A published level against a KPI value (latest year when the claim is later)."""
    pub = claims.published(cid, key)
    value, year = S.value_for_claim(kpi, code, pub.year, data_dir)
    gap = _gap_years(pub.year, year)
    tol, dnote = _drift(S.series_of(kpi, code, data_dir), gap, base, kpi, relative=relative)
    text = " ".join(t for t in (f"Kolada {kpi}, {_name(code, data_dir)}.", dnote, note) if t)
    return _finish(check_value(cid, key, value, year, tol, note=text, label=label), tol, relative, gap)


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


def _synth_summary(sy: Synthetic) -> str:
    last = sy.last()
    return (f"{sy.kpi} {last}: Solna {sy.panel.loc[last, S.SOLNA]:.2f}, synthetic {sy.synthetic.loc[last]:.2f} "
            f"({sy.gap_pct(last):+.0f} %; weights fitted on logs {int(sy.panel.index.min())}–{PRE_END}, pre-period "
            f"RMSPE {sy.rmspe_pre:.3f} log points); placebo p = {sy.placebo.p_value:.2f} on the post/pre RMSPE ratio "
            f"(rank {sy.placebo.rank} of {len(sy.placebo.ratios)}); one-sided p = {sy.placebo.p_below:.2f} on the mean "
            f"post-{PRE_END} gap among the {sy.placebo.n_below} units fitted at least half as well")


def _departure_rule(sy: Synthetic) -> tuple[str, str, dict]:
    """Rule directional-test on Solna's mean post-period gap, capped at partly supported (a
    comparison of one municipality cannot attribute a gap to a policy)."""
    post_gap = float(sy.gap.loc[sy.gap.index > PRE_END].mean())
    n = sy.placebo.n_below
    p_claimed = sy.placebo.p_below
    p_opposite = 1 - p_claimed + 1 / n  # the treated unit counts on both sides

    def decide(alpha: float) -> str:
        return RB.directional_test(post_gap < 0, p_claimed, p_opposite, alpha, cap=RB.PARTLY, n_units=n)

    verdict = decide(RB.ALPHA)
    rule = (f"Rule directional-test (α = {RB.ALPHA:g}, one-sided, capped at partly supported): Solna's mean "
            f"post-{PRE_END} gap {post_gap:+.2f} log points; one-sided placebo p = {p_claimed:.2f} among the {n} units "
            f"fitted at least half as well (smallest attainable p {1 / n:.2f}); the post/pre RMSPE ratio p = "
            f"{sy.placebo.p_value:.2f} is reported as context. Never more than partly supported: the design cannot "
            "attribute the gap to policy.")
    return verdict, rule, RB.alpha_alternatives(decide)


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
    verdict, rule, alts = _departure_rule(sy)
    last = sy.last()
    above = outranking_units(sy, data_dir)
    check = check_statement("C065", "b_solna_reduction", round(sy.gap_pct(last), 1), verdict,
                            f"{rule} Solna part: paid assistance per inhabitant (N31004) against a synthetic Solna from "
                            f"{donor_text('N31004', data_dir)}. {_synth_summary(sy)}. Placebo units with a ratio at "
                            f"least Solna's: {', '.join(above) or 'none'}.",
                            year_data=last, unit="% vs synthetic Solna", rule="directional-test", alternatives=alts)
    p = sy.placebo.p_value
    if verdict == "not testable":
        standing = (f"cannot be judged at the {P_THRESHOLD:.2f} level: with {sy.placebo.n_below} well-fitted placebo "
                    f"units the smallest attainable one-sided p is {1 / sy.placebo.n_below:.2f}")
    elif sy.placebo.p_below <= P_THRESHOLD:
        standing = f"stands out at the {P_THRESHOLD:.2f} level among placebo runs"
    else:
        standing = f"does not stand out at the {P_THRESHOLD:.2f} level among placebo runs"
    return ClaimResult("C065", [check], f"Solna part: paid assistance is {abs(sy.gap_pct(last)):.0f} % "
                       f"{'below' if sy.gap_pct(last) < 0 else 'above'} its synthetic comparison in {last}; the departure "
                       f"{standing} (p = {p:.2f}, rank {sy.placebo.rank} of {len(sy.placebo.ratios)}; one-sided p = "
                       f"{sy.placebo.p_below:.2f}) and could not be attributed to the work line in any case.")


@claim_check(CHAPTER, "C066")
def c066(data_dir) -> ClaimResult:
    d = design(data_dir)
    sy = synthetic("N31807", data_dir)
    verdict, rule, alts = _departure_rule(sy)
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


# ------------------------------------------------------------------ tables and figures for the chapter
PRINTED_ASSISTANCE = (("C120", "cost_1998", S.SOLNA), ("C120", "cost_2018", S.SOLNA),
                      ("C121", "solna_2024", S.SOLNA), ("C121", "riket_2024", RIKET))
MEASURE_NAMES = {"N31001": "gross cost (N31001)", "N31004": "paid-out assistance (N31004)",
                 "N31008": "net cost (N31008)"}


def measures_table(data_dir=None) -> pd.DataFrame:
    """For each printed assistance figure: the three measures in the claimed (or latest) year,
    the closest one and whether it matches within the check's tolerance."""
    rows = []
    for cid, key, code in PRINTED_ASSISTANCE:
        pub = claims.published(cid, key)
        cand = S.candidate_values(ASSISTANCE_KPIS, code, pub.year, data_dir)
        values = dict(zip(cand["kpi"], cand["value"]))
        best, _, rel = S.closest_kpi(values, float(pub.value))
        kpi = best
        gap = _gap_years(pub.year, int(cand.loc[cand["kpi"] == kpi, "year"].iloc[0]))
        tol, _ = _drift(S.series_of(kpi, code, data_dir), gap, LEVEL_TOL, kpi)
        within = abs(values[kpi] - float(pub.value)) <= tol.limit(float(pub.value))
        rows.append({"claim": cid, "printed": f"{pub.value} ({pub.year})", "where": _name(code, data_dir),
                     "data year": int(cand["year"].max()), **{k: round(v, 1) for k, v in values.items()},
                     "closest": best, "difference": f"{rel:+.1%}", "within tolerance": "yes" if within else "no"})
    return pd.DataFrame(rows)


def measures_sentence(data_dir=None) -> str:
    """Which measure each printed figure is closest to, built from :func:`measures_table`."""
    m = measures_table(data_dir)
    parts = []
    for r in m.to_dict("records"):
        txt = f"{r['where']} {r['printed']} → {MEASURE_NAMES[r['closest']]}, {r['difference']}"
        if r["within tolerance"] == "no":
            txt += ", outside the tolerance, so it matches none of the three measures"
        parts.append(txt)
    solna = m[m["claim"] == "C120"]
    text = "The closest measure differs between the printed figures: " + "; ".join(parts) + "."
    if solna["closest"].nunique() > 1:
        text += (f" The printed {' → '.join(solna['printed'])} series for Solna thus sets "
                 f"{' against '.join(MEASURE_NAMES[k] for k in solna['closest'])}: different measures, so the fall it "
                 "shows is not the fall of any one measure.")
    return text


def tax_table(data_dir=None) -> pd.DataFrame:
    """Total, regional and municipal tax rate by year for Solna and Sundbyberg."""
    frames = []
    for code in (S.SOLNA, S.SUNDBYBERG):
        r = S.derived_municipal_rates(code, data_dir)
        frames.append(r.assign(municipality=_name(code, data_dir)))
    out = pd.concat(frames, ignore_index=True)
    return out[["municipality", "year", "total", "region", "municipal (derived)", "municipal (Kolada N00901)",
                "agreeing share"]]


def neighbours_table(data_dir=None) -> pd.DataFrame:
    """Solna's nearest structural neighbours with their weights in the two synthetic comparisons."""
    d = design(data_dir)
    nm = names(data_dir)
    meta = municipalities(data_dir).set_index("code")
    out = d.neighbours.copy()
    out["municipality"] = [nm[c] for c in out.index]
    out["SKR group"] = [meta.loc[c, "skr_group"] for c in out.index]
    for kpi in SYNTH_OUTCOMES:
        sy = synthetic(kpi, data_dir)
        out[f"weight {kpi}"] = sy.weights.reindex(out.index)
    out["weight (covariates)"] = synthetic("N31807", data_dir).cov_weights.reindex(out.index)
    return out.reset_index(drop=True)[["rank", "municipality", "SKR group", "distance", *[f"weight {k}" for k in
                                                                                       SYNTH_OUTCOMES],
                                       "weight (covariates)"]]


def balance_table(data_dir=None) -> pd.DataFrame:
    """Baseline covariates: Solna, Sundbyberg, the neighbours' mean and the synthetic Solna."""
    d = design(data_dir)
    X = d.covariates
    sy = synthetic("N31807", data_dir)
    donors = list(sy.weights.index)
    out = pd.DataFrame({
        "Solna": X.loc[S.SOLNA],
        "Sundbyberg": X.loc[S.SUNDBYBERG],
        "neighbours (mean)": X.loc[donors].mean(),
        "synthetic (covariate weights)": X.loc[list(sy.cov_weights.index)].T @ sy.cov_weights,
    })
    sd = X.std()
    out["std diff Solna − Sundbyberg"] = (out["Solna"] - out["Sundbyberg"]) / sd
    out["std diff Solna − synthetic"] = (out["Solna"] - out["synthetic (covariate weights)"]) / sd
    return out.reset_index(names="covariate (baseline)")


def _unit_colour(unit: str) -> str:
    from ..presentation.plotting import PALETTE

    return PALETTE.get(unit, PALETTE["group median"])


def fig_long_series(data_dir=None):
    """Four assistance series, 1998– (1994– where available)."""
    import matplotlib.pyplot as plt

    kpis = ["N31001", "N31004", "N31807", "N31910"]
    df = S.comparison_series(kpis, data_dir)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    for ax, kpi in zip(axes.flat, kpis):
        part = df[(df["kpi"] == kpi) & (df["year"] >= 1994)]
        if kpi == "N31910":
            part = part[part["unit"] != "Riket"]  # a national count is not comparable with a municipal one
        for unit, g in part.groupby("unit", sort=False):
            ax.plot(g["year"], g["value"], marker="o" if kpi == "N31910" else None, ms=3, label=unit,
                    color=_unit_colour(unit), lw=2.2 if unit in ("Solna", "Sundbyberg") else 1.4)
        label, unit = S.LONG_SERIES[kpi]
        ax.set_title(f"{kpi}: {label}", fontsize=10)
        ax.set_ylabel(unit)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=4, bbox_to_anchor=(0.5, 1.03), frameon=False)
    return fig


def fig_nka(data_dir=None):
    """Net cost deviations (IFO %, IFO MSEK, total %) with the 2019 method change marked."""
    import matplotlib.pyplot as plt

    kpis = list(S.NKA_KPIS)
    df = S.comparison_series(kpis, data_dir)
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    for ax, kpi in zip(axes, kpis):
        part = df[df["kpi"] == kpi]
        if kpi == "N30026":
            part = part[~part["unit"].str.endswith("median")]  # MSEK scale with municipality size
        for unit, g in part.groupby("unit", sort=False):
            ax.plot(g["year"], g["value"], label=unit, color=_unit_colour(unit),
                    lw=2.2 if unit in ("Solna", "Sundbyberg") else 1.4)
        ax.axhline(0, color="#999999", lw=0.8)
        ax.axvline(S.NKA_BREAK_YEAR - 0.5, color="#555555", ls="--", lw=1)
        ax.text(S.NKA_BREAK_YEAR - 0.4, ax.get_ylim()[1], "2019 method", va="top", fontsize=8, color="#555555")
        label, unit = S.LONG_SERIES[kpi]
        ax.set_title(f"{kpi}: {label}", fontsize=10)
        ax.set_ylabel(unit)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 1.06), frameon=False)
    return fig


def fig_measures(data_dir=None):
    """The three assistance measures for Solna and Riket, with the printed figures as crosses."""
    import matplotlib.pyplot as plt

    styles = {"N31001": "-", "N31004": ":", "N31008": "--"}
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.3), sharey=False)
    printed = {S.SOLNA: [("C120", "cost_1998"), ("C120", "cost_2018"), ("C121", "solna_2024")],
               RIKET: [("C121", "riket_2024")]}
    for ax, code in zip(axes, (S.SOLNA, RIKET)):
        name = _name(code, data_dir)
        for kpi in ASSISTANCE_KPIS:
            s = S.series_of(kpi, code, data_dir)
            ax.plot(s.index, s.values, styles[kpi], color=_unit_colour(name), lw=1.8, label=f"{kpi} {S.LONG_SERIES[kpi][0]}")
        for cid, key in printed[code]:
            pub = claims.published(cid, key)
            ax.plot(pub.year, float(pub.value), "x", color="black", ms=9, mew=2)
            ax.annotate(f"{pub.value} ({cid})", (pub.year, float(pub.value)), textcoords="offset points",
                        xytext=(5, 6), fontsize=8)
        ax.set_title(name)
        ax.set_ylabel("SEK per inhabitant, current prices")
        ax.set_xlim(1994, 2025)
    axes[0].legend(fontsize=8, loc="upper right")
    return fig


def fig_structure(data_dir=None):
    """Solna and Sundbyberg in the national distribution of structural indicators."""
    import matplotlib.pyplot as plt

    tab = S.structural_table(S.SOLNA, S.SUNDBYBERG, data_dir=data_dir).iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 6))
    y = np.arange(len(tab))
    ax.hlines(y, tab["pct a"], tab["pct b"], color="#bbbbbb", lw=2)
    ax.plot(tab["pct a"], y, "o", color=_unit_colour("Solna"), label="Solna", ms=8)
    ax.plot(tab["pct b"], y, "s", color=_unit_colour("Sundbyberg"), label="Sundbyberg", ms=7)
    ax.set_yticks(y, [f"{r.indicator} ({r.year})" for r in tab.itertuples()], fontsize=8.5)
    for yi, d in zip(y, tab["std diff"]):
        ax.text(103, yi, f"{d:+.2f}", va="center", fontsize=8, color="#d1495b" if abs(d) > 0.5 else "#333333")
    ax.text(103, len(tab) - 0.3, "std diff", fontsize=8, fontweight="bold")
    ax.set_xlim(-2, 112)
    ax.set_xlabel("national percentile (0 = lowest of 290, 100 = highest)")
    ax.legend(loc="lower left", fontsize=8)
    return fig


def fig_synthetic(data_dir=None):
    """Solna against its synthetic comparisons and Sundbyberg, for the two long outcomes."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(SYNTH_OUTCOMES), figsize=(12.5, 4.4))
    for ax, kpi in zip(axes, SYNTH_OUTCOMES):
        sy = synthetic(kpi, data_dir)
        ax.axvspan(sy.panel.index.min(), PRE_END + 0.5, color="#eeeeee", zorder=0)
        ax.plot(sy.panel.index, sy.panel[S.SOLNA], color=_unit_colour("Solna"), lw=2.4, label="Solna")
        ax.plot(sy.synthetic.index, sy.synthetic, color=_unit_colour("synthetic"), lw=2, ls="--",
                label=f"synthetic Solna (fitted on outcome ≤{PRE_END})")
        ax.plot(sy.cov_synthetic.index, sy.cov_synthetic, color=_unit_colour("synthetic"), lw=1.4, ls=":",
                label="synthetic Solna (fitted on covariates)")
        ax.plot(sy.sundbyberg.index, sy.sundbyberg, color=_unit_colour("Sundbyberg"), lw=1.6, label="Sundbyberg")
        ax.set_yscale("log")
        ax.set_title(f"{kpi}: {S.LONG_SERIES[kpi][0]}", fontsize=10)
        ax.set_ylabel(f"{S.LONG_SERIES[kpi][1]} (log scale)")
    axes[0].legend(fontsize=8)
    return fig


def fig_placebo(data_dir=None):
    """Gaps of every placebo run and Solna's, and the post/pre RMSPE ratios."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2 * len(SYNTH_OUTCOMES), figsize=(14, 3.8),
                             gridspec_kw={"width_ratios": [2, 1] * len(SYNTH_OUTCOMES)})
    for i, kpi in enumerate(SYNTH_OUTCOMES):
        sy = synthetic(kpi, data_dir)
        ax, ax2 = axes[2 * i], axes[2 * i + 1]
        for unit in sy.placebo.gaps.columns:
            if unit != S.SOLNA:
                ax.plot(sy.placebo.gaps.index, sy.placebo.gaps[unit], color="#bbbbbb", lw=0.8)
        ax.plot(sy.gap.index, sy.gap, color=_unit_colour("Solna"), lw=2.2)
        ax.axhline(0, color="#555555", lw=0.8)
        ax.axvline(PRE_END + 0.5, color="#555555", ls="--", lw=0.8)
        ax.set_title(f"{kpi}: gap to synthetic", fontsize=10)
        ax.set_ylabel("log points")
        r = sy.placebo.ratios.sort_values()
        ax2.barh(range(len(r)), r.values, color=[_unit_colour("Solna") if u == S.SOLNA else "#bbbbbb" for u in r.index])
        ax2.set_yticks([])
        ax2.set_title(f"post/pre RMSPE (p = {sy.placebo.p_value:.2f})", fontsize=9)
    return fig


def fig_efficiency(data_dir=None):
    """Ranks on the efficiency and cost measures, as a share of the municipalities ranked."""
    import matplotlib.pyplot as plt

    r = S.efficiency_ranks(data_dir=data_dir)
    comp = S.composite_efficiency_rank(data_dir=data_dir)
    extra = pd.DataFrame([{"kpi": "composite", "measure": "RKA indices, mean percentile (composite)",
                           "code": c, "rank": int(comp.loc[c, "rank"]), "of": len(comp)} for c in (S.SOLNA, S.SUNDBYBERG)])
    r = pd.concat([r, extra], ignore_index=True)
    r["position"] = 100 * (r["rank"] - 1) / (r["of"] - 1)
    measures = list(dict.fromkeys(r["measure"]))
    fig, ax = plt.subplots(figsize=(9.5, 4.5))
    y = np.arange(len(measures))[::-1]
    for code, marker in ((S.SOLNA, "o"), (S.SUNDBYBERG, "s")):
        part = r[r["code"] == code].set_index("measure").loc[measures]
        name = _name(code, data_dir)
        ax.plot(part["position"], y, marker, color=_unit_colour(name), ms=8, label=name, ls="none")
        for yi, (rk, of) in zip(y, zip(part["rank"], part["of"])):
            ax.annotate(f"{rk}/{of}", (100 * (rk - 1) / (of - 1), yi), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize=7.5)
    ax.set_yticks(y, measures, fontsize=8.5)
    ax.set_xlim(-3, 103)
    ax.set_xlabel("position among the municipalities ranked (0 = best, 100 = worst)")
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    return fig


# ------------------------------------------------------------------ caveats computed for the text
def series_outliers(kpi: str, code: str = S.SOLNA, threshold: float = 0.5, data_dir=None) -> pd.DataFrame:
    """Years whose log value differs by more than ``threshold`` from the mean log of the years
    either side (nearest available), with the missing years inside the series."""
    s = S.series_of(kpi, code, data_dir)
    logs = np.log(s[s > 0])
    rows = []
    for i in range(1, len(logs) - 1):
        ref = (logs.iloc[i - 1] + logs.iloc[i + 1]) / 2
        dev = float(logs.iloc[i] - ref)
        if abs(dev) > threshold:
            rows.append({"year": int(logs.index[i]), "value": float(s.iloc[i]), "before": int(logs.index[i - 1]),
                         "value before": float(s.iloc[i - 1]), "after": int(logs.index[i + 1]),
                         "value after": float(s.iloc[i + 1]), "log deviation": dev})
    out = pd.DataFrame(rows)
    out.attrs["missing"] = [y for y in range(int(s.index.min()), int(s.index.max()) + 1) if y not in s.index]
    return out


def outlier_sensitivity(kpi: str = "N31004", data_dir=None) -> tuple[pd.DataFrame, M.Placebo | None]:
    """Solna's outlier years in ``kpi`` and the placebo test re-run without them (None if none)."""
    out = series_outliers(kpi, data_dir=data_dir)
    if out.empty:
        return out, None
    sy = synthetic(kpi, data_dir)
    logs = np.log(sy.panel.drop(index=[y for y in out["year"] if y in sy.panel.index]))
    pre = [y for y in logs.index if y <= PRE_END]
    return out, M.placebo_test(logs, S.SOLNA, pre)


def synthetic_caveats(data_dir=None) -> str:
    """Computed caveats of the synthetic comparison: outliers, who outranks Solna, covariate imbalance."""
    lines = []
    out, pl = outlier_sensitivity("N31004", data_dir)
    sy = synthetic("N31004", data_dir)
    if not out.empty:
        desc = "; ".join(f"{r['year']}: {r['value']:.1f} kr against {r['value before']:.0f} in {r['before']} and "
                         f"{r['value after']:.0f} in {r['after']}" for r in out.to_dict("records"))
        miss = out.attrs["missing"]
        lines.append(f"- **Outlier.** Solna's N31004 has an isolated low value ({desc})"
                     + (f"; {', '.join(map(str, miss))} is missing" if miss else "")
                     + f". Without {', '.join(str(y) for y in out['year'])} the placebo test gives p = {pl.p_value:.2f} "
                     f"(rank {pl.rank} of {len(pl.ratios)}), "
                     + ("the same as with it." if (pl.rank, round(pl.p_value, 3)) == (sy.placebo.rank, round(sy.placebo.p_value, 3))
                        else f"against p = {sy.placebo.p_value:.2f} (rank {sy.placebo.rank}) with it."))
    for kpi in SYNTH_OUTCOMES:
        s = synthetic(kpi, data_dir)
        above = outranking_units(s, data_dir)
        lines.append(f"- **Placebo ranking, {kpi}.** Units whose post/pre RMSPE ratio is at least Solna's: "
                     f"{', '.join(above) or 'none'}.")
    bal = balance_table(data_dir).set_index("covariate (baseline)")
    off = bal["std diff Solna − synthetic"]
    big = off[off.abs() > 1]
    lines.append("- **Covariate balance.** The covariate-weighted synthetic Solna differs from Solna by more than 1 "
                 "national SD on " + (", ".join(f"{k} ({v:+.1f} SD)" for k, v in big.items()) if len(big) else "no covariate")
                 + ", so the dotted line is an imperfect comparison.")
    return "\n".join(lines)
