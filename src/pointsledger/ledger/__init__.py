"""The `Ledger` façade: opening and closing a store (``ledger``), the command table
(``commands``), batches (``batch``), the due jobs (``due``), read-only queries (``queries``),
the reports' movement index (``movements``), snapshots (``snapshot``), the hash chain as read
and written (``chain``), trust: ``verify`` and anchors (``trust``), and many ledgers opened
on demand (``pool``).

A ledger is shared by threads under one lock, and every read first takes in what other writers
appended. Imports the domain packages and `pointsledger.storage`; nothing above it.
"""

from pointsledger.ledger.batch import Batch
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.pool import LedgerPool
from pointsledger.ledger.records import ExpiringLot, StockLevel, Verified
from pointsledger.ledger.trust import Anchor

__all__ = ["Anchor", "Batch", "ExpiringLot", "Ledger", "LedgerPool", "StockLevel", "Verified"]
