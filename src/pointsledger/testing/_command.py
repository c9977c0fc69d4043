"""A generated command: a ledger call written as data, with markers for what is only known when
it runs (earlier results, times relative to the clock, the next step of a case), and how a
workflow step's actor and arguments are chosen."""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from pointsledger.base.actors import PARTY_MEMBER, UNIT_REP, VOLUNTEER, Actor
from pointsledger.base.clock import ManualClock
from pointsledger.core.events import (
    Event,
    HouseholdRegistered,
    ItemPosting,
    MemberRegistered,
    Stepped,
    TimeMoved,
)
from pointsledger.core.store_events import Redemption, Reserved
from pointsledger.errors import PointsLedgerError
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.flows import FLOWS, Case
from pointsledger.testing._strategies import Village

Outcome = Event | tuple[Event, ...] | PointsLedgerError | None
"""What running a command gave: its event (a due job: the events it wrote), the error it
raised, or None (a clock move, or a command whose earlier result does not exist yet)."""

def _opens(flow: str, event: Event) -> bool:
    """Whether ``event`` opened a case of ``flow``."""
    return isinstance(event, Stepped) and event.case == 0 and event.flow == flow


KINDS: dict[str, Callable[[Event], bool]] = {
    "entry": lambda e: isinstance(e, ItemPosting | Redemption),
    "reservation": lambda e: isinstance(e, Reserved),
    "member": lambda e: isinstance(e, MemberRegistered),
    "household": lambda e: isinstance(e, HouseholdRegistered),
    "objection": lambda e: isinstance(e, Stepped) and e.step == "object",
    "query": lambda e: isinstance(e, Stepped) and e.step == "query",
    "case": lambda e: isinstance(e, Stepped) and e.case == 0,
    "minutes": lambda e: isinstance(e, TimeMoved) and e.destination != "@timebank",
    **{flow: functools.partial(_opens, flow) for flow in FLOWS},
}
"""The kinds of earlier result a `Ref` may name: reversible entries, reservations,
registered members and households, objections, matters' queries, cases, the cases of each
flow, and minutes deposited or donated (their ``destination`` holds them)."""


@attrs.frozen
class Ref:
    """An earlier result: the ``index``-th (modulo their number) of the events of ``kind`` (see
    `KINDS`) that earlier commands wrote, or its attribute ``attr``. ``kind="ledger"``
    names the ledger's event with seq ``index`` instead (1 is the genesis event)."""

    kind: str
    index: int
    attr: str = "id"


@attrs.frozen
class Ago:
    """The instant ``hours`` before the clock reading when the command runs (negative: after)."""

    hours: int = 0


@attrs.frozen
class DaysAgo:
    """The local date ``days`` before the clock's today when the command runs (negative:
    after)."""

    days: int


@attrs.frozen
class MonthAgo:
    """The label (``2026-02``) of the local month ``months`` before the clock's month when the
    command runs."""

    months: int


@attrs.frozen
class Palette:
    """Drawn values a workflow step takes its arguments from."""

    reason: str = "经核实"
    rating: int = 5
    minutes: int = 60
    pick: int = 0
    """Which category, member or objection (modulo how many there are)."""


@attrs.frozen
class NextStep:
    """The ``index``-th (modulo their number) of the steps the case's flow allows from its
    current state (those that move it towards its end first, see `FORWARD`), taken by
    a fitting actor with arguments from ``palette``, chosen when the command runs. Index 0 of
    a state a due job leaves (a notice, a claim of a wish, a dispatched order) waits for the
    job; a waiting or finished case makes the command a no-op."""

    index: int
    palette: Palette = Palette()


class _Unresolved(Exception):
    """A marker names an earlier result that does not exist yet."""


