"""The demo's rulebook: what the villages of the demo county adopted for 2025.

A 54-item checklist in 11 categories modelled on the public practice in DOMAIN.md (item values
of 2 to 30 points, monthly caps, 村规民约 deductions), the points store (1 point = 1 yuan; the
canteen's three set meals at 10, 12 and 15 yuan, 20% off from age 60 and free from 75), claims
with a 7-day 公示, micro-wishes, a service menu, the time bank, star tiers and the stated
expiry policy: every point awarded in 2025 is cleared at the year end (年底清零), so the points
store's last open days of December are when households spend. The 清单制 lists are a small
set written here (村级工程项目 under 四议两公开, 集体资金使用, 低保申请协办, 医保参保登记, and two
negative-list entries).
"""

from __future__ import annotations

from typing import Final

from pointsledger.rules.catalogue import Limit, PriceRule, RatingPolicy, Reward, StorePolicy
from pointsledger.rules.checklist import Cap, ChecklistItem
from pointsledger.rules.example_lists import village_lists
from pointsledger.rules.expiry import ExpiryPolicy
from pointsledger.rules.matters import Matter
from pointsledger.rules.procedures import (
    ClaimPolicy,
    Service,
    ServicePolicy,
    TimeBankPolicy,
    WishCategory,
    WishPolicy,
)
from pointsledger.rules.rulebook import Rulebook

YEAR: Final = 2025
"""The simulated year."""

_ITEMS: Final = [
    # code, title, category, points, unit, monthly cap (None: uncapped), evidence, serious
    ("ENV-01", "庭院环境整洁", "环境卫生", 5, "每次检查", 20, False, False),
    ("ENV-02", "落实门前三包", "环境卫生", 3, "每次检查", 12, False, False),
    ("ENV-03", "参与人居环境整治", "环境卫生", 5, "每人次", 20, False, False),
    ("ENV-04", "垃圾分类投放规范", "环境卫生", 2, "每次检查", 8, False, False),
    ("ENV-05", "改厕后维护良好", "环境卫生", 5, "每次检查", 10, False, False),
    ("ENV-06", "植树护绿", "环境卫生", 3, "每人次", 9, False, False),
    ("VOL-01", "参加志愿服务", "志愿服务", 5, "每人次", 20, False, False),
    ("VOL-02", "参加治安巡逻", "志愿服务", 10, "每次", 30, False, False),
    ("VOL-03", "参与防汛抗旱", "志愿服务", 10, "每次", 30, False, False),
    ("VOL-04", "参与应急值守", "志愿服务", 5, "每次", 20, False, False),
    ("VOL-05", "参加义务劳动", "志愿服务", 5, "每人次", 20, False, False),
    ("VOL-06", "帮扶困难群众", "志愿服务", 5, "每次", 15, False, False),
    ("WISH-01", "认领并完成微心愿", "志愿服务", 10, "每个心愿", None, False, False),
    ("CUS-01", "婚事新办", "移风易俗", 10, "每次", None, True, False),
    ("CUS-02", "丧事简办", "移风易俗", 10, "每次", None, True, False),
    ("CUS-03", "不要高价彩礼", "移风易俗", 20, "每次", None, True, False),
    ("CUS-04", "文明祭扫", "移风易俗", 3, "每次", None, False, False),
    ("CUS-05", "拒绝封建迷信", "移风易俗", 5, "每次", None, False, False),
    ("HAR-01", "调解邻里纠纷", "邻里和睦", 5, "每次", 15, False, False),
    ("HAR-02", "孝老爱亲", "邻里和睦", 10, "每次", 10, False, False),
    ("HAR-03", "家庭和睦无纠纷", "邻里和睦", 5, "每季度", 5, False, False),
    ("HAR-04", "帮扶邻里", "邻里和睦", 3, "每次", 9, False, False),
    ("HAR-05", "评为好婆婆好媳妇", "邻里和睦", 20, "每次", None, True, False),
    ("DEM-01", "参加村民会议", "民主参与", 2, "每次", 6, False, False),
    ("DEM-02", "参加村民代表会议", "民主参与", 2, "每次", 6, False, False),
    ("DEM-03", "合理化建议被采纳", "民主参与", 5, "每条", 10, False, False),
    ("DEM-04", "参与村务监督", "民主参与", 3, "每次", 6, False, False),
    ("DEM-05", "参加党员活动日", "民主参与", 2, "每次", 4, False, False),
    ("LAW-01", "全年无违法犯罪", "遵纪守法", 10, "每年", None, False, False),
    ("LAW-02", "按时缴纳医保", "遵纪守法", 5, "每年", None, False, False),
    ("LAW-03", "参与平安建设宣传", "遵纪守法", 3, "每次", 6, False, False),
    ("LAW-04", "举报违法线索属实", "遵纪守法", 10, "每条", 20, True, False),
    ("LAW-05", "参与禁毒宣传", "遵纪守法", 2, "每次", 4, False, False),
    ("HON-01", "获村级表彰", "荣誉表彰", 5, "每项", None, True, False),
    ("HON-02", "获乡镇级表彰", "荣誉表彰", 10, "每项", None, True, False),
    ("HON-03", "获县级表彰", "荣誉表彰", 20, "每项", None, True, False),
    ("HON-04", "获市级以上表彰", "荣誉表彰", 30, "每项", None, True, False),
    ("HON-05", "子女考入大学", "荣誉表彰", 10, "每人", None, True, False),
    ("DON-01", "捐赠物品（每10元计1分）", "爱心捐赠", 1, "每10元", 30, False, False),
    ("DON-02", "捐款（每100元）", "爱心捐赠", 10, "每100元", 50, False, False),
    ("DON-03", "无偿献血", "爱心捐赠", 10, "每次", 10, True, False),
    ("SVC-01", "上门便民服务", "为民服务", 5, "每单", None, False, False),
    ("SVC-02", "陪护服务", "为民服务", 2, "每小时", None, False, False),
    ("TB-01", "时间银行兑换", "时间银行", 1, "每小时", None, False, False),
    ("COV-01", "焚烧秸秆", "村规民约", -5, "每次", None, False, False),
    ("COV-02", "乱倒垃圾", "村规民约", -5, "每次", None, False, False),
    ("COV-03", "乱搭乱建", "村规民约", -10, "每次", None, True, False),
    ("COV-04", "散养家禽影响环境", "村规民约", -3, "每次", None, False, False),
    ("COV-05", "酒驾醉驾", "村规民约", -20, "每次", None, True, True),
    ("COV-06", "参与赌博", "村规民约", -20, "每次", None, True, True),
    ("COV-07", "违反公共道德", "村规民约", -20, "每次", None, True, True),
    ("COV-08", "大操大办", "村规民约", -10, "每次", None, False, False),
    ("COV-09", "不赡养老人", "村规民约", -30, "每次", None, True, True),
    ("COV-10", "无故不参加义务劳动", "村规民约", -3, "每次", None, False, False),
]


