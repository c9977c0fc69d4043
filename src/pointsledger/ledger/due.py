"""The due jobs: what a ledger does when deadlines pass, run on a schedule (a cron job, a worker
loop). Each is idempotent and safe to run at any time, as often as you like: what is due is
done once, each case or reservation as its own atomic command.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from pointsledger.base.clock import Clock, to_us
from pointsledger.core.command import Context, Outcome
from pointsledger.core.events import Event
from pointsledger.core.state import LedgerState
from pointsledger.core.store_events import Expired
from pointsledger.errors import StateError, ValidationError
from pointsledger.ledger import logs
from pointsledger.store import commands as store_commands
from pointsledger.workflows import cases, claims, matters, orders, wishes


class DueJobs:
    """The due jobs of `Ledger` (a mixin over its lock, its
    clock and its command runner)."""

    _state: LedgerState
    _lock: threading.RLock
    _clock: Clock

    def refresh(self) -> int:
        raise NotImplementedError

    def _context(self, state: LedgerState,
                 event_at: Callable[[int], Event] | None = None) -> Context:
        raise NotImplementedError

    def _execute(self, command: Callable[..., Outcome], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> Sequence[Event]:
        raise NotImplementedError

    def post_due(self, as_of: _dt.datetime | None = None) -> tuple[Event, ...]:
        """Post (入账) every claim whose public notice ended by ``as_of`` (default: the ledger
        clock) with no open objection: each as its own atomic command, exactly once.

        Returns:
            The events written: for each claim, its ``post`` step and the award or deduction.

        Raises:
            ValidationError: ``as_of`` is after the ledger clock.
        """
        return self._due("claim", ("in_notice",), claims.post_claim, as_of)

    def lapse_due(self, as_of: _dt.datetime | None = None) -> tuple[Event, ...]:
        """Lapse the wishes whose deadline passed by ``as_of`` (default: the ledger clock),
        oldest wish first: a claim not fulfilled in time puts the wish back on the wall, and a
        wish nobody claimed within the policy's ``list_days`` comes off the wall (``lapsed``,
        已过期, the reason shown to the wisher on the wish wall).

        Returns:
            The ``stepped`` events written.
        """
        return self._due("wish", ("claimed", "listed"), wishes.lapse_wish, as_of)

    def time_out_due(self, as_of: _dt.datetime | None = None) -> tuple[Event, ...]:
        """Time out what waited too long by ``as_of`` (default: the ledger clock): orders
        dispatched (``accept_hours``) or open to be grabbed (``open_hours``) and not accepted
        in time go back to dispatch, oldest order first, and reservations not picked up in
        time release their points and stock.

        Returns:
            The ``stepped`` and ``reservation_timed_out`` events written.
        """
        with self._lock:
            orders_back = self._due("order", ("dispatched", "open"), orders.time_out_order,
                                    as_of)
            started, until = time.perf_counter(), self._as_of_us(as_of)
            released = tuple(self._execute(store_commands.time_out_reservations, (until,), {}))
            logs.due("time_out_reservations", len(released), len(released))
            logs.slow("due time_out_reservations", started)
            return orders_back + released

    def overdue_due(self, as_of: _dt.datetime | None = None) -> tuple[Event, ...]:
        """Mark overdue the current step of every open matter whose time limit ran out by
        ``as_of`` (default: the ledger clock): one ``overdue`` step per step, exactly once,
        under the key ``@matter/<seq>/overdue/<steps so far>``.

        Returns:
            The ``stepped`` events written.

        Raises:
            ValidationError: ``as_of`` is after the ledger clock.
        """
        return self._due("matter", ("open",), matters.mark_overdue, as_of)

    def expire_due(self, as_of: _dt.datetime | None = None) -> tuple[Expired, ...]:
        """Expire (清零) what is left in lots whose expiry is at or before ``as_of`` (default:
        the ledger clock): one ``expired`` event per account with points to expire; points
        expire once. Run it at least at every period boundary the rulebook's expiry policy
        has. Under a carry-over, an account whose due points all fit in the carry gets no
        event (docs/expiry.md).

        Returns:
            The ``expired`` events written.

        Raises:
            ValidationError: ``as_of`` is after the ledger clock.
        """
        with self._lock:
            started = time.perf_counter()
            written = self._execute(store_commands.expire_lots, (self._as_of_us(as_of),), {})
            expired = tuple(e for e in written if isinstance(e, Expired))
            logs.due("expire_lots", len(expired), len(written))
            logs.slow("due expire_lots", started)
            return expired

    def run_due(self, as_of: _dt.datetime | None = None) -> tuple[Event, ...]:
        """Run every due job as of ``as_of`` (default: the ledger clock), in this order:
        `post_due()`, `lapse_due()`, `time_out_due()`, `overdue_due()`,
        `expire_due()`.

        Returns:
            All the events written, in order.
        """
        with self._lock:
            return (self.post_due(as_of) + self.lapse_due(as_of) + self.time_out_due(as_of)
                    + self.overdue_due(as_of) + self.expire_due(as_of))

    def _as_of_us(self, as_of: _dt.datetime | None) -> int:
        until = to_us(self._clock() if as_of is None else as_of, "as_of")
        if until > self._context(self._state).now_us:
            raise ValidationError(f"as_of {as_of} is after the ledger clock", as_of=str(as_of))
        return until

    def _due(self, flow: str, waiting: tuple[str, ...], command: Callable[..., Outcome],
             as_of: _dt.datetime | None) -> tuple[Event, ...]:
        with self._lock:
            started = time.perf_counter()
            self.refresh()
            until = self._as_of_us(as_of)
            written: list[Event] = []
            due = cases.due_cases(self._state, flow, waiting, until)
            for case in due:
                try:
                    written.extend(self._execute(command, (case.id, until), {}))
                except StateError:  # another writer moved it meanwhile: nothing is due any more
                    continue
            job = getattr(command, "__name__", flow)
            logs.due(job, len(due), len(written))
            logs.slow(f"due {job}", started)
            return tuple(written)
