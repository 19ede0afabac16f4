"""Build the book: execute chapters with papermill (in parallel), merge the claim
verdicts, render the 'Claims at a glance' page, then run jupyter-book.

A chapter is re-executed only when its inputs changed: its source, the code in
``analysis/``, the claims data file, its parameters or the input data (content
hashes recorded in ``book/.hashes``). ``--force`` re-executes everything.

Run as ``python -m analysis.build.pipeline [--force] [--jobs N] [--only CHAPTER ...]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import config
from ..atomic import atomic_path, write_text

BOOK = config.REPO_ROOT / "book"
SOURCES = BOOK / "src"
HASHES = BOOK / ".hashes"
LOGS = config.BUILD_DIR / "logs"
LAST = ("glance", "intro")  # pages that read the merged claims.json and so run last


def log(msg: str) -> None:
    print(f"[book {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def chapter_sources() -> list[Path]:
    return sorted(SOURCES.glob("*.md"))


def _hash_files(paths, h) -> None:
    for p in sorted(paths):
        h.update(str(p).encode())
        h.update(p.read_bytes())


def _code_paths() -> list[Path]:
    return [p for p in (config.REPO_ROOT / "analysis").rglob("*.py")] + sorted(
        p for p in (config.REPO_ROOT / "data").glob("*") if p.is_file())


# Bookkeeping of the live refresh that is not input data: the manifest changes its
# retrieval times on every `make data` even when no value changed, and hidden files are
# temporary files of atomic writes or the state of an unfinished refresh.
_NOT_DATA = {"manifest.json"}


def data_fingerprint(data_dir: Path) -> str:
    """Content hash of every input data file (snapshot, live cache and the transcribed
    printed tables that the printed-tables chapter reads from ../shared/claims)."""
    from ..sources.seed_tables import seed_tables_dir

    h = hashlib.sha256()
    for root in dict.fromkeys((data_dir, config.cache_dir(), seed_tables_dir())):
        if root.is_dir():
            _hash_files([p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")
                         and p.name not in _NOT_DATA], h)
    return h.hexdigest()


def resolve_data_dir(explicit=None) -> Path:
    """The snapshot folder. Without one (and no explicit location) fall back to the live
    cache's stand-in, running the live refresh first when there is no cache either.

    The stand-in holds Kolada's municipality list only; SKR's group and political-rule
    files have no API, so chapters that need them still require the real snapshot.
    """
    from ..errors import DataError
    from ..sources.download import cache as live
    from ..sources.kolada import snapshot_root

    try:
        return snapshot_root(explicit)
    except DataError as exc:
        if explicit or os.environ.get(config.DATA_ENV_VAR):
            raise  # the user pointed somewhere: say it is wrong rather than guess
        missing = exc
    if live.standin_ready():
        log(f"no data snapshot at {config.data_dir()}: using the live cache {config.cache_dir()} (from `make data`)")
        return live.standin_root()
    log(str(missing))
    log("Neither the data snapshot nor the live cache was found: running the live refresh (`make data`) first …")
    from ..sources.download.refresh import EXIT_PARTIAL
    from ..sources.download.refresh import main as refresh

    code = refresh([])
    if code not in (0, EXIT_PARTIAL) or not live.standin_ready():
        raise DataError("The live refresh did not complete (see above) and there is no data snapshot, so the book "
                        "cannot be built. Connect to the internet and run `make book` again, or put the snapshot "
                        f"at {config.data_dir()} (or set {config.DATA_ENV_VAR}).")
    if code == EXIT_PARTIAL:
        log("the refresh downloaded most files but some failed (listed above); building with what arrived")
    return live.standin_root()


def chapter_hash(src: Path, params: dict, data_hash: str, extra: bytes = b"") -> str:
    h = hashlib.sha256()
    _hash_files([src, *_code_paths()], h)
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(data_hash.encode())
    h.update(extra)
    return h.hexdigest()


def _is_fresh(name: str, digest: str) -> bool:
    stamp = HASHES / f"{name}.json"
    if not stamp.is_file() or not (BOOK / f"{name}.ipynb").is_file():
        return False
    rec = json.loads(stamp.read_text())
    if rec.get("hash") != digest:
        return False
    return not rec.get("has_claims") or (config.CLAIM_RESULTS_DIR / f"{name}.json").is_file()


def _to_ipynb(src: Path, dest: Path) -> None:
    import jupytext
    import nbformat

    nb = jupytext.read(src)
    nbformat.write(nb, dest)


def _tidy_executed(path: Path) -> None:
    """Hide papermill's injected-parameters cell from readers."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, path)


