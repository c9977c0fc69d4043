"""The donation receipt (捐赠回执): what the points store received from a donor, for the donor.

A receipt is given to the donor, so the donor's name is shown in full (it is not a public
notice); it never shows ID or phone numbers, which the ledger does not record.
"""

from __future__ import annotations

from typing import Any

from pointsledger.core.events import Awarded, Event, Reversed
from pointsledger.core.store_events import DonationReceived, StockReceived
from pointsledger.errors import UnknownEntry
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports._scan import consistent
from pointsledger.reports._titles import Titles
from pointsledger.reports.labels import labels
from pointsledger.reports.table import Table

_ROWS = {
    "zh": {"receipt": "回执编号", "date": "日期", "donor": "捐赠人", "account": "积分账户",
           "goods": "捐赠物品", "quantity": "数量", "value": "评估价值（元）",
           "item": "计分项目", "points": "获得积分", "received_by": "经办人",
           "reversed_by": "积分冲正", "title": "捐赠回执", "field": "项目", "content": "内容"},
    "en": {"receipt": "receipt no.", "date": "date", "donor": "donor", "account": "account",
           "goods": "goods", "quantity": "quantity", "value": "assessed value (yuan)",
           "item": "checklist item", "points": "points awarded", "received_by": "received by",
           "reversed_by": "points reversed by", "title": "Donation receipt", "field": "field",
           "content": "content"},
}


def _donor_name(ledger: Ledger, event: StockReceived) -> str:
    named = event.donor_name if isinstance(event, DonationReceived) else ""
    if named or event.donor is None:
        return named
    member = ledger.members().get(event.donor)
    if member is not None:
        return member.name
    household = ledger.households().get(event.donor)
    return household.head if household is not None else event.donor


def _day(ledger: Ledger, event: Event) -> str:
    return event.recorded_at.in_timezone(ledger.tz).date().isoformat()


@consistent
def donation_receipt(ledger: Ledger, entry: str | int | Event, *,
                     locale: str = "zh") -> Table:
    """The receipt (捐赠回执) of a donation received into the points store: receipt number
    (the event id), date, the donor (an outside donor's recorded name, or the registered
    household's head or member's name), the goods (by title), quantity, assessed value, the
    checklist item and points awarded (none for an outside donor, who has no account), who
    received it and, when those points were reversed (冲正), the reversal's id, with its date
    and reason in a note. One row per field (keys ``field`` and ``value``); the summary holds
    the same figures under stable names.

    Args:
        ledger: the ledger.
        entry: the ``donation_received`` event, its id or seq (a ``stock_received`` event
            that named a donor, as written before donations had their own event, also
            works).
        locale: ``"zh"`` (default) or ``"en"``.

    Raises:
        UnknownEntry: no such event, or it is not a donation.
        ValidationError: another locale.
    """
    text = labels(locale)
    words = _ROWS[locale]
    event = ledger.event(entry.seq if isinstance(entry, Event) else entry)
    if not isinstance(event, StockReceived) or (
            not isinstance(event, DonationReceived) and event.donor is None):
        raise UnknownEntry(f"{event.id} is a {event.KIND} event, not a donation received",
                           entry=event.id)
    following = ledger.event(event.seq + 1) if event.seq < ledger.head else None
    award = following if isinstance(following, Awarded) and following.key == event.key else None
    titles = Titles.of(ledger)
    value = event.value if isinstance(event, DonationReceived) else None
    item = titles.item(award.item, award.version) if award is not None else ""
    points = award.points if award is not None else 0
    undone = ledger.reversal_of(award) if award is not None else None
    reversal = undone if isinstance(undone, Reversed) else None
    summary: dict[str, Any] = {
        "receipt": event.id,
        "date": event.occurred_at.in_timezone(ledger.tz).date(),
        "donor": _donor_name(ledger, event),
        "account": event.donor or "",
        "goods": titles.reward(event.reward),
        "quantity": event.quantity,
        "value": value,
        "item": item,
        "points": points,
        "received_by": event.actor,
        "reversed_by": reversal.id if reversal is not None else "",
    }
    rows = [(words[name], "—" if value_ is None or value_ == "" else value_)
            for name, value_ in summary.items()]
    if locale == "zh":
        notes = ["感谢您的爱心捐赠！物品已验收登记入库，用于积分超市兑换。"]
        if reversal is not None:
            notes.append(f"所得{points}分已于{_day(ledger, reversal)}冲正"
                         f"（{reversal.id}），原因：{reversal.reason}。")
        if not event.donor:
            notes.append("单位或个人未开设积分账户的，捐赠不计积分，特此致谢。")
        notes.append(f"{text['anchor']}：{ledger.anchor()}")
    else:
        notes = ["Thank you for your donation: the goods were checked, registered and stocked "
                 "for the points store."]
        if reversal is not None:
            notes.append(f"The {points} points were reversed on {_day(ledger, reversal)} "
                         f"({reversal.id}): {reversal.reason}.")
        if not event.donor:
            notes.append("Donors without a points account earn no points.")
        notes.append(f"{text['anchor']}: {ledger.anchor()}")
    return Table(words["title"], [words["field"], words["content"]], rows, notes,
                 keys=("field", "value"), summary=summary)
