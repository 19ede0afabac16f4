"""Checks on the printed tables of document 003, run on small synthetic tables and rate
frames with known answers; reading the transcriptions fails clearly on bad files."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.sources import seed_tables as P

YEARS = P.YEARS


def _table(rows, kind="decreases", label="Tabell 3"):
    """rows: (code, name, r2022, r2023, r2024, r2025, printed change)."""
    out = pd.DataFrame([{"table": label, "kind": kind, "code": c, "name": n, "printed code": "",
                         2022: a, 2023: b, 2024: d, 2025: e, "printed change": ch} for c, n, a, b, d, e, ch in rows])
    return out


def _panel(rates, totals, regional, county):
    """Tidy panel like taxes.rate_panel from dicts code -> [rates per year]."""
    rows = []
    for code, vals in rates.items():
        for y, v, t, r in zip(YEARS, vals, totals[code], regional[code]):
            rows.append({"municipality": code, "county": county[code], "year": y, "total": t, "regional": r,
                         "municipal": v, "source": "test"})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ arithmetic
def test_row_arithmetic_and_totals():
    tab = _table([("x1", "X1", 20.0, 20.0, 19.8, 19.8, -0.20),
                  ("x2", "X2", 21.0, 20.9, 20.9, 20.7, -0.30),
                  ("x3", "X3", 22.0, 22.0, 22.0, 21.9, -0.20)])  # printed change wrong: should be -0.10
    ra = P.row_arithmetic(tab).set_index("code")
    assert ra.loc["x1", "arithmetic ok"] and ra.loc["x2", "arithmetic ok"] and not ra.loc["x3", "arithmetic ok"]
    assert ra.loc["x2", "years changed"] == [2023, 2025]
    assert ra.loc["x1", "one direction"]
    total = P.table_total(tab)
    assert total == {"rows": 3, "printed sum": -0.70, "computed sum": -0.60, "arithmetic errors": 1}


def test_row_that_changes_direction_is_flagged():
    tab = _table([("x1", "X1", 20.0, 20.5, 20.5, 20.2, 0.20)], kind="increases", label="Tabell 2")
    assert not P.row_arithmetic(tab)["one direction"].iloc[0]


def test_price_index_weighted_sum():
    tab = pd.DataFrame({"labour": [3.0, 5.0], "labour weight": [0.7, 0.6], "other": [10.0, 2.0],
                        "other weight": [0.3, 0.4], "printed total": [5.1, 4.0]}, index=[2022, 2023])
    got = P.price_index_check(tab)
    assert got.loc[2022, "weighted sum"] == pytest.approx(5.1)  # 2.1 + 3.0
    assert got.loc[2023, "weighted sum"] == pytest.approx(3.8) and not got.loc[2023, "rounds to printed"]
    assert (got["weights sum"] == 1.0).all()


def test_cumulative_price_change():
    assert P.cumulative_price_change({2020: 10.0, 2021: 10.0}, 2019, 2021) == pytest.approx(1.21)
    with pytest.raises(DataError, match="No price change"):
        P.cumulative_price_change({2021: 1.0}, 2019, 2021)


# ------------------------------------------------------------------ against the data
def _world():
    """County S (3 municipalities): s1 cut 0.20 in 2024 (printed correctly), s2 printed
    with a wrong 2025 rate. County D (2 municipalities): a 0.01 tax swap in 2024 that
    the totals cannot show; both rows printed as cuts."""
    county = pd.Series({"s1": "S", "s2": "S", "s3": "S", "d1": "D", "d2": "D"})
    rates = {"s1": [20.0, 20.0, 19.8, 19.8], "s2": [21.0, 21.0, 21.0, 21.0], "s3": [22.0, 22.0, 22.0, 22.0],
             "d1": [22.0, 22.0, 22.0, 22.0], "d2": [23.0, 23.0, 23.0, 23.0]}  # derived: swap invisible
    regional = {c: [10.0] * 4 for c in ["s1", "s2", "s3"]} | {c: [11.0] * 4 for c in ["d1", "d2"]}
    totals = {c: [round(r + g, 2) for r, g in zip(rates[c], regional[c])] for c in rates}
    panel = _panel(rates, totals, regional, county)
    tab = _table([("s1", "S1", 20.0, 20.0, 19.8, 19.8, -0.20),
                  ("s2", "S2", 21.0, 21.0, 21.0, 20.9, -0.10),
                  ("d1", "D1", 22.0, 22.0, 21.99, 21.99, -0.01),
                  ("d2", "D2", 23.0, 23.0, 22.99, 22.99, -0.01)])
    return county, panel, tab


def test_compare_and_classify_rows():
    county, panel, tab = _world()
    cmp = P.compare_rows(tab, panel)
    assert cmp.set_index(["code", "year"]).loc[("s2", 2025), "difference"] == pytest.approx(-0.10)
    assert cmp.set_index(["code", "year"]).loc[("d1", 2024), "implied regional"] == pytest.approx(11.01)
    cls = P.classify_rows(cmp, county).set_index("code")
    assert cls.loc["s1", "status"] == "agrees"
    assert cls.loc["s2", "status"] == "disagrees" and "2025" in cls.loc["s2", "note"]
    assert cls.loc["d1", "status"] == "tax swap" and cls.loc["d2", "status"] == "tax swap"
    assert "+0.01 from 2024" in cls.loc["d1", "note"]


def test_swap_needs_every_municipality_of_the_county():
    county, panel, tab = _world()
    county = pd.concat([county, pd.Series({"d3": "D"})])  # a third, unprinted municipality in D
    extra = _panel({"d3": [21.0] * 4}, {"d3": [32.0] * 4}, {"d3": [11.0] * 4}, {"d3": "D"})
    cls = P.classify_rows(P.compare_rows(tab, pd.concat([panel, extra])), county).set_index("code")
    assert cls.loc["d1", "status"] == "disagrees"


def test_completeness_finds_missing_and_misplaced():
    county, panel, tab = _world()
    rates = panel.pivot(index="municipality", columns="year", values="municipal")
    rates.loc["s3"] = [22.0, 22.3, 22.3, 22.3]  # an increase nobody printed
    rates.loc["x9"] = [20.0, 20.5, 20.5, 20.0]  # up and back down: in neither table
    tab.loc[tab["code"] == "s1", "kind"] = "increases"  # a cut printed among increases
    got = P.completeness(tab, rates, {"s3": "S3"}).set_index("code")
    assert got.loc["s3", "problem"] == "missing" and got.loc["s3", "name"] == "S3"
    assert got.loc["s1", "problem"] == "in the wrong table"
    assert got.loc["x9", "problem"].startswith("changed and returned")
    assert got.loc["d1", "problem"] == "printed, but the data show no net change"
    assert got.loc["s2", "problem"] == "printed, but the data show no net change"  # its cut is not in the data
    with pytest.raises(DataError, match="No municipal rates"):
        P.completeness(tab, rates.drop(columns=[2025]), {})


def test_total_burden_relation():
    county, panel, tab = _world()
    panel.loc[(panel["municipality"] == "s1") & (panel["year"] >= 2024), "total"] += 0.5  # region +0.70 hides the cut
    tb = P.total_burden(P.compare_rows(tab, panel)).set_index("code")
    assert tb.loc["s1", "relation"] == "total moved the other way"
    assert tb.loc["d1", "relation"] == "total unchanged"


def test_compare_rows_missing_year_fails():
    county, panel, tab = _world()
    with pytest.raises(DataError, match="No tax rate in the data"):
        P.compare_rows(tab, panel[panel["year"] != 2025])


# ------------------------------------------------------------------ reading the transcriptions
def test_missing_seed_table(tmp_path):
    with pytest.raises(DataError, match="Seed table not found"):
        P.read_seed_csv("nothing.csv", tmp_path)


def test_empty_cell_and_bad_number(tmp_path, real_data_dir):
    name, _ = P.TAX_TABLES["decreases"]
    (tmp_path / name).write_text("Kommun,2022,2023,2024,2025,Höjd skatt sedan 2022\nSolna,17.12,,17.37,17.37,+0.25\n",
                                 encoding="utf-8")
    with pytest.raises(DataError, match="empty cell on line 2"):
        P.tax_table("decreases", tmp_path, real_data_dir)
    (tmp_path / name).write_text("Kommun,2022,2023,2024,2025,Höjd skatt sedan 2022\nSolna,17.12,17,3,17.37,17.37,+0.25\n",
                                 encoding="utf-8")
    with pytest.raises(DataError):
        P.tax_table("decreases", tmp_path, real_data_dir)
    (tmp_path / name).write_text("Kommun,2022,2023,2024,2025,Höjd skatt sedan 2022\nSolna,17.12,x,17.37,17.37,+0.25\n",
                                 encoding="utf-8")
    with pytest.raises(DataError, match="'x' is not a number"):
        P.tax_table("decreases", tmp_path, real_data_dir)


def test_unknown_municipality_in_table(tmp_path, real_data_dir):
    name, _ = P.TAX_TABLES["decreases"]
    (tmp_path / name).write_text("Kommun,2022,2023,2024,2025,Höjd skatt sedan 2022\nSolnaa,1,1,1,1,0\n", encoding="utf-8")
    with pytest.raises(DataError, match="Did you mean Solna"):
        P.tax_table("decreases", tmp_path, real_data_dir)


def test_tax_table_parsed(tmp_path, real_data_dir):
    name, _ = P.TAX_TABLES["increases"]
    (tmp_path / name).write_text("Kommunkod,Kommun,2022,2023,2024,2025,Höjd skatt sedan 2022\n"
                                 "0184,Solna,17.12,17.37,17.37,17.37,+0.25\n", encoding="utf-8")
    t = P.tax_table("increases", tmp_path, real_data_dir).iloc[0]
    assert t["code"] == "0184" and t["printed code"] == "0184" and t[2023] == 17.37 and t["printed change"] == 0.25


# ------------------------------------------------------------------ estimators behind the other claims
def test_efficiency_helpers_recover_planted_effects():
    import numpy as np

    from analysis.chapters.printed_tables import association_verdict
    from analysis.methods import efficiency_groups as E

    rng = np.random.default_rng(7)
    x = pd.Series(rng.normal(size=400))
    group = pd.Series(np.where(np.arange(400) % 2 == 0, "g1", "g2"))
    y = 3.0 - 0.5 * x + np.where(group == "g1", 1.0, 0.0) + rng.normal(scale=0.2, size=400)
    ctrl = pd.get_dummies(group, dtype=float).drop(columns="g2")
    b = E.slope(pd.Series(y), x)
    c = E.slope(pd.Series(y), x, ctrl)
    assert c["CI low"] < -0.5 < c["CI high"] and c["coef"] == pytest.approx(-0.5, abs=0.03)
    assert association_verdict(b, c, -1) == "supported" and association_verdict(b, c, +1) == "contradicted"
    flat = E.slope(pd.Series(rng.normal(size=400)), x)
    assert association_verdict(flat, flat, -1) in ("not supported", "contradicted", "partly supported")
    rho = E.spearman(x, x ** 3)
    assert rho["rho"] == pytest.approx(1.0) and rho["n"] == 400
    d = E.difference(pd.Series(rng.normal(1.0, 0.1, 50)), pd.Series(rng.normal(0.0, 0.1, 60)))
    assert d["CI low"] < 1.0 < d["CI high"] and d["p"] < 1e-6
    m, lo, hi, n = E.t_interval(pd.Series([1.0, 2.0, 3.0]))
    assert (m, n) == (2.0, 3) and lo == pytest.approx(2 - 4.302653 / np.sqrt(3), rel=1e-5)
    with pytest.raises(DataError):
        E.slope(pd.Series([1.0, 2.0]), pd.Series([1.0, 2.0]))


def test_group_means_rank_groups():
    from analysis.methods import efficiency_groups as E

    sc = pd.DataFrame({"rka": [1.0, 1.2, -1.0, -0.8, 0.1, 0.0], "skr_group": ["A2", "A2", "C8", "C8", "B3", "B3"],
                       "skr_group_name": ["a", "a", "c", "c", "b", "b"]})
    g = E.group_means(sc, "rka").set_index("group")
    assert g.loc["A2", "rank"] == 1 and g.loc["C8", "rank"] == 3 and g.loc["A2", "mean"] == pytest.approx(1.1)
    with pytest.raises(KeyError):
        E.group_means(sc, "dea")


def test_trend_and_cumulative_arithmetic():
    from analysis.sources import sector as S

    t = S.trend(pd.Series([1.0, 1.5, 2.0, 2.5], index=[2001, 2002, 2003, 2004]))
    assert t["slope"] == pytest.approx(0.5) and (t["first"], t["last"]) == (2001, 2004)
    with pytest.raises(DataError):
        S.trend(pd.Series([1.0], index=[2001]))


def test_national_total_scales_and_skips_thin_years(scratch_snapshot):
    from analysis.sources import kolada
    from analysis.sources import sector as S
    from tests.conftest import write_kpi

    write_kpi(scratch_snapshot, "N01951", "geo,year,n01951\n0114,2020,100\n0115,2020,200\n0117,2020,300\n"
                                          "0114,2021,100\n0115,2021,200\n0117,2021,300\n")
    # costs are negative in Kolada; 2021 lacks the largest municipality (half the population)
    write_kpi(scratch_snapshot, "N03013", "geo,year,n03013\n0114,2020,-1000\n0115,2020,-1000\n0117,2020,-2000\n"
                                          "0114,2021,-1000\n0115,2021,-1000\n")
    kolada.clear_cache()
    tot = S.national_total("N03013", scratch_snapshot)
    assert list(tot.index) == [2020] and tot.loc[2020] == pytest.approx((100e3 + 200e3 + 600e3) / 1e9)
    assert S.national_total("N03013", scratch_snapshot, min_coverage=0.5).loc[2021] == pytest.approx(600e3 / 1e9)
    share = S.weighted_share("N03013", scratch_snapshot)
    assert share.loc[2020] == pytest.approx((-1000 * 100 - 1000 * 200 - 2000 * 300) / 600)
    with pytest.raises(DataError, match="No population for 1999"):
        S.population_change(1999, 2020, scratch_snapshot)
    kolada.clear_cache()


def test_nacka_table_waits_for_the_live_kpi(tmp_path, monkeypatch, real_data_dir):
    """N15508 is live-only: without it the claim is 'not testable' (saying why); with a
    live-cache file it is checked year by year."""
    from analysis import config
    from analysis.chapters import printed_tables as ch
    from analysis.sources import kolada

    monkeypatch.setenv(config.CACHE_ENV_VAR, str(tmp_path / "empty"))
    kolada.clear_cache()
    r = ch.c097(real_data_dir)
    assert r.verdict == "not testable" and "make data" in r.summary
    live = tmp_path / "live" / "kolada"
    live.mkdir(parents=True)
    (live / "N15508.csv").write_text("municipality,year,kpi,value\n0182,2022,N15508,88.6\n0182,2023,N15508,80.0\n",
                                     encoding="utf-8")
    monkeypatch.setenv(config.CACHE_ENV_VAR, str(tmp_path / "live"))
    kolada.clear_cache()
    try:
        r = ch.c097(real_data_dir)
        by = {c.year_published: c.verdict for c in r.checks}
        assert by == {2022: "supported", 2023: "not supported", 2024: "not testable"}
    finally:
        kolada.clear_cache()


# ------------------------------------------------------------------ chapter rules
def test_year_mismatch_caps_verdicts_both_ways():
    from analysis.chapters import printed_tables as ch
    from analysis.rules import claims as C
    from analysis.rules.claims import Check, ClaimResult

    label = C.claim("C091")["primary"][0]  # the claim's declared primary check, so it decides the verdict

    def result(verdict, year_pub, year_data):
        c = Check(label, 0.5, 1.0, "ratio", year_pub, year_data, verdict, "note")
        return ch._cap_year(ClaimResult("C091", [c], "summary"))

    older = result("not supported", 2024, 2022)
    assert older.verdict == "not testable"  # older data cannot reject a later claim
    assert older.checks[0].verdict == "not testable"  # the check itself is capped (analysis.rules.claims.cap_year) …
    assert "Rule year-mismatch" in older.checks[0].note and "rather than not supported" in older.summary  # … and says so
    assert result("contradicted", 2024, 2022).verdict == "not testable"
    assert result("supported", 2024, 2022).verdict == "partly supported"  # nor verify it
    assert result("supported", 2020, "2019–2021").verdict == "supported"  # the claimed year is inside the window
    same = result("not supported", 2022, 2022)
    assert same.verdict == "not supported" and same.summary == "summary"


def test_grant_windows_start_year_dependence(monkeypatch):
    from analysis.chapters import printed_tables as ch
    from analysis.sources import sector as S

    years = list(range(1998, 2023))
    share = pd.Series([14.6 if y == 1998 else 14.1 if y == 2019 else 16.2 if y == 2022 else 12.0 for y in years],
                      index=years)
    monkeypatch.setattr(S, "grants_share", lambda data_dir=None: pd.DataFrame({"share (%)": share}))
    w = ch.grant_windows().set_index(["from", "to"])["change"]
    assert set(w.index) == {(1998, 2019), (1998, 2022), (2005, 2019), (2005, 2022), (2010, 2019), (2010, 2022)}
    assert w.loc[(1998, 2019)] < 0 < w.loc[(1998, 2022)]  # the sign depends on the end, and on the start
