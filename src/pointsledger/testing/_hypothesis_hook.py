"""Registered as a ``hypothesis`` entry point: when hypothesis is imported, ``st.from_type``
learns pointsledger's core types. pointsledger itself never imports hypothesis."""

from __future__ import annotations


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from pointsledger.base.actors import Actor
    from pointsledger.rules.checklist import Cap, ChecklistItem
    from pointsledger.rules.rulebook import Rulebook
    from pointsledger.testing._strategies import actors, caps, checklist_items, rulebooks

    st.register_type_strategy(Cap, caps())
    st.register_type_strategy(ChecklistItem, checklist_items())
    st.register_type_strategy(Rulebook, rulebooks())
    st.register_type_strategy(Actor, actors())
