"""Argument checks shared by records and commands; each raises ValidationError naming the field.

The rules (documented for people in ``docs/input.md``):

- **Identifiers** (accounts, households, members, regions, items, rewards, services, roles,
  actors, ledgers) are normalised to NFKC, so ``Ｈ００２`` (full width) is ``H002`` and an NFD
  ``Hé01`` is the NFC one; then they are 1 to `MAX_ID` characters of printable ASCII
  without spaces, or letters, marks and numbers of the scripts used in China (`ID_SCRIPTS`:
  Latin with its accents and pinyin tones, Han and the CJK punctuation, Bopomofo, Kana, Hangul,
  Tibetan, Mongolian, Arabic (Uyghur, Kazakh), Yi, Tai Le and New Tai Lue). Refused: control,
  format (zero-width, bidi controls, soft hyphen), surrogate, private-use and unassigned
  characters, white space, stray combining accents, and the scripts whose letters look like
  Latin ones (Cyrillic, Greek, Armenian, Cherokee, Lisu, ...), so ``Н001`` cannot pass for
  ``H001``.
- **Free text** (names, titles, memos, reasons, evidence) is normalised to NFC, at most
  `MAX_TEXT` characters, and refuses control characters, lone surrogates, line and
  paragraph separators and the bidi embedding, override and isolate controls (U+202A..U+202E,
  U+2066..U+2069). Multi-line fields (memos, descriptions, reasons, resolutions, notes) keep line
  feeds; a carriage return (CR LF, CR) becomes a line feed.
- **Numbers** are ints (not bools) within documented bounds (`MAX_QUANTITY`, ...).
- **Messages** quote at most `SHOWN` characters of a bad value (`shown()`).

The common case is cheap: an ASCII id or text is accepted by one C-level test, before any
Unicode work.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
import reprlib
import unicodedata
from typing import Final

from pointsledger.errors import ValidationError

MAX_ID: Final = 64
"""Longest identifier (characters, after normalisation)."""
MAX_KEY: Final = 200
"""Longest idempotency key (characters)."""
MAX_TEXT: Final = 2000
"""Longest free text (characters, after normalisation)."""
SHOWN: Final = 40
"""Most characters of a bad value a message quotes."""

MAX_QUANTITY: Final = 10_000
"""Most units in one award, deduction, claim, redemption or reservation."""
MAX_STOCK: Final = 10_000_000
"""Most units received into stock at once, or counted in stock."""
MAX_ITEM_POINTS: Final = 10_000
"""Most points (either sign) one unit of a checklist item is worth."""
MAX_POINTS: Final = 100_000_000
"""Most points moved by one posting or transfer (``MAX_ITEM_POINTS`` x ``MAX_QUANTITY``), and
the highest cost of a reward unit."""
MAX_VALUE: Final = 1_000_000
"""Highest estimated worth of a micro-wish (yuan)."""
MAX_MINUTES: Final = 1_000_000
"""Most time-bank minutes in one deposit or movement (about two years)."""
MAX_INT: Final = 2**53 - 1
"""Any other whole-number argument: the largest integer every JSON reader keeps exact."""

EARLIEST_BIRTH: Final = _dt.date(1900, 1, 1)
"""The earliest birth date accepted (the latest is the ledger's today)."""
EARLIEST_DAY: Final = _dt.date(2000, 1, 1)
"""The earliest effective or closing date accepted."""
LATEST_DAY: Final = _dt.date(2100, 12, 31)
"""The latest effective or closing date accepted."""
MAX_DURATION: Final = _dt.timedelta(days=36_525)
"""The longest look-ahead a query accepts (a century)."""

ID_SCRIPTS: Final = (
    (0x00C0, 0x01BF, "Latin"),  # Latin-1 letters, Extended-A, most of Extended-B
    (0x01C4, 0x024F, "Latin"),  # (without the click letters U+01C0..U+01C3, which look like |)
    (0x0600, 0x06FF, "Arabic"),
    (0x0F00, 0x0FFF, "Tibetan"),
    (0x1100, 0x11FF, "Hangul"),
    (0x1800, 0x18AF, "Mongolian"),
    (0x1950, 0x19DF, "Tai Le"),
    (0x1E00, 0x1EFF, "Latin"),  # Latin Extended Additional
    (0x2E80, 0x2FDF, "Han"),  # radicals
    (0x3001, 0x303F, "Han"),  # CJK symbols and punctuation, 々 〇
    (0x3040, 0x30FF, "Kana"),
    (0x3100, 0x312F, "Bopomofo"),
    (0x3130, 0x318F, "Hangul"),
    (0x31A0, 0x31BF, "Bopomofo"),
    (0x31F0, 0x31FF, "Kana"),
    (0x3400, 0x4DBF, "Han"),
    (0x4E00, 0x9FFF, "Han"),
    (0xA000, 0xA4CF, "Yi"),
    (0xAC00, 0xD7AF, "Hangul"),
    (0xF900, 0xFAFF, "Han"),
    (0x20000, 0x323AF, "Han"),
)
"""The code point ranges, beyond printable ASCII, whose letters, marks and numbers may appear in
an identifier: ``(first, last, script)``. Punctuation is allowed from the CJK block only."""

_STARTS = [first for first, _last, _script in ID_SCRIPTS]
_ASCII_ID = re.compile(rf"[!-~]{{1,{MAX_ID}}}").fullmatch
_BIDI = "\u202a-\u202e\u2066-\u2069"
_BAD_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]").search
_BAD_LINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff]").search
_KINDS = {"Cc": "a control character", "Cf": "an invisible formatting character",
          "Cs": "a surrogate", "Co": "a private-use character", "Cn": "an unassigned character",
          "Zs": "white space", "Zl": "a line separator", "Zp": "a paragraph separator"}
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = SHOWN
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxfrozenset = _repr.maxdict = 6
_repr.maxlevel = 3


