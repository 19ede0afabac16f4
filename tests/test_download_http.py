"""The HTTP layer of `make data`: retries, backoff, timeouts, bad JSON, politeness. Offline."""

from __future__ import annotations

import pytest

from analysis.sources.download import http as H
from tests.recordings.fake_transport import FakeTransport, block_network, ok, status


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    block_network(monkeypatch)

URL = "https://api.kolada.se/v3/municipality?per_page=5000"


class Clock:
    """Fake time: sleep advances the clock instead of waiting."""

    def __init__(self):
        self.t = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.t += s


def client(transport, **kw) -> tuple[H.HttpClient, Clock]:
    clock = Clock()
    kw.setdefault("intervals", {})
    return H.HttpClient(transport, sleep=clock.sleep, clock=clock, seed=1, **kw), clock


def test_429_then_success_honours_retry_after():
    t = FakeTransport().add("GET", URL, status(429, headers={"Retry-After": "7"}), ok("kolada_municipality.json"))
    http, clock = client(t)
    assert http.get_json(URL)["count"] == 5
    assert len(t.calls) == 2
    assert 7.0 in clock.sleeps


def test_5xx_retried_with_growing_backoff_then_gives_up():
    t = FakeTransport().add("GET", URL, status(500, body="Internal Server Error"))
    http, clock = client(t, retries=3, backoff=1.0)
    with pytest.raises(H.RetriesExhausted, match="4 attempts: HTTP 500"):
        http.get_json(URL)
    assert len(t.calls) == 4
    assert len(clock.sleeps) == 3
    assert clock.sleeps[0] < clock.sleeps[1] < clock.sleeps[2]  # exponential (with jitter in [0.5, 1])


def test_backoff_is_capped():
    t = FakeTransport().add("GET", URL, status(503))
    http, clock = client(t, retries=6, backoff=10.0, max_backoff=15.0)
    with pytest.raises(H.RetriesExhausted):
        http.get_json(URL)
    assert max(clock.sleeps) <= 15.0


def test_read_timeout_is_retried():
    t = FakeTransport().add("GET", URL, H.ReadTimeout("read timed out"), ok("kolada_municipality.json"))
    http, _ = client(t)
    assert http.get_json(URL)["values"][0]["id"] == "0000"


def test_timeouts_exhausted():
    t = FakeTransport().add("GET", URL, H.ReadTimeout("read timed out"))
    http, _ = client(t, retries=2)
    with pytest.raises(H.RetriesExhausted, match="timed out"):
        http.get_json(URL)


def test_connect_failure_every_time_means_no_network():
    t = FakeTransport().add("GET", URL, H.ConnectFailed("DNS lookup failed"))
    http, _ = client(t, retries=2)
    with pytest.raises(H.NetworkUnavailable, match="DNS lookup failed"):
        http.get_json(URL)


def test_404_is_not_retried():
    t = FakeTransport()
    http, _ = client(t)
    with pytest.raises(H.NotFound):
        http.get_json(URL)
    assert len(t.calls) == 1


def test_other_4xx_fail_at_once():
    t = FakeTransport().add("POST", URL, status(403, body="Too many values"))
    http, _ = client(t)
    with pytest.raises(H.HttpError, match="403") as info:
        http.post_json(URL, {"query": []})
    assert info.value.status == 403 and len(t.calls) == 1


def test_malformed_json():
    t = FakeTransport().add("GET", URL, ok("kolada_error.html"))
    http, _ = client(t)
    with pytest.raises(H.MalformedResponse, match="not valid JSON.*Bad Gateway"):
        http.get_json(URL)


def test_truncated_json():
    t = FakeTransport().add("GET", URL, H.Response(200, '{"values": [{"id": "0114", "tit', URL))
    http, _ = client(t)
    with pytest.raises(H.MalformedResponse):
        http.get_json(URL)


def test_polite_spacing_per_host():
    t = FakeTransport().add("GET", URL, ok("kolada_municipality.json"))
    http, clock = client(t, intervals={"api.kolada.se": 0.25})
    for _ in range(3):
        http.get_json(URL)
    assert clock.sleeps == [0.25, 0.25]


def test_probe():
    down = FakeTransport().add("GET", URL, H.ConnectFailed("DNS lookup failed"))
    http, _ = client(down)
    with pytest.raises(H.NetworkUnavailable, match="cannot reach api.kolada.se"):
        http.probe(URL)
    assert len(down.calls) == 1  # no retries on the probe
    up = FakeTransport().add("GET", URL, status(503))
    client(up)[0].probe(URL)  # any HTTP answer: the network is there


def test_requests_transport_maps_connection_errors(monkeypatch):
    """The real transport turns requests' nested errors into a short reason (no network used)."""
    import requests

    transport = H.RequestsTransport()

    def refuse(*a, **k):
        raise requests.exceptions.ConnectionError("... NameResolutionError: Failed to resolve 'api.kolada.se'")

    monkeypatch.setattr(transport.session, "request", refuse)
    with pytest.raises(H.ConnectFailed, match="^DNS lookup failed$"):
        transport("GET", URL)

    def slow(*a, **k):
        raise requests.exceptions.ReadTimeout("read timed out")

    monkeypatch.setattr(transport.session, "request", slow)
    with pytest.raises(H.ReadTimeout):
        transport("GET", URL)
