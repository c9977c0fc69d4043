"""Donations (爱心捐赠物品积分兑换) as practised, and the region tree's micro-grid level."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsledger import (
    Actor,
    AlreadyExists,
    Cap,
    CapExceeded,
    ChecklistItem,
    Ledger,
    ManualClock,
    PermissionDenied,
    Reward,
    Rulebook,
    RulebookError,
    UnknownEntry,
    UnknownReward,
    ValidationError,
    reports,
)
from pointsledger.core.events import Awarded
from pointsledger.core.store_events import DonationReceived
from pointsledger.rules.rulebook import rulebook_from_data, rulebook_to_data
from pointsledger.testing import check_invariants

from .test_ledger import refused

TZ = "Asia/Shanghai"
NOW = pendulum.datetime(2026, 3, 2, 10, tz=TZ)
COMMITTEE = Actor("c-01", roles={"committee"})
KEEPER = Actor("s-01", roles={"store_keeper"})

RULES = Rulebook(
    "don-2026",
    [
        ChecklistItem("DON-01", "捐赠物品", category="爱心捐赠", points=5, unit="每件"),
        ChecklistItem("DON-V", "爱心捐赠（按价值）", category="爱心捐赠", points=1,
                      per_value=10, cap=Cap(50, per="month")),
        ChecklistItem("COV-01", "乱倒垃圾", category="村规民约", points=-5),
    ],
    rewards=[Reward("SOAP", "肥皂", cost=5), Reward("POWDER", "洗衣粉", cost=20)],
)


@pytest.fixture
def ledger(backend: str) -> Iterator[Ledger]:
    """A village ledger with a store; its invariants are checked at the end."""
    clock = ManualClock(NOW)
    led = (Ledger.in_memory(clock=clock, tz=TZ) if backend == "memory"
           else Ledger.open(backend, clock=clock, tz=TZ))
    led.adopt(RULES, effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("V1", "东沙沟村", kind="village", by=COMMITTEE)
    led.add_region("G1", "第一网格", kind="grid", parent="V1", by=COMMITTEE)
    led.register_household("H1", grid="G1", head="张三", by=COMMITTEE)
    led.register_member("M1", household="H1", name="张小梅", by=COMMITTEE)
    yield led
    assert check_invariants(led) == []
    led.close()


# -- donations -----------------------------------------------------------------------------


def _award(ledger: Ledger, seq: int) -> Awarded:
    event = ledger.event(seq)
    assert isinstance(event, Awarded)
    return event


def test_a_donation_earns_its_points_per_unit(ledger: Ledger) -> None:
    """Ten bags of washing powder earn ten times what one soap earns (per-unit items)."""
    ten = ledger.receive_stock("POWDER", 10, donor="H1", donation_item="DON-01", by=KEEPER,
                               key="d1")
    assert _award(ledger, ten.seq + 1).points == 50
    one = ledger.receive_stock("SOAP", 1, donor="H1", donation_item="DON-01", by=KEEPER,
                               key="d2")
    assert _award(ledger, one.seq + 1).points == 5
    assert ledger.balance("H1").posted == 55 and ledger.stock("POWDER").on_hand == 10


def test_a_donation_by_value_earns_per_step_of_assessed_value(ledger: Ledger) -> None:
    """100 yuan of assessed value at 1 point per 10 yuan earns 10 points, whatever the
    quantity; below one step, or without a value, it is refused and nothing is written."""
    event = ledger.receive_stock("SOAP", 3, donor="M1", donation_item="DON-V", value=105,
                                 by=KEEPER, key="v1")
    assert isinstance(event, DonationReceived) and event.value == 105
    award = _award(ledger, event.seq + 1)
    assert (award.kind, award.account, award.quantity, award.points) == ("awarded", "M1", 10, 10)
    for value in (None, 9):
        def donate(value: int | None = value) -> object:
            return ledger.receive_stock("SOAP", 3, donor="M1", donation_item="DON-V",
                                        value=value, by=KEEPER, key="v2")
        exc = refused(ledger, ValidationError, donate)
        assert exc.fields["per_value"] == 10 and "10 yuan" in exc.message


def test_caps_apply_to_a_donors_award(ledger: Ledger) -> None:
    """A donation's award is a normal award: its caps apply and refuse the whole act."""
    ledger.receive_stock("SOAP", 1, donor="H1", donation_item="DON-V", value=400, by=KEEPER,
                         key="c1")
    exc = refused(ledger, CapExceeded, lambda: ledger.receive_stock(
        "SOAP", 1, donor="H1", donation_item="DON-V", value=200, by=KEEPER, key="c2"))
    assert exc.fields["remaining"] == 10
    assert ledger.stock("SOAP").on_hand == 1  # the refused donation put nothing into stock


