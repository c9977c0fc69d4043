"""The movement index: every point movement of a ledger in compact columns, for fast reports.

Reports must read a million events in well under two seconds; decoding that many events takes
several. So the first report on a ledger folds the log once into columns (``array`` of machine
integers, about 50 bytes a movement) and later reports, on the same ledger, only fold the events
appended since. The index is derived data, cached per ledger and per store head, never written
anywhere: a pure function of the log like every report.
"""

from __future__ import annotations

import weakref
from array import array
from typing import Final

from ..events import Event, Reversed
from ..ledger import Ledger
from ._scan import movements, occurred

KINDS: Final = ("earned", "deducted", "redeemed", "expired", "transferred", "closed",
                "reversed")
_KIND_CODE: Final = {kind: n for n, kind in enumerate(KINDS)}


class Movements:
    """Columns, one row per account a posting event moves points of (and a few per event:
    ``event_recorded``, ``event_actor``, ``event_kind``, row ``seq - 1``).

    ``when`` is when the movement counts for summaries (a reversal counts at the time of what
    it reverses), ``at`` when its own event occurred (for passbooks).
    """

    def __init__(self) -> None:
        self.seq = array("q")
        self.recorded = array("q")
        self.when = array("q")
        self.at = array("q")
        self.kind = array("b")
        self.reversal = array("b")
        self.account = array("i")
        self.household = array("i")
        self.code = array("i")
        self.version = array("i")
        self.points = array("q")
        self.quantity = array("i")
        self.names: list[str] = []
        self._ids: dict[str, int] = {}
        self.done = 0
        # one row per event, for the audit trail
        self.event_recorded = array("q")
        self.event_actor = array("i")
        self.event_kind = array("i")

    def intern(self, name: str) -> int:
        """The number standing for ``name`` in the columns."""
        found = self._ids.get(name)
        if found is None:
            found = self._ids[name] = len(self.names)
            self.names.append(name)
        return found

    def number(self, name: str) -> int:
        """The number of ``name``, or -1 when it never moved points."""
        return self._ids.get(name, -1)

    def add(self, ledger: Ledger, event: Event) -> None:
        """Fold one event into the columns."""
        self.event_recorded.append(event.recorded_us)
        self.event_actor.append(self.intern(event.actor))
        self.event_kind.append(self.intern(event.KIND))
        state = ledger.state
        when = occurred(event)
        reversal = 1 if isinstance(event, Reversed) else 0
        version = event.original_version if isinstance(event, Reversed) else event.version
        quantity = getattr(event, "quantity", 0)
        for account, kind, points, what in movements(event):
            self.seq.append(event.seq)
            self.recorded.append(event.recorded_us)
            self.when.append(when)
            self.at.append(event.occurred_us)
            self.kind.append(_KIND_CODE[kind])
            self.reversal.append(reversal)
            self.account.append(self.intern(account))
            self.household.append(self.intern(state.household_of(account) or account))
            self.code.append(self.intern(what))
            self.version.append(self.intern(version))
            self.points.append(points)
            self.quantity.append(quantity)


_CACHE: weakref.WeakKeyDictionary[Ledger, Movements] = weakref.WeakKeyDictionary()


def movements_of(ledger: Ledger) -> Movements:
    """The ledger's movement index, brought up to the store's head."""
    index = _CACHE.get(ledger)
    if index is None:
        index = _CACHE[ledger] = Movements()
    if index.done < ledger.store.head():
        for event in ledger.events(after=index.done):
            index.add(ledger, event)
            index.done = event.seq
    return index


def code_of(kind: str) -> int:
    """The column code of a movement kind."""
    return _KIND_CODE[kind]
