"""Time a new user's path: a fresh clone (with no ../shared beside it) to a built site, the
installation of the pinned packages included, then `make test` in that clone.

Run: ``python benchmarks/fresh_clone.py [--ref HEAD] [--skip-test] [--keep] [--json FILE]``
(``make bench``). The clone goes to a new temporary folder whose parent has no ``shared/``,
so the book can only use the snapshot in ``data/``. Prints the times and the verdict
comparison with this checkout's ``_build/claims.json`` when there is one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(step: str, cmd: list[str], cwd: Path, log: Path, env=None) -> float:
    print(f"[bench] {step}: {' '.join(cmd)} (in {cwd})", flush=True)
    t0 = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"[bench] {step} failed (exit {proc.returncode}) after {secs:.0f} s; log {log}:\n{tail}")
    print(f"[bench] {step}: {secs:.1f} s", flush=True)
    return secs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", default="HEAD", help="commit to clone (default HEAD: uncommitted edits are not included)")
    ap.add_argument("--skip-test", action="store_true", help="time the build only")
    ap.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)

    base = Path(tempfile.mkdtemp(prefix="muni-fresh-"))
    clone = base / "repo"
    assert not (base / "shared").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUNI_") and k != "VIRTUAL_ENV"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    logs = base / "logs"
    logs.mkdir()
    results: dict = {"clone": str(clone), "ref": args.ref}
    try:
        t0 = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True)
        subprocess.run(["git", "-C", str(clone), "checkout", "--quiet",
                        subprocess.run(["git", "-C", str(REPO), "rev-parse", args.ref], capture_output=True,
                                       text=True, check=True).stdout.strip()], check=True)
        results["clone_seconds"] = round(time.perf_counter() - t0, 1)
        results["book_seconds"] = round(timed("make book (fresh clone, install included)", ["make", "book"], clone,
                                              logs / "book.log", env), 1)
        results["clone_to_site_seconds"] = round(results["clone_seconds"] + results["book_seconds"], 1)
        if not args.skip_test:
            results["test_seconds"] = round(timed("make test (same clone)", ["make", "test"], clone,
                                                  logs / "test.log", env), 1)
        mine = REPO / "_build" / "claims.json"
        theirs = clone / "_build" / "claims.json"
        if mine.is_file() and theirs.is_file():
            proc = subprocess.run([sys.executable, str(REPO / ".ci" / "compare_claims.py"), str(mine), str(theirs)],
                                  capture_output=True, text=True)
            results["verdict_comparison"] = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
            results["verdicts_equal"] = proc.returncode == 0
            print(proc.stdout, end="")
    finally:
        if args.keep:
            print(f"[bench] clone kept at {clone}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0 if results.get("verdicts_equal", True) else 1


if __name__ == "__main__":
    sys.exit(main())
