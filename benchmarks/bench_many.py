"""Many village ledgers in one PostgreSQL database (issue 21): open cold, roll up, hold many.

    eval "$(bash scripts/start-postgres.sh)"      # or set POINTSLEDGER_PG_DSN yourself
    nice python benchmarks/bench_many.py [--villages 1000] [--events 1000] [--partitions 8]

Builds (once; reused by later runs with the same sizes) a database ``pl_many_<villages>x<events>``
of ``--villages`` village ledgers of about ``--events`` events each (a season, March to May
2026, of awards and deductions under the county checklist of workload.py, 60 households in 3
grids per village), ten villages to a town, ten towns to a county, the events table
hash-partitioned by ledger id, each ledger with its snapshot and report index stored. Then, in a
fresh process (nothing open, nothing cached in Python):

- open one village ledger cold from its snapshot (20 villages, median and slowest; the
  connection and the state each timed),
- the March roll-up across the first county's 100 villages through a pool of 100 with none of
  them open yet (cold), then again with all of them in the pool (warm, median of 5: each
  village's part is kept with its ledger's head), and the April roll-up once (warm, each
  village's part computed),
- the resident memory of that process with the pool holding 100 (and before the pool).

Targets on the 2-core machine: cold open < 50 ms, cold roll-up of 100 < 2 s, warm < 0.2 s, pool
memory < 500 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workload import AWARDS, COMMITTEE, DEDUCTIONS, GRID, TZ, rulebook

from pointsledger import Ledger, LedgerPool, ManualClock, PointsLedgerError
from pointsledger.reports import across
from pointsledger.storage import PostgresStore

SEASON = pendulum.datetime(2026, 3, 1, 8, tz=TZ)
WEEKS = 13
HOUSEHOLDS = 60
GRIDS = 3


def village_id(n: int) -> str:
    return f"v{n:04d}"


def build_village(dsn: str, n: int, events: int, partitions: int) -> None:
    """One village ledger of about ``events`` events, with its snapshot and report index."""
    rng = random.Random(n)
    ledger_id = village_id(n)
    county, town = f"C{n // 100:02d}", f"T{n // 10:03d}"
    clock = ManualClock(SEASON)
    ledger = Ledger(PostgresStore(dsn, ledger_id, partitions=partitions), clock=clock, tz=TZ,
                    ledger_id=ledger_id)
    with ledger.batch() as b:
        b.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                resolution="bench")
        b.add_region(county, f"第{n // 100 + 1}县", kind="county", by=COMMITTEE)
        b.add_region(town, f"第{n // 10 + 1}镇", kind="town", parent=county, by=COMMITTEE)
        b.add_region(ledger_id.upper(), f"第{n + 1}村", kind="village", parent=town,
                     by=COMMITTEE)
        for g in range(GRIDS):
            b.add_region(f"G{g}", f"第{g + 1}网格", kind="grid", parent=ledger_id.upper(),
                         by=COMMITTEE)
        for h in range(HOUSEHOLDS):
            b.register_household(f"H{h:03d}", grid=f"G{h % GRIDS}", head=f"户主{h}",
                                 by=COMMITTEE)
    awards, deductions = [a[0] for a in AWARDS], [d[0] for d in DEDUCTIONS]
    planned = events - ledger.head
    per_week = -(-planned // WEEKS)
    key = 0
    for week in range(WEEKS):
        start = SEASON.add(weeks=week)
        clock.set(start.add(days=7))
        with ledger.batch() as b:
            for _ in range(min(per_week, planned - key)):
                key += 1
                household = f"H{rng.randrange(HOUSEHOLDS):03d}"
                when = start.add(seconds=rng.randrange(7 * 86400))
                try:
                    if rng.random() < 0.9:
                        b.award(household, rng.choice(awards), by=GRID, key=f"k{key}",
                                occurred_at=when)
                    else:
                        b.deduct(household, rng.choice(deductions), by=GRID, key=f"k{key}",
                                 occurred_at=when)
                except PointsLedgerError:
                    pass  # over a cap: refused, as a village's grid worker would be
    ledger.snapshot()
    ledger.close()


def database(dsn: str, name: str) -> tuple[str, bool]:
    """The connection string of database ``name`` (created when missing) and whether it
    existed."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(dsn, autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (name,)).fetchone()
        if found is None:
            admin.execute(f"CREATE DATABASE {name}")
    return make_conninfo(dsn, dbname=name), found is not None


def built(dsn: str) -> int:
    """How many ledgers hold a snapshot (a village is built when its snapshot is stored)."""
    import psycopg

    with psycopg.connect(dsn) as db:
        row = db.execute("SELECT to_regclass('pointsledger_snapshots') IS NOT NULL").fetchone()
        if not row or not row[0]:
            return 0
        count = db.execute("SELECT COUNT(*) FROM pointsledger_snapshots").fetchone()
        return int(count[0]) if count else 0


