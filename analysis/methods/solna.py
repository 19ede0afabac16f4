"""Series and arithmetic behind the Solna–Sundbyberg chapter (document 003, theme b).

The document compares Solna (0184) with its neighbour Sundbyberg (0183) on social
assistance and the net cost deviation of individual and family care (IFO). The
functions here fetch the long series, do the arithmetic the text implies (per
inhabitant, tax öre, implied reference cost, household estimates), derive the
municipal tax rate from Skatteverket's total rates, place both municipalities in the
national distribution and rank them on the efficiency and cost measures Kolada has.
Every function fails with a :class:`DataError` rather than return an empty result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ..sources import taxes
from ..sources.codes import SOLNA, SUNDBYBERG
from ..sources.kolada import RIKET, load_kpis
from ..sources.municipalities import municipalities, names, resolve
from ..sources.sector import scb_population_2023

NKA_BREAK_YEAR = 2019  # new cost-equalisation model: net cost deviations change method
CLAIM_YEAR = 2025  # "över 20 år" is written in a 2025 report

# The long series of the chapter: KPI -> short English label and unit.
LONG_SERIES = {
    "N31001": ("Cost of economic assistance (SCB accounts)", "SEK per inhabitant"),
    "N31004": ("Economic assistance paid out (Socialstyrelsen)", "SEK per inhabitant"),
    "N31008": ("Net cost of economic assistance (SCB accounts)", "SEK per inhabitant"),
    "N31807": ("Inhabitants receiving assistance during the year", "% of population"),
    "N31910": ("Households receiving assistance", "households"),
    "N30001": ("Net cost deviation, IFO", "% of reference cost"),
    "N30026": ("Net cost deviation, IFO", "MSEK"),
    "N00097": ("Net cost deviation, total (excl. LSS)", "% of reference cost"),
}
NKA_KPIS = ("N30001", "N30026", "N00097")

# Structural indicators for "similar places" (C113): KPI -> (label, higher is ...).
STRUCTURAL = {
    "N02926": "Foreign-born, % of population",
    "N02925": "Foreign-born outside EU/EFTA, %",
    "N01982": "Post-secondary education, % of 25–64",
    "N01724": "Higher education (3+ years), % of 25–64",
    "N00959": "Mean age, years",
    "N01994": "Aged 0–19, %",
    "N01961": "Aged 20–64, %",
    "N01960": "Aged 65+, %",
    "N00903": "Tax capacity (skattekraft), SEK per inhabitant",
    "N00905": "Median net income 20+, SEK",
    "N00954": "Urbanisation (tätortsgrad), %",
    "N03920": "Unemployment 18–64/65, annual mean, %",
    "N01958": "Population change over 5 years, %",
}

# Efficiency and cost measures for C165: KPI -> (label, higher_is_better).
EFFICIENCY = {
    "U15900": ("RKA efficiency index, compulsory school (kommunal grundskola F-9)", True),
    "U17900": ("RKA efficiency index, upper secondary school", True),
    "U20900": ("RKA efficiency index, elderly care", True),
    "U11901": ("RKA efficiency index, preschool", True),
    "N00097": ("Net cost deviation, total excl. LSS (%)", False),
    "N30001": ("Net cost deviation, IFO (%)", False),
}
EFFICIENCY_INDICES = ("U15900", "U17900", "U20900", "U11901")


# ------------------------------------------------------------------ series
def unit_codes(data_dir=None, focus=(SOLNA, SUNDBYBERG)) -> dict[str, str]:
    """Display name -> code for the focus municipalities (validated)."""
    nm = names(data_dir)
    return {nm[resolve(c, data_dir=data_dir)]: resolve(c, data_dir=data_dir) for c in focus}


def skr_group_of(code: str, data_dir=None) -> tuple[str, list[str]]:
    """SKR group (2017) of a municipality and the codes of all members."""
    meta = municipalities(data_dir)
    code = resolve(code, data_dir=data_dir)
    group = meta.loc[meta["code"] == code, "skr_group"].iloc[0]
    return group, meta.loc[meta["skr_group"] == group, "code"].tolist()


def comparison_series(kpis, data_dir=None, focus=(SOLNA, SUNDBYBERG), group_of: str = SOLNA) -> pd.DataFrame:
    """Long table kpi, year, unit, value for the focus municipalities, Riket and the
    median of ``group_of``'s SKR group (the group median includes the focus units).

    Riket is absent for net cost deviations (zero by construction), which is not an error;
    a focus municipality without any value is.
    """
    if isinstance(kpis, str):
        kpis = [kpis]
    tidy = load_kpis(kpis, data_dir)
    units = unit_codes(data_dir, focus)
    group, members = skr_group_of(group_of, data_dir)
    frames = []
    for name, code in {**units, "Riket": RIKET}.items():
        part = tidy[tidy["municipality"] == code]
        if part.empty and code != RIKET:
            raise DataError(f"No values of {', '.join(kpis)} for {name} ({code})")
        frames.append(part.assign(unit=name))
    med = (
        tidy[tidy["municipality"].isin(members)]
        .groupby(["kpi", "year"], as_index=False)["value"]
        .median()
        .assign(unit=f"{group} median", municipality=f"group {group}")
    )
    frames.append(med)
    out = pd.concat(frames, ignore_index=True)[["kpi", "year", "unit", "value"]]
    missing = set(k.upper() for k in kpis) - set(out["kpi"])
    if missing:
        raise DataError(f"No values at all for {sorted(missing)}")
    return out.sort_values(["kpi", "unit", "year"]).reset_index(drop=True)


def series_of(kpi: str, code: str, data_dir=None) -> pd.Series:
    """One KPI for one code (or Riket) as a year-indexed series; empty is an error."""
    code = resolve(code, data_dir=data_dir, allow_riket=True)
    tidy = load_kpis(kpi, data_dir)
    s = tidy[tidy["municipality"] == code].set_index("year")["value"].sort_index()
    if s.empty:
        raise DataError(f"No values of {kpi.upper()} for {code}")
    s.name = kpi.upper()
    return s


def value_for_claim(kpi: str, code: str, year: int, data_dir=None) -> tuple[float, int]:
    """The value for the claimed year, or the latest year when the claim is about a
    year after the data end. A claimed year inside the series that is missing fails.
    """
    s = series_of(kpi, code, data_dir)
    if year in s.index:
        return float(s.loc[year]), int(year)
    if year > s.index.max():
        return float(s.iloc[-1]), int(s.index.max())
    raise DataError(f"No value of {kpi.upper()} for {code} in {year} (series has {s.index.min()}–{s.index.max()})")


def typical_change(s: pd.Series, gap: int, window: int = 10, q: float = 0.5, relative: bool = True,
                   since: int | None = None, min_changes: int = 3) -> float:
    """How much the series typically moves over ``gap`` years: the q-quantile (default the
    median) of its absolute (relative) ``gap``-year changes over the last ``window`` years
    (0 for no gap). The rulebook's year-drift rule widens a tolerance by it.

    ``since`` keeps only years from a method break on (e.g. 2019 for the net cost
    deviations), so no change spans the break; at least ``min_changes`` changes must remain.
    """
    if gap <= 0:
        return 0.0
    s = s.dropna().sort_index()
    s = s[s.index > s.index.max() - window]
    if since is not None:
        s = s[s.index >= since]
    changes = []
    for t in s.index:
        if t - gap in s.index:
            prev, cur = s.loc[t - gap], s.loc[t]
            if relative:
                if prev == 0:
                    continue
                changes.append(abs(cur / prev - 1))
            else:
                changes.append(abs(cur - prev))
    if len(changes) < min_changes:
        raise DataError(f"Too few {gap}-year changes in {s.name} to set a drift tolerance ({len(changes)})")
    drift = float(np.quantile(changes, q))
    return round(drift, 3) if relative else round(drift, 2)


def closest_kpi(candidates: dict[str, float], published: float) -> tuple[str, float, float]:
    """Which candidate KPI value is closest to a printed number: (kpi, value, relative diff)."""
    clean = {k: v for k, v in candidates.items() if v is not None and not np.isnan(v)}
    if not clean:
        raise DataError("No candidate values to compare with")
    kpi = min(clean, key=lambda k: abs(clean[k] - published))
    return kpi, clean[kpi], (clean[kpi] - published) / published


def candidate_values(kpis, code: str, year: int, data_dir=None) -> pd.DataFrame:
    """Each candidate KPI's value for a code in ``year`` (or the latest year)."""
    rows = []
    for k in kpis:
        v, y = value_for_claim(k, code, year, data_dir)
        rows.append({"kpi": k, "label": LONG_SERIES.get(k, (k, ""))[0], "year": y, "value": v})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ arithmetic
