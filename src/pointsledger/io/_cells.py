"""Cells of imported tables: how each is read, and the problems found while reading.

An import collects every bad cell as a `RowProblem` (table, row, column, value, reason) and
raises them together in one `ImportFailed`, so a clerk fixes a file in one pass. Cell readers
accept what a spreadsheet, a CSV file or a TOML file holds: numbers as numbers or as text
(full-width digits typed in a Chinese input method count), yes/no in English or Chinese, dates
as dates or ISO text, lists as arrays or text separated by ``;``.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from collections.abc import Callable
from typing import Any

import attrs

from pointsledger.base.checks import shown
from pointsledger.base.formulas import guard, unguard
from pointsledger.errors import PointsLedgerError, ValidationError

Row = dict[str, Any]


@attrs.frozen
class RowProblem:
    """One bad cell: the row number (the header is row 1; 0 for a table without rows), column,
    value and reason."""

    row: int
    column: str
    value: str
    reason: str
    table: str = ""

    def __str__(self) -> str:
        where = f"{self.table} " if self.table else ""
        row = f"row {self.row}, " if self.row else ""
        return f"{where}{row}column {self.column!r}, value {shown(self.value)}: {self.reason}"


class ImportFailed(ValidationError):
    """An import found bad rows; ``problems`` lists every one (nothing was written), and
    ``field`` and ``value`` name the first."""

    code = "import_failed"


def fail(problems: list[RowProblem], what: str) -> ImportFailed:
    """One problem on one line; several as a count and a line each."""
    first = problems[0]
    named = {"field": first.column, "value": first.value} if first.column else {}
    if len(problems) == 1:
        return ImportFailed(f"{what}: {first}; nothing was imported", problems=problems,
                            **named)
    lines = "\n".join(f"  {p}" for p in problems)
    return ImportFailed(f"{what}: {len(problems)} problem(s), nothing was imported\n{lines}",
                        problems=problems, **named)


class Cells:
    """Collects the problems of a table while its rows are read."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.problems: list[RowProblem] = []

    def add(self, row: Row | int, column: str, value: object, reason: str) -> None:
        """Record a problem with a cell of ``row`` (a row or its number)."""
        number = row if isinstance(row, int) else row.get("_row", 0)
        self.problems.append(RowProblem(number, column, _as_text(value), reason, self.table))

    def cell(self, row: Row, column: str, parse: Callable[[Any], Any], *,
             required: bool = True, default: Any = None) -> Any:
        """The cell ``column`` of ``row`` read by ``parse``; ``default`` (and a problem if
        ``required``) when empty; ``default`` and a problem when ``parse`` refuses it."""
        value = row.get(column, "")
        if value == "" or value is None:
            if required:
                self.add(row, column, "", "is required")
            return default
        try:
            return parse(value)
        except (ValueError, TypeError) as exc:
            reason = exc.message if isinstance(exc, PointsLedgerError) else str(exc)
            self.add(row, column, value, reason)
            return default

    def build(self, row: Row, make: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``make(*args, **kwargs)``, or None and a problem naming the column it refused."""
        try:
            return make(*args, **kwargs)
        except PointsLedgerError as exc:
            column = column_of(row, exc)
            self.add(row, column, row.get(column, exc.fields.get("value", "")), exc.message)
            return None

    def unknown(self, row: Row, known: tuple[str, ...], what: str = "column") -> None:
        """A problem for each key of ``row`` that is not in ``known``."""
        for key in row:
            if key != "_row" and key not in known:
                self.add(row, str(key), row[key], f"unknown {what} {key!r}; {what}s: "
                         f"{', '.join(known)}")


def _as_text(value: object) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def column_of(row: Row, exc: PointsLedgerError) -> str:
    """The column a refusal is about: the field it names, else the cell holding a value it
    names."""
    field = str(exc.fields.get("field", ""))
    if field in row:
        return field
    named = {str(v) for v in exc.fields.values()}
    found = next((c for c, v in row.items() if c != "_row" and v != "" and str(v) in named), "")
    return found or field


def spreadsheet_text(value: Any) -> Any:
    """``value`` as it is written into a CSV or XLSX cell: numbers, booleans and None as they
    are; text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading ``'`` so that a spreadsheet shows it instead of running it (the OWASP
    CSV-injection rule, as reports write their CSV), and text that already starts with ``'``
    before such a character gets one more, so `from_spreadsheet` undoes it exactly."""
    return guard(value) if isinstance(value, str) else value


from_spreadsheet = unguard
"""Undo `spreadsheet_text` on a cell's text (``'=SUM(A1)`` is read as ``=SUM(A1)``)."""


def whole(value: Any) -> int:
    """A whole number: an int (not a bool), or text of ASCII or full-width digits."""
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, int):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("not a whole number")
    if len(digits) > 30:  # beyond every bound, and before int() refuses it in its own words
        raise ValueError(f"a whole number of {len(digits):,} digits is beyond every bound")
    return int(text)


def optional_whole(value: Any) -> int | None:
    """A whole number, or None for ``none`` (no limit)."""
    if isinstance(value, str) and value.strip().lower() == "none":
        return None
    return whole(value)


def yes_no(value: Any) -> bool:
    """true/false, yes/no, 是/否, 1/0."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "是", "x"):
        return True
    if text in ("0", "false", "no", "n", "否"):
        return False
    raise ValueError("not yes or no (true/false, 是/否)")


def text(value: Any) -> str:
    """Text, without surrounding white space."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"must be text, got {shown(value)}")
    return str(value).strip()


def day(value: Any) -> _dt.date:
    """A date: a TOML or spreadsheet date, or ISO text (YYYY-MM-DD)."""
    if isinstance(value, _dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a time")
    if isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value).strip())


def words(value: Any) -> list[str]:
    """A list of words: an array, or text separated by ``;``."""
    if isinstance(value, list | tuple):
        return [text(v) for v in value]
    return [w.strip() for w in text(value).split(";") if w.strip()]