def build(dsn: str, villages: int, events: int, partitions: int) -> None:
    done = built(dsn)
    if done >= villages:
        print(f"reusing {villages:,} built villages")
        return
    t0 = time.perf_counter()
    for n in range(done, villages):  # a village half built by a killed run is rebuilt
        _drop(dsn, village_id(n))
        build_village(dsn, n, events, partitions)
        if (n + 1) % 50 == 0 or n + 1 == villages:
            elapsed = time.perf_counter() - t0
            print(f"  built {n + 1:,}/{villages:,} villages in {elapsed:,.0f} s", flush=True)


def _drop(dsn: str, ledger_id: str) -> None:
    import psycopg

    with psycopg.connect(dsn) as db:
        exists = db.execute("SELECT to_regclass('pointsledger_events') IS NOT NULL").fetchone()
        if exists and exists[0]:
            for table in ("pointsledger_events", "pointsledger_snapshots",
                          "pointsledger_derived"):
                db.execute(f"DELETE FROM {table} WHERE ledger_id = %s", (ledger_id,))


def rss_mb() -> float:
    """This process's resident memory in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(dsn: str, villages: int) -> None:
    """The measurements, in a process that has opened nothing yet."""
    rng = random.Random(21)
    county = [village_id(n) for n in range(min(100, villages))]
    second = [village_id(n) for n in range(100, min(200, villages))]
    others = [village_id(n) for n in range(200, villages)] or county
    Ledger(PostgresStore(dsn, others[-1])).close()  # the imports a first open makes, untimed
    connect, state, whole, cpu = [], [], [], []
    sample = others[:-1] or others
    for ledger_id in rng.sample(sample, min(20, len(sample))):
        t0, c0 = time.perf_counter(), time.process_time()
        store = PostgresStore(dsn, ledger_id)
        t1 = time.perf_counter()
        ledger = Ledger(store)
        t2 = time.perf_counter()
        connect.append(t1 - t0)
        state.append(t2 - t1)
        whole.append(t2 - t0)
        cpu.append(time.process_time() - c0)
        events = ledger.head
        ledger.close()
    print(f"open one village ledger cold from its snapshot ({events:,} events): median "
          f"{statistics.median(whole) * 1000:.1f} ms, slowest {max(whole) * 1000:.1f} ms "
          f"(connection {statistics.median(connect) * 1000:.1f} ms, state "
          f"{statistics.median(state) * 1000:.1f} ms; this process's CPU "
          f"{statistics.median(cpu) * 1000:.1f} ms)")
    before = rss_mb()
    with LedgerPool.postgres(dsn, size=100) as pool:
        t0, c0 = time.perf_counter(), time.process_time()
        cold = across.rollup(pool.each(county), period="2026-03")
        cold_s, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
        warm, warm_cpu = [], []
        for _ in range(5):
            t0, c0 = time.perf_counter(), time.process_time()
            again = across.rollup(pool.each(county), period="2026-03")
            warm.append(time.perf_counter() - t0)
            warm_cpu.append(time.process_time() - c0)
        assert again.rows == cold.rows and pool.opened == len(county) == len(pool)
        t0, c0 = time.perf_counter(), time.process_time()
        across.rollup(pool.each(county), period="2026-04")  # not kept yet: computed
        other_s, other_cpu = time.perf_counter() - t0, time.process_time() - c0
        top = cold.rows[0]
        after = rss_mb()
        print(f"roll-up across {len(county)} villages (March): cold {cold_s:.2f} s (this "
              f"process's CPU {cold_cpu:.2f} s), warm {statistics.median(warm):.3f} s median of 5 "
              f"({min(warm):.3f}-{max(warm):.3f}; CPU {statistics.median(warm_cpu):.3f} s); "
              f"county row: {top[2]:,} households, {top[5]:,} points earned")
        print(f"the April roll-up with the 100 in the pool, each village's part computed (not "
              f"kept from an earlier roll-up): {other_s:.3f} s (CPU {other_cpu:.3f} s)")
        print(f"resident memory with the pool holding {len(pool)}: {after:.0f} MB "
              f"({before:.0f} MB before the pool, {after - before:.0f} MB for the ledgers)")
    if second:
        with LedgerPool.postgres(dsn, size=100) as pool:
            t0 = time.perf_counter()
            across.rollup(pool.each(second, ahead=4), period="2026-03")
            print(f"roll-up across the next {len(second)} villages, cold, opening 4 ahead in "
                  f"threads (each(ids, ahead=4)): {time.perf_counter() - t0:.2f} s")
    load = os.getloadavg()
    print(f"load average during the run: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          f"({os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--measure", metavar="CONNINFO", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.villages)
        return
    dsn = os.environ.get("POINTSLEDGER_PG_DSN")
    if not dsn:
        raise SystemExit('set POINTSLEDGER_PG_DSN, e.g. eval "$(bash scripts/start-postgres.sh)"')
    target, _existed = database(dsn, f"pl_many_{args.villages}x{args.events}")
    print(f"{args.villages:,} villages of about {args.events:,} events, "
          f"{args.partitions} partitions")
    build(target, args.villages, args.events, args.partitions)
    subprocess.run([sys.executable, __file__, "--villages", str(args.villages),
                    "--measure", target], check=True)


if __name__ == "__main__":
    main()
