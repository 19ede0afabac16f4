"""The build pipeline's robustness: fingerprints (relative paths, per-chapter code, cache use),
one build at a time, failing chapters withdrawn and named, nothing unfinished published."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import config
from analysis.build import pipeline
from analysis.rules import collect

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# {title}

```{{code-cell}} ipython3
:tags: [parameters]

data_dir = None
```

```{{code-cell}} ipython3
{body}
```
"""


def _tree(root: Path) -> Path:
    """A minimal checkout: two chapters, a shared module and one package per chapter."""
    for rel, text in {
        "book/src/a.md": "# a\n", "book/src/b.md": "# b\n",
        "analysis/__init__.py": "", "analysis/shared.py": "X = 1\n",
        "analysis/chapters/a/__init__.py": "A = 1\n", "analysis/chapters/b/__init__.py": "B = 1\n",
        "data/claims.yaml": "claims: []\n", "requirements.txt": "pandas==2\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


DEPS = {"a": ["analysis/__init__.py", "analysis/shared.py", "analysis/chapters/a/__init__.py"],
        "b": ["analysis/__init__.py", "analysis/shared.py", "analysis/chapters/b/__init__.py"]}


def _hashes(root: Path, params=None, data_hash="d") -> dict[str, str]:
    params = params or {"data_dir": str(root / "snapshot")}
    return {n: pipeline.chapter_hash(root / f"book/src/{n}.md", params, data_hash, DEPS[n], root=root) for n in DEPS}


def test_moving_the_checkout_changes_no_fingerprint(tmp_path):
    one = _tree(tmp_path / "one" / "repo")
    two = tmp_path / "elsewhere" / "deeper" / "repo"
    shutil.copytree(one, two)
    assert _hashes(one) == _hashes(two)  # data_dir's location differs, its content is in data_hash


def test_one_chapters_package_re_executes_that_chapter_only(tmp_path):
    root = _tree(tmp_path)
    before = _hashes(root)
    (root / "analysis/chapters/a/__init__.py").write_text("A = 2\n")
    after = _hashes(root)
    assert after["a"] != before["a"] and after["b"] == before["b"]
    (root / "analysis/shared.py").write_text("X = 2\n")  # shared code: both
    again = _hashes(root)
    assert again["a"] != after["a"] and again["b"] != after["b"]
    (root / "analysis/chapters/b/new.py").write_text("")  # a new module in b's package
    assert _hashes(root)["b"] != again["b"] and _hashes(root)["a"] == again["a"]
    (root / "data/claims.yaml").write_text("claims: [1]\n")  # the ledger: every chapter
    assert all(_hashes(root)[n] != again[n] for n in DEPS)


def test_deleted_module_and_parameters_and_data_change_the_fingerprint(tmp_path):
    root = _tree(tmp_path)
    before = _hashes(root)
    (root / "analysis/shared.py").unlink()
    assert _hashes(root)["a"] != before["a"]
    root = _tree(tmp_path)
    assert _hashes(root, params={"data_dir": "x", "year": 2024})["a"] != before["a"]
    assert _hashes(root, data_hash="other")["a"] != before["a"]


def test_data_fingerprint_cache_use_and_manifest(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "k.csv").write_text("1\n")
    cache = tmp_path / "cache"
    (cache / "kolada").mkdir(parents=True)
    (cache / "kolada" / "N1.csv").write_text("a\n")
    manifest = {"files": {"kolada/N1.csv": {"sha256": "aa", "retrieved_at": "t1"}}}
    (cache / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv(config.CACHE_ENV_VAR, str(cache))
    monkeypatch.setenv(config.USE_CACHE_ENV_VAR, "1")
    on = pipeline.data_fingerprint(data)
    monkeypatch.setenv(config.USE_CACHE_ENV_VAR, "0")
    off = pipeline.data_fingerprint(data)
    assert on != off
    (cache / "kolada" / "N1.csv").write_text("b\n")  # the cache does not count when it is not used
    assert pipeline.data_fingerprint(data) == off
    monkeypatch.setenv(config.USE_CACHE_ENV_VAR, "1")
    on2 = pipeline.data_fingerprint(data)
    assert on2 != on
    manifest["files"]["kolada/N1.csv"]["retrieved_at"] = "t2"  # a retrieval time alone: no change
    (cache / "manifest.json").write_text(json.dumps(manifest))
    assert pipeline.data_fingerprint(data) == on2
    manifest["files"]["kolada/N1.csv"]["sha256"] = "bb"  # a recorded sum: a change
    (cache / "manifest.json").write_text(json.dumps(manifest))
    assert pipeline.data_fingerprint(data) != on2
    (data / ".k.csv.123.tmp").write_text("half")  # temporary files of atomic writes do not count
    assert pipeline.data_fingerprint(data) == pipeline.data_fingerprint(data)
    before = pipeline.data_fingerprint(data)
    (data / ".k.csv.456.tmp").write_text("other half")
    assert pipeline.data_fingerprint(data) == before


def test_code_deps_keeps_this_repositorys_analysis_modules_relative(tmp_path):
    root = _tree(tmp_path)
    got = pipeline.code_deps([str(root / "analysis/shared.py"), "/usr/lib/python3/json/__init__.py",
                              str(root / "analysis/chapters/a/__init__.py"), "None"], root=root)
    assert got == ["analysis/chapters/a/__init__.py", "analysis/shared.py"]


# ------------------------------------------------------------------ the lock
def test_second_build_is_refused_naming_the_first(tmp_path):
    lock = tmp_path / "build.lock"
    with pipeline.build_lock(lock):
        with pytest.raises(pipeline.BuildLocked) as exc:
            with pipeline.build_lock(lock):
                pass
        msg = str(exc.value)
        assert f"pid {os.getpid()}" in msg and "started" in msg
    with pipeline.build_lock(lock):  # released afterwards
        pass


def test_lock_of_a_killed_build_is_taken_over(tmp_path, capsys):
    lock = tmp_path / "build.lock"
    # a build that took the lock and was killed with SIGKILL
    code = (f"import os,signal,sys; sys.path.insert(0, {str(config.REPO_ROOT)!r});"
            "from analysis.build import pipeline; from pathlib import Path;"
            f"cm = pipeline.build_lock(Path({str(lock)!r})); cm.__enter__(); os.kill(os.getpid(), signal.SIGKILL)")
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode == -9
    dead = json.loads(lock.read_text())["pid"]
    with pipeline.build_lock(lock):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert f"taking over the build lock left by pid {dead}" in capsys.readouterr().out


def test_lock_message_through_main(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pipeline, "LOCK", tmp_path / "build.lock")
    with pipeline.build_lock(tmp_path / "build.lock"):
        assert pipeline.main(["--no-html"]) == pipeline.EXIT_LOCKED
    err = capsys.readouterr().err
    assert "another build is running" in err and f"pid {os.getpid()}" in err and "Traceback" not in err


# ------------------------------------------------------------------ failing chapters
@pytest.fixture
def fake_book(tmp_path, monkeypatch, real_data_dir):
    """The pipeline pointed at a scratch book/ and _build/ with tiny chapters."""
    book, build = tmp_path / "book", tmp_path / "_build"
    (book / "src").mkdir(parents=True)
    monkeypatch.setattr(pipeline, "BOOK", book)
    monkeypatch.setattr(pipeline, "SOURCES", book / "src")
    for name in ("STAMPS", "WORK", "LOCK", "LOGS"):
        monkeypatch.setattr(pipeline, name, build / getattr(pipeline, name).name)
    monkeypatch.setattr(config, "BUILD_DIR", build)
    monkeypatch.setattr(config, "CLAIM_RESULTS_DIR", build / "claims")
    monkeypatch.setattr(config, "CLAIMS_JSON", build / "claims.json")
    merged = []
    real_write = collect.write
    monkeypatch.setattr(collect, "write", lambda chapters_built: merged.append(sorted(chapters_built))
                        or real_write(chapters_built=[]))

    def chapter(name, body):
        (book / "src" / f"{name}.md").write_text(HEADER.format(title=name, body=body))

    return book, build, chapter, merged


RECORD = ("import json, os, pathlib\nfrom analysis import config\n"
          "pathlib.Path(config.CLAIM_RESULTS_DIR).mkdir(parents=True, exist_ok=True)\n"
          "(pathlib.Path(config.CLAIM_RESULTS_DIR) / '{name}.json').write_text('[]')\n")


def test_failing_chapters_are_named_and_leave_no_verdicts(fake_book, real_data_dir, capsys):
    book, build, chapter, merged = fake_book
    chapter("good", RECORD.format(name="good"))
    chapter("bad", RECORD.format(name="bad") + "raise ValueError('the bad chapter broke')")
    chapter("worse", "raise KeyError('worse')")
    (build / "claims").mkdir(parents=True)
    (build / "claims" / "bad.json").write_text("[]")  # verdicts of an earlier, successful run
    code = pipeline.main(["--no-html", "--data-dir", str(real_data_dir)])
    err = capsys.readouterr().err
    assert code == pipeline.EXIT_FAILED
    assert "chapter bad FAILED: ValueError: the bad chapter broke" in err
    assert "chapter worse FAILED: KeyError" in err and "2 chapter(s) failed: bad, worse" in err
    assert "Traceback" not in err
    assert not (build / "claims" / "bad.json").exists()  # recorded before the failure: withdrawn
    assert (build / "claims" / "good.json").is_file()
    assert merged == [["good"]]
    # nothing unfinished in book/: only the one chapter that succeeded, no hidden files
    assert sorted(p.name for p in book.iterdir() if p.name != "src") == ["good.ipynb"]
    assert not list((build / "work").glob("*")) if (build / "work").exists() else True
    # a later partial build of another chapter must not merge stale verdicts of 'bad'
    (build / "claims" / "bad.json").write_text("[]")
    chapter("worse", "1 + 1")
    assert pipeline.main(["--only", "worse", "--data-dir", str(real_data_dir)]) == 0
    assert merged[-1] == ["good", "worse"]
    executed = json.loads((book / "good.ipynb").read_text())
    assert not any(pipeline.DEPS_MARK in c["metadata"].get("tags", []) for c in executed["cells"])


def test_leftovers_of_a_killed_build_are_removed(tmp_path, monkeypatch):
    book = tmp_path / "book"
    (book / "src").mkdir(parents=True)
    (book / ".hashes").mkdir()
    for name in (".private-providers.ipynb.abc123.tmp", ".glance.ipynb", "glance.ipynb"):
        (book / name).write_text("{}")
    monkeypatch.setattr(pipeline, "BOOK", book)
    monkeypatch.setattr(pipeline, "WORK", tmp_path / "work")
    (tmp_path / "work" / "x").mkdir(parents=True)
    pipeline.remove_leftovers()
    assert sorted(p.name for p in book.iterdir()) == ["glance.ipynb", "src"]
    assert not (tmp_path / "work").exists()


def test_real_chapters_depend_on_their_own_package_only(built_book):
    """The recorded dependencies of the real build: a chapter imports no other chapter's
    package, so editing one chapter's package re-executes that chapter (and the summary pages)."""
    for src in pipeline.chapter_sources():
        if src.stem in pipeline.LAST:
            continue
        stamp = pipeline.read_stamp(src.stem)
        assert stamp is not None, src.stem
        used = {d.split("/")[2] for d in stamp["deps"] if d.startswith("analysis/chapters/") and d.count("/") > 2}
        assert used <= {src.stem.replace("-", "_")}, (src.stem, used)
    assert pipeline.stale_chapters(config.data_dir()) == {}


def test_claim_from_build_is_stale_when_cache_use_changes(built_book, monkeypatch):
    """A build made with the live cache is not fresh for a run without it (MUNI_USE_CACHE=0)."""
    from analysis import cli

    assert cli.build_staleness(config.data_dir()) is None
    monkeypatch.setenv(config.USE_CACHE_ENV_VAR, "0")
    why = cli.build_staleness(config.data_dir())
    assert why is not None and "not fresh" in why


def test_editing_one_real_chapter_package_makes_only_that_chapter_stale(built_book, monkeypatch):
    """On the real build's stamps: an edit inside analysis/chapters/solna_sundbyberg/ (simulated by
    reading changed bytes) makes solna-sundbyberg stale and no other chapter."""
    target = config.REPO_ROOT / "analysis" / "chapters" / "solna_sundbyberg" / "text.py"
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: real(p) + b"\n# edit\n" if p == target else real(p))
    stale = pipeline.stale_chapters(config.data_dir())
    assert set(stale) == {"solna-sundbyberg"}, stale


def test_make_clean_removes_what_builds_leave_including_dotfiles(tmp_path):
    shutil.copy(config.REPO_ROOT / "Makefile", tmp_path / "Makefile")
    for rel in ("book/src/a.md", "book/references.md", "book/a.ipynb", "book/.a.ipynb.x1y2.tmp", "book/.a.ipynb",
                "book/.hashes/a.json", "_build/stamps/a.json", "_build/build.lock", "_build/html/.inputs.sha256"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    subprocess.run(["make", "-s", "-C", str(tmp_path), "clean"], check=True, capture_output=True)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["Makefile", "book/references.md", "book/src/a.md"]


KILLED_BUILD = """
import sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from analysis import config
from analysis.build import pipeline
tmp = Path({tmp!r})
book, build = tmp / "book", tmp / "_build"
pipeline.BOOK, pipeline.SOURCES = book, book / "src"
for name in ("STAMPS", "WORK", "LOCK", "LOGS", "KERNELS"):
    setattr(pipeline, name, build / getattr(pipeline, name).name)
config.BUILD_DIR, config.CLAIM_RESULTS_DIR, config.CLAIMS_JSON = build, build / "claims", build / "claims.json"
sys.exit(pipeline.main(["--no-html", "--data-dir", {data!r}]))
"""


def test_a_build_killed_with_sigkill_publishes_nothing_and_leaves_nothing_running(tmp_path, real_data_dir):
    import signal
    import time

    book = tmp_path / "book"
    (book / "src").mkdir(parents=True)
    (book / "src" / "slow.md").write_text(HEADER.format(title="slow", body="import time\ntime.sleep(60)"))
    script = KILLED_BUILD.format(repo=str(config.REPO_ROOT), tmp=str(tmp_path), data=str(real_data_dir))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = tmp_path / "_build" / "work"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(work.glob("slow-*/source.ipynb")):
        time.sleep(0.2)
    time.sleep(3)  # papermill and its kernel are running
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    def running():
        out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
        return [ln for ln in out.splitlines() if str(work) in ln]

    for _ in range(50):
        if not running():
            break
        time.sleep(0.2)
    assert running() == []  # papermill died with the build
    assert sorted(p.name for p in book.iterdir()) == ["src"]  # no notebook, hidden or not
    assert not (tmp_path / "_build" / "stamps" / "slow.json").exists()


def test_a_live_cache_that_does_not_match_its_manifest_stops_the_build(fake_book, real_data_dir, tmp_path,
                                                                       monkeypatch, capsys):
    from analysis.sources.download.cache import Cache

    cache_dir = tmp_path / "live"
    monkeypatch.setenv(config.CACHE_ENV_VAR, str(cache_dir))
    df = pd.DataFrame({"municipality": ["0184"], "year": [2022], "kpi": ["N00095"], "value": [1.0]})
    Cache(cache_dir).write_table("kolada/N00095.csv", df, ["http://x"])
    _, _, chapter, _ = fake_book
    chapter("good", "1 + 1")
    path = cache_dir / "kolada/N00095.csv"
    path.write_text(path.read_text().replace("1.0", "-5.0"))  # changed after the refresh
    assert pipeline.main(["--no-html", "--data-dir", str(real_data_dir)]) == pipeline.EXIT_INPUT
    err = capsys.readouterr().err
    assert "kolada/N00095.csv: sha256 differs from the manifest" in err and "Traceback" not in err
    monkeypatch.setenv(config.USE_CACHE_ENV_VAR, "0")  # the cache is not read: no reason to stop
    assert pipeline.main(["--no-html", "--data-dir", str(real_data_dir)]) == 0
    monkeypatch.setenv(config.USE_CACHE_ENV_VAR, "1")
    path.unlink()
    (cache_dir / "kolada/N99999.csv").write_text("municipality,year,kpi,value\n")
    assert pipeline.main(["--no-html", "--data-dir", str(real_data_dir)]) == pipeline.EXIT_INPUT
    err = capsys.readouterr().err
    assert "kolada/N00095.csv: missing" in err and "(and 1 more)" in err
