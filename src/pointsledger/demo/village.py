"""The demo village: a year of 积分制 practice in 东沙沟村, deterministic by seed.

:func:`build_demo` writes a realistic sample ledger. It holds a 54-item checklist in 11
categories, modelled on the public practice in DOMAIN.md, and a points store with priced
rewards, limits, redemption days and age-based meal prices. It registers households with their
members in four grids and simulates the whole of 2025 through the ledger's own clock:

- daily awards and deductions by the grid workers;
- claims through review and public notice, with the odd objection;
- Friday redemptions in the points store;
- micro-wishes and service orders;
- time-bank deposits.

The same seed always gives the same ledger, event for event.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
from collections.abc import Callable
from typing import Final

import attrs
import pendulum

from pointsledger.base.actors import Actor
from pointsledger.base.clock import from_us
from pointsledger.core.events import Event
from pointsledger.errors import PointsLedgerError
from pointsledger.ledger import Batch, Ledger
from pointsledger.rules.catalogue import Limit, PriceRule, Reward, StorePolicy
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.procedures import (
    ClaimPolicy,
    Service,
    ServicePolicy,
    TimeBankPolicy,
    WishCategory,
    WishPolicy,
)
from pointsledger.rules.rulebook import Rulebook

TZ: Final = "Asia/Shanghai"
YEAR: Final = 2025

_ITEMS: Final = [
    # code, title, category, points, unit, monthly cap (None: uncapped), evidence, serious
    ("ENV-01", "庭院环境整洁", "环境卫生", 5, "每次检查", 20, False, False),
    ("ENV-02", "落实门前三包", "环境卫生", 3, "每次检查", 12, False, False),
    ("ENV-03", "参与人居环境整治", "环境卫生", 5, "每人次", 20, False, False),
    ("ENV-04", "垃圾分类投放规范", "环境卫生", 2, "每次检查", 8, False, False),
    ("ENV-05", "改厕后维护良好", "环境卫生", 5, "每次检查", 10, False, False),
    ("ENV-06", "植树护绿", "环境卫生", 3, "每人次", 9, False, False),
    ("VOL-01", "参加志愿服务", "志愿服务", 5, "每人次", 20, False, False),
    ("VOL-02", "参加治安巡逻", "志愿服务", 10, "每次", 30, False, False),
    ("VOL-03", "参与防汛抗旱", "志愿服务", 10, "每次", 30, False, False),
    ("VOL-04", "参与应急值守", "志愿服务", 5, "每次", 20, False, False),
    ("VOL-05", "参加义务劳动", "志愿服务", 5, "每人次", 20, False, False),
    ("VOL-06", "帮扶困难群众", "志愿服务", 5, "每次", 15, False, False),
    ("WISH-01", "认领并完成微心愿", "志愿服务", 10, "每个心愿", None, False, False),
    ("CUS-01", "婚事新办", "移风易俗", 10, "每次", None, True, False),
    ("CUS-02", "丧事简办", "移风易俗", 10, "每次", None, True, False),
    ("CUS-03", "不要高价彩礼", "移风易俗", 20, "每次", None, True, False),
    ("CUS-04", "文明祭扫", "移风易俗", 3, "每次", None, False, False),
    ("CUS-05", "拒绝封建迷信", "移风易俗", 5, "每次", None, False, False),
    ("HAR-01", "调解邻里纠纷", "邻里和睦", 5, "每次", 15, False, False),
    ("HAR-02", "孝老爱亲", "邻里和睦", 10, "每次", 10, False, False),
    ("HAR-03", "家庭和睦无纠纷", "邻里和睦", 5, "每季度", 5, False, False),
    ("HAR-04", "帮扶邻里", "邻里和睦", 3, "每次", 9, False, False),
    ("HAR-05", "评为好婆婆好媳妇", "邻里和睦", 20, "每次", None, True, False),
    ("DEM-01", "参加村民会议", "民主参与", 2, "每次", 6, False, False),
    ("DEM-02", "参加村民代表会议", "民主参与", 2, "每次", 6, False, False),
    ("DEM-03", "合理化建议被采纳", "民主参与", 5, "每条", 10, False, False),
    ("DEM-04", "参与村务监督", "民主参与", 3, "每次", 6, False, False),
    ("DEM-05", "参加党员活动日", "民主参与", 2, "每次", 4, False, False),
    ("LAW-01", "全年无违法犯罪", "遵纪守法", 10, "每年", None, False, False),
    ("LAW-02", "按时缴纳医保", "遵纪守法", 5, "每年", None, False, False),
    ("LAW-03", "参与平安建设宣传", "遵纪守法", 3, "每次", 6, False, False),
    ("LAW-04", "举报违法线索属实", "遵纪守法", 10, "每条", 20, True, False),
    ("LAW-05", "参与禁毒宣传", "遵纪守法", 2, "每次", 4, False, False),
    ("HON-01", "获村级表彰", "荣誉表彰", 5, "每项", None, True, False),
    ("HON-02", "获乡镇级表彰", "荣誉表彰", 10, "每项", None, True, False),
    ("HON-03", "获县级表彰", "荣誉表彰", 20, "每项", None, True, False),
    ("HON-04", "获市级以上表彰", "荣誉表彰", 30, "每项", None, True, False),
    ("HON-05", "子女考入大学", "荣誉表彰", 10, "每人", None, True, False),
    ("DON-01", "捐赠物品", "爱心捐赠", 5, "每次", 20, False, False),
    ("DON-02", "捐款（每100元）", "爱心捐赠", 10, "每100元", 50, False, False),
    ("DON-03", "无偿献血", "爱心捐赠", 10, "每次", 10, True, False),
    ("SVC-01", "上门便民服务", "为民服务", 5, "每单", None, False, False),
    ("SVC-02", "陪护服务", "为民服务", 2, "每小时", None, False, False),
    ("TB-01", "时间银行兑换", "时间银行", 1, "每小时", None, False, False),
    ("COV-01", "焚烧秸秆", "村规民约", -5, "每次", None, False, False),
    ("COV-02", "乱倒垃圾", "村规民约", -5, "每次", None, False, False),
    ("COV-03", "乱搭乱建", "村规民约", -10, "每次", None, True, False),
    ("COV-04", "散养家禽影响环境", "村规民约", -3, "每次", None, False, False),
    ("COV-05", "酒驾醉驾", "村规民约", -20, "每次", None, True, True),
    ("COV-06", "参与赌博", "村规民约", -20, "每次", None, True, True),
    ("COV-07", "违反公共道德", "村规民约", -20, "每次", None, True, True),
    ("COV-08", "大操大办", "村规民约", -10, "每次", None, False, False),
    ("COV-09", "不赡养老人", "村规民约", -30, "每次", None, True, True),
    ("COV-10", "无故不参加义务劳动", "村规民约", -3, "每次", None, False, False),
]

# what the grid workers score day by day, with weights (rare conduct is rarer)
_DAILY: Final = [("ENV-01", 30), ("ENV-02", 12), ("ENV-03", 10), ("ENV-04", 14), ("ENV-05", 4),
                 ("ENV-06", 3), ("VOL-01", 10), ("VOL-02", 5), ("VOL-03", 1), ("VOL-04", 2),
                 ("VOL-05", 8), ("VOL-06", 3), ("HAR-01", 2), ("HAR-02", 3), ("HAR-04", 3),
                 ("DEM-01", 6), ("DEM-02", 2), ("DEM-03", 1), ("DEM-04", 1), ("DEM-05", 2),
                 ("LAW-03", 2), ("LAW-05", 2), ("DON-01", 2), ("DON-02", 1), ("CUS-04", 1),
                 ("CUS-05", 1), ("COV-01", 3), ("COV-02", 4), ("COV-04", 3), ("COV-08", 1),
                 ("COV-10", 2), ("COV-03", 1)]
# what households claim themselves (申报), reviewed and published before posting
_CLAIMED: Final = ["HON-01", "HON-02", "HON-03", "HON-05", "CUS-01", "CUS-02", "CUS-03",
                   "HAR-05", "DON-03", "LAW-04"]

_SURNAMES: Final = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓"
                    "曹彭曾肖田董潘袁蔡蒋余于杜叶程")
_COMPOUND: Final = ["欧阳", "司马", "诸葛", "上官"]
_GIVEN: Final = "建国秀英桂兰明华志强海燕春梅永红丽娟伟军玉兰国庆德福金凤小红立新文杰雪梅晓东淑珍"
_GRIDS: Final = [("G01", "第一网格"), ("G02", "第二网格"), ("G03", "第三网格"), ("G04", "第四网格")]

COMMITTEE: Final = (Actor("c-01", roles={"committee"}), Actor("c-02", roles={"committee"}),
                    Actor("c-03", roles={"committee"}))
"""村两委: three committee members (reviews and objections need different people)."""
KEEPER: Final = Actor("s-01", roles={"store_keeper"})
"""The points store's keeper (超市管理员)."""


