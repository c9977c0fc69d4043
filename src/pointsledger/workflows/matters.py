"""Matters of the 清单制 lists: a request opens a case of the ``matter`` flow; each step of the
matter's procedure is recorded in order, by a holder of the step's role, with its evidence; the
supervision committee raises queries (质询) the responsible role must answer before the matter
closes; `mark_overdue()` marks a step whose time limit ran out, once.

The procedure is the one of the rulebook version in force when the matter was opened (adopted
lists never change, so a matter keeps its procedure to the end). A request for a matter on the
negative list (负面清单) is not an error: `open_matter()` records it as a case opened straight
into ``refused``, naming the list entry, and returns that event, so supervision sees every
refusal. Separation of duties: when a matter is for a household or member, nobody of that
household records its steps, answers for it or closes it, and the one who asked records none of
its steps.

Case details kept by the steps: ``matter_version``; ``next`` (the code of the step to record,
"" when all are recorded); ``deadline_us`` (when ``next`` is due, 0 without a limit); ``late``
(the steps that went overdue, in order); ``overdue`` (``next`` when it is overdue, else "").
"""

from __future__ import annotations

from collections.abc import Sequence

from pointsledger.base.actors import Actor
from pointsledger.base.checks import check_account_id, check_id, check_text
from pointsledger.base.periods import day_start_us, local_date
from pointsledger.core.command import (
    Context,
    Draft,
    Outcome,
    command,
    open_account,
    policy_now,
    strings,
)
from pointsledger.core.events import Stepped
from pointsledger.errors import (
    EvidenceRequired,
    NoRulebookInForce,
    PermissionDenied,
    StateError,
    UnknownEntry,
    ValidationError,
)
from pointsledger.rules.flows import MATTER, Case
from pointsledger.rules.matters import Matter, ProcedureStep, limit_ends
from pointsledger.workflows.cases import (
    Arg,
    Args,
    Facts,
    FlowRules,
    entry,
    evidence,
    optional_text,
    rulebook_now,
    stepped,
    system_step,
    text,
)


def deadline_us(ctx: Context, step: ProcedureStep | None) -> int:
    """When ``step``, starting at the clock reading, runs out of time (0: no limit)."""
    if step is None or step.days is None:
        return 0
    today = local_date(ctx.now_us, ctx.state.tzinfo)
    return day_start_us(limit_ends(today, step.days, step.day_kind), ctx.state.tz)


def matter_of(ctx: Context, case: Case) -> Matter:
    """The matter a case follows, as adopted in the version it was opened under."""
    version = case.detail("matter_version")
    return ctx.state.adoptions_by_version[version].rulebook.matter(case.subject)


@command(Stepped, policy="matter.open", self_service=True)
def open_matter(
    ctx: Context,
    matter: str,
    *,
    request: str,
    by: Actor,
    key: str,
    account: str | None = None,
    evidence: Sequence[str] = (),
    memo: str = "",
) -> Outcome:
    """Open a matter (事项) of the lists in force: ``by`` asks for ``request`` (what is asked,
    as text), for the household or member ``account`` or, when None, for the whole village.
    A resident opens matters for their own household; staff for anyone.

    A matter on the negative list (负面清单) is refused *and recorded*: the event returned then
    has ``state == "refused"`` and names the list entry in its facts (``refused``), so the
    refusal is on the log for supervision; nothing else about the command differs (its key
    replays it like any other).

    Returns:
        The opening ``stepped`` event (state ``open``, or ``refused``); its id names the
        matter in ``step``.

    Raises:
        NoRulebookInForce: no rulebook (and so no list) is in force.
        NotFound: no such matter on the lists in force.
        UnknownAccount: ``account`` is not registered.
        AccountClosed: ``account`` or its household is closed.
        PermissionDenied: the actor's roles or household do not allow it.
    """
    code = check_id(matter, "matter")
    request = check_text(request, "request", required=True, multiline=True)
    who = None if account is None else check_account_id(account, "account")
    proof = () if evidence == () else strings(evidence, "evidence")
    args = (("account", who or ""), ("evidence", proof), ("matter", code),
            ("request", request))
    replay = ctx.replayed(key, flow="matter", case=0, step="open", args=args)
    if replay:
        return replay
    household = None if who is None else open_account(ctx.state, who)
    ctx.authorise(household)
    rulebook = rulebook_now(ctx)
    if rulebook is None:
        raise NoRulebookInForce("no adopted rulebook (and so no matter list) is in force")
    found = rulebook.matter(code)
    version = policy_now(ctx)[1]
    facts: Facts = {"account": who or "", "household": household or "", "subject": code,
                    "matter_version": version}
    if found.is_negative:
        facts["refused"] = f"{found.code} {found.title}"
        return [stepped(ctx, MATTER, 0, "open", "refused", by.id, ctx.key, version, ctx.memo,
                        args, facts, ctx.now_us)]
    first = found.steps[0]
    due = deadline_us(ctx, first)
    facts.update(next=first.code, due_us=due, deadline_us=due, late=(), overdue="")
    return [stepped(ctx, MATTER, 0, "open", MATTER.initial, by.id, ctx.key, version, ctx.memo,
                    args, facts, ctx.now_us)]


