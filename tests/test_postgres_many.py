"""Many ledgers in one PostgreSQL database, the events table hash-partitioned by ledger id (the
stand-in for the shards of a distributed PostgreSQL): every statement stays on one ledger and
one partition, writers on two ledgers never wait for each other, each ledger verifies alone."""

from __future__ import annotations

import ast
import inspect
import re
import threading
import time
import uuid
from collections.abc import Iterator

import pendulum
import pytest

from pointsledger import IntegrityError, Ledger, ManualClock, StoreError, ValidationError
from pointsledger.storage import PostgresStore, postgres
from pointsledger.storage.postgres import STATEMENTS, partitioned_schema

from .helpers import COMMITTEE, GRID, START, TZ, rulebook
from .test_storage import pg_dsn

PARTITIONS = 4


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards: its connection string."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    dsn = pg_dsn()
    name = f"pl_many_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield make_conninfo(dsn, dbname=name)
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def village(dsn: str, ledger_id: str, households: int = 2) -> Ledger:
    """A small village ledger in ``dsn`` (partitioned events table), with awards."""
    clock = ManualClock(START)
    ledger = Ledger(PostgresStore(dsn, ledger_id, partitions=PARTITIONS), clock=clock, tz=TZ,
                    ledger_id=ledger_id)
    ledger.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                 resolution="m")
    ledger.add_region("G1", "网格", kind="grid", by=COMMITTEE)
    for i in range(households):
        ledger.register_household(f"H{i}", grid="G1", head="张三", by=COMMITTEE)
        ledger.award(f"H{i}", "ENV-01", by=GRID, key=f"a{i}", occurred_at=clock())
    return ledger


def test_every_statement_is_keyed_and_filtered_by_the_ledger_id() -> None:
    """Each statement the store runs names the ledger id first: inserts as their first column,
    reads and the write lock as their first (filtering) parameter; and no SQL touching the
    tables is written anywhere else in the module, so this list is the whole audit."""
    for name, sql in STATEMENTS.items():
        upper = sql.upper()
        if upper.startswith("INSERT"):
            assert "(LEDGER_ID," in upper.replace(" (", "("), name
            assert "ON CONFLICT" not in upper or "ON CONFLICT (LEDGER_ID" in upper, name
        elif " FROM " in upper:
            assert "WHERE LEDGER_ID = %S" in upper, name
        else:
            assert name == "lock" and sql.count("%s") == 1, name
    for table in ("pointsledger_events", "pointsledger_derived", "pointsledger_snapshots"):
        assert any(table in sql for sql in STATEMENTS.values())
    source = ast.parse(inspect.getsource(postgres))
    on_a_table = re.compile(r"\b(FROM|INTO|UPDATE)\s+pointsledger_", re.IGNORECASE)
    listed = set(STATEMENTS.values())
    for node in ast.walk(source):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if on_a_table.search(text):
                assert text in listed, f"a statement outside STATEMENTS: {text}"
    for schema in postgres.SCHEMA:  # every table's key starts with the ledger id
        assert "PRIMARY KEY (ledger_id" in schema or "ledger_id TEXT PRIMARY KEY" in schema


def test_partitions_must_be_a_sensible_number() -> None:
    """A partition count that is not a whole number from 1 to 1,024 is refused, naming it."""
    for bad in (0, -1, 2000, True, "4"):
        with pytest.raises(ValidationError, match="partitions"):
            partitioned_schema(bad)  # type: ignore[arg-type]
    assert len(partitioned_schema(3)) == 4


def test_a_plain_events_table_is_not_taken_for_a_partitioned_one(database: str) -> None:
    """Asking for partitions where the events table exists unpartitioned is refused."""
    PostgresStore(database, "plain").close()
    with pytest.raises(StoreError, match="not partitioned"):
        PostgresStore(database, "other", partitions=PARTITIONS)


