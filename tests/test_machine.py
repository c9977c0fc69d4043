"""The project's own state machine runs are the public kit's LedgerMachine on the test village's
rulebook (capped items of every kind, a category cap, an item needing evidence), in memory and
on a real SQLite file."""

from __future__ import annotations

import attrs
from hypothesis import settings

from pointsledger import ExpiryPolicy, Limit, Reward, StorePolicy
from pointsledger.testing import LedgerMachine, SQLiteLedgerMachine

from .helpers import budget, rulebook

# the test village's rulebook with a store (limits, thresholds) and year-end expiry
STORE_RULES = attrs.evolve(
    rulebook("2026-store"),
    rewards=(Reward("SOAP", "肥皂", cost=2, limits=[Limit(3, "week")]),
             Reward("POWDER", "洗衣粉", cost=5, total_limit=5)),
    store=StorePolicy(base_points=0, min_score=None, reservation_days=2),
    expiry=ExpiryPolicy("rolling", days=30),
)


class VillageRules(LedgerMachine):
    """The machine in memory, with the store and expiring points."""

    rulebook = STORE_RULES


class VillageRulesOnSQLite(SQLiteLedgerMachine):
    """The machine on a SQLite file, closing and reopening it too."""

    rulebook = STORE_RULES


TestLedgerInMemory = VillageRules.TestCase
TestLedgerInMemory.settings = settings(max_examples=budget(60), stateful_step_count=40,
                                         deadline=None)
TestLedgerOnSQLite = VillageRulesOnSQLite.TestCase
TestLedgerOnSQLite.settings = settings(max_examples=budget(20), stateful_step_count=30,
                                         deadline=None)