def per_inhabitant(total_sek: float, population: float) -> float:
    """SEK per inhabitant from a total in SEK."""
    if population <= 0:
        raise ValueError("population must be positive")
    return total_sek / population


def tax_base_sek(skattekraft_per_inhabitant: float, population: float) -> float:
    """The municipal tax base in SEK: tax capacity (taxable income per inhabitant,
    Kolada N00903) times the population."""
    if skattekraft_per_inhabitant <= 0 or population <= 0:
        raise ValueError("tax capacity and population must be positive")
    return skattekraft_per_inhabitant * population


def sek_per_ore(tax_base: float) -> float:
    """Revenue from one öre of the tax rate.

    The rate is in kronor per 100 kronor of taxable income, so one krona of rate yields
    tax_base / 100 and one öre (0.01 kronor of rate) yields tax_base / 100 / 100.
    """
    return tax_base / 100 / 100


def msek_in_ore(msek: float, tax_base: float) -> float:
    """How many öre of the municipal tax rate an amount in MSEK corresponds to."""
    return msek * 1e6 / sek_per_ore(tax_base)


def implied_reference_cost(deviation_msek: float, deviation_pct: float) -> tuple[float, float]:
    """Reference and actual net cost (MSEK) implied by a deviation in MSEK and in %.

    deviation = actual − reference and pct = 100 · deviation / reference.
    """
    if deviation_pct == 0:
        raise ValueError("a zero % deviation does not identify the reference cost")
    reference = deviation_msek / (deviation_pct / 100)
    return reference, reference + deviation_msek


