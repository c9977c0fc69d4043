"""What distributions (积分分红), period tallies and points lots must get right, found by
mutation testing (issue 16): each test here kills mutants of
:mod:`pointsledger.core.distributions`, :mod:`pointsledger.core.tallies` and
:mod:`pointsledger.core.lots` that the rest of the suite let live (docs/mutation.md): the
fields of every refusal of ``distribute`` (an app maps them to its own messages), the period's
bounds (conduct at its first instant counts, at its end does not; households registered just
before its end share, just after do not), the rulebook in force at its end, reversed entries
and members' postings in the tallies, violations and serious ones as ratings count them, and
the lots' draw order, expiry and carry-over."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
import pytest

from pointsledger import (
    Actor,
    ChecklistItem,
    ExpiryPolicy,
    Ledger,
    ManualClock,
    NoRulebookInForce,
    RatingPolicy,
    Reward,
    Rulebook,
    ShareRule,
    StorePolicy,
    ValidationError,
    Vetoes,
    rate,
)

TZ = "Asia/Shanghai"
COMMITTEE = Actor("c-01", roles={"committee"})
GRID = Actor("g-07", roles={"grid_worker"})
KEEPER = Actor("s-01", roles={"store_keeper"})
START_2026 = pendulum.datetime(2026, 1, 1, tz=TZ)
END_2026 = pendulum.datetime(2027, 1, 1, tz=TZ)
ONE_US = pendulum.duration(microseconds=1)
JUNE = pendulum.datetime(2026, 6, 10, 12, tz=TZ)


def rules(version: str = "2026", base: int = 60, tiers: dict[int, int] | None = None
          ) -> Rulebook:
    """Volunteering (10), a 1-point item, an ordinary deduction, a serious one and a vetoing
    one; a score of ``base`` + net points rated by ``tiers``."""
    return Rulebook(version, [
        ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10),
        ChecklistItem("ONE-01", "随手捡拾垃圾", category="环境卫生", points=1),
        ChecklistItem("COV-01", "乱倒垃圾", category="村规民约", points=-5),
        ChecklistItem("COV-05", "打架斗殴", category="村规民约", points=-5, serious=True),
        ChecklistItem("COV-09", "私搭乱建", category="村规民约", points=-5),
    ], vetoes=Vetoes(items={"COV-09"}), store=StorePolicy(base_points=base),
        ratings=RatingPolicy(tiers or {1: 60, 2: 70, 3: 80}))


def village(households: tuple[str, ...] = ("H1", "H2", "H3"),
            now: pendulum.DateTime = JUNE
            ) -> tuple[Ledger, ManualClock]:
    """Households under the 2026 rulebook, the clock at ``now`` (June 2026)."""
    clock = ManualClock(now)
    led = Ledger.in_memory(clock=clock, tz=TZ)
    led.adopt(rules(), effective_from=dt.date(2026, 1, 1), by=COMMITTEE, resolution="决议")
    led.add_region("G", "第一网格", kind="grid", by=COMMITTEE)
    for household in households:
        led.register_household(household, grid="G", head=f"户主{household}", by=COMMITTEE)
    return led, clock


def at(month: int, day: int) -> pendulum.DateTime:
    return pendulum.datetime(2026, month, day, 9, tz=TZ)


def share(led: Ledger, rule: ShareRule | None = None, *, key: str = "d", period: str = "2026",
          amount_fen: int = 1000, **extra: Any) -> dict[str, int]:
    """The weights of a distribution of ``period``: household -> weight."""
    event = led.distribute(period, rule=rule or ShareRule("points"), amount_fen=amount_fen,
                           minutes="决议", by=COMMITTEE, key=key, **extra)
    assert sum(fen for _h, _w, fen in event.shares) == amount_fen
    return {h: w for h, w, _fen in event.shares}


# -- distribute: refusals -------------------------------------------------------------------


def refusal(led: Ledger, error: type[Exception], period: str = "2026", **change: Any
            ) -> Any:
    """The error ``distribute`` raises with ``change``; asserts nothing was written."""
    head = led.head
    args: dict[str, Any] = {"rule": ShareRule("points"), "amount_fen": 100, "minutes": "决议",
                            "by": COMMITTEE, "key": "bad"} | change
    with pytest.raises(error) as info:
        led.distribute(period, **args)
    assert led.head == head
    return info.value


def test_distribute_refusals_name_the_field_and_value() -> None:
    """A rule that is not a ShareRule, a bad amount and empty minutes are refused naming the
    argument and the value given (fields and message), and nothing is written."""
    led, clock = village()
    led.award("H1", "VOL-01", by=GRID, key="a1", occurred_at=at(5, 1))
    clock.set(END_2026 + pendulum.duration(days=3))
    bad_rule = refusal(led, ValidationError, rule="points")
    assert bad_rule.fields["field"] == "rule" and bad_rule.fields["value"] == "points"
    assert "rule" in bad_rule.message and "'points'" in bad_rule.message
    assert "ShareRule" in bad_rule.message  # says what it must be
    for amount in (0, 10**20, 2.5):
        bad = refusal(led, ValidationError, amount_fen=amount)
        assert bad.fields["field"] == "amount_fen" and bad.fields["value"] == amount
        assert "amount_fen" in bad.message
    blank = refusal(led, ValidationError, minutes=" ")
    assert blank.fields["field"] == "minutes" and "minutes" in blank.message


def test_a_period_not_yet_over_is_refused_naming_it_and_one_just_over_is_shared() -> None:
    """At 1 µs before the period's end the period is refused, the error naming it (field and
    message); at its very end it is over and the sum is shared."""
    led, clock = village()
    led.award("H1", "VOL-01", by=GRID, key="a1", occurred_at=at(5, 1))
    clock.set(END_2026 - ONE_US)
    early = refusal(led, ValidationError)
    assert early.fields["period"] == "2026" and "2026" in early.message
    clock.set(END_2026)
    assert share(led) == {"H1": 10}


def test_no_rulebook_is_refused_with_a_message() -> None:
    """Without an adopted rulebook the distribution is refused as NoRulebookInForce saying so,
    and nothing is written."""
    clock = ManualClock(pendulum.datetime(2027, 3, 10, 12, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    led.add_region("G", "第一网格", kind="grid", by=COMMITTEE)
    led.register_household("H1", grid="G", head="户主", by=COMMITTEE)
    error = refusal(led, NoRulebookInForce)
    assert "rulebook" in error.message


def test_nobody_to_share_with_names_the_period_and_basis() -> None:
    """A period in which no household has a positive weight is refused naming the period and
    the rule's basis (fields and message)."""
    led, clock = village()
    clock.set(END_2026 + pendulum.duration(days=3))
    for basis in ("points", "stars"):
        error = refusal(led, ValidationError, period="2025", rule=ShareRule(basis))
        assert error.fields["period"] == "2025" and error.fields["basis"] == basis
        assert "2025" in error.message and basis in error.message


