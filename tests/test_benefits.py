"""Benefits, vetoes (一票否决), distributions (积分分红) and campaigns (专项活动)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import (
    Actor,
    Benefit,
    Campaign,
    Cap,
    CapExceeded,
    ChecklistItem,
    IdempotencyConflict,
    Ledger,
    ManualClock,
    NotFound,
    PermissionDenied,
    RatingPolicy,
    Rulebook,
    RulebookError,
    ShareRule,
    StorePolicy,
    ValidationError,
    Vetoes,
    rate,
    reports,
    split_fen,
)
from pointsledger.rules.rulebook import rulebook_from_data, rulebook_to_data
from tests.helpers import budget

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-07", roles={"grid_worker"})
RESIDENT = Actor("r-01", roles={"resident"})
MARCH = Campaign("ENV-MONTH", "人居环境整治月", start=dt.date(2026, 3, 1),
                 end=dt.date(2026, 3, 31), categories={"环境卫生"}, multiplier=2)


def rules(**extra: object) -> Rulebook:
    """A rulebook with an environment item, volunteering, an ordinary and a vetoing
    deduction."""
    fields: dict[str, object] = {
        "campaigns": [MARCH],
        "benefits": [Benefit("LOAN", "积分贷", min_stars=2),
                     Benefit("WELFARE", "集体福利优先", min_points=16)],
        "vetoes": Vetoes(items={"COV-09"}),
        "store": StorePolicy(base_points=60),
        "ratings": RatingPolicy({1: 60, 2: 70, 3: 80}),
    }
    fields.update(extra)
    return Rulebook("2026", [
        ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5,
                      cap=Cap(20, per="month")),
        ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10),
        ChecklistItem("COV-01", "乱倒垃圾", category="村规民约", points=-5),
        ChecklistItem("COV-09", "私搭乱建", category="村规民约", points=-5),
    ], **fields)  # type: ignore[arg-type]


def village(path: Path | None = None, **extra: object) -> tuple[Ledger, ManualClock]:
    """Three households under one rulebook, the clock in March 2026."""
    clock = ManualClock(pendulum.datetime(2026, 3, 10, 12, tz=TZ))
    led = (Ledger.open(path, clock=clock, tz=TZ) if path is not None
           else Ledger.in_memory(clock=clock, tz=TZ))
    led.adopt(rules(**extra), effective_from=dt.date(2026, 1, 1), by=COMMITTEE,
              resolution="村民代表会议表决通过")
    led.add_region("G", "第一网格", kind="grid", by=COMMITTEE)
    for household, head in (("H1", "张三丰"), ("H2", "李四"), ("H3", "王五")):
        led.register_household(household, grid="G", head=head, by=COMMITTEE)
    return led, clock


def at(month: int, day: int) -> pendulum.DateTime:
    return pendulum.datetime(2026, month, day, 9, tz=TZ)


# -- shares -------------------------------------------------------------------------------


@settings(max_examples=budget(200))
@given(total=st.integers(0, 10**9),
       weights=st.dictionaries(st.text("ABCDEFGH", min_size=1, max_size=3),
                               st.integers(0, 10**6), min_size=1, max_size=12))
def test_split_fen_is_exact_and_fair(total: int, weights: dict[str, int]) -> None:
    """Shares sum exactly to the total, each is within one fen of its exact share, equal
    weights get shares at most one fen apart, and a weight of 0 gets nothing."""
    whole = sum(weights.values())
    if whole == 0:
        if total:
            with pytest.raises(ValidationError):
                split_fen(total, weights)
        return
    shares = split_fen(total, weights)
    assert sum(shares.values()) == total
    assert list(shares) == sorted(weights)
    for household, weight in weights.items():
        assert abs(shares[household] * whole - total * weight) < whole
        if weight == 0:
            assert shares[household] == 0
    for a in weights:
        for b in weights:
            if weights[a] == weights[b]:
                assert abs(shares[a] - shares[b]) <= 1


def test_split_fen_breaks_ties_by_household_id() -> None:
    """Equal remainders: the fen left over go to the lowest household ids."""
    assert split_fen(2, {"H3": 1, "H1": 1, "H2": 1}) == {"H1": 1, "H2": 1, "H3": 0}
    assert split_fen(100, {"A": 1, "B": 2}) == {"A": 33, "B": 67}


def test_share_rule_weights() -> None:
    """Points weigh net points (never below 0); stars weigh the tier's weight or the number of
    stars; a vetoed household weighs 0 only when the rule excludes it."""
    by_points = ShareRule("points")
    assert (by_points.weight(12, 2, False), by_points.weight(-3, 0, False)) == (12, 0)
    assert by_points.weight(12, 0, True) == 0
    assert ShareRule("points", exclude_vetoed=False).weight(12, 0, True) == 12
    by_stars = ShareRule("stars", {3: 5})
    assert (by_stars.weight(0, 3, False), by_stars.weight(0, 2, False),
            by_stars.weight(99, 0, False)) == (5, 2, 0)
    with pytest.raises(RulebookError, match="basis"):
        ShareRule("balance")


# -- vetoes and benefits ------------------------------------------------------------------


def test_a_veto_removes_stars_and_benefits_for_the_period() -> None:
    """A deduction the rulebook lists as 一票否决 removes every star and every benefit; an
    ordinary deduction only lowers the score; reversing the veto restores both."""
    led, clock = village()
    clock.set(at(5, 10))
    for household in ("H1", "H2", "H3"):
        led.award(household, "VOL-01", by=GRID, key=f"v/{household}", occurred_at=at(5, 1))
        led.award(household, "VOL-01", by=GRID, key=f"w/{household}", occurred_at=at(5, 2))
    led.deduct("H2", "COV-01", by=GRID, key="d2", occurred_at=at(5, 3))
    veto = led.deduct("H3", "COV-09", by=GRID, key="d3", occurred_at=at(5, 3))
    h1, h2, h3 = rate(led, dt.date(2026, 1, 1))
    assert (h1.stars, h1.vetoed, h2.stars, h2.vetoed) == (3, False, 2, False)
    assert (h3.score, h3.vetoes, h3.stars, h3.serious) == (75, 1, 0, 0)
    loan = reports.eligibility(led, "LOAN", "2026", locale="en")
    assert [row[0] for row in loan.rows] == ["H1", "H2"]
    assert dict(loan.summary)["vetoed"] == 1
    welfare = reports.eligibility(led, "WELFARE", "2026")
    assert [row[0] for row in welfare.rows] == ["H1"]  # H2 has 20 - 5 = 15 net points
    assert welfare.rows[0][1] == "张*丰"
    led.reverse(veto.id, reason="申辩成立", by=COMMITTEE, key="rev")
    assert rate(led, dt.date(2026, 1, 1))[2].stars == 3
    assert [row[0] for row in reports.eligibility(led, "LOAN", "2026").rows] == [
        "H1", "H3", "H2"]


def test_eligibility_refuses_unknown_benefits_and_non_rating_periods() -> None:
    """An unknown benefit is NotFound naming the known ones; a month is not a rating period."""
    led, _clock = village()
    with pytest.raises(NotFound, match="LOAN, WELFARE"):
        reports.eligibility(led, "GOLD", "2026")
    with pytest.raises(ValidationError, match="rating period"):
        reports.eligibility(led, "LOAN", "2026-03")


# -- distributions ------------------------------------------------------------------------


def scored(path: Path | None = None) -> tuple[Ledger, ManualClock]:
    """H1 earns 20, H2 10, H3 20 and a veto (net 15); the clock in January 2027."""
    led, clock = village(path)
    clock.set(at(5, 10))
    led.award("H1", "VOL-01", by=GRID, key="a1", occurred_at=at(5, 1), quantity=2)
    led.award("H2", "VOL-01", by=GRID, key="a2", occurred_at=at(5, 1))
    led.award("H3", "VOL-01", by=GRID, key="a3", occurred_at=at(5, 1), quantity=2)
    led.deduct("H3", "COV-09", by=GRID, key="d3", occurred_at=at(5, 2))
    clock.set(pendulum.datetime(2027, 1, 5, 10, tz=TZ))
    return led, clock


def test_distribute_records_exact_shares_and_a_public_list(tmp_path: Path) -> None:
    """Shares in proportion to net points, exact to the fen, vetoed households left out; the
    event holds rule, period, sum, minutes and shares, survives reopening the file, and the
    公示 list masks names."""
    path = tmp_path / "v.db"
    led, _clock = scored(path)
    head, before = led.head, led.balances()
    event = led.distribute("2026", rule=ShareRule("points"), amount_fen=100_001,
                           minutes="2027年1月村民代表会议决议：集体收入分红", by=COMMITTEE,
                           key="div/2026")
    assert event.shares == (("H1", 20, 66_667), ("H2", 10, 33_334))
    assert led.head == head + 1 and led.balances() == before  # no points moved
    table = reports.distribution(led, event.id)
    assert [row[:2] for row in table.rows] == [("H1", "张*丰"), ("H2", "李*")]
    assert [row[3] for row in table.rows] == ["666.67", "333.34"]
    assert any("集体收入分红" in note for note in table.notes)
    led.close()
    again = Ledger.open(path, tz=TZ)
    assert again.event(event.id) == event
    assert again.verify().events == event.seq
    everyone = again.distribute("2026", rule=ShareRule("points", exclude_vetoed=False),
                                amount_fen=50, minutes="m", by=COMMITTEE, key="div2/2026")
    assert everyone.shares == (("H1", 20, 22), ("H2", 10, 11), ("H3", 15, 17))
    by_stars = again.distribute("2026", rule=ShareRule("stars", {3: 3, 2: 1}), amount_fen=7,
                                minutes="m", by=COMMITTEE, key="div3/2026")
    assert by_stars.shares == (("H1", 3, 5), ("H2", 1, 2))  # H1 80: 3 stars; H2 70: 2
    again.close()


def test_distribute_refusals_write_nothing() -> None:
    """A period not yet over, empty minutes, a bad amount, a resident, nobody to share with
    and a reused key with another payload are refused and write nothing; a repeat returns
    the first event."""
    led, clock = scored()
    args: dict[str, Any] = {"rule": ShareRule("points"), "amount_fen": 100, "minutes": "决议",
                            "by": COMMITTEE}
    first = led.distribute("2026", key="k", **args)
    head = led.head
    assert led.distribute("2026", key="k", **args) == first
    bad: list[tuple[type[Exception], str, dict[str, object]]] = [
        (ValidationError, "2027", {}),
        (ValidationError, "2026", {"minutes": " "}),
        (ValidationError, "2026", {"amount_fen": 0}),
        (ValidationError, "2026-13", {}),
        (ValidationError, "2026", {"rule": "points"}),
        (PermissionDenied, "2026", {"by": RESIDENT}),
        (ValidationError, "2025", {}),  # nobody earned anything in 2025
        # hostile input: invisible or reordering minutes, absurd and NaN-like amounts
        (ValidationError, "2026", {"minutes": "\u200b"}),
        (ValidationError, "2026", {"minutes": "决\u202e议"}),
        (ValidationError, "2026", {"minutes": "决\x00议"}),
        (ValidationError, "2026", {"amount_fen": -100}),
        (ValidationError, "2026", {"amount_fen": 10**20}),
        (ValidationError, "2026", {"amount_fen": "NaN"}),
        (ValidationError, "2026", {"amount_fen": float("nan")}),
        (ValidationError, "2026", {"amount_fen": 100.0}),
        (ValidationError, "2026", {"amount_fen": True}),
        (IdempotencyConflict, "2026", {"amount_fen": 101}),
    ]
    for error, period, change in bad:
        with pytest.raises(error):
            led.distribute(period, key="k" if error is IdempotencyConflict else "new",
                           **(args | change))
        assert led.head == head
    clock.advance(days=1)


@settings(max_examples=budget(25), deadline=None)
@given(conduct=st.lists(st.tuples(st.integers(0, 3), st.booleans(), st.booleans()),
                        min_size=2, max_size=5),
       amount=st.integers(1, 10**7), basis=st.sampled_from(["points", "stars"]),
       exclude=st.booleans())
def test_distributions_are_exact_and_respect_vetoes(
        conduct: list[tuple[int, bool, bool]], amount: int, basis: str, exclude: bool) -> None:
    """Any distribution's shares sum exactly to the sum, no vetoed household gets a share
    where the rule excludes it, no household merged away (合户) in the period gets one, and
    equal points get equal shares (within one fen)."""
    clock = ManualClock(pendulum.datetime(2026, 5, 10, 12, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    led.adopt(rules(), effective_from=dt.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    merged: set[str] = set()
    for n, (awards, vetoed, merges) in enumerate(conduct):
        led.register_household(f"H{n}", grid="G", head="户主", by=COMMITTEE)
        if awards:
            led.award(f"H{n}", "VOL-01", by=GRID, key=f"a{n}", occurred_at=at(5, 1),
                      quantity=awards)
        if vetoed:
            led.deduct(f"H{n}", "COV-09", by=GRID, key=f"d{n}", occurred_at=at(5, 2))
        if merges and n:
            led.merge_households(f"H{n}", into="H0", reason="合户", by=COMMITTEE)
            merged.add(f"H{n}")
    clock.set(pendulum.datetime(2027, 1, 2, tz=TZ))
    rule = ShareRule(basis, exclude_vetoed=exclude)
    ratings = {r.household: r for r in rate(led, dt.date(2026, 1, 1))}
    try:
        event = led.distribute("2026", rule=rule, amount_fen=amount, minutes="m",
                               by=COMMITTEE, key="d")
    except ValidationError:
        assert all(rule.weight(r.points, r.stars, r.vetoed) == 0 for r in ratings.values())
        return
    shares = {h: fen for h, _w, fen in event.shares}
    assert sum(shares.values()) == amount
    assert not merged & set(shares) and not merged & set(ratings)
    for household, rating in ratings.items():
        if rating.vetoed and exclude:
            assert household not in shares
    for a in shares:
        for b in shares:
            if ratings[a].points == ratings[b].points and ratings[a].stars == ratings[b].stars:
                assert abs(shares[a] - shares[b]) <= 1


# -- campaigns ----------------------------------------------------------------------------


def test_campaign_awards_count_multiplied_and_caps_count_them() -> None:
    """In the campaign month an environment award earns double and the monthly cap counts the
    doubled points; outside it, and for deductions, points are as listed; the statement names
    the campaign."""
    led, clock = village()
    first = led.award("H1", "ENV-01", by=GRID, key="e1", occurred_at=at(3, 2))
    led.award("H1", "ENV-01", by=GRID, key="e2", occurred_at=at(3, 3))
    assert first.points == 10
    with pytest.raises(CapExceeded):  # 20 of the cap of 20 used by two doubled awards
        led.award("H1", "ENV-01", by=GRID, key="e3", occurred_at=at(3, 4))
    assert led.award("H2", "ENV-01", by=GRID, key="f1", occurred_at=at(2, 28)).points == 5
    assert led.award("H2", "VOL-01", by=GRID, key="f2", occurred_at=at(3, 2)).points == 10
    assert led.deduct("H2", "COV-01", by=GRID, key="f3", occurred_at=at(3, 2)).points == -5
    clock.set(at(4, 2))
    assert led.award("H3", "ENV-01", by=GRID, key="g1", occurred_at=at(4, 1)).points == 5
    lines = reports.statement(led, "H1").rows
    assert [row[3] for row in lines] == ["庭院环境整洁（人居环境整治月）"] * 2
    notice = {(row[1], row[3], row[5]) for row in reports.public_notice(led, "2026-03").rows}
    assert ("H1", "庭院环境整洁（人居环境整治月）", 10) in notice  # why 10, not the listed 5
    assert ("H2", "乱倒垃圾", -5) in notice
    assert reports.statement(led, "H2", locale="en").rows[0][3] == "庭院环境整洁"
    assert led.verify().events == led.head


def test_campaign_records_check_their_own_values() -> None:
    """A campaign ends after it starts, covers something and changes something."""
    bads: list[dict[str, object]] = [{"end": dt.date(2026, 2, 1)}, {"categories": set()},
                                     {"multiplier": 1}, {"multiplier": 11}]
    for bad in bads:
        fields: dict[str, object] = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 31),
                                     "categories": {"环境卫生"}, "multiplier": 2} | bad
        with pytest.raises(RulebookError):
            Campaign("C", "专项", **fields)  # type: ignore[arg-type]
    assert Campaign("C", "专项", start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 1),
                    items={"ENV-01"}, bonus=3).points(rules().item("ENV-01")) == 8


# -- the rulebook -------------------------------------------------------------------------


def test_rulebook_round_trips_benefits_vetoes_and_campaigns() -> None:
    """The data form carries every new part; a rulebook recorded before them loads without."""
    book = rules()
    assert rulebook_from_data(rulebook_to_data(book)) == book
    old = rulebook_to_data(rules(campaigns=[], benefits=[], vetoes=Vetoes()))
    for key in ("benefits", "vetoes", "campaigns"):
        del old[key]
    assert rulebook_from_data(old) == rules(campaigns=[], benefits=[], vetoes=Vetoes())


def codes(book: Rulebook, **kwargs: object) -> set[str]:
    return {p.code for p in book.check(**kwargs) if p.severity == "error"}  # type: ignore[arg-type]


@pytest.mark.parametrize(("extra", "code"), [
    ({"vetoes": Vetoes(items={"NOPE"})}, "unknown_veto_item"),
    ({"vetoes": Vetoes(items={"VOL-01"})}, "veto_item_not_deduction"),
    ({"vetoes": Vetoes(categories={"无此类"})}, "unknown_veto_category"),
    ({"benefits": [Benefit("A", "a", min_stars=4)]}, "unreachable_benefit"),
    ({"benefits": [Benefit("A", "a"), Benefit("A", "b")]}, "duplicate_benefit"),
    ({"campaigns": [Campaign("C", "c", start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 2),
                             items={"NOPE", "ENV-01"}, multiplier=2)]},
     "unknown_campaign_item"),
    ({"campaigns": [Campaign("C", "c", start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 2),
                             categories={"村规民约"}, multiplier=2)]},
     "campaign_covers_no_award"),
    ({"campaigns": [Campaign("C", "c", start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 2),
                             items={"ENV-01"}, multiplier=5)]}, "campaign_award_above_cap"),
    ({"campaigns": [MARCH, Campaign("C", "c", start=dt.date(2026, 3, 31),
                                    end=dt.date(2026, 4, 2), items={"ENV-01"}, bonus=1)]},
     "campaigns_overlap"),
])
def test_check_finds_benefit_veto_and_campaign_errors(extra: dict[str, object],
                                                      code: str) -> None:
    """Each inconsistency of benefits, vetoes and campaigns is an error with its code."""
    assert code not in codes(rules())
    assert code in codes(rules(**extra))


def test_check_finds_unreachable_points_and_campaigns_outside_the_range() -> None:
    """A benefit needing more net points than the caps allow is unreachable; a campaign
    outside the version's effective range is an error when the range is given."""
    capped = Rulebook("c", [ChecklistItem("ENV-01", "整洁", category="环境卫生", points=5,
                                          cap=Cap(20, per="month"))],
                      benefits=[Benefit("B", "b", min_points=241)])
    assert codes(capped) == {"unreachable_benefit"}
    assert codes(rules(), effective_from=dt.date(2026, 3, 2)) == {"campaign_outside_range"}
    assert codes(rules(), effective_from=dt.date(2026, 1, 1),
                 effective_until=dt.date(2026, 3, 30)) == {"campaign_outside_range"}
    assert not codes(rules(), effective_from=dt.date(2026, 1, 1))


def test_rule_files_carry_benefits_vetoes_and_campaigns(tmp_path: Path) -> None:
    """TOML, a CSV folder and XLSX load back what dump_rulebook wrote; an unknown key of a
    campaign is refused by name."""
    from pointsledger.io.rulefiles import ImportFailed, dump_rulebook, load_rulebook

    book = rules()
    for name in ("r.toml", "r.xlsx", "folder"):
        assert load_rulebook(dump_rulebook(book, tmp_path / name)) == book
    text = (tmp_path / "r.toml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("multiplier = 2", "multiplyer = 2"), encoding="utf-8")
    with pytest.raises(ImportFailed, match="multiplyer"):
        load_rulebook(bad)
    bad.write_text(text.replace("[vetoes]", "[vetos]"), encoding="utf-8")
    with pytest.raises(ImportFailed, match="vetos"):
        load_rulebook(bad)
