"""The machine that checks the ledger against the independent model.

Every rule draws a command (valid, or deliberately invalid: wrong role, own household,
unknown ids, naive, future or too-old times, over caps, stock or limits, repeated and
conflicting keys) and runs it through `ModelMachine.both()`: on the model, which predicts
success or the errors it must be refused with, and on the ledger. A refusal the model did not
predict, another error, or a success the model refused fails the run; so does any difference
between the ledger's result and the model's expectation. After every step the balances, the
stock, the event count and `check_invariants()` are compared.
"""

from __future__ import annotations

import copy
import datetime as _dt
import os
import shutil
import tempfile
from typing import Any, ClassVar

import pendulum
from hypothesis import currently_in_test_context, event, note, target
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from pointsledger.base.actors import Actor
from pointsledger.base.clock import ManualClock
from pointsledger.errors import PointsLedgerError
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.benefits import Campaign, Vetoes
from pointsledger.rules.catalogue import Limit, PriceRule, Reward, StorePolicy
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.expiry import ExpiryPolicy
from pointsledger.rules.matters import Matter, ProcedureStep, four_and_two
from pointsledger.rules.procedures import (
    ClaimPolicy,
    Service,
    ServicePolicy,
    TimeBankPolicy,
    WishCategory,
    WishPolicy,
)
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._coverage import CoveredMachine
from pointsledger.testing._families import family_commands, focus
from pointsledger.testing._flow_rules import FlowRules
from pointsledger.testing._invariants import InvariantWatch, check_invariants
from pointsledger.testing._model import CoreModel, Model
from pointsledger.testing._model_benefits import BENEFIT_COMMANDS, BenefitRules
from pointsledger.testing._model_donations import DONATION_COMMANDS, DonationRules
from pointsledger.testing._model_matters import MatterRules
from pointsledger.testing._model_records import COMMUNITY, POOL
from pointsledger.testing._model_registry import REGISTRY_COMMANDS, RegistryRules
from pointsledger.testing._strategies import Village

TZ = "Asia/Shanghai"
START = pendulum.datetime(2026, 3, 2, 9, 0, tz=TZ)
"""A Monday: the week's caps start afresh; the elderly members' birthdays fall on it."""


MODEL_MATTERS = (
    Matter("XW-01", "村级工程项目", kind="petty_power", role="committee",
           steps=four_and_two([ProcedureStep("tender", "招投标", role="committee", days=10,
                                             day_kind="calendar")], days=3),
           basis="村级小微权力清单"),
    Matter("BM-01", "低保申请协办", kind="public_service", role="committee", steps=[
        ProcedureStep("accept", "受理", role="grid_worker", evidence_required=False, days=1),
        ProcedureStep("review", "审核", role="committee", days=5),
        ProcedureStep("publish", "公示", role="committee", days=7, day_kind="calendar")]),
    Matter("XZ-01", "医保参保登记", kind="assist_government", role="grid_worker",
           steps=[ProcedureStep("register", "登记", role="grid_worker",
                                evidence_required=False)]),
    Matter("FM-01", "开具无犯罪记录证明", kind="negative", role="committee"),
)
"""The model rulebook's matter lists: 四议两公开 with a tender, a public service with working
and calendar limits, a step without limit or evidence, and a negative-list entry."""


def default_model_rulebook(version: str = "2026") -> Rulebook:
    """A realistic rulebook from the docs and DOMAIN.md: capped items and a capped category,
    deductions (one serious, with evidence), rewards with limits, days, a window, a total,
    a qualifying score and an age-priced canteen meal, rolling expiry, and the workflows'
    policies (claims with deductions, wishes, services, a time bank), a veto (一票否决) and a
    campaign doubling 环境卫生 in April 2026 (the examples run in March)."""
    return Rulebook(
        version,
        [
            ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5,
                          cap=Cap(10, per="month")),
            ChecklistItem("VOL-01", "参加志愿服务", category="志愿服务", points=5,
                          unit="每人次"),
            ChecklistItem("VOL-02", "参加治安巡逻", category="志愿服务", points=10),
            ChecklistItem("MTG-01", "参加村民会议", category="民主参与", points=2,
                          cap=Cap(2, per="day")),
            ChecklistItem("HON-01", "获得镇级表彰", category="荣誉", points=20,
                          cap=[Cap(20, per="quarter"), Cap(30, per="year")],
                          evidence_required=True),
            ChecklistItem("DON-01", "捐赠物品", category="爱心捐赠", points=10),
            ChecklistItem("DON-02", "爱心捐赠（按价值）", category="爱心捐赠", points=1,
                          per_value=10, cap=Cap(30, per="month")),
            ChecklistItem("WISH-01", "认领微心愿", category="微心愿", points=10,
                          cap=Cap(20, per="month")),
            ChecklistItem("SVC-02", "老人陪护", category="为民服务", points=2),
            ChecklistItem("SVC-03", "家电维修", category="为民服务", points=3),
            ChecklistItem("TB-01", "时间银行兑换", category="时间银行", points=1),
            ChecklistItem("COV-01", "焚烧秸秆", category="村规民约", points=-5),
            ChecklistItem("COV-09", "违反公共道德", category="村规民约", points=-20,
                          evidence_required=True, serious=True),
        ],
        category_caps={"志愿服务": Cap(20, per="week")},
        rewards=[
            Reward("SOAP", "肥皂", cost=5, category="日用品", limits=[Limit(2, "week")]),
            Reward("POWDER", "洗衣粉", cost=20, category="日用品", weekdays={"fri"},
                   month_end=True),
            Reward("MEAL", "长者餐", cost=10, category="食堂",
                   limits=[Limit(1, "day", "member")],
                   price_rules=[PriceRule(60, 75, 80), PriceRule(75, None, 0)]),
            Reward("TISSUE", "纸巾", cost=15, category="日用品", total_limit=6,
                   min_score=110, available_from=_dt.date(2026, 3, 1),
                   available_until=_dt.date(2026, 4, 30)),
        ],
        store=StorePolicy(base_points=100, min_score=60, ban_years=1, reservation_days=3),
        expiry=ExpiryPolicy("rolling", days=30),
        claims=ClaimPolicy(review_tiers=2, notice_days=7, appeal_days=30, deductions=True),
        wishes=WishPolicy([WishCategory("物品", 200), WishCategory("服务")], claim_days=14,
                          item="WISH-01"),
        services=ServicePolicy([
            Service("CARE", "老人陪护", category="助老服务", item="SVC-02", per="hour"),
            Service("FIX", "家电维修", category="便民服务", item="SVC-03", per="order"),
            Service("TALK", "谈心", category="关爱", item=None),
        ], accept_hours=24),
        timebank=TimeBankPolicy(item="TB-01", unit_minutes=60, threshold_minutes=120,
                                max_minutes=600),
        vetoes=Vetoes(items={"COV-01"}),
        campaigns=[Campaign("ENV-MONTH", "人居环境整治月", start=_dt.date(2026, 4, 1),
                            end=_dt.date(2026, 4, 30), categories={"环境卫生"}, multiplier=2)],
        matters=MODEL_MATTERS,
    )


