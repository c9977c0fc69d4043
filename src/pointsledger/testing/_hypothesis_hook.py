"""Registered as a ``hypothesis`` entry point: when hypothesis is imported, ``st.from_type``
learns pointsledger's core types (``Cap``, ``ChecklistItem``, ``Rulebook``, ``Actor``).
pointsledger itself never imports hypothesis.

The hook runs on every ``import hypothesis`` in every process where pointsledger is installed,
so it imports only the light rule and actor types and registers deferred strategies: the
strategies module, which imports the ledger, loads when one of them is first drawn from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

    from pointsledger.base.actors import Actor
    from pointsledger.rules.checklist import Cap, ChecklistItem
    from pointsledger.rules.rulebook import Rulebook


def _caps() -> SearchStrategy[Cap]:
    from pointsledger.testing._rule_strategies import caps

    return caps()


def _checklist_items() -> SearchStrategy[ChecklistItem]:
    from pointsledger.testing._rule_strategies import checklist_items

    return checklist_items()


def _rulebooks() -> SearchStrategy[Rulebook]:
    from pointsledger.testing._rule_strategies import rulebooks

    return rulebooks()


def _actors() -> SearchStrategy[Actor]:
    from pointsledger.testing._strategies import actors

    return actors()


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from pointsledger.base.actors import Actor
    from pointsledger.rules.checklist import Cap, ChecklistItem
    from pointsledger.rules.rulebook import Rulebook

    st.register_type_strategy(Cap, st.deferred(_caps))
    st.register_type_strategy(ChecklistItem, st.deferred(_checklist_items))
    st.register_type_strategy(Rulebook, st.deferred(_rulebooks))
    st.register_type_strategy(Actor, st.deferred(_actors))
