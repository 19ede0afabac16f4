"""Chapter 'private-providers': do municipalities that buy more welfare from private
providers score as more efficient? (theme a: C062, C098–C103, C157, C168).

``evaluate(data_dir)`` is the single implementation of every verdict; the notebook calls it
once and narrates, and draws its figures from the same :func:`design`.

The correlation claims are tested at three levels, each its own check under the rulebook's
rule *directional-test* (the claimed sign with a one-sided p ≤ α, α = 0.05):

1. *a correlation exists* — cross-section (means 2019–2022), efficiency on purchase share;
2. *it survives controls* — the same with SKR group and structure (size, urbanisation,
   age, tax capacity, education, foreign-born);
3. *it holds within municipalities over time* — two-way fixed-effects panel.

The primary efficiency measure is RKA's composite of its sector efficiency indices (cost
and quality) and decides each level. The book's own DEA (cost and results) and the net cost
deviation (cost only) are robustness measures: secondary, they can lower a verdict when one
is significantly of the opposite sign, never raise it.

The panel outcome of the composite is re-standardised by year (the composite is a mean of
z-scores, so its cross-sectional SD is below 1) so that all three levels are in SD units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..config import data_dir as resolve_data_dir
from ..errors import DataError
from ..methods import efficiency as E
from ..methods import efficiency_groups as eg
from ..methods import regressions as R
from ..rules import registry
from ..rules import rulebook as RB
from ..rules.claims import ClaimResult, check_statement, check_value, published
from ..rules.registry import claim_check
from ..sources.municipalities import resolve

CHAPTER = "private-providers"
TITLE = "Private providers and efficiency"
PRIMARY = "rka"
ROBUST = ("dea_school", "dea_elderly", "nka")
LEVELS = {
    "correlation": "a correlation exists (cross-section, no controls)",
    "controls": "it survives structural controls (cross-section)",
    "within": "it holds within municipalities over time (fixed-effects panel)",
}
PANEL_CONTROLS = ["log_population", "age_0_19", "age_65", "age_80", "log_tax_capacity", "education",
                  "foreign_born"]
SPECS = {
    "bivariate": ([], []),
    "+ SKR group": ([], ["skr_group"]),
    "+ structure": (E.STRUCTURE, ["skr_group"]),
    "+ structure + politics": ([*E.STRUCTURE, "centre_right"], ["skr_group"]),
}
PANEL_SPECS = {"within (FE)": [], "within + controls": PANEL_CONTROLS}
SHORT = {"rka": "RKA composite", "nka": "net cost deviation (cost only)", "dea_school": "DEA compulsory school",
         "dea_elderly": "DEA elderly care"}
STRONG_RHO = 0.5  # |Spearman rho| at or above which a relationship is called strong
LARGE_PCT = 75  # "a large share": above this percentile of the national distribution
SHARE_TOL = RB.tolerance("share")  # the rulebook's policy for shares
SCALE = "SD of efficiency per 10 percentage points of purchase share"
MIN_LATEST = 250  # municipalities that must report a share for its latest year to count


@dataclass
class Design:
    root: str  # the data folder
    cs: pd.DataFrame
    panel: pd.DataFrame
    share: str  # purchase-share column used for the claims: 'private' (N00119+N00120) or 'N00803'
    share_label: str
    private: E.PrivateShares
    latest: int  # latest year of the claims' share
    latest_all: int  # latest year of N00803
    top_five: list[str]
    lowest: str
    est: dict = field(default_factory=dict)  # (measure, level) -> Estimate


def _panel_years(panel: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Years usable for a within estimate: the net cost deviation only from 2019 (method break)."""
    return panel[panel["year"] >= 2019] if measure == "nka" else panel


PANEL_OUTCOME = {"rka": "z_rka", "nka": "nka", "dea_school": "z_dea_school", "dea_elderly": "z_dea_elderly"}


def panel_outcome(measure: str) -> str:
    """Panel column of a measure: the per-year standardised version."""
    return PANEL_OUTCOME.get(measure, f"z_{measure}")


def _names_to_codes(text: str, data_dir) -> list[str]:
    return [resolve(n.strip(), data_dir=data_dir) for n in str(text).split(",") if n.strip()]


