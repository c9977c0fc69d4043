"""Real processes on one PostgreSQL database: a writer holding one ledger's lock never holds up
a writer on another ledger in the same database, and two processes sending the same commands
(the same keys) to one ledger write each once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from pointsledger import Ledger, ManualClock
from pointsledger.core.events import Deducted

from .helpers import START
from .test_processes import postgres_village, together
from .test_storage import pg_dsn

HOLDER = textwrap.dedent("""
    import os, sys, time
    import pendulum
    from pointsledger import Actor, Ledger, ManualClock
    dsn, ledger_id, released = sys.argv[1], sys.argv[2], sys.argv[3]
    clock = ManualClock(pendulum.datetime(2026, 3, 3, 9, tz="Asia/Shanghai"))
    ledger = Ledger.open_postgres(dsn, ledger_id, clock=clock)
    grid = Actor("g-07", roles={"grid_worker"})
    with ledger.batch() as batch:  # holds this ledger's lock and transaction
        batch.deduct("H001", "COV-03", by=grid, key="held", occurred_at=clock())
        print("holding", flush=True)
        for _ in range(120_000):  # until the other ledger's writer is done, at most ~2 min
            if os.path.exists(released):
                break
            time.sleep(0.001)
        else:
            sys.exit(3)  # the other writer never finished: it waited for this lock
    ledger.close()
""")


def deductions(dsn: str, name: str) -> list[str]:
    ledger = Ledger.open_postgres(dsn, name, clock=ManualClock(START.add(days=2)))
    ledger.verify()
    keys = [e.key for e in ledger.events() if isinstance(e, Deducted)]
    ledger.close()
    return keys


def test_a_writer_on_another_ledger_does_not_wait(tmp_path: Path) -> None:
    """East's writer holds its lock (an open batch) until west's writer in another process
    has committed all its commands: west never waits for east (had it waited, east would give
    up with exit 3 and west would hang)."""
    dsn, run = pg_dsn(), uuid.uuid4().hex[:8]
    east, west = f"east-{run}", f"west-{run}"
    for name in (east, west):
        postgres_village(dsn, name)
    script, released = tmp_path / "holder.py", tmp_path / "released"
    script.write_text(HOLDER, encoding="utf-8")
    holder = subprocess.Popen([sys.executable, str(script), dsn, east, str(released)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        (writer,) = together(tmp_path, (f"postgres:{dsn}|{west}", "w", 50, 0))
        try:
            assert writer.wait(timeout=120) == 0
        finally:
            writer.kill()
        released.touch()
        assert holder.wait(timeout=120) == 0
    finally:
        holder.kill()
    assert deductions(dsn, west) == [f"w-{n}" for n in range(50)]
    assert deductions(dsn, east) == ["held"]


def test_two_processes_sending_the_same_commands_write_each_once(tmp_path: Path) -> None:
    """Two processes send the same 150 commands (same keys, same requests) to one ledger at
    once, one in batches of 10: each lands once, in order, in one verified chain."""
    dsn, name = pg_dsn(), f"same-{uuid.uuid4().hex[:8]}"
    postgres_village(dsn, name)
    target = f"postgres:{dsn}|{name}"
    writers = together(tmp_path, (target, "k", 150, 0), (target, "k", 150, 10))
    for process in writers:
        assert process.wait(timeout=120) == 0
    assert deductions(dsn, name) == [f"k-{n}" for n in range(150)]
