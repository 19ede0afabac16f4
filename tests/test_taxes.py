"""Deriving the municipal tax rate from total rates: synthetic counties with planted
municipal and regional changes (known answers), the documented blind spot (a tax swap),
ties, Gotland, and clear errors for missing inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.sources import kolada
from analysis.sources import taxes as T

YEARS = [2021, 2022, 2023, 2024]
COUNTY = pd.Series({"a1": "A", "a2": "A", "a3": "A", "a4": "A", "g1": "G"})


def _frames():
    """County A: region 10.00 (anchor 2022), +0.50 in 2023; a3 raises its own rate by
    0.20 in 2023, a2 cuts 0.30 in 2024. G: one municipality without a regional tax."""
    municipal = pd.DataFrame({2021: [20.0, 21.0, 22.0, 19.0, 33.0], 2022: [20.0, 21.0, 22.0, 19.0, 33.5]},
                             index=list(COUNTY.index))
    region = {2021: 10.0, 2022: 10.0, 2023: 10.5, 2024: 10.5}
    own = {  # municipal rates the derivation must recover
        2023: {"a1": 20.0, "a2": 21.0, "a3": 22.2, "a4": 19.0, "g1": 33.5},
        2024: {"a1": 20.0, "a2": 20.7, "a3": 22.2, "a4": 19.0, "g1": 34.0},
    }
    totals = pd.DataFrame(index=list(COUNTY.index), columns=YEARS, dtype=float)
    for m in COUNTY.index:
        for y in YEARS:
            mun = municipal.loc[m, y] if y in municipal.columns else own[y][m]
            totals.loc[m, y] = round(mun + (0.0 if COUNTY[m] == "G" else region[y]), 2)
    return totals, municipal, own, region


def test_regional_rates_recovered():
    totals, municipal, _, region = _frames()
    reg = T.infer_regional_rates(totals, municipal, COUNTY, 2022).set_index(["county", "year"])
    for y in YEARS:
        assert reg.loc[("A", y), "regional"] == pytest.approx(region[y])
        assert reg.loc[("G", y), "regional"] == 0.0
    assert reg.loc[("A", 2023), "agreeing share"] == pytest.approx(0.75)  # a3 moved its own rate too
    assert reg.loc[("G", 2024), "how"] == "no regional tax"


def test_municipal_rates_recovered():
    totals, municipal, own, _ = _frames()
    d = T.derive_municipal_rates(totals, municipal, COUNTY, 2022).set_index(["municipality", "year"])
    for y, rates in own.items():
        for m, rate in rates.items():
            assert d.loc[(m, y), "municipal"] == pytest.approx(rate), (m, y)
            assert d.loc[(m, y), "source"] == T.SOURCE_DERIVED
    assert d.loc[("a1", 2022), "source"] == T.SOURCE_KOLADA


def test_known_rate_used_when_total_missing():
    totals, municipal, _, _ = _frames()
    totals.loc["a4", 2022] = np.nan  # like Munkfors in the 2022 file
    d = T.derive_municipal_rates(totals, municipal, COUNTY, 2022).set_index(["municipality", "year"])
    assert d.loc[("a4", 2022), "municipal"] == 19.0
    assert d.loc[("a4", 2023), "municipal"] == pytest.approx(19.0)  # region still followed from the others


def test_tax_swap_is_invisible_in_totals():
    """The documented failure case: municipalities −0.10, region +0.10, totals unchanged."""
    totals, municipal, _, _ = _frames()
    totals[2024] = totals[2023]
    d = T.derive_municipal_rates(totals, municipal, COUNTY, 2022).set_index(["municipality", "year"])
    assert d.loc[("a1", 2024), "municipal"] == pytest.approx(20.0)  # truth after the swap would be 19.90


def test_tie_resolved_towards_no_regional_change():
    county = pd.Series({"b1": "B", "b2": "B"})
    municipal = pd.DataFrame({2022: [20.0, 21.0]}, index=["b1", "b2"])
    totals = pd.DataFrame({2022: [30.0, 31.0], 2023: [30.4, 31.0]}, index=["b1", "b2"])
    reg = T.infer_regional_rates(totals, municipal, county, 2022).set_index("year")
    assert bool(reg.loc[2023, "tie"]) and reg.loc[2023, "regional"] == pytest.approx(10.0)


def test_backtest_scores_known_years():
    totals, municipal, _, _ = _frames()
    known = municipal.copy()
    known[2023] = [20.0, 21.0, 22.2, 19.0, 33.5]
    bt = T.backtest(totals[[2021, 2022, 2023]], known, COUNTY, 2022, 2023)
    assert len(bt) == 5 and (bt["difference"].abs() < 0.005).all()
    known.loc["a1", 2023] = 20.1  # a disagreement is reported, not hidden
    bt = T.backtest(totals[[2021, 2022, 2023]], known, COUNTY, 2022, 2023).set_index("municipality")
    assert bt.loc["a1", "difference"] == pytest.approx(-0.1)


def test_bad_inputs_fail_clearly():
    totals, municipal, _, _ = _frames()
    with pytest.raises(DataError, match="Anchor year"):
        T.infer_regional_rates(totals, municipal, COUNTY, 2023)
    with pytest.raises(DataError, match="No county"):
        T.infer_regional_rates(totals, municipal, COUNTY.drop("a1"), 2022)
    with pytest.raises(DataError, match="No total rates for 2023"):
        T.infer_regional_rates(totals.drop(columns=[2023]), municipal, COUNTY, 2022)


# ------------------------------------------------------------------ reading the rate files
def _rate_dir(root):
    folder = root / T.TOTAL_RATES_DIR
    folder.mkdir(parents=True)
    return folder


def test_rate_files_missing(scratch_snapshot):
    with pytest.raises(DataError, match="not found"):
        T.load_total_rates(scratch_snapshot)


def test_rate_file_unknown_name(scratch_snapshot):
    folder = _rate_dir(scratch_snapshot)
    doc = {"år": 2024, "kommuner": [{"namn": "Solna", "skattesats": 29.75}, {"namn": "Atlantis", "skattesats": 30.0}]}
    (folder / "församlingar-2024.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match="unknown municipality name 'Atlantis'"):
        T.load_total_rates(scratch_snapshot)


def test_rate_file_duplicate_and_bad_value(scratch_snapshot):
    folder = _rate_dir(scratch_snapshot)
    path = folder / "församlingar-2024.json"
    path.write_text(json.dumps({"år": 2024, "kommuner": [{"namn": "Solna", "skattesats": 29.75}] * 2}), encoding="utf-8")
    with pytest.raises(DataError, match="listed twice"):
        T.load_total_rates(scratch_snapshot)
    path.write_text(json.dumps({"år": 2024, "kommuner": [{"namn": "Solna", "skattesats": 2.975}]}), encoding="utf-8")
    with pytest.raises(DataError, match="implausible"):
        T.load_total_rates(scratch_snapshot)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="not a tax-rate file"):
        T.load_total_rates(scratch_snapshot)


def test_rate_file_parsed(scratch_snapshot):
    folder = _rate_dir(scratch_snapshot)
    doc = {"år": 2024, "kommuner": [{"namn": "Solna", "skattesats": 29.75}, {"namn": "Malung-Sälen", "skattesats": 34.3}]}
    (folder / "församlingar-2024.json").write_text(json.dumps(doc), encoding="utf-8")
    got = T.load_total_rates(scratch_snapshot).set_index("municipality")
    assert got.loc["0184", "total"] == 29.75 and got.loc["2023", "year"] == 2024
    kolada.clear_cache()
