"""Reports a village would post (#17): titles instead of codes, Chinese throughout, the 红榜 of
earners and the 黑榜 of deductions, one meaning of a household's points, the star list."""

from __future__ import annotations

import re

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import Actor, Ledger, Reward, Rulebook, ValidationError, rate, reports
from pointsledger.core.events import Deducted
from pointsledger.testing import command_sequences, run_commands, villages

from .helpers import (
    COMMITTEE,
    GRID,
    GRID2,
    TZ,
    VOLUNTEER,
    WISHER,
    budget,
    make_village,
    make_workflow_village,
    workflow_rulebook,
)

KEEPER = Actor("s-01", roles={"store_keeper"})
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def english_words(text: str) -> list[str]:
    """Words of three or more Latin letters, once the anchor (a hex digest) and entry
    numbers (``e24-f8fc6cfd141f``, the claim's number officials quote) are taken out."""
    text = re.sub(r"[0-9a-f]{16,}(:\d+:[0-9a-f]+)?|\be\d+-[0-9a-f]+", "", text)
    return ENGLISH.findall(text)


def store_rulebook() -> Rulebook:
    """The workflow rulebook with two rewards in the store."""
    base = workflow_rulebook()
    return Rulebook(base.version, base.items, category_caps=dict(base.category_caps),
                    rewards=[Reward("DISH", "洗洁精", cost=20), Reward("SOAP", "肥皂", cost=5)],
                    claims=base.claims, wishes=base.wishes, services=base.services,
                    timebank=base.timebank)


def busy_village() -> Ledger:
    """A small month: awards to households and members, deductions (one reversed), a
    redemption, a claim in notice, a wish on the wall."""
    village = make_village("memory", rules=store_rulebook())
    ledger, clock = village.ledger, village.clock
    ledger.register_member("M003", household="H003", name="李四光",
                           roles={"resident", "volunteer", "party_member"}, by=COMMITTEE)
    when = clock().subtract(days=1)
    ledger.award("H001", "ENV-01", by=GRID, key="a1", occurred_at=when)
    ledger.award("M001", "VOL-02", by=GRID2, key="a2", occurred_at=when)
    ledger.award("H002", "ENV-01", by=GRID, key="a3", occurred_at=when)
    ledger.award("H002", "ENV-01", by=GRID, key="a4", occurred_at=when)
    ledger.award("H003", "VOL-02", by=GRID, key="a5", occurred_at=when)
    ledger.deduct("H003", "COV-03", by=GRID, key="d1", occurred_at=when)
    ledger.deduct("H002", "COV-09", by=GRID, key="d2", occurred_at=when, evidence=["photo"])
    wrong = ledger.deduct("H004", "COV-03", by=GRID, key="d3", occurred_at=when)
    ledger.reverse(wrong.id, reason="误录", by=COMMITTEE, key="r1")
    ledger.receive_stock("SOAP", 10, by=KEEPER, key="s1")
    ledger.redeem("H001", "SOAP", by=KEEPER, key="x1")
    claim = ledger.submit_claim("H001", "HON-01", by=GRID, key="c", occurred_at=when)
    ledger.step(claim, "check", by=GRID2, key="ck")
    ledger.step(claim, "approve", by=COMMITTEE, key="ap")
    wish = ledger.submit_wish("M002", "想要一本字典", by=GRID, key="w", value=30)
    ledger.step(wish, "list", category="物品", by=GRID2, key="l")
    return ledger


# -- the boards ------------------------------------------------------------------------------


def test_the_red_board_never_lists_a_household_that_earned_nothing() -> None:
    """Early in a month with one deduction and no awards, the 红榜 is empty, not a tie of
    every household at 0 (the issue's 40 rows)."""
    village = make_village("memory")
    ledger = village.ledger
    ledger.deduct("H003", "COV-03", by=GRID, key="d", occurred_at=village.clock())
    board = reports.honour_board(ledger, "2026-03", top=2)
    assert board.rows == ()
    ledger.award("H001", "ENV-01", by=GRID, key="a", occurred_at=village.clock())
    assert [row[1:] for row in reports.honour_board(ledger, "2026-03").rows] == [
        ("H001", "户*0", 5)]


def test_the_black_board_lists_exactly_the_households_with_deductions() -> None:
    """The 黑榜 names the households with deductions (net of reversals), most deducted first,
    with the items' titles; a low earner who broke no rule is not on it."""
    board = reports.honour_board(busy_village(), "2026-03", bottom=True)
    assert board.keys == ("rank", "household", "name", "deducted", "violations")
    assert [row[:5] for row in board.rows] == [(1, "H002", "户*1", 20, "违反公共道德"),
                                               (2, "H003", "户*2", 5, "焚烧秸秆")]
    en = reports.honour_board(busy_village(), "2026-03", bottom=True, locale="en")
    assert en.columns[3:] == ("deducted", "violations")


