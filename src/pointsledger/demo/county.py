"""The full county (``build_demo(county=True)``): one ledger per village and community.

docs/operations.md advises one ledger per village, community or town; the county demo follows
it. Each of the county's 38 villages and 6 communities keeps its own SQLite ledger in the
county's folder (``<region code>.db``), naming the county and its town above its own region
(the region trees meet at the county). The units' years do not touch each other, so they run
in worker processes; each is deterministic by the seed and the unit's code, so the same seed
gives the same ledgers whatever the number of workers. The county's files are read across the
ledgers (`pointsledger.reports.across`): the 逐级汇总 from county to grid and the 星级文明户
list; the 红黑榜 page has every unit's boards; the first village posts its monthly 积分公示,
wish wall, matter board and charts as the example of what each village posts.
"""

from __future__ import annotations

import datetime as _dt
import os
import random
import signal
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import attrs

from pointsledger import reports
from pointsledger.base.clock import ManualClock
from pointsledger.demo.agenda import TZ, at
from pointsledger.demo.figures import Figures, spreads, year_figures
from pointsledger.demo.outputs import (
    post_notice,
    write_boards,
    write_stars,
    write_village_files,
    year_boards,
)
from pointsledger.demo.rulebook import YEAR
from pointsledger.demo.setting import Setting, set_up
from pointsledger.demo.year import Year
from pointsledger.ledger import Ledger
from pointsledger.reports import Table, across, pages

OUTPUTS = "outputs"
"""The county folder's sub-folder of what is posted and filed."""


@attrs.frozen
class UnitYear:
    """What one unit's year left (handed back by its worker process).

    Attributes:
        path: the unit's SQLite file.
        events: its events.
        households: its households at the year's end.
        members: its members.
        files: the files it wrote into the outputs folder (the example village only).
        boards: its year's 红榜 and 黑榜.
        stars: its 星级文明户 list of the year.
        rollup: its 逐级汇总 of the year.
        figures: its year in figures.
        refused: refusals by error code.
        examples: one message per refusal code.
    """

    path: str
    events: int
    households: int
    members: int
    files: tuple[str, ...]
    boards: tuple[Table, Table]
    stars: Table
    rollup: Table
    figures: Figures
    refused: tuple[tuple[str, int], ...]
    examples: tuple[tuple[str, str], ...]


@attrs.frozen
class _Job:
    folder: str
    seed: int
    setting: Setting
    new_homes_from: int
    example: bool
    charts: bool


def unit_year(job: _Job) -> UnitYear:
    """Simulate one unit's year into its own ledger ``<folder>/<code>.db`` (run in a worker)."""
    unit = job.setting.units[0]
    outputs = Path(job.folder) / OUTPUTS
    path = Path(job.folder) / f"{unit.code}.db"
    clock = ManualClock(at(_dt.date(YEAR, 1, 1), 0, 1))
    ledger = Ledger.open(path, clock=clock, tz=TZ, ledger_id=unit.code, synchronous="NORMAL")
    try:
        set_up(ledger, job.setting)
        notices: list[Path] = []

        def post(led: Ledger, period: str) -> None:
            notices.append(post_notice(outputs, led, period, unit.code))

        year = Year(ledger, clock, job.setting, random.Random(f"{job.seed}/{unit.code}"),
                    on_month=post if job.example else None,
                    new_homes_from=job.new_homes_from)
        year.run()
        files = notices + (write_village_files(ledger, outputs, charts=job.charts)
                           if job.example else [])
        part = UnitYear(os.fspath(path), ledger.head, len(ledger.households()),
                        len(ledger.members()), tuple(f.name for f in files),
                        year_boards(ledger, unit.code),
                        reports.star_households(ledger, f"{YEAR}"),
                        reports.rollup(ledger, period=f"{YEAR}"), year_figures(ledger),
                        tuple(sorted(year.refused.items())), tuple(sorted(year.examples.items())))
        ledger.snapshot()  # keeps the state and the report index for fast later runs
    finally:
        ledger.close()
    return part


def _plain_signals() -> None:
    """In a worker: Ctrl-C and SIGTERM end the process at once, as they would by default.
    A forked worker inherits its parent's Python handlers (the command line turns SIGTERM into
    an exception); raised in a waiting worker they broke the pool, printed each worker's
    traceback and could leave the parent waiting for ever. The parent, signalled too, removes
    the folder."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def build_county(folder: Path, setting: Setting, *, seed: int, charts: bool,
                 workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[UnitYear]:
    """Simulate every unit of ``setting`` into its own ledger in ``folder`` (an empty folder
    holding ``outputs/``), ``workers`` at a time (default: the machine's processors; never
    more than the units), then
    write the county's files. Returns the units' years, in the setting's order; ``progress``
    is told (units done, units)."""
    first_new = len(setting.homes) + 1
    jobs = [_Job(os.fspath(folder), seed, setting.only(unit), first_new + 100 * n, n == 0,
                 charts) for n, unit in enumerate(setting.units)]
    years: dict[int, UnitYear] = {}
    # never more processes than units: the pool forks all its workers up front
    processes = min(workers or os.cpu_count() or 1, len(jobs))
    with ProcessPoolExecutor(max_workers=processes, initializer=_plain_signals) as pool:
        biggest_first = sorted(range(len(jobs)), key=lambda n: -len(setting.units[n].homes))
        running = {pool.submit(unit_year, jobs[n]): n for n in biggest_first}
        try:
            for done, future in enumerate(as_completed(running), 1):
                years[running[future]] = future.result()
                if progress is not None:
                    progress(done, len(jobs))
        except BaseException:
            # a failure or an interrupt: start no other unit (leaving the block would wait for
            # all of them) and let the running ones end before the caller removes the folder
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    parts = [years[n] for n in range(len(jobs))]
    return parts


def county_files(folder: Path, parts: list[UnitYear]) -> list[Path]:
    """Write the county's files from its units' years: every unit's boards on one page, and
    the 星级文明户 list and the 逐级汇总 from county to grid merged across the ledgers from the
    tables each worker read from its own."""
    outputs = folder / OUTPUTS
    ids = [Path(part.path).stem for part in parts]  # each ledger's id is its unit's code
    stars = across.merge_star_households(zip(ids, (p.stars for p in parts), strict=True))
    rollup = across.merge_rollups(zip(ids, (p.rollup for p in parts), strict=True))
    target = outputs / f"rollup-{YEAR}.html"
    target.write_text(pages.page(f"{YEAR}年度逐级汇总", [("rollup", rollup)]),
                      encoding="utf-8")
    return [*(outputs / name for part in parts for name in part.files),
            write_boards(outputs, [b for part in parts for b in part.boards]),
            *write_stars(outputs, stars), target]


def county_spreads(parts: list[UnitYear]) -> dict[str, object]:
    """The summary's numbers over every unit, with the refusals of the year."""
    refused: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for part in parts:
        refused.update(dict(part.refused))
        for code, text in part.examples:
            examples.setdefault(code, text)
    return {**spreads(p.figures for p in parts), "refused": dict(refused),
            "examples": examples}

