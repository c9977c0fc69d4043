"""The independent model of the 清单制 matters, and the machine's rules for them.

Written from docs/matters.md and the docstrings of ``open_matter``, ``step`` and
``overdue_due``, never from the library's code (the working-day count below is the model's
own). `MatterModel` is a mixin of the whole model: a matter is a
`FlowCase` of flow ``matter`` with a
`MatterFacts` beside it. The rules it keeps:

- opening a matter of the lists in force gives a case in ``open`` whose first step is due
  after its time limit, or, for a negative-list entry, a case in ``refused`` (recorded, not an
  error); an unknown matter is ``NotFound``; no rulebook in force ``NoRulebookInForce``; a
  resident opens only for their own household, staff for anyone;
- the steps are recorded in order (another known step is a ``StateError``, an unknown one a
  ``ValidationError``) by a holder of the step's role (else ``PermissionDenied``), with
  evidence when the step needs it (else ``EvidenceRequired``); nobody of the household a
  matter is for, nor the one who asked for it, records its steps; after the last step the
  matter is ``ready``;
- a time limit of n working days counted from a day ends at 00:00 after the n-th Monday to
  Friday after that day; of n calendar days, at 00:00 n + 1 days after it;
- ``overdue_due`` marks each open matter whose deadline is at or before ``as_of`` overdue
  once (its deadline is then cleared), oldest first;
- a query names a step reached so far, by the policy's ``matter.query`` roles or the matter's
  supervisor; it is answered by the responsible role or the queried step's role (not of the
  matter's household); ``close`` (from ``ready``, by the responsible role, not of the matter's
  household) and ``withdraw`` (from ``open``, by the one who asked or the responsible role)
  wait until every query is answered (``StateError``).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, invariant, multiple, rule

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    EvidenceRequired,
    NoRulebookInForce,
    NotFound,
    PermissionDenied,
    StateError,
    UnknownEntry,
    ValidationError,
)
from pointsledger.rules.matters import Matter, ProcedureStep
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_cases import FlowCase
from pointsledger.testing._model_flows import FlowModel

if TYPE_CHECKING:
    from pointsledger.base.clock import ManualClock
    from pointsledger.ledger.ledger import Ledger
    from pointsledger.testing._model import Model

Errors = set[Any]
US = _dt.timedelta(microseconds=1)
ARGS = {"record": (("code",), ("evidence", "note")), "query": (("code", "text"), ()),
        "answer": (("query", "text"), ()), "close": ((), ("note",)),
        "withdraw": (("reason",), ())}
"""Each matter step's required and optional arguments (docs/matters.md)."""
STATES = {"record": {"open"}, "query": {"open", "ready"}, "answer": {"open", "ready"},
          "close": {"ready"}, "withdraw": {"open"}}
"""The states each step is taken from."""


class MatterFacts:
    """What the model keeps of a matter beyond its FlowCase."""

    def __init__(self, matter: Matter, rulebook: Rulebook) -> None:
        self.matter, self.rulebook = matter, rulebook
        self.done = 0
        """How many procedure steps are recorded."""
        self.late: list[str] = []
        self.overdue = ""
        self.queries: dict[str, str] = {}
        """Open queries: event id -> the step code they name."""

    @property
    def next(self) -> ProcedureStep | None:
        steps = self.matter.steps
        return steps[self.done] if self.done < len(steps) else None


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


