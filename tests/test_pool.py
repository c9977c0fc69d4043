"""The ledger pool: ledgers opened on demand, the most recently used kept (LRU), shared by real
threads, refreshed before use; on PostgreSQL opened from their snapshots."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from pathlib import Path

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import IntegrityError, Ledger, LedgerPool, ManualClock, NotFound, ValidationError
from pointsledger.storage import PostgresStore

from .helpers import COMMITTEE, GRID, START, TZ, budget, rulebook
from .test_storage import pg_dsn


def found(ledger: Ledger, households: int = 1) -> Ledger:
    """Give a new ledger a rulebook, a grid and ``households`` households."""
    ledger.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                 resolution="m")
    ledger.add_region("G1", "网格", kind="grid", by=COMMITTEE)
    for i in range(households):
        ledger.register_household(f"H{i}", grid="G1", head="张三", by=COMMITTEE)
    return ledger


class Files:
    """An opener of SQLite ledgers in a folder that records what it opened and when two
    threads were inside it for the same id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.calls: list[str] = []
        self.inside: set[str] = set()
        self.overlaps: list[str] = []
        self.opened: list[Ledger] = []
        self._lock = threading.Lock()

    def __call__(self, ledger_id: str) -> Ledger:
        with self._lock:
            self.calls.append(ledger_id)
            if ledger_id in self.inside:
                self.overlaps.append(ledger_id)
            self.inside.add(ledger_id)
        try:
            ledger = Ledger.open(self.folder / f"{ledger_id}.db", clock=ManualClock(START),
                                 tz=TZ, ledger_id=ledger_id)
            if ledger.head == 1:
                found(ledger)
            self.opened.append(ledger)
            return ledger
        finally:
            with self._lock:
                self.inside.discard(ledger_id)


def is_closed(ledger: Ledger) -> bool:
    try:
        ledger.store.head()
    except Exception:
        return True
    return False


@settings(max_examples=budget(20))
@given(size=st.integers(1, 4), uses=st.lists(st.integers(0, 6), max_size=16))
def test_the_pool_keeps_the_most_recently_used(tmp_path_factory: pytest.TempPathFactory,
                                               size: int, uses: list[int]) -> None:
    """Over any sequence of uses the pool holds exactly the ``size`` most recently used
    ledgers, in that order, opens a ledger only when it is not held, and closes those it lets
    go."""
    files = Files(tmp_path_factory.mktemp("pool"))
    model: OrderedDict[str, None] = OrderedDict()
    misses = 0
    with LedgerPool(files, size=size) as pool:
        for use in uses:
            name = f"v{use}"
            with pool.lease(name) as ledger:
                assert ledger.ledger_id == name and not is_closed(ledger)
            if name in model:
                model.move_to_end(name)
            else:
                misses += 1
                model[name] = None
                if len(model) > size:
                    model.popitem(last=False)
            assert pool.ids() == list(model)
            assert pool.opened == misses == len(files.calls)
        latest = {ledger.ledger_id: ledger for ledger in files.opened}
        held = {id(latest[name]) for name in model}
        for ledger in files.opened:
            assert is_closed(ledger) == (id(ledger) not in held)
    assert all(is_closed(ledger) for ledger in files.opened)


def test_a_leased_ledger_is_not_closed_under_its_user(tmp_path: Path) -> None:
    """A ledger in use when it falls out of the pool stays open until its lease ends, and is
    closed then."""
    pool = LedgerPool(Files(tmp_path), size=1)
    with pool.lease("a") as a:
        with pool.lease("b") as b:
            assert not is_closed(a) and not is_closed(b)
            assert pool.ids() == ["a", "b"]  # over size while both are in use
        assert pool.ids() == ["a"] and is_closed(b)  # b was the least recently used free one
        assert a.balance("H0").posted == 0
    with pool.lease("c"):
        assert is_closed(a)
    pool.close()
    with pytest.raises(ValidationError, match="closed"), pool.lease("a"):
        pass


