"""The derived state of a ledger and the one function that changes it.

`apply()` is the only way state changes, and it is the same function live and on replay, so
replaying the log always reproduces the live state exactly. Apply trusts its input: commands
validate before events exist. Every balance is the fold of the postings of the applied events,
and since each posting moves points between two accounts, all balances sum to zero.

State holds only tables (dicts) of immutable values (`pointsledger.core.records`; lots
and cap counters as `pointsledger.core.lots` and `pointsledger.core.caps` keep them),
and immutable scalars. Since it is a fold of the log, state that may not match the log (a batch
that failed after applying some of its events) is never repaired: the ledger folds the log again.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Callable
from typing import Any

import attrs
import pendulum

from pointsledger.base.periods import (
    DEFAULT_TZ,
    day_start_us,
    local_day_range,
    period_index,
    period_label,
)
from pointsledger.core.caps import PERIOD_CODES, CapPlan, CapWindow, cap_plan
from pointsledger.core.case_state import CASE_HANDLERS
from pointsledger.core.encoding import GENESIS_HASH
from pointsledger.core.events import (
    AccountClosure,
    Event,
    HouseholdMoved,
    HouseholdRegistered,
    LedgerCreated,
    Lot,
    MemberRegistered,
    PeriodClosure,
    RegionAdded,
    RulebookAdopted,
)
from pointsledger.core.lots import LotEntry, draw_lots, expiring_lots, give_lots
from pointsledger.core.posting_state import POSTING_HANDLERS
from pointsledger.core.records import Adoption, Balance, Reservation
from pointsledger.core.registry import Household, Member, Region
from pointsledger.core.registry_state import REGISTRY_HANDLERS, place
from pointsledger.core.store_state import STORE_HANDLERS
from pointsledger.errors import IntegrityError, UnknownReward
from pointsledger.rules.catalogue import Reward
from pointsledger.rules.checklist import ChecklistItem
from pointsledger.rules.flows import Case
from pointsledger.rules.rulebook import Rulebook

TABLES = (
    "posted", "cap_used", "keys", "reversals", "regions", "households", "members",
    "adoptions_by_version", "account_index", "scope_index", "held", "stock", "reserved",
    "reservations", "limit_used", "conduct", "bans", "lots", "cases", "pending", "minutes",
    "time_moves", "placements", "priced_goods",
)
"""The names of the state's tables: the dicts `apply()` writes."""

Placed = tuple[int, int, str, bool]
"""``(seq, recorded_us, where, closed)``: from event ``seq`` (recorded at ``recorded_us``) on,
the account is in ``where`` (a member's household, a household's grid) and open or closed."""

SCALARS = ("seq", "head_hash", "recorded_us", "ledger_id", "tz", "closed_before_us",
           "max_occurred_us", "adoptions")
"""The state's values beside its tables that a fold of the log determines."""


