"""What every command shares, found by mutation testing (issue 16): each test here kills mutants
of :mod:`pointsledger.core.command` (``by`` and ``memo``, authority, idempotent replays, open
accounts, when the conduct occurred, lists of texts) and :mod:`pointsledger.core.encoding`
that the rest of the suite let live (docs/mutation.md). Each refusal is checked for its error
type, its fields (the Chinese message and an API's response body are built from them), that
its message names the bad value, and that nothing was written."""

from __future__ import annotations

import functools
import inspect
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import (
    AccountClosed,
    Actor,
    BackdatedTooFar,
    IdempotencyConflict,
    IntegrityError,
    Ledger,
    ManualClock,
    OccurredInFuture,
    PeriodClosed,
    PermissionDenied,
    UnknownAccount,
    UnknownEntry,
    ValidationError,
)
from pointsledger.core.command import Context, Outcome, Replayed, command
from pointsledger.core.events import Awarded, Event, RegionAdded, RulebookAdopted, TimeMoved
from pointsledger.core.postings import award
from tests.helpers import (
    COMMITTEE,
    GRID,
    RESIDENT,
    START,
    TZ,
    Village,
    budget,
    make_village,
    make_workflow_village,
)
from tests.test_commands import COMMANDS
from tests.test_ledger import refused
from tests.test_workflows import _deposit


def _village() -> Village:
    """The test village with its clock a minute on, so the ledger's clock reading is the
    clock's (each event recorded moves the ledger's reading 1 µs past the last one)."""
    village = make_village("memory")
    village.clock.advance(minutes=1)
    return village


def _iso(when: pendulum.DateTime) -> str:
    return when.in_tz(TZ).isoformat()


# -- by and memo ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["@system", "@genesis", "@x"])
def test_a_reserved_actor_is_refused_by_every_command_naming_it(name: str) -> None:
    """``@`` ids are the ledger's own: a caller passing one, whatever its roles, is refused
    before anything else, naming the field ``by`` and the id, and nothing is written."""
    led = make_village("memory").ledger
    actor = Actor(name, roles={"committee", "grid_worker", "store_keeper"})
    for command_name in COMMANDS:
        exc = refused(led, ValidationError, functools.partial(
            getattr(led, command_name), "H001", "VOL-02", by=actor, key="k"))
        assert exc.fields == {"field": "by", "value": name}, command_name
        assert repr(name) in str(exc)


def test_by_that_is_no_actor_is_refused_naming_what_was_given() -> None:
    led = make_village("memory").ledger
    exc = refused(led, ValidationError, lambda: led.award("H001", "VOL-02", by="g-07", key="k"))
    assert exc.fields == {"field": "by", "value": "g-07"}
    assert "'g-07'" in str(exc)


def test_an_app_s_own_actor_class_acts_like_an_actor() -> None:
    """An instance of a subclass of `Actor` is checked the long way (not the exact class) and
    acts as itself; one with a reserved id is refused like any other."""

    class Official(Actor):
        """An app's actor with extra behaviour."""

    led = make_village("memory").ledger
    event = led.award("H001", "VOL-02", by=Official("g-07", roles={"grid_worker"}), key="k",
                      occurred_at=START)
    assert (event.actor, event.account, event.points) == ("g-07", "H001", 2)
    exc = refused(led, ValidationError, lambda: led.award(
        "H001", "VOL-02", by=Official("@system", roles={"grid_worker"}), key="k2"))
    assert exc.fields == {"field": "by", "value": "@system"}


def test_an_event_without_a_memo_records_an_empty_memo_and_one_with_it_the_memo() -> None:
    led = make_village("memory").ledger
    plain = led.award("H001", "VOL-02", by=GRID, key="a", occurred_at=START)
    noted = led.award("H002", "VOL-02", by=GRID, key="b", occurred_at=START, memo="补记\r\n第二行")
    assert plain.memo == "" and led.event(plain.seq).memo == ""
    assert noted.memo == "补记\n第二行"
    for memo in (12, "\x00"):
        exc = refused(led, ValidationError, functools.partial(
            led.award, "H003", "VOL-02", by=GRID, key="c", occurred_at=START, memo=memo))
        assert (exc.fields["field"], exc.fields["value"]) == ("memo", memo)


