"""The points store's catalogue (积分超市): rewards, their limits and prices, and the store policy.

Part of what a village adopts in its rulebook. A `Reward` says what points buy, when and
by whom; a `StorePolicy` says how redemption works as a whole (base points, the
qualifying score, bans after serious violations, reservation timeouts, which transfers are
allowed). All records are immutable and check their own values.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from typing import Any, Final

import attrs

from pointsledger.base.checks import (
    MAX_INT,
    MAX_POINTS,
    check_code,
    check_day,
    check_int,
    check_text,
)
from pointsledger.base.periods import check_period
from pointsledger.errors import RulebookError, ValidationError

SCOPES: Final = ("household", "member")
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _rule_error(check: Any) -> Any:
    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        try:
            check(attribute.name, value)
        except ValidationError as exc:
            raise RulebookError(exc.message, **exc.fields) from None

    return validate


def _int_at_least(low: int, high: int = MAX_INT) -> Any:
    def check(name: str, value: object) -> None:
        check_int(value, name, minimum=low, maximum=high)

    return _rule_error(check)


def _optional_int_at_least(low: int) -> Any:
    inner = _int_at_least(low)

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            inner(instance, attribute, value)

    return validate


def _optional_score(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A qualifying score: None, or a whole number (negative scores exist: deductions)."""
    if value is not None:
        _rule_error(lambda n, v: check_int(v, n, minimum=-MAX_INT))(None, attribute, value)


