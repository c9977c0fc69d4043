"""The command line under attack: what a hostile or careless user types must end in a clear
message and the documented exit code, never a traceback, and never harm the ledger file.

Each test here failed before its fix (see the commit that added it)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pointsledger import Ledger
from pointsledger.cli.main import main

TOML = """
version = "2026"

[[items]]
code = "ENV-01"
title = "庭院环境整洁"
category = "环境卫生"
points = 5
"""


def cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the command in-process: (exit code, stdout, stderr); an exception escaping
    ``main`` (a traceback for the user) fails the test."""
    capsys.readouterr()
    out = io.StringIO()
    try:
        code = main(list(args), out=out)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, out.getvalue() + captured.out, captured.err


def head_of(path: Path) -> tuple[int, str]:
    """The ledger's verified head: its number of events and last hash."""
    with Ledger.open(path) as ledger:
        verified = ledger.verify()
        return verified.events, verified.head_hash


@pytest.fixture
def village(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A ledger file with a rulebook, a grid, household H001 and one award to it."""
    db = tmp_path / "v.db"
    (tmp_path / "rules.toml").write_text(TOML, encoding="utf-8")
    for command in (
        ["init", str(db)],
        ["adopt", str(db), str(tmp_path / "rules.toml"), "--effective-from", "2026-01-01",
         "--resolution", "决议"],
        ["add-region", str(db), "V01", "东沙沟村", "village"],
        ["add-region", str(db), "G01", "第一网格", "grid", "--parent", "V01"],
        ["register-household", str(db), "H001", "G01", "张三"],
        ["award", str(db), "H001", "ENV-01", "--key", "award/1"],
    ):
        code, _, err = cli(*command, capsys=capsys)
        assert code == 0, err
    return db


# -- an output file that is the ledger itself ----------------------------------------------


def _aliases(db: Path, how: str) -> Path:
    """Another name for the ledger ``db`` (or its WAL side file)."""
    if how == "same":
        return db
    if how == "relative":
        return Path(os.path.relpath(db))
    if how == "symlink":
        link = db.parent / "link.db"
        link.symlink_to(db)
        return link
    if how == "hardlink":
        link = db.parent / "hard.db"
        os.link(db, link)
        return link
    assert how == "wal"
    return Path(str(db) + "-wal")


@pytest.mark.parametrize("how", ["same", "relative", "symlink", "hardlink", "wal"])
@pytest.mark.parametrize("command", [
    ["export", "{db}", "{out}"],
    ["report", "{db}", "balances", "--output", "{out}"],
    ["report", "{db}", "balances", "--format", "csv", "--out", "{out}"],
])
def test_writing_an_output_over_the_ledger_is_refused(
        village: Path, how: str, command: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``export v.db v.db`` used to truncate the ledger to 0 bytes (and print a traceback);
    ``report v.db balances --output v.db`` replaced it with a table. Now: a usage error naming
    the file, and the ledger as it was."""
    monkeypatch.chdir(village.parent)
    before = head_of(village)
    out = _aliases(village, how)
    code, _, err = cli(*[a.format(db=village, out=out) for a in command], capsys=capsys)
    assert code == 2, err
    assert "would destroy the ledger" in err and repr(str(out)) in err
    assert head_of(village) == before


def test_an_output_beside_the_ledger_is_still_written(
        village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The guard refuses only the ledger and its side files: a neighbour is fine."""
    out = village.parent / "v.db.jsonl"
    code, _, err = cli("export", str(village), str(out), capsys=capsys)
    assert code == 0, err
    assert out.read_text(encoding="utf-8").count("\n") == head_of(village)[0] + 1


# -- naming an entry with digits int() refuses ---------------------------------------------


@pytest.mark.parametrize("name", ["²", "①", "٣²", "₇"])
def test_an_entry_named_by_a_digit_int_refuses_is_an_unknown_entry(
        village: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``str.isdigit`` is true for superscripts and circled digits, which ``int`` refuses:
    ``reverse v.db ²`` ended in a ValueError traceback. Now it is looked up as a key."""
    before = head_of(village)
    code, _, err = cli("reverse", str(village), name, "--reason", "x", "--key", "r/1",
                       capsys=capsys)
    assert code == 1
    assert "UnknownEntry" in err and repr(name) in err
    assert head_of(village) == before


def test_fullwidth_digits_still_name_an_entry(
        village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A sequence number typed with an IME's fullwidth digits still names the event."""
    events, _ = head_of(village)  # the last event is the award
    fullwidth = "".join(chr(ord("０") + int(d)) for d in str(events))
    code, out, err = cli("reverse", str(village), fullwidth, "--reason", "记错了", "--key",
                         "r/1", "--json", capsys=capsys)
    assert code == 0, err
    assert json.loads(out)["event"]["original"] == events


# -- several processes at once -------------------------------------------------------------

_RACER = """
import sys, time
from pointsledger.cli.main import main
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))  # every racer imported, all start together
codes = [main(command.split("\\x1f")) for command in sys.argv[2:]]
sys.exit(max(codes))
"""


def _race(folder: Path, *commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run each list of commands in its own Python process, all starting at one instant."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    start = time.time() + 3.0
    processes = [subprocess.Popen(
        [sys.executable, "-c", _RACER, repr(start), *("\x1f".join(c) for c in each)],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for each in commands]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def test_an_init_that_loses_the_race_for_its_file_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process creating the same file between ``init``'s check and its write (here a
    real ``init`` run at exactly that moment) used to leave both printing "created": the
    later one opened the earlier one's ledger (or failed on its time zone). Now the later
    one gets the usage error and the file keeps the first ledger, untouched."""
    db = tmp_path / "x.db"
    in_memory = Ledger.in_memory
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}

    other: list[str] = []

    def other_process_first(*args: object, **kwargs: object) -> Ledger:
        other.append(subprocess.run(
            [sys.executable, "-m", "pointsledger", "init", str(db), "--json"], env=env,
            check=True, capture_output=True, text=True).stdout)
        return in_memory(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Ledger, "in_memory", other_process_first)
    code, out, err = cli("init", str(db), capsys=capsys)
    monkeypatch.undo()
    assert code == 2 and "already exists" in err and "created" not in out
    with Ledger.open(db) as ledger:
        assert ledger.ledger_id == json.loads(other[0])["ledger_id"]
        assert ledger.verify().events == 1


def test_of_inits_racing_for_one_file_at_most_one_creates_it(tmp_path: Path) -> None:
    """Real processes racing to create one file: one creates it, the others are told it
    exists, and the file holds the winner's ledger and zone."""
    zones = ["Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin"]
    results = _race(tmp_path, *[[["init", "x.db", "--tz", zone]] for zone in zones])
    for result in results:
        assert "Traceback" not in result.stderr, result.stderr
    winners = [(zone, r) for zone, r in zip(zones, results, strict=True) if r.returncode == 0]
    assert len(winners) == 1, [(r.returncode, r.stdout, r.stderr) for r in results]
    zone, winner = winners[0]
    for result in results:
        if result is not winner:
            assert result.returncode == 2 and "already exists" in result.stderr
    with Ledger.open(tmp_path / "x.db") as ledger:
        assert ledger.tz == zone and ledger.ledger_id in winner.stdout
        assert ledger.verify().events == 1


def test_concurrent_writers_lose_and_duplicate_nothing(
        village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Processes awarding at once, each with its own keys and all with one shared key: every
    own key is written once, the shared key once, and the chain verifies."""
    before, _ = head_of(village)
    racers, own = 3, 2
    results = _race(village.parent, *[
        [["award", village.name, "H001", "ENV-01", "--key", key]
         for key in (*(f"p{p}/{i}" for i in range(own)), "shared")]
        for p in range(racers)])
    for result in results:
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    with Ledger.open(village) as ledger:
        assert ledger.verify().events == before + racers * own + 1
        keys = [ledger.event(seq).key for seq in range(before + 1, ledger.head + 1)]
        assert sorted(keys) == sorted(
            [f"p{p}/{i}" for p in range(racers) for i in range(own)] + ["shared"])
        assert ledger.balance("H001").posted == 5 * (1 + racers * own + 1)
    code, out, _ = cli("verify", str(village), capsys=capsys)
    assert code == 0 and out.startswith("ok: ")


# -- exit codes and JSON as documented -----------------------------------------------------


@pytest.mark.parametrize(("command", "named"), [
    (["adopt", "{db}", "nope.toml", "--effective-from", "2026-02-01", "--resolution", "x"],
     "nope.toml"),
    (["adopt", "{db}", "{rules}", "--rewards", "nope.csv", "--effective-from", "2026-02-01",
      "--resolution", "x"], "nope.csv"),
    (["register", "{db}", "--households", "nope.csv"], "nope.csv"),
    (["register", "{db}", "--regions", "{rules}", "--members", "nope.csv"], "nope.csv"),
])
def test_an_input_file_that_does_not_exist_is_a_usage_error(
        village: Path, command: list[str], named: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/cli.md: "2: a usage error, such as ... a file that does not exist". A missing
    rulebook or registry table was exit 1 (ImportFailed, "column '', value 'nope.csv'")."""
    monkeypatch.chdir(village.parent)
    before = head_of(village)
    args = [a.format(db=village, rules=village.parent / "rules.toml") for a in command]
    code, out, err = cli(*args, "--json", capsys=capsys)
    assert code == 2, err
    assert f"no file {named!r}" in err
    assert json.loads(out)["error"]["code"] == "usage"
    assert head_of(village) == before


@pytest.mark.parametrize(("command", "message"), [
    (["award", "{db}", "H001", "ENV-01"], "--key"),
    (["award", "{db}", "H001", "ENV-01", "--key", "k", "--quantity", "1e999"], "1e999"),
    (["transfer", "{db}", "H001", "H002", "nan", "--key", "k"], "nan"),
    (["no-such-command", "{db}"], "no-such-command"),
])
def test_json_is_printed_for_a_usage_error_found_while_parsing(
        village: Path, command: list[str], message: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With ``--json`` a script gets one object on stdout for every failure; argparse's own
    errors (a missing option, a number that is not one) printed nothing on stdout."""
    code, out, err = cli(*[a.format(db=village) for a in command], "--json", capsys=capsys)
    assert code == 2 and "usage:" in err
    answer = json.loads(out)
    assert answer["ok"] is False and answer["error"]["code"] == "usage"
    assert message in answer["error"]["message"]
    assert answer["command"] == (None if command[0] == "no-such-command" else command[0])


def test_a_printable_page_with_json_is_an_object_holding_the_page(
        village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``report notice-page --json`` was refused as "an HTML page: --format html (or none)"
    although no --format was given; now it is ``{"ok": true, "html": ...}`` like any page."""
    code, out, err = cli("report", str(village), "card-page", "--account", "H001", "--json",
                         capsys=capsys)
    assert code == 0, err
    answer = json.loads(out)
    assert answer["ok"] is True and answer["html"].startswith("<!DOCTYPE html>")
    assert "H001" in answer["html"]
    code, _, err = cli("report", str(village), "card-page", "--account", "H001", "--format",
                       "csv", capsys=capsys)
    assert code == 2 and "HTML page" in err


# -- options that used to be ignored in silence --------------------------------------------


@pytest.mark.parametrize(("command", "named"), [
    (["report", "{db}", "balances", "--period", "2026-03"], "--period"),
    (["report", "{db}", "balances", "--period", "garbage"], "--period"),
    (["report", "{db}", "matter-board", "--top", "3"], "--top"),
    (["report", "{db}", "notice-page", "--period", "2026-11", "--account", "H001"],
     "--account"),
    (["report", "{db}", "matter-list", "--bottom"], "--bottom"),
])
def test_a_report_option_the_report_does_not_take_is_refused(
        village: Path, command: list[str], named: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``report balances --period 2026-03`` printed today's balances, exit 0, as if they were
    March's; a report now refuses an option it would ignore, naming the ones it takes."""
    code, out, err = cli(*[a.format(db=village) for a in command], capsys=capsys)
    assert code == 2 and out == ""
    assert f"takes no {named}" in err and "(it takes: " in err


def test_a_report_with_the_options_it_takes_still_runs(
        village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli("report", str(village), "balances", "--region", "G01", "--locale",
                         "en", "--format", "plain", capsys=capsys)
    assert code == 0, err
    assert "H001" in out and "available" in out


@pytest.mark.parametrize(("flow", "state"), [(None, "nope"), ("wish", "in_notice"),
                                             ("claim", "Submitted")])
def test_cases_with_a_state_no_flow_has_is_refused(
        village: Path, flow: str | None, state: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``cases --state nope`` said "no cases" (exit 0), as if none were in that state."""
    code, _, err = cli("cases", str(village), *(["--flow", flow] if flow else []), "--state",
                       state, capsys=capsys)
    assert code == 2 and f"no state {state!r}" in err and "the states: " in err


def test_cases_in_a_real_state_are_listed(
        village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli("cases", str(village), "--flow", "claim", "--state", "submitted",
                         capsys=capsys)
    assert (code, out) == (0, "no cases\n"), err


# -- the acting person ---------------------------------------------------------------------


@pytest.mark.parametrize(("by", "says"), [
    ("committee:", "give the person's id after the colon"),
    ("grid_worker: ", "give the person's id after the colon"),
    ("grid_worker,gird:g-07", "'gird' is not a role"),
    ("grid_worker,:g-07", "'' is not a role"),
])
def test_a_malformed_role_prefix_in_by_is_a_usage_error(
        village: Path, by: str, says: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--by grid_worker,gird:g-07`` (a misspelt role) was taken as the id
    'grid_worker,gird:g-07' acting with the default roles (committee among them), and
    ``--by committee:`` as the id 'committee:': both wrote an award. Now: exit 2, nothing
    written."""
    before = head_of(village)
    code, _, err = cli("award", str(village), "H001", "ENV-01", "--key", "by/1", "--by", by,
                       capsys=capsys)
    assert code == 2 and says in err
    assert head_of(village) == before


@pytest.mark.parametrize(("by", "actor"), [("x:1", "x:1"), ("grid_worker:g:7", "g:7"),
                                           ("grid_worker, committee:c-1", "c-1")])
def test_ids_with_colons_and_role_lists_still_work(
        village: Path, by: str, actor: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli("award", str(village), "H001", "ENV-01", "--key", "by/2", "--by", by,
                         "--json", capsys=capsys)
    assert code == 0, err
    assert json.loads(out)["event"]["actor"] == actor


# -- -v with the real library ----------------------------------------------------------------


def test_verbose_shows_what_a_real_command_did(
        village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The library logs nothing, so ``-v`` and ``-vv`` printed nothing at all (the existing
    test proves the plumbing with a stand-in that logs). Now the command line logs the
    outcome (INFO) and its arguments (DEBUG)."""
    _, _, quiet = cli("award", str(village), "H001", "ENV-01", "--key", "v/1", capsys=capsys)
    assert "pointsledger.cli" not in quiet
    code, out, info = cli("-v", "award", str(village), "H001", "ENV-01", "--key", "v/2",
                          "--json", capsys=capsys)
    event = json.loads(out)["event"]
    assert code == 0
    assert "INFO pointsledger.cli: award: done in " in info
    assert f"event {event['id']} (awarded)" in info and "DEBUG" not in info
    code, _, debug = cli("award", str(village), "H001", "NOPE", "--key", "v/3", "-vv",
                         capsys=capsys)
    assert code == 1
    assert "DEBUG pointsledger.cli: award " in debug and "'item': 'NOPE'" in debug
    assert "INFO pointsledger.cli: award: refused after " in debug and "UnknownItem" in debug


# -- absurd times --------------------------------------------------------------------------


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "1969-12-31T23:00", "1970-01-01T07:59+08:00"])
def test_a_time_before_1970_is_a_usage_error_not_a_closed_period(
        village: Path, at: str, capsys: pytest.CaptureFixture[str]) -> None:
    """``--occurred-at 0001-01-01T00:00`` was refused as "occurred_at -62,135,625,943,000,000
    microseconds after 1970-01-01T00:00:00+00:00 falls in a closed period; the books are closed
    before 1970", although no period was ever closed."""
    before = head_of(village)
    code, _, err = cli("award", str(village), "H001", "ENV-01", "--key", "t/1",
                       "--occurred-at", at, capsys=capsys)
    assert code == 2 and "is before 1970" in err and repr(at) in err
    assert "closed period" not in err and "microseconds" not in err
    assert head_of(village) == before


@pytest.mark.parametrize("command", [["init", "{new}"], ["import", "{jsonl}", "{new}"]])
def test_a_new_file_in_a_folder_that_does_not_exist_is_a_usage_error(
        village: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``import x.jsonl nodir/x.db`` said "StoreError: 'nodir/x.db' is not a usable
    pointsledger SQLite file: unable to open database file" (exit 1), blaming a file that
    was never there; now the missing folder is named, exit 2, and nothing is made."""
    jsonl = village.parent / "v.jsonl"
    assert cli("export", str(village), str(jsonl), capsys=capsys)[0] == 0
    new = village.parent / "nodir" / "x.db"
    code, _, err = cli(*[a.format(new=new, jsonl=jsonl) for a in command], capsys=capsys)
    assert code == 2 and f"no folder {str(new.parent)!r}" in err
    assert not new.parent.exists()


# -- idempotency keys that only look the same ----------------------------------------------


@pytest.mark.parametrize(("look_alike", "says"), [
    ("award/１", "type it as 'award/1'"),
    ("ａｗａｒｄ/1", "type it as 'award/1'"),
    ("award/1 ", "starts or ends with white space"),
    ("award/1\u00a0", "starts or ends with white space"),
    ("\u0430ward/1", "CYRILLIC SMALL LETTER A"),
    ("award\u200b/1", "ZERO WIDTH SPACE"),
])
def test_a_key_that_only_looks_like_an_earlier_one_is_refused(
        village: Path, look_alike: str, says: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The fixture awarded H001 with ``--key award/1``. Running the same command again with
    a key that looks the same (fullwidth digit, trailing space, Cyrillic а) posted the award
    a second time; now it is a usage error and nothing is written."""
    before = head_of(village)
    code, out, err = cli("award", str(village), "H001", "ENV-01", "--key", look_alike,
                         "--json", capsys=capsys)
    assert code == 2 and "argument --key" in err and says in err, err
    assert json.loads(out)["error"]["code"] == "usage"
    assert head_of(village) == before


@pytest.mark.parametrize("key", ["award/1", "申报/张三·1", "my award 1", "k" * 150])
def test_plain_keys_still_work_and_replay(
        village: Path, key: str, capsys: pytest.CaptureFixture[str]) -> None:
    first = cli("award", str(village), "H001", "ENV-01", "--key", key, capsys=capsys)
    again = cli("award", str(village), "H001", "ENV-01", "--key", key, capsys=capsys)
    assert first[0] == 0 and first == again


# -- file names that are not UTF-8 ---------------------------------------------------------


def _run_bytes(folder: Path, *args: bytes) -> subprocess.CompletedProcess[bytes]:
    """``python -m pointsledger`` with raw bytes for arguments and a strict UTF-8 stdout (as
    in a UTF-8 locale other than C)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
           "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable.encode(), b"-m", b"pointsledger", *args],
                          cwd=folder, env=env, capture_output=True, check=False)


def test_a_file_name_that_is_not_utf8_gives_json_that_parses(tmp_path: Path) -> None:
    """``verify $'no\\xff.db' --json`` ended in a UnicodeEncodeError traceback (a strict
    stdout cannot write the lone surrogate Python makes of the byte), and in the C locale
    wrote the raw byte: JSON that is not UTF-8. Now the JSON escapes it."""
    done = _run_bytes(tmp_path, b"verify", b"no\xff.db", b"--json")
    assert b"Traceback" not in done.stderr, done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2
    answer = json.loads(done.stdout.decode("utf-8"))
    assert answer["error"]["code"] == "usage" and "no\udcff.db" in answer["error"]["message"]


def test_init_of_a_file_name_that_is_not_utf8_reports_what_it_made(tmp_path: Path) -> None:
    """``init $'new\\xff.db'`` made the file, then failed to print "created" and said
    "not UTF-8 text" (exit 1) as if nothing had been done."""
    done = _run_bytes(tmp_path, b"init", b"new\xff.db")
    assert b"Traceback" not in done.stderr and done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8").startswith("created new\\udcff.db (ledger ")
    with Ledger.open(tmp_path / os.fsdecode(b"new\xff.db")) as ledger:
        assert ledger.verify().events == 1