def test_outside_donors_are_recorded_by_name_and_earn_nothing(ledger: Ledger) -> None:
    """An enterprise (爱心企业) without an account donates by name: stock goes up, no award,
    and an outside donor cannot be awarded."""
    head = ledger.head
    event = ledger.receive_stock("POWDER", 20, donor_name="爱心企业某某公司", value=600,
                                 by=KEEPER, key="e1")
    assert ledger.head == head + 1 and isinstance(event, DonationReceived)
    assert (event.donor, event.donor_name, event.value) == (None, "爱心企业某某公司", 600)
    assert ledger.stock("POWDER").on_hand == 20
    refused(ledger, ValidationError, lambda: ledger.receive_stock(
        "POWDER", 1, donor_name="县供销社", donation_item="DON-01", by=KEEPER, key="e2"))
    refused(ledger, ValidationError, lambda: ledger.receive_stock(
        "POWDER", 1, value=10, by=KEEPER, key="e3"))  # a value names no donor
    assert ledger.receive_stock("POWDER", 1, by=KEEPER, key="e4").kind == "stock_received"


@pytest.mark.parametrize("name", ["\u200b", "   ", "\u3000", "\u200b\u200d", "\u2060"])
def test_a_donor_name_without_a_visible_character_is_refused(ledger: Ledger, name: str) -> None:
    """A blank or zero-width donor name would record a donation by nobody (an outside donor is
    known by the name alone) or hide a registered donor's name on the receipt: refused, naming
    the field, and nothing is written."""
    for donor in (None, "H1"):
        error = refused(ledger, ValidationError, partial(
            ledger.receive_stock, "SOAP", 1, donor=donor, donor_name=name, by=KEEPER,
            key="blank"))
        assert error.field == "donor_name"


def test_hostile_donor_names_and_values(ledger: Ledger) -> None:
    """Control and bidi characters and absurd numbers are refused by name; look-alike letters
    are kept as written (a name is free text, not an id), and the receipt's CSV never lets a
    spreadsheet run a donor's name as a formula."""
    receive = partial(ledger.receive_stock, "SOAP", by=KEEPER, key="bad")
    for name in ("爱心\u202e企业", "公司\x00", "公\n司", "x" * 2001):
        error = refused(ledger, ValidationError, partial(receive, 1, donor_name=name))
        assert error.field == "donor_name" and "\u202e" not in str(error)
    values: tuple[object, ...] = (0, -10, 10**20, "NaN", float("nan"), True, 5.0)
    for value in values:
        error = refused(ledger, ValidationError, partial(receive, 1, donor_name="某公司",
                                                         value=value))
        assert error.field == "value"
    quantities: tuple[object, ...] = (0, -1, 10**8, "3")
    for quantity in quantities:
        error = refused(ledger, ValidationError, partial(receive, quantity, donor_name="某公司"))
        assert error.field == "quantity"
    costs: tuple[object, ...] = (0, -1, 10**9, "5")
    for cost in costs:
        error = refused(ledger, ValidationError, partial(
            ledger.price_donated_goods, "HAT", "帽子", cost=cost, resolution="定价",
            by=COMMITTEE))
        assert error.field == "cost"
    for resolution in ("", "\u200b", "定\u202e价", "定\x1b价"):
        error = refused(ledger, ValidationError, partial(
            ledger.price_donated_goods, "HAT", "帽子", cost=3, resolution=resolution,
            by=COMMITTEE))
        assert error.field == "resolution"
    for title in ("", "\u200b", "帽\u202e子", "帽\n子"):
        error = refused(ledger, ValidationError, partial(
            ledger.price_donated_goods, "HAT", title, cost=3, resolution="定价", by=COMMITTEE))
        assert error.field == "title"
    for code in ("НAT", "HAT\u200b", "ＨＡＴ"):  # a Cyrillic Н, a zero-width space, full width
        error = refused(ledger, ValidationError, partial(
            ledger.price_donated_goods, code, "帽子", cost=3, resolution="定价", by=COMMITTEE))
        assert "\u200b" not in str(error)
    greek = ledger.receive_stock("SOAP", 1, donor_name="ΑΒ公司", by=KEEPER, key="greek")
    assert isinstance(greek, DonationReceived) and greek.donor_name == "ΑΒ公司"
    formula = ledger.receive_stock("SOAP", 1, donor_name="=cmd|' /C calc'!A0", by=KEEPER,
                                   key="formula")
    receipt = reports.donation_receipt(ledger, formula)
    assert dict(receipt.summary)["donor"] == "=cmd|' /C calc'!A0"
    assert "捐赠人,'=cmd|' /C calc'!A0" in receipt.to_csv().splitlines()


