"""What the workflow commands must get right, found by mutation testing (issue 16): each test
here kills mutants of :mod:`pointsledger.workflows` that the rest of the suite let live
(README, "Mutation testing"): idempotent replays of every opening command and time-bank
movement, bad arguments refused by name, and the rulebook version each event records."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from pointsledger import (
    TIMEBANK,
    Actor,
    AlreadyReversed,
    EvidenceRequired,
    IdempotencyConflict,
    InsufficientMinutes,
    LimitReached,
    NotEligible,
    NotFound,
    PermissionDenied,
    StateError,
    UnknownAccount,
    UnknownEntry,
    ValidationError,
)
from pointsledger.base.checks import MAX_MINUTES, MAX_QUANTITY, MAX_TEXT, MAX_VALUE
from pointsledger.base.clock import from_us
from pointsledger.core.events import Awarded, Event, Reversed, Stepped, TimeMoved
from pointsledger.testing._model_village import MODEL_MATTERS
from tests.helpers import (
    COMMITTEE,
    COMMITTEE2,
    GRID,
    GRID2,
    NEIGHBOUR,
    VOLUNTEER,
    WISHER,
    Village,
    make_village,
    make_workflow_village,
    workflow_rulebook,
)
from tests.test_ledger import refused, snapshot
from tests.test_workflows import _claimed_wish, _deposit

VERSION = "2026"  # the version of workflow_rulebook


def _village() -> Village:
    """The workflow village with the model's matter lists; M002 holds 240 minutes."""
    village = make_workflow_village(matters=MODEL_MATTERS)
    _deposit(village.ledger, "M002", 240, "d")
    return village


Request = tuple[Callable[..., Event], dict[str, Any], list[dict[str, Any]]]


def _request(village: Village, name: str) -> Request:
    """A workflow command, a valid request for it, and requests that differ in one field."""
    led = village.ledger
    now = village.clock()
    earlier = now.subtract(hours=1)
    requests: dict[str, Request] = {
        "submit_claim": (
            led.submit_claim,
            {"account": "H002", "item": "HON-01", "occurred_at": now, "evidence": ["photo-1"]},
            [{"account": "H003"}, {"item": "SVC-01"}, {"quantity": 2},
             {"evidence": ["photo-2"]}, {"occurred_at": earlier}]),
        "submit_wish": (
            led.submit_wish,
            {"wisher": "M002", "title": "陪老人聊天", "description": "每周一次", "value": 50},
            [{"wisher": "M004"}, {"title": "修自行车"}, {"description": "每周两次"},
             {"value": 60}]),
        "place_order": (
            led.place_order, {"account": "H002", "service": "REPAIR", "note": "冰箱不制冷"},
            [{"account": "H003"}, {"service": "CARE"}, {"note": "洗衣机"}]),
        "submit_time": (
            led.submit_time,
            {"member": "M003", "minutes": 90, "service": "助老", "occurred_at": now},
            [{"member": "M002"}, {"minutes": 60}, {"service": "助残"},
             {"occurred_at": earlier}]),
        "spend_time": (led.spend_time, {"member": "M002", "minutes": 20, "service": "理发"},
                       [{"member": "M004"}, {"minutes": 30}, {"service": "修脚"}]),
        "donate_time": (led.donate_time, {"member": "M002", "to": "M004", "minutes": 30},
                        [{"member": "M004"}, {"to": "M001"}, {"minutes": 40}]),
        "convert_time": (led.convert_time, {"member": "M002", "minutes": 120},
                         [{"member": "M004"}, {"minutes": 60}]),
        "open_matter": (
            led.open_matter,
            {"matter": "BM-01", "request": "申请低保", "account": "H002", "evidence": ["申请表"]},
            [{"matter": "XZ-01"}, {"request": "申请医保"}, {"account": "H003"},
             {"evidence": ["身份证"]}]),
    }
    return requests[name]


def _actor(name: str) -> Actor:
    """Who makes the request: the committee converts minutes, a grid worker the rest."""
    return COMMITTEE if name == "convert_time" else GRID


COMMANDS = ["submit_claim", "submit_wish", "place_order", "submit_time", "spend_time",
            "donate_time", "convert_time", "open_matter"]


@pytest.mark.parametrize("name", COMMANDS)
def test_a_repeated_workflow_request_returns_its_first_event_and_another_is_refused(
        name: str) -> None:
    """Invariant 7 for every opening command and time-bank movement: the same key and
    request returns the first event and writes nothing; the same key with any one field
    changed is an IdempotencyConflict and writes nothing. The event records the rulebook
    version in force."""
    village = _village()
    call, request, changes = _request(village, name)
    by = _actor(name)
    first = call(**request, by=by, key="same")
    assert first.version == VERSION
    before = snapshot(village.ledger)
    village.clock.advance(minutes=5)  # a replay later still answers with the first event
    assert call(**request, by=by, key="same") == first
    assert snapshot(village.ledger) == before
    for change in changes:
        again = functools.partial(call, **{**request, **change}, by=by, key="same")
        refused(village.ledger, IdempotencyConflict, again)


