"""The independent model of claims (积分申报): submitting a claim and its review, public
notice (公示), objection and appeal steps (docs/workflows.md, "Claims").

``ClaimSteps`` is a mixin of the workflows' model (``FlowModel``), written from the docs alone
like the rest of the model (`_model_base`): each step rule gives the errors the step must be
refused with and its effect; the one ``step`` command (`_model_flows`) dispatches to it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    AlreadyReversed,
    BackdatedTooFar,
    DeadlinePassed,
    EvidenceRequired,
    PermissionDenied,
    UnknownEntry,
    UnknownItem,
    ValidationError,
)
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_benefits import campaign_points
from pointsledger.testing._model_cases import (
    Errors,
    FlowCase,
    Rule,
    _event_id,
    _is_int,
)

if TYPE_CHECKING:
    from pointsledger.testing._model_flows import FlowCore

    _Base = FlowCore
else:
    _Base = object


class ClaimSteps(_Base):
    """The claims' part of the workflows' model."""

    def submit_claim(self, account: str, item: str, *, by: Actor, key: str,
                     occurred_at: _dt.datetime | None = None, quantity: int = 1,
                     evidence: Sequence[str] = (), memo: str = "") -> Prediction:
        """A claim (申报) of ``account``'s conduct; caps count the claims in notice."""
        household = self.household_of(account)
        errors = self.authorise("claim.submit", by, household) | self.account_errors(account)
        errors |= self.time_errors(occurred_at)
        if not _is_int(quantity) or not 1 <= quantity <= 10_000:
            errors.add(ValidationError)
        points, at = 0, 0
        if not errors & {ValidationError}:
            at = self.occurred_us(occurred_at)
            entry = next((i for i in self.rulebook.items if i.code == item), None)
            if entry is None:
                errors.add(UnknownItem)
            else:
                points = campaign_points(self.rulebook, item, quantity,
                                         self.local(at).date())
                if points < 0 and not self.rulebook.claims.deductions:
                    errors.add(ValidationError)
                if entry.evidence_required and not evidence:
                    errors.add(EvidenceRequired)
                if points > 0:
                    errors |= self.cap_errors(account, item, points, at)
                    if self.expired_already(at):
                        errors.add(BackdatedTooFar)
        payload = (account, item, None if occurred_at is None else at, quantity,
                   tuple(evidence), by, memo)
        opened = self.opened("claim", account, household or "", item, by, at)

        def apply(result: Any) -> None:
            opened(result)
            self.cases[result.id].points = points

        def check(result: Any) -> list[str]:
            return self.check_opened(result, "claim", "submitted")
        return self.accept(key, "submit_claim", payload, errors, apply, check,
                           label="claim submitted")

    def _claim_check(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.reviewer_errors(case, "claim.check", by), {}

    def _claim_approve(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.reviewer_errors(case, "claim.approve", by)
        if case.points > 0:
            errors |= self.cap_errors(case.account, case.subject, case.points,
                                      case.occurred_us)
        due = self.days_after(self.stamp(), self.rulebook.claims.notice_days)

        def apply(result: Any) -> None:
            case.due_us = due
            self.pending[case.account] = self.pending.get(case.account, 0) + case.points
            if case.points > 0:
                self.use_caps(case.account, case.subject, case.points, case.occurred_us)
        return errors, {"apply": apply, "check": self.due_check(case, due)}

    def _claim_reject(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.reviewer_errors(case, "claim.reject", by) | self.reason_errors(args), {
            "apply": lambda result: self.end_notice(case)}

    def _claim_withdraw(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.authorise("claim.withdraw", by, case.household)
        if by.id != case.opened_by:
            errors.add(PermissionDenied)
        return errors, {}

    def _claim_object(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.authorise("claim.object", by, None) | self.reason_errors(args)
        if not self.is_member(by.id):
            errors.add(PermissionDenied)
        if case.state in ("in_notice", "objected") and self.stamp() >= case.due_us:
            errors.add(DeadlinePassed)

        def apply(result: Any) -> None:
            case.objections.append(result.id)
        return errors, {"apply": apply}

    def _objection_errors(self, case: FlowCase, command: str, by: Actor,
                          args: dict[str, Any]) -> Errors:
        errors = self.reviewer_errors(case, command, by) | self.reason_errors(args)
        if "objection" in args and _event_id(args["objection"]) not in case.objections:
            errors.add(UnknownEntry)
        return errors

    def _claim_dismiss(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self._objection_errors(case, "claim.dismiss", by, args)
        left = [o for o in case.objections if o != _event_id(args.get("objection"))]

        def apply(result: Any) -> None:
            case.objections = left
        return errors, {"apply": apply, "state": "objected" if left else "in_notice"}

    def _claim_uphold(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self._objection_errors(case, "claim.uphold", by, args)

        def apply(result: Any) -> None:
            case.objections = []
            self.end_notice(case)
        return errors, {"apply": apply}

    def end_notice(self, case: FlowCase) -> None:
        """A claim leaves review or notice without posting: its pending points and the cap
        room it held are given back."""
        if case.due_us:
            self.pending[case.account] = self.pending.get(case.account, 0) - case.points
            if case.points > 0:
                self.free_caps(case.account, case.subject, case.points, case.occurred_us)
        case.due_us = 0

    def _claim_appeal(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.authorise("claim.appeal", by, None) | self.reason_errors(args)
        if not self.is_member(by.id):
            errors.add(PermissionDenied)
        if case.state == "posted" and self.stamp() >= case.appeal_end_us:
            errors.add(DeadlinePassed)

        def apply(result: Any) -> None:
            case.due_us = 0
        return errors, {"apply": apply}

    def _claim_dismiss_appeal(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.reviewer_errors(case, "claim.dismiss_appeal", by) | self.reason_errors(
            args)

        def apply(result: Any) -> None:
            case.due_us = case.appeal_end_us
        return errors, {"apply": apply}

    def _claim_uphold_appeal(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        errors = self.reviewer_errors(case, "claim.uphold_appeal", by) | self.reason_errors(
            args)
        posting = self.postings.get(case.posting)
        if posting is not None and posting.reversed:
            errors.add(AlreadyReversed)

        def apply(result: Any) -> None:
            if posting is not None:
                self.undo_posting(posting)

        def check(result: Any) -> list[str]:
            return []
        return errors, {"apply": apply, "events": 1, "check": check}
