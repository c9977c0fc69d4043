"""Examples for the Ledger's commands and their edge cases (properties are in test_properties)."""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

import pendulum
import pytest

from pointsledger import (
    PENALTY,
    POOL,
    AccountClosed,
    Actor,
    AlreadyExists,
    AlreadyReversed,
    BackdatedTooFar,
    BalanceNotZero,
    Cap,
    CapExceeded,
    ChecklistItem,
    EvidenceRequired,
    IdempotencyConflict,
    Ledger,
    ManualClock,
    NoRulebookInForce,
    NotReversible,
    OccurredInFuture,
    PeriodClosed,
    PermissionDenied,
    PointsLedgerError,
    Rulebook,
    RulebookError,
    UnknownAccount,
    UnknownEntry,
    UnknownItem,
    UnknownRegion,
    ValidationError,
)
from pointsledger.ledger.snapshot import dump as state_dump

from .helpers import COMMITTEE, GRID, RESIDENT, START, TZ, Village, make_village, rulebook

E = TypeVar("E", bound=Exception)


def snapshot(ledger: Ledger) -> tuple[Any, ...]:
    """Everything a failed command must leave untouched (white-box: the private state)."""
    s = ledger._state
    return (
        ledger.store.head(),
        s.seq,
        s.head_hash,
        dict(s.posted),
        dict(s.cap_used),
        dict(s.keys),
        dict(s.reversals),
        dict(s.households),
        dict(s.members),
        dict(s.regions),
        s.closed_before_us,
        s.adoptions,
    )


def refused(ledger: Ledger, error: type[E], call: Callable[[], object]) -> E:
    """Assert ``call`` raises ``error`` and writes nothing; return the exception."""
    before = snapshot(ledger)
    with pytest.raises(error) as info:
        call()
    assert snapshot(ledger) == before
    return info.value


def days_ago(village: Village, days: float) -> pendulum.DateTime:
    return village.clock().subtract(seconds=int(days * 86400))


def test_design_sketch_runs_as_written(tmp_path: Any) -> None:
    """The core lines of DESIGN.md's API sketch work as written there."""
    rules = rulebook()
    committee = Actor("c-01", roles={"committee"})
    grid = Actor("g-07", roles={"grid_worker"})
    today = pendulum.now("Asia/Shanghai")
    ledger = Ledger.open(tmp_path / "village.db")
    ledger.adopt(rules, effective_from=today.subtract(months=1).date(), by=committee,
                 resolution="村民代表会议表决通过")
    ledger.add_region("V01", "东沙沟村", kind="village", by=committee)
    ledger.add_region("G01", "第一网格", kind="grid", parent="V01", by=committee)
    ledger.register_household("H001", grid="G01", head="张三", by=committee)
    ledger.register_member("M001", household="H001", name="张三", roles={"resident"},
                           birth_date=pendulum.date(1958, 5, 1), by=committee)
    ledger.award("H001", "ENV-01", by=grid, key="ENV-01/H001/1",
                 occurred_at=today.subtract(days=3))
    ledger.award("H001", "VOL-02", by=grid, key="VOL-02/H001/1",
                 occurred_at=today.subtract(days=2))
    assert ledger.balance("H001").available == 7
    wrong = ledger.deduct("H001", "COV-03", by=grid, key="COV-03/H001/1",
                          occurred_at=today.subtract(days=1))
    assert ledger.balance("H001").available == 2
    ledger.reverse(wrong.id, reason="误录", by=committee, key="rev/1")
    balance = ledger.balance("H001")
    assert (balance.posted, balance.pending, balance.held, balance.available) == (7, 0, 0, 7)
    assert ledger.verify().events == ledger.head
    ledger.close()


def test_award_moves_points_from_the_pool(village: Village) -> None:
    """An award debits the issuance pool and credits the account; balances sum to zero."""
    led = village.ledger
    event = led.award("H001", "ENV-01", by=GRID, key="a1", occurred_at=days_ago(village, 1))
    assert event.kind == "awarded" and event.points == 5 and event.version == "2026"
    assert event.postings() == ((POOL, "H001", 5),)
    assert led.balance("H001").posted == 5
    assert led.balance(POOL).posted == -5
    assert sum(b.posted for b in led.balances().values()) == 0


def test_deduction_goes_to_the_penalty_account_and_may_go_negative(village: Village) -> None:
    """A deduction is always recorded, even when it leaves the balance negative."""
    led = village.ledger
    led.deduct("H002", "COV-03", by=GRID, key="d1", occurred_at=days_ago(village, 1))
    assert led.balance("H002").available == -5
    assert led.balance(PENALTY).posted == 5