class MatterModel(FlowModel):
    """The model of matters (a mixin of ``Model``)."""

    _matters: dict[str, MatterFacts]

    @property
    def matters(self) -> dict[str, MatterFacts]:
        if not hasattr(self, "_matters"):
            self._matters = {}
        return self._matters

    def limit_end_us(self, start_us: int, step: ProcedureStep | None) -> int:
        """When ``step``, started at ``start_us``, runs out of time (0: no limit)."""
        if step is None or step.days is None:
            return 0
        day = self.local(start_us).date()
        if step.day_kind == "calendar":
            return self.day_start_us(day + _dt.timedelta(days=step.days + 1))
        counted = 0
        while counted < step.days:
            day += _dt.timedelta(days=1)
            counted += day.isoweekday() <= 5
        return self.day_start_us(day + _dt.timedelta(days=1))

    def open_case_accounts(self) -> set[str]:
        found = super().open_case_accounts()
        for case_id in self.matters:
            case = self.cases[case_id]
            if case.state in ("open", "ready") and case.account:
                found |= {case.account, case.household}
        return found

    # -- opening -------------------------------------------------------------------------

    def open_matter(self, matter: str, *, request: str, by: Actor, key: str,
                    account: str | None = None, evidence: Any = (), memo: str = ""
                    ) -> Prediction:
        """Open a matter, or record the refusal of a negative-list one."""
        payload = (matter, request, account, tuple(evidence), by, memo)
        errors: Errors = set()
        if not _text(request):
            errors.add(ValidationError)
        household = None
        if account is not None:
            errors |= self.account_errors(account)
            household = self.household_of(account)
        errors |= self.authorise("matter.open", by, household)
        rulebook = self.version_at(self.stamp())
        found: Matter | None = None
        if rulebook is None:
            errors.add(NoRulebookInForce)
        else:
            found = next((m for m in rulebook.matters if m.code == matter), None)
            if found is None:
                errors.add(NotFound)
        refused = found is not None and found.kind == "negative"
        first = found.steps[0] if found is not None and found.steps else None
        due = 0 if refused else self.limit_end_us(self.stamp(), first)

        def check(result: Any) -> list[str]:
            got = (result.state, dict(result.facts).get("due_us", 0))
            want = ("refused" if refused else "open", due)
            return [] if got == want else [f"open_matter: (state, due) ledger {got}, model "
                                           f"{want}"]

        def apply(result: Any) -> None:
            assert found is not None and rulebook is not None
            case = FlowCase("matter", result.seq, result.id, account or "", household or "",
                            matter, by.id, self.stamp())
            case.state, case.due_us = ("refused" if refused else "open"), due
            self.cases[case.id] = case
            self.matters[case.id] = MatterFacts(found, rulebook)
            self.wrote()
        return self.accept(key, "open_matter", payload, errors, apply, check,
                           label="matter refused (负面清单)" if refused else "matter opened")

    # -- steps ---------------------------------------------------------------------------

    def step(self, case: Any, step: str, *, by: Actor, key: str, memo: str = "",
             **args: Any) -> Prediction:
        case_id = getattr(case, "id", case)
        if not isinstance(case_id, str) or case_id not in self.matters:
            return super().step(case, step, by=by, key=key, memo=memo, **args)
        found, facts = self.cases[case_id], self.matters[case_id]
        payload = (case_id, step, tuple(sorted((k, getattr(v, "id", v) if not isinstance(
            v, list | tuple) else tuple(v)) for k, v in args.items())), by, memo)
        if step not in ARGS:
            return self.accept(key, "step", payload, {ValidationError}, lambda result: None)
        required, optional = ARGS[step]
        errors: Errors = set()
        if any(n not in args for n in required) or any(n not in required + optional
                                                       for n in args):
            errors.add(ValidationError)
        # a step's arguments are checked before its state: a blank reason or text is refused
        # as such whatever the state (docs/workflows.md)
        if any(name in args and not _text(args[name]) for name in ("reason", "text")):
            errors.add(ValidationError)
        if found.state not in STATES[step]:
            errors.add(StateError)
            return self.accept(key, "step", payload, errors, lambda result: None)
        rule_errors, effect = getattr(self, f"_matter_{step}")(found, facts, by, args)
        errors |= rule_errors
        state = effect.get("state", found.state)

        due = effect.get("due", found.due_us if step in ("query", "answer") else 0)

        def check(result: Any) -> list[str]:
            got = (result.step, result.state, dict(result.facts).get("due_us", 0))
            want = (step, state, due)
            return [] if got == want else [f"matter.{step} on {case_id}: ledger {got}, "
                                           f"model {want}"]

        def apply(result: Any) -> None:
            found.state, found.due_us = state, due
            effect.get("apply", lambda r: None)(result)
            self.wrote()
        return self.accept(key, "step", payload, errors, apply, check, label=f"matter.{step}")

    def _own(self, case: FlowCase, by: Actor, *, asked: bool) -> Errors:
        """Nobody of the household a matter is for; for recording, not the one who asked."""
        if not case.household:
            return set()
        own = self.household_of(by.id) if by.id in self.members else None
        if own == case.household or (asked and by.id == case.opened_by):
            return {PermissionDenied}
        return set()

    def _matter_record(self, case: FlowCase, facts: MatterFacts, by: Actor,
                       args: dict[str, Any]) -> tuple[Errors, dict[str, Any]]:
        codes = [s.code for s in facts.matter.steps]
        code = args.get("code")
        step = facts.next
        if code not in codes or step is None:
            return {ValidationError}, {}
        if code != step.code:
            return {StateError}, {}
        errors: Errors = set()
        if step.role not in by.roles:
            errors.add(PermissionDenied)
        errors |= self._own(case, by, asked=True)
        evidence = args.get("evidence", ())
        if not isinstance(evidence, list | tuple) or not all(_text(e) for e in evidence):
            errors.add(ValidationError)
        elif step.evidence_required and not evidence:
            errors.add(EvidenceRequired)
        following = facts.matter.steps[facts.done + 1:]
        due = self.limit_end_us(self.stamp(), following[0] if following else None)

        def apply(result: Any) -> None:
            facts.done += 1
            facts.overdue = ""
        return errors, {"state": "open" if following else "ready", "due": due, "apply": apply}

    def _matter_query(self, case: FlowCase, facts: MatterFacts, by: Actor,
                      args: dict[str, Any]) -> tuple[Errors, dict[str, Any]]:
        errors: Errors = set()
        rulebook = self.version_at(self.stamp()) or facts.rulebook
        allowed = set(rulebook.policy.roles_for("matter.query")) | {facts.matter.supervisor}
        if not by.roles & allowed:
            errors.add(PermissionDenied)
        reached = [s.code for s in facts.matter.steps[:facts.done + 1]]
        if args.get("code") not in reached or not _text(args.get("text")):
            errors.add(ValidationError)

        def apply(result: Any) -> None:
            facts.queries[result.id] = args["code"]
        return errors, {"apply": apply}

    def _matter_answer(self, case: FlowCase, facts: MatterFacts, by: Actor,
                       args: dict[str, Any]) -> tuple[Errors, dict[str, Any]]:
        query = getattr(args.get("query"), "id", args.get("query"))
        if query not in facts.queries:
            return {UnknownEntry}, {}
        queried = next(s for s in facts.matter.steps if s.code == facts.queries[query])
        errors: Errors = set()
        if not by.roles & {facts.matter.role, queried.role}:
            errors.add(PermissionDenied)
        errors |= self._own(case, by, asked=False)
        if not _text(args.get("text")):
            errors.add(ValidationError)
        return errors, {"apply": lambda result: facts.queries.pop(query)}

    def _matter_close(self, case: FlowCase, facts: MatterFacts, by: Actor,
                      args: dict[str, Any]) -> tuple[Errors, dict[str, Any]]:
        errors: Errors = set()
        if facts.matter.role not in by.roles:
            errors.add(PermissionDenied)
        errors |= self._own(case, by, asked=False)
        if facts.queries:
            errors.add(StateError)
        return errors, {"state": "closed"}

    def _matter_withdraw(self, case: FlowCase, facts: MatterFacts, by: Actor,
                         args: dict[str, Any]) -> tuple[Errors, dict[str, Any]]:
        errors: Errors = set()
        if by.id != case.opened_by and facts.matter.role not in by.roles:
            errors.add(PermissionDenied)
        if facts.queries:
            errors.add(StateError)
        if not _text(args.get("reason")):
            errors.add(ValidationError)
        return errors, {"state": "withdrawn"}

    # -- the due job ---------------------------------------------------------------------

    def overdue_due(self, as_of: _dt.datetime | None = None) -> Prediction:
        """Each open matter whose step's deadline passed by ``as_of`` is marked overdue, under
        the key ``@matter/<seq>/overdue/<n>`` (docs/matters.md)."""
        if self.bad_as_of(as_of):
            return Prediction.refused(ValidationError)
        due = [c for c in self.due_cases("matter", "open", self.limit_us(as_of))]

        def check(result: Any) -> list[str]:
            want = [(c.seq, "overdue", "open", f"@matter/{c.seq}/overdue") for c in due]
            got = [(e.case, e.step, e.state, e.key.rsplit("/", 1)[0]) for e in result]
            return [] if got == want else [f"overdue_due: ledger {got}, model {want}"]

        def commit(result: Any) -> None:
            self.learn(result)
            for case in due:
                facts = self.matters[case.id]
                assert facts.next is not None
                facts.late.append(facts.next.code)
                facts.overdue = facts.next.code
                case.due_us = 0
            self.wrote(len(due))
        return Prediction(check=check, commit=commit,
                          label="steps overdue" if due else "nothing overdue")


