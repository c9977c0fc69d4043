"""Splitting a household (分户), found by mutation testing (issue 16): the rule a split records
(``points <n>``, ``share <fraction>`` or ``none``) and what moves by it, and each refusal of a
bad rule with its fields (the Chinese message and an API's response body are built from them),
a message naming the bad value, and nothing written."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from pointsledger import IdempotencyConflict, Ledger, PointsLedgerError, ValidationError

from .helpers import COMMITTEE, GRID, make_village


def _village() -> Ledger:
    """H001 with 5 points of its own (M001 is one of its members)."""
    ledger = make_village("memory").ledger
    ledger.award("H001", "ENV-01", by=GRID, key="a1")
    return ledger


def _split(ledger: Ledger, **rule: Any) -> Any:
    return ledger.split_household("H001", new_household="H009", head="新户", members=["M001"],
                                  reason="分户", by=COMMITTEE, **rule)


@pytest.mark.parametrize(("rule", "recorded", "moved"), [
    ({}, "none", 0),
    ({"points": 0}, "points 0", 0),
    ({"points": 2}, "points 2", 2),
    ({"share": "2/5"}, "share 2/5", 2),
    ({"share": Fraction(1, 3)}, "share 1/3", 1),  # a share of 5 rounded down
    ({"share": 1}, "share 1", 5),
    ({"share": 0}, "share 0", 0),
])
def test_a_split_records_its_rule_and_moves_what_it_gives(
        rule: dict[str, Any], recorded: str, moved: int) -> None:
    ledger = _village()
    split = _split(ledger, **rule)
    assert (split.rule, split.points) == (recorded, moved)
    assert ledger.balance("H009").posted == moved
    assert ledger.balance("H001").posted == 5 - moved


@pytest.mark.parametrize(("rule", "fields", "named"), [
    ({"points": 1, "share": "1/2"}, {"points": 1, "share": "1/2"}, "not both"),
    ({"points": -1}, {"field": "points", "value": -1}, "-1"),
    ({"points": "2"}, {"field": "points", "value": "2"}, "'2'"),
    ({"share": "3/2"}, {"field": "share", "value": "3/2"}, "3/2"),
    ({"share": "-1/2"}, {"field": "share", "value": "-1/2"}, "-1/2"),
    ({"share": "half"}, {"field": "share", "value": "half"}, "half"),
    ({"share": "1/0"}, {"field": "share", "value": "1/0"}, "1/0"),
    ({"share": 0.5}, {"field": "share", "value": 0.5}, "0.5"),
    ({"share": True}, {"field": "share", "value": True}, "True"),
])
def test_a_bad_rule_is_refused_naming_it_and_nothing_is_written(
        rule: dict[str, Any], fields: dict[str, Any], named: str) -> None:
    ledger = _village()
    head = ledger.head
    with pytest.raises(ValidationError) as refused:
        _split(ledger, **rule)
    assert refused.value.fields == fields
    assert named in str(refused.value)
    assert ledger.head == head and "H009" not in ledger.households()


def test_a_split_records_the_grid_the_members_own_points_and_the_version() -> None:
    """The new household is in the old one's grid unless a grid is given; the split records
    each moved member's own points and the rulebook version it was checked under; the same
    request again returns the first split, another under its key is refused."""
    ledger = _village()
    ledger.award("M001", "VOL-02", by=GRID, key="m1")
    split = _split(ledger, points=5)  # all the household's own points: allowed
    assert (split.grid, split.members, split.balances) == ("G01", ("M001",), (2,))
    assert split.version == ledger.rulebook().version != ""
    assert ledger.households()["H009"].grid == "G01"
    assert _split(ledger, points=5).seq == split.seq
    with pytest.raises(IdempotencyConflict):
        _split(ledger, points=4)
    again = make_village("memory").ledger
    again.award("H001", "ENV-01", by=GRID, key="a1")
    given = again.split_household("H001", new_household="H009", head="新户", members=["M001"],
                                  reason="分户", by=COMMITTEE, grid="G02")
    assert given.grid == "G02" and again.households()["H009"].grid == "G02"


@pytest.mark.parametrize(("change", "fields"), [
    ({"household": "H 1"}, {"field": "household", "value": "H 1"}),
    ({"new_household": "H 9"}, {"field": "new_household", "value": "H 9"}),
    ({"head": ""}, {"field": "head", "value": ""}),
    ({"members": []}, {"field": "members", "value": "[]"}),
    ({"members": ["M001", "M001"]}, {"field": "members", "value": "['M001', 'M001']"}),
    ({"members": ["M 1"]}, {"field": "members", "value": "M 1"}),
    ({"grid": "G 1"}, {"field": "grid", "value": "G 1"}),
    ({"members": ["M002"]}, {"member": "M002", "not_in_household": "H001"}),
    ({"points": 6}, {"account": "H001", "available": 5, "needed": 6}),
])
def test_each_bad_argument_of_a_split_is_refused_by_name(
        change: dict[str, Any], fields: dict[str, Any]) -> None:
    ledger = _village()
    head = ledger.head
    arguments: dict[str, Any] = dict(household="H001", new_household="H009", head="新户",
                                     members=["M001"], reason="分户", by=COMMITTEE) | change
    household = arguments.pop("household")
    with pytest.raises(PointsLedgerError) as refused:
        ledger.split_household(household, **arguments)
    assert fields.items() <= refused.value.fields.items()  # a bad character is named too
    assert ledger.head == head and "H009" not in ledger.households()
