"""A transport for analysis.sources.download.http.HttpClient that serves recorded responses."""

from __future__ import annotations

from pathlib import Path

from analysis.sources.download.http import Response

HERE = Path(__file__).parent
KOLADA = "https://api.kolada.se/v3"


def text(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def ok(name: str, url: str = "", status: int = 200, headers=None) -> Response:
    return Response(status=status, text=text(name), url=url, headers=headers or {})


def status(code: int, url: str = "", body: str = "", headers=None) -> Response:
    return Response(status=code, text=body, url=url, headers=headers or {})


class FakeTransport:
    """Routes (method, url) to a list of responses or exceptions, served in order; the
    last one repeats. An unknown URL answers 404, like a server with no such route."""

    def __init__(self, routes: dict | None = None):
        self.routes = {k: list(v) if isinstance(v, list) else [v] for k, v in (routes or {}).items()}
        self.calls: list[tuple[str, str, object]] = []

    def add(self, method: str, url: str, *items) -> FakeTransport:
        self.routes[(method, url)] = list(items)
        return self

    def __call__(self, method, url, *, json_body=None, timeout=None):
        self.calls.append((method, url, json_body))
        seq = self.routes.get((method, url))
        if not seq:
            return Response(status=404, text="", url=url)
        item = seq.pop(0) if len(seq) > 1 else seq[0]
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, Response) and not item.url:
            item = Response(item.status, item.text, url, item.headers)
        return item

    def count(self, fragment: str) -> int:
        return sum(fragment in url for _, url, _ in self.calls)


def data_url(kpi: str, years=(2022, 2023, 2024)) -> str:
    return f"{KOLADA}/data/kpi/{kpi}/year/{','.join(map(str, years))}?per_page=5000"


def standard_routes(kpis=("N00095", "N01951")) -> FakeTransport:
    """A healthy Kolada + SCB for a refresh of N00095 and N01951, years 2022–2024."""
    from analysis.sources.download import pxweb

    t = FakeTransport()
    t.add("GET", f"{KOLADA}/municipality?per_page=1", ok("kolada_municipality.json"))
    t.add("GET", f"{KOLADA}/municipality?per_page=5000", ok("kolada_municipality.json"))
    t.add("GET", f"{KOLADA}/kpi/{','.join(kpis)}?per_page=5000", ok("kolada_kpi_meta.json"))
    t.add("GET", data_url("N00095"), ok("kolada_data_N00095.json"))
    t.add("GET", data_url("N01951"), ok("kolada_data_N01951_p1.json"))
    t.add("GET", "https://api.kolada.se/v3/data/kpi/N01951/year/2022,2023,2024?page=2&per_page=5000",
          ok("kolada_data_N01951_p2.json"))
    t.add("GET", pxweb.TAX_TABLE_URL, ok("scb_oe0101_meta.json"))
    t.add("POST", pxweb.TAX_TABLE_URL, ok("scb_oe0101_data.json"))
    return t


def _blocked(*args, **kwargs):
    raise AssertionError("a test of `make data` tried to use the network")


def block_network(monkeypatch):
    """Make any real connection attempt fail loudly: these tests must stay offline."""
    import socket

    monkeypatch.setattr(socket.socket, "connect", _blocked)
    monkeypatch.setattr(socket.socket, "connect_ex", _blocked)
    monkeypatch.setattr(socket, "getaddrinfo", _blocked)
    monkeypatch.setattr(socket, "create_connection", _blocked)
