"""Reports: properties of statements, roll-ups, boards, masking and CSV; examples of each."""

from __future__ import annotations

import json
from typing import Literal

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import Ledger, ValidationError, reports
from pointsledger.reports import Table, from_csv, mask_name, ranks
from pointsledger.testing import command_sequences, run_commands, villages

from .helpers import COMMITTEE, GRID, TZ, budget, make_village

LETTERS: tuple[Literal["Lo"]] = ("Lo",)
NAMES = st.text(st.characters(categories=LETTERS), min_size=1, max_size=6)


@settings(max_examples=budget(25), deadline=None)
@given(st.data())
def test_statement_closes_at_the_balance_as_of_the_period_end(data: st.DataObject) -> None:
    """For any ledger, a month's statement closes at the balance as of the month's end."""
    village = data.draw(villages(max_households=3))
    ledger, clock = village.build()
    run_commands(ledger, clock, data.draw(command_sequences(village, max_size=12)))
    account = data.draw(st.sampled_from(village.accounts))
    month = clock().in_timezone(TZ).format("YYYY-MM")
    table = reports.statement(ledger, account, period=month, locale="en")
    closing = int(table.notes[1].split(": ")[1])
    end = clock().in_timezone(TZ).end_of("month")
    # a household's statement covers its members' accounts too (a household's points)
    balance = ledger.household_balance if account in ledger.households() else ledger.balance
    assert closing == balance(account, as_of=end).posted
    everything = reports.statement(ledger, account, locale="en")
    assert int(everything.notes[1].split(": ")[1]) == balance(account).posted


@settings(max_examples=budget(25), deadline=None)
@given(st.data())
def test_rollup_children_sum_to_their_parent(data: st.DataObject) -> None:
    """Every region's households, participants and points are the sums of its grids'."""
    village = data.draw(villages(max_households=5))
    ledger, clock = village.build()
    run_commands(ledger, clock, data.draw(command_sequences(village, max_size=12)))
    rows = reports.rollup(ledger, locale="en").rows
    depth = [row[7] for row in rows]
    assert all(row[0] == row[0].strip() for row in rows)  # names carry no indentation
    for i, row in enumerate(rows):
        children = []
        for j in range(i + 1, len(rows)):
            if depth[j] <= depth[i]:
                break
            if depth[j] == depth[i] + 1:
                children.append(rows[j])
        for column in (2, 3, 5, 6):
            below = sum(child[column] for child in children)
            if row[1] == "micro_grid" or (row[1] == "grid" and not children):
                continue  # the lowest level: households of its own
            if row[1] == "grid":  # a grid holds households of its own besides micro-grids
                assert row[column] >= below
            else:
                assert row[column] == below
    tops = [row for row, d in zip(rows, depth, strict=True) if d == 0]
    registered = sum(1 for e in ledger.events() if e.KIND == "household_registered")
    assert sum(row[2] for row in tops) == registered  # the plan's and those the run added


@given(st.lists(st.integers(0, 5), max_size=12), st.sampled_from(reports.METHODS))
def test_ranks_follow_the_method_under_ties(values: list[int], method: str) -> None:
    """Ties share a rank (competition skips after them, dense does not); ordinal never ties."""
    values = sorted(values, reverse=True)
    got = ranks(values, method)
    for i in range(1, len(values)):
        tie = values[i] == values[i - 1]
        if method == "ordinal":
            assert got[i] == i + 1
        elif tie:
            assert got[i] == got[i - 1]
        elif method == "competition":
            assert got[i] == i + 1
        else:
            assert got[i] == got[i - 1] + 1


@given(NAMES)
def test_masking_never_leaks_a_full_name(name: str) -> None:
    """A masked name is never the name, and hides at least one character of it."""
    masked = mask_name(name)
    assert masked != name and "*" in masked
    assert len(masked) <= max(len(name), 2)


@pytest.mark.parametrize(("name", "masked"), [
    ("张三明", "张*明"), ("张三", "张*"), ("欧阳明", "欧阳*"), ("欧阳小明", "欧阳*明"),
    ("司马相如", "司马*如"), ("张", "*"), ("李小龙女", "李**女"),
])
def test_masking_examples(name: str, masked: str) -> None:
    """Surnames (compound ones whole) stay; one-character given names become *."""
    assert mask_name(name) == masked


@given(st.lists(st.tuples(st.text(max_size=8), st.integers(-100, 100), st.text(max_size=8)),
                max_size=6), st.booleans())
def test_csv_round_trips(rows: list[tuple[str, int, str]], bom: bool) -> None:
    """A table written to CSV reads back with the same labels and values (as text)."""
    table = Table("t", ["名称", "积分", "备注"], rows)
    again = from_csv(table.to_csv(bom=bom))
    assert again.columns == table.columns
    assert again.rows == tuple(tuple(str(v) for v in row) for row in table.rows)
    assert table.to_csv(bom=True).startswith("\ufeff")


@pytest.fixture
def scored() -> Ledger:
    village = make_village("memory")
    led = village.ledger
    when = village.clock().subtract(days=1)
    led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=when)
    led.award("H001", "VOL-02", by=GRID, key="b", occurred_at=when)
    led.award("H002", "ENV-01", by=GRID, key="c", occurred_at=when)
    led.award("H003", "ENV-01", by=GRID, key="d", occurred_at=when)
    wrong = led.deduct("H004", "COV-03", by=GRID, key="e", occurred_at=when)
    led.reverse(wrong.id, reason="误录", by=COMMITTEE, key="r")
    led.deduct("H003", "COV-03", by=GRID, key="f", occurred_at=when)
    return led


