"""The harness of the model machines and the rules of the core ledger commands.

`LedgerRules` builds the village (its ledger and the model side by side), runs every drawn
command on both (`LedgerRules.both()`), compares them after every step, and holds the rules of
the core commands but the points store's (`pointsledger.testing._store_rules`): posting,
repeated keys, reversals, period close, batches, rulebook versions, due jobs at expiry edges,
transfers and the registry's core commands.
"""

from __future__ import annotations

import copy
import datetime as _dt
from typing import Any, ClassVar

import pendulum
from hypothesis import currently_in_test_context, event, target
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from pointsledger.base.actors import Actor
from pointsledger.base.clock import ManualClock
from pointsledger.errors import PointsLedgerError
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._coverage import CoveredMachine
from pointsledger.testing._invariants import InvariantWatch, check_invariants
from pointsledger.testing._model import CoreModel, Model
from pointsledger.testing._model_records import COMMUNITY, POOL
from pointsledger.testing._model_village import (
    ELDERS,
    TZ,
    default_model_village,
)
from pointsledger.testing._strategies import Village


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


def _times(machine: LedgerRules) -> st.SearchStrategy[tuple[str, Any]]:
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


class LedgerRules(CoveredMachine):
    """The harness and the rules of the core commands but the points store's (`StoreRules`)."""

    model_class: ClassVar[type[CoreModel]] = Model
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
