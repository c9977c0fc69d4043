"""Balances on a ledger: an account's or a household's points now, as of an instant or after
an event, and the lots about to expire (即将过期).

The present balance is read from the derived state; a past one is one pass over the log
(`Balances._posted_then`), however many accounts it sums.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Iterator

import pendulum

from pointsledger.base.checks import check_duration, check_id, check_int
from pointsledger.base.clock import Clock, from_us, to_us
from pointsledger.core.accounts import SYSTEM_ACCOUNTS
from pointsledger.core.events import Event
from pointsledger.core.lots import shown_expiry
from pointsledger.core.records import Balance
from pointsledger.core.state import LedgerState
from pointsledger.errors import UnknownAccount
from pointsledger.ledger.queries import fresh
from pointsledger.ledger.records import ExpiringLot


class Balances:
    """The balance queries of `Ledger` (a mixin reading the ledger's private derived state and,
    for a past balance, its log)."""

    _state: LedgerState
    _clock: Clock
    _lock: threading.RLock

    # implemented by Ledger
    def refresh(self) -> int:
        raise NotImplementedError

    def events(self, after: int = 0) -> Iterator[Event]:
        raise NotImplementedError

    @fresh
    def expiring(
        self, account: str, *, within: _dt.timedelta = _dt.timedelta(days=30)
    ) -> list[ExpiringLot]:
        """An account's points that expire within ``within`` of the clock (即将过期),
        soonest first (points a carry-over kept show the year end they now expire at)."""
        within = check_duration(within, "within")
        now = to_us(self._clock(), "clock()")
        horizon = now + round(within.total_seconds() * 1_000_000)
        year = from_us(now, self._state.tz).year
        entries = self._state.lots.get(account, ())
        year_end = pendulum.datetime(year + 1, 1, 1, tz=self._state.tz)
        shown = shown_expiry(entries, now, to_us(year_end, "year end"))
        found = sorted((shown[lot], lot, remaining)
                       for _e, lot, remaining, _c in entries if remaining > 0)
        return [ExpiringLot(lot, remaining, from_us(expires, self._state.tz))
                for expires, lot, remaining in found if expires <= horizon]

    @fresh
    def balance(
        self, account: str, *, as_of: _dt.datetime | None = None, at_seq: int | None = None
    ) -> Balance:
        """An account's balance: now, as of an instant, or as it stood after event ``at_seq``.

        ``as_of`` counts every posting that occurred at or before that instant, whenever it
        was recorded; ``at_seq`` shows what the ledger held after that event.

        Raises:
            UnknownAccount: not a household, member or system account.
        """
        account = check_id(account, "account")
        state = self._state
        known = account in state.households or account in state.members
        if not known and account not in SYSTEM_ACCOUNTS:
            raise UnknownAccount(f"no account {account!r}", account=account)
        if as_of is None and at_seq is None:
            return state.balance(account)
        return Balance(account, self._posted_then({account}, as_of, at_seq))

    def _posted_then(self, accounts: set[str], as_of: _dt.datetime | None,
                     at_seq: int | None, household: str | None = None) -> int:
        """The points posted to ``accounts`` together as of ``as_of`` or after event
        ``at_seq``: one pass over the log, however many accounts. With ``household``, the
        accounts are those of the household as the registry stood at each event (its own and
        its members' then), and a member moving in or out brings or takes their points."""
        limit_us = None if as_of is None else to_us(as_of, "as_of")
        last = self._state.seq if at_seq is None else check_int(at_seq, "at_seq", minimum=0)
        at = self._state.household_at
        total = 0
        for event in self.events(0):
            if event.seq > last:
                break
            if limit_us is not None and event.occurred_us > limit_us:
                continue
            seq = event.seq
            for source, destination, amount in event.postings():
                if household is None:
                    total += (destination in accounts) * amount - (source in accounts) * amount
                else:
                    total += ((at(destination, seq) == household) * amount
                              - (at(source, seq) == household) * amount)
            if household is not None:
                for _member, left, joined, amount in event.moves():
                    total += (joined == household) * amount - (left == household) * amount
        return total

    @fresh
    def household_balance(
        self, household: str, *, as_of: _dt.datetime | None = None, at_seq: int | None = None
    ) -> Balance:
        """A household's points (一户一档): its own account and the accounts of its members
        together, now, as of an instant or after event ``at_seq`` (as `balance()` takes
        them).

        This is what "a household's points" means in every report (statements, the balances
        report, boards, ratings); `balance()` gives one account on its own. The members
        counted are the household's members as the registry stood: now for the current
        balance; for a past one, at each event (a posting counts for the household its account
        belonged to when it was recorded, and a member who moved took their points along, so
        the past balance is what it was then, and what the household's statement closes at).

        Returns:
            A `Balance` for ``household`` whose posted,
            pending and held points are the sums over the household and its members.

        Raises:
            UnknownAccount: not a registered household.
        """
        household = check_id(household, "household")
        if household not in self._state.households:
            raise UnknownAccount(f"no household {household!r}", account=household)
        accounts = [household, *(m.id for m in self._state.members.values()
                                 if m.household == household)]
        if as_of is not None or at_seq is not None:  # as balance() gives them: posted only
            return Balance(household, self._posted_then(set(accounts), as_of, at_seq,
                                                        household))
        parts = [self._state.balance(a) for a in accounts]
        return Balance(household, sum(p.posted for p in parts), sum(p.pending for p in parts),
                       sum(p.held for p in parts))
