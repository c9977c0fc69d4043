"""What the points-store commands must get right, found by mutation testing (issue 16): each
test here kills mutants of :mod:`pointsledger.store.commands` and
:mod:`pointsledger.store.donations` that the rest of the suite let live (README, "Mutation
testing"): idempotent replays of every store command, bad arguments refused by name, the
stock-take's change and its reserved floor, a reservation's last instant, and the rulebook
version each event records."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from pointsledger import (
    COMMUNITY,
    Actor,
    AlreadyExists,
    AlreadyResolved,
    IdempotencyConflict,
    InsufficientPoints,
    LimitReached,
    NotEligible,
    OutOfStock,
    PermissionDenied,
    ReservationExpired,
    UnknownEntry,
    ValidationError,
)
from pointsledger.base.checks import MAX_POINTS, MAX_QUANTITY, MAX_STOCK
from pointsledger.core.events import Event
from pointsledger.core.store_events import DonationReceived
from tests.test_ledger import refused, snapshot
from tests.test_store import COMMITTEE, KEEPER, TZ, Shop, make_shop

VERSION = "store-2026"  # the rulebook make_shop adopts


def _shop() -> Shop:
    """make_shop's village with points to spend: H1 30, H2 10, M-60 20."""
    shop = make_shop("memory")
    shop.earn("H1", 3)
    shop.earn("H2")
    shop.earn("M-60", 2)
    return shop


Request = tuple[Callable[..., Event], dict[str, Any], list[dict[str, Any]]]


def _request(shop: Shop, name: str) -> Request:
    """A store command, a valid request for it, and requests that differ in one field."""
    led = shop.ledger
    if name in ("hand_over", "cancel_reservation"):
        first = led.reserve("H1", "SOAP", by=KEEPER, key="res1")
        second = led.reserve("H2", "SOAP", by=KEEPER, key="res2")
        if name == "hand_over":
            return led.hand_over, {"reservation": first.id}, [{"reservation": second.id}]
        return (led.cancel_reservation, {"reservation": first.id, "reason": "不要了"},
                [{"reservation": second.id}, {"reason": "改天再来"}])
    requests: dict[str, Request] = {
        "adjust_stock": (led.adjust_stock, {"reward": "SOAP", "counted": 9, "reason": "盘点"},
                         [{"reward": "MEAL"}, {"counted": 8}, {"reason": "破损"}]),
        "transfer": (led.transfer, {"source": "H1", "destination": COMMUNITY, "points": 3},
                     [{"source": "H2"}, {"destination": "H2"}, {"points": 4}]),
        "reserve": (led.reserve, {"account": "H1", "reward": "SOAP"},
                    [{"account": "H2"}, {"reward": "GIFT"}, {"quantity": 2},
                     {"member": "M-60"}]),
        "purchase": (led.receive_stock, {"reward": "SOAP", "quantity": 3},
                     [{"reward": "MEAL"}, {"quantity": 4}, {"donor_name": "张三"}]),
        "donation": (led.receive_stock,
                     {"reward": "SOAP", "quantity": 1, "donor": "H1", "donation_item": "DON-01",
                      "value": 10},
                     [{"donor": "H2"}, {"quantity": 2}, {"donation_item": None},
                      {"value": 20}, {"donor_name": "张三"}]),
        "price_donated_goods": (
            led.price_donated_goods,
            {"reward": "SHOES", "title": "捐赠鞋子", "cost": 3, "resolution": "会议记录"},
            [{"reward": "COATS"}, {"title": "捐赠旧鞋"}, {"cost": 4}, {"category": "旧物"},
             {"resolution": "第二次会议记录"}]),
    }
    return requests[name]


def _actor(name: str) -> Actor:
    """Who makes the request: the committee prices goods and moves households' points, the
    store keeper does the rest."""
    return COMMITTEE if name in ("price_donated_goods", "transfer") else KEEPER


STORE_COMMANDS = ["adjust_stock", "transfer", "reserve", "hand_over", "cancel_reservation",
                  "purchase", "donation", "price_donated_goods"]


@pytest.mark.parametrize("name", STORE_COMMANDS)
def test_a_repeated_store_request_returns_its_first_event_and_another_is_refused(
        name: str) -> None:
    """Invariant 7 for every store command: the same key and request returns the first
    event and writes nothing; the same key with any one field changed is an
    IdempotencyConflict and writes nothing. The event records the rulebook version."""
    shop = _shop()
    call, request, changes = _request(shop, name)
    by = _actor(name)
    first = call(**request, by=by, key="same")
    assert first.version == VERSION
    before = snapshot(shop.ledger)
    assert call(**request, by=by, key="same") == first
    assert snapshot(shop.ledger) == before
    for change in changes:
        again = functools.partial(call, **{**request, **change}, by=by, key="same")
        refused(shop.ledger, IdempotencyConflict, again)


