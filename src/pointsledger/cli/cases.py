"""Subcommands for workflow cases once opened: ``step`` (any step of a claim, wish, order,
deposit or matter), ``cases`` (list them) and ``case`` (one case as it stands).

A case is named by the id of the event that opened it (``e42-1a2b3c4d5e6f``), its number
(``42``) or the ``--key`` it was opened with (``claim/1``). The step's arguments are options
(``--reason``, ``--rating``, ``--evidence`` ...): each step takes the ones
`STEP_RULES` lists for it, and the ledger refuses the others
by name.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import textwrap
from typing import Any

from pointsledger.cli._common import (
    Parser,
    Result,
    Usage,
    actor,
    add_key,
    add_memo,
    case_line,
    case_result,
    entry,
    example,
    open_ledger,
)
from pointsledger.rules.flows import FLOWS
from pointsledger.workflows.steps import STEP_RULES

_INTEGER = frozenset({"rating", "positive"})
_LISTS = frozenset({"evidence", "members"})
_ENTRIES = frozenset({"entry"})


def _kinds() -> dict[str, str]:
    """Every step argument's name and kind: ``int``, ``list``, ``entry`` or ``text``."""
    kinds: dict[str, str] = {}
    for rules in STEP_RULES.values():
        for spec in rules.args.values():
            for name, arg in spec.items():
                check = getattr(arg.check, "__name__", "")
                kinds[name] = ("int" if check in _INTEGER else "list" if check in _LISTS
                               else "entry" if check in _ENTRIES else "text")
    return dict(sorted(kinds.items()))


STEP_ARGS = _kinds()
"""The options of ``step``: every workflow step's argument names and their kinds."""


def _steps_help() -> str:
    lines = ["steps and their options (docs/workflows.md and docs/matters.md tell who may "
             "take them):"]
    for flow, rules in STEP_RULES.items():
        parts = []
        for step, spec in rules.args.items():
            options = " ".join(f"--{n.replace('_', '-')}" + ("" if arg.required else "?")
                               for n, arg in spec.items())
            parts.append(f"{step} {options}".strip())
        lines.append(textwrap.fill(f"{flow}: " + "; ".join(parts), width=88,
                                   initial_indent="  ", subsequent_indent="      ",
                                   break_long_words=False, break_on_hyphens=False))
    lines.append("  (an option marked ? may be left out)")
    return "\n".join(lines)


def _step(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        case = entry(ledger, args.case)
        given: dict[str, Any] = {}
        for name, kind in STEP_ARGS.items():
            value = getattr(args, f"step_{name}")
            if value is None:
                continue
            given[name] = entry(ledger, value) if kind == "entry" else value
        event = ledger.step(case, args.step, by=actor(args), key=args.key, memo=args.memo,
                            **given)
        return case_result(ledger, event, case)


def _cases(args: argparse.Namespace) -> Result:
    if args.state is not None:  # a misspelt state would list "no cases", as if there were none
        flows = [FLOWS[args.flow]] if args.flow else list(FLOWS.values())
        states = sorted({state for flow in flows for state in flow.states})
        if args.state not in states:
            raise Usage(f"no state {args.state!r}"
                        + (f" in the {args.flow} flow" if args.flow else "")
                        + f"; the states: {', '.join(states)}")
    with open_ledger(args.file) as ledger:
        found = ledger.cases(args.flow, state=args.state, account=args.account)
        return Result(tuple(case_line(ledger, case) for case in found) or ("no cases",),
                      {"cases": [case.to_dict(ledger.tz) for case in found]})


def _case(args: argparse.Namespace) -> Result:
    with open_ledger(args.file) as ledger:
        case = ledger.case(entry(ledger, args.case))
        tz = ledger.tzinfo
        lines = [case_line(ledger, case), f"subject: {case.subject}", f"opened by {case.opened_by}"]
        for step, who, at in case.history:
            lines.append(f"  {step} by {who} at {_at(at, tz)}")
        if case.due_us:
            lines.append(f"due: {_at(case.due_us, tz)}")
        lines += [f"{name}: {_shown(value)}" for name, value in case.details]
        return Result(tuple(lines), {"case": case.to_dict(ledger.tz)})


def _shown(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def _at(us: int, tz: _dt.tzinfo) -> str:
    return _dt.datetime.fromtimestamp(us / 1_000_000, tz).isoformat(timespec="seconds")


def add(sub: argparse._SubParsersAction[Parser], common: Parser) -> None:
    """Add ``step``, ``cases`` and ``case``."""
    p = sub.add_parser(
        "step", help="take a workflow step on a claim, wish, order, deposit or matter",
        parents=[common],
        epilog=example("pointsledger step village.db claim/1 approve --key claim/1/approve "
                       "--by committee:c-01",
                       "pointsledger step village.db wish/1 confirm --rating 5 "
                       "--key wish/1/confirm --by resident:M002") + "\n\n" + _steps_help())
    p.add_argument("file")
    p.add_argument("case", help="the case: the id, number or --key of the event that "
                   "opened it")
    p.add_argument("step", help="the step's name (see below)")
    add_key(p)
    add_memo(p)
    options = p.add_argument_group("the step's arguments")
    for name, kind in STEP_ARGS.items():
        flag = f"--{name.replace('_', '-')}"
        dest = f"step_{name}"
        if kind == "int":
            options.add_argument(flag, dest=dest, type=int, metavar="N")
        elif kind == "list":
            options.add_argument(flag, dest=dest, action="append", metavar="VALUE",
                                 help="repeatable")
        elif kind == "entry":
            options.add_argument(flag, dest=dest, metavar="ENTRY",
                                 help="its id, number or key")
        else:
            options.add_argument(flag, dest=dest, metavar="TEXT")
    p.set_defaults(run=_step)

    p = sub.add_parser(
        "cases", help="list workflow cases, oldest first", parents=[common],
        epilog=example("pointsledger cases village.db --flow wish --state listed"))
    p.add_argument("file")
    p.add_argument("--flow", choices=sorted(STEP_RULES))
    p.add_argument("--state")
    p.add_argument("--account")
    p.set_defaults(run=_cases)

    p = sub.add_parser(
        "case", help="show one case: its state, steps taken and deadline", parents=[common],
        epilog=example("pointsledger case village.db claim/1"))
    p.add_argument("file")
    p.add_argument("case", help="the id, number or --key of the event that opened it")
    p.set_defaults(run=_case)