def demo_rulebook() -> Rulebook:
    """The demo village's 2025 rulebook: 54 items in 11 categories, the points store, claims
    with a 7-day notice, wishes, a service menu and a time bank."""
    items = [ChecklistItem(code, title, category=category, points=points, unit=unit,
                           cap=Cap(cap, per="month") if cap else (),
                           evidence_required=evidence, serious=serious)
             for code, title, category, points, unit, cap, evidence, serious in _ITEMS]
    weekly = [Limit(2, "week")]
    rewards = [
        Reward("SOAP", "肥皂", cost=5, category="日用品", limits=weekly),
        Reward("DISH", "洗洁精", cost=20, category="日用品", limits=weekly),
        Reward("TISSUE", "抽纸（一提）", cost=50, category="日用品", limits=[Limit(1, "month")]),
        Reward("PASTE", "牙膏", cost=60, category="日用品", limits=[Limit(1, "month")]),
        Reward("POWDER", "洗衣粉", cost=100, category="日用品", limits=[Limit(1, "month")]),
        Reward("OIL", "食用油（5升）", cost=120, category="粮油", limits=[Limit(1, "quarter")]),
        Reward("RICE", "大米（10斤）", cost=150, category="粮油", limits=[Limit(1, "quarter")]),
        Reward("MEAL", "长者餐", cost=10, category="长者食堂", limits=[Limit(1, "day", "member")],
               price_rules=[PriceRule(60, 75, 80), PriceRule(75, None, 0)]),
    ]
    return Rulebook(
        f"{YEAR}", items,
        category_caps={"志愿服务": Cap(60, per="month"), "环境卫生": Cap(50, per="month")},
        rewards=rewards,
        store=StorePolicy(base_points=100, min_score=60, ban_years=1, reservation_days=3),
        claims=ClaimPolicy(review_tiers=2, notice_days=7, appeal_days=30),
        wishes=WishPolicy([WishCategory("物品", 200), WishCategory("服务")], claim_days=14,
                          item="WISH-01"),
        services=ServicePolicy([
            Service("REPAIR", "家电维修", category="便民服务", item="SVC-01"),
            Service("HAIRCUT", "上门理发", category="助老服务", item="SVC-01"),
            Service("CARE", "老人陪护", category="助老服务", item="SVC-02", per="hour"),
        ], accept_hours=24),
        timebank=TimeBankPolicy(item="TB-01", unit_minutes=60, threshold_minutes=600,
                                max_minutes=90_000),
    )