BAD_ARGUMENTS: list[tuple[str, dict[str, Any], str]] = [
    ("submit_claim", {"account": "no such id!"}, "account"),
    ("submit_claim", {"item": "no such id!"}, "item"),
    ("submit_claim", {"quantity": 0}, "quantity"),
    ("submit_claim", {"quantity": MAX_QUANTITY + 1}, "quantity"),
    ("submit_claim", {"evidence": "photo-1"}, "evidence"),
    ("submit_wish", {"wisher": "no such id!"}, "wisher"),
    ("submit_wish", {"title": ""}, "title"),
    ("submit_wish", {"title": "陪老人\n聊天"}, "title"),
    ("submit_wish", {"description": "x" * (MAX_TEXT + 1)}, "description"),
    ("submit_wish", {"value": -1}, "value"),
    ("submit_wish", {"value": MAX_VALUE + 1}, "value"),
    ("place_order", {"account": "no such id!"}, "account"),
    ("place_order", {"service": "no such id!"}, "service"),
    ("place_order", {"note": "x" * (MAX_TEXT + 1)}, "note"),
    ("submit_time", {"member": "no such id!"}, "member"),
    ("submit_time", {"minutes": 0}, "minutes"),
    ("submit_time", {"minutes": MAX_MINUTES + 1}, "minutes"),
    ("submit_time", {"service": ""}, "service"),
    ("spend_time", {"member": "no such id!"}, "member"),
    ("spend_time", {"minutes": 0}, "minutes"),
    ("spend_time", {"minutes": MAX_MINUTES + 1}, "minutes"),
    ("spend_time", {"service": ""}, "service"),
    ("donate_time", {"to": "no such id!"}, "to"),
    ("donate_time", {"minutes": -5}, "minutes"),
    ("convert_time", {"member": "no such id!"}, "member"),
    ("convert_time", {"minutes": 0}, "minutes"),
    ("open_matter", {"matter": "no such id!"}, "matter"),
    ("open_matter", {"request": ""}, "request"),
    ("open_matter", {"account": "no such id!"}, "account"),
    ("open_matter", {"evidence": "申请表"}, "evidence"),
]


@pytest.mark.parametrize(("name", "bad", "field"), BAD_ARGUMENTS,
                         ids=[f"{n}-{f}-{i}" for i, (n, _b, f) in enumerate(BAD_ARGUMENTS)])
def test_a_bad_workflow_argument_is_refused_naming_it(name: str, bad: dict[str, Any],
                                                      field: str) -> None:
    """Out of range, of the wrong type, blank where required, too long, or a line feed in
    one-line text: a ValidationError naming the argument, and nothing written."""
    village = _village()
    call, request, _changes = _request(village, name)
    exc = refused(village.ledger, ValidationError,
                  lambda: call(**{**request, **bad}, by=_actor(name), key="bad"))
    assert exc.fields["field"] == field


@pytest.mark.parametrize(("name", "edge", "recorded"), [
    ("submit_wish", {"value": 0}, {"value": 0}),
    ("submit_wish", {"value": MAX_VALUE}, {"value": MAX_VALUE}),
    ("submit_wish", {"description": "第一行\n第二行"}, {"description": "第一行\n第二行"}),
    ("place_order", {"note": "上午\n下午都行"}, {"note": "上午\n下午都行"}),
    ("submit_time", {"minutes": 1}, {"minutes": 1}),
    ("spend_time", {"minutes": 1}, {}),
    ("open_matter", {"request": "申请低保\n家庭困难"}, {"request": "申请低保\n家庭困难"}),
])
def test_the_edges_of_each_workflow_argument_are_accepted(
        name: str, edge: dict[str, Any], recorded: dict[str, Any]) -> None:
    """The smallest and largest values allowed, and line feeds in free text, are accepted
    and recorded as given (an opening step keeps its arguments in ``args``)."""
    village = _village()
    call, request, _changes = _request(village, name)
    event = call(**{**request, **edge}, by=_actor(name), key="edge")
    args = dict(getattr(event, "args", ()))
    for field, value in recorded.items():
        assert args[field] == value
    if name == "spend_time":
        assert isinstance(event, TimeMoved) and event.minutes == 1


# -- the time bank ----------------------------------------------------------------------------


def test_a_member_who_never_held_minutes_can_spend_none() -> None:
    """A member with no time-bank movements holds 0 minutes: spending even one is refused,
    naming the member, what they hold and what was asked."""
    village = _village()
    exc = refused(village.ledger, InsufficientMinutes, lambda: village.ledger.spend_time(
        "M004", 1, service="理发", by=GRID, key="s"))
    assert exc.fields == {"account": "M004", "held": 0, "requested": 1}


def test_minutes_convert_to_whole_units_of_the_item_at_or_above_the_threshold() -> None:
    """Conversion: a ``convert`` movement of whole units, then the item awarded once per unit
    (a whole number, without evidence); below the threshold (a member who never held
    minutes holds 0) or not a whole number of units, refused naming the numbers."""
    village = _village()
    led = village.ledger
    member = Actor("M002", roles={"resident"})
    exc = refused(led, ValidationError, lambda: led.convert_time("M002", 90, by=member,
                                                                 key="c"))
    assert exc.fields == {"minutes": 90, "unit": 60}
    _deposit(led, "M004", 100, "d4")
    exc2 = refused(led, NotEligible, lambda: led.convert_time("M004", 60, by=COMMITTEE,
                                                              key="c"))
    assert exc2.fields == {"reason": "threshold", "held": 100, "threshold": 120}
    moved = led.convert_time("M002", 120, by=member, key="c")
    assert (moved.source, moved.destination, moved.minutes, moved.purpose) == (
        "M002", TIMEBANK, 120, "convert")
    award = led.event(moved.seq + 1)
    assert isinstance(award, Awarded)
    assert (award.account, award.item, award.quantity, award.evidence) == (
        "M002", "TB-01", 2, ())
    assert type(award.quantity) is int


def test_without_a_conversion_item_minutes_never_become_points() -> None:
    """A rulebook without a time-bank item refuses every conversion (reason no_conversion)."""
    village = make_village("memory")
    _deposit(village.ledger, "M002", 240, "d")
    exc = refused(village.ledger, NotEligible, lambda: village.ledger.convert_time(
        "M002", 120, by=COMMITTEE, key="c"))
    assert exc.fields == {"reason": "no_conversion"}


