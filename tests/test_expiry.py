"""Expiry (清零 / 结转 / 过期): lots, the order they are drawn in, expire_due."""

from __future__ import annotations

import datetime as _dt

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import (
    COMMUNITY,
    EXPIRED,
    Actor,
    ChecklistItem,
    ExpiryPolicy,
    Ledger,
    ManualClock,
    Reward,
    Rulebook,
    RulebookError,
    ValidationError,
)
from pointsledger.testing import check_invariants

from .helpers import budget

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-07", roles={"grid_worker"})
KEEPER = Actor("s-01", roles={"store_keeper"})


def ledger_with(expiry: ExpiryPolicy, start: pendulum.DateTime) -> tuple[Ledger, ManualClock]:
    clock = ManualClock(start)
    led = Ledger.in_memory(clock=clock, tz=TZ, backdate_days=400)
    rules = Rulebook(
        "e",
        [ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10),
         ChecklistItem("COV-01", "乱倒垃圾", category="村规民约", points=-5)],
        rewards=[Reward("SOAP", "肥皂", cost=5)],
        expiry=expiry,
    )
    led.adopt(rules, effective_from=pendulum.date(2025, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    led.register_household("H1", grid="G", head="张三", by=COMMITTEE)
    led.register_household("H2", grid="G", head="李四", by=COMMITTEE)
    led.receive_stock("SOAP", 100, by=KEEPER, key="stock")
    return led, clock


def award(led: Ledger, when: pendulum.DateTime, key: str, account: str = "H1") -> int:
    return led.award(account, "VOL-01", by=GRID, key=key, occurred_at=when).seq


def test_year_end_reset() -> None:
    """Points earned in a year expire when it ends (local time), once."""
    led, clock = ledger_with(ExpiryPolicy("year_end"),
                             pendulum.datetime(2026, 12, 20, tz=TZ))
    award(led, clock().subtract(days=30), "a")
    award(led, clock(), "b")
    clock.set(pendulum.datetime(2026, 12, 31, 23, 59, tz=TZ))
    assert led.expire_due() == ()
    clock.set(pendulum.datetime(2027, 1, 1, 0, 0, tz=TZ))
    (event,) = led.expire_due()
    assert (event.account, event.points) == ("H1", 20)
    assert led.balance("H1").posted == 0 and led.balance(EXPIRED).posted == 20
    assert led.expire_due() == ()
    assert check_invariants(led) == []


def test_quarter_end_and_rolling() -> None:
    """Quarter-end lots expire at the next quarter's start; rolling lots N days after."""
    led, clock = ledger_with(ExpiryPolicy("quarter_end"), pendulum.datetime(2026, 3, 30, tz=TZ))
    award(led, clock(), "a")
    clock.set(pendulum.datetime(2026, 4, 1, tz=TZ))
    assert [e.points for e in led.expire_due()] == [10]
    led, clock = ledger_with(ExpiryPolicy("rolling", days=10),
                             pendulum.datetime(2026, 3, 1, tz=TZ))
    award(led, clock(), "a")
    clock.advance(days=5)
    award(led, clock(), "b")
    clock.advance(days=5)
    assert [e.points for e in led.expire_due()] == [10]
    assert led.balance("H1").posted == 10


def test_spending_draws_the_soonest_expiring_lot_first() -> None:
    """A redemption takes from the lot that expires first, and records it."""
    led, clock = ledger_with(ExpiryPolicy("rolling", days=60),
                             pendulum.datetime(2026, 3, 1, tz=TZ))
    late = award(led, clock().subtract(days=1), "late")  # expires Apr 29
    early = award(led, clock().subtract(days=20), "early")  # expires Apr 10, older conduct
    redemption = led.redeem("H1", "SOAP", quantity=3, by=KEEPER, key="r")
    assert [(lot, amount) for lot, amount, _e in redemption.lots] == [(early, 10), (late, 5)]
    assert [(x.seq, x.points) for x in led.expiring("H1", within=pendulum.duration(days=90))] \
        == [(late, 5)]


def test_deductions_draw_lots_too_and_reversals_restore_them() -> None:
    """A deduction takes from the soonest lot; reversing it gives the points back to it."""
    led, clock = ledger_with(ExpiryPolicy("year_end"), pendulum.datetime(2026, 6, 1, tz=TZ))
    lot = award(led, clock(), "a")
    deduction = led.deduct("H1", "COV-01", by=GRID, key="d", occurred_at=clock())
    assert deduction.lots[0][:2] == (lot, 5)
    led.reverse(deduction.id, reason="误录", by=COMMITTEE, key="rev")
    assert [(x.seq, x.points) for x in led.expiring("H1", within=pendulum.duration(days=400))] \
        == [(lot, 10)]
    assert check_invariants(led) == []


def test_reversing_a_spent_award_takes_the_spent_part_from_other_lots() -> None:
    """No lot is left holding points the account no longer has."""
    led, clock = ledger_with(ExpiryPolicy("rolling", days=30),
                             pendulum.datetime(2026, 3, 1, tz=TZ))
    first = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock().subtract(days=2))
    award(led, clock(), "b")
    led.redeem("H1", "SOAP", quantity=2, by=KEEPER, key="r")  # spends all of the first lot
    reversal = led.reverse(first.id, reason="误录", by=COMMITTEE, key="rev")
    assert sum(amount for _l, amount, _e in reversal.lots) == 10
    assert led.balance("H1").posted == 0 and led.expiring("H1") == []
    clock.advance(days=40)
    assert led.expire_due() == ()


def test_reversing_a_partly_spent_award_takes_only_the_spent_part_from_other_lots() -> None:
    """Half of an award spent: its reversal takes the other half from the award's own lot and
    the spent half from the next lot, never from the award's own lot twice."""
    led, clock = ledger_with(ExpiryPolicy("rolling", days=30),
                             pendulum.datetime(2026, 3, 1, tz=TZ))
    first = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock().subtract(days=2))
    second = award(led, clock(), "b")
    led.redeem("H1", "SOAP", quantity=1, by=KEEPER, key="r")  # 5 of the first lot's 10
    (lot,) = [x for x in led.expiring("H1", within=pendulum.duration(days=90))
              if x.seq == second]
    reversal = led.reverse(first.id, reason="误录", by=COMMITTEE, key="rev")
    assert [(seq, amount) for seq, amount, _e in reversal.lots] == [(second, 5)]
    assert led.balance("H1").posted == 5
    assert [(x.seq, x.points) for x in led.expiring("H1", within=pendulum.duration(days=90))] \
        == [(second, 5)]
    assert lot.points == 10
    assert check_invariants(led) == []


