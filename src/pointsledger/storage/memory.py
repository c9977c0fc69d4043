"""The in-memory store: for tests and short-lived ledgers.

Records are packed back to back (hash, then data) into fixed 4 MiB arenas, with two compact
arrays locating them, so a record costs its own bytes plus 12: an in-memory ledger's footprint
is dominated by its log, and this keeps it near the size of the encoded events themselves.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence

from ..errors import ConcurrencyError, UnknownEntry
from .base import Record, check_numbering

_HASH = 32
_ARENA = 1 << 22


class MemoryStore:
    """An :class:`~pointsledger.storage.EventStore` held in memory."""

    def __init__(self) -> None:
        self._arenas: list[bytearray] = []
        self._used = _ARENA  # bytes used in the last arena (full: none yet)
        self._where = array("Q")  # arena number << 32 | offset, per record
        self._size = array("I")  # hash + data length, per record

    def append(self, records: Sequence[Record], expected_seq: int) -> None:
        """Append ``records`` atomically on top of ``expected_seq``."""
        head = len(self._where)
        if expected_seq != head:
            raise ConcurrencyError(
                f"store head is {head}, not the expected {expected_seq}",
                expected=expected_seq,
                actual=head,
            )
        check_numbering(records, expected_seq)
        for _seq, data, digest in records:
            size = _HASH + len(data)
            if self._used + size > _ARENA or not self._arenas:
                self._arenas.append(bytearray(max(_ARENA, size)))
                self._used = 0
            arena, start = self._arenas[-1], self._used
            arena[start:start + _HASH] = digest
            arena[start + _HASH:start + size] = data
            self._where.append((len(self._arenas) - 1) << 32 | start)
            self._size.append(size)
            self._used = start + size

    def _record(self, index: int) -> Record:
        where = self._where[index]
        arena = self._arenas[where >> 32]
        start = where & 0xFFFFFFFF
        end = start + self._size[index]
        return index + 1, bytes(arena[start + _HASH:end]), bytes(arena[start:start + _HASH])

    def read(self, after_seq: int = 0) -> Iterator[Record]:
        """The records after ``after_seq``."""
        for index in range(max(after_seq, 0), len(self._where)):
            yield self._record(index)

    def get(self, seq: int) -> Record:
        """The record with ``seq``."""
        if 1 <= seq <= len(self._where):
            return self._record(seq - 1)
        raise UnknownEntry(f"no event {seq} in this store", seq=seq)

    def head(self) -> int:
        """The seq of the last record."""
        return len(self._where)

    def close(self) -> None:
        """Nothing to release."""
