"""The canonical encoding of events and their hash chain.

An event's canonical encoding (``Event.canonical()``) is a compact UTF-8 JSON array
``[kind, seq, recorded_us, occurred_us, actor, key, version, memo, *body]``, and its ``hash``
is ``SHA-256(previous hash || canonical encoding)`` (`GENESIS_HASH`, 32 zero bytes, before
the first event). So an event's hash commits to its own content and to the whole history
before it: editing, removing, inserting or reordering any event breaks every hash from that
point on. `decode()` rebuilds an event from what a store keeps; it never checks the hash,
which is the chain's job (`chain_hash()`).
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, Final

from pointsledger.core import _json
from pointsledger.core.events import (
    AccountClosure,
    Awarded,
    Deducted,
    Distributed,
    Event,
    HouseholdMoved,
    HouseholdRegistered,
    LedgerCreated,
    MemberRegistered,
    PeriodClosure,
    RegionAdded,
    Reversed,
    RulebookAdopted,
    Stepped,
    TimeMoved,
)
from pointsledger.core.registry_events import (
    HouseholdsMerged,
    HouseholdSplit,
    MemberLeft,
    MemberMoved,
    MemberReturned,
)
from pointsledger.core.store_events import (
    DonatedGoodsPriced,
    DonationReceived,
    Expired,
    HandedOver,
    Redeemed,
    ReservationCancelled,
    ReservationTimedOut,
    Reserved,
    StockAdjusted,
    StockReceived,
    Transferred,
)
from pointsledger.errors import IntegrityError

GENESIS_HASH: Final = bytes(32)
"""The "previous hash" of the first event."""

FORMAT: Final = 1
"""The version of the canonical encoding, recorded in the genesis event."""

_sha256 = hashlib.sha256
_json_decode = _json.decode
_HEADER = 8  # kind + seven header fields

EVENT_TYPES: Final[dict[str, type[Event]]] = {
    cls.KIND: cls
    for cls in (
        LedgerCreated,
        RulebookAdopted,
        RegionAdded,
        HouseholdRegistered,
        MemberRegistered,
        HouseholdMoved,
        AccountClosure,
        Awarded,
        Deducted,
        Reversed,
        PeriodClosure,
        StockReceived,
        DonationReceived,
        DonatedGoodsPriced,
        StockAdjusted,
        Redeemed,
        HandedOver,
        Reserved,
        ReservationCancelled,
        ReservationTimedOut,
        Transferred,
        Expired,
        Stepped,
        TimeMoved,
        MemberMoved,
        HouseholdSplit,
        HouseholdsMerged,
        MemberLeft,
        MemberReturned,
        Distributed,
    )
}
"""Every event kind by its ``KIND`` name."""



def canonical_bytes(values: list[Any]) -> bytes:
    """The canonical encoding of an event's decoded value list (``[kind, seq, ...]``)."""
    return _json.encode(values).encode()


def chain_hash(previous: bytes, canonical: bytes) -> bytes:
    """The hash of an event whose canonical encoding is ``canonical``."""
    return _sha256(previous + canonical).digest()


def seal(event: Event, previous: bytes) -> bytes:
    """Set a freshly built event's hash from its content and the previous hash.

    Only the ledger's commit path calls this, once per event, before anyone else sees it.

    Returns:
        The event's canonical encoding (what the store keeps).
    """
    data = event.canonical()
    object.__setattr__(event, "hash", _sha256(previous + data).digest())
    return data


def decode(seq: int, data: object, digest: object) -> Event:
    """Rebuild the event of a stored record; the hash is *not* checked here.

    Events are immutable and decoding is a pure function of the record, so the most recently
    decoded records are remembered: reading the same log again (verify, then a report, then a
    query) decodes each record once.

    Raises:
        IntegrityError: the record is not a canonical encoding of event ``seq``.
    """
    if type(data) is not bytes or type(digest) is not bytes or len(digest) != 32:
        raise IntegrityError(f"event {seq}: undecodable record "
                             f"({ValueError('malformed record')!r})", seq=seq)
    return _decode(seq, data, digest)


@functools.lru_cache(maxsize=4096)
def _decode(seq: int, data: bytes, digest: bytes) -> Event:
    try:
        values = _json_decode(data.decode())
        cls = EVENT_TYPES[values[0]]
        if len(values) != _HEADER + len(cls.BODY):
            raise ValueError(f"{len(values)} values for a {cls.KIND} event")
        event = cls.from_json(values[1:_HEADER], values[_HEADER:], digest)
    except Exception as exc:  # any malformed record is an integrity failure, never a crash
        raise IntegrityError(f"event {seq}: undecodable record ({exc!r})", seq=seq) from None
    if event.seq != seq:
        raise IntegrityError(f"record {seq} holds the data of event {event.seq}", seq=seq)
    return event
