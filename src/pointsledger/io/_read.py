"""Reading tables: the rows of a CSV file or of one sheet of an XLSX workbook.

CSV files are UTF-8, with or without a BOM, and have a header row. An XLSX workbook (the
``xlsx`` extra, openpyxl) has one sheet per table, each with a header row. Rows are dicts keyed
by the header, each with ``"_row"``, its row number in the file; empty rows are skipped and
cells are read without surrounding white space. A formula cell counts by its saved value; one
never saved, or saved as an error (``#DIV/0!``), is refused naming its cell. Text a writer
neutralised against spreadsheet formulas (``'=...``, ``'+...``, ``'-...``, ``'@...``:
`pointsledger.io._cells.spreadsheet_text`, as reports' CSV and `dump_rulebook` write it) is
read back as it was. A header naming a column twice is refused by name.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
from pathlib import Path
from typing import Any

from pointsledger.io._cells import ImportFailed, Row, RowProblem, fail, from_spreadsheet


def read_table(path: str | os.PathLike[str], sheet: str | None = None) -> list[Row]:
    """The rows of a CSV file or of one sheet of an XLSX workbook, as dicts keyed by the
    header; each row also has ``"_row"``, its row number in the file.

    Raises:
        ImportFailed: the file cannot be read as a table, or its header names a column twice.
    """
    return table_of(path, sheet)[1]


def table_of(path: str | os.PathLike[str], sheet: str | None = None
             ) -> tuple[list[str], list[Row]]:
    """The header (column names, without surrounding white space) and the rows of a CSV file
    or of one sheet of an XLSX workbook, as `read_table` gives them.

    Raises:
        ImportFailed: the file cannot be read as a table, or its header names a column twice.
    """
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            return _xlsx_rows(path, sheet)
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, KeyError) as exc:
        raise fail([RowProblem(0, "", str(path), f"cannot read the file: {exc}")],
                    str(path)) from None
    reader = csv.reader(io.StringIO(text))
    header = _header([h.strip() for h in next(reader, [])], path, sheet)
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        cells = [from_spreadsheet(v.strip()) for v in values]
        row: Row = dict(zip(header, cells, strict=False))
        for n, extra in enumerate(cells[len(header):], start=len(header) + 1):
            if extra:
                row[f"(column {n}, without a header)"] = extra
        row["_row"] = number
        rows.append(row)
    return header, rows


def _header(header: list[str], path: Path, sheet: str | None) -> list[str]:
    """The header, refusing a column named twice (a cell of the second would silently
    replace the first's)."""
    first: dict[str, int] = {}
    problems = []
    for number, name in enumerate(header, start=1):
        if name and first.setdefault(name, number) != number:
            problems.append(RowProblem(1, name, name, f"column {name!r} is named twice in the "
                                       f"header (columns {first[name]} and {number})",
                                       sheet or path.stem))
    if problems:
        raise fail(problems, str(path))
    return header


_ERRORS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                     "#GETTING_DATA", "#SPILL!", "#CALC!"))
"""The values a spreadsheet saves for a formula that failed (openpyxl reads them as text)."""


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[list[str], list[Row]]:
    book = _open_workbook(path)
    written = _open_workbook(path, formulas=True)
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise fail([RowProblem(0, "", sheet, f"no sheet {sheet!r}; sheets: {names}")],
                       str(path))
        name = sheet or names[0]
        # the saved values, and beside them what was typed, to tell an empty cell from a
        # formula whose value was never saved (a workbook written by a program, not Excel)
        found = zip(book[name].iter_rows(values_only=True),
                    written[name].iter_rows(values_only=True), strict=False)
        first = next(found, ((), ()))[0]
        header = _header([str(h).strip() if h is not None else "" for h in first], path, name)
        rows, problems = [], []
        for number, (values, typed) in enumerate(found, start=2):
            if all(v is None or str(v).strip() == "" for v in (*values, *typed)):
                continue
            row: Row = {h: _cell(v) for h, v in zip(header, values, strict=False)}
            row["_row"] = number
            rows.append(row)
            problems += [
                RowProblem(number, column, text, "a formula whose value was never saved: "
                           "open and save the workbook in Excel or WPS, or type the value",
                           name)
                for column, value, text in zip(header, values, typed, strict=False)
                if value is None and isinstance(text, str) and text.startswith("=")]
            problems += [
                RowProblem(number, column, value, f"{_formula(text)} ended in an error: "
                           "correct it in the workbook, or type the value", name)
                for column, value, text in zip(header, values, typed, strict=False)
                if isinstance(value, str) and value in _ERRORS]
        if problems:
            raise fail(problems, str(path))
        return header, rows
    finally:
        book.close()
        written.close()


def _formula(text: object) -> str:
    return f"the formula {text}" if isinstance(text, str) and text.startswith("=") else "the cell"


def _cell(value: object) -> Any:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int | bool) else from_spreadsheet(str(value).strip())


def sheet_names(path: Path) -> list[str]:
    """The names of an XLSX workbook's sheets.

    Raises:
        ImportFailed: the file is not an XLSX workbook.
    """
    book = _open_workbook(path)
    names = list(book.sheetnames)
    book.close()
    return names


def _open_workbook(path: Path, *, formulas: bool = False) -> Any:
    """The workbook, read-only, with each formula cell's saved value (``formulas``: its
    formula instead)."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - the xlsx extra is installed with the tests
        raise ImportFailed("reading .xlsx needs the xlsx extra: pip install "
                           "'pointsledger[xlsx]'", path=str(path)) from None
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=not formulas)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFailed(f"{path} is not an XLSX workbook: {exc}", path=str(path)) from None
