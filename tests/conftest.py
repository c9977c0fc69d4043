"""Shared fixtures and the hypothesis profiles.

Profiles: ``ci`` (derandomised, no deadline, a fixed example budget: a slow shared machine never
makes a test flaky) and ``dev`` (random, no deadline, prints the seed to reproduce a failure).
``ci`` is the default when the ``CI`` environment variable is set; choose with
``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from pointsledger import Ledger, ManualClock

from .helpers import Village, make_village

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
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
