"""Commands are declared once: the ledger's methods, their events, keys, authority and the
resource protocol come from the declarations (pointsledger.core.command)."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from pathlib import Path

import pendulum
import pytest

from pointsledger import (
    Actor,
    Batch,
    IdempotencyConflict,
    Ledger,
    ManualClock,
    OccurredInFuture,
    PermissionDenied,
    StoreError,
    ValidationError,
)
from pointsledger.base.clock import from_us, to_us
from pointsledger.core.command import Command
from pointsledger.core.events import Awarded, Event
from pointsledger.core.store_events import Redeemed, Reserved
from pointsledger.ledger.commands import Commands

from .helpers import COMMITTEE, GRID, START, TZ, make_village

COMMANDS = {name: value for name, value in vars(Commands).items() if isinstance(value, Command)}


def test_every_command_is_one_declaration() -> None:
    """Each ledger command is a Command whose name, docstring and event class are its own."""
    assert len(COMMANDS) == 32
    for name, declared in COMMANDS.items():
        assert declared.name == name
        assert issubclass(declared.emits, Event) and declared.emits is not Event
        assert declared.__doc__ and len(declared.__doc__.strip()) > 40, name
        params = inspect.signature(declared.handler).parameters
        assert next(iter(params)) == "ctx"
        assert params["by"].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert params["key"].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert params["memo"].default == "", name


def test_bound_commands_carry_the_docstring_and_are_cached() -> None:
    """``ledger.award`` is the declared command bound to the ledger, documented, and bound once."""
    ledger = Ledger.in_memory()
    assert ledger.award.__doc__ == COMMANDS["award"].__doc__
    assert ledger.award is ledger.award
    assert Ledger.award is COMMANDS["award"]
    other = Ledger.in_memory()
    assert other.award is not ledger.award


def test_each_command_returns_its_own_event_class(tmp_path: Path) -> None:
    """award returns an Awarded (with .points), redeem a Redeemed, reserve a Reserved."""
    village = make_village("memory")
    ledger = village.ledger
    awarded = ledger.award("H001", "VOL-02", by=GRID, key="a", occurred_at=START)
    assert type(awarded) is Awarded and awarded.points == 2
    assert ledger.award("H001", "VOL-02", by=GRID, key="a", occurred_at=START) == awarded


def test_by_must_be_an_actor_for_every_command() -> None:
    """A command given a non-Actor ``by`` is refused naming the field, before anything else."""
    ledger = Ledger.in_memory()
    for name in COMMANDS:
        method = getattr(ledger, name)
        with pytest.raises(ValidationError) as info:
            method("x", "y", by="c-01", key="k")
        assert info.value.fields["field"] == "by", name
    assert ledger.head == 1


def test_memo_is_checked_for_every_command() -> None:
    """A memo that is not text is refused for every command and nothing is written."""
    ledger = Ledger.in_memory()
    for name in COMMANDS:
        with pytest.raises(ValidationError, match="memo"):
            getattr(ledger, name)("x", "y", by=COMMITTEE, key="k", memo=12)
    assert ledger.head == 1


def test_close_releases_a_sqlite_file_and_with_calls_it(tmp_path: Path) -> None:
    """``ledger.close()`` closes the SQLite store; ``with Ledger.open(...)`` closes on exit."""
    path = tmp_path / "v.db"
    ledger = Ledger.open(path, clock=ManualClock(START), tz=TZ)
    ledger.close()
    with pytest.raises(StoreError, match="closed"):
        list(ledger.events())
    with Ledger.open(path, clock=ManualClock(START)) as again:
        assert again.head == 1
    with pytest.raises(StoreError, match="closed"):
        list(again.events())


def test_close_account_closes_accounts_not_the_ledger() -> None:
    """``close_account`` closes a member then its household; the ledger stays usable."""
    village = make_village("memory")
    ledger = village.ledger
    ledger.close_account("M002", by=COMMITTEE)
    closed = ledger.close_account("H002", by=COMMITTEE)
    assert closed.key == "close/H002"
    assert ledger.award("H003", "VOL-02", by=GRID, key="after", occurred_at=START).points == 2


def test_residents_serve_themselves_in_the_store_but_never_score_themselves() -> None:
    """A self-service command (redeem) lets a resident act for their own household; a scoring
    command (award) never lets anyone act for their own household."""
    village = make_village("memory")
    ledger = village.ledger
    own = Actor("M002", roles={"resident", "grid_worker"})
    with pytest.raises(PermissionDenied, match="belongs to household 'H002'"):
        ledger.award("H002", "VOL-02", by=own, key="self", occurred_at=START)
    assert COMMANDS["redeem"].self_service and not COMMANDS["award"].self_service


def test_due_jobs_share_one_return_type_and_as_of() -> None:
    """Every due job takes ``as_of`` and returns a tuple; run_due runs them all in order."""
    village = make_village("memory")
    ledger = village.ledger
    for job in (ledger.post_due, ledger.lapse_due, ledger.time_out_due, ledger.expire_due,
                ledger.run_due):
        assert list(inspect.signature(job).parameters) == ["as_of"]
        assert job() == ()
        assert job(as_of=START) == ()
        with pytest.raises(ValidationError, match="as_of"):
            job(as_of=village.clock().add(days=1))


def test_now_is_pendulum_in_the_ledger_zone() -> None:
    """``now()`` is a pendulum DateTime in the ledger's zone."""
    ledger = Ledger.in_memory(clock=ManualClock(pendulum.datetime(2026, 5, 1, tz="UTC")))
    now = ledger.now()
    assert isinstance(now, pendulum.DateTime)
    assert now.timezone_name == "Asia/Shanghai" and now.hour == 8


