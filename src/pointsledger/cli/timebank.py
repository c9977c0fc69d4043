"""The time bank (时间银行): ``submit-time`` (a deposit of service minutes, approved or
rejected with ``step``), ``spend-time``, ``donate-time`` and ``convert-time``."""

from __future__ import annotations

import argparse

from pointsledger.cli._common import (
    Parser,
    Result,
    actor,
    add_key,
    add_memo,
    case_result,
    example,
    occurred,
    open_ledger,
    written,
)


def _submit(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.submit_time(args.member, args.minutes, service=args.service,
                                   occurred_at=occurred(args, ledger), by=actor(args),
                                   key=args.key, memo=args.memo)
        return case_result(ledger, event, event.id)


def _moved(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        by = actor(args)
        if args.command == "spend-time":
            event = ledger.spend_time(args.member, args.minutes, service=args.service, by=by,
                                      key=args.key, memo=args.memo)
        elif args.command == "donate-time":
            event = ledger.donate_time(args.member, args.to, args.minutes, by=by,
                                       key=args.key, memo=args.memo)
        else:
            event = ledger.convert_time(args.member, args.minutes, by=by, key=args.key,
                                        memo=args.memo)
        left = ledger.minutes(args.member)
        return written(ledger, event, f"{args.member}: {left} minutes in the time bank",
                       minutes=left)


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add the time bank's subcommands."""
    p = sub.add_parser(
        "submit-time", help="deposit a volunteer's service minutes (approve or reject with "
        "step)", parents=[common],
        epilog=example("pointsledger submit-time village.db M009 120 陪护老人 --key time/1 "
                       "--by grid_worker:g-07",
                       "pointsledger step village.db time/1 approve --key time/1/approve "
                       "--by committee:c-01"))
    p.add_argument("file")
    p.add_argument("member")
    p.add_argument("minutes", type=int)
    p.add_argument("service", help="what the service was")
    add_key(p)
    p.add_argument("--occurred-at", help="when it was given (default: now)")
    add_memo(p)
    p.set_defaults(run=_submit)

    p = sub.add_parser(
        "spend-time", help="spend a member's minutes on a service received",
        parents=[common],
        epilog=example("pointsledger spend-time village.db M009 60 上门理发 --key spend/1"))
    p.add_argument("file")
    p.add_argument("member")
    p.add_argument("minutes", type=int)
    p.add_argument("service")
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_moved)

    p = sub.add_parser(
        "donate-time", help="give minutes to another member", parents=[common],
        epilog=example("pointsledger donate-time village.db M009 M002 60 --key give/1"))
    p.add_argument("file")
    p.add_argument("member")
    p.add_argument("to", help="the member receiving the minutes")
    p.add_argument("minutes", type=int)
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_moved)

    p = sub.add_parser(
        "convert-time", help="convert minutes into points (the rulebook's time bank item)",
        parents=[common],
        epilog=example("pointsledger convert-time village.db M009 600 --key convert/1"))
    p.add_argument("file")
    p.add_argument("member")
    p.add_argument("minutes", type=int)
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_moved)
