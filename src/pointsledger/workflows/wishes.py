"""Micro-wishes (微心愿): a resident's small wish is collected, screened onto the wish wall,
claimed by a party member, volunteer or unit, fulfilled with evidence and confirmed by the wisher.

One live claim per wish (the table allows ``claim`` only from ``listed``). A claim not fulfilled
within the rulebook's ``claim_days`` lapses through `lapse_wish()` (the wish goes back on the
wall), and so does a wish nobody claims within ``list_days`` of going (back) on the wall (it
comes off the wall as ``lapsed``, 已过期, with the reason in its details). When the wisher
confirms, the claimer earns the rulebook's wish item exactly once (the table allows ``confirm``
only from ``fulfilled``, and nothing leads back there); if a cap leaves no room, the
confirmation still stands and the withheld points are recorded in its facts.
"""

from __future__ import annotations

from typing import Final

from pointsledger.base.actors import Actor
from pointsledger.base.checks import MAX_VALUE, check_account_id, check_int, check_text
from pointsledger.core.command import (
    Context,
    Draft,
    Outcome,
    command,
    open_account,
    policy_now,
)
from pointsledger.core.events import Stepped
from pointsledger.errors import (
    EvidenceRequired,
    PermissionDenied,
    UnknownAccount,
    ValidationError,
)
from pointsledger.rules.flows import WISH, Case
from pointsledger.workflows.cases import (
    REASON,
    Arg,
    Args,
    Facts,
    FlowRules,
    award_for,
    day_deadline,
    evidence,
    independent,
    line,
    must_be,
    not_the_earner,
    optional_text,
    procedures,
    rating,
    registered_member,
    stepped,
    system_step,
)


@command(Stepped, policy="wish.submit", self_service=True)
def submit_wish(
    ctx: Context,
    wisher: str,
    title: str,
    *,
    by: Actor,
    key: str,
    description: str = "",
    value: int | None = None,
    memo: str = "",
) -> Outcome:
    """Collect a micro-wish (微心愿, 征集) of the member ``wisher`` (``value``: its estimated
    worth in yuan, checked against the category's cap when it is listed).

    Returns:
        The opening ``stepped`` event; its id names the wish in ``step``.

    Raises:
        UnknownAccount: ``wisher`` is not a registered member.
        AccountClosed: the member or household is closed.
        PermissionDenied: the actor's roles or household do not allow it.
    """
    wisher = check_account_id(wisher, "wisher")
    title = check_text(title, "title", required=True)
    description = check_text(description, "description", multiline=True)
    if value is not None:
        value = check_int(value, "value", minimum=0, maximum=MAX_VALUE)
    args = (("description", description), ("title", title), ("value", value),
            ("wisher", wisher))
    replay = ctx.replayed(key, flow="wish", case=0, step="submit", args=args)
    if replay:
        return replay
    state = ctx.state
    if wisher not in state.members:
        raise UnknownAccount(f"a wish belongs to a registered member; {wisher!r} is not one",
                             account=wisher)
    household = open_account(state, wisher)
    ctx.authorise(household)
    facts = {"account": wisher, "household": household, "subject": title}
    return [stepped(ctx, WISH, 0, "submit", WISH.initial, by.id, ctx.key, policy_now(ctx)[1],
                    ctx.memo, args, facts, ctx.now_us)]


def _handle(ctx: Context, case: Case, step: str, target: str, by: Actor, args: Args, key: str,
            memo: str) -> tuple[str, Facts, list[Draft]]:
    state = ctx.state
    facts: Facts = {}
    following: list[Draft] = []
    if step in ("claim", "release", "fulfil"):
        ctx.authorise(None, policy=f"wish.{step}")
        if step == "claim":
            registered_member(state, by, "claim a wish")
            if state.household_of(by.id) == case.household:
                raise PermissionDenied(f"{by.id!r} belongs to the wisher's household and may "
                                       f"not claim wish {case.id}", actor=by.id, case=case.id)
            facts["assignee"] = by.id
            facts["due_us"] = day_deadline(ctx, procedures(ctx).wishes.claim_days)
        else:
            must_be(case, by, case.assignee, step)
            if step == "release":
                facts["assignee"] = ""
                facts["due_us"] = _wall_deadline(ctx)
            elif not args["evidence"]:
                raise EvidenceRequired(f"fulfilling wish {case.id} needs evidence (photo ids, "
                                       "text)", case=case.id)
        return target, facts, following
    if step in ("withdraw", "confirm"):
        ctx.authorise(case.household, policy=f"wish.{step}")
        if step == "confirm":
            not_the_earner(ctx, case, by, "confirm")
            following = award_for(ctx, case.assignee, procedures(ctx).wishes.item, 1, by, key, memo,
                                  facts)
        return target, facts, following
    ctx.authorise(case.household, policy=f"wish.{step}")
    if step in ("list", "reject"):
        independent(ctx, case, by, step, frozenset({"submit"}))
    if step == "list":
        category = procedures(ctx).wishes.category(args["category"])
        if category is None:
            names = [c.name for c in procedures(ctx).wishes.categories]
            raise ValidationError(f"no wish category {args['category']!r}; categories: {names}",
                                  field="category", value=args["category"])
        value = case.detail("value")
        if category.max_value is not None and value is not None and value > category.max_value:
            raise ValidationError(
                f"wish {case.id} is worth {value} yuan, above the {category.name} cap of "
                f"{category.max_value}: reject it or ask for a smaller wish",
                value=value, cap=category.max_value)
        facts["max_value"] = category.max_value
    elif step == "revoke":
        facts["assignee"] = ""
    if target == "listed":
        facts["due_us"] = _wall_deadline(ctx)
    return target, facts, following


def _wall_deadline(ctx: Context) -> int:
    """When a wish going (back) on the wall now lapses off it unclaimed: ``list_days`` full
    local days after today."""
    return day_deadline(ctx, procedures(ctx).wishes.list_days)


LAPSED_UNCLAIMED: Final = "unclaimed"
"""The ``lapse_reason`` of a wish that lapsed off the wall: nobody claimed it in time."""


def lapse_wish(ctx: Context, wish: object, now_us: int) -> Outcome:
    """Lapse one wish whose deadline passed by ``now_us`` (system step): a claim not
    fulfilled in time goes back on the wall (with a new wall deadline); a wish nobody claimed
    in time comes off the wall (``lapsed``, 已过期), recording ``lapse_reason`` and the day it
    last went on the wall (``listed_us``) for the wisher's view."""

    def facts(case: Case) -> Facts:
        if case.state == "claimed":
            return {"assignee": "", "lapsed": case.assignee, "due_us": _wall_deadline(ctx)}
        listed = max(at for step, _actor, at in case.history
                     if step in ("list", "restore", "release", "revoke", "lapse"))
        return {"lapse_reason": LAPSED_UNCLAIMED, "listed_us": listed}

    return system_step(ctx, wish, WISH, "lapse", now_us, facts)


RULES = FlowRules(
    args={
        "list": {"category": Arg(line)},
        "reject": REASON,
        "withdraw": {"reason": Arg(optional_text, required=False)},
        "take_down": REASON,
        "restore": {},
        "claim": {},
        "release": {"reason": Arg(optional_text, required=False)},
        "revoke": REASON,
        "fulfil": {"evidence": Arg(evidence)},
        "confirm": {"rating": Arg(rating), "comment": Arg(optional_text, required=False)},
        "close": {"feedback": Arg(optional_text, required=False)},
    },
    excluded=lambda _rulebook: frozenset(),
    handle=_handle,
)
