"""``demo``: build the demo village and print its key reports. Its options and its code live
here, in one place."""

from __future__ import annotations

import argparse
import os

from pointsledger import reports
from pointsledger.cli._common import Parser, Progress, Result, example
from pointsledger.cli.report import render
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports.table import Table


def _demo(args: argparse.Namespace) -> Result:
    from pointsledger.demo.village import YEAR, build_demo

    summary = build_demo(args.path, seed=args.seed, households=args.households,
                         progress=Progress(f"simulating {YEAR}"))
    path = os.path.abspath(summary.path)
    lines: list[str] = []
    with Ledger.open(summary.path) as ledger:
        for table in (reports.honour_board(ledger, f"{YEAR}-12", top=10),
                      reports.honour_board(ledger, f"{YEAR}-12", top=10, bottom=True),
                      reports.star_households(ledger, f"{YEAR}"),
                      reports.category_summary(ledger, period=f"{YEAR}"),
                      reports.rollup(ledger, period=f"{YEAR}"),
                      reports.store_summary(ledger, period=f"{YEAR}"),
                      reports.case_board(ledger, "wish", period=f"{YEAR}"),
                      reports.claims_notice(ledger)):
            if len(table.rows) > 40:  # the star list of every household: its head
                table = Table(table.title, table.columns, table.rows[:20],
                              (*table.notes, f"…（共{len(table.rows)}户，完整名单：pointsledger "
                                             "report … star-households）"), keys=table.keys)
            lines += [str(render(table, "simple")), ""]
        ledger.snapshot()  # keeps the state and the report index for fast later runs
    lines += [f"Wrote the demo village 东沙沟村 ({summary.households} households, "
              f"{summary.members} members, {summary.events:,} events, seed {args.seed}) to\n"
              f"  {path}\n",
              "Try next:\n"
              f"  pointsledger report {summary.path} statement --account H0001 --period "
              f"{YEAR}-12\n"
              f"  pointsledger report {summary.path} honour-board --period {YEAR}-Q4 --format "
              "html --output board.html\n"
              f"  pointsledger report {summary.path} notice-page --period {YEAR}-12"
              " --output notice.html   (the printable 积分公示)\n"
              f"  pointsledger verify {summary.path}\n"
              f"  pointsledger award {summary.path} H0001 ENV-01 --key my-first-award\n"
              "See docs/tutorial.md for the whole walk-through."]
    return Result(tuple(lines), {"path": path, "households": summary.households,
                                 "members": summary.members, "events": summary.events,
                                 "seed": args.seed})


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add ``demo``."""
    p = sub.add_parser("demo", help="build the demo village and print its reports",
                       parents=[common],
                       epilog=example("pointsledger demo village.db --households 200"))
    p.add_argument("path", nargs="?", default="pointsledger-demo.db")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--households", type=int, default=300)
    p.set_defaults(run=_demo)
