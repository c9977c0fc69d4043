"""The movement index: every point movement of a ledger in compact columns, for fast reports.

Reports must read a million events in well under two seconds; decoding that many events takes
several. So the first report on a ledger folds the log once into columns (``array`` of machine
integers, about 50 bytes a movement) and later reports, on the same ledger, only fold the events
appended since. The index is derived data, cached per ledger and per store head, and a pure
function of the log. Reports only read it (`movements_of()`); `Ledger.snapshot()` keeps
a copy in the store (`save()`), and a later process starts from that copy only while
`check_blob()` finds it fits the log.
"""

from __future__ import annotations

import bisect
import json
import weakref
from array import array
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final

from pointsledger.core.encoding import decode
from pointsledger.core.events import AccountClosure, Awarded, Deducted, Event, Reversed
from pointsledger.core.registry_events import HouseholdsMerged, HouseholdSplit, MemberLeft
from pointsledger.core.store_events import Expired, Redemption, Transferred
from pointsledger.ledger import logs
from pointsledger.storage import DerivedStore, check_blob, seal_blob

if TYPE_CHECKING:
    from pointsledger.core.state import LedgerState
    from pointsledger.ledger.ledger import Ledger

KINDS: Final = ("earned", "deducted", "redeemed", "expired", "transferred", "closed",
                "reversed", "moved")
_KIND_CODE: Final = {kind: n for n, kind in enumerate(KINDS)}
_json_decode = json.JSONDecoder().decode


def movements(event: Event) -> Iterator[tuple[str, str, int, str]]:
    """``(account, kind, points, what)`` for each account an event moves points of: kind is
    earned, deducted, redeemed, expired, transferred or closed (signed by direction), with
    reversals counted back against the kind they reverse. (A member moving between households
    with their points is not a movement of an account: see `Movements.add()`.)"""
    if isinstance(event, Awarded):
        yield event.account, "earned", event.points, event.item
    elif isinstance(event, Deducted):
        yield event.account, "deducted", event.points, event.item
    elif isinstance(event, Redemption):
        yield event.account, "redeemed", -event.points, event.reward
    elif isinstance(event, Expired) and event.points:
        yield event.account, "expired", -event.points, ""
    elif isinstance(event, Transferred):
        yield event.source, "transferred", -event.points, event.destination
        yield event.destination, "transferred", event.points, event.source
    elif isinstance(event, AccountClosure) and event.balance and event.balance_to:
        yield event.account, "closed", -event.balance, event.balance_to
        yield event.balance_to, "closed", event.balance, event.account
    elif isinstance(event, HouseholdSplit) and event.points:
        yield event.household, "transferred", -event.points, event.new_household
        yield event.new_household, "transferred", event.points, event.household
    elif isinstance(event, HouseholdsMerged | MemberLeft) and event.balance:
        source, destination = (event.household, event.into) if isinstance(
            event, HouseholdsMerged) else (event.member, event.household)
        yield source, "closed", -event.balance, destination
        yield destination, "closed", event.balance, source
    elif isinstance(event, Reversed):
        kind = {"awarded": "earned", "deducted": "deducted", "redeemed": "redeemed",
                "handed_over": "redeemed"}.get(event.original_kind, "reversed")
        sign = 1 if event.original_kind in ("redeemed", "handed_over") else -1
        yield event.account, kind, sign * event.points, event.item


def occurred(event: Event) -> int:
    """When what an event records happened (for a reversal: when the original did)."""
    return event.original_occurred_us if isinstance(event, Reversed) else event.occurred_us


