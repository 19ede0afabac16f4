"""Wall time of every synthetic-control run the activation-reforms chapter makes for its three
events on the primary outcome (N31001, logs): the in-space placebo run, the leave-one-out reruns
(each donor with a positive weight dropped in turn), the three declared pools, the ridge-augmented
estimator and the pre-peak baseline, each with its own placebo run and minimum detectable effect.
Target: under 60 s in total on a 2-core machine. Prints figures; not a timed test.

Run: ``python benchmarks/donor_pool_timing.py [--data-dir DIR]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from analysis.chapters import activation_reforms as ch  # noqa: E402
from analysis.methods import donorpool as DP  # noqa: E402
from analysis.methods.placebo import in_space  # noqa: E402
from analysis.rules import rulebook as RB  # noqa: E402

TARGET = 60.0  # seconds, all three events together


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args(argv)
    dd = args.data_dir
    panels = {e.key: ch.event_panel(ch.PRIMARY, e, dd) for e in ch.EVENTS}  # data loading is not timed
    pools = {e.key: DP.declared_pools(e.unit, e.year, list(panels[e.key].logs.columns), dd) for e in ch.EVENTS}
    total = 0.0
    print(f"{'event':<36} {'placebo':>8} {'LOO':>10} {'pools':>8} {'ridge-aug':>9} {'pre-peak':>8} {'MDEs':>6}  total")
    for e in ch.EVENTS:
        logs = panels[e.key].logs
        t = time.perf_counter()
        pl = in_space(logs, e.unit, e.year)
        t_pl = time.perf_counter() - t
        t = time.perf_counter()
        loo = DP.sensitivity(pl, logs, None)  # leave-one-out + ridge-augmented
        t_loo_aug = time.perf_counter() - t
        t = time.perf_counter()
        aug = DP.ridge_augmented(pl)
        t_aug = time.perf_counter() - t
        t = time.perf_counter()
        pooled = [in_space(logs, e.unit, e.year, donors=[c for c in pool if c in logs.columns])
                  for _, pool in pools[e.key].values()]
        t_pool = time.perf_counter() - t
        t = time.perf_counter()
        pre = in_space(logs, e.unit, e.year - 1)
        t_pre = time.perf_counter() - t
        t = time.perf_counter()
        runs = [pl, aug, pre, *pooled] + [v.placebo for v in loo if v.ok]
        for q in runs:
            q.mde(RB.ALPHA)
        t_mde = time.perf_counter() - t
        n_loo = sum(v.family == "leave-one-out" for v in loo)
        event_total = t_pl + t_loo_aug + t_pool + t_pre + t_mde
        total += event_total
        print(f"{e.label:<36} {t_pl:7.2f}s {t_loo_aug - t_aug:6.2f}s/{n_loo:<2} {t_pool:7.2f}s {t_aug:8.2f}s "
              f"{t_pre:7.2f}s {t_mde:5.2f}s  {event_total:6.2f} s ({len(runs)} placebo runs)")
    ok = total < TARGET
    print(f"all placebo, leave-one-out, pool, ridge-augmented and pre-peak runs, three events: {total:.2f} s "
          f"(target < {TARGET:.0f} s) {'OK' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
