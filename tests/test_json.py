"""JSON forms: every record's to_dict() is JSON-safe, and tables have locale-free keys."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsledger import (
    Actor,
    Balance,
    Case,
    Event,
    ExpiringLot,
    Household,
    Ledger,
    Member,
    Problem,
    Rating,
    Region,
    Rulebook,
    ShareRule,
    StockLevel,
    ValidationError,
    Verified,
    rate,
    reports,
)
from pointsledger.base.clock import from_us, to_us
from pointsledger.base.jsonforms import fields_to_dict, instant_to_json, to_json_value
from pointsledger.core import events as events_module
from pointsledger.core.encoding import EVENT_TYPES
from pointsledger.core.events import Awarded, Details, Lot, Posting
from pointsledger.core.records import Adoption, Reservation
from pointsledger.core.store_events import Reserved
from pointsledger.reports.table import Table
from pointsledger.rules.benefits import share_rule_from_data
from pointsledger.rules.rulebook import rulebook_from_data, rulebook_to_data
from pointsledger.testing import command_sequences, rulebooks, run_commands, villages

from .helpers import COMMITTEE, GRID, START, TZ, make_village, rulebook

HEADER = ("seq", "kind", "id", "recorded_at", "occurred_at", "actor", "key", "version", "memo",
          "hash")
WHEN = pendulum.datetime(2026, 3, 2, 8, 30, tz=TZ)  # 00:30 UTC; 19:30 the day before in New York
WHEN_US = to_us(WHEN)


def round_trip(value: dict[str, Any]) -> Any:
    """``value`` through strict JSON text and back."""
    return json.loads(json.dumps(value, allow_nan=False, ensure_ascii=False))


def body_key(name: str) -> str:
    """The JSON key of a body field: an instant ``<name>_us`` is shown as ``<name>_at``."""
    return name[:-3] + "_at" if name.endswith("_us") else name


def check_event_dict(event: Event, tz: str) -> dict[str, Any]:
    """The checks every event's JSON form must pass; returns the form."""
    data = event.to_dict(tz)
    assert round_trip(data) == data
    extra = ["pickup_code"] if isinstance(event, Reserved) else []
    assert list(data) == [*HEADER, *(body_key(n) for n in event.BODY), *extra]
    if isinstance(event, Reserved):
        assert data["pickup_code"] == event.pickup_code
    assert (data["seq"], data["kind"], data["id"]) == (event.seq, event.KIND, event.id)
    assert bytes.fromhex(data["hash"]) == event.hash
    assert to_us(dt.datetime.fromisoformat(data["recorded_at"])) == event.recorded_us
    assert to_us(dt.datetime.fromisoformat(data["occurred_at"])) == event.occurred_us
    assert dt.datetime.fromisoformat(data["occurred_at"]).utcoffset() == \
        from_us(event.occurred_us, tz).utcoffset()
    return data


# -- properties ---------------------------------------------------------------------------


@given(st.data())
def test_every_event_of_generated_command_sequences_survives_json(data: st.DataObject) -> None:
    """Every event a generated village and command sequence writes has a to_dict() that comes
    back from json.dumps/json.loads unchanged, with its kind, seq, id, hash and instants."""
    village = data.draw(villages())
    ledger, clock = village.build()
    run_commands(ledger, clock, data.draw(command_sequences(village, max_size=12)))
    tz = data.draw(st.sampled_from([ledger.tz, "UTC", "America/New_York"]))
    written = list(ledger.events())
    assert [check_event_dict(e, tz)["seq"] for e in written] == list(range(1, len(written) + 1))
    assert {e.KIND for e in written} >= {"ledger_created", "rulebook_adopted", "region_added"}