def test_before_any_rulebook_events_record_no_version() -> None:
    """The default policy applies before a rulebook is in force, and events name no rulebook
    version (``""``); after adoption they name the one in force."""
    led = Ledger.in_memory(clock=ManualClock(START), tz=TZ)
    region = led.add_region("V01", "东沙沟村", kind="village", by=COMMITTEE)
    assert region.version == ""
    exc = refused(led, PermissionDenied, lambda: led.add_region("V02", "西沙沟村", kind="village",
                                                                by=GRID))
    assert exc.fields["allowed"] == ["committee"]


# -- authority -----------------------------------------------------------------------------


def test_a_role_refusal_names_the_actor_the_command_and_the_roles_allowed() -> None:
    led = make_village("memory").ledger
    exc = refused(led, PermissionDenied, lambda: led.award("H001", "VOL-02", by=RESIDENT,
                                                           key="k", occurred_at=START))
    assert exc.fields == {"actor": "r-99", "command": "award",
                          "allowed": ["committee", "grid_worker"]}
    assert "'r-99'" in str(exc)
    assert exc.message_for("zh").startswith("「r-99」")  # (the generic one without fields)


def test_nobody_acts_for_their_own_household_naming_actor_command_and_household() -> None:
    led = make_village("memory").ledger
    own = Actor("M001", roles={"grid_worker"})
    exc = refused(led, PermissionDenied, lambda: led.award("H001", "VOL-02", by=own, key="k",
                                                           occurred_at=START))
    assert exc.fields == {"actor": "M001", "command": "award", "household": "H001"}
    assert "'M001'" in str(exc) and "'H001'" in str(exc)


def test_a_resident_acts_only_for_their_own_household_naming_the_other() -> None:
    village = make_workflow_village()
    led = village.ledger
    _deposit(led, "M001", 120, "d")
    neighbour = Actor("M002", roles={"resident"})
    exc = refused(led, PermissionDenied, lambda: led.spend_time(
        "M001", 30, service="理发", by=neighbour, key="s"))
    assert exc.fields == {"actor": "M002", "command": "spend_time", "household": "H001"}
    assert "'H001'" in str(exc)
    led.spend_time("M001", 30, service="理发", by=Actor("M001", roles={"resident"}), key="own")


# -- idempotency ---------------------------------------------------------------------------


def test_a_key_used_for_another_request_names_the_key_and_the_event_that_used_it() -> None:
    led = make_village("memory").ledger
    first = led.award("H001", "VOL-02", by=GRID, key="k-1", occurred_at=START)
    exc = refused(led, IdempotencyConflict, lambda: led.award(
        "H002", "VOL-02", by=GRID, key="k-1", occurred_at=START))
    assert exc.fields == {"key": "k-1", "event": first.id}
    assert "'k-1'" in str(exc) and first.id in str(exc)


def _asking(kind: type[Event], seen: list[Replayed | None]) -> Callable[..., Outcome]:
    """The handler of a command an app declares: it asks its context for the first answer to
    the request ``entry`` was written for, under ``key``, and keeps what it got in ``seen``."""

    def ask(ctx: Context, entry: int, *, by: Actor, key: str, memo: str = "") -> Outcome:
        first = ctx.event_at(entry)
        assert isinstance(first, kind)
        answer = ctx.replayed(key, **{name: getattr(first, name) for name in first.REQUEST})
        seen.append(answer)
        if answer is None:
            raise UnknownEntry(f"nothing was written under {key!r}", key=key)
        return answer

    return ask


def _add_grids(ctx: Context, codes: list[str], *, by: Actor, key: str, memo: str = ""
               ) -> Outcome:
    """An app's command writing one event per grid under one key (a repeat of the whole
    request answers with the events of its first run)."""
    first = (codes[0], f"网格{codes[0]}", "grid", "V01")
    replay = ctx.replayed(key, **dict(zip(RegionAdded.REQUEST, first, strict=True)))
    if replay:
        return replay
    version = ctx.authorise(policy="add_region")
    return [ctx.draft((code, f"网格{code}", "grid", "V01"), version) for code in codes]


