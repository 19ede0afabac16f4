"""printed-tables: claims on document 004's structural findings."""

from __future__ import annotations

from ...methods import efficiency_groups as E
from ...rules import claims
from ...rules import rulebook as RB
from ...rules.claims import ClaimResult, check_statement, check_value
from ...rules.registry import claim_check
from ...sources import sector as S
from ...sources.kolada import RIKET, load_kpis
from ...sources.municipalities import municipalities, names, resolve
from .design import CHAPTER, COUNT_TOL, RANK_LIMITS, SN_CATEGORIES, _names_list, correlates, scores


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
             ("contradicted" if RB.rank_position((rank - 1) / (len(g) - 1)) == RB.CONTRADICTED else "not supported")),
            f"{label}: rank of SKR group A2 (Pendlingskommun nära storstad) among the {len(g)} groups by mean score "
            f"2019–2022 ({g.loc['A2', 'mean']:+.2f} {E.SD_SHORT}; best: {g.index[0]} {g.iloc[0]['mean']:+.2f}). 1 = supported, "
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
            f"{mean_nr:+.2f} {E.SD_SHORT}, below {below} of the 9 group means; difference from the rest {d['difference']:+.2f} "
            f"(95 % CI {d['CI low']:+.2f} to {d['CI high']:+.2f}). Rule: below every group and significantly below the "
            "rest = supported; below all but one = partly; significantly above the rest = contradicted.",
            year_data="2019–2022", unit=E.SD_SHORT,
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
            year_data="2019–2022", unit=E.SD_SHORT, label=f"Metropolitan municipalities below average ({m})"))
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
                f"{label}: OLS slope of the {r['outcome']} (mean 2019–2022, Kolada {kpi}) on the score (per {E.SD_UNIT}), "
                f"{r['slope']:+.3g} (95 % CI {r['CI low']:+.3g} to {r['CI high']:+.3g}); with SKR-group dummies and log "
                f"population {r['slope (controls)']:+.3g} ({r['CI low (controls)']:+.3g} to {r['CI high (controls)']:+.3g}); "
                f"n = {int(r['n'])}, HC3. Rule directional-test on the slope without controls (the claim describes an "
                f"association): negative (less efficient → higher) with one-sided p ≤ {RB.ALPHA:g} = supported, lowered to "
                "partly when the slope with controls is not; positive with one-sided p ≤ α = contradicted. Association, not cause"
                + ("; the net cost deviation and the tax rate are linked by the budget itself." if kpi == "N00901" and m == "nka" else "."),
                year_data="2019–2022", unit=f"{r['outcome'].split('(')[-1].rstrip(')')} per {E.SD_SHORT} of efficiency",
                label=f"{r['outcome'].split('(')[0].strip().capitalize()} vs efficiency ({m})",
                rule="directional-test", alternatives=r["alternatives"]))
    parts = [f"{c.label}: {c.reproduced:+.3g} per {E.SD_SHORT} ({c.verdict})" for c in checks]
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
