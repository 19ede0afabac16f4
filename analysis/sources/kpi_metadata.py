"""Kolada's own KPI definitions (metadata of the Kolada API v3, March 2026).

The raw file is the R package rKolada's ``R/sysdata.rda`` (object ``kpi_df``, 6,099 KPIs,
see ``raw/kolada/rkolada-v3-metadata-2026/PROVENANCE.md`` in the data snapshot). The book
uses a compact extract committed to the repository, ``data/kolada_kpi_metadata.csv``
(UTF-8): one row per KPI the book uses, with Kolada's title, its definition text, the year
after which a discontinued KPI stops ("(-YYYY)" in the title) and its operating area. The
book reads only that CSV, so it builds without the raw file.

    load_kpi_metadata()                       # the committed extract, indexed by id
    definition("N31001")                      # Kolada's definition text
    discontinued("N31004")                    # 2023 (None if still published)
    build_kpi_metadata(raw_dir, kpi_ids)      # rebuild the extract from the .rda

Rebuild from the shared snapshot with ``python -m analysis.sources.kpi_metadata``.
"""

from __future__ import annotations

import re
import sys
import warnings
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import DataError, UnknownKPIError
from .catalogue import catalogue, normalise_kpi

KPI_METADATA_FILE = config.REPO_ROOT / "data" / "kolada_kpi_metadata.csv"
RAW_METADATA_DIR = Path("raw/kolada/rkolada-v3-metadata-2026")  # inside the data snapshot
RAW_METADATA_FILE = "sysdata.rda"
RAW_OBJECT = "kpi_df"
SOURCE_NOTE = "Kolada API v3 metadata, March 2026 (rKolada R/sysdata.rda, object kpi_df)"

METADATA_COLUMNS = ["id", "title", "description", "discontinued_after", "operating_area",
                    "perspective", "municipality_type", "publ_period"]
RAW_COLUMNS = ["id", "title", "description", "operating_area", "perspective", "municipality_type", "publ_period"]
DISCONTINUED_RE = re.compile(r"\(-(\d{4})\)\s*$")
KPI_ID_RE = re.compile(r"\b([NU]\d{5})\b")


def discontinued_year(title: str) -> int | None:
    """The last year of a discontinued KPI, read from Kolada's "(-YYYY)" title mark."""
    m = DISCONTINUED_RE.search(str(title or ""))
    return int(m.group(1)) if m else None


# ------------------------------------------------------------------ building the extract
def read_raw_metadata(raw_metadata_dir) -> pd.DataFrame:
    """Kolada's full KPI table from ``<raw_metadata_dir>/sysdata.rda`` (object ``kpi_df``)."""
    path = Path(raw_metadata_dir) / RAW_METADATA_FILE
    if not path.is_file():
        raise DataError(f"Kolada metadata not found: {path} (expected rKolada's sysdata.rda; see PROVENANCE.md)")
    try:
        import rdata
    except ImportError as exc:  # pragma: no cover - rdata is pinned in requirements.txt
        raise DataError("Reading Kolada's metadata needs the 'rdata' package (pip install -r requirements.txt)") from exc
    try:
        with warnings.catch_warnings():  # rdata warns that tibble classes fall back to data.frame
            warnings.simplefilter("ignore")
            objects = rdata.read_rda(str(path))
    except Exception as exc:  # noqa: BLE001 - any parse failure means a bad file
        raise DataError(f"Kolada metadata unreadable: {path} ({type(exc).__name__}: {exc})") from exc
    table = objects.get(RAW_OBJECT) if isinstance(objects, dict) else None
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"Kolada metadata {path} holds no table {RAW_OBJECT!r}")
    missing = [c for c in RAW_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"Kolada metadata {path}: table {RAW_OBJECT!r} lacks columns {missing}")
    return table


def book_kpi_ids(repo_root: Path | None = None) -> list[str]:
    """Every KPI the book uses: the KPI catalogue plus ids named in analysis/ and book/src/."""
    root = Path(repo_root) if repo_root else config.REPO_ROOT
    ids = set(catalogue().index)
    for pattern in ("analysis/**/*.py", "book/src/*.md"):
        for f in root.glob(pattern):
            ids.update(KPI_ID_RE.findall(f.read_text(encoding="utf-8")))
    return sorted(ids)


