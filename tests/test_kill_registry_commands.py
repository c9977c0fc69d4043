"""The registry's commands (rules, closed periods, regions, households, members, closing an
account), found by mutation testing (issue 16): who may run each one, the rulebook version
and facts each event records, a repeated request answered by its first event and another
under its key refused, every refusal's error with its fields and a message naming the bad
value, nothing written on a refusal, and the boundaries of adoption and of closing the
books (a posting or a closed period at the very first instant of a day)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest

from pointsledger import (
    AccountClosed,
    AlreadyExists,
    BalanceNotZero,
    Cap,
    CapExceeded,
    ChecklistItem,
    ExpiryPolicy,
    IdempotencyConflict,
    Ledger,
    ManualClock,
    PeriodClosed,
    PermissionDenied,
    PointsLedgerError,
    Rulebook,
    RulebookError,
    UnknownRegion,
    ValidationError,
)

from .helpers import (
    COMMITTEE,
    GRID,
    GRID2,
    RESIDENT,
    TZ,
    make_village,
    make_workflow_village,
    rulebook,
)

Run = Callable[[Ledger], Any]


def _refused(ledger: Ledger, run: Run, error: type[PointsLedgerError]) -> PointsLedgerError:
    """The error ``run`` raises (exactly that type), having checked nothing was written."""
    head = ledger.head
    with pytest.raises(error) as raised:
        run(ledger)
    assert type(raised.value) is error
    assert ledger.head == head
    return raised.value


def _ledger() -> Ledger:
    return make_village("memory").ledger


# -- who may, and the version each event records ---------------------------------------------


REGISTRY_RUNS: dict[str, Callable[[Ledger, Any], Any]] = {
    "adopt": lambda led, by: led.adopt(rulebook("2027"), effective_from=pendulum.date(2026, 3, 3),
                                       by=by, resolution="村民代表会议表决通过"),
    "close_period": lambda led, by: led.close_period(pendulum.date(2026, 2, 28), by=by),
    "add_region": lambda led, by: led.add_region("G03", "第三网格", kind="grid", parent="V01",
                                                 by=by),
    "register_household": lambda led, by: led.register_household("H009", grid="G02",
                                                                 head="王五", by=by),
    "register_member": lambda led, by: led.register_member("M009", household="H003",
                                                           name="赵六", by=by),
    "move_household": lambda led, by: led.move_household("H001", grid="G02", by=by, key="mv"),
    "close_account": lambda led, by: led.close_account("H004", by=by),
}


@pytest.mark.parametrize("name", sorted(REGISTRY_RUNS))
def test_each_registry_event_records_the_rulebook_version_in_force(name: str) -> None:
    led = _ledger()
    event = REGISTRY_RUNS[name](led, COMMITTEE)
    assert event.version == "2026"
    assert led.event(event.seq).version == "2026"


@pytest.mark.parametrize(("name", "actor"), [
    ("adopt", GRID), ("close_period", GRID), ("add_region", GRID), ("add_region", RESIDENT),
    ("register_household", RESIDENT), ("register_member", RESIDENT),
    ("move_household", GRID), ("close_account", RESIDENT),
])
def test_registry_commands_refuse_actors_without_an_allowed_role(name: str, actor: Any) -> None:
    led = _ledger()

    exc = _refused(led, lambda led: REGISTRY_RUNS[name](led, actor), PermissionDenied)
    assert exc.fields["actor"] == actor.id
    assert exc.fields["command"] == name
    assert not set(exc.fields["allowed"]) & actor.roles


# -- arguments refused by name ---------------------------------------------------------------

BAD_ARGUMENTS: list[tuple[str, Run, object]] = [
    ("effective_from", lambda led: led.adopt(rulebook("2027"), effective_from="2026-03-03",
                                             by=COMMITTEE, resolution="决议"), "2026-03-03"),
    ("effective_until", lambda led: led.adopt(
        rulebook("2027"), effective_from=pendulum.date(2026, 3, 3), effective_until=20270101,
        by=COMMITTEE, resolution="决议"), 20270101),
    ("resolution", lambda led: led.adopt(rulebook("2027"), effective_from=pendulum.date(
        2026, 3, 3), by=COMMITTEE, resolution=7), 7),
    ("resolution", lambda led: led.adopt(rulebook("2027"), effective_from=pendulum.date(
        2026, 3, 3), by=COMMITTEE, resolution="  "), "  "),
    ("through", lambda led: led.close_period("2026-02-28", by=COMMITTEE), "2026-02-28"),
    ("region code", lambda led: led.add_region("G 3", "第三网格", kind="grid", parent="V01",
                                               by=COMMITTEE), "G 3"),
    ("name", lambda led: led.add_region("G03", "", kind="grid", parent="V01", by=COMMITTEE), ""),
    ("name", lambda led: led.add_region("G03", " ", kind="grid", parent="V01", by=COMMITTEE),
     " "),
    ("kind", lambda led: led.add_region("G03", "第三网格", kind="hamlet", parent="V01",
                                        by=COMMITTEE), "hamlet"),
    ("parent", lambda led: led.add_region("G03", "第三网格", kind="grid", parent="V 01",
                                          by=COMMITTEE), "V 01"),
    ("household", lambda led: led.register_household("H 9", grid="G01", head="王五",
                                                     by=COMMITTEE), "H 9"),
    ("head", lambda led: led.register_household("H009", grid="G01", head="", by=COMMITTEE), ""),
    ("head", lambda led: led.register_household("H009", grid="G01", head="  ", by=COMMITTEE),
     "  "),
    ("member", lambda led: led.register_member("M 9", household="H001", name="赵六",
                                               by=COMMITTEE), "M 9"),
    ("name", lambda led: led.register_member("M009", household="H001", name="", by=COMMITTEE),
     ""),
    ("name", lambda led: led.register_member("M009", household="H001", name=" ",
                                             by=COMMITTEE), " "),
    ("household", lambda led: led.register_member("M009", household="H 1", name="赵六",
                                                  by=COMMITTEE), "H 1"),
    ("birth_date", lambda led: led.register_member("M009", household="H001", name="赵六",
                                                   birth_date="1990-01-01", by=COMMITTEE),
     "1990-01-01"),
    ("household", lambda led: led.move_household("H 1", grid="G02", by=COMMITTEE, key="mv"),
     "H 1"),
    ("grid", lambda led: led.move_household("H001", grid="G 2", by=COMMITTEE, key="mv"), "G 2"),
    ("account", lambda led: led.close_account("H 4", by=COMMITTEE), "H 4"),
    ("balance_to", lambda led: led.close_account("H004", balance_to="H 3", by=COMMITTEE),
     "H 3"),
]


@pytest.mark.parametrize(("field", "run", "value"), BAD_ARGUMENTS,
                         ids=[f"{i}-{b[0]}" for i, b in enumerate(BAD_ARGUMENTS)])
def test_a_bad_argument_is_refused_naming_it(field: str, run: Run, value: object) -> None:
    led = _ledger()
    exc = _refused(led, run, ValidationError)
    assert exc.fields["field"] == field
    assert exc.fields["value"] == value
    assert str(exc).startswith(field)
    assert repr(value) in str(exc)


def test_a_region_kind_is_refused_naming_the_kinds_allowed() -> None:
    exc = _refused(_ledger(), lambda led: led.add_region("G03", "第三网格", kind="hamlet",
                                                         by=COMMITTEE), ValidationError)
    for kind in ("county", "town", "village", "community", "grid", "micro_grid"):
        assert kind in str(exc)


def test_a_rulebook_that_is_not_one_is_refused_naming_it() -> None:
    exc = _refused(_ledger(), lambda led: led.adopt(
        {"version": "2027"}, effective_from=pendulum.date(2026, 3, 3), by=COMMITTEE,
        resolution="决议"), ValidationError)
    assert exc.fields == {"value": {"version": "2027"}}
    assert "rulebook" in str(exc) and "'2027'" in str(exc)


# -- adopt -----------------------------------------------------------------------------------


def test_a_resolution_keeps_its_lines_and_the_warnings_are_recorded() -> None:
    led = _ledger()
    rules = Rulebook("2027", rulebook().items, category_caps={"不存在": Cap(5, per="day")})
    event = led.adopt(rules, effective_from=pendulum.date(2026, 3, 3), by=COMMITTEE,
                      resolution="村民代表会议\n表决通过")
    assert event.resolution == "村民代表会议\n表决通过"
    assert event.warnings == ("a cap names category '不存在', which has no items",)
    assert led.adoption("2027").resolution == "村民代表会议\n表决通过"
    assert led.adopt(rulebook("2028"), effective_from=pendulum.date(2026, 3, 4),
                     by=COMMITTEE, resolution="决议").warnings == ()


def test_an_adoption_repeated_is_answered_by_its_event_and_a_changed_one_refused() -> None:
    led = _ledger()
    first = REGISTRY_RUNS["adopt"](led, COMMITTEE)
    assert REGISTRY_RUNS["adopt"](led, COMMITTEE).seq == first.seq
    for changed in (
            dict(effective_from=pendulum.date(2026, 3, 4), resolution="村民代表会议表决通过"),
            dict(effective_from=pendulum.date(2026, 3, 3), resolution="另一决议"),
            dict(effective_from=pendulum.date(2026, 3, 3), resolution="村民代表会议表决通过",
                 effective_until=pendulum.date(2026, 12, 31))):
        exc = _refused(led, lambda led, c=changed: led.adopt(  # type: ignore[misc]
            rulebook("2027"), by=COMMITTEE, **c), IdempotencyConflict)
        assert exc.fields["key"] == "adopt/2027"


def test_a_version_adopted_again_is_refused_with_its_problems() -> None:
    led = _ledger()
    exc = _refused(led, lambda led: led.adopt(
        rulebook("2026"), effective_from=pendulum.date(2026, 3, 3), by=COMMITTEE,
        resolution="决议", key="again"), AlreadyExists)
    assert exc.fields["version"] == "2026"
    assert [p.code for p in exc.fields["problems"]] == ["version_taken"]
    assert "'2026'" in str(exc)


def test_an_overlapping_range_is_refused_with_its_problems() -> None:
    led = _ledger()
    exc = _refused(led, lambda led: led.adopt(
        rulebook("2027"), effective_from=pendulum.date(2025, 6, 1), by=COMMITTEE,
        resolution="决议"), RulebookError)
    assert exc.fields["version"] == "2027"
    problems = exc.fields["problems"]
    assert [p.code for p in problems] == ["overlap"]
    assert "'2027'" in str(exc) and problems[0].message in str(exc)


def test_a_posting_at_the_first_instant_of_a_day_holds_back_a_version_from_that_day() -> None:
    led = _ledger()
    led.award("H001", "VOL-02", by=GRID, key="a2",
              occurred_at=pendulum.datetime(2026, 3, 1, tz=TZ))
    exc = _refused(led, lambda led: led.adopt(
        rulebook("2027"), effective_from=pendulum.date(2026, 3, 1), by=COMMITTEE,
        resolution="决议"), RulebookError)
    assert exc.fields == {"effective_from": "2026-03-01"}
    # it names the day asked and the local day of the latest posting (16:00 UTC the day before)
    assert str(exc).count("2026-03-01") == 2 and "2026-02-28" not in str(exc)
    # a microsecond earlier, the same version may start that day
    led2 = _ledger()
    led2.award("H001", "VOL-02", by=GRID, key="a2",
               occurred_at=pendulum.datetime(2026, 3, 1, tz=TZ).subtract(microseconds=1))
    assert led2.adopt(rulebook("2027"), effective_from=pendulum.date(2026, 3, 1),
                      by=COMMITTEE, resolution="决议").effective_from == "2026-03-01"


def test_a_version_may_start_the_day_after_the_books_close_but_not_before() -> None:
    led = _ledger()
    led.close_period(pendulum.date(2026, 3, 1), by=COMMITTEE)
    exc = _refused(led, lambda led: led.adopt(
        rulebook("2027"), effective_from=pendulum.date(2026, 3, 1), by=COMMITTEE,
        resolution="决议"), PeriodClosed)
    assert exc.fields == {"effective_from": "2026-03-01"}
    assert "2026-03-01" in str(exc)
    event = led.adopt(rulebook("2027"), effective_from=pendulum.date(2026, 3, 2),
                      by=COMMITTEE, resolution="决议")
    assert (event.effective_from, event.version) == ("2026-03-02", "2026")


# -- close_period ----------------------------------------------------------------------------


def test_closing_the_books_keeps_the_callers_key_and_refuses_a_day_closed_again() -> None:
    led = _ledger()
    event = led.close_period(pendulum.date(2026, 2, 27), by=COMMITTEE, key="结账/2月")
    assert (event.key, event.through) == ("结账/2月", "2026-02-27")
    assert led.close_period(pendulum.date(2026, 2, 27), by=COMMITTEE,
                            key="结账/2月").seq == event.seq
    exc = _refused(led, lambda led: led.close_period(pendulum.date(2026, 2, 27),
                                                     by=COMMITTEE, key="again"),
                   ValidationError)
    assert exc.fields == {"through": "2026-02-27"}
    assert "2026-02-27" in str(exc)
    assert led.close_period(pendulum.date(2026, 2, 28), by=COMMITTEE).through == "2026-02-28"


@pytest.mark.parametrize("day", [pendulum.date(2026, 3, 2), pendulum.date(2026, 3, 3)])
def test_only_past_days_can_be_closed(day: pendulum.Date) -> None:
    exc = _refused(_ledger(), lambda led: led.close_period(day, by=COMMITTEE), ValidationError)
    assert exc.fields == {"through": day.isoformat()}
    assert day.isoformat() in str(exc)


def test_today_is_the_ledgers_local_day() -> None:
    """At 07:00 in Shanghai it is still yesterday in UTC: yesterday (local) can be closed and
    a member born today (local) registered."""
    clock = ManualClock(pendulum.datetime(2026, 3, 2, 7, 0, tz=TZ))
    led = make_village("memory", clock=clock).ledger
    assert led.close_period(pendulum.date(2026, 3, 1), by=COMMITTEE).through == "2026-03-01"
    born = led.register_member("M009", household="H003", name="新生儿",
                               birth_date=pendulum.date(2026, 3, 2), by=COMMITTEE)
    assert born.birth_date == "2026-03-02"


@pytest.mark.parametrize("tiers", [1, 2])
def test_claims_in_review_hold_back_closing_their_days(tiers: int) -> None:
    village = make_workflow_village(tiers=tiers)
    led = village.ledger
    midnight = pendulum.datetime(2026, 3, 1, tz=TZ)
    held = led.submit_claim("H002", "HON-01", by=GRID, key="c1",
                            occurred_at=midnight.subtract(microseconds=1))
    later = led.submit_claim("H003", "HON-01", by=GRID, key="c2", occurred_at=midnight)
    if tiers == 2:
        led.step(held, "check", by=GRID2, key="c1/check")
        assert led.case(held).state == "checked"
    else:
        assert led.case(held).state == "submitted"
    exc = _refused(led, lambda led: led.close_period(pendulum.date(2026, 2, 28), by=COMMITTEE),
                   ValidationError)
    assert exc.fields == {"through": "2026-02-28", "claims": [held.id]}
    assert held.id in str(exc)
    led.step(held, "reject", by=COMMITTEE, key="c1/reject", reason="不属实")
    # the claim for conduct at the first instant of March does not hold February back
    assert led.close_period(pendulum.date(2026, 2, 28), by=COMMITTEE).through == "2026-02-28"
    assert led.case(later).state == "submitted"


# -- regions ---------------------------------------------------------------------------------


def test_a_region_is_added_once_under_a_known_parent() -> None:
    led = _ledger()
    exc = _refused(led, lambda led: led.add_region("G01", "重名网格", kind="grid", parent="V01",
                                                   by=COMMITTEE, key="again"), AlreadyExists)
    assert exc.fields == {"region": "G01"} and "'G01'" in str(exc)
    missing = _refused(led, lambda led: led.add_region("G03", "第三网格", kind="grid",
                                                       parent="V09", by=COMMITTEE),
                       UnknownRegion)
    assert missing.fields == {"region": "V09"} and "'V09'" in str(missing)
    event = REGISTRY_RUNS["add_region"](led, COMMITTEE)
    assert (event.code, event.name, event.region_kind, event.parent) == (
        "G03", "第三网格", "grid", "V01")
    assert REGISTRY_RUNS["add_region"](led, COMMITTEE).seq == event.seq
    for changed in (dict(name="另一个名字", kind="grid", parent="V01"),
                    dict(name="第三网格", kind="micro_grid", parent="G01"),
                    dict(name="第三网格", kind="village", parent=None)):
        _refused(led, lambda led, c=changed: led.add_region(  # type: ignore[misc]
            "G03", by=COMMITTEE, **c), IdempotencyConflict)


def test_households_join_only_a_known_grid() -> None:
    led = _ledger()
    exc = _refused(led, lambda led: led.move_household("H001", grid="G09", by=COMMITTEE,
                                                       key="mv"), UnknownRegion)
    assert exc.fields == {"region": "G09"} and "'G09'" in str(exc)
    village = _refused(led, lambda led: led.move_household("H001", grid="V01", by=COMMITTEE,
                                                           key="mv"), ValidationError)
    assert village.fields == {"region": "V01", "region_kind": "village",
                              "accepted": ["grid", "micro_grid"]}


# -- households and members ------------------------------------------------------------------


def test_a_household_move_records_both_grids_and_answers_a_repeat() -> None:
    led = _ledger()
    event = REGISTRY_RUNS["move_household"](led, COMMITTEE)
    assert (event.household, event.from_grid, event.to_grid) == ("H001", "G01", "G02")
    assert REGISTRY_RUNS["move_household"](led, COMMITTEE).seq == event.seq
    for household, grid in (("H002", "G02"), ("H001", "G01")):
        exc = _refused(led, lambda led, h=household, g=grid: led.move_household(  # type: ignore[misc]
            h, grid=g, by=COMMITTEE, key="mv"), IdempotencyConflict)
        assert exc.fields["key"] == "mv"
    same = _refused(led, lambda led: led.move_household("H001", grid="G02", by=COMMITTEE,
                                                        key="mv2"), ValidationError)
    assert same.fields == {"grid": "G02"}
    assert "'H001'" in str(same) and "'G02'" in str(same)


def test_a_birth_date_lies_between_1900_and_today() -> None:
    led = _ledger()
    for day in (pendulum.date(1899, 12, 31), pendulum.date(2026, 3, 3)):
        exc = _refused(led, lambda led, d=day: led.register_member(  # type: ignore[misc]
            "M009", household="H003", name="赵六", birth_date=d, by=COMMITTEE), ValidationError)
        assert exc.fields == {"field": "birth_date", "value": day.isoformat()}
    for day in (pendulum.date(1900, 1, 1), pendulum.date(2026, 3, 2)):
        event = led.register_member(f"M{day.year}", household="H003", name="赵六",
                                    birth_date=day, by=COMMITTEE)
        assert event.birth_date == day.isoformat()


def test_a_member_registered_again_is_refused_as_what_it_is() -> None:
    led = _ledger()
    # an open member under the default key with other facts: the key's conflict
    conflict = _refused(led, lambda led: led.register_member(
        "M001", household="H001", name="张三丰", by=COMMITTEE), IdempotencyConflict)
    assert conflict.fields["key"] == "member/M001"
    # a default key taken by another command: the key's conflict too
    led.register_household("H009", grid="G02", head="王五", by=COMMITTEE, key="member/M009")
    taken = _refused(led, lambda led: led.register_member(
        "M009", household="H003", name="赵六", by=COMMITTEE), IdempotencyConflict)
    assert taken.fields["key"] == "member/M009"
    # a member who left: pointed to member_returns, naming the household they left
    led.member_leaves("M001", reason="迁出", by=COMMITTEE, key="left")
    for key in (None, "again"):
        exc = _refused(led, lambda led, k=key: led.register_member(  # type: ignore[misc]
            "M001", household="H002", name="张三", by=COMMITTEE, key=k), AlreadyExists)
        assert exc.fields == {"account": "M001"}
        assert "'M001'" in str(exc) and "'H001'" in str(exc)


# -- close_account ---------------------------------------------------------------------------


def test_a_household_closes_after_its_members_and_its_open_cases() -> None:
    village = make_workflow_village()
    led = village.ledger
    members = _refused(led, lambda led: led.close_account("H002", by=COMMITTEE),
                       ValidationError)
    assert members.fields == {"account": "H002", "members": ["M002", "M004"]}
    assert "'H002'" in str(members) and "M004" in str(members)
    claim = led.submit_claim("M003", "HON-01", by=GRID, key="c1", occurred_at=village.clock())
    cases = _refused(led, lambda led: led.close_account("M003", by=COMMITTEE),
                     ValidationError)
    assert cases.fields == {"account": "M003", "cases": [claim.id]}
    assert "'M003'" in str(cases) and claim.id in str(cases)


def test_a_balance_goes_where_the_closing_says() -> None:
    led = _ledger()
    led.award("H004", "ENV-01", by=GRID, key="a1")
    exc = _refused(led, lambda led: led.close_account("H004", by=COMMITTEE), BalanceNotZero)
    assert exc.fields == {"account": "H004", "balance": 5}
    assert "'H004'" in str(exc) and "5" in str(exc)
    itself = _refused(led, lambda led: led.close_account("H004", balance_to="H004",
                                                         by=COMMITTEE), ValidationError)
    assert itself.fields == {"balance_to": "H004"} and "balance_to" in str(itself)
    event = led.close_account("H004", balance_to="@pool", by=COMMITTEE)
    assert (event.account, event.balance, event.balance_to) == ("H004", 5, "@pool")
    assert led.close_account("H004", balance_to="@pool", by=COMMITTEE).seq == event.seq
    other = _refused(led, lambda led: led.close_account("H004", balance_to="H003",
                                                        by=COMMITTEE), IdempotencyConflict)
    assert other.fields["key"] == "close/H004"
    closed = _refused(led, lambda led: led.close_account("H004", by=COMMITTEE, key="again"),
                      AccountClosed)
    assert closed.fields == {"account": "H004"}


# -- the registry events' postings, moves and state ------------------------------------------


def test_registry_changes_of_no_points_post_nothing() -> None:
    led = _ledger()
    split = led.split_household("H001", new_household="H009", head="张小三", members=["M001"],
                                reason="分户", grid="G02", by=COMMITTEE, key="split")
    assert (split.points, split.postings()) == (0, ())
    assert attrs.evolve(split, points=3).postings() == (("H001", "H009", 3),)
    household = led.household("H009")
    assert (household.id, household.grid, household.head) == ("H009", "G02", "张小三")
    assert led.member("M001").household == "H009"
    # the new household's caps count on their own: H001's full month does not hold it back
    for key in ("e1", "e2"):
        led.award("H001", "ENV-01", by=GRID, key=key)
    _refused(led, lambda led: led.award("H001", "ENV-01", by=GRID, key="e3"), CapExceeded)
    assert led.award("H009", "ENV-01", by=GRID, key="e9").account == "H009"
    assert led.balance("H009").posted == 5
    left = led.member_leaves("M002", reason="迁出", by=COMMITTEE, key="left")
    assert (left.balance, left.postings()) == (0, ())
    assert attrs.evolve(left, balance=-4).postings() == (("M002", "H002", -4),)
    merged = led.merge_households("H009", into="H003", reason="合户", by=COMMITTEE)
    assert (merged.balance, merged.postings()) == (5, (("H009", "H003", 5),))
    assert attrs.evolve(merged, balance=0).postings() == ()
    assert led.balance("H003").posted == 5
    assert led.member("M001").household == "H003"


def test_a_returning_member_moves_points_only_between_two_households() -> None:
    led = _ledger()
    left = led.member_leaves("M001", reason="迁出", by=COMMITTEE, key="left")
    back = led.member_returns("M001", household="H002", reason="返乡", by=COMMITTEE, key="back")
    assert (back.from_household, back.household, back.balance) == ("H001", "H002", 0)
    assert back.moves() == ()
    assert attrs.evolve(back, balance=3).moves() == (("M001", "H001", "H002", 3),)
    assert attrs.evolve(back, household="H001", balance=3).moves() == ()
    # the registry as it stood: in H001 when leaving, in H002 after returning
    assert led.household_of("M001", at_seq=left.seq) == "H001"
    assert led.household_of("M001", at_seq=back.seq) == "H002"
    assert led.member("M001").closed is False


@pytest.mark.parametrize("change", ["leave", "merge", "split"])
def test_points_moved_by_a_registry_change_keep_the_carry_over_limit(change: str) -> None:
    """Lots that arrive at an account which never held them get the rulebook's carry-over
    limit: at the year end 15 of the 20 points moved carry, 5 expire."""
    clock = ManualClock(pendulum.datetime(2026, 12, 1, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    items = [ChecklistItem("VOL-01", "志愿服务", category="志愿服务", points=10)]
    led.adopt(Rulebook("r1", items, expiry=ExpiryPolicy("carry_over", carry=15)),
              effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="决议")
    led.add_region("G", "网格", kind="grid", by=COMMITTEE)
    for household in ("H1", "H2"):
        led.register_household(household, grid="G", head="户主", by=COMMITTEE)
    led.register_member("M1", household="H1", name="张三", by=COMMITTEE)
    source = {"leave": "M1", "merge": "H2", "split": "H1"}[change]
    for key in ("a", "b"):
        led.award(source, "VOL-01", by=GRID, key=key, occurred_at=clock())
    if change == "leave":
        led.member_leaves("M1", reason="迁出", by=COMMITTEE, key="left")
        target = "H1"
    elif change == "merge":
        led.merge_households("H2", into="H1", reason="合户", by=COMMITTEE)
        target = "H1"
    else:
        led.split_household("H1", new_household="H3", head="新户主", members=["M1"],
                            reason="分户", points=20, by=COMMITTEE, key="split")
        target = "H3"
    assert led.balance(target).posted == 20
    clock.set(pendulum.datetime(2027, 1, 1, tz=TZ))
    (event,) = led.expire_due()
    assert (event.account, event.points) == (target, 5)
    assert led.balance(target).posted == 15


def test_the_registry_as_it_stood_shows_a_member_away_between_leaving_and_returning() -> None:
    village = make_village("memory")
    led, clock = village.ledger, village.clock
    start = clock()
    before = start.add(hours=1)
    clock.set(start.add(days=1))
    led.member_leaves("M001", reason="迁出", by=COMMITTEE, key="left")
    away = clock().add(hours=1)
    clock.set(start.add(days=2))
    led.member_returns("M001", household="H002", reason="返乡", by=COMMITTEE, key="back")
    stood = {when: led.members(as_of=when)["M001"] for when in (before, away, clock())}
    assert [(m.household, m.closed) for m in stood.values()] == [
        ("H001", False), ("H001", True), ("H002", False)]
    assert list(led.members("H001", as_of=away)) == ["M001"]
    assert "M001" in led.members("H002") and "M001" not in led.members("H001")
