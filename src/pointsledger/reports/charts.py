"""Charts: monthly trends per village and points by category, drawn to PNG or SVG.

An optional extra (``pip install "pointsledger[charts]"``, which brings matplotlib); nothing
else in pointsledger imports this module or matplotlib. Each function draws from the same data
a report would show, writes it to a path (its suffix, ``.png`` or ``.svg``, picks the format)
or a binary file object (``io.BytesIO``), and returns that data as a
`Table`. Chinese labels need a CJK font (Debian's
``fonts-noto-cjk`` or ``fonts-wqy-microhei``): without one a chart with Chinese text raises a
`ValidationError` naming those packages (``missing_font="warn"`` draws
anyway, the text as boxes); with ``locale="en"`` and ASCII names any font will do.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Final, TypeAlias

from pointsledger.base.periods import local_day_range, period_index, period_label
from pointsledger.core.registry import Region
from pointsledger.errors import ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import code_of, movements_of
from pointsledger.reports._scan import consistent, reversed_household
from pointsledger.reports.labels import labels
from pointsledger.reports.summaries import category_summary
from pointsledger.reports.table import Table

Target: TypeAlias = "str | os.PathLike[str] | IO[bytes]"
"""Where a chart goes: a path (its suffix, ``.png`` or ``.svg``, picks the format) or a binary
file object such as ``io.BytesIO()`` (PNG unless ``format="svg"``)."""

_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "SimHei", "DejaVu Sans"]
_FILES = ("notosanscjk", "notoserifcjk", "notosanssc", "wqy", "simhei")
_PLACES = ("village", "community")


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise ValidationError("charts need matplotlib: pip install 'pointsledger[charts]'",
                              extra="charts") from None
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    return figure


FONT_PACKAGES: Final = ("fonts-noto-cjk", "fonts-wqy-microhei")
"""Debian packages that give matplotlib a CJK font (install one)."""

MISSING_FONT: Final = ("error", "warn")


def _format(target: Target, fmt: str | None) -> str:
    """The image format: ``fmt``, else the path's suffix (``png`` for a file object)."""
    if not hasattr(target, "write") and not isinstance(target, str | os.PathLike):
        raise ValidationError("charts go to a path or a binary file object (with write()), "
                              f"not {type(target).__name__}", target=type(target).__name__)
    if fmt is None:
        fmt = "png" if hasattr(target, "write") else Path(target).suffix.lower()[1:]  # type: ignore[arg-type]
    if fmt not in ("png", "svg"):
        raise ValidationError(f"charts are written as png or svg, not {fmt!r}", format=fmt)
    return fmt


def _save(figure: Any, target: Target, fmt: str) -> None:
    """Write the figure to a path or a binary file object (anything with ``write``)."""
    figure.savefig(target, format=fmt)


def _place_of(regions: Mapping[str, Region], grid: str) -> str:
    """The village or community above a grid (the grid itself when there is none)."""
    code: str | None = grid
    while code is not None and code in regions:
        if regions[code].kind in _PLACES:
            return code
        code = regions[code].parent
    return grid


