"""JSON Lines export and import of a whole ledger.

One line per event: ``{"seq": n, "hash": "<hex>", "event": <canonical encoding>}``, in order,
then a closing line ``{"end": true, "events": n, "head": "<hex>"}``. The ``event`` is the
event's canonical encoding exactly as its hash covers it, so a file can be checked line by
line. Import verifies the whole chain and the closing line before anything is written, and
refuses a tampered, reordered or truncated file, or a line that is not UTF-8 text, with an
`IntegrityError` naming the line.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from pointsledger.core.encoding import GENESIS_HASH, canonical_bytes, chain_hash, decode
from pointsledger.errors import IntegrityError, StoreError
from pointsledger.ledger.ledger import Ledger
from pointsledger.storage import EventStore, MemoryStore, Record, SQLiteStore

_BATCH = 10_000


def export_jsonl(ledger: Ledger, path: str | os.PathLike[str]) -> int:
    """Write every event of ``ledger`` to ``path`` as JSON Lines.

    The file appears whole or not at all: the lines go to a temporary file beside ``path``,
    which replaces ``path`` only once the closing line is written, so a failed export leaves
    no half-written file and an earlier file at ``path`` as it was. A new export is readable
    by its owner only (it holds residents' names), as `tempfile.mkstemp` makes it.

    Returns:
        The number of events written.
    """
    target = os.fspath(path)
    # a hidden name beside the target, short enough under any target name (255 bytes at most)
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)[:40]}.",
                                         suffix=".partial", dir=os.path.dirname(target) or ".")
    count, head = 0, GENESIS_HASH
    try:
        with open(handle, "w", encoding="utf-8", newline="\n") as out:
            for seq, data, digest in ledger.store.read(0):
                out.write(f'{{"seq":{seq},"hash":"{digest.hex()}","event":{data.decode()}}}\n')
                count, head = seq, digest
            out.write(json.dumps({"end": True, "events": count, "head": head.hex()}) + "\n")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return count


def _records(path: str | os.PathLike[str]) -> Iterator[tuple[int, Record]]:
    """``(line number, record)`` of each event line, checked link by link."""
    previous, expected, line_no = GENESIS_HASH, 1, 0
    closed = False
    with open(path, "rb") as source:
        for line_no, raw in enumerate(source, start=1):
            line = _text(raw, line_no)
            if closed:
                raise IntegrityError(f"line {line_no}: text after the closing line",
                                     line=line_no, seq=None)
            value = _parse(line, line_no)
            if value.get("end") is True:
                if value.get("events") != expected - 1 or value.get("head") != previous.hex():
                    raise IntegrityError(
                        f"line {line_no}: the closing line says {value.get('events')} events "
                        f"ending in {str(value.get('head'))[:12]}, the file holds {expected - 1} "
                        f"ending in {previous.hex()[:12]}", line=line_no, seq=expected)
                closed = True
                continue
            try:
                seq, digest = value["seq"], bytes.fromhex(value["hash"])
                data = canonical_bytes(value["event"])
            except (KeyError, TypeError, ValueError):
                raise IntegrityError(f"line {line_no}: not an event line", line=line_no,
                                     seq=expected) from None
            if seq != expected:
                raise IntegrityError(f"line {line_no}: event {seq} where {expected} was due "
                                     "(reordered, missing or inserted lines)", line=line_no,
                                     seq=expected)
            if digest != chain_hash(previous, data):
                raise IntegrityError(f"line {line_no}: event {seq} does not match its hash "
                                     "(edited, or the lines were reordered)", line=line_no,
                                     seq=seq)
            decode(seq, data, digest)  # a well-formed event, or IntegrityError
            yield line_no, (seq, data, digest)
            previous, expected = digest, expected + 1
    if not closed:
        raise IntegrityError(f"line {line_no + 1}: the file ends without its closing line "
                             "(truncated)", line=line_no + 1, seq=expected)


def _text(raw: bytes, line_no: int) -> str:
    """A line's bytes as text, or an `IntegrityError` naming the line if not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise IntegrityError(f"line {line_no}: not UTF-8 text (byte {exc.start + 1} of the line "
                             f"is {raw[exc.start]:#04x})", line=line_no, seq=None) from None


def _parse(line: str, line_no: int) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        raise IntegrityError(f"line {line_no}: not JSON", line=line_no, seq=None) from None
    if not isinstance(value, dict):
        raise IntegrityError(f"line {line_no}: not an object", line=line_no, seq=None)
    return value


def import_jsonl(path: str | os.PathLike[str], target: str | os.PathLike[str] | None = None,
                 **ledger_args: Any) -> Ledger:
    """Read a JSON Lines export into a new ledger: in memory (``target`` None) or a new SQLite
    file. The whole file is verified before anything is written.

    Args:
        path: the export.
        target: a SQLite path that must not hold a ledger yet, or None for memory.
        ledger_args: passed to `Ledger` (``clock``, ...).

    Raises:
        IntegrityError: naming the first bad line (also a line that is not UTF-8 text).
        StoreError: ``target`` already holds events.
    """
    records = [record for _line, record in _records(path)]
    store: EventStore = MemoryStore() if target is None else SQLiteStore(target)
    try:
        if store.head() != 0:
            raise StoreError(f"{target!r} already holds a ledger; import into a new file",
                             path=str(target))
        for start in range(0, len(records), _BATCH):
            store.append(records[start:start + _BATCH], start)
        return Ledger(store, **ledger_args)
    except BaseException:
        store.close()
        raise
