"""Households and members as they really change (分户, 合户, 婚嫁, 迁出, 去世, 返乡): the
registry commands of pointsledger.core.household_commands, and the reports that take the
registry as it stood in each period."""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsledger import (
    AccountClosed,
    Actor,
    AlreadyExists,
    ExpiryPolicy,
    InsufficientPoints,
    Ledger,
    ManualClock,
    PermissionDenied,
    PointsLedgerError,
    UnknownAccount,
    ValidationError,
    reports,
)
from pointsledger.reports.ratings import rate
from pointsledger.testing import check_invariants

from .helpers import COMMITTEE, GRID, TZ, budget, make_village, rulebook

MARCH, APRIL, MAY = "2026-03", "2026-04", "2026-05"


def _month_end(month: str) -> pendulum.DateTime:
    year, number = map(int, month.split("-"))
    return pendulum.datetime(year, number, 1, tz=TZ).end_of("month")


def _household_sums_are_conserved(ledger: Ledger) -> None:
    """The households' points (own and members' accounts) add up to all their accounts'."""
    households = ledger.households()
    together = sum(ledger.household_balance(h).posted for h in households)
    accounts = sum(ledger.balance(a).posted for a in [*households, *ledger.members()])
    assert together == accounts


def _statements_close_at_the_balances(ledger: Ledger, months: list[str]) -> None:
    for household in ledger.households():
        for month in months:
            table = reports.statement(ledger, household, period=month, locale="en")
            closing = dict(table.summary)["closing"]
            assert closing == ledger.household_balance(
                household, as_of=_month_end(month)).posted, (household, month)


def _story(path: str) -> Ledger:
    """March: M001 (of H001) earns 5, H001 earns 2, M003 joins H001. April: H001 splits
    (分户) into H005 with M003 and half its own points, M001 marries into H003 (婚嫁) and earns
    5 there, H004 merges into H002 (合户). May: M001 moves away (迁出) and comes back to H001
    (返乡)."""
    village = make_village(path)
    ledger, clock = village.ledger, village.clock
    ledger.register_member("M003", household="H001", name="张小三", by=COMMITTEE)
    ledger.award("M001", "ENV-01", by=GRID, key="m/1")
    ledger.award("H001", "VOL-02", by=GRID, key="m/2")
    ledger.award("M003", "VOL-02", by=GRID, key="m/3")
    ledger.award("H004", "ENV-01", by=GRID, key="m/4")
    clock.advance(days=31)  # April 2
    ledger.split_household("H001", new_household="H005", head="张小三", members=["M003"],
                           share=Fraction(1, 2), reason="分户", by=COMMITTEE)
    ledger.move_member("M001", household="H003", reason="婚嫁", by=COMMITTEE, key="mv/1")
    ledger.award("M001", "ENV-01", by=GRID, key="a/1")
    ledger.merge_households("H004", into="H002", reason="合户", by=COMMITTEE)
    clock.advance(days=30)  # May 2
    ledger.member_leaves("M001", reason="迁出", by=COMMITTEE, key="leave/1")
    ledger.member_returns("M001", household="H001", reason="返乡", by=COMMITTEE, key="back/1")
    return ledger


