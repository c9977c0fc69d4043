"""Examples of the workflow model's predictions at edge cases, against the ledger itself."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from pointsledger import Actor, Ledger, ManualClock
from pointsledger.errors import (
    AccountClosed,
    AlreadyReversed,
    CapExceeded,
    DeadlinePassed,
    EvidenceRequired,
    InsufficientMinutes,
    LimitReached,
    NotEligible,
    PermissionDenied,
    PointsLedgerError,
    StateError,
    UnknownEntry,
    ValidationError,
)
from pointsledger.testing._model import Model
from pointsledger.testing._model_machine import ModelMachine
from pointsledger.testing._model_records import POOL
from pointsledger.testing._model_village import default_model_village
from tests.helpers import budget

US = _dt.timedelta(microseconds=1)
GRID = Actor("test-grid-worker", roles={"grid_worker"})
GRID2 = Actor("g-2", roles={"grid_worker"})
COMMITTEE = Actor("test-committee", roles={"committee"})
COMMITTEE2 = Actor("c-2", roles={"committee"})
H1, H2 = Actor("M11", roles={"resident"}), Actor("M21", roles={"resident"})
VOLUNTEER = Actor("M22", roles={"volunteer"})
"""A volunteer of household H2."""
VOLUNTEER4 = Actor("M41", roles={"volunteer"})
"""A volunteer of household H4."""
PARTY = Actor("M31", roles={"party_member"})
"""A party member of household H3."""


class Pair:
    """The model and a ledger side by side: every call runs on both and must agree."""

    def __init__(self) -> None:
        plan = default_model_village()
        self.ledger, self.clock = plan.build()
        self.model = Model(plan, self.clock)
        self.keys = 0

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run a command that both must accept; return the ledger's result."""
        if name not in ("post_due", "lapse_due", "time_out_due") and "key" not in kwargs:
            self.keys += 1
            kwargs["key"] = f"t/{self.keys}"
        prediction = getattr(self.model, name)(*args, **kwargs)
        assert prediction.accepted, f"{name}: the model refuses it ({prediction.errors})"
        result = getattr(self.ledger, name)(*args, **kwargs)
        assert prediction.check(result) == []
        prediction.commit(result)
        assert self.ledger.head == self.model.model_events
        return result

    def refused(self, error: type[PointsLedgerError], name: str, *args: Any,
                **kwargs: Any) -> None:
        """Run a command that both must refuse, the ledger with ``error``."""
        if "key" not in kwargs:
            self.keys += 1
            kwargs["key"] = f"t/{self.keys}"
        prediction = getattr(self.model, name)(*args, **kwargs)
        with pytest.raises(PointsLedgerError) as raised:
            getattr(self.ledger, name)(*args, **kwargs)
        assert type(raised.value) is error, raised.value
        assert error in prediction.errors, (prediction.errors, raised.value)

    def balance(self, account: str) -> tuple[int, int]:
        """(posted, pending) of the ledger, checked against the model's."""
        got = self.ledger.balance(account)
        assert (got.posted, got.pending) == (self.model.posted(account),
                                             self.model.pending.get(account, 0))
        return got.posted, got.pending

    def at(self, us: int) -> Any:
        return self.model.local(us)


@pytest.fixture
def pair() -> Pair:
    return Pair()


def approved_claim(pair: Pair, account: str = "H1", item: str = "VOL-02") -> Any:
    claim = pair("submit_claim", account, item, by=GRID, occurred_at=pair.clock())
    pair("step", claim, "check", by=GRID2)
    pair("step", claim, "approve", by=COMMITTEE)
    return claim


def test_a_notice_ends_at_midnight_after_its_full_days(pair: Pair) -> None:
    """Objections are taken until 1 µs before the notice ends; posting happens from its end."""
    claim = approved_claim(pair)
    due = pair.model.cases[claim.id].due_us
    assert pair.at(due).isoformat() == "2026-03-10T00:00:00+08:00"
    assert pair.balance("H1") == (0, 10)
    pair.clock.set(pair.at(due) - US)
    objection = pair("step", claim, "object", reason="不属实", by=H2)
    assert pair("post_due") == ()
    pair("step", claim, "dismiss", objection=objection, reason="属实", by=COMMITTEE2)
    assert pair("post_due") == ()
    pair.clock.set(pair.at(due))
    pair.refused(DeadlinePassed, "step", claim, "object", reason="晚了", by=H2)
    assert len(pair("post_due")) == 2 and pair("post_due") == ()
    assert pair.balance("H1") == (10, 0)