BAD_ARGUMENTS: list[tuple[str, dict[str, Any], str]] = [
    ("adjust_stock", {"reward": "no such id!"}, "reward"),
    ("adjust_stock", {"counted": -1}, "counted"),
    ("adjust_stock", {"counted": MAX_STOCK + 1}, "counted"),
    ("adjust_stock", {"counted": "9"}, "counted"),
    ("adjust_stock", {"reason": ""}, "reason"),
    ("adjust_stock", {"reason": 7}, "reason"),
    ("transfer", {"source": "no such id!"}, "source"),
    ("transfer", {"destination": "no such id!"}, "destination"),
    ("transfer", {"points": 0}, "points"),
    ("transfer", {"points": MAX_POINTS + 1}, "points"),
    ("transfer", {"points": 2.5}, "points"),
    ("reserve", {"account": "no such id!"}, "account"),
    ("reserve", {"reward": "no such id!"}, "reward"),
    ("reserve", {"member": "no such id!"}, "member"),
    ("reserve", {"quantity": 0}, "quantity"),
    ("reserve", {"quantity": MAX_QUANTITY + 1}, "quantity"),
    ("cancel_reservation", {"reason": ""}, "reason"),
    ("purchase", {"reward": "no such id!"}, "reward"),
    ("purchase", {"quantity": 0}, "quantity"),
    ("purchase", {"quantity": MAX_STOCK + 1}, "quantity"),
    ("donation", {"value": 0}, "value"),
    ("donation", {"value": MAX_POINTS + 1}, "value"),
    ("donation", {"donor": "no such id!"}, "donor"),
    ("donation", {"donation_item": "no such id!"}, "donation_item"),
    ("donation", {"donor_name": "张\n三"}, "donor_name"),
    ("price_donated_goods", {"reward": "bad code"}, "reward code"),
    ("price_donated_goods", {"title": ""}, "title"),
    ("price_donated_goods", {"title": "捐赠\n鞋子"}, "title"),
    ("price_donated_goods", {"cost": 0}, "cost"),
    ("price_donated_goods", {"cost": MAX_POINTS + 1}, "cost"),
    ("price_donated_goods", {"category": "爱心\n捐赠"}, "category"),
    ("price_donated_goods", {"resolution": ""}, "resolution"),
]


@pytest.mark.parametrize(("name", "bad", "field"), BAD_ARGUMENTS,
                         ids=[f"{n}-{f}-{v!r}" for n, b, f in BAD_ARGUMENTS
                              for v in b.values()])
def test_a_bad_store_argument_is_refused_naming_it(name: str, bad: dict[str, Any],
                                                   field: str) -> None:
    """Out of range, of the wrong type, blank where required, or a line feed in one-line
    text: a ValidationError naming the argument, and nothing written."""
    shop = _shop()
    call, request, _changes = _request(shop, name)
    by = _actor(name)
    exc = refused(shop.ledger, ValidationError,
                  lambda: call(**{**request, **bad}, by=by, key="bad"))
    assert exc.fields["field"] == field


@pytest.mark.parametrize(("name", "edge"), [
    ("adjust_stock", {"counted": MAX_STOCK}),
    ("adjust_stock", {"reason": "盘点\n两件破损"}),
    ("transfer", {"points": 1}),
    ("cancel_reservation", {"reason": "不要了\n改天再来"}),
    ("purchase", {"quantity": MAX_STOCK}),
    ("price_donated_goods", {"cost": MAX_POINTS}),
    ("price_donated_goods", {"resolution": "会议记录\n第三条"}),
])
def test_the_edges_of_each_store_argument_are_accepted(name: str, edge: dict[str, Any]) -> None:
    """The largest and smallest values allowed, and line feeds in free text (a reason, a
    resolution), are accepted as given."""
    shop = _shop()
    call, request, _changes = _request(shop, name)
    by = _actor(name)
    event = call(**{**request, **edge}, by=by, key="edge")
    for field, value in edge.items():
        assert getattr(event, field) == value


