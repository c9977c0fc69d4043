"""Snapshots: a reopen from a snapshot equals a full replay; a damaged snapshot is ignored."""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import Actor, Ledger, ManualClock
from pointsledger.core.state import TABLES, LedgerState

from .helpers import budget
from .test_store import KEEPER, MONDAY, make_shop

RESIDENT = Actor("M-60", roles={"resident"})


def same(a: LedgerState, b: LedgerState) -> None:
    for name in TABLES:
        assert dict(getattr(a, name)) == dict(getattr(b, name)), name
    for name in ("seq", "head_hash", "recorded_us", "ledger_id", "tz", "closed_before_us",
                 "max_occurred_us", "adoptions", "_starts"):
        assert getattr(a, name) == getattr(b, name), name


def rich_file(tmp_path: Path) -> tuple[Path, Any]:
    """A store ledger with reservations, redemptions, bans, reversals and lots."""
    path = tmp_path / "shop.db"
    shop = make_shop(str(path))
    led = shop.ledger
    shop.earn("H1", 3)
    led.reserve("H1", "SOAP", by=RESIDENT, key="res")
    soap = led.redeem("H1", "MEAL", member="M-60", by=KEEPER, key="meal")
    led.reverse(soap.id, reason="退货", by=Actor("c-01", roles={"committee"}), key="rev")
    led.deduct("H2", "COV-09", by=Actor("g-07", roles={"grid_worker"}), key="bad",
               occurred_at=shop.clock())
    return path, shop


def reopen(path: Path) -> Ledger:
    return Ledger.open(path, clock=ManualClock(MONDAY.add(days=1)))


def test_reopen_from_a_snapshot_equals_a_full_replay(tmp_path: Path) -> None:
    """Events after the snapshot are replayed on top of it; the result is the full replay's."""
    path, shop = rich_file(tmp_path)
    led = shop.ledger
    assert led.snapshot() == led.head
    shop.earn("H3")  # after the snapshot
    live = led._state
    led.close()
    from_snapshot = reopen(path)
    same(from_snapshot._state, live)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM snapshots")
    same(reopen(path)._state, live)
    assert from_snapshot.verify() == reopen(path).verify()
    # the reopened ledger works on: an old key is still known, a reservation can be handed over
    assert from_snapshot.redeem("H1", "MEAL", member="M-60", by=KEEPER, key="meal") == soap_of(
        from_snapshot)


def soap_of(led: Ledger) -> Any:
    found = led.event_for_key("meal")
    assert found is not None
    return found


def test_a_damaged_snapshot_is_ignored(tmp_path: Path) -> None:
    """Edited data, a wrong head or a snapshot beyond the log: the log is replayed instead."""
    path, shop = rich_file(tmp_path)
    live = shop.ledger._state
    shop.ledger.snapshot()
    shop.ledger.close()
    for statement in ("UPDATE snapshots SET data = CAST('junk' AS BLOB)",
                      "UPDATE snapshots SET head = zeroblob(32)",
                      "UPDATE snapshots SET seq = seq + 1000"):
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM snapshots")
        again = reopen(path)
        again.snapshot()
        again.close()
        with sqlite3.connect(path) as db:
            db.execute(statement)
        same(reopen(path)._state, live)


@settings(max_examples=budget(40), deadline=None)
@given(data=st.binary(max_size=200))
def test_malformed_snapshot_rows_never_crash(data: bytes) -> None:
    """Whatever bytes a snapshot row holds (with a matching digest even), reopening works and
    gives the state of a full replay. Each example damages a fresh file, so each compares
    with a clean replay."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.db"
        shop = make_shop(str(path))
        assert shop.ledger.snapshot() == shop.ledger.head
        live = shop.ledger._state
        shop.ledger.close()
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0] == 1
            db.execute("UPDATE snapshots SET data = ?, digest = ?",
                       (data, hashlib.sha256(data).digest()))
        with reopen(path) as damaged:
            same(damaged._state, live)
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM snapshots")
        with reopen(path) as replayed:  # the clean replay, from the log alone
            same(replayed._state, live)


def test_open_uses_the_snapshot_and_verify_still_checks_everything(tmp_path: Path) -> None:
    """With a snapshot, opening does not reread the events before it (an edit there is not seen
    on open), but verify() rereads the whole chain and names it."""
    import pytest

    from pointsledger import IntegrityError

    path, shop = rich_file(tmp_path)
    shop.ledger.snapshot()
    shop.ledger.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE events SET data = CAST(REPLACE(CAST(data AS TEXT), '户主H1', '户主X1')"
                   " AS BLOB) WHERE seq = 4")
    opened = reopen(path)  # from the snapshot: fast, and blind to the edit until verified
    with pytest.raises(IntegrityError) as info:
        opened.verify()
    assert info.value.fields["seq"] == 4
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM snapshots")
    with pytest.raises(IntegrityError):
        reopen(path)
