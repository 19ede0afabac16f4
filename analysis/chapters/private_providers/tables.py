"""private-providers: tables behind the text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...methods import efficiency as E
from ...methods import efficiency_groups as eg
from ...methods import regressions as R
from .design import LEVELS, PANEL_SPECS, PRIMARY, SPECS, Design, _panel_years, latest_shares, panel_outcome
from .rules import sign_test


# ------------------------------------------------------------------ tables behind the text
def measures_table(d: Design) -> pd.DataFrame:
    """Which KPI stands for what, its years and coverage, and which claims it can test."""
    from ...sources.catalogue import title
    from ...sources.coverage import coverage_matrix

    kpis = {
        "U15900": "efficiency (primary composite; municipal schools only)",
        "U17900": "efficiency (primary composite; municipal schools only)",
        "U20900": "efficiency (primary composite)",
        "U11901": "efficiency (primary composite)",
        "U15401": "quality only", "U17401": "quality only",
        "U20404": "quality only (and DEA output; its 0 is RKA's floor for the bottom 2.5 %, missing in the DEA)",
        "U11404": "quality only",
        "N00097": "cost only (net cost deviation); robustness",
        "N15027": "DEA input (compulsory school; the DEA follows it almost exactly: cost only)",
        "N15507": "DEA output (compulsory school)",
        "N20048": "DEA input (elderly care; the DEA follows it closely: cost only)",
        "N00803": "total purchase share incl. public providers: correlations (C062, C099, C102, C157); "
                  "only an upper bound for C100, C101, C168 (not testable on it)",
        "N15040": "sector purchase share", "N17023": "sector purchase share", "N20805": "sector purchase share",
        "N04110": "sector purchase share", "N04123": "purchase share, care (context)",
    }
    mat = coverage_matrix(list(kpis), d.root)
    rows = []
    for k, role in kpis.items():
        present = mat.loc[k][mat.loc[k] > 0]
        rows.append({"KPI": k, "Kolada title": title(k), "role here": role,
                     "years": f"{present.index.min()}–{present.index.max()}",
                     "municipalities (last year)": int(present.iloc[-1])})
    for k in E.PRIVATE_KPIS:
        if d.private.available:
            f = d.private.frame.dropna(subset=[k])
            span = f"{f['year'].min()}–{f['year'].max()}"
            n = int((f["year"] == f["year"].max()).sum())
            role = "private-only purchase share (live cache): the claims' measure (C100, C101) and all correlations"
        else:
            span, n = "only after `make data`", 0
            role = "private-only purchase share: not in the snapshot (C100, C101 need it)"
        rows.append({"KPI": k, "Kolada title": title(k), "role here": role, "years": span,
                     "municipalities (last year)": n})
    return pd.DataFrame(rows)


def role(d: Design, m: str) -> str:
    """What a measure does in the verdicts: primary, robustness, or context (rule cost-only)."""
    if m == PRIMARY:
        return "primary"
    if m in d.robust:
        return "robustness"
    return "context (cost only)" if m in d.cost_only else "context"


def levels_table(d: Design) -> pd.DataFrame:
    """Measure × level: coefficient, 95 % CI, n, the measure's role and the sign-rule verdict."""
    rows = []
    for m in E.EFFICIENCY_MEASURES:
        for lev in LEVELS:
            e = d.est[(m, lev)]
            rows.append({"measure": E.MEASURES[m], "role": role(d, m), "level": LEVELS[lev], "coef": e.coef,
                         "CI low": e.ci_low, "CI high": e.ci_high, "n": e.n, "verdict (sign rule)": sign_test(e)})
    return pd.DataFrame(rows)


def spec_grid(d: Design, measures=None) -> pd.DataFrame:
    """Coefficient of the purchase share across outcomes and specifications (coefficient plot)."""
    measures = measures or [*E.EFFICIENCY_MEASURES, "U15900", "U17900", "U20900", "U11901", "U15401", "U20404"]
    rows = []
    for m in measures:
        for spec, (ctl, cat) in SPECS.items():
            e = R.ols(d.cs, f"y_{m}", "x_share", ctl, cat)
            rows.append({"measure": m, "label": E.MEASURES[m], "spec": spec, **e.as_dict()})
        for spec, ctl in PANEL_SPECS.items():
            e = R.panel_fe(_panel_years(d.panel, m), panel_outcome(m), "x_share", ctl)
            rows.append({"measure": m, "label": E.MEASURES[m], "spec": spec, **e.as_dict()})
    return pd.DataFrame(rows)


def sector_table(d: Design) -> pd.DataFrame:
    """Per sector: the sector's efficiency (RKA index; own DEA where computed) on the
    sector's own purchase share — cross-section without and with controls, and within."""
    dea_of = {"school": "dea_school", "elderly": "dea_elderly"}
    rows = []
    for key, s in E.SECTORS.items():
        for m in [s.index, dea_of.get(key)]:
            if m is None:
                continue
            x = f"x_{key}"
            for spec, est in (
                ("cross-section", R.ols(d.cs, f"y_{m}", x)),
                ("+ structure", R.ols(d.cs, f"y_{m}", x, E.STRUCTURE, ["skr_group"])),
                ("within (FE)", R.panel_fe(d.panel, panel_outcome(m), x)),
            ):
                rows.append({"sector": s.label, "purchase share": s.purchase, "measure": m, "label": E.MEASURES[m],
                             "spec": spec, **est.as_dict()})
    out = pd.DataFrame(rows)
    out["p (Holm)"] = holm(out["p"])
    return out


