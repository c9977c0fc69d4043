"""Points expiry (清零 / 结转 / 过期): the policies a rulebook may choose and when a lot expires.

Every award whose points can expire creates a *lot*: its points, what is left of them, and the
instant they expire. Spending, holding, transferring and deducting draw from lots soonest-expiring
first, then oldest first; points that never expire are drawn last. ``expire_due`` moves what is
left in lots past their expiry to the expiry account.

Policies (``ExpiryPolicy.kind``):

- ``never``: points do not expire (no lots are kept).
- ``year_end``: points expire when the calendar year they were earned in ends (年底清零).
- ``quarter_end``: points expire when their calendar quarter ends (季度清零).
- ``carry_over``: like ``year_end``, but at each year end up to ``carry`` of an account's
  expiring points carry over to the next year end (结转); the rest expire.
- ``rolling``: each award's points expire ``days`` days after the conduct (滚动过期).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Final

import attrs

from pointsledger.base.checks import MAX_DURATION, MAX_POINTS, clipped, shown
from pointsledger.base.periods import day_start_us, local_date
from pointsledger.errors import RulebookError

KINDS: Final = ("never", "year_end", "quarter_end", "carry_over", "rolling")


@attrs.frozen
class ExpiryPolicy:
    """When awarded points expire.

    Attributes:
        kind: one of never, year_end, quarter_end, carry_over, rolling.
        days: for ``rolling``, days from the conduct until its points expire.
        carry: for ``carry_over``, the most points an account carries into the next year.
    """

    kind: str = "never"
    days: int | None = None
    carry: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.kind not in KINDS:
            raise RulebookError(f"expiry kind must be one of {', '.join(KINDS)}, got "
                                f"{self.kind!r}", kind=self.kind)
        if (self.kind == "rolling") != (self.days is not None):
            raise RulebookError("rolling expiry needs days=, and only rolling takes it")
        if (self.kind == "carry_over") != (self.carry is not None):
            raise RulebookError("carry_over expiry needs carry=, and only carry_over takes it")
        for name, low, high in (("days", 1, MAX_DURATION.days), ("carry", 0, MAX_POINTS)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not low <= value <= high):
                raise RulebookError(f"{name} must be a whole number from {low} to {high:,}, "
                                    f"got {shown(value)}", field=name, value=clipped(value))

    def expires_us(self, occurred_us: int, tz: str, tzinfo: _dt.tzinfo) -> int | None:
        """When points of conduct at ``occurred_us`` expire (None: never)."""
        if self.kind == "never":
            return None
        if self.kind == "rolling":
            return occurred_us + (self.days or 0) * 86_400_000_000
        day = local_date(occurred_us, tzinfo)
        if self.kind == "quarter_end":
            month = (day.month - 1) // 3 * 3 + 4
            year = day.year + (month > 12)
            return day_start_us(_dt.date(year, (month - 1) % 12 + 1, 1), tz)
        return day_start_us(_dt.date(day.year + 1, 1, 1), tz)

    def next_year_end(self, expires_us: int, tz: str, tzinfo: _dt.tzinfo) -> int:
        """For a carry-over: the year end after the one at ``expires_us``."""
        year = local_date(expires_us, tzinfo).year
        return day_start_us(_dt.date(year + 1, 1, 1), tz)


NEVER: Final = ExpiryPolicy()


def expiry_to_data(policy: ExpiryPolicy) -> dict[str, Any]:
    """An expiry policy as plain JSON-ready data."""
    return attrs.asdict(policy)


def expiry_from_data(data: dict[str, Any]) -> ExpiryPolicy:
    """Rebuild an expiry policy from `expiry_to_data()` output."""
    return ExpiryPolicy(**data)
