"""What the derived state must get right, found by mutation testing (issue 16): each test here
kills mutants of :mod:`pointsledger.core.state` that the rest of the suite let live (README,
"Mutation testing"). All go through the public API except the last, on ``differences``."""

from __future__ import annotations

import pendulum
import pytest

from pointsledger import (
    Actor,
    Cap,
    CapExceeded,
    ChecklistItem,
    ExpiryPolicy,
    InsufficientPoints,
    IntegrityError,
    Ledger,
    Limit,
    LimitReached,
    ManualClock,
    NoRulebookInForce,
    NotEligible,
    Reward,
    Rulebook,
    StorePolicy,
)
from pointsledger.core.events import Awarded
from pointsledger.core.state import LedgerState, apply, differences
from pointsledger.testing import check_invariants
from tests.helpers import (
    COMMITTEE2,
    GRID2,
    NEIGHBOUR,
    make_village,
    make_workflow_village,
    workflow_rulebook,
)
from tests.test_ledger import refused

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-07", roles={"grid_worker"})
KEEPER = Actor("s-01", roles={"store_keeper"})
MONDAY = pendulum.datetime(2026, 3, 2, 10, tz=TZ)

RULES = Rulebook(
    "kill-2026",
    [
        ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=10),
        ChecklistItem("ONE-01", "随手捡垃圾", category="环境卫生", points=1),
        ChecklistItem("COV-03", "焚烧秸秆", category="村规民约", points=-5),
        ChecklistItem("COV-09", "违反公共道德", category="村规民约", points=-20, serious=True),
    ],
    rewards=[
        # the member limit comes first: a household's own redemption skips it, not the rest
        Reward("OIL", "食用油", cost=5, limits=[Limit(1, "day", "member"), Limit(1, "week")]),
        Reward("MUG", "纪念杯", cost=5, limits=[Limit(1, "ever")]),
        Reward("TV", "电视机", cost=5, total_limit=1),
        Reward("MEAL", "长者餐", cost=5, limits=[Limit(1, "day", "member")]),
        Reward("VIP", "荣誉礼包", cost=5, min_score=1000),
    ],
    store=StorePolicy(base_points=100, min_score=60, ban_years=1),
)


