"""Benchmark harness for the core ledger (county scale).

Scenarios, each run in its own process so peak memory is its own:

- ``memory``: recording commands one by one into an in-memory ledger;
- ``memory-batch``: the same, a day's commands per batch;
- ``sqlite``: recording into a SQLite file, a day's commands per batch;
- ``reopen``: reopening (replay + chain check) that SQLite file, then a full ``verify()``;
  then taking a snapshot and reopening from it.

Run all (about two minutes for the full 1,000,000 events)::

    python benchmarks/bench_core.py
    python benchmarks/bench_core.py --events 100000      # a quicker look

Only the ledger calls are timed; the workload is generated a day at a time outside the timer.
Resident memory per event is the growth of the process's resident set while recording, divided
by the events written (the in-memory store keeps every event, so this includes the log itself).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import workload

from pointsledger import CapExceeded, Ledger, ManualClock


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def setup(ledger: Ledger, args: argparse.Namespace) -> list[str]:
    ledger.adopt(
        workload.rulebook(),
        effective_from=workload.START.date(),
        by=workload.COMMITTEE,
        resolution="县积分制管理办法 (benchmark)",
    )
    return workload.build_registry(ledger, households=args.households, grids=args.grids)


def record(ledger: Ledger, clock: ManualClock, households: list[str], args: argparse.Namespace,
           *, batch: bool) -> dict[str, float]:
    gc.collect()
    rss0 = rss_bytes()
    head0 = ledger.head
    elapsed = 0.0
    refused = 0
    by = workload.GRID
    for end, commands in workload.days(households, args.events, seed=args.seed):
        clock.set(end)
        t0 = time.perf_counter()
        if batch:
            with ledger.batch() as b:
                for c in commands:
                    try:
                        (b.award if c.award else b.deduct)(
                            c.account, c.item, by=by, key=c.key, occurred_at=c.occurred_at
                        )
                    except CapExceeded:
                        refused += 1
        else:
            for c in commands:
                try:
                    (ledger.award if c.award else ledger.deduct)(
                        c.account, c.item, by=by, key=c.key, occurred_at=c.occurred_at
                    )
                except CapExceeded:
                    refused += 1
        elapsed += time.perf_counter() - t0
    del commands
    gc.collect()
    written = ledger.head - head0
    return {
        "events": written,
        "refused_by_caps": refused,
        "seconds": round(elapsed, 2),
        "events_per_s": round(written / elapsed),
        "rss_bytes_per_event": round((rss_bytes() - rss0) / written),
        "peak_rss_mb": round(peak_bytes() / 2**20),
    }


def scenario(name: str, args: argparse.Namespace) -> dict[str, float]:
    clock = ManualClock(workload.START.subtract(days=1))
    if name in ("memory", "memory-batch"):
        ledger = Ledger.in_memory(clock=clock, tz=workload.TZ)
        households = setup(ledger, args)
        return record(ledger, clock, households, args, batch=name == "memory-batch")
    if name == "sqlite":
        Path(args.path).unlink(missing_ok=True)
        ledger = Ledger.open(args.path, clock=clock, tz=workload.TZ)
        households = setup(ledger, args)
        result = record(ledger, clock, households, args, batch=True)
        ledger.close()
        result["file_mb"] = round(Path(args.path).stat().st_size / 2**20)
        return result
    if name == "reopen":
        t0 = time.perf_counter()
        ledger = Ledger.open(args.path, clock=clock)
        t1 = time.perf_counter()
        verified = ledger.verify()
        t2 = time.perf_counter()
        ledger.snapshot()
        t3 = time.perf_counter()
        ledger.close()
        t4 = time.perf_counter()
        again = Ledger.open(args.path, clock=clock)
        t5 = time.perf_counter()
        assert again.head == verified.events
        return {
            "events": verified.events,
            "open_replay_verify_s": round(t1 - t0, 2),
            "verify_s": round(t2 - t1, 2),
            "open_events_per_s": round(verified.events / (t1 - t0)),
            "snapshot_write_s": round(t3 - t2, 2),
            "open_from_snapshot_s": round(t5 - t4, 2),
            "peak_rss_mb": round(peak_bytes() / 2**20),
        }
    raise SystemExit(f"unknown scenario {name!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--grids", type=int, default=446)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--path", default=os.path.join(tempfile.gettempdir(), "bench-county.db"))
    parser.add_argument(
        "--scenario", choices=["all", "memory", "memory-batch", "sqlite", "reopen"], default="all"
    )
    args = parser.parse_args()
    if args.scenario != "all":
        print(json.dumps(scenario(args.scenario, args)))
        return
    print(f"pointsledger core benchmark: {args.events:,} events, {args.households:,} households, "
          f"{args.grids} grids; python {sys.version.split()[0]}")
    for name in ("memory", "memory-batch", "sqlite", "reopen"):
        cmd = [sys.executable, __file__, "--scenario", name, "--events", str(args.events),
               "--households", str(args.households), "--grids", str(args.grids),
               "--seed", str(args.seed), "--path", args.path]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        print(f"{name:13s} " + "  ".join(f"{k}={v:,}" for k, v in result.items()))
    for suffix in ("", "-wal", "-shm"):
        Path(args.path + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
