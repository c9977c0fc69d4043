"""The independent model of the workflows: claims, wishes, service orders and the time bank.

Written from docs/workflows.md, docs/concepts.md and the commands' docstrings, never from the
library's code. `FlowModel` is a mixin of the whole model (``Model(FlowModel,
CoreModel)``): it keeps the cases and the time-bank minutes and asks the core for accounts,
roles, caps and postings. `FlowCore` here holds the cases, the one ``step`` command and the
due jobs; each flow's own commands and step rules are in ``_model_claims``, ``_model_wishes``,
``_model_orders`` and ``_model_timebank``, the flows' tables in ``_model_cases``. As
everywhere in the model, a command method returns a `Prediction` and changes nothing; its
``commit`` applies what the ledger accepted.

The rules it keeps (each a sentence of the docs):

- a case moves only along its flow's table (below), from the state it is in; a step the table
  does not allow is a ``StateError``;
- the deadlines are instants: the end of a claim's notice and appeal window, of a wish's
  claim and of its time on the wall are 00:00 local time after that many full days after the
  day of the step (a wish's ``list_days`` start again each time it goes back on the wall); an
  order's acceptance time is ``accept_hours`` after its dispatch, ``open_hours`` after it is
  opened to be grabbed; the due jobs act on cases whose deadline is at or before ``as_of``,
  oldest case first: a wish claimed too long goes back on the wall, one listed too long comes
  off it (``lapsed``), an order dispatched or open too long goes back to dispatch; every other
  waiting state has no deadline (docs/workflows.md, "Deadlines");
- the minutes given at an order's ``finish`` are at most the whole minutes since its
  ``start``;
- separation of duties: nobody reviews or decides a claim they submitted, checked, approved,
  objected to or appealed; the submitter of a wish does not list or reject it; the claimer of a
  wish does not confirm it, the volunteer of an order does not rate it; a deposit needs two
  reviewers, neither the volunteer nor the one who submitted it; a resident acts only for their
  own household and officials only for other households;
- a wish has one live claim; an order is held by one volunteer (or offered to a team) until
  declined or timed out; points post once per posted claim, confirmed wish and rated order;
- minutes are whole, held by members, and with ``@timebank`` always sum to zero.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    PermissionDenied,
    StateError,
    UnknownEntry,
    ValidationError,
)
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_cases import (
    ARGUMENTS,
    CLAIM_ACTED,
    DAY_US,
    DEADLINE_BOUND,
    IN_REVIEW,
    LIVE,
    MOST_MINUTES,
    REVIEWING,
    SYSTEM_STEPS,
    TABLES,
    Errors,
    FlowCase,
    _event_id,
    _frozen,
    _is_int,
    _text,
)
from pointsledger.testing._model_claims import ClaimSteps
from pointsledger.testing._model_orders import OrderSteps
from pointsledger.testing._model_timebank import TimeBankSteps
from pointsledger.testing._model_wishes import WishSteps

if TYPE_CHECKING:
    from pointsledger.testing._model import CoreModel

    _Base = CoreModel
else:
    _Base = object

class FlowCore(_Base):
    """The model of the workflows (a mixin of ``Model``), from the docs alone.

    ``cases`` (by id, in opening order) and ``minutes`` (by account, ``@timebank`` included)
    are the state; everything else is asked of the core (accounts, roles, caps, postings).
    """

    _cases: dict[str, FlowCase]
    _minutes: dict[str, int]

    # -- state ---------------------------------------------------------------------------

    @property
    def cases(self) -> dict[str, FlowCase]:
        """The cases by id, oldest first."""
        if not hasattr(self, "_cases"):
            self._cases = {}
        return self._cases

    @property
    def minutes(self) -> dict[str, int]:
        """Time-bank minutes by account (members and ``@timebank``; they sum to zero)."""
        if not hasattr(self, "_minutes"):
            self._minutes = {}
        return self._minutes

    def held_minutes(self, member: str) -> int:
        return self.minutes.get(member, 0)

    def open_case_accounts(self) -> set[str]:
        """Accounts with live cases (their own, or assigned to them): closing is refused."""
        found: set[str] = set()
        now = self.stamp()
        for case in self.cases.values():
            if case.flow not in TABLES:  # a matter: the matters' model counts its own
                continue
            # a posted claim counts only while its appeal window is open
            if case.flow == "claim" and case.state == "posted" and case.appeal_end_us <= now:
                continue
            # past its deadline a case is over when only deadline-bound steps (objecting,
            # appealing) are left from its state: a due job, or an official's decision, still
            # takes it on otherwise
            if 0 < case.due_us <= now and all(
                    step in DEADLINE_BOUND for state, step in TABLES[case.flow]
                    if state == case.state):
                continue
            if case.state in LIVE[case.flow]:
                found |= {case.account, case.household}
                if case.assignee:
                    found.add(case.assignee)
        return found - {None}

    def claims_open_through(self, through: _dt.date) -> bool:
        """Whether a claim for conduct on or before ``through`` is in review or notice."""
        end = self.day_start_us(through) + DAY_US
        return any(c.flow == "claim" and c.state in IN_REVIEW and c.occurred_us < end
                   for c in self.cases.values())

    # -- helpers -------------------------------------------------------------------------

    def stamp(self, n: int = 1) -> int:
        """When the n-th next event will be recorded (µs)."""
        return self.next_recorded_us(n)

    def days_after(self, us: int, days: int) -> int:
        """00:00 local time after ``days`` full days after the local day of ``us``."""
        day = self.local(us).date()
        return self.day_start_us(day + _dt.timedelta(days=days + 1))

    def is_member(self, actor_id: str) -> bool:
        """A registered member whose account (and household) is open."""
        return actor_id in self.members and not self.account_errors(actor_id)

    def authorise(self, command: str, by: Actor, household: str | None) -> Errors:
        """The policy's roles, then households: a resident acts only for their own household,
        officials only for others (someone who is both acts for their own as a resident)."""
        allowed = self.rulebook.policy.roles_for(command) & by.roles
        if not allowed:
            return {PermissionDenied}
        if household is None:
            return set()
        own = self.household_of(by.id) if by.id in self.members else None
        if own is not None and own == household:  # as a resident, never as an official
            return set() if "resident" in allowed else {PermissionDenied}
        return set() if allowed - {"resident"} else {PermissionDenied}

    def awards_own_household(self, by: Actor, earner: str) -> bool:
        """Whether a step by ``by`` would award points to their own household ("nobody
        awards ... for their own household", concepts.md invariant 13)."""
        own = self.household_of(by.id) if by.id in self.members else None
        return own is not None and own == self.household_of(earner)

    def may_serve(self, member: str, household: str) -> bool:
        """Orders go to open registered members holding a registered role granted
        ``order.accept``, never of the ordering household."""
        if not self.is_member(member):
            return False
        roles = self.members[member]["roles"] & self.rulebook.policy.roles_for("order.accept")
        return bool(roles) and self.household_of(member) != household

    def award_errors(self, account: str, item: str | None, points: int, at: int) -> str:
        """Why an award from a step would be withheld ("" when it posts)."""
        if item is None or points == 0:
            return "no item"
        if self.account_errors(account):
            return "closed"
        if self.cap_errors(account, item, points, at):
            return "cap"
        return ""

    def item_points(self, item: str | None) -> int:
        if item is None:
            return 0
        entry = next((i for i in self.rulebook.items if i.code == item), None)
        return 0 if entry is None else entry.points

    @staticmethod
    def minutes_errors(minutes: Any) -> Errors:
        if not _is_int(minutes) or not 1 <= minutes <= MOST_MINUTES:
            return {ValidationError}
        return set()

    @staticmethod
    def rating_errors(rating: Any) -> Errors:
        return set() if _is_int(rating) and 1 <= rating <= 5 else {ValidationError}

    def bad_as_of(self, as_of: Any) -> bool:
        if as_of is None:
            return False
        if not isinstance(as_of, _dt.datetime) or as_of.utcoffset() is None:
            return True
        return self.to_us(as_of) > self.stamp()

    def limit_us(self, as_of: _dt.datetime | None) -> int:
        """A due job's instant: ``as_of``, or the clock's reading (not the next recording
        time, which may be later; docs/ledger.md "Caps and time")."""
        return self.now_us() if as_of is None else self.to_us(as_of)

    @staticmethod
    def to_us(moment: _dt.datetime) -> int:
        """Whole microseconds since the epoch (pendulum's subtraction gives an Interval, so
        the instant is rebuilt as a plain UTC datetime first)."""
        utc = moment.astimezone(_dt.UTC)
        plain = _dt.datetime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second,
                             utc.microsecond)
        return (plain - _dt.datetime(1970, 1, 1)) // _dt.timedelta(microseconds=1)

    def opened(self, flow: str, account: str, household: str, subject: str, by: Actor,
               occurred_us: int) -> Any:
        """A commit that records a newly opened case under the ledger's id."""
        def apply(result: Any) -> None:
            case = FlowCase(flow, result.seq, result.id, account, household, subject, by.id,
                            occurred_us)
            self.setup_case(case)
            self.cases[case.id] = case
            if flow == "claim":  # docs/ledger.md: a claim fixes its rulebook version
                self.latest_occurred_us = max(self.latest_occurred_us, occurred_us)
            self.wrote()
        return apply

    def setup_case(self, case: FlowCase) -> None:
        """Fill a new case's flow-specific fields (set by the opening command)."""

    # -- opening commands ----------------------------------------------------------------

    @staticmethod
    def check_opened(result: Any, flow: str, state: str) -> list[str]:
        got = (getattr(result, "flow", None), getattr(result, "state", None))
        return [] if got == (flow, state) else [f"opened a {flow}: ledger {got}, model "
                                                f"{(flow, state)}"]

    # -- the one step command ------------------------------------------------------------

    def step(self, case: Any, step: str, *, by: Actor, key: str, memo: str = "",
             **args: Any) -> Prediction:
        """A workflow step (docs/workflows.md, "Reference: every step")."""
        found = self.cases.get(_event_id(case)) if isinstance(_event_id(case), str) else None
        payload = (_event_id(case), step, tuple(sorted((k, _frozen(v)) for k, v in
                                                       args.items())), by, memo)
        if found is None:
            return self.accept(key, "step", payload, {UnknownEntry}, lambda result: None)
        errors: Errors = set()
        table = TABLES[found.flow]
        if step in SYSTEM_STEPS[found.flow] or step not in ARGUMENTS[found.flow]:
            return self.accept(key, "step", payload, {ValidationError}, lambda result: None)
        required, optional = ARGUMENTS[found.flow][step]
        if any(name not in args for name in required) or any(
                name not in required + optional for name in args):
            errors.add(ValidationError)
        target = table.get((found.state, step))
        if target is None or self.switched_off(found, step):
            errors.add(StateError)
        rule = getattr(self, f"_{found.flow}_{step}")
        more, effect = rule(found, by, args)
        errors |= more
        label = f"{found.flow}.{step}"

        def check(result: Any) -> list[str]:
            state = effect.get("state", target)
            got = (getattr(result, "step", None), getattr(result, "state", None))
            problems = [] if got == (step, state) else [
                f"{label} on {found.id}: ledger {got}, model {(step, state)}"]
            more: list[str] = effect.get("check", lambda r: [])(result)
            return problems + more

        def apply(result: Any) -> None:
            found.state = effect.get("state", target)
            if by.id and step in (CLAIM_ACTED if found.flow == "claim" else REVIEWING[
                    found.flow]):
                found.acted.add(by.id)
            effect.get("apply", lambda r: None)(result)
            self.wrote(1 + int(effect.get("events", 0)))
        return self.accept(key, "step", payload, errors, apply, check, label=label)

    def switched_off(self, case: FlowCase, step: str) -> bool:
        """Steps the rulebook's claim policy switches off: with two review tiers a claim is
        checked before approval; with one there is no check."""
        if case.flow != "claim":
            return False
        tiers = self.rulebook.claims.review_tiers
        return (tiers == 2 and (case.state, step) == ("submitted", "approve")) or (
            tiers == 1 and step == "check")

    def reviewer_errors(self, case: FlowCase, command: str, by: Actor) -> Errors:
        """Roles and households, and nobody reviews what they acted on."""
        errors = self.authorise(command, by, case.household)
        if by.id in case.acted or by.id == case.account:
            errors.add(PermissionDenied)
        return errors

    def assignee_errors(self, case: FlowCase, command: str, by: Actor) -> Errors:
        """Roles, and only the case's assignee."""
        errors = self.authorise(command, by, None)
        if by.id != case.assignee:
            errors.add(PermissionDenied)
        return errors

    @staticmethod
    def reason_errors(args: dict[str, Any], name: str = "reason", *,
                      optional: bool = False) -> Errors:
        if name not in args:
            return set()
        value = args[name]
        if optional and value in (None, ""):
            return set()  # an optional reason may be left empty (docs/workflows.md, details)
        return set() if _text(value) else {ValidationError}

    # Each rule below returns (errors, effect): ``effect`` may hold "state" (when the next
    # state is not the table's), "apply" (what else the step does), "events" (events it
    # writes after the ``stepped`` one) and "check".

    # claims

    # wishes

    def unassign(self, case: FlowCase) -> Any:
        def apply(result: Any) -> None:
            case.assignee, case.team, case.due_us = "", (), 0
        return apply

    def earn(self, case: FlowCase, item: str | None, points: int) -> dict[str, Any]:
        """The effect of a step that awards ``points`` of ``item`` to the case's assignee:
        conduct at the step's own recording time (the award is recorded 1 µs after it)."""
        at = self.stamp(1)
        withheld = self.award_errors(case.assignee, item, points, at)
        if withheld:
            return {"events": 0}

        def apply(result: Any) -> None:
            assert item is not None
            self.post_entry("award", result.seq + 1, case.assignee, item, points,
                            self.stamp(1))
        return {"apply": apply, "events": 1}

    # orders

    # deposits

    def due_check(self, case: FlowCase, due: int) -> Any:
        """The ``due_us`` fact a step records must be the model's deadline."""
        def check(result: Any) -> list[str]:
            facts = dict(getattr(result, "facts", ()))
            got = facts.get("due_us")
            if got is not None and got != due:
                return [f"{case.flow} {case.id}: due_us {got}, model {due} "
                        f"({self.local(got)} vs {self.local(due)})"]
            return []
        return check

    # -- the time bank -------------------------------------------------------------------

    # -- due jobs ------------------------------------------------------------------------

    def due_cases(self, flow: str, state: str | tuple[str, ...], limit: int
                  ) -> list[FlowCase]:
        """The cases of ``flow`` in ``state`` (or one of the states) whose deadline is at or
        before ``limit``, oldest first."""
        states = (state,) if isinstance(state, str) else state
        return [c for c in self.cases.values()
                if c.flow == flow and c.state in states and 0 < c.due_us <= limit]

    def post_due(self, as_of: _dt.datetime | None = None) -> Prediction:
        """Each claim whose notice ended with no open objection posts: its ``post`` step and
        its award (or deduction), oldest claim first."""
        if self.bad_as_of(as_of):
            return Prediction.refused(ValidationError)
        due = self.due_cases("claim", "in_notice", self.limit_us(as_of))

        def check(result: Any) -> list[str]:
            want = [(c.seq, "post") for c in due]
            got = [(getattr(e, "case", None), getattr(e, "step", None)) for e in result[::2]]
            problems = [] if got == want and len(result) == 2 * len(due) else [
                f"post_due: ledger {[(e.kind, getattr(e, 'case', '')) for e in result]}, "
                f"model posts {want}"]
            for case, posting in zip(due, result[1::2], strict=False):
                if getattr(posting, "points", None) != case.points:
                    problems.append(f"post_due: claim {case.id} posted "
                                    f"{getattr(posting, 'points', None)}, model {case.points}")
                if getattr(posting, "occurred_us", None) != case.occurred_us:
                    problems.append(f"post_due: claim {case.id} occurred "
                                    f"{getattr(posting, 'occurred_us', None)}, model "
                                    f"{case.occurred_us}")
            return problems

        def commit(result: Any) -> None:
            self.learn(result)
            for case, posting in zip(due, result[1::2], strict=True):
                posted_at = self.stamp()
                self.pending[case.account] = self.pending.get(case.account, 0) - case.points
                if case.points > 0:
                    self.free_caps(case.account, case.subject, case.points, case.occurred_us)
                    self.post_entry("award", posting.seq, case.account, case.subject,
                                    case.points, case.occurred_us)
                else:
                    self.post_entry("deduct", posting.seq, case.account, case.subject,
                                    case.points, case.occurred_us)
                case.state, case.posting = "posted", posting.seq
                case.appeal_end_us = self.days_after(posted_at, self.rulebook.claims.appeal_days)
                case.due_us = case.appeal_end_us
                self.wrote(2)
        return Prediction(check=check, commit=commit,
                          label="claims posted" if due else "no claim due")

    def lapse_due(self, as_of: _dt.datetime | None = None) -> Prediction:
        """Each claimed wish whose claim time ended goes back on the wall, and each listed
        wish whose time on the wall ended comes off it (one ``lapse`` each, oldest first)."""
        if self.bad_as_of(as_of):
            return Prediction.refused(ValidationError)
        due = self.due_cases("wish", ("claimed", "listed"), self.limit_us(as_of))
        targets = [TABLES["wish"][(c.state, "lapse")] for c in due]

        def check(result: Any) -> list[str]:
            want = [(c.seq, "lapse", t) for c, t in zip(due, targets, strict=True)]
            got = [(getattr(e, "case", None), getattr(e, "step", None),
                    getattr(e, "state", None)) for e in result]
            return [] if got == want else [f"lapse_due: ledger {got}, model {want}"]

        def commit(result: Any) -> None:
            self.learn(result)
            for case, target in zip(due, targets, strict=True):
                back = self.days_after(self.stamp(), self.rulebook.wishes.list_days)
                case.state, case.assignee = target, ""
                case.due_us = back if target == "listed" else 0
                self.wrote(1)
        return Prediction(check=check, commit=commit,
                          label="wishes lapsed" if due else "no wish due")

    def time_out_due(self, as_of: _dt.datetime | None = None) -> Prediction:
        """Orders dispatched or open and not accepted in time go back to dispatch (one
        ``time_out`` each, oldest first), and reservations not picked up in time are released
        (the core's part)."""
        if self.bad_as_of(as_of):
            return Prediction.refused(ValidationError)
        limit = self.limit_us(as_of)
        due = self.due_cases("order", ("dispatched", "open"), limit)
        reservations = self.reservation_time_outs(limit)

        def check(result: Any) -> list[str]:
            orders = [e for e in result if getattr(e, "flow", None) == "order"]
            others = [getattr(e, "reservation", None) for e in result
                      if getattr(e, "flow", None) != "order"]
            want = [(c.seq, "time_out", "placed") for c in due]
            got = [(getattr(e, "case", None), getattr(e, "step", None),
                    getattr(e, "state", None)) for e in orders]
            problems = [] if got == want else [f"time_out_due: ledger {got}, model {want}"]
            if others != reservations:
                problems.append(f"time_out_due: reservations {others}, model {reservations}")
            return problems

        def commit(result: Any) -> None:
            self.learn(result)
            for case in due:
                case.state, case.assignee, case.team, case.due_us = "placed", "", (), 0
            self.wrote(len(due))
            self.time_out_reservations(limit)
            self.wrote(len(reservations))
        return Prediction(check=check, commit=commit,
                          label="orders timed out" if due else "no order due")


class FlowModel(ClaimSteps, WishSteps, OrderSteps, TimeBankSteps, FlowCore):
    """The workflows' model: the cases and the time-bank minutes, the one ``step`` command and
    the due jobs (`FlowCore`), with each flow's own commands and step rules."""