def test_quantity_multiplies_points(village: Village) -> None:
    """``quantity`` units earn item points times quantity."""
    led = village.ledger
    event = led.award("H001", "VOL-02", by=GRID, key="q", occurred_at=days_ago(village, 1),
                      quantity=3)
    assert event.points == 6 and led.balance("H001").posted == 6


def test_members_hold_accounts_too(village: Village) -> None:
    """Points can go to a member's own account."""
    led = village.ledger
    led.award("M002", "VOL-02", by=GRID, key="m", occurred_at=days_ago(village, 1))
    assert led.balance("M002").posted == 2
    assert led.balance("H002").posted == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"occurred_at": dt.datetime(2026, 3, 1, 10, 0)}, ValidationError, "naive"),
        ({"occurred_at": "2026-03-01"}, ValidationError, "time-zone-aware datetime"),
        ({"key": ""}, ValidationError, "key"),
        ({"key": 17}, ValidationError, "key"),
        ({"by": "g-07"}, ValidationError, "Actor"),
        ({"quantity": 0}, ValidationError, "quantity"),
        ({"quantity": True}, ValidationError, "quantity"),
        ({"memo": 5}, ValidationError, "memo"),
        ({"evidence": "photo-1"}, ValidationError, "evidence"),
        ({"account": "H999"}, UnknownAccount, "H999"),
        ({"account": "H 1"}, ValidationError, "white space"),
        ({"account": None}, ValidationError, "account"),
        ({"item": "NOPE-1"}, UnknownItem, "NOPE-1"),
        ({"item": "COV-03"}, ValidationError, "use deduct"),
        ({"by": RESIDENT}, PermissionDenied, "may not award"),
        ({"by": Actor("M001", roles={"grid_worker"})}, PermissionDenied, "H001"),
    ],
)
def test_bad_award_input_is_refused_and_writes_nothing(
    village: Village, kwargs: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    """Every bad argument raises a clear error naming the value, and nothing is written."""
    args: dict[str, Any] = {
        "account": "H001",
        "item": "ENV-01",
        "by": GRID,
        "key": "k1",
        "occurred_at": days_ago(village, 1),
    }
    args.update(kwargs)
    exc = refused(village.ledger, error, lambda: village.ledger.award(**args))
    assert fragment in str(exc)
    assert isinstance(exc, PointsLedgerError)


def test_deduct_refuses_an_award_item(village: Village) -> None:
    """deduct takes only items with negative points."""
    led = village.ledger
    exc = refused(led, ValidationError, lambda: led.deduct(
        "H001", "ENV-01", by=GRID, key="d", occurred_at=days_ago(village, 1)))
    assert "use award" in str(exc)


def test_the_sign_of_an_item_picks_award_or_deduct(mem_village: Village) -> None:
    """award refuses a deduction item and deduct an award item, naming the item and its
    points in the error's fields."""
    led = mem_village.ledger
    when = days_ago(mem_village, 1)
    exc = refused(led, ValidationError, lambda: led.award("H001", "COV-03", by=GRID, key="a",
                                                          occurred_at=when))
    assert exc.fields == {"item": "COV-03", "points": -5}
    exc = refused(led, ValidationError, lambda: led.deduct("H001", "ENV-01", by=GRID, key="d",
                                                           occurred_at=when))
    assert exc.fields == {"item": "ENV-01", "points": 5}


def test_a_category_cap_is_checked_after_an_item_cap_it_leaves_room_in(
        mem_village: Village) -> None:
    """With the category's day cap used up by another item, an award that exactly reaches its
    own (unused) item cap is refused by the category, not by the item."""
    led = mem_village.ledger
    when = days_ago(mem_village, 0.5)
    led.award("H001", "VOL-02", quantity=4, by=GRID, key="v2", occurred_at=when)  # 8 of 8
    exc = refused(led, CapExceeded, lambda: led.award("H001", "VOL-01", quantity=2, by=GRID,
                                                      key="v1", occurred_at=when))
    assert (exc.fields["scope"], exc.fields["name"], exc.fields["used"],
            exc.fields["remaining"], exc.fields["requested"]) == ("category", "志愿服务", 8, 0, 6)


def test_caps_of_the_same_period_kind_count_apart(backend: str) -> None:
    """Two items capped per month, and their category per month: each counter is its own."""
    rules = Rulebook("caps", [
        ChecklistItem("A-01", "甲", category="甲类", points=5, cap=Cap(10, per="month")),
        ChecklistItem("B-01", "乙", category="乙类", points=5, cap=Cap(10, per="month")),
        ChecklistItem("C-01", "丙", category="乙类", points=5),
    ], category_caps={"乙类": Cap(15, per="month")})
    village = make_village(backend, rules=rules)
    led = village.ledger
    when = days_ago(village, 1)
    led.award("H001", "A-01", quantity=2, by=GRID, key="a", occurred_at=when)
    led.award("H001", "B-01", quantity=2, by=GRID, key="b", occurred_at=when)
    led.award("H001", "C-01", by=GRID, key="c", occurred_at=when)
    led.award("H002", "A-01", quantity=2, by=GRID, key="a2", occurred_at=when)
    exc = refused(led, CapExceeded, lambda: led.award("H001", "C-01", by=GRID, key="c2",
                                                      occurred_at=when))
    assert (exc.fields["scope"], exc.fields["used"]) == ("category", 15)
    exc = refused(led, CapExceeded, lambda: led.award("H001", "A-01", by=GRID, key="a3",
                                                      occurred_at=when))
    assert (exc.fields["scope"], exc.fields["name"], exc.fields["used"]) == ("item", "A-01", 10)
    assert led.balance("H001").posted == 25
    village.ledger.close()


def test_evidence_required(village: Village) -> None:
    """An item that requires evidence refuses a posting without any, naming the item."""
    led = village.ledger
    exc = refused(led, EvidenceRequired, lambda: led.deduct(
        "H001", "COV-09", by=GRID, key="e", occurred_at=days_ago(village, 1)))
    assert exc.fields == {"item": "COV-09"} and "'COV-09' requires evidence" in str(exc)
    event = led.deduct("H001", "COV-09", by=GRID, key="e", occurred_at=days_ago(village, 1),
                       evidence=["photo-123"])
    assert event.evidence == ("photo-123",)


def test_grid_worker_member_may_score_other_households(village: Village) -> None:
    """Separation of duties binds only the actor's own household."""
    led = village.ledger
    worker = Actor("M001", roles={"grid_worker"})
    led.award("H002", "ENV-01", by=worker, key="x", occurred_at=days_ago(village, 1))
    refused(led, PermissionDenied, lambda: led.award(
        "M001", "ENV-01", by=worker, key="y", occurred_at=days_ago(village, 1)))


def test_item_cap_per_month(village: Village) -> None:
    """An award beyond an item's monthly cap is refused with the cap, period and remainder."""
    led = village.ledger
    for i in range(2):
        led.award("H001", "ENV-01", by=GRID, key=f"c{i}", occurred_at=days_ago(village, 1))
    exc = refused(led, CapExceeded, lambda: led.award(
        "H001", "ENV-01", by=GRID, key="c3", occurred_at=days_ago(village, 1)))
    assert isinstance(exc, CapExceeded)
    assert exc.fields == {
        "scope": "item", "name": "ENV-01", "cap": 10, "per": "month", "period": "2026-03",
        "used": 10, "remaining": 0, "requested": 5,
    }
    # another account, or the previous month, is not affected
    led.award("H002", "ENV-01", by=GRID, key="c4", occurred_at=days_ago(village, 1))
    led.award("H001", "ENV-01", by=GRID, key="c5", occurred_at=days_ago(village, 2))


def test_category_cap_per_day_counts_items_together(village: Village) -> None:
    """A category cap sums every item of the category within the local day."""
    led = village.ledger
    when = days_ago(village, 1)
    led.award("H003", "VOL-01", by=GRID, key="v1", occurred_at=when)  # 3
    led.award("H003", "VOL-02", by=GRID, key="v2", occurred_at=when, quantity=2)  # 4 -> 7
    exc = refused(led, CapExceeded, lambda: led.award(
        "H003", "VOL-02", by=GRID, key="v3", occurred_at=when))
    assert exc.fields["scope"] == "category" and exc.fields["remaining"] == 1


def test_caps_follow_the_ledger_time_zone(village: Village) -> None:
    """Month caps switch at midnight Asia/Shanghai, not at midnight UTC."""
    village.clock.set(pendulum.datetime(2026, 4, 2, 12, tz=TZ))
    led = village.ledger
    march_end = pendulum.datetime(2026, 3, 31, 23, 30, tz=TZ)  # 15:30 UTC, still March
    april = pendulum.datetime(2026, 4, 1, 0, 30, tz=TZ)  # 16:30 UTC on March 31st
    led.award("H004", "ENV-01", by=GRID, key="t1", occurred_at=march_end)
    led.award("H004", "ENV-01", by=GRID, key="t2", occurred_at=march_end)
    led.award("H004", "ENV-01", by=GRID, key="t3", occurred_at=april)
    refused(led, CapExceeded, lambda: led.award(
        "H004", "ENV-01", by=GRID, key="t4", occurred_at=march_end.in_timezone("UTC")))


def test_reversal_restores_balance_and_cap(village: Village) -> None:
    """A reversal posts the exact opposite and frees the cap it used, once only."""
    led = village.ledger
    when = days_ago(village, 1)
    first = led.award("H001", "ENV-01", by=GRID, key="r1", occurred_at=when)
    led.award("H001", "ENV-01", by=GRID, key="r2", occurred_at=when)
    refused(led, CapExceeded, lambda: led.award("H001", "ENV-01", by=GRID, key="r3",
                                                occurred_at=when))
    reversal = led.reverse(first.id, reason="重复录入", by=COMMITTEE, key="rev1")
    assert reversal.postings() == (("H001", POOL, 5),)
    assert led.balance("H001").posted == 5
    led.award("H001", "ENV-01", by=GRID, key="r3", occurred_at=when)
    exc = refused(led, AlreadyReversed, lambda: led.reverse(first.id, reason="again",
                                                            by=COMMITTEE, key="rev2"))
    assert exc.fields["reversal"] == reversal.seq
    refused(led, NotReversible, lambda: led.reverse(reversal.id, reason="x", by=COMMITTEE,
                                                    key="rev3"))


def test_reverse_checks_its_entry(village: Village) -> None:
    """Ids that do not name an entry of this ledger are refused."""
    led = village.ledger
    event = led.award("H001", "ENV-01", by=GRID, key="x", occurred_at=days_ago(village, 1))
    bad: Any
    for bad in ("nonsense", f"e{event.seq}-000000000000", "e99999-abc", 5):
        refused(led, UnknownEntry,
                functools.partial(led.reverse, bad, reason="r", by=COMMITTEE, key="k"))
    refused(led, NotReversible, lambda: led.reverse(led.event(2).id, reason="r", by=COMMITTEE,
                                                    key="k"))
    refused(led, PermissionDenied, lambda: led.reverse(event.id, reason="r", by=GRID, key="k"))
    refused(led, ValidationError, lambda: led.reverse(event.id, reason=" ", by=COMMITTEE,
                                                      key="k"))
    assert led.reverse(event, reason="r", by=COMMITTEE, key="k").original == event.seq


def test_a_reversal_records_who_when_and_under_which_rules(village: Village) -> None:
    """A reversal's event names its actor, key, memo and the version in force, and restates an
    award's or a deduction's item with no member (members are for redemptions)."""
    led = village.ledger
    when = days_ago(village, 1)
    award = led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=when)
    deduction = led.deduct("H002", "COV-03", by=GRID, key="d", occurred_at=when)
    for original, key in ((award, "rev/a"), (deduction, "rev/d")):
        reversal = led.reverse(original.id, reason="误录", by=COMMITTEE, key=key, memo="复核")
        assert (reversal.actor, reversal.key, reversal.memo, reversal.version) == (
            COMMITTEE.id, key, "复核", "2026")
        assert (reversal.original, reversal.item, reversal.member, reversal.account) == (
            original.seq, original.item, "", original.account)


