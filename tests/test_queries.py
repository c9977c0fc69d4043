"""The ledger's read-only queries: what each returns, and that nothing returned changes the
ledger."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import Any

import attrs
import pendulum
import pytest

from pointsledger import (
    POOL,
    TIMEBANK,
    Household,
    Ledger,
    NotFound,
    UnknownAccount,
    UnknownEntry,
    UnknownRegion,
)
from pointsledger.core.events import Awarded
from pointsledger.testing import check_invariants

from .helpers import COMMITTEE, GRID, Village, make_village, make_workflow_village
from .test_store import KEEPER, make_shop
from .test_workflows import _deposit


@pytest.fixture
def village(backend: str) -> Iterator[Village]:
    """The test village on each backend, with one award to H001."""
    v = make_village(backend)
    v.ledger.award("H001", "ENV-01", by=GRID, key="a1", occurred_at=v.clock())
    yield v
    v.ledger.close()


def refuses_writes(mapping: Any, key: Any) -> None:
    """Assigning to or deleting from a returned mapping raises TypeError."""
    with pytest.raises(TypeError):
        mapping[key] = None
    with pytest.raises(TypeError):
        del mapping[key]


# -- registry -----------------------------------------------------------------------------------


def test_households_maps_every_household_in_registration_order(village: Village) -> None:
    """households() maps each id to its Household record, in registration order."""
    households = village.ledger.households()
    assert list(households) == ["H001", "H002", "H003", "H004"]
    assert households["H003"] == Household("H003", "G02", "户主2")


def test_households_is_read_only_and_a_snapshot(village: Village) -> None:
    """The mapping refuses writes, and a later registration leaves an earlier answer as it was."""
    led = village.ledger
    households = led.households()
    refuses_writes(households, "H001")
    led.register_household("H005", grid="G01", head="新户", by=COMMITTEE)
    assert "H005" not in households and "H005" in led.households()


def test_household_returns_one_record_or_raises(village: Village) -> None:
    """household(id) is the record; an unknown id raises UnknownAccount naming it."""
    led = village.ledger
    assert led.household("H002").grid == "G01"
    with pytest.raises(UnknownAccount) as caught:
        led.household("M001")  # a member, not a household
    assert caught.value.fields["account"] == "M001"


def test_household_records_are_frozen(village: Village) -> None:
    """A returned record cannot be changed in place; a changed copy does not reach the ledger."""
    led = village.ledger
    record = led.household("H001")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        record.grid = "G02"  # type: ignore[misc]
    attrs.evolve(record, grid="G02")
    assert led.household("H001").grid == "G01"


def test_members_of_all_households_or_of_one(village: Village) -> None:
    """members() maps every member; members(household) only that household's."""
    led = village.ledger
    assert list(led.members()) == ["M001", "M002"]
    assert list(led.members("H002")) == ["M002"]
    assert dict(led.members("H003")) == {}
    refuses_writes(led.members(), "M001")
    with pytest.raises(UnknownAccount):
        led.members("H999")


def test_member_returns_one_record_or_raises(village: Village) -> None:
    """member(id) is the record with household, name, roles and birth date."""
    led = village.ledger
    member = led.member("M002")
    assert (member.household, member.name, member.roles) == (
        "H002", "欧阳明", frozenset({"resident"}))
    assert member.birth_date == _dt.date(1950, 5, 1)
    with pytest.raises(UnknownAccount):
        led.member("H001")


def test_regions_map_the_tree_parents_first(village: Village) -> None:
    """regions() maps each code to its Region, a parent before its children."""
    regions = village.ledger.regions()
    assert list(regions) == ["V01", "G01", "G02"]
    assert regions["G02"].parent == "V01" and regions["V01"].parent is None
    refuses_writes(regions, "V01")


def test_region_returns_one_record_or_raises(village: Village) -> None:
    """region(code) is the record; an unknown code raises UnknownRegion."""
    led = village.ledger
    assert (led.region("V01").name, led.region("V01").kind) == ("东沙沟村", "village")
    with pytest.raises(UnknownRegion):
        led.region("G99")