def test_a_stock_take_records_the_change_and_never_counts_below_the_reserved() -> None:
    """A stock-take records what it found and the change from what was on hand; it may
    count exactly the reserved units (or none when nothing is reserved), never fewer."""
    shop = _shop()
    led = shop.ledger
    empty = led.adjust_stock("SOAP", counted=0, reason="全部破损", by=KEEPER, key="zero")
    assert (empty.counted, empty.change) == (0, -10)
    assert led.stock("SOAP").on_hand == 0
    led.price_donated_goods("SHOES", "捐赠鞋子", cost=3, resolution="会议", by=COMMITTEE)
    found = led.adjust_stock("SHOES", counted=3, reason="盘点发现", by=KEEPER, key="shoes")
    assert (found.counted, found.change) == (3, 3)  # never received: the change is all of it
    led.adjust_stock("SOAP", counted=4, reason="补货", by=KEEPER, key="four")
    led.reserve("H1", "SOAP", quantity=2, by=KEEPER, key="res")
    exc = refused(led, OutOfStock, lambda: led.adjust_stock("SOAP", counted=1, reason="盘点",
                                                            by=KEEPER, key="one"))
    assert exc.fields == {"reward": "SOAP", "on_hand": 1, "reserved": 2}
    exact = led.adjust_stock("SOAP", counted=2, reason="盘点", by=KEEPER, key="two")
    assert (exact.counted, exact.change) == (2, -2)
    assert (led.stock("SOAP").on_hand, led.stock("SOAP").free) == (2, 0)


@pytest.mark.parametrize("last", [False, True], ids=["at-the-end", "a-microsecond-before"])
def test_a_reservation_can_be_handed_over_until_the_microsecond_before_it_ends(
        last: bool) -> None:
    """At its ``expires_us`` a reservation is over (ReservationExpired naming it and when);
    a microsecond before, it is handed over at its whole unit price."""
    shop = _shop()
    led = shop.ledger
    reservation = led.reserve("H1", "SOAP", quantity=2, by=KEEPER, key="res")
    ends = pendulum.from_timestamp(reservation.expires_us / 1e6, tz=TZ)
    if last:
        shop.clock.set(ends.subtract(microseconds=1))
        handed = led.hand_over(reservation.id, by=KEEPER, key="h")
        assert (handed.unit_price, handed.points, handed.quantity) == (5, 10, 2)
        assert type(handed.unit_price) is int
        return
    shop.clock.set(ends)
    exc = refused(led, ReservationExpired, lambda: led.hand_over(reservation.id, by=KEEPER,
                                                                 key="h"))
    assert exc.fields == {"reservation": reservation.seq, "expired": ends.isoformat()}


def test_a_wrong_pickup_code_names_the_reservation() -> None:
    shop = _shop()
    led = shop.ledger
    reservation = led.reserve("H1", "SOAP", by=KEEPER, key="res")
    wrong = "000000" if reservation.pickup_code != "000000" else "111111"
    exc = refused(led, ValidationError, lambda: led.hand_over(
        reservation.id, pickup_code=wrong, by=KEEPER, key="h"))
    assert exc.fields == {"reservation": reservation.seq}


def test_a_store_keeper_hands_over_no_reservation_of_their_own_household() -> None:
    """Separation of duties at the counter: a keeper who is a member of the reserving
    household may not hand its reservation over; a keeper of another household may."""
    shop = _shop()
    led = shop.ledger
    reservation = led.reserve("H1", "SOAP", by=KEEPER, key="res")
    own = Actor("M-60", roles={"store_keeper"})  # a member of H1
    exc = refused(led, PermissionDenied, lambda: led.hand_over(reservation.id, by=own, key="h"))
    assert exc.fields["household"] == "H1"
    other = Actor("M-KID", roles={"store_keeper"})  # a member of H2
    assert led.hand_over(reservation.id, by=other, key="h").reservation == reservation.seq


def test_a_transfer_switched_off_says_which_kind() -> None:
    shop = _shop()
    led = shop.ledger
    exc = refused(led, NotEligible, lambda: led.transfer("H2", "H1", 5, by=COMMITTEE, key="t"))
    assert exc.fields == {"reason": "transfer", "kind": "household_to_household"}
    assert "household to household" in exc.message


