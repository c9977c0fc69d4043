"""Reports across ledgers: a township's or county's figures from its villages' ledgers.

Each village keeps its own ledger; an office above them (镇、县) wants the 逐级汇总, the honour
boards, the star households and the store's liability of all of them. Each function here takes
several ledgers, runs the one-ledger report on each (so the figures are computed once, by the
same code) and merges the results: a count or a sum is the sum of the per-ledger ones, a rate is
recomputed from the summed counts, and ranks are given again over the merged rows.

Region trees meet at the county: a village ledger names its town and county as regions above
its village (``add_region("330521", "德清县", kind="county")``, the town under it, the village
under the town), with the official codes (统计用区划代码), the same in every village of the
county. The roll-up merges regions by their path from the top (county > town > village >
grid), so the county's and towns' rows add up their villages while each village's grids stay
its own even when villages reuse grid codes; one code named differently in two ledgers is
refused. Households are a ledger's own (``H001`` of two villages are two households), so boards
and star lists give each row's ledger.

Invariants: every ledger is given once; each per-ledger part is read from one state of its
ledger (the ledgers are read one after another, not at one instant across them); the ledgers
are consumed one at a time, so `each()` can feed hundreds of them
through a small pool. The per-ledger roll-up, category, period and store summaries depend on
the ledger's log alone (not on the clock), so each is kept with the ledger's head (seq and
hash) and given again while the head is the same: a county office reloading its roll-up
recomputes only the villages whose ledgers moved.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar, cast

from pointsledger.base.periods import parse_period
from pointsledger.errors import UnknownRegion, ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.trust import Anchor
from pointsledger.reports import boards, ratings, summaries
from pointsledger.reports.labels import labels
from pointsledger.reports.table import Table

_EVERY: Final = 2**62  # a board's "top" that keeps every household
_LEDGER: Final = {"zh": "账本", "en": "ledger"}
_T = TypeVar("_T")


def _each(ledgers: Iterable[Ledger], report: Callable[[Ledger], _T]) -> list[tuple[str, _T]]:
    """``report`` of each ledger with its id, refusing a ledger given twice or none at all."""
    return _distinct((ledger.ledger_id, report(ledger)) for ledger in ledgers)


def _distinct(tables: Iterable[tuple[str, _T]]) -> list[tuple[str, _T]]:
    """``tables`` as a list, refusing a ledger id given twice or none at all."""
    out = list(tables)
    seen: set[str] = set()
    for ledger_id, _table in out:
        if ledger_id in seen:
            raise ValidationError(f"ledger {ledger_id!r} is given twice: its figures would be "
                                  "counted twice", ledger_id=ledger_id)
        seen.add(ledger_id)
    if not out:
        raise ValidationError("no ledgers given: pass at least one")
    return out


def _given(tables: Iterable[tuple[str, Table]], report: str, needed: tuple[str, ...]
           ) -> list[tuple[str, Table]]:
    """``tables`` as a list of (ledger id, table) pairs of one report, period and locale (the
    first's title, columns and keys), refusing anything else by the ledger it came with."""
    given: list[object] = list(tables)
    for pair in given:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)
                and isinstance(pair[1], Table)):
            raise ValidationError(f"give (ledger id, table) pairs, got {pair!r:.80}")
    out = _distinct(cast("list[tuple[str, Table]]", given))
    first_id, first = out[0]
    for ledger_id, table in out:
        missing = [key for key in needed if key not in table.keys]
        if missing:
            raise ValidationError(
                f"the table of ledger {ledger_id!r} ({table.title!r}) is not a {report} "
                f"table: it has no {', '.join(missing)}", ledger_id=ledger_id)
        if (table.title, tuple(table.columns), tuple(table.keys)) != (
                first.title, tuple(first.columns), tuple(first.keys)):
            raise ValidationError(
                f"the table of ledger {ledger_id!r} is {table.title!r} "
                f"({', '.join(map(str, table.columns))}) but that of ledger {first_id!r} is "
                f"{first.title!r} ({', '.join(map(str, first.columns))}): merge tables of "
                "one period and locale", ledger_id=ledger_id)
    return out


_KEPT: Final = 8  # reports kept per ledger (the most recently asked)
_MEMO: weakref.WeakKeyDictionary[Ledger, OrderedDict[tuple[Any, ...], tuple[Anchor, Table]]] = (
    weakref.WeakKeyDictionary())
