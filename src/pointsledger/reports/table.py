"""Table: what every report returns, and how it renders (tabulate, CSV, JSON).

A table carries, beside its localized column labels, a stable key per column (``"date"``,
``"points"``, ...: the same under every locale) and its summary figures (a statement's opening
and closing balance, ...) as named values, so `Table.to_dict()` gives programs a form that
does not change with the locale or depend on parsing notes.

Invariants: every row has one value per column; there is one key per column, and keys are
unique; summary names are unique strings.

Safe outputs: the HTML form escapes everything it prints (title, headers, cells, notes), and the
CSV form neutralises every text cell a spreadsheet would run as a formula (one starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is given a leading ``'``, the OWASP rule;
see `spreadsheet_cell()`), so a household head named ``=cmd|' /C calc'!A0`` is shown as
text. Real numbers (ints, floats, decimals, such as the points ``-5``) stay numbers.
"""

from __future__ import annotations

import csv
import decimal
import html
import io
import json
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
from tabulate import tabulate

from pointsledger.base.formulas import guard, unguard
from pointsledger.base.jsonforms import to_json_value
from pointsledger.base.periods import DEFAULT_TZ
from pointsledger.errors import ValidationError


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


def _rows(value: Any) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(row) for row in value)


def _pairs(value: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((name, figure) for name, figure in items)


def spreadsheet_cell(value: Any) -> Any:
    """``value`` as it may be written into a spreadsheet (CSV or XLSX) cell.

    A number (int, float, Decimal; not a bool's text) is returned unchanged, so negative points
    stay numbers. Any other value is taken as its text, and text starting with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading ``'`` so that the spreadsheet shows
    it instead of running it as a formula (the OWASP CSV-injection rule). So that
    `from_csv()` can undo it exactly, text that already starts with ``'`` before such a
    character gets one more. None and booleans are returned unchanged.

    Examples: ``"=1+1"`` → ``"'=1+1"``, ``"-5"`` (text) → ``"'-5"``, ``-5`` → ``-5``,
    ``"张三"`` → ``"张三"``.
    """
    if value is None or isinstance(value, bool | numbers.Number | decimal.Decimal):
        return value
    return guard(str(value))


_from_spreadsheet = unguard  # undoes spreadsheet_cell() on a cell's text


_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f"
                        "\u202a-\u202e\u2060-\u2069\ufeff]")
"""Control characters, zero-width characters and bidirectional overrides: text that would
be invisible on a page, or reorder what is around it (a name ``\u202e...`` shown reversed)."""


def visible_text(value: Any) -> str:
    """``value``'s text with control (but tab and line ends), zero-width and
    bidirectional-override characters shown as ``�``: what a page or a spreadsheet shows
    can neither hide nor reorder what is around it."""
    return _INVISIBLE.sub("\ufffd", str(value))


def html_text(value: Any) -> str:
    """``value``'s text as it may go into an HTML page: escaped (``<`` → ``&lt;``, quotes
    too), with control, zero-width and bidirectional-override characters shown as ``�``
    (`visible_text`) so hostile text can neither run, hide nor reorder what a page
    shows."""
    return html.escape(visible_text(value))


def _html_cell(value: Any) -> str:
    """A cell's HTML text: nothing for None, a number as it prints, anything else as
    escaped text."""
    if value is None:
        return ""
    if isinstance(value, bool | numbers.Number | decimal.Decimal):
        return str(value)
    return html_text(value)


def _is_number(value: Any) -> bool:
    """A count or amount (not a flag): printed right-aligned, so digits line up."""
    return isinstance(value, numbers.Number | decimal.Decimal) and not isinstance(value, bool)


def _aligns(rows: Sequence[Sequence[Any]], width: int) -> list[str]:
    """Per column, ``"right"`` when it holds numbers and nothing else (empty cells aside),
    else ``"left"``."""
    aligns = []
    for n in range(width):
        values = [row[n] for row in rows if row[n] is not None]
        aligns.append("right" if values and all(map(_is_number, values)) else "left")
    return aligns


def _html_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """The ``<table>`` of a report: a header row and a row per row, every cell
    `_html_cell()`; the cells of a column of numbers (`_aligns()`, as in the text formats) are
    of class ``num``, right-aligned on printable pages, and a number in a column that mixes
    text stays left (tabulate's ``unsafehtml`` layout without its padding; written here because
    tabulate's column typing took most of a large page's time)."""
    head = "".join(f"<th>{html_text(c)}</th>" for c in columns)
    opening = ['<td class="num">' if align == "right" else "<td>"
               for align in _aligns(rows, len(columns))]
    body = "".join(
        "<tr>" + "".join(f"{td}{_html_cell(v)}</td>" for td, v in zip(opening, row, strict=True))
        + "</tr>\n" for row in rows)
    return f"<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}</tbody>\n</table>"


def _cell(value: Any, tz: str) -> Any:
    """A cell's JSON form; a value without one (an app's own type) as its text."""
    try:
        return to_json_value(value, tz)
    except ValidationError:
        return str(value)


