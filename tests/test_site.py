"""The built site as a reader meets it: internal links and images resolve, and the front
page, the 'Claims at a glance' page and a chapter render in headless Chromium without a
JavaScript error (screenshots in _build/screenshots/).

The site tests use the session's full book build (fixture ``built_book``); to check an
already built site without rebuilding, set MUNI_SITE_DIR=/path/to/_build/html.
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis import chapters
from analysis.build import sitecheck
from analysis.build.sitecheck import HeadlessChromium, blank_fraction, check_site, serve_site
from analysis.rules import claims as C

BLANK = 0.97  # share of pixels in one colour above which a screenshot counts as blank (real pages: ~0.7-0.8)


@pytest.fixture(scope="session")
def site(request) -> Path:
    env = os.environ.get("MUNI_SITE_DIR")
    return Path(env) if env else request.getfixturevalue("built_book")


@pytest.fixture(scope="session")
def chromium() -> str:
    path = sitecheck.find_chromium()
    if not path:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium; .ci/run installs it), "
                    "so the headless-browser test cannot run")
    return path


# ------------------------------------------------------------------ link checker on a synthetic site
def _write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def test_link_checker_finds_what_is_broken(tmp_path):
    _write(tmp_path, "index.html", '<meta http-equiv="Refresh" content="0; url=book/a.html" />'
                                   '<a href="book/a.html#sec">ok</a>')
    _write(tmp_path, "book/a.html", """<html><head><link rel="stylesheet" href="../_static/x.css?v=1">
        <link rel="preconnect" href="/nowhere"></head><body id="top">
        <h2 id="sec">S</h2><a name="old"></a>
        <a href="#sec">in-page</a> <a href="#old">named</a> <a href="#">top</a>
        <a href="b.html#missing">bad anchor</a> <a href="c.html">missing page</a>
        <img src="img/p%20q.png"> <img srcset="img/p%20q.png 1x, img/gone.png 2x">
        <a href="https://example.org/x">external</a> <a href="mailto:a@b.se">mail</a>
        <script src="../_static/gone.js"></script> <a href="/abs.html">absolute</a>
        <a href="../../outside.html">outside</a></body></html>""")
    _write(tmp_path, "book/b.html", '<p id="here">b</p>')
    _write(tmp_path, "book/img/p q.png", "png")
    _write(tmp_path, "_static/x.css", "")
    _write(tmp_path, "_static/macros.html", '<link href="{{ pathto(\'x\') }}">')  # theme template, not a page
    problems = check_site(tmp_path)
    got = {(p.page, p.url) for p in problems}
    assert got == {
        ("book/a.html", "b.html#missing"), ("book/a.html", "c.html"), ("book/a.html", "img/gone.png"),
        ("book/a.html", "../_static/gone.js"), ("book/a.html", "/abs.html"), ("book/a.html", "../../outside.html"),
    }
    reasons = {p.url: p.reason for p in problems}
    assert "no id 'missing'" in reasons["b.html#missing"]
    assert "missing file" in reasons["c.html"]
    assert "site-absolute" in reasons["/abs.html"]


def test_link_checker_needs_a_site(tmp_path):
    with pytest.raises(FileNotFoundError, match="make book"):
        check_site(tmp_path)


def test_built_site_links_and_images_resolve(site):
    problems = check_site(site)
    assert not problems, sitecheck.format_problems(problems, site)
    pages = sitecheck.site_pages(site)
    assert len(pages) >= 5


# ------------------------------------------------------------------ headless Chromium
class _Title(HTMLParser):
    def __init__(self):
        super().__init__()
        self.title, self.h1, self._in = "", "", None

    def handle_starttag(self, tag, attrs):
        if tag in ("title", "h1") and not getattr(self, tag):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            setattr(self, self._in, getattr(self, self._in) + data)


def _expected(page: Path) -> tuple[str, str]:
    p = _Title()
    p.feed(page.read_text(encoding="utf-8"))
    return " ".join(p.title.split()), " ".join(p.h1.replace("#", "").split())


def _redirect_target(index: Path) -> str | None:
    m = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', index.read_text(encoding="utf-8"), re.I)
    return m.group(1) if m else None


def _chapter_page(site: Path) -> str:
    pages = [f"book/{ch}.html" for ch in ("solna-sundbyberg", *chapters.CHAPTER_MODULES)]
    for rel in pages:
        if (site / rel).is_file():
            return rel
    pytest.fail(f"no chapter page in {site}: looked for {pages}")


def _assert_seen(visit, page: Path):
    title, h1 = _expected(page)
    assert not visit.errors, f"{visit.url}: JavaScript/console/load errors:\n" + "\n".join(visit.errors)
    assert visit.title == title, (visit.title, title)
    assert h1 and h1 in " ".join(visit.text.split()), f"{visit.url}: heading {h1!r} not in the rendered text"
    assert len(visit.text) > 500, f"{visit.url}: only {len(visit.text)} characters of text rendered"
    frac = blank_fraction(visit.screenshot)
    assert frac < BLANK, f"{visit.url}: screenshot {visit.screenshot} is nearly blank ({frac:.1%} one colour)"


def test_reader_sees_front_page_glance_and_a_chapter(site, chromium):
    shots = site.parent / "screenshots"
    target = _redirect_target(site / "index.html")
    chapter = _chapter_page(site)
    with serve_site(site) as base, HeadlessChromium(chromium) as browser:
        front = browser.visit(base + "index.html", shots / "front-page.png", redirect_to=target)
        _assert_seen(front, site / (target or "index.html"))

        glance = browser.visit(base + "book/glance.html", shots / "glance.png")
        _assert_seen(glance, site / "book/glance.html")
        # the filters (inline JS) work and do not throw
        ledger = C.claims()
        rows = browser.evaluate("document.querySelectorAll('#claims-table tbody tr').length")
        assert rows == len(ledger)
        shown = browser.evaluate(
            "(function(){var s=document.getElementById('f-theme'); s.value='b'; s.dispatchEvent(new Event('change'));"
            "return document.querySelectorAll('#claims-table tbody tr:not([style*=\"none\"])').length;})()")
        assert shown == sum("b" in str(e.get("theme", "")).split(",") for e in ledger.values())
        count = browser.evaluate("document.getElementById('f-count').textContent")
        assert count.startswith(f"{shown} of {len(ledger)}")
        one = browser.evaluate(
            "(function(){document.getElementById('f-theme').value=''; var t=document.getElementById('f-text');"
            "t.value='C115'; t.dispatchEvent(new Event('input'));"
            "return document.getElementById('f-count').textContent;})()")
        assert one.startswith("1 of ")
        browser.settle(0.2)
        errors, _ = browser.drain_errors()
        assert not errors, errors

        ch = browser.visit(base + chapter, shots / "chapter.png")
        _assert_seen(ch, site / chapter)
    for name in ("front-page.png", "glance.png", "chapter.png"):
        assert (shots / name).stat().st_size > 10_000


def test_browser_check_catches_errors_and_blank_pages(tmp_path, chromium):
    """The browser check would fail on a page that throws or renders nothing."""
    _write(tmp_path, "index.html", "<html><head><title>T</title></head><body><h1>Hello</h1>"
                                   "<script>console.error('boom'); notDefined();</script>"
                                   '<img src="missing.png"></body></html>')
    _write(tmp_path, "blank.html", "<html><head><title>Blank</title></head><body></body></html>")
    with serve_site(tmp_path) as base, HeadlessChromium(chromium) as browser:
        bad = browser.visit(base + "index.html", tmp_path / "bad.png")
        blank = browser.visit(base + "blank.html", tmp_path / "blank.png")
    text = "\n".join(bad.errors)
    assert "console.error: boom" in text
    assert "notDefined is not defined" in text
    assert "missing.png" in text
    assert blank_fraction(blank.screenshot) > BLANK
    assert blank_fraction(bad.screenshot) > 0.9  # one short heading on white


def test_sitecheck_command(tmp_path, capsys):
    from analysis import cli

    _write(tmp_path, "index.html", '<a href="a.html">a</a>')
    _write(tmp_path, "a.html", '<img src="gone.png">')
    assert cli.main(["sitecheck", str(tmp_path)]) == cli.EXIT_FAILED
    assert "a.html:1 img.src='gone.png': missing file gone.png" in capsys.readouterr().out
    _write(tmp_path, "gone.png", "png")
    assert cli.main(["sitecheck", str(tmp_path)]) == cli.EXIT_OK
    assert "resolve" in capsys.readouterr().out


# ------------------------------------------------------------------ every page as a reader's screen shows it
WIDTHS = (1400, 390)  # a desktop window and a phone
MAX_HEIGHT = 30_000  # px at 1,400 px: a page longer than this is a scroll, not a page


def test_every_page_fits_desktop_and_phone(site, chromium):
    """Every page at 1,400 and 390 px: no sideways scrolling of the page (a wide table scrolls in
    its own box), no console error, no page taller than 30,000 px at 1,400 px, and every image has
    an alt text that says something (not a file path)."""
    pages = [p.relative_to(site).as_posix() for p in sitecheck.site_pages(site)
             if p.name not in ("genindex.html", "search.html") and p.relative_to(site).as_posix() != "index.html"]
    problems, heights = [], {}
    shots = site.parent / "screenshots"
    with serve_site(site) as base, HeadlessChromium(chromium) as browser:
        for rel in pages:
            for width in WIDTHS:
                shot = shots / f"{Path(rel).stem}-{width}.png" if Path(rel).stem == "intro" else None
                info = sitecheck.layout(browser, base + rel, width, shot)
                where = f"{rel} at {width} px"
                if info["scrollWidth"] > info["width"] + 1:
                    problems.append(f"{where}: page is {info['scrollWidth']} px wide (sticking out: {info['wide']})")
                if info["errors"]:
                    problems.append(f"{where}: console/page errors {info['errors']}")
                if width == 1400:
                    heights[rel] = info["height"]
                    if info["height"] > MAX_HEIGHT:
                        problems.append(f"{where}: {info['height']} px tall (limit {MAX_HEIGHT})")
                bad = [i["src"][:60] for i in info["images"] if sitecheck.alt_is_path(i["alt"])]
                if bad:
                    problems.append(f"{where}: images without a real alt text: {bad}")
    assert len(heights) >= 8, heights
    assert not problems, "\n".join(problems)


def test_alt_text_check():
    assert sitecheck.alt_is_path("") and sitecheck.alt_is_path(None)
    assert sitecheck.alt_is_path("_build/jupyter_execute/abc.png") and sitecheck.alt_is_path("figure.png")
    assert not sitecheck.alt_is_path("Line chart of cost per inhabitant against year.")


def test_search_index_holds_every_claim_id(site):
    terms = sitecheck.search_index_terms(site)
    missing = [cid for cid in C.claims() if cid.lower() not in terms]
    assert not missing, f"{len(missing)} claim ids are not in the search index: {missing}"


def test_a_search_for_a_claim_lands_on_its_card(site, chromium):
    """Sphinx's search opens a result with the words searched for (?highlight=c115); the page then
    scrolls to the claim's card (book/_static/reader.js), as a link to chapter.html#C115 does."""
    built = {e["id"]: e for e in json.loads((site.parent / "claims.json").read_text(encoding="utf-8"))}
    cid = next(c for c, e in sorted(built.items()) if e["chapter"] == "activation-reforms")
    with serve_site(site) as base, HeadlessChromium(chromium) as browser:
        browser.visit(base + f"book/activation-reforms.html?highlight={cid.lower()}", None, settle=0.5)
        top = browser.evaluate(f"document.getElementById('{cid}').getBoundingClientRect().top")
        scrolled = browser.evaluate("window.scrollY")
        assert scrolled > 500 and -50 < top < 400, (cid, scrolled, top)
        card = browser.evaluate(f"document.getElementById('{cid}').closest('.claim-card') !== null")
        assert card