@pytest.mark.parametrize("deficit", [1, 9, 10])
def test_points_arriving_in_deficit_settle_it_before_filling_a_lot(deficit: int) -> None:
    """An award to an account ``deficit`` points short keeps only what is left after the
    deficit in its lot: 9, 1, and none at all when it exactly settles the deficit."""
    led, clock = ledger_with(ExpiryPolicy("year_end"), pendulum.datetime(2026, 6, 1, tz=TZ))
    rules = Rulebook("e2", [ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10),
                            ChecklistItem("LIT-01", "乱扔烟头", category="村规民约", points=-1)],
                     expiry=ExpiryPolicy("year_end"))
    led.adopt(rules, effective_from=pendulum.date(2026, 6, 1), by=COMMITTEE, resolution="m")
    led.deduct("H1", "LIT-01", quantity=deficit, by=GRID, key="d", occurred_at=clock())
    assert led.balance("H1").available == -deficit
    lot = award(led, clock(), "a")
    kept = [(lot, 10 - deficit)] if deficit < 10 else []
    assert [(x.seq, x.points) for x in led.expiring("H1", within=pendulum.duration(days=400))] \
        == kept
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    assert [e.points for e in led.expire_due()] == ([10 - deficit] if kept else [])
    assert led.balance("H1").posted == 0
    assert check_invariants(led) == []


def test_reservations_hold_lots_until_handed_over_or_cancelled() -> None:
    """Held points cannot expire; a cancelled reservation gives its lots back."""
    led, clock = ledger_with(ExpiryPolicy("rolling", days=3),
                             pendulum.datetime(2026, 3, 1, tz=TZ))
    lot = award(led, clock(), "a")
    reservation = led.reserve("H1", "SOAP", quantity=2, by=KEEPER, key="r")
    assert [(seq, amount) for seq, amount, _e in reservation.lots] == [(lot, 10)]
    assert led.expiring("H1", within=pendulum.duration(days=30)) == []  # held, not in a lot
    clock.advance(days=2, hours=12)
    led.cancel_reservation(reservation.id, reason="不要了", by=KEEPER, key="c")
    clock.advance(days=1)
    assert [e.points for e in led.expire_due()] == [10]
    assert check_invariants(led) == []


