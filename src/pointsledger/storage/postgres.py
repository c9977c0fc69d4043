"""The PostgreSQL store (psycopg 3), for apps that already run PostgreSQL and many writers.

Many ledgers share one database: every row carries its ``ledger_id`` (one ledger per village or
town), the natural distribution column of a sharded PostgreSQL such as Citus. An append is one
transaction that takes a transaction-scoped advisory lock on the ledger, checks the head and
inserts; the primary key ``(ledger_id, seq)`` makes a fork impossible even without the lock.
A `PostgresStore` holds its own connection; the stores of a `PostgresDatabase` (a process
serving many ledgers) share a few connections, each store borrowing one per statement (or for
a whole `PostgresStore.writing()` block), and ask about many ledgers in one round trip
(`PostgresDatabase.heads()`, `PostgresDatabase.prime()`). Needs the ``postgres`` extra
(``pip install "pointsledger[postgres]"``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

import attrs

from pointsledger.base.checks import check_id, check_int
from pointsledger.errors import ConcurrencyError, StoreError, UnknownEntry, ValidationError
from pointsledger.storage.base import Blob, Record, check_numbering

_EVENTS = """CREATE TABLE IF NOT EXISTS pointsledger_events (
        ledger_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        data BYTEA NOT NULL,
        hash BYTEA NOT NULL,
        PRIMARY KEY (ledger_id, seq)
    )"""

SCHEMA = (
    _EVENTS,
    """CREATE TABLE IF NOT EXISTS pointsledger_derived (
        ledger_id TEXT NOT NULL,
        name TEXT NOT NULL,
        seq BIGINT NOT NULL,
        head BYTEA NOT NULL,
        data BYTEA NOT NULL,
        digest BYTEA NOT NULL,
        PRIMARY KEY (ledger_id, name)
    )""",
    """CREATE TABLE IF NOT EXISTS pointsledger_snapshots (
        ledger_id TEXT PRIMARY KEY,
        seq BIGINT NOT NULL,
        head BYTEA NOT NULL,
        data BYTEA NOT NULL,
        digest BYTEA NOT NULL
    )""",
)
"""The tables: the events, named derived data (report indexes) and one snapshot per ledger;
readers check the last two against the events before use. Every table's key starts with
``ledger_id``, the distribution column (see `partitioned_schema()` and
docs/operations.md)."""

STATEMENTS = {
    # a 64-bit key: ledgers whose ids share a 32-bit hashtext() would wait for each other
    "lock": "SELECT pg_advisory_xact_lock(hashtextextended('ledger:' || %s, 0))",
    "head": "SELECT COALESCE(MAX(seq), 0) FROM pointsledger_events WHERE ledger_id = %s",
    "append": "INSERT INTO pointsledger_events (ledger_id, seq, data, hash) "
              "VALUES (%s, %s, %s, %s)",
    "read": "SELECT seq, data, hash FROM pointsledger_events WHERE ledger_id = %s AND "
            "seq > %s ORDER BY seq LIMIT %s",
    "get": "SELECT seq, data, hash FROM pointsledger_events WHERE ledger_id = %s AND seq = %s",
    "save_derived": "INSERT INTO pointsledger_derived (ledger_id, name, seq, head, data, digest) "
                    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (ledger_id, name) DO UPDATE SET "
                    "seq = EXCLUDED.seq, head = EXCLUDED.head, data = EXCLUDED.data, "
                    "digest = EXCLUDED.digest",
    "load_derived": "SELECT seq, head, data, digest FROM pointsledger_derived "
                    "WHERE ledger_id = %s AND name = %s",
    "save_snapshot": "INSERT INTO pointsledger_snapshots (ledger_id, seq, head, data, digest) "
                     "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (ledger_id) DO UPDATE SET "
                     "seq = EXCLUDED.seq, head = EXCLUDED.head, data = EXCLUDED.data, "
                     "digest = EXCLUDED.digest",
    "load_snapshot": "SELECT seq, head, data, digest FROM pointsledger_snapshots "
                     "WHERE ledger_id = %s",
}
"""Every statement the store runs on a ledger's rows, by name. Each takes the ledger id as its
first parameter and touches only that ledger's rows (an insert names it first; a read or lock
is filtered by it), so on a table distributed or partitioned by ``ledger_id`` each one is routed
to a single shard or partition."""


_TABLES_EXIST = ("SELECT to_regclass('pointsledger_events') IS NOT NULL AND "
                 "to_regclass('pointsledger_derived') IS NOT NULL AND "
                 "to_regclass('pointsledger_snapshots') IS NOT NULL")
"""Whether the tables are there already: then opening a store runs no DDL (one round trip)."""
_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('pointsledger-schema', 0))"


def partitioned_schema(partitions: int) -> tuple[str, ...]:
    """The DDL of the events table hash-partitioned by ``ledger_id`` into ``partitions``
    partitions (``pointsledger_events_p0`` ...), declarative partitioning of plain PostgreSQL:
    the parent table and its partitions. The other tables are as in `SCHEMA`.

    Raises:
        ValidationError: ``partitions`` is not a whole number from 1 to 1,024.
    """
    partitions = check_int(partitions, "partitions", minimum=1, maximum=1024)
    parent = _EVENTS.rstrip() + " PARTITION BY HASH (ledger_id)"
    return (parent, *(f"CREATE TABLE IF NOT EXISTS pointsledger_events_p{i} PARTITION OF "
                      f"pointsledger_events FOR VALUES WITH (MODULUS {partitions}, "
                      f"REMAINDER {i})" for i in range(partitions)))


_PAGE = 10_000
"""Records a read fetches per statement (a long log is read page by page, by seq)."""
_TAIL: Final = 1_000
"""`PostgresDatabase.prime()` fetches the records after a snapshot when there are at most
this many (more: the ledger reads them itself on opening)."""


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise StoreError("the PostgreSQL store needs psycopg: pip install "
                         "'pointsledger[postgres]'") from None
    return psycopg


def _connect(conninfo: str, partitions: int) -> Any:
    """A new autocommit connection to a database whose tables exist (created, partitioned by
    ``partitions`` when asked, when they do not)."""
    psycopg = _psycopg()
    schema = SCHEMA if not partitions else (*partitioned_schema(partitions), *SCHEMA[1:])
    try:
        db = psycopg.connect(conninfo, autocommit=True)
    except psycopg.Error as exc:
        raise StoreError(f"cannot use PostgreSQL at {conninfo!r}: {exc}") from None
    try:
        there = db.execute(_TABLES_EXIST).fetchone()
        if not (there and there[0]):
            with db.transaction():
                db.execute(_SCHEMA_LOCK)
                for statement in schema:
                    db.execute(statement)
        if partitions:
            kind = db.execute("SELECT relkind FROM pg_class "
                              "WHERE oid = 'pointsledger_events'::regclass").fetchone()[0]
            if kind != "p":
                raise StoreError(f"partitions={partitions} asked for, but this database's "
                                 "pointsledger_events table is not partitioned: partition it "
                                 "(docs/operations.md) or open it with partitions=0",
                                 partitions=partitions)
    except psycopg.Error as exc:
        db.close()
        raise StoreError(f"cannot use PostgreSQL at {conninfo!r}: {exc}") from None
    except StoreError:
        db.close()
        raise
    return db


class _Own:
    """The connection a `PostgresStore` holds on its own."""

    def __init__(self, db: Any) -> None:
        self.db = db

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        yield self.db

    def close(self) -> None:
        self.db.close()


@attrs.frozen
class Primed:
    """What opening one ledger reads, fetched for many ledgers at once by
    `PostgresDatabase.prime()`.

    Attributes:
        ledger_id: the ledger.
        head: its head when fetched (0: the database holds no such ledger).
        snapshot: its stored snapshot, or None.
        derived: its derived blobs asked for, by name (those stored).
        records: the records at the blobs' seqs and, when few, every record after the
            snapshot up to ``head``.
    """

    ledger_id: str
    head: int
    snapshot: Blob | None = None
    derived: tuple[tuple[str, Blob], ...] = ()
    records: tuple[Record, ...] = ()


_NOTHING: Final[Any] = object()


class PostgresStore:
    """An `EventStore` in a PostgreSQL database; also a
    `WriteLock`, `SnapshotStore` and
    `DerivedStore`.

    Args:
        conninfo: a libpq connection string, e.g. ``"host=/run/postgresql dbname=village"``.
        ledger_id: which ledger of the database this store holds.
        partitions: when the database has no events table yet, create it hash-partitioned by
            ``ledger_id`` into this many partitions (`partitioned_schema()`); 0 (the
            default) creates a plain table. An existing table is used as it is, except that
            asking for partitions of an unpartitioned one is refused.

    The store holds a connection of its own; `PostgresDatabase.store()` gives stores that
    share the connections of one `PostgresDatabase` instead.

    Raises:
        StoreError: psycopg is not installed, the database cannot be reached, or
            ``partitions`` asks for a partitioned events table where a plain one exists.
        ValidationError: ``partitions`` is not a whole number from 0 to 1,024.
    """

    def __init__(self, conninfo: str, ledger_id: str, *, partitions: int = 0) -> None:
        partitions = check_int(partitions, "partitions", minimum=0, maximum=1024)
        self._setup(ledger_id, _Own(_connect(conninfo, partitions)), own=True)

    @classmethod
    def _sharing(cls, database: PostgresDatabase, ledger_id: str,
                 primed: Primed | None) -> PostgresStore:
        store = cls.__new__(cls)
        store._setup(ledger_id, database, own=False)
        if primed is not None:
            store._prime(primed)
        return store

    def _setup(self, ledger_id: str, source: _Own | PostgresDatabase, *, own: bool) -> None:
        self.ledger_id = ledger_id
        self._psycopg = _psycopg()
        self._source = source
        self._own = own
        self._closed = False
        self._locked = False
        self._pinned: tuple[int, Any] | None = None  # (thread, connection) of writing()
        # answers fetched for many ledgers at once (prime(), heads()): the blobs once each,
        # the records at known seqs (immutable) always, and the head (with the records up to
        # it) until the next head() asks, or a write
        self._snapshot_once: Any = _NOTHING
        self._derived_once: dict[str, Blob] = {}
        self._known: dict[int, Record] = {}
        self._view: tuple[int, dict[int, Record]] | None = None

    def _prime(self, primed: Primed) -> None:
        self._snapshot_once = primed.snapshot
        self._derived_once = dict(primed.derived)
        records = {record[0]: record for record in primed.records}
        blobs = [primed.snapshot, *(blob for _name, blob in primed.derived)]
        self._known = {blob[0]: records[blob[0]] for blob in blobs
                       if blob is not None and blob[0] in records}  # the few checks need
        self._view = (primed.head, records)

    def note_head(self, head: int | None) -> None:
        """Take ``head``, just read for this ledger with others (`PostgresDatabase.heads()`),
        as the answer of the next `head()`, which then asks nothing; None forgets it. A
        write forgets it too."""
        self._view = None if head is None else (head, {})

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        if self._closed:
            raise StoreError(f"the store of ledger {self.ledger_id!r} is closed",
                             ledger_id=self.ledger_id)
        pinned = self._pinned
        if pinned is not None and pinned[0] == threading.get_ident():
            yield pinned[1]
            return
        with self._source.connection() as db:
            yield db

    def _lock(self, db: Any) -> None:
        db.execute(STATEMENTS["lock"], (self.ledger_id,))

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold this ledger's write lock for a whole read-validate-append cycle: writers that
        use it take turns instead of racing (appends inside it join its transaction, on the
        one connection the block holds). Writers to other ledgers never wait for it."""
        self._view = None
        with self._connection() as db, db.transaction():
            self._lock(db)
            outer, self._pinned, self._locked = self._pinned, (threading.get_ident(), db), True
            try:
                yield
            finally:
                self._pinned, self._locked = outer, outer is not None

    def append(self, records: Sequence[Record], expected_seq: int) -> None:
        """Append ``records`` in one transaction on top of ``expected_seq``."""
        check_numbering(records, expected_seq)
        if not records:
            return
        self._view = None
        try:
            with self._connection() as db, db.transaction():
                if not self._locked:
                    self._lock(db)
                head = self._head(db)
                if head != expected_seq:
                    raise ConcurrencyError(
                        f"store head is {head}, not the expected {expected_seq}",
                        expected=expected_seq, actual=head)
                with db.cursor() as cursor:
                    cursor.executemany(
                        STATEMENTS["append"],
                        [(self.ledger_id, seq, data, digest) for seq, data, digest in records])
        except self._psycopg.errors.UniqueViolation:
            raise ConcurrencyError(f"another writer appended after {expected_seq}",
                                   expected=expected_seq, actual=None) from None

    def _head(self, db: Any) -> int:
        row = db.execute(STATEMENTS["head"], (self.ledger_id,)).fetchone()
        return int(row[0])

    def read(self, after_seq: int = 0) -> Iterator[Record]:
        """The records after ``after_seq``, in order, fetched page by page (each page on a
        connection borrowed for that statement)."""
        view = self._view
        if view is not None and view[0] <= after_seq:
            return  # nothing beyond the head just read
        if view is not None and all(seq in view[1] for seq in range(after_seq + 1, view[0] + 1)):
            for seq in range(after_seq + 1, view[0] + 1):
                yield view[1][seq]
            return
        while True:
            with self._connection() as db:
                rows = db.execute(STATEMENTS["read"],
                                  (self.ledger_id, after_seq, _PAGE)).fetchall()
            for seq, data, digest in rows:
                yield seq, bytes(data), bytes(digest)
            if len(rows) < _PAGE:
                return
            after_seq = rows[-1][0]

    def get(self, seq: int) -> Record:
        """The record with ``seq``."""
        known = self._known.get(seq)
        if known is not None:
            return known
        with self._connection() as db:
            row = db.execute(STATEMENTS["get"], (self.ledger_id, seq)).fetchone()
        if row is None:
            raise UnknownEntry(f"no event {seq} in ledger {self.ledger_id!r}", seq=seq)
        return int(row[0]), bytes(row[1]), bytes(row[2])

    def head(self) -> int:
        """The seq of the last record (a head just read with other ledgers' is taken once,
        without asking again)."""
        view = self._view
        if view is not None:
            self._view = None
            return view[0]
        with self._connection() as db:
            return self._head(db)

    def save_derived(self, name: str, seq: int, head: bytes, data: bytes,
                     digest: bytes) -> None:
        """Keep derived data ``name`` computed up to ``seq``, replacing the previous version."""
        with self._connection() as db:
            db.execute(STATEMENTS["save_derived"],
                       (self.ledger_id, name, seq, head, data, digest))

    def load_derived(self, name: str) -> Blob | None:
        """Derived data ``name`` as ``(seq, head hash, data, digest)``, or None."""
        primed = self._derived_once.pop(name, None)
        if primed is not None:
            return primed
        with self._connection() as db:
            row = db.execute(STATEMENTS["load_derived"], (self.ledger_id, name)).fetchone()
        return None if row is None else _blob(row)

    def save_snapshot(self, seq: int, head: bytes, data: bytes, digest: bytes) -> None:
        """Keep a snapshot of the derived state at ``seq`` (replacing the older one)."""
        with self._connection() as db:
            db.execute(STATEMENTS["save_snapshot"], (self.ledger_id, seq, head, data, digest))

    def load_snapshot(self) -> Blob | None:
        """The snapshot ``(seq, head hash, data, digest)``, or None."""
        primed, self._snapshot_once = self._snapshot_once, _NOTHING
        if primed is not _NOTHING:
            return primed  # type: ignore[no-any-return]
        with self._connection() as db:
            row = db.execute(STATEMENTS["load_snapshot"], (self.ledger_id,)).fetchone()
        return None if row is None else _blob(row)

    def close(self) -> None:
        """Close the connection (a store of a `PostgresDatabase` only stops using its
        connections); the store cannot be used afterwards."""
        self._closed = True
        if self._own:
            self._source.close()