@consistent
def monthly_trend(ledger: Ledger, path: Target, *, locale: str = "zh",
                  format: str | None = None, missing_font: str = "error") -> Table:
    """Points earned per month in each village and community, one line each.

    Args:
        ledger: the ledger.
        path: a path (``.png`` or ``.svg``) or a binary file object (``io.BytesIO()``).
        locale: "zh" or "en".
        format: "png" or "svg" (default: from the path's suffix; PNG for a file object).
        missing_font: when the chart has Chinese text and no CJK font is installed:
            ``"error"`` (default) raises, ``"warn"`` draws anyway (the text shows as boxes)
            with a warning; both name the packages to install (``fonts-noto-cjk``).

    Raises:
        ValidationError: a bad format, target or ``missing_font``, matplotlib missing, or
            (``missing_font="error"``) no CJK font for Chinese text.

    Returns:
        The plotted data: one row per month, one column per place.
    """
    text = labels(locale)
    fmt = _format(path, format)
    _check_choice(missing_font)
    tzinfo = ledger.tzinfo
    regions = ledger.regions()
    m = movements_of(ledger)
    earn = code_of("earned")
    place_of_household = {h.id: _place_of(regions, h.grid)
                          for h in ledger.households().values()}
    totals: dict[tuple[int, str], int] = defaultdict(int)
    low, high, day = 0, 0, None
    placed = reversed_household(ledger, m)
    for seq, when, kind, reversal, account, who, value in zip(
            m.seq, m.when, m.kind, m.reversal, m.account, m.household, m.points, strict=True):
        if kind != earn:
            continue
        if reversal:  # taken back where it was earned
            who = placed(seq, account)
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
    axes.set_ylim(bottom=0)  # points from zero: a month's dip is not shown as a collapse
    if names:
        axes.legend()
    _use_fonts(figure, missing_font)
    _save(figure, path, fmt)
    return Table(f"{text['periods']} ({text['earned']})", [text["period"], *names], rows,
                 keys=("period", *places))


@consistent
def points_by_category(ledger: Ledger, path: Target, *, period: str | None = None,
                       locale: str = "zh", format: str | None = None,
                       missing_font: str = "error") -> Table:
    """Net points by category in a period, one bar each (deductions below zero).

    Takes ``path``, ``format`` and ``missing_font`` as `monthly_trend()` does.

    Raises:
        ValidationError: as `monthly_trend()`.

    Returns:
        The plotted data: one row per category.
    """
    text = labels(locale)
    fmt = _format(path, format)
    _check_choice(missing_font)
    summary = category_summary(ledger, period=period, locale=locale)
    by_category: dict[str, int] = defaultdict(int)
    for category, _item, points, *_rest in summary.rows:
        by_category[category] += points
    rows = sorted(by_category.items())
    figure = _figure()
    axes = figure.add_subplot()
    axes.bar([r[0] for r in rows], [r[1] for r in rows])
    axes.axhline(0, linewidth=0.8)
    axes.set_title(f"{text['categories']} {period or ''}".strip())
    axes.set_ylabel(text["points"])
    _use_fonts(figure, missing_font)
    _save(figure, path, fmt)
    return Table(summary.title, [text["category"], text["points"]], rows,
                 keys=("category", "points"))


def _check_choice(missing_font: str) -> None:
    if missing_font not in MISSING_FONT:
        raise ValidationError(f"missing_font must be one of {', '.join(MISSING_FONT)}, got "
                              f"{missing_font!r}", missing_font=missing_font)


def cjk_fonts() -> list[str]:
    """The CJK fonts matplotlib finds on this machine, of those the charts use (best first)."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = [name for name in _FONTS[:-1] if name in {font.name for font in manager.ttflist}]
    if not found:  # installed after matplotlib cached its font list: add them now
        for file in font_manager.findSystemFonts():
            if any(part in Path(file).name.lower() for part in _FILES):
                with contextlib.suppress(Exception):  # a font file FreeType cannot read
                    manager.addfont(file)
        found = [name for name in _FONTS[:-1]
                 if name in {font.name for font in manager.ttflist}]
    return found


def _use_fonts(figure: Any, missing_font: str) -> None:
    """Use an installed CJK font, so Chinese labels render; without one, raise or warn (by
    ``missing_font``) when the chart has any non-ASCII text."""
    texts = figure.findobj(lambda artist: hasattr(artist, "set_fontfamily"))
    found = cjk_fonts()
    if not found and any(not str(getattr(t, "get_text", str)()).isascii() for t in texts):
        message = ("no CJK font for the chart's Chinese text: install one (Debian: apt-get "
                   f"install {' or '.join(FONT_PACKAGES)}), or draw with locale='en'")
        if missing_font == "error":
            raise ValidationError(message, font="CJK", packages=list(FONT_PACKAGES))
        warnings.warn(message, RuntimeWarning, stacklevel=3)
    for text in texts:
        text.set_fontfamily(found or ["DejaVu Sans"])
