"""Rule files and registries: rulebooks read from and written to TOML, XLSX and CSV, and
registries imported from tables.

Imports are all-or-nothing. Every row is checked, and every error is reported with its table,
row number, column, value and reason, in one `ImportFailed`; an unknown table, key or column is
refused by name. If any row fails, nothing is adopted or registered. A rulebook needs at least
one checklist item, and a registry table names each region, household or member once (a
repeated id is refused, naming both rows).

A rule file carries everything a `Rulebook` holds: items and their caps, category caps, the
policy table, rewards (limits, windows, price rules), the store policy, star tiers, expiry and
the workflow policies. `dump_rulebook` writes one that `load_rulebook` reads back equal. The
layouts (a TOML file; an XLSX workbook or a folder of CSV files with one table each) are in
docs/input.md, with a complete example; the parts live in `pointsledger.io._ruleform` (the
file form and its checks), `pointsledger.io._ruletoml` and `pointsledger.io._ruletables`.

Registry tables (CSV, or one sheet of an XLSX workbook, each with a header row):

- Regions: ``code, name, kind`` and optionally ``parent``.
- Households: ``household, grid, head``.
- Members: ``member, household, name`` and optionally ``roles`` (separated by ``;``) and
  ``birth_date`` (YYYY-MM-DD).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs

from pointsledger.base.actors import Actor
from pointsledger.errors import PointsLedgerError, ValidationError
from pointsledger.io._cells import (
    Cells,
    ImportFailed,
    Row,
    RowProblem,
    column_of,
    day,
    fail,
    text,
)
from pointsledger.io._read import read_table, table_of
from pointsledger.io._ruleform import check_writable, rulebook_from_form, rulebook_to_form
from pointsledger.io._ruletables import (
    form_to_sheets,
    read_csv_folder,
    read_xlsx,
    sheets_to_form,
    write_csv_folder,
    write_xlsx,
)
from pointsledger.io._ruletoml import read_toml, toml_text
from pointsledger.ledger import Batch, Ledger
from pointsledger.rules.catalogue import Reward
from pointsledger.rules.checklist import ChecklistItem
from pointsledger.rules.rulebook import Rulebook

__all__ = ["ImportFailed", "RowProblem", "checklist_items", "dump_rulebook", "import_registry",
           "load_rulebook", "read_table", "rewards", "toml_text"]


# -- rulebooks --------------------------------------------------------------------------------


def checklist_items(rows: Iterable[Row], table: str = "items") -> list[ChecklistItem]:
    """Checklist items from rows (the columns of the ``items`` table).

    Raises:
        ImportFailed: listing every bad cell, unknown columns and duplicate codes.
    """
    return list(_part(rows, "items", table).items)


def rewards(rows: Iterable[Row], table: str = "rewards") -> list[Reward]:
    """Rewards from rows (the columns of the ``rewards`` table).

    Raises:
        ImportFailed: listing every bad cell and unknown column.
    """
    return list(_part(rows, "rewards", table).rewards)


def _part(rows: Iterable[Row], key: str, table: str) -> Rulebook:
    rows = list(rows)
    sheets_to_form({key: rows}, f"the {table} table")  # refuses unknown columns by name
    form = {"version": "import", "items": [], key: rows}
    return rulebook_from_form(form, where=f"the {table} table", tabular=True)


def load_rulebook(path: str | os.PathLike[str], *, version: str | None = None,
                  rewards_table: str | os.PathLike[str] | None = None) -> Rulebook:
    """A rulebook from a rule file: TOML, an XLSX workbook with a sheet per table, a folder of
    CSV files (one per table), or a single checklist CSV (items only). The layouts are in
    docs/input.md. ``version`` overrides the file's own, and is required when the file names
    none. A separate CSV or XLSX of rewards may be given as ``rewards_table``; its rewards
    replace the file's own.

    Raises:
        ImportFailed: an unknown table, key or column (named), bad values (each with its table,
            row and column), a checklist without items.
    """
    path = Path(path)
    rulebook = _load_rulebook(path, version)
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
        return read_toml(path, version)
    if suffix == ".csv":
        if version is None:
            raise ImportFailed(f"a {suffix} checklist carries no version: give one",
                               field="version")
        header, rows = table_of(path)
        return rulebook_from_form(sheets_to_form({"items": rows}, str(path), {"items": header}),
                                  where=str(path), version=version, tabular=True)
    if suffix == ".xlsx" or path.is_dir():
        sheets, headers = read_xlsx(path) if suffix == ".xlsx" else read_csv_folder(path)
        form = sheets_to_form(sheets, str(path), headers)
        if version is None and "version" not in form:
            raise ImportFailed(f"{path} names no version (a settings table with the row "
                               "version): give one", field="version")
        return rulebook_from_form(form, where=str(path), version=version, tabular=True)
    raise ImportFailed(f"rulebooks are read from .toml, .csv or .xlsx files or a folder of "
                       f"CSV files, not {path.name!r}", path=str(path))


def dump_rulebook(rulebook: Rulebook, path: str | os.PathLike[str]) -> Path:
    """Write every part of ``rulebook`` to a rule file that `load_rulebook` reads back equal:
    TOML for a ``.toml`` path, an XLSX workbook for ``.xlsx``, and otherwise a folder of CSV
    files (one per table), created if need be. An existing file is replaced.

    Returns:
        The path written.

    Raises:
        ValidationError: a path that is none of these (a single ``.csv`` file cannot hold
            every table); text that starts or ends with white space (a title ``" 整洁"``),
            which no rule file gives back, named with its table, row and key (nothing is
            written).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        path.write_text(toml_text(rulebook), encoding="utf-8")
    elif suffix == ".xlsx":
        write_xlsx(form_to_sheets(_writable(rulebook)), path)
    elif suffix in ("", ".csv") or path.is_dir():
        if suffix == ".csv":
            raise ValidationError(f"a rulebook is written to a .toml or .xlsx file or a "
                                  f"folder, not to one CSV file {path.name!r}", field="path",
                                  value=str(path))
        write_csv_folder(form_to_sheets(_writable(rulebook)), path)
    else:
        raise ValidationError(f"a rulebook is written to a .toml or .xlsx file or a folder, "
                              f"not {path.name!r}", field="path", value=str(path))
    return path


