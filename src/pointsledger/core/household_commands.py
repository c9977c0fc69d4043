"""The commands of households and members as they really change (分户, 合户, 婚嫁, 迁入/迁出,
去世, 返乡): each is one event with a reason and an actor (`
registry_events`), declared once here with `command()`.

The rules (docs/ledger.md, "Households and members change"):

- A member's own account stays with the member: moving changes which household's points it
  counts in, never its balance, so no points are created or destroyed.
- A split takes a stated number of points, or a stated share (rounded down), of the old
  household's own account to the new one, from the soonest-expiring lots first; a merge moves
  the closed household's whole own balance (a deficit too) and lots to the surviving one; a
  member who leaves leaves their balance and lots to the household, and their account closes.
- A member who returns is the same account re-opened, in any open household.
- Nothing moves while an account it touches has an open workflow case or holds points for a
  reservation: finish or cancel them first (as `close_account()` demands).
- The committee does them by default (the rulebook's policy may grant others), never for its
  own household, on either side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Final

from pointsledger.base.actors import Actor
from pointsledger.base.checks import (
    MAX_POINTS,
    check_account_id,
    check_id,
    check_int,
    check_text,
    refused,
)
from pointsledger.core.command import Context, Outcome, command, strings
from pointsledger.core.registry import Member
from pointsledger.core.registry_commands import _grid, _new_account, _open_household
from pointsledger.core.registry_events import (
    HouseholdsMerged,
    HouseholdSplit,
    MemberLeft,
    MemberMoved,
    MemberReturned,
)
from pointsledger.core.state import LedgerState
from pointsledger.errors import (
    AccountClosed,
    InsufficientPoints,
    UnknownAccount,
    ValidationError,
)

DEPARTURE_REASONS: Final = ("迁出", "去世", "婚嫁")
"""Why a member leaves the registry: moved away (迁出), died (去世), married out of the village
(婚嫁)."""


def _open_member(state: LedgerState, member: str) -> Member:
    found = state.members.get(member)
    if found is None:
        if member in state.households:
            raise ValidationError(f"{member!r} is a household, not a member", not_member=member)
        raise UnknownAccount(f"no member {member!r}", account=member)
    if found.closed:
        raise AccountClosed(f"member {member!r} is closed", account=member)
    return found


def _idle(ctx: Context, accounts: Iterable[str]) -> None:
    """Refuse while any of ``accounts`` has an open workflow case or an open reservation."""
    state = ctx.state
    wanted = set(accounts)
    for account in sorted(wanted):
        live = [c.id for c in state.cases.values() if c.is_open_at(ctx.now_us)
                and account in (c.account, c.assignee, c.household)]
        if live:
            raise ValidationError(
                f"account {account!r} still has open workflow cases {live[:10]}; finish "
                "them first", account=account, cases=live)
        held = [seq for seq, r in state.reservations.items()
                if r.status == "open" and r.account == account]
        if held or state.held.get(account, 0):
            raise ValidationError(
                f"account {account!r} holds points for open reservations {held[:10]}; hand "
                "them over or cancel them first", account=account, reservations=held)


def _reason(reason: object) -> str:
    return check_text(reason, "reason", required=True, multiline=True)


@command(MemberMoved)
def move_member(
    ctx: Context, member: str, *, household: str, reason: str, by: Actor, key: str,
    memo: str = "",
) -> Outcome:
    """Move a member to another household (婚嫁, 迁入, 投靠, ...) with the points on their own
    account: *a household's points* change on both sides, no points are created or destroyed.

    Args:
        member: an open member.
        household: the open household they join.
        reason: why (e.g. 婚嫁).
        by: the acting actor (role ``committee`` by default), of neither household.
        key: idempotency key (required: a member may move more than once).
        memo: free text.

    Returns:
        The ``member_moved`` event.

    Raises:
        UnknownAccount: no such member or household.
        AccountClosed: the member or the household is closed.
        ValidationError: the same household, a household id given as the member, an open
            workflow case or reservation of the member, or a bad argument.
        PermissionDenied: the actor's roles, or the actor's own household on either side.
        IdempotencyConflict: the key was used for a different request.
    """
    member = check_id(member, "member")
    household = check_id(household, "household")
    reason = _reason(reason)
    replay = ctx.replayed(key, member=member, to_household=household, reason=reason)
    if replay:
        return replay
    state = ctx.state
    found = _open_member(state, member)
    _open_household(state, household)
    version = ctx.authorise(found.household)
    ctx.authorise(household)
    if household == found.household:
        raise ValidationError(f"member {member!r} is already in household {household!r}",
                              member=member, in_household=household)
    _idle(ctx, [member])
    body = (member, found.household, household, reason, state.posted.get(member, 0))
    return [ctx.draft(body, version)]


def _share(points: object, share: object) -> tuple[int | None, Fraction | None, str]:
    """The split's rule: a stated number of points, a stated share, or none."""
    if points is not None and share is not None:
        raise ValidationError("give points= or share=, not both", points=points, share=share)
    if points is not None:
        count = check_int(points, "points", minimum=0, maximum=MAX_POINTS)
        return count, None, f"points {count}"
    if share is None:
        return None, None, "none"
    if isinstance(share, bool) or not isinstance(share, Fraction | int | str):
        raise refused("share", "must be a fraction from 0 to 1, such as Fraction(1, 3) or "
                      "'1/3'", share)
    try:
        value = Fraction(share)
    except (ValueError, ZeroDivisionError):
        raise refused("share", "must be a fraction from 0 to 1, such as '1/3'", share) from None
    if not 0 <= value <= 1:
        raise refused("share", "must be from 0 to 1", share)
    return None, value, f"share {value}"


