"""清单制 end to end (issue 19's "Done when"): one village adopts realistic lists
(:func:`pointsledger.rules.example_lists.village_lists`), runs matters through their procedures
with evidence in a real SQLite file, a late step goes overdue at its deadline exactly once, a
supervision query blocks closing until answered, a negative-list request is refused and
recorded, and the board, the public list, the 村务公开 list and the 四议两公开 record read in
Chinese, the same after a replay."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import pendulum
import pytest

from pointsledger import Actor, ChecklistItem, Ledger, ManualClock, Rulebook, reports
from pointsledger.core.events import Stepped
from pointsledger.errors import StateError
from pointsledger.reports import Table
from pointsledger.reports.matters import follows_four_and_two
from pointsledger.rules.example_lists import village_lists
from pointsledger.rules.matters import MATTER_KINDS

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
BRANCH = Actor("pb-01", roles={"party_branch"})
MEETING = Actor("pm-01", roles={"party_members_meeting"})
REPS = Actor("vr-01", roles={"villager_representatives"})
SUPERVISOR = Actor("sv-01", roles={"supervision_committee"})
GRID = Actor("g-01", roles={"grid_worker"})
RESIDENT = Actor("M001", roles={"resident"})
ACTORS = {"party_branch": BRANCH, "committee": COMMITTEE, "party_members_meeting": MEETING,
          "villager_representatives": REPS, "supervision_committee": SUPERVISOR,
          "grid_worker": GRID}


def keyed(table: Table) -> list[dict[str, Any]]:
    """The rows by the stable column keys."""
    return [dict(zip(table.keys, row, strict=True)) for row in table.rows]


def adopt_village(ledger: Ledger) -> None:
    """The village's rulebook with the example lists, its region and household H001."""
    rules = Rulebook("2026", [ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生",
                                            points=5)], matters=village_lists())
    assert [p for p in rules.check() if p.severity == "error"] == []
    ledger.adopt(rules, effective_from=_dt.date(2026, 1, 1), by=COMMITTEE,
                 resolution="2026年1月村民代表会议表决通过", key="adopt")
    ledger.add_region("V01", "东沙沟村", kind="village", by=COMMITTEE, key="v")
    ledger.add_region("G01", "第一网格", kind="grid", parent="V01", by=COMMITTEE, key="g")
    ledger.register_household("H001", grid="G01", head="张三明", by=COMMITTEE, key="h")
    ledger.register_member("M001", household="H001", name="张三明", roles={"resident"},
                           by=COMMITTEE, key="m")


def test_the_example_lists_cover_every_list_and_pass_the_check() -> None:
    """Every list kind has entries; the 小微权力 items and the 村规民约 revision follow
    四议两公开; the negative list has no procedure; the lists pass Rulebook.check."""
    lists = village_lists()
    assert {m.kind for m in lists} == set(MATTER_KINDS)
    assert [m.kind for m in lists] == sorted((m.kind for m in lists), key=MATTER_KINDS.index)
    by_code = {m.code: m for m in lists}
    assert len(by_code) == len(lists)
    for code in ("XW-01", "XW-02", "XW-03", "ZZ-01"):
        assert follows_four_and_two(by_code[code]), code
    assert not follows_four_and_two(by_code["BM-01"])
    assert [s.title for s in by_code["XW-01"].steps] == [
        "党支部提议", "两委商议", "党员大会审议", "村民代表会议决议", "决议公开", "招标投标",
        "签订合同", "竣工验收", "工程款支付", "实施结果公开"]
    assert all(not m.steps for m in lists if m.kind == "negative")
    item = ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5)
    assert Rulebook("x", [item], matters=lists).check() == []
    assert village_lists() == lists  # the same lists each call


