"""The reviewer's command line: look up any claim of the ledger and its verdict.

    python -m analysis claim C115                 # one claim, computed now
    python -m analysis claims --theme b --verdict "partly supported"
    python -m analysis readme-map                 # the README's claim/figure map
    python -m analysis sitecheck                  # broken links/images in _build/html

``claim`` computes the verdict with the chapter's own ``evaluate(data_dir)`` (the
function the notebook runs), records it like the book does and merges it with
:func:`analysis.rules.collect.merge`, so the command line and the book cannot disagree.
``claims`` lists verdicts from ``_build/claims.json`` (written by ``make book``) or,
with ``--compute``, evaluates the chapters it needs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from . import config
from .atomic import write_text
from .presentation.claim_report import OTHER_THEME, format_claim, format_listing, theme_values

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_BAD_INPUT = 2  # a data file that is missing, changed, cut or malformed
KPI_RE = re.compile(r"\b([NU]\d{5})\b")


class CliError(Exception):
    """A problem the user can act on; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_FAILED):
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------ normalising input
def normalise_id(raw: str) -> str:
    """'c115', '115' and 'C115' all mean C115; anything else is an unknown id."""
    from .rules.claims import claims

    s = str(raw).strip().upper()
    if s.isdigit():
        s = f"C{int(s):03d}"
    elif re.fullmatch(r"C\d{1,3}", s):
        s = f"C{int(s[1:]):03d}"
    ledger = claims()
    if s not in ledger:
        ids = sorted(ledger)
        raise CliError(f"Unknown claim id {raw!r}: the ledger (data/claims.yaml) has {ids[0]}–{ids[-1]}.", EXIT_USAGE)
    return s


def normalise_theme(raw: str) -> str:
    s = raw.strip().lower()
    themes = theme_values()
    if s in ("other", "none"):
        s = OTHER_THEME
    if s not in themes:
        listed = "; ".join(f"{k} = {v}" for k, v in themes.items())
        raise CliError(f"Unknown theme {raw!r}. Themes: {listed}.", EXIT_USAGE)
    return s


def verdict_values() -> list[str]:
    from .presentation.glance import PENDING
    from .rules.claims import VERDICTS

    return [*VERDICTS, PENDING]


def normalise_verdict(raw: str) -> str:
    from .presentation.glance import PENDING

    s = re.sub(r"[-_\s]+", " ", raw.strip().lower())
    if s in ("pending", "not evaluated", "not yet evaluated"):
        s = PENDING
    if s not in verdict_values():
        raise CliError(f"Unknown verdict {raw!r}. Verdicts: {', '.join(verdict_values())}.", EXIT_USAGE)
    return s


def normalise_document(raw: str) -> str:
    from .rules.claims import claims

    s = raw.strip()
    if s.isdigit():
        s = f"{int(s):03d}"
    docs = sorted({str(e.get("document", "")) for e in claims().values()})
    if s not in docs:
        raise CliError(f"Unknown document {raw!r}. Documents: {', '.join(docs)}.", EXIT_USAGE)
    return s


def normalise_chapter(raw: str) -> str:
    from .chapters import CHAPTER_MODULES

    s = raw.strip().lower().replace("_", "-")
    if s not in CHAPTER_MODULES:
        raise CliError(f"Unknown chapter {raw!r}. Chapters: {', '.join(CHAPTER_MODULES)}.", EXIT_USAGE)
    return s


# ------------------------------------------------------------------ computing verdicts
def resolve_data_dir(explicit=None) -> Path:
    """The snapshot folder (or the live cache's stand-in); never starts a download."""
    from .errors import DataError
    from .sources.kolada import snapshot_root

    try:
        return snapshot_root(explicit)
    except DataError:
        if explicit or os.environ.get(config.DATA_ENV_VAR):
            raise
        from .sources.download import cache as live

        if live.standin_ready():
            return live.standin_root()
        raise


