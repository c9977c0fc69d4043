"""Benchmark: the cost of one award into an account that already holds many lots.

Under year-end (or rolling) expiry every award opens a lot on its account; an account's lots
are kept sorted by expiry. This measures the CPU time of single in-memory awards into a few
accounts as their lots grow (``--awards`` spread over ``--accounts``), so a cost that grows
with the lots held shows up as a rising figure per checkpoint.

    python benchmarks/bench_lots.py                        # 20,000 awards over 4 accounts
    python benchmarks/bench_lots.py --expiry never         # the same without lots
"""

from __future__ import annotations

import argparse
import json
import time

import pendulum

from pointsledger import Actor, ChecklistItem, ExpiryPolicy, Ledger, ManualClock, Rulebook

TZ = "Asia/Shanghai"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--expiry", choices=["year_end", "rolling", "never"], default="year_end")
    args = parser.parse_args()
    expiry = {"year_end": ExpiryPolicy("year_end"), "rolling": ExpiryPolicy("rolling", days=365),
              "never": ExpiryPolicy("never")}[args.expiry]
    committee, grid = Actor("c-01", roles={"committee"}), Actor("g-01", roles={"grid_worker"})
    ledger = Ledger.in_memory(clock=ManualClock(pendulum.datetime(2026, 3, 2, 9, tz=TZ)), tz=TZ)
    ledger.adopt(Rulebook("2026", [ChecklistItem("VOL-02", "参加治安巡逻", category="志愿服务",
                                                 points=2)], expiry=expiry),
                 effective_from=pendulum.date(2026, 1, 1), resolution="基准测试", by=committee)
    ledger.add_region("G1", "第一网格", kind="grid", by=committee)
    accounts = [f"H{n:03d}" for n in range(args.accounts)]
    for account in accounts:
        ledger.register_household(account, grid="G1", head=f"户主{account}", by=committee)
    checkpoints, step = [], max(1, args.awards // 4)
    started = time.process_time()
    for n in range(args.awards):
        ledger.award(accounts[n % len(accounts)], "VOL-02", by=grid, key=f"a/{n}")
        if (n + 1) % step == 0:
            now = time.process_time()
            checkpoints.append({"awards": n + 1, "lots_per_account": (n + 1) // len(accounts),
                                "us_cpu_per_award": round((now - started) / step * 1e6, 1)})
            started = now
    print(json.dumps({"expiry": args.expiry, "checkpoints": checkpoints}, ensure_ascii=False))


if __name__ == "__main__":
    main()
