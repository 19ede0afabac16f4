"""HTTP for the live refresh: timeouts, retries with backoff, a polite rate per host.

Everything the downloader fetches goes through :class:`HttpClient`, which talks to a
*transport* (a callable doing one request). The real transport uses ``requests``;
tests pass a fake one with recorded responses, so nothing in ``make test`` touches
the network.

Retry policy (why): Kolada and SCB are shared public services. 429 (too many
requests) and 5xx are transient, so they are retried with exponential backoff
(honouring ``Retry-After``); other 4xx are our fault and fail at once. SCB allows at
most 10 calls per 10 s per IP address (https://scb.se/en/services/open-data-api), so
SCB requests are spaced >= 1.1 s apart; Kolada states no limit
(https://www.kolada.se/om-oss/api), we stay at <= 4 requests per second.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ...errors import DataError

USER_AGENT = "municipal-claims-refresh/0.1 (+https://github.com/; make data)"
DEFAULT_TIMEOUT = (5.0, 60.0)  # (connect, read) seconds
PROBE_TIMEOUT = (3.0, 10.0)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MIN_INTERVAL = {"api.scb.se": 1.1, "statistikdatabasen.scb.se": 0.4, "api.kolada.se": 0.25}  # seconds between requests per host
DEFAULT_INTERVAL = 0.5


class DownloadError(DataError):
    """The live refresh could not get or accept a response."""


class NetworkUnavailable(DownloadError):
    """No connection to the service at all (DNS, refused, connect timeout)."""


class HttpError(DownloadError):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int, url: str):
        super().__init__(message)
        self.status = status
        self.url = url


class NotFound(HttpError):
    """HTTP 404: the resource (e.g. a KPI id) does not exist."""


class RetriesExhausted(DownloadError):
    """Transient failures (429/5xx/timeouts) persisted through every retry."""


class MalformedResponse(DownloadError):
    """The body is not the JSON we asked for (truncated, HTML error page, ...)."""


class SchemaError(DownloadError):
    """The JSON parses but does not have the documented shape."""


# Transport-level failures a transport raises (the requests transport maps its own).
class TransportError(Exception):
    """One request failed before an HTTP status arrived."""


class ConnectFailed(TransportError):
    """DNS failure, connection refused, or connect timeout: the host is unreachable."""


class ReadTimeout(TransportError):
    """Connected, but the server did not answer in time."""


class DeadlineExceeded(ReadTimeout):
    """The whole answer (headers and body) did not arrive within the total time allowed
    (``--timeout``): a server that drips a few bytes at a time never trips a read timeout."""


class TruncatedBody(TransportError):
    """The connection closed before the body reached the length its Content-Length announced."""


@dataclass
class Response:
    status: int
    text: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)


Transport = Callable[..., Response]  # (method, url, *, json_body=None, timeout=(c, r)) -> Response


class RequestsTransport:
    """The real transport: one ``requests`` session with a descriptive User-Agent.

    ``total`` bounds one request's whole time (connecting, headers and body) in seconds: the
    body is read in small pieces and abandoned once the deadline passes. A body shorter than
    its ``Content-Length`` is an error, never a silently short answer.
    """

    def __init__(self, total: float | None = None):
        import requests

        self._requests = requests
        self.total = total
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    def __call__(self, method: str, url: str, *, json_body=None, timeout=DEFAULT_TIMEOUT) -> Response:
        exc_mod = self._requests.exceptions
        start = time.monotonic()
        if self.total is not None:
            timeout = (min(timeout[0], self.total), min(timeout[1], self.total))
        try:
            r = self.session.request(method, url, json=json_body, timeout=timeout, stream=True)
        except exc_mod.ConnectTimeout as exc:
            raise ConnectFailed(_short_reason(exc, timeout)) from exc
        except exc_mod.ReadTimeout as exc:
            raise ReadTimeout(f"no answer within {timeout[1]:g} s") from exc
        except exc_mod.ConnectionError as exc:
            raise ConnectFailed(_short_reason(exc, timeout)) from exc
        except exc_mod.Timeout as exc:
            raise ReadTimeout(str(exc)) from exc
        try:
            body = self._read_body(r, start, timeout)
        finally:
            r.close()
        encoding = r.encoding or "utf-8"
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            text = body.decode("utf-8", errors="replace")
        return Response(status=r.status_code, text=text, url=r.url, headers=dict(r.headers))

    def _read_body(self, r, start: float, timeout) -> bytes:
        import urllib3

        expected = r.headers.get("Content-Length")
        expected = int(expected) if expected and expected.strip().isdigit() else None
        chunks: list[bytes] = []
        raw = r.raw
        try:
            while True:
                if self.total is not None:
                    left = self.total - (time.monotonic() - start)
                    if left <= 0:
                        raise DeadlineExceeded(f"the answer did not finish within {self.total:g} s "
                                               f"({sum(map(len, chunks))} bytes arrived)")
                    sock = getattr(getattr(raw, "connection", None), "sock", None)
                    if sock is not None:
                        sock.settimeout(max(0.05, min(left, timeout[1])))
                chunk = raw.read1(65536, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
        except (urllib3.exceptions.ProtocolError, urllib3.exceptions.IncompleteRead) as exc:
            got = raw.tell()
            raise TruncatedBody(f"the body ended after {got} of the {expected} bytes its Content-Length "
                                f"announced" if expected is not None else f"the connection broke mid-body ({exc})") from exc
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
            if self.total is not None and time.monotonic() - start >= self.total - 0.05:
                raise DeadlineExceeded(f"the answer did not finish within {self.total:g} s") from exc
            raise ReadTimeout(f"the body stalled for {timeout[1]:g} s") from exc
        if expected is not None and raw.tell() < expected:
            raise TruncatedBody(f"the body ended after {raw.tell()} of the {expected} bytes its Content-Length announced")
        return b"".join(chunks)


def _short_reason(exc: Exception, timeout) -> str:
    """requests' connection errors are nested and long; say what happened in a few words."""
    text = repr(exc)
    for needle, reason in (("NameResolution", "DNS lookup failed"), ("Name or service not known", "DNS lookup failed"),
                           ("Temporary failure in name resolution", "DNS lookup failed"),
                           ("Connection refused", "connection refused"), ("Network is unreachable", "network unreachable"),
                           ("ConnectTimeout", f"no connection within {timeout[0]:g} s"),
                           ("timed out", f"no connection within {timeout[0]:g} s"),
                           ("ProxyError", "proxy refused the connection"), ("SSLError", "TLS handshake failed")):
        if needle in text:
            return reason
    return f"{type(exc).__name__}: {str(exc)[:200]}"


