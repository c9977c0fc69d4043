"""Properties of the invariants in DESIGN.md that are not already driven by the state machine."""

from __future__ import annotations

import contextlib
import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

import pendulum
from hypothesis import assume, given
from hypothesis import strategies as st

from pointsledger import (
    Actor,
    ChecklistItem,
    Ledger,
    ManualClock,
    PermissionDenied,
    PointsLedgerError,
    Rulebook,
)
from pointsledger.base.clock import from_us, to_us
from pointsledger.base.periods import (
    PERIODS,
    local_date,
    local_day_range,
    period_bounds,
    period_index,
    period_label,
)
from pointsledger.core.encoding import EVENT_TYPES, decode
from pointsledger.rules.rulebook import rulebook_from_data, rulebook_to_data
from pointsledger.testing import checklist_items, rulebooks

from .helpers import COMMITTEE, GRID, START, TZ, make_village

codes = st.from_regex(r"[A-Z]{2,4}-[0-9]{2}", fullmatch=True)
titles = st.text(st.characters(codec="utf-8",
                               exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")),
                 min_size=1, max_size=12).filter(str.strip)


aware_datetimes = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from([dt.UTC, pendulum.timezone("Asia/Shanghai"),
                               pendulum.timezone("America/New_York"),
                               dt.timezone(dt.timedelta(hours=5, minutes=45))]),
)


@given(rulebooks(items=checklist_items(codes=codes)))
def test_rulebook_survives_its_record(rulebook: Rulebook) -> None:
    """The adoption record of a rulebook rebuilds the identical rulebook."""
    assert rulebook_from_data(rulebook_to_data(rulebook)) == rulebook


@given(aware_datetimes)
def test_instants_are_exact_microseconds(when: dt.datetime) -> None:
    """to_us is exact (no float rounding) and from_us inverts it."""
    expected = (when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    assert to_us(when) == expected
    # (compared as instants: a wall time in a DST gap never equals one in another zone)
    assert to_us(from_us(expected, TZ)) == expected


_ZONES = [pendulum.timezone(name) for name in (
    "Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Shanghai",
)] + [zoneinfo.ZoneInfo("America/Santiago")]


def _transitions(zone: dt.tzinfo) -> list[dt.datetime]:
    """Local wall times (naive) at which ``zone`` changed its offset, 2010-2030, to the hour."""
    found = []
    hour = dt.timedelta(hours=1)
    t = dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    last = t.astimezone(zone).utcoffset()
    while t.year < 2030:
        offset = t.astimezone(zone).utcoffset()
        if offset != last:
            found.append(t.astimezone(zone).replace(tzinfo=None))
            last = offset
        t += hour
    return found


_NEAR_TRANSITIONS = [(zone, wall) for zone in _ZONES for wall in _transitions(zone)]


@given(st.lists(st.tuples(st.sampled_from(_NEAR_TRANSITIONS),
                          st.integers(-4 * 24 * 60, 4 * 24 * 60), st.integers(0, 1),
                          st.booleans()), min_size=1, max_size=20))
def test_instants_are_exact_around_offset_changes(
    walls: list[tuple[tuple[dt.tzinfo, dt.datetime], int, int, bool]],
) -> None:
    """to_us remembers each zone's offset for nearby wall times; one after another, wall times
    within days of offset changes (DST both ways, half-hour and whole-day changes, either fold,
    times in gaps, plain and pendulum datetimes) still convert exactly."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    for (zone, transition), minutes, fold, as_pendulum in walls:
        wall = transition + dt.timedelta(minutes=minutes)
        when = wall.replace(tzinfo=zone, fold=fold)
        if as_pendulum:
            when = pendulum.instance(when)
        expected = dt.datetime.__sub__(when, epoch) // dt.timedelta(microseconds=1)
        assert to_us(when) == expected, when


class _EightHoursAhead(dt.tzinfo):
    """A zone as a test might write one: only ``utcoffset``, no ``dst`` or ``fromutc``."""

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(hours=8)


def test_instants_at_the_ends_of_time_and_in_minimal_zones() -> None:
    """Aware datetimes at the ends of the datetime range, and in a zone that only gives its
    offset, convert exactly too."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    for when in (dt.datetime(2026, 1, 1, tzinfo=_EightHoursAhead()),  # type: ignore[abstract]
                 dt.datetime(2026, 1, 1, 1, tzinfo=_EightHoursAhead()),  # type: ignore[abstract]
                 dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC),
                 dt.datetime(1, 1, 1, tzinfo=dt.UTC),
                 pendulum.datetime(9999, 12, 30, tz="Asia/Shanghai"),
                 dt.datetime(1, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=-5)))):
        assert to_us(when) == dt.datetime.__sub__(when, epoch) // dt.timedelta(microseconds=1)


