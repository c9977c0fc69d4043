"""The demo year's agenda: timed acts in a heap, the clock set to each act's time, and the
commands an act tries (a refusal is counted, and the village moves on).

`Agenda` is the base of the year's acts (`pointsledger.demo.year.Year` and its mixins of
services and governance acts): it holds the ledger, its manual clock (only moved forward), the
setting, the seeded random source and the writer the acts use (the ledger, or the batch the
year appends the acts of a half-day in).
"""

from __future__ import annotations

import datetime as _dt
import heapq
import random
import zoneinfo
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

from pointsledger.base.clock import ManualClock, to_us
from pointsledger.core.events import Event
from pointsledger.demo.setting import Person, Setting, Unit
from pointsledger.errors import PointsLedgerError
from pointsledger.ledger import Ledger
from pointsledger.ledger.commands import Commands

TZ: Final = "Asia/Shanghai"
_ZONE: Final = zoneinfo.ZoneInfo(TZ)


def at(day: _dt.date, hour: int, minute: int = 0) -> _dt.datetime:
    """``day`` at ``hour:minute`` in the demo's time zone."""
    return _dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=_ZONE)


class Agenda:
    """The agenda of timed acts on ``ledger`` for ``setting``, deterministic by ``rng``.

    Args:
        ledger: the ledger (its clock is ``clock``).
        clock: the ledger's manual clock; only the agenda moves it, only forward.
        setting: the county's units, households and people.
        rng: the seeded random source.
    """

    def __init__(self, ledger: Ledger, clock: ManualClock, setting: Setting,
                 rng: random.Random) -> None:
        self.ledger, self.clock, self.setting, self.rng = ledger, clock, setting, rng
        self.w: Commands = ledger
        self.agenda: list[tuple[int, int, _dt.datetime, Callable[[], object]]] = []
        self.n = 0
        self.refused: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.helpers = {u.code: [p for p in u.people() if p.roles & {"volunteer",
                                                                     "party_member"}]
                        for u in setting.units}

    def key(self, what: str) -> str:
        """A fresh idempotency key."""
        self.n += 1
        return f"demo/{what}/{self.n}"

    def schedule(self, when: _dt.datetime, act: Callable[[], object]) -> None:
        """Do ``act`` at ``when`` (never before the clock)."""
        self.n += 1
        heapq.heappush(self.agenda, (to_us(when), self.n, when, act))

    def later(self, hours: float, act: Callable[[], object], *, daytime: bool = True) -> None:
        """Do ``act`` ``hours`` from now; with ``daytime``, moved into 08:00-19:00."""
        when: _dt.datetime = (self.clock() + _dt.timedelta(hours=hours)).astimezone(_ZONE)
        if daytime and not 8 <= when.hour < 19:
            start = when.date() + _dt.timedelta(days=1 if when.hour >= 19 else 0)
            when = at(start, 8) + _dt.timedelta(minutes=self.rng.randrange(0, 180))
        self.schedule(when, act)

    def attempt(self, command: Callable[..., Event], /, *args: Any,
                **kwargs: Any) -> Event | None:
        """The command's event, or None when the rules refuse it (a full cap, too few
        points, a limit reached, ...): the village just moves on; refusals are counted."""
        try:
            return command(*args, **kwargs)
        except PointsLedgerError as error:
            self.refused[error.code] += 1
            self.examples.setdefault(error.code, error.message)
            return None

    def _helper(self, unit: Unit, besides: str) -> Person | None:
        """One of ``unit``'s volunteers and party members still living there and not of
        household ``besides`` (who asked), or None."""
        helpers = [p for p in self.helpers[unit.code] if not p.left and p.household != besides]
        return self.rng.choice(helpers) if helpers else None
