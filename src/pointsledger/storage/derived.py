"""Derived blobs (a state snapshot, a report index) kept beside the log, and the one check
before any of them is used.

A blob is stored as ``(seq, head, data, digest)``: the seq it was derived at, the hash of the
log's record at that seq, the bytes, and their SHA-256 digest. Invariant: a blob is used only
when its digest matches its bytes and the log's record at its seq still has hash ``head``, so
derived data always belongs to a prefix of the very log it is used with. Anything else (damaged,
stale, from another log) is ignored and the data derived from the log again.
"""

from __future__ import annotations

import hashlib

from pointsledger.storage.base import Blob, EventStore


def seal_blob(seq: int, head: bytes, data: bytes) -> Blob:
    """The blob to store for ``data`` derived at ``seq``, whose log record has hash ``head``."""
    return seq, head, data, hashlib.sha256(data).digest()


def check_blob(store: EventStore, blob: Blob | None) -> bytes | None:
    """The blob's data when it fits ``store``'s log, else None (also for None or junk).

    Fits: the digest is the SHA-256 of the data, and the record at the blob's seq exists and
    has the blob's head hash (one read of that record: a store refuses a seq beyond its head).
    """
    if blob is None:
        return None
    try:
        seq, head, data, digest = blob
        if hashlib.sha256(data).digest() != digest or seq < 1:
            return None
        return data if store.get(seq)[2] == head else None
    except Exception:  # a malformed row is only ever ignored
        return None
