"""Benchmark harness for the reports over the county workload (issue 5).

Builds the county ledger of bench_core (30,000 households, 446 grids, 44 villages and
communities; --events awards and deductions over a year) in memory, then times the movement
index the reports share (built on the first report) and each report after it.

With ``--reopen`` it also copies the ledger into a SQLite file, takes a snapshot there (which
keeps the state and the report index), and times what a later process pays: opening the
file and each report, the first one included (it loads the saved index).

    python benchmarks/bench_reports.py                    # 1,000,000 events (~1 min to build)
    python benchmarks/bench_reports.py --events 100000
    python benchmarks/bench_reports.py --reopen
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import workload

from pointsledger import CapExceeded, Ledger, ManualClock, reports
from pointsledger.ledger.movements import movements_of
from pointsledger.storage import SQLiteStore


def build(events: int, seed: int) -> Ledger:
    clock = ManualClock(workload.START.subtract(days=1))
    ledger = Ledger.in_memory(clock=clock, tz=workload.TZ)
    ledger.adopt(workload.rulebook(), effective_from=workload.START.date(),
                 by=workload.COMMITTEE, resolution="benchmark")
    households = workload.build_registry(ledger, households=30_000, grids=446)
    for end, commands in workload.days(households, events, seed=seed):
        clock.set(end)
        with ledger.batch() as b:
            for c in commands:
                with contextlib.suppress(CapExceeded):
                    (b.award if c.award else b.deduct)(
                        c.account, c.item, by=workload.GRID, key=c.key, occurred_at=c.occurred_at)
    return ledger


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reopen", action="store_true")
    args = parser.parse_args()
    ledger = build(args.events, args.seed)
    print(f"reports over {ledger.head:,} events, {len(ledger.households()):,} households")
    t0 = time.perf_counter()
    index = movements_of(ledger)
    print(f"{'movement index':17s} {time.perf_counter() - t0:6.2f} s  {len(index.seq):,} "
          "movements (built once per ledger, then extended by new events)")
    time_reports(ledger)
    if args.reopen:
        path = f"{tempfile.mkdtemp()}/county.db"
        copy = SQLiteStore(path, synchronous="OFF")
        records = list(ledger.store.read(0))
        for start in range(0, len(records), 50_000):
            copy.append(records[start:start + 50_000], start)
        copy.close()
        with Ledger.open(path) as saved:
            t0 = time.perf_counter()
            saved.snapshot()
            print(f"\nsnapshot (state + report index) {time.perf_counter() - t0:6.2f} s")
        t0 = time.perf_counter()
        reopened = Ledger.open(path)
        print(f"reopen (snapshot) {time.perf_counter() - t0:6.2f} s; then each report, the first "
              "loading the saved index:")
        time_reports(reopened)
        reopened.close()


def time_reports(ledger: Ledger) -> None:
    runs = {
        "statement": lambda: reports.statement(ledger, "H000042", period="2026-06"),
        "balances": lambda: reports.balances(ledger),
        "honour_board": lambda: reports.honour_board(ledger, "2026-06"),
        "category_summary": lambda: reports.category_summary(ledger, period="2026"),
        "period_summary": lambda: reports.period_summary(ledger, per="month"),
        "rollup": lambda: reports.rollup(ledger, period="2026"),
        "store_summary": lambda: reports.store_summary(ledger),
        "public_notice": lambda: reports.public_notice(ledger, "2026-06-15"),
        "audit_trail": lambda: reports.audit_trail(ledger, actor="county-admin"),
        "claims_notice": lambda: reports.claims_notice(ledger),
        "wish board": lambda: reports.case_board(ledger, "wish", period="2026"),
        "order ranking": lambda: reports.claimer_ranking(ledger, "order", period="2026"),
        "passbook": lambda: reports.passbook(ledger, "H000042"),
    }
    for name, run in runs.items():
        t0 = time.perf_counter()
        table = run()
        print(f"{name:17s} {time.perf_counter() - t0:6.2f} s  {len(table.rows):,} rows")


if __name__ == "__main__":
    main()
