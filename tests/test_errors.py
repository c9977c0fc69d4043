"""Errors for APIs: every class has an HTTP status and a Chinese message; to_dict is JSON."""

from __future__ import annotations

import ast
import contextlib
import importlib
import json
import pickle
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pointsledger
from pointsledger import (
    AlreadyResolved,
    CapExceeded,
    InsufficientPoints,
    NotEligible,
    PointsLedgerError,
    StateError,
    UnknownAccount,
    ValidationError,
)
from pointsledger.errors import LOCALES
from pointsledger.rules.problems import Problem

from .helpers import GRID, make_village
from .test_ledger import refused
from .test_store import KEEPER, make_shop

SRC = Path(pointsledger.__file__).resolve().parent
STATUSES = {400, 403, 404, 409, 422, 500, 503}
CJK = re.compile(r"[\u4e00-\u9fff]")


def all_errors(cls: type[PointsLedgerError] = PointsLedgerError) -> Iterator[type[Any]]:
    """The class and all its subclasses, recursively."""
    yield cls
    for sub in cls.__subclasses__():
        yield from all_errors(sub)


def import_everything() -> None:
    """Import every module of pointsledger, so subclasses defined outside errors.py count."""
    for module in pkgutil.walk_packages(pointsledger.__path__, "pointsledger."):
        with contextlib.suppress(ImportError):  # an optional extra that is not installed
            importlib.import_module(module.name)


import_everything()
ERRORS = sorted(set(all_errors()), key=lambda c: c.__name__)
BY_NAME = {cls.__name__: cls for cls in ERRORS}

# what each raise site passes, by field name, in the shape the sites pass it
SAMPLES: dict[str, Any] = {
    "account": "H001", "household": "H001", "actor": "g-07", "volunteer": "M003",
    "command": "award", "allowed": ["committee", "grid_worker"], "case": "c12",
    "flow": "claim", "state": "posted", "step": "withdraw", "item": "ENV-01", "matter": "XW-01",
    "reward": "SOAP", "scope": "item", "name": "ENV-01", "cap": 10, "per": "month",
    "period": "2026-03", "used": 10, "remaining": 0, "requested": 5, "available": 3,
    "needed": 20, "asked": 2, "on_hand": 4, "reserved": 5, "maximum": 2,
    "limit": "household H001", "reason": "day", "score": 55, "threshold": 600,
    "held": 30, "kind": "reversed", "day": "2026-03-02", "until": "2026-12-31T23:59:59+08:00",
    "occurred_at": "2026-03-16T09:00:00+08:00", "now": "2026-03-15T09:00:00+08:00",
    "closed_before": "2026-03-01T00:00:00+08:00", "effective_from": "2026-03-01",
    "window_days": 90, "key": "ENV-01/H001/1", "event": "e42-1a2b3c4d5e6f",
    "entry": "e42-1a2b3c4d5e6f", "reversal": "e43-0a1b2c3d4e5f", "open": [7, 9], "seq": 42,
    "line": 43, "expected": 41, "actual": 42, "path": "village.db", "region": "G01",
    "grid": "G01", "parent": "G01", "version": "2026", "service": "repair",
    "status": "handed_over", "expired": "2026-03-04T10:00:00+08:00", "balance": 12,
    "problems": [Problem("error", "version_taken", "version '2026' is taken")],
    "field": "key", "value": "a b", "through": "2026-03-31", "claims": ["c1", "c2"],
    "members": ["M001"], "cases": ["c3"], "source": "H001", "destination": "H002",
    "minutes": 45, "unit": 60, "to": "M009", "tz": "Mars/Olympus", "as_of": "2026-04-01",
}

# raise sites whose fields no template uses (they fall back to the generic sentence)
GENERIC_ON_PURPOSE = {
    ("ConcurrencyError", frozenset({"expected", "actual"})),   # nothing for people in them
    ("NoRulebookInForce", frozenset({"at"})),                  # raw microseconds
    ("ValidationError", frozenset({"delta"})),                 # a test clock
    ("ValidationError", frozenset({"when"})),
    ("ValidationError", frozenset({"seq"})),                   # a store's internals
    ("ValidationError", frozenset({"synchronous"})),
    ("ValidationError", frozenset({"households"})),            # the demo
    ("ValidationError", frozenset({"extra"})),
    ("ValidationError", frozenset({"donation_item"})),
    ("ValidationError", frozenset({"balance_to"})),
    ("ValidationError", frozenset({"kind"})),
    ("ValidationError", frozenset({"flow"})),
    ("ValidationError", frozenset({"method"})),
}


