"""Calendar periods in the ledger's time zone.

A period is one calendar day, ISO week (Monday to Sunday), month, quarter or year in the ledger's
time zone (default Asia/Shanghai). A period is identified by its kind and an integer index that
orders periods of that kind: the proleptic ordinal of the day (of the Monday for a week), or
``year * 12 + month - 1``, ``year * 4 + quarter - 1``, ``year``. Indexes are pure arithmetic on
the local date, so cap checks stay cheap; boundaries and labels are computed with pendulum.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from typing import Final

import pendulum

from pointsledger.errors import ValidationError

PERIODS: Final = ("day", "week", "month", "quarter", "year")
"""The period kinds, shortest first."""

DEFAULT_TZ: Final = "Asia/Shanghai"

_fromtimestamp = _dt.datetime.fromtimestamp


def check_period(per: object) -> str:
    """Return ``per`` if it names a period kind.

    Raises:
        ValidationError: ``per`` is not one of `PERIODS`.
    """
    if per not in PERIODS:
        raise ValidationError(f"period must be one of {', '.join(PERIODS)}; got {per!r}", per=per)
    return str(per)


def local_date(us: int, tz: _dt.tzinfo) -> _dt.date:
    """The calendar date in ``tz`` of the instant ``us`` (microseconds since the epoch)."""
    return _fromtimestamp(us // 1_000_000, tz).date()


_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def local_day_range(us: int, tz: _dt.tzinfo) -> tuple[int, int, _dt.date]:
    """``(start, end, day)``: the local date of instant ``us`` and a range of instants around it
    with the same local date, for caching. The range is the whole day when the zone's offset is
    the same all day; on a day with a transition it is just ``[us, us + 1)``."""
    local = _fromtimestamp(us // 1_000_000, tz)
    day = local.date()
    offset = local.utcoffset() or _dt.timedelta(0)
    start = ((day.toordinal() - _EPOCH_ORDINAL) * 86_400 - int(offset.total_seconds())) * 10**6
    end = start + 86_400 * 10**6
    same_offset = (
        _fromtimestamp(start // 1_000_000, tz).utcoffset() == offset
        and _fromtimestamp((end - 1) // 1_000_000, tz).utcoffset() == offset
    )
    if not same_offset or not start <= us < end:
        return us, us + 1, day
    return start, end, day


def period_index(per: str, day: _dt.date) -> int:
    """The index of the ``per`` period that contains the local date ``day``."""
    if per == "month":
        return day.year * 12 + day.month - 1
    if per == "day":
        return day.toordinal()
    if per == "week":
        return day.toordinal() - day.weekday()
    if per == "year":
        return day.year
    if per == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    raise ValidationError(f"period must be one of {', '.join(PERIODS)}; got {per!r}", per=per)


def period_start(per: str, index: int) -> pendulum.Date:
    """The first local date of the ``per`` period with ``index``."""
    if per in ("day", "week"):
        d = _dt.date.fromordinal(index)
        return pendulum.date(d.year, d.month, d.day)
    if per == "month":
        return pendulum.date(index // 12, index % 12 + 1, 1)
    if per == "quarter":
        return pendulum.date(index // 4, (index % 4) * 3 + 1, 1)
    if per == "year":
        return pendulum.date(index, 1, 1)
    raise ValidationError(f"period must be one of {', '.join(PERIODS)}; got {per!r}", per=per)


def period_bounds(per: str, index: int, tz: str) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The half-open range ``[start, end)`` of a period as instants in ``tz``."""
    first = period_start(per, index)
    unit = {"day": "days", "week": "weeks", "month": "months", "quarter": "months", "year": "years"}
    step = 3 if per == "quarter" else 1
    nxt = first.add(**{unit[per]: step})
    return (
        pendulum.datetime(first.year, first.month, first.day, tz=tz),
        pendulum.datetime(nxt.year, nxt.month, nxt.day, tz=tz),
    )


def period_label(per: str, index: int) -> str:
    """A human label: ``2026-03-15``, ``2026-W11``, ``2026-03``, ``2026-Q1`` or ``2026``."""
    first = period_start(per, index)
    if per == "day":
        return first.isoformat()
    if per == "week":
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    if per == "month":
        return f"{first.year}-{first.month:02d}"
    if per == "quarter":
        return f"{first.year}-Q{index % 4 + 1}"
    return str(first.year)


_LABEL: Final = re.compile(
    r"([1-9][0-9]{3})(?:-Q([1-4])|-W([0-9]{2})|-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)
"""A period label exactly as `period_label()` writes it (ASCII digits, padded, nothing
around: ``int()`` alone would read ``" 2026-03\\n"`` or full-width digits)."""


def parse_period(label: str) -> tuple[str, int]:
    """``(kind, index)`` of a period label: ``2026``, ``2026-Q1``, ``2026-03``, ``2026-W11`` or
    ``2026-03-15`` (the labels `period_label()` writes).

    Raises:
        ValidationError: not such a label.
    """
    try:
        found = _LABEL.fullmatch(label) if isinstance(label, str) else None
        if found is None:
            raise ValueError
        year, quarter, week, month, day = found.groups()
        if quarter is not None:
            return "quarter", int(year) * 4 + int(quarter) - 1
        if week is not None:
            return "week", _dt.date.fromisocalendar(int(year), int(week), 1).toordinal()
        if month is not None and day is None:
            if not 1 <= int(month) <= 12:
                raise ValueError
            return "month", int(year) * 12 + int(month) - 1
        if day is not None:
            return "day", _dt.date.fromisoformat(label).toordinal()
        return "year", int(year)
    except ValueError:
        raise ValidationError(
            f"period must look like 2026, 2026-Q1, 2026-03, 2026-W11 or 2026-03-15; got "
            f"{label!r}", period=label) from None


@functools.lru_cache(maxsize=4096)
def day_start_us(day: _dt.date, tz: str) -> int:
    """Microseconds since the epoch at the start of the local date ``day`` in ``tz``.

    Remembered per (day, zone): every award under a year-end or quarter-end expiry policy
    asks for its lot's end, and building a pendulum datetime costs more than the rest of the
    award."""
    start = pendulum.datetime(day.year, day.month, day.day, tz=tz)
    return int(start.int_timestamp) * 1_000_000 + start.microsecond