@pytest.mark.parametrize("bad", ["e1-", "ex-abc", "e-abc", "1-abc", "e1"])
def test_an_entry_id_needs_a_sequence_number_and_a_digest(mem_village: Village,
                                                          bad: str) -> None:
    """``e<seq>-<hex>`` with both parts: anything else is refused with UnknownEntry naming
    the id, even when every event's digest starts with the empty text."""
    led = mem_village.ledger
    exc = refused(led, UnknownEntry,
                  lambda: led.reverse(bad, reason="r", by=COMMITTEE, key="k"))
    assert exc.fields == {"entry": bad}
    assert repr(bad) in str(exc) and "e42-1a2b3c4d5e6f" in str(exc)


def test_idempotent_repeat_returns_first_result(village: Village) -> None:
    """The same key and payload returns the first event and writes nothing."""
    led = village.ledger
    when = days_ago(village, 1)
    first = led.award("H001", "ENV-01", by=GRID, key="same", occurred_at=when)
    village.clock.advance(hours=1)
    before = snapshot(led)
    again = led.award("H001", "ENV-01", by=GRID, key="same", occurred_at=when)
    assert again == first and snapshot(led) == before
    # a different payload under the same key is a conflict
    exc = refused(led, IdempotencyConflict, lambda: led.award(
        "H002", "ENV-01", by=GRID, key="same", occurred_at=when))
    assert exc.fields["key"] == "same"
    refused(led, IdempotencyConflict, lambda: led.deduct(
        "H001", "COV-03", by=GRID, key="same", occurred_at=when))


