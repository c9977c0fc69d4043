"""A stateful machine: random command sequences (valid and invalid) against an independent model.

After every step it checks: conservation (balances sum to zero), derivation (every balance equals
the model's and a fresh replay of the log equals the live state), caps never exceeded, the chain
verifies, and the number of events equals what the model expects; every refused command is
checked to have written nothing, and every repeated command to return its first result.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections import defaultdict
from typing import Any

import pendulum
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from pointsledger import (
    Actor,
    AlreadyReversed,
    BackdatedTooFar,
    CapExceeded,
    IdempotencyConflict,
    Ledger,
    NoRulebookInForce,
    PeriodClosed,
    PermissionDenied,
    PointsLedgerError,
    ValidationError,
)
from pointsledger.events import decode
from pointsledger.state import LedgerState, apply

from .helpers import COMMITTEE, GRID, RESIDENT, START, TZ, make_village
from .test_ledger import snapshot

ACCOUNTS = ("H001", "H002", "H003", "H004", "M001", "M002")
HOUSEHOLD_OF = {"H001": "H001", "H002": "H002", "H003": "H003", "H004": "H004",
                "M001": "H001", "M002": "H002"}
AWARDS = {"ENV-01": 5, "VOL-01": 3, "VOL-02": 2}
DEDUCTIONS = {"COV-03": -5, "COV-09": -20}
RULES_FROM = pendulum.datetime(2026, 1, 1, tz=TZ)  # the helpers' rulebook takes effect
CATEGORY = {"ENV-01": "环境卫生", "VOL-01": "志愿服务", "VOL-02": "志愿服务"}


def model_caps(account: str, item: str, occurred: pendulum.DateTime) -> list[tuple[Any, int]]:
    """The model's own reading of the helper rulebook's caps, with pendulum dates."""
    local = pendulum.instance(occurred).in_timezone(TZ)
    caps: list[tuple[Any, int]] = []
    if item == "ENV-01":
        caps.append(((account, item, "month", local.year, local.month), 10))
    if item == "VOL-01":
        caps.append(((account, item, "week", local.start_of("week").date()), 6))
    if CATEGORY.get(item) == "志愿服务":
        caps.append(((account, "志愿服务", "day", local.date()), 8))
    return caps


class LedgerMachine(RuleBasedStateMachine):
    """Drives one ledger and a plain-Python model of what it should hold."""

    backend = "memory"
    entries = Bundle("entries")
    done = Bundle("done")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp() if self.backend == "sqlite" else None
        self.path = f"{self.tmp}/m.db" if self.tmp else "memory"
        self.village = make_village(self.path)
        self.ledger = self.village.ledger
        self.clock = self.village.clock
        self.balances: dict[str, int] = defaultdict(int)
        self.used: dict[Any, int] = defaultdict(int)
        self.caps: dict[Any, int] = {}
        self.requests: dict[str, tuple[Any, ...]] = {}
        self.reversed: set[int] = set()
        self.closed_before: pendulum.DateTime | None = None
        self.events = self.ledger.head
        self.n = 0

    def teardown(self) -> None:
        self.ledger.close_store()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def fresh_key(self) -> str:
        self.n += 1
        return f"key-{self.n}"

    def refused(self, error: type[Exception], call: Any) -> None:
        before = snapshot(self.ledger)
        try:
            call()
        except error as exc:
            event(f"refused: {type(exc).__name__}")
        else:  # pragma: no cover - a failure report
            raise AssertionError(f"expected {error.__name__}")
        assert snapshot(self.ledger) == before

    # -- postings ------------------------------------------------------------------------
    def expected_refusal(self, occurred: pendulum.DateTime, points: int, caps: list[Any]
                         ) -> type[Exception] | None:
        now = self.clock()
        if self.closed_before is not None and occurred < self.closed_before:
            return PeriodClosed
        if occurred < now.subtract(days=90):
            return BackdatedTooFar
        if occurred < RULES_FROM:
            return NoRulebookInForce
        if points > 0:
            for cap_key, limit in caps:
                if self.used[cap_key] + points > limit:
                    return CapExceeded
        return None

    @rule(target=entries, account=st.sampled_from(ACCOUNTS),
          item=st.sampled_from(sorted(AWARDS) + sorted(DEDUCTIONS)),
          age=st.integers(0, 100 * 24), quantity=st.integers(1, 3))
    def post(self, account: str, item: str, age: int, quantity: int) -> Any:
        occurred = self.clock().subtract(hours=age)
        points = (AWARDS.get(item) or DEDUCTIONS[item]) * quantity
        award = item in AWARDS
        caps = model_caps(account, item, occurred) if award else []
        key = self.fresh_key()
        name = "award" if award else "deduct"
        command = getattr(self.ledger, name)
        args = dict(by=GRID, key=key, occurred_at=occurred, quantity=quantity,
                    evidence=("photo-1",))
        refusal = self.expected_refusal(occurred, points, caps)
        if refusal is not None:
            self.refused(refusal, lambda: command(account, item, **args))
            return None
        event = command(account, item, **args)
        self.events += 1
        assert event.points == points and event.seq == self.events
        self.balances[account] += points
        for cap_key, limit in caps:
            self.used[cap_key] += points
            self.caps[cap_key] = limit
        self.requests[key] = (name, account, item, args, event)
        return (event, caps)

    @rule(entry=entries)
    def reverse(self, entry: Any) -> None:
        if entry is None:
            return
        event, caps = entry
        key = self.fresh_key()
        if event.seq in self.reversed:
            self.refused(AlreadyReversed, lambda: self.ledger.reverse(
                event.id, reason="重复", by=COMMITTEE, key=key))
            return
        reversal = self.ledger.reverse(event.id, reason="误录", by=COMMITTEE, key=key)
        self.events += 1
        assert reversal.seq == self.events
        self.reversed.add(event.seq)
        self.balances[event.account] -= event.points
        for cap_key, _limit in caps:
            self.used[cap_key] -= event.points

    @precondition(lambda self: bool(self.requests))
    @rule(data=st.data())
    def repeat_a_command(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.requests)))
        name, account, item, args, first = self.requests[key]
        self.clock.advance(seconds=1)
        before = snapshot(self.ledger)
        assert getattr(self.ledger, name)(account, item, **args) == first
        assert snapshot(self.ledger) == before

    @precondition(lambda self: bool(self.requests))
    @rule(data=st.data())
    def reuse_a_key_for_something_else(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.requests)))
        name, account, item, args, _first = self.requests[key]
        other = dict(args, quantity=args["quantity"] + 1)
        command = getattr(self.ledger, name)
        self.refused(IdempotencyConflict, lambda: command(account, item, **other))

    # -- refusals -------------------------------------------------------------------------
    @rule(account=st.sampled_from(ACCOUNTS), item=st.sampled_from(sorted(AWARDS)))
    def unauthorised(self, account: str, item: str) -> None:
        when = self.clock().subtract(hours=1)
        self.refused(PermissionDenied, lambda: self.ledger.award(
            account, item, by=RESIDENT, key=self.fresh_key(), occurred_at=when))
        own = Actor(f"M00{1 if HOUSEHOLD_OF[account] == 'H001' else 2}", roles={"grid_worker"})
        if HOUSEHOLD_OF[account] in ("H001", "H002"):
            self.refused(PermissionDenied, lambda: self.ledger.award(
                account, item, by=own, key=self.fresh_key(), occurred_at=when))

    @rule(bad=st.sampled_from(["naive", "future", "key", "sign", "unknown"]))
    def bad_input(self, bad: str) -> None:
        when: Any = self.clock()  # never in a closed period
        account, item, key = "H001", "VOL-02", self.fresh_key()
        error: type[Exception] = ValidationError
        if bad == "naive":
            when = dt.datetime(2026, 3, 1, 12, 0)
        elif bad == "future":
            when, error = self.clock().add(hours=1), PointsLedgerError
        elif bad == "key":
            key = " "
        elif bad == "sign":
            item = "COV-03"
        else:
            account, error = "H404", PointsLedgerError
        self.refused(error, lambda: self.ledger.award(account, item, by=GRID, key=key,
                                                      occurred_at=when))

    # -- time -----------------------------------------------------------------------------
    @rule(hours=st.integers(1, 24 * 20))
    def advance_clock(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule(days_back=st.integers(1, 60))
    def close_period(self, days_back: int) -> None:
        through = self.clock().in_timezone(TZ).date().subtract(days=days_back)
        boundary = pendulum.datetime(through.year, through.month, through.day, tz=TZ).add(days=1)
        if self.closed_before is not None and boundary <= self.closed_before:
            self.refused(ValidationError, lambda: self.ledger.close_period(
                through, by=COMMITTEE, key=self.fresh_key()))
            return
        self.ledger.close_period(through, by=COMMITTEE, key=self.fresh_key())
        self.events += 1
        self.closed_before = boundary

    # -- batches and reopening ------------------------------------------------------------
    @rule(accounts=st.lists(st.sampled_from(ACCOUNTS), min_size=1, max_size=4),
          fail=st.booleans())
    def batch_of_awards(self, accounts: list[str], fail: bool) -> None:
        when = self.clock()  # never in a closed period
        caps_used = dict(self.used)
        planned = []
        for account in accounts:
            caps = model_caps(account, "VOL-02", when)
            if any(caps_used.get(k, 0) + 2 > limit for k, limit in caps):
                continue
            for k, _limit in caps:
                caps_used[k] = caps_used.get(k, 0) + 2
            planned.append((account, caps))
        before = snapshot(self.ledger)
        try:
            with self.ledger.batch() as b:
                for account, _caps in planned:
                    b.award(account, "VOL-02", by=GRID, key=self.fresh_key(), occurred_at=when)
                if fail:
                    raise RuntimeError("operator cancelled")
        except RuntimeError:
            assert snapshot(self.ledger) == before
            return
        self.events += len(planned)
        for account, caps in planned:
            self.balances[account] += 2
            for k, limit in caps:
                self.used[k] += 2
                self.caps[k] = limit

    # -- invariants -----------------------------------------------------------------------
    @invariant()
    def conservation(self) -> None:
        assert sum(self.ledger.state.posted.values()) == 0

    @invariant()
    def balances_match_the_model(self) -> None:
        for account in ACCOUNTS:
            assert self.ledger.balance(account).posted == self.balances[account], account

    @invariant()
    def caps_hold(self) -> None:
        for cap_key, limit in self.caps.items():
            assert 0 <= self.used[cap_key] <= limit
        assert all(v >= 0 for v in self.ledger.state.cap_used.values())

    @invariant()
    def replay_equals_live_state(self) -> None:
        replayed = LedgerState()
        for record in self.ledger.store.read():
            apply(replayed, decode(*record))
        live = self.ledger.state
        for table in ("posted", "cap_used", "keys", "reversals", "households", "members",
                      "regions", "account_index", "scope_index"):
            assert dict(getattr(replayed, table)) == dict(getattr(live, table)), table
        assert (replayed.seq, replayed.head_hash, replayed.closed_before_us) == (
            live.seq, live.head_hash, live.closed_before_us)

    @invariant()
    def chain_verifies_and_counts(self) -> None:
        assert self.ledger.verify().events == self.events == self.ledger.head


MACHINE_SETTINGS = settings(max_examples=60, stateful_step_count=40, deadline=None)

TestLedgerInMemory = LedgerMachine.TestCase
TestLedgerInMemory.settings = MACHINE_SETTINGS


class SQLiteLedgerMachine(LedgerMachine):
    """The same machine on a real SQLite file, which it also closes and reopens."""

    backend = "sqlite"

    @rule()
    def reopen(self) -> None:
        before = snapshot(self.ledger)
        self.ledger.close_store()
        self.ledger = Ledger.open(self.path, clock=self.clock)
        assert snapshot(self.ledger) == before


TestLedgerOnSQLite = SQLiteLedgerMachine.TestCase
TestLedgerOnSQLite.settings = settings(max_examples=20, stateful_step_count=30, deadline=None)

_ = START  # the helpers' clock start, used through make_village
