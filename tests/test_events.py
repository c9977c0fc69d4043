"""The canonical encoding: exactly compact JSON, for any text an app may put in an event."""

from __future__ import annotations

import json

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from pointsledger.events import Awarded, RegionAdded, chain_hash, decode, seal

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)


@given(text, text, text, st.lists(text, max_size=3), st.integers(-(2**62), 2**62))
def test_canonical_encoding_is_compact_json(actor: str, key: str, memo: str,
                                            evidence: list[str], points: int) -> None:
    """The fast encoder writes exactly what json.dumps writes, and decodes back."""
    event = Awarded(7, 2, 1, actor, key, "v", memo, "H1", "A-1", 1, points, tuple(evidence), ())
    expected = json.dumps(
        ["awarded", 7, 2, 1, actor, key, "v", memo, "H1", "A-1", 1, points, evidence, []],
        ensure_ascii=False, separators=(",", ":"),
    ).encode()
    assert event.canonical() == expected
    seal(event, bytes(32))
    assert event.hash == chain_hash(bytes(32), expected)
    assert decode(7, expected, event.hash) == event


def test_none_and_nested_values() -> None:
    """Optional fields encode as null."""
    event = RegionAdded(3, 2, 2, "c", "k", "", "", "V01", "东沙沟村", "village", None)
    expected = '["region_added",3,2,2,"c","k","","","V01","东沙沟村","village",null]'
    assert event.canonical() == expected.encode()
    assert event.recorded_at == pendulum.datetime(1970, 1, 1, 0, 0, 0, 2, tz="UTC")
