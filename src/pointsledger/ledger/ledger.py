"""The Ledger: commands in, sealed events out, state derived.

A `Ledger` owns an event store and the state derived from it. Every command validates
against the state and the rulebook in force (`pointsledger.core.commands`), the resulting
events are numbered, stamped by the ledger clock, hash-chained, appended to the store in one atomic
append, and only then applied to the state with `apply()`, the same
function that replays the log when a ledger is opened. A command that raises writes nothing.

The ledger clock is monotonic: each event's ``recorded_at`` is the later of the clock reading and
one microsecond after the previous event.
"""

from __future__ import annotations

import datetime as _dt
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pendulum

from pointsledger.base.actors import SYSTEM
from pointsledger.base.checks import check_id, check_int
from pointsledger.base.clock import Clock, check_zone, from_us, system_clock, to_us
from pointsledger.base.periods import DEFAULT_TZ
from pointsledger.core.command import Command, Context, Outcome, Replayed
from pointsledger.core.encoding import FORMAT, GENESIS_HASH, decode, seal
from pointsledger.core.events import Event, LedgerCreated
from pointsledger.core.postings import parse_entry_id
from pointsledger.core.state import LedgerState, apply
from pointsledger.errors import (
    ConcurrencyError,
    NoRulebookInForce,
    PointsLedgerError,
    UnknownEntry,
    ValidationError,
)
from pointsledger.ledger import logs, movements, snapshot
from pointsledger.ledger.balances import Balances
from pointsledger.ledger.batch import Batch
from pointsledger.ledger.chain import checked, seal_drafts
from pointsledger.ledger.commands import Commands
from pointsledger.ledger.due import DueJobs
from pointsledger.ledger.queries import Queries, fresh
from pointsledger.ledger.records import Verified
from pointsledger.ledger.trust import Anchor, as_anchor, audit, check_anchors
from pointsledger.rules.rulebook import Rulebook
from pointsledger.storage import (
    EventStore,
    MemoryStore,
    Record,
    SnapshotStore,
    SQLiteStore,
    Versioned,
    WriteLock,
    check_blob,
    seal_blob,
)
from pointsledger.workflows import steps
from pointsledger.workflows.cases import find_case

_DAY_US = 86_400_000_000
_RETRIES = 50  # appends lost to other writers before a command gives up


