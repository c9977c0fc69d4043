"""Ratings: star tiers on points earned in a period, never on the balance."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pointsledger import (
    Actor,
    ChecklistItem,
    Ledger,
    ManualClock,
    RatingPolicy,
    Reward,
    Rulebook,
    RulebookError,
    StorePolicy,
    rate,
    reports,
)
from pointsledger.base.clock import to_us
from pointsledger.base.periods import parse_period, period_bounds
from pointsledger.core.events import Event
from pointsledger.core.tallies import tally
from pointsledger.errors import PointsLedgerError
from pointsledger.reports.ratings import period_tallies
from tests.helpers import budget

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-07", roles={"grid_worker"})
KEEPER = Actor("s-01", roles={"store_keeper"})


def _village(clock: ManualClock) -> Ledger:
    """Households H1, H2, H3 in one grid under a rulebook with a serious item and star tiers
    from a base of 60 points."""
    led = Ledger.in_memory(clock=clock, tz=TZ)
    led.adopt(Rulebook(
        "r", [ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10),
              ChecklistItem("COV-01", "乱倒垃圾", category="村规民约", points=-5),
              ChecklistItem("COV-09", "违反公共道德", category="村规民约", points=-20,
                            serious=True)],
        rewards=[Reward("SOAP", "肥皂", cost=5)],
        store=StorePolicy(base_points=60),
        ratings=RatingPolicy({1: 60, 2: 70, 3: 80}),
    ), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    for h in ("H1", "H2", "H3"):
        led.register_household(h, grid="G", head=h, by=COMMITTEE)
    return led


@pytest.fixture
def ledger() -> Ledger:
    led = _village(ManualClock(pendulum.datetime(2026, 12, 30, 12, tz=TZ)))
    led.register_member("M1", household="H1", name="张三", by=COMMITTEE)
    return led


def test_ratings_count_conduct_not_balance(ledger: Ledger) -> None:
    """Spending does not lower a rating; members count for their household; deductions do."""
    now = ledger.now()
    for n in range(2):
        ledger.award("H1", "VOL-01", by=GRID, key=f"a{n}", occurred_at=now)
    ledger.award("M1", "VOL-01", by=GRID, key="m", occurred_at=now)
    ledger.receive_stock("SOAP", 10, by=KEEPER, key="s")
    ledger.redeem("H1", "SOAP", quantity=4, by=KEEPER, key="r")
    ledger.award("H2", "VOL-01", by=GRID, key="b", occurred_at=now)
    ledger.deduct("H2", "COV-01", by=GRID, key="d", occurred_at=now)
    ledger.award("H3", "VOL-01", by=GRID, key="c", occurred_at=now)
    ledger.deduct("H3", "COV-09", by=GRID, key="e", occurred_at=now)
    h1, h2, h3 = rate(ledger, pendulum.date(2026, 6, 1))
    assert (h1.period, h1.earned, h1.score, h1.stars) == ("2026", 30, 90, 3)
    assert (h2.earned, h2.deducted, h2.violations, h2.score, h2.stars) == (10, 5, 1, 65, 1)
    assert (h3.serious, h3.stars) == (1, 0)  # a serious violation removes every star


def test_reversed_entries_do_not_count(ledger: Ledger) -> None:
    """A reversed serious deduction no longer downgrades."""
    now = ledger.now()
    ledger.award("H3", "VOL-01", by=GRID, key="c", occurred_at=now)
    bad = ledger.deduct("H3", "COV-09", by=GRID, key="e", occurred_at=now)
    ledger.reverse(bad.id, reason="申辩成立", by=COMMITTEE, key="rev")
    h3 = rate(ledger, pendulum.date(2026, 6, 1))[2]
    assert (h3.deducted, h3.violations, h3.serious, h3.score, h3.stars) == (0, 0, 0, 70, 2)


def test_periods_split_at_local_year_end(ledger: Ledger) -> None:
    """Conduct on 31 December (Shanghai) counts for that year, not the next."""
    ledger.award("H1", "VOL-01", by=GRID, key="a",
                 occurred_at=pendulum.datetime(2026, 12, 30, 8, tz=TZ))
    assert rate(ledger, pendulum.date(2026, 1, 1))[0].earned == 10
    assert rate(ledger, pendulum.date(2027, 1, 1))[0].earned == 0
    assert rate(ledger, pendulum.date(2026, 12, 1), per="month")[0].period == "2026-12"


def test_tiers_must_rise() -> None:
    """More stars need a higher score."""
    with pytest.raises(RulebookError):
        RatingPolicy({1: 80, 2: 70})


_STEPS = st.lists(st.tuples(
    st.sampled_from(["award", "deduct", "serious", "reverse", "move", "wait"]),
    st.sampled_from(["H1", "H2", "H3", "M1", "M2"]),
    st.integers(0, 60)), max_size=30)


def _scripted(steps: list[tuple[str, str, int]]) -> Ledger:
    """Households H1, H2, H3 in one grid, members M1 (H1) and M2 (H2), and ``steps``: awards
    and deductions backdated up to 60 days, reversals, members moving, days passing."""
    clock = ManualClock(pendulum.datetime(2026, 1, 5, 12, tz=TZ))
    led = _village(clock)
    led.register_member("M1", household="H1", name="张三", by=COMMITTEE)
    led.register_member("M2", household="H2", name="李四", by=COMMITTEE)
    entries: list[Event] = []
    for n, (what, account, days) in enumerate(steps):
        key = f"k{n}"
        when = max(pendulum.datetime(2026, 1, 1, tz=TZ), clock().subtract(days=days))
        try:
            if what in ("award", "deduct", "serious"):
                item = {"award": "VOL-01", "deduct": "COV-01", "serious": "COV-09"}[what]
                command = led.award if what == "award" else led.deduct
                entries.append(command(account, item, by=GRID, key=key, occurred_at=when))
            elif what == "reverse" and entries:
                led.reverse(entries.pop(days % len(entries)), reason="误录", by=COMMITTEE,
                            key=key)
            elif what == "move" and account.startswith("M"):
                home = led.members()[account].household
                led.move_member(account, household="H3" if home != "H3" else "H1",
                                reason="婚嫁", by=COMMITTEE, key=key)
            else:
                clock.advance(days=days)
        except PointsLedgerError:
            pass  # a refused step (a cap, say) changes nothing
        clock.advance(hours=1)
    return led


@settings(max_examples=budget(40))
@given(_STEPS)
@example([("award", "M1", 0), ("move", "M1", 0), ("reverse", "M1", 0)])
def test_ratings_tally_the_index_as_the_log(steps: list[tuple[str, str, int]]) -> None:
    """`rate()` reads its tallies from the movement index: for every month and the year they
    equal the canonical fold of the decoded log (`tally()`), with members moving between
    households, entries backdated across month ends, reversed after a move, and a serious
    deduction's veto."""
    led = _scripted(steps)
    rulebooks = {a.version: a.rulebook for a in led.adoptions()}
    for period in ["2026", *(f"2026-{m:02d}" for m in range(1, 6))]:
        start, end = (to_us(t, "bound") for t in period_bounds(*parse_period(period), led.tz))
        canonical = tally(led.events(), start, end,
                          lambda account, seq: led.household_of(account, at_seq=seq),
                          rulebooks)
        assert period_tallies(led, start, end, rulebooks) == canonical