def test_downloads_are_part_of_the_site(site):
    """claims.json and a CSV behind every figure and table, linked under each."""
    assert json.loads((site / "downloads" / "claims.json").read_text(encoding="utf-8"))
    for page in sitecheck.site_pages(site):
        text = page.read_text(encoding="utf-8")
        n_fig, n_tab = text.count('<figure class="book-figure"'), text.count('<table class="dataframe data-table"')
        links = re.findall(r'href="(\.\./downloads/[^"]+\.csv)"', text)
        assert len(links) == n_fig + n_tab, (page.name, n_fig, n_tab, len(links))


def test_the_book_prints_as_one_pdf_with_tables_whole(site, chromium, tmp_path):
    """`make pdf`: every page in one PDF (Debian's chromium --print-to-pdf); in the print layout
    no table is wider than the paper (they wrap instead of being cut at the page edge)."""
    from analysis.build import pdf

    doc = tmp_path / "book.html"
    doc.write_text(pdf.print_document(site), encoding="utf-8")
    with HeadlessChromium(chromium) as browser:
        browser.send("Emulation.setEmulatedMedia", {"media": "print"})
        browser.send("Emulation.setDeviceMetricsOverride", {"width": 720, "height": 1000, "deviceScaleFactor": 1,
                                                            "mobile": False})
        browser.visit(doc.as_uri(), None, settle=0.3)
        wide = browser.evaluate("Array.prototype.filter.call(document.querySelectorAll('table'), function(t){"
                                "return t.getBoundingClientRect().right > document.documentElement.clientWidth + 1;}).length")
        assert wide == 0, f"{wide} tables are wider than the printed page"
    out = pdf.build_pdf(site, tmp_path / "book.pdf", chromium)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") > 20
