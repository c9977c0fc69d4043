"""The storage contracts: `EventStore`, which every backend fulfils, and the optional
protocols a backend may also declare (`WriteLock`, `SnapshotStore`,
`DerivedStore`). Callers test for an optional feature with ``isinstance(store, ...)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from pointsledger.errors import ValidationError

Record = tuple[int, bytes, bytes]
"""``(seq, data, hash)``: an event's position, canonical encoding and chain hash."""


@runtime_checkable
class EventStore(Protocol):
    """An append-only log of records.

    Invariants: sequence numbers start at 1 and are gap-free; an append writes all of its
    records or none; an append whose ``expected_seq`` is not the current head writes nothing and
    raises `ConcurrencyError`; nothing is ever changed or removed.
    """

    def append(self, records: Sequence[Record], expected_seq: int) -> None:
        """Append ``records`` (numbered ``expected_seq + 1`` onwards) atomically.

        Raises:
            ConcurrencyError: the head is no longer ``expected_seq``.
            ValidationError: the records are not numbered on from ``expected_seq``.
        """
        ...

    def read(self, after_seq: int = 0) -> Iterator[Record]:
        """The records with ``seq > after_seq``, in order."""
        ...

    def get(self, seq: int) -> Record:
        """The record with ``seq``.

        Raises:
            UnknownEntry: no such record.
        """
        ...

    def head(self) -> int:
        """The seq of the last record (0 when empty)."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


Blob = tuple[int, bytes, bytes, bytes]
"""``(seq, head, data, digest)``: derived bytes, the seq and the log's hash at that seq they were
derived at, and their SHA-256 digest (see `pointsledger.storage.derived`)."""


@runtime_checkable
class WriteLock(Protocol):
    """A store other writers (processes, connections) may append to, with a lock to take turns.

    Contract: while `writing()` is held, appends of other writers wait (or fail with
    `ConcurrencyError`), so a read-validate-append cycle inside it
    cannot lose its append; appends inside it join its transaction, which commits when the
    block ends without an exception and writes nothing when it raises.
    """

    def writing(self) -> AbstractContextManager[None]:
        """Hold the store's write lock (and transaction) for the ``with`` block."""
        ...


@runtime_checkable
class Versioned(Protocol):
    """A store that says cheaply whether other writers committed since it last looked.

    Contract: `data_version()` returns a number that differs from the previous call's
    whenever another connection committed to the store in between (this connection's own
    commits may leave it unchanged). Equal numbers mean nothing changed, so a reader need not
    look for new records. Stores without it are asked for their head instead.
    """

    def data_version(self) -> int:
        """The store's change counter as this connection sees it."""
        ...


@runtime_checkable
class SnapshotStore(Protocol):
    """A store that keeps one snapshot of the derived state beside its log.

    Contract: `load_snapshot()` returns the last `Blob` saved, byte for byte, or None
    when none was; a save replaces the previous snapshot; the log is never touched. The store
    does not check the blob: readers do, with `check_blob()`.
    """

    def save_snapshot(self, seq: int, head: bytes, data: bytes, digest: bytes) -> None:
        """Keep the snapshot ``data`` taken at ``seq`` (log hash ``head``), replacing any other."""
        ...

    def load_snapshot(self) -> Blob | None:
        """The snapshot last saved, or None."""
        ...


@runtime_checkable
class DerivedStore(Protocol):
    """A store that keeps named derived blobs (a report index, ...) beside its log.

    Contract: `load_derived()` returns the last `Blob` saved under ``name``, byte for
    byte, or None; a save replaces only that name's blob; names are independent of each other
    and of the snapshot; the log is never touched. Readers check a blob with
    `check_blob()` before use.
    """

    def save_derived(self, name: str, seq: int, head: bytes, data: bytes, digest: bytes) -> None:
        """Keep ``data`` under ``name``, derived at ``seq`` (log hash ``head``), replacing the
        previous blob of that name."""
        ...

    def load_derived(self, name: str) -> Blob | None:
        """The blob last saved under ``name``, or None."""
        ...


def check_numbering(records: Sequence[Record], expected_seq: int) -> None:
    """Raise ValidationError unless ``records`` are numbered ``expected_seq + 1`` onwards."""
    for offset, record in enumerate(records, start=expected_seq + 1):
        if record[0] != offset:
            raise ValidationError(f"record seq {record[0]} where {offset} was due", seq=record[0])