class Movements:
    """Columns, one row per account a posting event moves points of (and a few per event:
    ``event_recorded``, ``event_actor``, ``event_kind``, row ``seq - 1``).

    ``when`` is when the movement counts for summaries (a reversal counts at the time of what
    it reverses), ``at`` when its own event occurred (for passbooks). ``household`` is the
    household the account belonged to when the event was recorded (the registry as it stood
    then, `household_at()`), so a member who moved
    keeps their earlier movements in their earlier household; the move itself is a pair of
    ``moved`` rows: the member's points leaving one household and entering the other.
    """

    def __init__(self) -> None:
        self.seq = array("q")
        self.recorded = array("q")
        self.when = array("q")
        self.at = array("q")
        self.kind = array("b")
        self.reversal = array("b")
        self.account = array("i")
        self.household = array("i")
        self.code = array("i")
        self.version = array("i")
        self.points = array("q")
        self.quantity = array("i")
        self.names: list[str] = []
        self._ids: dict[str, int] = {}
        self.done = 0
        self.memo: dict[tuple[object, ...], tuple[int, int, object]] = {}
        """Reports' figures of a period, by report and period: ``(rows then, the period's end
        row, figures)``; see `closed_period()`. Derived from the columns, never saved."""
        # one row per event, for the audit trail
        self.event_recorded = array("q")
        self.event_actor = array("i")
        self.event_kind = array("i")

    def intern(self, name: str) -> int:
        """The number standing for ``name`` in the columns."""
        found = self._ids.get(name)
        if found is None:
            found = self._ids[name] = len(self.names)
            self.names.append(name)
        return found

    def since(self, start_us: int) -> int:
        """The first row recorded at or after ``start_us``. Rows come in recording order and an
        event never occurs after it is recorded (the chain refuses it), nor does a reversal
        count before its original: every row counting (``when``) or occurring (``at``) from
        ``start_us`` on is at or after this one, so a report of a period starts here."""
        return bisect.bisect_left(self.recorded, start_us)

    def closed_period(self, key: tuple[object, ...], end_us: int,
                      compute: Callable[[], object]) -> object:
        """``compute()``'s figures of a period ending (exclusive) at ``end_us`` that read
        only rows recorded before it, computed once the period is over: kept under ``key``
        and reused while no row was added, or for good once a row recorded at or after
        ``end_us`` exists (every row added later is recorded later still). The caller must not
        change the figures."""
        rows = len(self.seq)
        found = self.memo.get(key)
        if found is not None and (found[0] == rows or found[1] < found[0]):
            return found[2]
        figures = compute()
        self.memo[key] = (rows, self.since(end_us), figures)
        return figures

    def number(self, name: str) -> int:
        """The number of ``name``, or -1 when it never moved points."""
        return self._ids.get(name, -1)

    def add(self, event: Event, household_at: Callable[[str, int], str | None]) -> None:
        """Fold one event into the columns, placing accounts by ``household_at(account,
        seq)``."""
        self.event_recorded.append(event.recorded_us)
        self.event_actor.append(self.intern(event.actor))
        self.event_kind.append(self.intern(event.KIND))
        when = occurred(event)
        reversal = 1 if isinstance(event, Reversed) else 0
        version = event.original_version if isinstance(event, Reversed) else event.version
        quantity = getattr(event, "quantity", 0)
        rows = [(account, kind, points, what, household_at(account, event.seq) or account)
                for account, kind, points, what in movements(event)]
        for member, source, destination, points in event.moves():
            if points:
                rows.append((member, "moved", -points, destination, source))
                rows.append((member, "moved", points, source, destination))
        for account, kind, points, what, household in rows:
            self.seq.append(event.seq)
            self.recorded.append(event.recorded_us)
            self.when.append(when)
            self.at.append(event.occurred_us)
            self.kind.append(_KIND_CODE[kind])
            self.reversal.append(reversal)
            self.account.append(self.intern(account))
            self.household.append(self.intern(household))
            self.code.append(self.intern(what))
            self.version.append(self.intern(version))
            self.points.append(points)
            self.quantity.append(quantity)


    def fold(self, ledger: Ledger, until: int | None = None,
             state: LedgerState | None = None) -> None:
        """Fold the events after ``done`` (up to ``until``, default all) into the columns,
        placing accounts in households as ``state`` (default: the ledger's) says they stood
        at each event.

        Awards and deductions, nearly all of a ledger, are read straight from their canonical
        encoding (``[kind, seq, recorded, occurred, actor, key, version, memo, account, item,
        quantity, points, ...]``) without building events; every other kind goes through
        `add()`.
        """
        if state is None:
            state = ledger._state  # unlocked: the caller holds the lock
        household_at = state.household_at
        placements = state.placements
        ids = self._ids
        households: dict[int, int] = {}
        (seq_, recorded_, when_, at_, kind_, reversal_, account_, household_, code_, version_,
         points_, quantity_) = (column.append for column in (
             self.seq, self.recorded, self.when, self.at, self.kind, self.reversal, self.account,
             self.household, self.code, self.version, self.points, self.quantity))
        event_recorded, event_actor, event_kind = (
            self.event_recorded.append, self.event_actor.append, self.event_kind.append)
        earned, deducted = _KIND_CODE["earned"], _KIND_CODE["deducted"]
        intern = self.intern
        for seq, data, digest in ledger.store.read(self.done):
            if until is not None and seq > until:
                break
            values = _json_decode(data.decode())
            kind = values[0]
            if kind != "awarded" and kind != "deducted":
                self.add(decode(seq, data, digest), household_at)
                self.done = seq
                continue
            _k, _s, recorded, at, actor, _key, version, _memo, account, item, quantity, points = (
                values[:12])
            number = ids.get(account)
            if number is None:
                number = intern(account)
            house = households.get(number)
            if house is None:
                house = intern(household_at(account, seq) or account)
                if len(placements.get(account, ())) < 2:  # never moved: the same at every seq
                    households[number] = house
            item_no = ids.get(item)
            if item_no is None:
                item_no = intern(item)
            version_no = ids.get(version)
            if version_no is None:
                version_no = intern(version)
            actor_no = ids.get(actor)
            if actor_no is None:
                actor_no = intern(actor)
            event_recorded(recorded)
            event_actor(actor_no)
            kind_no = ids.get(kind)
            event_kind(kind_no if kind_no is not None else intern(kind))
            seq_(seq)
            recorded_(recorded)
            when_(at)
            at_(at)
            kind_(earned if kind == "awarded" else deducted)
            reversal_(0)
            account_(number)
            household_(house)
            code_(item_no)
            version_(version_no)
            points_(points)
            quantity_(quantity)
            self.done = seq


    def dump(self) -> bytes:
        """The columns as bytes (the copy `Ledger.snapshot()` keeps)."""
        columns = [name for name, value in vars(self).items() if isinstance(value, array)]
        header = json.dumps([_FORMAT, self.done, self.names,
                             [(c, getattr(self, c).typecode, len(getattr(self, c)))
                              for c in columns]], ensure_ascii=False).encode()
        return b"".join([len(header).to_bytes(8, "big"), header,
                         *(getattr(self, c).tobytes() for c in columns)])

    @classmethod
    def load(cls, blob: bytes) -> Movements:
        """Columns from `dump()` output.

        Raises:
            ValueError: not an index of this format.
        """
        size = int.from_bytes(blob[:8], "big")
        version, done, names, columns = json.loads(blob[8:8 + size])
        if version != _FORMAT:
            raise ValueError(f"index format {version}")
        index = cls()
        offset = 8 + size
        for name, typecode, length in columns:
            column = getattr(index, name)
            if not isinstance(column, array) or column.typecode != typecode:
                raise ValueError(f"unknown column {name!r}")
            end = offset + length * column.itemsize
            column.frombytes(blob[offset:end])
            offset = end
        if offset != len(blob) or len(index.event_recorded) != done:
            raise ValueError("the index does not add up")
        for name in names:
            index.intern(name)
        index.done = done
        return index


