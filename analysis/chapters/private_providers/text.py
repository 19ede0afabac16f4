"""private-providers: computed sentences for the notebook."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...methods import efficiency as E
from ...methods import regressions as R
from .design import PRIMARY, Design, latest_shares, share_year
from .rules import _ci, sign_test
from .tables import dea_vs_rka, decile_slopes, primary_rho, tail_samples, tail_sensitivity

# ------------------------------------------------------------------ sentences for the notebook

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