def holm(p: pd.Series) -> pd.Series:
    """Holm-adjusted p-values over a family of tests (family-wise error rate)."""
    from statsmodels.stats.multitest import multipletests

    return pd.Series(multipletests(p.to_numpy(dtype=float), method="holm")[1], index=p.index)


def figure34_table(d: Design, year: int | None = None) -> pd.DataFrame:
    """The named top five and the bottom five by each efficiency measure, with their
    purchase shares in the latest year (or ``year``) and their percentile in the national
    distribution."""
    shares = latest_shares(d, year)
    col = d.share if d.share == "private" else "N00803"
    groups = [("top five (Svenskt Näringsliv)", d.top_five)]
    for m in E.EFFICIENCY_MEASURES:
        groups.append((f"bottom five: {E.MEASURES[m]}", list(E.extremes(d.cs, m, 5).index)))
    rows = []
    for g, codes in groups:
        for c in codes:
            v = shares.loc[c, col]
            rows.append({"group": g, "municipality": shares.loc[c, "name"], "code": c, "share (%)": v,
                         "N00803 (%)": shares.loc[c, "N00803"],
                         "percentile": float(E.percentile_rank(pd.Series([v]), shares[col]).iloc[0])})
    return pd.DataFrame(rows)


def contrasts(d: Design) -> pd.DataFrame:
    """Mean share of the named top five minus the bottom five by each measure (Welch 95 % CI),
    and the same contrast for the top five *by that measure*."""
    shares = latest_shares(d)
    col = d.share if d.share == "private" else "N00803"
    rows = []
    for m in E.EFFICIENCY_MEASURES:
        bottom = shares.loc[E.extremes(d.cs, m, 5).index, col]
        for label, top in (("named top five", shares.loc[d.top_five, col]),
                           ("top five by the same measure", shares.loc[E.extremes(d.cs, m, 5, top=True).index, col])):
            diff = eg.difference(top, bottom)
            rows.append({"measure": E.MEASURES[m], "top group": label, "top mean (%)": top.mean(),
                         "bottom mean (%)": bottom.mean(), "difference (pp)": diff["difference"],
                         "CI low": diff["CI low"], "CI high": diff["CI high"]})
    return pd.DataFrame(rows)


def confounders_table(d: Design) -> pd.DataFrame:
    """Spearman correlation of the purchase share with structure and politics."""
    cols = {"tax_capacity": "tax capacity (kr/inv)", "education": "post-secondary education (%)",
            "population": "population", "urbanisation": "urbanisation (%)", "age_65": "aged 65+ (%)",
            "foreign_born": "foreign-born (%)", "centre_right_history": "share of years 1994–2018 centre-right"}
    rows = []
    for c, label in cols.items():
        r = eg.spearman(d.cs[d.share], d.cs[c])
        rows.append({"variable": label, "rho": r["rho"], "CI low": r["CI low"], "CI high": r["CI high"], "n": r["n"]})
    return pd.DataFrame(rows)


def primary_rho(d: Design) -> dict:
    """Spearman correlation of the primary measure with the claims' share (cross-section)."""
    return eg.spearman(d.cs[PRIMARY], d.cs[d.share])


def tail_samples(d: Design) -> dict:
    """Samples for the top-tail sensitivity: all; without the top decile of the share;
    without the SKR group(s) of the named top five."""
    s = d.cs[d.share]
    groups = sorted(set(d.cs.loc[d.top_five, "skr_group"]))
    return {
        "all": d.cs.index,
        f"without the top decile of the share (> {s.quantile(0.9):.1f} %)": d.cs.index[~(s > s.quantile(0.9))],
        f"without SKR group {', '.join(groups)}": d.cs.index[~d.cs["skr_group"].isin(groups)],
    }


def tail_sensitivity(d: Design) -> pd.DataFrame:
    """Cross-section slope (no controls, HC3) of each measure on the share, in the full sample
    and without the top tail of the share — does the relation live only in the top tail?"""
    rows = []
    for m in E.EFFICIENCY_MEASURES:
        for label, idx in tail_samples(d).items():
            e = R.ols(d.cs.loc[idx], f"y_{m}", "x_share")
            rows.append({"key": m, "measure": E.MEASURES[m], "sample": label, **e.as_dict()})
    return pd.DataFrame(rows).drop(columns=["model", "r2"])


