"""Shared plumbing of the reports: periods as instants, and what each event did to accounts."""

from __future__ import annotations

from collections.abc import Iterator

from pointsledger.base.clock import from_us, to_us
from pointsledger.base.periods import parse_period, period_bounds
from pointsledger.core.events import (
    AccountClosure,
    Awarded,
    Deducted,
    Event,
    Expired,
    Redemption,
    Reversed,
    Transferred,
)
from pointsledger.errors import UnknownRegion
from pointsledger.ledger.ledger import Ledger


def bounds(ledger: Ledger, period: str | None) -> tuple[int, int]:
    """``[start, end)`` in microseconds of a period label (None: all time)."""
    if period is None:
        return -(2**63), 2**63
    kind, index = parse_period(period)
    start, end = period_bounds(kind, index, ledger.tz)
    return to_us(start, "start"), to_us(end, "end")


def local_date(ledger: Ledger, us: int) -> str:
    """The local date of an instant, as text."""
    return from_us(us, ledger.tz).date().isoformat()


def movements(event: Event) -> Iterator[tuple[str, str, int, str]]:
    """``(account, kind, points, what)`` for each account an event moves points of: kind is
    earned, deducted, redeemed, expired, transferred or closed (signed by direction), with
    reversals counted back against the kind they reverse."""
    if isinstance(event, Awarded):
        yield event.account, "earned", event.points, event.item
    elif isinstance(event, Deducted):
        yield event.account, "deducted", event.points, event.item
    elif isinstance(event, Redemption):
        yield event.account, "redeemed", -event.points, event.reward
    elif isinstance(event, Expired) and event.points:
        yield event.account, "expired", -event.points, ""
    elif isinstance(event, Transferred):
        yield event.source, "transferred", -event.points, event.destination
        yield event.destination, "transferred", event.points, event.source
    elif isinstance(event, AccountClosure) and event.balance and event.balance_to:
        yield event.account, "closed", -event.balance, event.balance_to
        yield event.balance_to, "closed", event.balance, event.account
    elif isinstance(event, Reversed):
        kind = {"awarded": "earned", "deducted": "deducted", "redeemed": "redeemed",
                "handed_over": "redeemed"}.get(event.original_kind, "reversed")
        sign = 1 if event.original_kind in ("redeemed", "handed_over") else -1
        yield event.account, kind, sign * event.points, event.item


def occurred(event: Event) -> int:
    """When what an event records happened (for a reversal: when the original did)."""
    return event.original_occurred_us if isinstance(event, Reversed) else event.occurred_us



def households_under(ledger: Ledger, region: str | None) -> list[str]:
    """The households in ``region``'s subtree (all of them for None), sorted by id.

    Raises:
        UnknownRegion: no such region.
    """
    households = ledger.households()
    if region is None:
        return sorted(households)
    regions = ledger.regions()
    if region not in regions:
        raise UnknownRegion(f"no region {region!r}", region=region)
    inside: dict[str, bool] = {region: True}

    def under(code: str | None) -> bool:
        if code is None or code not in regions:
            return False
        if code not in inside:
            inside[code] = under(regions[code].parent)
        return inside[code]

    return sorted(h.id for h in households.values() if under(h.grid))
