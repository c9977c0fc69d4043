"""The independent model of the ledger core's commands: the registry's, rulebook adoption and
period close, postings and reversals, expiry, transfers and the due jobs (`LedgerModel`, on
the ground layer `_model_accounts.AccountsModel`); with the points store (`_model_store`) they
make `CoreModel`, and with the workflows, matters, donations, benefits and the registry's
changes the whole `Model`.

Written from the documentation (docs/ledger.md, store.md, expiry.md, errors.md, concepts.md
and the commands' docstrings), never from the library's code. Each command method returns a
`Prediction` and changes nothing; only the
prediction's ``commit`` changes the model, after the ledger accepted the same call.

Plain data: balances, caps used, lots, stock and reservations are dicts and lists of ints
(instants in microseconds since the epoch, periods as strings like ``"2026-W10"``). Where
a command breaks several rules and the docs do not say which is checked first, the
prediction names every error that applies.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import pendulum

from pointsledger.base.actors import Actor
from pointsledger.errors import (
    AccountClosed,
    AlreadyExists,
    AlreadyReversed,
    BackdatedTooFar,
    BalanceNotZero,
    EvidenceRequired,
    InsufficientPoints,
    NoRulebookInForce,
    NotEligible,
    NotReversible,
    OccurredInFuture,
    PeriodClosed,
    RulebookError,
    UnknownAccount,
    UnknownEntry,
    UnknownItem,
    UnknownRegion,
    ValidationError,
)
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._model_accounts import AccountsModel
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_benefits import BenefitModel, campaign_points
from pointsledger.testing._model_donations import DonationModel
from pointsledger.testing._model_flows import FlowModel
from pointsledger.testing._model_matters import MatterModel
from pointsledger.testing._model_records import (
    _HOUSEHOLD_REGIONS,
    _UNDER,
    COMMUNITY,
    DAY_US,
    EXPIRED,
    PENALTY,
    POOL,
    Draws,
    Errors,
    Lot,
    Posting,
    Spend,
    is_naive,
    to_us,
)
from pointsledger.testing._model_registry import RegistryModel
from pointsledger.testing._model_store import StoreModel


class LedgerModel(AccountsModel):
    """The core model without the points store (`StoreModel`): the registry's commands,
    rulebook adoption and period close, postings and reversals, expiry, transfers and the due
    jobs in order."""

    # -- registry ------------------------------------------------------------------------

    def add_region(self, code: str, name: str, *, kind: str, by: Actor,
                   parent: str | None = None, key: str | None = None,
                   memo: str = "") -> Prediction:
        key = key or f"region/{code}"
        errors = self.actor_errors("add_region", by, None)
        if code in self.regions:
            errors.add(AlreadyExists)
        if kind not in _UNDER:
            errors.add(ValidationError)
        if parent is not None and parent not in self.regions:
            errors.add(UnknownRegion)
        elif parent is not None and kind not in _UNDER[self.regions[parent]]:
            errors.add(ValidationError)

        def apply(result: Any) -> None:
            self.regions[code] = kind
            self.wrote()
        return self.accept(key, "add_region", (code, name, kind, parent, by, memo), errors, apply)

    def register_household(self, household: str, *, grid: str, head: str, by: Actor,
                           key: str | None = None, memo: str = "") -> Prediction:
        key = key or f"household/{household}"
        errors = self.actor_errors("register_household", by, None)
        if household in self.households or household in self.members:
            errors.add(AlreadyExists)
        if grid not in self.regions:
            errors.add(UnknownRegion)
        elif self.regions[grid] not in _HOUSEHOLD_REGIONS:
            errors.add(ValidationError)

        def apply(result: Any) -> None:
            self.households[household] = {"grid": grid, "closed": False,
                                          "since": result.recorded_us}
            self.wrote()
        return self.accept(key, "register_household", (household, grid, head, by, memo), errors,
                           apply)

    def register_member(self, member: str, *, household: str, name: str, by: Actor,
                        key: str | None = None, roles: Sequence[str] | frozenset[str] = (),
                        birth_date: _dt.date | None = None, memo: str = "") -> Prediction:
        key = key or f"member/{member}"
        errors = self.actor_errors("register_member", by, None)
        if member in self.households or member in self.members:
            errors.add(AlreadyExists)
        if household not in self.households:
            errors.add(UnknownAccount)
        elif self.households[household]["closed"]:
            errors.add(AccountClosed)
        if birth_date is not None and birth_date > self.ledger_now().date():
            errors.add(ValidationError)

        def apply(result: Any) -> None:
            self.members[member] = {"household": household, "roles": frozenset(roles),
                                    "birth_date": birth_date, "closed": False}
            self.wrote()
        payload = (member, household, name, frozenset(roles), birth_date, by, memo)
        return self.accept(key, "register_member", payload, errors, apply)

    def move_household(self, household: str, *, grid: str, by: Actor, key: str,
                       memo: str = "") -> Prediction:
        errors = self.actor_errors("move_household", by, household)
        if household not in self.households:
            errors.add(UnknownAccount)
        elif self.households[household]["closed"]:
            errors.add(AccountClosed)
        elif self.households[household]["grid"] == grid:
            errors.add(ValidationError)
        if grid not in self.regions:
            errors.add(UnknownRegion)
        elif self.regions[grid] not in _HOUSEHOLD_REGIONS:
            errors.add(ValidationError)

        def apply(result: Any) -> None:
            self.households[household]["grid"] = grid
            self.wrote()
        return self.accept(key, "move_household", (household, grid, by, memo), errors, apply)

    def open_case_accounts(self) -> set[str]:
        """Accounts with live workflow cases (FlowModel overrides it)."""
        return set()

    def close_account(self, account: str, *, by: Actor, key: str | None = None,
                      balance_to: str | None = None, memo: str = "") -> Prediction:
        key = key or f"close/{account}"
        errors = self.actor_errors("close_account", by, account)
        errors |= self.account_errors(account)
        if not errors:
            if account in self.households and any(
                    m["household"] == account and not m["closed"]
                    for m in self.members.values()):
                errors.add(ValidationError)
            if account in self.open_case_accounts() or self.held.get(account, 0):
                errors.add(ValidationError)
            balance = self.posted(account)
            if balance and balance_to is None:
                errors.add(BalanceNotZero)
            if balance_to is not None and balance_to != POOL:
                if balance_to == account:
                    errors.add(ValidationError)
                else:
                    errors |= self.account_errors(balance_to)

        def apply(result: Any) -> None:
            balance = self.posted(account)
            if balance and balance_to is not None:
                draws = self.draw(account, balance)
                self.move(account, balance_to, balance)
                self.receive_lots(balance_to, draws)
            self.lots.pop(account, None)
            record = self.households.get(account) or self.members[account]
            record["closed"], record["closed_us"] = True, result.recorded_us
            self.wrote()
        return self.accept(key, "close_account", (account, balance_to, by, memo), errors, apply)

    def receive_lots(self, account: str, draws: Draws) -> None:
        """Transferred points (already posted) keep their lots' expiry at the destination (docs
        store.md "Transfers"), after settling a deficit there."""
        lots = self.lots.setdefault(account, [])
        room = self.available(account) - sum(lot.points for lot in lots)
        for lot, points in draws:
            take = max(0, min(points, room))
            room -= take
            lots.append(Lot(lot.seq, take, lot.expires_us, lot.carry))

    # -- rulebook versions ---------------------------------------------------------------

    def adopt(self, rulebook: Rulebook, *, effective_from: _dt.date, by: Actor,
              resolution: str, key: str | None = None,
              effective_until: _dt.date | None = None, memo: str = "") -> Prediction:
        key = key or f"adopt/{rulebook.version}"
        errors = self.actor_errors("adopt", by, None)
        start = self.day_start_us(effective_from)
        if any(r.version == rulebook.version for _s, _e, r in self.versions):
            errors.add(AlreadyExists)
        if any(p.severity == "error" for p in rulebook.check()):
            errors.add(RulebookError)
        if start <= self.versions[-1][0] or start <= self.latest_occurred_us:
            errors.add(RulebookError)
        if start < self.closed_before_us:
            errors.add(PeriodClosed)
        if not resolution:
            errors.add(ValidationError)
        end = None if effective_until is None else self.day_start_us(
            effective_until) + DAY_US
        if end is not None and end <= start:
            errors.add(ValidationError)

        def apply(result: Any) -> None:
            last_start, _last_end, last = self.versions[-1]
            self.versions[-1] = (last_start, start, last)
            self.versions.append((start, end, rulebook))
            self.wrote()
        payload = (rulebook, effective_from, resolution, effective_until, by, memo)
        return self.accept(key, "adopt", payload, errors, apply)

    def claims_open_through(self, through: _dt.date) -> bool:
        """Whether a claim for conduct up to ``through`` is in review or notice (FlowModel)."""
        return False

    def close_period(self, through: _dt.date, *, by: Actor, key: str | None = None,
                     memo: str = "") -> Prediction:
        key = key or f"close_period/{through.isoformat()}"
        errors = self.actor_errors("close_period", by, None)
        if through >= self.ledger_now().date():
            errors.add(ValidationError)
        if self.closed_through is not None and through <= self.closed_through:
            errors.add(ValidationError)
        if self.claims_open_through(through):
            errors.add(ValidationError)

        def apply(result: Any) -> None:
            self.closed_through = through
            self.closed_before_us = self.day_start_us(through) + DAY_US
            self.wrote()
        return self.accept(key, "close_period", (through, by, memo), errors, apply)

    # -- postings ------------------------------------------------------------------------

    def item_errors(self, name: str, account: str, item: str, by: Actor, occurred: Any,
                    quantity: int, evidence: Sequence[str]) -> Errors:
        """What refuses an award (``name`` "award") or deduction ("deduct") before caps."""
        errors = self.actor_errors(name, by, account) | self.account_errors(account)
        errors |= self.time_errors(occurred)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not (
                1 <= quantity <= 10_000):
            errors.add(ValidationError)
        if errors & {ValidationError, OccurredInFuture, BackdatedTooFar, NoRulebookInForce}:
            return errors
        rulebook = self.version_at(self.occurred_us(occurred))
        entry = None if rulebook is None else next(
            (i for i in rulebook.items if i.code == item), None)
        if entry is None:
            errors.add(UnknownItem)
        elif (entry.points < 0) != (name == "deduct"):
            errors |= {ValidationError, UnknownItem}
        elif entry.evidence_required and not evidence:
            errors.add(EvidenceRequired)
        return errors

    def posting_payload(self, account: str, item: str, occurred: Any, quantity: int,
                        evidence: Sequence[str]) -> tuple[Any, ...]:
        at = None if occurred is None or is_naive(occurred) else to_us(occurred)
        return (account, item, at, quantity, tuple(evidence))

    def award(self, account: str, item: str, *, by: Actor, key: str,
              occurred_at: _dt.datetime | None = None, quantity: int = 1,
              evidence: Sequence[str] = (), memo: str = "") -> Prediction:
        return self._post("award", account, item, by, key, occurred_at, quantity, evidence,
                          memo)

    def deduct(self, account: str, item: str, *, by: Actor, key: str,
               occurred_at: _dt.datetime | None = None, quantity: int = 1,
               evidence: Sequence[str] = (), memo: str = "") -> Prediction:
        return self._post("deduct", account, item, by, key, occurred_at, quantity, evidence,
                          memo)

    def _post(self, name: str, account: str, item: str, by: Actor, key: str,
              occurred: Any, quantity: int, evidence: Sequence[str], memo: str) -> Prediction:
        errors = self.item_errors(name, account, item, by, occurred, quantity, evidence)
        points = 0
        at = self.occurred_us(occurred) if not errors & {ValidationError} else 0
        if not errors:
            rulebook = self.version_at(at)
            assert rulebook is not None
            points = campaign_points(rulebook, item, quantity, self.local(at).date())
            if name == "award":
                errors |= self.cap_errors(account, item, points, at)
                if self.expired_already(at):
                    errors.add(BackdatedTooFar)
        payload = (*self.posting_payload(account, item, occurred, quantity, evidence), by, memo)

        def check(result: Any) -> list[str]:
            problems = []
            if result.points != points:
                problems.append(f"{name} {item} x{quantity}: points {result.points}, "
                                f"model {points}")
            if result.occurred_us != at:
                problems.append(f"{name}: occurred_us {result.occurred_us}, model {at}")
            return problems

        def apply(result: Any) -> None:
            self.post_entry(name, result.seq, account, item, points, at)
            self.wrote()
        return self.accept(key, name, payload, errors, apply, check,
                           label=f"{name} {'with' if occurred is None else 'given'} time")

    def post_entry(self, name: str, seq: int, account: str, item: str, points: int,
                   at: int) -> Posting:
        """Apply an award (points > 0) or a deduction (points < 0) the ledger recorded."""
        rulebook = self.version_at(at)
        assert rulebook is not None
        entry = rulebook.item(item)
        self.latest_occurred_us = max(self.latest_occurred_us, at)
        if points > 0:
            caps = [counter for counter, _ in self.cap_keys(account, item, at)]
            self.use_caps(account, item, points, at)
            lot = self.credit(account, points, at, source=name, entry=seq)
            posting = Posting(seq, "awarded", account, item, points, at, rulebook.version,
                              lot=lot, caps=caps)
        else:
            draws = self.debit(account, -points)
            posting = Posting(seq, "deducted", account, item, points, at, rulebook.version,
                              draws=draws, serious=entry.serious)
        posting.household = self.household_of(account) or account
        self.postings[seq] = posting
        return posting

    def reverse(self, entry: str | Any, *, reason: str, by: Actor, key: str,
                memo: str = "") -> Prediction:
        seq = self.entry_seq(entry)
        target = self.postings.get(seq) if seq is not None else None
        spend = None if seq is None else self.handovers.get(seq, self.spends.get(seq))
        if spend is not None and spend.kind == "reserved" and seq not in self.handovers:
            spend = None
        account = target.account if target else (spend.account if spend else None)
        errors = self.actor_errors("reverse", by, account)
        if not reason:
            errors.add(ValidationError)
        if seq is None:
            errors.add(UnknownEntry)
        elif target is None and spend is None:
            errors.add(NotReversible)
        elif (target or spend) and (target or spend).reversed:  # type: ignore[union-attr]
            errors.add(AlreadyReversed)
        elif account is not None:
            errors |= self.account_errors(account)

        def check(result: Any) -> list[str]:
            return [] if result.original == seq else [
                f"reverse: original {result.original}, model {seq}"]

        def apply(result: Any) -> None:
            if target is not None:
                self.undo_posting(target)
            elif spend is not None:
                self.undo_spend(spend)
            self.wrote()
        return self.accept(key, "reverse", (seq, reason, by, memo), errors, apply, check)

    def undo_spend(self, spend: Spend) -> None:
        """Give a reversed redemption back: the points store's part (`StoreModel`)."""
        raise NotImplementedError

    def undo_posting(self, posting: Posting) -> None:
        """A reversal: the exact opposite, the caps freed, the lots given back."""
        posting.reversed = True
        if posting.points > 0:
            for counter in posting.caps:
                self.caps_used[counter] = self.caps_used.get(counter, 0) - posting.points
            self.balances[posting.account] = self.posted(posting.account) - posting.points
            self.balances[POOL] = self.posted(POOL) + posting.points
            self.take_back_award(posting)
        else:
            self.move(PENALTY, posting.account, -posting.points)
            self.give_back(posting.draws)
            self.trim_lots(posting.account)

    def take_back_award(self, posting: Posting) -> None:
        """What reversing an award takes from the lots: what is left of its own lot, then
        (docs/expiry.md) the rest soonest-expiring first."""
        rest = posting.points
        if posting.lot is not None:
            take = min(posting.lot.points, rest)
            posting.lot.points -= take
            rest -= take
        self.draw(posting.account, rest)
        self.trim_lots(posting.account)

    def trim_lots(self, account: str) -> None:
        """Lots never hold more than the account can spend: cut the latest-expiring first."""
        excess = sum(lot.points for lot in self.lots.get(account, [])) - max(
            0, self.available(account))
        for lot in sorted(self.lots.get(account, []), key=lambda lot: (lot.expires_us, lot.seq),
                          reverse=True):
            if excess <= 0:
                break
            take = min(lot.points, excess)
            lot.points -= take
            excess -= take

    # -- expiry --------------------------------------------------------------------------

    def expire_due(self, as_of: _dt.datetime | None = None) -> Prediction:
        """One ``expired`` event per account holding points in lots expired by ``as_of``
        (checked as a set); under 结转 up to the policy's ``carry`` of them carry over to the
        next year end (the event then may expire 0 points); re-running writes nothing new."""
        if as_of is not None and self.bad_as_of(as_of):
            return Prediction.refused(ValidationError)
        limit = self.now_us() if as_of is None else to_us(as_of)
        due = {account: self.split_carry(lots, limit) for account, lots in self.lots.items()}
        # an account whose due points all carry writes nothing: they keep their year end and
        # are weighed again at the next (docs/expiry.md)
        due = {account: split for account, split in due.items()
               if any(n for _l, n in split[0])}
        expected = {account: (sum(n for _l, n in gone), sum(n for _l, n in kept))
                    for account, (gone, kept) in due.items()}

        def check(result: Any) -> list[str]:
            got = {e.account: (e.points, sum(lot[1] for lot in e.carried)) for e in result}
            return [] if got == expected else [
                f"expire_due: ledger (expired, carried) {got}, model {expected}"]

        def commit(result: Any) -> None:
            for account, (gone, kept) in due.items():
                for lot, points in gone:
                    lot.points -= points
                for lot, points in kept:
                    lot.points -= points
                    self.lots[account].append(Lot(lot.seq, points, self.next_year_end(
                        lot.expires_us), lot.carry))
                expired = sum(n for _l, n in gone)
                if expired:
                    self.move(account, EXPIRED, expired)
            self.wrote(len(result))
        carried = any(kept for _gone, kept in due.values())
        return Prediction(check=check, commit=commit,
                          label=("some carried over" if carried else "something expired")
                          if due else "nothing due")

    @staticmethod
    def split_carry(lots: list[Lot], limit: int) -> tuple[Draws, Draws]:
        """What of the lots expired by ``limit`` expires, and what carries over: under 结转 up
        to the carry limit (the largest of the account's lots), taken from the newest lots of
        the soonest year end first (docs/expiry.md); all of it expires otherwise."""
        due = [lot for lot in lots if lot.points > 0 and lot.expires_us <= limit]
        keep = max((lot.carry for lot in lots if lot.points > 0), default=0)
        gone: Draws = []
        kept: Draws = []
        for lot in sorted(due, key=lambda lot: (lot.expires_us, -lot.seq)):
            carry = min(keep, lot.points)
            keep -= carry
            if carry:
                kept.append((lot, carry))
            if lot.points - carry:
                gone.append((lot, lot.points - carry))
        return gone, kept

    def next_year_end(self, expires_us: int) -> int:
        """The local year end after the year of the instant ``expires_us`` (a carry-over's
        new expiry: points expiring at midnight of 1 January carry to the next 1 January)."""
        year = self.local(expires_us).year
        return to_us(pendulum.datetime(year + 1, 1, 1, tz=self.tz))

    def transfer(self, source: str, destination: str, points: int, *, by: Actor, key: str,
                 memo: str = "") -> Prediction:
        errors = self.actor_errors("transfer", by, source) | self.account_errors(source)
        store = self.rulebook.store
        kind = ""
        if destination == COMMUNITY:
            kind = "household_to_community" if source in self.households else ""
        elif destination in self.households and source in self.members:
            kind = "member_to_household" if self.household_of(source) == destination else ""
        elif destination in self.households and source in self.households:
            kind = "household_to_household" if source != destination else ""
        if destination != COMMUNITY:
            errors |= self.account_errors(destination)
        if not kind:
            errors.add(ValidationError)
        elif not getattr(store, kind):
            errors.add(NotEligible)
        if not isinstance(points, int) or isinstance(points, bool) or points < 1:
            errors.add(ValidationError)
        elif not errors and self.available(source) < points:
            errors.add(InsufficientPoints)

        def apply(result: Any) -> None:
            draws = self.draw(source, points)
            self.move(source, destination, points)
            self.receive_lots(destination, draws)
            self.wrote()
        return self.accept(key, "transfer", (source, destination, points, by, memo), errors, apply)

    # -- due jobs ------------------------------------------------------------------------

    def run_due(self, as_of: _dt.datetime | None = None) -> Prediction:
        """The due jobs in order: post_due, lapse_due, time_out_due, overdue_due, expire_due.
        Each job is predicted from the model as the jobs before it left it, so the check
        happens in the commit, on each job's part of the result (``split_due``)."""
        if as_of is not None and self.bad_as_of(as_of):
            return Prediction.refused(ValidationError)

        def commit(result: Any) -> None:
            parts = self.split_due(tuple(result))
            for name in DUE_JOBS:
                if not hasattr(self, name):
                    continue
                job = getattr(self, name)(as_of)
                part = parts[name]
                problems = job.check(part) if job.accepted else [
                    f"run_due: the model refuses {name} ({job.errors})"]
                if problems:
                    raise AssertionError(f"run_due, {name}: {problems}")
                job.commit(part)
        return Prediction(commit=commit, label="run_due")

    @staticmethod
    def split_due(result: tuple[Any, ...]) -> dict[str, tuple[Any, ...]]:
        """run_due's events by the job that wrote them: claims' posts and their postings,
        wishes lapsing, orders and reservations timing out, expiries."""
        parts: dict[str, list[Any]] = {name: [] for name in DUE_JOBS}
        for event in result:
            kind = type(event).__name__
            flow = getattr(event, "flow", None)
            if kind == "Expired":
                parts["expire_due"].append(event)
            elif kind == "ReservationTimedOut" or flow == "order":
                parts["time_out_due"].append(event)
            elif flow == "wish":
                parts["lapse_due"].append(event)
            elif flow == "matter":
                parts["overdue_due"].append(event)
            else:
                parts["post_due"].append(event)
        return {name: tuple(events) for name, events in parts.items()}


class CoreModel(StoreModel, LedgerModel):
    """The model of the ledger core, from the docs alone.

    Invariants it keeps: every balance is what the docs' postings give (double entry: all sum
    to zero); lots hold no more than the account's available points; stock on hand never
    goes below what is reserved; each key holds the first result of one request.
    """


DUE_JOBS = ("post_due", "lapse_due", "time_out_due", "overdue_due", "expire_due")


class Model(RegistryModel, DonationModel, BenefitModel, MatterModel, FlowModel, CoreModel):
    """The whole model: the core, the workflows and the matters."""