def build_kpi_metadata(raw_metadata_dir, kpi_ids, out_file=None) -> pd.DataFrame:
    """The compact extract for ``kpi_ids`` from Kolada's raw metadata; written to ``out_file``
    (UTF-8 CSV) when given. Ids Kolada does not know are left out and listed in
    ``out.attrs["not_in_kolada"]``."""
    raw = read_raw_metadata(raw_metadata_dir)
    wanted = sorted({normalise_kpi(k) for k in kpi_ids})
    raw = raw.assign(id=raw["id"].astype(str).str.strip().str.upper())
    sub = raw[raw["id"].isin(wanted)].drop_duplicates("id").copy()
    unknown = sorted(set(wanted) - set(sub["id"]))
    for col in RAW_COLUMNS:
        sub[col] = sub[col].astype("string").fillna("").str.strip()
    sub["description"] = sub["description"].str.replace(r"\s+", " ", regex=True)
    years = [discontinued_year(t) for t in sub["title"].tolist()]
    sub["discontinued_after"] = [str(y) if y else "" for y in years]
    out = sub[METADATA_COLUMNS].sort_values("id").reset_index(drop=True).astype(str)
    out.attrs["not_in_kolada"] = unknown
    if out_file is not None:
        out.to_csv(out_file, index=False, encoding="utf-8", lineterminator="\n")
    return out


# ------------------------------------------------------------------ reading the extract
@lru_cache(maxsize=4)
def load_kpi_metadata(path=None) -> pd.DataFrame:
    """The committed extract (``data/kolada_kpi_metadata.csv``), indexed by KPI id."""
    path = Path(path) if path else KPI_METADATA_FILE
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError(f"Kolada KPI metadata not found: {path} "
                        "(rebuild it with `python -m analysis.sources.kpi_metadata`)") from exc
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"Kolada KPI metadata unreadable: {path} ({type(exc).__name__})") from exc
    missing = [c for c in METADATA_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"Kolada KPI metadata {path}: missing columns {missing}")
    if table["id"].duplicated().any():
        raise DataError(f"Kolada KPI metadata {path}: duplicate ids {table.loc[table['id'].duplicated(), 'id'].tolist()}")
    return table.set_index("id")


def kpi_record(kpi: str, path=None) -> pd.Series:
    kid = normalise_kpi(kpi)
    table = load_kpi_metadata(path)
    if kid not in table.index:
        raise UnknownKPIError(f"KPI {kid} is not in the Kolada metadata extract {Path(path or KPI_METADATA_FILE).name}")
    return table.loc[kid]


def definition(kpi: str, path=None) -> str:
    """Kolada's own definition text of a KPI (Swedish)."""
    return kpi_record(kpi, path)["description"]


def kolada_title(kpi: str, path=None) -> str:
    """Kolada's title of a KPI as of March 2026 (with the "(-YYYY)" mark if discontinued)."""
    return kpi_record(kpi, path)["title"]


def discontinued(kpi: str, path=None) -> int | None:
    """The last year Kolada publishes a discontinued KPI; None if it is still published."""
    value = kpi_record(kpi, path)["discontinued_after"]
    return int(value) if value else None


def definitions(kpi_ids, path=None) -> pd.DataFrame:
    """Rows of the extract for ``kpi_ids`` in the order given (unknown ids raise)."""
    return pd.DataFrame([kpi_record(k, path) for k in kpi_ids]).rename_axis("id").reset_index()


# ------------------------------------------------------------------ command line
def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Rebuild data/kolada_kpi_metadata.csv from Kolada's raw metadata.")
    parser.add_argument("--raw", default=None, help="folder holding sysdata.rda "
                        f"(default: <data snapshot>/{RAW_METADATA_DIR})")
    parser.add_argument("--out", default=str(KPI_METADATA_FILE))
    args = parser.parse_args(argv)
    raw = Path(args.raw) if args.raw else config.data_dir() / RAW_METADATA_DIR
    try:
        out = build_kpi_metadata(raw, book_kpi_ids(), out_file=args.out)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    n_disc = int((out["discontinued_after"] != "").sum())
    print(f"wrote {args.out}: {len(out)} KPIs ({n_disc} discontinued)")
    if out.attrs["not_in_kolada"]:
        print(f"not in Kolada's metadata (left out): {', '.join(out.attrs['not_in_kolada'])}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
