"""The hash chain: any edit, deletion, insertion or reordering is found, naming the first bad
seq, both in a SQLite file edited behind the library's back and in arbitrary record lists."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pointsledger import IntegrityError, Ledger, ManualClock
from pointsledger.errors import UnknownEntry
from pointsledger.storage import Record

from .helpers import COMMITTEE, GRID, START, budget, make_village


class ListStore:
    """A store over a plain list of records, so tests can tamper with it freely."""

    def __init__(self, records: Sequence[Record]) -> None:
        self.records = list(records)

    def append(self, records: Sequence[Record], expected_seq: int) -> None:
        self.records.extend(records)

    def read(self, after_seq: int = 0) -> Iterator[Record]:
        return iter(self.records[after_seq:])

    def get(self, seq: int) -> Record:
        if not 1 <= seq <= len(self.records):
            raise UnknownEntry("no", seq=seq)
        return self.records[seq - 1]

    def head(self) -> int:
        return len(self.records)

    def close(self) -> None:
        pass


def build(path: Path) -> int:
    """A village ledger file with a few postings; returns its head."""
    village = make_village(str(path))
    led = village.ledger
    when = village.clock().subtract(days=1)
    e = led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=when)
    led.award("H002", "VOL-02", by=GRID, key="b", occurred_at=when)
    led.reverse(e.id, reason="误录", by=COMMITTEE, key="r")
    led.deduct("H003", "COV-03", by=GRID, key="d", occurred_at=when)
    head = led.head
    led.close()
    return head


def first_bad_on_open(path: Path) -> int:
    with pytest.raises(IntegrityError) as info:
        Ledger.open(path, clock=ManualClock(START))
    seq: int = info.value.fields["seq"]
    return seq


def sql(path: Path, statement: str, *args: object) -> None:
    with sqlite3.connect(path) as db:
        db.execute(statement, args)


def test_untouched_file_opens_and_verifies(tmp_path: Path) -> None:
    """The baseline: an honest file opens and verifies."""
    path = tmp_path / "v.db"
    head = build(path)
    led = Ledger.open(path, clock=ManualClock(START))
    assert led.verify().events == head


def test_edited_row_is_found_on_open(tmp_path: Path) -> None:
    """Changing the points in one row's data is caught at that seq."""
    path = tmp_path / "v.db"
    build(path)
    with sqlite3.connect(path) as db:
        (data,) = db.execute("SELECT data FROM events WHERE seq = 12").fetchone()
        assert b',5,' in data
        db.execute("UPDATE events SET data = ? WHERE seq = 12", (data.replace(b",5,", b",50,"),))
    assert first_bad_on_open(path) == 12


def test_edited_hash_is_found(tmp_path: Path) -> None:
    """Changing a stored hash is caught at that seq."""
    path = tmp_path / "v.db"
    build(path)
    sql(path, "UPDATE events SET hash = ? WHERE seq = 5", bytes(32))
    assert first_bad_on_open(path) == 5


def test_deleted_row_is_found(tmp_path: Path) -> None:
    """Removing a row leaves a gap, named by its seq."""
    path = tmp_path / "v.db"
    build(path)
    sql(path, "DELETE FROM events WHERE seq = 7")
    assert first_bad_on_open(path) == 7


def test_inserted_row_is_found(tmp_path: Path) -> None:
    """A row added after the head (or data changed to another type) is caught at its seq."""
    path = tmp_path / "v.db"
    head = build(path)
    with sqlite3.connect(path) as db:
        (data,) = db.execute("SELECT data FROM events WHERE seq = ?", (head,)).fetchone()
        forged = data.replace(b"[\"deducted\",%d" % head, b"[\"deducted\",%d" % (head + 1))
        db.execute("INSERT INTO events VALUES (?, ?, ?)", (head + 1, forged, bytes(32)))
    assert first_bad_on_open(path) == head + 1
    sql(path, "DELETE FROM events WHERE seq = ?", head + 1)
    sql(path, "UPDATE events SET data = CAST(data AS TEXT) WHERE seq = 3")
    assert first_bad_on_open(path) == 3


def test_swapped_rows_are_found(tmp_path: Path) -> None:
    """Reordering two events is caught at the earlier position."""
    path = tmp_path / "v.db"
    build(path)
    with sqlite3.connect(path) as db:
        rows = {s: (d, h) for s, d, h in db.execute("SELECT seq, data, hash FROM events "
                                                     "WHERE seq IN (10, 11)")}
        db.execute("UPDATE events SET data = ?, hash = ? WHERE seq = 10", rows[11])
        db.execute("UPDATE events SET data = ?, hash = ? WHERE seq = 11", rows[10])
    assert first_bad_on_open(path) == 10


def test_verify_finds_edits_made_after_open(tmp_path: Path) -> None:
    """verify() re-reads the file, so it sees edits made while the ledger was open."""
    path = tmp_path / "v.db"
    head = build(path)
    led = Ledger.open(path, clock=ManualClock(START))
    sql(path, "UPDATE events SET data = CAST(REPLACE(CAST(data AS TEXT), '张三', '李四') AS BLOB)"
              " WHERE seq = 10")
    with pytest.raises(IntegrityError) as info:
        led.verify()
    assert info.value.fields["seq"] == 10
    sql(path, "DELETE FROM events WHERE seq >= 10")
    with pytest.raises(IntegrityError) as info:
        led.verify()
    assert info.value.fields["seq"] == 10
    assert head > 10