@command(HouseholdSplit, key="split/{new_household}")
def split_household(
    ctx: Context, household: str, *, new_household: str, head: str, members: Sequence[str],
    reason: str, by: Actor, key: str | None = None, grid: str | None = None,
    points: int | None = None, share: Fraction | str | None = None, memo: str = "",
) -> Outcome:
    """Split a household (分户): register ``new_household`` (in ``grid``, default the old
    household's) with ``head``, move the chosen ``members`` to it with their own points, and
    give it part of the old household's own account by the stated rule: ``points`` (a stated
    number) or ``share`` (a stated fraction of its available points, rounded down), or
    nothing. The points split off keep their expiry (soonest-expiring lots first).

    Args:
        household: the open household that splits.
        new_household: the new household's id (new on this ledger).
        head: the new head of household's name.
        members: the open members of ``household`` who form the new household (at least one).
        reason: why (e.g. 分户).
        by: the acting actor (role ``committee`` by default), not of ``household``.
        key: idempotency key (default ``split/<new_household>``).
        grid: the new household's grid (default: the old household's).
        points: how many of the old household's own points go to the new one.
        share: or which share of them (``Fraction(1, 2)``, ``"1/3"``, ``"0.25"``).
        memo: free text.

    Returns:
        The ``household_split`` event.

    Raises:
        AlreadyExists: ``new_household`` is taken.
        UnknownAccount: no such household or member.
        UnknownRegion: no such grid.
        AccountClosed: the household or a member is closed.
        InsufficientPoints: ``points`` above the household's available points.
        ValidationError: no members, a member of another household, an open workflow case
            or reservation of a member, both ``points`` and ``share``, or a bad argument.
        PermissionDenied: the actor's roles or own household.
    """
    household = check_id(household, "household")
    new_household = check_account_id(new_household, "new_household")
    head = check_text(head, "head", required=True)
    chosen = tuple(check_id(m, "members") for m in strings(members, "members"))
    if not chosen:
        raise refused("members", "must name at least one member who forms the new household",
                      members)
    if len(set(chosen)) != len(chosen):
        raise refused("members", "must not repeat a member", members)
    count, fraction, rule = _share(points, share)
    state = ctx.state
    found = state.households.get(household)
    stays = found.grid if found is not None else ""  # an unknown household is refused below
    grid = stays if grid is None else check_id(grid, "grid")
    reason = _reason(reason)
    fields = dict(household=household, new_household=new_household, grid=grid, head=head,
                  members=chosen, reason=reason, rule=rule)
    replay = ctx.replayed(key, **fields)
    if replay:
        return replay
    _open_household(state, household)
    version = ctx.authorise(household)
    _new_account(state, new_household)
    _grid(state, grid)
    for member in chosen:
        if _open_member(state, member).household != household:
            raise ValidationError(
                f"member {member!r} is not a member of household {household!r}",
                member=member, not_in_household=household)
    _idle(ctx, chosen)
    available = state.available(household)
    if count is None:
        count = int(max(0, available) * fraction) if fraction is not None else 0
    elif count > available:
        raise InsufficientPoints(
            f"household {household!r} has {available} points available; {count} asked",
            account=household, available=available, needed=count)
    lots = state.draw_lots(household, count)
    balances = tuple(state.posted.get(m, 0) for m in chosen)
    return [ctx.draft((*fields.values(), count, lots, balances), version)]