def test_the_black_board_counts_repeated_violations() -> None:
    """An item violated twice shows once with ×2; ties share a rank."""
    village = make_village("memory")
    ledger = village.ledger
    for n, household in enumerate(["H001", "H001", "H002", "H002"]):
        ledger.deduct(household, "COV-03", by=GRID, key=f"d{n}", occurred_at=village.clock())
    rows = reports.honour_board(ledger, "2026-03", bottom=True).rows
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [(1, "H001", 10, "焚烧秸秆×2"),
                                                       (1, "H002", 10, "焚烧秸秆×2")]
    with pytest.raises(ValidationError, match="top"):
        reports.honour_board(ledger, "2026-03", top=0)


@settings(max_examples=budget(20), deadline=None)
@given(st.data())
def test_boards_hold_earners_and_violators_only(data: st.DataObject) -> None:
    """For any ledger: every household on the 红榜 earned points in the month; the 黑榜 is
    exactly the households with unreversed deductions that month, largest first."""
    village = data.draw(villages(max_households=4))
    ledger, clock = village.build()
    run_commands(ledger, clock, data.draw(command_sequences(village, max_size=14)))
    month = clock().in_timezone(TZ).format("YYYY-MM")
    red = reports.honour_board(ledger, month, top=100)
    assert all(row[3] > 0 for row in red.rows)
    reversed_ = ledger.reversals()
    start = pendulum.datetime(int(month[:4]), int(month[5:]), 1, tz=TZ)
    deducted: dict[str, int] = {}
    for event in ledger.events():
        if isinstance(event, Deducted) and event.seq not in reversed_ \
                and start <= event.occurred_at < start.add(months=1):
            household = ledger.household_of(event.account) or event.account
            deducted[household] = deducted.get(household, 0) - event.points
    black = reports.honour_board(ledger, month, top=100, bottom=True)
    assert {row[1]: row[3] for row in black.rows} == {h: p for h, p in deducted.items() if p}
    assert [row[3] for row in black.rows] == sorted((row[3] for row in black.rows),
                                                    reverse=True)


# -- a household's points --------------------------------------------------------------------


def test_the_pending_column_is_the_household_balance_pending() -> None:
    """The balances report's 公示中 column is each household's pending points, not 0."""
    ledger = busy_village()
    rows = {row[0]: row for row in reports.balances(ledger).rows}
    assert ledger.balance("H001").pending == 5
    for household, row in rows.items():
        whole = ledger.household_balance(household)
        assert row[6] == whole.pending and row[7] == whole.available
    assert rows["H001"][6] == 5


def test_a_household_shows_one_number_everywhere() -> None:
    """Statement, balances report and household_balance agree on a household whose members
    earned too; balance() stays the household's own account."""
    ledger = busy_village()
    whole = ledger.household_balance("H001")
    assert whole.posted == 5 + 2 - 5 and ledger.balance("H001").posted == 5 - 5
    statement = reports.statement(ledger, "H001")
    assert dict(statement.summary)["closing"] == whole.posted
    assert {row[2] for row in statement.rows} == {"H001", "M001"}
    (row,) = [r for r in reports.balances(ledger).rows if r[0] == "H001"]
    assert row[7] == whole.available and row[2] == 7
    member = reports.statement(ledger, "M001")
    assert dict(member.summary)["closing"] == ledger.balance("M001").posted == 2
    with pytest.raises(Exception, match="no household"):
        ledger.household_balance("M001")


# -- titles and words ------------------------------------------------------------------------


def test_people_facing_reports_name_items_and_rewards_by_title() -> None:
    """Statements, the 公示, the category and store summaries and the claims notice show
    titles (庭院环境整洁, 肥皂); codes appear only in the officials' code column."""
    ledger = busy_village()
    statement = reports.statement(ledger, "H001").render("plain")
    assert "庭院环境整洁" in statement and "兑换：肥皂" in statement
    assert "ENV-01" not in statement and "SOAP" not in statement
    notice = reports.public_notice(ledger, "2026-03").render("plain")
    assert "焚烧秸秆" in notice and "COV-03" not in notice
    categories = reports.category_summary(ledger, period="2026-03")
    assert [(r[1], r[5]) for r in categories.rows if r[5] == "ENV-01"] == [
        ("庭院环境整洁", "ENV-01")]
    store = reports.store_summary(ledger)
    assert [(r[0], r[4]) for r in store.rows] == [("肥皂", "SOAP")]
    (claim,) = reports.claims_notice(ledger).rows
    assert claim[3] == "获评文明家庭" and claim[0] == "2026-03-01"


