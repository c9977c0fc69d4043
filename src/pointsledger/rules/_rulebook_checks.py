"""The checks of a rulebook's checklist, store, reach, policy, workflows, matter lists and
effective range, for `Rulebook.check` (its benefits, vetoes and campaigns are
`pointsledger.rules._benefit_checks`'). Each yields `Problem`s and never raises.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Final

from pointsledger.base.actors import ROLES
from pointsledger.rules.problems import Problem
from pointsledger.rules.reach import SPANS

if TYPE_CHECKING:
    from pointsledger.rules.rulebook import AdoptedVersion, Rulebook

LIFETIME: Final = 100
"""Years beyond which a reward is out of reach even when points never expire."""

SLOW: Final = 10
"""Years of the most earnings beyond which a reward is flagged as slow (a warning)."""


def item_problems(rulebook: Rulebook) -> Iterator[Problem]:
    """No items; repeated codes, zero points, caps below one award; category caps below an
    item cap or naming no items."""
    if not rulebook.items:
        yield Problem("warning", "no_items", f"rulebook {rulebook.version!r} has no items",
                      rulebook.version)
    seen: set[str] = set()
    for item in rulebook.items:
        if item.code in seen:
            yield Problem("error", "duplicate_code", f"item code {item.code!r} appears more "
                          "than once", item.code)
        seen.add(item.code)
        if item.points == 0:
            yield Problem("error", "zero_points", f"item {item.code!r} is worth 0 points: "
                          "it is neither an award nor a deduction", item.code)
        for cap in item.caps:
            if cap.max_points < item.points:
                yield Problem("error", "cap_below_award", f"item {item.code!r} earns "
                              f"{item.points} points but its cap is {cap.max_points} per "
                              f"{cap.per}: it can never be awarded", item.code)
        for cap in rulebook.caps_for_category(item.category):
            if item.points > 0 and cap.max_points < item.points:
                yield Problem("error", "cap_below_award", f"category {item.category!r} caps "
                              f"{cap.max_points} per {cap.per}, below one award of "
                              f"{item.code!r} ({item.points})", item.category)
            for own in item.caps:
                if own.per == cap.per and cap.max_points < own.max_points:
                    yield Problem("warning", "category_cap_below_item_cap",
                                  f"category {item.category!r} caps {cap.max_points} per "
                                  f"{cap.per}, below the cap of its item {item.code!r} "
                                  f"({own.max_points}): the item cap is never reached",
                                  item.code)
    for category, _caps in rulebook.category_caps:
        if category not in rulebook.categories:
            yield Problem("warning", "unused_category_cap", f"a cap names category "
                          f"{category!r}, which has no items", category)


def reward_problems(rulebook: Rulebook) -> Iterator[Problem]:
    """Repeated reward codes, empty windows, rewards out of reach before points expire (or
    slow to reach when they never expire), overlapping or gapped age bands."""
    seen: set[str] = set()
    earnable = rulebook.most_earnable() if rulebook.rewards else None
    yearly = rulebook.earned_within(SPANS["year"]) if rulebook.rewards else None
    for reward in rulebook.rewards:
        if reward.code in seen:
            yield Problem("error", "duplicate_reward", f"reward code {reward.code!r} appears "
                          "more than once", reward.code)
        seen.add(reward.code)
        start, end = reward.available_from, reward.available_until
        if start is not None and end is not None and end < start:
            yield Problem("error", "empty_reward_window", f"reward {reward.code!r} is "
                          f"available until {end}, before it becomes available on {start}: "
                          "it can never be redeemed", reward.code)
        cheapest = min([reward.unit_price(None)] + [
            reward.unit_price(r.min_age) for r in reward.price_rules])
        if earnable is not None and cheapest > earnable:
            yield Problem("error", "unaffordable_reward", f"reward {reward.code!r} costs "
                          f"{cheapest} but an account can earn at most {earnable} points "
                          "before they expire, given the caps", reward.code)
        elif rulebook.expiry.kind == "never" and yearly:
            yield from _slow_reward(reward.code, cheapest, yearly)
        bands = sorted(reward.price_rules, key=lambda r: r.min_age)
        for lower, upper in itertools.pairwise(bands):
            if lower.max_age is None or lower.max_age > upper.min_age:
                yield Problem("error", "price_bands_overlap", f"reward {reward.code!r}: age "
                              f"bands from {lower.min_age} and from {upper.min_age} "
                              "overlap", reward.code)
            elif lower.max_age < upper.min_age:
                yield Problem("warning", "price_bands_gap", f"reward {reward.code!r}: no "
                              f"price rule for ages {lower.max_age} to {upper.min_age - 1} "
                              "(they pay full price)", reward.code)


def _slow_reward(code: str, cheapest: int, yearly: int) -> Iterator[Problem]:
    """A reward whose points never expire but that takes an account years of the most
    earnings: beyond a lifetime an error, beyond ten years a warning."""
    years = -(-cheapest // yearly)
    earns = (f"an account earns at most {yearly} points a year under the caps, so it takes "
             f"at least {years} years")
    if cheapest > LIFETIME * yearly:
        yield Problem("error", "unaffordable_reward", f"reward {code!r} costs {cheapest}: "
                      f"{earns}, more than {LIFETIME} years", code)
    elif cheapest > SLOW * yearly:
        yield Problem("warning", "slow_reward", f"reward {code!r} costs {cheapest}: {earns} "
                      f"(more than {SLOW})", code)


def reach_problems(rulebook: Rulebook) -> Iterator[Problem]:
    """Scores, star tiers and deductions beyond what accounts can earn under the caps."""
    if not rulebook.items:
        return
    yearly = rulebook.earned_within(SPANS["year"])
    if yearly is None:
        return
    base = rulebook.store.base_points
    most = (f"a household's score is at most {base + yearly} in a calendar year "
            f"(base_points {base} + the {yearly} points one account can earn under the "
            "caps)")
    if rulebook.rewards:
        if rulebook.store.min_score is not None and rulebook.store.min_score > base + yearly:
            yield Problem("error", "unreachable_min_score", f"store.min_score "
                          f"{rulebook.store.min_score} is out of reach: {most}; nobody can ever "
                          "redeem", "store.min_score")
        for reward in rulebook.rewards:
            if reward.min_score is not None and reward.min_score > base + yearly:
                yield Problem("error", "unreachable_min_score", f"reward {reward.code!r} "
                              f"needs a score of {reward.min_score}, out of reach: {most}; "
                              "nobody can ever redeem it", reward.code)
    for item in rulebook.items:
        if item.points < 0 and -item.points > yearly:
            yield Problem("warning", "deduction_beyond_earnings", f"item {item.code!r} "
                          f"deducts {-item.points}, more than the {yearly} points one "
                          "account can earn in a year under the caps: it cannot be earned "
                          "back within the year", item.code)
    if not any(i.points > 0 for i in rulebook.items):
        return
    per = rulebook.ratings.per
    earned = rulebook.earned_within(SPANS[per]) or 0
    for stars, needed in rulebook.ratings.tiers:
        if needed > base + earned:
            yield Problem("warning", "unreachable_tier", f"{stars} stars need a score of "
                          f"{needed}, but a household's score reaches at most "
                          f"{base + earned} per {per} (base_points {base} + the {earned} "
                          "points one account can earn under the caps)", f"{stars} stars")


def policy_problems(rulebook: Rulebook) -> Iterator[Problem]:
    """Roles the policy grants that are not the library's."""
    for command, roles in rulebook.policy.grants:
        for role in sorted(roles - ROLES):
            yield Problem("warning", "unknown_role", f"the policy grants {command!r} to "
                          f"role {role!r}, which is not one of the library's roles "
                          f"({', '.join(sorted(ROLES))})", role)


