"""Excel output: report tables written as the sheets of an .xlsx workbook (the ``xlsx`` extra,
openpyxl), for the cadres who keep and print their village's figures in Excel or WPS.

Each report `Table` is one sheet: its title in row 1, its column labels in row 2 (bold, frozen
so they stay in view while scrolling, with a filter, and repeated on every printed page), its
rows below, and its notes after one empty row.

Invariants: a number (int, float, Decimal; not a bool) is written as a number, so a sum in
Excel counts it (a float to 16 significant digits; Excel keeps 15); a date or a time as a date
or a time (a time in the ledger's zone); every other value as text, made safe the way the CSV
form is (`spreadsheet_cell`: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a leading ``'``, so it is never run as a formula), with control,
zero-width and bidirectional-override characters shown as ``�`` (`visible_text`; an .xlsx file
cannot hold control characters at all), and line ends as ``\n``. Each column is as wide as its
widest label or cell, Chinese characters counting double
(`pointsledger.base.widths.column_widths`), at most 60 characters.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import os
import re
from collections.abc import Iterable
from typing import IO, Any

import pendulum

from pointsledger.base.periods import DEFAULT_TZ
from pointsledger.base.widths import column_widths
from pointsledger.errors import ValidationError
from pointsledger.reports.table import Table, spreadsheet_cell, visible_text

_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
"""Characters Excel does not allow in a sheet's name."""

_MAX_NAME = 31
"""The longest sheet name Excel allows."""


def write_xlsx(tables: Table | Iterable[Table], target: str | os.PathLike[str] | IO[bytes],
               *, tz: str = DEFAULT_TZ) -> None:
    """Write ``tables`` (one table or several) to an .xlsx workbook, a sheet per table.

    Args:
        tables: the report tables, in the order of their sheets. A sheet is named after its
            table's title (without the characters Excel refuses in a name, cut to 31
            characters, and numbered when two would have the same name).
        target: a path (an existing file is replaced) or a binary file object
            (``io.BytesIO``, an HTTP response).
        tz: the zone times are shown in (the ledger's; default Asia/Shanghai).

    Raises:
        ValidationError: no tables, or openpyxl is not installed (``pip install
            'pointsledger[xlsx]'``).
    """
    tables = [tables] if isinstance(tables, Table) else list(tables)
    if not tables:
        raise ValidationError("write_xlsx needs at least one table", field="tables")
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise ValidationError("writing .xlsx needs openpyxl: pip install 'pointsledger[xlsx]'",
                              extra="xlsx") from None
    book = openpyxl.Workbook()
    book.remove(book.active)
    names: set[str] = set()
    for table in tables:
        _write_sheet(book.create_sheet(_sheet_name(table.title, names)), table, tz)
    book.save(target)


def _sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name from a title that Excel accepts and that no earlier sheet has."""
    base = _SHEET_NAME.sub("_", visible_text(title)).strip().strip("'")[:_MAX_NAME] or "Sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[:_MAX_NAME - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def _write_sheet(sheet: Any, table: Table, tz: str) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.append([_text(table.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_text(label) for label in table.columns])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_value(v, tz) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, _dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, _dt.date):
                cell.number_format = "yyyy-mm-dd"
    if table.notes:
        sheet.append([])
        for note in table.notes:
            sheet.append([_text(note)])
    sheet.freeze_panes = "A3"
    last = get_column_letter(max(len(table.columns), 1))
    sheet.auto_filter.ref = f"A2:{last}{2 + len(table.rows)}"
    sheet.print_title_rows = "1:2"
    shown = [[_shown(v) for v in row] for row in (table.columns, *table.rows)]
    for n, width in enumerate(column_widths(shown), start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width


def _text(value: Any) -> str:
    """Text as a cell holds it: visible, never a formula, lines ending in ``\n`` (an .xlsx
    file keeps no carriage returns)."""
    text = str(spreadsheet_cell(visible_text(value)))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _value(value: Any, tz: str) -> Any:
    """A cell's value: a number, a date or time, or safe text (None as an empty cell)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _text(value)
    if isinstance(value, int | decimal.Decimal) or (isinstance(value, float)
                                                     and math.isfinite(value)):
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:  # Excel has no zones: the time as read in the ledger's
            value = pendulum.instance(value).in_timezone(tz).naive()
        return _dt.datetime(value.year, value.month, value.day, value.hour, value.minute,
                            value.second, value.microsecond)
    if isinstance(value, _dt.date):
        return _dt.date(value.year, value.month, value.day)
    return _text(value)


def _shown(value: Any) -> str:
    """A cell's text as wide as Excel shows it (for the column widths)."""
    if isinstance(value, _dt.datetime):
        return "2026-01-01 00:00"
    if isinstance(value, _dt.date):
        return "2026-01-01"
    return "" if value is None else str(value)