def households_estimate(share_pct: float, population: float, persons_per_household: float) -> float:
    """Households receiving assistance from the share of inhabitants who receive it."""
    if persons_per_household <= 0:
        raise ValueError("persons per household must be positive")
    return share_pct / 100 * population / persons_per_household


def persons_per_household(code: str, data_dir=None) -> pd.Series:
    """Recipients (N31848) per recipient household (N31910), by year where both exist."""
    persons = series_of("N31848", code, data_dir)
    households = series_of("N31910", code, data_dir)
    both = pd.concat([persons, households], axis=1, join="inner").dropna()
    if both.empty:
        raise DataError(f"No year with both N31848 and N31910 for {code}")
    return (both["N31848"] / both["N31910"]).rename("persons per household")


def population_series(code: str, data_dir=None) -> pd.Series:
    """Population 31 Dec: Kolada N01951, extended by SCB's 2023 table when Kolada stops earlier."""
    s = series_of("N01951", code, data_dir).copy()
    if 2023 not in s.index:
        scb = scb_population_2023(data_dir, required=False)
        if scb is not None and code in scb.index:
            s.loc[2023] = float(scb.loc[code])
    return s.sort_index()


# ------------------------------------------------------------------ tax rates
def derived_municipal_rates(code: str, data_dir=None) -> pd.DataFrame:
    """The municipal tax rate by year for one municipality, in this chapter's columns.

    The derivation (total rate from Skatteverket minus the county's regional rate, anchored
    on Kolada N00901) is :func:`analysis.sources.taxes.rate_panel`, shared with the printed-tables
    chapter; this only selects one municipality and checks the derivation against N00901
    in every year both exist.
    """
    code = resolve(code, data_dir=data_dir)
    panel = taxes.rate_panel(data_dir)
    out = panel[panel["municipality"] == code].set_index("year").sort_index()
    if out.empty:
        raise DataError(f"No total tax rate for {code}")
    out = out.rename(columns={"regional": "region"})
    out["municipal (derived)"] = (out["total"] - out["region"]).round(2)
    out["municipal (Kolada N00901)"] = series_of("N00901", code, data_dir).reindex(out.index)
    both = out.dropna(subset=["municipal (Kolada N00901)"])
    if (both["municipal (derived)"] - both["municipal (Kolada N00901)"]).abs().max() > 0.005:
        raise DataError(f"Derived municipal tax rates for {code} disagree with Kolada N00901:\n{both}")
    out.index.name = "year"
    return out[["total", "region", "agreeing share", "municipal (derived)", "municipal (Kolada N00901)"]].reset_index()


