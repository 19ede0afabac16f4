"""The compact data snapshot in the repository (``data/``): exactly what the book reads.

Layout (``data/``)::

    snapshot/kolada.parquet          Kolada KPI values: kpi, municipality, year, value
    snapshot/municipalities.parquet  the 290 municipalities, county, SKR group, rule 2022
    snapshot/tax_totals.parquet      total local tax rate per municipality and year
    snapshot/nordin_rates.parquet    municipal tax rate in Nordin's panel
    snapshot/scb_population_2023.parquet  SCB population 31 Dec 2023
    snapshot/kpi_definitions.parquet Kolada's title and definition of each KPI in kolada.parquet
    snapshot/regions.parquet         Kolada's list of regions
    seed-tables/*.csv                the printed tables as transcribed (byte copies)
    kpi_catalogue.csv, kolada_kpi_metadata.csv   metadata the book reads
    MANIFEST.sha256                  SHA-256 of every file above (``sha256sum -c`` works)
    PROVENANCE.md                    where each table comes from, and its terms

Every table has an explicit Arrow schema; a file is checked against the manifest and
its schema before use (a changed or cut file is one error naming it). ``make snapshot``
rebuilds all of it from the raw archive (``../shared/data`` or ``$MUNI_RAW_DIR``) with the
strict parsers of :mod:`analysis.sources.raw`; the result is byte-identical to what is
committed (the test suite checks that when the raw archive is present).

``python -m analysis.sources.snapshot build|check``.
"""

from __future__ import annotations

import argparse
import io
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import config
from ..atomic import atomic_path
from ..errors import DataError
from . import raw
from .files import check_manifest, decode, read_bytes, sha256, show, verified_bytes

EXIT_OK, EXIT_BAD_INPUT = 0, 2
STR = pa.string()
SCHEMAS: dict[str, pa.Schema] = {
    "kolada": pa.schema([("kpi", STR, False), ("municipality", STR, False), ("year", pa.int16(), False),
                         ("value", pa.float64(), False)]),
    "municipalities": pa.schema([("code", STR, False), ("name", STR, False), ("county_code", STR, False),
                                 ("county", STR, False), ("skr_group", STR, False), ("skr_group_name", STR, False),
                                 ("skr_main_group", STR, False), ("governing_parties_2022", STR, True),
                                 ("chair_party_2022", STR, True)]),
    "tax_totals": pa.schema([("municipality", STR, False), ("year", pa.int16(), False),
                             ("total", pa.float64(), False)]),
    "nordin_rates": pa.schema([("municipality", STR, False), ("year", pa.int16(), False),
                               ("nordin", pa.float64(), False)]),
    "scb_population_2023": pa.schema([("municipality", STR, False), ("population", pa.int64(), False)]),
    "kpi_definitions": pa.schema([("kpi", STR, False), ("name", STR, False), ("description", STR, False)]),
    "regions": pa.schema([("region", STR, False), ("name", STR, False)]),
}
CODE_COLUMNS = {"kolada": "municipality", "municipalities": "code", "tax_totals": "municipality",
                "nordin_rates": "municipality", "scb_population_2023": "municipality"}
CODE_PATTERNS = {"regions": ("region", r"\d{2}"), "kpi_definitions": ("kpi", r"[A-Z]\d{5}")}
SEED_TABLES = ("003_tabell1_prisindex_kommunal_verksamhet.csv", "003_tabell2_skattehojningar_2022_2025.csv",
               "003_tabell3_skattesankningar_2022_2025.csv", "003_nacka_betyg_ak9_2022_2024.csv")
METADATA_FILES = ("kpi_catalogue.csv", "kolada_kpi_metadata.csv")  # in data/, kept by hand or by their modules
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "use_dictionary": True, "write_statistics": False,
                   "version": "2.6", "data_page_version": "1.0"}


def table_path(root: Path, name: str) -> Path:
    return Path(root) / config.SNAPSHOT_SUBDIR / f"{name}.parquet"


def is_snapshot(root: Path) -> bool:
    return table_path(root, "kolada").exists() or (Path(root) / config.MANIFEST_NAME).exists()


