"""The demo year's acts of service: micro-wishes (微心愿) collected, listed, claimed,
fulfilled and confirmed; service orders (点单 → 派单 → 接单 → 评单) dispatched, declined or
timed out, served and rated; time-bank deposits approved by two reviewers and converted to
points before the year end.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Final

from pointsledger.base.actors import Actor
from pointsledger.core.events import Event
from pointsledger.demo.agenda import Agenda, at
from pointsledger.demo.setting import Person, Unit

_WISHES: Final = (("想要一台收音机", "物品", 80), ("需要一件冬衣", "物品", 150),
                  ("希望有人陪我聊聊天", "服务", None), ("帮忙修理漏水的水龙头", "服务", None),
                  ("想要一套学习用品", "物品", 60), ("想要一个电暖器", "物品", 180),
                  ("希望有人帮忙打扫院子", "服务", None))


class ServiceActs(Agenda):
    """The wishes, orders and time-bank acts of the year (a mixin of `Year`)."""

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