@settings(max_examples=budget(40))
@given(_STEPS)
@example([("award", "M1", 0), ("move", "M1", 0), ("reverse", "M1", 0)])
def test_boards_and_the_rollup_tally_the_log(steps: list[tuple[str, str, int]]) -> None:
    """Each month's 红榜 and 黑榜 hold exactly the households the decoded log's `tally()` of
    the events recorded by the month's end gives points earned (deducted), with those points;
    the month's 逐级汇总 adds up the whole log's tally: with members moving, entries backdated
    across month ends and reversed after a move (the reversal takes the points back from the
    household that earned them, as `rate()` counts it, not from the one the member moved to)."""
    led = _scripted(steps)
    rulebooks = {a.version: a.rulebook for a in led.adoptions()}
    events = list(led.events())

    def placed(account: str, seq: int) -> str | None:
        return led.household_of(account, at_seq=seq)

    for period in [f"2026-{m:02d}" for m in range(1, 6)]:
        start, end = (to_us(t, "bound") for t in period_bounds(*parse_period(period), led.tz))
        by_end = tally((e for e in events if e.recorded_us < end), start, end, placed,
                       rulebooks)
        red = reports.honour_board(led, period, top=1_000)
        black = reports.honour_board(led, period, top=1_000, bottom=True)
        assert {r[1]: r[3] for r in red.rows} == {
            h: t.earned for h, t in by_end.items() if t.earned > 0}, period
        assert {r[1]: r[3] for r in black.rows} == {
            h: t.deducted for h, t in by_end.items() if t.deducted > 0}, period
        whole = tally(events, start, end, placed, rulebooks)
        grid = next(r for r in reports.rollup(led, period=period).rows if r[8] == "G")
        assert grid[2:4] == (3, sum(1 for t in whole.values() if t.earned > 0)), period
        assert grid[5:7] == (sum(t.earned for t in whole.values()),
                             sum(t.deducted for t in whole.values())), period


def test_a_reversal_after_a_move_leaves_no_household_reached() -> None:
    """An award reversed after its member moved reached no household in the category summary
    (its household's entry and the reversal cancel; the new household had none)."""
    led = _scripted([("award", "M1", 0), ("award", "H2", 0), ("move", "M1", 0),
                     ("reverse", "M1", 0)])
    summary = reports.category_summary(led, period="2026-01")
    assert [(r[0], r[2], r[3], r[4]) for r in summary.rows] == [("志愿服务", 10, 1, 1)]
