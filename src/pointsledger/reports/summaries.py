"""Summaries: by category and item, by period, by region (roll-up), and of the points store."""

from __future__ import annotations

from collections import defaultdict
from itertools import chain

from pointsledger.base.periods import PERIODS, local_day_range, period_index, period_label
from pointsledger.errors import ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import code_of, movements_of
from pointsledger.reports._scan import bounds, consistent, reversed_household, stood_at
from pointsledger.reports._titles import Titles
from pointsledger.reports.labels import labels, term
from pointsledger.reports.table import Table


@consistent
def category_summary(ledger: Ledger, *, period: str | None = None, locale: str = "zh") -> Table:
    """Points by category and item in a period: points and number of entries (net of
    reversals), and households reached (with at least one entry that was not reversed).
    Items are named by their titles; the last column gives their codes for officials."""
    text = labels(locale)
    start, end = bounds(ledger, period)
    m = movements_of(ledger)
    earned, deducted = code_of("earned"), code_of("deducted")
    points: dict[tuple[int, int], int] = defaultdict(int)
    count: dict[tuple[int, int], int] = defaultdict(int)
    reached: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    placed = reversed_household(ledger, m)
    lo = m.since(start)
    for seq, when, kind, reversal, account, who, code, version, value in zip(
            m.seq[lo:], m.when[lo:], m.kind[lo:], m.reversal[lo:], m.account[lo:],
            m.household[lo:], m.code[lo:], m.version[lo:], m.points[lo:], strict=True):
        if kind in (earned, deducted) and start <= when < end:
            key = (version, code)
            sign = -1 if reversal else 1
            if reversal:
                who = placed(seq, account)
            points[key] += value
            count[key] += sign
            reached[key][who] += sign
    titles = Titles.of(ledger)
    merged: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    households: dict[tuple[str, str], set[int]] = defaultdict(set)
    for (version, code), value in points.items():
        item = m.names[code]
        category = titles.category(item, m.names[version])
        row = merged[(category, item)]
        row[0] += value
        row[1] += count[(version, code)]
        households[(category, item)] |= {h for h, n in reached[(version, code)].items() if n > 0}
    rows = [(c, titles.item(i), v[0], v[1], len(households[(c, i)]), i)
            for (c, i), v in sorted(merged.items())]
    keys = ("category", "item", "points", "events", "households", "code")
    return Table(f"{text['categories']} {period or ''}".strip(), [text[k] for k in keys], rows,
                 keys=keys)


@consistent
def period_summary(ledger: Ledger, *, per: str = "month", locale: str = "zh") -> Table:
    """Totals per month, quarter or year: earned, deducted, redeemed, expired, and the change in
    points earned against the previous period."""
    if per not in PERIODS:
        raise ValidationError(f"per must be one of {', '.join(PERIODS)}, got {per!r}", per=per)
    text = labels(locale)
    tzinfo = ledger.tzinfo
    m = movements_of(ledger)
    wanted = {code_of(k): k for k in ("earned", "deducted", "redeemed", "expired")}
    totals: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    low, high, day = 0, 0, None
    for when, kind, value in zip(m.when, m.kind, m.points, strict=True):
        name = wanted.get(kind)
        if name is None:
            continue
        if not low <= when < high:  # rows come in recording order: days repeat in runs
            low, high, day = local_day_range(when, tzinfo)
        totals[period_index(per, day)][name] += value  # type: ignore[arg-type]
    rows: list[tuple[object, ...]] = []
    previous = None
    for index in sorted(totals):
        t = totals[index]
        change = "" if previous is None else t["earned"] - previous
        rows.append((period_label(per, index), t["earned"], -t["deducted"], -t["redeemed"],
                     -t["expired"], change))
        previous = t["earned"]
    keys = ("period", "earned", "deducted", "redeemed", "expired", "change")
    return Table(f"{text['periods']}（{term(per, locale)}）" if locale == "zh"
                 else f"{text['periods']} ({per})", [text[k] for k in keys], rows, keys=keys)


