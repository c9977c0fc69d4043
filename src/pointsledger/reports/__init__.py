"""Reports: pure functions of a ledger returning a :class:`Table`.

Every report reads the ledger and writes nothing (the report index is kept by
:meth:`~pointsledger.Ledger.snapshot`). Labels are Chinese by default and English
with ``locale="en"``; anything meant for a public notice board masks names
(:func:`~pointsledger.reports.masking.mask_name`) and never shows ID or phone numbers, not
even those typed into free text (:func:`~pointsledger.reports.masking.mask_text`). HTML output
is escaped and CSV output neutralises spreadsheet formulas
(:func:`~pointsledger.reports.table.spreadsheet_cell`).
Periods are labels such as ``"2026"``, ``"2026-Q1"``, ``"2026-03"``, ``"2026-W11"``,
``"2026-03-15"`` in the ledger's time zone.
"""

from pointsledger.reports.accounts import balances, statement
from pointsledger.reports.boards import METHODS, honour_board, ranks
from pointsledger.reports.masking import mask_name, mask_text
from pointsledger.reports.notices import audit_trail, public_notice
from pointsledger.reports.summaries import category_summary, period_summary, rollup, store_summary
from pointsledger.reports.table import Table, from_csv, spreadsheet_cell
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
    "mask_text",
    "passbook",
    "period_summary",
    "public_notice",
    "ranks",
    "rollup",
    "spreadsheet_cell",
    "statement",
    "store_summary",
    "wish_wall",
]
