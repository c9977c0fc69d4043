"""The independent model of micro-wishes (微心愿): submitting a wish and its screening, wall, claim,
fulfilment and confirmation steps (docs/workflows.md, "Micro-wishes").

``WishSteps`` is a mixin of the workflows' model (``FlowModel``), written from the docs alone
like the rest of the model (`_model_base`): each step rule gives the errors the step must be
refused with and its effect; the one ``step`` command (`_model_flows`) dispatches to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    EvidenceRequired,
    PermissionDenied,
    UnknownAccount,
    ValidationError,
)
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_cases import (
    MOST_VALUE,
    Errors,
    FlowCase,
    Rule,
    _is_int,
    _text,
)

if TYPE_CHECKING:
    from pointsledger.testing._model_flows import FlowCore

    _Base = FlowCore
else:
    _Base = object


class WishSteps(_Base):
    """The wishes' part of the workflows' model."""

    def submit_wish(self, wisher: str, title: str, *, by: Actor, key: str,
                    description: str = "", value: int | None = None,
                    memo: str = "") -> Prediction:
        """A micro-wish (微心愿) of the member ``wisher``."""
        errors: Errors = set()
        household = self.household_of(wisher) if wisher in self.members else None
        if wisher not in self.members:
            errors.add(UnknownAccount)
        else:
            errors |= self.account_errors(wisher)
        errors |= self.authorise("wish.submit", by, household)
        if not _text(title):
            errors.add(ValidationError)
        if value is not None and (not _is_int(value) or not 0 <= value <= MOST_VALUE):
            errors.add(ValidationError)
        opened = self.opened("wish", wisher, household or "", title, by, self.stamp())

        def apply(result: Any) -> None:
            opened(result)
            self.cases[result.id].value = value

        def check(result: Any) -> list[str]:
            return self.check_opened(result, "wish", "submitted")
        payload = (wisher, title, description, value, by, memo)
        return self.accept(key, "submit_wish", payload, errors, apply, check,
                           label="wish submitted")

    def on_the_wall(self, case: FlowCase, effect: dict[str, Any] | None = None
                    ) -> dict[str, Any]:
        """The effect of a step that puts a wish (back) on the wall: ``list_days`` from today
        (after ``effect``'s own apply, if any)."""
        due = self.days_after(self.stamp(), self.rulebook.wishes.list_days)
        before = (effect or {}).get("apply", lambda result: None)

        def apply(result: Any) -> None:
            before(result)
            case.due_us = due
        return {**(effect or {}), "apply": apply, "check": self.due_check(case, due)}

    def off_the_wall(self, case: FlowCase) -> dict[str, Any]:
        """The effect of a step that ends the wish's time on the wall (no deadline)."""
        def apply(result: Any) -> None:
            case.due_us = 0
        return {"apply": apply}

    def _wish_list(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.reviewer_errors(case, "wish.list", by)
        if "category" in args:
            category = self.rulebook.wishes.category(args["category"]) if isinstance(
                args["category"], str) else None
            too_much = category is not None and category.max_value is not None and (
                case.value or 0) > category.max_value
            if category is None or too_much:
                errors.add(ValidationError)
        return errors, self.on_the_wall(case)

    def _wish_reject(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.reviewer_errors(case, "wish.reject", by) | self.reason_errors(args), {}

    def _wish_withdraw(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.authorise("wish.withdraw", by, case.household) | self.reason_errors(
            args, optional=True), self.off_the_wall(case)

    def _wish_take_down(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.authorise("wish.take_down", by, case.household) | self.reason_errors(
            args), self.off_the_wall(case)

    def _wish_restore(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.authorise("wish.restore", by, case.household), self.on_the_wall(case)

    def _wish_claim(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        """One live claim: only from ``listed``; never by the wisher's household."""
        errors = self.authorise("wish.claim", by, case.household)
        if not self.is_member(by.id):
            errors.add(PermissionDenied)
        due = self.days_after(self.stamp(), self.rulebook.wishes.claim_days)

        def apply(result: Any) -> None:
            case.assignee, case.due_us = by.id, due
        return errors, {"apply": apply, "check": self.due_check(case, due)}

    def _wish_release(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.assignee_errors(case, "wish.release", by)
        return errors | self.reason_errors(args, optional=True), self.on_the_wall(
            case, {"apply": self.unassign(case)})

    def _wish_revoke(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.authorise("wish.revoke", by, case.household) | self.reason_errors(args)
        return errors, self.on_the_wall(case, {"apply": self.unassign(case)})

    def _wish_fulfil(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.assignee_errors(case, "wish.fulfil", by)
        evidence = args.get("evidence")
        if "evidence" in args:
            if not isinstance(evidence, list | tuple) or not all(
                    isinstance(e, str) for e in evidence):
                errors.add(ValidationError)
            elif not evidence:
                errors.add(EvidenceRequired)

        def apply(result: Any) -> None:
            case.due_us = 0
        return errors, {"apply": apply}

    def _wish_confirm(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        """The wisher's side confirms (never the claimer); the claimer earns the wish item
        once, unless a cap has no room or their account closed (then it is withheld)."""
        errors = self.authorise("wish.confirm", by, case.household)
        if by.id == case.assignee or self.awards_own_household(by, case.assignee):
            errors.add(PermissionDenied)
        if "rating" in args:
            errors |= self.rating_errors(args["rating"])
        item = self.rulebook.wishes.item
        return errors, self.earn(case, item, self.item_points(item))

    def _wish_close(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.authorise("wish.close", by, case.household), {}
