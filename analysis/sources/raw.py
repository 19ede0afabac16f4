"""Parsers of the raw archive (``../shared/data``: the files as published, see its PROVENANCE files).

Each function reads one kind of raw file strictly and returns the tidy table the book
uses; the same functions build the compact snapshot (``make snapshot``) and read the raw
archive directly when ``MUNI_DATA_DIR`` points to it. Nothing here knows the snapshot.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import DataError, UnknownKPIError
from .codes import RIKET
from .files import read_bytes, read_text, show, strict_numbers, strict_years

N_MUNICIPALITIES = 290
KOMMUN_LIST = config.KOLADA_DUMP / "ddf--entities--geo--kommun.csv"
BLOC_FOLDER = Path("raw/skr/kolada-n05829-politiskt-styre")
SKR_FILE = "raw/skr/kommungrupp2017/oversiktstabell-och-lista-kommungruppsindelnin.xlsx"
RULE_FILE = "raw/skr/styre-efter-valet-2022/politicalRule2022.xlsx"
TOTAL_RATES_DIR = "raw/other/skattesnurra-skatteverket-totalrates"
NORDIN_FILE = "raw/other/nordin-regression-municip/municip_data.csv"
SCB_POP_2023 = "raw/scb/folkmangd_kommun_2023/be0101_tabhel2023.xlsx"
PARTIES_2022 = ["M", "C", "L", "KD", "S", "V", "MP", "SD", "ÖP"]
TIDY_COLUMNS = ["municipality", "year", "kpi", "value"]


def is_raw_archive(root: Path) -> bool:
    return (Path(root) / config.KOLADA_DATAPOINTS).is_dir()


def read_csv_text(path: Path, need_newline: bool = True, **kw) -> pd.DataFrame:
    """A strictly read CSV (UTF-8, ends with a newline, no ragged rows) as strings."""
    text = read_text(path, need_newline=need_newline)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # pandas only warns on some bad rows
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False,
                               on_bad_lines="error", **kw)
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as exc:
        raise DataError(f"{show(path)}: malformed CSV ({str(exc).strip().splitlines()[-1]}); partial or corrupt "
                        f"file?") from exc


def _no_empty_cells(raw: pd.DataFrame, path: Path) -> None:
    if raw.empty:
        raise DataError(f"{show(path)}: no data rows (empty or truncated file)")
    empty = (raw.isna() | (raw == "")).any(axis=1)
    if empty.any():
        line = int(empty.to_numpy().argmax()) + 2
        raise DataError(f"{show(path)}: empty field on line {line} (partial or truncated file?)")


# ------------------------------------------------------------------ Kolada
def kpi_file(root: Path, kid: str) -> Path:
    """Path of the raw file for KPI ``kid`` (upper case), or UnknownKPIError."""
    name = f"ddf--datapoints--{kid.lower()}--by--geo--year.csv"
    for folder in (config.KOLADA_DATAPOINTS, BLOC_FOLDER):
        path = Path(root) / folder / name
        if path.exists():  # a directory here is reported by the reader, not taken for a missing KPI
            return path
    raise UnknownKPIError(
        f"KPI {kid} is in the catalogue but not in the data at {show(root)}. "
        f"It is only available from the live Kolada API: run `make data`."
    )


def _geo_to_code(geo: pd.Series, path: Path) -> pd.Series:
    """Map DDF geo codes to Kolada municipality codes; Riket '0' becomes '0000'."""
    geo = geo.str.strip()
    bad = ~geo.str.fullmatch(r"\d{1,4}")
    if bad.any():
        raise DataError(f"{show(path)}: malformed geo codes, e.g. {geo[bad].iloc[0]!r}")
    return geo.where(geo != "0", RIKET)


def read_kpi_file(path: Path, kpi: str) -> pd.DataFrame:
    """Parse one DDF datapoint file strictly: header, codes, integer years, finite numbers,
    unique keys, and a complete last line. Regions (2-digit geo) are dropped."""
    col = kpi.lower()
    raw = read_csv_text(path)
    if list(raw.columns) != ["geo", "year", col]:
        raise DataError(f"{show(path)}: expected header geo,year,{col} but found {','.join(map(str, raw.columns))}")
    _no_empty_cells(raw, path)
    codes = _geo_to_code(raw["geo"], path)
    years = strict_years(raw["year"], path)
    values = strict_numbers(raw[col], path, col)
    tidy = pd.DataFrame({"municipality": codes, "year": years.astype("int64"), "kpi": kpi.upper(),
                         "value": values.astype("float64")})
    tidy = tidy[tidy["municipality"].str.len() == 4].reset_index(drop=True)  # drop regions (2 digits)
    dup = tidy.duplicated(["municipality", "year"])
    if dup.any():
        first = tidy[dup].iloc[0]
        raise DataError(f"{show(path)}: duplicate value for municipality {first.municipality}, year {first.year}")
    return tidy


def kolada_kpi(root: Path, kid: str) -> pd.DataFrame:
    """One KPI from the raw archive, tidy (municipalities and Riket)."""
    return read_kpi_file(kpi_file(root, kid), kid)


def kpi_definitions(root: Path, kpis) -> pd.DataFrame:
    """Kolada's title and description (definition) of each KPI in ``kpis`` (upper-case ids),
    from the dump's concept list: kpi, name, description."""
    path = Path(root) / config.KOLADA_DUMP / "ddf--concepts.csv"
    raw = read_csv_text(path, need_newline=False)  # the published file has no final newline
    if not {"concept", "name", "description"} <= set(raw.columns):
        raise DataError(f"{show(path)}: expected columns concept, name and description")
    con = raw.assign(kpi=raw["concept"].str.upper()).drop_duplicates("kpi").set_index("kpi")
    missing = [k for k in kpis if k not in con.index]
    if missing:
        raise DataError(f"{show(path)}: no definition of {missing[:5]}")
    out = con.loc[list(kpis), ["name", "description"]].reset_index()
    return out.astype(str)