def test_uncatalogued_goods_are_priced_by_the_committee_then_received(ledger: Ledger) -> None:
    """Shoes are not in the catalogue: refused until the committee prices them (an event,
    the rulebook unchanged); then received, redeemed and titled like a reward."""
    exc = refused(ledger, UnknownReward, lambda: ledger.receive_stock(
        "SHOES", 2, donor_name="王某", by=KEEPER, key="s1"))
    assert "price_donated_goods" in exc.message
    refused(ledger, PermissionDenied, lambda: ledger.price_donated_goods(
        "SHOES", "捐赠鞋子", cost=8, resolution="超市管理委员会验收定价", by=KEEPER))
    refused(ledger, AlreadyExists, lambda: ledger.price_donated_goods(
        "SOAP", "肥皂", cost=1, resolution="定价", by=COMMITTEE))
    refused(ledger, ValidationError, lambda: ledger.price_donated_goods(
        "SHOES", "捐赠鞋子", cost=8, resolution="", by=COMMITTEE))
    priced = ledger.price_donated_goods("SHOES", "捐赠鞋子", cost=8,
                                        resolution="超市管理委员会验收定价", by=COMMITTEE)
    assert priced.kind == "donated_goods_priced" and priced.key == "priced/SHOES/8"
    assert ledger.rulebook().rewards == RULES.rewards
    assert ledger.donated_goods()["SHOES"] == Reward("SHOES", "捐赠鞋子", cost=8,
                                                     category="爱心捐赠")
    ledger.receive_stock("SHOES", 2, donor="H1", donation_item="DON-01", by=KEEPER, key="s2")
    redeemed = ledger.redeem("H1", "SHOES", by=KEEPER, key="s3")
    assert (redeemed.points, ledger.stock("SHOES").on_hand) == (8, 1)
    assert any(row[0] == "捐赠鞋子" for row in reports.store_summary(ledger).rows)


def test_a_donation_is_idempotent(ledger: Ledger) -> None:
    """The same donation repeated returns the first events; a different one under the key is
    a conflict."""
    from pointsledger import IdempotencyConflict

    first = ledger.receive_stock("SOAP", 2, donor_name="李某", value=30, by=KEEPER, key="i1")
    again = ledger.receive_stock("SOAP", 2, donor_name="李某", value=30, by=KEEPER, key="i1")
    assert again == first
    refused(ledger, IdempotencyConflict, lambda: ledger.receive_stock(
        "SOAP", 2, donor_name="李某", value=31, by=KEEPER, key="i1"))
    refused(ledger, IdempotencyConflict, lambda: ledger.receive_stock(
        "SOAP", 2, by=KEEPER, key="i1"))


