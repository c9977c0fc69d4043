"""JSON forms: every public record as a dict of JSON-safe values.

A record's ``to_dict(tz)`` holds only ``str``, ``int``, ``float``, ``bool``, ``None``, lists and
dicts with ``str`` keys, so ``json.loads(json.dumps(record.to_dict())) == record.to_dict()``.
One mechanism serves every record: `to_json_value()` converts one value and
`fields_to_dict()` a record's named values; the `JsonForm` mixin gives an attrs record
``to_dict()`` from its declared fields plus the derived properties it names in ``JSON_EXTRA``.

The conversions:

- ``bytes`` become lowercase hex;
- an aware ``datetime`` becomes ISO 8601 with its offset in the zone ``tz``
  (``2026-03-02T09:00:00+08:00``); a ``date`` becomes ``YYYY-MM-DD``;
- tuples and lists become lists; sets and frozensets become sorted lists; mappings become
  dicts (their keys must be strings);
- a value with a ``to_dict`` method (a nested record, a rulebook) becomes its dict;
- a field named ``<name>_us`` (an instant: integer microseconds since the Unix epoch) becomes
  the key ``<name>_at`` holding the instant in ISO 8601 with offset in ``tz`` (None stays
  None). Instants nested inside tuples (a lot's expiry, a case's history) stay integer
  microseconds, as in the canonical encoding.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, cast

import attrs
import pendulum

from pointsledger.base.periods import DEFAULT_TZ
from pointsledger.errors import ValidationError

__all__ = ["JsonForm", "fields_to_dict", "instant_to_json", "to_json_value", "zone"]

_SCALARS = (str, int, bool, type(None))
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def zone(tz: object) -> _dt.tzinfo:
    """The time zone named ``tz`` (an IANA name such as ``"Asia/Shanghai"`` or ``"UTC"``).

    Raises:
        ValidationError: ``tz`` is not a known zone name.
    """
    if not isinstance(tz, str):
        raise ValidationError(f"tz must be a time zone name such as 'Asia/Shanghai', got {tz!r}",
                              field="tz", value=tz)
    return _zone(tz)


@functools.lru_cache(maxsize=64)
def _zone(tz: str) -> _dt.tzinfo:
    try:
        return pendulum.timezone(tz)
    except Exception:  # pendulum raises its own error types for an unknown zone name
        raise ValidationError(f"tz must be a time zone name such as 'Asia/Shanghai', got {tz!r}",
                              field="tz", value=tz) from None


def instant_to_json(us: int | None, tz: str = DEFAULT_TZ) -> str | None:
    """The instant ``us`` (microseconds since the epoch) as ISO 8601 with offset in ``tz``.

    Args:
        us: the instant, or None.
        tz: an IANA zone name such as ``"Asia/Shanghai"`` or ``"UTC"``.

    Returns:
        e.g. ``"2026-03-02T09:00:00+08:00"`` (microseconds shown only when not zero); None
        for None.

    Raises:
        ValidationError: ``tz`` is not a known zone.
    """
    if us is None:
        return None
    return (_EPOCH + _dt.timedelta(microseconds=us)).astimezone(zone(tz)).isoformat()


def to_json_value(value: Any, tz: str = DEFAULT_TZ) -> Any:
    """``value`` as JSON-safe data (see the module docstring for the conversions).

    Args:
        value: a scalar, bytes, a date or aware datetime, a collection of these, or a record
            with ``to_dict``.
        tz: the zone datetimes are shown in.

    Returns:
        A value that ``json.dumps`` writes and ``json.loads`` reads back equal.

    Raises:
        ValidationError: a naive datetime, a non-finite float, a mapping with a key that is
            not a string, or a value of another type.
    """
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{value!r} has no JSON form", value=value)
        return value
    if isinstance(value, tuple | list):
        return [to_json_value(v, tz) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, _dt.datetime):
        if value.utcoffset() is None:
            raise ValidationError(f"a naive datetime has no instant: {value.isoformat()}",
                                  value=value)
        return value.astimezone(zone(tz)).isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted((to_json_value(v, tz) for v in value), key=_order)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(f"JSON object keys must be strings, got {key!r}",
                                      value=key)
            out[key] = to_json_value(item, tz)
        return out
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict(tz)
    raise ValidationError(f"{value!r} ({type(value).__name__}) has no JSON form", value=value)


def _order(value: Any) -> tuple[str, str]:
    """Sort key for the members of a set: by type name, then by value's JSON text."""
    return type(value).__name__, repr(value)


def fields_to_dict(pairs: Iterable[tuple[str, Any]], tz: str = DEFAULT_TZ) -> dict[str, Any]:
    """Named values as a JSON-safe dict: a name ``<name>_us`` (an instant) becomes
    ``<name>_at`` with the instant in ISO 8601 with offset in ``tz``; every other value goes
    through `to_json_value()`.

    Raises:
        ValidationError: a value without a JSON form, or an unknown ``tz``.
    """
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name.endswith("_us") and (value is None or type(value) is int):
            out[name[:-3] + "_at"] = instant_to_json(value, tz)
        else:
            out[name] = to_json_value(value, tz)
    return out


class JsonForm:
    """Mixin for an attrs record: ``to_dict()`` from its declared fields, in declaration order,
    then the derived properties named in ``JSON_EXTRA``."""

    __slots__ = ()

    JSON_EXTRA: ClassVar[tuple[str, ...]] = ()
    """Derived properties (not attrs fields) that belong in the JSON form."""

    def to_dict(self, tz: str = DEFAULT_TZ) -> dict[str, Any]:
        """The record as a dict of JSON-safe values (docs/json.md gives each record's keys).

        Args:
            tz: the zone instants are shown in (ISO 8601 with offset); only records holding
                instants use it. Default: the library's default zone, Asia/Shanghai; pass
                ``ledger.tz`` for a ledger in another zone.

        Raises:
            ValidationError: ``tz`` is not a known zone.
        """
        zone(tz)
        names = [f.name for f in attrs.fields(cast("type[attrs.AttrsInstance]", type(self)))]
        return fields_to_dict(((n, getattr(self, n)) for n in (*names, *self.JSON_EXTRA)), tz)
