"""The in-memory store: a list, for tests and short-lived ledgers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..errors import ConcurrencyError, UnknownEntry, ValidationError
from ..events import Event


class MemoryStore:
    """An :class:`~pointsledger.storage.EventStore` held in a Python list."""

    def __init__(self) -> None:
        self._events: list[Event] = []

    def append(self, events: Sequence[Event], expected_seq: int) -> None:
        """Append ``events`` atomically on top of ``expected_seq``."""
        head = len(self._events)
        if expected_seq != head:
            raise ConcurrencyError(
                f"store head is {head}, not the expected {expected_seq}",
                expected=expected_seq,
                actual=head,
            )
        for offset, event in enumerate(events, start=head + 1):
            if event.seq != offset:
                raise ValidationError(
                    f"event seq {event.seq} where {offset} was due", seq=event.seq
                )
        self._events.extend(events)

    def read(self, after_seq: int = 0) -> Iterator[Event]:
        """The events after ``after_seq``."""
        return iter(self._events[max(after_seq, 0):])

    def get(self, seq: int) -> Event:
        """The event with ``seq``."""
        if 1 <= seq <= len(self._events):
            return self._events[seq - 1]
        raise UnknownEntry(f"no event {seq} in this store", seq=seq)

    def head(self) -> int:
        """The seq of the last event."""
        return len(self._events)

    def close(self) -> None:
        """Nothing to release."""
