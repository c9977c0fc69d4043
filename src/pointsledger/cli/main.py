"""The ``pointsledger`` command: a thin shell over the public API for a ledger in a SQLite file.

Exit codes: 0 success, 1 a refusal by the ledger or a bad file (with its message), 2 a usage
error, 130 Ctrl-C and 143 SIGTERM (each one line on stderr, and what the interrupted step had
begun is removed or rolled back, as for a failure). Bad input never ends in a traceback, and a
command that fails leaves no file and no
write behind: the commands that use a ledger check first, read-only, that the file is one (a
missing, empty or foreign file is refused untouched), and ``init`` removes what it created
when it fails.

The acting person is ``--by`` (an id, or ``ROLE[,ROLE]:ID``; default ``$POINTSLEDGER_ACTOR``,
else ``operator``) with the roles of ``--role`` (default: those in ``--by``, else
``$POINTSLEDGER_ROLES``, else ``committee,grid_worker,store_keeper``): the ledger authorises
them exactly as it does in an app. ``--json`` prints one JSON object: ``{"ok": true,
"command": ..., ...}`` or ``{"ok": false, "command": ..., "error": {"code", "status",
"message", "fields"}}``. ``-v`` logs the library's ``pointsledger`` logger to stderr.

The subcommands live in one module per practice (`.files`, `.points`,
`.store`, `.claims`, `.wishes`, `.orders`, `.timebank`,
`.matters`, `.cases`, `.registry`, `.report`, `.demo_command`);
`._common` holds what they share.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from pointsledger import __version__
from pointsledger.cli import (
    cases,
    claims,
    demo_command,
    files,
    matters,
    orders,
    points,
    registry,
    report,
    store,
    timebank,
    wishes,
)
from pointsledger.cli._common import (
    BadFile,
    ParseError,
    Parser,
    Progress,
    Result,
    Usage,
    common_options,
)
from pointsledger.errors import PointsLedgerError

__all__ = ["LOGGER", "Progress", "build_parser", "main"]

LOGGER = "pointsledger"
"""The library's logger, which ``-v`` sends to stderr."""

_MODULES = (files, points, store, claims, wishes, orders, timebank, matters, cases, registry,
            report, demo_command)


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser (one subcommand per task)."""
    parser = Parser(prog="pointsledger", description="积分制 + 清单制 points ledger (SQLite).",
                    epilog="Run 'pointsledger COMMAND --help' for a command's options and an "
                    "example. Exit codes: 0 ok, 1 refused by the ledger or a bad file, 2 a "
                    "usage error.")
    parser.add_argument("--version", action="version", version=f"pointsledger {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log to stderr (-v: info, -vv: debug)")
    common = common_options()
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser,
                                metavar="COMMAND")
    for module in _MODULES:
        module.add(sub, common)
    return parser


def _commands() -> set[str]:
    """The subcommands' names."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


@contextlib.contextmanager
def _logging(verbose: int) -> Iterator[None]:
    """With ``verbose``, the ``pointsledger`` logger's records on stderr for the command's
    run (INFO with one ``-v``, DEBUG with more); the handler is removed afterwards."""
    if not verbose:
        yield
        return
    logger = logging.getLogger(LOGGER)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


_log = logging.getLogger(f"{LOGGER}.cli")


def _run(args: argparse.Namespace) -> Result:
    """Run the subcommand, logging its arguments (DEBUG) and its outcome with the time it
    took (INFO), so that ``-v`` shows what the command did even when the library is quiet."""
    given = {name: value for name, value in sorted(vars(args).items())
             if name not in ("run", "command", "verbose", "json") and value not in (None, [])}
    _log.debug("%s %s", args.command, given)
    start = time.perf_counter()
    try:
        result: Result = args.run(args)
    except Exception as exc:
        _log.info("%s: refused after %.3f s: %s: %s", args.command,
                  time.perf_counter() - start, type(exc).__name__, exc)
        raise
    event = result.data.get("event")
    wrote = f", event {event['id']} ({event['kind']})" if isinstance(event, dict) else ""
    _log.info("%s: done in %.3f s%s", args.command, time.perf_counter() - start, wrote)
    return result


