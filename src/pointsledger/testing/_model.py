"""The independent model of the ledger core (registry, postings, caps, lots and expiry, store)."""

from __future__ import annotations


class CoreModel:
    """The model of the ledger core, written from the documentation alone."""
