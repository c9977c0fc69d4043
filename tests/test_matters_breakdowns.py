"""The matter board's breakdowns (by list, by responsible role, days per step) and the 四议两公开
decision record, as properties of random runs of the example lists: the figures add up to the
board and to the cases' histories, periods partition them, and public records stay masked."""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import Ledger, ManualClock, reports
from pointsledger.errors import UnknownEntry, ValidationError
from pointsledger.reports.matters import (
    _case_events,
    _scan_case_events,
    follows_four_and_two,
)
from pointsledger.rules.example_lists import village_lists
from tests.helpers import budget
from tests.test_matters_qingdan import (
    ACTORS,
    GRID,
    RESIDENT,
    SUPERVISOR,
    TZ,
    adopt_village,
    keyed,
)

CODES = tuple(m.code for m in village_lists())
COLUMNS = ("open", "overdue", "done", "withdrawn", "refused", "ever_late")

operations = st.lists(st.one_of(
    st.tuples(st.just("open"), st.sampled_from(CODES), st.booleans()),
    st.tuples(st.sampled_from(("record", "record", "finish", "finish", "query", "answer",
                               "answer", "close", "withdraw")), st.integers(0, 30)),
    st.tuples(st.just("wait"), st.integers(0, 12)),
    st.tuples(st.just("wait"), st.integers(3, 12)),
), min_size=10, max_size=50)


def run(script: list[tuple[Any, ...]]) -> Ledger:
    """A village that runs ``script``: each operation is taken only where it is allowed (an
    illegal one would raise and fail the test), the overdue job after every wait."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz=TZ))
    ledger = Ledger.in_memory(clock=clock)
    adopt_village(ledger)
    for n, op in enumerate(script):
        if op[0] == "open":
            _kind, code, own = op
            ledger.open_matter(code, request="张三明的申请，电话13812345678",
                               account="H001" if own else None, by=RESIDENT if own else GRID,
                               key=f"o{n}")
            continue
        if op[0] == "wait":
            clock.advance(days=op[1], hours=5)
            ledger.overdue_due()
            continue
        live = [c for c in ledger.cases("matter") if c.state in ("open", "ready")]
        if not live:
            continue
        # progress goes to the oldest live matter, so matters get done; queries and
        # withdrawals to any
        case = live[op[1] % len(live) if op[0] in ("query", "withdraw") else 0]
        matter = ledger.adoption(case.detail("matter_version")).rulebook.matter(case.subject)
        following = case.detail("next")
        if op[0] == "finish":  # the rest of the procedure, a day a step, and the close
            for step in matter.steps[[s.code for s in matter.steps].index(following):
                                     ] if following else ():
                clock.advance(days=1)
                ledger.step(case.id, "record", code=step.code,
                            evidence=[f"张三明签字的{step.title}"], by=ACTORS[step.role],
                            key=f"f{n}/{step.code}")
            if not case.objections:
                ledger.step(case.id, "close", by=ACTORS[matter.role], key=f"f{n}")
        elif op[0] == "record" and following:
            current = matter.step(following)
            assert current is not None
            ledger.step(case.id, "record", code=following,
                        evidence=[f"张三明签字的{current.title}"], by=ACTORS[current.role],
                        key=f"r{n}")
        elif op[0] == "query":
            reached = [s.code for s in matter.steps]
            if following:
                reached = reached[:reached.index(following) + 1]
            ledger.step(case.id, "query", code=reached[op[1] % len(reached)],
                        text="张三明问：依据？", by=SUPERVISOR, key=f"q{n}")
        elif op[0] == "answer" and case.objections:
            query = ledger.event(case.objections[0])
            ledger.step(case.id, "answer", query=query.id, text="已答复", by=ACTORS[matter.role],
                        key=f"a{n}")
        elif op[0] == "close" and case.state == "ready" and not case.objections:
            ledger.step(case.id, "close", by=ACTORS[matter.role], key=f"c{n}")
        elif op[0] == "withdraw" and case.state == "open" and not case.objections:
            ledger.step(case.id, "withdraw", reason="申请人撤回", by=ACTORS[matter.role],
                        key=f"w{n}")
    return ledger


def totals(table: reports.Table) -> dict[str, int]:
    """The columns' totals of a breakdown."""
    return {c: sum(r[c] for r in keyed(table)) for c in COLUMNS}


@settings(max_examples=budget(25), deadline=None)
@given(operations)
def test_breakdowns_add_up_to_the_board_and_the_histories(script: list[tuple[Any, ...]]) -> None:
    """By list and by role the totals agree with each other, with the summary and with the
    board; the days per step count every recorded step and every overdue mark."""
    ledger = run(script)
    cases = ledger.cases("matter")
    board = dict(reports.matter_board(ledger).summary)
    by_list, by_role = (reports.matter_breakdown(ledger, by=by) for by in ("list", "role"))
    assert totals(by_list) == totals(by_role)
    summary = dict(by_list.summary)
    assert {c: summary[c] for c in COLUMNS} == totals(by_list)
    assert (summary["open"], summary["overdue"], summary["done"], summary["withdrawn"],
            summary["refused"]) == (board["open"], board["overdue"], board["done"],
                                    board["withdrawn"], board["refused"])
    assert summary["matters"] == len(cases)
    assert summary["ever_late"] == sum(1 for c in cases if c.detail("late", ()))
    assert [r["list"] for r in keyed(by_list)] == [
        "村级自治事项", "协助政府事项", "小微权力清单", "便民服务事项", "负面清单"]
    steps = reports.matter_step_days(ledger)
    history = Counter(step for c in cases for step, _actor, _at in c.history)
    assert sum(r["recorded_steps"] for r in keyed(steps)) == history["record"]
    assert sum(r["late_count"] for r in keyed(steps)) == history["overdue"]
    assert dict(steps.summary)["steps"] == history["record"]


