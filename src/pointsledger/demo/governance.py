"""The demo year's acts of governance: 清单制 matters carried through their procedure (the
odd late step and supervision query), and the registry changing (a household splits, one
moves to another micro-grid, members leave).
"""

from __future__ import annotations

import datetime as _dt

from pointsledger.demo.agenda import Agenda
from pointsledger.demo.setting import Home, Unit


class GovernanceActs(Agenda):
    """The matters and registry acts of the year (a mixin of `Year`); ``next_home`` is the
    number the next household a split creates gets."""

    next_home: int

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