ELDERS = (
    # (member, household, name, birth date): at and one day before the price bands' ages
    ("M13", "H1", "张奶奶", _dt.date(1966, 3, 2)),   # 60 on the start day
    ("M23", "H2", "李爷爷", _dt.date(1966, 3, 3)),   # 60 the day after
    ("M33", "H3", "王奶奶", _dt.date(1951, 3, 2)),   # 75 on the start day
    ("M43", "H4", "赵爷爷", _dt.date(1951, 3, 3)),   # 75 the day after
)


def default_model_village(rulebook: Rulebook | None = None) -> Village:
    """Four households in two grids; residents, a store keeper and a grid worker who belong
    to households (for conflict-of-interest draws), volunteers and a party member in different
    households. The elders with birth dates are registered by the machine (``ELDERS``)."""
    return Village(
        rulebook=rulebook or default_model_rulebook(),
        grids=("G1", "G2"),
        households=(("H1", "G1", "张三"), ("H2", "G1", "李四"), ("H3", "G2", "王五"),
                    ("H4", "G2", "赵六")),
        members=(
            ("M11", "H1", "张三", frozenset({"resident"})),
            ("M12", "H1", "张小梅", frozenset({"resident", "store_keeper"})),
            ("M21", "H2", "李四", frozenset({"resident", "grid_worker"})),
            ("M22", "H2", "李小龙", frozenset({"resident", "volunteer"})),
            ("M31", "H3", "王五", frozenset({"resident", "party_member"})),
            ("M41", "H4", "赵六", frozenset({"resident", "volunteer"})),
        ),
        start=START,
        tz=TZ,
    )


def ledger_snapshot(ledger: Ledger) -> tuple[Any, ...]:
    """What a refused command must leave as it was (the derived tables queries do not show,
    such as caps used, are compared with a fresh fold by `check_invariants()`)."""
    return (ledger.store.head(), ledger.head, dict(ledger.balances()),
            dict(ledger.reversals()), dict(ledger.stock_levels()),
            dict(ledger.time_balances()))


def _event(text: str) -> None:
    """A hypothesis statistics event (nothing outside a test, e.g. in example tests)."""
    if currently_in_test_context():
        event(text)


