"""Checks shared by the rule records: attrs validators for codes and text, and a sequence of
records as a checked tuple.

Each raises `RulebookError` naming the field and what it accepts, so
a record is never built from parts of the wrong type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pointsledger.base.checks import check_code, check_text
from pointsledger.errors import RulebookError, ValidationError

R = TypeVar("R")


def text_check(what: str, *, required: bool = False) -> Any:
    """An attrs validator: the value is text (non-empty if ``required``) for the field ``what``."""

    def validate(_instance: object, _attribute: object, value: object) -> None:
        try:
            check_text(value, what, required=required)
        except ValidationError as exc:
            raise RulebookError(exc.message, **exc.fields) from None

    return validate


def code_check(what: str) -> Any:
    """An attrs validator: the value is a code (an identifier in its normal form) for the field
    ``what``."""

    def validate(_instance: object, _attribute: object, value: object) -> None:
        try:
            check_code(value, what)
        except ValidationError as exc:
            raise RulebookError(exc.message, **exc.fields) from None

    return validate


def records_of(value: object, cls: type[R], what: str, *, unique: bool = False) -> tuple[R, ...]:
    """``value``, a sequence of ``cls`` records, as a tuple.

    Args:
        value: what the caller passed as the field ``what``.
        cls: the record type every element must be.
        what: the field's name, for the message.
        unique: whether the records' codes (or names) must differ.

    Raises:
        RulebookError: ``value`` is not a sequence of ``cls`` records, or (``unique``) two
            share a code.
    """
    if not isinstance(value, Iterable) or isinstance(value, str | bytes | Mapping):
        raise RulebookError(f"{what} must be a sequence of {cls.__name__}s, got {value!r}")
    records = tuple(value)
    for record in records:
        if not isinstance(record, cls):
            raise RulebookError(f"{what} must be {cls.__name__}s, got {record!r}", value=record)
    if unique:
        codes: list[Any] = [getattr(r, "code", getattr(r, "name", None)) for r in records]
        if len(set(codes)) != len(codes):
            raise RulebookError(f"{what} repeat a code: {codes!r}", value=codes)
    return records
