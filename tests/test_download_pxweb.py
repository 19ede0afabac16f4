"""SCB PxWeb client for the tax rates (OE0101): query plan, parsing, validation. Offline."""

from __future__ import annotations

import json

import pytest

from analysis.errors import DataError
from analysis.sources.download import http as H
from analysis.sources.download import pxweb as P
from tests.recordings.fake_transport import FakeTransport, block_network, ok, standard_routes, text


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    block_network(monkeypatch)

CODES = frozenset({"0114", "0184", "0780"})


def http(t):
    return H.HttpClient(t, sleep=lambda s: None, intervals={})


def test_tax_rates_tidy():
    t = standard_routes()
    df = P.fetch_tax_rates(http(t), CODES)
    assert list(df.columns) == ["municipality", "year", "kpi", "value"]
    assert set(df["kpi"]) == set(P.MEASURES)
    assert "01" not in set(df["municipality"])  # the county row is not a municipality
    assert "0000" in set(df["municipality"])  # SCB's Riket '00'
    solna = df[(df["municipality"] == "0184") & (df["year"] == 2024)].set_index("kpi")["value"]
    assert solna["SCB_TAX_MUNICIPAL"] == 17.30 and solna["SCB_TAX_REGIONAL"] == 12.33
    vaxjo = df[(df["municipality"] == "0780") & (df["year"] == 2024)]
    assert set(vaxjo["kpi"]) == {"SCB_TAX_MUNICIPAL"}  # '..' cells are missing, not zero
    method, url, body = t.calls[-1]
    assert method == "POST" and body["response"] == {"format": "json"}
    region = next(q for q in body["query"] if q["code"] == "Region")["selection"]
    assert region["filter"] == "item" and "01" not in region["values"]


def test_contents_matched_by_text_not_by_assumed_codes():
    meta = json.loads(text("scb_oe0101_meta.json"))
    meta["variables"][1]["valueTexts"] = ["Skattesats, total kommunal", "Skattesats till kommun", "Kyrkoavgift"]
    with pytest.raises(H.SchemaError, match="expected total, municipal and regional"):
        P.plan_query(meta, CODES)


def test_older_landsting_wording_is_accepted():
    meta = json.loads(text("scb_oe0101_meta.json"))
    meta["variables"][1]["valueTexts"][2] = "Skattesats till landsting"
    measures, _, _ = P.plan_query(meta, CODES)
    assert measures["OE0101D3"] == "SCB_TAX_REGIONAL"


def test_missing_municipality_in_table():
    with pytest.raises(H.SchemaError, match="1 municipalities missing.*2584"):
        P.plan_query(json.loads(text("scb_oe0101_meta.json")), CODES | {"2584"})


def test_metadata_without_variables():
    with pytest.raises(H.SchemaError, match="variables"):
        P.plan_query({"title": "x"}, CODES)


def test_queries_split_below_the_cell_limit(monkeypatch):
    monkeypatch.setattr(P, "MAX_CELLS", 20)
    bodies = P.build_queries({"a": 1, "b": 2, "c": 3}, ["0114", "0184", "0780"], ["2021", "2022", "2023", "2024"])
    years = [next(q for q in b["query"] if q["code"] == "Tid")["selection"]["values"] for b in bodies]
    assert years == [["2021", "2022"], ["2023", "2024"]]  # 9 cells per year, at most 20 per call


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d.pop("columns"), "'columns' and 'data'"),
    (lambda d: d["data"].append({"key": ["0114"], "values": ["1", "2", "3"]}), "does not match the columns"),
    (lambda d: d["data"].append({"key": ["0114", "2025"], "values": ["31,75x", "1", "1"]}), "non-numeric"),
    (lambda d: d["columns"].append({"code": "BE0101N1", "text": "Folkmängd", "type": "c"}), "unexpected content"),
])
def test_malformed_data(mutate, match):
    data = json.loads(text("scb_oe0101_data.json"))
    mutate(data)
    measures = {"OE0101D1": "SCB_TAX_TOTAL", "OE0101D2": "SCB_TAX_MUNICIPAL", "OE0101D3": "SCB_TAX_REGIONAL"}
    with pytest.raises(H.SchemaError, match=match):
        P.parse_data(data, measures)


def test_403_too_many_values_is_not_retried():
    t = standard_routes()
    t.add("POST", P.TAX_TABLE_URL, H.Response(403, "", ""))
    with pytest.raises(H.HttpError, match="403"):
        P.fetch_tax_rates(http(t), CODES)
    assert sum(m == "POST" for m, _, _ in t.calls) == 1


def test_read_tax_rates_needs_make_data(tmp_path):
    with pytest.raises(DataError, match="make data"):
        P.read_tax_rates(tmp_path)


def test_read_tax_rates_roundtrip(tmp_path):
    df = P.fetch_tax_rates(http(standard_routes()), CODES)
    (tmp_path / "scb").mkdir()
    df.to_csv(tmp_path / P.CACHE_FILE, index=False)
    back = P.read_tax_rates(tmp_path)
    assert back["municipality"].str.fullmatch(r"\d{4}").all() and len(back) == len(df)


def test_recordings_are_valid_json():
    for name in ("scb_oe0101_meta.json", "scb_oe0101_data.json"):
        json.loads(text(name))
    assert FakeTransport().add("GET", "u", ok("scb_oe0101_meta.json"))