# ------------------------------------------------------------------ reading
def _check_values(name: str, df: pd.DataFrame, path: Path) -> None:
    for col, typ in zip(SCHEMAS[name].names, SCHEMAS[name].types):
        if pa.types.is_floating(typ):
            bad = ~np.isfinite(df[col].to_numpy(dtype=float))
            if bad.any():
                raise DataError(f"{show(path)}: column {col} holds {df[col].iloc[int(bad.argmax())]} (not finite)")
        if col == "year" and not df[col].between(1900, 2100).all():
            raise DataError(f"{show(path)}: a year outside 1900–2100")
    code, pattern = CODE_PATTERNS.get(name, (CODE_COLUMNS.get(name), r"\d{4}"))
    if not df[code].str.fullmatch(pattern).all():
        raise DataError(f"{show(path)}: malformed codes in column {code}")


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    df = table.to_pandas()
    for col, typ in zip(table.schema.names, table.schema.types):
        if pa.types.is_integer(typ):
            df[col] = df[col].astype("int64")
        elif pa.types.is_string(typ):
            df[col] = df[col].astype("str")
    return df


@lru_cache(maxsize=16)
def _read(path: str, mtime_ns: int, size: int, name: str) -> pd.DataFrame:
    p = Path(path)
    data = verified_bytes(p)
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"{show(p)}: not a readable Parquet file ({exc})") from exc
    want = SCHEMAS[name]
    if not table.schema.remove_metadata().equals(want):
        raise DataError(f"{show(p)}: columns or types differ from the snapshot's schema "
                        f"({', '.join(f'{f.name}: {f.type}' for f in table.schema)}); run `make snapshot`")
    df = _to_pandas(table)
    _check_values(name, df, p)
    return df


def read_table(root: Path, name: str) -> pd.DataFrame:
    """One snapshot table, verified against the manifest and its schema (a copy)."""
    path = table_path(root, name)
    if not path.exists():
        raise DataError(f"{show(path)}: missing from the data snapshot; restore it with `git checkout -- data/`")
    st = path.stat()
    return _read(str(path), st.st_mtime_ns, st.st_size, name).copy()


@lru_cache(maxsize=4)
def _kolada_by_kpi(path: str, mtime_ns: int, size: int) -> dict[str, pd.DataFrame]:
    df = _read(path, mtime_ns, size, "kolada")
    out = {}
    for kpi, part in df.groupby("kpi", sort=False):
        out[str(kpi)] = part[raw.TIDY_COLUMNS].reset_index(drop=True)
    return out


def kolada_kpi(root: Path, kid: str) -> pd.DataFrame | None:
    """One KPI from the snapshot (None when the snapshot lacks it)."""
    path = table_path(root, "kolada")
    if not path.exists():
        raise DataError(f"{show(path)}: missing from the data snapshot; restore it with `git checkout -- data/`")
    st = path.stat()
    part = _kolada_by_kpi(str(path), st.st_mtime_ns, st.st_size).get(kid)
    return None if part is None else part.copy()


def clear_cache() -> None:
    _read.cache_clear()
    _kolada_by_kpi.cache_clear()


# ------------------------------------------------------------------ building
def snapshot_kpis() -> list[str]:
    """The KPIs the book reads from the data: the catalogue's ``in_snapshot == yes``."""
    from .catalogue import catalogue

    cat = catalogue()
    return sorted(cat.index[cat["in_snapshot"] == "yes"])


def _arrow(name: str, df: pd.DataFrame) -> pa.Table:
    schema = SCHEMAS[name]
    arrays = []
    for field in schema:
        col = df[field.name]
        if pa.types.is_string(field.type):
            values = [None if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v) for v in col]
        else:
            values = col.to_numpy()
        arrays.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def tables_from_raw(raw_root: Path) -> dict[str, pd.DataFrame]:
    """Every snapshot table, parsed from the raw archive."""
    kpis = snapshot_kpis()
    kolada = [raw.kolada_kpi(raw_root, k) for k in kpis]
    kol = pd.concat(kolada, ignore_index=True)  # KPIs in id order, rows in the order of the raw files
    known = set(raw.municipality_list(raw_root)["code"]) | {raw.RIKET}
    unknown = set(kol["municipality"]) - known
    if unknown:
        raise DataError(f"{show(raw_root)}: KPI files hold unknown municipality codes {sorted(unknown)[:5]}")
    return {
        "kolada": kol,
        "municipalities": raw.municipality_metadata(raw_root),
        "tax_totals": raw.total_tax_rates(raw_root),
        "nordin_rates": raw.nordin_rates(raw_root),
        "scb_population_2023": raw.scb_population_2023(raw_root),
        "kpi_definitions": raw.kpi_definitions(raw_root, kpis),
        "regions": raw.regions(raw_root),
    }


