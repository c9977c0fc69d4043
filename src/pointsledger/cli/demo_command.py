"""``demo``: build the demo county's year, write what its villages post and print a summary.
Its options and its code live here, in one place."""

from __future__ import annotations

import argparse
import os
import shlex

from pointsledger.cli._common import Parser, Progress, Result, example


def _demo(args: argparse.Namespace) -> Result:
    from pointsledger.demo.village import YEAR, build_demo, summary_lines

    summary = build_demo(args.path, seed=args.seed, households=args.households,
                         county=args.county, workers=args.workers,
                         progress=Progress("simulating the villages' years" if args.county
                                           else f"simulating {YEAR}"))
    path = os.path.abspath(summary.path)
    # the county: its first village's own ledger; quoted, so a path with spaces or other
    # characters the shell reads copies into a terminal as one word
    one = shlex.quote(os.fspath(summary.ledgers[0]))
    lines = [*summary_lines(summary), "",
             "Try next:\n"
             f"  pointsledger report {one} statement --account H0001 --period "
             f"{YEAR}-12\n"
             f"  pointsledger report {one} honour-board --period {YEAR}-Q4 --format "
             "html --output board.html\n"
             f"  pointsledger report {one} notice-page --period {YEAR}-12"
             " --output notice.html   (the printable 积分公示)\n"
             f"  pointsledger verify {one}\n"
             f"  pointsledger award {one} H0001 ENV-01 --key my-first-award\n"
             "See docs/tutorial.md for the whole walk-through."]
    return Result(tuple(lines), {"path": path, "households": summary.households,
                                 "members": summary.members, "events": summary.events,
                                 "outputs": os.path.abspath(summary.outputs),
                                 "files": list(summary.files), "seed": args.seed,
                                 "ledgers": [os.path.abspath(p) for p in summary.ledgers]})


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add ``demo``."""
    p = sub.add_parser("demo", help="build the demo county's year and the village's postings",
                       parents=[common],
                       epilog=example("pointsledger demo village.db --households 200"))
    p.add_argument("path", nargs="?", default=None,
                   help="the SQLite file (default pointsledger-demo.db); with --county a new "
                        "folder for one file per village and community (default "
                        "pointsledger-county)")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--households", type=int, default=None,
                   help="households in all (default: the setting's own sizes)")
    p.add_argument("--county", action="store_true",
                   help="the full county: 38 villages, 6 communities, 446 micro-grids, "
                        "each village and community in its own ledger")
    p.add_argument("--workers", type=int, default=None,
                   help="processes simulating the county's villages (default: one per "
                        "processor)")
    p.set_defaults(run=_demo)
