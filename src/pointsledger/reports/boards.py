"""Honour boards (红黑榜): the 红榜 ranks households by points earned in a period, the 黑榜
households with deductions (violations of the 村规民约) by points deducted.

Ranked by points *earned* (or *deducted*) for conduct, net of reversals, never by balance, so
spending, expiry and transfers never move a household on a board. A board is computed as of the
end of its period: entries recorded after the period ended do not change it, so a past board
never changes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Final, cast

from pointsledger.errors import ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import Movements, code_of, movements_of
from pointsledger.reports._scan import (
    bounds,
    consistent,
    households_under,
    reversed_household,
    stood_at,
)
from pointsledger.reports._titles import Titles
from pointsledger.reports.labels import labels
from pointsledger.reports.masking import mask_name
from pointsledger.reports.table import Table

METHODS: Final = ("competition", "dense", "ordinal")
"""competition: 1, 2, 2, 4 (the default); dense: 1, 2, 2, 3; ordinal: 1, 2, 3, 4 with ties
broken by household id."""


def ranks(values: list[int], method: str = "competition") -> list[int]:
    """Ranks of ``values``, already in board order (best first), by ``method``: equal values
    share a rank except under ``ordinal``."""
    if method not in METHODS:
        raise ValidationError(f"method must be one of {', '.join(METHODS)}, got {method!r}",
                              method=method)
    out: list[int] = []
    for position, value in enumerate(values):
        if method == "ordinal" or position == 0 or value != values[position - 1]:
            rank = position + 1 if method != "dense" else (out[-1] + 1 if out else 1)
        else:
            rank = out[-1]
        out.append(rank)
    return out


_Totals = tuple[dict[int, int], dict[int, dict[tuple[int, int], int]]]


def _totals(ledger: Ledger, m: Movements, start: int, end: int, bottom: bool) -> _Totals:
    """Points earned (or deducted, as a positive number) by household number for conduct in
    ``[start, end)`` recorded before ``end``; with ``bottom``, each household's violations by
    (item, rulebook version) number, net of reversals (a reversal counts for the household
    of the entry it reverses)."""
    wanted = code_of("deducted" if bottom else "earned")
    by_number: dict[int, int] = defaultdict(int)
    violated: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    placed = reversed_household(ledger, m)
    lo, hi = m.since(start), m.since(end)
    for seq, when, kind, account, who, points, reversal, code, version in zip(
            m.seq[lo:hi], m.when[lo:hi], m.kind[lo:hi], m.account[lo:hi], m.household[lo:hi],
            m.points[lo:hi], m.reversal[lo:hi], m.code[lo:hi], m.version[lo:hi], strict=True):
        if kind == wanted and start <= when < end:
            if reversal:
                who = placed(seq, account)
            by_number[who] += -points if bottom else points
            if bottom:
                violated[who][(code, version)] += -1 if reversal else 1
    return by_number, violated


@consistent
def honour_board(ledger: Ledger, period: str, *, top: int = 10, bottom: bool = False,
                 method: str = "competition", region: str | None = None,
                 locale: str = "zh") -> Table:
    """The 红榜 (households that earned points in ``period``, most first) or, with
    ``bottom=True``, the 黑榜 (households with deductions in ``period``, most points deducted
    first, with the titles of the items they violated), names masked for the notice board.

    Both count *a household's points* (the household's account and its members') for conduct
    that occurred in the period and was recorded by its end, net of reversals. A household
    that earned nothing is never on the 红榜, and the 黑榜 lists only households with
    deductions: a low earner who broke no rule is never shamed. The registry is taken as it
    stood: a member's conduct counts for the household they belonged to when it was recorded,
    and ``region`` holds the households in its grids at the end of the period.

    Args:
        ledger: the ledger.
        period: a period label such as ``"2026-03"``.
        top: how many rows (ties at the cut-off are all shown).
        bottom: the 黑榜 instead of the 红榜.
        method: competition (1224), dense (1223) or ordinal (1234, ties by household id).
        region: only households under this region.
        locale: "zh" or "en".

    Returns:
        红榜 columns ``rank, household, name, earned``; 黑榜 columns
        ``rank, household, name, deducted, violations`` (violations: the items' titles, with
        ``×n`` when one was violated more than once).

    Raises:
        ValidationError: a bad period, method, locale, or ``top`` below 1.
        UnknownRegion: no such region.
    """
    text = labels(locale)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValidationError(f"top must be a whole number of at least 1, got {top!r}",
                              top=top)
    start, end = bounds(ledger, period)
    m = movements_of(ledger)
    by_number, violated = cast(_Totals, m.closed_period(
        ("board", start, end, bottom), end, lambda: _totals(ledger, m, start, end, bottom)))
    registered = ledger.households()
    inside = set(households_under(ledger, region, stood_at(ledger, end)))
    scored = sorted(((-v, m.names[n]) for n, v in by_number.items()
                     if v > 0 and m.names[n] in inside))
    order = [h for _v, h in scored]
    values = [-v for v, _h in scored]
    positions = ranks(values, method)
    titles = Titles.of(ledger) if bottom else None
    rows: list[tuple[object, ...]] = []
    for household, value, rank in zip(order, values, positions, strict=True):
        if len(rows) >= top and rank != rows[-1][0]:
            break
        head = registered[household].head if household in registered else ""
        row: tuple[object, ...] = (rank, household, mask_name(head), value)
        if titles is not None:
            counts: dict[str, int] = defaultdict(int)
            for (code, version), n in violated.get(m.number(household), {}).items():
                if n > 0:
                    counts[titles.item(m.names[code], m.names[version])] += n
            row += ("、".join(t if n == 1 else f"{t}×{n}" for t, n in sorted(counts.items())),)
        rows.append(row)
    title = text["board_bottom" if bottom else "board_top"]
    keys: tuple[str, ...] = (("rank", "household", "name", "deducted", "violations") if bottom
                             else ("rank", "household", "name", "earned"))
    return Table(f"{title} {period}", [text[k] for k in keys], rows, keys=keys,
                 summary={"period": period, "board": "black" if bottom else "red",
                          "households": len(rows)})
