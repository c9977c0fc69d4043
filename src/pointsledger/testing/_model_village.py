"""The village and rulebook the model machine starts from when an app gives none: a
realistic checklist, store, price rules, workflow policies and 清单制 matters
(docs/testing.md, ../DOMAIN.md), the elderly members the price rules need, and the start
instant (a Monday)."""

from __future__ import annotations

import datetime as _dt

import pendulum

from pointsledger.rules.benefits import Campaign, Vetoes
from pointsledger.rules.catalogue import Limit, PriceRule, Reward, StorePolicy
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.expiry import ExpiryPolicy
from pointsledger.rules.matters import Matter, ProcedureStep, four_and_two
from pointsledger.rules.procedures import (
    ClaimPolicy,
    Service,
    ServicePolicy,
    TimeBankPolicy,
    WishCategory,
    WishPolicy,
)
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._strategies import Village

TZ = "Asia/Shanghai"
START = pendulum.datetime(2026, 3, 2, 9, 0, tz=TZ)
"""A Monday: the week's caps start afresh; the elderly members' birthdays fall on it."""


MODEL_MATTERS = (
    Matter("XW-01", "村级工程项目", kind="petty_power", role="committee",
           steps=four_and_two([ProcedureStep("tender", "招投标", role="committee", days=10,
                                             day_kind="calendar")], days=3),
           basis="村级小微权力清单"),
    Matter("BM-01", "低保申请协办", kind="public_service", role="committee", steps=[
        ProcedureStep("accept", "受理", role="grid_worker", evidence_required=False, days=1),
        ProcedureStep("review", "审核", role="committee", days=5),
        ProcedureStep("publish", "公示", role="committee", days=7, day_kind="calendar")]),
    Matter("XZ-01", "医保参保登记", kind="assist_government", role="grid_worker",
           steps=[ProcedureStep("register", "登记", role="grid_worker",
                                evidence_required=False)]),
    Matter("FM-01", "开具无犯罪记录证明", kind="negative", role="committee"),
)
"""The model rulebook's matter lists: 四议两公开 with a tender, a public service with working
and calendar limits, a step without limit or evidence, and a negative-list entry."""


def default_model_rulebook(version: str = "2026") -> Rulebook:
    """A realistic rulebook from the docs and DOMAIN.md: capped items and a capped category,
    deductions (one serious, with evidence), rewards with limits, days, a window, a total,
    a qualifying score and an age-priced canteen meal, rolling expiry, and the workflows'
    policies (claims with deductions, wishes, services, a time bank), a veto (一票否决) and a
    campaign doubling 环境卫生 in April 2026 (the examples run in March)."""
    return Rulebook(
        version,
        [
            ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5,
                          cap=Cap(10, per="month")),
            ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=5,
                          unit="每人次"),
            ChecklistItem("VOL-02", "参加治安巡逻", category="志愿服务", points=10),
            ChecklistItem("MTG-01", "参加村民会议", category="民主参与", points=2,
                          cap=Cap(2, per="day")),
            ChecklistItem("HON-01", "获得镇级表彰", category="荣誉", points=20,
                          cap=[Cap(20, per="quarter"), Cap(30, per="year")],
                          evidence_required=True),
            ChecklistItem("DON-01", "捐赠物品", category="爱心捐赠", points=10),
            ChecklistItem("DON-02", "爱心捐赠（按价值）", category="爱心捐赠", points=1,
                          per_value=10, cap=Cap(30, per="month")),
            ChecklistItem("WISH-01", "认领微心愿", category="微心愿", points=10,
                          cap=Cap(20, per="month")),
            ChecklistItem("SVC-02", "老人陪护", category="为民服务", points=2),
            ChecklistItem("SVC-03", "家电维修", category="为民服务", points=3),
            ChecklistItem("TB-01", "时间银行兑换", category="时间银行", points=1),
            ChecklistItem("COV-01", "焚烧秸秆", category="村规民约", points=-5),
            ChecklistItem("COV-09", "违反公共道德", category="村规民约", points=-20,
                          evidence_required=True, serious=True),
        ],
        category_caps={"志愿服务": Cap(20, per="week")},
        rewards=[
            Reward("SOAP", "肥皂", cost=5, category="日用品", limits=[Limit(2, "week")]),
            Reward("POWDER", "洗衣粉", cost=20, category="日用品", weekdays={"fri"},
                   month_end=True),
            Reward("MEAL", "长者餐", cost=10, category="食堂",
                   limits=[Limit(1, "day", "member")],
                   price_rules=[PriceRule(60, 75, 80), PriceRule(75, None, 0)]),
            Reward("TISSUE", "纸巾", cost=15, category="日用品", total_limit=6,
                   min_score=110, available_from=_dt.date(2026, 3, 1),
                   available_until=_dt.date(2026, 4, 30)),
        ],
        store=StorePolicy(base_points=100, min_score=60, ban_years=1, reservation_days=3),
        expiry=ExpiryPolicy("rolling", days=30),
        claims=ClaimPolicy(review_tiers=2, notice_days=7, appeal_days=30, deductions=True),
        wishes=WishPolicy([WishCategory("物品", 200), WishCategory("服务")], claim_days=14,
                          item="WISH-01"),
        services=ServicePolicy([
            Service("CARE", "老人陪护", category="助老服务", item="SVC-02", per="hour"),
            Service("FIX", "家电维修", category="便民服务", item="SVC-03", per="order"),
            Service("TALK", "谈心", category="关爱", item=None),
        ], accept_hours=24),
        timebank=TimeBankPolicy(item="TB-01", unit_minutes=60, threshold_minutes=120,
                                max_minutes=600),
        vetoes=Vetoes(items={"COV-01"}),
        campaigns=[Campaign("ENV-MONTH", "人居环境整治月", start=_dt.date(2026, 4, 1),
                            end=_dt.date(2026, 4, 30), categories={"环境卫生"}, multiplier=2)],
        matters=MODEL_MATTERS,
    )


ELDERS = (
    # (member, household, name, birth date): at and one day before the price bands' ages
    ("M13", "H1", "张奶奶", _dt.date(1966, 3, 2)),   # 60 on the start day
    ("M23", "H2", "李爷爷", _dt.date(1966, 3, 3)),   # 60 the day after
    ("M33", "H3", "王奶奶", _dt.date(1951, 3, 2)),   # 75 on the start day
    ("M43", "H4", "赵爷爷", _dt.date(1951, 3, 3)),   # 75 the day after
)


def default_model_village(rulebook: Rulebook | None = None) -> Village:
    """Four households in two grids; residents, a store keeper and a grid worker who belong
    to households (for conflict-of-interest draws), volunteers and a party member in different
    households. The elders with birth dates are registered by the machine (``ELDERS``)."""
    return Village(
        rulebook=rulebook or default_model_rulebook(),
        grids=("G1", "G2"),
        households=(("H1", "G1", "张三"), ("H2", "G1", "李四"), ("H3", "G2", "王五"),
                    ("H4", "G2", "赵六")),
        members=(
            ("M11", "H1", "张三", frozenset({"resident"})),
            ("M12", "H1", "张小梅", frozenset({"resident", "store_keeper"})),
            ("M21", "H2", "李四", frozenset({"resident", "grid_worker"})),
            ("M22", "H2", "李小龙", frozenset({"resident", "volunteer"})),
            ("M31", "H3", "王五", frozenset({"resident", "party_member"})),
            ("M41", "H4", "赵六", frozenset({"resident", "volunteer"})),
        ),
        start=START,
        tz=TZ,
    )
