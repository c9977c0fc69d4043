"""The project's own state machine runs are the public kit's LedgerMachine on the test village's
rulebook (capped items of every kind, a category cap, an item needing evidence), in memory and
on a real SQLite file."""

from __future__ import annotations

from hypothesis import settings

from pointsledger.testing import LedgerMachine, SQLiteLedgerMachine

from .helpers import rulebook


class VillageRules(LedgerMachine):
    """The machine in memory."""

    rulebook = rulebook()


class VillageRulesOnSQLite(SQLiteLedgerMachine):
    """The machine on a SQLite file, closing and reopening it too."""

    rulebook = rulebook()


TestLedgerInMemory = VillageRules.TestCase
TestLedgerInMemory.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestLedgerOnSQLite = VillageRulesOnSQLite.TestCase
TestLedgerOnSQLite.settings = settings(max_examples=20, stateful_step_count=30, deadline=None)
