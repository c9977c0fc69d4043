"""What the workflow cases must get right, found by mutation testing (issue 16): each test here
kills mutants of :mod:`pointsledger.workflows.cases` and :mod:`pointsledger.workflows.claims`
that the rest of the suite let live (docs/mutation.md): finding a case by its full id, a step's
arguments refused by name, who may object and until when, separation of duties when an app lets
residents review, what a due job writes and under which key, and a 1-point item's caps."""

from __future__ import annotations

import functools

import attrs
import pendulum
import pytest

from pointsledger import (
    Actor,
    AlreadyReversed,
    Campaign,
    Cap,
    CapExceeded,
    ChecklistItem,
    DeadlinePassed,
    EvidenceRequired,
    Ledger,
    ManualClock,
    PermissionDenied,
    Policy,
    UnknownAccount,
    UnknownEntry,
    ValidationError,
)
from pointsledger.base.actors import SYSTEM
from pointsledger.base.checks import MAX_MINUTES
from pointsledger.base.clock import from_us
from pointsledger.core.events import Awarded, Reversed, Stepped
from tests.helpers import (
    COMMITTEE,
    COMMITTEE2,
    GRID,
    GRID2,
    NEIGHBOUR,
    START,
    TZ,
    VOLUNTEER,
    WISHER,
    Village,
    make_village,
    make_workflow_village,
    workflow_rulebook,
)
from tests.test_ledger import refused, snapshot
from tests.test_workflows import _claimed_wish

VERSION = "2026"  # the version of workflow_rulebook
KIN = Actor("M004", roles={"resident"})  # of H002, the household every claim here is for


def _claim_in_notice(village: Village, item: str = "HON-01", key: str = "c") -> str:
    """A claim for H002 through check and approval, in notice."""
    led = village.ledger
    claim = led.submit_claim("H002", item, by=GRID, key=f"{key}/submit",
                             occurred_at=village.clock())
    led.step(claim, "check", by=GRID2, key=f"{key}/check")
    led.step(claim, "approve", by=COMMITTEE, key=f"{key}/approve")
    return claim.id


# -- finding a case ---------------------------------------------------------------------------


def test_a_case_is_found_only_by_the_digest_of_the_event_that_opened_it() -> None:
    """The seq alone does not name a case: an id with another digest is refused naming the
    id as given (in its fields and its message), by `case` and by `step`, writing nothing."""
    village = make_workflow_village()
    led = village.ledger
    claim = led.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    wrong = f"e{claim.seq}-{'0' * 12 if not claim.id.endswith('0' * 12) else '1' * 12}"
    for call in (functools.partial(led.case, wrong),
                 functools.partial(led.step, wrong, "check", by=GRID2, key="k")):
        exc = refused(led, UnknownEntry, call)
        assert exc.fields == {"entry": wrong}
        assert wrong in exc.message
    assert led.case(claim.id).seq == claim.seq


# -- a step's arguments -----------------------------------------------------------------------


def test_a_step_argument_unknown_or_missing_is_refused_naming_it() -> None:
    """An argument the step does not take is refused naming it (the first, sorted), and the
    message says what the step does take; a required one left out is refused naming it."""
    village = make_workflow_village()
    led = village.ledger
    claim = led.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    exc = refused(led, ValidationError, lambda: led.step(
        claim, "reject", reason="不属实", zeta=1, colour="red", by=GRID2, key="k"))
    assert exc.fields == {"field": "colour"}
    assert "colour" in exc.message and "'reason'" in exc.message
    assert "no arguments" not in exc.message
    exc2 = refused(led, ValidationError, lambda: led.step(claim, "check", colour="red",
                                                          by=GRID2, key="k"))
    assert exc2.fields == {"field": "colour"}
    exc3 = refused(led, ValidationError, lambda: led.step(claim, "reject", by=GRID2, key="k"))
    assert exc3.fields == {"field": "reason"}


@pytest.mark.parametrize("bad", [7, "", "  ", None])
def test_a_reason_is_required_text_named_when_bad(bad: object) -> None:
    """A reason is required text: not text, empty or blank is refused naming ``reason`` and
    the value; a reason over several lines is kept as given."""
    village = make_workflow_village()
    led = village.ledger
    claim = led.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    exc = refused(led, ValidationError, lambda: led.step(claim, "reject", reason=bad, by=GRID2,
                                                         key="k"))
    assert exc.fields["field"] == "reason"
    assert exc.fields["value"] == bad


