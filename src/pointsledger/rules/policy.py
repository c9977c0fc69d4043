"""The policy table: which roles may perform which ledger command.

A `Policy` grants each command it names to a set of roles; a command it leaves out falls
back to `DEFAULT_POLICY`. Invariant: a policy names only commands in `COMMANDS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from pointsledger.base.actors import ROLES
from pointsledger.base.checks import check_code
from pointsledger.errors import RulebookError, ValidationError
from pointsledger.rules.flows import FLOWS

COMMANDS: Final = (
    "adopt",
    "add_region",
    "register_household",
    "register_member",
    "move_household",
    "close_account",
    "move_member",
    "split_household",
    "merge_households",
    "member_leaves",
    "member_returns",
    "award",
    "deduct",
    "reverse",
    "close_period",
    "distribute",
    "receive_stock",
    "price_donated_goods",
    "adjust_stock",
    "redeem",
    "reserve",
    "hand_over",
    "cancel_reservation",
    "transfer",
    *(f"{flow.name}.{step}" for flow in FLOWS.values()
      for step in (flow.opening, *flow.steps)
      if step not in flow.system and step not in flow.governed),
    "spend_time",
    "donate_time",
    "convert_time",
)
"""The ledger commands a policy grants to roles: a workflow step is ``<flow>.<step>``, e.g.
``claim.approve``. The steps of a matter after its opening, but for ``matter.query``, are
authorised by the matter's own roles (its procedure steps' and its responsible role)."""


def _grants(value: object) -> tuple[tuple[str, frozenset[str]], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    out: dict[str, frozenset[str]] = {}
    for command, roles in items:  # type: ignore[attr-defined]
        if command not in COMMANDS:
            raise RulebookError(
                f"policy names unknown command {command!r}; commands: {', '.join(COMMANDS)}",
                command=command,
            )
        if not isinstance(roles, str | Iterable) or isinstance(roles, Mapping):
            raise RulebookError(f"policy for {command!r}: roles must be role names, got "
                                f"{roles!r}", command=command)
        found = frozenset({roles} if isinstance(roles, str) else roles)
        for role in found:
            try:
                check_code(role, "role")
            except ValidationError as exc:
                raise RulebookError(f"policy for {command!r}: {exc.message}",
                                    **exc.fields) from None
        out[command] = found
    return tuple(sorted(out.items()))


@attrs.frozen
class Policy:
    """The policy table: which roles may perform which command.

    A command missing from the table falls back to `DEFAULT_POLICY`.
    """

    grants: tuple[tuple[str, frozenset[str]], ...] = attrs.field(converter=_grants, default=())
    _table: dict[str, frozenset[str]] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_table", dict(self.grants))

    def roles_for(self, command: str) -> frozenset[str]:
        """The roles that may perform ``command``."""
        roles = self._table.get(command)
        if roles is None:
            return _DEFAULT_GRANTS.get(command, frozenset())
        return roles


def _steps(flow: str, steps: tuple[str, ...], roles: Iterable[str]
           ) -> dict[str, frozenset[str]]:
    return {f"{flow}.{step}": frozenset(roles) for step in steps}


_DEFAULT_GRANTS: Final[dict[str, frozenset[str]]] = {
    "adopt": frozenset({"committee"}),
    "add_region": frozenset({"committee"}),
    "register_household": frozenset({"committee", "grid_worker"}),
    "register_member": frozenset({"committee", "grid_worker"}),
    "move_household": frozenset({"committee"}),
    "close_account": frozenset({"committee"}),
    "move_member": frozenset({"committee"}),
    "split_household": frozenset({"committee"}),
    "merge_households": frozenset({"committee"}),
    "member_leaves": frozenset({"committee"}),
    "member_returns": frozenset({"committee"}),
    "award": frozenset({"committee", "grid_worker"}),
    "deduct": frozenset({"committee", "grid_worker"}),
    "reverse": frozenset({"committee"}),
    "close_period": frozenset({"committee"}),
    "distribute": frozenset({"committee"}),
    "receive_stock": frozenset({"committee", "store_keeper"}),
    "price_donated_goods": frozenset({"committee"}),
    "adjust_stock": frozenset({"committee", "store_keeper"}),
    "redeem": frozenset({"committee", "store_keeper"}),
    "reserve": frozenset({"committee", "store_keeper", "resident"}),
    "hand_over": frozenset({"committee", "store_keeper"}),
    "cancel_reservation": frozenset({"committee", "store_keeper", "resident"}),
    "transfer": frozenset({"committee", "resident"}),
    **_steps("claim", ("submit", "withdraw"), {"resident", "grid_worker", "committee"}),
    **_steps("claim", ("check", "reject"), {"grid_worker", "committee"}),
    **_steps("claim", ("approve", "dismiss", "uphold", "dismiss_appeal", "uphold_appeal"),
             {"committee"}),
    **_steps("claim", ("object", "appeal"), ROLES),
    **_steps("wish", ("submit", "withdraw", "confirm"), {"resident", "grid_worker", "committee"}),
    **_steps("wish", ("list", "reject", "take_down", "restore", "revoke", "close"),
             {"grid_worker", "committee"}),
    **_steps("wish", ("claim", "release", "fulfil"), {"party_member", "volunteer", "unit_rep"}),
    **_steps("order", ("place", "cancel", "rate"), {"resident", "grid_worker", "committee"}),
    **_steps("order", ("reject", "dispatch", "open", "close"), {"grid_worker", "committee"}),
    **_steps("order", ("accept", "decline", "start", "finish"), {"volunteer", "party_member"}),
    **_steps("deposit", ("submit",), {"volunteer", "party_member", "grid_worker", "committee"}),
    **_steps("deposit", ("approve", "reject"), {"grid_worker", "committee"}),
    "matter.open": frozenset({"resident", "grid_worker", "committee", "party_branch"}),
    "matter.query": frozenset({"supervision_committee", "auditor"}),
    "spend_time": frozenset({"committee", "grid_worker", "resident"}),
    "donate_time": frozenset({"committee", "grid_worker", "resident"}),
    "convert_time": frozenset({"committee", "resident"}),
}

DEFAULT_POLICY: Final = Policy(_DEFAULT_GRANTS)
"""村两委 (committee) governs rules, regions, reversals and period closing; 网格员 (grid workers)
and the committee score and register; 超市管理员 (store keepers) and the committee run the points
store, and the committee prices donated goods the catalogue lacks; residents (居民) reserve,
cancel and transfer for their own household. In the workflows, residents submit claims, wishes
and orders for their own household; grid workers check claims and screen wishes; the committee
approves claims and decides objections and appeals; any registered member may object or
appeal; party members, volunteers and units' representatives (unit_rep) claim wishes;
volunteers and party members take orders. Residents open matters for their own household,
grid workers, the committee and the party branch for anyone (or the whole village); the
村务监督委员会 (supervision_committee) and auditors raise queries on matters."""
