"""The public LedgerMachine as an app uses it: subclassed with another rulebook (the test
village's: capped items of every kind, a category cap, an item needing evidence, a store with
limits and rolling expiry), in memory and on a real SQLite file."""

from __future__ import annotations

import attrs
from hypothesis import settings

from pointsledger import ExpiryPolicy, Limit, Reward, StorePolicy
from pointsledger.testing import LedgerMachine, SQLiteLedgerMachine

from .helpers import budget, rulebook

# the test village's rulebook with a store (limits, thresholds) and rolling expiry
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
TestLedgerInMemory.settings = settings(max_examples=budget(30), stateful_step_count=40,
                                       deadline=None)
TestLedgerOnSQLite = VillageRulesOnSQLite.TestCase
TestLedgerOnSQLite.settings = settings(max_examples=budget(10), stateful_step_count=30,
                                       deadline=None)


def test_the_public_machine_is_the_model_machine() -> None:
    """LedgerMachine runs the model machine's rules (a mixin added to ModelMachine reaches
    it), and its SQLite kind reopens the file."""
    from pointsledger.testing._model_machine import ModelMachine, SQLiteModelMachine

    assert issubclass(LedgerMachine, ModelMachine)
    assert issubclass(SQLiteLedgerMachine, LedgerMachine)
    assert issubclass(SQLiteLedgerMachine, SQLiteModelMachine)
    assert hasattr(SQLiteLedgerMachine, "reopen") and hasattr(LedgerMachine, "batch")
