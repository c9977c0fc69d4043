"""Logs for operators (pointsledger.ledger.logs): what the ledger logs under the
``pointsledger`` logger, that it never logs names, phone numbers or free text, and that it is
silent by default."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import CapExceeded, IntegrityError, ValidationError
from pointsledger.errors import PointsLedgerError
from pointsledger.ledger import logs
from tests.helpers import (
    COMMITTEE,
    GRID,
    GRID2,
    Village,
    budget,
    make_village,
    make_workflow_village,
)

NAME, HEAD, PHONE = "李秀英", "王建国", "13812345678"
PRIVATE = (NAME, HEAD, PHONE, "秀英", "建国", "院子很干净")
"""What a village registers or types about people: none of it may reach a log record."""

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _capture(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture the ``pointsledger`` logger's records at every level (``caplog.records``)."""
    caplog.set_level(logging.DEBUG, logger="pointsledger")
    yield


def _messages(records: list[logging.LogRecord], start: str) -> list[str]:
    return [r.getMessage() for r in records
            if r.name.startswith("pointsledger") and r.getMessage().startswith(start)]


def _with_people(village: Village) -> Village:
    """Register a household and a member with names and a phone number typed into memos."""
    ledger = village.ledger
    ledger.register_household("H009", grid="G01", head=HEAD, by=COMMITTEE,
                              memo=f"户主电话 {PHONE}")
    ledger.register_member("M009", household="H009", name=NAME, roles={"resident"},
                           by=COMMITTEE, memo=f"手机 {PHONE}")
    return village


def _assert_private(records: list[logging.LogRecord]) -> None:
    found = [r.getMessage() for r in records if r.name.startswith("pointsledger")]
    assert found
    leaked = [(p, m) for m in found for p in PRIVATE if p in m]
    assert not leaked, leaked


def test_an_award_a_refusal_and_a_verify_each_leave_one_record_without_personal_data(
        mem_village: Village, caplog: pytest.LogCaptureFixture) -> None:
    """Award, refusal and verify are each logged once, with ids only: the registered names and
    the phone number typed into memos and rejected values appear in no record."""
    village = _with_people(mem_village)
    ledger = village.ledger
    caplog.clear()
    award = ledger.award("H009", "ENV-01", by=GRID, key="score/2026-03/H009",
                         memo=f"院子很干净，{NAME}，电话{PHONE}")
    appended = _messages(caplog.records, "appended")
    assert appended == [f"appended awarded seq={award.seq} id={award.id} "
                        f"key=score/2026-03/H009 actor=g-07"]
    with pytest.raises(ValidationError):
        ledger.register_member("M010", household="H009", name=f"{NAME}\x01{PHONE}",
                               by=COMMITTEE)
    refused = _messages(caplog.records, "refused")
    assert len(refused) == 1
    assert refused[0].startswith("refused register_member code=invalid actor=c-01 key= ")
    assert "field='name'" in refused[0] and "omitted=character,value" in refused[0]
    ledger.verify()
    verified = _messages(caplog.records, "verified")
    assert verified == [f"verified events={ledger.head} head={ledger.anchor().hash}"]
    assert all(r.levelno == logging.INFO for r in caplog.records)
    _assert_private(caplog.records)


