"""The one command for every workflow step after the opening one, and the table of each
flow's step rules (from `.claims`, `.wishes`, `.orders`, `.timebank`).

Order of checks: the case, the step's arguments, the idempotency key, the transition table,
then authority (each step's own policy entry, ``<flow>.<step>``) and the step's own rules.
"""

from __future__ import annotations

from typing import Any, Final

from pointsledger.base.actors import Actor
from pointsledger.core.command import Context, Outcome, command, policy_now
from pointsledger.core.events import Event, Stepped
from pointsledger.errors import ValidationError
from pointsledger.rules.flows import FLOWS, Case
from pointsledger.rules.rulebook import Rulebook
from pointsledger.workflows import claims, matters, orders, timebank, wishes
from pointsledger.workflows.cases import FlowRules, check_args, find_case, rulebook_now, stepped

STEP_RULES: Final[dict[str, FlowRules]] = {
    "claim": claims.RULES,
    "wish": wishes.RULES,
    "order": orders.RULES,
    "deposit": timebank.RULES,
    "matter": matters.RULES,
}
"""Each flow's step rules by flow name."""


def next_steps(case: Case, rulebook: Rulebook | None) -> tuple[str, ...]:
    """The steps an actor may take on ``case`` now: its flow's table from its current state,
    less the steps ``rulebook`` (the one in force) switches off and those only due jobs take.
    Empty for a finished case. `step` refuses every other step with a ``StateError``."""
    flow = FLOWS[case.flow]
    excluded = STEP_RULES[flow.name].excluded(rulebook) if rulebook is not None else frozenset()
    return flow.takeable(case.state, excluded)


@command(Stepped, self_service=True)
def step(ctx: Context, case: str | Event, step: str, *, by: Actor, key: str, memo: str = "",
         **args: Any) -> Outcome:
    """Take a workflow step on a case (a claim, wish, order, deposit or matter), named by the
    id of the event that opened it. The steps, who may take them and their arguments are listed
    in docs/workflows.md; e.g. ``ledger.step(claim, "approve", by=committee, key=...)``,
    ``ledger.step(wish, "confirm", rating=5, by=wisher, key=...)``; a matter's procedure step
    is recorded with ``ledger.step(matter, "record", code="propose", evidence=[...], ...)``
    (docs/matters.md).

    Returns:
        The ``stepped`` event (the award, reversal or minutes it causes follow it).

    Raises:
        StateError: the flow's transition table does not allow the step now (it names the
            current state and the allowed steps).
        DeadlinePassed: the step's window is over.
        PermissionDenied: the actor's roles or household do not allow it.
        ValidationError: unknown or missing arguments.
    """
    found = find_case(ctx.state, case)
    flow = FLOWS[found.flow]
    rules = STEP_RULES[flow.name]
    if not isinstance(step, str) or step not in rules.args:
        if step in flow.system:
            raise ValidationError(f"{step!r} is taken by the ledger's due jobs only", step=step)
        allowed = next_steps(found, rulebook_now(ctx))
        raise ValidationError(
            f"{flow.name} has no step {step!r}; its steps: {', '.join(rules.args)} "
            f"(allowed now: {', '.join(allowed) or 'none'})", step=step)
    checked = check_args(flow.name, step, rules.args[step], args)
    replay = ctx.replayed(key, flow=flow.name, case=found.seq, step=step, args=checked)
    if replay:
        return replay
    rulebook = rulebook_now(ctx)
    excluded = rules.excluded(rulebook) if rulebook is not None else frozenset()
    target = flow.target(found.id, found.state, step, excluded)
    target, facts, following = rules.handle(ctx, found, step, target, by, dict(checked),
                                            ctx.key, ctx.memo)
    version = policy_now(ctx)[1]
    return [stepped(ctx, flow, found.seq, step, target, by.id, ctx.key, version, ctx.memo,
                    checked, facts, ctx.now_us), *following]
