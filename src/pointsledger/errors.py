"""Errors raised by pointsledger.

Every error derives from `PointsLedgerError` and from the built-in exception that fits
(``ValueError``, ``LookupError``, ``PermissionError``, ``RuntimeError``), so callers may catch
either. Each class has a stable machine ``code``, the ``http_status`` an API should answer with,
and keeps the structured facts of the failure in ``fields`` (also readable as attributes).
The English message (``str(error)``) names the offending value and what would be accepted;
`PointsLedgerError.message_for()` gives it in Chinese too, built from a per-class template
and the fields, and `PointsLedgerError.to_dict()` gives an API response body. A command
that raises writes nothing.

HTTP statuses: 400 the request itself is wrong (a bad argument or rulebook); 403 the actor may
not do it; 404 a named thing does not exist; 409 the request collides with what is already
recorded (a taken id or key, a second reversal, a case or reservation that moved on, another
writer); 422 a well-formed request that the village's rules refuse (caps, points, stock,
limits, eligibility, times, closed accounts, missing evidence); 500 the stored log is broken;
503 the store cannot be used now.

Invariant: ``message_for`` and ``to_dict`` never raise for any field values; a Chinese template
whose fields are missing gives way to the next, and finally to the class's generic sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from pointsledger._error_text import fill, json_safe

LOCALES: Final = ("zh", "en")
"""The message languages: Chinese (the default for people-facing text) and English."""


class PointsLedgerError(Exception):
    """Base class of every pointsledger error.

    Attributes:
        code: stable machine-readable code of the error class.
        http_status: the HTTP status an API should answer with (400, 403, 404, 409, 422, 500
            or 503).
        zh_templates: Chinese message templates, tried in order; ``{name}`` is the field
            ``name``. The first whose fields are all present is used.
        zh_generic: the Chinese message when no template fits.
        fields: structured facts of the failure (the bad value, the limit, ...).
        message: the English message, as ``str(error)``.
    """

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500
    zh_templates: ClassVar[tuple[str, ...]] = ()
    zh_generic: ClassVar[str] = "操作未能完成，请联系系统管理员。"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, Any] = fields

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.fields))

    def message_for(self, locale: str = "zh") -> str:
        """The message for people, in ``locale``.

        Chinese fills the first of the class's `zh_templates` whose fields are all
        present (values shown readably: periods as 2026年3月, times as 2026年3月16日 09:00, long
        or odd values cut and escaped), else gives `zh_generic`. English is the message
        the error was raised with (``str(error)``).

        Args:
            locale: ``"zh"`` (default) or ``"en"``.

        Returns:
            Non-empty text; never raises for any field values.

        Raises:
            ValidationError: ``locale`` is not one of `LOCALES`.
        """
        if _check_locale(locale) == "en":
            try:
                return str(self) or self.code
            except Exception:
                return self.code
        fields = self._fields()
        for template in self._zh_templates(fields):
            text = fill(template, fields)
            if text:
                return text
        return self.zh_generic

    def to_dict(self, locale: str = "zh") -> dict[str, Any]:
        """An API response body: ``{"code", "status", "message", "fields"}``.

        ``status`` is `http_status`, ``message`` is `message_for()` ``(locale)``;
        ``fields`` holds JSON-safe copies of `fields` (tuples and sets as lists, dates as
        ISO text, records through their ``to_dict()``, anything else as ``str()``), so the
        result always survives ``json.dumps``.

        Raises:
            ValidationError: ``locale`` is not one of `LOCALES`.
        """
        message = self.message_for(locale)
        fields = json_safe(dict(self._fields()))
        return {"code": self.code, "status": self.http_status, "message": message,
                "fields": fields if isinstance(fields, dict) else {}}

    def _fields(self) -> Mapping[str, Any]:
        fields = self.__dict__.get("fields")
        return fields if isinstance(fields, Mapping) else {}

    def _zh_templates(self, fields: Mapping[str, Any]) -> tuple[str, ...]:
        """The Chinese templates to try for these fields, best first."""
        return self.zh_templates


def _rebuild(cls: type[PointsLedgerError], message: str, fields: dict[str, Any]) -> Any:
    return cls(message, **fields)


def _check_locale(locale: object) -> str:
    if locale in LOCALES:
        return str(locale)
    raise ValidationError(f"locale must be one of {', '.join(LOCALES)}, got {locale!r}",
                          locale=locale)


class ValidationError(PointsLedgerError, ValueError):
    """An argument has the wrong type or value (empty key, naive datetime, bad code, ...)."""

    code = "invalid"
    http_status = 400
    zh_templates: ClassVar[tuple[str, ...]] = (
        "区域「{region}」在账本「{ledger_id}」中的名称或类型与其他账本不同，请各账本统一填写",
        "账本「{ledger_id}」重复提供：汇总时会重复计算",
        "没有可以分得{amount_fen}分的农户：各户的分配权重都是0",
        "{through}及以前的积分申报还有{claims}件在审核或公示中，请先处理完再结账",
        "积分项目「{item}」的分值是{points}分：加分项目请用加分，扣分项目请用扣分",
        "户「{account}」还有未注销的成员（{members}），请先注销这些成员",
        "账户「{account}」还有未办结的事项（{cases}），请先办结",
        "{parent_kind}「{parent}」下面不能设立{kind}：{kind}只能设在{accepted}下面",
        "「{parent}」下面不能设立{kind}",
        "账户「{account}」还有未取货的预约（{reservations}），请先交付或取消",
        "「{not_member}」是户，不是成员",
        "成员「{member}」已经在户「{in_household}」中",
        "成员「{member}」不是户「{not_in_household}」的成员",
        "户「{merge_into}」不能并入自己",
        "成员「{open_member}」没有迁出或注销，不需要迁回",
        "分户时按积分数（{points}）或按比例（{share}）只能选一种",
        "积分不能从「{source}」转给「{destination}」：只能由成员转给本户、户转给其他户，"
        "或由户捐给村集体",
        "时长要按{unit}分钟的整数倍兑换，{minutes}分钟不符合",
        "心愿价值{value}元，超过了该类别{cap}元的上限，请驳回或请心愿人调小心愿",
        "「{field}」填写有误（填写的是：{value}）",
        "「{field}」未填写或填写有误",
        "结账日期{through}不符合要求：只能结已经过去、且尚未结账的日期",
        "统计周期「{per}」无效，应为日、周、月、季度或年",
        "期间「{period}」的写法不对，应写成2026、2026-Q1、2026-03、2026-W11或2026-03-15",
        "时区「{tz}」无效，或与本账本的时区不一致",
        "星级评定按年（2026）或季度（2026-Q1）进行，不能按「{rating_period}」",
        "榜单行数须为不小于1的整数，收到的是{top}",
        "进程数须为不小于1的整数，收到的是{workers}",
        "图表格式须为png或svg，收到的是「{format}」",
        "图表只能写到文件路径或二进制文件对象，收到的是{target}",
        "missing_font须为error（报错）或warn（警告后照画），收到的是「{missing_font}」",
        "本机没有中文字体（{font}），图表里的中文无法显示：请安装{packages}，"
        "或用英文（locale='en'）绘制",
        "心愿状态「{state}」无效：可选wall（墙上的心愿）、all（全部）或心愿流程中的某个状态",
        "「{region}」是{region_kind}，不是网格或微网格：户只能登记在网格或微网格下",
        "「{region}」不是网格：户只能登记在网格或微网格下",
        "该户已经在网格「{grid}」中",
        "「{source}」不能把积分转给自己",
        "取货码与预约「{reservation}」不符",
        "时长只能转赠给本户的其他成员，「{to}」不是本户成员",
        "积分项目「{item}」是扣分项目，现行规则不通过申报公示扣分",
        "「{step}」这一步不能在这里办理",
        "事项「{case}」现在还不能办理这一步",
        "日期{as_of}晚于账本当前时间",
        "语言「{locale}」不受支持，可选zh（中文）或en（英文）",
        "文件夹「{folder}」不存在，无法在其中建立「{path}」",
        "文件「{path}」不可用：文件已存在或类型不对",
        "取值不符合要求：{value}",
        "有{problems}处内容不符合要求，请修改后重新提交",
    )
    zh_generic = "填写的内容不符合要求，请检查后重新提交。"


class RulebookError(ValidationError):
    """A rulebook or checklist item is inconsistent (duplicate codes, a bad cap, ...)."""

    code = "rulebook_invalid"
    http_status = 400
    zh_templates = (
        "积分规则「{version}」有{problems}处问题，不能通过，请修改后再提交",
        "新版积分规则不能从{effective_from}起生效：此后已按旧版规则记过分，生效日期要晚于最后一笔记分",
        "权限表中有不存在的操作「{command}」",
        "积分过期方式「{kind}」无效",
        "积分项目「{item}」是扣分项目，不能设置封顶",
        "专项活动「{campaign}」设置有误：起止日期、适用项目或加分方式不符合要求",
        "分红规则的计分依据「{basis}」无效，应为按积分（points）或按星级（stars）",
        "积分规则中「{field}」的值不符合要求（填写的是：{value}）",
        "积分规则缺少「{field}」或填写有误",
        "积分规则中有不符合要求的取值：{value}",
    )
    zh_generic = "积分规则（积分清单）有不一致或不符合要求的地方，请检查后重新提交。"


class NotFound(PointsLedgerError, LookupError):
    """Something named by a command does not exist."""

    code = "not_found"
    http_status = 404
    zh_templates: ClassVar[tuple[str, ...]] = (
        "服务菜单中没有「{service}」这项服务",
        "积分规则「{version}」中没有待遇「{benefit}」",
        "记录「{entry}」不是积分分红记录",
        "积分规则版本「{version}」尚未通过",
        "事项清单中没有事项「{matter}」",
        "数据库中没有账本「{ledger_id}」，请核对村（社区）账本的编号",
    )
    zh_generic = "没有找到要办理的对象，请核对后再试。"


class UnknownItem(NotFound):
    """The checklist item code is not in the rulebook in force."""

    code = "unknown_item"
    http_status = 404
    zh_templates = (
        "积分规则「{version}」中没有积分项目「{item}」",
        "积分清单中没有积分项目「{item}」",
    )
    zh_generic = "积分清单中没有这个项目。"


class UnknownReward(NotFound):
    """The reward code is not in the rulebook in force."""

    code = "unknown_reward"
    http_status = 404
    zh_templates = (
        "积分规则「{version}」的积分超市中没有奖品「{reward}」",
        "积分超市中没有奖品「{reward}」",
    )
    zh_generic = "积分超市中没有这件奖品。"


class UnknownAccount(NotFound):
    """The household or member id is not registered."""

    code = "unknown_account"
    http_status = 404
    zh_templates = ("找不到户或成员「{account}」，请核对编号（须为已登记、未注销的户或本户成员）",)
    zh_generic = "找不到这个户或成员，请核对编号。"


class UnknownRegion(NotFound):
    """The region code is not registered."""

    code = "unknown_region"
    http_status = 404
    zh_templates = ("找不到区域「{region}」，请核对村（社区）或网格的编号",)
    zh_generic = "找不到这个区域，请核对村（社区）或网格的编号。"


class UnknownEntry(NotFound):
    """The event id does not name an event of this ledger."""

    code = "unknown_entry"
    http_status = 404
    zh_templates = (
        "异议「{entry}」不在待处理的异议中（待处理的异议：{open}）",
        "找不到记录「{entry}」，请核对编号",
        "账本中没有第{seq}条记录",
    )
    zh_generic = "找不到这条记录，请核对编号。"


class NoRulebookInForce(NotFound):
    """No adopted rulebook version covers the time of a posting."""

    code = "no_rulebook"
    http_status = 422  # not a missing resource: the village has no rules for that time
    zh_templates = ("{occurred_at}时没有生效的积分规则，请核对发生时间，或先通过积分规则",)
    zh_generic = "没有生效的积分规则，请先经民主程序通过积分规则。"


class AlreadyExists(PointsLedgerError, ValueError):
    """A region, account or rulebook version with that identifier already exists."""

    code = "already_exists"
    http_status = 409
    zh_templates = (
        "积分规则版本「{version}」已经存在，请换一个版本号",
        "区域「{region}」已经存在",
        "户或成员「{account}」已经登记过了",
    )
    zh_generic = "要新增的对象已经存在。"


class PermissionDenied(PointsLedgerError, PermissionError):
    """The actor's roles do not allow the command, or separation of duties forbids it."""

    code = "permission_denied"
    http_status = 403
    zh_templates = (
        "「{actor}」没有{command}的权限，可以办理的角色：{allowed}",
        "「{actor}」不能为户「{household}」办理{command}",
        "「{actor}」属于户「{household}」，不能办理本户的事项「{case}」",
        "「{actor}」无权办理事项「{case}」",
        "「{volunteer}」不能承接这个服务单",
        "「{actor}」无权进行这项操作",
    )
    zh_generic = "没有权限进行这项操作。"


