"""The ``pointsledger`` command: a thin shell over the public API for a ledger in a SQLite file.

Exit codes: 0 success, 1 a refusal or a bad file (with its message), 2 a usage error. Bad input
never ends in a traceback, and a command that fails leaves no file and no write behind: the
commands that use a ledger check first, read-only, that the file is one (a missing, empty or
foreign file is refused untouched), and ``init`` removes what it created when it fails.

The acting person is ``--by`` (default ``$POINTSLEDGER_ACTOR``, else ``operator``) with the
roles of ``--role`` (default ``$POINTSLEDGER_ROLES``, else ``committee,grid_worker,
store_keeper``): the ledger authorises them exactly as it does in an app.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import functools
import inspect
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

import pendulum

from pointsledger import __version__, reports
from pointsledger.base.actors import Actor
from pointsledger.core.events import Event
from pointsledger.errors import PointsLedgerError
from pointsledger.io.jsonl import export_jsonl, import_jsonl
from pointsledger.io.rulefiles import import_registry, load_rulebook
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports.table import Table

REPORTS: dict[str, Callable[..., Table]] = {
    "statement": reports.statement,
    "balances": reports.balances,
    "honour-board": reports.honour_board,
    "red-board": reports.honour_board,
    "black-board": functools.partial(reports.honour_board, bottom=True),
    "star-households": reports.star_households,
    "category-summary": reports.category_summary,
    "period-summary": reports.period_summary,
    "rollup": reports.rollup,
    "store-summary": reports.store_summary,
    "public-notice": reports.public_notice,
    "claims-notice": reports.claims_notice,
    "audit-trail": reports.audit_trail,
    "case-board": reports.case_board,
    "claimer-ranking": reports.claimer_ranking,
    "wish-wall": reports.wish_wall,
    "passbook": reports.passbook,
}
"""Report names on the command line and the functions behind them."""

PAGES: dict[str, Callable[..., str]] = {
    "notice-page": reports.monthly_notice_page,
    "card-page": reports.household_card_page,
    "wish-wall-page": reports.wish_wall_page,
}
"""Printable pages (standalone HTML for A4) on the command line, by ``report`` name."""

FORMATS = ("github", "plain", "simple", "grid", "pipe", "html", "csv", "csv-bom", "json")


class _Usage(Exception):
    """A usage error found after parsing (exit code 2)."""


class _BadFile(Exception):
    """A file that is not what the command needs (exit code 1)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


