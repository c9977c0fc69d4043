"""The demo's simulated year: every day of 2025 in time order, with realistic, seeded spreads.

The year is an agenda of timed acts (a heap ordered by time). Each act sets the ledger's clock
to its own time before it writes, and acts that start a process schedule its later steps at
later times: a wish is listed a day or two after it is collected and waits days to weeks for a
claimer, an order is dispatched within hours and accepted (or declined, or left to time out),
a claim is checked, approved and then sits in its 7-day 公示 while an objection may come in. So
the clock only moves forward and every recorded time is the time the act happened. Twice a
day (00:05 and 12:05) the due jobs run (posting claims whose notice ended, lapsing wishes,
timing out orders and reservations, marking overdue matter steps); between them the acts are
appended in one batch, the fastest public write path.

What a village does, act by act:

- inspections by each grid's worker every other week (庭院环境, 垃圾分类, 门前三包; each grid
  on its own weekday), monthly meetings and
  voluntary labour, patrols by volunteers, quarterly 家庭和睦, and the 村规民约 deductions; a
  household that does not take part (grids differ) earns nothing all year;
- claims (申报) through review and 公示, the odd objection heard by the committee;
- the points store on Fridays and at month end, busier before the year-end clearing; the
  canteen's lunch every day (10/12/15 yuan; 60+ pay 80%, 75+ free);
- donations of goods into stock by value (a household's second-hand clothes earn 1 point per
  10 yuan; a company's gift earns none);
- micro-wishes, service orders, time-bank deposits and their conversion to points;
- 清单制 matters: projects under 四议两公开, 低保 applications, registrations, a refused
  negative-list request, supervision queries and their answers;
- the registry changing: a household splits, one moves, members leave;
- at each month's first minutes the previous month's 积分公示 is posted (``on_month``);
- 2026-01-01 00:05: the year-end clearing (``expire_due``) under the rulebook's policy.
"""

from __future__ import annotations

import datetime as _dt
import functools
import heapq
import random
import zoneinfo
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

from pointsledger.base.actors import Actor
from pointsledger.base.clock import ManualClock, to_us
from pointsledger.core.events import Event
from pointsledger.demo.rulebook import GOODS, MEALS, YEAR
from pointsledger.demo.setting import Home, Person, Setting, Unit
from pointsledger.errors import PointsLedgerError
from pointsledger.ledger import Ledger
from pointsledger.ledger.commands import Commands

TZ: Final = "Asia/Shanghai"
_ZONE: Final = zoneinfo.ZoneInfo(TZ)
_DUE_HOURS: Final = (0, 12)  # the due jobs run at 00:05 and 12:05

_CLAIMED: Final = ("HON-01", "HON-02", "HON-03", "HON-05", "CUS-01", "CUS-02", "CUS-03",
                   "HAR-05", "DON-03", "LAW-04")
_MINOR: Final = ("COV-01", "COV-02", "COV-04", "COV-10", "COV-08", "COV-03")
_SERIOUS: Final = ("COV-05", "COV-06", "COV-07", "COV-09")
_WISHES: Final = (("想要一台收音机", "物品", 80), ("需要一件冬衣", "物品", 150),
                  ("希望有人陪我聊聊天", "服务", None), ("帮忙修理漏水的水龙头", "服务", None),
                  ("想要一套学习用品", "物品", 60), ("想要一个电暖器", "物品", 180),
                  ("希望有人帮忙打扫院子", "服务", None))


def at(day: _dt.date, hour: int, minute: int = 0) -> _dt.datetime:
    """``day`` at ``hour:minute`` in the demo's time zone."""
    return _dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=_ZONE)


