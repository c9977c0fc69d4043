"""Strategies for commands on a village's ledger, valid and deliberately invalid, of every
family (every public command of `Ledger`, the due jobs, clock moves), and
`run_commands()`, which runs them and reports what a run exercised."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from hypothesis import currently_in_test_context, event, target
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from pointsledger.base.clock import ManualClock
from pointsledger.core.command import Command as Declared
from pointsledger.core.events import Event, Stepped
from pointsledger.errors import PointsLedgerError
from pointsledger.ledger.commands import Commands
from pointsledger.ledger.ledger import Ledger
from pointsledger.testing._command import Command, Outcome
from pointsledger.testing._invalid_commands import invalid_commands
from pointsledger.testing._rule_strategies import _size
from pointsledger.testing._strategies import Village
from pointsledger.testing._valid_commands import DUE_JOBS, VALID, WEIGHTS

LEDGER_COMMANDS = tuple(name for name, value in vars(Commands).items()
                        if isinstance(value, Declared))
"""Every public command of `Ledger` (its command table)."""
FAMILIES = (*LEDGER_COMMANDS, *DUE_JOBS)
"""What `commands()` draws and `run_commands()` reports on: every command and due
job (clock moves aside)."""


def _invalid_chooser(invalid: object) -> SearchStrategy[bool]:
    """``invalid`` as a strategy of bools: a bool always, a strategy drawn from, None one
    step in five."""
    if invalid is None:
        return st.integers(0, 4).map(lambda n: n == 0)
    if isinstance(invalid, bool):
        return st.just(invalid)
    if isinstance(invalid, SearchStrategy):
        return invalid
    raise InvalidArgument(f"invalid must be a bool, a strategy of bools or None, got "
                          f"{invalid!r}")


def _families(names: object) -> tuple[str, ...]:
    known = (*FAMILIES, "advance")
    if names is None:
        return known
    if isinstance(names, str) or not isinstance(names, Collection) or not names:
        raise InvalidArgument(f"names must be a non-empty collection of command names, got "
                              f"{names!r}")
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise InvalidArgument(f"no strategy for commands {unknown}; known: {known}")
    return tuple(n for n in known if n in names)


def commands(village: Village, *, invalid: bool | SearchStrategy[bool] | None = None,
             names: Collection[str] | None = None) -> SearchStrategy[Command]:
    """Commands on a ledger built from ``village``, of every family: each public command of
    ``Ledger`` (registry, postings, reversals, the points store, transfers, claims, wishes,
    orders, the time bank and every workflow step), the due jobs and clock moves; or a
    command that must be refused, with the exact error it must raise (``Command.expect``).

    Commands on earlier results (a reversal, a hand-over, a cancellation, a step on a case,
    closing an account registered during the run) name them by a `Ref` into what
    earlier commands wrote, resolved when they run; most workflow steps are the case's next
    step, chosen when they run (`NextStep`), so that flows get far.

    Args:
        invalid: whether the command is a deliberately invalid one: ``True`` or ``False``
            always, a strategy of bools drawn from, or ``None`` (the default) one in five.
        names: draw only these families (command names, due jobs, ``"advance"``).
    """
    cache: dict[str, dict[str, list[Command]]] = {}

    @st.composite
    def draw_command(draw: st.DrawFn) -> Command:
        if not isinstance(village, Village):
            raise InvalidArgument(f"village must be a Village, got {village!r}")
        families = _families(names)
        wrong = draw(_invalid_chooser(invalid))
        if not isinstance(wrong, bool):
            raise InvalidArgument(f"invalid drew {wrong!r}, not a bool")
        if wrong:
            if "options" not in cache:
                cache["options"] = invalid_commands(village, "invalid-command")
            options = [c for name in families for c in cache["options"].get(name, ())]
            if not options:
                raise InvalidArgument(f"no invalid variant of {list(families)}")
            return draw(st.sampled_from(options))
        weighted = [n for n in families for _ in range(WEIGHTS.get(n, 1))]
        return VALID[draw(st.sampled_from(weighted))](draw, village)

    return draw_command()


def command_sequences(village: Village, *, min_size: int = 1, max_size: int = 20,
                      invalid: bool | SearchStrategy[bool] | None = None,
                      names: Collection[str] | None = None) -> SearchStrategy[list[Command]]:
    """Lists of `commands()` (clock moves among them); ``invalid`` and ``names`` mean what
    they mean for `commands()`, decided afresh for every step (a bool: every step or
    none; a strategy: drawn per step; ``None``, the default: one step in five)."""

    @st.composite
    def draw_sequence(draw: st.DrawFn) -> list[Command]:
        low, high = _size(min_size, "min_size"), _size(max_size, "max_size")
        if low > high:
            raise InvalidArgument(f"min_size={low} is more than max_size={high}")
        _invalid_chooser(invalid)  # a bad argument raises before anything is drawn
        _families(names)
        return [draw(commands(village, invalid=invalid, names=names))
                for _ in range(draw(st.integers(low, high)))]

    return draw_sequence()


def run_commands(ledger: Ledger, clock: ManualClock,
                 steps: Sequence[Command]) -> list[Outcome]:
    """Run generated steps in order; return each step's outcome (see `Command.run`).

    Inside a hypothesis test it records an ``event()`` per refusal and per workflow step
    taken, and at the end, for every family, ``run: <name> succeeded`` or ``run: no <name>``
    (a due job succeeds when it wrote something), and the target ``commands that succeeded``.

    Raises:
        AssertionError: a deliberately invalid command was not refused with exactly its
            error.
    """
    history: list[Event] = []
    results: list[Outcome] = []
    succeeded: Counter[str] = Counter()
    for step in steps:
        head = ledger.head
        outcome = step.run(ledger, clock, history)
        if (step.expect is not None and outcome is not None
                and type(outcome) is not step.expect):
            raise AssertionError(f"{step} should have raised {step.expect.__name__}, "
                                 f"got {outcome!r}")
        if isinstance(outcome, Event | tuple):
            history.extend(ledger.events(head))  # every event it wrote (awards it caused too)
            if outcome:
                succeeded[step.name] += 1
            if isinstance(outcome, Stepped):
                _note(f"step: {outcome.flow}.{outcome.step}")
        elif isinstance(outcome, PointsLedgerError):
            _note(f"command refused: {step.name} ({type(outcome).__name__}"
                  f"{', as expected' if step.expect else ''})")
        results.append(outcome)
    for name in FAMILIES:
        _note(f"run: {name} succeeded" if succeeded[name] else f"run: no {name}")
    if currently_in_test_context():
        target(float(sum(succeeded.values())), label="commands that succeeded")
    return results


def _note(value: str) -> None:
    """``hypothesis.event`` inside a test; nothing outside one (run_commands is public)."""
    if currently_in_test_context():
        event(value)