def test_household_of_accounts(village: Village) -> None:
    """A household is its own household, a member belongs to one, a system account to none."""
    led = village.ledger
    assert led.household_of("H001") == "H001"
    assert led.household_of("M002") == "H002"
    assert led.household_of(POOL) is None and led.household_of("nobody") is None


# -- rulebooks ----------------------------------------------------------------------------------


def test_adoptions_oldest_first_with_their_ranges(village: Village) -> None:
    """adoptions() lists the adopted versions oldest first, with effective ranges and minutes."""
    led = village.ledger
    rules = led.adoption("2026").rulebook
    led.adopt(attrs.evolve(rules, version="2027"), effective_from=pendulum.date(2027, 1, 1),
              by=COMMITTEE, resolution="第二次表决")
    adoptions = led.adoptions()
    assert isinstance(adoptions, tuple)
    assert [(a.version, a.effective_from, a.resolution) for a in adoptions] == [
        ("2026", _dt.date(2026, 1, 1), "村民代表会议表决通过"),
        ("2027", _dt.date(2027, 1, 1), "第二次表决")]
    assert adoptions[0].until_us is None and adoptions[1].from_us > adoptions[0].from_us


def test_adoption_by_version_or_raises(village: Village) -> None:
    """adoption(version) is that version's record; an unknown version raises NotFound."""
    led = village.ledger
    adoption = led.adoption("2026")
    assert adoption.rulebook.item("ENV-01").points == 5 and adoption.seq > 1
    with pytest.raises(NotFound):
        led.adoption("1999")


# -- entries and keys ---------------------------------------------------------------------------


def test_reversals_map_reversed_to_reversing_seq(village: Village) -> None:
    """reversals() maps each reversed entry's seq to its reversal's; it is read-only."""
    led = village.ledger
    award = led.event_for_key("a1")
    assert award is not None and dict(led.reversals()) == {}
    reversal = led.reverse(award.id, reason="误录", by=COMMITTEE, key="rev")
    reversals = led.reversals()
    assert dict(reversals) == {award.seq: reversal.seq}
    refuses_writes(reversals, award.seq)


def test_reversal_of_an_entry(village: Village) -> None:
    """reversal_of(entry) is the reversing event, None for a standing entry; by id, seq or
    event."""
    led = village.ledger
    award = led.event_for_key("a1")
    assert award is not None and led.reversal_of(award.id) is None
    reversal = led.reverse(award.id, reason="误录", by=COMMITTEE, key="rev")
    assert led.reversal_of(award.id) == led.reversal_of(award.seq) == reversal
    assert led.reversal_of(award) == reversal
    with pytest.raises(UnknownEntry):
        led.reversal_of(led.head + 1)


def test_event_for_key_is_the_first_event_written(village: Village) -> None:
    """event_for_key(key) is the first event a command wrote under that key, or None."""
    led = village.ledger
    first = led.event_for_key("a1")
    assert isinstance(first, Awarded) and first.account == "H001"
    registered = led.event_for_key("household/H003")
    assert registered is not None and registered.kind == "household_registered"
    assert registered == led.event(registered.seq)
    assert led.event_for_key("never-used") is None


# -- balances, stock, time bank -----------------------------------------------------------------


def test_balances_cover_every_account_and_sum_to_zero(village: Village) -> None:
    """balances() has each household and member (zero included) and the system accounts
    that moved points; the postings sum to zero."""
    led = village.ledger
    balances = led.balances()
    assert {"H001", "H002", "H003", "H004", "M001", "M002", POOL} <= set(balances)
    assert balances["H001"] == led.balance("H001") and balances["H001"].posted == 5
    assert balances["H004"].posted == 0
    assert sum(b.posted for b in balances.values()) == 0


def test_balances_are_read_only_and_a_snapshot(village: Village) -> None:
    """The mapping refuses writes; a later award leaves an earlier answer as it was."""
    led = village.ledger
    balances = led.balances()
    refuses_writes(balances, "H001")
    led.award("H001", "ENV-01", by=GRID, key="a2", occurred_at=village.clock())
    assert balances["H001"].posted == 5 and led.balances()["H001"].posted == 10