class HttpClient:
    """Polite, retrying JSON client over a transport.

    ``sleep`` and ``clock`` are injectable so tests run instantly.
    """

    def __init__(self, transport: Transport | None = None, *, retries: int = 4, backoff: float = 1.0,
                 max_backoff: float = 60.0, timeout=DEFAULT_TIMEOUT, intervals: Mapping[str, float] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 log: Callable[[str], None] | None = None, seed: int | None = None):
        self.transport = transport if transport is not None else RequestsTransport()
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.intervals = dict(MIN_INTERVAL if intervals is None else intervals)
        self.sleep = sleep
        self.clock = clock
        self.log = log or (lambda msg: None)
        self.rng = random.Random(seed)
        self._last: dict[str, float] = {}
        self.requests_made = 0

    # -- pacing -----------------------------------------------------------------
    def _throttle(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        gap = self.intervals.get(host, DEFAULT_INTERVAL)
        last = self._last.get(host)
        if last is not None:
            wait = gap - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)
        self._last[host] = self.clock()

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(self.max_backoff, max(0.0, float(retry_after)))
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        base = min(self.max_backoff, self.backoff * 2**attempt)
        return base * (0.5 + 0.5 * self.rng.random())  # jitter: don't retry in lock-step

    # -- requests ---------------------------------------------------------------
    def request(self, method: str, url: str, json_body=None) -> Response:
        """One logical request with retries; returns a 2xx response or raises."""
        last_problem = ""
        connect_only = True  # every attempt failed to connect -> the network is gone
        for attempt in range(self.retries + 1):
            self._throttle(url)
            self.requests_made += 1
            retry_after = None
            try:
                resp = self.transport(method, url, json_body=json_body, timeout=self.timeout)
            except ConnectFailed as exc:
                last_problem = f"cannot connect ({exc})"
            except ReadTimeout as exc:
                connect_only = False
                last_problem = f"timed out: {exc}"
            except TruncatedBody as exc:
                connect_only = False
                last_problem = f"truncated answer: {exc}"
            else:
                connect_only = False
                if 200 <= resp.status < 300:
                    return resp
                if resp.status == 404:
                    raise NotFound(f"HTTP 404 Not Found: {url}", 404, url)
                if resp.status not in RETRY_STATUSES:
                    raise HttpError(f"HTTP {resp.status} from {url}: {resp.text[:200]!r}", resp.status, url)
                last_problem = f"HTTP {resp.status}"
                retry_after = resp.headers.get("Retry-After") or resp.headers.get("retry-after")
            if attempt < self.retries:
                delay = self._delay(attempt, retry_after)
                self.log(f"{method} {url}: {last_problem}; retry {attempt + 1}/{self.retries} in {delay:.1f} s")
                self.sleep(delay)
        msg = f"{method} {url} failed after {self.retries + 1} attempts: {last_problem}"
        raise NetworkUnavailable(msg) if connect_only else RetriesExhausted(msg)

    def _json(self, resp: Response):
        try:
            return json.loads(resp.text)
        except (json.JSONDecodeError, TypeError) as exc:
            snippet = (resp.text or "")[:120].replace("\n", " ")
            raise MalformedResponse(f"{resp.url}: response is not valid JSON ({exc}); starts with {snippet!r}") from exc

    def get_json(self, url: str):
        return self._json(self.request("GET", url))

    def post_json(self, url: str, body):
        return self._json(self.request("POST", url, json_body=body))

    def probe(self, url: str, timeout=PROBE_TIMEOUT) -> None:
        """One quick request, no retries: raise :class:`NetworkUnavailable` when the host
        cannot be reached, so an offline run fails within seconds. Any HTTP answer counts
        as reachable (errors are handled by the real requests and their retries)."""
        try:
            self.transport("GET", url, json_body=None, timeout=timeout)
        except TransportError as exc:
            raise NetworkUnavailable(f"cannot reach {urlsplit(url).hostname} ({exc})") from exc
