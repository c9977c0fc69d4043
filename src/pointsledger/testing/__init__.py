"""pointsledger.testing: tools for testing rulebooks and apps built on pointsledger.

Hypothesis strategies for the core types (:func:`checklist_items`, :func:`rulebooks`,
:func:`actors`, :func:`villages`, :func:`commands`, :func:`command_sequences`), a state machine
to subclass with your own rulebook (:class:`LedgerMachine`), and :func:`check_invariants`, which
reports what does not hold in a ledger instead of raising. Needs the ``testing`` extra
(``pip install "pointsledger[testing]"``, which brings hypothesis); importing
:mod:`pointsledger` itself never imports hypothesis.
"""

# The names are imported from their modules on first use (PEP 562): hypothesis's entry-point
# hook lives in this package (pointsledger.testing._hypothesis_hook) and runs on every
# ``import hypothesis``, and it must load nothing of the ledger. Type checkers, IDEs and the API
# reference read the imports below instead; tests/test_packaging.py checks that the imports,
# _SOURCES and __all__ agree.

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pointsledger.testing._coverage import Coverage, NeverSucceeded
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
    "Coverage",
    "LedgerMachine",
    "NeverSucceeded",
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

_SOURCES: dict[str, tuple[str, ...]] = {
    "pointsledger.testing._coverage": ("Coverage", "NeverSucceeded"),
    "pointsledger.testing._invariants": ("check_invariants",),
    "pointsledger.testing._machine": ("LedgerMachine", "SQLiteLedgerMachine", "default_village"),
    "pointsledger.testing._strategies": (
        "Command", "Village", "actors", "caps", "checklist_items", "command_sequences",
        "commands", "rulebooks", "run_commands", "villages",
    ),
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
