"""What the points store must get right, found by mutation testing (issue 16): each test here
kills mutants of :mod:`pointsledger.store.commands`, :mod:`pointsledger.store.donations` and
:mod:`pointsledger.core.store_state` that the rest of the suite let live (docs/mutation.md):
the fields of every store refusal (an app maps them to its own messages), the facts a
donation's award records, who may record a donation, what a reservation keeps (its household,
member and limits, given back at its release, and how it ended), and the carry-over limit of
points that moved."""

from __future__ import annotations

import datetime as _dt
import functools

import pendulum
import pytest

from pointsledger import (
    COMMUNITY,
    AccountClosed,
    Actor,
    AlreadyExists,
    AlreadyResolved,
    ChecklistItem,
    ExpiryPolicy,
    InsufficientPoints,
    Ledger,
    Limit,
    LimitReached,
    ManualClock,
    NoRulebookInForce,
    NotEligible,
    OutOfStock,
    PermissionDenied,
    Policy,
    ReservationExpired,
    Reward,
    Rulebook,
    StorePolicy,
    UnknownAccount,
    UnknownEntry,
    UnknownReward,
    ValidationError,
)
from pointsledger.core.events import Awarded
from pointsledger.core.store_events import DonationReceived, Transferred
from tests.test_ledger import refused
from tests.test_store import COMMITTEE, GRID, KEEPER, RULES, TZ, Shop, make_shop


def _shop() -> Shop:
    """make_shop's village with points to spend: H1 30, H2 10, M-60 20."""
    shop = make_shop("memory")
    shop.earn("H1", 3)
    shop.earn("H2")
    shop.earn("M-60", 2)
    return shop


def _award_after(led: Ledger, seq: int) -> Awarded:
    event = led.event(seq + 1)
    assert isinstance(event, Awarded)
    return event


# -- store.commands: the fields of each refusal -----------------------------------------------


def test_a_reward_off_its_days_or_window_names_the_reward_and_the_day() -> None:
    """A redemption day or window refusal names the reward and the local day it was asked
    on (NotEligible's ``day``: the zh message shows it)."""
    shop = _shop()
    led = shop.ledger
    exc = refused(led, NotEligible, lambda: led.redeem("H1", "GIFT", by=KEEPER, key="g"))
    assert exc.fields == {"reason": "day", "reward": "GIFT", "day": "2026-03-02"}
    shop.earn("H1", 10)
    shop.clock.set(pendulum.datetime(2026, 4, 1, 0, 30, tz=TZ))  # 31 March 16:30 UTC
    exc = refused(led, NotEligible, lambda: led.redeem("H1", "TV", by=KEEPER, key="t"))
    assert exc.fields == {"reason": "window", "reward": "TV", "day": "2026-04-01"}
    assert "TV" in exc.message


@pytest.mark.parametrize("account", ["H1", "M-60"])
def test_a_ban_names_the_household_whoever_pays(account: str) -> None:
    """A serious violation bans the household: a redemption from the household or from one
    of its members is refused naming the household and the end of the ban."""
    shop = _shop()
    led = shop.ledger
    led.deduct("H1", "COV-09", by=GRID, key="bad", occurred_at=shop.clock())
    exc = refused(led, NotEligible, lambda: led.redeem(account, "SOAP", by=KEEPER, key="r"))
    until = pendulum.datetime(2028, 1, 1, tz=TZ).isoformat()
    assert exc.fields == {"reason": "ban", "household": "H1", "until": until}
    assert "H1" in exc.message


