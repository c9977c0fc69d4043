"""How the points store's events change the state: stock, redemptions, reservations and their
release, transfers and expiry, and the redemption limits they count. Part of the one
`apply()`, which dispatches these events here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from pointsledger.core.events import (
    Event,
)
from pointsledger.core.lots import (
    carried_from,
    give_lots,
    take_lots,
)
from pointsledger.core.records import Reservation
from pointsledger.core.store_events import (
    DonatedGoodsPriced,
    DonationReceived,
    Expired,
    HandedOver,
    Redeemed,
    ReservationCancelled,
    ReservationTimedOut,
    Reserved,
    StockAdjusted,
    StockReceived,
    Transferred,
)
from pointsledger.rules.catalogue import Reward

if TYPE_CHECKING:
    from pointsledger.core.state import LedgerState


def count_limits(state: LedgerState, reward: Reward, account: str, member: str, us: int,
                 quantity: int, household: str | None = None) -> None:
    """Count ``quantity`` units of ``reward`` against its limits, for ``household`` (default:
    the account's household now)."""
    household = household or state.household_of(account) or account
    who = member or (account if account in state.members else "")
    used = state.limit_used
    for key, _max, _what, _label in state.limit_windows(reward, household, who, us):
        used[key] = used.get(key, 0) + quantity


def _stock_received(state: LedgerState, event: Any) -> None:
    state.stock[event.reward] = state.stock.get(event.reward, 0) + event.quantity


def _donated_goods_priced(state: LedgerState, event: Any) -> None:
    state.priced_goods[event.reward] = (event.title, event.cost, event.category, event.seq)


def _stock_adjusted(state: LedgerState, event: Any) -> None:
    state.stock[event.reward] = state.stock.get(event.reward, 0) + event.change


def _redeemed(state: LedgerState, event: Any) -> None:
    take_lots(state, event.account, event.lots)
    state.stock[event.reward] = state.stock.get(event.reward, 0) - event.quantity
    reward = state.store_reward(event.version, event.reward)
    count_limits(state, reward, event.account, event.member, event.occurred_us, event.quantity)


def _handed_over(state: LedgerState, event: Any) -> None:
    reservation = state.reservations[event.reservation]
    state.reservations[event.reservation] = attrs.evolve(reservation, status="handed_over")
    state.stock[event.reward] = state.stock.get(event.reward, 0) - event.quantity
    state.reserved[event.reward] = state.reserved.get(event.reward, 0) - event.quantity
    state.held[event.account] = state.held.get(event.account, 0) - event.points


def _reserved(state: LedgerState, event: Any) -> None:
    household = state.household_of(event.account) or event.account
    state.reservations[event.seq] = Reservation(
        event.seq, event.account, household, event.reward, event.quantity, event.points,
        event.member, event.expires_us, event.version, event.occurred_us, event.lots,
    )
    take_lots(state, event.account, event.lots)
    state.reserved[event.reward] = state.reserved.get(event.reward, 0) + event.quantity
    state.held[event.account] = state.held.get(event.account, 0) + event.points
    reward = state.store_reward(event.version, event.reward)
    count_limits(state, reward, event.account, event.member, event.occurred_us, event.quantity)


def _release(state: LedgerState, seq: int, status: str) -> None:
    reservation = state.reservations[seq]
    state.reservations[seq] = attrs.evolve(reservation, status=status)
    state.reserved[reservation.reward] -= reservation.quantity
    state.held[reservation.account] -= reservation.points
    give_lots(state, reservation.account, reservation.lots,
              new_carry=state.carry_limit(reservation.version))
    reward = state.store_reward(reservation.version, reservation.reward)
    count_limits(state, reward, reservation.account, reservation.member,
                  reservation.occurred_us, -reservation.quantity)


def _reservation_cancelled(state: LedgerState, event: Any) -> None:
    _release(state, event.reservation, "cancelled")


def _reservation_timed_out(state: LedgerState, event: Any) -> None:
    _release(state, event.reservation, "timed_out")


def _transferred(state: LedgerState, event: Any) -> None:
    take_lots(state, event.source, event.lots)
    give_lots(state, event.destination, event.lots, new_carry=state.carry_limit(event.version))


def _expired(state: LedgerState, event: Any) -> None:
    # carried points keep the carry limit of the lots they come from
    limit = max((c for _e, _lot, _r, c in state.lots.get(event.account, ())), default=0)
    take_lots(state, event.account, event.lots)
    take_lots(state, event.account,
              carried_from(state.lots.get(event.account, ()), event.as_of_us, event.carried))
    give_lots(state, event.account, event.carried, carry=limit or None)


STORE_HANDLERS: dict[type[Event], Callable[[LedgerState, Any], None]] = {
    StockReceived: _stock_received,
    DonationReceived: _stock_received,
    DonatedGoodsPriced: _donated_goods_priced,
    StockAdjusted: _stock_adjusted,
    Redeemed: _redeemed,
    HandedOver: _handed_over,
    Reserved: _reserved,
    ReservationCancelled: _reservation_cancelled,
    ReservationTimedOut: _reservation_timed_out,
    Transferred: _transferred,
    Expired: _expired,
}
