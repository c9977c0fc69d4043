"""The pointsledger console script, run as a real subprocess: every subcommand, its good path and
its bad-input paths (exit 1 for refusals and bad files, 2 for usage errors, never a
traceback)."""

from __future__ import annotations

import datetime as _dt
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import pointsledger
from pointsledger.cli.main import main

SCRIPT = Path(sys.executable).with_name("pointsledger")
SOURCE = str(Path(pointsledger.__file__).parents[1])

TOML = """
version = "2026"

[[items]]
code = "ENV-01"
title = "庭院环境整洁"
category = "环境卫生"
points = 5
cap_month = 20

[[items]]
code = "COV-01"
title = "焚烧秸秆"
category = "村规民约"
points = -5

[[rewards]]
code = "SOAP"
title = "肥皂"
cost = 5
category = "日用品"

[store]
base_points = 0
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a separate process: ``python -m pointsledger`` from this source (the
    console script runs the installed copy, which may be another checkout)."""
    found = subprocess.run([sys.executable, "-m", "pointsledger", *args], capture_output=True,
                           text=True, cwd=cwd, timeout=120,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(cwd or "/"),
                                "PYTHONPATH": SOURCE})
    assert "Traceback" not in found.stderr, found.stderr
    return found


def test_the_console_script_runs() -> None:
    """The installed ``pointsledger`` script starts the same command line."""
    if not SCRIPT.exists():  # pragma: no cover - the package is installed with its script
        pytest.skip(f"no console script at {SCRIPT}")
    found = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True,
                           timeout=120)
    assert found.returncode == 0 and found.stdout.startswith("pointsledger ")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    done = run("demo", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert "Wrote the demo village" in done.stdout and "红榜" in done.stdout
    return folder / "pointsledger-demo.db"


@pytest.fixture
def village(tmp_path: Path) -> Path:
    """A fresh file with the TOML rulebook adopted and a registry imported from CSV."""
    db = tmp_path / "v.db"
    (tmp_path / "rules.toml").write_text(TOML, encoding="utf-8")
    (tmp_path / "regions.csv").write_text("code,name,kind,parent\nV01,东沙沟村,village,\n"
                                          "G01,第一网格,grid,V01\n", encoding="utf-8")
    (tmp_path / "households.csv").write_text("household,grid,head\nH001,G01,张三\n"
                                             "H002,G01,李四\n", encoding="utf-8-sig")
    (tmp_path / "members.csv").write_text("member,household,name,roles,birth_date\n"
                                          "M001,H001,张三,resident;volunteer,1950-05-01\n",
                                          encoding="utf-8")
    assert run("init", str(db)).returncode == 0
    adopted = run("adopt", str(db), str(tmp_path / "rules.toml"), "--effective-from",
                  "2020-01-01", "--resolution", "村民代表会议表决通过")
    assert adopted.returncode == 0, adopted.stderr
    registered = run("register", str(db), "--regions", str(tmp_path / "regions.csv"),
                     "--households", str(tmp_path / "households.csv"), "--members",
                     str(tmp_path / "members.csv"))
    assert registered.returncode == 0, registered.stderr
    assert "5 events written" in registered.stdout
    return db


def _events(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        count: int = connection.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    return count


def test_the_demo_is_deterministic_and_refuses_to_overwrite(demo: Path, tmp_path: Path) -> None:
    again = run("demo", str(tmp_path / "again.db"))
    assert again.returncode == 0
    heads = [run("verify", str(path)).stdout for path in (demo, tmp_path / "again.db")]
    assert heads[0] == heads[1] and heads[0].startswith("ok: ")
    refused = run("demo", str(demo))
    assert refused.returncode == 1 and "already exists" in refused.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run().returncode == 2
    assert run("bogus").returncode == 2
    assert run("award", str(tmp_path / "x.db"), "H001", "ENV-01").returncode == 2  # no --key
    missing = run("award", str(tmp_path / "x.db"), "H001", "ENV-01", "--key", "k")
    assert missing.returncode == 2 and "no ledger file" in missing.stderr
    assert run("--version").stdout.startswith("pointsledger ")


def test_init_refuses_an_existing_file(village: Path) -> None:
    assert run("init", str(village)).returncode == 2


def test_a_file_that_is_not_a_ledger(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database", encoding="utf-8")
    found = run("verify", str(junk))
    assert found.returncode == 1 and "is not a ledger file" in found.stderr


def test_award_deduct_reverse_and_refusals(village: Path) -> None:
    awarded = run("award", str(village), "H001", "ENV-01", "--key", "a1", "--evidence", "p.jpg",
                  "--by", "g-07", "--role", "grid_worker")
    assert awarded.returncode == 0 and "posted 5" in awarded.stdout
    entry = awarded.stdout.split()[0]
    retried = run("award", str(village), "H001", "ENV-01", "--key", "a1", "--evidence", "p.jpg",
                  "--by", "g-07", "--role", "grid_worker")  # later, without --occurred-at
    assert retried.returncode == 0 and retried.stdout == awarded.stdout
    yesterday = (_dt.datetime.now() - _dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
    deducted = run("deduct", str(village), "H002", "COV-01", "--key", "d1",
                   "--occurred-at", yesterday)
    assert deducted.returncode == 0, deducted.stderr
    head = _events(village)
    for bad, code in ((["award", "H009", "ENV-01", "--key", "a2"], 1),
                      (["award", "H001", "COV-01", "--key", "a3"], 1),
                      (["award", "H001", "ENV-01", "--key", "a4", "--occurred-at", "soon"], 2),
                      (["award", "M001", "ENV-01", "--key", "a5", "--by", "M001", "--role",
                        "grid_worker"], 1),
                      (["award", "H001", "ENV-01", "--key", "a1", "--quantity", "2"], 1)):
        found = run(bad[0], str(village), *bad[1:])
        assert found.returncode == code, (bad, found.stderr)
        assert found.stderr.strip(), bad
    assert _events(village) == head
    assert run("reverse", str(village), entry, "--reason", "误录", "--key", "r1").returncode == 0
    again = run("reverse", str(village), entry, "--reason", "误录", "--key", "r2")
    assert again.returncode == 1 and "AlreadyReversed" in again.stderr


def test_stock_and_redeem(village: Path) -> None:
    assert run("award", str(village), "H001", "ENV-01", "--key", "a1").returncode == 0
    stocked = run("receive-stock", str(village), "SOAP", "10", "--key", "s1")
    assert stocked.returncode == 0 and "10 on hand" in stocked.stdout
    redeemed = run("redeem", str(village), "H001", "SOAP", "--key", "x1")
    assert redeemed.returncode == 0 and "posted 0" in redeemed.stdout
    poor = run("redeem", str(village), "H001", "SOAP", "--key", "x2")
    assert poor.returncode == 1 and "InsufficientPoints" in poor.stderr


def test_the_due_jobs(village: Path) -> None:
    found = run("due", str(village))
    assert found.returncode == 0
    assert [line.split(":")[0] for line in found.stdout.splitlines()] == [
        "post_due", "lapse_due", "time_out_due", "overdue_due", "expire_due"]


def test_the_due_jobs_json_lists_the_events_written(demo: Path, tmp_path: Path) -> None:
    """``due --json`` gives each event its jobs wrote in its JSON form, in order, and the
    counts per job (a year-old demo has claims to post and points to expire)."""
    copy = tmp_path / "demo.db"
    shutil.copy(demo, copy)
    before = _events(copy)
    found = json.loads(run("due", str(copy), "--json").stdout)
    events, counts = found["events"], found["counts"]
    assert found["ok"] is True and list(counts) == [
        "post_due", "lapse_due", "time_out_due", "overdue_due", "expire_due"]
    assert len(events) == sum(counts.values()) == _events(copy) - before > 0
    assert [e["seq"] for e in events] == list(range(before + 1, before + len(events) + 1))
    assert {e["kind"] for e in events} >= {"expired"}


def test_every_report_in_formats(demo: Path, tmp_path: Path) -> None:
    options = {"statement": ["--account", "H0001", "--period", "2025-12"],
               "honour-board": ["--period", "2025-12"],
               "public-notice": ["--period", "2025-12-15"],
               "case-board": ["--flow", "wish"], "claimer-ranking": ["--flow", "order"],
               "passbook": ["--account", "H0001-1"]}
    names = ["audit-trail", "balances", "case-board", "category-summary", "claimer-ranking",
             "claims-notice", "honour-board", "passbook", "period-summary", "public-notice",
             "rollup", "statement", "store-summary", "wish-wall"]
    for name in names:
        found = run("report", str(demo), name, *options.get(name, []), "--format", "plain")
        assert found.returncode == 0, (name, found.stderr)
        assert found.stdout.strip(), name
    as_json = run("report", str(demo), "rollup", "--period", "2025", "--format", "json",
                  "--locale", "en")
    assert json.loads(as_json.stdout)["title"].startswith("Roll-up")
    target = tmp_path / "board.csv"
    written = run("report", str(demo), "honour-board", "--period", "2025-Q4", "--format",
                  "csv-bom", "--output", str(target))
    assert written.returncode == 0 and target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert run("report", str(demo), "statement").returncode == 2  # needs --account
    assert run("report", str(demo), "nonsense").returncode == 2
    bad_period = run("report", str(demo), "honour-board", "--period", "2025-13")
    assert bad_period.returncode == 1


def test_export_import_and_tampering(village: Path, tmp_path: Path) -> None:
    out = tmp_path / "v.jsonl"
    assert run("export", str(village), str(out)).returncode == 0
    copy = tmp_path / "copy.db"
    imported = run("import", str(out), str(copy))
    assert imported.returncode == 0 and "verified" in imported.stdout
    assert run("import", str(out), str(copy)).returncode == 2  # the target exists
    lines = out.read_text(encoding="utf-8").splitlines()
    edited = next(n for n, line in enumerate(lines) if "东沙沟村" in line)
    lines[edited] = lines[edited].replace("东沙沟村", "西沙沟村")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tampered = run("import", str(out), str(tmp_path / "t.db"))
    assert tampered.returncode == 1 and "IntegrityError" in tampered.stderr
    shutil.copy(village, tmp_path / "edited.db")
    with sqlite3.connect(tmp_path / "edited.db") as db:
        db.execute("UPDATE events SET data = replace(data, '张三', '王五')")
    verified = run("verify", str(tmp_path / "edited.db"))
    assert verified.returncode == 1 and "IntegrityError" in verified.stderr


def test_bad_rulebooks_and_registries_name_every_bad_cell(village: Path, tmp_path: Path) -> None:
    items = tmp_path / "items.csv"
    items.write_text("code,title,category,points,cap_month\nENV-01,整洁,环境卫生,five,\n"
                     "ENV-02,,环境卫生,3,\nENV-01,重复,环境卫生,2,x\n", encoding="utf-8")
    found = run("adopt", str(village), str(items), "--version", "v2", "--effective-from",
                "2027-01-01", "--resolution", "m")
    assert found.returncode == 1
    for expected in ("row 2, column 'points', value 'five'", "row 3, column 'title'",
                     "row 4, column 'code', value 'ENV-01': repeats the code of row 2",
                     "row 4, column 'cap_month', value 'x'"):
        assert expected in found.stderr, found.stderr
    no_version = run("adopt", str(village), str(items), "--effective-from", "2027-01-01",
                     "--resolution", "m")
    assert no_version.returncode == 1 and "version" in no_version.stderr
    head = _events(village)
    members = tmp_path / "more.csv"
    members.write_text("member,household,name,roles,birth_date\nM002,H001,王五,resident,\n"
                       "M003,H404,赵六,,\nM004,H002,,resident,1990-02-30\n", encoding="utf-8")
    refused = run("register", str(village), "--members", str(members))
    assert refused.returncode == 1
    assert "members row 3, column 'household', value 'H404'" in refused.stderr
    assert "members row 4, column 'name'" in refused.stderr
    assert "members row 4, column 'birth_date', value '1990-02-30'" in refused.stderr
    assert _events(village) == head, "a failed import wrote something"
    assert run("register", str(village)).returncode == 2


def test_the_session_in_docs_cli_runs(tmp_path: Path) -> None:
    """Every line of docs/cli.md's sh block runs and succeeds, in order."""
    page = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    block = page.split("```sh\n", 1)[1].split("```", 1)[0]
    outputs: dict[str, list[str]] = {}
    for line in block.strip().splitlines():
        program, *args = line.split()
        assert program == "pointsledger"
        found = run(*args, cwd=tmp_path)
        assert found.returncode == 0, (line, found.stderr)
        outputs.setdefault(line, []).append(found.stdout)
    repeated = [out for out in outputs.values() if len(out) > 1]
    assert repeated, "the session repeats a command"
    assert all(out[0] == out[1] for out in repeated), "a repeated command returns its first result"
    assert (tmp_path / "board.html").read_text(encoding="utf-8").startswith("<h3>")
    assert (tmp_path / "copy.db").exists()


def test_rewards_from_their_own_table_and_more_bad_input(village: Path, tmp_path: Path) -> None:
    items = tmp_path / "items.csv"
    items.write_text("code,title,category,points\nENV-01,庭院环境整洁,环境卫生,5\n",
                     encoding="utf-8")
    rewards = tmp_path / "rewards.csv"
    rewards.write_text("code,title,cost,category\nTISSUE,抽纸,50,日用品\n", encoding="utf-8")
    adopted = run("adopt", str(village), str(items), "--version", "2030", "--rewards",
                  str(rewards), "--effective-from", "2030-01-01", "--resolution", "m")
    assert adopted.returncode == 0 and "1 rewards" in adopted.stdout, adopted.stderr
    rewards.write_text("code,title,cost\nTISSUE,抽纸,free\n", encoding="utf-8")
    bad = run("adopt", str(village), str(items), "--version", "2031", "--rewards", str(rewards),
              "--effective-from", "2031-01-01", "--resolution", "m")
    assert bad.returncode == 1 and "row 2, column 'cost', value 'free'" in bad.stderr
    unknown = run("receive-stock", str(village), "GOLD", "1", "--key", "g")
    assert unknown.returncode == 1 and "UnknownReward" in unknown.stderr
    assert run("receive-stock", str(village), "SOAP", "many", "--key", "g").returncode == 2
    for command in (["due"], ["export", "out.jsonl"], ["verify"]):
        found = run(command[0], str(tmp_path / "none.db"), *command[1:], cwd=tmp_path)
        assert found.returncode == 2 and "no ledger file" in found.stderr, command
    assert run("import", str(tmp_path / "none.jsonl"), str(tmp_path / "n.db")).returncode == 2
    assert run("adopt", str(village), str(items), "--effective-from", "someday", "--version",
               "2032", "--resolution", "m").returncode == 2


def test_progress_lines_are_drawn_on_a_terminal() -> None:
    import io

    from pointsledger.cli.main import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = Progress("replay", screen)
    for done in range(0, 101, 10):
        progress(done, 100)
    assert "replay [#########################] 100% (100/100)\n" in screen.getvalue()
    quiet = io.StringIO()
    Progress("replay", quiet)(5, 10)
    assert quiet.getvalue() == ""


def test_output_cut_short_by_the_reader_is_quiet(demo: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """When the reader goes away (``pointsledger report ... | head``), writing fails with a
    broken pipe: the command stops quietly, with exit code 1 and nothing on stderr."""

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    assert main(["report", str(demo), "balances", "--format", "plain"], out=ClosedPipe()) == 1
    assert capsys.readouterr().err == ""


def test_anchor_is_printed_and_checked(village: Path, tmp_path: Path) -> None:
    """`anchor` prints the head to publish; `verify --anchor` holds it, and refuses it once
    the log was cut short behind the library's back (one line, exit 1)."""
    printed = run("anchor", str(village))
    assert printed.returncode == 0, printed.stderr
    anchor = printed.stdout.splitlines()[0]
    assert anchor.count(":") == 2 and "recorded" in printed.stdout
    held = run("verify", str(village), "--anchor", anchor)
    assert held.returncode == 0 and "1 anchor(s) held" in held.stdout
    with sqlite3.connect(village) as db:
        db.execute("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)")
    cut = run("verify", str(village), "--anchor", anchor)
    assert cut.returncode == 1 and "cut from the end" in cut.stderr
    assert len(cut.stderr.strip().splitlines()) == 1
    bad = run("verify", str(village), "--anchor", "not-an-anchor")
    assert bad.returncode == 1 and "ValidationError" in bad.stderr


def test_an_absurd_time_is_a_one_line_refusal(village: Path) -> None:
    """An award dated in the year 9999 is refused in one line (no traceback) and writes
    nothing."""
    before = run("verify", str(village)).stdout
    far = run("award", str(village), "H001", "ENV-01", "--key", "far", "--occurred-at",
              "9999-12-31T00:00:00", "--by", "g-07", "--role", "grid_worker")
    assert far.returncode == 1 and "OccurredInFuture" in far.stderr
    assert len(far.stderr.strip().splitlines()) == 1
    assert run("verify", str(village)).stdout == before
