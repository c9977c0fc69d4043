"""Event stores: where the log lives.

A store is a dumb, append-only log of records ``(seq, data, hash)``: ``data`` is an event's
canonical encoding and ``hash`` its chain hash. Stores know nothing of events; the ledger encodes,
decodes and verifies. Every store keeps the same contract (`EventStore`): records
numbered from 1 without gaps, appended atomically and only on top of the head the writer
expects. The ledger never trusts a store: it re-verifies the hash chain of whatever it reads.

A store may also declare optional protocols, which callers test with ``isinstance``:
`WriteLock` (a lock writers take turns under), `Versioned` (a cheap "did anyone
else commit?"), `SnapshotStore` (one snapshot of the state) and `DerivedStore`
(named derived blobs). `PostgresDatabase` serves the PostgreSQL stores of many ledgers
through a few shared connections. A stored snapshot or derived blob is
used only after `check_blob()` finds it still fits the log.
"""

from pointsledger.storage.base import (
    Blob,
    DerivedStore,
    EventStore,
    Record,
    SnapshotStore,
    Versioned,
    WriteLock,
)
from pointsledger.storage.derived import check_blob, seal_blob
from pointsledger.storage.memory import MemoryStore
from pointsledger.storage.postgres import PostgresDatabase, PostgresStore, Primed
from pointsledger.storage.sqlite import SQLiteStore

__all__ = [
    "Blob",
    "DerivedStore",
    "EventStore",
    "MemoryStore",
    "PostgresDatabase",
    "PostgresStore",
    "Primed",
    "Record",
    "SQLiteStore",
    "SnapshotStore",
    "Versioned",
    "WriteLock",
    "check_blob",
    "seal_blob",
]
