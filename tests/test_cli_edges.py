"""Command-line edges, run in-process (and once as ``python -m pointsledger.cli``): each bad
file or bad input gives a one-line error on stderr and a non-zero exit, and leaves no file and
no write behind."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import pointsledger
from pointsledger import Ledger
from pointsledger.cli.main import main
from pointsledger.io.jsonl import import_jsonl
from pointsledger.io.rulefiles import ImportFailed, import_registry, load_rulebook
from tests.helpers import COMMITTEE

TOML = """
version = "2026"

[[items]]
code = "ENV-01"
title = "庭院环境整洁"
category = "环境卫生"
points = 5
"""
REGIONS = "code,name,kind,parent\nV01,东沙沟村,village,\nG01,第一网格,grid,V01\n"


def cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    out = io.StringIO()
    code = main(list(args), out=out)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, out.getvalue(), err


def one_line_error(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for word in words:
        assert word in lines[0], (word, lines[0])


def head_of(path: Path) -> tuple[int, str]:
    """The ledger's head: its number of events and last hash, verified."""
    with Ledger.open(path) as ledger:
        verified = ledger.verify()
        return verified.events, verified.head_hash


@pytest.fixture
def village(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A ledger file with a rulebook adopted and regions V01 > G01."""
    db = tmp_path / "v.db"
    (tmp_path / "rules.toml").write_text(TOML, encoding="utf-8")
    (tmp_path / "regions.csv").write_text(REGIONS, encoding="utf-8")
    assert cli("init", str(db), capsys=capsys)[0] == 0
    assert cli("adopt", str(db), str(tmp_path / "rules.toml"), "--effective-from",
               "2026-01-01", "--resolution", "决议", capsys=capsys)[0] == 0
    assert cli("register", str(db), "--regions", str(tmp_path / "regions.csv"),
               capsys=capsys)[0] == 0
    return db


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# -- reading commands on missing, empty and foreign files ------------------------------------


@pytest.mark.parametrize("command", [
    ["verify"], ["report", "{f}", "balances"], ["due"], ["export", "{f}", "{out}"],
    ["award", "{f}", "H001", "ENV-01", "--key", "k"],
])
def test_a_command_on_an_empty_file_writes_nothing(
        command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 0-byte file is refused with one line and stays 0 bytes, with no side files."""
    empty = tmp_path / "empty.db"
    empty.touch()
    args = [a.format(f=empty, out=tmp_path / "out.jsonl") for a in command]
    if args == command:  # the file comes right after the command name
        args = [command[0], str(empty), *command[1:]]
    code, out, err = cli(*args, capsys=capsys)
    assert code == 1 and out == ""
    one_line_error(err, "empty (0 bytes)", "left as it is")
    assert empty.stat().st_size == 0
    assert files(tmp_path) == {"empty.db"}


def test_verify_on_a_missing_file_creates_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing ledger file is a usage error and is not created."""
    code, _out, err = cli("verify", str(tmp_path / "none.db"), capsys=capsys)
    assert code == 2
    one_line_error(err, "no ledger file")
    assert files(tmp_path) == set()


@pytest.mark.parametrize("content", [b"hello, not a database\n", b"SQLite format 3\x00junk"])
def test_verify_on_a_file_that_is_not_a_ledger_leaves_it(
        content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A text file, or a broken SQLite file, is refused and left byte for byte."""
    path = tmp_path / "x.db"
    path.write_bytes(content)
    code, _out, err = cli("verify", str(path), capsys=capsys)
    assert code == 1
    one_line_error(err, "x.db")
    assert path.read_bytes() == content and files(tmp_path) == {"x.db"}


def test_another_applications_sqlite_file_is_left_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A SQLite file of another application is refused without even switching it to WAL."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE people (name TEXT)")
    db.close()
    before = path.read_bytes()
    code, _out, err = cli("report", str(path), "balances", capsys=capsys)
    assert code == 1
    one_line_error(err, "another application")
    assert path.read_bytes() == before and files(tmp_path) == {"other.db"}


