"""Account reports: the statement (一户一档 passbook) and the balances of a region."""

from __future__ import annotations

from collections import defaultdict

from ..errors import UnknownAccount, UnknownRegion
from ..events import ItemPosting, Redemption, Reversed
from ..ledger import Ledger
from ._scan import bounds, local_date, movements
from .labels import labels
from .table import Table


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
    state = ledger.state
    if account not in state.households and account not in state.members:
        raise UnknownAccount(f"no household or member {account!r}", account=account)
    text = labels(locale)
    start, end = bounds(ledger, period)
    opening = 0
    entries = []
    reversed_by = dict(state.reversals)
    for event in ledger.events():
        delta = sum(a if d == account else -a for s, d, a in event.postings()
                    if account in (s, d) and s != d)
        if not delta:
            continue
        if event.occurred_us < start:
            opening += delta
        elif event.occurred_us < end:
            entries.append((event.occurred_us, event.seq, event, delta))
    rows = []
    balance = opening
    for occurred_us, _seq, event, delta in sorted(entries, key=lambda e: e[:2]):
        balance += delta
        what = next((w for a, _k, _p, w in movements(event) if a == account), event.KIND)
        if isinstance(event, Reversed):
            link = f"{text['reverses']} e{event.original}"
            reason = event.reason
        else:
            later = reversed_by.get(event.seq)
            link = f"{text['reversed_by']} e{later}" if later else ""
            reason = event.memo
        entry = what if isinstance(event, ItemPosting | Redemption | Reversed) else event.KIND
        rows.append((local_date(ledger, occurred_us), event.seq, entry, delta, balance,
                     event.actor, reason, link))
    columns = [text[c] for c in ("date", "seq", "entry", "points", "balance", "actor",
                                 "reason", "link")]
    notes = (f"{text['opening']}: {opening}", f"{text['closing']}: {balance}")
    return Table(f"{text['statement']} {account} {period or ''}".strip(), columns, rows, notes)


def balances(ledger: Ledger, *, region: str | None = None, locale: str = "zh") -> Table:
    """Every household in a region (default: all) with what it earned, had deducted,
    redeemed and saw expire, its pending and available points. Members' own accounts are
    counted with their household.

    Raises:
        UnknownRegion: no such region.
    """
    state = ledger.state
    text = labels(locale)
    households = sorted(h.id for h in state.households.values()
                        if region is None or region in _ancestors(ledger, h.grid))
    if region is not None and region not in state.regions:
        raise UnknownRegion(f"no region {region!r}", region=region)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event in ledger.events():
        for account, kind, points, _what in movements(event):
            household = state.household_of(account)
            if household is not None:
                totals[household][kind] += points
    rows = []
    for household in households:
        t = totals[household]
        members = [m.id for m in state.members.values() if m.household == household]
        available = sum(state.available(a) for a in [household, *members])
        rows.append((household, state.households[household].head, t["earned"],
                     -t["deducted"], -t["redeemed"], -t["expired"], 0, available))
    columns = [text[c] for c in ("household", "name", "earned", "deducted", "redeemed",
                                 "expired", "pending", "available")]
    return Table(f"{text['balances']} {region or ''}".strip(), columns, rows)


def _ancestors(ledger: Ledger, code: str) -> set[str]:
    """A region and every region above it."""
    seen = set()
    regions = ledger.state.regions
    current: str | None = code
    while current is not None and current not in seen:
        seen.add(current)
        current = regions[current].parent if current in regions else None
    return seen
