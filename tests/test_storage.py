"""The EventStore contract, run against every store (SQLite on real files), and the contract of
each optional protocol, run against every store that declares it."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Protocol

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsledger import ConcurrencyError, StoreError, UnknownEntry, ValidationError
from pointsledger.storage import (
    Blob,
    DerivedStore,
    EventStore,
    MemoryStore,
    PostgresDatabase,
    PostgresStore,
    Record,
    SnapshotStore,
    SQLiteStore,
    WriteLock,
    check_blob,
    seal_blob,
)


def records(start: int, count: int, tag: bytes = b"x") -> list[Record]:
    return [(seq, b'["data",%d,"%s"]' % (seq, tag), bytes([seq % 256]) * 32)
            for seq in range(start, start + count)]


class StoreContract:
    """Every store must pass these; subclasses say how to make one."""

    def make(self, tmp_path: Path) -> EventStore:
        raise NotImplementedError

    def test_empty_store(self, tmp_path: Path) -> None:
        """A new store has head 0 and reads nothing."""
        store = self.make(tmp_path)
        assert store.head() == 0 and list(store.read()) == []
        assert isinstance(store, EventStore)

    def test_append_read_get(self, tmp_path: Path) -> None:
        """Appended records come back byte for byte, in order, from any point."""
        store = self.make(tmp_path)
        first, second = records(1, 3), records(4, 2)
        store.append(first, 0)
        store.append(second, 3)
        assert store.head() == 5
        assert list(store.read()) == first + second
        assert list(store.read(3)) == second
        assert list(store.read(5)) == []
        assert store.get(4) == second[0]
        for bad in (0, 6, -1):
            with pytest.raises(UnknownEntry):
                store.get(bad)

    def test_stale_head_is_a_concurrency_error_and_writes_nothing(self, tmp_path: Path) -> None:
        """An append on top of a head that moved writes nothing."""
        store = self.make(tmp_path)
        store.append(records(1, 2), 0)
        for expected in (0, 1, 3):
            with pytest.raises(ConcurrencyError) as info:
                store.append(records(expected + 1, 1), expected)
            assert info.value.fields == {"expected": expected, "actual": 2}
        assert store.head() == 2

    def test_misnumbered_records_write_nothing(self, tmp_path: Path) -> None:
        """Records must continue the numbering; a bad batch is refused whole."""
        store = self.make(tmp_path)
        store.append(records(1, 1), 0)
        with pytest.raises(ValidationError):
            store.append([*records(2, 2), *records(5, 1)], 1)
        assert store.head() == 1 and list(store.read()) == records(1, 1)

    def test_empty_append_is_harmless(self, tmp_path: Path) -> None:
        """Appending nothing on the right head changes nothing."""
        store = self.make(tmp_path)
        store.append([], 0)
        assert store.head() == 0


class TestMemoryStore(StoreContract):
    def make(self, tmp_path: Path) -> EventStore:
        return MemoryStore()


class TestSQLiteStore(StoreContract):
    def make(self, tmp_path: Path) -> EventStore:
        return SQLiteStore(tmp_path / "store.db")

    def test_records_survive_reopening(self, tmp_path: Path) -> None:
        """What was committed is there after closing and reopening the file."""
        store = SQLiteStore(tmp_path / "s.db")
        store.append(records(1, 3), 0)
        store.close()
        again = SQLiteStore(tmp_path / "s.db")
        assert list(again.read()) == records(1, 3)

    def test_two_connections_never_fork_the_log(self, tmp_path: Path) -> None:
        """Two writers on one file: the one with a stale head loses and writes nothing."""
        a = SQLiteStore(tmp_path / "s.db")
        b = SQLiteStore(tmp_path / "s.db")
        a.append(records(1, 1, b"a"), 0)
        with pytest.raises(ConcurrencyError):
            b.append(records(1, 1, b"b"), 0)
        b.append(records(2, 1, b"b"), 1)
        assert list(a.read()) == records(1, 1, b"a") + records(2, 1, b"b")

    def test_foreign_files_are_refused(self, tmp_path: Path) -> None:
        """A non-SQLite file or another application's database is not opened as a ledger."""
        junk = tmp_path / "junk.db"
        junk.write_bytes(b"this is not a database" * 100)
        with pytest.raises(StoreError):
            SQLiteStore(junk)
        other = tmp_path / "other.db"
        with sqlite3.connect(other) as db:
            db.execute("CREATE TABLE customers (id INTEGER)")
        with pytest.raises(StoreError):
            SQLiteStore(other)
        with pytest.raises(ValidationError):
            SQLiteStore(tmp_path / "x.db", synchronous="SOMETIMES")

    def test_wrong_schema_version_is_refused(self, tmp_path: Path) -> None:
        """A file written by a future schema is refused, not misread."""
        path = tmp_path / "s.db"
        SQLiteStore(path).close()
        with sqlite3.connect(path) as db:
            db.execute("UPDATE meta SET value = '99' WHERE name = 'schema'")
        with pytest.raises(StoreError):
            SQLiteStore(path)