class CapExceeded(PointsLedgerError, ValueError):
    """An award would take an account past an item or category cap for a period."""

    code = "cap_exceeded"
    http_status = 422
    zh_templates = (
        "{scope}「{name}」每{per}最多得{cap}分，{period}已得{used}分，还可得{remaining}分，"
        "本次申请{requested}分",
        "「{name}」每{per}最多得{cap}分，{period}已得{used}分，还可得{remaining}分，"
        "本次申请{requested}分",
        "「{name}」每{per}最多得{cap}分，本次加分会超出封顶",
        "每{per}最多得{cap}分，本次加分会超出封顶",
    )
    zh_generic = "本次加分会超出封顶分值。"


class IdempotencyConflict(PointsLedgerError, ValueError):
    """The idempotency key was already used by a command with a different payload."""

    code = "idempotency_conflict"
    http_status = 409
    zh_templates = (
        "业务编号「{key}」已用于另一笔内容不同的记录（{event}），新的操作请换一个编号",
        "业务编号「{key}」已用于另一笔内容不同的操作，新的操作请换一个编号",
    )
    zh_generic = "这个业务编号已用于另一笔内容不同的操作，新的操作请换一个编号。"


class AlreadyReversed(PointsLedgerError, ValueError):
    """The entry has been reversed already; an entry is reversed at most once."""

    code = "already_reversed"
    http_status = 409
    zh_templates = (
        "记录「{entry}」已由「{reversal}」冲正，每条记录只能冲正一次",
        "记录「{entry}」已经冲正过，每条记录只能冲正一次",
    )
    zh_generic = "这条记录已经冲正过，每条记录只能冲正一次。"


