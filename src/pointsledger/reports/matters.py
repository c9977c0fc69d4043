"""Reports on the 清单制 matters: the matter board (what is open, at which step, whose turn,
by when, overdue, open queries), its breakdowns (by list or by responsible role: open, overdue,
done; the median days of each procedure step), the 四议两公开 record of one decision, the
public disclosure list of a period (村务公开) and the public matter list (清单公开: every matter
of the lists in force with its procedure).

Public output is masked as the other public reports are: requests, evidence and notes are free
text, so registered names, ID and phone numbers in them are masked
(`mask_text()`), people who acted are shown by their masked
name (张*明), and households by their number only. The board and its breakdowns show no
personal data at all (matters, steps, roles, dates and counts).

Days are calendar days between recordings (a step's time runs from the recording of the step
before it, or from the opening, to its own recording), as the wish and order boards count.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from typing import Any, Final

from pointsledger.base.clock import to_us
from pointsledger.core.events import Event, Stepped
from pointsledger.errors import ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports._scan import bounds, consistent, local_date
from pointsledger.reports.labels import labels, term
from pointsledger.reports.masking import mask_name, mask_text
from pointsledger.reports.table import Table
from pointsledger.reports.workflows import registered_names
from pointsledger.rules.flows import Case
from pointsledger.rules.matters import MATTER_KINDS, Matter

STATES: Final[dict[str, str]] = {"open": "办理中", "ready": "待办结", "closed": "已办结",
                                  "withdrawn": "已撤回", "refused": "已拒绝（负面清单）"}
"""A matter's states in Chinese (the same codes mean other things in other flows)."""


def _state(state: str, locale: str) -> str:
    return STATES.get(state, state) if locale == "zh" else state


def _matter(ledger: Ledger, case: Case) -> Matter:
    """The matter a case follows, as adopted in the version it was opened under."""
    return ledger.adoption(case.detail("matter_version")).rulebook.matter(case.subject)


def _in_force(ledger: Ledger) -> tuple[Matter, ...]:
    """The matters of the rulebook in force now (none before any rulebook)."""
    now_us = to_us(ledger.now(), "now")
    rulebook = next((a.rulebook for a in reversed(ledger.adoptions()) if a.from_us <= now_us
                     and (a.until_us is None or now_us < a.until_us)), None)
    return rulebook.matters if rulebook else ()


def _title(matter: Matter, code: str) -> str:
    step = matter.step(code)
    return step.title if step is not None else code