class TestPostgresStore(StoreContract):
    """The same contract on a real PostgreSQL server (POINTSLEDGER_PG_DSN; .ci/run starts
    one), each test in a ledger of its own."""

    def make(self, tmp_path: Path) -> EventStore:
        return PostgresStore(pg_dsn(), f"test-{uuid.uuid4().hex}")

    def test_ledgers_share_a_database_apart(self, tmp_path: Path) -> None:
        """Two ledger ids in one database never see each other's records."""
        a = PostgresStore(pg_dsn(), f"a-{uuid.uuid4().hex}")
        b = PostgresStore(pg_dsn(), f"b-{uuid.uuid4().hex}")
        a.append(records(1, 3, b"a"), 0)
        b.append(records(1, 1, b"b"), 0)
        assert a.head() == 3 and list(b.read()) == records(1, 1, b"b")

    def test_two_connections_never_fork_the_log(self, tmp_path: Path) -> None:
        """A stale writer on another connection loses and writes nothing."""
        name = f"c-{uuid.uuid4().hex}"
        a, b = PostgresStore(pg_dsn(), name), PostgresStore(pg_dsn(), name)
        a.append(records(1, 1, b"a"), 0)
        with pytest.raises(ConcurrencyError):
            b.append(records(1, 1, b"b"), 0)
        assert list(b.read()) == records(1, 1, b"a")

class LockingStore(EventStore, WriteLock, Protocol):
    """An event store with a write lock."""


class SnapshottingStore(EventStore, SnapshotStore, Protocol):
    """An event store that keeps a snapshot."""


class DerivingStore(EventStore, DerivedStore, Protocol):
    """An event store that keeps derived blobs."""


class Backend:
    """How a backend makes a store and opens another connection to the same log."""

    def make(self, tmp_path: Path) -> EventStore:
        raise NotImplementedError

    def reopen(self, store: EventStore, tmp_path: Path) -> EventStore:
        raise NotImplementedError


