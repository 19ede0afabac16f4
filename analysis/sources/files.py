"""Reading input files strictly: every fault is one :class:`DataError` naming the file.

* :func:`read_bytes` turns the operating system's faults (a directory where a file should
  be, an unreadable file, a missing file) into one line naming the path;
* :func:`read_text` adds: UTF-8 only, and the file must end with a newline (a file cut
  short in the middle of a line, e.g. ``0184,2022,-5`` instead of ``-55.2``, does not);
* :func:`verified_bytes` checks a file of the repository's data folder against the SHA-256
  sums of ``data/MANIFEST.sha256`` before it is used (a changed or cut file stops there);
* :func:`strict_numbers` / :func:`strict_years` parse text columns with no ``inf``,
  ``nan`` or other spelling a float() would accept, and integer years only.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..errors import DataError

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"  # no inf, nan, hex or underscores
YEAR = r"\d{4}"
RESTORE_HINT = ("Restore it with `git checkout -- data/`, or run `make snapshot` (rebuild from the raw archive) if "
                "the change is deliberate.")


def show(path) -> str:
    """A path as printable text, whatever bytes its name holds (a non-UTF-8 name must not
    turn an error message into a UnicodeEncodeError)."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return ascii(text)[1:-1]


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or one clear error naming it."""
    path = Path(path)
    try:
        return path.read_bytes()
    except IsADirectoryError as exc:
        raise DataError(f"{show(path)}: is a directory, but a data file is expected here; remove the directory "
                        f"or restore the file") from exc
    except FileNotFoundError as exc:
        raise DataError(f"{show(path)}: file not found") from exc
    except PermissionError as exc:
        raise DataError(f"{show(path)}: cannot be read (permission denied); check the file's permissions") from exc
    except OSError as exc:
        raise DataError(f"{show(path)}: cannot be read ({exc.strerror or exc})") from exc


def decode(data: bytes, path: Path, need_newline: bool = True) -> str:
    """UTF-8 text that ends with a newline (a cut file does not)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{show(path)}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                        f"save the file as UTF-8") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise DataError(f"{show(path)}: empty file")
    if need_newline and not text.endswith("\n"):
        raise DataError(f"{show(path)}: does not end with a newline: the file was cut short (last line "
                        f"{text.splitlines()[-1][:60]!r}); restore the complete file")
    return text


def read_text(path: Path, need_newline: bool = True) -> str:
    """A UTF-8 text file, verified against the data manifest when it is in the data folder."""
    return decode(verified_bytes(path), path, need_newline)


# ------------------------------------------------------------------ the manifest
def parse_manifest(text: str, path: Path) -> dict[str, str]:
    """``sha256sum`` format: one ``<64 hex>  <path relative to the manifest's folder>`` a line."""
    out = {}
    for n, line in enumerate(text.splitlines(), 1):
        m = re.fullmatch(r"([0-9a-f]{64})  (\S.*)", line)
        if not m:
            raise DataError(f"{show(path)} line {n}: expected '<sha256>  <path>', found {line[:60]!r}; "
                            f"restore it with `git checkout -- data/`")
        out[m.group(2)] = m.group(1)
    return out


@lru_cache(maxsize=8)
def _manifest(path: str, mtime_ns: int, size: int) -> dict[str, str]:
    p = Path(path)
    return parse_manifest(decode(read_bytes(p), p), p)


def manifest_of(folder: Path) -> dict[str, str] | None:
    """The manifest of a data folder, or None when it has none (the raw archive)."""
    path = Path(folder) / config.MANIFEST_NAME
    try:
        st = path.stat()
    except OSError:
        return None
    return _manifest(str(path), st.st_mtime_ns, st.st_size)


def _manifest_folder(path: Path) -> Path | None:
    """The nearest folder above ``path`` (up to three levels) that holds a manifest."""
    for parent in list(path.parents)[:3]:
        if (parent / config.MANIFEST_NAME).is_file():
            return parent
    return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verified_bytes(path: Path) -> bytes:
    """The file's bytes; when a manifest covers its folder, they must match its SHA-256 sum."""
    path = Path(path)
    data = read_bytes(path)
    folder = _manifest_folder(path.absolute())
    if folder is None:
        return data
    manifest = manifest_of(folder)
    rel = path.absolute().relative_to(folder).as_posix()
    if rel not in manifest:
        if rel.startswith(("snapshot/", "seed-tables/")):
            raise DataError(f"{show(path)}: not listed in {show(folder / config.MANIFEST_NAME)}; run `make snapshot`")
        return data  # e.g. data/claims.yaml: hand-written, checked by its own schema
    if sha256(data) != manifest[rel]:
        raise DataError(f"{show(path)}: changed or cut (its SHA-256 differs from {config.MANIFEST_NAME}). "
                        + RESTORE_HINT)
    return data


def check_manifest(folder: Path) -> list[str]:
    """Every file of the manifest present and unchanged: the problems, one line each."""
    manifest = manifest_of(folder)
    if manifest is None:
        return [f"{show(Path(folder) / config.MANIFEST_NAME)}: missing"]
    problems = []
    for rel, digest in sorted(manifest.items()):
        try:
            data = read_bytes(Path(folder) / rel)
        except DataError as exc:
            problems.append(str(exc))
            continue
        if sha256(data) != digest:
            problems.append(f"{show(Path(folder) / rel)}: changed or cut (SHA-256 differs from the manifest)")
    return problems


# ------------------------------------------------------------------ values
def strict_numbers(col: pd.Series, path: Path, name: str, header_lines: int = 1) -> pd.Series:
    """Decimal numbers only (``inf``, ``nan``, empty cells and text are errors)."""
    text = col.astype(str).str.strip()
    bad = ~text.str.fullmatch(NUMBER)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise DataError(f"{show(path)} line {i + 1 + header_lines}: {name} {text.iloc[i]!r} is not a finite "
                        f"decimal number")
    values = text.astype(float)
    inf = ~np.isfinite(values.to_numpy())
    if inf.any():  # e.g. 1e999 overflows to inf
        i = int(inf.argmax())
        raise DataError(f"{show(path)} line {i + 1 + header_lines}: {name} {text.iloc[i]!r} is not a finite "
                        f"decimal number")
    return values


def strict_years(col: pd.Series, path: Path, name: str = "year", header_lines: int = 1) -> pd.Series:
    """Four-digit integer years only (``2022.5`` or ``2022.0`` are errors)."""
    text = col.astype(str).str.strip()
    bad = ~text.str.fullmatch(YEAR)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise DataError(f"{show(path)} line {i + 1 + header_lines}: {name} {text.iloc[i]!r} is not an integer year")
    return text.astype(int)