def test_a_ledger_file_without_events_is_not_given_a_genesis(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file with the ledger's tables but no events (an interrupted init) gets no genesis."""
    path = tmp_path / "bare.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, data BLOB, hash BLOB)")
    db.close()
    before = path.read_bytes()
    code, _out, err = cli("verify", str(path), capsys=capsys)
    assert code == 1
    one_line_error(err, "no events")
    assert path.read_bytes() == before


def test_verify_still_verifies_a_good_file(village: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The read-only check lets a real ledger through."""
    code, out, _err = cli("verify", str(village), capsys=capsys)
    assert code == 0 and out.startswith("ok: ")


# -- init ---------------------------------------------------------------------------------------


def test_init_with_an_unknown_time_zone_leaves_no_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """init --tz Mars/Olympus fails with one line and creates no file."""
    code, _out, err = cli("init", str(tmp_path / "mars.db"), "--tz", "Mars/Olympus",
                          capsys=capsys)
    assert code == 1
    one_line_error(err, "Mars/Olympus")
    assert files(tmp_path) == set()


# -- adopt ---------------------------------------------------------------------------------------


def test_adopting_an_empty_checklist_is_refused(
        village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CSV checklist with a header and no rows is refused; the rulebook in force stays."""
    empty = tmp_path / "empty.csv"
    empty.write_text("code,title,category,points\n", encoding="utf-8")
    before = head_of(village)
    code, _out, err = cli("adopt", str(village), str(empty), "--version", "2027",
                          "--effective-from", "2027-01-01", "--resolution", "x", capsys=capsys)
    assert code == 1
    one_line_error(err, "ImportFailed", "no items")
    assert head_of(village) == before
    with pytest.raises(ImportFailed, match="no items"):
        load_rulebook(empty, version="2027")


def test_a_toml_rulebook_without_items_is_refused(tmp_path: Path) -> None:
    """The importer refuses a TOML rulebook with no [[items]] too."""
    path = tmp_path / "r.toml"
    path.write_text('version = "1"\n', encoding="utf-8")
    with pytest.raises(ImportFailed, match="no items"):
        load_rulebook(path)


# -- registry duplicates -------------------------------------------------------------------------


def test_identical_duplicate_households_are_refused(
        village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two identical household rows are refused, naming both row numbers; nothing written."""
    csv_file = tmp_path / "households.csv"
    csv_file.write_text("household,grid,head\nH001,G01,张三\nH002,G01,李四\nH001,G01,张三\n",
                        encoding="utf-8")
    before = head_of(village)
    code, _out, err = cli("register", str(village), "--households", str(csv_file),
                          capsys=capsys)
    assert code == 1
    one_line_error(err, "households row 4", "column 'household'", "value 'H001'",
                   "repeats row 2")
    assert head_of(village) == before


def test_conflicting_duplicate_households_name_their_column_and_value(
        village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A household repeated with another head is named by column head and its value."""
    csv_file = tmp_path / "households.csv"
    csv_file.write_text("household,grid,head\nH001,G01,张三\nH001,G01,李四\n",
                        encoding="utf-8")
    before = head_of(village)
    code, _out, err = cli("register", str(village), "--households", str(csv_file),
                          capsys=capsys)
    assert code == 1
    one_line_error(err, "households row 3", "column 'head'", "value '李四'", "row 2",
                   "'张三'")
    assert head_of(village) == before


def test_a_row_conflicting_with_the_ledger_names_its_column(village: Path,
                                                            tmp_path: Path) -> None:
    """A household already registered with another head is named by column and value."""
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("household,grid,head\nH001,G01,张三\n", encoding="utf-8")
    second.write_text("household,grid,head\nH001,G01,王五\n", encoding="utf-8")
    with Ledger.open(village) as ledger:
        assert import_registry(ledger, by=COMMITTEE, households=first) == 1
        assert import_registry(ledger, by=COMMITTEE, households=first) == 0  # idempotent
        head = ledger.head
        with pytest.raises(ImportFailed) as caught:
            import_registry(ledger, by=COMMITTEE, households=second)
        (problem,) = caught.value.problems
        assert (problem.row, problem.column, problem.value) == (2, "head", "王五")
        assert "'张三'" in problem.reason
        assert ledger.head == head


def test_duplicate_members_and_regions_are_refused(village: Path, tmp_path: Path) -> None:
    """Member and region tables are checked for repeated ids the same way."""
    regions, members = tmp_path / "r.csv", tmp_path / "m.csv"
    regions.write_text(REGIONS + "G02,第二网格,grid,V01\nG02,第二网格,grid,V01\n",
                       encoding="utf-8")
    members.write_text("member,household,name,roles\nM1,H001,张三,resident\n"
                       "M1,H001,张三,resident;volunteer\n", encoding="utf-8")
    households = tmp_path / "h.csv"
    households.write_text("household,grid,head\nH001,G01,张三\n", encoding="utf-8")
    with Ledger.open(village) as ledger:
        head = ledger.head
        with pytest.raises(ImportFailed) as caught:
            import_registry(ledger, by=COMMITTEE, regions=regions, households=households,
                            members=members)
        found = {(p.table, p.row, p.column, p.value) for p in caught.value.problems}
        assert found == {("regions", 5, "code", "G02"),
                         ("members", 3, "roles", "resident;volunteer"),
                         # the same rows as the fixture's, but by another actor
                         ("regions", 2, "code", "V01"), ("regions", 3, "code", "G01")}
        assert ledger.head == head


# -- JSON Lines ---------------------------------------------------------------------------------


def test_a_jsonl_line_that_is_not_utf8_is_named(
        village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """import names the line that is not UTF-8 in one line and creates no file."""
    export = tmp_path / "v.jsonl"
    assert cli("export", str(village), str(export), capsys=capsys)[0] == 0
    lines = export.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace("东".encode(), b"\xff\xfe") if "东".encode() in lines[1] \
        else lines[1][:-2] + b"\xff" + lines[1][-2:]
    export.write_bytes(b"".join(lines))
    target = tmp_path / "copy.db"
    code, _out, err = cli("import", str(export), str(target), capsys=capsys)
    assert code == 1
    one_line_error(err, "IntegrityError", "line 2", "not UTF-8")
    assert not target.exists() and not any(p.name.startswith("copy.db")
                                           for p in tmp_path.iterdir())
    with pytest.raises(pointsledger.IntegrityError, match="line 2: not UTF-8"):
        import_jsonl(export)


def test_export_refuses_an_existing_file_unless_forced(
        village: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """export does not overwrite a file it did not make (a rulebook, a report) by mistake:
    exit 2 naming the file, which is left as it was; ``--force`` replaces it with the export."""
    rules = tmp_path / "rules.toml"
    rules.write_text(TOML, encoding="utf-8")
    code, _out, err = cli("export", str(village), str(rules), capsys=capsys)
    assert code == 2
    one_line_error(err, str(rules), "already exists", "--force")
    assert rules.read_text(encoding="utf-8") == TOML
    assert cli("export", str(village), str(rules), "--force", capsys=capsys)[0] == 0
    assert import_jsonl(rules).head == head_of(village)[0]
    for folder in (tmp_path, tmp_path / "missing" / "v.jsonl"):
        code, _out, err = cli("export", str(village), str(folder), "--force", capsys=capsys)
        assert code == 2 and ("is a folder" in err or "no folder" in err), err
        one_line_error(err, str(folder.parent if folder.name == "v.jsonl" else folder))
    assert not list(tmp_path.glob("*.partial"))


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    """``python -m pointsledger.cli`` (this source) refuses bad bytes in one line, exit 1."""
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'\xff\xfe{"seq": 1}\n')
    source = str(Path(pointsledger.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": source}
    done = subprocess.run([sys.executable, "-m", "pointsledger.cli", "import", str(bad),
                           str(tmp_path / "n.db")], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 1
    one_line_error(done.stderr, "line 1: not UTF-8")
    assert files(tmp_path) == {"bad.jsonl"}
