"""private-providers: one registered function per claim."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...methods import efficiency as E
from ...methods import efficiency_groups as eg
from ...methods import regressions as R
from ...rules import registry
from ...rules import rulebook as RB
from ...rules.claims import ClaimResult, check_statement, check_value, published
from ...rules.registry import claim_check
from .design import (
    CHAPTER,
    LARGE_PCT,
    LEVELS,
    PRIMARY,
    SCALE,
    SHARE_TOL,
    SHORT,
    STRONG_RHO,
    Design,
    design,
    latest_shares,
)
from .rules import RULE_TEXT, _alts, _ci, combined_verdict, sign_test
from .tables import primary_rho, tail_sensitivity


# ------------------------------------------------------------------ claims
def _fmt(e: R.Estimate) -> str:
    return R.describe(e)



def _level_check(d: Design, cid: str, key: str, level: str):
    """One check per level: the rule in the module docstring, every measure in the note."""
    prim = d.est[(PRIMARY, level)]
    rank_txt = ""
    opposite = False
    if level == "correlation":
        rho = primary_rho(d)
        opposite = rho["CI high"] < 0
        tail = tail_sensitivity(d)
        rank_txt = (f" Rank correlation of the primary measure with the share: rho {rho['rho']:+.2f} "
                    f"[{rho['CI low']:+.2f}, {rho['CI high']:+.2f}]"
                    + (" — significantly negative, so robustness measures cannot carry 'partly supported'."
                       if opposite else ".")
                    + " Sensitivity without the top tail of the share (context, not part of the rule): "
                    + "; ".join(f"{SHORT[r['key']]}, {r['sample']}: {_ci(r)} (n = {r['n']})"
                                for _, r in tail[tail["key"].isin([PRIMARY, "nka"])
                                                 & (tail["sample"] != "all")].iterrows())
                    + ".")
    v = combined_verdict(prim, [d.est[(m, level)] for m in d.robust], primary_opposite=opposite)
    alts = _alts(prim, [d.est[(m, level)] for m in d.robust], opposite, d.robust)
    others = "; ".join(f"{E.MEASURES[m]} {_fmt(d.est[(m, level)])} (n = {d.est[(m, level)].n})" for m in d.robust)
    others += _cost_only_context(d, {m: d.est[(m, level)] for m in d.cost_only})
    years = "2016–2022 panel, municipality and year effects, SE clustered by municipality (net cost deviation " \
            "2019–2022 only)" if level == "within" else "means 2019–2022, HC3 robust SE"
    ctl = " Controls: SKR group, log population, urbanisation, age 0–19/65+/80+, log tax capacity, " \
          "post-secondary education, foreign-born." if level == "controls" else ""
    note = (f"Level: {LEVELS[level]}. Coefficient = {SCALE} ({d.share}); {years}.{ctl} Primary measure "
            f"{E.MEASURES[PRIMARY]}: {_fmt(prim)} (n = {prim.n}).{rank_txt} Robustness: {others}. " + RULE_TEXT)
    return check_statement(cid, key, round(prim.coef, 3), v, note, year_data="2019–2022" if level != "within"
                           else "2016–2022", unit=SCALE, label=f"{LEVELS[level][0].upper()}{LEVELS[level][1:]}",
                           rule="directional-test", alternatives=alts)


def _cost_only_context(d: Design, rows: dict) -> str:
    """The cost-only DEA scores as context (rule cost-only), each with its rank correlation with 1/cost."""
    if not rows:
        return ""
    return (". Context, not robustness (rule cost-only: the score follows cost alone): "
            + "; ".join(f"{E.MEASURES[m]} {_fmt(e)} (rank correlation with 1/cost {d.cost_rho(m):.3f})"
                        for m, e in rows.items()))


def _level_summary(d: Design, checks) -> str:
    parts = []
    for lev, c in zip(LEVELS, checks):
        robust = [SHORT[m] for m in d.robust if sign_test(d.est[(m, lev)]) == "supported"]
        extra = f" (only for {', '.join(robust)})" if robust and c.verdict == "partly supported" else ""
        parts.append(f"{['Correlation', 'Survives controls', 'Within municipalities'][list(LEVELS).index(lev)]}: "
                     f"{c.verdict}{extra}, RKA composite {_fmt(d.est[(PRIMARY, lev)])} SD per 10 pp")
    return "; ".join(parts) + "."


def _correlation_claim(d: Design, cid: str) -> ClaimResult:
    checks = [_level_check(d, cid, "relation", lev) for lev in LEVELS]
    return ClaimResult(cid, checks, _level_summary(d, checks))


def _measure_note(d: Design) -> str:
    if d.share == "private":
        return f"Measure: {d.share_label}, {d.private.message}."
    return ("Measure: N00803 (all purchased core activity, including purchases from other municipalities, regions "
            "and federations) — the snapshot has no private-only share; N00119/N00120 (private firms; associations "
            "and foundations) are used automatically after `make data`.")


@claim_check(CHAPTER, "C099")
def c099(data_dir=None) -> ClaimResult:
    d = design(data_dir)
    return _c099(d)


def _c099(d: Design) -> ClaimResult:
    """The most efficient decile buys more: difference in means, then with controls."""
    checks = []
    for with_controls in (False, True):
        rows = {}
        for m in E.EFFICIENCY_MEASURES:
            s = d.cs[m]
            top = (s >= s.quantile(0.9)).astype(float).where(s.notna())
            frame = d.cs.assign(top_decile=top)
            if with_controls:
                rows[m] = R.ols(frame, d.share, "top_decile", E.STRUCTURE, ["skr_group"])
            else:
                diff = eg.difference(frame.loc[top == 1, d.share], frame.loc[top == 0, d.share])
                rows[m] = R.Estimate(diff["difference"], np.nan, diff["CI low"], diff["CI high"], diff["p"],
                                     diff["n a"] + diff["n b"], np.nan, "Welch")
        v = combined_verdict(rows[PRIMARY], [rows[m] for m in d.robust])
        alts = _alts(rows[PRIMARY], [rows[m] for m in d.robust], names=d.robust)
        listing = "; ".join(f"{E.MEASURES[m]} {_fmt(rows[m])}" for m in E.EFFICIENCY_MEASURES)
        label = ("The most efficient decile buys more (with structural controls)" if with_controls
                 else "The most efficient decile buys more than the other 90 %")
        how = ("OLS of the share on a top-decile indicator with SKR group and structural controls, HC3"
               if with_controls else "Welch difference of means")
        note = (f"Share (pp) of the top decile by each measure minus the rest, {how}, means 2019–2022: {listing}. "
                f"{_measure_note(d)} " + RULE_TEXT)
        checks.append(check_statement("C099", "strong_evidence", round(rows[PRIMARY].coef, 2), v, note,
                                      year_data="2019–2022", unit="percentage points", label=label,
                                      rule="directional-test", alternatives=alts))
    checks.append(_level_check(d, "C099", "strong_evidence", "within"))
    summary = (f"Top decile vs the rest: {checks[0].verdict} ({checks[0].reproduced:+.1f} pp by RKA's composite); "
               f"with controls: {checks[1].verdict}; within municipalities: {checks[2].verdict}. 'Strong evidence' "
               "needs all three (rule primary-checks, combine all).")
    return ClaimResult("C099", checks, summary)


@claim_check(CHAPTER, "C100")
def c100(data_dir=None) -> ClaimResult:
    d = design(data_dir)
    return _c100(d)


def _c100(d: Design) -> ClaimResult:
    shares = latest_shares(d)
    taby = d.top_five[0]
    pub = published("C100", "taby_share")
    if d.share == "private":
        c1 = check_value("C100", "taby_share", float(shares.loc[taby, "private"]), d.latest, SHARE_TOL,
                         note=f"N00119 + N00120 (private firms + associations and foundations). N00119 alone: "
                              f"{shares.loc[taby, 'N00119']:.1f} %. N00803 (incl. public providers) "
                              f"{d.latest_all}: {shares.loc[taby, 'N00803']:.1f} %.")
    else:
        n803 = float(shares.loc[taby, "N00803"])
        c1 = check_statement(
            "C100", "taby_share", round(n803, 1), "not testable",
            f"The private-only share (N00119 + N00120) is not in the snapshot; available after `make data`. "
            f"N00803 {d.latest_all} = {n803:.1f} % counts all purchases, including from public bodies, so it is only "
            f"an upper bound: the printed {pub.value} % is {'consistent with' if pub.value <= n803 else 'above'} it. "
            f"{d.cs.loc[taby, 'name']}'s N00803 ranks {int(shares['N00803'].rank(ascending=False)[taby])} of "
            f"{int(shares['N00803'].notna().sum())} municipalities.",
            year_data=d.latest_all, unit="%", label="Täby's purchase share (N00803 as an upper bound)")
    col = "private" if d.share == "private" else "N00803"
    year = d.latest if d.share == "private" else d.latest_all
    pct = E.percentile_rank(shares.loc[d.top_five, col], shares[col])
    all_large = bool((pct > LARGE_PCT).all())
    mean_large = bool(E.percentile_rank(pd.Series([shares.loc[d.top_five, col].mean()]), shares[col]).iloc[0]
                      > LARGE_PCT)
    v = "supported" if all_large else ("partly supported" if mean_large else "not supported")
    capped = []
    if col == "N00803":
        v = "not testable"
        capped.append("not testable on N00803: it includes purchases from public bodies and is only an upper bound "
                      "of the private share, so a high value does not show a large private share (the percentiles "
                      "are context); tested automatically on N00119 + N00120 after `make data`")
    if year != published("C100", "top_five_large").year and v == "supported":
        v = "partly supported"
        capped.append(f"claimed for {published('C100', 'top_five_large').year}, data {year}")
    ranks = d.cs[list(E.EFFICIENCY_MEASURES)].rank(ascending=False).loc[d.top_five]
    of = d.cs[list(E.EFFICIENCY_MEASURES)].notna().sum()
    rank_txt = "; ".join(f"{d.cs.loc[c, 'name']} {shares.loc[c, col]:.1f} % (pct {pct[c]:.0f}; rank by RKA "
                         f"composite {ranks.loc[c, 'rka']:.0f} of {of['rka']}, net cost deviation "
                         f"{ranks.loc[c, 'nka']:.0f} of {of['nka']}, DEA school {ranks.loc[c, 'dea_school']:.0f} of "
                         f"{of['dea_school']})" for c in d.top_five)
    c2 = check_statement(
        "C100", "top_five_large", round(float(pct.min()), 1), v,
        f"Share {col} {year} of the named top five and its percentile in the national distribution: {rank_txt}. "
        f"Rule: 'large' = above the national {LARGE_PCT}th percentile of the private share; supported = all five; "
        f"partly = their mean only; {'; '.join(capped) if capped else 'no cap applied'}. Reproduced value = the lowest percentile of "
        "the five. Svenskt Näringsliv's ranking itself is not public: the ranks by public measures are context.",
        year_data=year, unit="percentile", label="The named top five buy a large share")
    summary = (f"Täby: {c1.verdict} ({c1.reproduced} % on {col if d.share == 'private' else 'N00803, an upper bound'}); "
               f"the named top five all lie at or above percentile {np.floor(c2.reproduced):.0f} of the national "
               f"distribution of {col} ({c2.verdict}"
               + ("; N00803 only bounds the private share from above" if col == "N00803" else "") + ").")
    return ClaimResult("C100", [c1, c2], summary)


@claim_check(CHAPTER, "C101")
def c101(data_dir=None) -> ClaimResult:
    d = design(data_dir)
    return _c101(d)


def _c101(d: Design) -> ClaimResult:
    shares = latest_shares(d)
    lo = d.lowest
    name = d.cs.loc[lo, "name"]
    ranks = d.cs[list(E.EFFICIENCY_MEASURES)].rank(ascending=True)  # 1 = least efficient
    of = d.cs[list(E.EFFICIENCY_MEASURES)].notna().sum()
    rank_txt = ", ".join(f"{SHORT[m]} {ranks.loc[lo, m]:.0f} of {of[m]}" for m in E.EFFICIENCY_MEASURES
                         if pd.notna(ranks.loc[lo, m]))
    pub = published("C101", "storuman_share")
    if d.share == "private":
        c1 = check_value("C101", "storuman_share", float(shares.loc[lo, "private"]), d.latest, SHARE_TOL,
                         note=f"N00119 + N00120; N00119 alone {shares.loc[lo, 'N00119']:.1f} %. {name}'s rank from the "
                              f"bottom (1 = least efficient): {rank_txt}.")
    else:
        n803 = float(shares.loc[lo, "N00803"])
        c1 = check_statement(
            "C101", "storuman_share", round(n803, 1), "not testable",
            f"The private-only share is not in the snapshot (after `make data`: N00119 + N00120). N00803 "
            f"{d.latest_all} = {n803:.1f} % includes purchases from public bodies, so it only bounds the private "
            f"share from above: the printed {pub.value} % is {'consistent with' if pub.value <= n803 else 'above'} "
            f"it. {name}'s rank from the bottom by public measures (1 = least efficient): {rank_txt}.",
            year_data=d.latest_all, unit="%", label=f"{name}'s purchase share (N00803 as an upper bound)")
    col = "private" if d.share == "private" else "N00803"
    limit = float(published("C101", "bottom_below_10").value)
    per = {}
    for m in E.EFFICIENCY_MEASURES:
        bottom = E.extremes(d.cs, m, 5).index
        per[m] = (int((shares.loc[bottom, col] >= limit).sum()),
                  ", ".join(f"{d.cs.loc[c, 'name']} {shares.loc[c, col]:.1f}" for c in bottom))
    n_over = per[PRIMARY][0]
    if n_over == 0:
        v = "partly supported"
    elif col == "private":
        v = "not supported"
    else:
        v = "not testable"
    listing = "; ".join(f"{SHORT[m]}: {per[m][1]} ({per[m][0]} at or above {limit:g} %)"
                        for m in E.EFFICIENCY_MEASURES)
    c2 = check_statement(
        "C101", "bottom_below_10", n_over, v,
        f"Svenskt Näringsliv's bottom five are not named in documents 003 or 004 (only {name}), so the bottom five "
        f"are taken by each public measure (means 2019–2022), shares {col} {d.latest if col == 'private' else d.latest_all} "
        f"(%): {listing}. Rule on the primary measure ({PRIMARY}): none at or above {limit:g} % → partly supported "
        f"(a different ranking and year than the claim's); some at or above → not supported with the private "
        f"share, not testable with N00803 (which includes public providers, so a value above {limit:g} % does not "
        f"show a private share above it). National median of {col}: {shares[col].median():.1f} %.",
        year_data=d.latest if col == "private" else d.latest_all, unit="municipalities",
        label=f"Bottom five (own measures) with a share of {limit:g} % or more")
    summary = (f"{name}: {c1.verdict} (N00803 {shares.loc[lo, 'N00803']:.1f} % in {d.latest_all}); bottom five by "
               f"RKA's composite with a share ≥ {limit:g} %: {n_over} of 5 ({c2.verdict}).")
    return ClaimResult("C101", [c1, c2], summary)


@claim_check(CHAPTER, "C102")
def c102(data_dir=None) -> ClaimResult:
    d = design(data_dir)
    return _c102(d)


def _c102(d: Design) -> ClaimResult:
    rho = {m: eg.spearman(d.cs[m], d.cs[d.share]) for m in E.EFFICIENCY_MEASURES}
    p = rho[PRIMARY]
    # rule multiplicity: a robustness measure moves the verdict only if its correlation stays
    # significant after Holm's adjustment over the robustness measures
    movers = RB.multiplicity({m: rho[m]["p"] if rho[m]["rho"] > 0 else 1.0 for m in d.robust})
    robust_pos = bool(movers)
    if p["rho"] >= STRONG_RHO and p["CI low"] > 0:
        v = "supported"
    elif p["CI high"] < 0:
        v = "not supported" if robust_pos else "contradicted"
    elif p["CI low"] > 0 or robust_pos:
        v = "partly supported"
    else:
        v = "not supported"
    listing = "; ".join(f"{E.MEASURES[m]} rho {rho[m]['rho']:+.2f} [{rho[m]['CI low']:+.2f}, {rho[m]['CI high']:+.2f}]"
                        f" (n = {rho[m]['n']})" for m in E.EFFICIENCY_MEASURES)
    c1 = check_statement(
        "C102", "strong_relationship", round(p["rho"], 2), v,
        f"Spearman correlation over all municipalities (means 2019–2022) of efficiency and the purchase share "
        f"{d.share}: {listing}. Rule: supported = the primary measure's rho ≥ {STRONG_RHO} ('strong') with a CI "
        "above zero; partly = a positive correlation with a CI above zero that is weaker, or only on a robustness "
        "measure (positive with a two-sided p ≤ 0.05 after Holm's adjustment over the robustness measures, rule "
        "multiplicity) while the primary measure's CI includes zero; contradicted = the primary measure's rho "
        "negative with a CI below zero and no robustness measure positive by the same test; otherwise (including "
        "measures of opposite sign) not supported. Robustness measures: "
        + ", ".join(SHORT[m] for m in d.robust) + (f"; the cost-only DEA scores ({', '.join(SHORT[m] for m in d.cost_only)}) "
                                                   "are context (rule cost-only)." if d.cost_only else "."),
        year_data="2019–2022", unit="Spearman rho", label="A strong correlation over all municipalities")
    c2 = _level_check(d, "C102", "strong_relationship", "controls")
    # outside the extremes: drop the named top five and the bottom five of the same measure
    rows = {}
    for m in E.EFFICIENCY_MEASURES:
        drop = set(d.top_five) | set(E.extremes(d.cs, m, 5).index)
        rows[m] = R.ols(d.cs.drop(index=list(drop)), f"y_{m}", "x_share")
    v3 = combined_verdict(rows[PRIMARY], [rows[m] for m in d.robust])
    c3 = check_statement(
        "C102", "strong_relationship", round(rows[PRIMARY].coef, 3), v3,
        "Cross-section slope without the ten municipalities of Figures 3–4 (the named top five and the bottom five "
        "by the same measure): " + "; ".join(f"{E.MEASURES[m]} {_fmt(rows[m])} (n = {rows[m].n})"
                                              for m in E.EFFICIENCY_MEASURES)
        + f". {SCALE}. " + RULE_TEXT,
        year_data="2019–2022", unit=SCALE, label="The relation outside the extremes of Figures 3–4",
        rule="directional-test", alternatives=_alts(rows[PRIMARY], [rows[m] for m in d.robust], names=d.robust))
    checks = [c1, c2, c3]
    summary = (f"Over all municipalities the rank correlation with RKA's composite is {p['rho']:+.2f} ({c1.verdict}); "
               f"with controls: {c2.verdict}; without the ten extremes: {c3.verdict}. The full-distribution "
               "correlation answers 'a strong relationship' (primary); the others are secondary.")
    return ClaimResult("C102", checks, summary)


@claim_check(CHAPTER, "C168")
def c168(data_dir=None) -> ClaimResult:
    d = design(data_dir)
    return _c168(d)


def _c168(d: Design) -> ClaimResult:
    shares = latest_shares(d)
    col = "private" if d.share == "private" else "N00803"
    year = d.latest if d.share == "private" else d.latest_all
    top = shares.loc[d.top_five, col]
    rest = shares.drop(index=d.top_five)
    checks = []
    groups = ", ".join(sorted(set(shares.loc[d.top_five, "skr_group"])))
    for label, others, whom in (
            ("The named top five vs the other municipalities", rest[col], "all other municipalities"),
            ("The named top five vs their own SKR groups",
             rest.loc[rest["skr_group"].isin(set(shares.loc[d.top_five, "skr_group"])), col],
             f"the other municipalities of SKR group {groups}")):
        diff = eg.difference(top, others)
        v = "supported" if diff["CI low"] > 0 else ("contradicted" if diff["CI high"] < 0 else "not supported")
        capped = ""
        if col == "N00803":
            v = "not testable"
            capped = (" Not testable on N00803 (the rule of C100): it includes purchases from other municipalities, "
                      "regions and federations, so the difference may reflect purchases from public bodies rather "
                      "than a higher private share; the difference is context. Tested automatically on N00119 + "
                      "N00120 after `make data`.")
        checks.append(check_statement(
            "C168", "higher_private_share", round(diff["difference"], 1), v,
            f"Mean share {col} {year}: top five {top.mean():.1f} % vs {others.mean():.1f} % in {whom} "
            f"(n = {diff['n b']}); difference {diff['difference']:+.1f} pp, Welch 95 % CI "
            f"[{diff['CI low']:+.1f}, {diff['CI high']:+.1f}]. Rule: supported = difference above zero with the CI "
            f"excluding zero.{capped} The other traits in the claim (governance, leadership, business climate) are "
            "not tested in this chapter.",
            year_data=year, unit="percentage points", label=label))
    summary = (f"The five buy {checks[0].reproduced:+.1f} pp more than the rest ({checks[0].verdict}) and "
               f"{checks[1].reproduced:+.1f} pp more than their SKR-group peers ({checks[1].verdict}) on {col}"
               + (", which includes purchases from public bodies" if col == "N00803" else "")
               + "; only the private-share part of the claim is addressed (governance, leadership and business "
                 "climate are not).")
    return ClaimResult("C168", checks, summary)


@claim_check(CHAPTER, "C098")
def c098(data_dir=None) -> ClaimResult:
    d = design(data_dir)
    return _c098(d)


def _c098(d: Design) -> ClaimResult:
    rows = "; ".join(f"{E.MEASURES[m]} {_fmt(d.est[(m, 'within')])}" for m in E.EFFICIENCY_MEASURES)
    c = check_statement(
        "C098", "positive_effects", round(d.est[(PRIMARY, "within")].coef, 3), "not testable",
        "A literature claim: Blix & Jordahl (2021) review studies of choice and competition reforms; an effect on "
        "cost-effectiveness and quality cannot be established from municipal aggregates. Context — within-"
        f"municipality association of a rising purchase share ({d.share}) with efficiency, 2016–2022 ({SCALE}): "
        f"{rows}.", year_data="2016–2022", unit=SCALE, label="Context: within-municipality estimates")
    return ClaimResult("C098", [c], "Not testable with public municipal data (a literature claim); the within-"
                       f"municipality estimates are given as context ({c.reproduced:+.3f} SD per 10 pp on RKA's "
                       "composite).", verdict="not testable")


@claim_check(CHAPTER, "C103")
def c103(data_dir=None) -> ClaimResult:
    d = design(data_dir)
    return _c103(d)


def _c103(d: Design) -> ClaimResult:
    from ...sources.kolada import kpi_wide

    cost = kpi_wide(["N20048"], d.root)
    p = d.panel.merge(cost, on=["municipality", "year"], how="left")
    p["log_cost80"] = np.log(p["N20048"])
    cs = d.cs.copy()
    years = p[p["year"].isin(E.CROSS_YEARS)]
    cs["log_cost80"] = np.log(years.groupby("municipality")["N20048"].mean().reindex(cs.index))
    a = R.ols(cs, "log_cost80", "x_elderly", E.STRUCTURE, ["skr_group"])
    b = R.panel_fe(p, "log_cost80", "x_elderly")
    note = ("A literature claim about cost per service by type of provider, which Kolada does not publish. "
            "Context: elderly-care cost per inhabitant 80+ (N20048, log) on the elderly-care purchase share N20805 "
            f"(per 10 pp): cross-section with controls {_fmt(a)} (≈ {100 * a.coef:+.1f} %), within municipalities "
            f"2016–2022 {_fmt(b)} (≈ {100 * b.coef:+.1f} %). A municipality's cost includes what it pays private "
            "providers, so this is the cost to the municipality, not the providers' cost per service.")
    c = check_statement("C103", "cost_lower", round(a.coef, 3), "not testable", note, year_data="2016–2022",
                        unit="log points per 10 pp", label="Context: elderly-care cost and purchase share")
    return ClaimResult("C103", [c], "Not testable (a literature claim; no cost per service by provider type in "
                       f"Kolada). Context: elderly-care cost per 80+ is {100 * a.coef:+.1f} % per 10 pp of purchased "
                       f"elderly care across municipalities with controls, {100 * b.coef:+.1f} % within.",
                       verdict="not testable")


@claim_check(CHAPTER, "C062")
def c062(data_dir=None) -> ClaimResult:
    return _correlation_claim(design(data_dir), "C062")


@claim_check(CHAPTER, "C157")
def c157(data_dir=None) -> ClaimResult:
    return _correlation_claim(design(data_dir), "C157")


def evaluate(data_dir=None) -> list[ClaimResult]:
    """All ★a claims of documents 003 and 004 in this chapter, from the registry."""
    design(data_dir)  # fails early and clearly without data
    return registry.evaluate(CHAPTER, data_dir)
