"""The machine that checks the ledger against the independent model.

Every rule draws a command (valid, or deliberately invalid: wrong role, own household,
unknown ids, naive, future or too-old times, over caps, stock or limits, repeated and
conflicting keys) and runs it through `ModelMachine.both()`: on the model, which predicts
success or the errors it must be refused with, and on the ledger. A refusal the model did not
predict, another error, or a success the model refused fails the run; so does any difference
between the ledger's result and the model's expectation. After every step the balances, the
stock, the event count and `check_invariants()` are compared.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, ClassVar

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from pointsledger.base.clock import ManualClock
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._families import family_commands, focus
from pointsledger.testing._flow_rules import FlowRules
from pointsledger.testing._ledger_rules import (
    CORE_COMMANDS,
    FLOW_COMMANDS,
    MATTER_COMMANDS,
    LedgerRules,
    ledger_snapshot,
)
from pointsledger.testing._model import CoreModel
from pointsledger.testing._model_benefits import BENEFIT_COMMANDS, BenefitRules
from pointsledger.testing._model_donations import DONATION_COMMANDS, DonationRules
from pointsledger.testing._model_matters import MatterRules
from pointsledger.testing._model_registry import REGISTRY_COMMANDS, RegistryRules
from pointsledger.testing._model_village import default_model_rulebook
from pointsledger.testing._store_rules import StoreRules
from pointsledger.testing._strategies import Village


class CoreRules(StoreRules, LedgerRules):
    """The harness and the rules of the core commands (a mixin of the machines)."""


ALL_COMMANDS = (CORE_COMMANDS + FLOW_COMMANDS + REGISTRY_COMMANDS + DONATION_COMMANDS
                + BENEFIT_COMMANDS + MATTER_COMMANDS)
"""Every public command and due job, as the machine's rules call them."""

STORE_COMMANDS = ("receive_stock", "adjust_stock", "redeem", "reserve", "hand_over",
                  "cancel_reservation", "time_out_due")
"""What needs rewards in the rulebook to succeed."""


class ModelMachine(RegistryRules, DonationRules, BenefitRules, MatterRules, FlowRules,
                   CoreRules, RuleBasedStateMachine):
    """The ledger against the independent model (`Model`);
    `LedgerMachine` is its public face.

    Subclasses may set ``rulebook`` and ``village`` (a `Village`; its rulebook is
    replaced by ``rulebook`` when both are set), and ``families`` to focus on some command
    families (`_families`)."""

    families: ClassVar[tuple[str, ...] | None] = None
    """The command families whose rules a focused subclass keeps (None: every rule)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("families") is not None:
            focus(cls, tuple(cls.__dict__["families"]))

    @classmethod
    def machine_rulebook(cls) -> Rulebook:
        """The rulebook the machine builds its village on."""
        if cls.rulebook is not None:
            return cls.rulebook
        return cls.village.rulebook if cls.village is not None else default_model_rulebook()

    @classmethod
    def expected_successes(cls) -> tuple[str, ...]:
        """Every public command and due job the rulebook lets succeed: not the store's
        without rewards, ``deduct`` without deduction items, ``expire_due`` when points never
        expire, ``place_order`` without a service menu, ``convert_time`` without a time-bank
        item; a focused machine (``families``) expects only its families' commands. Override
        it to expect fewer (or more) in your own machine."""
        rules = cls.machine_rulebook()
        off = set()
        if not rules.rewards:
            off |= set(STORE_COMMANDS)
        if not any(item.points < 0 for item in rules.items):
            off.add("deduct")
        if rules.expiry.kind == "never":
            off.add("expire_due")
        if not rules.services.services:
            off.add("place_order")
        if rules.timebank.item is None:
            off.add("convert_time")
        kept = (family_commands(cls.families) if cls.families is not None
                else set(ALL_COMMANDS))
        return tuple(name for name in ALL_COMMANDS if name not in off and name in kept)


class CoreModelMachine(CoreRules, RuleBasedStateMachine):
    """The core rules alone, against the core model (no workflows)."""

    model_class = CoreModel


class SQLiteModelMachine(ModelMachine):
    """The same on a real SQLite file, which is also snapshotted, closed and reopened
    (which must change nothing)."""

    def build(self, plan: Village) -> tuple[Ledger, ManualClock]:
        self.directory = tempfile.mkdtemp(prefix="pointsledger-model-")
        self.path = os.path.join(self.directory, "ledger.db")
        return plan.build(self.path)

    def teardown(self) -> None:
        super().teardown()
        if hasattr(self, "ledger"):
            self.ledger.close()
        if hasattr(self, "directory"):
            shutil.rmtree(self.directory, ignore_errors=True)

    @rule(snapshot=st.booleans())
    def reopen(self, snapshot: bool) -> None:
        before = ledger_snapshot(self.ledger)
        if snapshot:
            self.ledger.snapshot()
        self.ledger.close()
        self.ledger = Ledger.open(self.path, clock=self.clock, tz=self.plan.tz,
                                  backdate_days=self.backdate_days)
        assert ledger_snapshot(self.ledger) == before, "reopening changed the ledger"
        note(f"reopened (snapshot={snapshot})")
