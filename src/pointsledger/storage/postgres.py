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

from pointsledger.errors import ConcurrencyError, StoreError, UnknownEntry
from pointsledger.storage.base import Blob, Record, check_numbering

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS pointsledger_events (
        ledger_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        data BYTEA NOT NULL,
        hash BYTEA NOT NULL,
        PRIMARY KEY (ledger_id, seq)
    )""",
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
readers check the last two against the events before use."""


class PostgresStore:
    """An :class:`~pointsledger.storage.EventStore` in a PostgreSQL database; also a
    :class:`~pointsledger.storage.WriteLock`, :class:`~pointsledger.storage.SnapshotStore` and
    :class:`~pointsledger.storage.DerivedStore`.

    Args:
        conninfo: a libpq connection string, e.g. ``"host=/run/postgresql dbname=village"``.
        ledger_id: which ledger of the database this store holds.

    Raises:
        StoreError: psycopg is not installed, or the database cannot be reached.
    """

    def __init__(self, conninfo: str, ledger_id: str) -> None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise StoreError("the PostgreSQL store needs psycopg: pip install "
                             "'pointsledger[postgres]'") from None
        self.ledger_id = ledger_id
        self._psycopg = psycopg
        self._locked = False
        try:
            self._db: Any = psycopg.connect(conninfo, autocommit=True)
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(hashtext('pointsledger-schema'))")
                for statement in SCHEMA:
                    self._db.execute(statement)
        except psycopg.Error as exc:
            raise StoreError(f"cannot use PostgreSQL at {conninfo!r}: {exc}") from None

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold this ledger's write lock for a whole read-validate-append cycle: writers that
        use it take turns instead of racing (appends inside it join its transaction)."""
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.ledger_id,))
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
                    self._db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                                     (self.ledger_id,))
                head = self._head()
                if head != expected_seq:
                    raise ConcurrencyError(
                        f"store head is {head}, not the expected {expected_seq}",
                        expected=expected_seq, actual=head)
                with self._db.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO pointsledger_events (ledger_id, seq, data, hash) "
                        "VALUES (%s, %s, %s, %s)",
                        [(self.ledger_id, seq, data, digest) for seq, data, digest in records])
        except self._psycopg.errors.UniqueViolation:
            raise ConcurrencyError(f"another writer appended after {expected_seq}",
                                   expected=expected_seq, actual=None) from None

    def _head(self) -> int:
        row = self._db.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM pointsledger_events WHERE ledger_id = %s",
            (self.ledger_id,)).fetchone()
        return int(row[0])

    def read(self, after_seq: int = 0) -> Iterator[Record]:
        """The records after ``after_seq``, in order, fetched in chunks."""
        with self._db.cursor(name=None) as cursor:
            cursor.execute(
                "SELECT seq, data, hash FROM pointsledger_events WHERE ledger_id = %s AND "
                "seq > %s ORDER BY seq", (self.ledger_id, after_seq))
            while rows := cursor.fetchmany(10_000):
                for seq, data, digest in rows:
                    yield seq, bytes(data), bytes(digest)

    def get(self, seq: int) -> Record:
        """The record with ``seq``."""
        row = self._db.execute(
            "SELECT seq, data, hash FROM pointsledger_events WHERE ledger_id = %s AND seq = %s",
            (self.ledger_id, seq)).fetchone()
        if row is None:
            raise UnknownEntry(f"no event {seq} in ledger {self.ledger_id!r}", seq=seq)
        return int(row[0]), bytes(row[1]), bytes(row[2])

    def head(self) -> int:
        """The seq of the last record."""
        return self._head()

    def save_derived(self, name: str, seq: int, head: bytes, data: bytes,
                     digest: bytes) -> None:
        """Keep derived data ``name`` computed up to ``seq``, replacing the previous version."""
        self._db.execute(
            "INSERT INTO pointsledger_derived (ledger_id, name, seq, head, data, digest) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (ledger_id, name) DO UPDATE SET "
            "seq = EXCLUDED.seq, head = EXCLUDED.head, data = EXCLUDED.data, "
            "digest = EXCLUDED.digest", (self.ledger_id, name, seq, head, data, digest))

    def load_derived(self, name: str) -> Blob | None:
        """Derived data ``name`` as ``(seq, head hash, data, digest)``, or None."""
        row = self._db.execute(
            "SELECT seq, head, data, digest FROM pointsledger_derived WHERE ledger_id = %s "
            "AND name = %s", (self.ledger_id, name)).fetchone()
        if row is None:
            return None
        return int(row[0]), bytes(row[1]), bytes(row[2]), bytes(row[3])

    def save_snapshot(self, seq: int, head: bytes, data: bytes, digest: bytes) -> None:
        """Keep a snapshot of the derived state at ``seq`` (replacing the older one)."""
        self._db.execute(
            "INSERT INTO pointsledger_snapshots (ledger_id, seq, head, data, digest) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (ledger_id) DO UPDATE SET "
            "seq = EXCLUDED.seq, head = EXCLUDED.head, data = EXCLUDED.data, "
            "digest = EXCLUDED.digest", (self.ledger_id, seq, head, data, digest))

    def load_snapshot(self) -> Blob | None:
        """The snapshot ``(seq, head hash, data, digest)``, or None."""
        row = self._db.execute(
            "SELECT seq, head, data, digest FROM pointsledger_snapshots WHERE ledger_id = %s",
            (self.ledger_id,)).fetchone()
        if row is None:
            return None
        return int(row[0]), bytes(row[1]), bytes(row[2]), bytes(row[3])

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