_MEMO_LOCK = threading.Lock()


def _kept(ledger: Ledger, report: Callable[..., Table], **options: Any) -> Table:
    """``report(ledger, **options)``, computed once per head of the ledger: a report that
    depends on the log alone is the same while the head (seq and hash, the ledger's anchor)
    is; tables are immutable, so the one kept is given again."""
    key = (report.__name__, *sorted(options.items()))
    with ledger.reading():  # one freshness check; the head cannot move inside
        head = ledger.anchor()
        with _MEMO_LOCK:
            kept = _MEMO.setdefault(ledger, OrderedDict())
            found = kept.get(key)
        if found is not None and found[0] == head:
            return found[1]
        table = report(ledger, **options)
        with _MEMO_LOCK:
            kept[key] = (head, table)
            kept.move_to_end(key)
            while len(kept) > _KEPT:
                kept.popitem(last=False)
        return table


def _column(table: Table, key: str) -> int:
    return table.keys.index(key)


def rollup(ledgers: Iterable[Ledger], *, period: str | None = None,
           locale: str = "zh") -> Table:
    """The 逐级汇总 of several ledgers (a county's villages): each region with its households,
    those taking part, the participation rate, points earned and deducted, as
    `pointsledger.reports.rollup()` gives them per ledger. Regions that several ledgers
    share (the county, the towns: the same codes on the same path from the top) add up their
    figures; the rate is recomputed from the sums. Rows go depth first, children by code.

    Raises:
        ValidationError: no ledgers, a ledger given twice, or a shared region (same path)
            with a different name or kind in two ledgers.
    """
    return merge_rollups(_each(ledgers, lambda ledger: _kept(ledger, summaries.rollup,
                                                             period=period, locale=locale)))


def merge_rollups(tables: Iterable[tuple[str, Table]]) -> Table:
    """`rollup()` from each ledger's own `pointsledger.reports.rollup()` table, given with
    its ledger id: for an app that reads its ledgers elsewhere (in worker processes, say) and
    merges here. The tables must be of one period and locale.

    Raises:
        ValidationError: no tables, a ledger given twice, a pair that is not (ledger id,
            table), a table of another report, period or locale than the first, or a shared
            region with a different name or kind in two ledgers.
    """
    tables = _given(tables, "逐级汇总 (rollup)", ("region", "kind", "households",
                                                  "participating", "earned", "deducted",
                                                  "level", "code", "parent"))
    first = tables[0][1]
    at = {key: _column(first, key) for key in first.keys}
    merged: dict[tuple[str, ...], list[Any]] = {}
    named: dict[tuple[str, ...], str] = {}
    for ledger_id, table in tables:
        path: list[str] = []
        for row in table.rows:
            level, code = row[at["level"]], row[at["code"]]
            del path[level:]
            path.append(code)
            key = tuple(path)
            figures = [row[at[k]] for k in ("households", "participating", "earned", "deducted")]
            found = merged.get(key)
            if found is None:
                merged[key] = [row[at["region"]], row[at["kind"]], *figures, level, code,
                               row[at["parent"]]]
                named[key] = ledger_id
                continue
            if (found[0], found[1]) != (row[at["region"]], row[at["kind"]]):
                raise ValidationError(
                    f"region {code!r} is {found[0]} ({found[1]}) in ledger {named[key]!r} but "
                    f"{row[at['region']]} ({row[at['kind']]}) in ledger {ledger_id!r}: name it "
                    "alike in every ledger", region=code, ledger_id=ledger_id)
            for i, value in enumerate(figures, start=2):
                found[i] += value
    rows = []
    for key in sorted(merged):
        name, kind, households, taking_part, earned, deducted, level, code, parent = merged[key]
        rate = f"{taking_part / households:.0%}" if households else ""
        rows.append((name, kind, households, taking_part, rate, earned, deducted, level, code,
                     parent))
    return Table(first.title, first.columns, rows, keys=first.keys,
                 summary={"ledgers": len(tables)})