Site = tuple[str, frozenset[str], str, tuple[tuple[str, Any], ...]]


def raise_sites() -> list[Site]:
    """(class name, keyword names, place, constant keyword values) of every call of an error
    class in the sources."""
    sites = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in BY_NAME and all(k.arg for k in node.keywords):  # skip **fields
                sites.append((name, frozenset(str(k.arg) for k in node.keywords),
                              f"{path.relative_to(SRC)}:{node.lineno}",
                              tuple((str(k.arg), k.value.value) for k in node.keywords
                                    if isinstance(k.value, ast.Constant))))
    return sites


SITES = raise_sites()


def has_cjk(text: object) -> bool:
    return isinstance(text, str) and bool(CJK.search(text))


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_states_status_and_chinese(cls: type[PointsLedgerError]) -> None:
    """Each class declares its own HTTP status and Chinese text (subclasses outside errors.py
    may inherit them); empty fields give the generic sentence."""
    if cls.__module__ == "pointsledger.errors":
        assert {"http_status", "zh_generic", "zh_templates"} <= set(vars(cls)), cls.__name__
    assert cls.http_status in STATUSES and has_cjk(cls.zh_generic)
    error = cls("english text")
    assert error.message_for("zh") == cls.zh_generic
    assert error.message_for() == cls.zh_generic
    assert error.message_for("en") == "english text"
    body = error.to_dict()
    assert body == {"code": cls.code, "status": cls.http_status, "message": cls.zh_generic,
                    "fields": {}}


def test_raise_sites_are_found() -> None:
    """The scan finds the raise sites (so the next test checks something)."""
    assert len(SITES) > 150
    assert {site[0] for site in SITES} >= {
        "CapExceeded", "InsufficientPoints", "StateError", "NotEligible", "IntegrityError"}


@pytest.mark.parametrize("site", SITES, ids=lambda s: f"{s[0]}@{s[2]}")
def test_each_raise_site_gets_chinese_text(site: Site) -> None:
    """The fields a raise site passes give Chinese text, from a template unless listed."""
    name, names, _at, constants = site
    cls = BY_NAME[name]
    fields = {n: SAMPLES.get(n, "X1") for n in names} | dict(constants)
    error = cls("english", **fields)
    text = error.message_for("zh")
    assert has_cjk(text) and "{" not in text
    if names and (name, names) not in GENERIC_ON_PURPOSE:
        assert text != cls.zh_generic, (name, sorted(names))
    assert error.message_for("en") == "english"
    json.dumps(error.to_dict())


def test_templates_use_only_known_placeholders() -> None:
    """Every template parses and names fields some raise site or sample knows."""
    from pointsledger._error_text import names

    known = set(SAMPLES) | {n for site in SITES for n in site[1]}
    for cls in ERRORS:
        templates = list(cls.zh_templates)
        templates += [t for ts in getattr(cls, "zh_reasons", {}).values() for t in ts]
        for template in templates:
            assert names(template) <= known, (cls.__name__, template)
            assert has_cjk(template)


def test_statuses_follow_the_documented_table() -> None:
    """The status of each family: bad input, permission, not found, conflict, rule, broken."""
    expected = {
        400: {"ValidationError", "RulebookError"},
        403: {"PermissionDenied"},
        404: {"NotFound", "UnknownItem", "UnknownReward", "UnknownAccount", "UnknownRegion",
              "UnknownEntry"},
        409: {"AlreadyExists", "IdempotencyConflict", "AlreadyReversed", "AlreadyResolved",
              "StateError", "ConcurrencyError"},
        422: {"NoRulebookInForce", "CapExceeded", "NotReversible", "TimingError",
              "OccurredInFuture", "BackdatedTooFar", "PeriodClosed", "DeadlinePassed",
              "AccountClosed", "BalanceNotZero", "EvidenceRequired", "InsufficientPoints",
              "OutOfStock", "LimitReached", "NotEligible", "ReservationExpired",
              "InsufficientMinutes"},
        500: {"PointsLedgerError", "IntegrityError"},
        503: {"StoreError"},
    }
    assert {cls.__name__: cls.http_status for cls in ERRORS
            if cls.__module__ == "pointsledger.errors"} == {
        name: status for status, names in expected.items() for name in names}