def evaluate_chapters(chapters: list[str], data_dir, progress=None) -> tuple[list[dict], dict[str, float]]:
    """Run each chapter's ``evaluate(data_dir)``, record and merge the results exactly as
    ``make book`` does; return the merged claims.json entries and seconds per chapter.

    Anything the chapters print goes to stderr, so ``--json`` output stays clean.
    """
    from .chapters import CHAPTER_MODULES, chapter_module
    from .rules import claims as C
    from .rules import collect

    seconds = {}
    with tempfile.TemporaryDirectory(prefix="claims-") as tmp:
        for ch in chapters:
            try:
                module = chapter_module(ch)
            except ModuleNotFoundError as exc:
                raise CliError(
                    f"Chapter {ch!r} has no module yet ({CHAPTER_MODULES[ch]} cannot be imported: {exc}).") from exc
            if progress:
                progress(f"evaluating chapter {ch} with {module.__name__}.evaluate(data_dir) …")
            t0 = time.time()
            with contextlib.redirect_stdout(sys.stderr):
                results = module.evaluate(str(data_dir) if data_dir is not None else None)
            seconds[ch] = time.time() - t0
            C.record(ch, results, out_dir=Path(tmp))
        return collect.merge(Path(tmp), chapters_built=list(chapters)), seconds


def build_staleness(data_dir) -> str | None:
    """Why ``_build/claims.json`` may not match the code, ledger and data now (None if fresh).

    Uses the pipeline's own fingerprints (``_build/stamps``), so 'fresh' means exactly what
    ``make book`` means by it: the same code each chapter imported, data, cache use and parameters.
    """
    from .build import pipeline
    from .chapters import CHAPTER_MODULES

    if not config.CLAIMS_JSON.is_file():
        return f"{config.CLAIMS_JSON} does not exist (run `make book`)"
    stale = pipeline.stale_chapters(Path(data_dir), names=set(CHAPTER_MODULES))
    if stale:
        ch, why = sorted(stale.items())[0]
        more = f" (and {len(stale) - 1} more)" if len(stale) > 1 else ""
        return f"chapter {ch} is not fresh: {why}{more}"
    built = config.CLAIMS_JSON.stat().st_mtime
    for part in config.CLAIM_RESULTS_DIR.glob("*.json"):
        if part.stat().st_mtime > built:
            return f"{part.name} is newer than claims.json"
    return None