def test_a_village_that_splits_merges_and_moves_keeps_its_invariants_and_history() -> None:
    """A household splits, two merge, a member moves out and back: conservation and replay
    hold, and statements, boards, ratings and roll-ups show the registry of each period, also
    after a reopen that rebuilds the report index from the log."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "village.db")
        ledger = _story(path)
        assert check_invariants(ledger) == []
        ledger.verify()
        _household_sums_are_conserved(ledger)
        _statements_close_at_the_balances(ledger, [MARCH, APRIL, MAY])
        # the registry now
        assert ledger.member("M001").household == "H001" and not ledger.member("M001").closed
        assert ledger.member("M003").household == "H005"
        assert ledger.household("H004").closed
        assert ledger.household_balance("H001").posted == 1  # 2 own, 1 split off; M001 left 10
        assert ledger.balance("H003").posted == 10  # M001's points stayed in H003 on leaving
        assert ledger.household_balance("H005").posted == 2 + 1
        assert ledger.household_balance("H002").posted == 5
        # the registry as it stood
        assert ledger.household_balance("H001", as_of=_month_end(MARCH)).posted == 5 + 2 + 2
        assert ledger.household_balance("H003", as_of=_month_end(APRIL)).posted == 10
        assert ledger.members("H001", as_of=_month_end(MARCH)).keys() == {"M001", "M003"}
        assert "H005" not in ledger.households(as_of=_month_end(MARCH))
        moved = next(e.seq for e in ledger.events() if e.kind == "member_moved")
        assert ledger.household_of("M001", at_seq=moved - 1) == "H001"
        assert ledger.household_of("M001", at_seq=moved) == "H003"
        boards = {month: reports.honour_board(ledger, month, locale="en").rows
                  for month in (MARCH, APRIL)}
        assert boards[MARCH][0][1:] == ("H001", boards[MARCH][0][2], 9)  # M001's March with H001
        assert [(row[1], row[3]) for row in boards[APRIL]] == [("H003", 5)]
        assert "H004" in {r.household for r in rate(ledger, _dt.date(2026, 3, 1), per="month")}
        april = {r.household: r for r in rate(ledger, _dt.date(2026, 4, 1), per="month")}
        assert "H004" not in april  # merged in April: no longer rated
        assert april["H003"].earned == 5
        roll = {row[8]: row for row in reports.rollup(ledger, period=MARCH, locale="en").rows}
        assert roll["G01"][2] == 2  # H005 did not exist yet
        roll = {row[8]: row for row in reports.rollup(ledger, period=APRIL, locale="en").rows}
        assert roll["G01"][2] == 3
        statements = {h: reports.statement(ledger, h, locale="en").rows
                      for h in ledger.households()}
        ledger.close()
        for snapshot in (False, True):
            again = Ledger.open(path, tz=TZ)
            assert {month: reports.honour_board(again, month, locale="en").rows
                    for month in (MARCH, APRIL)} == boards
            assert {h: reports.statement(again, h, locale="en").rows
                    for h in again.households()} == statements
            assert check_invariants(again) == []
            if snapshot:
                again.snapshot()
            again.close()


def test_a_moved_members_points_show_as_leaving_one_household_and_joining_the_other() -> None:
    """A move is no posting: the member keeps their points, and the households' statements
    show them going out of one and into the other."""
    village = make_village("memory")
    ledger = village.ledger
    ledger.award("M001", "ENV-01", by=GRID, key="a")
    moved = ledger.move_member("M001", household="H003", reason="婚嫁", by=COMMITTEE, key="mv")
    assert (moved.from_household, moved.to_household, moved.balance) == ("H001", "H003", 5)
    assert ledger.balance("M001").posted == 5
    old = reports.statement(ledger, "H001", locale="en")
    new = reports.statement(ledger, "H003", locale="en")
    assert [row[4] for row in old.rows] == [5, -5] and dict(old.summary)["closing"] == 0
    assert [row[4] for row in new.rows] == [5] and dict(new.summary)["closing"] == 5
    member = reports.statement(ledger, "M001", locale="en")
    assert [row[4] for row in member.rows] == [5]  # the member's own passbook: no move rows


def test_a_merge_into_itself_is_refused_naming_the_household() -> None:
    """The English message names the household too, as the Chinese one does."""
    ledger = make_village("memory").ledger
    with pytest.raises(ValidationError) as refused:
        ledger.merge_households("H001", into="H001", reason="合户", by=COMMITTEE)
    assert refused.value.fields == {"merge_into": "H001"}
    assert "'H001'" in str(refused.value) and "H001" in refused.value.message_for("zh")


def test_re_registering_a_closed_member_says_to_use_member_returns() -> None:
    """Registering a member who left (default key) is AlreadyExists naming member_returns,
    not a misleading IdempotencyConflict, and writes nothing; member_returns re-opens them."""
    ledger = make_village("memory").ledger
    ledger.member_leaves("M001", reason="迁出", by=COMMITTEE, key="leave")
    head = ledger.head
    with pytest.raises(AlreadyExists, match="member_returns"):
        ledger.register_member("M001", household="H002", name="张三", by=COMMITTEE)
    with pytest.raises(AlreadyExists, match="member_returns"):  # under an app's own key too
        ledger.register_member("M001", household="H002", name="张三", by=COMMITTEE,
                               key="app/member/M001/again")
    assert ledger.head == head
    returned = ledger.member_returns("M001", household="H002", reason="返乡", by=COMMITTEE,
                                     key="back")
    assert (returned.from_household, returned.household) == ("H001", "H002")
    assert not ledger.member("M001").closed and ledger.member("M001").household == "H002"


def test_a_merged_household_is_rated_for_earlier_periods_only() -> None:
    """A household closed by a merge is not rated for the period of the merge (nor on the
    星级文明户 list), but still is for the periods before it."""
    village = make_village("memory")
    ledger, clock = village.ledger, village.clock
    ledger.award("H004", "ENV-01", by=GRID, key="a")
    clock.advance(days=31)
    ledger.merge_households("H004", into="H003", reason="合户", by=COMMITTEE)
    assert "H004" not in {r.household for r in rate(ledger, _dt.date(2026, 4, 1), per="month")}
    assert "H004" in {r.household for r in rate(ledger, _dt.date(2026, 3, 1), per="month")}
    assert "H004" not in {row[1] for row in reports.star_households(ledger, "2026").rows}


def test_a_household_merged_away_leaves_the_roll_up_of_later_periods() -> None:
    """The roll-up counts the households of the period: one merged in March is counted (with
    its conduct) in March, and no longer in May, so it does not lower May's participation
    rate."""
    village = make_village("memory")
    ledger, clock = village.ledger, village.clock
    ledger.award("H004", "ENV-01", by=GRID, key="a")
    ledger.merge_households("H004", into="H003", reason="合户", by=COMMITTEE)
    clock.advance(days=70)  # May
    ledger.award("H003", "ENV-01", by=GRID, key="b")

    def grid_two(period: str | None) -> tuple[object, ...]:
        rows = reports.rollup(ledger, period=period, locale="en").rows
        return next(row[2:6] for row in rows if row[8] == "G02")

    assert grid_two(MARCH) == (2, 1, "50%", 5)  # H003 and H004, which earned 5 in March
    assert grid_two(MAY) == (1, 1, "100%", 5)  # H003 alone
    assert grid_two(None) == (2, 2, "100%", 10)  # all time: every household ever registered


def test_points_that_move_take_their_expiry_along() -> None:
    """A split's share, a merged household's balance and a departing member's balance keep
    their expiry dates: they expire from the new account when they would have."""
    rules = rulebook()
    rules = type(rules)(rules.version, rules.items, category_caps=dict(rules.category_caps),
                        expiry=ExpiryPolicy("rolling", days=30))
    village = make_village("memory", rules=rules)
    ledger, clock = village.ledger, village.clock
    ledger.award("H001", "ENV-01", by=GRID, key="a1")
    ledger.award("H002", "ENV-01", by=GRID, key="a2")
    ledger.award("M002", "VOL-02", by=GRID, key="a3")
    clock.advance(days=10)
    split = ledger.split_household("H001", new_household="H005", head="新户", members=["M001"],
                                   points=3, reason="分户", by=COMMITTEE)
    assert split.points == 3 and sum(amount for _lot, amount, _e in split.lots) == 3
    ledger.member_leaves("M002", reason="去世", by=COMMITTEE, key="l")
    ledger.merge_households("H002", into="H003", reason="合户", by=COMMITTEE)
    assert ledger.balance("H003").posted == 5 + 2
    clock.advance(days=25)  # past the 30 days of the first awards
    expired = {e.account: e.points for e in ledger.expire_due()}
    assert expired == {"H001": 2, "H005": 3, "H003": 7}
    assert check_invariants(ledger) == []


REFUSALS: list[tuple[str, Callable[[Ledger], Any], type[PointsLedgerError]]] = [
    ("move to the same household", lambda L: L.move_member(
        "M001", household="H001", reason="婚嫁", by=COMMITTEE, key="k"), ValidationError),
    ("move a household", lambda L: L.move_member(
        "H002", household="H001", reason="婚嫁", by=COMMITTEE, key="k"), ValidationError),
    ("move an unknown member", lambda L: L.move_member(
        "M404", household="H001", reason="婚嫁", by=COMMITTEE, key="k"), UnknownAccount),
    ("move without a reason", lambda L: L.move_member(
        "M001", household="H002", reason="", by=COMMITTEE, key="k"), ValidationError),
    ("move by a grid worker", lambda L: L.move_member(
        "M001", household="H002", reason="婚嫁", by=GRID, key="k"), PermissionDenied),
    ("move into the actor's household", lambda L: L.move_member(
        "M002", household="H001", reason="婚嫁", by=Actor("M001", roles={"committee"}),
        key="k"), PermissionDenied),
    ("move into a closed household", lambda L: (L.merge_households(
        "H004", into="H003", reason="合户", by=COMMITTEE), L.move_member(
        "M001", household="H004", reason="婚嫁", by=COMMITTEE, key="k")), AccountClosed),
    ("split off more than it has", lambda L: L.split_household(
        "H001", new_household="H009", head="某", members=["M001"], points=1, reason="分户",
        by=COMMITTEE), InsufficientPoints),
    ("split with points and a share", lambda L: L.split_household(
        "H001", new_household="H009", head="某", members=["M001"], points=0, share="1/2",
        reason="分户", by=COMMITTEE), ValidationError),
    ("split a share above one", lambda L: L.split_household(
        "H001", new_household="H009", head="某", members=["M001"], share="3/2",
        reason="分户", by=COMMITTEE), ValidationError),
    ("split another household's member", lambda L: L.split_household(
        "H001", new_household="H009", head="某", members=["M002"], reason="分户",
        by=COMMITTEE), ValidationError),
    ("split into a taken id", lambda L: L.split_household(
        "H001", new_household="H002", head="某", members=["M001"], reason="分户",
        by=COMMITTEE), AlreadyExists),
    ("split with nobody", lambda L: L.split_household(
        "H001", new_household="H009", head="某", members=[], reason="分户", by=COMMITTEE),
     ValidationError),
    ("merge into itself", lambda L: L.merge_households(
        "H001", into="H001", reason="合户", by=COMMITTEE), ValidationError),
    ("merge with a reservation open", lambda L: (
        L.adopt(_with_soap(), effective_from=L.now().date(), by=COMMITTEE, resolution="增补"),
        L.receive_stock("SOAP", 1, by=COMMITTEE, key="s"),
        L.award("H002", "ENV-01", by=GRID, key="a"),
        L.reserve("H002", "SOAP", by=COMMITTEE, key="r"),
        L.merge_households("H002", into="H003", reason="合户", by=COMMITTEE)),
     ValidationError),
    ("leave for another reason", lambda L: L.member_leaves(
        "M001", reason="出国", by=COMMITTEE, key="k"), ValidationError),
    ("leave twice", lambda L: (L.member_leaves("M001", reason="迁出", by=COMMITTEE, key="k1"),
                               L.member_leaves("M001", reason="迁出", by=COMMITTEE, key="k2")),
     AccountClosed),
    ("return while open", lambda L: L.member_returns(
        "M001", household="H001", reason="返乡", by=COMMITTEE, key="k"), ValidationError),
    # hostile input
    *((f"split a share of {share!r}", lambda L, share=share: L.split_household(
        "H001", new_household="H009", head="某", members=["M001"], share=share,
        reason="分户", by=COMMITTEE), ValidationError)
      for share in ("nan", "NaN", "inf", "1/0", "1e309", "-1/2", 0.5, True, [1, 2])),
    *((f"split off {points!r} points", lambda L, points=points: L.split_household(
        "H001", new_household="H009", head="某", members=["M001"], points=points,
        reason="分户", by=COMMITTEE), ValidationError)
      for points in (-1, 10**9, "5", 5.0, float("nan"))),
    *((f"move for the reason {reason!r}", lambda L, reason=reason: L.move_member(
        "M001", household="H002", reason=reason, by=COMMITTEE, key="k"), ValidationError)
      for reason in ("\u200b", "婚\u202e嫁", "婚\x1b嫁", "x" * 2001)),
    *((f"split into the look-alike id {new!r}", lambda L, new=new: L.split_household(
        "H001", new_household=new, head="某", members=["M001"], reason="分户",
        by=COMMITTEE), ValidationError)
      for new in ("Н009", "H\u200b009", "@pool", "H 009")),
    ("split with an invisible head", lambda L: L.split_household(
        "H001", new_household="H009", head="\u200b", members=["M001"], reason="分户",
        by=COMMITTEE), ValidationError),
    ("leave for a reason with a control character", lambda L: L.member_leaves(
        "M001", reason="去世\x00", by=COMMITTEE, key="k"), ValidationError),
]


def _with_soap() -> Any:
    from pointsledger import Reward

    base = rulebook("2026b")
    return type(base)(base.version, base.items, category_caps=dict(base.category_caps),
                      rewards=[Reward("SOAP", "肥皂", cost=5)])


@pytest.mark.parametrize(("case", "run", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_registry_changes_raise_their_error_and_write_nothing(
        case: str, run: Callable[[Ledger], Any], error: type[PointsLedgerError]) -> None:
    """Each refused registry change raises its own error, and its command writes nothing."""
    ledger = make_village("memory").ledger
    heads: list[int] = []
    real_command = ledger._command

    def counting(*args: Any, **kwargs: Any) -> Any:
        heads.append(ledger.head)
        return real_command(*args, **kwargs)

    ledger._command = counting  # type: ignore[method-assign]
    with pytest.raises(error):
        run(ledger)
    assert ledger.head == heads[-1], case
    assert check_invariants(ledger) == []


ACCOUNTS = ("H001", "H002", "H003", "H004", "M001", "M002")
STEPS = st.one_of(
    st.tuples(st.just("award"), st.sampled_from(ACCOUNTS), st.sampled_from(["ENV-01", "VOL-02"])),
    st.tuples(st.just("deduct"), st.sampled_from(ACCOUNTS), st.just("COV-03")),
    st.tuples(st.just("register"), st.integers(0, 3)),
    st.tuples(st.just("move"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("split"), st.integers(0, 9), st.sampled_from(["0", "1/3", "1/2", "1"])),
    st.tuples(st.just("merge"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("leave"), st.integers(0, 9), st.sampled_from(["迁出", "去世", "婚嫁"])),
    st.tuples(st.just("return"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("days"), st.integers(1, 20)),
)


def _run(ledger: Ledger, clock: ManualClock, step: tuple[Any, ...], n: int) -> None:
    households = sorted(ledger.households())
    members = sorted(ledger.members())

    def pick(names: list[str], i: int) -> str:
        return names[i % len(names)]

    kind = step[0]
    key = f"k/{n}"
    if kind == "award":
        ledger.award(step[1], step[2], by=GRID, key=key)
    elif kind == "deduct":
        ledger.deduct(step[1], step[2], by=GRID, key=key)
    elif kind == "register":
        ledger.register_member(f"N{n}", household=pick(households, step[1]), name="新成员",
                               by=COMMITTEE)
    elif kind == "move":
        ledger.move_member(pick(members, step[1]), household=pick(households, step[2]),
                           reason="婚嫁", by=COMMITTEE, key=key)
    elif kind == "split":
        household = pick(households, step[1])
        chosen = [m for m in members if ledger.member(m).household == household][:1]
        ledger.split_household(household, new_household=f"S{n}", head="新户", members=chosen,
                               share=step[2], reason="分户", by=COMMITTEE)
    elif kind == "merge":
        ledger.merge_households(pick(households, step[1]), into=pick(households, step[2]),
                                reason="合户", by=COMMITTEE)
    elif kind == "leave":
        ledger.member_leaves(pick(members, step[1]), reason=step[2], by=COMMITTEE, key=key)
    elif kind == "return":
        ledger.member_returns(pick(members, step[1]), household=pick(households, step[2]),
                              reason="返乡", by=COMMITTEE, key=key)
    else:
        clock.advance(days=step[1])


@settings(max_examples=budget(40), deadline=None)
@given(st.lists(STEPS, min_size=1, max_size=25))
def test_registry_changes_mixed_with_awards_keep_conservation_and_replay(
        steps: list[tuple[Any, ...]]) -> None:
    """Any sequence of moves, splits, merges, departures and returns mixed with awards and
    deductions: every refusal writes nothing; all balances sum to zero, the households'
    points add up to their accounts', a fold of the log equals the live state, and each
    household's monthly statements close at its balance as of the month's end."""
    village = make_village("memory")
    ledger = village.ledger
    for n, step in enumerate(steps):
        head = ledger.head
        try:
            _run(ledger, village.clock, step, n)
        except PointsLedgerError:
            assert ledger.head == head, step
    assert sum(b.posted for b in ledger.balances().values()) == 0
    assert check_invariants(ledger) == []
    ledger.verify()
    _household_sums_are_conserved(ledger)
    now = village.clock().in_timezone(TZ)
    months = sorted({now.format("YYYY-MM"), "2026-03"})
    _statements_close_at_the_balances(ledger, months)