@consistent
def matter_list(ledger: Ledger, *, locale: str = "zh") -> Table:
    """The public matter list (清单公开) of the rulebook in force: every matter by list, with
    its responsible role, its procedure (each step's title, role and time limit) and its
    basis; negative-list entries say they are not done. Empty before any rulebook."""
    text = labels(locale)
    rows = []
    order = {kind: n for n, kind in enumerate(MATTER_KINDS)}
    for matter in sorted(_in_force(ledger), key=lambda m: order[m.kind]):
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
    oldest first. The summary counts open, overdue and ready matters, open queries, and the
    matters done (``closed``), ``withdrawn`` and ``refused`` (negative list); the notes say
    the same in words. Its breakdowns by list and by responsible role are
    `matter_breakdown()`, the median days per step `matter_step_days()`."""
    text = labels(locale)
    rows = []
    overdue = queries = ready = 0
    ended = {"closed": 0, "withdrawn": 0, "refused": 0}
    for case in ledger.cases("matter"):
        if case.state in ended:
            ended[case.state] += 1
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
    if locale == "zh":
        notes = (f"办理中{len(rows)}件（其中待办结{ready}件），逾期{overdue}件，待答复质询"
                 f"{queries}个；已办结{ended['closed']}件，已撤回{ended['withdrawn']}件，"
                 f"负面清单拒绝{ended['refused']}件。",)
    else:
        notes = (f"{len(rows)} open ({ready} ready to close), {overdue} overdue, {queries} open "
                 f"queries; {ended['closed']} closed, {ended['withdrawn']} withdrawn, "
                 f"{ended['refused']} refused (negative list).",)
    return Table(text["matter_board"], [text[k] for k in keys], rows, notes, keys=keys,
                 summary={"open": len(rows), "overdue": overdue, "ready": ready,
                          "queries": queries, "done": ended["closed"],
                          "withdrawn": ended["withdrawn"], "refused": ended["refused"]})


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



_DAY_US: Final = 86_400_000_000
BREAKDOWNS: Final = ("list", "role")
"""What `matter_breakdown()` groups by: the matter's list, or its responsible role."""


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _days(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _step_times(case: Case) -> Iterator[tuple[int, int, int]]:
    """``(index of the procedure step, start µs, recorded µs)`` of each recorded step: the
    k-th ``record`` is the k-th step, and its time runs from the recording before it (or the
    opening)."""
    start, index = case.opened_us, 0
    for step, _actor, at in case.history:
        if step == "record":
            yield index, start, at
            start, index = at, index + 1


def _late_steps(case: Case) -> Iterator[tuple[str, int]]:
    """``(step code, µs)`` of each time a step of ``case`` went overdue."""
    times = [at for step, _actor, at in case.history if step == "overdue"]
    yield from zip(case.detail("late", ()), times, strict=False)


@consistent
def matter_breakdown(ledger: Ledger, *, by: str = "list", period: str | None = None,
                     locale: str = "zh") -> Table:
    """The matter board's breakdown (事项办理统计) by list (``by="list"``: the five lists, in
    `MATTER_KINDS` order, each shown even when empty) or by
    responsible role (``by="role"``: each role responsible for a matter on the lists in force
    or for a matter opened): how many matters are open (办理中: ``open`` or ``ready``), overdue
    now (their current step marked overdue), done (已办结), withdrawn, refused (the negative
    list), ever late (a step went overdue), and the median days from opening to closing of the
    done ones. Counts the matters opened in ``period`` (None: all), as they stand now. No
    personal data: it may go on a notice board as it is.

    Args:
        ledger: the ledger.
        by: ``"list"`` or ``"role"``.
        period: a period label (``"2026"``, ``"2026-Q1"``, ...) or None for all time.
        locale: ``"zh"`` or ``"en"``.

    Returns:
        The table; its summary has the totals of each column (``open``, ``overdue``,
        ``done``, ``withdrawn``, ``refused``, ``ever_late``, ``matters``) and
        ``median_days_to_close`` over all done matters (None when none).

    Raises:
        ValidationError: ``by`` is neither ``"list"`` nor ``"role"``, or a bad period or
            locale.
    """
    if by not in BREAKDOWNS:
        raise ValidationError(f"by must be one of {', '.join(BREAKDOWNS)}, got {by!r}",
                              field="by", value=by)
    text = labels(locale)
    start, end = bounds(ledger, period)
    columns = ("open", "overdue", "done", "withdrawn", "refused", "ever_late")
    counts: dict[str, dict[str, int]] = {}
    closing: dict[str, list[float]] = {}
    if by == "list":
        for kind in MATTER_KINDS:
            counts[kind] = dict.fromkeys(columns, 0)
    else:
        for matter in _in_force(ledger):
            counts.setdefault(matter.role, dict.fromkeys(columns, 0))
    for case in ledger.cases("matter"):
        if not start <= case.opened_us < end:
            continue
        matter = _matter(ledger, case)
        group = matter.kind if by == "list" else matter.role
        row = counts.setdefault(group, dict.fromkeys(columns, 0))
        live = case.state in ("open", "ready")
        row["open"] += live
        row["overdue"] += live and bool(case.detail("overdue"))
        row["done"] += case.state == "closed"
        row["withdrawn"] += case.state == "withdrawn"
        row["refused"] += case.state == "refused"
        row["ever_late"] += bool(case.detail("late", ()))
        closed = [at for step, _actor, at in case.history if step == "close"]
        if closed:
            closing.setdefault(group, []).append((closed[-1] - case.opened_us) / _DAY_US)
    groups = list(counts) if by == "list" else sorted(counts)
    rows = [(term(group, locale), *(counts[group][c] for c in columns),
             _days(_median(closing.get(group, [])))) for group in groups]
    keys = (by, *columns, "days_to_close")
    heads = {"list": text["list"], "role": text["role"], "open": text["open_now"],
             "overdue": text["overdue_now"]}
    totals = {c: sum(counts[g][c] for g in groups) for c in columns}
    everything = [d for days in closing.values() for d in days]
    matters = totals["open"] + totals["done"] + totals["withdrawn"] + totals["refused"]
    if locale == "zh":
        title = f"{text['matter_breakdown']}（按{'清单' if by == 'list' else '责任主体'}）"
        notes = (f"{period or '累计'}事项申请{matters}件：办理中{totals['open']}件（逾期"
                 f"{totals['overdue']}件），已办结{totals['done']}件，已撤回"
                 f"{totals['withdrawn']}件，负面清单拒绝{totals['refused']}件。",)
    else:
        title = f"{text['matter_breakdown']} by {'list' if by == 'list' else 'responsible role'}"
        notes = (f"{period or 'All time'}: {matters} matters, {totals['open']} open "
                 f"({totals['overdue']} overdue), {totals['done']} closed, "
                 f"{totals['withdrawn']} withdrawn, {totals['refused']} refused.",)
    return Table(f"{title} {period or ''}".strip(),
                 [heads[k] if k in heads else text[k] for k in keys], rows, notes, keys=keys,
                 summary={**totals, "matters": matters,
                          "median_days_to_close": _median(everything)})


@consistent
def matter_step_days(ledger: Ledger, *, period: str | None = None,
                     locale: str = "zh") -> Table:
    """The median days of each procedure step (事项环节用时): for every matter and step recorded
    in ``period`` (None: all time), how many times it was recorded, the median days from the
    recording of the step before it (or the opening) to its own recording, and how many times
    it went overdue in the period. Rows by list, matter and procedure order. No personal data.

    Args:
        ledger: the ledger.
        period: a period label or None for all time; a step counts in the period it was
            recorded (or went overdue) in, so a past period's figures never change.
        locale: ``"zh"`` or ``"en"``.

    Returns:
        The table; its summary has ``steps`` (steps recorded), ``late`` (times a step went
        overdue) and ``median_days`` over all the steps recorded (None when none).
    """
    text = labels(locale)
    start, end = bounds(ledger, period)
    # (matter code, step code) -> (list order, matter, step index, days taken, times late)
    found: dict[tuple[str, str], tuple[int, Matter, int, list[float], list[int]]] = {}
    order = {kind: n for n, kind in enumerate(MATTER_KINDS)}

    def slot(matter: Matter, index: int) -> tuple[int, Matter, int, list[float], list[int]]:
        key = (matter.code, matter.steps[index].code)
        if key not in found:
            found[key] = (order[matter.kind], matter, index, [], [0])
        return found[key]

    for case in ledger.cases("matter"):
        if case.state == "refused":
            continue
        matter = _matter(ledger, case)
        codes = [s.code for s in matter.steps]
        for index, began, at in _step_times(case):
            if start <= at < end:
                slot(matter, index)[3].append((at - began) / _DAY_US)
        for code, at in _late_steps(case):
            if start <= at < end and code in codes:
                slot(matter, codes.index(code))[4][0] += 1
    rows = []
    every: list[float] = []
    late = 0
    for _order, matter, index, days, times_late in sorted(
            found.values(), key=lambda f: (f[0], f[1].code, f[2])):
        step = matter.steps[index]
        rows.append((matter.code, matter.title, step.title, term(step.role, locale), len(days),
                     _days(_median(days)), times_late[0]))
        every.extend(days)
        late += times_late[0]
    keys = ("code", "matter", "stage", "role", "recorded_steps", "median_days", "late_count")
    if locale == "zh":
        notes = ("用时按自然日计，自上一环节办结（首个环节自受理）至本环节办结。",)
    else:
        notes = ("Calendar days from the step before (the first step: from the opening) to "
                 "the step's recording.",)
    return Table(f"{text['matter_step_days']} {period or ''}".strip(),
                 [text[k] for k in keys], rows, notes, keys=keys,
                 summary={"steps": len(every), "late": late, "median_days": _median(every)})


FOUR_AND_TWO_CODES: Final = ("propose", "deliberate", "review", "resolve",
                             "publish_resolution", "publish_result")
"""The step codes of 四议两公开 (`four_and_two()`): the four
deliberations, the published resolution and, after the implementation steps, the published
result."""

_STAGES: Final[dict[str, dict[str, str]]] = {
    "zh": {"propose": "一议", "deliberate": "二议", "review": "三议", "resolve": "四议",
           "publish_resolution": "一公开", "publish_result": "二公开", "": "实施"},
    "en": {"propose": "deliberation 1", "deliberate": "deliberation 2",
           "review": "deliberation 3", "resolve": "deliberation 4",
           "publish_resolution": "disclosure 1", "publish_result": "disclosure 2",
           "": "implementation"},
}


def follows_four_and_two(matter: Matter) -> bool:
    """Whether ``matter``'s procedure is 四议两公开: it starts with the five steps propose,
    deliberate, review, resolve, publish_resolution and ends with publish_result (whatever
    implementation steps lie between), as `four_and_two()`
    builds it."""
    codes = tuple(s.code for s in matter.steps)
    return (len(codes) >= 6 and codes[:5] == FOUR_AND_TWO_CODES[:5]
            and codes[-1] == FOUR_AND_TWO_CODES[5])


def _recorded_at(ledger: Ledger, low: int, high: int, at_us: int) -> Event | None:
    """The event among seqs ``low..high`` recorded at ``at_us`` (a binary search: recording
    times increase with the seq), or None."""
    while low <= high:
        middle = (low + high) // 2
        event = ledger.event(middle)
        if event.recorded_us < at_us:
            low = middle + 1
        elif event.recorded_us > at_us:
            high = middle - 1
        else:
            return event
    return None


def _case_events(ledger: Ledger, case: Case) -> list[Stepped]:
    """The ``stepped`` events of ``case``, in order: each found by the recording time its
    history gives (a few reads per step, however long the log), else by reading the log from
    the opening to the case's last step."""
    found: list[Stepped] = []
    low, high = case.seq, ledger.head
    for _step, _actor, at in case.history:
        event = _recorded_at(ledger, low, high, at)
        if not isinstance(event, Stepped) or case.seq not in (event.seq, event.case):
            break
        found.append(event)
        low = event.seq + 1
    else:
        return found
    return _scan_case_events(ledger, case)


def _scan_case_events(ledger: Ledger, case: Case) -> list[Stepped]:
    """The ``stepped`` events of ``case`` by reading the log from its opening to its last
    step (recording times strictly increase, so the read stops there)."""
    found = []
    for event in ledger.events(after=case.seq - 1):
        if event.recorded_us > case.changed_us:
            break
        if isinstance(event, Stepped) and case.seq in (event.seq, event.case):
            found.append(event)
    return found


@consistent
def decision_record(ledger: Ledger, case: str | Event | Case, *, public: bool = True,
                    locale: str = "zh") -> Table:
    """The 四议两公开 record of one decision (a matter whose procedure is 四议两公开): each step
    in order — 党支部提议 (一议), 两委商议 (二议), 党员大会审议 (三议), 村民代表会议或村民会议决议
    (四议), 决议公开 (一公开), the implementation steps (实施), 实施结果公开 (二公开) — with the
    body responsible, who recorded it and when, its evidence and note, and whether it went
    overdue; under each step the supervision queries (质询) raised on it and their answers
    (答复). A step not yet recorded has empty cells, the current one its last day. The notes
    give the matter, the request, who asked, and the state.

    With ``public`` (the default: the record goes on the 村务公开栏) the request, evidence,
    notes, queries and answers are masked (registered names, ID and phone numbers) and people
    are shown by their masked name (张*明); ``public=False`` is the officials' record, with
    full names and member ids.

    Args:
        ledger: the ledger.
        case: the matter's id (its opening event's id), that event, or its case.
        public: mask for public output (default) or not.
        locale: ``"zh"`` (default) or ``"en"``.

    Returns:
        The table; its summary has ``case``, ``matter``, ``state``, ``steps`` (in the
        procedure), ``recorded``, ``late`` (steps that went overdue), ``queries`` and
        ``open_queries``.

    Raises:
        UnknownEntry: no case was opened by that event.
        ValidationError: the case is not a matter, or its matter's procedure is not
            四议两公开 (`follows_four_and_two()`); or a bad locale.
    """
    text = labels(locale)
    found = ledger.case(case.id if isinstance(case, Case) else case)
    if found.flow != "matter":
        raise ValidationError(f"case {found.id} is a {found.flow} case, not a matter: a "
                              "decision record is kept for matters", case=found.id,
                              flow=found.flow)
    matter = _matter(ledger, found)
    if not follows_four_and_two(matter):
        raise ValidationError(
            f"matter {matter.code} {matter.title} does not follow 四议两公开 (its steps: "
            f"{', '.join(s.code for s in matter.steps) or 'none'}); a decision record needs "
            f"{', '.join(FOUR_AND_TWO_CODES)}", case=found.id, matter=matter.code)
    zh = locale == "zh"
    names = registered_names(ledger) if public else frozenset()
    members = ledger.members()

    def who(actor: str) -> str:
        if actor in members:
            name = members[actor].name
            return mask_name(name) if public else f"{name}（{actor}）"
        return mask_text(actor, names) if public else actor

    def free(value: object) -> str:
        return mask_text(str(value), names) if public else str(value)

    def flag(late: bool) -> Any:
        return ("是" if late else "否") if zh else late

    recorded: dict[str, Stepped] = {}
    queries: dict[str, list[Stepped]] = {}
    answers: dict[int, Stepped] = {}
    for event in _case_events(ledger, found):
        args = dict(event.args)
        if event.step == "record":
            recorded[args["code"]] = event
        elif event.step == "query":
            queries.setdefault(args["code"], []).append(event)
        elif event.step == "answer":
            answers[args["query"]] = event
    late = set(found.detail("late", ()))
    current = found.detail("next", "") if found.state == "open" else ""
    deadline = found.detail("deadline_us", 0)
    stages = _STAGES[locale]
    rows: list[tuple[Any, ...]] = []
    for step in matter.steps:
        done = recorded.get(step.code)
        if done is not None:
            args = dict(done.args)
            cells = (who(done.actor), local_date(ledger, done.recorded_us),
                     "、".join(free(e) for e in args.get("evidence", ())),
                     free(args.get("note", "")))
        else:
            waiting = ""
            if step.code == current:
                due = local_date(ledger, deadline - 1) if deadline else ""
                waiting = ((f"待办理，时限至{due}" if due else "待办理") if zh
                           else (f"next, due by {due}" if due else "next"))
            cells = ("", "", "", waiting)
        rows.append((stages.get(step.code, stages[""]), step.title, term(step.role, locale),
                     *cells, flag(step.code in late)))
        for query in queries.get(step.code, ()):
            asked = dict(query.args)
            rows.append(("", f"质询：{step.title}" if zh else f"query: {step.title}", "",
                         who(query.actor), local_date(ledger, query.recorded_us), "",
                         free(asked["text"]), ""))
            answer = answers.get(query.seq)
            if answer is None:
                rows.append(("", f"答复：{step.title}" if zh else f"answer: {step.title}", "",
                             "", "", "", "待答复" if zh else "not yet answered", ""))
            else:
                rows.append(("", f"答复：{step.title}" if zh else f"answer: {step.title}", "",
                             who(answer.actor), local_date(ledger, answer.recorded_us), "",
                             free(dict(answer.args)["text"]), ""))
    keys = ("no", "stage", "role", "actor", "date", "evidence", "note", "overdue")
    asked_count = sum(len(q) for q in queries.values())
    request = free(found.detail("request", ""))
    opened = local_date(ledger, found.opened_us)
    ended = [(step, at) for step, _actor, at in found.history if step in ("close", "withdraw")]
    state = _state(found.state, locale)
    if ended:
        state += f" {local_date(ledger, ended[-1][1])}"
    if found.state == "withdrawn":
        reason = free(found.detail("reason", ""))
        state += f"（撤回理由：{reason}）" if zh else f" (reason: {reason})"
    if zh:
        notes = [f"事项：{matter.title}（{matter.code}，{term(matter.kind)}），编号 {found.id}。",
                 f"申请内容：{request}；{opened}受理，申请人{who(found.opened_by)}"
                 + (f"，{found.household}户" if found.household else "") + "。",
                 f"状态：{state}；质询{asked_count}个，待答复{len(found.objections)}个。"]
        if public:
            notes.append("如有疑问，请向村务监督委员会提出质询。")
    else:
        notes = [f"Matter: {matter.title} ({matter.code}, {matter.kind}), case {found.id}.",
                 f"Request: {request}; opened {opened} by {who(found.opened_by)}"
                 + (f" for household {found.household}" if found.household else "") + ".",
                 f"State: {state}; queries: {asked_count}, open: {len(found.objections)}."]
    title = (f"{text['decision_record']}：{matter.title}" if zh
             else f"{text['decision_record']}: {matter.title}")
    return Table(title, [text[k] for k in keys], rows, notes, keys=keys,
                 summary={"case": found.id, "matter": matter.code, "state": found.state,
                          "steps": len(matter.steps), "recorded": len(recorded),
                          "late": len(late), "queries": asked_count,
                          "open_queries": len(found.objections)})
