"""What the 清单制 matters flow must get right, found by mutation testing (issue 16): each test
here kills mutants of :mod:`pointsledger.workflows.matters` and :mod:`pointsledger.workflows.steps`
that the rest of the suite let live (docs/mutation.md): who may query, answer, close and
withdraw a matter and the fields of each refusal, the deadline a query or an answer keeps, the
``late`` and ``overdue`` facts of the due job, deadlines counted from the local day, a step
without a time limit, and a matter for the whole village."""

from __future__ import annotations

import datetime as _dt
import functools

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import (
    Actor,
    EvidenceRequired,
    PermissionDenied,
    StateError,
    UnknownEntry,
    ValidationError,
)
from pointsledger.base.clock import from_us
from pointsledger.core.events import Event, Stepped
from pointsledger.rules.matters import limit_ends
from pointsledger.testing._model_village import MODEL_MATTERS
from tests.helpers import (
    COMMITTEE,
    COMMITTEE2,
    GRID,
    GRID2,
    TZ,
    VOLUNTEER,
    WISHER,
    Village,
    budget,
    make_workflow_village,
)
from tests.test_ledger import refused

SUPERVISOR = Actor("sv-01", roles={"supervision_committee"})
AUDITOR = Actor("au-01", roles={"auditor"})  # granted matter.query by the default policy
KIN = Actor("M005", roles={"grid_worker", "committee"})  # of household H002
FRIDAY_EARLY = pendulum.datetime(2026, 3, 6, 7, 0, tz=TZ)  # still Thursday in UTC


def _village() -> Village:
    """The workflow village with the model's matter lists (BM-01: accept by a grid worker in 1
    working day, review by the committee in 5, publish in 7 calendar days; XZ-01: one step
    without a limit), and M005 of H002 holding the staff roles of BM-01."""
    village = make_workflow_village(matters=MODEL_MATTERS)
    village.ledger.register_member("M005", household="H002", name="欧阳刚",
                                   roles={"grid_worker", "committee"}, by=COMMITTEE)
    return village


def _us(when: _dt.datetime) -> int:
    return int(when.timestamp() * 1_000_000)


def _local_midnight(day: _dt.date) -> int:
    return _us(pendulum.datetime(day.year, day.month, day.day, tz=TZ))


def _ready(village: Village, by: Actor = GRID) -> Stepped:
    """A BM-01 matter for H002 asked for by ``by``, its three steps recorded (by GRID2 and
    COMMITTEE2): ``ready`` to close."""
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=by, key="m")
    assert isinstance(opened, Stepped)
    led.step(opened, "record", code="accept", by=GRID2, key="r/accept")
    led.step(opened, "record", code="review", evidence=["审核表"], by=COMMITTEE2, key="r/review")
    led.step(opened, "record", code="publish", evidence=["公示照片"], by=COMMITTEE2,
             key="r/publish")
    assert led.case(opened).state == "ready"
    return opened