def test_nobody_reviews_their_own_claim(pair: Pair) -> None:
    """Two tiers: no approval before the check; the submitter and the checker never approve;
    only the submitter withdraws."""
    claim = pair("submit_claim", "H1", "VOL-02", by=GRID, occurred_at=pair.clock())
    pair.refused(StateError, "step", claim, "approve", by=COMMITTEE)
    pair.refused(PermissionDenied, "step", claim, "check", by=GRID)
    pair.refused(PermissionDenied, "step", claim, "withdraw", by=GRID2)
    pair("step", claim, "check", by=GRID2)
    pair.refused(PermissionDenied, "step", claim, "reject", reason="x", by=GRID2)
    pair("step", claim, "withdraw", by=GRID)
    pair.refused(StateError, "step", claim, "approve", by=COMMITTEE)


def test_an_upheld_objection_gives_back_the_cap_room(pair: Pair) -> None:
    """A claim in notice holds its cap room; upholding an objection frees it."""
    first, second, third = (pair("submit_claim", "H1", "ENV-01", by=GRID,
                                 occurred_at=pair.clock()) for _ in range(3))
    for claim in (first, second, third):
        pair("step", claim, "check", by=GRID2)
    pair("step", first, "approve", by=COMMITTEE)
    pair("step", second, "approve", by=COMMITTEE)
    pair.refused(CapExceeded, "step", third, "approve", by=COMMITTEE)
    pair.refused(CapExceeded, "submit_claim", "H1", "ENV-01", by=GRID, occurred_at=pair.clock())
    objections = [pair("step", first, "object", reason=r, by=H2) for r in ("a", "b")]
    pair("step", first, "dismiss", objection=objections[0], reason="x", by=COMMITTEE2)
    assert pair.ledger.case(first).state == "objected"
    pair.refused(UnknownEntry, "step", first, "uphold", objection=objections[0], reason="x",
                 by=COMMITTEE2)
    pair("step", first, "uphold", objection=objections[1], reason="x", by=COMMITTEE2)
    pair("step", third, "approve", by=COMMITTEE)
    assert pair.balance("H1") == (0, 10)
    assert pair.ledger.case(second).state == "in_notice"


def test_an_appeal_window_and_its_reversal(pair: Pair) -> None:
    """Appeals run until 1 µs before the window's end; an upheld appeal reverses once."""
    claim = approved_claim(pair)
    pair.clock.advance(days=8)
    pair("post_due")
    end = pair.model.cases[claim.id].due_us
    assert pair.at(end).isoformat() == "2026-04-10T00:00:00+08:00"
    pair.clock.set(pair.at(end) - US)
    pair("step", claim, "appeal", reason="有误", by=H2)
    pair.refused(PermissionDenied, "step", claim, "dismiss_appeal", reason="x", by=COMMITTEE)
    pair("step", claim, "dismiss_appeal", reason="x", by=COMMITTEE2)
    pair.clock.set(pair.at(end))
    pair.refused(DeadlinePassed, "step", claim, "appeal", reason="晚了", by=H2)
    other = approved_claim(pair, "H2")
    pair.clock.advance(days=8)
    (_stepped, award) = pair("post_due")
    pair("reverse", award.id, reason="误录", by=COMMITTEE)
    pair("step", other, "appeal", reason="有误", by=H1)
    pair.refused(AlreadyReversed, "step", other, "uphold_appeal", reason="x", by=COMMITTEE2)


def test_a_wish_has_one_live_claim(pair: Pair) -> None:
    """Only a listed wish can be claimed; the claimer fulfils, the wisher's side confirms."""
    wish = pair("submit_wish", "M11", "收音机", by=GRID, value=80)
    pair.refused(PermissionDenied, "step", wish, "list", category="物品", by=GRID)
    pair("step", wish, "list", category="物品", by=GRID2)
    pair.refused(PermissionDenied, "step", wish, "claim", by=Actor("M12", roles={"volunteer"}))
    pair("step", wish, "claim", by=VOLUNTEER)
    pair.refused(StateError, "step", wish, "claim", by=VOLUNTEER4)
    pair.refused(PermissionDenied, "step", wish, "fulfil", evidence=["p"], by=VOLUNTEER4)
    pair.refused(EvidenceRequired, "step", wish, "fulfil", evidence=[], by=VOLUNTEER)
    pair("step", wish, "fulfil", evidence=["photo"], by=VOLUNTEER)
    pair.refused(PermissionDenied, "step", wish, "confirm", rating=5,
                 by=Actor("M22", roles={"grid_worker"}))
    pair.refused(ValidationError, "step", wish, "confirm", rating=6, by=H1)
    pair("step", wish, "confirm", rating=5, by=H1)
    assert pair.balance("M22") == (10, 0)


