"""What every subcommand shares: the parser class, the acting person, opening the ledger file,
naming an entry, times, and the result printed as text or as one JSON object.

A subcommand's ``run(args)`` returns a `Result`; `pointsledger.cli.main.main()`
prints it (its text lines, or with ``--json`` the object ``{"ok": true, "command": ...,
**data}``) and maps failures to exit codes: 1 for a refusal by the ledger or a bad file,
2 for a usage error.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import re
import sqlite3
import sys
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn, TextIO

import attrs
import pendulum

from pointsledger.base.actors import ROLES, Actor
from pointsledger.base.checks import check_id
from pointsledger.core.events import Event
from pointsledger.errors import UnknownEntry, ValidationError
from pointsledger.ledger.ledger import Ledger
from pointsledger.rules.flows import Case
from pointsledger.storage.sqlite import SIDE_FILES

DEFAULT_ROLES = "committee,grid_worker,store_keeper"
"""The acting person's roles when neither ``--role``, ``--by ROLE:ID`` nor
``$POINTSLEDGER_ROLES`` gives them."""


class Usage(Exception):
    """A usage error found after parsing (exit code 2)."""


class BadFile(Exception):
    """A file that is not what the command needs (exit code 1)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors exit with code 2 after the usage line, and whose
    epilog (the examples) keeps its line breaks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise ParseError(self.prog, message)


class ParseError(SystemExit):
    """A usage error found while parsing (exit code 2), with the subcommand's program name
    and the message, so that ``--json`` can print it as an object too."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(2)
        self.prog = prog
        self.message = message


Run = Callable[[argparse.Namespace], "Result"]
"""A subcommand: the parsed arguments in, what to print out."""


@attrs.frozen
class Result:
    """What a subcommand prints: ``lines`` as text, or ``data`` as JSON (``--json``).

    ``raw`` is printed as it is instead of ``lines`` (a report's rendered table or page)."""

    lines: tuple[str, ...] = ()
    data: dict[str, Any] = attrs.field(factory=dict)
    raw: str | None = None

    def write(self, out: TextIO) -> None:
        """Print the text form."""
        if self.raw is not None:
            out.write(self.raw if self.raw.endswith("\n") else self.raw + "\n")
        for line in self.lines:
            print(line, file=out)


def common_options() -> Parser:
    """The options every subcommand takes: the acting person, ``--json`` and ``-v``."""
    common = Parser(add_help=False)
    group = common.add_argument_group("acting person and output")
    group.add_argument(
        "--by", default=None,
        help="the acting person: ID, or ROLE[,ROLE]:ID with known roles (default: "
             "$POINTSLEDGER_ACTOR or operator)")
    group.add_argument(
        "--role", default=None,
        help="comma-separated roles of the acting person (default: the roles in --by, else "
             f"$POINTSLEDGER_ROLES, else {DEFAULT_ROLES})")
    group.add_argument("--json", action="store_true",
                       help="print one JSON object instead of text")
    group.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                       help="log to stderr (-v: info, -vv: debug)")
    return common


def actor(args: argparse.Namespace) -> Actor:
    """The acting person from ``--by`` and ``--role`` (see `parse_actor()`)."""
    return parse_actor(args.by, args.role)


def parse_actor(by: str | None, role: str | None) -> Actor:
    """The acting person.

    ``by`` is an id, or ``ROLE[,ROLE]:ID`` when every name before the first colon is a role
    the library knows (``committee:c-01``); ids may contain colons, so ``x:1`` is the id
    ``x:1``. ``role`` (comma-separated) overrides the roles of ``by``; without either, the
    roles are ``$POINTSLEDGER_ROLES`` or `DEFAULT_ROLES`.

    Raises:
        ValidationError: an id or role name the library refuses.
        Usage: a ``ROLE[,ROLE]:ID`` naming a known role with a name that is not one
            (``grid_worker,gird:g-07``), or no id after the colon (``committee:``).
    """
    text = by if by is not None else os.environ.get("POINTSLEDGER_ACTOR", "operator")
    roles_given: str | None = None
    prefix, colon, rest = text.partition(":")
    names = [r.strip() for r in prefix.split(",")]
    if colon and any(name in ROLES for name in names):
        # meant as ROLE[,ROLE]:ID: a misspelt role or a missing id must not turn the whole
        # text into an id acting with the default roles
        unknown = [name for name in names if name not in ROLES]
        if unknown:
            raise Usage(f"--by {text!r}: {', '.join(map(repr, unknown))} is not a role (the "
                        f"roles: {', '.join(sorted(ROLES))})")
        if not rest.strip():
            raise Usage(f"--by {text!r}: give the person's id after the colon, such as "
                        f"{prefix}:g-07")
        roles_given, text = prefix, rest
    if role is not None:
        roles_given = role
    if roles_given is None:
        roles_given = os.environ.get("POINTSLEDGER_ROLES", DEFAULT_ROLES)
    return Actor(text, roles=[r.strip() for r in roles_given.split(",") if r.strip()])


