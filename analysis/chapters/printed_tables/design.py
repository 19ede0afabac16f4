"""printed-tables: shared pieces: data the checks read."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ...config import data_dir as resolve_data_dir
from ...errors import DataError
from ...methods import efficiency_groups as E
from ...rules import rulebook as RB
from ...sources import sector as S
from ...sources import seed_tables as P
from ...sources import taxes as T
from ...sources.municipalities import names

CHAPTER = "printed-tables"
TITLE = "Printed tables and other claims"
# Tolerances are the rulebook's policies for each kind of number (analysis/rules/rulebook.py).
RATE_TOL = RB.tolerance("rate")
COUNT_TOL = RB.tolerance("count")
SHARE_TOL = RB.tolerance("share")
PRICE_TOL = RB.tolerance("level")
RANK_LIMITS = (1, 3)  # group rank: 1 = supported, ≤ 3 = partly
NACKA_KPI = "N15508"  # "Elever i åk 9 som uppnått kunskapskraven i alla ämnen, hemkommun, andel (%)"
QUALITY = {"U11404": "preschool", "U15401": "compulsory school", "U17401": "upper secondary", "U20404": "elderly care"}
SN_CATEGORIES = {  # document 004's interview categories and the SKR 2017 groups they correspond to
    "larger_cities": ("B3",), "smaller_towns": ("C6",), "rural": ("C8", "C9")}
SOURCE = "Source: document 003/004 as printed; Kolada; Skatteverket (skattesnurra); own calculations."


def _names_list(text: str) -> list[str]:
    return [t.strip() for t in str(text).split(",") if t.strip()]


# ------------------------------------------------------------------ shared pieces
@dataclass
class TaxCheck:
    tables: pd.DataFrame  # both printed tables
    comparison: pd.DataFrame  # row × year, printed vs data
    rows: pd.DataFrame  # one status per printed row
    arithmetic: pd.DataFrame
    completeness: pd.DataFrame
    burden: pd.DataFrame
    rates: pd.DataFrame  # municipality × year municipal rates (Kolada, then derived)
    panel: pd.DataFrame


@lru_cache(maxsize=2)
def _tax_check(root: str) -> TaxCheck:
    tables = P.tax_tables(data_dir=root)
    panel = T.rate_panel(root)
    comparison = P.compare_rows(tables, panel)
    rows = P.classify_rows(comparison, T.county_of(root))
    rates = T.municipal_wide(root)
    return TaxCheck(tables, comparison, rows, P.row_arithmetic(tables), P.completeness(tables, rates, names(root)),
                    P.total_burden(comparison), rates, panel)


def tax_check(data_dir=None) -> TaxCheck:
    """The printed tax tables against the data (computed once per data folder)."""
    return _tax_check(str(resolve_data_dir(data_dir)))


@lru_cache(maxsize=2)
def _scores(root: str) -> pd.DataFrame:
    return E.efficiency_scores(root)


def scores(data_dir=None) -> pd.DataFrame:
    """Efficiency scores 2019–2022 (see analysis.methods.efficiency_groups)."""
    return _scores(str(resolve_data_dir(data_dir))).copy()


def population(year: int, data_dir=None) -> pd.Series:
    pop = S.wide("N01951", data_dir)
    if year not in pop.columns:
        raise DataError(f"No population for {year}")
    return pop[year]


def association_verdict(b: dict, c: dict, claimed: int = -1, alpha: float = RB.ALPHA) -> str:
    """Rule directional-test on the bivariate slope (the claim describes an association); the
    slope with controls is secondary: when it is not in the claimed direction at α, a supported
    verdict is lowered to partly supported."""
    def test(r: dict) -> str:
        p_claimed, p_opposite = RB.one_sided_from_two_sided(r["coef"], r["p"], claimed)
        return RB.directional_test(r["coef"] * claimed > 0, p_claimed, p_opposite, alpha)

    v = test(b)
    return RB.PARTLY if v == RB.SUPPORTED and test(c) != RB.SUPPORTED else v


def correlates(data_dir=None) -> pd.DataFrame:
    """Tax rate, solidity and political costs (means 2019–2022) regressed on each efficiency
    score, without and with controls (SKR group, log population)."""
    sc = scores(data_dir)
    out = outcome_means(data_dir)
    ctrl = E.controls(sc, population(E.YEARS[-1], data_dir))
    rows = []
    for m in E.MEASURES:
        for kpi, label in OUTCOMES.items():
            b = E.slope(out[kpi], sc[m])
            c = E.slope(out[kpi], sc[m], ctrl)
            rows.append({"measure": m, "kpi": kpi, "outcome": label, "slope": b["coef"], "CI low": b["CI low"],
                         "CI high": b["CI high"], "slope (controls)": c["coef"], "CI low (controls)": c["CI low"],
                         "CI high (controls)": c["CI high"], "n": b["n"], "p": b["p"], "p (controls)": c["p"],
                         "verdict": association_verdict(b, c),
                         "alternatives": RB.alpha_alternatives(lambda a, b=b, c=c: association_verdict(b, c, -1, a))})
    return pd.DataFrame(rows)


def outcome_means(data_dir=None) -> pd.DataFrame:
    """Means 2019–2022 of the outcomes of document 004's claims. Gotland's N00901 holds the
    regional part too (no separate regional tax), so its municipal rate is left out."""
    out = E.kpi_means(list(OUTCOMES), data_dir)
    reg = T.regional_rates(data_dir)
    no_region = set(reg.loc[reg["regional"] == 0, "county"])
    cty = T.county_of(data_dir)
    out.loc[out.index.isin(cty.index[cty.isin(no_region)]), "N00901"] = np.nan
    return out


OUTCOMES = {"N00901": "municipal tax rate (%)", "N03002": "solidity incl. pension liabilities (%)",
            "N05010": "cost of political activity (kr/inv)", "N05002": "net cost of political activity (kr/inv)"}
