"""Kolada API v3 client: KPI metadata, the municipality list and KPI values.

Documentation relied on:
- Kolada's API description (github.com/Hypergene/kolada, README "Routes" and "Query
  data"): every answer is ``{"values": [...], "count": <items on this page>,
  "next_page"/"previous_page": <URL or absent>}``, at most 5000 items per page
  (``per_page``), data objects are ``{"kpi", "municipality", "period", "values":
  [{"count", "gender", "status", "value"}]}`` with at most three gender entries, the
  total being ``T``; the municipality object is ``{"id", "title", "type": "K"|"L"}``.
- v3 (api.kolada.se/v3/docs, OpenAPI at /v3/openapi.json): same paths under ``/v3/``, paging
  links renamed ``next_url``/``previous_url``, ``per_page`` default 5000.
- As v3 behaves in 2026 (seen by real clients of it): v2 answers 404, so a v2 base URL is
  refused; only the *path* form of a query works (``/data/kpi/N00095/year/2023``; the
  query-string form ``/data?kpi=N00095&year=2023`` returns an empty result without an
  error), so every query here is in path form; too many ids in one call is HTTP 422, so
  id lists are at most 25 long and a 422 splits the list in halves and tries again.

The base URL is ``$MUNI_KOLADA_URL`` (default ``https://api.kolada.se/v3``; tests point it
at a fake server on 127.0.0.1). We fetch ``/v3/data/kpi/{kpi}/year/{y1,y2,...}`` (all municipalities, regions and
Riket for those years), keep the gender total ``T`` of the 290 municipalities and
Riket (``0000``), and return the tidy table of the snapshot: municipality, year,
kpi, value. Both paging spellings (``next_url`` and the v2 ``next_page``) are followed.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd

from .http import DownloadError, HttpClient, HttpError, NotFound, SchemaError

BASE_URL = "https://api.kolada.se/v3"
URL_ENV_VAR = "MUNI_KOLADA_URL"
SPLIT_STATUS = 422  # "too many ids in one call"


def base_url() -> str:
    """Kolada's v3 base URL: ``$MUNI_KOLADA_URL`` or the default; a v2 URL is refused."""
    url = (os.environ.get(URL_ENV_VAR) or BASE_URL).rstrip("/")
    if re.search(r"/v[12]$", url):
        raise DownloadError(f"{URL_ENV_VAR}={url}: Kolada's API v1/v2 is retired (it answers 404); "
                            f"use the v3 base URL, e.g. {BASE_URL}")
    return url


def split_on_422(items: list, fetch, what: str):
    """Call ``fetch(items)``; when the server answers 422 (too many ids), split ``items`` in
    halves and fetch each, recursively. Yields the results of every successful call."""
    try:
        yield fetch(items)
    except HttpError as exc:
        if exc.status != SPLIT_STATUS:
            raise
        if len(items) == 1:
            raise SchemaError(f"{exc.url}: HTTP 422 even for a single {what} ({items[0]})") from exc
        half = len(items) // 2
        yield from split_on_422(items[:half], fetch, what)
        yield from split_on_422(items[half:], fetch, what)
PER_PAGE = 5000
ID_BATCH = 25  # ids per metadata call
YEAR_CHUNK = 20  # years per data call (keeps URLs short; paging does the rest)
GENDERS = {"T", "K", "M"}
TIDY_COLUMNS = ["municipality", "year", "kpi", "value"]
MAX_PAGES = 1000  # a paging loop that never ends is a server bug, not data
N_MUNICIPALITIES = 290  # Sweden's municipalities since 2003 (tests with small recordings lower it)


class KPINotInKolada(SchemaError):
    """The KPI id is unknown to Kolada (renamed or withdrawn)."""


@dataclass
class FetchStats:
    """What arrived for one KPI, for the log and the manifest."""

    pages: int = 0
    records: int = 0
    kept: int = 0
    null_values: int = 0
    other_units: int = 0  # regions, groups: not part of the tidy table
    duplicates: int = 0
    urls: list[str] = field(default_factory=list)


