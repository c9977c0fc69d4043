"""The commands that set a village up: its rules, its closed periods and its registry (regions,
households, members).

Each is declared once with `command()`; the signature and
docstring here are the ledger method's. Commands on things with their own identity default the
key to it: ``adopt/<version>``, ``region/<code>``, ``household/<id>``, ``member/<id>``,
``close/<account>``, ``close_period/<date>``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence

from pointsledger.base.actors import Actor, to_roles
from pointsledger.base.checks import (
    EARLIEST_BIRTH,
    check_account_id,
    check_date,
    check_day,
    check_id,
    check_text,
    refused,
)
from pointsledger.base.periods import day_start_us, local_date
from pointsledger.core.accounts import POOL
from pointsledger.core.command import Context, Outcome, command, open_account
from pointsledger.core.events import (
    AccountClosure,
    HouseholdMoved,
    HouseholdRegistered,
    MemberRegistered,
    PeriodClosure,
    RegionAdded,
    RulebookAdopted,
)
from pointsledger.core.registry import (
    HOUSEHOLD_REGIONS,
    REGION_LEVELS,
    REGION_PARENTS,
    may_parent,
)
from pointsledger.core.state import LedgerState
from pointsledger.errors import (
    AccountClosed,
    AlreadyExists,
    BalanceNotZero,
    IdempotencyConflict,
    PeriodClosed,
    RulebookError,
    UnknownAccount,
    UnknownRegion,
    ValidationError,
)
from pointsledger.rules.flows import CLAIM
from pointsledger.rules.rulebook import Rulebook

# -- rules and time -----------------------------------------------------------------------


@command(RulebookAdopted, key="adopt/{rulebook.version}")
def adopt(
    ctx: Context,
    rulebook: Rulebook,
    *,
    effective_from: _dt.date,
    by: Actor,
    resolution: str,
    key: str | None = None,
    effective_until: _dt.date | None = None,
    memo: str = "",
) -> Outcome:
    """Adopt a rulebook version (经民主程序通过), in force from ``effective_from``.

    Args:
        rulebook: the version to adopt; its version name must be new on this ledger.
        effective_from: first day (ledger zone) it governs; after the latest version's start
            and after any posting already recorded.
        by: the adopting actor (role ``committee`` by default).
        resolution: the resolution (决议) of the meeting that approved it, e.g.
            村民代表会议表决通过.
        key: idempotency key (default ``adopt/<version>``).
        effective_until: optional last day it governs.
        memo: free text.

    Returns:
        The ``rulebook_adopted`` event.

    Raises:
        AlreadyExists: the version name is taken.
        RulebookError: the range would overlap an adopted version or postings already made.
        PeriodClosed: ``effective_from`` falls in a closed period.
        PermissionDenied: the actor's roles do not allow it.
        ValidationError: a bad argument, named in the message.
        IdempotencyConflict: the key was used for a different request.
    """
    if not isinstance(rulebook, Rulebook):
        raise ValidationError(f"rulebook must be a Rulebook, got {rulebook!r}", value=rulebook)
    start = check_day(effective_from, "effective_from")
    end = None if effective_until is None else check_day(effective_until, "effective_until")
    resolution = check_text(resolution, "resolution", required=True, multiline=True)
    fields = dict(
        rulebook=rulebook,
        effective_from=start.isoformat(),
        effective_until=end.isoformat() if end else None,
        resolution=resolution,
    )
    replay = ctx.replayed(key, **fields)
    if replay:
        return replay
    version = ctx.authorise()
    state = ctx.state
    problems = rulebook.check(effective_from=start, effective_until=end, adopted=state.adoptions)
    errors = [p for p in problems if p.severity == "error"]
    if any(p.code == "version_taken" for p in errors):
        raise AlreadyExists(errors[0].message, version=rulebook.version, problems=errors)
    if errors:
        raise RulebookError(
            f"rulebook {rulebook.version!r} cannot be adopted: "
            + "; ".join(p.message for p in errors),
            version=rulebook.version,
            problems=errors,
        )
    start_us = day_start_us(start, state.tz)
    if state.adoptions and start_us <= state.max_occurred_us:
        raise RulebookError(
            f"postings under version {state.adoptions[-1].version!r} already occurred on or "
            f"after {start}; a new version can only take effect after "
            f"{local_date(state.max_occurred_us, state.tzinfo)}",
            effective_from=start.isoformat(),
        )
    if start_us < state.closed_before_us:
        raise PeriodClosed(
            f"effective_from {start} falls in a closed period", effective_from=start.isoformat()
        )
    fields["warnings"] = tuple(p.message for p in problems if p.severity == "warning")
    return [ctx.draft(tuple(fields.values()), version)]


@command(PeriodClosure, key="close_period/{through}")
def close_period(
    ctx: Context, through: _dt.date, *, by: Actor, key: str | None = None, memo: str = ""
) -> Outcome:
    """Close the books (结账) through the end of local day ``through``: postings that
    occurred up to then are refused from now on.

    Args:
        through: the last local day to close; before today.
        by: the closing actor (role ``committee`` by default).
        key: idempotency key (default ``close_period/<date>``).
        memo: free text.

    Returns:
        The ``period_closed`` event.

    Raises:
        ValidationError: ``through`` is today or later, already closed, or claims for conduct
            up to then are still in review or notice.
        PermissionDenied: the actor's roles do not allow it.
    """
    day = check_day(through, "through")
    replay = ctx.replayed(key, through=day.isoformat())
    if replay:
        return replay
    version = ctx.authorise()
    state = ctx.state
    today = local_date(ctx.now_us, state.tzinfo)
    if day >= today:
        raise ValidationError(
            f"only past days can be closed; through={day} is not before today {today}",
            through=day.isoformat(),
        )
    boundary = day_start_us(day + _dt.timedelta(days=1), state.tz)
    if boundary <= state.closed_before_us:
        raise ValidationError(
            f"the books are already closed through {day}", through=day.isoformat()
        )
    waiting = [c.id for c in state.cases.values() if c.flow == "claim"
               and c.state in CLAIM.pending | {"submitted", "checked"}
               and c.occurred_us < boundary]
    if waiting:
        raise ValidationError(
            f"claims for conduct up to {day} are still in review or notice {waiting[:10]}; "
            "decide them before closing the books", through=day.isoformat(), claims=waiting)
    return [ctx.draft((day.isoformat(),), version)]


# -- registry -----------------------------------------------------------------------------


@command(RegionAdded, key="region/{code}")
def add_region(
    ctx: Context,
    code: str,
    name: str,
    *,
    kind: str,
    by: Actor,
    parent: str | None = None,
    key: str | None = None,
    memo: str = "",
) -> Outcome:
    """Add a region (county, town, village, community, grid or micro-grid) to the tree.

    The tree's shape is checked: a town sits under a county, a village or community under a
    town, a grid under a village or community, a micro-grid (微网格) under a grid. A top
    region (no parent) may be of any kind (a village ledger starts at its village).

    Args:
        code: the region's code, new on this ledger.
        name: its name.
        kind: one of ``county``, ``town``, ``village``, ``community``, ``grid``,
            ``micro_grid``.
        by: the acting actor (role ``committee`` by default).
        parent: the code of the region above (None for a top region).
        key: idempotency key (default ``region/<code>``).
        memo: free text.

    Returns:
        The ``region_added`` event.

    Raises:
        AlreadyExists: the code is taken.
        UnknownRegion: no such parent.
        ValidationError: a kind that cannot sit under the parent's kind.
    """
    code = check_id(code, "region code")
    name = check_text(name, "name", required=True)
    if type(kind) is not str or kind not in REGION_LEVELS:
        raise refused("kind", f"must be one of {', '.join(REGION_LEVELS)}", kind)
    if parent is not None:
        parent = check_id(parent, "parent")
    fields = dict(code=code, name=name, region_kind=kind, parent=parent)
    replay = ctx.replayed(key, **fields)
    if replay:
        return replay
    version = ctx.authorise()
    state = ctx.state
    if code in state.regions:
        raise AlreadyExists(f"region {code!r} already exists", region=code)
    if parent is not None:
        above = state.regions.get(parent)
        if above is None:
            raise UnknownRegion(f"no parent region {parent!r}", region=parent)
        if not may_parent(above.kind, kind):
            accepted = REGION_PARENTS[kind]
            where = (f"a {kind} sits under a {' or a '.join(accepted)}" if accepted
                     else f"a {kind} is always a top region (no parent)")
            raise ValidationError(
                f"a {kind} cannot sit under the {above.kind} {parent!r}: {where}",
                kind=kind,
                parent=parent,
                parent_kind=above.kind,
                accepted=list(accepted),
            )
    return [ctx.draft(tuple(fields.values()), version)]


def _grid(state: LedgerState, grid: object) -> str:
    grid = check_id(grid, "grid")
    region = state.regions.get(grid)
    if region is None:
        raise UnknownRegion(f"no grid {grid!r}", region=grid)
    if region.kind not in HOUSEHOLD_REGIONS:
        raise ValidationError(
            f"households belong to a grid or a micro_grid; {grid!r} is a {region.kind}",
            region=grid, region_kind=region.kind, accepted=list(HOUSEHOLD_REGIONS),
        )
    return region.code


def _new_account(state: LedgerState, account: str) -> None:
    if account in state.households or account in state.members:
        raise AlreadyExists(f"account {account!r} is already registered", account=account)


def _registered_again(ctx: Context, key: str | None, account: str,
                      fields: Mapping[str, object]) -> Outcome | None:
    """The replay of a registration; registering a closed member again under the default key
    (taken by their first registration) is refused as `AlreadyExists` pointing to
    `member_returns()`, not as a misleading
    `IdempotencyConflict`."""
    try:
        return ctx.replayed(key, **fields)
    except IdempotencyConflict:
        state = ctx.state
        if key is not None:
            raise
        member = state.members.get(account)
        if member is None or not member.closed:
            raise
        raise _closed_member(account, member.household) from None


def _closed_member(account: str, household: str) -> AlreadyExists:
    return AlreadyExists(
        f"member {account!r} is already registered and closed (they left household "
        f"{household!r}); a member who comes back is re-opened with member_returns, not "
        "registered again", account=account)


def _open_household(state: LedgerState, household: str) -> None:
    found = state.households.get(household)
    if found is None:
        raise UnknownAccount(f"no household {household!r}", account=household)
    if found.closed:
        raise AccountClosed(f"household {household!r} is closed", account=household)


@command(HouseholdRegistered, key="household/{household}")
def register_household(
    ctx: Context,
    household: str,
    *,
    grid: str,
    head: str,
    by: Actor,
    key: str | None = None,
    memo: str = "",
) -> Outcome:
    """Register a household (户) in a grid or micro-grid; ``head`` is the head of household's
    name.

    Returns:
        The ``household_registered`` event (default key ``household/<id>``).

    Raises:
        AlreadyExists: the id is a registered household or member.
        UnknownRegion: no such grid.
        ValidationError: a bad argument, or a region that is not a grid or micro-grid.
    """
    household = check_account_id(household, "household")
    head = check_text(head, "head", required=True)
    grid = check_id(grid, "grid")
    fields = dict(household=household, grid=grid, head=head)
    replay = ctx.replayed(key, **fields)
    if replay:
        return replay
    version = ctx.authorise()
    _new_account(ctx.state, household)
    _grid(ctx.state, grid)
    return [ctx.draft(tuple(fields.values()), version)]


@command(MemberRegistered, key="member/{member}")
def register_member(
    ctx: Context,
    member: str,
    *,
    household: str,
    name: str,
    by: Actor,
    key: str | None = None,
    roles: Sequence[str] | frozenset[str] = (),
    birth_date: _dt.date | None = None,
    memo: str = "",
) -> Outcome:
    """Register a member (成员) of an open household, with roles and an optional birth date.

    Returns:
        The ``member_registered`` event (default key ``member/<id>``).

    Raises:
        AlreadyExists: the id is taken (also when the member is closed: a member who comes
            back is re-opened with ``member_returns``).
        UnknownAccount: no such household.
        AccountClosed: the household is closed.
    """
    member = check_account_id(member, "member")
    name = check_text(name, "name", required=True)
    household = check_id(household, "household")
    role_set = to_roles(roles)
    birth = None if birth_date is None else check_date(
        birth_date, "birth_date", earliest=EARLIEST_BIRTH,
        latest=local_date(ctx.now_us, ctx.state.tzinfo)).isoformat()
    fields = dict(
        member=member, household=household, name=name, roles=tuple(sorted(role_set)),
        birth_date=birth,
    )
    replay = _registered_again(ctx, key, member, fields)
    if replay:
        return replay
    version = ctx.authorise()
    state = ctx.state
    closed = state.members.get(member)
    if closed is not None and closed.closed:  # under a key of the app's own
        raise _closed_member(member, closed.household)
    _new_account(state, member)
    _open_household(state, household)
    return [ctx.draft(tuple(fields.values()), version)]


@command(HouseholdMoved)
def move_household(
    ctx: Context, household: str, *, grid: str, by: Actor, key: str, memo: str = ""
) -> Outcome:
    """Move a household to another grid or micro-grid.

    Returns:
        The ``household_moved`` event.

    Raises:
        UnknownAccount: no such household.
        UnknownRegion: no such grid.
        AccountClosed: the household is closed.
        ValidationError: the same grid.
    """
    household = check_id(household, "household")
    grid = check_id(grid, "grid")
    replay = ctx.replayed(key, household=household, to_grid=grid)
    if replay:
        return replay
    version = ctx.authorise()
    state = ctx.state
    _open_household(state, household)
    found = state.households[household]
    to_grid = _grid(state, grid)
    if to_grid == found.grid:
        raise ValidationError(f"household {household!r} is already in grid {grid!r}", grid=grid)
    return [ctx.draft((found.id, found.grid, to_grid), version)]


@command(AccountClosure, key="close/{account}")
def close_account(
    ctx: Context,
    account: str,
    *,
    by: Actor,
    key: str | None = None,
    balance_to: str | None = None,
    memo: str = "",
) -> Outcome:
    """Close a household or member account.

    A household closes after its members. A non-zero balance must be sent somewhere with
    ``balance_to`` (another open account, or ``"@pool"`` to return it to the village).

    Returns:
        The ``account_closed`` event (default key ``close/<account>``).

    Raises:
        BalanceNotZero: a balance and no ``balance_to``.
        AccountClosed: the account is closed.
        UnknownAccount: no such household or member.
        ValidationError: open members or open workflow cases remain.
        PermissionDenied: own household.
    """
    account = check_id(account, "account")
    if balance_to is not None:
        balance_to = check_id(balance_to, "balance_to")
    replay = ctx.replayed(key, account=account, balance_to=balance_to)
    if replay:
        return replay
    state = ctx.state
    household = open_account(state, account)
    version = ctx.authorise(household)
    if account in state.households:
        open_members = sorted(
            m.id for m in state.members.values() if m.household == account and not m.closed
        )
        if open_members:
            raise ValidationError(
                f"household {account!r} still has open members {open_members}; close them first",
                account=account,
                members=open_members,
            )
    live = [c.id for c in state.cases.values()
            if c.is_open_at(ctx.now_us) and account in (c.account, c.assignee, c.household)]
    if live:
        raise ValidationError(
            f"account {account!r} still has open workflow cases {live[:10]}; finish them first",
            account=account, cases=live)
    balance = state.posted.get(account, 0)
    if balance and balance_to is None:
        raise BalanceNotZero(
            f"account {account!r} has a balance of {balance}; say where it goes with "
            f"balance_to= (another account, or {POOL!r} to return it to the village)",
            account=account,
            balance=balance,
        )
    if balance_to is not None:
        if balance_to == account:
            raise ValidationError("balance_to must be another account", balance_to=balance_to)
        if balance_to != POOL:
            open_account(state, balance_to)
    return [ctx.draft((account, balance, balance_to), version)]