def _pipeline(db: Any) -> contextlib.AbstractContextManager[Any]:
    """psycopg's pipeline mode on ``db`` (statements sent together, one round trip), or the
    statements one by one where the libpq in use has no pipeline mode (before 14)."""
    if _psycopg().Pipeline.is_supported():
        return db.pipeline()  # type: ignore[no-any-return]
    return contextlib.nullcontext()


def _blob(row: Sequence[Any]) -> Blob:
    return int(row[0]), bytes(row[1]), bytes(row[2]), bytes(row[3])


def _distinct_ids(ledger_ids: Iterable[str]) -> list[str]:
    """The ledger ids checked, each once, in the order first given."""
    return list(dict.fromkeys(check_id(i, "ledger_id") for i in ledger_ids))

class PostgresDatabase:
    """One PostgreSQL database of many ledgers, served to one process through a few shared
    connections: the stores it gives (`store()`) borrow a connection for each statement (or
    for a whole `PostgresStore.writing()` block) instead of holding one each, and it asks
    about many ledgers in one round trip (`heads()`, `prime()`), every statement still filtered
    by one ledger id, so each stays on one shard.

    Invariants: a connection is used by one thread at a time; at most ``keep`` idle
    connections are kept (a thread that finds none idle opens one, so busy threads never
    wait for each other, and the surplus is closed when given back); a connection that broke
    or is left inside a transaction is closed, never reused.

    Args:
        conninfo: the libpq connection string.
        partitions: as for `PostgresStore`.
        keep: how many idle connections to keep (1 to 64).

    Raises:
        StoreError: psycopg is not installed, the database cannot be reached, or the
            partitioning is refused as by `PostgresStore`.
        ValidationError: ``partitions`` or ``keep`` is out of range.
    """

    def __init__(self, conninfo: str, *, partitions: int = 0, keep: int = 4) -> None:
        partitions = check_int(partitions, "partitions", minimum=0, maximum=1024)
        self.keep = check_int(keep, "keep", minimum=1, maximum=64)
        self.conninfo = conninfo
        self._lock = threading.Lock()
        self._idle: list[Any] = [_connect(conninfo, partitions)]
        self._closed = False
        self.connections = 1
        """How many connections it opened so far."""

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        """A connection (psycopg, autocommit) for the ``with`` block, this thread's alone.

        Raises:
            StoreError: the database object is closed, or a new connection cannot be made.
        """
        with self._lock:
            if self._closed:
                raise StoreError("this PostgresDatabase is closed")
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = _connect(self.conninfo, 0)
            with self._lock:
                self.connections += 1
        try:
            yield db
        finally:
            idle = self._psycopg_idle(db)
            with self._lock:
                if idle and not self._closed and len(self._idle) < self.keep:
                    self._idle.append(db)
                    db = None
            if db is not None:
                db.close()

    @staticmethod
    def _psycopg_idle(db: Any) -> bool:
        from psycopg import pq

        return (not db.closed and not db.broken
                and db.info.transaction_status == pq.TransactionStatus.IDLE)

    def store(self, ledger_id: str, *, primed: Primed | None = None) -> PostgresStore:
        """The store of ledger ``ledger_id``, sharing this database's connections; with
        ``primed`` (from `prime()`), its first reads are answered from it.

        Raises:
            ValidationError: a bad id, or ``primed`` is another ledger's.
        """
        ledger_id = check_id(ledger_id, "ledger_id")
        if primed is not None and primed.ledger_id != ledger_id:
            raise ValidationError(f"primed data of ledger {primed.ledger_id!r} given for "
                                  f"{ledger_id!r}", ledger_id=ledger_id)
        return PostgresStore._sharing(self, ledger_id, primed)

    def heads(self, ledger_ids: Iterable[str]) -> dict[str, int]:
        """The heads of many ledgers (0 for a ledger the database does not hold), in one round
        trip: the ``head`` statement once per ledger, pipelined.

        Raises:
            ValidationError: a bad id.
        """
        ids = _distinct_ids(ledger_ids)
        if not ids:
            return {}
        with self.connection() as db:
            with _pipeline(db):
                cursors = [db.execute(STATEMENTS["head"], (i,)) for i in ids]
            return {i: int(cursor.fetchone()[0]) for i, cursor in zip(ids, cursors, strict=True)}

    def prime(self, ledger_ids: Iterable[str],
              derived: Sequence[str] = ()) -> dict[str, Primed]:
        """What opening each of many ledgers reads, in two round trips: their heads, snapshots
        and the ``derived`` blobs named, then the records at those blobs' seqs and, when at
        most 1,000, the records after each snapshot. Every statement is one of
        `STATEMENTS`, filtered by one ledger id; the snapshot and blobs are handed over
        unchecked (the ledger checks them against the records, as always).

        Raises:
            ValidationError: a bad id.
        """
        ids = _distinct_ids(ledger_ids)
        if not ids:
            return {}
        with self.connection() as db:
            with _pipeline(db):
                first = [(db.execute(STATEMENTS["head"], (i,)),
                          db.execute(STATEMENTS["load_snapshot"], (i,)),
                          [db.execute(STATEMENTS["load_derived"], (i, name)) for name in derived])
                         for i in ids]
            found: dict[str, tuple[int, Blob | None, list[tuple[str, Blob]]]] = {}
            for i, (head, snapshot, blobs) in zip(ids, first, strict=True):
                row = snapshot.fetchone()
                named = [(name, _blob(r)) for name, cursor in zip(derived, blobs, strict=True)
                         if (r := cursor.fetchone()) is not None]
                found[i] = (int(head.fetchone()[0]), None if row is None else _blob(row), named)
            with _pipeline(db):
                second = {}
                for i, (head, snap, named) in found.items():
                    seqs = {blob[0] for _name, blob in named if 1 <= blob[0] <= head}
                    after = snap[0] if snap is not None else 0
                    if snap is not None and 1 <= snap[0] <= head:
                        seqs.add(snap[0])
                    tail = None
                    if head and head - after <= _TAIL:
                        tail = db.execute(STATEMENTS["read"], (i, after, head - after))
                        seqs -= set(range(after + 1, head + 1))
                    second[i] = (tail, [db.execute(STATEMENTS["get"], (i, seq))
                                        for seq in sorted(seqs)])
            primed = {}
            for i, (head, snap, named) in found.items():
                tail, gets = second[i]
                rows = [*(r for cursor in gets if (r := cursor.fetchone()) is not None),
                        *(tail.fetchall() if tail is not None else ())]
                records = tuple((int(seq), bytes(data), bytes(digest))
                                for seq, data, digest in rows)
                primed[i] = Primed(i, head, snap, tuple(named), records)
            return primed

    def close(self) -> None:
        """Close the idle connections (those in use close when given back); nothing can be
        borrowed afterwards. The stores it gave then refuse to work."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for db in idle:
            db.close()

    def __enter__(self) -> PostgresDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
