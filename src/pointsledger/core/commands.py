"""Commands: validate a request against the state and the rules in force, and say what to write.

Each command is a pure function of a :class:`Context` (the state, the clock reading, a way to read
earlier events) and its arguments. It returns either the drafts of the events to append, or,
when its idempotency key was already used for the same request, the events that request wrote
(:class:`Replayed`). It never changes state; it raises a
:class:`~pointsledger.errors.PointsLedgerError` for anything it refuses, before anything is
written.

Order of checks: argument types and values, then the idempotency key (so a repeated request
gets its first answer even if it would now be refused), then authority, then the state and rules.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import attrs

from pointsledger.base.actors import Actor, to_roles
from pointsledger.base.checks import (
    MAX_KEY,
    check_account_id,
    check_date,
    check_id,
    check_int,
    check_key,
    check_text,
)
from pointsledger.base.clock import to_us
from pointsledger.base.periods import day_start_us, local_date, period_label
from pointsledger.core.accounts import POOL
from pointsledger.core.events import (
    AccountClosure,
    Awarded,
    Deducted,
    Event,
    HouseholdMoved,
    HouseholdRegistered,
    ItemPosting,
    MemberRegistered,
    PeriodClosure,
    Redemption,
    RegionAdded,
    Reversed,
    RulebookAdopted,
    request_of,
)
from pointsledger.core.records import Adoption
from pointsledger.core.registry import REGION_LEVELS, may_parent
from pointsledger.core.state import LedgerState
from pointsledger.errors import (
    AccountClosed,
    AlreadyExists,
    AlreadyReversed,
    BackdatedTooFar,
    BalanceNotZero,
    CapExceeded,
    EvidenceRequired,
    IdempotencyConflict,
    NoRulebookInForce,
    NotReversible,
    OccurredInFuture,
    PeriodClosed,
    PermissionDenied,
    RulebookError,
    UnknownAccount,
    UnknownEntry,
    UnknownRegion,
    ValidationError,
)
from pointsledger.rules.checklist import ChecklistItem
from pointsledger.rules.flows import CLAIM
from pointsledger.rules.policy import DEFAULT_POLICY, Policy
from pointsledger.rules.rulebook import Rulebook


class Draft(NamedTuple):
    """An event to be written: everything but ``seq``, ``recorded_us`` and ``hash``."""

    cls: type[Event]
    occurred_us: int
    actor: str
    key: str
    version: str
    memo: str
    body: tuple[Any, ...]


@attrs.frozen
class Replayed:
    """The events an earlier identical request wrote under the same idempotency key."""

    events: tuple[Event, ...]


Outcome = list[Draft] | Replayed


class Context:
    """What a command may look at: the state, the clock reading and earlier events."""

    __slots__ = ("backdate_us", "event_at", "now_us", "state")

    def __init__(
        self, state: LedgerState, now_us: int, backdate_us: int, event_at: Callable[[int], Event]
    ) -> None:
        self.state = state
        self.now_us = now_us
        self.backdate_us = backdate_us
        self.event_at = event_at


# -- shared checks ------------------------------------------------------------------------


def _actor(by: object) -> Actor:
    if not isinstance(by, Actor):
        raise ValidationError(f"by must be an Actor, got {by!r}", field="by", value=by)
    return by


def _replayed(ctx: Context, key: str, request: tuple[Any, ...]) -> Replayed | None:
    seq = ctx.state.keys.get(key)
    if seq is None:
        return None
    first = ctx.event_at(seq)
    if first.request() != request:
        raise IdempotencyConflict(
            f"key {key!r} was used by event {first.id} for a different request; "
            "use a new key for a new command",
            key=key,
            event=first.id,
        )
    events = [first]
    following = seq + 1
    while following <= ctx.state.seq:
        event = ctx.event_at(following)
        if event.key != key:
            break
        events.append(event)
        following += 1
    return Replayed(tuple(events))


def policy_now(ctx: Context) -> tuple[Policy, str]:
    """The policy table and rulebook version in force at the clock reading.

    Before any rulebook is in force, :data:`~pointsledger.rules.rulebook.DEFAULT_POLICY` applies.
    """
    adoption = ctx.state.adoption_at(ctx.now_us)
    if adoption is None:
        return DEFAULT_POLICY, ""
    return adoption.rulebook.policy, adoption.version


def _authorise(ctx: Context, by: Actor, command: str, household: str | None = None) -> str:
    policy, version = policy_now(ctx)
    allowed = policy.roles_for(command)
    if by.roles.isdisjoint(allowed):
        raise PermissionDenied(
            f"actor {by.id!r} with roles {sorted(by.roles)} may not {command}; "
            f"roles allowed: {sorted(allowed)}",
            actor=by.id,
            command=command,
            allowed=sorted(allowed),
        )
    if household is not None and ctx.state.household_of(by.id) == household:
        raise PermissionDenied(
            f"actor {by.id!r} belongs to household {household!r} and may not {command} for it",
            actor=by.id,
            command=command,
            household=household,
        )
    return version


def _open_account(state: LedgerState, account: str) -> str:
    """The household of an open account (an already checked id); raises for unknown or closed
    accounts."""
    household = state.households.get(account)
    if household is not None:
        if household.closed:
            raise AccountClosed(f"household {account!r} is closed", account=account)
        return household.id
    member = state.members.get(account)
    if member is None:
        raise UnknownAccount(
            f"no household or member {account!r} is registered", account=account
        )
    if member.closed:
        raise AccountClosed(f"member {account!r} is closed", account=account)
    if state.households[member.household].closed:
        raise AccountClosed(
            f"member {account!r} belongs to closed household {member.household!r}",
            account=account,
        )
    return member.household


def _check_occurred(ctx: Context, occurred_us: int) -> None:
    state = ctx.state
    if occurred_us > ctx.now_us:
        raise OccurredInFuture(
            f"occurred_at {_iso(occurred_us, state)} is after the ledger clock "
            f"{_iso(ctx.now_us, state)}",
            occurred_at=_iso(occurred_us, state),
            now=_iso(ctx.now_us, state),
        )
    if occurred_us < state.closed_before_us:
        raise PeriodClosed(
            f"occurred_at {_iso(occurred_us, state)} falls in a closed period; "
            f"the books are closed before {_iso(state.closed_before_us, state)}",
            occurred_at=_iso(occurred_us, state),
            closed_before=_iso(state.closed_before_us, state),
        )
    if occurred_us < ctx.now_us - ctx.backdate_us:
        days = ctx.backdate_us // 86_400_000_000
        raise BackdatedTooFar(
            f"occurred_at {_iso(occurred_us, state)} is more than {days} days before the "
            f"ledger clock {_iso(ctx.now_us, state)}",
            occurred_at=_iso(occurred_us, state),
            window_days=days,
        )


def _iso(us: int, state: LedgerState) -> str:
    return _dt.datetime.fromtimestamp(us / 1_000_000, state.tzinfo).isoformat()


def _strings(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(
            f"{what} must be a sequence of strings, got {value!r}", field=what, value=value
        )
    out = tuple(value)
    for v in out:
        check_text(v, what, required=True)
    return out


# -- rules and time -----------------------------------------------------------------------


def adopt(
    ctx: Context,
    rulebook: object,
    *,
    effective_from: object,
    by: object,
    key: object,
    minutes: object,
    effective_until: object = None,
    memo: object = "",
) -> Outcome:
    """Adopt a rulebook version in force from ``effective_from`` (a date in the ledger zone)."""
    if not isinstance(rulebook, Rulebook):
        raise ValidationError(f"rulebook must be a Rulebook, got {rulebook!r}", value=rulebook)
    start = check_date(effective_from, "effective_from")
    end = None if effective_until is None else check_date(effective_until, "effective_until")
    by = _actor(by)
    key = check_key(f"adopt/{rulebook.version}" if key is None else key)
    minutes = check_text(minutes, "minutes", required=True)
    memo = check_text(memo, "memo")
    fields = dict(
        rulebook=rulebook,
        effective_from=start.isoformat(),
        effective_until=end.isoformat() if end else None,
        minutes=minutes,
    )
    replay = _replayed(ctx, key, request_of(RulebookAdopted, by.id, memo, **fields))
    if replay:
        return replay
    version = _authorise(ctx, by, "adopt")
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
    return [Draft(RulebookAdopted, ctx.now_us, by.id, key, version, memo, tuple(fields.values()))]


def close_period(
    ctx: Context, through: object, *, by: object, key: object, memo: object = ""
) -> Outcome:
    """Close the books (结账) through the end of the local date ``through``."""
    day = check_date(through, "through")
    by = _actor(by)
    key = check_key(f"close_period/{day.isoformat()}" if key is None else key)
    memo = check_text(memo, "memo")
    replay = _replayed(
        ctx, key, request_of(PeriodClosure, by.id, memo, through=day.isoformat())
    )
    if replay:
        return replay
    version = _authorise(ctx, by, "close_period")
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
    return [Draft(PeriodClosure, ctx.now_us, by.id, key, version, memo, (day.isoformat(),))]


# -- registry -----------------------------------------------------------------------------


def add_region(
    ctx: Context,
    code: object,
    name: object,
    *,
    kind: object,
    by: object,
    key: object,
    parent: object = None,
    memo: object = "",
) -> Outcome:
    """Add a region under ``parent`` (None for a top region)."""
    code = check_id(code, "region code")
    name = check_text(name, "name", required=True)
    if kind not in REGION_LEVELS:
        raise ValidationError(
            f"kind must be one of {', '.join(REGION_LEVELS)}, got {kind!r}", kind=kind
        )
    if parent is not None:
        parent = check_id(parent, "parent")
    by = _actor(by)
    key = check_key(f"region/{code}" if key is None else key)
    memo = check_text(memo, "memo")
    fields = dict(code=code, name=name, region_kind=kind, parent=parent)
    replay = _replayed(ctx, key, request_of(RegionAdded, by.id, memo, **fields))
    if replay:
        return replay
    version = _authorise(ctx, by, "add_region")
    state = ctx.state
    if code in state.regions:
        raise AlreadyExists(f"region {code!r} already exists", region=code)
    if parent is not None:
        above = state.regions.get(parent)
        if above is None:
            raise UnknownRegion(f"no parent region {parent!r}", region=parent)
        if not may_parent(above.kind, kind):
            raise ValidationError(
                f"a {kind} cannot sit under the {above.kind} {parent!r}",
                kind=kind,
                parent=parent,
            )
    return [Draft(RegionAdded, ctx.now_us, by.id, key, version, memo, tuple(fields.values()))]


def _grid(state: LedgerState, grid: object) -> str:
    grid = check_id(grid, "grid")
    region = state.regions.get(grid)
    if region is None:
        raise UnknownRegion(f"no grid {grid!r}", region=grid)
    if region.kind != "grid":
        raise ValidationError(
            f"households belong to a grid; {grid!r} is a {region.kind}", region=grid
        )
    return region.code


def _new_account(state: LedgerState, account: str) -> None:
    if account in state.households or account in state.members:
        raise AlreadyExists(f"account {account!r} is already registered", account=account)


def register_household(
    ctx: Context,
    household: object,
    *,
    grid: object,
    head: object,
    by: object,
    key: object,
    memo: object = "",
) -> Outcome:
    """Register a household (户) in a grid."""
    household = check_account_id(household, "household")
    head = check_text(head, "head", required=True)
    by = _actor(by)
    key = check_key(f"household/{household}" if key is None else key)
    memo = check_text(memo, "memo")
    fields = dict(household=household, grid=grid, head=head)
    replay = _replayed(ctx, key, request_of(HouseholdRegistered, by.id, memo, **fields))
    if replay:
        return replay
    version = _authorise(ctx, by, "register_household")
    _new_account(ctx.state, household)
    _grid(ctx.state, grid)
    return [
        Draft(HouseholdRegistered, ctx.now_us, by.id, key, version, memo, tuple(fields.values()))
    ]


def register_member(
    ctx: Context,
    member: object,
    *,
    household: object,
    name: object,
    by: object,
    key: object,
    roles: object = (),
    birth_date: object = None,
    memo: object = "",
) -> Outcome:
    """Register a member (成员) of an open household."""
    member = check_account_id(member, "member")
    name = check_text(name, "name", required=True)
    role_set = to_roles(roles)
    birth = None if birth_date is None else check_date(birth_date, "birth_date").isoformat()
    by = _actor(by)
    key = check_key(f"member/{member}" if key is None else key)
    memo = check_text(memo, "memo")
    fields = dict(
        member=member, household=household, name=name, roles=tuple(sorted(role_set)),
        birth_date=birth,
    )
    replay = _replayed(ctx, key, request_of(MemberRegistered, by.id, memo, **fields))
    if replay:
        return replay
    version = _authorise(ctx, by, "register_member")
    state = ctx.state
    _new_account(state, member)
    found = state.households.get(check_id(household, "household"))
    if found is None:
        raise UnknownAccount(f"no household {household!r}", account=household)
    if found.closed:
        raise AccountClosed(f"household {household!r} is closed", account=household)
    return [Draft(MemberRegistered, ctx.now_us, by.id, key, version, memo, tuple(fields.values()))]


def move_household(
    ctx: Context, household: object, *, grid: object, by: object, key: object, memo: object = ""
) -> Outcome:
    """Move a household to another grid."""
    household = check_id(household, "household")
    by = _actor(by)
    key = check_key(key)
    memo = check_text(memo, "memo")
    replay = _replayed(
        ctx, key, request_of(HouseholdMoved, by.id, memo, household=household, to_grid=grid)
    )
    if replay:
        return replay
    version = _authorise(ctx, by, "move_household")
    state = ctx.state
    found = state.households.get(household)
    if found is None:
        raise UnknownAccount(f"no household {household!r}", account=household)
    if found.closed:
        raise AccountClosed(f"household {household!r} is closed", account=household)
    to_grid = _grid(state, grid)
    if to_grid == found.grid:
        raise ValidationError(f"household {household!r} is already in grid {grid!r}", grid=grid)
    body = (found.id, found.grid, to_grid)
    return [Draft(HouseholdMoved, ctx.now_us, by.id, key, version, memo, body)]


def close(
    ctx: Context,
    account: object,
    *,
    by: object,
    key: object,
    balance_to: object = None,
    memo: object = "",
) -> Outcome:
    """Close a household or member account, moving a non-zero balance to ``balance_to``."""
    account = check_id(account, "account")
    if balance_to is not None:
        balance_to = check_id(balance_to, "balance_to")
    by = _actor(by)
    key = check_key(f"close/{account}" if key is None else key)
    memo = check_text(memo, "memo")
    replay = _replayed(
        ctx,
        key,
        request_of(AccountClosure, by.id, memo, account=account, balance_to=balance_to),
    )
    if replay:
        return replay
    state = ctx.state
    household = _open_account(state, account)
    version = _authorise(ctx, by, "close", household)
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
            if c.is_live and account in (c.account, c.assignee, c.household)]
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
            _open_account(state, balance_to)
    body = (account, balance, balance_to)
    return [Draft(AccountClosure, ctx.now_us, by.id, key, version, memo, body)]


# -- postings -----------------------------------------------------------------------------


def post_item(
    ctx: Context,
    cls: type[Awarded] | type[Deducted],
    account: object,
    item: object,
    by: object,
    key: object,
    occurred_at: object,
    quantity: object = 1,
    evidence: object = (),
    memo: object = "",
) -> Outcome:
    """Award (``cls`` Awarded) or deduct (``cls`` Deducted) a checklist item's points.

    The arguments are positional: this is the hot path of a scoring day."""
    state = ctx.state
    # This is the hot path of a scoring day: the common, valid case skips the generic checks
    # (a registered account id is a valid id; a rulebook lookup checks an item code).
    if type(account) is not str or (
        account not in state.households and account not in state.members
    ):
        account = check_id(account, "account")
    if type(item) is not str:
        item = check_id(item, "item")
    if type(by) is not Actor:
        by = _actor(by)
    if type(key) is not str or not 0 < len(key) <= MAX_KEY or key.isspace():
        key = check_key(key)
    occurred_us = to_us(occurred_at, "occurred_at")
    if quantity != 1 or type(quantity) is not int:
        quantity = check_int(quantity, "quantity", minimum=1)
    evidence = () if evidence == () else _strings(evidence, "evidence")
    if memo != "":
        memo = check_text(memo, "memo")
    if key in state.keys:
        # the order of Awarded.REQUEST / Deducted.REQUEST, spelled out on this hot path
        request = (cls.KIND, by.id, memo, account, item, quantity, occurred_us, evidence)
        replay = _replayed(ctx, key, request)
        if replay:
            return replay
    command = "award" if cls is Awarded else "deduct"
    return [item_draft(ctx, cls, account, item, by, key, occurred_us, quantity, evidence, memo,
                       command)]


def item_draft(
    ctx: Context,
    cls: type[Awarded] | type[Deducted],
    account: str,
    item: str,
    by: Actor,
    key: str,
    occurred_us: int,
    quantity: int,
    evidence: tuple[str, ...],
    memo: str,
    command: str,
) -> Draft:
    """The draft of an award or deduction whose arguments are already checked, validated
    against the state and rules, with ``command`` the policy entry that authorises it."""
    household = _open_account(ctx.state, account)
    _authorise(ctx, by, command, household)
    _check_occurred(ctx, occurred_us)
    return posting_draft(ctx, cls, account, item, by.id, key, occurred_us, quantity, evidence,
                         memo)


def posting_draft(
    ctx: Context,
    cls: type[Awarded] | type[Deducted],
    account: str,
    item: str,
    actor: str,
    key: str,
    occurred_us: int,
    quantity: int,
    evidence: tuple[str, ...],
    memo: str,
    *,
    caps: bool = True,
) -> Draft:
    """The draft of an award or deduction checked against the rulebook in force at
    ``occurred_us`` (its sign, evidence and, when ``caps``, its caps); authority, the account
    and the time were checked by the caller."""
    state = ctx.state
    adoption = rulebook_at(ctx, occurred_us)
    checklist_item = adoption.rulebook.item(item)
    points = checklist_item.points * quantity
    if cls is Awarded and checklist_item.points <= 0:
        raise ValidationError(
            f"award takes an item with positive points; {item!r} has {checklist_item.points}: "
            "use deduct",
            item=item,
            points=checklist_item.points,
        )
    if cls is Deducted and checklist_item.points >= 0:
        raise ValidationError(
            f"deduct takes an item with negative points; {item!r} has {checklist_item.points}: "
            "use award",
            item=item,
            points=checklist_item.points,
        )
    if checklist_item.evidence_required and not evidence:
        raise EvidenceRequired(
            f"item {item!r} requires evidence (photo ids or text)", item=item
        )
    if cls is Awarded and caps:
        check_caps(state, account, adoption.rulebook, checklist_item, occurred_us, points)
    lots = state.draw_lots(account, -points) if points < 0 and account in state.lots else ()
    body = (account, item, quantity, points, evidence, lots)
    return Draft(cls, occurred_us, actor, key, adoption.version, memo, body)


def rulebook_at(ctx: Context, occurred_us: int) -> Adoption:
    """The adoption in force at ``occurred_us``.

    Raises:
        NoRulebookInForce: none is.
    """
    adoption = ctx.state.adoption_at(occurred_us)
    if adoption is None:
        raise NoRulebookInForce(
            f"no adopted rulebook is in force at {_iso(occurred_us, ctx.state)}",
            occurred_at=_iso(occurred_us, ctx.state),
        )
    return adoption


def check_caps(state: LedgerState, account: str, rulebook: Rulebook, item: ChecklistItem,
               occurred_us: int, points: int) -> None:
    """Refuse an award of ``points`` that would pass a cap (claims in notice hold their room).

    Raises:
        CapExceeded: stating the cap, the period and what is left.
    """
    used_by = state.cap_used
    for key, maximum in state.cap_keys(account, rulebook.version, item.code, occurred_us):
        if used_by.get(key, 0) + points > maximum:
            break
    else:
        return
    for window in state.cap_windows(account, rulebook, item, occurred_us):
        used = used_by.get(window.key, 0)
        cap = window.cap
        if used + points > cap.max_points:
            period = period_label(cap.per, window.period)
            raise CapExceeded(
                f"{window.scope} {window.name!r} caps {account!r} at {cap.max_points} points "
                f"per {cap.per}; {used} used in {period}, {cap.max_points - used} left, "
                f"{points} asked",
                scope=window.scope,
                name=window.name,
                cap=cap.max_points,
                per=cap.per,
                period=period,
                used=used,
                remaining=cap.max_points - used,
                requested=points,
            )


def parse_entry_id(entry: object) -> tuple[int, str]:
    """Split an event id ``e<seq>-<hex>`` (or an Event) into ``(seq, hex)``.

    Raises:
        UnknownEntry: ``entry`` is not an event id.
    """
    if isinstance(entry, Event):
        entry = entry.id
    if isinstance(entry, str) and entry.startswith("e") and "-" in entry:
        seq_text, _, digest = entry[1:].partition("-")
        if seq_text.isdigit() and digest:
            return int(seq_text), digest
    raise UnknownEntry(
        f"{entry!r} is not an event id (ids look like 'e42-1a2b3c4d5e6f')", entry=entry
    )


def reverse(
    ctx: Context,
    entry: object,
    *,
    reason: object,
    by: object,
    key: object,
    memo: object = "",
) -> Outcome:
    """Reverse (冲正) an award, a deduction or a redemption, at most once, with a reason."""
    seq, digest = parse_entry_id(entry)
    reason = check_text(reason, "reason", required=True)
    by = _actor(by)
    key = check_key(key)
    memo = check_text(memo, "memo")
    state = ctx.state
    if not 1 <= seq <= state.seq:
        raise UnknownEntry(f"no event {entry!r} in this ledger", entry=entry)
    original = ctx.event_at(seq)
    if not original.hash.hex().startswith(digest):
        raise UnknownEntry(
            f"event {seq} of this ledger is {original.id}, not {entry!r}", entry=entry
        )
    replay = _replayed(ctx, key, request_of(Reversed, by.id, memo, original=seq, reason=reason))
    if replay:
        return replay
    if not isinstance(original, ItemPosting | Redemption):
        raise NotReversible(
            f"{original.id} is a {original.KIND} event; only awards, deductions and "
            "redemptions are reversed",
            entry=original.id,
            kind=original.KIND,
        )
    done = state.reversals.get(seq)
    if done is not None:
        raise AlreadyReversed(
            f"{original.id} was already reversed by event {done}",
            entry=original.id,
            reversal=done,
        )
    household = _open_account(state, original.account)
    version = _authorise(ctx, by, "reverse", household)
    return [reversal_draft(ctx, original, reason, by.id, key, version, memo)]


def reversal_draft(ctx: Context, original: ItemPosting | Redemption, reason: str, actor: str,
                   key: str, version: str, memo: str) -> Draft:
    """The draft of the reversal of ``original`` (checked by the caller to be reversible and
    not yet reversed): the exact opposite flows, and the lots, caps and limits to give back."""
    state = ctx.state
    seq = original.seq
    flows = tuple((d, s, a) for s, d, a in original.postings())
    occurred_us, version_then = original.occurred_us, original.version
    if isinstance(original, Redemption):
        what, member, lots = original.reward, original.member, original.lots
        if original.reservation:  # limits were counted when it was reserved
            reservation = state.reservations[original.reservation]
            occurred_us, version_then = reservation.occurred_us, reservation.version
    elif isinstance(original, Awarded):
        what, member = original.item, ""
        left = sum(e[2] for e in state.lots.get(original.account, ()) if e[1] == seq)
        spent = original.points - left if state.lots.get(original.account) else 0
        lots = state.draw_lots(original.account, spent, skip=seq) if spent > 0 else ()
    else:
        what, member, lots = original.item, "", original.lots
    body = (
        seq,
        original.KIND,
        reason,
        original.account,
        what,
        original.quantity,
        member,
        original.points,
        occurred_us,
        version_then,
        flows,
        lots,
    )
    return Draft(Reversed, ctx.now_us, actor, key, version, memo, body)