def test_a_reason_may_span_lines() -> None:
    village = make_workflow_village()
    led = village.ledger
    claim = led.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    rejected = led.step(claim, "reject", reason="不属实\n重复申报", by=GRID2, key="k")
    assert dict(rejected.args) == {"reason": "不属实\n重复申报"}
    assert led.case(claim.id).state == "rejected"


def test_a_wish_category_and_evidence_that_are_not_text_are_named() -> None:
    """Listing a wish under a category that is not text, or fulfilling it with evidence that
    is one string instead of a list, is refused naming the argument."""
    village = make_workflow_village()
    led = village.ledger
    wish = led.submit_wish("M002", "陪老人聊天", by=WISHER, key="w").id
    exc = refused(led, ValidationError, lambda: led.step(wish, "list", category=7, by=GRID,
                                                         key="w/list"))
    assert exc.fields == {"field": "category", "value": 7}
    village2 = make_workflow_village()
    claimed = _claimed_wish(village2)
    exc2 = refused(village2.ledger, ValidationError, lambda: village2.ledger.step(
        claimed, "fulfil", evidence="photo-1", by=VOLUNTEER, key="f"))
    assert exc2.fields["field"] == "evidence"


def test_a_rating_above_five_is_refused_naming_the_value() -> None:
    village = make_workflow_village()
    led = village.ledger
    wish = _claimed_wish(village)
    led.step(wish, "fulfil", evidence=["photo-3"], by=VOLUNTEER, key="f")
    exc = refused(led, ValidationError, lambda: led.step(wish, "confirm", rating=6, by=WISHER,
                                                         key="c"))
    assert exc.fields == {"field": "rating", "value": 6}
    assert "6" in exc.message


def test_a_team_names_bad_members_as_the_team() -> None:
    """A team given as one string, or with a bad member id, is refused naming ``team``; a
    repeated member is refused quoting the team given."""
    village = make_workflow_village()
    led = village.ledger
    order = led.place_order("H002", "CARE", by=WISHER, key="o")
    for team in ("M003", ["M003", "bad id!"]):
        exc = refused(led, ValidationError, functools.partial(
            led.step, order, "dispatch", team=team, by=GRID, key="o/dispatch"))
        assert exc.fields["field"] == "team"
    exc2 = refused(led, ValidationError, lambda: led.step(
        order, "dispatch", team=["M003", "M003"], by=GRID, key="o/dispatch"))
    assert exc2.fields["field"] == "team" and "'M003', 'M003'" in str(exc2.fields["value"])


def test_finish_minutes_are_at_most_max_minutes_even_long_after_the_start() -> None:
    """More than MAX_MINUTES of service is refused naming ``minutes`` even when that many
    minutes have passed since the start."""
    village = make_workflow_village()
    led = village.ledger
    order = led.place_order("H002", "CARE", by=WISHER, key="o")
    led.step(order, "dispatch", volunteer="M003", by=GRID, key="o/dispatch")
    led.step(order, "accept", by=VOLUNTEER, key="o/accept")
    led.step(order, "start", by=VOLUNTEER, key="o/start")
    village.clock.advance(minutes=MAX_MINUTES + 10)
    exc = refused(led, ValidationError, lambda: led.step(order, "finish", minutes=MAX_MINUTES + 1,
                                                         by=VOLUNTEER, key="o/finish"))
    assert exc.fields["field"] == "minutes"
    finished = led.step(order, "finish", minutes=MAX_MINUTES, by=VOLUNTEER, key="o/finish")
    assert dict(finished.args) == {"minutes": MAX_MINUTES}


# -- objections: who and until when ----------------------------------------------------------


def test_a_member_who_left_may_not_object() -> None:
    """A member who left the registry (迁出) may not object: refused naming them; an open
    member may. (A household closes only once its members have left.)"""
    village = make_workflow_village()
    led = village.ledger
    claim = _claim_in_notice(village)
    led.member_leaves("M001", reason="迁出", by=COMMITTEE2, key="left")
    exc = refused(led, PermissionDenied, lambda: led.step(claim, "object", reason="不属实",
                                                          by=NEIGHBOUR, key="o"))
    assert exc.fields == {"actor": "M001"}
    assert "M001" in exc.message
    objected = led.step(claim, "object", reason="不属实", by=VOLUNTEER, key="o")
    assert objected.state == "objected"


