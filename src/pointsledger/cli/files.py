"""Subcommands on the ledger file as a whole: ``init``, ``adopt``, ``register``, ``verify``,
``anchor``, ``export`` and ``import``."""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path

from pointsledger.base.cleanup import removed_on_failure
from pointsledger.cli._common import (
    Parser,
    Progress,
    Result,
    Usage,
    actor,
    check_ledger_file,
    date,
    event_line,
    example,
    input_files,
    not_the_ledger,
    open_ledger,
)
from pointsledger.io.jsonl import export_jsonl, import_jsonl
from pointsledger.io.rulefiles import import_registry, load_rulebook
from pointsledger.ledger.ledger import Ledger
from pointsledger.storage.sqlite import ledger_files


def new_file(path: str) -> contextlib.AbstractContextManager[None]:
    """Remove the ledger file (and its SQLite and lock side files) made inside the block if
    the block fails, so a failed ``init`` or ``import`` leaves no file behind."""
    return removed_on_failure(*ledger_files(path))


def _folder_of(path: str) -> None:
    """Refuse a new file's path whose folder does not exist (SQLite would say only "unable to
    open database file")."""
    folder = Path(path).parent
    if not folder.is_dir():
        raise Usage(f"no folder {str(folder)!r} for the new file {path!r}")


