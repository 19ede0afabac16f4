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


# ------------------------------------------------------------------ real recorded answers (v1 and API 2)
def _real(name):
    return json.loads(text(f"scb-pxweb/{name}"))


def test_v1_parser_on_a_real_answer():
    cells = P.parse_v1(_real("v1_BefolkningNy_data.json"), "v1")
    assert len(cells) == 12
    assert cells[0] == ({"Civilstand": "OG", "Tid": "2015"}, "BE0101N1", "5157443")
    assert all(set(keys) == {"Civilstand", "Tid"} and col == "BE0101N1" and raw.isdigit() for keys, col, raw in cells)
    meta = _real("v1_BefolkningNy_meta.json")
    assert "Region" in [v["code"] for v in meta["variables"]]  # the metadata shape plan_query reads
    region = P._variable(meta, "Region", "v1")
    assert len(region["values"]) == len(region["valueTexts"]) > 290


def test_jsonstat2_parser_on_a_real_answer():
    payload = _real("v2_TAB638_data.json")
    dims = P.jsonstat2_dimensions(payload, "v2")
    assert list(dims) == ["Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid"]
    assert dims["Region"] == (["00"], ["Riket"]) and dims["ContentsCode"][0] == ["BE0101N1"]
    cells = P.parse_jsonstat2(payload, "v2")
    assert cells == [({"Region": "00", "Civilstand": "OG", "Alder": "0", "Kon": "1", "ContentsCode": "BE0101N1",
                       "Tid": "2024"}, 50937)]
    assert _real("v2_config.json")["defaultDataFormat"] == "json-stat2"


def test_jsonstat2_row_major_order_and_missing_values():
    payload = {"version": "2.0", "class": "dataset", "id": ["Region", "ContentsCode", "Tid"], "size": [2, 1, 2],
               "dimension": {"Region": {"category": {"index": {"0184": 1, "0114": 0}}},
                             "ContentsCode": {"category": {"index": ["OE0101D2"]}},
                             "Tid": {"category": {"index": {"2023": 0, "2024": 1}}}},
               "value": [20.0, 20.1, None, 17.3]}
    rows = P.parse_data_v2(payload, {"OE0101D2": "SCB_TAX_MUNICIPAL"}, "v2")
    assert rows == [("0114", 2023, "SCB_TAX_MUNICIPAL", 20.0), ("0114", 2024, "SCB_TAX_MUNICIPAL", 20.1),
                    ("0184", 2024, "SCB_TAX_MUNICIPAL", 17.3)]
    payload["value"] = [1.0, 2.0, 3.0]
    with pytest.raises(H.SchemaError, match="3 values for 4 cells"):
        P.parse_jsonstat2(payload, "v2")
    payload["value"] = {"0": 1.0, "3": 2.0}  # the sparse form
    assert [v for _, v in P.parse_jsonstat2(payload, "v2")] == [1.0, None, None, 2.0]
    with pytest.raises(H.SchemaError, match="not a json-stat2 dataset"):
        P.parse_jsonstat2({"columns": [], "data": []}, "v2")


def _as_jsonstat2(v1_meta, v1_data=None):
    """The v1 OE0101 recordings re-expressed as API 2 json-stat2 (metadata, or data)."""
    dims = {v["code"]: {"label": v["text"], "category": {"index": {c: i for i, c in enumerate(v["values"])},
                                                          "label": dict(zip(v["values"], v["valueTexts"]))}}
            for v in v1_meta["variables"]}
    order = ["Region", "ContentsCode", "Tid"]
    if v1_data is None:
        return {"version": "2.0", "class": "dataset", "id": order, "size": [len(dims[d]["category"]["index"]) for d in order],
                "dimension": dims, "value": None}
    cells = {(k["Region"], col, k["Tid"]): raw for k, col, raw in P.parse_v1(v1_data)}
    regions = sorted({r for r, _, _ in cells})
    contents = sorted({c for _, c, _ in cells})
    years = sorted({t for _, _, t in cells})
    sub = {"Region": regions, "ContentsCode": contents, "Tid": years}
    values = [None if cells.get((r, c, t), "..") == ".." else float(cells[(r, c, t)])
              for r in regions for c in contents for t in years]
    return {"version": "2.0", "class": "dataset", "id": order, "size": [len(sub[d]) for d in order],
            "dimension": {d: {"category": {"index": {c: i for i, c in enumerate(sub[d])}}} for d in order},
            "value": values}


def test_tax_rates_through_api_2(monkeypatch):
    base = "https://statistikdatabasen.scb.se/api/v2"
    monkeypatch.setenv(P.V2_TABLE_ENV_VAR, "TAB9999")
    meta, data = json.loads(text("scb_oe0101_meta.json")), json.loads(text("scb_oe0101_data.json"))
    t = FakeTransport()
    t.add("GET", f"{base}/tables/TAB9999/metadata?lang=sv&outputFormat=json-stat2", H.Response(200, json.dumps(_as_jsonstat2(meta)), ""))
    t.add("POST", f"{base}/tables/TAB9999/data?lang=sv&outputFormat=json-stat2",
          H.Response(200, json.dumps(_as_jsonstat2(meta, data)), ""))
    df, url = P.fetch_tax_rates_any(http(t), CODES)
    assert url.startswith(base) and not any("api.scb.se" in u for _, u, _ in t.calls)
    body = t.calls[-1][2]
    assert {s["variableCode"] for s in body["selection"]} == {"Region", "ContentsCode", "Tid"}
    v1 = P.fetch_tax_rates(http(standard_routes()), CODES)
    pd_cols = ["kpi", "municipality", "year"]
    assert df.sort_values(pd_cols).reset_index(drop=True).equals(v1.sort_values(pd_cols).reset_index(drop=True))


def test_api_2_failure_falls_back_to_v1_and_says_so(monkeypatch):
    monkeypatch.delenv(P.V2_TABLE_ENV_VAR, raising=False)
    logged = []
    client = H.HttpClient(standard_routes(), sleep=lambda s: None, intervals={}, log=logged.append)
    df, url = P.fetch_tax_rates_any(client, CODES)
    assert url == P.TAX_TABLE_URL and not df.empty
    assert any("SCB PxWeb API 2 failed" in m and "falling back to API v1" in m for m in logged)
