"""KPI ids checked against Kolada's v3 metadata (March 2026) before `make data` asks the API.

The metadata is read with :mod:`analysis.sources.kpi_metadata` (the committed extract
``data/kolada_kpi_metadata.csv`` for the KPIs the book uses; Kolada's full table in
``<snapshot>/raw/kolada/rkolada-v3-metadata-2026/sysdata.rda`` for any other id, when the
raw snapshot is at hand). A KPI whose title carries Kolada's "(-YYYY)" mark is discontinued
after that year: a refresh brings no later years, and the message names the measure the
book uses in its place. An id Kolada's v3 metadata does not know is not fetched at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from ... import config
from ...errors import DataError
from .. import kpi_metadata as M

# Discontinued KPI → (what the book uses instead, why). Kolada's definitions: see
# raw/kolada/rkolada-v3-metadata-2026/PROVENANCE.md.
REPLACEMENTS = {
    "N31004": ("N31001", "economic assistance as a cost in the municipal accounts (SCB), the book's primary "
                         "measure; N31004 (paid out, Socialstyrelsen) is only its alternative up to 2023"),
    "N04105": ("N00119 + N00120", "purchases from privately owned companies plus from associations and foundations"),
}


@dataclass(frozen=True)
class KpiStatus:
    kpi: str
    status: str  # "published" | "discontinued" | "unknown" | "unchecked"
    title: str = ""
    last_year: int | None = None

    def message(self) -> str:
        if self.status == "discontinued":
            repl = REPLACEMENTS.get(self.kpi)
            instead = (f"the book uses {repl[0]} in its place ({repl[1]})" if repl
                       else "no replacement is named for it here: its series ends there")
            return (f"discontinued in Kolada's v3 metadata after {self.last_year} ({self.title!r}): "
                    f"no later years will arrive; {instead}")
        if self.status == "unknown":
            return ("not in Kolada's v3 metadata (March 2026): withdrawn or renamed? Check the id in "
                    "data/kpi_catalogue.csv; not fetched")
        if self.status == "unchecked":
            return "not in the committed metadata extract and the raw v3 metadata is not at hand: not checked"
        return "published"


def _raw_table(raw_dir=None):
    raw_dir = raw_dir or (config.data_dir() / M.RAW_METADATA_DIR)
    table = M.read_raw_metadata(raw_dir)
    table = table.assign(id=table["id"].astype(str).str.strip().str.upper())
    return table.drop_duplicates("id").set_index("id")


def check_kpis(kpis, raw_dir=None, extract=None) -> dict[str, KpiStatus]:
    """Status of each id in Kolada's v3 metadata (the committed extract first, then the raw table)."""
    table = M.load_kpi_metadata(extract) if extract else M.load_kpi_metadata()
    out: dict[str, KpiStatus] = {}
    rest = []
    for k in kpis:
        kid = k.upper()
        if kid in table.index:
            row = table.loc[kid]
            last = int(row["discontinued_after"]) if row["discontinued_after"] else None
            out[kid] = KpiStatus(kid, "discontinued" if last else "published", row["title"], last)
        else:
            rest.append(kid)
    if rest:
        try:
            raw = _raw_table(raw_dir)
        except DataError:
            raw = None
        for kid in rest:
            if raw is None:
                out[kid] = KpiStatus(kid, "unchecked")
            elif kid not in raw.index:
                out[kid] = KpiStatus(kid, "unknown")
            else:
                title = str(raw.loc[kid, "title"])
                last = M.discontinued_year(title)
                out[kid] = KpiStatus(kid, "discontinued" if last else "published", title, last)
    return out