class WriteLockContract(Backend):
    """Every :class:`WriteLock` store must pass these."""

    def locking(self, tmp_path: Path) -> LockingStore:
        store = self.make(tmp_path)
        assert isinstance(store, WriteLock) and isinstance(store, EventStore)
        return store

    def test_appends_inside_commit_when_the_block_ends(self, tmp_path: Path) -> None:
        """Appends inside ``writing()`` are in the log once the block ends."""
        store = self.locking(tmp_path)
        with store.writing():
            store.append(records(1, 2), 0)
            store.append(records(3, 1), 2)
        assert list(self.reopen(store, tmp_path).read()) == records(1, 3)

    def test_a_raising_block_writes_nothing(self, tmp_path: Path) -> None:
        """An exception inside ``writing()`` leaves the log as it was before the block."""
        store = self.locking(tmp_path)
        store.append(records(1, 1), 0)
        with pytest.raises(KeyError), store.writing():
            store.append(records(2, 2), 1)
            raise KeyError("refused")
        assert store.head() == 1 and self.reopen(store, tmp_path).head() == 1

    def test_other_writers_wait_for_the_lock(self, tmp_path: Path) -> None:
        """A writer on another connection waits while the lock is held, then finds the head
        moved: the holder's append never loses the race."""
        store = self.locking(tmp_path)
        ready, go, outcome = threading.Event(), threading.Event(), []

        def other_writer() -> None:
            other = self.reopen(store, tmp_path)  # its own connection, in its own thread
            ready.set()
            go.wait()
            try:
                other.append(records(1, 1, b"other"), 0)
                outcome.append("appended")
            except ConcurrencyError:
                outcome.append("lost")
            finally:
                other.close()

        thread = threading.Thread(target=other_writer)
        thread.start()
        assert ready.wait(30)
        with store.writing():
            go.set()
            time.sleep(0.3)  # give the other writer time to try
            store.append(records(1, 1, b"holder"), 0)
        thread.join(60)
        assert outcome == ["lost"] and list(store.read()) == records(1, 1, b"holder")


class SnapshotContract(Backend):
    """Every :class:`SnapshotStore` must pass these."""

    def snapshotting(self, tmp_path: Path) -> SnapshottingStore:
        store = self.make(tmp_path)
        assert isinstance(store, SnapshotStore) and isinstance(store, EventStore)
        return store

    def test_no_snapshot_until_one_is_saved(self, tmp_path: Path) -> None:
        """A new store has no snapshot."""
        assert self.snapshotting(tmp_path).load_snapshot() is None

    def test_the_last_snapshot_comes_back_byte_for_byte(self, tmp_path: Path) -> None:
        """A save replaces the previous snapshot; load returns exactly the last one saved, also
        on another connection, and the log is untouched."""
        store = self.snapshotting(tmp_path)
        store.append(records(1, 3), 0)
        store.save_snapshot(*seal_blob(2, records(2, 1)[0][2], b"older"))
        latest = seal_blob(1, b"\x07" * 32, b"\x00state\xff")  # kept as given, unchecked
        store.save_snapshot(*latest)
        again = self.reopen(store, tmp_path)
        assert isinstance(again, SnapshotStore)
        assert store.load_snapshot() == latest and again.load_snapshot() == latest
        assert list(again.read()) == records(1, 3)

    def test_a_snapshot_is_used_only_while_it_fits_the_log(self, tmp_path: Path) -> None:
        """A snapshot at seq N is used only when the log's record N has its head hash: one
        saved with another hash, beyond the head or with a wrong digest is not used."""
        store = self.snapshotting(tmp_path)
        store.append(records(1, 3), 0)
        head = records(2, 1)[0][2]
        for blob, used in ((seal_blob(2, head, b"s"), b"s"),
                           (seal_blob(2, bytes(32), b"s"), None),
                           (seal_blob(4, head, b"s"), None),
                           ((2, head, b"s", bytes(32)), None)):
            store.save_snapshot(*blob)
            assert check_blob(store, store.load_snapshot()) == used, blob


