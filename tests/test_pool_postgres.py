"""The PostgreSQL ledger pool's lookahead: each() asks about a group of ledgers in one go, opens
the closed ones from what it fetched and gives the open ones their heads, yet every loop sees
what other writers appended before it, a lease inside a loop asks for itself, and the pool
holds a few connections, not one per ledger."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from pointsledger import Ledger, LedgerPool, ManualClock, NotFound
from pointsledger.ledger.pool import GROUP
from pointsledger.reports import across, rollup
from pointsledger.storage import PostgresStore

from .helpers import GRID, START
from .test_postgres_database import connections_to, village
from .test_postgres_many import database as database

VILLAGES = GROUP + 5  # two groups


def build(dsn: str) -> list[str]:
    """``VILLAGES`` village ledgers with snapshots, some with events after them."""
    ids = [f"v{i:02d}" for i in range(VILLAGES)]
    for n, ledger_id in enumerate(ids):
        village(PostgresStore(dsn, ledger_id, partitions=4), awards=n % 4,
                snapshot_at=n % 4 if n % 3 else 0).close()
    return ids


def each_alone(dsn: str, ids: list[str]) -> tuple[tuple[object, ...], ...]:
    """The roll-up of the villages read each from a ledger of its own, added up."""
    ledgers = [Ledger(PostgresStore(dsn, ledger_id)) for ledger_id in ids]
    try:
        return across.rollup(ledgers, period="2026-03").rows
    finally:
        for ledger in ledgers:
            ledger.close()


@pytest.mark.parametrize("ahead", [0, 3])
def test_each_loop_sees_what_was_appended_before_it(database: str,
                                                     ahead: int) -> None:
    """The roll-up through the pool equals the one over ledgers opened alone: cold (opened
    from fetched data), warm (heads fetched per group), and warm again after another writer
    appended to villages in both groups (their turn takes the new events in)."""
    ids = build(database)
    pooled = make_conninfo(database, application_name="pool-under-test")
    with LedgerPool.postgres(pooled, size=VILLAGES) as pool:
        cold = across.rollup(pool.each(ids, ahead=ahead), period="2026-03").rows
        assert cold == each_alone(database, ids) and pool.opened == VILLAGES
        warm = across.rollup(pool.each(ids, ahead=ahead), period="2026-03").rows
        assert warm == cold and pool.opened == VILLAGES
        clock = ManualClock(START.add(days=1))
        for ledger_id in (ids[1], ids[-1]):
            with Ledger(PostgresStore(database, ledger_id), clock=clock) as other:
                other.award("H0", "VOL-02", by=GRID, key=f"late-{ledger_id}",
                            occurred_at=clock())
        later = across.rollup(pool.each(ids, ahead=ahead), period="2026-03").rows
        assert later == each_alone(database, ids) and later != cold
        assert pool.opened == VILLAGES  # none opened again
        # a few connections for thirty ledgers (threads opening ahead borrow one each)
        assert connections_to(database, "pool-under-test") <= 4 + ahead


def test_a_lease_inside_each_sees_what_was_appended_since(database: str) -> None:
    """In the turn of one ledger, the next ledger of the group holds a head fetched with the
    group; a lease of it still sees an event appended since (its reads ask again), and so
    does a lease after a loop ended early."""
    ids = build(database)[:3]
    with LedgerPool.postgres(database, size=5) as pool:
        assert [ledger.ledger_id for ledger in pool.each(ids)] == ids  # all open now
        clock = ManualClock(START.add(days=1))
        for _ledger in pool.each(ids):  # heads of all three fetched here
            with Ledger(PostgresStore(database, ids[1]), clock=clock) as other:
                other.award("H1", "VOL-02", by=GRID, key="late", occurred_at=clock())
                head = other.head
            with pool.lease(ids[1]) as leased:
                assert leased.head == head
            break
        with Ledger(PostgresStore(database, ids[2]), clock=clock) as other:
            other.award("H1", "VOL-02", by=GRID, key="late", occurred_at=clock())
            head = other.head
        with pool.lease(ids[2]) as leased:
            assert leased.head == head
        for ledger in pool.each(ids[2:]):
            assert rollup(ledger).rows == rollup(leased).rows


def test_each_refuses_an_unknown_ledger(database: str) -> None:
    """A ledger the database does not hold is refused in each() as in a lease, unless the
    pool may create ledgers; the pool keeps nothing of it."""
    ids = build(database)[:2]
    with LedgerPool.postgres(database) as pool:
        with pytest.raises(NotFound, match="'nowhere'"):
            for _ledger in pool.each([*ids, "nowhere"]):
                pass
        assert pool.ids() == ids
    with LedgerPool.postgres(database, create=True) as pool:
        assert [ledger.head for ledger in pool.each(["nowhere"])] == [1]
    with psycopg.connect(database) as db:
        row = db.execute("SELECT COUNT(*) FROM pointsledger_events "
                         "WHERE ledger_id = 'nowhere'").fetchone()
        assert row is not None and row[0] == 1
