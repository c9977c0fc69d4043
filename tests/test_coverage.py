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


class CheapStore(LedgerMachine):
    rulebook = rulebook("2026-plain")   # no rewards: only awards are expected to succeed


def test_a_run_where_no_redemption_succeeded_warns_naming_it() -> None:
    case = DearStore.TestCase
    case.settings = settings(max_examples=5, stateful_step_count=10, deadline=None,
                             database=None)
    with pytest.warns(NeverSucceeded, match="redemption") as caught:
        case().runTest()
    assert "award" not in str(caught[0].message).split("succeeded:")[1]
    assert DearStore.coverage.runs >= 5
    assert DearStore.coverage.succeeded["award"] > 0
    assert DearStore.coverage.succeeded["redemption"] == 0


def test_a_run_that_exercised_everything_expected_is_silent() -> None:
    case = CheapStore.TestCase
    case.settings = settings(max_examples=5, stateful_step_count=10, deadline=None,
                             database=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", NeverSucceeded)
        case().runTest()
    assert CheapStore.coverage.succeeded["award"] > 0
    assert "award" in CheapStore.coverage.summary()
