"""Argument checks shared by records and commands; each raises ValidationError naming the value."""

from __future__ import annotations

import datetime as _dt
import re

from pointsledger.errors import ValidationError

MAX_ID = 64
MAX_KEY = 200
MAX_TEXT = 2000
_ID = re.compile(rf"\S{{1,{MAX_ID}}}").fullmatch


def check_id(value: object, what: str) -> str:
    """An identifier: a non-empty string of at most 64 characters with no white space."""
    if type(value) is str and _ID(value) is not None:
        return value
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be a string, got {value!r}", field=what, value=value)
    if _ID(value) is None:
        raise ValidationError(
            f"{what} must be 1 to {MAX_ID} characters without white space, got {value!r}",
            field=what,
            value=value,
        )
    return value


def check_account_id(value: object, what: str) -> str:
    """An account id chosen by an app: an identifier not starting with ``@`` (system accounts)."""
    text = check_id(value, what)
    if text.startswith("@"):
        raise ValidationError(
            f"{what} may not start with '@' (reserved for system accounts), got {value!r}",
            field=what,
            value=value,
        )
    return text


def check_key(value: object) -> str:
    """An idempotency key: a non-empty string of at most 200 characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEY:
        raise ValidationError(
            f"key must be a non-empty string of at most {MAX_KEY} characters, got {value!r}",
            field="key",
            value=value,
        )
    return value


def check_text(value: object, what: str, *, required: bool = False) -> str:
    """Free text (a name, a memo, a reason) of at most 2000 characters."""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValidationError(
            f"{what} must be a string of at most {MAX_TEXT} characters, got {value!r}",
            field=what,
            value=value,
        )
    if required and not value.strip():
        raise ValidationError(f"{what} must not be empty", field=what, value=value)
    return value


def check_int(value: object, what: str, *, minimum: int | None = None) -> int:
    """An integer (``bool`` is refused), optionally at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be an integer, got {value!r}", field=what, value=value)
    if minimum is not None and value < minimum:
        raise ValidationError(
            f"{what} must be at least {minimum}, got {value!r}", field=what, value=value
        )
    return value


def check_date(value: object, what: str) -> _dt.date:
    """A calendar date (a datetime is refused: say which day, not which instant)."""
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise ValidationError(
            f"{what} must be a date such as pendulum.date(2026, 1, 1), got {value!r}",
            field=what,
            value=value,
        )
    return _dt.date(value.year, value.month, value.day)
