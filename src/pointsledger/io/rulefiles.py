"""Importing rulebooks and registries from spreadsheets: TOML, CSV and XLSX files.

Imports are all-or-nothing. Every row is checked, and every error is reported with its row
number, column, value and reason, in one :class:`ImportFailed`. If any row fails, nothing is
adopted or registered. A rulebook needs at least one checklist item, and a registry table
names each region, household or member once (a repeated id is refused, naming both rows).

CSV files are UTF-8, with or without a BOM, and have a header row. An XLSX workbook (the
``xlsx`` extra, openpyxl) has one sheet per table, each with a header row.

The columns:

- Checklist (sheet ``items``): ``code, title, category, points`` and optionally ``unit``,
  ``cap_day``, ``cap_week``, ``cap_month``, ``cap_quarter``, ``cap_year``, ``evidence_required``,
  ``serious``.
- Rewards (sheet ``rewards``): ``code, title, cost`` and optionally ``category``.
- Regions: ``code, name, kind`` and optionally ``parent``.
- Households: ``household, grid, head``.
- Members: ``member, household, name`` and optionally ``roles`` (separated by ``;``) and
  ``birth_date`` (YYYY-MM-DD).

A TOML rulebook holds ``version``, ``[[items]]`` and ``[[rewards]]`` with the same columns as
keys, and optional tables ``[store]``, ``[expiry]``, ``[claims]``, ``[wishes]`` (with
``[[wishes.categories]]``: name, max_value), ``[[services]]`` (code, title, category, item, per)
with ``[service_policy]`` (accept_hours), and ``[timebank]``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from pointsledger.base.actors import Actor
from pointsledger.base.periods import PERIODS
from pointsledger.errors import PointsLedgerError, ValidationError
from pointsledger.ledger import Batch, Ledger
from pointsledger.rules.catalogue import Reward, StorePolicy
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.expiry import ExpiryPolicy
from pointsledger.rules.procedures import (
    ClaimPolicy,
    Service,
    ServicePolicy,
    TimeBankPolicy,
    WishCategory,
    WishPolicy,
)
from pointsledger.rules.rulebook import Rulebook

Row = dict[str, Any]


@attrs.frozen
class RowProblem:
    """One bad cell: the row number (the header is row 1), column, value and reason."""

    row: int
    column: str
    value: str
    reason: str
    table: str = ""

    def __str__(self) -> str:
        where = f"{self.table} " if self.table else ""
        return f"{where}row {self.row}, column {self.column!r}, value {self.value!r}: {self.reason}"


class ImportFailed(ValidationError):
    """An import found bad rows; ``problems`` lists every one (nothing was written)."""

    code = "import_failed"


def _fail(problems: list[RowProblem], what: str) -> ImportFailed:
    """One problem on one line; several as a count and a line each."""
    if len(problems) == 1:
        return ImportFailed(f"{what}: {problems[0]}; nothing was imported", problems=problems)
    lines = "\n".join(f"  {p}" for p in problems)
    return ImportFailed(f"{what}: {len(problems)} problem(s), nothing was imported\n{lines}",
                        problems=problems)


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
        raise _fail([RowProblem(0, "", str(path), f"cannot read the file: {exc}")],
                    str(path)) from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        row: Row = dict(zip(header, (v.strip() for v in values), strict=False))
        row["_row"] = number
        rows.append(row)
    return rows


def _xlsx_rows(path: Path, sheet: str | None) -> list[Row]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - the xlsx extra is installed with the tests
        raise ImportFailed("reading .xlsx needs the xlsx extra: pip install "
                           "'pointsledger[xlsx]'", path=str(path)) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFailed(f"{path} is not an XLSX workbook: {exc}", path=str(path)) from None
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        raise _fail([RowProblem(0, "", sheet, f"no sheet {sheet!r}; sheets: {names}")],
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


# -- cells ----------------------------------------------------------------------------------


class _Rows:
    """Collects the problems of a table while its rows are read."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.problems: list[RowProblem] = []

    def cell(self, row: Row, column: str, parse: Callable[[Any], Any], *,
             required: bool = True, default: Any = None) -> Any:
        value = row.get(column, "")
        if value == "" or value is None:
            if required:
                self.problems.append(RowProblem(row.get("_row", 0), column, "", "is required",
                                                self.table))
            return default
        try:
            return parse(value)
        except (ValueError, TypeError) as exc:
            reason = exc.message if isinstance(exc, PointsLedgerError) else str(exc)
            self.problems.append(RowProblem(row.get("_row", 0), column, str(value), reason,
                                            self.table))
            return default

    def build(self, row: Row, make: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return make(*args, **kwargs)
        except PointsLedgerError as exc:
            column = _column(row, exc)
            self.problems.append(RowProblem(row.get("_row", 0), column,
                                            str(row.get(column, "")), exc.message, self.table))
            return None


def _column(row: Row, exc: PointsLedgerError) -> str:
    """The column a refusal is about: the field it names, else the cell holding a value it
    names."""
    field = str(exc.fields.get("field", ""))
    if field in row:
        return field
    named = {str(v) for v in exc.fields.values()}
    return next((c for c, v in row.items() if c != "_row" and v != "" and str(v) in named), "")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.lstrip("+-").isdigit():
        raise ValueError("not a whole number")
    return int(text)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y", "是", "x"):
        return True
    if text in ("0", "false", "no", "n", "否"):
        return False
    raise ValueError("not yes or no (true/false, 是/否)")


def _text(value: Any) -> str:
    return str(value).strip()


def _date(value: Any) -> str:
    return _dt.date.fromisoformat(str(value).strip()).isoformat()


# -- rulebooks --------------------------------------------------------------------------------


def checklist_items(rows: Iterable[Row], table: str = "items") -> list[ChecklistItem]:
    """Checklist items from rows.

    Raises:
        ImportFailed: listing every bad cell, and duplicate codes.
    """
    found = _Rows(table)
    items: list[ChecklistItem] = []
    seen: dict[str, int] = {}
    for row in rows:
        code = found.cell(row, "code", _text)
        values = dict(
            title=found.cell(row, "title", _text),
            category=found.cell(row, "category", _text),
            points=found.cell(row, "points", _int),
            unit=found.cell(row, "unit", _text, required=False, default=""),
            caps=[Cap(cap, per=per) for per in PERIODS
                  if (cap := found.cell(row, f"cap_{per}", _int, required=False)) is not None],
            evidence=found.cell(row, "evidence_required", _bool, required=False, default=False),
            serious=found.cell(row, "serious", _bool, required=False, default=False),
        )
        if code in seen:
            found.problems.append(RowProblem(row["_row"], "code", code, f"repeats the code of "
                                             f"row {seen[code]}", table))
        elif code is not None:
            seen[code] = row["_row"]
        if None in (code, values["title"], values["category"], values["points"]):
            continue
        item = found.build(row, ChecklistItem, code, values["title"],
                           category=values["category"], points=values["points"],
                           unit=values["unit"], cap=values["caps"],
                           evidence_required=values["evidence"], serious=values["serious"])
        if item is not None:
            items.append(item)
    if found.problems:
        raise _fail(found.problems, "the checklist")
    return items


def rewards(rows: Iterable[Row], table: str = "rewards") -> list[Reward]:
    """Rewards from rows (``code, title, cost``, optional ``category``).

    Raises:
        ImportFailed: listing every bad cell.
    """
    found = _Rows(table)
    out = []
    for row in rows:
        code, title = found.cell(row, "code", _text), found.cell(row, "title", _text)
        cost = found.cell(row, "cost", _int)
        category = found.cell(row, "category", _text, required=False, default="")
        if None in (code, title, cost):
            continue
        reward = found.build(row, Reward, code, title, cost=cost, category=category)
        if reward is not None:
            out.append(reward)
    if found.problems:
        raise _fail(found.problems, "the rewards")
    return out


def load_rulebook(path: str | os.PathLike[str], *, version: str | None = None,
                  rewards_table: str | os.PathLike[str] | None = None) -> Rulebook:
    """A rulebook from a TOML file, a checklist CSV (``version`` required), or an XLSX workbook
    with sheets ``items`` and optionally ``rewards`` (``version`` required). A separate CSV or
    XLSX of rewards may be given as ``rewards_table``; its rewards replace the file's own.

    Raises:
        ImportFailed: bad rows or values, each named; a checklist without items.
    """
    rulebook = _load_rulebook(Path(path), version)
    if not rulebook.items:
        reason = ("the checklist has no items; a rulebook needs at least one (adopting an empty "
                  "one would end the rules in force)")
        raise ImportFailed(f"{path}: {reason}; nothing was imported", path=str(path),
                           problems=[RowProblem(0, "items", "", reason)])
    if rewards_table is None:
        return rulebook
    found = rewards(read_table(rewards_table, "rewards" if Path(rewards_table).suffix.lower()
                               == ".xlsx" else None))
    return attrs.evolve(rulebook, rewards=found)


def _load_rulebook(path: Path, version: str | None) -> Rulebook:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return _toml_rulebook(path, version)
    if version is None:
        raise ImportFailed(f"a {suffix} checklist carries no version: give one", field="version")
    if suffix == ".csv":
        return _rulebook(version, checklist_items(read_table(path)), {})
    if suffix == ".xlsx":
        import openpyxl  # noqa: F401 - fail early and clearly without the extra

        items = checklist_items(read_table(path, "items"))
        try:
            found = rewards(read_table(path, "rewards"))
        except ImportFailed as exc:
            if any("no sheet" in p.reason for p in exc.problems):
                found = []
            else:
                raise
        return _rulebook(version, items, {"rewards": found})
    raise ImportFailed(f"rulebooks are read from .toml, .csv or .xlsx files, not {path.name!r}",
                       path=str(path))


def _rulebook(version: str, items: list[ChecklistItem], parts: Mapping[str, Any]) -> Rulebook:
    try:
        return Rulebook(version, items, **parts)
    except PointsLedgerError as exc:
        raise _fail([RowProblem(0, str(exc.fields.get("field", "")),
                                str(exc.fields.get("value", "")), exc.message)],
                    "the rulebook") from None


def _toml_rulebook(path: Path, version: str | None) -> Rulebook:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ImportFailed(f"{path} is not a readable TOML file: {exc}", path=str(path)) from None
    version = version or data.get("version")
    if not isinstance(version, str):
        raise ImportFailed(f"{path} names no version (version = \"2026\")", field="version")
    numbered = [{**item, "_row": n} for n, item in enumerate(data.get("items", []), start=1)]
    items = checklist_items(numbered, table="[[items]]")
    parts: dict[str, Any] = {"rewards": rewards(
        [{**r, "_row": n} for n, r in enumerate(data.get("rewards", []), start=1)],
        table="[[rewards]]")}
    try:
        for key, cls in (("store", StorePolicy), ("expiry", ExpiryPolicy),
                         ("claims", ClaimPolicy), ("timebank", TimeBankPolicy)):
            if key in data:
                parts[key] = cls(**data[key])
        if "wishes" in data:
            wishes = dict(data["wishes"])
            categories = [WishCategory(**c) for c in wishes.pop("categories", [])]
            parts["wishes"] = WishPolicy(categories or WishPolicy().categories, **wishes)
        if "services" in data:
            parts["services"] = ServicePolicy([Service(**s) for s in data["services"]],
                                              **data.get("service_policy", {}))
    except TypeError as exc:
        raise ImportFailed(f"{path}: {exc}", path=str(path)) from None
    except PointsLedgerError as exc:
        raise ImportFailed(f"{path}: {exc.message}", path=str(path)) from None
    return _rulebook(version, items, parts)


# -- registries -------------------------------------------------------------------------------


def import_registry(
    ledger: Ledger,
    *,
    by: Actor,
    regions: str | os.PathLike[str] | None = None,
    households: str | os.PathLike[str] | None = None,
    members: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Add regions and register households and members from tables, in one batch: all of them
    or, if any row fails, none. Each row uses its natural idempotency key (``region/<code>``,
    ``household/<id>``, ``member/<id>``), so importing the same file again writes nothing.

    Args:
        progress: called with (rows done, rows in all) as rows are validated.

    Returns:
        The number of events written.

    A row repeating an earlier row's id (region code, household, member) is refused, naming
    both row numbers: an identical repeat as a duplicate, a differing one by the first column
    where the two differ. A row that differs from what the ledger already registered under
    its id is refused by that column too.

    Raises:
        ImportFailed: every bad row, with its table, row number, column, value and reason.
    """
    tables = [(name, read_table(path)) for name, path in (
        ("regions", regions), ("households", households), ("members", members)) if path]
    total = sum(len(rows) for _name, rows in tables)
    registered = _registered(ledger, [name for name, _rows in tables])
    problems: list[RowProblem] = []
    head = ledger.head
    done = 0
    with ledger.batch() as batch:
        for name, rows in tables:
            found = _Rows(name)
            seen: dict[str, Row] = {}
            for row in rows:
                repeat = _repeat(name, row, seen)
                command = None if repeat else _registration(found, batch, name, row, by)
                if repeat is not None:
                    problems.append(repeat)
                if command is not None:
                    try:
                        command()
                    except PointsLedgerError as exc:
                        problems.append(_refusal(name, row, exc, registered[name]))
                done += 1
                if progress is not None:
                    progress(done, total)
            problems += found.problems
        if problems:
            raise _fail(problems, "the registry")
    return ledger.head - head


_IDS = {"regions": "code", "households": "household", "members": "member"}
"""The column that names each registry table's rows."""


def _row_values(row: Row) -> dict[str, str]:
    return {c: str(v) for c, v in row.items() if c != "_row" and str(v) != ""}


def _repeat(table: str, row: Row, seen: dict[str, Row]) -> RowProblem | None:
    """A problem if ``row`` repeats the id of an earlier row of the same table."""
    column = _IDS[table]
    ident = str(row.get(column, ""))
    if ident == "":
        return None
    first = seen.setdefault(ident, row)
    if first is row:
        return None
    mine, theirs = _row_values(row), _row_values(first)
    if mine == theirs:
        return RowProblem(row["_row"], column, ident, f"repeats row {first['_row']} exactly "
                          "(a duplicate row: give each once)", table)
    differs = next(c for c in [*mine, *theirs] if mine.get(c) != theirs.get(c))
    return RowProblem(row["_row"], differs, mine.get(differs, ""),
                      f"{column} {ident!r} is also in row {first['_row']}, with {differs} "
                      f"{theirs.get(differs, '')!r}", table)


def _registered(ledger: Ledger, tables: list[str]) -> dict[str, dict[str, dict[str, str]]]:
    """What the ledger already holds under each id of the tables imported, as the cells a row
    would give."""
    found: dict[str, dict[str, dict[str, str]]] = {name: {} for name in _IDS}
    if "regions" in tables:
        found["regions"] = {code: {"name": r.name, "kind": r.kind, "parent": r.parent or ""}
                            for code, r in ledger.regions().items()}
    if "households" in tables:
        found["households"] = {h.id: {"grid": h.grid, "head": h.head}
                               for h in ledger.households().values()}
    if "members" in tables:
        found["members"] = {
            m.id: {"household": m.household, "name": m.name, "roles": ";".join(sorted(m.roles)),
                   "birth_date": "" if m.birth_date is None else m.birth_date.isoformat()}
            for m in ledger.members().values()}
    return found


def _refusal(table: str, row: Row, exc: PointsLedgerError,
             registered: dict[str, dict[str, str]]) -> RowProblem:
    """The problem of a row the ledger refused, by the column it is about: for a row whose id
    is already registered with other values, the first column that differs."""
    before = registered.get(str(row.get(_IDS[table], "")))
    if before is not None and exc.code == "idempotency_conflict":
        for column, value in before.items():
            given = str(row.get(column, ""))
            if column == "roles":
                given = ";".join(sorted({r.strip() for r in given.split(";") if r.strip()}))
            if given != value:
                return RowProblem(row["_row"], column, str(row.get(column, "")),
                                  f"{_IDS[table]} {row[_IDS[table]]!r} is already registered "
                                  f"with {column} {value!r}; an import does not change it",
                                  table)
        ident = str(row[_IDS[table]])
        return RowProblem(row["_row"], _IDS[table], ident,
                          f"{_IDS[table]} {ident!r} is already registered with these values by "
                          f"another request (another actor?): {exc.message}", table)
    column = _column(row, exc)
    value = row.get(column, "") if column else ""
    return RowProblem(row["_row"], column, str(value), exc.message, table)


def _registration(found: _Rows, batch: Batch, table: str, row: Row,
                  by: Actor) -> Callable[[], Any] | None:
    if table == "regions":
        code, name = found.cell(row, "code", _text), found.cell(row, "name", _text)
        kind = found.cell(row, "kind", _text)
        parent = found.cell(row, "parent", _text, required=False)
        if None in (code, name, kind):
            return None
        return lambda: batch.add_region(code, name, kind=kind, parent=parent, by=by)
    if table == "households":
        household, grid = found.cell(row, "household", _text), found.cell(row, "grid", _text)
        head = found.cell(row, "head", _text)
        if None in (household, grid, head):
            return None
        return lambda: batch.register_household(household, grid=grid, head=head, by=by)
    member, household = found.cell(row, "member", _text), found.cell(row, "household", _text)
    name = found.cell(row, "name", _text)
    roles = found.cell(row, "roles", lambda v: [r.strip() for r in str(v).split(";")
                                                if r.strip()], required=False, default=[])
    birth = found.cell(row, "birth_date", _date, required=False)
    if None in (member, household, name):
        return None
    return lambda: batch.register_member(member, household=household, name=name, roles=roles,
                                         birth_date=None if birth is None
                                         else _dt.date.fromisoformat(birth), by=by)
