"""A ledger on a real PostgreSQL server: reopened, verified, shared by two writers."""

from __future__ import annotations

import threading
import uuid

import pendulum

from pointsledger import Ledger, ManualClock
from pointsledger.storage import PostgresStore, SnapshotStore

from .helpers import COMMITTEE, GRID, START, TZ, rulebook
from .test_storage import pg_dsn


def test_ledger_on_postgres_reopens_to_the_same_state() -> None:
    """Commands land in PostgreSQL; a second ledger object replays the same state."""
    name = f"village-{uuid.uuid4().hex[:8]}"
    clock = ManualClock(START)
    ledger = Ledger.open_postgres(pg_dsn(), name, clock=clock, tz=TZ)
    ledger.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                 resolution="m")
    ledger.add_region("G1", "网格", kind="grid", by=COMMITTEE)
    ledger.register_household("H1", grid="G1", head="张三", by=COMMITTEE)
    first = ledger.award("H1", "ENV-01", by=GRID, key="a", occurred_at=clock())
    again = Ledger.open_postgres(pg_dsn(), name, clock=clock)
    assert again.verify() == ledger.verify() and again.ledger_id == name
    assert again.balance("H1").posted == 5
    # the first ledger object is now behind: its next command catches up and retries
    again.award("H1", "ENV-01", by=GRID, key="b", occurred_at=clock())
    third = ledger.award("H1", "VOL-02", by=GRID, key="c", occurred_at=clock())
    assert third.seq == first.seq + 2 and ledger.balance("H1").posted == 12
    ledger.close()
    again.close()


def test_ledgers_in_one_database_are_independent() -> None:
    """One database holds many ledgers, each verified on its own."""
    ledgers = [Ledger(PostgresStore(pg_dsn(), f"town-{uuid.uuid4().hex[:8]}"),
                      clock=ManualClock(START), tz=TZ) for _ in range(2)]
    ledgers[0].adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                     resolution="m")
    assert ledgers[0].head == 2 and ledgers[1].head == 1
    for ledger in ledgers:
        ledger.verify()
        ledger.close()


def test_snapshots_and_the_report_index_on_postgres() -> None:
    """A PostgreSQL ledger keeps a snapshot and a report index; a reopen uses them and a later
    event is replayed on top."""
    from pointsledger import reports
    from pointsledger.ledger.movements import stored

    name = f"village-{uuid.uuid4().hex[:8]}"
    clock = ManualClock(START)
    ledger = Ledger.open_postgres(pg_dsn(), name, clock=clock, tz=TZ)
    ledger.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                 resolution="m")
    ledger.add_region("G1", "网格", kind="grid", by=COMMITTEE)
    ledger.register_household("H1", grid="G1", head="张三", by=COMMITTEE)
    ledger.award("H1", "ENV-01", by=GRID, key="a", occurred_at=clock())
    assert ledger.snapshot() == ledger.head  # the state and the report index
    ledger.award("H1", "VOL-02", by=GRID, key="b", occurred_at=clock())
    board = reports.honour_board(ledger, "2026-03").rows
    again = Ledger.open_postgres(pg_dsn(), name, clock=clock)
    assert isinstance(again.store, SnapshotStore)
    assert again.store.load_snapshot()[0] == ledger.head - 1  # type: ignore[index]
    assert again.balance("H1").posted == 7 and again.verify() == ledger.verify()
    assert stored(again) is not None
    assert reports.honour_board(again, "2026-03").rows == board
    ledger.close()
    again.close()


def test_a_writer_never_waits_for_another_ledgers_lock() -> None:
    """Two ledgers whose ids share a 32-bit ``hashtext`` (found on the server) lock apart:
    while one holds its write lock, the other is created and written. With the lock keyed by
    the 32-bit hash the second waited for the first (here, for ever)."""
    import psycopg

    prefix = f"v{uuid.uuid4().hex[:8]}-"
    with psycopg.connect(pg_dsn()) as db:
        pair = db.execute(
            "SELECT min(id), max(id) FROM (SELECT %s || g AS id FROM generate_series(1, 300000)"
            " g) s GROUP BY hashtext(id) HAVING count(*) > 1 LIMIT 1", (prefix,)).fetchone()
    assert pair is not None, "no two of 300,000 ids share a hashtext"
    first, second = pair
    holder = Ledger(PostgresStore(pg_dsn(), first), clock=ManualClock(START), tz=TZ)
    done: list[Ledger] = []
    with holder.store.writing():  # type: ignore[attr-defined]
        other = threading.Thread(target=lambda: done.append(
            Ledger(PostgresStore(pg_dsn(), second), clock=ManualClock(START), tz=TZ)),
            daemon=True)
        other.start()
        other.join(timeout=60)  # a deadlock detector, not a speed check
        finished = not other.is_alive()
    other.join()
    assert finished, f"writing {second!r} waited for the lock of {first!r}"
    assert done[0].head == 1 and holder.head == 1
    for ledger in (holder, done[0]):
        ledger.close()
