"""The independent model of the time bank (时间银行): deposits of volunteer minutes and their two-
reviewer approval, spending, donating and converting minutes (docs/workflows.md, "Time bank").

``TimeBankSteps`` is a mixin of the workflows' model (``FlowModel``), written from the docs alone
like the rest of the model (`_model_base`): each step rule gives the errors the step must be
refused with and its effect; the one ``step`` command (`_model_flows`) dispatches to it.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    InsufficientMinutes,
    LimitReached,
    NotEligible,
    UnknownAccount,
    ValidationError,
)
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_cases import (
    TIMEBANK,
    Errors,
    FlowCase,
    Rule,
    _text,
)

if TYPE_CHECKING:
    from pointsledger.testing._model_flows import FlowCore

    _Base = FlowCore
else:
    _Base = object


class TimeBankSteps(_Base):
    """The time bank' part of the workflows' model."""

    def submit_time(self, member: str, minutes: int, *, service: str,
                    occurred_at: _dt.datetime | None = None, by: Actor, key: str,
                    memo: str = "") -> Prediction:
        """Minutes of service for deposit; two reviewers approve them."""
        errors = self.authorise("deposit.submit", by, None)
        if member not in self.members:
            errors.add(UnknownAccount)
        else:
            errors |= self.account_errors(member)
        errors |= self.minutes_errors(minutes) | self.time_errors(occurred_at)
        if not _text(service):
            errors.add(ValidationError)
        cap = self.rulebook.timebank.max_minutes
        if (not self.minutes_errors(minutes) and cap is not None
                and self.held_minutes(member) + minutes > cap):
            errors.add(LimitReached)
        at = 0 if errors & {ValidationError} else self.occurred_us(occurred_at)
        opened = self.opened("deposit", member, self.household_of(member) or "", service, by,
                             at)

        def apply(result: Any) -> None:
            opened(result)
            self.cases[result.id].minutes = minutes

        def check(result: Any) -> list[str]:
            return self.check_opened(result, "deposit", "submitted")
        payload = (member, minutes, service, None if occurred_at is None else at, by, memo)
        return self.accept(key, "submit_time", payload, errors, apply, check,
                           label="time submitted")

    def _deposit_approve(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        """Two different reviewers, neither the volunteer nor the submitter; the second
        approval deposits the minutes (within the storage cap)."""
        errors = self.reviewer_errors(case, "deposit.approve", by)
        if case.state != "approved_once":
            return errors, {}
        cap = self.rulebook.timebank.max_minutes
        if cap is not None and self.held_minutes(case.account) + case.minutes > cap:
            errors.add(LimitReached)

        def apply(result: Any) -> None:
            self.move_minutes(TIMEBANK, case.account, case.minutes)
        return errors, {"apply": apply, "events": 1}

    def _deposit_reject(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.reviewer_errors(case, "deposit.reject", by) | self.reason_errors(args), {}

    def move_minutes(self, source: str, destination: str, minutes: int) -> None:
        self.minutes[source] = self.minutes.get(source, 0) - minutes
        self.minutes[destination] = self.minutes.get(destination, 0) + minutes

    def time_account_errors(self, member: str) -> Errors:
        if member not in self.members:
            return {UnknownAccount}
        return self.account_errors(member)

    def spend_time(self, member: str, minutes: int, *, service: str, by: Actor, key: str,
                   memo: str = "") -> Prediction:
        """Minutes spent on a service go to ``@timebank``."""
        errors = self.authorise("spend_time", by, self.household_of(member))
        errors |= self.time_account_errors(member) | self.minutes_errors(minutes)
        if not _text(service):
            errors.add(ValidationError)
        if not self.minutes_errors(minutes) and minutes > self.held_minutes(member):
            errors.add(InsufficientMinutes)

        def apply(result: Any) -> None:
            self.move_minutes(member, TIMEBANK, minutes)
            self.wrote()
        return self.accept(key, "spend_time", (member, minutes, service, by, memo), errors, apply,
                           label="time spent")

    def donate_time(self, member: str, to: str, minutes: int, *, by: Actor, key: str,
                    memo: str = "") -> Prediction:
        """Minutes given to another member of the same household (within the cap)."""
        errors = self.authorise("donate_time", by, self.household_of(member))
        errors |= self.time_account_errors(member) | self.minutes_errors(minutes)
        if to == member or to not in self.members or (
                self.household_of(to) != self.household_of(member)):
            errors.add(ValidationError)
        elif self.account_errors(to):
            errors |= self.account_errors(to)
        cap = self.rulebook.timebank.max_minutes
        if not self.minutes_errors(minutes) and minutes > self.held_minutes(member):
            errors.add(InsufficientMinutes)
        if not self.minutes_errors(minutes) and cap is not None and (
                self.held_minutes(to) + minutes > cap):
            errors.add(LimitReached)

        def apply(result: Any) -> None:
            self.move_minutes(member, to, minutes)
            self.wrote()
        return self.accept(key, "donate_time", (member, to, minutes, by, memo), errors, apply,
                           label="time donated")

    def convert_time(self, member: str, minutes: int, *, by: Actor, key: str,
                     memo: str = "") -> Prediction:
        """Minutes to points: one unit of the time-bank item per ``unit_minutes``, for a
        member holding at least the threshold; the award follows the ``time_moved``."""
        policy = self.rulebook.timebank
        errors = self.authorise("convert_time", by, self.household_of(member))
        errors |= self.time_account_errors(member) | self.minutes_errors(minutes)
        held = self.held_minutes(member)
        points = 0
        if policy.item is None or held < policy.threshold_minutes:
            errors.add(NotEligible)
        if not self.minutes_errors(minutes):
            if minutes % policy.unit_minutes:
                errors.add(ValidationError)
            if minutes > held:
                errors.add(InsufficientMinutes)
            if not errors and policy.item is not None:
                points = self.item_points(policy.item) * (minutes // policy.unit_minutes)
                errors |= self.cap_errors(member, policy.item, points, self.stamp(1))

        def apply(result: Any) -> None:
            assert policy.item is not None
            self.move_minutes(member, TIMEBANK, minutes)
            self.post_entry("award", result.seq + 1, member, policy.item, points,
                            self.stamp(1))
            self.wrote(2)
        return self.accept(key, "convert_time", (member, minutes, by, memo), errors, apply,
                           label="time converted")
