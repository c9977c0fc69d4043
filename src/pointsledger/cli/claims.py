"""``submit-claim``: a resident's or grid worker's claim (申报) of a checklist item, which then
goes through review, public notice (公示), objections and appeals with ``step``."""

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
)


def _submit(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.submit_claim(args.account, args.item, by=actor(args), key=args.key,
                                    occurred_at=occurred(args, ledger),
                                    quantity=args.quantity, evidence=args.evidence,
                                    memo=args.memo)
        return case_result(ledger, event, event.id)


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add ``submit-claim``."""
    p = sub.add_parser(
        "submit-claim", help="claim a checklist item's points (申报); review, 公示, objections "
        "and appeals follow with step", parents=[common],
        epilog=example(
            "pointsledger submit-claim village.db H001 VOL-01 --evidence photo-3.jpg "
            "--key claim/1 --by resident:M001",
            "pointsledger step village.db claim/1 check --key claim/1/check "
            "--by grid_worker:g-07",
            "pointsledger step village.db claim/1 approve --key claim/1/approve "
            "--by committee:c-01",
            "pointsledger step village.db claim/1 object --reason 当天不在村 "
            "--key claim/1/object --by resident:M005"))
    p.add_argument("file")
    p.add_argument("account", help="the household or member credited")
    p.add_argument("item", help="the checklist item's code")
    add_key(p)
    p.add_argument("--occurred-at", help="when it happened (default: now)")
    p.add_argument("--quantity", type=int, default=1)
    p.add_argument("--evidence", action="append", default=[],
                   help="a photo id or text (repeatable)")
    add_memo(p)
    p.set_defaults(run=_submit)
