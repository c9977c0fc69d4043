"""The system accounts: the ledger's own accounts beside households and members.

Every posting moves points between two accounts, so the balances of all accounts, these
included, sum to zero. A system account's id starts with ``@``, which no household or member id
may, so the two never clash.
"""

from __future__ import annotations

from typing import Final

POOL: Final = "@pool"
"""The village's issuance pool (积分发放池): awards draw from it."""

PENALTY: Final = "@penalty"
"""The deduction account (扣分): deductions move points here, so deducted totals stay visible
apart from issuance, and a reversed deduction comes back from here."""

STORE: Final = "@store"
"""The points store (积分超市): redeemed points end here."""

COMMUNITY: Final = "@community"
"""The community pool (公益积分池): points households donate."""

EXPIRED: Final = "@expired"
"""The expiry sink (清零): points that expired."""

SYSTEM_ACCOUNTS: Final = frozenset({POOL, PENALTY, STORE, COMMUNITY, EXPIRED})
"""The system accounts that hold points (the time bank's holds minutes)."""

TIMEBANK: Final = "@timebank"
"""The time bank's own account (时间银行): deposited minutes come from it, and spent or
converted minutes go back to it. Minutes never mix with points."""
