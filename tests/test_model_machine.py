"""The ledger against the independent model (issue 16): the machines, and edge cases."""

from __future__ import annotations

import copy
import datetime as _dt

import attrs
import pendulum
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from pointsledger import ExpiryPolicy, LimitReached
from pointsledger.testing._model_machine import (
    CoreModelMachine,
    ModelMachine,
    SQLiteModelMachine,
)
from pointsledger.testing._model_records import POOL
from pointsledger.testing._model_village import default_model_rulebook, default_model_village
from tests.helpers import budget

TestModelMachine = ModelMachine.TestCase
TestModelMachine.settings = settings(max_examples=budget(30), stateful_step_count=50,
                                     deadline=None)

TestSQLiteModelMachine = SQLiteModelMachine.TestCase
TestSQLiteModelMachine.settings = settings(max_examples=budget(10), stateful_step_count=50,
                                           deadline=None)


def machine() -> CoreModelMachine:
    """A fresh core machine (model and ledger side by side) for one example."""
    return CoreModelMachine()


def test_item_cap_takes_exactly_its_points_then_refuses() -> None:
    """ENV-01 (10 a month) takes two awards of 5; the third is refused as the model says."""
    m = machine()
    for n in range(2):
        assert m.both("award", "H1", "ENV-01", by=m.grid_worker, key=f"env/{n}") is not None
    assert m.both("award", "H1", "ENV-01", by=m.grid_worker, key="env/2") is None
    m.clock_to_an_edge("next month")
    assert m.both("award", "H1", "ENV-01", by=m.grid_worker, key="env/3") is not None
    m.agrees_with_the_model()


def test_a_cap_refuses_the_award_that_would_pass_it_not_only_a_full_one() -> None:
    """志愿服务 (20 a week) holds 15: an award of 10 would pass the cap and is refused, one of 5
    fills it exactly; HON-01 (20 a quarter, 30 a year) took 20 in March: April's 20 fits the
    new quarter but not the year, and is refused."""
    m = machine()
    assert m.both("award", "H1", "VOL-02", by=m.grid_worker, key="v/1") is not None
    assert m.both("award", "H1", "VOL-01", by=m.grid_worker, key="v/2") is not None
    assert m.both("award", "H1", "VOL-02", by=m.grid_worker, key="v/3") is None
    assert m.both("award", "H1", "VOL-01", by=m.grid_worker, key="v/4") is not None
    assert m.both("award", "H2", "HON-01", by=m.grid_worker, key="h/1",
                  evidence=("表彰文件",)) is not None
    m.clock.set(pendulum.datetime(2026, 4, 1, 9, tz="Asia/Shanghai"))
    assert m.both("award", "H2", "HON-01", by=m.grid_worker, key="h/2",
                  evidence=("表彰文件",)) is None
    m.agrees_with_the_model()


def test_reserved_units_are_not_free_stock() -> None:
    """Two soaps on hand, both reserved: a redemption and a stock count below them fail."""
    m = machine()
    m.both("award", "H1", "VOL-02", by=m.grid_worker, key="a")
    m.both("award", "H2", "VOL-02", by=m.grid_worker, key="b")
    m.both("receive_stock", "SOAP", 2, by=m.keeper, key="s")
    assert m.both("reserve", "H1", "SOAP", quantity=2, by=m.keeper, key="r") is not None
    assert m.both("redeem", "H2", "SOAP", by=m.keeper, key="x") is None
    assert m.both("adjust_stock", "SOAP", counted=1, reason="盘点", by=m.keeper,
                  key="c1") is None
    assert m.both("adjust_stock", "SOAP", counted=2, reason="盘点", by=m.keeper,
                  key="c2") is not None
    m.agrees_with_the_model()