def test_minutes_are_donated_only_to_another_member_of_the_household_within_the_cap() -> None:
    """Not to oneself, not outside the household (ValidationError naming ``to``), and never
    past the receiver's storage cap (LimitReached naming the receiver); a donation is a
    ``donate`` movement."""
    village = _village()
    led = village.ledger
    for to in ("M002", "M003"):
        exc = refused(led, ValidationError, functools.partial(
            led.donate_time, "M002", to, 10, by=GRID, key="g"))
        assert exc.fields == {"to": to}
    _deposit(led, "M004", 5900, "d4")
    exc2 = refused(led, LimitReached, lambda: led.donate_time("M002", "M004", 101, by=GRID,
                                                              key="g"))
    assert exc2.fields == {"account": "M004", "held": 5900, "cap": 6000, "requested": 101}
    moved = led.donate_time("M002", "M004", 100, by=GRID, key="g")
    assert (moved.source, moved.destination, moved.minutes, moved.purpose) == (
        "M002", "M004", 100, "donate")
    assert led.minutes("M004") == 6000


# -- step arguments and orders -----------------------------------------------------------------


def _dispatched_order(village: Village) -> str:
    """An order of 老人陪护 for H002, dispatched to M003."""
    led = village.ledger
    order = led.place_order("H002", "CARE", by=WISHER, key="o")
    led.step(order, "dispatch", volunteer="M003", by=GRID, key="o/dispatch")
    return order.id


def _accepted_order(village: Village) -> str:
    order = _dispatched_order(village)
    village.ledger.step(order, "accept", by=VOLUNTEER, key="o/accept")
    return order


def test_finish_minutes_count_from_the_start_not_from_the_order() -> None:
    """The minutes given at ``finish`` are whole minutes since ``start`` (not since the
    order was placed or accepted): more is refused naming the minutes, the most and the
    start; at least one minute, at most MAX_MINUTES, and a whole number."""
    village = _village()
    led = village.ledger
    order = _accepted_order(village)
    village.clock.advance(hours=2)
    led.step(order, "start", by=VOLUNTEER, key="s")
    started = village.clock()
    village.clock.advance(minutes=30)
    exc = refused(led, ValidationError, lambda: led.step(order, "finish", minutes=31,
                                                         by=VOLUNTEER, key="f"))
    assert exc.fields == {"field": "minutes", "value": 31, "most": 30,
                          "started": started.isoformat()}
    for bad in (0, MAX_MINUTES + 1, "30"):
        exc2 = refused(led, ValidationError, functools.partial(
            led.step, order, "finish", minutes=bad, by=VOLUNTEER, key="f"))
        assert exc2.fields["field"] == "minutes"
    finished = led.step(order, "finish", minutes=1, by=VOLUNTEER, key="f")
    assert dict(finished.args) == {"minutes": 1}


def test_optional_step_text_may_span_lines_and_is_named_when_bad() -> None:
    """An optional free-text argument (a decline's reason) takes line feeds as given; a value
    that is not text is refused naming the argument."""
    village = _village()
    led = village.ledger
    order = _dispatched_order(village)
    exc = refused(led, ValidationError, lambda: led.step(order, "decline", reason=7,
                                                         by=VOLUNTEER, key="x"))
    assert exc.fields["field"] == "reason"
    declined = led.step(order, "decline", reason="今天\n有事", by=VOLUNTEER, key="x")
    assert dict(declined.args) == {"reason": "今天\n有事"}


def test_a_team_lists_distinct_members() -> None:
    village = _village()
    led = village.ledger
    order = led.place_order("H002", "CARE", by=WISHER, key="o")
    for team in (["M003", "M003"], []):
        exc = refused(led, ValidationError, functools.partial(
            led.step, order, "dispatch", team=team, by=GRID, key="o/dispatch"))
        assert exc.fields["field"] == "team"
        assert "must list distinct members" in exc.message


def test_a_timed_out_order_forgets_its_volunteer_and_records_who_it_was() -> None:
    """An order not accepted in time goes back to dispatch with no assignee (the volunteer
    may no longer accept it), and its details name the volunteer it timed out on."""
    village = _village()
    led = village.ledger
    order = _dispatched_order(village)
    village.clock.set(from_us(led.case(order).due_us))
    (timed_out,) = led.time_out_due()
    assert isinstance(timed_out, Stepped) and dict(timed_out.facts)["timed_out"] == "M003"
    case = led.case(order)
    assert (case.state, case.assignee, case.detail("timed_out")) == ("placed", "", "M003")
    refused(led, StateError, lambda: led.step(order, "accept", by=VOLUNTEER, key="late"))


def test_a_wish_is_confirmed_by_neither_its_claimer_nor_their_household_and_rated_1_to_5(
) -> None:
    """Confirming pays the claimer, so neither the claimer (refused naming them and the
    wish) nor an official of their household (naming the household too) may confirm; the
    rating is a whole number from 1 to 5; the confirmation points at the award it posts."""
    village = _village()
    led = village.ledger
    led.register_member("M005", household="H003", name="李小光", roles={"resident"},
                        by=COMMITTEE)
    wish = _claimed_wish(village)
    led.step(wish, "fulfil", evidence=["photo-3"], by=VOLUNTEER, key="f")
    claimer = Actor("M003", roles={"grid_worker"})
    exc = refused(led, PermissionDenied, lambda: led.step(wish, "confirm", rating=5,
                                                          by=claimer, key="c"))
    assert exc.fields == {"actor": "M003", "case": wish}
    kin = Actor("M005", roles={"grid_worker"})  # of H003, like the claimer
    exc2 = refused(led, PermissionDenied, lambda: led.step(wish, "confirm", rating=5, by=kin,
                                                           key="c"))
    assert exc2.fields == {"actor": "M005", "case": wish, "household": "H003"}
    for bad in (0, 6, "5"):
        exc3 = refused(led, ValidationError, functools.partial(
            led.step, wish, "confirm", rating=bad, by=WISHER, key="c"))
        assert exc3.fields["field"] == "rating"
    confirmed = led.step(wish, "confirm", rating=1, by=WISHER, key="c")
    assert dict(confirmed.args)["rating"] == 1
    award = led.event(led.case(wish).posting)
    assert isinstance(award, Awarded) and award.seq == confirmed.seq + 1
    assert (award.account, award.item, award.evidence) == ("M003", "WISH-01", ())


