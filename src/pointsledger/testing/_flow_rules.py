"""The machine's rules for the workflows (a mixin of ModelMachine)."""

from __future__ import annotations


class FlowRules:
    """Hypothesis rules for claims, wishes, service orders and the time bank."""
