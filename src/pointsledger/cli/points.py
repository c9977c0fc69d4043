"""Subcommands that post or move points: ``award``, ``deduct``, ``reverse`` (冲正),
``transfer``, ``close-period`` (结账), ``distribute`` (积分分红) and ``due`` (the due jobs)."""

from __future__ import annotations

import argparse
import datetime as _dt
from collections.abc import Callable, Sequence

from pointsledger.cli._common import (
    Parser,
    Result,
    Usage,
    actor,
    add_key,
    add_memo,
    date,
    entry,
    example,
    occurred,
    open_ledger,
    when,
    with_balance,
    written,
)
from pointsledger.core.events import Event
from pointsledger.rules.benefits import BASES, ShareRule


def _post(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        method = ledger.award if args.command == "award" else ledger.deduct
        event = method(args.account, args.item, by=actor(args), key=args.key,
                       occurred_at=occurred(args, ledger), quantity=args.quantity,
                       evidence=args.evidence, memo=args.memo)
        return with_balance(ledger, event, args.account)


def _reverse(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.reverse(entry(ledger, args.entry), reason=args.reason, by=actor(args),
                               key=args.key, memo=args.memo)
        return written(ledger, event)


def _transfer(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.transfer(args.source, args.destination, args.points, by=actor(args),
                                key=args.key, memo=args.memo)
        source, destination = ledger.balance(args.source), ledger.balance(args.destination)
        return written(ledger, event, f"{args.source}: {source}",
                       f"{args.destination}: {destination}",
                       balances={args.source: source.to_dict(ledger.tz),
                                 args.destination: destination.to_dict(ledger.tz)})


def _close_period(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.close_period(date(args.through), by=actor(args), key=args.key,
                                    memo=args.memo)
        return written(ledger, event, f"closed through {args.through}: no posting may occur "
                       "on or before it", through=args.through)


def _weights(pairs: Sequence[str]) -> tuple[tuple[int, int], ...]:
    found = []
    for pair in pairs:
        stars, equals, weight = pair.partition("=")
        if not (equals and stars.strip().isdigit() and weight.strip().isdigit()):
            raise Usage(f"--tier-weight takes STARS=WEIGHT such as 5=10, not {pair!r}")
        found.append((int(stars), int(weight)))
    return tuple(found)


def _distribute(args: argparse.Namespace) -> Result:
    rule = ShareRule(basis=args.basis, tier_weights=_weights(args.tier_weight),
                     exclude_vetoed=not args.include_vetoed)
    with open_ledger(args.file) as ledger:
        event = ledger.distribute(args.period, rule=rule, amount_fen=args.amount_fen,
                                  minutes=args.minutes, by=actor(args), key=args.key,
                                  memo=args.memo)
        return written(ledger, event, f"see: pointsledger report {args.file} distribution "
                       f"--entry {event.id}")


def _due(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        jobs: list[tuple[str, Callable[[_dt.datetime | None], Sequence[Event]]]] = [
            ("post_due", ledger.post_due), ("lapse_due", ledger.lapse_due),
            ("time_out_due", ledger.time_out_due), ("overdue_due", ledger.overdue_due),
            ("expire_due", ledger.expire_due)]
        as_of = None if args.as_of is None else when(args.as_of, ledger)
        written = {name: job(as_of) for name, job in jobs}
        counts = {name: len(events) for name, events in written.items()}
        return Result(tuple(f"{name}: {count} events" for name, count in counts.items()),
                      {"events": [event.to_dict(ledger.tz) for events in written.values()
                                  for event in events], "counts": counts})


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add the points subcommands."""
    for name, item in (("award", "ENV-01"), ("deduct", "COV-03")):
        p = sub.add_parser(
            name, help=f"{name} a checklist item's points", parents=[common],
            epilog=example(f"pointsledger {name} village.db H001 {item} --key {name}/H001/1 "
                           "--evidence photo-17.jpg --by grid_worker:g-07"))
        p.add_argument("file")
        p.add_argument("account", help="a household or member id")
        p.add_argument("item", help="the checklist item's code")
        add_key(p)
        p.add_argument("--occurred-at", help="when it happened (default: now)")
        p.add_argument("--quantity", type=int, default=1)
        p.add_argument("--evidence", action="append", default=[],
                       help="a photo id or text (repeatable)")
        add_memo(p)
        p.set_defaults(run=_post)

    p = sub.add_parser(
        "reverse", help="reverse an entry (冲正)", parents=[common],
        epilog=example("pointsledger reverse village.db award/H001/1 --reason 误录 "
                       "--key rev/1 --by committee:c-01"))
    p.add_argument("file")
    p.add_argument("entry", help="the entry: its id (e42-1a2b3c4d5e6f), number or key")
    p.add_argument("--reason", required=True)
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_reverse)

    p = sub.add_parser(
        "transfer", help="transfer points between accounts (the rulebook's store policy "
        "says which)", parents=[common],
        epilog=example("pointsledger transfer village.db M001 H001 10 --key tr/1 "
                       "--by resident:M001"))
    p.add_argument("file")
    p.add_argument("source")
    p.add_argument("destination")
    p.add_argument("points", type=int)
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_transfer)

    p = sub.add_parser(
        "close-period", help="close the books through a date (结账): nothing may be posted "
        "on or before it", parents=[common],
        epilog=example("pointsledger close-period village.db 2025-12-31 --by committee:c-01"))
    p.add_argument("file")
    p.add_argument("through", help="the last day closed, YYYY-MM-DD")
    add_key(p, required=False)
    add_memo(p)
    p.set_defaults(run=_close_period)

    p = sub.add_parser(
        "distribute", help="record a distribution (积分分红) of a sum among households",
        parents=[common],
        epilog=example("pointsledger distribute village.db 2025 --amount-fen 1000000 "
                       "--basis stars --tier-weight 5=10 --minutes 村民代表会议决议 "
                       "--key dist/2025 --by committee:c-01"))
    p.add_argument("file")
    p.add_argument("period", help="a period that has ended: 2025, 2025-Q4, 2025-12")
    p.add_argument("--amount-fen", type=int, required=True, help="the sum in fen (分)")
    p.add_argument("--basis", choices=BASES, default="points",
                   help="weigh households by net points or by star tier")
    p.add_argument("--tier-weight", action="append", default=[], metavar="STARS=WEIGHT",
                   help="the weight of a star tier (repeatable; default: its stars)")
    p.add_argument("--include-vetoed", action="store_true",
                   help="let households vetoed in the period (一票否决) share")
    p.add_argument("--minutes", required=True, help="the resolution (决议) deciding it")
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_distribute)

    p = sub.add_parser(
        "due", help="run the due jobs (post_due, lapse_due, time_out_due, overdue_due, "
        "expire_due)", parents=[common],
        epilog=example("pointsledger due village.db --as-of 2026-06-30T23:59"))
    p.add_argument("file")
    p.add_argument("--as-of", help="do what was due by then, a date or date and time in the "
                   "ledger's zone not after now (default: now)")
    p.set_defaults(run=_due)
