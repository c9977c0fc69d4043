"""A machine test that passed without any success of a command it should exercise says so."""

from __future__ import annotations

import warnings

import attrs
import pytest
from hypothesis import settings

from pointsledger import Reward, StorePolicy
from pointsledger.testing import LedgerMachine, NeverSucceeded

from .helpers import rulebook

RICH_ONLY = attrs.evolve(
    rulebook("2026-dear"),
    rewards=(Reward("TV", "电视机", cost=100_000),),   # nobody earns this much in a run
    store=StorePolicy(base_points=0, min_score=None),
)


class DearStore(LedgerMachine):
    rulebook = RICH_ONLY

    @classmethod
    def expected_successes(cls) -> tuple[str, ...]:
        return ("award", "redeem")


class CheapStore(LedgerMachine):
    rulebook = rulebook("2026-plain")   # no rewards

    @classmethod
    def expected_successes(cls) -> tuple[str, ...]:
        return ("award",)


def test_a_run_where_no_redemption_succeeded_warns_naming_it() -> None:
    case = DearStore.TestCase
    case.settings = settings(max_examples=5, stateful_step_count=10, deadline=None,
                             database=None)
    with pytest.warns(NeverSucceeded, match="redeem") as caught:
        case().runTest()
    assert "award" not in str(caught[0].message).split("succeeded:")[1]
    assert DearStore.coverage.runs >= 5
    assert DearStore.coverage.succeeded["award"] > 0
    assert DearStore.coverage.succeeded["redeem"] == 0


def test_a_run_that_exercised_everything_expected_is_silent() -> None:
    case = CheapStore.TestCase
    case.settings = settings(max_examples=5, stateful_step_count=10, deadline=None,
                             database=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NeverSucceeded)
        case().runTest()
    assert CheapStore.coverage.succeeded["award"] > 0
    assert "award" in CheapStore.coverage.summary()


def test_by_default_a_machine_expects_what_its_rulebook_lets_succeed() -> None:
    """Every command and due job, but the store's without rewards, expiry when points never
    expire, orders without a service menu, conversion without a time-bank item."""

    class Plain(LedgerMachine):
        rulebook = rulebook("2026-plain")

    class Dear(LedgerMachine):
        rulebook = RICH_ONLY

    plain, dear = set(Plain.expected_successes()), set(Dear.expected_successes())
    assert {"award", "deduct", "reverse", "transfer", "step", "post_due"} <= plain
    assert not plain & {"redeem", "reserve", "hand_over", "expire_due", "place_order",
                        "convert_time"}
    assert dear - plain == {"receive_stock", "adjust_stock", "redeem", "reserve", "hand_over",
                            "cancel_reservation", "time_out_due"}
    assert set(LedgerMachine.expected_successes()) >= dear | {"expire_due", "place_order"}
