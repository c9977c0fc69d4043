"""check_invariants: the invariants of a ledger, recomputed independently, as problems."""

from __future__ import annotations

import datetime as _dt
from collections import defaultdict
from typing import Any, Final

import pendulum

from pointsledger.core.accounts import TIMEBANK
from pointsledger.core.encoding import GENESIS_HASH
from pointsledger.core.events import (
    AccountClosure,
    Event,
    HouseholdRegistered,
    ItemPosting,
    MemberRegistered,
    PeriodClosure,
    Reversed,
    RulebookAdopted,
)
from pointsledger.core.registry_events import HouseholdSplit, MemberReturned
from pointsledger.core.store_events import (
    HandedOver,
    Redemption,
    ReservationCancelled,
    ReservationTimedOut,
    Reserved,
    StockAdjusted,
    StockReceived,
    Transferred,
)
from pointsledger.errors import IntegrityError, PointsLedgerError
from pointsledger.ledger.chain import checked
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.checklist import Cap
from pointsledger.rules.flows import FLOWS
from pointsledger.rules.problems import Problem
from pointsledger.rules.rulebook import Rulebook


def period_start(per: str, local: pendulum.DateTime) -> _dt.date:
    """The first day of the ``per`` period holding ``local``, by pendulum (not by the ledger's
    own period arithmetic, so the two can check each other)."""
    unit = {"day": "day", "week": "week", "month": "month", "quarter": "quarter", "year": "year"}
    if per == "quarter":
        first_month = (local.month - 1) // 3 * 3 + 1
        return _dt.date(local.year, first_month, 1)
    start = local.start_of(unit[per])
    return _dt.date(start.year, start.month, start.day)


def cap_counters(
    account: str, rulebook: Rulebook, code: str, occurred_us: int, tz: str
) -> list[tuple[tuple[Any, ...], Cap]]:
    """The cap counters an award counts against, keyed independently of the ledger."""
    item = rulebook.item(code)
    local = pendulum.from_timestamp(occurred_us / 1_000_000, tz=tz)
    counters = [((account, "item", code, c.per, period_start(c.per, local)), c) for c in item.caps]
    counters += [
        ((account, "category", item.category, c.per, period_start(c.per, local)), c)
        for c in rulebook.caps_for_category(item.category)
    ]
    return counters


_EVER: Final = _dt.timedelta(days=36_525)  # every lot: no policy keeps one a century


def check_invariants(ledger: Ledger) -> list[Problem]:
    """Recompute the ledger's invariants from its stored log and report what does not hold.

    Checks: the hash chain, sequence and time order (``verify``); conservation (all balances
    sum to zero); derivation (a fresh replay equals the live state, and every balance is the fold
    of its postings); caps (no counter over its cap, recounted with pendulum periods); reversals
    (at most once, exactly opposite); idempotency keys (one command each); rules in force (each
    posting names the version in force when it occurred and its points match the item);
    closed periods (no posting recorded into them); separation of duties (nobody posts for their
    own household); the store (stock never negative nor below what is reserved, reservations
    resolved once, no redemption, reservation or transfer spending past the available points);
    expiry (an account's lots never hold more points than it can spend).
    Never raises for a broken ledger: every finding is a `Problem`.

    Returns:
        The problems found; empty for a sound ledger.
    """
    problems: list[Problem] = []
    live_differs = False
    try:
        ledger.verify()  # folds the log once and compares the live state with the fold
    except IntegrityError as exc:
        derived = exc.fields.get("derived")
        if derived is None:  # the chain itself: nothing else can be read safely
            problems.append(Problem("error", "chain", exc.message, seq=exc.fields.get("seq")))
            return problems
        # verify() stops at the first derived datum that differs, before the live state
        # perhaps: the live state is then compared table by table below
        live_differs = True
        if derived != "the live state":
            problems.append(Problem("error", "derived_data", exc.message,
                                    seq=exc.fields.get("seq")))
    try:
        events = list(ledger.events())
    except PointsLedgerError as exc:  # pragma: no cover - verify() read the same records
        return [Problem("error", "unreadable", str(exc))]
    problems += _derivation(ledger, events, live_differs)
    problems += _postings(ledger.tz, events)
    return problems