def category_summary(ledgers: Iterable[Ledger], *, period: str | None = None,
                     locale: str = "zh") -> Table:
    """Points by category and item across ledgers (`pointsledger.reports.category_summary()`
    summed): an item is the same row in two ledgers when its category, title and code agree
    (villages with different checklists keep their items apart).

    Raises:
        ValidationError: no ledgers or a ledger given twice.
    """
    tables = _each(ledgers, lambda ledger: _kept(ledger, summaries.category_summary,
                                                 period=period, locale=locale))
    first = tables[0][1]
    merged: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for _ledger_id, table in tables:
        for category, item, points, events, households, code in table.rows:
            figures = merged[(category, code, item)]
            figures[0] += points
            figures[1] += events
            figures[2] += households
    rows = [(category, item, *figures, code)
            for (category, code, item), figures in sorted(merged.items())]
    return Table(first.title, first.columns, rows, keys=first.keys,
                 summary={"ledgers": len(tables)})


def period_summary(ledgers: Iterable[Ledger], *, per: str = "month",
                   locale: str = "zh") -> Table:
    """Totals per month, quarter or year across ledgers
    (`pointsledger.reports.period_summary()` summed, each ledger's periods in its own time
    zone); the change in points earned is against the previous period of the merged table.

    Raises:
        ValidationError: no ledgers, a ledger given twice, or a bad ``per``.
    """
    tables = _each(ledgers, lambda ledger: _kept(ledger, summaries.period_summary, per=per,
                                                 locale=locale))
    first = tables[0][1]
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for _ledger_id, table in tables:
        for label, *figures, _change in table.rows:
            totals = merged[label]
            for i, value in enumerate(figures):
                totals[i] += value
    rows: list[tuple[object, ...]] = []
    previous: int | None = None
    for label in sorted(merged, key=lambda text: parse_period(text)[1]):
        totals = merged[label]
        rows.append((label, *totals, "" if previous is None else totals[0] - previous))
        previous = totals[0]
    return Table(first.title, first.columns, rows, keys=first.keys,
                 summary={"ledgers": len(tables)})


def store_summary(ledgers: Iterable[Ledger], *, period: str | None = None,
                  locale: str = "zh") -> Table:
    """The points stores of several ledgers (`pointsledger.reports.store_summary()`
    summed): units, points and stock on hand per reward (the same reward when title and code
    agree); the notes and summary give the summed liability (points still redeemable) and the
    points expired in the period.

    Raises:
        ValidationError: no ledgers or a ledger given twice.
    """
    text = labels(locale)
    tables = _each(ledgers, lambda ledger: _kept(ledger, summaries.store_summary,
                                                 period=period, locale=locale))
    first = tables[0][1]
    merged: dict[tuple[Any, Any], list[int]] = defaultdict(lambda: [0, 0, 0])
    liability = expired = 0
    for _ledger_id, table in tables:
        for title, units, points, on_hand, code in table.rows:
            figures = merged[(code, title)]
            figures[0] += units
            figures[1] += points
            figures[2] += on_hand
        figures_of = dict(table.summary)
        liability += figures_of["liability"]
        expired += figures_of["expired"]
    rows = [(title, *figures, code) for (code, title), figures in sorted(merged.items())]
    notes = (f"{text['liability']}: {liability}", f"{text['expired']}: {expired}")
    return Table(first.title, first.columns, rows, notes, keys=first.keys,
                 summary={"period": period, "liability": liability, "expired": expired,
                          "ledgers": len(tables)})


