"""Period tallies: what each household earned and had deducted for conduct in a period.

`tally()` folds events (awards, deductions and their reversals) into one `Tally` per
household (a member's postings count for its household) for conduct that occurred in the
half-open range ``[start_us, end_us)``. A reversed entry counts for nothing. Violations are
counted, and among them the serious ones and the vetoes (一票否决, by the rulebook version the
deduction was checked under: ``Rulebook.vetoed_by``). It is the fold behind
distributions (``distribute``); ratings (``reports.rate``) compute the same fold from the
report index (``reports.ratings.period_tallies``), and a property test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import attrs

from pointsledger.core.events import Event, ItemPosting, Reversed
from pointsledger.rules.rulebook import Rulebook


@attrs.frozen
class Tally:
    """One household's conduct in a period.

    Attributes:
        earned: points awarded (reversals taken back).
        deducted: points deducted, as a positive number.
        violations: deductions not reversed.
        serious: of them, deductions of items marked ``serious``.
        vetoes: of them, deductions that are 一票否决 (serious ones included).
    """

    earned: int = 0
    deducted: int = 0
    violations: int = 0
    serious: int = 0
    vetoes: int = 0

    @property
    def points(self) -> int:
        """Net points: earned minus deducted."""
        return self.earned - self.deducted


def tally(events: Iterable[Event], start_us: int, end_us: int,
          household_at: Callable[[str, int], str | None],
          rulebooks: Mapping[str, Rulebook]) -> dict[str, Tally]:
    """Fold ``events`` into each household's `Tally` for conduct in
    ``[start_us, end_us)``.

    Args:
        events: the log (any order; others than postings and their reversals are skipped).
        start_us: the period's start, included.
        end_us: the period's end, excluded.
        household_at: an account's household when event ``seq`` was recorded (None for an
            account of none: it counts for itself).
        rulebooks: the adopted rulebooks by version.

    Returns:
        household id -> tally, for the households with conduct in the period only.
    """
    counts: dict[str, list[int]] = {}
    for event in events:
        if isinstance(event, ItemPosting):
            when, points, sign = event.occurred_us, event.points, 1
            version, placed_at = event.version, event.seq
        elif isinstance(event, Reversed) and event.original_kind in ("awarded", "deducted"):
            when, points, sign = event.original_occurred_us, event.points, -1
            version, placed_at = event.original_version, event.original
        else:
            continue
        if not start_us <= when < end_us:
            continue
        account = event.account
        count_posting(counts, household_at(account, placed_at) or account, points, sign,
                      rulebooks[version], event.item)
    return {h: Tally(*row) for h, row in counts.items()}


def count_posting(counts: dict[str, list[int]], household: str, points: int, sign: int,
                  rulebook: Rulebook, item: str) -> None:
    """Count one posting of ``item`` (its ``points`` as posted; ``sign`` -1 for a reversal) into
    ``household``'s row of ``counts`` (earned, deducted, violations, serious, vetoes): the one
    rule behind `tally()` and the report index's tallies."""
    row = counts.get(household)
    if row is None:
        row = counts[household] = [0, 0, 0, 0, 0]
    if points > 0:
        row[0] += sign * points
    else:
        row[1] -= sign * points
        row[2] += sign
        if rulebook.item(item).serious:
            row[3] += sign
        if rulebook.vetoed_by(item):
            row[4] += sign