class Progress:
    """A progress line on stderr for long work, drawn only when stderr is a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.shown = -1
        self.active = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.active or total <= 0:
            return
        percent = done * 100 // total
        if percent != self.shown:
            self.shown = percent
            bar = "#" * (percent // 4)
            self.stream.write(f"\r{self.label} [{bar:<25}] {percent:3d}% ({done:,}/{total:,})")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()


def _actor(args: argparse.Namespace) -> Actor:
    roles = [r.strip() for r in args.role.split(",") if r.strip()]
    return Actor(args.by, roles=roles)


def _when(text: str | None, ledger: Ledger) -> _dt.datetime:
    if text is None:
        return ledger.now()
    try:
        parsed = pendulum.parse(text, tz=ledger.tz)
    except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
        raise _Usage(f"not a date or time: {text!r} ({exc})") from None
    if not isinstance(parsed, pendulum.DateTime):
        raise _Usage(f"not a date and time: {text!r}")
    return parsed


def _occurred(args: argparse.Namespace, ledger: Ledger) -> _dt.datetime | None:
    """``--occurred-at``; without it None: the library then takes the time of the first
    recording, so that running the same command again is the same request."""
    return None if args.occurred_at is None else _when(args.occurred_at, ledger)


_SQLITE_MAGIC = b"SQLite format 3\x00"


def _open(path: str, **kwargs: Any) -> Ledger:
    """Open an existing ledger file, after checking read-only that it holds a ledger (so that
    a missing, empty or foreign file is refused, not turned into a new ledger)."""
    _check_ledger_file(path)
    return Ledger.open(path, **kwargs)


def _check_ledger_file(path: str) -> None:
    """Refuse, writing nothing, a path that does not hold a pointsledger ledger.

    Raises:
        _Usage: no such file.
        _BadFile: a directory, an empty file, not a SQLite file, another application's
            SQLite file, or a ledger file without events.
    """
    file = Path(path)
    if not file.exists():
        raise _Usage(f"no ledger file {path!r} (create one with: pointsledger init {path})")
    if not file.is_file():
        raise _BadFile(f"{path!r} is not a file")
    with file.open("rb") as stream:
        magic = stream.read(len(_SQLITE_MAGIC))
    if not magic:
        raise _BadFile(f"{path!r} is empty (0 bytes), not a ledger file; left as it is "
                       f"(a new ledger is made with: pointsledger init NEW_FILE)")
    if magic != _SQLITE_MAGIC:
        raise _BadFile(f"{path!r} is not a ledger file (not a SQLite database); left as it is")
    try:
        db = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            has_events = {"meta", "events"} <= tables and bool(
                db.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise _BadFile(f"{path!r} cannot be read as a ledger file: {exc}") from None
    if not {"meta", "events"} <= tables:
        raise _BadFile(f"{path!r} is a SQLite file of another application, not a ledger; "
                       "left as it is")
    if not has_events:
        raise _BadFile(f"{path!r} holds no ledger (no events); left as it is")


def _print_event(event: Event, out: TextIO) -> None:
    print(f"{event.id}  {event.kind}", file=out)


# -- subcommands ------------------------------------------------------------------------------


def _cmd_init(args: argparse.Namespace, out: TextIO) -> None:
    if Path(args.file).exists():
        raise _Usage(f"{args.file!r} already exists")
    Ledger.in_memory(tz=args.tz).close()  # an unknown time zone fails here, before any file
    with _new_file(args.file), Ledger.open(args.file, tz=args.tz) as ledger:
        print(f"created {args.file} (ledger {ledger.ledger_id}, time zone {ledger.tz})",
              file=out)


@contextlib.contextmanager
def _new_file(path: str) -> Iterator[None]:
    """Remove the ledger file (and its SQLite and lock side files) made inside the block if
    the block fails, so a failed ``init`` or ``import`` leaves no file behind."""
    made = [Path(path + suffix) for suffix in ("", "-wal", "-shm", ".lock", ".queue")]
    made = [file for file in made if not file.exists()]
    try:
        yield
    except BaseException:
        for file in made:
            file.unlink(missing_ok=True)
        raise


def _cmd_adopt(args: argparse.Namespace, out: TextIO) -> None:
    rulebook = load_rulebook(args.rules, version=args.version, rewards_table=args.rewards)
    with _open(args.file) as ledger:
        event = ledger.adopt(rulebook, effective_from=_date(args.effective_from),
                             by=_actor(args), resolution=args.resolution)
        _print_event(event, out)
        print(f"rulebook {rulebook.version!r}: {len(rulebook.items)} items, "
              f"{len(rulebook.rewards)} rewards", file=out)


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise _Usage(f"not a date (YYYY-MM-DD): {text!r}") from None


def _cmd_register(args: argparse.Namespace, out: TextIO) -> None:
    if not (args.regions or args.households or args.members):
        raise _Usage("give --regions, --households and/or --members")
    with _open(args.file) as ledger:
        written = import_registry(ledger, by=_actor(args), regions=args.regions,
                                  households=args.households, members=args.members,
                                  progress=Progress("register"))
        print(f"{written} events written", file=out)


def _cmd_post(args: argparse.Namespace, out: TextIO) -> None:
    with _open(args.file) as ledger:
        method = ledger.award if args.command == "award" else ledger.deduct
        event = method(args.account, args.item, by=_actor(args), key=args.key,
                       occurred_at=_occurred(args, ledger), quantity=args.quantity,
                       evidence=args.evidence, memo=args.memo)
        _print_event(event, out)
        print(ledger.balance(args.account), file=out)


def _cmd_redeem(args: argparse.Namespace, out: TextIO) -> None:
    with _open(args.file) as ledger:
        event = ledger.redeem(args.account, args.reward, quantity=args.quantity,
                              member=args.member, by=_actor(args), key=args.key)
        _print_event(event, out)
        print(ledger.balance(args.account), file=out)


def _cmd_stock(args: argparse.Namespace, out: TextIO) -> None:
    with _open(args.file) as ledger:
        event = ledger.receive_stock(args.reward, args.quantity, by=_actor(args), key=args.key,
                                     donor=args.donor)
        _print_event(event, out)
        level = ledger.stock(args.reward)
        print(f"{args.reward}: {level.on_hand} on hand, {level.free} free", file=out)


def _cmd_reverse(args: argparse.Namespace, out: TextIO) -> None:
    with _open(args.file) as ledger:
        event = ledger.reverse(args.entry, reason=args.reason, by=_actor(args), key=args.key)
        _print_event(event, out)


def _cmd_due(args: argparse.Namespace, out: TextIO) -> None:
    with _open(args.file) as ledger:
        jobs: list[tuple[str, Callable[[], Sequence[Event]]]] = [
            ("post_due", ledger.post_due), ("lapse_due", ledger.lapse_due),
            ("time_out_due", ledger.time_out_due), ("overdue_due", ledger.overdue_due),
            ("expire_due", ledger.expire_due)]
        for name, job in jobs:
            print(f"{name}: {len(job())} events", file=out)


def _cmd_report(args: argparse.Namespace, out: TextIO) -> None:
    if args.name in PAGES:
        if args.format not in ("github", "html"):
            raise _Usage(f"report {args.name} is an HTML page: --format html (or none)")
        page = PAGES[args.name]
        with _open(args.file) as ledger:
            positional, keywords = _report_args(page, args)
            text = page(ledger, *positional, **keywords)
        what = "an HTML page"
    else:
        function = REPORTS[args.name]
        with _open(args.file) as ledger:
            positional, keywords = _report_args(function, args)
            table = function(ledger, *positional, **keywords)
            text = _render(table, args.format)
        what = f"{len(table.rows)} rows"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({what})", file=out)
    else:
        out.write(text if text.endswith("\n") else text + "\n")


def _report_args(function: Callable[..., Any], args: argparse.Namespace
                 ) -> tuple[list[Any], dict[str, Any]]:
    """The arguments a report takes, from the options given (a missing required one is a
    usage error)."""
    options = {"period": args.period, "account": args.account, "region": args.region,
               "per": args.per, "top": args.top, "method": args.method, "flow": args.flow,
               "member": args.account, "locale": args.locale, "actor": args.actor,
               "kind": args.kind, "state": args.state, "household": args.account,
               "bottom": True if args.bottom else None}
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for name, parameter in list(inspect.signature(function).parameters.items())[1:]:
        if name == "viewer":
            positional.append(_actor(args))
            continue
        value = options.get(name)
        if parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and \
                parameter.default is inspect.Parameter.empty:
            if value is None:
                raise _Usage(f"report {args.name} needs --{name}")
            positional.append(value)
        elif value is not None:
            keywords[name] = value
    return positional, keywords


def _render(table: Table, fmt: str) -> str:
    if fmt == "csv":
        return table.to_csv()
    if fmt == "csv-bom":
        return table.to_csv(bom=True)
    if fmt == "json":
        return table.to_json()
    return table.render(fmt)


def _cmd_verify(args: argparse.Namespace, out: TextIO) -> None:
    with _open(args.file, progress=Progress("replay")) as ledger:
        verified = ledger.verify(anchors=args.anchor)
        print(f"ok: {verified.events} events, head {verified.head_hash[:16]}"
              + (f", {len(args.anchor)} anchor(s) held" if args.anchor else ""), file=out)


def _cmd_anchor(args: argparse.Namespace, out: TextIO) -> None:
    with _open(args.file) as ledger:
        anchor = ledger.anchor()
        print(anchor, file=out)
        print(f"recorded {anchor.recorded_at(ledger.tz).isoformat()}", file=out)


def _cmd_export(args: argparse.Namespace, out: TextIO) -> None:
    with _open(args.file) as ledger:
        count = export_jsonl(ledger, args.output)
        print(f"exported {count} events to {args.output}", file=out)


def _cmd_import(args: argparse.Namespace, out: TextIO) -> None:
    if Path(args.file).exists():
        raise _Usage(f"{args.file!r} already exists: import into a new file")
    if not Path(args.jsonl).exists():
        raise _Usage(f"no file {args.jsonl!r}")
    with _new_file(args.file):
        ledger = import_jsonl(args.jsonl, args.file)
    try:
        print(f"imported {ledger.head} events into {args.file} (hash chain verified)", file=out)
    finally:
        ledger.close()


def _cmd_demo(args: argparse.Namespace, out: TextIO) -> None:
    from pointsledger.demo.village import YEAR, build_demo, summary_lines

    summary = build_demo(args.path, seed=args.seed, households=args.households,
                         county=args.county, progress=Progress(f"simulating {YEAR}"))
    print("\n".join(summary_lines(summary)), file=out)
    print(file=out)
    print("Try next:\n"
          f"  pointsledger report {summary.path} statement --account H0001 --period {YEAR}-12\n"
          f"  pointsledger report {summary.path} honour-board --period {YEAR}-Q4 --format html"
          " --output board.html\n"
          f"  pointsledger report {summary.path} notice-page --period {YEAR}-12"
          " --output notice.html   (the printable 积分公示)\n"
          f"  pointsledger verify {summary.path}\n"
          f"  pointsledger award {summary.path} H0001 ENV-01 --key my-first-award\n"
          "See docs/tutorial.md for the whole walk-through.", file=out)


# -- the parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser (one subcommand per task)."""
    parser = _Parser(prog="pointsledger", description="积分制 + 清单制 points ledger (SQLite).")
    parser.add_argument("--version", action="version", version=f"pointsledger {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--by", default=os.environ.get("POINTSLEDGER_ACTOR", "operator"),
                        help="the acting person's id (default: $POINTSLEDGER_ACTOR or operator)")
    common.add_argument("--role", default=os.environ.get(
        "POINTSLEDGER_ROLES", "committee,grid_worker,store_keeper"),
        help="comma-separated roles of the acting person")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("init", help="create a ledger file", parents=[common])
    p.add_argument("file")
    p.add_argument("--tz", default="Asia/Shanghai")
    p.set_defaults(run=_cmd_init)

    p = sub.add_parser("adopt", help="adopt a rulebook from TOML, CSV or XLSX", parents=[common])
    p.add_argument("file")
    p.add_argument("rules")
    p.add_argument("--effective-from", required=True, help="YYYY-MM-DD")
    p.add_argument("--resolution", required=True, help="the resolution (决议) that approved it")
    p.add_argument("--version", dest="version", help="the version (CSV and XLSX checklists)")
    p.add_argument("--rewards", help="a CSV or XLSX table of the points store's rewards")
    p.set_defaults(run=_cmd_adopt)

    p = sub.add_parser("register", help="add regions, households and members from CSV or XLSX",
                       parents=[common])
    p.add_argument("file")
    p.add_argument("--regions")
    p.add_argument("--households")
    p.add_argument("--members")
    p.set_defaults(run=_cmd_register)

    for name in ("award", "deduct"):
        p = sub.add_parser(name, help=f"{name} a checklist item's points", parents=[common])
        p.add_argument("file")
        p.add_argument("account")
        p.add_argument("item")
        p.add_argument("--key", required=True, help="idempotency key")
        p.add_argument("--occurred-at", help="when it happened (default: now)")
        p.add_argument("--quantity", type=int, default=1)
        p.add_argument("--evidence", action="append", default=[])
        p.add_argument("--memo", default="")
        p.set_defaults(run=_cmd_post)

    p = sub.add_parser("redeem", help="redeem a reward in the points store", parents=[common])
    p.add_argument("file")
    p.add_argument("account")
    p.add_argument("reward")
    p.add_argument("--key", required=True)
    p.add_argument("--quantity", type=int, default=1)
    p.add_argument("--member")
    p.set_defaults(run=_cmd_redeem)

    p = sub.add_parser("receive-stock", help="put units of a reward into stock",
                       parents=[common])
    p.add_argument("file")
    p.add_argument("reward")
    p.add_argument("quantity", type=int)
    p.add_argument("--key", required=True)
    p.add_argument("--donor", help="the donating household, if donated")
    p.set_defaults(run=_cmd_stock)

    p = sub.add_parser("reverse", help="reverse an entry (冲正)", parents=[common])
    p.add_argument("file")
    p.add_argument("entry", help="the entry's id, e.g. e42-1a2b3c4d5e6f")
    p.add_argument("--reason", required=True)
    p.add_argument("--key", required=True)
    p.set_defaults(run=_cmd_reverse)

    p = sub.add_parser("due", help="run the due jobs (post_due, lapse_due, time_out_due, "
                       "overdue_due, expire_due)", parents=[common])
    p.add_argument("file")
    p.set_defaults(run=_cmd_due)

    p = sub.add_parser("report", help="print a report", parents=[common])
    p.add_argument("file")
    p.add_argument("name", choices=sorted([*REPORTS, *PAGES]),
                   help="a report, or a printable page (notice-page, card-page, "
                   "wish-wall-page: standalone HTML for A4)")
    p.add_argument("--period")
    p.add_argument("--account")
    p.add_argument("--region")
    p.add_argument("--per", choices=["month", "quarter", "year"])
    p.add_argument("--top", type=int)
    p.add_argument("--method", choices=list(reports.METHODS))
    p.add_argument("--flow", choices=["wish", "order"])
    p.add_argument("--actor")
    p.add_argument("--kind")
    p.add_argument("--state")
    p.add_argument("--bottom", action="store_true",
                   help="honour-board: the 黑榜 (households with deductions)")
    p.add_argument("--locale", choices=["zh", "en"])
    p.add_argument("--format", default="github", choices=FORMATS)
    p.add_argument("--output", help="write to this file instead of stdout")
    p.set_defaults(run=_cmd_report)

    p = sub.add_parser("verify", help="replay and verify the whole hash chain, the derived data "
                       "and published anchors", parents=[common])
    p.add_argument("file")
    p.add_argument("--anchor", action="append", default=[],
                   help="a published anchor the log must hold (repeatable)")
    p.set_defaults(run=_cmd_verify)

    p = sub.add_parser("anchor", help="print the head to publish (公示栏锚点)", parents=[common])
    p.add_argument("file")
    p.set_defaults(run=_cmd_anchor)

    p = sub.add_parser("export", help="export to JSON Lines", parents=[common])
    p.add_argument("file")
    p.add_argument("output")
    p.set_defaults(run=_cmd_export)

    p = sub.add_parser("import", help="import a JSON Lines export into a new file "
                       "(hash-checked)", parents=[common])
    p.add_argument("jsonl")
    p.add_argument("file")
    p.set_defaults(run=_cmd_import)

    p = sub.add_parser("demo", help="build the demo county's year and the village's postings",
                       parents=[common])
    p.add_argument("path", nargs="?", default="pointsledger-demo.db")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--households", type=int, default=None)
    p.add_argument("--county", action="store_true",
                   help="the full county: 38 villages, 6 communities, 446 micro-grids")
    p.set_defaults(run=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    stream = out or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args, stream)
    except _Usage as exc:
        print(f"pointsledger {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except _BadFile as exc:
        print(f"pointsledger {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except PointsLedgerError as exc:
        print(f"pointsledger {args.command}: {type(exc).__name__}: {exc.message}",
              file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (``pointsledger report ... | head``): stop quietly, as Unix tools
        # do, and keep the interpreter's final flush from failing on the closed pipe too
        if stream is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"pointsledger {args.command}: {exc}", file=sys.stderr)
        return 1
    except UnicodeError as exc:  # a file that is not UTF-8 text the importers did not catch
        print(f"pointsledger {args.command}: error: not UTF-8 text: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
