"""A pool of ledgers: many village ledgers served by one process, opened on demand.

An app serving hundreds of villages (one ledger each, see docs/operations.md) cannot keep them
all open, nor open one for every request. `LedgerPool` opens a ledger by its id the first
time it is asked for (from its stored snapshot when there is one), keeps the ``size`` most
recently used ones open and closes the least recently used beyond that.

Invariants: at most ``size`` ledgers stay open, plus those leased at that moment (a ledger in
use is never closed under its user; it is closed when its last lease ends, if it was evicted
meanwhile); a ledger id is opened by one thread at a time, so two threads asking for the same
closed ledger open it once; the pool's own lock is held only for bookkeeping, never while a
ledger is opened, refreshed or closed, so a slow open of one ledger delays no other; every
lease refreshes its ledger first, so it sees what other processes appended (the host-app
contract's fresh reads).

With a `Lookahead` (`postgres()` has one), `each()` asks the database about a group of the
coming ledgers in one go instead of one ledger at a time: what the closed ones' opening reads,
and the open ones' heads. A ledger's first read in its turn then takes in what other writers
had appended when its group was asked (at most `GROUP` ledgers earlier); every later read asks
again.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final, Protocol

import attrs

from pointsledger.base.checks import check_id, check_int
from pointsledger.base.clock import Clock
from pointsledger.errors import ValidationError
from pointsledger.ledger.ledger import Ledger

GROUP: Final = 25
"""How many coming ledgers `LedgerPool.each()` asks its `Lookahead` about at once."""


class Lookahead(Protocol):
    """What the database behind a pool tells about many ledgers in one go, for
    `LedgerPool.each()`: `PostgresLookahead` on PostgreSQL."""

    def prepare(self, opening: Sequence[str],
                open_ledgers: Sequence[Ledger]) -> Mapping[str, Callable[[], Ledger]]:
        """Ask in one go about the ledgers whose turns come next: give each open one its head
        (its next refresh then asks nothing), and return, by id, an opener for each of
        ``opening`` that reads what was fetched instead of asking again."""
        ...

    def release(self, ledger: Ledger) -> None:
        """Forget the head `prepare()` gave ``ledger``, once its turn has passed."""
        ...


@attrs.define
class _Entry:
    key: str
    ledger: Ledger
    leases: int = 0
    evicted: bool = False


class LedgerPool:
    """Ledgers by id, opened on demand, the ``size`` most recently used kept open.

    Args:
        opener: opens (or creates) the ledger with a given id, e.g.
            ``lambda i: Ledger.open_postgres(conninfo, i)``; see `postgres()`.
        size: how many ledgers to keep open (at least 1).
        lookahead: lets `each()` ask the database about many ledgers in one go.

    Use `lease()` around each use (``with pool.lease("v001") as ledger: ...``) and
    `each()` to go through many ledgers one at a time; `close()` (or ``with``) closes
    them all. Safe to share between threads.

    Raises:
        ValidationError: ``size`` is not a whole number of at least 1.
    """

    def __init__(self, opener: Callable[[str], Ledger], *, size: int = 100,
                 lookahead: Lookahead | None = None) -> None:
        self._opener = opener
        self._lookahead = lookahead
        self.size = check_int(size, "size", minimum=1)
        self._lock = threading.Lock()
        self._open: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._opening: dict[str, threading.Lock] = {}
        self._closed = False
        self._finish: Callable[[], None] | None = None  # run once the pool has closed
        self.opened = 0
        """How many times a ledger was opened (a measure of misses)."""

    @classmethod
    def postgres(cls, conninfo: str, *, size: int = 100, partitions: int = 0,
                 create: bool = False, clock: Clock | None = None,
                 trust_snapshot: bool = True, connections: int = 4) -> LedgerPool:
        """A pool of the ledgers in a PostgreSQL database, sharing a few connections
        (`PostgresDatabase`) instead of holding one per open ledger, with a
        `PostgresLookahead` for `each()`.

        Args:
            conninfo: the libpq connection string.
            size: how many ledgers to keep open.
            partitions: as for `PostgresStore`.
            create: create a ledger asked for that the database does not hold; by default
                such an id is refused (a mistyped village id then opens nothing).
            clock: the ledgers' clock.
            trust_snapshot: as for `Ledger`.
            connections: how many idle connections to keep (threads busy at once use one
                each).

        Raises:
            StoreError: the database cannot be used.
            NotFound: (on lease) ``create`` is False and the database holds no such ledger.
        """
        from pointsledger.ledger.pool_postgres import PostgresLookahead
        from pointsledger.storage.postgres import PostgresDatabase

        database = PostgresDatabase(conninfo, partitions=partitions, keep=connections)
        lookahead = PostgresLookahead(database, create=create, clock=clock,
                                      trust_snapshot=trust_snapshot)
        pool = cls(lookahead.open, size=size, lookahead=lookahead)
        pool._finish = database.close
        return pool

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    def __contains__(self, ledger_id: object) -> bool:
        with self._lock:
            return ledger_id in self._open

    def ids(self) -> list[str]:
        """The ids of the open ledgers, least recently used first."""
        with self._lock:
            return list(self._open)

    @contextlib.contextmanager
    def lease(self, ledger_id: str) -> Iterator[Ledger]:
        """The ledger ``ledger_id``, open and refreshed, for the ``with`` block: opened on first
        use, otherwise taken from the pool; the pool does not close it during the block.

        Raises:
            ValidationError: a bad id, or the pool is closed.
            NotFound, StoreError, IntegrityError: from opening it (nothing is kept then).
        """
        entry = self._take(check_id(ledger_id, "ledger_id"))
        try:
            entry.ledger.refresh()
            yield entry.ledger
        finally:
            self._give_back(entry)

    def each(self, ledger_ids: Iterable[str], *, ahead: int = 0) -> Iterator[Ledger]:
        """The ledgers ``ledger_ids`` one after another, each leased until the next is asked for
        or the loop ends: a county's reports go through hundreds of villages with at most
        ``size`` of them open. Unlike `lease()`, it does not refresh a ledger ahead of its
        first read: every read (a report's `reading()` block, a balance) takes in other
        writers' events first anyway. With the pool's `Lookahead` (PostgreSQL), the
        ledgers are asked about `GROUP` at a time, in one round trip: the closed ones open from
        what it fetched, and an open one's first read in its turn takes the head fetched with
        its group instead of asking (it sees what was appended before its group was asked).

        Args:
            ledger_ids: the ids, in the order wanted.
            ahead: how many of the following ledgers to open meanwhile in background threads
                (0: none), so that their connections and snapshots load while the caller works
                on the current one; each such ledger is leased until its turn has passed.

        Raises:
            ValidationError: ``ahead`` is not a whole number from 0 to 32; a bad id.
        """
        ahead = check_int(ahead, "ahead", minimum=0, maximum=32)
        noted: list[Ledger] = []
        try:
            yield from self._each(self._planned(ledger_ids, noted), ahead)
        finally:  # heads given to ledgers whose turn never came are forgotten
            if self._lookahead is not None:
                for ledger in noted:
                    self._lookahead.release(ledger)

    def _planned(self, ledger_ids: Iterable[str],
                 noted: list[Ledger]) -> Iterator[tuple[str, Callable[[], Ledger] | None]]:
        """The ids checked, each with the opener the lookahead prepared for it (or None),
        asking the lookahead about `GROUP` of them at a time; the open ledgers given a head are
        added to ``noted``."""
        lookahead = self._lookahead
        wanted = (check_id(ledger_id, "ledger_id") for ledger_id in ledger_ids)
        if lookahead is None:
            for ledger_id in wanted:
                yield ledger_id, None
            return
        while group := list(itertools.islice(wanted, GROUP)):
            with self._lock:
                open_ledgers = [self._open[i].ledger for i in dict.fromkeys(group)
                                if i in self._open]
                opening = [i for i in dict.fromkeys(group) if i not in self._open]
            openers = lookahead.prepare(opening, open_ledgers)
            noted.extend(open_ledgers)
            for ledger_id in group:
                yield ledger_id, openers.get(ledger_id)

    def _each(self, planned: Iterator[tuple[str, Callable[[], Ledger] | None]],
              ahead: int) -> Iterator[Ledger]:
        lookahead = self._lookahead
        if not ahead:
            for ledger_id, opener in planned:
                entry = self._take(ledger_id, opener)
                try:
                    yield entry.ledger
                finally:
                    if lookahead is not None:
                        lookahead.release(entry.ledger)
                    self._give_back(entry)
            return
        coming: deque[Future[_Entry]] = deque()
        with ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="ledger-pool") as workers:
            try:
                for ledger_id, opener in itertools.islice(planned, ahead + 1):
                    coming.append(workers.submit(self._take, ledger_id, opener))
                while coming:
                    entry = coming.popleft().result()
                    for ledger_id, opener in itertools.islice(planned, 1):
                        coming.append(workers.submit(self._take, ledger_id, opener))
                    with self._lock:  # its turn: now it is the most recently used
                        if self._open.get(entry.key) is entry:
                            self._open.move_to_end(entry.key)
                    try:
                        yield entry.ledger
                    finally:
                        if lookahead is not None:
                            lookahead.release(entry.ledger)
                        self._give_back(entry)
            finally:  # the loop ended early or failed: give back what was opened ahead
                for future in coming:
                    if not future.cancel():
                        with contextlib.suppress(Exception):
                            self._give_back(future.result())

    def _take(self, ledger_id: str, opener: Callable[[], Ledger] | None = None) -> _Entry:
        with self._lock:
            entry = self._leased(ledger_id)
            if entry is not None:
                return entry
            gate = self._opening.setdefault(ledger_id, threading.Lock())
        with gate:  # one opener per ledger id; other ids and the pool are not held up
            with self._lock:
                entry = self._leased(ledger_id)
                if entry is not None:
                    return entry
            ledger = opener() if opener is not None else self._opener(ledger_id)
            with self._lock:
                if self._closed:
                    closing: list[Ledger] = [ledger]
                else:
                    entry = self._open[ledger_id] = _Entry(ledger_id, ledger, leases=1)
                    self.opened += 1
                    closing = self._evict()
        _close_all(closing)
        if entry is None:
            raise ValidationError("the ledger pool is closed")
        return entry

    def _leased(self, ledger_id: str) -> _Entry | None:
        """The open entry, leased once more and made the most recent (the caller holds the
        pool's lock)."""
        if self._closed:
            raise ValidationError("the ledger pool is closed")
        entry = self._open.get(ledger_id)
        if entry is not None:
            entry.leases += 1
            self._open.move_to_end(ledger_id)
        return entry

    def _give_back(self, entry: _Entry) -> None:
        with self._lock:
            entry.leases -= 1
            closing = [entry.ledger] if entry.evicted and entry.leases == 0 else []
            closing += self._evict()
        _close_all(closing)

    def _evict(self) -> list[Ledger]:
        """Take the least recently used ledgers beyond ``size`` out of the pool; those not
        leased are returned to be closed, the others close when their lease ends (the caller
        holds the pool's lock)."""
        closing = []
        excess = len(self._open) - self.size
        for ledger_id in list(self._open):
            if excess <= 0:
                break
            entry = self._open[ledger_id]
            if entry.leases:
                continue
            del self._open[ledger_id]
            entry.evicted = True
            closing.append(entry.ledger)
            excess -= 1
        return closing

    def close(self) -> None:
        """Close every ledger not in use and the others as their leases end; the pool cannot
        be used afterwards."""
        with self._lock:
            self._closed = True
            closing = []
            for entry in self._open.values():
                entry.evicted = True
                if not entry.leases:
                    closing.append(entry.ledger)
            self._open.clear()
            finish, self._finish = self._finish, None
        _close_all(closing)
        if finish is not None:
            finish()

    def __enter__(self) -> LedgerPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _close_all(ledgers: list[Ledger]) -> None:
    for ledger in ledgers:
        ledger.close()
