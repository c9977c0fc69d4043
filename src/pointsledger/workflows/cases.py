"""What every workflow command shares: finding a case, checking a step's arguments, the
transition table, separation of duties, deadlines, and the ``stepped`` draft.

The flow modules (`.claims`, `.wishes`, `.orders`, `.timebank`) say what
each step checks and what it records (their ``RULES``); `pointsledger.workflows.steps.step()`
is the one entry point for every step after the opening one. Order of checks: the case, the step's
arguments, the idempotency key, the transition table, then authority and the step's own rules.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, NamedTuple

from pointsledger.base.actors import SYSTEM, Actor
from pointsledger.base.checks import (
    MAX_MINUTES,
    SYSTEM_KEY,
    check_account_id,
    check_int,
    check_text,
    refused,
)
from pointsledger.base.periods import day_start_us, local_date
from pointsledger.core.command import (
    Context,
    Draft,
    Outcome,
    Replayed,
    iso,
    open_account,
    policy_now,
    replay,
    strings,
)
from pointsledger.core.events import Awarded, Stepped, request_of
from pointsledger.core.postings import parse_entry_id, posting_draft
from pointsledger.core.state import LedgerState
from pointsledger.errors import (
    DeadlinePassed,
    PermissionDenied,
    PointsLedgerError,
    UnknownEntry,
    ValidationError,
)
from pointsledger.rules.flows import Case, Flow
from pointsledger.rules.rulebook import Rulebook

Args = dict[str, Any]
Facts = dict[str, Any]


class Arg(NamedTuple):
    """A step argument: how to check it, and whether it must be given."""

    check: Callable[[object, str], Any]
    required: bool = True


def line(value: object, name: str) -> str:
    """Required one-line text (a category, a name)."""
    return check_text(value, name, required=True)


def text(value: object, name: str) -> str:
    """Required free text (a reason: line feeds allowed)."""
    return check_text(value, name, required=True, multiline=True)


def optional_text(value: object, name: str) -> str:
    """Free text that may be empty (a comment: line feeds allowed)."""
    return check_text(value, name, multiline=True)


def rating(value: object, name: str) -> int:
    """A rating of 1 to 5 stars."""
    found = check_int(value, name, minimum=1)
    if found > 5:
        raise ValidationError(f"{name} must be 1 to 5, got {value!r}", field=name, value=value)
    return found


def positive(value: object, name: str) -> int:
    """A whole number of minutes, 1 to `MAX_MINUTES`."""
    return check_int(value, name, minimum=1, maximum=MAX_MINUTES)


def evidence(value: object, name: str) -> tuple[str, ...]:
    """Evidence references (photo ids, text)."""
    return strings(value, name)


def account(value: object, name: str) -> str:
    """A member or household id."""
    return check_account_id(value, name)


def members(value: object, name: str) -> tuple[str, ...]:
    """A non-empty team of distinct member ids."""
    found = tuple(account(v, name) for v in strings(value, name))
    if not found or len(set(found)) != len(found):
        raise refused(name, "must list distinct members", value)
    return found


def entry(value: object, name: str) -> int:
    """An event id (``e<seq>-<hex>``) or an Event, as its seq."""
    return parse_entry_id(value)[0]


class FlowRules(NamedTuple):
    """What a flow module gives `step()`: each step's arguments, the ``(state, step)``
    pairs the rulebook in force switches off, and the step handler."""

    args: Mapping[str, Mapping[str, Arg]]
    excluded: Callable[[Rulebook], frozenset[tuple[str, str]]]
    handle: Callable[[Context, Case, str, str, Actor, Args, str, str], tuple[str, Facts,
                                                                              list[Draft]]]


def find_case(state: LedgerState, ref: object, flow: str | None = None) -> Case:
    """The case named by an event id (or the Event that opened it).

    Raises:
        UnknownEntry: no case was opened by that event (of that flow).
    """
    seq, digest = parse_entry_id(ref)
    case = state.cases.get(seq)
    if case is None or not case.id.startswith(f"e{seq}-{digest}") or (
            flow is not None and case.flow != flow):
        what = f"{flow} " if flow else ""
        raise UnknownEntry(f"no {what}case {ref!r} on this ledger", entry=str(ref))
    return case


def check_args(flow: str, step_name: str, spec: Mapping[str, Arg], given: Mapping[str, Any]
               ) -> tuple[tuple[str, Any], ...]:
    """The step's arguments checked, as sorted ``(name, value)`` pairs.

    Raises:
        ValidationError: an unknown argument, a missing one, or a bad value (named).
    """
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise ValidationError(
            f"{flow} step {step_name!r} takes {sorted(spec) or 'no arguments'}, not {unknown}",
            field=unknown[0])
    out = {}
    for name, arg in spec.items():
        if name in given:
            out[name] = arg.check(given[name], name)
        elif arg.required:
            raise ValidationError(f"{flow} step {step_name!r} needs {name}=", field=name)
    return tuple(sorted(out.items()))


def rulebook_now(ctx: Context) -> Rulebook | None:
    """The rulebook in force at the clock reading (None before any)."""
    adoption = ctx.state.adoption_at(ctx.now_us)
    return None if adoption is None else adoption.rulebook


_DEFAULTS = Rulebook("@defaults", [])


def procedures(ctx: Context) -> Rulebook:
    """The rulebook in force at the clock reading, or before any, one holding the library's
    default workflow policies (its ``claims``, ``wishes``, ``services`` and ``timebank``)."""
    return rulebook_now(ctx) or _DEFAULTS


REASON: Final = {"reason": Arg(text)}
"""The arguments of a step that only takes a reason."""


def replayed_step(ctx: Context, key: str, actor: str, memo: str, flow: str, case: int,
                  step_name: str, args: tuple[tuple[str, Any], ...]) -> Replayed | None:
    """The first answer to a repeated step request (``case`` 0 for an opening step)."""
    return replay(ctx, key, request_of(Stepped, actor, memo, flow=flow, case=case,
                                       step=step_name, args=args))


def system_step(ctx: Context, ref: object, flow: Flow, step_name: str, now_us: int,
                facts: Callable[[Case], Facts], following: Callable[[Case, str], list[Draft]]
                = lambda _case, _key: []) -> Outcome:
    """A step the ``*_due`` jobs take on one case whose deadline passed by ``now_us``, by the
    system, under the key ``@<flow>/<seq>/<step>/<steps so far>`` (so a case that comes back to
    the same state later gets a new key; no caller's key starts with ``@``)."""
    found = find_case(ctx.state, ref, flow.name)
    key = f"{SYSTEM_KEY}{flow.name}/{found.seq}/{step_name}/{len(found.history)}"
    replay = replayed_step(ctx, key, SYSTEM.id, "", flow.name, found.seq, step_name, ())
    if replay:
        return replay
    target = flow.target(found.id, found.state, step_name)
    if not 0 < found.due_us <= now_us:
        raise ValidationError(f"{flow.name} {found.id} is not due for {step_name!r} by then",
                              case=found.id)
    return [stepped(ctx, flow, found.seq, step_name, target, SYSTEM.id, key, policy_now(ctx)[1],
                    "", (), facts(found), ctx.now_us), *following(found, key)]


def stepped(ctx: Context, flow: Flow, case: int, step_name: str, target: str, actor: str,
            key: str, version: str, memo: str, args: Iterable[tuple[str, Any]], facts: Facts,
            occurred_us: int) -> Draft:
    """The draft of a ``stepped`` event."""
    body = (flow.name, case, step_name, target, tuple(args), tuple(sorted(facts.items())))
    return Draft(Stepped, occurred_us, actor, key, version, memo, body)


def independent(ctx: Context, case: Case, by: Actor, what: str,
                disqualifying: frozenset[str]) -> None:
    """Separation of duties: nobody reviews or decides a case of their own household, nor one
    they took a ``disqualifying`` step on (submitted it, reviewed it, objected to it, ...).

    Raises:
        PermissionDenied: naming why.
    """
    if any(actor == by.id and step in disqualifying for step, actor, _at in case.history):
        raise PermissionDenied(
            f"actor {by.id!r} already acted on {case.flow} {case.id} and may not {what} it",
            actor=by.id, case=case.id)
    if ctx.state.household_of(by.id) == case.household:
        raise PermissionDenied(
            f"actor {by.id!r} belongs to household {case.household!r} and may not {what} its "
            f"{case.flow}", actor=by.id, case=case.id, household=case.household)


def not_the_earner(ctx: Context, case: Case, by: Actor, what: str) -> None:
    """Nobody confirms or rates the work of someone of their own household: the award it
    earns the case's assignee would be posted by them to their own household (invariant 13).

    Raises:
        PermissionDenied: the actor is the assignee or of the assignee's household.
    """
    earner = case.assignee
    if not earner:
        return
    if by.id == earner:
        raise PermissionDenied(f"{by.id!r} may not {what} their own work on {case.flow} "
                               f"{case.id}", actor=by.id, case=case.id)
    household = ctx.state.household_of(by.id)
    if household is not None and household == ctx.state.household_of(earner):
        raise PermissionDenied(
            f"actor {by.id!r} belongs to household {household!r}, the household of "
            f"{earner!r}, and may not {what} their work on {case.flow} {case.id}",
            actor=by.id, case=case.id, household=household)


def must_be(case: Case, by: Actor, who: str, what: str) -> None:
    """Only ``who`` (an actor id) may take this step.

    Raises:
        PermissionDenied: someone else tried.
    """
    if by.id != who:
        raise PermissionDenied(f"only {who!r} may {what} {case.flow} {case.id}, not {by.id!r}",
                               actor=by.id, case=case.id)


def registered_member(state: LedgerState, by: Actor, what: str) -> None:
    """The actor must be an open registered member.

    Raises:
        PermissionDenied: not one.
    """
    member = state.members.get(by.id)
    if member is None or member.closed or state.households[member.household].closed:
        raise PermissionDenied(f"only registered members may {what}; {by.id!r} is not one",
                               actor=by.id)


def before(ctx: Context, case: Case, what: str) -> None:
    """The current state's deadline has not passed.

    Raises:
        DeadlinePassed: it has.
    """
    if case.due_us and ctx.now_us >= case.due_us:
        raise DeadlinePassed(
            f"{what} {case.flow} {case.id} was possible until {iso(case.due_us, ctx.state)}",
            case=case.id, until=iso(case.due_us, ctx.state))


def day_deadline(ctx: Context, days: int) -> int:
    """The start of the local day ``days + 1`` days after today: ``days`` full local days
    after the day the clock reads."""
    today = local_date(ctx.now_us, ctx.state.tzinfo)
    return day_start_us(today + _dt.timedelta(days=days + 1), ctx.state.tz)


def award_for(ctx: Context, account: str, item: str | None, quantity: int, by: Actor, key: str,
              memo: str, facts: Facts) -> list[Draft]:
    """The award a finished case earns ``account`` (a wish's claimer, an order's volunteer),
    or nothing when the rulebook names no item. A full cap or a closed account does not undo
    the step that earned it: the points are withheld and the reason kept in ``facts``."""
    if item is None:
        return []
    try:
        open_account(ctx.state, account)
        draft = posting_draft(ctx, Awarded, account, item, by.id, key, ctx.now_us, quantity, (),
                              memo)
    except PointsLedgerError as exc:
        facts["withheld"] = exc.message
        return []
    facts["posts"] = True
    return [draft]


def due_cases(state: LedgerState, flow: str, states: tuple[str, ...], now_us: int
              ) -> list[Case]:
    """The cases of ``flow`` in ``states`` whose deadline is at or before ``now_us``, oldest
    case first."""
    return sorted((c for c in state.cases.values()
                   if c.flow == flow and c.state in states and 0 < c.due_us <= now_us),
                  key=lambda c: c.seq)
