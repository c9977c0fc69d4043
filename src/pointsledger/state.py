"""The derived state of a ledger and the one function that changes it.

:func:`apply` is the only way state changes, and it is the same function live and on replay, so
replaying the log always reproduces the live state exactly. Apply trusts its input: commands
validate before events exist. Every balance is the fold of the postings of the applied events,
and since each posting moves points between two accounts, all balances sum to zero.

State holds only dictionaries of immutable values and scalars. :meth:`LedgerState.fork` layers a
scratch copy over it, so a batch can apply its events tentatively and either :meth:`merge` them
or drop them, leaving the original untouched.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections import ChainMap
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import attrs
import pendulum

from .errors import IntegrityError
from .events import (
    GENESIS_HASH,
    AccountClosed,
    Awarded,
    Deducted,
    Event,
    HouseholdMoved,
    HouseholdRegistered,
    LedgerCreated,
    MemberRegistered,
    PeriodClosed,
    RegionAdded,
    Reversed,
    RulebookAdopted,
)
from .periods import DEFAULT_TZ, day_start_us, local_date, period_index
from .registry import Household, Member, Region
from .rules import Cap, ChecklistItem, Rulebook


@attrs.frozen
class Adoption:
    """A rulebook version as adopted: its own range ``[from_us, until_us)`` (``until_us`` None
    when open-ended); a later version also ends it at its own start."""

    rulebook: Rulebook
    effective_from: _dt.date
    effective_until: _dt.date | None
    from_us: int
    until_us: int | None
    minutes: str
    seq: int

    @property
    def version(self) -> str:
        """The rulebook version."""
        return self.rulebook.version


@attrs.frozen
class Balance:
    """An account's points: ``posted`` (入账), ``pending`` (公示中, never spendable), ``held``
    (reserved), and ``available = posted - held``."""

    account: str
    posted: int
    pending: int = 0
    held: int = 0

    @property
    def available(self) -> int:
        """Points that may be spent now."""
        return self.posted - self.held

    def __str__(self) -> str:
        return (
            f"{self.account}: posted {self.posted}, pending {self.pending}, "
            f"held {self.held}, available {self.available}"
        )


CapKey = tuple[str, str, str, str, int]
"""``(account, "i" or "c", item code or category, period kind, period index)``."""

_DICTS = (
    "posted",
    "cap_used",
    "keys",
    "reversals",
    "regions",
    "households",
    "members",
    "adoptions_by_version",
)


class LedgerState:
    """Everything derived from the log: registry, rulebooks, balances, caps used, keys.

    Treat it as read-only; only :func:`apply` writes to it.
    """

    posted: MutableMapping[str, int]
    cap_used: MutableMapping[CapKey, int]
    keys: MutableMapping[str, int]
    reversals: MutableMapping[int, int]
    regions: MutableMapping[str, Region]
    households: MutableMapping[str, Household]
    members: MutableMapping[str, Member]
    adoptions_by_version: MutableMapping[str, Adoption]

    def __init__(self) -> None:
        for name in _DICTS:
            setattr(self, name, {})
        self.seq = 0
        self.head_hash = GENESIS_HASH
        self.recorded_us = 0
        self.ledger_id = ""
        self.tz = DEFAULT_TZ
        self.tzinfo: _dt.tzinfo = pendulum.timezone(DEFAULT_TZ)
        self.adoptions: tuple[Adoption, ...] = ()
        self._starts: tuple[int, ...] = ()
        self.closed_before_us = 0
        self.max_occurred_us = 0
        self._parent: LedgerState | None = None

    # -- batches ---------------------------------------------------------------------------
    def fork(self) -> LedgerState:
        """A scratch state layered over this one; this one is not changed by applying to it."""
        child = LedgerState.__new__(LedgerState)
        child.__dict__.update(self.__dict__)
        for name in _DICTS:
            setattr(child, name, ChainMap({}, getattr(self, name)))
        child._parent = self
        return child

    def merge(self) -> None:
        """Write a fork's changes into the state it was forked from."""
        parent = self._parent
        if parent is None:
            raise ValueError("merge() is for a state made by fork()")
        for name in _DICTS:
            layer = getattr(self, name)
            getattr(parent, name).update(layer.maps[0])
        for name, value in self.__dict__.items():
            if name not in _DICTS and name != "_parent":
                parent.__dict__[name] = value

    # -- queries ---------------------------------------------------------------------------
    def adoption_at(self, us: int) -> Adoption | None:
        """The adopted rulebook in force at instant ``us``, or None."""
        i = bisect.bisect_right(self._starts, us) - 1
        if i < 0:
            return None
        adoption = self.adoptions[i]
        if adoption.until_us is not None and us >= adoption.until_us:
            return None
        return adoption

    def balance(self, account: str) -> Balance:
        """The current balance of ``account`` (zero for an account never posted to)."""
        return Balance(account, self.posted.get(account, 0))

    def household_of(self, account: str) -> str | None:
        """The household an account belongs to (itself for a household), or None."""
        if account in self.households:
            return account
        member = self.members.get(account)
        return member.household if member is not None else None

    def cap_windows(
        self, account: str, rulebook: Rulebook, item: ChecklistItem, occurred_us: int
    ) -> Iterator[tuple[CapKey, Cap]]:
        """The cap counters an award of ``item`` to ``account`` at ``occurred_us`` counts
        against, with their caps: the item's own caps, then its category's."""
        item_caps = item.caps
        cat_caps = rulebook.caps_for_category(item.category)
        if not item_caps and not cat_caps:
            return
        day = local_date(occurred_us, self.tzinfo)
        for cap in item_caps:
            yield (account, "i", item.code, cap.per, period_index(cap.per, day)), cap
        for cap in cat_caps:
            yield (account, "c", item.category, cap.per, period_index(cap.per, day)), cap

    def accounts(self) -> Iterator[str]:
        """Every account with a posting, system accounts included."""
        return iter(self.posted)