def honour_board(ledgers: Iterable[Ledger], period: str, *, top: int = 10,
                 bottom: bool = False, method: str = "competition", region: str | None = None,
                 locale: str = "zh") -> Table:
    """The 红榜 (or, with ``bottom=True``, the 黑榜) of several ledgers: every household each
    ledger's `pointsledger.reports.honour_board()` would list, with the same points,
    ranked again together; each row names its ledger. Ties go by ledger id, then household
    id (which also breaks them under ``ordinal``); ties at the cut-off are all shown.

    Args:
        ledgers: the ledgers.
        period: a period label such as ``"2026-03"``.
        top: how many rows.
        bottom: the 黑榜 instead of the 红榜.
        method: competition, dense or ordinal, as for one ledger.
        region: only households under this region, in the ledgers that have it (a county or
            town code; grid codes repeat between villages).
        locale: "zh" or "en".

    Raises:
        ValidationError: no ledgers, a ledger given twice, a bad period, method, locale or
            ``top``.
        UnknownRegion: no ledger has ``region``.
    """
    labels(locale)
    boards.ranks([], method)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValidationError(f"top must be a whole number of at least 1, got {top!r}",
                              top=top)

    def board(ledger: Ledger) -> Table | None:
        try:
            return boards.honour_board(ledger, period, top=_EVERY, bottom=bottom,
                                       region=region, locale=locale)
        except UnknownRegion:
            return None

    given = [(ledger_id, table) for ledger_id, table in _each(ledgers, board)
             if table is not None]
    if not given:
        raise UnknownRegion(f"no region {region!r} in any of the ledgers", region=region)
    first = given[0][1]
    entries = sorted(((-row[3], ledger_id, row[1], row) for ledger_id, table in given
                      for row in table.rows), key=lambda e: e[:3])
    values = [-e[0] for e in entries]
    rows: list[tuple[object, ...]] = []
    for (_value, ledger_id, _household, row), rank in zip(
            entries, boards.ranks(values, method), strict=True):
        if len(rows) >= top and rank != rows[-1][0]:
            break
        rows.append((rank, ledger_id, *row[1:]))
    return Table(first.title, (first.columns[0], _LEDGER[locale], *first.columns[1:]), rows,
                 keys=("rank", "ledger", *first.keys[1:]),
                 summary={"period": period, "board": "black" if bottom else "red",
                          "households": len(rows), "ledgers": len(given)})


def star_households(ledgers: Iterable[Ledger], period: str, *, locale: str = "zh") -> Table:
    """星级文明户 of several ledgers: each ledger's `pointsledger.reports.star_households()`
    rows (each by its own rulebook's tiers), ranked again together, most stars first, then by
    score, ledger id and household id; each row names its ledger. The summary sums the
    households per number of stars and gives each ledger's anchor; the notes give each
    distinct tier rule and the anchors.

    Raises:
        ValidationError: no ledgers, a ledger given twice, a period that is not a year or a
            quarter.
        NoRulebookInForce: a ledger without a rulebook.
    """
    return merge_star_households(_each(
        ledgers, lambda ledger: ratings.star_households(ledger, period, locale=locale)),
        locale=locale)


def merge_star_households(tables: Iterable[tuple[str, Table]], *, locale: str = "zh"
                          ) -> Table:
    """`star_households()` from each ledger's own
    `pointsledger.reports.star_households()` table (of one period, in ``locale``), given with
    its ledger id; see `merge_rollups()`.

    Raises:
        ValidationError: no tables, a ledger given twice, a pair that is not (ledger id,
            table), a table of another report, period or locale than the first, or tables
            not in ``locale``.
    """
    text = labels(locale)
    tables = _given(tables, "星级文明户 (star households)", ("rank", "household", "star_count",
                                                           "score"))
    first = tables[0][1]
    if list(first.columns) != [text[key] for key in first.keys]:
        raise ValidationError(f"the tables are not in locale {locale!r}: their columns are "
                              f"{', '.join(map(str, first.columns))}", locale=locale)
    at = {key: _column(first, key) for key in first.keys}
    entries = sorted((-row[at["star_count"]], -row[at["score"]], ledger_id,
                      row[at["household"]], row) for ledger_id, table in tables
                     for row in table.rows)
    places = boards.ranks([-e[0] for e in entries], "competition")
    rows = [(place, e[2], *e[4][1:]) for place, e in zip(places, entries, strict=True)]
    by_stars: dict[str, int] = defaultdict(int)
    anchors: dict[str, str] = {}
    tiers: list[str] = []
    for ledger_id, table in tables:
        figures = dict(table.summary)
        for stars, count in figures["by_stars"].items():
            by_stars[stars] += count
        anchors[ledger_id] = figures["anchor"]
        if table.notes and table.notes[0] not in tiers:
            tiers.append(table.notes[0])
    mark = "：" if locale == "zh" else ": "
    notes = (*tiers, f"{text['anchor']}{mark}" + "; ".join(anchors.values()))
    return Table(first.title, (first.columns[0], _LEDGER[locale], *first.columns[1:]), rows,
                 notes, keys=("rank", "ledger", *first.keys[1:]),
                 summary={"period": dict(first.summary)["period"], "households": len(rows),
                          "by_stars": dict(sorted(by_stars.items(), key=lambda p: int(p[0]))),
                          "anchors": anchors, "ledgers": len(tables)})
