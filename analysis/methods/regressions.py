"""Regression helpers: cross-section OLS with robust errors, binned scatters, panel fixed
effects and an instrumental-variable illustration, each returning the coefficient of one
regressor of interest with its 95 % confidence interval.

Why these choices: municipalities differ hugely in size and structure, so the errors are
heteroskedasticity-robust (HC3, safer than HC1 with 290 units and group dummies); in the
panel, a municipality's years are not independent draws, so errors are clustered by
municipality; municipality and year effects remove everything fixed within a
municipality and everything common to a year. Library notes and warnings are caught here
so they never reach the book.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError

MIN_OBS = 20


@dataclass(frozen=True)
class Estimate:
    """The coefficient of one regressor, its 95 % CI and the fit it came from."""

    coef: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    n: int
    r2: float
    model: str
    entities: int | None = None
    periods: int | None = None
    extra: tuple = ()

    def as_dict(self) -> dict:
        return {"coef": self.coef, "CI low": self.ci_low, "CI high": self.ci_high, "p": self.p, "n": self.n,
                "r2": self.r2, "model": self.model}

    def excludes_zero(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


def _design(data: pd.DataFrame, y: str, x: str, controls=(), categorical=()) -> tuple[pd.Series, pd.DataFrame]:
    cols = [y, x, *controls, *categorical]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(f"Regression data lack columns {missing}")
    d = data[cols].dropna()
    for cat in categorical:  # a category with one member is fitted exactly by its dummy: it carries no
        size = d.groupby(cat)[y].transform("size")  # information on x and makes HC3 divide 0 by 0
        d = d[size >= 2]
    if len(d) < MIN_OBS:
        raise DataError(f"Only {len(d)} complete observations for {y} on {x} (need {MIN_OBS})")
    X = d[[x, *controls]].astype(float)
    for cat in categorical:
        dummies = pd.get_dummies(d[cat].astype(str), prefix=cat, dtype=float, drop_first=True)
        X = pd.concat([X, dummies], axis=1)
    constant = [c for c in X.columns if c != x and X[c].nunique() <= 1]
    X = X.drop(columns=constant)  # a control constant in the sample carries no information
    if X[x].nunique() <= 1:
        raise DataError(f"{x} does not vary in the sample")
    return d[y].astype(float), X


def ols(data: pd.DataFrame, y: str, x: str, controls=(), categorical=(), cov: str = "HC3") -> Estimate:
    """OLS of ``y`` on ``x`` (+ numeric ``controls`` + dummies of ``categorical``) with a
    constant and heteroskedasticity-robust errors; returns the coefficient of ``x``."""
    import statsmodels.api as sm

    yy, X = _design(data, y, x, controls, categorical)
    exog = sm.add_constant(X, has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.OLS(yy, exog).fit(cov_type=cov)
    lo, hi = fit.conf_int().loc[x]
    return Estimate(float(fit.params[x]), float(fit.bse[x]), float(lo), float(hi), float(fit.pvalues[x]),
                    int(fit.nobs), float(fit.rsquared), f"OLS ({cov})")


def residualise(data: pd.DataFrame, cols, controls=(), categorical=()) -> pd.DataFrame:
    """Each of ``cols`` minus its OLS prediction from the controls, plus its mean
    (Frisch–Waugh: the slope between residualised columns is the controlled slope)."""
    import statsmodels.api as sm

    use = [*cols, *controls, *categorical]
    d = data[use].dropna()
    if len(d) < MIN_OBS:
        raise DataError(f"Only {len(d)} complete observations to residualise {list(cols)}")
    if not controls and not categorical:
        return d[list(cols)].astype(float)
    Z = d[list(controls)].astype(float)
    for cat in categorical:
        Z = pd.concat([Z, pd.get_dummies(d[cat].astype(str), prefix=cat, dtype=float, drop_first=True)], axis=1)
    Z = sm.add_constant(Z, has_constant="add")
    out = {}
    for c in cols:
        v = d[c].astype(float)
        beta, *_ = np.linalg.lstsq(Z.to_numpy(), v.to_numpy(), rcond=None)
        out[c] = v - Z.to_numpy() @ beta + v.mean()
    return pd.DataFrame(out, index=d.index)


def binned_scatter(data: pd.DataFrame, y: str, x: str, bins: int = 20, controls=(), categorical=()) -> pd.DataFrame:
    """Mean of ``y`` (with a 95 % t interval) in ``bins`` equal-count bins of ``x``, after
    residualising both on the controls when given."""
    from scipy import stats

    r = residualise(data, [y, x], controls, categorical)
    if len(r) < 2 * bins:
        raise DataError(f"Only {len(r)} observations for {bins} bins")
    r = r.assign(bin=pd.qcut(r[x].rank(method="first"), bins, labels=False))
    g = r.groupby("bin")
    out = pd.DataFrame({"x": g[x].mean(), "y": g[y].mean(), "sd": g[y].std(ddof=1), "n": g[y].size()})
    half = stats.t.ppf(0.975, out["n"] - 1) * out["sd"] / np.sqrt(out["n"])
    return out.assign(lo=out["y"] - half, hi=out["y"] + half).reset_index(drop=True)


def panel_fe(data: pd.DataFrame, y: str, x: str, controls=(), entity: str = "municipality", time: str = "year",
             time_effects: bool = True) -> Estimate:
    """Two-way fixed effects (linearmodels PanelOLS): entity and (by default) time effects,
    errors clustered by entity. The coefficient of ``x`` is identified only from changes
    within an entity over time, relative to the year's average change."""
    from linearmodels.panel import PanelOLS

    cols = [entity, time, y, x, *controls]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(f"Panel data lack columns {missing}")
    d = data[cols].dropna()
    counts = d.groupby(entity)[time].transform("size")
    d = d[counts >= 2]  # a single year says nothing about change within a municipality
    if len(d) < MIN_OBS or d[entity].nunique() < 10:
        raise DataError(f"Only {len(d)} observations in {d[entity].nunique()} entities for a panel of {y} on {x}")
    if d[time].nunique() < 2:
        raise DataError(f"The panel of {y} on {x} has a single {time}")
    d = d.set_index([entity, time])
    exog = d[[x, *controls]].astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mod = PanelOLS(d[y].astype(float), exog, entity_effects=True, time_effects=time_effects,
                       drop_absorbed=True, check_rank=False)
        try:
            fit = mod.fit(cov_type="clustered", cluster_entity=True)
        except ValueError as exc:
            if "absorbed" not in str(exc):
                raise
            raise DataError(f"{x} is absorbed by the fixed effects (no variation within {entity})") from exc
    if x not in fit.params.index:
        raise DataError(f"{x} is absorbed by the fixed effects (no variation within {entity})")
    ci = fit.conf_int().loc[x]
    return Estimate(float(fit.params[x]), float(fit.std_errors[x]), float(ci["lower"]), float(ci["upper"]),
                    float(fit.pvalues[x]), int(fit.nobs), float(fit.rsquared_within),
                    "PanelOLS (entity" + (" + time" if time_effects else "") + " effects, clustered by entity)",
                    entities=int(fit.entity_info["total"]), periods=int(fit.time_info["total"]))


