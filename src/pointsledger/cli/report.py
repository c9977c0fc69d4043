"""``report``: print any report as a table in a chosen format, or a printable page.

`REPORTS` maps report names to report functions, `PAGES` names the printable
pages; `RENDERERS` maps each text ``--format`` to the function that renders a table, and
`FILE_WRITERS` each format written only to a file (``--output``, also ``--out``): a new
format is one entry in one of them.
"""

from __future__ import annotations

import argparse
import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pointsledger import reports
from pointsledger.cli._common import (
    Parser,
    Result,
    Usage,
    actor,
    entry,
    example,
    not_the_ledger,
    open_ledger,
)
from pointsledger.ledger.ledger import Ledger
from pointsledger.reports.table import Table

REPORTS: dict[str, Callable[..., Table]] = {
    "statement": reports.statement,
    "balances": reports.balances,
    "honour-board": reports.honour_board,
    "red-board": reports.honour_board,
    "black-board": functools.partial(reports.honour_board, bottom=True),
    "star-households": reports.star_households,
    "category-summary": reports.category_summary,
    "period-summary": reports.period_summary,
    "rollup": reports.rollup,
    "store-summary": reports.store_summary,
    "public-notice": reports.public_notice,
    "claims-notice": reports.claims_notice,
    "audit-trail": reports.audit_trail,
    "case-board": reports.case_board,
    "claimer-ranking": reports.claimer_ranking,
    "wish-wall": reports.wish_wall,
    "passbook": reports.passbook,
    "matter-list": reports.matter_list,
    "matter-board": reports.matter_board,
    "matter-disclosure": reports.matter_disclosure,
    "eligibility": reports.eligibility,
    "distribution": reports.distribution,
    "donation-receipt": reports.donation_receipt,
}
"""Report names on the command line and the functions behind them."""

PAGES: dict[str, Callable[..., str]] = {
    "notice-page": reports.monthly_notice_page,
    "card-page": reports.household_card_page,
    "wish-wall-page": reports.wish_wall_page,
}
"""Printable pages (standalone HTML for A4) on the command line, by ``report`` name."""

RENDERERS: dict[str, Callable[[Table], str]] = {
    **{fmt: functools.partial(Table.render, fmt=fmt)
       for fmt in ("github", "plain", "simple", "grid", "pipe", "html")},
    "csv": Table.to_csv,
    "csv-bom": functools.partial(Table.to_csv, bom=True),
    "json": Table.to_json,
}
"""Each text ``--format`` and how it renders a table."""

FILE_WRITERS: dict[str, Callable[[Table, str, str], object]] = {
    "xlsx": lambda table, path, tz: reports.write_xlsx(table, path, tz=tz),
}
"""Formats written only to a file (``--output``): each writer takes the table, the path and the
ledger's time zone. ``xlsx``: an Excel workbook (the ``xlsx`` extra)."""


def formats() -> tuple[str, ...]:
    """The formats ``report --format`` takes."""
    return (*RENDERERS, *FILE_WRITERS)


def render(table: Table, fmt: str) -> str:
    """``table`` as text in the format ``fmt`` (one of `RENDERERS`)."""
    return RENDERERS[fmt](table)


def _report(args: argparse.Namespace) -> Result:
    fmt = "json" if args.json and args.format is None else args.format or "github"
    if fmt in FILE_WRITERS and not args.output:
        raise Usage(f"--format {fmt} writes a file: give --output FILE")
    data: dict[str, Any]
    if args.output:
        not_the_ledger(args.file, args.output)
    with open_ledger(args.file) as ledger:
        if args.name in PAGES:
            if fmt not in ("github", "html") and args.format is not None:  # --json: {"html"}
                raise Usage(f"report {args.name} is an HTML page: --format html (or none)")
            page = PAGES[args.name]
            positional, keywords = _report_args(page, args, ledger)
            text = page(ledger, *positional, **keywords)
            what, data = "an HTML page", {"html": text}
        else:
            function = REPORTS[args.name]
            positional, keywords = _report_args(function, args, ledger)
            table = function(ledger, *positional, **keywords)
            what = f"{len(table.rows)} rows"
            data = {"table": table.to_dict(ledger.tz)}
            if fmt in FILE_WRITERS:
                FILE_WRITERS[fmt](table, args.output, ledger.tz)
                return Result((f"wrote {args.output} ({what})",),
                              {"output": args.output, **data})
            text = render(table, fmt)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        return Result((f"wrote {args.output} ({what})",), {"output": args.output, **data})
    return Result(raw=text, data=data)


