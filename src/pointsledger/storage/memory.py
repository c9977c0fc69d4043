"""The in-memory store: for tests and short-lived ledgers.

Each record is kept as one ``bytes`` object (hash followed by data), which is about half the size
of a decoded event object: the in-memory ledger's footprint is dominated by its log.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..errors import ConcurrencyError, UnknownEntry
from .base import Record, check_numbering

_HASH = 32


class MemoryStore:
    """An :class:`~pointsledger.storage.EventStore` held in a Python list."""

    def __init__(self) -> None:
        self._records: list[bytes] = []

    def append(self, records: Sequence[Record], expected_seq: int) -> None:
        """Append ``records`` atomically on top of ``expected_seq``."""
        head = len(self._records)
        if expected_seq != head:
            raise ConcurrencyError(
                f"store head is {head}, not the expected {expected_seq}",
                expected=expected_seq,
                actual=head,
            )
        check_numbering(records, expected_seq)
        self._records.extend(digest + data for _seq, data, digest in records)

    def read(self, after_seq: int = 0) -> Iterator[Record]:
        """The records after ``after_seq``."""
        start = max(after_seq, 0)
        for seq, blob in enumerate(self._records[start:], start=start + 1):
            yield seq, blob[_HASH:], blob[:_HASH]

    def get(self, seq: int) -> Record:
        """The record with ``seq``."""
        if 1 <= seq <= len(self._records):
            blob = self._records[seq - 1]
            return seq, blob[_HASH:], blob[:_HASH]
        raise UnknownEntry(f"no event {seq} in this store", seq=seq)

    def head(self) -> int:
        """The seq of the last record."""
        return len(self._records)

    def close(self) -> None:
        """Nothing to release."""
