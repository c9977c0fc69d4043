"""Account reports: the statement (一户一档 passbook) and the balances of a region."""

from __future__ import annotations

from collections import defaultdict

from pointsledger.core.events import ItemPosting, Reversed
from pointsledger.core.store_events import Redemption
from pointsledger.errors import UnknownAccount
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import KINDS, code_of, movements_of
from pointsledger.reports._scan import bounds, consistent, households_under, local_date
from pointsledger.reports.labels import labels
from pointsledger.reports.table import Table


@consistent
def statement(ledger: Ledger, account: str, *, period: str | None = None,
              locale: str = "zh") -> Table:
    """The passbook of a household or member for a period: opening balance, every posting
    (date, entry, points, running balance, actor, reason, reversal links), closing balance.

    Postings are ordered by when they occurred; the closing balance equals
    ``ledger.balance(account, as_of=<end of the period>)``.

    Raises:
        UnknownAccount: not a household or member.
        ValidationError: a bad period label.
    """
    if ledger.household_of(account) is None:
        raise UnknownAccount(f"no household or member {account!r}", account=account)
    text = labels(locale)
    start, end = bounds(ledger, period)
    m = movements_of(ledger)
    number = m.number(account)
    opening = 0
    entries = []
    for i, who in enumerate(m.account):
        if who != number:
            continue
        at = m.at[i]
        if at < start:
            opening += m.points[i]
        elif at < end:
            entries.append((at, m.seq[i], m.points[i], m.names[m.code[i]]))
    rows = []
    balance = opening
    reversed_by = ledger.reversals()
    for at, seq, delta, what in sorted(entries):
        balance += delta
        event = ledger.event(seq)
        if isinstance(event, Reversed):
            link, reason = f"{text['reverses']} e{event.original}", event.reason
        else:
            later = reversed_by.get(seq)
            link = f"{text['reversed_by']} e{later}" if later else ""
            reason = event.memo
        entry = what if isinstance(event, ItemPosting | Redemption | Reversed) else event.KIND
        rows.append((local_date(ledger, at), seq, entry, delta, balance, event.actor, reason,
                     link))
    keys = ("date", "seq", "entry", "points", "balance", "actor", "reason", "link")
    anchor = str(ledger.anchor())
    notes = (f"{text['opening']}: {opening}", f"{text['closing']}: {balance}",
             f"{text['anchor']}: {anchor}")
    summary = {"account": account, "period": period, "opening": opening, "closing": balance,
               "anchor": anchor}
    return Table(f"{text['statement']} {account} {period or ''}".strip(),
                 [text[k] for k in keys], rows, notes, keys=keys, summary=summary)


@consistent
def balances(ledger: Ledger, *, region: str | None = None, locale: str = "zh") -> Table:
    """Every household in a region (default: all) with what it earned, had deducted,
    redeemed and saw expire, its pending and available points. Members' own accounts are
    counted with their household.

    Raises:
        UnknownRegion: no such region.
    """
    text = labels(locale)
    households = households_under(ledger, region)
    registered = ledger.households()
    available_points = ledger.available()
    m = movements_of(ledger)
    totals: dict[int, list[int]] = defaultdict(lambda: [0] * len(KINDS))
    for who, kind, points in zip(m.household, m.kind, m.points, strict=True):
        totals[who][kind] += points
    members: dict[str, list[str]] = defaultdict(list)
    for member in ledger.members().values():
        members[member.household].append(member.id)
    earned, deducted = code_of("earned"), code_of("deducted")
    redeemed, expired = code_of("redeemed"), code_of("expired")
    rows = []
    for household in households:
        t = totals.get(m.number(household)) or [0] * len(KINDS)
        available = sum(available_points[a] for a in [household, *members[household]])
        rows.append((household, registered[household].head, t[earned], -t[deducted],
                     -t[redeemed], -t[expired], 0, available))
    keys = ("household", "name", "earned", "deducted", "redeemed", "expired", "pending",
            "available")
    summary: dict[str, object] = {"region": region, "households": len(rows)}
    for i, key in enumerate(keys[2:], start=2):
        summary[key] = sum(int(row[i]) for row in rows)
    return Table(f"{text['balances']} {region or ''}".strip(), [text[k] for k in keys], rows,
                 keys=keys, summary=summary)