def regions(root: Path) -> pd.DataFrame:
    """Kolada's list of regions: region (2-digit code), name."""
    path = Path(root) / config.KOLADA_DUMP / "ddf--entities--geo--region.csv"
    raw = read_csv_text(path, need_newline=False)
    if not {"region", "name"} <= set(raw.columns):
        raise DataError(f"{show(path)}: expected columns region and name")
    out = raw[["region", "name"]].copy()
    if not out["region"].str.fullmatch(r"\d{2}").all() or out["region"].duplicated().any():
        raise DataError(f"{show(path)}: every region needs a unique 2-digit code")
    return out.reset_index(drop=True)


# ------------------------------------------------------------------ municipalities
def municipality_list(root: Path) -> pd.DataFrame:
    """Code and name of the 290 municipalities (Kolada's list in the DDF dump)."""
    path = Path(root) / KOMMUN_LIST
    raw = read_csv_text(path)
    if not {"kommun", "name"} <= set(raw.columns):
        raise DataError(f"{show(path)}: expected columns kommun and name, found {','.join(map(str, raw.columns))}")
    base = raw[["kommun", "name"]].rename(columns={"kommun": "code"})
    base["code"] = base["code"].str.strip()
    base["name"] = base["name"].str.strip()
    if not base["code"].str.fullmatch(r"\d{4}").all() or (base["name"] == "").any():
        raise DataError(f"{show(path)}: every municipality needs a 4-digit code and a name")
    if len(base) != N_MUNICIPALITIES or base["code"].duplicated().any():
        raise DataError(f"{show(path)}: expected {N_MUNICIPALITIES} unique municipalities, found "
                        f"{base['code'].nunique()}")
    return base.sort_values("code").reset_index(drop=True)


def _read_excel(path: Path, **kw) -> pd.DataFrame:
    data = read_bytes(path)
    try:
        return pd.read_excel(io.BytesIO(data), dtype=str, **kw)
    except Exception as exc:  # openpyxl/xlrd raise many types for a corrupt workbook
        raise DataError(f"{show(path)}: cannot read workbook ({type(exc).__name__}: {exc})") from exc


def municipality_metadata(root: Path) -> pd.DataFrame:
    """The municipality list joined with SKR's groups (2017) and political rule after 2022."""
    root = Path(root)
    base = municipality_list(root)
    path = root / SKR_FILE
    if not path.is_file() and not path.exists():
        raise DataError(
            f"Missing metadata file {show(path)}. SKR's municipality groups (2017) and its survey of political rule "
            f"after the 2022 election are published as Excel files (no API provides them, so `make data` cannot); "
            f"use the repository's data/ snapshot or the raw archive."
        )
    skr = _read_excel(path, sheet_name="Lista Kommungruppsind 2017")
    need = ["Kommunkod", "Länskod", "Län namn", "Grupp", "Kommungrupp 2017 namn", "Huvudgrupp kod"]
    missing = [c for c in need if c not in skr.columns]
    if missing:
        raise DataError(f"{show(path)}: missing columns {missing}")
    skr = pd.DataFrame(
        {
            "code": skr["Kommunkod"].str.strip().str.zfill(4),
            "county_code": skr["Länskod"].str.strip().str.zfill(2),
            "county": skr["Län namn"].str.strip(),
            "skr_group": skr["Grupp"].str.strip(),
            "skr_group_name": skr["Kommungrupp 2017 namn"].str.strip(),
            "skr_main_group": skr["Huvudgrupp kod"].str.strip(),
        }
    )
    rpath = root / RULE_FILE
    if not rpath.exists():
        raise DataError(f"Missing metadata file {show(rpath)} (SKR's survey of political rule after 2022)")
    rule = _read_excel(rpath)
    rule = rule.rename(columns={rule.columns[0]: "code"})
    rule["code"] = rule["code"].str.strip().str.zfill(4)
    party_cols = {f"{p} 2022": p for p in PARTIES_2022}
    missing = [c for c in [*party_cols, "Parti KSO"] if c not in rule.columns]
    if missing:
        raise DataError(f"{show(rpath)}: missing columns {missing}")
    rule["governing_parties_2022"] = rule[list(party_cols)].apply(
        lambda r: ",".join(party_cols[c] for c in party_cols if isinstance(r[c], str) and r[c].strip()), axis=1
    )
    rule["chair_party_2022"] = rule["Parti KSO"].str.strip()
    try:
        meta = base.merge(skr, on="code", how="left", validate="1:1").merge(
            rule[["code", "governing_parties_2022", "chair_party_2022"]], on="code", how="left", validate="1:1"
        )
    except pd.errors.MergeError as exc:
        raise DataError(f"{show(path)} or {show(rpath)}: a municipality code is listed twice ({exc})") from exc
    missing = meta[meta[["skr_group", "county"]].isna().any(axis=1)]
    if not missing.empty:
        raise DataError(f"{show(path)}: no SKR group for {missing['code'].tolist()}")
    return meta.sort_values("code").reset_index(drop=True)


