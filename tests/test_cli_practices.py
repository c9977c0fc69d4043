"""Every practice's subcommands, in-process on a real SQLite file: the good path changes what
it says, a refusal exits 1 with one line naming the error's class and code (no traceback,
nothing written), a usage error exits 2, ``--json`` prints one object that parses; and a few
runs of ``python -m pointsledger`` as a real subprocess."""

from __future__ import annotations

import argparse
import datetime as _dt
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import pointsledger
from pointsledger import Ledger
from pointsledger.cli import _common, files
from pointsledger.cli._common import Result, parse_actor
from pointsledger.cli.main import build_parser, main

RULES = """
version = "2026"

[[items]]
code = "ENV-01"
title = "庭院环境整洁"
category = "环境卫生"
points = 5

[[items]]
code = "VOL-01"
title = "参加志愿服务"
category = "志愿服务"
points = 5

[[items]]
code = "DON-01"
title = "爱心捐赠"
category = "爱心公益"
points = 2

[[items]]
code = "COV-03"
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

[[benefits]]
code = "LOAN"
title = "积分贷优先"
min_points = 5

[[services]]
code = "REPAIR"
title = "家电维修"
category = "便民服务"
item = "VOL-01"

[[matters]]
code = "BM-01"
title = "低保申请协办"
kind = "public_service"
role = "committee"

[[matters.steps]]
code = "accept"
title = "受理申请"
role = "grid_worker"
evidence_required = false
days = 1
"""

REGISTRY = [
    ["add-region", "{f}", "V01", "东沙沟村", "village"],
    ["add-region", "{f}", "G01", "第一网格", "grid", "--parent", "V01"],
    ["add-region", "{f}", "G02", "第二网格", "grid", "--parent", "V01"],
    ["register-household", "{f}", "H001", "G01", "张三明"],
    ["register-household", "{f}", "H002", "G01", "李四华"],
    ["register-member", "{f}", "M001", "H001", "张三明", "--roles", "resident,volunteer"],
    ["register-member", "{f}", "M002", "H002", "李四华", "--roles", "resident",
     "--birth-date", "1950-02-03"],
    ["register-member", "{f}", "M003", "H001", "张小明", "--roles", "resident"],
]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    out = io.StringIO()
    try:
        code = main(list(args), out=out)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    printed = capsys.readouterr()
    assert "Traceback" not in printed.err
    return code, out.getvalue() + printed.out, printed.err


