"""Honour boards (红黑榜): households ranked by points earned in a period.

Ranked by points *earned* for conduct (awards net of their reversals), never by balance, so
spending, expiry and transfers never move a household on a board. A board is computed as of the
end of its period: entries recorded after the period ended do not change it, so a past board
never changes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Final

from pointsledger.errors import ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import code_of, movements_of
from pointsledger.reports._scan import bounds, consistent, households_under
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


@consistent
def honour_board(ledger: Ledger, period: str, *, top: int = 10, bottom: bool = False,
                 method: str = "competition", region: str | None = None,
                 locale: str = "zh") -> Table:
    """The top (红榜) or bottom (黑榜, ``bottom=True``) ``top`` households by points earned in
    ``period``, names masked for the notice board.

    Args:
        ledger: the ledger.
        period: a period label such as ``"2026-03"``.
        top: how many rows (ties at the cut-off are all shown).
        bottom: the lowest earners instead of the highest.
        method: competition (1224), dense (1223) or ordinal (1234, ties by household id).
        region: only households under this region.
        locale: "zh" or "en".
    """
    text = labels(locale)
    start, end = bounds(ledger, period)
    m = movements_of(ledger)
    earn = code_of("earned")
    by_number: dict[int, int] = defaultdict(int)
    for recorded, when, kind, who, points in zip(
            m.recorded, m.when, m.kind, m.household, m.points, strict=True):
        if kind == earn and recorded < end and start <= when < end:
            by_number[who] += points
    earned: dict[str, int] = defaultdict(int, {m.names[n]: v for n, v in by_number.items()})
    registered = ledger.households()
    households = [registered[h] for h in households_under(ledger, region)]
    order = sorted(households, key=lambda h: (earned[h.id] if bottom else -earned[h.id], h.id))
    values = [earned[h.id] for h in order]
    positions = ranks(values, method)
    rows: list[tuple[int, str, str, int]] = []
    for household, value, rank in zip(order, values, positions, strict=True):
        if len(rows) >= top and rank != rows[-1][0]:
            break
        rows.append((rank, household.id, mask_name(household.head), value))
    title = text["board_bottom" if bottom else "board_top"]
    keys = ("rank", "household", "name", "earned")
    return Table(f"{title} {period}", [text[k] for k in keys], rows, keys=keys)
