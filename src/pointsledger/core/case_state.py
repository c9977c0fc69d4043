"""How workflow steps and time-bank movements change the ledger state: a case opened or moved
on (its state, history, open objections or queries, the claim points pending in 公示 and the
cap room they hold), and the members' minutes. Only `pointsledger.core.state.apply()` calls
these handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from pointsledger.core.accounts import TIMEBANK
from pointsledger.core.events import Event, Stepped, TimeMoved
from pointsledger.core.posting_state import count_caps
from pointsledger.rules.flows import FLOWS, Case

if TYPE_CHECKING:
    from pointsledger.core.state import LedgerState


_CASE_FIELDS = frozenset({"account", "household", "subject", "due_us", "assignee", "posts"})


def _stepped(state: LedgerState, event: Any) -> None:
    flow = FLOWS[event.flow]
    facts = dict(event.facts)
    details = dict(event.args)
    details.update(facts)
    if event.case == 0:
        case = Case(flow.name, event.seq, event.id, event.state, facts["account"],
                    facts["household"], facts["subject"], event.actor, event.recorded_us,
                    event.occurred_us, event.recorded_us)
        if flow.name == "claim" and event.occurred_us > state.max_occurred_us:
            state.max_occurred_us = event.occurred_us  # a claim fixes its rulebook version
    else:
        case = state.cases[event.case]
        details = {**dict(case.details), **details}
    objections = case.objections
    if event.step == "object":
        objections = (*objections, event.seq)
    elif event.step == "dismiss":
        objections = tuple(o for o in objections if o != details["objection"])
    elif event.step == "uphold":
        objections = ()
    elif event.step == "query":  # a matter's supervision query, open until answered
        objections = (*objections, event.seq)
    elif event.step == "answer":
        objections = tuple(o for o in objections if o != details["query"])
    new = attrs.evolve(
        case,
        state=event.state,
        changed_us=event.recorded_us,
        due_us=facts.get("due_us", 0),
        assignee=facts.get("assignee", case.assignee),
        history=(*case.history, (event.step, event.actor, event.recorded_us)),
        objections=objections,
        posting=event.seq + 1 if facts.get("posts") else case.posting,
        details=tuple(sorted((k, v) for k, v in details.items() if k not in _CASE_FIELDS)),
    )
    state.cases[new.seq] = new
    was, now = case.state in flow.pending, new.state in flow.pending
    if event.case != 0 and was != now:  # a claim's points enter or leave the notice
        points = new.points if now else -new.points
        state.pending[new.account] = state.pending.get(new.account, 0) + points
        if new.points > 0:  # its cap room is held while it is pending
            count_caps(state, new.account, new.subject, new.detail("item_version"),
                        new.occurred_us, points)


def _time_moved(state: LedgerState, event: Any) -> None:
    minutes = state.minutes
    minutes[event.source] = minutes.get(event.source, 0) - event.minutes
    minutes[event.destination] = minutes.get(event.destination, 0) + event.minutes
    for member in (event.source, event.destination):
        if member != TIMEBANK:  # a member's passbook lists its own movements
            state.time_moves[member] = (*state.time_moves.get(member, ()), event.seq)


CASE_HANDLERS: dict[type[Event], Callable[[LedgerState, Any], None]] = {
    Stepped: _stepped,
    TimeMoved: _time_moved,
}
"""The handlers of the workflow step and time-movement events, by event type."""