def test_repeat_is_answered_even_when_a_cap_is_now_full(village: Village) -> None:
    """Idempotency is checked before the rules: a retry never turns into a refusal."""
    led = village.ledger
    when = days_ago(village, 1)
    first = led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=when)
    led.award("H001", "ENV-01", by=GRID, key="b", occurred_at=when)
    assert led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=when) == first


def test_registration_defaults_to_natural_keys(village: Village) -> None:
    """Registering the same household twice returns the first event; other details conflict."""
    led = village.ledger
    first = led.register_household("H010", grid="G01", head="李四", by=COMMITTEE)
    assert led.register_household("H010", grid="G01", head="李四", by=COMMITTEE) == first
    refused(led, IdempotencyConflict, lambda: led.register_household(
        "H010", grid="G02", head="李四", by=COMMITTEE))
    refused(led, AlreadyExists, lambda: led.register_household(
        "H010", grid="G02", head="李四", by=COMMITTEE, key="other"))
    refused(led, AlreadyExists, lambda: led.register_member(
        "H010", household="H001", name="x", by=COMMITTEE))


def test_time_rules(village: Village) -> None:
    """Future, too-far-back and closed-period postings are refused."""
    led = village.ledger
    now = village.clock()
    refused(led, OccurredInFuture, lambda: led.award(
        "H001", "ENV-01", by=GRID, key="f", occurred_at=now.add(minutes=1)))
    refused(led, BackdatedTooFar, lambda: led.award(
        "H001", "VOL-02", by=GRID, key="b", occurred_at=now.subtract(days=91)))
    led.award("H001", "VOL-02", by=GRID, key="ok", occurred_at=now.subtract(days=60))
    led.close_period(pendulum.date(2026, 2, 28), by=COMMITTEE)
    exc = refused(led, PeriodClosed, lambda: led.award(
        "H001", "VOL-02", by=GRID, key="p", occurred_at=pendulum.datetime(2026, 2, 28, 23,
                                                                           tz=TZ)))
    assert "2026-03-01T00:00:00+08:00" in str(exc)
    led.award("H001", "VOL-02", by=GRID, key="p", occurred_at=pendulum.datetime(2026, 3, 1,
                                                                                 tz=TZ))
    refused(led, ValidationError, lambda: led.close_period(pendulum.date(2026, 2, 1),
                                                           by=COMMITTEE, key="again"))
    refused(led, ValidationError, lambda: led.close_period(now.date(), by=COMMITTEE))
    refused(led, PermissionDenied, lambda: led.close_period(pendulum.date(2026, 3, 1),
                                                            by=GRID))