def decile_slopes(d: Design, upto: int = 8) -> pd.DataFrame:
    """Slope of the mean share across efficiency deciles 1..``upto`` (pp per decile, OLS on
    the municipalities, HC3) beside the same over all ten deciles: is there a gradient
    below the top deciles?"""
    rows = []
    for m in E.EFFICIENCY_MEASURES:
        sub = d.cs[[m, d.share]].dropna()
        sub = sub.assign(decile=pd.qcut(sub[m].rank(method="first"), 10, labels=range(1, 11)).astype(float))
        for label, part in (("deciles 1–10", sub), (f"deciles 1–{upto}", sub[sub["decile"] <= upto])):
            e = R.ols(part, d.share, "decile")
            rows.append({"key": m, "measure": E.MEASURES[m], "deciles": label, **e.as_dict()})
    return pd.DataFrame(rows).drop(columns=["model", "r2"])


def bloc_table(d: Design) -> pd.DataFrame:
    """Mean purchase share by governing bloc of the 2018–2022 term (95 % t interval)."""
    rows = []
    for bloc, part in d.cs.groupby("bloc"):
        m, lo, hi, n = eg.t_interval(part[d.share])
        rows.append({"governing bloc (2019)": bloc, "municipalities": n, "mean share (%)": m, "CI low": lo,
                     "CI high": hi})
    return pd.DataFrame(rows).sort_values("mean share (%)", ascending=False)


def chair_table(d: Design) -> pd.DataFrame:
    """Mean purchase share (2019–2022) by the party chairing the executive board after the 2022
    election — context only: the 2022 majorities took office after the period measured."""
    rows = []
    for party, part in d.cs.groupby("chair_party_2022"):
        if part[d.share].notna().sum() < 2:
            continue
        m, lo, hi, n = eg.t_interval(part[d.share])
        rows.append({"chair (KSO) 2022": party, "municipalities": n, "mean share (%)": m, "CI low": lo, "CI high": hi})
    return pd.DataFrame(rows).sort_values("mean share (%)", ascending=False)


def iv_table(d: Design) -> pd.DataFrame:
    """Centre-right history as an instrument candidate: first stage, reduced form, 2SLS."""
    res = R.iv_2sls(d.cs, f"y_{PRIMARY}", "x_share", "centre_right_history", E.STRUCTURE, ["skr_group"])
    lo, hi, kind = res["anderson-rubin"]
    ar = {"coef": np.nan, "CI low": lo, "CI high": hi, "p": np.nan, "n": res["iv"].n}
    rows = [
        {"step": "first stage: share (10 pp) on centre-right history", **res["first stage"].as_dict()},
        {"step": "reduced form: efficiency (SD) on centre-right history", **res["reduced form"].as_dict()},
        {"step": "2SLS: efficiency (SD) per 10 pp share, Wald CI", **res["iv"].as_dict()},
        {"step": f"2SLS: Anderson–Rubin 95 % set ({kind}; valid with a weak instrument)", **ar},
    ]
    out = pd.DataFrame(rows).drop(columns=["model", "r2"], errors="ignore")
    out["first-stage F"] = [res["first-stage F"], np.nan, np.nan, np.nan]
    out.attrs["ar_kind"] = kind
    return out


def timing_table(d: Design) -> pd.DataFrame:
    """Within estimates with next year's share added: a 'future' share that predicts this
    year's efficiency points to reverse causality or anticipation, not to an effect."""
    p = d.panel.sort_values(["municipality", "year"]).copy()
    p["x_lead"] = p.groupby("municipality")["x_share"].shift(-1)
    rows = []
    for m in E.EFFICIENCY_MEASURES:
        q = _panel_years(p, m)
        cur = R.panel_fe(q, panel_outcome(m), "x_share", ["x_lead"])
        lead = R.panel_fe(q, panel_outcome(m), "x_lead", ["x_share"])
        # a·x + b·lead = (a + b)·x + b·(lead − x): the coefficient of x given (lead − x) is the
        # sum, with its clustered CI — the effect of a lasting 10 pp rise in the share
        total = R.panel_fe(q.assign(x_change=q["x_lead"] - q["x_share"]), panel_outcome(m), "x_share",
                           ["x_change"])
        rows.append({"measure": E.MEASURES[m], "this year's share": cur.coef, "CI low": cur.ci_low,
                     "CI high": cur.ci_high, "next year's share": lead.coef, "CI low (next)": lead.ci_low,
                     "CI high (next)": lead.ci_high, "sum": total.coef, "CI low (sum)": total.ci_low,
                     "CI high (sum)": total.ci_high, "n": cur.n})
    return pd.DataFrame(rows)


def dea_vs_rka(d: Design) -> pd.DataFrame:
    """Spearman correlation between the own DEA scores and RKA's indices (cross-section)."""
    pairs = [("dea_school", "U15900"), ("dea_school", "U15401"), ("dea_school", "nka"),
             ("dea_elderly", "U20900"), ("dea_elderly", "U20404"), ("dea_elderly", "nka")]
    rows = []
    for a, b in pairs:
        r = eg.spearman(d.cs[a], d.cs[b])
        rows.append({"own DEA": E.MEASURES[a], "compared with": E.MEASURES[b], "rho": r["rho"], "CI low": r["CI low"],
                     "CI high": r["CI high"], "n": r["n"]})
    return pd.DataFrame(rows)
