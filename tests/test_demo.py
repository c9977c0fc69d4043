"""The demo county: the seed's setting, a realistic year with honest spreads, the village's
postings, sound by every invariant and deterministic by seed."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import re
import statistics
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest

from pointsledger import Ledger, ValidationError, rate
from pointsledger.base.clock import from_us
from pointsledger.core.events import Awarded, Stepped
from pointsledger.core.store_events import DonationReceived, Expired, Redeemed
from pointsledger.demo.county import OUTPUTS, build_county
from pointsledger.demo.rulebook import MEALS, demo_rulebook
from pointsledger.demo.setting import plan_setting
from pointsledger.demo.village import DemoSummary, build_demo, summary_lines
from pointsledger.testing import check_invariants

TZ = "Asia/Shanghai"
DAY_US = 86_400_000_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoSummary, Path]:
    """The default demo, built once for the module (a few seconds)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    return build_demo(path, charts=False), path


@pytest.fixture(scope="module")
def ledger(demo: tuple[DemoSummary, Path]) -> Iterator[Ledger]:
    with Ledger.open(demo[1]) as opened:
        yield opened


def _times(history: tuple[tuple[str, str, int], ...], step: str) -> list[int]:
    return [us for name, _actor, us in history if name == step]


def test_the_demo_rulebook_is_realistic_and_sound() -> None:
    """54 items in 11 categories, the canteen's three meals priced by age, no errors."""
    rules = demo_rulebook()
    assert 40 <= len(rules.items) <= 60 and 5 <= len(rules.categories) <= 12
    assert not [p for p in rules.check() if p.severity == "error"]
    meals = {r.code: r for r in rules.rewards if r.category == "长者食堂"}
    assert sorted(r.cost for r in meals.values()) == [10, 12, 15]
    assert rules.expiry.kind == "year_end"


def test_the_full_county_has_the_seeds_scale() -> None:
    """--county plans 38 villages and 6 communities in towns, 446 micro-grids, and realistic
    households per village and community."""
    setting = plan_setting(random.Random(1), county=True)
    kinds = Counter(u.kind for u in setting.units)
    assert kinds == {"village": 38, "community": 6}
    assert sum(len(micro) for u in setting.units for _g, micro in u.grids) == 446
    villages = [len(u.homes) for u in setting.units if u.kind == "village"]
    assert min(villages) >= 150 and max(villages) <= 450
    assert len(setting.towns) >= 4


def test_the_default_setting_is_a_town_with_its_whole_tree(ledger: Ledger) -> None:
    """County → town → two villages and a community → grids → micro-grids; every household
    lives in a micro-grid."""
    regions = ledger.regions()
    kinds = Counter(r.kind for r in regions.values())
    assert kinds["county"] == 1 and kinds["town"] == 1
    assert kinds["village"] == 2 and kinds["community"] == 1
    assert kinds["grid"] >= 6 and kinds["micro_grid"] >= kinds["grid"]
    for household in ledger.households().values():
        micro = regions[household.grid]
        assert micro.kind == "micro_grid"
        assert regions[micro.parent].kind == "grid"  # type: ignore[index]


def test_participation_is_below_full_and_differs_by_grid(ledger: Ledger) -> None:
    """Some households earn nothing all year, and grids differ in how many earn."""
    households = ledger.households()
    earned: dict[str, set[str]] = {}
    for event in ledger.events():
        if isinstance(event, Awarded):
            home = (event.account if event.account in households
                    else ledger.household_of(event.account, at_seq=event.seq))
            assert home is not None
            earned.setdefault(ledger.region(households[home].grid).parent or "", set()).add(home)
    per_grid = Counter(ledger.region(h.grid).parent for h in households.values())
    rates = [len(earned.get(grid or "", ())) / n for grid, n in per_grid.items()]
    assert min(rates) < 1.0
    assert max(rates) - min(rates) > 0.05
    assert statistics.mean(rates) > 0.5


def test_star_tiers_are_spread(ledger: Ledger) -> None:
    """No more than half the households are 5-star; most rated households have 2 to 4."""
    ratings = rate(ledger, dt.date(2025, 12, 31))
    stars = Counter(r.stars for r in ratings)
    assert stars[5] <= len(ratings) / 2
    rated = sum(n for s, n in stars.items() if s)
    assert stars[2] + stars[3] + stars[4] > rated / 2
    assert len([s for s in stars if s]) == 5  # every tier is reached by someone


