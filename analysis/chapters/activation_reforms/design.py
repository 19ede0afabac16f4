"""activation-reforms: everything the chapter computes, once per data folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from ...config import data_dir as resolve_data_dir
from ...errors import DataError
from .checks import rank_summary, ranking_sensitivity
from .panels import EVENT, EVENTS, LAST, PRIMARY, level_panel, run
from .threats import threats


# ------------------------------------------------------------------ the design
@dataclass
class Design:
    runs: dict  # (outcome key, event key) → Run
    threats: dict  # event key → list[Threat]
    last_year: int
    ranking: dict = field(default_factory=dict)  # kpi → rank summary 2012→2021
    sensitivity: dict = field(default_factory=dict)  # kpi → DataFrame
    data_dir: str | None = None


RUN_PLAN = {
    "N31001": ("vaxjo2012", "vaxjo2015", "skurup2019"),
    "N31004": ("vaxjo2012", "vaxjo2015", "skurup2019"),
    "N31807": ("vaxjo2012", "vaxjo2015", "skurup2019"),
    "N31816": ("vaxjo2015", "skurup2019"),
    "HH": ("skurup2019",),
    "N00903": ("vaxjo2012", "skurup2019"),
}


@lru_cache(maxsize=2)
def design(data_dir: str | None = None, progress: bool = False) -> Design:
    data_dir = str(resolve_data_dir(data_dir)) if data_dir is not None else None
    last = int(level_panel(PRIMARY, data_dir).index.max())
    if last != LAST:
        raise DataError(f"{PRIMARY} ends in {last}, the chapter's text assumes {LAST}; update LAST and the text")
    runs = {}
    for key, events in RUN_PLAN.items():
        for ek in events:
            if progress:
                print(f"[activation-reforms] {key} × {EVENT[ek].label}", flush=True)
            runs[(key, ek)] = run(key, EVENT[ek], data_dir)
    th = {e.key: threats(runs, e, data_dir) for e in EVENTS}
    ranking = {k: rank_summary(k, 2012, 2021, data_dir=data_dir) for k in ("N31001", "N31004")}
    sens = {k: ranking_sensitivity(k, data_dir) for k in ("N31001", "N31004")}
    return Design(runs, th, last, ranking, sens, data_dir)
