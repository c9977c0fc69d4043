"""Reports on the workflows: claims in public notice, the wish wall, wish and order boards,
claimer rankings and the time-bank passbook."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any, Final

from pointsledger.base.actors import Actor
from pointsledger.errors import ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports._scan import bounds, consistent, households_under, local_date
from pointsledger.reports._titles import Titles
from pointsledger.reports.boards import ranks
from pointsledger.reports.labels import labels, term
from pointsledger.reports.masking import mask_name, mask_text, maskable_names
from pointsledger.reports.table import Table
from pointsledger.rules.flows import FLOWS, Case

OFFICIALS = frozenset({"committee", "grid_worker"})
"""Roles that see a wisher's details on the wish wall."""

# per board flow: the step that takes a case on, the step that finishes it, the finished state
_MILESTONES = {"wish": ("claim", "fulfil", "fulfilled"), "order": ("accept", "finish", "done")}
_DAY_US = 86_400_000_000


def _when(case: Case, step: str, last: bool = True) -> tuple[str, int] | None:
    """The actor and time of the last (or first) ``step`` in a case's history."""
    found = [(actor, at) for name, actor, at in case.history if name == step]
    return (found[-1] if last else found[0]) if found else None


@consistent
def registered_names(ledger: Ledger) -> frozenset[str]:
    """The names of the ledger's registered people (heads of household and members, closed
    accounts included) that free text on a public notice is masked for."""
    heads = (h.head for h in ledger.households().values())
    return maskable_names([*heads, *(m.name for m in ledger.members().values())])


@consistent
def claims_notice(ledger: Ledger, *, contact: str = "村务监督委员会",
                  region: str | None = None, locale: str = "zh") -> Table:
    """The claims in public notice (公示中): the matter in words (the day the conduct happened,
    the household, the head's masked name 张*明, the item's title and category), the points,
    the notice's last day and the open objections; the last column is the claim's number for
    the officials who handle an objection. No ID or phone number is shown; the notes say how
    to object. With ``region``, only the claims of households now under it.

    Raises:
        UnknownRegion: no such region.
    """
    text = labels(locale)
    households = ledger.households()
    inside = None if region is None else set(households_under(ledger, region))
    titles = Titles.of(ledger)
    rows = []
    for case in ledger.cases("claim"):
        if case.state not in FLOWS["claim"].pending or (
                inside is not None and case.household not in inside):
            continue
        head = households[case.household].head
        version = case.detail("item_version")
        rows.append((local_date(ledger, case.occurred_us), case.household, mask_name(head),
                     titles.item(case.subject, version),
                     titles.category(case.subject, version), case.points,
                     local_date(ledger, case.due_us - 1), len(case.objections), case.id))
    keys = ("date", "household", "name", "item", "category", "points", "notice_until",
            "objections", "case")
    if locale == "zh":
        notes = (f"公示期内如有异议，请向{contact}实名提出，说明事项和理由。",)
    else:
        notes = (f"Objections during the notice period to: {contact} (named, with the reason).",)
    return Table(text["claims_notice"], [text[k] for k in keys], rows, notes, keys=keys,
                 summary={"claims": len(rows), "contact": contact})


WALL_STATES: Final = ("listed", "claimed")
"""The states a wish is on the wall in: waiting for a claimer, or claimed and in progress."""