@consistent
def rollup(ledger: Ledger, *, period: str | None = None, locale: str = "zh") -> Table:
    """Each region with the households under it, how many took part (at least one award in the
    period), the participation rate, and the points earned and deducted. A region's figures
    are the sums of its children's. The registry is taken as it stood in the period: the
    households registered by its end and not closed before it began (one merged during the
    period still counts; one merged earlier does not), each in its grid at the end, with the
    conduct of each member counted for the household they belonged to when it was
    recorded."""
    text = labels(locale)
    regions = ledger.regions()
    start, end = bounds(ledger, period)
    m = movements_of(ledger)
    earn, deduct = code_of("earned"), code_of("deducted")
    by_number_earned: dict[int, int] = defaultdict(int)
    by_number_deducted: dict[int, int] = defaultdict(int)
    placed = reversed_household(ledger, m)
    lo = m.since(start)
    for seq, when, kind, reversal, account, who, value in zip(
            m.seq[lo:], m.when[lo:], m.kind[lo:], m.reversal[lo:], m.account[lo:],
            m.household[lo:], m.points[lo:], strict=True):
        if start <= when < end:
            if reversal and kind in (earn, deduct):
                who = placed(seq, account)
            if kind == earn:
                by_number_earned[who] += value
            elif kind == deduct:
                by_number_deducted[who] -= value
    earned = {m.names[n]: v for n, v in by_number_earned.items()}
    deducted = {m.names[n]: v for n, v in by_number_deducted.items()}
    children: dict[str | None, list[str]] = defaultdict(list)
    for region in regions.values():
        children[region.parent].append(region.code)
    by_grid: dict[str, list[str]] = defaultdict(list)
    # a household closed (merged, say) before the period began is no longer one of its
    # households; one closed during the period still counts, with its conduct
    before = stood_at(ledger, start) if period is not None else None
    gone = ({h.id for h in ledger.households(as_of=before).values() if h.closed}
            if before is not None else set())
    for household in ledger.households(as_of=stood_at(ledger, end)).values():
        if household.id not in gone:
            by_grid[household.grid].append(household.id)
    rows: list[tuple[object, ...] | None] = []

    def visit(code: str, depth: int) -> tuple[int, int, int, int]:
        region = regions[code]
        at = len(rows)
        rows.append(None)
        totals = [0, 0, 0, 0]
        for household in by_grid.get(code, ()):
            totals[0] += 1
            totals[1] += 1 if earned.get(household, 0) > 0 else 0
            totals[2] += earned.get(household, 0)
            totals[3] += deducted.get(household, 0)
        for child in sorted(children.get(code, ())):
            for i, value in enumerate(visit(child, depth + 1)):
                totals[i] += value
        rate = f"{totals[1] / totals[0]:.0%}" if totals[0] else ""
        rows[at] = (region.name, term(region.kind, locale), totals[0], totals[1], rate,
                    totals[2], totals[3], depth, region.code, region.parent or "")
        return totals[0], totals[1], totals[2], totals[3]

    for top in sorted(children.get(None, ())):
        visit(top, 0)
    rows = [row for row in rows if row is not None]
    keys = ("region", "kind", "households", "participating", "rate", "earned", "deducted",
            "level", "code", "parent")
    return Table(f"{text['rollup']} {period or ''}".strip(), [text[k] for k in keys], rows,
                 keys=keys)


@consistent
def store_summary(ledger: Ledger, *, period: str | None = None, locale: str = "zh") -> Table:
    """Redemptions by reward in a period (units and points, net of reversals) with stock on
    hand, rewards named by their titles (洗洁精; the last column gives the codes); the notes
    give the points still redeemable (the outstanding liability) and the points
    that expired in the period."""
    text = labels(locale)
    stock = ledger.stock_levels()
    start, end = bounds(ledger, period)
    m = movements_of(ledger)
    redeem, expire = code_of("redeemed"), code_of("expired")
    units: dict[str, int] = defaultdict(int)
    points: dict[str, int] = defaultdict(int)
    rewards: set[str] = set(stock)
    expired = 0
    lo = m.since(start)
    for when, kind, reversal, code, value, quantity in zip(
            m.when[lo:], m.kind[lo:], m.reversal[lo:], m.code[lo:], m.points[lo:],
            m.quantity[lo:], strict=True):
        if not start <= when < end:
            continue
        if kind == redeem:
            reward = m.names[code]
            rewards.add(reward)
            units[reward] += -quantity if reversal else quantity
            points[reward] -= value
        elif kind == expire:
            expired -= value
    titles = Titles.of(ledger)
    rows = [(titles.reward(r), units[r], points[r], stock[r].on_hand if r in stock else 0, r)
            for r in sorted(rewards)]
    available = ledger.available()
    liability = sum(max(0, available[a]) for a in chain(ledger.households(), ledger.members()))
    keys = ("reward", "units", "points", "on_hand", "code")
    notes = (f"{text['liability']}: {liability}", f"{text['expired']}: {expired}")
    summary = {"period": period, "liability": liability, "expired": expired}
    return Table(f"{text['store']} {period or ''}".strip(), [text[k] for k in keys], rows,
                 notes, keys=keys, summary=summary)