def test_price_bands_turn_on_the_birthday() -> None:
    """60 today pays 80%, a day short of 60 pays full; 75 today eats free, 74 pays 80%."""
    m = machine()
    for household in ("H1", "H2", "H3", "H4"):
        m.both("award", household, "VOL-02", by=m.grid_worker, key=f"a/{household}")
    m.both("receive_stock", "MEAL", 10, by=m.keeper, key="s")
    prices = {}
    for elder, household in (("M13", "H1"), ("M23", "H2"), ("M33", "H3"), ("M43", "H4")):
        meal = m.both("redeem", household, "MEAL", member=elder, by=m.keeper, key=elder)
        prices[elder] = meal.points
    assert prices == {"M13": 8, "M23": 10, "M33": 0, "M43": 8}
    m.agrees_with_the_model()


def test_spending_takes_the_soonest_expiring_lot_first() -> None:
    """A backdated award expires sooner (rolling 30 days); spending takes it first, so
    what expires later is what was left of it."""
    m = machine()
    now = m.clock()
    m.both("award", "H1", "VOL-02", by=m.grid_worker, key="new", occurred_at=now)
    m.both("award", "H1", "VOL-01", by=m.grid_worker, key="old",
           occurred_at=now - _dt.timedelta(days=20))
    m.both("receive_stock", "SOAP", 5, by=m.keeper, key="s")
    m.both("redeem", "H1", "SOAP", by=m.keeper, key="r")       # 5 from the old lot
    m.clock.advance(days=11)
    assert m.both("expire_due") == ()                          # the old lot is empty
    m.clock.advance(days=20)
    (expired,) = m.both("expire_due")
    assert expired.points == 10
    m.agrees_with_the_model()


def test_occurred_at_the_edges_of_now_and_the_backdating_window() -> None:
    """Now (the next recording time) is accepted and 1 µs later refused; exactly
    backdate_days back is accepted and 1 µs before it refused (points that never expire: the
    default village's expire 30 days after the conduct, see the next test)."""
    m = NeverExpiringMachine()
    now = m.model.local(m.model.next_recorded_us())
    assert m.both("award", "H1", "VOL-01", by=m.grid_worker, key="now", occurred_at=now)
    future = m.model.local(m.model.next_recorded_us()) + _dt.timedelta(microseconds=1)
    assert m.both("award", "H1", "VOL-01", by=m.grid_worker, key="fut",
                  occurred_at=future) is None
    edge = m.model.local(m.model.next_recorded_us()) - _dt.timedelta(days=90)
    assert m.both("award", "H2", "VOL-01", by=m.grid_worker, key="edge", occurred_at=edge)
    edge = m.model.local(m.model.next_recorded_us()) - _dt.timedelta(days=90)
    assert m.both("award", "H2", "VOL-01", by=m.grid_worker, key="past",
                  occurred_at=edge - _dt.timedelta(microseconds=1)) is None
    m.agrees_with_the_model()


def test_an_award_whose_points_already_expired_is_refused_as_the_model_says() -> None:
    """Within the backdating window (90 days) but past the rolling expiry (30 days): the
    points would be born expired, so the award is refused (docs/expiry.md); 1 µs inside the
    expiry it is accepted."""
    m = machine()
    lifetime = _dt.timedelta(days=30)
    dead = m.model.local(m.model.next_recorded_us()) - lifetime
    assert m.both("award", "H1", "VOL-01", by=m.grid_worker, key="dead",
                  occurred_at=dead) is None
    alive = m.model.local(m.model.next_recorded_us()) - lifetime + _dt.timedelta(microseconds=1)
    assert m.both("award", "H1", "VOL-01", by=m.grid_worker, key="alive", occurred_at=alive)
    m.agrees_with_the_model()


def test_retry_returns_the_first_event_and_another_request_conflicts() -> None:
    """The same key and payload returns the first event; another payload is refused."""
    m = machine()
    first = m.both("award", "H1", "VOL-01", by=m.grid_worker, key="k")
    m.clock.advance(minutes=3)
    assert m.both("award", "H1", "VOL-01", by=m.grid_worker, key="k") == first
    assert m.both("award", "H2", "VOL-01", by=m.grid_worker, key="k") is None
    m.agrees_with_the_model()


