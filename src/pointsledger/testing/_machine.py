"""LedgerMachine: a hypothesis state machine that drives a ledger built on an app's rulebook and
checks every invariant after every step against an independent model."""

from __future__ import annotations

import datetime as _dt
import shutil
import tempfile
from collections import defaultdict
from typing import Any, ClassVar

import pendulum
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis import target
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from pointsledger.base.actors import COMMITTEE, GRID_WORKER, RESIDENT, Actor
from pointsledger.base.clock import to_us
from pointsledger.core.events import Stepped
from pointsledger.errors import (
    AlreadyReversed,
    BackdatedTooFar,
    CapExceeded,
    IdempotencyConflict,
    PeriodClosed,
    PermissionDenied,
    PointsLedgerError,
    ValidationError,
)
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._coverage import CoveredMachine
from pointsledger.testing._invariants import cap_counters, check_invariants
from pointsledger.testing._store_rules import StoreRules, ledger_snapshot
from pointsledger.testing._strategies import Village

STORE_KINDS = ("redemption", "reservation", "hand-over", "redemption reversal")
"""The store's kinds of success that teardown reports as missing when a run had none."""


def default_village(rulebook: Rulebook) -> Village:
    """Four households in two grids; H001 and H002 each have a member who is a grid worker."""
    return Village(
        rulebook,
        ("G1", "G2"),
        (("H001", "G1", "张三"), ("H002", "G1", "欧阳明"), ("H003", "G2", "李四"),
         ("H004", "G2", "王五")),
        (("M001", "H001", "张三", frozenset({RESIDENT, GRID_WORKER})),
         ("M002", "H002", "欧阳明", frozenset({RESIDENT, GRID_WORKER}))),
        pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai"),
    )


