"""Who: the region tree, households and members.

Regions form a tree: county > town > village or community > grid, with micro-grids as grids
under a grid. A region may sit under any region of a higher level (a village-level ledger may
start at the village). Households belong to a grid; members belong to a household. Households and
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
}
"""Region kinds and their depth: 县, 镇(街道), 村/社区, 网格 (a grid under a grid is a 微网格)."""


@attrs.frozen
class Region(JsonForm):
    """A node of the region tree (县/镇/村(社区)/网格/微网格)."""

    code: str
    name: str
    kind: str
    parent: str | None


@attrs.frozen
class Household(JsonForm):
    """A household (户): an account in one grid, with a head of household's name."""

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
    """Whether a ``child_kind`` region may sit directly under a ``parent_kind`` region."""
    if child_kind == "grid" and parent_kind == "grid":
        return True
    return REGION_LEVELS[parent_kind] < REGION_LEVELS[child_kind]
