"""Claims and notice, wishes, orders and the time bank: behaviour, timing and separation of
duties (the transition tables themselves are in test_transitions.py)."""

from __future__ import annotations

import datetime as _dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsledger import (
    TIMEBANK,
    Actor,
    CapExceeded,
    DeadlinePassed,
    EvidenceRequired,
    IdempotencyConflict,
    InsufficientMinutes,
    InsufficientPoints,
    Ledger,
    LimitReached,
    NotEligible,
    PermissionDenied,
    StateError,
    UnknownEntry,
    ValidationError,
)
from pointsledger.base.clock import from_us
from pointsledger.core.events import Awarded, Stepped, TimeMoved
from pointsledger.testing import check_invariants
from tests.helpers import (
    COMMITTEE,
    COMMITTEE2,
    COMMITTEE3,
    GRID,
    GRID2,
    NEIGHBOUR,
    TZ,
    VOLUNTEER,
    WISHER,
    Village,
    make_workflow_village,
)

KEEPER = Actor("s-01", roles={"store_keeper"})


def _in_notice(village: Village, item: str = "HON-01", account: str = "H002",
               key: str = "c") -> str:
    ledger = village.ledger
    claim = ledger.submit_claim(account, item, by=GRID, key=f"{key}/submit",
                                occurred_at=village.clock(), evidence=["photo-1"])
    ledger.step(claim, "check", by=GRID2, key=f"{key}/check")
    ledger.step(claim, "approve", by=COMMITTEE, key=f"{key}/approve")
    return claim.id


# -- claims -----------------------------------------------------------------------------------


def test_pending_points_show_but_are_never_available() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    _in_notice(village)
    balance = ledger.balance("H002")
    assert (balance.posted, balance.pending, balance.available) == (0, 5, 0)
    with pytest.raises(InsufficientPoints):  # nothing to spend: the transfer is refused
        ledger.transfer("H002", "@community", 5, by=WISHER, key="t")
    assert ledger.balance("H002").pending == 5


def test_pending_points_cannot_be_redeemed() -> None:
    from pointsledger import Reward, Rulebook

    village = make_workflow_village()
    ledger = village.ledger
    rules = ledger.rulebook()
    ledger.adopt(Rulebook("2026b", rules.items, category_caps=dict(rules.category_caps),
                          rewards=[Reward("SOAP", "肥皂", cost=5, category="日用品")],
                          claims=rules.claims),
                 effective_from=pendulum.date(2026, 3, 3), by=COMMITTEE, resolution="增补")
    village.clock.advance(days=1)
    ledger.receive_stock("SOAP", 3, by=KEEPER, key="s")
    _in_notice(village)
    with pytest.raises(InsufficientPoints):
        ledger.redeem("H002", "SOAP", by=KEEPER, key="r")


def test_the_notice_runs_full_local_days_and_posts_once() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    claim = _in_notice(village)  # approved on 2026-03-02 (Shanghai)
    end = pendulum.datetime(2026, 3, 10, tz=TZ)  # seven full days: 3-03 .. 3-09
    assert ledger.case(claim).due_us == int(end.timestamp()) * 1_000_000
    clock.set(end.subtract(microseconds=1))
    assert ledger.post_due() == ()
    clock.set(end)
    posted = ledger.post_due()
    assert [e.kind for e in posted] == ["stepped", "awarded"]
    assert posted[1].occurred_us == ledger.case(claim).occurred_us  # the conduct's time
    assert ledger.post_due() == ()  # idempotent
    assert ledger.balance("H002").posted == 5 and ledger.balance("H002").pending == 0
    assert ledger.case(claim).posting == posted[1].seq


