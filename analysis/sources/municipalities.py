"""Municipality metadata: code, name, county, SKR group 2017, political rule.

Joins the Kolada municipality list with SKR's group classification (2017) and
SKR's survey of governing parties after the 2022 election. Lookup by code or by
name goes through :func:`resolve`, which rejects codes that do not exist.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

import pandas as pd

from .. import config
from ..errors import DataError, UnknownMunicipalityError
from . import raw, snapshot
from .files import show
from .kolada import RIKET, snapshot_root

N_MUNICIPALITIES = raw.N_MUNICIPALITIES
SKR_FILE = raw.SKR_FILE
RULE_FILE = raw.RULE_FILE
PARTIES_2022 = raw.PARTIES_2022
BLOC_CODES = {1: "left", 2: "cross-bloc", 3: "centre-right", 4: "other", 5: "centre-right with SD"}


@lru_cache(maxsize=4)
def _metadata(root: str) -> pd.DataFrame:
    root = snapshot_root(root)
    if snapshot.is_snapshot(root):
        meta = snapshot.read_table(root, "municipalities")
    else:
        meta = raw.municipality_metadata(root)
    if len(meta) != N_MUNICIPALITIES or meta["code"].duplicated().any():
        raise DataError(f"Expected {N_MUNICIPALITIES} unique municipalities, found {meta['code'].nunique()} "
                        f"in {show(root)}")
    return meta.sort_values("code").reset_index(drop=True)


def municipalities(data_dir=None) -> pd.DataFrame:
    """The 290 municipalities with county, SKR group (2017) and political rule after 2022."""
    return _metadata(str(config.data_dir(data_dir))).copy()


@lru_cache(maxsize=4)
def _names(root: str) -> pd.DataFrame:
    """Code and name only: enough for lookups, and also available from the live cache's
    stand-in (a municipality list without SKR's files) when there is no snapshot."""
    root = snapshot_root(root)
    if snapshot.is_snapshot(root):
        base = snapshot.read_table(root, "municipalities")[["code", "name"]]
    else:
        base = raw.municipality_list(root)
    if len(base) != N_MUNICIPALITIES or base["code"].duplicated().any():
        raise DataError(f"Expected {N_MUNICIPALITIES} unique municipalities, found {base['code'].nunique()} "
                        f"in {show(root)}")
    return base.sort_values("code").reset_index(drop=True)


def names(data_dir=None) -> dict[str, str]:
    """Code → name, with Riket as '0000'."""
    meta = _names(str(config.data_dir(data_dir)))
    out = dict(zip(meta["code"], meta["name"]))
    out[RIKET] = "Riket"
    return out


def resolve(municipality: str, data_dir=None, allow_riket: bool = False) -> str:
    """Return the 4-digit code for a code or a name ('Solna', '0184', '184').

    Raises :class:`UnknownMunicipalityError` naming close matches.
    """
    if not isinstance(municipality, str) or not municipality.strip():
        raise UnknownMunicipalityError(f"Municipality must be a code or a name, got {municipality!r}")
    text = municipality.strip()
    if allow_riket and text.lower() in {"riket", "0000", "0", "sweden"}:
        return RIKET
    meta = _names(str(config.data_dir(data_dir)))
    if text.isdigit():
        code = text.zfill(4)
        if code in set(meta["code"]):
            return code
        raise UnknownMunicipalityError(f"Unknown municipality code {text!r}: not one of the {N_MUNICIPALITIES} codes")
    by_name = {n.lower(): c for c, n in zip(meta["code"], meta["name"])}
    if text.lower() in by_name:
        return by_name[text.lower()]
    close = difflib.get_close_matches(text, meta["name"].tolist(), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise UnknownMunicipalityError(f"Unknown municipality name {text!r}.{hint}")


def governing_bloc(data_dir=None) -> pd.DataFrame:
    """Governing bloc per municipality and year (Kolada N05829, SKR), 1994–2022."""
    from .kolada import load_kpis

    tidy = load_kpis("N05829", data_dir)
    tidy = tidy[tidy["municipality"] != RIKET].copy()
    tidy["bloc"] = tidy["value"].round().astype(int).map(BLOC_CODES)
    if tidy["bloc"].isna().any():
        raise DataError("N05829 holds bloc codes outside 1–5")
    return tidy[["municipality", "year", "bloc"]]