def test_the_donation_receipt(ledger: Ledger) -> None:
    """捐赠回执: donor, goods by title, quantity, value and points, in Chinese and English;
    anything but a donation is refused."""
    event = ledger.receive_stock("POWDER", 4, donor="H1", donation_item="DON-01", value=80,
                                 by=KEEPER, key="r1")
    table = reports.donation_receipt(ledger, event)
    got = dict(table.summary)
    assert (got["donor"], got["goods"], got["quantity"], got["value"], got["points"]) == (
        "张三", "洗衣粉", 4, 80, 20)
    assert table.title == "捐赠回执" and ("获得积分", 20) in table.rows
    outside = ledger.receive_stock("SOAP", 5, donor_name="爱心企业某某公司", by=KEEPER,
                                   key="r2")
    english = reports.donation_receipt(ledger, outside.id, locale="en")
    assert dict(english.summary)["donor"] == "爱心企业某某公司"
    assert dict(english.summary)["points"] == 0 and "no points" in " ".join(english.notes)
    with pytest.raises(UnknownEntry):
        reports.donation_receipt(ledger, 1)


def test_the_receipt_of_a_donation_whose_points_were_reversed(ledger: Ledger) -> None:
    """A receipt tells the donor when the donation's points were reversed (冲正): the
    reversal's id in its row and summary, its date and reason in a note; before that the row
    is empty."""
    event = ledger.receive_stock("POWDER", 4, donor="H1", donation_item="DON-01", value=80,
                                 by=KEEPER, key="r1")
    before = reports.donation_receipt(ledger, event)
    assert ("积分冲正", "—") in before.rows and dict(before.summary)["reversed_by"] == ""
    assert not any("冲正" in note for note in before.notes)
    award = ledger.event(event.seq + 1)
    reversal = ledger.reverse(award.id, reason="捐赠物品登记错误", by=COMMITTEE, key="x1")
    after = reports.donation_receipt(ledger, event)
    assert ("积分冲正", reversal.id) in after.rows
    assert dict(after.summary)["reversed_by"] == reversal.id
    day = reversal.recorded_at.in_timezone(ledger.tz).date().isoformat()
    assert f"所得20分已于{day}冲正（{reversal.id}），原因：捐赠物品登记错误。" in after.notes
    english = reports.donation_receipt(ledger, event, locale="en")
    assert any(reversal.id in n and "捐赠物品登记错误" in n for n in english.notes)


def test_per_value_is_checked_and_round_trips() -> None:
    """per_value is a positive whole number, never on a deduction; it survives the rulebook's
    data form, and a rulebook without it encodes as before (old adoption events)."""
    with pytest.raises(RulebookError):
        ChecklistItem("X", "x", category="c", points=1, per_value=0)
    with pytest.raises(RulebookError):
        ChecklistItem("X", "x", category="c", points=-1, per_value=10)
    assert rulebook_from_data(rulebook_to_data(RULES)) == RULES
    plain = Rulebook("p", [ChecklistItem("A", "a", category="c", points=1)])
    assert "per_value" not in rulebook_to_data(plain)["items"][0]


@given(quantity=st.integers(1, 100), value=st.integers(1, 5000))
def test_units_per_unit_or_per_value(quantity: int, value: int) -> None:
    """A per-unit item earns the quantity; a per-value item one unit per full step of value."""
    per_unit, per_value = RULES.item("DON-01"), RULES.item("DON-V")
    assert per_unit.units_for(quantity, value) == quantity
    assert per_value.units_for(quantity, value) == value // 10
    assert per_value.units_for(quantity, None) == 0


# -- the region tree -----------------------------------------------------------------------


def test_the_region_tree_has_a_micro_grid_level_and_a_checked_shape(ledger: Ledger) -> None:
    """micro_grid sits under a grid; a grid only under a village or community, and so on;
    the refusal names the parent's kind and the kinds accepted; households register on grids
    and micro-grids, and the roll-up names the level 微网格."""
    ledger.add_region("G1-1", "第一微网格", kind="micro_grid", parent="G1", by=COMMITTEE)
    ledger.register_household("H2", grid="G1-1", head="李四", by=COMMITTEE)
    exc = refused(ledger, ValidationError, lambda: ledger.add_region(
        "G9", "网格", kind="grid", parent="G1", by=COMMITTEE))
    assert exc.fields["parent_kind"] == "grid"
    assert exc.fields["accepted"] == ["village", "community"]
    assert "village or a community" in exc.message and "社区" in exc.message_for("zh")
    refused(ledger, ValidationError, lambda: ledger.add_region(
        "M9", "微网格", kind="micro_grid", parent="V1", by=COMMITTEE))
    refused(ledger, ValidationError, lambda: ledger.register_household(
        "H3", grid="V1", head="王五", by=COMMITTEE))
    rows = {row[-2]: row for row in reports.rollup(ledger, period="2026").rows}
    assert rows["G1-1"][1] == "微网格" and reports.term("micro_grid") == "微网格"
    assert rows["G1"][2] == 2  # the grid's households include its micro-grid's


