"""The 清单制 reports: the matter list, the matter board and the 村务公开 disclosure list."""

from __future__ import annotations

from typing import Any

import pendulum

from pointsledger import Actor, reports
from pointsledger.reports import Table
from tests.test_model_matters import BRANCH, COMMITTEE, GRID, SUPERVISOR, village


def keyed(table: Table) -> list[dict[str, Any]]:
    """The rows by the stable column keys."""
    return [dict(zip(table.keys, row, strict=True)) for row in table.rows]


def test_the_board_shows_open_matters_their_step_role_deadline_and_queries() -> None:
    """Open matters only, with the current step, whose turn, its last day, overdue, queries."""
    ledger, clock = village()
    road = ledger.open_matter("XW-01", request="硬化村道", by=BRANCH, key="m1")
    ledger.step(road, "record", code="propose", evidence=["记录"], by=BRANCH, key="s1")
    ledger.step(road, "query", code="propose", text="依据？", by=SUPERVISOR, key="q1")
    done = ledger.open_matter("XZ-01", request="参保", by=GRID, key="m2")
    ledger.step(done, "record", code="register", by=GRID, key="s2")
    ledger.step(done, "close", by=GRID, key="c2")
    clock.set(pendulum.datetime(2026, 3, 12, tz="Asia/Shanghai"))
    ledger.overdue_due()
    board = reports.matter_board(ledger)
    assert board.title == "事项办理看板"
    (row,) = keyed(board)
    assert (row["matter"], row["step"], row["role"], row["deadline"], row["overdue"],
            row["queries"]) == ("村级工程项目", "两委商议", "村两委", "2026-03-11", "是", 1)
    assert dict(board.summary) == {"open": 1, "overdue": 1, "ready": 0, "queries": 1,
                                   "done": 1, "withdrawn": 0, "refused": 0}
    assert board.notes == ("办理中1件（其中待办结0件），逾期1件，待答复质询1个；已办结1件，"
                           "已撤回0件，负面清单拒绝0件。",)
    english = keyed(reports.matter_board(ledger, locale="en"))[0]
    assert (english["list"], english["role"], english["overdue"]) == (
        "petty_power", "committee", True)


def test_the_disclosure_list_masks_names_and_lists_refusals() -> None:
    """村务公开 of a month: requests masked, the steps of the month with their days, the
    negative-list refusal shown; another month is empty."""
    ledger, _clock = village()
    aid = ledger.open_matter("BM-01", request="张三申请低保，电话13812345678", account="H1",
                             by=Actor("M11", roles={"resident"}), key="m1")
    ledger.step(aid, "record", code="accept", by=GRID, key="s1")
    ledger.open_matter("FM-01", request="开具证明", account="H1", by=COMMITTEE, key="m2")
    table = reports.matter_disclosure(ledger, "2026-03")
    assert table.title == "村务公开 2026-03"
    rows = keyed(table)
    assert [r["state"] for r in rows] == ["办理中", "已拒绝（负面清单）"]
    assert "张三" not in rows[0]["request"] and "13812345678" not in rows[0]["request"]
    assert rows[0]["steps"] == "受理 03-06"
    assert reports.matter_disclosure(ledger, "2026-04").rows == ()


def test_the_matter_list_shows_every_list_in_order_with_procedures() -> None:
    """清单公开: by list kind, with each step's role and limit; the negative list not done."""
    ledger, _clock = village()
    rows = keyed(reports.matter_list(ledger))
    assert [r["list"] for r in rows] == ["协助政府事项", "小微权力清单", "便民服务事项",
                                         "负面清单"]
    assert rows[2]["procedure"].startswith("受理（网格员，1个工作日）→审核（村两委，5个工作日）")
    assert rows[3]["procedure"] == "不予办理"
