"""What the workflow commands must get right, found by mutation testing (issue 16): each test
here kills mutants of :mod:`pointsledger.workflows` that the rest of the suite let live
(README, "Mutation testing"): idempotent replays of every opening command and time-bank
movement, bad arguments refused by name, and the rulebook version each event records."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest

from pointsledger import Actor, IdempotencyConflict, ValidationError
from pointsledger.base.checks import MAX_MINUTES, MAX_QUANTITY, MAX_TEXT, MAX_VALUE
from pointsledger.core.events import Event, TimeMoved
from pointsledger.testing._model_machine import MODEL_MATTERS
from tests.helpers import COMMITTEE, GRID, Village, make_workflow_village
from tests.test_ledger import refused, snapshot
from tests.test_workflows import _deposit

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
