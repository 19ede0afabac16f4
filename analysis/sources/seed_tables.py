"""The tables printed in document 003, read from their transcriptions, and checks on them.

The seed tables (``data/seed-tables/``, copied byte for byte by ``make snapshot`` from
``../shared/claims/seed-tables/``, transcribed and proof-read against the seed texts) are the documents' own numbers; like ``data/claims.yaml`` they are *published*
values, never results. The checks compare them with the data (``analysis.sources.taxes``) and
with their own arithmetic. Every check is a function of plain data frames so the tests
can feed it small synthetic tables with known answers.
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import DataError, UnknownMunicipalityError
from .files import NUMBER, read_text, show
from .municipalities import resolve

SEED_TABLES_ENV_VAR = "MUNI_SEED_TABLES_DIR"
DEFAULT_SEED_TABLES_DIR = config.DEFAULT_DATA_DIR / config.SEED_TABLES_SUBDIR
YEARS = (2022, 2023, 2024, 2025)
YEAR_COLS = [str(y) for y in YEARS]
TAX_TABLES = {
    "increases": ("003_tabell2_skattehojningar_2022_2025.csv", "Tabell 2"),
    "decreases": ("003_tabell3_skattesankningar_2022_2025.csv", "Tabell 3"),
}
PRICE_INDEX_FILE = "003_tabell1_prisindex_kommunal_verksamhet.csv"
NACKA_FILE = "003_nacka_betyg_ak9_2022_2024.csv"
CHANGE_COL = "Höjd skatt sedan 2022"
SEED_SOURCE = "Source: document 003 as printed (transcribed in the seed tables)."
RATE_TOL = 0.005  # rates are printed with two decimals


# ------------------------------------------------------------------ reading
def seed_tables_dir(override=None) -> Path:
    """Folder of the transcribed tables: argument, then $MUNI_SEED_TABLES_DIR, then data/seed-tables."""
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get(SEED_TABLES_ENV_VAR)
    return Path(env).expanduser().resolve() if env else DEFAULT_SEED_TABLES_DIR.resolve()


def read_seed_csv(filename: str, seed_dir=None) -> pd.DataFrame:
    """One transcribed table as strings; a missing file or an empty cell stops with an error."""
    path = seed_tables_dir(seed_dir) / filename
    if not path.exists():
        raise DataError(
            f"Seed table not found: {show(path)}. The printed tables are transcribed in data/seed-tables (restore it "
            f"with `git checkout -- data/`); set {SEED_TABLES_ENV_VAR} to another folder."
        )
    text = read_text(path)  # checked against data/MANIFEST.sha256 when it is the repository's copy
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # pandas only warns on some bad rows
            raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False,
                              on_bad_lines="error")
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as exc:
        raise DataError(f"{show(path)}: malformed table ({exc})") from exc
    if raw.empty:
        raise DataError(f"{path}: no rows")
    if (raw == "").any().any():
        row = int((raw == "").any(axis=1).idxmax()) + 2
        raise DataError(f"{path}: empty cell on line {row}")
    return raw


def _number(text: str, where: str) -> float:
    t = str(text).strip().replace("%", "").replace("+", "")
    if not re.fullmatch(NUMBER, t):  # float() would take 'inf', 'nan', '1_000'
        raise DataError(f"{where}: {text!r} is not a number (finite decimals only)")
    value = float(t)
    if not math.isfinite(value):
        raise DataError(f"{where}: {text!r} is not a number (finite decimals only)")
    return value


def tax_table(kind: str, seed_dir=None, data_dir=None) -> pd.DataFrame:
    """Tabell 2 ('increases') or Tabell 3 ('decreases') with codes, rates and printed change.

    Tabell 3 prints names only; they are resolved to codes (an unknown name is an error).
    Tabell 2 prints both: ``printed code`` keeps the code as printed for the name/code check.
    """
    if kind not in TAX_TABLES:
        raise KeyError(f"Unknown tax table {kind!r}; choose from {sorted(TAX_TABLES)}")
    filename, label = TAX_TABLES[kind]
    raw = read_seed_csv(filename, seed_dir)
    need = ["Kommun", *YEAR_COLS, CHANGE_COL]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"{filename}: missing columns {missing}")
    rows = []
    for i, r in raw.iterrows():
        where = f"{filename} line {i + 2}"
        try:
            code = resolve(r["Kommun"], data_dir=data_dir)
        except UnknownMunicipalityError as exc:
            raise DataError(f"{where}: {exc}") from exc
        row = {"table": label, "kind": kind, "code": code, "name": r["Kommun"],
               "printed code": r.get("Kommunkod", "")}
        for y in YEAR_COLS:
            row[int(y)] = _number(r[y], where)
        row["printed change"] = _number(r[CHANGE_COL], where)
        rows.append(row)
    out = pd.DataFrame(rows)
    if out["code"].duplicated().any():
        raise DataError(f"{filename}: municipality listed twice: {out.loc[out['code'].duplicated(), 'name'].tolist()}")
    return out


def tax_tables(seed_dir=None, data_dir=None) -> pd.DataFrame:
    """Both printed tax tables stacked (Tabell 2 then Tabell 3)."""
    return pd.concat([tax_table(k, seed_dir, data_dir) for k in TAX_TABLES], ignore_index=True)


def price_index(seed_dir=None) -> pd.DataFrame:
    """Tabell 1 (SKR's price index for municipal activity): one row per year, weights as fractions."""
    raw = read_seed_csv(PRICE_INDEX_FILE, seed_dir)
    label = raw.columns[0]
    rows = {r[label]: r for _, r in raw.iterrows()}
    need = {"labour": "Arbetskostnad", "labour weight": "Vikt arbetskraftskostnad",
            "other": "Övrig förbrukning", "other weight": "Vikt övrig förbrukning", "printed total": label}
    missing = [v for v in need.values() if v not in rows]
    if missing:
        raise DataError(f"{PRICE_INDEX_FILE}: missing rows {missing}")
    years = [c for c in raw.columns[1:]]
    out = pd.DataFrame(index=pd.Index([int(y) for y in years], name="year"))
    for key, row_label in need.items():
        vals = [_number(rows[row_label][y], f"{PRICE_INDEX_FILE} {row_label} {y}") for y in years]
        out[key] = [v / 100 for v in vals] if key.endswith("weight") else vals
    return out


def nacka_grades(seed_dir=None) -> pd.Series:
    """The unnumbered Nacka table: share of year-9 pupils meeting the criteria in all subjects."""
    raw = read_seed_csv(NACKA_FILE, seed_dir)
    if len(raw) != 1:
        raise DataError(f"{NACKA_FILE}: expected one row, found {len(raw)}")
    r = raw.iloc[0]
    return pd.Series({int(y): _number(r[y], f"{NACKA_FILE} {y}") for y in raw.columns[1:]}, name=r.iloc[0])


# ------------------------------------------------------------------ internal arithmetic
def price_index_check(tab: pd.DataFrame) -> pd.DataFrame:
    """Weighted sum of the two components against the printed total, per year."""
    out = tab.copy()
    out["weights sum"] = out["labour weight"] + out["other weight"]
    out["weighted sum"] = out["labour"] * out["labour weight"] + out["other"] * out["other weight"]
    out["difference"] = out["weighted sum"] - out["printed total"]
    out["rounds to printed"] = (out["difference"].abs() <= 0.05 + 1e-9)
    return out


def cumulative_price_change(annual_pct: dict[int, float], start: int, end: int) -> float:
    """Price level in ``end`` relative to ``start`` (1.10 = +10 %) from annual changes in %
    (the change of year t is the step from t−1 to t). Every year in between is needed."""
    steps = range(start + 1, end + 1)
    missing = [y for y in steps if y not in annual_pct]
    if missing:
        raise DataError(f"No price change for {missing}")
    return float(np.prod([1 + annual_pct[y] / 100 for y in steps]))


def row_arithmetic(tab: pd.DataFrame, years=YEARS) -> pd.DataFrame:
    """Per row: computed change (last − first year) against the printed change, the
    year-to-year steps, and the years in which the rate changed."""
    out = tab.copy()
    first, last = years[0], years[-1]
    out["computed change"] = (out[last] - out[first]).round(2)
    out["arithmetic ok"] = (out["computed change"] - out["printed change"]).abs() < RATE_TOL
    steps = out[list(years[1:])].to_numpy() - out[list(years[:-1])].to_numpy()
    out["years changed"] = [[y for y, s in zip(years[1:], row) if abs(s) > RATE_TOL] for row in steps]
    sign = np.sign(out["computed change"].to_numpy())
    out["one direction"] = [bool(all(np.sign(s) in (0, sg) for s in row if abs(s) > RATE_TOL))
                            for row, sg in zip(np.round(steps, 2), sign)]
    return out


def table_total(tab: pd.DataFrame, years=YEARS) -> dict:
    """Sum of the printed change column and of the changes computed from the rates."""
    rows = row_arithmetic(tab, years)
    return {"rows": int(len(rows)), "printed sum": float(rows["printed change"].sum().round(2)),
            "computed sum": float(rows["computed change"].sum().round(2)),
            "arithmetic errors": int((~rows["arithmetic ok"]).sum())}


# ------------------------------------------------------------------ against the data
def compare_rows(tab: pd.DataFrame, panel: pd.DataFrame, years=YEARS) -> pd.DataFrame:
    """Printed rate against the data, one row per municipality and year.

    ``panel``: tidy rates with municipality, year, municipal, total, regional, source
    (``analysis.sources.taxes.rate_panel``). ``implied regional`` = total − printed: the regional
    rate the printed row would require.
    """
    p = panel.set_index(["municipality", "year"])
    rows = []
    for _, r in tab.iterrows():
        for y in years:
            if (r["code"], y) not in p.index:
                raise DataError(f"No tax rate in the data for {r['name']} ({r['code']}) in {y}")
            d = p.loc[(r["code"], y)]
            total = d["total"]
            rows.append({"table": r["table"], "code": r["code"], "name": r["name"], "county": d["county"], "year": y,
                         "printed": r[y], "data": d["municipal"], "source": d["source"], "total": total,
                         "regional": d["regional"],
                         "implied regional": round(total - r[y], 2) if pd.notna(total) else np.nan})
    out = pd.DataFrame(rows)
    out["difference"] = (out["printed"] - out["data"]).round(2)
    out["agrees"] = out["difference"].abs() < RATE_TOL
    return out


def classify_rows(comparison: pd.DataFrame, county: pd.Series) -> pd.DataFrame:
    """One verdict per printed row: 'agrees', 'tax swap' or 'disagrees'.

    A row that disagrees only because the data miss a tax swap is recognisable: every
    printed row of its county then implies the *same* regional rate in each year (total −
    printed), and every municipality of the county is printed (a swap changes them all).
    ``county``: municipality → county for all municipalities.
    """
    rows = []
    printed_codes = set(comparison["code"])
    for code, g in comparison.groupby("code", sort=False):
        cc = g["county"].iloc[0]
        if g["agrees"].all():
            status, note = "agrees", ""
        else:
            same_county = comparison[comparison["county"] == cc]
            implied = same_county.dropna(subset=["implied regional"]).groupby("year")["implied regional"].nunique()
            members = set(county.index[county == cc])
            all_printed = members <= printed_codes
            uniform = bool((implied <= 1).all())
            off = g[~g["agrees"]]
            if uniform and all_printed and len(members) > 1:
                shift = same_county.groupby("year")["implied regional"].first() - same_county.groupby("year")["regional"].first()
                swap_years = [int(y) for y in shift.index if abs(shift.loc[y]) > RATE_TOL]
                status = "tax swap"
                note = (f"All {len(members)} municipalities of the county are printed and imply one regional rate each "
                        f"year; it exceeds the rate inferred from the totals by {shift.loc[swap_years[0]]:+.2f} from "
                        f"{swap_years[0]}: a transfer between municipalities and region (total unchanged), not a cut "
                        "the taxpayer sees.") if swap_years else "Uniform implied regional rate."
            else:
                status = "disagrees"
                note = "; ".join(f"{int(r.year)}: printed {r.printed:.2f}, data {r.data:.2f}" for r in off.itertuples())
        rows.append({"code": code, "name": g["name"].iloc[0], "table": g["table"].iloc[0], "county": cc,
                     "status": status, "note": note})
    return pd.DataFrame(rows)


def completeness(tables: pd.DataFrame, rates: pd.DataFrame, names: dict[str, str], years=YEARS) -> pd.DataFrame:
    """Municipalities whose rate changed in the data but are missing from the right table,
    and printed ones whose change the data do not show. ``rates``: municipality × year
    municipal rates (all municipalities). One row per problem."""
    first, last = years[0], years[-1]
    cols = list(years)
    missing_cols = [y for y in cols if y not in rates.columns]
    if missing_cols:
        raise DataError(f"No municipal rates for {missing_cols}")
    r = rates[cols].dropna()
    change = (r[last] - r[first]).round(2)
    moved = (r.diff(axis=1).iloc[:, 1:].abs() > RATE_TOL).any(axis=1)
    printed = tables.set_index("code")["kind"]
    rows = []
    for code in r.index:
        ch = change.loc[code]
        expected = "increases" if ch > RATE_TOL else ("decreases" if ch < -RATE_TOL else None)
        listed = printed.get(code)
        if expected and listed is None:
            problem = "missing"
        elif expected and listed != expected:
            problem = "in the wrong table"
        elif expected is None and listed is not None:
            problem = "printed, but the data show no net change"
        elif expected is None and moved.loc[code]:
            problem = "changed and returned to its 2022 rate (in neither table)"
        else:
            continue
        rows.append({"code": code, "name": names.get(code, code), "change in data": ch, "printed in": listed or "–",
                     "problem": problem})
    return pd.DataFrame(rows, columns=["code", "name", "change in data", "printed in", "problem"])


def total_burden(comparison: pd.DataFrame, years=YEARS) -> pd.DataFrame:
    """For each printed row: the change of the municipal rate against the change of the
    total rate (municipal + regional), which is what the taxpayer pays."""
    first, last = years[0], years[-1]
    g = comparison.pivot_table(index=["code", "name", "table"], columns="year", values=["printed", "total"])
    out = pd.DataFrame({
        "municipal change (printed)": (g[("printed", last)] - g[("printed", first)]).round(2),
        "total change (data)": (g[("total", last)] - g[("total", first)]).round(2),
    }).reset_index()

    def _relation(r):
        m, t = r["municipal change (printed)"], r["total change (data)"]
        if pd.isna(t):
            return "no total"
        if abs(t) < RATE_TOL:
            return "total unchanged"
        return "same direction" if np.sign(t) == np.sign(m) else "total moved the other way"

    out["relation"] = out.apply(_relation, axis=1)
    return out