_INSTANTS = st.integers(0, 4_000_000_000_000_000)  # 1970 to 2096
_TEXT = st.text(max_size=8)
_SCALAR = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _TEXT
_VALUES: dict[Any, st.SearchStrategy[Any]] = {
    int: _INSTANTS,
    str: _TEXT,
    str | None: st.none() | _TEXT,
    int | None: st.none() | _INSTANTS,
    tuple[str, ...]: st.lists(_TEXT, max_size=3).map(tuple),
    tuple[int, ...]: st.lists(st.integers(-(2**53), 2**53), max_size=3).map(tuple),
    tuple[Lot, ...]: st.lists(st.tuples(_INSTANTS, st.integers(-99, 99), _INSTANTS),
                              max_size=3).map(tuple),
    tuple[Posting, ...]: st.lists(st.tuples(_TEXT, _TEXT, st.integers(0, 99)),
                                  max_size=3).map(tuple),
    Details: st.lists(st.tuples(_TEXT, _SCALAR | st.lists(_SCALAR, max_size=2).map(tuple)),
                      max_size=3).map(tuple),
    Rulebook: rulebooks(),
    ShareRule: st.builds(ShareRule, st.sampled_from(["points", "stars"]),
                         st.lists(st.tuples(st.integers(1, 5), st.integers(0, 9)), max_size=3),
                         st.booleans()),
    tuple[tuple[str, int, int], ...]: st.lists(st.tuples(_TEXT, st.integers(0, 99),
                                                         st.integers(0, 10**6)),
                                               max_size=3).map(tuple),
}


@st.composite
def any_events(draw: st.DrawFn) -> Event:
    """An event of any kind with arbitrary field values of its declared types."""
    cls = draw(st.sampled_from(sorted(EVENT_TYPES.values(), key=lambda c: c.KIND)))
    fields = attrs.fields(attrs.resolve_types(cls, vars(events_module)))
    values = [draw(_VALUES[f.type]) for f in fields if f.name != "hash"]
    return cls(*values, hash=draw(st.binary(min_size=32, max_size=32)))


@given(any_events(), st.sampled_from([TZ, "UTC", "America/New_York", "Asia/Kathmandu"]))
def test_every_event_kind_survives_json(event: Event, tz: str) -> None:
    """An event of every kind, whatever its values, has a JSON-safe to_dict() with the header,
    then its body fields in declared order (instants as ISO 8601, a rulebook as its data)."""
    data = check_event_dict(event, tz)
    for name in event.BODY:
        value = data[body_key(name)]
        if name.endswith("_us"):
            assert to_us(dt.datetime.fromisoformat(value)) == getattr(event, name)
        elif name == "rulebook":
            assert rulebook_from_data(value) == event.rulebook  # type: ignore[attr-defined]
        elif isinstance(getattr(event, name), ShareRule):
            assert share_rule_from_data(value) == getattr(event, name)
        else:
            assert value == round_trip({"v": getattr(event, name)})["v"]


def test_no_body_field_hides_a_header_field() -> None:
    """No event kind has a body field whose JSON key is a header key."""
    for cls in EVENT_TYPES.values():
        assert not set(map(body_key, cls.BODY)) & set(HEADER), cls.KIND


@given(st.recursive(_SCALAR | st.floats(allow_nan=False, allow_infinity=False),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=10))
def test_json_data_converts_to_itself(value: Any) -> None:
    """JSON data is its own JSON form."""
    assert to_json_value(value) == value


# -- events -------------------------------------------------------------------------------


def test_an_award_in_the_ledger_zone_and_in_another() -> None:
    """An award's instants show in the ledger's zone (+08:00) or another one, same instant."""
    village = make_village("memory")
    event = village.ledger.award("H001", "ENV-01", by=GRID, key="a", occurred_at=WHEN,
                                 evidence=["photo-1"], memo="院落整洁")
    data = event.to_dict()
    assert data["occurred_at"] == "2026-03-02T08:30:00+08:00"
    assert data["recorded_at"].startswith("2026-03-02T09:00:00.")  # the clock's microseconds
    assert data["recorded_at"].endswith("+08:00")
    assert {k: data[k] for k in ("kind", "actor", "key", "version", "memo", "account", "item",
                                 "quantity", "points", "evidence", "lots")} == {
        "kind": "awarded", "actor": "g-07", "key": "a", "version": "2026", "memo": "院落整洁",
        "account": "H001", "item": "ENV-01", "quantity": 1, "points": 5,
        "evidence": ["photo-1"], "lots": []}
    assert event.to_dict("America/New_York")["occurred_at"] == "2026-03-01T19:30:00-05:00"
    assert event.to_dict("UTC")["occurred_at"] == "2026-03-02T00:30:00+00:00"
    assert json.loads(json.dumps(event.to_dict())) == data