class NotReversible(PointsLedgerError, ValueError):
    """The event is not a posting that can be reversed (for example, a reversal)."""

    code = "not_reversible"
    http_status = 422
    zh_templates = (
        "记录「{entry}」是{kind}记录，不能冲正：只有加分、扣分和兑换可以冲正",
        "记录「{entry}」不能冲正：只有加分、扣分和兑换可以冲正",
    )
    zh_generic = "这条记录不能冲正：只有加分、扣分和兑换可以冲正。"


class TimingError(PointsLedgerError, ValueError):
    """A time is outside what the ledger accepts (future, too far back, or in a closed period)."""

    code = "timing"
    http_status = 422
    zh_templates: ClassVar[tuple[str, ...]] = ("发生时间{occurred_at}不在账本允许的范围内",)
    zh_generic = "发生时间不在账本允许的范围内。"


class OccurredInFuture(TimingError):
    """``occurred_at`` is later than the ledger clock."""

    code = "occurred_in_future"
    http_status = 422
    zh_templates = (
        "发生时间{occurred_at}晚于当前时间{now}，不能登记还没发生的事",
        "发生时间{occurred_at}晚于当前时间，不能登记还没发生的事",
    )
    zh_generic = "发生时间晚于当前时间，不能登记还没发生的事。"