def test_an_objection_is_refused_from_the_instant_the_notice_ends() -> None:
    """The notice runs up to its deadline, not through it: an objection one microsecond before
    is accepted, one at the deadline is refused naming the claim and the deadline."""
    village = make_workflow_village()
    led = village.ledger
    claim = _claim_in_notice(village)
    due = led.case(claim).due_us
    village.clock.set(from_us(due))
    exc = refused(led, DeadlinePassed, lambda: led.step(claim, "object", reason="不属实",
                                                        by=VOLUNTEER, key="o"))
    until = from_us(due).in_tz(TZ).isoformat()
    assert exc.fields == {"case": claim, "until": until}
    assert claim in exc.message and until in exc.message

    village2 = make_workflow_village()
    claim2 = _claim_in_notice(village2)
    village2.clock.set(from_us(village2.ledger.case(claim2).due_us - 1))
    assert village2.ledger.step(claim2, "object", reason="不属实", by=VOLUNTEER,
                                key="o").state == "objected"


# -- separation of duties ---------------------------------------------------------------------


def test_a_resident_allowed_to_review_never_reviews_their_own_household() -> None:
    """An app may let residents (村民代表) check claims; a resident (whom the policy lets act
    for their own household only) still may not check a claim of their own household: refused
    naming them, the claim and the household, with a message naming them, and nothing
    written; nor (acting for their own household only) one of another household."""
    rules = attrs.evolve(workflow_rulebook(),
                         policy=Policy({"claim.check": {"grid_worker", "resident"}}))
    village = make_village("memory", rules=rules)
    led = village.ledger
    led.register_member("M004", household="H002", name="欧阳小红", roles={"resident"},
                        by=COMMITTEE)
    claim = led.submit_claim("H002", "HON-01", by=GRID, key="c", occurred_at=village.clock())
    exc = refused(led, PermissionDenied, lambda: led.step(claim, "check", by=KIN, key="k"))
    assert exc.fields == {"actor": "M004", "case": claim.id, "household": "H002"}
    assert "M004" in exc.message
    stranger = Actor("M001", roles={"resident"})  # of H001: a resident acts for their own only
    exc2 = refused(led, PermissionDenied, lambda: led.step(claim, "check", by=stranger,
                                                           key="k"))
    assert exc2.fields == {"actor": "M001", "command": "claim.check", "household": "H002"}
    assert led.step(claim, "check", by=GRID2, key="k").state == "checked"


def test_refusals_of_the_wrong_claimer_or_confirmer_name_the_actor() -> None:
    """Someone other than the claimer fulfilling a wish, or the claimer confirming it, is
    refused with a message naming them."""
    village = make_workflow_village()
    led = village.ledger
    wish = _claimed_wish(village)
    other = Actor("M001", roles={"volunteer"})
    exc = refused(led, PermissionDenied, lambda: led.step(wish, "fulfil", evidence=["p"],
                                                          by=other, key="f"))
    assert "M001" in exc.message
    led.step(wish, "fulfil", evidence=["p"], by=VOLUNTEER, key="f")
    claimer = Actor("M003", roles={"grid_worker"})
    exc2 = refused(led, PermissionDenied, lambda: led.step(wish, "confirm", rating=5,
                                                           by=claimer, key="c"))
    assert "M003" in exc2.message


# -- what a due job writes --------------------------------------------------------------------


def test_a_posted_claim_is_stepped_by_the_system_under_the_rulebook_in_force() -> None:
    """The ``post`` step a due job writes is by the system, records the rulebook version in
    force, has no memo and no arguments, and is keyed ``@claim/<seq>/post/<steps so far>``
    like the award that follows it."""
    village = make_workflow_village()
    led = village.ledger
    claim = _claim_in_notice(village)
    steps = len(led.case(claim).history)
    village.clock.advance(days=9)
    step, award = led.post_due()
    assert isinstance(step, Stepped) and isinstance(award, Awarded)
    key = f"@claim/{led.case(claim).seq}/post/{steps}"
    assert (step.actor, step.version, step.memo, step.args, step.key) == (
        SYSTEM.id, VERSION, "", (), key)
    assert (award.actor, award.key) == (SYSTEM.id, key)