class _Terminated(BaseException):
    """SIGTERM, raised where the command is, so that what it made is removed as on Ctrl-C."""


@contextlib.contextmanager
def _stopped_cleanly() -> Iterator[None]:
    """Within the block, SIGTERM (``kill``, a service manager stopping the command) raises
    `_Terminated` instead of ending the process on the spot: the command's ``finally``
    blocks and `removed_on_failure` run, as they do for Ctrl-C, and the
    half-written file goes. Only the main thread can set a handler; elsewhere the block runs
    as it is. The previous handler comes back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, _frame: object) -> None:
        raise _Terminated(signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json(data: dict[str, Any]) -> str:
    """``data`` as one line of JSON that is valid UTF-8: readable Chinese, and a lone surrogate
    (a byte of a file name that is not UTF-8, as Python passes it in ``argv``) as its escape,
    which a strict output stream could not write and a JSON reader could not read."""
    text = json.dumps(data, ensure_ascii=False)
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _failed(args: argparse.Namespace, stream: TextIO, line: str, error: dict[str, Any],
            code: int) -> int:
    print(f"pointsledger {args.command}: {line}", file=sys.stderr)
    if args.json:
        print(_json({"ok": False, "command": args.command, "error": error}), file=stream)
    return code


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    stream = out or sys.stdout
    if stream is sys.stdout and getattr(stream, "errors", None) == "strict":
        # a file name that is not UTF-8 must not end the command in a UnicodeEncodeError
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(words)
    except ParseError as exc:
        if "--json" in words:  # the object a script asked for, even before parsing succeeded
            _, _, command = exc.prog.partition(" ")
            # the main parser reports a subcommand's unknown options: name the subcommand
            command = command or next((w for w in words if w in _commands()), "")
            print(_json({"ok": False, "command": command or None, "error": {
                "code": "usage", "status": 400, "message": exc.message, "fields": {}}}),
                file=stream)
        raise
    try:
        with _stopped_cleanly(), _logging(args.verbose):
            result: Result = _run(args)
            if args.json:
                print(_json({"ok": True, "command": args.command, **result.data}),
                      file=stream)
            else:
                result.write(stream)
    except Usage as exc:
        return _failed(args, stream, f"error: {exc}",
                       {"code": "usage", "status": 400, "message": str(exc), "fields": {}}, 2)
    except BadFile as exc:
        return _failed(args, stream, f"error: {exc}",
                       {"code": "bad_file", "status": 400, "message": str(exc),
                        "fields": {}}, 1)
    except PointsLedgerError as exc:
        return _failed(args, stream, f"{type(exc).__name__} [{exc.code}]: {exc.message}",
                       exc.to_dict("en"), 1)
    except KeyboardInterrupt:  # Ctrl-C: one line, no traceback; what the command made is gone
        return _failed(args, stream, "interrupted",
                       {"code": "interrupted", "status": 499, "message": "interrupted",
                        "fields": {}}, 128 + signal.SIGINT)
    except _Terminated:
        return _failed(args, stream, "terminated (SIGTERM)",
                       {"code": "terminated", "status": 499, "message": "terminated",
                        "fields": {}}, 128 + signal.SIGTERM)
    except BrokenPipeError:
        # the reader went away (``pointsledger report ... | head``): stop quietly, as Unix tools
        # do, and keep the interpreter's final flush from failing on the closed pipe too
        if stream is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        return _failed(args, stream, f"error: {exc}", {"code": "os_error", "status": 500,
                                                "message": str(exc), "fields": {}}, 1)
    except UnicodeError as exc:  # a file that is not UTF-8 text the importers did not catch
        return _failed(args, stream, f"error: not UTF-8 text: {exc}",
                       {"code": "not_utf8", "status": 400, "message": str(exc),
                        "fields": {}}, 1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
