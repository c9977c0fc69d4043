"""Period arithmetic and clocks: examples at the edges (properties are in test_properties)."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pointsledger import ManualClock, ValidationError
from pointsledger.base.clock import from_us, to_us
from pointsledger.base.periods import (
    check_period,
    day_start_us,
    local_date,
    parse_period,
    period_bounds,
    period_index,
    period_label,
)

from .helpers import budget

SH = pendulum.timezone("Asia/Shanghai")


@pytest.mark.parametrize(
    ("per", "label"),
    [("day", "2026-03-15"), ("week", "2026-W11"), ("month", "2026-03"), ("quarter", "2026-Q1"),
     ("year", "2026")],
)
def test_labels(per: str, label: str) -> None:
    """Each period kind has a readable label."""
    assert period_label(per, period_index(per, dt.date(2026, 3, 15))) == label


def test_weeks_start_on_monday_and_cross_years() -> None:
    """ISO weeks: 2026-01-01 (a Thursday) is in week 1 starting Monday 2025-12-29."""
    index = period_index("week", dt.date(2026, 1, 1))
    assert index == period_index("week", dt.date(2025, 12, 29))
    assert index != period_index("week", dt.date(2025, 12, 28))
    assert period_label("week", index) == "2026-W01"


def test_local_dates_follow_the_zone() -> None:
    """16:00 UTC on March 31st is already April 1st in Shanghai."""
    us = to_us(pendulum.datetime(2026, 3, 31, 16, tz="UTC"))
    assert local_date(us, SH) == dt.date(2026, 4, 1)
    assert local_date(us - 1, SH) == dt.date(2026, 3, 31)
    assert day_start_us(dt.date(2026, 4, 1), "Asia/Shanghai") == us


def test_bounds_are_half_open() -> None:
    """A quarter runs from its first day to the next quarter's first day, local time."""
    start, end = period_bounds("quarter", period_index("quarter", dt.date(2026, 5, 5)),
                               "Asia/Shanghai")
    assert start == pendulum.datetime(2026, 4, 1, tz="Asia/Shanghai")
    assert end == pendulum.datetime(2026, 7, 1, tz="Asia/Shanghai")


def test_bad_period_kinds() -> None:
    """Unknown period kinds are refused by name."""
    for call in (lambda: check_period("fortnight"), lambda: period_index("decade", dt.date.today()),
                 lambda: period_label("hour", 1)):
        with pytest.raises(ValidationError):
            call()


def test_manual_clock_only_moves_forward() -> None:
    """A manual clock advances and can be set forward, never back."""
    clock = ManualClock(pendulum.datetime(2026, 3, 1, tz="Asia/Shanghai"))
    assert clock.advance(days=1) == pendulum.datetime(2026, 3, 2, tz="Asia/Shanghai")
    with pytest.raises(ValidationError):
        clock.advance(days=-1)
    with pytest.raises(ValidationError):
        clock.set(pendulum.datetime(2026, 3, 1, tz="Asia/Shanghai"))
    with pytest.raises(ValidationError):
        ManualClock(dt.datetime(2026, 3, 1))  # naive


def test_instants_round_trip() -> None:
    """from_us gives the instant in the asked zone."""
    when = pendulum.datetime(2026, 3, 1, 8, 30, 0, 123456, tz="Asia/Shanghai")
    assert from_us(to_us(when), "Asia/Shanghai") == when
    assert from_us(to_us(when)).timezone_name == "UTC"


@given(st.integers(-(2**41), 2**52), st.sampled_from(["Asia/Shanghai", "America/New_York",
                                                       "Australia/Lord_Howe", "UTC"]))
def test_a_reports_local_date_is_the_clocks(us: int, tz: str) -> None:
    """The reports' fast local date of an instant is the date `from_us` gives, in zones with
    and without daylight saving (half-hour shifts too), before 1970 as after."""
    from pointsledger import Ledger
    from pointsledger.base.clock import from_us
    from pointsledger.reports._scan import local_date

    ledger = Ledger.in_memory(tz=tz)
    assert local_date(ledger, us) == from_us(us, tz).date().isoformat()


@pytest.mark.parametrize("label", ["2026-03\n", " 2026", "2026 ", "２０２６-０３", "2026-0_3",
                                   "+2026", "2026-W 1", "2026-Q+1", "2026-3", "2026-W1",
                                   "0", "99999", "2026-03-15\t", "2026\u200b-03"])
def test_a_period_label_is_written_exactly(label: str) -> None:
    """A label that is not exactly as `period_label()` writes it (a trailing newline, spaces,
    full-width digits, an underscore or a sign inside, unpadded numbers) is refused by name,
    not read as the period it resembles and printed as given on a notice's title."""
    with pytest.raises(ValidationError, match="period must look like"):
        parse_period(label)


@settings(max_examples=budget(200))
@given(st.text(alphabet="0123456789-QW \n+_２", max_size=11)
       | st.builds(lambda per, day: period_label(per, period_index(per, day)),
                   st.sampled_from(["day", "week", "month", "quarter", "year"]),
                   st.dates(dt.date(1000, 1, 1), dt.date(9998, 12, 1))))
@example("2026-03\n")
def test_a_period_label_read_is_the_label_written(label: str) -> None:
    """Every label `parse_period()` reads is the one `period_label()` writes for it."""
    try:
        kind, index = parse_period(label)
    except ValidationError:
        return
    assert period_label(kind, index) == label
