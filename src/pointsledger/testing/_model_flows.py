"""The independent model of the workflows: claims, wishes, service orders and the time bank.

Written from docs/workflows.md, docs/concepts.md and the commands' docstrings, never from the
library's code. `FlowModel` is a mixin of the whole model (``Model(FlowModel,
CoreModel)``): it keeps the cases and the time-bank minutes and asks the core for accounts,
roles, caps and postings. As everywhere in the model, a command method returns a
`Prediction` and changes nothing; its ``commit`` applies
what the ledger accepted.

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
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    AlreadyReversed,
    BackdatedTooFar,
    DeadlinePassed,
    EvidenceRequired,
    InsufficientMinutes,
    LimitReached,
    NotEligible,
    NotFound,
    PermissionDenied,
    PointsLedgerError,
    StateError,
    UnknownAccount,
    UnknownEntry,
    UnknownItem,
    ValidationError,
)
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_benefits import campaign_points

if TYPE_CHECKING:
    from pointsledger.testing._model import CoreModel

    _Base = CoreModel
else:
    _Base = object

Errors = set[type[PointsLedgerError]]
Rule = tuple[Errors, dict[str, Any]]
"""A step rule's errors and effect."""

TIMEBANK = "@timebank"
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
MOST_MINUTES = 1_000_000
MOST_VALUE = 1_000_000

TABLES: dict[str, dict[tuple[str, str], str]] = {
    "claim": {
        ("submitted", "check"): "checked",
        ("submitted", "approve"): "in_notice", ("checked", "approve"): "in_notice",
        ("submitted", "reject"): "rejected", ("checked", "reject"): "rejected",
        ("submitted", "withdraw"): "withdrawn", ("checked", "withdraw"): "withdrawn",
        ("in_notice", "object"): "objected", ("objected", "object"): "objected",
        ("objected", "dismiss"): "in_notice", ("objected", "uphold"): "rejected",
        ("in_notice", "post"): "posted",
        ("posted", "appeal"): "appealed",
        ("appealed", "dismiss_appeal"): "posted", ("appealed", "uphold_appeal"): "reversed",
    },
    "wish": {
        ("submitted", "list"): "listed", ("submitted", "reject"): "rejected",
        ("submitted", "withdraw"): "withdrawn", ("listed", "withdraw"): "withdrawn",
        ("submitted", "take_down"): "taken_down", ("listed", "take_down"): "taken_down",
        ("taken_down", "restore"): "listed",
        ("listed", "claim"): "claimed",
        ("claimed", "release"): "listed", ("claimed", "revoke"): "listed",
        ("claimed", "lapse"): "listed", ("listed", "lapse"): "lapsed",
        ("claimed", "fulfil"): "fulfilled", ("fulfilled", "confirm"): "confirmed",
        ("confirmed", "close"): "closed",
    },
    "order": {
        ("placed", "reject"): "rejected",
        ("placed", "dispatch"): "dispatched", ("open", "dispatch"): "dispatched",
        ("placed", "open"): "open",
        ("dispatched", "accept"): "accepted", ("open", "accept"): "accepted",
        ("dispatched", "decline"): "placed", ("dispatched", "time_out"): "placed",
        ("open", "time_out"): "placed",
        ("placed", "cancel"): "cancelled", ("dispatched", "cancel"): "cancelled",
        ("open", "cancel"): "cancelled",
        ("accepted", "start"): "in_service", ("in_service", "finish"): "done",
        ("done", "rate"): "rated", ("rated", "close"): "closed",
    },
    "deposit": {
        ("submitted", "approve"): "approved_once", ("approved_once", "approve"): "deposited",
        ("submitted", "reject"): "rejected", ("approved_once", "reject"): "rejected",
    },
}
"""Each flow's transition table, ``(state, step) -> next state`` (docs/workflows.md)."""

SYSTEM_STEPS = {"claim": {"post"}, "wish": {"lapse"}, "order": {"time_out"},
                "deposit": set()}
"""Steps only the due jobs take."""

