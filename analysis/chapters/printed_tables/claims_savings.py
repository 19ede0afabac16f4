"""printed-tables: claims on the savings potential (the documents' own numbers)."""

from __future__ import annotations

from ...errors import DataError
from ...rules import claims
from ...rules import rulebook as RB
from ...rules.claims import ClaimResult, check_statement, check_value
from ...rules.registry import claim_check
from ...sources import sector as S
from ...sources import seed_tables as P
from .design import CHAPTER, population


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