def workflow_problems(rulebook: Rulebook) -> Iterator[Problem]:
    """Items the workflow policies name that are not in the checklist or are not awards."""
    named = [("wishes.item", rulebook.wishes.item), ("timebank.item", rulebook.timebank.item),
             *((f"services[{s.code}].item", s.item) for s in rulebook.services.services)]
    for where, code in named:
        if code is None:
            continue
        item = rulebook._by_code.get(code)
        if item is None:
            yield Problem("error", "unknown_workflow_item", f"{where} names item {code!r}, "
                          "which is not in the checklist", code)
        elif item.points <= 0:
            yield Problem("error", "workflow_item_not_award", f"{where} names item "
                          f"{code!r}, which deducts points: it must be an award", code)


def matter_problems(rulebook: Rulebook) -> Iterator[Problem]:
    """The matter lists' repeated codes and steps, procedures on or off the negative list,
    time limits, roles nobody holds, self-supervision."""
    holdable = ROLES | {r for _command, roles in rulebook.policy.grants for r in roles}
    seen: set[str] = set()
    for matter in rulebook.matters:
        code = matter.code
        if code in seen:
            yield Problem("error", "duplicate_matter", f"matter code {code!r} appears more "
                          "than once", code)
            continue
        seen.add(code)
        if matter.is_negative and matter.steps:
            yield Problem("error", "negative_with_procedure", f"matter {code!r} is on the "
                          "negative list (负面清单): it is refused when requested and may not "
                          "have a procedure", code)
        if not matter.is_negative and not matter.steps:
            yield Problem("error", "no_procedure", f"matter {code!r} has no procedure "
                          "steps: only negative-list entries have none", code)
        roles = [("responsible role", matter.role), ("supervisor", matter.supervisor)]
        steps: set[str] = set()
        for step in matter.steps:
            roles.append((f"step {step.code!r}", step.role))
            if step.code in steps:
                yield Problem("error", "duplicate_step", f"matter {code!r} has step "
                              f"{step.code!r} more than once", code)
            steps.add(step.code)
            if step.days is not None and step.days < 1:
                yield Problem("error", "bad_time_limit", f"matter {code!r} step "
                              f"{step.code!r} has a time limit of {step.days} "
                              f"{step.day_kind} days: a limit is at least one day (or "
                              "None for none)", code)
        for where, role in roles:
            if role not in holdable:
                yield Problem("error", "unheld_role", f"matter {code!r}: the {where} is "
                              f"{role!r}, a role nobody can hold: use one of the library's "
                              f"roles ({', '.join(sorted(ROLES))}) or grant it in the "
                              "policy", code)
        if matter.supervisor == matter.role:
            yield Problem("warning", "self_supervised", f"matter {code!r} is supervised by "
                          f"its own responsible role {matter.role!r}", code)


def range_problems(
    rulebook: Rulebook,
    start: _dt.date,
    end: _dt.date | None,
    adopted: Iterable[AdoptedVersion],
) -> Iterator[Problem]:
    """An effective range that is empty, reuses an adopted version name or overlaps one."""
    if end is not None and end < start:
        yield Problem("error", "empty_range", f"effective_until {end} is before "
                      f"effective_from {start}", rulebook.version)
    for other in adopted:
        if other.version == rulebook.version:
            yield Problem("error", "version_taken", f"version {rulebook.version!r} is already "
                          "adopted; adopted versions never change: use a new version name",
                          rulebook.version)
        elif start <= other.effective_from:
            yield Problem("error", "overlap", f"effective_from {start} must be after "
                          f"{other.effective_from}, when version {other.version!r} took "
                          "effect: effective ranges never overlap", other.version)
        elif other.effective_until is not None and start <= other.effective_until:
            yield Problem("error", "overlap", f"effective_from {start} falls in the range "
                          f"of version {other.version!r} (until {other.effective_until})",
                          other.version)