def test_backdate_window_is_configurable(tmp_path: Any) -> None:
    """``backdate_days`` sets how far back occurred_at may lie."""
    clock = ManualClock(START)
    led = Ledger.in_memory(clock=clock, tz=TZ, backdate_days=7)
    led.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    led.register_household("H", grid="G", head="户主", by=COMMITTEE)
    refused(led, BackdatedTooFar, lambda: led.award("H", "VOL-02", by=GRID, key="k",
                                                    occurred_at=START.subtract(days=8)))
    led.award("H", "VOL-02", by=GRID, key="k", occurred_at=START.subtract(days=6))


def test_rulebook_versions_supersede_and_never_overlap(village: Village) -> None:
    """A posting uses the version in force at its occurred time; ranges never overlap."""
    led = village.ledger
    led.award("H001", "VOL-02", by=GRID, key="old", occurred_at=days_ago(village, 1))
    v2 = rulebook("2026b")
    refused(led, RulebookError, lambda: led.adopt(
        v2, effective_from=village.clock().subtract(days=3).date(), by=COMMITTEE, resolution="m"))
    refused(led, AlreadyExists, lambda: led.adopt(
        rulebook("2026"), effective_from=pendulum.date(2026, 4, 1), by=COMMITTEE, resolution="m",
        key="other"))
    refused(led, RulebookError, lambda: led.adopt(
        v2, effective_from=pendulum.date(2025, 12, 1), by=COMMITTEE, resolution="m"))
    refused(led, PermissionDenied, lambda: led.adopt(
        v2, effective_from=pendulum.date(2026, 4, 1), by=GRID, resolution="m"))
    refused(led, ValidationError, lambda: led.adopt(
        v2, effective_from=pendulum.date(2026, 4, 1), by=COMMITTEE, resolution=""))
    refused(led, ValidationError, lambda: led.adopt(
        v2, effective_from=pendulum.datetime(2026, 4, 1), by=COMMITTEE, resolution="m"))
    led.adopt(v2, effective_from=pendulum.date(2026, 4, 1), by=COMMITTEE, resolution="第二次会议")
    village.clock.set(pendulum.datetime(2026, 4, 5, tz=TZ))
    assert led.award("H001", "VOL-02", by=GRID, key="mar",
                     occurred_at=pendulum.datetime(2026, 3, 31, 12, tz=TZ)).version == "2026"
    assert led.award("H001", "VOL-02", by=GRID, key="apr",
                     occurred_at=pendulum.datetime(2026, 4, 1, 0, 1, tz=TZ)).version == "2026b"
    assert led.rulebook().version == "2026b"
    assert led.rulebook(pendulum.datetime(2026, 3, 31, tz=TZ)).version == "2026"