class BackdatedTooFar(TimingError):
    """``occurred_at`` is earlier than the ledger's backdating window allows, or so early that
    the points it would earn have already expired under the rulebook's expiry policy
    (``expires_at``)."""

    code = "backdated_too_far"
    http_status = 422
    zh_templates = (
        "发生时间{occurred_at}距今超过{window_days}天，超出了允许补录的期限",
        "发生时间{occurred_at}的积分已于{expires_at}过期清零，不能再补记",
        "发生时间{occurred_at}太早，超出了允许补录的期限",
    )
    zh_generic = "发生时间太早，超出了允许补录的期限。"


class PeriodClosed(TimingError):
    """``occurred_at`` falls in a period that has been closed (结账)."""

    code = "period_closed"
    http_status = 422
    zh_templates = (
        "发生时间{occurred_at}所在的期间已经结账（{closed_before}以前的账已结），不能再补记",
        "{effective_from}所在的期间已经结账，新规则不能从这一天起生效",
        "发生时间{occurred_at}所在的期间已经结账，不能再补记",
    )
    zh_generic = "该期间已经结账，不能再补记。"


class AccountClosed(PointsLedgerError, ValueError):
    """The account (or the household it belongs to) is closed."""

    code = "account_closed"
    http_status = 422
    zh_templates = ("户或成员「{account}」已注销（或所在的户已注销），不能再办理",)
    zh_generic = "该户或成员已注销，不能再办理。"


