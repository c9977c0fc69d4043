"""The workflow policies a village adopts in its rulebook.

- `ClaimPolicy`: claims (申报 → 审核 → 公示 → 入账): review tiers, the public notice and
  the appeal window.
- `WishPolicy`: micro-wishes (微心愿): categories with value caps, how long a wish stays
  on the wall unclaimed, how long a claimer has, and the item the claimer earns.
- `ServicePolicy`: the service menu of orders (点单 → 派单 → 接单 → 评单) and the
  acceptance timeouts of dispatched and open (grab-pool) orders.
- `TimeBankPolicy`: the time bank (时间银行): conversion to points, its threshold and the
  storage cap.

Records are immutable and check their own values; which checklist items they name exist is for
`pointsledger.rules.rulebook.Rulebook.check()`.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

from pointsledger.base.checks import MAX_INT, MAX_VALUE, check_code, check_text, clipped, shown
from pointsledger.errors import RulebookError, ValidationError
from pointsledger.rules._checks import records_of


def _int_at_least(low: int, *, optional: bool = False, high: int = MAX_INT) -> Any:
    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if optional and value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise RulebookError(
                f"{attribute.name} must be a whole number from {low:,} to {high:,}, got "
                f"{shown(value)}", field=attribute.name, value=clipped(value))

    return validate


def _one_of(*allowed: object) -> Any:
    def validate(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in allowed or isinstance(value, bool):
            raise RulebookError(f"{attribute.name} must be one of {allowed!r}, got {value!r}",
                                field=attribute.name, value=value)

    return validate


def _optional_code(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        try:
            check_code(value, attribute.name)
        except ValidationError as exc:
            raise RulebookError(exc.message, **exc.fields) from None


def _code(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        raise RulebookError(f"{attribute.name} is required", field=attribute.name)
    _optional_code(instance, attribute, value)


def _text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    try:
        check_text(value, attribute.name, required=True)
    except ValidationError as exc:
        raise RulebookError(exc.message, **exc.fields) from None


@attrs.frozen
class ClaimPolicy:
    """How claims (申报) are reviewed and published.

    Attributes:
        review_tiers: 1 (one approval) or 2 (a grid worker checks, then the committee
            approves; the two reviewers must differ).
        notice_days: the public notice (公示) runs this many full local days after the day of
            approval; its points are pending meanwhile and post when it ends.
        appeal_days: after posting, an appeal may be lodged for this many full local days.
        deductions: whether deductions may also go through the pipeline (the household is
            notified by the notice and may object).
    """

    review_tiers: int = attrs.field(default=2, validator=_one_of(1, 2))
    notice_days: int = attrs.field(default=7, validator=_int_at_least(1))
    appeal_days: int = attrs.field(default=30, validator=_int_at_least(0))
    deductions: bool = False


@attrs.frozen
class WishCategory:
    """A category of micro-wishes with an optional value cap in yuan (e.g. 物品, 200)."""

    name: str = attrs.field(validator=_text)
    max_value: int | None = attrs.field(default=None, validator=_int_at_least(
        1, optional=True, high=MAX_VALUE))


DEFAULT_WISH_CATEGORIES: Final = (WishCategory("物品", 200), WishCategory("服务"))


def _categories(value: object) -> tuple[WishCategory, ...]:
    return records_of(value, WishCategory, "categories", unique=True)


@attrs.frozen
class WishPolicy:
    """How micro-wishes (微心愿) work.

    Attributes:
        categories: what a wish may be listed under, each with an optional value cap.
        claim_days: a claim not fulfilled within this many full local days after the day of
            claiming lapses (the wish goes back on the wall).
        item: the checklist item the claimer earns when the wisher confirms (None: no points).
        list_days: a wish nobody claims within this many full local days after the day it
            went (back) on the wall lapses off the wall (已过期, state ``lapsed``); default 90,
            a quarter, the cycle the village's public board (村务公开栏) is renewed on.
    """

    categories: tuple[WishCategory, ...] = attrs.field(
        default=DEFAULT_WISH_CATEGORIES, converter=_categories)
    claim_days: int = attrs.field(default=14, validator=_int_at_least(1))
    item: str | None = attrs.field(default=None, validator=_optional_code)
    list_days: int = attrs.field(default=90, kw_only=True, validator=_int_at_least(1))

    def category(self, name: str) -> WishCategory | None:
        """The category called ``name``, or None."""
        return next((c for c in self.categories if c.name == name), None)


PER: Final = ("order", "hour")


@attrs.frozen
class Service:
    """A service on the menu (服务菜单): a volunteer earns ``item``'s points once per order, or
    per started hour of service (``per="hour"``)."""

    code: str = attrs.field(validator=_code)
    title: str = attrs.field(validator=_text)
    category: str = attrs.field(kw_only=True, validator=_text)
    item: str | None = attrs.field(kw_only=True, default=None, validator=_optional_code)
    per: str = attrs.field(kw_only=True, default="order", validator=_one_of(*PER))


def _services(value: object) -> tuple[Service, ...]:
    return records_of(value, Service, "services", unique=True)


@attrs.frozen
class ServicePolicy:
    """The service menu and how orders are dispatched.

    Attributes:
        services: the menu.
        accept_hours: a dispatched order not accepted within this many hours goes back to
            dispatch.
        open_hours: an order opened to be grabbed (``open``) that nobody accepts within this
            many hours goes back to dispatch; default 48.
    """

    services: tuple[Service, ...] = attrs.field(
        default=(), converter=_services)
    accept_hours: int = attrs.field(default=24, validator=_int_at_least(1))
    open_hours: int = attrs.field(default=48, kw_only=True, validator=_int_at_least(1))

    def service(self, code: str) -> Service | None:
        """The service with ``code``, or None."""
        return next((s for s in self.services if s.code == code), None)


@attrs.frozen
class TimeBankPolicy:
    """The time bank (时间银行): volunteer minutes as credits.

    Attributes:
        item: the checklist item credits convert to, one unit per ``unit_minutes`` (None: no
            conversion).
        unit_minutes: minutes per converted unit (60: an hour earns the item's points once).
        threshold_minutes: a member may convert only while holding at least this many minutes.
        max_minutes: the most minutes one member may hold (None: no cap).
    """

    item: str | None = attrs.field(default=None, validator=_optional_code)
    unit_minutes: int = attrs.field(default=60, validator=_int_at_least(1))
    threshold_minutes: int = attrs.field(default=3000, validator=_int_at_least(0))
    max_minutes: int | None = attrs.field(default=90_000,
                                          validator=_int_at_least(1, optional=True))


DEFAULT_CLAIMS: Final = ClaimPolicy()
DEFAULT_WISHES: Final = WishPolicy()
DEFAULT_SERVICES: Final = ServicePolicy()
DEFAULT_TIMEBANK: Final = TimeBankPolicy()


def procedures_to_data(claims: ClaimPolicy, wishes: WishPolicy, services: ServicePolicy,
                       timebank: TimeBankPolicy) -> dict[str, Any]:
    """The four workflow policies as plain JSON-ready data. Settings added later
    (``list_days``, ``open_hours``) are left out at their defaults, so that rulebooks recorded
    before they existed encode, and hash, exactly as they were recorded."""
    wish_data = {"categories": [[c.name, c.max_value] for c in wishes.categories],
                 "claim_days": wishes.claim_days, "item": wishes.item}
    if wishes.list_days != DEFAULT_WISHES.list_days:
        wish_data["list_days"] = wishes.list_days
    service_data = {"services": [[s.code, s.title, s.category, s.item, s.per]
                                 for s in services.services],
                    "accept_hours": services.accept_hours}
    if services.open_hours != DEFAULT_SERVICES.open_hours:
        service_data["open_hours"] = services.open_hours
    return {"claims": attrs.asdict(claims), "wishes": wish_data, "services": service_data,
            "timebank": attrs.asdict(timebank)}


def procedures_from_data(
    data: dict[str, Any],
) -> tuple[ClaimPolicy, WishPolicy, ServicePolicy, TimeBankPolicy]:
    """Rebuild the policies from `procedures_to_data()` output (defaults where absent, as
    in rulebooks recorded before workflows existed)."""
    wishes, services = data.get("wishes"), data.get("services")
    return (
        ClaimPolicy(**data["claims"]) if "claims" in data else DEFAULT_CLAIMS,
        DEFAULT_WISHES if wishes is None else WishPolicy(
            [WishCategory(n, v) for n, v in wishes["categories"]], wishes["claim_days"],
            wishes["item"], list_days=wishes.get("list_days", DEFAULT_WISHES.list_days)),
        DEFAULT_SERVICES if services is None else ServicePolicy(
            [Service(c, t, category=g, item=i, per=p) for c, t, g, i, p in services["services"]],
            services["accept_hours"],
            open_hours=services.get("open_hours", DEFAULT_SERVICES.open_hours)),
        TimeBankPolicy(**data["timebank"]) if "timebank" in data else DEFAULT_TIMEBANK,
    )