# -- distribute: what is recorded ---------------------------------------------------------


def test_the_event_records_the_version_memo_and_multiline_minutes() -> None:
    """The event is validated under the rulebook in force (its version recorded), keeps
    minutes of several lines as given, a 1-fen sum is accepted, and the memo is empty unless
    given."""
    led, clock = village()
    led.award("H1", "VOL-01", by=GRID, key="a1", occurred_at=at(5, 1))
    clock.set(END_2026 + pendulum.duration(days=3))
    minutes = "2027年1月村民代表会议决议：\n集体收入分红"
    event = led.distribute("2026", rule=ShareRule("points"), amount_fen=1, minutes=minutes,
                           by=COMMITTEE, key="d")
    assert event.version == "2026" and event.minutes == minutes and event.memo == ""
    assert event.shares == (("H1", 10, 1),)
    assert led.event(event.id) == event


def test_households_are_those_standing_just_before_the_period_end() -> None:
    """A household registered 1 µs before the period's end shares (under stars its base score
    rates it), one registered at the end does not."""
    led, clock = village(("H1",))
    clock.set(END_2026 - ONE_US)
    led.register_household("H4", grid="G", head="户主4", by=COMMITTEE)
    clock.set(END_2026)
    led.register_household("H5", grid="G", head="户主5", by=COMMITTEE)
    clock.set(END_2026 + pendulum.duration(days=3))
    assert share(led, ShareRule("stars")) == {"H1": 1, "H4": 1}


def test_the_rulebook_in_force_at_the_period_end_rates_it() -> None:
    """Stars are by the rulebook in force at the period's last instant, not by one taking
    effect when the period ends."""
    led, clock = village(("H1",))
    led.award("H1", "VOL-01", by=GRID, key="a1", occurred_at=at(5, 1))  # score 70: 2 stars
    clock.set(pendulum.datetime(2026, 12, 20, tz=TZ))
    led.adopt(rules("2027", tiers={1: 60, 2: 65, 3: 70}), effective_from=dt.date(2027, 1, 1),
              by=COMMITTEE, resolution="决议")
    clock.set(END_2026 + pendulum.duration(days=3))
    assert share(led, ShareRule("stars", {1: 1, 2: 2, 3: 3})) == {"H1": 2}


