"""How postings change the ledger state beyond the balances (which `apply()` folds for every
event): the cap counters, each household's conduct per year, the lots an award opens and a
deduction or reversal takes, and the bans a serious deduction imposes. Only
`pointsledger.core.state.apply()` calls these handlers.

Invariant: a reversal undoes exactly what its original counted (caps and conduct for the
household the account belonged to then, lots, bans, stock and limits).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pointsledger.base.periods import day_start_us, local_date
from pointsledger.core.events import Awarded, Deducted, Event, Reversed
from pointsledger.core.lots import fit_lots, give_lots, take_lots
from pointsledger.core.store_events import HandedOver, Redeemed
from pointsledger.core.store_state import count_limits

if TYPE_CHECKING:
    from pointsledger.core.state import LedgerState


def count_caps(state: LedgerState, account: str, item_code: str, version: str,
               occurred_us: int, points: int) -> None:
    """Add ``points`` to every cap counter an award of ``item_code`` to ``account`` at
    ``occurred_us`` counts against (negative to give the room back)."""
    used = state.cap_used
    for key, _max in state.cap_keys(account, version, item_code, occurred_us):
        used[key] = used.get(key, 0) + points


def _count_conduct(state: LedgerState, account: str, occurred_us: int, points: int,
                   seq: int | None = None) -> None:
    """Count conduct for the household the account belonged to then (at event ``seq``, default
    now): a member's conduct stays with the household it was recorded for."""
    household = account if account in state.households else (
        (state.household_of(account) if seq is None else state.household_at(account, seq))
        or account)
    key = (household, state.local_day(occurred_us).year)
    state.conduct[key] = state.conduct.get(key, 0) + points


def _awarded(state: LedgerState, event: Any) -> None:
    count_caps(state, event.account, event.item, event.version, event.occurred_us, event.points)
    _count_conduct(state, event.account, event.occurred_us, event.points)
    if event.occurred_us > state.max_occurred_us:
        state.max_occurred_us = event.occurred_us
    expiry = state.adoptions_by_version[event.version].rulebook.expiry
    if expiry.kind == "never":
        return
    expires = expiry.expires_us(event.occurred_us, state.tz, state.tzinfo)
    if expires is not None:
        carry = expiry.carry if expiry.carry is not None else 0
        lots = state.lots.get(event.account, ())
        entry = (expires, event.seq, event.points, carry)
        # the usual new lot expires last (seq grows): appending keeps the order without a sort
        state.lots[event.account] = (*lots, entry) if not lots or lots[-1] < entry \
            else tuple(sorted((*lots, entry)))
        fit_lots(state, event.account)


def _deducted(state: LedgerState, event: Any) -> None:
    take_lots(state, event.account, event.lots)
    _count_conduct(state, event.account, event.occurred_us, event.points)
    if event.occurred_us > state.max_occurred_us:
        state.max_occurred_us = event.occurred_us
    rulebook = state.adoptions_by_version[event.version].rulebook
    years = rulebook.store.ban_years
    if years is not None and rulebook.item(event.item).serious:
        household = state.household_of(event.account) or event.account
        year = local_date(event.occurred_us, state.tzinfo).year
        until = day_start_us(_dt.date(year + years + 1, 1, 1), state.tz)
        state.bans[household] = (*state.bans.get(household, ()), (event.seq, until))


def _reversed(state: LedgerState, event: Any) -> None:
    state.reversals[event.original] = event.seq
    kind = event.original_kind
    if kind == Awarded.KIND:
        count_caps(
            state,
            event.account,
            event.item,
            event.original_version,
            event.original_occurred_us,
            -event.points,
        )
    if kind in (Awarded.KIND, Deducted.KIND):
        _count_conduct(state, event.account, event.original_occurred_us, -event.points,
                       event.original)
    if kind == Awarded.KIND:
        own = tuple(e for e in state.lots.get(event.account, ()) if e[1] == event.original)
        if own:
            state.lots[event.account] = tuple(
                e for e in state.lots[event.account] if e[1] != event.original)
        take_lots(state, event.account, event.lots)
    else:
        give_lots(state, event.account, event.lots, new_carry=state.carry_limit(event.version))
    if kind == Deducted.KIND:
        household = state.household_at(event.account, event.original) or event.account
        bans = state.bans.get(household, ())
        if any(seq == event.original for seq, _until in bans):
            state.bans[household] = tuple(b for b in bans if b[0] != event.original)
    if kind in (Redeemed.KIND, HandedOver.KIND):
        state.stock[event.item] = state.stock.get(event.item, 0) + event.quantity
        reward = state.store_reward(event.original_version, event.item)
        count_limits(state, reward, event.account, event.member, event.original_occurred_us,
                     -event.quantity, state.household_at(event.account, event.original))


POSTING_HANDLERS: dict[type[Event], Callable[[LedgerState, Any], None]] = {
    Awarded: _awarded,
    Deducted: _deducted,
    Reversed: _reversed,
}
"""The handlers of the award, deduction and reversal events, by event type."""