def test_a_five_star_rating_is_the_top_of_the_scale() -> None:
    village = _village()
    led = village.ledger
    wish = _claimed_wish(village)
    led.step(wish, "fulfil", evidence=["photo-3"], by=VOLUNTEER, key="f")
    assert dict(led.step(wish, "confirm", rating=5, by=WISHER, key="c").args)["rating"] == 5


def test_a_deposit_is_approved_by_neither_its_submitter_nor_past_the_cap() -> None:
    """Whoever submitted a deposit may not approve it; the second approval checks the
    storage cap again (minutes may have arrived since the submission) and points the case
    at the ``time_moved`` event it writes."""
    village = _village()
    led = village.ledger
    _deposit(led, "M004", 5900, "d4")
    case = led.submit_time("M004", 100, service="助老", occurred_at=village.clock(), by=GRID,
                           key="late")
    refused(led, PermissionDenied, lambda: led.step(case, "approve", by=GRID, key="a0"))
    led.step(case, "approve", by=GRID2, key="a1")
    led.donate_time("M002", "M004", 1, by=GRID, key="g")
    exc = refused(led, LimitReached, lambda: led.step(case, "approve", by=COMMITTEE,
                                                      key="a2"))
    assert exc.fields == {"account": "M004", "held": 5901, "cap": 6000, "requested": 100}
    other = led.submit_time("M003", 30, service="助老", occurred_at=village.clock(),
                            by=VOLUNTEER, key="m3")
    led.step(other, "approve", by=GRID, key="m3/1")
    approved = led.step(other, "approve", by=COMMITTEE, key="m3/2")
    moved = led.event(led.case(other).posting)
    assert isinstance(moved, TimeMoved) and moved.seq == approved.seq + 1
    assert (moved.source, moved.destination, moved.minutes, moved.purpose) == (
        TIMEBANK, "M003", 30, "deposit")


@pytest.mark.parametrize("back", ["lapse", "release", "revoke"])
def test_a_wish_off_the_wall_records_when_it_last_went_back_on(back: str) -> None:
    """A claim that lapses (naming the claimer it lapsed on) or is released puts the wish
    back on the wall; if nobody claims it then, it lapses off the wall recording the instant
    it last went back on (``listed_us``), not when it was first listed or claimed."""
    village = _village()
    led = village.ledger
    wish = _claimed_wish(village)
    village.clock.advance(days=3)
    if back == "lapse":
        village.clock.set(from_us(led.case(wish).due_us))
        (event,) = led.lapse_due()
        assert led.case(wish).detail("lapsed") == "M003"
    elif back == "release":
        event = led.step(wish, "release", by=VOLUNTEER, key="w/release")
    else:
        event = led.step(wish, "revoke", reason="长期未完成", by=GRID, key="w/revoke")
    assert led.case(wish).state == "listed"
    village.clock.set(from_us(led.case(wish).due_us))
    (off,) = led.lapse_due()
    assert isinstance(off, Stepped)
    assert dict(off.facts)["listed_us"] == event.recorded_us
    assert led.case(wish).state == "lapsed"


def test_orders_go_only_to_open_registered_volunteers_of_another_household() -> None:
    """Dispatch names a volunteer by id (a bad id is refused naming ``volunteer``); one who
    is not registered, lacks a volunteer role, or is of the ordering household is refused
    naming them; a decline clears the assignee, so the decliner may not start the order."""
    village = _village()
    led = village.ledger
    led.register_member("M006", household="H004", name="周六", roles={"resident"},
                        by=COMMITTEE)
    led.register_member("M007", household="H002", name="欧阳志", roles={"volunteer"},
                        by=COMMITTEE)
    order = led.place_order("H002", "CARE", by=WISHER, key="o")
    exc = refused(led, ValidationError, lambda: led.step(order, "dispatch", volunteer="bad id!",
                                                         by=GRID, key="o/dispatch"))
    assert exc.fields["field"] == "volunteer"
    for volunteer in ("M999", "M006", "M007"):  # unknown, no role, the ordering household
        exc2 = refused(led, PermissionDenied, functools.partial(
            led.step, order, "dispatch", volunteer=volunteer, by=GRID, key="o/dispatch"))
        assert exc2.fields == {"volunteer": volunteer}
    led.step(order, "dispatch", volunteer="M003", by=GRID, key="o/dispatch")
    declined = led.step(order, "decline", by=VOLUNTEER, key="o/decline")
    assert dict(declined.facts)["assignee"] == ""
    assert (led.case(order).state, led.case(order).assignee) == ("placed", "")


