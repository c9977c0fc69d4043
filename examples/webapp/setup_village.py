"""Create a realistic village ledger for the example web app, and snapshot it.

    python examples/webapp/setup_village.py village.db

东沙沟村 adopts a checklist and a points store at its villagers' representative meeting
(四议两公开), registers 3 grids and 50 households, receives stock, and its grid workers score the
past two weeks; then the ledger is snapshotted, so the app's worker processes open it fast.
Deterministic by seed except for the dates, which are relative to today (the app runs on the
system clock, and ``recorded_at`` must increase).

The staff table (``STAFF``) is what the example app uses in place of real authentication.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pendulum

from pointsledger import (
    Actor,
    Cap,
    CapExceeded,
    ChecklistItem,
    Ledger,
    Limit,
    Reward,
    Rulebook,
    StorePolicy,
)

TZ = "Asia/Shanghai"
HOUSEHOLDS = 50
GRIDS = 3

RULES = Rulebook(
    "2026",
    [
        # 基础分: everyday conduct
        ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5,
                      cap=Cap(20, per="month")),
        ChecklistItem("ENV-02", "参与人居环境整治", category="环境卫生", points=5, unit="每人次"),
        ChecklistItem("MEE-01", "参加村民会议", category="民主参与", points=2),
        # 贡献分: contributions
        ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=5),
        ChecklistItem("VOL-02", "参加治安巡逻", category="志愿服务", points=10),
        ChecklistItem("DON-01", "捐款100元", category="爱心捐赠", points=10, unit="每100元"),
        ChecklistItem("HON-01", "获得乡镇级荣誉", category="荣誉表彰", points=5),
        ChecklistItem("HON-02", "获得县级荣誉", category="荣誉表彰", points=10),
        ChecklistItem("HON-03", "获得国家级荣誉", category="荣誉表彰", points=50),
        # 村规民约: deductions
        ChecklistItem("COV-01", "焚烧秸秆", category="村规民约", points=-5),
        ChecklistItem("COV-02", "乱倒垃圾", category="村规民约", points=-5),
        ChecklistItem("COV-03", "违反公共道德", category="村规民约", points=-20,
                      evidence_required=True, serious=True),
    ],
    category_caps={"志愿服务": Cap(60, per="month")},
    rewards=[
        Reward("SOAP", "肥皂", cost=5, category="日用品"),
        Reward("DETERGENT", "洗洁精", cost=20, category="日用品"),
        Reward("TISSUE", "抽纸", cost=50, category="日用品", limits=[Limit(2, "month")]),
        Reward("TOOTHPASTE", "牙膏", cost=60, category="日用品"),
        Reward("POWDER", "洗衣粉", cost=100, category="日用品", weekdays={"fri"},
               month_end=True),                        # on redemption days only
    ],
    store=StorePolicy(base_points=100, min_score=60, ban_years=1),
)

COMMITTEE = Actor("c-wang", roles={"committee"})            # 村委 王主任
STAFF: dict[str, Actor] = {
    actor.id: actor
    for actor in [
        COMMITTEE,
        Actor("g-li", roles={"grid_worker"}),                 # 网格员 李
        Actor("g-zhao", roles={"grid_worker"}),               # 网格员 赵
        Actor("g-sun", roles={"grid_worker"}),                # 网格员 孙
        Actor("s-zhou", roles={"store_keeper"}),              # 积分超市 周
    ]
}
"""Who may act through the example app, by the id sent in its ``X-Staff`` header (ASCII:
HTTP header values are not UTF-8)."""

GRID_WORKERS = [a for a in STAFF.values() if "grid_worker" in a.roles]
KEEPER = STAFF["s-zhou"]
STOCK = {"SOAP": 5000, "DETERGENT": 2000, "TISSUE": 500, "TOOTHPASTE": 300, "POWDER": 200}
SURNAMES = "张王李赵刘陈杨黄周吴"
GIVEN = "建国秀英志强桂兰海燕明华春梅"


def household_ids() -> list[str]:
    """The households' ids: H001 ... H050."""
    return [f"H{n + 1:03d}" for n in range(HOUSEHOLDS)]


def build(path: str | Path, *, seed: int = 7) -> int:
    """Create the village in a new SQLite file at ``path`` and snapshot it.

    Returns:
        The number of events in the file.
    """
    rng = random.Random(seed)
    today = pendulum.now(TZ)
    with Ledger.open(path, tz=TZ, ledger_id="dongshagou") as ledger:
        ledger.adopt(RULES, effective_from=pendulum.date(today.year - 1, 1, 1), by=COMMITTEE,
                     resolution="村民代表会议表决通过（四议两公开）")
        with ledger.batch() as b:
            b.add_region("V01", "东沙沟村", kind="village", by=COMMITTEE)
            for g in range(1, GRIDS + 1):
                b.add_region(f"G0{g}", f"第{g}网格", kind="grid", parent="V01", by=COMMITTEE)
            for n, hid in enumerate(household_ids()):
                head = SURNAMES[n % 10] + GIVEN[2 * (n % 7): 2 * (n % 7) + 2]
                b.register_household(hid, grid=f"G0{n % GRIDS + 1}", head=head, by=COMMITTEE)
            for code, quantity in STOCK.items():
                b.receive_stock(code, quantity, by=KEEPER, key=f"stock/{code}/1")
        items = ["ENV-01", "ENV-02", "MEE-01", "VOL-01", "VOL-02", "DON-01"]
        start = today.subtract(days=14)
        with ledger.batch() as b:   # two weeks of scoring, in the order it happened
            for n in range(300):
                hid = rng.choice(household_ids())
                when = start.add(minutes=n * 60)
                by = GRID_WORKERS[int(hid[1:]) % len(GRID_WORKERS)]
                try:
                    if rng.random() < 0.9:
                        b.award(hid, rng.choice(items), by=by, key=f"history/{n}",
                                occurred_at=when)
                    else:
                        b.deduct(hid, rng.choice(["COV-01", "COV-02"]), by=by,
                                 key=f"history/{n}", occurred_at=when)
                except CapExceeded:
                    pass  # the grid worker is told the cap is reached; nothing is written
        ledger.snapshot()
        return ledger.head


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "village.db")
    if path.exists():
        sys.exit(f"{path} exists: choose a new file")
    events = build(path)
    print(f"{path}: {events} events, snapshot taken. Start the app with\n"
          f"  POINTSLEDGER_DB={path} uvicorn --app-dir examples/webapp app:app --workers 2")


if __name__ == "__main__":
    main()
