"""Event stores: where the log lives.

Every store keeps the same contract (:class:`EventStore`): an append-only sequence of sealed
events numbered from 1 without gaps, appended atomically and only on top of the head the writer
expects. The ledger never trusts a store: it re-verifies the hash chain of whatever it reads.
"""

from .base import EventStore
from .memory import MemoryStore
from .sqlite import SQLiteStore

__all__ = ["EventStore", "MemoryStore", "SQLiteStore"]
