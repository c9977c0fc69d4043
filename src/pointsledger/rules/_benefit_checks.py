"""The checks of a rulebook's benefits, vetoes and campaigns, for ``Rulebook.check``.

Errors: a repeated benefit or campaign code, a veto naming an item or category the checklist
lacks or an award item, a benefit no household can reach (more stars than the top tier, a tier
or net points beyond what an account earns in a rating period under the caps), a campaign naming
an unknown item or category or covering no award item, a campaign award above a cap of its item
or category (it could never be awarded during the campaign), two campaigns covering one item on
one day, a campaign outside the version's effective range. Warning: a veto category without
deductions.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pointsledger.rules.problems import Problem
from pointsledger.rules.reach import SPANS

if TYPE_CHECKING:
    from pointsledger.rules.rulebook import Rulebook


def benefit_problems(rulebook: Rulebook) -> Iterator[Problem]:
    """The problems of ``rulebook``'s benefits, vetoes and campaigns (its range aside)."""
    yield from _duplicates("benefit", [b.code for b in rulebook.benefits])
    yield from _duplicates("campaign", [c.code for c in rulebook.campaigns])
    yield from _veto_problems(rulebook)
    yield from _reach_problems(rulebook)
    yield from _campaign_problems(rulebook)


def _duplicates(what: str, codes: list[str]) -> Iterator[Problem]:
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        yield Problem("error", f"duplicate_{what}", f"{what} code {code!r} appears more than "
                      "once", code)


def _veto_problems(rulebook: Rulebook) -> Iterator[Problem]:
    by_code = {i.code: i for i in rulebook.items}
    for code in sorted(rulebook.vetoes.items):
        item = by_code.get(code)
        if item is None:
            yield Problem("error", "unknown_veto_item", f"vetoes name item {code!r}, which is "
                          "not in the checklist", code)
        elif item.points > 0:
            yield Problem("error", "veto_item_not_deduction", f"vetoes name item {code!r}, "
                          f"which awards {item.points} points: only deductions veto", code)
    for category in sorted(rulebook.vetoes.categories):
        found = [i for i in rulebook.items if i.category == category]
        if not found:
            yield Problem("error", "unknown_veto_category", f"vetoes name category "
                          f"{category!r}, which has no items", category)
        elif not any(i.points < 0 for i in found):
            yield Problem("warning", "veto_category_without_deductions", f"vetoes name "
                          f"category {category!r}, which has no deductions: it never vetoes",
                          category)


def _reach_problems(rulebook: Rulebook) -> Iterator[Problem]:
    if not rulebook.benefits:
        return
    per = rulebook.ratings.per
    earned = rulebook.earned_within(SPANS[per])
    base = rulebook.store.base_points
    top = max((stars for stars, _needed in rulebook.ratings.tiers), default=0)
    needed_for = dict(rulebook.ratings.tiers)
    for benefit in rulebook.benefits:
        why = ""
        if benefit.min_stars is not None:
            tiers = [n for s, n in needed_for.items() if s >= benefit.min_stars]
            if benefit.min_stars > top:
                why = f"it needs {benefit.min_stars} stars and the top tier has {top}"
            elif earned is not None and min(tiers) > base + earned:
                why = (f"{benefit.min_stars} stars need a score of {min(tiers)}, but a "
                       f"household's score reaches at most {base + earned} per {per}")
        if not why and benefit.min_points is not None and earned is not None \
                and benefit.min_points > earned:
            why = (f"it needs {benefit.min_points} net points, but an account earns at most "
                   f"{earned} per {per} under the caps")
        if why:
            yield Problem("error", "unreachable_benefit", f"benefit {benefit.code!r} is out of "
                          f"reach: {why}", benefit.code)


def _campaign_problems(rulebook: Rulebook) -> Iterator[Problem]:
    by_code = {i.code: i for i in rulebook.items}
    categories = set(rulebook.categories)
    covered: dict[str, set[str]] = {}
    for campaign in rulebook.campaigns:
        for code in sorted(campaign.items - by_code.keys()):
            yield Problem("error", "unknown_campaign_item", f"campaign {campaign.code!r} names "
                          f"item {code!r}, which is not in the checklist", code)
        for category in sorted(campaign.categories - categories):
            yield Problem("error", "unknown_campaign_category", f"campaign {campaign.code!r} "
                          f"names category {category!r}, which has no items", category)
        items = [i for i in rulebook.items if i.points > 0 and (
            i.code in campaign.items or i.category in campaign.categories)]
        covered[campaign.code] = {i.code for i in items}
        if not items:
            yield Problem("error", "campaign_covers_no_award", f"campaign {campaign.code!r} "
                          "covers no award item: it changes nothing", campaign.code)
        for item in items:
            points = campaign.points(item)
            caps = [*item.caps, *rulebook.caps_for_category(item.category)]
            for cap in caps:
                if cap.max_points < points:
                    yield Problem("error", "campaign_award_above_cap", f"campaign "
                                  f"{campaign.code!r} makes one award of {item.code!r} "
                                  f"{points} points, above a cap of {cap.max_points} per "
                                  f"{cap.per}: caps count campaign points, so it could never "
                                  "be awarded during the campaign", item.code)
                    break
    for one, other in itertools.combinations(rulebook.campaigns, 2):
        shared = covered.get(one.code, set()) & covered.get(other.code, set())
        if shared and one.start <= other.end and other.start <= one.end:
            yield Problem("error", "campaigns_overlap", f"campaigns {one.code!r} and "
                          f"{other.code!r} both cover {sorted(shared)[0]!r} on overlapping "
                          "days: campaigns do not stack", other.code)


def campaign_range_problems(rulebook: Rulebook, start: _dt.date,
                            end: _dt.date | None) -> Iterator[Problem]:
    """Campaigns whose days fall outside the version's effective range."""
    for campaign in rulebook.campaigns:
        if campaign.start < start or (end is not None and campaign.end > end):
            yield Problem("error", "campaign_outside_range", f"campaign {campaign.code!r} runs "
                          f"{campaign.start} to {campaign.end}, outside the version's "
                          f"effective range from {start}"
                          + (f" until {end}" if end is not None else ""), campaign.code)