# ------------------------------------------------------------------ tax rates
def total_tax_rates(root: Path) -> pd.DataFrame:
    """Total local tax rate (%), tidy: municipality (code), year, total (skattesnurra's files).

    Names are matched exactly to the 290 municipality names; an unknown or repeated name
    stops with an error (a silent mismatch would drop a municipality)."""
    folder = Path(root) / TOTAL_RATES_DIR
    files = sorted(folder.glob("församlingar-*.json")) if folder.is_dir() else []
    if not files:
        raise DataError(
            f"Total tax-rate files not found in {show(folder)}. They exist only in the raw archive (no API serves "
            f"them, so `make data` cannot fetch them); use the repository's data/ snapshot."
        )
    base = municipality_list(root)
    by_name = dict(zip(base["name"], base["code"]))
    rows = []
    for path in files:
        try:
            doc = json.loads(read_text(path, need_newline=False))
            year = int(doc["år"])
            entries = doc["kommuner"]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{show(path)}: not a tax-rate file with 'år' and 'kommuner' ({exc})") from exc
        seen = set()
        for m in entries:
            name = str(m.get("namn", "")).strip() if isinstance(m, dict) else ""
            code = by_name.get(name)
            if code is None:
                raise DataError(f"{show(path)}: unknown municipality name {name!r}")
            if code in seen:
                raise DataError(f"{show(path)}: municipality {name} listed twice")
            seen.add(code)
            rate = m.get("skattesats")
            if isinstance(rate, bool) or not isinstance(rate, int | float) or rate != rate or abs(rate) == float("inf"):
                raise DataError(f"{show(path)}: no finite numeric 'skattesats' for {name}")
            rate = float(rate)
            if not 20 <= rate <= 40:
                raise DataError(f"{show(path)}: implausible total tax rate {rate} for {name}")
            rows.append({"municipality": code, "year": year, "total": rate})
    return pd.DataFrame(rows).astype({"year": "int64", "total": "float64"})


def nordin_rates(root: Path) -> pd.DataFrame:
    """Municipal tax rate by municipality and year from Nordin's panel (election years,
    and the rate four years back): municipality, year, nordin."""
    path = Path(root) / NORDIN_FILE
    if not path.exists():
        raise DataError(f"Nordin panel not found at {show(path)} (raw archive only; use the data/ snapshot)")
    raw = read_csv_text(path)
    need = ["municip_code", "year", "tax_rate", "tax_rate_4_years_back"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"{show(path)}: missing columns {missing}")
    code = raw["municip_code"].str.strip()
    if not code.str.fullmatch(r"\d{1,4}").all():
        raise DataError(f"{show(path)}: malformed municip_code")
    year = strict_years(raw["year"], path)
    parts = []
    for col, shift in (("tax_rate", 0), ("tax_rate_4_years_back", 4)):
        have = raw[col].str.strip().isin(["", "NA"]) == False  # noqa: E712 - R writes NA for missing
        vals = strict_numbers(raw.loc[have, col], path, col)
        parts.append(pd.DataFrame({"municipality": code[have].str.zfill(4), "year": (year[have] - shift).astype("int64"),
                                   "nordin": vals.astype("float64")}))
    return pd.concat(parts, ignore_index=True).drop_duplicates(["municipality", "year"]).reset_index(drop=True)


# ------------------------------------------------------------------ population
def scb_population_2023(root: Path) -> pd.DataFrame:
    """Population 31 Dec 2023 per municipality code (SCB's table): municipality, population."""
    path = Path(root) / SCB_POP_2023
    if not path.exists():
        raise DataError(f"SCB population 2023 not found at {show(path)} (raw archive only; use the data/ snapshot)")
    raw = _read_excel(path, sheet_name="Totalt", header=None)
    code = raw[0].astype(str).str.strip()
    rows = raw[code.str.fullmatch(r"\d{4}")]
    pop = strict_numbers(rows[2], path, "folkmängd", header_lines=0)
    if len(rows) != N_MUNICIPALITIES:
        raise DataError(f"{show(path)}: expected {N_MUNICIPALITIES} municipalities, found {len(rows)}")
    if (pop % 1 != 0).any() or (pop <= 0).any():
        raise DataError(f"{show(path)}: population must be positive whole numbers")
    return pd.DataFrame({"municipality": code[rows.index].to_numpy(), "population": pop.astype("int64").to_numpy()})
