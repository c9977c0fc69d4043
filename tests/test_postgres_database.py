"""Many ledgers served through one PostgresDatabase: its stores share a few connections, reads
page by seq, and heads and openings of many ledgers are fetched in one round trip (prime()),
the ledgers opened from them exactly as from the store, refusing what the store's open
refuses."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pendulum
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsledger import IntegrityError, Ledger, ManualClock, StoreError, ValidationError, reports
from pointsledger.ledger import movements
from pointsledger.storage import PostgresDatabase, PostgresStore, Primed, postgres

from .helpers import COMMITTEE, GRID, START, TZ, budget, rulebook
from .test_postgres_many import database as database
from .test_storage import pg_dsn, records, shared_database


def village(store: PostgresStore, *, awards: int, snapshot_at: int | None) -> Ledger:
    """A village ledger in ``store``: a grid, two households and ``awards`` awards, with a
    snapshot (and report index) taken after ``snapshot_at`` of them (None: never)."""
    clock = ManualClock(START)
    ledger = Ledger(store, clock=clock, tz=TZ, ledger_id=store.ledger_id)
    ledger.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                 resolution="m")
    ledger.add_region("G1", "网格", kind="grid", by=COMMITTEE)
    for h in ("H0", "H1"):
        ledger.register_household(h, grid="G1", head="张三", by=COMMITTEE)
    for n in range(awards):
        if n == snapshot_at:
            ledger.snapshot()
        clock.advance(minutes=1)
        ledger.award(f"H{n % 2}", "VOL-02", by=GRID, key=f"a{n}", occurred_at=clock())
    if snapshot_at is not None and snapshot_at >= awards:
        ledger.snapshot()
    return ledger


def figures(ledger: Ledger, parts: int = 4) -> tuple[object, ...]:
    """What a reader sees of a ledger: its anchor, balances and roll-up (the first
    ``parts`` of these)."""
    found: list[object] = [str(ledger.anchor()), ledger.household_balance("H0"),
                           ledger.household_balance("H1")]
    if parts > 3:
        found.append(reports.rollup(ledger, period="2026-03").rows)
    return tuple(found)


@pytest.fixture
def many(database: str) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(database, partitions=4, keep=2) as db:
        yield db


def connections_to(dsn: str, application: str | None = None) -> int:
    """How many server connections are open to the database of ``dsn`` (but this one),
    only those of ``application`` when given."""
    with psycopg.connect(dsn, autocommit=True) as db:
        row = db.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                         "current_database() AND pid <> pg_backend_pid() AND "
                         "(%s::text IS NULL OR application_name = %s)",
                         (application, application)).fetchone()
        return int(row[0]) if row else -1


def test_stores_share_a_few_connections(many: PostgresDatabase) -> None:
    """Forty ledgers' stores in one thread write and read through one connection, not
    forty; a closed store and a closed database refuse work, naming themselves."""
    stores = [many.store(f"v{i:02d}") for i in range(40)]
    for n, store in enumerate(stores):
        store.append(records(1, n % 3 + 1), 0)
    assert [store.head() for store in stores] == [n % 3 + 1 for n in range(40)]
    assert [list(store.read()) for store in stores] == [records(1, n % 3 + 1)
                                                        for n in range(40)]
    assert many.connections == 1 and connections_to(many.conninfo) == 1
    stores[0].close()
    with pytest.raises(StoreError, match="'v00' is closed"):
        stores[0].head()
    many.close()
    with pytest.raises(StoreError, match="PostgresDatabase is closed"):
        stores[1].head()


def test_threads_borrow_connections_of_their_own(many: PostgresDatabase) -> None:
    """Four threads inside write blocks at the same moment, on four ledgers, each borrow a
    connection of their own (none waits for another), and the idle ones kept stay within
    ``keep``; every block's appends commit together."""
    barrier = threading.Barrier(4, timeout=30)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        store = many.store(f"w{n}")
        try:
            with store.writing():
                store.append(records(1, 2, b"w"), 0)
                barrier.wait()  # all four blocks open at once
                store.append(records(3, 1, b"w"), 2)
        except BaseException as error:  # reported below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert many.connections == 4 and connections_to(many.conninfo) == many.keep == 2
    assert many.heads(f"w{n}" for n in range(4)) == {f"w{n}": 3 for n in range(4)}


@settings(max_examples=budget(15), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(0, 4), min_size=1, max_size=6), absent=st.booleans())
def test_heads_of_many_ledgers_are_each_ledgers_head(sizes: list[int], absent: bool) -> None:
    """``heads()`` gives every ledger asked for the head its own store gives (0 for one the
    database does not hold), in one pipelined round trip."""
    db = shared_database()
    tag = uuid.uuid4().hex[:8]
    stores = [db.store(f"h{tag}-{n}") for n in range(len(sizes))]
    for store, size in zip(stores, sizes, strict=True):
        store.append(records(1, size), 0)
    asked = [store.ledger_id for store in stores] + ([f"none-{tag}"] if absent else [])
    heads = db.heads(asked)
    assert heads == {store.ledger_id: store.head() for store in stores} | (
        {f"none-{tag}": 0} if absent else {})


@settings(max_examples=budget(15), deadline=None)
@given(count=st.integers(0, 12), after=st.integers(0, 13), page=st.integers(1, 5),
       locked=st.booleans())
