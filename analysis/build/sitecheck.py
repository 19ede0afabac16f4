"""The built site as a reader meets it: every internal link, image and script resolves.

:func:`check_site` parses each HTML page of ``_build/html`` and checks every relative
``href``/``src``/``srcset``: the file must exist and a ``#fragment`` must be an ``id``
(or ``<a name>``) in the target page. External URLs are not fetched (the build must
not depend on the network). :class:`HeadlessChromium` opens pages in Debian's
``chromium`` through the DevTools protocol, saves a screenshot and collects uncaught
JavaScript errors and console errors, so a blank page or a script that throws is caught.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

# tag -> attributes holding a URL the browser will follow or load
URL_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href",),
    "img": ("src", "srcset"), "source": ("src", "srcset"), "script": ("src",), "iframe": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "embed": ("src",), "object": ("data",), "track": ("src",),
}
SKIP_LINK_RELS = {"preconnect", "dns-prefetch"}


@dataclass(frozen=True)
class Problem:
    """One broken reference: the page it is on, where, the URL and what is wrong."""

    page: str
    line: int
    attr: str
    url: str
    reason: str


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[tuple[int, str, str]] = []  # (line, tag.attr, url)

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        if tag == "link" and SKIP_LINK_RELS & set(a.get("rel", "").lower().split()):
            return
        for attr in URL_ATTRS.get(tag, ()):
            if attr not in a:
                continue
            values = [part.strip().split()[0] for part in a[attr].split(",") if part.strip()] \
                if attr == "srcset" else [a[attr]]
            for v in values:
                self.refs.append((self.getpos()[0], f"{tag}.{attr}", v.strip()))

    handle_startendtag = handle_starttag


def parse_page(path: Path) -> _PageParser:
    p = _PageParser()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    p.close()
    return p


def is_internal(url: str) -> bool:
    """Relative (or site-absolute) references only: no scheme, no host, not empty."""
    if not url or url.startswith("#") and len(url) == 1:
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def site_pages(root: Path) -> list[Path]:
    """The site's HTML pages; files under ``_static``/``_sources`` are assets (the theme ships
    Jinja macro fragments named *.html there), checked only as link targets."""
    return sorted(p for p in Path(root).rglob("*.html")
                  if not {"_static", "_sources"} & set(p.relative_to(root).parts[:-1]))


def check_site(root: Path) -> list[Problem]:
    """Every broken internal reference of the site under ``root`` (empty list = all resolve)."""
    root = Path(root).resolve()
    if not (root / "index.html").is_file():
        raise FileNotFoundError(f"No built site at {root} (index.html missing): run `make book` first.")
    pages = site_pages(root)
    parsed = {p.resolve(): parse_page(p) for p in pages}
    problems = []
    for page, info in parsed.items():
        rel_page = page.relative_to(root).as_posix()
        for line, attr, url in info.refs:
            if not is_internal(url):
                continue
            parts = urlsplit(url)
            path = unquote(parts.path)
            if not path:
                target = page
            elif path.startswith("/"):
                problems.append(Problem(rel_page, line, attr, url, "site-absolute path (breaks unless the site is "
                                                                   "served at a domain root)"))
                continue
            else:
                target = (page.parent / path).resolve()
            if target.is_dir():
                target = target / "index.html"
            if root not in target.parents and target != root:
                problems.append(Problem(rel_page, line, attr, url, "points outside the site folder"))
                continue
            if not target.is_file():
                problems.append(Problem(rel_page, line, attr, url, f"missing file {target.relative_to(root).as_posix()}"))
                continue
            frag = unquote(parts.fragment)
            if frag and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else parse_page(target).ids
                if frag not in ids:
                    problems.append(Problem(rel_page, line, attr, url,
                                            f"no id {frag!r} in {target.relative_to(root).as_posix()}"))
    return problems


def format_problems(problems: list[Problem], root: Path) -> str:
    if not problems:
        n = len(site_pages(Path(root)))
        return f"All internal links, images and scripts of {n} pages in {root} resolve."
    lines = [f"{len(problems)} broken internal references in {root}:"]
    lines += [f"  {p.page}:{p.line} {p.attr}={p.url!r}: {p.reason}" for p in problems]
    return "\n".join(lines)


# ------------------------------------------------------------------ a local web server
class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log in test output
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # the browser may drop a request (favicon)
        pass


@contextmanager
def serve_site(root: Path):
    """Serve ``root`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"No site folder at {root}")
    server = _QuietServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ------------------------------------------------------------------ headless Chromium
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio", "--hide-scrollbars")


def find_chromium() -> str | None:
    """Path of a Chromium binary ($CHROMIUM first), or None."""
    env = os.environ.get("CHROMIUM")
    if env:
        return shutil.which(env) or (env if Path(env).is_file() else None)
    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageVisit:
    """What a reader's browser saw on one page."""

    url: str
    title: str = ""
    text: str = ""
    screenshot: Path | None = None
    errors: list[str] = field(default_factory=list)  # JS exceptions, console.error, failed local loads
    external: list[str] = field(default_factory=list)  # failed loads from other hosts (offline machine)
    seconds: float = 0.0


class BrowserError(RuntimeError):
    pass


class HeadlessChromium:
    """A headless Chromium driven over the DevTools protocol (tornado's websocket client).

    Use as a context manager; :meth:`visit` loads a page, waits for its load event and a
    short settle time, takes a screenshot and returns the errors the page produced.
    """

    def __init__(self, binary: str | None = None, window=(1280, 900), timeout: float = 30.0):
        self.binary = binary or find_chromium()
        if not self.binary:
            raise BrowserError("chromium not found (Debian: apt-get install chromium)")
        self.window, self.timeout = window, timeout
        self._proc = None
        self._tmp = None
        self._loop = None
        self._ws = None
        self._id = 0
        self._events: list[dict] = []

    # -- lifecycle
    def __enter__(self):
        self._tmp = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
        profile = self._tmp
        cmd = [self.binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
               "--remote-debugging-address=127.0.0.1", f"--window-size={self.window[0]},{self.window[1]}",
               "about:blank"]
        self._log = open(profile.parent / f"{profile.name}.log", "wb")  # closed in __exit__
        self._proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            port = self._wait_port(profile / "DevToolsActivePort")
            ws_url = self._page_ws(port)
            self._loop = asyncio.new_event_loop()
            self._ws = self._run(self._connect(ws_url))
            for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
                self.send(method)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        if self._ws is not None:
            try:  # a graceful close lets chromium finish writing its profile
                self._run(self._call("Browser.close", None))
            except Exception:  # closing anyway below
                pass
            self._ws.close()
            self._ws = None
        if self._loop is not None:
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()
            self._loop = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            self._proc = None
        if getattr(self, "_log", None) is not None:
            self._log.close()
            Path(self._log.name).unlink(missing_ok=True)
            self._log = None
        if self._tmp is not None:
            for _ in range(20):  # helper processes may still be writing for a moment
                shutil.rmtree(self._tmp, ignore_errors=True)
                if not self._tmp.exists():
                    break
                time.sleep(0.1)
            self._tmp = None
        return False

    def _wait_port(self, port_file: Path) -> int:
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self._proc.poll() is not None:
                self._log.flush()
                tail = Path(self._log.name).read_text(errors="replace")[-2000:]
                raise BrowserError(f"chromium exited with {self._proc.returncode} at start:\n{tail}")
            if port_file.is_file():
                first = port_file.read_text().splitlines()
                if first and first[0].isdigit():
                    return int(first[0])
            time.sleep(0.05)
        raise BrowserError(f"chromium did not open its DevTools port within {self.timeout:.0f} s")

    def _page_ws(self, port: int) -> str:
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                    targets = json.loads(r.read())
            except OSError:  # not listening yet
                time.sleep(0.1)
                continue
            pages = [t for t in targets if t.get("type") == "page" and t.get("webSocketDebuggerUrl")]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise BrowserError("chromium opened no page target")

    # -- protocol
    def _run(self, coro):
        return self._loop.run_until_complete(asyncio.wait_for(coro, self.timeout))

    async def _connect(self, url):
        from tornado.websocket import websocket_connect

        return await websocket_connect(url, max_message_size=256 * 1024 * 1024)

    async def _read(self) -> dict:
        msg = await self._ws.read_message()
        if msg is None:
            raise BrowserError("chromium closed the DevTools connection")
        return json.loads(msg)

    async def _call(self, method, params):
        self._id += 1
        my_id = self._id
        await self._ws.write_message(json.dumps({"id": my_id, "method": method, "params": params or {}}))
        while True:
            msg = await self._read()
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self._events.append(msg)

    async def _until(self, method, seconds):
        """Collect events until ``method`` arrives (True) or ``seconds`` pass (False)."""
        end = self._loop.time() + seconds
        while True:
            left = end - self._loop.time()
            if left <= 0:
                return False
            try:
                msg = await asyncio.wait_for(self._read(), left)
            except TimeoutError:
                return False
            if "method" in msg:
                self._events.append(msg)
                if msg["method"] == method:
                    return True

    def send(self, method: str, params: dict | None = None) -> dict:
        return self._run(self._call(method, params))

    def evaluate(self, expression: str):
        """Evaluate JavaScript in the page; return its (JSON-serialisable) value."""
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in res:
            raise BrowserError(f"script failed: {res['exceptionDetails'].get('text')}")
        return res.get("result", {}).get("value")

    def settle(self, seconds: float = 0.5) -> None:
        """Let the page run for a moment, collecting its events."""
        self._loop.run_until_complete(self._until("__never__", seconds))

    def drain_errors(self, local_host: str | None = None) -> tuple[list[str], list[str]]:
        """Errors since the last call: (page errors, failed loads from other hosts)."""
        errors, external = [], []
        requests = {}
        for ev in self._events:
            m, p = ev["method"], ev.get("params", {})
            if "/favicon.ico" in json.dumps(p):  # the browser asks for it on its own; the site has none
                continue
            if m == "Network.requestWillBeSent":
                requests[p.get("requestId")] = p.get("request", {}).get("url", "")
            elif m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                desc = (d.get("exception") or {}).get("description") or d.get("text", "exception")
                errors.append(f"uncaught: {desc.splitlines()[0]} ({d.get('url', '')}:{d.get('lineNumber', '?')})")
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
                errors.append(f"console.{p.get('type')}: {args}")
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                e = p["entry"]
                url = e.get("url", "")
                if url and local_host and urlsplit(url).netloc != local_host:
                    external.append(f"{e.get('text', '')} {url}")
                else:
                    errors.append(f"log: {e.get('text', '')} {url}".strip())
            elif m == "Network.loadingFailed" and not p.get("canceled"):
                url = requests.get(p.get("requestId"), "")
                msg = f"failed to load {url}: {p.get('errorText', '')}"
                if url and local_host and urlsplit(url).netloc != local_host:
                    external.append(msg)
                elif not any(url in e for e in errors):
                    errors.append(msg)
            elif m == "Network.responseReceived":
                r = p.get("response", {})
                if r.get("status", 200) >= 400 and (not local_host or urlsplit(r.get("url", "")).netloc == local_host):
                    errors.append(f"HTTP {r.get('status')} for {r.get('url')}")
        self._events.clear()
        return errors, external

    def wait_for(self, expression: str, timeout: float | None = None) -> bool:
        """Poll a JavaScript condition until it is true (True) or the time is up (False)."""
        end = time.time() + (timeout or self.timeout)
        while time.time() < end:
            try:
                if self.evaluate(expression):
                    return True
            except BrowserError:  # the page is navigating; try again
                pass
            self.settle(0.1)
        return False

    def visit(self, url: str, screenshot: Path | None = None, settle: float = 0.8,
              redirect_to: str | None = None) -> PageVisit:
        """Load ``url``, wait for it (and for a redirect ending in ``redirect_to``), screenshot
        it and report the title, visible text and errors."""
        t0 = time.time()
        self._events.clear()
        res = self.send("Page.navigate", {"url": url})
        if res.get("errorText"):
            raise BrowserError(f"could not open {url}: {res['errorText']}")
        loaded = any(e["method"] == "Page.loadEventFired" for e in self._events)  # arrived with the reply
        if not loaded and not self._loop.run_until_complete(self._until("Page.loadEventFired", self.timeout)):
            raise BrowserError(f"{url} did not finish loading within {self.timeout:.0f} s")
        if redirect_to:
            cond = f"location.pathname.endsWith({json.dumps(redirect_to)}) && document.readyState === 'complete'"
            if not self.wait_for(cond):
                raise BrowserError(f"{url} did not redirect to {redirect_to}")
        self.settle(settle)
        info = self.evaluate("({title: document.title, text: document.body ? document.body.innerText : '', "
                             "location: location.href})")
        visit = PageVisit(info.get("location", url), info.get("title", ""), info.get("text", ""))
        if screenshot is not None:
            shot = self.send("Page.captureScreenshot", {"format": "png"})
            screenshot = Path(screenshot)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            visit.screenshot = screenshot
        visit.errors, visit.external = self.drain_errors(urlsplit(url).netloc)
        visit.seconds = time.time() - t0
        return visit


def blank_fraction(png: Path) -> float:
    """Share of the screenshot's pixels that have its most common colour (1.0 = blank)."""
    from PIL import Image

    with Image.open(png) as im:
        small = im.convert("RGB").resize((320, 225))
        colours = small.getcolors(maxcolors=320 * 225)
    return max(n for n, _ in colours) / (320 * 225)


# ------------------------------------------------------------------ the page as a reader's screen shows it
LAYOUT_JS = """(function(){
  var d = document.documentElement, w = d.clientWidth;
  var wide = [];
  document.querySelectorAll('main *, article *').forEach(function(el){
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1 && wide.length < 5) {
      var box = el.parentElement, clipped = false;
      while (box && box !== document.body) {
        var s = getComputedStyle(box);
        if (/(auto|scroll|hidden|clip)/.test(s.overflowX)) { clipped = true; break; }
        box = box.parentElement;
      }
      if (!clipped) { wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                                (el.className && el.className.baseVal === undefined ? '.' + String(el.className).split(' ')[0] : '')); }
    }
  });
  var imgs = Array.prototype.map.call(document.images, function(i){ return {src: i.getAttribute('src') || '', alt: i.getAttribute('alt')}; });
  return {height: d.scrollHeight, scrollWidth: d.scrollWidth, width: w, wide: wide, images: imgs};
})()"""


def layout(browser: HeadlessChromium, url: str, width: int, screenshot: Path | None = None) -> dict:
    """Open ``url`` at a window ``width`` px wide (390 = a phone, as a mobile viewport) and
    report the page height, whether it overflows sideways (and which elements stick out of the
    page without a scroll box of their own), its images with their alt text and its errors."""
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    visit = browser.visit(url, screenshot, settle=0.3)
    info = browser.evaluate(LAYOUT_JS)
    info["errors"] = visit.errors
    info["url"] = url
    return info


def alt_is_path(alt: str | None) -> bool:
    """An alt text that is missing, empty or only a file name or path (says nothing to a reader)."""
    a = (alt or "").strip()
    return not a or (" " not in a and bool(re.search(r"[/\\.]", a))) or bool(
        re.fullmatch(r"\S+\.(png|jpe?g|svg|gif|webp)", a, re.I))


def search_index_terms(root: Path) -> set[str]:
    """The words of the site's search index (Sphinx's searchindex.js), lower case."""
    text = (Path(root) / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(text[text.index("(") + 1:text.rindex(")")])
    return set(data.get("terms", {})) | {t.lower() for t in data.get("titleterms", {})}