def test_a_matter_for_the_whole_village_names_no_account_and_a_step_without_limit_is_never_due(
        ) -> None:
    """Opened without ``account``: the request and the case name no account or household ("").
    Its only step has no time limit: deadline 0, so the overdue job never marks it, and
    recording it leaves the matter ready with no deadline either."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("XZ-01", request="医保参保登记", by=GRID, key="m")
    assert dict(opened.args)["account"] == ""
    facts = dict(opened.facts)
    assert (facts["account"], facts["household"], facts["next"], facts["due_us"],
            facts["deadline_us"]) == ("", "", "register", 0, 0)
    case = led.case(opened)
    assert (case.account, case.household, case.due_us) == ("", "", 0)
    village.clock.advance(days=90)
    assert led.overdue_due() == ()
    done = led.step(opened, "record", code="register", by=GRID2, key="r")
    assert isinstance(done, Stepped)
    assert done.state == "ready"
    assert (dict(done.facts)["next"], dict(done.facts)["deadline_us"]) == ("", 0)
    assert led.case(opened).due_us == 0


def test_a_negative_list_refusal_records_the_rulebook_version() -> None:
    """The recorded refusal of a 负面清单 request carries the version in force, like any
    opening."""
    village = _village()
    refusal = village.ledger.open_matter("FM-01", request="开具无犯罪记录证明", account="H002",
                                         by=GRID, key="m")
    assert (refusal.state, refusal.version) == ("refused", "2026")


def test_a_resident_opens_matters_for_their_own_household_only() -> None:
    """Self-service: a resident asks for their own household; for another one, refused naming
    the household, nothing written."""
    village = _village()
    led = village.ledger
    exc = refused(led, PermissionDenied, lambda: led.open_matter(
        "BM-01", request="申请低保", account="H003", by=WISHER, key="m"))
    assert exc.fields == {"actor": "M002", "command": "matter.open", "household": "H003"}
    own = led.open_matter("BM-01", request="申请低保", account="H002", by=WISHER, key="m")
    assert led.case(own).household == "H002"


def test_a_deadline_counts_from_the_local_day_in_working_or_calendar_days() -> None:
    """At 07:00 on a Friday in the ledger's zone (Thursday in UTC) one working day ends at the
    start of Tuesday; a 7-calendar-day step recorded next starts the next Saturday week."""
    village = _village()
    led = village.ledger
    village.clock.set(FRIDAY_EARLY)
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")
    assert led.case(opened).due_us == _local_midnight(_dt.date(2026, 3, 10))
    led.step(opened, "record", code="accept", by=GRID2, key="r/accept")
    # five working days from Friday: Mon..Fri, the limit ends Saturday 00:00
    assert led.case(opened).due_us == _local_midnight(_dt.date(2026, 3, 14))
    village.clock.advance(days=1)  # Saturday
    published = led.step(opened, "record", code="review", evidence=["审核表"], by=COMMITTEE2,
                         key="r/review")
    # seven calendar days after Saturday 03-07: ends Sunday 03-15 (working days: 03-17)
    assert dict(published.facts)["deadline_us"] == _local_midnight(_dt.date(2026, 3, 15))
    assert led.case(opened).due_us == _local_midnight(_dt.date(2026, 3, 15))


@settings(max_examples=budget(12), deadline=None)
@given(day=st.integers(1, 13), minute=st.integers(0, 24 * 60 - 1))
def test_a_steps_limit_depends_only_on_the_local_day_it_starts(day: int, minute: int) -> None:
    """Whatever the minute of the local day a matter opens, its first step (one working day)
    is due at the start of the day the limit ends, counted from that local day."""
    village = _village()
    start = pendulum.datetime(2026, 3, 2, tz=TZ).add(days=day, minutes=minute)
    village.clock.set(start)
    opened = village.ledger.open_matter("BM-01", request="申请低保", account="H002", by=GRID,
                                        key="m")
    ends = limit_ends(start.date(), 1, "working")
    assert village.ledger.case(opened).due_us == _local_midnight(ends) > _us(start)


def test_recording_refusals_name_the_actor_the_case_and_the_step() -> None:
    """The asker may not record a step (the message names the actor and the matter); a step
    that needs evidence, refused without it, names the step; a code that is no id is refused
    as ``code``."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")
    exc = refused(led, PermissionDenied, lambda: led.step(opened, "record", code="accept",
                                                          by=GRID, key="r"))
    assert exc.fields == {"actor": "g-07", "case": opened.id}
    assert "'g-07'" in str(exc) and opened.id in str(exc)
    bad = refused(led, ValidationError, lambda: led.step(opened, "record", code="no such id!",
                                                         by=GRID2, key="r"))
    assert bad.fields["field"] == "code"
    led.step(opened, "record", code="accept", by=GRID2, key="r/accept")
    exc2 = refused(led, EvidenceRequired, lambda: led.step(opened, "record", code="review",
                                                           by=COMMITTEE, key="r"))
    assert exc2.fields == {"case": opened.id, "step": "review"}
    assert "'review'" in str(exc2)


