"""Reading and writing the hash chain: a stored record checked against its predecessor, and a
command's drafts numbered, stamped and sealed onto the chain."""

from __future__ import annotations

from collections.abc import Sequence

from pointsledger.core.command import Draft
from pointsledger.core.encoding import chain_hash, decode, seal
from pointsledger.core.events import Event
from pointsledger.errors import IntegrityError
from pointsledger.storage import Record


def checked(seq: int, previous: bytes, recorded_us: int, record: Record) -> Event:
    """The event of ``record``, which must follow event ``seq`` with hash ``previous`` recorded
    at ``recorded_us`` (-1: do not check the time order).

    Raises:
        IntegrityError: naming the first bad seq.
    """
    found, data, digest = record
    if found != seq + 1:
        raise IntegrityError(
            f"event {seq + 1} is missing or out of place (found seq {found})", seq=seq + 1
        )
    if type(data) is not bytes or digest != chain_hash(previous, data):
        raise IntegrityError(
            f"event {found} does not match its hash: it was edited, inserted or reordered",
            seq=found,
        )
    event = decode(found, data, digest)
    if event.occurred_us > event.recorded_us or (
        recorded_us >= 0 and event.recorded_us <= recorded_us
    ):
        raise IntegrityError(f"event {found} breaks the time order", seq=found)
    return event


def seal_drafts(
    drafts: Sequence[Draft], seq: int, previous: bytes, now_us: int
) -> tuple[list[Event], list[Record]]:
    events = []
    records = []
    recorded = now_us
    for draft in drafts:
        seq += 1
        event = draft.cls(
            seq,
            recorded,
            draft.occurred_us,
            draft.actor,
            draft.key,
            draft.version,
            draft.memo,
            *draft.body,
        )
        data = seal(event, previous)
        previous = event.hash
        events.append(event)
        records.append((seq, data, previous))
        recorded += 1
    return events, records