def load_build() -> list[dict]:
    try:
        entries = json.loads(config.CLAIMS_JSON.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CliError("No verdicts yet: _build/claims.json not found. Run `make book` first, "
                       "or pass --compute to evaluate the chapters now.") from exc
    except IsADirectoryError as exc:
        raise CliError(f"{config.CLAIMS_JSON} is a directory, not the build's verdicts; remove it and run "
                       f"`make book`.", EXIT_BAD_INPUT) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{config.CLAIMS_JSON} cannot be read ({exc}); run `make book` again.", EXIT_BAD_INPUT) from exc
    except json.JSONDecodeError as exc:
        raise CliError(f"{config.CLAIMS_JSON} is corrupt ({exc}); run `make book` again.") from exc
    problem = _build_shape_problem(entries)
    if problem:
        raise CliError(f"{config.CLAIMS_JSON} is not this book's verdict file ({problem}); run `make book` again.",
                       EXIT_BAD_INPUT)
    return entries


def _build_shape_problem(entries) -> str | None:
    """What is wrong with the shape of a parsed claims.json (None if it is a list of entries)."""
    if not isinstance(entries, list):
        return f"expected a list of claim entries, found a JSON {type(entries).__name__}"
    for i, e in enumerate(entries):
        if not isinstance(e, dict):
            return f"entry {i + 1} is a JSON {type(e).__name__}, not an object"
        for key, typ in (("id", str), ("verdict", str), ("checks", list)):
            if not isinstance(e.get(key), typ):
                return f"entry {i + 1} has no {key} of type {typ.__name__}"
        if not all(isinstance(c, dict) for c in e["checks"]):
            return f"claim {e['id']}: a check is not an object"
    return None


# ------------------------------------------------------------------ one claim
def kpis_used(result: dict | None) -> list[tuple[str, str]]:
    """Kolada KPIs named in a claim's checks, with their catalogue titles."""
    from .sources.catalogue import catalogue

    if not result:
        return []
    text = " ".join(f"{c.get('label', '')} {c.get('note', '')}" for c in result.get("checks", []))
    text += " " + result.get("summary", "")
    cat = catalogue()
    out = []
    for kpi in dict.fromkeys(KPI_RE.findall(text)):
        out.append((kpi, cat.loc[kpi, "title"] if kpi in cat.index else "(not in the KPI catalogue)"))
    return out


# Sources other than Kolada, recognised by how the checks' notes name them.
OTHER_SOURCES = {
    "Skatteverket": "Skatteverket's tax-rate files (total rates 2018–2026, via the skattesnurra project)",
    "SCB": "SCB (Statistics Sweden)",
    "Tabell": "the document's printed tables (data/seed-tables)",
    "seed table": "the document's printed tables (data/seed-tables)",
    "Nordin": "M. Nordin's municipal panel (mattiasnordin/Regression)",
}


def other_sources(result: dict | None) -> list[str]:
    """Non-Kolada sources named in a claim's checks, so a reviewer sees every input."""
    if not result:
        return []
    text = " ".join(f"{c.get('label', '')} {c.get('note', '')}" for c in result.get("checks", []))
    text += " " + result.get("summary", "")
    return list(dict.fromkeys(desc for key, desc in OTHER_SOURCES.items() if key in text))


def data_years(result: dict | None) -> list:
    years = []
    for c in (result or {}).get("checks", []):
        y = c.get("year_data")
        if y is not None and y not in years:
            years.append(y)
    return years


def claim_report(claim_id: str, data_dir=None, from_build: bool = False, progress=None) -> dict:
    """Everything the command line says about one claim, as a dict (also the --json output)."""
    from .chapters import titles
    from .rules.claims import claim as ledger_claim

    CHAPTER_TITLES = titles()

    cid = normalise_id(claim_id)
    entry = ledger_claim(cid)
    status = entry.get("status", "pending")
    chapters = list(entry.get("chapters") or [])
    report = {
        "id": cid,
        "theme": entry.get("theme", OTHER_THEME),
        "document": str(entry.get("document", "")),
        "where": entry.get("where", ""),
        "claim": entry.get("claim", ""),
        "numbers_as_printed": entry.get("numbers_as_printed", ""),
        "cited_source": entry.get("cited_source", ""),
        "status": status,
        "chapters": [{"name": ch, "title": CHAPTER_TITLES.get(ch, ch), "page": f"_build/html/book/{ch}.html#{cid}"}
                     for ch in chapters],
        "reason": entry.get("reason") or "",
        "result": None,
        "source": None,
        "data_dir": None,
        "kpis": [],
        "other_sources": [],
        "data_years": [],
        "seconds": {},
    }
    if status == "pending":
        report["source"] = "ledger"
        return report
    if status == "not testable" and not chapters:
        report["source"] = "ledger"
        report["result"] = {"id": cid, "theme": report["theme"], "chapter": "", "verdict": "not testable",
                            "summary": report["reason"] or "No public data can test this claim.", "checks": []}
        return report
    if not chapters:
        raise CliError(f"{cid} is marked {status!r} in data/claims.yaml but lists no chapter that evaluates it.")
    data_dir = resolve_data_dir(data_dir)
    report["data_dir"] = str(data_dir)
    if from_build:
        stale = build_staleness(data_dir)
        if stale:
            raise CliError(f"--from-build: _build/claims.json is not fresh ({stale}). Run `make book`, "
                           "or drop --from-build to compute the verdict now.")
        entries = load_build()
        report["source"] = "build"
    else:
        entries, report["seconds"] = evaluate_chapters(chapters, data_dir, progress)
        report["source"] = "computed"
    found = [e for e in entries if e["id"] == cid]
    if not found:
        raise CliError(f"{cid}: the chapters {chapters} did not record this claim (ledger and book disagree).")
    report["result"] = found[0]
    report["kpis"] = [{"id": k, "title": t} for k, t in kpis_used(found[0])]
    report["other_sources"] = other_sources(found[0])
    report["data_years"] = data_years(found[0])
    return report


# ------------------------------------------------------------------ the listing
def filter_table(table, theme=None, document=None, verdict=None, chapter=None):
    """Rows of a glance table matching every given filter (a theme 'b' matches 'b,c')."""
    mask = table["id"].notna()
    if theme:
        mask &= table["theme"].map(lambda t: theme in [x.strip() for x in str(t).split(",")])
    if document:
        mask &= table["document"].astype(str) == document
    if verdict:
        mask &= table["verdict"] == verdict
    if chapter:
        mask &= table["chapter"].map(lambda c: chapter in [x.strip() for x in str(c).split(",")])
    return table[mask].reset_index(drop=True)


def chapters_needed(theme=None, document=None, chapter=None) -> list[str]:
    """The chapters whose evaluate() a filtered listing needs (all chapters of every claim it may show)."""
    from .chapters import CHAPTER_MODULES
    from .rules.claims import claims

    need = set()
    for e in claims().values():
        chs = list(e.get("chapters") or [])
        if theme and theme not in [x.strip() for x in str(e.get("theme", "")).split(",")]:
            continue
        if document and str(e.get("document")) != document:
            continue
        if chapter and chapter not in chs:
            continue
        if e.get("status") != "pending":
            need.update(chs)
    return [c for c in CHAPTER_MODULES if c in need]


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Look up the book's claims and verdicts (the same functions the book runs).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 fine, 1 could not compute (data, stale build, missing chapter), "
               "2 bad input (unknown id, theme, verdict, document or chapter).",
    )
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    c = sub.add_parser(
        "claim", help="one claim: where it is printed, the checks, data, verdict and chapter",
        description="Print one claim: where it is printed, published vs reproduced for each check, the data "
                    "and years used, the verdict and the chapter. The verdict is computed now by the chapter's "
                    "evaluate(data_dir), the function the book runs (a few seconds; the activation-reforms "
                    "chapter takes about 15 s). Not-testable claims print their reason; pending ones say so.")
    c.add_argument("id", help="claim id, e.g. C115 (also c115 or 115)")
    c.add_argument("--data-dir", default=None, help="data folder: a snapshot or the raw archive (default data/ or $MUNI_DATA_DIR)")
    c.add_argument("--from-build", action="store_true",
                   help="read _build/claims.json instead of computing; refused unless it is fresh "
                        "(the chapter's code, ledger and data unchanged since `make book`)")
    c.add_argument("--json", action="store_true", help="machine-readable output (the claims.json entry plus the "
                   "ledger fields)")

    ls = sub.add_parser(
        "claims", help="list claims with their verdicts, filtered",
        description="List ledger claims with their verdicts. Verdicts come from _build/claims.json, written by "
                    "`make book`; without it the command stops and says so. --compute evaluates the chapters the "
                    "listing needs now instead (about 20 s for all chapters). Pending claims show 'not yet "
                    "evaluated'. A stale claims.json (code, ledger or data changed since the build) is used with a "
                    "warning.")
    ls.add_argument("--theme", help="a (private providers), b (Solna–Sundbyberg), c (activation reforms), "
                                    "- (other claims); 'b' also matches claims of themes b and c")
    ls.add_argument("--document", help="document id 000–004 (or 0–4)")
    ls.add_argument("--verdict", help=f"one of: {', '.join(verdict_values())} (or 'pending')")
    ls.add_argument("--chapter", help="chapter name, e.g. solna-sundbyberg")
    ls.add_argument("--compute", action="store_true", help="evaluate the chapters now instead of reading the build")
    ls.add_argument("--data-dir", default=None, help="data snapshot folder (with --compute)")
    ls.add_argument("--json", action="store_true", help="machine-readable output (one object per claim)")

    rm = sub.add_parser("readme-map", help="print the README's map of claims and figures to chapters and functions",
                        description="Print, as markdown, which chapter and function produce each claim's verdict "
                                    "and each figure and table (from data/claims.yaml, analysis.chapters and the "
                                    "chapter sources). Paste it into README.md's marked section.")
    rm.add_argument("--output", default=None, help="write to this file instead of stdout")
    rm.add_argument("--page", action="store_true",
                    help="write the book's appendix page book/claim-map.md (the map without line numbers)")
    rm.add_argument("--update", default=None, metavar="README",
                    help="replace the section between <!-- BEGIN readme-map --> and <!-- END readme-map --> in "
                         "this file (e.g. README.md)")

    sc = sub.add_parser("sitecheck", help="check internal links and images of the built site",
                        description="Parse every HTML file of the built site and report relative links, images "
                                    "and scripts that point to missing files or missing #anchors.")
    sc.add_argument("site", nargs="?", default=str(config.BUILD_DIR / "html"), help="site folder (default _build/html)")
    return ap


