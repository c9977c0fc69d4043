"""Benchmark harness for the points store and expiry (county scale).

- ``redeem``: 100,000 immediate redemptions over 30,000 households whose points sit in
  year-end lots (each redemption draws its lots, soonest-expiring first), in memory;
- ``expiry``: ``expire_due`` over 1,000,000 lots (a year of awards) at the year end, in memory,
  then once more to show the re-run writes nothing.

    python benchmarks/bench_store.py                       # both (about a minute)
    python benchmarks/bench_store.py --scenario redeem

Only the measured calls are timed; setting up the awards is not.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pendulum
import workload

from pointsledger import (
    Actor,
    Cap,
    CapExceeded,
    ChecklistItem,
    ExpiryPolicy,
    Ledger,
    ManualClock,
    Reward,
    Rulebook,
)

KEEPER = Actor("store-keeper", roles={"store_keeper"})


def store_rulebook() -> Rulebook:
    items = [ChecklistItem(code, title, category=cat, points=pts, cap=Cap(cap * 4, per="month"))
             for code, title, cat, pts, cap in workload.AWARDS]
    return Rulebook("store-bench", items, rewards=[Reward("SOAP", "肥皂", cost=5)],
                    expiry=ExpiryPolicy("year_end"))


def setup(awards: int, households: int, seed: int) -> tuple[Ledger, ManualClock, list[str]]:
    clock = ManualClock(workload.START.subtract(days=1))
    ledger = Ledger.in_memory(clock=clock, tz=workload.TZ)
    ledger.adopt(store_rulebook(), effective_from=workload.START.date(), by=workload.COMMITTEE,
                 resolution="benchmark")
    ids = workload.build_registry(ledger, households=households, grids=446)
    rng = random.Random(seed)
    codes = [a[0] for a in workload.AWARDS]
    per_day, extra = divmod(awards, 365)
    n = 0
    for day in range(365):
        clock.set(workload.START.add(days=day, hours=20))
        with ledger.batch() as b:
            for _ in range(per_day + (day < extra)):
                n += 1
                with contextlib.suppress(CapExceeded):  # a cap: skipped, nothing written
                    b.award(ids[n % len(ids)], rng.choice(codes), by=workload.GRID,
                            key=f"a{n}", occurred_at=clock().subtract(hours=1))
    return ledger, clock, ids


def _lots(ledger: Ledger) -> int:
    """How many award lots the households hold (each lot expires within the decade)."""
    decade = _dt.timedelta(days=3660)
    return sum(len(ledger.expiring(h, within=decade)) for h in ledger.households())


def redeem(args: argparse.Namespace) -> None:
    ledger, _clock, ids = setup(args.households * 5, args.households, args.seed)
    ledger.receive_stock("SOAP", args.redemptions, by=KEEPER, key="stock")
    lots = _lots(ledger)
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    done = refused = drawn = 0
    for n in range(args.redemptions):
        try:
            event = ledger.redeem(ids[rng.randrange(len(ids))], "SOAP", by=KEEPER, key=f"r{n}")
            done += 1
            drawn += len(event.lots)
        except Exception:
            refused += 1
    elapsed = time.perf_counter() - t0
    print(f"redeem   {done:,} redemptions ({refused:,} refused: not enough points) drawing "
          f"{drawn:,} lot slices from {lots:,} lots: {elapsed:.2f} s, "
          f"{(done + refused) / elapsed:,.0f} commands/s")


def expiry(args: argparse.Namespace) -> None:
    ledger, clock, _ids = setup(args.lots, args.households, args.seed)
    lots = _lots(ledger)
    clock.set(pendulum.datetime(2027, 1, 1, tz=workload.TZ))
    t0 = time.perf_counter()
    events = ledger.expire_due()
    elapsed = time.perf_counter() - t0
    points = sum(e.points for e in events)  # type: ignore[attr-defined]
    t1 = time.perf_counter()
    again = ledger.expire_due()
    rerun = time.perf_counter() - t1
    print(f"expiry   expire_due over {lots:,} lots: {len(events):,} expired events, "
          f"{points:,} points, {elapsed:.2f} s; re-run wrote {len(again)} events in "
          f"{rerun:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=30_000)
    parser.add_argument("--redemptions", type=int, default=100_000)
    parser.add_argument("--lots", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--scenario", choices=["all", "redeem", "expiry"], default="all")
    args = parser.parse_args()
    if args.scenario == "redeem":
        redeem(args)
    elif args.scenario == "expiry":
        expiry(args)
    else:
        for name in ("redeem", "expiry"):
            cmd = [sys.executable, __file__, "--scenario", name, "--households",
                   str(args.households), "--redemptions", str(args.redemptions), "--lots",
                   str(args.lots), "--seed", str(args.seed)]
            print(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout,
                  end="")


if __name__ == "__main__":
    main()