def test_a_read_pages_through_the_log(count: int, after: int, page: int, locked: bool) -> None:
    """A read fetches the log page by page and gives exactly the records after ``after``, in
    order, inside a write block too, whatever the page size."""
    store = shared_database().store(f"p-{uuid.uuid4().hex[:12]}")
    store.append(records(1, count), 0)
    before = postgres._PAGE
    postgres._PAGE = page
    try:
        if locked:
            with store.writing():
                got = list(store.read(after))
        else:
            got = list(store.read(after))
    finally:
        postgres._PAGE = before
    assert got == records(after + 1, max(0, count - after))


@pytest.mark.parametrize("snapshot_at", [6, 2])
def test_a_primed_ledger_opens_and_reports_without_asking(many: PostgresDatabase,
                                                          snapshot_at: int) -> None:
    """A ledger opened from ``prime()`` data gives the same anchor and balances as one
    opened from its store (and, when its report index is at the head, the same roll-up)
    without a single statement of its own: the database is closed before it opens. Its first
    freshness check takes the primed head; the next one asks (and fails here, the database
    being closed)."""
    village(many.store("v1"), awards=6, snapshot_at=snapshot_at).close()
    primed = many.prime(["v1"], derived=(movements.NAME,))["v1"]
    plain = Ledger(many.store("v1"))
    parts = 4 if snapshot_at == 6 else 3  # the roll-up folds the events after the index
    expected = figures(plain)[:parts]
    plain.close()
    many.close()
    ledger = Ledger(many.store("v1", primed=primed))
    with ledger.reading():  # one freshness check for the whole read
        assert figures(ledger, parts) == expected
    with pytest.raises(StoreError, match="closed"):
        ledger.head  # noqa: B018 - a read: it asks the database


@pytest.mark.parametrize(("awards", "snapshot_at"), [(0, None), (5, None), (5, 5), (6, 2)])
def test_priming_many_opens_each_as_its_store_would(many: PostgresDatabase, awards: int,
                                                    snapshot_at: int | None) -> None:
    """Ledgers with and without snapshots, with events after theirs or none, and one the
    database does not hold, primed together: each opens to exactly the state its store
    opens to (the events after the snapshot come with the primed data)."""
    village(many.store("v1"), awards=awards, snapshot_at=snapshot_at).close()
    village(many.store("v2"), awards=3, snapshot_at=1).close()
    primed = many.prime(["v1", "v2", "v3"], derived=(movements.NAME,))
    assert primed["v3"] == Primed("v3", 0)
    for ledger_id in ("v1", "v2"):
        found = primed[ledger_id]
        assert found.head == many.store(ledger_id).head()
        assert (found.snapshot is not None) == (ledger_id == "v2" or snapshot_at is not None)
        plain = Ledger(many.store(ledger_id))
        opened = Ledger(many.store(ledger_id, primed=found))
        assert figures(opened) == figures(plain)
        assert opened.verify() == plain.verify()


@pytest.mark.parametrize("seq", [7, 9])
def test_a_primed_open_refuses_what_an_open_refuses(many: PostgresDatabase, seq: int) -> None:
    """An event edited behind the library's back, at the snapshot's seq (the snapshot no
    longer fits: the whole log is replayed) or after it (in the primed records), makes the
    primed open fail as the store's open does."""
    village(many.store("v1"), awards=5, snapshot_at=2).close()  # snapshot at seq 7, head 10
    with psycopg.connect(many.conninfo, autocommit=True) as db:
        db.execute("UPDATE pointsledger_events SET data = convert_to(replace(convert_from("
                   "data, 'UTF8'), 'VOL-02', 'VOL-01'), 'UTF8') WHERE ledger_id = 'v1' AND "
                   "seq = %s", (seq,))
    primed = many.prime(["v1"])["v1"]
    assert primed.snapshot is not None and primed.snapshot[0] == 7 and primed.head == 10
    with pytest.raises(IntegrityError):
        Ledger(many.store("v1"), trust_snapshot=seq > 7)
    with pytest.raises(IntegrityError):
        Ledger(many.store("v1", primed=primed), trust_snapshot=seq > 7)


def test_bad_arguments_are_refused(many: PostgresDatabase) -> None:
    """Bad ids, another ledger's primed data and a ``keep`` out of range are refused, naming
    the value."""
    with pytest.raises(ValidationError, match="ledger_id"):
        many.heads(["ok", ""])
    with pytest.raises(ValidationError, match="'v2'"):
        many.store("v1", primed=Primed("v2", 0))
    with pytest.raises(ValidationError, match="keep"):
        PostgresDatabase(pg_dsn(), keep=0)
    assert many.heads([]) == {} and many.prime([]) == {}


def test_without_pipeline_mode_the_answers_are_the_same(many: PostgresDatabase,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where libpq has no pipeline mode (before 14), ``heads()`` and ``prime()`` send the
    statements one by one and give the same answers."""
    village(many.store("v1"), awards=4, snapshot_at=2).close()
    village(many.store("v2"), awards=2, snapshot_at=None).close()
    ids = ["v1", "v2", "v3"]
    heads, primed = many.heads(ids), many.prime(ids, derived=(movements.NAME,))
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    assert many.heads(ids) == heads and many.prime(ids, derived=(movements.NAME,)) == primed
    assert heads == {"v1": 9, "v2": 7, "v3": 0}


def test_a_noted_head_answers_one_head_query(many: PostgresDatabase) -> None:
    """A head noted from a many-ledger query answers the next ``head()`` only; forgetting it,
    or writing, makes the store ask again."""
    store = many.store("v1")
    store.append(records(1, 2), 0)
    store.note_head(1)
    assert [store.head(), store.head()] == [1, 2]
    store.note_head(7)
    store.note_head(None)
    assert store.head() == 2
    store.note_head(2)
    store.append(records(3, 1), 2)
    assert store.head() == 3
