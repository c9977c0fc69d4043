"""What a state machine test exercised: the successes and refusals of each command over every
run of one test, and a `NeverSucceeded` warning naming the commands that never succeeded,
so a test that passed without testing them does not pass in silence."""

from __future__ import annotations

import unittest
import warnings
from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
from hypothesis import HealthCheck
from hypothesis import settings as Settings
from hypothesis.stateful import invariant, run_state_machine_as_test

if TYPE_CHECKING:
    from hypothesis.stateful import RuleBasedStateMachine


class NeverSucceeded(UserWarning):
    """A state machine test passed, but some commands never succeeded in any of its runs: it
    tested only their refusals (or nothing of them). Raise the example budget, or give the
    machine a rulebook and village under which they can succeed."""


@attrs.define
class Coverage:
    """Counts over every run of one state machine test: ``runs``, ``steps``, successes per
    command and refusals per ``"command: Error"``."""

    runs: int = 0
    steps: int = 0
    succeeded: Counter[str] = attrs.field(factory=Counter)
    refused: Counter[str] = attrs.field(factory=Counter)

    def missing(self, commands: tuple[str, ...]) -> list[str]:
        """The ``commands`` that never succeeded."""
        return [name for name in commands if not self.succeeded[name]]

    def summary(self) -> str:
        """One line per command: successes and refusals, for a test's output."""
        names = sorted(set(self.succeeded) | {r.split(":")[0] for r in self.refused})
        lines = [f"{self.runs} runs, {self.steps} steps"]
        for name in names:
            refusals = sum(n for r, n in self.refused.items() if r.split(":")[0] == name)
            lines.append(f"  {name}: {self.succeeded[name]} succeeded, {refusals} refused")
        return "\n".join(lines)


class CoveredMachine:
    """A mixin for a `RuleBasedStateMachine`: its ``TestCase``
    runs the machine as hypothesis's does, keeps a `Coverage` of all its runs in the
    class attribute ``coverage``, and, when the test passed, warns `NeverSucceeded`
    naming the commands of ``expected_successes()`` that never succeeded. The machine reports
    each outcome with `count_success()` and `count_refusal()`, each run's end with
    `count_run()`; the steps are counted as they are checked."""

    coverage: ClassVar[Coverage] = Coverage()
    _test_cases: ClassVar[dict[type, type[unittest.TestCase]]] = {}

    @classmethod
    def expected_successes(cls) -> tuple[str, ...]:
        """The commands a run of this machine should see succeed at least once."""
        return ()

    def count_success(self, name: str) -> None:
        """Count one success of command ``name`` in this test's coverage."""
        type(self).coverage.succeeded[name] += 1

    def count_refusal(self, name: str, error: str) -> None:
        """Count one refusal of command ``name`` with the error named ``error``."""
        type(self).coverage.refused[f"{name}: {error}"] += 1

    @invariant()
    def count_step(self) -> None:
        """Count one step: hypothesis checks invariants after the initialisation and after
        every rule, so this counts the rules run plus one per run."""
        type(self).coverage.steps += 1

    def count_run(self) -> None:
        """Count one run (an example)."""
        type(self).coverage.runs += 1

    @classmethod
    def _covered_test_case(cls) -> type[unittest.TestCase]:
        if cls not in CoveredMachine._test_cases:
            machine: Any = cls

            class CoveredTestCase(unittest.TestCase):
                settings = Settings(deadline=None, suppress_health_check=list(HealthCheck))

                def runTest(self) -> None:
                    machine.coverage = Coverage()
                    run_state_machine_as_test(machine, settings=self.settings)
                    missing = machine.coverage.missing(machine.expected_successes())
                    if missing:
                        warnings.warn(NeverSucceeded(
                            f"{machine.__name__}: in {machine.coverage.runs} runs these "
                            f"commands never succeeded: {', '.join(missing)}"), stacklevel=1)

            CoveredTestCase.runTest.is_hypothesis_test = True  # type: ignore[attr-defined]
            CoveredTestCase.__name__ = cls.__name__ + ".TestCase"
            CoveredTestCase.__qualname__ = cls.__qualname__ + ".TestCase"
            CoveredMachine._test_cases[cls] = CoveredTestCase
        return CoveredMachine._test_cases[cls]


class _CoveredTestCaseProperty:
    """``Machine.TestCase``: the covered test case of the machine's class."""

    def __get__(self, obj: RuleBasedStateMachine | None,
                owner: type[CoveredMachine]) -> type[unittest.TestCase]:
        return (type(obj) if obj is not None else owner)._covered_test_case()  # type: ignore[union-attr]


CoveredMachine.TestCase = _CoveredTestCaseProperty()  # type: ignore[attr-defined]