@attrs.frozen
class Command:
    """One generated step: a ledger command, a due job (``post_due`` ...) or a clock move
    (``advance``), and, for a deliberately invalid one, the error it must raise.

    Arguments may hold markers resolved when it runs: `Ref` (an earlier result),
    `Ago` and `DaysAgo` (times relative to the clock), `NextStep` (as a
    ``step``'s step name: the case's next step with a fitting actor and arguments)."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    expect: type[PointsLedgerError] | None = None
    village: Village | None = attrs.field(default=None, eq=False, repr=False)
    """The plan the command was drawn for (a `NextStep` chooses actors from it)."""

    def run(self, ledger: Ledger, clock: ManualClock, history: Sequence[Event]) -> Outcome:
        """Run on ``ledger``; return the event written (a due job: the events), the error
        raised, or None (a clock move, or an earlier result it refers to that does not exist).
        ``history`` is the events earlier steps wrote, which `Ref` markers index."""
        if self.name == "advance":
            clock.advance(**dict(self.kwargs))
            return None
        try:
            args = [resolve(a, ledger, clock, history) for a in self.args]
            kwargs = {k: resolve(v, ledger, clock, history) for k, v in self.kwargs}
            if self.name == "step" and isinstance(args[1], NextStep):
                if self.village is None:
                    raise _Unresolved
                case = ledger.case(args[0])
                step, by, extra = next_step(self.village, case, args[1], ledger)
                args[1] = step
                kwargs.update(by=by, **extra)
        except _Unresolved:
            return None
        method: Callable[..., Event | tuple[Event, ...]] = getattr(ledger, self.name)
        try:
            return method(*args, **kwargs)
        except PointsLedgerError as exc:
            return exc


def resolve(value: object, ledger: Ledger, clock: ManualClock, history: Sequence[Event]) -> Any:
    """A marker's value when the command runs (anything else as it is).

    Raises:
        _Unresolved: a `Ref` to a kind of result not written yet.
    """
    if isinstance(value, Ref):
        if value.kind == "ledger":
            found = ledger.event(value.index)
        else:
            matches = [e for e in history if KINDS[value.kind](e)]
            if not matches:
                raise _Unresolved
            found = matches[value.index % len(matches)]
        return getattr(found, value.attr)
    if isinstance(value, Ago):
        return clock().subtract(hours=value.hours)
    if isinstance(value, DaysAgo):
        return clock().in_timezone(ledger.tz).date().subtract(days=value.days)
    if isinstance(value, tuple) and any(isinstance(v, Ref) for v in value):
        return tuple(resolve(v, ledger, clock, history) for v in value)
    if isinstance(value, MonthAgo):
        month = clock().in_timezone(ledger.tz).start_of("month").subtract(months=value.months)
        return f"{month.year}-{month.month:02d}"
    return value


# -- workflow steps: who takes them, with what -------------------------------------------

_CLAIMERS = frozenset({PARTY_MEMBER, VOLUNTEER, UNIT_REP})
_SERVERS = frozenset({PARTY_MEMBER, VOLUNTEER})


def _member_with(village: Village, roles: frozenset[str], pick: int,
                 not_of: str | None = None) -> Actor | None:
    found = [m for m, household, _n, r in village.members
             if r & roles and household != not_of]
    return village.member_actor(found[pick % len(found)]) if found else None


def _actor(village: Village, actor_id: str) -> Actor:
    """The actor with id ``actor_id``: one of the plan's officials, or a member."""
    for official in (village.grid_worker, village.committee, village.checker, village.reviewer,
                     village.store_keeper):
        if official.id == actor_id:
            return official
    return village.member_actor(actor_id)


