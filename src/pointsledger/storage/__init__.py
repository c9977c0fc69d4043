"""Event stores: where the log lives.

A store is a dumb, append-only log of records ``(seq, data, hash)``: ``data`` is an event's
canonical encoding and ``hash`` its chain hash. Stores know nothing of events; the ledger encodes,
decodes and verifies. Every store keeps the same contract (:class:`EventStore`): records
numbered from 1 without gaps, appended atomically and only on top of the head the writer
expects. The ledger never trusts a store: it re-verifies the hash chain of whatever it reads.
"""

from pointsledger.storage.base import EventStore, Record
from pointsledger.storage.memory import MemoryStore
from pointsledger.storage.postgres import PostgresStore
from pointsledger.storage.sqlite import SQLiteStore

__all__ = ["EventStore", "MemoryStore", "PostgresStore", "Record", "SQLiteStore"]
