"""The machine that checks the ledger against the independent model."""

from __future__ import annotations