def test_bad_sizes_and_ids_are_refused(tmp_path: Path) -> None:
    """A size below 1 and a blank ledger id are refused, naming them."""
    for bad in (0, -3, True):
        with pytest.raises(ValidationError, match="size"):
            LedgerPool(Files(tmp_path), size=bad)
    pool = LedgerPool(Files(tmp_path), size=2)
    with pytest.raises(ValidationError, match="ledger_id"), pool.lease(""):
        pass
    assert len(pool) == 0


def test_threads_share_the_pool(tmp_path: Path) -> None:
    """Eight threads record deductions across twelve ledgers through a pool of four: every one
    lands exactly once, no ledger is ever opened twice at the same time, and no ledger is
    closed while a thread uses it (a use of a closed ledger would raise)."""
    files = Files(tmp_path)
    pool = LedgerPool(files, size=4)
    errors: list[BaseException] = []
    rounds = 6

    def work(worker: int) -> None:
        try:
            for r in range(rounds):
                for v in range(12):
                    with pool.lease(f"v{(v + worker) % 12}") as ledger:
                        ledger.deduct("H0", "COV-03", by=GRID, key=f"{worker}/{r}/{v}",
                                      occurred_at=START)
                        assert ledger.balance("H0").posted <= -5
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert not files.overlaps
    assert len(pool) <= 4
    for v in range(12):
        with pool.lease(f"v{v}") as ledger:
            assert ledger.balance("H0").posted == -5 * 8 * rounds
            ledger.verify()
    pool.close()


def test_opening_one_ledger_holds_up_no_other(tmp_path: Path) -> None:
    """While a slow ledger is being opened, other ledgers are leased and used (the pool's lock
    is not held during the open), and a second thread asking for the slow one waits for that
    open instead of opening it again."""
    files = Files(tmp_path)
    entered, release = threading.Event(), threading.Event()

    def opener(ledger_id: str) -> Ledger:
        if ledger_id == "slow":
            entered.set()
            assert release.wait(60)
        return files(ledger_id)

    pool = LedgerPool(opener, size=8)
    heads: dict[str, int] = {}

    def use(name: str) -> None:
        with pool.lease(name) as ledger:
            heads[f"{name}/{threading.get_ident()}"] = ledger.head

    first = threading.Thread(target=use, args=("slow",))
    first.start()
    assert entered.wait(60)
    second = threading.Thread(target=use, args=("slow",))
    second.start()
    use("quick")  # done while "slow" is still opening
    assert [k for k in heads if k.startswith("quick")] and not any(
        k.startswith("slow") for k in heads)
    release.set()
    first.join()
    second.join()
    assert sum(1 for k in heads if k.startswith("slow")) == 2
    assert files.calls.count("slow") == 1 and pool.opened == 2
    pool.close()


def test_a_lease_sees_what_other_writers_appended(tmp_path: Path) -> None:
    """A pooled ledger is refreshed before each use: events another connection appended to
    its file since are there, at the lease or at the first read of a ledger from each()."""
    pool = LedgerPool(Files(tmp_path), size=2)
    with pool.lease("v1") as ledger:
        before = ledger.head
    other = Ledger.open(tmp_path / "v1.db", clock=ManualClock(START))
    other.award("H0", "ENV-01", by=GRID, key="elsewhere", occurred_at=START)
    with pool.lease("v1") as again:
        assert again is ledger
        assert again._state.seq == before + 1  # taken in by the lease itself, before any read
    other.award("H0", "VOL-02", by=GRID, key="later", occurred_at=START)
    for ahead in (0, 1):  # each() leaves it to the ledger's reads, which take it in first
        assert [v.balance("H0").posted for v in pool.each(["v1"], ahead=ahead)] == [7]
    other.close()
    pool.close()


