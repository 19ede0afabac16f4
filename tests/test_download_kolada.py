"""The Kolada v3 client: paging, gender totals, validation of what arrives. Offline."""

from __future__ import annotations

import json

import pytest

from analysis.sources.download import http as H
from analysis.sources.download import kolada as K
from tests.recordings.fake_transport import KOLADA, FakeTransport, block_network, data_url, ok, standard_routes, text


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    block_network(monkeypatch)

KEEP = frozenset({"0114", "0184", "0780", "0000"})
YEARS = (2022, 2024)


@pytest.fixture(autouse=True)
def small_country(monkeypatch):
    monkeypatch.setattr(K, "N_MUNICIPALITIES", 3)  # the recordings hold three municipalities


def http(t):
    return H.HttpClient(t, sleep=lambda s: None, intervals={})


def page(values, next_url=None, **extra):
    body = {"count": len(values), "values": values, "next_url": next_url, "previous_url": None, **extra}
    return H.Response(200, json.dumps(body), "")


def rec(code, year, value, kpi="N00095", gender="T"):
    return {"kpi": kpi, "municipality": code, "period": year,
            "values": [{"count": 1, "gender": gender, "status": "", "value": value}]}


def test_two_pages_totals_only():
    t = standard_routes()
    df, stats = K.fetch_kpi(http(t), "N01951", YEARS, KEEP)
    assert list(df.columns) == ["municipality", "year", "kpi", "value"]
    assert stats.pages == 2 and t.count("page=2") == 1
    assert "0001" not in set(df["municipality"])  # the region is dropped
    assert stats.other_units == 1 and stats.null_values == 1  # Växjö 2024 is 'Missing'
    solna = df[(df["municipality"] == "0184") & (df["year"] == 2022)]["value"].item()
    assert solna == 85400.0  # the T entry, not K or M
    assert df["year"].dtype.kind == "i" and df["value"].dtype.kind == "f"
    assert not df.duplicated(["municipality", "year"]).any()
    assert set(df["municipality"]) == KEEP


def test_v2_spelling_of_the_paging_link_is_followed():
    url = data_url("N00095")
    nxt = url + "&page=2"
    t = FakeTransport().add("GET", url, H.Response(200, json.dumps(
        {"count": 1, "values": [rec("0184", 2022, 1.0)], "next_page": nxt}), ""))
    t.add("GET", nxt, page([rec("0184", 2023, 2.0)]))
    df, _ = K.fetch_kpi(http(t), "N00095", YEARS, KEEP)
    assert df["year"].tolist() == [2022, 2023]


def test_empty_page_with_a_next_link_is_rejected():
    url = data_url("N00095")
    t = FakeTransport().add("GET", url, page([], next_url=url + "&page=2"))
    with pytest.raises(H.SchemaError, match="empty page"):
        K.fetch_kpi(http(t), "N00095", YEARS, KEEP)


def test_kpi_without_any_value_is_reported():
    t = FakeTransport().add("GET", data_url("N00095"), ok("kolada_data_empty.json"))
    with pytest.raises(K.KPINotInKolada, match="no values of N00095"):
        K.fetch_kpi(http(t), "N00095", YEARS, KEEP)


def test_kpi_that_does_not_exist_404():
    with pytest.raises(K.KPINotInKolada, match="does not know KPI N99999"):
        K.fetch_kpi(http(FakeTransport()), "N99999", YEARS, KEEP)


def test_metadata_lists_only_existing_kpis_and_batches_ids():
    ids = ["N00095", "N01951"] + [f"N9{i:04d}" for i in range(30)]
    t = FakeTransport()
    first = f"{KOLADA}/kpi/{','.join(ids[:25])}?per_page=5000"
    t.add("GET", first, ok("kolada_kpi_meta.json"))
    meta = K.kpi_metadata(http(t), ids)
    assert set(meta) == {"N00095", "N01951"}
    assert meta["N01951"]["title"] == "Invånare totalt, antal"
    assert len(t.calls) == 2  # 32 ids in batches of 25; the second batch answers 404 (none exist)


def test_identical_duplicate_dropped_conflicting_duplicate_rejected():
    url = data_url("N00095")
    t = FakeTransport().add("GET", url, page([rec("0184", 2022, 5.0), rec("0184", 2022, 5.0)]))
    df, stats = K.fetch_kpi(http(t), "N00095", YEARS, KEEP)
    assert len(df) == 1 and stats.duplicates == 1
    t = FakeTransport().add("GET", url, page([rec("0184", 2022, 5.0), rec("0184", 2022, 6.0)]))
    with pytest.raises(H.SchemaError, match="conflicting duplicate.*0184 2022"):
        K.fetch_kpi(http(t), "N00095", YEARS, KEEP)