# -- times and dates ----------------------------------------------------------------------------


def when(text: str | None, ledger: Ledger) -> _dt.datetime:
    """A date and time in the ledger's zone (now when ``text`` is None).

    Raises:
        Usage: not a date and time, or one before 1970 (the Unix epoch).
    """
    if text is None:
        return ledger.now()
    try:
        parsed = pendulum.parse(text, tz=ledger.tz)
    except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
        raise Usage(f"not a date or time: {text!r} ({exc})") from None
    if not isinstance(parsed, pendulum.DateTime):
        raise Usage(f"not a date and time: {text!r}")
    if parsed.timestamp() < 0:  # the library reads these as "a closed period before 1970"
        raise Usage(f"not a date and time the ledger can hold: {text!r} is before 1970")
    return parsed


def occurred(args: argparse.Namespace, ledger: Ledger) -> _dt.datetime | None:
    """``--occurred-at``; without it None: the library then takes the time of the first
    recording, so that running the same command again is the same request."""
    return None if args.occurred_at is None else when(args.occurred_at, ledger)


def date(text: str) -> _dt.date:
    """A ``YYYY-MM-DD`` date.

    Raises:
        Usage: not one.
    """
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise Usage(f"not a date (YYYY-MM-DD): {text!r}") from None


# -- the ledger file ----------------------------------------------------------------------------

_SQLITE_MAGIC = b"SQLite format 3\x00"


def open_ledger(path: str, **kwargs: Any) -> Ledger:
    """Open an existing ledger file, after checking read-only that it holds a ledger (so that
    a missing, empty or foreign file is refused, not turned into a new ledger)."""
    check_ledger_file(path)
    return Ledger.open(path, **kwargs)


