"""A small realistic village for the tests (items modelled on DOMAIN.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pendulum
from hypothesis import settings

from pointsledger import Actor, Cap, ChecklistItem, Ledger, ManualClock, Matter, Rulebook

CI_EXAMPLES = 60
"""The example budget of the ``ci`` and ``dev`` hypothesis profiles (see conftest.py)."""
THOROUGH_FACTOR = 10
"""How many times that budget the ``thorough`` profile spends."""


def budget(ci_examples: int) -> int:
    """``max_examples`` for a test that sets its own: ``ci_examples`` under the ``ci`` and
    ``dev`` profiles, scaled like the loaded profile's budget under another (``thorough``
    runs ten times as many). Call it at import time: conftest.py loads the profile first."""
    return max(1, ci_examples * settings().max_examples // CI_EXAMPLES)


TZ = "Asia/Shanghai"
START = pendulum.datetime(2026, 3, 2, 9, 0, tz=TZ)  # a Monday

COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-07", roles={"grid_worker"})
RESIDENT = Actor("r-99", roles={"resident"})


def rulebook(version: str = "2026") -> Rulebook:
    """Five items: capped awards, an uncapped award, two deductions; one category cap."""
    return Rulebook(
        version,
        [
            ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5,
                          cap=Cap(10, per="month")),
            ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=3,
                          cap=Cap(6, per="week")),
            ChecklistItem("VOL-02", "参加治安巡逻", category="志愿服务", points=2),
            ChecklistItem("COV-03", "焚烧秸秆", category="村规民约", points=-5),
            ChecklistItem("COV-09", "违反公共道德", category="村规民约", points=-20,
                          evidence_required=True, serious=True),
        ],
        category_caps={"志愿服务": Cap(8, per="day")},
    )


@dataclass
class Village:
    ledger: Ledger
    clock: ManualClock
    households: tuple[str, ...]
    members: tuple[str, ...]


def make_village(backend: str, *, clock: ManualClock | None = None,
                 rules: Rulebook | None = None) -> Village:
    """Regions V01 > G01, G02; households H001..H004; members M001 (H001, grid worker and
    resident) and M002 (H002)."""
    clock = clock or ManualClock(START)
    if backend == "memory":
        ledger = Ledger.in_memory(clock=clock, tz=TZ)
    else:
        ledger = Ledger.open(backend, clock=clock, tz=TZ)
    ledger.adopt(rules or rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                 resolution="村民代表会议表决通过")
    ledger.add_region("V01", "东沙沟村", kind="village", by=COMMITTEE)
    ledger.add_region("G01", "第一网格", kind="grid", parent="V01", by=COMMITTEE)
    ledger.add_region("G02", "第二网格", kind="grid", parent="V01", by=COMMITTEE)
    households = ("H001", "H002", "H003", "H004")
    for i, h in enumerate(households):
        ledger.register_household(h, grid="G01" if i < 2 else "G02", head=f"户主{i}",
                                  by=COMMITTEE)
    ledger.register_member("M001", household="H001", name="张三",
                           roles={"resident", "grid_worker"}, by=COMMITTEE)
    ledger.register_member("M002", household="H002", name="欧阳明", roles={"resident"},
                           birth_date=pendulum.date(1950, 5, 1), by=COMMITTEE)
    return Village(ledger, clock, households, ("M001", "M002"))


GRID2 = Actor("g-08", roles={"grid_worker"})
COMMITTEE2 = Actor("c-02", roles={"committee"})
COMMITTEE3 = Actor("c-03", roles={"committee"})
COMMITTEE4 = Actor("c-04", roles={"committee"})
WISHER = Actor("M002", roles={"resident"})
VOLUNTEER = Actor("M003", roles={"volunteer", "party_member"})
NEIGHBOUR = Actor("M001", roles={"resident", "grid_worker"})


def workflow_rulebook(version: str = "2026", *, tiers: int = 2, deductions: bool = False,
                      matters: Sequence[Matter] = ()) -> Rulebook:
    """The test rulebook plus workflow items and policies: an uncapped honour item, a wish
    item (+10), a service menu (per order and per hour), a time bank converting hours, and
    the 清单制 ``matters`` given (none by default)."""
    from pointsledger import (
        ClaimPolicy,
        Service,
        ServicePolicy,
        TimeBankPolicy,
        WishCategory,
        WishPolicy,
    )

    base = rulebook(version)
    items = (*base.items,
             ChecklistItem("HON-01", "获评文明家庭", category="荣誉表彰", points=5),
             ChecklistItem("WISH-01", "认领并完成微心愿", category="微心愿", points=10),
             ChecklistItem("SVC-01", "上门服务", category="为民服务", points=5),
             ChecklistItem("SVC-02", "陪护服务(每小时)", category="为民服务", points=2),
             ChecklistItem("TB-01", "时间银行兑换(每小时)", category="时间银行", points=1))
    return Rulebook(
        version, items, category_caps=dict(base.category_caps),
        claims=ClaimPolicy(review_tiers=tiers, notice_days=7, appeal_days=30,
                           deductions=deductions),
        wishes=WishPolicy([WishCategory("物品", 200), WishCategory("服务")], claim_days=14,
                          item="WISH-01"),
        services=ServicePolicy([Service("REPAIR", "家电维修", category="便民服务", item="SVC-01"),
                                Service("CARE", "老人陪护", category="助老服务", item="SVC-02",
                                        per="hour")], accept_hours=24),
        timebank=TimeBankPolicy(item="TB-01", unit_minutes=60, threshold_minutes=120,
                                max_minutes=6000),
        matters=matters,
    )


def make_workflow_village(backend: str = "memory", *, tiers: int = 2, deductions: bool = False,
                          matters: Sequence[Matter] = ()) -> Village:
    """The test village on :func:`workflow_rulebook`, plus M003 (H003: volunteer, party member)
    and M004 (H002, a second member of the wisher's household)."""
    village = make_village(backend, rules=workflow_rulebook(tiers=tiers, deductions=deductions,
                                                            matters=matters))
    for member, household, name, roles in (
            ("M003", "H003", "李四光", {"resident", "volunteer", "party_member"}),
            ("M004", "H002", "欧阳小红", {"resident"})):
        village.ledger.register_member(member, household=household, name=name, roles=roles,
                                       by=COMMITTEE)
    return Village(village.ledger, village.clock, village.households,
                   ("M001", "M002", "M003", "M004"))