def test_a_reservation_that_is_unknown_or_resolved_is_named_in_the_refusal() -> None:
    """Handing over or cancelling an id that is no reservation names the id; one already
    handed over or cancelled names the reservation and what became of it."""
    shop = _shop()
    led = shop.ledger
    award = led.event(led.head)
    exc = refused(led, UnknownEntry, lambda: led.hand_over(award.id, by=KEEPER, key="h"))
    assert exc.fields == {"entry": award.id}
    handed = led.reserve("H1", "SOAP", by=KEEPER, key="r1")
    cancelled = led.reserve("H1", "SOAP", by=KEEPER, key="r2")
    led.hand_over(handed.id, by=KEEPER, key="h1")
    led.cancel_reservation(cancelled.id, reason="不要了", by=KEEPER, key="c2")
    for reservation, status in ((handed, "handed_over"), (cancelled, "cancelled")):
        exc2 = refused(led, AlreadyResolved, functools.partial(
            led.cancel_reservation, reservation.id, reason="再取消", by=KEEPER, key="again"))
        assert exc2.fields == {"reservation": reservation.seq, "status": status}


def test_a_resident_cancels_only_their_own_households_reservation() -> None:
    """Cancelling is self-service: a resident may cancel their household's reservation,
    never another household's."""
    shop = _shop()
    led = shop.ledger
    reservation = led.reserve("H1", "SOAP", by=KEEPER, key="res")
    stranger = Actor("M-KID", roles={"resident"})  # of H2
    exc = refused(led, PermissionDenied, lambda: led.cancel_reservation(
        reservation.id, reason="不要了", by=stranger, key="c"))
    assert exc.fields["command"] == "cancel_reservation"
    own = Actor("M-60", roles={"resident"})  # of H1
    event = led.cancel_reservation(reservation.id, reason="不要了", by=own, key="c")
    assert (event.reservation, event.version) == (reservation.seq, VERSION)


def test_a_transfer_between_unrelated_accounts_names_both() -> None:
    shop = _shop()
    led = shop.ledger
    exc = refused(led, ValidationError, lambda: led.transfer("M-60", "H2", 1, by=COMMITTEE,
                                                             key="t"))
    assert exc.fields == {"source": "M-60", "destination": "H2"}


def test_a_transfer_short_of_points_names_the_account_and_the_numbers() -> None:
    shop = _shop()
    led = shop.ledger
    exc = refused(led, InsufficientPoints, lambda: led.transfer("H2", COMMUNITY, 11,
                                                                by=COMMITTEE, key="t"))
    assert exc.fields == {"account": "H2", "available": 10, "needed": 11}


def test_points_and_values_go_only_with_a_named_donor() -> None:
    """A donation item needs a registered donor to award; an assessed value needs a donor
    (registered or named): refused naming the argument otherwise."""
    shop = _shop()
    led = shop.ledger
    exc = refused(led, ValidationError, lambda: led.receive_stock(
        "SOAP", 1, donation_item="DON-01", donor_name="张三", by=KEEPER, key="d"))
    assert exc.fields == {"donation_item": "DON-01"}
    exc2 = refused(led, ValidationError, lambda: led.receive_stock("SOAP", 1, value=30,
                                                                   by=KEEPER, key="d"))
    assert exc2.fields == {"value": 30}
    named = led.receive_stock("SOAP", 1, value=30, donor_name="张三", by=KEEPER, key="d")
    assert isinstance(named, DonationReceived)
    assert (named.donor, named.donor_name, named.value) == (None, "张三", 30)


def test_goods_the_rulebook_prices_cannot_be_priced_again_by_the_committee() -> None:
    shop = _shop()
    led = shop.ledger
    exc = refused(led, AlreadyExists, lambda: led.price_donated_goods(
        "SOAP", "肥皂", cost=1, resolution="会议", by=COMMITTEE))
    assert exc.fields == {"reward": "SOAP", "version": VERSION}


def test_a_redemption_costs_the_unit_price_times_the_quantity_within_its_limit() -> None:
    """Points are checked for the whole quantity (refused naming the account, what it has
    and what the quantity costs), and a limit per period for the quantity asked (refused
    naming the reward, the limit, what was used, the most and what was asked)."""
    shop = _shop()
    led = shop.ledger
    led.transfer("H2", COMMUNITY, 4, by=COMMITTEE, key="t")
    exc = refused(led, InsufficientPoints, lambda: led.redeem("H2", "SOAP", quantity=2,
                                                              by=KEEPER, key="r"))
    assert exc.fields == {"account": "H2", "available": 6, "needed": 10}
    led.redeem("H1", "SOAP", by=KEEPER, key="r1")
    exc2 = refused(led, LimitReached, lambda: led.redeem("H1", "SOAP", quantity=2,
                                                         by=KEEPER, key="r2"))
    assert (exc2.fields["reward"], exc2.fields["used"], exc2.fields["maximum"],
            exc2.fields["asked"]) == ("SOAP", 1, 2, 2)