def _writable(rulebook: Rulebook) -> dict[str, Any]:
    form = rulebook_to_form(rulebook)
    check_writable(form)
    return form


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
            found = Cells(name)
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
            raise fail(problems, "the registry")
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
    column = column_of(row, exc)
    value = row.get(column, "") if column else ""
    return RowProblem(row["_row"], column, str(value), exc.message, table)


def _registration(found: Cells, batch: Batch, table: str, row: Row,
                  by: Actor) -> Callable[[], Any] | None:
    if table == "regions":
        code, name = found.cell(row, "code", text), found.cell(row, "name", text)
        kind = found.cell(row, "kind", text)
        parent = found.cell(row, "parent", text, required=False)
        if None in (code, name, kind):
            return None
        return lambda: batch.add_region(code, name, kind=kind, parent=parent, by=by)
    if table == "households":
        household, grid = found.cell(row, "household", text), found.cell(row, "grid", text)
        head = found.cell(row, "head", text)
        if None in (household, grid, head):
            return None
        return lambda: batch.register_household(household, grid=grid, head=head, by=by)
    member, household = found.cell(row, "member", text), found.cell(row, "household", text)
    name = found.cell(row, "name", text)
    roles = found.cell(row, "roles", lambda v: [r.strip() for r in str(v).split(";")
                                                if r.strip()], required=False, default=[])
    birth = found.cell(row, "birth_date", day, required=False)
    if None in (member, household, name):
        return None
    return lambda: batch.register_member(member, household=household, name=name, roles=roles,
                                         birth_date=birth, by=by)