# -- apply --------------------------------------------------------------------------------


def apply(state: LedgerState, event: Event) -> None:
    """Apply one event to ``state``: the only function that changes ledger state.

    Raises:
        IntegrityError: the event does not follow the state's head (wrong ``seq``).
    """
    if event.seq != state.seq + 1:
        raise IntegrityError(
            f"event seq {event.seq} does not follow head {state.seq}", seq=event.seq
        )
    posted = state.posted
    for source, destination, amount in event.postings():
        posted[source] = posted.get(source, 0) - amount
        posted[destination] = posted.get(destination, 0) + amount
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(state, event)
    state.seq = event.seq
    state.head_hash = event.hash
    state.recorded_us = event.recorded_us
    if event.key not in state.keys:
        state.keys[event.key] = event.seq


def _ledger_created(state: LedgerState, event: Any) -> None:
    state.ledger_id = event.ledger_id
    state.tz = event.tz
    state.tzinfo = pendulum.timezone(event.tz)


def _rulebook_adopted(state: LedgerState, event: Any) -> None:
    start = _dt.date.fromisoformat(event.effective_from)
    end = _dt.date.fromisoformat(event.effective_until) if event.effective_until else None
    adoption = Adoption(
        rulebook=event.rulebook,
        effective_from=start,
        effective_until=end,
        from_us=day_start_us(start, state.tz),
        until_us=day_start_us(end + _dt.timedelta(days=1), state.tz) if end else None,
        minutes=event.minutes,
        seq=event.seq,
    )
    state.adoptions = (*state.adoptions, adoption)
    state._starts = (*state._starts, adoption.from_us)
    state.adoptions_by_version[adoption.version] = adoption


def _region_added(state: LedgerState, event: Any) -> None:
    state.regions[event.code] = Region(event.code, event.name, event.region_kind, event.parent)


def _household_registered(state: LedgerState, event: Any) -> None:
    state.households[event.household] = Household(event.household, event.grid, event.head)


def _member_registered(state: LedgerState, event: Any) -> None:
    birth = _dt.date.fromisoformat(event.birth_date) if event.birth_date else None
    state.members[event.member] = Member(
        event.member, event.household, event.name, frozenset(event.roles), birth
    )


def _household_moved(state: LedgerState, event: Any) -> None:
    household = state.households[event.household]
    state.households[event.household] = attrs.evolve(household, grid=event.to_grid)


def _account_closed(state: LedgerState, event: Any) -> None:
    if event.account in state.households:
        state.households[event.account] = attrs.evolve(
            state.households[event.account], closed=True
        )
    else:
        state.members[event.account] = attrs.evolve(state.members[event.account], closed=True)


def _count_caps(state: LedgerState, account: str, item_code: str, version: str,
                occurred_us: int, points: int) -> None:
    rulebook = state.adoptions_by_version[version].rulebook
    used = state.cap_used
    for key, _cap in state.cap_windows(account, rulebook, rulebook.item(item_code), occurred_us):
        used[key] = used.get(key, 0) + points


def _awarded(state: LedgerState, event: Any) -> None:
    _count_caps(state, event.account, event.item, event.version, event.occurred_us, event.points)
    if event.occurred_us > state.max_occurred_us:
        state.max_occurred_us = event.occurred_us


def _deducted(state: LedgerState, event: Any) -> None:
    if event.occurred_us > state.max_occurred_us:
        state.max_occurred_us = event.occurred_us


def _reversed(state: LedgerState, event: Any) -> None:
    state.reversals[event.original] = event.seq
    if event.original_kind == Awarded.KIND:
        _count_caps(
            state,
            event.account,
            event.item,
            event.original_version,
            event.original_occurred_us,
            -event.points,
        )


def _period_closed(state: LedgerState, event: Any) -> None:
    through = _dt.date.fromisoformat(event.through)
    state.closed_before_us = day_start_us(through + _dt.timedelta(days=1), state.tz)


_HANDLERS: dict[type[Event], Callable[[LedgerState, Any], None]] = {
    LedgerCreated: _ledger_created,
    RulebookAdopted: _rulebook_adopted,
    RegionAdded: _region_added,
    HouseholdRegistered: _household_registered,
    MemberRegistered: _member_registered,
    HouseholdMoved: _household_moved,
    AccountClosed: _account_closed,
    Awarded: _awarded,
    Deducted: _deducted,
    Reversed: _reversed,
    PeriodClosed: _period_closed,
}