def iv_2sls(data: pd.DataFrame, y: str, endog: str, instrument: str, controls=(), categorical=(),
            level: float = 0.95) -> dict:
    """Two-stage least squares of ``y`` on ``endog`` instrumented by ``instrument``, with the
    first stage, its F statistic, the reduced form and an Anderson–Rubin confidence set.

    All standard errors are heteroskedasticity-robust of one kind (HC1: White with the
    n/(n−k) small-sample factor; linearmodels' ``robust`` with ``debiased=True``). With one
    instrument the Wald interval of 2SLS is unreliable when the first stage is weak; the
    Anderson–Rubin set {b : the instrument's coefficient in a regression of y − b·endog on
    the instrument and controls is not significant} has correct coverage whatever the
    first-stage strength. It is computed exactly (a quadratic inequality in b) and may be an
    interval, the complement of an interval (``"outside"``) or the whole line.

    Shown as an illustration of what an instrument would need, not as a causal estimate:
    the exclusion restriction is an assumption the data cannot check.
    """
    from linearmodels.iv import IV2SLS
    from scipy import stats

    yy, X = _design(data, y, endog, [*controls, instrument], categorical)
    Z = X[[instrument]]
    W = X.drop(columns=[endog, instrument]).assign(const=1.0)
    frame = pd.concat([X, yy.rename("__y")], axis=1)
    ctl = [c for c in W.columns if c != "const"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = IV2SLS(yy, W, X[[endog]], Z).fit(cov_type="robust", debiased=True)
        first = ols(frame, endog, instrument, controls=ctl, cov="HC1")
        reduced = ols(frame, "__y", instrument, controls=ctl, cov="HC1")
    ci = fit.conf_int(level=level).loc[endog]
    # Anderson–Rubin: residuals of y and endog on [instrument, W] give the residual of
    # y − b·endog as e_y − b·e_x; the HC1 variance of the instrument's coefficient is then
    # quadratic in b.
    A = pd.concat([Z, W], axis=1).to_numpy(dtype=float)
    n, k = A.shape
    zt = Z.iloc[:, 0].to_numpy(dtype=float)
    Wm = W.to_numpy(dtype=float)
    zt = zt - Wm @ np.linalg.lstsq(Wm, zt, rcond=None)[0]  # instrument partialled on W
    res = {}
    for name, v in (("y", yy.to_numpy(dtype=float)), ("x", X[endog].to_numpy(dtype=float))):
        beta = np.linalg.lstsq(A, v, rcond=None)[0]
        res[name] = v - A @ beta
    szz = float(zt @ zt)
    factor = n / (n - k) / szz**2
    v_yy = factor * float(np.sum(zt**2 * res["y"] ** 2))
    v_xx = factor * float(np.sum(zt**2 * res["x"] ** 2))
    v_xy = factor * float(np.sum(zt**2 * res["x"] * res["y"]))
    pi_y, pi_x = reduced.coef, first.coef
    crit = float(stats.chi2.ppf(level, 1))
    a = pi_x**2 - crit * v_xx
    b = -2 * (pi_x * pi_y - crit * v_xy)
    c = pi_y**2 - crit * v_yy
    disc = b**2 - 4 * a * c
    if a > 0 and disc > 0:  # a bounded interval
        r = sorted(((-b - np.sqrt(disc)) / (2 * a), (-b + np.sqrt(disc)) / (2 * a)))
        ar = (float(r[0]), float(r[1]), "interval")
    elif a < 0 and disc > 0:  # everything outside two roots
        r = sorted(((-b - np.sqrt(disc)) / (2 * a), (-b + np.sqrt(disc)) / (2 * a)))
        ar = (float(r[0]), float(r[1]), "outside")
    else:
        ar = (-np.inf, np.inf, "whole line")
    return {
        "iv": Estimate(float(fit.params[endog]), float(fit.std_errors[endog]), float(ci["lower"]),
                       float(ci["upper"]), float(fit.pvalues[endog]), int(fit.nobs), np.nan, "IV 2SLS (HC1)"),
        "first stage": first,
        "first-stage F": float((first.coef / first.se) ** 2),
        "reduced form": reduced,
        "anderson-rubin": ar,
    }


def describe(est: Estimate, scale: str = "") -> str:
    """'0.12 [0.03, 0.21]' with the scale appended (for notes)."""
    return f"{est.coef:+.3f} [{est.ci_low:+.3f}, {est.ci_high:+.3f}]{(' ' + scale) if scale else ''}"
