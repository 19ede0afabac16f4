"""The DEA solver against scores computed by hand, against a naive LP over all units, and
its refusals of bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from analysis.errors import DataError
from analysis.methods.dea import dea, dea_by_year, non_dominated


def test_two_inputs_one_output_textbook_example():
    """Cooper, Seiford & Tone (2007, ch. 3): six stores A–F, inputs (x1, x2), one unit of output.

    With equal outputs CRS and VRS coincide. Frontier: E(2,4) – D(4,2) – C(8,1).
    By hand (θ shrinks the input vector along its ray until it meets the frontier):

    * A(4,3): the ray t·(4,3) meets segment D–E, points λ·(2,4) + (1−λ)·(4,2) = (4−2λ, 2+2λ):
      4t = 4 − 2λ and 3t = 2 + 2λ; adding, 7t = 6, so θ_A = 6/7 ≈ 0.8571;
    * B(7,3): the ray meets segment D–C, (8−4λ, 1+λ): 7t = 8 − 4λ and 3t = 1 + λ, so
      λ = 3t − 1 and 7t = 12 − 12t, θ_B = 12/19 ≈ 0.6316;
    * C, D, E are vertices: θ = 1; F(10,1) is weakly efficient: its ray meets the frontier
      only at the horizontal part through C(8,1), so θ_F = 1 with 2 units of slack in x1.
    """
    units = list("ABCDEF")
    x = pd.DataFrame({"x1": [4, 7, 8, 4, 2, 10], "x2": [3, 3, 1, 2, 4, 1]}, index=units, dtype=float)
    y = pd.DataFrame({"y": np.ones(6)}, index=units)
    expected = pd.Series([6 / 7, 12 / 19, 1, 1, 1, 1], index=units)
    for returns in ("crs", "vrs"):
        res = dea(x, y, returns)
        pd.testing.assert_series_equal(res.scores, expected, check_names=False, atol=1e-7)
    # A's peers: 4t = 4 − 2λ with t = 6/7 gives λ_E = 2/7 and λ_D = 5/7
    peers = dea(x, y).peers["A"]
    assert set(peers) == {"D", "E"}
    assert peers["D"] == pytest.approx(5 / 7) and peers["E"] == pytest.approx(2 / 7)


def test_one_input_one_output_vrs_vs_crs():
    """One input x, one output y: A(2,1), B(4,3), C(8,5), D(6,2), E(9,4).

    VRS frontier (convex hull, then free disposal): A → B (slope 1) → C (slope 1/2).
    * D needs y = 2: on A–B at x = 3, θ_D = 3/6 = 0.5;
    * E needs y = 4: on B–C at x = 4 + (4−3)/(5−3)·4 = 6, θ_E = 6/9 = 2/3;
    * A, B, C are on the frontier: θ = 1.
    CRS frontier: the ray of the best ratio y/x = 3/4 (B); θ_o = (y_o/x_o)/(3/4):
    A 2/3, B 1, C 5/6, D 4/9, E 16/27.
    """
    units = list("ABCDE")
    x = pd.DataFrame({"x": [2, 4, 8, 6, 9]}, index=units, dtype=float)
    y = pd.DataFrame({"y": [1, 3, 5, 2, 4]}, index=units, dtype=float)
    vrs = dea(x, y, "vrs").scores
    crs = dea(x, y, "crs").scores
    assert vrs.to_numpy() == pytest.approx([1, 1, 1, 0.5, 2 / 3], abs=1e-8)
    assert crs.to_numpy() == pytest.approx([2 / 3, 1, 5 / 6, 4 / 9, 16 / 27], abs=1e-8)
    assert (crs <= vrs + 1e-12).all()  # CRS is the stricter frontier


def _naive(X, Y, returns):
    """Per-unit envelopment LP over all units (no screening, no batching)."""
    n = len(X)
    out = []
    for o in range(n):
        c = np.r_[1.0, np.zeros(n)]
        a_ub = np.r_[np.c_[-X[o][:, None], X.T], np.c_[np.zeros((Y.shape[1], 1)), -Y.T]]
        b_ub = np.r_[np.zeros(X.shape[1]), -Y[o]]
        kw = {"A_eq": np.r_[0.0, np.ones(n)][None, :], "b_eq": [1.0]} if returns == "vrs" else {}
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs", **kw)
        out.append(res.x[0])
    return np.array(out)


@pytest.mark.parametrize("returns", ["vrs", "crs"])
def test_screening_and_batching_do_not_change_scores(returns):
    rng = np.random.default_rng(7)
    X = rng.uniform(1, 5, (60, 2))
    Y = rng.uniform(0.5, 3, (60, 2))
    Y[3] = 0.0  # a unit producing nothing
    X[10], Y[10] = X[11], Y[11]  # an exact duplicate
    idx = [f"u{i}" for i in range(60)]
    batch = dea(pd.DataFrame(X, index=idx), pd.DataFrame(Y, index=idx), returns).scores.to_numpy()
    each = dea(pd.DataFrame(X, index=idx), pd.DataFrame(Y, index=idx), returns, batch=False).scores.to_numpy()
    naive = _naive(X, Y, returns)
    assert batch == pytest.approx(naive, abs=1e-7)
    assert each == pytest.approx(naive, abs=1e-7)


def test_non_dominated():
    X = np.array([[1.0], [2.0], [2.0], [1.0]])
    Y = np.array([[1.0], [1.0], [3.0], [1.0]])  # unit 1 dominated by 0; unit 3 duplicates 0
    assert non_dominated(X, Y).tolist() == [0, 2]


def test_bad_input_is_refused():
    x = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    y = pd.DataFrame({"y": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="strictly positive"):
        dea(x.assign(x=[1.0, 0.0, 3.0]), y)
    with pytest.raises(DataError, match="missing"):
        dea(x.assign(x=[1.0, np.nan, 3.0]), y)
    with pytest.raises(DataError, match="non-negative"):
        dea(x, y.assign(y=[1.0, -1.0, 3.0]))
    with pytest.raises(DataError, match="zero for every unit"):
        dea(x, y.assign(y=0.0))
    with pytest.raises(ValueError, match="returns"):
        dea(x, y, "irs")
    with pytest.raises(ValueError, match="same units"):
        dea(x, y.set_axis([5, 6, 7]))


def test_dea_by_year_needs_enough_units():
    """2020: five units on the line y = x, all on the VRS frontier; 2021: one complete unit."""
    frame = pd.DataFrame({"municipality": list("abcde") * 2, "year": [2020] * 5 + [2021] * 5,
                          "x": np.arange(1.0, 11.0), "y": np.r_[np.arange(1.0, 6.0), [np.nan] * 4, 1.0]})
    ok = dea_by_year(frame[frame["year"] == 2020], ["x"], ["y"], min_units=5)
    assert ok["score"].to_numpy() == pytest.approx([1, 1, 1, 1, 1])
    with pytest.raises(DataError, match="2021: only 1 units"):
        dea_by_year(frame, ["x"], ["y"], min_units=5)
    with pytest.raises(DataError, match="lack columns"):
        dea_by_year(frame, ["cost"], ["y"])
