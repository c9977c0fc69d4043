"""Account reports: the statement (一户一档 passbook) and the balances of a region.

*A household's points* are its own account's and its members' accounts' together
(`household_balance()`); every household figure here uses them.
"""

from __future__ import annotations

from collections import defaultdict

from pointsledger.core.events import Event, ItemPosting, Reversed
from pointsledger.core.store_events import Redemption
from pointsledger.errors import UnknownAccount
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import KINDS, code_of, movements_of
from pointsledger.reports._scan import bounds, consistent, households_under, local_date
from pointsledger.reports._titles import Titles
from pointsledger.reports.labels import labels, term
from pointsledger.reports.table import Table


def entry_text(event: Event, titles: Titles, locale: str) -> str:
    """What a posting event was, in words: the item's, reward's or service's title (a
    reversal: "冲正：<title>"), else the event kind in ``locale``'s words. An award that fell in
    a campaign (专项活动) carries the campaign's title: "庭院环境整洁（人居环境整治月）"."""
    text = labels(locale)
    if isinstance(event, ItemPosting):
        title = titles.item(event.item, event.version)
        campaign = titles.campaign(event.item, event.version, event.occurred_us) \
            if event.points > 0 else ""
        if campaign:
            return f"{title}（{campaign}）" if locale == "zh" else f"{title} ({campaign})"
        return title
    if isinstance(event, Redemption):
        return f"{term('redeemed', locale)}：{titles.reward(event.reward)}" \
            if locale == "zh" else f"redeemed: {titles.reward(event.reward)}"
    if isinstance(event, Reversed):
        what = titles.anything(event.item, event.original_version)
        return f"{text['reverses']}：{what}" if locale == "zh" else f"reversal: {what}"
    return term(event.KIND, locale)


@consistent
def statement(ledger: Ledger, account: str, *, period: str | None = None,
              locale: str = "zh") -> Table:
    """The passbook (积分存折, 一户一档) of a household or member for a period: opening
    balance, every posting (date, account, entry, points, running balance, actor, reason,
    reversal links), closing balance.

    A household's statement covers *a household's points*: its own account and its members'
    accounts together (the ``account`` column says whose each posting is), so its closing
    balance equals ``ledger.household_balance(household, as_of=<end of the period>).posted``.
    A member's statement covers the member's own account only (closing at
    ``ledger.balance(member, as_of=...)``). The registry is taken as it stood: a posting is on
    the statement of the household its account belonged to when it was recorded, and a member
    who moved in or out (成员转户, 分户, 合户) shows as an entry bringing or taking the points on
    their own account. Entries are named by the titles of the items,
    rewards and services (e.g. 邻里互助), never their codes; postings are ordered by when they
    occurred.

    Raises:
        UnknownAccount: not a household or member.
        ValidationError: a bad period label or locale.
    """
    if ledger.household_of(account) is None:
        raise UnknownAccount(f"no household or member {account!r}", account=account)
    text = labels(locale)
    titles = Titles.of(ledger)
    start, end = bounds(ledger, period)
    m = movements_of(ledger)
    number = m.number(account)
    whole_household = account in ledger.households()
    column = m.household if whole_household else m.account
    moved = code_of("moved")
    opening = 0
    entries = []
    for i, who in enumerate(column):
        if who != number or (m.kind[i] == moved and not whole_household):
            continue
        at = m.at[i]
        if at < start:
            opening += m.points[i]
        elif at < end:
            entries.append((at, m.seq[i], m.points[i], m.names[m.account[i]]))
    rows = []
    balance = opening
    reversed_by = ledger.reversals()
    for at, seq, delta, whose in sorted(entries):
        balance += delta
        event = ledger.event(seq)
        if isinstance(event, Reversed):
            link, reason = f"{text['reverses']} e{event.original}", event.reason
        else:
            later = reversed_by.get(seq)
            link = f"{text['reversed_by']} e{later}" if later else ""
            reason = event.memo
        rows.append((local_date(ledger, at), seq, whose, entry_text(event, titles, locale),
                     delta, balance, event.actor, reason, link))
    keys = ("date", "seq", "account", "entry", "points", "balance", "actor", "reason", "link")
    anchor = str(ledger.anchor())
    notes = (f"{text['opening']}: {opening}", f"{text['closing']}: {balance}",
             f"{text['anchor']}: {anchor}")
    summary = {"account": account, "period": period, "opening": opening, "closing": balance,
               "anchor": anchor, "household": whole_household}
    return Table(f"{text['statement']} {account} {period or ''}".strip(),
                 [text[k] for k in keys], rows, notes, keys=keys, summary=summary)


@consistent
def balances(ledger: Ledger, *, region: str | None = None, locale: str = "zh") -> Table:
    """Every household in a region (default: all) with *a household's points*: what the
    household and its members earned, had deducted, redeemed and saw expire, their pending
    points (claims in 公示) and their available points. Each row's ``pending`` and
    ``available`` equal ``ledger.household_balance(household)``'s.

    Raises:
        UnknownRegion: no such region.
        ValidationError: a bad locale.
    """
    text = labels(locale)
    households = households_under(ledger, region)
    registered = ledger.households()
    every = ledger.balances()
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
        accounts = [every[a] for a in [household, *members[household]] if a in every]
        pending = sum(b.pending for b in accounts)
        available = sum(b.available for b in accounts)
        rows.append((household, registered[household].head, t[earned], -t[deducted],
                     -t[redeemed], -t[expired], pending, available))
    keys = ("household", "name", "earned", "deducted", "redeemed", "expired", "pending",
            "available")
    summary: dict[str, object] = {"region": region, "households": len(rows)}
    for i, key in enumerate(keys[2:], start=2):
        summary[key] = sum(int(row[i]) for row in rows)
    return Table(f"{text['balances']} {region or ''}".strip(), [text[k] for k in keys], rows,
                 keys=keys, summary=summary)