@attrs.frozen
class DemoSummary:
    """What :func:`build_demo` built: the file, the event count, the households, members."""

    path: str
    events: int
    households: int
    members: int


def _name(rng: random.Random) -> str:
    surname = rng.choice(_COMPOUND) if rng.random() < 0.03 else rng.choice(_SURNAMES)
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))
    return surname + given


def build_demo(path: str | os.PathLike[str] = "pointsledger-demo.db", *, seed: int = 2025,
               households: int = 300,
               progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Write the demo village's ledger to a new SQLite file at ``path``.

    Args:
        path: the file (it must not exist yet).
        seed: the random seed; the same seed gives the same ledger.
        households: how many households (200 to 500 is realistic for one village).
        progress: called with (days done, days in the year).

    Raises:
        ValidationError: ``path`` already exists or ``households`` is out of range.
    """
    from pointsledger.errors import ValidationError

    if os.path.exists(path):
        raise ValidationError(f"{os.fspath(path)!r} already exists; give another path or "
                              "remove it", path=os.fspath(path))
    if not 20 <= households <= 5000:
        raise ValidationError(f"households must be 20 to 5000, got {households}",
                              households=households)
    rng = random.Random(seed)
    clock = _Clock(pendulum.datetime(YEAR, 1, 1, 8, tz=TZ))
    ledger = Ledger.open(path, clock=clock, tz=TZ, ledger_id=f"demo-{seed}",
                         synchronous="NORMAL")
    try:
        village = _Village(ledger, clock, rng, households)
        village.run(progress)
        summary = DemoSummary(os.fspath(path), ledger.head, len(ledger.households()),
                              len(ledger.members()))
    finally:
        ledger.close()
    return summary


class _Clock:
    """The simulated day: a manual clock that only moves forward."""

    def __init__(self, start: pendulum.DateTime) -> None:
        self.now = start

    def __call__(self) -> pendulum.DateTime:
        return self.now

    def set(self, when: pendulum.DateTime) -> None:
        self.now = max(self.now, when)


class _Village:
    def __init__(self, ledger: Ledger, clock: _Clock, rng: random.Random, size: int) -> None:
        self.ledger, self.clock, self.rng = ledger, clock, rng
        self.size = size
        self.grid_workers = [Actor(f"g-{n:02d}", roles={"grid_worker"}) for n in range(1, 5)]
        self.households: list[str] = []
        self.members: dict[str, list[str]] = {}
        self.volunteers: list[str] = []
        self.n = 0

    def key(self, what: str) -> str:
        self.n += 1
        return f"demo/{what}/{self.n}"

    def run(self, progress: Callable[[int, int], None] | None) -> None:
        self.setup()
        day = pendulum.date(YEAR, 1, 2)
        days = (pendulum.date(YEAR, 12, 31) - day).days + 1
        for done in range(days):
            self.simulate(day)
            day = day.add(days=1)
            if progress is not None:
                progress(done + 1, days)

    def at(self, day: pendulum.Date, hour: int, minute: int = 0) -> pendulum.DateTime:
        return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=TZ)

    def setup(self) -> None:
        ledger, rng, chair = self.ledger, self.rng, COMMITTEE[0]
        ledger.adopt(demo_rulebook(), effective_from=pendulum.date(YEAR, 1, 1), by=chair,
                     resolution=f"{YEAR}年1月1日村民代表会议表决通过（应到45人，实到41人，同意39人）")
        with ledger.batch() as b:
            b.add_region("T01", "城关镇", kind="town", by=chair)
            b.add_region("V01", "东沙沟村", kind="village", parent="T01", by=chair)
            for code, name in _GRIDS:
                b.add_region(code, name, kind="grid", parent="V01", by=chair)
            for n in range(1, self.size + 1):
                household = f"H{n:04d}"
                head = _name(rng)
                b.register_household(household, grid=_GRIDS[(n - 1) * 4 // self.size][0],
                                     head=head, by=chair)
                self.households.append(household)
                self.members[household] = []
                for m in range(rng.choice((1, 2, 2, 3))):
                    member = f"{household}-{m + 1}"
                    roles = {"resident"}
                    if rng.random() < 0.12:
                        roles.add("volunteer")
                    if rng.random() < 0.06:
                        roles.add("party_member")
                    born = pendulum.date(rng.randint(1938, 2005), rng.randint(1, 12),
                                         rng.randint(1, 28))
                    b.register_member(member, household=household,
                                      name=head if m == 0 else _name(rng),
                                      roles=frozenset(roles),
                                      birth_date=born, by=chair)
                    self.members[household].append(member)
                    if roles & {"volunteer", "party_member"}:
                        self.volunteers.append(member)
        for code, _title in [(r.code, r.title) for r in demo_rulebook().rewards]:
            ledger.receive_stock(code, 200 if code != "MEAL" else 5000, by=KEEPER,
                                 key=f"demo/stock/{code}/opening")

    def member_actor(self, member: str) -> Actor:
        roles = self.ledger.member(member).roles
        return Actor(member, roles=roles)

    def grid_worker_of(self, household: str) -> Actor:
        grid = self.ledger.household(household).grid
        return self.grid_workers[int(grid[1:]) - 1]

    def simulate(self, day: pendulum.Date) -> None:
        rng, ledger = self.rng, self.ledger
        self.clock.set(self.at(day, 18))
        codes, weights = zip(*_DAILY, strict=True)
        with ledger.batch() as b:
            for _ in range(rng.randint(20, 60) * self.size // 300):
                household = rng.choice(self.households)
                item = rng.choices(codes, weights)[0]
                account = household if rng.random() < 0.8 else rng.choice(
                    self.members[household])
                self._try(functools.partial(
                    b.deduct if item.startswith("COV") else b.award, account, item,
                    by=self.grid_worker_of(household), key=self.key("score"),
                    occurred_at=self.at(day, rng.randint(8, 17)),
                    evidence=("照片",) if item == "COV-03" else ()))
        if day.day == 15 and day.month in (3, 6, 9, 12):
            self.quarterly(day)
        if rng.random() < 0.25:
            self.claim(day)
        if day.day_of_week == pendulum.FRIDAY or day == day.end_of("month"):
            self.store_day(day)
        if rng.random() < 0.15:
            self.wish(day)
        if rng.random() < 0.2:
            self.order(day)
        if day.day == 28:
            self.deposits(day)
        self.clock.set(self.at(day, 23, 30))
        ledger.post_due()
        ledger.lapse_due()
        ledger.time_out_due()
        ledger.time_out_due()

    def _try(self, command: Callable[[], Event]) -> Event | None:
        """The command's event, or None when the rules refuse it (a full cap, too few
        points, ...): the simulation just moves on, as a village would."""
        with contextlib.suppress(PointsLedgerError):
            return command()
        return None

    def quarterly(self, day: pendulum.Date) -> None:
        with self.ledger.batch() as b:
            for household in self.households:
                if self.rng.random() < 0.7:
                    self._award_quarter(b, household, day)

    def _award_quarter(self, b: Batch, household: str, day: pendulum.Date) -> None:
        self._try(lambda: b.award(household, "HAR-03", by=self.grid_worker_of(household),
                                  key=self.key("quarter"), occurred_at=self.at(day, 10)))

    def claim(self, day: pendulum.Date) -> None:
        rng, ledger = self.rng, self.ledger
        household = rng.choice(self.households)
        resident = self.member_actor(self.members[household][0])
        item = rng.choice(_CLAIMED)
        self.clock.set(self.at(day, 19))
        claim = self._try(lambda: ledger.submit_claim(
            household, item, by=resident, key=self.key("claim"),
            occurred_at=self.at(day, 9), evidence=(f"证明材料-{self.n}.jpg",)))
        if claim is None:
            return
        checker = self.grid_worker_of(household)
        ledger.step(claim, "check", by=checker, key=self.key("check"))
        if rng.random() < 0.08:
            ledger.step(claim, "reject", reason="材料不全", by=COMMITTEE[0],
                        key=self.key("reject"))
            return
        ledger.step(claim, "approve", by=COMMITTEE[0], key=self.key("approve"))
        if rng.random() < 0.1:
            objector = self.member_actor(self.members[rng.choice(self.households)][0])
            objection = self._try(lambda: ledger.step(
                claim, "object", reason="情况不属实", by=objector, key=self.key("object")))
            if objection is not None:
                decide = "uphold" if rng.random() < 0.3 else "dismiss"
                ledger.step(claim, decide, objection=objection, reason="经村务监督委员会核实",
                            by=COMMITTEE[1], key=self.key(decide))

    def store_day(self, day: pendulum.Date) -> None:
        rng, ledger = self.rng, self.ledger
        rewards = [r.code for r in demo_rulebook().rewards if r.code != "MEAL"]
        for n in range(rng.randint(5, 15) * self.size // 300):
            self.clock.set(self.at(day, 9, n % 60))
            household = rng.choice(self.households)
            self._try(functools.partial(ledger.redeem, household, rng.choice(rewards),
                                        by=KEEPER, key=self.key("redeem")))
        self.clock.set(self.at(day, 12))
        for household in rng.sample(self.households, k=min(10, len(self.households))):
            member = rng.choice(self.members[household])
            self._try(functools.partial(ledger.redeem, household, "MEAL", member=member,
                                        by=KEEPER, key=self.key("meal")))
        if day == day.end_of("month"):
            for reward in rewards:
                level = ledger.stock(reward)
                if level.free < 50:
                    ledger.receive_stock(reward, 100, by=KEEPER,
                                         key=f"demo/stock/{reward}/{day.isoformat()}")

    def wish(self, day: pendulum.Date) -> None:
        rng, ledger = self.rng, self.ledger
        household = rng.choice(self.households)
        wisher = self.members[household][0]
        grid = self.grid_worker_of(household)
        self.clock.set(self.at(day, 10))
        title, category, value = rng.choice([("想要一台收音机", "物品", 80),
                                             ("需要一件冬衣", "物品", 150),
                                             ("希望有人陪我聊聊天", "服务", None),
                                             ("帮忙修理漏水的水龙头", "服务", None),
                                             ("想要一套学习用品", "物品", 60)])
        wish = ledger.submit_wish(wisher, title, by=grid, key=self.key("wish"), value=value)
        ledger.step(wish, "list", category=category, by=COMMITTEE[2], key=self.key("list"))
        helpers = [v for v in self.volunteers if not v.startswith(household)]
        if not helpers or rng.random() < 0.1:
            return
        claimer = self.member_actor(rng.choice(helpers))
        self.clock.set(self.at(day, 15))
        ledger.step(wish, "claim", by=claimer, key=self.key("claim-wish"))
        if rng.random() < 0.15:
            return  # never fulfilled: it lapses after 14 days
        self.clock.set(self.at(day, 20))
        ledger.step(wish, "fulfil", evidence=[f"心愿照片-{self.n}.jpg"], by=claimer,
                    key=self.key("fulfil"))
        ledger.step(wish, "confirm", rating=rng.choice((4, 5, 5)), by=grid,
                    key=self.key("confirm"))

    def order(self, day: pendulum.Date) -> None:
        rng, ledger = self.rng, self.ledger
        household = rng.choice(self.households)
        resident = self.member_actor(self.members[household][0])
        helpers = [v for v in self.volunteers if not v.startswith(household)]
        if not helpers:
            return
        self.clock.set(self.at(day, 11))
        order = ledger.place_order(household, rng.choice(["REPAIR", "HAIRCUT", "CARE"]),
                                   by=resident, key=self.key("order"))
        if rng.random() < 0.05:
            ledger.step(order, "cancel", by=resident, key=self.key("cancel"))
            return
        volunteer = self.member_actor(rng.choice(helpers))
        ledger.step(order, "dispatch", volunteer=volunteer.id, by=self.grid_worker_of(household),
                    key=self.key("dispatch"))
        self.clock.set(self.at(day, 14))
        ledger.step(order, "accept", by=volunteer, key=self.key("accept"))
        started = ledger.step(order, "start", by=volunteer, key=self.key("start"))
        minutes = rng.choice((45, 60, 90, 120))
        # the service takes that long from when its start was recorded
        self.clock.set(from_us(started.recorded_us, TZ).add(minutes=minutes))
        ledger.step(order, "finish", minutes=minutes, by=volunteer, key=self.key("finish"))
        ledger.step(order, "rate", rating=rng.choice((3, 4, 5, 5)), by=resident,
                    key=self.key("rate"))

    def deposits(self, day: pendulum.Date) -> None:
        rng, ledger = self.rng, self.ledger
        self.clock.set(self.at(day, 16))
        for member in self.volunteers[:30]:
            if rng.random() < 0.5:
                continue
            household = ledger.member(member).household
            deposit = ledger.submit_time(member, rng.choice((60, 90, 120, 180)),
                                         service="助老志愿服务", occurred_at=self.at(day, 9),
                                         by=self.member_actor(member), key=self.key("time"))
            ledger.step(deposit, "approve", by=self.grid_worker_of(household),
                        key=self.key("time-1"))
            ledger.step(deposit, "approve", by=COMMITTEE[2], key=self.key("time-2"))
