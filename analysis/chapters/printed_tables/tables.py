"""printed-tables: tables for the chapter text."""

from __future__ import annotations

import pandas as pd

from ...sources import seed_tables as P
from ...sources import taxes as T
from ...sources.municipalities import municipalities
from .claims_savings import potential_arithmetic
from .design import tax_check


# ------------------------------------------------------------------ tables for the chapter text
def tax_rows_table(data_dir=None) -> pd.DataFrame:
    """The 59 printed rows: printed rates, the data's rates, and each row's status."""
    tc = tax_check(data_dir)
    c = tc.comparison
    printed = c.pivot(index="code", columns="year", values="printed").add_prefix("printed ")
    data = c.pivot(index="code", columns="year", values="data").add_prefix("data ")
    out = tc.rows.set_index("code")[["table", "name", "status"]].join(printed).join(data)
    out = out.join(tc.burden.set_index("code")[["total change (data)"]])
    out.columns = [str(x) for x in out.columns]
    return out.reset_index().rename(columns={"code": "code", "name": "municipality"})


def backtest_summary(data_dir=None) -> tuple[pd.DataFrame, int, int]:
    """Where the derivation, anchored on the first rate file, misses Kolada's N00901:
    one row per county and year of first miss. Returns (table, exact, compared)."""
    bt = T.real_backtest(data_dir)
    bad = bt[bt["difference"].abs() >= P.RATE_TOL]
    first = bad.sort_values("year").groupby("municipality").first().reset_index()
    meta = municipalities(data_dir).drop_duplicates("county_code").set_index("county_code")["county"]
    tot = T.load_total_rates(data_dir).pivot(index="municipality", columns="year", values="total")
    kol = T.kolada_municipal_rates(data_dir)
    cty = T.county_of(data_dir)
    rows = []
    for (cc, y), g in first.groupby(["county", "year"]):
        members = cty.index[cty == cc]
        d_kol = (kol.loc[members, y] - kol.loc[members, y - 1]).round(2)
        d_tot = (tot.loc[members, y] - tot.loc[members, y - 1]).round(2)
        common_kol = float(d_kol.mode().iloc[0])
        reading = ("municipal rates moved together: a tax swap with the region" if abs(common_kol) > P.RATE_TOL
                   else "the two sources date this municipality's change differently")
        rows.append({"county": meta[cc], "year": int(y), "municipalities missed": len(g),
                     "of": len(members), "error (derived − N00901)": ", ".join(sorted({f"{v:+.2f}" for v in g["difference"]})),
                     "most common change of N00901": common_kol,
                     "most common change of the total": float(d_tot.mode().iloc[0]), "reading": reading})
    exact = int((bt["difference"].abs() < P.RATE_TOL).sum())
    return pd.DataFrame(rows), exact, len(bt)


def regional_table(data_dir=None) -> pd.DataFrame:
    """Inferred regional rate per county from the anchor year on, with the weakest agreeing share."""
    reg = T.regional_rates(data_dir)
    a = T.anchor_year(data_dir)
    reg = reg[reg["year"] >= a]
    meta = municipalities(data_dir).drop_duplicates("county_code").set_index("county_code")["county"]
    wide_ = reg.pivot(index="county", columns="year", values="regional")
    wide_.columns = [str(c) for c in wide_.columns]
    later = reg[reg["year"] > a]
    wide_["lowest agreeing share"] = later.groupby("county")["agreeing share"].min()
    wide_["ties"] = later.groupby("county")["tie"].sum().astype(int)
    wide_.index = [meta[c] for c in wide_.index]
    return wide_.reset_index().rename(columns={"index": "county"})


def completeness_table(data_dir=None) -> pd.DataFrame:
    """Municipalities missing from, or wrongly in, the printed tables (with their rates)."""
    tc = tax_check(data_dir)
    comp = tc.completeness.copy()
    rates = tc.rates[[2022, 2023, 2024, 2025]].round(2)
    rates.columns = [str(c) for c in rates.columns]
    return comp.join(rates, on="code")


def savings_table(data_dir=None) -> pd.DataFrame:
    """The potential of 2019 and 2023 in nominal, real and real-per-inhabitant terms."""
    a = potential_arithmetic(data_dir)
    rows = [("nominal (as printed)", a["p19"], a["p23"], a["nominal"]),
            ("in 2019 prices", a["p19"], a["p23"] / a["price level"], a["real"]),
            ("in 2019 prices per inhabitant (index)", 100.0, 100 * a["real per inhabitant"], a["real per inhabitant"])]
    return pd.DataFrame([{"measure": m, "2019": x, "2023": y, "change (%)": (r - 1) * 100} for m, x, y, r in rows])
