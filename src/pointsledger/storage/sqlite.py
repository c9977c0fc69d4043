"""The embedded default store: one SQLite file (stdlib sqlite3, WAL journal).

Each record is one row ``(seq, data, hash)`` where ``data`` is an event's canonical encoding,
so the chain can be re-verified from the file alone. An append is one ``BEGIN IMMEDIATE``
transaction that first checks the head, so two processes writing the same file can never fork
the chain: the loser gets `ConcurrencyError` and nothing is written.

Writers take turns fairly: `SQLiteStore.writing()` first takes an operating-system lock on
a file beside the database (``<file>.lock``), queueing through a second one
(``<file>.queue``), so a waiting writer sleeps in the kernel and wakes when the lock is free,
and a writer that just wrote queues behind the others instead of taking the lock again at
once (SQLite's own busy handler polls with growing sleeps and is not fair). Where the
operating system has no ``fcntl`` (Windows), writers fall back to SQLite's busy handler.

One store may be used from any thread: a lock serialises its use of the connection, and a
read waits for a write transaction of another thread to end rather than seeing inside it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from pointsledger.errors import ConcurrencyError, StoreError, UnknownEntry, ValidationError
from pointsledger.storage.base import Blob, Record, check_numbering

SIDE_FILES = ("-wal", "-shm", "-journal", ".lock", ".queue")
"""The files SQLite and the writers' lock keep beside a ledger file ``<file><suffix>``."""


def ledger_files(path: str | os.PathLike[str]) -> tuple[Path, ...]:
    """The ledger file ``path`` and every side file (`SIDE_FILES`) it may have."""
    return tuple(Path(f"{os.fspath(path)}{suffix}") for suffix in ("", *SIDE_FILES))

_CHUNK = 5_000  # records a read fetches at a time

