"""Problems: structured findings of a check, for people and for programs.

A `Problem` is what `check()` and
`pointsledger.testing.check_invariants()` report instead of raising: a severity, a stable
machine code, a message naming the offending thing, and that thing.
"""

from __future__ import annotations

from typing import Literal

import attrs

from pointsledger.base.jsonforms import JsonForm

Severity = Literal["error", "warning"]


@attrs.frozen
class Problem(JsonForm):
    """One finding.

    Attributes:
        severity: ``"error"`` (must be fixed; ``adopt`` refuses it) or ``"warning"``.
        code: stable machine code, e.g. ``"cap_below_award"``.
        message: what is wrong, naming the offending value.
        subject: the item code, category, role or event the problem is about ("" if none).
        seq: the event seq, for problems found in a ledger (None otherwise).
    """

    severity: Severity
    code: str
    message: str
    subject: str = ""
    seq: int | None = None

    def __str__(self) -> str:
        return f"{self.severity}: {self.message} [{self.code}]"
