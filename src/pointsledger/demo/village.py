"""The demo: the seed's county and a simulated year of 积分制 + 清单制, deterministic by seed.

`build_demo()` writes the demo ledger to a new SQLite file and the village's postings to a
folder beside it: the setting (`pointsledger.demo.setting`: county, towns, villages and
communities, grids, micro-grids, households and members), the rulebook
(`pointsledger.demo.rulebook`), the year (`pointsledger.demo.year`) and the files
(`pointsledger.demo.outputs`). `summary_lines()` says what was built and where.

The same seed always gives the same ledger, event for event (the same head hash).
"""

from __future__ import annotations

import datetime as _dt
import os
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import attrs

from pointsledger.base.cleanup import removed_on_failure
from pointsledger.base.clock import ManualClock
from pointsledger.demo.agenda import TZ, at
from pointsledger.demo.county import OUTPUTS, build_county, county_files, county_spreads
from pointsledger.demo.figures import spreads, year_figures
from pointsledger.demo.outputs import describe, outputs_folder, post_notice, write_outputs
from pointsledger.demo.rulebook import YEAR, demo_rulebook
from pointsledger.demo.setting import COUNTY, COUNTY_UNITS, Setting, plan_setting, set_up
from pointsledger.demo.year import Year
from pointsledger.errors import ValidationError
from pointsledger.ledger import Ledger
from pointsledger.storage.sqlite import ledger_files

__all__ = ["YEAR", "DemoSummary", "build_demo", "demo_rulebook", "summary_lines"]


@attrs.frozen
class DemoSummary:
    """What `build_demo()` built.

    Attributes:
        path: the SQLite file (the county: its folder of one file per village and
            community).
        events: the events written (the county: in all its ledgers).
        households: households at the year's end (splits add some).
        members: members registered.
        regions: ``{kind: count}`` of the region tree (county, town, village, ...).
        outputs: the folder of what is posted and filed.
        files: the files written into it.
        spreads: named figures of the year (participation, stars, waits, ...).
        ledgers: the SQLite files written (one; the county: one per village and community).
    """

    path: str
    events: int
    households: int
    members: int
    regions: tuple[tuple[str, int], ...] = ()
    outputs: str = ""
    files: tuple[str, ...] = ()
    spreads: tuple[tuple[str, object], ...] = ()
    ledgers: tuple[str, ...] = ()