@given(hour=st.integers(0, 23), minute=st.integers(0, 59), days=st.integers(1, 10))
def test_notice_ends_at_a_local_midnight(hour: int, minute: int, days: int) -> None:
    from pointsledger import ClaimPolicy, Rulebook

    clock_start = pendulum.datetime(2026, 3, 2, hour, minute, tz=TZ)
    from pointsledger import ManualClock

    clock = ManualClock(clock_start)
    ledger = Ledger.in_memory(clock=clock, tz=TZ)
    village = make_workflow_village()
    base = village.ledger.rulebook()
    ledger.adopt(Rulebook("v", base.items, claims=ClaimPolicy(review_tiers=1, notice_days=days)),
                 effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    ledger.add_region("G", "网格", kind="grid", by=COMMITTEE)
    ledger.register_household("H1", grid="G", head="户主", by=COMMITTEE)
    claim = ledger.submit_claim("H1", "HON-01", by=GRID, key="c", occurred_at=clock())
    ledger.step(claim, "approve", by=COMMITTEE, key="a")
    end = pendulum.datetime(2026, 3, 2, tz=TZ).add(days=days + 1)
    clock.set(end.subtract(microseconds=1))
    assert ledger.post_due() == ()
    clock.set(end)
    assert len(ledger.post_due()) == 2
    assert ledger.post_due() == ()


def test_an_open_objection_blocks_posting_until_dismissed() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    claim = _in_notice(village)
    first = ledger.step(claim, "object", reason="不属实", by=NEIGHBOUR, key="o1")
    second = ledger.step(claim, "object", reason="有疑问", by=Actor("M004", roles={"resident"}),
                         key="o2")
    clock.advance(days=10)
    with pytest.raises(DeadlinePassed):
        ledger.step(claim, "object", reason="晚了", by=NEIGHBOUR, key="o3")
    assert ledger.post_due() == ()
    ledger.step(claim, "dismiss", objection=first, reason="查无此事", by=COMMITTEE2, key="d1")
    assert ledger.case(claim).state == "objected"  # the second objection is still open
    assert ledger.post_due() == ()
    with pytest.raises(UnknownEntry):
        ledger.step(claim, "dismiss", objection=first, reason="again", by=COMMITTEE2, key="d2")
    ledger.step(claim, "dismiss", objection=second, reason="查无此事", by=COMMITTEE2, key="d3")
    assert ledger.case(claim).state == "in_notice"
    assert [e.kind for e in ledger.post_due()] == ["stepped", "awarded"]


def test_an_upheld_objection_rejects_the_claim_and_releases_its_cap_room() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    claim = _in_notice(village, item="ENV-01")  # capped at 10 per month
    _in_notice(village, item="ENV-01", key="second")
    with pytest.raises(CapExceeded):  # both claims hold the month's room
        ledger.award("H002", "ENV-01", by=GRID, key="a1", occurred_at=village.clock())
    objection = ledger.step(claim, "object", reason="不属实", by=NEIGHBOUR, key="o")
    ledger.step(claim, "uphold", objection=objection, reason="属实", by=COMMITTEE2, key="u")
    assert ledger.case(claim).state == "rejected"
    assert ledger.balance("H002").pending == 5
    ledger.award("H002", "ENV-01", by=GRID, key="a2", occurred_at=village.clock())


def test_an_upheld_appeal_reverses_the_posting() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    claim = _in_notice(village)
    clock.advance(days=9)
    ledger.post_due()
    appeal = ledger.step(claim, "appeal", reason="重复申报", by=NEIGHBOUR, key="ap")
    assert appeal.kind == "stepped"
    ledger.step(claim, "uphold_appeal", reason="核实重复", by=COMMITTEE2, key="up")
    reversal = ledger.event(ledger.case(claim).posting)
    assert reversal.kind == "reversed"
    assert ledger.balance("H002").posted == 0
    assert not check_invariants(ledger)


def test_appeals_close_with_their_window() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    claim = _in_notice(village)
    clock.advance(days=9)
    ledger.post_due()
    clock.advance(days=31)
    with pytest.raises(DeadlinePassed):
        ledger.step(claim, "appeal", reason="晚了", by=NEIGHBOUR, key="ap")


def test_separation_of_duties_in_review() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    claim = ledger.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    head = ledger.head
    with pytest.raises(PermissionDenied, match="already acted"):  # the submitter reviews
        ledger.step(claim, "check", by=GRID, key="k1")
    own = Actor("M004", roles={"grid_worker"})  # a grid worker of the claiming household
    with pytest.raises(PermissionDenied, match="household"):
        ledger.step(claim, "check", by=own, key="k2")
    with pytest.raises(PermissionDenied):  # a resident may not review at all
        ledger.step(claim, "check", by=WISHER, key="k3")
    assert ledger.head == head
    ledger.step(claim, "check", by=GRID2, key="k4")
    with pytest.raises(PermissionDenied, match="already acted"):  # the checker approves
        ledger.step(claim, "approve", by=Actor("g-08", roles={"committee"}), key="k5")


def test_only_registered_members_object() -> None:
    village = make_workflow_village()
    claim = _in_notice(village)
    with pytest.raises(PermissionDenied, match="registered members"):
        village.ledger.step(claim, "object", reason="x", by=Actor("outsider", roles={"resident"}),
                            key="o")


def test_residents_claim_only_for_their_own_household() -> None:
    village = make_workflow_village()
    with pytest.raises(PermissionDenied):
        village.ledger.submit_claim("H003", "HON-01", by=WISHER, key="c",
                                    occurred_at=village.clock())
    claim = village.ledger.submit_claim("M002", "HON-01", by=WISHER, key="c2",
                                        occurred_at=village.clock())
    assert village.ledger.case(claim).household == "H002"


def test_claim_submission_checks_the_item() -> None:
    village = make_workflow_village()
    with pytest.raises(ValidationError, match="deductions"):
        village.ledger.submit_claim("H002", "COV-03", by=GRID, key="c",
                                    occurred_at=village.clock())
    village = make_workflow_village(deductions=True)
    with pytest.raises(EvidenceRequired):
        village.ledger.submit_claim("H002", "COV-09", by=GRID, key="c",
                                    occurred_at=village.clock())


def test_deductions_through_the_notice_when_the_rulebook_says_so() -> None:
    village = make_workflow_village(deductions=True)
    ledger, clock = village.ledger, village.clock
    ledger.award("H002", "HON-01", by=GRID, key="a", occurred_at=clock())
    claim = _in_notice(village, item="COV-03")
    assert ledger.balance("H002").pending == -5
    objection = ledger.step(claim, "object", reason="不是我家", by=WISHER, key="o")
    ledger.step(claim, "dismiss", objection=objection, reason="有照片", by=COMMITTEE2, key="d")
    clock.advance(days=9)
    posted = ledger.post_due()
    assert [e.kind for e in posted] == ["stepped", "deducted"]
    assert ledger.balance("H002").posted == 0


def test_open_claims_keep_the_books_and_the_account_open() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    _in_notice(village, account="M004")
    clock.advance(days=2)
    with pytest.raises(ValidationError, match="still in review or notice"):
        ledger.close_period(clock().date().subtract(days=1), by=COMMITTEE, key="cp")
    with pytest.raises(ValidationError, match="open workflow cases"):
        ledger.close_account("M004", by=COMMITTEE, key="x")
    clock.advance(days=8)
    ledger.post_due()
    ledger.close_period(clock().date().subtract(days=1), by=COMMITTEE, key="cp")


def test_a_repeated_step_returns_its_first_event_and_a_changed_one_conflicts() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    claim = ledger.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    first = ledger.step(claim, "reject", reason="材料不全", by=GRID2, key="r")
    village.clock.advance(hours=1)
    head = ledger.head
    assert ledger.step(claim, "reject", reason="材料不全", by=GRID2, key="r") == first
    with pytest.raises(IdempotencyConflict):
        ledger.step(claim, "reject", reason="别的理由", by=GRID2, key="r")
    assert ledger.submit_claim("H002", "HON-01", by=GRID, key="c",
                               occurred_at=village.clock().subtract(hours=1)).id == claim.id
    assert ledger.head == head


def test_bad_step_arguments_are_named() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    claim = ledger.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    with pytest.raises(ValidationError, match="needs reason="):
        ledger.step(claim, "reject", by=GRID2, key="r")
    with pytest.raises(ValidationError, match=r"\['colour'\]"):
        ledger.step(claim, "check", colour="red", by=GRID2, key="r")
    with pytest.raises(UnknownEntry):
        ledger.step("e999-abc", "check", by=GRID2, key="r")


# -- wishes -----------------------------------------------------------------------------------


def _claimed_wish(village: Village) -> str:
    ledger = village.ledger
    wish = ledger.submit_wish("M002", "陪老人聊天", by=WISHER, key="w", value=0)
    ledger.step(wish, "list", category="服务", by=GRID, key="w/list")
    ledger.step(wish, "claim", by=VOLUNTEER, key="w/claim")
    return wish.id


def test_a_confirmed_wish_earns_its_claimer_points_once() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    wish = _claimed_wish(village)
    with pytest.raises(EvidenceRequired):
        ledger.step(wish, "fulfil", evidence=[], by=VOLUNTEER, key="f0")
    ledger.step(wish, "fulfil", evidence=["photo-3"], by=VOLUNTEER, key="f")
    with pytest.raises(PermissionDenied):  # the claimer cannot confirm their own work
        ledger.step(wish, "confirm", rating=5, by=Actor("M003", roles={"resident"}), key="c0")
    confirm = ledger.step(wish, "confirm", rating=5, comment="很满意", by=WISHER, key="c")
    award = ledger.event(ledger.case(wish).posting)
    assert isinstance(award, Awarded)
    assert (award.account, award.points) == ("M003", 10)
    assert confirm.seq + 1 == award.seq
    with pytest.raises(StateError):
        ledger.step(wish, "confirm", rating=4, by=WISHER, key="c2")
    assert sum(e.kind == "awarded" for e in ledger.events()) == 1


def test_one_live_claim_per_wish_and_claimers_need_a_role() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    wish = _claimed_wish(village)
    other = Actor("M001", roles={"volunteer"})
    with pytest.raises(StateError):
        ledger.step(wish, "claim", by=other, key="c2")
    ledger.step(wish, "release", by=VOLUNTEER, key="rel")
    with pytest.raises(PermissionDenied):
        ledger.step(wish, "claim", by=Actor("M001", roles={"resident"}), key="c3")
    with pytest.raises(PermissionDenied):  # the wisher's own household
        ledger.step(wish, "claim", by=Actor("M004", roles={"volunteer"}), key="c4")
    ledger.step(wish, "claim", by=other, key="c5")
    assert ledger.case(wish).assignee == "M001"


def test_a_claim_not_fulfilled_in_time_lapses() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    wish = _claimed_wish(village)  # claimed 2026-03-02: fourteen full days to fulfil
    end = pendulum.datetime(2026, 3, 17, tz=TZ)
    clock.set(end.subtract(microseconds=1))
    assert ledger.lapse_due() == ()
    clock.set(end)
    lapsed = ledger.lapse_due()
    assert [e.step for e in lapsed] == ["lapse"]  # type: ignore[attr-defined]
    assert ledger.case(wish).state == "listed" and ledger.case(wish).assignee == ""
    assert ledger.lapse_due() == ()


def test_wish_values_are_capped_by_category() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    wish = ledger.submit_wish("M002", "电饭煲", by=WISHER, key="w", value=300)
    with pytest.raises(ValidationError, match="cap of 200"):
        ledger.step(wish, "list", category="物品", by=GRID, key="l")
    with pytest.raises(ValidationError, match="categories"):
        ledger.step(wish, "list", category="钱", by=GRID, key="l")
    ledger.step(wish, "list", category="服务", by=GRID, key="l")


# -- orders -----------------------------------------------------------------------------------


def test_an_order_rated_pays_its_volunteer_per_started_hour() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    order = ledger.place_order("H002", "CARE", by=WISHER, key="o")
    ledger.step(order, "dispatch", volunteer="M003", by=GRID, key="d")
    ledger.step(order, "accept", by=VOLUNTEER, key="a")
    ledger.step(order, "start", by=VOLUNTEER, key="s")
    village.clock.advance(minutes=151)
    ledger.step(order, "finish", minutes=150, by=VOLUNTEER, key="f")
    ledger.step(order, "rate", rating=5, by=WISHER, key="r")
    award = ledger.event(ledger.case(order).posting)
    assert isinstance(award, Awarded)
    assert (award.account, award.quantity, award.points) == ("M003", 3, 6)


def test_declines_and_timeouts_return_orders_to_dispatch() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    order = ledger.place_order("H002", "REPAIR", by=WISHER, key="o")
    ledger.step(order, "dispatch", volunteer="M003", by=GRID, key="d1")
    with pytest.raises(PermissionDenied):  # only the named volunteer answers
        ledger.step(order, "accept", by=Actor("M001", roles={"volunteer"}), key="x")
    ledger.step(order, "decline", reason="没空", by=VOLUNTEER, key="dc")
    assert ledger.case(order).state == "placed"
    ledger.step(order, "dispatch", volunteer="M003", by=GRID, key="d2")
    due = ledger.case(order).due_us
    assert due - ledger.case(order).changed_us == 24 * 3_600_000_000
    clock.set(from_us(due - 1))
    assert ledger.time_out_due() == ()
    clock.set(from_us(due))
    assert len(ledger.time_out_due()) == 1
    assert ledger.case(order).state == "placed"
    with pytest.raises(PermissionDenied):  # a volunteer from the ordering household
        ledger.step(order, "dispatch", volunteer="M004", by=GRID, key="d3")


def test_unknown_services_are_refused() -> None:
    village = make_workflow_village()
    with pytest.raises(LookupError, match="REPAIR"):
        village.ledger.place_order("H002", "MASSAGE", by=WISHER, key="o")


# -- time bank --------------------------------------------------------------------------------


def _deposit(ledger: Ledger, member: str, minutes: int, key: str) -> None:
    case = ledger.submit_time(member, minutes, service="助老", occurred_at=ledger.now(),
                              by=Actor(member, roles={"volunteer"}), key=key)
    ledger.step(case, "approve", by=GRID, key=f"{key}/1")
    ledger.step(case, "approve", by=COMMITTEE, key=f"{key}/2")


def test_deposits_need_two_different_reviewers() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    case = ledger.submit_time("M003", 90, service="助老", occurred_at=village.clock(),
                              by=VOLUNTEER, key="d")
    ledger.step(case, "approve", by=GRID, key="a1")
    assert ledger.minutes("M003") == 0
    with pytest.raises(PermissionDenied):
        ledger.step(case, "approve", by=Actor("g-07", roles={"committee"}), key="a2")
    ledger.step(case, "approve", by=COMMITTEE3, key="a3")
    assert ledger.minutes("M003") == 90
    assert ledger.minutes(TIMEBANK) == -90


def test_minutes_are_spent_donated_to_family_and_converted() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    _deposit(ledger, "M002", 200, "d1")
    me = Actor("M002", roles={"resident"})
    ledger.donate_time("M002", "M004", 60, by=me, key="g")
    with pytest.raises(ValidationError, match="household"):
        ledger.donate_time("M002", "M003", 10, by=me, key="g2")
    ledger.spend_time("M002", 20, service="理发", by=me, key="s")
    with pytest.raises(InsufficientMinutes):
        ledger.spend_time("M002", 1000, service="理发", by=me, key="s2")
    with pytest.raises(ValidationError, match="units of 60"):
        ledger.convert_time("M002", 90, by=me, key="c1")
    moved = ledger.convert_time("M002", 120, by=me, key="c2")
    award = ledger.event(moved.seq + 1)
    assert isinstance(award, Awarded)
    assert (award.account, award.points) == ("M002", 2)
    assert ledger.minutes("M002") == 0 and ledger.minutes("M004") == 60
    _deposit(ledger, "M002", 60, "d2")
    with pytest.raises(NotEligible, match="conversion starts at 120"):
        ledger.convert_time("M002", 60, by=me, key="c3")


def test_time_bank_movements_are_whole_minutes_by_the_members_household() -> None:
    """One minute is the least a member spends (0 and negatives are refused); a movement is
    recorded with its actor, key, memo and the rules in force, and a deposit's second
    approval moves the minutes as the approver; a resident of another household may not
    spend a member's minutes."""
    village = make_workflow_village()
    ledger = village.ledger
    _deposit(ledger, "M002", 30, "d1")
    deposit = ledger.event(ledger.head)
    assert isinstance(deposit, TimeMoved)
    assert (deposit.actor, deposit.key, deposit.version, deposit.source, deposit.destination,
            deposit.minutes) == (COMMITTEE.id, "d1/2", "2026", TIMEBANK, "M002", 30)
    me = Actor("M002", roles={"resident"})
    for bad in (0, -5):
        with pytest.raises(ValidationError, match="minutes"):
            ledger.spend_time("M002", bad, service="理发", by=me, key=f"bad{bad}")
    spent = ledger.spend_time("M002", 1, service="理发", by=me, key="s", memo="一分钟")
    assert (spent.actor, spent.key, spent.memo, spent.version, spent.minutes) == (
        "M002", "s", "一分钟", "2026", 1)
    with pytest.raises(PermissionDenied):
        ledger.spend_time("M002", 1, service="理发", by=Actor("M003", roles={"resident"}),
                          key="other")
    assert ledger.minutes("M002") == 29


def test_the_storage_cap_holds() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    _deposit(ledger, "M003", 6000, "d1")
    with pytest.raises(LimitReached):
        ledger.submit_time("M003", 1, service="助老", occurred_at=village.clock(),
                           by=VOLUNTEER, key="d2")


@given(moves=st.lists(st.tuples(st.sampled_from(["deposit", "spend", "donate", "convert"]),
                                st.sampled_from(["M002", "M004"]), st.integers(1, 400)),
                      max_size=12))
def test_the_time_bank_conserves_minutes(moves: list[tuple[str, str, int]]) -> None:
    village = make_workflow_village()
    ledger = village.ledger
    model = {"M002": 0, "M004": 0}
    for n, (kind, member, minutes) in enumerate(moves):
        other = "M004" if member == "M002" else "M002"
        me = Actor(member, roles={"resident"})
        try:
            if kind == "deposit":
                _deposit(ledger, member, minutes, f"d{n}")
                model[member] += minutes
            elif kind == "spend":
                ledger.spend_time(member, minutes, service="理发", by=me, key=f"s{n}")
                model[member] -= minutes
            elif kind == "donate":
                ledger.donate_time(member, other, minutes, by=me, key=f"g{n}")
                model[member] -= minutes
                model[other] += minutes
            else:
                ledger.convert_time(member, minutes, by=me, key=f"c{n}")
                model[member] -= minutes
        except (InsufficientMinutes, NotEligible, LimitReached, ValidationError):
            pass
        assert all(value >= 0 for value in model.values())
    assert {m: ledger.minutes(m) for m in model} == model
    assert sum(ledger.time_balances().values()) == 0
    assert not check_invariants(ledger)


# -- replay -----------------------------------------------------------------------------------


def _workflow_state(ledger: Ledger) -> tuple[object, ...]:
    """The cases, pending points and time-bank minutes, through the queries."""
    return (ledger.cases(), {a: b.pending for a, b in ledger.balances().items()},
            dict(ledger.time_balances()))


def test_workflow_state_replays_and_survives_a_snapshot(tmp_path: object) -> None:
    path = f"{tmp_path}/w.db"
    village = make_workflow_village(path)
    ledger, clock = village.ledger, village.clock
    claim = _in_notice(village)
    ledger.step(claim, "object", reason="不属实", by=NEIGHBOUR, key="o")
    _claimed_wish(village)
    _deposit(ledger, "M003", 90, "d")
    expected = _workflow_state(ledger)
    ledger.close()
    reopened = Ledger.open(path, clock=clock)
    assert _workflow_state(reopened) == expected
    reopened.snapshot()
    reopened.close()
    from_snapshot = Ledger.open(path, clock=clock)
    assert _workflow_state(from_snapshot) == expected
    assert not check_invariants(from_snapshot)
    from_snapshot.close()


def test_cases_are_listed_by_flow_state_and_account() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    claim = _in_notice(village)
    _claimed_wish(village)
    assert [c.id for c in ledger.cases("claim")] == [claim]
    assert [c.flow for c in ledger.cases(state="claimed")] == ["wish"]
    assert [c.flow for c in ledger.cases(account="M002")] == ["wish"]
    assert ledger.case(claim).is_live
    assert isinstance(ledger.case(claim).opened_us, int)
    assert _dt.timedelta(0) < _dt.timedelta(microseconds=ledger.case(claim).due_us
                                             - ledger.case(claim).changed_us)


def test_an_order_dispatched_to_a_team_is_taken_by_one_member() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    village.ledger.register_member("M005", household="H004", name="王五", roles={"volunteer"},
                                   by=COMMITTEE)
    order = ledger.place_order("H002", "REPAIR", by=WISHER, key="o")
    with pytest.raises(ValidationError, match="not both or neither"):
        ledger.step(order, "dispatch", by=GRID, key="d0")
    with pytest.raises(PermissionDenied):  # a team member from the ordering household
        ledger.step(order, "dispatch", team=["M003", "M004"], by=GRID, key="d1")
    ledger.step(order, "dispatch", team=["M003", "M005"], by=GRID, key="d2")
    with pytest.raises(PermissionDenied):  # not on the team
        ledger.step(order, "accept", by=Actor("M001", roles={"volunteer"}), key="a0")
    ledger.step(order, "accept", by=Actor("M005", roles={"volunteer"}), key="a1")
    assert ledger.case(order).assignee == "M005"
    with pytest.raises(PermissionDenied):  # now it is M005's
        ledger.step(order, "start", by=VOLUNTEER, key="s0")


# -- deadlines, as a property ---------------------------------------------------------------


@given(steps=st.lists(st.tuples(st.sampled_from(["claim", "wish", "order", "wait"]),
                                st.integers(1, 60 * 24 * 40)), min_size=1, max_size=12))
def test_due_jobs_act_exactly_at_their_deadlines_and_once(
        steps: list[tuple[str, int]]) -> None:
    """Claims post, wishes lapse (a claim back to the wall, then off it) and orders time out
    exactly when their deadlines (local midnights for days, exact hours for the acceptance
    time) have passed, each once; running a
    job again at once writes nothing."""
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    deadlines: dict[str, tuple[str, pendulum.DateTime]] = {}
    tz = pendulum.timezone(TZ)

    def midnight_after(days: int) -> pendulum.DateTime:
        today = clock().in_timezone(tz).date()
        return pendulum.datetime(today.year, today.month, today.day, tz=TZ).add(days=days + 1)

    for n, (what, minutes) in enumerate(steps):
        if what == "claim":
            claim = ledger.submit_claim("H002", "HON-01", by=GRID, key=f"c{n}",
                                        occurred_at=clock())
            ledger.step(claim, "check", by=GRID2, key=f"c{n}/1")
            ledger.step(claim, "approve", by=COMMITTEE, key=f"c{n}/2")
            deadlines[claim.id] = ("claim", midnight_after(7))
        elif what == "wish":
            wish = ledger.submit_wish("M002", "心愿", by=WISHER, key=f"w{n}")
            ledger.step(wish, "list", category="服务", by=GRID, key=f"w{n}/1")
            ledger.step(wish, "claim", by=VOLUNTEER, key=f"w{n}/2")
            deadlines[wish.id] = ("wish", midnight_after(14))
        elif what == "order":
            order = ledger.place_order("H002", "REPAIR", by=WISHER, key=f"o{n}")
            ledger.step(order, "dispatch", volunteer="M003", by=GRID, key=f"o{n}/1")
            deadlines[order.id] = ("order", from_us(ledger.case(order).changed_us).add(hours=24))
        clock.advance(minutes=minutes)
        now = clock()
        acted = {ledger.event(e.case).id for job in (ledger.post_due, ledger.lapse_due,
                                                     ledger.time_out_due)
                 for e in job() if isinstance(e, Stepped)}
        due = {case for case, (_flow, end) in deadlines.items() if end <= now}
        assert acted == due
        for case in due:
            flow, _end = deadlines.pop(case)
            if flow == "wish":  # back on the wall, for list_days from today
                deadlines[case] = ("wall", midnight_after(90))
        assert (ledger.post_due(), ledger.lapse_due(), ledger.time_out_due()) == ((), (), ())
    for case, (flow, _end) in deadlines.items():
        assert ledger.case(case).state == {"claim": "in_notice", "wish": "claimed",
                                           "wall": "listed", "order": "dispatched"}[flow]


def test_a_posted_claim_past_its_appeal_window_no_longer_keeps_the_account_open() -> None:
    """Found by the independent model (KNOWN-BUG 2): a posted claim whose appeal window closed
    has nobody left to act on it, so it does not stop closing the account."""
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    claim = _in_notice(village, account="M004")
    clock.advance(days=9)
    ledger.post_due()
    with pytest.raises(ValidationError, match="open workflow cases"):  # appeals still possible
        ledger.close_account("M004", by=COMMITTEE, key="x", balance_to="H002")
    clock.advance(days=31)
    with pytest.raises(DeadlinePassed):
        ledger.step(claim, "appeal", reason="晚了", by=NEIGHBOUR, key="ap")
    ledger.close_account("M004", by=COMMITTEE, key="x", balance_to="H002")
    assert check_invariants(ledger) == []


@pytest.mark.parametrize("flow", ["wish", "order"])
def test_nobody_confirms_or_rates_the_work_of_their_own_household(flow: str) -> None:
    """Found by the independent model (KNOWN-BUG 4): confirming a wish or rating an order
    awards its claimer or volunteer; an official of that household may not do it."""
    village = make_workflow_village()
    ledger = village.ledger
    ledger.register_member("M005", household="H003", name="李小光",
                           roles={"resident", "grid_worker"}, by=COMMITTEE)
    kin = Actor("M005", roles={"grid_worker", "committee"})          # of H003, like M003
    if flow == "wish":
        case = _claimed_wish(village)
        ledger.step(case, "fulfil", evidence=["photo-3"], by=VOLUNTEER, key="f")
        step, args = "confirm", {"rating": 5}
    else:
        case = ledger.place_order("H002", "CARE", by=WISHER, key="o").id
        ledger.step(case, "dispatch", volunteer="M003", by=GRID, key="o/d")
        ledger.step(case, "accept", by=VOLUNTEER, key="o/a")
        ledger.step(case, "start", by=VOLUNTEER, key="o/s")
        village.clock.advance(minutes=61)
        ledger.step(case, "finish", minutes=60, by=VOLUNTEER, key="o/f")
        step, args = "rate", {"rating": 5}
    before = ledger.head
    with pytest.raises(PermissionDenied, match="H003"):
        ledger.step(case, step, by=kin, key="kin", **args)
    assert ledger.head == before
    assert check_invariants(ledger) == []


@pytest.mark.parametrize("tiers", [1, 2])
def test_next_steps_follow_the_review_tiers_of_the_rulebook_in_force(tiers: int) -> None:
    """A claim under two review tiers is checked before it is approved: ``next_steps`` leaves
    out ``approve`` then, and ``check`` under one tier; the step it leaves out is refused and
    every step it offers passes the transition table (it fails for its actor, not its state)."""
    village = make_workflow_village(tiers=tiers)
    ledger = village.ledger
    claim = ledger.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    offered = ledger.next_steps(claim)
    skipped = "approve" if tiers == 2 else "check"
    assert skipped not in offered and {"reject", "withdraw"} <= set(offered)
    assert ({"check"} if tiers == 2 else {"approve"}) <= set(offered)
    with pytest.raises(StateError):
        ledger.step(claim, skipped, by=GRID2, key="skip")
    ledger.step(claim, "check" if tiers == 2 else "approve", by=GRID2 if tiers == 2 else
                Actor("c-09", roles={"committee"}), key="next")
    assert ledger.next_steps(claim) == (("approve", "reject", "withdraw") if tiers == 2
                                        else ("object",))


@pytest.mark.parametrize("tiers", [1, 2])
def test_an_unknown_step_lists_the_steps_allowed_under_the_rulebook_in_force(tiers: int) -> None:
    """The refusal of a step the flow does not have lists what may be done now: the steps
    `next_steps` offers, not those the rulebook switches off (``approve`` before the check
    under two review tiers, ``check`` under one)."""
    village = make_workflow_village(tiers=tiers)
    ledger = village.ledger
    claim = ledger.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    before = ledger.head
    with pytest.raises(ValidationError) as refused:
        ledger.step(claim, "aprove", by=GRID2, key="typo")
    allowed_now = str(refused.value).split("allowed now: ")[1].rstrip(")").split(", ")
    assert tuple(allowed_now) == ledger.next_steps(claim)
    assert ("approve" if tiers == 2 else "check") not in allowed_now
    assert refused.value.fields["step"] == "aprove"
    assert ledger.head == before
