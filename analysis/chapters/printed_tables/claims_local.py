"""printed-tables: claims on Nacka and Orust, and the chapter-wide evaluation."""

from __future__ import annotations

from ...errors import DataError, UnknownKPIError
from ...rules import claims, registry
from ...rules.claims import ClaimResult, check_statement, check_value
from ...rules.registry import claim_check
from ...sources import kolada
from ...sources import sector as S
from ...sources import seed_tables as P
from ...sources.kolada import RIKET, load_kpis, snapshot_root
from ...sources.municipalities import resolve
from .design import CHAPTER, COUNT_TOL, NACKA_KPI, SHARE_TOL


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
    text = kolada.kpi_definitions(data_dir).loc["N30001", "description"]
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
