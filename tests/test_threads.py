"""One Ledger shared by threads, and several Ledger objects (or processes) on one store: commands
are never seen half applied, the chain never forks, and every read sees what others wrote."""

from __future__ import annotations

import random
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pendulum
import pytest

from pointsledger import (
    Actor,
    ChecklistItem,
    Ledger,
    PointsLedgerError,
    Reward,
    Rulebook,
    reports,
)
from pointsledger.testing import check_invariants

from .helpers import COMMITTEE, GRID, TZ

KEEPER = Actor("s-01", roles={"store_keeper"})
HOUSEHOLDS = [f"H{n:02d}" for n in range(12)]


def _rules() -> Rulebook:
    return Rulebook(
        "2026",
        [ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5),
         ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=3),
         ChecklistItem("COV-03", "焚烧秸秆", category="村规民约", points=-5)],
        rewards=[Reward("SOAP", "肥皂", cost=4, category="日用品")],
    )


def _village(ledger: Ledger) -> Ledger:
    """A village on the system clock: rules in force since a month ago, 12 households."""
    today = pendulum.now(TZ)
    ledger.adopt(_rules(), effective_from=today.subtract(days=30).date(), by=COMMITTEE,
                 resolution="村民代表会议表决通过")
    ledger.add_region("V1", "东沙沟村", kind="village", by=COMMITTEE)
    ledger.add_region("G1", "第一网格", kind="grid", parent="V1", by=COMMITTEE)
    for household in HOUSEHOLDS:
        ledger.register_household(household, grid="G1", head="户主", by=COMMITTEE)
    ledger.receive_stock("SOAP", 10_000, by=KEEPER, key="stock/SOAP")
    return ledger


def _worker(ledger: Ledger, n: int, steps: int, failures: list[BaseException]) -> None:
    """``steps`` mixed commands and reads; anything but a library refusal is a failure."""
    rng = random.Random(n)
    awards: list[str] = []
    try:
        for i in range(steps):
            household = rng.choice(HOUSEHOLDS)
            key = f"t{n}/{i}"
            now = pendulum.now(TZ)
            action = rng.random()
            try:
                if action < 0.35:
                    awards.append(ledger.award(household, "ENV-01", by=GRID, key=key,
                                               occurred_at=now).id)
                elif action < 0.45:
                    ledger.deduct(household, "COV-03", by=GRID, key=key, occurred_at=now)
                elif action < 0.55:
                    ledger.redeem(household, "SOAP", by=KEEPER, key=key)
                elif action < 0.6 and awards:
                    ledger.reverse(awards.pop(), reason="误录", by=COMMITTEE, key=key)
                elif action < 0.65:
                    with ledger.batch() as batch:
                        for j in range(3):
                            batch.award(rng.choice(HOUSEHOLDS), "VOL-01", by=GRID,
                                        key=f"{key}/{j}", occurred_at=now)
                elif action < 0.8:
                    balance = ledger.balance(household)
                    assert balance.available == balance.posted - balance.held
                elif action < 0.9:
                    assert sum(b.posted for b in ledger.balances().values()) == 0
                elif action < 0.95:
                    reports.balances(ledger).render("plain")
                else:
                    assert ledger.head >= 1 and ledger.stock("SOAP").free >= 0
            except PointsLedgerError:
                pass  # a refusal (not enough points, ...) is the library doing its job
    except BaseException as exc:
        failures.append(exc)