_FORMAT = 2
_CACHE: weakref.WeakKeyDictionary[Ledger, Movements] = weakref.WeakKeyDictionary()


def movements_of(ledger: Ledger) -> Movements:
    """The ledger's movement index, brought up to the store's head: from memory, else from the
    copy `Ledger.snapshot()` left in the store (when it still fits the log), else built."""
    with ledger._lock:  # one thread folds at a time, and never into a command half applied
        ledger.refresh()
        index = _CACHE.get(ledger)
        if index is None:
            index = _CACHE[ledger] = stored(ledger) or Movements()
        if index.done < ledger._state.seq:
            index.fold(ledger)
        return index


def stored(ledger: Ledger) -> Movements | None:
    """The index `Ledger.snapshot()` kept in the store, when it still fits the log (a
    damaged copy is None: the index is rebuilt)."""
    store = ledger.store
    if not isinstance(store, DerivedStore):
        return None
    found = store.load_derived(NAME)
    data = check_blob(ledger.store, found)
    if found is None or data is None:
        return None
    try:
        index = Movements.load(data)
    except Exception:  # a damaged copy is ignored: the index is rebuilt
        return None
    return index if index.done == found[0] else None


def save(ledger: Ledger) -> None:
    """Keep the index, brought up to date, in the ledger's store when it keeps derived data
    (`DerivedStore`)."""
    store = ledger.store
    if not isinstance(store, DerivedStore):
        return
    index = movements_of(ledger)
    if index.done:
        store.save_derived(NAME, *seal_blob(index.done, store.get(index.done)[2], index.dump()))
        logs.written("report index", index.done)


NAME: Final = "report_index"
"""The name the report index is kept under (`DerivedStore`)."""


def code_of(kind: str) -> int:
    """The column code of a movement kind."""
    return _KIND_CODE[kind]
