"""``place-order``: a service order (点单), which is then dispatched (派单), accepted (接单),
started, finished and rated (评单) with ``step``."""

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
    open_ledger,
)


def _place(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.place_order(args.account, args.service, by=actor(args), key=args.key,
                                   note=args.note, memo=args.memo)
        return case_result(ledger, event, event.id)


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add ``place-order``."""
    p = sub.add_parser(
        "place-order", help="order a service (点单); dispatch, accept, start, finish and "
        "rate follow with step", parents=[common],
        epilog=example(
            "pointsledger place-order village.db M002 REPAIR --note 电饭锅坏了 --key order/1 "
            "--by resident:M002",
            "pointsledger step village.db order/1 dispatch --volunteer M009 "
            "--key order/1/dispatch --by grid_worker:g-07",
            "pointsledger step village.db order/1 accept --key order/1/accept "
            "--by volunteer:M009",
            "pointsledger step village.db order/1 finish --minutes 45 --key order/1/finish "
            "--by volunteer:M009"))
    p.add_argument("file")
    p.add_argument("account", help="the member (or household) ordering")
    p.add_argument("service", help="the service's code in the rulebook")
    add_key(p)
    p.add_argument("--note", default="", help="what is needed")
    add_memo(p)
    p.set_defaults(run=_place)
