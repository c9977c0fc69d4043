"""Derived data the ledger keeps beside its log for layers above it (the report index).

Reports never write: a layer above the ledger registers how to derive its data (:func:`register`)
and the ledger writes it, in :meth:`~pointsledger.ledger.Ledger.snapshot`, to a store that keeps
derived blobs (:class:`~pointsledger.storage.DerivedStore`). Each blob is sealed with the seq and
log hash it was derived at; readers use it only after
:func:`~pointsledger.storage.check_blob` finds it still fits the log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pointsledger.storage import DerivedStore, seal_blob

if TYPE_CHECKING:
    from pointsledger.ledger.ledger import Ledger

Derive = Callable[["Ledger"], "tuple[int, bytes] | None"]
"""Derives data from a ledger: ``(seq it covers, bytes)``, or None when there is nothing yet."""

_REGISTERED: dict[str, Derive] = {}


def register(name: str, derive: Derive) -> None:
    """Have every snapshot also keep ``derive(ledger)`` under ``name`` (replacing an earlier
    registration of that name)."""
    _REGISTERED[name] = derive


def save(ledger: Ledger) -> None:
    """Derive and keep every registered data in the ledger's store (when it keeps any)."""
    store = ledger.store
    if not isinstance(store, DerivedStore):
        return
    for name, derive in _REGISTERED.items():
        found = derive(ledger)
        if found is not None:
            seq, data = found
            store.save_derived(name, *seal_blob(seq, ledger.store.get(seq)[2], data))