class LedgerState:
    """Everything derived from the log: registry, rulebooks, balances, caps used, keys.

    Treat it as read-only; only `apply()` writes to it.
    """

    posted: dict[str, int]
    cap_used: dict[int, int]
    keys: dict[str, int]
    reversals: dict[int, int]
    regions: dict[str, Region]
    households: dict[str, Household]
    members: dict[str, Member]
    adoptions_by_version: dict[str, Adoption]
    account_index: dict[str, int]
    scope_index: dict[str, int]
    held: dict[str, int]
    stock: dict[str, int]
    reserved: dict[str, int]
    reservations: dict[int, Reservation]
    limit_used: dict[tuple[Any, ...], int]
    conduct: dict[tuple[str, int], int]
    bans: dict[str, tuple[tuple[int, int], ...]]
    lots: dict[str, tuple[LotEntry, ...]]
    cases: dict[int, Case]
    pending: dict[str, int]
    minutes: dict[str, int]
    time_moves: dict[str, tuple[int, ...]]
    placements: dict[str, tuple[Placed, ...]]
    """The registry's history, one entry per change of each account: a member's household, a
    household's grid, and whether the account was closed from then on."""
    priced_goods: dict[str, tuple[str, int, str, int]]
    """Donated goods the store committee priced (``price_donated_goods``): ``(title, cost,
    category, seq of the act)`` by reward code."""

    def __init__(self) -> None:
        for name in TABLES:
            setattr(self, name, {})
        self.seq = 0
        self.head_hash = GENESIS_HASH
        self.recorded_us = 0
        self.ledger_id = ""
        self.tz = DEFAULT_TZ
        self.tzinfo: _dt.tzinfo = pendulum.timezone(DEFAULT_TZ)
        self.adoptions: tuple[Adoption, ...] = ()
        self._starts: tuple[int, ...] = ()
        self._adoption_range: tuple[int, int, Adoption | None] = (0, 0, None)
        self.closed_before_us = 0
        self.max_occurred_us = 0
        # derived caches, never part of what apply changes
        self._cap_plans: dict[tuple[str, str], tuple[CapPlan, ...]] = {}
        self._last_keys: tuple[int | None, str | None, str | None, str | None,
                               list[tuple[int, int]]] = (None, None, None, None, [])
        # the local day last seen: (start, end, date, its period indexes by period kind number)
        self._day: tuple[int, int, _dt.date, tuple[int, ...]] = (0, 0, _dt.date.min, ())

    def _clear_caches(self) -> None:
        self._cap_plans = {}
        self._last_keys = (None, None, None, None, [])
        self._day = (0, 0, _dt.date.min, ())

    # -- queries ---------------------------------------------------------------------------
    def store_reward(self, version: str, code: str) -> Reward:
        """Reward ``code`` as rulebook ``version`` has it, else the donated goods the store
        committee priced under that code (a reward with no limits or price rules).

        Raises:
            UnknownReward: neither knows the code.
        """
        try:
            return self.adoptions_by_version[version].rulebook.reward(code)
        except UnknownReward:
            priced = self.priced_goods.get(code)
            if priced is None:
                raise
            title, cost, category, _seq = priced
            return Reward(code, title, cost=cost, category=category)

    def adoption_at(self, us: int) -> Adoption | None:
        """The adopted rulebook in force at instant ``us``, or None."""
        low, high, found = self._adoption_range
        if low <= us < high:
            return found
        i = bisect.bisect_right(self._starts, us) - 1
        if i < 0:
            low, high, found = -(2**63), self._starts[0] if self._starts else 2**63, None
        else:
            found = self.adoptions[i]
            low = found.from_us
            high = self._starts[i + 1] if i + 1 < len(self._starts) else 2**63
            until = found.until_us
            if until is not None:
                if us >= until:
                    low, found = until, None
                else:
                    high = min(high, until)
        self._adoption_range = (low, high, found)
        return found

    def balance(self, account: str) -> Balance:
        """The current balance of ``account`` (zero for an account never posted to)."""
        return Balance(account, self.posted.get(account, 0), pending=self.pending.get(account, 0),
                       held=self.held.get(account, 0))

    def available(self, account: str) -> int:
        """Points ``account`` may spend now: posted minus held."""
        return self.posted.get(account, 0) - self.held.get(account, 0)

    def limit_windows(
        self, reward: Reward, household: str, member: str, us: int
    ) -> list[tuple[tuple[Any, ...], int, str, str]]:
        """The limit counters a redemption of ``reward`` at ``us`` counts against:
        ``(key, max, what, period label)``, the reward's total limit last."""
        day = self.local_day(us)
        windows: list[tuple[tuple[Any, ...], int, str, str]] = []
        for limit in reward.limits:
            who = household if limit.scope == "household" else member
            if not who:
                continue
            index = 0 if limit.per == "ever" else period_index(limit.per, day)
            label = "ever" if limit.per == "ever" else period_label(limit.per, index)
            windows.append(((limit.scope, who, reward.code, limit.per, index),
                            limit.max_quantity, f"{limit.scope} {who}", label))
        if reward.total_limit is not None:
            windows.append((("total", reward.code), reward.total_limit, "total", "ever"))
        return windows

    def score(self, household: str, us: int) -> int:
        """A household's score at ``us``: the store's base points plus what the household and
        its members earned net (awards minus deductions) in that calendar year."""
        adoption = self.adoption_at(us)
        base = adoption.rulebook.store.base_points if adoption is not None else 0
        return base + self.conduct.get((household, self.local_day(us).year), 0)

    def draw_lots(self, account: str, points: int, skip: int | None = None) -> tuple[Lot, ...]:
        """The lots ``points`` of ``account`` come from: soonest-expiring first, then oldest
        (``skip`` leaves out one lot). May cover less than ``points``: the rest is points that
        never expire (or a deficit)."""
        return draw_lots(self.lots.get(account, ()), points, skip)

    def expiring(self, account: str, before_us: int) -> list[Lot]:
        """``(lot, remaining, expires_us)`` of the account's lots expiring before
        ``before_us``."""
        return expiring_lots(self.lots.get(account, ()), before_us)

    def carry_limit(self, version: str) -> int:
        """The carry-over limit of rulebook ``version``'s expiry policy (0: none): what a lot
        given back after it was emptied carries, as it would have when it was awarded."""
        return self.adoptions_by_version[version].rulebook.expiry.carry or 0

    def banned_until(self, household: str, us: int) -> int | None:
        """The end of the latest ban in force on ``household`` at ``us`` (None: not banned)."""
        ends = [until for _seq, until in self.bans.get(household, ()) if until > us]
        return max(ends) if ends else None

    def household_of(self, account: str) -> str | None:
        """The household an account belongs to (itself for a household), or None."""
        if account in self.households:
            return account
        member = self.members.get(account)
        return member.household if member is not None else None

    def household_at(self, account: str, seq: int) -> str | None:
        """The household an account belonged to when event ``seq`` was applied (itself for a
        household), or None for a system account or a member not registered yet: the registry
        as it stood then."""
        if account in self.households:
            return account
        placed = self.placements.get(account)
        if not placed:
            return None
        if seq >= placed[-1][0]:
            return placed[-1][2]
        found = None
        for at, _recorded, where, _closed in placed:
            if at > seq:
                break
            found = where
        return found

    def stood(self, account: str, us: int) -> tuple[str, bool] | None:
        """Where an account was (a member's household, a household's grid) and whether it was
        closed, as the registry stood at instant ``us`` (recorded by then); None: not
        registered yet."""
        stood = None
        for _seq, recorded, where, closed in self.placements.get(account, ()):
            if recorded > us:
                break
            stood = (where, closed)
        return stood

    def households_as_stood(self, us: int) -> dict[str, Household]:
        """The households registered by instant ``us``, each in its grid then and closed only
        if closed by then."""
        out = {}
        for account, record in self.households.items():
            stood = self.stood(account, us)
            if stood is not None:  # the record itself when it stood as it stands (frozen)
                out[account] = (record if (record.grid, record.closed) == stood
                                else attrs.evolve(record, grid=stood[0], closed=stood[1]))
        return out

    def members_as_stood(self, us: int) -> dict[str, Member]:
        """The members registered by instant ``us``, each in its household then and closed
        only if closed by then."""
        out = {}
        for account, record in self.members.items():
            stood = self.stood(account, us)
            if stood is not None:
                out[account] = (record if (record.household, record.closed) == stood
                                else attrs.evolve(record, household=stood[0], closed=stood[1]))
        return out

    def cap_windows(
        self, account: str, rulebook: Rulebook, item: ChecklistItem, occurred_us: int
    ) -> list[CapWindow]:
        """The cap counters an award of ``item`` to ``account`` at ``occurred_us`` counts
        against: the item's own caps, then its category's."""
        keys = self.cap_keys(account, rulebook.version, item.code, occurred_us)
        plan = self._cap_plan(rulebook.version, item.code)
        return [CapWindow(key, cap, scope, name, key & 0xFFFFFFFF)
                for (key, _max), (*_, cap, scope, name) in zip(keys, plan, strict=True)]

    def cap_keys(self, account: str, version: str, item: str,
                 occurred_us: int) -> list[tuple[int, int]]:
        """``(counter key, max points)`` of each cap an award of ``item`` (of rulebook
        ``version``) to ``account`` at ``occurred_us`` counts against, as `cap_windows()`.

        A key packs the account, the cap's scope and period kind, and the period index, so
        counting is one dict update per cap. The list is shared with the next caller asking the
        same question: read it, never change it.
        """
        # A command and the apply that follows it ask the same question: answer it once.
        last = self._last_keys
        if (last[0] == occurred_us and last[1] == account and last[2] == item
                and last[3] == version):
            return last[4]
        plan = self._cap_plans.get((version, item))
        if plan is None:
            plan = self._cap_plan(version, item)
        keys: list[tuple[int, int]] = []
        if plan:
            if not self._day[0] <= occurred_us < self._day[1]:
                self.local_day(occurred_us)
            indexes = self._day[3]
            base = self.account_index[account] << 51
            for shifted, per, maximum, _cap, _scope, _name in plan:
                keys.append((base | shifted | indexes[per], maximum))
        self._last_keys = (occurred_us, account, item, version, keys)
        return keys

    def local_day(self, us: int) -> _dt.date:
        """The local date of instant ``us`` (cached by day: consecutive events share it)."""
        low, high, day, _indexes = self._day
        if not low <= us < high:
            low, high, day = local_day_range(us, self.tzinfo)
            self._day = low, high, day, tuple(period_index(per, day) for per in PERIOD_CODES)
        return day

    def _cap_plan(self, version: str, code: str) -> tuple[CapPlan, ...]:
        """The caps on an item of a rulebook version (built once)."""
        found = self._cap_plans.get((version, code))
        if found is None:
            rulebook = self.adoptions_by_version[version].rulebook
            found = self._cap_plans[(version, code)] = cap_plan(rulebook, code, self.scope_index)
        return found


