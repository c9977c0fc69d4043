"""Rendering an error's fields as people-facing Chinese text, and as JSON-safe values.

Private to `pointsledger.errors`. Invariant: nothing here raises, whatever the field
values are (hostile strings, huge numbers, objects whose ``str`` fails, cyclic lists): a
template whose fields are missing or unrenderable yields None so the caller falls back to its
generic sentence, and every value has some display text and some JSON form.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import string
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, Final

MAX_TEXT: Final = 60
"""Longest display text of one field value (characters); longer values end in "…"."""

MAX_ITEMS: Final = 10
"""Most list entries shown in a message; the rest are counted."""

_MAX_DEPTH: Final = 8
_UNSAFE: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})

# ---- words --------------------------------------------------------------------------------

_PER: Final = {"day": "日", "week": "周", "month": "月", "quarter": "季度", "year": "年",
               "ever": "累计"}
_SCOPE: Final = {"item": "积分项目", "category": "积分类别"}
_FLOW: Final = {"claim": "积分申报", "wish": "微心愿", "order": "点单服务",
                "deposit": "时间银行存入"}
_STEP: Final = {
    "submit": "提交", "check": "初审", "approve": "审核通过", "reject": "驳回",
    "withdraw": "撤回", "object": "提出异议", "dismiss": "驳回异议", "uphold": "认定异议成立",
    "post": "入账", "appeal": "申诉", "dismiss_appeal": "驳回申诉",
    "uphold_appeal": "认定申诉成立", "list": "上墙", "take_down": "撤下", "restore": "重新上墙",
    "claim": "认领", "release": "放弃认领", "revoke": "撤销认领", "lapse": "认领超时",
    "fulfil": "点亮", "confirm": "确认", "close": "关闭", "place": "点单", "dispatch": "派单",
    "open": "开放抢单", "accept": "接单", "decline": "退单", "time_out": "超时退回",
    "cancel": "取消", "start": "开始服务", "finish": "完成服务", "rate": "评单",
}
_STATE: Final = {
    "submitted": "已提交", "checked": "已初审", "rejected": "已驳回", "withdrawn": "已撤回",
    "in_notice": "公示中", "objected": "有异议待处理", "posted": "已入账",
    "appealed": "申诉中", "reversed": "已冲正", "listed": "已上墙", "taken_down": "已撤下",
    "claimed": "已认领", "fulfilled": "已点亮", "confirmed": "已确认", "closed": "已关闭",
    "placed": "已点单", "open": "待接单", "dispatched": "已派单", "accepted": "已接单",
    "in_service": "服务中", "done": "已完成服务", "rated": "已评单", "cancelled": "已取消",
    "approved_once": "已一审通过", "deposited": "已存入",
}
_STATUS: Final = {"open": "待取货", "handed_over": "已交付", "cancelled": "已取消",
                  "timed_out": "已超时"}
_COMMAND: Final = {
    "adopt": "通过积分规则", "add_region": "新增区域", "register_household": "登记户",
    "register_member": "登记成员", "move_household": "调整户所属网格",
    "close_account": "注销账户", "move_member": "成员转户", "split_household": "分户",
    "merge_households": "合户", "member_leaves": "成员迁出", "member_returns": "成员迁回",
    "award": "加分", "deduct": "扣分", "reverse": "冲正",
    "close_period": "结账", "receive_stock": "物品入库", "adjust_stock": "盘点库存",
    "price_donated_goods": "捐赠物品定价",
    "redeem": "兑换", "reserve": "预约兑换", "hand_over": "取货交付",
    "cancel_reservation": "取消预约", "transfer": "转让积分", "spend_time": "使用时间银行时长",
    "donate_time": "转赠时间银行时长", "convert_time": "时长兑换积分",
}
_KIND: Final = {
    # region kinds
    "county": "县", "town": "镇（街道）", "village": "村", "community": "社区", "grid": "网格",
    "micro_grid": "微网格",
    # transfer kinds
    "member_to_household": "成员向本户转让积分", "household_to_household": "户与户之间转让积分",
    "household_to_community": "户向村集体捐赠积分",
    # event kinds
    "awarded": "加分", "deducted": "扣分", "reversed": "冲正", "redeemed": "兑换",
    "reserved": "预约兑换", "handed_over": "取货交付", "transferred": "积分转让",
    "expired": "积分过期", "stock_received": "物品入库", "stock_adjusted": "库存盘点",
    "rulebook_adopted": "通过积分规则", "region_added": "新增区域",
    "household_registered": "登记户", "member_registered": "登记成员",
    "household_moved": "调整网格", "account_closed": "注销账户", "stepped": "流程步骤",
    "time_moved": "时间银行记账", "period_closed": "结账",
}
_ROLE: Final = {
    "resident": "村民", "grid_worker": "网格员", "committee": "村两委", "party_member": "党员",
    "volunteer": "志愿者", "store_keeper": "超市管理员", "auditor": "审计", "unit_rep": "单位代表",
}

# ---- plain text ---------------------------------------------------------------------------


def number_text(n: int) -> str:
    """An integer as text; one too long for ``str`` (or for people) in scientific notation."""
    if -10**15 < n < 10**15:
        return int.__repr__(n)
    magnitude = abs(n)
    exponent = int(math.log10(magnitude))
    mantissa = magnitude / 10**exponent
    if mantissa >= 10:  # log10 rounded down one too few
        exponent, mantissa = exponent + 1, mantissa / 10
    return f"{'-' if n < 0 else ''}{mantissa:.4g}e{exponent}"


def clean(text: str) -> str:
    """``text`` cut to `MAX_TEXT` characters, with control, format (bidi overrides,
    zero-width) and surrogate characters shown as escapes, so a value cannot rearrange or
    break the sentence around it."""
    text = text[:MAX_TEXT * 2]
    if not text.isprintable() or any(unicodedata.category(c) in _UNSAFE for c in text):
        text = "".join(
            c if unicodedata.category(c) not in _UNSAFE and (c.isprintable() or c == " ")
            else f"\\u{ord(c):04x}" for c in text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def plain(value: object, depth: int = 0) -> str:
    """Display text of any value (never raises)."""
    try:
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, int):
            return number_text(int(value))
        if isinstance(value, float):
            return clean(float.__repr__(float(value)))
        if isinstance(value, str):
            return clean(str.__str__(value))
        if isinstance(value, (list, tuple, set, frozenset)) and depth < _MAX_DEPTH:
            entries = list(value)
            if isinstance(value, (set, frozenset)):
                entries.sort(key=lambda v: plain(v, depth + 1))
            shown = "、".join(plain(v, depth + 1) for v in entries[:MAX_ITEMS])
            more = len(entries) - MAX_ITEMS
            return shown + (f"等{len(entries)}项" if more > 0 else "") if entries else "无"
        return clean(str(value))
    except Exception:  # a value whose str() fails still gets a name
        return f"<{type(value).__name__}>"


# ---- field formatters ---------------------------------------------------------------------


def _word(words: Mapping[str, str]) -> Callable[[object], str | None]:
    def render(value: object) -> str | None:
        return words.get(value) if isinstance(value, str) else None
    return render


def _datetime(value: object) -> str | None:
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return _date(text)
        value = _dt.datetime.fromisoformat(text)
    if isinstance(value, _dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日 {value.hour:02d}:{value.minute:02d}"
    return _date(value)


def _date(value: object) -> str | None:
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value.strip())
    if isinstance(value, _dt.datetime):
        return _datetime(value)
    if isinstance(value, _dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return None


def _month(m: re.Match[str]) -> str | None:
    return f"{m[1]}年{int(m[2])}月" if 1 <= int(m[2]) <= 12 else None


def _week(m: re.Match[str]) -> str | None:
    return f"{m[1]}年第{int(m[2])}周" if 1 <= int(m[2]) <= 53 else None


_PERIOD_FORMS: Final[tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str | None]], ...]] = (
    (re.compile(r"(\d{4})"), lambda m: f"{m[1]}年"),
    (re.compile(r"(\d{4})-Q([1-4])"), lambda m: f"{m[1]}年第{m[2]}季度"),
    (re.compile(r"(\d{4})-(\d{2})"), _month),
    (re.compile(r"(\d{4})-W(\d{2})"), _week),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), lambda m: _date(m[0])),
)
"""Period labels (2026, 2026-Q1, 2026-03, 2026-W11, 2026-03-15) in Chinese; a label that
is not a real period (2026-13) is shown as given."""


def _period(value: object) -> str | None:
    if value == "ever":
        return "累计"
    if isinstance(value, str):
        for pattern, form in _PERIOD_FORMS:
            match = pattern.fullmatch(value)
            if match:
                return form(match)
    return None


def _limit(value: object) -> str | None:
    """A limit's counter as the store names it: ``"household H1"``, ``"member M1"``, "total"."""
    if value == "total":
        return "全村合计"
    if isinstance(value, str):
        scope, _, who = value.partition(" ")
        if who and scope in ("household", "member"):
            return f"{'户' if scope == 'household' else '成员'}「{plain(who)}」"
    return None