def test_a_step_after_the_rulebook_ends_runs_under_the_library_defaults() -> None:
    """With no rulebook in force at the clock (the only one ended), a case still takes its
    steps, under the library's default policies, recording no version."""
    clock = ManualClock(START)
    led = Ledger.in_memory(clock=clock, tz=TZ)
    led.adopt(workflow_rulebook(), effective_from=pendulum.date(2026, 1, 1),
              effective_until=pendulum.date(2026, 3, 31), by=COMMITTEE, resolution="表决通过")
    led.add_region("V01", "东沙沟村", kind="village", by=COMMITTEE)
    led.add_region("G01", "第一网格", kind="grid", parent="V01", by=COMMITTEE)
    led.register_household("H002", grid="G01", head="欧阳明", by=COMMITTEE)
    led.register_member("M002", household="H002", name="欧阳明", roles={"resident"},
                        by=COMMITTEE)
    wish = led.submit_wish("M002", "陪老人聊天", by=WISHER, key="w")
    assert wish.version == VERSION
    clock.set(pendulum.datetime(2026, 4, 2, 9, 0, tz=TZ))
    withdrawn = led.step(wish, "withdraw", by=WISHER, key="w/withdraw")
    assert (withdrawn.state, withdrawn.version) == ("withdrawn", "")


# -- claims of a 1-point item -----------------------------------------------------------------


def _one_point_village(campaign: bool = False) -> Village:
    """The workflow village plus RUN-01, a 1-point item capped at 1 point a month (and, with
    ``campaign``, a campaign doubling it on the first day)."""
    base = workflow_rulebook()
    day = pendulum.date(2026, 3, 2)
    rules = attrs.evolve(
        base, items=(*base.items, ChecklistItem("RUN-01", "晨跑打卡", category="健康",
                                                 points=1, cap=Cap(1 if not campaign else 2,
                                                                   per="month"))),
        campaigns=[Campaign("RUN-DAY", "健康日", start=day, end=day, items=["RUN-01"],
                            multiplier=2)] if campaign else [])
    village = make_village("memory", rules=rules)
    for member, household in (("M003", "H003"), ("M004", "H002")):
        village.ledger.register_member(member, household=household, name=member,
                                       roles={"resident"}, by=COMMITTEE)
    return village


def test_a_one_point_claim_counts_against_its_cap_at_submission() -> None:
    """A 1-point item is capped like any award: with its monthly cap used, a claim for it is
    refused naming the cap, and nothing is written."""
    village = _one_point_village()
    led = village.ledger
    led.award("H002", "RUN-01", by=GRID, key="a", occurred_at=village.clock())
    exc = refused(led, CapExceeded, lambda: led.submit_claim(
        "H002", "RUN-01", by=GRID, key="c", occurred_at=village.clock()))
    assert (exc.fields["cap"], exc.fields["used"], exc.fields["requested"]) == (1, 1, 1)


def test_a_one_point_claim_is_checked_against_its_cap_again_at_approval() -> None:
    """Points awarded directly after a 1-point claim was submitted fill its cap: approving
    the claim is then refused naming the cap, and the claim stays checked."""
    village = _one_point_village()
    led = village.ledger
    claim = led.submit_claim("H002", "RUN-01", by=GRID, key="c", occurred_at=village.clock())
    led.step(claim, "check", by=GRID2, key="c/check")
    led.award("H002", "RUN-01", by=GRID, key="a", occurred_at=village.clock())
    exc = refused(led, CapExceeded, lambda: led.step(claim, "approve", by=COMMITTEE,
                                                     key="c/approve"))
    assert (exc.fields["cap"], exc.fields["used"], exc.fields["requested"]) == (1, 1, 1)
    assert led.case(claim.id).state == "checked"


def test_a_one_point_claim_in_a_campaign_earns_the_campaign_points() -> None:
    """A campaign multiplies a 1-point item too: the claim counts 2 points in notice and
    posts 2."""
    village = _one_point_village(campaign=True)
    led = village.ledger
    claim = led.submit_claim("H002", "RUN-01", by=GRID, key="c", occurred_at=village.clock())
    assert led.case(claim.id).points == 2
    led.step(claim, "check", by=GRID2, key="c/check")
    led.step(claim, "approve", by=COMMITTEE, key="c/approve")
    village.clock.advance(days=9)
    _step, award = led.post_due()
    assert isinstance(award, Awarded) and (award.quantity, award.points) == (1, 2)


