"""Subcommands of the points store (积分超市): ``receive-stock`` (bought or donated goods),
``price-donation``, ``adjust-stock``, ``redeem``, ``reserve``, ``hand-over`` and
``cancel-reservation``."""

from __future__ import annotations

import argparse
from typing import Any

from pointsledger.cli._common import (
    Parser,
    Result,
    actor,
    add_key,
    add_memo,
    entry,
    example,
    open_ledger,
    with_balance,
    written,
)
from pointsledger.ledger.ledger import Ledger


def _level(ledger: Ledger, reward: str) -> tuple[str, dict[str, Any]]:
    level = ledger.stock(reward)
    return f"{reward}: {level.on_hand} on hand, {level.free} free", level.to_dict(ledger.tz)


def _receive(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.receive_stock(args.reward, args.quantity, by=actor(args), key=args.key,
                                     donor=args.donor, donation_item=args.donation_item,
                                     donor_name=args.donor_name, value=args.value,
                                     memo=args.memo)
        line, level = _level(ledger, args.reward)
        return written(ledger, event, line, stock=level)


def _price(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.price_donated_goods(args.reward, args.title, cost=args.cost,
                                           resolution=args.resolution, by=actor(args),
                                           key=args.key, category=args.category,
                                           memo=args.memo)
        return written(ledger, event, f"{args.reward} {args.title}: {args.cost} points")


def _adjust(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.adjust_stock(args.reward, counted=args.counted, reason=args.reason,
                                    by=actor(args), key=args.key, memo=args.memo)
        line, level = _level(ledger, args.reward)
        return written(ledger, event, line, stock=level)


def _redeem(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        method = ledger.redeem if args.command == "redeem" else ledger.reserve
        event = method(args.account, args.reward, quantity=args.quantity, member=args.member,
                       by=actor(args), key=args.key, memo=args.memo)
        result = with_balance(ledger, event, args.account)
        code = getattr(event, "pickup_code", None)
        if code is None:
            return result
        return Result((*result.lines, f"pickup code (取货码): {code}"),
                      {**result.data, "pickup_code": code})


def _hand_over(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.hand_over(entry(ledger, args.reservation), by=actor(args), key=args.key,
                                 pickup_code=args.pickup_code, memo=args.memo)
        return written(ledger, event)


def _cancel(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.cancel_reservation(entry(ledger, args.reservation), reason=args.reason,
                                          by=actor(args), key=args.key, memo=args.memo)
        return written(ledger, event)


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add the points store's subcommands."""
    p = sub.add_parser(
        "receive-stock", help="put units of a reward into stock, bought or donated",
        parents=[common],
        epilog=example("pointsledger receive-stock village.db SOAP 20 --key stock/SOAP/1",
                       "pointsledger receive-stock village.db RICE 10 --donor H001 "
                       "--donation-item DON-01 --value 500 --key don/1"))
    p.add_argument("file")
    p.add_argument("reward")
    p.add_argument("quantity", type=int)
    add_key(p)
    p.add_argument("--donor", help="the donating household or member, if donated")
    p.add_argument("--donor-name", default="", help="an outside donor's name (no account)")
    p.add_argument("--donation-item", help="a checklist item to award the donor")
    p.add_argument("--value", type=int, help="the goods' assessed value in yuan")
    add_memo(p)
    p.set_defaults(run=_receive)

    p = sub.add_parser(
        "price-donation", help="price donated goods as a reward of the store",
        parents=[common],
        epilog=example("pointsledger price-donation village.db RICE 大米5斤 30 --resolution "
                       "超市管理小组议定 --key price/RICE --by committee:c-01"))
    p.add_argument("file")
    p.add_argument("reward", help="the new reward's code")
    p.add_argument("title")
    p.add_argument("cost", type=int, help="its cost in points")
    p.add_argument("--resolution", required=True, help="the decision that priced it")
    p.add_argument("--category", default="爱心捐赠")
    add_key(p, required=False)
    add_memo(p)
    p.set_defaults(run=_price)

    p = sub.add_parser(
        "adjust-stock", help="set a reward's stock to what was counted (盘点)",
        parents=[common],
        epilog=example("pointsledger adjust-stock village.db SOAP 18 --reason 盘点 "
                       "--key count/2026-03"))
    p.add_argument("file")
    p.add_argument("reward")
    p.add_argument("counted", type=int)
    p.add_argument("--reason", required=True)
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_adjust)

    for name, what in (("redeem", "redeem a reward in the points store"),
                       ("reserve", "reserve (预约) a reward for pickup: holds points and "
                        "stock")):
        p = sub.add_parser(
            name, help=what, parents=[common],
            epilog=example(f"pointsledger {name} village.db H001 SOAP --key {name}/H001/1 "
                           "--by store_keeper:s-01"))
        p.add_argument("file")
        p.add_argument("account")
        p.add_argument("reward")
        add_key(p)
        p.add_argument("--quantity", type=int, default=1)
        p.add_argument("--member", help="the member the reward is for (age prices)")
        add_memo(p)
        p.set_defaults(run=_redeem)

    p = sub.add_parser(
        "hand-over", help="hand a reservation over (交付)", parents=[common],
        epilog=example("pointsledger hand-over village.db reserve/H001/1 --pickup-code 4821 "
                       "--key handover/1"))
    p.add_argument("file")
    p.add_argument("reservation", help="the reservation: its id, number or key")
    p.add_argument("--pickup-code", help="the code the resident shows (取货码)")
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_hand_over)

    p = sub.add_parser(
        "cancel-reservation", help="cancel a reservation: points and stock are freed",
        parents=[common],
        epilog=example("pointsledger cancel-reservation village.db reserve/H001/1 "
                       "--reason 不需要了 --key cancel/1"))
    p.add_argument("file")
    p.add_argument("reservation", help="the reservation: its id, number or key")
    p.add_argument("--reason", required=True)
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_cancel)
