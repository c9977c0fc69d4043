"""What points and stars unlock, what vetoes them, campaigns, and shares of a sum.

Part of what a village adopts in its rulebook:

- A `Benefit` is something a household's rating unlocks for a rating period: priority
  in collective welfare, 评先评优, the neutral rating banks read for 积分贷. It states the
  fewest stars or the fewest net points (earned minus deducted in the period) that unlock it.
- `Vetoes` say which violations are 一票否决: a deduction of a listed item, of an item
  in a listed category, or of any item marked ``serious`` removes the household's stars and its
  eligibility for every benefit for the rating period it occurred in (unless reversed).
- A `Campaign` (专项活动) is time-boxed: awards of its items (or of items in its
  categories) that occur on its days earn ``points x multiplier + bonus`` per unit. Caps count
  the points actually earned, multiplied. Deductions are never multiplied; campaigns do not
  stack (two campaigns covering one item on one day is an error of ``Rulebook.check``).

A `ShareRule` says how a sum (a share of collective income, 积分分红) is divided among
households for a period; `split_fen()` divides it exactly to the fen. Records are immutable
and check their own values; whether they fit the rest of a rulebook is for ``Rulebook.check``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from pointsledger.base.checks import MAX_INT, MAX_ITEM_POINTS, check_day, check_int
from pointsledger.errors import RulebookError, ValidationError
from pointsledger.rules._checks import code_check, text_check
from pointsledger.rules.checklist import ChecklistItem

MAX_MULTIPLIER: Final = 10
"""The largest campaign multiplier."""

BASES: Final = ("points", "stars")
"""What a `ShareRule` weighs households by."""


def _int_in(low: int, high: int, *, optional: bool = False) -> Any:
    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if optional and value is None:
            return
        try:
            check_int(value, attribute.name, minimum=low, maximum=high)
        except ValidationError as exc:
            raise RulebookError(exc.message, **exc.fields) from None

    return validate


def _codes(value: object) -> frozenset[str]:
    """A set of item codes or category names from any iterable of text (not one string)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise RulebookError(f"expected a set of names, got {value!r}", value=repr(value))
    names = frozenset(value)
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise RulebookError(f"names must be non-empty text, got {name!r}", value=repr(name))
    return names


