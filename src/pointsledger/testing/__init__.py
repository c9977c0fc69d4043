"""pointsledger.testing: tools for testing rulebooks and apps built on pointsledger.

Hypothesis strategies for the core types (`checklist_items()`, `rewards()`, the
policies, `matters()` and `procedure_steps()`, `rulebooks()`, `actors()`,
`villages()`, and `commands()` and `command_sequences()` of every command
family), a state machine to subclass with your own rulebook (`LedgerMachine`), and
`check_invariants()`, which reports what does not hold in a ledger instead of raising.
Needs the ``testing`` extra (``pip install "pointsledger[testing]"``, which brings
hypothesis); importing `pointsledger` itself never imports hypothesis.
"""

# The names are imported from their modules on first use (PEP 562): hypothesis's entry-point
# hook lives in this package (pointsledger.testing._hypothesis_hook) and runs on every
# ``import hypothesis``, and it must load nothing of the ledger. Type checkers, IDEs and the API
# reference read the imports below instead; tests/test_packaging.py checks that the imports,
# _SOURCES and __all__ agree.

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pointsledger.testing._command import Ago, Command, DaysAgo, NextStep, Palette, Ref
    from pointsledger.testing._commands import command_sequences, commands, run_commands
    from pointsledger.testing._coverage import Coverage, NeverSucceeded
    from pointsledger.testing._invariants import check_invariants
    from pointsledger.testing._machine import LedgerMachine, SQLiteLedgerMachine, default_village
    from pointsledger.testing._rule_strategies import (
        caps,
        checklist_items,
        claim_policies,
        expiry_policies,
        matters,
        price_rules,
        procedure_steps,
        rewards,
        rulebooks,
        service_policies,
        store_policies,
        timebank_policies,
        wish_policies,
    )
    from pointsledger.testing._strategies import Village, actors, villages

__all__ = [
    "Ago",
    "Command",
    "Coverage",
    "DaysAgo",
    "LedgerMachine",
    "NeverSucceeded",
    "NextStep",
    "Palette",
    "Ref",
    "SQLiteLedgerMachine",
    "Village",
    "actors",
    "caps",
    "check_invariants",
    "checklist_items",
    "claim_policies",
    "command_sequences",
    "commands",
    "default_village",
    "expiry_policies",
    "matters",
    "price_rules",
    "procedure_steps",
    "rewards",
    "rulebooks",
    "run_commands",
    "service_policies",
    "store_policies",
    "timebank_policies",
    "villages",
    "wish_policies",
]

_SOURCES: dict[str, tuple[str, ...]] = {
    "pointsledger.testing._command": ("Ago", "Command", "DaysAgo", "NextStep", "Palette", "Ref"),
    "pointsledger.testing._commands": ("command_sequences", "commands", "run_commands"),
    "pointsledger.testing._coverage": ("Coverage", "NeverSucceeded"),
    "pointsledger.testing._invariants": ("check_invariants",),
    "pointsledger.testing._machine": ("LedgerMachine", "SQLiteLedgerMachine", "default_village"),
    "pointsledger.testing._rule_strategies": (
        "caps", "checklist_items", "claim_policies", "expiry_policies", "matters",
        "price_rules", "procedure_steps", "rewards", "rulebooks", "service_policies",
        "store_policies", "timebank_policies", "wish_policies",
    ),
    "pointsledger.testing._strategies": ("Village", "actors", "villages"),
}
_MODULE_OF: dict[str, str] = {name: mod for mod, names in _SOURCES.items() for name in names}


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


# Hidden from type checkers: with a module __getattr__ in view, mypy would accept any name
# imported from pointsledger.testing, typos included.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        if name not in _MODULE_OF:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(_MODULE_OF[name]), name)
        globals()[name] = value
        return value
