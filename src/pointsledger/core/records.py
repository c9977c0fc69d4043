"""The records the derived state keeps and answers with: adoptions, balances, reservations.

Each is an immutable value derived from the log; the state replaces one with a new value (only
in `pointsledger.core.state.apply()`), never changes it in place.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from pointsledger.base.jsonforms import JsonForm
from pointsledger.core.events import Lot
from pointsledger.rules.rulebook import Rulebook


@attrs.frozen
class Adoption(JsonForm):
    """A rulebook version as adopted: its own range ``[from_us, until_us)`` (``until_us`` None
    when open-ended); a later version also ends it at its own start."""

    rulebook: Rulebook
    effective_from: _dt.date
    effective_until: _dt.date | None
    from_us: int
    until_us: int | None
    resolution: str
    seq: int

    JSON_EXTRA = ("version",)

    @property
    def version(self) -> str:
        """The rulebook version."""
        return self.rulebook.version


@attrs.frozen
class Balance(JsonForm):
    """An account's points: ``posted`` (入账), ``pending`` (公示中, never spendable), ``held``
    (reserved), and ``available = posted - held``."""

    account: str
    posted: int
    pending: int = 0
    held: int = 0

    JSON_EXTRA = ("available",)

    @property
    def available(self) -> int:
        """Points that may be spent now."""
        return self.posted - self.held

    def __str__(self) -> str:
        return (
            f"{self.account}: posted {self.posted}, pending {self.pending}, "
            f"held {self.held}, available {self.available}"
        )


@attrs.frozen
class Reservation(JsonForm):
    """A reservation (预约兑换) as it stands: ``status`` is open, handed_over, cancelled or
    timed_out."""

    seq: int
    account: str
    household: str
    reward: str
    quantity: int
    points: int
    member: str
    expires_us: int
    version: str
    occurred_us: int
    lots: tuple[Lot, ...] = ()
    status: str = "open"