def test_queries_come_from_supervision_or_a_granted_role_and_name_a_reached_step() -> None:
    """The supervisor's role and the roles the policy grants ``matter.query`` (an auditor)
    may query; anyone else is refused naming the roles allowed. A query names a step the
    matter has reached (the current one or before), not the one after; once every step is
    recorded, any step (next test)."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")
    exc = refused(led, PermissionDenied, lambda: led.step(
        opened, "query", code="accept", text="为何未受理？", by=GRID2, key="q"))
    assert exc.fields == {"actor": "g-08", "case": opened.id,
                          "allowed": ["auditor", "supervision_committee"]}
    exc2 = refused(led, ValidationError, lambda: led.step(
        opened, "query", code="review", text="审核了吗？", by=SUPERVISOR, key="q"))
    assert exc2.fields == {"field": "code", "value": "review"}
    assert "'review'" in str(exc2) and opened.id in str(exc2)
    exc3 = refused(led, ValidationError, lambda: led.step(
        opened, "query", code="no such id!", text="?", by=SUPERVISOR, key="q"))
    assert exc3.fields["field"] == "code"
    query = led.step(opened, "query", code="accept", text="为何未受理？", by=AUDITOR, key="q")
    assert query.state == "open"
    assert led.case(opened).objections == (query.seq,)


def test_a_ready_matter_may_be_queried_on_any_step() -> None:
    """With every step recorded, a query may name the first step or the last."""
    village = _village()
    led = village.ledger
    opened = _ready(village)
    for code in ("accept", "publish"):
        asked = led.step(opened, "query", code=code, text="请说明", by=SUPERVISOR,
                         key=f"q/{code}")
        assert asked.state == "ready"
    assert len(led.case(opened).objections) == 2


def test_a_query_and_its_answer_keep_the_steps_deadline() -> None:
    """Neither a query nor its answer moves or clears the deadline of the step the matter
    waits on: both record it, and the overdue job still marks that step at it."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")
    due = led.case(opened).due_us
    assert due > 0
    query = led.step(opened, "query", code="accept", text="为何未受理？", by=SUPERVISOR,
                     key="q")
    assert dict(query.facts) == {"due_us": due}
    assert led.case(opened).due_us == due
    answer = led.step(opened, "answer", query=query.id, text="材料不全，已通知补正",
                      by=COMMITTEE, key="a")
    assert dict(answer.facts) == {"due_us": due}
    assert led.case(opened).due_us == due
    village.clock.set(from_us(due, TZ))
    (late,) = led.overdue_due()
    assert isinstance(late, Stepped) and (late.case, late.step) == (opened.seq, "overdue")


def test_an_answer_names_an_open_query_and_comes_from_a_role_of_the_matter_outside_the_household(
        ) -> None:
    """An answer to an event that is no open query is UnknownEntry naming it and the open
    ones; by someone without the matter's role or the queried step's role, refused naming
    the roles allowed; by someone of the household, refused naming it. The asker, holding
    the queried step's role, may answer. Nothing written on a refusal."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")
    query = led.step(opened, "query", code="accept", text="为何未受理？", by=SUPERVISOR,
                     key="q")

    def answer(by: Actor, to: Event = query) -> Stepped:
        return led.step(opened, "answer", query=to.id, text="已受理", by=by, key="a")

    exc = refused(led, UnknownEntry, lambda: answer(COMMITTEE, opened))
    assert exc.fields == {"entry": opened.seq, "open": [query.seq]}
    assert f"e{opened.seq}" in str(exc) and opened.id in str(exc)
    exc2 = refused(led, PermissionDenied, lambda: answer(VOLUNTEER))
    assert exc2.fields == {"actor": "M003", "case": opened.id,
                           "allowed": ["committee", "grid_worker"]}
    exc3 = refused(led, PermissionDenied, lambda: answer(KIN))
    assert exc3.fields == {"actor": "M005", "case": opened.id, "household": "H002"}
    answered = answer(GRID)
    assert answered.state == "open"
    assert led.case(opened).objections == ()


def test_closing_takes_the_responsible_role_outside_the_household_and_no_open_query() -> None:
    """Close: by the matter's role only (refused naming it), never by someone of the
    household (refused naming it), not while a query is open (StateError naming the state,
    the step, ``answer`` as the way on and the open queries); the asker, holding the role,
    may close."""
    village = _village()
    led = village.ledger
    opened = _ready(village, by=COMMITTEE)
    query = led.step(opened, "query", code="publish", text="公示几天？", by=SUPERVISOR, key="q")

    def close(by: Actor) -> Stepped:
        return led.step(opened, "close", by=by, key="close")

    exc = refused(led, PermissionDenied, lambda: close(GRID))
    assert exc.fields == {"actor": "g-07", "case": opened.id, "allowed": ["committee"]}
    exc2 = refused(led, PermissionDenied, lambda: close(KIN))
    assert exc2.fields == {"actor": "M005", "case": opened.id, "household": "H002"}
    exc3 = refused(led, StateError, lambda: close(COMMITTEE2))
    assert exc3.fields == {"case": opened.id, "flow": "matter", "state": "ready",
                           "step": "close", "allowed": ["answer"], "open": [f"e{query.seq}"]}
    assert f"e{query.seq}" in str(exc3)
    led.step(opened, "answer", query=query.id, text="七天", by=COMMITTEE2, key="a")
    closed = close(COMMITTEE)
    assert closed.state == "closed"


def test_withdrawing_takes_the_asker_or_the_responsible_role_and_no_open_query() -> None:
    """Withdraw: by the asker or the matter's role (anyone else refused naming the role), not
    while a query is open (StateError naming ``withdraw``)."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")

    def withdraw(by: Actor) -> Stepped:
        return led.step(opened, "withdraw", reason="不再需要", by=by, key="w")

    exc = refused(led, PermissionDenied, lambda: withdraw(VOLUNTEER))
    assert exc.fields == {"actor": "M003", "case": opened.id, "allowed": ["committee"]}
    query = led.step(opened, "query", code="accept", text="为何未受理？", by=SUPERVISOR,
                     key="q")
    exc2 = refused(led, StateError, lambda: withdraw(GRID))
    assert exc2.fields == {"case": opened.id, "flow": "matter", "state": "open",
                           "step": "withdraw", "allowed": ["answer"],
                           "open": [f"e{query.seq}"]}
    led.step(opened, "answer", query=query.id, text="材料不全", by=COMMITTEE, key="a")
    assert withdraw(GRID).state == "withdrawn"