class NeverExpiringMachine(CoreModelMachine):
    """The core machine with points that never expire."""

    rulebook = attrs.evolve(default_model_rulebook(), expiry=ExpiryPolicy())


class QuarterEndMachine(CoreModelMachine):
    """The core machine under 季度清零: points expire when their quarter ends."""

    rulebook = attrs.evolve(default_model_rulebook(), expiry=ExpiryPolicy("quarter_end"))


class YearEndMachine(CoreModelMachine):
    """The core machine under 年底清零 (the clock starts in March, so a run seldom reaches
    the year end: the rule draws cross months; the edge is in the examples above)."""

    rulebook = attrs.evolve(default_model_rulebook(), expiry=ExpiryPolicy("year_end"))


TestQuarterEndMachine = QuarterEndMachine.TestCase
TestQuarterEndMachine.settings = settings(max_examples=budget(10), stateful_step_count=50,
                                          deadline=None)
TestYearEndMachine = YearEndMachine.TestCase
TestYearEndMachine.settings = settings(max_examples=budget(5), stateful_step_count=50,
                                       deadline=None)


def test_year_end_expiry_at_exactly_midnight() -> None:
    """Under 年底清零 nothing expires 1 µs before the new year; at midnight it all does."""
    m = YearEndMachine()
    m.both("award", "H1", "VOL-02", by=m.grid_worker, key="a")
    new_year = _dt.datetime(2027, 1, 1, tzinfo=m.model.now().tzinfo)
    m.clock.set(new_year - _dt.timedelta(microseconds=1))
    assert m.both("expire_due") == ()
    m.clock.set(new_year)
    (expired,) = m.both("expire_due")
    assert (expired.account, expired.points) == ("H1", 10)
    m.agrees_with_the_model()


class CarryOverMachine(CoreModelMachine):
    """The core machine under 结转: at each year end up to 8 points carry over; the clock
    starts a few weeks before the year end, so that runs cross it."""

    rulebook = attrs.evolve(default_model_rulebook(),
                            expiry=ExpiryPolicy("carry_over", carry=8), campaigns=())
    village = attrs.evolve(default_model_village(),
                           start=pendulum.datetime(2026, 12, 7, 9, tz="Asia/Shanghai"))


TestCarryOverMachine = CarryOverMachine.TestCase
TestCarryOverMachine.settings = settings(max_examples=budget(20), stateful_step_count=50,
                                         deadline=None)


def test_carry_over_keeps_the_newest_points_to_the_next_year_end() -> None:
    """Under 结转 (carry 8) 15 points earned in 2026: at midnight of 1 January 8 carry over,
    the newest first (all 5 of the later award, 3 of the earlier), and 7 expire; a year on
    the 8 carried are due again and all carry again, so nothing is written."""
    m = CarryOverMachine()
    m.both("award", "H1", "VOL-02", by=m.grid_worker, key="older")
    m.clock.advance(days=1)
    m.both("award", "H1", "VOL-01", by=m.grid_worker, key="newer")
    new_year = _dt.datetime(2027, 1, 1, tzinfo=m.model.now().tzinfo)
    m.clock.set(new_year - _dt.timedelta(microseconds=1))
    assert m.both("expire_due") == ()
    m.clock.set(new_year)
    (expired,) = m.both("expire_due")
    assert (expired.account, expired.points) == ("H1", 7)
    assert sorted(amount for _lot, amount, _to in expired.carried) == [3, 5]
    assert {to for _lot, _amount, to in expired.carried} == {
        m.model.next_year_end(m.model.next_recorded_us())}
    assert m.ledger.balance("H1").posted == 8
    m.clock.set(new_year.replace(year=2028))
    assert m.both("expire_due") == ()  # all 8 carry again: no 0-point event (issue 18)
    assert m.ledger.balance("H1").posted == 8
    m.agrees_with_the_model()


