"""Build the book: execute chapters with papermill (in parallel), merge the claim
verdicts, render the 'Claims at a glance' page, then run jupyter-book.

A chapter is re-executed only when something that can change its numbers changed
(its fingerprint, recorded in ``_build/stamps/<chapter>.json``):

- its source ``book/src/<chapter>.md``;
- the ``analysis`` modules its kernel actually imported (recorded by the run itself,
  so editing one chapter's package re-executes that chapter only), and the list of
  modules in their packages (a new module can change what a package discovers);
- every file under ``data/`` (the claims ledger, the KPI catalogue, a snapshot kept there),
  ``requirements.txt`` (package versions), and its papermill parameters;
- the input data: every file of the data folder the build reads, the transcribed seed
  tables, whether the live cache is used (``MUNI_USE_CACHE``) and, when it is, the cache's
  files and the sha256 sums its manifest records.

Everything is hashed by paths *relative* to its root, so moving the checkout re-executes
nothing. ``--force`` re-executes everything.

Robustness: a chapter runs in ``_build/work`` and its notebook and verdicts are moved into
``book/`` and ``_build/claims`` only when it succeeded, so nothing a failed or killed build
leaves is ever published or merged; a failing chapter is named (all of them are), its old
verdicts are withdrawn and the build exits 1 without a traceback. One build at a time per
checkout (``_build/build.lock``).

Run as ``python -m analysis.build.pipeline [--force] [--jobs N] [--only CHAPTER ...]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from .. import config
from ..atomic import write_text

BOOK = config.REPO_ROOT / "book"
SOURCES = BOOK / "src"
STAMPS = config.BUILD_DIR / "stamps"
WORK = config.BUILD_DIR / "work"
LOCK = config.BUILD_DIR / "build.lock"
LOGS = config.BUILD_DIR / "logs"
LAST = ("glance", "intro", "sammanfattning")  # pages that read the merged claims.json and so run last
FINGERPRINT_FORMAT = b"fingerprint-v2"
EXIT_FAILED, EXIT_INPUT, EXIT_LOCKED = 1, 2, 3
DEPS_ENV_VAR = "MUNI_BUILD_DEPS_FILE"
DEPS_MARK = "build-deps"
# The last cell of every executed notebook (removed before publication): which files the
# kernel imported. Exactly what the chapter ran, including modules imported dynamically.
DEPS_CELL = (
    "import json as _json, os as _os, sys as _sys\n"
    f"_deps_file = _os.environ.get({DEPS_ENV_VAR!r})\n"
    "if _deps_file:\n"
    "    with open(_deps_file, 'w', encoding='utf-8') as _fh:\n"
    "        _json.dump(sorted({str(getattr(_m, '__file__', None)) for _m in list(_sys.modules.values())\n"
    "                           if getattr(_m, '__file__', None)}), _fh)\n"
)


class BuildLocked(Exception):
    """Another build holds this checkout's lock."""


