"""Ratings (星级文明户, 评优, 积分贷): a neutral record per household and period.

:func:`rate` folds the log for one rating period: what each household (with its members)
earned and had deducted for conduct in the period, how many violations and how many serious
ones, its score (the store's base points plus earned minus deducted) and its star tier under
the rulebook's :class:`~pointsledger.rules.catalogue.RatingPolicy`. Spending never changes a rating;
reversed entries do not count. No lending or other rules are built in: apps take the record.
"""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict

import attrs

from pointsledger.base.clock import from_us, to_us
from pointsledger.base.jsonforms import JsonForm
from pointsledger.base.periods import period_bounds, period_index, period_label
from pointsledger.core.events import ItemPosting, Reversed
from pointsledger.errors import NoRulebookInForce
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports._scan import consistent


@attrs.frozen
class Rating(JsonForm):
    """One household's record for one rating period."""

    household: str
    period: str
    earned: int
    deducted: int
    violations: int
    serious: int
    score: int
    stars: int


@consistent
def rate(ledger: Ledger, day: _dt.date, *, per: str | None = None) -> list[Rating]:
    """Rate every household for the period holding the local date ``day``.

    Args:
        ledger: the ledger.
        day: any day of the period.
        per: the period kind (default: the rulebook's rating period).

    Returns:
        One :class:`Rating` per registered household, sorted by household id.

    Raises:
        NoRulebookInForce: no rulebook governs the end of the period.
    """
    adoptions = ledger.adoptions()
    if not adoptions:
        raise NoRulebookInForce("no rulebook has been adopted")
    kind = per or adoptions[-1].rulebook.ratings.per
    index = period_index(kind, day)
    start, end = (to_us(t, "bound") for t in period_bounds(kind, index, ledger.tz))
    try:
        in_force = ledger.rulebook(from_us(end - 1, ledger.tz))
    except NoRulebookInForce:
        in_force = adoptions[-1].rulebook
    base = in_force.store.base_points
    by_version = {a.version: a.rulebook for a in adoptions}
    household_of = ledger.household_of
    earned: dict[str, int] = defaultdict(int)
    deducted: dict[str, int] = defaultdict(int)
    violations: dict[str, int] = defaultdict(int)
    serious: dict[str, int] = defaultdict(int)
    for event in ledger.events():
        if isinstance(event, ItemPosting):
            when, points, sign = event.occurred_us, event.points, 1
            item, version, account = event.item, event.version, event.account
        elif isinstance(event, Reversed) and event.original_kind in ("awarded", "deducted"):
            when, points, sign = event.original_occurred_us, event.points, -1
            item, version, account = event.item, event.original_version, event.account
        else:
            continue
        if not start <= when < end:
            continue
        household = household_of(account) or account
        if points > 0:
            earned[household] += sign * points
        else:
            deducted[household] += sign * -points
            violations[household] += sign
            if by_version[version].item(item).serious:
                serious[household] += sign
    label = period_label(kind, index)
    ratings = []
    for household in sorted(ledger.households()):
        score = base + earned[household] - deducted[household]
        ratings.append(Rating(household, label, earned[household], deducted[household],
                              violations[household], serious[household], score,
                              in_force.ratings.stars(score, serious[household])))
    return ratings
