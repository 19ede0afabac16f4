"""Wall-clock times of `make book`: a clean (forced) build, a no-op rebuild, a rebuild after
editing one chapter's source and one after editing one chapter's package (each edit is
reverted afterwards, and the revert is rebuilt too, so the book is left as it was).

The clean build is compared with its limit: the larger of (the slowest chapter + the slowest
page that runs last + rendering) and (the sum of all chapter times / cores + rendering).

Run: ``python benchmarks/build_times.py [--chapter NAME] [--jobs N] [--json FILE] [--dry-run]``
(``make bench``). Each build's log goes to ``_build/logs/bench-<step>.log``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from analysis import config  # noqa: E402
from analysis.build import pipeline  # noqa: E402

NOOP_TARGET = 10.0  # seconds


def build(step: str, jobs: int, force: bool = False, dry_run: bool = False) -> dict:
    cmd = [sys.executable, "-m", "analysis.build.pipeline", "--jobs", str(jobs)] + (["--force"] if force else [])
    log = config.BUILD_DIR / "logs" / f"bench-{step}.log"
    print(f"[bench] {step}: {' '.join(cmd[1:])}", flush=True)
    if dry_run:
        return {"step": step, "command": cmd, "seconds": None, "executed": None}
    log.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    secs = time.perf_counter() - t0
    log.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"[bench] {step} failed (exit {proc.returncode}); log: {log}\n{(proc.stdout + proc.stderr)[-3000:]}")
    executed = sorted(set(re.findall(r"\] (\S+): executing", proc.stdout)))
    html = "reusing the site" not in proc.stdout
    times = {m[0]: float(m[1]) for m in re.findall(r"\] (\S+): done in ([\d.]+) s", proc.stdout)}
    render = re.search(r"site written to \S+ in ([\d.]+) s", proc.stdout)
    print(f"[bench] {step}: {secs:.1f} s; executed {len(executed)} chapter(s) {executed}; "
          f"jupyter-book {'ran' if html else 'skipped'}", flush=True)
    return {"step": step, "command": cmd, "seconds": round(secs, 2), "executed": executed, "html_built": html,
            "chapter_seconds": times, "render_seconds": float(render.group(1)) if render else None}


def limit(clean: dict, cores: int) -> tuple[float, str]:
    """The clean build's limit (seconds) and which bound set it."""
    times, render = clean["chapter_seconds"], clean["render_seconds"] or 0.0
    first = [t for c, t in times.items() if c not in pipeline.LAST]
    last = [t for c, t in times.items() if c in pipeline.LAST]
    critical = max(first, default=0) + max(last, default=0) + render
    parallel = sum(times.values()) / cores + render
    return (critical, "slowest chapter + slowest last page + rendering") if critical >= parallel \
        else (parallel, f"sum of chapter times / {cores} cores + rendering")


def main(argv=None) -> int:
    sources = [s.stem for s in pipeline.chapter_sources()]
    editable = [s for s in sources if s not in pipeline.LAST] or sources
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chapter", default="solna-sundbyberg" if "solna-sundbyberg" in editable else editable[0], choices=sources, help="chapter to edit (default %(default)s)")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("BOOK_JOBS", 2)))
    ap.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    ap.add_argument("--dry-run", action="store_true", help="print the plan; build nothing, edit nothing")
    args = ap.parse_args(argv)

    src = pipeline.SOURCES / f"{args.chapter}.md"
    results = [build("clean", args.jobs, force=True, dry_run=args.dry_run),
               build("noop", args.jobs, dry_run=args.dry_run)]
    original = src.read_bytes()
    print(f"[bench] editing {src.relative_to(REPO)} (appending a blank line; reverted afterwards)", flush=True)
    try:
        if not args.dry_run:
            src.write_bytes(original + b"\n")
        results.append(build("edit-one-chapter", args.jobs, dry_run=args.dry_run))
    finally:
        if src.read_bytes() != original:
            src.write_bytes(original)
    assert src.read_bytes() == original, f"{src} was not restored"
    results.append(build("after-revert", args.jobs, dry_run=args.dry_run))
    package = REPO / "analysis" / "chapters" / args.chapter.replace("-", "_") / "__init__.py"
    if package.is_file():
        original = package.read_bytes()
        print(f"[bench] editing {package.relative_to(REPO)} (appending a comment; reverted afterwards)", flush=True)
        try:
            if not args.dry_run:
                package.write_bytes(original + b"\n# bench edit\n")
            results.append(build("edit-one-package", args.jobs, dry_run=args.dry_run))
        finally:
            package.write_bytes(original)
        results.append(build("after-package-revert", args.jobs, dry_run=args.dry_run))

    print("\n| build | wall time (s) | chapters executed |\n|---|---:|---:|")
    for r in results:
        secs = "—" if r["seconds"] is None else f"{r['seconds']:.1f}"
        n = "—" if r["executed"] is None else len(r["executed"])
        print(f"| {r['step']} | {secs} | {n} |")
    if results[0]["seconds"] is not None:
        bound, why = limit(results[0], min(args.jobs, os.cpu_count() or 1))
        print(f"\nClean build {results[0]['seconds']:.1f} s; limit {bound:.1f} s ({why}): "
              f"{results[0]['seconds'] / bound:.2f}× the limit (target ≤ 1.2×).")
        for r in results[2:]:
            print(f"{r['step']}: executed {r['executed']}")
    noop = results[1]["seconds"]
    if noop is not None:
        verdict = "meets" if noop < NOOP_TARGET else "MISSES"
        print(f"\nNo-op rebuild {noop:.1f} s {verdict} the target of < {NOOP_TARGET:.0f} s.")
    if args.json:
        args.json.write_text(json.dumps({"chapter": args.chapter, "jobs": args.jobs, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