def _derivation(ledger: Ledger, events: list[Event], live_differs: bool) -> list[Problem]:
    problems = []
    balances = ledger.balances()
    posted = {account: balance.posted for account, balance in balances.items()}
    if sum(posted.values()) != 0:
        problems.append(Problem("error", "conservation",
                                f"balances sum to {sum(posted.values())}, not 0"))
    minutes_held = ledger.time_balances()
    if sum(minutes_held.values()) != 0:
        problems.append(Problem("error", "minutes_conservation", "time-bank minutes sum to "
                                f"{sum(minutes_held.values())}, not 0"))
    for account, minutes in minutes_held.items():
        if minutes < 0 and account != TIMEBANK:
            problems.append(Problem("error", "minutes_negative", f"{account!r} holds {minutes} "
                                    "minutes", account))
    pending: dict[str, int] = defaultdict(int)
    for case in ledger.cases():
        if case.state in FLOWS[case.flow].pending:
            pending[case.account] += case.points
    if {a: p for a, p in pending.items() if p} != {
            a: b.pending for a, b in balances.items() if b.pending}:
        problems.append(Problem("error", "pending", "pending points differ from the claims in "
                                "notice"))
    folded: dict[str, int] = defaultdict(int)
    for event in events:
        for source, destination, amount in event.postings():
            folded[source] -= amount
            folded[destination] += amount
    # when verify() passed, the live state equals a fold of the log: only otherwise is a
    # second fold (naming the tables that differ) worth its cost
    for table in ledger.drift() if live_differs else ():
        problems.append(Problem("error", "derivation",
                                f"replaying the log gives a different {table}", table))
    for account, figures in balances.items():  # expiry never takes what is not there
        in_lots = sum(lot.points for lot in ledger.expiring(account, within=_EVER))
        if in_lots > max(0, figures.available):
            problems.append(Problem("error", "lots", f"the lots of {account!r} hold {in_lots} "
                                    f"points, more than the {max(0, figures.available)} it "
                                    "can spend", account))
    for account, balance in posted.items():
        if folded.get(account, 0) != balance:
            problems.append(Problem("error", "derivation", f"balance of {account!r} is "
                                    f"{balance}, the fold of its postings {folded[account]}",
                                    account))
    return problems


def _postings(tz: str, events: list[Event]) -> list[Problem]:
    return _PostingsFold(tz).feed(events)


class _PostingsFold:
    """The invariants of postings, caps, reversals, keys, rules in force, closed periods,
    authority and the store, folded event by event: `feed()` takes the next events and
    reports what they break (the caps they touched among them)."""

    def __init__(self, tz: str) -> None:
        self.tz = tz
        self.adoptions: list[RulebookAdopted] = []
        self.by_seq: dict[int, Event] = {}
        self.household_of: dict[str, str] = {}
        self.used: dict[tuple[Any, ...], int] = defaultdict(int)
        self.limits: dict[tuple[Any, ...], Cap] = {}
        self.reversed_once: set[int] = set()
        self.keys_done: set[str] = set()
        self.last_key: str | None = None
        self.closed_before = -(2**63)
        self.posted: dict[str, int] = defaultdict(int)
        self.held: dict[str, int] = defaultdict(int)
        self.stock: dict[str, int] = defaultdict(int)
        self.open_reservations: dict[int, Reserved] = {}
        self.touched: set[str] = set()
        """The accounts the events of the last `feed()` posted to."""

    def feed(self, events: list[Event]) -> list[Problem]:
        problems: list[Problem] = []
        counters: set[tuple[Any, ...]] = set()
        self.touched = set()
        tz, used, limits = self.tz, self.used, self.limits
        household_of, adoptions = self.household_of, self.adoptions
        for event in events:
            self.by_seq[event.seq] = event
            for source, destination, amount in event.postings():
                self.posted[source] -= amount
                self.posted[destination] += amount
                self.touched.update((source, destination))
            for member, _left, joined, _points in event.moves():
                household_of[member] = joined
            problems += _store_step(event, self.by_seq, self.posted, self.held, self.stock,
                                    self.open_reservations)
            if event.key != self.last_key:
                if event.key in self.keys_done:
                    problems.append(Problem("error", "idempotency", f"key {event.key!r} wrote "
                                            "events for two commands", event.key, event.seq))
                self.keys_done.add(event.key)
                self.last_key = event.key
            if isinstance(event, RulebookAdopted):
                adoptions.append(event)
            elif isinstance(event, HouseholdRegistered):
                household_of[event.household] = event.household
            elif isinstance(event, MemberRegistered):
                household_of[event.member] = event.household
            elif isinstance(event, HouseholdSplit):
                household_of[event.new_household] = event.new_household
            elif isinstance(event, MemberReturned):
                household_of[event.member] = event.household
            elif isinstance(event, PeriodClosure):
                through = _dt.date.fromisoformat(event.through) + _dt.timedelta(days=1)
                self.closed_before = _start_us(through, tz)
            elif isinstance(event, ItemPosting):
                problems += _item_posting(event, adoptions, tz, self.closed_before,
                                          household_of)
                in_force = _in_force(adoptions, event.occurred_us, tz)
                if event.points > 0 and in_force is not None:
                    for key, cap in cap_counters(event.account, in_force.rulebook, event.item,
                                                 event.occurred_us, tz):
                        used[key] += event.points
                        limits[key] = cap
                        counters.add(key)
            elif isinstance(event, Reversed):
                problems += self._reversal(event)
            elif isinstance(event, AccountClosure) and _own_household(
                    event.actor, event.account, household_of):
                problems.append(Problem("error", "authority", f"{event.actor!r} closed an "
                                        "account of their own household", event.actor,
                                        event.seq))
        for key in sorted(counters, key=repr):
            cap = limits[key]
            if used[key] > cap.max_points:
                problems.append(Problem("error", "cap", f"{key[0]!r} earned {used[key]} from "
                                        f"{key[1]} {key[2]!r} in the {cap.per} from {key[4]}, "
                                        f"over the cap of {cap.max_points}", str(key[2])))
        return problems

    def _reversal(self, event: Reversed) -> list[Problem]:
        problems = []
        original = self.by_seq.get(event.original)
        if event.original in self.reversed_once:
            problems.append(Problem("error", "reversal", f"event {event.original} is "
                                    "reversed twice", str(event.original), event.seq))
        self.reversed_once.add(event.original)
        if original is None or tuple((d, s, a) for s, d, a in original.postings()) != (
                event.postings()):
            problems.append(Problem("error", "reversal", f"reversal {event.seq} does not "
                                    f"post the opposite of event {event.original}",
                                    str(event.original), event.seq))
        elif isinstance(original, ItemPosting) and original.points > 0:
            in_force = _in_force(self.adoptions, original.occurred_us, self.tz)
            if in_force is not None:
                for key, _cap in cap_counters(original.account, in_force.rulebook,
                                              original.item, original.occurred_us, self.tz):
                    self.used[key] -= original.points
        if _own_household(event.actor, event.account, self.household_of):
            problems.append(Problem("error", "authority", f"{event.actor!r} reversed an "
                                    "entry of their own household", event.actor, event.seq))
        return problems


