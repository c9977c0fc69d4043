"""Lots: awarded points that expire, as the state keeps them for each account.

An account's lots are a tuple of `LotEntry` ``(expires_us, lot seq, remaining, carry
limit)``, sorted, so the soonest-expiring lot comes first and, among those expiring together,
the oldest; points are always drawn in that order. Invariants: only lots with points remaining
are kept after a draw, and an account's lots never hold more than it can spend. Only
`pointsledger.core.state.apply()` changes lots, through these functions.
"""

from __future__ import annotations

import operator
from typing import Protocol

from pointsledger.core.events import Lot

LotEntry = tuple[int, int, int, int]
"""A lot as the state keeps it: ``(expires_us, lot seq, remaining, carry limit)``."""


class LotHolder(Protocol):
    """What the lot functions need of the state: its lots table and available points."""

    lots: dict[str, tuple[LotEntry, ...]]

    def available(self, account: str) -> int: ...


def draw_lots(entries: tuple[LotEntry, ...], points: int, skip: int | None = None
              ) -> tuple[Lot, ...]:
    """The lots ``points`` come from: soonest-expiring first, then oldest (``skip`` leaves out
    one lot). May cover less than ``points``: the rest is points that never expire (or a
    deficit)."""
    drawn = []
    left = points
    for expires, lot, remaining, _carry in entries:
        if left <= 0:
            break
        if lot == skip or remaining <= 0:
            continue
        take = min(remaining, left)
        drawn.append((lot, take, expires))
        left -= take
    return tuple(drawn)


_REMAINING = operator.itemgetter(2)  # a lot entry's remaining points (C speed: a hot path)


def expiring_lots(entries: tuple[LotEntry, ...], before_us: int) -> list[Lot]:
    """``(lot, remaining, expires_us)`` of the lots expiring before ``before_us``."""
    return [(lot, remaining, expires) for expires, lot, remaining, _c in entries
            if remaining > 0 and expires < before_us]


def take_lots(state: LotHolder, account: str, drawn: tuple[Lot, ...]) -> None:
    """Take the ``drawn`` points from the account's lots, dropping the lots emptied."""
    if not drawn:
        return
    take = {(expires, lot): amount for lot, amount, expires in drawn}
    kept = []
    for expires, lot, remaining, carry in state.lots.get(account, ()):
        remaining -= take.pop((expires, lot), 0)
        if remaining > 0:
            kept.append((expires, lot, remaining, carry))
    state.lots[account] = tuple(kept)


def fit_lots(state: LotHolder, account: str) -> None:
    """Lots never hold more than the account can spend: points that arrive while the account
    is in deficit settle the deficit first (drawn from the soonest-expiring lots)."""
    lots = state.lots.get(account, ())
    excess = sum(map(_REMAINING, lots)) - max(0, state.available(account))
    if excess > 0:
        take_lots(state, account, draw_lots(lots, excess))


def give_lots(state: LotHolder, account: str, given: tuple[Lot, ...],
              carry: int | None = None, *, new_carry: int = 0) -> None:
    """Give the ``given`` points back to (or into) the account's lots, keeping each lot's carry
    limit (``carry`` sets it instead; a lot the account no longer holds gets ``new_carry``),
    then fit them to what the account can spend."""
    if not given:
        return
    entries = {(e, lot): (r, c) for e, lot, r, c in state.lots.get(account, ())}
    limits = {lot: c for _e, lot, _r, c in state.lots.get(account, ())}
    for lot, amount, expires in given:
        fallback = carry if carry is not None else limits.get(lot, new_carry)
        remaining, limit = entries.get((expires, lot), (0, fallback))
        entries[(expires, lot)] = (remaining + amount, limit if carry is None else carry)
    state.lots[account] = tuple(sorted((e, lot, r, c) for (e, lot), (r, c) in entries.items()))
    fit_lots(state, account)


def carried_from(entries: tuple[LotEntry, ...], as_of_us: int,
                 carried: tuple[Lot, ...]) -> tuple[Lot, ...]:
    """The due lots (expiring by ``as_of_us``) that ``carried`` points leave, matched by lot,
    at their old expiry."""
    old = {lot: expires for expires, lot, _r, _c in entries if expires <= as_of_us}
    return tuple((lot, amount, old[lot]) for lot, amount, _new in carried if lot in old)


def shown_expiry(entries: tuple[LotEntry, ...], now_us: int, next_year_end: int
                 ) -> dict[int, int]:
    """When each lot of an account expires as far as its holder is concerned: its own expiry,
    except under a carry-over policy, where lots whose year end has passed and whose points
    all fit in the carry (so ``expire_due`` kept them without writing anything) expire at
    ``next_year_end``, the year end after ``now_us``. By lot seq."""
    due = [(lot, remaining, carry) for expires, lot, remaining, carry in entries
           if expires <= now_us and remaining > 0]
    limit = max((carry for _lot, _r, carry in due), default=0)
    carried = bool(due) and limit > 0 and sum(r for _lot, r, _c in due) <= limit
    return {lot: next_year_end if carried and expires <= now_us else expires
            for expires, lot, _r, _c in entries}