def parquet_bytes(name: str, df: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    pq.write_table(_arrow(name, df), sink, **PARQUET_OPTIONS)
    return sink.getvalue()


def build(raw_root: Path, seed_dir: Path, out: Path, log=print) -> dict[str, str]:
    """Write the snapshot tables, copy the seed tables and write the manifest; return it."""
    out = Path(out)
    written: dict[str, bytes] = {}
    for name, df in tables_from_raw(raw_root).items():
        written[f"{config.SNAPSHOT_SUBDIR}/{name}.parquet"] = parquet_bytes(name, df)
        log(f"[snapshot] {name}: {len(df):,} rows")
    for fname in SEED_TABLES:
        src = Path(seed_dir) / fname
        data = read_bytes(src)
        decode(data, src)  # UTF-8 and a complete last line
        written[f"{config.SEED_TABLES_SUBDIR}/{fname}"] = data
    for rel, data in written.items():
        with atomic_path(out / rel) as tmp:
            tmp.write_bytes(data)
            tmp.chmod(0o644)
    manifest = record_manifest(out)
    total = sum(len(b) for b in written.values())
    log(f"[snapshot] {len(written)} files, {total / 1e6:.2f} MB → {show(out)}; manifest {config.MANIFEST_NAME}")
    return manifest


def manifest_files(out: Path) -> list[str]:
    out = Path(out)
    rels = [p.relative_to(out).as_posix() for sub in (config.SNAPSHOT_SUBDIR, config.SEED_TABLES_SUBDIR)
            if (out / sub).is_dir() for p in sorted((out / sub).iterdir()) if p.is_file()
            and not p.name.startswith(".")]
    rels += [m for m in METADATA_FILES if (out / m).is_file()]
    return sorted(rels)


def record_manifest(out: Path) -> dict[str, str]:
    """Write ``MANIFEST.sha256`` for the snapshot, the seed tables and the metadata files."""
    manifest = {rel: sha256(read_bytes(Path(out) / rel)) for rel in manifest_files(out)}
    with atomic_path(Path(out) / config.MANIFEST_NAME) as tmp:
        tmp.write_text("".join(f"{h}  {rel}\n" for rel, h in sorted(manifest.items())), encoding="utf-8")
        tmp.chmod(0o644)
    return manifest


def check(root: Path) -> list[str]:
    """Every listed file unchanged and every snapshot table readable: the problems."""
    problems = check_manifest(root)
    if not problems:
        listed = set(manifest_files(root))
        from .files import manifest_of

        extra = listed - set(manifest_of(root))
        problems += [f"{show(Path(root) / rel)}: not listed in {config.MANIFEST_NAME}; run `make snapshot`"
                     for rel in sorted(extra)]
        for name in SCHEMAS:
            try:
                read_table(root, name)
            except DataError as exc:
                problems.append(str(exc))
    return problems


def verify(root: Path) -> None:
    """Stop with one line per problem when ``root`` is a snapshot that does not match its
    manifest or schemas (the build calls this before any chapter runs)."""
    if not is_snapshot(root):
        return
    problems = check(root)
    if problems:
        more = f" (and {len(problems) - 1} more: run `make snapshot-check`)" if len(problems) > 1 else ""
        raise DataError(problems[0] + more)


# ------------------------------------------------------------------ command line
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.sources.snapshot", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild data/ from the raw archive (make snapshot)")
    b.add_argument("--raw", default=None, help="raw archive (default $MUNI_RAW_DIR or ../shared/data)")
    b.add_argument("--seed-tables", default=None, help="transcribed tables (default ../shared/claims/seed-tables)")
    b.add_argument("--out", default=str(config.DEFAULT_DATA_DIR), help="data folder to write (default data/)")
    sub.add_parser("check", help="verify data/ against its manifest and schemas")
    sub.add_parser("record", help="re-record the manifest after a deliberate edit of a metadata file")
    args = ap.parse_args(argv)
    try:
        if args.command == "build":
            raw_root = config.raw_dir(args.raw)
            if not raw.is_raw_archive(raw_root):
                raise DataError(f"No raw archive at {show(raw_root)} (expected {config.KOLADA_DATAPOINTS} inside). "
                                f"Put the raw archive beside the repository (../shared/data) or set "
                                f"{config.RAW_ENV_VAR}; the book itself does not need it.")
            seed = Path(args.seed_tables).resolve() if args.seed_tables else config.DEFAULT_RAW_SEED_TABLES_DIR
            build(raw_root, seed, Path(args.out))
        elif args.command == "record":
            record_manifest(config.DEFAULT_DATA_DIR)
        else:
            problems = check(config.DEFAULT_DATA_DIR)
            for p in problems:
                print(p, file=sys.stderr)
            if problems:
                return EXIT_BAD_INPUT
            print(f"[snapshot] {len(manifest_files(config.DEFAULT_DATA_DIR))} files match {config.MANIFEST_NAME}")
    except DataError as exc:
        print(f"make snapshot: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

