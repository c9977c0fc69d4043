"""``submit-wish``: a micro-wish (微心愿), which is then screened and listed, claimed (认领),
fulfilled (点亮) and confirmed with ``step``."""

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


def _submit(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.submit_wish(args.wisher, args.title, by=actor(args), key=args.key,
                                   description=args.description, value=args.value,
                                   memo=args.memo)
        return case_result(ledger, event, event.id)


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add ``submit-wish``."""
    p = sub.add_parser(
        "submit-wish", help="post a micro-wish (微心愿); list, claim, fulfil and confirm "
        "follow with step", parents=[common],
        epilog=example(
            "pointsledger submit-wish village.db M002 一袋大米 --value 50 --key wish/1 "
            "--by grid_worker:g-07",
            "pointsledger step village.db wish/1 list --category 物品 --key wish/1/list",
            "pointsledger step village.db wish/1 claim --key wish/1/claim "
            "--by party_member:M009",
            "pointsledger step village.db wish/1 fulfil --evidence photo-8.jpg "
            "--key wish/1/fulfil --by party_member:M009",
            "pointsledger step village.db wish/1 confirm --rating 5 --key wish/1/confirm "
            "--by resident:M002"))
    p.add_argument("file")
    p.add_argument("wisher", help="the member (or household) wishing")
    p.add_argument("title", help="what is wished for")
    add_key(p)
    p.add_argument("--description", default="")
    p.add_argument("--value", type=int, help="its value in yuan (for categories with a cap)")
    add_memo(p)
    p.set_defaults(run=_submit)
