"""Commands of the points store (积分超市): stock-takes, redemption, reservations, transfers
(receiving stock and donations is in `pointsledger.store.donations`).

Declared like every command (`pointsledger.core.command`): they validate against the state
and the rulebook in force at the clock reading, and return drafts or raise. Every path that
takes points checks the available balance (posted minus held), so nothing ever overspends; every
path that takes stock checks the units on hand that are not reserved, so stock never goes negative.

Order of checks for a redemption or reservation: arguments, idempotency key, account and
authority, the reward, then eligibility (window, redemption day, ban, qualifying score), the
member and price, limits, stock, and last the points.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, NoReturn

from pointsledger.base.actors import SYSTEM, Actor
from pointsledger.base.checks import (
    MAX_POINTS,
    MAX_QUANTITY,
    MAX_STOCK,
    SYSTEM_KEY,
    check_id,
    check_int,
    check_text,
)
from pointsledger.base.periods import local_date
from pointsledger.core.accounts import COMMUNITY
from pointsledger.core.command import (
    Context,
    Draft,
    Outcome,
    Replayed,
    command,
    iso,
    open_account,
    policy_now,
)
from pointsledger.core.events import Event
from pointsledger.core.postings import parse_entry_id
from pointsledger.core.records import Reservation
from pointsledger.core.state import LedgerState
from pointsledger.core.store_events import (
    Expired,
    HandedOver,
    Redeemed,
    ReservationCancelled,
    ReservationTimedOut,
    Reserved,
    StockAdjusted,
    Transferred,
)
from pointsledger.errors import (
    AlreadyResolved,
    InsufficientPoints,
    LimitReached,
    NoRulebookInForce,
    NotEligible,
    OutOfStock,
    ReservationExpired,
    UnknownAccount,
    UnknownEntry,
    UnknownReward,
    ValidationError,
)
from pointsledger.rules.catalogue import Reward
from pointsledger.rules.rulebook import Rulebook

_DAY_US = 86_400_000_000


def rulebook_now(ctx: Context) -> Rulebook:
    adoption = ctx.state.adoption_at(ctx.now_us)
    if adoption is None:
        raise NoRulebookInForce(
            f"no adopted rulebook is in force at {iso(ctx.now_us, ctx.state)}",
            occurred_at=iso(ctx.now_us, ctx.state),
        )
    return adoption.rulebook


def _reward_arg(reward: object) -> str:
    return check_id(reward, "reward")


# -- stock ----------------------------------------------------------------------------------


def store_reward(ctx: Context, code: str) -> Reward:
    """Reward ``code`` of the rulebook in force, else donated goods the committee priced.

    Raises:
        NoRulebookInForce: no rulebook is in force.
        UnknownReward: neither knows the code (the message says how to price donated goods).
    """
    rulebook = rulebook_now(ctx)
    try:
        return ctx.state.store_reward(rulebook.version, code)
    except UnknownReward as exc:
        raise UnknownReward(
            f"{exc.message}; donated goods the catalogue lacks are priced first by the store "
            "committee (price_donated_goods)",
            **exc.fields,
        ) from None


@command(StockAdjusted, self_service=True)
def adjust_stock(
    ctx: Context, reward: str, *, counted: int, reason: str, by: Actor, key: str, memo: str = ""
) -> Outcome:
    """Record a stock-take (盘点): ``counted`` units found on hand, and why they differ.

    Returns:
        The ``stock_adjusted`` event.

    Raises:
        OutOfStock: fewer counted than are reserved for pickup.
        UnknownReward: no such reward.
        PermissionDenied: the actor's roles do not allow it.
    """
    reward = _reward_arg(reward)
    counted = check_int(counted, "counted", minimum=0, maximum=MAX_STOCK)
    reason = check_text(reason, "reason", required=True, multiline=True)
    replay = ctx.replayed(key, reward=reward, counted=counted, reason=reason)
    if replay:
        return replay
    version = ctx.authorise()
    store_reward(ctx, reward)
    state = ctx.state
    reserved = state.reserved.get(reward, 0)
    if counted < reserved:
        raise OutOfStock(
            f"counted {counted} of {reward!r}, but {reserved} are reserved for pickup: count "
            "again or cancel reservations first",
            reward=reward, on_hand=counted, reserved=reserved,
        )
    change = counted - state.stock.get(reward, 0)
    return [ctx.draft((reward, counted, change, reason), version)]


# -- redemption -----------------------------------------------------------------------------


def _member_for(state: LedgerState, account: str, household: str, member: object) -> str:
    if member is None:
        return account if account in state.members else ""
    member = check_id(member, "member")
    found = state.members.get(member)
    if found is None or found.household != household or found.closed:
        raise UnknownAccount(
            f"{member!r} is not an open member of household {household!r}", account=member
        )
    return member


def _age_on(state: LedgerState, member: str, day: _dt.date) -> int | None:
    found = state.members.get(member)
    if found is None or found.birth_date is None:
        return None
    birth = found.birth_date
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _age_unknown(reward: str, member: str) -> NoReturn:
    """Refuse an age-priced reward for no member, or for one without a birth date."""
    if member:
        raise NotEligible(
            f"{reward!r} is priced by age and member {member!r} has no birth date registered: "
            "register it before redeeming",
            reason="age_unknown", reward=reward, member=member, missing="birth_date",
        )
    raise NotEligible(
        f"{reward!r} is priced by age: name the household member it is for (member=...) whose "
        "birth date is registered",
        reason="age_unknown", reward=reward, missing="member",
    )


def price_and_check(
    ctx: Context, account: str, household: str, reward_code: str, quantity: int, member: object
) -> tuple[int, str]:
    """Check that ``account`` may take ``quantity`` units of a reward now.

    Returns:
        ``(unit price, member id or "")``.

    Raises:
        NotEligible: outside the window or redemption days, a ban, a low score, or an
            age-priced reward without a member whose birth date is known.
        UnknownAccount: ``member`` is not an open member of the household.
        LimitReached: a quantity limit would be passed.
        OutOfStock: not enough free stock.
        InsufficientPoints: not enough available points.
    """
    state = ctx.state
    now = ctx.now_us
    rulebook = rulebook_now(ctx)
    reward = store_reward(ctx, reward_code)
    day = state.local_day(now)
    closed = reward.open_on(day)
    if closed is not None:
        reason, message = closed
        raise NotEligible(message, reason=reason, reward=reward_code, day=day.isoformat())
    until = state.banned_until(household, now)
    if until is not None:
        raise NotEligible(
            f"household {household!r} may not redeem until {iso(until, state)} after a "
            "serious violation",
            reason="ban", household=household, until=iso(until, state),
        )
    thresholds = [t for t in (rulebook.store.min_score, reward.min_score) if t is not None]
    if thresholds:
        score, needed = state.score(household, now), max(thresholds)
        if score < needed:
            raise NotEligible(
                f"household {household!r} scores {score}, below the {needed} needed to redeem "
                f"{reward_code!r}",
                reason="threshold", household=household, score=score, needed=needed,
            )
    who = _member_for(state, account, household, member)
    age = _age_on(state, who, day) if who else None
    if reward.price_rules and age is None:
        _age_unknown(reward_code, who)
    unit_price = reward.unit_price(age)
    for limit_key, maximum, what, period in state.limit_windows(reward, household, who, now):
        used = state.limit_used.get(limit_key, 0)
        if used + quantity > maximum:
            raise LimitReached(
                f"{reward_code!r} is limited to {maximum} per {what} in {period}; {used} "
                f"taken, {quantity} asked",
                reward=reward_code, limit=what, period=period, used=used, maximum=maximum,
                asked=quantity,
            )
    free = state.stock.get(reward_code, 0) - state.reserved.get(reward_code, 0)
    if free < quantity:
        raise OutOfStock(
            f"{free} of {reward_code!r} on hand and not reserved; {quantity} asked",
            reward=reward_code, available=free, asked=quantity,
        )
    needed_points = unit_price * quantity
    available = state.available(account)
    if available < needed_points:
        raise InsufficientPoints(
            f"{account!r} has {available} points available; {reward_code!r} x {quantity} "
            f"costs {needed_points}",
            account=account, available=available, needed=needed_points,
        )
    return unit_price, who


def _take(
    ctx: Context, account: object, reward: object, quantity: object, member: object, key: object
) -> Replayed | tuple[str, tuple[Any, ...]]:
    """What a redemption and a reservation share: arguments, key, authority and every check;
    returns the replay, or the rulebook version and the body ``(account, reward, quantity,
    unit price, points, member, lots)``."""
    account, reward = check_id(account, "account"), _reward_arg(reward)
    quantity = check_int(quantity, "quantity", minimum=1, maximum=MAX_QUANTITY)
    member_arg = None if member is None else check_id(member, "member")
    # the event records the member resolved: a member's own account when none is named
    replay = ctx.replayed(key, account=account, reward=reward, quantity=quantity,
                          member=member_arg or _member_for(ctx.state, account, "", None))
    if replay:
        return replay
    household = open_account(ctx.state, account)
    version = ctx.authorise(household)
    unit_price, who = price_and_check(ctx, account, household, reward, quantity, member_arg)
    points = unit_price * quantity
    lots = ctx.state.draw_lots(account, points)
    return version, (account, reward, quantity, unit_price, points, who, lots)


@command(Redeemed, self_service=True)
def redeem(
    ctx: Context,
    account: str,
    reward: str,
    *,
    by: Actor,
    key: str,
    quantity: int = 1,
    member: str | None = None,
    memo: str = "",
) -> Outcome:
    """Redeem (兑换) now: the points and the stock are taken together.

    Args:
        account: the household or member whose points pay.
        reward: a reward code of the rulebook in force.
        by: the store keeper (or committee); never of the account's household.
        key: idempotency key.
        quantity: units.
        member: the household member it is for (price rules by age, per-member limits);
            defaults to the account when it is a member. A reward with price rules needs a
            member whose birth date is registered.
        memo: free text.

    Returns:
        The ``redeemed`` event (reverse it to return the points and the stock).

    Raises:
        NotEligible: outside the reward's window or redemption days, a ban, a score below
            the threshold, or an age-priced reward without a member whose birth date is
            known (``fields["reason"]``: window, day, ban, threshold, age_unknown).
        LimitReached: a quantity or storage limit would be passed.
        OutOfStock: not enough free stock.
        InsufficientPoints: not enough available points.
        UnknownReward: no such reward.
        PermissionDenied: the actor's roles or household do not allow it.
    """
    taken = _take(ctx, account, reward, quantity, member, key)
    if isinstance(taken, Replayed):
        return taken
    version, (*body, lots) = taken
    return [ctx.draft((*body, 0, lots), version)]


@command(Reserved, self_service=True)
def reserve(
    ctx: Context,
    account: str,
    reward: str,
    *,
    by: Actor,
    key: str,
    quantity: int = 1,
    member: str | None = None,
    memo: str = "",
) -> Outcome:
    """Reserve (预约) a reward for pickup: its points and stock are held until it is handed
    over, cancelled or times out. Residents may reserve for their own household.

    Returns:
        The ``reserved`` event; show its ``pickup_code`` (取货码) to the resident.

    Raises:
        LimitReached: a quantity limit would be passed.
        OutOfStock: not enough free stock.
        InsufficientPoints: not enough available points.
        NotEligible: not a redemption day, a ban, a score below the threshold, or an
            age-priced reward without a member whose birth date is known.
    """
    taken = _take(ctx, account, reward, quantity, member, key)
    if isinstance(taken, Replayed):
        return taken
    version, (*body, lots) = taken
    expires = ctx.now_us + rulebook_now(ctx).store.reservation_days * _DAY_US
    return [ctx.draft((*body, expires, lots), version)]


def _open_reservation(ctx: Context, reservation: object) -> Reservation:
    seq, _digest = parse_entry_id(reservation)
    found = ctx.state.reservations.get(seq)
    if found is None:
        raise UnknownEntry(f"{reservation!r} is not a reservation of this ledger",
                           entry=reservation)
    if found.status != "open":
        raise AlreadyResolved(f"reservation {reservation!r} is already {found.status}",
                              reservation=seq, status=found.status)
    return found


@command(HandedOver, self_service=True)
def hand_over(
    ctx: Context,
    reservation: str | Event,
    *,
    by: Actor,
    key: str,
    pickup_code: str | None = None,
    memo: str = "",
) -> Outcome:
    """Hand a reservation over (checking its pickup code when given): the held points are
    spent and the stock leaves.

    Returns:
        The ``handed_over`` event.

    Raises:
        AlreadyResolved: the reservation was handed over, cancelled or timed out already.
        ReservationExpired: the reservation timed out.
        UnknownEntry: no such entry.
        ValidationError: wrong code.
    """
    seq, _digest = parse_entry_id(reservation)
    replay = ctx.replayed(key, reservation=seq)
    if replay:
        return replay
    found = _open_reservation(ctx, reservation)
    version = ctx.authorise(found.household)
    if ctx.now_us >= found.expires_us:
        raise ReservationExpired(
            f"reservation {reservation!r} expired at {iso(found.expires_us, ctx.state)}",
            reservation=seq, expired=iso(found.expires_us, ctx.state),
        )
    if pickup_code is not None:
        code = ctx.event_at(seq).pickup_code  # type: ignore[attr-defined]
        if pickup_code != code:
            raise ValidationError(f"pickup code {pickup_code!r} does not match the reservation",
                                  reservation=seq)
    unit = found.points // found.quantity
    body = (found.account, found.reward, found.quantity, unit, found.points, found.member, seq,
            found.lots)
    return [ctx.draft(body, version)]


@command(ReservationCancelled, self_service=True)
def cancel_reservation(
    ctx: Context, reservation: str | Event, *, reason: str, by: Actor, key: str, memo: str = ""
) -> Outcome:
    """Cancel an open reservation, releasing its points and stock.

    Returns:
        The ``reservation_cancelled`` event.

    Raises:
        AlreadyResolved: the reservation was handed over, cancelled or timed out already.
        UnknownEntry: no such entry.
        PermissionDenied: the actor's roles or household do not allow it.
    """
    reason = check_text(reason, "reason", required=True, multiline=True)
    seq, _digest = parse_entry_id(reservation)
    replay = ctx.replayed(key, reservation=seq, reason=reason)
    if replay:
        return replay
    found = _open_reservation(ctx, reservation)
    version = ctx.authorise(found.household)
    return [ctx.draft((seq, reason), version)]


def time_out_reservations(ctx: Context, as_of_us: int) -> Outcome:
    """Time out every open reservation whose pickup time passed by ``as_of_us`` (a due job:
    none twice)."""
    version = policy_now(ctx)[1]
    return [
        Draft(ReservationTimedOut, ctx.now_us, SYSTEM.id, f"{SYSTEM_KEY}timeout/{seq}", version,
              "", (seq,))
        for seq, found in sorted(ctx.state.reservations.items())
        if found.status == "open" and found.expires_us <= as_of_us
    ]


# -- expiry ---------------------------------------------------------------------------------


def expire_lots(ctx: Context, as_of_us: int) -> Outcome:
    """Expire what is left in lots whose expiry is at or before ``as_of_us`` (a due job, not
    after the clock): one ``expired`` event per account with points to expire, none for what
    already expired. Under a carry-over policy, up to the policy's ``carry`` of the points
    due carry over to the year end after ``as_of_us`` (the newest points are the ones kept).
    An account whose due points all fit in its carry gets no event: its lots keep their old
    expiry, count as carried (`pointsledger.core.lots.shown_expiry()`), and are weighed
    again, newest first, at the next year end."""
    state = ctx.state
    version = policy_now(ctx)[1]
    drafts = []
    for account in sorted(state.lots):
        due = state.expiring(account, as_of_us + 1)
        if not due:
            continue
        limit = max((c for _e, lot, _r, c in state.lots[account] if c), default=0)
        expired, carried = _split_carry(ctx, due, limit, as_of_us)
        points = sum(amount for _lot, amount, _e in expired)
        if not points:  # everything carries: nothing to expire, nothing to write
            continue
        body = (account, points, tuple(expired), tuple(carried), as_of_us)
        # idempotency comes from the lots (what expired is gone); the key names the run
        key = f"{SYSTEM_KEY}expire/{state.seq}/{account}"
        drafts.append(Draft(Expired, ctx.now_us, SYSTEM.id, key,
                            version, "", body))
    return drafts


def _split_carry(ctx: Context, due: list[tuple[int, int, int]], limit: int, as_of_us: int
                 ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
    """Which of the due lots expire and which carry over to the year end after ``as_of_us``
    (the newest, up to ``limit``)."""
    if not limit:
        return [(lot, amount, expires) for lot, amount, expires in due], []
    expired, carried = [], []
    keep = limit
    nxt = _next_year_end(ctx, as_of_us)
    for lot, amount, expires in sorted(due, key=lambda d: -d[0]):
        kept = min(keep, amount)
        keep -= kept
        if amount - kept:
            expired.append((lot, amount - kept, expires))
        if kept:
            carried.append((lot, kept, nxt))
    return sorted(expired, key=_drawing_order), sorted(carried, key=_drawing_order)


def _drawing_order(lot: tuple[int, int, int]) -> tuple[int, int]:
    """Soonest-expiring first, then oldest: the order lots are drawn and recorded in."""
    return lot[2], lot[0]


def _next_year_end(ctx: Context, expires_us: int) -> int:
    from pointsledger.base.periods import day_start_us

    year = local_date(expires_us, ctx.state.tzinfo).year
    return day_start_us(_dt.date(year + 1, 1, 1), ctx.state.tz)


# -- transfers ------------------------------------------------------------------------------


@command(Transferred, self_service=True)
def transfer(
    ctx: Context, source: str, destination: str, points: int, *, by: Actor, key: str,
    memo: str = ""
) -> Outcome:
    """Give points: a member to their own household, a household to another household, or
    a household to the community pool (``"@community"``), as the rulebook allows.

    Returns:
        The ``transferred`` event.

    Raises:
        NotEligible: that kind of transfer is switched off.
        InsufficientPoints: not enough available points.
        ValidationError: a bad argument, named in the message.
        PermissionDenied: the actor's roles or household do not allow it.
    """
    source, destination = check_id(source, "source"), check_id(destination, "destination")
    points = check_int(points, "points", minimum=1, maximum=MAX_POINTS)
    state = ctx.state
    kind = _transfer_kind(state, source, destination)
    fields: dict[str, Any] = dict(source=source, destination=destination, points=points,
                                  transfer_kind=kind)
    replay = ctx.replayed(key, **fields)
    if replay:
        return replay
    household = open_account(state, source)
    if destination != COMMUNITY:
        open_account(state, destination)
    version = ctx.authorise(household)
    if not getattr(rulebook_now(ctx).store, kind):
        raise NotEligible(f"transfers {kind.replace('_', ' ')} are switched off in the "
                          "rulebook", reason="transfer", kind=kind)
    available = state.available(source)
    if available < points:
        raise InsufficientPoints(
            f"{source!r} has {available} points available; {points} asked",
            account=source, available=available, needed=points,
        )
    lots = state.draw_lots(source, points)
    return [ctx.draft((*fields.values(), lots), version)]


def _transfer_kind(state: LedgerState, source: str, destination: str) -> str:
    member = state.members.get(source)
    if member is not None and destination == member.household:
        return "member_to_household"
    if source in state.households and destination == COMMUNITY:
        return "household_to_community"
    if source in state.households and destination in state.households:
        if source == destination:
            raise ValidationError(f"household {source!r} cannot transfer to itself",
                                  source=source)
        return "household_to_household"
    raise ValidationError(
        f"transfers go from a member to its household, from a household to another household, "
        f"or from a household to {COMMUNITY!r}; not from {source!r} to {destination!r}",
        source=source, destination=destination,
    )
