"""The matter lists of 清单制 in the rulebook: records, the 四议两公开 template, time limits,
Rulebook.check and the rule files."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsledger.errors import NotFound, RulebookError
from pointsledger.io.rulefiles import dump_rulebook, load_rulebook
from pointsledger.rules.checklist import ChecklistItem
from pointsledger.rules.matters import (
    FOUR_AND_TWO,
    Matter,
    ProcedureStep,
    four_and_two,
    limit_ends,
)
from pointsledger.rules.rulebook import Rulebook, rulebook_from_data, rulebook_to_data
from pointsledger.testing import matters, rulebooks

ITEMS = [ChecklistItem("ENV-01", "庭院环境整洁", category="环境卫生", points=5)]
PROJECT = Matter("XW-01", "村级工程项目", kind="petty_power", role="committee",
                 steps=four_and_two([ProcedureStep("tender", "招投标", role="committee",
                                                   days=20, day_kind="calendar")]),
                 basis="村级小微权力清单第1项")
NEGATIVE = Matter("FM-01", "开具无犯罪记录证明", kind="negative", role="committee")


def codes(rules: Rulebook) -> list[str]:
    return [p.code for p in rules.check() if p.severity == "error"]


def test_four_and_two_is_the_six_steps_in_order_with_implementation_before_the_result() -> None:
    """四议两公开: proposal by the party branch ... result published, implementation between."""
    assert [s.code for s in FOUR_AND_TWO] == ["propose", "deliberate", "review", "resolve",
                                              "publish_resolution", "publish_result"]
    assert [s.role for s in FOUR_AND_TWO] == [
        "party_branch", "committee", "party_members_meeting", "villager_representatives",
        "committee", "committee"]
    assert [s.code for s in PROJECT.steps][-2:] == ["tender", "publish_result"]
    assert all(s.evidence_required for s in FOUR_AND_TWO)


def test_a_realistic_list_has_no_errors() -> None:
    """Lists with a 四议两公开 matter and a negative-list entry pass the check."""
    assert codes(Rulebook("2026", ITEMS, matters=[PROJECT, NEGATIVE])) == []


@pytest.mark.parametrize(("matters_", "code"), [
    ([PROJECT, PROJECT], "duplicate_matter"),
    ([Matter("X-1", "x", kind="negative", role="committee",
             steps=[ProcedureStep("a", "a", role="committee")])], "negative_with_procedure"),
    ([Matter("X-1", "x", kind="public_service", role="committee")], "no_procedure"),
    ([Matter("X-1", "x", kind="public_service", role="committee",
             steps=[ProcedureStep("a", "a", role="村长")])], "unheld_role"),
    ([Matter("X-1", "x", kind="public_service", role="nobody",
             steps=[ProcedureStep("a", "a", role="committee")])], "unheld_role"),
    ([Matter("X-1", "x", kind="public_service", role="committee",
             steps=[ProcedureStep("a", "a", role="committee", days=0)])], "bad_time_limit"),
    ([Matter("X-1", "x", kind="public_service", role="committee",
             steps=[ProcedureStep("a", "a", role="committee", days=-3)])], "bad_time_limit"),
    ([Matter("X-1", "x", kind="public_service", role="committee",
             steps=[ProcedureStep("a", "a", role="committee"),
                    ProcedureStep("a", "b", role="committee")])], "duplicate_step"),
])
def test_check_finds_inconsistent_lists(matters_: list[Matter], code: str) -> None:
    """Each inconsistency is an error with its own code."""
    assert code in codes(Rulebook("2026", ITEMS, matters=matters_))


def test_a_role_granted_in_the_policy_can_hold_a_step() -> None:
    """An app's own role becomes holdable once the policy grants it something."""
    own = Matter("X-1", "x", kind="public_service", role="committee",
                 steps=[ProcedureStep("a", "a", role="treasurer")])
    from pointsledger.rules.policy import Policy
    rules = Rulebook("2026", ITEMS, matters=[own], policy=Policy({"award": {"treasurer"}}))
    assert "unheld_role" not in codes(rules)


