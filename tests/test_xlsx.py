"""Report tables written to .xlsx (reports.write_xlsx) and read back with openpyxl; rulebooks
through .xlsx and back."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pointsledger import ChecklistItem, Reward, Rulebook, ValidationError
from pointsledger.base.widths import column_widths, display_width
from pointsledger.io.rulefiles import dump_rulebook, load_rulebook
from pointsledger.reports import (
    Table,
    balances,
    category_summary,
    spreadsheet_cell,
    statement,
    visible_text,
    write_xlsx,
)
from tests.helpers import GRID, Village, budget, make_village

ROOT = Path(__file__).resolve().parent.parent


def _read(target: Path | io.BytesIO) -> Any:
    return openpyxl.load_workbook(target)


def _row(sheet: Any, n: int, width: int) -> list[Any]:
    return [sheet.cell(n, c).value for c in range(1, width + 1)]


def _filled(mem_village: Village) -> Village:
    ledger, clock = mem_village.ledger, mem_village.clock
    ledger.award("H001", "ENV-01", by=GRID, key="a1", memo="院落整洁")
    ledger.award("H002", "VOL-01", by=GRID, key="a2", memo="参加义务植树")
    ledger.deduct("H003", "COV-03", by=GRID, key="d1", memo="焚烧秸秆")
    clock.advance(hours=1)
    return mem_village


def test_a_report_reads_back_with_its_labels_numbers_and_frozen_header(
        mem_village: Village, tmp_path: Path) -> None:
    """A real report written to .xlsx has its title, labels and rows, numbers typed as
    numbers, and the header row frozen."""
    ledger = _filled(mem_village).ledger
    table = balances(ledger)
    path = tmp_path / "balances.xlsx"
    write_xlsx(table, path)
    sheet = _read(path).worksheets[0]
    assert sheet.title == table.title
    assert sheet["A1"].value == table.title
    assert tuple(_row(sheet, 2, len(table.columns))) == table.columns
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.auto_filter.ref.startswith("A2:")
    numbers = 0
    for n, row in enumerate(table.rows, start=3):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(n, c)
            if isinstance(value, int) and not isinstance(value, bool):
                assert cell.data_type == "n" and cell.value == value
                numbers += 1
            else:
                assert cell.value == (None if value is None else spreadsheet_cell(value))
    assert numbers >= len(table.rows)  # the figures really are numbers
    assert sheet.max_row == 2 + len(table.rows) + (1 + len(table.notes) if table.notes else 0)
    for n, note in enumerate(table.notes, start=4 + len(table.rows)):
        assert sheet.cell(n, 1).value == note


def test_several_reports_are_several_sheets_of_one_workbook(mem_village: Village) -> None:
    """Each table is its own sheet, in order; a negative deduction stays a negative number."""
    ledger = _filled(mem_village).ledger
    tables = [statement(ledger, "H003"), category_summary(ledger), balances(ledger)]
    out = io.BytesIO()
    write_xlsx(tables, out)
    book = _read(io.BytesIO(out.getvalue()))
    assert [s["A1"].value for s in book.worksheets] == [t.title for t in tables]
    sheet = book.worksheets[0]
    found = [sheet.cell(r, c).value for r in range(3, sheet.max_row + 1)
             for c in range(1, sheet.max_column + 1)]
    assert -5 in found


def test_hostile_text_is_never_a_formula_and_numbers_stay_numbers(tmp_path: Path) -> None:
    """Text a spreadsheet would run gets a leading quote as in the CSV form; control and
    reordering characters show as �; the number -5 stays -5."""
    table = Table("=HYPERLINK(\"x\")", ["户主", "积分", "=1+1"],
                  [("=cmd|' /C calc'!A0", -5, "@SUM(A1)"),
                   ("+1", decimal.Decimal("2.5"), "\x01bell\u202eevil"),
                   ("\tTAB", 1.5, None)], notes=["-3 说明"])
    path = tmp_path / "risky.xlsx"
    write_xlsx(table, path)
    sheet = _read(path).worksheets[0]
    assert sheet["A1"].value == "'=HYPERLINK(\"x\")"
    assert _row(sheet, 2, 3) == ["户主", "积分", "'=1+1"]
    assert _row(sheet, 3, 3) == ["'=cmd|' /C calc'!A0", -5, "'@SUM(A1)"]
    assert _row(sheet, 4, 3) == ["'+1", 2.5, "\ufffdbell\ufffdevil"]
    assert _row(sheet, 5, 3) == ["'\tTAB", 1.5, None]
    assert sheet["A7"].value == "'-3 说明"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert [sheet.cell(r, 2).data_type for r in (3, 4, 5)] == ["n", "n", "n"]


CELLS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=20),
)


@settings(max_examples=budget(30), deadline=None)
@given(st.integers(1, 4).flatmap(lambda width: st.tuples(
    st.text(max_size=20),
    st.lists(st.text(min_size=1, max_size=12), min_size=width, max_size=width, unique=True),
    st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=6),
    st.lists(st.text(max_size=20), max_size=2))))
@example(("\r=1", ["-0", "x"], [[3.3396392235892736e16, "\x00"]], ["a\r\nb"]))
def test_any_table_reads_back_cell_for_cell(drawn: tuple[str, list[str], list[list[Any]],
                                                          list[str]]) -> None:
    """For any table: numbers come back as the same numbers, every other value as its safe
    text, and the header is frozen."""
    title, columns, rows, notes = drawn
    table = Table(title, columns, rows, notes)
    out = io.BytesIO()
    write_xlsx(table, out)
    sheet = _read(io.BytesIO(out.getvalue())).worksheets[0]

    def safe(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        text = spreadsheet_cell(visible_text(value)).replace("\r\n", "\n").replace("\r", "\n")
        return text or None  # an empty text is an empty cell

    assert sheet.freeze_panes == "A3"
    assert sheet["A1"].value == safe(title)
    assert _row(sheet, 2, len(columns)) == [safe(c) for c in columns]
    for n, row in enumerate(rows, start=3):
        got = _row(sheet, n, len(columns))
        # openpyxl writes a float to 16 significant digits (Excel itself keeps 15)
        assert got == [pytest.approx(v, rel=1e-15) if isinstance(v, float) else safe(v)
                       for v in row]
        for value, cell in zip(row, [sheet.cell(n, c) for c in range(1, len(columns) + 1)],
                               strict=True):
            if isinstance(value, int | float) and not isinstance(value, bool):
                assert cell.data_type == "n"
            else:
                assert cell.data_type != "f"


def test_times_are_times_in_the_ledger_zone_and_dates_are_dates(tmp_path: Path) -> None:
    """An aware time is written as the wall time in ``tz``; a date as a date."""
    utc = pendulum.datetime(2026, 3, 2, 1, 30, tz="UTC")
    table = Table("时间", ["时间", "日期"], [(utc, dt.date(2026, 3, 2))])
    write_xlsx(table, tmp_path / "t.xlsx")
    write_xlsx(table, tmp_path / "u.xlsx", tz="UTC")
    shanghai = _read(tmp_path / "t.xlsx").worksheets[0]
    assert shanghai["A3"].value == dt.datetime(2026, 3, 2, 9, 30)
    assert shanghai["A3"].number_format == "yyyy-mm-dd hh:mm"
    assert shanghai["B3"].value == dt.datetime(2026, 3, 2)  # openpyxl reads dates as midnight
    assert shanghai["B3"].is_date and shanghai["B3"].number_format == "yyyy-mm-dd"
    assert _read(tmp_path / "u.xlsx").worksheets[0]["A3"].value == dt.datetime(2026, 3, 2, 1, 30)


def test_columns_are_as_wide_as_their_text_with_chinese_counting_double(tmp_path: Path) -> None:
    """A column of four Chinese characters is as wide as one of eight letters; a long column is
    kept to 60."""
    table = Table("宽度", ["环境卫生", "abcdefgh", "x", "长"],
                  [("志愿服务", "abcd", 5, "长" * 100)])
    write_xlsx(table, tmp_path / "w.xlsx")
    sheet = _read(tmp_path / "w.xlsx").worksheets[0]
    widths = [sheet.column_dimensions[c].width for c in "ABCD"]
    assert widths == [10, 10, 6, 60]
    assert display_width("环境卫生") == display_width("abcdefgh") == 8
    assert display_width("ａｂ") == 4 and display_width("e\u0301") == 1
    assert display_width("一\n二三") == 4
    assert column_widths([]) == []


def test_sheet_names_are_ones_excel_accepts_and_distinct() -> None:
    """Titles with characters Excel refuses, too long or repeated still give valid, distinct
    sheet names."""
    tables = [Table("2026/03 积分: 公示?", ["a"], []), Table("2026/03 积分: 公示?", ["a"], []),
              Table("长" * 40, ["a"], []), Table("", ["a"], [])]
    out = io.BytesIO()
    write_xlsx(tables, out)
    names = _read(io.BytesIO(out.getvalue())).sheetnames
    assert names == ["2026_03 积分_ 公示_", "2026_03 积分_ 公示_ (2)", "长" * 31, "Sheet"]


def test_no_tables_is_refused_by_name() -> None:
    """An empty list of tables is refused, naming the argument."""
    with pytest.raises(ValidationError, match="at least one table") as caught:
        write_xlsx([], io.BytesIO())
    assert caught.value.field == "tables"


def test_a_rulebook_round_trips_through_xlsx_for_editing_in_excel(tmp_path: Path) -> None:
    """dump_rulebook to .xlsx reads back equal (text that looks like a formula stays text);
    a village's edit in Excel (a new version, a changed value) is what the next load gives,
    and each sheet's header is frozen with columns wide enough for its text."""
    rules = Rulebook("2026", [
        ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5),
        ChecklistItem("COV-03", "=焚烧秸秆", category="村规民约", points=-5),
    ], rewards=[Reward("SOAP", "-肥皂+", cost=5)])
    path = dump_rulebook(rules, tmp_path / "rules.xlsx")
    assert load_rulebook(path) == rules
    book = openpyxl.load_workbook(path)
    items = book["items"]
    assert items.freeze_panes == "A2"
    header = [c.value for c in items[1]]
    title_column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index("title")]
    assert items.column_dimensions[title_column].width >= display_width("庭院环境整洁")
    book["settings"]["B2"] = "2027"
    items.cell(2, header.index("points") + 1).value = 6
    book.save(path)
    edited = load_rulebook(path)
    assert edited.version == "2027"
    assert edited.item("ENV-01").points == 6
    assert edited.item("COV-03") == rules.item("COV-03")


