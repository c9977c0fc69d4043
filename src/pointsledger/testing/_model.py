"""The independent model of the ledger core: the registry, rulebook versions, postings and
caps, lots and expiry, and the points store.

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

import calendar
import datetime as _dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import pendulum

from pointsledger.base.actors import Actor
from pointsledger.base.clock import ManualClock
from pointsledger.errors import (
    AccountClosed,
    AlreadyExists,
    AlreadyResolved,
    AlreadyReversed,
    BackdatedTooFar,
    BalanceNotZero,
    CapExceeded,
    EvidenceRequired,
    IdempotencyConflict,
    InsufficientPoints,
    LimitReached,
    NoRulebookInForce,
    NotEligible,
    NotReversible,
    OccurredInFuture,
    OutOfStock,
    PeriodClosed,
    PermissionDenied,
    PointsLedgerError,
    ReservationExpired,
    RulebookError,
    UnknownAccount,
    UnknownEntry,
    UnknownItem,
    UnknownRegion,
    UnknownReward,
    ValidationError,
)
from pointsledger.rules.catalogue import Reward
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_benefits import BenefitModel, campaign_points
from pointsledger.testing._model_donations import DonationModel
from pointsledger.testing._model_flows import FlowModel
from pointsledger.testing._model_matters import MatterModel
from pointsledger.testing._model_registry import RegistryModel
from pointsledger.testing._strategies import Village

Errors = set[type[PointsLedgerError]]

POOL, PENALTY, STORE, EXPIRED, COMMUNITY = "@pool", "@penalty", "@store", "@expired", "@community"
DAY_US = 86_400_000_000
_UNDER = {"county": {"town"}, "town": {"village", "community"}, "village": {"grid"},
          "community": {"grid"}, "grid": {"micro_grid"}, "micro_grid": set()}
"""A region kind and the kinds that may sit directly under it (docs/concepts.md: a town under
a county, a village or community under a town, a grid under either, a micro-grid under a
grid)."""
_HOUSEHOLD_REGIONS = ("grid", "micro_grid")
"""Households are registered in a grid or a micro-grid."""


def to_us(moment: _dt.datetime) -> int:
    """An aware datetime as whole microseconds since the epoch."""
    return calendar.timegm(moment.utctimetuple()) * 1_000_000 + moment.microsecond


def is_naive(moment: Any) -> bool:
    """Whether ``moment`` is a datetime without a time zone."""
    return isinstance(moment, _dt.datetime) and moment.utcoffset() is None


class Lot:
    """What is left of one award's points, and when it expires (soonest first, then oldest);
    ``carry``: the carry-over limit of the rulebook the points were earned under (0: none)."""

    def __init__(self, seq: int, points: int, expires_us: int, carry: int = 0) -> None:
        self.seq, self.points, self.expires_us, self.carry = seq, points, expires_us, carry

    def __repr__(self) -> str:
        return f"Lot(seq={self.seq}, points={self.points}, expires_us={self.expires_us})"


Draws = list[tuple[Lot, int]]
"""The lots a spending drew from, and how much from each (given back on reversal)."""


class Posting:
    """An award or a deduction the model knows: enough to reverse it exactly."""

    def __init__(self, seq: int, kind: str, account: str, item: str, points: int,
                 occurred_us: int, version: str, *, lot: Lot | None = None,
                 draws: Draws | None = None, caps: list[tuple[str, ...]] | None = None,
                 serious: bool = False) -> None:
        self.seq, self.kind, self.account, self.item = seq, kind, account, item
        self.points, self.occurred_us, self.version = points, occurred_us, version
        self.lot, self.draws, self.caps, self.serious = lot, draws or [], caps or [], serious
        self.reversed = False
        self.household = account
        """The household the account belonged to when the posting was recorded."""


class Spend:
    """A redemption or an open (or ended) reservation of the points store."""

    def __init__(self, seq: int, kind: str, account: str, household: str, member: str | None,
                 reward: str, quantity: int, points: int, at_us: int, draws: Draws) -> None:
        self.seq, self.kind, self.account, self.household = seq, kind, account, household
        self.member, self.reward, self.quantity, self.points = member, reward, quantity, points
        self.at_us, self.draws = at_us, draws
        self.state = "open" if kind == "reserved" else "redeemed"
        self.expires_us = 0
        self.pickup_code = ""
        self.reversed = False


class CoreModel:
    """The model of the ledger core, from the docs alone.

    Invariants it keeps: every balance is what the docs' postings give (double entry: all sum
    to zero); lots hold no more than the account's available points; stock on hand never
    goes below what is reserved; each key holds the first result of one request.
    """

    def __init__(self, plan: Village, clock: ManualClock, *, backdate_days: int = 90) -> None:
        self.clock = clock
        self.tz = plan.tz
        self.backdate_days = backdate_days
        self.versions: list[tuple[int, int | None, Rulebook]] = []
        """(start_us, end_us or None, rulebook), oldest first."""
        self.regions: dict[str, str] = {}
        self.households: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, Any]] = {}
        self.balances: dict[str, int] = {}
        self.pending: dict[str, int] = {}
        self.held: dict[str, int] = {}
        self.lots: dict[str, list[Lot]] = {}
        self.caps_used: dict[tuple[str, ...], int] = {}
        self.postings: dict[int, Posting] = {}
        self.spends: dict[int, Spend] = {}
        self.handovers: dict[int, Spend] = {}
        """Hand-overs by their seq: each a redemption of its reservation (reversible)."""
        self.on_hand: dict[str, int] = {}
        self.reserved: dict[str, int] = {}
        self.keys: dict[str, tuple[str, tuple[Any, ...], Any]] = {}
        self.ids: dict[str, int] = {}
        self.closed_before_us = 0
        self.closed_through: _dt.date | None = None
        self.latest_occurred_us = 0
        self.last_recorded_us = 0
        self.model_events = 0
        self._build(plan)

    # -- the village the machine starts from --------------------------------------------

    def _build(self, plan: Village) -> None:
        """What ``Village.build`` writes: genesis, the adoption, the regions and registry."""
        start = to_us(plan.start)
        effective = plan.start.subtract(days=100).date()
        self.versions.append((self.day_start_us(effective), None, plan.rulebook))
        regions = plan.regions or (("V", "", "village", None),
                                   *((g, "", "grid", "V") for g in plan.grids))
        for code, _name, kind, _parent in regions:
            self.regions[code] = kind
        for i, (household, grid, _head) in enumerate(plan.households):
            self.households[household] = {"grid": grid, "closed": False,
                                          "since": start + 2 + len(regions) + i}
        for member, household, _name, roles in plan.members:
            self.members[member] = {"household": household, "roles": frozenset(roles),
                                    "birth_date": None, "closed": False}
        written = 2 + len(regions) + len(plan.households) + len(plan.members)
        self.model_events = written
        self.last_recorded_us = start + written - 1
        self.keys[f"adopt/{plan.rulebook.version}"] = ("adopt", ("built",), None)
        for code, *_rest in regions:
            self.keys[f"region/{code}"] = ("add_region", ("built",), None)
        for household in self.households:
            self.keys[f"household/{household}"] = ("register_household", ("built",), None)
        for member in self.members:
            self.keys[f"member/{member}"] = ("register_member", ("built",), None)

    # -- time ----------------------------------------------------------------------------

    def now(self) -> pendulum.DateTime:
        """The clock's reading in the ledger's zone."""
        return pendulum.instance(self.clock()).in_timezone(self.tz)

    def ledger_now(self) -> pendulum.DateTime:
        """The ledger's now (the next recording time) in its zone: the day and year the store's
        windows, limits, ages and scores, and the registry's and period closing's checks read."""
        return self.local(self.next_recorded_us())

    def now_us(self) -> int:
        return to_us(self.clock())

    def ledger_now_us(self) -> int:
        """The ledger's now: when its next event would be recorded (never before the last)."""
        return self.next_recorded_us()

    def bad_as_of(self, as_of: Any) -> bool:
        """A due job's ``as_of`` that is naive or after the ledger's now."""
        return bool(is_naive(as_of) or to_us(as_of) > self.ledger_now_us())

    def next_recorded_us(self, n: int = 1) -> int:
        """When the n-th next event is recorded: the later of the clock and 1 µs after the last."""
        return max(self.now_us(), self.last_recorded_us + 1) + n - 1

    def local(self, us: int) -> pendulum.DateTime:
        return pendulum.from_timestamp(us // 1_000_000, tz=self.tz).add(
            microseconds=us % 1_000_000)

    def day_start_us(self, day: _dt.date) -> int:
        return to_us(pendulum.datetime(day.year, day.month, day.day, tz=self.tz))

    def period(self, us: int, per: str) -> str:
        """The calendar period of ``per`` (day ... year, or ever) holding ``us``, local time."""
        moment = self.local(us)
        if per == "day":
            return moment.to_date_string()
        if per == "week":
            year, week, _ = moment.isocalendar()
            return f"{year}-W{week:02d}"
        if per == "month":
            return f"{moment.year}-{moment.month:02d}"
        if per == "quarter":
            return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
        if per == "year":
            return str(moment.year)
        return "ever"

    def wrote(self, n: int = 1) -> None:
        """Count ``n`` more events and their recording times."""
        self.last_recorded_us = self.next_recorded_us(n)
        self.model_events += n

    # -- rulebook versions ---------------------------------------------------------------

    def version_at(self, us: int) -> Rulebook | None:
        """The rulebook in force at ``us`` (None: none)."""
        found = None
        for start, end, rulebook in self.versions:
            if start <= us and (end is None or us < end):
                found = rulebook
        return found

    @property
    def rulebook(self) -> Rulebook:
        """The rulebook in force now."""
        rulebook = self.version_at(self.next_recorded_us())
        assert rulebook is not None, "the machine always has a rulebook in force"
        return rulebook

    # -- accounts ------------------------------------------------------------------------

    def household_of(self, account: str) -> str | None:
        if account in self.households:
            return account
        if account in self.members:
            return str(self.members[account]["household"])
        return None

    def is_closed(self, account: str) -> bool:
        record = self.households.get(account) or self.members.get(account)
        return bool(record and record["closed"])

    def account_errors(self, account: str) -> Errors:
        """Unknown (not a household or member) or closed account."""
        if account not in self.households and account not in self.members:
            return {UnknownAccount}
        if self.is_closed(account):
            return {AccountClosed}
        household = self.household_of(account)
        if household is not None and self.households[household]["closed"]:
            return {AccountClosed}
        return set()

    def actor_errors(self, command: str, by: Actor, account: str | None) -> Errors:
        """The role policy of the rulebook in force, and conflicts of interest: nobody acts
        on their own household, except residents where the command is theirs to take for
        their own household (reserve, cancel a reservation, transfer)."""
        allowed = self.rulebook.policy.roles_for(command) & by.roles
        if not allowed:
            return {PermissionDenied}
        if account is None:
            return set()
        own = self.household_of(by.id)
        target = self.household_of(account)
        if own is not None and own == target:  # only as a resident, where that is theirs
            self_service = command in ("reserve", "cancel_reservation", "transfer")
            return set() if self_service and "resident" in allowed else {PermissionDenied}
        if command in ("reserve", "cancel_reservation", "transfer") and allowed == {"resident"}:
            return {PermissionDenied}
        return set()

    # -- time checks ---------------------------------------------------------------------

    def time_errors(self, occurred: Any) -> Errors:
        """Naive, in the future (after the time the command is recorded at), backdated beyond
        the window (from that time), or in a closed period; and no rulebook in force then."""
        if occurred is None:
            return set()
        if not isinstance(occurred, _dt.datetime) or is_naive(occurred):
            return {ValidationError}
        at, now = to_us(occurred), self.next_recorded_us()
        errors: Errors = set()
        if at > now:
            errors.add(OccurredInFuture)
        if at < now - self.backdate_days * DAY_US:
            errors.add(BackdatedTooFar)
        if at < self.closed_before_us:
            errors.add(PeriodClosed)
        if not errors and self.version_at(at) is None:
            errors.add(NoRulebookInForce)
        return errors

    def occurred_us(self, occurred: Any) -> int:
        """When the conduct happened: ``occurred``, or the command's recording time."""
        return self.next_recorded_us() if occurred is None else to_us(occurred)

    # -- caps ----------------------------------------------------------------------------

    def cap_keys(self, account: str, item: str, occurred: Any) -> list[tuple[tuple[str, ...], int]]:
        """Each cap an award of ``item`` at ``occurred`` counts toward: (counter, max)."""
        at = occurred if isinstance(occurred, int) else self.occurred_us(occurred)
        rulebook = self.version_at(at)
        if rulebook is None:
            return []
        entry = next((i for i in rulebook.items if i.code == item), None)
        if entry is None or entry.points < 0:
            return []
        found: list[tuple[tuple[str, ...], int]] = []
        for cap in entry.caps:
            found.append((("item", account, item, cap.per, self.period(at, cap.per)),
                          cap.max_points))
        for cap in rulebook.caps_for_category(entry.category):
            found.append((("category", account, entry.category, cap.per,
                           self.period(at, cap.per)), cap.max_points))
        return found

    def cap_errors(self, account: str, item: str, points: int, occurred: Any) -> Errors:
        """CapExceeded when ``points`` more from ``item`` would pass a cap of its period."""
        for counter, most in self.cap_keys(account, item, occurred):
            if self.caps_used.get(counter, 0) + points > most:
                return {CapExceeded}
        return set()

    def use_caps(self, account: str, item: str, points: int, occurred: Any) -> None:
        for counter, _most in self.cap_keys(account, item, occurred):
            self.caps_used[counter] = self.caps_used.get(counter, 0) + points

    def free_caps(self, account: str, item: str, points: int, occurred: Any) -> None:
        for counter, _most in self.cap_keys(account, item, occurred):
            self.caps_used[counter] = self.caps_used.get(counter, 0) - points

    # -- balances and lots ---------------------------------------------------------------

    def posted(self, account: str) -> int:
        return self.balances.get(account, 0)

    def available(self, account: str) -> int:
        return self.posted(account) - self.held.get(account, 0)

    def move(self, source: str, destination: str, points: int) -> None:
        """A double-entry posting."""
        self.balances[source] = self.posted(source) - points
        self.balances[destination] = self.posted(destination) + points

    def expired_already(self, occurred_us: int) -> bool:
        """Whether points for conduct at ``occurred_us`` would already have expired when the
        command is recorded (an award or claim of them is refused, docs/expiry.md)."""
        rulebook = self.version_at(occurred_us)
        expires = None if rulebook is None else self.expires_us(occurred_us, rulebook)
        return expires is not None and expires <= self.next_recorded_us()

    def expires_us(self, occurred_us: int, rulebook: Rulebook) -> int | None:
        """When points of conduct at ``occurred_us`` expire under ``rulebook`` (None: never)."""
        policy = rulebook.expiry
        moment = self.local(occurred_us)
        if policy.kind == "rolling":
            return occurred_us + int(policy.days or 0) * DAY_US
        if policy.kind in ("year_end", "carry_over"):
            return to_us(pendulum.datetime(moment.year + 1, 1, 1, tz=self.tz))
        if policy.kind == "quarter_end":
            first = pendulum.datetime(moment.year, (moment.month - 1) // 3 * 3 + 1, 1, tz=self.tz)
            return to_us(first.add(months=3))
        return None

    def new_lot(self, account: str, seq: int, points: int, occurred_us: int) -> Lot | None:
        """The lot an award of ``points`` (already posted) makes: what is left after settling a
        deficit, so lots never hold more than the account can spend."""
        rulebook = self.version_at(occurred_us)
        expires = None if rulebook is None else self.expires_us(occurred_us, rulebook)
        if rulebook is None or expires is None:
            return None
        lots = self.lots.setdefault(account, [])
        room = self.available(account) - sum(lot.points for lot in lots)
        lot = Lot(seq, max(0, min(points, room)), expires, rulebook.expiry.carry or 0)
        lots.append(lot)
        return lot

    def draw(self, account: str, points: int) -> Draws:
        """Take ``points`` from the account's lots, soonest-expiring first, then oldest."""
        draws: Draws = []
        for lot in sorted(self.lots.get(account, []), key=lambda lot: (lot.expires_us, lot.seq)):
            if points <= 0:
                break
            take = min(lot.points, points)
            if take:
                lot.points -= take
                points -= take
                draws.append((lot, take))
        return draws

    @staticmethod
    def give_back(draws: Draws) -> None:
        for lot, points in draws:
            lot.points += points

    def credit(self, account: str, points: int, occurred: Any, *, source: str,
               entry: int = 0) -> Lot | None:
        """An award-like posting from the pool: ``points`` to ``account`` and a new lot with its
        expiry (``entry``: the awarding event's seq). ``source`` names what it is for."""
        occurred_us = occurred if isinstance(occurred, int) else self.occurred_us(occurred)
        self.move(POOL, account, points)
        return self.new_lot(account, entry, points, occurred_us)

    def debit(self, account: str, points: int, *, to: str = PENALTY) -> Draws:
        """A spending or deduction of ``points`` (soonest-expiring lots first) to ``to``."""
        draws = self.draw(account, points)
        self.move(account, to, points)
        return draws

    # -- idempotency ---------------------------------------------------------------------

    def repeat(self, key: str, name: str, payload: tuple[Any, ...]) -> Prediction | None:
        """A retry returns the first result; another request under the key is refused."""
        if key not in self.keys:
            return None
        first_name, first_payload, first = self.keys[key]
        if first_name != name or first_payload != payload:
            return Prediction.refused(IdempotencyConflict, label="key reused")

        def same(result: Any) -> list[str]:
            if first is None or getattr(result, "seq", None) == first.seq:
                return []
            return [f"a retry of key {key!r} returned seq {getattr(result, 'seq', result)}, "
                    f"not the first result's {first.seq}"]
        return Prediction(check=same, label="retry")

    def remember(self, key: str, name: str, payload: tuple[Any, ...], result: Any) -> None:
        self.keys.setdefault(key, (name, payload, result))

    def accept(self, key: str, name: str, payload: tuple[Any, ...], errors: Errors,
               apply: Callable[[Any], None], check: Callable[[Any], list[str]] | None = None,
               label: str = "") -> Prediction:
        """The prediction of a keyed command: a retry or conflict first, then ``errors``
        (refused), else accepted with ``check`` and a commit that applies and remembers."""
        again = self.repeat(key, name, payload)
        if again is not None and again.accepted:
            return again
        if again is not None:
            errors = errors | set(again.errors)
        if not isinstance(key, str) or not key:
            errors = errors | {ValidationError}
        if errors:
            return Prediction(frozenset(errors), label=label)

        def commit(result: Any) -> None:
            self.learn(result)
            apply(result)
            self.remember(key, name, payload, result)
        return Prediction(check=check or (lambda result: []), commit=commit, label=label)

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

    def learn(self, result: Any) -> None:
        """Remember the ids of the events a command returned (the model cannot predict them)."""
        for one in result if isinstance(result, tuple) else (result,):
            if hasattr(one, "id"):
                self.ids[one.id] = one.seq

    def entry_seq(self, entry: Any) -> int | None:
        """The seq of an entry named by its id (``e12-3fa9c2d01b7e``) or its event; None for
        anything else (an id with another hash, a bare number)."""
        if hasattr(entry, "seq") and hasattr(entry, "id"):
            return self.ids.get(entry.id)
        if isinstance(entry, str):
            return self.ids.get(entry)
        return None

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

    # -- the points store ----------------------------------------------------------------

    def reward(self, code: str) -> Reward | None:
        return next((r for r in self.rulebook.rewards if r.code == code), None)

    def receive_stock(self, reward: str, quantity: int, *, by: Actor, key: str,
                      donor: str | None = None, donation_item: str | None = None,
                      donor_name: str = "", value: int | None = None,
                      memo: str = "") -> Prediction:
        """docs/store.md: a donation names a registered donor or an outside donor by name;
        only a registered donor is awarded, per unit (the quantity) or per value
        (``value // per_value`` units, at least one)."""
        errors = self.actor_errors("receive_stock", by, donor)
        if self.reward(reward) is None:
            errors.add(UnknownReward)
        if not isinstance(quantity, int) or quantity < 1:
            errors.add(ValidationError)
        if donor is not None:
            errors |= self.account_errors(donor)
        if donation_item is not None and donor is None:
            errors.add(ValidationError)
        if value is not None and (not isinstance(value, int) or value < 1
                                  or (donor is None and not donor_name)):
            errors.add(ValidationError)
        points = 0
        if donation_item is not None and donor is not None and not errors:
            entry = next((i for i in self.rulebook.items if i.code == donation_item), None)
            units = 0 if entry is None else (
                quantity if entry.per_value is None else (value or 0) // entry.per_value)
            if entry is None:
                errors.add(UnknownItem)
            elif entry.points < 0:
                errors |= {ValidationError, UnknownItem}
            elif units < 1:
                errors.add(ValidationError)
            elif entry.evidence_required:
                errors.add(EvidenceRequired)
            else:
                points = entry.points * units
                # the award occurs when the donation is received (the command's time)
                errors |= self.cap_errors(donor, donation_item, points, self.next_recorded_us())
        donated = donor is not None or bool(donor_name)
        payload = (reward, quantity, donor, donation_item, donor_name, value, by, memo)

        def check(result: Any) -> list[str]:
            kind = "donation_received" if donated else "stock_received"
            return [] if result.kind == kind else [
                f"receive_stock: a {result.kind} event, model {kind}"]

        def apply(result: Any) -> None:
            at = self.next_recorded_us()
            self.on_hand[reward] = self.on_hand.get(reward, 0) + quantity
            self.wrote()
            if donation_item is not None and donor is not None:
                # the award is the next event, seq result.seq + 1, occurring with the receipt
                self.post_entry("award", result.seq + 1, donor, donation_item, points, at)
                self.wrote()
        label = ("donation by value" if value and donation_item else "donation" if donation_item
                 else "outside donor" if donated else "")
        return self.accept(key, "receive_stock", payload, errors, apply, check, label=label)

    def adjust_stock(self, reward: str, *, counted: int, reason: str, by: Actor, key: str,
                     memo: str = "") -> Prediction:
        errors = self.actor_errors("adjust_stock", by, None)
        if self.reward(reward) is None and reward not in self.on_hand:
            errors.add(UnknownReward)
        if not isinstance(counted, int) or counted < 0 or not reason:
            errors.add(ValidationError)
        elif counted < self.reserved.get(reward, 0):
            errors.add(OutOfStock)

        def check(result: Any) -> list[str]:
            change = counted - self.on_hand.get(reward, 0)
            return [] if result.change == change else [
                f"adjust_stock: change {result.change}, model {change}"]

        def apply(result: Any) -> None:
            self.on_hand[reward] = counted
            self.wrote()
        return self.accept(key, "adjust_stock", (reward, counted, reason, by, memo), errors,
                           apply, check)

    def age(self, member: str | None, day: _dt.date) -> int | None:
        """A member's age in whole years on ``day`` (None: no member or no birth date)."""
        if member is None or member not in self.members:
            return None
        born = self.members[member]["birth_date"]
        if born is None:
            return None
        return int(day.year - born.year - ((day.month, day.day) < (born.month, born.day)))

    def unit_price(self, reward: Reward, member: str | None) -> int:
        """The cost, or the first price rule whose age band holds the member's age today,
        ``percent`` of the cost rounded up."""
        age = self.age(member, self.ledger_now().date())
        if age is not None:
            for rule in reward.price_rules:
                if rule.min_age <= age and (rule.max_age is None or age < rule.max_age):
                    return math.ceil(reward.cost * rule.percent / 100)
        return int(reward.cost)

    def score(self, household: str) -> int:
        """Base points plus the net points the household and its members earned this year
        (awards minus deductions, reversed entries excluded)."""
        year = self.ledger_now().year
        net = sum(p.points for p in self.postings.values()
                  if not p.reversed and self.household_of(p.account) == household
                  and self.local(p.occurred_us).year == year)
        return int(self.rulebook.store.base_points) + net

    def banned(self, household: str) -> bool:
        """A serious deduction bans redemption for the rest of its year plus ``ban_years``."""
        years = self.rulebook.store.ban_years
        if years is None:
            return False
        year = self.ledger_now().year
        return any(p.serious and not p.reversed and self.household_of(p.account) == household
                   and self.local(p.occurred_us).year + years >= year
                   for p in self.postings.values())

    def counted(self, reward: str, household: str, member: str | None, per: str,
                scope: str) -> int:
        """Units of ``reward`` given out or held in the current ``per`` period, by ``member``,
        by ``household`` (with its members) or by every household (``scope`` ``"all"``)."""
        now = self.next_recorded_us()
        period = self.period(now, per)
        total = 0
        for spend in self.spends.values():
            if spend.reward != reward or spend.reversed or spend.state in (
                    "cancelled", "timed_out"):
                continue
            if scope == "member" and spend.member != member:
                continue
            if scope == "household" and spend.household != household:
                continue  # "all" (the reward's total limit) counts every household's
            if per == "ever" or self.period(spend.at_us, per) == period:
                total += spend.quantity
        return total

    def store_errors(self, name: str, account: str, reward_code: str, by: Actor,
                     quantity: int, member: str | None) -> tuple[Errors, int, str | None]:
        """What refuses a redemption or reservation; the points it costs; the member."""
        errors = self.actor_errors(name, by, account) | self.account_errors(account)
        reward = self.reward(reward_code)
        if reward is None:
            errors.add(UnknownReward)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            errors.add(ValidationError)
        if member is None and account in self.members:
            member = account
        household = self.household_of(account)
        if member is not None and (member not in self.members
                                   or self.members[member]["household"] != household
                                   or self.members[member]["closed"]):
            errors |= {ValidationError, UnknownAccount}
            member = None
        if reward is None or household is None or self.account_errors(account):
            return errors, 0, member
        today = self.ledger_now().date()
        reason = reward.open_on(today)
        if reason is not None:
            errors.add(NotEligible)
        if reward.price_rules and self.age(member, today) is None:
            errors.add(NotEligible)  # age-priced: a member with a known birth date is needed
        store = self.rulebook.store
        score = self.score(household)
        if self.banned(household):
            errors.add(NotEligible)
        if store.min_score is not None and score < store.min_score:
            errors.add(NotEligible)
        if reward.min_score is not None and score < reward.min_score:
            errors.add(NotEligible)
        for limit in reward.limits:
            if limit.scope == "member" and member is None:
                continue
            used = self.counted(reward_code, household, member, limit.per, limit.scope)
            if used + quantity > limit.max_quantity:
                errors.add(LimitReached)
        if reward.total_limit is not None:
            given = self.counted(reward_code, household, member, "ever", "all")
            if given + quantity > reward.total_limit:
                errors.add(LimitReached)
        if self.on_hand.get(reward_code, 0) - self.reserved.get(reward_code, 0) < quantity:
            errors.add(OutOfStock)
        points = self.unit_price(reward, member) * quantity
        if self.available(account) < points:
            errors.add(InsufficientPoints)
        return errors, points, member

    def redeem(self, account: str, reward: str, *, by: Actor, key: str, quantity: int = 1,
               member: str | None = None, memo: str = "") -> Prediction:
        return self._spend("redeem", account, reward, by, key, quantity, member, memo)

    def reserve(self, account: str, reward: str, *, by: Actor, key: str, quantity: int = 1,
                member: str | None = None, memo: str = "") -> Prediction:
        return self._spend("reserve", account, reward, by, key, quantity, member, memo)

    def _spend(self, name: str, account: str, reward: str, by: Actor, key: str,
               quantity: int, member: str | None, memo: str) -> Prediction:
        errors, points, for_member = self.store_errors(name, account, reward, by, quantity,
                                                       member)
        payload = (account, reward, quantity, member, by, memo)

        def check(result: Any) -> list[str]:
            problems = []
            if (result.points, result.quantity) != (points, quantity):
                problems.append(f"{name} {reward} x{quantity} for {for_member}: points "
                                f"{result.points}, model {points}")
            return problems

        def apply(result: Any) -> None:
            at = self.next_recorded_us()
            household = self.household_of(account)
            assert household is not None
            if name == "redeem":
                draws = self.debit(account, points, to=STORE)
                self.on_hand[reward] -= quantity
            else:
                draws = self.draw(account, points)
                self.held[account] = self.held.get(account, 0) + points
                self.reserved[reward] = self.reserved.get(reward, 0) + quantity
            spend = Spend(result.seq, "redeemed" if name == "redeem" else "reserved", account,
                          household, for_member, reward, quantity, points, at, draws)
            if name == "reserve":
                spend.expires_us = at + self.rulebook.store.reservation_days * DAY_US
                spend.pickup_code = result.pickup_code
            self.spends[result.seq] = spend
            self.wrote()
        known = self.reward(reward)
        price = "" if errors or known is None else (
            "full price" if points == quantity * known.cost else "price rule")
        return self.accept(key, name, payload, errors, apply, check, label=price)

    def reservation(self, reservation: Any) -> Spend | None:
        seq = self.entry_seq(reservation)
        spend = self.spends.get(seq) if seq is not None else None
        return spend if spend is not None and spend.kind == "reserved" else None

    def hand_over(self, reservation: str | Any, *, by: Actor, key: str,
                  pickup_code: str | None = None, memo: str = "") -> Prediction:
        spend = self.reservation(reservation)
        errors = self.actor_errors("hand_over", by, spend.account if spend else None)
        if spend is None:
            errors.add(UnknownEntry)
        elif spend.state == "open" and self.next_recorded_us() >= spend.expires_us:
            errors.add(ReservationExpired)
        elif spend.state != "open":
            errors |= {AlreadyResolved} | (
                {ReservationExpired} if spend.state == "timed_out" else set())
        elif pickup_code is not None and pickup_code != spend.pickup_code:
            errors.add(ValidationError)
        seq = spend.seq if spend else None

        def apply(result: Any) -> None:
            assert spend is not None
            spend.state = "redeemed"
            self.handovers[result.seq] = spend
            self.held[spend.account] -= spend.points
            self.move(spend.account, STORE, spend.points)
            self.on_hand[spend.reward] -= spend.quantity
            self.reserved[spend.reward] -= spend.quantity
            self.wrote()
        return self.accept(key, "hand_over", (seq, pickup_code, by, memo), errors, apply)

    def cancel_reservation(self, reservation: str | Any, *, reason: str, by: Actor, key: str,
                           memo: str = "") -> Prediction:
        spend = self.reservation(reservation)
        errors = self.actor_errors("cancel_reservation", by, spend.account if spend else None)
        if spend is None:
            errors.add(UnknownEntry)
        elif spend.state != "open":
            errors.add(AlreadyResolved)
        if not reason:
            errors.add(ValidationError)
        seq = spend.seq if spend else None

        def apply(result: Any) -> None:
            assert spend is not None
            self.release(spend, "cancelled")
            self.wrote()
        return self.accept(key, "cancel_reservation", (seq, reason, by, memo), errors, apply)

    def release(self, spend: Spend, state: str) -> None:
        """A reservation ends without pickup: its points and stock are free again, and its
        lots what the account can spend of them (none while it is in deficit)."""
        spend.state = state
        self.held[spend.account] -= spend.points
        self.reserved[spend.reward] -= spend.quantity
        self.give_back(spend.draws)
        self.trim_lots(spend.account)

    def undo_spend(self, spend: Spend) -> None:
        """Reversing a redemption returns the points, the lots and the stock."""
        spend.reversed = True
        self.move(STORE, spend.account, spend.points)
        self.give_back(spend.draws)
        self.trim_lots(spend.account)
        self.on_hand[spend.reward] += spend.quantity

    def reservation_time_outs(self, limit: int) -> list[int]:
        """The open reservations whose time is up by ``limit`` (seqs, oldest first)."""
        return [s.seq for s in sorted(self.spends.values(), key=lambda s: s.seq)
                if s.kind == "reserved" and s.state == "open" and s.expires_us <= limit]

    def time_out_reservations(self, limit: int) -> int:
        """Apply the reservation time-outs due by ``limit``; how many events they wrote."""
        due = self.reservation_time_outs(limit)
        for seq in due:
            self.release(self.spends[seq], "timed_out")
        return len(due)

    def time_out_due(self, as_of: _dt.datetime | None = None) -> Prediction:
        """Reservations not picked up in time release their points and stock."""
        if as_of is not None and self.bad_as_of(as_of):
            return Prediction.refused(ValidationError)
        limit = self.now_us() if as_of is None else to_us(as_of)
        due = self.reservation_time_outs(limit)

        def check(result: Any) -> list[str]:
            got = [getattr(e, "reservation", None) for e in result]
            return [] if got == due else [f"time_out_due: ledger {got}, model {due}"]

        def commit(result: Any) -> None:
            self.time_out_reservations(limit)
            self.wrote(len(result))
        return Prediction(check=check, commit=commit)

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


DUE_JOBS = ("post_due", "lapse_due", "time_out_due", "overdue_due", "expire_due")


class Model(RegistryModel, DonationModel, BenefitModel, MatterModel, FlowModel, CoreModel):
    """The whole model: the core, the workflows and the matters."""
