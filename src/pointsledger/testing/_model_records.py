"""The plain records of the independent model: accounts' lots, the postings and store spends
it knows, the system accounts and the region tree's rules (docs/concepts.md, ledger.md,
expiry.md). Written from the docs alone, like the rest of the model (`_model_base`)."""

from __future__ import annotations

import calendar
import datetime as _dt
from typing import Any

from pointsledger.errors import (
    PointsLedgerError,
)

Errors = set[type[PointsLedgerError]]

POOL, PENALTY, STORE, EXPIRED, COMMUNITY = "@pool", "@penalty", "@store", "@expired", "@community"
DAY_US = 86_400_000_000
_UNDER = {"county": {"town"}, "town": {"village", "community"}, "village": {"grid"},
          "community": {"grid"}, "grid": {"micro_grid"}, "micro_grid": set()}
"""A region kind and the kinds that may sit directly under it (docs/concepts.md: a town under
a county, a village or community under a town, a grid under either, a micro-grid under a
grid)."""
_HOUSEHOLD_REGIONS = ("grid", "micro_grid")
"""Households are registered in a grid or a micro-grid."""


def to_us(moment: _dt.datetime) -> int:
    """An aware datetime as whole microseconds since the epoch."""
    return calendar.timegm(moment.utctimetuple()) * 1_000_000 + moment.microsecond


def is_naive(moment: Any) -> bool:
    """Whether ``moment`` is a datetime without a time zone."""
    return isinstance(moment, _dt.datetime) and moment.utcoffset() is None


class Lot:
    """What is left of one award's points, and when it expires (soonest first, then oldest);
    ``carry``: the carry-over limit of the rulebook the points were earned under (0: none)."""

    def __init__(self, seq: int, points: int, expires_us: int, carry: int = 0) -> None:
        self.seq, self.points, self.expires_us, self.carry = seq, points, expires_us, carry

    def __repr__(self) -> str:
        return f"Lot(seq={self.seq}, points={self.points}, expires_us={self.expires_us})"


Draws = list[tuple[Lot, int]]
"""The lots a spending drew from, and how much from each (given back on reversal)."""


class Posting:
    """An award or a deduction the model knows: enough to reverse it exactly."""

    def __init__(self, seq: int, kind: str, account: str, item: str, points: int,
                 occurred_us: int, version: str, *, lot: Lot | None = None,
                 draws: Draws | None = None, caps: list[tuple[str, ...]] | None = None,
                 serious: bool = False) -> None:
        self.seq, self.kind, self.account, self.item = seq, kind, account, item
        self.points, self.occurred_us, self.version = points, occurred_us, version
        self.lot, self.draws, self.caps, self.serious = lot, draws or [], caps or [], serious
        self.reversed = False
        self.household = account
        """The household the account belonged to when the posting was recorded."""


class Spend:
    """A redemption or an open (or ended) reservation of the points store."""

    def __init__(self, seq: int, kind: str, account: str, household: str, member: str | None,
                 reward: str, quantity: int, points: int, at_us: int, draws: Draws) -> None:
        self.seq, self.kind, self.account, self.household = seq, kind, account, household
        self.member, self.reward, self.quantity, self.points = member, reward, quantity, points
        self.at_us, self.draws = at_us, draws
        self.state = "open" if kind == "reserved" else "redeemed"
        self.expires_us = 0
        self.pickup_code = ""
        self.reversed = False
