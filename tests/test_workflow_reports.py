"""Reports on the workflows: claims in notice, the wish wall's masking, boards, rankings and the
passbook."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pointsledger import Actor, reports
from tests.helpers import (
    COMMITTEE,
    GRID,
    GRID2,
    VOLUNTEER,
    WISHER,
    make_workflow_village,
)


def test_claims_in_notice_are_listed_with_masked_names() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    claim = ledger.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    assert reports.claims_notice(ledger).rows == ()
    ledger.step(claim, "check", by=GRID2, key="k")
    ledger.step(claim, "approve", by=COMMITTEE, key="a")
    table = reports.claims_notice(ledger)
    (row,) = table.rows
    assert row[8] == claim.id and row[1] == "H002" and row[2] == "户*1"
    assert row[0] == "2026-03-02" and row[3] == "获评文明家庭" and claim.id not in row[:8]
    assert row[5] == 5 and str(row[6]) == "2026-03-09" and row[7] == 0
    assert "异议" in table.notes[0]
    assert reports.claims_notice(ledger, locale="en").columns[6] == "notice until"


@given(name=st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
                    min_size=2, max_size=5))
def test_the_wish_wall_never_shows_a_wisher_to_the_public(name: str) -> None:
    village = make_workflow_village()
    ledger = village.ledger
    ledger.register_member("M009", household="H004", name=name, roles={"resident"},
                           by=COMMITTEE)
    wish = ledger.submit_wish("M009", "想要一本字典", by=GRID, key="w", value=30)
    ledger.step(wish, "list", category="物品", by=GRID2, key="l")
    def wisher(viewer: Actor, state: str = "listed") -> tuple[str, str]:
        (row,) = reports.wish_wall(ledger, viewer, state=state).rows
        return row[4], row[5]

    public = wisher(Actor("M001", roles={"resident"}))
    assert public == (reports.mask_name(name), "***") and name not in public[0]
    assert wisher(GRID) == (name, "H004")
    ledger.step(wish, "claim", by=VOLUNTEER, key="c")
    assert wisher(VOLUNTEER, "claimed") == (name, "H004")
    assert wisher(WISHER, "claimed")[0] == reports.mask_name(name)


def test_wish_board_and_claimer_ranking() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    other = Actor("M001", roles={"volunteer"})
    for n, (claimer, days) in enumerate([(VOLUNTEER, 2), (VOLUNTEER, 4), (other, 1)]):
        wish = ledger.submit_wish("M002", f"心愿{n}", by=WISHER, key=f"w{n}")
        ledger.step(wish, "list", category="服务", by=GRID, key=f"l{n}")
        clock.advance(days=1)
        ledger.step(wish, "claim", by=claimer, key=f"c{n}")
        clock.advance(days=days)
        ledger.step(wish, "fulfil", evidence=["p"], by=claimer, key=f"f{n}")
    ledger.submit_wish("M002", "还没上墙", by=WISHER, key="w9")
    board = reports.case_board(ledger, "wish")
    counts = dict(reports.case_board(ledger, "wish", locale="en").rows)
    assert dict(board.rows)["已点亮"] == 3 and "到达“已点亮”" in board.notes[0]
    assert counts["fulfilled"] == 3 and counts["submitted"] == 1 and sum(counts.values()) == 4
    assert "75.0%" in board.notes[0] and "认领/接单 1.0 天" in board.notes[1]
    ranking = reports.claimer_ranking(ledger, "wish", period="2026-03")
    assert [(r[0], r[1], r[3], r[4]) for r in ranking.rows] == [(1, "M003", 2, "3.0"),
                                                                (2, "M001", 1, "1.0")]
    clock.advance(days=40)  # later work never changes a past month's ranking
    wish = ledger.submit_wish("M002", "四月", by=WISHER, key="w10")
    ledger.step(wish, "list", category="服务", by=GRID, key="l10")
    ledger.step(wish, "claim", by=other, key="c10")
    ledger.step(wish, "fulfil", evidence=["p"], by=other, key="f10")
    assert reports.claimer_ranking(ledger, "wish", period="2026-03").rows == ranking.rows


def test_order_board_counts_orders() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    order = ledger.place_order("H002", "REPAIR", by=WISHER, key="o")
    ledger.place_order("H002", "REPAIR", by=WISHER, key="o2")
    ledger.step(order, "open", by=GRID, key="op")
    ledger.step(order, "accept", by=VOLUNTEER, key="a")
    counts = dict(reports.case_board(ledger, "order", locale="en").rows)
    assert counts["accepted"] == 1 and counts["placed"] == 1


def test_the_passbook_runs_a_balance() -> None:
    village = make_workflow_village()
    ledger = village.ledger
    case = ledger.submit_time("M002", 120, service="助老", occurred_at=village.clock(),
                              by=Actor("M002", roles={"volunteer"}), key="d")
    ledger.step(case, "approve", by=GRID, key="a")
    ledger.step(case, "approve", by=COMMITTEE, key="b")
    ledger.donate_time("M002", "M004", 30, by=WISHER, key="g")
    rows = reports.passbook(ledger, "M002").rows
    assert [(r[1], r[3], r[4]) for r in rows] == [("存入", 120, 120), ("捐赠", -30, 90)]
    rows = reports.passbook(ledger, "M002", locale="en").rows
    assert [(r[1], r[3], r[4]) for r in rows] == [("deposit", 120, 120), ("donate", -30, 90)]
    assert [(r[3], r[4]) for r in reports.passbook(ledger, "M004").rows] == [(30, 30)]