def test_a_batch_writes_all_its_events_or_none() -> None:
    """In a batch a refused command writes nothing and the batch goes on; a batch that ends
    with an exception writes nothing at all, a committed one every event, as the model says."""
    m = machine()
    with m.ledger.batch() as m.batch_open:
        assert m.both("award", "H1", "VOL-02", by=m.grid_worker, key="b/1")
        assert m.both("award", "H1", "NOPE", by=m.grid_worker, key="b/2") is None
        assert m.both("award", "H2", "VOL-02", by=m.grid_worker, key="b/3")
    m.batch_open = None
    m.agrees_with_the_model()
    assert m.ledger.balance("H2").posted == 10
    head = m.ledger.head
    model = copy.deepcopy(m.model, {id(m.clock): m.clock})
    with pytest.raises(KeyError), m.ledger.batch() as m.batch_open:
        m.both("award", "H3", "VOL-02", by=m.grid_worker, key="b/4")
        raise KeyError("the app's code failed in the middle of the batch")
    m.batch_open, m.model = None, model
    assert m.ledger.head == head and m.ledger.balance("H3").posted == 0
    m.agrees_with_the_model()
    assert m.both("award", "H3", "VOL-02", by=m.grid_worker, key="b/4")   # the key is free


class SoakMachine(ModelMachine):
    """The machine scripts/soak.py runs in CI (randomised, seed printed)."""


def test_the_machines_call_every_public_command_and_due_job() -> None:
    """The model machine's rules cover the whole command table and every due job; a command
    added to the ledger without a rule (and a model) fails here."""
    from pointsledger.core.command import Command
    from pointsledger.ledger.commands import Commands
    from pointsledger.ledger.due import DueJobs

    table = {name for name, value in vars(Commands).items() if isinstance(value, Command)}
    due = {name for name in vars(DueJobs) if name.endswith("_due") and name[0] != "_"}
    assert set(ModelMachine.expected_successes()) == table | due
    assert len(ModelMachine.expected_successes()) == len(table | due)


class RegistryFirstMachine(ModelMachine):
    """The model machine with the registry's rules in front: only the registry's, the
    postings' and the clock's families are kept, so each run moves, splits, merges, sends
    away and brings back more members, between awards, deductions, reversals, clock moves and
    closings."""

    families = ("clock", "postings", "registry")

    @rule(data=st.data(), change=st.sampled_from(["move", "leave and return",
                                                  "split and merge", "register and close"]))
    def a_valid_registry_change(self, data: st.DataObject, change: str) -> None:
        """A change the model accepts, by the committee (the kit's registry rule draws many
        refused ones): a free member moves to another household, or a household to the
        other grid; a member leaves and comes back; a member splits off into a new
        household, which merges into an open one; a new household with a member registered,
        the member's account then closed (its points to the pool)."""
        households = sorted(h for h, r in self.model.households.items() if not r["closed"])
        if change == "move":
            busy = self.model.busy()
            free = sorted(m for m, r in self.model.members.items()
                          if not r["closed"] and m not in busy)
            if free and len(households) > 1:
                member = data.draw(st.sampled_from(free), label="moving")
                to = data.draw(st.sampled_from([h for h in households
                                                if h != self.model.household_of(member)]),
                               label="to")
                self.keyed("move_member", member, household=to, reason="婚嫁",
                           by=self.committee, key=self.fresh_key())
            household = data.draw(st.sampled_from(households), label="household")
            grid = "G2" if self.model.households[household]["grid"] == "G1" else "G1"
            self.keyed("move_household", household, grid=grid, by=self.committee,
                       key=self.fresh_key())
        elif change == "leave and return":
            self.leave_validly(data)
            gone = sorted(m for m, r in self.model.members.items() if r["closed"])
            if gone:
                self.keyed("member_returns", data.draw(st.sampled_from(gone), label="back"),
                           household=data.draw(st.sampled_from(households), label="to"),
                           reason="返乡", by=self.committee, key=self.fresh_key())
        elif change == "register and close":
            n = len(self.model.households) + len(self.model.members) + 1
            self.both("register_household", f"H{n}", grid="G1", head="新户主",
                      by=self.committee)
            if self.both("register_member", f"M{n + 1}", household=f"H{n}", name="新成员",
                         roles=frozenset({"resident"}), by=self.committee) is not None:
                self.both("close_account", f"M{n + 1}", by=self.committee, balance_to=POOL)
        else:
            new = self.split_off(data)
            if new is not None:
                into = data.draw(st.sampled_from(households), label="into")
                self.keyed("merge_households", new, into=into, reason="合户",
                           by=self.committee, key=self.fresh_key())


