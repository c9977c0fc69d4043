"""pointsledger: the "积分制 + 清单制" incentive model as an immutable, hash-chained ledger.

Residents earn points for conduct on a checklist their village adopted, lose points for listed
violations, and every change is an event in one append-only, hash-chained, double-entry log
from which balances and reports are derived. Start with :class:`Ledger`, :class:`Rulebook` and
:class:`ChecklistItem`; see the README for a quickstart.
"""

from .actors import Actor
from .clock import ManualClock
from .errors import (
    AccountClosed,
    AlreadyExists,
    AlreadyReversed,
    BackdatedTooFar,
    BalanceNotZero,
    CapExceeded,
    ConcurrencyError,
    EvidenceRequired,
    IdempotencyConflict,
    IntegrityError,
    NoRulebookInForce,
    NotFound,
    NotReversible,
    OccurredInFuture,
    PeriodClosed,
    PermissionDenied,
    PointsLedgerError,
    RulebookError,
    StoreError,
    TimingError,
    UnknownAccount,
    UnknownEntry,
    UnknownItem,
    UnknownRegion,
    ValidationError,
)
from .events import PENALTY, POOL, Event
from .ledger import Batch, Ledger, Verified
from .problems import Problem
from .registry import Household, Member, Region
from .rules import DEFAULT_POLICY, Cap, ChecklistItem, Policy, Rulebook
from .state import Balance

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_POLICY",
    "PENALTY",
    "POOL",
    "AccountClosed",
    "Actor",
    "AlreadyExists",
    "AlreadyReversed",
    "BackdatedTooFar",
    "Balance",
    "BalanceNotZero",
    "Batch",
    "Cap",
    "CapExceeded",
    "ChecklistItem",
    "ConcurrencyError",
    "Event",
    "EvidenceRequired",
    "Household",
    "IdempotencyConflict",
    "IntegrityError",
    "Ledger",
    "ManualClock",
    "Member",
    "NoRulebookInForce",
    "NotFound",
    "NotReversible",
    "OccurredInFuture",
    "PeriodClosed",
    "PermissionDenied",
    "PointsLedgerError",
    "Policy",
    "Problem",
    "Region",
    "Rulebook",
    "RulebookError",
    "StoreError",
    "TimingError",
    "UnknownAccount",
    "UnknownEntry",
    "UnknownItem",
    "UnknownRegion",
    "ValidationError",
    "Verified",
    "__version__",
]
