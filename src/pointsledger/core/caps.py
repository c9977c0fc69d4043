"""Cap counters: how the caps on an award become counters of what an account earned.

A counter key is one integer packing the account's index (bits 51 and up), the cap's scope
(item or category, by its index in ``scope_index``) and period kind (bits 32 to 50), and the
period's index (the low 32 bits), so counting an award is one dict update per cap. A plan lists
an item's own caps, then its category's; it never changes for an adopted version, so the state
builds it once.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from pointsledger.rules.checklist import Cap
from pointsledger.rules.rulebook import Rulebook

PERIOD_CODES: Final = {"day": 0, "week": 1, "month": 2, "quarter": 3, "year": 4}
"""The number of each period kind, in counter keys."""

CapPlan = tuple[int, int, int, Cap, str, str]
"""A cap on an item, as counters need it: ``(scope and period kind, shifted into place in a
counter key; period kind number; max points; the cap; scope; name)``."""


class CapWindow(NamedTuple):
    """One cap counter an award counts against: ``key`` into ``cap_used``, the cap, and what it
    limits (``scope`` "item" or "category", ``name``, the period index ``period``)."""

    key: int
    cap: Cap
    scope: str
    name: str
    period: int


def cap_plan(rulebook: Rulebook, code: str, scope_index: dict[str, int]) -> tuple[CapPlan, ...]:
    """The caps on item ``code`` of ``rulebook``: its own caps, then its category's.

    ``scope_index`` numbers every item (``"i:<code>"``) and category (``"c:<name>"``) of the
    adopted rulebooks.
    """
    item = rulebook.item(code)
    plan = []
    for caps, scope, name in (
        (item.caps, "item", item.code),
        (rulebook.caps_for_category(item.category), "category", item.category),
    ):
        for cap in caps:
            per = PERIOD_CODES[cap.per]
            shifted = (scope_index[scope[0] + ":" + name] << 3 | per) << 32
            plan.append((shifted, per, cap.max_points, cap, scope, name))
    return tuple(plan)