def _init(args: argparse.Namespace) -> Result:
    if Path(args.file).exists():
        raise Usage(f"{args.file!r} already exists")
    _folder_of(args.file)
    Ledger.in_memory(tz=args.tz).close()  # an unknown time zone fails here, before any file
    try:  # claim the name atomically: of two inits racing for one file, one creates it
        os.close(os.open(args.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except FileExistsError:
        raise Usage(f"{args.file!r} already exists") from None
    try:
        with new_file(args.file), Ledger.open(args.file, tz=args.tz) as ledger:
            return Result((f"created {args.file} (ledger {ledger.ledger_id}, time zone "
                           f"{ledger.tz})",),
                          {"file": args.file, "ledger_id": ledger.ledger_id, "tz": ledger.tz})
    except BaseException:
        Path(args.file).unlink(missing_ok=True)  # the file this init claimed, and only it
        raise


def _adopt(args: argparse.Namespace) -> Result:
    input_files(rules=args.rules, __rewards=args.rewards)
    rulebook = load_rulebook(args.rules, version=args.version, rewards_table=args.rewards)
    with open_ledger(args.file) as ledger:
        event = ledger.adopt(rulebook, effective_from=date(args.effective_from),
                             by=actor(args), resolution=args.resolution)
        return Result((event_line(event), f"rulebook {rulebook.version!r}: "
                       f"{len(rulebook.items)} items, {len(rulebook.rewards)} rewards, "
                       f"{len(rulebook.matters)} matters"),
                      {"event": event.to_dict(ledger.tz), "version": rulebook.version,
                       "items": len(rulebook.items), "rewards": len(rulebook.rewards),
                       "matters": len(rulebook.matters)})


def _register(args: argparse.Namespace) -> Result:
    if not (args.regions or args.households or args.members):
        raise Usage("give --regions, --households and/or --members")
    input_files(__regions=args.regions, __households=args.households, __members=args.members)
    with open_ledger(args.file) as ledger:
        count = import_registry(ledger, by=actor(args), regions=args.regions,
                                households=args.households, members=args.members,
                                progress=Progress("register"))
        return Result((f"{count} events written",), {"events": count})


def _verify(args: argparse.Namespace) -> Result:
    with open_ledger(args.file, progress=Progress("replay")) as ledger:
        verified = ledger.verify(anchors=args.anchor)
        return Result((f"ok: {verified.events} events, head {verified.head_hash[:16]}"
                       + (f", {len(args.anchor)} anchor(s) held" if args.anchor else ""),),
                      {"verified": verified.to_dict(ledger.tz), "anchors": len(args.anchor)})


def _anchor(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        anchor = ledger.anchor()
        recorded = anchor.recorded_at(ledger.tz).isoformat()
        return Result((str(anchor), f"recorded {recorded}"),
                      {"anchor": str(anchor), "recorded_at": recorded})


def _export(args: argparse.Namespace) -> Result:
    check_ledger_file(args.file)
    not_the_ledger(args.file, args.output)
    if Path(args.output).is_dir():
        raise Usage(f"{args.output!r} is a folder: give a file name for the export")
    if not Path(args.output).parent.is_dir():
        raise Usage(f"no folder {str(Path(args.output).parent)!r} for {args.output!r}")
    if Path(args.output).exists() and not args.force:
        raise Usage(f"{args.output!r} already exists: give --force to replace it")
    with open_ledger(args.file) as ledger:
        count = export_jsonl(ledger, args.output)
        return Result((f"exported {count} events to {args.output}",),
                      {"events": count, "output": args.output})


def _import(args: argparse.Namespace) -> Result:
    if Path(args.file).exists():
        raise Usage(f"{args.file!r} already exists: import into a new file")
    if not Path(args.jsonl).exists():
        raise Usage(f"no file {args.jsonl!r}")
    _folder_of(args.file)
    with new_file(args.file):
        ledger = import_jsonl(args.jsonl, args.file)
    try:
        return Result((f"imported {ledger.head} events into {args.file} "
                       "(hash chain verified)",), {"events": ledger.head, "file": args.file})
    finally:
        ledger.close()


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add the file subcommands."""
    p = sub.add_parser("init", help="create a ledger file", parents=[common],
                       epilog=example("pointsledger init village.db --tz Asia/Shanghai"))
    p.add_argument("file")
    p.add_argument("--tz", default="Asia/Shanghai", help="the ledger's time zone, for good")
    p.set_defaults(run=_init)

    p = sub.add_parser(
        "adopt", help="adopt a rulebook from TOML, CSV or XLSX", parents=[common],
        epilog=example("pointsledger adopt village.db rules.toml --effective-from 2026-01-01 "
                       "--resolution 村民代表会议表决通过 --by committee:c-01"))
    p.add_argument("file")
    p.add_argument("rules")
    p.add_argument("--effective-from", required=True, help="YYYY-MM-DD")
    p.add_argument("--resolution", required=True, help="the resolution (决议) that approved it")
    p.add_argument("--version", dest="version", help="the version (CSV and XLSX checklists)")
    p.add_argument("--rewards", help="a CSV or XLSX table of the points store's rewards")
    p.set_defaults(run=_adopt)

    p = sub.add_parser(
        "register", help="add regions, households and members from CSV or XLSX",
        parents=[common],
        epilog=example("pointsledger register village.db --regions regions.csv "
                       "--households households.csv --members members.csv"))
    p.add_argument("file")
    p.add_argument("--regions")
    p.add_argument("--households")
    p.add_argument("--members")
    p.set_defaults(run=_register)

    p = sub.add_parser(
        "verify", help="replay and verify the whole hash chain, the derived data and "
        "published anchors", parents=[common],
        epilog=example("pointsledger verify village.db --anchor 3f2a…:1042:9c1d2e3f4a5b6c7d"))
    p.add_argument("file")
    p.add_argument("--anchor", action="append", default=[],
                   help="a published anchor the log must hold (repeatable)")
    p.set_defaults(run=_verify)

    p = sub.add_parser("anchor", help="print the head to publish (公示栏锚点)",
                       parents=[common], epilog=example("pointsledger anchor village.db"))
    p.add_argument("file")
    p.set_defaults(run=_anchor)

    p = sub.add_parser("export", help="export to JSON Lines", parents=[common],
                       epilog=example("pointsledger export village.db village.jsonl"))
    p.add_argument("file")
    p.add_argument("output")
    p.add_argument("--force", action="store_true",
                   help="replace OUTPUT if it exists (only once the export is whole)")
    p.set_defaults(run=_export)

    p = sub.add_parser("import", help="import a JSON Lines export into a new file "
                       "(hash-checked)", parents=[common],
                       epilog=example("pointsledger import village.jsonl copy.db"))
    p.add_argument("jsonl")
    p.add_argument("file")
    p.set_defaults(run=_import)
