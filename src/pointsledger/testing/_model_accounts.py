"""The independent model's ground layer: the village the machine starts from, time, rulebook
versions, accounts, caps, balances and lots, and idempotency (docs/ledger.md, expiry.md,
concepts.md). Written from the docs alone, like the rest of the model (`_model_base`); the
commands are the layers above (`_model`, `_model_store`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

import pendulum

from pointsledger.base.actors import Actor
from pointsledger.base.clock import ManualClock
from pointsledger.errors import (
    AccountClosed,
    BackdatedTooFar,
    CapExceeded,
    IdempotencyConflict,
    NoRulebookInForce,
    OccurredInFuture,
    PeriodClosed,
    PermissionDenied,
    UnknownAccount,
    ValidationError,
)
from pointsledger.rules.rulebook import Rulebook
from pointsledger.testing._model_base import Prediction
from pointsledger.testing._model_records import (
    DAY_US,
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
from pointsledger.testing._strategies import Village


class AccountsModel:
    """The ground the core model stands on: the village it starts from, time and its checks,
    rulebook versions in force, accounts, caps, balances and lots, idempotency keys and the
    ids the ledger gave."""

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
