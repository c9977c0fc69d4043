"""Command families of the model machine's rules, and focusing a machine on some of them.

A focused machine (``families = ("store", "postings")`` on a subclass) keeps only the rules of
the named families, and the rules its own class body defines: every other rule is hidden by a
plain method of the same name, so hypothesis never draws it. A rule missing from
`RULE_FAMILIES` belongs to no family and is therefore off in every focused machine until
it is given one (``tests/test_model_machine.py`` checks that every rule of the full machine has
one). A focused machine expects to see succeed only the commands of its families
(`FAMILY_COMMANDS`)."""

from __future__ import annotations

import inspect
from typing import Any

RULE_FAMILIES: dict[str, str] = {
    **dict.fromkeys(("hours_pass", "days_pass", "clock_to_an_edge"), "clock"),
    **dict.fromkeys(("post", "fill_a_cap", "reverse", "repeat_a_key", "batch", "close_period",
                     "due_job", "to_the_next_expiry"), "postings"),
    "adopt_next_version": "rulebook",
    **dict.fromkeys(("register", "add_region", "move_household", "close_account",
                     "registry_change"), "registry"),
    **dict.fromkeys(("receive_stock", "adjust_stock", "spend", "shop", "elder_meal",
                     "hold_the_last_unit", "end_a_reservation", "transfer"), "store"),
    "donations": "donations",
    **dict.fromkeys(("distribute", "distribute_wrongly"), "benefits"),
    **dict.fromkeys(("submit_claim", "claim_step", "post_a_claim"), "claims"),
    **dict.fromkeys(("submit_wish", "wish_step", "a_second_claim_on_a_wish"), "wishes"),
    **dict.fromkeys(("place_order", "order_step"), "orders"),
    **dict.fromkeys(("submit_time", "deposit_step", "spend_time", "donate_time",
                     "convert_time"), "timebank"),
    **dict.fromkeys(("advance_a_case", "a_case_from_start_to_end", "to_a_deadline",
                     "flow_due_job"), "flows"),
    **dict.fromkeys(("open_matter", "a_matter_step"), "matters"),
    "reopen": "storage",
}
"""The family of each rule of the model machines (by the rule's method name)."""

FAMILY_COMMANDS: dict[str, tuple[str, ...]] = {
    "clock": (),
    "postings": ("award", "deduct", "reverse", "close_period", "expire_due", "run_due"),
    "rulebook": ("adopt",),
    "registry": ("add_region", "register_household", "register_member", "move_household",
                 "close_account", "move_member", "split_household", "merge_households",
                 "member_leaves", "member_returns"),
    "store": ("receive_stock", "adjust_stock", "redeem", "reserve", "hand_over",
              "cancel_reservation", "time_out_due", "transfer"),
    "donations": ("price_donated_goods",),
    "benefits": ("distribute",),
    "claims": ("submit_claim", "step", "post_due"),
    "wishes": ("submit_wish", "step", "lapse_due"),
    "orders": ("place_order", "step", "time_out_due"),
    "timebank": ("submit_time", "step", "spend_time", "donate_time", "convert_time"),
    "flows": (),
    "matters": ("open_matter", "step", "overdue_due"),
    "storage": (),
}
"""The commands and due jobs the rules of each family are there to make succeed (a family's
rules call others too, e.g. awards to pay with, which other families own)."""

FAMILIES = tuple(FAMILY_COMMANDS)
"""Every family name."""


def _off(self: Any, *args: Any, **kwargs: Any) -> None:
    """A rule switched off: a plain method, which hypothesis does not collect."""
    return None


def focus(machine: type, families: tuple[str, ...]) -> None:
    """Switch off every rule of ``machine`` that its own class body does not define and whose
    family is not one of ``families``.

    Raises:
        ValueError: a name in ``families`` is no family (the message names it and the
            families there are).
    """
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ValueError(f"{machine.__name__}.families: unknown families {unknown}; "
                         f"known: {', '.join(FAMILIES)}")
    for name, value in inspect.getmembers(machine):
        if getattr(value, "hypothesis_stateful_rule", None) is None or name in vars(machine):
            continue
        if RULE_FAMILIES.get(name) not in families:
            setattr(machine, name, _off)


def family_commands(families: tuple[str, ...]) -> set[str]:
    """The commands of ``families``."""
    return {name for family in families for name in FAMILY_COMMANDS[family]}