def build_demo(path: str | os.PathLike[str] | None = None, *, seed: int = 2025,
               households: int | None = None, county: bool = False, charts: bool = True,
               workers: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Write the demo's year to SQLite and what its villages post beside it.

    The default is one town (two villages and a community) in one ledger, the SQLite file
    ``path`` (default ``pointsledger-demo.db``), with the folder ``<stem>-outputs`` beside it.
    With ``county``, each of the county's villages and communities keeps its own ledger, as
    docs/operations.md advises: ``path`` (default ``pointsledger-county``) is a new folder
    holding one SQLite file per unit (``<region code>.db``) and ``outputs/``, and the units'
    years run in ``workers`` processes (`pointsledger.demo.county`).

    Args:
        path: the file or (``county``) the folder; it must not exist yet. Its outputs are the
            monthly 积分公示 pages (the county: the first village's), the 红黑榜, the
            星级文明户 list, the wish wall, the matter board, the charts and (the county) the
            逐级汇总.
        seed: the random seed; the same seed gives the same ledgers.
        households: households in all (default: realistic per village and community, about
            750 for the default town, about 16,000 for the county).
        county: the seed's full county (38 villages, 6 communities, 446 micro-grids) instead
            of one town with two villages and a community.
        charts: draw the charts too (when matplotlib and a CJK font are installed).
        workers: the county's worker processes (default: one per processor).
        progress: called with (days done, days in the year); the county: (units done, units).

    Raises:
        ValidationError: ``path`` already exists, ``households`` is not a whole number from
            20 to 60,000 (the county: at least 10 a unit, 440), or ``workers`` is below 1.
    """
    path = Path(path if path is not None else
                "pointsledger-county" if county else "pointsledger-demo.db")
    if path.exists():
        raise ValidationError(f"{os.fspath(path)!r} already exists; give another path or "
                              "remove it", path=os.fspath(path))
    low = 10 * COUNTY_UNITS if county else 20
    if households is not None and (isinstance(households, bool)
                                   or not isinstance(households, int)
                                   or not low <= households <= 60_000):
        raise ValidationError(f"households must be a whole number from {low:,} to 60,000, "
                              f"got {households!r}", households=households)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValidationError(f"workers must be a whole number of at least 1, got {workers!r}",
                              workers=workers)
    if not path.parent.is_dir():
        raise ValidationError(f"no folder {os.fspath(path.parent)!r} for {os.fspath(path)!r}",
                              path=os.fspath(path), folder=os.fspath(path.parent))
    rng = random.Random(seed)
    setting = plan_setting(rng, county=county, households=households)
    made = (path,) if county else (*ledger_files(path), outputs_folder(path))
    with removed_on_failure(*made):  # a failed or interrupted run leaves nothing half-written
        if county:
            return _county(path, setting, seed=seed, charts=charts, workers=workers,
                           progress=progress)
        return _town(path, setting, rng, seed=seed, charts=charts, progress=progress)


def _town(path: Path, setting: Setting, rng: random.Random, *, seed: int, charts: bool,
          progress: Callable[[int, int], None] | None) -> DemoSummary:
    folder = outputs_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(at(_dt.date(YEAR, 1, 1), 0, 1))
    ledger = Ledger.open(path, clock=clock, tz=TZ, ledger_id=f"demo-{seed}",
                         synchronous="NORMAL")
    try:
        notices: list[Path] = []
        set_up(ledger, setting)
        year = Year(ledger, clock, setting, rng,
                    on_month=lambda led, period: notices.append(post_notice(folder, led,
                                                                             period)))
        year.run(progress)
        files = notices + write_outputs(ledger, folder,
                                        [(u.code, u.name) for u in setting.units],
                                        charts=charts)
        ledger.snapshot()  # keeps the state and the report index for fast later runs
        summary = DemoSummary(
            os.fspath(path), ledger.head, len(ledger.households()), len(ledger.members()),
            regions=_regions(setting), outputs=os.fspath(folder),
            files=tuple(f.name for f in files),
            spreads=(*spreads([year_figures(ledger)]).items(),
                     ("refused", dict(year.refused)), ("examples", year.examples)),
            ledgers=(os.fspath(path),))
    finally:
        ledger.close()
    return summary


def _county(folder: Path, setting: Setting, *, seed: int, charts: bool, workers: int | None,
            progress: Callable[[int, int], None] | None) -> DemoSummary:
    outputs = folder / OUTPUTS
    outputs.mkdir(parents=True)
    parts = build_county(folder, setting, seed=seed, charts=charts, workers=workers,
                         progress=progress)
    files = county_files(folder, parts)
    return DemoSummary(
        os.fspath(folder), sum(p.events for p in parts), sum(p.households for p in parts),
        sum(p.members for p in parts), regions=_regions(setting), outputs=os.fspath(outputs),
        files=tuple(f.name for f in files), spreads=tuple(county_spreads(parts).items()),
        ledgers=tuple(p.path for p in parts))


def _regions(setting: Setting) -> tuple[tuple[str, int], ...]:
    """How many regions of each kind the setting's tree has."""
    units = Counter(u.kind for u in setting.units)
    return (("county", 1), ("town", len(setting.towns)), ("village", units["village"]),
            ("community", units["community"]),
            ("grid", sum(len(u.grids) for u in setting.units)),
            ("micro_grid", sum(len(m) for u in setting.units for _g, m in u.grids)))


def summary_lines(summary: DemoSummary) -> list[str]:
    """The short summary the ``demo`` command prints: what was built, the year's spreads and
    the files posted."""
    regions = dict(summary.regions)
    s = dict(summary.spreads)
    stars: dict[int, int] = s["stars"]  # type: ignore[assignment]
    meals: dict[str, int] = s["meals"]  # type: ignore[assignment]
    lines = [
        f"Wrote the demo villages of {COUNTY[1]}: {regions.get('town', 0)} town(s), "
        f"{regions.get('village', 0)} villages, {regions.get('community', 0)} communities, "
        f"{regions.get('grid', 0)} grids, {regions.get('micro_grid', 0)} micro-grids; "
        f"{summary.households:,} households, {summary.members:,} members, "
        f"{summary.events:,} events ({YEAR}) to",
        f"  {os.path.abspath(summary.path)}" + (
            f" (one ledger per village and community: {len(summary.ledgers)} SQLite files)"
            if len(summary.ledgers) > 1 else ""),
        f"参与率（各网格）: {s['participation_min']:.0%}–{s['participation_max']:.0%}; "
        "星级: " + " ".join(f"{k}星 {v}" for k, v in stars.items() if k) + f"，未评 {stars[0]}",
        f"微心愿认领中位 {s['median_days_wish_claimed']:.1f} 天; "
        f"服务接单中位 {float(str(s['median_days_order_accepted'] or 0)) * 24:.1f} 小时; "
        f"公示后入账申报 {s['claims_posted']}; 捐赠入库 {s['donations']} 次; "
        "长者餐 " + "，".join(f"{label} {meals.get(kind, 0)}" for kind, label in
                            (("full", "全价"), ("discounted", "八折"), ("free", "免费")))
        + f"; 年底清零 {s['expired_points']:,} 分",
        f"Posted in {os.path.abspath(summary.outputs)}:",
        *describe([Path(summary.outputs) / f for f in summary.files]),
    ]
    return lines