@pytest.mark.parametrize("bad, match", [
    ({"kpi": "N00095", "municipality": "0184", "period": 2022}, "lacks kpi/municipality/period/values"),
    (rec("0184", 2022, 5.0, gender="X"), "unknown gender 'X'"),
    (rec("0184", 2022, "5,0"), "not a number"),
    (rec("0184", "2022K1", 5.0), "not a year"),
    (rec("0184", 2022, 5.0, kpi="N00096"), "asked for N00095"),
    ({"kpi": "N00095", "municipality": "0184", "period": 2022, "values": {"T": 5}}, "'values' is not a list"),
])
def test_unexpected_schema(bad, match):
    t = FakeTransport().add("GET", data_url("N00095"), page([bad]))
    with pytest.raises(H.SchemaError, match=match):
        K.fetch_kpi(http(t), "N00095", YEARS, KEEP)


def test_answer_without_values_list():
    t = FakeTransport().add("GET", data_url("N00095"), H.Response(200, '{"data": []}', ""))
    with pytest.raises(H.SchemaError, match="'values' list"):
        K.fetch_kpi(http(t), "N00095", YEARS, KEEP)


def test_count_below_what_arrived_is_rejected():
    body = {"count": 1, "values": [rec("0184", 2022, 1.0), rec("0184", 2023, 1.0)], "next_url": None}
    t = FakeTransport().add("GET", data_url("N00095"), H.Response(200, json.dumps(body), ""))
    with pytest.raises(H.SchemaError, match="count=1"):
        K.fetch_kpi(http(t), "N00095", YEARS, KEEP)


def test_paging_loop_is_detected():
    url = data_url("N00095")
    t = FakeTransport().add("GET", url, page([rec("0184", 2022, 1.0)], next_url=url))
    with pytest.raises(H.SchemaError, match="loops"):
        K.fetch_kpi(http(t), "N00095", YEARS, KEEP)


def test_year_chunks_keep_urls_short():
    chunks = K.year_chunks(1970, 2026)
    assert chunks[0][0] == 1970 and chunks[-1][-1] == 2026
    assert sum(len(c) for c in chunks) == 57 and max(len(c) for c in chunks) <= K.YEAR_CHUNK


def test_municipality_list():
    munis = K.municipalities(http(standard_routes()))
    assert (munis["type"] == "K").sum() == 3
    assert munis.loc[munis["id"] == "0780", "title"].item() == "Växjö"


def test_municipality_list_with_wrong_count(monkeypatch):
    monkeypatch.setattr(K, "N_MUNICIPALITIES", 290)
    with pytest.raises(H.SchemaError, match="expected 290 municipalities"):
        K.municipalities(http(standard_routes()))


def test_recordings_are_valid_json():
    for name in ("kolada_municipality.json", "kolada_kpi_meta.json", "kolada_data_N01951_p1.json",
                 "kolada_data_N01951_p2.json", "kolada_data_N00095.json", "kolada_data_N00095_revised.json"):
        json.loads(text(name))


def test_422_splits_the_id_list_and_retries():
    """Too many ids in one call is HTTP 422 in v3: the list is split in halves until it passes."""
    ids = [f"N{i:05d}" for i in range(1, 5)]
    t = FakeTransport()
    t.add("GET", f"{KOLADA}/kpi/{','.join(ids)}?per_page=5000", H.Response(422, "too many ids", ""))
    for half in (ids[:2], ids[2:]):
        t.add("GET", f"{KOLADA}/kpi/{','.join(half)}?per_page=5000",
              H.Response(200, json.dumps({"count": 2, "values": [{"id": k, "title": k} for k in half]}), ""))
    found = K.kpi_metadata(H.HttpClient(t, sleep=lambda s: None, intervals={}), ids)
    assert sorted(found) == ids
    assert len(t.calls) == 3


def test_at_most_25_ids_per_call_and_path_form_only():
    ids = [f"N{i:05d}" for i in range(1, 31)]
    t = FakeTransport()
    for batch in (ids[:25], ids[25:]):
        t.add("GET", f"{KOLADA}/kpi/{','.join(batch)}?per_page=5000",
              H.Response(200, json.dumps({"count": len(batch), "values": [{"id": k} for k in batch]}), ""))
    assert len(K.kpi_metadata(H.HttpClient(t, sleep=lambda s: None, intervals={}), ids)) == 30
    assert all(len(u.split("/kpi/")[1].split("?")[0].split(",")) <= 25 for _, u, _ in t.calls)
    assert all("kpi=" not in u and "year=" not in u for _, u, _ in t.calls)  # never the query-string form


def test_v2_base_url_is_refused(monkeypatch):
    monkeypatch.setenv(K.URL_ENV_VAR, "https://api.kolada.se/v2")
    with pytest.raises(H.DownloadError, match="retired"):
        K.base_url()
