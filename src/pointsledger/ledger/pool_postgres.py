"""The lookahead of a pool of PostgreSQL ledgers: one round trip for a group of ledgers.

`LedgerPool.postgres()` serves its ledgers from one
`PostgresDatabase`, whose stores share a few connections. Going
through a county's villages with `LedgerPool.each()`, it asks the database about a group of
them at once (`PostgresDatabase.prime()` for those to open,
`PostgresDatabase.heads()` for the open ones), so a village costs no round trip of its own
when nothing changed.

Invariants: an opener prepared here opens exactly what `Ledger` would open from the store
(the snapshot and report index fetched are checked against the log's records as always, and
the events after the snapshot are verified as they are applied); a head given to an open
ledger answers its next freshness check only, and is forgotten when its turn ends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from pointsledger.base.clock import Clock
from pointsledger.errors import NotFound
from pointsledger.ledger import movements
from pointsledger.ledger.ledger import Ledger
from pointsledger.storage.postgres import PostgresDatabase, PostgresStore, Primed


class PostgresLookahead:
    """Opens the ledgers of a `PostgresDatabase` for a `LedgerPool`, one at a time
    (`open()`) or a group at a time (`prepare()`).

    Args:
        database: the database and its shared connections.
        create: create a ledger asked for that the database does not hold (otherwise
            `NotFound`).
        clock: the ledgers' clock.
        trust_snapshot: as for `Ledger`.
    """

    def __init__(self, database: PostgresDatabase, *, create: bool = False,
                 clock: Clock | None = None, trust_snapshot: bool = True) -> None:
        self.database = database
        self._create = create
        self._clock = clock
        self._trust = trust_snapshot

    def open(self, ledger_id: str, primed: Primed | None = None) -> Ledger:
        """Open ledger ``ledger_id`` (from ``primed`` when given).

        Raises:
            NotFound: ``create`` is False and the database holds no such ledger.
            StoreError, IntegrityError: as for `Ledger`.
        """
        store = self.database.store(ledger_id, primed=primed)
        try:
            if not self._create and (primed.head if primed is not None else store.head()) == 0:
                raise NotFound(f"no ledger {ledger_id!r} in this database",
                               ledger_id=ledger_id)
            return Ledger(store, clock=self._clock, ledger_id=ledger_id,
                          trust_snapshot=self._trust)
        except BaseException:
            store.close()
            raise

    def prepare(self, opening: Sequence[str],
                open_ledgers: Sequence[Ledger]) -> Mapping[str, Callable[[], Ledger]]:
        """Fetch what opening ``opening`` reads (with the report index, which a report reads
        next) and the heads of ``open_ledgers``, each in one pipelined round trip; give each
        open ledger its head and return an opener per id of ``opening``."""
        stores = {ledger.store.ledger_id: ledger.store for ledger in open_ledgers
                  if isinstance(ledger.store, PostgresStore)}
        for ledger_id, head in self.database.heads(stores).items():
            stores[ledger_id].note_head(head)
        primed = self.database.prime(opening, derived=(movements.NAME,))
        return {ledger_id: _opener(self, ledger_id, found)
                for ledger_id, found in primed.items()}

    def release(self, ledger: Ledger) -> None:
        """Forget the head `prepare()` gave ``ledger``."""
        if isinstance(ledger.store, PostgresStore):
            ledger.store.note_head(None)


def _opener(lookahead: PostgresLookahead, ledger_id: str,
            primed: Primed) -> Callable[[], Ledger]:
    return lambda: lookahead.open(ledger_id, primed)
