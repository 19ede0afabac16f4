"""Local income-tax rates per municipality: the municipal part, the regional part and the total.

Two sources, neither complete on its own:

* Kolada **N00901**, the municipal rate (kommunal skattesats), 1995–2022 in the snapshot;
* Skatteverket's rate files as parsed by the *skattesnurra* project: the **total** local
  rate (municipality + region, without burial and church fees) per municipality *name*,
  2018–2026.

The municipal part after the last Kolada year is derived as ``total − regional``. The
regional rate is not in either source, but it is common to every municipality of a county:

1. in the anchor year (the last year with both sources) the regional rate of a county is
   the common value of ``total − N00901`` among its municipalities (the agreeing share is
   reported; in 2018–2022 it is 100 % in all but three municipality-years);
2. after the anchor year a change of the regional rate moves the total of *every*
   municipality of the county by the same amount, while a municipality changing its own
   rate moves only its own total; so the regional change is the most common change of
   the total among the county's municipalities (its agreeing share is reported, ties are
   flagged and resolved towards 'no regional change').

Failure cases, stated where the results are used:

* a **tax swap** (*skatteväxling*), when the municipalities of a county lower their rate
  and the region raises its rate by the same amount, leaves every total unchanged and is
  invisible in the totals: the derived municipal rates then miss the swap;
* a county where most municipalities change their own rate by the same amount in the same
  year would be read as a regional change (the agreeing share shows how close a call is);
* **Gotland** has no separate regional tax (Region Gotland levies one rate; Kolada's N00901
  holds all of it), so its regional rate is held at zero;
* municipalities that **changed county** need the county of the year in question. The only
  change since 1998 is Heby (Västmanland → Uppsala, 2007), before the rate files start, so
  the 2017 county of SKR's list is right for 2018–2026.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .. import config
from ..errors import DataError
from . import raw, snapshot
from .kolada import RIKET, load_kpis, snapshot_root
from .municipalities import municipalities, names

TOTAL_RATES_DIR = raw.TOTAL_RATES_DIR
NORDIN_FILE = raw.NORDIN_FILE
MUNICIPAL_KPI = "N00901"
SOURCE_KOLADA = "Kolada N00901"
SOURCE_DERIVED = "derived (total − regional)"
TOTAL_SOURCE = (
    "Source: Skatteverket's tax-rate files as parsed by the skattesnurra project (total rates 2018–2026); "
    "Kolada N00901 (municipal rate to 2022); own derivation of the municipal part."
)


# ------------------------------------------------------------------ reading the sources
def load_total_rates(data_dir=None) -> pd.DataFrame:
    """Total local tax rate (%), tidy: municipality (code), year, total.

    Names in the rate files are matched exactly to the 290 municipality names when the
    table is built (:func:`analysis.sources.raw.total_tax_rates`); an unknown or repeated
    name stops with an error (a silent mismatch would drop a municipality).
    """
    root = snapshot_root(data_dir)
    if snapshot.is_snapshot(root):
        return snapshot.read_table(root, "tax_totals")
    return raw.total_tax_rates(root)


def missing_totals(data_dir=None) -> pd.DataFrame:
    """Municipality-years absent from the rate files (2022 lacks Munkfors: a parse artefact)."""
    tot = load_total_rates(data_dir)
    full = pd.MultiIndex.from_product([sorted(names(data_dir).keys() - {RIKET}), sorted(tot["year"].unique())])
    have = pd.MultiIndex.from_frame(tot[["municipality", "year"]])
    gone = full.difference(have)
    nm = names(data_dir)
    return pd.DataFrame({"municipality": gone.get_level_values(0), "year": gone.get_level_values(1),
                         "name": [nm[c] for c in gone.get_level_values(0)]})


def kolada_municipal_rates(data_dir=None) -> pd.DataFrame:
    """Kolada N00901 as a municipality × year table (Riket dropped)."""
    t = load_kpis(MUNICIPAL_KPI, data_dir)
    t = t[t["municipality"] != RIKET]
    return t.pivot(index="municipality", columns="year", values="value").sort_index()


def county_of(data_dir=None) -> pd.Series:
    """Municipality code → county code (SKR's 2017 list; right for 2007 onwards)."""
    meta = municipalities(data_dir)
    return meta.set_index("code")["county_code"]


# ------------------------------------------------------------------ the derivation (pure functions)
def _mode(values: pd.Series) -> tuple[float, float, bool]:
    """Most common value (rounded to öre), its share, and whether the top was a tie
    (a tie is resolved towards the value closest to zero: 'no regional change')."""
    counts = values.round(2).value_counts()
    if counts.empty:
        raise DataError("No values to take a mode of")
    top = counts[counts == counts.iloc[0]]
    tie = len(top) > 1
    value = float(min(top.index, key=abs)) if tie else float(counts.index[0])
    return value, float(counts.iloc[0] / counts.sum()), tie


def infer_regional_rates(totals: pd.DataFrame, municipal: pd.DataFrame, county: pd.Series,
                         anchor_year: int) -> pd.DataFrame:
    """Regional tax rate per county and year from total rates and known municipal rates.

    ``totals`` and ``municipal``: municipality × year tables; ``county``: municipality →
    county. Years up to ``anchor_year`` use ``total − municipal`` directly (mode over the
    county); later years add the most common change of the total (see the module text).
    Returns one row per county and year: regional, agreeing share, municipalities used,
    tie flag and how the value was obtained.
    """
    if anchor_year not in totals.columns or anchor_year not in municipal.columns:
        raise DataError(f"Anchor year {anchor_year} must be in both the totals and the municipal rates")
    unknown = set(totals.index) - set(county.index)
    if unknown:
        raise DataError(f"No county for municipalities {sorted(unknown)[:5]}")
    years = sorted(int(y) for y in totals.columns)
    rows = []
    for cc in sorted(county.loc[totals.index].unique()):
        members = [m for m in totals.index if county.loc[m] == cc]
        level = None
        for year in years:
            if year <= anchor_year:
                if year not in municipal.columns:
                    continue
                diff = (totals.loc[members, year] - municipal.reindex(members)[year]).dropna()
                if diff.empty:
                    continue
                value, share, tie = _mode(diff)
                how = "total − N00901"
                n = len(diff)
            else:
                if level is None:
                    raise DataError(f"County {cc}: no regional rate in the anchor year {anchor_year}")
                prev = year - 1
                if prev not in totals.columns:
                    raise DataError(f"No total rates for {prev}: cannot follow the regional rate into {year}")
                change = (totals.loc[members, year] - totals.loc[members, prev]).dropna()
                if level == 0:  # no separate regional tax (Gotland): nothing to follow
                    value, share, tie, how, n = 0.0, np.nan, False, "no regional tax", len(change)
                else:
                    if change.empty:
                        raise DataError(f"County {cc}: no municipality has total rates for both {prev} and {year}")
                    step, share, tie = _mode(change)
                    value, how, n = round(level + step, 2), "previous + most common change of the total", len(change)
            level = value
            rows.append({"county": cc, "year": year, "regional": round(value, 2), "agreeing share": share,
                         "municipalities": n, "tie": tie, "how": how})
    return pd.DataFrame(rows)


def derive_municipal_rates(totals: pd.DataFrame, municipal: pd.DataFrame, county: pd.Series,
                           anchor_year: int) -> pd.DataFrame:
    """Municipal rate per municipality and year: N00901 up to the anchor year, then total − regional.

    Returns tidy rows: municipality, county, year, total, regional, municipal, source,
    agreeing share (of the regional change in that county-year).
    """
    regional = infer_regional_rates(totals, municipal, county, anchor_year).set_index(["county", "year"])
    rows = []
    for m in totals.index:
        cc = county.loc[m]
        for year in sorted(int(y) for y in totals.columns):
            total = totals.loc[m, year]
            if (cc, year) not in regional.index:
                continue
            reg = regional.loc[(cc, year)]
            known = municipal.loc[m, year] if (m in municipal.index and year in municipal.columns) else np.nan
            if year <= anchor_year and pd.notna(known):
                value, source = float(known), SOURCE_KOLADA
            elif pd.notna(total):
                value, source = round(float(total) - float(reg["regional"]), 2), SOURCE_DERIVED
            else:
                continue
            rows.append({"municipality": m, "county": cc, "year": year, "total": total, "regional": reg["regional"],
                         "municipal": value, "source": source, "agreeing share": reg["agreeing share"]})
    return pd.DataFrame(rows)


def backtest(totals: pd.DataFrame, municipal: pd.DataFrame, county: pd.Series, anchor_year: int,
             last_year: int) -> pd.DataFrame:
    """Out-of-sample test of the derivation: anchor early, derive the following years and
    compare with the known municipal rates. Returns one row per municipality-year derived."""
    cols = [y for y in totals.columns if y <= last_year]
    known = municipal[[y for y in municipal.columns if y <= anchor_year]]
    derived = derive_municipal_rates(totals[cols], known, county, anchor_year)
    derived = derived[derived["year"] > anchor_year].copy()
    derived["N00901"] = [municipal.loc[m, y] if m in municipal.index else np.nan
                         for m, y in zip(derived["municipality"], derived["year"])]
    derived = derived.dropna(subset=["N00901"])
    derived["difference"] = (derived["municipal"] - derived["N00901"]).round(2)
    return derived


# ------------------------------------------------------------------ the real data
@lru_cache(maxsize=2)
def _panel(root: str) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    tot = load_total_rates(root).pivot(index="municipality", columns="year", values="total").sort_index()
    kol = kolada_municipal_rates(root)
    cty = county_of(root)
    common = sorted(set(tot.columns) & set(kol.columns))
    if not common:
        raise DataError("No year with both Kolada N00901 and a total tax rate")
    anchor = int(common[-1])
    tot = tot.reindex(sorted(set(tot.index) | set(kol.index)))
    derived = derive_municipal_rates(tot, kol, cty, anchor)
    regional = infer_regional_rates(tot, kol, cty, anchor)
    return derived, regional, anchor


def rate_panel(data_dir=None) -> pd.DataFrame:
    """Municipal, regional and total rate for every municipality, 2018 onwards (see module text)."""
    return _panel(str(config.data_dir(data_dir)))[0].copy()


def regional_rates(data_dir=None) -> pd.DataFrame:
    """Regional rate per county and year, with the agreeing share behind each value."""
    return _panel(str(config.data_dir(data_dir)))[1].copy()


def anchor_year(data_dir=None) -> int:
    """Last year with both Kolada's municipal rate and a total rate (2022 in the snapshot)."""
    return _panel(str(config.data_dir(data_dir)))[2]


def municipal_wide(data_dir=None) -> pd.DataFrame:
    """Municipality × year table of municipal rates (Kolada to the anchor year, then derived)."""
    p = rate_panel(data_dir)
    return p.pivot(index="municipality", columns="year", values="municipal")


def real_backtest(data_dir=None, anchor: int | None = None) -> pd.DataFrame:
    """The derivation anchored on the first year of the rate files, checked against N00901."""
    tot = load_total_rates(data_dir).pivot(index="municipality", columns="year", values="total")
    kol = kolada_municipal_rates(data_dir)
    first = int(anchor or tot.columns.min())
    return backtest(tot, kol, county_of(data_dir), first, anchor_year(data_dir))


def within_county_consistency(data_dir=None) -> pd.DataFrame:
    """Years with both sources: does ``total − N00901`` take one value per county?
    Returns the municipality-years that differ from their county's common value."""
    tot = load_total_rates(data_dir).pivot(index="municipality", columns="year", values="total")
    kol = kolada_municipal_rates(data_dir)
    cty = county_of(data_dir)
    years = sorted(set(tot.columns) & set(kol.columns))
    rows = []
    nm = names(data_dir)
    for y in years:
        diff = (tot[y] - kol[y]).dropna().round(2)
        for cc, members in diff.groupby(cty.reindex(diff.index)):
            common, _, _ = _mode(members)
            for m, v in members.items():
                if abs(v - common) > 0.005:
                    rows.append({"municipality": m, "name": nm[m], "county": cc, "year": y,
                                 "total − N00901": v, "county value": common})
    out = pd.DataFrame(rows, columns=["municipality", "name", "county", "year", "total − N00901", "county value"])
    out.attrs["checked"] = int(sum((tot[y] - kol[y]).notna().sum() for y in years))
    return out


def nordin_agreement(data_dir=None) -> pd.DataFrame:
    """N00901 against the municipal rate in Nordin's SCB-based panel (election years)."""
    root = snapshot_root(data_dir)
    nordin = snapshot.read_table(root, "nordin_rates") if snapshot.is_snapshot(root) else raw.nordin_rates(root)
    kol = load_kpis(MUNICIPAL_KPI, data_dir).rename(columns={"value": "N00901"})
    both = nordin.merge(kol[["municipality", "year", "N00901"]], on=["municipality", "year"], how="inner")
    both["agrees"] = (both["nordin"] - both["N00901"]).abs() < 0.005
    return both


def average_total_rate(year: int, data_dir=None, weight_year: int | None = None) -> dict:
    """Mean total rate in ``year``: unweighted, and weighted by the tax base
    (skattekraft N00903 × population N01951) as SCB weights its national average.
    The weights come from the latest year Kolada has (2022 in the snapshot) unless given."""
    tot = load_total_rates(data_dir)
    tot = tot[tot["year"] == year].set_index("municipality")["total"]
    if tot.empty:
        raise DataError(f"No total tax rates for {year}")
    w = load_kpis(["N00903", "N01951"], data_dir)
    w = w[w["municipality"] != RIKET]
    wy = int(weight_year or min(year, int(w["year"].max())))
    w = w[w["year"] == wy].pivot(index="municipality", columns="kpi", values="value")
    base = (w["N00903"] * w["N01951"]).reindex(tot.index)
    if base.isna().any():
        raise DataError(f"No tax base in {wy} for {base[base.isna()].index.tolist()[:5]}")
    return {"year": year, "weight year": wy, "n": int(len(tot)), "unweighted": float(tot.mean()),
            "weighted": float(np.average(tot, weights=base))}