class LedgerMachine(CoveredMachine, StoreRules, RuleBasedStateMachine):
    """Random command sequences, valid and invalid, against a model of what the ledger holds.

    Subclass it with your rulebook (and optionally your village plan) and run its ``TestCase``::

        class MyRules(LedgerMachine):
            rulebook = my_rulebook

        TestMyRules = MyRules.TestCase

    After every step it checks :func:`check_invariants`, that every balance equals the model's,
    and that the event count is the model's; each refused command is checked to have written
    nothing and each repeated command to return its first result. Set ``backend = "sqlite"``
    to run on a real SQLite file (the machine then also closes and reopens it).
    """

    rulebook: ClassVar[Rulebook | None] = None
    village: ClassVar[Village | None] = None
    backend: ClassVar[str] = "memory"

    entries = Bundle("entries")

    def __init__(self) -> None:
        super().__init__()
        plan = self.village or default_village(self._rules())
        self.plan = plan
        self.tmp = tempfile.mkdtemp() if self.backend == "sqlite" else None
        self.path = f"{self.tmp}/machine.db" if self.tmp else None
        self.ledger, self.clock = plan.build(self.path)
        self.checklist = plan.rulebook
        self.awards = sorted(i.code for i in self.checklist.items if i.points > 0)
        self.deductions = sorted(i.code for i in self.checklist.items if i.points < 0)
        self.balances: dict[str, int] = defaultdict(int)
        self.used: dict[Any, int] = defaultdict(int)
        self.requests: dict[str, tuple[str, str, str, dict[str, Any], Any]] = {}
        self.reversed: set[int] = set()
        self.held: dict[str, int] = defaultdict(int)
        self.stock: dict[str, int] = defaultdict(int)
        self.open: dict[int, Any] = {}
        self.redemptions: list[Any] = []
        self.rewards = sorted(r.code for r in self.checklist.rewards)
        self.keeper = Actor("test-store-keeper", roles={"store_keeper"})
        self.closed_before: pendulum.DateTime | None = None
        self.pending: dict[str, int] = defaultdict(int)
        # claims in notice: id -> (account, points, cap counters, occurred, notice end)
        self.claims: dict[str, tuple[str, int, list[Any], pendulum.DateTime,
                                     pendulum.DateTime]] = {}
        self.checker = Actor("test-claim-checker", roles={GRID_WORKER})
        self.approver = Actor("test-claim-approver", roles={COMMITTEE})
        self.events = self.ledger.head
        self.n = 0
        # what succeeded in this run, by kind: teardown reports it as events and a target
        self.done: dict[str, int] = defaultdict(int)

    @classmethod
    def _rules(cls) -> Rulebook:
        if cls.rulebook is None:
            raise TypeError("set the rulebook class attribute of your LedgerMachine subclass")
        return cls.rulebook

    @classmethod
    def expected_successes(cls) -> tuple[str, ...]:
        """Awards, and with rewards in the rulebook the store's kinds of success."""
        rules = cls.village.rulebook if cls.village else cls._rules()
        return ("award", *(STORE_KINDS if rules.rewards else ()))

    def teardown(self) -> None:
        self.ledger.close()
        self.count_run()
        self._report_run()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers --------------------------------------------------------------------------
    def fresh_key(self) -> str:
        self.n += 1
        return f"machine-{self.n}"

    def succeeded(self, kind: str, count: int = 1) -> None:
        """Count ``count`` successful commands of ``kind`` in this run (see :meth:`teardown`)."""
        self.done[kind] += count
        for _ in range(count):
            self.count_success(kind)

    def _report_run(self) -> None:
        """One event per kind of command that succeeded in this run, one per store kind that
        never did (``--hypothesis-show-statistics`` shows how many runs reached each), and a
        target: hypothesis steers towards runs where the store did more."""
        for kind in sorted(self.done):
            note_event(f"run: {kind} succeeded")
        if self.rewards:
            for kind in STORE_KINDS:
                if not self.done.get(kind):
                    note_event(f"run: no {kind}")
            target(float(sum(self.done.get(kind, 0) for kind in STORE_KINDS)),
                   label="store commands that succeeded")
        target(float(sum(self.done.values())), label="commands that succeeded")

    def refused(self, error: type[Exception], call: Any) -> None:
        before = ledger_snapshot(self.ledger)
        try:
            call()
        except error as exc:
            note_event(f"refused: {type(exc).__name__}")
            self.count_refusal("command", type(exc).__name__)
        else:
            raise AssertionError(f"expected {error.__name__}")
        assert ledger_snapshot(self.ledger) == before, "a refused command wrote something"

    def expected_refusal(self, occurred: pendulum.DateTime, points: int,
                         counters: list[Any]) -> type[Exception] | None:
        if self.closed_before is not None and occurred < self.closed_before:
            return PeriodClosed
        # the window counts back from the ledger's own now, which may lie a few microseconds
        # past the clock (recorded times strictly increase)
        if to_us(occurred) < self._now_us() - 90 * 86_400_000_000:
            return BackdatedTooFar
        if points > 0:
            for key, cap in counters:
                if self.used[key] + points > cap.max_points:
                    return CapExceeded
            # points already expired under the expiry policy are never awarded
            expires = self.checklist.expiry.expires_us(to_us(occurred), self.plan.tz,
                                                       pendulum.timezone(self.plan.tz))
            if expires is not None and expires <= self._now_us():
                return BackdatedTooFar
        return None

    @initialize(data=st.data())
    def opening_awards(self, data: st.DataObject) -> None:
        """Every account starts with an award of the smallest award item (one to three
        units, as its caps allow), so the store has customers from the first step."""
        if not self.awards:
            return
        item = min(self.awards, key=lambda code: self.checklist.item(code).points)
        unit = self.checklist.item(item).points
        for account in self.plan.accounts:
            occurred = self.clock()
            counters = cap_counters(account, self.checklist, item, to_us(occurred),
                                    self.plan.tz)
            most = min([3, *((cap.max_points - self.used[k]) // unit for k, cap in counters)])
            if most < 1:
                continue
            quantity = data.draw(st.integers(1, most), label=f"opening units for {account}")
            key = self.fresh_key()
            args = dict(by=self.plan.grid_worker, key=key, occurred_at=occurred,
                        quantity=quantity, evidence=("photo-1",))
            posted = self.ledger.award(account, item, **args)
            self.events += 1
            self.balances[account] += posted.points
            for counter, _cap in counters:
                self.used[counter] += posted.points
            self.requests[key] = ("award", account, item, args, posted)
            self.succeeded("award")

    @initialize(data=st.data())
    def opening_stock(self, data: st.DataObject) -> None:
        """An opening stock of each reward: often only a unit or a few, so that reservations
        and redemptions reach the last units (the stock checks' edge), sometimes plenty."""
        for reward in self.rewards:
            units = data.draw(st.one_of(st.integers(0, 3), st.integers(4, 30)),
                              label=f"opening stock of {reward}")
            if units:
                self.ledger.receive_stock(reward, units, by=self.keeper,
                                          key=f"opening/{reward}")
                self.events += 1
                self.stock[reward] = units

    # -- postings -------------------------------------------------------------------------
    @rule(target=entries, data=st.data(), age=st.integers(0, 100 * 24),
          quantity=st.integers(1, 3), award=st.booleans())
    def post(self, data: st.DataObject, age: int, quantity: int, award: bool) -> Any:
        codes = self.awards if award else self.deductions
        if not codes:
            return None
        item = data.draw(st.sampled_from(codes))
        account = data.draw(st.sampled_from(self.plan.accounts))
        occurred = self.clock().subtract(hours=age)
        points = self.checklist.item(item).points * quantity
        counters = (cap_counters(account, self.checklist, item, to_us(occurred), self.plan.tz)
                    if points > 0 else [])
        key = self.fresh_key()
        name = "award" if award else "deduct"
        args = dict(by=self.plan.grid_worker, key=key, occurred_at=occurred,
                    quantity=quantity, evidence=("photo-1",))
        command = getattr(self.ledger, name)
        refusal = self.expected_refusal(occurred, points, counters)
        if refusal is not None:
            self.refused(refusal, lambda: command(account, item, **args))
            return None
        posted = command(account, item, **args)
        self.events += 1
        assert posted.points == points and posted.seq == self.events
        self.balances[account] += points
        for counter, _cap in counters:
            self.used[counter] += points
        self.requests[key] = (name, account, item, args, posted)
        self.succeeded(name)
        return (posted, counters)

    @rule(entry=entries)
    def reverse(self, entry: Any) -> None:
        if entry is None:
            return
        posted, counters = entry
        key = self.fresh_key()
        by = self.plan.committee
        if posted.seq in self.reversed:
            self.refused(AlreadyReversed,
                         lambda: self.ledger.reverse(posted.id, reason="重复", by=by, key=key))
            return
        reversal = self.ledger.reverse(posted.id, reason="误录", by=by, key=key)
        self.events += 1
        assert reversal.seq == self.events
        self.reversed.add(posted.seq)
        self.succeeded("reversal")
        self.balances[posted.account] -= posted.points
        for counter, _cap in counters:
            self.used[counter] -= posted.points

    @precondition(lambda self: bool(self.requests))
    @rule(data=st.data())
    def repeat_a_command(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.requests)))
        name, account, item, args, first = self.requests[key]
        self.clock.advance(seconds=1)
        before = ledger_snapshot(self.ledger)
        assert getattr(self.ledger, name)(account, item, **args) == first
        assert ledger_snapshot(self.ledger) == before

    @precondition(lambda self: bool(self.requests))
    @rule(data=st.data())
    def reuse_a_key_for_something_else(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.requests)))
        name, account, item, args, _first = self.requests[key]
        other = dict(args, quantity=args["quantity"] + 1)
        command = getattr(self.ledger, name)
        self.refused(IdempotencyConflict, lambda: command(account, item, **other))

    # -- refusals -------------------------------------------------------------------------
    @rule(data=st.data())
    def unauthorised(self, data: st.DataObject) -> None:
        if not self.awards:
            return
        item = data.draw(st.sampled_from(self.awards))
        account = data.draw(st.sampled_from(self.plan.accounts))
        resident = Actor("machine-resident", roles={RESIDENT})
        self.refused(PermissionDenied, lambda: self.ledger.award(
            account, item, by=resident, key=self.fresh_key(), occurred_at=self.clock()))
        household = self.plan.household_of(account)
        for member, home, _name, roles in self.plan.members:
            if home == household and GRID_WORKER in roles:
                own = Actor(member, roles={GRID_WORKER})
                self.refused(PermissionDenied, lambda own=own: self.ledger.award(
                    account, item, by=own, key=self.fresh_key(), occurred_at=self.clock()))

    @rule(bad=st.sampled_from(["naive", "future", "key", "unknown"]))
    def bad_input(self, bad: str) -> None:
        codes = self.awards or self.deductions
        if not codes:
            return
        method = self.ledger.award if self.awards else self.ledger.deduct
        when: Any = self.clock()
        account, key = self.plan.accounts[0], self.fresh_key()
        error: type[Exception] = ValidationError
        if bad == "naive":
            when = _dt.datetime(2026, 3, 1, 12, 0)
        elif bad == "future":
            when, error = self.clock().add(hours=1), PointsLedgerError
        elif bad == "key":
            key = " "
        else:
            account, error = "NO-SUCH-ACCOUNT", PointsLedgerError
        self.refused(error, lambda: method(account, codes[0], by=self.plan.grid_worker, key=key,
                                           occurred_at=when, evidence=("photo-1",)))

    # -- time -----------------------------------------------------------------------------
    @rule(hours=st.integers(1, 24 * 20))
    def advance_clock(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule(days_back=st.integers(1, 60))
    def close_period(self, days_back: int) -> None:
        through = self.clock().in_timezone(self.plan.tz).date().subtract(days=days_back)
        boundary = pendulum.datetime(through.year, through.month, through.day,
                                     tz=self.plan.tz).add(days=1)
        by = self.plan.committee
        if any(claim[3] < boundary for claim in self.claims.values()):
            self.refused(ValidationError, lambda: self.ledger.close_period(
                through, by=by, key=self.fresh_key()))
            return
        if self.closed_before is not None and boundary <= self.closed_before:
            self.refused(ValidationError, lambda: self.ledger.close_period(
                through, by=by, key=self.fresh_key()))
            return
        self.ledger.close_period(through, by=by, key=self.fresh_key())
        self.events += 1
        self.succeeded("period closing")
        self.closed_before = boundary

    # -- batches ----------------------------------------------------------------------------
    @rule(data=st.data(), fail=st.booleans())
    def batch_of_awards(self, data: st.DataObject, fail: bool) -> None:
        if not self.awards:
            return
        when = self.clock()  # never in a closed period
        accounts = data.draw(st.lists(st.sampled_from(self.plan.accounts), min_size=1,
                                      max_size=4))
        item = data.draw(st.sampled_from(self.awards))
        points = self.checklist.item(item).points
        used = dict(self.used)
        planned = []
        for account in accounts:
            counters = cap_counters(account, self.checklist, item, to_us(when), self.plan.tz)
            if any(used.get(k, 0) + points > cap.max_points for k, cap in counters):
                continue
            for k, _cap in counters:
                used[k] = used.get(k, 0) + points
            planned.append((account, counters))
        before = ledger_snapshot(self.ledger)
        try:
            with self.ledger.batch() as b:
                for account, _counters in planned:
                    b.award(account, item, by=self.plan.grid_worker, key=self.fresh_key(),
                            occurred_at=when, evidence=("photo-1",))
                if fail:
                    raise _Cancelled
        except _Cancelled:
            assert ledger_snapshot(self.ledger) == before, "a failed batch wrote something"
            return
        self.events += len(planned)
        self.succeeded("batch")
        for account, counters in planned:
            self.balances[account] += points
            for k, _cap in counters:
                self.used[k] += points

    # -- claims and public notice ------------------------------------------------------------
    def _claims_allowed(self) -> bool:
        policy = self.checklist.policy
        return bool(self.awards) and all(
            not roles.isdisjoint(policy.roles_for(command)) for command, roles in (
                ("claim.submit", self.plan.grid_worker.roles),
                ("claim.check", self.checker.roles), ("claim.approve", self.approver.roles)))

    @precondition(lambda self: self._claims_allowed())
    @rule(data=st.data())
    def claim_into_notice(self, data: st.DataObject) -> None:
        """Submit a claim, review it and put it in public notice: its points are pending."""
        item = data.draw(st.sampled_from(self.awards))
        account = data.draw(st.sampled_from(self.plan.accounts))
        occurred = self.clock()
        points = self.checklist.item(item).points
        counters = cap_counters(account, self.checklist, item, to_us(occurred), self.plan.tz)

        def submit() -> Any:
            return self.ledger.submit_claim(account, item, by=self.plan.grid_worker,
                                            key=self.fresh_key(), occurred_at=occurred,
                                            evidence=("photo-1",))

        if self.expected_refusal(occurred, points, counters) is CapExceeded:
            self.refused(CapExceeded, submit)
            return
        claim = submit()
        if self.checklist.claims.review_tiers == 2:
            self.ledger.step(claim, "check", by=self.checker, key=self.fresh_key())
            self.events += 1
        self.ledger.step(claim, "approve", by=self.approver, key=self.fresh_key())
        self.events += 2
        approved = self.clock().in_timezone(self.plan.tz)
        end = pendulum.datetime(approved.year, approved.month, approved.day,
                                tz=self.plan.tz).add(days=self.checklist.claims.notice_days + 1)
        self.claims[claim.id] = (account, points, counters, occurred, end)
        note_event("claim in notice")
        self.succeeded("claim")
        self.pending[account] += points
        for counter, _cap in counters:  # the claim holds its cap room while in notice
            self.used[counter] += points

    @precondition(lambda self: bool(self.claims))
    @rule()
    def post_due(self) -> None:
        """Post the claims whose notice has ended: each exactly once, and only those."""
        now = self.clock()
        due = {cid for cid, claim in self.claims.items() if claim[4] <= now}
        written = self.ledger.post_due()
        posted = {self.ledger.event(e.case).id for e in written if isinstance(e, Stepped)}
        assert posted == due, (posted, due)
        assert len(written) == 2 * len(due)
        self.events += len(written)
        note_event("claims posted" if due else "no claim due")
        self.succeeded("claim posting", len(due))
        for cid in due:
            account, points, _counters, _occurred, _end = self.claims.pop(cid)
            self.balances[account] += points
            self.pending[account] -= points
        assert self.ledger.post_due() == ()

    # -- invariants -------------------------------------------------------------------------
    @invariant()
    def ledger_invariants_hold(self) -> None:
        problems = check_invariants(self.ledger)
        assert not problems, "\n".join(map(str, problems))

    @invariant()
    def balances_match_the_model(self) -> None:
        for account in self.plan.accounts:
            balance = self.ledger.balance(account)
            assert balance.posted == self.balances[account], account
            assert balance.held == self.held[account], account
            assert balance.pending == self.pending[account], account

    @invariant()
    def stock_matches_the_model(self) -> None:
        for reward in self.rewards:
            level = self.ledger.stock(reward)
            assert level.on_hand == self.stock[reward] >= 0, reward
            assert level.reserved == sum(
                r.quantity for r in self.open.values() if r.reward == reward), reward

    @invariant()
    def event_count_matches_the_model(self) -> None:
        assert self.ledger.head == self.events



class SQLiteLedgerMachine(LedgerMachine):
    """:class:`LedgerMachine` on a real SQLite file, which it also snapshots, closes and
    reopens (so reopening, and folding the state again after a failed batch, sometimes start
    from a snapshot)."""

    backend = "sqlite"

    @rule()
    def snapshot(self) -> None:
        before = ledger_snapshot(self.ledger)
        assert self.ledger.snapshot() == self.ledger.head
        assert ledger_snapshot(self.ledger) == before

    @rule()
    def reopen(self) -> None:
        before = ledger_snapshot(self.ledger)
        self.ledger.close()
        self.ledger = Ledger.open(self.path or "", clock=self.clock)
        assert ledger_snapshot(self.ledger) == before


class _Cancelled(Exception):
    pass
