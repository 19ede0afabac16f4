"""The live cache written by `make data`: atomic files, a manifest, change summaries, resume.

Layout (root = ``analysis.config.cache_dir()``, default ``.cache/live``, git-ignored)::

    kolada/<KPI>.csv            tidy municipality,year,kpi,value (read by analysis.sources.kolada)
    kolada/municipalities.csv   Kolada's municipality list (id,title,type)
    scb/tax_rates.csv           SCB tax rates, tidy (read by analysis.sources.download.pxweb.read_tax_rates)
    snapshot/...                a stand-in for the snapshot's municipality list, used only
                                when the real snapshot is absent (see write_standin)
    manifest.json               per file: source URL(s), retrieval time, rows, sha256, years
    .refresh-state.json         progress of an unfinished refresh (enables resume)

Why: a file is replaced only by an atomic rename of a complete temporary file, so a
reader (a chapter, the pipeline) never sees a half-written table, and an interrupted
refresh leaves every file either old or new. The manifest is rewritten (atomically)
after every file, so it always describes what is on disk.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from ... import config
from ...atomic import atomic_path, write_text
from ...errors import DataError
from .http import DownloadError

MANIFEST = "manifest.json"
STATE = ".refresh-state.json"
STANDIN = "snapshot"
FORMAT = 1
SHRINK_LIMIT = 0.2  # refuse to drop more than this share of a file's rows without --allow-shrink


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def compare(old: pd.DataFrame | None, new: pd.DataFrame, keys=("municipality", "year", "kpi"),
            examples: int = 3) -> dict:
    """What changed between two tidy tables: new/dropped years, added/removed rows, revised values."""
    keys = list(keys)
    if old is None:
        return {"first_download": True, "rows": len(new), "new_years": sorted(int(y) for y in new["year"].unique()),
                "dropped_years": [], "added": len(new), "removed": 0, "revised": 0, "examples": []}
    m = old.merge(new, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    both = m[m["_merge"] == "both"]
    revised = both[[not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                    for a, b in zip(both["value_old"], both["value_new"])]]
    old_years, new_years = set(old["year"]), set(new["year"])
    ex = [f"{r.municipality} {r.year}: {r.value_old:g} → {r.value_new:g}" for r in revised.head(examples).itertuples()]
    return {
        "first_download": False,
        "rows": len(new),
        "new_years": sorted(int(y) for y in new_years - old_years),
        "dropped_years": sorted(int(y) for y in old_years - new_years),
        "added": int((m["_merge"] == "right_only").sum()),
        "removed": int((m["_merge"] == "left_only").sum()),
        "revised": len(revised),
        "examples": ex,
    }


def compare_rows(old: pd.DataFrame | None, new: pd.DataFrame) -> dict:
    """Change summary for a non-tidy table (e.g. the municipality list): rows as text tuples."""
    new_rows = set(map(tuple, new.astype(str).to_numpy().tolist()))
    old_rows = set(map(tuple, old.astype(str).to_numpy().tolist())) if old is not None else set()
    return {"first_download": old is None, "rows": len(new), "new_years": [], "dropped_years": [],
            "added": len(new_rows - old_rows), "removed": len(old_rows - new_rows), "revised": 0, "examples": []}


def describe(change: dict) -> str:
    """One line for the end-of-run summary."""
    if change.get("first_download"):
        years = change["new_years"]
        span = f", {years[0]}–{years[-1]}" if years else ""
        return f"new: {change['rows']} rows{span}"
    parts = []
    if change["new_years"]:
        parts.append("new years " + ", ".join(map(str, change["new_years"])))
    if change["dropped_years"]:
        parts.append("years gone " + ", ".join(map(str, change["dropped_years"])))
    if change["revised"]:
        parts.append(f"{change['revised']} revised values (e.g. {'; '.join(change['examples'])})")
    extra_added = change["added"]
    if extra_added:
        parts.append(f"{extra_added} rows added")
    if change["removed"]:
        parts.append(f"{change['removed']} rows removed")
    return ", ".join(parts) if parts else "unchanged"


def is_change(change: dict) -> bool:
    return bool(change.get("first_download") or change["added"] or change["removed"] or change["revised"])


class Cache:
    """One cache folder: tables, manifest and the state of an unfinished refresh."""

    def __init__(self, root=None):
        self.root = Path(root) if root is not None else config.cache_dir()

    # -- manifest ---------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def read_manifest(self) -> dict:
        if not self.manifest_path.is_file():
            return {"format": FORMAT, "files": {}}
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{self.manifest_path}: corrupt manifest ({exc}); delete it and run `make data` again") from exc
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            raise DataError(f"{self.manifest_path}: manifest lacks a 'files' table")
        return data

    def write_manifest(self, data: dict) -> None:
        write_text(self.manifest_path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")

    def update_manifest(self, **fields) -> dict:
        data = self.read_manifest()
        data.update(fields)
        data["format"] = FORMAT
        self.write_manifest(data)
        return data

    # -- tables -----------------------------------------------------------------
    def path(self, rel: str) -> Path:
        return self.root / rel

    def read_table(self, rel: str) -> pd.DataFrame | None:
        """The current version of a cached table, or None (missing or unreadable)."""
        path = self.path(rel)
        if not path.is_file():
            return None
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            if {"year", "value"} <= set(df.columns):
                df["year"] = df["year"].astype(int)
                df["value"] = df["value"].astype(float)
            return df
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError):
            return None  # an unreadable old file is simply replaced

    def write_table(self, rel: str, df: pd.DataFrame, sources: list[str], *, keys=("municipality", "year", "kpi"),
                    allow_shrink: bool = False, extra: dict | None = None) -> tuple[dict, dict]:
        """Write ``df`` atomically to ``rel``, record it in the manifest; return (record, change).

        Refuses to replace a file by one that lost more than 20 % of its rows (a
        partial answer from the server) unless ``allow_shrink``.
        """
        old = self.read_table(rel)
        if {"year", "value"} <= set(df.columns):
            change = compare(old, df, keys=keys)
        else:
            change = compare_rows(old, df)
        if old is not None and "removed" in change and len(old) and not allow_shrink \
                and change["removed"] > SHRINK_LIMIT * len(old):
            raise DownloadError(f"{rel}: the new download would remove {change['removed']} of {len(old)} rows; "
                                f"keeping the old file (run with --allow-shrink if Kolada really withdrew them)")
        target = self.path(rel)
        with atomic_path(target) as tmp:
            df.to_csv(tmp, index=False)
            rows = len(df)
            digest = sha256_file(tmp)
            size = tmp.stat().st_size
        record = {
            "source_url": sources[0] if sources else None,
            "source_urls": list(sources),
            "retrieved_at": now_iso(),
            "rows": rows,
            "sha256": digest,
            "bytes": size,
        }
        if "year" in df.columns and rows:
            record["years"] = [int(df["year"].min()), int(df["year"].max())]
        if extra:
            record.update(extra)
        data = self.read_manifest()
        data["files"][rel] = record
        data["format"] = FORMAT
        self.write_manifest(data)
        return record, change

    def verify(self) -> list[str]:
        """Files whose content no longer matches the manifest (sha256), or that are missing."""
        problems = []
        for rel, rec in self.read_manifest()["files"].items():
            path = self.path(rel)
            if not path.is_file():
                problems.append(f"{rel}: missing")
            elif sha256_file(path) != rec.get("sha256"):
                problems.append(f"{rel}: sha256 differs from the manifest")
        return problems

    # -- resume -----------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.root / STATE

    def begin(self, options: dict, resume: bool = True) -> dict:
        """Start (or resume) a refresh. Returns the state: {'started_at', 'options', 'done'}."""
        if resume and self.state_path.is_file():
            try:
                state = json.loads(self.state_path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                state = None
            if isinstance(state, dict) and state.get("options") == options and isinstance(state.get("done"), dict):
                # keep only items whose file is still exactly what the interrupted run wrote
                state["done"] = {rel: d for rel, d in state["done"].items()
                                 if self.path(rel).is_file() and sha256_file(self.path(rel)) == d.get("sha256")}
                state["resumed"] = True
                self._save_state(state)
                return state
        state = {"started_at": now_iso(), "options": options, "done": {}, "resumed": False}
        self._save_state(state)
        return state

    def mark_done(self, state: dict, item: str, rel: str, record: dict, change: dict) -> None:
        state["done"][rel] = {"item": item, "sha256": record["sha256"], "change": change}
        self._save_state(state)

    def _save_state(self, state: dict) -> None:
        write_text(self.state_path, json.dumps(state, indent=1, ensure_ascii=False))

    def finish(self) -> None:
        if self.state_path.exists():
            self.state_path.unlink()


# -- the stand-in snapshot --------------------------------------------------------
def standin_root(root=None) -> Path:
    return Path(root if root is not None else config.cache_dir()) / STANDIN


def standin_ready(root=None) -> bool:
    base = standin_root(root)
    return (base / config.KOLADA_DATAPOINTS).is_dir() and (base / config.KOLADA_DUMP / "ddf--entities--geo--kommun.csv").is_file()


def write_standin(root, munis: pd.DataFrame) -> Path:
    """Write the part of the snapshot's layout that the data layer needs to run from the
    live cache alone: the municipality list (DDF ``kommun,name,region,rike,is--kommun``)
    and an empty datapoints folder (KPI values come from ``kolada/<KPI>.csv``).

    It cannot stand in for SKR's municipality groups (2017) or the 2022 political-rule
    survey: those are Excel files published by SKR, not available from any API.
    """
    base = standin_root(root)
    k = munis[munis["type"] == "K"].sort_values("id")
    ddf = pd.DataFrame({"kommun": k["id"], "name": k["title"], "region": k["id"].str[:2], "rike": "0",
                        "is--kommun": "TRUE"})
    ent = base / config.KOLADA_DUMP / "ddf--entities--geo--kommun.csv"
    with atomic_path(ent) as tmp:
        ddf.to_csv(tmp, index=False)
    write_text(base / config.KOLADA_DATAPOINTS / "README.md",
               "Empty on purpose: `make data` writes KPI values to ../../../../../kolada/<KPI>.csv.\n")
    write_text(base / "README.md",
               "# Stand-in for the data snapshot\n\n"
               "Written by `make data` from Kolada's municipality list so that the book can run from the live\n"
               "cache when the offline snapshot is absent. It holds no KPI values and none of SKR's Excel files\n"
               "(municipality groups 2017, political rule after the 2022 election): those have no API, so chapters\n"
               "that need them fail with a clear message until the real snapshot is put in place.\n")
    return base
