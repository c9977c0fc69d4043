"""Rulebook records: what a well-formed checklist is, and clear errors for what is not."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from pointsledger import (
    DEFAULT_POLICY,
    Actor,
    Cap,
    CapExceeded,
    ChecklistItem,
    Policy,
    Rulebook,
    RulebookError,
    UnknownItem,
    ValidationError,
)


def item(code: str = "ENV-01", **kw: object) -> ChecklistItem:
    args: dict[str, object] = {"category": "环境卫生", "points": 5}
    args.update(kw)
    return ChecklistItem(code, "庭院环境整洁", **args)  # type: ignore[arg-type]


def test_cap_accepts_one_or_many() -> None:
    """``cap=`` takes one Cap or several (one per period kind), kept shortest period first."""
    assert item(cap=Cap(20, per="month")).caps == (Cap(20, per="month"),)
    both = item(cap=[Cap(20, per="month"), Cap(5, per="day")])
    assert [c.per for c in both.caps] == ["day", "month"]
    assert item().caps == ()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"points": 2.5}, "points"),
        ({"points": True}, "points"),
        ({"points": -5, "cap": Cap(10, per="month")}, "deduction item cannot have caps"),
        ({"cap": [Cap(5, per="day"), Cap(6, per="day")]}, "one cap per period"),
        ({"cap": "20/month"}, "Cap"),
        ({"category": ""}, "category"),
        ({"unit": 3}, "unit"),
    ],
)
def test_bad_items_are_refused(kwargs: dict[str, Any], fragment: str) -> None:
    """A malformed item raises RulebookError naming what is wrong."""
    with pytest.raises(RulebookError, match=fragment):
        item(**kwargs)


@pytest.mark.parametrize("code", ["", "ENV 01", "x" * 65, 7])
def test_bad_codes_are_refused(code: Any) -> None:
    """Codes are 1-64 characters without white space."""
    with pytest.raises(RulebookError):
        item(code)


def test_bad_caps_are_refused() -> None:
    """A cap needs a positive whole number and a known period."""
    with pytest.raises(RulebookError):
        Cap(0, per="month")
    with pytest.raises(ValidationError, match="fortnight"):
        Cap(5, per="fortnight")


def test_rulebook_refuses_parts_that_are_not_items() -> None:
    """A rulebook is built from items; whether they fit together is Rulebook.check()'s job."""
    assert Rulebook("v1", [item(), item()]).item("ENV-01") == item()
    with pytest.raises(RulebookError):
        Rulebook("v1", [item(), "COV-01"])
    with pytest.raises(RulebookError):
        Rulebook("v1", "ENV-01")
    with pytest.raises(RulebookError):
        Rulebook("v 1", [item()])


def test_rulebook_lookups() -> None:
    """Items by code, caps by category, categories in order."""
    rules = Rulebook("v1", [item(), item("COV-01", category="村规民约", points=-5)],
                     category_caps={"环境卫生": Cap(30, per="month")})
    assert rules.item("COV-01").is_deduction
    assert rules.caps_for_category("环境卫生") == (Cap(30, per="month"),)
    assert rules.caps_for_category("村规民约") == ()
    assert rules.categories == ("环境卫生", "村规民约")
    with pytest.raises(UnknownItem, match="NOPE"):
        rules.item("NOPE")
    assert rules == Rulebook("v1", list(rules.items), category_caps=dict(rules.category_caps))


def test_policy_table() -> None:
    """A policy grants commands to roles; unnamed commands fall back to the default policy."""
    policy = Policy({"award": {"grid_worker", "party_member"}})
    assert policy.roles_for("award") == {"grid_worker", "party_member"}
    assert policy.roles_for("reverse") == DEFAULT_POLICY.roles_for("reverse") == {"committee"}
    with pytest.raises(RulebookError, match="unknown command 'fly'"):
        Policy({"fly": {"committee"}})


def test_actor_roles() -> None:
    """Actors carry a frozen set of role names; a single string is one role."""
    assert Actor("a", roles="committee").roles == {"committee"}
    with pytest.raises(ValidationError):
        Actor("", roles={"committee"})
    with pytest.raises(ValidationError):
        Actor("a", roles={"bad role"})


def test_errors_carry_code_fields_and_pickle() -> None:
    """Errors keep a stable code and structured fields, also across processes."""
    exc = CapExceeded("over", cap=10, per="month")
    assert (exc.code, exc.cap, exc.fields["per"]) == ("cap_exceeded", 10, "month")
    assert isinstance(exc, ValueError)
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is CapExceeded and again.fields == exc.fields and str(again) == "over"
    with pytest.raises(AttributeError):
        _ = exc.nothing