def test_batch_shares_the_declarations() -> None:
    """A batch's commands are the same declarations, returning the same event classes."""
    village = make_village("memory")
    with village.ledger.batch() as batch:
        assert isinstance(batch, Batch)
        event = batch.award("H001", "VOL-02", by=GRID, key="b", occurred_at=START)
        assert isinstance(event, Awarded) and event.points == 2
    assert Redeemed.KIND == "redeemed" and Reserved.KIND == "reserved"


def test_every_declared_policy_entry_is_in_the_default_policy() -> None:
    """Each command's policy entry names roles in the default policy table (a typo in a
    declaration would leave the command to nobody)."""
    from pointsledger.rules.policy import DEFAULT_POLICY

    for name, declared in COMMANDS.items():
        if name == "step":  # each step authorises its own entry, <flow>.<step>
            continue
        assert DEFAULT_POLICY.roles_for(declared.policy), name


def test_occurred_at_may_be_omitted_and_a_retry_gets_the_first_answer() -> None:
    """Without ``occurred_at`` an award occurs when first recorded; retried later with the
    same key and no ``occurred_at``, it returns the first event and writes nothing."""
    village = make_village("memory")
    ledger, clock = village.ledger, village.clock
    first = ledger.award("H001", "VOL-02", by=GRID, key="retry")
    assert first.occurred_us == first.recorded_us
    head = ledger.head
    clock.advance(minutes=5)
    assert ledger.award("H001", "VOL-02", by=GRID, key="retry") == first
    assert ledger.deduct("H002", "COV-03", by=GRID, key="d").occurred_us > first.occurred_us
    assert ledger.head == head + 1
    with pytest.raises(IdempotencyConflict):  # the same key for another request still clashes
        ledger.award("H002", "VOL-02", by=GRID, key="retry")


