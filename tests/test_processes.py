"""Real processes on one SQLite file: concurrent writers never fork the chain or lose or
duplicate an event; a writer killed with SIGKILL mid-batch leaves the last committed batch."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from pointsledger import Ledger, ManualClock
from pointsledger.core.events import Deducted

from .helpers import START, make_village

WRITER = textwrap.dedent("""
    import os
    import sys
    import time
    import pendulum
    from pointsledger import Actor, Ledger, ManualClock
    path, name, count, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    go = sys.argv[5]
    clock = ManualClock(pendulum.datetime(2026, 3, 3, 9, tz="Asia/Shanghai"))
    if path.startswith("postgres:"):
        dsn, _, ledger_id = path[len("postgres:"):].rpartition("|")
        ledger = Ledger.open_postgres(dsn, ledger_id, clock=clock)
    else:
        ledger = Ledger.open(path, clock=clock)
    if go != "-":  # start together: say we are ready, wait for the go file
        print("ready", flush=True)
        while not os.path.exists(go):
            time.sleep(0.001)
    grid = Actor("g-07", roles={"grid_worker"})
    households = ["H001", "H002", "H003", "H004"]
    n = 0
    while count == 0 or n < count:
        if batch:
            with ledger.batch() as b:
                for _ in range(batch):
                    b.deduct(households[n % 4], "COV-03", by=grid, key=f"{name}-{n}",
                             occurred_at=clock())
                    n += 1
            print(n, flush=True)
            time.sleep(0.001)  # an app does other work between batches
        else:
            ledger.deduct(households[n % 4], "COV-03", by=grid, key=f"{name}-{n}",
                          occurred_at=clock())
            n += 1
            time.sleep(0.001)  # an app does other work between commands
""")


def writer(tmp_path: Path, *args: object, go: Path | None = None) -> subprocess.Popen[str]:
    """A writer process; with ``go``, it opens its ledger, prints ``ready`` and waits for
    the file ``go`` to exist (see :func:`together`)."""
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.Popen([sys.executable, str(script), *map(str, args), str(go or "-")],
                            stdout=subprocess.PIPE, text=True, env=env)


def together(tmp_path: Path, *writers: tuple[object, ...]) -> list[subprocess.Popen[str]]:
    """Start writers that begin writing at the same moment, however slowly each started (a
    fixed start time let one finish before the other had imported on a busy machine)."""
    go = tmp_path / "go"
    processes = [writer(tmp_path, *args, go=go) for args in writers]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    go.touch()
    return processes


def deductions(path: Path) -> list[str]:
    ledger = Ledger.open(path, clock=ManualClock(START.add(days=2)))
    ledger.verify()
    keys = [e.key for e in ledger.events() if isinstance(e, Deducted)]
    ledger.close()
    return keys


def test_two_processes_append_without_losing_or_duplicating(tmp_path: Path) -> None:
    """Two processes write 400 commands each to one file at the same time: all 800 land,
    once, in one chain, interleaved."""
    path = tmp_path / "shared.db"
    make_village(str(path)).ledger.close()
    writers = together(tmp_path, *((path, name, 400, 0) for name in ("a", "b")))
    for process in writers:
        assert process.wait(timeout=120) == 0
    keys = deductions(path)
    assert len(keys) == len(set(keys)) == 800
    order = [k.split("-")[0] for k in keys]
    switches = sum(1 for x, y in itertools.pairwise(order) if x != y)
    assert switches >= 2, "the writers did not overlap: the race was not exercised"


def test_two_processes_writing_batches_take_turns(tmp_path: Path) -> None:
    """Two processes write 20 batches of 10 each to one file at the same time: each batch
    holds the write lock for its block, so none loses its append, and every batch lands whole
    and contiguous."""
    path = tmp_path / "batches.db"
    make_village(str(path)).ledger.close()
    writers = together(tmp_path, *((path, name, 200, 10) for name in ("a", "b")))
    for process in writers:
        assert process.wait(timeout=120) == 0
    keys = deductions(path)
    assert len(keys) == len(set(keys)) == 400
    runs = [len(list(group)) for _, group in itertools.groupby(k.split("-")[0] for k in keys)]
    assert all(run % 10 == 0 for run in runs)
    assert len(runs) >= 3, "the writers did not overlap: the turns were not exercised"


def test_sigkill_mid_batch_leaves_the_last_committed_batch(tmp_path: Path) -> None:
    """A writer killed while writing batches of 50 leaves whole batches only, and the file
    reopens and verifies."""
    path = tmp_path / "killed.db"
    make_village(str(path)).ledger.close()
    process = writer(tmp_path, path, "k", 0, 50)
    assert process.stdout is not None
    committed = 0
    deadline = time.monotonic() + 60
    while committed < 150 and time.monotonic() < deadline:
        committed = int(process.stdout.readline())
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    keys = deductions(path)
    assert len(keys) >= committed and len(keys) % 50 == 0
    assert keys == [f"k-{n}" for n in range(len(keys))]


def postgres_village(dsn: str, name: str) -> None:
    """A ledger ``name`` on the PostgreSQL server ``dsn`` with the test rulebook adopted and
    households H001-H004 registered in grid G, closed again for other processes to open."""
    from .helpers import COMMITTEE, TZ, rulebook

    ledger = Ledger.open_postgres(dsn, name, clock=ManualClock(START), tz=TZ)
    ledger.adopt(rulebook(), effective_from=START.date().subtract(days=60), by=COMMITTEE,
                 resolution="m")
    ledger.add_region("G", "网格", kind="grid", by=COMMITTEE)
    for h in ("H001", "H002", "H003", "H004"):
        ledger.register_household(h, grid="G", head=h, by=COMMITTEE)
    ledger.close()


def test_two_processes_on_one_postgres_ledger(tmp_path: Path) -> None:
    """The same race on PostgreSQL, one writer in batches: 2 x 200 commands land once each,
    in one verified chain."""
    import uuid

    from .test_storage import pg_dsn

    dsn, name = pg_dsn(), f"race-{uuid.uuid4().hex[:8]}"
    postgres_village(dsn, name)
    target = f"postgres:{dsn}|{name}"
    # one writer command by command, the other in batches of 10 holding the lock
    writers = together(tmp_path, *((target, w, 200, size) for w, size in (("a", 0), ("b", 10))))
    for process in writers:
        assert process.wait(timeout=120) == 0
    again = Ledger.open_postgres(dsn, name, clock=ManualClock(START.add(days=2)))
    again.verify()
    keys = [e.key for e in again.events() if isinstance(e, Deducted)]
    again.close()
    assert len(keys) == len(set(keys)) == 400
    order = [k.split("-")[0] for k in keys]
    assert sum(1 for x, y in itertools.pairwise(order) if x != y) >= 2
