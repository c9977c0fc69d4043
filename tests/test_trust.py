"""Trust you can show: forged derived data is named by verify(), and published anchors refuse a
log that was cut short or rewritten (real SQLite files, edited behind the library's back)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pointsledger import IntegrityError, Ledger, ValidationError, reports
from pointsledger.ledger import movements, snapshot
from pointsledger.ledger.trust import Anchor
from pointsledger.storage import SQLiteStore, seal_blob

from .helpers import GRID, Village, make_village


def _scored(path: Path) -> Village:
    """A village file with a few awards, a snapshot and a report index at its head."""
    village = make_village(str(path))
    ledger, clock = village.ledger, village.clock
    for n, household in enumerate(("H001", "H002", "H003")):
        ledger.award(household, "VOL-02", by=GRID, key=f"a{n}", occurred_at=clock())
    reports.balances(ledger)  # builds the report index
    assert ledger.snapshot() == ledger.head
    return village


def _forge_snapshot(path: Path) -> None:
    """Give H001 1,000 more points in the stored snapshot and recompute its digest."""
    store = SQLiteStore(path)
    found = store.load_snapshot()
    assert found is not None
    state = snapshot.load(found[2])
    state.posted["H001"] += 1000
    store.save_snapshot(*seal_blob(found[0], found[1], snapshot.dump(state)))
    store.close()


def test_a_forged_snapshot_is_named_by_verify(tmp_path: Path) -> None:
    """A snapshot edited with its digest recomputed is believed by a trusting open (that is
    the trust model), and verify() names it and what differs."""
    path = tmp_path / "v.db"
    _scored(path).ledger.close()
    _forge_snapshot(path)
    forged = Ledger.open(path)
    assert forged.balance("H001").posted == 1002  # a trusting open starts from the snapshot
    with pytest.raises(IntegrityError) as info:
        forged.verify()
    assert info.value.fields["derived"] == "the stored snapshot"
    assert "posted" in info.value.fields["differ"]
    forged.close()


def test_an_open_that_trusts_no_snapshot_refuses_a_forged_one(tmp_path: Path) -> None:
    """trust_snapshot=False replays the whole log and refuses the forged snapshot."""
    path = tmp_path / "v.db"
    _scored(path).ledger.close()
    with Ledger.open(path, trust_snapshot=False) as clean:  # an honest file opens
        assert clean.balance("H001").posted == 2
    _forge_snapshot(path)
    with pytest.raises(IntegrityError, match="stored snapshot"):
        Ledger.open(path, trust_snapshot=False)


def test_a_forged_report_index_is_named_by_verify(tmp_path: Path) -> None:
    """A report index edited (points changed, digest recomputed) is named by verify()."""
    path = tmp_path / "v.db"
    _scored(path).ledger.close()
    store = SQLiteStore(path)
    found = store.load_derived(movements.NAME)
    assert found is not None
    index = movements.Movements.load(found[2])
    index.points[0] += 1000
    store.save_derived(movements.NAME, *seal_blob(found[0], found[1], index.dump()))
    store.close()
    ledger = Ledger.open(path)
    with pytest.raises(IntegrityError) as info:
        ledger.verify()
    assert info.value.fields["derived"] == "report index"
    ledger.close()


def test_verify_names_a_live_state_that_drifted_from_the_log(tmp_path: Path) -> None:
    """A live state changed behind apply's back (a bug, or memory corruption) is named."""
    village = make_village("memory")
    village.ledger.award("H001", "VOL-02", by=GRID, key="a", occurred_at=village.clock())
    village.ledger._state.posted["H001"] += 7  # white-box: nothing public can do this
    with pytest.raises(IntegrityError) as info:
        village.ledger.verify()
    assert info.value.fields["derived"] == "the live state"


def test_an_anchor_refuses_a_log_cut_by_one_event(tmp_path: Path) -> None:
    """Deleting the last event is invisible to a plain open; an open with the last published
    anchor refuses it, and so does verify(anchors=...)."""
    path = tmp_path / "v.db"
    village = _scored(path)
    anchor = village.ledger.anchor()
    printed = str(anchor)
    village.ledger.close()
    assert Anchor.parse(printed).seq == anchor.seq
    with Ledger.open(path, anchors=[printed]) as honest:
        assert honest.verify(anchors=[anchor]).events == anchor.seq
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)")
        db.execute("DELETE FROM snapshots")
        db.execute("DELETE FROM derived")
    with Ledger.open(path) as cut:  # the chain of what is left is sound
        assert cut.head == anchor.seq - 1
        with pytest.raises(IntegrityError, match="cut from the end"):
            cut.verify(anchors=[printed])
    with pytest.raises(IntegrityError, match="cut from the end") as info:
        Ledger.open(path, anchors=[printed])
    assert info.value.fields["seq"] == anchor.seq


def test_an_anchor_refuses_a_rewritten_history(tmp_path: Path) -> None:
    """A log rebuilt with other events (a whole new, self-consistent chain) contradicts an
    anchor published from the original; an anchor of another ledger is refused too."""
    original = make_village(str(tmp_path / "a.db"))
    original.ledger.award("H001", "VOL-02", by=GRID, key="a", occurred_at=original.clock())
    anchor = original.ledger.anchor()
    # the same ledger id, rebuilt from scratch with a different award at the same seq
    rebuilt = make_village(str(tmp_path / "b.db"))
    with sqlite3.connect(tmp_path / "b.db") as db:
        db.execute("DELETE FROM events")
    rebuilt.ledger.close()
    original.clock.advance(seconds=1)  # the forger's genesis event is recorded later
    forged = Ledger.open(tmp_path / "b.db", ledger_id=original.ledger.ledger_id,
                         clock=original.clock, tz=original.ledger.tz)
    assert forged.ledger_id == original.ledger.ledger_id
    genesis = Anchor(anchor.ledger_id, 1, original.ledger.event(1).hash.hex())
    original.clock.advance(seconds=1)
    assert forged.head == 1  # a new genesis event under the same ledger id
    with pytest.raises(IntegrityError, match="rewritten") as info:
        forged.verify(anchors=[genesis])
    assert info.value.fields["seq"] == 1
    with pytest.raises(IntegrityError, match="cut from the end"):
        forged.verify(anchors=[anchor])
    other = Anchor("another-ledger", 1, anchor.hash)
    with pytest.raises(IntegrityError, match="belongs to ledger"):
        original.ledger.verify(anchors=[other])
    forged.close()
    original.ledger.close()


@pytest.mark.parametrize("text", ["", "x", "id:1", "id:one:" + "a" * 16, "id:1:xyz",
                                  "id:1:" + "a" * 15, "id:1:" + "g" * 16])
def test_anchor_text_that_does_not_parse(text: str) -> None:
    """A printed anchor is '<ledger id>:<seq>:<16 to 64 hex digits>'; anything else is a
    ValidationError."""
    with pytest.raises(ValidationError):
        Anchor.parse(text)


def test_notices_and_statements_print_the_anchor(tmp_path: Path) -> None:
    """The public notice and a statement carry the ledger's anchor at their foot."""
    village = _scored(tmp_path / "v.db")
    ledger = village.ledger
    printed = str(ledger.anchor())
    notice = reports.public_notice(ledger, "2026-03")
    statement = reports.statement(ledger, "H001")
    for table in (notice, statement):
        assert any(printed in note for note in table.notes)
        assert table.to_dict()["summary"]["anchor"] == printed
    ledger.close()