def _not_for_own(ctx: Context, case: Case, by: Actor, what: str, *, asked: bool) -> None:
    """Separation of duties on a matter for a household (see the module docstring)."""
    if not case.household:
        return
    if ctx.state.household_of(by.id) == case.household:
        raise PermissionDenied(
            f"actor {by.id!r} belongs to household {case.household!r} and may not {what} "
            f"its matter {case.id}", actor=by.id, case=case.id, household=case.household)
    if asked and by.id == case.opened_by:
        raise PermissionDenied(f"actor {by.id!r} asked for matter {case.id} and may not {what} "
                               "it", actor=by.id, case=case.id)


def _holds(by: Actor, roles: set[str], case: Case, what: str) -> None:
    if not by.roles & roles:
        raise PermissionDenied(
            f"actor {by.id!r} with roles {sorted(by.roles)} may not {what} matter {case.id}; "
            f"roles allowed: {sorted(roles)}", actor=by.id, case=case.id, allowed=sorted(roles))


def _open_queries(case: Case, what: str) -> None:
    if case.objections:
        open_ids = [f"e{seq}" for seq in case.objections]
        raise StateError(
            f"matter {case.id} has open supervision queries ({', '.join(open_ids)}): they "
            f"must be answered before it can {what}", case=case.id, flow="matter",
            state=case.state, step=what, allowed=["answer"], open=open_ids)


def _handle(ctx: Context, case: Case, step: str, target: str, by: Actor, args: Args, key: str,
            memo: str) -> tuple[str, Facts, list[Draft]]:
    matter = matter_of(ctx, case)
    codes = [s.code for s in matter.steps]
    if step == "record":
        code = args["code"]
        if code not in codes:
            raise ValidationError(f"matter {matter.code} has no step {code!r}; its steps: "
                                  f"{', '.join(codes)}", field="code", value=code)
        expected = case.detail("next")
        if code != expected:
            raise StateError(
                f"matter {case.id} is at step {expected!r}: recording {code!r} is out of "
                f"order; steps: {' → '.join(codes)}", case=case.id, flow="matter",
                state=case.state, step=code, allowed=[expected])
        procedure_step = matter.steps[codes.index(code)]
        _holds(by, {procedure_step.role}, case, f"record step {code!r} of")
        _not_for_own(ctx, case, by, f"record step {code!r} of", asked=True)
        if procedure_step.evidence_required and not args.get("evidence"):
            raise EvidenceRequired(f"step {code!r} of matter {matter.code} needs evidence "
                                   "(minutes, photos, documents)", case=case.id, step=code)
        following = matter.steps[codes.index(code) + 1:]
        due = deadline_us(ctx, following[0] if following else None)
        return ("open" if following else "ready"), {
            "next": following[0].code if following else "", "due_us": due,
            "deadline_us": due, "overdue": ""}, []
    if step == "query":
        _holds(by, set(policy_now(ctx)[0].roles_for("matter.query")) | {matter.supervisor},
               case, "query")
        code = args["code"]
        reached = codes if not case.detail("next") else codes[:codes.index(
            case.detail("next")) + 1]
        if code not in reached:
            raise ValidationError(f"a query on matter {case.id} names a step it has reached: "
                                  f"{', '.join(reached)}; not {code!r}", field="code",
                                  value=code)
        return target, {"due_us": case.due_us}, []
    if step == "answer":
        query = args["query"]
        if query not in case.objections:
            raise UnknownEntry(f"query e{query} is not open on matter {case.id}",
                               entry=query, open=list(case.objections))
        asked = ctx.event_at(query)
        assert isinstance(asked, Stepped)
        queried = dict(asked.args)["code"]
        roles = {matter.role, matter.steps[codes.index(queried)].role}
        _holds(by, roles, case, "answer a query on")
        _not_for_own(ctx, case, by, "answer for", asked=False)
        return target, {"due_us": case.due_us}, []
    if step == "close":
        _holds(by, {matter.role}, case, "close")
        _not_for_own(ctx, case, by, "close", asked=False)
        _open_queries(case, "close")
        return target, {}, []
    # withdraw: the one who asked, or the responsible role
    if by.id != case.opened_by:
        _holds(by, {matter.role}, case, "withdraw")
    _open_queries(case, "withdraw")
    return target, {}, []


def mark_overdue(ctx: Context, case: object, now_us: int) -> Outcome:
    """Mark the current step of one matter overdue: its time limit ran out by ``now_us`` (the
    system step ``overdue``, once: it clears the deadline)."""
    return system_step(ctx, case, MATTER, "overdue", now_us, lambda found: {
        "overdue": found.detail("next"),
        "late": (*found.detail("late", ()), found.detail("next"))})


def _code(value: object, name: str) -> str:
    return check_id(value, name)


RULES = FlowRules(
    args={
        "record": {"code": Arg(_code), "evidence": Arg(evidence, required=False),
                   "note": Arg(optional_text, required=False)},
        "query": {"code": Arg(_code), "text": Arg(text)},
        "answer": {"query": Arg(entry), "text": Arg(text)},
        "close": {"note": Arg(optional_text, required=False)},
        "withdraw": {"reason": Arg(text)},
    },
    excluded=lambda _rulebook: frozenset(),
    handle=_handle,
)
"""The matter flow's step rules."""
