"""The EventStore contract, run against every store (SQLite on real files)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsledger import ConcurrencyError, StoreError, UnknownEntry, ValidationError
from pointsledger.storage import EventStore, MemoryStore, PostgresStore, Record, SQLiteStore


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