def test_stock_levels_of_every_reward() -> None:
    """stock_levels() maps every stocked reward to its StockLevel, as stock(reward) gives it."""
    shop = make_shop("memory")
    led = shop.ledger
    shop.earn("H1")
    led.reserve("H1", "SOAP", by=KEEPER, key="res")
    levels = led.stock_levels()
    assert list(levels) == ["GIFT", "MEAL", "SOAP", "TV"]
    assert levels["SOAP"] == led.stock("SOAP") and levels["SOAP"].reserved == 1
    refuses_writes(levels, "SOAP")


def test_time_balances_and_time_moves() -> None:
    """time_balances() maps every time-bank account to its minutes (summing to zero);
    time_moves(member) lists a member's movements oldest first."""
    village = make_workflow_village()
    led = village.ledger
    _deposit(led, "M003", 90, "d1")
    _deposit(led, "M003", 30, "d2")
    minutes = led.time_balances()
    assert minutes["M003"] == 120 == led.minutes("M003") and sum(minutes.values()) == 0
    assert TIMEBANK in minutes
    refuses_writes(minutes, "M003")
    moves = led.time_moves("M003")
    assert isinstance(moves, tuple) and [m.minutes for m in moves] == [90, 30]
    assert all(m.destination == "M003" for m in moves)
    assert led.time_moves("M001") == ()


def test_tzinfo_is_the_ledger_zone(village: Village) -> None:
    """tzinfo is the ledger's zone as a tzinfo."""
    led = village.ledger
    assert led.tzinfo.utcoffset(_dt.datetime(2026, 3, 1)) == _dt.timedelta(hours=8)
    assert pendulum.now(led.tzinfo).timezone_name == led.tz  # type: ignore[arg-type]


# -- trust --------------------------------------------------------------------------------------


def test_drift_is_empty_for_a_sound_ledger(village: Village) -> None:
    """A live state that equals a fresh fold of the log has no drift, after a reopen too."""
    assert village.ledger.drift() == ()
    assert check_invariants(village.ledger) == []


def test_drift_names_a_table_changed_behind_apply() -> None:
    """A derived table changed without an event (white-box) shows up by name."""
    village = make_village("memory")
    led = village.ledger
    led._state.stock["SOAP"] = 3
    assert led.drift() == ("stock",)


def test_no_query_hands_out_a_live_table(village: Village) -> None:
    """Changing what any mapping query returned (through its copy) never reaches the ledger."""
    led = village.ledger
    before = (dict(led.households()), dict(led.members()), dict(led.regions()),
              dict(led.balances()), dict(led.reversals()), dict(led.time_balances()),
              led.adoptions())
    for table in (led.households(), led.members(), led.regions(), led.balances(),
                  led.reversals(), led.stock_levels(), led.time_balances()):
        copy = dict(table)
        copy.clear()
    assert before == (dict(led.households()), dict(led.members()), dict(led.regions()),
                      dict(led.balances()), dict(led.reversals()), dict(led.time_balances()),
                      led.adoptions())
    assert not hasattr(Ledger, "state")


def test_available_points_of_every_account(village: Village) -> None:
    """available() maps each account to posted minus held, as balances() gives them."""
    led = village.ledger
    available = led.available()
    assert dict(available) == {a: b.available for a, b in led.balances().items()}
    assert available["H001"] == 5 and available["M002"] == 0
    refuses_writes(available, "H001")


def test_household_of_a_member_before_it_was_registered_is_none() -> None:
    """The registry as it stood before a member's registration has no such member: asked at an
    earlier event, `household_of` gives None (as for an unknown name), at its registration the
    household it joined, and after a move the household of that moment."""
    village = make_village("memory")
    ledger = village.ledger
    before = ledger.head
    joined = ledger.register_member("M077", household="H001", name="李四", by=COMMITTEE,
                                    key="m77")
    moved = ledger.move_member("M077", household="H002", reason="婚嫁", by=COMMITTEE,
                               key="mv77")
    assert ledger.household_of("M077", at_seq=before) is None
    assert ledger.household_of("M077", at_seq=0) is None
    assert ledger.household_of("M077", at_seq=joined.seq) == "H001"
    assert ledger.household_of("M077", at_seq=moved.seq - 1) == "H001"
    assert ledger.household_of("M077", at_seq=moved.seq) == "H002"
    assert ledger.household_of("M077") == "H002"
