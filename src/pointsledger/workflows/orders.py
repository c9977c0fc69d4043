"""Service orders (点单 → 派单 → 接单 → 评单): a resident orders from the service menu, a
dispatcher sends the order to a named volunteer or to a team (any of its members may accept) or
opens it to be grabbed, the volunteer accepts, serves and finishes, and the resident rates the
service.

A decline, or no acceptance within the menu's ``accept_hours`` of a dispatch or its
``open_hours`` of opening the order to be grabbed (`time_out_order()`), returns the order to
dispatch. The minutes given at ``finish`` are at most the whole minutes since ``start``. The
volunteer earns the service's item when the order is rated,
exactly once (the table allows ``rate`` only from ``done``): once per order, or once per started
hour of service.
"""

from __future__ import annotations

from pointsledger.base.actors import Actor
from pointsledger.base.checks import check_account_id, check_id, check_text
from pointsledger.core.command import (
    Context,
    Draft,
    Outcome,
    command,
    iso,
    open_account,
    policy_now,
)
from pointsledger.core.events import Stepped
from pointsledger.errors import NoRulebookInForce, NotFound, PermissionDenied, ValidationError
from pointsledger.rules.flows import ORDER, Case
from pointsledger.workflows.cases import (
    REASON,
    Arg,
    Args,
    Facts,
    FlowRules,
    account,
    award_for,
    members,
    must_be,
    not_the_earner,
    optional_text,
    positive,
    procedures,
    rating,
    registered_member,
    rulebook_now,
    stepped,
    system_step,
)

_HOUR_US = 3_600_000_000
_MINUTE_US = 60_000_000




@command(Stepped, policy="order.place", self_service=True)
def place_order(
    ctx: Context, account: str, service: str, *, by: Actor, key: str, note: str = "",
    memo: str = ""
) -> Outcome:
    """Place a service order (点单) for ``account`` (a household or member) from the
    rulebook's service menu.

    Returns:
        The opening ``stepped`` event; its id names the order in ``step``.

    Raises:
        NotFound: the service is not on the menu.
        NoRulebookInForce: no rulebook (and so no menu) is in force.
        PermissionDenied: the actor's roles or household do not allow it.
    """
    account = check_account_id(account, "account")
    service = check_id(service, "service")
    note = check_text(note, "note", multiline=True)
    args = (("account", account), ("note", note), ("service", service))
    replay = ctx.replayed(key, flow="order", case=0, step="place", args=args)
    if replay:
        return replay
    household = open_account(ctx.state, account)
    ctx.authorise(household)
    if rulebook_now(ctx) is None:
        raise NoRulebookInForce("no adopted rulebook (and so no service menu) is in force")
    if procedures(ctx).services.service(service) is None:
        known = [s.code for s in procedures(ctx).services.services]
        raise NotFound(f"no service {service!r} on the menu; services: {known}",
                       service=service)
    facts = {"account": account, "household": household, "subject": service}
    return [stepped(ctx, ORDER, 0, "place", ORDER.initial, by.id, ctx.key, policy_now(ctx)[1],
                    ctx.memo, args, facts, ctx.now_us)]


def _volunteer(ctx: Context, case: Case, member_id: str) -> None:
    state = ctx.state
    member = state.members.get(member_id)
    allowed = (policy_now(ctx)[0]).roles_for("order.accept")
    if member is None or member.closed or member.roles.isdisjoint(allowed):
        raise PermissionDenied(
            f"orders go to registered members with a role in {sorted(allowed)}; "
            f"{member_id!r} is not one", volunteer=member_id)
    if member.household == case.household:
        raise PermissionDenied(f"{member_id!r} belongs to the ordering household and may not "
                               f"serve order {case.id}", volunteer=member_id)


def _handle(ctx: Context, case: Case, step: str, target: str, by: Actor, args: Args, key: str,
            memo: str) -> tuple[str, Facts, list[Draft]]:
    facts: Facts = {}
    following: list[Draft] = []
    if step in ("accept", "decline", "start", "finish"):
        ctx.authorise(None, policy=f"order.{step}")
        team = case.detail("team", ())
        if step in ("accept", "decline") and (case.state == "open" or by.id in team):
            registered_member(ctx.state, by, f"{step} an order")
            _volunteer(ctx, case, by.id)
        else:
            must_be(case, by, case.assignee, step)
        if step == "accept":
            facts["assignee"] = by.id
        elif step == "decline":
            facts["assignee"] = ""
        elif step == "finish":
            _served(ctx, case, args["minutes"])
        return target, facts, following
    ctx.authorise(case.household, policy=f"order.{step}")
    if step == "dispatch":
        volunteer, team = args.get("volunteer"), args.get("team", ())
        if (volunteer is None) == (not team):
            raise ValidationError("dispatch to one volunteer= or to a team= of members, not "
                                  "both or neither", field="volunteer")
        for member in (volunteer,) if volunteer else team:
            _volunteer(ctx, case, member)
        facts["assignee"] = volunteer or ""
        facts["team"] = team
        facts["due_us"] = ctx.now_us + procedures(ctx).services.accept_hours * _HOUR_US
    elif step == "open":
        facts["assignee"] = ""
        facts["team"] = ()
        facts["due_us"] = ctx.now_us + procedures(ctx).services.open_hours * _HOUR_US
    elif step == "rate":
        not_the_earner(ctx, case, by, "rate")
        service = procedures(ctx).services.service(case.subject)
        if service is not None:
            quantity = 1
            if service.per == "hour":
                quantity = max(1, -(-int(case.detail("minutes", 0)) // 60))
            following = award_for(ctx, case.assignee, service.item, quantity, by, key, memo,
                                  facts)
        else:
            facts["withheld"] = f"service {case.subject!r} is no longer on the menu"
    return target, facts, following


def _served(ctx: Context, case: Case, minutes: int) -> None:
    """The minutes of service recorded at ``finish`` fit between ``start`` and now.

    Raises:
        ValidationError: more minutes than have passed since the service started.
    """
    started = max(at for step, _actor, at in case.history if step == "start")
    most = (ctx.now_us - started) // _MINUTE_US
    if minutes > most:
        raise ValidationError(
            f"order {case.id} started at {iso(started, ctx.state)}: at most {most} minutes of "
            f"service can have been given by now, not {minutes}", field="minutes",
            value=minutes, most=most, started=iso(started, ctx.state))


def time_out_order(ctx: Context, order: object, now_us: int) -> Outcome:
    """Return one order not accepted in time to dispatch (system step): a dispatched one
    after ``accept_hours``, one open to be grabbed after ``open_hours``."""
    return system_step(ctx, order, ORDER, "time_out", now_us,
                       lambda case: {"assignee": "", "timed_out": case.assignee})


RULES = FlowRules(
    args={
        "reject": REASON,
        "dispatch": {"volunteer": Arg(account, required=False),
                     "team": Arg(members, required=False)},
        "open": {},
        "accept": {},
        "decline": {"reason": Arg(optional_text, required=False)},
        "cancel": {"reason": Arg(optional_text, required=False)},
        "start": {},
        "finish": {"minutes": Arg(positive)},
        "rate": {"rating": Arg(rating), "comment": Arg(optional_text, required=False)},
        "close": {},
    },
    excluded=lambda _rulebook: frozenset(),
    handle=_handle,
)
