"""`make data`: refresh the live cache from Kolada (every catalogue KPI) and SCB (tax rates).

Run as ``python -m analysis.sources.download [--only KPI ...] [--from-year Y] [--restart] ...``.

Order of work: a quick probe (no network -> clear message within seconds, exit 2,
nothing touched); Kolada's municipality list (which codes to keep, and the stand-in
for a missing snapshot); KPI metadata (ids Kolada does not know are reported, not
fetched); one file per KPI; SCB's tax rates; a summary of what changed since the
last refresh. Each finished file is recorded in ``.refresh-state.json``, so an
interrupted run resumes where it stopped.

The 2026 APIs: Kolada v3 only (``$MUNI_KOLADA_URL``; path-form queries, at most 25 ids per
call, a 422 splits the list), KPI ids checked first against Kolada's v3 metadata (a
discontinued KPI is named with the measure the book uses instead), SCB through PxWeb API 2
(``$MUNI_SCB_URL``, json-stat2) with API v1 (``$MUNI_SCB_V1_URL``) as the fallback.
``--timeout`` bounds each request's total time (a slow drip is cut), a body shorter than its
Content-Length is an error, retries are logged as they happen, and a refresh of some years
merges into the series (the cache's file, else the snapshot's) instead of replacing it.
Every failure ends in one line and a non-zero exit. Exit codes: 0 all done, 1 some items
failed (the others were written), 2 no network / nothing could start, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date

import pandas as pd

from ... import config
from ...errors import DataError
from ..catalogue import catalogue, require_kpi
from ..codes import RIKET
from . import kolada as K
from . import kpi_check
from . import pxweb as P
from .cache import Cache, describe, is_change, now_iso, write_standin
from .http import DownloadError, HttpClient, NetworkUnavailable, RequestsTransport

EXIT_OK, EXIT_PARTIAL, EXIT_OFFLINE, EXIT_INTERRUPTED = 0, 1, 2, 130
FIRST_YEAR = 1970  # Kolada's longest series (population) starts here
MUNIS_FILE = "kolada/municipalities.csv"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m analysis.sources.download", description=__doc__.splitlines()[0])
    ap.add_argument("--cache-dir", default=None, help=f"cache folder (default ${config.CACHE_ENV_VAR} or .cache/live)")
    ap.add_argument("--only", nargs="+", metavar="KPI", help="refresh only these catalogue KPIs (SCB only with --scb)")
    ap.add_argument("--scb", action="store_true", help="with --only: also refresh SCB's tax rates")
    ap.add_argument("--from-year", type=int, default=FIRST_YEAR)
    ap.add_argument("--to-year", type=int, default=date.today().year)
    ap.add_argument("--no-scb", action="store_true", help="skip SCB's tax rates")
    ap.add_argument("--restart", action="store_true", help="ignore an interrupted refresh instead of resuming it")
    ap.add_argument("--allow-shrink", action="store_true",
                    help="accept a download that has >20%% fewer rows than the cached file")
    ap.add_argument("--retries", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="the most one request may take in total (connecting, waiting, reading the body), seconds")
    ap.add_argument("--probe-timeout", type=float, default=3.0, help="connect timeout of the first probe, seconds")
    ap.add_argument("--dry-run", action="store_true", help="print what would be fetched; no network")
    ap.add_argument("--quiet", action="store_true", help="no per-file lines (errors and the summary still print)")
    return ap


class _Progress:
    """tqdm bar on a terminal, plain lines otherwise (unattended runs keep a readable log)."""

    def __init__(self, total: int, quiet: bool, stream):
        from tqdm import tqdm

        self.stream = stream
        self.quiet = quiet
        self.bar = tqdm(total=total, unit="file", file=stream, disable=None, dynamic_ncols=True, leave=False)
        self.done = 0
        self.total = total

    def line(self, msg: str) -> None:
        if self.bar.disable:
            print(msg, file=self.stream, flush=True)
        else:
            self.bar.write(msg, file=self.stream)

    def step(self, label: str, msg: str) -> None:
        self.done += 1
        if not self.quiet:
            self.line(f"[{self.done:>3}/{self.total}] {label}: {msg}")
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _kpis(only) -> list[str]:
    if only:
        return list(dict.fromkeys(require_kpi(k) for k in only))
    return list(catalogue().index)


def merge_series(new: pd.DataFrame, old: pd.DataFrame | None, years: tuple[int, int]) -> pd.DataFrame:
    """A refresh of some years merges into the series: the old rows of the years not asked
    for stay, the years asked for come from the new answer."""
    if old is None or old.empty:
        return new
    outside = old[(old["year"] < years[0]) | (old["year"] > years[1])]
    keys = ["municipality", "year", "kpi"]
    fresh = pd.MultiIndex.from_frame(new[keys].astype({"year": int}))
    outside = outside[~pd.MultiIndex.from_frame(outside[keys].astype({"year": int})).isin(fresh)]
    merged = pd.concat([outside[new.columns], new], ignore_index=True)
    merged["year"] = merged["year"].astype(int)
    merged["value"] = merged["value"].astype(float)
    return merged.sort_values(["municipality", "year"]).reset_index(drop=True)


def _previous_series(cache: Cache, rel: str, kpi: str) -> pd.DataFrame | None:
    """What the book reads today for ``kpi``: the cache's file, else the snapshot's series."""
    old = cache.read_table(rel)
    if old is not None:
        return old
    from ..kolada import load_kpis

    try:
        return load_kpis([kpi], use_cache=False)
    except DataError:
        return None  # no snapshot (or not this KPI): the download is the whole series


def _discontinued_hint(ids) -> str:
    """For an id outside the catalogue that Kolada discontinued: which measure the book uses."""
    try:
        st = kpi_check.check_kpis([i for i in ids or [] if i.upper() in kpi_check.REPLACEMENTS])
    except DataError:
        return ""
    return "".join(f" {s.kpi} is {s.message()}." for s in st.values() if s.status == "discontinued")


def main(argv=None, *, transport=None, sleep=None, stream=None) -> int:
    """`make data`; every failure ends in one clear line and a non-zero exit (no traceback)."""
    err = stream or sys.stderr
    try:
        return _main(argv, transport=transport, sleep=sleep, stream=stream)
    except DataError as exc:  # DownloadError included: a bad base URL, an unreadable cache …
        print(f"make data: {exc}", file=err)
        return EXIT_OFFLINE
    except OSError as exc:
        print(f"make data: cannot write the cache: {exc}", file=err)
        return EXIT_OFFLINE


def _main(argv=None, *, transport=None, sleep=None, stream=None) -> int:
    args = _parser().parse_args(argv)
    out = stream or sys.stdout
    err = stream or sys.stderr
    t0 = time.monotonic()
    try:
        kpis = _kpis(args.only)
    except DataError as exc:
        print(f"make data: {exc}{_discontinued_hint(args.only)}", file=err)
        return EXIT_OFFLINE
    statuses = kpi_check.check_kpis(kpis)
    do_scb = not args.no_scb and (args.scb or not args.only)
    years = (args.from_year, args.to_year)
    if years[0] > years[1]:
        print(f"make data: --from-year {years[0]} is after --to-year {years[1]}", file=err)
        return EXIT_OFFLINE
    cache = Cache(config.cache_dir(args.cache_dir))

    if args.dry_run:
        print(f"Would refresh {len(kpis)} KPIs for {years[0]}–{years[1]} into {cache.root}", file=out)
        for kpi in kpis[:3]:
            for chunk in K.year_chunks(*years):
                print(f"  GET {K.base_url()}/data/kpi/{kpi}/year/{chunk[0]},…,{chunk[-1]}", file=out)
        if len(kpis) > 3:
            print(f"  … and {len(kpis) - 3} more KPIs", file=out)
        if do_scb:
            print(f"  GET+POST {P.v2_base()}/tables/… (PxWeb API 2), fallback {P.tax_table_url()}", file=out)
        return EXIT_OK

    base = K.base_url()
    progress: _Progress | None = None

    def http_log(msg: str) -> None:  # retries and fallbacks, shown as they happen
        line = f"      {msg}"
        if progress is not None:
            progress.line(line)
        else:
            print(line, file=err, flush=True)

    if transport is None:
        transport = RequestsTransport(total=args.timeout)
    http = HttpClient(transport, retries=args.retries, timeout=(min(5.0, args.timeout), args.timeout),
                      sleep=sleep or time.sleep, log=http_log)
    probe_url = f"{base}/municipality?per_page=1"
    try:
        http.probe(probe_url, timeout=(args.probe_timeout, 10.0))
    except NetworkUnavailable as exc:
        print(f"make data: no network: {exc}.\n"
              f"Nothing was changed: the cache at {cache.root} and the data snapshot are untouched "
              f"(checked in {time.monotonic() - t0:.1f} s). Connect to the internet and run `make data` again.",
              file=err)
        return EXIT_OFFLINE

    options = {"years": list(years), "kpis": kpis, "scb": do_scb}
    state = cache.begin(options, resume=not args.restart)
    if state.get("resumed") and state["done"]:
        print(f"Resuming the refresh started {state['started_at']}: {len(state['done'])} files already done.", file=out)
    failures: dict[str, str] = {}
    changes: dict[str, dict] = {rel: d["change"] for rel, d in state["done"].items()}
    progress = _Progress(total=len(kpis) + 1 + int(do_scb), quiet=args.quiet, stream=err)

    def flush_http_log():
        pass  # retries are logged as they happen (http_log)

    try:
        # 1. municipality list: which codes to keep, and the stand-in snapshot
        munis = K.municipalities(http)
        record, change = cache.write_table(MUNIS_FILE, munis, [f"{base}/municipality"], keys=("id",))
        changes[MUNIS_FILE] = change
        write_standin(cache.root, munis)
        keep = frozenset(munis.loc[munis["type"] == "K", "id"]) | {RIKET}
        progress.step("municipalities", f"{(munis['type'] == 'K').sum()} municipalities ({describe(change)})")

        # 2. KPI metadata: which ids Kolada knows
        todo = [k for k in kpis if f"kolada/{k}.csv" not in state["done"]
                and getattr(statuses.get(k), "status", "") != "unknown"]
        meta = K.kpi_metadata(http, todo) if todo else {}
        for kpi in kpis:
            rel = f"kolada/{kpi}.csv"
            if rel in state["done"]:
                progress.step(kpi, "already done (resumed)")
                continue
            st = statuses.get(kpi)
            if st is not None and st.status == "unknown":
                failures[kpi] = st.message()
                progress.step(kpi, "FAILED: " + failures[kpi])
                continue
            if st is not None and st.status == "discontinued":
                progress.line(f"      {kpi}: {st.message()}")
            if kpi not in meta:
                failures[kpi] = "Kolada does not know this KPI id (withdrawn or renamed?); check data/kpi_catalogue.csv"
                progress.step(kpi, "FAILED: " + failures[kpi])
                continue
            try:
                df, stats = K.fetch_kpi(http, kpi, years, keep)
                df = merge_series(df, _previous_series(cache, rel, kpi), years)
                record, change = cache.write_table(
                    rel, df, stats.urls, allow_shrink=args.allow_shrink,
                    extra={"title": meta[kpi].get("title"), "pages": stats.pages, "records": stats.records,
                           "empty_values": stats.null_values, "duplicates_dropped": stats.duplicates})
            except NetworkUnavailable:
                raise
            except (DownloadError, DataError) as exc:
                failures[kpi] = str(exc)
                flush_http_log()
                progress.step(kpi, f"FAILED: {exc}")
                continue
            cache.mark_done(state, kpi, rel, record, change)
            changes[rel] = change
            flush_http_log()
            progress.step(kpi, f"{record['rows']} rows {record['years'][0]}–{record['years'][1]}; {describe(change)}")

        # 3. SCB tax rates
        if do_scb:
            rel = P.CACHE_FILE
            if rel in state["done"]:
                progress.step("SCB tax rates", "already done (resumed)")
            else:
                try:
                    df, scb_url = P.fetch_tax_rates_any(http, keep - {RIKET})
                    df = merge_series(df, cache.read_table(rel), years)
                    record, change = cache.write_table(rel, df, [scb_url], allow_shrink=args.allow_shrink)
                except NetworkUnavailable:
                    raise
                except (DownloadError, DataError) as exc:
                    failures["SCB tax rates"] = str(exc)
                    flush_http_log()
                    progress.step("SCB tax rates", f"FAILED: {exc}")
                else:
                    cache.mark_done(state, "scb", rel, record, change)
                    changes[rel] = change
                    flush_http_log()
                    progress.step("SCB tax rates", f"{record['rows']} rows; {describe(change)}")
    except NetworkUnavailable as exc:
        progress.close()
        print(f"make data: the network went away ({exc}).\n{len(state['done'])} files were saved; "
              f"run `make data` again to resume. Files not yet refreshed keep their previous version.", file=err)
        return EXIT_OFFLINE
    except KeyboardInterrupt:
        progress.close()
        print(f"\nmake data: interrupted; {len(state['done'])} files were saved. Run `make data` again to resume.",
              file=err)
        return EXIT_INTERRUPTED
    except (DownloadError, DataError) as exc:  # the municipality list itself failed: nothing useful possible
        progress.close()
        print(f"make data: cannot refresh: {exc}\nThe files already in {cache.root} are unchanged.", file=err)
        return EXIT_OFFLINE
    progress.close()

    changed = {rel: c for rel, c in changes.items() if is_change(c)}
    cache.update_manifest(last_refresh={
        "started_at": state["started_at"], "finished_at": now_iso(), "complete": not failures,
        "failed": failures, "changed": sorted(changed), "requests": http.requests_made,
        "seconds": round(time.monotonic() - t0, 1),
    })
    cache.finish()
    problems = cache.verify()
    print(f"\nRefresh finished in {time.monotonic() - t0:.0f} s ({http.requests_made} requests) → {cache.root}", file=out)
    if changed:
        print(f"What changed since the last refresh ({len(changed)} files):", file=out)
        for rel, c in sorted(changed.items()):
            print(f"  {rel}: {describe(c)}", file=out)
    else:
        print("Nothing changed since the last refresh.", file=out)
    for p in problems:
        print(f"WARNING manifest check: {p}", file=err)
    if failures:
        print(f"{len(failures)} item(s) failed (their previous files, if any, are kept):", file=err)
        for item, msg in failures.items():
            print(f"  {item}: {msg}", file=err)
        return EXIT_PARTIAL
    return EXIT_OK