def test_transfers_keep_expiry_dates() -> None:
    """Transferred points keep the expiry of the lots they came from."""
    led, clock = ledger_with(ExpiryPolicy("year_end"), pendulum.datetime(2026, 12, 1, tz=TZ))
    led.register_member("M1", household="H1", name="张小三", roles={"resident"}, by=COMMITTEE)
    award(led, clock(), "a", account="M1")
    led.transfer("M1", "H1", 6, by=Actor("M1", roles={"resident"}), key="t")
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    assert sorted((e.account, e.points) for e in led.expire_due()) == [("H1", 6), ("M1", 4)]


def test_carry_over_keeps_up_to_the_limit() -> None:
    """At year end up to `carry` points carry to the next year end; the rest expire."""
    led, clock = ledger_with(ExpiryPolicy("carry_over", carry=15),
                             pendulum.datetime(2026, 12, 1, tz=TZ))
    a = award(led, clock(), "a")
    b = award(led, clock(), "b")
    c = award(led, clock(), "c")
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    (event,) = led.expire_due()
    assert event.points == 15 and sum(a for _l, a, _e in event.carried) == 15
    # the newest points carry, to the next year end (local time); the oldest expire
    year_end = int(pendulum.datetime(2028, 1, 1, tz=TZ).timestamp()) * 1_000_000
    assert event.carried == ((b, 5, year_end), (c, 10, year_end))
    assert [(lot, amount) for lot, amount, _e in event.lots] == [(a, 10), (b, 5)]
    assert (event.actor, event.key, event.version, event.memo) == (
        "@system", f"@expire/{c}/H1", "e", "")
    assert led.balance("H1").posted == 15
    clock.set(pendulum.datetime(2028, 1, 1, tz=TZ))
    assert led.expire_due() == ()  # 15 carry again, none expire: nothing is written
    assert led.balance("H1").posted == 15
    assert [(lot.points, lot.expires_at) for lot in led.expiring(
        "H1", within=_dt.timedelta(days=366))] == [(5, _year(2029)), (10, _year(2029))]
    assert check_invariants(led) == []


def test_a_lot_expires_at_its_instant_even_with_one_point_left() -> None:
    """A microsecond before its expiry a lot is kept; at the instant even its last point
    expires."""
    led, clock = ledger_with(ExpiryPolicy("year_end"), pendulum.datetime(2026, 12, 1, tz=TZ))
    lot = award(led, clock(), "a")
    led.transfer("H1", COMMUNITY, 9, by=COMMITTEE, key="t")
    clock.set(pendulum.datetime(2026, 12, 31, 23, 59, 59, 999999, tz=TZ))
    assert led.expire_due() == ()
    assert [(x.seq, x.points) for x in led.expiring("H1")] == [(lot, 1)]
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    # transfers keep expiry dates: the community's 9 expire with them
    assert {e.account: e.points for e in led.expire_due()} == {"H1": 1, COMMUNITY: 9}
    assert led.balance("H1").posted == 0 and led.expiring("H1") == []
    assert check_invariants(led) == []


def test_a_lot_with_one_point_left_is_drawn_first_and_dropped_when_empty() -> None:
    """Spending draws even a single point left in the soonest lot, and an emptied lot is no
    longer kept (white-box: the state keeps only lots with points remaining)."""
    led, clock = ledger_with(ExpiryPolicy("year_end"), pendulum.datetime(2026, 12, 1, tz=TZ))
    first = award(led, clock().subtract(days=1), "a")
    led.transfer("H1", COMMUNITY, 9, by=COMMITTEE, key="t")  # 1 point left in the first lot
    second = award(led, clock(), "b")
    redemption = led.redeem("H1", "SOAP", by=KEEPER, key="r")
    assert [(lot, amount) for lot, amount, _e in redemption.lots] == [(first, 1), (second, 4)]
    assert [entry[1:3] for entry in led._state.lots["H1"]] == [(second, 6)]
    assert check_invariants(led) == []


def test_points_given_back_into_a_deficit_settle_it_first() -> None:
    """A reversed redemption gives its lot back, but a deficit run up meanwhile is settled
    first: the lot keeps only what the account can spend."""
    led, clock = ledger_with(ExpiryPolicy("year_end"), pendulum.datetime(2026, 12, 1, tz=TZ))
    lot = award(led, clock(), "a")
    redemption = led.redeem("H1", "SOAP", quantity=2, by=KEEPER, key="r")
    led.deduct("H1", "COV-01", by=GRID, key="d", occurred_at=clock())
    assert led.balance("H1").available == -5
    led.reverse(redemption.id, reason="误录", by=COMMITTEE, key="rev")
    assert [(x.seq, x.points) for x in led.expiring("H1", within=pendulum.duration(days=60))] \
        == [(lot, 5)]
    assert check_invariants(led) == []