def test_an_adoption_event_carries_the_rulebook_data() -> None:
    """A rulebook_adopted event's rulebook is its data form, as in the canonical encoding."""
    village = make_village("memory")
    adopted = village.ledger.event(2)
    data = adopted.to_dict()
    assert data["kind"] == "rulebook_adopted"
    assert data["rulebook"] == round_trip(rulebook_to_data(rulebook()))
    assert data["effective_from"] == "2026-01-01" and data["effective_until"] is None
    assert data["resolution"] == "村民代表会议表决通过" and data["warnings"] == []


def test_body_instants_are_named_at() -> None:
    """A body field ``<name>_us`` becomes ``<name>_at`` in ISO 8601 with offset."""
    lot: Lot = (3, 5, WHEN_US)
    event = Reserved(9, WHEN_US, WHEN_US, "s-01", "k", "2026", "", "H001", "SOAP",
                     1, 5, 5, "", WHEN_US + 3_600_000_000, (lot,))
    data = event.to_dict()
    assert data["expires_at"] == "2026-03-02T09:30:00+08:00"
    assert data["lots"] == [[3, 5, WHEN_US]]  # nested instants stay microseconds
    assert "expires_us" not in data and data["hash"] == "" and data["id"] == "e9-"


# -- records ------------------------------------------------------------------------------


def test_balance_has_available() -> None:
    """A balance's dict has its derived available points."""
    balance = Balance("H001", posted=12, pending=3, held=5)
    assert balance.to_dict() == {"account": "H001", "posted": 12, "pending": 3, "held": 5,
                                 "available": 7}
    assert attrs.asdict(balance) != balance.to_dict()  # asdict drops the derived field


def test_registry_records() -> None:
    """Households, members (roles sorted, birth date ISO) and regions."""
    village = make_village("memory")
    led = village.ledger
    assert led.household("H001").to_dict() == {"id": "H001", "grid": "G01",
                                               "head": led.household("H001").head,
                                               "closed": False}
    member = Member("M009", "H001", "张三", frozenset({"volunteer", "resident"}),
                    dt.date(1958, 5, 1))
    assert member.to_dict() == {"id": "M009", "household": "H001", "name": "张三",
                                "roles": ["resident", "volunteer"], "birth_date": "1958-05-01",
                                "closed": False}
    assert Region("G01", "第一网格", "grid", "V01").to_dict() == {
        "code": "G01", "name": "第一网格", "kind": "grid", "parent": "V01"}
    assert Household("H9", "G1", "李四", closed=True).to_dict()["closed"] is True
    for record in [*led.households().values(), *led.members().values(),
                   *led.regions().values()]:
        assert round_trip(record.to_dict()) == record.to_dict()


def test_adoption_in_two_zones() -> None:
    """An adoption: dates as YYYY-MM-DD, its range as ISO instants, the rulebook as data."""
    adoption = make_village("memory").ledger.adoptions()[0]
    assert isinstance(adoption, Adoption)
    data = adoption.to_dict()
    assert round_trip(data) == data
    assert {k: data[k] for k in ("effective_from", "effective_until", "from_at", "until_at",
                                 "resolution", "version")} == {
        "effective_from": "2026-01-01", "effective_until": None,
        "from_at": "2026-01-01T00:00:00+08:00", "until_at": None,
        "resolution": "村民代表会议表决通过", "version": "2026"}
    assert rulebook_from_data(data["rulebook"]) == adoption.rulebook
    assert adoption.to_dict("Europe/London")["from_at"] == "2025-12-31T16:00:00+00:00"