def test_wishes_wait_days_to_weeks_and_orders_are_accepted_within_hours(ledger: Ledger) -> None:
    """The median wish waits 1 to 30 days on the wall before a claim; the median order is
    accepted within a day of being placed; some orders are declined or time out."""
    waits = []
    for case in ledger.cases("wish"):
        listed, claimed = _times(case.history, "list"), _times(case.history, "claim")
        if listed and claimed:
            waits.append((claimed[0] - listed[0]) / DAY_US)
    assert len(waits) >= 10
    assert 1 <= statistics.median(waits) <= 30
    accepts, steps = [], Counter[str]()
    for case in ledger.cases("order"):
        steps.update(name for name, _a, _us in case.history)
        accepted = _times(case.history, "accept")
        if accepted:
            accepts.append((accepted[0] - case.opened_us) / DAY_US)
    assert statistics.median(accepts) < 1
    assert steps["decline"] > 0 and steps["time_out"] > 0


def test_claims_sit_in_a_real_public_notice(ledger: Ledger) -> None:
    """Each posted claim was posted at least 7 days after its approval; some claims meet an
    objection during the notice."""
    posted = ledger.cases("claim", state="posted")
    assert posted
    for case in posted:
        approved, post = _times(case.history, "approve"), _times(case.history, "post")
        assert post[-1] - approved[-1] >= 7 * DAY_US
    objected = [c for c in ledger.cases("claim") if _times(c.history, "object")]
    assert objected


def test_the_clock_moves_through_each_day_in_order(ledger: Ledger) -> None:
    """Recorded times increase, acts happen in working hours of their day, and an order's
    service lasts the minutes it records (no 3-µs pipelines)."""
    last = 0
    for event in ledger.events():
        assert event.recorded_us > last
        last = event.recorded_us
    for case in ledger.cases("order"):
        started, finished = _times(case.history, "start"), _times(case.history, "finish")
        if finished:
            assert finished[0] - started[0] >= int(case.detail("minutes")) * 60_000_000
    hours = Counter(from_us(us, TZ).hour for c in ledger.cases("wish")
                    for name, _a, us in c.history if name in ("list", "claim"))
    assert set(hours) <= set(range(8, 20))


def test_donations_meals_and_the_year_end_clearing(ledger: Ledger) -> None:
    """Goods are donated into stock by value (the donor earns 1 point per 10 yuan); the
    canteen serves meals at full price, 20% off from 60 and free from 75; every 2025 point
    left is cleared at the year end."""
    members = ledger.members()
    costs = {code: cost for code, _t, cost in MEALS}
    tiers = Counter[str]()
    donated = False
    expired = 0
    events = list(ledger.events())
    for n, event in enumerate(events):
        if isinstance(event, DonationReceived) and event.donor and event.value:
            award = events[n + 1]
            assert isinstance(award, Awarded) and award.points == event.value // 10
            donated = True
        elif isinstance(event, Redeemed) and event.reward in costs:
            born = members[event.member].birth_date
            assert born is not None
            day = from_us(event.recorded_us, TZ).date()
            age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
            cost = costs[event.reward]
            expected = cost if age < 60 else cost * 80 // 100 if age < 75 else 0
            assert abs(event.points - expected) <= 1, (age, event.points, cost)
            tiers["full" if age < 60 else "discounted" if age < 75 else "free"] += 1
        elif isinstance(event, Expired):
            assert from_us(event.recorded_us, TZ).date() == dt.date(2026, 1, 1)
            expired += event.points
    assert donated
    assert tiers["full"] and tiers["discounted"] and tiers["free"]
    assert expired > 0


def test_the_year_holds_every_practice(ledger: Ledger) -> None:
    """Awards, deductions, claims, wishes, orders, the time bank, matters (with a
    negative-list refusal and a query answered) and registry changes all happen."""
    kinds = Counter(f"{e.flow}.{e.step}" if isinstance(e, Stepped) else e.kind
                    for e in ledger.events())
    for kind in ("awarded", "deducted", "redeemed", "claim.post", "wish.confirm", "order.rate",
                 "deposit.approve", "time_moved", "matter.record", "matter.query",
                 "matter.answer", "matter.close", "household_split", "household_moved",
                 "member_left", "donated_goods_priced"):
        assert kinds[kind] > 0, kind
    assert [c for c in ledger.cases("matter") if c.state == "refused"]


def test_the_demo_ledger_is_sound(ledger: Ledger) -> None:
    """Every invariant holds on the demo ledger and its chain verifies."""
    assert not check_invariants(ledger)
    assert ledger.verify().events == ledger.head


