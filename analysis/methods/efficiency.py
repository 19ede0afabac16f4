"""Efficiency and purchase-share measures for the private-providers chapter (theme a).

Documents 003 and 004 relate Svenskt Näringsliv's (non-public) DEA efficiency ranking to
the share of core activity bought from private providers. The public stand-ins, all from
Kolada, are assembled here once, as a municipality × year panel and as a cross-section:

* **efficiency** — RKA's efficiency indices per sector (0–100, cost and quality together,
  *kommunal* activity only for schools), their composite (the rule of
  :mod:`analysis.methods.efficiency_groups`: each index standardised per year, averaged over the
  indices a municipality has, at least two of four), the total net cost deviation N00097
  (cost only, sign flipped so higher = cheaper than structure predicts), the quality
  indices alone, and the book's own DEA scores (:func:`dea_scores`);
* **purchases** — N00803, all purchased core activity as a share of the cost of the
  municipality's own commitment (the only total share in the snapshot; it *includes*
  purchases from other municipalities, regions and federations), the sector shares, and,
  when `make data` has cached them, N00119/N00120 (privately owned firms; associations and
  foundations), whose sum is the private-only share the documents print;
* **controls** — structure and politics.

Every function fails with :class:`DataError` when a measure has no data for a requested
year, instead of returning an empty frame that would plot as nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ..config import data_dir as resolve_data_dir
from ..errors import DataError, UnknownKPIError
from ..sources.kolada import RIKET, load_kpis
from ..sources.municipalities import governing_bloc, municipalities
from . import efficiency_groups as eg
from .dea import cost_rank_correlation, dea_by_year, share_at_cost_ratio


@dataclass(frozen=True)
class Sector:
    key: str
    label: str
    index: str  # RKA efficiency index
    quality: str  # RKA quality index
    purchase: str  # sector purchase share


SECTORS = {
    "preschool": Sector("preschool", "preschool", "U11901", "U11404", "N04110"),
    "school": Sector("school", "compulsory school", "U15900", "U15401", "N15040"),
    "upper": Sector("upper", "upper secondary school", "U17900", "U17401", "N17023"),
    "elderly": Sector("elderly", "elderly care", "U20900", "U20404", "N20805"),
}
ALL_PURCHASE = "N00803"
CARE_PURCHASE = "N04123"
PRIVATE_KPIS = ("N00119", "N00120")  # privately owned firms; associations and foundations
NKA = "N00097"
CROSS_YEARS = eg.YEARS  # 2019–2022: after the 2019 break in the net cost deviation
PANEL_YEARS = tuple(range(2016, 2023))  # RKA's indices start in 2016
MIN_INDICES = eg.MIN_INDICES

# DEA (input-oriented, VRS): one input, one output per sector; see dea_scores()
DEA_SPECS = {
    "dea_school": {"label": "DEA, compulsory school", "inputs": ["N15027"], "outputs": ["N15507"],
                   "first": 2015},
    "dea_elderly": {"label": "DEA, elderly care", "inputs": ["N20048"], "outputs": ["U20404"], "first": 2016,
                    "floor_is_missing": ["U20404"]},
}
# U20404 = 0 is not a measured zero: RKA sets its index to 0 for every municipality below the
# 2.5th percentile (Kolada's definition; about five a year, mirrored by about five at 100). As a DEA
# output a 0 would mean "no quality at all" and a cheap municipality at 0 would anchor the frontier,
# so those municipality-years get no elderly-care DEA score (quality_floor() counts them).

CONTROL_KPIS = {
    "N01951": "population",
    "N00954": "urbanisation (tätortsgrad, %)",
    "N01994": "aged 0–19 (%)",
    "N01960": "aged 65+ (%)",
    "N01813": "aged 80+ (%)",
    "N00903": "tax capacity (kr/inv)",
    "N01982": "post-secondary education, 25–64 (%)",
    "N02926": "foreign-born (%)",
}
# regressors built from CONTROL_KPIS (log of population and tax capacity)
STRUCTURE = ["log_population", "urbanisation", "age_0_19", "age_65", "age_80", "log_tax_capacity",
             "education", "foreign_born"]
CENTRE_RIGHT = ("centre-right", "centre-right with SD")

MEASURES = {
    "rka": "RKA efficiency composite (cost and quality)",
    "U11901": "RKA efficiency index, preschool",
    "U15900": "RKA efficiency index, compulsory school (municipal schools)",
    "U17900": "RKA efficiency index, upper secondary (municipal schools)",
    "U20900": "RKA efficiency index, elderly care",
    "U11404": "RKA quality index, preschool",
    "U15401": "RKA quality index, compulsory school (municipal schools)",
    "U17401": "RKA quality index, upper secondary (municipal schools)",
    "U20404": "RKA quality index, elderly care",
    "nka": "Net cost deviation N00097, sign flipped (cost only)",
    "dea_school": "Own DEA, compulsory school (cost per pupil → merit value; cost only in effect)",
    "dea_elderly": "Own DEA, elderly care (cost per 80+ → quality index; cost only in effect)",
}
EFFICIENCY_MEASURES = ("rka", "nka", "dea_school", "dea_elderly")


# ----------------------------------------------------------------- helpers
def _wide(kpis, data_dir=None) -> pd.DataFrame:
    """Municipality × year, one column per KPI (Riket dropped)."""
    tidy = load_kpis(list(kpis), data_dir)
    tidy = tidy[tidy["municipality"] != RIKET]
    wide = tidy.pivot_table(index=["municipality", "year"], columns="kpi", values="value", aggfunc="first")
    wide.columns.name = None
    return wide.reset_index()


def _zscore_by_year(frame: pd.DataFrame, col: str) -> pd.Series:
    g = frame.groupby("year")[col]
    return (frame[col] - g.transform("mean")) / g.transform("std")


def require_years(frame: pd.DataFrame, col: str, years, what: str | None = None) -> None:
    """Fail clearly when ``col`` has no value at all in one of ``years``."""
    have = set(frame.loc[frame[col].notna(), "year"].unique())
    missing = sorted(set(years) - have)
    if missing:
        span = f"{min(have)}–{max(have)}" if have else "no years"
        raise DataError(f"{what or col} has no values for {missing} (data cover {span})")


# ----------------------------------------------------------------- purchases
@dataclass(frozen=True)
class PrivateShares:
    """The private-only purchase share (N00119 + N00120) when the live cache holds it."""

    frame: pd.DataFrame | None  # municipality, year, N00119, N00120, private
    message: str

    @property
    def available(self) -> bool:
        return self.frame is not None


def private_shares(data_dir=None) -> PrivateShares:
    """N00119 + N00120 if `make data` has cached them; otherwise ``frame=None`` and the reason."""
    try:
        w = _wide(PRIVATE_KPIS, data_dir)
    except UnknownKPIError as exc:
        return PrivateShares(None, str(exc))
    for k in PRIVATE_KPIS:
        if k not in w:
            return PrivateShares(None, f"{k} holds no municipality values")
    w["private"] = w["N00119"] + w["N00120"]
    span = f"{int(w['year'].min())}–{int(w['year'].max())}"
    return PrivateShares(w, f"N00119 + N00120 read from the live cache ({span})")


def purchase_panel(data_dir=None) -> pd.DataFrame:
    """Municipality × year purchase shares (%): N00803, N04123, the sector shares and, when
    cached, the private-only share ``private``."""
    kpis = [ALL_PURCHASE, CARE_PURCHASE, *[s.purchase for s in SECTORS.values()]]
    w = _wide(kpis, data_dir)
    priv = private_shares(data_dir)
    if priv.available:
        w = w.merge(priv.frame[["municipality", "year", "private", *PRIVATE_KPIS]], on=["municipality", "year"],
                    how="outer")
    return w


def share_in_year(kpi: str, year: int, data_dir=None) -> pd.Series:
    """One purchase share (any KPI) for every municipality in one year; an absent year is an error."""
    tidy = load_kpis(kpi, data_dir)
    tidy = tidy[(tidy["municipality"] != RIKET)]
    have = sorted(tidy["year"].unique())
    part = tidy[tidy["year"] == year]
    if part.empty:
        span = f"{have[0]}–{have[-1]}" if have else "no years"
        raise DataError(f"{kpi} has no values for {year} (data cover {span})")
    return part.set_index("municipality")["value"].rename(kpi)


# ----------------------------------------------------------------- efficiency
def dea_scores(data_dir=None) -> pd.DataFrame:
    """The book's own DEA (input-oriented, VRS), one frontier per year:

    * compulsory school: input N15027 (cost per pupil, home municipality, all schools
      including independent ones), output N15507 (average merit value of year-9 pupils
      resident in the municipality, all schools). Both count the pupils the municipality
      pays for wherever they study, so — unlike RKA's index for *municipal* schools — the
      score covers purchased schooling too;
    * elderly care: input N20048 (cost of elderly care per inhabitant 80+, where care
      needs concentrate), output U20404 (RKA's quality index: users' assessments, staff
      training, waiting times; 0–100). A value of exactly 0 is RKA's floor for the bottom
      2.5 % (censored, not measured) and is treated as missing.

    With one input and one output both DEAs rank municipalities almost exactly as 1/cost
    (:func:`dea_cost_dependence`): they are cost measures in effect (rulebook rule cost-only).

    Scores are θ ∈ (0, 1]: the share of its cost at which the municipality could have
    reached its result on the frontier of that year's observed municipalities.
    """
    return _dea_scores(str(resolve_data_dir(data_dir)))


@lru_cache(maxsize=2)
def _dea_scores(root: str) -> pd.DataFrame:
    out = None
    for key, spec in DEA_SPECS.items():
        w = _wide(spec["inputs"] + spec["outputs"], root)
        w = w[w["year"] >= spec["first"]]
        for k in spec.get("floor_is_missing", []):
            w.loc[w[k] == 0, k] = np.nan  # censored at the floor: the level is unknown, not zero
        scores = dea_by_year(w, spec["inputs"], spec["outputs"], returns="vrs").rename(columns={"score": key})
        out = scores if out is None else out.merge(scores, on=["municipality", "year"], how="outer")
    return out


def dea_cost_dependence(data_dir=None, years=CROSS_YEARS) -> pd.DataFrame:
    """How closely each DEA score follows its cost input alone: per DEA, the Spearman rank
    correlation of the score with 1/cost in each year (lowest and highest), for the means over
    ``years`` (the score the chapter uses), and the share of municipality-years whose score is
    exactly min(cost)/cost (the output played no part)."""
    root = str(resolve_data_dir(data_dir))
    scores = _dea_scores(root)
    rows = []
    for key, spec in DEA_SPECS.items():
        cost_kpi = spec["inputs"][0]
        w = _wide(spec["inputs"], root).merge(scores[["municipality", "year", key]], on=["municipality", "year"])
        w = w.dropna(subset=[key, cost_kpi])
        per_year = {int(y): cost_rank_correlation(p.set_index("municipality")[key], p.set_index("municipality")[cost_kpi])
                    for y, p in w.groupby("year")}
        at_ratio = [share_at_cost_ratio(p.set_index("municipality")[key], p.set_index("municipality")[cost_kpi])
                    for _, p in w.groupby("year")]
        sizes = w.groupby("year").size()
        mean = w[w["year"].isin(list(years))].groupby("municipality")[[key, cost_kpi]].mean()
        rows.append({"DEA": key, "label": MEASURES[key], "cost input": cost_kpi,
                     "rho with 1/cost, lowest year": min(per_year.values()),
                     "rho with 1/cost, highest year": max(per_year.values()),
                     f"rho with 1/cost, means {years[0]}–{years[-1]}": cost_rank_correlation(mean[key], mean[cost_kpi]),
                     "score = min(cost)/cost (share of municipality-years)": float(np.average(at_ratio, weights=sizes)),
                     "years": f"{min(per_year)}–{max(per_year)}"})
    return pd.DataFrame(rows)


def quality_floor(kpi: str = "U20404", data_dir=None) -> pd.DataFrame:
    """Per year: municipalities with a value of an RKA index, how many sit exactly at 0 and at
    100, and the share at 0. RKA sets the index to 0 below the 2.5th percentile and to 100
    above the 97.5th (Kolada's definition), so about 2.5 % at each end is expected."""
    tidy = load_kpis(kpi, data_dir)
    tidy = tidy[tidy["municipality"] != RIKET]
    g = tidy.groupby("year")["value"]
    out = pd.DataFrame({"municipalities": g.size(), "at 0": g.apply(lambda s: int((s == 0).sum())),
                        "at 100": g.apply(lambda s: int((s == 100).sum()))})
    out["share at 0 (%)"] = 100 * out["at 0"] / out["municipalities"]
    return out.reset_index()


def efficiency_panel(data_dir=None) -> pd.DataFrame:
    """Municipality × year: raw and per-year standardised efficiency measures.

    Columns: the RKA efficiency and quality indices (raw, 0–100) and ``z_<KPI>``; ``rka``
    = mean of the standardised efficiency indices a municipality has that year (at least
    two of four); ``nka`` = −z(N00097); the DEA scores and ``z_dea_*``.
    """
    return _efficiency_panel(str(resolve_data_dir(data_dir))).copy()


@lru_cache(maxsize=2)
def _efficiency_panel(root: str) -> pd.DataFrame:
    idx = [s.index for s in SECTORS.values()]
    qual = [s.quality for s in SECTORS.values()]
    w = _wide([*idx, *qual, NKA], root)
    for k in [*idx, *qual]:
        w[f"z_{k}"] = _zscore_by_year(w, k)
    z = w[[f"z_{k}" for k in idx]]
    w["rka indices"] = z.notna().sum(axis=1)
    w["rka"] = z.mean(axis=1).where(w["rka indices"] >= MIN_INDICES)
    w["nka"] = -_zscore_by_year(w, NKA)
    w = w.merge(_dea_scores(root), on=["municipality", "year"], how="left")
    for k in DEA_SPECS:
        w[f"z_{k}"] = _zscore_by_year(w, k)
    return w


def measure_in_year(measure: str, year: int, data_dir=None) -> pd.Series:
    """One efficiency measure for every municipality in one year (raw scale); an error,
    not an empty series, when the measure has no values that year."""
    if measure not in MEASURES:
        raise KeyError(f"Unknown measure {measure!r}; choose from {sorted(MEASURES)}")
    panel = efficiency_panel(data_dir)
    require_years(panel, measure, [year], MEASURES[measure])
    part = panel.loc[(panel["year"] == year) & panel[measure].notna()]
    return part.set_index("municipality")[measure]


# ----------------------------------------------------------------- controls
def controls_panel(data_dir=None) -> pd.DataFrame:
    """Municipality × year structural controls and the governing bloc (N05829)."""
    w = _wide(list(CONTROL_KPIS), data_dir)
    out = pd.DataFrame({
        "municipality": w["municipality"], "year": w["year"],
        "population": w["N01951"],
        "log_population": np.log(w["N01951"]),
        "urbanisation": w["N00954"],
        "age_0_19": w["N01994"], "age_65": w["N01960"], "age_80": w["N01813"],
        "tax_capacity": w["N00903"],
        "log_tax_capacity": np.log(w["N00903"]),
        "education": w["N01982"],
        "foreign_born": w["N02926"],
    })
    bloc = governing_bloc(data_dir)
    return out.merge(bloc, on=["municipality", "year"], how="left")


def centre_right_history(data_dir=None, first: int = 1994, last: int = 2018) -> pd.Series:
    """Share of the years ``first``–``last`` with a centre-right majority (with or without SD):
    an accumulated-politics variable, a candidate instrument for today's purchase share."""
    bloc = governing_bloc(data_dir)
    bloc = bloc[bloc["year"].between(first, last)]
    if bloc.empty:
        raise DataError(f"No governing-bloc data for {first}–{last}")
    return bloc.assign(cr=bloc["bloc"].isin(CENTRE_RIGHT)).groupby("municipality")["cr"].mean().rename(
        "centre_right_history")


# ----------------------------------------------------------------- the analysis frames
def panel(data_dir=None, years=PANEL_YEARS) -> pd.DataFrame:
    """Efficiency, purchases and controls per municipality and year (``years`` only)."""
    eff = efficiency_panel(data_dir)
    pur = purchase_panel(data_dir)
    ctl = controls_panel(data_dir)
    out = eff.merge(pur, on=["municipality", "year"], how="outer").merge(ctl, on=["municipality", "year"], how="left")
    out = out[out["year"].isin(list(years))]
    require_years(out, "rka", years, MEASURES["rka"])
    require_years(out, ALL_PURCHASE, years, "N00803 (purchase share)")
    meta = municipalities(data_dir).set_index("code")
    out["skr_group"] = out["municipality"].map(meta["skr_group"])
    return out.sort_values(["municipality", "year"]).reset_index(drop=True)


def cross_section(data_dir=None, years=CROSS_YEARS) -> pd.DataFrame:
    """One row per municipality: means over ``years`` of every measure, purchase share and
    control; the composite and net cost deviation by the rule of efficiency_groups; the
    governing bloc of the 2018–2022 term and the centre-right history 1994–2018."""
    p = panel(data_dir, years)
    numeric = [c for c in p.columns if c not in ("municipality", "year", "bloc", "skr_group")
               and pd.api.types.is_numeric_dtype(p[c])]
    cs = p.groupby("municipality")[numeric].mean()
    scores = eg.efficiency_scores(data_dir, years)  # the book's composite rule, one implementation
    for col in ("rka", "nka", "rka (mean z)", "nka (mean z)"):  # the composite in SD_UNIT and before
        cs[col] = scores[col].reindex(cs.index)
    first = p[p["year"] == min(years)].set_index("municipality")["bloc"]
    cs["bloc"] = first.reindex(cs.index)
    cs["centre_right"] = cs["bloc"].isin(CENTRE_RIGHT).astype(float).where(cs["bloc"].notna())
    cs = cs.join(centre_right_history(data_dir))
    meta = municipalities(data_dir).set_index("code")
    cs = cs.join(meta[["name", "skr_group", "skr_group_name", "county", "governing_parties_2022",
                       "chair_party_2022"]])
    cs.index.name = "municipality"
    return cs


def clear_cache() -> None:
    """Forget computed panels and DEA scores (the data behind them may have changed)."""
    _dea_scores.cache_clear()
    _efficiency_panel.cache_clear()


def standardised(s: pd.Series) -> pd.Series:
    """Mean 0, SD 1 across municipalities (regression outcomes in SD units)."""
    s = s.astype(float)
    sd = s.std()
    if not np.isfinite(sd) or sd == 0:
        raise DataError(f"{s.name}: no variation to standardise")
    return (s - s.mean()) / sd


# ----------------------------------------------------------------- extremes (figures 3 and 4)
def extremes(cs: pd.DataFrame, measure: str, k: int = 5, top: bool = False) -> pd.DataFrame:
    """The ``k`` least (or most) efficient municipalities by ``measure`` in the cross-section."""
    if measure not in cs.columns:
        raise KeyError(f"Measure {measure!r} is not in the cross-section")
    s = cs[measure].dropna()
    if len(s) < 2 * k:
        raise DataError(f"{measure}: only {len(s)} municipalities with a value")
    chosen = s.sort_values(ascending=not top).head(k)
    return cs.loc[chosen.index]


def percentile_rank(values: pd.Series, of: pd.Series) -> pd.Series:
    """Percentile (0–100) of each value in the national distribution ``of``."""
    ref = np.sort(of.dropna().to_numpy(dtype=float))
    if len(ref) == 0:
        raise DataError("Empty reference distribution")
    return values.apply(lambda v: 100.0 * np.searchsorted(ref, v, side="right") / len(ref))


def share_by_decile(cs: pd.DataFrame, measure: str, share: str, q: int = 10) -> pd.DataFrame:
    """Mean purchase share (with a 95 % t interval) per decile of an efficiency measure
    (decile 10 = most efficient): is the contrast a gradient or a matter of the ends?"""
    d = cs[[measure, share]].dropna()
    if len(d) < 5 * q:
        raise DataError(f"{measure} × {share}: only {len(d)} municipalities for {q} groups")
    d = d.assign(decile=pd.qcut(d[measure].rank(method="first"), q, labels=range(1, q + 1)).astype(int))
    rows = []
    for dec, part in d.groupby("decile"):
        m, lo, hi, n = eg.t_interval(part[share])
        rows.append({"decile": dec, "mean share": m, "CI low": lo, "CI high": hi, "municipalities": n})
    return pd.DataFrame(rows)
