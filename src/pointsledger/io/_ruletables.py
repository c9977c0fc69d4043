"""Tabular rule files: a rulebook as tables, one sheet of an XLSX workbook or one CSV file of a
folder per table.

The tables (docs/input.md shows their columns) convert to and from the file form of
`pointsledger.io._ruleform`, which checks every value:

- ``settings`` (``setting, value``): ``version`` and the single tables' keys as
  ``<table>.<key>``, e.g. ``store.min_score``;
- ``items``, ``category_caps``, ``policy``, ``rewards``, ``services``: a row per record;
- ``limits`` and ``price_rules``: a row per limit or age band, naming its ``reward``;
- ``tiers`` (the star tiers) and ``wish_categories``;
- ``benefits`` and ``campaigns`` (专项活动): a row per record, a campaign's ``items`` and
  ``categories`` as text separated by ``;``; the vetoes (一票否决) are the settings
  ``vetoes.items`` and ``vetoes.categories``.
- ``matters`` (the matter lists of 清单制) and ``matter_steps``: a row per procedure step,
  naming its ``matter``, in procedure order.

A table that is absent leaves its part at the default; a table with a header and no rows makes
it empty. Cells are read without surrounding white space; an empty cell is a value not given.
Text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-`` or ``@``) is
written with a leading ``'``, as reports write their CSV, and read back as it was. Unknown
tables, columns (also in a table with only its header) and settings are refused by name.
"""

from __future__ import annotations

import csv
import datetime as _dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from pointsledger.base.widths import column_widths
from pointsledger.io._cells import Row, RowProblem, fail, spreadsheet_text
from pointsledger.io._read import sheet_names, table_of
from pointsledger.io._ruleform import (
    BENEFIT,
    CAMPAIGN,
    CAPS,
    ITEM,
    LIMIT,
    MATTER,
    NESTED,
    POLICIES,
    PRICE_RULE,
    REWARD,
    SERVICE,
    STEP,
    TIER,
    VETOES,
    WISH_CATEGORY,
)

SHEETS: Final[dict[str, tuple[str, ...]]] = {
    "settings": ("setting", "value"),
    "items": tuple(ITEM),
    "category_caps": ("category", *CAPS),
    "policy": ("command", "roles"),
    "rewards": tuple(REWARD),
    "limits": ("reward", *LIMIT),
    "price_rules": ("reward", *PRICE_RULE),
    "tiers": tuple(TIER),
    "wish_categories": tuple(WISH_CATEGORY),
    "services": tuple(SERVICE),
    "benefits": tuple(BENEFIT),
    "campaigns": tuple(CAMPAIGN),
    "matters": tuple(MATTER),
    "matter_steps": ("matter", *STEP),
}
"""Each table and its columns, in the order they are written."""

SETTINGS: Final = ("version", *(f"{table}.{key}" for table, (_cls, fields) in POLICIES.items()
                                for key in fields), *(f"vetoes.{key}" for key in VETOES))
"""The rows of the ``settings`` table."""


# -- writing ----------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A value as a table cell: lists as text separated by ``;``, dates as ISO text, and text
    a spreadsheet would run as a formula neutralised (`spreadsheet_text`)."""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, _dt.date):
        return value.isoformat()
    return spreadsheet_text(value)


def form_to_sheets(form: Mapping[str, Any]) -> dict[str, list[list[Any]]]:
    """The tables of a rule file's form: each a header row and its rows."""
    settings: list[list[Any]] = [["version", form["version"]]]
    for table in POLICIES:
        nested = NESTED.get(table, ("",))[0]
        settings += [[f"{table}.{key}", _cell(value)] for key, value in form[table].items()
                     if key != nested]
    settings += [[f"vetoes.{key}", _cell(value)] for key, value in form["vetoes"].items()]
    rows: dict[str, list[dict[str, Any]]] = {
        "items": form["items"],
        "category_caps": [{"category": c, **caps} for c, caps in form["category_caps"].items()],
        "policy": [{"command": c, "roles": roles} for c, roles in form["policy"].items()],
        "rewards": form["rewards"],
        "limits": [{"reward": r["code"], **lim} for r in form["rewards"]
                   for lim in r.get("limits", [])],
        "price_rules": [{"reward": r["code"], **band} for r in form["rewards"]
                        for band in r.get("price_rules", [])],
        "tiers": form["ratings"]["tiers"],
        "wish_categories": form["wishes"]["categories"],
        "services": form["services"],
        "benefits": form["benefits"],
        "campaigns": form["campaigns"],
        "matters": form["matters"],
        "matter_steps": [{"matter": m["code"], **step} for m in form["matters"]
                         for step in m["steps"]],
    }
    sheets = {"settings": [list(SHEETS["settings"]), *settings]}
    for name, records in rows.items():
        header = SHEETS[name]
        sheets[name] = [list(header), *([_cell(r.get(c, "")) for c in header] for r in records)]
    return sheets


def write_xlsx(sheets: Mapping[str, list[list[Any]]], path: Path) -> None:
    """Write the tables as the sheets of an XLSX workbook. Their text was neutralised by
    `form_to_sheets` (no cell starts with ``=``, so none is written as a formula). Each sheet
    has its header row frozen and its columns as wide as their text (Chinese counting double),
    for editing in Excel."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for n, width in enumerate(column_widths(rows, least=8), start=1):
            sheet.column_dimensions[get_column_letter(n)].width = width
    book.save(path)


def write_csv_folder(sheets: Mapping[str, list[list[Any]]], folder: Path) -> None:
    """Write the tables as ``<table>.csv`` files (UTF-8 with a BOM, for spreadsheets) in
    ``folder``, creating it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows(
                [["true" if v is True else "false" if v is False else v for v in row]
                 for row in rows])


