"""docs/year.md, a village's year, runs as shown: its files saved, then every command in order in
an empty folder with the ledger clock at the time heading each block, each with the exit code
shown and every output line shown appearing, in order, in what it prints; and the files and
pages the guide names exist and hold what it says they hold.

The guide's commands are `pointsledger ...` (run in-process by the CLI's ``main``) and
`python SCRIPT.py ...` (a script saved from the page, run as ``__main__``). The only shell they
use is `> FILE` (the output written to a file) and `"$(head -n 1 FILE)"` (a file's first
line), both interpreted here as a shell would.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import runpy
import shlex
import sys
from pathlib import Path

import pendulum
import pytest

import pointsledger.ledger.ledger as ledger_module
from pointsledger import Anchor, Ledger, ManualClock
from pointsledger.cli.main import main
from tests.test_cli_session import shape

PAGE = Path(__file__).parent.parent / "docs" / "year.md"
TZ = "Asia/Shanghai"
FILE = re.compile(r"`([\w.-]+\.(?:toml|csv|py))`:\n\n```\w*\n(.*?)^```", re.S | re.M)
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
CLOCK = re.compile(r"# (\d{4}-\d{2}-\d{2} \d{2}:\d{2})")
HEAD = re.compile(r'"\$\(head -n 1 ([\w.-]+)\)"')

Step = tuple[str, str, list[str], int]
"""(clock reading, command, lines shown, exit code)."""


def files() -> dict[str, str]:
    """The files the page saves, by name."""
    return dict(FILE.findall(PAGE.read_text(encoding="utf-8")))


def steps() -> list[Step]:
    """The page's commands in order, each with the clock reading of its block."""
    found: list[Step] = []
    for block in CONSOLE.findall(PAGE.read_text(encoding="utf-8")):
        at = ""
        for line in block.splitlines():
            clock = CLOCK.fullmatch(line)
            if clock:
                at = clock.group(1)
            elif line.startswith("$ "):
                assert at, f"a command before any clock line: {line}"
                found.append((at, line[2:], [], 0))
            else:
                when, command, shown, _code = found[-1]
                code = re.fullmatch(r"\(exit (\d)\)", line)
                if code:
                    found[-1] = (when, command, shown, int(code.group(1)))
                elif line.strip():
                    shown.append(line)
    return found


def moment(text: str) -> pendulum.DateTime:
    """The time in a block's clock line (``2027-01-25 09:00``), in the village's zone."""
    return pendulum.from_format(text, "YYYY-MM-DD HH:mm", tz=TZ)


