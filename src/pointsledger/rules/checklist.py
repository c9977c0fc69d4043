"""The lines of the 积分清单 (checklist): items and the caps on what they earn.

A `ChecklistItem` names conduct and its signed points: positive for an award, negative
for a deduction (村规民约). A `Cap` limits what one account may *earn* in a calendar
period. Both are immutable and check their own values. Invariants: an item holds at most one
cap per period, sorted by period; deduction items carry no caps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from pointsledger.base.checks import MAX_ITEM_POINTS, MAX_POINTS, check_int, clipped, shown
from pointsledger.base.periods import PERIODS, check_period
from pointsledger.errors import RulebookError, ValidationError
from pointsledger.rules._checks import code_check, text_check


def _positive(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POINTS:
        raise RulebookError(
            f"{attribute.name} must be a whole number from 1 to {MAX_POINTS:,}, got "
            f"{shown(value)}", field=attribute.name, value=clipped(value)
        )


@attrs.frozen
class Cap:
    """At most ``max_points`` earned per ``per`` period (day, week, month, quarter or year)."""

    max_points: int = attrs.field(validator=_positive)
    per: str = attrs.field(validator=lambda _i, _a, v: check_period(v))


def as_caps(value: object) -> tuple[Cap, ...]:
    """A Cap, a sequence of Caps or None as Caps sorted by period, at most one per period.

    Raises:
        RulebookError: anything else, or two caps on one period.
    """
    if value is None:
        return ()
    if isinstance(value, Cap):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        caps = tuple(value)
        for cap in caps:
            if not isinstance(cap, Cap):
                raise RulebookError(f"a cap must be a Cap, got {cap!r}", value=cap)
        pers = [c.per for c in caps]
        if len(set(pers)) != len(pers):
            raise RulebookError(f"at most one cap per period, got {pers!r}", value=pers)
        return tuple(sorted(caps, key=lambda c: PERIODS.index(c.per)))
    raise RulebookError(f"cap must be a Cap or a sequence of Caps, got {value!r}", value=value)


def _points(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    try:
        if check_int(value, "points", maximum=MAX_ITEM_POINTS) < -MAX_ITEM_POINTS:
            raise ValidationError(f"points must be at least {-MAX_ITEM_POINTS:,}, got {value:,}",
                                  field="points", value=value)
    except ValidationError as exc:
        raise RulebookError(exc.message, **exc.fields) from None


def _per_value(_instance: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None:
        _positive(_instance, attribute, value)  # type: ignore[arg-type]


@attrs.frozen
class ChecklistItem:
    """One line of the 积分清单: conduct and the points it earns (or loses).

    Attributes:
        code: unique code within a rulebook, e.g. ``"ENV-01"``.
        title: what the conduct is, e.g. ``"庭院环境整洁"``.
        category: the category it is summarised under, e.g. ``"环境卫生"``.
        points: signed points per unit: positive for an award, negative for a deduction.
        unit: optional unit wording, e.g. ``"每人次"``.
        caps: limits on points earned per period (pass ``cap=`` a Cap or a sequence of Caps).
        evidence_required: whether an award or deduction must cite evidence (photo ids, text).
        serious: a serious violation (used by redemption bans).
        per_value: None (the default) when ``points`` are per unit; a whole number of yuan when
            they are per value: ``points`` for every full ``per_value`` yuan of assessed value
            (e.g. ``points=1, per_value=10``: a donation assessed at 100 yuan earns 10 points,
            as DOMAIN.md's "100 yuan = 10 points"). A donation received in the points store
            (``receive_stock(..., donor=..., donation_item=..., value=...)``) is then awarded
            ``value // per_value`` units; ``award`` takes the units as ``quantity``.

    Invariants: deduction items carry no caps and are never per value.
    """

    code: str = attrs.field(validator=code_check("item code"))
    title: str = attrs.field(validator=text_check("title", required=True))
    category: str = attrs.field(kw_only=True, validator=text_check("category", required=True))
    points: int = attrs.field(kw_only=True, validator=_points)
    unit: str = attrs.field(kw_only=True, default="", validator=text_check("unit"))
    caps: tuple[Cap, ...] = attrs.field(kw_only=True, alias="cap", default=(), converter=as_caps)
    evidence_required: bool = attrs.field(kw_only=True, default=False)
    serious: bool = attrs.field(kw_only=True, default=False)
    per_value: int | None = attrs.field(kw_only=True, default=None, validator=_per_value)

    def __attrs_post_init__(self) -> None:
        if self.points < 0 and self.per_value is not None:
            raise RulebookError(
                f"item {self.code}: only awards are priced per value; a deduction item cannot "
                "have per_value",
                item=self.code,
            )
        if self.points < 0 and self.caps:
            raise RulebookError(
                f"item {self.code}: caps limit earnings; a deduction item cannot have caps",
                item=self.code,
            )

    def units_for(self, quantity: int, value: int | None) -> int:
        """The units a donation of ``quantity`` goods assessed at ``value`` yuan earns: the
        quantity for an item per unit, ``value // per_value`` for an item per value (0 when
        ``value`` is None or below one step)."""
        if self.per_value is None:
            return quantity
        return 0 if value is None else value // self.per_value

    @property
    def is_deduction(self) -> bool:
        """Whether the item deducts points (negative points)."""
        return self.points < 0