def test_a_postgres_pool_opens_from_the_snapshot() -> None:
    """The PostgreSQL pool opens a ledger from its stored snapshot: with an early event edited
    behind the library's back (before the snapshot), the pool still opens it from the snapshot,
    while one that does not trust snapshots replays the log and refuses it; an unknown ledger
    id is refused unless the pool may create ledgers."""
    import psycopg

    dsn = pg_dsn()
    name = f"pool-{uuid.uuid4().hex[:8]}"
    ledger = found(Ledger(PostgresStore(dsn, name), clock=ManualClock(START), tz=TZ,
                          ledger_id=name))
    ledger.award("H0", "ENV-01", by=GRID, key="a", occurred_at=START)
    ledger.snapshot()
    ledger.award("H0", "VOL-02", by=GRID, key="b", occurred_at=START)
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("UPDATE pointsledger_events SET data = convert_to(replace(convert_from("
                   "data, 'UTF8'), '网格', '网络'), 'UTF8') WHERE ledger_id = %s AND seq = 3",
                   (name,))
    with LedgerPool.postgres(dsn, size=2, clock=ManualClock(START)) as pool:
        with pool.lease(name) as pooled:
            assert pooled.balance("H0").posted == 7  # the snapshot, then the event after it
            with pytest.raises(IntegrityError):
                pooled.verify()
        with pytest.raises(NotFound, match="no ledger"), pool.lease(f"missing-{name}"):
            pass
        assert pool.ids() == [name]
    with (LedgerPool.postgres(dsn, trust_snapshot=False) as careful,
          pytest.raises(IntegrityError), careful.lease(name)):
        pass
    with (LedgerPool.postgres(dsn, create=True, clock=ManualClock(START)) as creating,
          creating.lease(f"new-{name}") as new):
        assert new.head == 1 and new.ledger_id == f"new-{name}"
    ledger.close()


def test_a_read_of_several_parts_sees_one_state(tmp_path: Path) -> None:
    """Inside ``reading()`` (what every report holds) the ledger does not take in what another
    writer appended meanwhile, so the parts of a report agree (and a pooled ledger asks its
    store once per report, not once per part); after the block the next read takes it in."""
    pool = LedgerPool(Files(tmp_path), size=1)
    other = Ledger.open(tmp_path / "v1.db", clock=ManualClock(START))
    with pool.lease("v1") as ledger, ledger.reading():
        before = ledger.head
        other.award("H0", "ENV-01", by=GRID, key="meanwhile", occurred_at=START)
        assert ledger.head == before and ledger.balance("H0").posted == 0
    assert ledger.head == before + 1 and ledger.balance("H0").posted == 5
    other.close()
    pool.close()


@pytest.mark.parametrize("ahead", [0, 1, 3])
def test_each_goes_through_the_ledgers_in_order(tmp_path: Path, ahead: int) -> None:
    """``each`` yields the ledgers in the order asked, opening ``ahead`` of them in the
    background; the pool is back within its size after the loop, also after a loop left
    early (the ledgers opened ahead are given back), and the ledgers it kept still work."""
    files = Files(tmp_path)
    names = [f"v{n}" for n in range(9)]
    with LedgerPool(files, size=3) as pool:
        seen = [ledger.ledger_id for ledger in pool.each(names, ahead=ahead)]
        assert seen == names and len(pool) == 3 and pool.ids() == names[-3:]
        assert sorted(files.calls) == sorted(names) and not files.overlaps
        for ledger in pool.each(names[:5], ahead=ahead):
            if ledger.ledger_id == "v1":
                break
        with pool.lease("v8") as ledger:
            assert ledger.balance("H0").posted == 0
        assert len(pool) == 3
        assert [ledger.head for ledger in pool.each(pool.ids(), ahead=ahead)] == [4, 4, 4]
    assert all(is_closed(ledger) for ledger in files.opened)
    with pytest.raises(ValidationError, match="ahead"):
        next(LedgerPool(files).each(names, ahead=-1))
