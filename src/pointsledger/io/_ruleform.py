"""A rulebook's file form: the nested tables a TOML rule file holds, read and written.

`rulebook_to_form` gives the plain nested data of a `Rulebook` in the layout of a TOML rule
file (docs/input.md); `rulebook_from_form` reads it back, refusing every unknown table or key
and every bad value with its table, row and key, in one `ImportFailed`. The tabular forms (CSV
and XLSX, `pointsledger.io._ruletables`) are converted to and from this form, so all three
are checked by the same code. Invariant: `rulebook_from_form(rulebook_to_form(r)) == r`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import attrs

from pointsledger.base.checks import shown
from pointsledger.base.periods import PERIODS
from pointsledger.errors import PointsLedgerError, ValidationError
from pointsledger.io._cells import (
    Cells,
    ImportFailed,
    Row,
    RowProblem,
    day,
    fail,
    optional_whole,
    text,
    whole,
    words,
    yes_no,
)
from pointsledger.rules.benefits import Benefit, Campaign, Vetoes
from pointsledger.rules.catalogue import Limit, PriceRule, RatingPolicy, Reward, StorePolicy
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.expiry import ExpiryPolicy
from pointsledger.rules.matters import Matter, ProcedureStep
from pointsledger.rules.policy import COMMANDS, Policy
from pointsledger.rules.procedures import (
    ClaimPolicy,
    Service,
    ServicePolicy,
    TimeBankPolicy,
    WishCategory,
    WishPolicy,
)
from pointsledger.rules.rulebook import Rulebook

Parse = Callable[[Any], Any]
REFUSED: Final = object()
"""Marks a value that was refused (its problem is recorded), so its record is not built."""
CAPS: Final = tuple(f"cap_{per}" for per in PERIODS)

ITEM: Final[dict[str, Parse]] = {
    "code": text, "title": text, "category": text, "points": whole, "unit": text,
    **{cap: whole for cap in CAPS}, "evidence_required": yes_no, "serious": yes_no,
    "per_value": whole}
REWARD: Final[dict[str, Parse]] = {
    "code": text, "title": text, "cost": whole, "category": text, "total_limit": whole,
    "available_from": day, "available_until": day, "weekdays": words, "month_end": yes_no,
    "min_score": whole}
LIMIT: Final[dict[str, Parse]] = {"max_quantity": whole, "per": text, "scope": text}
PRICE_RULE: Final[dict[str, Parse]] = {"min_age": whole, "max_age": whole, "percent": whole}
TIER: Final[dict[str, Parse]] = {"stars": whole, "min_score": whole}
WISH_CATEGORY: Final[dict[str, Parse]] = {"name": text, "max_value": whole}
SERVICE: Final[dict[str, Parse]] = {
    "code": text, "title": text, "category": text, "item": text, "per": text}
MATTER: Final[dict[str, Parse]] = {
    "code": text, "title": text, "kind": text, "role": text, "supervisor": text, "basis": text}
STEP: Final[dict[str, Parse]] = {
    "code": text, "title": text, "role": text, "evidence_required": yes_no, "days": whole,
    "day_kind": text}
POLICIES: Final[dict[str, tuple[type, dict[str, Parse]]]] = {
    "store": (StorePolicy, {
        "base_points": whole, "min_score": whole, "ban_years": whole,
        "reservation_days": whole, "member_to_household": yes_no,
        "household_to_household": yes_no, "household_to_community": yes_no}),
    "ratings": (RatingPolicy, {"per": text}),
    "expiry": (ExpiryPolicy, {"kind": text, "days": whole, "carry": whole}),
    "claims": (ClaimPolicy, {"review_tiers": whole, "notice_days": whole, "appeal_days": whole,
                             "deductions": yes_no}),
    "wishes": (WishPolicy, {"claim_days": whole, "list_days": whole, "item": text}),
    "service_policy": (ServicePolicy, {"accept_hours": whole, "open_hours": whole}),
    "timebank": (TimeBankPolicy, {"item": text, "unit_minutes": whole,
                                  "threshold_minutes": whole, "max_minutes": optional_whole}),
}
"""The single tables: the record each builds and its keys (lists nested in them aside)."""
BENEFIT: Final[dict[str, Parse]] = {
    "code": text, "title": text, "min_stars": whole, "min_points": whole}
VETOES: Final[dict[str, Parse]] = {"items": words, "categories": words}
CAMPAIGN: Final[dict[str, Parse]] = {
    "code": text, "title": text, "start": day, "end": day, "items": words, "categories": words,
    "multiplier": whole, "bonus": whole}
NESTED: Final[dict[str, tuple[str, dict[str, Parse]]]] = {
    "ratings": ("tiers", TIER), "wishes": ("categories", WISH_CATEGORY)}
TABLES: Final = ("version", "items", "category_caps", "policy", "rewards", "store", "ratings",
                 "expiry", "claims", "wishes", "services", "service_policy", "timebank",
                 "benefits", "vetoes", "campaigns", "matters")
"""The top-level keys of a rule file, in the order they are written."""


# -- writing ----------------------------------------------------------------------------------


def _caps(caps: tuple[Cap, ...]) -> dict[str, int]:
    return {f"cap_{c.per}": c.max_points for c in caps}


def _given(**values: Any) -> dict[str, Any]:
    """The values that are not their field's default (None, "", False, an empty list)."""
    return {k: v for k, v in values.items()
            if not (v is None or v is False or (isinstance(v, str | list | tuple) and not v))}