def test_zh_reports_print_no_english_word() -> None:
    """Region kinds, case states, event kinds and units are Chinese in the zh reports."""
    ledger = busy_village()
    viewer = Actor("M001", roles={"resident"})
    tables = [reports.statement(ledger, "H003"), reports.balances(ledger),
              reports.honour_board(ledger, "2026-03"),
              reports.honour_board(ledger, "2026-03", bottom=True),
              reports.category_summary(ledger), reports.period_summary(ledger),
              reports.rollup(ledger), reports.store_summary(ledger),
              reports.public_notice(ledger, "2026-03"), reports.claims_notice(ledger),
              reports.case_board(ledger, "wish"), reports.case_board(ledger, "order"),
              reports.wish_wall(ledger, viewer), reports.star_households(ledger, "2026")]
    for table in tables:
        shown = [c for c, k in zip(table.columns, table.keys, strict=True)
                 if k not in ("household", "account", "case", "code", "parent", "actor")]
        keep = [i for i, c in enumerate(table.columns) if c in shown]
        text = " ".join([table.title, *shown, *table.notes,
                         *(str(row[i]) for row in table.rows for i in keep)])
        assert english_words(text) == [], (table.title, english_words(text))
    kinds = {row[3] for row in reports.audit_trail(ledger).rows}
    assert {"加分", "扣分", "兑换"} <= kinds and "awarded" not in kinds
    assert "awarded" in {row[3] for row in reports.audit_trail(ledger, locale="en").rows}


def test_the_rollup_names_regions_without_indentation() -> None:
    """Region names carry no padding; level, code and parent give the tree; kinds in words."""
    rows = reports.rollup(busy_village()).rows
    assert [(r[0], r[1], r[7], r[8], r[9]) for r in rows] == [
        ("东沙沟村", "村", 0, "V01", ""), ("第一网格", "网格", 1, "G01", "V01"),
        ("第二网格", "网格", 1, "G02", "V01")]
    assert reports.rollup(busy_village(), locale="en").rows[0][1] == "village"
    assert reports.term("in_notice") == "公示中" and reports.term("in_notice", "en") == \
        "in_notice"


# -- stars -----------------------------------------------------------------------------------


def test_star_households_rate_open_households_by_the_tiers() -> None:
    """The 星级文明户 list rates each open household for the year; a closed one is left out;
    a serious violation removes every star."""
    village = make_village("memory")
    ledger = village.ledger
    ledger.close_account("H004", by=COMMITTEE)
    ledger.deduct("H002", "COV-09", by=GRID, key="d", occurred_at=village.clock(),
                  evidence=["photo"])
    assert "H004" not in {r.household for r in rate(ledger, pendulum.date(2026, 3, 1))}
    table = reports.star_households(ledger, "2026")
    assert {row[1] for row in table.rows} == {"H001", "H002", "H003"}
    assert {row[1]: row[8] for row in table.rows}["H002"] == 0
    assert "1星 ≥ 60" in table.notes[0]
    assert reports.star_households(ledger, "2026-Q1").title.endswith("2026-Q1")
    with pytest.raises(ValidationError, match="year"):
        reports.star_households(ledger, "2026-03")


# -- the wish wall ---------------------------------------------------------------------------


def test_the_wish_wall_keeps_claimed_wishes_and_shows_the_wisher_their_own() -> None:
    """By default the wall lists listed and claimed wishes with their state; the wisher sees
    their own wish unmasked."""
    village = make_workflow_village()
    ledger = village.ledger
    wish = ledger.submit_wish("M002", "想要一本字典", by=GRID, key="w", value=30)
    ledger.step(wish, "list", category="物品", by=GRID2, key="l")
    ledger.step(wish, "claim", by=VOLUNTEER, key="c")
    public = Actor("M001", roles={"resident"})
    (row,) = reports.wish_wall(ledger, public).rows
    assert row[3] == "已认领" and row[4] == "欧阳*"
    (own,) = reports.wish_wall(ledger, WISHER).rows
    assert own[4] == "欧阳明" and own[5] == "H002"
    assert reports.wish_wall(ledger, public, state="listed").rows == ()
    assert len(reports.wish_wall(ledger, public, state="all").rows) == 1
    with pytest.raises(ValidationError, match="state"):
        reports.wish_wall(ledger, public, state="nonsense")