def test_reservation_stock_and_expiring_lots() -> None:
    """A reservation, a stock level (with free) and an expiring lot (an aware datetime)."""
    reservation = Reservation(7, "M001", "H001", "SOAP", 2, 10, "M001", WHEN_US, "2026",
                              WHEN_US - 60_000_000, ((3, 10, WHEN_US + 1),))
    data = reservation.to_dict()
    assert round_trip(data) == data
    assert data["expires_at"] == "2026-03-02T08:30:00+08:00"
    assert data["occurred_at"] == "2026-03-02T08:29:00+08:00"
    assert data["lots"] == [[3, 10, WHEN_US + 1]] and data["status"] == "open"
    assert reservation.to_dict("America/New_York")["expires_at"] == "2026-03-01T19:30:00-05:00"
    assert StockLevel("SOAP", 10, 3).to_dict() == {"reward": "SOAP", "on_hand": 10,
                                                   "reserved": 3, "free": 7}
    lot = ExpiringLot(3, 5, pendulum.datetime(2026, 12, 31, 16, tz="UTC"))
    assert lot.to_dict() == {"seq": 3, "points": 5, "expires_at": "2027-01-01T00:00:00+08:00"}
    assert lot.to_dict("UTC")["expires_at"] == "2026-12-31T16:00:00+00:00"


def test_a_case_with_and_without_a_deadline() -> None:
    """A case: instants as ISO, due_at None when there is no deadline, its derived points."""
    case = Case("claim", 10, "e10-abcdef", "in_notice", "H001", "H001", "ENV-01", "g-07",
                WHEN_US, WHEN_US - 1, WHEN_US, due_us=WHEN_US + 86_400_000_000,
                history=(("submit", "g-07", WHEN_US),), details=(("points", 5),))
    data = case.to_dict()
    assert round_trip(data) == data
    assert data["opened_at"] == "2026-03-02T08:30:00+08:00"
    assert data["due_at"] == "2026-03-03T08:30:00+08:00"
    assert data["history"] == [["submit", "g-07", WHEN_US]]
    assert data["details"] == [["points", 5]] and data["points"] == 5 and data["is_live"]
    assert attrs.evolve(case, due_us=0).to_dict()["due_at"] is None
    assert case.to_dict("UTC")["changed_at"] == "2026-03-02T00:30:00+00:00"


def test_verified_problem_rating_actor_rulebook() -> None:
    """The records without instants: verification, problem, rating, actor, rulebook."""
    village = make_village("memory")
    led = village.ledger
    led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=START.subtract(days=1))
    verified = led.verify()
    assert isinstance(verified, Verified)
    assert verified.to_dict() == {"events": led.head, "head_hash": verified.head_hash}
    assert Problem("warning", "cap_below_award", "cap 3 < 5", "ENV-01").to_dict() == {
        "severity": "warning", "code": "cap_below_award", "message": "cap 3 < 5",
        "subject": "ENV-01", "seq": None}
    ratings = rate(led, START.date())
    assert all(isinstance(r, Rating) and round_trip(r.to_dict()) == r.to_dict()
               for r in ratings)
    assert set(ratings[0].to_dict()) == {"household", "period", "earned", "deducted",
                                         "violations", "serious", "score", "stars",
                                         "vetoes"}
    assert COMMITTEE.to_dict() == {"id": "c-01", "roles": ["committee"]}
    assert Actor("x", roles={"b", "a"}).to_dict("UTC") == {"id": "x", "roles": ["a", "b"]}
    book = rulebook()
    assert book.to_dict() == round_trip(rulebook_to_data(book))
    assert rulebook_from_data(book.to_dict()) == book


def test_a_bad_zone_or_value_is_refused() -> None:
    """An unknown zone, a naive datetime, a non-finite float, a non-string key or an object
    without a JSON form raise ValidationError."""
    with pytest.raises(ValidationError, match="Mars/Olympus"):
        Balance("H001", 1).to_dict("Mars/Olympus")
    with pytest.raises(ValidationError):
        Awarded(1, 0, 0, "a", "k", "", "", "H", "I", 1, 1, (), ()).to_dict("Mars/Olympus")
    with pytest.raises(ValidationError):
        instant_to_json(0, 8)  # type: ignore[arg-type]
    for bad in (dt.datetime(2026, 1, 1), math.nan, {1: "x"}, object()):
        with pytest.raises(ValidationError):
            to_json_value(bad)
    assert fields_to_dict([("at_us", None), ("n", b"\x01")]) == {"at_at": None, "n": "01"}


# -- tables -------------------------------------------------------------------------------