class BalanceNotZero(PointsLedgerError, ValueError):
    """An account with a non-zero balance cannot close unless told where the balance goes."""

    code = "balance_not_zero"
    http_status = 422
    zh_templates = (
        "账户「{account}」还有{balance}分积分余额，注销前请说明余额转给谁（其他账户，或退回村集体）",
    )
    zh_generic = "账户还有积分余额，注销前请说明余额转给谁（其他账户，或退回村集体）。"


class EvidenceRequired(PointsLedgerError, ValueError):
    """The checklist item requires evidence and none was given."""

    code = "evidence_required"
    http_status = 422
    zh_templates = (
        "积分项目「{item}」需要提供佐证材料（照片或文字说明）",
        "事项「{case}」需要提供佐证材料（照片或文字说明）",
    )
    zh_generic = "需要提供佐证材料（照片或文字说明）。"


class InsufficientPoints(PointsLedgerError, ValueError):
    """The account's available points (posted minus held) do not cover the cost."""

    code = "insufficient_points"
    http_status = 422
    zh_templates = (
        "账户「{account}」可用积分{available}分，本次需要{needed}分，积分不足",
        "可用积分{available}分，本次需要{needed}分，积分不足",
    )
    zh_generic = "可用积分不足。"


class OutOfStock(PointsLedgerError, ValueError):
    """The store has fewer units on hand (and not reserved) than asked for."""

    code = "out_of_stock"
    http_status = 422
    zh_templates = (
        "「{reward}」库存不足：可兑换{available}件，本次要兑换{asked}件",
        "「{reward}」盘点数为{on_hand}件，但已有{reserved}件被预约待取：请重新盘点，或先取消预约",
        "「{reward}」库存不足",
    )
    zh_generic = "库存不足。"


class LimitReached(PointsLedgerError, ValueError):
    """A per-household, per-member or total limit of a reward would be passed."""

    code = "limit_reached"
    http_status = 422
    zh_templates = (
        "「{reward}」限兑：{limit}{period}最多兑换{maximum}件，已兑换{used}件，本次要兑换{asked}件",
        "成员「{account}」时间银行已存{held}分钟，再存{requested}分钟会超过{cap}分钟的上限",
        "「{reward}」已达到兑换限额",
    )
    zh_generic = "已达到限额。"