# -- apply --------------------------------------------------------------------------------


def apply(state: LedgerState, event: Event) -> None:
    """Apply one event to ``state``: the only function that changes ledger state.

    Raises:
        IntegrityError: the event does not follow the state's head (wrong ``seq``).
    """
    if event.seq != state.seq + 1:
        raise IntegrityError(
            f"event seq {event.seq} does not follow head {state.seq}", seq=event.seq
        )
    posted = state.posted
    for source, destination, amount in event.postings():
        posted[source] = posted.get(source, 0) - amount
        posted[destination] = posted.get(destination, 0) + amount
    handler = _HANDLERS.get(type(event))
    if handler is not None:
        handler(state, event)
    state.seq = event.seq
    state.head_hash = event.hash
    state.recorded_us = event.recorded_us
    state.keys.setdefault(event.key, event.seq)  # a key names the first event it wrote


def _ledger_created(state: LedgerState, event: Any) -> None:
    state.ledger_id = event.ledger_id
    state.tz = event.tz
    state.tzinfo = pendulum.timezone(event.tz)
    state._clear_caches()


def _rulebook_adopted(state: LedgerState, event: Any) -> None:
    start = _dt.date.fromisoformat(event.effective_from)
    end = _dt.date.fromisoformat(event.effective_until) if event.effective_until else None
    adoption = Adoption(
        rulebook=event.rulebook,
        effective_from=start,
        effective_until=end,
        from_us=day_start_us(start, state.tz),
        until_us=day_start_us(end + _dt.timedelta(days=1), state.tz) if end else None,
        resolution=event.resolution,
        seq=event.seq,
    )
    state.adoptions = (*state.adoptions, adoption)
    state._starts = (*state._starts, adoption.from_us)
    state._adoption_range = (0, 0, None)
    state.adoptions_by_version[adoption.version] = adoption
    scopes = state.scope_index
    for item in event.rulebook.items:
        for scope in ("i:" + item.code, "c:" + item.category):
            if scope not in scopes:
                scopes[scope] = len(scopes)