def _app_ledger(village: Village, seen: list[Replayed | None]) -> Any:
    """Another ledger object on the village ledger's store, of an app's subclass with commands
    of its own, declared here (while the test runs) with `command()`."""

    class AppLedger(Ledger):
        ask_time_moved = command(TimeMoved)(_asking(TimeMoved, seen))
        ask_region = command(RegionAdded)(_asking(RegionAdded, seen))
        add_grids = command(RegionAdded, name="add_grids", policy="add_region")(_add_grids)

    return AppLedger(village.ledger.store, clock=village.clock, tz=TZ)


def test_a_replay_answers_with_every_event_its_request_wrote_and_no_other() -> None:
    """A conversion writes two events under its key (the minutes moved, then the award): a
    repeat gets both back, whether other commands came after them or they are the last in
    the log, and nothing of the commands before or after."""
    village = make_workflow_village()
    led = village.ledger
    _deposit(led, "M002", 240, "d")
    seen: list[Replayed | None] = []
    app = _app_ledger(village, seen)
    moved = app.convert_time("M002", 60, by=COMMITTEE, key="c1")
    written = list(app.events(moved.seq - 1))
    assert [type(e).__name__ for e in written] == ["TimeMoved", "Awarded"]
    assert app.ask_time_moved(moved.seq, by=COMMITTEE, key="c1") == moved  # the last in the log
    app.award("H003", "VOL-02", by=GRID, key="after", occurred_at=village.clock())
    app.convert_time("M002", 60, by=COMMITTEE, key="c2")
    assert app.ask_time_moved(moved.seq, by=COMMITTEE, key="c1") == moved  # others follow now
    assert seen[0] == seen[1] == Replayed(tuple(written))
    with pytest.raises(UnknownEntry):
        app.ask_time_moved(moved.seq, by=COMMITTEE, key="new")
    assert seen[2] is None


@settings(max_examples=budget(12), deadline=None)
@given(grids=st.integers(1, 4), before=st.booleans(), after=st.booleans())
def test_a_replay_of_a_command_of_any_size_is_exactly_its_events(
        grids: int, before: bool, after: bool) -> None:
    """Whatever number of events a command wrote under its key, and whether commands were
    recorded before and after it, a repeat of it writes nothing and its context gets exactly
    those events back, in order."""
    seen: list[Replayed | None] = []
    app = _app_ledger(make_village("memory"), seen)
    if before:
        app.add_grids(["B1", "B2"], by=COMMITTEE, key="before")
    codes = [f"X{n}" for n in range(grids)]
    first = app.add_grids(codes, by=COMMITTEE, key="grids")
    if after:
        app.add_grids(["A1", "A2"], by=COMMITTEE, key="after")
    head = app.head
    written = tuple(app.events(first.seq - 1))[:grids]
    assert [e.code for e in written if isinstance(e, RegionAdded)] == codes
    assert app.add_grids(codes, by=COMMITTEE, key="grids") == first
    assert app.ask_region(first.seq, by=COMMITTEE, key="grids") == first
    assert app.head == head
    assert seen == [Replayed(written)]


def test_a_command_declared_by_an_app_takes_its_name_docstring_and_policy() -> None:
    """`command()` makes a handler a command: its name and docstring (or the ones given), the
    event it emits, its policy entry (its name unless given), whether it is self-service, and
    its default key."""

    def grant(ctx: Context, account: str, *, by: Actor, key: str, memo: str = "") -> Outcome:
        """Grant something."""
        return []

    plain = command(TimeMoved)(grant)
    assert (plain.name, plain.__name__, plain.__doc__) == ("grant", "grant", "Grant something.")
    assert (plain.emits, plain.policy, plain.self_service, plain.key) == (
        TimeMoved, "grant", False, None)
    assert plain.handler is grant and getattr(plain, "__wrapped__", None) is grant
    assert inspect.signature(plain) == inspect.signature(grant)
    assert (plain.__module__, getattr(plain, "__qualname__", None)) == (
        grant.__module__, grant.__qualname__)
    named = command(RegionAdded, policy="award", self_service=True, key="grant/{account}",
                    name="bestow", doc="Bestow something.")(grant)
    assert (named.name, named.__doc__, named.emits) == ("bestow", "Bestow something.",
                                                        RegionAdded)
    assert (named.policy, named.self_service, named.key) == ("award", True, "grant/{account}")