@lru_cache(maxsize=4)
def _design(root: str) -> Design:
    cs = E.cross_section(root)
    priv = E.private_shares(root)
    use_private = priv.available and "private" in cs and cs["private"].notna().sum() >= MIN_LATEST
    share = "private" if use_private else E.ALL_PURCHASE
    label = ("private providers (N00119 + N00120)" if use_private
             else "all purchased core activity (N00803, includes public providers)")
    years = sorted(set(E.PANEL_YEARS))
    panel = E.panel(root, years)
    # the composite is a mean of z-scores (SD below 1): re-standardise per year so that the
    # within coefficient is in SD of efficiency, like the cross-section ones
    g = panel.groupby("year")["rka"]
    panel["z_rka"] = (panel["rka"] - g.transform("mean")) / g.transform("std")
    for frame in (cs, panel):
        frame["x_share"] = frame[share] / 10
        frame["x_all"] = frame[E.ALL_PURCHASE] / 10
        for key, s in E.SECTORS.items():
            frame[f"x_{key}"] = frame[s.purchase] / 10
    for m in E.MEASURES:
        cs[f"y_{m}"] = E.standardised(cs[m])
    d = Design(root=root, cs=cs, panel=panel, share=share, share_label=label, private=priv,
               latest=_latest(share, root), latest_all=_latest(E.ALL_PURCHASE, root),
               top_five=_names_to_codes(published("C100", "top_five").value, root),
               lowest=_names_to_codes(published("C101", "lowest").value, root)[0])
    for m in E.EFFICIENCY_MEASURES:
        d.est[(m, "correlation")] = R.ols(cs, f"y_{m}", "x_share")
        d.est[(m, "controls")] = R.ols(cs, f"y_{m}", "x_share", E.STRUCTURE, ["skr_group"])
        d.est[(m, "within")] = R.panel_fe(_panel_years(panel, m), panel_outcome(m), "x_share")
    return d


def _latest(kpi_or_col: str, root: str) -> int:
    """Latest year in which at least MIN_LATEST municipalities report a purchase share."""
    if kpi_or_col == "private":
        frame = E.private_shares(root).frame
        counts = frame.dropna(subset=["private"]).groupby("year").size()
    else:
        from ..sources.kolada import RIKET, load_kpis

        t = load_kpis(kpi_or_col, root)
        counts = t[t["municipality"] != RIKET].groupby("year").size()
    counts = counts[counts >= MIN_LATEST]
    if counts.empty:
        raise DataError(f"No year with {kpi_or_col} for {MIN_LATEST} municipalities")
    return int(counts.index.max())


def design(data_dir=None) -> Design:
    """Everything the chapter computes, once per data folder."""
    return _design(str(resolve_data_dir(data_dir)))


def clear_cache() -> None:
    """Forget computed designs (tests switch the live cache in and out)."""
    from ..sources.kolada import clear_cache as clear_kolada

    _design.cache_clear()
    E.clear_cache()
    clear_kolada()


def share_year(d: Design, year: int | None = None) -> int:
    """The year shown for the claims' share: ``year`` or the latest one."""
    if year is not None:
        return int(year)
    return d.latest if d.share == "private" else d.latest_all


def latest_shares(d: Design, year: int | None = None) -> pd.DataFrame:
    """The claims' share (and N00803) per municipality in their latest years, or in ``year``;
    a year without data is an error (not an empty table or plot)."""
    if d.share == "private":
        y = share_year(d, year)
        priv = d.private.frame
        last = priv[(priv["year"] == y) & priv["private"].notna()].set_index("municipality")
        if last.empty:
            raise DataError(f"N00119 + N00120 have no values for {y} (live cache covers "
                            f"{priv['year'].min()}–{priv['year'].max()})")
        try:
            n803 = E.share_in_year(E.ALL_PURCHASE, y if year is not None else d.latest_all, d.root)
        except DataError:
            n803 = pd.Series(np.nan, index=last.index, name=E.ALL_PURCHASE)  # context column only
        out = pd.DataFrame({"N00803": n803}).join(last[["private", *E.PRIVATE_KPIS]], how="outer")
    else:
        out = pd.DataFrame({"N00803": E.share_in_year(E.ALL_PURCHASE, share_year(d, year), d.root)})
    return out.join(d.cs[["name", "skr_group"]], how="left")


