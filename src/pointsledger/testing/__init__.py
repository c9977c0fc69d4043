"""pointsledger.testing: tools for testing rulebooks and apps built on pointsledger.

Hypothesis strategies for the core types (:func:`checklist_items`, :func:`rulebooks`,
:func:`actors`, :func:`villages`, :func:`commands`, :func:`command_sequences`), a state machine
to subclass with your own rulebook (:class:`LedgerMachine`), and :func:`check_invariants`, which
reports what does not hold in a ledger instead of raising. Needs the ``test`` extra
(hypothesis); importing :mod:`pointsledger` itself never imports hypothesis.
"""

from pointsledger.testing._invariants import check_invariants
from pointsledger.testing._machine import LedgerMachine, SQLiteLedgerMachine, default_village
from pointsledger.testing._strategies import (
    Command,
    Village,
    actors,
    caps,
    checklist_items,
    command_sequences,
    commands,
    rulebooks,
    run_commands,
    villages,
)

__all__ = [
    "Command",
    "LedgerMachine",
    "SQLiteLedgerMachine",
    "Village",
    "actors",
    "caps",
    "check_invariants",
    "checklist_items",
    "command_sequences",
    "commands",
    "default_village",
    "rulebooks",
    "run_commands",
    "villages",
]
