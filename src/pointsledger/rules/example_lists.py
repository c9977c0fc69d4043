"""One village's matter lists (清单制), realistic enough to adopt as they are or to start from.

`village_lists()` returns the five lists of a typical village, modelled on the published
小微权力清单 of counties that practise 清单制 (Ninghai's 36 items and those that followed):

- 村级自治事项: revising the 村规民约 (by 四议两公开, the villagers' meeting resolving), electing a
  villagers' group leader, and raising funds and labour by 一事一议;
- 协助政府事项: enrolling residents in the rural medical insurance, and the first check of
  an old-age allowance application;
- 小微权力清单: village construction projects (村级工程项目) and the use of collective funds
  (集体资金使用) by 四议两公开 with their implementation steps (tendering, contract, acceptance,
  payment; approval and payment), and the letting of collective assets;
- 便民服务事项: help with a 低保 (minimum living allowance) application, a proof of residence,
  and help applying for a disability card;
- 负面清单: certificates and acts a village must not issue or do.

Every matter passes `Rulebook.check()` with no
error, each procedure uses the library's roles (``party_branch``, ``committee``,
``party_members_meeting``, ``villager_representatives``, ``grid_worker``), and the village's
村务监督委员会 (``supervision_committee``) supervises every matter. The function returns new
records each call; the records are immutable, so a village adapts the lists by building its own
from them (``attrs.evolve``).
"""

from __future__ import annotations

from pointsledger.rules.matters import Matter, ProcedureStep, four_and_two


def _step(code: str, title: str, role: str, days: int, *, evidence: bool = True,
          calendar: bool = False) -> ProcedureStep:
    return ProcedureStep(code, title, role=role, evidence_required=evidence, days=days,
                         day_kind="calendar" if calendar else "working")


def _self_governance() -> tuple[Matter, ...]:
    return (
        Matter("ZZ-01", "村规民约修订", kind="self_governance", role="committee",
               steps=four_and_two(days=10), basis="《村民委员会组织法》第二十七条"),
        Matter("ZZ-02", "村民小组长推选", kind="self_governance", role="committee", steps=(
            _step("announce", "发布推选公告", "committee", 3),
            _step("elect", "村民小组会议推选", "villager_representatives", 10),
            _step("publish", "推选结果公示", "committee", 5, calendar=True),
        ), basis="《村民委员会组织法》第二十八条"),
        Matter("ZZ-03", "一事一议筹资筹劳", kind="self_governance", role="committee",
               steps=four_and_two([
                   _step("collect", "筹资筹劳登记", "committee", 20, calendar=True),
               ], days=7), basis="村民一事一议筹资筹劳管理办法"),
    )


def _assist_government() -> tuple[Matter, ...]:
    return (
        Matter("XZ-01", "城乡居民医保参保登记", kind="assist_government", role="grid_worker",
               steps=(
                   _step("register", "入户宣传登记", "grid_worker", 10, evidence=False),
                   _step("report", "汇总报送镇医保站", "committee", 5),
               ), basis="县医疗保障局年度参保工作通知"),
        Matter("XZ-02", "高龄津贴申请初审", kind="assist_government", role="committee",
               steps=(
                   _step("accept", "受理申请", "grid_worker", 2, evidence=False),
                   _step("check", "核实年龄户籍", "committee", 5),
                   _step("report", "报送镇民政办", "committee", 3),
               ), basis="省高龄津贴发放办法"),
    )


def _petty_power() -> tuple[Matter, ...]:
    return (
        Matter("XW-01", "村级工程项目", kind="petty_power", role="committee",
               steps=four_and_two([
                   _step("tender", "招标投标", "committee", 20, calendar=True),
                   _step("contract", "签订合同", "committee", 5),
                   _step("acceptance", "竣工验收", "committee", 10),
                   _step("payment", "工程款支付", "committee", 5),
               ], days=5), basis="村级小微权力清单第1项：村级工程项目"),
        Matter("XW-02", "集体资金使用", kind="petty_power", role="committee",
               steps=four_and_two([
                   _step("approve", "村务监督委员会审核", "supervision_committee", 3),
                   _step("pay", "报镇农经站审核支付", "committee", 5),
               ], days=5), basis="村级小微权力清单第5项：大额资金使用"),
        Matter("XW-03", "集体资产出租", kind="petty_power", role="committee",
               steps=four_and_two([
                   _step("auction", "公开招租", "committee", 15, calendar=True),
                   _step("contract", "签订租赁合同", "committee", 5),
               ], days=5), basis="村级小微权力清单第4项：集体资产资源处置"),
    )


def _public_service() -> tuple[Matter, ...]:
    return (
        Matter("BM-01", "低保申请协办", kind="public_service", role="committee", steps=(
            _step("accept", "受理申请", "grid_worker", 1, evidence=False),
            _step("survey", "入户调查", "grid_worker", 5),
            _step("appraise", "村民代表民主评议", "villager_representatives", 10),
            _step("publish", "评议结果公示", "committee", 7, calendar=True),
            _step("report", "报送镇民政办", "committee", 3),
        ), basis="《社会救助暂行办法》第十一条"),
        Matter("BM-02", "开具居住证明", kind="public_service", role="committee", steps=(
            _step("accept", "受理", "committee", 1, evidence=False),
            _step("issue", "核实并出具", "committee", 2),
        ), basis="村级组织依法出具的证明事项清单"),
        Matter("BM-03", "残疾人证代办", kind="public_service", role="grid_worker", steps=(
            _step("accept", "受理申请", "grid_worker", 1, evidence=False),
            _step("submit", "材料报送镇残联", "grid_worker", 5),
        ), basis="便民服务代办制度"),
    )


def _negative() -> tuple[Matter, ...]:
    return (
        Matter("FM-01", "开具无犯罪记录证明", kind="negative", role="committee",
               basis="由公安机关出具，村级组织不得出具"),
        Matter("FM-02", "开具亲属关系证明", kind="negative", role="committee",
               basis="不应由村级组织出具的证明事项清单"),
        Matter("FM-03", "以村集体名义为个人借贷提供担保", kind="negative", role="committee",
               basis="村集体经济组织财务管理规定"),
        Matter("FM-04", "未经四议两公开擅自处置集体资产", kind="negative", role="committee",
               basis="村级小微权力清单：负面事项"),
    )


def village_lists() -> tuple[Matter, ...]:
    """The five matter lists of one village, in the order `
    MATTER_KINDS` shows them: three 村级自治事项 (ZZ-01 村规民约修订 by 四议两公开, ZZ-02
    村民小组长推选, ZZ-03 一事一议筹资筹劳), two 协助政府事项 (XZ-01 医保参保登记, XZ-02
    高龄津贴申请初审), three 小微权力 items by 四议两公开 with their implementation steps (XW-01
    村级工程项目: tendering, contract, acceptance, payment; XW-02 集体资金使用; XW-03 集体资产出租),
    three 便民服务事项 (BM-01 低保申请协办, BM-02 开具居住证明, BM-03 残疾人证代办) and a 负面清单
    of four entries (FM-01 to FM-04).

    Returns:
        The matters, ready for ``Rulebook(..., matters=village_lists())``; ``Rulebook.check``
        finds no error in them.
    """
    return (*_self_governance(), *_assist_government(), *_petty_power(), *_public_service(),
            *_negative())