def ok(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = cli(capsys, *args)
    assert code == 0, (args, err)
    return out


def refused(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> str:
    """A refusal: exit 1, one line on stderr, nothing written."""
    before = head(path)
    code, _out, err = cli(capsys, *args)
    assert code == 1, (args, err)
    assert len(err.strip().splitlines()) == 1, err
    assert head(path) == before, args
    return err


def head(path: Path) -> int:
    with Ledger.open(path) as ledger:
        return ledger.head


@pytest.fixture
def village(tmp_path: Path, capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ledger file made with the CLI: the rulebook above, two grids, two households."""
    monkeypatch.delenv("POINTSLEDGER_ACTOR", raising=False)
    monkeypatch.delenv("POINTSLEDGER_ROLES", raising=False)
    db = tmp_path / "v.db"
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    ok(capsys, "init", str(db))
    ok(capsys, "adopt", str(db), str(tmp_path / "rules.toml"), "--effective-from",
       "2020-01-01", "--resolution", "决议")
    for command in REGISTRY:
        ok(capsys, *[a.format(f=db) for a in command])
    return db


# -- who acts ----------------------------------------------------------------------------------


def test_the_acting_person(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POINTSLEDGER_ACTOR", raising=False)
    monkeypatch.delenv("POINTSLEDGER_ROLES", raising=False)
    assert parse_actor("committee:c-01", None) == pointsledger.Actor("c-01", {"committee"})
    assert parse_actor("resident,volunteer:M001", None).roles == {"resident", "volunteer"}
    assert parse_actor("x:1", None).id == "x:1"  # not a role: the whole text is the id
    assert parse_actor("committee:c-01", "auditor").roles == {"auditor"}
    assert parse_actor(None, None) == pointsledger.Actor(
        "operator", {"committee", "grid_worker", "store_keeper"})
    monkeypatch.setenv("POINTSLEDGER_ACTOR", "g-09")
    monkeypatch.setenv("POINTSLEDGER_ROLES", "grid_worker")
    assert parse_actor(None, None) == pointsledger.Actor("g-09", {"grid_worker"})


def test_every_subcommand_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    names = list(commands.choices)
    assert len(names) >= 44
    for name in names:
        code, out, _err = cli(capsys, name, "--help")
        assert code == 0 and "example:" in out and f"pointsledger {name}" in out, name
    code, out, _err = cli(capsys, "step", "--help")
    assert "matter: record --code --evidence? --note?" in out


# -- points, periods, distributions -------------------------------------------------------------


def test_points_transfer_close_and_distribute(village: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    f = str(village)
    out = ok(capsys, "award", f, "M001", "ENV-01", "--key", "a1", "--by", "grid_worker:g-07")
    assert "M001: posted 5" in out
    assert ok(capsys, "award", f, "M001", "ENV-01", "--key", "a1", "--by",
              "grid_worker:g-07") == out
    err = refused(capsys, village, "award", f, "H001", "ENV-01", "--key", "a2", "--by",
                  "resident:M001")
    assert "PermissionDenied [permission_denied]" in err
    moved = json.loads(ok(capsys, "transfer", f, "M001", "H001", "3", "--key", "t1", "--by",
                          "resident:M001", "--json"))
    assert moved["ok"] and moved["balances"]["H001"]["posted"] == 3
    assert moved["event"]["kind"] == "transferred"
    err = refused(capsys, village, "transfer", f, "M001", "H001", "50", "--key", "t2",
                  "--by", "resident:M001")
    assert "[insufficient_points]" in err
    last_year = f"{_dt.date.today().year - 1}-12-31"
    closed = ok(capsys, "close-period", f, last_year, "--by", "committee:c-01")
    assert "period_closed" in closed and f"closed through {last_year}" in closed
    err = refused(capsys, village, "award", f, "H001", "ENV-01", "--key", "a3",
                  "--occurred-at", f"{last_year}T10:00:00")
    assert "[period_closed]" in err
    period = f"{_dt.date.today().year - 1}"
    code, out, err = cli(capsys, "distribute", f, "2099", "--amount-fen", "100", "--minutes",
                         "决议", "--key", "d0", "--by", "committee:c-01", "--json")
    assert code == 1 and json.loads(out)["ok"] is False and "2099" in err
    assert cli(capsys, "distribute", f, period, "--amount-fen", "100", "--minutes", "m",
               "--key", "d1", "--tier-weight", "five")[0] == 2
    assert cli(capsys, "distribute", f, period, "--amount-fen", "ten", "--minutes", "m",
               "--key", "d1")[0] == 2


def test_a_distribution_and_its_report(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """积分分红 for the demo village's year, divided to the fen by star tier, and its report."""
    from pointsledger.demo.village import YEAR, build_demo

    path = tmp_path / "demo.db"
    build_demo(path, households=40)
    f = str(path)
    done = json.loads(ok(capsys, "distribute", f, str(YEAR), "--amount-fen", "100000",
                         "--basis", "stars", "--tier-weight", "5=10", "--minutes",
                         "村民代表会议决议", "--key", "d1", "--by", "committee:c-01", "--json"))
    assert done["event"]["kind"] == "distributed"
    table = json.loads(ok(capsys, "report", f, "distribution", "--entry", "d1", "--format",
                          "json", "--locale", "en"))
    assert 0 < len(table["rows"]) <= 40
    assert "distributed" in ok(capsys, "distribute", f, str(YEAR), "--amount-fen", "100000",
                               "--basis", "stars", "--tier-weight", "5=10", "--minutes",
                               "村民代表会议决议", "--key", "d1", "--by", "committee:c-01")
    err = refused(capsys, path, "distribute", f, str(YEAR), "--amount-fen", "5", "--minutes",
                  "m", "--key", "d1", "--by", "committee:c-01")
    assert "IdempotencyConflict" in err
    assert cli(capsys, "report", f, "distribution")[0] == 2  # needs --entry


def test_reverse_names_an_entry_by_key_number_or_id(village: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    f = str(village)
    first = ok(capsys, "award", f, "H001", "ENV-01", "--key", "a1", "--by", "g-07", "--role",
               "grid_worker").split()[0]
    second = ok(capsys, "award", f, "H002", "ENV-01", "--key", "a2").split()[0]
    ok(capsys, "award", f, "H002", "VOL-01", "--key", "a3")
    assert "reversed" in ok(capsys, "reverse", f, "a1", "--reason", "误录", "--key", "r1",
                            "--by", "committee:c-01")
    assert "AlreadyReversed" in refused(capsys, village, "reverse", f, first, "--reason", "x",
                                        "--key", "r2", "--by", "committee:c-01")
    number = second.split("-")[0][1:]
    assert "reversed" in ok(capsys, "reverse", f, number, "--reason", "误录", "--key", "r3",
                            "--by", "committee:c-01")
    err = refused(capsys, village, "reverse", f, "no-such-key", "--reason", "x", "--key", "r4")
    assert "UnknownEntry [unknown_entry]" in err and "no-such-key" in err
    balance = json.loads(ok(capsys, "report", f, "balances", "--json"))
    assert balance["ok"] and balance["table"]["rows"]


# -- the points store and donations ------------------------------------------------------------


def test_store_reservations_and_donations(village: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    f = str(village)
    ok(capsys, "award", f, "H001", "ENV-01", "--key", "a1", "--quantity", "2")
    donated = ok(capsys, "receive-stock", f, "SOAP", "10", "--key", "s1", "--donor", "H002",
                 "--donation-item", "DON-01", "--by", "store_keeper:s-01")
    assert "donation_received" in donated and "SOAP: 10 on hand, 10 free" in donated
    receipt = ok(capsys, "report", f, "donation-receipt", "--entry", "s1")
    assert "肥皂" in receipt
    reserved = json.loads(ok(capsys, "reserve", f, "H001", "SOAP", "--key", "r1", "--json"))
    code = reserved["pickup_code"]
    assert reserved["balance"]["held"] == 5 and reserved["event"]["kind"] == "reserved"
    wrong = "0" if code != "0" else "1"
    err = refused(capsys, village, "hand-over", f, "r1", "--pickup-code", wrong, "--key", "h1")
    assert "pickup" in err.lower()
    assert "handed_over" in ok(capsys, "hand-over", f, "r1", "--pickup-code", str(code),
                               "--key", "h1")
    ok(capsys, "reserve", f, "H001", "SOAP", "--key", "r2")
    assert "reservation_cancelled" in ok(capsys, "cancel-reservation", f, "r2", "--reason",
                                         "不要了", "--key", "c1")
    assert "SOAP: 8 on hand" in ok(capsys, "adjust-stock", f, "SOAP", "8", "--reason", "盘点",
                                   "--key", "count/1")
    priced = ok(capsys, "price-donation", f, "RICE", "大米5斤", "30", "--resolution", "议定",
                "--by", "committee:c-01")
    assert "RICE 大米5斤: 30 points" in priced
    assert "RICE: 4 on hand" in ok(capsys, "receive-stock", f, "RICE", "4", "--key", "s2",
                                   "--donor-name", "县供销社")
    assert "redeemed" in ok(capsys, "redeem", f, "H001", "SOAP", "--key", "x1")
    assert "InsufficientPoints" in refused(capsys, village, "redeem", f, "H001", "RICE",
                                           "--key", "x2")


# -- workflows ---------------------------------------------------------------------------------


def test_claims_wishes_orders_and_the_time_bank(village: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    f = str(village)
    opened = json.loads(ok(capsys, "submit-claim", f, "H001", "VOL-01", "--key", "c1",
                           "--by", "resident:M001", "--json"))
    assert opened["case"]["flow"] == "claim" and opened["case"]["state"] == "submitted"
    assert "check" in refused(capsys, village, "step", f, "c1", "approve", "--key", "c1/a",
                              "--by", "committee:c-01")  # a resident's claim is checked first
    assert "checked" in ok(capsys, "step", f, "c1", "check", "--key", "c1/k", "--by",
                           "grid_worker:g-07")
    assert "in_notice" in ok(capsys, "step", f, "c1", "approve", "--key", "c1/a", "--by",
                             "committee:c-01")
    err = refused(capsys, village, "step", f, "c1", "approve", "--key", "c1/a2", "--by",
                  "committee:c-02")
    assert "StateError [illegal_step]" in err and "in_notice" in err
    assert "needs reason" in refused(capsys, village, "step", f, "c1", "object", "--key",
                                     "c1/o", "--by", "resident:M002")
    assert "objected" in ok(capsys, "step", f, "c1", "object", "--reason", "不实", "--key",
                            "c1/o", "--by", "resident:M002")
    assert "takes" in refused(capsys, village, "step", f, "c1", "dismiss", "--objection",
                              "c1/o", "--reason", "x", "--rating", "5", "--key", "c1/d",
                              "--by", "committee:c-02")
    assert "in_notice" in ok(capsys, "step", f, "c1", "dismiss",
                             "--objection", "c1/o", "--reason", "有照片", "--key", "c1/d",
                             "--by", "committee:c-02")
    assert cli(capsys, "step", f, "c1", "approve", "--rating", "many", "--key", "k")[0] == 2

    ok(capsys, "submit-wish", f, "M002", "轮椅", "--value", "200", "--key", "w1", "--by",
       "grid_worker:g-07")
    assert "wish" in ok(capsys, "submit-wish", f, "M002", "理发", "--key", "w2")
    assert "listed" in ok(capsys, "step", f, "w1", "list", "--category", "物品", "--key",
                          "w1/l", "--by", "grid_worker:g-08")
    assert "claimed" in ok(capsys, "step", f, "w1", "claim", "--key", "w1/c", "--by",
                           "volunteer:M001")
    assert "fulfilled" in ok(capsys, "step", f, "w1", "fulfil", "--evidence", "p1.jpg",
                             "--key", "w1/f", "--by", "volunteer:M001")
    assert "rating" in refused(capsys, village, "step", f, "w1", "confirm", "--rating", "9",
                               "--key", "w1/x", "--by", "resident:M002")
    assert "confirmed" in ok(capsys, "step", f, "w1", "confirm", "--rating", "5", "--key",
                             "w1/x", "--by", "resident:M002")

    assert "placed" in ok(capsys, "place-order", f, "M002", "REPAIR", "--key", "o1", "--by",
                          "resident:M002")
    assert "dispatched" in ok(capsys, "step", f, "o1", "dispatch", "--volunteer", "M001",
                              "--key", "o1/d", "--by", "grid_worker:g-07")
    assert "placed" in ok(capsys, "step", f, "o1", "decline", "--key", "o1/x", "--by",
                          "volunteer:M001")
    assert "cancelled" in ok(capsys, "step", f, "o1", "cancel", "--key", "o1/c", "--by",
                             "resident:M002")
    assert "'NOPE'" in refused(capsys, village, "place-order", f, "M002", "NOPE", "--key",
                               "o2", "--by", "resident:M002")

    ok(capsys, "submit-time", f, "M001", "90", "陪护老人", "--key", "t1")
    ok(capsys, "step", f, "t1", "approve", "--key", "t1/a", "--by", "grid_worker:g-08")
    assert "deposited" in ok(capsys, "step", f, "t1", "approve", "--key", "t1/b", "--by",
                             "committee:c-01")
    assert "M001: 60 minutes" in ok(capsys, "spend-time", f, "M001", "30", "理发", "--key",
                                    "sp1")
    assert "M001: 30 minutes" in ok(capsys, "donate-time", f, "M001", "M003", "30", "--key",
                                    "g1")
    assert "[insufficient_minutes]" in refused(capsys, village, "spend-time", f, "M001", "31",
                                               "理发", "--key", "sp2")
    assert "NotEligible" in refused(capsys, village, "convert-time", f, "M003", "30", "--key",
                                    "cv1")
    listed = json.loads(ok(capsys, "cases", f, "--flow", "wish", "--json"))
    assert [c["state"] for c in listed["cases"]] == ["confirmed", "submitted"]
    shown = ok(capsys, "case", f, "w1")
    assert "confirm by M002" in shown and "rating: 5" in shown
    assert cli(capsys, "cases", f, "--flow", "nonsense")[0] == 2


def test_matters_and_their_reports(village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = str(village)
    assert "open" in ok(capsys, "open-matter", f, "BM-01", "申请低保", "--account", "H002",
                        "--key", "m1", "--by", "resident:M002")
    asked = ok(capsys, "step", f, "m1", "query", "--code", "accept", "--text", "材料?",
               "--key", "m1/q", "--by", "supervision_committee:s-01")
    assert "stepped" in asked
    assert "ready" in ok(capsys, "step", f, "m1", "record", "--code", "accept", "--key",
                         "m1/a", "--by", "grid_worker:g-07")
    err = refused(capsys, village, "step", f, "m1", "close", "--key", "m1/c", "--by",
                  "committee:c-01")
    assert "open supervision queries" in err
    ok(capsys, "step", f, "m1", "answer", "--query", "m1/q", "--text", "齐全", "--key", "m1/r",
       "--by", "committee:c-01")
    assert "closed" in ok(capsys, "step", f, "m1", "close", "--key", "m1/c", "--by",
                          "committee:c-01")
    assert "'XX-99'" in refused(capsys, village, "open-matter", f, "XX-99", "x", "--key",
                                "m2")
    assert "低保申请协办" in ok(capsys, "report", f, "matter-list")
    assert "事项办理看板" in ok(capsys, "report", f, "matter-board")
    period = _dt.date.today().strftime("%Y-%m")
    disclosure = json.loads(ok(capsys, "report", f, "matter-disclosure", "--period", period,
                               "--json"))
    assert disclosure["table"]["rows"]
    assert cli(capsys, "report", f, "matter-disclosure")[0] == 2  # needs --period


def test_registry_changes(village: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = str(village)
    ok(capsys, "award", f, "H001", "ENV-01", "--key", "a1", "--quantity", "2")
    assert "household_moved" in ok(capsys, "move-household", f, "H002", "G02", "--key", "mh")
    assert "UnknownRegion" in refused(capsys, village, "move-household", f, "H002", "G09",
                                      "--key", "mh2")
    split = ok(capsys, "split-household", f, "H001", "H003", "张小明", "--members", "M003",
               "--share", "1/2", "--reason", "分户")
    assert "H001: posted 5" in split and "H003: posted 5" in split
    assert cli(capsys, "split-household", f, "H001", "H004", "x", "--members", "M001",
               "--share", "1/2", "--points", "3", "--reason", "r")[0] == 2
    assert "member_moved" in ok(capsys, "move-member", f, "M003", "H001", "--reason", "回户",
                                "--key", "mm")
    merged = ok(capsys, "merge-households", f, "H003", "H001", "--reason", "合户")
    assert "H001: posted 10" in merged
    assert "member_left" in ok(capsys, "member-leaves", f, "M003", "--reason", "迁出", "--key",
                               "ml")
    assert "member_returned" in ok(capsys, "member-returns", f, "M003", "H002", "--reason",
                                   "回村", "--key", "mr")
    assert "UnknownAccount" in refused(capsys, village, "member-leaves", f, "M404", "--reason",
                                       "迁出", "--key", "ml2")
    assert "account_closed" in ok(capsys, "close-account", f, "M003")


# -- output, errors and logging -----------------------------------------------------------------


def test_json_errors_and_usage(village: Path, capsys: pytest.CaptureFixture[str],
                               tmp_path: Path) -> None:
    f = str(village)
    code, out, err = cli(capsys, "award", f, "H009", "ENV-01", "--key", "a", "--json")
    found = json.loads(out)
    assert code == 1 and found["ok"] is False and found["command"] == "award"
    assert found["error"]["code"] == "unknown_account" and "H009" in found["error"]["message"]
    assert "UnknownAccount [unknown_account]" in err
    code, out, _err = cli(capsys, "verify", str(tmp_path / "none.db"), "--json")
    assert code == 2 and json.loads(out)["error"]["code"] == "usage"
    assert cli(capsys, "step", f, "c1")[0] == 2  # no step
    assert cli(capsys, "submit-claim", f, "H001")[0] == 2
    assert cli(capsys, "nonsense")[0] == 2
    assert json.loads(ok(capsys, "due", f, "--json"))["counts"]["post_due"] == 0
    verified = json.loads(ok(capsys, "verify", f, "--json"))
    assert verified["verified"]["events"] == head(village)


def test_verbose_sends_the_library_log_to_stderr(
        village: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """-v shows the ``pointsledger`` logger's INFO records, -vv its DEBUG records too, none
    without; the handler is gone afterwards."""

    def logging_verify(args: Any) -> Result:
        log = logging.getLogger("pointsledger.ledger")
        log.info("replayed %d events", 12)
        log.debug("snapshot at %d", 10)
        return Result(("ok",))

    monkeypatch.setattr(files, "_verify", logging_verify)
    handlers = list(logging.getLogger("pointsledger").handlers)
    _code, _out, quiet = cli(capsys, "verify", str(village))
    assert "replayed" not in quiet
    _code, _out, info = cli(capsys, "-v", "verify", str(village))
    assert "INFO pointsledger.ledger: replayed 12 events" in info and "snapshot" not in info
    _code, _out, debug = cli(capsys, "verify", str(village), "-vv")
    assert "replayed 12" in debug and "DEBUG pointsledger.ledger: snapshot at 10" in debug
    assert logging.getLogger("pointsledger").handlers == handlers


def test_entry_names(village: Path) -> None:
    with Ledger.open(village) as ledger:
        event = ledger.event(3)
        assert _common.entry(ledger, "3") == event.id
        assert _common.entry(ledger, event.id) == event.id
        assert _common.entry(ledger, "region/V01") == event.id
        with pytest.raises(pointsledger.UnknownEntry):
            _common.entry(ledger, "999")


# -- a real subprocess ---------------------------------------------------------------------------


def python_m(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m pointsledger`` from this source, as a separate process."""
    source = str(Path(pointsledger.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": source}
    env.pop("POINTSLEDGER_ACTOR", None)
    env.pop("POINTSLEDGER_ROLES", None)
    done = subprocess.run([sys.executable, "-m", "pointsledger", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_python_dash_m_pointsledger(village: Path) -> None:
    folder = village.parent
    opened = python_m("submit-wish", "v.db", "M002", "一袋大米", "--key", "w1", "--by",
                      "grid_worker:g-07", "--json", cwd=folder)
    assert opened.returncode == 0, opened.stderr
    assert json.loads(opened.stdout)["case"]["subject"] == "一袋大米"
    stepped = python_m("step", "v.db", "w1", "claim", "--key", "w1/c", "--by",
                       "volunteer:M001", cwd=folder)
    assert stepped.returncode == 1
    assert stepped.stderr.startswith("pointsledger step: StateError [illegal_step]")
    assert len(stepped.stderr.strip().splitlines()) == 1
    usage = python_m("step", "v.db", cwd=folder)
    assert usage.returncode == 2 and "required" in usage.stderr
    board = python_m("report", "v.db", "matter-list", "--locale", "en", cwd=folder)
    assert board.returncode == 0 and "BM-01" in board.stdout


def test_a_file_format_is_one_entry(village: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A format in ``FILE_WRITERS`` is offered by ``report --format``, needs ``--output``
    (``--out``), and gets the table, the path and the ledger's zone."""
    from pointsledger.cli import report

    def tsv(table: Any, path: str, tz: str) -> None:
        rows = ["\t".join(map(str, row)) for row in table.rows]
        Path(path).write_text(f"# {tz}\n" + "\n".join(rows), encoding="utf-8")

    monkeypatch.setitem(report.FILE_WRITERS, "tsv", tsv)
    f = str(village)
    assert cli(capsys, "report", f, "matter-list", "--format", "tsv")[0] == 2
    target = tmp_path / "lists.tsv"
    out = ok(capsys, "report", f, "matter-list", "--format", "tsv", "--out", str(target))
    assert out.startswith(f"wrote {target} (1 rows)")
    assert target.read_text(encoding="utf-8").startswith("# Asia/Shanghai\nBM-01\t")
    monkeypatch.delitem(report.FILE_WRITERS, "tsv")
    assert cli(capsys, "report", f, "matter-list", "--format", "tsv", "--out",
               str(target))[0] == 2