def _saved_values(path: Path, sheet: int, values: dict[str, str]) -> None:
    """Give formula cells a saved value, as Excel or WPS write it on save (``<v>`` beside
    ``<f>``); openpyxl writes the formula only."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    part = f"xl/worksheets/sheet{sheet}.xml"
    text = parts[part].decode()
    for ref, value in values.items():
        text, found = re.subn(rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f>(<v\s*/>|<v></v>)?',
                              rf"\1<f>\2</f><v>{value}</v>", text)
        assert found == 1, (ref, text)
    parts[part] = text.encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)


def test_a_formula_counts_by_its_saved_value_and_one_never_saved_is_named(
        tmp_path: Path) -> None:
    """A checklist whose points are a formula: saved by Excel (with its value) it loads with
    that value; written by a program that never computed it, the load is refused naming the
    sheet, row, column and formula (it used to read as an empty cell: "points missing")."""
    rules = Rulebook("2026", [
        ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5),
        ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=3)])
    path = dump_rulebook(rules, tmp_path / "rules.xlsx")
    book = openpyxl.load_workbook(path)
    items = book["items"]
    column = [c.value for c in items[1]].index("points") + 1
    items.cell(2, column).value = "=2*3"
    items.cell(3, column).value = "=1+1"
    book.save(path)
    with pytest.raises(ValidationError) as refused:
        load_rulebook(path)
    problems = refused.value.fields["problems"]
    assert [(p.table, p.row, p.column, p.value) for p in problems] == [
        ("items", 2, "points", "=2*3"), ("items", 3, "points", "=1+1")]
    assert all("never saved" in p.reason for p in problems)
    letter = openpyxl.utils.get_column_letter(column)
    _saved_values(path, book.sheetnames.index("items") + 1,
                  {f"{letter}2": "6", f"{letter}3": "2"})
    loaded = load_rulebook(path)
    assert (loaded.item("ENV-01").points, loaded.item("VOL-01").points) == (6, 2)



def _saved_error(path: Path, sheet: int, ref: str, error: str) -> None:
    """Give the formula cell ``ref`` a saved error value, as Excel writes a formula that
    failed (``t="e"``, ``<v>#DIV/0!</v>``); openpyxl writes the formula only."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    part = f"xl/worksheets/sheet{sheet}.xml"
    text, found = re.subn(rf'<c r="{ref}"([^>]*)><f>([^<]*)</f>(<v\s*/>|<v></v>)?',
                          rf'<c r="{ref}" t="e"\1><f>\2</f><v>{error}</v>',
                          parts[part].decode())
    assert found == 1, (ref, text)
    parts[part] = text.encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)


