"""Table: what every report returns, and how it renders (tabulate, CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

import attrs
from tabulate import tabulate


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value)


def _rows(value: Any) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(row) for row in value)


@attrs.frozen
class Table:
    """A report's result: a title, column labels, rows of values and notes.

    Invariant: every row has one value per column.
    """

    title: str
    columns: tuple[str, ...] = attrs.field(converter=_tuple)
    rows: tuple[tuple[Any, ...], ...] = attrs.field(converter=_rows)
    notes: tuple[str, ...] = attrs.field(default=(), converter=_tuple)

    def __attrs_post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"row {row!r} has {len(row)} values for "
                                 f"{len(self.columns)} columns")

    def render(self, fmt: str = "github") -> str:
        """The table in any tabulate format (plain, github, grid, html, ...), with its title
        and notes."""
        body = tabulate(self.rows, headers=self.columns, tablefmt=fmt, disable_numparse=True)
        if fmt == "html":
            notes = "".join(f"<p>{n}</p>" for n in self.notes)
            return f"<h3>{self.title}</h3>\n{body}\n{notes}"
        return "\n".join([self.title, "", body, *([""] if self.notes else []), *self.notes])

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column label."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_json(self) -> str:
        """The table as JSON: title, notes and the rows as records."""
        return json.dumps({"title": self.title, "notes": list(self.notes),
                           "records": self.records()}, ensure_ascii=False, default=str)

    def to_csv(self, *, bom: bool = False) -> str:
        """The columns and rows as CSV; ``bom=True`` starts it with a UTF-8 byte-order mark so
        Excel opens Chinese text correctly."""
        out = io.StringIO(newline="")
        writer = csv.writer(out)  # \r\n line ends, as Excel writes them
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return ("\ufeff" if bom else "") + out.getvalue()


def from_csv(text: str, *, title: str = "") -> Table:
    """Read a table back from :meth:`Table.to_csv` output (values come back as text)."""
    source = io.StringIO(text.removeprefix("\ufeff"), newline="")
    rows: Sequence[list[str]] = list(csv.reader(source))
    return Table(title, rows[0], rows[1:])
