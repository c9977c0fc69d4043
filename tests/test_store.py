"""The points store (积分超市): stock, redemption rules, reservations, transfers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs
import pendulum
import pytest

from pointsledger import (
    COMMUNITY,
    STORE,
    Actor,
    AlreadyResolved,
    Cap,
    ChecklistItem,
    IdempotencyConflict,
    InsufficientPoints,
    Ledger,
    Limit,
    LimitReached,
    ManualClock,
    NotEligible,
    OutOfStock,
    PermissionDenied,
    PriceRule,
    ReservationExpired,
    Reward,
    Rulebook,
    StorePolicy,
    UnknownAccount,
    UnknownReward,
    ValidationError,
)
from pointsledger.core.store_events import ReservationTimedOut
from pointsledger.rules.rulebook import rulebook_from_data, rulebook_to_data
from pointsledger.testing import check_invariants

from .test_ledger import refused

TZ = "Asia/Shanghai"
MONDAY = pendulum.datetime(2026, 3, 2, 10, tz=TZ)
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-07", roles={"grid_worker"})
KEEPER = Actor("s-01", roles={"store_keeper"})

RULES = Rulebook(
    "store-2026",
    [
        ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=10),
        ChecklistItem("DON-01", "捐赠物品", category="爱心捐赠", points=5,
                      cap=Cap(10, per="month")),
        ChecklistItem("COV-01", "乱倒垃圾", category="村规民约", points=-30),
        ChecklistItem("COV-09", "违反公共道德", category="村规民约", points=-20, serious=True),
    ],
    rewards=[
        Reward("SOAP", "肥皂", cost=5, category="日用品", limits=[Limit(2, "week")]),
        Reward("MEAL", "长者餐", cost=10,
               price_rules=[PriceRule(60, 75, 80), PriceRule(75, None, 0)],
               limits=[Limit(1, "day", "member")]),
        Reward("GIFT", "爱心礼包", cost=20, weekdays={"fri"}, month_end=True),
        Reward("TV", "电视机", cost=100, total_limit=1,
               available_until=pendulum.date(2026, 3, 31)),
    ],
    store=StorePolicy(base_points=100, min_score=60, ban_years=1, reservation_days=2),
)


@attrs.define
class Shop:
    ledger: Ledger
    clock: ManualClock
    n: int = 0

    def key(self) -> str:
        self.n += 1
        return f"k{self.n}"

    def earn(self, account: str, times: int = 1) -> None:
        for _ in range(times):
            self.ledger.award(account, "VOL-01", by=GRID, key=self.key(),
                              occurred_at=self.clock())


@pytest.fixture
def shop(backend: str) -> Iterator[Shop]:
    """A village with a stocked store; the ledger's invariants are checked at the end."""
    shop = make_shop(backend)
    yield shop
    assert check_invariants(shop.ledger) == []
    shop.ledger.close()


