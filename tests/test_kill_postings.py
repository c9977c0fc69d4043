"""Awards, deductions, caps and reversals: tests that kill mutants of
:mod:`pointsledger.core.postings` the rest of the suite let live (README, "Mutation testing")."""

from __future__ import annotations

import pendulum
import pytest

from pointsledger import (
    Actor,
    CapExceeded,
    ChecklistItem,
    ExpiryPolicy,
    Ledger,
    ManualClock,
    Rulebook,
    UnknownEntry,
    ValidationError,
)
from pointsledger.testing import check_invariants
from tests.helpers import GRID2, make_workflow_village
from tests.test_ledger import refused

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-07", roles={"grid_worker"})
START = pendulum.datetime(2026, 3, 2, 10, tz=TZ)


def ledger(expiry: ExpiryPolicy | None = None) -> tuple[Ledger, ManualClock]:
    clock = ManualClock(START)
    led = Ledger.in_memory(clock=clock, tz=TZ, backdate_days=400)
    items = [ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=10),
             ChecklistItem("MINUS", "迟到", category="村规民约", points=-1)]
    rules = Rulebook("p", items) if expiry is None else Rulebook("p", items, expiry=expiry)
    led.adopt(rules, effective_from=pendulum.date(2025, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    led.register_household("H1", grid="G", head="张三", by=COMMITTEE)
    return led, clock


def test_the_wrong_sign_is_refused_naming_the_command_to_use() -> None:
    """(A 0-point item is never adopted, so the sign checks' boundaries are not reachable.)"""
    led, clock = ledger()
    exc = refused(led, ValidationError, lambda: led.award("H1", "MINUS", by=GRID, key="a",
                                                          occurred_at=clock()))
    assert str(exc).endswith("use deduct") and exc.fields == {"item": "MINUS", "points": -1}
    exc = refused(led, ValidationError, lambda: led.deduct("H1", "VOL-01", by=GRID, key="d",
                                                           occurred_at=clock()))
    assert str(exc).endswith("use award")


def test_a_cap_refusal_says_what_is_used_and_left() -> None:
    village = make_workflow_village()
    ledger_ = village.ledger
    ledger_.award("H001", "ENV-01", by=GRID, key="a", occurred_at=village.clock())
    ledger_.award("H001", "ENV-01", by=GRID, key="b", occurred_at=village.clock())
    exc = refused(ledger_, CapExceeded,
                  lambda: ledger_.award("H001", "ENV-01", by=GRID, key="c",
                                        occurred_at=village.clock()))
    assert str(exc).startswith("item 'ENV-01' caps 'H001' at 10 points per month; 10 used in")
    assert ", 0 left, 5 asked" in str(exc)


def test_claims_that_fill_a_cap_in_notice_are_all_posted() -> None:
    """Claims in notice hold their cap room; posting them does not count it a second time."""
    village = make_workflow_village()
    ledger_, clock = village.ledger, village.clock
    for key in ("c1", "c2"):
        claim = ledger_.submit_claim("H002", "ENV-01", by=GRID, key=key,
                                     occurred_at=clock(), evidence=["photo"])
        ledger_.step(claim, "check", by=GRID2, key=f"{key}/check")
        ledger_.step(claim, "approve", by=COMMITTEE, key=f"{key}/approve")
    clock.advance(days=10)
    assert [e.kind for e in ledger_.post_due()] == ["stepped", "awarded"] * 2
    assert ledger_.balance("H002").posted == 10
    assert check_invariants(ledger_) == []


def test_an_id_with_a_second_dash_names_its_event_and_is_refused() -> None:
    led, _clock = ledger()
    with pytest.raises(UnknownEntry, match="event 2 of this ledger is e2-"):
        led.reverse("e2-ab-cd", reason="x", by=COMMITTEE, key="r")


def test_reversing_an_award_one_point_of_which_was_spent_takes_that_point_from_another_lot(
) -> None:
    led, clock = ledger(ExpiryPolicy("rolling", days=30))
    first = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock().subtract(days=2))
    second = led.award("H1", "VOL-01", by=GRID, key="b", occurred_at=clock())
    led.deduct("H1", "MINUS", by=GRID, key="d", occurred_at=clock())  # from the first lot
    led.reverse(first, reason="录错", by=COMMITTEE, key="r")
    assert led.balance("H1").posted == 9
    assert [(x.seq, x.points) for x in led.expiring("H1", within=pendulum.duration(days=60))] \
        == [(second.seq, 9)]
    assert check_invariants(led) == []