def test_records_refuse_wrong_types_and_unknown_kinds() -> None:
    """A kind outside the five lists, a day kind, a non-integer limit are refused at once."""
    with pytest.raises(RulebookError, match="kind must be one of"):
        Matter("X-1", "x", kind="blacklist", role="committee")
    with pytest.raises(RulebookError, match="day_kind"):
        ProcedureStep("a", "a", role="committee", day_kind="lunar")
    with pytest.raises(RulebookError, match="whole number of days"):
        ProcedureStep("a", "a", role="committee", days=1.5)  # type: ignore[arg-type]
    with pytest.raises(RulebookError, match="matters must be Matters"):
        Rulebook("2026", ITEMS, matters=["XW-01"])


def test_rulebook_finds_a_matter_by_code_and_names_the_known_ones() -> None:
    """matter() finds a matter; an unknown code is NotFound naming the known codes."""
    rules = Rulebook("2026", ITEMS, matters=[PROJECT, NEGATIVE])
    assert rules.matter("XW-01") is PROJECT
    with pytest.raises(NotFound, match="FM-01, XW-01"):
        rules.matter("XW-99")


@pytest.mark.parametrize(("day", "days", "kind", "ends"), [
    (_dt.date(2026, 11, 27), 1, "working", _dt.date(2026, 12, 1)),   # Fri + 1 -> Mon
    (_dt.date(2026, 11, 28), 1, "working", _dt.date(2026, 12, 1)),   # Sat + 1 -> Mon
    (_dt.date(2026, 11, 23), 5, "working", _dt.date(2026, 12, 1)),   # Mon + 5 -> Mon
    (_dt.date(2026, 11, 27), 1, "calendar", _dt.date(2026, 11, 29)),
    (_dt.date(2026, 12, 31), 3, "calendar", _dt.date(2027, 1, 4)),
])
def test_time_limits_count_working_or_calendar_days(day: _dt.date, days: int, kind: str,
                                                   ends: _dt.date) -> None:
    """A limit ends at the start of the day after its last counted day."""
    assert limit_ends(day, days, kind) == ends


@given(st.dates(_dt.date(2020, 1, 1), _dt.date(2030, 1, 1)), st.integers(1, 60))
def test_working_days_never_end_sooner_than_calendar_days(day: _dt.date, days: int) -> None:
    """Counting only Monday to Friday never ends a limit before the calendar count, and the
    last counted working day is a weekday."""
    ends = limit_ends(day, days, "working")
    assert ends >= limit_ends(day, days, "calendar")
    assert (ends - _dt.timedelta(days=1)).weekday() < 5


@given(rulebooks(matters=matters(), max_matters=5))
def test_drawn_lists_pass_the_check_and_survive_the_recorded_form(rules: Rulebook) -> None:
    """The kit's matters() are error-free and round-trip through the adoption data."""
    assert codes(rules) == []
    assert rulebook_from_data(rulebook_to_data(rules)) == rules


def test_a_rulebook_without_lists_keeps_its_recorded_form() -> None:
    """Old adoption events stay byte-identical: no ``matters`` key when there are none."""
    assert "matters" not in rulebook_to_data(Rulebook("2026", ITEMS))
    assert rulebook_to_data(Rulebook("2026", ITEMS, matters=[NEGATIVE]))["matters"]


@settings(max_examples=10, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rules=rulebooks(matters=matters(), max_matters=4))
def test_lists_round_trip_through_every_rule_file(rules: Rulebook, tmp_path: Path) -> None:
    """TOML, XLSX and a CSV folder carry the matters and their steps exactly."""
    for name in ("m.toml", "m.xlsx", "m-csv"):
        assert load_rulebook(dump_rulebook(rules, tmp_path / name)) == rules


def test_rule_files_refuse_unknown_matter_keys_and_steps_of_unknown_matters(
        tmp_path: Path) -> None:
    """An unknown key in a matter, and a step row naming no matter, are refused by name."""
    from pointsledger.io._cells import ImportFailed
    path = tmp_path / "bad.toml"
    path.write_text('version = "x"\n[[matters]]\ncode = "A-1"\ntitle = "a"\nkind = '
                    '"negative"\nrole = "committee"\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(ImportFailed, match="colour"):
        load_rulebook(path)
    folder = tmp_path / "csv"
    dump_rulebook(Rulebook("x", ITEMS, matters=[PROJECT]), folder)
    steps = folder / "matter_steps.csv"
    steps.write_text(steps.read_text(encoding="utf-8-sig").replace("XW-01", "XW-09", 1),
                     encoding="utf-8-sig")
    with pytest.raises(ImportFailed, match="XW-09"):
        load_rulebook(folder)
