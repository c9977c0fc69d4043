"""Reports across ledgers equal the per-ledger reports added up: roll-up, category and period
summaries, the store, the red and black boards and the star households of a county's villages,
each village keeping its own ledger whose region tree names the same county and towns."""

from __future__ import annotations

import functools
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import (
    Actor,
    Ledger,
    LedgerPool,
    ManualClock,
    PointsLedgerError,
    Reward,
    Rulebook,
    UnknownRegion,
    ValidationError,
    reports,
)
from pointsledger.reports import Table, across, summaries

from .helpers import COMMITTEE, GRID, START, TZ, budget, rulebook

KEEPER = Actor("s-01", roles={"store_keeper"})
TOWNS = ("T1", "T2")


def rules() -> Rulebook:
    base = rulebook()
    return Rulebook("2026", base.items, category_caps=dict(base.category_caps),
                    rewards=[Reward("SOAP", "肥皂", cost=5)])


def village(ledger: Ledger, number: int, town: str, households: int) -> Ledger:
    """Name the county and the town above the village, then its two grids (the same grid codes
    in every village) and households."""
    ledger.adopt(rules(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                 resolution="m")
    ledger.add_region("C1", "测试县", kind="county", by=COMMITTEE)
    ledger.add_region(town, f"{town}镇", kind="town", parent="C1", by=COMMITTEE)
    ledger.add_region(f"V{number}", f"{number}村", kind="village", parent=town, by=COMMITTEE)
    for grid in ("G1", "G2"):
        ledger.add_region(grid, f"{grid}网格", kind="grid", parent=f"V{number}", by=COMMITTEE)
    for h in range(households):
        ledger.register_household(f"H{h}", grid=f"G{h % 2 + 1}", head=f"户主{number}{h}",
                                  by=COMMITTEE)
    ledger.receive_stock("SOAP", 50, by=KEEPER, key="stock")
    return ledger


ACTIONS = st.tuples(st.sampled_from(["env", "vol", "cov", "redeem", "reverse"]),
                    st.integers(0, 3), st.integers(0, 40))
VILLAGES = st.lists(st.tuples(st.sampled_from(TOWNS), st.integers(1, 4),
                              st.lists(ACTIONS, max_size=14)), min_size=1, max_size=3)


def build(spec: list[tuple[str, int, list[tuple[str, int, int]]]]) -> list[Ledger]:
    """In-memory village ledgers from a spec: each action recorded an hour after it occurred
    (March and April 2026), so it counts on the boards of its month."""
    ledgers = []
    for number, (town, households, actions) in enumerate(spec):
        clock = ManualClock(START)
        ledger = village(Ledger.in_memory(clock=clock, tz=TZ, ledger_id=f"v{number}"), number,
                         town, households)
        done: list[str] = []
        for n, (what, who, day) in enumerate(sorted(actions, key=lambda a: a[2])):
            household = f"H{who % households}"
            when = START.add(days=day)
            clock.set(when.add(hours=1))
            try:
                if what == "env":
                    done.append(ledger.award(household, "ENV-01", by=GRID, key=f"{n}",
                                             occurred_at=when).id)
                elif what == "vol":
                    done.append(ledger.award(household, "VOL-02", by=GRID, key=f"{n}",
                                             occurred_at=when).id)
                elif what == "cov":
                    done.append(ledger.deduct(household, "COV-03", by=GRID, key=f"{n}",
                                              occurred_at=when).id)
                elif what == "redeem":
                    done.append(ledger.redeem(household, "SOAP", by=KEEPER, key=f"{n}").id)
                elif done:
                    ledger.reverse(done[who % len(done)], reason="误录", by=COMMITTEE,
                                   key=f"{n}")
            except PointsLedgerError:
                pass  # a cap, an empty balance, an entry reversed already: refused, no matter
        ledgers.append(ledger)
    return ledgers


def rows(table: Table) -> list[dict[str, Any]]:
    return [dict(zip(table.keys, row, strict=True)) for row in table.rows]


def summed(tables: list[Table], key: tuple[str, ...], figures: tuple[str, ...]
           ) -> dict[tuple[Any, ...], list[int]]:
    out: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(figures))
    for table in tables:
        for row in rows(table):
            totals = out[tuple(row[k] for k in key)]
            for i, name in enumerate(figures):
                totals[i] += row[name]
    return dict(out)