def test_no_rulebook_in_force_names_the_instant() -> None:
    """Before any rulebook is in force the store refuses naming the instant asked about."""
    now = pendulum.datetime(2026, 3, 2, 10, tz=TZ)
    led = Ledger.in_memory(clock=ManualClock(now), tz=TZ)
    led.adopt(RULES, effective_from=pendulum.date(2026, 4, 1), by=COMMITTEE, resolution="m")
    exc = refused(led, NoRulebookInForce, lambda: led.receive_stock("SOAP", 1, by=KEEPER,
                                                                    key="s"))
    (field,) = exc.fields  # the ledger clock reading: now, to the microsecond it ticked on
    assert exc.fields[field].startswith("2026-03-02T10:00:00") and field == "occurred_at"
    assert exc.fields[field] in exc.message


@pytest.mark.parametrize("member", ["M-KID", "M-NONE", "M-GONE"])
def test_a_member_not_open_in_the_household_is_named(member: str) -> None:
    """A member of another household, an unknown one, or a closed one: UnknownAccount
    naming that member (not the paying account)."""
    shop = _shop()
    led = shop.ledger
    if member == "M-GONE":
        led.register_member("M-GONE", household="H1", name="王某", by=COMMITTEE)
        led.close_account("M-GONE", by=COMMITTEE)
    exc = refused(led, UnknownAccount, lambda: led.redeem("H1", "MEAL", member=member,
                                                          by=KEEPER, key="m"))
    assert exc.fields == {"account": member}
    assert member in exc.message and "H1" in exc.message


def test_an_age_priced_reward_needs_a_member_with_a_birth_date() -> None:
    """Without a member, or for one with no birth date, an age-priced reward is refused
    saying what is missing; a member account pays for itself."""
    shop = _shop()
    led = shop.ledger
    exc = refused(led, NotEligible, lambda: led.redeem("H1", "MEAL", by=KEEPER, key="a"))
    assert exc.fields == {"reason": "age_unknown", "reward": "MEAL", "missing": "member"}
    assert "MEAL" in exc.message
    exc = refused(led, NotEligible, lambda: led.redeem("H2", "MEAL", member="M-KID",
                                                       by=KEEPER, key="b"))
    assert exc.fields == {"reason": "age_unknown", "reward": "MEAL", "member": "M-KID",
                          "missing": "birth_date"}
    assert "M-KID" in exc.message and "MEAL" in exc.message
    event = led.redeem("M-60", "MEAL", by=KEEPER, key="c")  # his own account: 59, full price
    assert (event.member, event.points) == ("M-60", 10)


# -- store.commands: transfers ----------------------------------------------------------------