def test_a_vetoed_household_has_no_stars_even_when_not_excluded() -> None:
    """Under stars, a household vetoed in the period (一票否决) is rated no stars, so it has no
    weight even when the rule does not exclude vetoed households."""
    led, clock = village(("H1", "H2"))
    led.award("H1", "VOL-01", by=GRID, key="a1", occurred_at=at(5, 1), quantity=2)
    led.award("H2", "VOL-01", by=GRID, key="a2", occurred_at=at(5, 1), quantity=2)
    led.deduct("H2", "COV-09", by=GRID, key="d2", occurred_at=at(5, 2))  # 75, but vetoed
    clock.set(END_2026 + pendulum.duration(days=3))
    assert share(led, ShareRule("stars", exclude_vetoed=False)) == {"H1": 3}
    assert share(led, ShareRule("points", exclude_vetoed=False), key="p") == {"H1": 20, "H2": 15}


# -- tallies ------------------------------------------------------------------------------


def test_conduct_counts_from_the_period_start_up_to_its_end() -> None:
    """Conduct at the period's first instant counts; conduct at its end belongs to the next
    period, and conduct recorded after it still counts."""
    led, clock = village(("H1", "H2"), now=START_2026 + pendulum.duration(days=1))
    led.award("H1", "VOL-01", by=GRID, key="start", occurred_at=START_2026)
    clock.set(END_2026 + pendulum.duration(days=1))
    led.award("H2", "VOL-01", by=GRID, key="end", occurred_at=END_2026)  # the next period
    led.award("H2", "ONE-01", by=GRID, key="one", occurred_at=at(12, 20))
    clock.set(END_2026 + pendulum.duration(days=3))
    assert share(led) == {"H1": 10, "H2": 1}


def test_reversed_awards_and_deductions_count_for_nothing() -> None:
    """A reversed award is no longer earned; a reversed vetoing deduction no longer vetoes or
    deducts, in the distribution and in the ratings."""
    led, clock = village(("H1", "H2"))
    award = led.award("H1", "VOL-01", by=GRID, key="a1", occurred_at=at(5, 1))
    led.award("H1", "VOL-01", by=GRID, key="a2", occurred_at=at(5, 1), quantity=2)
    led.award("H2", "VOL-01", by=GRID, key="a3", occurred_at=at(5, 1))
    veto = led.deduct("H2", "COV-09", by=GRID, key="d2", occurred_at=at(5, 2))
    clock.set(at(6, 20))
    led.reverse(award, reason="登记错误", by=COMMITTEE, key="r1")
    led.reverse(veto, reason="核实有误", by=COMMITTEE, key="r2")
    clock.set(END_2026 + pendulum.duration(days=3))
    assert share(led) == {"H1": 20, "H2": 10}
    ratings = {r.household: r for r in rate(led, dt.date(2026, 6, 1))}
    assert (ratings["H1"].earned, ratings["H1"].deducted) == (20, 0)
    assert (ratings["H2"].violations, ratings["H2"].vetoes) == (0, 0)


def test_a_members_conduct_counts_for_their_household() -> None:
    """Points awarded to a member (成员) count for the member's household."""
    led, clock = village(("H1", "H2"))
    led.register_member("M1", household="H1", name="张小", by=COMMITTEE)
    led.award("M1", "VOL-01", by=GRID, key="m1", occurred_at=at(5, 1))
    led.award("H2", "ONE-01", by=GRID, key="h2", occurred_at=at(5, 1))
    clock.set(END_2026 + pendulum.duration(days=3))
    assert share(led) == {"H1": 10, "H2": 1}


def test_ratings_count_violations_serious_ones_and_vetoes_apart() -> None:
    """Each deduction not reversed is one violation; serious ones and vetoes are counted
    apart (a serious one is a veto too); a 1-point award is earned, not a violation; a
    household without conduct has none."""
    led, clock = village(("H1", "H2", "H3"))
    led.award("H1", "ONE-01", by=GRID, key="one", occurred_at=at(5, 1))
    for n, item in enumerate(("COV-01", "COV-01", "COV-05", "COV-09")):
        led.deduct("H2", item, by=GRID, key=f"d{n}", occurred_at=at(5, 2))
    serious = led.deduct("H2", "COV-05", by=GRID, key="d9", occurred_at=at(5, 3))
    clock.set(at(6, 20))
    led.reverse(serious, reason="核实有误", by=COMMITTEE, key="r")
    clock.set(END_2026 + pendulum.duration(days=3))
    rated = {r.household: (r.earned, r.deducted, r.violations, r.serious, r.vetoes)
             for r in rate(led, dt.date(2026, 6, 1))}
    assert rated == {"H1": (1, 0, 0, 0, 0), "H2": (0, 20, 4, 1, 2), "H3": (0, 0, 0, 0, 0)}


# -- lots: expiry as the holder sees it ---------------------------------------------------