@pytest.fixture
def scored() -> Ledger:
    """A village with awards, a reversed deduction and a standing one."""
    village = make_village("memory")
    led = village.ledger
    when = village.clock().subtract(days=1)
    led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=when)
    led.award("H001", "VOL-02", by=GRID, key="b", occurred_at=when)
    wrong = led.deduct("H001", "COV-03", by=GRID, key="c", occurred_at=when)
    led.reverse(wrong.id, reason="误录", by=COMMITTEE, key="r")
    led.deduct("H003", "COV-03", by=GRID, key="d", occurred_at=when)
    return led


REPORTS = {
    "statement": lambda led, loc: reports.statement(led, "H001", period="2026-03", locale=loc),
    "balances": lambda led, loc: reports.balances(led, locale=loc),
    "honour_board": lambda led, loc: reports.honour_board(led, "2026-03", locale=loc),
    "black_board": lambda led, loc: reports.honour_board(led, "2026-03", bottom=True,
                                                         locale=loc),
    "star_households": lambda led, loc: reports.star_households(led, "2026", locale=loc),
    "category_summary": lambda led, loc: reports.category_summary(led, locale=loc),
    "period_summary": lambda led, loc: reports.period_summary(led, locale=loc),
    "rollup": lambda led, loc: reports.rollup(led, locale=loc),
    "store_summary": lambda led, loc: reports.store_summary(led, locale=loc),
    "public_notice": lambda led, loc: reports.public_notice(led, "2026-03", locale=loc),
    "audit_trail": lambda led, loc: reports.audit_trail(led, locale=loc),
    "claims_notice": lambda led, loc: reports.claims_notice(led, locale=loc),
    "wish_wall": lambda led, loc: reports.wish_wall(led, COMMITTEE, locale=loc),
    "case_board": lambda led, loc: reports.case_board(led, "wish", locale=loc),
    "claimer_ranking": lambda led, loc: reports.claimer_ranking(led, "order", locale=loc),
    "passbook": lambda led, loc: reports.passbook(led, "M001", locale=loc),
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_table_keys_do_not_change_with_the_locale(scored: Ledger, name: str) -> None:
    """Each report's to_dict() has the same column keys, row keys and summary names in Chinese
    and English, while the labels differ; it survives JSON and to_json() writes it."""
    zh, en = (REPORTS[name](scored, locale).to_dict() for locale in ("zh", "en"))
    assert zh["columns"] == en["columns"] and list(zh["labels"]) == zh["columns"]
    assert zh["labels"] != en["labels"]
    assert [list(row) for row in zh["rows"]] == [list(row) for row in en["rows"]]
    assert all(list(row) == zh["columns"] for row in zh["rows"])
    assert zh["summary"] == en["summary"]
    assert round_trip(zh) == zh
    assert json.loads(REPORTS[name](scored, "zh").to_json()) == zh


def test_statement_summary_names_the_opening_and_closing_balance(scored: Ledger) -> None:
    """A statement's opening and closing balances are summary fields, equal to its notes and
    to the balance."""
    table = reports.statement(scored, "H001", period="2026-03", locale="en")
    data = table.to_dict()
    anchor = str(scored.anchor())
    assert data["summary"] == {"account": "H001", "period": "2026-03", "opening": 0,
                               "closing": scored.household_balance("H001").posted,
                               "anchor": anchor, "household": True}
    assert table.notes == (f"opening balance: {data['summary']['opening']}",
                           f"closing balance: {data['summary']['closing']}",
                           f"ledger anchor (to verify): {anchor}")
    assert data["columns"] == ["date", "seq", "account", "entry", "points", "balance", "actor",
                               "reason", "link"]
    assert data["labels"]["date"] == "date"
    assert reports.statement(scored, "H001", period="2026-03").to_dict()["labels"]["date"] == \
        "日期"
    assert data["rows"][0] == {"date": "2026-03-01", "seq": data["rows"][0]["seq"],
                               "account": "H001", "entry": "庭院环境整洁", "points": 5,
                               "balance": 5, "actor": "g-07", "reason": "", "link": ""}


def test_store_and_balance_summaries(scored: Ledger) -> None:
    """The store summary's liability and expiry, and the balances' totals, are named fields."""
    store = reports.store_summary(scored).to_dict()["summary"]
    accounts = [*scored.households(), *scored.members()]
    assert store == {"period": None, "expired": 0,
                     "liability": sum(max(0, scored.balance(a).available) for a in accounts)}
    totals = reports.balances(scored).to_dict()["summary"]
    assert totals["households"] == 4 and totals["earned"] == 7 and totals["deducted"] == 5
    notice = reports.public_notice(scored, "2026-03").to_dict()["summary"]
    assert notice["notice_from"] == scored.now().date().isoformat()
    assert notice["contact"] == "村务监督委员会"


def test_table_keys_default_to_the_labels_and_are_checked() -> None:
    """A table built without keys is keyed by its labels; keys must match the columns and be
    distinct, summary names distinct; a cell without a JSON form is given as text."""
    table = Table("t", ["名称", "积分"], [("a", 1), ("b", dt.date(2026, 1, 2))],
                  summary={"n": 2})
    assert table.keys == table.columns
    assert table.to_dict() == {"title": "t", "columns": ["名称", "积分"],
                               "labels": {"名称": "名称", "积分": "积分"},
                               "rows": [{"名称": "a", "积分": 1},
                                        {"名称": "b", "积分": "2026-01-02"}],
                               "notes": [], "summary": {"n": 2}}
    assert Table("t", ["x"], [(object,)]).to_dict()["rows"] == [{"x": str(object)}]
    with pytest.raises(ValueError, match="keys"):
        Table("t", ["a", "b"], [], keys=("a",))
    with pytest.raises(ValueError, match="distinct"):
        Table("t", ["a", "b"], [], keys=("k", "k"))
    with pytest.raises(ValueError, match="distinct"):
        Table("t", ["a"], [], summary=[("n", 1), ("n", 2)])


# -- the schema page ----------------------------------------------------------------------

PAGE = (Path(__file__).resolve().parent.parent / "docs" / "json.md").read_text(encoding="utf-8")


def _names(cell: str) -> list[str]:
    """The `code` names of a table cell, in order."""
    return re.findall(r"`([\w.]+)`", cell)


def _doc_rows(heading: str) -> dict[str, list[list[str]]]:
    """The rows of the tables in docs/json.md's section ``heading`` whose first cell is a
    `code` name: that name -> the names in each further cell."""
    out = {}
    for line in PAGE.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0].splitlines():
        if line.startswith("| `"):
            cells = [_names(c) for c in line.strip("|").split("|")]
            out[cells[0][0]] = cells[1:]
    return out


