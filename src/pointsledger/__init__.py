"""pointsledger: the "积分制 + 清单制" incentive model as an immutable, hash-chained ledger.

Residents earn points for conduct on a checklist their village adopted, lose points for listed
violations, and every change is an event in one append-only, hash-chained, double-entry log
from which balances and reports are derived. Start with `Ledger`, `Rulebook` and
`ChecklistItem`; see the README for a quickstart.
"""

# The public names are imported from their modules on first use (PEP 562), so that
# ``import pointsledger`` stays cheap and hypothesis's entry-point hook, which runs on every
# ``import hypothesis``, loads nothing of the ledger. Type checkers, IDEs and the API reference
# read the imports below instead. A new public name goes in three places: the imports, _SOURCES
# (or _SUBMODULES) and __all__; tests/test_packaging.py checks that they agree.

import importlib
import logging
from typing import TYPE_CHECKING

# Silent by default: an app (or the command line's -v) configures logging to see the records
# (docs/operations.md, "Logs").
logging.getLogger("pointsledger").addHandler(logging.NullHandler())

if TYPE_CHECKING:
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
    from pointsledger.ledger.batch import Batch
    from pointsledger.ledger.ledger import Ledger
    from pointsledger.ledger.pool import LedgerPool
    from pointsledger.ledger.records import ExpiringLot, StockLevel, Verified
    from pointsledger.ledger.trust import Anchor
    from pointsledger.reports.ratings import Rating, rate
    from pointsledger.rules.benefits import Benefit, Campaign, ShareRule, Vetoes, split_fen
    from pointsledger.rules.catalogue import Limit, PriceRule, RatingPolicy, Reward, StorePolicy
    from pointsledger.rules.checklist import Cap, ChecklistItem
    from pointsledger.rules.expiry import ExpiryPolicy
    from pointsledger.rules.flows import FLOWS, Case, Flow
    from pointsledger.rules.matters import MATTER_KINDS, Matter, ProcedureStep, four_and_two
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
    "MATTER_KINDS",
    "PENALTY",
    "POOL",
    "STORE",
    "TIMEBANK",
    "AccountClosed",
    "Actor",
    "AlreadyExists",
    "AlreadyResolved",
    "AlreadyReversed",
    "Anchor",
    "BackdatedTooFar",
    "Balance",
    "BalanceNotZero",
    "Batch",
    "Benefit",
    "Campaign",
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
    "LedgerPool",
    "Limit",
    "LimitReached",
    "ManualClock",
    "Matter",
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
    "ProcedureStep",
    "Rating",
    "RatingPolicy",
    "Region",
    "ReservationExpired",
    "Reward",
    "Rulebook",
    "RulebookError",
    "Service",
    "ServicePolicy",
    "ShareRule",
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
    "Vetoes",
    "WishCategory",
    "WishPolicy",
    "__version__",
    "export_jsonl",
    "four_and_two",
    "import_jsonl",
    "rate",
    "reports",
    "split_fen",
]

_SUBMODULES: frozenset[str] = frozenset({"reports"})
_SOURCES: dict[str, tuple[str, ...]] = {
    "pointsledger.base.actors": ("Actor",),
    "pointsledger.base.clock": ("ManualClock",),
    "pointsledger.core.accounts": ("COMMUNITY", "EXPIRED", "PENALTY", "POOL", "STORE", "TIMEBANK"),
    "pointsledger.core.events": ("Event",),
    "pointsledger.core.records": ("Balance",),
    "pointsledger.core.registry": ("Household", "Member", "Region"),
    "pointsledger.errors": (
        "AccountClosed", "AlreadyExists", "AlreadyResolved", "AlreadyReversed", "BackdatedTooFar",
        "BalanceNotZero", "CapExceeded", "ConcurrencyError", "DeadlinePassed", "EvidenceRequired",
        "IdempotencyConflict", "InsufficientMinutes", "InsufficientPoints", "IntegrityError",
        "LimitReached", "NoRulebookInForce", "NotEligible", "NotFound", "NotReversible",
        "OccurredInFuture", "OutOfStock", "PeriodClosed", "PermissionDenied", "PointsLedgerError",
        "ReservationExpired", "RulebookError", "StateError", "StoreError", "TimingError",
        "UnknownAccount", "UnknownEntry", "UnknownItem", "UnknownRegion", "UnknownReward",
        "ValidationError",
    ),
    "pointsledger.io.jsonl": ("export_jsonl", "import_jsonl"),
    "pointsledger.ledger.batch": ("Batch",),
    "pointsledger.ledger.ledger": ("Ledger",),
    "pointsledger.ledger.pool": ("LedgerPool",),
    "pointsledger.ledger.records": ("ExpiringLot", "StockLevel", "Verified"),
    "pointsledger.ledger.trust": ("Anchor",),
    "pointsledger.reports.ratings": ("Rating", "rate"),
    "pointsledger.rules.benefits": ("Benefit", "Campaign", "ShareRule", "Vetoes", "split_fen"),
    "pointsledger.rules.catalogue": ("Limit", "PriceRule", "RatingPolicy", "Reward", "StorePolicy"),
    "pointsledger.rules.expiry": ("ExpiryPolicy",),
    "pointsledger.rules.flows": ("FLOWS", "Case", "Flow"),
    "pointsledger.rules.matters": ("MATTER_KINDS", "Matter", "ProcedureStep", "four_and_two"),
    "pointsledger.rules.problems": ("Problem",),
    "pointsledger.rules.procedures": (
        "ClaimPolicy", "Service", "ServicePolicy", "TimeBankPolicy", "WishCategory", "WishPolicy",
    ),
    "pointsledger.rules.checklist": ("Cap", "ChecklistItem"),
    "pointsledger.rules.policy": ("DEFAULT_POLICY", "Policy"),
    "pointsledger.rules.rulebook": ("Rulebook",),
}
_MODULE_OF: dict[str, str] = {name: mod for mod, names in _SOURCES.items() for name in names}


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


# Hidden from type checkers: with a module __getattr__ in view, mypy would accept any name
# imported from pointsledger, typos included.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        if name in _SUBMODULES:
            value = importlib.import_module(f"{__name__}.{name}")
        elif name in _MODULE_OF:
            value = getattr(importlib.import_module(_MODULE_OF[name]), name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value
