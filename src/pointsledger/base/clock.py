"""Clocks and instants.

The ledger stores every instant as whole microseconds since the Unix epoch (UTC), which is exact,
compact and time-zone free; time zones matter only when an instant is placed in a calendar period
(see `pointsledger.base.periods`). A clock is any zero-argument callable returning a
time-zone-aware datetime. Naive datetimes are refused everywhere: a naive value has no instant.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

import pendulum

from pointsledger.errors import ValidationError

Clock = Callable[[], _dt.datetime]
"""A zero-argument callable returning the current time as an aware datetime. A clock object may
also have a ``now_us()`` method returning the same reading in microseconds since the epoch,
which the ledger then uses instead (it saves a conversion per command)."""

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()


def system_clock() -> pendulum.DateTime:
    """The wall clock, in UTC."""
    return pendulum.now("UTC")


class ManualClock:
    """A clock that moves only when told to: for tests, simulations and replays of history.

    Args:
        start: the first reading (aware datetime).
    """

    def __init__(self, start: _dt.datetime) -> None:
        self._us = to_us(start, "start")
        self._now = pendulum.instance(start)

    def __call__(self) -> pendulum.DateTime:
        return self._now

    def now_us(self) -> int:
        """The current reading in microseconds since the epoch (what the ledger uses)."""
        return self._us

    def advance(self, **delta: float) -> pendulum.DateTime:
        """Move the clock forward by pendulum duration units (``days=1``, ``hours=2``, ...).

        Raises:
            ValidationError: the delta is negative.
        """
        moved = self._now.add(**delta)  # type: ignore[arg-type]
        if moved < self._now:
            raise ValidationError(f"a clock only moves forward; got {delta!r}", delta=delta)
        self._now = moved
        self._us = to_us(moved)
        return moved

    def set(self, when: _dt.datetime) -> pendulum.DateTime:
        """Move the clock to ``when`` (which must not be earlier than the current reading)."""
        to_us(when, "when")
        if when < self._now:
            raise ValidationError(
                f"a clock only moves forward; {when.isoformat()} is before {self._now.isoformat()}",
                when=when,
            )
        self._now = pendulum.instance(when)
        self._us = to_us(when)
        return self._now


def to_us(value: object, what: str = "occurred_at") -> int:
    """Convert an aware datetime to microseconds since the epoch.

    Raises:
        ValidationError: ``value`` is not a datetime, or is naive.
    """
    if not isinstance(value, _dt.datetime):
        raise ValidationError(
            f"{what} must be a time-zone-aware datetime, got {value!r}", field=what, value=value
        )
    # Exact integer arithmetic on the wall time; about twice as fast as datetime subtraction.
    wall = (
        ((value.toordinal() - _EPOCH_ORDINAL) * 86_400 + value.hour * 3600 + value.minute * 60
         + value.second) * 1_000_000 + value.microsecond
    )
    span = _spans.get(id(value.tzinfo))
    if span is not None and span[0] is value.tzinfo and span[1] <= wall < span[2]:
        return wall - span[3]
    offset = value.utcoffset()
    if offset is None:
        raise ValidationError(
            f"{what} must be time-zone-aware, got the naive value {value.isoformat()}; "
            "attach a zone, e.g. pendulum.datetime(..., tz='Asia/Shanghai')",
            field=what,
            value=value,
        )
    offset_us = (offset.days * 86_400 + offset.seconds) * 1_000_000 + offset.microseconds
    _remember_span(value, wall, offset)
    return wall - offset_us


# Asking a zone for its offset is the slow part of to_us (several times the rest for a pendulum
# datetime), and consecutive instants almost always share one offset. So each zone remembers a
# span of wall times around the last one it converted where its offset is known to hold:
# ``id(zone) -> (zone, first wall time, end wall time, offset)``, all in microseconds.
_spans: dict[int, tuple[_dt.tzinfo, int, int, int]] = {}
_DAY_US = 86_400_000_000
_PROBES = tuple(_dt.timedelta(days=d) for d in (-3, -1.5, 1.5, 3))


def _remember_span(value: _dt.datetime, wall: int, offset: _dt.timedelta) -> None:
    """Remember that wall times within a day of ``value``'s (``wall``) have its ``offset``,
    when the zone's offset is the same at four wall times from three days before to three days
    after. As in `local_day_range()`, this takes a zone to change its
    offset at most once in such a span, which every zone in the tz database does. Then no
    change falls within three days of ``wall``, and a wall time within a day of it is
    unambiguous: another reading would need the offset to change by more than two days, and no
    zone's offsets are that far apart. Only ``utcoffset`` is asked, which every zone has."""
    zone = value.tzinfo
    assert zone is not None
    plain = _dt.datetime(value.year, value.month, value.day, value.hour, tzinfo=zone)
    try:
        same = all((plain + probe).utcoffset() == offset for probe in _PROBES)
    except Exception:  # near the ends of time, or a zone that refuses: no span, no harm
        same = False
    if not same:
        _spans.pop(id(zone), None)
        return
    if len(_spans) > 64:  # apps use a few zones; never grow without bound
        _spans.clear()
    _spans[id(zone)] = (zone, wall - _DAY_US, wall + _DAY_US,
                        (offset.days * 86_400 + offset.seconds) * 1_000_000
                        + offset.microseconds)


def check_zone(tz: object) -> str | None:
    """A time zone name for a ledger (None: the default, or the zone it was created with).

    Returns:
        ``tz``.

    Raises:
        ValidationError: not a string, blank (``""`` never means the default), or not a zone
            of the tz database, e.g. ``"Asia/Shanghai"``.
    """
    if tz is None:
        return None
    from pointsledger.base.checks import shown

    if not isinstance(tz, str) or not tz.strip():
        raise ValidationError(
            f"tz must be a time zone name such as 'Asia/Shanghai' (or None for the default), "
            f"got {shown(tz)}", field="tz", value=shown(tz))
    try:
        pendulum.timezone(tz)
    except Exception:  # pendulum raises its own errors, or ValueError for odd names
        raise ValidationError(f"unknown time zone {shown(tz)}; use a tz database name such as "
                              "'Asia/Shanghai'", field="tz", value=shown(tz)) from None
    return tz


def iso_us(us: int, zone: _dt.tzinfo) -> str:
    """The instant ``us`` as ISO 8601 in ``zone``, for messages: never raises, however far off
    (beyond the years a datetime holds, it says so in UTC microseconds)."""
    try:
        return (_EPOCH + _dt.timedelta(microseconds=us)).astimezone(zone).isoformat()
    except (OverflowError, ValueError, OSError):
        try:
            return (_EPOCH + _dt.timedelta(microseconds=us)).isoformat()
        except (OverflowError, ValueError):
            return f"{us:,} microseconds after 1970-01-01T00:00:00+00:00"


def from_us(us: int, tz: str = "UTC") -> pendulum.DateTime:
    """The instant ``us`` (microseconds since the epoch) as a pendulum datetime in ``tz``."""
    return pendulum.instance(_EPOCH + _dt.timedelta(microseconds=us)).in_timezone(tz)
