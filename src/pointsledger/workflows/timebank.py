"""The time bank (时间银行): volunteer service kept as minutes, never mixed with points.

A deposit is a workflow case approved by two different reviewers, neither the volunteer nor of
their household; the second approval moves the minutes from the time bank's account
(``@timebank``) to the member. Members spend minutes on services and donate them to family
(members of the same household); above the rulebook's threshold they convert them to points at
the rulebook's rate. Every movement is a ``time_moved`` event between two accounts, so the
minutes of all accounts always sum to zero; a member never holds more than the storage cap.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from pointsledger.base.actors import SYSTEM, Actor
from pointsledger.base.checks import (
    MAX_MINUTES,
    check_account_id,
    check_int,
    check_key,
    check_text,
)
from pointsledger.core.accounts import TIMEBANK
from pointsledger.core.command import (
    Context,
    Draft,
    Outcome,
    check_occurred,
    command,
    occurred,
    open_account,
    policy_now,
)
from pointsledger.core.events import Awarded, Stepped, TimeMoved
from pointsledger.core.postings import posting_draft
from pointsledger.core.state import LedgerState
from pointsledger.errors import (
    InsufficientMinutes,
    LimitReached,
    NotEligible,
    UnknownAccount,
    ValidationError,
)
from pointsledger.rules.flows import DEPOSIT, Case
from pointsledger.workflows.cases import (
    Arg,
    Args,
    Facts,
    FlowRules,
    independent,
    procedures,
    stepped,
    text,
)


def _member(state: LedgerState, member: str) -> str:
    """The household of an open member account."""
    if member not in state.members:
        raise UnknownAccount(f"time-bank accounts are members'; {member!r} is not a registered "
                             "member", account=member)
    return open_account(state, member)


def _room(ctx: Context, member: str, minutes: int) -> None:
    cap = procedures(ctx).timebank.max_minutes
    held = ctx.state.minutes.get(member, 0)
    if cap is not None and held + minutes > cap:
        raise LimitReached(f"member {member!r} holds {held} minutes; {minutes} more would pass "
                           f"the time bank's cap of {cap}", account=member, held=held, cap=cap,
                           requested=minutes)


def _enough(ctx: Context, member: str, minutes: int) -> None:
    held = ctx.state.minutes.get(member, 0)
    if held < minutes:
        raise InsufficientMinutes(f"member {member!r} holds {held} minutes, not {minutes}",
                                  account=member, held=held, requested=minutes)


@command(Stepped, policy="deposit.submit", self_service=True)
def submit_time(
    ctx: Context,
    member: str,
    minutes: int,
    *,
    service: str,
    occurred_at: _dt.datetime | None = None,
    by: Actor,
    key: str,
    memo: str = "",
) -> Outcome:
    """Submit ``minutes`` of volunteer service for deposit in the time bank (时间银行); two
    different reviewers approve it with ``step(case, "approve")``.

    Returns:
        The opening ``stepped`` event; its id names the deposit in ``step``.

    Raises:
        LimitReached: the member would hold more than the storage cap.
        UnknownAccount: not a registered member.
        TimingError: occurred_at is in the future, too far back or in a closed period.
        PermissionDenied: the actor's roles do not allow it.
    """
    member = check_account_id(member, "member")
    minutes = check_int(minutes, "minutes", minimum=1, maximum=MAX_MINUTES)
    service = check_text(service, "service", required=True)
    occurred_us = occurred(ctx, occurred_at, check_key(key))
    args = (("member", member), ("minutes", minutes), ("occurred_us", occurred_us),
            ("service", service))
    replay = ctx.replayed(key, flow="deposit", case=0, step="submit", args=args)
    if replay:
        return replay
    state = ctx.state
    household = _member(state, member)
    # volunteers record their own service; others act for the member's household
    ctx.authorise(None if by.id == member else household)
    check_occurred(ctx, occurred_us)
    _room(ctx, member, minutes)
    facts = {"account": member, "household": household, "subject": service}
    return [stepped(ctx, DEPOSIT, 0, "submit", DEPOSIT.initial, by.id, ctx.key,
                    policy_now(ctx)[1], ctx.memo, args, facts, occurred_us)]


def _handle(ctx: Context, case: Case, step: str, target: str, by: Actor, args: Args, key: str,
            memo: str) -> tuple[str, Facts, list[Draft]]:
    ctx.authorise(case.household, policy=f"deposit.{step}")
    independent(ctx, case, by, step, frozenset({"submit", "approve"}))
    facts: Facts = {}
    following: list[Draft] = []
    if target == "deposited":
        minutes = int(case.detail("minutes"))
        _room(ctx, case.account, minutes)
        facts["posts"] = True
        following.append(Draft(TimeMoved, ctx.now_us, by.id, key, policy_now(ctx)[1], memo,
                               (TIMEBANK, case.account, minutes, "deposit", case.seq,
                                case.subject)))
    return target, facts, following


def _movement(
    ctx: Context,
    purpose: str,
    member: object,
    to: object,
    minutes: object,
    key: object,
    note: str = "",
    check: Callable[[str, str, int], None] | None = None,
    follow: Callable[[str, int, Actor, str, str], list[Draft]] | None = None,
) -> Outcome:
    """A direct movement of a member's minutes (spend, donate, convert): checked, idempotent,
    and followed by whatever ``follow`` drafts (a conversion's award)."""
    source = check_account_id(member, "member")
    destination = TIMEBANK if to is None else check_account_id(to, "to")
    minutes = check_int(minutes, "minutes", minimum=1, maximum=MAX_MINUTES)
    body = (source, destination, minutes, purpose, 0, note)
    replay = ctx.replayed(key, **dict(zip(TimeMoved.BODY, body, strict=True)))
    if replay:
        return replay
    version = ctx.authorise(_member(ctx.state, source))
    _enough(ctx, source, minutes)
    if check is not None:
        check(source, destination, minutes)
    drafts = [ctx.draft(body, version)]
    if follow is not None:
        drafts += follow(source, minutes, ctx.by, ctx.key, ctx.memo)
    return drafts


@command(TimeMoved, self_service=True)
def spend_time(ctx: Context, member: str, minutes: int, *, service: str, by: Actor, key: str,
               memo: str = "") -> Outcome:
    """Spend a member's time-bank minutes on a service.

    Returns:
        The ``time_moved`` event.

    Raises:
        InsufficientMinutes: the member holds too few minutes.
        PermissionDenied: the actor's roles or household do not allow it.
    """
    return _movement(ctx, "spend", member, None, minutes, key,
                     note=check_text(service, "service", required=True))


@command(TimeMoved, self_service=True)
def donate_time(ctx: Context, member: str, to: str, minutes: int, *, by: Actor, key: str,
                memo: str = "") -> Outcome:
    """Donate a member's minutes to another member of the same household.

    Returns:
        The ``time_moved`` event.

    Raises:
        InsufficientMinutes: the member holds too few minutes.
        LimitReached: the receiver would hold more than the storage cap.
        ValidationError: not family (whether or not the receiver's account is open).
        AccountClosed: the family member's account is closed.
    """
    state = ctx.state

    def family(source: str, destination: str, amount: int) -> None:
        receiver = state.members.get(destination)
        if destination == source or receiver is None or \
                receiver.household != state.members[source].household:
            raise ValidationError(f"minutes are donated to another member of {source!r}'s "
                                  f"household; {destination!r} is not one", to=destination)
        _member(state, destination)
        _room(ctx, destination, amount)

    return _movement(ctx, "donate", member, to, minutes, key, check=family)


@command(TimeMoved, self_service=True)
def convert_time(ctx: Context, member: str, minutes: int, *, by: Actor, key: str,
                 memo: str = "") -> Outcome:
    """Convert minutes to points at the rulebook's rate (one unit of the time-bank item per
    ``unit_minutes``), for a member holding at least the threshold; the award follows the
    returned ``time_moved`` event.

    Raises:
        NotEligible: no conversion item, or below the threshold.
        InsufficientMinutes: the member holds too few minutes.
        ValidationError: not a whole number of units.
        CapExceeded: a cap would be passed.
    """
    policy = procedures(ctx).timebank

    def eligible(source: str, _destination: str, amount: int) -> None:
        if policy.item is None:
            raise NotEligible("the rulebook in force does not convert minutes to points",
                              reason="no_conversion")
        held = ctx.state.minutes.get(source, 0)
        if held < policy.threshold_minutes:
            raise NotEligible(f"member {source!r} holds {held} minutes; conversion starts at "
                              f"{policy.threshold_minutes}", reason="threshold", held=held,
                              threshold=policy.threshold_minutes)
        if amount % policy.unit_minutes:
            raise ValidationError(f"minutes convert in units of {policy.unit_minutes}; "
                                  f"{amount} is not a multiple", minutes=amount,
                                  unit=policy.unit_minutes)

    def award(source: str, amount: int, by: Actor, key: str, memo: str) -> list[Draft]:
        assert policy.item is not None
        return [posting_draft(ctx, Awarded, source, policy.item, SYSTEM.id, key, ctx.now_us,
                              amount // policy.unit_minutes, (), memo)]

    return _movement(ctx, "convert", member, None, minutes, key, check=eligible, follow=award)


RULES = FlowRules(
    args={"approve": {}, "reject": {"reason": Arg(text)}},
    excluded=lambda _rulebook: frozenset(),
    handle=_handle,
)