def shop(expiry: ExpiryPolicy | None = None, start: pendulum.DateTime = MONDAY
         ) -> tuple[Ledger, ManualClock]:
    """H1 (members M1, M2) and H2 (member M3), a stocked store, ``RULES`` (with ``expiry``)."""
    clock = ManualClock(start)
    led = Ledger.in_memory(clock=clock, tz=TZ, backdate_days=400)
    rules = RULES if expiry is None else Rulebook(
        RULES.version, RULES.items, rewards=RULES.rewards, store=RULES.store, expiry=expiry)
    led.adopt(rules, effective_from=pendulum.date(2025, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G1", "第一网格", kind="grid", by=COMMITTEE)
    for h in ("H1", "H2", "H3"):
        led.register_household(h, grid="G1", head=f"户主{h}", by=COMMITTEE)
    for m, h in (("M1", "H1"), ("M2", "H1"), ("M3", "H2")):
        led.register_member(m, household=h, name=f"成员{m}", roles={"resident"},
                            by=COMMITTEE)
    for reward in ("OIL", "MUG", "TV", "MEAL", "VIP"):
        led.receive_stock(reward, 10, by=KEEPER, key=f"stock/{reward}")
    return led, clock


def earn(led: Ledger, account: str, key: str, item: str = "VOL-01",
         when: pendulum.DateTime | None = None) -> Awarded:
    return led.award(account, item, by=GRID, key=key, occurred_at=when or led.now())


def test_a_balance_names_its_account_and_an_account_never_posted_has_nothing() -> None:
    led, _clock = shop()
    assert led.balance("H3").account == "H3"
    assert (led.balance("H3").posted, led.balance("H3").available) == (0, 0)
    exc = refused(led, InsufficientPoints, lambda: led.redeem("H3", "OIL", by=KEEPER, key="r"))
    assert exc.fields["available"] == 0


def test_a_household_redemption_skips_member_limits_but_counts_the_rest() -> None:
    led, _clock = shop()
    earn(led, "H1", "a")
    led.redeem("H1", "OIL", by=KEEPER, key="r1")
    exc = refused(led, LimitReached, lambda: led.redeem("H1", "OIL", by=KEEPER, key="r2"))
    assert (exc.fields["limit"], exc.fields["period"]) == ("household H1", "2026-W10")


def test_an_ever_limit_and_a_total_limit_hold_for_good_and_say_ever() -> None:
    led, clock = shop()
    earn(led, "H1", "a")
    earn(led, "H2", "b")
    led.redeem("H1", "MUG", by=KEEPER, key="m1")
    led.redeem("H1", "TV", by=KEEPER, key="t1")
    clock.advance(days=400)
    exc = refused(led, LimitReached, lambda: led.redeem("H1", "MUG", by=KEEPER, key="m2"))
    assert (exc.fields["limit"], exc.fields["period"]) == ("household H1", "ever")
    exc = refused(led, LimitReached, lambda: led.redeem("H2", "TV", by=KEEPER, key="t2"))
    assert (exc.fields["limit"], exc.fields["period"]) == ("total", "ever")
    led.redeem("H2", "MUG", by=KEEPER, key="m3")  # another household's own ever limit


def test_reversing_a_members_redemption_gives_back_the_members_limit() -> None:
    led, _clock = shop()
    earn(led, "H1", "a")
    meal = led.redeem("H1", "MEAL", member="M1", by=KEEPER, key="r1")
    refused(led, LimitReached, lambda: led.redeem("H1", "MEAL", member="M1", by=KEEPER,
                                                  key="r2"))
    led.reverse(meal, reason="退回", by=COMMITTEE, key="back")
    led.redeem("H1", "MEAL", member="M1", by=KEEPER, key="r2")
    assert check_invariants(led) == []


def _score(led: Ledger, household: str) -> int:
    exc = refused(led, NotEligible, lambda: led.redeem(household, "VIP", by=KEEPER, key="v"))
    assert exc.fields["reason"] == "threshold"
    return int(exc.fields["score"])


def test_a_score_is_base_points_plus_what_the_household_and_its_members_earned() -> None:
    led, _clock = shop()
    assert _score(led, "H1") == 100  # no conduct yet: the base points
    earn(led, "H1", "a")
    member_award = earn(led, "M1", "b")
    assert _score(led, "H1") == 120  # a member's conduct counts for the household
    assert _score(led, "H2") == 100
    led.reverse(member_award, reason="录错", by=COMMITTEE, key="undo")
    assert _score(led, "H1") == 110  # a reversed award no longer counts
    led.deduct("M3", "COV-03", by=GRID, key="d", occurred_at=led.now())
    assert _score(led, "H2") == 95  # and so does a member's deduction


def test_a_members_serious_violation_bans_the_household_until_the_instant_it_ends() -> None:
    led, clock = shop()
    earn(led, "H2", "a")
    led.deduct("M3", "COV-09", by=GRID, key="d", occurred_at=clock())
    earn(led, "H2", "b")
    earn(led, "H2", "c")
    end = pendulum.datetime(2028, 1, 1, tz=TZ)  # ban_years=1: to the end of next year
    clock.set(end.subtract(microseconds=1))
    exc = refused(led, NotEligible, lambda: led.redeem("H2", "OIL", by=KEEPER, key="r"))
    assert exc.fields["reason"] == "ban"
    clock.set(end)
    led.redeem("H2", "OIL", by=KEEPER, key="r")


def test_a_ban_runs_from_the_local_year_of_the_violation() -> None:
    # 2027-01-01 04:00 in Shanghai is still 2026-12-31 in UTC
    new_year = pendulum.datetime(2027, 1, 1, 4, tz=TZ)
    led, clock = shop(start=new_year.add(hours=1))
    earn(led, "H2", "a")
    earn(led, "H2", "b")
    led.deduct("H2", "COV-09", by=GRID, key="d", occurred_at=new_year)
    clock.set(pendulum.datetime(2028, 6, 1, tz=TZ))
    exc = refused(led, NotEligible, lambda: led.redeem("H2", "OIL", by=KEEPER, key="r"))
    assert exc.fields["until"].startswith("2029-01-01")


def test_reversing_one_of_two_serious_violations_keeps_the_other_ban() -> None:
    led, clock = shop()
    earn(led, "H2", "a")
    earn(led, "H2", "b")
    earn(led, "H2", "c")
    earn(led, "H2", "e")
    led.deduct("M3", "COV-09", by=GRID, key="d1", occurred_at=clock())
    second = led.deduct("M3", "COV-09", by=GRID, key="d2", occurred_at=clock())
    led.reverse(second, reason="重复录入", by=COMMITTEE, key="undo")
    refused(led, NotEligible, lambda: led.redeem("H2", "OIL", by=KEEPER, key="r"))


def test_reversing_a_members_serious_violation_lifts_the_households_ban() -> None:
    led, clock = shop()
    earn(led, "H2", "a")
    earn(led, "H2", "b")
    earn(led, "H2", "c")
    deduction = led.deduct("M3", "COV-09", by=GRID, key="d", occurred_at=clock())
    refused(led, NotEligible, lambda: led.redeem("H2", "OIL", by=KEEPER, key="r"))
    led.reverse(deduction, reason="查无此事", by=COMMITTEE, key="undo")
    led.redeem("H2", "OIL", by=KEEPER, key="r")


def test_a_closed_members_last_point_keeps_its_expiry_at_the_household() -> None:
    led, clock = shop(ExpiryPolicy("year_end"))
    earn(led, "M1", "a", item="ONE-01")
    led.close_account("M1", balance_to="H1", by=COMMITTEE)
    (lot,) = led.expiring("H1", within=pendulum.duration(days=400))
    assert lot.points == 1
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    assert [e.points for e in led.expire_due()] == [1]
    assert led.balance("H1").posted == 0


def test_points_moved_on_closing_carry_over_as_the_rulebook_allows() -> None:
    led, clock = shop(ExpiryPolicy("carry_over", carry=15))
    earn(led, "M1", "a")
    led.close_account("M1", balance_to="H1", by=COMMITTEE)
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    assert led.expire_due() == ()  # carry-over of everything writes no 0-point event
    assert led.balance("H1").posted == 10
    assert sum(lot.points for lot in led.expiring("H1", within=pendulum.duration(days=800))) == 10


def test_year_end_expiry_follows_the_ledgers_time_zone() -> None:
    new_year = pendulum.datetime(2027, 1, 1, 4, tz=TZ)  # still 2026 in UTC
    led, _clock = shop(ExpiryPolicy("year_end"), start=new_year.add(hours=1))
    earn(led, "H1", "a", when=new_year)
    (lot,) = led.expiring("H1", within=pendulum.duration(days=800))
    assert lot.expires_at == pendulum.datetime(2028, 1, 1, tz=TZ)


def test_reversing_an_award_drops_its_lot_and_keeps_the_others() -> None:
    led, clock = shop(ExpiryPolicy("rolling", days=30))
    first = earn(led, "H1", "a", when=clock().subtract(days=2))
    second = earn(led, "H1", "b")
    led.reverse(first, reason="录错", by=COMMITTEE, key="undo")
    assert [(x.seq, x.points) for x in led.expiring("H1", within=pendulum.duration(days=60))] \
        == [(second.seq, 10)]
    led.reverse(second, reason="录错", by=COMMITTEE, key="undo2")  # the account's only lot
    assert led.expiring("H1", within=pendulum.duration(days=60)) == []


def test_an_upheld_objection_is_no_longer_open_and_a_case_without_a_deadline_has_none() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    claim = ledger.submit_claim("H002", "HON-01", by=GRID, key="c",
                                occurred_at=village.clock(), evidence=["photo-1"])
    assert ledger.case(claim.id).due_us == 0
    ledger.step(claim, "check", by=GRID2, key="check")
    ledger.step(claim, "approve", by=COMMITTEE, key="approve")
    objection = ledger.step(claim, "object", reason="不属实", by=NEIGHBOUR, key="o")
    assert ledger.case(claim.id).objections == (objection.seq,)
    ledger.step(claim, "uphold", objection=objection, reason="属实", by=COMMITTEE2, key="u")
    assert ledger.case(claim.id).objections == ()


def test_a_one_point_claim_in_notice_holds_its_cap_room() -> None:
    base = workflow_rulebook()
    rules = Rulebook(base.version,
                     (*base.items, ChecklistItem("ONE-01", "随手捡垃圾", category="环境",
                                                 points=1, cap=Cap(1, per="month"))),
                     category_caps=dict(base.category_caps), claims=base.claims)
    village = make_village("memory", rules=rules)
    ledger = village.ledger
    claim = ledger.submit_claim("H002", "ONE-01", by=GRID, key="c",
                                occurred_at=village.clock(), evidence=["photo-1"])
    ledger.step(claim, "check", by=GRID2, key="check")
    ledger.step(claim, "approve", by=COMMITTEE, key="approve")
    assert ledger.balance("H002").pending == 1
    with pytest.raises(CapExceeded):
        ledger.award("H002", "ONE-01", by=GRID, key="a", occurred_at=village.clock())


def test_a_members_time_bank_passbook_lists_each_of_its_movements() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    case = ledger.submit_time("M002", 200, service="助老", occurred_at=ledger.now(),
                              by=Actor("M002", roles={"volunteer"}), key="d")
    ledger.step(case, "approve", by=GRID, key="d/1")
    deposit = ledger.step(case, "approve", by=COMMITTEE, key="d/2").seq + 1
    me = Actor("M002", roles={"resident"})
    gift = ledger.donate_time("M002", "M004", 60, by=me, key="g").seq
    spent = ledger.spend_time("M002", 20, service="理发", by=me, key="s").seq
    assert [e.seq for e in ledger.time_moves("M002")] == [deposit, gift, spent]
    assert [e.seq for e in ledger.time_moves("M004")] == [gift]
    assert ledger.minutes("M002") == 120 and ledger.minutes("M004") == 60
    assert sum(ledger.time_balances().values()) == 0


def test_differences_names_differing_tables_and_values() -> None:
    one, other = LedgerState(), LedgerState()
    assert differences(one, other) == ()
    other.posted["H1"] = 5
    other.seq = 3
    assert differences(one, other) == ("posted", "seq")


def _rules(version: str) -> Rulebook:
    return Rulebook(version, [ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务",
                                            points=10)])


def test_the_rulebook_in_force_changes_exactly_at_each_boundary() -> None:
    led = Ledger.in_memory(clock=ManualClock(pendulum.datetime(2026, 1, 1, tz=TZ)), tz=TZ)
    for version, start, until in (("v1", (2026, 3, 1), (2026, 3, 30)),
                                  ("v2", (2026, 4, 1), None),
                                  ("v3", (2026, 7, 1), None)):
        led.adopt(_rules(version), effective_from=pendulum.date(*start),
                  effective_until=None if until is None else pendulum.date(*until),
                  by=COMMITTEE, resolution=f"决议{version}")

    def version_at(year: int, month: int, day: int, hour: int = 0) -> str | None:
        try:
            return led.rulebook(at=pendulum.datetime(year, month, day, hour, tz=TZ)).version
        except NoRulebookInForce:
            return None

    # each answer follows the previous one, so a cached range that is too wide shows
    assert version_at(2026, 2, 1) is None
    assert version_at(2026, 3, 1) == "v1"
    assert version_at(2026, 3, 30, 23) == "v1"
    assert version_at(2026, 3, 31) is None  # v1's last day has passed; v2 starts tomorrow
    assert version_at(2026, 4, 1) == "v2"
    assert version_at(2026, 6, 30, 23) == "v2"
    assert version_at(2026, 7, 1) == "v3"
    assert version_at(2026, 3, 2) == "v1"
    assert version_at(2026, 5, 1) == "v2"  # after v1's range, not v1 again
    (first, second, _third) = led.adoptions()
    assert (first.effective_until, first.resolution, second.effective_until) == (
        pendulum.date(2026, 3, 30), "决议v1", None)
    assert first.seq == 2 and second.seq == 3


def test_the_day_cap_starts_afresh_at_local_midnight_after_a_late_award() -> None:
    village = make_village("memory")  # 志愿服务 is capped at 8 points a day
    ledger, clock = village.ledger, village.clock
    late = pendulum.datetime(2026, 3, 2, 23, 59, tz=TZ)
    clock.set(pendulum.datetime(2026, 3, 3, 0, 0, tz=TZ))
    for n in range(4):
        ledger.award("H001", "VOL-02", by=GRID, key=f"late{n}", occurred_at=late)
    ledger.award("H001", "VOL-02", by=GRID, key="midnight", occurred_at=clock())
    assert ledger.balance("H001").posted == 10


def test_the_registry_keeps_every_field_it_was_given() -> None:
    village = make_village("memory")
    ledger = village.ledger
    assert ledger.ledger_id and isinstance(ledger.ledger_id, str)
    grid = ledger.region("G01")
    assert (grid.name, grid.parent) == ("第一网格", "V01")
    assert ledger.household("H001").head == "户主0"
    member = ledger.member("M002")
    assert (member.id, member.name) == ("M002", "欧阳明")


def test_apply_refuses_an_event_that_does_not_follow_the_head() -> None:
    led, _clock = shop()
    event = led.event(3)
    with pytest.raises(IntegrityError, match="event seq 3 does not follow head 0") as info:
        apply(LedgerState(), event)
    assert info.value.fields == {"seq": 3}


def test_the_backdating_window_ends_exactly_its_days_before_the_clock() -> None:
    """Conduct exactly ``backdate_days`` before the ledger clock is accepted; a microsecond
    earlier is refused naming the instant and the window in whole days (issue 16:
    core.command's ``_check_occurred`` survivors)."""
    from pointsledger import BackdatedTooFar
    from tests.helpers import COMMITTEE, GRID, START, TZ, rulebook

    clock = ManualClock(START)
    led = Ledger.in_memory(clock=clock, tz=TZ, backdate_days=7)
    led.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    led.register_household("H", grid="G", head="户主", by=COMMITTEE)
    from pointsledger.base.clock import from_us
    now_us = led.event(led.head).recorded_us + 1  # the clock stands still: each event 1 µs on
    edge = from_us(now_us - 7 * 86_400_000_000).in_tz(TZ)
    early = edge.subtract(microseconds=1)
    exc = refused(led, BackdatedTooFar, lambda: led.award("H", "VOL-02", by=GRID, key="k",
                                                          occurred_at=early))
    assert exc.fields["window_days"] == 7
    assert exc.fields["occurred_at"].startswith(early.isoformat()[:19])
    assert led.award("H", "VOL-02", by=GRID, key="k", occurred_at=edge).occurred_us > 0
