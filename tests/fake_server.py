"""A fake Kolada + SCB on 127.0.0.1 (http.server in a thread) for end-to-end tests of `make data`
through the real HTTP transport: status codes, bodies shorter than their Content-Length, slow
drips, malformed JSON. Bodies are the hand-written recordings in tests/recordings/, with
absolute links to the real hosts rewritten to this server."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDINGS = Path(__file__).parent / "recordings"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    mode: str = "ok"  # ok | short (Content-Length larger than the body) | drip (one byte at a time)
    headers: dict = field(default_factory=dict)
    drip_delay: float = 0.05


class FakeServer:
    def __init__(self):
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.calls: list[tuple[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, method):
                if method == "POST":
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.calls.append((method, self.path))
                seq = server.routes.get((method, self.path))
                if not seq:
                    ans = Answer(404, b'{"error": "not found"}')
                else:
                    ans = seq.pop(0) if len(seq) > 1 else seq[0]
                try:
                    self.send_response(ans.status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    for k, v in ans.headers.items():
                        self.send_header(k, v)
                    extra = 100 if ans.mode == "short" else 0
                    self.send_header("Content-Length", str(len(ans.body) + extra))
                    self.end_headers()
                    if ans.mode == "drip":
                        for i in range(len(ans.body)):
                            self.wfile.write(ans.body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(ans.drip_delay)
                    else:
                        self.wfile.write(ans.body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a deadline): fine
                self.close_connection = True

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def body(self, name: str) -> bytes:
        text = (RECORDINGS / name).read_text(encoding="utf-8")
        return text.replace("https://api.kolada.se/v3", f"{self.url}/v3").encode("utf-8")

    def add(self, method: str, path: str, *answers: Answer) -> FakeServer:
        self.routes[(method, path)] = list(answers)
        return self

    def count(self, fragment: str) -> int:
        return sum(fragment in p for _, p in self.calls)

    def healthy(self, kpis=("N00095", "N01951"), years=(2022, 2023, 2024)) -> FakeServer:
        """A healthy Kolada v3 and SCB v1 for N00095 and N01951 (SCB API 2 has no such table here)."""
        ys = ",".join(map(str, years))
        self.add("GET", "/v3/municipality?per_page=1", Answer(body=self.body("kolada_municipality.json")))
        self.add("GET", "/v3/municipality?per_page=5000", Answer(body=self.body("kolada_municipality.json")))
        self.add("GET", f"/v3/kpi/{','.join(kpis)}?per_page=5000", Answer(body=self.body("kolada_kpi_meta.json")))
        self.add("GET", f"/v3/data/kpi/N00095/year/{ys}?per_page=5000", Answer(body=self.body("kolada_data_N00095.json")))
        self.add("GET", f"/v3/data/kpi/N01951/year/{ys}?per_page=5000",
                 Answer(body=self.body("kolada_data_N01951_p1.json")))
        self.add("GET", f"/v3/data/kpi/N01951/year/{ys}?page=2&per_page=5000",
                 Answer(body=self.body("kolada_data_N01951_p2.json")))
        table = "/v1/ssd/START/OE/OE0101/Kommunalskatter2000"
        self.add("GET", table, Answer(body=self.body("scb_oe0101_meta.json")))
        self.add("POST", table, Answer(body=self.body("scb_oe0101_data.json")))
        return self