def _times(machine: CoreRules) -> st.SearchStrategy[tuple[str, Any]]:
    """``occurred_at`` draws at the edges: omitted, now, just in the future, at the
    backdating boundary and 1 µs past it, naive, in a closed period, recent."""
    now = machine.clock()
    ledger_now = machine.model.local(machine.model.next_recorded_us())
    edge = ledger_now - _dt.timedelta(days=machine.backdate_days)
    closed = machine.model.closed_before_us
    options: list[tuple[str, Any]] = [
        ("omitted", None), ("now", now), ("ledger now", ledger_now),
        ("future 1µs", ledger_now + _dt.timedelta(microseconds=1)),
        ("backdate edge", edge), ("past backdate edge", edge - _dt.timedelta(microseconds=1)),
        ("naive", now.replace(tzinfo=None)),
    ]
    if closed:
        last_closed = pendulum.from_timestamp((closed - 1) // 1_000_000, tz=TZ)
        options.append(("closed period", last_closed))
        options.append(("just after close", pendulum.from_timestamp(closed // 1_000_000, tz=TZ)))
    recent = st.integers(0, 20 * 24 * 60).map(
        lambda minutes: ("recent", now - _dt.timedelta(minutes=minutes)))
    return st.one_of(recent, recent, recent, st.sampled_from(options))


CORE_COMMANDS = (
    "adopt", "close_period", "add_region", "register_household", "register_member",
    "move_household", "close_account", "award", "deduct", "reverse", "receive_stock",
    "adjust_stock", "redeem", "reserve", "hand_over", "cancel_reservation", "transfer",
    "expire_due", "time_out_due", "run_due",
)
"""The commands and due jobs the core rules call."""
FLOW_COMMANDS = (
    "submit_claim", "submit_wish", "place_order", "submit_time", "step", "spend_time",
    "donate_time", "convert_time", "post_due", "lapse_due",
)
"""The commands and due jobs the workflow rules call (beyond the core's)."""
MATTER_COMMANDS = ("open_matter", "overdue_due")
"""The commands and due jobs the matter rules call (``step`` aside)."""


class CoreRules(CoveredMachine):
    """The harness and the rules of the core commands (a mixin of the machines)."""

    model_class: ClassVar[type[CoreModel]] = Model
    checks: ClassVar[int] = 0
    """How many times the machines compared ledger and model (steps, plus one per run)."""
    rulebook: ClassVar[Rulebook | None] = None
    village: ClassVar[Village | None] = None
    backdate_days: ClassVar[int] = 90
    invariants_every: ClassVar[int] = 0
    """Run the full `check_invariants()` every this many steps too (0: only at the end
    of each run; every step is checked incrementally)."""

    committee = Actor("test-committee", roles={"committee"})
    committee2 = Actor("test-committee-2", roles={"committee"})
    grid_worker = Actor("test-grid-worker", roles={"grid_worker"})
    grid_worker2 = Actor("test-grid-worker-2", roles={"grid_worker"})
    keeper = Actor("test-keeper", roles={"store_keeper"})
    member_keeper = Actor("M12", roles={"store_keeper"})
    """A store keeper of household H1."""
    member_grid_worker = Actor("M21", roles={"grid_worker"})
    """A grid worker of household H2."""
    stranger = Actor("test-stranger", roles={"auditor"})
    """Someone whose roles allow none of the core commands."""

    def __init__(self) -> None:
        super().__init__()
        plan = self.village or default_model_village(self.rulebook)
        if self.rulebook is not None and self.village is not None:
            plan = Village(rulebook=self.rulebook, grids=plan.grids,
                           households=plan.households, members=plan.members,
                           start=plan.start, tz=plan.tz, regions=plan.regions)
        self.plan = plan
        self.committee = plan.committee
        self.grid_worker = plan.grid_worker
        self.ledger, self.clock = self.build(plan)
        self.model: Any = self.model_class(plan, self.clock, backdate_days=self.backdate_days)
        self.done: dict[str, int] = {}
        self.keys = 0
        self.last: tuple[str, tuple[Any, ...], dict[str, Any]] | None = None
        self.entries: list[str] = []
        """Ids of awards, deductions and redemptions the ledger returned (to reverse)."""
        self.reservations: list[Any] = []
        rules = plan.rulebook
        self.rewards = [r.code for r in rules.rewards]
        self.items = [i.code for i in rules.items]
        self.award_items = [i.code for i in rules.items if i.points > 0]
        self.deduct_items = [i.code for i in rules.items if i.points < 0]
        self.capped_items = [i.code for i in rules.items if i.points > 0 and (
            i.caps or rules.caps_for_category(i.category))] or self.award_items
        """Award items with a cap of their own or their category's (all award items if none)."""
        self.cheapest = min(rules.rewards, key=lambda r: (r.cost, r.code)).code if (
            rules.rewards) else "NOPE"
        """The cheapest reward: the one the stock-edge rules hold and reserve."""
        self.priced = [r.code for r in rules.rewards if r.price_rules]
        """Rewards with price rules by age (the elders' meals)."""
        plain = [i for i in rules.items if i.points > 0 and not i.evidence_required
                 and i.per_value is None] or list(rules.items)
        self.richest_item = max(plain, key=lambda i: (
            not (i.caps or rules.caps_for_category(i.category)), i.points)).code
        """The award item that makes a household able to pay: worth most among those
        without a cap (of its own or its category's), evidence or a value to assess (an
        award of it by a grid worker succeeds whenever the account may earn)."""
        self.versions = 1
        self.batch_open: Any = None
        """The open `Batch` ``both`` runs commands in."""
        for member, household, name, born in ELDERS:
            if household in {h[0] for h in plan.households}:
                self.both("register_member", member, household=household, name=name,
                          roles=frozenset({"resident"}), birth_date=born, by=self.committee)

    def build(self, plan: Village) -> tuple[Ledger, ManualClock]:
        return plan.build()

    # -- the harness -----------------------------------------------------------------------

    def fresh_key(self) -> str:
        self.keys += 1
        return f"k/{self.keys}"

    @property
    def accounts(self) -> list[str]:
        return sorted(self.model.households) + sorted(self.model.members)

    def both(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """Run one command (or due job) on the model and the ledger and compare them."""
        prediction = getattr(self.model, name)(*args, **kwargs)
        call = f"{name}{args!r} {kwargs!r}"
        before = ledger_snapshot(self.ledger)
        try:
            result = getattr(self.batch_open or self.ledger, name)(*args, **kwargs)
        except PointsLedgerError as exc:
            if prediction.accepted:
                raise AssertionError(f"{call}: the ledger refused it ({type(exc).__name__}: "
                                     f"{exc}) but the model accepts it") from exc
            if type(exc) not in prediction.errors:
                raise AssertionError(
                    f"{call}: refused with {type(exc).__name__} ({exc}); the model predicts "
                    f"{sorted(e.__name__ for e in prediction.errors)}") from exc
            assert ledger_snapshot(self.ledger) == before, f"{call}: a refusal wrote something"
            _event(f"{name}: refused {type(exc).__name__}")
            self.count_refusal(name, type(exc).__name__)
            return None
        if not prediction.accepted:
            raise AssertionError(f"{call}: the ledger accepted it (result {result!r}), the "
                                 f"model predicts {sorted(e.__name__ for e in prediction.errors)}")
        problems = prediction.check(result)
        assert not problems, f"{call}: {problems}"
        prediction.commit(result)
        label = prediction.label
        _event(f"{name}: ok{' (' + label + ')' if label else ''}")
        self.done[name] = self.done.get(name, 0) + 1
        if not (isinstance(result, tuple) and not result):  # a due job that found nothing
            self.count_success(name)
        return result

    def keyed(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """``both`` for a keyed command, remembered so a later rule can retry or reuse it."""
        self.last = (name, args, kwargs)
        return self.both(name, *args, **kwargs)

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def agrees_with_the_model(self) -> None:
        if not hasattr(self, "model"):
            return
        CoreRules.checks += 1
        assert self.ledger.head == self.model.model_events, (
            f"head {self.ledger.head}, model {self.model.model_events}")
        for account, balance in self.ledger.balances().items():
            expected = (self.model.posted(account), self.model.held.get(account, 0),
                        self.model.pending.get(account, 0))
            got = (balance.posted, balance.held, balance.pending)
            assert got == expected, f"{account}: (posted, held, pending) {got}, model {expected}"
        for account, points in self.model.balances.items():
            if points:
                assert self.ledger.balance(account).posted == points, account
        levels = self.ledger.stock_levels()
        for reward in set(levels) | set(self.model.on_hand):
            level = levels.get(reward)
            stock = (level.on_hand, level.reserved) if level else (0, 0)
            model = (self.model.on_hand.get(reward, 0), self.model.reserved.get(reward, 0))
            assert stock == model, f"stock {reward}: {stock}, model {model}"

    @invariant()
    def keeps_the_invariants(self) -> None:
        """The invariants after every step, for the events the step wrote
        (`InvariantWatch`: the chain, postings, caps,
        reversals, keys, the store, conservation and the touched accounts' folds); the full
        `check_invariants()` every ``invariants_every``-th step (0: never) and at the end
        of every run."""
        if not hasattr(self, "ledger"):
            return
        if not hasattr(self, "watch"):
            self.watch = InvariantWatch(self.plan.tz)
        self.steps = getattr(self, "steps", 0) + 1
        problems = self.watch.check(self.ledger)
        assert problems == [], problems
        if self.invariants_every and self.steps % self.invariants_every == 0:
            problems = check_invariants(self.ledger)
            assert problems == [], problems

    @classmethod
    def expected_successes(cls) -> tuple[str, ...]:
        """Every command and due job the machine's rules call."""
        return CORE_COMMANDS

    def teardown(self) -> None:
        self.count_run()
        for name in sorted(self.done):
            _event(f"run: {name} succeeded")
        if currently_in_test_context():
            target(float(sum(self.done.values())), label="commands that succeeded")
        if hasattr(self, "ledger"):
            problems = check_invariants(self.ledger)
            assert problems == [], problems

    # -- clock -----------------------------------------------------------------------------

    @rule(hours=st.integers(1, 48))
    def hours_pass(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule(days=st.integers(1, 20))
    def days_pass(self, days: int) -> None:
        self.clock.advance(days=days)

    @rule(to=st.sampled_from(["midnight", "next monday", "month end", "next month",
                              "next month", "year end", "just before the year end"]))
    def clock_to_an_edge(self, to: str) -> None:
        """The clock to a period's edge: the caps' periods and the expiry policies' ends
        (年底清零, 结转: the year end, exactly or 1 µs before)."""
        now = self.model.now()
        new_year = now.add(years=1).start_of("year")
        moment = {"midnight": now.add(days=1).start_of("day"),
                  "next monday": now.next(pendulum.MONDAY),
                  "month end": now.end_of("month").start_of("day").add(hours=10),
                  "next month": now.add(months=1).start_of("month"),
                  "year end": new_year,
                  "just before the year end": new_year.subtract(microseconds=1)}[to]
        if moment > now:
            self.clock.set(moment)

    # -- postings --------------------------------------------------------------------------

    @rule(data=st.data(), name=st.sampled_from(["award", "award", "award", "deduct"]),
          who=st.sampled_from(["grid", "grid", "grid", "committee", "own", "member grid",
                               "keeper"]),
          quantity=st.sampled_from([1, 1, 1, 2, 3, 0]),
          evidence=st.sampled_from([(), ("photo-1",)]))
    def post(self, data: st.DataObject, name: str, who: str, quantity: int,
             evidence: tuple[str, ...]) -> None:
        account = data.draw(st.sampled_from([*self.accounts, "H9"]), label="account")
        items = [i for i in self.items
                 if (self.plan.rulebook.item(i).points < 0) == (name == "deduct")]
        item = data.draw(st.sampled_from(items + items + ["NOPE", self.items[-1]]),
                         label="item")
        by = {"grid": self.grid_worker, "committee": self.committee,
              "member grid": self.member_grid_worker, "keeper": self.keeper,
              "own": Actor(account, roles={"grid_worker"})}[who]
        how, occurred = data.draw(_times(self), label="occurred")
        _event(f"{name}: occurred {how}")
        result = self.keyed(name, account, item, by=by, key=self.fresh_key(),
                            occurred_at=occurred, quantity=quantity, evidence=evidence)
        if result is not None:
            self.entries.append(result.id)

    @rule(data=st.data())
    def fill_a_cap(self, data: st.DataObject) -> None:
        """Awards of capped items until the cap refuses one."""
        account = data.draw(st.sampled_from(self.accounts), label="account")
        item = data.draw(st.sampled_from(self.capped_items or ["NOPE"]), label="item")
        for _ in range(3):
            result = self.keyed("award", account, item, by=self.grid_worker,
                                key=self.fresh_key(), occurred_at=self.clock())
            if result is None:
                break
            self.entries.append(result.id)

    @precondition(lambda self: self.last is not None)
    @rule(change=st.sampled_from(["same", "same", "quantity", "account"]))
    def repeat_a_key(self, change: str) -> None:
        """The last keyed command again: the same request, or another under its key."""
        assert self.last is not None
        name, args, kwargs = self.last
        kwargs = dict(kwargs)
        if change == "quantity" and "quantity" in kwargs:
            kwargs["quantity"] = kwargs["quantity"] + 1
        elif change == "account" and args and isinstance(args[0], str):
            args = ("H4" if args[0] != "H4" else "H3", *args[1:])
        self.both(name, *args, **kwargs)

    @rule(data=st.data(), who=st.sampled_from(["committee", "committee", "committee", "grid",
                                               "own"]),
          reason=st.sampled_from(["核实为误录", ""]))
    def reverse(self, data: st.DataObject, who: str, reason: str) -> None:
        if not self.entries:
            result = self.keyed("award", sorted(self.model.households)[0],
                                self.richest_item, by=self.grid_worker, key=self.fresh_key())
            if result is not None:
                self.entries.append(result.id)
        others = [r.id for r in self.reservations[-2:]] + [1, "e999-000000000000"]
        entry = data.draw(st.sampled_from(self.entries[-6:] + others), label="entry")
        seq = self.model.entry_seq(entry)
        account = None
        if seq in self.model.postings:
            account = self.model.postings[seq].account
        elif seq in self.model.spends:
            account = self.model.spends[seq].account
        by = {"committee": self.committee, "grid": self.grid_worker,
              "own": Actor(account or "M11", roles={"committee"})}[who]
        self.keyed("reverse", entry, reason=reason, by=by, key=self.fresh_key())

    @rule(days=st.integers(1, 40))
    def close_period(self, days: int) -> None:
        through = self.model.now().date() - _dt.timedelta(days=days)
        self.both("close_period", through, by=self.committee)

    @rule(data=st.data(), size=st.integers(1, 4), fail=st.booleans())
    def batch(self, data: st.DataObject, size: int, fail: bool) -> None:
        """Commands in a batch (awards, deductions, redemptions, reversals, a repeated key;
        some refused inside it, which writes nothing), that commits or fails: a failed batch
        writes nothing at all, a committed one all its events."""
        shared = [self.model.clock, *(rules for _s, _e, rules in self.model.versions)]
        model = copy.deepcopy(self.model, {id(thing): thing for thing in shared})
        last, entries = self.last, list(self.entries)
        before = ledger_snapshot(self.ledger)
        try:
            with self.ledger.batch() as self.batch_open:
                for _ in range(size):
                    self.batch_command(data)
                if fail:
                    raise _BatchCancelled
        except _BatchCancelled:
            # the model, and what later rules retry or reverse, as they were before the batch
            self.model, self.last, self.entries = model, last, entries
            assert ledger_snapshot(self.ledger) == before, "a failed batch wrote something"
            _event("batch: failed, nothing written")
        else:
            self.count_success("batch")
            _event("batch: committed")
        finally:
            self.batch_open = None

    def batch_command(self, data: st.DataObject) -> None:
        """One command of a batch, through ``both`` (which runs it in the open batch)."""
        name = data.draw(st.sampled_from(["award", "award", "deduct", "redeem", "reverse",
                                          "repeat"]), label="batch command")
        account = data.draw(st.sampled_from(self.accounts), label="account")
        if name == "repeat" and self.last is not None:
            last, args, kwargs = self.last
            self.both(last, *args, **kwargs)
        elif name == "reverse" and self.entries:
            self.keyed("reverse", data.draw(st.sampled_from(self.entries[-4:]), label="entry"),
                       reason="批量更正", by=self.committee, key=self.fresh_key())
        elif name == "redeem" and self.rewards:
            result = self.keyed("redeem", account, self.cheapest, by=self.keeper,
                                key=self.fresh_key())
            if result is not None:
                self.entries.append(result.id)
        else:
            items = self.deduct_items if name == "deduct" else self.award_items
            item = data.draw(st.sampled_from(items or self.items), label="item")
            result = self.keyed("deduct" if name == "deduct" else "award", account, item,
                                by=self.grid_worker, key=self.fresh_key(),
                                evidence=("photo-1",))
            if result is not None:
                self.entries.append(result.id)

    @rule(days=st.integers(0, 40), who=st.sampled_from(["committee", "committee", "grid"]))
    def adopt_next_version(self, days: int, who: str) -> None:
        version = f"2026-v{self.versions + 1}"
        rulebook = Rulebook(version, self.plan.rulebook.items,
                            category_caps=dict(self.plan.rulebook.category_caps),
                            policy=self.plan.rulebook.policy, rewards=self.plan.rulebook.rewards,
                            store=self.plan.rulebook.store, expiry=self.plan.rulebook.expiry,
                            ratings=self.plan.rulebook.ratings, claims=self.plan.rulebook.claims,
                            wishes=self.plan.rulebook.wishes,
                            services=self.plan.rulebook.services,
                            timebank=self.plan.rulebook.timebank,
                            matters=self.plan.rulebook.matters)
        by = self.committee if who == "committee" else self.grid_worker
        result = self.both("adopt", rulebook, by=by, resolution="村民代表会议表决通过",
                           effective_from=self.model.now().date() + _dt.timedelta(days=days))
        if result is not None:
            self.versions += 1

    # -- due jobs --------------------------------------------------------------------------

    @rule(job=st.sampled_from(["expire_due", "time_out_due", "run_due"]),
          when=st.sampled_from(["default", "default", "now", "an hour ago", "future",
                                "next expiry", "next expiry", "next expiry"]))
    def due_job(self, job: str, when: str) -> None:
        if when == "next expiry":
            """The clock to exactly the soonest expiry of a lot with points left (or a
            reservation's end): the boundary of ``expire_due`` and ``time_out_due``."""
            ends = [lot.expires_us for lots in self.model.lots.values() for lot in lots
                    if lot.points > 0] + [s.expires_us for s in self.model.spends.values()
                                          if s.state == "open"]
            ends = [end for end in ends if end > self.model.ledger_now_us()]
            if ends:
                self.clock.set(self.model.local(min(ends)))
            when = "default"
        now = self.model.local(self.model.ledger_now_us())
        as_of = {"default": None, "now": now, "an hour ago": now - _dt.timedelta(hours=1),
                 "future": now + _dt.timedelta(microseconds=1)}[when]
        self.both(job, as_of)

    def lot_ends(self) -> list[int]:
        """When the lots with points left expire (µs), after the ledger's now."""
        now = self.model.ledger_now_us()
        return [lot.expires_us for lots in self.model.lots.values() for lot in lots
                if lot.points > 0 and lot.expires_us > now]

    @precondition(lambda self: bool(self.lot_ends()))
    @rule(edge=st.sampled_from(["at", "at", "1µs before"]),
          job=st.sampled_from(["expire_due", "expire_due", "run_due"]))
    def to_the_next_expiry(self, edge: str, job: str) -> None:
        """The clock to exactly the soonest expiry of a lot (or 1 µs before it), then the
        expiry job (or every due job): 年底清零, 季度清零, 结转 and rolling expiry at their
        boundaries."""
        self.clock.set(self.model.local(min(self.lot_ends()) - (edge != "at")))
        self.both(job, None)

    # -- the points store ------------------------------------------------------------------

    @rule(data=st.data(), quantity=st.sampled_from([1, 2, 3, 10, 0]),
          donation=st.sampled_from([None, None, None, "H2", "M31", "H9", "H1"]))
    def receive_stock(self, data: st.DataObject, quantity: int, donation: str | None) -> None:
        reward = data.draw(st.sampled_from([self.cheapest, *self.rewards, "NOPE"]),
                           label="reward")
        by = self.keeper if donation != "H1" else self.member_keeper
        item = "DON-01" if "DON-01" in self.award_items else self.richest_item
        self.keyed("receive_stock", reward, quantity, by=by, key=self.fresh_key(),
                   donor=donation, donation_item=item if donation else None)

    @rule(data=st.data(), delta=st.sampled_from([-1, 0, 1, -100]),
          who=st.sampled_from(["keeper", "keeper", "grid"]))
    def adjust_stock(self, data: st.DataObject, delta: int, who: str) -> None:
        """A stock-take: exactly the reserved units, one fewer, or more."""
        reward = data.draw(st.sampled_from([*self.rewards, "NOPE"]), label="reward")
        counted = self.model.reserved.get(reward, 0) + delta
        by = self.keeper if who == "keeper" else self.grid_worker
        self.keyed("adjust_stock", reward, counted=max(counted, -1), reason="盘点", by=by,
                   key=self.fresh_key())

    @rule(data=st.data(), name=st.sampled_from(["redeem", "redeem", "reserve"]),
          quantity=st.sampled_from([1, 1, 1, 2, "free", "free+1", 0]))
    def spend(self, data: st.DataObject, name: str, quantity: int | str) -> None:
        richest = max(self.model.households, key=self.model.available)
        account = data.draw(st.sampled_from([richest] * 4 + self.accounts + ["H9"]),
                            label="account")
        stocked = [r for r in self.rewards if self.model.on_hand.get(r, 0)]
        reward = data.draw(st.sampled_from(stocked * 3 + self.rewards + ["NOPE"]),
                           label="reward")
        household = self.model.household_of(account)
        members = [m for m, r in self.model.members.items() if r["household"] == household]
        member = data.draw(st.sampled_from([None, None, *members, *members, "M41"]),
                           label="member")
        free = self.model.on_hand.get(reward, 0) - self.model.reserved.get(reward, 0)
        units = {"free": max(free, 1), "free+1": free + 1}.get(str(quantity), quantity)
        who = data.draw(st.sampled_from(["keeper", "keeper", "keeper", "keeper",
                                         "member keeper", "resident", "stranger"]), label="by")
        by = {"keeper": self.keeper, "member keeper": self.member_keeper,
              "stranger": self.stranger,
              "resident": Actor(members[0] if members else "M11", roles={"resident"})}[who]
        if name == "redeem" and who == "resident":
            by = self.keeper
        result = self.keyed(name, account, reward, by=by, key=self.fresh_key(),
                            quantity=units, member=member)
        if result is not None and name == "reserve":
            self.reservations.append(result)
        elif result is not None:
            self.entries.append(result.id)

    @precondition(lambda self: bool(self.rewards))
    @rule(data=st.data(), name=st.sampled_from(["redeem", "reserve"]),
          quantity=st.sampled_from([1, 1, 2, "free", "free+1"]))
    def shop(self, data: st.DataObject, name: str, quantity: int | str) -> None:
        """The richest household buys a stocked reward (for a member of it, at times an
        elder at a price band's edge): mostly valid, up to the free stock and one more."""
        stocked = [r for r in self.rewards if self.model.on_hand.get(r, 0)]
        if not stocked:
            self.keyed("receive_stock", data.draw(st.sampled_from(self.rewards)), 5,
                       by=self.keeper, key=self.fresh_key())
            return
        account = max(self.model.households, key=self.model.available)
        reward = data.draw(st.sampled_from(stocked), label="reward")
        members = [m for m, r in self.model.members.items()
                   if r["household"] == account and not r["closed"]]
        member = data.draw(st.sampled_from([None, *members]), label="member")
        free = self.model.on_hand.get(reward, 0) - self.model.reserved.get(reward, 0)
        units = {"free": max(free, 1), "free+1": free + 1}.get(str(quantity), quantity)
        self.able_to_pay(account, reward, max(units, 1))
        by = self.keeper if name == "redeem" else Actor(members[0] if members else "M11",
                                                        roles={"resident"})
        result = self.keyed(name, account, reward, by=by, key=self.fresh_key(),
                            quantity=units, member=member)
        if result is not None and name == "reserve":
            self.reservations.append(result)
        elif result is not None:
            self.entries.append(result.id)

    @precondition(lambda self: bool(self.priced))
    @rule(data=st.data(), elder=st.sampled_from([e[0] for e in ELDERS] + ["new"] * 4),
          age=st.sampled_from([60, 75]), short=st.booleans(),
          name=st.sampled_from(["redeem", "reserve"]))
    def elder_meal(self, data: st.DataObject, elder: str, age: int, short: bool,
                   name: str) -> None:
        """A canteen meal (a reward priced by age) for an elder at a price band's age
        boundary: turning the band's age today, or a day short of it (a new member born so,
        or one of ``ELDERS``)."""
        meal = data.draw(st.sampled_from(self.priced), label="reward")
        ages = sorted({rule.min_age for r in self.plan.rulebook.rewards if r.code == meal
                       for rule in r.price_rules})
        age = ages[age % len(ages)] if age not in ages else age
        if elder == "new":
            today = self.model.now().date()
            if (today.month, today.day) == (2, 29):
                return
            born = today.replace(year=today.year - age) + _dt.timedelta(days=int(short))
            elder = f"E{len(self.model.members) + 1}"
            self.both("register_member", elder, household="H1", name="老人",
                      roles=frozenset({"resident"}), birth_date=born, by=self.committee)
        if elder not in self.model.members:
            return
        if not self.model.on_hand.get(meal, 0) - self.model.reserved.get(meal, 0):
            self.keyed("receive_stock", meal, 3, by=self.keeper, key=self.fresh_key())
        household = self.model.household_of(elder)
        self.able_to_pay(household, meal)
        result = self.keyed(name, household, meal, member=elder, by=self.keeper,
                            key=self.fresh_key())
        if result is not None and name == "reserve":
            self.reservations.append(result)
        elif result is not None:
            self.entries.append(result.id)

    def able_to_pay(self, account: str, reward: str, quantity: int = 1) -> None:
        """Awards of `richest_item` to ``account`` (up to three) until it has the
        points for ``quantity`` units of ``reward`` at full price: so that the store's rules
        mostly test buying, not `InsufficientPoints`."""
        found = self.model.reward(reward)
        if found is None or not self.award_items:
            return
        for _ in range(3):
            if self.model.available(account) >= found.cost * quantity:
                return
            if self.keyed("award", account, self.richest_item, by=self.grid_worker,
                          key=self.fresh_key()) is None:
                return

    def free_units(self, reward: str) -> int:
        """The model's units of ``reward`` on hand and not reserved."""
        return int(self.model.on_hand.get(reward, 0) - self.model.reserved.get(reward, 0))

    @precondition(lambda self: bool(self.rewards))
    @rule(then=st.sampled_from(["redeem", "reserve", "adjust_stock"]))
    def hold_the_last_unit(self, then: str) -> None:
        """One unit of the cheapest reward free (a stock-take makes it so), reserved by the
        richest household; then another household asks for it, or a count below the reserved
        units; then the holder picks it up, cancels, or lets it time out."""
        reward = self.cheapest
        if not self.free_units(reward):
            self.keyed("receive_stock", reward, 1, by=self.keeper, key=self.fresh_key())
        self.keyed("adjust_stock", reward, counted=self.model.reserved.get(reward, 0) + 1,
                   reason="盘点", by=self.keeper, key=self.fresh_key())
        first, second = sorted(self.model.households, key=self.model.available)[-2:][::-1]
        self.able_to_pay(first, reward)
        held = self.keyed("reserve", first, reward, by=self.keeper, key=self.fresh_key())
        if held is None:
            return
        self.reservations.append(held)
        if then == "adjust_stock":
            self.keyed("adjust_stock", reward, counted=self.model.reserved[reward] - 1,
                       reason="盘点短少", by=self.keeper, key=self.fresh_key())
        else:
            self.able_to_pay(second, reward)
            self.keyed(then, second, reward, by=self.keeper, key=self.fresh_key())
        # the holder then picks the unit up, lets it go, or lets the reservation time out
        if then == "redeem":
            self.keyed("hand_over", held.id, by=self.keeper, key=self.fresh_key(),
                       pickup_code=held.pickup_code)
        elif then == "adjust_stock":
            moment = self.model.local(held.expires_us)
            if moment > self.model.now():
                self.clock.set(moment)
            self.both("time_out_due", None)
        else:
            self.keyed("cancel_reservation", held.id, reason="不要了", by=self.keeper,
                       key=self.fresh_key())

    @precondition(lambda self: bool(self.rewards))
    @rule(data=st.data(), how=st.sampled_from(["hand over", "hand over", "wrong code",
                                               "no code", "cancel", "cancel",
                                               "cancel by resident", "time out",
                                               "time out"]))
    def end_a_reservation(self, data: st.DataObject, how: str) -> None:
        """Hand over (with the code, a wrong one or none), cancel a reservation, or let it
        time out (the clock to its end, or 1 µs before, and ``time_out_due``); when none is
        open, first reserve the cheapest reward for the richest household."""
        if not any(self.model.spends[r.seq].state == "open" for r in self.reservations):
            account = max(self.model.households, key=self.model.available)
            if not self.free_units(self.cheapest):
                self.keyed("receive_stock", self.cheapest, 2, by=self.keeper,
                           key=self.fresh_key())
            self.able_to_pay(account, self.cheapest)
            result = self.keyed("reserve", account, self.cheapest, by=self.keeper,
                                key=self.fresh_key())
            if result is None:
                return
            self.reservations.append(result)
        still_open = [r for r in self.reservations if self.model.spends[r.seq].state == "open"]
        reservation = data.draw(st.sampled_from(still_open * 3 + self.reservations[-3:]),
                                label="reservation")
        if how == "time out":
            spend = self.model.spends[reservation.seq]
            edge = data.draw(st.sampled_from([0, 0, 1]), label="µs before the end")
            moment = self.model.local(spend.expires_us - edge)
            if spend.state == "open" and moment > self.model.now():
                self.clock.set(moment)
            self.both("time_out_due", None)
            return
        if how.startswith("cancel"):
            household = self.model.household_of(reservation.account)
            by = (Actor(f"M{household[1:]}1", roles={"resident"}) if how.endswith("resident")
                  and household else self.keeper)
            self.keyed("cancel_reservation", reservation.id, reason="不要了", by=by,
                       key=self.fresh_key())
            return
        code = {"hand over": reservation.pickup_code, "no code": None,
                "wrong code": "000000" if reservation.pickup_code != "000000" else "111111"}
        self.keyed("hand_over", reservation.id, by=self.keeper, key=self.fresh_key(),
                   pickup_code=code[how])

    @rule(data=st.data(), points=st.sampled_from([1, 1, 5, "all", "all", "all+1", 0]),
          kind=st.sampled_from(["allowed", "allowed", "allowed", "member", "community",
                                "household"]))
    def transfer(self, data: st.DataObject, points: int | str, kind: str) -> None:
        """Points given: mostly a kind of transfer the store policy allows, from an account
        with points (an award first when it has none), up to all it has or one more; now and
        then a kind switched off, to another member's household or to itself."""
        store = self.model.rulebook.store
        if kind == "allowed":
            allowed = [name for name, on in (("member", store.member_to_household),
                                             ("community", store.household_to_community),
                                             ("household", store.household_to_household)) if on]
            kind = data.draw(st.sampled_from(allowed or ["member"]), label="allowed kind")
        if kind == "member":
            richest = max(self.model.members, key=self.model.available)
            source = data.draw(st.sampled_from([richest, richest, *sorted(self.model.members)]),
                               label="source")
            own = self.model.household_of(source) or "H1"
            destination = data.draw(st.sampled_from([own, own, own, "H3"]),
                                    label="destination")
        else:
            households = sorted(self.model.households)
            richest = max(households, key=self.model.available)
            source = data.draw(st.sampled_from([richest, richest, *households]), label="source")
            others = [h for h in households if h != source] or households
            destination = COMMUNITY if kind == "community" else data.draw(
                st.sampled_from([*others, *others, source]), label="destination")
        if self.model.available(source) < 1 and self.award_items:
            self.keyed("award", source, self.richest_item, by=self.grid_worker,
                       key=self.fresh_key())
        available = self.model.available(source)
        amount = {"all": max(available, 1), "all+1": available + 1}.get(str(points), points)
        household = self.model.household_of(source) or "H1"
        resident = next((m for m, r in self.model.members.items()
                         if r["household"] == household), "M11")
        by = data.draw(st.sampled_from([Actor(resident, roles={"resident"}), self.committee,
                                        Actor("M41", roles={"resident"})]), label="by")
        self.keyed("transfer", source, destination, amount, by=by, key=self.fresh_key())

    # -- registry --------------------------------------------------------------------------

    @rule(data=st.data())
    def register(self, data: st.DataObject) -> None:
        n = len(self.model.households) + len(self.model.members) + 1
        if data.draw(st.booleans(), label="household"):
            grid = data.draw(st.sampled_from(["G1", "G2", "V", "G9"]), label="grid")
            self.both("register_household", f"H{n}", grid=grid, head="新户主",
                      by=data.draw(st.sampled_from([self.committee, self.grid_worker,
                                                    self.keeper]), label="by"))
        else:
            household = data.draw(st.sampled_from([*sorted(self.model.households), "H9"]),
                                  label="household")
            born = data.draw(st.sampled_from([None, _dt.date(1960, 1, 1)]), label="born")
            self.both("register_member", f"M{n}", household=household, name="新成员",
                      roles=frozenset({"resident"}), birth_date=born, by=self.committee)

    @rule(data=st.data(), kind=st.sampled_from(["grid", "grid", "village", "planet"]))
    def add_region(self, data: st.DataObject, kind: str) -> None:
        """A new grid under the village (or a code taken, a parent unknown, a kind unknown)."""
        new = f"G{len(self.model.regions) + 1}"
        code = data.draw(st.sampled_from([new, new, new, "G1", "V"]), label="code")
        parent = data.draw(st.sampled_from(["V", "V", "G9", None]), label="parent")
        by = data.draw(st.sampled_from([self.committee, self.committee, self.grid_worker]),
                       label="by")
        self.keyed("add_region", code, "新网格", kind=kind, parent=parent, by=by,
                   key=self.fresh_key())

    @rule(data=st.data())
    def move_household(self, data: st.DataObject) -> None:
        household = data.draw(st.sampled_from([*sorted(self.model.households), "H9"]),
                              label="household")
        grid = data.draw(st.sampled_from(["G1", "G2", "V", "G9"]), label="grid")
        self.keyed("move_household", household, grid=grid, by=self.committee,
                   key=self.fresh_key())

    @rule(data=st.data(), to=st.sampled_from([None, POOL, "H3", "H1"]))
    def close_account(self, data: st.DataObject, to: str | None) -> None:
        if data.draw(st.integers(0, 3), label="rarely") != 0:
            return
        account = data.draw(st.sampled_from(self.accounts), label="account")
        self.both("close_account", account, by=self.committee, balance_to=to)


class _BatchCancelled(Exception):
    """Raised inside a batch to make it fail."""


ALL_COMMANDS = (CORE_COMMANDS + FLOW_COMMANDS + REGISTRY_COMMANDS + DONATION_COMMANDS
                + BENEFIT_COMMANDS + MATTER_COMMANDS)
"""Every public command and due job, as the machine's rules call them."""

STORE_COMMANDS = ("receive_stock", "adjust_stock", "redeem", "reserve", "hand_over",
                  "cancel_reservation", "time_out_due")
"""What needs rewards in the rulebook to succeed."""


class ModelMachine(RegistryRules, DonationRules, BenefitRules, MatterRules, FlowRules,
                   CoreRules, RuleBasedStateMachine):
    """The ledger against the independent model (`Model`);
    `LedgerMachine` is its public face.

    Subclasses may set ``rulebook`` and ``village`` (a `Village`; its rulebook is
    replaced by ``rulebook`` when both are set), and ``families`` to focus on some command
    families (`_families`)."""

    families: ClassVar[tuple[str, ...] | None] = None
    """The command families whose rules a focused subclass keeps (None: every rule)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("families") is not None:
            focus(cls, tuple(cls.__dict__["families"]))

    @classmethod
    def machine_rulebook(cls) -> Rulebook:
        """The rulebook the machine builds its village on."""
        if cls.rulebook is not None:
            return cls.rulebook
        return cls.village.rulebook if cls.village is not None else default_model_rulebook()

    @classmethod
    def expected_successes(cls) -> tuple[str, ...]:
        """Every public command and due job the rulebook lets succeed: not the store's
        without rewards, ``deduct`` without deduction items, ``expire_due`` when points never
        expire, ``place_order`` without a service menu, ``convert_time`` without a time-bank
        item; a focused machine (``families``) expects only its families' commands. Override
        it to expect fewer (or more) in your own machine."""
        rules = cls.machine_rulebook()
        off = set()
        if not rules.rewards:
            off |= set(STORE_COMMANDS)
        if not any(item.points < 0 for item in rules.items):
            off.add("deduct")
        if rules.expiry.kind == "never":
            off.add("expire_due")
        if not rules.services.services:
            off.add("place_order")
        if rules.timebank.item is None:
            off.add("convert_time")
        kept = (family_commands(cls.families) if cls.families is not None
                else set(ALL_COMMANDS))
        return tuple(name for name in ALL_COMMANDS if name not in off and name in kept)


class CoreModelMachine(CoreRules, RuleBasedStateMachine):
    """The core rules alone, against the core model (no workflows)."""

    model_class = CoreModel


class SQLiteModelMachine(ModelMachine):
    """The same on a real SQLite file, which is also snapshotted, closed and reopened
    (which must change nothing)."""

    def build(self, plan: Village) -> tuple[Ledger, ManualClock]:
        self.directory = tempfile.mkdtemp(prefix="pointsledger-model-")
        self.path = os.path.join(self.directory, "ledger.db")
        return plan.build(self.path)

    def teardown(self) -> None:
        super().teardown()
        if hasattr(self, "ledger"):
            self.ledger.close()
        if hasattr(self, "directory"):
            shutil.rmtree(self.directory, ignore_errors=True)

    @rule(snapshot=st.booleans())
    def reopen(self, snapshot: bool) -> None:
        before = ledger_snapshot(self.ledger)
        if snapshot:
            self.ledger.snapshot()
        self.ledger.close()
        self.ledger = Ledger.open(self.path, clock=self.clock, tz=self.plan.tz,
                                  backdate_days=self.backdate_days)
        assert ledger_snapshot(self.ledger) == before, "reopening changed the ledger"
        note(f"reopened (snapshot={snapshot})")