def test_a_village_runs_its_lists_end_to_end(tmp_path: Path) -> None:
    """Issue 19's acceptance: procedures with evidence, overdue once at the deadline, a query
    blocking the close, a recorded negative-list refusal, and the reports in Chinese."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 9, tz=TZ))  # a Monday
    path = tmp_path / "village.db"
    ledger = Ledger.open(path, clock=clock)
    adopt_village(ledger)

    # 村级工程项目 through 四议两公开 and its implementation, each step with its evidence
    road = ledger.open_matter("XW-01", request="硬化三组村道1.2公里（张三明家门口段）",
                              by=BRANCH, key="road")
    procedure = ledger.adoption("2026").rulebook.matter("XW-01").steps
    query = None
    for n, step in enumerate(procedure):
        clock.advance(days=1)
        ledger.step(road, "record", code=step.code, evidence=[f"{step.title}记录-{n + 1}"],
                    note="到会32人，同意30人" if step.code == "review" else "",
                    by=ACTORS[step.role], key=f"road/{step.code}")
        if step.code == "deliberate":
            query = ledger.step(road, "query", code="deliberate",
                                text="预算依据是什么？请张三明（电话13812345678）说明",
                                by=SUPERVISOR, key="road/query")
    assert query is not None and ledger.case(road).state == "ready"
    with pytest.raises(StateError, match="open supervision queries"):
        ledger.step(road, "close", by=COMMITTEE, key="road/close")
    assert ledger.case(road).state == "ready"      # the refused close wrote nothing
    clock.advance(days=1)
    ledger.step(road, "answer", query=query.id, text="按县交通局概算，附预算表",
                by=COMMITTEE, key="road/answer")
    assert ledger.step(road, "close", by=COMMITTEE, key="road/close").state == "closed"

    # 低保申请协办: the 入户调查 step goes overdue at its deadline, exactly once
    aid = ledger.open_matter("BM-01", request="张三明申请低保", account="H001", by=RESIDENT,
                             key="aid")
    ledger.step(aid, "record", code="accept", by=GRID, key="aid/accept")
    deadline = pendulum.from_timestamp(ledger.case(aid).due_us / 1_000_000, tz=TZ)
    accepted = ledger.now().date()
    # 5 working days after the acceptance day; the limit ends at 00:00 after the fifth
    assert deadline.time() == _dt.time(0) and deadline.date().weekday() < 6
    assert sum(1 for d in range(1, (deadline.date() - accepted).days)
               if (accepted + _dt.timedelta(days=d)).weekday() < 5) == 5
    clock.set(deadline.subtract(microseconds=1))
    assert [e for e in ledger.overdue_due() if isinstance(e, Stepped) and e.case == aid.seq] == []
    clock.set(deadline)
    late = [e for e in ledger.overdue_due() if isinstance(e, Stepped) and e.case == aid.seq]
    assert [(e.step, dict(e.facts)["overdue"]) for e in late] == [("overdue", "survey")]
    clock.advance(days=3)
    assert ledger.overdue_due() == () and ledger.run_due() == ()
    ledger.step(aid, "record", code="survey", evidence=["入户调查表", "现场照片"], by=GRID,
                key="aid/survey")
    assert ledger.case(aid).detail("late") == ("survey",)

    # the negative list: refused, naming the entry, and recorded on the log
    refusal = ledger.open_matter("FM-01", request="请村里开具无犯罪记录证明", account="H001",
                                 by=GRID, key="refusal")
    assert refusal.state == "refused"
    assert dict(refusal.facts)["refused"] == "FM-01 开具无犯罪记录证明"
    assert ledger.event(refusal.id) == refusal and ledger.case(refusal).state == "refused"

    # what a villager reads, in Chinese
    board = reports.matter_board(ledger).render("github")
    assert "事项办理看板" in board and "低保申请协办" in board and "村民代表民主评议" in board
    assert "村民代表会议" in board and "便民服务事项" in board
    assert reports.matter_board(ledger).notes == (
        "办理中1件（其中待办结0件），逾期0件，待答复质询0个；已办结1件，已撤回0件，负面清单拒绝1件。",)
    listing = reports.matter_list(ledger).render("github")
    for words in ("村级事项清单", "村级工程项目", "党支部提议（村党支部，5个工作日）",
                  "招标投标（村两委，20个自然日）", "低保申请协办", "负面清单", "不予办理",
                  "开具无犯罪记录证明", "《社会救助暂行办法》第十一条"):
        assert words in listing, words
    breakdown = {r["list"]: r for r in keyed(reports.matter_breakdown(ledger))}
    assert (breakdown["小微权力清单"]["done"], breakdown["便民服务事项"]["open"],
            breakdown["便民服务事项"]["ever_late"], breakdown["负面清单"]["refused"]) == (
        1, 1, 1, 1)
    days = {(r["code"], r["stage"]): r for r in keyed(reports.matter_step_days(ledger))}
    assert days[("BM-01", "入户调查")]["late_count"] == 1
    assert days[("XW-01", "党支部提议")]["median_days"] == "1.0"

    disclosure = reports.matter_disclosure(ledger, "2026-03")
    shown = disclosure.render("github")
    assert "村务公开 2026-03" in shown and "已拒绝（负面清单）" in shown and "已办结" in shown
    assert "张三明" not in shown and "张*明申请低保" in shown

    record = reports.decision_record(ledger, road)
    rows = keyed(record)
    assert [r["no"] for r in rows if r["no"]] == [
        "一议", "二议", "三议", "四议", "一公开", "实施", "实施", "实施", "实施", "二公开"]
    assert rows[2]["stage"] == "质询：两委商议" and rows[3]["stage"] == "答复：两委商议"
    assert rows[3]["note"] == "按县交通局概算，附预算表"
    text = record.render("github")
    assert "四议两公开记录：村级工程项目" in text and "党支部提议记录-1" in text
    assert "到会32人，同意30人" in text and "请张*明（电话***********）说明" in text
    assert "张三明" not in text and "13812345678" not in text
    assert record.notes[2] == "状态：已办结 2026-03-13；质询1个，待答复0个。"

    # the log verifies, and a replay from the file reads the same
    before = [reports.matter_board(ledger), reports.matter_list(ledger),
              reports.matter_breakdown(ledger, by="role"), reports.matter_step_days(ledger),
              reports.decision_record(ledger, road, public=False), disclosure]
    ledger.verify()
    ledger.close()
    again = Ledger.open(path, clock=clock)
    after = [reports.matter_board(again), reports.matter_list(again),
             reports.matter_breakdown(again, by="role"), reports.matter_step_days(again),
             reports.decision_record(again, road, public=False),
             reports.matter_disclosure(again, "2026-03")]
    assert after == before
    again.close()