def log(msg: str) -> None:
    print(f"[book {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def chapter_sources() -> list[Path]:
    return sorted(SOURCES.glob("*.md"))


# ------------------------------------------------------------------ fingerprints
def _hash_files(paths, h, root: Path) -> None:
    """Hash each file's path relative to ``root`` and its bytes (a missing file hashes as such)."""
    for p in sorted({Path(p) for p in paths}, key=lambda q: _rel(q, root)):
        h.update(_rel(p, root).encode() + b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:  # missing (a module was deleted or moved) or unreadable: differs from any content
            h.update(b"\0<missing>\0")
        h.update(b"\0")


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


def _data_files(root: Path) -> list[Path]:
    """Regular files under ``root``, hidden files and folders excluded (temporary files of
    atomic writes, the state of an unfinished refresh)."""
    if not root.is_dir():
        return []
    return [p for p in root.rglob("*") if p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(root).parts)]


# Bookkeeping of the live refresh: its retrieval times change on every `make data` even when
# no value changed, so the manifest counts only by the sha256 sums it records.
_NOT_DATA = {"manifest.json"}


def _cache_manifest_sums(cache_root: Path) -> bytes:
    path = cache_root / "manifest.json"
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
        sums = {rel: rec.get("sha256") for rel, rec in files.items() if isinstance(rec, dict)}
    except (OSError, ValueError, AttributeError):
        return b"<no readable manifest>"
    return json.dumps(sums, sort_keys=True).encode()


def data_fingerprint(data_dir: Path, use_cache: bool | None = None) -> str:
    """Content hash of the input data: the data folder, the transcribed seed tables and, when
    the live cache is used, its files and its manifest's sums (paths relative to each root)."""
    from ..sources.seed_tables import seed_tables_dir

    use_cache = config.use_cache() if use_cache is None else use_cache
    cache_root = config.cache_dir()
    h = hashlib.sha256(FINGERPRINT_FORMAT)
    h.update(f"use_cache={use_cache}\0".encode())
    roots = [("data", Path(data_dir)), ("seed", seed_tables_dir())]
    if use_cache:
        roots.append(("cache", cache_root))
        h.update(_cache_manifest_sums(cache_root))
    for label, root in roots:
        h.update(f"\0[{label}]\0".encode())
        _hash_files([p for p in _data_files(root) if p.name not in _NOT_DATA], h, root)
    return h.hexdigest()


def _always_files(root: Path) -> list[Path]:
    """Inputs of every chapter besides its own code: data/ and the package versions."""
    return _data_files(root / "data") + [root / "requirements.txt"]


def _package_listing(deps: list[str], root: Path) -> bytes:
    """The .py files in each package a chapter imported from: a new module can change what
    a package discovers (``analysis.chapters`` finds its chapters by listing them)."""
    dirs = sorted({str(Path(d).parent) for d in deps})
    out = []
    for d in dirs:
        folder = root / d
        names = sorted(p.name for p in folder.glob("*.py")) if folder.is_dir() else ["<missing>"]
        out.append(f"{d}:{','.join(names)}")
    return "\n".join(out).encode()


def code_deps(imported: list[str], root: Path = config.REPO_ROOT) -> list[str]:
    """The files among ``imported`` (paths from the kernel) that belong to this repository's
    ``analysis`` package, relative to the repository root."""
    pkg = (root / "analysis").resolve()
    out = set()
    for f in imported:
        try:
            p = Path(f).resolve()
        except (OSError, ValueError):
            continue
        if p.suffix == ".py" and pkg in p.parents:
            out.add(p.relative_to(root.resolve()).as_posix())
    return sorted(out)


def _public_params(params: dict) -> str:
    """Parameters as hashed: the data folder's *location* is left out (its content is in the
    data fingerprint), so a moved checkout or snapshot re-executes nothing."""
    return json.dumps({k: v for k, v in params.items() if k != "data_dir"}, sort_keys=True)


def chapter_hash(src: Path, params: dict, data_hash: str, deps: list[str], extra: bytes = b"",
                 root: Path = config.REPO_ROOT) -> str:
    """The fingerprint of one chapter given the code files it imported (``deps``, relative)."""
    h = hashlib.sha256(FINGERPRINT_FORMAT)
    _hash_files([src], h, root)
    h.update(b"\0[code]\0")
    _hash_files([root / d for d in deps], h, root)
    h.update(_package_listing(deps, root))
    h.update(b"\0[always]\0")
    _hash_files(_always_files(root), h, root)
    h.update(_public_params(params).encode())
    h.update(data_hash.encode())
    h.update(hashlib.sha256(extra).digest())
    return h.hexdigest()


def read_stamp(name: str) -> dict | None:
    try:
        rec = json.loads((STAMPS / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("deps"), list) or not isinstance(rec.get("hash"), str):
        return None
    return rec


def staleness(src: Path, params: dict, data_hash: str, extra: bytes = b"") -> str | None:
    """Why chapter ``src`` must be re-executed (None when its published notebook is fresh)."""
    name = src.stem
    rec = read_stamp(name)
    if rec is None:
        return "never built (or its last run failed)"
    if not (BOOK / f"{name}.ipynb").is_file():
        return "its executed notebook is missing"
    if rec["hash"] != chapter_hash(src, params, data_hash, rec["deps"], extra):
        return "its source, the code it imports, data/, the data or the parameters changed"
    if rec.get("has_claims") and not (config.CLAIM_RESULTS_DIR / f"{name}.json").is_file():
        return "its recorded verdicts are missing"
    return None


def stale_chapters(data_dir: Path, names=None) -> dict[str, str]:
    """Chapter → reason, for every chapter (except the pages that run last) that is not fresh."""
    params = {"data_dir": str(data_dir)}
    data_hash = data_fingerprint(Path(data_dir))
    out = {}
    for src in chapter_sources():
        if src.stem in LAST or (names is not None and src.stem not in names):
            continue
        why = staleness(src, params, data_hash)
        if why:
            out[src.stem] = why
    return out


# ------------------------------------------------------------------ the data folder
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


# ------------------------------------------------------------------ one build at a time
@contextmanager
def build_lock(path: Path | None = None):
    """Hold this checkout's build lock (``flock``: released by the kernel when the holder dies,
    so a lock left by a killed build is taken over). Raises :class:`BuildLocked` naming the
    other build."""
    import fcntl

    path = Path(path or LOCK)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise BuildLocked(f"another build is running in this checkout ({_describe_holder(path)}); "
                          f"wait for it to finish (or stop it), then run `make book` again") from None
    try:
        old = _read_holder(path)
        if old and old.get("pid") != os.getpid():
            alive = _pid_alive(old.get("pid"))
            log(f"taking over the build lock left by pid {old.get('pid')} (started {old.get('started')}, "
                f"{'still running but not building' if alive else 'no longer running'})")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                                  "command": " ".join(sys.argv)}).encode(), 0)
        yield
    finally:
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        os.close(fd)