class Year:
    """One simulated year on ``ledger`` for ``setting``, deterministic by ``rng``.

    Args:
        ledger: the ledger (its clock is ``clock``); the rulebook is adopted and the setting
            registered.
        clock: the ledger's manual clock; only this class moves it, only forward.
        setting: the county's units, households and people.
        rng: the seeded random source.
        on_month: called with the ledger and the period (``"2025-03"``) in the first minutes
            after each month ends (the village posts its 积分公示 then).
        new_homes_from: the number of the first household a split creates (default: after
            the setting's households); the county's ledgers are given numbers apart.
    """

    def __init__(self, ledger: Ledger, clock: ManualClock, setting: Setting,
                 rng: random.Random,
                 on_month: Callable[[Ledger, str], None] | None = None, *,
                 new_homes_from: int | None = None) -> None:
        self.ledger, self.clock, self.setting, self.rng = ledger, clock, setting, rng
        self.on_month = on_month
        self.w: Commands = ledger
        self.agenda: list[tuple[int, int, _dt.datetime, Callable[[], object]]] = []
        self.n = 0
        self.refused: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.next_home = len(setting.homes) + 1 if new_homes_from is None else new_homes_from
        self.helpers = {u.code: [p for p in u.people() if p.roles & {"volunteer",
                                                                     "party_member"}]
                        for u in setting.units}
        self.start = at(_dt.date(YEAR, 1, 1), 0)
        # each unit's registry changes of the year (a split, a move, two members leaving) and
        # a request the negative list refuses
        self.changes: dict[tuple[str, int], list[str]] = {}
        for unit in setting.units:
            for change in ("split", "move", "leave", "leave", "FM-01"):
                self.changes.setdefault((unit.code, rng.randint(20, 350)), []).append(change)
        self.diners: dict[str, tuple[list[tuple[Person, int]], list[tuple[Person, int]]]] = {}
        self.weekday = {g: self.rng.randrange(5) for u in setting.units for g, _m in u.grids}

    # -- the agenda ------------------------------------------------------------------------

    def key(self, what: str) -> str:
        """A fresh idempotency key."""
        self.n += 1
        return f"demo/{what}/{self.n}"

    def schedule(self, when: _dt.datetime, act: Callable[[], object]) -> None:
        """Do ``act`` at ``when`` (never before the clock)."""
        self.n += 1
        heapq.heappush(self.agenda, (to_us(when), self.n, when, act))

    def later(self, hours: float, act: Callable[[], object], *, daytime: bool = True) -> None:
        """Do ``act`` ``hours`` from now; with ``daytime``, moved into 08:00-19:00."""
        when: _dt.datetime = (self.clock() + _dt.timedelta(hours=hours)).astimezone(_ZONE)
        if daytime and not 8 <= when.hour < 19:
            start = when.date() + _dt.timedelta(days=1 if when.hour >= 19 else 0)
            when = at(start, 8) + _dt.timedelta(minutes=self.rng.randrange(0, 180))
        self.schedule(when, act)

    def run(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Simulate every day of the year, then the year-end clearing."""
        day = _dt.date(YEAR, 1, 1)
        days = 365
        for done in range(days):
            self.plan(day)
            for n, hour in enumerate(_DUE_HOURS):
                self.clock.set(at(day, hour, 5))
                self.due()
                if hour == 0 and day.day == 1 and day.month > 1 and self.on_month:
                    self.on_month(self.ledger, f"{YEAR}-{day.month - 1:02d}")
                until = to_us(at(day, _DUE_HOURS[n + 1], 5) if n + 1 < len(_DUE_HOURS)
                              else at(day + _dt.timedelta(days=1), 0, 5))
                with self.ledger.batch() as batch:
                    self.w = batch
                    while self.agenda and self.agenda[0][0] < until:
                        _us, _n, when, act = heapq.heappop(self.agenda)
                        self.clock.set(when)
                        act()
                self.w = self.ledger
            day += _dt.timedelta(days=1)
            if progress is not None:
                progress(done + 1, days)
        self.clock.set(at(day, 0, 5))
        self.ledger.run_due()  # the year-end clearing: every 2025 point expires now
        if self.on_month:
            self.on_month(self.ledger, f"{YEAR}-12")

    def due(self) -> None:
        """The due jobs of the day (the year-end clearing waits for the year's end: under the
        rulebook's year-end policy nothing expires before, and ``expire_due`` looks at every
        lot, so it runs once)."""
        ledger = self.ledger
        ledger.post_due()
        ledger.lapse_due()
        ledger.time_out_due()
        ledger.overdue_due()

    def attempt(self, command: Callable[..., Event], /, *args: Any,
                **kwargs: Any) -> Event | None:
        """The command's event, or None when the rules refuse it (a full cap, too few
        points, a limit reached, ...): the village just moves on; refusals are counted."""
        try:
            return command(*args, **kwargs)
        except PointsLedgerError as error:
            self.refused[error.code] += 1
            self.examples.setdefault(error.code, error.message)
            return None

    # -- the day's plan --------------------------------------------------------------------

    def plan(self, day: _dt.date) -> None:
        """Schedule the day's acts for every unit."""
        rng = self.rng
        weekday = day.weekday()
        store_day = weekday == 4 or (day + _dt.timedelta(days=1)).day == 1 or (
            day.month == 12 and day.day >= 22)
        for unit in self.setting.units:
            size = len(unit.homes)
            for grid, _micro in unit.grids:  # every other week, on the grid's own weekday
                if self.weekday[grid] == weekday and day.isocalendar()[1] % 2:
                    self.schedule(at(day, 17, rng.randrange(60)),
                                  functools.partial(self.inspect, unit, grid, day))
            if day.day == 10:
                self.schedule(at(day, 21, rng.randrange(30)),
                              functools.partial(self.meeting, unit, day))
            if day.day == 20:
                self.schedule(at(day, 18, rng.randrange(30)),
                              functools.partial(self.labour, unit, day))
            if day.day == 25 and day.month in (3, 6, 9, 12):
                self.schedule(at(day, 16), functools.partial(self.quarterly, unit, day))
            if day.day == 28:
                self.schedule(at(day, 16, rng.randrange(60)),
                              functools.partial(self.deposits, unit, day))
            if day.month == 12 and day.day == 15:
                self.schedule(at(day, 10), functools.partial(self.convert, unit))
            if store_day:
                self.schedule(at(day, 9, rng.randrange(30)),
                              functools.partial(self.store, unit, day))
            if weekday < 5 or unit.kind == "community":
                self.schedule(at(day, 11, 30 + rng.randrange(30)),
                              functools.partial(self.canteen, unit, day))
            if weekday == 0 or day.month == 12:
                self.schedule(at(day, 8, 30), functools.partial(self.restock, unit, day))
            if rng.random() < size / 7000:
                self.schedule(at(day, rng.randint(9, 16), rng.randrange(60)),
                              functools.partial(self.donation, unit, day))
            if rng.random() < size / 5000:
                self.schedule(at(day, rng.randint(18, 20), rng.randrange(60)),
                              functools.partial(self.claim, unit, day))
            if rng.random() < size / 7000:
                self.schedule(at(day, rng.randint(9, 16), rng.randrange(60)),
                              functools.partial(self.wish, unit))
            if rng.random() < size / 3000:
                self.schedule(at(day, rng.randint(8, 16), rng.randrange(60)),
                              functools.partial(self.order, unit))
            if weekday < 5 and rng.random() < 1 / 40:
                self.schedule(at(day, rng.randint(9, 15), rng.randrange(60)),
                              functools.partial(self.matter, unit, day))
            for change in self.changes.get((unit.code, day.timetuple().tm_yday), ()):
                self.schedule(at(day, rng.randint(9, 16), rng.randrange(60)),
                              functools.partial(self.matter, unit, day, change)
                              if change.startswith("FM")
                              else functools.partial(self.registry_change, unit, change))

    # -- scoring ---------------------------------------------------------------------------

    def inspect(self, unit: Unit, grid: str, day: _dt.date) -> None:
        """The fortnightly inspection of one grid, recorded by its worker after the rounds."""
        rng, w = self.rng, self.w
        worker = unit.officials.grid_worker(grid)
        seen = at(day, rng.randint(9, 11))
        for home in [h for h in unit.homes if h.grid == grid]:
            if not home.present():
                continue
            if home.participates:
                e = home.engagement
                if rng.random() < e:
                    self.attempt(w.award, home.id, "ENV-01", by=worker, key=self.key("i"),
                                 occurred_at=seen)
                if rng.random() < e * 0.5:
                    self.attempt(w.award, home.id, "ENV-04", by=worker, key=self.key("i"),
                                 occurred_at=seen)
                if rng.random() < e * 0.2:
                    self.attempt(w.award, home.id, "ENV-02", by=worker, key=self.key("i"),
                                 occurred_at=seen)
                bad = (1 - e) * 0.012
            else:
                bad = 0.02
            if rng.random() < bad:
                self.attempt(w.deduct, home.id, rng.choice(_MINOR), by=worker,
                             key=self.key("d"), occurred_at=seen,
                             evidence=("现场照片",))
            if rng.random() < 0.0006:
                self.attempt(w.deduct, home.id, rng.choice(_SERIOUS),
                             by=unit.officials.committee[0], key=self.key("d"), occurred_at=seen,
                             evidence=("村两委会议认定",))
        for person in self.helpers[unit.code]:
            home = self.setting.homes[person.household]
            if (not person.left and home.grid == grid and home.participates
                    and rng.random() < 0.3):
                self.attempt(w.award, person.id, "VOL-02", by=worker, key=self.key("p"),
                             occurred_at=max(self.start, at(day, 20) - _dt.timedelta(days=1)))

    def _each(self, unit: Unit, item: str, odds: float, when: _dt.datetime) -> None:
        for home in unit.homes:
            if home.participates and self.rng.random() < home.engagement * odds:
                worker = unit.officials.grid_worker(home.grid)
                self.attempt(self.w.award, home.id, item, by=worker, key=self.key(item),
                             occurred_at=when)

    def meeting(self, unit: Unit, day: _dt.date) -> None:
        """The monthly village meeting (参加村民会议)."""
        self._each(unit, "DEM-01", 0.7, at(day, 19))

    def labour(self, unit: Unit, day: _dt.date) -> None:
        """The monthly voluntary labour (义务劳动) and, in spring and autumn, 植树护绿."""
        self._each(unit, "VOL-05", 0.5, at(day, 9))
        if day.month in (4, 10):
            self._each(unit, "ENV-06", 0.5, at(day, 9))

    def quarterly(self, unit: Unit, day: _dt.date) -> None:
        """The quarter's 家庭和睦 assessment and, in March, 按时缴纳医保."""
        self._each(unit, "HAR-03", 0.9, at(day, 10))
        if day.month == 3:
            self._each(unit, "LAW-02", 1.2, at(day, 10))

    # -- claims ----------------------------------------------------------------------------

    def claim(self, unit: Unit, day: _dt.date) -> None:
        """A household claims an item (申报) for conduct some days ago."""
        rng = self.rng
        home = rng.choice(unit.homes)
        people = home.present()
        if not home.participates or not people:
            return
        case = self.attempt(self.w.submit_claim, home.id, rng.choice(_CLAIMED),
                            by=people[0].actor(), key=self.key("claim"),
                            occurred_at=max(self.start, at(day - _dt.timedelta(
                                days=rng.randint(1, 10)), 10)),
                            evidence=(f"证明材料-{self.n}.jpg",))
        if case is None:
            return
        checker = unit.officials.grid_worker(home.grid)
        committee = unit.officials.committee

        def check() -> None:
            if self.attempt(self.w.step, case, "check", by=checker, key=self.key("check")):
                self.later(rng.uniform(20, 90), approve)

        def approve() -> None:
            if rng.random() < 0.08:
                self.attempt(self.w.step, case, "reject", reason="材料不全", by=committee[0],
                             key=self.key("reject"))
                return
            if self.attempt(self.w.step, case, "approve", by=committee[0],
                            key=self.key("approve")) and rng.random() < 0.15:
                self.later(rng.uniform(20, 110), objection)

        def objection() -> None:
            other = rng.choice(unit.homes)
            people = other.present()
            if other is home or not people:
                return
            objected = self.attempt(self.w.step, case, "object", reason="情况不属实",
                                    by=people[0].actor(), key=self.key("object"))
            if objected is not None:
                self.later(rng.uniform(20, 60),
                           lambda: self.attempt(self.w.step, case,
                                                "uphold" if rng.random() < 0.3 else "dismiss",
                                                objection=objected, reason="经村务监督委员会核实",
                                                by=committee[1], key=self.key("decide")))

        self.later(rng.uniform(14, 60), check)

    # -- the points store, the canteen, donations ------------------------------------------

    def store(self, unit: Unit, day: _dt.date) -> None:
        """A store morning: households spend (more of them before the year-end clearing)."""
        rng, ledger = self.rng, self.ledger
        keeper = unit.officials.keeper
        odds = 0.5 if day.month == 12 and day.day >= 22 else 0.05
        stock = {code: ledger.stock(code).free for code, *_rest in GOODS}
        for home in unit.homes:
            if not home.participates or rng.random() >= odds * home.engagement * 2:
                continue
            available = ledger.balance(home.id).available
            goods = [g for g in GOODS if g[2] <= available and stock[g[0]] > 0]
            if goods:
                code = max(rng.sample(goods, k=min(3, len(goods))), key=lambda g: g[2])[0]
                if self.attempt(self.w.redeem, home.id, code, by=keeper,
                                key=self.key("redeem")):
                    stock[code] -= 1

    def canteen(self, unit: Unit, day: _dt.date) -> None:
        """Lunch at the elders' canteen: a meal each for those who come, priced by age (the
        regulars are 60 and over, about one in fifty of them a day; now and then a younger
        member eats too)."""
        rng = self.rng
        keeper = unit.officials.keeper
        if day.day == 1 or unit.code not in self.diners:
            elders, others = [], []
            for home in unit.homes:
                if home.participates:
                    for person in home.present():
                        age = person.age(day)
                        if age >= 60:
                            elders.append((person, 0 if age >= 75 else 12))
                        else:
                            others.append((person, 15))
            self.diners[unit.code] = (elders, others)
        elders, others = self.diners[unit.code]
        for group, odds in ((elders, 0.02), (others, 0.0008)):
            mean = len(group) * odds
            count = max(0, min(len(group), round(rng.gauss(mean, (mean * (1 - odds)) ** 0.5))))
            for person, needs in rng.sample(group, count):
                if person.left or (needs and self.ledger.balance(
                        person.household).available < needs):
                    continue
                self.attempt(self.w.redeem, person.household, rng.choice(MEALS)[0],
                             member=person.id, by=keeper, key=self.key("meal"))

    def restock(self, unit: Unit, day: _dt.date) -> None:
        """Monday's purchase (daily in December's rush): goods and meals running low are
        restocked (bought)."""
        if unit is not self.setting.units[0]:
            return  # one store account for the ledger: the first unit's keeper buys
        homes = len(self.setting.homes)
        for code, *_rest in (*GOODS, *MEALS):
            level = self.ledger.stock(code)
            want = homes // 3 if code.startswith("MEAL") else homes // 4
            if level.free < want:
                self.attempt(self.w.receive_stock, code, want * 2 - level.free,
                             by=unit.officials.keeper, key=f"demo/stock/{code}/{day}")

    def donation(self, unit: Unit, day: _dt.date) -> None:
        """Goods donated into stock: a household's clothes or shoes (points by value), or an
        outside donor's gift (no points)."""
        rng = self.rng
        keeper = unit.officials.keeper
        if rng.random() < 0.75:
            home = rng.choice(unit.homes)
            if not home.participates or not home.present():
                return
            reward, unit_value = rng.choice((("CLOTHES", 15), ("SHOES", 20)))
            quantity = rng.randint(1, 6)
            self.attempt(self.w.receive_stock, reward, quantity, donor=home.id,
                         donation_item="DON-01", value=quantity * unit_value, by=keeper,
                         key=self.key("donation"))
        else:
            reward = rng.choice(("SOAP", "DISH", "RICE", "OIL"))
            cost = {g[0]: g[2] for g in GOODS}[reward]
            quantity = rng.randint(10, 40)
            self.attempt(self.w.receive_stock, reward, quantity,
                         donor_name=rng.choice(("爱心企业青海某商贸公司", "县供销社",
                                                "爱心人士王某")),
                         value=quantity * cost, by=keeper, key=self.key("donation"))

    # -- wishes, orders, the time bank -----------------------------------------------------

    def _helper(self, unit: Unit, besides: str) -> Person | None:
        helpers = [p for p in self.helpers[unit.code] if not p.left and p.household != besides]
        return self.rng.choice(helpers) if helpers else None

    def wish(self, unit: Unit) -> None:
        """A micro-wish collected by the grid worker, listed, then waiting to be claimed."""
        rng = self.rng
        home = rng.choice(unit.homes)
        people = home.present()
        if not people:
            return
        wisher = max(people, key=lambda p: (p.born.year < 1965, -p.born.year))
        worker = unit.officials.grid_worker(home.grid)
        committee = unit.officials.committee
        title, category, value = rng.choice(_WISHES)
        case = self.attempt(self.w.submit_wish, wisher.id, title, by=worker,
                            key=self.key("wish"), value=value)
        if case is None:
            return

        def listed() -> None:
            if not self.attempt(self.w.step, case, "list", category=category,
                                by=committee[2], key=self.key("list")):
                return
            if rng.random() < 0.9:  # one in ten waits on the wall until it lapses
                self.later(min(50 * 24.0, rng.lognormvariate(1.9, 0.7) * 24), claimed)

        def claimed() -> None:
            helper = self._helper(unit, home.id)
            if helper is None or self.ledger.case(case.id).state != "listed":
                return
            if not self.attempt(self.w.step, case, "claim", by=helper.actor(),
                                key=self.key("claim-wish")):
                return
            if rng.random() < 0.1:  # not done in time: it lapses back onto the wall
                self.later(16 * 24.0, claimed)
                return
            self.later(rng.uniform(1, 10) * 24, lambda: fulfilled(helper))

        def fulfilled(helper: Person) -> None:
            if self.attempt(self.w.step, case, "fulfil", evidence=[f"心愿照片-{self.n}.jpg"],
                            by=helper.actor(), key=self.key("fulfil")):
                self.later(rng.uniform(3, 48), lambda: self.attempt(
                    self.w.step, case, "confirm", rating=rng.choice((4, 5, 5)), by=worker,
                    key=self.key("confirm")))

        self.later(rng.uniform(4, 60), listed)

    def order(self, unit: Unit) -> None:
        """A service order (点单): dispatched within hours, accepted, declined or left to time
        out, then served and rated."""
        rng = self.rng
        home = rng.choice(unit.homes)
        people = home.present()
        if not people:
            return
        resident = people[0].actor()
        worker = unit.officials.grid_worker(home.grid)
        case = self.attempt(self.w.place_order, home.id,
                            rng.choice(("REPAIR", "HAIRCUT", "CARE")), by=resident,
                            key=self.key("order"))
        if case is None:
            return
        tries = [0]

        def dispatch() -> None:
            if self.ledger.case(case.id).state != "placed":
                return
            if tries[0] >= 3 or rng.random() < 0.03:
                self.attempt(self.w.step, case, "cancel", reason="已自行解决", by=resident,
                             key=self.key("cancel"))
                return
            helper = self._helper(unit, home.id)
            if helper is None:
                return
            tries[0] += 1
            if not self.attempt(self.w.step, case, "dispatch", volunteer=helper.id, by=worker,
                                key=self.key("dispatch")):
                return
            roll = rng.random()
            if roll < 0.75:
                self.later(rng.lognormvariate(0.3, 0.8), lambda: accept(helper))
            elif roll < 0.87:
                self.later(rng.uniform(0.5, 4), lambda: decline(helper))
            else:  # no answer: the due job times it out after 24 hours
                self.later(36, dispatch)

        def decline(helper: Person) -> None:
            if self.attempt(self.w.step, case, "decline", reason="时间冲突", by=helper.actor(),
                            key=self.key("decline")):
                self.later(rng.uniform(1, 4), dispatch)

        def accept(helper: Person) -> None:
            if self.attempt(self.w.step, case, "accept", by=helper.actor(),
                            key=self.key("accept")):
                self.later(rng.uniform(1, 30), lambda: start(helper))

        def start(helper: Person) -> None:
            if self.attempt(self.w.step, case, "start", by=helper.actor(),
                            key=self.key("start")):
                minutes = rng.choice((45, 60, 90, 120))
                self.later((minutes + 1) / 60, lambda: finish(helper, minutes), daytime=False)

        def finish(helper: Person, minutes: int) -> None:
            if self.attempt(self.w.step, case, "finish", minutes=minutes, by=helper.actor(),
                            key=self.key("finish")):
                self.later(rng.uniform(1, 40), lambda: self.attempt(
                    self.w.step, case, "rate", rating=rng.choice((3, 4, 5, 5)), by=resident,
                    key=self.key("rate")))

        self.later(rng.uniform(0.3, 4), dispatch)

    def deposits(self, unit: Unit, day: _dt.date) -> None:
        """Volunteers deposit the month's service minutes; two reviewers approve each."""
        rng = self.rng
        committee = unit.officials.committee
        for person in self.helpers[unit.code]:
            if person.left or rng.random() < 0.75:
                continue
            home = self.setting.homes[person.household]
            deposit = self.attempt(self.w.submit_time, person.id,
                                   rng.choice((60, 90, 120, 180, 240)), service="助老志愿服务",
                                   occurred_at=at(day, 9), by=person.actor(),
                                   key=self.key("time"))
            if deposit is None:
                continue
            worker = unit.officials.grid_worker(home.grid)

            def second(deposit: Event = deposit) -> None:
                self.attempt(self.w.step, deposit, "approve", by=committee[2],
                             key=self.key("time-2"))

            def first(deposit: Event = deposit, worker: Actor = worker,
                      second: Callable[[], object] = second) -> None:
                if self.attempt(self.w.step, deposit, "approve", by=worker,
                                key=self.key("time-1")):
                    self.later(rng.uniform(20, 70), second)

            self.later(rng.uniform(14, 40), first)

    def convert(self, unit: Unit) -> None:
        """Before the year end, volunteers past the threshold convert whole hours to points."""
        for person in self.helpers[unit.code]:
            held = self.ledger.minutes(person.id)
            if not person.left and held >= 600 and self.rng.random() < 0.6:
                self.attempt(self.w.convert_time, person.id, 600, by=unit.officials.committee[0],
                             key=self.key("convert"))

    # -- 清单制 matters --------------------------------------------------------------------

    def matter(self, unit: Unit, day: _dt.date, kind: str | None = None) -> None:
        """A matter opened and carried through its procedure, step by step, with the odd late
        step and supervision query."""
        rng = self.rng
        o = unit.officials
        if kind is None:
            kind = rng.choices(("XW-01", "XW-02", "ZZ-01", "BM-01", "XZ-01", "FM-01"),
                               (2, 2, 1, 3, 3, 1))[0]
        home = rng.choice(unit.homes)
        people = home.present()
        if not people:
            return
        roles = {"party_branch": o.branch, "committee": o.committee[0],
                 "party_members_meeting": o.members_meeting,
                 "villager_representatives": o.representatives,
                 "grid_worker": o.grid_worker(home.grid),
                 "supervision_committee": o.supervisor}
        if kind == "FM-01":
            self.attempt(self.w.open_matter, "FM-01",
                         request=f"{people[0].name}申请开具无犯罪记录证明", account=home.id,
                         by=o.grid_worker(home.grid), key=self.key("matter"))
            return
        if kind in ("BM-01", "XZ-01"):
            request = (f"{people[0].name}申请低保" if kind == "BM-01"
                       else f"{people[0].name}家医保参保登记")
            case = self.attempt(self.w.open_matter, kind, request=request, account=home.id,
                                by=people[0].actor(), key=self.key("matter"))
        else:
            request = {"XW-01": f"硬化{unit.name}{rng.randint(1, 6)}组村道",
                       "XW-02": "集体资金购置垃圾清运车", "ZZ-01": "修订村规民约"}[kind]
            case = self.attempt(self.w.open_matter, kind, request=request, by=o.branch,
                                key=self.key("matter"))
        if case is None:
            return
        rulebook = self.ledger.rulebook()
        steps = rulebook.matter(kind).steps

        def record(n: int) -> None:
            step = steps[n]
            actor = roles[step.role]
            evidence = [f"{step.title}-记录{self.n}.jpg"] if step.evidence_required else []
            if not self.attempt(self.w.step, case, "record", code=step.code, evidence=evidence,
                                by=actor, key=self.key("record")):
                return
            if rng.random() < 0.12:
                self.later(rng.uniform(4, 48), lambda: query(step.code))
            if n + 1 < len(steps):
                limit = steps[n + 1].days or 5
                days = rng.uniform(0.3, limit * 1.25)  # sometimes late: overdue_due marks it
                self.later(days * 24, lambda: record(n + 1))
            else:
                self.later(rng.uniform(24, 96), lambda: close(3))

        def close(tries: int) -> None:
            closer = o.committee[0] if kind != "XZ-01" else o.grid_worker(home.grid)
            now = self.ledger.case(case.id)
            if now.state != "ready" or tries == 0:
                return
            if now.objections:  # a supervision query is still open: it is answered first
                self.later(48, lambda: close(tries - 1))
                return
            self.attempt(self.w.step, case, "close", by=closer, key=self.key("close"))

        def query(code: str) -> None:
            asked = self.attempt(self.w.step, case, "query", code=code,
                                 text="请说明依据和经费来源", by=o.supervisor,
                                 key=self.key("query"))
            if asked is not None:
                answerer = o.committee[0] if kind != "XZ-01" else o.grid_worker(home.grid)
                self.later(rng.uniform(20, 72), lambda: self.attempt(
                    self.w.step, case, "answer", query=asked.id, text="已按规定办理并公开",
                    by=answerer, key=self.key("answer")))

        self.later(rng.uniform(2, 48), lambda: record(0))

    # -- the registry ----------------------------------------------------------------------

    def registry_change(self, unit: Unit, change: str) -> None:
        """A household splits (分户), one moves to another micro-grid, or a member leaves
        (迁出, 去世)."""
        rng = self.rng
        chair = unit.officials.committee[1]
        if change == "split":
            homes = [h for h in unit.homes if len(h.present()) >= 3]
            if not homes:
                return
            home = rng.choice(homes)
            leaving = home.present()[-1:]
            new = Home(f"H{self.next_home:04d}", unit, home.grid, home.micro_grid,
                       home.participates, home.engagement)
            if self.attempt(self.w.split_household, home.id, new_household=new.id,
                            head=leaving[0].name, members=[p.id for p in leaving],
                            reason="分户", by=chair, key=self.key("split")):
                self.next_home += 1
                for person in leaving:
                    person.household = new.id
                    home.members.remove(person)
                    new.members.append(person)
                unit.homes.append(new)
                self.setting.homes[new.id] = new
        elif change == "move":
            home = rng.choice(unit.homes)
            micro = [m for _g, ms in unit.grids for m in ms if m != home.micro_grid]
            target = rng.choice(micro)
            if self.attempt(self.w.move_household, home.id, grid=target, by=chair,
                            key=self.key("move")):
                home.micro_grid, home.grid = target, target.rsplit("-", 1)[0]
        else:
            homes = [h for h in unit.homes if len(h.present()) >= 2]
            if not homes:
                return
            person = rng.choice(homes).present()[-1]
            reason = "去世" if person.born.year < 1950 else "迁出"
            if self.attempt(self.w.member_leaves, person.id, reason=reason, by=chair,
                            key=self.key("leave")):
                person.left = True
