"""The whole book as one PDF (``make pdf``): every page of the built site, in the order of
_toc.yml, joined into one print document and printed by Debian's headless Chromium
(``chromium --headless --print-to-pdf``; pyppeteer's own browser download is not reachable).

The print layout is book/_static/reader.css's ``@media print`` part: no navigation, tables
whole (wrapped, never cut at the page edge), collapsed blocks opened.

Run as ``python -m analysis.build.pdf [--site _build/html] [--out _build/book.pdf]``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import config
from .sitecheck import find_chromium

ARTICLE = re.compile(r'<article class="bd-article"[^>]*>(.*?)</article>', re.S)
STYLES = re.compile(r'<link rel="stylesheet"[^>]*>|<style>.*?</style>', re.S)


def page_order(root: Path = config.REPO_ROOT) -> list[str]:
    """The site's pages in reading order (root first, then the chapters of _toc.yml)."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for c in toc.get("chapters", []) if isinstance(c, dict) and "file" in c]
    return [f"{f}.html" for f in files]


def print_document(site: Path) -> str:
    """One HTML document holding every page's article, links between pages made internal."""
    site = Path(site).resolve()
    pages = page_order()
    first = (site / pages[0]).read_text(encoding="utf-8")
    head = "\n".join(STYLES.findall(first.split("</head>", 1)[0]))
    parts = []
    for rel in pages:
        path = site / rel
        if not path.is_file():
            continue
        m = ARTICLE.search(path.read_text(encoding="utf-8"))
        if not m:
            continue
        body = m.group(1)
        body = re.sub(r"<details(?![^>]*\bopen\b)", "<details open", body)  # print the collapsed blocks too
        # a link to another page of the book becomes a link inside this document
        body = re.sub(r'href="([a-z0-9-]+)\.html#([^"]+)"', r'href="#\2"', body)
        body = re.sub(r'href="([a-z0-9-]+)\.html"', r'href="#page-\1"', body)
        parts.append(f'<section class="print-page" id="page-{Path(rel).stem}">{body}</section>')
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{config.REPO_ROOT.name}</title>'
            f'<base href="{(site / pages[0]).parent.as_uri()}/">{head}'
            "<style>.print-page { page-break-before: always; } .print-page:first-child { page-break-before: auto; }"
            " .headerlink, .toggle-details, button.toggle-button { display: none; } body { margin: 0 1.5em; }"
            " .bd-article { max-width: none; }</style></head>"
            f'<body><div class="bd-article">{"".join(parts)}</div></body></html>')


def build_pdf(site: Path, out: Path, chromium: str | None = None) -> Path:
    site, out = Path(site).resolve(), Path(out).resolve()
    chromium = chromium or find_chromium()
    if not chromium:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium); `make pdf` needs it")
    if not (site / "index.html").is_file():
        raise SystemExit(f"No built site at {site}: run `make book` first")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="book-pdf-") as tmp:
        doc = Path(tmp) / "book.html"
        doc.write_text(print_document(site), encoding="utf-8")
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
               "--virtual-time-budget=10000", f"--print-to-pdf={out}", doc.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0 or not out.is_file():
            raise SystemExit(f"chromium could not print the book:\n{proc.stderr[-2000:]}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, default=config.BUILD_DIR / "html")
    ap.add_argument("--out", type=Path, default=config.BUILD_DIR / "book.pdf")
    args = ap.parse_args(argv)
    out = build_pdf(args.site, args.out)
    print(f"[pdf] {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