def check_rollup(ledgers: list[Ledger], period: str | None) -> None:
    merged = rows(across.rollup(ledgers, period=period))
    parts = [reports.rollup(ledger, period=period) for ledger in ledgers]
    figures = ("households", "participating", "earned", "deducted")
    shared = summed(parts, ("code", "kind"), figures)
    for row in merged:
        if row["code"][0] in "CT":  # the county and the towns: shared by the villages
            assert [row[f] for f in figures] == shared[(row["code"], row["kind"])]
        assert row["rate"] == (f"{row['participating'] / row['households']:.0%}"
                               if row["households"] else "")
    assert [r["code"] for r in merged if r["kind"] == "县"] == ["C1"]
    # each village and its grids come through as they are, in order, under the village
    for ledger, part in zip(ledgers, parts, strict=True):
        own = [r for r in rows(part) if r["code"][0] in "VG"]
        start = next(i for i, r in enumerate(merged) if r["code"] == own[0]["code"])
        assert merged[start:start + len(own)] == own, ledger.ledger_id


def check_board(ledgers: list[Ledger], period: str, bottom: bool) -> None:
    full = across.honour_board(ledgers, period, top=10_000, bottom=bottom)
    value = "deducted" if bottom else "earned"
    expected: Counter[tuple[Any, ...]] = Counter()
    for ledger in ledgers:
        for row in rows(reports.honour_board(ledger, period, top=10_000, bottom=bottom)):
            expected[(ledger.ledger_id, row["household"], row[value],
                      row.get("violations"))] += 1
    got = Counter((r["ledger"], r["household"], r[value], r.get("violations"))
                  for r in rows(full))
    assert got == expected
    values = [r[value] for r in rows(full)]
    assert values == sorted(values, reverse=True)
    assert [r["rank"] for r in rows(full)] == [values.index(v) + 1 for v in values]
    short = across.honour_board(ledgers, period, top=2, bottom=bottom).rows
    assert short == full.rows[:len(short)]
    assert len(short) == len([v for v in values if values[:2] and v >= values[:2][-1]])


@settings(max_examples=budget(25))
@given(spec=VILLAGES)
def test_reports_across_ledgers_add_up_the_per_ledger_reports(
        spec: list[tuple[str, int, list[tuple[str, int, int]]]]) -> None:
    """For any villages and any conduct, each report across their ledgers gives the figures
    of the per-ledger reports added up (rates recomputed, ranks given again)."""
    ledgers = build(spec)
    for period in (None, "2026-03", "2026-04"):
        check_rollup(ledgers, period)
        merged = across.category_summary(ledgers, period=period)
        parts = [reports.category_summary(ledger, period=period) for ledger in ledgers]
        figures = ("points", "events", "households")
        assert (summed([merged], ("category", "code", "item"), figures)
                == summed(parts, ("category", "code", "item"), figures))
        merged = across.store_summary(ledgers, period=period)
        parts = [reports.store_summary(ledger, period=period) for ledger in ledgers]
        figures = ("units", "points", "on_hand")
        assert (summed([merged], ("code", "reward"), figures)
                == summed(parts, ("code", "reward"), figures))
        for name in ("liability", "expired"):
            assert dict(merged.summary)[name] == sum(dict(p.summary)[name] for p in parts)
    for per in ("month", "quarter"):
        merged = across.period_summary(ledgers, per=per)
        parts = [reports.period_summary(ledger, per=per) for ledger in ledgers]
        totals = ("earned", "deducted", "redeemed", "expired")
        assert summed([merged], ("period",), totals) == summed(parts, ("period",), totals)
        earned = [r["earned"] for r in rows(merged)]
        assert [r["change"] for r in rows(merged)] == [
            "", *(b - a for a, b in itertools.pairwise(earned))][:len(earned)]
    for bottom in (False, True):
        check_board(ledgers, "2026-03", bottom)
    stars = across.star_households(ledgers, "2026")
    parts = [reports.star_households(ledger, "2026") for ledger in ledgers]
    assert Counter((r["ledger"], r["household"], r["star_count"], r["score"])
                   for r in rows(stars)) == Counter(
        (ledger.ledger_id, r["household"], r["star_count"], r["score"])
        for ledger, part in zip(ledgers, parts, strict=True) for r in rows(part))
    by_stars: Counter[str] = Counter()
    for part in parts:
        by_stars.update(dict(part.summary)["by_stars"])
    assert dict(stars.summary)["by_stars"] == {k: by_stars[k] for k in sorted(by_stars, key=int)}
    counts = [r["star_count"] for r in rows(stars)]
    assert [r["rank"] for r in rows(stars)] == [counts.index(c) + 1 for c in counts]
    # the same reports merged from per-ledger tables read elsewhere (worker processes, say)
    assert across.merge_star_households(
        (ledger.ledger_id, part) for ledger, part in zip(ledgers, parts, strict=True)) == stars
    assert across.merge_rollups((ledger.ledger_id, reports.rollup(ledger, period="2026-03"))
                                for ledger in ledgers) == across.rollup(ledgers,
                                                                        period="2026-03")