class DerivedContract(Backend):
    """Every :class:`DerivedStore` must pass these."""

    def deriving(self, tmp_path: Path) -> DerivingStore:
        store = self.make(tmp_path)
        assert isinstance(store, DerivedStore) and isinstance(store, EventStore)
        return store

    def test_nothing_derived_until_saved(self, tmp_path: Path) -> None:
        """A new store has no derived blob of any name."""
        assert self.deriving(tmp_path).load_derived("report_index") is None

    def test_names_are_kept_apart(self, tmp_path: Path) -> None:
        """Each name keeps its last blob byte for byte, apart from other names and from the
        snapshot, also on another connection; the log is untouched."""
        store = self.deriving(tmp_path)
        store.append(records(1, 2), 0)
        hashes = [r[2] for r in records(1, 2)]
        index, other = seal_blob(2, hashes[1], b"index"), seal_blob(1, hashes[0], b"\x00other")
        store.save_derived("report_index", *seal_blob(1, hashes[0], b"old"))
        store.save_derived("report_index", *index)
        store.save_derived("snapshot", *other)
        if isinstance(store, SnapshotStore):
            store.save_snapshot(*seal_blob(1, hashes[0], b"state"))
        again = self.reopen(store, tmp_path)
        assert isinstance(again, DerivedStore)
        for found in (store, again):
            assert found.load_derived("report_index") == index
            assert found.load_derived("snapshot") == other
        assert list(again.read()) == records(1, 2)

    def test_a_blob_is_used_only_while_it_fits_the_log(self, tmp_path: Path) -> None:
        """A derived blob saved with a head hash that is not the log's at its seq is not
        used; saved with the log's hash, it is."""
        store = self.deriving(tmp_path)
        store.append(records(1, 2), 0)
        store.save_derived("report_index", *seal_blob(1, records(2, 1)[0][2], b"i"))
        assert check_blob(store, store.load_derived("report_index")) is None
        store.save_derived("report_index", *seal_blob(1, records(1, 1)[0][2], b"i"))
        assert check_blob(store, store.load_derived("report_index")) == b"i"


class SQLiteBackend(Backend):
    def make(self, tmp_path: Path) -> EventStore:
        return SQLiteStore(tmp_path / "store.db")

    def reopen(self, store: EventStore, tmp_path: Path) -> EventStore:
        return SQLiteStore(tmp_path / "store.db")


class PostgresBackend(Backend):
    def make(self, tmp_path: Path) -> EventStore:
        return PostgresStore(pg_dsn(), f"test-{uuid.uuid4().hex}")

    def reopen(self, store: EventStore, tmp_path: Path) -> EventStore:
        assert isinstance(store, PostgresStore)
        return PostgresStore(pg_dsn(), store.ledger_id)


class TestSQLiteWriteLock(SQLiteBackend, WriteLockContract):
    pass


class TestSQLiteSnapshots(SQLiteBackend, SnapshotContract):
    pass


class TestSQLiteDerived(SQLiteBackend, DerivedContract):
    pass


class TestPostgresWriteLock(PostgresBackend, WriteLockContract):
    pass


_SHARED: list[PostgresDatabase] = []


def shared_database() -> PostgresDatabase:
    """One `PostgresDatabase` on the test server whose stores the shared-backend tests use."""
    if not _SHARED:
        _SHARED.append(PostgresDatabase(pg_dsn(), keep=2))
    return _SHARED[0]


class SharedPostgresBackend(Backend):
    """Stores of one `PostgresDatabase`, borrowing its connections (another store of the
    same ledger stands for another writer: it borrows another connection while the first is
    held)."""

    def make(self, tmp_path: Path) -> EventStore:
        return shared_database().store(f"test-{uuid.uuid4().hex}")

    def reopen(self, store: EventStore, tmp_path: Path) -> EventStore:
        assert isinstance(store, PostgresStore)
        return shared_database().store(store.ledger_id)


class TestSharedPostgresStore(SharedPostgresBackend, StoreContract):
    pass


class TestSharedPostgresWriteLock(SharedPostgresBackend, WriteLockContract):
    pass


class TestSharedPostgresSnapshots(SharedPostgresBackend, SnapshotContract):
    pass


class TestSharedPostgresDerived(SharedPostgresBackend, DerivedContract):
    pass


class TestPostgresSnapshots(PostgresBackend, SnapshotContract):
    pass


class TestPostgresDerived(PostgresBackend, DerivedContract):
    pass


def test_which_store_declares_which_protocol(tmp_path: Path) -> None:
    """The memory store declares no optional protocol; SQLite declares all three."""
    memory, sqlite = MemoryStore(), SQLiteStore(tmp_path / "p.db")
    for protocol in (WriteLock, SnapshotStore, DerivedStore):
        assert not isinstance(memory, protocol) and isinstance(sqlite, protocol)


