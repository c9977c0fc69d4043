"""Benchmark of what a host app leans on: fresh reads and several writer processes.

- ``fresh-read``: what a read pays to see other writers' appends when nothing changed: a
  SQLite ledger's ``balance()`` (lock + ``refresh()`` + the read) against the bare read, and
  ``refresh()`` alone.
- ``writers``: durable single commands (SQLite ``synchronous=FULL``) from 1 process, then from
  4 processes at once on the same file: the 4-process rate as a share of the 1-process rate,
  and the slowest writer's time as a multiple of the fastest's (fair turns keep it near 1).
- ``writers-pg``: the same on PostgreSQL (``POINTSLEDGER_PG_DSN``, e.g. from
  ``eval "$(bash scripts/start-postgres.sh)"``).

Run::

    python benchmarks/bench_hostapp.py                 # fresh-read and writers
    python benchmarks/bench_hostapp.py --scenario writers-pg --commands 300
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pendulum

from pointsledger import Actor, ChecklistItem, Ledger, Rulebook

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-01", roles={"grid_worker"})
HOUSEHOLDS = [f"H{n:03d}" for n in range(100)]


def _village(ledger: Ledger) -> Ledger:
    today = pendulum.now(TZ)
    rules = Rulebook("2026", [ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务",
                                            points=2)])
    ledger.adopt(rules, effective_from=today.subtract(days=30).date(), by=COMMITTEE,
                 resolution="村民代表会议表决通过")
    ledger.add_region("G1", "第一网格", kind="grid", by=COMMITTEE)
    with ledger.batch() as batch:
        for household in HOUSEHOLDS:
            batch.register_household(household, grid="G1", head="户主", by=COMMITTEE)
    return ledger


def fresh_read(reads: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        ledger = _village(Ledger.open(Path(folder) / "v.db", tz=TZ))
        state = ledger._state  # the bare read, for comparison only

        def per_call(read: Callable[[], object]) -> float:
            start = time.perf_counter()
            for _ in range(reads):
                read()
            return (time.perf_counter() - start) / reads * 1e6

        bare = per_call(lambda: state.balance("H001"))
        fresh = per_call(lambda: ledger.balance("H001"))
        refresh = per_call(ledger.refresh)
        print(f"fresh-read  reads={reads:,}  bare_balance_us={bare:.2f}  "
              f"fresh_balance_us={fresh:.2f}  added_us={fresh - bare:.2f}  "
              f"refresh_us={refresh:.2f}")
        ledger.close()


def _writer(opener: tuple[str, str], n: int, commands: int, start_at: float,
            results: mp.Queue) -> None:  # type: ignore[type-arg]
    kind, where = opener
    ledger = (Ledger.open(where, synchronous="FULL") if kind == "sqlite"
              else Ledger.open_postgres(os.environ["POINTSLEDGER_PG_DSN"], where))
    while time.time() < start_at:
        time.sleep(0.001)
    began = time.time()
    for i in range(commands):
        ledger.award(HOUSEHOLDS[(n * 7 + i) % len(HOUSEHOLDS)], "VOL-01", by=GRID,
                     key=f"w{n}/{i}/{uuid.uuid4().hex[:6]}")
    results.put((n, began, time.time()))
    ledger.close()


def _run(opener: tuple[str, str], writers: int, commands: int) -> list[tuple[int, float, float]]:
    context = mp.get_context("spawn")
    results: mp.Queue = context.Queue()  # type: ignore[type-arg]
    start_at = time.time() + 1.5  # every process is up before the first command
    processes = [context.Process(target=_writer, args=(opener, n, commands, start_at, results))
                 for n in range(writers)]
    for process in processes:
        process.start()
    done = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    return done


def writers(opener_for: Callable[[], tuple[str, str]], label: str, commands: int) -> None:
    one = _run(opener_for(), 1, commands)
    single_rate = commands / (one[0][2] - one[0][1])
    four = _run(opener_for(), 4, commands)
    began = min(b for _n, b, _e in four)
    spans = sorted(e - began for _n, _b, e in four)
    rate = 4 * commands / spans[-1]
    print(f"{label}  commands_per_writer={commands}  one_process_per_s={single_rate:,.0f}  "
          f"four_processes_per_s={rate:,.0f}  ratio={rate / single_rate:.2f}  "
          f"writers_done_s={[round(s, 2) for s in spans]}  "
          f"slowest_over_fastest={spans[-1] / spans[0]:.2f}")


def _sqlite_file(folder: str) -> Callable[[], tuple[str, str]]:
    def make() -> tuple[str, str]:
        path = os.path.join(folder, f"{uuid.uuid4().hex[:8]}.db")
        _village(Ledger.open(path, tz=TZ)).close()
        return "sqlite", path
    return make


def _pg_ledger() -> tuple[str, str]:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    _village(Ledger.open_postgres(os.environ["POINTSLEDGER_PG_DSN"], name, tz=TZ)).close()
    return "postgres", name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=["all", "fresh-read", "writers", "writers-pg"],
                        default="all")
    parser.add_argument("--reads", type=int, default=100_000)
    parser.add_argument("--commands", type=int, default=500, help="per writer process")
    args = parser.parse_args()
    print(f"pointsledger host-app benchmark; {os.cpu_count()} cores")
    if args.scenario in ("all", "fresh-read"):
        fresh_read(args.reads)
    if args.scenario in ("all", "writers"):
        with tempfile.TemporaryDirectory() as folder:
            writers(_sqlite_file(folder), "writers-sqlite", args.commands)
    if args.scenario == "writers-pg" or (args.scenario == "all"
                                         and os.environ.get("POINTSLEDGER_PG_DSN")):
        writers(_pg_ledger, "writers-pg", args.commands)


if __name__ == "__main__":
    main()