def make_shop(backend: str) -> Shop:
    clock = ManualClock(MONDAY)
    led = (Ledger.in_memory(clock=clock, tz=TZ) if backend == "memory"
           else Ledger.open(backend, clock=clock, tz=TZ))
    led.adopt(RULES, effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G1", "第一网格", kind="grid", by=COMMITTEE)
    for h in ("H1", "H2", "H3"):
        led.register_household(h, grid="G1", head=f"户主{h}", by=COMMITTEE)
    led.register_member("M-OLD", household="H1", name="王奶奶", roles={"resident"},
                        birth_date=pendulum.date(1951, 3, 2), by=COMMITTEE)  # 75 today
    led.register_member("M-60", household="H1", name="王大爷", roles={"resident"},
                        birth_date=pendulum.date(1966, 3, 3), by=COMMITTEE)  # 60 tomorrow
    led.register_member("M-KID", household="H2", name="李小明", roles={"resident"},
                        by=COMMITTEE)
    for reward, units in (("SOAP", 10), ("MEAL", 10), ("GIFT", 5), ("TV", 1)):
        led.receive_stock(reward, units, by=KEEPER, key=f"stock/{reward}")
    return Shop(led, clock)


def test_redeem_takes_points_and_stock_together(shop: Shop) -> None:
    """An immediate redemption moves points to the store account and takes the stock."""
    led = shop.ledger
    shop.earn("H1")
    event = led.redeem("H1", "SOAP", quantity=2, by=KEEPER, key="r1")
    assert (event.points, event.unit_price, event.postings()) == (10, 5, (("H1", STORE, 10),))
    assert led.balance("H1").available == 0
    assert led.stock("SOAP").free == 8
    assert led.balance(STORE).posted == 10 and sum(b.posted for b in led.balances().values()) == 0


def test_no_overspend_and_no_negative_stock(shop: Shop) -> None:
    """Short of points or of stock, a redemption is refused and writes nothing."""
    led = shop.ledger
    shop.earn("H1")
    exc = refused(led, InsufficientPoints, lambda: led.redeem("H1", "TV", by=KEEPER, key="x"))
    assert exc.fields == {"account": "H1", "available": 10, "needed": 100}
    led.adjust_stock("SOAP", counted=1, reason="盘点", by=KEEPER, key="count")
    refused(led, OutOfStock, lambda: led.redeem("H1", "SOAP", quantity=2, by=KEEPER, key="y"))
    led.deduct("H2", "COV-01", by=GRID, key="d", occurred_at=shop.clock())
    exc = refused(led, InsufficientPoints, lambda: led.redeem("H2", "SOAP", by=KEEPER, key="z"))
    assert exc.fields["available"] == -30


def test_household_limit_per_week(shop: Shop) -> None:
    """Two soaps per household per ISO week; the next week starts afresh."""
    led = shop.ledger
    shop.earn("H1", 3)
    shop.earn("M-60")
    led.redeem("H1", "SOAP", by=KEEPER, key="a")
    led.redeem("M-60", "SOAP", by=KEEPER, key="b")  # a member counts for its household
    exc = refused(led, LimitReached, lambda: led.redeem("H1", "SOAP", by=KEEPER, key="c"))
    assert exc.fields["period"] == "2026-W10" and exc.fields["used"] == 2
    shop.clock.set(pendulum.datetime(2026, 3, 8, 23, 59, tz=TZ))  # still Sunday of week 10
    refused(led, LimitReached, lambda: led.redeem("H1", "SOAP", by=KEEPER, key="c"))
    shop.clock.set(pendulum.datetime(2026, 3, 9, 0, 0, tz=TZ))  # Monday, week 11 (local time)
    led.redeem("H1", "SOAP", by=KEEPER, key="c")


def test_price_rules_follow_the_members_age_on_the_day(shop: Shop) -> None:
    """75 today eats free; 59 until tomorrow pays full price; then 80%."""
    led = shop.ledger
    shop.earn("H1", 3)
    assert led.redeem("H1", "MEAL", member="M-OLD", by=KEEPER, key="a").points == 0
    assert led.redeem("H1", "MEAL", member="M-60", by=KEEPER, key="b").points == 10
    exc = refused(led, LimitReached, lambda: led.redeem("H1", "MEAL", member="M-60",
                                                        by=KEEPER, key="c"))
    assert exc.fields["limit"] == "member M-60"
    shop.clock.set(pendulum.datetime(2026, 3, 3, 0, 0, tz=TZ))  # his 60th birthday
    assert led.redeem("H1", "MEAL", member="M-60", by=KEEPER, key="c").points == 8
    refused(led, UnknownAccount, lambda: led.redeem("H1", "MEAL", member="M-KID", by=KEEPER,
                                                    key="d"))


def test_redemption_days_and_windows(shop: Shop) -> None:
    """GIFT only on Fridays and the last day of the month; TV only until March 31st."""
    led = shop.ledger
    shop.earn("H1", 20)
    exc = refused(led, NotEligible, lambda: led.redeem("H1", "GIFT", by=KEEPER, key="a"))
    assert exc.fields["reason"] == "day" and "fri" in str(exc)
    shop.clock.set(pendulum.datetime(2026, 3, 6, 9, tz=TZ))  # a Friday
    led.redeem("H1", "GIFT", by=KEEPER, key="a")
    shop.clock.set(pendulum.datetime(2026, 3, 31, 9, tz=TZ))  # Tuesday, the month's last day
    led.redeem("H1", "GIFT", by=KEEPER, key="b")
    shop.clock.set(pendulum.datetime(2026, 4, 1, 9, tz=TZ))
    exc = refused(led, NotEligible, lambda: led.redeem("H1", "TV", by=KEEPER, key="c"))
    assert exc.fields["reason"] == "window"


def test_total_limit(shop: Shop) -> None:
    """At most one TV, ever, whoever asks."""
    led = shop.ledger
    shop.earn("H1", 10)
    shop.earn("H2", 10)
    led.receive_stock("TV", 1, by=KEEPER, key="more-tv")
    led.redeem("H1", "TV", by=KEEPER, key="a")
    exc = refused(led, LimitReached, lambda: led.redeem("H2", "TV", by=KEEPER, key="b"))
    assert exc.fields["limit"] == "total"


def test_serious_violation_bans_for_the_year_and_the_next(shop: Shop) -> None:
    """A serious deduction bans redemption until the start of the year after next; reversing
    it lifts the ban."""
    led = shop.ledger
    shop.earn("H1", 5)
    bad = led.deduct("H1", "COV-09", by=GRID, key="bad", occurred_at=shop.clock())
    exc = refused(led, NotEligible, lambda: led.redeem("H1", "SOAP", by=KEEPER, key="a"))
    assert exc.fields["reason"] == "ban" and exc.fields["until"].startswith("2028-01-01")
    led.reverse(bad.id, reason="申辩成立", by=COMMITTEE, key="rev")
    led.redeem("H1", "SOAP", by=KEEPER, key="a")


def test_score_threshold(shop: Shop) -> None:
    """Base 100 plus the year's net conduct must reach 60 to redeem; the balance must cover
    the cost as well."""
    led = shop.ledger
    shop.earn("H3", 3)  # +30
    for n in range(3):  # -90
        led.deduct("H3", "COV-01", by=GRID, key=f"d{n}", occurred_at=shop.clock())
    assert led._state.score("H3", led.event(led.head).recorded_us) == 40  # white-box
    exc = refused(led, NotEligible, lambda: led.redeem("H3", "SOAP", by=KEEPER, key="a"))
    assert exc.fields == {"reason": "threshold", "household": "H3", "score": 40, "needed": 60}
    shop.earn("H3", 2)  # score 60, balance -40
    refused(led, InsufficientPoints, lambda: led.redeem("H3", "SOAP", by=KEEPER, key="a"))
    shop.earn("H3", 5)  # balance 10
    led.redeem("H3", "SOAP", by=KEEPER, key="a")


def test_reservation_hand_over_with_pickup_code(shop: Shop) -> None:
    """A reservation holds points and stock; hand-over spends them, once."""
    led = shop.ledger
    shop.earn("H1")
    resident = Actor("M-60", roles={"resident"})
    reservation = led.reserve("H1", "SOAP", quantity=2, by=resident, key="res")
    assert len(reservation.pickup_code) == 6
    assert led.balance("H1").held == 10 and led.balance("H1").available == 0
    assert led.stock("SOAP").reserved == 2 and led.stock("SOAP").free == 8
    refused(led, InsufficientPoints, lambda: led.redeem("H1", "MEAL", member="M-60",
                                                        by=KEEPER, key="x"))
    wrong = "000000" if reservation.pickup_code != "000000" else "111111"
    refused(led, ValidationError, lambda: led.hand_over(reservation.id, pickup_code=wrong,
                                                        by=KEEPER, key="h"))
    handed = led.hand_over(reservation.id, pickup_code=reservation.pickup_code, by=KEEPER,
                           key="h")
    assert handed.reservation == reservation.seq and handed.points == 10
    balance = led.balance("H1")
    assert (balance.posted, balance.held, led.stock("SOAP").on_hand) == (0, 0, 8)
    assert (led.stock("SOAP").reserved, led.stock("SOAP").free) == (0, 8)
    refused(led, AlreadyResolved, lambda: led.hand_over(reservation.id, by=KEEPER, key="h2"))
    refused(led, AlreadyResolved, lambda: led.cancel_reservation(
        reservation.id, reason="r", by=KEEPER, key="c"))


def test_reservations_time_out_idempotently(shop: Shop) -> None:
    """After reservation_days, time_out_due releases what was held, once."""
    led = shop.ledger
    shop.earn("H2")
    reservation = led.reserve("H2", "SOAP", by=KEEPER, key="res")
    assert led.time_out_due() == ()
    shop.clock.advance(days=2, minutes=1)
    refused(led, ReservationExpired, lambda: led.hand_over(reservation.id, by=KEEPER, key="h"))
    timed_out = led.time_out_due()
    assert [e.reservation for e in timed_out if isinstance(e, ReservationTimedOut)] == [
        reservation.seq]
    assert len(timed_out) == 1
    assert led.time_out_due() == ()
    assert led.balance("H2").held == 0 and led.stock("SOAP").reserved == 0
    refused(led, AlreadyResolved, lambda: led.hand_over(reservation.id, by=KEEPER, key="h"))


def test_a_reservation_times_out_at_its_instant_as_a_system_step(shop: Shop) -> None:
    """A microsecond before its pickup time ends a reservation stays open; at the instant it
    times out, recorded by the system under the key ``@timeout/<seq>`` and the rules in force."""
    led = shop.ledger
    shop.earn("H2")
    reservation = led.reserve("H2", "SOAP", by=KEEPER, key="res")
    ends = pendulum.from_timestamp(reservation.expires_us / 1e6, tz=TZ)
    assert ends == pendulum.from_timestamp(reservation.recorded_us / 1e6, tz=TZ).add(days=2)
    shop.clock.set(ends.subtract(microseconds=1))
    assert led.time_out_due() == ()
    shop.clock.set(ends)
    (event,) = led.time_out_due()
    assert isinstance(event, ReservationTimedOut) and event.reservation == reservation.seq
    assert (event.actor, event.key, event.version, event.memo) == (
        "@system", f"@timeout/{reservation.seq}", "store-2026", "")


@pytest.mark.parametrize("change", [{"account": "M-60"}, {"reward": "MEAL"}, {"quantity": 2},
                                    {"member": "M-60"}])
def test_a_redemption_key_reused_with_another_request_is_refused(
        shop: Shop, change: dict[str, object]) -> None:
    """The same key with a different account, reward, quantity or member is an
    IdempotencyConflict and writes nothing; the same request returns the first event."""
    led = shop.ledger
    shop.earn("H1", 3)
    shop.earn("M-60")
    first = led.redeem("H1", "SOAP", by=KEEPER, key="same")
    request: dict[str, object] = {"account": "H1", "reward": "SOAP", "quantity": 1}
    assert led.redeem(**request, by=KEEPER, key="same") == first
    request.update(change)
    refused(led, IdempotencyConflict,
            lambda: led.redeem(**request, by=KEEPER, key="same"))


def test_a_reward_never_stocked_is_out_of_stock(shop: Shop) -> None:
    """A reward in the rulebook that never received stock cannot be redeemed."""
    led = shop.ledger
    rules = attrs.evolve(RULES, version="store-2026b",
                         rewards=[*RULES.rewards, Reward("FAN", "电扇", cost=5)])
    led.adopt(rules, effective_from=pendulum.date(2026, 3, 2), by=COMMITTEE, resolution="m")
    shop.earn("H1")
    exc = refused(led, OutOfStock, lambda: led.redeem("H1", "FAN", by=KEEPER, key="f"))
    assert (exc.fields["available"], exc.fields["asked"]) == (0, 1)


def test_an_age_priced_reward_needs_a_member_with_a_birth_date(shop: Shop) -> None:
    """Price rules go by age: without a member, or for a member with no recorded birth date,
    an age-priced meal is refused (never silently charged full price), for a redemption and
    a reservation alike; the error names the reward and what is missing."""
    led = shop.ledger
    shop.earn("H2")
    shop.earn("H1")
    for take in (led.redeem, led.reserve):
        def for_kid(take: Callable[..., object] = take) -> object:
            return take("H2", "MEAL", member="M-KID", by=KEEPER, key="age-1")

        def for_nobody(take: Callable[..., object] = take) -> object:
            return take("H1", "MEAL", by=KEEPER, key="age-2")

        exc = refused(led, NotEligible, for_kid)
        assert exc.fields == {"reason": "age_unknown", "reward": "MEAL", "member": "M-KID",
                              "missing": "birth_date"}
        assert "'MEAL'" in exc.message and "birth date" in exc.message
        assert "出生日期" in exc.message_for("zh")
        exc = refused(led, NotEligible, for_nobody)
        assert exc.fields == {"reason": "age_unknown", "reward": "MEAL", "missing": "member"}
        assert "member" in exc.message and "成员" in exc.message_for("zh")
    assert led.redeem("H1", "MEAL", member="M-60", by=KEEPER, key="age-3").points == 10
    assert led.redeem("H2", "SOAP", by=KEEPER, key="age-4").points == 5  # no price rules


def test_cancel_releases_and_frees_the_limit(shop: Shop) -> None:
    """Cancelling releases points, stock and the limit the reservation took."""
    led = shop.ledger
    shop.earn("H1", 2)
    first = led.reserve("H1", "SOAP", quantity=2, by=KEEPER, key="a")
    refused(led, LimitReached, lambda: led.reserve("H1", "SOAP", by=KEEPER, key="b"))
    led.cancel_reservation(first.id, reason="不要了", by=KEEPER, key="c")
    assert led.balance("H1").available == 20
    led.reserve("H1", "SOAP", quantity=2, by=KEEPER, key="b")


def test_a_reserved_last_unit_is_not_sold_twice(shop: Shop) -> None:
    """With one unit left and H1 holding it in a reservation, H2 can neither redeem nor
    reserve it (OutOfStock, nothing written; 0 free, 1 on hand); once H1 cancels, H2 redeems
    it and the stock is 0, never -1."""
    led = shop.ledger
    shop.earn("H1")
    shop.earn("H2")
    led.adjust_stock("SOAP", counted=1, reason="盘点", by=KEEPER, key="count")
    reservation = led.reserve("H1", "SOAP", by=KEEPER, key="res")
    level = led.stock("SOAP")
    assert (level.on_hand, level.reserved, level.free) == (1, 1, 0)
    exc = refused(led, OutOfStock, lambda: led.redeem("H2", "SOAP", by=KEEPER, key="b"))
    assert exc.fields == {"reward": "SOAP", "available": 0, "asked": 1}
    refused(led, OutOfStock, lambda: led.reserve("H2", "SOAP", by=KEEPER, key="b2"))
    level = led.stock("SOAP")
    assert (level.on_hand, level.reserved, level.free) == (1, 1, 0)
    assert led.balance("H2").available == 10
    led.cancel_reservation(reservation.id, reason="不要了", by=KEEPER, key="cancel")
    assert led.stock("SOAP").free == 1
    led.redeem("H2", "SOAP", by=KEEPER, key="b")
    level = led.stock("SOAP")
    assert (level.on_hand, level.reserved, level.free) == (0, 0, 0)
    assert led.balance("H2").available == 5 and led.balance("H1").available == 10
    refused(led, OutOfStock, lambda: led.redeem("H1", "SOAP", by=KEEPER, key="c"))


def test_residents_act_only_for_their_own_household(shop: Shop) -> None:
    """A resident reserves for their household, never for another; keepers never for their
    own."""
    led = shop.ledger
    shop.earn("H2")
    resident = Actor("M-60", roles={"resident"})
    refused(led, PermissionDenied, lambda: led.reserve("H2", "SOAP", by=resident, key="a"))
    refused(led, PermissionDenied, lambda: led.redeem("H2", "SOAP", by=resident, key="a"))
    own_keeper = Actor("M-KID", roles={"store_keeper"})
    refused(led, PermissionDenied, lambda: led.redeem("H2", "SOAP", by=own_keeper, key="a"))


def test_reversing_a_redemption_returns_points_stock_and_limit(shop: Shop) -> None:
    """A reversed redemption gives back the points and the stock, and no longer counts."""
    led = shop.ledger
    shop.earn("H1")
    first = led.redeem("H1", "SOAP", quantity=2, by=KEEPER, key="a")
    refused(led, LimitReached, lambda: led.redeem("H1", "SOAP", by=KEEPER, key="b"))
    led.reverse(first.id, reason="退货", by=COMMITTEE, key="rev")
    assert led.balance("H1").available == 10 and led.stock("SOAP").on_hand == 10
    led.redeem("H1", "SOAP", quantity=2, by=KEEPER, key="b")


def test_transfers(shop: Shop) -> None:
    """Member to household and household to the community pool are on by default;
    household to household is off; none overspends."""
    led = shop.ledger
    shop.earn("M-60")
    shop.earn("H2")
    resident = Actor("M-60", roles={"resident"})
    event = led.transfer("M-60", "H1", 6, by=resident, key="t1")
    assert event.transfer_kind == "member_to_household"
    refused(led, InsufficientPoints, lambda: led.transfer("M-60", "H1", 5, by=resident,
                                                          key="t2"))
    exc = refused(led, NotEligible, lambda: led.transfer("H2", "H1", 5, by=COMMITTEE,
                                                         key="t3"))
    assert exc.fields["kind"] == "household_to_household"
    led.transfer("H2", COMMUNITY, 4, by=COMMITTEE, key="t4")
    assert led.balance(COMMUNITY).posted == 4
    refused(led, ValidationError, lambda: led.transfer("H2", "M-KID", 1, by=COMMITTEE,
                                                       key="t5"))
    refused(led, PermissionDenied, lambda: led.transfer("H2", COMMUNITY, 1, by=resident,
                                                        key="t6"))


def test_donation_awards_the_donor_atomically(shop: Shop) -> None:
    """Donated goods go into stock and the donor is awarded in the same command."""
    led = shop.ledger
    head = led.head
    received = led.receive_stock("SOAP", 1, donor="H3", donation_item="DON-01", by=KEEPER,
                                 key="don1")
    assert received.kind == "donation_received" and received.donor == "H3"
    assert led.head == head + 2 and led.event(head + 2).kind == "awarded"
    assert led.event(head + 2).key == "don1" and led.balance("H3").posted == 5
    assert led.receive_stock("SOAP", 1, donor="H3", donation_item="DON-01", by=KEEPER,
                             key="don1") == received
    led.receive_stock("SOAP", 1, donor="H3", donation_item="DON-01", by=KEEPER, key="don2")
    from pointsledger import CapExceeded

    refused(led, CapExceeded, lambda: led.receive_stock(
        "SOAP", 1, donor="H3", donation_item="DON-01", by=KEEPER, key="don3"))
    refused(led, UnknownReward, lambda: led.receive_stock("NOPE", 1, by=KEEPER, key="x"))


def test_stock_take(shop: Shop) -> None:
    """A stock-take records the count and the change; it cannot undercut reservations."""
    led = shop.ledger
    shop.earn("H1")
    led.reserve("H1", "SOAP", quantity=2, by=KEEPER, key="r")
    refused(led, OutOfStock, lambda: led.adjust_stock("SOAP", counted=1, reason="盘点",
                                                      by=KEEPER, key="a"))
    event = led.adjust_stock("SOAP", counted=7, reason="盘点短少3块", by=KEEPER, key="a")
    assert event.change == -3 and led.stock("SOAP").free == 5


def test_rewards_survive_the_adoption_record() -> None:
    """The store catalogue round-trips through the rulebook record."""
    assert rulebook_from_data(rulebook_to_data(RULES)) == RULES


def test_reward_checks() -> None:
    """Overlapping or gapped price bands and unaffordable rewards are found."""
    overlapping = Reward("M", "餐", cost=10, price_rules=[PriceRule(60, 80, 80),
                                                          PriceRule(75, None, 0)])
    gapped = Reward("N", "餐", cost=10, price_rules=[PriceRule(60, 70, 80),
                                                     PriceRule(75, None, 0)])
    rules = Rulebook("x", [ChecklistItem("A-1", "a", category="c", points=1)],
                     rewards=[overlapping, gapped, overlapping])
    assert sorted(p.code for p in rules.check()) == [
        "duplicate_reward", "price_bands_gap", "price_bands_overlap", "price_bands_overlap"]
    nothing_to_earn = Rulebook("y", [ChecklistItem("D-1", "d", category="c", points=-1)],
                               rewards=[Reward("S", "皂", cost=5)])
    assert [p.code for p in nothing_to_earn.check()] == ["unaffordable_reward",
                                                     "deduction_beyond_earnings"]


def test_check_invariants_finds_forged_overspending() -> None:
    """A redemption forged past the commands (more points and units than there are) is
    reported as an overspend and negative stock."""
    from pointsledger.core.encoding import seal
    from pointsledger.core.store_events import Redeemed

    shop = make_shop("memory")
    led = shop.ledger
    now = led.event(led.head).recorded_us + 1
    forged = Redeemed(led.head + 1, now, now, "s-01", "forged", "store-2026", "", "H1", "SOAP",
                      50, 5, 250, "", 0, ())
    led.store.append([(forged.seq, seal(forged, led.event(led.head).hash), forged.hash)], led.head)
    reopened = Ledger(led.store, clock=shop.clock)
    codes = sorted({p.code for p in check_invariants(reopened)})
    assert codes == ["overspend", "stock"]


def test_reversing_a_hand_over_frees_the_limit_of_the_week_it_was_reserved_in(
        shop: Shop) -> None:
    """Reserved on Sunday, handed over on Monday, reversed: the Sunday week's limit is freed,
    and no counter goes negative."""
    led = shop.ledger
    shop.earn("H1", 2)
    shop.clock.set(pendulum.datetime(2026, 3, 8, 20, tz=TZ))  # Sunday, week 10
    reservation = led.reserve("H1", "SOAP", quantity=2, by=KEEPER, key="r")
    shop.clock.set(pendulum.datetime(2026, 3, 9, 9, tz=TZ))  # Monday, week 11
    handed = led.hand_over(reservation.id, by=KEEPER, key="h")
    led.reverse(handed.id, reason="退货", by=COMMITTEE, key="rev")
    assert all(v >= 0 for v in led._state.limit_used.values())  # white-box: limit counters
    assert led.balance("H1").available == 20 and led.stock("SOAP").on_hand == 10
    led.redeem("H1", "SOAP", quantity=2, by=KEEPER, key="again")  # week 11 is untouched


@pytest.mark.parametrize("how", ["retried", "retried in a batch"])
def test_a_members_own_redemption_retried_with_its_key_returns_the_same_event(
        shop: Shop, how: str) -> None:
    """A member redeeming on their own account names no ``member=``; the event records the
    member resolved (their own id). A retry with the same key and arguments is the same
    request and returns the same event; it was refused as a different request (found by the
    CI soak)."""
    led = shop.ledger
    shop.earn("M-KID")
    first = led.redeem("M-KID", "SOAP", by=KEEPER, key="kid/1")
    assert first.member == "M-KID"
    if how == "retried":
        assert led.redeem("M-KID", "SOAP", by=KEEPER, key="kid/1") == first
    else:
        with led.batch() as batch:
            again = batch.redeem("M-KID", "SOAP", by=KEEPER, key="kid/1")
            reserved = batch.reserve("M-KID", "SOAP", by=KEEPER, key="kid/2")
            assert batch.reserve("M-KID", "SOAP", by=KEEPER, key="kid/2") == reserved
        assert again == first
    with pytest.raises(IdempotencyConflict):  # a different member is a different request
        led.redeem("M-KID", "SOAP", member="M-OLD", by=KEEPER, key="kid/1")
    assert led.stock("SOAP").on_hand == 9
