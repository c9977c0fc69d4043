"""The PostgreSQL store (psycopg 3), for apps that already run PostgreSQL and many writers.

Many ledgers share one database: every row carries its ``ledger_id`` (one ledger per village or
town), the natural distribution column of a sharded PostgreSQL such as Citus. An append is one
transaction that takes a transaction-scoped advisory lock on the ledger, checks the head and
inserts; the primary key ``(ledger_id, seq)`` makes a fork impossible even without the lock.
Needs the ``postgres`` extra (``pip install "pointsledger[postgres]"``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from pointsledger.base.checks import check_int
from pointsledger.errors import ConcurrencyError, StoreError, UnknownEntry
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
    "lock": "SELECT pg_advisory_xact_lock(hashtext(%s))",
    "head": "SELECT COALESCE(MAX(seq), 0) FROM pointsledger_events WHERE ledger_id = %s",
    "append": "INSERT INTO pointsledger_events (ledger_id, seq, data, hash) "
              "VALUES (%s, %s, %s, %s)",
    "read": "SELECT seq, data, hash FROM pointsledger_events WHERE ledger_id = %s AND "
            "seq > %s ORDER BY seq",
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
_SCHEMA_LOCK = "SELECT pg_advisory_xact_lock(hashtext('pointsledger-schema'))"


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

    Raises:
        StoreError: psycopg is not installed, the database cannot be reached, or
            ``partitions`` asks for a partitioned events table where a plain one exists.
        ValidationError: ``partitions`` is not a whole number from 0 to 1,024.
    """

    def __init__(self, conninfo: str, ledger_id: str, *, partitions: int = 0) -> None:
        partitions = check_int(partitions, "partitions", minimum=0, maximum=1024)
        try:
            import psycopg
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise StoreError("the PostgreSQL store needs psycopg: pip install "
                             "'pointsledger[postgres]'") from None
        self.ledger_id = ledger_id
        self._psycopg = psycopg
        self._locked = False
        schema = SCHEMA if not partitions else (*partitioned_schema(partitions), *SCHEMA[1:])
        try:
            self._db: Any = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot use PostgreSQL at {conninfo!r}: {exc}") from None
        try:
            there = self._db.execute(_TABLES_EXIST).fetchone()
            if not (there and there[0]):
                with self._db.transaction():
                    self._db.execute(_SCHEMA_LOCK)
                    for statement in schema:
                        self._db.execute(statement)
            if partitions:
                self._check_partitioned(partitions)
        except psycopg.Error as exc:
            self._db.close()
            raise StoreError(f"cannot use PostgreSQL at {conninfo!r}: {exc}") from None
        except StoreError:
            self._db.close()
            raise

    def _check_partitioned(self, partitions: int) -> None:
        kind = self._db.execute("SELECT relkind FROM pg_class "
                                "WHERE oid = 'pointsledger_events'::regclass").fetchone()[0]
        if kind != "p":
            raise StoreError(f"partitions={partitions} asked for, but this database's "
                             "pointsledger_events table is not partitioned: partition it "
                             "(docs/operations.md) or open it with partitions=0",
                             partitions=partitions)

    def _lock(self) -> None:
        self._db.execute(STATEMENTS["lock"], (self.ledger_id,))

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold this ledger's write lock for a whole read-validate-append cycle: writers that
        use it take turns instead of racing (appends inside it join its transaction). Writers
        to other ledgers never wait for it."""
        with self._db.transaction():
            self._lock()
            self._locked = True
            try:
                yield
            finally:
                self._locked = False

    def append(self, records: Sequence[Record], expected_seq: int) -> None:
        """Append ``records`` in one transaction on top of ``expected_seq``."""
        check_numbering(records, expected_seq)
        if not records:
            return
        try:
            with self._db.transaction():
                if not self._locked:
                    self._lock()
                head = self._head()
                if head != expected_seq:
                    raise ConcurrencyError(
                        f"store head is {head}, not the expected {expected_seq}",
                        expected=expected_seq, actual=head)
                with self._db.cursor() as cursor:
                    cursor.executemany(
                        STATEMENTS["append"],
                        [(self.ledger_id, seq, data, digest) for seq, data, digest in records])
        except self._psycopg.errors.UniqueViolation:
            raise ConcurrencyError(f"another writer appended after {expected_seq}",
                                   expected=expected_seq, actual=None) from None

    def _head(self) -> int:
        row = self._db.execute(STATEMENTS["head"], (self.ledger_id,)).fetchone()
        return int(row[0])

    def read(self, after_seq: int = 0) -> Iterator[Record]:
        """The records after ``after_seq``, in order, fetched in chunks."""
        with self._db.cursor(name=None) as cursor:
            cursor.execute(STATEMENTS["read"], (self.ledger_id, after_seq))
            while rows := cursor.fetchmany(10_000):
                for seq, data, digest in rows:
                    yield seq, bytes(data), bytes(digest)

    def get(self, seq: int) -> Record:
        """The record with ``seq``."""
        row = self._db.execute(STATEMENTS["get"], (self.ledger_id, seq)).fetchone()
        if row is None:
            raise UnknownEntry(f"no event {seq} in ledger {self.ledger_id!r}", seq=seq)
        return int(row[0]), bytes(row[1]), bytes(row[2])

    def head(self) -> int:
        """The seq of the last record."""
        return self._head()

    def save_derived(self, name: str, seq: int, head: bytes, data: bytes,
                     digest: bytes) -> None:
        """Keep derived data ``name`` computed up to ``seq``, replacing the previous version."""
        self._db.execute(STATEMENTS["save_derived"],
                         (self.ledger_id, name, seq, head, data, digest))

    def load_derived(self, name: str) -> Blob | None:
        """Derived data ``name`` as ``(seq, head hash, data, digest)``, or None."""
        row = self._db.execute(STATEMENTS["load_derived"], (self.ledger_id, name)).fetchone()
        if row is None:
            return None
        return int(row[0]), bytes(row[1]), bytes(row[2]), bytes(row[3])

    def save_snapshot(self, seq: int, head: bytes, data: bytes, digest: bytes) -> None:
        """Keep a snapshot of the derived state at ``seq`` (replacing the older one)."""
        self._db.execute(STATEMENTS["save_snapshot"], (self.ledger_id, seq, head, data, digest))

    def load_snapshot(self) -> Blob | None:
        """The snapshot ``(seq, head hash, data, digest)``, or None."""
        row = self._db.execute(STATEMENTS["load_snapshot"], (self.ledger_id,)).fetchone()
        if row is None:
            return None
        return int(row[0]), bytes(row[1]), bytes(row[2]), bytes(row[3])

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