def test_a_team_member_may_decline_and_staff_never_dispatch_their_own_households_order(
) -> None:
    """Dispatch takes one volunteer or one team (both or neither is refused naming
    ``volunteer``); staff of the ordering household may not dispatch its order; any member
    of a team may decline it (back to dispatch, nobody assigned)."""
    village = _village()
    led = village.ledger
    led.register_member("M005", household="H004", name="王五", roles={"volunteer"},
                        by=COMMITTEE)
    order = led.place_order("H002", "REPAIR", by=WISHER, key="o")
    for both_or_neither in ({}, {"volunteer": "M003", "team": ["M005"]}):
        exc = refused(led, ValidationError, functools.partial(
            led.step, order, "dispatch", by=GRID, key="o/dispatch", **both_or_neither))
        assert exc.fields == {"field": "volunteer"}
    own = Actor("M004", roles={"grid_worker"})  # of H002, the ordering household
    exc2 = refused(led, PermissionDenied, lambda: led.step(order, "dispatch", volunteer="M003",
                                                           by=own, key="o/dispatch"))
    assert exc2.fields["household"] == "H002"
    led.step(order, "dispatch", team=["M003", "M005"], by=GRID, key="o/dispatch")
    assert (led.case(order).assignee, led.case(order).detail("team")) == ("", ("M003", "M005"))
    led.step(order, "decline", by=Actor("M005", roles={"volunteer"}), key="o/decline")
    assert (led.case(order).state, led.case(order).assignee) == ("placed", "")


@pytest.mark.parametrize(("service", "minutes", "quantity"), [
    ("REPAIR", 150, 1), ("CARE", 30, 1), ("CARE", 60, 1), ("CARE", 61, 2)])
def test_a_rated_order_pays_once_per_order_or_per_started_hour(
        service: str, minutes: int, quantity: int) -> None:
    """A service paid per order earns its item once however long it took; one paid per hour
    earns it once per started hour, at least once."""
    village = _village()
    led = village.ledger
    order = led.place_order("H002", service, by=WISHER, key="o")
    led.step(order, "dispatch", volunteer="M003", by=GRID, key="o/dispatch")
    led.step(order, "accept", by=VOLUNTEER, key="o/accept")
    led.step(order, "start", by=VOLUNTEER, key="o/start")
    village.clock.advance(minutes=minutes + 1)
    led.step(order, "finish", minutes=minutes, by=VOLUNTEER, key="o/finish")
    led.step(order, "rate", rating=4, by=WISHER, key="o/rate")
    award = led.event(led.case(order).posting)
    assert isinstance(award, Awarded)
    assert (award.account, award.quantity) == ("M003", quantity)


def test_opening_steps_record_their_arguments_by_name() -> None:
    """An order and a deposit keep their request as named arguments on the opening event;
    a direct time-bank movement belongs to no case (0) and says what it was for."""
    village = _village()
    led = village.ledger
    order = led.place_order("H002", "REPAIR", note="冰箱", by=WISHER, key="o")
    assert dict(order.args) == {"account": "H002", "note": "冰箱", "service": "REPAIR"}
    at = village.clock()
    deposit = led.submit_time("M003", 30, service="助老", occurred_at=at, by=VOLUNTEER, key="t")
    assert dict(deposit.args) == {"member": "M003", "minutes": 30,
                                  "occurred_us": deposit.occurred_us, "service": "助老"}
    spent = led.spend_time("M002", 10, service="理发", by=GRID, key="s")
    assert (spent.case, spent.purpose, spent.note) == (0, "spend", "理发")


def test_residents_open_orders_and_deposits_only_for_their_own_household() -> None:
    """A resident orders for their own household, not another's; time is recorded by the
    volunteer themselves, never by another of their household; an unknown service or a
    time-bank account that is not a member is refused naming it."""
    village = _village()
    led = village.ledger
    refused(led, PermissionDenied, lambda: led.place_order("H003", "REPAIR", by=WISHER,
                                                           key="o"))
    exc = refused(led, NotFound, lambda: led.place_order("H002", "NOPE", by=WISHER, key="o"))
    assert exc.fields == {"service": "NOPE"}
    kin = Actor("M004", roles={"volunteer"})  # of H002, like M002
    refused(led, PermissionDenied, lambda: led.submit_time(
        "M002", 30, service="助老", occurred_at=village.clock(), by=kin, key="t"))
    own = Actor("M002", roles={"volunteer"})
    assert led.submit_time("M002", 30, service="助老", occurred_at=village.clock(), by=own,
                           key="t").actor == "M002"
    exc2 = refused(led, UnknownAccount, lambda: led.spend_time("H002", 10, service="理发",
                                                               by=GRID, key="s"))
    assert exc2.fields == {"account": "H002"}


# -- micro-wishes ------------------------------------------------------------------------------


def test_a_wish_is_submitted_for_a_registered_member_with_its_request_recorded() -> None:
    """The opening event keeps the request by name (a missing description is empty); an
    unknown wisher is refused naming the account; a resident submits only for their own
    household."""
    village = _village()
    led = village.ledger
    wish = led.submit_wish("M002", "陪老人聊天", by=WISHER, key="w")
    assert dict(wish.args) == {"description": "", "title": "陪老人聊天", "value": None,
                               "wisher": "M002"}
    exc = refused(led, UnknownAccount, lambda: led.submit_wish("M999", "修自行车", by=GRID,
                                                               key="w2"))
    assert exc.fields == {"account": "M999"}
    other = Actor("M003", roles={"resident"})  # of H003, not the wisher's household
    exc2 = refused(led, PermissionDenied, lambda: led.submit_wish("M002", "修自行车", by=other,
                                                                  key="w2"))
    assert exc2.fields["household"] == "H002"


def test_a_wish_is_listed_and_rejected_by_neither_its_submitter_nor_its_household() -> None:
    """Screening is independent: the grid worker who collected a wish may neither list nor
    reject it (naming them and the wish), nor may staff of the wisher's household."""
    village = _village()
    led = village.ledger
    led.register_member("M005", household="H002", name="欧阳刚", roles={"grid_worker"},
                        by=COMMITTEE)
    wish = led.submit_wish("M002", "陪老人聊天", by=GRID, key="w").id
    for step, args in (("list", {"category": "服务"}), ("reject", {"reason": "不符合"})):
        exc = refused(led, PermissionDenied, functools.partial(
            led.step, wish, step, by=GRID, key=f"w/{step}", **args))
        assert exc.fields == {"actor": "g-07", "case": wish}
        kin = Actor("M005", roles={"grid_worker"})
        exc2 = refused(led, PermissionDenied, functools.partial(
            led.step, wish, step, by=kin, key=f"w/{step}", **args))
        assert exc2.fields["household"] == "H002"
    assert led.step(wish, "list", category="服务", by=GRID2, key="w/list").state == "listed"


