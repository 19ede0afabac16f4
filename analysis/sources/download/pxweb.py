"""SCB PxWeb client for the municipal and regional tax rates (table OE0101): PxWeb API 2
(``statistikdatabasen.scb.se/api/v2``, json-stat2) first, API v1 as the fallback.

PxWeb API 2 (SCB's PxWebApi 2, specification github.com/PxTools/PxApiSpecs; real answers
recorded by the pxweb R package's tests, copied to tests/recordings/scb_v2_*.json): a table is
``/tables/{id}``; ``/tables/{id}/metadata?lang=sv&outputFormat=json-stat2`` describes it and a
POST to ``/tables/{id}/data?lang=sv&outputFormat=json-stat2`` with ``{"selection":
[{"variableCode", "valueCodes": [...]}]}`` returns a json-stat2 dataset: ``id`` (dimension
order), ``size``, ``dimension.<id>.category.index`` (code → position) and ``.label``, and
``value`` in row-major order (the last dimension varies fastest; ``null`` is missing).
The table id comes from ``$MUNI_SCB_TAX_TABLE`` or a search of ``/tables?query=``; when API 2
fails in any way short of the network being gone, the refresh logs why and uses API v1.
Base URLs: ``$MUNI_SCB_URL`` (API 2) and ``$MUNI_SCB_V1_URL`` (API v1, up to ``.../ssd``).

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

import itertools
import math
import os

import pandas as pd

from ... import config
from ...errors import DataError
from .http import DownloadError, HttpClient, NetworkUnavailable, SchemaError

V1_BASE = "https://api.scb.se/OV0104/v1/doris/sv/ssd"
V2_BASE = "https://statistikdatabasen.scb.se/api/v2"
V1_URL_ENV_VAR, V2_URL_ENV_VAR, V2_TABLE_ENV_VAR = "MUNI_SCB_V1_URL", "MUNI_SCB_URL", "MUNI_SCB_TAX_TABLE"
TAX_TABLE_PATH = "START/OE/OE0101/Kommunalskatter2000"
TAX_TABLE_URL = f"{V1_BASE}/{TAX_TABLE_PATH}"
V2_SEARCH = "Kommunalskatter2000"


def tax_table_url() -> str:
    """The v1 table URL (``$MUNI_SCB_V1_URL`` or SCB's)."""
    return f"{(os.environ.get(V1_URL_ENV_VAR) or V1_BASE).rstrip('/')}/{TAX_TABLE_PATH}"


def v2_base() -> str:
    return (os.environ.get(V2_URL_ENV_VAR) or V2_BASE).rstrip("/")
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
    """Rows (municipality, year, measure, value) from one PxWeb API v1 json answer."""
    parse_v1({"columns": payload.get("columns"), "data": []} if isinstance(payload, dict) else payload, url)
    cols = payload["columns"]
    keycols = [c["code"] for c in cols if c["type"] in ("d", "t")]
    valcols = [c["code"] for c in cols if c["type"] == "c"]
    if "Region" not in keycols or "Tid" not in keycols:
        raise SchemaError(f"{url}: answer lacks Region/Tid columns (has {keycols})")
    if not valcols or set(valcols) - set(measures):
        raise SchemaError(f"{url}: unexpected content columns {valcols}")
    cells = parse_v1(payload, url)
    rows = []
    for keys, col, raw in cells:
        code, year = keys["Region"], keys["Tid"]
        if not year.isdigit():
            raise SchemaError(f"{url}: year {year!r} is not a year")
        value = _number(raw, f"{code} {year}", url)
        if value is not None:
            rows.append(("0000" if code == "00" else code, int(year), measures[col], value))
    return rows


def fetch_tax_rates(http: HttpClient, municipality_codes: frozenset[str], url: str = TAX_TABLE_URL) -> pd.DataFrame:
    """Total, municipal and regional tax rates for every municipality and year, tidy."""
    meta = http.get_json(url)
    measures, regions, years = plan_query(meta, municipality_codes, url)
    rows = []
    for body in build_queries(measures, regions, years):
        rows += parse_data(http.post_json(url, body), measures, url)
    return _tidy(rows, url)


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


# ------------------------------------------------------------------ generic parsers
def parse_v1(payload, url: str = "") -> list[tuple[dict[str, str], str, str]]:
    """Cells of a PxWeb API v1 json answer: (dimension code → value code, content code, raw
    value text). Values stay text ("..", "5157443"); callers decide what is missing."""
    if not isinstance(payload, dict) or not isinstance(payload.get("columns"), list) \
            or not isinstance(payload.get("data"), list):
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise SchemaError(f"{url}: expected 'columns' and 'data' lists, got {keys}")
    try:
        keycols = [c["code"] for c in payload["columns"] if c["type"] in ("d", "t")]
        valcols = [c["code"] for c in payload["columns"] if c["type"] == "c"]
    except (KeyError, TypeError) as exc:
        raise SchemaError(f"{url}: malformed column description {payload['columns']!r:.200}") from exc
    out = []
    for cell in payload["data"]:
        if not isinstance(cell, dict) or not isinstance(cell.get("key"), list) \
                or not isinstance(cell.get("values"), list) or len(cell["key"]) != len(keycols) \
                or len(cell["values"]) != len(valcols):
            raise SchemaError(f"{url}: data row does not match the columns: {cell!r:.200}")
        keys = dict(zip(keycols, map(str, cell["key"])))
        out += [(keys, col, str(raw)) for col, raw in zip(valcols, cell["values"])]
    return out


def _categories(dim: dict, name: str, url: str) -> tuple[list[str], list[str]]:
    """(codes in index order, labels) of one json-stat2 dimension."""
    cat = dim.get("category") if isinstance(dim, dict) else None
    if not isinstance(cat, dict) or "index" not in cat:
        raise SchemaError(f"{url}: json-stat2 dimension {name} has no category index")
    index = cat["index"]
    if isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        codes = [str(c) for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
        if sorted(index.values()) != list(range(len(index))):
            raise SchemaError(f"{url}: json-stat2 dimension {name}: category index is not 0..n-1")
    else:
        raise SchemaError(f"{url}: json-stat2 dimension {name}: category index is neither list nor object")
    labels = cat.get("label") or {}
    if not isinstance(labels, dict):
        raise SchemaError(f"{url}: json-stat2 dimension {name}: labels are not an object")
    return codes, [str(labels.get(c, c)) for c in codes]


def jsonstat2_dimensions(payload, url: str = "") -> dict[str, tuple[list[str], list[str]]]:
    """Dimension id → (codes, labels) of a json-stat2 dataset (data answer or API 2 metadata)."""
    if not isinstance(payload, dict) or payload.get("class") != "dataset" or not isinstance(payload.get("id"), list) \
            or not isinstance(payload.get("dimension"), dict):
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise SchemaError(f"{url}: not a json-stat2 dataset (class, id, dimension), got {keys}")
    dims = {}
    for name in payload["id"]:
        if name not in payload["dimension"]:
            raise SchemaError(f"{url}: json-stat2 id names {name!r} but it has no dimension entry")
        dims[name] = _categories(payload["dimension"][name], name, url)
    return dims


def parse_jsonstat2(payload, url: str = "") -> list[tuple[dict[str, str], object]]:
    """Cells of a json-stat2 dataset: (dimension id → category code, value or None)."""
    dims = jsonstat2_dimensions(payload, url)
    size = payload.get("size")
    if not isinstance(size, list) or [len(dims[n][0]) for n in payload["id"]] != size:
        raise SchemaError(f"{url}: json-stat2 size {size!r} does not match its dimensions")
    total = math.prod(size)
    value = payload.get("value")
    if isinstance(value, dict):  # sparse form: position → value
        try:
            value = [value.get(str(i)) for i in range(total)]
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{url}: json-stat2 sparse values are malformed") from exc
    if not isinstance(value, list) or len(value) != total:
        raise SchemaError(f"{url}: json-stat2 has {len(value) if isinstance(value, list) else '?'} values "
                          f"for {total} cells")
    names = payload["id"]
    cells = itertools.product(*(dims[n][0] for n in names))  # row-major, last dimension fastest
    return [(dict(zip(names, codes)), v) for codes, v in zip(cells, value)]


def _number(raw, where: str, url: str) -> float | None:
    if raw is None:
        return None
    text = str(raw).strip()
    if text in MISSING:
        return None
    if isinstance(raw, bool):
        raise SchemaError(f"{url}: non-numeric value {raw!r} for {where}")
    try:
        value = float(text.replace(",", "."))
    except ValueError as exc:
        raise SchemaError(f"{url}: non-numeric value {raw!r} for {where}") from exc
    if not math.isfinite(value):
        raise SchemaError(f"{url}: non-finite value {raw!r} for {where}")
    return value


def parse_data_v2(payload, measures: dict, url: str) -> list[tuple[str, int, str, float]]:
    """Rows (municipality, year, measure, value) from one API 2 json-stat2 answer."""
    rows = []
    for keys, raw in parse_jsonstat2(payload, url):
        if not {"Region", "Tid", "ContentsCode"} <= set(keys):
            raise SchemaError(f"{url}: answer lacks Region/Tid/ContentsCode (has {sorted(keys)})")
        code, year, content = keys["Region"], keys["Tid"], keys["ContentsCode"]
        if content not in measures:
            raise SchemaError(f"{url}: unexpected content {content!r}")
        if not year.isdigit():
            raise SchemaError(f"{url}: year {year!r} is not a year")
        value = _number(raw, f"{code} {year}", url)
        if value is not None:
            rows.append(("0000" if code == "00" else code, int(year), measures[content], value))
    return rows


def v2_metadata_as_v1(meta, url: str) -> dict:
    """API 2's json-stat2 metadata in v1's shape ({"variables": [{code, values, valueTexts}]}),
    so that one query plan serves both."""
    dims = jsonstat2_dimensions(meta, url)
    return {"variables": [{"code": n, "values": c, "valueTexts": lab} for n, (c, lab) in dims.items()]}


def find_v2_table(http: HttpClient, base: str) -> str:
    """The API 2 id of the tax-rate table: ``$MUNI_SCB_TAX_TABLE`` or a search by its v1 name."""
    if os.environ.get(V2_TABLE_ENV_VAR):
        return os.environ[V2_TABLE_ENV_VAR]
    url = f"{base}/tables?query={V2_SEARCH}&lang=sv"
    found = http.get_json(url)
    tables = found.get("tables") if isinstance(found, dict) else None
    if not isinstance(tables, list):
        raise SchemaError(f"{url}: expected a 'tables' list")
    ids = [t["id"] for t in tables if isinstance(t, dict) and isinstance(t.get("id"), str)
           and "skattesats" in str(t.get("label", "")).lower()]
    if len(ids) != 1:
        raise SchemaError(f"{url}: expected one tax-rate table, found {ids or 'none'}; set {V2_TABLE_ENV_VAR}")
    return ids[0]


def fetch_tax_rates_v2(http: HttpClient, municipality_codes: frozenset[str]) -> tuple[pd.DataFrame, str]:
    base = v2_base()
    table = find_v2_table(http, base)
    meta_url = f"{base}/tables/{table}/metadata?lang=sv&outputFormat=json-stat2"
    data_url = f"{base}/tables/{table}/data?lang=sv&outputFormat=json-stat2"
    measures, regions, years = plan_query(v2_metadata_as_v1(http.get_json(meta_url), meta_url),
                                          municipality_codes, meta_url)
    rows = []
    for body in build_queries(measures, regions, years):
        selection = [{"variableCode": q["code"], "valueCodes": q["selection"]["values"]} for q in body["query"]]
        rows += parse_data_v2(http.post_json(data_url, {"selection": selection}), measures, data_url)
    return _tidy(rows, data_url), data_url


def _tidy(rows, url: str) -> pd.DataFrame:
    if not rows:
        raise SchemaError(f"{url}: no tax rates in the answer")
    df = pd.DataFrame(rows, columns=TIDY_COLUMNS)
    dup = df.duplicated(["municipality", "year", "kpi"])
    if dup.any():
        first = df[dup].iloc[0]
        raise SchemaError(f"{url}: duplicate rows, e.g. {first.municipality} {first.year} {first.kpi}")
    return df.sort_values(["kpi", "municipality", "year"]).reset_index(drop=True)


def fetch_tax_rates_any(http: HttpClient, municipality_codes: frozenset[str]) -> tuple[pd.DataFrame, str]:
    """API 2 first; on any failure but a lost network, say why (in the log) and use API v1.
    Returns (tidy table, the URL it came from)."""
    try:
        return fetch_tax_rates_v2(http, municipality_codes)
    except NetworkUnavailable:
        raise
    except DownloadError as exc:
        http.log(f"SCB PxWeb API 2 failed ({exc}); falling back to API v1")
    url = tax_table_url()
    return fetch_tax_rates(http, municipality_codes, url), url