class NotEligible(PointsLedgerError, PermissionError):
    """The household may not redeem now: ``reason`` is threshold, ban, day, window, or
    age_unknown (an age-priced reward without a member whose birth date is known)."""

    code = "not_eligible"
    http_status = 422
    zh_reasons: ClassVar[dict[str, tuple[str, ...]]] = {
        "threshold": (
            "户「{household}」目前积分（含基础分）为{score}分，未达到兑换所需的{needed}分",
            "时间银行存了{held}分钟，满{threshold}分钟才能兑换积分",
        ),
        "ban": ("户「{household}」因严重违反村规民约，{until}以前不能兑换",),
        "day": ("「{reward}」只在规定的兑换日兑换，{day}不是兑换日",),
        "window": ("{day}不在「{reward}」的兑换期内",),
        "transfer": ("现行积分规则没有开放{kind}",),
        "no_conversion": ("现行积分规则不允许把时间银行的时长兑换成积分",),
        "age_unknown": (
            "「{reward}」按年龄定价，成员「{member}」没有登记出生日期，请先补登出生日期",
            "「{reward}」按年龄定价，兑换时须指明是本户哪位成员（member）",
        ),
    }
    """Chinese templates by ``reason``, tried before `zh_templates`."""
    zh_templates = ("户「{household}」暂不符合兑换条件", "「{reward}」现在不能兑换")
    zh_generic = "暂不符合兑换条件。"

    def _zh_templates(self, fields: Mapping[str, Any]) -> tuple[str, ...]:
        reason = fields.get("reason")
        by_reason = self.zh_reasons.get(reason, ()) if isinstance(reason, str) else ()
        return by_reason + self.zh_templates


class ReservationExpired(PointsLedgerError, ValueError):
    """The reservation timed out before it was handed over."""

    code = "reservation_expired"
    http_status = 422
    zh_templates = ("这份预约已于{expired}过期，不能再取货",)
    zh_generic = "这份预约已过期，不能再取货。"


class AlreadyResolved(PointsLedgerError, ValueError):
    """The reservation was already handed over, cancelled or timed out."""

    code = "already_resolved"
    http_status = 409
    zh_templates = ("这份预约{status}，不能再办理",)
    zh_generic = "这份预约已经办结（已交付、已取消或已超时），不能再办理。"


class StateError(PointsLedgerError, ValueError):
    """A workflow step its transition table does not allow from the case's current state;
    ``state`` and ``allowed`` name where the case is and what it may do next."""

    code = "illegal_step"
    http_status = 409
    zh_templates = (
        "{flow}「{case}」目前{state}，不能{step}；现在可以办理：{allowed}",
        "{flow}「{case}」目前{state}，不能{step}",
        "事项「{case}」目前{state}，不能{step}",
    )
    zh_generic = "事项当前的状态下不能办理这一步。"


class DeadlinePassed(TimingError):
    """A step's window is over (an objection after the notice, an appeal after its window)."""

    code = "deadline_passed"
    http_status = 422
    zh_templates = (
        "事项「{case}」的办理期限已于{until}截止",
        "办理期限已于{until}截止",
    )
    zh_generic = "已超过办理期限。"


class InsufficientMinutes(PointsLedgerError, ValueError):
    """A time-bank account holds fewer minutes than the command needs."""

    code = "insufficient_minutes"
    http_status = 422
    zh_templates = (
        "成员「{account}」时间银行只有{held}分钟，不够本次的{requested}分钟",
        "时间银行只有{held}分钟，不够本次的{requested}分钟",
    )
    zh_generic = "时间银行的时长不足。"


class IntegrityError(PointsLedgerError, RuntimeError):
    """The stored log is not the chain it should be; ``seq`` names the first bad event."""

    code = "integrity"
    http_status = 500
    zh_templates = (
        "导入文件第{line}行有误（从第{seq}条记录起），文件可能被改动或不完整",
        "导入文件第{line}行有误，文件可能被改动或不完整",
        "账本校验未通过：从第{seq}条记录起数据被改动、缺失或顺序错乱，请联系管理员",
    )
    zh_generic = "账本校验未通过，数据可能被改动，请联系管理员。"


class ConcurrencyError(PointsLedgerError, RuntimeError):
    """Another writer appended to the store first; nothing was written by this call."""

    code = "concurrency"
    http_status = 409
    zh_templates = ()
    zh_generic = "有人同时在办理，本次没有保存，请稍后重试。"


class StoreError(PointsLedgerError, RuntimeError):
    """The storage backend cannot be used (not a pointsledger file, wrong format, ...)."""

    code = "store"
    http_status = 503
    zh_templates = ("账本文件「{path}」无法使用，请联系管理员",
                    "数据库中的积分记录表没有分区，不能按{partitions}个分区使用，请联系管理员",
                    "账本「{ledger_id}」的存储已关闭，请重新打开该账本")
    zh_generic = "账本存储暂时无法使用，请稍后再试或联系管理员。"
