"""``pointsledger due --as-of``: the due jobs run as of a past moment, as the library's
``run_due(as_of)`` does (before, the command line had no way to say when, so a missed nightly
run could not be caught up date by date). What a run writes is in its JSON, and a second run
at the same moment writes nothing."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import pointsledger

SOURCE = str(Path(pointsledger.__file__).parents[1])


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    found = subprocess.run([sys.executable, "-m", "pointsledger", *args], capture_output=True,
                           text=True, cwd=cwd, timeout=300,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(cwd),
                                "PYTHONPATH": SOURCE})
    assert "Traceback" not in found.stderr, found.stderr
    return found


def head(path: Path) -> int:
    with sqlite3.connect(path) as db:
        count: int = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    return count


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("due")
    assert run("demo", "town.db", "--households", "40", cwd=folder).returncode == 0
    return folder / "town.db"


def due(path: Path, *options: str) -> dict[str, object]:
    before = head(path)
    done = run("due", str(path), "--json", *options, cwd=path.parent)
    assert done.returncode == 0, done.stderr
    found: dict[str, object] = json.loads(done.stdout)
    counts = found["counts"]
    events = found["events"]
    assert isinstance(counts, dict) and isinstance(events, list)
    assert head(path) - before == len(events) == sum(counts.values())
    assert [e["seq"] for e in events] == list(range(before + 1, head(path) + 1))
    return counts


def test_due_as_of_catches_up_date_by_date(town: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    copy.write_bytes(town.read_bytes())
    steps = ["2025-12-31T23:59", "2026-01-20", "2026-03-01"]
    runs = [due(copy, "--as-of", moment) for moment in steps]
    assert not any(runs[0].values())  # the demo ran its jobs through its year
    # a wish whose time on the wall ran out in January lapses then, and the next in February
    assert runs[1]["lapse_due"] == runs[2]["lapse_due"] == 1
    for moment in steps:  # the same moment again: nothing more is due
        assert not any(due(copy, "--as-of", moment).values())
    due(copy)
    assert not any(due(copy).values())


@pytest.mark.parametrize(("moment", "code", "says"), [
    ("2999-01-01", 1, "after the ledger clock"),
    ("2025-02-30", 2, "not a date or time: '2025-02-30'"),
    ("1960-01-01", 2, "before 1970"),
])
def test_due_refuses_a_bad_moment_and_writes_nothing(town: Path, moment: str, code: int,
                                                     says: str) -> None:
    before = head(town)
    done = run("due", str(town), "--as-of", moment, "--json", cwd=town.parent)
    assert done.returncode == code and says in done.stderr
    assert json.loads(done.stdout)["ok"] is False
    assert head(town) == before


def test_a_locked_file_is_named_locked_not_unusable(tmp_path: Path) -> None:
    """While another program holds a new file's write lock past the timeout, opening it says
    so (before: "is not a usable pointsledger SQLite file: database is locked", which sent
    the user looking for a damaged file)."""
    from pointsledger import StoreError
    from pointsledger.storage import SQLiteStore

    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match=r"is locked by another writer \(waited 0.1 s\)"):
            SQLiteStore(path, timeout=0.1)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_ledger_opens_and_reads_while_another_writer_holds_its_lock(town: Path,
                                                                      tmp_path: Path) -> None:
    """Opening a ledger file that is one already writes nothing, so a reader (a report, a
    verify) opens and reads while a writer's transaction (a long batch) is open, as SQLite's
    WAL allows; before, every open took the write lock and waited out the timeout."""
    from pointsledger import Ledger
    from pointsledger.storage import SQLiteStore

    copy = tmp_path / "busy.db"
    copy.write_bytes(town.read_bytes())
    events = head(copy)
    other = sqlite3.connect(copy, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Ledger(SQLiteStore(copy, timeout=0.1)) as ledger:
            assert ledger.head == events
            ledger.verify()
        report = run("report", str(copy), "balances", "--format", "csv", cwd=tmp_path)
        assert report.returncode == 0 and "H0001" in report.stdout, report.stderr
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_an_unknown_option_names_its_subcommand_in_the_json(
        capsys: pytest.CaptureFixture[str]) -> None:
    """``due FILE --bogus --json``: the main parser reports a subcommand's unknown option, and
    the JSON object said ``"command": null``; it names ``due``."""
    import io

    from pointsledger.cli.main import main

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        main(["due", "x.db", "--bogus", "--json"], out=out)
    assert exit_.value.code == 2
    assert json.loads(out.getvalue()) == {
        "ok": False, "command": "due",
        "error": {"code": "usage", "status": 400, "message": "unrecognized arguments: --bogus",
                  "fields": {}}}
    assert "--bogus" in capsys.readouterr().err