def _status(case: Case, locale: str) -> str:
    """A wish's state in words; a wish that lapsed off the wall says why (已过期, nobody
    claimed it in its days on the wall)."""
    if case.state != "lapsed":
        return term(case.state, locale)
    days = max(0, (case.changed_us - int(case.detail("listed_us", case.changed_us)))
               // _DAY_US)
    if locale == "zh":
        return f"{term('lapsed')}（上墙{days}天无人认领，可重新提交）"
    return f"lapsed (unclaimed after {days} days on the wall; it may be submitted again)"


@consistent
def wish_wall(ledger: Ledger, viewer: Actor, *, state: str | None = "wall",
              locale: str = "zh") -> Table:
    """The wish wall (心愿墙) as ``viewer`` may see it: the wishes on the wall (by default
    those listed and those claimed and in progress, each with its state, and the viewer's
    own wishes that lapsed off the wall unclaimed, 已过期 with the reason), the wisher's name
    and household shown to officials, to the wish's claimer and to the wisher, and masked
    (张*明, household hidden) for everyone else.

    For everyone else the wish's title is public free text and is masked with
    `mask_text()`: phone and ID numbers typed into it become
    ``*``, and the names of registered people (household heads, members) are masked (张*明).

    Args:
        ledger: the ledger.
        viewer: who is looking.
        state: ``"wall"`` (default: listed and claimed, and the viewer's own lapsed wishes),
            one state (e.g. ``"fulfilled"``, ``"lapsed"``), or
            None (or ``"all"``) for wishes in every state.
        locale: "zh" or "en".

    Raises:
        ValidationError: a state the wish flow does not have, or a bad locale.
    """
    text = labels(locale)
    state = None if state == "all" else state
    if state is not None and state != "wall" and state not in FLOWS["wish"].states:
        raise ValidationError(
            f"state must be 'wall', 'all', None or one of {', '.join(FLOWS['wish'].states)}, "
            f"got {state!r}", state=state)
    shown = WALL_STATES if state == "wall" else None if state is None else (state,)
    members = ledger.members()
    official = not viewer.roles.isdisjoint(OFFICIALS)
    names: frozenset[str] | None = None
    rows = []
    for case in ledger.cases("wish"):
        own_lapse = state == "wall" and case.state == "lapsed" and case.account == viewer.id
        if shown is not None and case.state not in shown and not own_lapse:
            continue
        name = members[case.account].name
        visible = official or viewer.id in (case.assignee, case.account)
        title = case.subject
        if not visible:
            names = registered_names(ledger) if names is None else names
            title = mask_text(title, names)
        rows.append((title, case.detail("category", ""), case.detail("value"),
                     _status(case, locale), name if visible else mask_name(name),
                     case.household if visible else "***", case.id))
    keys = ("wish", "category", "value", "status", "wisher", "household", "case")
    return Table(text["wish_wall"], [text[k] for k in keys], rows, keys=keys,
                 summary={"wishes": len(rows), "states": list(shown) if shown else None})


def _opened(ledger: Ledger, flow: str, period: str | None) -> list[Case]:
    start, end = bounds(ledger, period)
    return [c for c in ledger.cases(flow) if start <= c.opened_us < end]


@consistent
def case_days(ledger: Ledger, flow: str, *, period: str | None = None
              ) -> tuple[list[float], list[float]]:
    """The days each wish or order opened in ``period`` took to be taken on (from its opening
    to its first claim or acceptance) and, of those fulfilled, to be fulfilled (from the last
    claim or acceptance to 完成): the figures behind `case_board()`'s medians, for an app
    or an office that pools several ledgers' cases.

    Raises:
        ValidationError: a flow other than wish or order, or a bad period.
    """
    if flow not in _MILESTONES:
        raise ValidationError(f"boards are for wish or order, not {flow!r}", flow=flow)
    take, finish, _finished = _MILESTONES[flow]
    taken, done = [], []
    for case in _opened(ledger, flow, period):
        took, did = _when(case, take, last=False), _when(case, finish)
        if took is not None:
            taken.append((took[1] - case.opened_us) / _DAY_US)
        if took is not None and did is not None:
            done.append((did[1] - _when(case, take)[1]) / _DAY_US)  # type: ignore[index]
    return taken, done


@consistent
def case_board(ledger: Ledger, flow: str, *, period: str | None = None,
               locale: str = "zh") -> Table:
    """A wish or order board: cases opened in ``period`` by state, with the fulfilment rate and
    the median days to be taken on (claimed, accepted) and to be fulfilled (fulfilled, done)
    in the notes."""
    if flow not in _MILESTONES:
        raise ValidationError(f"boards are for wish or order, not {flow!r}", flow=flow)
    text = labels(locale)
    _take, finish, finished = _MILESTONES[flow]
    cases = _opened(ledger, flow, period)
    counts = Counter(c.state for c in cases)
    rows = [(term(state, locale), counts.get(state, 0)) for state in FLOWS[flow].states]
    taken, done = case_days(ledger, flow, period=period)
    reached = sum(1 for c in cases if _when(c, finish) is not None)
    rate = f"{reached / len(cases):.1%}" if cases else "-"
    median_take = f"{statistics.median(taken):.1f}" if taken else "-"
    median_done = f"{statistics.median(done):.1f}" if done else "-"
    if locale == "zh":
        notes = (f"共{len(cases)}件，完成率 {rate}（到达“{term(finished)}”）。",
                 f"中位用时：认领/接单 {median_take} 天，完成 {median_done} 天。")
    else:
        notes = (f"{len(cases)} cases; fulfilment rate {rate} (reached {finished!r}).",
                 f"Median days to take on: {median_take}; to fulfil: {median_done}.")
    title = text["wish_board" if flow == "wish" else "order_board"]
    summary = {"flow": flow, "period": period, "cases": len(cases), "fulfilled": reached,
               "fulfilment_rate": reached / len(cases) if cases else None,
               "median_days_to_take_on": statistics.median(taken) if taken else None,
               "median_days_to_fulfil": statistics.median(done) if done else None}
    return Table(f"{title} {period or ''}".strip(), [text["status"], text["count"]], rows,
                 notes, keys=("status", "count"), summary=summary)


@consistent
def claimer_ranking(ledger: Ledger, flow: str, *, period: str | None = None,
                    method: str = "competition", locale: str = "zh") -> Table:
    """Claimers of wishes (or volunteers of orders) ranked by how many they fulfilled in
    ``period``, counted by the time of fulfilment so a past ranking never changes; ties share
    a rank by ``method`` and list by the shorter median time to fulfil, then by id."""
    if flow not in _MILESTONES:
        raise ValidationError(f"rankings are for wish or order, not {flow!r}", flow=flow)
    text = labels(locale)
    start, end = bounds(ledger, period)
    take, finish, _finished = _MILESTONES[flow]
    fulfilled: dict[str, list[float]] = {}
    for case in ledger.cases(flow):
        for name, actor, at in case.history:
            if name == finish and start <= at < end:
                took = max(t for n, a, t in case.history if n == take and t <= at)
                fulfilled.setdefault(actor, []).append((at - took) / _DAY_US)
    order: list[tuple[Any, ...]] = sorted(
        ((len(days), statistics.median(days), who) for who, days in fulfilled.items()),
        key=lambda r: (-r[0], r[1], r[2]))
    places = ranks([r[0] for r in order], method)
    names = ledger.members()
    rows = [(place, who, mask_name(names[who].name) if who in names else who, n,
             f"{days:.1f}") for place, (n, days, who) in zip(places, order, strict=True)]
    keys = ("rank", "account", "name", "fulfilled", "median_days")
    return Table(f"{text['claimers']} {period or ''}".strip(), [text[k] for k in keys], rows,
                 keys=keys)


@consistent
def passbook(ledger: Ledger, member: str, *, locale: str = "zh") -> Table:
    """A member's time-bank passbook (存折): every movement of their minutes with the running
    balance."""
    text = labels(locale)
    balance = 0
    rows = []
    for event in ledger.time_moves(member):
        change = event.minutes if event.destination == member else -event.minutes
        balance += change
        other = event.source if change > 0 else event.destination
        rows.append((local_date(ledger, event.recorded_us), term(event.purpose, locale),
                     term(other, locale) if other.startswith("@") else other, change,
                     balance, event.note))
    keys = ("date", "kind", "counterparty", "minutes", "balance", "note")
    return Table(f"{text['passbook']} {member}", [text[k] for k in keys], rows, keys=keys,
                 summary={"member": member, "balance": balance})