@pytest.mark.parametrize(("child", "parent", "ok"), [
    ("town", "county", True), ("village", "town", True), ("community", "town", True),
    ("grid", "village", True), ("grid", "community", True), ("micro_grid", "grid", True),
    ("grid", "county", False), ("grid", "town", False), ("village", "county", False),
    ("town", "town", False), ("micro_grid", "village", False), ("county", "county", False),
    ("grid", "grid", False), ("village", "micro_grid", False),
])
def test_every_parent_kind(child: str, parent: str, ok: bool) -> None:
    """The whole shape table: which kind may sit directly under which."""
    led = Ledger.in_memory(clock=ManualClock(NOW), tz=TZ)
    led.add_region("P", "上级", kind=parent, by=COMMITTEE)  # any kind may be the top
    if ok:
        assert led.add_region("C", "下级", kind=child, parent="P", by=COMMITTEE).parent == "P"
    else:
        refused(led, ValidationError, lambda: led.add_region("C", "下级", kind=child,
                                                             parent="P", by=COMMITTEE))


def test_an_old_log_with_a_grid_under_a_grid_still_replays() -> None:
    """Logs written before the shape was checked (a grid under a county, a micro-grid written
    as a grid under a grid) still decode and apply: the check is the command's, replay takes
    the log as it is."""
    from pointsledger.core.command import Draft
    from pointsledger.core.events import RegionAdded
    from pointsledger.ledger.chain import seal_drafts

    clock = ManualClock(NOW)
    led = Ledger.in_memory(clock=clock, tz=TZ)
    led.add_region("C", "县", kind="county", by=COMMITTEE)
    at = NOW.int_timestamp * 1_000_000 + 10
    drafts = [Draft(RegionAdded, at, "c-01", "region/G", "", "", ("G", "网格", "grid", "C")),
              Draft(RegionAdded, at, "c-01", "region/G2", "", "", ("G2", "微网格", "grid", "G"))]
    _events, records = seal_drafts(drafts, led.head, led.event(led.head).hash, at)
    led.store.append(records, led.head)  # as an older version of the library wrote them
    clock.advance(minutes=1)
    reopened = Ledger(led.store, clock=clock, tz=TZ)
    reopened.verify()
    assert reopened.regions()["G2"].parent == "G"
    assert reopened.register_household("H", grid="G2", head="某", by=COMMITTEE).grid == "G2"


def test_priced_goods_survive_a_snapshot_and_a_reopen(tmp_path: object) -> None:
    """The committee's prices are derived state: a snapshot keeps them and a reopen from the
    snapshot or from the log alone gives the same catalogue and stock."""
    import os

    path = os.path.join(str(tmp_path), "store.db")
    clock = ManualClock(NOW)
    with Ledger.open(path, clock=clock, tz=TZ) as led:
        led.adopt(RULES, effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                  resolution="m")
        led.price_donated_goods("CLOTHES", "二手衣物", cost=3, resolution="定价",
                                by=COMMITTEE, category="二手")
        led.receive_stock("CLOTHES", 7, donor_name="县妇联", by=KEEPER, key="c")
        led.snapshot()
        led.price_donated_goods("CLOTHES", "二手衣物", cost=2, resolution="降价",
                                by=COMMITTEE, category="二手")  # re-priced after the snapshot
        expected = dict(led.donated_goods())
    with Ledger.open(path, clock=clock, tz=TZ) as again:
        assert dict(again.donated_goods()) == expected
        assert expected["CLOTHES"].cost == 2 and again.stock("CLOTHES").on_hand == 7
        assert again.drift() == ()