class _HeadlessSnapshots(MemoryStore):
    """A broken SnapshotStore: it forgets the head hash and reports the log's instead."""

    def __init__(self) -> None:
        super().__init__()
        self._kept: Blob | None = None

    def save_snapshot(self, seq: int, head: bytes, data: bytes, digest: bytes) -> None:
        self._kept = seq, head, data, digest

    def load_snapshot(self) -> Blob | None:
        if self._kept is None:
            return None
        seq, head, data, digest = self._kept
        if 1 <= seq <= self.head():
            head = self.get(seq)[2]
        return seq, head, data, digest


def test_the_contract_catches_a_store_that_breaks_it(tmp_path: Path) -> None:
    """A store claiming SnapshotStore but not keeping the head hash fails the contract."""
    contract = SnapshotContract()
    contract.make = lambda tmp_path: _HeadlessSnapshots()  # type: ignore[method-assign]
    contract.reopen = lambda store, tmp_path: store  # type: ignore[method-assign]
    with pytest.raises(AssertionError):
        contract.test_a_snapshot_is_used_only_while_it_fits_the_log(tmp_path)
    with pytest.raises(AssertionError):
        contract.test_the_last_snapshot_comes_back_byte_for_byte(tmp_path)



def pg_dsn() -> str:
    """The test server's connection string, or skip when none is configured."""
    dsn = os.environ.get("POINTSLEDGER_PG_DSN")
    if not dsn:
        pytest.skip("no PostgreSQL server: eval \"$(bash scripts/start-postgres.sh)\" first")
    return dsn


@given(st.lists(st.integers(min_value=1, max_value=5), max_size=8))
def test_memory_store_head_counts_appends(sizes: list[int]) -> None:
    """Head is the number of records appended, over any sequence of batch sizes."""
    store = MemoryStore()
    for size in sizes:
        store.append(records(store.head() + 1, size), store.head())
    assert store.head() == sum(sizes)
    assert [r[0] for r in store.read()] == list(range(1, sum(sizes) + 1))


@given(sizes=st.lists(st.integers(0, 300), max_size=40), batch=st.integers(1, 7),
       probes=st.lists(st.integers(1, 40), max_size=20))
def test_memory_store_reads_back_across_compressed_blocks(
        sizes: list[int], batch: int, probes: list[int]) -> None:
    """Records read back byte for byte, in order and at random, whether their block is still
    open or compressed, and whatever the read cache holds (blocks of 4, a cache of 1)."""
    from pointsledger.storage import memory

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(memory, "_BLOCK_BITS", 2)
        patch.setattr(memory, "_BLOCK", 4)
        patch.setattr(memory, "_CACHED", 1)
        store = MemoryStore()
        written = [(seq, bytes([seq % 256]) * size + b"x" * (seq % 3), bytes([seq]) * 32)
                   for seq, size in enumerate(sizes, start=1)]
        for start in range(0, len(written), batch):
            store.append(written[start:start + batch], start)
        assert list(store.read()) == written
        for seq in probes:
            if seq <= len(written):
                assert store.get(seq) == written[seq - 1]
        assert list(store.read(len(written) // 2)) == written[len(written) // 2:]


@given(seq=st.integers(-2, 6), head=st.sampled_from([bytes([2]) * 32, bytes(32)]),
       data=st.binary(max_size=8), sealed=st.booleans())
def test_check_blob_uses_only_a_blob_that_fits(seq: int, head: bytes, data: bytes,
                                               sealed: bool) -> None:
    """check_blob never raises and returns the data exactly when digest, seq and head fit."""
    store = MemoryStore()
    store.append(records(1, 3), 0)
    blob = seal_blob(seq, head, data) if sealed else (seq, head, data, bytes(32))
    fits = sealed and 1 <= seq <= 3 and store.get(seq)[2] == head
    assert check_blob(store, blob) == (data if fits else None)
    assert check_blob(store, None) is None