def test_the_schema_page_lists_every_event_kinds_body_keys() -> None:
    """docs/json.md gives each event kind's body keys as to_dict() writes them."""
    documented = _doc_rows("Events")
    derived = {"reserved": ["pickup_code"]}
    for kind, cls in EVENT_TYPES.items():
        expected = [body_key(n) for n in cls.BODY] + derived.get(kind, [])
        assert documented[kind][0] == expected, kind


def test_the_schema_page_lists_every_records_keys() -> None:
    """Each record's section of docs/json.md lists exactly its to_dict() keys, in order."""
    led = make_village("memory").ledger
    samples: list[Any] = [
        Balance("H001", 1), led.adoptions()[0],
        Reservation(7, "M001", "H001", "SOAP", 2, 10, "M001", WHEN_US, "2026", WHEN_US),
        led.household("H001"), led.member("M001"), led.region("G01"),
        Case("claim", 1, "e1-", "submitted", "H001", "H001", "ENV-01", "g-07", 0, 0, 0),
        StockLevel("SOAP", 1, 0), ExpiringLot(1, 1, WHEN), led.verify(),
        Problem("error", "c", "m"), Rating("H001", "2026", 0, 0, 0, 0, 0, 0), COMMITTEE,
    ]
    for record in samples:
        name = type(record).__name__
        section = PAGE.split(f"### `{name}`\n", 1)[1].split("\n#", 1)[0]
        keys = re.findall(r"^\| `(\w+)` \|", section, re.M)
        assert keys == list(record.to_dict()), name


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_the_schema_page_lists_every_reports_keys(scored: Ledger, name: str) -> None:
    """docs/json.md gives each report's column keys and summary names."""
    data = REPORTS[name](scored, "zh").to_dict()
    columns, summary = _doc_rows("Tables")[name]
    assert columns == data["columns"]
    assert [n for n in summary if n in data["summary"]] == list(data["summary"])
    assert set(data["summary"]) <= set(summary)
