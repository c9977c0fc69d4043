"""Spreadsheet formula guard: text a spreadsheet would run is written with a leading ``'``.

The one rule behind the reports' CSV and XLSX cells (``pointsledger.reports.spreadsheet_cell``)
and the rule files' cells (``pointsledger.io``): text starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a leading ``'`` (the OWASP CSV-injection rule), and text that
already starts with ``'`` before such a character gets one more, so `unguard()` undoes
`guard()` exactly: ``unguard(guard(t)) == t`` for every text ``t``.
"""

from __future__ import annotations

from typing import Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet (Excel, WPS, LibreOffice) read a cell as a
formula."""


def guard(text: str) -> str:
    """``text`` as it may go into a spreadsheet cell: shown, never run as a formula."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def unguard(text: str) -> str:
    """Undo `guard()` on a cell's text (``'=SUM(A1)`` is read as ``=SUM(A1)``)."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text