def test_the_output_folder_has_what_a_village_posts(demo: tuple[DemoSummary, Path]) -> None:
    """Monthly 积分公示 pages, 红黑榜, 星级文明户 list, wish wall and matter board, named in the
    summary."""
    summary, path = demo
    folder = Path(summary.outputs)
    assert folder.parent == path.parent
    names = {f.name for f in folder.iterdir()}
    expected = {f"notice-2025-{m:02d}.html" for m in range(1, 13)} | {
        "honour-boards-2025.html", "star-households-2025.html", "star-households-2025.csv",
        "wish-wall.html", "matter-board.html"}
    assert expected <= names
    assert set(summary.files) == names
    text = "\n".join(summary_lines(summary))
    for label in ("积分公示", "红榜", "黑榜", "星级文明户", "微心愿墙", "事项办理看板"):
        assert label in text
    board = (folder / "honour-boards-2025.html").read_text(encoding="utf-8")
    assert "红榜" in board and "黑榜" in board
    assert "积分公示" in (folder / "notice-2025-06.html").read_text(encoding="utf-8")


def test_the_demo_is_deterministic_by_seed(tmp_path: Path) -> None:
    """The same seed gives the same head hash; another seed another one."""
    first = build_demo(tmp_path / "first.db", households=120, charts=False)
    again = build_demo(tmp_path / "again.db", households=120, charts=False)
    build_demo(tmp_path / "other.db", seed=7, households=120, charts=False)
    heads = []
    for path in (tmp_path / "first.db", tmp_path / "again.db", tmp_path / "other.db"):
        with Ledger.open(path) as opened:
            heads.append(opened.verify().head_hash)
    assert heads[0] == heads[1] != heads[2]
    assert again.events == first.events
    assert again.files == first.files and again.spreads == first.spreads


def test_the_demo_refuses_an_existing_file_and_odd_sizes(tmp_path: Path) -> None:
    """An existing file and a household count out of range are refused before any work."""
    (tmp_path / "x.db").write_bytes(b"")
    with pytest.raises(ValidationError, match="already exists"):
        build_demo(tmp_path / "x.db")
    with pytest.raises(ValidationError, match="households"):
        build_demo(tmp_path / "y.db", households=5)
    assert not (tmp_path / "y.db").exists()


class Interrupted(Exception):
    """Stands for Ctrl-C or a failure partway through a demo run."""


def stop_at(calls: int) -> Callable[[int, int], None]:
    """A progress callback that raises at its ``calls``-th call, partway through the run."""
    seen = []

    def progress(_done: int, _total: int) -> None:
        seen.append(1)
        if len(seen) == calls:
            raise Interrupted

    return progress


