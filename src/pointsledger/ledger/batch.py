"""Batches: commands validated one by one and appended together, all or nothing."""

from __future__ import annotations

import contextlib
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pointsledger.core.command import Command, Replayed
from pointsledger.core.encoding import decode
from pointsledger.core.events import Event
from pointsledger.core.state import apply
from pointsledger.errors import PointsLedgerError, ValidationError
from pointsledger.ledger import logs
from pointsledger.ledger.chain import seal_drafts
from pointsledger.ledger.commands import Commands
from pointsledger.storage import Record

if TYPE_CHECKING:
    from pointsledger.ledger.ledger import Ledger


class Batch(Commands):
    """Commands validated one by one, appended together in one atomic append.

    Obtain one with `Ledger.batch()` and use it as a context manager. Each command is
    validated against the state as the batch's earlier commands left it and returns its event
    at once (numbered and sealed); while a batch is open, the ledger's queries show its
    tentative state. A command that raises writes nothing even inside the block, so a caller
    may catch a refusal and go on.

    When the block ends without an exception, all events reach the store in one append. When it
    ends with one, or the append fails, nothing is written and the ledger folds its state from
    the log again (from the store's snapshot, when it has one that checks out): the state is
    then exactly what the log says, at a cost that grows with the events since the snapshot
    rather than with the batch (about 8 s for a million events without one). Nothing journals
    the batch's state writes to undo them: the common, successful batch pays nothing for the
    rare failed one.

    On a store other processes may write (SQLite, PostgreSQL) a batch holds the store's write
    lock from the start of the block to its end, catching up with other writers first: writers
    take turns instead of racing, so a batch never loses its append to another writer. Other
    writers wait meanwhile, so keep the block to the commands. (If something appends without the
    lock anyway, the batch raises `ConcurrencyError`, writes nothing and catches up.)

    A batch belongs to the thread that opened it: while it is open, other threads' commands and
    reads on the same ledger wait for it to end.

    A batch keeps the records it will append, not its event objects: a day's batch of
    thousands of events then costs the garbage collector little. Events are read back from
    the records when asked for.
    """

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._base = ledger._state.seq
        self._records: list[Record] = []
        self._firsts: list[int] = []  # the seq of the event each command returned
        self._started = 0.0  # when the block began (time.perf_counter), for the slow log
        self._lock = contextlib.ExitStack()
        self._reader = self._event_at  # bound once: commands get it on every call

    def __enter__(self) -> Batch:
        ledger = self._ledger
        ledger._lock.acquire()  # other threads wait for the batch; released by __exit__
        try:
            if ledger._batch is not None:
                raise ValidationError("a batch is already open on this ledger")
            if ledger._writing is not None:
                self._lock.enter_context(ledger._writing())
            try:
                ledger._catch_up()
            except BaseException:
                self._lock.close()
                raise
        except BaseException:
            ledger._lock.release()
            raise
        self._base = ledger._state.seq
        self._started = time.perf_counter()
        ledger._batch = self
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        ledger = self._ledger
        try:
            self._finish(exc_type, exc, tb)
        finally:
            ledger._lock.release()

    def _finish(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        ledger = self._ledger
        ledger._batch = None
        if exc_type is None:
            try:
                if self._records:
                    ledger.store.append(self._records, self._base)
            except BaseException as error:
                self._abandon(type(error), error, error.__traceback__)
                raise
        else:
            self._abandon(exc_type, exc, tb)
            return
        try:
            self._lock.close()  # commits the store's transaction when the batch holds a lock
        except BaseException:
            ledger._refold()
            raise
        logs.appended(decode(*record) for record in self._records)  # decoded only if logged
        logs.slow(f"batch of {len(self._records)} events", self._started)

    def _abandon(self, exc_type: type[BaseException], exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Nothing is written: the store rolls its transaction back and the ledger folds its
        state from the log again."""
        try:
            self._lock.__exit__(exc_type, exc, tb)
        finally:
            self._ledger._refold()

    @property
    def results(self) -> list[Event]:
        """The event each command returned, in order."""
        return [self._event_at(seq) for seq in self._firsts]

    def _event_at(self, seq: int) -> Event:
        if seq > self._base:
            return decode(*self._records[seq - self._base - 1])
        return self._ledger._event_at(seq)

    def _command(self, command: Command[..., Event], /, *args: Any, **kwargs: Any) -> Event:
        ledger = self._ledger
        with ledger._lock:
            try:
                return self._run(command, args, kwargs)
            except PointsLedgerError as error:
                logs.refused(command.name, error, kwargs)
                raise

    def _run(self, command: Command[..., Event], args: tuple[Any, ...],
             kwargs: dict[str, Any]) -> Event:
        ledger = self._ledger
        if ledger._batch is not self:
            raise ValidationError("use a batch inside its with-block")
        state = ledger._state
        ctx = ledger._context(state, self._reader)
        outcome = command.begin(ctx, kwargs)(ctx, *args, **kwargs)
        if isinstance(outcome, Replayed):
            self._firsts.append(outcome.events[0].seq)
            return outcome.events[0]
        events, records = seal_drafts(outcome, state.seq, state.head_hash, ctx.now_us)
        for event in events:
            apply(state, event)
        self._records.extend(records)
        self._firsts.append(events[0].seq)
        return events[0]
