"""JSON Lines export and import: a faithful round trip; tampering refused, naming the line."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pointsledger import IntegrityError, StoreError, export_jsonl, import_jsonl

from .helpers import COMMITTEE, GRID, budget, make_village


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, str, int]:
    village = make_village("memory")
    led = village.ledger
    when = village.clock().subtract(days=1)
    e = led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=when)
    led.deduct("H002", "COV-03", by=GRID, key="b", occurred_at=when)
    led.reverse(e.id, reason="误录", by=COMMITTEE, key="r")
    path = tmp_path / "ledger.jsonl"
    assert export_jsonl(led, path) == led.head
    return path, led.verify().head_hash, led.head


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def first_bad_line(path: Path) -> int:
    with pytest.raises(IntegrityError) as info:
        import_jsonl(path)
    line: int = info.value.fields["line"]
    return line


def test_round_trip_in_memory_and_sqlite(exported: tuple[Path, str, int], tmp_path: Path) -> None:
    """An import reproduces the ledger exactly, in memory or in a new SQLite file."""
    path, head, count = exported
    again = import_jsonl(path)
    assert again.verify().head_hash == head and again.head == count
    assert again.balance("H002").posted == -5
    on_disk = import_jsonl(path, tmp_path / "copy.db")
    assert on_disk.verify().head_hash == head
    on_disk.close()
    with pytest.raises(StoreError):
        import_jsonl(path, tmp_path / "copy.db")


def test_edited_line_is_refused(exported: tuple[Path, str, int]) -> None:
    """Changing a value names the line."""
    path, _head, _count = exported
    text = lines(path)
    number = next(i for i, line in enumerate(text) if '"deducted"' in line)
    text[number] = text[number].replace(",-5,", ",-50,")
    path.write_text("".join(text), encoding="utf-8")
    assert first_bad_line(path) == number + 1


def test_reordered_and_deleted_lines_are_refused(exported: tuple[Path, str, int]) -> None:
    """Swapping two lines or dropping one names the first line out of place."""
    path, _head, _count = exported
    text = lines(path)
    swapped = [*text[:4], text[5], text[4], *text[6:]]
    path.write_text("".join(swapped), encoding="utf-8")
    assert first_bad_line(path) == 5
    path.write_text("".join(text[:4] + text[5:]), encoding="utf-8")
    assert first_bad_line(path) == 5


def test_truncated_file_is_refused(exported: tuple[Path, str, int]) -> None:
    """A file cut short, with or without its closing line, is refused."""
    path, _head, count = exported
    text = lines(path)
    path.write_text("".join(text[:-1]), encoding="utf-8")  # no closing line
    assert first_bad_line(path) == count + 1
    closing = json.dumps({"end": True, "events": count, "head": "00"}) + "\n"
    path.write_text("".join([*text[:-2], closing]), encoding="utf-8")  # a line and the head
    assert first_bad_line(path) == count
    path.write_text("".join([*text, "{}\n"]), encoding="utf-8")
    assert first_bad_line(path) == count + 2


@settings(max_examples=budget(60), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_malformed_lines_raise_integrity_errors_only(exported: tuple[Path, str, int],
                                                     data: st.DataObject) -> None:
    """Whatever else a line is replaced with, import raises IntegrityError, never anything
    else and never nothing. (The fixture's export is only read, so sharing it between
    examples is safe; each example writes its damaged copy in a fresh directory.)"""
    path, _head, _count = exported
    text = lines(path)
    index = data.draw(st.integers(0, len(text) - 1))
    junk = data.draw(st.one_of(
        st.text(max_size=40),
        st.builds(lambda v: json.dumps(v), st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=5),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                st.sampled_from(["seq", "hash", "event", "end", "events", "head"]), inner,
                max_size=4), max_leaves=8)),
    )).replace("\n", " ")
    assume(junk + "\n" != text[index])
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "broken.jsonl"
        broken.write_text("".join([*text[:index], junk + "\n", *text[index + 1:]]),
                          encoding="utf-8")
        with pytest.raises(IntegrityError):
            import_jsonl(broken)


def test_a_failed_export_leaves_the_earlier_file_and_no_partial_file(tmp_path: Path) -> None:
    """An export that fails midway (here the store fails after two rows) replaces nothing and
    leaves no temporary file; the same export that succeeds replaces the earlier file."""
    village = make_village("memory")
    led = village.ledger
    when = village.clock().subtract(days=1)
    for n in range(3):
        led.award(f"H00{n + 1}", "ENV-01", by=GRID, key=f"a{n}", occurred_at=when)
    path = tmp_path / "v.jsonl"
    path.write_text("earlier export\n", encoding="utf-8")

    def failing(start: int) -> Iterator[tuple[int, bytes, bytes]]:
        for n, row in enumerate(led.store.read(start)):
            if n == 2:
                raise OSError("disk full")
            yield row

    broken = SimpleNamespace(store=SimpleNamespace(read=failing))
    with pytest.raises(OSError, match="disk full"):
        export_jsonl(broken, path)  # type: ignore[arg-type]
    assert path.read_text(encoding="utf-8") == "earlier export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["v.jsonl"]
    assert export_jsonl(led, path) == led.head
    assert import_jsonl(path).head == led.head
    assert [p.name for p in tmp_path.iterdir()] == ["v.jsonl"]


@pytest.mark.parametrize("name", ["e" * 249 + ".jsonl", "导出" * 40 + ".jsonl"],
                         ids=["ascii", "chinese"])
def test_an_export_under_the_longest_file_name_is_written(tmp_path: Path, name: str) -> None:
    """A file name as long as the file system allows (255 bytes) is exported to: the
    temporary file beside it takes a shortened name, not the target's name plus a suffix."""
    village = make_village("memory")
    led = village.ledger
    led.award("H001", "ENV-01", by=GRID, key="a", occurred_at=village.clock().subtract(days=1))
    path = tmp_path / name
    assert len(name.encode()) <= 255
    assert export_jsonl(led, path) == led.head
    assert import_jsonl(path).head == led.head
    assert [p.name for p in tmp_path.iterdir()] == [name]