# ------------------------------------------------------------------ distributions and ranks
def national_percentile(values: pd.Series, code: str) -> float:
    """Share (%) of municipalities with a lower value (ties count half): 0 = lowest, 100 = highest."""
    v = values.dropna()
    if code not in v.index:
        raise DataError(f"No value for {code} to place in the national distribution")
    x = v.loc[code]
    return float(100 * ((v < x).sum() + 0.5 * ((v == x).sum() - 1)) / (len(v) - 1))


def cross_section(kpi: str, year: int | None = None, data_dir=None) -> tuple[pd.Series, int]:
    """One KPI for all municipalities in a year (default: the latest year), indexed by code."""
    tidy = load_kpis(kpi, data_dir)
    tidy = tidy[tidy["municipality"] != RIKET]
    if tidy.empty:
        raise DataError(f"No municipal values of {kpi}")
    year = int(tidy["year"].max()) if year is None else int(year)
    part = tidy[tidy["year"] == year].set_index("municipality")["value"]
    if part.empty:
        raise DataError(f"No values of {kpi} in {year}")
    return part, year


def structural_table(a: str, b: str, kpis=None, data_dir=None) -> pd.DataFrame:
    """Two municipalities side by side on structural indicators (latest year each):
    values, national percentiles, national mean and SD, and the standardized difference
    (a − b) / SD across the 290 municipalities."""
    kpis = kpis or STRUCTURAL
    rows = []
    for kpi in kpis:
        cs, year = cross_section(kpi, data_dir=data_dir)
        for c in (a, b):
            if c not in cs.index:
                raise DataError(f"No value of {kpi} for {c} in {year}")
        sd = float(cs.std())
        rows.append({
            "kpi": kpi,
            "indicator": STRUCTURAL.get(kpi, kpi),
            "year": year,
            "a": float(cs.loc[a]),
            "b": float(cs.loc[b]),
            "pct a": national_percentile(cs, a),
            "pct b": national_percentile(cs, b),
            "national median": float(cs.median()),
            "national SD": sd,
            "std diff": (float(cs.loc[a]) - float(cs.loc[b])) / sd,
        })
    return pd.DataFrame(rows)


def similarity_verdict(std_diff: float) -> str:
    """Rule for 'similar': |standardized difference| ≤ 0.25 similar, ≤ 0.5 partly, else not."""
    d = abs(std_diff)
    if d <= 0.25:
        return "supported"
    if d <= 0.5:
        return "partly supported"
    return "not supported"