class InvariantWatch:
    """`check_invariants()` step by step, for a test that checks after every command:
    each `check()` reads only the events appended since the last one and reports what
    they break: the chain continued (seq, hash, time order), every invariant of postings, caps,
    reversals, keys, rules in force, closed periods, authority and the store for the new
    events, conservation (all balances sum to zero) and derivation for the accounts they
    touched (the live balance is the fold of its postings). Run the full
    `check_invariants()` at the end (it also compares the whole live state with a fold).
    """

    def __init__(self, tz: str) -> None:
        self.seq, self.previous, self.recorded = 0, GENESIS_HASH, 0
        self.fold = _PostingsFold(tz)

    def check(self, ledger: Ledger) -> list[Problem]:
        """The problems of the events ``ledger`` appended since the last call."""
        new: list[Event] = []
        try:
            for record in ledger.store.read(self.seq):
                event = checked(self.seq, self.previous, self.recorded, record)
                self.seq, self.previous, self.recorded = (event.seq, event.hash,
                                                          event.recorded_us)
                new.append(event)
        except IntegrityError as exc:
            return [Problem("error", "chain", exc.message, seq=exc.fields.get("seq"))]
        problems = self.fold.feed(new)
        if ledger.head != self.seq:
            problems.append(Problem("error", "derivation", f"the ledger's head is "
                                    f"{ledger.head}, the store's {self.seq}"))
        balances = ledger.balances()
        total = sum(balance.posted for balance in balances.values())
        if total != 0:
            problems.append(Problem("error", "conservation", f"balances sum to {total}, not 0"))
        for account in sorted(self.fold.touched):
            posted = balances[account].posted if account in balances else 0
            if posted != self.fold.posted[account]:
                problems.append(Problem("error", "derivation", f"balance of {account!r} is "
                                        f"{posted}, the fold of its postings "
                                        f"{self.fold.posted[account]}", account))
        return problems


