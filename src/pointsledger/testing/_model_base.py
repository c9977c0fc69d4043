"""The contract between the independent model and the machine that checks the ledger against it.

The model (``_model_accounts.py`` for time, accounts, caps and lots; ``_model.py`` for the
registry's commands, postings, expiry and transfers; ``_model_store.py`` for the points store;
``_model_flows.py`` for claims, wishes, service orders and the time bank) is written from the
documentation alone, never from the library's implementation: that is what makes a passing
machine evidence rather than an echo.

Every public command of `Ledger` has a method of the same name and
signature on the model. It does not change the model: it returns a `Prediction`, and the
machine runs the same call on the ledger and compares. Only when both accepted does the machine
call ``prediction.commit(result)`` with what the ledger returned (an event, or a tuple of events
for a due job), so the model learns the ledger's ids (which it cannot predict) and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from pointsledger.errors import PointsLedgerError


def _no_problems(result: Any) -> list[str]:
    return []


def _nothing(result: Any) -> None:
    return None


@attrs.frozen
class Prediction:
    """What the model expects of one command.

    ``errors`` non-empty: the command must be refused with an error whose exact type is one of
    them (several apply when a command breaks more than one rule and the docs do not say which
    is checked first), and must write nothing. ``errors`` empty: the command must succeed;
    ``check(result)`` lists what in the ledger's result differs from the model's expectation
    (points, prices, quantities, states, ...), and ``commit(result)`` applies the command to
    the model.
    """

    errors: frozenset[type[PointsLedgerError]] = frozenset()
    check: Callable[[Any], list[str]] = _no_problems
    commit: Callable[[Any], None] = _nothing
    label: str = ""
    """A short phrase for hypothesis statistics, e.g. ``"redeem at the 60+ price"``."""

    @classmethod
    def refused(cls, *errors: type[PointsLedgerError], label: str = "") -> Prediction:
        """A refusal with any of ``errors``."""
        if not errors:
            raise ValueError("a refusal names at least one error")
        return cls(frozenset(errors), label=label)

    @property
    def accepted(self) -> bool:
        """Whether the model expects the command to succeed."""
        return not self.errors
