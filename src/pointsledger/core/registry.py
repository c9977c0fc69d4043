"""Who: the region tree, households and members.

Regions form a tree: county > town > village or community > grid > micro-grid. The shape is
fixed (`REGION_PARENTS`): a town sits under a county, a village or community under a
town, a grid under a village or community, a micro-grid under a grid. A top region (no parent)
may be of any kind: a village-level ledger starts at its village. Households belong to a grid
or a micro-grid; members belong to a household. Households and
members are the accounts that hold points; their ids share one namespace. Records here are
immutable; the ledger state replaces them when a registry event is applied.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

import attrs

from pointsledger.base.jsonforms import JsonForm

REGION_LEVELS: Final[dict[str, int]] = {
    "county": 0,
    "town": 1,
    "village": 2,
    "community": 2,
    "grid": 3,
    "micro_grid": 4,
}
"""Region kinds and their depth: 县, 镇(街道), 村/社区, 网格, 微网格."""

REGION_PARENTS: Final[dict[str, tuple[str, ...]]] = {
    "county": (),
    "town": ("county",),
    "village": ("town",),
    "community": ("town",),
    "grid": ("village", "community"),
    "micro_grid": ("grid",),
}
"""For each region kind, the kinds of region it may sit directly under (a county is always a
top region)."""

HOUSEHOLD_REGIONS: Final = ("grid", "micro_grid")
"""The region kinds a household is registered in."""


@attrs.frozen
class Region(JsonForm):
    """A node of the region tree (县/镇/村(社区)/网格/微网格)."""

    code: str
    name: str
    kind: str
    parent: str | None


@attrs.frozen
class Household(JsonForm):
    """A household (户): an account in one grid or micro-grid, with a head of household's name."""

    id: str
    grid: str
    head: str
    closed: bool = False


@attrs.frozen
class Member(JsonForm):
    """A household member (成员): an account of its own, with roles and an optional birth date."""

    id: str
    household: str
    name: str
    roles: frozenset[str] = frozenset()
    birth_date: _dt.date | None = None
    closed: bool = False


def may_parent(parent_kind: str, child_kind: str) -> bool:
    """Whether a ``child_kind`` region may sit directly under a ``parent_kind`` region
    (`REGION_PARENTS`)."""
    return parent_kind in REGION_PARENTS[child_kind]
