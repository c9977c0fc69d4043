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
        "minutes": "分钟", "note": "备注", "code": "代码", "parent": "上级", "level": "层级",
        "case": "编号",
        "violations": "违规项目", "violation_count": "违规次数", "score": "得分",
        "stars": "星级", "serious": "严重违规", "stars_title": "星级文明户评定",
        "card": "积分卡（积分存折）", "member": "成员", "due": "截止", "state": "状态",
        "stars_none": "未评星", "unit_points": "分", "held": "预约占用", "posted": "已入账",
        "points_now": "当前积分", "star_count": "星数", "eligibility_title": "资格公示",
        "net_points": "净积分", "weight": "权重", "amount": "金额（元）",
        "distribution_title": "积分分红公示", "campaign": "专项活动",
        "matter_board": "事项办理看板", "matter_disclosure": "村务公开",
        "matter_list": "村级事项清单", "opened": "受理日期", "matter": "事项", "list": "清单",
        "step": "当前环节", "role": "责任主体", "deadline": "办理时限", "overdue": "是否逾期",
        "queries": "待答复质询", "request": "申请内容", "steps": "本期办理环节",
        "late": "逾期环节", "procedure": "办理流程", "basis": "依据",
        "matter_breakdown": "事项办理统计", "matter_step_days": "事项环节用时",
        "decision_record": "四议两公开记录", "done": "已办结", "withdrawn": "已撤回",
        "refused": "已拒绝", "ever_late": "曾逾期", "open_now": "办理中",
        "overdue_now": "当前逾期", "days_to_close": "中位办结用时(天)",
        "recorded_steps": "办理次数",
        "late_count": "逾期次数", "no": "序号", "stage": "环节", "evidence": "证据材料",
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
        "minutes": "minutes", "note": "note", "code": "code", "parent": "parent", "level": "level",
        "case": "case",
        "violations": "violations", "violation_count": "violation count", "score": "score",
        "stars": "stars", "serious": "serious violations",
        "stars_title": "Star households", "card": "Points card", "member": "member",
        "due": "due", "state": "state", "stars_none": "no star", "unit_points": "points",
        "held": "held", "posted": "posted", "points_now": "Points now",
        "star_count": "star count", "eligibility_title": "eligibility",
        "net_points": "net points", "weight": "weight", "amount": "amount (yuan)",
        "distribution_title": "Distribution", "campaign": "campaign",
        "matter_board": "Matter board", "matter_disclosure": "Village affairs disclosure",
        "matter_list": "Matter lists", "opened": "opened", "matter": "matter",
        "list": "list", "step": "current step", "role": "responsible", "deadline": "due by",
        "overdue": "overdue", "queries": "open queries", "request": "request",
        "steps": "steps this period", "late": "late steps", "procedure": "procedure",
        "basis": "basis", "matter_breakdown": "Matters",
        "matter_step_days": "Days per step", "decision_record": "Decision record",
        "done": "closed", "withdrawn": "withdrawn", "refused": "refused",
        "ever_late": "ever late", "open_now": "open", "overdue_now": "overdue now",
        "days_to_close": "median days to close",
        "recorded_steps": "recorded", "late_count": "went overdue", "no": "no.",
        "stage": "step", "evidence": "evidence",
    },
}


TERMS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        # region kinds
        "county": "县", "town": "镇（街道）", "village": "村", "community": "社区",
        "grid": "网格", "micro_grid": "微网格",
        # case states of the claim, wish, order and deposit flows
        "submitted": "已提交", "checked": "已初审", "in_notice": "公示中", "objected": "有异议",
        "rejected": "未通过", "withdrawn": "已撤回", "posted": "已入账", "appealed": "申诉中",
        "reversed": "已冲正", "listed": "待认领", "taken_down": "已下架", "claimed": "已认领",
        "lapsed": "已过期", "fulfilled": "已点亮", "confirmed": "已确认", "closed": "已办结",
        "placed": "已点单",
        "open": "待接单", "dispatched": "已派单", "accepted": "已接单", "cancelled": "已取消",
        "in_service": "服务中", "done": "已完成", "rated": "已评价",
        "approved_once": "一审通过", "deposited": "已存入",
        # event kinds
        "ledger_created": "建账", "rulebook_adopted": "通过积分规则",
        "region_added": "新增区域", "household_registered": "登记农户",
        "member_registered": "登记成员", "household_moved": "迁户",
        "account_closed": "销户", "member_moved": "成员转户", "household_split": "分户",
        "households_merged": "合户", "member_left": "成员迁出", "member_returned": "成员迁回",
        "moved": "随成员转户", "awarded": "加分", "deducted": "扣分",
        "stepped": "办理", "distributed": "积分分红", "time_moved": "时间银行记账",
        "period_closed": "结账",
        "stock_received": "入库", "stock_adjusted": "库存调整", "redeemed": "兑换",
        "donation_received": "爱心捐赠入库", "donated_goods_priced": "捐赠物品定价",
        "handed_over": "领取", "reserved": "预约", "reservation_cancelled": "取消预约",
        "reservation_timed_out": "预约超时", "transferred": "转赠", "expired": "过期",
        # movement kinds and time-bank purposes
        "earned": "获得", "deposit": "存入", "spend": "支取", "donate": "捐赠",
        "convert": "兑换积分",
        # period kinds
        "year": "年", "quarter": "季度", "month": "月", "week": "周", "day": "日",
        # system accounts
        "@pool": "村集体", "@penalty": "扣分", "@store": "积分超市", "@community": "村集体",
        "@expired": "过期清零", "@timebank": "时间银行",
        # flows
        "claim": "申报", "wish": "微心愿", "order": "点单服务", "matter": "清单事项",
        # matter lists (清单制)
        "self_governance": "村级自治事项", "assist_government": "协助政府事项",
        "petty_power": "小微权力清单", "public_service": "便民服务事项", "negative": "负面清单",
        # roles
        "resident": "居民", "grid_worker": "网格员", "committee": "村两委",
        "party_member": "党员", "volunteer": "志愿者", "store_keeper": "超市管理员",
        "auditor": "审计", "unit_rep": "单位代表", "party_branch": "村党支部",
        "party_members_meeting": "党员大会", "villager_representatives": "村民代表会议",
        "supervision_committee": "村务监督委员会",
    },
}
"""Chinese words for the English codes a report prints (region kinds, case states, event
kinds, movement kinds, time-bank purposes, flows, matter lists, roles). English reports print
the codes."""


def term(word: str, locale: str = "zh") -> str:
    """``word`` (a region kind, case state, event kind, ...) in ``locale``'s words.

    Under ``"zh"`` the Chinese word (``in_notice`` → ``公示中``, ``grid`` → ``网格``); under
    ``"en"`` the stable English code itself (``in_notice``), which is also what filters take.
    Unknown words come back unchanged.

    Raises:
        ValidationError: a locale other than "zh" or "en".
    """
    labels(locale)
    if locale == "en":
        return word
    return TERMS["zh"].get(word, word)


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