@pytest.mark.parametrize(("column", "formula", "error"), [
    ("title", "=1/0", "#DIV/0!"), ("category", "=NOSUCH()", "#NAME?"),
    ("points", "=A1+#REF!", "#REF!")])
def test_a_formula_saved_as_an_error_is_refused_naming_its_cell(
        tmp_path: Path, column: str, formula: str, error: str) -> None:
    """A formula whose saved value is an error (``#DIV/0!``, ``#NAME?``, ``#REF!``) is
    refused naming its sheet, row, column and error: it used to load as that text (a
    checklist item titled "#DIV/0!", which adopting would write to the ledger for good)."""
    rules = Rulebook("2026", [ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生",
                                            points=5)])
    path = dump_rulebook(rules, tmp_path / "rules.xlsx")
    book = openpyxl.load_workbook(path)
    items = book["items"]
    letter = openpyxl.utils.get_column_letter([c.value for c in items[1]].index(column) + 1)
    items[f"{letter}2"] = formula
    book.save(path)
    _saved_error(path, book.sheetnames.index("items") + 1, f"{letter}2", error)
    with pytest.raises(ValidationError) as refused:
        load_rulebook(path)
    problems = refused.value.fields["problems"]
    assert [(p.table, p.row, p.column, p.value) for p in problems] == [
        ("items", 2, column, error)]
    assert "error" in problems[0].reason and formula in problems[0].reason