# -- reading ----------------------------------------------------------------------------------


def sheets_to_form(sheets: Mapping[str, list[Row]], where: str,
                   headers: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """The form of a rule file's tables (rows as `read_table` gives them).

    Args:
        sheets: each table's rows.
        where: the file, for messages.
        headers: each table's header, when known: an unknown column of a table that has
            only its header is refused from the header (row 1); otherwise in every row.

    Raises:
        ImportFailed: an unknown table, column or setting, a row naming an unknown reward, a
            category or command given twice.
    """
    problems: list[RowProblem] = []
    headers = headers or {}
    for name, rows in sheets.items():
        if name not in SHEETS:
            problems.append(RowProblem(0, "", name, f"unknown table {name!r}; tables: "
                                       f"{', '.join(SHEETS)}", name))
            continue
        known = ", ".join(SHEETS[name])
        for column in [] if rows else [c for c in headers.get(name, ()) if c]:
            if column not in SHEETS[name]:  # a table with only its header: from the header
                problems.append(RowProblem(1, column, column, f"unknown column {column!r}; "
                                           f"columns: {known}", name))
        for row in rows:
            for column in row:
                if column not in ("_row", *SHEETS[name]) and (column or row[column] != ""):
                    problems.append(RowProblem(row["_row"], column, str(row[column]),
                                               f"unknown column {column!r}; columns: {known}",
                                               name))
    if problems:
        raise fail(problems, where)
    form: dict[str, Any] = {}
    for row in sheets.get("settings", []):
        _setting(form, row, problems)
    for name in ("items", "rewards", "services", "benefits", "campaigns", "matters"):
        if name in sheets:
            form[name] = [_given(r) for r in sheets[name]]
    if "category_caps" in sheets:
        form["category_caps"] = _keyed(sheets["category_caps"], "category", problems,
                                       "category_caps")
    if "policy" in sheets:
        form["policy"] = {k: v.get("roles", "") for k, v in
                          _keyed(sheets["policy"], "command", problems, "policy").items()}
    for name, part in (("limits", "limits"), ("price_rules", "price_rules")):
        _attach(form.setdefault("rewards", []), sheets.get(name, []), name, part, problems)
    if "matter_steps" in sheets:
        _attach(form.setdefault("matters", []), sheets["matter_steps"], "matter_steps", "steps",
                problems, owner="matter", owners="matters")
    for table, (key, _fields) in NESTED.items():
        sheet = "tiers" if key == "tiers" else "wish_categories"
        if sheet in sheets:
            form.setdefault(table, {})[key] = [_given(r) for r in sheets[sheet]]
    if problems:
        raise fail(problems, where)
    return form


def _given(row: Row) -> Row:
    return {k: v for k, v in row.items() if v not in ("", None)}


def _setting(form: dict[str, Any], row: Row, problems: list[RowProblem]) -> None:
    name, value = str(row.get("setting", "")), row.get("value", "")
    if name not in SETTINGS:
        problems.append(RowProblem(row["_row"], "setting", name, f"unknown setting {name!r}; "
                                   f"settings: {', '.join(SETTINGS)}", "settings"))
    elif value in ("", None):
        return
    elif name == "version":
        if "version" in form:
            problems.append(RowProblem(row["_row"], "setting", name, "is given twice",
                                       "settings"))
        form["version"] = str(value)
    else:
        table, key = name.split(".", 1)
        part = form.setdefault(table, {})
        if key in part:
            problems.append(RowProblem(row["_row"], "setting", name, "is given twice",
                                       "settings"))
        part[key] = value


def _keyed(rows: Iterable[Row], column: str, problems: list[RowProblem],
           table: str) -> dict[str, Row]:
    """Rows by their ``column``, which each must give once."""
    out: dict[str, Row] = {}
    for row in rows:
        key = str(row.get(column, ""))
        if key == "":
            problems.append(RowProblem(row["_row"], column, "", "is required", table))
        elif key in out:
            problems.append(RowProblem(row["_row"], column, key, f"repeats row "
                                       f"{out[key]['_row']}", table))
        else:
            out[key] = {k: v for k, v in _given(row).items() if k != column}
            out[key]["_row"] = row["_row"]
    return out


def _attach(records: list[Row], rows: Iterable[Row], table: str, part: str,
            problems: list[RowProblem], *, owner: str = "reward", owners: str = "rewards"
            ) -> None:
    """Put each row of ``limits`` or ``price_rules`` into its reward (each of
    ``matter_steps`` into its matter, in order)."""
    by_code = {str(r.get("code", "")): r for r in records}
    for row in rows:
        code = str(row.get(owner, ""))
        if code not in by_code:
            problems.append(RowProblem(row["_row"], owner, code, f"names no {owner} of the "
                                       f"{owners} table", table))
            continue
        by_code[code].setdefault(part, []).append(
            {k: v for k, v in _given(row).items() if k != owner})


def read_csv_folder(folder: Path) -> tuple[dict[str, list[Row]], dict[str, list[str]]]:
    """The tables of a folder of ``<table>.csv`` files (every ``.csv`` file in it), and their
    headers."""
    found = {path.stem: table_of(path) for path in sorted(folder.glob("*.csv"))}
    return ({name: rows for name, (_h, rows) in found.items()},
            {name: header for name, (header, _r) in found.items()})


def read_xlsx(path: Path) -> tuple[dict[str, list[Row]], dict[str, list[str]]]:
    """The tables of an XLSX workbook, one per sheet, and their headers."""
    found = {name: table_of(path, name) for name in sheet_names(path)}
    return ({name: rows for name, (_h, rows) in found.items()},
            {name: header for name, (header, _r) in found.items()})
