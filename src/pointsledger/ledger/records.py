"""The ledger's own answer records: stock levels, expiring lots, a verification."""

from __future__ import annotations

import datetime as _dt

import attrs

from pointsledger.base.jsonforms import JsonForm


@attrs.frozen
class StockLevel(JsonForm):
    """A reward's stock: units ``on_hand``, ``reserved`` for pickup, and ``free`` to redeem."""

    reward: str
    on_hand: int
    reserved: int

    JSON_EXTRA = ("free",)

    @property
    def free(self) -> int:
        """Units that may be redeemed or reserved now."""
        return self.on_hand - self.reserved


@attrs.frozen
class ExpiringLot(JsonForm):
    """Points of one award that will expire: the award's ``seq``, the points left, and when."""

    seq: int
    points: int
    expires_at: _dt.datetime


@attrs.frozen
class Verified(JsonForm):
    """The result of a successful `Ledger.verify()`: how many events, and the head hash."""

    events: int
    head_hash: str