def _generous_shop() -> Shop:
    """_shop() on a rulebook that allows household-to-household transfers too."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 10, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    rules = Rulebook(RULES.version, RULES.items, rewards=RULES.rewards,
                     store=StorePolicy(household_to_household=True))
    led.adopt(rules, effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G1", "第一网格", kind="grid", by=COMMITTEE)
    for h in ("H1", "H2"):
        led.register_household(h, grid="G1", head=f"户主{h}", by=COMMITTEE)
    led.register_member("M-60", household="H1", name="王大爷", by=COMMITTEE)
    shop = Shop(led, clock)
    shop.earn("H1")
    shop.earn("M-60")
    return shop


@pytest.mark.parametrize(("source", "destination", "kind"), [
    ("M-60", "H1", "member_to_household"),
    ("H1", COMMUNITY, "household_to_community"),
    ("H1", "H2", "household_to_household"),
])
def test_a_transfer_records_its_kind(source: str, destination: str, kind: str) -> None:
    """Each kind of transfer the rulebook allows is recorded as that kind, moving the
    points."""
    shop = _generous_shop()
    led = shop.ledger
    event = led.transfer(source, destination, 4, by=COMMITTEE, key="t")
    assert isinstance(event, Transferred)
    assert (event.source, event.destination, event.points, event.transfer_kind) == (
        source, destination, 4, kind)
    assert led.balance(source).posted == 6


@pytest.mark.parametrize(("source", "destination"), [
    ("H1", "H1"), ("H1", "M-60"), ("M-60", "H2"), ("M-60", COMMUNITY), (COMMUNITY, "H1"),
])
def test_a_transfer_of_no_allowed_kind_is_refused_naming_the_accounts(
        source: str, destination: str) -> None:
    """A household to itself (naming it), or a pair of no allowed kind (naming both):
    refused, nothing written."""
    shop = _generous_shop()
    led = shop.ledger
    exc = refused(led, ValidationError, lambda: led.transfer(source, destination, 1,
                                                             by=COMMITTEE, key="t"))
    if source == destination:
        assert exc.fields == {"source": source}
        assert f"{source!r}" in exc.message
    else:
        assert exc.fields == {"source": source, "destination": destination}
        assert f"{source!r}" in exc.message and f"{destination!r}" in exc.message


# -- store.donations --------------------------------------------------------------------------

DONATION_RULES = Rulebook(
    "don-2026",
    [
        ChecklistItem("DON-01", "捐赠物品", category="爱心捐赠", points=5, unit="每件"),
        ChecklistItem("DON-V", "爱心捐赠（按价值）", category="爱心捐赠", points=2, per_value=10),
    ],
    rewards=[Reward("SOAP", "肥皂", cost=5)],
)


def _donations(self_service: bool = False) -> Ledger:
    """Households H1 (member M1) and H2 (member M2), H3 without members; with
    ``self_service`` residents may record donations too."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 10, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    rules = DONATION_RULES
    if self_service:
        rules = Rulebook(rules.version, rules.items, rewards=rules.rewards,
                         policy=Policy({"receive_stock": {"store_keeper", "resident"}}))
    led.adopt(rules, effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G1", "第一网格", kind="grid", by=COMMITTEE)
    for h in ("H1", "H2", "H3"):
        led.register_household(h, grid="G1", head=f"户主{h}", by=COMMITTEE)
    led.register_member("M1", household="H1", name="张小梅", roles={"resident"}, by=COMMITTEE)
    led.register_member("M2", household="H2", name="李大", roles={"resident"}, by=COMMITTEE)
    return led


@pytest.mark.parametrize("item", [None, "DON-01"])
def test_a_closed_donor_is_refused(item: str | None) -> None:
    """A closed household, or a member of one, donates nothing: AccountClosed naming the
    donor, with or without an award, and nothing written."""
    led = _donations()
    led.close_account("H3", by=COMMITTEE)
    exc = refused(led, AccountClosed, lambda: led.receive_stock(
        "SOAP", 1, donor="H3", donation_item=item, by=KEEPER, key="d"))
    assert exc.fields == {"account": "H3"}
    led.close_account("M2", by=COMMITTEE)
    exc = refused(led, AccountClosed, lambda: led.receive_stock(
        "SOAP", 1, donor="M2", donation_item=item, by=KEEPER, key="d"))
    assert exc.fields == {"account": "M2"}


@pytest.mark.parametrize("item", [None, "DON-01"])
def test_a_keeper_records_no_donation_of_their_own_household(item: str | None) -> None:
    """Separation of duties: a store keeper who belongs to the donor's household may not
    record its donation (with or without an award: the receipt names the donor); a keeper
    of another household may."""
    led = _donations()
    own = Actor("M1", roles={"store_keeper"})
    for donor in ("H1", "M1"):
        exc = refused(led, PermissionDenied, functools.partial(
            led.receive_stock, "SOAP", 1, donor=donor, donation_item=item, by=own, key="d"))
        assert exc.fields["household"] == "H1"
    other = Actor("M2", roles={"store_keeper"})
    led.receive_stock("SOAP", 1, donor="H1", donation_item=item, by=other, key="d")
    assert led.balance("H1").posted == (0 if item is None else 5)


@pytest.mark.parametrize("item", [None, "DON-01"])
def test_a_resident_records_only_their_own_households_donation(item: str | None) -> None:
    """Where residents may record donations, only their own household's: another
    household's donation is refused naming that household."""
    led = _donations(self_service=True)
    resident = Actor("M1", roles={"resident"})
    exc = refused(led, PermissionDenied, lambda: led.receive_stock(
        "SOAP", 1, donor="H2", donation_item=item, by=resident, key="d"))
    assert exc.fields["household"] == "H2"
    led.receive_stock("SOAP", 1, donor="H1", donation_item=item, by=resident, key="d")
    assert led.balance("H1").posted == (0 if item is None else 5)


@pytest.mark.parametrize(("item", "value", "evidence", "points"), [
    ("DON-01", None, "donation of 3 x SOAP", 15),
    ("DON-01", 40, "donation of 3 x SOAP valued 40 yuan", 15),
    ("DON-V", 45, "donation of 3 x SOAP valued 45 yuan", 8),
])
def test_a_donations_award_records_what_was_given(item: str, value: int | None,
                                                  evidence: str, points: int) -> None:
    """The award made with a donation says what was given (quantity, reward and assessed
    value) as its evidence and carries the donation's memo, key and actor."""
    led = _donations()
    donation = led.receive_stock("SOAP", 3, donor="M1", donation_item=item, value=value,
                                 memo="捐给村里", by=KEEPER, key="d")
    award = _award_after(led, donation.seq)
    assert award.evidence == (evidence,)
    assert (award.account, award.item, award.points) == ("M1", item, points)
    assert (award.memo, award.key, award.actor) == ("捐给村里", "d", KEEPER.id)
    assert donation.memo == "捐给村里"


def test_a_value_below_one_step_is_refused_naming_the_item_value_and_step() -> None:
    led = _donations()
    exc = refused(led, ValidationError, lambda: led.receive_stock(
        "SOAP", 3, donor="H1", donation_item="DON-V", value=9, by=KEEPER, key="d"))
    assert exc.fields == {"donation_item": "DON-V", "value": 9, "per_value": 10}
    assert "DON-V" in exc.message and "9 yuan" in exc.message


# -- core.store_state: reservations -----------------------------------------------------------


def test_a_members_reservation_belongs_to_its_household() -> None:
    """A reservation paid from a member's account is that household's: a keeper of the
    household may neither hand it over nor cancel it; a keeper of another may."""
    shop = _shop()
    led = shop.ledger
    reservation = led.reserve("M-60", "SOAP", by=KEEPER, key="res")
    own = Actor("M-OLD", roles={"store_keeper"})  # of H1
    exc = refused(led, PermissionDenied, lambda: led.hand_over(reservation.id, by=own,
                                                               key="h"))
    assert exc.fields["household"] == "H1"
    exc = refused(led, PermissionDenied, lambda: led.cancel_reservation(
        reservation.id, reason="不要了", by=own, key="c"))
    assert exc.fields["household"] == "H1"
    other = Actor("M-KID", roles={"store_keeper"})  # of H2
    handed = led.hand_over(reservation.id, by=other, key="h")
    assert (handed.account, handed.member, handed.points) == ("M-60", "M-60", 5)


@pytest.mark.parametrize("how", ["cancelled", "handed_over"])
@pytest.mark.parametrize("named", [True, False], ids=["member-named", "member-account"])
def test_a_reservation_counts_its_members_limit_until_released(how: str, named: bool) -> None:
    """A reservation counts against the member's limit (one meal a day) when it is made; a
    cancelled one gives it back, a handed-over one keeps it. The member is the one named, or
    the paying member account itself."""
    shop = _shop()
    led = shop.ledger
    account, member = ("H1", "M-60") if named else ("M-60", None)
    reservation = led.reserve(account, "MEAL", member=member, by=KEEPER, key="res")
    assert reservation.member == "M-60"
    exc = refused(led, LimitReached, lambda: led.redeem(account, "MEAL", member=member,
                                                        by=KEEPER, key="again"))
    assert (exc.fields["limit"], exc.fields["used"]) == ("member M-60", 1)
    if how == "handed_over":
        handed = led.hand_over(reservation.id, by=KEEPER, key="h")
        assert (handed.member, handed.points) == ("M-60", 10)
        refused(led, LimitReached, lambda: led.redeem(account, "MEAL", member=member,
                                                      by=KEEPER, key="again"))
        return
    led.cancel_reservation(reservation.id, reason="不要了", by=KEEPER, key="c")
    again = led.redeem(account, "MEAL", member=member, by=KEEPER, key="again")
    assert (again.member, again.points) == ("M-60", 10)


def test_a_timed_out_reservation_gives_its_member_limit_back_the_same_day() -> None:
    """A reservation that timed out is over (refused as ``timed_out``) and gives back the
    member limit it counted (a limit per ``ever``, so the days it waited do not matter)."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 10, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    rules = Rulebook("once", [ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10)],
                     rewards=[Reward("TEA", "茶叶", cost=5, limits=[Limit(1, "ever", "member")])],
                     store=StorePolicy(reservation_days=1))
    led.adopt(rules, effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G1", "第一网格", kind="grid", by=COMMITTEE)
    led.register_household("H1", grid="G1", head="户主", by=COMMITTEE)
    led.register_member("M1", household="H1", name="张三", by=COMMITTEE)
    led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock())
    led.receive_stock("TEA", 5, by=KEEPER, key="stock")
    reservation = led.reserve("H1", "TEA", member="M1", by=KEEPER, key="res")
    exc = refused(led, LimitReached, lambda: led.redeem("H1", "TEA", member="M1", by=KEEPER,
                                                        key="r"))
    assert exc.fields["used"] == 1
    clock.set(clock().add(days=2))
    led.time_out_due()
    exc2 = refused(led, AlreadyResolved, lambda: led.cancel_reservation(
        reservation.id, reason="x", by=KEEPER, key="c"))
    assert exc2.fields == {"reservation": reservation.seq, "status": "timed_out"}
    assert led.redeem("H1", "TEA", member="M1", by=KEEPER, key="r").member == "M1"
    assert led.balance("H1").available == 5


# -- core.store_state: carry-over of points that moved ----------------------------------------


def _carry_ledger() -> tuple[Ledger, ManualClock]:
    clock = ManualClock(pendulum.datetime(2026, 12, 1, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    rules = Rulebook("e", [ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10)],
                     rewards=[Reward("SOAP", "肥皂", cost=5)],
                     expiry=ExpiryPolicy("carry_over", carry=15),
                     store=StorePolicy(household_to_household=True))
    led.adopt(rules, effective_from=pendulum.date(2025, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    for h in ("H1", "H2"):
        led.register_household(h, grid="G", head=f"户主{h}", by=COMMITTEE)
    led.register_member("M1", household="H1", name="张小三", by=COMMITTEE)
    led.receive_stock("SOAP", 10, by=KEEPER, key="stock")
    return led, clock


def _year(year: int) -> pendulum.DateTime:
    return pendulum.datetime(year, 1, 1, tz=TZ)


@pytest.mark.parametrize(("source", "destination"), [("H1", "H2"), ("M1", "H1")])
def test_points_transferred_carry_over_like_points_earned(source: str,
                                                          destination: str) -> None:
    """Points that move keep their lot's expiry and carry like points earned under the
    rulebook: at the year end the receiver carries them up to the limit, nothing expires."""
    led, clock = _carry_ledger()
    led.award(source, "VOL-01", by=GRID, key="a", occurred_at=clock())
    led.transfer(source, destination, 8, by=COMMITTEE, key="t")
    clock.set(_year(2027))
    assert led.expire_due() == ()
    assert [(lot.points, lot.expires_at) for lot in led.expiring(
        destination, within=_dt.timedelta(days=366))] == [(8, _year(2028))]
    assert led.balance(destination).posted == 8


def test_points_carried_at_a_year_end_carry_again_and_expire_at_the_next() -> None:
    """A year end with more due than the carry expires the oldest, carries the newest with
    the limit they had, and takes the carried points from their old lots: the account then
    holds exactly what it can spend, and the next year end weighs the carried points again
    (they carry again: no event, nothing lost)."""
    led, clock = _carry_ledger()
    first = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock()).seq
    second = led.award("H1", "VOL-01", by=GRID, key="b", occurred_at=clock()).seq
    clock.set(_year(2027))
    (event,) = led.expire_due()
    assert event.points == 5
    assert [(lot, n) for lot, n, _e in event.lots] == [(first, 5)]
    assert [(lot, n) for lot, n, _e in event.carried] == [(first, 5), (second, 10)]
    held = [(lot.points, lot.expires_at) for lot in led.expiring(
        "H1", within=_dt.timedelta(days=800))]
    assert held == [(5, _year(2028)), (10, _year(2028))]
    assert led.balance("H1").posted == 15
    clock.set(_year(2028))
    assert led.expire_due() == ()
    assert led.balance("H1").available == 15
    led.redeem("H1", "SOAP", quantity=3, by=KEEPER, key="r")
    assert led.balance("H1").available == 0


def test_a_donation_without_an_item_earns_nothing_and_the_smallest_value_is_one_yuan() -> None:
    """A registered donor without ``donation_item`` gives goods and earns nothing: one
    ``donation_received`` event, no award. An assessed value may be as small as 1 yuan."""
    led = _donations()
    head = led.head
    donation = led.receive_stock("SOAP", 2, donor="H1", value=1, by=KEEPER, key="d")
    assert isinstance(donation, DonationReceived)
    assert (donation.donor, donation.value) == ("H1", 1)
    assert led.head == head + 1 and donation.seq == led.head
    assert led.balance("H1").posted == 0 and led.stock("SOAP").on_hand == 2


def test_points_or_a_value_without_a_donor_are_refused_saying_to_name_the_donor() -> None:
    """The refusal of an award or an assessed value without a donor says what is missing:
    the donor."""
    led = _donations()
    exc = refused(led, ValidationError, lambda: led.receive_stock(
        "SOAP", 1, donation_item="DON-01", by=KEEPER, key="d"))
    assert "donor" in exc.message and "donation_item" in exc.message
    exc = refused(led, ValidationError, lambda: led.receive_stock(
        "SOAP", 1, value=30, by=KEEPER, key="d"))
    assert "donor" in exc.message and "value" in exc.message


def test_pricing_goods_the_rulebook_has_names_the_reward_and_the_rulebook() -> None:
    led = _donations()
    exc = refused(led, AlreadyExists, lambda: led.price_donated_goods(
        "SOAP", "肥皂", cost=1, resolution="会议", by=COMMITTEE))
    assert "'SOAP'" in exc.message and "'don-2026'" in exc.message


# -- core.store_state: stock ------------------------------------------------------------------


def test_stock_received_adds_to_what_is_on_hand_and_a_stock_take_sets_it() -> None:
    """Receiving adds to the units on hand (bought or donated); a stock-take of goods never
    received sets them to what was counted."""
    shop = _shop()
    led = shop.ledger
    led.receive_stock("SOAP", 5, by=KEEPER, key="more")
    led.receive_stock("SOAP", 2, donor_name="张三", by=KEEPER, key="gift")
    assert led.stock("SOAP").on_hand == 17
    led.price_donated_goods("SHOES", "捐赠鞋子", cost=3, resolution="会议", by=COMMITTEE)
    led.adjust_stock("SHOES", counted=3, reason="盘点发现", by=KEEPER, key="found")
    assert (led.stock("SHOES").on_hand, led.stock("SHOES").free) == (3, 3)
    led.receive_stock("SHOES", 1, by=KEEPER, key="shoes")
    assert led.stock("SHOES").on_hand == 4


def test_reservations_add_up_their_stock_and_points() -> None:
    """Each reservation holds its own units and points on top of the others': the free stock
    and the available points count all of them, and a handover releases only its own."""
    shop = _shop()
    led = shop.ledger
    first = led.reserve("H1", "SOAP", by=KEEPER, key="r1")
    led.reserve("H1", "SOAP", by=KEEPER, key="r2")
    led.reserve("M-60", "MEAL", by=KEEPER, key="r3")  # another account, another reward
    assert (led.stock("SOAP").free, led.stock("SOAP").on_hand) == (8, 10)
    assert (led.balance("H1").held, led.balance("H1").available) == (10, 20)
    assert (led.balance("M-60").held, led.balance("M-60").available) == (10, 10)
    led.hand_over(first.id, by=KEEPER, key="h1")
    assert (led.stock("SOAP").free, led.stock("SOAP").on_hand) == (8, 9)
    assert (led.balance("H1").held, led.balance("H1").available) == (5, 20)


# -- store.commands: what a refusal's message names -------------------------------------------


def test_refusals_at_the_counter_name_the_bad_value_in_their_message() -> None:
    """The messages a store keeper reads name what was wrong: the count below the reserved
    units, the wrong pickup code, when the reservation ended."""
    shop = _shop()
    led = shop.ledger
    reservation = led.reserve("H1", "SOAP", quantity=2, by=KEEPER, key="res")
    exc = refused(led, OutOfStock, lambda: led.adjust_stock("SOAP", counted=1, reason="盘点",
                                                            by=KEEPER, key="count"))
    assert "counted 1" in exc.message and "'SOAP'" in exc.message and "2" in exc.message
    wrong = "000000" if reservation.pickup_code != "000000" else "111111"
    exc2 = refused(led, ValidationError, lambda: led.hand_over(
        reservation.id, pickup_code=wrong, by=KEEPER, key="h"))
    assert repr(wrong) in exc2.message
    shop.clock.set(pendulum.from_timestamp(reservation.expires_us / 1e6, tz=TZ))
    exc3 = refused(led, ReservationExpired, lambda: led.hand_over(reservation.id, by=KEEPER,
                                                                  key="h"))
    assert exc3.fields["expired"] in exc3.message and repr(reservation.id) in exc3.message


def test_a_score_below_the_threshold_is_named_in_the_message() -> None:
    shop = _shop()
    led = shop.ledger
    for n in range(2):  # H3: base 100, -60
        led.deduct("H3", "COV-01", by=GRID, key=f"d{n}", occurred_at=shop.clock())
    exc = refused(led, NotEligible, lambda: led.redeem("H3", "SOAP", by=KEEPER, key="a"))
    assert exc.fields == {"reason": "threshold", "household": "H3", "score": 40, "needed": 60}
    assert "'H3'" in exc.message and "40" in exc.message and "60" in exc.message


def test_an_unknown_or_resolved_reservation_is_named_in_the_message() -> None:
    shop = _shop()
    led = shop.ledger
    award = led.event(led.head)
    exc = refused(led, UnknownEntry, lambda: led.hand_over(award.id, by=KEEPER, key="h"))
    assert repr(award.id) in exc.message
    reservation = led.reserve("H1", "SOAP", by=KEEPER, key="r")
    led.cancel_reservation(reservation.id, reason="不要了", by=KEEPER, key="c")
    exc2 = refused(led, AlreadyResolved, lambda: led.hand_over(reservation.id, by=KEEPER,
                                                               key="h"))
    assert repr(reservation.id) in exc2.message and "cancelled" in exc2.message


def test_a_transfer_may_give_exactly_what_is_available() -> None:
    """All the available points may be given, one more is refused naming the account and
    the numbers."""
    shop = _shop()
    led = shop.ledger
    exc = refused(led, InsufficientPoints, lambda: led.transfer("H2", COMMUNITY, 11,
                                                                by=COMMITTEE, key="t"))
    assert "'H2'" in exc.message and "10" in exc.message and "11" in exc.message
    event = led.transfer("H2", COMMUNITY, 10, by=COMMITTEE, key="t")
    assert event.points == 10
    assert led.balance("H2").available == 0


def test_a_year_end_expires_every_account_even_after_one_that_carries_everything() -> None:
    """Accounts are weighed one by one: one whose due points all carry gets no event, and
    the accounts after it still expire what is beyond their carry."""
    led, clock = _carry_ledger()
    led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock())  # 10: all carry
    for key in ("b", "c"):
        led.award("H2", "VOL-01", by=GRID, key=key, occurred_at=clock())  # 20: 5 expire
    clock.set(_year(2027))
    (event,) = led.expire_due()
    assert (event.account, event.points) == ("H2", 5)
    assert led.balance("H1").posted == 10 and led.balance("H2").posted == 15


def test_an_expiry_records_its_lots_soonest_expiring_first() -> None:
    """The points that expire are recorded in the order lots are drawn, soonest-expiring
    first, even when an older lot expires later (its rulebook gave it 400 days; the next
    rulebook's carry-over ends the newer lot's at the year end)."""
    clock = ManualClock(pendulum.datetime(2026, 12, 1, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    items = [ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10)]
    led.adopt(Rulebook("r1", items, expiry=ExpiryPolicy("rolling", days=400)),
              effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.adopt(Rulebook("r2", items, expiry=ExpiryPolicy("carry_over", carry=5)),
              effective_from=pendulum.date(2027, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    led.register_household("H1", grid="G", head="户主", by=COMMITTEE)
    old = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock()).seq  # to 2028-01-05
    clock.set(pendulum.datetime(2027, 6, 1, tz=TZ))
    newer = led.award("H1", "VOL-01", by=GRID, key="b", occurred_at=clock()).seq  # 2028-01-01
    newest = led.award("H1", "VOL-01", by=GRID, key="c", occurred_at=clock()).seq
    clock.set(pendulum.datetime(2028, 1, 10, tz=TZ))
    (event,) = led.expire_due()
    assert [(lot, n) for lot, n, _e in event.lots] == [(newer, 10), (newest, 5), (old, 10)]
    assert [(lot, n) for lot, n, _e in event.carried] == [(newest, 5)]
    assert led.balance("H1").posted == 5


def test_store_refusals_keep_their_fields_and_name_the_numbers() -> None:
    """An unknown reward keeps the rulebook's fields (the code asked, what exists); a limit,
    missing stock or missing points are named with their numbers in the message."""
    shop = _shop()
    led = shop.ledger
    exc = refused(led, UnknownReward, lambda: led.redeem("H1", "NOPE", by=KEEPER, key="n"))
    assert exc.fields["reward"] == "NOPE" and "price_donated_goods" in exc.message
    led.redeem("H1", "SOAP", by=KEEPER, key="r1")
    limit = refused(led, LimitReached, lambda: led.redeem("H1", "SOAP", quantity=2,
                                                          by=KEEPER, key="r2"))
    assert "'SOAP'" in limit.message and "2026-W10" in limit.message
    led.adjust_stock("SOAP", counted=1, reason="盘点", by=KEEPER, key="count")
    short = refused(led, OutOfStock, lambda: led.redeem("H2", "SOAP", quantity=2, by=KEEPER,
                                                        key="r3"))
    assert short.fields == {"reward": "SOAP", "available": 1, "asked": 2}
    assert "'SOAP'" in short.message and "1" in short.message
    poor = refused(led, InsufficientPoints, lambda: led.redeem("H2", "TV", by=KEEPER,
                                                               key="r4"))
    assert "'H2'" in poor.message and "10" in poor.message and "100" in poor.message
