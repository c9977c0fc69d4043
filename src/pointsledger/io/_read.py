"""Reading tables: the rows of a CSV file or of one sheet of an XLSX workbook.

CSV files are UTF-8, with or without a BOM, and have a header row. An XLSX workbook (the
``xlsx`` extra, openpyxl) has one sheet per table, each with a header row. Rows are dicts keyed
by the header, each with ``"_row"``, its row number in the file; empty rows are skipped and
cells are read without surrounding white space.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
from pathlib import Path
from typing import Any

from pointsledger.io._cells import ImportFailed, Row, RowProblem, fail


def read_table(path: str | os.PathLike[str], sheet: str | None = None) -> list[Row]:
    """The rows of a CSV file or of one sheet of an XLSX workbook, as dicts keyed by the
    header; each row also has ``"_row"``, its row number in the file.

    Raises:
        ImportFailed: the file cannot be read as a table.
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
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        cells = [v.strip() for v in values]
        row: Row = dict(zip(header, cells, strict=False))
        for n, extra in enumerate(cells[len(header):], start=len(header) + 1):
            if extra:
                row[f"(column {n}, without a header)"] = extra
        row["_row"] = number
        rows.append(row)
    return rows


def _xlsx_rows(path: Path, sheet: str | None) -> list[Row]:
    book = _open_workbook(path)
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        raise fail([RowProblem(0, "", sheet, f"no sheet {sheet!r}; sheets: {names}")],
                    str(path))
    found = book[sheet or names[0]].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(found, ())]
    rows = []
    for number, values in enumerate(found, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        row: Row = {h: _cell(v) for h, v in zip(header, values, strict=False)}
        row["_row"] = number
        rows.append(row)
    book.close()
    return rows


def _cell(value: object) -> Any:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int | bool) else str(value).strip()


def sheet_names(path: Path) -> list[str]:
    """The names of an XLSX workbook's sheets.

    Raises:
        ImportFailed: the file is not an XLSX workbook.
    """
    book = _open_workbook(path)
    names = list(book.sheetnames)
    book.close()
    return names


def _open_workbook(path: Path) -> Any:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - the xlsx extra is installed with the tests
        raise ImportFailed("reading .xlsx needs the xlsx extra: pip install "
                           "'pointsledger[xlsx]'", path=str(path)) from None
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFailed(f"{path} is not an XLSX workbook: {exc}", path=str(path)) from None