def test_a_claim_lapses_at_its_deadline_and_a_full_cap_withholds(pair: Pair) -> None:
    """lapse_due puts a wish back at the claim's end, not 1 µs before; a third confirmed wish
    in a month passes WISH-01's cap, so its points are withheld and the step still stands."""
    wish = pair("submit_wish", "M11", "理发", by=GRID)
    pair("step", wish, "list", category="服务", by=GRID2)
    pair("step", wish, "claim", by=VOLUNTEER)
    due = pair.model.cases[wish.id].due_us
    pair.clock.set(pair.at(due) - US)
    assert pair("lapse_due") == ()
    pair.clock.set(pair.at(due))
    assert len(pair("lapse_due")) == 1
    for n in range(3):
        other = pair("submit_wish", "M11", f"愿望{n}", by=GRID)
        pair("step", other, "list", category="服务", by=GRID2)
        pair("step", other, "claim", by=VOLUNTEER4)
        pair("step", other, "fulfil", evidence=["p"], by=VOLUNTEER4)
        pair("step", other, "confirm", rating=4, by=H1)
    assert pair.balance("M41") == (20, 0)


def test_a_declined_order_goes_back_to_dispatch(pair: Pair) -> None:
    """Decline and time-out put an order back; it is re-dispatched and earns per started
    hour."""
    order = pair("place_order", "H1", "CARE", by=H1)
    pair.refused(PermissionDenied, "step", order, "dispatch", volunteer="M11", by=GRID)
    pair.refused(ValidationError, "step", order, "dispatch", by=GRID)
    pair("step", order, "dispatch", volunteer="M22", by=GRID)
    pair.refused(PermissionDenied, "step", order, "decline", by=VOLUNTEER4)
    pair("step", order, "decline", by=VOLUNTEER)
    pair("step", order, "dispatch", team=["M22", "M41"], by=GRID)
    due = pair.model.cases[order.id].due_us
    pair.clock.set(pair.at(due) - US)
    assert pair("time_out_due") == ()
    pair.clock.set(pair.at(due))
    assert len(pair("time_out_due")) == 1
    pair("step", order, "open", by=GRID)
    pair("step", order, "accept", by=VOLUNTEER4)
    pair.refused(StateError, "step", order, "cancel", by=H1)
    pair("step", order, "start", by=VOLUNTEER4)
    pair.clock.advance(minutes=100)
    pair.refused(ValidationError, "step", order, "finish", minutes=121, by=VOLUNTEER4)
    pair.clock.advance(minutes=22)  # the minutes of service fit between start and finish
    pair("step", order, "finish", minutes=121, by=VOLUNTEER4)
    pair.refused(PermissionDenied, "step", order, "rate", rating=5, by=H2)
    pair("step", order, "rate", rating=5, by=H1)
    assert pair.balance("M41") == (6, 0)


def test_a_deposit_needs_two_reviewers_and_minutes_convert(pair: Pair) -> None:
    """Two different reviewers, not the submitter; the storage cap; conversion at the rate."""
    deposit = pair("submit_time", "M41", 400, service="助老", by=GRID)
    pair.refused(PermissionDenied, "step", deposit, "approve", by=GRID)
    pair("step", deposit, "approve", by=GRID2)
    pair.refused(PermissionDenied, "step", deposit, "approve", by=GRID2)
    pair("step", deposit, "approve", by=COMMITTEE)
    pair.refused(LimitReached, "submit_time", "M41", 201, service="助老", by=GRID)
    pair.refused(InsufficientMinutes, "spend_time", "M41", 401, service="理发", by=GRID)
    pair.refused(ValidationError, "convert_time", "M41", 90, by=COMMITTEE)
    pair("convert_time", "M41", 300, by=COMMITTEE)
    assert pair.ledger.minutes("M41") == pair.model.minutes["M41"] == 100
    assert pair.balance("M41") == (5, 0)
    pair.refused(NotEligible, "convert_time", "M41", 60, by=COMMITTEE)
    pair.refused(ValidationError, "donate_time", "M41", "M22", 10, by=GRID)
    pair("spend_time", "M41", 100, service="理发", by=Actor("M41", roles={"resident"}))


def test_minutes_are_donated_to_family_only_and_never_to_a_closed_account(pair: Pair) -> None:
    """A member of another household is not family, its account closed or not
    (ValidationError); a family member whose account closed is refused as closed."""
    deposit = pair("submit_time", "M11", 100, service="助老", by=GRID)
    pair("step", deposit, "approve", by=GRID2)
    pair("step", deposit, "approve", by=COMMITTEE)
    pair("close_account", "M31", by=COMMITTEE, balance_to=POOL)
    pair.refused(ValidationError, "donate_time", "M11", "M31", 10, by=COMMITTEE)
    pair.refused(ValidationError, "donate_time", "M11", "M99", 10, by=COMMITTEE)
    pair("close_account", "M12", by=COMMITTEE, balance_to=POOL)
    pair.refused(AccountClosed, "donate_time", "M11", "M12", 10, by=COMMITTEE)