def _region_added(state: LedgerState, event: Any) -> None:
    state.regions[event.code] = Region(event.code, event.name, event.region_kind, event.parent)


def _household_registered(state: LedgerState, event: Any) -> None:
    state.households[event.household] = Household(event.household, event.grid, event.head)
    state.account_index[event.household] = len(state.account_index)
    place(state, event, event.household, event.grid)


def _member_registered(state: LedgerState, event: Any) -> None:
    birth = _dt.date.fromisoformat(event.birth_date) if event.birth_date else None
    state.members[event.member] = Member(
        event.member, event.household, event.name, frozenset(event.roles), birth
    )
    state.account_index[event.member] = len(state.account_index)
    place(state, event, event.member, event.household)


def _household_moved(state: LedgerState, event: Any) -> None:
    household = state.households[event.household]
    state.households[event.household] = attrs.evolve(household, grid=event.to_grid)
    place(state, event, event.household, event.to_grid)


def _account_closed(state: LedgerState, event: Any) -> None:
    # the points that move to balance_to keep their expiry, as a transfer's do
    lots = state.lots.pop(event.account, ())
    if event.balance > 0 and event.balance_to is not None:
        give_lots(state, event.balance_to,
                  tuple((lot, remaining, expires) for expires, lot, remaining, _c in lots),
                  new_carry=state.carry_limit(event.version))
    if event.account in state.households:
        household = state.households[event.account]
        state.households[event.account] = attrs.evolve(household, closed=True)
        place(state, event, event.account, household.grid, closed=True)
    else:
        member = state.members[event.account]
        state.members[event.account] = attrs.evolve(member, closed=True)
        place(state, event, event.account, member.household, closed=True)


def _period_closed(state: LedgerState, event: Any) -> None:
    through = _dt.date.fromisoformat(event.through)
    state.closed_before_us = day_start_us(through + _dt.timedelta(days=1), state.tz)


_HANDLERS: dict[type[Event], Callable[[LedgerState, Any], None]] = {
    LedgerCreated: _ledger_created,
    RulebookAdopted: _rulebook_adopted,
    RegionAdded: _region_added,
    HouseholdRegistered: _household_registered,
    MemberRegistered: _member_registered,
    HouseholdMoved: _household_moved,
    AccountClosure: _account_closed,
    PeriodClosure: _period_closed,
    **POSTING_HANDLERS,
    **CASE_HANDLERS,
    **STORE_HANDLERS,
    **REGISTRY_HANDLERS,
}


def differences(one: LedgerState, other: LedgerState) -> tuple[str, ...]:
    """The names of the tables and values in which two states differ (empty when they are the
    same fold)."""
    differ = [name for name in TABLES if dict(getattr(one, name)) != dict(getattr(other, name))]
    differ += [name for name in SCALARS if getattr(one, name) != getattr(other, name)]
    return tuple(differ)
