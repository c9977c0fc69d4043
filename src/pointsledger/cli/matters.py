"""``open-matter``: a 清单制 matter opened on the village's lists; its procedure steps, the
supervision committee's queries (质询) and their answers, closing and withdrawing are ``step``
(``record``, ``query``, ``answer``, ``close``, ``withdraw``)."""

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


def _open(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.open_matter(args.matter, request=args.request, by=actor(args), key=args.key,
                                   account=args.account, evidence=args.evidence,
                                   memo=args.memo)
        return case_result(ledger, event, event.id)


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add ``open-matter``."""
    p = sub.add_parser(
        "open-matter", help="open a matter of the village's lists (清单制); record its "
        "steps, query, answer and close with step", parents=[common],
        epilog=example(
            "pointsledger open-matter village.db BM-01 协助申请低保 --account H002 "
            "--key matter/1 --by grid_worker:g-07",
            "pointsledger step village.db matter/1 record --code accept --key matter/1/accept "
            "--by grid_worker:g-07",
            "pointsledger step village.db matter/1 query --code accept --text 材料是否齐全 "
            "--key matter/1/q1 --by supervision_committee:s-02",
            "pointsledger step village.db matter/1 answer --query matter/1/q1 --text 已核实 "
            "--key matter/1/a1 --by committee:c-01",
            "pointsledger report village.db matter-board"))
    p.add_argument("file")
    p.add_argument("matter", help="the matter's code on the lists")
    p.add_argument("request", help="what is asked")
    add_key(p)
    p.add_argument("--account", help="the household or member it is for (none: the village)")
    p.add_argument("--evidence", action="append", default=[],
                   help="a document id or text (repeatable)")
    add_memo(p)
    p.set_defaults(run=_open)