def _optional_day(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A window's end: None, or a date from 2000 to 2100 (not a datetime)."""
    if value is not None:
        _rule_error(lambda n, v: check_day(v, n))(None, attribute, value)


@attrs.frozen
class Limit:
    """At most ``max_quantity`` of a reward per ``per`` period (day ... year, or ``"ever"``),
    counted per ``"household"`` (the household and its members together) or per ``"member"``."""

    max_quantity: int = attrs.field(validator=_int_at_least(1))
    per: str = attrs.field(validator=_rule_error(
        lambda _n, v: v == "ever" or check_period(v)))
    scope: str = attrs.field(default="household", validator=_rule_error(
        lambda n, v: _one_of(n, v, SCOPES)))


def _one_of(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationError(f"{name} must be one of {', '.join(allowed)}, got {value!r}",
                              field=name, value=value)


@attrs.frozen
class PriceRule:
    """Members aged ``min_age`` up to (not including) ``max_age`` on the redemption date pay
    ``percent`` of the cost, rounded up to whole points (e.g. 80 from 60, 0 from 75)."""

    min_age: int = attrs.field(validator=_int_at_least(0))
    max_age: int | None = attrs.field(validator=_optional_int_at_least(1))
    percent: int = attrs.field(validator=_int_at_least(0))

    def __attrs_post_init__(self) -> None:
        if self.percent > 100:
            raise RulebookError(f"percent must be 0 to 100, got {self.percent}")
        if self.max_age is not None and self.max_age <= self.min_age:
            raise RulebookError(f"max_age {self.max_age} must be above min_age {self.min_age}")

    def applies(self, age: int) -> bool:
        """Whether a member of ``age`` falls in this band."""
        return self.min_age <= age and (self.max_age is None or age < self.max_age)


def _tuple_of(kind: type, name: str, value: object) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, kind):
        return (value,)
    if not isinstance(value, Iterable) or isinstance(value, str):
        raise RulebookError(f"{name} must be a sequence of {kind.__name__}, got {value!r}")
    out = tuple(value)
    for v in out:
        if not isinstance(v, kind):
            raise RulebookError(f"{name} must hold {kind.__name__} records, got {v!r}")
    return out


def _limits(value: object) -> tuple[Limit, ...]:
    return _tuple_of(Limit, "limits", value)


def _price_rules(value: object) -> tuple[PriceRule, ...]:
    return _tuple_of(PriceRule, "price_rules", value)


def _weekdays(value: object) -> frozenset[str]:
    if not isinstance(value, str | Iterable):
        raise RulebookError(f"weekdays must be day names, got {value!r}", field="weekdays",
                            value=value)
    days = frozenset({value} if isinstance(value, str) else {str(v) for v in value})
    unknown = sorted(days - set(WEEKDAYS))
    if unknown:
        raise RulebookError(f"weekdays must be among {', '.join(WEEKDAYS)}, got {unknown}",
                            field="weekdays", value="; ".join(unknown))
    return days


@attrs.frozen
class Reward:
    """Something the points store gives for points.

    Attributes:
        code: unique within the rulebook, e.g. ``"SOAP"``.
        title: e.g. ``"肥皂"``.
        cost: points per unit (before any price rule).
        category: e.g. ``"日用品"``.
        limits: per-household or per-member quantity limits per period.
        total_limit: the most units ever given out (None: no total limit).
        available_from, available_until: the active window (local dates, inclusive).
        weekdays: days of the week it may be redeemed (empty: any day), e.g. ``{"fri"}``.
        month_end: also redeemable on the last day of each month.
        min_score: a qualifying score for this reward above the store's own.
        price_rules: age bands with their percentage of the cost (first band that applies).
    """

    code: str = attrs.field(validator=_rule_error(lambda n, v: check_code(v, "reward code")))
    title: str = attrs.field(validator=_rule_error(
        lambda n, v: check_text(v, "title", required=True)))
    cost: int = attrs.field(kw_only=True, validator=_int_at_least(1, MAX_POINTS))
    category: str = attrs.field(kw_only=True, default="", validator=_rule_error(
        lambda n, v: check_text(v, "category")))
    limits: tuple[Limit, ...] = attrs.field(kw_only=True, default=(), converter=_limits)
    total_limit: int | None = attrs.field(kw_only=True, default=None,
                                          validator=_optional_int_at_least(1))
    available_from: _dt.date | None = attrs.field(kw_only=True, default=None,
                                                  validator=_optional_day)
    available_until: _dt.date | None = attrs.field(kw_only=True, default=None,
                                                   validator=_optional_day)
    weekdays: frozenset[str] = attrs.field(kw_only=True, factory=frozenset,
                                           converter=_weekdays)
    month_end: bool = attrs.field(kw_only=True, default=False)
    min_score: int | None = attrs.field(kw_only=True, default=None, validator=_optional_score)
    price_rules: tuple[PriceRule, ...] = attrs.field(kw_only=True, default=(),
                                                     converter=_price_rules)

    def unit_price(self, age: int | None) -> int:
        """The points one unit costs a member of ``age`` (None: no member named)."""
        if age is not None:
            for rule in self.price_rules:
                if rule.applies(age):
                    return math.ceil(self.cost * rule.percent / 100)
        return self.cost

    def open_on(self, day: _dt.date) -> tuple[str, str] | None:
        """Why the reward cannot be redeemed on local date ``day``: ``(reason, message)`` with
        reason ``"window"`` or ``"day"``; None when it can."""
        if self.available_from is not None and day < self.available_from:
            return "window", f"{self.code!r} is available from {self.available_from}"
        if self.available_until is not None and day > self.available_until:
            return "window", f"{self.code!r} was available until {self.available_until}"
        if self.weekdays or self.month_end:
            weekday = WEEKDAYS[day.weekday()]
            last = (day + _dt.timedelta(days=1)).month != day.month
            if weekday not in self.weekdays and not (self.month_end and last):
                days = sorted(self.weekdays, key=WEEKDAYS.index)
                when = " and ".join([*days, *(["month end"] if self.month_end else [])])
                return "day", f"{self.code!r} is redeemed on {when}, not on a {weekday}"
        return None


@attrs.frozen
class StorePolicy:
    """How the points store works as a whole.

    Attributes:
        base_points: a base score each household has (counts toward its score, never spent).
        min_score: the score a household needs to redeem (None: no threshold). A household's
            score is ``base_points`` plus the net points it and its members earned (awards
            minus deductions, reversals excluded) in the calendar year of the redemption.
        ban_years: after a deduction for a serious violation, the household may not redeem
            for the rest of that year plus this many years (None: no bans).
        reservation_days: a reservation not handed over within this many days times out.
        member_to_household, household_to_household, household_to_community: which transfers
            are allowed.
    """

    base_points: int = attrs.field(default=0, validator=_int_at_least(0))
    min_score: int | None = attrs.field(default=None, validator=_optional_score)
    ban_years: int | None = attrs.field(default=None, validator=_optional_int_at_least(0))
    reservation_days: int = attrs.field(default=3, validator=_int_at_least(1))
    member_to_household: bool = True
    household_to_household: bool = False
    household_to_community: bool = True


DEFAULT_STORE: Final = StorePolicy()


def _tiers(value: object) -> tuple[tuple[int, int], ...]:
    pairs = value.items() if isinstance(value, dict) else value
    if not isinstance(pairs, Iterable):
        raise RulebookError(f"tiers must map stars to minimum scores, got {value!r}")
    try:
        tiers = tuple(sorted((check_int(stars, "stars", minimum=1, maximum=100),
                              check_int(score, "min_score", minimum=-MAX_INT))
                             for stars, score in pairs))
    except ValidationError as exc:
        raise RulebookError(f"tiers: {exc.message}", **exc.fields) from None
    except (TypeError, ValueError):
        raise RulebookError(f"tiers must map stars to minimum scores, got {value!r}") from None
    if len({stars for stars, _score in tiers}) != len(tiers):
        raise RulebookError(f"tiers name a number of stars twice, got {tiers}")
    scores = [score for _stars, score in tiers]
    if scores != sorted(scores) or len(set(scores)) != len(scores):
        raise RulebookError(f"more stars must need a higher score, got {tiers}")
    return tiers


@attrs.frozen
class RatingPolicy:
    """Star tiers (星级文明户) by the score a household reaches in a rating period.

    Attributes:
        tiers: ``{stars: minimum score}``, e.g. ``{1: 60, 2: 70, 3: 80, 4: 90, 5: 100}``.
        per: the rating period (default a calendar year).

    The score is the store's ``base_points`` plus the points the household and its members
    earned in the period minus the points deducted (never the balance: spending does not lower
    a rating). Downgrade rule: a serious violation in the period (not reversed) removes every
    star for that period.
    """

    tiers: tuple[tuple[int, int], ...] = attrs.field(
        factory=lambda: ((1, 60), (2, 70), (3, 80), (4, 90), (5, 100)), converter=_tiers)
    per: str = attrs.field(default="year", validator=_rule_error(lambda _n, v: check_period(v)))

    def stars(self, score: int, vetoes: int) -> int:
        """The stars for ``score`` with ``vetoes`` veto items in the period (a serious
        violation or an item of the rulebook's 一票否决 list): any veto leaves none."""
        if vetoes:
            return 0
        return max((stars for stars, needed in self.tiers if score >= needed), default=0)


DEFAULT_RATINGS: Final = RatingPolicy()


def reward_to_data(reward: Reward) -> dict[str, Any]:
    """A reward as plain JSON-ready data."""
    return {
        "code": reward.code,
        "title": reward.title,
        "cost": reward.cost,
        "category": reward.category,
        "limits": [[lim.max_quantity, lim.per, lim.scope] for lim in reward.limits],
        "total_limit": reward.total_limit,
        "available_from": _iso(reward.available_from),
        "available_until": _iso(reward.available_until),
        "weekdays": sorted(reward.weekdays, key=WEEKDAYS.index),
        "month_end": reward.month_end,
        "min_score": reward.min_score,
        "price_rules": [[r.min_age, r.max_age, r.percent] for r in reward.price_rules],
    }


def reward_from_data(data: dict[str, Any]) -> Reward:
    """Rebuild a reward from `reward_to_data()` output."""
    return Reward(
        data["code"],
        data["title"],
        cost=data["cost"],
        category=data["category"],
        limits=[Limit(q, per, scope) for q, per, scope in data["limits"]],
        total_limit=data["total_limit"],
        available_from=_date(data["available_from"]),
        available_until=_date(data["available_until"]),
        weekdays=frozenset(data["weekdays"]),
        month_end=data["month_end"],
        min_score=data["min_score"],
        price_rules=[PriceRule(a, b, p) for a, b, p in data["price_rules"]],
    )


def ratings_to_data(policy: RatingPolicy) -> dict[str, Any]:
    """A rating policy as plain JSON-ready data."""
    return {"tiers": [list(t) for t in policy.tiers], "per": policy.per}


def ratings_from_data(data: dict[str, Any]) -> RatingPolicy:
    """Rebuild a rating policy from `ratings_to_data()` output."""
    return RatingPolicy(data["tiers"], data["per"])


def store_to_data(policy: StorePolicy) -> dict[str, Any]:
    """A store policy as plain JSON-ready data."""
    return attrs.asdict(policy)


def store_from_data(data: dict[str, Any]) -> StorePolicy:
    """Rebuild a store policy from `store_to_data()` output."""
    return StorePolicy(**data)


def _iso(day: _dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _date(text: str | None) -> _dt.date | None:
    return None if text is None else _dt.date.fromisoformat(text)