def test_workflow_openings_take_the_same_rule() -> None:
    """submit_claim and submit_time without ``occurred_at``: retries return the first event."""
    from .helpers import VOLUNTEER, WISHER, make_workflow_village

    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    claim = ledger.submit_claim("H002", "HON-01", by=WISHER, key="claim")
    deposit = ledger.submit_time("M003", 60, service="助老", by=VOLUNTEER, key="time")
    clock.advance(hours=1)
    assert ledger.submit_claim("H002", "HON-01", by=WISHER, key="claim") == claim
    assert ledger.submit_time("M003", 60, service="助老", by=VOLUNTEER, key="time") == deposit


# -- the future boundary of occurred_at (check_occurred), to the microsecond ------------------

US = dt.timedelta(microseconds=1)


def _boundary(backend: str, opening: Callable[[Ledger, dt.datetime, str], Event]) -> None:
    """``opening(ledger, occurred_at, key)`` is refused with OccurredInFuture, writing nothing,
    one microsecond after the ledger's now, and accepted exactly at it, both where the clock is
    ahead of the log (now is the clock's reading) and where it is not (now is the last
    recorded_at plus 1 µs); the accepted events reopen from the file."""
    from .helpers import make_workflow_village
    from .test_ledger import refused

    village = make_workflow_village(backend)
    ledger, clock = village.ledger, village.clock
    # 1. the clock is ahead of every recorded_at: the boundary is the clock's reading
    clock.advance(hours=1)
    now = clock()
    assert to_us(now) > ledger.event(ledger.head).recorded_us
    exc = refused(ledger, OccurredInFuture, lambda: opening(ledger, now + US, "late"))
    assert exc.fields["now"] == now.isoformat()
    at_clock = opening(ledger, now, "at-clock")
    assert at_clock.occurred_us == at_clock.recorded_us == to_us(now)
    # 2. the clock has not moved: now is bumped to the last recorded_at + 1 µs, which is the
    # boundary (an occurred_at there is not after the recorded_at it gets)
    bumped = from_us(at_clock.recorded_us, TZ) + US
    refused(ledger, OccurredInFuture, lambda: opening(ledger, bumped + US, "late2"))
    at_bump = opening(ledger, bumped, "at-bump")
    assert at_bump.occurred_us == at_bump.recorded_us == to_us(bumped)
    # nothing after its recorded_at was written, so the log still opens and verifies
    ledger.close()
    if backend != "memory":
        with Ledger.open(backend, clock=ManualClock(clock())) as reopened:
            assert reopened.head == at_bump.seq
            assert all(e.occurred_us <= e.recorded_us for e in reopened.events())
            reopened.verify()


def test_an_award_at_the_clock_is_accepted_and_a_microsecond_later_refused(
        backend: str) -> None:
    """award: occurred_at = the ledger's now is accepted; now + 1 µs raises OccurredInFuture
    and writes nothing (no grace: a grace would record an event that happened after its
    recorded_at, and the file would no longer open)."""
    _boundary(backend, lambda ledger, when, key: ledger.award(
        "H001", "VOL-02", by=GRID, key=key, occurred_at=when))


def test_a_deduction_has_the_same_future_boundary(backend: str) -> None:
    """deduct: the same microsecond boundary as award."""
    _boundary(backend, lambda ledger, when, key: ledger.deduct(
        "H002", "COV-03", by=GRID, key=key, occurred_at=when))


def test_a_claim_has_the_same_future_boundary(backend: str) -> None:
    """submit_claim: occurred_at = now is accepted, now + 1 µs refused, writing nothing."""
    _boundary(backend, lambda ledger, when, key: ledger.submit_claim(
        "H002", "HON-01", by=GRID, key=key, occurred_at=when))


def test_a_time_deposit_has_the_same_future_boundary(backend: str) -> None:
    """submit_time: occurred_at = now is accepted, now + 1 µs refused, writing nothing."""
    from .helpers import VOLUNTEER

    _boundary(backend, lambda ledger, when, key: ledger.submit_time(
        "M003", 30, service="助老", by=VOLUNTEER, key=key, occurred_at=when))