@given(aware_datetimes, st.sampled_from(PERIODS))
def test_period_index_matches_pendulum_bounds(when: dt.datetime, per: str) -> None:
    """The period an instant falls in, by index arithmetic, contains it by pendulum's bounds;
    neighbouring indexes are the neighbouring periods."""
    tz = pendulum.timezone(TZ)
    us = to_us(when)
    index = period_index(per, local_date(us, tz))
    start, end = period_bounds(per, index, TZ)
    assert start <= when < end
    assert period_index(per, start.date()) == index
    assert period_index(per, end.date()) > index
    assert period_index(per, start.subtract(days=1).date()) < index
    assert period_label(per, index)


@st.composite
def events(draw: st.DrawFn) -> Any:
    """A built and sealed event of a random kind, with random header values."""
    village = make_village("memory")
    led = village.ledger
    when = village.clock().subtract(hours=draw(st.integers(1, 1000)))
    kind = draw(st.sampled_from(["award", "deduct", "reverse", "region", "member", "close"]))
    # keys and memos the commands accept (printable: see docs/input.md)
    key = draw(st.text(min_size=1, max_size=30).filter(lambda k: k.strip() and k.isprintable()))
    memo = draw(st.text(max_size=20).filter(str.isprintable))
    if kind == "award":
        return led.award("H001", "VOL-02", by=GRID, key=key, occurred_at=when, memo=memo,
                         evidence=draw(st.lists(titles, max_size=2)))
    if kind == "deduct":
        return led.deduct("H002", "COV-09", by=GRID, key=key, occurred_at=when, memo=memo,
                          evidence=["p"], quantity=draw(st.integers(1, 5)))
    if kind == "reverse":
        e = led.award("H001", "VOL-02", by=GRID, key="x", occurred_at=when)
        return led.reverse(e.id, reason=draw(titles), by=COMMITTEE, key=key, memo=memo)
    if kind == "region":
        return led.add_region(draw(codes), draw(titles), kind="grid", parent="V01",
                              by=COMMITTEE, key=key, memo=memo)
    if kind == "member":
        return led.register_member(
            draw(codes), household="H003", name=draw(titles), by=COMMITTEE, key=key,
            roles=draw(st.frozensets(st.sampled_from(["resident", "volunteer"]))),
            birth_date=draw(st.none() | st.dates(dt.date(1920, 1, 1), dt.date(2020, 1, 1))))
    return led.close_account("M002", by=COMMITTEE, key=key, memo=memo)


@given(events())
def test_canonical_encoding_round_trips(event: Any) -> None:
    """Every event decodes from its canonical encoding to an equal event."""
    assert decode(event.seq, event.canonical(), event.hash) == event
    assert type(event) in EVENT_TYPES.values()


class WanderingClock:
    """A clock that jumps backwards and forwards (a badly set server clock)."""

    def __init__(self, readings: Sequence[dt.datetime]) -> None:
        self.readings = readings
        self.i = 0

    def __call__(self) -> dt.datetime:
        reading = self.readings[min(self.i, len(self.readings) - 1)]
        self.i += 1
        return reading


@given(st.lists(st.integers(-3600, 3600), min_size=10, max_size=25))
def test_recorded_at_strictly_increases_whatever_the_clock(jumps: list[int]) -> None:
    """recorded_at comes from the clock but never repeats or goes back; occurred <= recorded."""
    readings = [START.add(seconds=j) for j in jumps]
    led = Ledger.in_memory(clock=WanderingClock(readings), tz=TZ)
    led.adopt(Rulebook("v", [ChecklistItem("A-01", "a", category="c", points=1)]),
              effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE, resolution="m")
    led.add_region("G", "g", kind="grid", by=COMMITTEE)
    led.register_household("H", grid="G", head="h", by=COMMITTEE)
    for i in range(5):
        # the clock may sit before occurred_at: refused, nothing written
        with contextlib.suppress(PointsLedgerError):
            led.award("H", "A-01", by=GRID, key=f"k{i}", occurred_at=START.subtract(hours=2))
    stamps = [e.recorded_us for e in led.events()]
    assert stamps == sorted(set(stamps))
    assert all(e.occurred_us <= e.recorded_us for e in led.events())


