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
import statistics
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import attrs

from pointsledger import rate, reports
from pointsledger.base.clock import ManualClock
from pointsledger.core.store_events import DonationReceived, Redeemed
from pointsledger.demo.outputs import describe, outputs_folder, post_notice, write_outputs
from pointsledger.demo.rulebook import GOODS, MEALS, YEAR, demo_rulebook
from pointsledger.demo.setting import COUNTY, Setting, plan_setting, register
from pointsledger.demo.year import TZ, Year, at
from pointsledger.errors import ValidationError
from pointsledger.ledger import Ledger
from pointsledger.ledger.movements import code_of, movements_of

__all__ = ["YEAR", "DemoSummary", "build_demo", "demo_rulebook", "summary_lines"]


@attrs.frozen
class DemoSummary:
    """What `build_demo()` built.

    Attributes:
        path: the SQLite file.
        events: the events written.
        households: households at the year's end (splits add some).
        members: members registered.
        regions: ``{kind: count}`` of the region tree (county, town, village, ...).
        outputs: the folder beside the file.
        files: the files written into it.
        spreads: named figures of the year (participation, stars, waits, ...).
    """

    path: str
    events: int
    households: int
    members: int
    regions: tuple[tuple[str, int], ...] = ()
    outputs: str = ""
    files: tuple[str, ...] = ()
    spreads: tuple[tuple[str, object], ...] = ()


def build_demo(path: str | os.PathLike[str] = "pointsledger-demo.db", *, seed: int = 2025,
               households: int | None = None, county: bool = False, charts: bool = True,
               progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Write the demo ledger to a new SQLite file at ``path`` and its postings beside it.

    Args:
        path: the file (it must not exist yet); the folder ``<stem>-outputs`` beside it gets
            the monthly 积分公示 pages (with ``county``, the first village's own), boards,
            lists, the wish wall and the matter board.
        seed: the random seed; the same seed gives the same ledger.
        households: households in all (default: realistic per village and community, about
            750 for the default town, about 16,000 for the county).
        county: the seed's full county (38 villages, 6 communities, 446 micro-grids) instead
            of one town with two villages and a community.
        charts: draw the charts too (when matplotlib and a CJK font are installed).
        progress: called with (days done, days in the year).

    Raises:
        ValidationError: ``path`` already exists or ``households`` is out of range.
    """
    if os.path.exists(path):
        raise ValidationError(f"{os.fspath(path)!r} already exists; give another path or "
                              "remove it", path=os.fspath(path))
    if households is not None and not 20 <= households <= 60_000:
        raise ValidationError(f"households must be 20 to 60,000, got {households}",
                              households=households)
    rng = random.Random(seed)
    setting = plan_setting(rng, county=county, households=households)
    folder = outputs_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(at(_dt.date(YEAR, 1, 1), 0, 1))
    ledger = Ledger.open(path, clock=clock, tz=TZ, ledger_id=f"demo-{seed}",
                         synchronous="NORMAL")
    try:
        notices: list[Path] = []
        _set_up(ledger, setting)
        # the town posts one notice; in the county each village posts its own: the demo
        # writes the first village's as the example
        sample = setting.units[0].code if county else None
        year = Year(ledger, clock, setting, rng,
                    on_month=lambda led, period: notices.append(post_notice(folder, led,
                                                                             period, sample)))
        year.run(progress)
        files = notices + write_outputs(ledger, folder,
                                        [(u.code, u.name) for u in setting.units],
                                        charts=charts)
        ledger.snapshot()  # keeps the state and the report index for fast later runs
        regions = Counter(r.kind for r in ledger.regions().values())
        summary = DemoSummary(
            os.fspath(path), ledger.head, len(ledger.households()), len(ledger.members()),
            regions=tuple((k, regions[k]) for k in ("county", "town", "village", "community",
                                                     "grid", "micro_grid")),
            outputs=os.fspath(folder), files=tuple(f.name for f in files),
            spreads=(*spreads(ledger).items(), ("refused", dict(year.refused)),
                     ("examples", year.examples)))
    finally:
        ledger.close()
    return summary


def _set_up(ledger: Ledger, setting: Setting) -> None:
    """Adopt the rulebook, register the setting, price donated goods, stock the store."""
    chair = setting.chair
    ledger.adopt(demo_rulebook(), effective_from=_dt.date(YEAR, 1, 1), by=chair,
                 resolution=f"{YEAR}年1月各村（社区）村民代表会议表决通过，县乡村振兴局备案")
    keeper = setting.units[0].officials.keeper
    homes = len(setting.homes)
    with ledger.batch() as batch:
        register(setting, batch)
        batch.price_donated_goods("CLOTHES", "二手衣物（爱心捐赠）", cost=10, by=chair,
                                  resolution="超市管理委员会验收定价：每件10分")
        batch.price_donated_goods("SHOES", "捐赠鞋子", cost=12, by=chair,
                                  resolution="超市管理委员会验收定价：每双12分")
        for code, *_rest in (*GOODS, *MEALS):
            batch.receive_stock(code, homes if code.startswith("MEAL") else homes // 2,
                                by=keeper, key=f"demo/stock/{code}/opening")


def spreads(ledger: Ledger) -> dict[str, object]:
    """The year's figures a cadre would ask about, read back from the ledger."""
    day = _dt.date(YEAR, 12, 31)
    ratings = rate(ledger, day)
    stars = Counter(r.stars for r in ratings)
    earned: dict[str, set[str]] = {}
    meals = Counter[str]()
    costs = {code: cost for code, _t, cost in MEALS}
    households = ledger.households()
    m = movements_of(ledger)  # the report index: no event decoded
    names = m.names
    earn, redeem, expire = code_of("earned"), code_of("redeemed"), code_of("expired")
    expired = 0
    redeemed = m.number(Redeemed.KIND)  # a meal is bought over the counter, never reserved
    for seq, kind, reversal, who, code, points in zip(m.seq, m.kind, m.reversal, m.household,
                                                      m.code, m.points, strict=True):
        if reversal:
            continue
        if kind == earn:
            home = households.get(names[who])
            if home is not None:
                earned.setdefault(home.grid.rsplit("-", 1)[0], set()).add(home.id)
        elif kind == redeem and names[code] in costs and m.event_kind[seq - 1] == redeemed:
            cost = costs[names[code]]
            meals["free" if points == 0 else "full" if -points == cost else "discounted"] += 1
        elif kind == expire:
            expired -= points
    received = m.number(DonationReceived.KIND)
    donations = sum(1 for k in m.event_kind if k == received) if received >= 0 else 0
    per_grid: Counter[str] = Counter(h.grid.rsplit("-", 1)[0] for h in households.values())
    participation = sorted(len(earned.get(g, ())) / n for g, n in per_grid.items())
    wish = dict(reports.case_board(ledger, "wish", period=f"{YEAR}").summary)
    order = dict(reports.case_board(ledger, "order", period=f"{YEAR}").summary)
    return {
        "participation_min": round(participation[0], 3),
        "participation_max": round(participation[-1], 3),
        "stars": {s: stars[s] for s in range(6)},
        "median_days_wish_claimed": wish["median_days_to_take_on"],
        "median_days_order_accepted": order["median_days_to_take_on"],
        "donations": donations,
        "meals": dict(meals),
        "claims_posted": len(ledger.cases("claim", state="posted")),
        "expired_points": expired,
        "median_score": statistics.median(r.score for r in ratings) if ratings else None,
    }


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
        f"  {os.path.abspath(summary.path)}",
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