def test_an_app_s_command_may_run_a_library_command_on_its_context() -> None:
    """A `Command` called with a context runs its checks (``by`` and ``memo`` first) and its
    handler: an app's command that commends a household is an award of the honour item,
    authorised, keyed and replayed as one."""

    def commend(ctx: Context, household: str, *, by: Actor, key: str, memo: str = ""
                ) -> Outcome:
        """Commend a household (an award of the honour item)."""
        return award(ctx, household, "HON-01", by=by, key=key, memo=memo)

    class AppLedger(Ledger):
        commend_household = command(Awarded, name="commend")(commend)

    village = make_workflow_village()
    app = AppLedger(village.ledger.store, clock=village.clock, tz=TZ)
    event = app.commend_household("H002", by=GRID, key="c", memo="好人好事")
    assert isinstance(event, Awarded)
    assert (event.account, event.item, event.points, event.actor, event.key, event.memo) == (
        "H002", "HON-01", 5, "g-07", "c", "好人好事")
    assert app.commend_household("H002", by=GRID, key="c", memo="好人好事") == event
    exc = refused(app, PermissionDenied, lambda: app.commend_household("H003", by=RESIDENT,
                                                                       key="d"))
    assert exc.fields["command"] == "award"
    bad = refused(app, ValidationError, lambda: app.commend_household(
        "H003", by=Actor("@system", roles={"grid_worker"}), key="d"))
    assert bad.fields["field"] == "by"


# -- accounts ------------------------------------------------------------------------------


def test_closed_and_unknown_accounts_are_refused_naming_the_account() -> None:
    led = make_village("memory").ledger
    led.close_account("M002", by=COMMITTEE)
    exc = refused(led, AccountClosed, lambda: led.award("M002", "VOL-02", by=GRID, key="m",
                                                        occurred_at=START))
    assert exc.fields == {"account": "M002"} and "'M002'" in str(exc)
    led.close_account("H002", by=COMMITTEE)
    exc = refused(led, AccountClosed, lambda: led.award("H002", "VOL-02", by=GRID, key="h",
                                                        occurred_at=START))
    assert exc.fields == {"account": "H002"} and "'H002'" in str(exc)
    unknown = refused(led, UnknownAccount, lambda: led.award("H009", "VOL-02", by=GRID,
                                                             key="u", occurred_at=START))
    assert unknown.fields == {"account": "H009"} and "'H009'" in str(unknown)


# -- when the conduct occurred ---------------------------------------------------------------


def test_conduct_after_the_clock_is_refused_naming_both_instants() -> None:
    village = _village()
    led = village.ledger
    later = village.clock().add(hours=1)
    exc = refused(led, OccurredInFuture, lambda: led.award("H001", "VOL-02", by=GRID, key="k",
                                                           occurred_at=later))
    assert exc.fields == {"occurred_at": _iso(later), "now": _iso(village.clock())}
    assert _iso(later) in str(exc) and _iso(village.clock()) in str(exc)


def test_conduct_in_a_closed_period_is_refused_naming_it_and_the_closing() -> None:
    village = _village()
    led = village.ledger
    led.close_period(pendulum.date(2026, 2, 28), by=COMMITTEE)
    inside = pendulum.datetime(2026, 2, 28, 23, 59, 59, tz=TZ)
    exc = refused(led, PeriodClosed, lambda: led.award("H001", "VOL-02", by=GRID, key="k",
                                                       occurred_at=inside))
    closing = "2026-03-01T00:00:00+08:00"
    assert exc.fields == {"occurred_at": _iso(inside), "closed_before": closing}
    assert _iso(inside) in str(exc) and closing in str(exc)
    assert led.award("H001", "VOL-02", by=GRID, key="k",
                     occurred_at=pendulum.datetime(2026, 3, 1, tz=TZ)).points == 2


def test_conduct_beyond_the_window_is_refused_naming_it_and_whole_days() -> None:
    village = _village()
    led = village.ledger
    early = village.clock().subtract(days=90, microseconds=1)
    exc = refused(led, BackdatedTooFar, lambda: led.award("H001", "VOL-02", by=GRID, key="k",
                                                          occurred_at=early))
    assert exc.fields == {"occurred_at": _iso(early), "window_days": 90}
    assert type(exc.fields["window_days"]) is int
    assert json.dumps(exc.to_dict("en")["fields"]["window_days"]) == "90"
    assert _iso(early) in str(exc)


