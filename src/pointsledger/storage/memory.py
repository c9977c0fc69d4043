"""The in-memory store: for tests and short-lived ledgers.

An in-memory ledger's footprint is dominated by its log, so the log is kept compact. Hashes are
packed into one byte array (32 bytes a record). Encoded events are collected in blocks of 256,
and each full block is compressed with zlib at its fastest level. Canonical events are
repetitive JSON, so a block shrinks to about a fifth, and a record costs its hash, about 25
bytes of compressed data and a 4-byte offset. Reads decompress a block once: a few recently read
blocks are cached, so sequential reads (replays, reports) touch each block once.
"""

from __future__ import annotations

import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterator, Sequence

from pointsledger.errors import ConcurrencyError, UnknownEntry
from pointsledger.storage.base import Record, check_numbering

_HASH = 32
_BLOCK_BITS = 8
_BLOCK = 1 << _BLOCK_BITS  # records per compressed block
_CACHED = 8  # decompressed blocks kept for reads


class MemoryStore:
    """An `EventStore` held in memory (no optional protocols: one
    process, nothing to reopen)."""

    def __init__(self) -> None:
        self._hashes = bytearray()
        self._blocks: list[bytes] = []  # compressed, full blocks
        self._ends = array("I")  # per record: where its data ends within its block
        self._open: list[bytes] = []  # the data of the block being filled
        self._open_size = 0
        self._cache: OrderedDict[int, bytes] = OrderedDict()

    def append(self, records: Sequence[Record], expected_seq: int) -> None:
        """Append ``records`` atomically on top of ``expected_seq``."""
        head = len(self._ends)
        if expected_seq != head:
            raise ConcurrencyError(
                f"store head is {head}, not the expected {expected_seq}",
                expected=expected_seq,
                actual=head,
            )
        check_numbering(records, expected_seq)
        for _seq, data, digest in records:
            self._hashes += digest
            self._open.append(data)
            self._open_size += len(data)
            self._ends.append(self._open_size)
            if len(self._open) == _BLOCK:
                self._blocks.append(zlib.compress(b"".join(self._open), 1))
                self._open = []
                self._open_size = 0

    def _block(self, number: int) -> bytes:
        cache = self._cache
        found = cache.get(number)
        if found is None:
            found = cache[number] = zlib.decompress(self._blocks[number])
            if len(cache) > _CACHED:
                cache.popitem(last=False)
        return found

    def _record(self, index: int) -> Record:
        digest = bytes(self._hashes[index * _HASH:(index + 1) * _HASH])
        number, position = index >> _BLOCK_BITS, index & (_BLOCK - 1)
        if number == len(self._blocks):
            return index + 1, self._open[position], digest
        start = self._ends[index - 1] if position else 0
        return index + 1, self._block(number)[start:self._ends[index]], digest

    def read(self, after_seq: int = 0) -> Iterator[Record]:
        """The records after ``after_seq``."""
        for index in range(max(after_seq, 0), len(self._ends)):
            yield self._record(index)

    def get(self, seq: int) -> Record:
        """The record with ``seq``."""
        if 1 <= seq <= len(self._ends):
            return self._record(seq - 1)
        raise UnknownEntry(f"no event {seq} in this store", seq=seq)

    def head(self) -> int:
        """The seq of the last record."""
        return len(self._ends)

    def close(self) -> None:
        """Nothing to release."""
