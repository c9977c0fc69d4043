"""Summaries: by category and item, by period, by region (roll-up), and of the points store."""

from __future__ import annotations

from collections import defaultdict

from ..errors import ValidationError
from ..events import Redemption, Reversed, StockAdjusted, StockReceived
from ..ledger import Ledger
from ..periods import PERIODS, local_date, period_index, period_label
from ._scan import bounds, category_of, is_item_posting, movements, occurred
from .labels import labels
from .table import Table


def category_summary(ledger: Ledger, *, period: str | None = None, locale: str = "zh") -> Table:
    """Points by category and item in a period: points and number of entries (net of
    reversals), and households reached (with at least one entry that was not reversed)."""
    text = labels(locale)
    start, end = bounds(ledger, period)
    points: dict[tuple[str, str], int] = defaultdict(int)
    count: dict[tuple[str, str], int] = defaultdict(int)
    reached: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    state = ledger.state
    for event in ledger.events():
        if not is_item_posting(event) or not start <= occurred(event) < end:
            continue
        key = (category_of(ledger, event), event.item)  # type: ignore[attr-defined]
        sign = -1 if isinstance(event, Reversed) else 1
        points[key] += sign * event.points  # type: ignore[attr-defined]
        count[key] += sign
        household = state.household_of(event.account) or event.account  # type: ignore[attr-defined]
        reached[key][household] += sign
    rows = [(c, i, points[(c, i)], count[(c, i)],
             sum(1 for n in reached[(c, i)].values() if n > 0)) for c, i in sorted(points)]
    columns = [text[c] for c in ("category", "item", "points", "events", "households")]
    return Table(f"{text['categories']} {period or ''}".strip(), columns, rows)


def period_summary(ledger: Ledger, *, per: str = "month", locale: str = "zh") -> Table:
    """Totals per month, quarter or year: earned, deducted, redeemed, expired, and the change in
    points earned against the previous period."""
    if per not in PERIODS:
        raise ValidationError(f"per must be one of {', '.join(PERIODS)}, got {per!r}", per=per)
    text = labels(locale)
    state = ledger.state
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event in ledger.events():
        when = occurred(event)
        index = period_index(per, local_date(when, state.tzinfo))
        for _account, kind, points, _what in movements(event):
            if kind in ("earned", "deducted", "redeemed", "expired"):
                totals[index][kind] += points
    rows: list[tuple[object, ...]] = []
    previous = None
    for index in sorted(totals):
        t = totals[index]
        change = "" if previous is None else t["earned"] - previous
        rows.append((period_label(per, index), t["earned"], -t["deducted"], -t["redeemed"],
                     -t["expired"], change))
        previous = t["earned"]
    columns = [text[c] for c in ("period", "earned", "deducted", "redeemed", "expired",
                                 "change")]
    return Table(f"{text['periods']} ({per})", columns, rows)


def rollup(ledger: Ledger, *, period: str | None = None, locale: str = "zh") -> Table:
    """Each region with the households under it, how many took part (at least one award in the
    period), the participation rate, and the points earned and deducted. A region's figures
    are the sums of its children's."""
    text = labels(locale)
    state = ledger.state
    start, end = bounds(ledger, period)
    earned: dict[str, int] = defaultdict(int)
    deducted: dict[str, int] = defaultdict(int)
    for event in ledger.events():
        if not is_item_posting(event) or not start <= occurred(event) < end:
            continue
        household = state.household_of(event.account) or event.account  # type: ignore[attr-defined]
        sign = -1 if isinstance(event, Reversed) else 1
        value = sign * event.points  # type: ignore[attr-defined]
        if event.points > 0:  # type: ignore[attr-defined]
            earned[household] += value
        else:
            deducted[household] -= value
    children: dict[str | None, list[str]] = defaultdict(list)
    for region in state.regions.values():
        children[region.parent].append(region.code)
    by_grid: dict[str, list[str]] = defaultdict(list)
    for household in state.households.values():
        by_grid[household.grid].append(household.id)
    rows: list[tuple[object, ...] | None] = []

    def visit(code: str, depth: int) -> tuple[int, int, int, int]:
        region = state.regions[code]
        at = len(rows)
        rows.append(None)
        totals = [0, 0, 0, 0]
        for household in by_grid.get(code, ()):
            totals[0] += 1
            totals[1] += 1 if earned[household] > 0 else 0
            totals[2] += earned[household]
            totals[3] += deducted[household]
        for child in sorted(children.get(code, ())):
            for i, value in enumerate(visit(child, depth + 1)):
                totals[i] += value
        rate = f"{totals[1] / totals[0]:.0%}" if totals[0] else ""
        rows[at] = ("  " * depth + region.name, region.kind, totals[0], totals[1], rate,
                    totals[2], totals[3])
        return totals[0], totals[1], totals[2], totals[3]

    for top in sorted(children.get(None, ())):
        visit(top, 0)
    rows = [row for row in rows if row is not None]
    columns = [text[c] for c in ("region", "kind", "households", "participating", "rate",
                                 "earned", "deducted")]
    return Table(f"{text['rollup']} {period or ''}".strip(), columns, rows)


def store_summary(ledger: Ledger, *, period: str | None = None, locale: str = "zh") -> Table:
    """Redemptions by reward in a period (units and points, net of reversals) with stock on
    hand; the notes give the points still redeemable (the outstanding liability) and the points
    that expired in the period."""
    text = labels(locale)
    state = ledger.state
    start, end = bounds(ledger, period)
    units: dict[str, int] = defaultdict(int)
    points: dict[str, int] = defaultdict(int)
    rewards: set[str] = set()
    expired = 0
    for event in ledger.events():
        if isinstance(event, StockReceived | StockAdjusted):
            rewards.add(event.reward)
        when = occurred(event)
        if not start <= when < end:
            continue
        if isinstance(event, Redemption):
            units[event.reward] += event.quantity
            points[event.reward] += event.points
            rewards.add(event.reward)
        elif isinstance(event, Reversed) and event.original_kind in ("redeemed", "handed_over"):
            units[event.item] -= event.quantity
            points[event.item] -= event.points
        for _account, kind, value, _what in movements(event):
            if kind == "expired":
                expired -= value
    rows = [(r, units[r], points[r], state.stock.get(r, 0)) for r in sorted(rewards)]
    liability = sum(max(0, state.available(a))
                    for a in [*state.households, *state.members])
    columns = [text[c] for c in ("reward", "units", "points", "on_hand")]
    notes = (f"{text['liability']}: {liability}", f"{text['expired']}: {expired}")
    return Table(f"{text['store']} {period or ''}".strip(), columns, rows, notes)