def test_a_failed_demo_run_leaves_nothing_behind(tmp_path: Path) -> None:
    """A town run or a county run stopped partway removes the file, its side files, its
    outputs folder (the county: its whole folder), so the next run is not refused; a file that
    was there before is never removed."""
    earlier = tmp_path / "y-outputs"
    earlier.mkdir()
    (earlier / "mine.txt").write_text("kept", encoding="utf-8")
    for name in ("x.db", "y.db"):
        with pytest.raises(Interrupted):
            build_demo(tmp_path / name, households=40, charts=False, progress=stop_at(60))
    with pytest.raises(Interrupted):
        build_demo(tmp_path / "county", county=True, households=440, charts=False,
                   workers=1, progress=stop_at(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["y-outputs"]
    assert "mine.txt" in {p.name for p in earlier.iterdir()}
    again = build_demo(tmp_path / "x.db", households=40, charts=False)
    with Ledger.open(again.path) as opened:
        assert opened.head == again.events > 0 and not check_invariants(opened)


def test_a_demo_path_in_a_missing_folder_or_under_a_file_is_named(tmp_path: Path) -> None:
    """A path whose folder is missing, or is a file, is refused naming the folder, before
    any work (Python's own message was a bare ``[Errno 20] Not a directory``)."""
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    for folder in (tmp_path / "a-file", tmp_path / "missing"):
        for county in (False, True):
            with pytest.raises(ValidationError, match="no folder") as info:
                build_demo(folder / "demo", county=county)
            assert info.value.fields["folder"] == str(folder)
            assert "文件夹" in info.value.message_for("zh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


# -- the full county: one ledger per village and community --------------------------------------


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    """The county at a small size (10 households a unit), built once by two workers."""
    folder = tmp_path_factory.mktemp("county") / "county"
    return build_demo(folder, county=True, households=440, charts=False, workers=2)


def test_the_county_keeps_one_sound_ledger_per_village_and_community(
        county: DemoSummary) -> None:
    """44 SQLite files, one per unit, each naming its county and town above its own region,
    each sound by every invariant; the summary's counts are theirs added up."""
    assert len(county.ledgers) == 44 == len(set(county.ledgers))
    events = households = 0
    for path in county.ledgers:
        with Ledger.open(path) as opened:
            assert not check_invariants(opened)
            kinds = Counter(r.kind for r in opened.regions().values())
            assert kinds["county"] == 1 and kinds["town"] == 1
            assert kinds["village"] + kinds["community"] == 1
            assert opened.ledger_id == Path(path).stem
            events += opened.head
            households += len(opened.households())
    assert (events, households) == (county.events, county.households)
    assert dict(county.regions)["village"] == 38 and dict(county.regions)["community"] == 6


def test_the_county_posts_the_roll_up_across_its_ledgers(county: DemoSummary) -> None:
    """The county's 逐级汇总 adds up its villages' ledgers: the county row's households are
    every unit's; the first village posts its monthly notices under its own name."""
    folder = Path(county.outputs)
    names = {f.name for f in folder.iterdir()}
    assert set(county.files) == names
    assert {f"notice-WL-T1-V01-2025-{m:02d}.html" for m in range(1, 13)} <= names
    assert {"rollup-2025.html", "honour-boards-2025.html", "star-households-2025.csv"} <= names
    rollup = (folder / "rollup-2025.html").read_text(encoding="utf-8")
    assert "乌兰县" in rollup and "希里沟镇" in rollup
    county_row = re.search(r'<tr><td>乌兰县</td><td>[^<]*</td><td class="num">(\d+)</td>', rollup)
    assert county_row is not None and int(county_row.group(1)) == county.households
    stars = (folder / "star-households-2025.csv").read_text(encoding="utf-8-sig")
    by_stars = cast(dict[int, int], dict(county.spreads)["stars"])
    assert len(stars.strip().splitlines()) - 1 == sum(by_stars.values())


def test_the_county_is_the_same_whatever_the_workers(county: DemoSummary,
                                                     tmp_path: Path) -> None:
    """Each unit's year is deterministic by the seed and its code: one worker writes the same
    ledgers, event for event, as two."""
    again = build_demo(tmp_path / "again", county=True, households=440, charts=False,
                       workers=1)
    for one, other in zip(county.ledgers, again.ledgers, strict=True):
        with Ledger.open(one) as a, Ledger.open(other) as b:
            assert a.verify().head_hash == b.verify().head_hash
    assert again.spreads == county.spreads


def test_the_county_refuses_too_few_households_and_no_workers(tmp_path: Path) -> None:
    """The county needs 10 households a unit and at least one worker; nothing is written."""
    with pytest.raises(ValidationError, match="440"):
        build_demo(tmp_path / "c", county=True, households=100)
    with pytest.raises(ValidationError, match="workers"):
        build_demo(tmp_path / "c", county=True, workers=0)
    assert not (tmp_path / "c").exists()


def test_the_county_boards_page_names_each_unit_above_its_boards(county: DemoSummary) -> None:
    """The county's 红黑榜 page holds 88 boards: each is headed by its village's or
    community's name, so a reader knows whose board it is."""
    page = (Path(county.outputs) / "honour-boards-2025.html").read_text(encoding="utf-8")
    heads = re.findall(r"<h3>([^<]*)</h3>", page)
    names = []
    for path in county.ledgers:
        with Ledger.open(path) as opened:
            names.append(opened.regions()[opened.ledger_id].name)
    assert heads == [f"{name} {board} 2025" for name in names for board in ("红榜", "黑榜")]


def test_the_county_never_starts_more_workers_than_it_has_units(tmp_path: Path) -> None:
    """A huge ``workers`` starts no more processes than there are units to simulate (a pool
    that forks every worker up front would start them all)."""
    setting = plan_setting(random.Random(3), households=20)  # the default town: 3 units
    folder = tmp_path / "c"
    (folder / OUTPUTS).mkdir(parents=True)
    running: list[int] = []
    years = build_county(folder, setting, seed=3, charts=False, workers=40,
                         progress=lambda _done, _all: running.append(
                             len(multiprocessing.active_children())))
    assert len(years) == len(setting.units) == 3
    assert running and max(running) <= len(setting.units)


@pytest.mark.parametrize("households", ["600", 600.0, True, 20.5])
def test_households_must_be_a_whole_number(tmp_path: Path, households: object) -> None:
    """``households`` that is text, a float or a bool is refused by name (it failed deep in
    the planning with a TypeError, or ran as 1); nothing is written."""
    with pytest.raises(ValidationError, match="households must be") as caught:
        build_demo(tmp_path / "d.db", households=households)  # type: ignore[arg-type]
    assert caught.value.fields["households"] == households
    assert not list(tmp_path.iterdir())