class Ledger(Commands, DueJobs, Queries, Balances):
    """A points ledger over an event store.

    Use `open()` for a SQLite file and `in_memory()` for tests. Opening replays the
    stored log through `apply()` and verifies its hash chain.

    Args:
        store: the event store.
        clock: the ledger clock (default: the system clock).
        tz: the ledger's time zone, fixed when the ledger is created (default Asia/Shanghai);
            when reopening, None or the recorded zone.
        backdate_days: how far before the clock ``occurred_at`` may lie (default 90).
        ledger_id: the id recorded in a new ledger's genesis event (default: a random UUID).
        progress: told (events applied, events in all) while the stored log is replayed.
        anchors: published anchors (`anchor()`) the stored log must hold: a log cut short
            or rewritten since is refused.
        trust_snapshot: start from the stored snapshot (fast; a nightly `verify()`
            checks it against the log), or, when False, replay the whole log and refuse a
            stored snapshot or report index that differs from it.

    Raises:
        IntegrityError: the stored log does not verify, lacks or contradicts an anchor, or
            (``trust_snapshot=False``) a stored snapshot or index differs from it.
        ValidationError: ``tz`` differs from the zone the ledger was created with.
    """

    def __init__(
        self,
        store: EventStore,
        *,
        clock: Clock | None = None,
        tz: str | None = None,
        backdate_days: int = 90,
        ledger_id: str | None = None,
        progress: Callable[[int, int], None] | None = None,
        anchors: Iterable[Anchor | str] = (),
        trust_snapshot: bool = True,
    ) -> None:
        check_int(backdate_days, "backdate_days", minimum=0)
        tz = check_zone(tz)
        wanted = [as_anchor(a) for a in anchors]
        self._store = store
        # a store other processes may write has a lock to take turns under
        self._writing: Callable[[], Any] | None = (
            store.writing if isinstance(store, WriteLock) else None)
        self._clock = clock or system_clock
        self._now_us: Callable[[], int] = (
            _system_now_us
            if clock is None
            else getattr(clock, "now_us", None) or (lambda: to_us(clock(), "clock()"))
        )
        self._backdate_us = backdate_days * _DAY_US
        self._state = LedgerState()
        self._batch: Batch | None = None
        self._held = 0  # reading() blocks open in the thread holding the lock: state held still
        # one command, batch or read at a time: the state is never seen half applied
        self._lock = threading.RLock()
        # a store that says cheaply whether others committed (isinstance on a protocol is slow:
        # asked once)
        self._version: Callable[[], int] | None = (
            store.data_version if isinstance(store, Versioned) else None)
        self._seen = self._version() if self._version is not None else 0
        if trust_snapshot:
            self._from_snapshot()
            self._catch_up(progress)
        else:  # one fold from the genesis event, checking the stored snapshot and index by it
            self._state = audit(self, LedgerState())[2]
        if wanted:
            check_anchors(store, self._state.ledger_id, wanted)
        if self._state.seq == 0:
            self._create(tz or DEFAULT_TZ, ledger_id or uuid.uuid4().hex)
        elif tz is not None and tz != self._state.tz:
            raise ValidationError(
                f"this ledger's time zone is {self._state.tz!r}; it cannot be reopened as {tz!r}",
                tz=tz,
            )

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        tz: str | None = None,
        backdate_days: int = 90,
        ledger_id: str | None = None,
        synchronous: str = "FULL",
        progress: Callable[[int, int], None] | None = None,
        anchors: Iterable[Anchor | str] = (),
        trust_snapshot: bool = True,
    ) -> Ledger:
        """Create or reopen a ledger in a SQLite file (replaying and verifying it; ``progress``
        is told (events applied, events in all) as the replay goes; ``anchors`` and
        ``trust_snapshot`` as for `Ledger`).

        Raises:
            StoreError: the file is not a pointsledger file.
            IntegrityError: the file was edited behind the library's back.
        """
        store = SQLiteStore(path, synchronous=synchronous)
        try:
            return cls(store, clock=clock, tz=tz, backdate_days=backdate_days, ledger_id=ledger_id,
                       progress=progress, anchors=anchors, trust_snapshot=trust_snapshot)
        except BaseException:
            store.close()
            raise

    @classmethod
    def open_postgres(
        cls,
        conninfo: str,
        ledger_id: str,
        *,
        clock: Clock | None = None,
        tz: str | None = None,
        backdate_days: int = 90,
        anchors: Iterable[Anchor | str] = (),
        trust_snapshot: bool = True,
    ) -> Ledger:
        """Create or reopen ledger ``ledger_id`` in a PostgreSQL database (needs the
        ``postgres`` extra). Many ledgers, one per village or town, share one database
        (``anchors`` and ``trust_snapshot`` as for `Ledger`).

        Raises:
            StoreError: the database cannot be used.
            IntegrityError: the stored log does not verify.
        """
        from pointsledger.storage.postgres import PostgresStore

        store = PostgresStore(conninfo, ledger_id)
        try:
            return cls(store, clock=clock, tz=tz, backdate_days=backdate_days,
                       ledger_id=ledger_id, anchors=anchors, trust_snapshot=trust_snapshot)
        except BaseException:
            store.close()
            raise

    @classmethod
    def in_memory(
        cls,
        *,
        clock: Clock | None = None,
        tz: str | None = None,
        backdate_days: int = 90,
        ledger_id: str | None = None,
    ) -> Ledger:
        """A ledger held in memory only."""
        return cls(
            MemoryStore(), clock=clock, tz=tz, backdate_days=backdate_days, ledger_id=ledger_id
        )

    def _create(self, tz: str, ledger_id: str) -> None:
        try:
            from_us(0, tz)
        except Exception:
            raise ValidationError(f"unknown time zone {tz!r}", tz=tz) from None
        ledger_id = check_id(ledger_id, "ledger_id")
        now = max(self._now_us(), 1)
        genesis = LedgerCreated(1, now, now, SYSTEM.id, "@genesis", "", "", ledger_id, tz, FORMAT)
        try:
            self._store.append([(1, seal(genesis, GENESIS_HASH), genesis.hash)], 0)
        except ConcurrencyError:  # another process created this ledger at the same moment
            self._catch_up()
            return
        apply(self._state, genesis)

    # -- snapshots -----------------------------------------------------------------------------
    def snapshot(self) -> int:
        """Store a snapshot of the derived state at the head, so that reopening replays only
        the events after it, and the derived data layers above keep (the report index), so a
        later process's first report reads only newer events (SQLite and PostgreSQL stores;
        the memory store keeps nothing).

        Returns:
            The seq the snapshot was taken at (0 when the store keeps no snapshots).

        Raises:
            ValidationError: a batch is open on this ledger.
        """
        with self._lock:
            if self._batch is not None:
                raise ValidationError("a batch is open on this ledger: snapshot after it")
            started = time.perf_counter()
            self.refresh()
            store, state, seq = self._store, self._state, 0
            if isinstance(store, SnapshotStore):
                store.save_snapshot(*seal_blob(state.seq, state.head_hash, snapshot.dump(state)))
                seq = state.seq
                logs.written("snapshot", seq)
            movements.save(self)
            logs.slow("snapshot", started)
            return seq

    def _from_snapshot(self) -> None:
        """Start from the store's snapshot when it checks out; otherwise from nothing."""
        store = self._store
        if not isinstance(store, SnapshotStore):
            return
        found = store.load_snapshot()
        data = check_blob(store, found)
        if found is None or data is None:
            return
        try:
            state = snapshot.load(data)
        except Exception:  # any damage: the snapshot is ignored and the log replayed
            return
        if state.seq == found[0] and state.head_hash == found[1]:
            self._state = state

    # -- other writers -----------------------------------------------------------------------
    def refresh(self) -> int:
        """Take in the events other writers (processes, other ``Ledger`` objects on the same
        file or database) appended since this ledger last looked, checking their chain.

        Every read (queries, ``balance``, ``events``, reports, ``verify``) and every command
        does this first, so a ledger never answers from a stale state; call it yourself to
        catch up ahead of time. It is cheap when nothing changed: one ``PRAGMA data_version``
        on SQLite, a head query on PostgreSQL, a length on the memory store. Inside a batch it
        does nothing (the batch holds the store's write lock), nor inside `reading()`
        (which holds the state still for the read of several parts).

        Returns:
            How many events were taken in.

        Raises:
            IntegrityError: what others appended does not verify.
        """
        with self._lock:
            if self._batch is not None or self._held:
                return 0
            if self._version is not None:
                version = self._version()
                if version == self._seen:
                    return 0
                self._seen = version
            elif self._store.head() == self._state.seq:
                return 0
            before = self._state.seq
            self._catch_up()
            return self._state.seq - before

    # -- plumbing ------------------------------------------------------------------------------
    def _refold(self) -> None:
        """Derive the state from the log again, from the store's snapshot when it checks out:
        after a failed batch, whose commands changed the state as they went."""
        self._state = LedgerState()
        self._from_snapshot()
        self._catch_up()

    def _catch_up(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Apply whatever the store holds beyond our head, verifying the chain as we go
        (telling ``progress`` (applied, head) every 10,000 events and at the end)."""
        state = self._state
        total = self._store.head() if progress is not None else 0
        for record in self._store.read(state.seq):
            apply(state, checked(state.seq, state.head_hash, state.recorded_us, record))
            if progress is not None and state.seq % 10_000 == 0:
                progress(state.seq, total)
        if progress is not None:
            progress(state.seq, max(total, state.seq))

    def _event_at(self, seq: int) -> Event:
        """A stored event, checked against its predecessor's hash."""
        record = self._store.get(seq)
        previous = GENESIS_HASH if seq == 1 else self._store.get(seq - 1)[2]
        return checked(seq - 1, previous, -1, record)

    def _context(
        self, state: LedgerState, event_at: Callable[[int], Event] | None = None
    ) -> Context:
        now = self._now_us()
        if now <= state.recorded_us:
            now = state.recorded_us + 1
        return Context(state, now, self._backdate_us, event_at or self._event_at)

    def _command(self, command: Command[..., Event], /, *args: Any, **kwargs: Any) -> Event:
        with self._lock:
            try:
                return self._execute(command, args, kwargs)[0]
            except PointsLedgerError as error:
                logs.refused(command.name, error, kwargs)
                raise

    def _execute(
        self, command: Callable[..., Outcome], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Sequence[Event]:
        """Run a command to its end: validate, append its events, and apply them (the caller
        holds the ledger's lock)."""
        if self._batch is not None:
            raise ValidationError("a batch is open on this ledger: issue commands through it")
        state = self._state
        if self._writing is not None:
            # a store other processes may write: take turns under its lock instead of racing;
            # timed for the slow log, as waits for the lock and the disk happen here
            started = time.perf_counter()
            with self._writing():
                self._catch_up()
                events, records = self._prepare(command, args, kwargs)
                if records:
                    self._store.append(records, state.seq)
            for event in events if records else ():  # only once the store has committed
                apply(state, event)
            if records:
                logs.appended(events)
            logs.slow(getattr(command, "__name__", "command"), started)
            return events
        # a store without a write lock (the memory store): another Ledger object sharing it
        # makes the append fail, and the command is validated again on the caught-up state
        for _attempt in range(_RETRIES):
            events, records = self._prepare(command, args, kwargs)
            if not records:
                return events
            try:
                self._store.append(records, state.seq)
            except ConcurrencyError:
                self._catch_up()  # another writer got there first: re-validate on its state
                # back off a little, at random, so that busy writers take turns
                time.sleep(random.uniform(0, min(0.05, 0.0005 * 2**_attempt)))
                continue
            for event in events:
                apply(state, event)
            logs.appended(events)
            return events
        raise ConcurrencyError(f"gave up after {_RETRIES} attempts lost to other writers")

    def _prepare(
        self, command: Callable[..., Outcome], args: Any, kwargs: Any
    ) -> tuple[Sequence[Event], list[Record]]:
        """Validate a command and seal its events: ``(events, records to append)``, with no
        records for a repeated request (its first events) or a command with nothing to do."""
        state = self._state
        ctx = self._context(state)
        if type(command) is Command:  # not a due job: check by and memo, set up ctx
            command = command.begin(ctx, kwargs)
        outcome = command(ctx, *args, **kwargs)
        if isinstance(outcome, Replayed):
            return outcome.events, []
        if not outcome:
            return (), []
        return seal_drafts(outcome, state.seq, state.head_hash, ctx.now_us)

    # -- batches ---------------------------------------------------------------------------
    def batch(self) -> Batch:
        """A batch: commands validated one after another, appended all together or not at all.

        Use it as a context manager; the events are appended when the block ends without an
        exception::

            with ledger.batch() as b:
                for household in households:
                    b.award(household, "ENV-01", by=grid, key=..., occurred_at=...)
        """
        if self._batch is not None:
            raise ValidationError("a batch is already open on this ledger")
        return Batch(self)

    # -- queries ---------------------------------------------------------------------------
    @property
    def store(self) -> EventStore:
        """The event store."""
        return self._store

    @property
    def tz(self) -> str:
        """The ledger's time zone name."""
        return self._state.tz

    @property
    def ledger_id(self) -> str:
        """The id recorded in the genesis event."""
        return self._state.ledger_id

    @property
    def head(self) -> int:
        """The seq of the last event (after `refresh()`)."""
        with self._lock:
            self.refresh()
            return self._state.seq

    def now(self) -> pendulum.DateTime:
        """The ledger clock's current reading, in the ledger's zone."""
        return pendulum.instance(self._clock()).in_timezone(self._state.tz)

    @fresh
    def rulebook(self, at: _dt.datetime | None = None) -> Rulebook:
        """The rulebook in force at ``at`` (default: now).

        Raises:
            NoRulebookInForce: none covers that time.
        """
        us = to_us(self._clock() if at is None else at, "at")
        adoption = self._state.adoption_at(us)
        if adoption is None:
            raise NoRulebookInForce("no adopted rulebook is in force then", at=us)
        return adoption.rulebook

    @fresh
    def next_steps(self, case: str | Event) -> tuple[str, ...]:
        """The steps an actor may take now on the case opened by event ``case``: its flow's
        transition table from its state, less those the rulebook in force switches off (a claim
        under two review tiers is checked before it is approved) and those only due jobs take.
        Empty for a finished case.

        Raises:
            UnknownEntry: no case was opened by that event.
        """
        adoption = self._state.adoption_at(to_us(self._clock(), "clock()"))
        return steps.next_steps(find_case(self._state, case),
                                None if adoption is None else adoption.rulebook)

    @fresh
    def events(self, after: int = 0) -> Iterator[Event]:
        """The stored events with ``seq > after``, in order.

        Raises:
            IntegrityError: a record does not decode.
        """
        for seq, data, digest in self._store.read(after):
            yield decode(seq, data, digest)

    @fresh
    def event(self, entry: str | int) -> Event:
        """The event with id ``entry`` (or with seq ``entry``).

        Raises:
            UnknownEntry: no such event.
        """
        if isinstance(entry, int) and not isinstance(entry, bool):
            seq, digest = entry, ""
        else:
            seq, digest = parse_entry_id(entry)
        if not 1 <= seq <= self._state.seq:
            raise UnknownEntry(f"no event {entry!r} in this ledger", entry=entry)
        event = self._event_at(seq)
        if not event.hash.hex().startswith(digest):
            raise UnknownEntry(f"event {seq} is {event.id}, not {entry!r}", entry=entry)
        return event

    def verify(self, anchors: Iterable[Anchor | str] = ()) -> Verified:
        """Check everything this ledger trusts against its stored log: the whole hash chain;
        that this ledger's state is what a fold of the log gives (the same event at its head,
        the same balances, caps, keys ...); that the stored snapshot and the stored report
        index, which later opens and reports would start from, equal a fold of the log at their
        seq; and that the log holds every published ``anchor`` (neither cut short nor
        rewritten). Events other writers appended since are then taken in.

        It folds the whole log once, about the cost of opening without a snapshot: run it
        nightly (see docs/operations.md).

        Args:
            anchors: anchors published earlier (`anchor()`, or their printed form).

        Returns:
            How many events verified and the head hash.

        Raises:
            IntegrityError: naming the first bad seq (an edited, missing, inserted or reordered
                event, or a log that no longer holds the events this ledger applied); the
                derived data that differs from the log (``fields["derived"]``: the live state,
                the stored snapshot, the report index); or an anchor the log lacks or
                contradicts.
            ValidationError: a batch is open on this ledger; an anchor that does not parse.
        """
        wanted = [as_anchor(a) for a in anchors]
        with self._lock:
            if self._batch is not None:
                raise ValidationError("a batch is open on this ledger: verify after it")
            started = time.perf_counter()
            try:
                events, head, _fold = audit(self, self._state)
                check_anchors(self._store, self._state.ledger_id, wanted)
            except PointsLedgerError as error:
                logs.verify_failed(error)
                raise
            if events > self._state.seq:  # other writers appended since: take their events
                self._catch_up()
            logs.verified(events, head.hex())
            logs.slow("verify", started)
            return Verified(events, head.hex())

    @fresh
    def anchor(self) -> Anchor:
        """The head to publish (公示栏锚点): ledger id, seq, hash and time of the last event.
        Print ``str(anchor)`` on notices; give anchors to `verify()` or `open()` later
        to refuse a log that was cut short or rewritten since."""
        state = self._state
        return Anchor(state.ledger_id, state.seq, state.head_hash.hex(), state.recorded_us)

    def close(self) -> None:
        """Release the store (a SQLite file, a PostgreSQL connection); the ledger cannot be
        used afterwards. ``with Ledger.open(path) as ledger:`` calls it on leaving the block.
        (Closing a household or member account is `close_account()`.)"""
        with self._lock:
            self._store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _system_now_us() -> int:
    return time.time_ns() // 1000


