"""The independent model of service orders (点单 → 派单 → 接单 → 评单): placing an order
and its dispatch, acceptance, service and rating steps (docs/workflows.md, "Service orders").

``OrderSteps`` is a mixin of the workflows' model (``FlowModel``), written from the docs alone
like the rest of the model (`_model_base`): each step rule gives the errors the step must be
refused with and its effect; the one ``step`` command (`_model_flows`) dispatches to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    NotFound,
    PermissionDenied,
    ValidationError,
)
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_cases import (
    HOUR_US,
    FlowCase,
    Rule,
)

if TYPE_CHECKING:
    from pointsledger.testing._model_flows import FlowCore

    _Base = FlowCore
else:
    _Base = object


class OrderSteps(_Base):
    """The orders' part of the workflows' model."""

    def place_order(self, account: str, service: str, *, by: Actor, key: str,
                    note: str = "", memo: str = "") -> Prediction:
        """A service order (点单) for ``account`` from the menu."""
        household = self.household_of(account)
        errors = self.account_errors(account) | self.authorise("order.place", by, household)
        if self.rulebook.services.service(service) is None:
            errors.add(NotFound)
        apply = self.opened("order", account, household or "", service, by, self.stamp())

        def check(result: Any) -> list[str]:
            return self.check_opened(result, "order", "placed")
        return self.accept(key, "place_order", (account, service, note, by, memo), errors, apply,
                           check, label="order placed")

    def _order_reject(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.authorise("order.reject", by, case.household) | self.reason_errors(args), {}

    def _order_open(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        """To be grabbed, for ``open_hours``."""
        due = self.stamp() + self.rulebook.services.open_hours * HOUR_US

        def apply(result: Any) -> None:
            case.assignee, case.team, case.due_us = "", (), due
        return self.authorise("order.open", by, case.household), {
            "apply": apply, "check": self.due_check(case, due)}

    def _order_cancel(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.authorise("order.cancel", by, case.household)

        def apply(result: Any) -> None:
            case.team, case.due_us = (), 0
        return errors | self.reason_errors(args, optional=True), {"apply": apply}

    def _order_dispatch(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        """To one volunteer or a team; only members who may serve this household."""
        errors = self.authorise("order.dispatch", by, case.household)
        volunteer, team = args.get("volunteer"), args.get("team")
        if (volunteer is None) == (team is None):
            errors.add(ValidationError)
        members: list[Any] = [volunteer] if volunteer is not None else list(team or ())
        if team is not None and (not isinstance(team, list | tuple) or not team
                                 or len(set(team)) != len(team)):
            errors.add(ValidationError)
        for member in members:
            if not isinstance(member, str):
                errors.add(ValidationError)
            elif not self.may_serve(member, case.household):
                errors.add(PermissionDenied)
        due = self.stamp() + self.rulebook.services.accept_hours * HOUR_US

        def apply(result: Any) -> None:
            case.assignee = volunteer or ""
            case.team = tuple(team or ())
            case.due_us = due
        return errors, {"apply": apply, "check": self.due_check(case, due)}

    def _order_accept(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        """A dispatched order by its volunteer (or one of its team); an open one by anyone
        who may serve the household."""
        errors = self.authorise("order.accept", by, case.household)
        if not self.may_serve(by.id, case.household):
            errors.add(PermissionDenied)
        if case.state == "dispatched" and by.id != case.assignee and by.id not in case.team:
            errors.add(PermissionDenied)

        def apply(result: Any) -> None:
            case.assignee, case.team, case.due_us = by.id, (), 0
        return errors, {"apply": apply}

    def _order_decline(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.authorise("order.decline", by, None) | self.reason_errors(
            args, optional=True)
        if by.id != case.assignee and by.id not in case.team:
            errors.add(PermissionDenied)
        return errors, {"apply": self.unassign(case)}

    def _order_start(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        started = self.stamp()

        def apply(result: Any) -> None:
            case.started_us = started
        return self.assignee_errors(case, "order.start", by), {"apply": apply}

    def _order_finish(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        """The minutes of service: at most the whole minutes since ``start``."""
        errors = self.assignee_errors(case, "order.finish", by)
        minutes = args.get("minutes")
        if "minutes" in args:
            errors |= self.minutes_errors(minutes)
            if not errors and case.state == "in_service" and (
                    int(minutes or 0) > (self.stamp() - case.started_us) // 60_000_000):
                errors.add(ValidationError)

        def apply(result: Any) -> None:
            case.minutes = int(minutes or 0)
        return errors, {"apply": apply}

    def _order_rate(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        """The ordering side rates (never the volunteer); the volunteer earns the service's
        item once per order, or once per started hour of the minutes given at finish."""
        errors = self.authorise("order.rate", by, case.household)
        if by.id == case.assignee or self.awards_own_household(by, case.assignee):
            errors.add(PermissionDenied)
        if "rating" in args:
            errors |= self.rating_errors(args["rating"])
        service = self.rulebook.services.service(case.subject)
        item = service.item if service is not None else None
        units = 1
        if service is not None and service.per == "hour":
            units = -(-case.minutes // 60)
        return errors, self.earn(case, item, self.item_points(item) * units)

    def _order_close(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.authorise("order.close", by, case.household), {}