def _read_holder(path: Path) -> dict | None:
    try:
        rec = json.loads(path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) else None


def _pid_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _describe_holder(path: Path) -> str:
    rec = _read_holder(path)
    if not rec:
        return f"lock file {_rel(path, config.REPO_ROOT)}"
    return f"pid {rec.get('pid')}, started {rec.get('started')}: {rec.get('command', '?')}"


# ------------------------------------------------------------------ executing
def _to_ipynb(src: Path, dest: Path) -> None:
    import jupytext
    import nbformat

    nb = jupytext.read(src)
    cell = nbformat.v4.new_code_cell(DEPS_CELL)
    cell.metadata["tags"] = ["remove-cell", DEPS_MARK]
    nb.cells.append(cell)
    nbformat.write(nb, dest)


def _tidy_executed(path: Path) -> None:
    """Hide papermill's injected-parameters cell from readers, and the set-up cells that show
    nothing (a "Show code cell content" bar at the top of a page is build residue; the code is
    one click away through the page's download/source button); drop the dependency cell."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if DEPS_MARK not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        silent_setup = cell.cell_type == "code" and "hide-cell" in tags and not cell.get("outputs")
        if ("injected-parameters" in tags or silent_setup) and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, path)


# Runs papermill so that Linux kills it when the build dies (even by SIGKILL): a killed build
# leaves no chapter running (the kernel exits with papermill: ipykernel watches its parent).
# A wrapper rather than preexec_fn, which is unsafe with the build's threads.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(1)  # the build died before the line above took effect\n"
    "os.execv(sys.executable, [sys.executable, '-m', 'papermill', *sys.argv[2:]])\n"
)


class ChapterFailed(Exception):
    def __init__(self, name: str, reason: str, log_path: Path):
        super().__init__(f"{name}: {reason}")
        self.name, self.reason, self.log_path = name, reason, log_path


def _error_line(log_text: str) -> str:
    """The exception line of a papermill log (the last 'SomethingError: …' line)."""
    import re

    clean = re.sub(r"\x1b\[[0-9;]*m", "", log_text)
    lines = [ln.strip() for ln in clean.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", ln):
            return ln[:300]
    return lines[-1][:300] if lines else "no output"


def _withdraw(name: str) -> None:
    """Forget a chapter's published results: its verdicts and its stamp (the notebook is
    re-executed on the next build and never counted fresh)."""
    for p in (config.CLAIM_RESULTS_DIR / f"{name}.json", STAMPS / f"{name}.json"):
        p.unlink(missing_ok=True)


def execute(src: Path, params: dict, digest_of_deps) -> tuple[float, dict]:
    """Execute one chapter with papermill in its own process, entirely inside ``_build/work``;
    on success move its notebook and verdicts into place and return (seconds, stamp)."""
    name = src.stem
    LOGS.mkdir(parents=True, exist_ok=True)
    work = WORK / f"{name}-{os.getpid()}"  # a papermill left running by a killed build writes elsewhere
    shutil.rmtree(work, ignore_errors=True)
    (work / "claims").mkdir(parents=True)
    raw, out, deps_file = work / "source.ipynb", work / "executed.ipynb", work / "deps.json"
    _to_ipynb(src, raw)
    start = time.time()
    env = dict(os.environ, PYTHONPATH=str(config.REPO_ROOT), MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1",
               MUNI_PAGE=name)  # the page's download folder (analysis.presentation.plotting)
    env.update(kernel_env())
    env[config.CLAIM_RESULTS_ENV_VAR] = str(work / "claims")
    env[DEPS_ENV_VAR] = str(deps_file)
    cmd = [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), str(raw), str(out),
           "--cwd", str(config.REPO_ROOT), "--kernel", "python3", "--no-progress-bar", "--log-level", "WARNING"]
    for k, v in params.items():
        cmd += ["-p", k, str(v)]
    log_path = LOGS / f"{name}.log"
    with open(log_path, "w") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    if proc.returncode != 0 or not out.is_file() or not deps_file.is_file():
        if out.exists():
            os.replace(out, config.BUILD_DIR / f"failed-{name}.ipynb")
        shutil.rmtree(work, ignore_errors=True)
        raise ChapterFailed(name, _error_line(log_path.read_text(errors="replace")), log_path)
    deps = code_deps(json.loads(deps_file.read_text(encoding="utf-8")))
    _tidy_executed(out)
    results = work / "claims" / f"{name}.json"
    has_claims = results.is_file()
    # publish: verdicts, then notebook, then stamp. A build killed in between leaves an old
    # stamp, so the chapter counts as stale (re-executed, never merged) until it is rebuilt.
    config.CLAIM_RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    if has_claims:
        os.replace(results, config.CLAIM_RESULTS_DIR / f"{name}.json")
    else:
        (config.CLAIM_RESULTS_DIR / f"{name}.json").unlink(missing_ok=True)
    os.replace(out, BOOK / f"{name}.ipynb")
    shutil.rmtree(work, ignore_errors=True)
    stamp = {"hash": digest_of_deps(deps), "deps": deps, "has_claims": has_claims,
             "seconds": round(time.time() - start, 1)}
    write_text(STAMPS / f"{name}.json", json.dumps(stamp, indent=1))
    return time.time() - start, stamp


def run_chapters(sources, params, data_hash, jobs, force, extra=b"") -> tuple[list[str], list[ChapterFailed]]:
    """Execute the chapters that are not fresh; return (executed names, failures)."""
    todo = []
    for src in sources:
        why = "--force" if force else staleness(src, params, data_hash, extra)
        if why:
            todo.append(src)
            log(f"{src.stem}: executing ({why}) …")
        else:
            log(f"{src.stem}: unchanged, reusing executed notebook")
    failures: list[ChapterFailed] = []
    executed: list[str] = []
    # longest first (by the last run's time): the slowest chapter never starts last
    todo.sort(key=lambda src: -float((read_stamp(src.stem) or {}).get("seconds") or 1e9))

    def one(src):
        try:
            secs, _ = execute(src, params, lambda deps: chapter_hash(src, params, data_hash, deps, extra))
        except ChapterFailed as exc:
            _withdraw(src.stem)
            failures.append(exc)
            log(f"{src.stem}: FAILED ({exc.reason})")
            return
        executed.append(src.stem)
        log(f"{src.stem}: done in {secs:.1f} s")

    if todo:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            list(pool.map(one, todo))
    return executed, sorted(failures, key=lambda f: f.name)


def remove_leftovers() -> None:
    """Delete what an older or killed build may have left where it could be published:
    hidden temporary notebooks in book/, the old stamp folder, unfinished work."""
    for p in BOOK.glob(".*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        elif p.suffix in (".tmp", ".ipynb") or ".ipynb." in p.name:
            p.unlink(missing_ok=True)
    shutil.rmtree(WORK, ignore_errors=True)


# ------------------------------------------------------------------ rendering
HTML_STAMP = config.BUILD_DIR / "html" / ".inputs.sha256"


def html_inputs_hash() -> str:
    """Hash of what jupyter-book renders: its config, the toc and everything under book/
    except the chapter sources (the executed notebooks are what it reads)."""
    h = hashlib.sha256()
    root = config.REPO_ROOT
    files = [root / "_config.yml", root / "_toc.yml"]
    files += [p for p in BOOK.rglob("*") if p.is_file() and SOURCES not in p.parents
              and not p.relative_to(BOOK).parts[0].startswith(".")]
    _hash_files([f for f in files if f.is_file()], h, root)
    return h.hexdigest()


class RenderFailed(Exception):
    pass


def publish_claims(claims_json: Path) -> None:
    """claims.json is part of the site (<site>/downloads/claims.json, via html_extra_path)."""
    from ..presentation.plotting import DOWNLOADS

    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    write_text(DOWNLOADS / "claims.json", claims_json.read_text(encoding="utf-8"))


def build_html(force: bool = False) -> None:
    digest = html_inputs_hash()
    index = config.BUILD_DIR / "html" / "index.html"
    if not force and index.is_file() and HTML_STAMP.is_file() and HTML_STAMP.read_text().strip() == digest:
        log("jupyter-book: nothing it renders changed, reusing the site")
        return
    log("jupyter-book: building static HTML (warnings are errors) …")
    t0 = time.time()
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(config.REPO_ROOT),
           "--builder", "html", "-W", "-n", "--keep-going"]
    env = dict(os.environ, PYTHONPATH=str(config.REPO_ROOT))
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / "jupyter-book.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        HTML_STAMP.unlink(missing_ok=True)
        warn = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "WARNING" in ln or "ERROR" in ln]
        raise RenderFailed(f"jupyter-book failed ({len(warn)} warnings/errors, e.g. {warn[0][:300] if warn else '?'}); "
                           f"full log: {LOGS / 'jupyter-book.log'}")
    write_text(HTML_STAMP, digest + "\n")
    log(f"site written to {index} in {time.time() - t0:.1f} s")


# ------------------------------------------------------------------ the command
def _fail(msg: str, code: int) -> int:
    print(f"[book] {msg}", file=sys.stderr, flush=True)
    return code


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="re-execute every chapter")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("BOOK_JOBS", os.cpu_count() or 2)))
    ap.add_argument("--data-dir", default=None, help="data folder (default: the snapshot in data/, or $MUNI_DATA_DIR; the raw archive ../shared/data also works)")
    ap.add_argument("--no-html", action="store_true", help="execute chapters only")
    ap.add_argument("--only", nargs="+", default=None, help="execute only these chapters (implies --no-html)")
    args = ap.parse_args(argv)
    try:
        with build_lock():
            return _build(args)
    except BuildLocked as exc:
        return _fail(str(exc), EXIT_LOCKED)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing unfinished was published (run `make book` again)", 130)


KERNELS = config.BUILD_DIR / "jupyter"


def check_live_cache() -> str | None:
    """When the book reads the live cache: why it cannot be trusted (None if it can). Every
    file must match the sha256 its manifest records, and no table may be there unrecorded."""
    from ..sources.download.cache import Cache

    cache = Cache(config.cache_dir())
    if not cache.root.is_dir():
        return None
    problems = cache.verify()  # a corrupt manifest raises DataError (one line, caught by the caller)
    listed = set(cache.read_manifest()["files"])
    for folder in ("kolada", "scb"):
        for p in sorted((cache.root / folder).glob("*.csv")):
            rel = p.relative_to(cache.root).as_posix()
            if rel not in listed:
                problems.append(f"{rel}: not in the manifest")
    if not problems:
        return None
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return (f"the live cache {cache.root} does not match its manifest: {problems[0]}{more}. Run `make data` "
            f"again, or build from the snapshot alone with {config.USE_CACHE_ENV_VAR}=0")


def kernel_env() -> dict:
    """A kernel spec of this build's own Python, found before any installed one.

    The installed ``python3`` spec names an absolute interpreter path; a moved checkout or
    venv, or another checkout sharing the venv re-running ``ipykernel install``, leaves it
    pointing at nothing and every chapter would fail. ``JUPYTER_PATH`` is searched first."""
    spec = {"argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python", "metadata": {"debugger": True}}
    write_text(KERNELS / "kernels" / "python3" / "kernel.json", json.dumps(spec, indent=1))
    return {"JUPYTER_PATH": os.pathsep.join(p for p in (str(KERNELS), os.environ.get("JUPYTER_PATH", "")) if p)}


def _build(args) -> int:
    t0 = time.time()
    from ..errors import ClaimsError, DataError
    from ..rules import collect
    from ..rules.claims import claims

    remove_leftovers()
    try:
        claims()  # an invalid claims file stops the build before any chapter runs
    except ClaimsError as exc:
        return _fail(str(exc), EXIT_INPUT)
    try:
        data_dir = resolve_data_dir(args.data_dir)
        from ..sources import snapshot

        snapshot.verify(data_dir)  # a changed or cut data file stops here, named
    except DataError as exc:
        return _fail(str(exc), EXIT_INPUT)
    if config.use_cache():
        try:
            bad_cache = check_live_cache()
        except DataError as exc:
            bad_cache = str(exc)
        if bad_cache:
            return _fail(bad_cache, EXIT_INPUT)
    params = {"data_dir": str(data_dir)}
    log(f"data: {data_dir}{'' if config.use_cache() else ' (live cache not used: MUNI_USE_CACHE=0)'}")
    data_hash = data_fingerprint(data_dir)
    sources = chapter_sources()
    if args.only:
        unknown = set(args.only) - {s.stem for s in sources}
        if unknown:
            return _fail(f"unknown chapter(s) {sorted(unknown)}; have {[s.stem for s in sources]}", EXIT_INPUT)
        sources = [s for s in sources if s.stem in args.only]
        args.no_html = True
    first = [s for s in sources if s.stem not in LAST]
    last = [s for s in sources if s.stem in LAST]
    log(f"{len(first)} chapters, {args.jobs} in parallel")
    _, failures = run_chapters(first, params, data_hash, args.jobs, args.force)
    # merge the verdicts of the chapters that are fresh now: never a failed or stale one
    all_first = [s for s in chapter_sources() if s.stem not in LAST]
    built = [s.stem for s in all_first if staleness(s, params, data_hash) is None]
    try:
        out = collect.write(chapters_built=built)
    except ClaimsError as exc:
        return _fail(f"merging the verdicts failed: {exc}", EXIT_FAILED)
    missing = [s.stem for s in all_first if s.stem not in built]
    log(f"verdicts of {len(built)} chapters merged into {out}"
        + (f" (not merged, not fresh: {', '.join(missing)})" if missing else ""))
    publish_claims(out)
    if not failures:
        _, failures = run_chapters(last, params, data_hash, args.jobs, args.force, extra=out.read_bytes())
    if failures:
        for f in failures:
            print(f"[book] chapter {f.name} FAILED: {f.reason} (log: {_rel(f.log_path, config.REPO_ROOT)})",
                  file=sys.stderr, flush=True)
        return _fail(f"{len(failures)} chapter(s) failed: {', '.join(f.name for f in failures)}; their verdicts "
                     "were withdrawn and the site was not rebuilt", EXIT_FAILED)
    if not args.no_html:
        try:
            build_html(force=args.force)
        except RenderFailed as exc:
            return _fail(str(exc), EXIT_FAILED)
    log(f"total {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