def _store_step(event: Event, by_seq: dict[int, Event], posted: dict[str, int],
                held: dict[str, int], stock: dict[str, int],
                open_reservations: dict[int, Reserved]) -> list[Problem]:
    """Follow stock, holds and reservations through one event; report what breaks."""
    problems = []
    spender = None
    if isinstance(event, StockReceived):
        stock[event.reward] += event.quantity
    elif isinstance(event, StockAdjusted):
        stock[event.reward] += event.change
        if event.counted != stock[event.reward]:
            problems.append(Problem("error", "stock", f"stock-take {event.seq} counted "
                                    f"{event.counted} but leaves {stock[event.reward]}",
                                    event.reward, event.seq))
    elif isinstance(event, Reserved):
        open_reservations[event.seq] = event
        held[event.account] += event.points
        spender = event.account
    elif isinstance(event, ReservationCancelled | ReservationTimedOut | HandedOver):
        found = open_reservations.pop(event.reservation, None)
        if found is None:
            problems.append(Problem("error", "reservation", f"event {event.seq} resolves "
                                    f"reservation {event.reservation}, which is not open",
                                    str(event.reservation), event.seq))
        else:
            held[found.account] -= found.points
    if isinstance(event, Redemption):
        stock[event.reward] -= event.quantity
        spender = None if isinstance(event, HandedOver) else event.account
    elif isinstance(event, Reversed) and isinstance(by_seq.get(event.original), Redemption):
        stock[event.item] += event.quantity
    elif isinstance(event, Transferred):
        spender = event.source
    drawn = getattr(event, "lots", ())
    if any(amount <= 0 for _lot, amount, _e in drawn) or list(drawn) != sorted(
            drawn, key=lambda d: (d[2], d[0])):
        problems.append(Problem("error", "lots", f"event {event.seq} does not draw its lots "
                                "soonest-expiring first", seq=event.seq))
    if any(units < 0 for units in stock.values()):
        problems.append(Problem("error", "stock", f"stock is negative after event {event.seq}",
                                seq=event.seq))
    reserved: dict[str, int] = defaultdict(int)
    for open_one in open_reservations.values():
        reserved[open_one.reward] += open_one.quantity
    if any(reserved[reward] > units for reward, units in stock.items()):
        problems.append(Problem("error", "stock", f"more reserved than on hand after event "
                                f"{event.seq}", seq=event.seq))
    if spender is not None and posted[spender] - held[spender] < 0:
        problems.append(Problem("error", "overspend", f"{spender!r} spent past its available "
                                f"points in event {event.seq}", spender, event.seq))
    return problems


def _item_posting(event: ItemPosting, adoptions: list[RulebookAdopted], tz: str,
                  closed_before: int, household_of: dict[str, str]) -> list[Problem]:
    problems = []
    in_force = _in_force(adoptions, event.occurred_us, tz)
    if in_force is None or in_force.rulebook.version != event.version:
        problems.append(Problem("error", "rules_in_force", f"event {event.seq} was checked "
                                f"against version {event.version!r}, not the one in force",
                                event.version, event.seq))
    elif in_force.rulebook.points_for(event.item, event.quantity, pendulum.from_timestamp(
            event.occurred_us / 1_000_000, tz=tz).date()) != event.points:
        problems.append(Problem("error", "rules_in_force", f"event {event.seq} posts "
                                f"{event.points} for {event.quantity} x {event.item!r}",
                                event.item, event.seq))
    if event.occurred_us < closed_before:
        problems.append(Problem("error", "closed_period", f"event {event.seq} was posted into "
                                "a closed period", event.item, event.seq))
    if event.occurred_us > event.recorded_us:
        problems.append(Problem("error", "time", f"event {event.seq} occurred after it was "
                                "recorded", event.item, event.seq))
    if _own_household(event.actor, event.account, household_of):
        problems.append(Problem("error", "authority", f"{event.actor!r} posted for their own "
                                "household", event.actor, event.seq))
    return problems


def _own_household(actor: str, account: str, household_of: dict[str, str]) -> bool:
    own = household_of.get(actor)
    return own is not None and own == household_of.get(account)


def _start_us(day: _dt.date, tz: str) -> int:
    start = pendulum.datetime(day.year, day.month, day.day, tz=tz)
    return int(start.timestamp()) * 1_000_000


def _in_force(adoptions: list[RulebookAdopted], us: int, tz: str) -> RulebookAdopted | None:
    found = None
    for adoption in adoptions:
        if _start_us(_dt.date.fromisoformat(adoption.effective_from), tz) <= us:
            found = adoption
    if found is not None and found.effective_until is not None:
        end = _dt.date.fromisoformat(found.effective_until) + _dt.timedelta(days=1)
        if us >= _start_us(end, tz):
            return None
    return found
