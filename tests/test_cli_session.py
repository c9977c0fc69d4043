"""docs/cli.md's session "A village at the command line" runs as shown: every command in order
in an empty folder, with the exit code shown and every output line shown appearing, in order,
in what it prints (ids, times, dates, hashes and pickup codes compared by their shape)."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest

from pointsledger.cli.main import main

PAGE = Path(__file__).parent.parent / "docs" / "cli.md"
SECTION = ("## A village at the command line", "## The demo village")

_SHAPES = (
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?"),
     "<time>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "<date>"),
    (re.compile(r"\b(e\d+)-[0-9a-f]{12}\b"), r"\1-<hash>"),
    (re.compile(r"\b[0-9a-f]{16,64}\b"), "<hex>"),
    (re.compile(r"(取货码\): )\d+"), r"\1<code>"),
)


def shape(line: str) -> str:
    """A line with what changes from run to run replaced by placeholders."""
    for pattern, placeholder in _SHAPES:
        line = pattern.sub(placeholder, line)
    return line.rstrip()


def session() -> tuple[str, list[tuple[str, list[str], int]]]:
    """The rulebook and the commands of the session: (command, lines shown, exit code)."""
    text = PAGE.read_text(encoding="utf-8")
    part = text.split(SECTION[0], 1)[1].split(SECTION[1], 1)[0]
    rules = part.split("```toml\n", 1)[1].split("```", 1)[0]
    commands: list[tuple[str, list[str], int]] = []
    for block in re.findall(r"```console\n(.*?)```", part, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], [], 0))
                continue
            command, shown, _code = commands[-1]
            found = re.fullmatch(r"\(exit (\d)\)", line)
            if found:
                commands[-1] = (command, shown, int(found.group(1)))
            elif line.strip():
                shown.append(line)
    return rules, commands


def run(command: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """One command in-process: its exit code and everything it printed."""
    program, *argv = shlex.split(command)
    assert program == "pointsledger", command
    capsys.readouterr()
    out = io.StringIO()
    try:
        code = main(argv, out=out)
    except SystemExit as exit_:  # argparse's usage errors
        code = int(exit_.code or 0)
    printed = capsys.readouterr()
    return code, out.getvalue() + printed.out + printed.err


def test_the_session_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    rules, commands = session()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POINTSLEDGER_ACTOR", raising=False)
    monkeypatch.delenv("POINTSLEDGER_ROLES", raising=False)
    (tmp_path / "rules.toml").write_text(rules, encoding="utf-8")
    for command, shown, expected in commands:
        code, printed = run(command, capsys)
        assert "Traceback" not in printed, (command, printed)
        assert code == expected, (command, code, printed)
        actual = [shape(line) for line in printed.splitlines()]
        at = 0
        for line in shown:
            wanted = shape(line)
            try:
                at = actual.index(wanted, at) + 1
            except ValueError:
                pytest.fail(f"{command}\n  shows {line!r}\n  but printed:\n{printed}")


def test_the_session_uses_every_practice() -> None:
    """The session exercises the commands of each practice, refusals and usage errors."""
    _rules, commands = session()
    used = {shlex.split(command)[1] for command, _shown, _code in commands}
    assert {"submit-claim", "submit-wish", "place-order", "submit-time", "spend-time",
            "open-matter", "step", "cases", "case", "reserve", "hand-over", "receive-stock",
            "award", "deduct", "report", "due", "verify"} <= used
    steps = {shlex.split(command)[4] for command, _s, _c in commands
             if shlex.split(command)[1] == "step"}
    assert {"check", "approve", "object", "dismiss", "list", "claim", "fulfil", "confirm",
            "dispatch", "accept", "start", "finish", "record", "query", "answer",
            "close"} <= steps
    assert {code for _c, _s, code in commands} == {0, 1, 2}
    reports = {shlex.split(command)[3] for command, _s, _c in commands
               if shlex.split(command)[1] == "report"}
    assert {"matter-board", "matter-list", "case-board"} <= reports


def test_shapes_hide_only_what_changes() -> None:
    """The placeholders cover ids, times and codes, and keep the words and numbers."""
    assert shape("e12-3d9eb019d544  stepped") == "e12-<hash>  stepped"
    assert shape("started at 2026-11-28T07:29:49.538544+08:00: at most 0") == \
        "started at <time>: at most 0"
    assert shape("ok: 39 events, head c40943087fbf902e") == "ok: 39 events, head <hex>"
    assert shape("pickup code (取货码): 252255") == "pickup code (取货码): <code>"
    assert shape("H001: posted 5, pending 0") == "H001: posted 5, pending 0"