def test_writing_a_workbook_writes_nothing_to_the_ledger(mem_village: Village) -> None:
    """A workbook is written from reports, which only read: the ledger's head does not move."""
    ledger = _filled(mem_village).ledger
    head = ledger.head
    write_xlsx([balances(ledger)], io.BytesIO())
    assert ledger.head == head


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line of this source tree, in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "pointsledger.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})


def test_the_command_line_writes_a_report_as_xlsx(tmp_path: Path) -> None:
    """``report FILE NAME --format xlsx --out FILE`` writes the report's workbook; without
    ``--out`` it is a usage error, and a page cannot be a workbook."""
    village = make_village(str(tmp_path / "village.db"))
    village.ledger.award("H001", "ENV-01", by=GRID, key="a1")
    expected = balances(village.ledger)
    village.ledger.close()
    done = _cli("report", "village.db", "balances", "--format", "xlsx", "--out", "b.xlsx",
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote b.xlsx ({len(expected.rows)} rows)"
    sheet = _read(tmp_path / "b.xlsx").worksheets[0]
    assert sheet["A1"].value == expected.title and sheet.freeze_panes == "A3"
    assert [tuple(r) for r in sheet.iter_rows(min_row=3, max_row=2 + len(expected.rows),
                                              values_only=True)] == list(expected.rows)
    missing = _cli("report", "village.db", "balances", "--format", "xlsx", cwd=tmp_path)
    assert missing.returncode == 2 and "--out" in missing.stderr
    page = _cli("report", "village.db", "wish-wall-page", "--format", "xlsx", "--out", "p.xlsx",
                cwd=tmp_path)
    assert page.returncode == 2 and not (tmp_path / "p.xlsx").exists()
