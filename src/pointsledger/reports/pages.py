"""Printable pages: standalone HTML documents a browser prints on A4.

Each page is one complete document (``<!DOCTYPE html>``, ``<meta charset="utf-8">``, a
``<title>``, print CSS with ``@page { size: A4 }``) built from report tables, so a village can
open it, print it and post it:

- `monthly_notice_page()`: the monthly 积分公示: the 红榜 and the 黑榜, the period's
  postings, the claims in public notice with their objection deadlines, how to object, and the
  ledger's head anchor (公示栏锚点) to verify the notice against;
- `household_card_page()`: a household's 积分卡 / 积分存折: its points now (posted,
  pending, held, available) and its statement;
- `wish_wall_page()`: the wish wall as a viewer may see it.

Invariants: every text a page shows goes through `html_text()`
(escaped; control, zero-width and bidirectional-override characters shown as ``�``), so names
and wish titles typed by people can neither run script nor hide or reorder text; public pages
mask names exactly as their reports do.
"""

from __future__ import annotations

from collections.abc import Iterable

from pointsledger.base.actors import Actor
from pointsledger.base.periods import parse_period, period_bounds
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports._scan import consistent
from pointsledger.reports.accounts import statement
from pointsledger.reports.boards import honour_board
from pointsledger.reports.labels import labels
from pointsledger.reports.notices import public_notice
from pointsledger.reports.table import Table, html_text
from pointsledger.reports.workflows import claims_notice, wish_wall

PRINT_CSS = """
@page { size: A4; margin: 15mm 12mm; }
html { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
       "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 11pt;
       color: #000; background: #fff; }
body { margin: 0 auto; max-width: 186mm; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; border-bottom: 1px solid #000; }
h3 { font-size: 12pt; margin: 4mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2mm; }
th, td { border: 1px solid #444; padding: 1mm 2mm; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
section { break-inside: auto; }
.red h3 { color: #b00000; }
.black h3 { color: #000; }
.anchor { font-family: monospace; font-size: 9pt; word-break: break-all; }
.meta { text-align: center; font-size: 10pt; }
@media print { a { color: #000; text-decoration: none; } }
"""
"""The pages' style sheet: A4 with 15 mm margins, a CJK font stack, table headers repeated
on each printed page, rows never split across pages."""


def page(title: str, sections: Iterable[tuple[str, Table]], *, lead: Iterable[str] = (),
         foot: Iterable[str] = (), locale: str = "zh") -> str:
    """A standalone, printable HTML document.

    Args:
        title: the page's title (``<title>`` and the heading).
        sections: ``(css class, table)`` pairs, each rendered as a section (its title, its
            table and its notes).
        lead: lines under the heading.
        foot: lines at the end (the anchor, ...).
        locale: "zh" (``lang="zh-CN"``) or "en".

    Returns:
        The HTML text (UTF-8, ``<meta charset="utf-8">``), every text escaped.
    """
    labels(locale)
    lang = "zh-CN" if locale == "zh" else "en"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html_text(title)}</title>",
        f"<style>{PRINT_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{html_text(title)}</h1>",
        *(f'<p class="meta">{html_text(line)}</p>' for line in lead),
    ]
    for css, table in sections:
        parts.append(f'<section class="{html_text(css)}">{table.render("html")}</section>')
    parts.extend(f'<p class="anchor">{html_text(line)}</p>' for line in foot)
    parts.extend(["</body>", "</html>", ""])
    return "\n".join(parts)


def _place(ledger: Ledger) -> str:
    """The name of the region the whole ledger is: its top region, or below it the one
    village, community or town under a county or town named above it (a village's own
    ledger names its county and town, as docs/operations.md advises); "" when none."""
    regions = ledger.regions().values()
    tops = [r for r in regions if r.parent is None]
    if len(tops) != 1:
        return ""
    place = tops[0]
    while place.kind in ("county", "town"):
        below = [r for r in regions if r.parent == place.code]
        if len(below) != 1:
            break
        place = below[0]
    return place.name