def test_effective_until_leaves_a_gap(village: Village) -> None:
    """After a version's last day, postings need a newer version."""
    clock = ManualClock(START)
    led = Ledger.in_memory(clock=clock, tz=TZ)
    led.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1),
              effective_until=pendulum.date(2026, 2, 28), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    led.register_household("H", grid="G", head="户主", by=COMMITTEE)
    led.award("H", "VOL-02", by=GRID, key="a", occurred_at=pendulum.datetime(2026, 2, 28, 23,
                                                                           tz=TZ))
    exc = refused(led, NoRulebookInForce, lambda: led.award(
        "H", "VOL-02", by=GRID, key="b", occurred_at=pendulum.datetime(2026, 3, 1, tz=TZ)))
    assert exc.fields == {"occurred_at": "2026-03-01T00:00:00+08:00"}
    assert "2026-03-01T00:00:00+08:00" in str(exc)
    refused(led, RulebookError, lambda: led.adopt(
        rulebook("v2"), effective_from=pendulum.date(2026, 2, 28), by=COMMITTEE, resolution="m"))
    refused(led, ValidationError, lambda: led.adopt(
        rulebook("v2"), effective_from=pendulum.date(2026, 3, 2),
        effective_until=pendulum.date(2026, 3, 1), by=COMMITTEE, resolution="m"))


def test_no_rulebook_means_no_postings() -> None:
    """Before any adoption, postings are refused and registry uses the default policy."""
    led = Ledger.in_memory(clock=ManualClock(START), tz=TZ)
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    led.register_household("H", grid="G", head="户主", by=COMMITTEE)
    refused(led, NoRulebookInForce, lambda: led.award(
        "H", "VOL-02", by=GRID, key="a", occurred_at=START))


def test_region_tree_rules(village: Village) -> None:
    """Regions nest by level; micro-grids sit under grids; households need a grid or a
    micro-grid."""
    led = village.ledger
    led.add_region("G01-1", "微网格", kind="micro_grid", parent="G01", by=COMMITTEE)
    refused(led, ValidationError, lambda: led.add_region("G01-2", "微网格", kind="grid",
                                                         parent="G01", by=COMMITTEE))
    refused(led, ValidationError, lambda: led.add_region("T", "镇", kind="town", parent="V01",
                                                         by=COMMITTEE))
    refused(led, ValidationError, lambda: led.add_region("X", "x", kind="hamlet", by=COMMITTEE))
    refused(led, UnknownRegion, lambda: led.add_region("X", "x", kind="grid", parent="NOPE",
                                                       by=COMMITTEE))
    refused(led, AlreadyExists, lambda: led.add_region("V01", "x", kind="village",
                                                       by=COMMITTEE, key="dup"))
    refused(led, ValidationError, lambda: led.register_household(
        "H100", grid="V01", head="x", by=COMMITTEE))
    refused(led, UnknownRegion, lambda: led.register_household(
        "H100", grid="G99", head="x", by=COMMITTEE))
    refused(led, ValidationError, lambda: led.register_household(
        "@pool", grid="G01", head="x", by=COMMITTEE))
    led.register_household("H100", grid="G01-1", head="x", by=COMMITTEE)


def test_move_household(village: Village) -> None:
    """A household moves between grids; moving to its own grid is refused."""
    led = village.ledger
    event = led.move_household("H001", grid="G02", by=COMMITTEE, key="mv1")
    assert (event.from_grid, event.to_grid) == ("G01", "G02")
    assert led.household("H001").grid == "G02"
    refused(led, ValidationError, lambda: led.move_household("H001", grid="G02", by=COMMITTEE,
                                                             key="mv2"))
    refused(led, PermissionDenied, lambda: led.move_household("H001", grid="G01", by=GRID,
                                                              key="mv3"))


