"""Public notices (公示) and the audit trail."""

from __future__ import annotations

from pointsledger.core.events import Reversed
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.movements import code_of, movements_of
from pointsledger.reports._scan import (
    bounds,
    consistent,
    households_under,
    local_date,
    stood_at,
)
from pointsledger.reports._titles import Titles
from pointsledger.reports.labels import labels, term
from pointsledger.reports.masking import mask_name
from pointsledger.reports.table import Table


@consistent
def public_notice(ledger: Ledger, period: str, *, objection_days: int = 7,
                  contact: str = "村务监督委员会", region: str | None = None,
                  locale: str = "zh") -> Table:
    """A period's awards and deductions for the notice board: date, household, the head of
    household's name masked (张*明), the item's title (邻里互助, never its code; an award in a
    campaign (专项活动) with the campaign's title, as on statements), category and points;
    reversed entries are left out.
    No ID or phone number is ever shown. The notes give the notice dates and how to object.

    With ``region``, only the entries of households under it (as they stood at the end of
    the period) are listed: a village's own notice from a town's or county's ledger.

    The claims currently in notice have a report of their own, `claims_notice()`.

    Raises:
        ValidationError: a bad period.
        UnknownRegion: no such region.
    """
    text = labels(locale)
    reversed_ = ledger.reversals()
    households = ledger.households()
    titles = Titles.of(ledger)
    start, end = bounds(ledger, period)
    m = movements_of(ledger)
    inside = None if region is None else {
        m.number(h) for h in households_under(ledger, region, stood_at(ledger, end))}
    earn, deduct = code_of("earned"), code_of("deducted")
    rows = []
    lo = m.since(start)
    for seq, at, kind, reversal, who, code, version, value in zip(
            m.seq[lo:], m.at[lo:], m.kind[lo:], m.reversal[lo:], m.household[lo:], m.code[lo:],
            m.version[lo:], m.points[lo:], strict=True):
        if reversal or kind not in (earn, deduct) or not start <= at < end:
            continue
        if seq in reversed_ or (inside is not None and who not in inside):
            continue
        household = m.names[who]
        head = households[household].head if household in households else ""
        item, rulebook = m.names[code], m.names[version]
        title = titles.item(item, rulebook)
        campaign = titles.campaign(item, rulebook, at) if kind == earn else ""
        if campaign:  # the points are the campaign's, not the item's as listed
            title = f"{title}（{campaign}）" if locale == "zh" else f"{title} ({campaign})"
        rows.append((local_date(ledger, at), household, mask_name(head), title,
                     titles.category(item, rulebook), value))
    now = ledger.now()
    until = now.add(days=objection_days) if hasattr(now, "add") else now
    anchor = str(ledger.anchor())
    if locale == "zh":
        notes = (f"公示期：{now.date()} 至 {until.date()}。",
                 f"如有异议，请在公示期内向{contact}提出（实名，说明事项和理由）。",
                 f"{text['anchor']}：{anchor}")
    else:
        notes = (f"Notice from {now.date()} to {until.date()}.",
                 f"Objections during the notice period to: {contact} (named, with the entry "
                 "and the reason).", f"{text['anchor']}: {anchor}")
    keys = ("date", "household", "name", "item", "category", "points")
    summary = {"period": period, "notice_from": now.date(), "notice_until": until.date(),
               "contact": contact, "anchor": anchor}
    return Table(f"{text['notice']} {period}", [text[k] for k in keys], rows, notes, keys=keys,
                 summary=summary)


@consistent
def audit_trail(ledger: Ledger, *, actor: str | None = None, kind: str | None = None,
                period: str | None = None, locale: str = "zh") -> Table:
    """Who did what: every event (or those of one actor, one kind, one period by recording
    time) with its seq, recording time, actor, kind (in ``locale``'s words: 加分, 扣分, ...;
    ``kind=`` filters by the stable English kind such as ``"awarded"``) and key."""
    text = labels(locale)
    start, end = bounds(ledger, period)
    m = movements_of(ledger)
    who = -2 if actor is None else m.number(actor)
    what = -2 if kind is None else m.number(kind)
    rows = []
    for row, (recorded, by, done) in enumerate(
            zip(m.event_recorded, m.event_actor, m.event_kind, strict=True)):
        if (who != -2 and by != who) or (what != -2 and done != what):
            continue
        if not start <= recorded < end:
            continue
        event = ledger.event(row + 1)  # only the events shown are decoded
        detail = f"e{event.original}" if isinstance(event, Reversed) else ""
        rows.append((event.seq, event.recorded_at.in_timezone(ledger.tz).isoformat(),
                     event.actor, term(event.KIND, locale), event.key, detail))
    keys = ("seq", "recorded", "actor", "kind", "key", "link")
    return Table(text["audit"], [text[k] for k in keys], rows, keys=keys)
