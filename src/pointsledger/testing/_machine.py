"""LedgerMachine: the hypothesis state machine an app subclasses with its own rulebook. It
drives every public command and due job of a ledger built on that rulebook and checks each
result against an independent model of the ledger (``_model*.py``), and
every invariant after every step."""

from __future__ import annotations

from pointsledger.testing._model_machine import ModelMachine, SQLiteModelMachine
from pointsledger.testing._model_village import default_model_village

default_village = default_model_village


class LedgerMachine(ModelMachine):
    """Random command sequences, valid and invalid, against an independent model of the ledger.

    Subclass it with your rulebook (and optionally your village plan) and run its ``TestCase``::

        class MyRules(LedgerMachine):
            rulebook = my_rulebook

        TestMyRules = MyRules.TestCase

    Its rules call every public command of `Ledger` and every due job:
    the registry, awards and deductions (at the edges of now, the backdating window and closed
    periods, past caps), reversals, rulebook versions, period closing, the points store (stock
    at its last free units, reservations, hand-overs, prices by age band, limits), transfers,
    claims, wishes, service orders and the time bank with their deadlines, repeated and
    conflicting keys, and batches that commit or fail. The model predicts each command's result
    or the errors it must be refused with, computed from the documentation: an unpredicted
    refusal, another error or a different result fails the run. After every step it checks
    balances, stock, cases, time credits and the event count against the model, and the
    invariants of `check_invariants()` (incrementally, for the
    events the step wrote; in full at the end of each run).

    Class attributes: ``rulebook`` (your rulebook; the machine's default has every kind of
    rule), ``village`` (a `Village`; by default
    `default_village()` with your rulebook), ``families`` (a
    tuple of command family names, e.g. ``("clock", "postings", "store")``: keep only those
    families' rules and the subclass's own, and expect only their commands to succeed; see
    docs/testing.md for the families). Override `expected_successes()` to name the
    commands your runs must see succeed (see `NeverSucceeded`).
    """


class SQLiteLedgerMachine(SQLiteModelMachine, LedgerMachine):
    """`LedgerMachine` on a real SQLite file, which it also snapshots, closes and
    reopens (which must change nothing)."""
