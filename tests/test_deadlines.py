"""Every waiting state has a deadline or is open-ended by design (docs/workflows.md,
"Deadlines"): open orders time out back to dispatch, listed wishes lapse off the wall with the
reason shown to the wisher, and the minutes of a service never exceed the time it lasted."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from pointsledger import (
    Actor,
    Ledger,
    ServicePolicy,
    StateError,
    ValidationError,
    WishPolicy,
    reports,
)
from pointsledger.base.clock import from_us
from pointsledger.core.events import Stepped
from pointsledger.io.rulefiles import dump_rulebook, load_rulebook
from pointsledger.rules.flows import FLOWS
from tests.helpers import (
    COMMITTEE,
    GRID,
    TZ,
    VOLUNTEER,
    WISHER,
    Village,
    make_workflow_village,
    workflow_rulebook,
)

GRID2 = Actor("g-08", roles={"grid_worker"})
HOUR = pendulum.duration(hours=1)


def _listed_wish(ledger: Ledger, key: str = "w") -> str:
    wish = ledger.submit_wish("M002", "想要一台收音机", by=WISHER, key=key, value=80)
    ledger.step(wish, "list", category="物品", by=GRID, key=f"{key}/list")
    return wish.id


def _stepped(events: tuple[object, ...]) -> list[tuple[str, str, str]]:
    return [(e.step, e.state, e.key) for e in events if isinstance(e, Stepped)]


# -- orders open to be grabbed ----------------------------------------------------------------


def test_an_open_order_nobody_grabs_goes_back_to_dispatch_after_open_hours() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    order = ledger.place_order("H002", "REPAIR", by=WISHER, key="o")
    opened = ledger.step(order, "open", by=GRID, key="o/open")
    case = ledger.case(order)
    assert case.due_us == opened.recorded_us + 48 * 3_600_000_000  # the default open_hours
    clock.set(from_us(case.due_us - 1))
    assert ledger.time_out_due() == ()
    clock.set(pendulum.instance(clock()).add(days=10))  # the issue: still open after 10 days
    written = ledger.time_out_due()
    seq = order.seq
    assert _stepped(written) == [("time_out", "placed", f"@order/{seq}/time_out/2")]
    assert ledger.case(order).state == "placed" and ledger.case(order).due_us == 0
    assert ledger.time_out_due() == ()  # once
    # back at dispatch: it can be sent to a volunteer or opened again
    ledger.step(order, "dispatch", volunteer="M003", by=GRID, key="o/dispatch")
    ledger.step(order, "accept", by=VOLUNTEER, key="o/accept")


def test_open_hours_is_the_rulebooks_and_an_order_grabbed_in_time_stays() -> None:
    rules = workflow_rulebook()
    rules = attrs.evolve(rules, services=attrs.evolve(rules.services, open_hours=6))
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    ledger.adopt(attrs.evolve(rules, version="2026-b"), effective_from=clock().date(),
                 by=COMMITTEE, resolution="抢单时限6小时")
    first = ledger.place_order("H002", "REPAIR", by=WISHER, key="o1")
    second = ledger.place_order("H002", "REPAIR", by=WISHER, key="o2")
    ledger.step(first, "open", by=GRID, key="o1/open")
    ledger.step(second, "open", by=GRID, key="o2/open")
    clock.advance(hours=5)
    ledger.step(second, "accept", by=VOLUNTEER, key="o2/accept")  # grabbed in time
    clock.advance(hours=1, seconds=1)  # events recorded at one instant are 1 µs apart
    assert [e.case for e in ledger.time_out_due() if isinstance(e, Stepped)] == [first.seq]
    assert ledger.case(second).state == "accepted"


# -- wishes on the wall ------------------------------------------------------------------------


def test_a_listed_wish_nobody_claims_lapses_off_the_wall_and_its_wisher_sees_why() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    wish = _listed_wish(ledger)  # listed 2026-03-02: ninety full days on the wall
    end = pendulum.datetime(2026, 6, 1, tz=TZ)
    assert ledger.case(wish).due_us == end.int_timestamp * 1_000_000
    clock.set(end.subtract(microseconds=1))
    assert ledger.lapse_due() == ()
    clock.set(end)
    written = ledger.lapse_due()
    seq = ledger.event(wish).seq
    assert _stepped(written) == [("lapse", "lapsed", f"@wish/{seq}/lapse/2")]
    assert ledger.lapse_due() == ()
    case = ledger.case(wish)
    assert (case.state, case.due_us, case.is_live) == ("lapsed", 0, False)
    assert case.detail("lapse_reason") == "unclaimed"
    with pytest.raises(StateError):
        ledger.step(wish, "claim", by=VOLUNTEER, key="late")
    # the wisher's wall says 已过期 with the reason; the public wall no longer shows it
    mine = reports.wish_wall(ledger, viewer=WISHER)
    assert [row[3] for row in mine.rows] == ["已过期（上墙90天无人认领，可重新提交）"]
    assert not reports.wish_wall(ledger, viewer=VOLUNTEER).rows
    everyone = reports.wish_wall(ledger, viewer=GRID, state="lapsed")
    assert len(everyone.rows) == 1


def test_a_wish_back_on_the_wall_gets_a_new_wall_deadline() -> None:
    """A lapsed claim, a release, a revoke or a restore puts the wish back on the wall with
    ``list_days`` counted from that day."""
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    wish = _listed_wish(ledger)
    ledger.step(wish, "claim", by=VOLUNTEER, key="w/claim")
    assert ledger.case(wish).due_us == pendulum.datetime(2026, 3, 17, tz=TZ).int_timestamp \
        * 1_000_000  # the claim's fourteen days
    clock.set(pendulum.datetime(2026, 3, 20, 8, tz=TZ))
    assert _stepped(ledger.lapse_due())[0][:2] == ("lapse", "listed")
    assert from_us(ledger.case(wish).due_us) == pendulum.datetime(2026, 6, 19, tz=TZ)
    ledger.step(wish, "take_down", reason="重复", by=GRID, key="w/down")
    assert ledger.case(wish).due_us == 0  # off the wall: open-ended by design
    clock.set(pendulum.datetime(2026, 7, 1, 8, tz=TZ))
    ledger.step(wish, "restore", by=GRID, key="w/restore")
    assert from_us(ledger.case(wish).due_us) == pendulum.datetime(2026, 9, 30, tz=TZ)


def test_list_days_is_the_rulebooks() -> None:
    rules = workflow_rulebook()
    short = attrs.evolve(rules, version="2026-b",
                         wishes=attrs.evolve(rules.wishes, list_days=3))
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    ledger.adopt(short, effective_from=clock().date(), by=COMMITTEE, resolution="三天")
    wish = _listed_wish(ledger)
    assert from_us(ledger.case(wish).due_us) == pendulum.datetime(2026, 3, 6, tz=TZ)


# -- minutes of service ------------------------------------------------------------------------


def _started_order(village: Village) -> str:
    ledger = village.ledger
    order = ledger.place_order("H002", "CARE", by=WISHER, key="o")
    ledger.step(order, "dispatch", volunteer="M003", by=GRID, key="o/d")
    ledger.step(order, "accept", by=VOLUNTEER, key="o/a")
    ledger.step(order, "start", by=VOLUNTEER, key="o/s")
    return order.id


def test_finish_may_not_record_more_minutes_than_passed_since_start() -> None:
    village = make_workflow_village()
    ledger, clock = village.ledger, village.clock
    order = _started_order(village)
    # the issue: 60 minutes were accepted 1 µs after start
    clock.set(from_us(ledger.case(order).changed_us + 1))
    with pytest.raises(ValidationError, match="at most 0 minutes") as refused:
        ledger.step(order, "finish", minutes=60, by=VOLUNTEER, key="o/f")
    assert refused.value.fields["field"] == "minutes" and refused.value.fields["most"] == 0
    assert ledger.case(order).state == "in_service"
    clock.advance(minutes=59, seconds=59)
    with pytest.raises(ValidationError, match="at most 59 minutes"):
        ledger.step(order, "finish", minutes=60, by=VOLUNTEER, key="o/f")
    clock.advance(seconds=1)  # an hour since start (recording instants are µs apart)
    ledger.step(order, "finish", minutes=60, by=VOLUNTEER, key="o/f")
    assert ledger.case(order).state == "done"


# -- the table of deadlines --------------------------------------------------------------------


def test_every_waiting_state_is_in_the_docs_deadline_table() -> None:
    """docs/workflows.md lists every live state of every flow with its deadline or the reason
    it has none."""
    with open("docs/workflows.md", encoding="utf-8") as f:
        text = f.read()
    table = text.split("## Deadlines", 1)[1].split("\n## ", 1)[0]
    rows = {tuple(cell.strip(" `") for cell in line.strip("|").split("|")[:2])
            for line in table.splitlines() if line.startswith("| `")}
    live = {(flow.name, state) for flow in FLOWS.values() for state in flow.live}
    assert live <= rows, sorted(live - rows)


# -- rule files --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".toml", ".xlsx", ""])
def test_rule_files_carry_the_deadlines(tmp_path: object, suffix: str) -> None:
    rules = workflow_rulebook()
    rules = attrs.evolve(rules, wishes=attrs.evolve(rules.wishes, list_days=30),
                         services=attrs.evolve(rules.services, open_hours=12))
    path = f"{tmp_path}/rules{suffix}"
    dump_rulebook(rules, path)
    loaded = load_rulebook(path)
    assert (loaded.wishes.list_days, loaded.services.open_hours) == (30, 12)
    assert loaded == rules


def test_policies_refuse_a_deadline_of_zero() -> None:
    from pointsledger.errors import RulebookError

    with pytest.raises(RulebookError, match="list_days"):
        WishPolicy(list_days=0)
    with pytest.raises(RulebookError, match="open_hours"):
        ServicePolicy(open_hours=0)


# -- expiry: no award of points already expired ------------------------------------------------


def _year_end_village() -> Village:
    from pointsledger import ExpiryPolicy

    rules = attrs.evolve(workflow_rulebook(), expiry=ExpiryPolicy("year_end"))
    village = make_workflow_village()
    village.ledger.adopt(attrs.evolve(rules, version="2026-x"),
                         effective_from=village.clock().date(), by=COMMITTEE,
                         resolution="年底清零")
    return village


def test_an_award_backdated_past_its_points_expiry_is_refused_naming_the_date() -> None:
    from pointsledger import BackdatedTooFar

    village = _year_end_village()
    ledger, clock = village.ledger, village.clock
    clock.set(pendulum.datetime(2027, 1, 5, 9, tz=TZ))
    head = ledger.head
    with pytest.raises(BackdatedTooFar, match="expired at 2027-01-01") as refused:
        ledger.award("H002", "VOL-02", by=GRID, key="late",
                     occurred_at=pendulum.datetime(2026, 12, 20, tz=TZ))
    assert refused.value.fields["expires_at"].startswith("2027-01-01")
    assert "2027-01-01" in refused.value.message_for("zh")
    with pytest.raises(BackdatedTooFar):
        ledger.submit_claim("H002", "HON-01", by=GRID, key="late-claim",
                            occurred_at=pendulum.datetime(2026, 12, 20, tz=TZ))
    assert ledger.head == head
    # conduct of this year still earns, and a deduction for last year is still a deduction
    ledger.award("H002", "VOL-02", by=GRID, key="now",
                 occurred_at=pendulum.datetime(2027, 1, 2, tz=TZ))
    ledger.deduct("H002", "COV-03", by=GRID, key="ded",
                  occurred_at=pendulum.datetime(2026, 12, 20, tz=TZ))
    assert ledger.expire_due() == ()


def test_no_callers_key_can_block_a_due_job() -> None:
    """A due job writes under a key only the ledger uses (``@claim/<seq>/post/<n>``): an app
    command under the key the job used to take (``claim/<seq>/post/<n>``) no longer blocks
    posting that claim (post_due raised IdempotencyConflict on every run, and the claims after
    it waited); a caller's key starting with ``@`` is refused, by every kind of command,
    naming the key, and nothing is written."""
    village = make_workflow_village()
    led = village.ledger
    claim = led.submit_claim("H002", "HON-01", by=GRID, key="c/submit",
                             occurred_at=village.clock())
    led.step(claim, "check", by=GRID2, key="c/check")
    led.step(claim, "approve", by=COMMITTEE, key="c/approve")
    case = led.case(claim.id)
    old_key = f"claim/{case.seq}/post/{len(case.history)}"
    led.award("H003", "HON-01", by=GRID, key=old_key, occurred_at=village.clock())
    village.clock.advance(days=9)
    posted = led.post_due()
    assert led.case(claim.id).state == "posted"
    assert {e.key for e in posted} == {f"@claim/{case.seq}/post/{len(case.history)}"}
    head = led.head
    for attempt in (
            lambda: led.award("H003", "HON-01", by=GRID, key="@x", occurred_at=village.clock()),
            lambda: led.submit_claim("H002", "HON-01", by=GRID, key="@claim/9/post/3"),
            lambda: led.receive_stock("SOAP", 1, by=COMMITTEE, key="@timeout/3"),
            lambda: led.step(claim, "appeal", by=GRID, key="@", reason="不服")):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.fields["field"] == "key"
        assert str(refused.value.fields["value"]).startswith("@")
    assert led.head == head


def test_a_refused_step_names_only_the_steps_a_person_may_take() -> None:
    """A claim in notice may be objected to; ``post`` is the due job's. A step the table does
    not allow, or one the flow does not have, is refused naming ``object`` as allowed and
    never ``post`` (the message told users they could take it), as `next_steps` says."""
    village = make_workflow_village()
    led = village.ledger
    claim = led.submit_claim("H002", "HON-01", by=GRID, key="c/submit",
                             occurred_at=village.clock())
    led.step(claim, "check", by=GRID2, key="c/check")
    led.step(claim, "approve", by=COMMITTEE, key="c/approve")
    assert led.next_steps(claim.id) == ("object",)
    with pytest.raises(StateError) as wrong_state:
        led.step(claim, "check", by=GRID2, key="c/check-again")
    assert wrong_state.value.fields["allowed"] == ["object"]
    assert "allowed steps: object" in str(wrong_state.value)
    assert "post" not in wrong_state.value.message_for("zh")
    with pytest.raises(ValidationError) as no_such_step:
        led.step(claim, "sign", by=GRID2, key="c/sign")
    assert "(allowed now: object)" in str(no_such_step.value)
