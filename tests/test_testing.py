"""The public testing kit: strategies, check_invariants, the entry-point hook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from pointsledger import Actor, Cap, ChecklistItem, Ledger, Rulebook
from pointsledger.core.encoding import seal
from pointsledger.core.events import Awarded
from pointsledger.testing import (
    Village,
    actors,
    caps,
    check_invariants,
    checklist_items,
    command_sequences,
    commands,
    rulebooks,
    run_commands,
    villages,
)

from .helpers import COMMITTEE, GRID, make_village, rulebook


@given(st.data())
def test_generated_command_sequences_keep_every_invariant(data: st.DataObject) -> None:
    """Any generated village and command sequence leaves a ledger with no problems, and every
    deliberately invalid command is refused with its error (run_commands checks that)."""
    village = data.draw(villages())
    ledger, clock = village.build()
    results = run_commands(ledger, clock, data.draw(command_sequences(village, max_size=15)))
    assert len(results) <= 15
    assert check_invariants(ledger) == []


@given(st.data())
def test_sequences_around_an_apps_own_rulebook(data: st.DataObject) -> None:
    """Villages can be built around a rulebook the app passes in."""
    village = data.draw(villages(rulebook=rulebook()))
    assert village.rulebook == rulebook()
    ledger, clock = village.build()
    run_commands(ledger, clock, data.draw(command_sequences(village, max_size=10)))
    assert check_invariants(ledger) == []


@given(rulebooks(base=rulebook()))
def test_rulebooks_around_a_base(rules: Rulebook) -> None:
    """A rulebook drawn around a base keeps its items and policy under a new version."""
    assert rules.version != "2026"
    assert rules.items[: len(rulebook().items)] == rulebook().items
    assert rules.policy == rulebook().policy


@given(st.from_type(ChecklistItem), st.from_type(Rulebook), st.from_type(Cap),
       st.from_type(Actor))
def test_from_type_knows_the_core_types(item: ChecklistItem, rules: Rulebook, cap: Cap,
                                        actor: Actor) -> None:
    """The hypothesis entry point registers strategies for the core types."""
    assert item.points != 0 and all(c.max_points >= item.points for c in item.caps)
    assert not [p for p in rules.check() if p.severity == "error"]
    assert cap.max_points >= 1 and actor.id


@pytest.mark.parametrize(
    "strategy",
    [
        lambda: caps(max_points=5),  # type: ignore[arg-type]
        lambda: caps(pers=("fortnight",)),
        lambda: checklist_items(codes="ENV-01"),  # type: ignore[arg-type]
        lambda: checklist_items(capped="yes"),  # type: ignore[arg-type]
        lambda: rulebooks(min_items=5, max_items=2),
        lambda: rulebooks(base="2026"),  # type: ignore[arg-type]
        lambda: rulebooks(min_items=-1),
        lambda: actors(roles={"committee"}),  # type: ignore[arg-type]
        lambda: villages(min_households=0),
        lambda: villages(rulebook="2026"),  # type: ignore[arg-type]
        lambda: commands("village"),  # type: ignore[arg-type]
        lambda: command_sequences(make_plan(), min_size=3, max_size=1),
        lambda: commands(make_plan(), invalid="yes"),  # type: ignore[arg-type]
        lambda: command_sequences(make_plan(), invalid=0.2),  # type: ignore[arg-type]
        lambda: commands(make_plan(), invalid=st.integers()),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_raise_invalid_argument_when_drawn(strategy: object) -> None:
    """Strategies accept bad arguments quietly and raise InvalidArgument at draw time."""
    built = strategy()  # type: ignore[operator]

    @settings(max_examples=1, database=None)
    @given(built)
    def draw(_value: object) -> None:
        pass

    with pytest.raises(InvalidArgument):
        draw()


@given(st.data())
def test_invalid_means_the_same_for_commands_and_sequences(data: st.DataObject) -> None:
    """``invalid`` takes a bool or a strategy of bools in both strategies: True draws only
    commands that must be refused, False none, a strategy decides per command."""
    plan = make_plan()
    assert data.draw(commands(plan, invalid=True)).expect is not None
    assert data.draw(commands(plan, invalid=st.just(True))).expect is not None
    assert data.draw(commands(plan, invalid=False)).expect is None
    steps = data.draw(command_sequences(plan, invalid=True, max_size=5))
    assert all(step.expect is not None for step in steps)
    steps = data.draw(command_sequences(plan, invalid=st.just(False), max_size=5))
    assert all(step.expect is None for step in steps)


def make_plan() -> Village:
    return Village(rulebook(), ("G1",), (("H001", "G1", "张三"),), (),
                   pendulum.datetime(2026, 3, 2, tz="Asia/Shanghai"))


def test_check_invariants_finds_a_corrupted_state() -> None:
    """A state changed behind apply's back shows up as conservation and derivation problems."""
    village = make_village("memory")
    led = village.ledger
    led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=village.clock())
    assert check_invariants(led) == []
    led._state.posted["H001"] += 100  # white-box: corrupt the private state
    codes = {p.code for p in check_invariants(led)}
    assert codes == {"conservation", "derivation"}