def test_ledgers_must_be_given_once_and_name_shared_regions_alike() -> None:
    """A ledger given twice, or none, is refused; so is a county named differently in two
    ledgers (its figures would be added under two names)."""
    one, two = build([("T1", 2, [("env", 0, 1)]), ("T1", 2, [])])
    with pytest.raises(ValidationError, match="given twice"):
        across.rollup([one, one])
    with pytest.raises(ValidationError, match="no ledgers"):
        across.category_summary([])
    with pytest.raises(ValidationError, match="given twice"):
        across.merge_rollups([(one.ledger_id, reports.rollup(one))] * 2)
    with pytest.raises(ValidationError, match="no ledgers"):
        across.merge_star_households([])
    other = Ledger.in_memory(clock=ManualClock(START), tz=TZ, ledger_id="odd")
    other.adopt(rules(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                resolution="m")
    other.add_region("C1", "别的县", kind="county", by=COMMITTEE)
    with pytest.raises(ValidationError, match="'C1'") as caught:
        across.rollup([one, other])
    assert caught.value.fields["ledger_id"] == "odd"
    assert rows(across.rollup([one, two]))[0]["households"] == 4


def test_a_board_of_one_town_takes_the_ledgers_that_have_it() -> None:
    """A board for a town counts only the villages under it; a region no ledger has is
    refused."""
    ledgers = build([("T1", 1, [("env", 0, 1)]), ("T2", 1, [("env", 0, 1), ("vol", 0, 2)])])
    board = rows(across.honour_board(ledgers, "2026-03", region="T2"))
    assert [(r["ledger"], r["earned"]) for r in board] == [("v1", 7)]
    both = rows(across.honour_board(ledgers, "2026-03", region="C1", locale="en"))
    assert [(r["ledger"], r["earned"]) for r in both] == [("v1", 7), ("v0", 5)]
    with pytest.raises(UnknownRegion):
        across.honour_board(ledgers, "2026-03", region="T9")


def test_a_county_rollup_through_a_small_pool(tmp_path: Path) -> None:
    """Six village ledgers in SQLite files go through a pool of two, one at a time: the
    roll-up equals the one of the six ledgers held open together."""
    spec = [(TOWNS[n % 2], 2, [("env", n % 2, 1), ("cov", 1, 2)]) for n in range(6)]
    held = build(spec)
    for ledger in held:  # the same villages, in files
        clock = ManualClock(START)
        number = int(ledger.ledger_id[1:])
        on_file = village(Ledger.open(tmp_path / f"{ledger.ledger_id}.db", clock=clock, tz=TZ,
                                      ledger_id=ledger.ledger_id), number, spec[number][0], 2)
        for key, day in (("0", 1), ("1", 2)):
            clock.set(START.add(days=day, hours=1))
            if key == "0":
                on_file.award(f"H{number % 2}", "ENV-01", by=GRID, key=key,
                              occurred_at=START.add(days=day))
            else:
                on_file.deduct("H1", "COV-03", by=GRID, key=key, occurred_at=START.add(days=day))
        on_file.close()
    with LedgerPool(lambda i: Ledger.open(tmp_path / f"{i}.db"), size=2) as pool:
        pooled = across.rollup(pool.each(f"v{n}" for n in range(6)), period="2026-03")
        assert len(pool) == 2
    assert pooled.rows == across.rollup(held, period="2026-03").rows


def test_merging_refuses_tables_of_another_report_period_or_locale() -> None:
    """The merge_* forms take each ledger's own table of one report, period and locale: a
    March roll-up beside an April one, a Chinese one beside an English one, the other report's
    table, a star list merged in another locale than its tables', or a pair that is not
    (ledger id, table) is refused by name instead of being added up or failing on a column."""
    one, two = build([("T1", 2, [("env", 0, 1)]), ("T1", 2, [("env", 1, 40)])])
    march, april = (reports.rollup(two, period=p) for p in ("2026-03", "2026-04"))
    with pytest.raises(ValidationError, match="'v1'") as caught:
        across.merge_rollups([("v0", reports.rollup(one, period="2026-03")), ("v1", april)])
    assert caught.value.fields["ledger_id"] == "v1"
    with pytest.raises(ValidationError, match="'v1'"):
        across.merge_rollups([("v0", reports.rollup(one, period="2026-03")),
                              ("v1", reports.rollup(two, period="2026-03", locale="en"))])
    stars = [(ledger.ledger_id, reports.star_households(ledger, p))
             for ledger, p in ((one, "2026"), (two, "2026-Q1"))]
    with pytest.raises(ValidationError, match="'v1'"):
        across.merge_star_households(stars)
    with pytest.raises(ValidationError, match="星级文明户"):
        across.merge_rollups(stars[:1])
    with pytest.raises(ValidationError, match="逐级汇总"):
        across.merge_star_households([("v1", march)])
    with pytest.raises(ValidationError, match="locale"):
        across.merge_star_households(stars[:1], locale="en")
    with pytest.raises(ValidationError, match="ledger id"):
        across.merge_rollups([march])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="ledger id"):
        across.merge_rollups([(1, march)])  # type: ignore[list-item]
    # the same report, period and locale still merges
    assert rows(across.merge_rollups([("v0", reports.rollup(one, period="2026-03")),
                                      ("v1", march)]))[0]["households"] == 4


