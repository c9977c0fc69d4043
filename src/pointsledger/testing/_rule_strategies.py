"""Hypothesis strategies for what a village adopts: checklist items and caps, the points store's
rewards and policy, expiry, the workflow policies, the matter lists of 清单制, and whole
rulebooks that ``Rulebook.check``
finds no error in. Hypothesis's own style: plural nouns, keyword-only arguments, strategies as
arguments, bad arguments raising InvalidArgument when the strategy is drawn from."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from pointsledger.base.periods import PERIODS
from pointsledger.rules.benefits import Benefit, Campaign, Vetoes
from pointsledger.rules.catalogue import DEFAULT_STORE, Limit, PriceRule, Reward, StorePolicy
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.expiry import KINDS, NEVER, ExpiryPolicy
from pointsledger.rules.matters import (
    DAY_KINDS,
    MATTER_KINDS,
    Matter,
    ProcedureStep,
    four_and_two,
)
from pointsledger.rules.procedures import (
    DEFAULT_CLAIMS,
    DEFAULT_SERVICES,
    DEFAULT_TIMEBANK,
    DEFAULT_WISHES,
    ClaimPolicy,
    Service,
    ServicePolicy,
    TimeBankPolicy,
    WishCategory,
    WishPolicy,
)
from pointsledger.rules.rulebook import Rulebook

CATEGORIES = ("环境卫生", "志愿服务", "移风易俗", "邻里和睦", "遵纪守法", "民主参与", "村规民约")
TITLES = ("庭院环境整洁", "参加志愿服务", "参加治安巡逻", "婚事新办", "调解邻里纠纷",
          "参加村民会议", "焚烧秸秆", "乱倒垃圾", "违反公共道德", "门前三包")
REWARD_TITLES = ("肥皂", "洗衣粉", "食用油", "大米", "毛巾", "长者餐", "理发券", "酱油")
WISH_CATEGORIES = (("物品", 200), ("服务", None), ("学习用品", 100), ("就医陪护", None))
SERVICES = (("CARE", "老人陪护", "助老服务"), ("CLEAN", "上门保洁", "便民服务"),
            ("REPAIR", "家电维修", "便民服务"), ("HAIR", "上门理发", "助老服务"))


def _strategy(value: object, name: str) -> SearchStrategy[Any] | None:
    if value is not None and not isinstance(value, SearchStrategy):
        raise InvalidArgument(f"{name} must be a strategy or None, got {value!r}")
    return value


def _size(value: object, name: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidArgument(f"{name} must be an integer of at least {low}, got {value!r}")
    return value


def _codes(value: object, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(
            isinstance(v, str) for v in value):
        raise InvalidArgument(f"{name} must be a sequence of item codes, got {value!r}")
    return tuple(value)


def _sometimes(draw: st.DrawFn, one_in: int = 3) -> bool:
    return draw(st.integers(0, one_in - 1)) == 0


def caps(*, max_points: SearchStrategy[int] | None = None,
         pers: Sequence[str] = PERIODS) -> SearchStrategy[Cap]:
    """Caps: ``max_points`` from the given strategy (default 1-200), ``per`` from ``pers``."""

    @st.composite
    def draw_cap(draw: st.DrawFn) -> Cap:
        _strategy(max_points, "max_points")
        unknown = [p for p in pers if p not in PERIODS]
        if not pers or unknown:
            raise InvalidArgument(f"pers must be period kinds from {PERIODS}, got {pers!r}")
        points = st.integers(1, 200) if max_points is None else max_points
        return Cap(draw(points), per=draw(st.sampled_from(pers)))

    return draw_cap()


def checklist_items(
    *,
    codes: SearchStrategy[str] | None = None,
    categories: SearchStrategy[str] | None = None,
    points: SearchStrategy[int] | None = None,
    capped: bool = True,
) -> SearchStrategy[ChecklistItem]:
    """Checklist items that are sound on their own: non-zero points, awards' caps at least one
    award, deductions uncapped; some awards priced per value (``per_value`` 10 or 100 yuan, as
    donations are).

    Args:
        codes: strategy for item codes (default like ``ENV-07``).
        categories: strategy for categories (default: common Chinese categories).
        points: strategy for signed points (default -50..50); zero is skipped.
        capped: whether awards may carry caps.
    """

    @st.composite
    def draw_item(draw: st.DrawFn) -> ChecklistItem:
        _strategy(codes, "codes")
        _strategy(categories, "categories")
        _strategy(points, "points")
        if not isinstance(capped, bool):
            raise InvalidArgument(f"capped must be a bool, got {capped!r}")
        value = draw((st.integers(-50, 50) if points is None else points).filter(bool))
        item_caps: list[Cap] = []
        if capped and value > 0:
            item_caps = draw(st.lists(caps(max_points=st.integers(value, value * 10)),
                                      max_size=2, unique_by=lambda c: c.per))
        return ChecklistItem(
            draw(st.from_regex(r"[A-Z]{3}-[0-9]{2}", fullmatch=True) if codes is None
                 else codes),
            draw(st.sampled_from(TITLES)),
            category=draw(st.sampled_from(CATEGORIES) if categories is None
                          else categories),
            points=value,
            unit=draw(st.sampled_from(["", "每次", "每人次"])),
            cap=item_caps,
            evidence_required=draw(st.booleans()),
            serious=value < 0 and draw(st.booleans()),
            # an award now and then priced per value (a donation: points per 10 or 100 yuan)
            per_value=draw(st.sampled_from([None, None, None, 10, 100])) if value > 0 else None,
        )

    return draw_item()


def price_rules() -> SearchStrategy[list[PriceRule]]:
    """Age bands that never overlap (gaps between them are allowed: those ages pay full
    price), e.g. ``[PriceRule(60, 75, 80), PriceRule(75, None, 0)]``."""

    @st.composite
    def draw_rules(draw: st.DrawFn) -> list[PriceRule]:
        starts = sorted(draw(st.sets(st.integers(0, 90), min_size=1, max_size=3)))
        out = []
        for n, low in enumerate(starts):
            if n + 1 < len(starts):
                high: int | None = draw(st.integers(low + 1, starts[n + 1]))
            else:
                high = draw(st.none() | st.integers(low + 1, 120))
            out.append(PriceRule(low, high, draw(st.sampled_from([0, 50, 80, 100])
                                                 | st.integers(0, 100))))
        return out

    return draw_rules()


def rewards(
    *,
    codes: SearchStrategy[str] | None = None,
    costs: SearchStrategy[int] | None = None,
    restricted: bool = True,
) -> SearchStrategy[Reward]:
    """Rewards of the points store's catalogue.

    Args:
        codes: strategy for reward codes (default like ``SOAP3``).
        costs: strategy for the cost per unit (default 1-50).
        restricted: whether some rewards carry quantity limits, a total limit, an active
            window, redemption days, a qualifying score or price rules by age band (each
            drawn now and then); ``False`` draws rewards anyone may always redeem.
    """

    @st.composite
    def draw_reward(draw: st.DrawFn) -> Reward:
        _strategy(codes, "codes")
        _strategy(costs, "costs")
        if not isinstance(restricted, bool):
            raise InvalidArgument(f"restricted must be a bool, got {restricted!r}")
        code = draw(st.from_regex(r"[A-Z]{3,6}[0-9]?", fullmatch=True) if codes is None
                    else codes)
        cost = draw(st.integers(1, 50) if costs is None else costs)
        extra: dict[str, Any] = {}
        if restricted:
            if _sometimes(draw):
                extra["limits"] = draw(st.lists(st.builds(
                    Limit, st.integers(1, 5), st.sampled_from((*PERIODS, "ever")),
                    st.sampled_from(("household", "member"))), min_size=1, max_size=2))
            if _sometimes(draw, 5):
                extra["total_limit"] = draw(st.integers(1, 50))
            if _sometimes(draw, 5):
                first = _dt.date(2025, 10, 1) + _dt.timedelta(days=draw(st.integers(0, 500)))
                extra["available_from"] = first
                extra["available_until"] = first + _dt.timedelta(days=draw(st.integers(0, 200)))
            if _sometimes(draw, 5):
                extra["weekdays"] = draw(st.frozensets(st.sampled_from(
                    ("mon", "tue", "wed", "thu", "fri", "sat", "sun")), min_size=1))
                extra["month_end"] = draw(st.booleans())
            if _sometimes(draw, 6):
                extra["min_score"] = draw(st.integers(0, 100))
            if _sometimes(draw):
                extra["price_rules"] = draw(price_rules())
        return Reward(code, draw(st.sampled_from(REWARD_TITLES)), cost=cost,
                      category=draw(st.sampled_from(["日用品", "粮油", "服务券", ""])), **extra)

    return draw_reward()


def store_policies() -> SearchStrategy[StorePolicy]:
    """Store policies: base points, a qualifying score (or none), bans after serious
    violations (or none), reservation days and which transfers are allowed."""
    return st.builds(
        StorePolicy,
        base_points=st.integers(0, 100),
        min_score=st.none() | st.integers(0, 120),
        ban_years=st.none() | st.integers(0, 2),
        reservation_days=st.integers(1, 7),
        member_to_household=st.booleans(),
        household_to_household=st.booleans(),
        household_to_community=st.booleans(),
    )


def expiry_policies(*, kinds: Sequence[str] = KINDS) -> SearchStrategy[ExpiryPolicy]:
    """Expiry policies of the given ``kinds`` (default all: never, year_end, quarter_end,
    carry_over with 0-100 points carried, rolling after 1-400 days)."""

    @st.composite
    def draw_expiry(draw: st.DrawFn) -> ExpiryPolicy:
        unknown = [k for k in kinds if k not in KINDS]
        if isinstance(kinds, str) or not kinds or unknown:
            raise InvalidArgument(f"kinds must be expiry kinds from {KINDS}, got {kinds!r}")
        kind = draw(st.sampled_from(tuple(kinds)))
        if kind == "rolling":
            return ExpiryPolicy(kind, days=draw(st.integers(1, 400)))
        if kind == "carry_over":
            return ExpiryPolicy(kind, carry=draw(st.integers(0, 100)))
        return ExpiryPolicy(kind)

    return draw_expiry()


def claim_policies() -> SearchStrategy[ClaimPolicy]:
    """Claim policies: one or two review tiers, 1-7 notice days, 0-30 appeal days, deductions
    through the pipeline or not."""
    return st.builds(ClaimPolicy, review_tiers=st.sampled_from((1, 2)),
                     notice_days=st.integers(1, 7), appeal_days=st.integers(0, 30),
                     deductions=st.booleans())


def _item_or_none(items: tuple[str, ...]) -> SearchStrategy[str | None]:
    return st.none() | st.sampled_from(items) if items else st.none()


def wish_policies(*, items: Sequence[str] = ()) -> SearchStrategy[WishPolicy]:
    """Wish policies: 1-3 categories (some with a value cap), 1-14 claim days, 1-120 days on
    the wall, and a reward item for the claimer from ``items`` (award item codes of the
    rulebook) or none."""

    @st.composite
    def draw_wishes(draw: st.DrawFn) -> WishPolicy:
        codes = _codes(items, "items")
        chosen = draw(st.lists(st.sampled_from(WISH_CATEGORIES), min_size=1, max_size=3,
                               unique=True))
        return WishPolicy([WishCategory(n, v) for n, v in chosen],
                          claim_days=draw(st.integers(1, 14)),
                          item=draw(_item_or_none(codes)),
                          list_days=draw(st.integers(1, 120)))

    return draw_wishes()


def service_policies(*, items: Sequence[str] = ()) -> SearchStrategy[ServicePolicy]:
    """Service menus of 1-3 services, each earning an item from ``items`` (award item codes of
    the rulebook) per order or per hour, or nothing; 1-48 accept hours and 1-96 hours open to
    be grabbed."""

    @st.composite
    def draw_services(draw: st.DrawFn) -> ServicePolicy:
        codes = _codes(items, "items")
        chosen = draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True))
        menu = [Service(code, title, category=category, item=draw(_item_or_none(codes)),
                        per=draw(st.sampled_from(("order", "hour"))))
                for code, title, category in chosen]
        return ServicePolicy(menu, accept_hours=draw(st.integers(1, 48)),
                             open_hours=draw(st.integers(1, 96)))

    return draw_services()


def timebank_policies(*, items: Sequence[str] = ()) -> SearchStrategy[TimeBankPolicy]:
    """Time-bank policies: conversion to an item from ``items`` (or none) per 30, 60 or 120
    minutes, a threshold of 0-600 minutes, a storage cap (or none)."""

    @st.composite
    def draw_timebank(draw: st.DrawFn) -> TimeBankPolicy:
        codes = _codes(items, "items")
        return TimeBankPolicy(item=draw(_item_or_none(codes)),
                              unit_minutes=draw(st.sampled_from((30, 60, 120))),
                              threshold_minutes=draw(st.integers(0, 600)),
                              max_minutes=draw(st.none() | st.integers(600, 90_000)))

    return draw_timebank()


STEP_ROLES = ("committee", "party_branch", "grid_worker", "party_members_meeting",
              "villager_representatives")
MATTER_TITLES = {
    "self_governance": ("村规民约修订", "宅基地申请初审", "村民小组长推选"),
    "assist_government": ("低保申请协办", "医保参保登记", "征兵宣传登记"),
    "petty_power": ("村级工程项目", "集体资金使用", "集体资产处置"),
    "public_service": ("代办残疾人证", "开具居住证明", "代缴水电费"),
    "negative": ("开具无犯罪记录证明", "为私人借贷作担保", "开具婚姻状况证明"),
}


def procedure_steps(*, roles: Sequence[str] = STEP_ROLES) -> SearchStrategy[ProcedureStep]:
    """Procedure steps: a code ``S<n>``, a title, one of ``roles``, evidence or not, a time
    limit of 1-15 working or calendar days or none."""
    return st.builds(
        ProcedureStep, st.integers(1, 9).map(lambda n: f"S{n}"),
        st.sampled_from(("受理", "审核", "公示", "办结", "签字", "上报")),
        role=st.sampled_from(tuple(roles)), evidence_required=st.booleans(),
        days=st.none() | st.integers(1, 15), day_kind=st.sampled_from(DAY_KINDS))


def matters(*, kinds: Sequence[str] = MATTER_KINDS, max_steps: int = 4
            ) -> SearchStrategy[Matter]:
    """Matters that ``Rulebook.check`` finds no error in: a negative-list entry without
    steps; any other a procedure of 1 to ``max_steps`` steps with distinct codes, or (for a
    小微权力 matter, sometimes) 四议两公开."""

    @st.composite
    def draw_matter(draw: st.DrawFn) -> Matter:
        kind = draw(st.sampled_from(tuple(kinds)))
        code = f"{kind[:2].upper()}-{draw(st.integers(1, 20)):02d}"
        title = draw(st.sampled_from(MATTER_TITLES.get(kind, ("事项",))))
        role = draw(st.sampled_from(("committee", "party_branch", "grid_worker")))
        if kind == "negative":
            steps: Sequence[ProcedureStep] = ()
        elif kind == "petty_power" and draw(st.booleans()):
            steps = four_and_two(days=draw(st.none() | st.integers(1, 10)))
        else:
            steps = draw(st.lists(procedure_steps(), min_size=1,
                                  max_size=_size(max_steps, "max_steps", 1),
                                  unique_by=lambda s: s.code))
        return Matter(code, title, kind=kind, role=role, steps=steps,
                      basis=draw(st.sampled_from(("", "村级小微权力清单", "村规民约"))))

    return draw_matter()


_reward_strategy = rewards  # rulebooks' argument of the same name hides it there
_matter_strategy = matters

_POLICIES = ("store", "expiry", "claims", "wishes", "services", "timebank")


def _benefit_parts(draw: st.DrawFn, items: list[ChecklistItem],
                   days: tuple[_dt.date, _dt.date] | None) -> dict[str, Any]:
    """Benefits, vetoes and (between ``days``) campaigns fitting ``items``."""
    deductions = sorted(i.code for i in items if i.points < 0)
    awards = sorted(i.code for i in items if i.points > 0)
    vetoes = Vetoes(draw(st.sets(st.sampled_from(deductions), max_size=2))
                    if deductions else ())
    benefits = draw(st.lists(st.builds(
        Benefit, st.sampled_from(["LOAN", "HONOUR", "WELFARE"]), st.just("待遇"),
        min_stars=st.none() | st.integers(1, 3), min_points=st.none() | st.integers(1, 20)),
        max_size=2, unique_by=lambda b: b.code))
    found: list[Campaign] = []
    if days is not None and awards:
        first, last = days
        for n in range(draw(st.integers(0, 2))):
            start = draw(st.dates(first, last))
            found.append(Campaign(
                f"CAMP-{n}", "专项活动", start=start, end=draw(st.dates(start, last)),
                items={draw(st.sampled_from(awards))}, multiplier=draw(st.integers(1, 3)),
                bonus=draw(st.integers(1, 5))))
    return {"vetoes": vetoes, "benefits": benefits, "campaigns": found}


def rulebooks(
    *,
    base: Rulebook | None = None,
    items: SearchStrategy[ChecklistItem] | None = None,
    versions: SearchStrategy[str] | None = None,
    min_items: int = 1,
    max_items: int = 8,
    rewards: SearchStrategy[Reward] | None = None,
    max_rewards: int = 4,
    store: SearchStrategy[StorePolicy] | None = None,
    expiry: SearchStrategy[ExpiryPolicy] | None = None,
    claims: SearchStrategy[ClaimPolicy] | None = None,
    wishes: SearchStrategy[WishPolicy] | None = None,
    services: SearchStrategy[ServicePolicy] | None = None,
    timebank: SearchStrategy[TimeBankPolicy] | None = None,
    campaigns: tuple[_dt.date, _dt.date] | None = None,
    matters: SearchStrategy[Matter] | None = None,
    max_matters: int = 4,
) -> SearchStrategy[Rulebook]:
    """Rulebooks without errors (see ``Rulebook.check``); warnings may occur.

    Args:
        base: build around this rulebook: its items, caps, policy, rewards and policies, plus
            up to two new items, under a new version name.
        items: strategy for the items (default `checklist_items()`).
        versions: strategy for version names.
        min_items: the fewest items (when there is no ``base``).
        max_items: the most items (when there is no ``base``).
        rewards: strategy for the catalogue's rewards (default `rewards()`); a reward no
            account could afford under the drawn caps and expiry is left out.
        max_rewards: the most rewards (0: none); by default some rulebooks have none.
        store: strategy for the store policy (default: the library's, or
            `store_policies()`).
        expiry: strategy for the expiry policy (likewise, `expiry_policies()`).
        claims: strategy for the claim policy (likewise, `claim_policies()`).
        wishes: strategy for the wish policy (likewise, `wish_policies()`).
        services: strategy for the service policy (likewise, `service_policies()`).
        timebank: strategy for the time-bank policy (likewise, `timebank_policies()`).
        campaigns: ``(first, last)`` days: draw up to two campaigns (专项活动) on award items
            within them (None, the default: no campaigns, since a campaign must fall inside
            the effective range the rulebook is adopted for).

    Benefits (评先评优, 积分贷) and vetoes (一票否决) are drawn too; a benefit or campaign
    ``Rulebook.check`` finds out of reach or above a cap is left out.
        matters: strategy for the matter lists' matters (default `matters()`).
        max_matters: the most matters (0: none); by default some rulebooks have none.

    Drawn policies name the drawn award items; a policy naming an item the rulebook lacks
    raises InvalidArgument.
    """

    @st.composite
    def draw_rulebook(draw: st.DrawFn) -> Rulebook:
        if base is not None and not isinstance(base, Rulebook):
            raise InvalidArgument(f"base must be a Rulebook or None, got {base!r}")
        given: dict[str, SearchStrategy[Any] | None] = {
            "store": store, "expiry": expiry, "claims": claims, "wishes": wishes,
            "services": services, "timebank": timebank}
        for name, value in [("items", items), ("versions", versions), ("rewards", rewards),
                            ("matters", matters), *given.items()]:
            _strategy(value, name)
        low, high = _size(min_items, "min_items"), _size(max_items, "max_items")
        if low > high:
            raise InvalidArgument(f"min_items={low} is more than max_items={high}")
        most_rewards = _size(max_rewards, "max_rewards")
        names = versions
        if names is None:
            names = st.from_regex(r"20[2-3][0-9]-v[0-9]{1,3}", fullmatch=True)
        version = draw(names.filter(lambda v: base is None or v != base.version))
        item_strategy = checklist_items() if items is None else items
        if base is not None:
            taken = {i.code for i in base.items}
            extra = draw(st.lists(item_strategy.filter(lambda i: i.code not in taken),
                                  max_size=2, unique_by=lambda i: i.code))
            return Rulebook(version, [*base.items, *extra],
                            category_caps=dict(base.category_caps), policy=base.policy,
                            rewards=base.rewards, store=base.store, expiry=base.expiry,
                            ratings=base.ratings, claims=base.claims, wishes=base.wishes,
                            services=base.services, timebank=base.timebank,
                            matters=base.matters)
        drawn = draw(st.lists(item_strategy, min_size=low, max_size=high,
                              unique_by=lambda i: i.code))
        awards: dict[str, int] = {}
        for item in drawn:
            if item.points > 0:
                awards[item.category] = max(awards.get(item.category, 0), item.points)
        category_caps = {}
        for category, biggest in awards.items():
            if draw(st.booleans()):
                category_caps[category] = draw(caps(max_points=st.integers(biggest,
                                                                           biggest * 10)))
        award_codes = tuple(i.code for i in drawn if i.points > 0)
        defaults: dict[str, tuple[Any, SearchStrategy[Any]]] = {
            "store": (DEFAULT_STORE, store_policies()),
            "expiry": (NEVER, expiry_policies()),
            "claims": (DEFAULT_CLAIMS, claim_policies()),
            "wishes": (DEFAULT_WISHES, wish_policies(items=award_codes)),
            "services": (DEFAULT_SERVICES, service_policies(items=award_codes)),
            "timebank": (DEFAULT_TIMEBANK, timebank_policies(items=award_codes)),
        }
        policies: dict[str, Any] = {}
        for name in _POLICIES:
            default, drawn_policy = defaults[name]
            chosen = given[name]
            policies[name] = draw(st.just(default) | drawn_policy if chosen is None else chosen)
        catalogue: list[Reward] = []
        if most_rewards:
            reward_strategy = _reward_strategy() if rewards is None else rewards
            count = st.integers(0, most_rewards)
            if rewards is None:  # by default, a third of the rulebooks have no store
                count = st.just(0) | st.integers(1, most_rewards) | st.integers(1, most_rewards)
            catalogue = draw(st.lists(reward_strategy, min_size=draw(count),
                                      max_size=most_rewards, unique_by=lambda r: r.code))
        policies.update(_benefit_parts(draw, drawn, campaigns))
        most_matters = _size(max_matters, "max_matters")
        lists: list[Matter] = []
        if most_matters and (matters is not None or draw(st.integers(0, 2)) == 0):
            lists = draw(st.lists(_matter_strategy() if matters is None else matters,
                                  max_size=most_matters, unique_by=lambda m: m.code))
        policies["matters"] = lists
        rules = Rulebook(version, drawn, category_caps=category_caps, rewards=catalogue,
                         **policies)
        errors = [p for p in rules.check() if p.severity == "error"]
        bad = {p.subject for p in errors if p.code in ("unaffordable_reward",
                                                        "price_bands_overlap",
                                                        "unreachable_min_score",
                                                        "empty_reward_window")}
        benefit_bad = {p.subject for p in errors if p.code in (
            "unreachable_benefit", "campaign_award_above_cap", "campaigns_overlap")}
        if benefit_bad:  # benefits out of reach, campaigns above a cap: left out
            policies["benefits"] = [b for b in policies["benefits"]
                                    if b.code not in benefit_bad]
            policies["campaigns"] = [c for c in policies["campaigns"]
                                     if not benefit_bad & (c.items | {c.code})]
            rules = Rulebook(version, drawn, category_caps=category_caps, rewards=catalogue,
                             **policies)
            errors = [p for p in rules.check() if p.severity == "error"]
        if bad:  # rewards no account could afford or reach (or a user's bands): left out
            if "store.min_score" in bad:  # a store-wide score nobody reaches: none instead
                policies["store"] = attrs.evolve(policies["store"], min_score=None)
            rules = Rulebook(version, drawn, category_caps=category_caps,
                             rewards=[r for r in catalogue if r.code not in bad], **policies)
            errors = [p for p in rules.check() if p.severity == "error"]
        if errors:
            raise InvalidArgument(f"the drawn parts make a rulebook with errors: {errors}")
        return rules

    return draw_rulebook()