@settings(max_examples=budget(15), deadline=None)
@given(operations)
def test_periods_partition_the_breakdowns(script: list[tuple[Any, ...]]) -> None:
    """The months' breakdowns and step counts add up to all time's."""
    ledger = run(script)
    months = [f"2026-{m:02d}" for m in range(3, 13)] + [f"2027-{m:02d}" for m in range(1, 7)]
    assert ledger.now() < pendulum.datetime(2027, 7, 1, tz=TZ)
    whole = dict(reports.matter_breakdown(ledger, by="role").summary)
    parts = [dict(reports.matter_breakdown(ledger, by="role", period=m).summary)
             for m in months]
    for column in (*COLUMNS, "matters"):
        assert sum(p[column] for p in parts) == whole[column], column
    step_parts = [dict(reports.matter_step_days(ledger, period=m).summary) for m in months]
    every = dict(reports.matter_step_days(ledger).summary)
    assert sum(p["steps"] for p in step_parts) == every["steps"]
    assert sum(p["late"] for p in step_parts) == every["late"]


@settings(max_examples=budget(25), deadline=None)
@given(operations)
def test_decision_records_follow_the_cases_and_stay_masked(
        script: list[tuple[Any, ...]]) -> None:
    """Each 四议两公开 matter's record has a row per procedure step, the recorded ones filled
    in, a query row and an answer row per query (待答复 for the open ones); the public record
    never shows a registered name or a phone number, the officials' record does."""
    ledger = run(script)
    for case in ledger.cases("matter"):
        # the record finds a case's events by their times as a read of the log does
        events = _case_events(ledger, case)
        assert events == _scan_case_events(ledger, case)
        assert [e.step for e in events] == [step for step, _actor, _at in case.history]
        matter = ledger.adoption(case.detail("matter_version")).rulebook.matter(case.subject)
        if not follows_four_and_two(matter):
            with pytest.raises(ValidationError, match="四议两公开"):
                reports.decision_record(ledger, case.id)
            continue
        table = reports.decision_record(ledger, case)
        rows = keyed(table)
        history = Counter(step for step, _actor, _at in case.history)
        steps = [r for r in rows if r["no"]]
        assert [r["stage"] for r in steps] == [s.title for s in matter.steps]
        assert sum(1 for r in steps if r["date"]) == history["record"]
        assert sum(1 for r in steps if r["overdue"] == "是") == history["overdue"]
        asked = [r for r in rows if r["stage"].startswith("质询：")]
        answered = [r for r in rows if r["stage"].startswith("答复：")]
        assert len(asked) == len(answered) == history["query"]
        assert sum(1 for r in answered if r["note"] == "待答复") == len(case.objections)
        shown = table.render("github") + "".join(table.notes)
        assert ("（撤回理由：申请人撤回）" in table.notes[2]) == (case.state == "withdrawn")
        assert "张三明" not in shown and "13812345678" not in shown
        if history["record"]:
            assert "张*明签字的" in shown
        private = reports.decision_record(ledger, case, public=False).render("github")
        assert ("张三明签字的" in private) == bool(history["record"])


def test_the_decision_record_refuses_what_is_not_a_decision() -> None:
    """Not a matter, no such case, or a matter without 四议两公开: clear errors naming it."""
    ledger = run([("open", "BM-01", True)])
    aid = ledger.cases("matter")[0]
    with pytest.raises(ValidationError, match="BM-01 低保申请协办 does not follow 四议两公开"):
        reports.decision_record(ledger, aid.id)
    with pytest.raises(UnknownEntry):
        reports.decision_record(ledger, "e999-000000000000")
    with pytest.raises(ValidationError, match="by must be one of list, role, got 'grid'"):
        reports.matter_breakdown(ledger, by="grid")


def test_an_open_decision_shows_its_next_step_and_open_query_in_english() -> None:
    """The current step's last day, an unanswered query, English labels on request."""
    ledger = run([("open", "XW-02", False), ("record", 0), ("query", 0)])
    (case,) = ledger.cases("matter")
    rows = keyed(reports.decision_record(ledger, case, locale="en", public=False))
    assert [r["no"] for r in rows[:4]] == ["deliberation 1", "", "", "deliberation 2"]
    assert (rows[1]["stage"], rows[1]["actor"], rows[1]["note"]) == (
        "query: 党支部提议", "sv-01", "张三明问：依据？")
    assert rows[2]["note"] == "not yet answered"
    # 5 working days from Monday 2026-03-02: the limit ends at the start of Tuesday 03-10
    assert rows[3]["note"] == "next, due by 2026-03-09"
    assert [r["note"] for r in rows[4:]] == [""] * (len(rows) - 4)  # later steps wait
    assert rows[0]["actor"] == "pb-01" and rows[0]["overdue"] is False
    assert _dt.date.fromisoformat(rows[0]["date"]) == _dt.date(2026, 3, 2)
    private = reports.decision_record(ledger, case, public=False).notes
    assert private[1] == "申请内容：张三明的申请，电话13812345678；2026-03-02受理，申请人g-01。"
    public = reports.decision_record(ledger, case).notes
    assert public[1] == "申请内容：张*明的申请，电话***********；2026-03-02受理，申请人g-01。"