# ------------------------------------------------------------------ tables behind the text
def measures_table(d: Design) -> pd.DataFrame:
    """Which KPI stands for what, its years and coverage, and which claims it can test."""
    from ..sources.catalogue import title
    from ..sources.coverage import coverage_matrix

    kpis = {
        "U15900": "efficiency (primary composite; municipal schools only)",
        "U17900": "efficiency (primary composite; municipal schools only)",
        "U20900": "efficiency (primary composite)",
        "U11901": "efficiency (primary composite)",
        "U15401": "quality only", "U17401": "quality only", "U20404": "quality only (and DEA output)",
        "U11404": "quality only",
        "N00097": "cost only (net cost deviation); robustness",
        "N15027": "DEA input (compulsory school)", "N15507": "DEA output (compulsory school)",
        "N20048": "DEA input (elderly care)",
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


def levels_table(d: Design) -> pd.DataFrame:
    """Measure × level: coefficient, 95 % CI, n and the sign-rule verdict."""
    rows = []
    for m in E.EFFICIENCY_MEASURES:
        for lev in LEVELS:
            e = d.est[(m, lev)]
            rows.append({"measure": E.MEASURES[m], "level": LEVELS[lev], "coef": e.coef, "CI low": e.ci_low,
                         "CI high": e.ci_high, "n": e.n, "verdict (sign rule)": sign_test(e)})
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


# ------------------------------------------------------------------ figures
def fig_coverage(d: Design):
    """Municipalities with a value per year for each measure."""
    p = E.efficiency_panel(d.root)
    fig, ax = plt.subplots(figsize=(8.5, 4))
    cols = ["U11901", "U15900", "U17900", "U20900", "N00097", "dea_school", "dea_elderly"]
    counts = p[p["year"] >= 2010].groupby("year")[cols].count()
    for c in cols:
        ax.plot(counts.index, counts[c], marker="o", ms=3, label=E.MEASURES.get(c, c) if c != "N00097"
                else "Net cost deviation N00097")
    pur = d.panel.groupby("year")[d.share].count()
    ax.plot(pur.index, pur, color="black", ls="--", label=f"purchase share ({d.share})")
    ax.set_ylim(0, 300)
    ax.set_ylabel("municipalities with a value")
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    return fig


def fig_measure_correlations(d: Design):
    """Rank correlations between the efficiency, quality and cost measures (cross-section)."""
    import seaborn as sns

    cols = ["rka", "U11901", "U15900", "U17900", "U20900", "U15401", "U20404", "dea_school", "dea_elderly", "nka"]
    corr = d.cs[cols].corr(method="spearman")
    fig, ax = plt.subplots(figsize=(7.5, 6))
    sns.heatmap(corr, vmin=-1, vmax=1, cmap="RdBu_r", annot=True, fmt=".2f", annot_kws={"size": 7}, ax=ax,
                cbar_kws={"label": "Spearman rho"})
    ax.tick_params(labelsize=8)
    return fig


def fig_dea_vs_rka(d: Design):
    """Own DEA scores against RKA's efficiency index, per sector (cross-section means)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, (dea, rka) in zip(axes, [("dea_school", "U15900"), ("dea_elderly", "U20900")]):
        sub = d.cs[[dea, rka, "name"]].dropna()
        ax.scatter(sub[rka], sub[dea], s=12, alpha=0.6, color="#1b6ca8")
        top = sub.loc[sub.index.intersection(d.top_five)]
        ax.scatter(top[rka], top[dea], s=30, color="#d1495b", label="named top five")
        for _, r in top.iterrows():
            ax.annotate(r["name"], (r[rka], r[dea]), fontsize=7, xytext=(3, 3), textcoords="offset points")
        rho = eg.spearman(sub[dea], sub[rka])["rho"]
        ax.set_title(f"{E.MEASURES[dea].split(' (')[0]} (rho = {rho:.2f})", fontsize=10)
        ax.set_xlabel(f"{rka}: RKA efficiency index (0–100)")
        ax.set_ylabel("own DEA score θ (VRS)")
        ax.legend(fontsize=7)
    return fig


def fig_extremes(d: Design, year: int | None = None):
    """Figures 3 and 4 re-drawn: the named top five and the bottom five by each measure,
    beside the national distribution of the same share in the same year (latest by default)."""
    tab = figure34_table(d, year)
    shares = latest_shares(d, year)
    col = d.share if d.share == "private" else "N00803"
    groups = list(dict.fromkeys(tab["group"]))
    fig, (ax, axd) = plt.subplots(1, 2, figsize=(11, 6), gridspec_kw={"width_ratios": [3, 1.2]}, sharey=False)
    ypos, labels, colours = [], [], []
    y = 0
    palette = ["#d1495b", "#1b6ca8", "#2a9d8f", "#e9a03b", "#7a5195"]
    for gi, g in enumerate(groups):
        part = tab[tab["group"] == g]
        for _, r in part.iterrows():
            ypos.append(y)
            labels.append(f"{r['municipality']}")
            colours.append(palette[gi % len(palette)])
            y += 1
        y += 0.8
    ax.barh(ypos, tab["share (%)"], color=colours)
    ax.set_yticks(ypos, labels, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(10, color="black", ls=":", lw=1)
    ax.axvline(shares[col].median(), color="grey", ls="--", lw=1)
    ax.set_xlabel(f"purchase share {col}, {share_year(d, year)} (%)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=palette[i % len(palette)]) for i in range(len(groups))]
    ax.legend(handles, groups, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    axd.hist(shares[col].dropna(), bins=30, orientation="horizontal", color="#8d99ae")
    axd.axhline(10, color="black", ls=":", lw=1)
    axd.axhline(shares[col].median(), color="grey", ls="--", lw=1)
    axd.set_ylabel("purchase share (%)")
    axd.set_xlabel("municipalities")
    axd.set_title(f"all {int(shares[col].notna().sum())}", fontsize=10)
    return fig


def fig_deciles(d: Design):
    """Mean purchase share by decile of each efficiency measure."""
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.6), sharey=True)
    for ax, m in zip(axes, E.EFFICIENCY_MEASURES):
        t = E.share_by_decile(d.cs, m, d.share)
        ax.errorbar(t["decile"], t["mean share"], yerr=[t["mean share"] - t["CI low"], t["CI high"] - t["mean share"]],
                    fmt="o-", ms=4, color="#1b6ca8", capsize=2)
        ax.axhline(d.cs[d.share].mean(), color="grey", ls="--", lw=1)
        ax.set_title(E.MEASURES[m].split(" (")[0].replace("RKA efficiency composite", "RKA composite"), fontsize=9)
        ax.set_xlabel("decile (10 = most efficient)")
        ax.set_xticks(range(1, 11))
    axes[0].set_ylabel(f"mean {d.share} share (%), 2019–2022")
    return fig


def fig_binscatter(d: Design, measures=("rka", "nka")):
    """Binned scatter of efficiency on purchase share: raw, and residualised on the controls."""
    fig, axes = plt.subplots(1, len(measures), figsize=(10, 4), squeeze=False)
    for ax, m in zip(axes[0], measures):
        for label, ctl, cat, colour in (("no controls", [], [], "#1b6ca8"),
                                        ("with structural controls", E.STRUCTURE, ["skr_group"], "#d1495b")):
            b = R.binned_scatter(d.cs, f"y_{m}", d.share, 20, ctl, cat)
            ax.errorbar(b["x"], b["y"], yerr=[b["y"] - b["lo"], b["hi"] - b["y"]], fmt="o", ms=4, color=colour,
                        alpha=0.85, capsize=1.5, label=label)
            e = R.ols(d.cs.assign(_x=d.cs[d.share]), f"y_{m}", "_x", ctl, cat)
            xs = np.linspace(b["x"].min(), b["x"].max(), 10)
            ax.plot(xs, b["y"].mean() + e.coef * (xs - b["x"].mean()), color=colour, lw=1)
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(E.MEASURES[m], fontsize=9)
        ax.set_xlabel(f"purchase share {d.share} (%), mean 2019–2022")
        ax.set_ylabel("efficiency (SD, higher = more efficient)")
        ax.legend(fontsize=7)
    return fig


def fig_coefficients(grid: pd.DataFrame):
    """Coefficient plot: purchase-share coefficient per outcome and specification."""
    specs = list(dict.fromkeys(grid["spec"]))
    measures = list(dict.fromkeys(grid["measure"]))
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(measures) * 1.6 + 1))
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(specs)))
    step = 0.8 / len(specs)
    for i, spec in enumerate(specs):
        g = grid[grid["spec"] == spec].set_index("measure").loc[measures]
        y = np.arange(len(measures)) + i * step
        ax.errorbar(g["coef"], y, xerr=[g["coef"] - g["CI low"], g["CI high"] - g["coef"]], fmt="o", ms=3.5,
                    color=colours[i], capsize=1.5, label=spec, lw=1)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(np.arange(len(measures)) + 0.4 - step / 2,
                  [E.MEASURES[m] for m in measures], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel(SCALE)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.35, -0.06), ncol=3, frameon=False)
    return fig


def fig_sectors(tab: pd.DataFrame):
    """Sector purchase share vs sector efficiency: coefficients per sector and specification."""
    tab = tab.assign(row=tab["sector"] + " — " + tab["measure"])
    rows = list(dict.fromkeys(tab["row"]))
    specs = list(dict.fromkeys(tab["spec"]))
    fig, ax = plt.subplots(figsize=(8.5, 0.5 * len(rows) + 1.5))
    colours = ["#1b6ca8", "#d1495b", "#2a9d8f"]
    step = 0.25
    for i, spec in enumerate(specs):
        g = tab[tab["spec"] == spec].set_index("row").loc[rows]
        y = np.arange(len(rows)) + i * step
        ax.errorbar(g["coef"], y, xerr=[g["coef"] - g["CI low"], g["CI high"] - g["coef"]], fmt="o", ms=4,
                    color=colours[i], capsize=1.5, label=spec)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(np.arange(len(rows)) + step, rows, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("SD of the sector's efficiency per 10 pp of the sector's purchase share")
    ax.legend(fontsize=8)
    return fig


def fig_confounding(d: Design):
    """Purchase share against tax capacity and against the history of centre-right rule."""
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.2), sharey=True)
    groups = d.cs["skr_group"].str[0].map({"A": "A: big cities and commuter municipalities near them",
                                           "B": "B: large towns and commuter municipalities near them",
                                           "C": "C: smaller towns and rural municipalities"})
    colours = {"A": "#d1495b", "B": "#1b6ca8", "C": "#2a9d8f"}
    for ax, (col, xlabel) in zip(axes, [("tax_capacity", "tax capacity, kr per inhabitant (mean 2019–2022)"),
                                        ("centre_right_history", "share of years 1994–2018 with a centre-right "
                                                                 "majority")]):
        for g, part in d.cs.groupby(groups):
            ax.scatter(part[col], part[d.share], s=10, alpha=0.6, color=colours[g[0]], label=g)
        top = d.cs.loc[d.top_five]
        ax.scatter(top[col], top[d.share], s=40, facecolors="none", edgecolors="black", label="named top five")
        ax.set_xlabel(xlabel)
    axes[0].set_ylabel(f"purchase share {d.share} (%), mean 2019–2022")
    axes[0].legend(fontsize=7)
    return fig


# ------------------------------------------------------------------ claims
def _fmt(e: R.Estimate) -> str:
    return R.describe(e)


def sign_test(e: R.Estimate, alpha: float = RB.ALPHA, claimed: int = 1) -> str:
    """Rule directional-test on one estimate: the claimed sign with a one-sided p ≤ α (from the
    estimate's two-sided p), contradicted by the opposite sign with a one-sided p ≤ α."""
    p_claimed, p_opposite = RB.one_sided_from_two_sided(e.coef, e.p, claimed)
    return RB.directional_test(e.coef * claimed > 0, p_claimed, p_opposite, alpha)


def combined_verdict(primary: R.Estimate, robust: list[R.Estimate], primary_opposite: bool = False,
                     alpha: float = RB.ALPHA) -> str:
    """Rule directional-test on the primary measure; robustness measures are secondary (rule
    secondary-checks): they can lower a supported verdict to partly supported when one of them, or
    another test of the primary measure (its rank correlation: ``primary_opposite``), is
    significantly of the opposite sign, and never raise a verdict."""
    v = sign_test(primary, alpha)
    if v == RB.SUPPORTED and (primary_opposite or any(sign_test(e, alpha) == RB.CONTRADICTED for e in robust)):
        return RB.PARTLY
    return v


def _alts(primary: R.Estimate, robust: list[R.Estimate], primary_opposite: bool = False) -> dict[str, str]:
    return RB.alpha_alternatives(lambda a: combined_verdict(primary, robust, primary_opposite, a))


RULE_TEXT = (f"Rule directional-test (α = {RB.ALPHA:g}): supported = the primary measure in the claimed direction with a "
             f"one-sided p ≤ {RB.ALPHA:g} (a {1 - 2 * RB.ALPHA:.0%} CI excluding zero); contradicted = the opposite "
             "direction with the same strength; otherwise not supported. Robustness measures are secondary: they can "
             "lower a supported verdict to partly supported when one is significantly of the opposite sign, never raise "
             "one.")


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
    v = combined_verdict(prim, [d.est[(m, level)] for m in ROBUST], primary_opposite=opposite)
    alts = _alts(prim, [d.est[(m, level)] for m in ROBUST], opposite)
    others = "; ".join(f"{E.MEASURES[m]} {_fmt(d.est[(m, level)])} (n = {d.est[(m, level)].n})" for m in ROBUST)
    years = "2016–2022 panel, municipality and year effects, SE clustered by municipality (net cost deviation " \
            "2019–2022 only)" if level == "within" else "means 2019–2022, HC3 robust SE"
    ctl = " Controls: SKR group, log population, urbanisation, age 0–19/65+/80+, log tax capacity, " \
          "post-secondary education, foreign-born." if level == "controls" else ""
    note = (f"Level: {LEVELS[level]}. Coefficient = {SCALE} ({d.share}); {years}.{ctl} Primary measure "
            f"{E.MEASURES[PRIMARY]}: {_fmt(prim)} (n = {prim.n}).{rank_txt} Robustness: {others}. " + RULE_TEXT)
    return check_statement(cid, key, round(prim.coef, 3), v, note, year_data="2019–2022" if level != "within"
                           else "2016–2022", unit=SCALE, label=f"{LEVELS[level][0].upper()}{LEVELS[level][1:]}",
                           rule="directional-test", alternatives=alts)


def _level_summary(d: Design, checks) -> str:
    parts = []
    for lev, c in zip(LEVELS, checks):
        robust = [SHORT[m] for m in ROBUST if sign_test(d.est[(m, lev)]) == "supported"]
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
        v = combined_verdict(rows[PRIMARY], [rows[m] for m in ROBUST])
        alts = _alts(rows[PRIMARY], [rows[m] for m in ROBUST])
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
    robust_pos = any(rho[m]["CI low"] > 0 for m in ROBUST)
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
        "measure while the primary measure's CI includes zero; contradicted = the primary measure's rho negative "
        "with a CI below zero and no measure positive; otherwise (including measures of opposite sign) not "
        "supported.",
        year_data="2019–2022", unit="Spearman rho", label="A strong correlation over all municipalities")
    c2 = _level_check(d, "C102", "strong_relationship", "controls")
    # outside the extremes: drop the named top five and the bottom five of the same measure
    rows = {}
    for m in E.EFFICIENCY_MEASURES:
        drop = set(d.top_five) | set(E.extremes(d.cs, m, 5).index)
        rows[m] = R.ols(d.cs.drop(index=list(drop)), f"y_{m}", "x_share")
    v3 = combined_verdict(rows[PRIMARY], [rows[m] for m in ROBUST])
    c3 = check_statement(
        "C102", "strong_relationship", round(rows[PRIMARY].coef, 3), v3,
        "Cross-section slope without the ten municipalities of Figures 3–4 (the named top five and the bottom five "
        "by the same measure): " + "; ".join(f"{E.MEASURES[m]} {_fmt(rows[m])} (n = {rows[m].n})"
                                              for m in E.EFFICIENCY_MEASURES)
        + f". {SCALE}. " + RULE_TEXT,
        year_data="2019–2022", unit=SCALE, label="The relation outside the extremes of Figures 3–4",
        rule="directional-test", alternatives=_alts(rows[PRIMARY], [rows[m] for m in ROBUST]))
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
    from ..sources.kolada import kpi_wide

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


# ------------------------------------------------------------------ sentences for the notebook
def _ci(e) -> str:
    return f"{e['coef']:+.2f} [{e['CI low']:+.2f}, {e['CI high']:+.2f}]"


def text_contrast(d: Design, con: pd.DataFrame) -> str:
    """Is the contrast of Figures 3–4 real, and special to the extremes? (computed sentences)"""
    named = con[con["top group"] == "named top five"]
    same = con[con["top group"] == "top five by the same measure"].set_index("measure")
    real = (named["CI low"] > 0).all()
    meta = d.cs.loc[d.top_five]
    groups = ", ".join(sorted(set(meta["skr_group_name"])))
    counties = ", ".join(sorted(set(meta["county"])))
    rka_top = E.extremes(d.cs, PRIMARY, 5, top=True)
    shares = latest_shares(d)
    col = d.share if d.share == "private" else "N00803"
    return (
        f"**Is the contrast real?** Between the named five and the bottom five of each measure the difference is "
        f"{named['difference (pp)'].min():.0f}–{named['difference (pp)'].max():.0f} percentage points"
        f"{', every CI excluding zero' if real else ', not every CI excluding zero'}. **Is it special to the "
        "extremes?** The five most efficient by the *same* public measure differ from that measure's bottom five by "
        + "; ".join(f"{r['difference (pp)']:+.0f} pp [{r['CI low']:+.0f}, {r['CI high']:+.0f}] "
                    f"({m.split(' (')[0]})" for m, r in same.iterrows())
        + f". The named five are all *{groups}* in {counties}; the five most "
        f"efficient by RKA's composite ({', '.join(rka_top['name'])}) have a mean share of "
        f"{shares.loc[rka_top.index, col].mean():.1f} % against a national median of {shares[col].median():.1f} % "
        f"({col}, {share_year(d)}, as in the table)."
    )


def text_cross(grid: pd.DataFrame) -> str:
    """What the coefficient plot shows (computed sentences)."""
    g = grid.set_index(["measure", "spec"])

    def c(m, s):
        return g.loc[(m, s), "coef"]

    pol = max(abs(c(m, "+ structure + politics") - c(m, "+ structure")) for m in E.EFFICIENCY_MEASURES)
    school_drop = abs(c("dea_school", "+ structure")) < 0.5 * abs(c("dea_school", "bivariate"))
    return (
        f"Without controls, a municipality buying 10 percentage points more has a net cost deviation "
        f"{c('nka', 'bivariate'):+.2f} SD better, {c('nka', '+ structure'):+.2f} SD with structural controls. On "
        f"RKA's composite the slope is {c('rka', 'bivariate'):+.2f} SD without and {c('rka', '+ structure'):+.2f} SD "
        f"with controls. The school DEA slope goes from {c('dea_school', 'bivariate'):+.2f} to "
        f"{c('dea_school', '+ structure'):+.2f} SD once structure is controlled"
        + (": most of it is structure — high-purchase municipalities have pupils who reach high merit values anyway."
           if school_drop else ".")
        + f" Adding the governing bloc moves no coefficient by more than {pol:.2f} SD."
    )


def text_sectors(sec: pd.DataFrame) -> str:
    """Which sectors show the claimed sign across municipalities and within (computed sentences)."""
    def verdict(row):
        return sign_test(R.Estimate(row["coef"], np.nan, row["CI low"], row["CI high"], row["p"], row["n"],
                                         np.nan, ""))

    def listing(rows):
        return ", ".join(f"{r['sector']} ({r['measure']} {_ci(r)})" for _, r in rows.iterrows())

    sec = sec.assign(v=sec.apply(verdict, axis=1))
    parts = []
    for spec, where in (("+ structure", "Across municipalities with controls"), ("within (FE)", "Within municipalities")):
        pos = sec[(sec["spec"] == spec) & (sec["v"] == "supported")]
        neg = sec[(sec["spec"] == spec) & (sec["v"] == "contradicted")]
        parts.append(f"{where}, a higher sector share goes with higher efficiency for {listing(pos) or 'no sector'}"
                     + (f"; with lower efficiency for {listing(neg)}" if len(neg) else "") + ".")
    within = sec[sec["spec"] == "within (FE)"]
    sig = within[within["p"] < 0.05]
    parts.append(
        f"These are {len(sec)} estimates of one family; with Holm's adjustment for multiple comparisons "
        f"{int((sec['p (Holm)'] < 0.05).sum())} of them keep p < 0.05"
        + (", and of the within estimates with p < 0.05 " + ", ".join(
            f"{r['sector']} ({r['measure']}: p = {r['p']:.3f}, Holm {r['p (Holm)']:.2f})" for _, r in sig.iterrows())
           + (" does not survive it" if (sig["p (Holm)"] >= 0.05).all() else " partly survives it")
           if len(sig) else "; no within estimate has p < 0.05")
        + ".")
    return " ".join(parts) + (" For compulsory school, RKA's index covers municipal schools only: if independent "
                              "schools attract pupils who would have raised the municipal schools' results, a higher "
                              "purchase share lowers the municipal index without saying anything about efficiency.")


def text_dea(d: Design) -> str:
    """How the own DEA relates to RKA's indices (computed sentences)."""
    t = dea_vs_rka(d).set_index(["own DEA", "compared with"])["rho"]
    school_rka, school_nka = t.iloc[0], t.iloc[2]
    closer = "cost-only net cost deviation" if school_nka > school_rka else "RKA index"
    return (
        f"The school DEA correlates {school_rka:+.2f} with RKA's index for municipal schools and {school_nka:+.2f} "
        f"with the net cost deviation — closer to the {closer}. Without a structural adjustment of the output, a "
        "high merit value at a moderate cost, as in affluent suburbs, is what puts a municipality on the frontier. The "
        f"elderly-care DEA correlates {t.iloc[3]:+.2f} with RKA's elderly-care index, built from the same quality "
        "index and a cost index."
    )


THIS, NEXT = "this year's share", "next year's share"


def text_timing(tim: pd.DataFrame) -> str:
    """What the lead test shows, with the sum of the two coefficients and the sign each
    reverse-causality story predicts for the lead (computed sentences)."""
    def short(label):
        return label.split(" (")[0]

    def ci(r, suffix=""):
        col = {"": THIS, " (next)": NEXT, " (sum)": "sum"}[suffix]
        return f"{r[col]:+.2f} [{r['CI low' + suffix]:+.2f}, {r['CI high' + suffix]:+.2f}]"

    parts = ["What each story predicts for next year's share, holding this year's fixed: if efficient "
             "administrations go on to buy more (efficiency → purchasing), the lead is *positive*; if cost pressure "
             "— low efficiency — drives outsourcing, the lead is *negative*; if purchasing raises efficiency with no "
             "anticipation, the lead is about zero and this year's share carries the relation."]
    for _, r in tim.iterrows():
        lead_sig = r["CI low (next)"] > 0 or r["CI high (next)"] < 0
        cur_sig = r["CI low"] > 0 or r["CI high"] < 0
        sum_sig = r["CI low (sum)"] > 0 or r["CI high (sum)"] < 0
        if not (lead_sig or cur_sig):
            continue
        lead_read = ("" if not lead_sig else
                     " — the sign the cost-pressure story predicts" if r[NEXT] < 0 else
                     " — the sign the efficient-administration story predicts")
        parts.append(
            f"{short(r['measure'])}: this year's share {ci(r)}, next year's {ci(r, ' (next)')}{lead_read}; their sum, "
            f"the association of a lasting 10 pp rise, is {ci(r, ' (sum)')}"
            + (", its CI excluding zero." if sum_sig else ", its CI including zero — the significant this-year "
               "coefficient is offset by the lead and does not show a lasting relation."))
    if len(parts) == 1:
        parts.append("Neither this year's nor next year's share has a coefficient whose 95 % CI excludes zero for any "
                     "measure.")
    parts.append("The two shares are close from one year to the next, so the pair is best read through its sum; the "
                 "last year drops out because it has no 'next year'.")
    return " ".join(parts)


def text_tail(d: Design) -> str:
    """Does the relation live only in the top tail of the share? (computed sentences)"""
    tail = tail_sensitivity(d)
    dec = decile_slopes(d)

    def row(frame, key, col, value):
        return frame[(frame["key"] == key) & (frame[col] == value)].iloc[0]

    samples = list(tail_samples(d))
    full, no_top, no_grp = samples
    rho = primary_rho(d)
    p_all, p_top, p_grp = (row(tail, PRIMARY, "sample", x) for x in samples)
    n_all, n_top, n_grp = (row(tail, "nka", "sample", x) for x in samples)
    dec_rows = {(r["key"], r["deciles"]): r for _, r in dec.iterrows()}
    upto = [x for x in dict.fromkeys(dec["deciles"]) if x != "deciles 1–10"][0]
    return (
        f"**The top tail.** Over all municipalities RKA's composite has a rank correlation of {rho['rho']:+.2f} "
        f"[{rho['CI low']:+.2f}, {rho['CI high']:+.2f}] with the share and a slope of {_ci(p_all)} SD per 10 pp; "
        f"{no_top} the slope is {_ci(p_top)} (n = {p_top['n']}), {no_grp} {_ci(p_grp)} (n = {p_grp['n']}). The "
        f"cost-only net cost deviation goes from {_ci(n_all)} to {_ci(n_top)} and {_ci(n_grp)}. Across the deciles "
        f"of Figure 5 the mean share rises by {_ci(dec_rows[('nka', 'deciles 1–10')])} pp per decile of the net cost "
        f"deviation over all ten deciles but {_ci(dec_rows[('nka', upto)])} over {upto}; for RKA's composite "
        f"{_ci(dec_rows[(PRIMARY, 'deciles 1–10')])} and {_ci(dec_rows[(PRIMARY, upto)])}. Without the top "
        f"decile the net cost deviation's slope is {100 * (1 - n_top['coef'] / n_all['coef']):.0f} % smaller"
        + (" but its CI still excludes zero" if n_top["CI low"] > 0 else " and its CI includes zero")
        + "; on the primary measure the slope in the rest of the distribution is "
        + ("negative with a CI excluding zero." if p_top["CI high"] < 0 else
           "positive with a CI excluding zero." if p_top["CI low"] > 0 else "not distinguishable from zero.")
    )


def text_top_five_ranks(d: Design) -> str:
    """Where the named top five rank on the public measures (computed sentence)."""
    ranks = d.cs[list(E.EFFICIENCY_MEASURES)].rank(ascending=False)
    of = d.cs[list(E.EFFICIENCY_MEASURES)].notna().sum()
    return (
        "On the primary measure the five named as most efficient rank "
        + ", ".join(f"{d.cs.loc[c, 'name']} {ranks.loc[c, PRIMARY]:.0f}" for c in d.top_five)
        + f" of {of[PRIMARY]} (1 = most efficient by RKA's composite, means 2019–2022); on the cost-only net cost "
        "deviation " + ", ".join(f"{ranks.loc[c, 'nka']:.0f}" for c in d.top_five) + f" of {of['nka']}."
        + (" Svenskt Näringsliv's top five are therefore not the top five by RKA's public measure of cost and "
           "quality." if (ranks.loc[d.top_five, PRIMARY] > len(d.top_five)).any() else "")
    )


def text_dea_sparsity(d: Design) -> str:
    """Who is at the bottom of the school DEA (computed sentence)."""
    low = E.extremes(d.cs, "dea_school", 5)
    pop = d.cs["population"]

    def num(v):
        return f"{v:,.0f}".replace(",", "\u2009")

    return (
        "The five lowest school DEA scores belong to "
        + ", ".join(f"{r['name']} ({r['county']}, {num(r['population'])} inhabitants)" for _, r in low.iterrows())
        + f", against a national median of {num(pop.median())}; their mean share ({d.share}) is "
        f"{low[d.share].mean():.1f} % against a median of {d.cs[d.share].median():.1f} %. Sparse municipalities "
        "run small schools at a high cost per pupil, which the DEA (without structural adjustment) reads as "
        "inefficiency; they also have thin private markets, which lowers a private share"
        + (", so a low DEA score and a low purchase share can both follow from sparsity rather than one from the "
           "other." if low[d.share].mean() < d.cs[d.share].median() else
           "; here their purchase share is not below the median (N00803 includes purchases from neighbours and "
           "federations, which small municipalities use), so the school DEA's ranking at the bottom reflects "
           "settlement structure more than purchasing.")
    )