def test_models_build_from_any_ledger() -> None:
    """The harness builds the default village (a smoke test of the shared pieces)."""
    plan = default_model_village()
    ledger, clock = plan.build()
    assert isinstance(ledger, Ledger) and isinstance(clock, ManualClock)


def untaken(m: ModelMachine, what: str, household: str, edge: str) -> None:
    """An order opened to be grabbed (``what`` "an open order") or dispatched, or a wish
    listed or claimed, that nobody takes further; the clock to its deadline (``edge`` "at" it
    or "1µs before") and the due job that decides it."""
    helper = next((v for v in m.volunteers()
                   if m.model.household_of(v.id) != household), None)
    if what.endswith("order"):
        opened = m.keyed("place_order", household, "FIX", by=m.resident(household),
                            key=m.fresh_key())
        steps: list[tuple[str, Actor, dict[str, Any]]] = [
            ("open", m.committee, {}) if what == "an open order" else
            ("dispatch", m.committee, {"volunteer": helper.id if helper else "M11"})]
        job = "time_out_due"
    else:
        opened = m.keyed("submit_wish", m.resident(household).id, "想要一台收音机",
                            by=m.grid_worker, key=m.fresh_key(), value=80)
        steps = [("list", m.committee, {"category": "物品"})]
        if what == "a claimed wish" and helper is not None:
            steps.append(("claim", helper, {}))
        job = "lapse_due"
    for step, by, args in steps if opened is not None else []:
        if m.keyed("step", opened.id, step, by=by, key=m.fresh_key(), **args) is None:
            return
    case = m.model.cases.get(opened.id) if opened is not None else None
    if case is None or not case.due_us:
        return
    target = m.model.local(case.due_us - (1 if edge == "1µs before" else 0))
    if target > m.model.now():
        m.clock.set(target)
        event(f"{what}: {edge} its deadline")
        m.both(job, None)


class FlowsMachine(ModelMachine):
    """The model machine with the workflows' rules in front: only the workflows' families
    are kept with the clock's and the postings' (due jobs, periods, reversals and key reuse,
    which interact with the cases), so each run takes cases further. Matters have their own
    machine (test_model_matters)."""

    families = ("clock", "postings", "claims", "wishes", "orders", "timebank", "flows")

    @rule(what=st.sampled_from(["an open order", "a dispatched order", "a listed wish",
                                "a claimed wish"]),
          household=st.sampled_from(["H1", "H2", "H3", "H4"]),
          edge=st.sampled_from(["at", "1µs before"]), rarely=st.integers(0, 2))
    def nobody_takes_it_on(self, what: str, household: str, edge: str, rarely: int) -> None:
        """An order opened to be grabbed or dispatched, or a wish put on the wall or claimed,
        that nobody takes further: at its deadline (``open_hours``, ``accept_hours``,
        ``list_days``, ``claim_days``) the due job returns the order to dispatch, takes the
        wish off the wall or puts it back there; 1 µs before, it does nothing. (Rarely: the
        jump to the deadline passes every other case's too.)"""
        if not rarely:
            untaken(self, what, household, edge)

    @rule(data=st.data())
    def close_a_quiet_account(self, data: st.DataObject) -> None:
        """A member whose cases are all finished (or lapsed, timed out) leaves: closing it is
        allowed once nothing waits on it, its balance to the pool."""
        busy = self.model.open_case_accounts()
        quiet = [a for a in self.accounts if a.startswith("M") and a not in busy]
        if quiet:
            member = data.draw(st.sampled_from(quiet), label="quiet member")
            self.both("close_account", member, by=self.committee, balance_to=POOL)


TestFlowsMachine = FlowsMachine.TestCase
TestFlowsMachine.settings = settings(max_examples=budget(40), stateful_step_count=50,
                                     deadline=None)


class TimeBankOrdersMachine(ModelMachine):
    """The time bank and service orders alone (with the clock and the workflows' generic
    rules): deposits approved by two reviewers, minutes spent, donated within the household
    and converted to points, and orders walked through dispatch, grabbed from the pool, or
    left untaken until ``time_out_due`` returns them to dispatch."""

    families = ("clock", "orders", "timebank", "flows")

    @rule(what=st.sampled_from(["an open order", "a dispatched order"]),
          household=st.sampled_from(["H1", "H2", "H3", "H4"]),
          edge=st.sampled_from(["at", "at", "1µs before"]))
    def an_order_nobody_takes(self, what: str, household: str, edge: str) -> None:
        """An order opened to be grabbed or dispatched that nobody accepts, at its deadline
        (or 1 µs before) and ``time_out_due``."""
        untaken(self, what, household, edge)


TestTimeBankOrdersMachine = TimeBankOrdersMachine.TestCase
TestTimeBankOrdersMachine.settings = settings(max_examples=budget(10), stateful_step_count=30,
                                              deadline=None)
