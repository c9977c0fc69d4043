"""The independent model of the workflows: claims, wishes, service orders and the time bank."""

from __future__ import annotations


class FlowModel:
    """The model of the workflows, written from the documentation alone (a mixin of Model)."""
