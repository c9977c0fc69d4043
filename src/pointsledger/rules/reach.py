"""How much one account can earn: upper bounds from the caps, for `Rulebook.check`.

A cap limits what one account earns from an item (or a whole category) per calendar period.
Over a longer span (a year, a rating period, the life of a lot under rolling expiry) an account
earns at most each cap times the number of that cap's periods the span can touch. The bounds
here never underestimate: a check that finds a score, a price or a deduction beyond them has
found something no account can reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final

from pointsledger.rules.checklist import Cap, ChecklistItem

Span = Mapping[str, int]
"""How many periods of each kind (day, week, month, quarter, year) a span can touch."""

SPANS: Final[dict[str, dict[str, int]]] = {
    "day": {"day": 1, "week": 1, "month": 1, "quarter": 1, "year": 1},
    "week": {"day": 7, "week": 1, "month": 2, "quarter": 2, "year": 2},
    "month": {"day": 31, "week": 6, "month": 1, "quarter": 1, "year": 1},
    "quarter": {"day": 92, "week": 14, "month": 3, "quarter": 1, "year": 1},
    "year": {"day": 366, "week": 54, "month": 12, "quarter": 4, "year": 1},
}
"""The periods one calendar period touches: a leap year starting on a Sunday touches 54 ISO
weeks (a day, 52 whole weeks, a day)."""


def days_span(days: int) -> dict[str, int]:
    """The periods ``days`` consecutive days (and the day the span starts in) can touch."""
    return {"day": days + 1, "week": days // 7 + 2, "month": days // 28 + 2,
            "quarter": days // 89 + 2, "year": days // 365 + 2}


def most_earned(items: Iterable[ChecklistItem],
                category_caps: Callable[[str], tuple[Cap, ...]], span: Span) -> int | None:
    """The most one account can earn from ``items`` within ``span``, given the items' caps and
    their categories' (``category_caps(category)``).

    Returns:
        The bound, 0 without award items, or None when some award item is limited by no cap.
    """
    by_category: dict[str, int | None] = {}
    for item in items:
        if item.points <= 0:
            continue
        own = min((c.max_points * span[c.per] for c in item.caps), default=None)
        before = by_category.get(item.category, 0)
        by_category[item.category] = None if own is None or before is None else before + own
    total = 0
    for category, earned in by_category.items():
        limit = min((c.max_points * span[c.per] for c in category_caps(category)), default=None)
        if earned is None and limit is None:
            return None
        total += min(v for v in (earned, limit) if v is not None)
    return total