@given(roles=st.frozensets(st.sampled_from(["resident", "grid_worker", "committee", "volunteer",
                                             "auditor"])),
       member=st.sampled_from([None, "M001", "M002"]),
       account=st.sampled_from(["H001", "H002", "H003", "M001", "M002"]))
def test_authority(roles: frozenset[str], member: str | None, account: str) -> None:
    """An award is allowed exactly when a role allows it and the actor is not of the
    account's household."""
    village = make_village("memory")
    led = village.ledger
    actor = Actor(member or "outsider", roles=roles)
    own = {"M001": "H001", "M002": "H002"}.get(member or "")
    household = {"M001": "H001", "M002": "H002"}.get(account, account)
    allowed = bool(roles & {"grid_worker", "committee"}) and own != household
    try:
        led.award(account, "VOL-02", by=actor, key="k", occurred_at=START.subtract(hours=1))
    except PermissionDenied:
        assert not allowed
    else:
        assert allowed


@given(first=st.dates(dt.date(2026, 1, 2), dt.date(2026, 2, 20)),
       offsets=st.lists(st.integers(0, 24 * 80), min_size=1, max_size=6))
def test_postings_use_the_version_in_force(first: dt.date, offsets: list[int]) -> None:
    """Each posting names the rulebook version whose range covers its occurred time."""
    clock = ManualClock(pendulum.datetime(2026, 3, 20, tz=TZ))
    led = Ledger.in_memory(clock=clock, tz=TZ)
    item = ChecklistItem("A-01", "a", category="c", points=1)
    led.adopt(Rulebook("v1", [item]), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
              resolution="m")
    led.adopt(Rulebook("v2", [item]), effective_from=first, by=COMMITTEE, resolution="m")
    led.add_region("G", "g", kind="grid", by=COMMITTEE)
    led.register_household("H", grid="G", head="h", by=COMMITTEE)
    switch = pendulum.datetime(first.year, first.month, first.day, tz=TZ)
    for i, hours in enumerate(offsets):
        when = pendulum.datetime(2026, 1, 1, tz=TZ).add(hours=hours)
        assume(when < clock())
        event = led.award("H", "A-01", by=GRID, key=f"k{i}", occurred_at=when)
        assert event.version == ("v2" if when >= switch else "v1")


@given(st.lists(st.tuples(st.sampled_from(["H001", "H002", "M001"]),
                          st.sampled_from(["VOL-02", "COV-03", "ENV-01"]),
                          st.integers(1, 200)), max_size=12))
def test_balances_are_the_fold_of_postings(commands: list[tuple[str, str, int]]) -> None:
    """Every balance equals the fold of its postings, now and at every seq."""
    village = make_village("memory")
    led = village.ledger
    for i, (account, item, hours) in enumerate(commands):
        method = led.deduct if item.startswith("COV") else led.award
        with contextlib.suppress(PointsLedgerError):  # caps, backdating: refused
            method(account, item, by=GRID, key=f"k{i}",
                   occurred_at=village.clock().subtract(hours=hours))
    folded: dict[str, int] = {}
    for event in led.events():
        for source, destination, amount in event.postings():
            folded[source] = folded.get(source, 0) - amount
            folded[destination] = folded.get(destination, 0) + amount
    assert {a: b.posted for a, b in led.balances().items() if b.posted} == {
        a: b for a, b in folded.items() if b}
    for account in ("H001", "H002", "M001"):
        assert led.balance(account, at_seq=led.head).posted == led.balance(account).posted


@given(aware_datetimes, st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London",
                                         "Asia/Kathmandu", "Australia/Lord_Howe",
                                         "America/Santiago"]))
def test_local_day_ranges_hold_one_local_date(when: dt.datetime, zone: str) -> None:
    """The cached day range around an instant holds only instants of that local date."""
    tz = pendulum.timezone(zone)
    us = to_us(when)
    start, end, day = local_day_range(us, tz)
    assert start <= us < end
    assert day == local_date(us, tz) == local_date(start, tz) == local_date(end - 1, tz)
