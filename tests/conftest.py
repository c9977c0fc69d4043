"""Shared fixtures and the hypothesis profiles.

Profiles (choose with ``HYPOTHESIS_PROFILE``; ``ci`` is the default when the ``CI`` environment
variable is set, ``dev`` otherwise), all without a deadline (a slow shared machine never makes
a test flaky) and printing the blob that reproduces a failure:

- ``ci``: derandomised, a fixed budget of ``CI_EXAMPLES`` examples: the same inputs on every
  run, so a red CI always means the change under test, and any failure replays exactly.
- ``dev``: random, the same budget: each local run tries new inputs.
- ``thorough``: random and ten times the budget, for a search before a release (or nightly):
  ``HYPOTHESIS_PROFILE=thorough python -m pytest tests/...``. Whatever it finds becomes an
  example test, so that ``ci`` replays it from then on.
- ``mutation``: derandomised like ``ci`` with a sixth of its budget, for mutation testing
  (README, "Mutation testing"), where the suite runs once per mutant.

Tests that set their own ``max_examples`` scale it with :func:`tests.helpers.budget`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from pointsledger import Ledger, ManualClock

from .helpers import CI_EXAMPLES, THOROUGH_FACTOR, Village, make_village

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=CI_EXAMPLES,
                          print_blob=True, suppress_health_check=_QUIET)
settings.register_profile("dev", deadline=None, max_examples=CI_EXAMPLES, print_blob=True,
                          suppress_health_check=_QUIET)
settings.register_profile("thorough", derandomize=False, deadline=None,
                          max_examples=THOROUGH_FACTOR * CI_EXAMPLES, print_blob=True,
                          suppress_health_check=_QUIET)
settings.register_profile("mutation", derandomize=True, deadline=None,
                          max_examples=CI_EXAMPLES // 6, print_blob=True,
                          suppress_health_check=_QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a test once on the in-memory store and once on a real SQLite file."""
    return "memory" if request.param == "memory" else str(tmp_path / "ledger.db")


@pytest.fixture
def village(backend: str) -> Iterator[Village]:
    """A small village ledger (two grids, four households, members) on each backend."""
    v = make_village(backend)
    yield v
    v.ledger.close()


@pytest.fixture
def mem_village() -> Iterator[Village]:
    """The same village, in memory only."""
    v = make_village("memory")
    yield v
    v.ledger.close()


def open_ledger(backend: str, clock: ManualClock) -> Ledger:
    """Open ``backend`` ("memory" or a SQLite path) with ``clock``."""
    if backend == "memory":
        return Ledger.in_memory(clock=clock)
    return Ledger.open(backend, clock=clock)
