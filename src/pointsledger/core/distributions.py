"""Distributions (积分分红): a sum divided among households by their points or stars.

A village decides how collective income is used; when a resolution shares a sum among
households by their conduct in a period, `distribute()` records it. The command computes
each open household's weight under the `ShareRule` from the
period's tallies (`pointsledger.core.tallies`: net points, or the star tier of the rulebook
in force at the period's end; vetoed households weigh 0 when the rule excludes them) and
divides the sum exactly to the fen with `split_fen()`. The
``distributed`` event holds the rule, the period, the sum, the minutes and every share, so the
division can be checked from the log alone. It moves no points: the money is paid outside the
ledger, and the event is its public record.
"""

from __future__ import annotations

from pointsledger.base.actors import Actor
from pointsledger.base.checks import MAX_INT, check_int, check_text, refused
from pointsledger.base.clock import to_us
from pointsledger.base.periods import parse_period, period_bounds, period_label
from pointsledger.core.command import Context, Outcome, command
from pointsledger.core.events import Distributed
from pointsledger.core.tallies import Tally, tally
from pointsledger.errors import NoRulebookInForce, ValidationError
from pointsledger.rules.benefits import ShareRule, split_fen


@command(Distributed)
def distribute(
    ctx: Context,
    period: str,
    *,
    rule: ShareRule,
    amount_fen: int,
    minutes: str,
    by: Actor,
    key: str,
    memo: str = "",
) -> Outcome:
    """Record a distribution (积分分红) of ``amount_fen`` among households for ``period``, as a
    resolution decided it.

    Each open household is weighed under ``rule`` by its conduct in the period (its members'
    included; reversed entries not counted): net points, or the weight of its star tier under
    the rulebook in force at the period's end; a household vetoed in the period (一票否决)
    weighs 0 when ``rule.exclude_vetoed``. The sum is divided in proportion to the weights,
    exactly to the fen (`split_fen()`: largest remainders,
    ties by household id). No points move; the money is paid outside the ledger. The command
    reads the whole log once.

    Args:
        period: a period that has ended: ``"2026"``, ``"2026-Q1"``, ``"2026-03"`` ...
        rule: how households are weighed.
        amount_fen: the sum in fen (分), 1 or more.
        minutes: the resolution's minutes (决议), required.
        by: the recording actor (role ``committee`` by default).
        key: idempotency key.
        memo: free text.

    Returns:
        The ``distributed`` event, with every share.

    Raises:
        ValidationError: a bad period, a period not yet ended, a bad amount, empty minutes,
            a rule that is not a ShareRule, or no household with a positive weight.
        NoRulebookInForce: no rulebook has been adopted.
        PermissionDenied: the actor's roles do not allow it.
        IdempotencyConflict: the key was used for a different request.
    """
    kind, index = parse_period(period)
    period = period_label(kind, index)
    if not isinstance(rule, ShareRule):
        raise refused("rule", "must be a ShareRule", rule)
    amount_fen = check_int(amount_fen, "amount_fen", minimum=1, maximum=MAX_INT)
    minutes = check_text(minutes, "minutes", required=True, multiline=True)
    replay = ctx.replayed(key, period=period, rule=rule, amount_fen=amount_fen,
                          minutes=minutes)
    if replay:
        return replay
    version = ctx.authorise()
    state = ctx.state
    start, end = (to_us(t, "period") for t in period_bounds(kind, index, state.tz))
    if end > ctx.now_us:
        raise ValidationError(f"period {period} has not ended yet: a distribution is for a "
                              "past period", period=period)
    if not state.adoptions:
        raise NoRulebookInForce("no rulebook has been adopted")
    adoption = state.adoption_at(end - 1) or state.adoptions[-1]
    rulebook = adoption.rulebook
    tallies = tally((ctx.event_at(seq) for seq in range(1, state.seq + 1)), start, end,
                    state.household_at, {a.version: a.rulebook for a in state.adoptions})
    weights: dict[str, int] = {}
    none = Tally()
    for household in sorted(h.id for h in state.households_as_stood(end - 1).values()
                            if not h.closed):
        t = tallies.get(household, none)
        score = rulebook.store.base_points + t.points
        weight = rule.weight(t.points, rulebook.ratings.stars(score, t.vetoes), t.vetoes > 0)
        if weight:
            weights[household] = weight
    if not weights:
        raise ValidationError(f"no household has a positive weight in {period} under the "
                              f"rule ({rule.basis}): nobody to share {amount_fen} fen with",
                              period=period, basis=rule.basis)
    fen = split_fen(amount_fen, weights)
    shares = tuple((h, weights[h], fen[h]) for h in sorted(weights))
    return [ctx.draft((period, rule, amount_fen, minutes, shares), version)]
