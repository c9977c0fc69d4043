"""Matters of the 清单制 lists on a ledger: recording, refusals, the negative list, deadlines,
supervision queries; and the model machine with the matters' rules in front."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pendulum
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from pointsledger import Actor, Ledger, ManualClock
from pointsledger.core.events import Stepped
from pointsledger.errors import (
    EvidenceRequired,
    NotFound,
    PermissionDenied,
    StateError,
    UnknownEntry,
    ValidationError,
)
from pointsledger.rules.matters import Matter, ProcedureStep, four_and_two
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._model_machine import ModelMachine
from pointsledger.testing._model_village import MODEL_MATTERS
from tests.helpers import budget

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-01", roles={"grid_worker"})
BRANCH = Actor("pb-01", roles={"party_branch"})
MEETING = Actor("pm-01", roles={"party_members_meeting"})
REPS = Actor("vr-01", roles={"villager_representatives"})
SUPERVISOR = Actor("sv-01", roles={"supervision_committee"})


class MattersMachine(ModelMachine):
    """The model machine with the matters' rules in front: only the matters' rules are kept
    with the clock, postings and rulebook versions, so runs take matters through their
    procedures, queries and deadlines."""

    families = ("clock", "postings", "rulebook", "matters")

    @rule(data=st.data(), matter=st.sampled_from(["BM-01", "XW-01"]))
    def a_matter_deadline(self, data: st.DataObject, matter: str) -> None:
        """The clock to a step's deadline (or 1 µs before, or a week after) and the overdue
        job twice (the kit's matter rules do this too, more rarely); when no matter waits on
        a deadline, the committee opens one first (a public service for H1, or a project)."""
        if not any(c.flow == "matter" and c.due_us for c in self.model.cases.values()):
            self.keyed("open_matter", matter, request="申请", by=self.committee,
                       key=self.fresh_key(), account="H1" if matter == "BM-01" else None,
                       evidence=("申请表",))
        self.to_a_matter_deadline(data)


TestMattersMachine = MattersMachine.TestCase
TestMattersMachine.settings = settings(max_examples=budget(25), stateful_step_count=40,
                                       deadline=None)


def village() -> tuple[Ledger, ManualClock]:
    """A ledger on Friday 2026-03-06 09:00 with the model's lists and household H1 (member
    M11)."""
    from pointsledger.rules.checklist import ChecklistItem

    clock = ManualClock(pendulum.datetime(2026, 3, 6, 9, tz=TZ))
    ledger = Ledger.in_memory(clock=clock)
    rules = Rulebook("2026", [ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生",
                                            points=5)], matters=MODEL_MATTERS)
    ledger.adopt(rules, effective_from=_dt.date(2026, 1, 1), by=COMMITTEE,
                 resolution="村民代表会议表决通过")
    ledger.add_region("V", "东沙沟村", kind="village", by=COMMITTEE, key="v")
    ledger.add_region("G1", "第一网格", kind="grid", parent="V", by=COMMITTEE, key="g")
    ledger.register_household("H1", grid="G1", head="张三", by=COMMITTEE)
    ledger.register_member("M11", household="H1", name="张三", roles={"resident"},
                           by=COMMITTEE)
    return ledger, clock


def test_a_project_runs_through_four_and_two_with_a_query_and_a_late_step() -> None:
    """四议两公开 with evidence at each step; a late step becomes overdue at its deadline
    exactly once; a query blocks closing until answered; every step is on the log."""
    ledger, clock = village()
    project = ledger.open_matter("XW-01", request="硬化村道", by=BRANCH, key="m")
    assert project.state == "open"
    # 3 working days from Friday: Mon, Tue, Wed -> the limit ends Thursday 00:00
    deadline = pendulum.datetime(2026, 3, 12, tz=TZ)
    assert ledger.case(project).due_us == int(deadline.timestamp() * 1_000_000)
    clock.set(deadline.subtract(microseconds=1))
    assert ledger.overdue_due() == ()
    clock.set(deadline)
    (late,) = ledger.overdue_due()
    assert isinstance(late, Stepped)
    assert (late.step, late.key) == ("overdue", f"@matter/{project.seq}/overdue/1")
    assert ledger.overdue_due() == () and ledger.run_due() == ()
    assert ledger.case(project).detail("late") == ("propose",)
    ledger.step(project, "record", code="propose", evidence=["支部会议记录"], by=BRANCH,
                key="s1")
    query = ledger.step(project, "query", code="propose", text="提议为何逾期？",
                        by=SUPERVISOR, key="q")
    for code, who in [("deliberate", COMMITTEE), ("review", MEETING), ("resolve", REPS),
                      ("publish_resolution", COMMITTEE), ("tender", COMMITTEE),
                      ("publish_result", COMMITTEE)]:
        ledger.step(project, "record", code=code, evidence=["照片"], by=who, key=f"r-{code}")
    assert ledger.case(project).state == "ready"
    with pytest.raises(StateError, match="open supervision queries"):
        ledger.step(project, "close", by=COMMITTEE, key="close")
    ledger.step(project, "answer", query=query.id, text="春节放假，已补正", by=COMMITTEE,
                key="a")
    closed = ledger.step(project, "close", by=COMMITTEE, key="close")
    assert closed.state == "closed"
    steps = [step for step, _actor, _at in ledger.case(project).history]
    assert steps == ["open", "overdue", "record", "query", *["record"] * 6, "answer", "close"]
    ledger.verify()


def test_refusals_write_nothing_and_say_why() -> None:
    """Out of order, wrong role, missing evidence, the applicant's own household, an unknown
    step, an unknown query: each refused with its error, nothing written."""
    ledger, _clock = village()
    applicant = Actor("M11", roles={"resident"})
    case = ledger.open_matter("BM-01", request="申请低保", account="H1", by=applicant, key="m")
    head = ledger.head
    cases: list[tuple[type[Exception], dict[str, Any], Actor, str]] = [
        (StateError, dict(code="review", evidence=["x"]), GRID, "out of order"),
        (PermissionDenied, dict(code="accept"), COMMITTEE, "roles allowed"),
        (ValidationError, dict(code="nope"), GRID, "no step 'nope'"),
        (PermissionDenied, dict(code="accept"), Actor("M11", roles={"grid_worker"}),
         "household"),
    ]
    for error, args, by, text in cases:
        with pytest.raises(error, match=text):
            ledger.step(case, "record", by=by, key="x", **args)
    ledger.step(case, "record", code="accept", by=GRID, key="s1")
    with pytest.raises(EvidenceRequired):
        ledger.step(case, "record", code="review", by=COMMITTEE, key="x")
    with pytest.raises(UnknownEntry):
        ledger.step(case, "answer", query=case.id, text="x", by=COMMITTEE, key="x")
    with pytest.raises(PermissionDenied):
        ledger.step(case, "query", code="accept", text="?", by=GRID, key="x")
    assert ledger.head == head + 1


def test_a_negative_list_request_is_refused_and_recorded() -> None:
    """A 负面清单 request: the returned event is the recorded refusal naming the entry; the
    case takes no step; an unknown matter is NotFound and writes nothing."""
    ledger, _clock = village()
    refusal = ledger.open_matter("FM-01", request="开具无犯罪记录证明", account="H1",
                                 by=GRID, key="m")
    assert refusal.state == "refused"
    assert dict(refusal.facts)["refused"] == "FM-01 开具无犯罪记录证明"
    assert ledger.case(refusal).state == "refused"
    with pytest.raises(StateError):
        ledger.step(refusal, "record", code="x", by=COMMITTEE, key="x")
    head = ledger.head
    with pytest.raises(NotFound, match="no matter 'ZZ-99'"):
        ledger.open_matter("ZZ-99", request="x", by=GRID, key="y")
    assert ledger.head == head
    assert ledger.open_matter("FM-01", request="开具无犯罪记录证明", account="H1", by=GRID,
                              key="m") == refusal


def test_a_matter_keeps_the_procedure_it_was_opened_under() -> None:
    """A later version with another procedure does not change an open matter's steps."""
    ledger, clock = village()
    case = ledger.open_matter("XZ-01", request="参保", by=GRID, key="m")
    other = Rulebook("2026b", [], matters=[Matter(
        "XZ-01", "医保参保登记", kind="assist_government", role="committee",
        steps=four_and_two())])
    ledger.adopt(other, effective_from=_dt.date(2026, 3, 7), by=COMMITTEE, resolution="表决")
    clock.advance(days=2)
    done = ledger.step(case, "record", code="register", by=GRID, key="r")
    assert done.state == "ready"
    assert ProcedureStep("register", "登记", role="grid_worker",
                         evidence_required=False) in MODEL_MATTERS[2].steps
