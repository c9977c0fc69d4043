"""Masking names for public notices (公示): 张*明, 欧阳*明, 张*.

A public notice never shows a full name, an ID number or a phone number. The surname stays
(compound surnames such as 欧阳 or 司马 stay whole), the last character of the given name stays
when the given name has two or more characters, and everything between becomes ``*``.
"""

from __future__ import annotations

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
