"""Reports: pure functions of a ledger returning a :class:`Table`.

Every report reads the ledger and writes nothing (the report index is kept by
:meth:`~pointsledger.Ledger.snapshot`). Labels are Chinese by default and English
with ``locale="en"``; anything meant for a public notice board masks names
(:func:`~pointsledger.reports.masking.mask_name`) and never shows ID or phone numbers.
Periods are labels such as ``"2026"``, ``"2026-Q1"``, ``"2026-03"``, ``"2026-W11"``,
``"2026-03-15"`` in the ledger's time zone.
"""

from pointsledger.reports.accounts import balances, statement
from pointsledger.reports.boards import METHODS, honour_board, ranks
from pointsledger.reports.masking import mask_name
from pointsledger.reports.notices import audit_trail, public_notice
from pointsledger.reports.summaries import category_summary, period_summary, rollup, store_summary
from pointsledger.reports.table import Table, from_csv
from pointsledger.reports.workflows import (
    case_board,
    claimer_ranking,
    claims_notice,
    passbook,
    wish_wall,
)

__all__ = [
    "METHODS",
    "Table",
    "audit_trail",
    "balances",
    "case_board",
    "category_summary",
    "claimer_ranking",
    "claims_notice",
    "from_csv",
    "honour_board",
    "mask_name",
    "passbook",
    "period_summary",
    "public_notice",
    "ranks",
    "rollup",
    "statement",
    "store_summary",
    "wish_wall",
]
