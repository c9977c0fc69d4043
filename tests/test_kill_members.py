"""Members and households as they change (迁入/迁出, 婚嫁, 去世, 返乡, 合户), found by mutation
testing (issue 16): what each event records (the member's own points, the households on both
sides, the reason, the key and the rulebook version), a repeated request answered by its
first event, the committee never acting for its own household on either side, each refusal's
error with its fields and a message naming the bad value, nothing written on a refusal, and
the open workflow cases and reservations that hold a move back (and those that do not)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pointsledger import (
    AccountClosed,
    Actor,
    IdempotencyConflict,
    InsufficientPoints,
    Ledger,
    PermissionDenied,
    PointsLedgerError,
    Reward,
    Rulebook,
    UnknownAccount,
    ValidationError,
)

from .helpers import (
    COMMITTEE,
    GRID,
    GRID2,
    VOLUNTEER,
    WISHER,
    make_village,
    make_workflow_village,
    rulebook,
)

Run = Callable[[Ledger], Any]


def _village(rules: Rulebook | None = None) -> Ledger:
    """H001 with 5 points of its own and M001 (H001) with 2; M002 (H002) has none; M005 is
    a second member of H002 without points."""
    ledger = make_village("memory", rules=rules).ledger
    ledger.award("H001", "ENV-01", by=GRID, key="a1")
    ledger.award("M001", "VOL-02", by=GRID, key="m1")
    ledger.register_member("M005", household="H002", name="欧阳小明", by=COMMITTEE)
    return ledger


def _refused(ledger: Ledger, run: Run, error: type[PointsLedgerError]) -> PointsLedgerError:
    """The error ``run`` raises, having checked that nothing was written."""
    head = ledger.head
    with pytest.raises(error) as raised:
        run(ledger)
    assert ledger.head == head
    return raised.value


# -- what each event records ------------------------------------------------------------------


def test_a_move_records_both_households_the_members_points_reason_key_and_version() -> None:
    ledger = _village()
    moved = ledger.move_member("M001", household="H003", reason="婚嫁", by=COMMITTEE, key="mv")
    assert (moved.member, moved.from_household, moved.to_household, moved.reason,
            moved.balance) == ("M001", "H001", "H003", "婚嫁", 2)
    assert (moved.key, moved.actor, moved.version) == ("mv", "c-01", "2026")
    assert ledger.member("M001").household == "H003"
    assert ledger.household_balance("H003").posted == 2
    empty = ledger.move_member("M002", household="H001", reason="投靠", by=COMMITTEE, key="mv2")
    assert empty.balance == 0  # a member who never had a posting moves with 0, not a default


def test_a_leave_records_the_household_the_points_left_to_it_the_reason_and_version() -> None:
    ledger = _village()
    left = ledger.member_leaves("M001", reason="去世", by=COMMITTEE, key="lv")
    assert (left.member, left.household, left.reason, left.balance) == (
        "M001", "H001", "去世", 2)
    assert (left.key, left.version) == ("lv", "2026")
    assert ledger.balance("H001").posted == 5 + 2 and ledger.member("M001").closed
    empty = ledger.member_leaves("M002", reason="婚嫁", by=COMMITTEE, key="lv2")
    assert empty.balance == 0


def test_a_return_records_where_from_and_where_to_the_reason_and_version() -> None:
    ledger = _village()
    ledger.member_leaves("M002", reason="迁出", by=COMMITTEE, key="lv")
    back = ledger.member_returns("M002", household="H003", reason="返乡\n在外务工三年",
                                 by=COMMITTEE, key="bk")
    assert (back.member, back.from_household, back.household, back.reason, back.balance) == (
        "M002", "H002", "H003", "返乡\n在外务工三年", 0)  # a reason may run over lines
    assert (back.key, back.version) == ("bk", "2026")
    assert ledger.member("M002").household == "H003" and not ledger.member("M002").closed


def test_a_merge_records_the_balance_the_open_members_and_their_points() -> None:
    """H002 (no own points) merges into H003: its open members M002 (3 points) and M005
    (none) move with their points; M006, who left before, is not among them."""
    ledger = _village()
    ledger.award("M002", "VOL-01", by=GRID, key="m2")
    ledger.register_member("M006", household="H002", name="欧阳老", by=COMMITTEE)
    ledger.member_leaves("M006", reason="去世", by=COMMITTEE, key="lv")
    merged = ledger.merge_households("H002", into="H003", reason="合户", by=COMMITTEE,
                                     key="app/merge/1")
    assert (merged.household, merged.into, merged.reason, merged.balance) == (
        "H002", "H003", "合户", 0)
    assert (merged.members, merged.balances) == (("M002", "M005"), (3, 0))
    assert (merged.key, merged.version) == ("app/merge/1", "2026")
    assert ledger.household("H002").closed and ledger.member("M006").household == "H002"
    own = ledger.merge_households("H001", into="H004", reason="合户", by=COMMITTEE)
    assert (own.balance, own.members, own.balances, own.key) == (
        5, ("M001",), (2,), "merge/H001")
    assert ledger.balance("H004").posted == 5


def test_a_split_records_its_head_reason_and_key_and_a_member_without_points() -> None:
    ledger = make_village("memory").ledger
    ledger.award("H001", "ENV-01", by=GRID, key="a1")
    split = ledger.split_household("H001", new_household="H009", head="新户", members=["M001"],
                                   reason="分户\n兄弟分家", by=COMMITTEE, key="app/split/1",
                                   points=1)
    assert (split.head, split.reason, split.key) == ("新户", "分户\n兄弟分家", "app/split/1")
    assert (split.members, split.balances, split.points) == (("M001",), (0,), 1)


@pytest.mark.parametrize("deficit", [0, 5])
def test_a_share_of_a_household_with_no_points_or_a_deficit_splits_off_nothing(
        deficit: int) -> None:
    ledger = make_village("memory").ledger
    if deficit:
        ledger.deduct("H001", "COV-03", by=GRID, key="d1")
    split = ledger.split_household("H001", new_household="H009", head="新户", members=["M001"],
                                   reason="分户", by=COMMITTEE, share="1")
    assert (split.rule, split.points, split.lots) == ("share 1", 0, ())
    assert ledger.balance("H001").posted == -deficit and ledger.balance("H009").posted == 0


# -- a repeated request -----------------------------------------------------------------------


REPEATS: list[tuple[str, Run, Run]] = [
    ("move",
     lambda L: L.move_member("M001", household="H003", reason="婚嫁", by=COMMITTEE, key="k"),
     lambda L: L.move_member("M002", household="H003", reason="婚嫁", by=COMMITTEE, key="k")),
    ("move elsewhere",
     lambda L: L.move_member("M001", household="H003", reason="婚嫁", by=COMMITTEE, key="k"),
     lambda L: L.move_member("M001", household="H004", reason="婚嫁", by=COMMITTEE, key="k")),
    ("move for another reason",
     lambda L: L.move_member("M001", household="H003", reason="婚嫁", by=COMMITTEE, key="k"),
     lambda L: L.move_member("M001", household="H003", reason="投靠", by=COMMITTEE, key="k")),
    ("leave",
     lambda L: L.member_leaves("M001", reason="迁出", by=COMMITTEE, key="k"),
     lambda L: L.member_leaves("M002", reason="迁出", by=COMMITTEE, key="k")),
    ("leave for another reason",
     lambda L: L.member_leaves("M001", reason="迁出", by=COMMITTEE, key="k"),
     lambda L: L.member_leaves("M001", reason="去世", by=COMMITTEE, key="k")),
    ("return",
     lambda L: L.member_returns("M001", household="H003", reason="返乡", by=COMMITTEE, key="k"),
     lambda L: L.member_returns("M002", household="H003", reason="返乡", by=COMMITTEE, key="k")),
    ("return elsewhere",
     lambda L: L.member_returns("M001", household="H003", reason="返乡", by=COMMITTEE, key="k"),
     lambda L: L.member_returns("M001", household="H004", reason="返乡", by=COMMITTEE, key="k")),
    ("return for another reason",
     lambda L: L.member_returns("M001", household="H003", reason="返乡", by=COMMITTEE, key="k"),
     lambda L: L.member_returns("M001", household="H003", reason="迁回", by=COMMITTEE, key="k")),
    ("merge",
     lambda L: L.merge_households("H002", into="H003", reason="合户", by=COMMITTEE, key="k"),
     lambda L: L.merge_households("H002", into="H004", reason="合户", by=COMMITTEE, key="k")),
    ("merge for another reason",
     lambda L: L.merge_households("H002", into="H003", reason="合户", by=COMMITTEE, key="k"),
     lambda L: L.merge_households("H002", into="H003", reason="并户", by=COMMITTEE, key="k")),
]


@pytest.mark.parametrize(("case", "first", "other"), REPEATS, ids=[r[0] for r in REPEATS])
def test_the_same_request_again_returns_its_event_and_another_under_its_key_is_refused(
        case: str, first: Run, other: Run) -> None:
    ledger = _village()
    ledger.member_leaves("M001", reason="迁出", by=COMMITTEE, key="gone/M001")
    ledger.member_leaves("M002", reason="迁出", by=COMMITTEE, key="gone/M002")
    if case.startswith(("move", "leave")):  # they are open members for these
        ledger.member_returns("M001", household="H001", reason="返乡", by=COMMITTEE,
                              key="back/M001")
        ledger.member_returns("M002", household="H002", reason="返乡", by=COMMITTEE,
                              key="back/M002")
    event = first(ledger)
    head = ledger.head
    assert first(ledger).seq == event.seq and ledger.head == head
    refusal = _refused(ledger, other, IdempotencyConflict)
    assert refusal.fields == {"key": "k", "event": event.id}


# -- who may do it ----------------------------------------------------------------------------


OWN = Actor("M002", roles={"committee"})  # a committee member who lives in H002

OWN_HOUSEHOLD: list[tuple[str, Run]] = [
    ("move out of it", lambda L: L.move_member("M005", household="H003", reason="婚嫁",
                                               by=OWN, key="k")),
    ("move oneself out of it", lambda L: L.move_member("M002", household="H001",
                                                       reason="婚嫁", by=OWN, key="k")),
    ("leave it", lambda L: L.member_leaves("M005", reason="迁出", by=OWN, key="k")),
    ("return into it", lambda L: L.member_returns("M001", household="H002", reason="返乡",
                                                  by=OWN, key="k")),
    ("merge it away", lambda L: L.merge_households("H002", into="H003", reason="合户", by=OWN)),
    ("merge into it", lambda L: L.merge_households("H003", into="H002", reason="合户", by=OWN)),
    ("split it", lambda L: L.split_household("H002", new_household="H009", head="新户",
                                             members=["M005"], reason="分户", by=OWN)),
]


@pytest.mark.parametrize(("case", "run"), OWN_HOUSEHOLD, ids=[r[0] for r in OWN_HOUSEHOLD])
def test_the_committee_never_acts_for_its_own_household_on_either_side(
        case: str, run: Run) -> None:
    ledger = _village()
    ledger.member_leaves("M001", reason="迁出", by=COMMITTEE, key="gone")
    refusal = _refused(ledger, run, PermissionDenied)
    assert refusal.fields["actor"] == "M002" and refusal.fields["household"] == "H002"


@pytest.mark.parametrize("run", [
    lambda L: L.move_member("M001", household="H003", reason="婚嫁", by=GRID, key="k"),
    lambda L: L.member_leaves("M001", reason="迁出", by=GRID, key="k"),
    lambda L: L.merge_households("H003", into="H004", reason="合户", by=GRID),
], ids=["move", "leave", "merge"])
def test_a_grid_worker_may_not_change_the_registry(run: Run) -> None:
    ledger = _village()
    refusal = _refused(ledger, run, PermissionDenied)
    assert (refusal.fields["actor"], "committee" in refusal.fields["allowed"]) == ("g-07", True)


# -- refusals and their fields ----------------------------------------------------------------


REFUSALS: list[tuple[str, Run, type[PointsLedgerError], dict[str, Any], str]] = [
    # (case, command, error, its fields, what its message names)
    ("move a household", lambda L: L.move_member(
        "H002", household="H001", reason="婚嫁", by=COMMITTEE, key="k"),
     ValidationError, {"not_member": "H002"}, "H002"),
    ("move an unknown member", lambda L: L.move_member(
        "M404", household="H001", reason="婚嫁", by=COMMITTEE, key="k"),
     UnknownAccount, {"account": "M404"}, "M404"),
    ("move a member who left", lambda L: L.move_member(
        "M006", household="H001", reason="婚嫁", by=COMMITTEE, key="k"),
     AccountClosed, {"account": "M006"}, "M006"),
    ("move to the same household", lambda L: L.move_member(
        "M001", household="H001", reason="婚嫁", by=COMMITTEE, key="k"),
     ValidationError, {"member": "M001", "in_household": "H001"}, "M001"),
    ("move a bad member id", lambda L: L.move_member(
        "M 1", household="H001", reason="婚嫁", by=COMMITTEE, key="k"),
     ValidationError, {"field": "member", "value": "M 1"}, "M 1"),
    ("move to a bad household id", lambda L: L.move_member(
        "M001", household="H 3", reason="婚嫁", by=COMMITTEE, key="k"),
     ValidationError, {"field": "household", "value": "H 3"}, "H 3"),
    ("move without a reason", lambda L: L.move_member(
        "M001", household="H003", reason=" ", by=COMMITTEE, key="k"),
     ValidationError, {"field": "reason", "value": " "}, "reason"),
    ("leave for another reason", lambda L: L.member_leaves(
        "M001", reason="出国", by=COMMITTEE, key="k"),
     ValidationError, {"field": "reason", "value": "出国"}, "出国"),
    ("leave with a bad member id", lambda L: L.member_leaves(
        "M 1", reason="迁出", by=COMMITTEE, key="k"),
     ValidationError, {"field": "member", "value": "M 1"}, "M 1"),
    ("leave twice", lambda L: L.member_leaves(
        "M006", reason="迁出", by=COMMITTEE, key="k"),
     AccountClosed, {"account": "M006"}, "M006"),
    ("leave as a household", lambda L: L.member_leaves(
        "H002", reason="迁出", by=COMMITTEE, key="k"),
     ValidationError, {"not_member": "H002"}, "H002"),
    ("return an open member", lambda L: L.member_returns(
        "M001", household="H002", reason="返乡", by=COMMITTEE, key="k"),
     ValidationError, {"open_member": "M001"}, "M001"),
    ("return an unknown member", lambda L: L.member_returns(
        "M404", household="H002", reason="返乡", by=COMMITTEE, key="k"),
     UnknownAccount, {"account": "M404"}, "M404"),
    ("return with a bad member id", lambda L: L.member_returns(
        "M 1", household="H002", reason="返乡", by=COMMITTEE, key="k"),
     ValidationError, {"field": "member", "value": "M 1"}, "M 1"),
    ("return to a bad household id", lambda L: L.member_returns(
        "M006", household="H 2", reason="返乡", by=COMMITTEE, key="k"),
     ValidationError, {"field": "household", "value": "H 2"}, "H 2"),
    ("return without a reason", lambda L: L.member_returns(
        "M006", household="H002", reason="", by=COMMITTEE, key="k"),
     ValidationError, {"field": "reason", "value": ""}, "reason"),
    ("merge into itself", lambda L: L.merge_households(
        "H001", into="H001", reason="合户", by=COMMITTEE),
     ValidationError, {"merge_into": "H001"}, ""),  # the message: test_household_commands
    ("merge a bad household id", lambda L: L.merge_households(
        "H 1", into="H002", reason="合户", by=COMMITTEE),
     ValidationError, {"field": "household", "value": "H 1"}, "H 1"),
    ("merge into a bad household id", lambda L: L.merge_households(
        "H001", into="H 2", reason="合户", by=COMMITTEE),
     ValidationError, {"field": "into", "value": "H 2"}, "H 2"),
    ("merge without a reason", lambda L: L.merge_households(
        "H001", into="H002", reason="", by=COMMITTEE),
     ValidationError, {"field": "reason", "value": ""}, "reason"),
    ("split an unknown household", lambda L: L.split_household(
        "H404", new_household="H009", head="新户", members=["M001"], reason="分户",
        by=COMMITTEE), UnknownAccount, {"account": "H404"}, "H404"),
    ("split members given as one string", lambda L: L.split_household(
        "H001", new_household="H009", head="新户", members="M001", reason="分户",
        by=COMMITTEE), ValidationError, {"field": "members", "value": "M001"}, "M001"),
    ("split another household's member", lambda L: L.split_household(
        "H001", new_household="H009", head="新户", members=["M002"], reason="分户",
        by=COMMITTEE), ValidationError, {"member": "M002", "not_in_household": "H001"},
     "M002"),
    ("split off more than it has", lambda L: L.split_household(
        "H001", new_household="H009", head="新户", members=["M001"], points=6, reason="分户",
        by=COMMITTEE), InsufficientPoints, {"account": "H001", "available": 5, "needed": 6},
     "H001"),
]


@pytest.mark.parametrize(("case", "run", "error", "fields", "named"), REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_a_refused_registry_change_names_what_is_wrong_and_writes_nothing(
        case: str, run: Run, error: type[PointsLedgerError], fields: dict[str, Any],
        named: str) -> None:
    ledger = _village()
    ledger.register_member("M006", household="H002", name="欧阳老", by=COMMITTEE)
    ledger.member_leaves("M006", reason="迁出", by=COMMITTEE, key="gone")
    refusal = _refused(ledger, run, error)
    assert type(refusal) is error
    assert fields.items() <= refusal.fields.items()  # a bad character is named too
    assert named in str(refusal)


# -- open cases and reservations hold a change back -------------------------------------------


def _with_soap() -> Rulebook:
    base = rulebook("2026b")
    return Rulebook(base.version, base.items, category_caps=dict(base.category_caps),
                    rewards=[Reward("SOAP", "肥皂", cost=2)])


def test_an_open_reservation_of_the_member_holds_the_move_back_until_cancelled() -> None:
    """M001's open reservation refuses the move, naming it; H002's does not; once M001's is
    cancelled, M001 moves."""
    ledger = _village(_with_soap())
    ledger.receive_stock("SOAP", 3, by=COMMITTEE, key="s")
    ledger.award("H002", "ENV-01", by=GRID, key="a2")
    ledger.reserve("H002", "SOAP", by=COMMITTEE, key="r2")
    mine = ledger.reserve("M001", "SOAP", by=COMMITTEE, key="r1")

    def move(ledger: Ledger) -> Any:
        return ledger.move_member("M001", household="H003", reason="婚嫁", by=COMMITTEE,
                                  key="mv")

    refusal = _refused(ledger, move, ValidationError)
    assert refusal.fields == {"account": "M001", "reservations": [mine.seq]}
    assert "M001" in str(refusal)
    ledger.cancel_reservation(mine, reason="不要了", by=COMMITTEE, key="c1")
    moved = move(ledger)
    assert moved.balance == 2 and ledger.member("M001").household == "H003"
    assert ledger.balance("H002").held == 2  # H002's reservation stays open, unhindered


def test_an_open_case_of_the_member_holds_the_change_back_and_a_closed_one_does_not() -> None:
    """A claim for M002 (its account) and an order served by M003 (its assignee) hold them
    back, naming the cases; a claim for another household does not hold M002 back, nor a
    claim of M002's once rejected."""
    village = make_workflow_village()
    ledger = village.ledger
    ledger.submit_claim("H003", "HON-01", by=GRID, key="other", occurred_at=village.clock())
    claim = ledger.submit_claim("M002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    order = ledger.place_order("H002", "CARE", by=WISHER, key="o")
    ledger.step(order, "dispatch", volunteer="M003", by=GRID, key="d")
    ledger.step(order, "accept", by=VOLUNTEER, key="a")

    def leave(ledger: Ledger) -> Any:
        return ledger.member_leaves("M002", reason="迁出", by=COMMITTEE, key="lv")

    refusal = _refused(ledger, leave, ValidationError)
    assert refusal.fields == {"account": "M002", "cases": [claim.id]}
    assert "M002" in str(refusal)
    served = _refused(ledger, lambda L: L.move_member(
        "M003", household="H004", reason="投靠", by=COMMITTEE, key="mv"), ValidationError)
    assert served.fields == {"account": "M003", "cases": [order.id]}
    ledger.step(claim, "reject", reason="材料不全", by=GRID2, key="r")
    assert leave(ledger).member == "M002"


def test_a_posted_claim_holds_the_member_back_until_its_appeal_window_closes() -> None:
    """A claim for M002 holds M002 back in its notice and in its appeal window; once the
    window has closed nobody can act on it any more, and M002 leaves with its points."""
    village = make_workflow_village()
    ledger = village.ledger
    claim = ledger.submit_claim("M002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    ledger.step(claim, "check", by=GRID2, key="ck")
    ledger.step(claim, "approve", by=COMMITTEE, key="ap")

    def leave(ledger: Ledger) -> Any:
        return ledger.member_leaves("M002", reason="迁出", by=COMMITTEE, key="lv")

    assert _refused(ledger, leave, ValidationError).fields["cases"] == [claim.id]
    village.clock.advance(days=8)
    assert [e.kind for e in ledger.post_due()] == ["stepped", "awarded"]
    assert _refused(ledger, leave, ValidationError).fields["cases"] == [claim.id]
    village.clock.advance(days=31)
    left = leave(ledger)
    assert (left.balance, ledger.balance("H002").posted) == (5, 5)