def _report_args(function: Callable[..., Any], args: argparse.Namespace, ledger: Ledger
                 ) -> tuple[list[Any], dict[str, Any]]:
    """The arguments a report takes, from the options given (a missing required one is a
    usage error)."""
    options = {"period": args.period, "account": args.account, "region": args.region,
               "per": args.per, "top": args.top, "method": args.method, "flow": args.flow,
               "member": args.account, "locale": args.locale, "actor": args.actor,
               "kind": args.kind, "state": args.state, "household": args.account,
               "benefit": args.benefit,
               "entry": None if args.entry is None else entry(ledger, args.entry),
               "bottom": True if args.bottom else None}
    parameters = list(inspect.signature(function).parameters.items())[1:]
    taken = {"account" if name in ("member", "household") else name for name, _ in parameters}
    ignored = sorted(name for name in options if name not in ("member", "household")
                     and name not in taken and getattr(args, name) not in (None, False))
    if ignored:  # an option the report would silently ignore misleads whoever reads it
        offered = sorted(name for name in taken if name in options)
        raise Usage(f"report {args.name} takes no {', '.join('--' + o for o in ignored)} "
                    f"(it takes: {', '.join('--' + o for o in offered) or 'no options'})")
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for name, parameter in parameters:
        if name == "viewer":
            positional.append(actor(args))
            continue
        value = options.get(name)
        if parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and \
                parameter.default is inspect.Parameter.empty:
            if value is None:
                raise Usage(f"report {args.name} needs --{name}")
            positional.append(value)
        elif value is not None:
            keywords[name] = value
    return positional, keywords


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add ``report``."""
    p = sub.add_parser(
        "report", help="print a report", parents=[common],
        epilog=example(
            "pointsledger report village.db statement --account H001 --period 2026-03",
            "pointsledger report village.db black-board --period 2026-Q1   (黑榜)",
            "pointsledger report village.db star-households --period 2025 --format csv-bom "
            "--output stars.csv",
            "pointsledger report village.db matter-board",
            "pointsledger report village.db notice-page --period 2026-03 --output notice.html"))
    p.add_argument("file")
    p.add_argument("name", choices=sorted([*REPORTS, *PAGES]),
                   help="a report, or a printable page (notice-page, card-page, "
                   "wish-wall-page: standalone HTML for A4)")
    p.add_argument("--period")
    p.add_argument("--account")
    p.add_argument("--region")
    p.add_argument("--per", choices=["month", "quarter", "year"])
    p.add_argument("--top", type=int)
    p.add_argument("--method", choices=list(reports.METHODS))
    p.add_argument("--flow", choices=["wish", "order"])
    p.add_argument("--actor")
    p.add_argument("--kind")
    p.add_argument("--state")
    p.add_argument("--benefit", help="eligibility: the benefit's code")
    p.add_argument("--entry", help="distribution, donation-receipt: the event's id, number "
                   "or key")
    p.add_argument("--bottom", action="store_true",
                   help="honour-board: the 黑榜 (households with deductions)")
    p.add_argument("--locale", choices=["zh", "en"])
    p.add_argument("--format", default=None, choices=formats(),
                   help="the table's format (default github; with --json, json)")
    p.add_argument("--output", "--out", help="write to this file instead of stdout")
    p.set_defaults(run=_report)