def _progress(msg: str) -> None:
    print(f"[claims] {msg}", file=sys.stderr, flush=True)


def _run(args) -> int:
    if args.command == "claim":
        report = claim_report(args.id, args.data_dir, from_build=args.from_build, progress=_progress)
        print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else format_claim(report))
        return EXIT_OK

    if args.command == "claims":
        from .presentation.glance import glance_table

        theme = normalise_theme(args.theme) if args.theme else None
        document = normalise_document(args.document) if args.document else None
        verdict = normalise_verdict(args.verdict) if args.verdict else None
        chapter = normalise_chapter(args.chapter) if args.chapter else None
        if args.compute:
            data_dir = resolve_data_dir(args.data_dir)
            entries, _ = evaluate_chapters(chapters_needed(theme, document, chapter), data_dir, _progress)
        else:
            entries = load_build()
            try:
                stale = build_staleness(resolve_data_dir(args.data_dir))
            except Exception as exc:  # a freshness probe must not hide the listing
                stale = f"freshness could not be checked ({exc})"
            if stale:
                _progress(f"warning: verdicts may be out of date: {stale}. Run `make book`, or use --compute.")
        table = filter_table(glance_table(entries), theme, document, verdict, chapter)
        if args.json:
            print(json.dumps(table.to_dict(orient="records"), ensure_ascii=False, indent=1))
        else:
            print(format_listing(table))
        return EXIT_OK

    if args.command == "readme-map":
        from .build.readme_map import markdown, update_file

        if args.page:
            from .build.readme_map import PAGE, write_page

            changed = write_page()
            print(f"{PAGE.relative_to(config.REPO_ROOT)}: {'written' if changed else 'already up to date'}")
            return EXIT_OK
        if args.update:
            try:
                changed = update_file(Path(args.update))
            except ValueError as exc:
                raise CliError(str(exc)) from exc
            print(f"{args.update}: map {'updated' if changed else 'already up to date'}")
            return EXIT_OK
        text = markdown()
        if args.output:
            out = Path(args.output)
            if out.is_dir():
                raise CliError(f"--output {out} is a directory; give a file name, e.g. {out / 'claim-map.md'}",
                               EXIT_USAGE)
            try:
                write_text(out, text)
            except OSError as exc:
                raise CliError(f"--output {out}: cannot write ({exc.strerror or exc})", EXIT_USAGE) from exc
        else:
            print(text, end="")
        return EXIT_OK

    if args.command == "sitecheck":
        from .build.sitecheck import check_site, format_problems

        problems = check_site(Path(args.site))
        print(format_problems(problems, Path(args.site)))
        return EXIT_FAILED if problems else EXIT_OK
    raise AssertionError(args.command)


def main(argv=None) -> int:
    from .errors import DataError
    from .rules.claims import ClaimsError, claims

    args = _parser().parse_args(argv)
    try:
        if args.command != "sitecheck":
            claims()  # an invalid claims file: its message(s) only, one a line, and exit 2
    except ClaimsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    try:
        return _run(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except DataError as exc:  # bad input data: one line naming the file, exit 2 as `make book` does
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (ClaimsError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