def rulebook_to_form(rulebook: Rulebook) -> dict[str, Any]:
    """The rulebook as the nested data of a TOML rule file (dates stay dates)."""
    form: dict[str, Any] = {"version": rulebook.version}
    form["items"] = [
        {"code": i.code, "title": i.title, "category": i.category, "points": i.points,
         **_given(unit=i.unit), **_caps(i.caps),
         **_given(evidence_required=i.evidence_required, serious=i.serious,
                  per_value=i.per_value)}
        for i in rulebook.items]
    form["category_caps"] = {cat: _caps(caps) for cat, caps in rulebook.category_caps}
    form["policy"] = {cmd: sorted(roles) for cmd, roles in rulebook.policy.grants}
    form["rewards"] = [
        {"code": r.code, "title": r.title, "cost": r.cost, **_given(
            category=r.category, total_limit=r.total_limit, available_from=r.available_from,
            available_until=r.available_until,
            weekdays=sorted(r.weekdays, key=("mon", "tue", "wed", "thu", "fri", "sat",
                                             "sun").index),
            month_end=r.month_end, min_score=r.min_score,
            limits=[{"max_quantity": lim.max_quantity, "per": lim.per, "scope": lim.scope}
                    for lim in r.limits],
            price_rules=[{"min_age": p.min_age, **_given(max_age=p.max_age),
                          "percent": p.percent} for p in r.price_rules])}
        for r in rulebook.rewards]
    form["store"] = {k: v for k, v in attrs.asdict(rulebook.store).items() if v is not None}
    form["ratings"] = {"per": rulebook.ratings.per, "tiers": [
        {"stars": stars, "min_score": score} for stars, score in rulebook.ratings.tiers]}
    form["expiry"] = _given(**attrs.asdict(rulebook.expiry))
    form["claims"] = attrs.asdict(rulebook.claims)
    wishes = rulebook.wishes
    form["wishes"] = {"claim_days": wishes.claim_days, "list_days": wishes.list_days,
                      **_given(item=wishes.item),
                      "categories": [{"name": c.name, **_given(max_value=c.max_value)}
                                     for c in wishes.categories]}
    form["services"] = [{"code": s.code, "title": s.title, "category": s.category,
                         **_given(item=s.item), "per": s.per}
                        for s in rulebook.services.services]
    form["service_policy"] = {"accept_hours": rulebook.services.accept_hours,
                              "open_hours": rulebook.services.open_hours}
    timebank = rulebook.timebank
    form["timebank"] = {**_given(item=timebank.item), "unit_minutes": timebank.unit_minutes,
                        "threshold_minutes": timebank.threshold_minutes,
                        "max_minutes": "none" if timebank.max_minutes is None
                        else timebank.max_minutes}
    form["benefits"] = [{"code": b.code, "title": b.title,
                         **_given(min_stars=b.min_stars, min_points=b.min_points)}
                        for b in rulebook.benefits]
    form["vetoes"] = {"items": sorted(rulebook.vetoes.items),
                      "categories": sorted(rulebook.vetoes.categories)}
    form["campaigns"] = [
        {"code": c.code, "title": c.title, "start": c.start, "end": c.end,
         **_given(items=sorted(c.items), categories=sorted(c.categories)),
         "multiplier": c.multiplier, "bonus": c.bonus}
        for c in rulebook.campaigns]
    form["matters"] = [
        {"code": m.code, "title": m.title, "kind": m.kind, "role": m.role,
         "supervisor": m.supervisor, **_given(basis=m.basis),
         "steps": [{"code": s.code, "title": s.title, "role": s.role,
                    "evidence_required": s.evidence_required, **_given(days=s.days),
                    "day_kind": s.day_kind} for s in m.steps]}
        for m in rulebook.matters]
    return form