def test_a_wish_is_listed_in_a_known_category_up_to_its_value_cap() -> None:
    """Listing names a category of the rulebook (an unknown one is refused naming it and the
    categories there are); a wish worth more than the category's cap is refused naming the
    value and the cap, one worth exactly the cap is listed and records the cap."""
    village = _village()
    led = village.ledger
    wish = led.submit_wish("M002", "轮椅", value=201, by=WISHER, key="w").id
    exc = refused(led, ValidationError, lambda: led.step(wish, "list", category="食品",
                                                         by=GRID, key="w/list"))
    assert exc.fields == {"field": "category", "value": "食品"}
    assert "物品" in exc.message and "服务" in exc.message
    exc2 = refused(led, ValidationError, lambda: led.step(wish, "list", category="物品",
                                                          by=GRID, key="w/list"))
    assert exc2.fields == {"value": 201, "cap": 200}
    at_cap = led.submit_wish("M002", "轮椅", value=200, by=WISHER, key="w2").id
    listed = led.step(at_cap, "list", category="物品", by=GRID, key="w2/list")
    assert dict(listed.facts)["max_value"] == 200
    assert led.case(at_cap).state == "listed"


def test_only_the_claimer_releases_or_fulfils_a_wish_and_a_release_or_revoke_frees_it(
) -> None:
    """Nobody of the wisher's household may claim the wish (naming them and the wish); only
    the claimer may release or fulfil it (anyone else is refused naming them); fulfilling
    without evidence is refused naming the wish; a release or a revocation leaves the wish
    back on the wall with no assignee."""
    village = _village()
    led = village.ledger
    led.register_member("M006", household="H002", name="欧阳勇", roles={"volunteer"},
                        by=COMMITTEE)
    led.register_member("M007", household="H004", name="周七", roles={"volunteer"},
                        by=COMMITTEE)
    wish = led.submit_wish("M002", "陪老人聊天", by=WISHER, key="w").id
    led.step(wish, "list", category="服务", by=GRID, key="w/list")
    exc = refused(led, PermissionDenied, lambda: led.step(
        wish, "claim", by=Actor("M006", roles={"volunteer"}), key="w/claim"))
    assert exc.fields == {"actor": "M006", "case": wish}
    led.step(wish, "claim", by=VOLUNTEER, key="w/claim")
    other = Actor("M007", roles={"volunteer"})
    for step, args in (("release", {}), ("fulfil", {"evidence": ["photo-1"]})):
        exc2 = refused(led, PermissionDenied, functools.partial(
            led.step, wish, step, by=other, key=f"w/{step}", **args))
        assert exc2.fields == {"actor": "M007", "case": wish}
    exc3 = refused(led, EvidenceRequired, lambda: led.step(wish, "fulfil", evidence=[],
                                                          by=VOLUNTEER, key="w/fulfil"))
    assert exc3.fields == {"case": wish}
    backs: list[tuple[str, Actor, dict[str, Any]]] = [
        ("release", VOLUNTEER, {}), ("revoke", GRID, {"reason": "长期未完成"})]
    for back, by, back_args in backs:
        event = led.step(wish, back, by=by, key=f"w/{back}", **back_args)
        assert dict(event.facts)["assignee"] == ""
        assert (led.case(wish).state, led.case(wish).assignee) == ("listed", "")
        led.step(wish, "claim", by=VOLUNTEER, key=f"w/claim/{back}")


def test_a_wish_is_withdrawn_and_taken_down_only_by_whom_its_household_allows() -> None:
    """The wisher's own household withdraws or confirms its wish (a resident of another
    household may not, naming the household); staff never take down or revoke a wish of
    their own household."""
    village = _village()
    led = village.ledger
    led.register_member("M005", household="H002", name="欧阳刚", roles={"grid_worker"},
                        by=COMMITTEE)
    kin = Actor("M005", roles={"grid_worker"})
    stranger = Actor("M003", roles={"resident"})
    wish = _claimed_wish(village)
    exc = refused(led, PermissionDenied, lambda: led.step(wish, "revoke", reason="无", by=kin,
                                                          key="w/revoke"))
    assert exc.fields["household"] == "H002"
    led.step(wish, "fulfil", evidence=["photo-3"], by=VOLUNTEER, key="f")
    stranger_m7 = Actor("M001", roles={"resident"})  # of H001
    exc2 = refused(led, PermissionDenied, lambda: led.step(wish, "confirm", rating=5,
                                                           by=stranger_m7, key="c"))
    assert exc2.fields["household"] == "H002"
    other = led.submit_wish("M002", "修自行车", by=WISHER, key="w2").id
    exc3 = refused(led, PermissionDenied, lambda: led.step(other, "withdraw", by=stranger,
                                                           key="w2/withdraw"))
    assert exc3.fields["household"] == "H002"
    led.step(other, "list", category="服务", by=GRID, key="w2/list")
    exc4 = refused(led, PermissionDenied, lambda: led.step(other, "take_down", reason="重复",
                                                           by=kin, key="w2/down"))
    assert exc4.fields["household"] == "H002"
    assert led.step(other, "withdraw", by=WISHER, key="w2/withdraw").state == "withdrawn"


# -- claims ------------------------------------------------------------------------------------