def test_each_statement_reaches_one_partition_only(database: str) -> None:
    """On the partitioned table the planner routes every read of the events to the one
    partition holding the ledger (PostgreSQL's partition pruning, as a distributed database
    routes it to one shard); the rows of a ledger all sit in one partition."""
    import psycopg

    ledgers = [village(database, f"v{i:02d}") for i in range(8)]
    with psycopg.connect(database, autocommit=True,
                         cursor_factory=psycopg.ClientCursor) as db:
        homes = dict(db.execute("SELECT ledger_id, MIN(tableoid::regclass::text) FROM "
                                "pointsledger_events GROUP BY ledger_id HAVING "
                                "COUNT(DISTINCT tableoid) = 1").fetchall())
        assert sorted(homes) == [f"v{i:02d}" for i in range(8)]
        assert len(set(homes.values())) > 1  # the ledgers spread over the partitions
        parameters = {"head": ("v03",), "read": ("v03", 2, 10), "get": ("v03", 2)}
        for name, params in parameters.items():
            plan = "\n".join(row[0] for row in db.execute(
                "EXPLAIN " + STATEMENTS[name], params).fetchall())
            scanned = {f"pointsledger_events_p{i}" for i in range(PARTITIONS)
                       if f"pointsledger_events_p{i} " in plan + " "}
            assert scanned == {homes["v03"]}, (name, plan)
    for ledger in ledgers:
        ledger.close()


def test_many_ledgers_verify_each_on_its_own(database: str) -> None:
    """Twelve ledgers share the partitioned table; each reopens and verifies alone; an edit
    to one ledger's rows makes that ledger, and only it, fail its verification."""
    import psycopg

    ledgers = {f"village-{i}": village(database, f"village-{i}", households=i % 3 + 1)
               for i in range(12)}
    for name, ledger in ledgers.items():
        again = Ledger(PostgresStore(database, name, partitions=PARTITIONS))
        assert again.verify() == ledger.verify()
        assert again.head == 3 + 2 * (int(name.split("-")[1]) % 3 + 1)
        again.close()
    with psycopg.connect(database, autocommit=True) as db:
        db.execute("UPDATE pointsledger_events SET data = "
                   "convert_to(replace(convert_from(data, 'UTF8'), ',5,', ',50,'), 'UTF8') "
                   "WHERE ledger_id = 'village-5' AND seq = 5")
    for name, ledger in ledgers.items():
        if name == "village-5":
            with pytest.raises(IntegrityError) as caught:
                ledger.verify()
            assert caught.value.fields["seq"] == 5
        else:
            ledger.verify()
        ledger.close()


def _waiting_on_a_lock(database: str, application: str) -> bool:
    import psycopg

    with psycopg.connect(database, autocommit=True) as db:
        row = db.execute("SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE "
                         "application_name = %s", (application,)).fetchone()
    return row is not None and row[0] == "Lock" and row[1] == "advisory"


def test_writers_on_two_ledgers_interleave(database: str) -> None:
    """While one writer holds its ledger's transaction open (a batch with its events in), a
    writer on another ledger commits without waiting, and its event is visible to others at
    once; a second writer on the first ledger, by contrast, waits on that ledger's lock."""
    from psycopg.conninfo import make_conninfo

    first, second = village(database, "east"), village(database, "west")
    done = threading.Event()
    blocked_done = threading.Event()
    errors: list[BaseException] = []

    def write(ledger: Ledger, key: str, finished: threading.Event) -> None:
        try:
            ledger.award("H0", "VOL-02", by=GRID, key=key,
                         occurred_at=START)
            finished.set()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    same = Ledger(PostgresStore(make_conninfo(database, application_name="same-ledger"),
                                "east"), clock=ManualClock(START))
    with first.batch() as batch:  # holds east's lock and transaction until the block ends
        batch.award("H1", "VOL-02", by=GRID, key="in-batch",
                    occurred_at=START)
        other = threading.Thread(target=write, args=(second, "other-ledger", done))
        other.start()
        other.join(timeout=60)
        assert done.is_set() and not errors  # committed while east's transaction is open
        reader = Ledger(PostgresStore(database, "west"))
        assert reader.head == second.head == 8
        reader.close()
        waiting = threading.Thread(target=write, args=(same, "same-ledger", blocked_done))
        waiting.start()
        deadline = time.monotonic() + 60
        while not _waiting_on_a_lock(database, "same-ledger"):
            assert time.monotonic() < deadline, "the second writer on east never waited"
            time.sleep(0.05)
        assert not blocked_done.is_set()
    waiting.join(timeout=60)
    assert not errors, errors
    assert blocked_done.is_set()
    assert first.head == 9  # the batch's event, then the waiting writer's
    for ledger in (first, second, same):
        ledger.verify()
        ledger.close()