TestRegistryFirstMachine = RegistryFirstMachine.TestCase
TestRegistryFirstMachine.settings = settings(max_examples=budget(20), stateful_step_count=40,
                                             deadline=None)


class StoreFirstMachine(ModelMachine):
    """The points store in front: stock received, counted and donated (goods priced by the
    committee), redemptions and reservations handed over, cancelled or timed out, prices by
    age, transfers; with the postings (points to pay with, reversals of redemptions, expiry)
    and the clock."""

    families = ("clock", "postings", "store", "donations")

    @rule(data=st.data())
    def donated_goods_taken(self, data: st.DataObject) -> None:
        """Second-hand shoes priced by the committee (the first time), received from an
        outside donor and taken by the richest household (the kit's donations rule does this
        a quarter of its turns)."""
        self.take_donated_goods(data)


TestStoreFirstMachine = StoreFirstMachine.TestCase
TestStoreFirstMachine.settings = settings(max_examples=budget(20), stateful_step_count=30,
                                          deadline=None)


def test_focused_machines_keep_only_their_families_rules() -> None:
    """A focused machine keeps the rules of its families and its own; every other rule is
    off, and a rule that belongs to no family (a new one) would be off too; it expects to see
    only its families' commands succeed. Every rule of the full machines has a family, and
    the families' commands are every command the machine expects."""
    import inspect

    from pointsledger.testing._families import FAMILY_COMMANDS, RULE_FAMILIES

    def rules(machine: type) -> set[str]:
        return {name for name, value in inspect.getmembers(machine)
                if getattr(value, "hypothesis_stateful_rule", None) is not None}

    assert rules(SQLiteModelMachine) <= set(RULE_FAMILIES), sorted(
        rules(SQLiteModelMachine) - set(RULE_FAMILIES))
    assert {n for f in FAMILY_COMMANDS.values() for n in f} == set(
        ModelMachine.expected_successes())
    assert rules(StoreFirstMachine) == {"donated_goods_taken"} | {
        name for name in rules(ModelMachine)
        if RULE_FAMILIES[name] in ("clock", "postings", "store", "donations")}
    assert "hold_the_last_unit" in rules(StoreFirstMachine)
    assert "registry_change" not in rules(StoreFirstMachine)
    assert set(StoreFirstMachine.expected_successes()) == {
        n for f in ("postings", "store", "donations") for n in FAMILY_COMMANDS[f]}

    class WithANewRule(ModelMachine):
        @rule()
        def a_new_rule(self) -> None:
            """Defined here: kept in this class, but no family's."""

    class FocusedOnIt(WithANewRule):
        families = ("clock",)

    assert "a_new_rule" in rules(WithANewRule)
    assert rules(FocusedOnIt) == {"hours_pass", "days_pass", "clock_to_an_edge"}
    with pytest.raises(ValueError, match="'shop'"):
        type("Wrong", (ModelMachine,), {"families": ("store", "shop")})


FOCUSED = (RegistryFirstMachine, StoreFirstMachine)
"""This module's focused machines (the others are in test_model_flows, test_model_matters)."""