def _claim_in_notice(village: Village, item: str = "HON-01", key: str = "c",
                     **request: Any) -> str:
    """A claim for H002 through check and approval, in notice."""
    led = village.ledger
    claim = led.submit_claim("H002", item, by=GRID, key=f"{key}/submit",
                             occurred_at=village.clock(), **request)
    led.step(claim, "check", by=GRID2, key=f"{key}/check")
    led.step(claim, "approve", by=COMMITTEE, key=f"{key}/approve")
    return claim.id


def test_a_posted_claim_carries_the_quantity_and_evidence_it_was_submitted_with() -> None:
    """The claim records its request by name and its points (item points x quantity); when
    the notice ends the system posts exactly that: the quantity, the evidence, the points
    and no memo."""
    village = _village()
    led = village.ledger
    at = village.clock()
    claim = led.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=at, quantity=3,
                             evidence=["photo-1", "photo-2"])
    assert dict(claim.args) == {"account": "H002", "evidence": ("photo-1", "photo-2"),
                                "item": "HON-01", "occurred_us": claim.occurred_us,
                                "quantity": 3}
    assert led.case(claim.id).points == 15
    led.step(claim, "check", by=GRID2, key="c/check")
    led.step(claim, "approve", by=COMMITTEE, key="c/approve")
    assert led.balance("H002").pending == 15
    village.clock.advance(days=9)
    _step, award = led.post_due()
    assert isinstance(award, Awarded)
    assert (award.account, award.item, award.quantity, award.points, award.evidence,
            award.memo, award.occurred_us) == ("H002", "HON-01", 3, 15,
                                               ("photo-1", "photo-2"), "", claim.occurred_us)
    assert led.balance("H002").posted == 15


def test_a_one_point_claim_is_an_award_not_a_deduction() -> None:
    """A claim of a 1-point item is accepted when deductions stay out of claims, and posts
    as an award of 1."""
    village = _village()
    claim = _claim_in_notice(village, "TB-01")
    village.clock.advance(days=9)
    _step, award = village.ledger.post_due()
    assert isinstance(award, Awarded) and award.points == 1
    assert village.ledger.balance("H002").posted == 1 and claim


def test_refused_claims_name_the_item() -> None:
    """A deduction item when deductions stay out of claims, or an item needing evidence
    submitted without, is refused naming the item."""
    village = _village()
    led = village.ledger
    exc = refused(led, ValidationError, lambda: led.submit_claim(
        "H002", "COV-03", by=GRID, key="c", occurred_at=village.clock()))
    assert exc.fields == {"item": "COV-03"}
    village2 = make_workflow_village(deductions=True)
    exc2 = refused(village2.ledger, EvidenceRequired, lambda: village2.ledger.submit_claim(
        "H002", "COV-09", by=GRID, key="c", occurred_at=village2.clock()))
    assert exc2.fields == {"item": "COV-09"}


def test_a_claim_in_a_campaign_earns_the_campaign_points() -> None:
    """A claim for conduct on a day of a campaign covering its item counts the campaign's
    points (points x multiplier + bonus, per unit) in notice and when posted; outside the
    campaign's days it counts the item's points."""
    import attrs

    from pointsledger import Campaign

    day = village_day = make_workflow_village().clock().date()
    rules = attrs.evolve(workflow_rulebook(), campaigns=[Campaign(
        "HON-MONTH", "文明家庭月", start=day, end=day, items=["HON-01"], multiplier=2,
        bonus=1)])
    village = make_village("memory", rules=rules)
    led = village.ledger
    for member, household in (("M003", "H003"), ("M004", "H002")):
        led.register_member(member, household=household, name=member, roles={"resident"},
                            by=COMMITTEE)
    claim = led.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock(),
                             quantity=2)
    assert led.case(claim.id).points == 22  # (5 x 2 + 1) x 2
    before = led.submit_claim("H002", "HON-01", by=GRID, key="c0", quantity=2,
                              occurred_at=village.clock().subtract(days=1))
    assert led.case(before.id).points == 10
    led.step(claim, "check", by=GRID2, key="c/check")
    led.step(claim, "approve", by=COMMITTEE, key="c/approve")
    village.clock.advance(days=9)
    _step, award = led.post_due()
    assert isinstance(award, Awarded) and (award.quantity, award.points) == (2, 22)
    assert village_day == day


def test_a_claim_is_withdrawn_only_by_whoever_submitted_it() -> None:
    """Withdrawing is for the submitter (anyone else is refused naming them and the claim),
    and a resident of another household may not withdraw a household's claim."""
    village = _village()
    led = village.ledger
    claim = led.submit_claim("H002", "HON-01", by=WISHER, key="c", occurred_at=village.clock())
    kin = Actor("M004", roles={"resident"})  # of H002, but not the submitter
    exc = refused(led, PermissionDenied, lambda: led.step(claim, "withdraw", by=kin, key="w"))
    assert exc.fields == {"actor": "M004", "case": claim.id}
    stranger = Actor("M003", roles={"resident"})
    exc2 = refused(led, PermissionDenied, lambda: led.step(claim, "withdraw", by=stranger,
                                                           key="w"))
    assert exc2.fields["household"] == "H002"
    assert led.step(claim, "withdraw", by=WISHER, key="w").state == "withdrawn"


def test_an_objection_is_dismissed_or_upheld_only_while_open() -> None:
    """Dismissing or upholding names an open objection of the claim: another is refused
    naming it and the open ones."""
    village = _village()
    led = village.ledger
    claim = _claim_in_notice(village)
    objection = led.step(claim, "object", reason="不属实", by=NEIGHBOUR, key="o")
    for step in ("dismiss", "uphold"):
        exc = refused(led, UnknownEntry, functools.partial(
            led.step, claim, step, objection=claim, reason="查无此异议", by=COMMITTEE2,
            key=f"x/{step}"))
        assert exc.fields == {"entry": led.event(claim).seq, "open": [objection.seq]}


