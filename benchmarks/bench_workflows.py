"""Benchmark harness for the workflows (a town's assessment day of claims).

- ``claims``: N claims submitted, checked and approved (one command each), then one
  ``post_due()`` that posts them all when the notice ends, and a second ``post_due()`` that
  finds nothing; in memory or on a SQLite file.

    python benchmarks/bench_workflows.py                        # 20,000 claims, both stores
    python benchmarks/bench_workflows.py --claims 5000 --store sqlite

Only the measured calls are timed; setting up the registry is not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import workload

from pointsledger import Actor, Ledger, ManualClock

CHECKER = Actor("checker", roles={"grid_worker"})


def run(claims: int, store: str) -> dict[str, float]:
    clock = ManualClock(workload.START.add(days=1))
    folder = tempfile.mkdtemp()
    ledger = (Ledger.in_memory(clock=clock, tz=workload.TZ) if store == "memory"
              else Ledger.open(f"{folder}/claims.db", clock=clock, tz=workload.TZ))
    ledger.adopt(workload.rulebook(), effective_from=workload.START.date(),
                 by=workload.COMMITTEE, resolution="benchmark")
    households = workload.build_registry(ledger, households=max(claims, 1000), grids=44)
    item = workload.AWARDS[0][0]
    started = time.perf_counter()
    for n in range(claims):
        claim = ledger.submit_claim(households[n], item, by=workload.GRID, key=f"c{n}",
                                    occurred_at=clock(), evidence=("photo",))
        ledger.step(claim, "check", by=CHECKER, key=f"c{n}/check")
        ledger.step(claim, "approve", by=workload.COMMITTEE, key=f"c{n}/approve")
    review = time.perf_counter() - started
    clock.advance(days=9)
    started = time.perf_counter()
    posted = ledger.post_due()
    post = time.perf_counter() - started
    assert len(posted) == 2 * claims
    started = time.perf_counter()
    assert ledger.post_due() == []
    again = time.perf_counter() - started
    ledger.close()
    return {"review": review, "post_due": post, "post_due again": again}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--store", choices=["memory", "sqlite", "both"], default="both")
    args = parser.parse_args()
    for store in (["memory", "sqlite"] if args.store == "both" else [args.store]):
        figures = run(args.claims, store)
        print(f"{store}: {args.claims:,} claims")
        print(f"  submit + check + approve: {figures['review']:.2f} s "
              f"({3 * args.claims / figures['review']:,.0f} commands/s)")
        print(f"  post_due:                 {figures['post_due']:.2f} s "
              f"({args.claims / figures['post_due']:,.0f} claims/s)")
        print(f"  post_due again:           {figures['post_due again'] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
