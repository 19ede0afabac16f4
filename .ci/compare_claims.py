"""Compare two claims.json files: verdicts and reproduced numbers must agree.

    python .ci/compare_claims.py A/_build/claims.json B/_build/claims.json

Prints one line per difference and exits 1 if there is any; summaries (free text that may
name a data folder) are not compared.
"""

from __future__ import annotations

import json
import sys


def _key_fields(entry: dict) -> dict:
    checks = [{k: c.get(k) for k in sorted(c) if k not in ("note",)} for c in entry.get("checks") or []]
    return {"verdict": entry.get("verdict"), "checks": checks, "stability": entry.get("stability"),
            "primary": entry.get("primary"), "rule": entry.get("rule")}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    a, b = ({e["id"]: e for e in json.load(open(p, encoding="utf-8"))} for p in argv)
    diffs = []
    for cid in sorted(set(a) | set(b)):
        if cid not in a or cid not in b:
            diffs.append(f"{cid}: only in {'second' if cid not in a else 'first'} file")
            continue
        ka, kb = _key_fields(a[cid]), _key_fields(b[cid])
        for field in ka:
            if ka[field] != kb[field]:
                diffs.append(f"{cid}: {field} differs: {json.dumps(ka[field], ensure_ascii=False)[:200]} "
                             f"vs {json.dumps(kb[field], ensure_ascii=False)[:200]}")
    for d in diffs:
        print(d)
    verdicts = sum(1 for cid in a if cid in b and a[cid].get("verdict") == b[cid].get("verdict"))
    numbers = sum(len(a[cid].get("checks") or []) for cid in a)
    print(f"[compare] {len(a)} claims, {verdicts} equal verdicts, {numbers} checks compared, {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