def test_every_command_succeeds_in_the_suites_runs() -> None:
    """Over the runs of the derandomised machines (in memory, on SQLite, carry-over, and the
    focused ones: flows, time bank and orders, registry, store, matters), every public
    command and due job succeeded at least once: the suite tests them, not only their
    refusals. Each focused machine also sees every command of its own families succeed."""
    from tests.test_model_flows import FlowsMachine, TimeBankOrdersMachine
    from tests.test_model_matters import MattersMachine

    machines = (ModelMachine, SQLiteModelMachine, CarryOverMachine, FlowsMachine,
                TimeBankOrdersMachine, RegistryFirstMachine, StoreFirstMachine, MattersMachine)
    for machine in machines:
        machine.TestCase().runTest()
    missing = [name for name in ModelMachine.expected_successes()
               if not any(m.coverage.succeeded[name] for m in machines)]
    assert missing == [], "\n".join(f"{m.__name__}: {m.coverage.summary()}" for m in machines)
    for machine in machines:
        if getattr(machine, "families", None) is not None:
            assert machine.coverage.missing(machine.expected_successes()) == [], (
                machine.__name__, machine.coverage.summary())
    assert ModelMachine.coverage.succeeded["batch"] > 0


def test_the_store_reads_the_day_at_the_ledgers_recording_time() -> None:
    """POWDER is redeemed on Fridays. With the clock 1 µs before Saturday and a stock receipt
    recorded at that instant, the redemption is recorded on Saturday: NotEligible (the model
    read the clock's Friday once; found by the carry-over machine)."""
    m = machine()
    m.both("award", "H1", "VOL-02", by=m.grid_worker, key="a", quantity=2)
    m.clock.set(pendulum.datetime(2026, 3, 7, tz="Asia/Shanghai").subtract(microseconds=1))
    m.both("receive_stock", "POWDER", 1, by=m.keeper, key="s")
    assert m.model.local(m.model.next_recorded_us()).day_of_week == pendulum.SATURDAY
    assert m.both("redeem", "H1", "POWDER", by=m.keeper, key="r") is None
    m.agrees_with_the_model()


def test_a_due_job_without_as_of_acts_at_the_clocks_reading() -> None:
    """With the clock 1 µs before the year end and an event recorded at that instant, the
    ledger's next recording time is the year end, but expire_due() acts at the clock's
    reading: nothing expires yet (the model once used the recording time; found by the
    carry-over machine)."""
    m = YearEndMachine()
    m.both("award", "H1", "VOL-02", by=m.grid_worker, key="a")
    new_year = _dt.datetime(2027, 1, 1, tzinfo=m.model.now().tzinfo)
    m.clock.set(new_year - _dt.timedelta(microseconds=1))
    m.both("receive_stock", "SOAP", 1, by=m.keeper, key="s")
    assert m.model.local(m.model.next_recorded_us()) == new_year
    assert m.both("expire_due") == ()
    assert m.both("time_out_due") == ()
    m.agrees_with_the_model()


def test_an_award_a_step_causes_counts_from_the_steps_time() -> None:
    """A confirmed wish awards its claimer as of the confirming step's recorded time (the
    award is recorded 1 µs later): under rolling 30-day expiry the lot expires exactly 30
    days after the step (the model once counted from the award's own recording time; found
    by the machine)."""
    from pointsledger import Actor

    m = ModelMachine()
    wish = m.both("submit_wish", "M11", "收音机", by=m.grid_worker, key="w")
    m.both("step", wish.id, "list", category="服务", by=m.committee, key="w/1")
    volunteer = Actor("M22", roles={"volunteer"})
    m.both("step", wish.id, "claim", by=volunteer, key="w/2")
    m.both("step", wish.id, "fulfil", evidence=["photo"], by=volunteer, key="w/3")
    confirmed = m.both("step", wish.id, "confirm", rating=5, by=m.committee, key="w/4")
    m.clock.set(m.model.local(confirmed.recorded_us + 30 * 86_400_000_000))
    (expired,) = m.both("expire_due")
    assert (expired.account, expired.points) == ("M22", 10)
    m.agrees_with_the_model()


