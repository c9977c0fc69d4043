"""The machine's rules for the workflows (a mixin of ``ModelMachine``).

Every rule runs its command through the machine's harness ``self.both`` (or ``self.keyed``),
which asks the model for a prediction, runs the same call on the ledger and compares. The
rules draw valid steps most of the time (the right actor, in the right state, with the right
arguments) and deliberately invalid ones the rest: a role the policy does not grant, the wrong
person (the submitter reviewing their own claim, the claimer confirming their own wish, a
volunteer rating their own service, a reviewer approving a deposit twice), a second claim on a
claimed wish, a step out of order or on a finished case, missing or bad arguments (no
evidence, a rating of 6, a wish over its category's cap), and steps at the deadlines' edges
(exactly at a notice's end and 1 µs before). The model decides which are refused and with
what; the draws only make each kind likely.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, invariant, multiple, precondition, rule

from pointsledger.base.actors import Actor
from pointsledger.testing._model_cases import ARGUMENTS, SYSTEM_STEPS, TABLES, FlowCase

if TYPE_CHECKING:
    from pointsledger.base.clock import ManualClock
    from pointsledger.ledger.ledger import Ledger
    from pointsledger.testing._model import Model

US = _dt.timedelta(microseconds=1)
FORWARD = {"check", "approve", "dismiss", "dismiss_appeal", "list", "claim", "fulfil",
           "confirm", "close", "dispatch", "accept", "start", "finish", "rate", "restore"}
"""Steps that move a case on towards its end (the walk prefers them)."""


class FlowRules:
    """Hypothesis rules for claims, wishes, service orders, the time bank and their due jobs.

    Actors beyond the machine's own are class attributes; members' actors are made from the
    model's registry when a rule runs (``resident``, ``volunteers``)."""

    if TYPE_CHECKING:  # what the machine provides
        def bundle(self, name: str) -> list[Any]: ...

        model: Model
        ledger: Ledger
        clock: ManualClock
        committee: Actor
        grid_worker: Actor
        items: list[str]

        @property
        def accounts(self) -> list[str]: ...

        def both(self, name: str, /, *args: Any, **kwargs: Any) -> Any: ...

        def keyed(self, name: str, /, *args: Any, **kwargs: Any) -> Any: ...

        def fresh_key(self) -> str: ...

    claims = Bundle("claims")
    wishes = Bundle("wishes")
    orders = Bundle("orders")
    deposits = Bundle("deposits")

    flow_committee = Actor("test-committee-2", roles={"committee"})
    flow_grid_worker = Actor("test-grid-worker-2", roles={"grid_worker"})
    outsider_volunteer = Actor("test-volunteer", roles={"volunteer"})
    """Has a volunteer's role but is no registered member."""
    auditor = Actor("test-auditor", roles={"auditor"})

    # -- actors --------------------------------------------------------------------------

    def resident(self, household: str | None) -> Actor:
        """A resident of ``household`` (or of H1), acting as a resident."""
        member = next((m for m, r in sorted(self.model.members.items())
                       if r["household"] == household and "resident" in r["roles"]), "M11")
        return Actor(member, roles={"resident"})

    def volunteers(self) -> list[Actor]:
        """Every member registered as a volunteer or party member, with those roles."""
        found = []
        for member, record in sorted(self.model.members.items()):
            roles = set(record["roles"]) & {"volunteer", "party_member"}
            if roles:
                found.append(Actor(member, roles=roles))
        return found

    def services(self) -> list[str]:
        """The codes of the service menu of the rulebook in force."""
        return [s.code for s in self.model.rulebook.services.services]

    def officials(self) -> list[Actor]:
        return [self.committee, self.flow_committee, self.grid_worker, self.flow_grid_worker,
                Actor("M21", roles={"grid_worker"})]

    def pool(self, case: FlowCase, command: str) -> list[Actor]:
        """Everyone a step may be tried by: officials, residents of the case's household and
        of another, volunteers, strangers, and the wrong people: the case's opener and its
        assignee holding every role the step's command is granted."""
        granted = self.model.rulebook.policy.roles_for(command)
        other = "H3" if case.household != "H3" else "H4"
        people = [*self.officials(), self.resident(case.household), self.resident(other),
                  *self.volunteers(), self.outsider_volunteer, self.auditor,
                  Actor(case.opened_by, roles=granted)]
        if case.assignee:
            people.append(Actor(case.assignee, roles=granted | {"resident"}))
        return people

    def pick_actor(self, data: st.DataObject, case: FlowCase, step: str,
                   args: dict[str, Any]) -> Actor:
        """Mostly someone the model lets take the step; sometimes anyone."""
        people = self.pool(case, f"{case.flow}.{step}")
        if data.draw(st.integers(0, 9), label="right actor?") < 8:
            right = [a for a in people
                     if self.model.step(case.id, step, by=a, key="probe", **args).accepted]
            if right:
                return data.draw(st.sampled_from(right), label="by")
        return data.draw(st.sampled_from(people), label="by")

    # -- steps and their arguments -------------------------------------------------------

    def allowed_steps(self, case: FlowCase) -> list[str]:
        return [step for (state, step) in TABLES[case.flow]
                if state == case.state and step not in SYSTEM_STEPS[case.flow]
                and not self.model.switched_off(case, step)]

    def pick_step(self, data: st.DataObject, case: FlowCase) -> str:
        """Mostly a step the table allows now; sometimes any step, a system one or none."""
        allowed = self.allowed_steps(case)
        if allowed and data.draw(st.integers(0, 9), label="allowed step?") < 8:
            return data.draw(st.sampled_from(allowed), label="step")
        steps = [*ARGUMENTS[case.flow], *SYSTEM_STEPS[case.flow], "frob"]
        return data.draw(st.sampled_from(steps), label="step")

    def good_args(self, data: st.DataObject, case: FlowCase, step: str) -> dict[str, Any]:
        """Arguments the step accepts."""
        args: dict[str, Any] = {}
        required, optional = ARGUMENTS[case.flow].get(step, ((), ()))
        if "reason" in required or ("reason" in optional and data.draw(st.booleans())):
            args["reason"] = "情况属实"
        if "objection" in required:
            args["objection"] = data.draw(st.sampled_from(case.objections or ["e1-0"]),
                                          label="objection")
        if "category" in required:
            fits = [c.name for c in self.model.rulebook.wishes.categories
                    if c.max_value is None or (case.value or 0) <= c.max_value]
            args["category"] = data.draw(st.sampled_from(fits or ["NOPE"]), label="category")
        if "evidence" in required:
            args["evidence"] = ["photo-1"]
        if "rating" in required:
            args["rating"] = data.draw(st.integers(1, 5), label="rating")
        if "minutes" in required:
            args["minutes"] = data.draw(st.sampled_from([1, 59, 60, 61, 121, 300]),
                                        label="minutes")
            if case.started_us:  # the service lasts at least that long
                self.clock.set(max(self.model.now(), self.model.local(
                    case.started_us + (args["minutes"] + 1) * 60_000_000)))
        if step == "dispatch":
            serving = [v.id for v in self.volunteers()]
            if data.draw(st.booleans(), label="team?"):
                args["team"] = data.draw(st.lists(st.sampled_from(serving), min_size=1,
                                                  max_size=2, unique=True), label="team")
            else:
                args["volunteer"] = data.draw(st.sampled_from(serving), label="volunteer")
        return args

    def bad_args(self, data: st.DataObject, case: FlowCase, step: str,
                 args: dict[str, Any]) -> dict[str, Any]:
        """One thing wrong: a missing or unknown argument, or a bad value."""
        args = dict(args)
        how = data.draw(st.sampled_from(["drop", "extra", "value"]), label="bad args")
        if how == "drop" and args:
            args.pop(data.draw(st.sampled_from(sorted(args)), label="dropped"))
        elif how == "extra":
            args["bogus"] = 1
        else:
            bad: dict[str, list[Any]] = {
                "reason": [""], "objection": ["e999-000000000000", 1],
                "category": ["NOPE", "物品"], "evidence": [[], "photo"], "rating": [0, 6],
                "minutes": [0, -5, 1_000_001], "team": [[], ["M11"], ["M22", "M22"]],
                "volunteer": ["M11", "M99", "H1"]}
            name = data.draw(st.sampled_from(sorted(set(args) & set(bad)) or ["reason"]),
                             label="bad value of")
            args[name] = data.draw(st.sampled_from(bad[name]), label="bad value")
        return args

    def take_step(self, data: st.DataObject, case_id: str) -> None:
        case = self.model.cases.get(case_id)
        if case is None:
            return
        step = self.pick_step(data, case)
        args = self.good_args(data, case, step)
        if data.draw(st.integers(0, 9), label="bad args?") == 0:
            args = self.bad_args(data, case, step, args)
        by = self.pick_actor(data, case, step, args)
        if case.state not in self.allowed_states(case.flow):
            event(f"{case.flow}: a step on a finished case")
        self.keyed("step", case_id, step, by=by, key=self.fresh_key(), **args)

    @staticmethod
    def allowed_states(flow: str) -> set[str]:
        return {state for (state, _step) in TABLES[flow]}

    def advance(self, data: st.DataObject, case_id: str, steps: int, *,
                to_a_deadline: bool = False) -> None:
        """Up to ``steps`` valid steps along the case's way (forward steps preferred), each
        by someone the model lets take it (``to_a_deadline``: stop at a state with one)."""
        for _ in range(steps):
            case = self.model.cases.get(case_id)
            allowed = [] if case is None else self.allowed_steps(case)
            if case is None or not allowed or (to_a_deadline and case.due_us):
                return
            weighted = [s for s in allowed for _ in range(4 if s in FORWARD else 1)]
            step = data.draw(st.sampled_from(weighted), label="step")
            args = self.good_args(data, case, step)
            people = self.pool(case, f"{case.flow}.{step}")
            right = [a for a in people
                     if self.model.step(case.id, step, by=a, key="probe", **args).accepted]
            if not right:
                return
            by = data.draw(st.sampled_from(right), label="by")
            if self.keyed("step", case_id, step, by=by, key=self.fresh_key(), **args) is None:
                return

    @precondition(lambda self: any(self.bundle(name) for name in
                                   ("claims", "wishes", "orders", "deposits")))
    @rule(data=st.data(), case=st.one_of(claims, wishes, orders, deposits),
          steps=st.integers(1, 6))
    def advance_a_case(self, data: st.DataObject, case: str, steps: int) -> None:
        """A few valid steps on a case of any workflow (only once some case was opened:
        with every bundle empty, hypothesis would abandon the run instead)."""
        self.advance(data, case, steps)

    @rule(data=st.data(), flow=st.sampled_from(["claim", "wish", "order", "deposit"]),
          deadline=st.sampled_from(["none", "at", "1µs before"]))
    def a_case_from_start_to_end(self, data: st.DataObject, flow: str, deadline: str) -> None:
        """One case opened validly and walked a long way, through its deadline (at it or
        1 µs before, then the due job), and on: a posted claim's appeal, a deposit's minutes
        converted or spent."""
        account = data.draw(st.sampled_from(sorted(self.model.households)[:4]),
                            label="household")
        member = data.draw(st.sampled_from(self.volunteers()), label="member").id
        if flow == "claim":
            item = data.draw(st.sampled_from(self.items), label="item")
            result = self.keyed("submit_claim", account, item, by=self.grid_worker,
                                key=self.fresh_key(), occurred_at=self.clock())
        elif flow == "wish":
            wisher = self.resident(account).id
            result = self.keyed("submit_wish", wisher, "想要一台收音机", by=self.grid_worker,
                                key=self.fresh_key(), value=80)
        elif flow == "order":
            result = self.keyed("place_order", account, data.draw(
                st.sampled_from(self.services() or ["NOPE"]), label="service"),
                by=self.resident(account), key=self.fresh_key())
        else:
            result = self.keyed("submit_time", member, data.draw(
                st.sampled_from([120, 180, 300]), label="minutes"), service="助老陪护",
                by=self.grid_worker, key=self.fresh_key())
        if result is None:
            return
        self.advance(data, result.id, data.draw(st.integers(1, 8), label="walk"),
                     to_a_deadline=deadline != "none")
        case = self.model.cases[result.id]
        if case.flow == "wish" and case.state == "claimed":
            self.a_second_claim_on_a_wish(data)
        if case.due_us and deadline != "none":
            target = self.model.local(case.due_us - (1 if deadline == "1µs before" else 0))
            if target > self.model.now():
                self.clock.set(target)
            job = {"claim": "post_due", "wish": "lapse_due", "order": "time_out_due"}
            self.both(job[case.flow], None)
        self.advance(data, result.id, data.draw(st.integers(2, 8), label="walk on"))
        if flow == "deposit" and self.model.minutes.get(member, 0) > 0:
            name = data.draw(st.sampled_from(["convert_time", "spend_time", "donate_time"]),
                             label="then")
            held = self.model.minutes[member]
            by = data.draw(st.sampled_from([self.committee, self.resident(
                self.model.household_of(member))]), label="by")
            if name == "convert_time":
                self.keyed(name, member, held // 60 * 60, by=by, key=self.fresh_key())
            elif name == "spend_time":
                self.keyed(name, member, held, service="理发", by=by, key=self.fresh_key())
            else:
                family = [m for m, r in sorted(self.model.members.items()) if m != member
                          and r["household"] == self.model.household_of(member)]
                if family:
                    self.keyed(name, member, family[0], held, by=by, key=self.fresh_key())

    @rule(data=st.data())
    def post_a_claim(self, data: st.DataObject) -> None:
        """A claim walked straight through review by the right people into public notice,
        the clock to the notice's end, and ``post_due``: the posting path every run can
        reach."""
        household = data.draw(st.sampled_from(sorted(self.model.households)[:4]),
                              label="household")
        rulebook = self.model.rulebook
        uncapped = [i.code for i in rulebook.items if i.points > 0 and not i.caps
                    and not rulebook.caps_for_category(i.category)]
        item = data.draw(st.sampled_from(uncapped or self.items), label="item")
        result = self.keyed("submit_claim", household, item, by=self.grid_worker,
                            key=self.fresh_key(), occurred_at=self.clock())
        if result is None:
            return
        steps = tuple(s for s in ("check", "approve")
                      if s in self.allowed_steps(self.model.cases[result.id]) or s == "approve")
        if not self.walk_right(result.id, steps):
            return
        case = self.model.cases[result.id]
        if case.state == "in_notice" and case.due_us:
            moment = self.model.local(case.due_us)
            if moment > self.model.now():
                self.clock.set(moment)
            self.both("post_due", None)

    @precondition(lambda self: any(c.flow == "wish" and c.state == "claimed"
                                   for c in self.model.cases.values()))
    @rule(data=st.data())
    def a_second_claim_on_a_wish(self, data: st.DataObject) -> None:
        """One live claim: claiming a claimed wish again (by another volunteer, or by the
        same claimer) must be refused."""
        claimed = [c for c in self.model.cases.values()
                   if c.flow == "wish" and c.state == "claimed"]
        if not claimed:
            return
        case = data.draw(st.sampled_from(claimed), label="wish")
        others = [v for v in self.volunteers()
                  if self.model.household_of(v.id) != case.household]
        by = data.draw(st.sampled_from(others or self.volunteers()), label="by")
        self.keyed("step", case.id, "claim", by=by, key=self.fresh_key())

    @rule(data=st.data(), case=claims)
    def claim_step(self, data: st.DataObject, case: str) -> None:
        self.take_step(data, case)

    @rule(data=st.data(), case=wishes)
    def wish_step(self, data: st.DataObject, case: str) -> None:
        self.take_step(data, case)

    @rule(data=st.data(), case=orders)
    def order_step(self, data: st.DataObject, case: str) -> None:
        self.take_step(data, case)

    @rule(data=st.data(), case=deposits)
    def deposit_step(self, data: st.DataObject, case: str) -> None:
        self.take_step(data, case)

    # -- opening cases -------------------------------------------------------------------

    def opened(self, data: st.DataObject, result: Any) -> Any:
        """The new case's id for its bundle (none when refused), after walking it on a few
        steps so that runs reach the ends of the flows."""
        if result is None:
            return multiple()
        self.advance(data, result.id, data.draw(st.integers(0, 8), label="walk"))
        return result.id

    @rule(target=claims, data=st.data(),
          who=st.sampled_from(["grid", "grid", "own resident", "other resident", "auditor"]),
          quantity=st.sampled_from([1, 1, 1, 2, 0]),
          evidence=st.sampled_from([(), ("photo-9",)]),
          when=st.sampled_from(["now", "now", "omitted", "yesterday", "future 1µs"]))
    def submit_claim(self, data: st.DataObject, who: str, quantity: int,
                     evidence: tuple[str, ...], when: str) -> Any:
        account = data.draw(st.sampled_from([*self.accounts, "H9"]), label="account")
        item = data.draw(st.sampled_from([*self.items, "NOPE"]), label="item")
        household = self.model.household_of(account)
        by = {"grid": self.grid_worker, "own resident": self.resident(household),
              "other resident": self.resident("H4" if household != "H4" else "H3"),
              "auditor": self.auditor}[who]
        now = self.clock()
        occurred = {"now": now, "omitted": None, "yesterday": now - _dt.timedelta(days=1),
                    "future 1µs": now + US}[when]
        return self.opened(data, self.keyed("submit_claim", account, item, by=by,
                                      key=self.fresh_key(), occurred_at=occurred,
                                      quantity=quantity, evidence=evidence))

    @rule(target=wishes, data=st.data(),
          who=st.sampled_from(["grid", "grid", "own resident", "other resident", "volunteer"]),
          value=st.sampled_from([None, None, 50, 200, 201, -1]),
          title=st.sampled_from(["想要一台收音机", "想要一台收音机", ""]))
    def submit_wish(self, data: st.DataObject, who: str, value: int | None,
                    title: str) -> Any:
        wisher = data.draw(st.sampled_from([*sorted(self.model.members), "H1", "M99"]),
                           label="wisher")
        household = self.model.household_of(wisher)
        by = {"grid": self.grid_worker, "own resident": self.resident(household),
              "other resident": self.resident("H4" if household != "H4" else "H3"),
              "volunteer": Actor("M22", roles={"volunteer"})}[who]
        return self.opened(data, self.keyed("submit_wish", wisher, title, by=by,
                                      key=self.fresh_key(), value=value))

    @rule(target=orders, data=st.data(),
          who=st.sampled_from(["own resident", "own resident", "grid", "other resident",
                               "volunteer"]),
          unknown=st.integers(0, 4))
    def place_order(self, data: st.DataObject, who: str, unknown: int) -> Any:
        service = data.draw(st.sampled_from(self.services() if unknown else ["NOPE"]) if (
            self.services()) else st.just("NOPE"), label="service")
        account = data.draw(st.sampled_from([*self.accounts, "H9"]), label="account")
        household = self.model.household_of(account)
        by = {"grid": self.grid_worker, "own resident": self.resident(household),
              "other resident": self.resident("H4" if household != "H4" else "H3"),
              "volunteer": Actor("M41", roles={"volunteer"})}[who]
        return self.opened(data, self.keyed("place_order", account, service, by=by,
                                      key=self.fresh_key(), note="周三下午"))

    @rule(target=deposits, data=st.data(),
          who=st.sampled_from(["grid", "committee", "self", "resident"]),
          minutes=st.sampled_from([60, 120, 180, 400, 0, 601]),
          when=st.sampled_from(["omitted", "now", "future 1µs"]))
    def submit_time(self, data: st.DataObject, who: str, minutes: int, when: str) -> Any:
        member = data.draw(st.sampled_from([*(v.id for v in self.volunteers()), "M11",
                                            "H1"]), label="member")
        by = {"grid": self.grid_worker, "committee": self.committee,
              "self": Actor(member, roles={"volunteer"}),
              "resident": Actor("M11", roles={"resident"})}[who]
        now = self.clock()
        occurred = {"omitted": None, "now": now, "future 1µs": now + US}[when]
        return self.opened(data, self.keyed("submit_time", member, minutes, service="助老陪护",
                                      occurred_at=occurred, by=by, key=self.fresh_key()))

    # -- the time bank -------------------------------------------------------------------

    def holders(self) -> list[str]:
        """The open members holding minutes."""
        return sorted(m for m, n in self.model.minutes.items() if n > 0 and m in
                      self.model.members and not self.model.members[m]["closed"])

    def family_of(self, member: str) -> list[str]:
        """The other open members of ``member``'s household."""
        household = self.model.household_of(member)
        return sorted(m for m, r in self.model.members.items()
                      if m != member and r["household"] == household and not r["closed"])

    def walk_right(self, case_id: str, steps: tuple[str, ...]) -> bool:
        """Take ``steps`` on the case in order, each by the first person the model lets take
        it; False when one cannot be taken (or was refused)."""
        for step in steps:
            case = self.model.cases[case_id]
            if step not in self.allowed_steps(case):
                return False
            right = [a for a in self.pool(case, f"{case.flow}.{step}")
                     if self.model.step(case.id, step, by=a, key="probe").accepted]
            if not right or self.keyed("step", case_id, step, by=right[0],
                                       key=self.fresh_key()) is None:
                return False
        return True

    def bank_minutes(self, data: st.DataObject) -> None:
        """When no member holds minutes: a volunteer who has family in their household
        deposits some, submitted by a grid worker and approved by two right reviewers, so
        that spending, donating and converting have minutes to move."""
        if self.holders():
            return
        volunteers = [v.id for v in self.volunteers()
                      if self.family_of(v.id) and not self.model.members[v.id]["closed"]]
        if not volunteers:
            return
        member = data.draw(st.sampled_from(volunteers), label="depositor")
        minutes = data.draw(st.sampled_from([60, 120, 180]), label="deposit")
        result = self.keyed("submit_time", member, minutes, service="助老陪护",
                            by=self.grid_worker, key=self.fresh_key())
        if result is not None:
            self.walk_right(result.id, ("approve", "approve"))

    def time_member(self, data: st.DataObject) -> str:
        """Mostly a member holding minutes (a deposit first when nobody holds any)."""
        self.bank_minutes(data)
        holding = self.holders()
        return data.draw(st.sampled_from([*holding * 4, "M41", "M22", "H1"]), label="member")

    def time_actor(self, data: st.DataObject, member: str) -> Actor:
        household = self.model.household_of(member)
        return data.draw(st.sampled_from([
            self.committee, self.committee, self.resident(household),
            self.resident("H3" if household != "H3" else "H4"), self.grid_worker]),
            label="by")

    def amount(self, data: st.DataObject, member: str) -> int:
        held = self.model.minutes.get(member, 0)
        return data.draw(st.sampled_from([60, 120, held, held + 1, max(held // 60, 1) * 60,
                                          0]), label="minutes")

    @rule(data=st.data())
    def spend_time(self, data: st.DataObject) -> None:
        member = self.time_member(data)
        self.keyed("spend_time", member, self.amount(data, member), service="理发",
                   by=self.time_actor(data, member), key=self.fresh_key())

    @rule(data=st.data())
    def donate_time(self, data: st.DataObject) -> None:
        member = self.time_member(data)
        household = self.model.household_of(member)
        family = sorted(m for m, r in self.model.members.items()
                        if r["household"] == household and m != member)
        to = data.draw(st.sampled_from([*family, *family, member, "M31"]), label="to")
        self.keyed("donate_time", member, to, self.amount(data, member),
                   by=self.time_actor(data, member), key=self.fresh_key())

    @rule(data=st.data())
    def convert_time(self, data: st.DataObject) -> None:
        member = self.time_member(data)
        self.keyed("convert_time", member, self.amount(data, member),
                   by=self.time_actor(data, member), key=self.fresh_key())

    # -- deadlines and due jobs ----------------------------------------------------------

    @precondition(lambda self: any(c.due_us for c in self.model.cases.values()))
    @rule(data=st.data(), edge=st.sampled_from(["at", "1µs before"]))
    def to_a_deadline(self, data: st.DataObject, edge: str) -> None:
        """The clock to a case's deadline (or 1 µs before), then what the deadline decides:
        an objection or posting at a notice's end, an appeal at the window's end, a lapse, a
        time-out, or the assignee acting just in time."""
        cases = sorted((c for c in self.model.cases.values() if c.due_us),
                       key=lambda c: c.seq)
        case = data.draw(st.sampled_from(cases), label="case")
        target = self.model.local(case.due_us - (1 if edge == "1µs before" else 0))
        if target <= self.model.now():
            return
        self.clock.set(target)
        event(f"{case.flow}: {edge} the {case.state} deadline")
        action = data.draw(st.sampled_from(["job", "step"]), label="action")
        if action == "job":
            job = {"claim": "post_due", "wish": "lapse_due", "order": "time_out_due"}.get(
                case.flow, "post_due")
            self.both(job, None)
            return
        step = {("claim", "in_notice"): "object", ("claim", "objected"): "object",
                ("claim", "posted"): "appeal", ("wish", "claimed"): "fulfil",
                ("wish", "listed"): "claim", ("order", "dispatched"): "accept",
                ("order", "open"): "accept"}.get((case.flow, case.state))
        if step is None:
            return
        args = self.good_args(data, case, step)
        self.keyed("step", case.id, step, by=self.pick_actor(data, case, step, args),
                   key=self.fresh_key(), **args)

    @rule(job=st.sampled_from(["post_due", "lapse_due", "time_out_due"]),
          when=st.sampled_from(["default", "default", "now", "a day ago", "future 1µs"]))
    def flow_due_job(self, job: str, when: str) -> None:
        now = self.clock()
        as_of = {"default": None, "now": now, "a day ago": now - _dt.timedelta(days=1),
                 "future 1µs": now + US}[when]
        self.both(job, as_of)

    # -- the model's cases against the ledger's -------------------------------------------

    @invariant()
    def cases_agree(self) -> None:
        """Every case's state, deadline and assignee, and every member's minutes, are the
        model's."""
        if not hasattr(self, "model"):
            return
        cases = self.model.cases
        got = {c.id: c for c in self.ledger.cases()}
        assert set(got) == set(cases), f"cases: ledger {sorted(got)}, model {sorted(cases)}"
        for case_id, case in cases.items():
            mine = (case.state, case.due_us, case.assignee)
            theirs = (got[case_id].state, got[case_id].due_us, got[case_id].assignee)
            assert theirs == mine, (f"{case.flow} {case_id}: (state, due_us, assignee) ledger "
                                    f"{theirs}, model {mine}")
        minutes = {a: n for a, n in self.ledger.time_balances().items() if n}
        assert minutes == {a: n for a, n in self.model.minutes.items() if n}, (
            f"minutes: ledger {minutes}, model {self.model.minutes}")