def _words_list(words: Mapping[str, str]) -> Callable[[object], str | None]:
    def render(value: object) -> str | None:
        if isinstance(value, (list, tuple, set, frozenset)):
            names = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
            if not names:
                return "无"
            return plain([words.get(v, v) if isinstance(v, str) else v for v in names])
        return None
    return render


def _command(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    if value in _COMMAND:
        return _COMMAND[value]
    flow, _, step = value.partition(".")
    if flow in _FLOW and step in _STEP:
        return f"{_FLOW[flow]}的“{_STEP[step]}”"
    return None


def _count(value: object) -> str | None:
    if isinstance(value, (list, tuple, set, frozenset)):
        return str(len(value))
    return None


_allowed = _words_list({**_ROLE, **_STEP})  # roles (permissions) or steps (workflows)


FORMATS: Final[dict[str, Callable[[object], str | None]]] = {
    "per": _word(_PER), "scope": _word(_SCOPE), "flow": _word(_FLOW), "state": _word(_STATE),
    "step": _word(_STEP), "status": _word(_STATUS), "kind": _word(_KIND), "command": _command,
    "parent_kind": _word(_KIND), "region_kind": _word(_KIND), "accepted": _words_list(_KIND),
    "allowed": _allowed, "period": _period, "limit": _limit, "problems": _count, "claims": _count,
    "occurred_at": _datetime, "now": _datetime, "closed_before": _datetime, "until": _datetime,
    "expired": _datetime, "as_of": _datetime, "day": _date, "effective_from": _date,
    "through": _date,
}
"""How a field is shown, by field name, when its value has the expected form (a period label,
an ISO time, a known word); any other value is shown by `plain()`."""


def display(name: str, value: object) -> str:
    """Display text of field ``name`` holding ``value`` (never raises)."""
    render = FORMATS.get(name)
    if render is not None:
        try:
            text = render(value)
        except Exception:  # not the expected form: show it as it is
            text = None
        if text:
            return text
    return plain(value)


@functools.lru_cache(maxsize=1024)
def _parse(template: str) -> tuple[tuple[str, str | None], ...]:
    return tuple((literal, name) for literal, name, _spec, _conv
                 in string.Formatter().parse(template))


def names(template: str) -> frozenset[str]:
    """The field names ``template`` uses."""
    return frozenset(name for _literal, name in _parse(template) if name is not None)


def fill(template: str, fields: Mapping[str, Any]) -> str | None:
    """``template`` with each ``{name}`` replaced by the display text of ``fields[name]``;
    None when a name is missing, None or empty, or the template is malformed."""
    try:
        parts: list[str] = []
        for literal, name in _parse(template):
            parts.append(literal)
            if name is None:
                continue
            value = fields.get(name)
            if value is None or value == "":
                return None
            parts.append(display(name, value))
        return "".join(parts)
    except Exception:
        return None


# ---- JSON ---------------------------------------------------------------------------------


def json_safe(value: object, depth: int = 0) -> Any:
    """``value`` as something ``json.dumps`` accepts and any JSON reader parses exactly:
    str, finite float, int, bool, None, lists and string-keyed dicts. Tuples and sets become
    lists (sets sorted), dates ISO text, records with ``to_dict()`` their dict, ints too long
    for ``str`` and NaN/infinity text, anything else ``str(value)`` (never raises)."""
    try:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            number = int(value)
            try:
                int.__repr__(number)
            except ValueError:  # longer than Python will print
                return number_text(number)
            return number
        if isinstance(value, float):
            real = float(value)
            return real if math.isfinite(real) else float.__repr__(real)
        if isinstance(value, str):
            return _json_text(str.__str__(value))
        if isinstance(value, (_dt.date, _dt.time)):
            return value.isoformat()
        if depth >= _MAX_DEPTH:
            return _json_text(str(value))
        if isinstance(value, Mapping):
            return {_json_key(k): json_safe(v, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [json_safe(v, depth + 1) for v in value]
        if isinstance(value, (set, frozenset)):
            return sorted((json_safe(v, depth + 1) for v in value), key=str)
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            return json_safe(to_dict(), depth + 1)
        return _json_text(str(value))
    except Exception:
        return f"<{type(value).__name__}>"


def _json_key(key: object) -> str:
    return _json_text(key) if isinstance(key, str) else plain(key)


def _json_text(text: str) -> str:
    """``text`` with lone surrogates escaped, so it encodes as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text
