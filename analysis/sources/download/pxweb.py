"""SCB PxWeb (API v1) client for the municipal and regional tax rates (table OE0101).

Documentation relied on: SCB's open-data pages (https://www.scb.se/vara-tjanster/oppna-data/,
https://scb.se/en/services/open-data-api: limits and licence) and the PxWeb API 1.0
description (SCB's PDF, as used by the pxweb R client, https://ropengov.github.io/pxweb/,
e.g. ``pxweb_get`` on https://api.scb.se/OV0104/v1/doris/sv/ssd/...): a GET on a table URL returns its
metadata ``{"title", "variables": [{"code", "text", "values", "valueTexts", ...}]}``;
a POST of ``{"query": [{"code", "selection": {"filter": "item", "values": [...]}}],
"response": {"format": "json"}}`` returns ``{"columns": [{"code", "text", "type"}],
"data": [{"key": [...], "values": [...]}], "comments": [...], "metadata": [...]}``
where ``type`` is ``d`` (dimension), ``t`` (time) or ``c`` (content) and missing
cells are ``".."``. At most 100,000 values per request (HTTP 403 beyond), at most 10
calls per 10 s per IP address.

Table ``OE/OE0101/Kommunalskatter2000`` ("Kommunalskattesatser … år 2000–"), contents
"Skattesats, total kommunal", "Skattesats till kommun", "Skattesats till region"
(older texts say "landsting"). Contents are matched by their text, not assumed codes,
so a renamed code fails loudly instead of mislabelling a rate.

Output: the snapshot's tidy format, municipality (4 digits, Riket ``0000`` if SCB
gives it), year, kpi (one of :data:`MEASURES`), value (percent).
"""

from __future__ import annotations

import math

import pandas as pd

from ... import config
from ...errors import DataError
from .http import HttpClient, SchemaError

TAX_TABLE_URL = "https://api.scb.se/OV0104/v1/doris/sv/ssd/START/OE/OE0101/Kommunalskatter2000"
MAX_CELLS = 100_000
MISSING = {"..", "...", "-", "", ".", "x"}
TIDY_COLUMNS = ["municipality", "year", "kpi", "value"]
# measure id -> English label (the SCB contents are matched to these by text in _classify)
MEASURES = {
    "SCB_TAX_TOTAL": "total municipal tax rate (municipality + region), percent",
    "SCB_TAX_MUNICIPAL": "tax rate to the municipality, percent",
    "SCB_TAX_REGIONAL": "tax rate to the region (county council), percent",
}
CACHE_FILE = "scb/tax_rates.csv"


def _classify(text: str) -> str | None:
    t = text.lower()
    if "total" in t:
        return "SCB_TAX_TOTAL"
    if "till kommun" in t:
        return "SCB_TAX_MUNICIPAL"
    if "till region" in t or "landsting" in t:
        return "SCB_TAX_REGIONAL"
    return None


def _variable(meta: dict, code: str, url: str) -> dict:
    for var in meta.get("variables", []):
        if isinstance(var, dict) and var.get("code") == code:
            if not isinstance(var.get("values"), list) or not isinstance(var.get("valueTexts"), list) \
                    or len(var["values"]) != len(var["valueTexts"]):
                raise SchemaError(f"{url}: variable {code} lacks matching values/valueTexts")
            return var
    found = [v.get("code") for v in meta.get("variables", []) if isinstance(v, dict)]
    raise SchemaError(f"{url}: table has no variable {code!r} (has {found})")


def plan_query(meta: dict, municipality_codes: frozenset[str], url: str = TAX_TABLE_URL):
    """From table metadata: (contents code -> measure id, region codes, years)."""
    if not isinstance(meta, dict) or not isinstance(meta.get("variables"), list):
        raise SchemaError(f"{url}: metadata without a 'variables' list")
    contents = _variable(meta, "ContentsCode", url)
    measures = {}
    for code, text in zip(contents["values"], contents["valueTexts"]):
        m = _classify(str(text))
        if m:
            if m in measures.values():
                raise SchemaError(f"{url}: two contents look like {m}: {contents['valueTexts']}")
            measures[code] = m
    if set(measures.values()) != set(MEASURES):
        raise SchemaError(f"{url}: expected total, municipal and regional tax rates among the contents, "
                          f"found {contents['valueTexts']}")
    region = _variable(meta, "Region", url)
    regions = [c for c in region["values"] if c in municipality_codes or c == "00"]
    missing = sorted(municipality_codes - set(regions))
    if missing:
        raise SchemaError(f"{url}: {len(missing)} municipalities missing among the table's regions, e.g. {missing[:5]}")
    tid = _variable(meta, "Tid", url)
    years = [y for y in tid["values"] if str(y).isdigit()]
    if not years:
        raise SchemaError(f"{url}: no years in variable Tid")
    return measures, regions, years


