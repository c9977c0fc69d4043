"""Trust you can show: anchors to publish, and the audit of everything derived from the log.

The hash chain proves that a log has not been edited *within* itself; it cannot show that a
log was cut short, or rewritten as a whole, by whoever holds the file. An `Anchor` closes
that gap: the head (ledger id, seq, hash, time) printed on a public notice or kept elsewhere.
A log that lacks an anchored event (its tail was cut) or holds another event there (its history
was rewritten) is refused by `check_anchors()`.

Derived data is trusted only as far as it is checked: `audit()` folds the whole log once
and compares the live state, the stored snapshot and the stored report index with that fold.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from pointsledger.base.clock import from_us
from pointsledger.base.jsonforms import JsonForm
from pointsledger.core.encoding import GENESIS_HASH
from pointsledger.core.state import LedgerState, apply, differences
from pointsledger.errors import IntegrityError, ValidationError
from pointsledger.ledger import movements, snapshot
from pointsledger.ledger.chain import checked
from pointsledger.storage import EventStore, SnapshotStore, check_blob

if TYPE_CHECKING:
    from pointsledger.ledger.ledger import Ledger

_SHORT = 16  # hex characters of the hash in an anchor's printed form (64 bits)


@attrs.frozen
class Anchor(JsonForm):
    """A published head of a ledger: after event ``seq`` its hash was ``hash``.

    Attributes:
        ledger_id: the ledger's id (from its genesis event).
        seq: the anchored event.
        hash: that event's chain hash in hex: all 64 characters, or at least the first 16 (the
            printed form; 64 bits).
        recorded_us: when the anchored event was recorded (0 when the anchor was read from its
            printed form, which leaves the time out).
    """

    ledger_id: str
    seq: int
    hash: str
    recorded_us: int = 0

    def __str__(self) -> str:
        """The short printed form for a notice board: ``<ledger id>:<seq>:<16 hex>``."""
        return f"{self.ledger_id}:{self.seq}:{self.hash[:_SHORT]}"

    def recorded_at(self, tz: str) -> _dt.datetime:
        """When the anchored event was recorded, in zone ``tz``."""
        return from_us(self.recorded_us, tz)

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """An anchor from its printed form (``<ledger id>:<seq>:<hex>``).

        Raises:
            ValidationError: not an anchor's printed form.
        """
        if not isinstance(text, str):
            raise ValidationError(f"an anchor is text, got {text!r}", field="anchor")
        parts = text.strip().rsplit(":", 2)
        if len(parts) != 3 or not parts[0] or not parts[1].isdigit():
            raise ValidationError(
                f"an anchor reads '<ledger id>:<seq>:<hash>', got {text[:80]!r}", field="anchor")
        ledger_id, seq, digest = parts
        digest = digest.lower()
        if len(digest) < _SHORT or len(digest) > 64 or any(
                c not in "0123456789abcdef" for c in digest):
            raise ValidationError(
                f"an anchor's hash is {_SHORT} to 64 hex digits, got {digest[:80]!r}",
                field="anchor")
        return cls(ledger_id, int(seq), digest)


def as_anchor(value: Anchor | str) -> Anchor:
    """An `Anchor`, or one parsed from its printed form."""
    return value if isinstance(value, Anchor) else Anchor.parse(value)


def check_anchors(store: EventStore, ledger_id: str, anchors: Iterable[Anchor | str]) -> None:
    """Refuse a log that lacks or contradicts a published anchor.

    Raises:
        IntegrityError: an anchor of another ledger, an anchored event missing (the log was
            cut short), or another event in its place (the history was rewritten); the
            message names the anchor and the seq.
    """
    head = store.head()
    for given in anchors:
        anchor = as_anchor(given)
        if anchor.ledger_id != ledger_id:
            raise IntegrityError(
                f"anchor {anchor} belongs to ledger {anchor.ledger_id!r}, not {ledger_id!r}",
                seq=anchor.seq, anchor=str(anchor))
        if anchor.seq > head:
            raise IntegrityError(
                f"the log ends at event {head}, but anchor {anchor} was published after event "
                f"{anchor.seq}: events were cut from the end", seq=head + 1, anchor=str(anchor))
        digest = store.get(anchor.seq)[2].hex()
        if not digest.startswith(anchor.hash):
            raise IntegrityError(
                f"event {anchor.seq} has hash {digest[:_SHORT]}, not the published anchor "
                f"{anchor}: the history was rewritten", seq=anchor.seq, anchor=str(anchor))


def audit(ledger: Ledger, live: LedgerState) -> tuple[int, bytes, LedgerState]:
    """Fold the whole stored log once, checking its chain, and compare with it every piece of
    derived data the ledger trusts: the live state, the stored snapshot (when the ledger would
    use it) and the stored report index (likewise).

    Returns:
        ``(events, head hash, the fold)`` of the stored log.

    Raises:
        IntegrityError: naming the first bad seq of the chain; or the derived data that differs
            from the fold and in what (``live state``, ``stored snapshot``, ``report index``).
    """
    store = ledger.store
    stored_state, state_seq = _stored_snapshot(store)
    fold = LedgerState()
    seq, previous, recorded = 0, GENESIS_HASH, 0
    for record in store.read(0):
        event = checked(seq, previous, recorded, record)
        seq, previous, recorded = event.seq, event.hash, event.recorded_us
        if seq == live.seq and previous != live.head_hash:
            raise IntegrityError(
                f"event {seq} in the store has hash {previous.hex()[:12]}, but this ledger "
                f"applied {live.head_hash.hex()[:12]} as event {seq}", seq=seq)
        apply(fold, event)
        if stored_state is not None and seq == state_seq:
            _compare("the stored snapshot", stored_state, fold, seq)
        if seq == live.seq:
            _compare("the live state", live, fold, seq)
    if seq < live.seq:
        raise IntegrityError(
            f"the stored log ends at seq {seq}, but this ledger applied up to seq "
            f"{live.seq}", seq=seq + 1)
    index = movements.stored(ledger)
    if index is not None:
        fresh = movements.Movements()
        fresh.fold(ledger, until=index.done, state=fold)
        if fresh.dump() != index.dump():
            raise IntegrityError(
                f"the stored report index (to event {index.done}) differs from a fold of the "
                "log: it was forged or damaged; delete it or take a new snapshot",
                seq=index.done, derived="report index")
    return seq, previous, fold


def _stored_snapshot(store: EventStore) -> tuple[LedgerState | None, int]:
    """The stored snapshot the ledger would start from (its blob fits the log), or None."""
    if not isinstance(store, SnapshotStore):
        return None, 0
    found = store.load_snapshot()
    data = check_blob(store, found)
    if found is None or data is None:
        return None, 0
    try:
        return snapshot.load(data), found[0]
    except Exception:  # a damaged snapshot is never used: nothing to compare
        return None, 0


def _compare(what: str, derived: LedgerState, fold: LedgerState, seq: int) -> None:
    differ = differences(derived, fold)
    if differ:
        raise IntegrityError(
            f"{what} at event {seq} differs from a fold of the log in {', '.join(differ)}: it "
            "was forged or damaged", seq=seq, derived=what, differ=list(differ))
