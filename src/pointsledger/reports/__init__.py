"""Reports: pure functions of a ledger returning a `Table`.

Every report reads the ledger and writes nothing (the report index is kept by
`snapshot()`). Labels are Chinese by default and English
with ``locale="en"``; anything meant for a public notice board masks names
(`mask_name()`) and never shows ID or phone numbers, not
even those typed into free text (`mask_text()`). HTML output
is escaped and CSV and Excel output neutralise spreadsheet formulas
(`spreadsheet_cell()`); `write_xlsx` writes tables as the
sheets of an .xlsx workbook (the ``xlsx`` extra).
People-facing reports name items, rewards and services by their titles and print every word
in ``locale``'s language (`term()`); *a household's points*
are its account's and its members' together (`household_balance()`).
Printable pages (`pointsledger.reports.pages`) are standalone HTML for A4.
`pointsledger.reports.across` gives the summaries, boards and star lists of several ledgers
(a county's villages) at once.
Periods are labels such as ``"2026"``, ``"2026-Q1"``, ``"2026-03"``, ``"2026-W11"``,
``"2026-03-15"`` in the ledger's time zone.
"""

from pointsledger.reports import across
from pointsledger.reports.accounts import balances, statement
from pointsledger.reports.benefits import distribution, eligibility
from pointsledger.reports.boards import METHODS, honour_board, ranks
from pointsledger.reports.donations import donation_receipt
from pointsledger.reports.labels import term
from pointsledger.reports.masking import mask_name, mask_text
from pointsledger.reports.matters import (
    decision_record,
    matter_board,
    matter_breakdown,
    matter_disclosure,
    matter_list,
    matter_step_days,
)
from pointsledger.reports.notices import audit_trail, public_notice
from pointsledger.reports.pages import household_card_page, monthly_notice_page, wish_wall_page
from pointsledger.reports.ratings import star_households
from pointsledger.reports.summaries import category_summary, period_summary, rollup, store_summary
from pointsledger.reports.table import Table, from_csv, html_text, spreadsheet_cell, visible_text
from pointsledger.reports.workflows import (
    case_board,
    case_days,
    claimer_ranking,
    claims_notice,
    passbook,
    wish_wall,
)
from pointsledger.reports.xlsx import write_xlsx

__all__ = [
    "METHODS",
    "Table",
    "across",
    "audit_trail",
    "balances",
    "case_board",
    "case_days",
    "category_summary",
    "claimer_ranking",
    "claims_notice",
    "decision_record",
    "distribution",
    "donation_receipt",
    "eligibility",
    "from_csv",
    "honour_board",
    "household_card_page",
    "html_text",
    "mask_name",
    "mask_text",
    "matter_board",
    "matter_breakdown",
    "matter_disclosure",
    "matter_list",
    "matter_step_days",
    "monthly_notice_page",
    "passbook",
    "period_summary",
    "public_notice",
    "ranks",
    "rollup",
    "spreadsheet_cell",
    "star_households",
    "statement",
    "store_summary",
    "term",
    "visible_text",
    "wish_wall",
    "wish_wall_page",
    "write_xlsx",
]