@settings(max_examples=budget(15))
@given(spec=VILLAGES, later=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)),
                                     max_size=4))
def test_a_summary_asked_again_recomputes_only_the_ledgers_that_moved(
        spec: list[tuple[str, int, list[tuple[str, int, int]]]],
        later: list[tuple[int, int]]) -> None:
    """Asked again after awards in some villages, the roll-up, category, period and store
    summaries across ledgers compute again exactly the villages whose ledgers moved (the
    others' parts are kept with their heads) and equal the summaries computed afresh."""
    ledgers = build(spec)

    def ask() -> list[tuple[Any, ...]]:
        return [(t.rows, t.notes, t.summary) for t in (
            across.rollup(ledgers, period="2026-03"),
            across.category_summary(ledgers, period="2026-03"),
            across.period_summary(ledgers, per="month"),
            across.store_summary(ledgers, period="2026-03"))]

    ask()
    moved: set[str] = set()
    for n, (number, who) in enumerate(later):
        ledger = ledgers[number % len(ledgers)]
        ledger.award(f"H{who % spec[number % len(ledgers)][1]}", "VOL-02", by=GRID,
                     key=f"later-{n}")
        moved.add(ledger.ledger_id)
    computed: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        for name in ("rollup", "category_summary", "period_summary", "store_summary"):
            patch.setattr(summaries, name, spy(getattr(summaries, name), computed))
        again = ask()
    assert Counter(computed) == Counter({ledger_id: 4 for ledger_id in moved})
    across._MEMO.clear()
    assert again == ask()


def spy(report: Callable[..., Table], calls: list[str]) -> Callable[..., Table]:
    """``report``, noting the id of each ledger it is computed for."""

    @functools.wraps(report)
    def noted(ledger: Ledger, **options: Any) -> Table:
        calls.append(ledger.ledger_id)
        return report(ledger, **options)

    return noted