def step_call(village: Village, flow: str, step: str, palette: Palette,
              case: Case | None = None) -> tuple[Actor, dict[str, Any]]:
    """The actor and arguments for ``step`` of ``flow``: fitting the case when it is known
    (its assignee, the members outside its household), a best guess when it is not."""
    household = case.household if case is not None else None
    assignee = _actor(village, case.assignee) if case is not None and case.assignee else None
    registered = [m for m, _h, _n, _r in village.members]
    anyone = (village.member_actor(registered[palette.pick % len(registered)]) if registered
              else None)
    nobody = Actor("test-outsider", roles={"resident"})
    reason = {"reason": palette.reason}
    by: Actor | None
    args: dict[str, Any] = {}
    if flow == "claim":
        by = {"check": village.checker, "approve": village.committee,
              "reject": village.committee, "object": anyone, "appeal": anyone}.get(
            step, village.reviewer)
        if step == "withdraw":
            by = _actor(village, case.opened_by) if case is not None else village.grid_worker
        if step in ("reject", "object", "appeal", "dismiss_appeal", "uphold_appeal"):
            args = reason
        elif step in ("dismiss", "uphold"):
            args = {"objection": Ref("objection", palette.pick), **reason}
    elif flow == "wish":
        by = village.checker
        if step == "withdraw":
            by = village.grid_worker
        elif step == "confirm":
            by, args = village.committee, {"rating": palette.rating}
        elif step == "claim":
            by = _member_with(village, _CLAIMERS, palette.pick, household)
        elif step in ("release", "fulfil"):
            by = assignee or _member_with(village, _CLAIMERS, palette.pick)
            if step == "fulfil":
                args = {"evidence": ("photo-1",)}
        if step in ("reject", "take_down", "revoke"):
            args = reason
        elif step == "list":
            categories = village.rulebook.wishes.categories
            args = {"category": categories[palette.pick % len(categories)].name}
    elif flow == "order":
        by = village.checker
        if step in ("cancel", "rate"):
            by = village.committee
            if step == "rate":
                args = {"rating": palette.rating}
        elif step in ("accept", "decline", "start", "finish"):
            by = assignee
            if by is None and case is not None and case.detail("team"):
                team = case.detail("team")
                by = _actor(village, team[palette.pick % len(team)])
            by = by or _member_with(village, _SERVERS, palette.pick, household)
            if step == "finish":
                args = {"minutes": palette.minutes}
        elif step == "reject":
            args = reason
        elif step == "dispatch":
            volunteer = _member_with(village, _SERVERS, palette.pick, household)
            args = {"volunteer": volunteer.id if volunteer else "test-outsider"}
    elif flow == "matter":
        by = _MATTER_CLERK
        following = case.detail("next") if case is not None else ""
        if step == "record":
            args = {"code": following or "accept", "evidence": ("会议记录",)}
        elif step == "query":
            by = Actor("test-supervisor", roles={"supervision_committee"})
            args = {"code": following or (case.detail("code") if case is not None else "")
                    or "accept", "text": "请说明"}
        elif step == "answer":
            args = {"query": Ref("query", palette.pick), "text": "已说明"}
        elif step == "withdraw":
            args = reason
    else:  # deposit
        acted = {actor for _s, actor, _at in case.history} if case is not None else set()
        by = next((a for a in (village.checker, village.committee, village.reviewer)
                   if a.id not in acted), village.reviewer)
        if step == "reject":
            args = reason
    return by or nobody, args


_MATTER_CLERK = Actor("test-matter-clerk", roles={
    "committee", "grid_worker", "party_branch", "party_members_meeting",
    "villager_representatives"})
"""Who records matters' steps in drawn commands: every role the kit's lists use."""

FORWARD: dict[str, tuple[str, ...]] = {
    "matter": ("record", "answer", "close", "query", "withdraw"),
    "claim": ("check", "approve", "dismiss", "dismiss_appeal", "object", "appeal",
              "uphold_appeal", "uphold", "reject", "withdraw"),
    "wish": ("list", "claim", "fulfil", "confirm", "close", "restore", "release", "revoke",
             "take_down", "reject", "withdraw"),
    "order": ("dispatch", "accept", "start", "finish", "rate", "close", "open", "decline",
              "cancel", "reject"),
    "deposit": ("approve", "reject"),
}
"""Each flow's steps, those that move a case towards its end first: a `NextStep`
with index 0 takes the first of them the case's state allows."""


def next_step(village: Village, case: Case, choice: NextStep,
              ledger: Ledger) -> tuple[str, Actor, dict[str, Any]]:
    """The step, actor and arguments a `NextStep` stands for on ``case``.

    Raises:
        _Unresolved: the case has no step left, or waits for a due job (index 0 of a state a
            due job leaves).
    """
    flow = FLOWS[case.flow]
    forward = FORWARD[case.flow]
    excluded: frozenset[tuple[str, str]] = frozenset()
    if case.flow == "claim":  # the tiers the rulebook switches off
        excluded = frozenset({("submitted", "approve")} if village.rulebook.claims.review_tiers
                             == 2 else {("submitted", "check"), ("checked", "approve")})
    every = flow.allowed(case.state, excluded)
    allowed: list[str | None] = sorted((s for s in every if s not in flow.system),
                                       key=forward.index)
    if any(s in flow.system for s in every):
        allowed.insert(0, None)  # index 0 waits for the due job (the notice, the deadline)
    step = allowed[choice.index % len(allowed)] if allowed else None
    if step is None:
        raise _Unresolved
    by, args = step_call(village, case.flow, step, choice.palette, case)
    for name in ("objection", "query"):  # an open objection of a claim, query of a matter
        if name in args:
            if not case.objections:
                raise _Unresolved
            args[name] = ledger.event(
                case.objections[choice.palette.pick % len(case.objections)]).id
    return step, by, args


def naive(hours: int = 12) -> _dt.datetime:
    """A naive datetime (refused wherever an instant is asked for)."""
    return _dt.datetime(2026, 1, 1, hours, 0)