def _next_link(payload: dict) -> str | None:
    nxt = payload.get("next_url", payload.get("next_page"))
    if nxt in (None, ""):
        return None
    if not isinstance(nxt, str):
        raise SchemaError(f"paging link is not a URL: {nxt!r}")
    return nxt


def iter_pages(http: HttpClient, url: str) -> Iterator[tuple[str, list]]:
    """Yield (url, values) for every page, following the paging links.

    Rejects answers without a ``values`` list, empty pages that claim a next page
    (a truncated listing), and paging loops.
    """
    seen: set[str] = set()
    pages = 0
    while url:
        if url in seen:
            raise SchemaError(f"paging loops back to {url}")
        seen.add(url)
        pages += 1
        if pages > MAX_PAGES:
            raise SchemaError(f"more than {MAX_PAGES} pages from {url}")
        payload = http.get_json(url)
        if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
            keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
            raise SchemaError(f"{url}: expected an object with a 'values' list, got {keys}")
        values = payload["values"]
        nxt = _next_link(payload)
        count = payload.get("count")
        # The docs define count as the number of items on the page; a count below what
        # arrived is inconsistent. (A larger count is tolerated in case a server reports a total.)
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < len(values)):
            raise SchemaError(f"{url}: page says count={count!r} but holds {len(values)} values")
        if not values and nxt:
            raise SchemaError(f"{url}: empty page that nevertheless links to a next page ({nxt})")
        yield url, values
        url = nxt


def _with_per_page(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}per_page={PER_PAGE}"


def kpi_metadata(http: HttpClient, kpis: Iterable[str]) -> dict[str, dict]:
    """Kolada's metadata for each id that exists (id -> object); missing ids are absent."""
    ids = list(dict.fromkeys(k.upper() for k in kpis))
    found: dict[str, dict] = {}
    base = base_url()

    def fetch(batch):
        try:
            return batch, list(iter_pages(http, _with_per_page(f"{base}/kpi/{','.join(batch)}")))
        except NotFound:
            return batch, []  # none of the batch exists

    answers = [a for i in range(0, len(ids), ID_BATCH) for a in split_on_422(ids[i:i + ID_BATCH], fetch, "KPI id")]
    for batch, pages in answers:
        for _, values in pages:
            for obj in values:
                if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
                    raise SchemaError(f"KPI metadata object without an id: {obj!r:.200}")
                if obj["id"].upper() in batch:
                    found[obj["id"].upper()] = obj
    return found


def municipalities(http: HttpClient) -> pd.DataFrame:
    """The municipality list: id (4 digits), title, type (K municipality, L region)."""
    rows = []
    base = base_url()
    for url, values in iter_pages(http, _with_per_page(f"{base}/municipality")):
        for obj in values:
            if not isinstance(obj, dict) or not {"id", "title", "type"} <= set(obj):
                raise SchemaError(f"{url}: municipality object lacks id/title/type: {obj!r:.200}")
            rows.append({"id": str(obj["id"]), "title": str(obj["title"]), "type": str(obj["type"])})
    df = pd.DataFrame(rows, columns=["id", "title", "type"])
    if df["id"].duplicated().any():
        raise SchemaError(f"duplicate municipality ids: {df.loc[df['id'].duplicated(), 'id'].tolist()[:5]}")
    kommuner = df[df["type"] == "K"]
    if len(kommuner) != N_MUNICIPALITIES or not kommuner["id"].str.fullmatch(r"\d{4}").all():
        raise SchemaError(f"expected {N_MUNICIPALITIES} municipalities (type K, 4-digit ids) from "
                          f"{base}/municipality, got {len(kommuner)}")
    return df.sort_values("id").reset_index(drop=True)


def _period(raw, url: str) -> int:
    if isinstance(raw, bool):
        raise SchemaError(f"{url}: period is not a year: {raw!r}")
    if isinstance(raw, int):
        year = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        year = int(raw)
    else:
        raise SchemaError(f"{url}: period is not a year: {raw!r}")
    if not 1900 <= year <= 2100:
        raise SchemaError(f"{url}: implausible year {year}")
    return year