def rank_in(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """Rank 1 = best among municipalities with a value (ties share the best rank)."""
    return values.dropna().rank(ascending=not higher_is_better, method="min").astype(int)


def efficiency_ranks(codes=(SOLNA, SUNDBYBERG), year: int | None = None, data_dir=None) -> pd.DataFrame:
    """Ranks of the given municipalities on the RKA efficiency indices and the net cost
    deviations (1 = most efficient / lowest cost), with the number ranked."""
    rows = []
    for kpi, (label, higher) in EFFICIENCY.items():
        cs, y = cross_section(kpi, year, data_dir)
        r = rank_in(cs, higher)
        for c in codes:
            if c not in r.index:
                raise DataError(f"No value of {kpi} for {c} in {y}")
            rows.append({"kpi": kpi, "measure": label, "year": y, "code": c, "value": float(cs.loc[c]),
                         "rank": int(r.loc[c]), "of": int(len(r))})
    return pd.DataFrame(rows)


def composite_score(indices: pd.DataFrame, min_indices: int = 3) -> pd.DataFrame:
    """Mean percentile rank over index columns (higher = better) for units with at least
    ``min_indices`` of them; rank 1 = best."""
    pct = indices.rank(pct=True)
    n = pct.notna().sum(axis=1)
    keep = n >= min_indices
    out = pd.DataFrame({"score": pct.mean(axis=1)[keep], "indices": n[keep]})
    if out.empty:
        raise DataError(f"No unit has at least {min_indices} of the indices")
    out["rank"] = out["score"].rank(ascending=False, method="min").astype(int)
    return out.sort_values("rank")


def composite_efficiency_rank(year: int | None = None, data_dir=None, min_indices: int = 3) -> pd.DataFrame:
    """Composite rank over the four RKA efficiency indices (latest year by default)."""
    cols = {}
    for kpi in EFFICIENCY_INDICES:
        cs, year = cross_section(kpi, year, data_dir)
        cols[kpi] = cs
    out = composite_score(pd.DataFrame(cols), min_indices)
    out.attrs["year"] = year
    return out


# ------------------------------------------------------------------ structure-adjusted performance
@dataclass
class Residuals:
    table: pd.DataFrame  # code, actual, fitted, residual, percentile
    r2: float
    n: int
    year: int
    covariates: list[str]


def structural_residuals(y: pd.Series, X: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """OLS of log(y) on X (with intercept): actual, fitted, residual (log points) and the
    residual's national percentile per unit, and R²."""
    df = pd.concat([y.rename("y"), X], axis=1).dropna()
    df = df[df["y"] > 0]
    if len(df) < X.shape[1] + 10:
        raise DataError(f"Too few units with all covariates ({len(df)})")
    Xm = np.column_stack([np.ones(len(df)), df[list(X.columns)].to_numpy(float)])
    yv = np.log(df["y"].to_numpy(float))
    beta, *_ = np.linalg.lstsq(Xm, yv, rcond=None)
    fitted = Xm @ beta
    resid = yv - fitted
    tab = pd.DataFrame({"actual": df["y"], "fitted": np.exp(fitted), "residual": resid}, index=df.index)
    tab["percentile"] = [national_percentile(tab["residual"], c) for c in tab.index]
    return tab, float(1 - resid.var() / yv.var())


def expected_cost_residuals(outcome: str = "N31001", covariates=("N02925", "N01982", "N03920", "N01994", "N00903"),
                            year: int | None = None, data_dir=None) -> Residuals:
    """Cross-section OLS of log(outcome) on structural covariates in one year.

    A negative residual means lower cost than municipalities with the same structure;
    the residual is in log points (≈ relative difference). Descriptive: it cannot
    separate policy from unmeasured structure.
    """
    y_cs, year = cross_section(outcome, year, data_dir)
    X = pd.DataFrame({c: cross_section(c, year, data_dir)[0] for c in covariates})
    tab, r2 = structural_residuals(y_cs, X)
    return Residuals(tab, r2, len(tab), year, list(covariates))


def model_ratio(code: str, data_dir=None) -> tuple[float, float, float, int]:
    """Actual net cost of assistance (N31008) over RKA's model-based expected net cost
    (U31004), latest common year: (actual, expected, ratio, year)."""
    actual = series_of("N31008", code, data_dir)
    expected = series_of("U31004", code, data_dir)
    common = sorted(set(actual.index) & set(expected.index))
    if not common:
        raise DataError(f"No year with both N31008 and U31004 for {code}")
    y = common[-1]
    return float(actual.loc[y]), float(expected.loc[y]), float(actual.loc[y] / expected.loc[y]), int(y)


def tax_capacity_growth(codes, start: int, end: int, data_dir=None) -> pd.Series:
    """Growth factor of tax capacity (N00903) between two years for each code."""
    tidy = load_kpis("N00903", data_dir)
    w = tidy[tidy["year"].isin([start, end])].pivot(index="municipality", columns="year", values="value")
    missing = [c for c in codes if c not in w.index or w.loc[c].isna().any()]
    if missing:
        raise DataError(f"No N00903 in {start} and {end} for {missing}")
    return (w.loc[list(codes), end] / w.loc[list(codes), start]).rename("growth")