@pytest.mark.parametrize("when", [pendulum.naive(2026, 3, 1, 9), "2026-03-01T09:00:00+08:00",
                                  1_772_326_800], ids=["naive", "text", "number"])
@pytest.mark.parametrize("name", ["award", "submit_claim", "submit_time"])
def test_occurred_at_must_be_an_aware_datetime_naming_the_field(when: object, name: str
                                                                ) -> None:
    led = make_workflow_village().ledger
    calls: dict[str, Callable[[], object]] = {
        "award": lambda: led.award("H001", "VOL-02", by=GRID, key="k", occurred_at=when),
        "submit_claim": lambda: led.submit_claim("H001", "HON-01", by=GRID, key="k",
                                                 occurred_at=when),
        "submit_time": lambda: led.submit_time("M003", 60, service="助老", by=GRID, key="k",
                                               occurred_at=when),
    }
    exc = refused(led, ValidationError, calls[name])
    assert exc.fields == {"field": "occurred_at", "value": when}


# -- lists of texts --------------------------------------------------------------------------


@pytest.mark.parametrize("evidence", ["photo-1", b"photo-1", {"photo": 1}, 7],
                         ids=["text", "bytes", "mapping", "number"])
def test_evidence_must_be_a_sequence_of_texts_naming_what_was_given(evidence: object) -> None:
    led = make_village("memory").ledger
    exc = refused(led, ValidationError, lambda: led.award("H001", "VOL-02", by=GRID, key="k",
                                                          occurred_at=START, evidence=evidence))
    assert exc.fields["field"] == "evidence"
    assert exc.fields["value"] == (evidence if isinstance(evidence, int | str) else repr(evidence))


def test_evidence_holds_at_most_a_hundred_non_empty_texts() -> None:
    led = make_village("memory").ledger
    hundred = tuple(f"p{n}" for n in range(100))
    award = led.award("H001", "VOL-02", by=GRID, key="a", occurred_at=START, evidence=hundred)
    assert award.evidence == hundred
    exc = refused(led, ValidationError, lambda: led.award(
        "H001", "VOL-02", by=GRID, key="b", occurred_at=START, evidence=(*hundred, "p100")))
    assert exc.fields["field"] == "evidence"
    assert exc.fields["value"].startswith("('p0', 'p1'")
    assert "100" in str(exc)
    for blank in ("", "  "):
        exc = refused(led, ValidationError, functools.partial(
            led.award, "H001", "VOL-02", by=GRID, key="c", occurred_at=START,
            evidence=["photo", blank]))
        assert exc.fields["field"] == "evidence"



# -- stored records ----------------------------------------------------------------------------

TAMPERED = {
    "short hash": "UPDATE events SET hash = zeroblob(31) WHERE seq = 3",
    "long hash": "UPDATE events SET hash = zeroblob(33) WHERE seq = 3",
    "empty hash": "UPDATE events SET hash = zeroblob(0) WHERE seq = 3",
    "hash as text": "UPDATE events SET hash = hex(hash) WHERE seq = 3",
    "data as text": "UPDATE events SET data = CAST(data AS TEXT) WHERE seq = 3",
}


@pytest.mark.parametrize("tampering", list(TAMPERED))
def test_reading_a_malformed_stored_record_is_an_integrity_error_naming_its_seq(
        tmp_path: Path, tampering: str) -> None:
    """Reading the log (``events()``, which decodes without checking the chain) refuses a
    record whose hash is not 32 bytes or whose data is not bytes, naming its seq; a record
    whose 32-byte hash was only changed still decodes (the chain check finds that one)."""
    path = tmp_path / "v.db"
    led = make_village(str(path)).ledger
    with sqlite3.connect(path) as db:
        db.execute("UPDATE events SET hash = randomblob(32) WHERE seq = 2")
        db.execute(TAMPERED[tampering])
    with pytest.raises(IntegrityError) as info:
        list(led.events())
    assert info.value.fields == {"seq": 3}
    assert "event 3" in str(info.value)
    assert [e.seq for e in led.events(3)][:1] == [4]
    assert isinstance(next(led.events(1)), RulebookAdopted)
    led.close()
