"""Shared plumbing of the reports: periods as instants, local dates, the households of a region."""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from pointsledger.base.clock import from_us, to_us
from pointsledger.base.periods import parse_period, period_bounds
from pointsledger.errors import UnknownRegion
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import Movements

_P = ParamSpec("_P")
_R = TypeVar("_R")


def bounds(ledger: Ledger, period: str | None) -> tuple[int, int]:
    """``[start, end)`` in microseconds of a period label (None: all time)."""
    if period is None:
        return -(2**63), 2**63
    kind, index = parse_period(period)
    start, end = period_bounds(kind, index, ledger.tz)
    return to_us(start, "start"), to_us(end, "end")


def local_date(ledger: Ledger, us: int) -> str:
    """The local date of an instant, as text."""
    return _dt.datetime.fromtimestamp(us // 1_000_000, ledger.tzinfo).date().isoformat()


def stood_at(ledger: Ledger, end: int) -> _dt.datetime | None:
    """The instant to take the registry at for a period ending (exclusive) at ``end`` µs: its
    last microsecond, or None (now) for a period without end."""
    return None if end >= 2**63 - 1 else from_us(end - 1, ledger.tz)


def households_under(ledger: Ledger, region: str | None,
                     as_of: _dt.datetime | None = None) -> list[str]:
    """The households in ``region``'s subtree (all of them for None), sorted by id: as the
    registry stands now, or as it stood at ``as_of`` (each household in its grid then).

    Raises:
        UnknownRegion: no such region.
    """
    households = ledger.households(as_of=as_of)
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


def consistent(
    report: Callable[Concatenate[Ledger, _P], _R],
) -> Callable[Concatenate[Ledger, _P], _R]:
    """A report computed from one state of its ledger (`Ledger.reading()`): another
    thread's command never lands halfway through it."""

    @functools.wraps(report)
    def read(ledger: Ledger, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with ledger.reading():
            return report(ledger, *args, **kwargs)

    return read


def reversed_household(ledger: Ledger, m: Movements) -> Callable[[int, int], int]:
    """For a reversal's row of ``m`` given by its ``(seq, account number)``: the number of the
    household the reversed entry counted for (its account's household when that entry was
    recorded; the account itself when it had none). Conduct and its reversal then count for
    one household even when the member moved in between, as `pointsledger.core.tallies.tally()`
    counts them; the reversal's own row is placed by the registry at the reversal (where the
    member's points are now), which is right for balances but not for conduct."""
    originals: dict[int, int] = {}

    def placed(seq: int, account: int) -> int:
        if not originals:
            originals.update({r: o for o, r in ledger.reversals().items()})
        name = m.names[account]
        return m.number(ledger.household_of(name, at_seq=originals[seq]) or name)

    return placed