def test_check_invariants_finds_events_the_commands_would_refuse() -> None:
    """Events forged past the commands (over a cap, into a closed period, for the actor's own
    household, with wrong points) are each reported, never raised."""
    village = make_village("memory")
    led = village.ledger
    led.close_period(village.clock().date().subtract(days=10), by=COMMITTEE)
    now = led.event(led.head).recorded_us + 1
    old = now - 20 * 86_400_000_000
    forged = [
        ("H001", "ENV-01", 1, 5, now, "g-07"), ("H001", "ENV-01", 1, 5, now, "g-07"),
        ("H001", "ENV-01", 1, 5, now, "g-07"),  # third: over the monthly cap of 10
        ("H002", "VOL-02", 1, 2, old, "g-07"),  # into the closed period
        ("H001", "VOL-02", 1, 2, now, "M001"),  # M001 is of household H001
        ("H003", "VOL-02", 1, 9, now, "g-07"),  # 9 points for a 2-point item
    ]
    records = []
    previous = led.event(led.head).hash
    for offset, (account, item, qty, points, occurred, actor) in enumerate(forged, start=1):
        event = Awarded(led.head + offset, now + offset, occurred, actor, f"forged-{offset}",
                        "2026", "", account, item, qty, points, (), ())
        records.append((event.seq, seal(event, previous), event.hash))
        previous = event.hash
    led.store.append(records, led.head)
    forged_ledger = Ledger(led.store, clock=village.clock)
    codes = sorted(p.code for p in check_invariants(forged_ledger))
    # the 9-point event also passes the category's daily cap of 8
    assert codes == ["authority", "cap", "cap", "closed_period", "rules_in_force"]


def test_check_invariants_reports_a_broken_chain() -> None:
    """A store edited under an open ledger is one chain problem naming the seq, not an
    exception."""
    from .test_integrity import ListStore

    store = ListStore(list(make_village("memory").ledger.store.read()))
    led = Ledger(store, clock=make_village("memory").clock)
    seq, data, digest = store.records[3]
    store.records[3] = (seq, data.replace(b"V01", b"V02"), digest)
    assert [(p.code, p.seq) for p in check_invariants(led)] == [("chain", 4)]


def test_importing_pointsledger_does_not_import_hypothesis() -> None:
    """The core library never imports hypothesis; only pointsledger.testing does."""
    code = ("import sys, pointsledger, pointsledger.storage; "
            "assert 'hypothesis' not in sys.modules, 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


LEDGER_OWN = {
    # lifecycle and trust
    "open", "in_memory", "open_postgres", "close", "refresh", "verify", "anchor", "snapshot",
    "batch",
    # reads the Ledger class itself defines (the rest are in ledger.queries.Queries)
    "balance", "household_balance", "event", "events", "expiring", "next_steps", "now",
    "rulebook",
    # properties
    "head", "ledger_id", "store", "tz",
}
"""The public names the Ledger class defines itself: none of them writes an event."""


def test_every_public_command_of_the_ledger_has_a_strategy_and_a_rule() -> None:
    """Every public method of Ledger is a query, a lifecycle method (``LEDGER_OWN``), or a
    command or due job; each command and due job is drawn by commands() (a family of its
    own) and called by the state machine's rules. A method added to Ledger outside the
    queries and the lifecycle must be classified here, and a new command fails until the
    kit draws it and the machine calls it."""
    from pointsledger.core.command import Command as Declared
    from pointsledger.ledger.commands import Commands
    from pointsledger.ledger.due import DueJobs
    from pointsledger.ledger.queries import Queries
    from pointsledger.testing._commands import FAMILIES
    from pointsledger.testing._model_machine import ALL_COMMANDS

    public = {name for name in dir(Ledger) if not name.startswith("_")}
    commands_ = {name for name, value in vars(Commands).items() if isinstance(value, Declared)}
    due = {name for name in vars(DueJobs) if name.endswith("_due") and not name.startswith("_")}
    queries = {name for name in vars(Queries) if not name.startswith("_")}
    unclassified = public - commands_ - due - queries - LEDGER_OWN
    assert unclassified == set(), f"classify these public Ledger methods: {unclassified}"
    assert public >= LEDGER_OWN, LEDGER_OWN - public
    assert {name for name in public if name in vars(Commands)} <= commands_, (
        "a public method of Commands that is not in the command table")
    assert commands_ | due <= set(FAMILIES), sorted(commands_ | due - set(FAMILIES))
    assert commands_ | due <= set(ALL_COMMANDS), sorted(commands_ | due - set(ALL_COMMANDS))


def test_the_docs_app_test_module_shows_what_its_run_covered(tmp_path: Path) -> None:
    """docs/testing.md's app test module (the block headed ``# tests/test_our_rules.py``),
    run by pytest in a subprocess as the page says: it passes, and pytest's output shows
    what the page tells an app to read: hypothesis's event statistics per command outcome
    and run, the target, and the NeverSucceeded warning of a short run."""
    import re

    page = (Path(__file__).resolve().parent.parent / "docs" / "testing.md").read_text(
        encoding="utf-8")
    (module,) = [b for b in re.findall(r"^```python\n(.*?)^```", page, re.S | re.M)
                 if b.startswith("# tests/test_our_rules.py")]
    (tmp_path / "test_our_rules.py").write_text(module, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "test_our_rules.py", "--hypothesis-show-statistics",
         "--hypothesis-seed", "2027",  # the page's run is random: pin it, or a rare draw fails
         "-p", "no:cacheprovider", "-q", "-W", "always::UserWarning"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-2000:]
    assert "1 passed" in out, out[-2000:]
    for shown in ("- Events:", "run: award succeeded", "award: ok",
                  "label='commands that succeeded'", "NeverSucceeded: OurVillageRules: in "):
        assert shown in out, (shown, out[-4000:])