def run(command: str, folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """One command of the page: its exit code and what it printed (stdout, then stderr)."""
    command = HEAD.sub(
        lambda m: shlex.quote((folder / m.group(1)).read_text(encoding="utf-8")
                              .splitlines()[0]), command)
    words = shlex.split(command)
    target = None
    if ">" in words:
        at = words.index(">")
        words, target = words[:at], words[at + 1]
    program, *argv = words
    capsys.readouterr()
    out = io.StringIO()
    if program == "pointsledger":
        try:
            code = main(argv, out=out)
        except SystemExit as exit_:  # argparse's usage errors
            code = int(exit_.code or 0)
    else:
        assert program == "python", command
        script, *arguments = argv
        saved = sys.argv
        sys.argv = [script, *arguments]
        try:
            with contextlib.redirect_stdout(out):
                runpy.run_path(str(folder / script), run_name="__main__")
            code = 0
        finally:
            sys.argv = saved
    printed = capsys.readouterr()
    if target is not None:
        (folder / target).write_text(out.getvalue(), encoding="utf-8")
        return code, printed.out + printed.err
    return code, out.getvalue() + printed.out + printed.err


@pytest.fixture
def year(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Path:
    """The folder after the whole guide ran as shown."""
    clock = ManualClock(pendulum.datetime(2027, 1, 1, tz=TZ))
    monkeypatch.setattr(ledger_module, "system_clock", clock)
    monkeypatch.setattr(ledger_module, "_system_now_us", clock.now_us)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POINTSLEDGER_ACTOR", raising=False)
    monkeypatch.delenv("POINTSLEDGER_ROLES", raising=False)
    for name, text in files().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for at, command, shown, expected in steps():
        if moment(at) > clock():
            clock.set(moment(at))
        code, printed = run(command, tmp_path, capsys)
        assert "Traceback" not in printed, (at, command, printed)
        assert code == expected, (at, command, code, printed)
        actual = [shape(line) for line in printed.splitlines()]
        position = 0
        for line in shown:
            wanted = shape(line)
            matches = [n for n in range(position, len(actual)) if wanted in actual[n]]
            if not matches:
                pytest.fail(f"{at} {command}\n  shows {line!r}\n  but printed:\n{printed}")
            position = matches[0] + 1
    return tmp_path


def test_the_year_runs_as_shown(year: Path) -> None:
    """The guide's commands all ran with the exit codes and output shown (the fixture), and
    the files and pages it names exist and hold what it says."""
    with Ledger.open(str(year / "village.db")) as ledger:
        january = Anchor.parse((year / "anchor-2027-01.txt").read_text().splitlines()[0])
        closing = Anchor.parse((year / "anchor-2027.txt").read_text().splitlines()[0])
        assert ledger.verify(anchors=[january, closing]).events == ledger.head
        assert closing.seq == ledger.head  # nothing written after the closing anchor
        assert ledger.event(january.seq).recorded_at < ledger.event(closing.seq).recorded_at

        # the monthly 积分公示: every household, masked, and the anchor published with it
        notice = (year / "notice-2027-01.html").read_text(encoding="utf-8")
        assert notice.startswith("<!DOCTYPE html>")
        for masked in ("张*明", "李*华", "王*", "欧阳*明"):
            assert masked in notice
        for name in ("张三明", "李四华", "王五", "欧阳小明"):
            assert name not in notice
        assert str(january) in notice  # the anchor printed is the one at the page's foot
        december = (year / "notice-2027-12.html").read_text(encoding="utf-8")
        assert str(closing) in december

        # the star ratings as CSV for Excel, quarterly and annual: the table the report prints
        for period in ("2027-Q1", "2027"):
            text = (year / f"stars-{period}.csv").read_text(encoding="utf-8")
            assert text.startswith("\ufeff")
            rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
            printed = io.StringIO()
            assert main(["report", str(year / "village.db"), "star-households", "--period",
                         period, "--format", "json"], out=printed) == 0
            table = json.loads(printed.getvalue())
            assert rows[0] == [table["labels"][column] for column in table["columns"]]
            assert rows[1:] == [[str(row[column]) for column in table["columns"]]
                                for row in table["rows"]]
            assert {row[2] for row in rows[1:]} == {"张*明", "李*华", "王*", "欧阳*明"}
            if period == "2027":  # also as a workbook: the title, the labels, typed numbers
                import openpyxl

                sheet = openpyxl.load_workbook(year / "stars-2027.xlsx").active
                assert sheet is not None and sheet.freeze_panes == "A3"
                cells = list(sheet.iter_rows(values_only=True))
                assert cells[0][0] == table["title"]
                assert list(cells[1]) == rows[0]
                assert [list(row) for row in cells[2:2 + len(table["rows"])]] == [
                    [row[column] for column in table["columns"]] for row in table["rows"]]

        # the year-end clearing: nothing left posted; what expired is the 过期 column shown
        for household in ("H001", "H002", "H003", "H004"):
            assert ledger.balance(household).posted == 0
        assert ledger.balance("@expired").posted == sum(shown_column("balances", "过期"))

    # the nightly backups: a working copy of the ledger and a portable export
    with Ledger.open(str(year / "backup" / "village.db")) as backup:
        assert backup.verify(anchors=[january]).events == backup.head
    lines = (year / "backup" / "village.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) >= january.seq


def shown_column(report: str, label: str) -> list[int]:
    """A column of the table the page shows under `report ... REPORT`, as numbers."""
    for _at, command, shown, _code in steps():
        if f" {report} " in f"{command} " and "report" in command:
            rows = [[cell.strip() for cell in line.strip("|").split("|")]
                    for line in shown if line.startswith("|") and "---" not in line]
            at = rows[0].index(label)
            return [int(row[at]) for row in rows[1:]]
    raise AssertionError(f"no {report} table on the page")


def test_a_bad_sheet_writes_nothing(year: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As the page says of score.py: a sheet with a bad row is refused whole."""
    (year / "scores-bad.csv").write_text(
        "household,item,scorer\nH001,ENV-01,g-01\nH404,ENV-01,g-01\n", encoding="utf-8")
    with Ledger.open(str(year / "village.db")) as ledger:
        head = ledger.head
    with pytest.raises(Exception, match="H404"):
        run("python score.py village.db scores-bad.csv", year, capsys)
    with Ledger.open(str(year / "village.db")) as ledger:
        assert ledger.head == head


def test_the_guide_covers_the_year() -> None:
    """Each practice of the year appears as a command the suite runs."""
    used = " ".join(command for _at, command, _shown, _code in steps())
    for needed in ("init", "adopt", "register", "submit-claim", " object ", " uphold ",
                   "claims-notice", "python score.py", "deduct", "due", "notice-page", "red-board",
                   "black-board", "anchor", "close-period", "receive-stock", "--donor",
                   "redeem", "adjust-stock", "python nightly.py", "export", "verify",
                   "star-households --period 2027-Q1", "star-households --period 2027 ",
                   "--format xlsx", "-v due",
                   "--anchor"):
        assert needed in used, needed
    assert set(files()) >= {"rules.toml", "regions.csv", "households.csv", "members.csv",
                            "scores-2027-01.csv", "scores-2027-03.csv", "score.py",
                            "nightly.py"}
    times = [moment(at) for at, _c, _s, _e in steps()]
    assert times == sorted(times)