@consistent
def monthly_notice_page(ledger: Ledger, period: str, *, top: int = 10,
                        objection_days: int = 7, contact: str = "村务监督委员会",
                        region: str | None = None, locale: str = "zh") -> str:
    """The monthly 积分公示 as a printable page: the 红榜 and 黑榜 of ``period``, the
    period's postings (`public_notice()`), the claims now in
    public notice with the last day to object (`claims_notice()`),
    how and until when to object, and the ledger's head anchor. Names are masked.

    Args:
        ledger: the ledger.
        period: the month (``"2026-03"``; any period label works).
        top: rows on each board (ties at the cut-off shown).
        objection_days: days the notice stays up for objections.
        contact: who takes objections.
        region: only the households under this region (a village's notice from a town's or
            county's ledger), named in the title; by default the whole ledger under the
            name of the region it is (its top region, or the one village or town under the
            county and town it names above it).
        locale: "zh" or "en".

    Raises:
        ValidationError: a bad period, ``top`` or locale.
        UnknownRegion: no such region.
    """
    text = labels(locale)
    red = honour_board(ledger, period, top=top, region=region, locale=locale)
    black = honour_board(ledger, period, top=top, bottom=True, region=region, locale=locale)
    postings = public_notice(ledger, period, objection_days=objection_days, contact=contact,
                             region=region, locale=locale)
    claims = claims_notice(ledger, contact=contact, region=region, locale=locale)
    place = _place(ledger) if region is None else ledger.regions()[region].name
    kind, index = parse_period(period)
    first = period_bounds(kind, index, ledger.tz)[0]
    if locale == "zh":
        when = f"{first.year}年{first.month}月" if kind == "month" else period
        title = f"{place}{when}积分公示"
    else:
        title = f"{place} points notice {period}".strip()
    anchor = str(ledger.anchor())
    lead = postings.notes[:2]
    foot = (f"{text['anchor']}：{anchor}" if locale == "zh" else f"{text['anchor']}: {anchor}",)
    bare = [Table(t.title, t.columns, t.rows,  # the notice dates and the anchor: once each
                  [n for n in t.notes if text["anchor"] not in n and t is not postings],
                  keys=t.keys) for t in (red, black, postings, claims)]
    return page(title, zip(("red", "black", "postings", "claims"), bare, strict=True),
                lead=lead, foot=foot, locale=locale)


@consistent
def household_card_page(ledger: Ledger, household: str, *, period: str | None = None,
                        locale: str = "zh") -> str:
    """A household's 积分卡 / 积分存折 as a printable page for the household itself: its
    points now (*a household's points*: its account and its members',
    `household_balance()`) and its statement for ``period`` (default:
    all time). Names are not masked: the card is the household's own.

    Raises:
        UnknownAccount: not a registered household.
        ValidationError: a bad period or locale.
    """
    text = labels(locale)
    now = ledger.household_balance(household)
    head = ledger.household(household).head
    passbook = statement(ledger, household, period=period, locale=locale)
    figures = Table(text["points_now"], [text[k] for k in ("posted", "pending", "held",
                                                            "available")],
                    [(now.posted, now.pending, now.held, now.available)],
                    keys=("posted", "pending", "held", "available"))
    title = f"{text['card']} {household} {head}"
    anchor = next((n for n in passbook.notes if text["anchor"] in n), "")
    body = Table(passbook.title, passbook.columns, passbook.rows,
                 [n for n in passbook.notes if n != anchor], keys=passbook.keys)
    return page(title, [("balance", figures), ("statement", body)], foot=[anchor],
                locale=locale)


@consistent
def wish_wall_page(ledger: Ledger, viewer: Actor, *, state: str | None = "wall",
                   locale: str = "zh") -> str:
    """The wish wall (心愿墙) as a printable page, as ``viewer`` may see it
    (`wish_wall()`: listed and claimed wishes with their state by
    default; names and titles masked except for officials, the claimer and the wisher),
    titled by the region the ledger is (as the monthly notice page).

    Raises:
        ValidationError: a bad state or locale.
    """
    text = labels(locale)
    wall = wish_wall(ledger, viewer, state=state, locale=locale)
    title = f"{_place(ledger)}{text['wish_wall']}" if locale == "zh" else text["wish_wall"]
    return page(title, [("wishes", wall)], locale=locale)
