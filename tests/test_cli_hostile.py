"""The command line under attack: what a hostile or careless user types must end in a clear
message and the documented exit code, never a traceback, and never harm the ledger file.

Each test here failed before its fix (see the commit that added it)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from pointsledger import Ledger
from pointsledger.cli.main import main

TOML = """
version = "2026"

[[items]]
code = "ENV-01"
title = "庭院环境整洁"
category = "环境卫生"
points = 5
"""


def cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command in-process: (exit code, stdout, stderr); an exception escaping
    ``main`` (a traceback for the user) fails the test."""
    capsys.readouterr()
    out = io.StringIO()
    try:
        code = main(list(args), out=out)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, out.getvalue() + captured.out, captured.err


def head_of(path: Path) -> tuple[int, str]:
    """The ledger's verified head: its number of events and last hash."""
    with Ledger.open(path) as ledger:
        verified = ledger.verify()
        return verified.events, verified.head_hash


@pytest.fixture
def village(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A ledger file with a rulebook, a grid, household H001 and one award to it."""
    db = tmp_path / "v.db"
    (tmp_path / "rules.toml").write_text(TOML, encoding="utf-8")
    for command in (
        ["init", str(db)],
        ["adopt", str(db), str(tmp_path / "rules.toml"), "--effective-from", "2026-01-01",
         "--resolution", "决议"],
        ["add-region", str(db), "V01", "东沙沟村", "village"],
        ["add-region", str(db), "G01", "第一网格", "grid", "--parent", "V01"],
        ["register-household", str(db), "H001", "G01", "张三"],
        ["award", str(db), "H001", "ENV-01", "--key", "award/1"],
    ):
        code, _, err = cli(*command, capsys=capsys)
        assert code == 0, err
    return db


# -- an output file that is the ledger itself ----------------------------------------------


def _aliases(db: Path, how: str) -> Path:
    """Another name for the ledger ``db`` (or its WAL side file)."""
    if how == "same":
        return db
    if how == "relative":
        return Path(os.path.relpath(db))
    if how == "symlink":
        link = db.parent / "link.db"
        link.symlink_to(db)
        return link
    if how == "hardlink":
        link = db.parent / "hard.db"
        os.link(db, link)
        return link
    assert how == "wal"
    return Path(str(db) + "-wal")


@pytest.mark.parametrize("how", ["same", "relative", "symlink", "hardlink", "wal"])
@pytest.mark.parametrize("command", [
    ["export", "{db}", "{out}"],
    ["report", "{db}", "balances", "--output", "{out}"],
    ["report", "{db}", "balances", "--format", "csv", "--out", "{out}"],
])
def test_writing_an_output_over_the_ledger_is_refused(
        village: Path, how: str, command: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``export v.db v.db`` used to truncate the ledger to 0 bytes (and print a traceback);
    ``report v.db balances --output v.db`` replaced it with a table. Now: a usage error naming
    the file, and the ledger as it was."""
    monkeypatch.chdir(village.parent)
    before = head_of(village)
    out = _aliases(village, how)
    code, _, err = cli(*[a.format(db=village, out=out) for a in command], capsys=capsys)
    assert code == 2, err
    assert "would destroy the ledger" in err and repr(str(out)) in err
    assert head_of(village) == before


def test_an_output_beside_the_ledger_is_still_written(
        village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The guard refuses only the ledger and its side files: a neighbour is fine."""
    out = village.parent / "v.db.jsonl"
    code, _, err = cli("export", str(village), str(out), capsys=capsys)
    assert code == 0, err
    assert out.read_text(encoding="utf-8").count("\n") == head_of(village)[0] + 1


# -- naming an entry with digits int() refuses ---------------------------------------------


@pytest.mark.parametrize("name", ["²", "①", "٣²", "₇"])
def test_an_entry_named_by_a_digit_int_refuses_is_an_unknown_entry(
        village: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``str.isdigit`` is true for superscripts and circled digits, which ``int`` refuses:
    ``reverse v.db ²`` ended in a ValueError traceback. Now it is looked up as a key."""
    before = head_of(village)
    code, _, err = cli("reverse", str(village), name, "--reason", "x", "--key", "r/1",
                       capsys=capsys)
    assert code == 1
    assert "UnknownEntry" in err and repr(name) in err
    assert head_of(village) == before


def test_fullwidth_digits_still_name_an_entry(
        village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A sequence number typed with an IME's fullwidth digits still names the event."""
    events, _ = head_of(village)  # the last event is the award
    fullwidth = "".join(chr(ord("０") + int(d)) for d in str(events))
    code, out, err = cli("reverse", str(village), fullwidth, "--reason", "记错了", "--key",
                         "r/1", "--json", capsys=capsys)
    assert code == 0, err
    assert json.loads(out)["event"]["original"] == events
