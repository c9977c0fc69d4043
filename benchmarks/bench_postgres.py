"""Append throughput to PostgreSQL from 1 and from 4 processes writing one ledger (issue 8).

    eval "$(bash scripts/start-postgres.sh)"      # or set POINTSLEDGER_PG_DSN yourself
    python benchmarks/bench_postgres.py [--commands 8000] [--batch 500]

Each process opens the same ledger and records deductions (uncapped, so none is refused);
commands are single (one transaction each) or in batches. Processes that lose a race catch up
and retry, as the library does. Prints events per second of wall time for each setting.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
import uuid

import pendulum

from pointsledger import Actor, ChecklistItem, ConcurrencyError, Ledger, ManualClock, Rulebook

TZ = "Asia/Shanghai"
START = pendulum.datetime(2026, 3, 2, 9, tz=TZ)
COMMITTEE = Actor("committee", roles={"committee"})
GRID = Actor("grid", roles={"grid_worker"})


def setup(dsn: str, name: str) -> None:
    ledger = Ledger.open_postgres(dsn, name, clock=ManualClock(START), tz=TZ)
    ledger.adopt(Rulebook("pg", [ChecklistItem("COV-01", "乱倒垃圾", category="村规民约",
                                               points=-5)]),
                 effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="bench")
    ledger.add_region("G", "网格", kind="grid", by=COMMITTEE)
    with ledger.batch() as b:
        for n in range(100):
            b.register_household(f"H{n:03d}", grid="G", head=f"户主{n}", by=COMMITTEE)
    ledger.close()


def work(dsn: str, name: str, worker: int, commands: int, batch: int) -> None:
    clock = ManualClock(START.add(hours=1))
    ledger = Ledger.open_postgres(dsn, name, clock=clock)
    n = 0
    while n < commands:
        if batch:
            try:
                with ledger.batch() as b:
                    for k in range(batch):
                        b.deduct(f"H{(n + k) % 100:03d}", "COV-01", by=GRID,
                                 key=f"w{worker}-{n + k}", occurred_at=clock())
            except ConcurrencyError:
                continue  # lost the race: caught up, run the batch again
            n += batch
        else:
            ledger.deduct(f"H{n % 100:03d}", "COV-01", by=GRID, key=f"w{worker}-{n}",
                          occurred_at=clock())
            n += 1
    ledger.close()


def run(dsn: str, processes: int, commands: int, batch: int) -> float:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    setup(dsn, name)
    per = commands // processes
    jobs = [multiprocessing.Process(target=work, args=(dsn, name, w, per, batch))
            for w in range(processes)]
    t0 = time.perf_counter()
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()
        assert job.exitcode == 0
    elapsed = time.perf_counter() - t0
    ledger = Ledger.open_postgres(dsn, name, clock=ManualClock(START.add(days=1)))
    verified = ledger.verify()
    ledger.close()
    assert verified.events == 103 + per * processes  # genesis, rulebook, 101 registry events
    return per * processes / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=8000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    dsn = os.environ.get("POINTSLEDGER_PG_DSN")
    if not dsn:
        raise SystemExit('set POINTSLEDGER_PG_DSN, e.g. eval "$(bash scripts/start-postgres.sh)"')
    for processes in (1, 4):
        for batch in (0, args.batch):
            rate = run(dsn, processes, args.commands, batch)
            mode = f"batches of {batch}" if batch else "single commands"
            print(f"{processes} process{'es' if processes > 1 else '':2s} {mode:17s} "
                  f"{rate:10,.0f} events/s  ({args.commands:,} commands, chain verified)")


if __name__ == "__main__":
    main()
