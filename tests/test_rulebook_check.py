"""Rulebook.check(): deliberately broken rulebooks each yield the expected problem, and adopt
refuses errors and records warnings."""

from __future__ import annotations

import attrs
import pendulum
import pytest
from hypothesis import given

from pointsledger import (
    AlreadyExists,
    Cap,
    ChecklistItem,
    Ledger,
    ManualClock,
    Policy,
    Problem,
    Rulebook,
    RulebookError,
)
from pointsledger.testing import rulebooks

from .helpers import COMMITTEE, START, TZ, rulebook


def env(code: str = "ENV-01", points: int = 5, **kw: object) -> ChecklistItem:
    return ChecklistItem(code, "庭院环境整洁", category="环境卫生", points=points,
                         **kw)  # type: ignore[arg-type]


BROKEN = [
    ("duplicate_code", "error", Rulebook("b", [env(), env()])),
    ("zero_points", "error", Rulebook("b", [env(points=0)])),
    ("cap_below_award", "error", Rulebook("b", [env(points=10, cap=Cap(5, per="day"))])),
    ("cap_below_award", "error",
     Rulebook("b", [env(points=10)], category_caps={"环境卫生": Cap(8, per="week")})),
    ("category_cap_below_item_cap", "warning",
     Rulebook("b", [env(cap=Cap(20, per="month"))],
              category_caps={"环境卫生": Cap(10, per="month")})),
    ("unused_category_cap", "warning",
     Rulebook("b", [env()], category_caps={"志愿服务": Cap(10, per="month")})),
    ("unknown_role", "warning", Rulebook("b", [env()], policy=Policy({"award": {"chief"}}))),
    ("no_items", "warning", Rulebook("b", [])),
]