def check_ledger_file(path: str) -> None:
    """Refuse, writing nothing, a path that does not hold a pointsledger ledger.

    Raises:
        Usage: no such file.
        BadFile: a directory, an empty file, not a SQLite file, another application's
            SQLite file, or a ledger file without events.
    """
    file = Path(path)
    if not file.exists():
        raise Usage(f"no ledger file {path!r} (create one with: pointsledger init {path})")
    if not file.is_file():
        raise BadFile(f"{path!r} is not a file")
    with file.open("rb") as stream:
        magic = stream.read(len(_SQLITE_MAGIC))
    if not magic:
        raise BadFile(f"{path!r} is empty (0 bytes), not a ledger file; left as it is "
                      f"(a new ledger is made with: pointsledger init NEW_FILE)")
    if magic != _SQLITE_MAGIC:
        raise BadFile(f"{path!r} is not a ledger file (not a SQLite database); left as it is")
    try:
        db = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            has_events = {"meta", "events"} <= tables and bool(
                db.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise BadFile(f"{path!r} cannot be read as a ledger file: {exc}") from None
    if not {"meta", "events"} <= tables:
        raise BadFile(f"{path!r} is a SQLite file of another application, not a ledger; "
                      "left as it is")
    if not has_events:
        raise BadFile(f"{path!r} holds no ledger (no events); left as it is")


def input_files(**paths: str | None) -> None:
    """Refuse, as a usage error, an input file (a rulebook, a registry table) that does not
    exist; ``paths`` maps each option's name to the path given (None: not given).

    Raises:
        Usage: a path names nothing.
    """
    for option, path in paths.items():
        if path is not None and not Path(path).exists():
            raise Usage(f"no file {path!r} ({option.replace('_', '-')})")


def not_the_ledger(ledger_file: str, output: str) -> None:
    """Refuse an output path that is the ledger file itself or one of its side files (by
    name, through a symbolic link or a hard link): writing there would destroy the ledger.

    Raises:
        Usage: ``output`` is the ledger or a side file of it.
    """
    base = Path(ledger_file).resolve()
    target = Path(output)
    for suffix in ("", *SIDE_FILES):
        guarded = Path(str(base) + suffix)
        same = target.resolve() == guarded or (
            target.exists() and guarded.exists() and os.path.samefile(target, guarded))
        if same:
            what = "the ledger file" if not suffix else f"a side file ({suffix}) of the ledger"
            raise Usage(f"{output!r} is {what} {ledger_file!r}: writing there would destroy "
                        "the ledger; give another output file")


_ENTRY_ID = re.compile(r"e[0-9]+-[0-9a-f]+").fullmatch


def entry(ledger: Ledger, text: str) -> str:
    """The id of the event named by ``text``: an event id (``e42-1a2b3c4d5e6f``), a sequence
    number (``42``), or the idempotency key the event was written with (``claim/1``).

    Raises:
        UnknownEntry: no event by that id, number or key.
    """
    if _ENTRY_ID(text):
        return text
    if text.isdigit():
        try:  # "42" or fullwidth "４２"; a superscript "²" is a digit int() refuses: a key
            return ledger.event(int(text)).id
        except ValueError:
            pass
    found = ledger.event_for_key(text)
    if found is None:
        raise UnknownEntry(
            f"no event {text!r}: give an event id (e42-1a2b3c4d5e6f), a sequence number or "
            "the --key an event was written with", entry=text)
    return found.id


# -- results ------------------------------------------------------------------------------------


def event_line(event: Event) -> str:
    """An event as one line: its id and kind."""
    return f"{event.id}  {event.kind}"


def written(ledger: Ledger, event: Event, *more: str, **data: Any) -> Result:
    """The result of a command that wrote ``event``: its line and ``more`` lines, or in JSON
    ``{"event": ..., **data}``."""
    return Result((event_line(event), *more), {"event": event.to_dict(ledger.tz), **data})


def case_line(ledger: Ledger, case: Case) -> str:
    """A case as one line: its id, flow, state and the steps allowed next
    (`Ledger.next_steps`: the rulebook in force may switch some off)."""
    allowed = ledger.next_steps(case.id)
    following = f" (next: {', '.join(allowed)})" if allowed else ""
    return f"{case.flow} {case.id} for {case.account or '-'}: {case.state}{following}"


def case_result(ledger: Ledger, event: Event, case_id: str) -> Result:
    """The result of opening or stepping a case: the event, then the case as it now stands."""
    case = ledger.case(case_id)
    return written(ledger, event, case_line(ledger, case), case=case.to_dict(ledger.tz))


def with_balance(ledger: Ledger, event: Event, account: str) -> Result:
    """The result of a command that changed ``account``'s points: the event and its balance."""
    balance = ledger.balance(account)
    return written(ledger, event, str(balance), balance=balance.to_dict(ledger.tz))


def example(*lines: str) -> str:
    """An argparse epilog of examples."""
    return "example:\n" + "\n".join(f"  {line}" for line in lines)


def key(text: str) -> str:
    """A ``--key`` as typed: refused unless it reads as what it is, so that a key that only
    looks like an earlier one (``award/１`` for ``award/1``, a trailing space, a Cyrillic ``а``)
    cannot post the same thing twice. Spaces inside are fine.

    Raises:
        argparse.ArgumentTypeError: a key not in its normal form (NFKC), with white space at
            either end, or with a character an id may not have (named).
    """
    if text != text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} starts or ends with white space")
    normal = unicodedata.normalize("NFKC", text)
    if normal != text:
        raise argparse.ArgumentTypeError(
            f"{text!r} has characters that stand for others: type it as {normal!r}")
    for ch in text:
        if not ch.isascii():  # the characters an id may have (CJK yes, Cyrillic no)
            try:
                check_id(ch, "key")
            except ValidationError as exc:
                raise argparse.ArgumentTypeError(
                    f"{text!r}: {exc.message.split('; an id is')[0]}") from None
    return text


def add_key(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """``--key``, the idempotency key (running the same command again writes nothing)."""
    parser.add_argument("--key", required=required, type=key,
                        help="idempotency key: the same command again writes nothing"
                        + ("" if required else " (default: derived from the request)"))


def add_memo(parser: argparse.ArgumentParser) -> None:
    """``--memo``: free text recorded with the event."""
    parser.add_argument("--memo", default="", help="free text recorded with the event")


def non_empty(values: Iterable[str]) -> list[str]:
    """Comma-separated values split and stripped."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


class Progress:
    """A progress line on stderr for long work, drawn only when stderr is a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.shown = -1
        self.active = self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.active or total <= 0:
            return
        percent = done * 100 // total
        if percent != self.shown:
            self.shown = percent
            bar = "#" * (percent // 4)
            self.stream.write(f"\r{self.label} [{bar:<25}] {percent:3d}% ({done:,}/{total:,})")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
