"""Benefits and distributions for 公示: who a benefit is unlocked for, who got what share.

`eligibility()` lists the households a rulebook benefit (评先评优, 积分贷, priority in
collective welfare) is unlocked for in a rating period, from `rate()`:
not vetoed (一票否决), with the stars and net points the benefit needs. `distribution()`
shows a recorded distribution (积分分红) with every share. Both mask names for the notice board
and print the ledger's anchor.
"""

from __future__ import annotations

import datetime as _dt

from pointsledger.base.periods import parse_period, period_bounds, period_label
from pointsledger.core.events import Distributed
from pointsledger.errors import NoRulebookInForce, NotFound, ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports._scan import consistent
from pointsledger.reports.labels import labels
from pointsledger.reports.masking import mask_name
from pointsledger.reports.ratings import rate
from pointsledger.reports.table import Table
from pointsledger.rules.rulebook import Rulebook


def _in_force_at_end(ledger: Ledger, period: str) -> tuple[str, _dt.date, Rulebook]:
    """The period's kind, its first day and the rulebook in force at its end (the latest
    adopted when none is)."""
    kind, index = parse_period(period)
    start, end = period_bounds(kind, index, ledger.tz)
    adoptions = ledger.adoptions()
    if not adoptions:
        raise NoRulebookInForce("no rulebook has been adopted")
    try:
        return kind, start.date(), ledger.rulebook(end.subtract(microseconds=1))
    except NoRulebookInForce:
        return kind, start.date(), adoptions[-1].rulebook


@consistent
def eligibility(ledger: Ledger, benefit: str, period: str, *, locale: str = "zh") -> Table:
    """The households ``benefit`` is unlocked for in ``period`` (资格公示), names masked.

    The benefit is the one of that code in the rulebook in force at the period's end. A
    household is listed when it is open, no veto (一票否决) fell on it in the period, and it
    has the benefit's ``min_stars`` and ``min_points`` (net points earned minus deducted in the
    period), by `rate()` for the period.

    Args:
        ledger: the ledger.
        benefit: the benefit's code.
        period: a rating period label: a year (``"2026"``) or a quarter (``"2026-Q1"``).
        locale: "zh" or "en".

    Returns:
        Columns ``household, name, stars, points`` (stars as a number, net points), most stars
        first, then most points, then household id; notes state the criteria and the anchor;
        the summary counts the eligible and the vetoed households.

    Raises:
        NotFound: no benefit of that code in the rulebook in force.
        ValidationError: a period that is not a year or a quarter, or a bad locale.
        NoRulebookInForce: no rulebook adopted.
    """
    text = labels(locale)
    kind, first, rulebook = _in_force_at_end(ledger, period)
    if kind not in ("year", "quarter"):
        raise ValidationError(f"benefits are for a rating period: a year (2026) or a quarter "
                              f"(2026-Q1), not {period!r}", rating_period=period)
    found = next((b for b in rulebook.benefits if b.code == benefit), None)
    if found is None:
        known = ", ".join(b.code for b in rulebook.benefits) or "none"
        raise NotFound(f"no benefit {benefit!r} in rulebook {rulebook.version!r}; known: "
                       f"{known}", benefit=benefit, version=rulebook.version)
    ratings = rate(ledger, first, per=kind)
    chosen = sorted((r for r in ratings if found.unlocked(r.stars, r.points, r.vetoed)),
                    key=lambda r: (-r.stars, -r.points, r.household))
    households = ledger.households()
    rows = [(r.household, mask_name(households[r.household].head), r.stars, r.points)
            for r in chosen]
    keys = ("household", "name", "star_count", "net_points")
    needs = []
    if found.min_stars is not None:
        needs.append(f"{found.min_stars}星及以上" if locale == "zh"
                     else f"{found.min_stars} stars or more")
    if found.min_points is not None:
        needs.append(f"期内净积分 ≥ {found.min_points}" if locale == "zh"
                     else f"net points in the period >= {found.min_points}")
    vetoed = sum(1 for r in ratings if r.vetoed)
    if locale == "zh":
        notes = ("条件：" + "；".join([*needs, "期内无一票否决事项"]) + "。",
                 f"{text['anchor']}：{ledger.anchor()}")
    else:
        notes = ("Criteria: " + "; ".join([*needs, "no veto in the period"]) + ".",
                 f"{text['anchor']}: {ledger.anchor()}")
    return Table(f"{found.title} {text['eligibility_title']} {period}",
                 [text[k] for k in keys], rows, notes, keys=keys,
                 summary={"period": period, "benefit": found.code, "eligible": len(rows),
                          "vetoed": vetoed, "anchor": str(ledger.anchor())})


@consistent
def distribution(ledger: Ledger, entry: str | Distributed, *, locale: str = "zh") -> Table:
    """A recorded distribution (积分分红公示): every household's weight and share, names
    masked.

    Args:
        ledger: the ledger.
        entry: the ``distributed`` event or its id.
        locale: "zh" or "en".

    Returns:
        Columns ``household, name, weight, amount`` (amount in yuan with two decimals, e.g.
        ``"12.34"``), by household id; notes give the sum, the rule, the minutes and the
        anchor; the summary holds the period, the sum in fen and the number of households.

    Raises:
        NotFound: ``entry`` is not a ``distributed`` event of this ledger.
        ValidationError: a bad locale.
    """
    text = labels(locale)
    event = ledger.event(entry.id if isinstance(entry, Distributed) else entry)
    if not isinstance(event, Distributed):
        raise NotFound(f"{event.id} is a {event.KIND} event, not a distribution",
                       entry=event.id)
    households = ledger.households()
    rows = [(h, mask_name(households[h].head) if h in households else "", weight, _yuan(fen))
            for h, weight, fen in event.shares]
    keys = ("household", "name", "weight", "amount")
    rule = event.rule
    basis = {"points": "按期内净积分" if locale == "zh" else "by net points",
             "stars": "按星级" if locale == "zh" else "by star tier"}[rule.basis]
    if locale == "zh":
        excluded = "一票否决户不参与" if rule.exclude_vetoed else "一票否决户照常参与"
        notes = (f"分配总额 {_yuan(event.amount_fen)} 元，{basis}，{excluded}，"
                 "最大余额法精确到分。",
                 f"决议：{event.minutes}", f"{text['anchor']}：{ledger.anchor()}")
    else:
        excluded = "vetoed households excluded" if rule.exclude_vetoed else \
            "vetoed households included"
        notes = (f"Sum {_yuan(event.amount_fen)} yuan, {basis}, {excluded}, largest remainders "
                 "to the fen.", f"Resolution: {event.minutes}",
                 f"{text['anchor']}: {ledger.anchor()}")
    kind, index = parse_period(event.period)
    return Table(f"{text['distribution_title']} {period_label(kind, index)}",
                 [text[k] for k in keys], rows, notes, keys=keys,
                 summary={"period": event.period, "amount_fen": event.amount_fen,
                          "households": len(rows), "entry": event.id,
                          "anchor": str(ledger.anchor())})


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"