def test_award_beyond_cap_in_chinese() -> None:
    """A real cap refusal reads as a cadre would say it, with the period in Chinese."""
    village = make_village("memory")
    led = village.ledger
    for n in range(2):
        led.award("H001", "ENV-01", by=GRID, key=f"cap/{n}", occurred_at=village.clock())
    exc = refused(led, CapExceeded, lambda: led.award(
        "H001", "ENV-01", by=GRID, key="cap/2", occurred_at=village.clock()))
    assert exc.message_for("zh") == (
        "积分项目「ENV-01」每月最多得10分，2026年3月已得10分，还可得0分，本次申请5分")
    assert exc.message_for("en") == str(exc) and "caps 'H001'" in str(exc)
    body = exc.to_dict()
    assert (body["code"], body["status"], body["fields"]["remaining"]) == ("cap_exceeded", 422, 0)
    assert json.loads(json.dumps(body, ensure_ascii=False)) == body


def test_category_cap_names_the_category() -> None:
    """A category cap names the category (志愿服务) and its day."""
    village = make_village("memory")
    led = village.ledger
    led.award("H001", "VOL-01", by=GRID, key="v1", occurred_at=village.clock())
    led.award("H001", "VOL-02", by=GRID, key="v2", occurred_at=village.clock(), quantity=2)
    exc = refused(led, CapExceeded, lambda: led.award(
        "H001", "VOL-01", by=GRID, key="v3", occurred_at=village.clock()))
    assert exc.message_for() == (
        "积分类别「志愿服务」每日最多得8分，2026年3月2日已得7分，还可得1分，本次申请3分")


def test_redeem_with_too_few_points_in_chinese() -> None:
    """Too few points for a redemption: available, needed, and a 422 body."""
    shop = make_shop("memory")
    led = shop.ledger
    exc = refused(led, InsufficientPoints, lambda: led.redeem(
        "H1", "SOAP", quantity=1, by=KEEPER, key="r"))
    assert exc.message_for() == "账户「H1」可用积分0分，本次需要5分，积分不足"
    assert exc.to_dict("en") == {"code": "insufficient_points", "status": 422,
                                 "message": str(exc),
                                 "fields": {"account": "H1", "available": 0, "needed": 5}}


def test_redeem_on_a_closed_day_in_chinese() -> None:
    """A reward redeemed only on Fridays and at month end says so on a Monday."""
    shop = make_shop("memory")
    shop.earn("H1", times=3)
    led = shop.ledger
    exc = refused(led, NotEligible, lambda: led.redeem(
        "H1", "GIFT", quantity=1, by=KEEPER, key="g"))
    assert exc.message_for() == "「GIFT」只在规定的兑换日兑换，2026年3月2日不是兑换日"


def test_unknown_account_in_chinese() -> None:
    """An unknown household is a 404 naming the id."""
    village = make_village("memory")
    led = village.ledger
    exc = refused(led, UnknownAccount, lambda: led.award(
        "H999", "ENV-01", by=GRID, key="u", occurred_at=village.clock()))
    assert exc.http_status == 404
    assert exc.message_for().startswith("找不到户或成员「H999」")
    assert exc.to_dict()["fields"] == {"account": "H999"}


def test_illegal_step_in_chinese() -> None:
    """A workflow refusal names the flow, state, step and what may come next in Chinese."""
    exc = StateError("claim c1 is 'posted'", case="c1", flow="claim", state="posted",
                     step="withdraw", allowed=["appeal"])
    assert exc.message_for() == "积分申报「c1」目前已入账，不能撤回；现在可以办理：申诉"
    finished = StateError("x", case="c1", flow="wish", state="closed", step="claim", allowed=[])
    assert finished.message_for() == "微心愿「c1」目前已关闭，不能认领；现在可以办理：无"


HOSTILE = [
    "H001\u202e1ged",                 # right-to-left override
    "H0\u200b01",                     # zero-width space
    "Н001",                           # Cyrillic Н, looks like H001
    "H001\n积分已清零\r\x00\x1b[31m",  # new lines, NUL, an escape sequence
    "\ud800",                         # a lone surrogate
    "{account}{0}{}%s",               # format syntax inside a value
    "户" * 100_000,                   # very long
    "",
]


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")

    __repr__ = __str__


