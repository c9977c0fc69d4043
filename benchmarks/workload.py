"""A county-sized synthetic workload, deterministic by seed.

30,000 households in 446 grids under 44 villages and communities in 8 towns; a 20-item checklist
(14 awards with monthly item caps, 6 deductions) and one category cap; a year of awards and
deductions, generated one day at a time so the benchmark never holds the whole year in memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import NamedTuple

import pendulum

from pointsledger import Actor, Cap, ChecklistItem, Ledger, Rulebook

TZ = "Asia/Shanghai"
START = pendulum.datetime(2026, 1, 1, tz=TZ)

COMMITTEE = Actor("county-admin", roles={"committee"})
GRID = Actor("grid-worker", roles={"grid_worker"})

AWARDS = [
    ("ENV-01", "庭院环境整洁", "环境卫生", 5, 20),
    ("ENV-02", "门前三包落实", "环境卫生", 3, 12),
    ("ENV-03", "参与环境整治", "环境卫生", 5, 20),
    ("VOL-01", "参加志愿服务", "志愿服务", 5, 30),
    ("VOL-02", "参加治安巡逻", "志愿服务", 10, 40),
    ("VOL-03", "参加义务劳动", "志愿服务", 5, 30),
    ("MEE-01", "参加村民会议", "民主参与", 2, 8),
    ("MEE-02", "参与议事协商", "民主参与", 3, 12),
    ("CUS-01", "婚事新办", "移风易俗", 10, 20),
    ("CUS-02", "丧事简办", "移风易俗", 10, 20),
    ("NEI-01", "调解邻里纠纷", "邻里和睦", 5, 20),
    ("NEI-02", "帮扶困难群众", "邻里和睦", 5, 20),
    ("LAW-01", "参加法治学习", "遵纪守法", 2, 8),
    ("EDU-01", "子女升学奖励", "家庭教育", 20, 20),
]
DEDUCTIONS = [
    ("COV-01", "乱倒垃圾", "村规民约", -5),
    ("COV-02", "占道堆放杂物", "村规民约", -3),
    ("COV-03", "焚烧秸秆", "村规民约", -5),
    ("COV-04", "违规燃放烟花", "村规民约", -5),
    ("COV-05", "大操大办", "村规民约", -10),
    ("COV-06", "违反公共道德", "村规民约", -20),
]


def rulebook() -> Rulebook:
    """The 20-item county checklist."""
    items = [
        ChecklistItem(code, title, category=cat, points=pts, cap=Cap(cap, per="month"))
        for code, title, cat, pts, cap in AWARDS
    ]
    items += [
        ChecklistItem(code, title, category=cat, points=pts)
        for code, title, cat, pts in DEDUCTIONS
    ]
    return Rulebook("county-2026", items, category_caps={"志愿服务": Cap(80, per="month")})


class Command(NamedTuple):
    award: bool
    account: str
    item: str
    key: str
    occurred_at: pendulum.DateTime


def build_registry(ledger: Ledger, *, households: int, grids: int, villages: int = 44) -> list[str]:
    """Regions and households, in one batch; returns the household ids."""
    towns = 8
    with ledger.batch() as b:
        b.add_region("C", "乌兰县", kind="county", by=COMMITTEE)
        for t in range(towns):
            b.add_region(f"T{t:02d}", f"第{t + 1}镇", kind="town", parent="C", by=COMMITTEE)
        for v in range(villages):
            kind = "community" if v % 7 == 6 else "village"
            b.add_region(f"V{v:03d}", f"第{v + 1}村", kind=kind, parent=f"T{v % towns:02d}",
                         by=COMMITTEE)
        for g in range(grids):
            b.add_region(f"G{g:04d}", f"第{g + 1}网格", kind="grid", parent=f"V{g % villages:03d}",
                         by=COMMITTEE)
        ids = []
        for h in range(households):
            hid = f"H{h:06d}"
            b.register_household(hid, grid=f"G{h % grids:04d}", head=f"户主{h}", by=COMMITTEE)
            ids.append(hid)
    return ids


def days(
    households: list[str], events: int, *, seed: int = 2026
) -> Iterator[tuple[pendulum.DateTime, list[Command]]]:
    """One year of commands, a day at a time: ``(end of day, commands of that day)``."""
    rng = random.Random(seed)
    per_day, extra = divmod(events, 365)
    award_codes = [a[0] for a in AWARDS]
    deduction_codes = [d[0] for d in DEDUCTIONS]
    n = 0
    for day in range(365):
        start = START.add(days=day)
        count = per_day + (1 if day < extra else 0)
        seconds = sorted(rng.randrange(8 * 3600, 20 * 3600) for _ in range(count))
        commands = []
        for s in seconds:
            n += 1
            award = rng.random() < 0.9
            item = rng.choice(award_codes) if award else rng.choice(deduction_codes)
            account = households[rng.randrange(len(households))]
            commands.append(Command(award, account, item, f"k{n}", start.add(seconds=s)))
        yield start.add(hours=23), commands
