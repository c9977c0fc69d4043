"""The demo year's figures a cadre would ask about, read back from the ledgers.

`year_figures()` reads one ledger's year into raw, mergeable figures (counts per grid, each
household's stars and score, each case's waiting days); `spreads()` turns the figures of one
ledger or of every ledger of the county into the summary's numbers, so a median over the
county is the median of all its cases, not a median of the villages' medians.
"""

from __future__ import annotations

import datetime as _dt
import statistics
from collections import Counter
from collections.abc import Iterable

import attrs

from pointsledger import rate, reports
from pointsledger.core.store_events import DonationReceived, Redeemed
from pointsledger.demo.rulebook import MEALS, YEAR
from pointsledger.ledger import Ledger
from pointsledger.ledger.movements import code_of, movements_of


@attrs.frozen
class Figures:
    """One ledger's year, raw.

    Attributes:
        grids: ``(grid, households that earned points, households)`` per grid (a micro-grid
            counts for its grid).
        stars: the stars of each household rated for the year.
        scores: the rating score of each household rated.
        wish_days: days each wish of the year waited to be claimed.
        order_days: days each order of the year waited to be accepted.
        donations: goods donated into stock.
        meals: 长者餐 bought at full price, discounted and free.
        claims_posted: claims posted after their 公示.
        expired: points cleared at the year's end.
    """

    grids: tuple[tuple[str, int, int], ...]
    stars: tuple[int, ...]
    scores: tuple[int, ...]
    wish_days: tuple[float, ...]
    order_days: tuple[float, ...]
    donations: int
    meals: tuple[tuple[str, int], ...]
    claims_posted: int
    expired: int


def year_figures(ledger: Ledger) -> Figures:
    """The year's figures of ``ledger``, from its report index (no event decoded)."""
    ratings = rate(ledger, _dt.date(YEAR, 12, 31))
    earned: dict[str, set[str]] = {}
    meals = Counter[str]()
    costs = {code: cost for code, _t, cost in MEALS}
    households = ledger.households()
    m = movements_of(ledger)
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
    per_grid = Counter(h.grid.rsplit("-", 1)[0] for h in households.values())
    return Figures(
        grids=tuple((g, len(earned.get(g, ())), n) for g, n in sorted(per_grid.items())),
        stars=tuple(r.stars for r in ratings),
        scores=tuple(r.score for r in ratings),
        wish_days=tuple(reports.case_days(ledger, "wish", period=f"{YEAR}")[0]),
        order_days=tuple(reports.case_days(ledger, "order", period=f"{YEAR}")[0]),
        donations=sum(1 for k in m.event_kind if k == received) if received >= 0 else 0,
        meals=tuple(sorted(meals.items())),
        claims_posted=len(ledger.cases("claim", state="posted")),
        expired=expired)


def spreads(figures: Iterable[Figures]) -> dict[str, object]:
    """The summary's numbers over the ``figures`` of one or several ledgers: the lowest and
    highest grid participation, households by stars, the median days a wish waited to be
    claimed and an order to be accepted, donations, meals by price, claims posted, points
    cleared and the median score."""
    parts = list(figures)
    participation = sorted(earning / n for f in parts for _g, earning, n in f.grids if n)
    stars = Counter(s for f in parts for s in f.stars)
    scores = [s for f in parts for s in f.scores]
    wishes = [d for f in parts for d in f.wish_days]
    orders = [d for f in parts for d in f.order_days]
    meals: Counter[str] = Counter()
    for f in parts:
        meals.update(dict(f.meals))
    return {
        "participation_min": round(participation[0], 3),
        "participation_max": round(participation[-1], 3),
        "stars": {s: stars[s] for s in range(6)},
        "median_days_wish_claimed": statistics.median(wishes) if wishes else None,
        "median_days_order_accepted": statistics.median(orders) if orders else None,
        "donations": sum(f.donations for f in parts),
        "meals": dict(meals),
        "claims_posted": sum(f.claims_posted for f in parts),
        "expired_points": sum(f.expired for f in parts),
        "median_score": statistics.median(scores) if scores else None,
    }
