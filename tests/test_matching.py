"""Matching and synthetic comparisons recover planted units in simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError, UnknownKPIError, UnknownMunicipalityError
from analysis.methods import matching as M


def _covariates(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, 4)), columns=list("abcd"), index=[f"u{i:02d}" for i in range(n)])


def test_nearest_neighbour_recovers_planted_twin():
    X = _covariates()
    X.loc["T"] = X.loc["u17"] + 0.01  # the treated unit is a near copy of u17
    for metric in M.METRICS:
        nn = M.nearest_neighbours(X, "T", k=5, metric=metric)
        assert nn.index[0] == "u17"
        assert list(nn["rank"]) == [1, 2, 3, 4, 5]
        assert nn["distance"].is_monotonic_increasing
    assert M.rank_of(X, "T", "u17")[0] == 1
    assert "u17" not in M.nearest_neighbours(X, "T", k=3, exclude=["u17"]).index


def test_euclidean_distance_known_answer():
    X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0.0, 0.0, 0.0, 1.0]}, index=list("ABCD"))
    d = M.distances(X, "A")
    z = (X - X.mean()) / X.std()
    assert d["C"] == pytest.approx(abs(z.loc["C", "x"] - z.loc["A", "x"]))
    assert d["A"] == 0


def test_bad_inputs():
    X = _covariates()
    with pytest.raises(DataError, match="no complete covariates"):
        M.distances(X, "nope")
    with pytest.raises(ValueError):
        M.distances(X, "u01", metric="manhattan")
    with pytest.raises(DataError, match="Only"):
        M.nearest_neighbours(X, "u01", k=100)
    flat = X.assign(e=1.0)
    with pytest.raises(DataError, match="without variation"):
        M.standardize(flat)


def test_balance_of_a_weighted_comparison():
    X = pd.DataFrame({"x": [2.0, 0.0, 4.0, 10.0]}, index=list("TABC"))
    b = M.balance(X, "T", ["A", "B"], weights=[0.5, 0.5])
    assert b.loc["x", "comparison"] == pytest.approx(2.0)
    assert b.loc["x", "std diff"] == pytest.approx(0.0)
    with pytest.raises(ValueError):
        M.balance(X, "T", ["A", "B"], weights=[0.5, 0.6])


def test_departure_year():
    gap = pd.Series([0.0, -0.1, -2.0, 0.5, -2.0, -3.0, -4.0], index=range(2000, 2007))
    assert M.departure_year(gap, band=1.0) == 2004
    assert M.departure_year(gap, band=5.0) is None
    assert M.departure_year(gap, band=1.0, start=2005) == 2005


# ------------------------------------------------------------------ synthetic comparison (shared estimator)
def _planted_panel(effect=-3.0, event=2010, seed=3):
    """Treated = 0.6·A + 0.4·B before ``event``, plus ``effect`` afterwards; other donors are noise."""
    rng = np.random.default_rng(seed)
    years = range(1995, 2021)
    t = np.arange(len(years))
    donors = {f"D{j}": 10 + rng.normal(size=len(t)).cumsum() + j for j in range(8)}
    donors["A"] = 8 + 0.3 * t + np.sin(t)
    donors["B"] = 14 - 0.2 * t + np.cos(t / 2)
    panel = pd.DataFrame(donors, index=list(years))
    treated = 0.6 * panel["A"] + 0.4 * panel["B"]
    treated[panel.index >= event] += effect
    return pd.concat([treated.rename("T"), panel], axis=1)


def test_synthetic_path_recovers_planted_weights_and_effect():
    pytest.importorskip("analysis.methods.synth")
    panel = _planted_panel()
    pre = [y for y in panel.index if y < 2010]
    w, synthetic = M.synthetic_path(panel, "T", pre)
    assert w["A"] == pytest.approx(0.6, abs=0.05) and w["B"] == pytest.approx(0.4, abs=0.05)
    assert w.sum() == pytest.approx(1.0) and (w >= -1e-12).all()
    gap = panel["T"] - synthetic
    assert gap.loc[2010:].mean() == pytest.approx(-3.0, abs=0.3)
    assert gap.loc[:2009].abs().max() < 0.3


def test_placebo_ranks_the_planted_unit_first():
    pytest.importorskip("analysis.methods.synth")
    panel = _planted_panel(effect=-4.0)
    pre = [y for y in panel.index if y < 2010]
    plac = M.placebo_test(panel, "T", pre)
    assert plac.rank == 1
    assert plac.p_value == pytest.approx(1 / panel.shape[1])
    assert plac.n_below >= 1 and plac.p_below == pytest.approx(1 / plac.n_below)
    assert set(plac.gaps.columns) == set(panel.columns)


def test_covariate_weights_recover_a_convex_combination():
    pytest.importorskip("analysis.methods.synth")
    X = _covariates(n=30, seed=5)
    X.loc["T"] = 0.7 * X.loc["u03"] + 0.3 * X.loc["u11"]
    w = M.covariate_weights(X, "T", [c for c in X.index if c != "T"])
    assert w.sum() == pytest.approx(1.0)
    assert w["u03"] == pytest.approx(0.7, abs=0.05) and w["u11"] == pytest.approx(0.3, abs=0.05)


def test_synthetic_path_needs_pre_years_and_donors():
    pytest.importorskip("analysis.methods.synth")
    panel = _planted_panel()
    with pytest.raises(DataError, match="pre-period"):
        M.synthetic_path(panel, "T", [1995])
    with pytest.raises(DataError, match="No donors"):
        M.synthetic_path(panel[["T"]], "T", list(range(1995, 2005)))


# ------------------------------------------------------------------ real data
def test_outcome_panel_and_covariates(real_data_dir):
    X = M.covariate_frame(data_dir=real_data_dir)
    assert "0184" in X.index and X.notna().all().all()
    p = M.outcome_panel("N31807", ["0184", "0183", "0180"], range(1994, 2023), real_data_dir)
    assert p.columns[0] == "0184" and p["0184"].notna().all()
    with pytest.raises(UnknownMunicipalityError):
        M.outcome_panel("N31807", ["0184", "9999"], range(1994, 2023), real_data_dir)
    with pytest.raises(UnknownKPIError):
        M.outcome_panel("N3180", ["0184"], range(1994, 2023), real_data_dir)
    with pytest.raises(DataError, match="No values"):
        M.outcome_panel("N31807", ["0184"], range(1900, 1910), real_data_dir)