@pytest.mark.parametrize("value", [
    *HOSTILE, 10**5000, -(10**20), 2**64, float("nan"), float("inf"), -0.0, True,
    Unprintable(), [Unprintable(), 10**5000], {"k": (1, 2)}, frozenset({1, "a"}), b"\xff",
    pointsledger.Actor("g-07", roles={"grid_worker"}),
], ids=lambda v: type(v).__name__)
def test_hostile_values_render_and_serialise(value: object) -> None:
    """Look-alikes, control characters, huge numbers and broken objects never raise."""
    for cls in ERRORS:
        fields = {n: value for n in (*SAMPLES, "at", "delta")}
        error = cls("english", **fields)
        for locale in LOCALES:
            text = error.message_for(locale)
            assert text and len(text) < 2_000
            json.dumps(error.to_dict(locale)).encode("utf-8")
            json.dumps(error.to_dict(locale), ensure_ascii=False).encode("utf-8")


def test_hostile_text_cannot_rearrange_the_sentence() -> None:
    """Control and format characters in values show as escapes; long values are cut."""
    for value in HOSTILE[:5]:
        text = UnknownAccount("x", account=value).message_for()
        assert not any(c in text for c in "\u202e\u200b\n\r\x00\x1b\ud800"), repr(text)
        text.encode("utf-8")
    assert "\\u202e" in UnknownAccount("x", account=HOSTILE[0]).message_for()
    long = UnknownAccount("x", account="户" * 100_000).message_for()
    assert len(long) < 120 and "…" in long
    assert UnknownAccount("x", account="{account}{0}").message_for().startswith(
        "找不到户或成员「{account}{0}」")


def test_huge_numbers_in_messages_and_bodies() -> None:
    """Numbers too long for str() show in scientific notation and stay JSON-safe."""
    exc = InsufficientPoints("x", account="H1", available=-(10**5000), needed=10**20)
    assert exc.message_for() == "账户「H1」可用积分-1e5000分，本次需要1e20分，积分不足"
    body = json.loads(json.dumps(exc.to_dict()))
    assert body["fields"] == {"account": "H1", "available": "-1e5000", "needed": 10**20}


@given(st.dictionaries(
    st.sampled_from(sorted(SAMPLES)),
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
              st.lists(st.text(max_size=5), max_size=12), st.dates(), st.datetimes()),
))
def test_any_fields_render_and_serialise(fields: dict[str, Any]) -> None:
    """Whatever the field values, every class gives text and a JSON body."""
    for cls in ERRORS:
        error = cls("english", **fields)
        assert error.message_for("zh")
        assert json.loads(json.dumps(error.to_dict()))["status"] == cls.http_status


def test_to_dict_makes_fields_json_safe() -> None:
    """Tuples, sets, dates, records and NaN become JSON; the error's fields are untouched."""
    import datetime

    problem = Problem("error", "version_taken", "version '2026' is taken")
    exc = ValidationError("x", field="when", value=(1, {2}), day=datetime.date(2026, 3, 2),
                          problems=[problem], ratio=float("nan"))
    body = exc.to_dict()
    assert json.loads(json.dumps(body))["fields"] == {
        "field": "when", "value": [1, [2]], "day": "2026-03-02",
        "problems": [problem.to_dict()], "ratio": "nan"}
    assert exc.fields["value"] == (1, {2})


def test_locale_must_be_zh_or_en() -> None:
    """Another locale is a ValidationError naming it."""
    with pytest.raises(ValidationError) as info:
        UnknownAccount("x", account="H1").message_for("fr")
    assert info.value.fields == {"locale": "fr"}
    with pytest.raises(ValidationError):
        UnknownAccount("x", account="H1").to_dict("zh-CN")


def test_pickling_and_field_attributes_unchanged() -> None:
    """Pickled errors keep fields and messages; a field named status still reads as the field."""
    exc = AlreadyResolved("reservation 3 is already cancelled", reservation=3,
                          status="cancelled")
    assert exc.status == "cancelled" and exc.http_status == 409
    assert exc.message_for() == "这份预约已取消，不能再办理"
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is AlreadyResolved and again.fields == exc.fields
    assert again.to_dict() == exc.to_dict() and str(again) == str(exc)