def test_an_upheld_appeal_reverses_under_its_own_key_and_replays_whole() -> None:
    """The reversal an upheld appeal writes carries the step's key, so repeating the step
    with that key returns the step and writes nothing."""
    village = make_workflow_village()
    led = village.ledger
    claim = _claim_in_notice(village)
    village.clock.advance(days=9)
    led.post_due()
    led.step(claim, "appeal", reason="重复申报", by=NEIGHBOUR, key="ap")
    upheld = led.step(claim, "uphold_appeal", reason="核实重复", by=COMMITTEE2, key="up")
    reversal = led.event(upheld.seq + 1)
    assert isinstance(reversal, Reversed) and reversal.key == "up"
    before = snapshot(led)
    assert led.step(claim, "uphold_appeal", reason="核实重复", by=COMMITTEE2, key="up") == upheld
    assert snapshot(led) == before


def test_a_confirmed_wish_past_the_cap_keeps_why_its_points_were_withheld() -> None:
    """When the wish item's cap leaves no room, the confirmation stands but posts nothing:
    its facts keep ``withheld``, the refusal an award of the item would meet now, and no
    ``posts``."""
    base = workflow_rulebook()
    rules = attrs.evolve(base, items=tuple(
        attrs.evolve(i, cap=Cap(10, per="month")) if i.code == "WISH-01" else i
        for i in base.items))
    village = make_village("memory", rules=rules)
    led = village.ledger
    for member, household, roles in (("M003", "H003", {"resident", "volunteer"}),
                                     ("M004", "H002", {"resident"})):
        led.register_member(member, household=household, name=member, roles=roles,
                            by=COMMITTEE)
    wish = _claimed_wish(village)
    led.step(wish, "fulfil", evidence=["photo-3"], by=VOLUNTEER, key="f")
    led.award("M003", "WISH-01", by=GRID, key="a", occurred_at=village.clock())
    full = refused(led, CapExceeded, lambda: led.award("M003", "WISH-01", by=GRID, key="a2",
                                                       occurred_at=village.clock()))
    confirmed = led.step(wish, "confirm", rating=5, by=WISHER, key="c")
    facts = dict(confirmed.facts)
    assert facts == {"withheld": full.message}
    assert (led.case(wish).state, led.case(wish).posting) == ("confirmed", 0)


# -- refusal messages name the bad value ------------------------------------------------------


def test_workflow_refusal_messages_name_what_was_refused() -> None:
    """Each refusal's message names what it refuses (the fields carry it too): the item that
    needs evidence, the objection that is not open, the entry already reversed, the wisher
    who is not a member, the wish fulfilled without evidence, the claimer of the wisher's
    household."""
    village = make_workflow_village(deductions=True)
    led = village.ledger
    exc = refused(led, EvidenceRequired, lambda: led.submit_claim(
        "H002", "COV-09", by=GRID, key="e", occurred_at=village.clock()))
    assert "COV-09" in exc.message
    claim = _claim_in_notice(village)
    led.step(claim, "object", reason="不属实", by=NEIGHBOUR, key="o")
    exc2 = refused(led, UnknownEntry, lambda: led.step(claim, "dismiss", objection=claim,
                                                       reason="无", by=COMMITTEE2, key="d"))
    assert f"e{led.case(claim).seq}" in exc2.message
    exc3 = refused(led, UnknownAccount, lambda: led.submit_wish("M999", "修自行车", by=GRID,
                                                               key="w"))
    assert "M999" in exc3.message
    wish = _claimed_wish(village)
    exc4 = refused(led, EvidenceRequired, lambda: led.step(wish, "fulfil", evidence=[],
                                                           by=VOLUNTEER, key="f"))
    assert wish in exc4.message
    other = led.submit_wish("M002", "修自行车", by=WISHER, key="w2").id
    led.step(other, "list", category="服务", by=GRID, key="w2/list")
    kin = Actor("M004", roles={"volunteer"})  # of H002, the wisher's household
    exc5 = refused(led, PermissionDenied, lambda: led.step(other, "claim", by=kin, key="w2/c"))
    assert exc5.fields == {"actor": "M004", "case": other}
    assert "M004" in exc5.message


def test_an_appeal_upheld_after_a_reversal_is_refused_naming_the_posting() -> None:
    village = make_workflow_village()
    led = village.ledger
    claim = _claim_in_notice(village)
    village.clock.advance(days=9)
    led.post_due()
    posted = led.event(led.case(claim).posting)
    led.reverse(posted.id, reason="误录", by=COMMITTEE, key="rev")
    led.step(claim, "appeal", reason="重复申报", by=NEIGHBOUR, key="ap")
    exc = refused(led, AlreadyReversed, lambda: led.step(claim, "uphold_appeal", reason="重复",
                                                         by=COMMITTEE2, key="up"))
    assert posted.id in exc.message