def test_close_accounts(village: Village) -> None:
    """Closing needs members closed first and a destination for a non-zero balance."""
    led = village.ledger
    led.award("H002", "ENV-01", by=GRID, key="a", occurred_at=days_ago(village, 1))
    refused(led, ValidationError,
            lambda: led.close_account("H002", by=COMMITTEE, balance_to="H003"))
    led.close_account("M002", by=COMMITTEE)
    exc = refused(led, BalanceNotZero, lambda: led.close_account("H002", by=COMMITTEE))
    assert exc.fields == {"account": "H002", "balance": 5}
    refused(led, ValidationError,
            lambda: led.close_account("H002", by=COMMITTEE, balance_to="H002"))
    refused(led, UnknownAccount, lambda: led.close_account("H002", by=COMMITTEE, balance_to="H404"))
    closing = led.close_account("H002", by=COMMITTEE, balance_to=POOL)
    assert closing.postings() == (("H002", POOL, 5),)
    assert led.balance("H002").posted == 0 and led.balance(POOL).posted == 0
    refused(led, AccountClosed, lambda: led.award("H002", "ENV-01", by=GRID, key="b",
                                                  occurred_at=days_ago(village, 1)))
    refused(led, AccountClosed, lambda: led.register_member("M009", household="H002",
                                                            name="x", by=COMMITTEE))
    refused(led, AccountClosed, lambda: led.close_account("H002", by=COMMITTEE, key="again"))
    own = Actor("M001", roles={"committee"})
    refused(led, PermissionDenied, lambda: led.close_account("H001", by=own, key="own"))


def test_balance_as_of_and_at_seq(village: Village) -> None:
    """Past balances fold the postings that occurred (or were recorded) by then."""
    led = village.ledger
    t1 = days_ago(village, 3)
    t2 = days_ago(village, 1)
    first = led.award("H001", "VOL-02", by=GRID, key="a", occurred_at=t2)
    led.award("H001", "ENV-01", by=GRID, key="b", occurred_at=t1)
    assert led.balance("H001").posted == 7
    assert led.balance("H001", as_of=t1).posted == 5
    assert led.balance("H001", as_of=t1.subtract(seconds=1)).posted == 0
    assert led.balance("H001", at_seq=first.seq).posted == 2
    assert led.balance("H001", at_seq=0).posted == 0
    with pytest.raises(UnknownAccount):
        led.balance("H404")
    assert led.balance(POOL).posted == -7


def test_batch_appends_all_or_nothing(village: Village) -> None:
    """A batch writes every event in one append, or nothing when the block raises."""
    led = village.ledger
    when = days_ago(village, 1)
    led.snapshot()  # (SQLite) a failed batch refolds from it, then replays the event after it
    led.award("H002", "ENV-01", by=GRID, key="b0", occurred_at=when)
    before = snapshot(led)
    whole = state_dump(led._state)
    with pytest.raises(CapExceeded), led.batch() as b:
        b.award("H001", "ENV-01", by=GRID, key="b1", occurred_at=when)
        b.register_household("H050", grid="G01", head="新户", by=COMMITTEE)
        b.award("H050", "ENV-01", by=GRID, key="b2", occurred_at=when)
        b.award("H001", "ENV-01", by=GRID, key="b3", occurred_at=when)
        b.award("H001", "ENV-01", by=GRID, key="b4", occurred_at=when)  # third: over the cap
    assert snapshot(led) == before and state_dump(led._state) == whole
    with led.batch() as b:
        first = b.award("H001", "ENV-01", by=GRID, key="b1", occurred_at=when)
        b.register_household("H050", grid="G01", head="新户", by=COMMITTEE)
        b.award("H050", "ENV-01", by=GRID, key="b2", occurred_at=when)
        assert b.award("H001", "ENV-01", by=GRID, key="b1", occurred_at=when) == first
        with pytest.raises(CapExceeded):  # caught inside: the rest of the batch goes on
            b.award("H001", "ENV-01", by=GRID, key="b3", occurred_at=when, quantity=2)
    assert [e.seq for e in b.results] == [before[0] + 1, before[0] + 2, before[0] + 3,
                                          before[0] + 1]
    assert b.results[0] == first and b.results[3] == first
    with led.batch() as again:  # a key from an earlier batch: its event, read from the store
        assert again.award("H001", "ENV-01", by=GRID, key="b1", occurred_at=when) == first
    assert again.results == [first]
    assert led.store.head() == before[0] + 3
    assert led.balance("H050").posted == 5 and led.balance("H001").posted == 5
    assert led.verify().events == led.head


def test_batch_refuses_direct_commands_while_open(mem_village: Village) -> None:
    """While a batch is open, commands go through it."""
    led = mem_village.ledger
    with led.batch() as b:
        with pytest.raises(ValidationError):
            led.award("H001", "ENV-01", by=GRID, key="x", occurred_at=START)
        with pytest.raises(ValidationError):
            led.batch()
        b.award("H001", "VOL-02", by=GRID, key="y", occurred_at=START)
    with pytest.raises(ValidationError):
        b.award("H001", "VOL-02", by=GRID, key="z", occurred_at=START)