def check_writable(form: Mapping[str, Any]) -> None:
    """Refuse a form whose text a rule file would not give back: text starting or ending with
    white space (``" 整洁"``, ``"环境卫生\u3000"``), which every reader drops (cells and values
    are read without it), so the file would load as another rulebook.

    Raises:
        ValidationError: naming where (table, row, key) and the value.
    """
    for path, value in _texts(form):
        if value != value.strip():
            where = " ".join(path)
            raise ValidationError(
                f"{where} {shown(value)} starts or ends with white space, which a rule file "
                "does not keep (its values are read without it): remove it before writing the "
                "rulebook", field=path[-1] if path else "", value=value, where=where)


def _texts(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every text in ``value`` (a mapping's keys too) with where it is: its table, row and
    key."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for name, inner in value.items():
            yield path, str(name)
            yield from _texts(inner, (*path, str(name)))
    elif isinstance(value, list | tuple):
        for number, inner in enumerate(value, start=1):
            yield from _texts(inner, (*path, f"row {number}") if isinstance(inner, Mapping)
                              else path)


# -- reading ----------------------------------------------------------------------------------


class _Reader:
    """Reads the parts of a form, collecting the problems of every table."""

    def __init__(self) -> None:
        self.tables: list[Cells] = []

    def cells(self, table: str) -> Cells:
        found = Cells(table)
        self.tables.append(found)
        return found

    @property
    def problems(self) -> list[RowProblem]:
        return [p for t in self.tables for p in t.problems]

    def rows(self, value: object, table: str) -> list[Row]:
        """An array of tables as rows numbered from 1 (or by their ``_row``)."""
        if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
            self.cells(table).add(0, table, value, "must be an array of tables ([[...]])")
            return []
        return [{"_row": n, **r} for n, r in enumerate(value, start=1)]

    def table(self, value: object, table: str) -> Row | None:
        """A single table as one row."""
        if not isinstance(value, Mapping):
            self.cells(table).add(0, table, value, "must be a table ([...])")
            return None
        return {"_row": 0, **value}

    def record(self, cells: Cells, row: Row, fields: Mapping[str, Parse],
               required: tuple[str, ...] = (), nested: tuple[str, ...] = ()) -> dict[str, Any]:
        """The parsed values of ``row``'s keys (absent and empty ones left out), after refusing
        its unknown keys; `REFUSED` marks a cell that was refused."""
        cells.unknown(row, (*fields, *nested), "key")
        values: dict[str, Any] = {}
        for name, parse in fields.items():
            if name in row or name in required:
                missing = object()
                value = cells.cell(row, name, parse, required=name in required,
                                   default=missing)
                if value is not missing:
                    values[name] = value
                elif row.get(name, "") not in ("", None) or name in required:
                    values[name] = REFUSED
        return values


def _build(cells: Cells, row: Row, values: dict[str, Any],
           make: Callable[[dict[str, Any]], Any]) -> Any:
    """``make(values)``, unless one of them was refused; a refusal by ``make`` is a problem of
    the row."""
    if any(v is REFUSED for v in values.values()):
        return None
    return cells.build(row, make, dict(values))


def rulebook_from_form(form: Mapping[str, Any], *, where: str, version: str | None = None,
                       tabular: bool = False) -> Rulebook:
    """Read a rulebook from the nested data of a rule file.

    Args:
        form: the data, as `tomllib` reads a TOML rule file.
        where: the file, for messages.
        version: the version name, overriding the file's own.
        tabular: the form came from tables: problems name the tables' sheets and settings
            (``settings``, column ``store.min_score``) instead of TOML tables.

    Raises:
        ImportFailed: every unknown table or key and every bad value, each named with its
            table, row and key; a rulebook whose parts do not fit.
    """
    read = _Reader()
    top = read.cells("")
    for key in form:
        if key not in TABLES and key != "_row":
            top.add(0, str(key), form[key], f"unknown table {key!r}; tables: "
                    f"{', '.join(TABLES)}")
    name = version if version is not None else form.get("version")
    if not isinstance(name, str) or not name.strip():
        top.add(0, "version", name, 'is required: a text such as version = "2026"')
    parts: dict[str, Any] = {"items": _items(read, form.get("items", []))}
    if "category_caps" in form:
        parts["category_caps"] = _category_caps(read, form["category_caps"])
    if "policy" in form:
        parts["policy"] = _policy(read, form["policy"])
    if "rewards" in form:
        parts["rewards"] = _rewards(read, form["rewards"])
    for key in POLICIES:
        if key in form:
            parts["services" if key == "service_policy" else key] = _policy_table(
                read, key, form[key], form.get("services") if key == "service_policy" else None)
    if "benefits" in form:
        parts["benefits"] = _records(read, form["benefits"], "benefits", BENEFIT,
                                     ("code", "title"),
                                     lambda v: Benefit(v.pop("code"), v.pop("title"), **v))
    if "campaigns" in form:
        parts["campaigns"] = _records(
            read, form["campaigns"], "campaigns", CAMPAIGN,
            ("code", "title", "start", "end"),
            lambda v: Campaign(v.pop("code"), v.pop("title"), **v))
    if "vetoes" in form:
        cells = read.cells("[vetoes]")
        row = read.table(form["vetoes"], "[vetoes]")
        if row is not None:
            parts["vetoes"] = _build(cells, row, read.record(cells, row, VETOES),
                                     lambda v: Vetoes(**v))
    if "services" in form and "service_policy" not in form:
        parts["services"] = _policy_table(read, "service_policy", {}, form["services"])
    if "matters" in form:
        parts["matters"] = _matters(read, form["matters"])
    if read.problems:
        raise fail([_as_table(p) if tabular else p for p in read.problems], where)
    try:
        return Rulebook(str(name), **parts)
    except PointsLedgerError as exc:
        field = str(exc.fields.get("field", ""))
        raise fail([RowProblem(0, field, str(exc.fields.get("value", "")), exc.message)],
                   where) from None


def _as_table(problem: RowProblem) -> RowProblem:
    """A problem found in a form read from tables, as the table and column it came from."""
    table = problem.table.strip("[]")
    if table in POLICIES or table == "vetoes":
        return attrs.evolve(problem, table="settings", column=f"{table}.{problem.column}")
    name = table.split(" ")[-1]
    nested = {"tiers": "tiers", "categories": "wish_categories", "steps": "matter_steps"}
    return attrs.evolve(problem, table=nested.get(name, name))


def _items(read: _Reader, value: object) -> list[ChecklistItem]:
    cells = read.cells("[[items]]")
    items: list[ChecklistItem] = []
    seen: dict[str, int] = {}
    for row in read.rows(value, "[[items]]"):
        got = read.record(cells, row, ITEM, ("code", "title", "category", "points"))
        code = got.get("code")
        if isinstance(code, str) and code in seen:
            cells.add(row, "code", code, f"repeats the code of row {seen[code]}")
        elif isinstance(code, str):
            seen[code] = row["_row"]
        item = _build(cells, row, got, lambda v: ChecklistItem(
            v["code"], v["title"], category=v["category"], points=v["points"],
            unit=v.get("unit", ""), cap=_cap_list(v),
            evidence_required=v.get("evidence_required", False),
            serious=v.get("serious", False), per_value=v.get("per_value")))
        if item is not None:
            items.append(item)
    return items


def _cap_list(values: Mapping[str, Any]) -> list[Cap]:
    return [Cap(values[cap], per=cap[4:]) for cap in CAPS if cap in values]


def _category_caps(read: _Reader, value: object) -> dict[str, list[Cap]]:
    cells = read.cells("[category_caps]")
    if not isinstance(value, Mapping):
        cells.add(0, "category_caps", value, 'must be a table: [category_caps."志愿服务"]')
        return {}
    out: dict[str, list[Cap]] = {}
    for category, caps in value.items():
        if category == "_row":
            continue
        if not isinstance(caps, Mapping):
            cells.add(0, str(category), caps, "must be a table of caps, such as "
                      f'[category_caps."{category}"] with cap_month = 30')
            continue
        row = {"_row": caps.get("_row", 0), "category": category,
               **{k: v for k, v in caps.items() if k != "_row"}}
        got = read.record(cells, row, {"category": text, **{c: whole for c in CAPS}})
        found = _build(cells, row, got, _cap_list)
        if found is not None:
            out[category] = found
    return out


def _policy(read: _Reader, value: object) -> Policy:
    cells = read.cells("[policy]")
    grants: dict[str, list[str]] = {}
    if not isinstance(value, Mapping):
        cells.add(0, "policy", value, 'must be a table: award = ["grid_worker", "committee"]')
        return Policy()
    for command, roles in value.items():
        if command == "_row":
            continue
        if command not in COMMANDS:
            cells.add(0, str(command), roles, f"unknown command {command!r}; commands: "
                      f"{', '.join(COMMANDS)}")
            continue
        try:
            grants[command] = [] if roles in ("", None) else words(roles)
        except (TypeError, ValueError) as exc:
            cells.add(0, str(command), roles, str(exc))
    return cells.build({"_row": 0, **value}, Policy, grants) or Policy()


def _rewards(read: _Reader, value: object) -> list[Reward]:
    cells = read.cells("[[rewards]]")
    out: list[Reward] = []
    for row in read.rows(value, "[[rewards]]"):
        got = read.record(cells, row, REWARD, ("code", "title", "cost"),
                          ("limits", "price_rules"))
        label = f"rewards {row.get('code', row['_row'])}"
        limits = _nested(read, row.get("limits", []), f"{label} limits", LIMIT,
                         ("max_quantity", "per"), lambda v: Limit(**v))
        prices = _nested(read, row.get("price_rules", []), f"{label} price_rules", PRICE_RULE,
                         ("min_age", "percent"),
                         lambda v: PriceRule(v["min_age"], v.get("max_age"), v["percent"]))
        if limits is None or prices is None:
            continue
        reward = _build(cells, row, {**got, "limits": limits, "price_rules": prices},
                        lambda v: Reward(v.pop("code"), v.pop("title"), **v))
        if reward is not None:
            out.append(reward)
    return out


def _records(read: _Reader, value: object, table: str, fields: Mapping[str, Parse],
             required: tuple[str, ...], make: Callable[[dict[str, Any]], Any]) -> list[Any]:
    """The records of an array of tables (``[[benefits]]``, ``[[campaigns]]``) that were
    built; the refused ones are problems of ``read``."""
    return _nested(read, value, f"[[{table}]]", fields, required, make) or []


def _nested(read: _Reader, value: object, table: str, fields: Mapping[str, Parse],
            required: tuple[str, ...], make: Callable[[dict[str, Any]], Any]
            ) -> list[Any] | None:
    """The records of a list nested in a row (None when one was refused)."""
    cells = read.cells(table)
    before = len(read.problems)
    out = []
    for row in read.rows(value, table):
        got = read.record(cells, row, fields, required)
        record = _build(cells, row, got, make)
        if record is not None:
            out.append(record)
    return out if len(read.problems) == before else None


def _policy_table(read: _Reader, key: str, value: object, services: object) -> Any:
    """One of the single tables ([store], [expiry], ...) as its record."""
    cls, fields = POLICIES[key]
    cells = read.cells(f"[{key}]")
    row = read.table(value, f"[{key}]")
    if row is None:
        return None
    nested = NESTED.get(key)
    got = read.record(cells, row, fields, (), (nested[0],) if nested else ())
    if nested is not None and nested[0] in row:
        name, spec = nested
        if key == "ratings":
            found = _nested(read, row[name], f"[{key}] {name}", spec, ("stars", "min_score"),
                            lambda v: (v["stars"], v["min_score"]))
        else:
            found = _nested(read, row[name], f"[{key}] {name}", spec, ("name",),
                            lambda v: WishCategory(**v))
        got[name] = REFUSED if found is None else found
    if key == "service_policy":
        found = _services(read, services if services is not None else [])
        got["services"] = REFUSED if found is None else found
    return _build(cells, row, got, lambda v: cls(**v))


def _services(read: _Reader, value: object) -> list[Service] | None:
    cells = read.cells("[[services]]")
    before = len(read.problems)
    out = []
    for row in read.rows(value, "[[services]]"):
        got = read.record(cells, row, SERVICE, ("code", "title", "category"))
        service = _build(cells, row, got, lambda v: Service(v.pop("code"), v.pop("title"), **v))
        if service is not None:
            out.append(service)
    return out if len(read.problems) == before else None


def _matters(read: _Reader, value: object) -> list[Matter]:
    cells = read.cells("[[matters]]")
    out: list[Matter] = []
    for row in read.rows(value, "[[matters]]"):
        got = read.record(cells, row, MATTER, ("code", "title", "kind", "role"), ("steps",))
        steps = _nested(read, row.get("steps", []), f"matters {row.get('code', row['_row'])} "
                        "steps", STEP, ("code", "title", "role"),
                        lambda v: ProcedureStep(v.pop("code"), v.pop("title"), **v))
        if steps is None:
            continue
        matter = _build(cells, row, {**got, "steps": steps},
                        lambda v: Matter(v.pop("code"), v.pop("title"), **v))
        if matter is not None:
            out.append(matter)
    return out


def refuse(problems: list[RowProblem], where: str) -> ImportFailed:
    """The error for ``problems`` found in ``where`` (re-exported for the file readers)."""
    return fail(problems, where)