def test_a_donors_award_counts_from_the_stock_receipts_time() -> None:
    """A donation's award is conduct at the receipt's recorded time (the award is recorded
    1 µs later): its lot expires exactly 30 days after the receipt (found by the machine)."""
    m = machine()
    receipt = m.both("receive_stock", "SOAP", 1, by=m.keeper, key="s", donor="H2",
                     donation_item="DON-01")
    m.clock.set(m.model.local(receipt.recorded_us + 30 * 86_400_000_000))
    (expired,) = m.both("expire_due")
    assert (expired.account, expired.points) == ("H2", 10)
    m.agrees_with_the_model()


def test_an_objected_claim_keeps_its_account_open_past_the_notice_end() -> None:
    """A claim objected to waits for the committee's dismiss or uphold, past the end of its
    notice too: its member's account may not be closed meanwhile (the ledger once let it
    close, then posted the claim's points to the closed account; found by the machine)."""
    from pointsledger import Actor

    m = ModelMachine()
    checker = Actor("g-2", roles={"grid_worker"})
    claim = m.both("submit_claim", "M31", "VOL-02", by=m.grid_worker, key="c",
                   occurred_at=m.clock())
    m.both("step", claim.id, "check", by=checker, key="c/1")
    m.both("step", claim.id, "approve", by=m.committee, key="c/2")
    m.both("step", claim.id, "object", reason="不属实", by=Actor("M21", roles={"resident"}),
           key="c/3")
    m.clock.advance(days=9)                               # the notice ended meanwhile
    assert m.ledger.case(claim).state == "objected"
    assert m.both("close_account", "M31", by=m.committee, balance_to="H3") is None
    m.agrees_with_the_model()


def test_only_a_claim_fixes_the_rules_in_force_like_a_posting() -> None:
    """A new rulebook version must take effect after every posting and claim already recorded
    (a claim is checked against the version in force when its conduct occurred); a wish does
    not fix it: with a wish submitted today a version effective today is adopted, with a claim
    for today's conduct it is refused (docs/ledger.md, "Rulebook versions")."""
    for opening in ("wish", "claim"):
        m = ModelMachine()
        if opening == "wish":
            m.both("submit_wish", "M11", "收音机", by=m.grid_worker, key="w")
        else:
            m.both("submit_claim", "M11", "VOL-02", by=m.grid_worker, key="c",
                   occurred_at=m.model.now())
        today = m.model.now().date()
        v2 = attrs.evolve(m.plan.rulebook, version="2026-v2")
        adopted = m.both("adopt", v2, by=m.committee, resolution="表决通过",
                         effective_from=today)
        assert (adopted is not None) == (opening == "wish"), opening
        if opening == "claim":
            assert m.both("adopt", v2, by=m.committee, resolution="表决通过",
                          effective_from=today + _dt.timedelta(days=1)) is not None
        m.agrees_with_the_model()


def test_a_rewards_total_limit_counts_every_households_units() -> None:
    """TISSUE's total limit (6 ever) counts what every household took: after H1, H2 and H3
    took two each, H4's first is refused with LimitReached although H4 took none (the model
    once counted only the asking household's units; found by the CI soak)."""
    m = machine()
    for week in range(2):
        for household in ("H1", "H2", "H3", "H4"):
            for n in range(2):
                m.both("award", household, "VOL-02", by=m.grid_worker,
                       key=f"a/{household}/{week}/{n}")
        m.clock.advance(days=8)
    m.both("receive_stock", "TISSUE", 10, by=m.keeper, key="s")
    for household in ("H1", "H2", "H3"):
        assert m.both("redeem", household, "TISSUE", quantity=2, by=m.keeper,
                      key=f"r/{household}") is not None
    assert m.both("redeem", "H4", "TISSUE", by=m.keeper, key="r/H4") is None
    with pytest.raises(LimitReached):
        m.ledger.redeem("H4", "TISSUE", by=m.keeper, key="r/H4/again")
    m.agrees_with_the_model()
