"""solna-sundbyberg: caveats computed for the text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...methods import matching as M
from ...methods import solna as S
from .claims_comparison import outranking_units
from .design import PRE_END, SYNTH_OUTCOMES, synthetic
from .figures import balance_table


# ------------------------------------------------------------------ caveats computed for the text
def series_outliers(kpi: str, code: str = S.SOLNA, threshold: float = 0.5, data_dir=None) -> pd.DataFrame:
    """Years whose log value differs by more than ``threshold`` from the mean log of the years
    either side (nearest available), with the missing years inside the series."""
    s = S.series_of(kpi, code, data_dir)
    logs = np.log(s[s > 0])
    rows = []
    for i in range(1, len(logs) - 1):
        ref = (logs.iloc[i - 1] + logs.iloc[i + 1]) / 2
        dev = float(logs.iloc[i] - ref)
        if abs(dev) > threshold:
            rows.append({"year": int(logs.index[i]), "value": float(s.iloc[i]), "before": int(logs.index[i - 1]),
                         "value before": float(s.iloc[i - 1]), "after": int(logs.index[i + 1]),
                         "value after": float(s.iloc[i + 1]), "log deviation": dev})
    out = pd.DataFrame(rows)
    out.attrs["missing"] = [y for y in range(int(s.index.min()), int(s.index.max()) + 1) if y not in s.index]
    return out


def outlier_sensitivity(kpi: str = "N31004", data_dir=None) -> tuple[pd.DataFrame, M.Placebo | None]:
    """Solna's outlier years in ``kpi`` and the placebo test re-run without them (None if none)."""
    out = series_outliers(kpi, data_dir=data_dir)
    if out.empty:
        return out, None
    sy = synthetic(kpi, data_dir)
    logs = np.log(sy.panel.drop(index=[y for y in out["year"] if y in sy.panel.index]))
    pre = [y for y in logs.index if y <= PRE_END]
    return out, M.placebo_test(logs, S.SOLNA, pre)


def synthetic_caveats(data_dir=None) -> str:
    """Computed caveats of the synthetic comparison: outliers, who outranks Solna, covariate imbalance."""
    lines = []
    out, pl = outlier_sensitivity("N31004", data_dir)
    sy = synthetic("N31004", data_dir)
    if not out.empty:
        desc = "; ".join(f"{r['year']}: {r['value']:.1f} kr against {r['value before']:.0f} in {r['before']} and "
                         f"{r['value after']:.0f} in {r['after']}" for r in out.to_dict("records"))
        miss = out.attrs["missing"]
        lines.append(f"- **Outlier.** Solna's N31004 has an isolated low value ({desc})"
                     + (f"; {', '.join(map(str, miss))} is missing" if miss else "")
                     + f". Without {', '.join(str(y) for y in out['year'])} the placebo test gives p = {pl.p_value:.2f} "
                     f"(rank {pl.rank} of {len(pl.ratios)}), "
                     + ("the same as with it." if (pl.rank, round(pl.p_value, 3)) == (sy.placebo.rank, round(sy.placebo.p_value, 3))
                        else f"against p = {sy.placebo.p_value:.2f} (rank {sy.placebo.rank}) with it."))
    for kpi in SYNTH_OUTCOMES:
        s = synthetic(kpi, data_dir)
        above = outranking_units(s, data_dir)
        lines.append(f"- **Placebo ranking, {kpi}.** Units whose post/pre RMSPE ratio is at least Solna's: "
                     f"{', '.join(above) or 'none'}.")
    bal = balance_table(data_dir).set_index("covariate (baseline)")
    off = bal["std diff Solna − synthetic"]
    big = off[off.abs() > 1]
    lines.append("- **Covariate balance.** The covariate-weighted synthetic Solna differs from Solna by more than 1 "
                 "national SD on " + (", ".join(f"{k} ({v:+.1f} SD)" for k, v in big.items()) if len(big) else "no covariate")
                 + ", so the dotted line is an imperfect comparison.")
    return "\n".join(lines)