def test_reopen_replays_the_same_state(tmp_path: Any) -> None:
    """Reopening a SQLite ledger replays to the identical state."""
    from .helpers import make_village

    path = str(tmp_path / "v.db")
    village = make_village(path)
    led = village.ledger
    e = led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=days_ago(village, 1))
    led.reverse(e.id, reason="r", by=COMMITTEE, key="r")
    led.deduct("H002", "COV-03", by=GRID, key="d", occurred_at=days_ago(village, 2))
    before = snapshot(led)
    tz = led.tz
    led.close()
    again = Ledger.open(path, clock=village.clock)
    assert snapshot(again) == before and again.tz == tz
    with pytest.raises(ValidationError):
        Ledger.open(path, tz="UTC")
    again.close()


def test_event_lookup(village: Village) -> None:
    """Events are found by id or seq; ids pin the content."""
    led = village.ledger
    e = led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=days_ago(village, 1))
    assert led.event(e.id) == e and led.event(e.seq) == e
    assert e.id.startswith(f"e{e.seq}-") and len(e.id.split("-")[1]) == 12
    with pytest.raises(UnknownEntry):
        led.event(led.head + 1)
    assert [x.seq for x in led.events(after=led.head - 2)] == [led.head - 1, led.head]
    assert e.occurred_at.timezone_name == "UTC"


def test_two_writers_on_one_file_never_fork(tmp_path: Any) -> None:
    """A ledger whose append lost the race catches up, re-validates and retries; a batch holds
    the file's write lock from its start, so it catches up first and never loses its append,
    and nobody else writes while it is open."""
    from .helpers import make_village

    path = str(tmp_path / "shared.db")
    first = make_village(path)
    clock = first.clock
    second = Ledger.open(path, clock=clock)
    when = clock().subtract(hours=1)
    first.ledger.award("H001", "ENV-01", by=GRID, key="a", occurred_at=when)
    first.ledger.award("H001", "ENV-01", by=GRID, key="b", occurred_at=when)
    # `second` has not seen those two awards; its command is re-validated on the new state
    head = first.ledger.head
    with pytest.raises(CapExceeded) as info:
        second.award("H001", "ENV-01", by=GRID, key="c", occurred_at=when)
    assert info.value.fields["used"] == 10
    assert second.head == second.store.head() == head
    event = second.award("H002", "ENV-01", by=GRID, key="d", occurred_at=when)
    assert event.seq == head + 1
    assert first.ledger.head == event.seq  # reads see what other writers appended
    e = first.ledger.award("H003", "VOL-02", by=GRID, key="e", occurred_at=when)
    with second.batch() as b:
        assert second.head == e.seq  # caught up under the lock
        f = b.award("H004", "VOL-02", by=GRID, key="f", occurred_at=when)
        other = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    assert f.seq == e.seq + 1 and second.store.head() == f.seq
    g = first.ledger.award("H004", "VOL-02", by=GRID, key="g", occurred_at=when)  # lock is free
    assert g.seq == f.seq + 1 and first.ledger.balance("H004").posted == 4
    assert first.ledger.verify().events == g.seq
    assert second.verify() == first.ledger.verify()  # `second` catches up with `g`
    assert second.balance("H004").posted == 4
    second.close()
    first.ledger.close()


def test_batch_that_loses_its_append_writes_nothing_and_catches_up() -> None:
    """Two ledgers on one in-memory store (which has no lock to take turns under): a batch
    whose append lost the race raises ConcurrencyError, writes nothing, and leaves its ledger
    folded from the log, caught up with the other's event."""
    from pointsledger import ConcurrencyError
    from pointsledger.storage import MemoryStore

    from .helpers import make_village

    village = make_village("memory")
    store = village.ledger.store
    assert isinstance(store, MemoryStore)
    second = Ledger(store, clock=village.clock)
    when = village.clock().subtract(hours=1)
    with pytest.raises(ConcurrencyError), second.batch() as b:
        b.award("H004", "VOL-02", by=GRID, key="f", occurred_at=when)
        village.ledger.award("H001", "ENV-01", by=GRID, key="e", occurred_at=when)
    assert second.event_for_key("f") is None and second.event_for_key("e") is not None
    assert second.head == store.head() == village.ledger.head
    assert second.balance("H004").posted == 0 and second.balance("H001").posted == 5
    assert second.verify() == village.ledger.verify()