def test_expire_due_refuses_the_future() -> None:
    """expire_due cannot run ahead of the clock."""
    led, clock = ledger_with(ExpiryPolicy("year_end"), pendulum.datetime(2026, 6, 1, tz=TZ))
    with pytest.raises(ValidationError):
        led.expire_due(clock().add(days=1))


@pytest.mark.parametrize(
    "kwargs",
    [{"kind": "monthly"}, {"kind": "rolling"}, {"kind": "year_end", "days": 3},
     {"kind": "carry_over"}, {"kind": "rolling", "days": 0}],
)
def test_bad_policies(kwargs: dict[str, object]) -> None:
    """Policies check their own settings."""
    with pytest.raises(RulebookError):
        ExpiryPolicy(**kwargs)  # type: ignore[arg-type]


@settings(max_examples=budget(40), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["award", "deduct", "redeem", "expire", "wait"]),
                          st.integers(0, 40)), max_size=25),
       st.sampled_from([ExpiryPolicy("year_end"), ExpiryPolicy("quarter_end"),
                        ExpiryPolicy("rolling", days=20), ExpiryPolicy("carry_over", carry=25)]))
def test_expiry_never_takes_more_than_is_left(steps: list[tuple[str, int]],
                                             policy: ExpiryPolicy) -> None:
    """Whatever happens, lots never hold more than the account has, expiry is idempotent,
    and every invariant holds."""
    led, clock = ledger_with(policy, pendulum.datetime(2026, 11, 1, tz=TZ))
    for n, (step, days) in enumerate(steps):
        try:
            if step == "award":
                award(led, clock().subtract(days=days % 5), f"a{n}")
            elif step == "deduct":
                led.deduct("H1", "COV-01", by=GRID, key=f"d{n}", occurred_at=clock())
            elif step == "redeem":
                led.redeem("H1", "SOAP", by=KEEPER, key=f"r{n}")
            elif step == "expire":
                led.expire_due()
                assert led.expire_due() == ()
            else:
                clock.advance(days=days)
        except Exception as exc:  # refusals (insufficient points) write nothing
            from pointsledger import PointsLedgerError

            assert isinstance(exc, PointsLedgerError)
        in_lots = sum(e[2] for e in led._state.lots.get("H1", ()))  # white-box: private lots
        assert 0 <= in_lots <= max(0, led.balance("H1").available)
    assert check_invariants(led) == []


def test_closing_an_account_sends_its_lots_with_its_points() -> None:
    """The points a closed account hands on keep their expiry at ``balance_to``; nothing is
    left behind to expire from the closed account (which would take it below zero)."""
    led, clock = ledger_with(ExpiryPolicy("rolling", days=30),
                             pendulum.datetime(2026, 3, 1, 9, tz=TZ))
    award(led, clock(), "a", account="H1")
    led.close_account("H1", by=COMMITTEE, key="close", balance_to="H2")
    assert list(led.expiring("H1", within=pendulum.duration(days=40))) == []
    assert [lot.points for lot in led.expiring("H2", within=pendulum.duration(days=40))] == [10]
    clock.advance(days=31)
    led.expire_due()
    assert led.balance("H1").posted == 0
    assert led.balance("H2").posted == 0
    assert check_invariants(led) == []


def test_closing_into_the_pool_leaves_no_lots() -> None:
    led, clock = ledger_with(ExpiryPolicy("rolling", days=30),
                             pendulum.datetime(2026, 3, 1, 9, tz=TZ))
    award(led, clock(), "a", account="H1")
    led.close_account("H1", by=COMMITTEE, key="close", balance_to="@pool")
    clock.advance(days=31)
    assert led.expire_due() == ()
    assert led.balance("H1").posted == 0
    assert check_invariants(led) == []