def test_each_late_step_is_marked_overdue_once_and_the_late_list_grows() -> None:
    """The due job marks the step the matter waits on: ``overdue`` names it, ``late`` appends
    it to the steps late before, the deadline is cleared; recording the step clears
    ``overdue`` and keeps ``late``."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")
    village.clock.set(from_us(led.case(opened).due_us, TZ))
    (first,) = led.overdue_due()
    assert isinstance(first, Stepped)
    assert dict(first.facts) == {"overdue": "accept", "late": ("accept",)}
    case = led.case(opened)
    assert (case.due_us, case.detail("overdue"), case.detail("late")) == (
        0, "accept", ("accept",))
    assert led.overdue_due() == ()
    led.step(opened, "record", code="accept", by=GRID2, key="r/accept")
    case = led.case(opened)
    assert (case.detail("overdue"), case.detail("late")) == ("", ("accept",))
    village.clock.set(from_us(case.due_us, TZ))
    (second,) = led.overdue_due()
    assert isinstance(second, Stepped)
    assert dict(second.facts) == {"overdue": "review", "late": ("accept", "review")}
    assert led.case(opened).detail("late") == ("accept", "review")


# -- workflows.steps, on matters ----------------------------------------------------------------


def test_next_steps_of_a_matter_leave_out_the_due_jobs_step() -> None:
    """An open matter offers its people's steps but never ``overdue`` (the due job's); a
    ready one offers query, answer and close; a refused or closed one nothing."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")
    assert led.next_steps(opened) == ("record", "query", "answer", "withdraw")
    refusal = led.open_matter("FM-01", request="开具无犯罪记录证明", account="H002", by=GRID,
                              key="f")
    assert led.next_steps(refusal) == ()
    other = _village()
    ready = _ready(other)
    assert other.ledger.next_steps(ready) == ("query", "answer", "close")
    other.ledger.step(ready, "close", by=COMMITTEE, key="close")
    assert other.ledger.next_steps(ready) == ()


def test_a_step_the_flow_lacks_is_refused_naming_it_and_the_steps_allowed_now() -> None:
    """The due job's step, or one the matter flow does not have (or no string at all), is a
    ValidationError naming the step; for an unknown step the message also names every step
    the matter allows now. Nothing written."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")
    exc = refused(led, ValidationError, lambda: led.step(opened, "overdue", by=GRID, key="s"))
    assert exc.fields == {"step": "overdue"}
    assert "'overdue'" in str(exc)
    for bad in ("approve", 7):
        exc2 = refused(led, ValidationError, functools.partial(led.step, opened, bad, by=GRID,
                                                               key="s"))
        assert exc2.fields == {"step": bad}
        message = str(exc2)
        assert repr(bad) in message
        now = message.rsplit("allowed now:", 1)[1]
        assert all(step in now for step in led.next_steps(opened))


def test_a_missing_or_unknown_step_argument_is_named_with_the_step_it_belongs_to() -> None:
    """A ``record`` without ``code``, or with an argument it does not take, is refused naming
    the argument, and the message says which flow's step it was for."""
    village = _village()
    led = village.ledger
    opened = led.open_matter("BM-01", request="申请低保", account="H002", by=GRID, key="m")
    missing = refused(led, ValidationError, lambda: led.step(opened, "record", by=GRID2,
                                                             key="s"))
    unknown = refused(led, ValidationError, lambda: led.step(
        opened, "record", code="accept", colour="red", by=GRID2, key="s"))
    assert (missing.fields, unknown.fields) == ({"field": "code"}, {"field": "colour"})
    for exc in (missing, unknown):
        assert "matter" in str(exc) and "'record'" in str(exc)
