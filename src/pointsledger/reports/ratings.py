"""Ratings (星级文明户, 评优, 积分贷): a neutral record per household and period.

`rate()` folds the log for one rating period: what each household (with its members)
earned and had deducted for conduct in the period, how many violations and how many serious
ones, its score (the store's base points plus earned minus deducted) and its star tier under
the rulebook's `RatingPolicy`; a veto (一票否决: a serious
violation or a deduction the rulebook's ``vetoes`` name) removes every star for the period.
Spending never changes a rating; reversed entries do not count. The registry is taken as it
stood: a member's conduct counts for the household they belonged to when it was recorded, and
the households rated are those registered and not closed (merged, say) by the end of the
period. No lending or other rules are built in: apps take the record (benefits a rulebook names
are listed by `pointsledger.reports.eligibility()`). `star_households()` is the
星级文明户 list for 公示.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from pointsledger.base.clock import from_us, to_us
from pointsledger.base.jsonforms import JsonForm
from pointsledger.base.periods import parse_period, period_bounds, period_index, period_label
from pointsledger.core.tallies import Tally, count_posting
from pointsledger.errors import NoRulebookInForce, ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import code_of, movements_of
from pointsledger.reports._scan import consistent, reversed_household
from pointsledger.reports.boards import ranks
from pointsledger.reports.labels import labels
from pointsledger.reports.masking import mask_name
from pointsledger.reports.table import Table
from pointsledger.rules.rulebook import Rulebook

NONE = Tally()


@attrs.frozen
class Rating(JsonForm):
    """One household's record for one rating period.

    Attributes:
        household: the household id.
        period: the period's label (``2026``, ``2026-Q1``, ...).
        earned: points earned for conduct in the period (the household and its members).
        deducted: points deducted in the period, as a positive number.
        violations: deductions in the period, reversed ones not counted.
        serious: of them, deductions of ``serious`` items.
        score: the store's base points plus earned minus deducted.
        stars: the star tier: 0 when a veto fell in the period.
        vetoes: deductions in the period that are 一票否决 (``Rulebook.vetoes``, serious items
            included): any removes the stars and every benefit for the period.
    """

    household: str
    period: str
    earned: int
    deducted: int
    violations: int
    serious: int
    score: int
    stars: int
    vetoes: int = 0

    @property
    def vetoed(self) -> bool:
        """Whether a veto (一票否决) fell on the household in the period."""
        return self.vetoes > 0

    @property
    def points(self) -> int:
        """Net points in the period: earned minus deducted."""
        return self.earned - self.deducted


def period_tallies(ledger: Ledger, start_us: int, end_us: int,
                   rulebooks: dict[str, Rulebook]) -> dict[str, Tally]:
    """`pointsledger.core.tallies.tally()` of the ledger's log for ``[start_us, end_us)``,
    read from the movement index instead of decoding every event (a county's year is a
    million of them). The same fold: a posting counts for the household its account belonged
    to when it was recorded, a reversal for the household of the entry it reverses, at that
    entry's time (tests/test_ratings.py checks the two agree on ledgers with moves,
    reversals and backdated entries)."""
    m = movements_of(ledger)
    earned, deducted = code_of("earned"), code_of("deducted")
    placed = reversed_household(ledger, m)
    counts: dict[str, list[int]] = {}
    names = m.names
    lo = m.since(start_us)
    for seq, when, kind, reversal, account, who, code, version, points in zip(
            m.seq[lo:], m.when[lo:], m.kind[lo:], m.reversal[lo:], m.account[lo:],
            m.household[lo:], m.code[lo:], m.version[lo:], m.points[lo:], strict=True):
        if (kind != earned and kind != deducted) or not start_us <= when < end_us:
            continue
        if reversal:  # placed by the reversed entry, as it was recorded; its points as posted
            who, sign, points = placed(seq, account), -1, -points
        else:
            sign = 1
        count_posting(counts, names[who], points, sign, rulebooks[names[version]], names[code])
    return {h: Tally(*row) for h, row in counts.items()}


@consistent
def rate(ledger: Ledger, day: _dt.date, *, per: str | None = None) -> list[Rating]:
    """Rate every household for the period holding the local date ``day``.

    Args:
        ledger: the ledger.
        day: any day of the period.
        per: the period kind (default: the rulebook's rating period).

    Returns:
        One `Rating` per household registered and not closed by the end of the
        period, sorted by household id (a closed household, merged into another say, is no
        longer rated; it is still rated for earlier periods).

    Raises:
        NoRulebookInForce: no rulebook governs the end of the period.
    """
    adoptions = ledger.adoptions()
    if not adoptions:
        raise NoRulebookInForce("no rulebook has been adopted")
    kind = per or adoptions[-1].rulebook.ratings.per
    index = period_index(kind, day)
    start, end = (to_us(t, "bound") for t in period_bounds(kind, index, ledger.tz))
    try:
        in_force = ledger.rulebook(from_us(end - 1, ledger.tz))
    except NoRulebookInForce:
        in_force = adoptions[-1].rulebook
    base = in_force.store.base_points
    by_version = {a.version: a.rulebook for a in adoptions}
    tallies = period_tallies(ledger, start, end, by_version)
    label = period_label(kind, index)
    ratings = []
    stood = ledger.households(as_of=from_us(end - 1, ledger.tz))
    for household in sorted(h.id for h in stood.values() if not h.closed):
        t = tallies.get(household, NONE)
        score = base + t.earned - t.deducted
        ratings.append(Rating(household, label, t.earned, t.deducted, t.violations, t.serious,
                              score, in_force.ratings.stars(score, t.vetoes), t.vetoes))
    return ratings


@consistent
def star_households(ledger: Ledger, period: str, *, locale: str = "zh") -> Table:
    """星级文明户评定: each open household's stars for a rating period (a year such as
    ``"2026"`` or a quarter such as ``"2026-Q1"``) by the tiers of the rulebook in force at the
    period's end, from `rate()`; closed households are left out. Names are masked, so the
    list is ready for 公示.

    Rows go most stars first, then by score, then by household id: rank, household, the head's
    masked name, stars (★★★☆☆), points earned, points deducted, violations, the score and the
    stars as a number. The notes give each tier's minimum score and the downgrade rule.

    Raises:
        ValidationError: a period that is not a year or a quarter, or a bad locale.
        NoRulebookInForce: no rulebook adopted.
    """
    text = labels(locale)
    kind, index = parse_period(period)
    if kind not in ("year", "quarter"):
        raise ValidationError(f"star ratings are for a year (2026) or a quarter (2026-Q1), "
                              f"not {period!r}", rating_period=period)
    start, end = period_bounds(kind, index, ledger.tz)
    ratings = rate(ledger, start.date(), per=kind)
    adoptions = ledger.adoptions()
    try:
        policy = ledger.rulebook(end.subtract(microseconds=1)).ratings
    except NoRulebookInForce:
        policy = adoptions[-1].rulebook.ratings
    households = ledger.households()
    ordered = sorted(ratings, key=lambda r: (-r.stars, -r.score, r.household))
    places = ranks([r.stars for r in ordered], "competition")
    top = max((stars for stars, _needed in policy.tiers), default=5)
    rows = []
    for place, r in zip(places, ordered, strict=True):
        shown = "★" * r.stars + "☆" * (top - r.stars) if r.stars else text["stars_none"]
        rows.append((place, r.household, mask_name(households[r.household].head), shown,
                     r.earned, r.deducted, r.violations, r.score, r.stars))
    keys = ("rank", "household", "name", "stars", "earned", "deducted", "violation_count",
            "score", "star_count")
    tiers = "、".join(f"{stars}星 ≥ {needed}" for stars, needed in policy.tiers) \
        if locale == "zh" else ", ".join(f"{stars} stars >= {needed}"
                                         for stars, needed in policy.tiers)
    if locale == "zh":
        notes = (f"评定标准（得分 = 基础分 + 获得 − 扣除）：{tiers}；"
                 "期内有严重违规或一票否决事项的不评星。",
                 f"{text['anchor']}：{ledger.anchor()}")
    else:
        notes = (f"Tiers (score = base + earned - deducted): {tiers}; a serious violation or "
                 "a veto in the period removes every star.",
                 f"{text['anchor']}: {ledger.anchor()}")
    counts = {stars: sum(1 for r in ratings if r.stars == stars) for stars in range(top + 1)}
    return Table(f"{text['stars_title']} {period}", [text[k] for k in keys], rows, notes,
                 keys=keys, summary={"period": period, "households": len(rows),
                                     "by_stars": {str(k): v for k, v in counts.items()},
                                     "anchor": str(ledger.anchor())})
