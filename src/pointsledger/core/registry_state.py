"""How the registry's changes (`pointsledger.core.registry_events`) change the ledger
state: only `pointsledger.core.state.apply()` calls these handlers.

Invariants: an account's points never change when its member moves (a move is no posting);
points that do move (a split's share, a merged household's or a departing member's balance)
take their lots along, as a transfer's do; and every change of an account's place is added to
the state's ``placements``, so the registry as it stood at any event can be asked
(`household_at()`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from pointsledger.core.events import Event
from pointsledger.core.lots import fit_lots, give_lots, take_lots
from pointsledger.core.registry import Household
from pointsledger.core.registry_events import (
    HouseholdsMerged,
    HouseholdSplit,
    MemberLeft,
    MemberMoved,
    MemberReturned,
)

if TYPE_CHECKING:
    from pointsledger.core.state import LedgerState


def place(state: LedgerState, event: Event, account: str, where: str, closed: bool = False
          ) -> None:
    """Record an account's new place in the registry (``state.placements``)."""
    state.placements[account] = (*state.placements.get(account, ()),
                                 (event.seq, event.recorded_us, where, closed))


def _move(state: LedgerState, event: Event, member: str, household: str) -> None:
    state.members[member] = attrs.evolve(state.members[member], household=household)
    place(state, event, member, household)


def _carry(state: LedgerState, event: Event) -> int:
    """The carry-over limit a lot given back after it was emptied gets (0 when no rulebook
    was in force)."""
    return state.carry_limit(event.version) if event.version else 0


def _all_lots(state: LedgerState, event: Event, source: str, destination: str) -> None:
    """Every lot of ``source`` goes to ``destination`` (its whole balance moved). A deficit
    moved in settles against the destination's lots, soonest-expiring first: lots never hold
    more than the account can spend (else points the account no longer has would expire)."""
    lots = state.lots.pop(source, ())
    if lots:
        give_lots(state, destination,
                  tuple((lot, remaining, expires) for expires, lot, remaining, _c in lots),
                  new_carry=_carry(state, event))
    else:
        fit_lots(state, destination)


def _member_moved(state: LedgerState, event: Any) -> None:
    _move(state, event, event.member, event.to_household)


def _household_split(state: LedgerState, event: Any) -> None:
    state.households[event.new_household] = Household(event.new_household, event.grid,
                                                      event.head)
    state.account_index[event.new_household] = len(state.account_index)
    place(state, event, event.new_household, event.grid)
    for member in event.members:
        _move(state, event, member, event.new_household)
    if event.lots:
        take_lots(state, event.household, event.lots)
        give_lots(state, event.new_household, event.lots,
                  new_carry=_carry(state, event))


def _households_merged(state: LedgerState, event: Any) -> None:
    for member in event.members:
        _move(state, event, member, event.into)
    _all_lots(state, event, event.household, event.into)
    household = state.households[event.household]
    state.households[event.household] = attrs.evolve(household, closed=True)
    place(state, event, event.household, household.grid, closed=True)


def _member_left(state: LedgerState, event: Any) -> None:
    _all_lots(state, event, event.member, event.household)
    state.members[event.member] = attrs.evolve(state.members[event.member], closed=True)
    place(state, event, event.member, event.household, closed=True)


def _member_returned(state: LedgerState, event: Any) -> None:
    state.members[event.member] = attrs.evolve(state.members[event.member],
                                               household=event.household, closed=False)
    place(state, event, event.member, event.household)


REGISTRY_HANDLERS: dict[type[Event], Callable[[LedgerState, Any], None]] = {
    MemberMoved: _member_moved,
    HouseholdSplit: _household_split,
    HouseholdsMerged: _households_merged,
    MemberLeft: _member_left,
    MemberReturned: _member_returned,
}
"""The registry changes' handlers, by event class (merged into ``apply``'s table)."""