def execute(src: Path, params: dict) -> float:
    """Execute one chapter with papermill in its own process; atomic output."""
    name = src.stem
    LOGS.mkdir(parents=True, exist_ok=True)
    work = config.BUILD_DIR / "src"
    work.mkdir(parents=True, exist_ok=True)
    raw = work / f"{name}.ipynb"
    _to_ipynb(src, raw)
    start = time.time()
    claims_file = config.CLAIM_RESULTS_DIR / f"{name}.json"
    if claims_file.exists():
        claims_file.unlink()  # a stale verdict must never survive a failed run
    env = dict(os.environ, PYTHONPATH=str(config.REPO_ROOT), MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    with atomic_path(BOOK / f"{name}.ipynb") as tmp:
        cmd = [sys.executable, "-m", "papermill", str(raw), str(tmp.with_suffix(".ipynb")),
               "--cwd", str(config.REPO_ROOT), "--kernel", "python3", "--no-progress-bar", "--log-level", "WARNING"]
        for k, v in params.items():
            cmd += ["-p", k, str(v)]
        with open(LOGS / f"{name}.log", "w") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
        out = tmp.with_suffix(".ipynb")
        if proc.returncode != 0:
            if out.exists():
                out.rename(config.BUILD_DIR / f"failed-{name}.ipynb")
            tail = (LOGS / f"{name}.log").read_text()[-3000:]
            raise RuntimeError(f"Chapter {name} failed (log: {LOGS / f'{name}.log'}):\n{tail}")
        _tidy_executed(out)
        os.replace(out, tmp)
    return time.time() - start


def run_chapters(sources, params, data_hash, jobs, force, extra=b"") -> None:
    todo = []
    for src in sources:
        digest = chapter_hash(src, params, data_hash, extra)
        if force or not _is_fresh(src.stem, digest):
            todo.append((src, digest))
        else:
            log(f"{src.stem}: unchanged, reusing executed notebook")
    if not todo:
        return

    def one(item):
        src, digest = item
        log(f"{src.stem}: executing …")
        secs = execute(src, params)
        has_claims = (config.CLAIM_RESULTS_DIR / f"{src.stem}.json").is_file()
        write_text(HASHES / f"{src.stem}.json", json.dumps({"hash": digest, "has_claims": has_claims}))
        log(f"{src.stem}: done in {secs:.1f} s")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for _ in pool.map(one, todo):
            pass


HTML_STAMP = config.BUILD_DIR / "html" / ".inputs.sha256"


def html_inputs_hash() -> str:
    """Hash of what jupyter-book renders: its config, the toc and everything under book/
    except the chapter sources and hash stamps (the executed notebooks are what it reads)."""
    h = hashlib.sha256()
    files = [config.REPO_ROOT / "_config.yml", config.REPO_ROOT / "_toc.yml"]
    files += [p for p in BOOK.rglob("*") if p.is_file() and SOURCES not in p.parents and HASHES not in p.parents]
    _hash_files([f for f in files if f.is_file()], h)
    return h.hexdigest()


def build_html(force: bool = False) -> None:
    digest = html_inputs_hash()
    index = config.BUILD_DIR / "html" / "index.html"
    if not force and index.is_file() and HTML_STAMP.is_file() and HTML_STAMP.read_text().strip() == digest:
        log("jupyter-book: nothing it renders changed, reusing the site")
        return
    log("jupyter-book: building static HTML (warnings are errors) …")
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(config.REPO_ROOT),
           "--builder", "html", "-W", "-n", "--keep-going"]
    env = dict(os.environ, PYTHONPATH=str(config.REPO_ROOT))
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    (LOGS / "jupyter-book.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    write_text(HTML_STAMP, digest + "\n")
    log(f"site written to {index}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="re-execute every chapter")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("BOOK_JOBS", os.cpu_count() or 2)))
    ap.add_argument("--data-dir", default=None, help="snapshot folder (default ../shared/data or $MUNI_DATA_DIR)")
    ap.add_argument("--no-html", action="store_true", help="execute chapters only")
    ap.add_argument("--only", nargs="+", default=None, help="execute only these chapters (implies --no-html)")
    args = ap.parse_args(argv)
    t0 = time.time()
    from ..errors import ClaimsError, DataError
    from ..rules import collect
    from ..rules.claims import claims

    try:
        claims()  # an invalid claims file stops the build before any chapter runs
    except ClaimsError as exc:
        print(exc, file=sys.stderr, flush=True)
        return 2
    try:
        data_dir = resolve_data_dir(args.data_dir)
        from ..sources import snapshot

        snapshot.verify(data_dir)  # a changed or cut data file stops here, named
    except DataError as exc:
        print(f"[book] {exc}", file=sys.stderr, flush=True)
        return 2
    params = {"data_dir": str(data_dir)}
    log(f"data: {data_dir}")
    log("fingerprinting input data …")
    data_hash = data_fingerprint(data_dir)
    sources = chapter_sources()
    if args.only:
        unknown = set(args.only) - {s.stem for s in sources}
        if unknown:
            raise SystemExit(f"Unknown chapter(s) {sorted(unknown)}; have {[s.stem for s in sources]}")
        sources = [s for s in sources if s.stem in args.only]
        args.no_html = True
    first = [s for s in sources if s.stem not in LAST]
    last = [s for s in sources if s.stem in LAST]
    log(f"{len(first)} chapters, {args.jobs} in parallel")
    run_chapters(first, params, data_hash, args.jobs, args.force)
    if args.only:  # partial run: merge whatever chapters have results
        built = [s.stem for s in chapter_sources() if s.stem not in LAST
                 and (config.CLAIM_RESULTS_DIR / f"{s.stem}.json").is_file()]
    else:
        built = [s.stem for s in first]
    out = collect.write(chapters_built=built)
    log(f"verdicts merged into {out}")
    run_chapters(last, params, data_hash, args.jobs, args.force, extra=out.read_bytes())
    if not args.no_html:
        build_html(force=args.force)
    log(f"total {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
