"""Masking personal data for public notices (公示): names (张*明, 欧阳*明, 张*), and the
names, phone numbers and ID numbers people type into free text (a wish's title, ...).

A public notice never shows a full name, an ID number or a phone number. The surname stays
(compound surnames such as 欧阳 or 司马 stay whole), the last character of the given name stays
when the given name has two or more characters, and everything between becomes ``*``.

`mask_text()` masks free text: every 18-character ID number (身份证号), mainland mobile
number (11 digits starting 1[3-9], with or without +86 and separators) and landline number
(an area code starting 0 and a 7- or 8-digit number) becomes ``*`` throughout, and every
registered name it is given is masked as `mask_name()` masks it.

Invariants (property-tested): masking is pure and keeps the text's length, each character
either kept or replaced by ``*``; a masked text contains none of the phone numbers, ID
numbers or registered names (two characters or more) of the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

COMPOUND_SURNAMES: Final = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "申屠",
    "太史", "闻人", "澹台", "公冶", "宗政", "濮阳", "淳于", "单于", "赫连", "钟离", "万俟",
})


def mask_name(name: str) -> str:
    """The name as a public notice may show it.

    Examples: 张三明 → 张*明, 欧阳明 → 欧阳*, 欧阳小明 → 欧阳*明, 张三 → 张*, 张 → *.
    """
    name = name.strip()
    if len(name) <= 1:
        return "*"
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    given = name[len(surname):]
    if len(given) <= 1:
        return surname + "*"
    return surname + "*" * (len(given) - 1) + given[-1]


ID_NUMBER: Final = re.compile(r"\d{17}[\dXx]")
"""An 18-character ID number (居民身份证号码): 17 digits and a check digit or X."""

MOBILE: Final = re.compile(r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}")
"""A mainland mobile number: 1[3-9] and 9 more digits, optionally +86 and ``-`` or space
between the groups (138 1234 5678)."""

LANDLINE: Final = re.compile(r"(?:\(0\d{2,3}\)|0\d{2,3})[ -]?[2-9]\d{6,7}(?:-\d{1,6})?")
"""A mainland landline: an area code (010, 0731, (0731)), optionally ``-`` or a space, a 7- or
8-digit number and optionally an extension (-801)."""

_NUMBERS: Final = (ID_NUMBER, MOBILE, LANDLINE)


def _stars(match: re.Match[str]) -> str:
    return "*" * len(match.group())


def mask_numbers(text: str) -> str:
    """``text`` with every ID number, mobile and landline number replaced by as many ``*``.

    Examples: ``"电话13812345678"`` → ``"电话***********"``,
    ``"座机 0731-4567890"`` → ``"座机 ************"``.
    """
    for pattern in _NUMBERS:
        text = pattern.sub(_stars, text)
    return text


class _Names(frozenset[str]):
    """Names already made maskable (so a report checks its names once, not once a row)."""


def maskable_names(names: Iterable[str]) -> frozenset[str]:
    """The names `mask_text()` can look for: stripped, two characters or more, and
    without ``*`` (a one-character name would mask that character everywhere). Pass the
    result to `mask_text()` for many texts and the names are checked only once."""
    if isinstance(names, _Names):
        return names
    return _Names(n for n in (name.strip() for name in names) if len(n) >= 2 and "*" not in n)


def mask_text(text: str, names: Iterable[str] = ()) -> str:
    """Free text (a wish's title or description, ...) as a public notice may show it: ID,
    mobile and landline numbers become ``*``, and each of ``names`` (the registered people's
    names) found in it is masked like `mask_name()` (张三明 → 张*明). The longest name
    starting at a place wins, and masking repeats until no name is left, so text formed where
    a masked name meets the next one is masked too.

    Args:
        text: the free text.
        names: registered names; those `maskable_names()` leaves out are not looked for.

    Returns:
        The masked text, as long as ``text``.

    Examples: ``mask_text("帮张三明修屋顶，电话13812345678", ["张三明"])`` →
    ``"帮张*明修屋顶，电话***********"``.
    """
    text = mask_numbers(text)
    wanted = maskable_names(names)
    if not wanted:
        return text
    lengths = sorted({len(n) for n in wanted}, reverse=True)
    while True:
        masked = _mask_names_once(text, wanted, lengths)
        if masked == text:
            return text
        text = masked


def _mask_names_once(text: str, names: frozenset[str], lengths: list[int]) -> str:
    parts: list[str] = []
    start = at = 0
    while at < len(text):
        for size in lengths:
            found = text[at:at + size]
            if len(found) == size and found in names:
                parts.append(text[start:at])
                parts.append(mask_name(found))
                at += size
                start = at
                break
        else:
            at += 1
    parts.append(text[start:])
    return "".join(parts)