ARGUMENTS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "claim": {
        "check": ((), ()), "approve": ((), ()), "reject": (("reason",), ()),
        "withdraw": ((), ()), "object": (("reason",), ()),
        "dismiss": (("objection", "reason"), ()), "uphold": (("objection", "reason"), ()),
        "appeal": (("reason",), ()), "dismiss_appeal": (("reason",), ()),
        "uphold_appeal": (("reason",), ()),
    },
    "wish": {
        "list": (("category",), ()), "reject": (("reason",), ()),
        "withdraw": ((), ("reason",)), "take_down": (("reason",), ()), "restore": ((), ()),
        "claim": ((), ()), "release": ((), ("reason",)), "revoke": (("reason",), ()),
        "fulfil": (("evidence",), ()), "confirm": (("rating",), ("comment",)),
        "close": ((), ("feedback",)),
    },
    "order": {
        "reject": (("reason",), ()), "dispatch": ((), ("volunteer", "team")),
        "open": ((), ()), "accept": ((), ()), "decline": ((), ("reason",)),
        "cancel": ((), ("reason",)), "start": ((), ()), "finish": (("minutes",), ()),
        "rate": (("rating",), ("comment",)), "close": ((), ()),
    },
    "deposit": {"approve": ((), ()), "reject": (("reason",), ())},
}
"""Each step's required and optional arguments (the reference table of docs/workflows.md)."""

CLAIM_REVIEW = {"check", "approve", "reject", "dismiss", "uphold", "dismiss_appeal",
                "uphold_appeal"}
"""Claim steps that review or decide: never by one who submitted, checked, approved,
objected to or appealed the claim."""

CLAIM_ACTED = {"submit", "check", "approve", "object", "appeal"}
"""Claim steps whose actor may then no longer review or decide the claim."""

REVIEWING = {"claim": CLAIM_REVIEW, "wish": {"list", "reject"},
             "order": set(), "deposit": {"approve", "reject"}}

DEADLINE_BOUND = {"object", "appeal"}
"""Steps refused from the instant their state's deadline passes (DeadlinePassed)."""
IN_REVIEW = {"submitted", "checked", "in_notice", "objected"}
"""Claim states that keep a period open (close_period waits for them)."""

LIVE = {
    "matter": {"open", "ready"},
    "claim": {"submitted", "checked", "in_notice", "objected", "posted", "appealed"},
    "wish": {"submitted", "listed", "claimed", "fulfilled", "confirmed", "taken_down"},
    "order": {"placed", "open", "dispatched", "accepted", "in_service", "done", "rated"},
    "deposit": {"submitted", "approved_once"},
}
"""States with a step out (a posted claim counts while its appeal window is open, see
``open_case_accounts``)."""


class FlowCase:
    """A workflow case as the model knows it (plain fields; ``id`` learnt from the ledger)."""

    def __init__(self, flow: str, seq: int, id: str, account: str, household: str,
                 subject: str, opened_by: str, occurred_us: int) -> None:
        self.flow, self.seq, self.id = flow, seq, id
        self.account, self.household, self.subject = account, household, subject
        self.opened_by, self.occurred_us = opened_by, occurred_us
        self.state = "submitted" if flow != "order" else "placed"
        self.due_us = 0
        self.acted: set[str] = {opened_by}
        """Who may no longer review or decide it (separation of duties)."""
        self.assignee = ""
        self.team: tuple[str, ...] = ()
        self.points = 0
        """A claim's signed points."""
        self.objections: list[str] = []
        """A claim's open objections (event ids)."""
        self.appeal_end_us = 0
        self.posting = 0
        """The seq of the event that posted the claim's points (0: none)."""
        self.value: int | None = None
        """A wish's worth in yuan."""
        self.minutes = 0
        """A deposit's minutes, an order's minutes of service."""
        self.started_us = 0
        """When an order's service started."""

    def __repr__(self) -> str:
        return (f"FlowCase({self.flow} {self.id} {self.state} account={self.account} "
                f"assignee={self.assignee!r} due_us={self.due_us})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> bool:
    """A non-empty string."""
    return isinstance(value, str) and bool(value.strip())


def _event_id(value: Any) -> Any:
    """An event or its id, as the id (payloads and lookups)."""
    return getattr(value, "id", value)


def _frozen(value: Any) -> Any:
    """A hashable, comparable form of an argument (for idempotency payloads)."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return _event_id(value)


class FlowModel(_Base):
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

    # wishes

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

    def unassign(self, case: FlowCase) -> Any:
        def apply(result: Any) -> None:
            case.assignee, case.team, case.due_us = "", (), 0
        return apply

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

    def _wish_close(self, case: FlowCase, by: Actor, args: dict[str, Any]) -> Rule:
        return self.authorise("wish.close", by, case.household), {}

    # orders

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

    # deposits

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