def _total_value(entries, url: str, where: str) -> tuple[bool, float | None]:
    """(has a T entry, its value) from one data object's ``values`` list."""
    if not isinstance(entries, list):
        raise SchemaError(f"{url}: {where}: 'values' is not a list")
    found, value = False, None
    for e in entries:
        if not isinstance(e, dict) or "gender" not in e or "value" not in e:
            raise SchemaError(f"{url}: {where}: value entry lacks gender/value: {e!r:.200}")
        if e["gender"] not in GENDERS:
            raise SchemaError(f"{url}: {where}: unknown gender {e['gender']!r} (expected T, K or M)")
        if e["gender"] != "T":
            continue
        if found:
            raise SchemaError(f"{url}: {where}: two gender-total (T) entries")
        found = True
        v = e["value"]
        if v is None:
            value = None
        elif isinstance(v, bool) or not isinstance(v, int | float):
            raise SchemaError(f"{url}: {where}: value is not a number: {v!r}")
        elif not math.isfinite(v):
            raise SchemaError(f"{url}: {where}: value is not finite: {v!r}")
        else:
            value = float(v)
    return found, value


def parse_records(kpi: str, url: str, values: list, keep: frozenset[str], stats: FetchStats,
                  out: dict[tuple[str, int], float]) -> None:
    """Validate one page of data objects and add the kept totals to ``out``."""
    for obj in values:
        if not isinstance(obj, dict) or not {"kpi", "municipality", "period", "values"} <= set(obj):
            raise SchemaError(f"{url}: data object lacks kpi/municipality/period/values: {obj!r:.200}")
        if str(obj["kpi"]).upper() != kpi:
            raise SchemaError(f"{url}: asked for {kpi} but got a value of {obj['kpi']!r}")
        stats.records += 1
        code = str(obj["municipality"])
        year = _period(obj["period"], url)
        where = f"{code} {year}"
        has_total, value = _total_value(obj["values"], url, where)
        if code not in keep:
            stats.other_units += 1
            continue
        if not has_total or value is None:
            stats.null_values += 1
            continue
        key = (code, year)
        if key in out:
            if not math.isclose(out[key], value, rel_tol=1e-12, abs_tol=1e-12):
                raise SchemaError(f"{url}: conflicting duplicate values for {kpi} {where}: {out[key]} and {value}")
            stats.duplicates += 1
            continue
        out[key] = value


def year_chunks(first: int, last: int, size: int = YEAR_CHUNK) -> list[list[int]]:
    years = list(range(first, last + 1))
    return [years[i:i + size] for i in range(0, len(years), size)]


def fetch_kpi(http: HttpClient, kpi: str, years: tuple[int, int], keep: frozenset[str]) -> tuple[pd.DataFrame, FetchStats]:
    """All values of one KPI (gender total) for the kept municipality codes, as a tidy table.

    Raises :class:`KPINotInKolada` on 404 or when no value at all arrives.
    """
    kpi = kpi.upper()
    stats = FetchStats()
    out: dict[tuple[str, int], float] = {}
    base = base_url()

    def fetch(chunk):
        url = _with_per_page(f"{base}/data/kpi/{kpi}/year/{','.join(map(str, chunk))}")
        pages = list(iter_pages(http, url))  # all pages first: a 422 must not leave half a chunk
        stats.urls.append(url)
        for page_url, values in pages:
            stats.pages += 1
            parse_records(kpi, page_url, values, keep, stats, out)

    for chunk in year_chunks(*years):
        try:
            list(split_on_422(chunk, fetch, "year"))
        except NotFound as exc:
            raise KPINotInKolada(f"Kolada does not know KPI {kpi} ({exc})") from exc
    if not out:
        raise KPINotInKolada(f"Kolada returned no values of {kpi} for any municipality in {years[0]}–{years[1]} "
                             f"({stats.records} records, {stats.null_values} empty)")
    stats.kept = len(out)
    df = pd.DataFrame(
        [(c, y, kpi, v) for (c, y), v in out.items()], columns=TIDY_COLUMNS
    ).sort_values(["municipality", "year"]).reset_index(drop=True)
    df["year"] = df["year"].astype(int)
    df["value"] = df["value"].astype(float)
    return df, stats
