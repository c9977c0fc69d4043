"""Charts: monthly trends per village and points by category, drawn to PNG or SVG.

An optional extra (``pip install "pointsledger[charts]"``, which brings matplotlib); nothing
else in pointsledger imports this module or matplotlib. Each function draws from the same data
a report would show, writes the file (its suffix, ``.png`` or ``.svg``, picks the format) and
returns that data as a :class:`~pointsledger.reports.Table`. Chinese labels need a CJK font
(for example Debian's ``fonts-noto-cjk``); with ``locale="en"`` any font will do.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pointsledger.base.periods import local_day_range, period_index, period_label
from pointsledger.core.registry import Region
from pointsledger.errors import ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import code_of, movements_of
from pointsledger.reports._scan import consistent
from pointsledger.reports.labels import labels
from pointsledger.reports.summaries import category_summary
from pointsledger.reports.table import Table

_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "SimHei", "DejaVu Sans"]
_PLACES = ("village", "community")


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise ValidationError("charts need matplotlib: pip install 'pointsledger[charts]'",
                              extra="charts") from None
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    return figure


def _save(figure: Any, path: str | os.PathLike[str]) -> None:
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValidationError(f"charts are written as .png or .svg, not {suffix!r}", path=path)
    figure.savefig(path, format=suffix[1:])


def _place_of(regions: Mapping[str, Region], grid: str) -> str:
    """The village or community above a grid (the grid itself when there is none)."""
    code: str | None = grid
    while code is not None and code in regions:
        if regions[code].kind in _PLACES:
            return code
        code = regions[code].parent
    return grid


@consistent
def monthly_trend(ledger: Ledger, path: str | os.PathLike[str], *,
                  locale: str = "zh") -> Table:
    """Points earned per month in each village and community, one line each.

    Returns:
        The plotted data: one row per month, one column per place.
    """
    text = labels(locale)
    tzinfo = ledger.tzinfo
    regions = ledger.regions()
    m = movements_of(ledger)
    earn = code_of("earned")
    place_of_household = {h.id: _place_of(regions, h.grid)
                          for h in ledger.households().values()}
    totals: dict[tuple[int, str], int] = defaultdict(int)
    low, high, day = 0, 0, None
    for when, kind, who, value in zip(m.when, m.kind, m.household, m.points, strict=True):
        if kind != earn:
            continue
        if not low <= when < high:
            low, high, day = local_day_range(when, tzinfo)
        place = place_of_household.get(m.names[who])
        if place is not None:
            totals[(period_index("month", day), place)] += value  # type: ignore[arg-type]
    months = sorted({month for month, _place in totals})
    places = sorted({place for _month, place in totals})
    rows = [(period_label("month", month), *(totals[(month, p)] for p in places))
            for month in months]
    names = [regions[p].name if p in regions else p for p in places]
    figure = _figure()
    axes = figure.add_subplot()
    for column, name in enumerate(names, start=1):
        axes.plot([r[0] for r in rows], [r[column] for r in rows], marker="o", label=name)
    axes.set_title(f"{text['periods']} ({text['earned']})")
    axes.set_xlabel(text["period"])
    axes.set_ylabel(text["points"])
    if names:
        axes.legend()
    _use_fonts(figure)
    _save(figure, path)
    return Table(f"{text['periods']} ({text['earned']})", [text["period"], *names], rows,
                 keys=("period", *places))


@consistent
def points_by_category(ledger: Ledger, path: str | os.PathLike[str], *,
                       period: str | None = None, locale: str = "zh") -> Table:
    """Net points by category in a period, one bar each (deductions below zero).

    Returns:
        The plotted data: one row per category.
    """
    text = labels(locale)
    summary = category_summary(ledger, period=period, locale=locale)
    by_category: dict[str, int] = defaultdict(int)
    for category, _item, points, _events, _households in summary.rows:
        by_category[category] += points
    rows = sorted(by_category.items())
    figure = _figure()
    axes = figure.add_subplot()
    axes.bar([r[0] for r in rows], [r[1] for r in rows])
    axes.axhline(0, linewidth=0.8)
    axes.set_title(f"{text['categories']} {period or ''}".strip())
    axes.set_ylabel(text["points"])
    _use_fonts(figure)
    _save(figure, path)
    return Table(summary.title, [text["category"], text["points"]], rows,
                 keys=("category", "points"))


def _use_fonts(figure: Any) -> None:
    """Prefer an installed CJK font, so Chinese labels render."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    families = [name for name in _FONTS if name in installed] or ["DejaVu Sans"]
    for text in figure.findobj(lambda artist: hasattr(artist, "set_fontfamily")):
        text.set_fontfamily(families)