# -- messages --------------------------------------------------------------------------------


def shown(value: object) -> str:
    """``value`` as a message quotes it: its ``repr`` (control, format and bidi characters
    escaped), cut to `SHOWN` characters and its length, e.g.
    ``'xxxx…'…(1,000,056 characters)``; containers show a few entries."""
    if isinstance(value, str):
        if len(value) <= SHOWN:
            return repr(value)
        return f"{value[:SHOWN]!r}…({len(value):,} characters)"
    try:
        text = _repr.repr(value)
    except Exception:  # a repr that fails says nothing worth quoting
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 2 * SHOWN else f"{text[:2 * SHOWN]}…"


def clipped(value: object) -> object:
    """``value`` for an error's structured fields: itself, unless it is a long string or a
    container (then the text `shown()` quotes)."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        if isinstance(value, str) and len(value) <= 2 * SHOWN:
            return value
        return shown(value)
    return value


def refused(what: str, message: str, value: object) -> ValidationError:
    """The error for the field ``what`` with ``message``, quoting ``value`` shortly."""
    return ValidationError(f"{what} {message}, got {shown(value)}", field=what,
                           value=clipped(value))


def _character(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".rstrip()


# -- identifiers -----------------------------------------------------------------------------


def check_id(value: object, what: str) -> str:
    """An identifier, normalised (NFKC): 1 to 64 visible characters of the allowed set.

    Returns:
        The normal form, which is the id: two spellings with one normal form are one id.

    Raises:
        ValidationError: not a string, empty, too long, or a refused character (named).
    """
    if type(value) is str and _ASCII_ID(value) is not None:
        return value
    return _slow_id(value, what)


def _slow_id(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise refused(what, "must be a string", value)
    if type(value) is not str:
        value = str.__str__(value)
    if not value or len(value) > 4 * MAX_ID:
        raise refused(what, f"must be 1 to {MAX_ID} characters", value)
    text = unicodedata.normalize("NFKC", value)
    if not text or len(text) > MAX_ID:
        raise refused(what, f"must be 1 to {MAX_ID} characters", value)
    for index, ch in enumerate(text):
        problem = _id_problem(ch, index)
        if problem:
            raise ValidationError(
                f"{what} may not contain {problem} ({_character(ch)}); an id is letters, digits "
                f"and punctuation without spaces, got {shown(value)}",
                field=what, value=clipped(value), character=f"U+{ord(ch):04X}")
    return text


def _id_problem(ch: str, index: int) -> str:
    """What is wrong with ``ch`` (a character of a normalised id) or ""."""
    code = ord(ch)
    if 0x21 <= code <= 0x7E:
        return ""
    category = unicodedata.category(ch)
    if category in _KINDS:
        return _KINDS[category]
    if code < 0x80:
        return "a control character"
    if code in (0x00B7, 0x30FB):  # middle dots (·, ・)
        return ""
    if 0x0300 <= code <= 0x036F:
        return "a combining accent without a letter it composes with"
    at = bisect.bisect_right(_STARTS, code) - 1
    if at < 0 or code > ID_SCRIPTS[at][1]:
        return "a character outside the scripts allowed in ids"
    if category[0] == "M" and index == 0:
        return "a combining mark at the start"
    if category[0] in "LMN" or (category[0] == "P" and 0x3001 <= code <= 0x303F):
        return ""
    return "a symbol or punctuation mark outside the CJK punctuation"


def check_account_id(value: object, what: str) -> str:
    """An account id chosen by an app: an identifier not starting with ``@`` (system accounts)."""
    text = check_id(value, what)
    if text.startswith("@"):
        raise refused(what, "may not start with '@' (reserved for system accounts)", value)
    return text


def check_code(value: object, what: str) -> str:
    """A code written in a rule record: an identifier already in its normal form (a record is
    not changed on the way in, so ``Ｈ００２`` is refused with the form to write instead).

    Raises:
        ValidationError: not an identifier, or not in normal form.
    """
    normal = check_id(value, what)
    if normal != value:
        raise refused(what, f"must be written in its normal form {normal!r}", value)
    return normal


# -- text ------------------------------------------------------------------------------------


SYSTEM_KEY = "@"
"""The first character of the keys the ledger writes under itself (its due jobs'); a caller's
key never starts with it, so no caller's key can take one first and block a due job."""


def check_key(value: object) -> str:
    """An idempotency key: 1 to 200 characters, not all blank, normalised (NFC), with no
    control, separator or bidi characters, not starting with `SYSTEM_KEY` (``@``)."""
    if (type(value) is str and 0 < len(value) <= MAX_KEY and value.isascii()
            and value.isprintable() and not value.isspace() and value[0] != SYSTEM_KEY):
        return value
    key = _slow_text(value, "key", MAX_KEY, required=True, multiline=False)
    if key.startswith(SYSTEM_KEY):
        raise refused("key", f"may not start with {SYSTEM_KEY!r} (the keys of the ledger's "
                      "own due jobs do)", value)
    return key


def check_text(value: object, what: str, *, required: bool = False,
               multiline: bool = False) -> str:
    """Free text (a name, a memo, a reason) of at most 2000 characters, normalised (NFC).

    Args:
        value: the text.
        what: the field's name, for the message.
        required: it must have a visible character.
        multiline: line feeds are allowed (CR LF and CR become LF).

    Raises:
        ValidationError: not a string, too long, empty when required, or a control, separator
            or bidi embedding/override/isolate character (named).
    """
    if (type(value) is str and len(value) <= MAX_TEXT and value.isascii()
            and value.isprintable() and (not required or (not value.isspace() and value))):
        return value
    return _slow_text(value, what, MAX_TEXT, required=required, multiline=multiline)


def _slow_text(value: object, what: str, most: int, *, required: bool, multiline: bool) -> str:
    if not isinstance(value, str):
        raise refused(what, "must be a string", value)
    if type(value) is not str:
        value = str.__str__(value)
    if len(value) > 4 * most:
        raise refused(what, f"must be at most {most:,} characters", value)
    text = value
    if multiline and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = (_BAD_LINES if multiline else _BAD_LINE)(text)
    if bad is not None:
        ch = bad.group()
        kind = ("a bidi control" if ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                else "a line break" if ch in "\n\r\u2028\u2029\x85"
                else _KINDS.get(unicodedata.category(ch), "a control character"))
        raise ValidationError(
            f"{what} may not contain {kind} ({_character(ch)}) at position {bad.start()}, got "
            f"{shown(value)}", field=what, value=clipped(value), character=f"U+{ord(ch):04X}")
    text = unicodedata.normalize("NFC", text)
    if len(text) > most:
        raise refused(what, f"must be at most {most:,} characters", value)
    if required and not any(_visible(ch) for ch in text):
        raise refused(what, "must not be empty", value)
    return text


def _visible(ch: str) -> bool:
    # unassigned (Cn) counts as visible: it may be a character newer than this Python knows
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Mn", "Me")


# -- numbers, dates, durations ---------------------------------------------------------------


def check_int(value: object, what: str, *, minimum: int | None = None,
              maximum: int = MAX_INT) -> int:
    """An integer (``bool`` is refused), at least ``minimum`` and at most ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise refused(what, "must be an integer", value)
    if minimum is not None and value < minimum:
        raise refused(what, f"must be at least {minimum:,}", value)
    if value > maximum:
        raise refused(what, f"must be at most {maximum:,}", value)
    return int(value)


def check_date(value: object, what: str, *, earliest: _dt.date | None = None,
               latest: _dt.date | None = None) -> _dt.date:
    """A calendar date (a datetime is refused: say which day, not which instant), within
    ``earliest`` .. ``latest`` when given."""
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise refused(what, "must be a date such as pendulum.date(2026, 1, 1)", value)
    day = _dt.date(value.year, value.month, value.day)
    if (earliest is not None and day < earliest) or (latest is not None and day > latest):
        raise ValidationError(
            f"{what} must be from {earliest or _dt.date.min} to {latest or _dt.date.max}, "
            f"got {day}", field=what, value=day.isoformat())
    return day


def check_day(value: object, what: str) -> _dt.date:
    """An effective or closing date: from `EARLIEST_DAY` to `LATEST_DAY`."""
    return check_date(value, what, earliest=EARLIEST_DAY, latest=LATEST_DAY)


def check_duration(value: object, what: str) -> _dt.timedelta:
    """A look-ahead: a ``timedelta`` from zero to `MAX_DURATION`.

    Raises:
        ValidationError: not a timedelta, negative, or longer.
    """
    if not isinstance(value, _dt.timedelta):
        raise refused(what, "must be a timedelta such as timedelta(days=30)", value)
    if not _dt.timedelta(0) <= value <= MAX_DURATION:
        raise refused(what, f"must be from 0 to {MAX_DURATION.days:,} days", value)
    return value

