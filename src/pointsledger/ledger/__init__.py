"""The :class:`Ledger` façade: opening and closing a store, the commands of every capability,
batches, snapshots, queries and ``verify``.

Imports the domain packages and :mod:`pointsledger.storage`; nothing above it.
"""

from pointsledger.ledger.batch import Batch
from pointsledger.ledger.ledger import Ledger
from pointsledger.ledger.records import ExpiringLot, StockLevel, Verified

__all__ = ["Batch", "ExpiringLot", "Ledger", "StockLevel", "Verified"]