# -- the machine's rules -------------------------------------------------------------------


class MatterRules:
    """Hypothesis rules for matters (a mixin of ``ModelMachine``): opening (for households,
    members or the village; negative-list and unknown codes; residents for other households),
    each step by mostly the right actor with mostly the right arguments, supervision queries
    and answers, closing and withdrawing with queries open, and the overdue job at and 1 µs
    before deadlines."""

    if TYPE_CHECKING:
        model: Model
        ledger: Ledger
        clock: ManualClock
        committee: Actor
        grid_worker: Actor

        @property
        def accounts(self) -> list[str]: ...

        def both(self, name: str, /, *args: Any, **kwargs: Any) -> Any: ...

        def keyed(self, name: str, /, *args: Any, **kwargs: Any) -> Any: ...

        def fresh_key(self) -> str: ...

        def resident(self, household: str | None) -> Actor: ...

    matter_cases = Bundle("matters")
    party_branch = Actor("test-party-branch", roles={"party_branch"})
    party_meeting = Actor("test-party-meeting", roles={"party_members_meeting"})
    representatives = Actor("test-representatives", roles={"villager_representatives"})
    supervisor = Actor("test-supervisor", roles={"supervision_committee"})
    member_official = Actor("M11", roles={"committee", "grid_worker", "resident"})
    """An official of household H1 (for the matters of their own household)."""

    def matter_people(self) -> list[Actor]:
        return [self.committee, self.grid_worker, self.party_branch, self.party_meeting,
                self.representatives, self.supervisor, self.member_official,
                self.resident("H2"), self.resident("H3")]

    @rule(target=matter_cases, data=st.data(),
          matter=st.sampled_from(["XW-01", "BM-01", "BM-01", "XZ-01", "FM-01", "NO-01"]),
          request=st.sampled_from(["修建村道", "申请低保", "", "开具证明"]))
    def open_matter(self, data: st.DataObject, matter: str, request: str) -> Any:
        account = data.draw(st.sampled_from([None, None, *self.accounts, "H9"]),
                            label="account")
        household = self.model.household_of(account) if account else None
        by = data.draw(st.sampled_from([self.grid_worker, self.committee, self.party_branch,
                                        self.resident(household), self.resident("H3"),
                                        self.supervisor]), label="by")
        result = self.keyed("open_matter", matter, request=request, by=by,
                            key=self.fresh_key(), account=account,
                            evidence=data.draw(st.sampled_from([(), ("申请表",)]),
                                               label="evidence"))
        if result is None or result.state != "open":
            return multiple()
        for _ in range(data.draw(st.integers(0, 7), label="walk")):
            self.matter_step(data, result.id)
        return result.id

    def matter_args(self, data: st.DataObject, case_id: str, step: str) -> dict[str, Any]:
        facts = self.model.matters[case_id]
        codes = [s.code for s in facts.matter.steps]
        following = facts.next
        good = data.draw(st.integers(0, 9), label="good args?") < 8
        if step == "record":
            code = following.code if following is not None and good else data.draw(
                st.sampled_from([*codes, "nope"]), label="code")
            args: dict[str, Any] = {"code": code}
            if good or data.draw(st.booleans(), label="evidence?"):
                args["evidence"] = ["会议记录照片"]
            return args
        if step == "query":
            reached = codes[:facts.done + 1] if good else [*codes, "nope"]
            return {"code": data.draw(st.sampled_from(reached), label="code"),
                    "text": "请说明理由" if good else ""}
        if step == "answer":
            queries = list(facts.queries) or [case_id]
            return {"query": data.draw(st.sampled_from(queries), label="query"),
                    "text": "已说明"}
        if step == "withdraw":
            return {"reason": "申请人撤回" if good else ""}
        return {}

    @rule(data=st.data(), case=matter_cases,
          action=st.sampled_from(["step", "step", "step", "step", "deadline", "job"]))
    def a_matter_step(self, data: st.DataObject, case: str, action: str) -> None:
        """A step of the matter (few rules, so that the machine's other rules keep their
        share of the runs), or a deadline and the overdue job, or the job at some time."""
        if action == "step":
            self.matter_step(data, case)
        elif action == "deadline":
            self.to_a_matter_deadline(data)
        else:
            self.overdue_job(data.draw(st.sampled_from(["default", "now", "a day ago",
                                                        "future 1µs"]), label="when"))

    def matter_step(self, data: st.DataObject, case_id: str) -> None:
        found = self.model.cases[case_id]
        allowed = [s for s, states in STATES.items() if found.state in states]
        weights = ["record", "record", "record", "close", "query", "answer"]
        choices = [s for s in weights if s in allowed] or ["record"]
        step = data.draw(st.sampled_from(choices) if data.draw(
            st.integers(0, 9), label="allowed?") < 9 else st.sampled_from(
            ["withdraw", "overdue", "reject", "close"]), label="step")
        args = self.matter_args(data, case_id, step)
        people = [*self.matter_people(), Actor(found.opened_by, roles={"committee"})]
        if data.draw(st.integers(0, 9), label="right actor?") < 8:
            right = [a for a in people if self.model.step(
                case_id, step, by=a, key="probe", **args).accepted]
            people = right or people
        by = data.draw(st.sampled_from(people), label="by")
        self.keyed("step", case_id, step, by=by, key=self.fresh_key(), **args)

    def to_a_matter_deadline(self, data: st.DataObject) -> None:
        """The clock to a step's deadline (or 1 µs before, or later), then the overdue job,
        twice: the second run finds nothing new."""
        cases = sorted((c for c in self.model.cases.values()
                        if c.flow == "matter" and c.due_us), key=lambda c: c.seq)
        if not cases:
            return
        edge = data.draw(st.sampled_from(["at", "1µs before", "a week after"]), label="edge")
        case = data.draw(st.sampled_from(cases), label="case")
        target = case.due_us + {"at": 0, "1µs before": -1,
                                "a week after": 7 * 86_400_000_000}[edge]
        if target <= self.model.next_recorded_us():
            return
        self.clock.set(self.model.local(target))
        event(f"matter: {edge} a step's deadline")
        self.both("overdue_due", None)
        again = self.both("overdue_due", None)
        assert again == (), f"overdue_due ran twice: {again}"

    def overdue_job(self, when: str) -> None:
        now = self.clock()
        as_of = {"default": None, "now": now, "a day ago": now - _dt.timedelta(days=1),
                 "future 1µs": now + US}[when]
        self.both("overdue_due", as_of)

    @invariant()
    def matters_agree(self) -> None:
        """Each matter's next step, late steps, overdue step and open queries are the
        model's."""
        if not hasattr(self, "model"):
            return
        for case_id, facts in self.model.matters.items():
            case = self.ledger.case(case_id)
            if case.state == "refused":
                continue
            nxt = facts.next
            mine = (nxt.code if nxt else "", tuple(facts.late), facts.overdue,
                    sorted(facts.queries))
            theirs = (case.detail("next"), tuple(case.detail("late", ())),
                      case.detail("overdue"), sorted(self.ledger.event(s).id
                                                     for s in case.objections))
            assert mine == theirs, f"matter {case_id}: ledger {theirs}, model {mine}"
