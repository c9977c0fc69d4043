"""The demo village: realistic, sound by every invariant, and deterministic by seed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pointsledger import Ledger, ValidationError
from pointsledger.core.events import Stepped
from pointsledger.demo.village import build_demo, demo_rulebook
from pointsledger.testing import check_invariants


def test_the_demo_rulebook_is_realistic_and_sound() -> None:
    rules = demo_rulebook()
    assert 40 <= len(rules.items) <= 60 and 5 <= len(rules.categories) <= 12
    assert not [p for p in rules.check() if p.severity == "error"]


def test_the_demo_ledger_is_sound_and_deterministic(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "a.db", households=60)
    assert build_demo(tmp_path / "b.db", households=60).events == first.events
    other = build_demo(tmp_path / "c.db", households=60, seed=7)
    heads = []
    for name in ("a.db", "b.db", "c.db"):
        with Ledger.open(tmp_path / name) as ledger:
            heads.append(ledger.verify().head_hash)
            if name == "a.db":
                assert not check_invariants(ledger)
                kinds = Counter(f"{e.flow}.{e.step}" if isinstance(e, Stepped) else e.kind
                                for e in ledger.events())
    assert heads[0] == heads[1] != heads[2]
    assert other.households == 60
    for kind in ("awarded", "deducted", "redeemed", "claim.post", "wish.confirm", "order.rate",
                 "time_moved"):
        assert kinds[kind] > 0, kind


def test_the_demo_refuses_an_existing_file_and_odd_sizes(tmp_path: Path) -> None:
    (tmp_path / "x.db").write_bytes(b"")
    with pytest.raises(ValidationError, match="already exists"):
        build_demo(tmp_path / "x.db")
    with pytest.raises(ValidationError, match="households"):
        build_demo(tmp_path / "y.db", households=5)
