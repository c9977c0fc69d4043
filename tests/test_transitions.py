"""Every workflow's transition table, exhaustively: every state × every step.

For each state a fresh case is driven there along a path of allowed steps; then each step is
tried with an actor and arguments that satisfy everything but the table. Steps the table allows
must succeed and land where the table says; every other step must raise StateError naming the
state and the allowed steps, and write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pointsledger import FLOWS, Actor, Event, Ledger, Matter, ProcedureStep, StateError
from tests.helpers import (
    COMMITTEE,
    COMMITTEE2,
    COMMITTEE3,
    COMMITTEE4,
    GRID,
    GRID2,
    NEIGHBOUR,
    VOLUNTEER,
    WISHER,
    Village,
    make_workflow_village,
)

Opener = Callable[[Ledger, str], Event]

SUPERVISOR = Actor("sv-01", roles={"supervision_committee"})
MATTERS = (
    Matter("XW-01", "村道硬化", kind="petty_power", role="committee", steps=[
        ProcedureStep("accept", "受理", role="grid_worker", days=1),
        ProcedureStep("resolve", "村民代表会议决议", role="committee", days=5,
                      day_kind="calendar")]),
    Matter("FM-01", "开具无犯罪记录证明", kind="negative", role="committee"),
)
"""The matter lists of the test: a two-step procedure (so recording its first step stays
``open``) and a negative-list entry."""


def _open_claim(ledger: Ledger, key: str) -> Event:
    return ledger.submit_claim("H002", "HON-01", by=WISHER, key=key, occurred_at=ledger.now())


def _open_wish(ledger: Ledger, key: str) -> Event:
    return ledger.submit_wish("M002", "修理水龙头", by=WISHER, key=key, value=50)


def _open_order(ledger: Ledger, key: str) -> Event:
    return ledger.place_order("H002", "REPAIR", by=WISHER, key=key)


def _open_deposit(ledger: Ledger, key: str) -> Event:
    return ledger.submit_time("M003", 60, service="陪老人聊天", occurred_at=ledger.now(),
                              by=VOLUNTEER, key=key)


def _open_matter(ledger: Ledger, key: str) -> Event:
    return ledger.open_matter("XW-01", request="硬化村道", by=GRID, key=key)


def _refuse_matter(ledger: Ledger, key: str) -> Event:
    return ledger.open_matter("FM-01", request="开具证明", by=GRID, key=key)


OPENERS: dict[str, Opener] = {"claim": _open_claim, "wish": _open_wish, "order": _open_order,
                              "deposit": _open_deposit, "matter": _open_matter}
# the states an opening leads to instead of the initial one (a flow's outcomes)
OUTCOMES: dict[tuple[str, str], Opener] = {("matter", "refused"): _refuse_matter}

# how to reach each state: steps (actor, args) from the opening; "post" runs post_due
PATHS: dict[str, dict[str, list[tuple[str, Any, dict[str, Any]]]]] = {
    "claim": {
        "submitted": [],
        "checked": [("check", GRID, {})],
        "in_notice": [("check", GRID, {}), ("approve", COMMITTEE, {})],
        "objected": [("check", GRID, {}), ("approve", COMMITTEE, {}),
                     ("object", NEIGHBOUR, {"reason": "不属实"})],
        "rejected": [("reject", GRID, {"reason": "材料不全"})],
        "withdrawn": [("withdraw", WISHER, {})],
        "posted": [("check", GRID, {}), ("approve", COMMITTEE, {}), ("post", None, {})],
        "appealed": [("check", GRID, {}), ("approve", COMMITTEE, {}), ("post", None, {}),
                     ("appeal", NEIGHBOUR, {"reason": "有误"})],
        "reversed": [("check", GRID, {}), ("approve", COMMITTEE, {}), ("post", None, {}),
                     ("appeal", NEIGHBOUR, {"reason": "有误"}),
                     ("uphold_appeal", COMMITTEE3, {"reason": "核实有误"})],
    },
    "wish": {
        "submitted": [],
        "listed": [("list", GRID, {"category": "服务"})],
        "lapsed": [("list", GRID, {"category": "服务"}), ("lapse", None, {})],
        "rejected": [("reject", GRID, {"reason": "不符合条件"})],
        "withdrawn": [("withdraw", WISHER, {})],
        "taken_down": [("take_down", GRID, {"reason": "重复"})],
        "claimed": [("list", GRID, {"category": "服务"}), ("claim", VOLUNTEER, {})],
        "fulfilled": [("list", GRID, {"category": "服务"}), ("claim", VOLUNTEER, {}),
                      ("fulfil", VOLUNTEER, {"evidence": ["photo-9"]})],
        "confirmed": [("list", GRID, {"category": "服务"}), ("claim", VOLUNTEER, {}),
                      ("fulfil", VOLUNTEER, {"evidence": ["photo-9"]}),
                      ("confirm", WISHER, {"rating": 5})],
        "closed": [("list", GRID, {"category": "服务"}), ("claim", VOLUNTEER, {}),
                   ("fulfil", VOLUNTEER, {"evidence": ["photo-9"]}),
                   ("confirm", WISHER, {"rating": 5}), ("close", GRID, {})],
    },
    "order": {
        "placed": [],
        "rejected": [("reject", GRID, {"reason": "超出服务范围"})],
        "dispatched": [("dispatch", GRID, {"volunteer": "M003"})],
        "open": [("open", GRID, {})],
        "accepted": [("dispatch", GRID, {"volunteer": "M003"}), ("accept", VOLUNTEER, {})],
        "cancelled": [("cancel", WISHER, {})],
        "in_service": [("dispatch", GRID, {"volunteer": "M003"}), ("accept", VOLUNTEER, {}),
                       ("start", VOLUNTEER, {})],
        "done": [("dispatch", GRID, {"volunteer": "M003"}), ("accept", VOLUNTEER, {}),
                 ("start", VOLUNTEER, {}), ("finish", VOLUNTEER, {"minutes": 90})],
        "rated": [("dispatch", GRID, {"volunteer": "M003"}), ("accept", VOLUNTEER, {}),
                  ("start", VOLUNTEER, {}), ("finish", VOLUNTEER, {"minutes": 90}),
                  ("rate", WISHER, {"rating": 4})],
        "closed": [("dispatch", GRID, {"volunteer": "M003"}), ("accept", VOLUNTEER, {}),
                   ("start", VOLUNTEER, {}), ("finish", VOLUNTEER, {"minutes": 90}),
                   ("rate", WISHER, {"rating": 4}), ("close", GRID, {})],
    },
    "deposit": {
        "submitted": [],
        "approved_once": [("approve", GRID, {})],
        "deposited": [("approve", GRID, {}), ("approve", COMMITTEE, {})],
        "rejected": [("reject", GRID, {"reason": "时长不实"})],
    },
    "matter": {
        "open": [],
        "ready": [("record", GRID, {"code": "accept", "evidence": ["受理单"]}),
                  ("record", COMMITTEE, {"code": "resolve", "evidence": ["会议记录"]})],
        "closed": [("record", GRID, {"code": "accept", "evidence": ["受理单"]}),
                   ("query", SUPERVISOR, {"code": "accept", "text": "依据？"}),
                   ("answer", COMMITTEE, {"text": "见受理单"}),
                   ("record", COMMITTEE, {"code": "resolve", "evidence": ["会议记录"]}),
                   ("close", COMMITTEE, {})],
        "withdrawn": [("withdraw", GRID, {"reason": "申请人撤回"})],
        "refused": [],
    },
}

# the trial of each step: an actor (and arguments) that passes every check but the table's
TRIALS: dict[str, dict[str, tuple[Any, dict[str, Any]]]] = {
    "claim": {
        "check": (GRID2, {}), "approve": (COMMITTEE2, {}), "reject": (COMMITTEE2, {"reason": "x"}),
        "withdraw": (WISHER, {}), "object": (NEIGHBOUR, {"reason": "x"}),
        "dismiss": (COMMITTEE4, {"reason": "x"}), "uphold": (COMMITTEE4, {"reason": "x"}),
        "appeal": (NEIGHBOUR, {"reason": "x"}), "dismiss_appeal": (COMMITTEE4, {"reason": "x"}),
        "uphold_appeal": (COMMITTEE4, {"reason": "x"}),
    },
    "wish": {
        "list": (GRID2, {"category": "服务"}), "reject": (GRID2, {"reason": "x"}),
        "withdraw": (WISHER, {}), "take_down": (GRID2, {"reason": "x"}), "restore": (GRID2, {}),
        "claim": (VOLUNTEER, {}), "release": (VOLUNTEER, {}), "revoke": (GRID2, {"reason": "x"}),
        "fulfil": (VOLUNTEER, {"evidence": ["photo-1"]}), "confirm": (WISHER, {"rating": 3}),
        "close": (GRID2, {}),
    },
    "order": {
        "reject": (GRID2, {"reason": "x"}), "dispatch": (GRID2, {"volunteer": "M003"}),
        "open": (GRID2, {}), "accept": (VOLUNTEER, {}), "decline": (VOLUNTEER, {}),
        "cancel": (WISHER, {}), "start": (VOLUNTEER, {}), "finish": (VOLUNTEER, {"minutes": 30}),
        "rate": (WISHER, {"rating": 5}), "close": (GRID2, {}),
    },
    "deposit": {"approve": (COMMITTEE2, {}), "reject": (COMMITTEE2, {"reason": "x"})},
    "matter": {
        "record": (GRID2, {"code": "accept", "evidence": ["photo-1"]}),
        "query": (SUPERVISOR, {"code": "accept", "text": "x"}),
        "answer": (COMMITTEE2, {"text": "x"}), "close": (COMMITTEE2, {}),
        "withdraw": (COMMITTEE2, {"reason": "x"}),
    },
}


def _drive(village: Village, flow: str, state: str, n: int) -> Event:
    ledger, clock = village.ledger, village.clock
    opened = OUTCOMES.get((flow, state), OPENERS[flow])(ledger, f"{flow}/{state}/{n}")
    for i, (step, actor, args) in enumerate(PATHS[flow][state]):
        if step == "post":
            clock.advance(days=9)  # past the notice: the job posts it
            assert any(e.kind == "awarded" for e in ledger.post_due())
            continue
        if step == "lapse":
            clock.advance(days=92)  # past its days on the wall: the job takes it down
            assert ledger.lapse_due()
            continue
        if step == "finish":
            clock.advance(minutes=args["minutes"] + 1)  # the service lasts that long
        if step in ("dismiss", "uphold"):
            args = dict(args, objection=ledger.event(ledger.case(opened).objections[0]))
        if step == "answer":
            args = dict(args, query=ledger.event(ledger.case(opened).objections[0]))
        ledger.step(opened, step, by=actor, key=f"{flow}/{state}/{n}/{i}", **args)
    assert ledger.case(opened).state == state
    clock.advance(hours=1)  # time passes before the next step (a service may finish)
    return opened


def test_the_tables_cover_every_state_and_step() -> None:
    for name, flow in FLOWS.items():
        assert set(PATHS[name]) == set(flow.states), name
        assert set(TRIALS[name]) | flow.system == set(flow.steps), name
        assert {s for f, s in OUTCOMES if f == name} == flow.outcomes, name


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_every_state_times_every_step(flow: str) -> None:
    table = FLOWS[flow]
    village = make_workflow_village(matters=MATTERS)
    ledger = village.ledger
    tried = 0
    for state in table.states:
        for step, (actor, args) in TRIALS[flow].items():
            case = _drive(village, flow, state, tried)
            tried += 1
            if step in ("dismiss", "uphold"):
                objections = ledger.case(case).objections
                args = dict(args, objection=ledger.event(objections[0]) if objections
                            else "e1-00")
            if step == "answer":  # a query to answer, raised where the table allows one
                if (state, "query") in {(s, st) for s, st, _ in table.rows}:
                    ledger.step(case, "query", by=SUPERVISOR, key=f"query/{tried}",
                                code="accept", text="依据？")
                objections = ledger.case(case).objections
                args = dict(args, query=ledger.event(objections[0]) if objections else "e1-00")
            head = ledger.head
            # two-tier claims (the village's policy) must be checked before approval
            allowed = (flow, state, step) != ("claim", "submitted", "approve")
            target = dict(((s, st), t) for s, st, t in table.rows).get((state, step))
            if target is not None and allowed:
                ledger.step(case, step, by=actor, key=f"try/{tried}", **args)
                assert ledger.case(case).state == target, (flow, state, step)
            else:
                with pytest.raises(StateError) as caught:
                    ledger.step(case, step, by=actor, key=f"try/{tried}", **args)
                assert caught.value.state == state
                assert caught.value.step == step
                assert step not in caught.value.allowed
                assert state in str(caught.value)
                assert ledger.head == head, "a refused step wrote something"
    assert tried == len(table.states) * len(TRIALS[flow])


def test_one_tier_claims_skip_the_check() -> None:
    village = make_workflow_village(tiers=1)
    ledger = village.ledger
    claim = _open_claim(ledger, "c1")
    with pytest.raises(StateError) as caught:
        ledger.step(claim, "check", by=GRID, key="c2")
    assert caught.value.allowed == ["approve", "reject", "withdraw"]
    ledger.step(claim, "approve", by=COMMITTEE, key="c3")
    assert ledger.case(claim).state == "in_notice"


def test_system_steps_are_taken_only_by_the_due_jobs() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    claim = _drive(village, "claim", "in_notice", 0)
    head = ledger.head
    with pytest.raises(ValueError, match="due jobs"):
        ledger.step(claim, "post", by=COMMITTEE2, key="k")
    with pytest.raises(ValueError, match="no step 'fly'"):
        ledger.step(claim, "fly", by=COMMITTEE2, key="k")
    assert ledger.head == head