def _day(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    try:
        check_day(value, attribute.name)
    except ValidationError as exc:
        raise RulebookError(exc.message, **exc.fields) from None


@attrs.frozen
class Benefit:
    """Something a household's rating unlocks for a rating period (评先评优, 积分贷, priority
    in collective welfare).

    A household is eligible for a period when no veto fell on it in the period and it has at
    least ``min_stars`` stars and at least ``min_points`` net points (earned minus deducted in
    the period, base points not counted); a threshold left None does not apply.

    Attributes:
        code: unique code within a rulebook, e.g. ``"LOAN"``.
        title: what it is, e.g. ``"积分贷优先"``.
        min_stars: the fewest stars (1 or more), or None.
        min_points: the fewest net points in the period (1 or more), or None.
    """

    code: str = attrs.field(validator=code_check("benefit code"))
    title: str = attrs.field(validator=text_check("title", required=True))
    min_stars: int | None = attrs.field(kw_only=True, default=None,
                                        validator=_int_in(1, 100, optional=True))
    min_points: int | None = attrs.field(kw_only=True, default=None,
                                         validator=_int_in(1, MAX_INT, optional=True))

    def unlocked(self, stars: int, points: int, vetoed: bool) -> bool:
        """Whether a household with ``stars`` and net ``points`` in the period, ``vetoed`` or
        not, is eligible."""
        return (not vetoed and (self.min_stars is None or stars >= self.min_stars)
                and (self.min_points is None or points >= self.min_points))


@attrs.frozen
class Vetoes:
    """一票否决: the deductions that remove a household's stars and benefits for the period.

    Attributes:
        items: item codes whose deduction vetoes.
        categories: categories any deduction in which vetoes.

    Items marked ``serious`` veto as well, listed or not.
    """

    items: frozenset[str] = attrs.field(default=frozenset(), converter=_codes)
    categories: frozenset[str] = attrs.field(default=frozenset(), converter=_codes)

    def vetoes(self, item: ChecklistItem) -> bool:
        """Whether a deduction of ``item`` is 一票否决 (awards never are)."""
        return item.points < 0 and (item.serious or item.code in self.items
                                    or item.category in self.categories)


NO_VETOES: Final = Vetoes()
"""Only serious items veto."""


@attrs.frozen
class Campaign:
    """A time-boxed campaign (专项活动), e.g. 人居环境整治月: 环境卫生 items count double.

    Awards of the listed items, or of items in the listed categories, that occur on a local day
    from ``start`` to ``end`` (both included) earn ``(points x multiplier + bonus) x
    quantity``. Caps count those points. Deductions are unchanged.

    Attributes:
        code: unique code within a rulebook.
        title: shown on statements beside the lines it multiplied.
        start: the first day.
        end: the last day (not before ``start``).
        items: item codes it covers.
        categories: categories it covers (at least one item or category in all).
        multiplier: 1 to 10.
        bonus: points added per unit, 0 to 10,000 (a campaign changes something: a multiplier
            above 1 or a bonus).

    Raises:
        RulebookError: a bad value, an end before the start, nothing covered or nothing
            changed.
    """

    code: str = attrs.field(validator=code_check("campaign code"))
    title: str = attrs.field(validator=text_check("title", required=True))
    start: _dt.date = attrs.field(kw_only=True, validator=_day)
    end: _dt.date = attrs.field(kw_only=True, validator=_day)
    items: frozenset[str] = attrs.field(kw_only=True, default=frozenset(), converter=_codes)
    categories: frozenset[str] = attrs.field(kw_only=True, default=frozenset(),
                                             converter=_codes)
    multiplier: int = attrs.field(kw_only=True, default=1,
                                  validator=_int_in(1, MAX_MULTIPLIER))
    bonus: int = attrs.field(kw_only=True, default=0, validator=_int_in(0, MAX_ITEM_POINTS))

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise RulebookError(f"campaign {self.code}: end {self.end} is before start "
                                f"{self.start}", campaign=self.code)
        if not self.items and not self.categories:
            raise RulebookError(f"campaign {self.code} covers no items and no categories",
                                campaign=self.code)
        if self.multiplier == 1 and self.bonus == 0:
            raise RulebookError(f"campaign {self.code} changes nothing: give a multiplier "
                                "above 1 or a bonus", campaign=self.code)

    def covers(self, item: ChecklistItem, day: _dt.date) -> bool:
        """Whether an award of ``item`` on local ``day`` falls in this campaign."""
        return (item.points > 0 and self.start <= day <= self.end
                and (item.code in self.items or item.category in self.categories))

    def points(self, item: ChecklistItem) -> int:
        """The points of one unit of ``item`` in this campaign."""
        return item.points * self.multiplier + self.bonus


def _weights(value: object) -> tuple[tuple[int, int], ...]:
    pairs: Any = value.items() if isinstance(value, Mapping) else value
    try:
        out = {check_int(s, "stars", minimum=1, maximum=100):
               check_int(w, "weight", minimum=0, maximum=MAX_ITEM_POINTS)
               for s, w in pairs}
    except ValidationError as exc:
        raise RulebookError(exc.message, **exc.fields) from None
    except (TypeError, ValueError):
        raise RulebookError(f"tier weights must be (stars, weight) pairs, got {value!r}",
                            value=repr(value)) from None
    return tuple(sorted(out.items()))


@attrs.frozen
class ShareRule:
    """How a sum is divided among households for a period (积分分红).

    Attributes:
        basis: ``"points"``: in proportion to each household's net points in the period
            (negative totals count as 0); ``"stars"``: by the weight of its star tier.
        tier_weights: for ``"stars"``, ``{stars: weight}``; a tier not listed weighs its
            number of stars (the default: 3 stars weigh 3). Households without stars get
            nothing.
        exclude_vetoed: whether a household vetoed in the period (一票否决) gets nothing
            (the default). Under ``"stars"`` a vetoed household has no stars anyway.
    """

    basis: str = attrs.field(default="points")
    tier_weights: tuple[tuple[int, int], ...] = attrs.field(default=(), converter=_weights)
    exclude_vetoed: bool = attrs.field(default=True)

    @basis.validator
    def _basis(self, _attribute: object, value: object) -> None:
        if value not in BASES:
            raise RulebookError(f"basis must be one of {', '.join(BASES)}, got {value!r}",
                                basis=repr(value))

    def weight(self, points: int, stars: int, vetoed: bool) -> int:
        """A household's weight from its net ``points`` and ``stars`` in the period."""
        if vetoed and self.exclude_vetoed:
            return 0
        if self.basis == "points":
            return max(points, 0)
        if stars <= 0:
            return 0
        return dict(self.tier_weights).get(stars, stars)


def share_rule_to_data(rule: ShareRule) -> dict[str, Any]:
    """A share rule as plain JSON-ready data."""
    return {"basis": rule.basis, "tier_weights": [list(t) for t in rule.tier_weights],
            "exclude_vetoed": rule.exclude_vetoed}


def share_rule_from_data(data: Mapping[str, Any]) -> ShareRule:
    """Rebuild a share rule from `share_rule_to_data()` output."""
    return ShareRule(data["basis"], [tuple(t) for t in data["tier_weights"]],
                     data["exclude_vetoed"])


def split_fen(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Divide ``total`` fen among households in proportion to ``weights``, exactly.

    Largest-remainder rounding: each household first gets the floor of its exact share; the
    fen left over go one each to the households with the largest remainders, ties broken by
    household id (ascending, as text). The shares sum to ``total``; a household's share differs
    from its exact share by less than one fen, so equal weights get shares at most one fen
    apart; a weight of 0 gets 0.

    Args:
        total: the sum in fen (分), 0 or more.
        weights: household id -> weight (0 or more).

    Returns:
        household id -> fen, for every household in ``weights``, in id order.

    Raises:
        ValidationError: a negative total or weight, or a positive total with no positive
            weight.
    """
    total = check_int(total, "amount_fen", minimum=0)
    for household, weight in weights.items():
        check_int(weight, f"weight of {household}", minimum=0)
    whole = sum(weights.values())
    if whole == 0:
        if total:
            raise ValidationError(f"no household qualifies for a share of {total} fen "
                                  "(every weight is 0)", amount_fen=total)
        return {h: 0 for h in sorted(weights)}
    shares = {h: total * w // whole for h, w in weights.items()}
    left = total - sum(shares.values())
    by_remainder = sorted(weights, key=lambda h: (-(total * weights[h] % whole), h))
    for household in by_remainder[:left]:
        shares[household] += 1
    return {h: shares[h] for h in sorted(shares)}


def benefit_to_data(benefit: Benefit) -> dict[str, Any]:
    """A benefit as plain JSON-ready data."""
    return {"code": benefit.code, "title": benefit.title, "min_stars": benefit.min_stars,
            "min_points": benefit.min_points}


def benefit_from_data(data: Mapping[str, Any]) -> Benefit:
    """Rebuild a benefit from `benefit_to_data()` output."""
    return Benefit(data["code"], data["title"], min_stars=data["min_stars"],
                   min_points=data["min_points"])


def vetoes_to_data(vetoes: Vetoes) -> dict[str, Any]:
    """Vetoes as plain JSON-ready data."""
    return {"items": sorted(vetoes.items), "categories": sorted(vetoes.categories)}


def vetoes_from_data(data: Mapping[str, Any]) -> Vetoes:
    """Rebuild vetoes from `vetoes_to_data()` output."""
    return Vetoes(data["items"], data["categories"])


def campaign_to_data(campaign: Campaign) -> dict[str, Any]:
    """A campaign as plain JSON-ready data."""
    return {"code": campaign.code, "title": campaign.title,
            "start": campaign.start.isoformat(), "end": campaign.end.isoformat(),
            "items": sorted(campaign.items), "categories": sorted(campaign.categories),
            "multiplier": campaign.multiplier, "bonus": campaign.bonus}


def campaign_from_data(data: Mapping[str, Any]) -> Campaign:
    """Rebuild a campaign from `campaign_to_data()` output."""
    return Campaign(data["code"], data["title"], start=_dt.date.fromisoformat(data["start"]),
                    end=_dt.date.fromisoformat(data["end"]), items=data["items"],
                    categories=data["categories"], multiplier=data["multiplier"],
                    bonus=data["bonus"])
