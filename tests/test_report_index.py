"""The report index: the fast fold equals the event-by-event one, and the copy a snapshot keeps
in a SQLite store is used by a later process only while it matches the log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pendulum

from pointsledger import Ledger, reports
from pointsledger.ledger.movements import NAME, Movements, movements_of, stored
from pointsledger.storage import DerivedStore
from tests.helpers import COMMITTEE, GRID, GRID2, NEIGHBOUR, make_workflow_village

COLUMNS = ("seq", "recorded", "when", "at", "kind", "reversal", "account", "household", "code",
           "version", "points", "quantity", "event_recorded", "event_actor", "event_kind")
NAMED = {"account", "household", "code", "version", "event_actor", "event_kind"}


def _columns(index: Movements) -> dict[str, list[object]]:
    return {c: [index.names[v] if c in NAMED else v for v in getattr(index, c)]
            for c in COLUMNS}


def _busy_ledger(path: str) -> Ledger:
    village = make_workflow_village(path)
    ledger, clock = village.ledger, village.clock
    for n in range(6):
        award = ledger.award("H00" + str(n % 4 + 1), "HON-01", by=GRID, key=f"a{n}",
                             occurred_at=clock())
        clock.advance(hours=5)
    ledger.deduct("H002", "COV-03", by=GRID, key="d", occurred_at=clock())
    ledger.reverse(award, reason="误录", by=COMMITTEE, key="r")
    ledger.transfer("H001", "@community", 1, by=NEIGHBOUR, key="t")
    claim = ledger.submit_claim("H003", "HON-01", by=GRID, key="c", occurred_at=clock())
    ledger.step(claim, "check", by=GRID2, key="c/1")
    ledger.step(claim, "approve", by=COMMITTEE, key="c/2")
    clock.advance(days=9)
    ledger.post_due()
    return ledger


def test_the_fast_fold_equals_folding_event_by_event(tmp_path: Path) -> None:
    """Folding straight from the encoding gives the columns event-by-event folding gives."""
    ledger = _busy_ledger(str(tmp_path / "a.db"))
    slow = Movements()
    for event in ledger.events():
        slow.add(event, lambda account, seq: ledger.household_of(account, at_seq=seq))
    assert _columns(movements_of(ledger)) == _columns(slow)
    ledger.close()


def test_a_saved_index_is_used_and_extended(tmp_path: Path) -> None:
    """A snapshot keeps the index at the head; a reopen starts from it and folds what came
    after, giving the same columns and reports."""
    path = str(tmp_path / "b.db")
    ledger = _busy_ledger(path)
    seq = ledger.snapshot()
    assert seq == ledger.head
    ledger.award("H001", "HON-01", by=GRID, key="late", occurred_at=ledger.now())
    expected = _columns(movements_of(ledger))
    board = reports.honour_board(ledger, "2026-03").rows
    ledger.close()
    reopened = Ledger.open(path)
    assert isinstance(reopened.store, DerivedStore)
    kept = Movements.load(reopened.store.load_derived(NAME)[2])  # type: ignore[index]
    assert kept.done == seq
    assert stored(reopened) is not None  # it checks out against the log, so it is used
    assert _columns(movements_of(reopened)) == expected
    assert reports.honour_board(reopened, "2026-03").rows == board
    reopened.close()


def test_a_damaged_or_stale_index_is_ignored(tmp_path: Path) -> None:
    """A copy whose bytes or head hash do not fit the log is ignored and the index rebuilt."""
    path = str(tmp_path / "c.db")
    ledger = _busy_ledger(path)
    ledger.snapshot()
    expected = _columns(movements_of(ledger))
    ledger.close()
    with sqlite3.connect(path) as db:
        data = db.execute("SELECT data FROM derived").fetchone()[0]
        db.execute("UPDATE derived SET data = ?", (data[:-1] + bytes([data[-1] ^ 1]),))
    reopened = Ledger.open(path)
    assert stored(reopened) is None
    assert _columns(movements_of(reopened)) == expected
    reopened.close()
    with sqlite3.connect(path) as db:  # a digest that fits, but the log is not the one indexed
        db.execute("UPDATE derived SET data = ?, head = ?", (data, bytes(32)))
    again = Ledger.open(path)
    assert stored(again) is None
    assert _columns(movements_of(again)) == expected
    again.close()


def test_stores_without_derived_data_save_nothing() -> None:
    """A snapshot of a memory ledger keeps nothing and builds no index."""
    ledger = Ledger.in_memory(clock=lambda: pendulum.datetime(2026, 3, 1, tz="UTC"))
    assert ledger.snapshot() == 0
    assert not isinstance(ledger.store, DerivedStore) and stored(ledger) is None


def test_reports_write_nothing(tmp_path: Path) -> None:
    """Running reports leaves the store's derived data untouched; only a snapshot keeps it."""
    ledger = _busy_ledger(str(tmp_path / "d.db"))
    reports.honour_board(ledger, "2026-03")
    reports.balances(ledger)
    assert isinstance(ledger.store, DerivedStore)
    assert ledger.store.load_derived(NAME) is None
    ledger.snapshot()
    assert ledger.store.load_derived(NAME) is not None
    ledger.close()


def test_a_period_starts_at_its_first_row_recorded(tmp_path: Path) -> None:
    """``since(t)`` is the first row recorded at or after ``t``, and no row before it counts or
    occurs at ``t`` or later (what lets a report of a period skip the rows before it), for every
    instant the index holds, backdated entries and a reversal included."""
    ledger = _busy_ledger(str(tmp_path / "s.db"))
    ledger.award("H001", "HON-01", by=GRID, key="late",
                 occurred_at=pendulum.instance(ledger.now()).subtract(days=3))
    m = movements_of(ledger)
    instants = sorted({*m.recorded, *m.when, *m.at})
    assert any(w < r for w, r in zip(m.when, m.recorded, strict=True))  # a backdated row
    for t in [instants[0] - 1, *instants, instants[-1] + 1]:
        lo = m.since(t)
        assert all(r >= t for r in m.recorded[lo:])
        assert all(w < t and a < t and r < t
                   for w, a, r in zip(m.when[:lo], m.at[:lo], m.recorded[:lo], strict=True))
    ledger.close()