def carrying(carry: int) -> tuple[Ledger, ManualClock]:
    """One household under a carry-over policy (结转) of ``carry`` points, the clock on
    1 December 2026."""
    clock = ManualClock(pendulum.datetime(2026, 12, 1, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    items = [ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10),
             ChecklistItem("ONE-01", "随手捡拾垃圾", category="环境卫生", points=1)]
    led.adopt(Rulebook("c", items, expiry=ExpiryPolicy("carry_over", carry=carry)),
              effective_from=dt.date(2026, 1, 1), by=COMMITTEE, resolution="决议")
    led.add_region("G", "第一网格", kind="grid", by=COMMITTEE)
    led.register_household("H1", grid="G", head="户主", by=COMMITTEE)
    return led, clock


def held(led: Ledger) -> list[tuple[int, dt.datetime]]:
    """The household's lots as its holder sees them: (points, expires_at), soonest first."""
    return [(lot.points, lot.expires_at)
            for lot in led.expiring("H1", within=dt.timedelta(days=800))]


def test_due_points_beyond_the_carry_show_their_own_expiry_until_expired() -> None:
    """After the year end, before ``expire_due`` runs, due points beyond the carry still show
    the year end they expire at (none is shown as carried); once expired, what carried shows
    the next year end."""
    led, clock = carrying(15)
    led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock())
    led.award("H1", "VOL-01", by=GRID, key="b", occurred_at=clock())
    clock.set(END_2026 + pendulum.duration(days=1))
    assert held(led) == [(10, END_2026), (10, END_2026)]
    (event,) = led.expire_due()
    assert event.points == 5
    year_end = pendulum.datetime(2028, 1, 1, tz=TZ)
    assert held(led) == [(5, year_end), (10, year_end)]


def test_only_due_points_are_weighed_against_the_carry() -> None:
    """Due points that all fit in the carry show the next year end, however many points the
    account has earned since (they are not due)."""
    led, clock = carrying(15)
    led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock())
    clock.set(END_2026 + pendulum.duration(days=1))
    assert led.expire_due() == ()
    led.award("H1", "VOL-01", by=GRID, key="b", occurred_at=clock())
    year_end = pendulum.datetime(2028, 1, 1, tz=TZ)
    assert held(led) == [(10, year_end), (10, year_end)]


def test_a_single_due_point_fits_a_carry_of_one() -> None:
    """A lot of 1 point carries under a carry of 1 point: nothing expires, and it shows the
    next year end."""
    led, clock = carrying(1)
    led.award("H1", "ONE-01", by=GRID, key="a", occurred_at=clock())
    clock.set(END_2026 + pendulum.duration(days=1))
    assert led.expire_due() == ()
    assert held(led) == [(1, pendulum.datetime(2028, 1, 1, tz=TZ))]
    assert led.balance("H1").available == 1


def test_points_given_back_to_a_lot_that_carried_keep_the_lots_carry_limit() -> None:
    """A redemption reversed after the lot it drew from carried over gives the points back
    to that lot with the lot's own carry limit (its rulebook's), not that of the rulebook the
    redemption was made under: the next year end carries only the lot's limit."""
    clock = ManualClock(pendulum.datetime(2026, 12, 1, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    items = [ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10)]
    soap = [Reward("SOAP", "肥皂", cost=5)]
    led.adopt(Rulebook("r1", items, rewards=soap, expiry=ExpiryPolicy("carry_over", carry=15)),
              effective_from=dt.date(2026, 1, 1), by=COMMITTEE, resolution="决议")
    led.adopt(Rulebook("r2", items, rewards=soap, expiry=ExpiryPolicy("carry_over", carry=30)),
              effective_from=dt.date(2026, 12, 2), by=COMMITTEE, resolution="决议")
    led.add_region("G", "第一网格", kind="grid", by=COMMITTEE)
    led.register_household("H1", grid="G", head="户主", by=COMMITTEE)
    lot = led.award("H1", "VOL-01", by=GRID, key="a", occurred_at=clock(), quantity=3).seq
    clock.set(pendulum.datetime(2026, 12, 20, tz=TZ))
    led.receive_stock("SOAP", 5, by=KEEPER, key="stock")
    redemption = led.redeem("H1", "SOAP", by=KEEPER, key="r")  # under r2: 5 of the lot
    clock.set(END_2026 + pendulum.duration(days=1))
    (first,) = led.expire_due()  # 25 due, 15 carry
    assert (first.points, [(n, c) for n, c, _e in first.carried]) == (10, [(lot, 15)])
    led.reverse(redemption, reason="退货", by=COMMITTEE, key="back")
    assert led.expire_due() == ()  # the 5 given back fit the carry
    assert led.balance("H1").available == 20
    clock.set(pendulum.datetime(2028, 1, 2, tz=TZ))
    (second,) = led.expire_due()  # 20 due, the lot's carry of 15 kept
    assert second.points == 5 and led.balance("H1").available == 15
