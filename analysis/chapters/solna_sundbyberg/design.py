"""solna-sundbyberg: matching and synthetic comparisons, computed once per data folder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ...config import data_dir as resolve_data_dir
from ...errors import DataError
from ...methods import donorpool as DP
from ...methods import matching as M
from ...methods import solna as S
from ...methods.placebo import PlaceboResult, in_space
from ...rules import claims
from ...rules import rulebook as RB
from ...rules.claims import Tolerance, check_value
from ...sources.municipalities import names

CHAPTER = "solna-sundbyberg"
TITLE = "Solna versus Sundbyberg"

# Tolerances are the rulebook's policies for each kind of number (analysis/rules/rulebook.py).
LEVEL_TOL = RB.tolerance("level")
NKA_TOL = RB.tolerance("change")  # net cost deviations (percentage points)
RATE_TOL = RB.tolerance("rate")
K_NEIGHBOURS = 20
OUTCOME_LIKE = ("N03920", "N00905")  # unemployment and income: possibly affected by the policy itself
PRE_END = 2002  # the synthetic comparison is fitted up to here ("över 20 år" before 2025)
PROXY_RULE = ("Rule for proxies (C122, C123, C125, C165): when the claimed measure is not in the data, a proxy alone "
              "gives 'not testable' and is shown as context only, whether or not it agrees.")
ASSISTANCE_KPIS = ("N31001", "N31004", "N31008")
SYNTH_OUTCOMES = {"N31807": range(1994, 2023), "N31004": range(1995, 2023)}
NKA_AREAS = {
    "N00097": "total (excl. LSS)",
    "N30001": "individual and family care (IFO)",
    "N20900": "elderly care",
    "N15001": "compulsory school",
    "N17001": "upper secondary school",
    "N11024": "preschool",
    "N13020": "school-age childcare",
}


# ------------------------------------------------------------------ shared design
@dataclass
class Synthetic:
    """One outcome's synthetic comparison for Solna, fitted on logs (relative differences:
    the national level fell steeply and donors sit at very different levels)."""

    kpi: str
    panel: pd.DataFrame  # year × unit in levels (Solna first), donors = nearest neighbours
    weights: pd.Series
    synthetic: pd.Series  # levels: exp of the weighted mean of the donors' logs
    gap: pd.Series  # log points: log(Solna) − log(synthetic)
    rmspe_pre: float  # log points
    placebo: M.Placebo
    cov_weights: pd.Series
    cov_synthetic: pd.Series  # levels
    sundbyberg: pd.Series
    departure: int | None
    sundbyberg_rmspe_pre: float  # log points: how closely Sundbyberg itself tracked Solna before the event
    inspace: PlaceboResult | None = None  # the same comparison through the shared placebo run (MDE, floors)
    variants: list = field(default_factory=list)  # donor-pool variants (DP.Variant) and the second estimator

    def last(self) -> int:
        return int(self.panel.index.max())

    def gap_pct(self, year: int) -> float:
        """Solna relative to its synthetic comparison, in % (exp(gap) − 1)."""
        return float(np.expm1(self.gap.loc[year]) * 100)


@dataclass
class Design:
    covariates: pd.DataFrame
    neighbours: pd.DataFrame  # k nearest (Sundbyberg excluded from the donor pool)
    sundbyberg_rank: tuple[int, float, int]
    sundbyberg_rank_mahalanobis: tuple[int, float, int]


def _synthetic(kpi: str, years, donors: list[str], X: pd.DataFrame, data_dir) -> Synthetic:
    panel = M.outcome_panel(kpi, [S.SOLNA, *donors], years, data_dir)
    if (panel <= 0).any().any():
        raise DataError(f"{kpi}: non-positive values cannot enter the log synthetic comparison")
    logs = np.log(panel)
    pre = [y for y in panel.index if y <= PRE_END]
    weights, synth_log = M.synthetic_path(logs, S.SOLNA, pre)
    gap = logs[S.SOLNA] - synth_log
    rmspe_pre = M.rmspe(gap.loc[pre])
    placebo = M.placebo_test(logs, S.SOLNA, pre)
    donors_used = [c for c in panel.columns if c != S.SOLNA]
    cov_w = M.covariate_weights(X, S.SOLNA, donors_used)
    cov_synth = np.exp(logs[donors_used] @ cov_w).rename("synthetic (covariates)")
    sund = S.series_of(kpi, S.SUNDBYBERG, data_dir).reindex(panel.index)
    departure = M.departure_year(gap, band=2 * rmspe_pre, start=PRE_END + 1)
    sund_pre = (logs[S.SOLNA] - np.log(sund)).loc[pre].dropna()
    if sund_pre.empty:
        raise DataError(f"No pre-period values of {kpi} for Sundbyberg")
    inspace = in_space(logs, S.SOLNA, PRE_END + 1, pre_years=pre)
    variants = donor_variants(kpi, years, inspace, logs, data_dir)
    return Synthetic(kpi, panel, weights, np.exp(synth_log).rename("synthetic"), gap, rmspe_pre, placebo, cov_w,
                     cov_synth, sund, departure, M.rmspe(sund_pre), inspace, variants)


SOLNA_FIT_FACTOR = 4.0  # placebo units with pre-MSPE ≤ 4 × Solna's (pre-RMSPE ≤ 2 ×): 'fitted at least half as well'


def donor_variants(kpi: str, years, inspace: PlaceboResult, logs: pd.DataFrame, data_dir) -> list:
    """Leave-one-out on the neighbour pool, the ridge-augmented estimator, and the declared pools drawn from
    every municipality with a complete series (Sundbyberg, the comparison unit, is never a donor)."""
    out = [v for v in DP.sensitivity(inspace, logs) if v.family != "declared pool"]
    codes = [c for c in names(data_dir) if c not in ("0000", S.SUNDBYBERG)]
    codes = [S.SOLNA] + [c for c in codes if c != S.SOLNA]
    full = M.outcome_panel(kpi, codes, years, data_dir)
    full = np.log(full[[c for c in full.columns if (full[c] > 0).all()]])
    pre = inspace.pre_years
    pools = DP.declared_pools(S.SOLNA, PRE_END + 1, list(full.columns), data_dir)
    pools = {"pool:all": ("all municipalities with a complete series", list(full.columns[1:])), **pools}
    base = in_space(full, S.SOLNA, PRE_END + 1, pre_years=pre)
    out += [v for v in DP.sensitivity(base, full, pools) if v.family == "declared pool"]
    return out


@lru_cache(maxsize=2)
def _design(root: str) -> Design:
    X = M.covariate_frame(data_dir=root)
    nn = M.nearest_neighbours(X, S.SOLNA, k=K_NEIGHBOURS, exclude=[S.SUNDBYBERG])
    return Design(X, nn, M.rank_of(X, S.SOLNA, S.SUNDBYBERG), M.rank_of(X, S.SOLNA, S.SUNDBYBERG, "mahalanobis"))


@lru_cache(maxsize=4)
def _synth(root: str, kpi: str) -> Synthetic:
    d = _design(root)
    return _synthetic(kpi, SYNTH_OUTCOMES[kpi], list(d.neighbours.index), d.covariates, root)


def design(data_dir=None) -> Design:
    """Matching of Solna to its structural neighbours (computed once per data folder)."""
    return _design(str(resolve_data_dir(data_dir)))


def synthetic(kpi: str, data_dir=None) -> Synthetic:
    """Synthetic comparison and placebo runs for one outcome (computed once per data folder)."""
    if kpi not in SYNTH_OUTCOMES:
        raise KeyError(f"No synthetic comparison defined for {kpi}; choose from {sorted(SYNTH_OUTCOMES)}")
    return _synth(str(resolve_data_dir(data_dir)), kpi)


def _name(code: str, data_dir=None) -> str:
    return names(data_dir)[code]


def _gap_years(pub_year, data_year) -> int:
    return 0 if pub_year is None else max(int(pub_year) - int(data_year), 0)


def _drift_note(gap: int, since: int | None = None, n_changes: int | None = None) -> str:
    if gap <= 0:
        return ""
    where = (f"since the {since} change of the cost-equalisation method (so no change spans the method break"
             + (f"; {n_changes} such changes exist" if n_changes is not None else "") + ")"
             if since else "over its last 10 years")
    return (f"Rule year-drift: tolerance widened by the median of the series' own {gap}-year changes {where}, so a "
            "match means 'consistent with the latest data', not 'verified'.")


def _drift(s: pd.Series, gap: int, base: Tolerance, kpi: str, relative: bool = True) -> tuple[Tolerance, str]:
    """Drift tolerance and its note; net cost deviations use only years of the current method."""
    since = S.NKA_BREAK_YEAR if kpi in S.NKA_KPIS else None
    tol = RB.widen_for_drift(base, S.typical_change(s, gap, relative=relative, since=since,
                                                    min_changes=2 if since else 3), relative)
    n = None
    if since and gap > 0:
        yrs = s.dropna().index
        n = sum(1 for t in yrs if t >= since + gap and t - gap in yrs)
    return tol, _drift_note(gap, since, n)


def _finish(check, tol: Tolerance, relative: bool, gap: int):
    """Label percentage-point tolerances as pp, and make a check whose tolerance is at least the printed
    value's own size 'not testable' (it could not fail: even zero would match)."""
    if not relative and check.unit.strip() == "%":
        check.note = re.sub(r"Tolerance ±([0-9.]+) % \((\w+)\)\.", r"Tolerance ±\1 pp (percentage points; \2).",
                            check.note)
    pub = float(check.published)
    if gap > 0 and RB.cannot_fail(tol, pub):
        claims.cap_check(check, RB.NOT_TESTABLE, "cannot-fail",
                         f"at this distance the tolerance ({tol.limit(pub):.2f}) is at least the printed value's own size "
                         f"({abs(pub):g}), so even zero would match; the check cannot discriminate.")
    return check


def _level_check(cid, key, kpi, code, data_dir, base=LEVEL_TOL, relative=True, note="", label=None):
    """A published level against a KPI value (latest year when the claim is later)."""
    pub = claims.published(cid, key)
    value, year = S.value_for_claim(kpi, code, pub.year, data_dir)
    gap = _gap_years(pub.year, year)
    tol, dnote = _drift(S.series_of(kpi, code, data_dir), gap, base, kpi, relative=relative)
    text = " ".join(t for t in (f"Kolada {kpi}, {_name(code, data_dir)}.", dnote, note) if t)
    return _finish(check_value(cid, key, value, year, tol, note=text, label=label), tol, relative, gap)
