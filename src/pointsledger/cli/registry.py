"""Subcommands that change the registry one record at a time: ``add-region``,
``register-household``, ``register-member``, ``move-household``, ``move-member``,
``split-household`` (分户), ``merge-households`` (合户), ``member-leaves`` (迁出/去世),
``member-returns`` and ``close-account``. Whole tables are imported with ``register``."""

from __future__ import annotations

import argparse

from pointsledger.cli._common import (
    Parser,
    Result,
    actor,
    add_key,
    add_memo,
    date,
    example,
    non_empty,
    open_ledger,
    written,
)
from pointsledger.core.events import Event


def _region(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        return written(ledger, ledger.add_region(args.code, args.name, kind=args.kind,
                                                 parent=args.parent, by=actor(args),
                                                 key=args.key, memo=args.memo))


def _household(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        return written(ledger, ledger.register_household(
            args.household, grid=args.grid, head=args.head, by=actor(args), key=args.key,
            memo=args.memo))


def _member(args: argparse.Namespace) -> Result:
    born = None if args.birth_date is None else date(args.birth_date)
    with open_ledger(args.file) as ledger:
        return written(ledger, ledger.register_member(
            args.member, household=args.household, name=args.name, by=actor(args), key=args.key,
            roles=non_empty(args.roles), birth_date=born, memo=args.memo))


def _move_household(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        return written(ledger, ledger.move_household(args.household, grid=args.grid,
                                                     by=actor(args), key=args.key,
                                                     memo=args.memo))


def _move_member(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        return written(ledger, ledger.move_member(
            args.member, household=args.household, reason=args.reason, by=actor(args),
            key=args.key, memo=args.memo))


def _split(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.split_household(
            args.household, new_household=args.new_household, head=args.head,
            members=non_empty(args.members), reason=args.reason, by=actor(args), key=args.key,
            grid=args.grid, points=args.points, share=args.share, memo=args.memo)
        old, new = ledger.balance(args.household), ledger.balance(args.new_household)
        return written(ledger, event, f"{args.household}: {old}", f"{args.new_household}: {new}",
                       balances={args.household: old.to_dict(ledger.tz),
                                 args.new_household: new.to_dict(ledger.tz)})


def _merge(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event = ledger.merge_households(args.household, into=args.into, reason=args.reason,
                                        by=actor(args), key=args.key, memo=args.memo)
        into = ledger.balance(args.into)
        return written(ledger, event, f"{args.into}: {into}",
                       balances={args.into: into.to_dict(ledger.tz)})


def _leaves(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        event: Event
        if args.command == "member-leaves":
            event = ledger.member_leaves(args.member, reason=args.reason, by=actor(args),
                                         key=args.key, memo=args.memo)
        else:
            event = ledger.member_returns(args.member, household=args.household, reason=args.reason,
                                          by=actor(args), key=args.key, memo=args.memo)
        return written(ledger, event)


def _close(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        return written(ledger, ledger.close_account(args.account, by=actor(args),
                                                    key=args.key, balance_to=args.balance_to,
                                                    memo=args.memo))


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add the registry subcommands."""
    p = sub.add_parser(
        "add-region", help="add a region (county, town, village, grid, micro-grid ...)",
        parents=[common],
        epilog=example("pointsledger add-region village.db G03 第三网格 grid --parent V01"))
    p.add_argument("file")
    p.add_argument("code")
    p.add_argument("name")
    p.add_argument("kind", help="county, town, village, community, grid, micro_grid ...")
    p.add_argument("--parent", help="the region above (none: the top of this ledger)")
    add_key(p, required=False)
    add_memo(p)
    p.set_defaults(run=_region)

    p = sub.add_parser(
        "register-household", help="register a household in a grid", parents=[common],
        epilog=example("pointsledger register-household village.db H003 G01 王五"))
    p.add_argument("file")
    p.add_argument("household")
    p.add_argument("grid")
    p.add_argument("head", help="the head of the household's name")
    add_key(p, required=False)
    add_memo(p)
    p.set_defaults(run=_household)

    p = sub.add_parser(
        "register-member", help="register a member of a household", parents=[common],
        epilog=example("pointsledger register-member village.db M007 H003 王五 "
                       "--roles resident,volunteer --birth-date 1956-03-02"))
    p.add_argument("file")
    p.add_argument("member")
    p.add_argument("household")
    p.add_argument("name")
    p.add_argument("--roles", action="append", default=[],
                   help="comma-separated roles (resident, volunteer, party_member ...)")
    p.add_argument("--birth-date", help="YYYY-MM-DD (age prices in the store)")
    add_key(p, required=False)
    add_memo(p)
    p.set_defaults(run=_member)

    p = sub.add_parser(
        "move-household", help="move a household to another grid", parents=[common],
        epilog=example("pointsledger move-household village.db H003 G02 --key move/H003/1"))
    p.add_argument("file")
    p.add_argument("household")
    p.add_argument("grid")
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_move_household)

    p = sub.add_parser(
        "move-member", help="move a member to another household (婚嫁、投靠)",
        parents=[common],
        epilog=example("pointsledger move-member village.db M007 H001 --reason 婚嫁 "
                       "--key move/M007/1"))
    p.add_argument("file")
    p.add_argument("member")
    p.add_argument("household", help="the household the member joins")
    p.add_argument("--reason", required=True)
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_move_member)

    p = sub.add_parser(
        "split-household", help="split a household (分户): members and a share of points "
        "go to a new household", parents=[common],
        epilog=example("pointsledger split-household village.db H001 H009 张小三 "
                       "--members M003,M004 --share 1/2 --reason 分户 --key split/H009"))
    p.add_argument("file")
    p.add_argument("household")
    p.add_argument("new_household")
    p.add_argument("head", help="the new household's head")
    p.add_argument("--members", action="append", default=[], required=True,
                   help="the members who move (comma-separated or repeated)")
    p.add_argument("--reason", required=True)
    p.add_argument("--grid", help="the new household's grid (default: the old one's)")
    points = p.add_mutually_exclusive_group()
    points.add_argument("--points", type=int, help="points the new household takes")
    points.add_argument("--share", help="the share of points it takes, e.g. 1/2")
    add_key(p, required=False)
    add_memo(p)
    p.set_defaults(run=_split)

    p = sub.add_parser(
        "merge-households", help="merge a household into another (合户): members and "
        "points move", parents=[common],
        epilog=example("pointsledger merge-households village.db H009 H001 --reason 合户"))
    p.add_argument("file")
    p.add_argument("household", help="the household that ends")
    p.add_argument("into", help="the household it joins")
    p.add_argument("--reason", required=True)
    add_key(p, required=False)
    add_memo(p)
    p.set_defaults(run=_merge)

    p = sub.add_parser(
        "member-leaves", help="a member leaves (迁出, 去世, 婚嫁)", parents=[common],
        epilog=example("pointsledger member-leaves village.db M007 --reason 迁出 "
                       "--key leave/M007/1"))
    p.add_argument("file")
    p.add_argument("member")
    p.add_argument("--reason", required=True, help="迁出, 去世 or 婚嫁")
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_leaves)

    p = sub.add_parser(
        "member-returns", help="a member who left returns to a household", parents=[common],
        epilog=example("pointsledger member-returns village.db M007 H003 --reason 回村 "
                       "--key return/M007/1"))
    p.add_argument("file")
    p.add_argument("member")
    p.add_argument("household")
    p.add_argument("--reason", required=True)
    add_key(p)
    add_memo(p)
    p.set_defaults(run=_leaves)

    p = sub.add_parser(
        "close-account", help="close an account, moving its balance on or to the pool",
        parents=[common],
        epilog=example("pointsledger close-account village.db M007 --balance-to H003"))
    p.add_argument("file")
    p.add_argument("account")
    p.add_argument("--balance-to", help="the account that takes its balance")
    add_key(p, required=False)
    add_memo(p)
    p.set_defaults(run=_close)