def test_a_rules_refusal_names_its_code_and_ids(mem_village: Village,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """A cap refusal shows the code, the actor, the key and the cap's figures."""
    ledger = mem_village.ledger
    ledger.award("H001", "ENV-01", by=GRID, key="a1")
    ledger.award("H001", "ENV-01", by=GRID, key="a2")
    with pytest.raises(CapExceeded):
        ledger.award("H001", "ENV-01", by=GRID, key="a3")
    (refused,) = _messages(caplog.records, "refused")
    assert refused.startswith("refused award code=cap_exceeded actor=g-07 key=a3 ")
    assert "scope='item' cap=10 per='month' period='2026-03' used=10" in refused
    assert "requested=5" in refused
    assert [r.levelno for r in caplog.records
            if r.getMessage().startswith("refused")] == [logging.INFO]


def test_batches_log_their_events_when_they_commit_and_their_refusals(
        mem_village: Village, caplog: pytest.LogCaptureFixture) -> None:
    """A batch's events are logged once it has appended them, not before; a refusal inside the
    batch is logged; an abandoned batch logs no appended events."""
    village = _with_people(mem_village)
    ledger = village.ledger
    caplog.clear()
    with ledger.batch() as batch:
        batch.award("H001", "ENV-01", by=GRID, key="b1")
        batch.award("H009", "VOL-01", by=GRID, key="b2", memo=NAME)
        with pytest.raises(PointsLedgerError):
            batch.award("H404", "VOL-01", by=GRID, key="b3")
        assert _messages(caplog.records, "appended") == []
    assert len(_messages(caplog.records, "appended")) == 2
    assert _messages(caplog.records, "refused") == [
        "refused award code=unknown_account actor=g-07 key=b3 account='H404'"]
    _assert_private(caplog.records)
    caplog.clear()
    with pytest.raises(RuntimeError), ledger.batch() as batch:
        batch.award("H002", "ENV-01", by=GRID, key="b4")
        raise RuntimeError("abandon")
    assert _messages(caplog.records, "appended") == []


def test_due_jobs_snapshots_and_the_report_index_are_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Each due job's run says how many cases were due; a snapshot and the report index write
    say the seq they were taken at (SQLite keeps both)."""
    village = _with_people(make_village(str(tmp_path / "v.db")))
    ledger = village.ledger
    ledger.award("H009", "ENV-01", by=GRID, key="a", memo=f"电话{PHONE}")
    caplog.clear()
    ledger.run_due()
    assert _messages(caplog.records, "due post_claim") == ["due post_claim cases=0 events=0"]
    assert len(_messages(caplog.records, "due ")) == 6  # five jobs; time_out_due runs two
    seq = ledger.snapshot()
    assert _messages(caplog.records, "snapshot written") == [f"snapshot written seq={seq}"]
    assert _messages(caplog.records, "report index written") == [
        f"report index written seq={seq}"]
    _assert_private(caplog.records)
    ledger.close()


def test_a_due_job_counts_its_cases(caplog: pytest.LogCaptureFixture) -> None:
    """A claim past its public notice is one case of post_claim, written as two events (the
    post step and the award)."""
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    claim = ledger.submit_claim("H002", "HON-01", by=GRID, key="c/submit",
                                occurred_at=clock(), evidence=["photo-1"])
    ledger.step(claim, "check", by=GRID2, key="c/check")
    ledger.step(claim, "approve", by=COMMITTEE, key="c/approve")
    clock.advance(days=30)
    ledger.post_due()
    assert _messages(caplog.records, "due post_claim") == ["due post_claim cases=1 events=2"]


def test_a_failed_verify_is_an_error_record(mem_village: Village,
                                            caplog: pytest.LogCaptureFixture) -> None:
    """A verify refused by an anchor the log lacks logs ERROR with the code and seq."""
    ledger = mem_village.ledger
    anchor = f"{ledger.ledger_id}:{ledger.head + 5}:{'0' * 16}"
    with pytest.raises(IntegrityError):
        ledger.verify([anchor])
    (failed,) = _messages(caplog.records, "verify failed")
    assert failed.startswith("verify failed code=integrity ")
    assert [r.levelno for r in caplog.records if r.getMessage() == failed] == [logging.ERROR]
    assert _messages(caplog.records, "verified") == []


def test_slow_operations_are_warnings_above_the_threshold(
        tmp_path: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Above SLOW_SECONDS a command on SQLite, a batch, a due job, a verify and a snapshot are
    logged as slow (WARNING); under the default threshold these quick ones are not."""
    ledger = make_village(str(tmp_path / "slow.db")).ledger
    ledger.award("H001", "ENV-01", by=GRID, key="fast")
    ledger.verify()
    assert _messages(caplog.records, "slow") == []
    monkeypatch.setattr(logs, "SLOW_SECONDS", -1.0)
    ledger.award("H002", "ENV-01", by=GRID, key="slow")
    with ledger.batch() as batch:
        batch.award("H003", "ENV-01", by=GRID, key="slow-batch")
    ledger.expire_due()
    ledger.verify()
    ledger.snapshot()
    slow = _messages(caplog.records, "slow")
    assert [m.split(" seconds=")[0] for m in slow] == [
        "slow award", "slow batch of 1 events", "slow expire_lots", "slow due expire_lots",
        "slow verify", "slow snapshot"]  # the due job's command, then the job
    assert all(r.levelno == logging.WARNING for r in caplog.records
               if r.getMessage().startswith("slow"))
    ledger.close()
    caplog.clear()
    memory = make_village("memory").ledger
    memory.award("H001", "ENV-01", by=GRID, key="untimed")
    assert _messages(caplog.records, "slow") == []  # the memory store's commands: not timed


SAFE_NAMES = st.sampled_from(sorted(logs.SAFE_FIELDS))
OTHER_NAMES = st.sampled_from(["value", "reason", "name", "problems", "character", "memo",
                               "head", "title"])


@settings(max_examples=budget(60), deadline=None)
@given(st.dictionaries(SAFE_NAMES, st.integers() | st.from_regex(r"[A-Z]{1,3}-?[0-9]{1,4}",
                                                                  fullmatch=True)),
       st.dictionaries(OTHER_NAMES, st.sampled_from(PRIVATE), min_size=1))
def test_a_refusal_record_shows_safe_fields_and_only_names_the_others(
        safe: dict[str, object], other: dict[str, str]) -> None:
    """Whatever fields an error carries, the record shows the safe ones and only the names of
    the others, never their values."""
    error = ValidationError("refused: " + " ".join(other.values()), **safe, **other)
    shown = logs._fields(error)
    assert all(f"{name}=" in shown for name in safe)
    assert f"omitted={','.join(sorted(other))}" in shown
    assert not any(p in shown for p in other.values())


def test_the_package_logger_is_silent_by_default() -> None:
    """An app that configures no logging sees nothing, not even a slow-operation warning: the
    package logger has a NullHandler (checked in a fresh interpreter, on stderr)."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import logging
        from pointsledger.ledger import logs
        from tests.helpers import GRID, make_village
        logs.SLOW_SECONDS = -1.0
        ledger = make_village("memory").ledger
        ledger.award("H001", "ENV-01", by=GRID, key="k")
        try:
            ledger.award("H404", "ENV-01", by=GRID, key="k2")
        except Exception:
            pass
        ledger.verify()
        handlers = logging.getLogger("pointsledger").handlers
        print(type(handlers[0]).__name__, len(handlers))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "NullHandler 1"
    assert done.stderr == ""


def test_a_handler_sees_the_records_with_the_module_logger_names(
        caplog: pytest.LogCaptureFixture) -> None:
    """The records come from ``pointsledger.ledger``, a child of ``pointsledger``: an app
    attaching one handler to ``pointsledger`` sees them all."""
    ledger = make_village("memory", clock=None).ledger
    ledger.award("H001", "ENV-01", by=GRID, key="k",
                 occurred_at=pendulum.datetime(2026, 3, 1, 9, tz="Asia/Shanghai"))
    names = {r.name for r in caplog.records}
    assert names == {"pointsledger.ledger"}
    assert logging.getLogger("pointsledger.ledger").parent is logging.getLogger("pointsledger")
