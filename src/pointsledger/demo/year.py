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
from collections.abc import Callable
from typing import Final

from pointsledger.base.clock import ManualClock, to_us
from pointsledger.demo.agenda import at
from pointsledger.demo.governance import GovernanceActs
from pointsledger.demo.rulebook import GOODS, MEALS, YEAR
from pointsledger.demo.services import ServiceActs
from pointsledger.demo.setting import Person, Setting, Unit
from pointsledger.ledger import Ledger

_DUE_HOURS: Final = (0, 12)  # the due jobs run at 00:05 and 12:05

_CLAIMED: Final = ("HON-01", "HON-02", "HON-03", "HON-05", "CUS-01", "CUS-02", "CUS-03",
                   "HAR-05", "DON-03", "LAW-04")
_MINOR: Final = ("COV-01", "COV-02", "COV-04", "COV-10", "COV-08", "COV-03")
_SERIOUS: Final = ("COV-05", "COV-06", "COV-07", "COV-09")


class Year(ServiceActs, GovernanceActs):
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
        super().__init__(ledger, clock, setting, rng)
        self.on_month = on_month
        self.next_home = len(setting.homes) + 1 if new_homes_from is None else new_homes_from
        self.start = at(_dt.date(YEAR, 1, 1), 0)
        # each unit's registry changes of the year (a split, a move, two members leaving) and
        # a request the negative list refuses
        self.changes: dict[tuple[str, int], list[str]] = {}
        for unit in setting.units:
            for change in ("split", "move", "leave", "leave", "FM-01"):
                self.changes.setdefault((unit.code, rng.randint(20, 350)), []).append(change)
        self.diners: dict[str, tuple[list[tuple[Person, int]], list[tuple[Person, int]]]] = {}
        self.weekday = {g: self.rng.randrange(5) for u in setting.units for g, _m in u.grids}

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

