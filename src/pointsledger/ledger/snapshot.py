"""Snapshots of the derived state, so a large ledger reopens without replaying its whole log.

A snapshot is the state at some seq, serialised as JSON (plain values only: no code, no
pickles), stored as a blob sealed with the seq, the hash of the event at that seq and a SHA-256
digest (`seal_blob()`). Reopening uses it only if
`check_blob()` finds it still fits the log; then only the events after
it are replayed, and they are verified as usual. Anything else discards the snapshot and replays
the whole log. ``verify()`` always checks the whole chain.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from typing import Any

import attrs
import pendulum

from pointsledger.core.records import Adoption, Reservation
from pointsledger.core.registry import Household, Member, Region
from pointsledger.core.state import TABLES, LedgerState
from pointsledger.rules.flows import Case
from pointsledger.rules.rulebook import Rulebook, rulebook_from_data, rulebook_to_data

FORMAT = 3  # 3: lots fitted when a deficit is handed over (older snapshots are replayed)
_RECORDS = {"regions", "households", "members", "reservations", "cases"}
# tables of plain keys and values: stored as two lists and rebuilt with dict(zip()), which keeps
# a reopen of a million events fast
_FLAT = {"posted", "cap_used", "keys", "reversals", "account_index", "scope_index", "held",
         "stock", "reserved", "pending", "minutes"}


def _iso(day: _dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> _dt.date | None:
    return None if text is None else _dt.date.fromisoformat(text)


def dump(state: LedgerState) -> bytes:
    """The state as snapshot bytes."""
    tables: dict[str, Any] = {}
    for name in TABLES:
        if name == "adoptions_by_version":
            continue
        table = getattr(state, name)
        if name == "regions":
            tables[name] = {k: (r.code, r.name, r.kind, r.parent) for k, r in table.items()}
        elif name == "households":
            tables[name] = {k: (h.id, h.grid, h.head, h.closed) for k, h in table.items()}
        elif name == "members":
            tables[name] = {k: (m.id, m.household, m.name, tuple(sorted(m.roles)),
                                _iso(m.birth_date), m.closed) for k, m in table.items()}
        elif name == "reservations":
            tables[name] = {k: (r.seq, r.account, r.household, r.reward, r.quantity, r.points,
                                r.member, r.expires_us, r.version, r.occurred_us, r.lots,
                                r.status) for k, r in table.items()}
        elif name == "cases":
            tables[name] = {k: attrs.astuple(c, recurse=False) for k, c in table.items()}
        else:
            tables[name] = dict(table)
    adoptions = [(json.dumps(rulebook_to_data(a.rulebook), ensure_ascii=False),
                  _iso(a.effective_from), _iso(a.effective_until), a.from_us, a.until_us,
                  a.resolution, a.seq) for a in state.adoptions]
    scalars = (state.seq, state.head_hash.hex(), state.recorded_us, state.ledger_id, state.tz,
               state.closed_before_us, state.max_occurred_us)
    pairs = {name: [list(values), list(values.values())] if name in _FLAT
             else list(values.items()) for name, values in tables.items()}
    return json.dumps([FORMAT, scalars, adoptions, pairs], ensure_ascii=False,
                      separators=(",", ":")).encode()


def load(blob: bytes) -> LedgerState:
    """Rebuild a state from `dump()` output.

    Raises:
        ValueError: the bytes are not a snapshot of this format.
    """
    version, scalars, adoptions, pairs = json.loads(blob)
    if version != FORMAT:
        raise ValueError(f"snapshot format {version}")
    state = LedgerState()
    (state.seq, head, state.recorded_us, state.ledger_id, state.tz,
     state.closed_before_us, state.max_occurred_us) = scalars
    state.head_hash = bytes.fromhex(head)
    tables = {name: dict(zip(values[0], values[1], strict=True)) if name in _FLAT
              else {_freeze(k): _freeze(v) for k, v in values}
              for name, values in pairs.items()}
    state.tzinfo = pendulum.timezone(state.tz)
    built = []
    for data, start, end, from_us, until_us, minutes, seq in adoptions:
        built.append(Adoption(_rulebook(data), _day(start) or _dt.date.min,
                              _day(end), from_us, until_us, minutes, seq))
    state.adoptions = tuple(built)
    state._starts = tuple(a.from_us for a in built)
    for adoption in built:
        state.adoptions_by_version[adoption.version] = adoption
    for name, values in tables.items():
        if name not in TABLES:
            raise ValueError(f"unknown table {name!r}")
        table: dict[Any, Any] = getattr(state, name)
        if name in _RECORDS:
            values = {k: _record(name, v) for k, v in values.items()}
        table.update(values)
    return state


@functools.lru_cache(maxsize=64)
def _rulebook(data: str) -> Rulebook:
    """The rulebook of its recorded JSON text, built once per distinct text: a pool of village
    ledgers under one county checklist holds one `Rulebook` (immutable, so sharing it is
    safe) instead of decoding it again for every village."""
    return rulebook_from_data(json.loads(data))


def _freeze(value: Any) -> Any:
    """JSON lists back to the tuples the state holds (a call only per list: most values of a
    snapshot are scalars inside lists)."""
    if type(value) is not list:
        return value
    return tuple([_freeze(v) if type(v) is list else v for v in value])


def _record(name: str, v: tuple[Any, ...]) -> Any:
    if name == "regions":
        return Region(*v)
    if name == "households":
        return Household(*v)
    if name == "members":
        return Member(v[0], v[1], v[2], frozenset(v[3]), _day(v[4]), v[5])
    if name == "cases":
        return Case(*v)
    return Reservation(*v)  # its lots are tuples again thanks to _freeze