APPLICATION = "pointsledger"
SCHEMA = "1"

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    data BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    seq INTEGER PRIMARY KEY,
    head BLOB NOT NULL,
    data BLOB NOT NULL,
    digest BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS derived (
    name TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    head BLOB NOT NULL,
    data BLOB NOT NULL,
    digest BLOB NOT NULL
);
"""


_TABLES = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", _SCHEMA_SQL))
"""The tables a ledger file has."""


class SQLiteStore:
    """An `EventStore` in a SQLite file; also a
    `WriteLock`, `SnapshotStore` and
    `DerivedStore`.

    Args:
        path: the database file (created when missing).
        synchronous: SQLite's ``synchronous`` setting; ``"FULL"`` (default) makes every committed
            command survive a power cut, ``"NORMAL"`` survives a crashed process only.
        timeout: seconds SQLite waits on another connection's lock (opening a file another
            connection is creating, a read). A writer's turn on the lock files (`_turn`) has
            no limit: it waits, in order, as long as the writer before it holds the turn.

    Raises:
        StoreError: the file is not a SQLite database or belongs to another application.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, synchronous: str = "FULL", timeout: float = 30.0
    ) -> None:
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValidationError(
                f"synchronous must be OFF, NORMAL, FULL or EXTRA, got {synchronous!r}",
                synchronous=synchronous,
            )
        self.path = os.fspath(path)
        self._closed = False
        self._locked = False
        self._mutex = threading.RLock()
        self._turns: tuple[int, int] | None = None  # the queue and lock files, opened lazily
        try:
            self._connection = sqlite3.connect(
                self.path, isolation_level=None, timeout=timeout, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
            self._init_schema()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise StoreError(
                    f"{self.path!r} is not a usable pointsledger SQLite file: {exc}",
                    path=self.path,
                ) from None
            # another connection held its write lock for the whole timeout: the file is fine
            raise StoreError(
                f"{self.path!r} is locked by another writer (waited {timeout:g} s); try again "
                "when it is done",
                path=self.path,
            ) from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path!r} is not a usable pointsledger SQLite file: {exc}", path=self.path
            ) from None

    @staticmethod
    def _meta_is_ours(meta: dict[str, str]) -> bool:
        return meta.get("application") == APPLICATION and meta.get("schema") == SCHEMA

    def _init_schema(self) -> None:
        db = self._db
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and not {"meta", "events"} <= tables:
            raise StoreError(
                f"{self.path!r} is a SQLite file of another application (tables: "
                f"{sorted(tables)})",
                path=self.path,
            )
        if tables >= _TABLES and self._meta_is_ours(
                dict(db.execute("SELECT name, value FROM meta").fetchall())):
            return  # a ledger file already: nothing to write, so no writer's lock to wait for
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA_SQL.strip().split(";"):
                if statement.strip():
                    db.execute(statement)
            meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
            if not meta:
                db.executemany(
                    "INSERT INTO meta (name, value) VALUES (?, ?)",
                    [("application", APPLICATION), ("schema", SCHEMA)],
                )
            elif not self._meta_is_ours(meta):
                raise StoreError(
                    f"{self.path!r} has application {meta.get('application')!r} schema "
                    f"{meta.get('schema')!r}; this library reads {APPLICATION!r} schema {SCHEMA}",
                    path=self.path,
                )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the file's write lock for a whole read-validate-append cycle: writers that use
        it take turns, fairly, instead of racing (an append inside it joins its transaction)."""
        with self._mutex, self._turn():
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            self._locked = True
            try:
                yield
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            else:
                if db.in_transaction:
                    db.execute("COMMIT")
            finally:
                self._locked = False

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """The writers' turn: queue on ``<file>.queue``, take ``<file>.lock``, leave the queue.
        Whoever holds the lock is followed by whoever waited at the head of the queue."""
        if fcntl is None:  # pragma: no cover - Windows: SQLite's busy handler decides
            yield
            return
        if self._turns is None:
            self._turns = (os.open(self.path + ".queue", os.O_RDWR | os.O_CREAT, 0o644),
                           os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o644))
        queue, lock = self._turns
        fcntl.flock(queue, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
        finally:
            fcntl.flock(queue, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    def data_version(self) -> int:
        """A number that changes whenever another connection commits to the file (SQLite's
        ``PRAGMA data_version``); this connection's own commits leave it as it is."""
        with self._mutex:
            version: int = self._db.execute("PRAGMA data_version").fetchone()[0]
            return version

    def append(self, records: Sequence[Record], expected_seq: int) -> None:
        """Append ``records`` in one transaction on top of ``expected_seq``."""
        check_numbering(records, expected_seq)
        with self._mutex:
            self._append(records, expected_seq)

    def _append(self, records: Sequence[Record], expected_seq: int) -> None:
        db = self._db
        if self._locked:
            head = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
            if head != expected_seq:
                raise ConcurrencyError(f"store head is {head}, not the expected {expected_seq}",
                                       expected=expected_seq, actual=head)
            db.executemany("INSERT INTO events (seq, data, hash) VALUES (?, ?, ?)", records)
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            head = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
            if head != expected_seq:
                raise ConcurrencyError(
                    f"store head is {head}, not the expected {expected_seq}",
                    expected=expected_seq,
                    actual=head,
                )
            db.executemany("INSERT INTO events (seq, data, hash) VALUES (?, ?, ?)", records)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def read(self, after_seq: int = 0) -> Iterator[Record]:
        """The records after ``after_seq``, in order (as stored: the ledger checks them),
        fetched in chunks, each under the store's lock."""
        query = "SELECT seq, data, hash FROM events WHERE seq > ? ORDER BY seq LIMIT ?"
        while True:
            with self._mutex:
                rows: list[Record] = self._db.execute(query, (after_seq, _CHUNK)).fetchall()
            yield from rows
            if len(rows) < _CHUNK:
                return
            after_seq = rows[-1][0]

    def get(self, seq: int) -> Record:
        """The record with ``seq``."""
        query = "SELECT seq, data, hash FROM events WHERE seq = ?"
        with self._mutex:
            row: Record | None = self._db.execute(query, (seq,)).fetchone()
        if row is None:
            raise UnknownEntry(f"no event {seq} in {self.path!r}", seq=seq)
        return row

    def save_snapshot(self, seq: int, head: bytes, data: bytes, digest: bytes) -> None:
        """Keep a snapshot of the derived state at ``seq`` (replacing older ones)."""
        with self._mutex:
            self._save_snapshot(seq, head, data, digest)

    def _save_snapshot(self, seq: int, head: bytes, data: bytes, digest: bytes) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM snapshots")
            db.execute("INSERT INTO snapshots (seq, head, data, digest) VALUES (?, ?, ?, ?)",
                       (seq, head, data, digest))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def load_snapshot(self) -> Blob | None:
        """The latest snapshot ``(seq, head hash, data, digest)``, or None."""
        with self._mutex:
            row = self._db.execute(
                "SELECT seq, head, data, digest FROM snapshots ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        return _blob(row)

    def save_derived(self, name: str, seq: int, head: bytes, data: bytes,
                     digest: bytes) -> None:
        """Keep derived data ``name`` (a report index, ...) computed up to ``seq``, replacing
        the previous version. Derived data is a cache: readers check it against the log."""
        with self._mutex:
            self._db.execute(
                "INSERT OR REPLACE INTO derived (name, seq, head, data, digest) "
                "VALUES (?, ?, ?, ?, ?)", (name, seq, head, data, digest))

    def load_derived(self, name: str) -> Blob | None:
        """Derived data ``name`` as ``(seq, head hash, data, digest)``, or None."""
        with self._mutex:
            row = self._db.execute(
                "SELECT seq, head, data, digest FROM derived WHERE name = ?", (name,)).fetchone()
        return _blob(row)

    def head(self) -> int:
        """The seq of the last event."""
        with self._mutex:
            head: int = self._db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
            return head

    def close(self) -> None:
        """Close the database connection (and the turn files); later calls (but close) raise
        StoreError."""
        with self._mutex:
            if not self._closed:
                self._connection.close()
                self._closed = True
                if self._turns is not None:
                    for fd in self._turns:
                        os.close(fd)
                    self._turns = None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"the store {self.path!r} is closed", path=self.path)
        return self._connection


def _blob(row: tuple[object, ...] | None) -> Blob | None:
    """A stored ``(seq, head, data, digest)`` row as a `Blob`; None for no row or a row
    whose columns do not have the blob's types (an edited file: the blob is then not used)."""
    if row is None:
        return None
    seq, head, data, digest = row
    if not (isinstance(seq, int) and isinstance(head, bytes) and isinstance(data, bytes)
            and isinstance(digest, bytes)):
        return None
    return seq, head, data, digest