def test_reversing_a_redemption_restores_the_lots_carry_over() -> None:
    """Under a carry-over policy, a redemption that emptied a lot and was reversed leaves the
    year end exactly as if it had never happened: the points carry over (found by the mutation
    run: the lot came back without its carry limit)."""
    led, clock = ledger_with(ExpiryPolicy("carry_over", carry=15),
                             pendulum.datetime(2026, 12, 1, tz=TZ))
    award(led, clock(), "a")
    redemption = led.redeem("H1", "SOAP", quantity=2, by=KEEPER, key="r")
    led.reverse(redemption.id, reason="误录", by=COMMITTEE, key="rev")
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    assert led.expire_due() == ()  # all 10 carry: nothing to expire, nothing written
    assert [(lot.points, lot.expires_at) for lot in led.expiring(
        "H1", within=_dt.timedelta(days=366))] == [(10, _year(2028))]
    assert led.balance("H1").posted == 10
    assert check_invariants(led) == []


def test_a_cancelled_reservation_restores_the_lots_carry_over() -> None:
    led, clock = ledger_with(ExpiryPolicy("carry_over", carry=15),
                             pendulum.datetime(2026, 12, 1, tz=TZ))
    award(led, clock(), "a")
    reservation = led.reserve("H1", "SOAP", quantity=2, by=KEEPER, key="r")
    led.cancel_reservation(reservation.id, reason="不要了", by=KEEPER, key="c")
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    assert led.expire_due() == ()  # all 10 carry: nothing to expire, nothing written
    assert [(lot.points, lot.expires_at) for lot in led.expiring(
        "H1", within=_dt.timedelta(days=366))] == [(10, _year(2028))]
    assert check_invariants(led) == []


def _year(year: int) -> pendulum.DateTime:
    return pendulum.datetime(year, 1, 1, tz=TZ)


def test_carry_over_writes_nothing_for_accounts_with_nothing_to_expire() -> None:
    """Issue 18: carry_over used to write a 0-point ``expired`` event for every account each
    year end. Accounts whose points all carry get none; the carried points still expire at a
    later year end once the newest ``carry`` of them are kept."""
    led, clock = ledger_with(ExpiryPolicy("carry_over", carry=15),
                             pendulum.datetime(2026, 12, 1, tz=TZ))
    award(led, clock(), "a")  # 10 points
    head = led.head
    clock.set(_year(2027))
    assert led.expire_due() == () and led.head == head
    clock.set(pendulum.datetime(2027, 6, 1, tz=TZ))
    newer = award(led, clock(), "b")  # 10 more: 20 due at the next year end, 15 carry
    assert led.expire_due() == ()
    clock.set(_year(2028))
    (event,) = led.expire_due()
    assert event.points == 5 and [(lot, n) for lot, n, _e in event.carried][-1] == (newer, 10)
    assert led.balance("H1").posted == 15 and led.expire_due() == ()
    assert check_invariants(led) == []


@pytest.mark.parametrize("change", ["member leaves", "household merged"])
def test_a_deficit_handed_over_takes_from_the_receivers_lots(change: str) -> None:
    """A member who leaves, or a household merged away, hands its deficit to the receiving
    household, which then can spend less: the points its lots held beyond that are gone at
    once, soonest-expiring first, so the year end never expires points the household no
    longer has (found by the CI soak, seed 1242079984: a household at -3 still had a 2-point
    lot, and the model expected it to expire)."""
    led, clock = ledger_with(ExpiryPolicy("year_end"), pendulum.datetime(2026, 12, 1, tz=TZ))
    award(led, clock(), "a")  # H1: 10 points in a 2026 lot
    led.redeem("H1", "SOAP", by=KEEPER, key="r")  # 5 left in the lot
    if change == "member leaves":
        led.register_member("M1", household="H1", name="王五", by=COMMITTEE)
        led.deduct("M1", "COV-01", by=GRID, key="d1", occurred_at=clock())
        led.deduct("M1", "COV-01", by=GRID, key="d2", occurred_at=clock())  # M1: -10
        led.member_leaves("M1", reason="迁出", by=COMMITTEE, key="leave")
    else:
        led.deduct("H2", "COV-01", by=GRID, key="d1", occurred_at=clock())
        led.deduct("H2", "COV-01", by=GRID, key="d2", occurred_at=clock())  # H2: -10
        led.merge_households("H2", into="H1", reason="合户", by=COMMITTEE, key="merge")
    assert led.balance("H1").posted == -5
    assert led.expiring("H1", within=_dt.timedelta(days=3650)) == []
    assert check_invariants(led) == []
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    assert led.expire_due() == ()  # nothing left to expire: the deficit stays -5
    assert led.balance("H1").posted == -5
