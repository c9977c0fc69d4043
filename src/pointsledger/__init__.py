"""pointsledger: the "积分制 + 清单制" incentive model as an immutable, hash-chained ledger.

Residents earn points for conduct on a checklist their village adopted, lose points for listed
violations, and every change is an event in one append-only, hash-chained, double-entry log
from which balances and reports are derived. Start with :class:`Ledger`, :class:`Rulebook` and
:class:`ChecklistItem`; see the README for a quickstart.
"""

from pointsledger import reports
from pointsledger.base.actors import Actor
from pointsledger.base.clock import ManualClock
from pointsledger.core.accounts import COMMUNITY, EXPIRED, PENALTY, POOL, STORE, TIMEBANK
from pointsledger.core.events import Event
from pointsledger.core.records import Balance
from pointsledger.core.registry import Household, Member, Region
from pointsledger.errors import (
    AccountClosed,
    AlreadyExists,
    AlreadyResolved,
    AlreadyReversed,
    BackdatedTooFar,
    BalanceNotZero,
    CapExceeded,
    ConcurrencyError,
    DeadlinePassed,
    EvidenceRequired,
    IdempotencyConflict,
    InsufficientMinutes,
    InsufficientPoints,
    IntegrityError,
    LimitReached,
    NoRulebookInForce,
    NotEligible,
    NotFound,
    NotReversible,
    OccurredInFuture,
    OutOfStock,
    PeriodClosed,
    PermissionDenied,
    PointsLedgerError,
    ReservationExpired,
    RulebookError,
    StateError,
    StoreError,
    TimingError,
    UnknownAccount,
    UnknownEntry,
    UnknownItem,
    UnknownRegion,
    UnknownReward,
    ValidationError,
)
from pointsledger.io.jsonl import export_jsonl, import_jsonl
from pointsledger.ledger.ledger import Batch, ExpiringLot, Ledger, StockLevel, Verified
from pointsledger.reports.ratings import Rating, rate
from pointsledger.rules.catalogue import Limit, PriceRule, RatingPolicy, Reward, StorePolicy
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.expiry import ExpiryPolicy
from pointsledger.rules.flows import FLOWS, Case, Flow
from pointsledger.rules.policy import DEFAULT_POLICY, Policy
from pointsledger.rules.problems import Problem
from pointsledger.rules.procedures import (
    ClaimPolicy,
    Service,
    ServicePolicy,
    TimeBankPolicy,
    WishCategory,
    WishPolicy,
)
from pointsledger.rules.rulebook import Rulebook

__version__ = "0.1.0"

__all__ = [
    "COMMUNITY",
    "DEFAULT_POLICY",
    "EXPIRED",
    "FLOWS",
    "PENALTY",
    "POOL",
    "STORE",
    "TIMEBANK",
    "AccountClosed",
    "Actor",
    "AlreadyExists",
    "AlreadyResolved",
    "AlreadyReversed",
    "BackdatedTooFar",
    "Balance",
    "BalanceNotZero",
    "Batch",
    "Cap",
    "CapExceeded",
    "Case",
    "ChecklistItem",
    "ClaimPolicy",
    "ConcurrencyError",
    "DeadlinePassed",
    "Event",
    "EvidenceRequired",
    "ExpiringLot",
    "ExpiryPolicy",
    "Flow",
    "Household",
    "IdempotencyConflict",
    "InsufficientMinutes",
    "InsufficientPoints",
    "IntegrityError",
    "Ledger",
    "Limit",
    "LimitReached",
    "ManualClock",
    "Member",
    "NoRulebookInForce",
    "NotEligible",
    "NotFound",
    "NotReversible",
    "OccurredInFuture",
    "OutOfStock",
    "PeriodClosed",
    "PermissionDenied",
    "PointsLedgerError",
    "Policy",
    "PriceRule",
    "Problem",
    "Rating",
    "RatingPolicy",
    "Region",
    "ReservationExpired",
    "Reward",
    "Rulebook",
    "RulebookError",
    "Service",
    "ServicePolicy",
    "StateError",
    "StockLevel",
    "StoreError",
    "StorePolicy",
    "TimeBankPolicy",
    "TimingError",
    "UnknownAccount",
    "UnknownEntry",
    "UnknownItem",
    "UnknownRegion",
    "UnknownReward",
    "ValidationError",
    "Verified",
    "WishCategory",
    "WishPolicy",
    "__version__",
    "export_jsonl",
    "import_jsonl",
    "rate",
    "reports",
]