@command(HouseholdsMerged, key="merge/{household}")
def merge_households(
    ctx: Context, household: str, *, into: str, reason: str, by: Actor,
    key: str | None = None, memo: str = "",
) -> Outcome:
    """Merge a household into another (合户): ``household`` closes, its open members move to
    ``into`` with their own points, and its own account's balance (a deficit too) and lots go
    to ``into``'s account. A closed household is no longer rated.

    Args:
        household: the open household that closes.
        into: the open household that remains.
        reason: why (e.g. 合户).
        by: the acting actor (role ``committee`` by default), of neither household.
        key: idempotency key (default ``merge/<household>``).
        memo: free text.

    Returns:
        The ``households_merged`` event.

    Raises:
        UnknownAccount: no such household.
        AccountClosed: either household is closed.
        ValidationError: the same household, an open workflow case or reservation of the
            household or one of its members, or a bad argument.
        PermissionDenied: the actor's roles, or the actor's own household on either side.
    """
    household = check_id(household, "household")
    into = check_id(into, "into")
    reason = _reason(reason)
    replay = ctx.replayed(key, household=household, into=into, reason=reason)
    if replay:
        return replay
    state = ctx.state
    _open_household(state, household)
    _open_household(state, into)
    version = ctx.authorise(household)
    ctx.authorise(into)
    if into == household:
        raise ValidationError(f"household {household!r} cannot merge into itself",
                              merge_into=household)
    members = tuple(m.id for m in state.members.values()
                    if m.household == household and not m.closed)
    _idle(ctx, (household, *members))
    balances = tuple(state.posted.get(m, 0) for m in members)
    body = (household, into, reason, state.posted.get(household, 0), members, balances)
    return [ctx.draft(body, version)]


@command(MemberLeft)
def member_leaves(
    ctx: Context, member: str, *, reason: str, by: Actor, key: str, memo: str = "",
) -> Outcome:
    """A member leaves the registry (迁出, 去世, 婚嫁 out of the village): their balance (a
    deficit too) and lots go to their household's own account and their account closes. They
    stay on record; `member_returns()` re-opens the same account.

    Args:
        member: an open member.
        reason: one of 迁出, 去世, 婚嫁.
        by: the acting actor (role ``committee`` by default), not of the member's household.
        key: idempotency key (required: a member may leave more than once).
        memo: free text.

    Returns:
        The ``member_left`` event.

    Raises:
        UnknownAccount: no such member.
        AccountClosed: the member is closed.
        ValidationError: another reason, an open workflow case or reservation of the member.
        PermissionDenied: the actor's roles or own household.
    """
    member = check_id(member, "member")
    if not isinstance(reason, str) or reason not in DEPARTURE_REASONS:
        raise refused("reason", f"must be one of {', '.join(DEPARTURE_REASONS)}", reason)
    replay = ctx.replayed(key, member=member, reason=reason)
    if replay:
        return replay
    state = ctx.state
    found = _open_member(state, member)
    version = ctx.authorise(found.household)
    _idle(ctx, [member])
    body = (member, found.household, reason, state.posted.get(member, 0))
    return [ctx.draft(body, version)]


@command(MemberReturned)
def member_returns(
    ctx: Context, member: str, *, household: str, reason: str, by: Actor, key: str,
    memo: str = "",
) -> Outcome:
    """A member whose account was closed comes back (返乡, 迁回): the same account re-opens in
    ``household`` (the one they left or another open one), keeping its history; it is not
    registered again.

    Args:
        member: a closed member.
        household: the open household they (re)join.
        reason: why (e.g. 返乡).
        by: the acting actor (role ``committee`` by default), not of ``household``.
        key: idempotency key (required: a member may return more than once).
        memo: free text.

    Returns:
        The ``member_returned`` event.

    Raises:
        UnknownAccount: no such member or household.
        AccountClosed: the household is closed.
        ValidationError: the member is open, or a bad argument.
        PermissionDenied: the actor's roles or own household.
    """
    member = check_id(member, "member")
    household = check_id(household, "household")
    reason = _reason(reason)
    replay = ctx.replayed(key, member=member, household=household, reason=reason)
    if replay:
        return replay
    state = ctx.state
    found = state.members.get(member)
    if found is None:
        raise UnknownAccount(f"no member {member!r}", account=member)
    _open_household(state, household)
    version = ctx.authorise(household)
    if not found.closed:
        raise ValidationError(f"member {member!r} is open; only a closed member returns",
                              open_member=member)
    body = (member, found.household, household, reason, state.posted.get(member, 0))
    return [ctx.draft(body, version)]