def test_truncated_tail_is_found_by_a_live_ledger(tmp_path: Path) -> None:
    """Cutting the last events off is invisible to the file alone, but a ledger that knew the
    head (or an anchored head hash) finds it."""
    path = tmp_path / "v.db"
    head = build(path)
    led = Ledger.open(path, clock=ManualClock(START))
    anchored = led.verify().head_hash
    sql(path, "DELETE FROM events WHERE seq = ?", head)
    with pytest.raises(IntegrityError) as info:
        led.verify()
    assert info.value.fields["seq"] == head
    reopened = Ledger.open(path, clock=ManualClock(START))
    assert reopened.verify().head_hash != anchored


def test_verify_catches_up_with_other_writers_but_finds_a_fork(
        honest_records: list[Record]) -> None:
    """Events appended by another writer after this ledger's head verify and are applied; a
    log whose event at this ledger's head is another one (a fork) is refused, naming it."""
    clock = ManualClock(START)
    shared = ListStore(honest_records[:-1])
    behind = Ledger(shared, clock=clock)
    shared.records.append(honest_records[-1])  # another writer's event
    assert behind.verify().events == len(honest_records) == behind.head
    assert behind.event(behind.head).hash == honest_records[-1][2]
    assert not behind.drift()

    other = Ledger(ListStore(honest_records[:-1]), clock=clock)
    fork = other.award("H004", "ENV-01", by=GRID, key="another", occurred_at=clock())
    assert fork.seq == len(honest_records)
    tampered = ListStore(honest_records)
    mine = Ledger(tampered, clock=clock)
    tampered.records[-1] = other.store.get(fork.seq)
    with pytest.raises(IntegrityError) as info:
        mine.verify()
    assert info.value.fields["seq"] == fork.seq


@pytest.fixture(scope="module")
def honest_records() -> list[Record]:
    village = make_village("memory")
    led = village.ledger
    when = village.clock().subtract(days=1)
    for i, h in enumerate(village.households):
        led.award(h, "VOL-02", by=GRID, key=f"k{i}", occurred_at=when)
    return list(led.store.read())


def first_difference(tampered: list[Record], honest: list[Record]) -> int:
    """The 1-based position of the first record that differs from the honest log."""
    for position, (a, b) in enumerate(zip(tampered, honest, strict=False), start=1):
        if a != b:
            return position
    return min(len(tampered), len(honest)) + 1


def first_bad(records: list[Record]) -> int | None:
    try:
        Ledger(ListStore(records), clock=ManualClock(START))
    except IntegrityError as exc:
        seq: int = exc.fields["seq"]
        return seq
    return None


@given(data=st.data())
def test_any_byte_edit_is_found_at_its_seq(honest_records: list[Record],
                                           data: st.DataObject) -> None:
    """Flipping any byte of any record's data or hash is caught at exactly that seq."""
    records = list(honest_records)
    index = data.draw(st.integers(0, len(records) - 1))
    seq, body, digest = records[index]
    field = data.draw(st.sampled_from(["data", "hash"]))
    target = body if field == "data" else digest
    pos = data.draw(st.integers(0, len(target) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = target[:pos] + bytes([target[pos] ^ flip]) + target[pos + 1:]
    records[index] = (seq, changed, digest) if field == "data" else (seq, body, changed)
    assert first_bad(records) == seq


@given(data=st.data())
def test_any_deletion_or_reordering_is_found(honest_records: list[Record],
                                             data: st.DataObject) -> None:
    """Removing a record, or swapping two, is caught at the first position that changed."""
    records = list(honest_records)
    i = data.draw(st.integers(0, len(records) - 2))
    if data.draw(st.booleans()):
        del records[i]
    else:
        j = data.draw(st.integers(i + 1, len(records) - 1))
        records[i], records[j] = records[j], records[i]
    assert first_bad(records) == first_difference(records, honest_records) == i + 1


@given(data=st.data())
def test_any_insertion_is_found(honest_records: list[Record], data: st.DataObject) -> None:
    """A copied record inserted anywhere is caught at the first position that changed."""
    records = list(honest_records)
    i = data.draw(st.integers(0, len(records)))
    source = data.draw(st.integers(0, len(records) - 1))
    records.insert(i, records[source])
    assert first_bad(records) == first_difference(records, honest_records)


@given(st.binary(max_size=200), st.binary(min_size=32, max_size=32))
def test_garbage_records_raise_integrity_errors_only(body: bytes, digest: bytes) -> None:
    """Whatever bytes a store returns, the ledger raises IntegrityError, never anything else."""
    assert first_bad([(1, body, digest)]) == 1


@settings(max_examples=budget(40), deadline=None)
@given(value=st.one_of(st.binary(max_size=120), st.text(max_size=60),
                       st.integers(-(2**63), 2**63 - 1),
                       st.floats(allow_nan=False)),
       column=st.sampled_from(["data", "hash"]), seq=st.integers(1, 12))
def test_malformed_sqlite_rows_raise_integrity_errors_only(
        value: object, column: str, seq: int) -> None:
    """Whatever else a row of a real SQLite file holds, opening raises IntegrityError naming
    that seq, never another exception and never nothing, and writes nothing. Each example
    damages a fresh file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.db"
        build(path)
        with sqlite3.connect(path) as db:
            (original,) = db.execute(f"SELECT {column} FROM events WHERE seq = ?",
                                     (seq,)).fetchone()
        assume(value != original)
        sql(path, f"UPDATE events SET {column} = ? WHERE seq = ?", value, seq)
        with sqlite3.connect(path) as db:
            before = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        with pytest.raises(IntegrityError) as info:
            Ledger.open(path, clock=ManualClock(START)).close()
        assert info.value.fields["seq"] == seq
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == before
