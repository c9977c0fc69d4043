"""The storage contract every backend fulfils."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from pointsledger.errors import ValidationError

Record = tuple[int, bytes, bytes]
"""``(seq, data, hash)``: an event's position, canonical encoding and chain hash."""


@runtime_checkable
class EventStore(Protocol):
    """An append-only log of records.

    Invariants: sequence numbers start at 1 and are gap-free; an append writes all of its
    records or none; an append whose ``expected_seq`` is not the current head writes nothing and
    raises :class:`~pointsledger.errors.ConcurrencyError`; nothing is ever changed or removed.
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


def check_numbering(records: Sequence[Record], expected_seq: int) -> None:
    """Raise ValidationError unless ``records`` are numbered ``expected_seq + 1`` onwards."""
    for offset, record in enumerate(records, start=expected_seq + 1):
        if record[0] != offset:
            raise ValidationError(f"record seq {record[0]} where {offset} was due", seq=record[0])
