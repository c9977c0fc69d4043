"""Postings and the ledger state: tests that kill mutants of :mod:`pointsledger.core.postings`
and :mod:`pointsledger.core.state` the rest of the suite let live (issue 16, docs/mutation.md).
Each pins what a user relies on through the public API: the refusal's type and fields, that a
refusal writes nothing, the facts an event records and what the state answers after it."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import (
    AccountClosed,
    Actor,
    AlreadyReversed,
    BackdatedTooFar,
    Campaign,
    ChecklistItem,
    ExpiryPolicy,
    Household,
    Ledger,
    Limit,
    LimitReached,
    ManualClock,
    NotEligible,
    NotReversible,
    PermissionDenied,
    Reward,
    Rulebook,
    RulebookError,
    StorePolicy,
    UnknownEntry,
    ValidationError,
)
from pointsledger.base.clock import from_us
from pointsledger.testing import check_invariants
from tests.helpers import GRID2, WISHER, budget, make_workflow_village, workflow_rulebook
from tests.test_ledger import refused

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-07", roles={"grid_worker"})
KEEPER = Actor("s-01", roles={"store_keeper"})
START = pendulum.datetime(2026, 3, 2, 10, tz=TZ)

ITEMS = [
    ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=10),
    ChecklistItem("ENV-01", "随手捡垃圾", category="环境卫生", points=1),
    ChecklistItem("ENV-09", "乱扔垃圾", category="环境卫生", points=-2),
]
REWARDS = [
    Reward("OIL", "食用油", cost=5, limits=[Limit(1, "day", "member"), Limit(1, "week")]),
    Reward("VIP", "荣誉礼包", cost=5, min_score=1000),
]


def ledger(*, expiry: ExpiryPolicy | None = None, campaigns: tuple[Campaign, ...] = ()
           ) -> tuple[Ledger, ManualClock]:
    """H1 (members M1, M2) and H2 under ``ITEMS``; the clock a day after the registrations."""
    clock = ManualClock(START)
    led = Ledger.in_memory(clock=clock, tz=TZ, backdate_days=400)
    rules = Rulebook("k", ITEMS, campaigns=campaigns, rewards=REWARDS,
                     store=StorePolicy(base_points=100),
                     expiry=ExpiryPolicy() if expiry is None else expiry)
    led.adopt(rules, effective_from=pendulum.date(2025, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    for household in ("H1", "H2"):
        led.register_household(household, grid="G", head=f"户主{household}", by=COMMITTEE)
    for member in ("M1", "M2"):
        led.register_member(member, household="H1", name=f"成员{member}", by=COMMITTEE)
    clock.advance(days=1)
    return led, clock


# -- award and deduct: their arguments -------------------------------------------------------


@pytest.mark.parametrize(("account", "shown"), [("H 1", "'H 1'"), (["H1"], "['H1']"),
                                                ("", "''")])
def test_a_malformed_account_is_refused_by_name(account: object, shown: str) -> None:
    led, clock = ledger()
    exc = refused(led, ValidationError, lambda: led.award(
        account, "VOL-01", by=GRID, key="a", occurred_at=clock()))
    assert exc.fields["field"] == "account"
    assert shown in str(exc)


@pytest.mark.parametrize("item", ["VOL\x01", "VOL\n01", 5, "积" * 65])
def test_a_malformed_item_code_is_refused_by_name(item: object) -> None:
    led, clock = ledger()
    exc = refused(led, ValidationError, lambda: led.award(
        "H1", item, by=GRID, key="a", occurred_at=clock()))
    assert exc.fields["field"] == "item" and exc.fields["value"] == item


def test_an_item_code_in_another_width_is_the_same_item() -> None:
    """Ids are compared in their normal form (NFKC): ＶＯＬ－０１ is VOL-01."""
    led, clock = ledger()
    event = led.award("H1", "ＶＯＬ－０１", by=GRID, key="a", occurred_at=clock())
    assert (event.item, event.points) == ("VOL-01", 10)
    assert led.balance("H1").posted == 10


@pytest.mark.parametrize("key", ["k\x01", "a\tb", "   ", "\u3000", "", "k" * 201])
def test_a_malformed_key_is_refused_and_nothing_is_written(key: str) -> None:
    led, clock = ledger()
    exc = refused(led, ValidationError, lambda: led.award(
        "H1", "VOL-01", by=GRID, key=key, occurred_at=clock()))
    assert exc.fields["field"] == "key"


def test_two_spellings_of_a_key_are_one_key() -> None:
    """Keys are compared in their normal form (NFC): a retry spelled with a combining accent
    is the same request and gets the first event back."""
    led, clock = ledger()
    first = led.award("H1", "VOL-01", by=GRID, key="café", occurred_at=clock())
    again = led.award("H1", "VOL-01", by=GRID, key="cafe\u0301", occurred_at=clock())
    assert first.key == again.key == "café" and again.id == first.id
    assert led.balance("H1").posted == 10


def test_a_naive_or_missing_time_is_refused_naming_occurred_at() -> None:
    led, clock = ledger()
    naive = clock().naive()
    exc = refused(led, ValidationError, lambda: led.award(
        "H1", "VOL-01", by=GRID, key="a", occurred_at=naive))
    assert exc.fields["field"] == "occurred_at" and exc.fields["value"] == naive
    exc = refused(led, ValidationError, lambda: led.deduct(
        "H1", "ENV-09", by=GRID, key="d", occurred_at="2026-03-02"))
    assert exc.fields["field"] == "occurred_at"


@pytest.mark.parametrize(("bad", "bound"), [(0, "at least 1,"), (-3, "at least 1,"),
                                            (10_001, "at most 10,000,")])
def test_a_quantity_out_of_range_is_refused_naming_the_range(bad: int, bound: str) -> None:
    led, clock = ledger()
    exc = refused(led, ValidationError, lambda: led.award(
        "H1", "ENV-01", by=GRID, key="q", occurred_at=clock(), quantity=bad))
    assert exc.fields == {"field": "quantity", "value": bad}
    assert bound in str(exc)  # the message names the allowed range
    exc = refused(led, ValidationError, lambda: led.award(
        "H1", "ENV-01", by=GRID, key="q", occurred_at=clock(), quantity=2.0))
    assert exc.fields["field"] == "quantity"


@settings(max_examples=budget(30), deadline=None)
@given(st.integers(-3, 10_003) | st.sampled_from([1, 2, 9_999, 10_000, 10_001]))
def test_a_quantity_is_taken_exactly_when_it_runs_from_1_to_10000(quantity: int) -> None:
    """Units from 1 to 10,000 are posted as item points x quantity; any other is refused by
    name and writes nothing."""
    led, clock = ledger()
    if 1 <= quantity <= 10_000:
        event = led.deduct("H1", "ENV-09", by=GRID, key="q", occurred_at=clock(),
                           quantity=quantity)
        assert (event.quantity, event.points) == (quantity, -2 * quantity)
        assert led.balance("H1").posted == -2 * quantity
    else:
        exc = refused(led, ValidationError, lambda: led.deduct(
            "H1", "ENV-09", by=GRID, key="q", occurred_at=clock(), quantity=quantity))
        assert exc.fields == {"field": "quantity", "value": quantity}


def test_the_most_units_of_an_item_are_posted() -> None:
    led, clock = ledger()
    assert led.award("H1", "ENV-01", by=GRID, key="q", occurred_at=clock(),
                     quantity=10_000).points == 10_000


@pytest.mark.parametrize("evidence", ["photo-1", [""], ["ok", 7]])
def test_bad_evidence_is_refused_by_name(evidence: object) -> None:
    led, clock = ledger()
    exc = refused(led, ValidationError, lambda: led.award(
        "H1", "VOL-01", by=GRID, key="a", occurred_at=clock(),
        evidence=evidence))
    assert exc.fields["field"] == "evidence"


# -- campaigns and expiry --------------------------------------------------------------------


def test_a_campaign_multiplies_a_one_point_award_and_leaves_deductions_alone() -> None:
    month = Campaign("CLEAN", "人居环境整治月", start=pendulum.date(2026, 3, 1),
                     end=pendulum.date(2026, 3, 31), categories={"环境卫生"}, multiplier=2)
    led, clock = ledger(campaigns=(month,))
    assert led.award("H1", "ENV-01", by=GRID, key="a", occurred_at=clock()).points == 2
    assert led.award("H1", "ENV-01", by=GRID, key="b", occurred_at=clock(),
                     quantity=3).points == 6
    assert led.deduct("H1", "ENV-09", by=GRID, key="d", occurred_at=clock()).points == -2
    assert led.balance("H1").posted == 6


def test_an_award_whose_points_expire_exactly_now_is_refused() -> None:
    led, clock = ledger(expiry=ExpiryPolicy("rolling", days=30))
    clock.advance(days=40)
    edge = clock().subtract(days=30)
    exc = refused(led, BackdatedTooFar, lambda: led.award(
        "H1", "VOL-01", by=GRID, key="a", occurred_at=edge))
    assert exc.fields["expires_at"].startswith(clock().isoformat()[:19])
    later = edge.add(microseconds=1)
    assert led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=later).points == 10


# -- reverse ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  ", 5])
def test_a_reason_is_required_and_named(reason: Any) -> None:
    led, clock = ledger()
    award = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock())
    exc = refused(led, ValidationError, lambda: led.reverse(
        award, reason=reason, by=COMMITTEE, key="r"))
    assert exc.fields["field"] == "reason"


def test_a_reason_may_run_over_lines() -> None:
    led, clock = ledger()
    award = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock())
    reversal = led.reverse(award, reason="录错户号\n经核实应为H2", by=COMMITTEE, key="r")
    assert reversal.reason == "录错户号\n经核实应为H2"


@pytest.mark.parametrize("entry", ["e{next}-ab", "e0-ab", "e999-ab"])
def test_an_entry_outside_the_ledger_is_unknown_and_named(entry: str) -> None:
    led, clock = ledger()
    led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock())
    entry = entry.format(next=led.head + 1)
    exc = refused(led, UnknownEntry, lambda: led.reverse(entry, reason="x", by=COMMITTEE,
                                                         key="r"))
    assert exc.fields == {"entry": entry} and repr(entry) in str(exc)


def test_an_id_with_the_wrong_digest_is_unknown_and_named() -> None:
    led, clock = ledger()
    award = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock())
    digest = award.id.split("-")[1]
    wrong = f"e{award.seq}-{'0' if digest[0] != '0' else '1'}{digest[1:]}"
    exc = refused(led, UnknownEntry, lambda: led.reverse(wrong, reason="x", by=COMMITTEE,
                                                         key="r"))
    assert exc.fields == {"entry": wrong} and award.id in str(exc)


@pytest.mark.parametrize("seq", [1, 2])
def test_the_genesis_and_registry_events_are_not_reversible(seq: int) -> None:
    led, _clock = ledger()
    event = led.event(seq)
    exc = refused(led, NotReversible, lambda: led.reverse(event.id, reason="x", by=COMMITTEE,
                                                          key="r"))
    assert exc.fields == {"entry": event.id, "kind": event.KIND}
    assert event.id in str(exc) and event.KIND in str(exc)


def test_a_second_reversal_is_refused_naming_the_first() -> None:
    led, clock = ledger()
    award = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock())
    first = led.reverse(award, reason="录错", by=COMMITTEE, key="r1")
    exc = refused(led, AlreadyReversed, lambda: led.reverse(award, reason="again",
                                                            by=COMMITTEE, key="r2"))
    assert exc.fields == {"entry": award.id, "reversal": first.seq}
    assert award.id in str(exc) and str(first.seq) in str(exc)


def test_nobody_reverses_for_their_own_household() -> None:
    led, clock = ledger()
    award = led.award("M2", "VOL-01", by=GRID, key="a", occurred_at=clock())
    cadre = Actor("M1", roles={"committee"})  # a committee member living in H1
    exc = refused(led, PermissionDenied, lambda: led.reverse(award, reason="x", by=cadre,
                                                             key="r"))
    assert exc.fields["household"] == "H1" and exc.fields["actor"] == "M1"
    other = led.award("H2", "VOL-01", by=GRID, key="b", occurred_at=clock())
    assert led.reverse(other, reason="录错", by=cadre, key="r").original == other.seq


def test_an_award_of_a_closed_account_is_not_reversed() -> None:
    led, clock = ledger()
    award = led.award("M1", "VOL-01", by=GRID, key="a", occurred_at=clock())
    led.close_account("M1", balance_to="H1", by=COMMITTEE)
    exc = refused(led, AccountClosed, lambda: led.reverse(award, reason="x", by=COMMITTEE,
                                                          key="r"))
    assert "M1" in str(exc)
    assert check_invariants(led) == []


# -- the ledger state ------------------------------------------------------------------------


def _at(led: Ledger, seq: int, micros: int = 0) -> pendulum.DateTime:
    """The instant event ``seq`` was recorded, plus ``micros``."""
    return from_us(led.event(seq).recorded_us + micros).in_tz(TZ)


def test_the_registry_as_it_stood_moves_and_closes_accounts_at_the_instant_recorded() -> None:
    """``as_of`` includes what was recorded at that very instant: a household's registration,
    its move to another grid, a member's and a household's closing."""
    led, clock = ledger()
    registered = next(seq for seq in range(1, led.head + 1)
                      if getattr(led.event(seq), "household", None) == "H2"
                      and led.event(seq).KIND == "household_registered")
    assert "H2" not in led.households(as_of=_at(led, registered, -1))
    assert led.households(as_of=_at(led, registered))["H2"] == Household("H2", "G", "户主H2")
    led.add_region("G2", "第二网格", kind="grid", by=COMMITTEE)
    clock.advance(minutes=5)
    moved = led.move_household("H1", grid="G2", by=COMMITTEE, key="move").seq
    clock.advance(minutes=5)
    member_closed = led.close_account("M2", by=COMMITTEE).seq
    clock.advance(minutes=5)
    household_closed = led.close_account("H2", by=COMMITTEE).seq

    before_move = led.households(as_of=_at(led, moved, -1))["H1"]
    assert (before_move.grid, before_move.closed) == ("G", False)
    assert led.households(as_of=_at(led, moved))["H1"].grid == "G2"
    assert led.households()["H1"].grid == "G2"
    open_ = led.households(as_of=_at(led, household_closed, -1))["H2"]
    assert (open_.grid, open_.closed) == ("G", False)
    closed = led.households(as_of=_at(led, household_closed))["H2"]
    assert (closed.grid, closed.closed) == ("G", True)
    staying = led.members(as_of=_at(led, member_closed, -1))["M2"]
    assert (staying.household, staying.closed) == ("H1", False)
    gone = led.members("H1", as_of=_at(led, member_closed))["M2"]
    assert (gone.household, gone.closed) == ("H1", True)
    assert led.household_of("M2", at_seq=member_closed) == "H1"


def _score(led: Ledger, household: str) -> int:
    exc = refused(led, NotEligible, lambda: led.redeem(household, "VIP", by=KEEPER, key="v"))
    assert exc.fields["reason"] == "threshold"
    return int(exc.fields["score"])


def test_reversals_count_for_the_household_the_member_belonged_to_then() -> None:
    """A member's conduct and redemptions stay with the household they were recorded for:
    reversed after the member moved, they give back that household's score and limits, not
    the new household's."""
    led, clock = ledger()
    for reward in ("OIL", "VIP"):
        led.receive_stock(reward, 10, by=KEEPER, key=f"stock/{reward}")
    led.award("H1", "VOL-01", by=GRID, key="h1", occurred_at=clock())
    award = led.award("M1", "VOL-01", by=GRID, key="m1", occurred_at=clock())
    oil = led.redeem("M1", "OIL", by=KEEPER, key="oil")
    exc = refused(led, LimitReached, lambda: led.redeem("H1", "OIL", by=KEEPER, key="oil2"))
    assert exc.fields["limit"] == "household H1"
    assert (_score(led, "H1"), _score(led, "H2")) == (120, 100)
    led.move_member("M1", household="H2", reason="婚嫁", by=COMMITTEE, key="move")
    assert (_score(led, "H1"), _score(led, "H2")) == (120, 100)  # conduct stays with H1

    led.reverse(oil, reason="退货", by=COMMITTEE, key="back")
    assert led.redeem("H1", "OIL", by=KEEPER, key="oil2").reward == "OIL"  # H1's week again
    led.reverse(award, reason="录错", by=COMMITTEE, key="undo")
    assert (_score(led, "H1"), _score(led, "H2")) == (110, 100)
    refused(led, LimitReached, lambda: led.redeem("H1", "OIL", by=KEEPER, key="oil3"))
    assert check_invariants(led) == []


def test_a_claims_time_fixes_the_rulebook_in_force_and_a_wishs_does_not() -> None:
    """A new rulebook version may not take effect on or before the last conduct recorded
    under the one in force: awards and claims (a claim fixes its item's version when it is
    submitted) count, a wish collected today does not."""
    village = make_workflow_village()
    led, clock = village.ledger, village.clock
    led.award("H001", "VOL-02", by=GRID, key="a", occurred_at=clock().subtract(days=10))
    led.submit_wish("M002", "想要一台收音机", by=WISHER, key="w", value=80)
    led.adopt(workflow_rulebook("2026b"), effective_from=clock().subtract(days=8).date(),
              by=COMMITTEE, resolution="修订")  # after the award, before today's wish
    led.submit_claim("H002", "HON-01", by=GRID2, key="c",
                     occurred_at=clock().subtract(days=3), evidence=["photo-1"])
    start = clock().subtract(days=5).date()
    exc = refused(led, RulebookError, lambda: led.adopt(
        workflow_rulebook("2026c"), effective_from=start, by=COMMITTEE, resolution="再修订"))
    assert exc.fields == {"effective_from": start.isoformat()}
    assert clock().subtract(days=3).date().isoformat() in str(exc)
