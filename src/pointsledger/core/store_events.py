"""The events of the points store (积分超市): stock received (bought or donated) and counted,
donated goods priced by the store committee, redemptions and
reservations with their hand-over, cancellation and time-out, transfers, and expiry (清零).

Like every event (`pointsledger.core.events`) they are immutable; those that move points
expose double-entry ``postings()``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from pointsledger.base.periods import DEFAULT_TZ
from pointsledger.core.accounts import EXPIRED, STORE
from pointsledger.core.events import Event, Lot, Posting


@attrs.frozen
class StockReceived(Event):
    """Units of a reward put into stock: bought, or donated by ``donor`` (who may be awarded
    ``donation_item`` in the same command, as the next event)."""

    KIND = "stock_received"
    BODY: ClassVar[tuple[str, ...]] = ("reward", "quantity", "donor", "donation_item")
    REQUEST: ClassVar[tuple[str, ...]] = BODY
    reward: str
    quantity: int
    donor: str | None
    donation_item: str | None


@attrs.frozen
class DonationReceived(StockReceived):
    """Donated goods (爱心捐赠) put into stock, as `StockReceived` and with the donor:
    ``donor`` a registered household or member (awarded ``donation_item`` in the same command,
    as the next event), or None for an outside donor (a unit, an enterprise, a person with no
    account) named by ``donor_name``; ``value`` is the goods' assessed value in yuan (None:
    not assessed)."""

    KIND = "donation_received"
    BODY = ("reward", "quantity", "donor", "donation_item", "donor_name", "value")
    REQUEST = BODY
    donor_name: str
    value: int | None


@attrs.frozen
class DonatedGoodsPriced(Event):
    """The store committee's act pricing donated goods the catalogue lacks (second-hand
    clothes, shoes): ``reward`` becomes a store-catalogue entry costing ``cost`` points per
    unit, with no limits or price rules, redeemable like a reward of the rulebook (whose own
    reward of the same code, if it ever has one, wins). ``resolution`` records the act."""

    KIND = "donated_goods_priced"
    BODY = ("reward", "title", "cost", "category", "resolution")
    REQUEST = BODY
    reward: str
    title: str
    cost: int
    category: str
    resolution: str


@attrs.frozen
class StockAdjusted(Event):
    """A stock-take: the count found, the change it made, and why."""

    KIND = "stock_adjusted"
    BODY = ("reward", "counted", "change", "reason")
    REQUEST = ("reward", "counted", "reason")
    reward: str
    counted: int
    change: int
    reason: str


@attrs.frozen
class Redemption(Event):
    """Base of the events that spend points in the store: ``points`` (``quantity`` units at
    ``unit_price``, after price rules for ``member``) move from the account to the store."""

    BODY = ("account", "reward", "quantity", "unit_price", "points", "member", "reservation",
            "lots")
    TUPLES = frozenset({"lots"})
    account: str
    reward: str
    quantity: int
    unit_price: int
    points: int
    member: str
    reservation: int
    """The seq of the reservation handed over (0 for an immediate redemption)."""
    lots: tuple[Lot, ...]
    """The lots the points came from (for a hand-over, those the reservation drew)."""

    def postings(self) -> tuple[Posting, ...]:
        return ((self.account, STORE, self.points),)


@attrs.frozen
class Redeemed(Redemption):
    """An immediate redemption (兑换): points and stock taken together."""

    KIND = "redeemed"
    REQUEST = ("account", "reward", "quantity", "member")


@attrs.frozen
class HandedOver(Redemption):
    """A reservation handed over against its pickup code: the held points are spent."""

    KIND = "handed_over"
    REQUEST = ("reservation",)


@attrs.frozen
class Reserved(Event):
    """Points and stock held for a later pickup until ``expires_us``; the pickup code (取货码) is
    derived from the event's hash."""

    KIND = "reserved"
    BODY = ("account", "reward", "quantity", "unit_price", "points", "member", "expires_us",
            "lots")
    REQUEST = ("account", "reward", "quantity", "member")
    TUPLES = frozenset({"lots"})
    account: str
    reward: str
    quantity: int
    unit_price: int
    points: int
    member: str
    expires_us: int
    lots: tuple[Lot, ...]
    """The lots the held points were taken from (given back if it is cancelled or times
    out)."""

    @property
    def pickup_code(self) -> str:
        """Six digits to show at the counter."""
        return f"{int.from_bytes(self.hash[:8], 'big') % 1_000_000:06d}"

    def to_dict(self, tz: str = DEFAULT_TZ) -> dict[str, Any]:
        """The event's dict (`Event.to_dict()`) and its ``pickup_code`` (取货码), which an
        app shows the resident."""
        return {**super().to_dict(tz), "pickup_code": self.pickup_code}


@attrs.frozen
class ReservationCancelled(Event):
    """A reservation cancelled before hand-over; its points and stock are released."""

    KIND = "reservation_cancelled"
    BODY = ("reservation", "reason")
    REQUEST = BODY
    reservation: int
    reason: str


@attrs.frozen
class ReservationTimedOut(Event):
    """A reservation not handed over in time; its points and stock are released."""

    KIND = "reservation_timed_out"
    BODY = ("reservation",)
    REQUEST = BODY
    reservation: int


@attrs.frozen
class Transferred(Event):
    """Points given from one account to another (``kind``: member_to_household,
    household_to_household or household_to_community)."""

    KIND = "transferred"
    BODY = ("source", "destination", "points", "transfer_kind", "lots")
    REQUEST = ("source", "destination", "points", "transfer_kind")
    TUPLES = frozenset({"lots"})
    source: str
    destination: str
    points: int
    transfer_kind: str
    lots: tuple[Lot, ...]
    """The source's lots the points came from; the destination receives them with their
    expiry dates (and the rest as points that do not expire)."""

    def postings(self) -> tuple[Posting, ...]:
        return ((self.source, self.destination, self.points),)


@attrs.frozen
class Expired(Event):
    """Points that expired (清零/过期) in the run of ``as_of``: the lots drawn move to the expiry
    account; under a carry-over policy, ``carried`` lots continue with a later expiry."""

    KIND = "expired"
    BODY = ("account", "points", "lots", "carried", "as_of_us")
    REQUEST = ("account", "as_of_us")
    TUPLES = frozenset({"lots", "carried"})
    account: str
    points: int
    lots: tuple[Lot, ...]
    carried: tuple[Lot, ...]
    as_of_us: int

    def postings(self) -> tuple[Posting, ...]:
        return ((self.account, EXPIRED, self.points),) if self.points else ()
