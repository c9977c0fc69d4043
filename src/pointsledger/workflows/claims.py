"""Claims (申报 → 审核 → 公示 → 入账): a household's conduct is claimed against a checklist item,
reviewed in one or two tiers, published for objections, and posted when the notice ends.

While a claim is in notice (公示中) its points are *pending*: shown on the balance, never
available, and their cap room is held so that the posting can never pass a cap. An open
objection blocks the posting until the committee upholds it (the claim is rejected) or
dismisses it. `post_claim()` posts one claim whose notice is over, exactly once (the
transition table allows ``post`` only from ``in_notice``). After posting, an upheld appeal
reverses the entry.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

from pointsledger.base.actors import SYSTEM, Actor
from pointsledger.base.checks import (
    MAX_QUANTITY,
    check_account_id,
    check_id,
    check_int,
    check_key,
)
from pointsledger.core.command import (
    Context,
    Draft,
    Outcome,
    check_occurred,
    command,
    occurred,
    open_account,
    policy_now,
    strings,
)
from pointsledger.core.events import Awarded, Deducted, ItemPosting, Stepped
from pointsledger.core.postings import (
    check_caps,
    check_not_expired,
    posting_draft,
    reversal_draft,
    rulebook_at,
)
from pointsledger.errors import AlreadyReversed, EvidenceRequired, UnknownEntry, ValidationError
from pointsledger.rules.flows import CLAIM, Case
from pointsledger.rules.rulebook import Rulebook
from pointsledger.workflows.cases import (
    REASON,
    Arg,
    Args,
    Facts,
    FlowRules,
    before,
    day_deadline,
    entry,
    independent,
    must_be,
    procedures,
    registered_member,
    stepped,
    system_step,
    text,
)

# whoever took one of these steps on a claim may not review or decide it
_PARTIES = frozenset({"submit", "check", "approve", "object", "appeal"})




@command(Stepped, policy="claim.submit", self_service=True)
def submit_claim(
    ctx: Context,
    account: str,
    item: str,
    *,
    by: Actor,
    key: str,
    occurred_at: _dt.datetime | None = None,
    quantity: int = 1,
    evidence: Sequence[str] = (),
    memo: str = "",
) -> Outcome:
    """Submit a claim (申报): ``account``'s conduct against a checklist item, to be reviewed,
    published (公示) and posted. A resident claims for their own household, a grid worker on
    a household's behalf.

    Returns:
        The opening ``stepped`` event; its id names the claim in ``step``.

    Raises:
        EvidenceRequired: the item needs evidence.
        CapExceeded: counting claims already in notice.
        BackdatedTooFar: the points for conduct at ``occurred_at`` have already expired.
        ValidationError: a deduction item when the rulebook keeps deductions out of the
            pipeline.
        TimingError: occurred_at is in the future, too far back or in a closed period.
        PermissionDenied: the actor's roles or household do not allow it.
    """
    account = check_account_id(account, "account")
    item = check_id(item, "item")
    occurred_us = occurred(ctx, occurred_at, check_key(key))
    quantity = check_int(quantity, "quantity", minimum=1, maximum=MAX_QUANTITY)
    proof = () if evidence == () else strings(evidence, "evidence")
    args = (("account", account), ("evidence", proof), ("item", item),
            ("occurred_us", occurred_us), ("quantity", quantity))
    replay = ctx.replayed(key, flow="claim", case=0, step="submit", args=args)
    if replay:
        return replay
    state = ctx.state
    household = open_account(state, account)
    ctx.authorise(household)
    check_occurred(ctx, occurred_us)
    adoption = rulebook_at(ctx, occurred_us)
    checklist_item = adoption.rulebook.item(item)
    points = checklist_item.points * quantity
    if adoption.rulebook.campaigns and points > 0:  # a campaign (专项活动) may multiply it
        points = adoption.rulebook.points_for(item, quantity, state.local_day(occurred_us))
    if points < 0 and not procedures(ctx).claims.deductions:
        raise ValidationError(
            f"item {item!r} deducts points; the rulebook in force does not put deductions "
            "through claims and notice (ClaimPolicy.deductions)", item=item)
    if checklist_item.evidence_required and not proof:
        raise EvidenceRequired(f"item {item!r} requires evidence (photo ids or text)", item=item)
    if points > 0:
        check_caps(state, account, adoption.rulebook, checklist_item, occurred_us, points)
        check_not_expired(ctx, occurred_us)
    facts = {"account": account, "household": household, "subject": item, "points": points,
             "item_version": adoption.version}
    return [stepped(ctx, CLAIM, 0, "submit", CLAIM.initial, by.id, ctx.key, policy_now(ctx)[1],
                    ctx.memo, args, facts, occurred_us)]


def _excluded(rulebook: Rulebook) -> frozenset[tuple[str, str]]:
    if rulebook.claims.review_tiers == 2:
        return frozenset({("submitted", "approve")})
    return frozenset({("submitted", "check"), ("checked", "approve")})


def _handle(ctx: Context, case: Case, step: str, target: str, by: Actor, args: Args, key: str,
            memo: str) -> tuple[str, Facts, list[Draft]]:
    state = ctx.state
    facts: Facts = {}
    following: list[Draft] = []
    if step in ("object", "appeal"):
        registered_member(state, by, f"{step} to a claim")
        ctx.authorise(None, policy=f"claim.{step}")
        before(ctx, case, "objecting to" if step == "object" else "appealing against")
        if step == "object":
            facts["due_us"] = case.due_us
        else:
            facts["appeal_until"] = case.due_us
        return target, facts, following
    if step == "withdraw":
        ctx.authorise(case.household, policy="claim.withdraw")
        must_be(case, by, case.opened_by, "withdraw")
        return target, facts, following
    ctx.authorise(case.household, policy=f"claim.{step}")
    independent(ctx, case, by, step, _PARTIES)
    if step == "approve":
        if case.points > 0:
            adoption = ctx.state.adoptions_by_version[case.detail("item_version")]
            check_caps(state, case.account, adoption.rulebook, adoption.rulebook.item(
                case.subject), case.occurred_us, case.points)
        facts["due_us"] = day_deadline(ctx, procedures(ctx).claims.notice_days)
    elif step in ("dismiss", "uphold"):
        if args["objection"] not in case.objections:
            raise UnknownEntry(f"objection e{args['objection']} is not open on claim {case.id}",
                               entry=args["objection"], open=list(case.objections))
        if step == "dismiss":
            facts["due_us"] = case.due_us
            if len(case.objections) > 1:
                target = "objected"
    elif step == "dismiss_appeal":
        facts["due_us"] = case.detail("appeal_until", 0)
    elif step == "uphold_appeal":
        original = ctx.event_at(case.posting)
        assert isinstance(original, ItemPosting)
        done = state.reversals.get(original.seq)
        if done is not None:
            raise AlreadyReversed(f"{original.id} was already reversed by event {done}",
                                  entry=original.id, reversal=done)
        facts["posts"] = True
        following.append(reversal_draft(ctx, original, args["reason"], by.id, key,
                                        policy_now(ctx)[1], memo))
    return target, facts, following


def post_claim(ctx: Context, claim: object, now_us: int) -> Outcome:
    """Post one claim whose notice ended by ``now_us`` (入账): the ``post`` step and the award
    or deduction, by the system. Its room under the caps was held since approval."""

    def posting(case: Case, key: str) -> list[Draft]:
        cls = Awarded if case.points > 0 else Deducted
        return [posting_draft(ctx, cls, case.account, case.subject, SYSTEM.id, key,
                              case.occurred_us, int(case.detail("quantity", 1)),
                              tuple(case.detail("evidence", ())), "", caps=False)]

    appeal_until = day_deadline(ctx, procedures(ctx).claims.appeal_days)
    return system_step(ctx, claim, CLAIM, "post", now_us,
                       lambda _case: {"posts": True, "due_us": appeal_until}, posting)


RULES = FlowRules(
    args={
        "check": {},
        "approve": {},
        "reject": REASON,
        "withdraw": {},
        "object": REASON,
        "dismiss": {"objection": Arg(entry), "reason": Arg(text)},
        "uphold": {"objection": Arg(entry), "reason": Arg(text)},
        "appeal": REASON,
        "dismiss_appeal": REASON,
        "uphold_appeal": REASON,
    },
    excluded=_excluded,
    handle=_handle,
)
