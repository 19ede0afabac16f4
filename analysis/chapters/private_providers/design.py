"""private-providers: the measures, samples and estimates, computed once per data folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ...config import data_dir as resolve_data_dir
from ...errors import DataError
from ...methods import efficiency as E
from ...methods import efficiency_groups as eg
from ...methods import regressions as R
from ...rules import rulebook as RB
from ...rules.claims import published
from ...sources.municipalities import resolve

CHAPTER = "private-providers"
TITLE = "Private providers and efficiency"
PRIMARY = "rka"
ROBUST = ("dea_school", "dea_elderly", "nka")  # candidates; a cost-only DEA is dropped (Design.robust)
DEA_MEASURES = ("dea_school", "dea_elderly")
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
SCALE = f"SD of efficiency ({eg.SD_SHORT}) per 10 percentage points of purchase share"
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
    cost_dependence: pd.DataFrame | None = None  # E.dea_cost_dependence: how closely each DEA follows cost
    robust: tuple = ROBUST  # the robustness measures in force: ROBUST without the cost-only DEA scores
    sd_raw: dict = field(default_factory=dict)  # measure -> SD across municipalities of its 2019–2022 mean

    def cost_rho(self, key: str) -> float:
        """Spearman rho of a DEA score (means 2019–2022) with 1/cost."""
        row = self.cost_dependence.set_index("DEA").loc[key]
        return float(row[[c for c in row.index if c.startswith("rho with 1/cost, means")][0]])

    @property
    def cost_only(self) -> tuple:
        """The DEA scores that follow cost alone (rulebook rule cost-only): context, not robustness."""
        return tuple(m for m in DEA_MEASURES if RB.cost_only(self.cost_rho(m)))


def _panel_years(panel: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Years usable for a within estimate: the net cost deviation only from 2019 (method break)."""
    return panel[panel["year"] >= 2019] if measure == "nka" else panel


RAW_CS = {"rka": "rka (mean z)", "nka": "nka (mean z)"}  # cross-section column in the panel's units


def panel_outcome(measure: str) -> str:
    """Panel column of a measure: its yearly value divided by the SD across municipalities of its
    2019–2022 mean (the book's one unit, efficiency_groups.SD_UNIT), so within and cross-section
    coefficients are in the same unit."""
    return f"s_{measure}"


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
    # one unit for every level: the SD across municipalities of the measure's 2019–2022 mean
    # (eg.SD_UNIT). The cross-section outcome is standardised to it; the panel outcome is the
    # yearly value divided by the same SD (entity and year effects absorb the centring).
    sd_raw = {m: float(cs[RAW_CS.get(m, m)].std()) for m in E.MEASURES}
    for m, sd in sd_raw.items():
        panel[panel_outcome(m)] = panel[m] / sd
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
               lowest=_names_to_codes(published("C101", "lowest").value, root)[0],
               cost_dependence=E.dea_cost_dependence(root), sd_raw=sd_raw)
    d.robust = tuple(m for m in ROBUST if m not in d.cost_only)
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
        from ...sources.kolada import RIKET, load_kpis

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
    from ...sources.kolada import clear_cache as clear_kolada

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
