"""Reports on the 清单制 matters: the matter board (what is open, at which step, whose turn,
by when, overdue, open queries), the public disclosure list of a period (村务公开) and the
public matter list (清单公开: every matter of the lists in force with its procedure).

The disclosure list is meant for the 村务公开栏: requests are free text, so registered names,
ID and phone numbers in them are masked (:func:`~pointsledger.reports.masking.mask_text`), and
households are shown by their number only.
"""

from __future__ import annotations

from typing import Final

from pointsledger.base.clock import to_us
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports._scan import bounds, consistent, local_date
from pointsledger.reports.labels import labels, term
from pointsledger.reports.masking import mask_text
from pointsledger.reports.table import Table
from pointsledger.reports.workflows import registered_names
from pointsledger.rules.flows import Case
from pointsledger.rules.matters import Matter

STATES: Final[dict[str, str]] = {"open": "办理中", "ready": "待办结", "closed": "已办结",
                                  "withdrawn": "已撤回", "refused": "已拒绝（负面清单）"}
"""A matter's states in Chinese (the same codes mean other things in other flows)."""


def _state(state: str, locale: str) -> str:
    return STATES.get(state, state) if locale == "zh" else state


def _matter(ledger: Ledger, case: Case) -> Matter:
    """The matter a case follows, as adopted in the version it was opened under."""
    return ledger.adoption(case.detail("matter_version")).rulebook.matter(case.subject)


def _title(matter: Matter, code: str) -> str:
    step = matter.step(code)
    return step.title if step is not None else code


@consistent
def matter_list(ledger: Ledger, *, locale: str = "zh") -> Table:
    """The public matter list (清单公开) of the rulebook in force: every matter by list, with
    its responsible role, its procedure (each step's title, role and time limit) and its
    basis; negative-list entries say they are not done. Empty before any rulebook."""
    text = labels(locale)
    now_us = to_us(ledger.now(), "now")
    rulebook = next((a.rulebook for a in reversed(ledger.adoptions()) if a.from_us <= now_us
                     and (a.until_us is None or now_us < a.until_us)), None)
    rows = []
    order = {kind: n for n, kind in enumerate(("self_governance", "assist_government",
                                               "petty_power", "public_service", "negative"))}
    for matter in sorted(rulebook.matters if rulebook else (), key=lambda m: order[m.kind]):
        steps = "→".join(
            f"{s.title}（{term(s.role, locale)}"
            + (f"，{s.days}个{'工作日' if s.day_kind == 'working' else '自然日'}"
               if s.days else "") + "）" for s in matter.steps)
        rows.append((matter.code, matter.title, term(matter.kind, locale),
                     term(matter.role, locale),
                     steps or ("不予办理" if locale == "zh" else "not done"), matter.basis))
    keys = ("code", "matter", "list", "role", "procedure", "basis")
    return Table(text["matter_list"], [text[k] for k in keys], rows, (), keys=keys,
                 summary={"matters": len(rows)})


@consistent
def matter_board(ledger: Ledger, *, locale: str = "zh") -> Table:
    """The matter board (事项办理看板) for officials and the supervision committee: every open
    matter (``open`` or ``ready``) with its list, the step to record next and the role whose
    turn it is, that step's last day, whether it is overdue, and the open queries (质询);
    oldest first. The summary counts open, overdue and ready matters and open queries."""
    text = labels(locale)
    rows = []
    overdue = queries = ready = 0
    for case in ledger.cases("matter"):
        if case.state not in ("open", "ready"):
            continue
        matter = _matter(ledger, case)
        following = case.detail("next")
        step = matter.step(following) if following else None
        deadline = case.detail("deadline_us", 0)
        late = bool(case.detail("overdue"))
        overdue += late
        queries += len(case.objections)
        ready += case.state == "ready"
        rows.append((case.id, local_date(ledger, case.opened_us), matter.title,
                     term(matter.kind, locale),
                     step.title if step else _state(case.state, locale),
                     term(step.role if step else matter.role, locale),
                     local_date(ledger, deadline - 1) if deadline and step else "",
                     (("是" if late else "否") if locale == "zh" else late),
                     len(case.objections)))
    keys = ("case", "opened", "matter", "list", "step", "role", "deadline", "overdue",
            "queries")
    return Table(text["matter_board"], [text[k] for k in keys], rows, (), keys=keys,
                 summary={"open": len(rows), "overdue": overdue, "ready": ready,
                          "queries": queries})


@consistent
def matter_disclosure(ledger: Ledger, period: str, *, locale: str = "zh") -> Table:
    """The public disclosure list (村务公开) of ``period`` (``"2026-03"``, ``"2026-Q1"``, ...):
    each matter opened or stepped in the period, with the request (names, ID and phone
    numbers masked), the household number it is for, the steps recorded in the period with
    their days, the steps that went overdue, and its state; refusals of negative-list requests
    are listed too, so villagers see them. Oldest first."""
    text = labels(locale)
    start, end = bounds(ledger, period)
    names = registered_names(ledger)
    rows = []
    for case in ledger.cases("matter"):
        if not any(start <= at < end for _step, _actor, at in case.history):
            continue
        matter = _matter(ledger, case)
        recorded = []
        # the steps are recorded in procedure order: the k-th record is the k-th step
        times = [at for step, _actor, at in case.history if step == "record"]
        for procedure_step, at in zip(matter.steps, times, strict=False):
            if start <= at < end:
                recorded.append(f"{procedure_step.title} {local_date(ledger, at)[5:]}")
        late = "、".join(_title(matter, c) for c in case.detail("late", ()))
        rows.append((local_date(ledger, case.opened_us), matter.title,
                     term(matter.kind, locale),
                     mask_text(str(case.detail("request", "")), names),
                     case.household or "—", "；".join(recorded), late,
                     _state(case.state, locale)))
    keys = ("opened", "matter", "list", "request", "household", "steps", "late", "state")
    notes = ((f"{period}村务公开。如有疑问，请向村务监督委员会提出质询。",) if locale == "zh"
             else (f"Village affairs disclosure for {period}; questions to the supervision "
                   "committee.",))
    return Table(f"{text['matter_disclosure']} {period}", [text[k] for k in keys], rows,
                 notes, keys=keys, summary={"matters": len(rows)})