@attrs.frozen
class Table:
    """A report's result: a title, column labels, rows of values and notes; a stable key per
    column and named summary figures.

    Attributes:
        title: the localized title.
        columns: the localized column labels.
        rows: one tuple of values per row, one value per column.
        notes: localized lines printed under the table.
        keys: a stable key per column, the same under every locale (default: the labels).
        summary: ``(name, value)`` pairs of the report's summary figures (opening and
            closing balance, totals, ...), with stable names; pass a mapping or pairs.

    Raises:
        ValueError: a row with the wrong number of values, the wrong number of keys, or a
            repeated key or summary name.
    """

    title: str
    columns: tuple[str, ...] = attrs.field(converter=_tuple)
    rows: tuple[tuple[Any, ...], ...] = attrs.field(converter=_rows)
    notes: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    keys: tuple[str, ...] = attrs.field(
        kw_only=True, converter=_tuple,
        default=attrs.Factory(lambda self: self.columns, takes_self=True))
    summary: tuple[tuple[str, Any], ...] = attrs.field(kw_only=True, default=(),
                                                        converter=_pairs)

    def __attrs_post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row {row!r} has {len(row)} values for "
                                 f"{len(self.columns)} columns")
        if len(self.keys) != len(self.columns):
            raise ValueError(f"{len(self.keys)} keys {self.keys!r} for {len(self.columns)} "
                             "columns")
        for what, names in (("key", self.keys), ("summary name", [n for n, _ in self.summary])):
            if len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
                raise ValueError(f"each {what} must be a distinct string, got {names!r}")

    def render(self, fmt: str = "github") -> str:
        """The table in any tabulate format (plain, github, grid, html, ...), with its title
        and notes. Columns of numbers are right-aligned, so their digits line up.

        The ``html`` form (``unsafehtml`` too) is a fragment (see
        `pointsledger.reports.pages` for printable pages) and escapes every text it
        prints: the title, the column labels, the cells and the notes, so a value such as
        ``<script>`` shows as text; control, zero-width and bidirectional-override characters
        show as ``�`` (`html_text()`).
        """
        if fmt in ("html", "unsafehtml"):
            body = _html_table(self.columns, self.rows)
            notes = "".join(f"<p>{html_text(n)}</p>" for n in self.notes)
            return f"<h3>{html_text(self.title)}</h3>\n{body}\n{notes}"
        body = tabulate(self.rows, headers=self.columns, tablefmt=fmt, disable_numparse=True,
                        colalign=_aligns(self.rows, len(self.columns)))
        return "\n".join([self.title, "", body, *([""] if self.notes else []), *self.notes])

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column label."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_dict(self, tz: str = DEFAULT_TZ) -> dict[str, Any]:
        """The table as a dict of JSON-safe values, keyed by the stable column keys.

        Returns:
            ``{"title", "columns", "labels", "rows", "notes", "summary"}``: ``columns`` the
            keys in order, ``labels`` each key's localized label, ``rows`` a dict per row
            keyed by the column keys, ``notes`` the localized notes, ``summary`` the summary
            figures by name (docs/json.md). A cell without a JSON form is given as its text;
            a datetime cell is shown in ``tz``.
        """
        return {
            "title": self.title,
            "columns": list(self.keys),
            "labels": dict(zip(self.keys, self.columns, strict=True)),
            "rows": [{k: _cell(v, tz) for k, v in zip(self.keys, row, strict=True)}
                     for row in self.rows],
            "notes": list(self.notes),
            "summary": {name: _cell(value, tz) for name, value in self.summary},
        }

    def to_json(self) -> str:
        """``json.dumps(self.to_dict())``, with Chinese text as is (not ``\\u`` escaped)."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_csv(self, *, bom: bool = False) -> str:
        """The columns and rows as CSV; ``bom=True`` starts it with a UTF-8 byte-order mark so
        Excel opens Chinese text correctly.

        Every label and cell goes through `spreadsheet_cell()`: text a spreadsheet would
        run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
        is given a leading ``'``; numbers stay numbers.
        """
        out = io.StringIO(newline="")
        writer = csv.writer(out)  # \r\n line ends, as Excel writes them
        writer.writerow([spreadsheet_cell(c) for c in self.columns])
        writer.writerows([spreadsheet_cell(v) for v in row] for row in self.rows)
        return ("\ufeff" if bom else "") + out.getvalue()


def from_csv(text: str, *, title: str = "") -> Table:
    """Read a table back from `Table.to_csv()` output (values come back as text, and a
    cell `Table.to_csv()` neutralised with a leading ``'`` comes back as it was)."""
    source = io.StringIO(text.removeprefix("\ufeff"), newline="")
    rows: Sequence[list[str]] = [[_from_spreadsheet(v) for v in row]
                                 for row in csv.reader(source)]
    return Table(title, rows[0], rows[1:])
