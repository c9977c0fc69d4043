"""Display widths: how many columns a text takes in a spreadsheet or a terminal.

A wide or full-width character (Chinese, Japanese and Korean characters, full-width digits
and punctuation: Unicode East Asian Width ``W`` or ``F``) takes two columns, any other
character one, and combining marks none. A text's width is that of its widest line.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any


def display_width(text: str) -> int:
    """The columns ``text`` takes: wide characters count two, combining marks none; for
    several lines, the widest line.

    Examples: ``display_width("ENV-01") == 6``, ``display_width("环境卫生") == 8``.
    """
    return max((sum(0 if unicodedata.combining(ch) else
                    2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in text.splitlines() or [""]), default=0)


def column_widths(rows: Iterable[Sequence[Any]], *, least: int = 6, most: int = 60,
                  padding: int = 2) -> list[int]:
    """A width per column that fits its widest cell's text (``str()``, None as empty) plus
    ``padding``, kept between ``least`` and ``most``.

    Returns:
        One width per column of the longest row (an empty list for no rows).
    """
    widest: list[int] = []
    for row in rows:
        for n, value in enumerate(row):
            width = 0 if value is None else display_width(str(value))
            if n == len(widest):
                widest.append(width)
            elif width > widest[n]:
                widest[n] = width
    return [min(max(w + padding, least), most) for w in widest]
