"""Errors raised by pointsledger.

Every error derives from :class:`PointsLedgerError` and from the built-in exception that fits
(``ValueError``, ``LookupError``, ``PermissionError``, ``RuntimeError``), so callers may catch
either. Each class has a stable machine ``code`` and keeps the structured facts of the failure in
``fields`` (also readable as attributes), so an app can map errors to its own messages. Messages
name the offending value and what would be accepted. A command that raises writes nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar


class PointsLedgerError(Exception):
    """Base class of every pointsledger error.

    Attributes:
        code: stable machine-readable code of the error class.
        fields: structured facts of the failure (the bad value, the limit, ...).
    """

    code: ClassVar[str] = "error"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, Any] = fields

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.fields))


def _rebuild(cls: type[PointsLedgerError], message: str, fields: dict[str, Any]) -> Any:
    return cls(message, **fields)


class ValidationError(PointsLedgerError, ValueError):
    """An argument has the wrong type or value (empty key, naive datetime, bad code, ...)."""

    code = "invalid"


class RulebookError(ValidationError):
    """A rulebook or checklist item is inconsistent (duplicate codes, a bad cap, ...)."""

    code = "rulebook_invalid"


class NotFound(PointsLedgerError, LookupError):
    """Something named by a command does not exist."""

    code = "not_found"


class UnknownItem(NotFound):
    """The checklist item code is not in the rulebook in force."""

    code = "unknown_item"


class UnknownReward(NotFound):
    """The reward code is not in the rulebook in force."""

    code = "unknown_reward"


class UnknownAccount(NotFound):
    """The household or member id is not registered."""

    code = "unknown_account"


class UnknownRegion(NotFound):
    """The region code is not registered."""

    code = "unknown_region"


class UnknownEntry(NotFound):
    """The event id does not name an event of this ledger."""

    code = "unknown_entry"


class NoRulebookInForce(NotFound):
    """No adopted rulebook version covers the time of a posting."""

    code = "no_rulebook"


class AlreadyExists(PointsLedgerError, ValueError):
    """A region, account or rulebook version with that identifier already exists."""

    code = "already_exists"


class PermissionDenied(PointsLedgerError, PermissionError):
    """The actor's roles do not allow the command, or separation of duties forbids it."""

    code = "permission_denied"


class CapExceeded(PointsLedgerError, ValueError):
    """An award would take an account past an item or category cap for a period."""

    code = "cap_exceeded"


class IdempotencyConflict(PointsLedgerError, ValueError):
    """The idempotency key was already used by a command with a different payload."""

    code = "idempotency_conflict"


class AlreadyReversed(PointsLedgerError, ValueError):
    """The entry has been reversed already; an entry is reversed at most once."""

    code = "already_reversed"


class NotReversible(PointsLedgerError, ValueError):
    """The event is not a posting that can be reversed (for example, a reversal)."""

    code = "not_reversible"


class TimingError(PointsLedgerError, ValueError):
    """A time is outside what the ledger accepts (future, too far back, or in a closed period)."""

    code = "timing"


class OccurredInFuture(TimingError):
    """``occurred_at`` is later than the ledger clock."""

    code = "occurred_in_future"


class BackdatedTooFar(TimingError):
    """``occurred_at`` is earlier than the ledger's backdating window allows."""

    code = "backdated_too_far"


class PeriodClosed(TimingError):
    """``occurred_at`` falls in a period that has been closed (结账)."""

    code = "period_closed"


class AccountClosed(PointsLedgerError, ValueError):
    """The account (or the household it belongs to) is closed."""

    code = "account_closed"


class BalanceNotZero(PointsLedgerError, ValueError):
    """An account with a non-zero balance cannot close unless told where the balance goes."""

    code = "balance_not_zero"


class EvidenceRequired(PointsLedgerError, ValueError):
    """The checklist item requires evidence and none was given."""

    code = "evidence_required"


class InsufficientPoints(PointsLedgerError, ValueError):
    """The account's available points (posted minus held) do not cover the cost."""

    code = "insufficient_points"


class OutOfStock(PointsLedgerError, ValueError):
    """The store has fewer units on hand (and not reserved) than asked for."""

    code = "out_of_stock"


class LimitReached(PointsLedgerError, ValueError):
    """A per-household, per-member or total limit of a reward would be passed."""

    code = "limit_reached"


class NotEligible(PointsLedgerError, PermissionError):
    """The household may not redeem now: ``reason`` is threshold, ban, day or window."""

    code = "not_eligible"


class ReservationExpired(PointsLedgerError, ValueError):
    """The reservation timed out before it was handed over."""

    code = "reservation_expired"


class AlreadyResolved(PointsLedgerError, ValueError):
    """The reservation was already handed over, cancelled or timed out."""

    code = "already_resolved"


class StateError(PointsLedgerError, ValueError):
    """A workflow step its transition table does not allow from the case's current state;
    ``state`` and ``allowed`` name where the case is and what it may do next."""

    code = "illegal_step"


class DeadlinePassed(TimingError):
    """A step's window is over (an objection after the notice, an appeal after its window)."""

    code = "deadline_passed"


class InsufficientMinutes(PointsLedgerError, ValueError):
    """A time-bank account holds fewer minutes than the command needs."""

    code = "insufficient_minutes"


class IntegrityError(PointsLedgerError, RuntimeError):
    """The stored log is not the chain it should be; ``seq`` names the first bad event."""

    code = "integrity"


class ConcurrencyError(PointsLedgerError, RuntimeError):
    """Another writer appended to the store first; nothing was written by this call."""

    code = "concurrency"


class StoreError(PointsLedgerError, RuntimeError):
    """The storage backend cannot be used (not a pointsledger file, wrong format, ...)."""

    code = "store"
