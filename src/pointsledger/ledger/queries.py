"""Read-only queries on a ledger: the registry, the rulebooks adopted, balances, stock, keys.

The derived state of a `Ledger` is private: apps, reports,
the CLI and the testing helpers read it only through these queries. Every query returns
immutable records (`Household`,
`Adoption`, `Balance`, ...),
tuples, or read-only mappings (`types.MappingProxyType`) over a copy taken when the query
ran: nothing a query returns can change the ledger, and a later command never changes what an
earlier query returned.

Queries that return a whole table (``households()``, ``balances()``, ...) cost one copy of the
table; a report that walks everything asks once and looks rows up in the returned mapping
rather than calling a one-row query (``household(id)``) per row.

Every query is `fresh()`: under the ledger's lock (so threads never see a command half
applied) it first takes in what other writers appended (`Ledger.refresh()`, cheap when
nothing changed).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from itertools import chain
from types import MappingProxyType
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from pointsledger.base.checks import check_id, check_int
from pointsledger.base.clock import to_us
from pointsledger.core.encoding import decode
from pointsledger.core.events import Event, TimeMoved
from pointsledger.core.records import Adoption, Balance
from pointsledger.core.registry import Household, Member, Region
from pointsledger.core.state import LedgerState, apply, differences
from pointsledger.errors import NotFound, UnknownAccount, UnknownRegion
from pointsledger.ledger.records import StockLevel
from pointsledger.rules.catalogue import Reward
from pointsledger.rules.flows import Case
from pointsledger.storage import EventStore
from pointsledger.workflows import cases

_K = TypeVar("_K")
_V = TypeVar("_V")
_P = ParamSpec("_P")
_R = TypeVar("_R")


class _Refreshing(Protocol):
    _lock: threading.RLock

    def refresh(self) -> int: ...


_Q = TypeVar("_Q", bound=_Refreshing)


def fresh(read: Callable[Concatenate[_Q, _P], _R]) -> Callable[Concatenate[_Q, _P], _R]:
    """A read that first sees what other writers appended, under the ledger's lock."""

    @functools.wraps(read)
    def fresh_read(self: _Q, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            self.refresh()
            return read(self, *args, **kwargs)

    return fresh_read


def _frozen(table: Mapping[_K, _V]) -> Mapping[_K, _V]:
    """A read-only mapping over a copy of ``table``."""
    return MappingProxyType(dict(table))


class Queries:
    """The read-only queries of `Ledger` (a mixin reading
    the ledger's private derived state)."""

    _state: LedgerState
    _store: EventStore
    _lock: threading.RLock
    _held: int

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the ledger still for a read made of several parts (a report): inside the block,
        other threads' commands wait, and every read sees the one state the block began with
        (after taking in other writers' events once). Reports use it; an app that reads
        several queries that must agree (a balance and the head it reflects) may too."""
        with self._lock:
            self.refresh()
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1

    # implemented by Ledger
    def event(self, entry: str | int) -> Event:
        raise NotImplementedError

    def refresh(self) -> int:
        raise NotImplementedError

    # -- workflows, the time bank and the store ---------------------------------------------
    @fresh
    def case(self, case: str | Event) -> Case:
        """The workflow case opened by event ``case`` (a claim, wish, order or deposit).

        Raises:
            UnknownEntry: no case was opened by that event.
        """
        return cases.find_case(self._state, case)

    @fresh
    def cases(self, flow: str | None = None, *, state: str | None = None,
              account: str | None = None) -> list[Case]:
        """The workflow cases, oldest first, optionally of one ``flow``, in one ``state``, or of
        one ``account`` (the claiming, wishing, ordering or depositing account)."""
        return sorted((c for c in self._state.cases.values()
                       if (flow is None or c.flow == flow) and (state is None or c.state == state)
                       and (account is None or c.account == account)), key=lambda c: c.seq)

    @fresh
    def minutes(self, member: str) -> int:
        """The minutes a member holds in the time bank."""
        member = check_id(member, "member")
        return self._state.minutes.get(member, 0)

    @fresh
    def stock(self, reward: str) -> StockLevel:
        """Units of a reward on hand, reserved for pickup, and free to redeem."""
        reward = check_id(reward, "reward")
        state = self._state
        on_hand = state.stock.get(reward, 0)
        reserved = state.reserved.get(reward, 0)
        return StockLevel(reward, on_hand, reserved)

    @fresh
    def donated_goods(self) -> Mapping[str, Reward]:
        """Donated goods the store committee priced (``price_donated_goods``): store-catalogue
        entries beside the rulebook's rewards, each the latest price set.

        Returns:
            A read-only mapping of reward code to `Reward` (no limits or
            price rules), sorted by code.
        """
        return MappingProxyType({
            code: Reward(code, title, cost=cost, category=category)
            for code, (title, cost, category, _seq) in sorted(self._state.priced_goods.items())})

    # -- time ------------------------------------------------------------------------------
    @property
    def tzinfo(self) -> _dt.tzinfo:
        """The ledger's time zone (`tz`) as a ``tzinfo``, for local dates and periods."""
        return self._state.tzinfo

    # -- registry --------------------------------------------------------------------------
    @fresh
    def households(self, *, as_of: _dt.datetime | None = None) -> Mapping[str, Household]:
        """Every registered household, closed ones included: now, or as the registry stood
        at an instant.

        Args:
            as_of: the registry as recorded up to this instant: only the households registered
                by then, each in the grid it was in then and closed only if it was closed by
                then (default: now).

        Returns:
            A read-only mapping of household id to `Household`, in registration order.

        Raises:
            ValidationError: ``as_of`` is not an aware datetime.
        """
        state = self._state
        if as_of is None:
            return _frozen(state.households)
        return MappingProxyType(state.households_as_stood(to_us(as_of, "as_of")))

    @fresh
    def household(self, household: str) -> Household:
        """One registered household.

        Args:
            household: the household id.

        Returns:
            The `Household` (its grid and head, and whether it is closed).

        Raises:
            UnknownAccount: no household has that id.
        """
        household = check_id(household, "household")
        found = self._state.households.get(household)
        if found is None:
            raise UnknownAccount(f"no household {household!r}", account=household)
        return found

    @fresh
    def members(self, household: str | None = None, *, as_of: _dt.datetime | None = None
                ) -> Mapping[str, Member]:
        """The registered members, of every household or of one: now, or as the registry
        stood at an instant.

        Args:
            household: only this household's members (default: all).
            as_of: the registry as recorded up to this instant: only the members registered
                by then, each in the household they were in then and closed only if they had
                left by then (default: now).

        Returns:
            A read-only mapping of member id to `Member`, in registration order.

        Raises:
            UnknownAccount: ``household`` is not a registered household.
            ValidationError: ``as_of`` is not an aware datetime.
        """
        if household is not None:
            household = check_id(household, "household")
        state = self._state
        members = state.members if as_of is None else state.members_as_stood(
            to_us(as_of, "as_of"))
        if household is None:
            return _frozen(members)
        self.household(household)
        return MappingProxyType({k: m for k, m in members.items() if m.household == household})

    @fresh
    def member(self, member: str) -> Member:
        """One registered member.

        Args:
            member: the member id.

        Returns:
            The `Member` (household, name, roles, birth date, closed).

        Raises:
            UnknownAccount: no member has that id.
        """
        member = check_id(member, "member")
        found = self._state.members.get(member)
        if found is None:
            raise UnknownAccount(f"no member {member!r}", account=member)
        return found

    @fresh
    def regions(self) -> Mapping[str, Region]:
        """Every region of the region tree.

        Returns:
            A read-only mapping of region code to `Region`, in the order they were
            added (a parent before its children).
        """
        return _frozen(self._state.regions)

    @fresh
    def region(self, code: str) -> Region:
        """One region of the region tree.

        Args:
            code: the region code.

        Returns:
            The `Region` (name, kind, parent code).

        Raises:
            UnknownRegion: no region has that code.
        """
        code = check_id(code, "code")
        found = self._state.regions.get(code)
        if found is None:
            raise UnknownRegion(f"no region {code!r}", region=code)
        return found

    @fresh
    def household_of(self, account: str, *, at_seq: int | None = None) -> str | None:
        """The household an account belongs to: now, or when event ``at_seq`` was recorded.

        Args:
            account: a household or member id (or any other account name).
            at_seq: the registry as it stood at that event (default: now).

        Returns:
            The household id (the account itself for a household), or None for a system
            account, an unknown name or a member asked about before its registration.
        """
        account = check_id(account, "account")
        if at_seq is None:
            return self._state.household_of(account)
        return self._state.household_at(account, check_int(at_seq, "at_seq", minimum=0))

    # -- rulebooks -------------------------------------------------------------------------
    @fresh
    def adoptions(self) -> tuple[Adoption, ...]:
        """The adopted rulebook versions with their effective ranges and adoption records.

        Returns:
            The `Adoption` records, oldest first.
        """
        return self._state.adoptions

    @fresh
    def adoption(self, version: str) -> Adoption:
        """One adopted rulebook version.

        Args:
            version: the rulebook version name.

        Returns:
            Its `Adoption` (rulebook, effective range, resolution,
            the seq of the adopting event).

        Raises:
            NotFound: no version of that name was adopted on this ledger.
        """
        found = self._state.adoptions_by_version.get(version)
        if found is None:
            raise NotFound(f"no rulebook version {version!r} was adopted", version=version)
        return found

    # -- entries and keys ------------------------------------------------------------------
    @fresh
    def reversals(self) -> Mapping[int, int]:
        """Every reversed entry with the entry that reversed it (冲正).

        Returns:
            A read-only mapping of the reversed event's seq to the reversing event's seq.
        """
        return _frozen(self._state.reversals)

    @fresh
    def reversal_of(self, entry: str | int | Event) -> Event | None:
        """The event that reversed an entry.

        Args:
            entry: the entry's event id, seq or event.

        Returns:
            The ``reversed`` event, or None when the entry stands.

        Raises:
            UnknownEntry: no such event in this ledger.
        """
        seq = self.event(entry.id if isinstance(entry, Event) else entry).seq
        later = self._state.reversals.get(seq)
        return None if later is None else self.event(later)

    @fresh
    def event_for_key(self, key: str) -> Event | None:
        """The first event recorded under an idempotency key.

        Args:
            key: the idempotency key a command was given.

        Returns:
            The first event that command wrote, or None when the key was never used.
        """
        seq = self._state.keys.get(key)
        return None if seq is None else self.event(seq)

    # -- balances, stock, time bank --------------------------------------------------------
    @fresh
    def balances(self) -> Mapping[str, Balance]:
        """The balance of every account: each household and member (zero when nothing was
        posted to it), then each system account that holds points.

        Returns:
            A read-only mapping of account to `Balance`.
        """
        state = self._state
        posted, pending, held = state.posted, state.pending, state.held
        accounts = dict.fromkeys(chain(state.households, state.members, posted, pending, held))
        return MappingProxyType({
            a: Balance(a, posted.get(a, 0), pending.get(a, 0), held.get(a, 0))
            for a in accounts})

    @fresh
    def available(self) -> Mapping[str, int]:
        """The points every account may spend now (posted minus held), as `balances()`
        lists the accounts but without building a record per account: the cheap way for a
        report over every household.

        Returns:
            A read-only mapping of account to available points.
        """
        state = self._state
        posted, held = state.posted, state.held
        accounts = chain(state.households, state.members, posted, state.pending, held)
        return MappingProxyType({a: posted.get(a, 0) - held.get(a, 0) for a in accounts})

    @fresh
    def stock_levels(self) -> Mapping[str, StockLevel]:
        """The stock of every reward that was ever stocked or reserved.

        Returns:
            A read-only mapping of reward code to `StockLevel`, sorted by code.
        """
        state = self._state
        return MappingProxyType({r: self.stock(r) for r in sorted({*state.stock,
                                                                   *state.reserved})})

    @fresh
    def time_balances(self) -> Mapping[str, int]:
        """The minutes every time-bank account holds (the time bank's own account included,
        so the values sum to zero).

        Returns:
            A read-only mapping of member (or ``TIMEBANK``) to minutes.
        """
        return _frozen(self._state.minutes)

    @fresh
    def time_moves(self, member: str) -> tuple[TimeMoved, ...]:
        """A member's time-bank history: every movement of their minutes, oldest first.

        Args:
            member: the member id.

        Returns:
            The ``time_moved`` events that credit or debit the member (empty when none).
        """
        member = check_id(member, "member")
        moves = []
        for seq in self._state.time_moves.get(member, ()):
            event = self.event(seq)
            assert isinstance(event, TimeMoved)
            moves.append(event)
        return tuple(moves)

    # -- trust -----------------------------------------------------------------------------
    @fresh
    def drift(self) -> tuple[str, ...]:
        """Compare the live derived state with a fresh fold of the stored log (invariant 4,
        derivation): the live state must be exactly what replaying the log gives.

        Folds the whole log, so it costs about as much as reopening the ledger; meant for
        tests and audits (`pointsledger.testing.check_invariants()` calls it).

        Returns:
            The names of the derived tables and values that differ (empty when they agree).

        Raises:
            IntegrityError: the stored log does not follow the chain.
        """
        live = self._state
        fresh = LedgerState()
        for seq, data, digest in self._store.read(0):
            if seq > live.seq:
                break
            apply(fresh, decode(seq, data, digest))
        return differences(fresh, live)