def test_a_dismissed_appeal_restores_the_appeal_window_and_an_upheld_one_reverses_once(
) -> None:
    """An appeal records the end of the appeal window; dismissing it brings the window
    back (another appeal is possible until then, not after). An upheld appeal reverses the
    posting by the committee member who upheld it, with their reason; if the posting was
    already reversed it is refused naming the posting and its reversal."""
    village = _village()
    led = village.ledger
    claim = _claim_in_notice(village)
    village.clock.advance(days=9)
    led.post_due()
    window = led.case(claim).due_us
    appeal = led.step(claim, "appeal", reason="重复申报", by=NEIGHBOUR, key="ap")
    assert dict(appeal.facts)["appeal_until"] == window
    led.step(claim, "dismiss_appeal", reason="不重复", by=COMMITTEE2, key="dap")
    assert (led.case(claim).state, led.case(claim).due_us) == ("posted", window)
    village.clock.set(from_us(window - 1))
    led.step(claim, "appeal", reason="再次申诉", by=NEIGHBOUR, key="ap2")
    posting = led.event(led.case(claim).posting)
    upheld = led.step(claim, "uphold_appeal", reason="核实重复", by=COMMITTEE2, key="up",
                      memo="复核")
    reversal = led.event(upheld.seq + 1)
    assert isinstance(reversal, Reversed)
    assert (reversal.original, reversal.reason, reversal.actor, reversal.version,
            reversal.memo) == (posting.seq, "核实重复", "c-02", VERSION, "复核")
    again = _claim_in_notice(village, key="c2", quantity=2)
    village.clock.advance(days=9)
    led.post_due()
    posted = led.event(led.case(again).posting)
    done = led.reverse(posted.id, reason="误录", by=COMMITTEE, key="rev")
    led.step(again, "appeal", reason="重复申报", by=NEIGHBOUR, key="ap3")
    exc = refused(led, AlreadyReversed, lambda: led.step(
        again, "uphold_appeal", reason="核实重复", by=COMMITTEE2, key="up2"))
    assert exc.fields == {"entry": posted.id, "reversal": done.seq}


# -- steps -------------------------------------------------------------------------------------


def test_a_step_records_the_rulebook_version_and_bad_steps_are_named() -> None:
    """Every step event records the rulebook version in force; a step the due jobs take, a
    step the flow does not have, or one the case's state does not allow is refused naming
    the step (and the case)."""
    village = _village()
    led = village.ledger
    wish = led.submit_wish("M002", "陪老人聊天", by=WISHER, key="w").id
    listed = led.step(wish, "list", category="服务", by=GRID, key="w/list")
    assert listed.version == VERSION
    for step, error in (("lapse", ValidationError), ("fly", ValidationError)):
        exc = refused(led, error, functools.partial(led.step, wish, step, by=GRID,
                                                    key=f"w/{step}"))
        assert exc.fields == {"step": step}
    exc2 = refused(led, StateError, lambda: led.step(wish, "confirm", rating=5, by=WISHER,
                                                     key="w/confirm"))
    assert (exc2.fields["case"], exc2.fields["state"], exc2.fields["step"]) == (
        wish, "listed", "confirm")


# -- 清单制 matters ----------------------------------------------------------------------------


def test_a_matter_runs_its_steps_in_order_and_refusals_name_what_was_wrong() -> None:
    """Opening records the request by name and the first step with its deadline; a step
    not on the matter, out of order, by a role the step does not name, by someone of the
    household or by the asker, or without the evidence it needs, is refused naming it;
    recording a step moves the matter to the next one with a fresh deadline."""
    village = _village()
    led = village.ledger
    led.register_member("M005", household="H002", name="欧阳刚", roles={"grid_worker"},
                        by=COMMITTEE)
    opened = led.open_matter("BM-01", request="申请低保", account="H002", evidence=["申请表"],
                             by=GRID, key="m")
    matter = opened.id
    assert dict(opened.args) == {"account": "H002", "evidence": ("申请表",), "matter": "BM-01",
                                 "request": "申请低保"}
    facts = dict(opened.facts)
    assert (facts["account"], facts["household"], facts["next"], facts["late"],
            facts["overdue"]) == ("H002", "H002", "accept", (), "")
    assert facts["due_us"] == facts["deadline_us"] == led.case(matter).due_us > 0

    def record(code: str, by: Actor, **args: Any) -> Callable[[], object]:
        return functools.partial(led.step, matter, "record", code=code, by=by, key=f"r/{code}",
                                 **args)

    exc = refused(led, ValidationError, record("nope", GRID2))
    assert exc.fields == {"field": "code", "value": "nope"}
    exc2 = refused(led, StateError, record("review", COMMITTEE, evidence=["记录"]))
    assert exc2.fields == {"case": matter, "flow": "matter", "state": "open", "step": "review",
                           "allowed": ["accept"]}
    exc3 = refused(led, PermissionDenied, record("accept", COMMITTEE))
    assert exc3.fields == {"actor": "c-01", "case": matter, "allowed": ["grid_worker"]}
    exc4 = refused(led, PermissionDenied, record("accept", Actor("M005", roles={"grid_worker"})))
    assert exc4.fields == {"actor": "M005", "case": matter, "household": "H002"}
    exc5 = refused(led, PermissionDenied, record("accept", GRID))
    assert exc5.fields == {"actor": "g-07", "case": matter}
    accepted = led.step(matter, "record", code="accept", by=GRID2, key="r/accept")
    after = dict(accepted.facts)
    assert (after["next"], after["overdue"]) == ("review", "")
    assert after["due_us"] == after["deadline_us"] == led.case(matter).due_us > 0
    exc6 = refused(led, EvidenceRequired, record("review", COMMITTEE))
    assert exc6.fields == {"case": matter, "step": "review"}