def _race(ledger: Ledger, threads: int, steps: int) -> None:
    failures: list[BaseException] = []
    workers = [threading.Thread(target=_worker, args=(ledger, n, steps, failures))
               for n in range(threads)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often: interleavings a slow day would bring
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == [], failures[:3]


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_eight_threads_share_one_ledger(backend: str, tmp_path: Path) -> None:
    """8 threads × 500 mixed commands, batches and reads on one Ledger: no error but the
    library's refusals, the chain verifies and every invariant holds."""
    ledger = _village(Ledger.in_memory(tz=TZ) if backend == "memory"
                      else Ledger.open(tmp_path / "v.db", tz=TZ, synchronous="OFF"))
    before = ledger.head
    _race(ledger, threads=8, steps=500)
    assert ledger.head - before > 1500  # most commands were recorded, not refused
    assert ledger.verify().events == ledger.head
    assert check_invariants(ledger) == []
    if backend == "sqlite":
        reopened = Ledger.open(tmp_path / "v.db")
        assert reopened.balances() == ledger.balances()
        reopened.close()
    ledger.close()


def test_a_ledger_made_in_one_thread_works_from_another(tmp_path: Path) -> None:
    """A SQLite ledger opened in one thread serves commands and reads from another."""
    ledger = _village(Ledger.open(tmp_path / "v.db", tz=TZ))
    results: list[object] = []

    def use() -> None:
        event = ledger.award("H01", "ENV-01", by=GRID, key="other-thread",
                             occurred_at=pendulum.now(TZ))
        results.append((event.points, ledger.balance("H01").posted))

    thread = threading.Thread(target=use)
    thread.start()
    thread.join()
    assert results == [(5, 5)]
    ledger.close()


def _shared(open_ledger: Callable[[], Ledger]) -> None:
    """Two Ledger objects on one store: each sees the other's writes on its next read."""
    writer = _village(open_ledger())
    reader = open_ledger()
    before = reader.balance("H01").posted
    event = writer.award("H01", "ENV-01", by=GRID, key=f"w/{uuid.uuid4().hex}",
                         occurred_at=pendulum.now(TZ))
    assert reader.balance("H01").posted == before + 5  # without `reader` writing
    assert reader.head == event.seq and reader.event(event.seq) == event
    assert [e.seq for e in reader.events(after=event.seq - 1)] == [event.seq]
    reader.award("H02", "ENV-01", by=GRID, key=f"r/{uuid.uuid4().hex}",
                 occurred_at=pendulum.now(TZ))
    assert writer.balances()["H02"].posted == reader.balance("H02").posted
    assert writer.refresh() == 0  # nothing new since its last read
    assert reader.verify() == writer.verify()
    writer.close()
    reader.close()


def test_two_ledgers_on_one_sqlite_file_read_each_others_writes(tmp_path: Path) -> None:
    """An award through one Ledger object is visible to the other's next balance()."""
    _shared(lambda: Ledger.open(tmp_path / "shared.db", tz=TZ))


def test_two_ledgers_on_one_postgres_ledger_read_each_others_writes() -> None:
    """The same on PostgreSQL, against the real server."""
    from .test_storage import pg_dsn

    dsn, name = pg_dsn(), f"shared-{uuid.uuid4().hex[:8]}"
    _shared(lambda: Ledger.open_postgres(dsn, name, tz=TZ))


def test_refresh_counts_what_it_took_in(tmp_path: Path) -> None:
    """refresh() returns how many events other writers appended since the last look."""
    path = tmp_path / "v.db"
    first = _village(Ledger.open(path, tz=TZ))
    second = Ledger.open(path)
    assert second.refresh() == 0
    for n in range(3):
        first.award("H01", "VOL-01", by=GRID, key=f"k{n}", occurred_at=pendulum.now(TZ))
    assert second.refresh() == 3 and second.refresh() == 0
    first.close()
    second.close()


def test_a_report_holds_the_ledger_still(monkeypatch: pytest.MonkeyPatch) -> None:
    """While a report reads the shared movement index, another thread's command waits for it
    (so no fold lands halfway through the report's columns)."""
    import time

    from pointsledger.reports import accounts

    ledger = _village(Ledger.in_memory(tz=TZ))
    ledger.award("H01", "VOL-01", by=GRID, key="first", occurred_at=pendulum.now(TZ))
    inside = threading.Event()
    real = accounts.movements_of  # type: ignore[attr-defined]

    def slow_index(of: Ledger) -> object:
        index = real(of)
        inside.set()
        time.sleep(0.3)  # the report is reading its columns
        return index

    monkeypatch.setattr(accounts, "movements_of", slow_index)
    moments: dict[str, float] = {}

    def report() -> None:
        reports.balances(ledger)
        moments["report done"] = time.monotonic()

    def command() -> None:
        inside.wait(5)
        ledger.award("H02", "VOL-01", by=GRID, key="during", occurred_at=pendulum.now(TZ))
        moments["award done"] = time.monotonic()

    threads = [threading.Thread(target=report), threading.Thread(target=command)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert moments["award done"] >= moments["report done"]
