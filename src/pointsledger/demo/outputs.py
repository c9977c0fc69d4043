"""What the demo county posts and files: a folder beside the SQLite file.

Every file is made by the library's own reports and pages (``pointsledger.reports``), so the
folder shows what a village office would print from its ledger:

- ``notice-2025-MM.html`` — the monthly 积分公示, posted in the first minutes after each month
  ends (so each page's anchor is the ledger's head at that moment, as on a real notice board);
  in the full county, the first village's own, ``notice-<village code>-2025-MM.html``;
- ``honour-boards-2025.html`` — the year's 红榜 and 黑榜 of every village and community;
- ``star-households-2025.html`` and ``.csv`` — the 星级文明户 list for 公示 (CSV with a BOM
  for spreadsheet programs);
- ``wish-wall.html`` — the 微心愿 wall as the public sees it (names masked);
- ``matter-board.html`` — the 清单制 matter board and the year's 村务公开 of matters;
- ``chart-monthly-trend.png``, ``chart-by-category.png`` — when the ``charts`` extra
  (matplotlib) and a CJK font are installed;
- in the full county, ``rollup-2025.html`` — the 逐级汇总 from the county to the grids, read
  across the villages' ledgers (`pointsledger.demo.county`).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import attrs

from pointsledger import reports
from pointsledger.base.actors import Actor
from pointsledger.demo.rulebook import YEAR
from pointsledger.errors import ValidationError
from pointsledger.ledger import Ledger
from pointsledger.reports import Table, pages

PUBLIC: Final = Actor("public-viewer", roles={"resident"})
"""Whoever reads the notice board: sees names masked."""

WHAT: Final = {
    "notice": "积分公示（每月）",
    "honour-boards": "红榜与黑榜",
    "star-households": "星级文明户名单",
    "wish-wall": "微心愿墙",
    "matter-board": "事项办理看板与村务公开",
    "chart": "图表",
    "rollup": "逐级汇总（县、镇、村、网格）",
}
"""What each kind of file is, by its name's first part (for the summary)."""


def outputs_folder(path: str | os.PathLike[str]) -> Path:
    """The folder beside the SQLite file ``path``: ``<stem>-outputs``."""
    db = Path(path)
    return db.with_name(f"{db.stem}-outputs")


def post_notice(folder: Path, ledger: Ledger, period: str, region: str | None = None) -> Path:
    """Write the month's 积分公示 page into ``folder``: the whole ledger's
    (``notice-<period>.html``) or, with ``region``, that village's own
    (``notice-<region>-<period>.html``)."""
    name = f"notice-{period}.html" if region is None else f"notice-{region}-{period}.html"
    target = folder / name
    target.write_text(pages.monthly_notice_page(ledger, period, region=region),
                      encoding="utf-8")
    return target


def write_outputs(ledger: Ledger, folder: Path, units: list[tuple[str, str]], *,
                  charts: bool = True) -> list[Path]:
    """Write the year's boards, lists, wall and matter pages (and charts) into ``folder``.

    Args:
        ledger: the demo ledger at the year's end.
        folder: an existing folder.
        units: ``(region code, name)`` of the villages and communities, for their boards.
        charts: draw the charts too (skipped without matplotlib or a CJK font).

    Returns:
        The files written, in order.
    """
    year = f"{YEAR}"
    boards = [board for code, _name in units for board in year_boards(ledger, code)]
    return [write_boards(folder, boards),
            *write_stars(folder, reports.star_households(ledger, year)),
            *write_village_files(ledger, folder, charts=charts)]


def year_boards(ledger: Ledger, region: str | None = None) -> tuple[Table, Table]:
    """The year's 红榜 and 黑榜 of ``region`` (default: the whole ledger), each titled with
    the region's name when one is given (a page holds every unit's boards)."""
    boards = (reports.honour_board(ledger, f"{YEAR}", region=region),
              reports.honour_board(ledger, f"{YEAR}", region=region, bottom=True))
    if region is None:
        return boards
    name = ledger.regions()[region].name
    red, black = (attrs.evolve(board, title=f"{name} {board.title}") for board in boards)
    return red, black


def write_boards(folder: Path, boards: Iterable[Table]) -> Path:
    """Write the year's boards of every village and community as one page."""
    return _put(folder, f"honour-boards-{YEAR}.html",
                pages.page(f"{YEAR}年度红黑榜", [("board", b) for b in boards]))


def write_stars(folder: Path, stars: Table) -> list[Path]:
    """Write the 星级文明户 list as a page and as CSV (with a BOM for spreadsheet programs)."""
    page = _put(folder, f"star-households-{YEAR}.html",
                pages.page(f"{YEAR}年度星级文明户评定", [("stars", stars)]))
    target = folder / f"star-households-{YEAR}.csv"
    target.write_text(stars.to_csv(bom=True), encoding="utf-8", newline="")
    return [page, target]


def write_village_files(ledger: Ledger, folder: Path, *, charts: bool = True) -> list[Path]:
    """Write the wish wall, the matter board and (``charts``) the charts of ``ledger``."""
    written = [_put(folder, "wish-wall.html", pages.wish_wall_page(ledger, PUBLIC)),
               _put(folder, "matter-board.html", pages.page("事项办理看板", [
                   ("matters", reports.matter_board(ledger)),
                   ("matters", reports.matter_disclosure(ledger, f"{YEAR}")),
               ]))]
    if charts and importlib.util.find_spec("matplotlib") is not None:
        from pointsledger.reports import charts as drawing

        for name, draw in (("chart-monthly-trend.png", drawing.monthly_trend),
                           ("chart-by-category.png", drawing.points_by_category)):
            try:
                draw(ledger, folder / name)
            except ValidationError:  # no CJK font: the chart would show boxes; leave it out
                continue
            written.append(folder / name)
    return written


def _put(folder: Path, name: str, text: str) -> Path:
    target = folder / name
    target.write_text(text, encoding="utf-8")
    return target


def describe(files: list[Path]) -> list[str]:
    """One line per kind of file: what it is and the file names (for the summary)."""
    kinds: dict[str, list[str]] = {}
    for file in files:
        kind = next((k for k in WHAT if file.stem.startswith(k)), file.stem)
        kinds.setdefault(kind, []).append(file.name)
    lines = []
    for kind, names in kinds.items():
        shown = names if len(names) <= 3 else [names[0], "…", names[-1]]
        lines.append(f"  {WHAT.get(kind, kind)}: {', '.join(shown)}")
    return lines