@pytest.mark.parametrize(("code", "severity", "broken"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_broken_rulebook_yields_its_problem(code: str, severity: str,
                                                 broken: Rulebook) -> None:
    """Every kind of inconsistency is found, with its code, severity and a naming message."""
    problems = broken.check()
    assert [(p.code, p.severity) for p in problems] == [(code, severity)]
    assert problems[0].subject and problems[0].subject in problems[0].message


def test_a_sound_rulebook_has_no_problems() -> None:
    """The village rulebook of the tests is consistent."""
    assert rulebook().check() == []


def adopted_ledger() -> Ledger:
    led = Ledger.in_memory(clock=ManualClock(START), tz=TZ)
    led.adopt(rulebook("v1"), effective_from=pendulum.date(2026, 1, 1),
              effective_until=pendulum.date(2026, 2, 28), by=COMMITTEE, resolution="m")
    return led


@pytest.mark.parametrize(
    ("version", "start", "end", "code"),
    [
        ("v1", pendulum.date(2026, 3, 1), None, "version_taken"),
        ("v2", pendulum.date(2026, 1, 1), None, "overlap"),
        ("v2", pendulum.date(2026, 2, 28), None, "overlap"),
        ("v2", pendulum.date(2026, 3, 5), pendulum.date(2026, 3, 4), "empty_range"),
    ],
)
def test_ranges_are_checked_against_adopted_versions(
    version: str, start: pendulum.Date, end: pendulum.Date | None, code: str
) -> None:
    """A new version may not reuse a name nor overlap an adopted range."""
    led = adopted_ledger()
    problems = rulebook(version).check(effective_from=start, effective_until=end,
                                       adopted=led.adoptions())
    assert [p.code for p in problems] == [code]
    assert rulebook("v2").check(effective_from=pendulum.date(2026, 3, 1),
                                adopted=led.adoptions()) == []


def test_adopt_refuses_errors_and_records_warnings() -> None:
    """adopt raises for errors (naming them, writing nothing) and keeps the warnings."""
    led = adopted_ledger()
    head = led.head
    with pytest.raises(RulebookError) as info:
        led.adopt(Rulebook("v2", [env(), env()]), effective_from=pendulum.date(2026, 3, 1),
                  by=COMMITTEE, resolution="m")
    assert [p.code for p in info.value.fields["problems"]] == ["duplicate_code"]
    with pytest.raises(AlreadyExists):
        led.adopt(rulebook("v1"), effective_from=pendulum.date(2026, 3, 1), by=COMMITTEE,
                  resolution="m", key="again")
    assert led.head == head
    warned = Rulebook("v2", [env()], policy=Policy({"award": {"chief", "committee"}}))
    event = led.adopt(warned, effective_from=pendulum.date(2026, 3, 1), by=COMMITTEE,
                      resolution="m")
    assert len(event.warnings) == 1 and "chief" in event.warnings[0]
    assert led.event(event.seq) == event


@given(rulebooks())
def test_generated_rulebooks_are_sound(rules: Rulebook) -> None:
    """The kit's rulebooks() strategy only draws rulebooks without errors."""
    assert all(p.severity == "warning" for p in rules.check())


def test_problem_reads_well() -> None:
    """A problem prints as severity, message and code."""
    assert str(Problem("error", "zero_points", "item 'X' is worth 0")) == (
        "error: item 'X' is worth 0 [zero_points]")


def test_rewards_no_one_can_afford_before_expiry() -> None:
    """Given the caps and the expiry horizon, a reward beyond reach is an error."""
    from pointsledger import ExpiryPolicy, PriceRule, Reward

    item = env(cap=Cap(20, per="month"))  # at most 240 a year
    def book(cost: int, **kw: object) -> Rulebook:
        return Rulebook("b", [item], rewards=[Reward("TV", "电视机", cost=cost)],
                        expiry=ExpiryPolicy("year_end"), **kw)  # type: ignore[arg-type]

    assert [p.code for p in book(241).check()] == ["unaffordable_reward"]
    assert book(240).check() == []
    capped = book(200, category_caps={"环境卫生": Cap(10, per="month")})  # 120 a year
    assert [p.code for p in capped.check()] == ["unaffordable_reward",
                                                "category_cap_below_item_cap"]
    free_for_elders = Rulebook("b", [item], rewards=[
        Reward("TV", "电视机", cost=1000, price_rules=[PriceRule(75, None, 0)])],
        expiry=ExpiryPolicy("year_end"))
    assert free_for_elders.check() == []
    uncapped = Rulebook("b", [env()], rewards=[Reward("TV", "电视机", cost=10**6)])
    assert uncapped.check() == []  # uncapped points that never expire add up without end
    def rolling(cost: int) -> Rulebook:  # 30 days touch at most 3 calendar months: 60 points
        return Rulebook("b", [item], rewards=[Reward("TV", "电视机", cost=cost)],
                        expiry=ExpiryPolicy("rolling", days=30))

    assert rolling(60).check() == []
    assert [p.code for p in rolling(61).check()] == ["unaffordable_reward"]


def _store_book(**kw: object) -> Rulebook:
    """ENV-01 at 5 a time, at most 20 a month: one account earns at most 240 a year."""
    return Rulebook("b", [env(cap=Cap(20, per="month"))], **kw)  # type: ignore[arg-type]


def test_an_unreachable_min_score_is_an_error() -> None:
    """A store threshold above base points plus a year's most earnings: nobody ever redeems."""
    from pointsledger import Reward, StorePolicy

    soap = [Reward("SOAP", "肥皂", cost=5)]
    book = _store_book(rewards=soap, store=StorePolicy(base_points=100, min_score=341))
    (problem,) = book.check()
    assert (problem.severity, problem.code) == ("error", "unreachable_min_score")
    assert "341" in problem.message and "340" in problem.message
    assert _store_book(rewards=soap, store=StorePolicy(base_points=100, min_score=340)
                       ).check() == []
    dear = [Reward("SOAP", "肥皂", cost=5, min_score=500)]
    assert [(p.code, p.subject) for p in _store_book(rewards=dear).check()] == [
        ("unreachable_min_score", "SOAP")]
    uncapped = Rulebook("b", [env()], rewards=dear)
    assert uncapped.check() == []


def test_unreachable_star_tiers_are_warnings() -> None:
    """A star tier needing more than base points plus a period's most earnings is flagged."""
    from pointsledger import RatingPolicy

    book = _store_book(ratings=RatingPolicy({1: 60, 2: 200, 3: 300}))
    problems = book.check()
    assert [(p.severity, p.code, p.subject) for p in problems] == [
        ("warning", "unreachable_tier", "3 stars")]
    assert "300" in problems[0].message and "240" in problems[0].message
    monthly = _store_book(ratings=RatingPolicy({1: 10, 2: 21}, per="month"))
    assert [p.subject for p in monthly.check()] == ["2 stars"]


def test_a_reward_window_ending_before_it_starts_is_an_error() -> None:
    """available_until before available_from: the reward can never be redeemed."""
    import datetime as dt

    from pointsledger import Reward

    reward = Reward("SOAP", "肥皂", cost=5, available_from=dt.date(2026, 6, 1),
                    available_until=dt.date(2026, 5, 31))
    (problem,) = Rulebook("b", [env()], rewards=[reward]).check()
    assert (problem.severity, problem.code, problem.subject) == (
        "error", "empty_reward_window", "SOAP")
    assert "2026-05-31" in problem.message and "2026-06-01" in problem.message
    same_day = attrs.evolve(reward, available_until=dt.date(2026, 6, 1))
    assert Rulebook("b", [env()], rewards=[same_day]).check() == []


def test_a_reward_out_of_reach_for_years_without_expiry() -> None:
    """Points that never expire still accrue slowly under caps: decades away is a warning,
    beyond a lifetime an error."""
    from pointsledger import Reward

    def book(cost: int) -> Rulebook:
        return _store_book(rewards=[Reward("TV", "电视机", cost=cost)])

    assert book(2400).check() == []                       # ten years of the most earnings
    (slow,) = book(2401).check()
    assert (slow.severity, slow.code, slow.subject) == ("warning", "slow_reward", "TV")
    assert "11 years" in slow.message
    (never,) = book(24_001).check()
    assert (never.severity, never.code) == ("error", "unaffordable_reward")
    assert "100 years" in never.message


def test_a_deduction_beyond_a_year_of_earnings_is_a_warning() -> None:
    """A deduction larger than one account can earn back in a year is flagged."""
    fine = ChecklistItem("COV-01", "焚烧秸秆", category="村规民约", points=-240)
    assert Rulebook("b", [env(cap=Cap(20, per="month")), fine]).check() == []
    harsh = attrs.evolve(fine, points=-241)
    (problem,) = Rulebook("b", [env(cap=Cap(20, per="month")), harsh]).check()
    assert (problem.severity, problem.code, problem.subject) == (
        "warning", "deduction_beyond_earnings", "COV-01")
    assert "241" in problem.message and "240" in problem.message
    alone = Rulebook("b", [harsh])                         # nothing to earn it back with
    assert [p.code for p in alone.check()] == ["deduction_beyond_earnings"]
    uncapped = Rulebook("b", [env(), harsh])
    assert uncapped.check() == []


def test_adopt_refuses_the_new_errors_and_records_the_new_warnings() -> None:
    """An unreachable min_score stops adoption; an unreachable star tier is recorded."""
    from pointsledger import RatingPolicy, Reward, StorePolicy

    led = adopted_ledger()
    head = led.head
    with pytest.raises(RulebookError) as info:
        led.adopt(Rulebook("v2", [env(cap=Cap(20, per="month"))],
                           rewards=[Reward("SOAP", "肥皂", cost=5)],
                           store=StorePolicy(min_score=241)),
                  effective_from=pendulum.date(2026, 3, 1), by=COMMITTEE, resolution="m")
    assert [p.code for p in info.value.fields["problems"]] == ["unreachable_min_score"]
    assert led.head == head
    event = led.adopt(Rulebook("v2", [env(cap=Cap(20, per="month"))],
                               ratings=RatingPolicy({1: 60, 2: 300})),
                      effective_from=pendulum.date(2026, 3, 1), by=COMMITTEE, resolution="m")
    assert len(event.warnings) == 1 and "2 stars" in event.warnings[0]
