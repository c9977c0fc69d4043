"""The canonical encoding: exactly compact JSON, for any text an app may put in an event."""

from __future__ import annotations

import json
from typing import Literal

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from pointsledger.core.encoding import chain_hash, decode, seal
from pointsledger.core.events import Awarded, Deducted, ItemPosting, RegionAdded

SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
text = st.text(st.characters(exclude_categories=SURROGATES), max_size=30)


@given(
    st.sampled_from([Awarded, Deducted]),
    st.lists(text, min_size=6, max_size=6),
    st.lists(text, max_size=3),
    st.lists(st.tuples(st.integers(1, 99), st.integers(1, 99), st.integers(0, 2**60)),
             max_size=2),
    st.integers(1, 2**40),
    st.integers(-(2**62), 2**62),
)
def test_canonical_encoding_is_compact_json(
    cls: type[ItemPosting], texts: list[str], evidence: list[str],
    lots: list[tuple[int, int, int]], quantity: int, points: int,
) -> None:
    """The fast encoders (the generic one and the awards' and deductions' own) write exactly
    what json.dumps writes, and decode back."""
    actor, key, version, memo, account, item = texts
    event = cls(7, 2, 1, actor, key, version, memo, account, item, quantity, points,
                tuple(evidence), tuple(lots))
    expected = json.dumps(
        [cls.KIND, 7, 2, 1, actor, key, version, memo, account, item, quantity, points,
         evidence, [list(lot) for lot in lots]],
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