MEALS: Final = (("MEAL-A", "长者食堂套餐A", 10), ("MEAL-B", "长者食堂套餐B", 12),
                ("MEAL-C", "长者食堂套餐C", 15))
"""The canteen's three set meals (code, title, yuan = points), priced by the eater's age."""

AGE_PRICES: Final = (PriceRule(60, 75, 80), PriceRule(75, None, 0))
"""60 to 74 pay 80% (20% off); 75 and over eat free."""

GOODS: Final = (("SOAP", "肥皂", 5, "日用品", [Limit(2, "week")]),
                ("DISH", "洗洁精", 20, "日用品", [Limit(2, "week")]),
                ("TISSUE", "抽纸（一提）", 50, "日用品", [Limit(1, "month")]),
                ("PASTE", "牙膏", 60, "日用品", [Limit(1, "month")]),
                ("POWDER", "洗衣粉", 100, "日用品", [Limit(1, "month")]),
                ("OIL", "食用油（5升）", 120, "粮油", [Limit(1, "quarter")]),
                ("RICE", "大米（10斤）", 150, "粮油", [Limit(1, "quarter")]))
"""The points store's goods: code, title, cost, category, limits per household."""

STAR_TIERS: Final = {1: 120, 2: 160, 3: 210, 4: 270, 5: 340}
"""星级文明户: the score (100 base points plus the year's net points) each star needs."""


def demo_matters() -> tuple[Matter, ...]:
    """The demo's 清单制 lists: the library's example village lists
    (`pointsledger.rules.example_lists.village_lists`), all five kinds."""
    return village_lists()


def demo_rulebook() -> Rulebook:
    """The demo's 2025 rulebook: 54 items in 11 categories, the points store with the canteen,
    claims with a 7-day notice, wishes, a service menu, a time bank, star tiers, year-end
    clearing and the 清单制 lists."""
    items = [ChecklistItem(code, title, category=category, points=points, unit=unit,
                           cap=Cap(cap, per="month") if cap else (),
                           evidence_required=evidence, serious=serious,
                           per_value=10 if code == "DON-01" else None)
             for code, title, category, points, unit, cap, evidence, serious in _ITEMS]
    rewards = [Reward(code, title, cost=cost, category=category, limits=limits)
               for code, title, cost, category, limits in GOODS]
    rewards += [Reward(code, title, cost=cost, category="长者食堂",
                       limits=[Limit(1, "day", "member")], price_rules=AGE_PRICES)
                for code, title, cost in MEALS]
    return Rulebook(
        f"{YEAR}", items,
        category_caps={"志愿服务": Cap(60, per="month"), "环境卫生": Cap(50, per="month")},
        rewards=rewards,
        store=StorePolicy(base_points=100, min_score=60, ban_years=1, reservation_days=3),
        expiry=ExpiryPolicy("year_end"),
        ratings=RatingPolicy(STAR_TIERS),
        claims=ClaimPolicy(review_tiers=2, notice_days=7, appeal_days=30),
        wishes=WishPolicy([WishCategory("物品", 200), WishCategory("服务")], claim_days=14,
                          item="WISH-01", list_days=60),
        services=ServicePolicy([
            Service("REPAIR", "家电维修", category="便民服务", item="SVC-01"),
            Service("HAIRCUT", "上门理发", category="助老服务", item="SVC-01"),
            Service("CARE", "老人陪护", category="助老服务", item="SVC-02", per="hour"),
        ], accept_hours=24, open_hours=48),
        timebank=TimeBankPolicy(item="TB-01", unit_minutes=60, threshold_minutes=600,
                                max_minutes=90_000),
        matters=demo_matters(),
    )
