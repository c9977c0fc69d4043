"""Actors and roles.

An `Actor` is whoever the calling app says is acting: the app authenticates, the ledger
authorises. Authorisation checks the actor's roles against the policy table of the rulebook in
force; when the actor's id is a registered member, the ledger also knows the actor's household and
applies separation of duties (nobody scores, reviews or reverses for their own household).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from pointsledger.base.checks import check_id, refused
from pointsledger.base.jsonforms import JsonForm

RESIDENT: Final = "resident"
GRID_WORKER: Final = "grid_worker"
COMMITTEE: Final = "committee"
PARTY_MEMBER: Final = "party_member"
VOLUNTEER: Final = "volunteer"
STORE_KEEPER: Final = "store_keeper"
AUDITOR: Final = "auditor"
UNIT_REP: Final = "unit_rep"
PARTY_BRANCH: Final = "party_branch"
PARTY_MEMBERS_MEETING: Final = "party_members_meeting"
VILLAGER_REPRESENTATIVES: Final = "villager_representatives"
SUPERVISION_COMMITTEE: Final = "supervision_committee"

ROLES: Final = frozenset(
    {RESIDENT, GRID_WORKER, COMMITTEE, PARTY_MEMBER, VOLUNTEER, STORE_KEEPER, AUDITOR, UNIT_REP,
     PARTY_BRANCH, PARTY_MEMBERS_MEETING, VILLAGER_REPRESENTATIVES, SUPERVISION_COMMITTEE}
)
"""The roles the library knows (居民, 网格员, 村两委, 党员, 志愿者, 超市管理员, 审计,
单位代表, and for the matter lists of 清单制 党支部, 党员大会, 村民代表会议 and 村务监督委员会:
whoever records a step of a body's meeting holds the body's role). Apps may add their own role
names and grant them commands in a rulebook policy."""


def to_roles(value: object) -> frozenset[str]:
    """A set of role names from one name or an iterable of names.

    Raises:
        ValidationError: not a name or names, or a name that is not an identifier.
    """
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable) or isinstance(value, bytes | Mapping):
        raise refused("roles", "must be a set of role names", value)
    return frozenset(check_id(role, "role") for role in value)


def _actor_id(value: object) -> str:
    """An actor's id, normalised like every identifier (see `check_id()`)."""
    return check_id(value, "actor id")


@attrs.frozen
class Actor(JsonForm):
    """Whoever performs a command.

    Attributes:
        id: the app's identifier for the person (a member id when they are a registered
            resident), normalised like every id. Ids starting with ``@`` are the ledger's own
            (`SYSTEM`): such an actor may not be passed to a command.
        roles: role names, e.g. ``{"grid_worker"}``.
    """

    id: str = attrs.field(converter=_actor_id)
    roles: frozenset[str] = attrs.field(converter=to_roles, factory=frozenset)


SYSTEM: Final = Actor("@system")
"""The ledger itself, which writes the genesis event."""
