"""The rulebook: one adopted version of what the village agreed, and its check.

A `Rulebook` is one version of the 积分清单 (checklist items and caps, in
`pointsledger.rules.checklist`) with its policy table (`pointsledger.rules.policy`),
category caps, store, expiry and workflow policies, adopted through democratic procedure. It is
an immutable value: adopting it on a ledger records its full content in the adoption event, so
the version in force at any time can always be recovered from the log. Whether its parts fit
together is for `Rulebook.check()`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import attrs

from pointsledger.base.checks import check_text
from pointsledger.base.jsonforms import to_json_value
from pointsledger.base.periods import DEFAULT_TZ
from pointsledger.errors import NotFound, RulebookError, UnknownItem, UnknownReward
from pointsledger.rules import _rulebook_checks as checks
from pointsledger.rules._benefit_checks import benefit_problems, campaign_range_problems
from pointsledger.rules._checks import code_check, records_of
from pointsledger.rules.benefits import (
    NO_VETOES,
    Benefit,
    Campaign,
    Vetoes,
    benefit_from_data,
    benefit_to_data,
    campaign_from_data,
    campaign_to_data,
    vetoes_from_data,
    vetoes_to_data,
)
from pointsledger.rules.catalogue import (
    DEFAULT_RATINGS,
    DEFAULT_STORE,
    RatingPolicy,
    Reward,
    StorePolicy,
    ratings_from_data,
    ratings_to_data,
    reward_from_data,
    reward_to_data,
    store_from_data,
    store_to_data,
)
from pointsledger.rules.checklist import Cap, ChecklistItem, as_caps
from pointsledger.rules.expiry import NEVER, ExpiryPolicy, expiry_from_data, expiry_to_data
from pointsledger.rules.matters import (
    Matter,
    matters_from_data,
    matters_to_data,
)
from pointsledger.rules.policy import DEFAULT_POLICY, Policy
from pointsledger.rules.problems import Problem
from pointsledger.rules.procedures import (
    DEFAULT_CLAIMS,
    DEFAULT_SERVICES,
    DEFAULT_TIMEBANK,
    DEFAULT_WISHES,
    ClaimPolicy,
    ServicePolicy,
    TimeBankPolicy,
    WishPolicy,
    procedures_from_data,
    procedures_to_data,
)
from pointsledger.rules.reach import SPANS, Span, days_span, most_earned


def _items(value: object) -> tuple[ChecklistItem, ...]:
    return records_of(value, ChecklistItem, "items")


def _rewards(value: object) -> tuple[Reward, ...]:
    return records_of(value, Reward, "rewards")


def _benefits(value: object) -> tuple[Benefit, ...]:
    return records_of(value, Benefit, "benefits")


def _campaigns(value: object) -> tuple[Campaign, ...]:
    return records_of(value, Campaign, "campaigns")
def _matters(value: object) -> tuple[Matter, ...]:
    return records_of(value, Matter, "matters")


def _category_caps(value: object) -> tuple[tuple[str, tuple[Cap, ...]], ...]:
    pairs = value.items() if isinstance(value, Mapping) else value
    out: dict[str, tuple[Cap, ...]] = {}
    for category, caps in pairs:  # type: ignore[attr-defined]
        check_text(category, "category", required=True)
        out[category] = as_caps(caps)
    return tuple(sorted(out.items()))


@attrs.frozen
class Rulebook:
    """One version of the checklist and its policies.

    A rulebook is built from well-formed parts (each item and cap checks itself); whether the
    parts fit together is for `check()`, which ``Ledger.adopt`` runs: it refuses a rulebook
    with errors and records its warnings.

    Attributes:
        version: the version name, unique on a ledger (e.g. ``"2026"``).
        items: the checklist items; codes must be unique (see `check()`).
        category_caps: caps on what one account earns from a whole category per period
            (pass a mapping ``{"志愿服务": Cap(30, per="month")}``).
        policy: which roles may perform which command.
        rewards: the points store's catalogue.
        store: how the points store works (base points, threshold, bans, transfers).
        expiry: when awarded points expire.
        ratings: the star tiers (星级文明户).
        claims: how claims are reviewed and published (申报公示).
        wishes: how micro-wishes work (微心愿).
        services: the service menu of orders (点单派单).
        timebank: the time bank (时间银行).
        benefits: what ratings unlock for a rating period (评先评优, 积分贷, welfare priority).
        vetoes: which deductions are 一票否决 (besides ``serious`` items).
        campaigns: time-boxed campaigns (专项活动) multiplying awards.
        matters: the matter lists of 清单制 (`pointsledger.rules.matters`).

    Raises:
        RulebookError: a part that is not an item, a cap or a policy.
    """

    version: str = attrs.field(validator=code_check("version"))
    items: tuple[ChecklistItem, ...] = attrs.field(converter=_items)
    category_caps: tuple[tuple[str, tuple[Cap, ...]], ...] = attrs.field(
        kw_only=True, default=(), converter=_category_caps
    )
    policy: Policy = attrs.field(kw_only=True, default=DEFAULT_POLICY)
    rewards: tuple[Reward, ...] = attrs.field(kw_only=True, default=(), converter=_rewards)
    store: StorePolicy = attrs.field(kw_only=True, default=DEFAULT_STORE)
    expiry: ExpiryPolicy = attrs.field(kw_only=True, default=NEVER)
    ratings: RatingPolicy = attrs.field(kw_only=True, default=DEFAULT_RATINGS)
    claims: ClaimPolicy = attrs.field(kw_only=True, default=DEFAULT_CLAIMS)
    wishes: WishPolicy = attrs.field(kw_only=True, default=DEFAULT_WISHES)
    services: ServicePolicy = attrs.field(kw_only=True, default=DEFAULT_SERVICES)
    timebank: TimeBankPolicy = attrs.field(kw_only=True, default=DEFAULT_TIMEBANK)
    benefits: tuple[Benefit, ...] = attrs.field(kw_only=True, default=(), converter=_benefits)
    vetoes: Vetoes = attrs.field(kw_only=True, default=NO_VETOES)
    campaigns: tuple[Campaign, ...] = attrs.field(kw_only=True, default=(),
                                                  converter=_campaigns)
    matters: tuple[Matter, ...] = attrs.field(kw_only=True, default=(), converter=_matters)
    _by_code: dict[str, ChecklistItem] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )
    _by_category: dict[str, tuple[Cap, ...]] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )
    _rewards: dict[str, Reward] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        by_code: dict[str, ChecklistItem] = {}
        for item in self.items:
            by_code.setdefault(item.code, item)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_category", dict(self.category_caps))
        rewards: dict[str, Reward] = {}
        for reward in self.rewards:
            rewards.setdefault(reward.code, reward)
        object.__setattr__(self, "_rewards", rewards)
        for name, cls in (("store", StorePolicy), ("claims", ClaimPolicy),
                          ("wishes", WishPolicy), ("services", ServicePolicy),
                          ("timebank", TimeBankPolicy), ("vetoes", Vetoes)):
            if not isinstance(getattr(self, name), cls):
                raise RulebookError(f"{name} must be a {cls.__name__}, got "
                                    f"{getattr(self, name)!r}", field=name)

    def to_dict(self, tz: str = DEFAULT_TZ) -> dict[str, Any]:
        """The rulebook's data form (`rulebook_to_data()`, as recorded in its adoption
        event) with JSON-safe values; ``tz`` is accepted like every record's and unused."""
        data: dict[str, Any] = to_json_value(rulebook_to_data(self), tz)
        return data

    def item(self, code: str) -> ChecklistItem:
        """The item with ``code``.

        Raises:
            UnknownItem: no such code in this version.
        """
        try:
            return self._by_code[code]
        except (KeyError, TypeError):
            raise self._unknown(UnknownItem, "checklist item", "item", code,
                                self._by_code) from None

    def reward(self, code: str) -> Reward:
        """The reward with ``code``.

        Raises:
            UnknownReward: no such reward in this version.
        """
        try:
            return self._rewards[code]
        except (KeyError, TypeError):
            raise self._unknown(UnknownReward, "reward", "reward", code, self._rewards) from None

    def matter(self, code: str) -> Matter:
        """The matter with ``code`` on this version's lists.

        Raises:
            NotFound: no such matter in this version.
        """
        found = next((m for m in self.matters if m.code == code), None)
        if found is None:
            raise self._unknown(NotFound, "matter", "matter", code,
                                [m.code for m in self.matters])
        return found

    def _unknown(self, error: type[NotFound], what: str, field: str, code: object,
                 known: Iterable[str]) -> NotFound:
        """The error for a ``code`` this version does not know, naming up to ten it does."""
        names = ", ".join(sorted(known)[:10])
        return error(f"no {what} {code!r} in rulebook {self.version!r}; known: {names}",
                     **{field: code, "version": self.version})

    def vetoed_by(self, code: str) -> bool:
        """Whether a deduction of item ``code`` is 一票否决 in this version (a listed item, an
        item of a listed category, or a ``serious`` item); False for unknown codes."""
        item = self._by_code.get(code)
        return item is not None and self.vetoes.vetoes(item)

    def campaign_for(self, code: str, day: _dt.date) -> Campaign | None:
        """The campaign an award of item ``code`` on local ``day`` falls in, or None (the
        first listed when, against `check()`, several overlap)."""
        if not self.campaigns:
            return None
        item = self._by_code.get(code)
        if item is None:
            return None
        return next((c for c in self.campaigns if c.covers(item, day)), None)

    def points_for(self, code: str, quantity: int, day: _dt.date) -> int:
        """The signed points of ``quantity`` units of item ``code`` on local ``day``: the
        item's points, or a campaign's (``points x multiplier + bonus``) per unit.

        Raises:
            UnknownItem: no such code in this version.
        """
        item = self.item(code)
        campaign = self.campaign_for(code, day) if self.campaigns else None
        return (item.points if campaign is None else campaign.points(item)) * quantity

    def caps_for_category(self, category: str) -> tuple[Cap, ...]:
        """The caps on a category (empty when uncapped)."""
        return self._by_category.get(category, ())

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories of the items, in first-seen order."""
        return tuple(dict.fromkeys(i.category for i in self.items))

    def check(
        self,
        *,
        effective_from: _dt.date | None = None,
        effective_until: _dt.date | None = None,
        adopted: Iterable[AdoptedVersion] = (),
    ) -> list[Problem]:
        """Find inconsistencies before adoption; never raises.

        Errors: duplicate item or reward codes, zero-point items, a cap below one award of its
        item (or of an item in its category), rewards nobody can earn points for (before they
        expire, or within a hundred years when they never expire), a reward window that ends
        before it starts, a store or reward `min_score` above the most a household's score
        reaches in a year, price rules whose age bands overlap, a version name already
        adopted, an effective range that would overlap an adopted version (pass
        ``effective_from`` and the ``adopted`` versions, e.g. ``ledger.adoptions()``), and the
        benefit, veto and campaign errors of `pointsledger.rules._benefit_checks` (unknown
        items or categories named, unreachable benefits, campaign awards above a cap,
        overlapping campaigns, a campaign outside the effective range).
        Warnings: no items, a category cap below an item cap of the same period in it (the
        item cap can never be reached), a cap on a category without items, gaps between price
        bands, a policy naming a role the library does not know, a reward that takes more
        than ten years of the most earnings, a star tier no score reaches, a deduction larger
        than a year of the most earnings. Matter lists: errors for duplicate matter codes,
        duplicate step codes within a matter, a step, responsible or supervising role nobody
        can hold (neither one of the library's roles nor one the policy grants), a negative-list
        entry with a procedure, a matter off the negative list without one, a time limit below
        one day; a warning for a matter supervised by its own responsible role. Reach is
        counted for one account under the caps (`pointsledger.rules.reach`); an uncapped award
        item makes it unlimited.

        Returns:
            The problems, errors first, each with a stable code.
        """
        problems = [*checks.item_problems(self), *checks.reward_problems(self),
                    *checks.reach_problems(self), *checks.policy_problems(self),
                    *checks.workflow_problems(self), *benefit_problems(self),
                    *checks.matter_problems(self)]
        if effective_from is not None:
            problems += checks.range_problems(self, effective_from, effective_until, adopted)
            problems += campaign_range_problems(self, effective_from, effective_until)
        return sorted(problems, key=lambda p: p.severity != "error")

    def most_earnable(self) -> int | None:
        """The most points one account can earn before its points expire, given the caps
        (None: no limit, because some award item is uncapped or points never expire)."""
        kind = self.expiry.kind
        if kind == "never":
            return None if any(i.points > 0 for i in self.items) else 0
        span = days_span(self.expiry.days or 0) if kind == "rolling" else SPANS[
            "quarter" if kind == "quarter_end" else "year"]
        earned = self.earned_within(span)
        if earned is None:
            return None
        return earned + (self.expiry.carry or 0)

    def earned_within(self, span: Span) -> int | None:
        """The most one account can earn within ``span`` (see `pointsledger.rules.reach`),
        given the item and category caps; None when some award item is uncapped."""
        return most_earned(self.items, self.caps_for_category, span)

class AdoptedVersion(Protocol):
    """What `Rulebook.check()` needs to know of an adopted version."""

    @property
    def version(self) -> str: ...

    @property
    def effective_from(self) -> _dt.date: ...

    @property
    def effective_until(self) -> _dt.date | None: ...


def rulebook_to_data(rulebook: Rulebook) -> dict[str, Any]:
    """The rulebook as plain JSON-ready data (the form recorded in the adoption event)."""
    return {
        "version": rulebook.version,
        "items": [
            {
                "code": i.code,
                "title": i.title,
                "category": i.category,
                "points": i.points,
                "unit": i.unit,
                "caps": [[c.max_points, c.per] for c in i.caps],
                "evidence_required": i.evidence_required,
                "serious": i.serious,
                # only when set, so rulebooks adopted before per_value existed encode as before
                **({} if i.per_value is None else {"per_value": i.per_value}),
            }
            for i in rulebook.items
        ],
        "category_caps": [
            [cat, [[c.max_points, c.per] for c in caps]] for cat, caps in rulebook.category_caps
        ],
        "policy": [[cmd, sorted(roles)] for cmd, roles in rulebook.policy.grants],
        "rewards": [reward_to_data(r) for r in rulebook.rewards],
        "store": store_to_data(rulebook.store),
        "expiry": expiry_to_data(rulebook.expiry),
        "ratings": ratings_to_data(rulebook.ratings),
        **procedures_to_data(rulebook.claims, rulebook.wishes, rulebook.services,
                             rulebook.timebank),
        "benefits": [benefit_to_data(b) for b in rulebook.benefits],
        "vetoes": vetoes_to_data(rulebook.vetoes),
        "campaigns": [campaign_to_data(c) for c in rulebook.campaigns],
        # only when there are some: rulebooks without lists keep their recorded form
        **({"matters": matters_to_data(rulebook.matters)} if rulebook.matters else {}),
    }


def rulebook_from_data(data: Mapping[str, Any]) -> Rulebook:
    """Rebuild a rulebook from `rulebook_to_data()` output.

    Raises:
        RulebookError: the data is not a valid rulebook.
    """
    try:
        claims, wishes, services, timebank = procedures_from_data(dict(data))
        return Rulebook(
            data["version"],
            [
                ChecklistItem(
                    i["code"],
                    i["title"],
                    category=i["category"],
                    points=i["points"],
                    unit=i["unit"],
                    cap=[Cap(m, per=p) for m, p in i["caps"]],
                    evidence_required=i["evidence_required"],
                    serious=i["serious"],
                    per_value=i.get("per_value"),
                )
                for i in data["items"]
            ],
            category_caps={
                c: [Cap(m, per=p) for m, p in caps] for c, caps in data["category_caps"]
            },
            policy=Policy([(cmd, frozenset(roles)) for cmd, roles in data["policy"]]),
            rewards=[reward_from_data(r) for r in data["rewards"]],
            store=store_from_data(data["store"]),
            expiry=expiry_from_data(data["expiry"]),
            ratings=ratings_from_data(data["ratings"]),
            claims=claims,
            wishes=wishes,
            services=services,
            timebank=timebank,
            # absent from rulebooks adopted before benefits, vetoes and campaigns existed
            benefits=[benefit_from_data(b) for b in data.get("benefits", ())],
            vetoes=vetoes_from_data(data["vetoes"]) if "vetoes" in data else NO_VETOES,
            campaigns=[campaign_from_data(c) for c in data.get("campaigns", ())],
            matters=matters_from_data(data.get("matters", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, RulebookError):
            raise
        raise RulebookError(f"not a valid rulebook record: {exc!r}") from None
