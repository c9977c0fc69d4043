"""Report labels: Chinese by default, English with ``locale="en"``."""

from __future__ import annotations

from typing import Final

from pointsledger.errors import ValidationError

LABELS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "statement": "积分明细（一户一档）", "balances": "积分余额", "board_top": "红榜",
        "board_bottom": "黑榜", "categories": "分类汇总", "periods": "分期汇总",
        "rollup": "逐级汇总", "store": "积分超市汇总", "notice": "积分公示", "audit": "操作记录",
        "date": "日期", "seq": "序号", "entry": "事项", "category": "类别", "points": "积分",
        "balance": "余额", "actor": "经办人", "reason": "说明", "link": "冲正",
        "account": "账户", "household": "户", "name": "户主", "earned": "获得",
        "deducted": "扣除", "redeemed": "兑换", "expired": "过期", "pending": "公示中",
        "available": "可用", "rank": "名次", "item": "项目", "events": "次数",
        "households": "户数", "period": "期间", "change": "环比", "region": "区域",
        "kind": "类型", "participating": "参与户数", "rate": "参与率", "reward": "奖品",
        "units": "数量", "on_hand": "库存", "key": "键", "recorded": "记录时间",
        "anchor": "账本锚点（可核验）", "opening": "期初余额", "closing": "期末余额",
        "liability": "未兑换积分",
        "reverses": "冲正", "reversed_by": "已被冲正",
        "claims_notice": "申报公示", "notice_until": "公示截止", "objections": "异议",
        "wish_wall": "心愿墙", "wish": "心愿", "value": "价值(元)", "status": "状态",
        "wisher": "心愿人", "wish_board": "微心愿统计", "order_board": "点单服务统计",
        "count": "件数", "claimers": "认领排行", "fulfilled": "完成件数",
        "median_days": "中位用时(天)", "passbook": "时间银行存折", "counterparty": "对方",
        "minutes": "分钟", "note": "备注",
    },
    "en": {
        "statement": "Statement", "balances": "Balances", "board_top": "Honour board",
        "board_bottom": "Bottom board", "categories": "Points by category",
        "periods": "Points by period", "rollup": "Roll-up by region", "store": "Points store",
        "notice": "Public notice", "audit": "Audit trail",
        "date": "date", "seq": "seq", "entry": "entry", "category": "category",
        "points": "points", "balance": "balance", "actor": "actor", "reason": "reason",
        "link": "reversal", "account": "account", "household": "household", "name": "head",
        "earned": "earned", "deducted": "deducted", "redeemed": "redeemed",
        "expired": "expired", "pending": "pending", "available": "available", "rank": "rank",
        "item": "item", "events": "events", "households": "households", "period": "period",
        "change": "change", "region": "region", "kind": "kind",
        "participating": "participating", "rate": "participation", "reward": "reward",
        "units": "units", "on_hand": "on hand", "key": "key", "recorded": "recorded",
        "anchor": "ledger anchor (to verify)",
        "opening": "opening balance", "closing": "closing balance",
        "liability": "points still redeemable", "reverses": "reverses",
        "reversed_by": "reversed by",
        "claims_notice": "Claims in public notice", "notice_until": "notice until",
        "objections": "objections", "wish_wall": "Wish wall", "wish": "wish",
        "value": "value (yuan)", "status": "state", "wisher": "wisher",
        "wish_board": "Micro-wishes", "order_board": "Service orders", "count": "cases",
        "claimers": "Claimer ranking", "fulfilled": "fulfilled", "median_days": "median days",
        "passbook": "Time-bank passbook", "counterparty": "counterparty",
        "minutes": "minutes", "note": "note",
    },
}


def labels(locale: str) -> dict[str, str]:
    """The labels of ``locale`` ("zh" or "en").

    Raises:
        ValidationError: another locale.
    """
    try:
        return LABELS[locale]
    except KeyError:
        raise ValidationError(f"locale must be one of {', '.join(LABELS)}, got {locale!r}",
                              locale=locale) from None
