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
from .kolada import RIKET, snapshot_root

N_MUNICIPALITIES = 290
SKR_FILE = "raw/skr/kommungrupp2017/oversiktstabell-och-lista-kommungruppsindelnin.xlsx"
RULE_FILE = "raw/skr/styre-efter-valet-2022/politicalRule2022.xlsx"
PARTIES_2022 = ["M", "C", "L", "KD", "S", "V", "MP", "SD", "ÖP"]
BLOC_CODES = {1: "left", 2: "cross-bloc", 3: "centre-right", 4: "other", 5: "centre-right with SD"}


def _read_excel(path, **kw) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(
            f"Missing metadata file {path}. SKR's municipality groups (2017) and its survey of political rule "
            f"after the 2022 election exist only in the data snapshot (SKR publishes them as Excel files; no API "
            f"provides them, so `make data` cannot): put the snapshot at ../shared/data or set {config.DATA_ENV_VAR}."
        )
    try:
        return pd.read_excel(path, dtype=str, **kw)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise DataError(f"{path}: cannot read workbook ({exc})") from exc


@lru_cache(maxsize=4)
def _metadata(root: str) -> pd.DataFrame:
    root = snapshot_root(root)
    ent = root / config.KOLADA_DUMP / "ddf--entities--geo--kommun.csv"
    if not ent.is_file():
        raise DataError(f"Missing municipality list {ent}")
    base = pd.read_csv(ent, dtype=str, keep_default_na=False)[["kommun", "name"]]
    base = base.rename(columns={"kommun": "code"})
    skr = _read_excel(root / SKR_FILE, sheet_name="Lista Kommungruppsind 2017")
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
    rule = _read_excel(root / RULE_FILE)
    rule = rule.rename(columns={rule.columns[0]: "code"})
    rule["code"] = rule["code"].str.strip().str.zfill(4)
    party_cols = {f"{p} 2022": p for p in PARTIES_2022}
    rule["governing_parties_2022"] = rule[list(party_cols)].apply(
        lambda r: ",".join(party_cols[c] for c in party_cols if isinstance(r[c], str) and r[c].strip()), axis=1
    )
    rule["chair_party_2022"] = rule["Parti KSO"].str.strip()
    meta = base.merge(skr, on="code", how="left", validate="1:1").merge(
        rule[["code", "governing_parties_2022", "chair_party_2022"]], on="code", how="left", validate="1:1"
    )
    if len(meta) != N_MUNICIPALITIES or meta["code"].duplicated().any():
        raise DataError(f"Expected {N_MUNICIPALITIES} unique municipalities, found {meta['code'].nunique()} in {ent}")
    missing = meta[meta[["skr_group", "county"]].isna().any(axis=1)]
    if not missing.empty:
        raise DataError(f"{SKR_FILE}: no SKR group for {missing['code'].tolist()}")
    return meta.sort_values("code").reset_index(drop=True)


def municipalities(data_dir=None) -> pd.DataFrame:
    """The 290 municipalities with county, SKR group (2017) and political rule after 2022."""
    return _metadata(str(config.data_dir(data_dir))).copy()


@lru_cache(maxsize=4)
def _names(root: str) -> pd.DataFrame:
    """Code and name only, from the municipality list: enough for lookups, and also
    available from the live cache's stand-in when the snapshot (with SKR's files) is absent."""
    ent = snapshot_root(root) / config.KOLADA_DUMP / "ddf--entities--geo--kommun.csv"
    if not ent.is_file():
        raise DataError(f"Missing municipality list {ent}")
    base = pd.read_csv(ent, dtype=str, keep_default_na=False)[["kommun", "name"]].rename(columns={"kommun": "code"})
    if len(base) != N_MUNICIPALITIES or base["code"].duplicated().any():
        raise DataError(f"Expected {N_MUNICIPALITIES} unique municipalities, found {base['code'].nunique()} in {ent}")
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