def build_queries(measures: dict, regions: list[str], years: list[str]) -> list[dict]:
    """POST bodies, split by years so that none exceeds SCB's 100,000-value limit."""
    per_year = len(measures) * len(regions)
    step = max(1, MAX_CELLS // max(1, per_year))
    bodies = []
    for i in range(0, len(years), step):
        bodies.append({
            "query": [
                {"code": "Region", "selection": {"filter": "item", "values": regions}},
                {"code": "ContentsCode", "selection": {"filter": "item", "values": list(measures)}},
                {"code": "Tid", "selection": {"filter": "item", "values": years[i:i + step]}},
            ],
            "response": {"format": "json"},
        })
    return bodies


def parse_data(payload, measures: dict, url: str = TAX_TABLE_URL) -> list[tuple[str, int, str, float]]:
    """Rows (municipality, year, measure, value) from one PxWeb json answer."""
    if not isinstance(payload, dict) or not isinstance(payload.get("columns"), list) \
            or not isinstance(payload.get("data"), list):
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise SchemaError(f"{url}: expected 'columns' and 'data' lists, got {keys}")
    cols = payload["columns"]
    try:
        keycols = [c["code"] for c in cols if c["type"] in ("d", "t")]
        valcols = [c["code"] for c in cols if c["type"] == "c"]
    except (KeyError, TypeError) as exc:
        raise SchemaError(f"{url}: malformed column description {cols!r:.200}") from exc
    if "Region" not in keycols or "Tid" not in keycols:
        raise SchemaError(f"{url}: answer lacks Region/Tid columns (has {keycols})")
    unknown = set(valcols) - set(measures)
    if unknown or not valcols:
        raise SchemaError(f"{url}: unexpected content columns {valcols}")
    ri, ti = keycols.index("Region"), keycols.index("Tid")
    rows = []
    for cell in payload["data"]:
        if not isinstance(cell, dict) or not isinstance(cell.get("key"), list) \
                or not isinstance(cell.get("values"), list) or len(cell["key"]) != len(keycols) \
                or len(cell["values"]) != len(valcols):
            raise SchemaError(f"{url}: data row does not match the columns: {cell!r:.200}")
        code, year = str(cell["key"][ri]), str(cell["key"][ti])
        if not year.isdigit():
            raise SchemaError(f"{url}: year {year!r} is not a year")
        muni = "0000" if code == "00" else code
        for col, raw in zip(valcols, cell["values"]):
            text = str(raw).strip()
            if text in MISSING:
                continue
            try:
                value = float(text.replace(",", "."))
            except ValueError as exc:
                raise SchemaError(f"{url}: non-numeric value {raw!r} for {code} {year}") from exc
            if not math.isfinite(value):
                raise SchemaError(f"{url}: non-finite value {raw!r} for {code} {year}")
            rows.append((muni, int(year), measures[col], value))
    return rows


def fetch_tax_rates(http: HttpClient, municipality_codes: frozenset[str], url: str = TAX_TABLE_URL) -> pd.DataFrame:
    """Total, municipal and regional tax rates for every municipality and year, tidy."""
    meta = http.get_json(url)
    measures, regions, years = plan_query(meta, municipality_codes, url)
    rows = []
    for body in build_queries(measures, regions, years):
        rows += parse_data(http.post_json(url, body), measures, url)
    if not rows:
        raise SchemaError(f"{url}: no tax rates in the answer")
    df = pd.DataFrame(rows, columns=TIDY_COLUMNS)
    dup = df.duplicated(["municipality", "year", "kpi"])
    if dup.any():
        first = df[dup].iloc[0]
        raise SchemaError(f"{url}: duplicate rows, e.g. {first.municipality} {first.year} {first.kpi}")
    return df.sort_values(["kpi", "municipality", "year"]).reset_index(drop=True)


def read_tax_rates(cache_dir=None) -> pd.DataFrame:
    """The tax rates written by `make data` (tidy; kpi in :data:`MEASURES`); clear error if absent."""
    path = config.cache_dir(cache_dir) / CACHE_FILE
    if not path.is_file():
        raise DataError(f"No SCB tax rates at {path}: run `make data` (needs internet) to download them.")
    df = pd.read_csv(path, dtype={"municipality": str, "kpi": str}, keep_default_na=False)
    if list(df.columns) != TIDY_COLUMNS or df.empty:
        raise DataError(f"{path}: expected non-empty columns {TIDY_COLUMNS}, found {list(df.columns)}")
    bad = set(df["kpi"]) - set(MEASURES)
    if bad:
        raise DataError(f"{path}: unknown measures {sorted(bad)}")
    df["value"] = pd.to_numeric(df["value"], errors="raise")
    df["year"] = df["year"].astype(int)
    if df.duplicated(["municipality", "year", "kpi"]).any():
        raise DataError(f"{path}: duplicate municipality-year-measure rows")
    return df