def test_each_report_renders(scored: Ledger) -> None:
    """Every report returns a table that renders in tabulate formats, CSV and JSON."""
    tables = [
        reports.statement(scored, "H001", period="2026-03"),
        reports.balances(scored),
        reports.honour_board(scored, "2026-03"),
        reports.honour_board(scored, "2026-03", bottom=True),
        reports.category_summary(scored, period="2026"),
        reports.period_summary(scored, per="month"),
        reports.rollup(scored, period="2026-Q1"),
        reports.store_summary(scored),
        reports.public_notice(scored, "2026-03"),
        reports.audit_trail(scored, actor="g-07"),
    ]
    for table in tables:
        for fmt in ("plain", "github", "grid", "html"):
            assert table.title in table.render(fmt)
        assert json.loads(table.to_json())["title"] == table.title
        assert table.to_csv().count("\n") == len(table.rows) + 1


def test_report_contents(scored: Ledger) -> None:
    """The figures are the ledger's: boards by earned, reversals excluded, names masked."""
    board = reports.honour_board(scored, "2026-03", locale="en")
    assert [(r[0], r[1], r[3]) for r in board.rows] == [
        (1, "H001", 7), (2, "H002", 5), (2, "H003", 5)]  # H004 earned nothing: not listed
    assert board.rows[1][2] == "户*1"  # the head of household 户主1, masked
    dense = reports.honour_board(scored, "2026-03", method="dense", top=2, locale="en")
    assert [r[0] for r in dense.rows] == [1, 2, 2]  # ties at the cut-off are all shown
    balances = {r[0]: r for r in reports.balances(scored, locale="en").rows}
    assert balances["H003"][2:] == (5, 5, 0, 0, 0, 0)
    assert balances["H004"][2:] == (0, 0, 0, 0, 0, 0)
    categories = reports.category_summary(scored, period="2026-03", locale="en").rows
    assert ("村规民约", "焚烧秸秆", -5, 1, 1, "COV-03") in categories
    notice = reports.public_notice(scored, "2026-03", locale="en")
    assert all("户主" not in str(row) for row in notice.rows)
    assert len(notice.rows) == 5  # the reversed deduction and its reversal are left out
    statement = reports.statement(scored, "H004", locale="en")
    assert [r[4] for r in statement.rows] == [-5, 5]
    assert "reversed by" in statement.rows[0][8] and "reverses" in statement.rows[1][8]
    assert reports.period_summary(scored, per="month", locale="en").rows[0][1:3] == (17, 5)


def test_bad_report_arguments(scored: Ledger) -> None:
    """Bad periods, locales and methods are refused by name."""
    with pytest.raises(ValidationError):
        reports.honour_board(scored, "March")
    with pytest.raises(ValidationError):
        reports.balances(scored, locale="fr")
    with pytest.raises(ValidationError):
        reports.honour_board(scored, "2026-03", method="olympic")
    with pytest.raises(ValidationError):
        reports.period_summary(scored, per="decade")


def test_past_boards_do_not_change(scored: Ledger) -> None:
    """An award recorded after a month ended, backdated into it, leaves that month's board."""
    village_clock = scored._clock  # the helpers' manual clock
    before = reports.honour_board(scored, "2026-03")
    village_clock.set(pendulum.datetime(2026, 4, 2, tz=TZ))  # type: ignore[attr-defined]
    scored.award("H004", "ENV-01", by=GRID, key="late",
                 occurred_at=pendulum.datetime(2026, 3, 31, 12, tz=TZ))
    assert reports.honour_board(scored, "2026-03") == before


def test_audit_trail_filters(scored: Ledger) -> None:
    """The audit trail lists who did what, filtered by actor, kind and recording period."""
    everything = reports.audit_trail(scored, locale="en")
    assert [r[0] for r in everything.rows] == list(range(1, scored.head + 1))
    reversals = reports.audit_trail(scored, kind="reversed", locale="en").rows
    assert [(r[2], r[3], r[5]) for r in reversals] == [("c-01", "reversed", "e16")]
    grid_rows = reports.audit_trail(scored, actor="g-07", locale="en").rows
    assert len(grid_rows) == 6 and {r[2] for r in grid_rows} == {"g-07"}
    assert reports.audit_trail(scored, actor="nobody").rows == ()
    assert reports.audit_trail(scored, period="2025").rows == ()


def test_reports_for_one_region(scored: Ledger) -> None:
    """Balances and boards for a grid cover its households only; unknown regions are named."""
    from pointsledger import UnknownRegion

    assert [r[0] for r in reports.balances(scored, region="G02", locale="en").rows] == [
        "H003", "H004"]
    assert [r[1] for r in reports.honour_board(scored, "2026-03", region="G01").rows] == [
        "H001", "H002"]
    assert len(reports.balances(scored, region="V01").rows) == 4
    with pytest.raises(UnknownRegion):
        reports.balances(scored, region="G99")
    with pytest.raises(UnknownRegion):
        reports.honour_board(scored, "2026-03", region="G99")
