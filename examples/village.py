"""Build a small village ledger in SQLite and print its balances.

    python examples/village.py [PATH]        # default: ./pointsledger-demo.db

A month of practice in 东沙沟村: the villagers' representative meeting adopts a checklist, grid
workers score 40 households in two grids (awards and deductions, deterministic by seed), the
committee reverses one mistaken entry and closes the books for the first week; then the file is
closed, reopened (replaying and verifying every event) and the balances are printed.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pendulum
from tabulate import tabulate

from pointsledger import (
    Actor,
    Cap,
    CapExceeded,
    ChecklistItem,
    Ledger,
    ManualClock,
    Rulebook,
)

TZ = "Asia/Shanghai"

RULES = Rulebook(
    "2026-春",
    [
        ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5,
                      cap=Cap(20, per="month")),
        ChecklistItem("ENV-02", "参与人居环境整治", category="环境卫生", points=5, unit="每人次",
                      cap=Cap(20, per="month")),
        ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=5),
        ChecklistItem("VOL-02", "参加治安巡逻", category="志愿服务", points=10),
        ChecklistItem("MEE-01", "参加村民会议", category="民主参与", points=2),
        ChecklistItem("CUS-01", "移风易俗·婚事新办", category="移风易俗", points=10),
        ChecklistItem("COV-01", "焚烧秸秆", category="村规民约", points=-5),
        ChecklistItem("COV-02", "乱倒垃圾", category="村规民约", points=-5),
        ChecklistItem("COV-03", "违反公共道德", category="村规民约", points=-20,
                      evidence_required=True, serious=True),
    ],
    category_caps={"志愿服务": Cap(40, per="month")},
)

COMMITTEE = Actor("村委-王主任", roles={"committee"})
GRID_WORKERS = [
    Actor("网格员-李", roles={"grid_worker"}),
    Actor("网格员-赵", roles={"grid_worker"}),
]
SURNAMES = "张王李赵刘陈杨黄周吴"


def build(path: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 8, tz=TZ))
    ledger = Ledger.open(path, clock=clock, tz=TZ, ledger_id="demo-dongshagou")
    ledger.adopt(RULES, effective_from=pendulum.date(2026, 3, 1), by=COMMITTEE,
                 resolution="2026年2月26日村民代表会议表决通过（四议两公开）")
    ledger.add_region("V01", "东沙沟村", kind="village", by=COMMITTEE)
    households = []
    with ledger.batch() as b:
        for g in (1, 2):
            b.add_region(f"G0{g}", f"第{g}网格", kind="grid", parent="V01", by=COMMITTEE)
        for n in range(40):
            hid = f"H{n + 1:03d}"
            head = SURNAMES[n % 10] + "家" + str(n + 1)
            b.register_household(hid, grid=f"G0{n % 2 + 1}", head=head, by=COMMITTEE)
            households.append(hid)
    awards = [i.code for i in RULES.items if i.points > 0]
    deductions = ["COV-01", "COV-02"]
    wrong = None
    for day in range(28):  # a scoring round every day of March
        clock.set(pendulum.datetime(2026, 3, 2, 20, tz=TZ).add(days=day))
        with ledger.batch() as b:
            for k in range(12):
                household = rng.choice(households)
                when = clock().subtract(hours=rng.randrange(1, 12))
                by = GRID_WORKERS[int(household[1:]) % 2]
                key = f"2026-03/{day}/{k}"
                try:
                    if rng.random() < 0.85:
                        b.award(household, rng.choice(awards), by=by, key=key, occurred_at=when)
                    else:
                        event = b.deduct(household, rng.choice(deductions), by=by, key=key,
                                         occurred_at=when)
                        wrong = wrong or event
                except CapExceeded:
                    pass  # the grid worker is told the cap is reached; nothing is written
        if day == 7:
            ledger.close_period(pendulum.date(2026, 3, 8), by=COMMITTEE,
                                memo="第一周积分公示结束，结账")
    if wrong is not None:
        ledger.reverse(wrong.id, reason="核实为误录（村民申辩成立）", by=COMMITTEE,
                       key="reverse/first-deduction")
    ledger.close()


def report(path: Path) -> None:
    ledger = Ledger.open(path)  # replays and verifies every event
    verified = ledger.verify()
    balances = ledger.balances()
    rows = sorted(
        ((h.id, h.head, h.grid, balances[h.id].available) for h in ledger.households().values()),
        key=lambda row: (-row[3], row[0]),
    )
    print(tabulate(rows[:10], headers=["户号", "户主", "网格", "可用积分"], tablefmt="github"))
    total = sum(r[3] for r in rows)
    print(f"\n{len(rows)} households, {total} points available in all; "
          f"{verified.events} events verified, head hash {verified.head_hash[:16]}…")
    ledger.close()


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "pointsledger-demo.db")
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    build(path)
    report(path)
    print(f"\nThe ledger is in {path.resolve()}.")
    print("Try: python -c \"from pointsledger import Ledger; "
          f"l = Ledger.open('{path}'); print(l.balance('H001'))\"")


if __name__ == "__main__":
    main()
