"""The storage contract every backend fulfils."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from ..events import Event


@runtime_checkable
class EventStore(Protocol):
    """An append-only log of sealed events.

    Invariants: sequence numbers start at 1 and are gap-free; an append writes all of its
    events or none; an append whose ``expected_seq`` is not the current head writes nothing and
    raises :class:`~pointsledger.errors.ConcurrencyError`.
    """

    def append(self, events: Sequence[Event], expected_seq: int) -> None:
        """Append ``events`` (numbered ``expected_seq + 1`` onwards) atomically.

        Raises:
            ConcurrencyError: the head is no longer ``expected_seq``.
        """
        ...

    def read(self, after_seq: int = 0) -> Iterator[Event]:
        """The events with ``seq > after_seq``, in order."""
        ...

    def get(self, seq: int) -> Event:
        """The event with ``seq``.

        Raises:
            UnknownEntry: no such event.
        """
        ...

    def head(self) -> int:
        """The seq of the last event (0 when empty)."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...
