"""Input that cannot fool a reader: identifiers, text and values (issue 15).

Every hostile argument gets a clear ValidationError (or OccurredInFuture) naming the field, and
nothing is written; ids that differ only by Unicode normalisation are one id.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsledger import Actor, Ledger
from pointsledger.base.checks import (
    MAX_ID,
    MAX_TEXT,
    check_duration,
    check_id,
    check_key,
    check_text,
    shown,
)
from pointsledger.base.clock import check_zone, iso_us
from pointsledger.errors import AlreadyExists, OccurredInFuture, ValidationError

from .helpers import COMMITTEE, GRID, TZ, WISHER, Village, make_workflow_village
from .test_store import KEEPER, Shop, make_shop

FAR = pendulum.datetime(9999, 12, 31, 23, tz=TZ)
VOLUNTEER = Actor("M003", roles={"volunteer"})


@pytest.fixture
def village() -> Iterator[Village]:
    """The workflow test village, in memory."""
    v = make_workflow_village()
    yield v
    v.ledger.close()


@pytest.fixture
def shop() -> Iterator[Shop]:
    """The stocked store village, in memory."""
    s = make_shop("memory")
    yield s
    s.ledger.close()


def refused(ledger: Ledger, call: Callable[[], Any], error: type[Exception] = ValidationError,
            field: str | None = None) -> Exception:
    """Run ``call``, which must raise ``error`` (naming ``field``) and write nothing."""
    head = ledger.head
    with pytest.raises(error) as caught:
        call()
    assert ledger.head == head
    if field is not None:
        assert getattr(caught.value, "field", None) == field, caught.value
    return caught.value


HOSTILE_IDS = [
    pytest.param("Н001", id="cyrillic-en"),
    pytest.param("H003\u200b", id="zero-width-space"),
    pytest.param("H\u200d004", id="zero-width-joiner"),
    pytest.param("H\u202e500", id="right-to-left-override"),
    pytest.param("H\u00ad007", id="soft-hyphen"),
    pytest.param("H008\x1b[8m", id="escape"),
    pytest.param("H009\x00", id="nul"),
    pytest.param("H 010", id="space"),
    pytest.param("H\u3000011", id="ideographic-space"),
    pytest.param("H\ue000012", id="private-use"),
    pytest.param("Ηο13", id="greek"),
    pytest.param("\u0301H14", id="leading-accent"),
    pytest.param("H015→", id="arrow-symbol"),
    pytest.param("", id="empty"),
    pytest.param("x" * (MAX_ID + 1), id="too-long"),
    pytest.param(["H016"], id="list"),
    pytest.param({"H": 17}, id="dict"),
    pytest.param(None, id="none"),
    pytest.param(18, id="int"),
]


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_hostile_household_ids_are_refused(village: Village, bad: object) -> None:
    """Look-alike, invisible, control and wrongly typed household ids raise ValidationError."""
    error = refused(village.ledger, lambda: village.ledger.register_household(
        bad, grid="G01", head="张三", by=COMMITTEE, key="k"), field="household")
    for raw in ("\x1b", "\x00", "\u202e", "\u200b"):
        assert raw not in str(error)


@pytest.mark.parametrize("bad", ["H008\x1b[8m", "H\u202e500", ["H001"], {"a": 1}, None])
def test_hostile_ids_in_awards_are_refused(village: Village, bad: object) -> None:
    """An award to a hostile account or item id is a ValidationError, never a TypeError."""
    led = village.ledger
    refused(led, lambda: led.award(bad, "VOL-02", by=GRID, key="k"), field="account")
    refused(led, lambda: led.award("H001", bad, by=GRID, key="k"), field="item")


def test_normalisation_equivalent_ids_are_one_id(village: Village) -> None:
    """NFC and NFD spellings, and full-width forms, name the same household."""
    led = village.ledger
    nfd = unicodedata.normalize("NFD", "Hé01")
    event = led.register_household(nfd, grid="G01", head="何一", by=COMMITTEE)
    assert event.household == unicodedata.normalize("NFC", "Hé01")
    refused(led, lambda: led.register_household("Hé01", grid="G01", head="何一",
                                                by=COMMITTEE, key="again"), AlreadyExists)
    refused(led, lambda: led.register_household("Ｈ００２", grid="G01", head="x",
                                                by=COMMITTEE, key="wide"), AlreadyExists)
    award = led.award("Ｈ００２", "VOL-02", by=GRID, key="wide-award")
    assert award.account == "H002"
    assert led.register_household("张家01", grid="Ｇ０１", head="张", by=COMMITTEE).grid == "G01"


def test_huge_string_is_quoted_shortly(village: Village) -> None:
    """A 1 MB id is refused with a message quoting a 40-character prefix and the length."""
    huge = "x" * 1_000_056
    error = refused(village.ledger, lambda: village.ledger.register_household(
        huge, grid="G01", head="x", by=COMMITTEE, key="k"), field="household")
    assert "1,000,056 characters" in str(error)
    assert len(str(error)) < 200
    assert len(str(error.value)) < 200  # type: ignore[attr-defined]
    assert len(error.to_dict()["message"]) < 200  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "multiline"), [
    ("a\u202eb", False), ("a\u2066b", False), ("a\x1b[8mb", False), ("a\x00b", False),
    ("a\nb", False), ("a\u2028b", True), ("a\tb", True), ("\ud800", False),
    ("x" * (MAX_TEXT + 1), True),
])
def test_hostile_text_is_refused(text: str, multiline: bool) -> None:
    """Control, separator, surrogate and bidi characters in free text raise ValidationError."""
    with pytest.raises(ValidationError) as caught:
        check_text(text, "memo", multiline=multiline)
    assert caught.value.field == "memo"


def test_text_rules(village: Village) -> None:
    """Names refuse bidi overrides; memos keep line feeds (CR LF becomes LF); text is NFC."""
    led = village.ledger
    refused(led, lambda: led.register_household("H555", grid="G01", head="张\u202e三",
                                                by=COMMITTEE), field="head")
    refused(led, lambda: led.register_household("H555", grid="G01", head="\u200b",
                                                by=COMMITTEE), field="head")
    event = led.award("H001", "VOL-02", by=GRID, key="memo", memo="第一行\r\n第二行")
    assert event.memo == "第一行\n第二行"
    assert check_text(unicodedata.normalize("NFD", "é"), "name") == "é"
    assert check_key("ключ/1") == "ключ/1"
    with pytest.raises(ValidationError):
        check_key("k\x1b")


def test_values_have_upper_bounds(village: Village, shop: Shop) -> None:
    """Quantities, stock counts, wish values and minutes above their bounds are refused."""
    led = village.ledger
    big = 10**30
    refused(led, lambda: led.award("H001", "VOL-02", by=GRID, key="k", quantity=big),
            field="quantity")
    refused(led, lambda: led.submit_claim("H001", "VOL-02", by=GRID, key="k", quantity=big),
            field="quantity")
    refused(led, lambda: led.submit_wish("M002", "书包", by=WISHER, key="k", value=big),
            field="value")
    refused(led, lambda: led.submit_time("M003", big, service="陪护", by=VOLUNTEER, key="k"),
            field="minutes")
    store = shop.ledger
    refused(store, lambda: store.receive_stock("SOAP", big, by=KEEPER, key="k"),
            field="quantity")
    refused(store, lambda: store.adjust_stock("SOAP", counted=big, reason="盘点", by=KEEPER,
                                              key="k"), field="counted")
    refused(store, lambda: store.redeem("H1", "SOAP", quantity=big, by=KEEPER, key="k"),
            field="quantity")
    assert store.receive_stock("SOAP", 10_000_000, by=KEEPER, key="most").quantity == 10_000_000


def test_dates_have_ranges(village: Village) -> None:
    """Birth dates run from 1900 to the ledger's today; effective dates 2000..2100."""
    led = village.ledger
    for day in (_dt.date(9999, 12, 31), _dt.date(1899, 12, 31), _dt.date(2026, 3, 3)):
        refused(led, lambda d=day: led.register_member(  # type: ignore[misc]
            "M9", household="H001", name="张", by=COMMITTEE, birth_date=d), field="birth_date")
    assert led.register_member("M9", household="H001", name="张", by=COMMITTEE,
                               birth_date=_dt.date(2026, 3, 2)).birth_date == "2026-03-02"
    refused(led, lambda: led.close_period(_dt.date(1, 1, 1), by=COMMITTEE), field="through")


def test_far_future_times_are_in_the_future_never_overflow(village: Village) -> None:
    """An occurred_at in the year 9999 is OccurredInFuture with a readable message."""
    led = village.ledger
    for call in (
        lambda: led.award("H001", "VOL-02", by=GRID, key="k1", occurred_at=FAR),
        lambda: led.deduct("H001", "COV-03", by=GRID, key="k2", occurred_at=FAR),
        lambda: led.submit_claim("H001", "VOL-02", by=GRID, key="k3", occurred_at=FAR),
        lambda: led.submit_time("M003", 30, service="陪护", by=VOLUNTEER, key="k4",
                                occurred_at=FAR),
    ):
        assert "9999-12-31" in str(refused(led, call, OccurredInFuture))
    refused(led, lambda: led.expire_due(FAR))
    assert iso_us(253_402_300_799_000_000, pendulum.timezone(TZ)).startswith("9999-12-31T23")


def test_reserved_actors_cannot_act(village: Village) -> None:
    """An actor whose id starts with '@' (the ledger's own) is refused as ``by``."""
    led = village.ledger
    for name in ("@system", "@genesis", "＠system"):
        actor = Actor(name, roles={"grid_worker"})
        refused(led, lambda a=actor: led.award("H001", "VOL-02", by=a, key="k"),  # type: ignore[misc]
                field="by")
    assert Actor("ｇ-07").id == "g-07"


def test_helpers_for_the_ledger() -> None:
    """check_zone and check_duration refuse what Ledger(tz=) and expiring(within=) mis-took."""
    for bad in ("", " ", "Mars/Olympus", 8, ["UTC"]):
        with pytest.raises(ValidationError):
            check_zone(bad)
    assert check_zone(None) is None
    assert check_zone("Asia/Urumqi") == "Asia/Urumqi"
    for value in (None, 30, _dt.timedelta(days=-1), _dt.timedelta(days=40_000)):
        with pytest.raises(ValidationError):
            check_duration(value, "within")
    assert check_duration(_dt.timedelta(days=30), "within").days == 30


def test_shown_cuts_long_values() -> None:
    """Messages quote 40 characters and the length; containers a few entries."""
    assert shown("a" * 41) == f"{'a' * 40!r}…(41 characters)"
    assert len(shown(list(range(10**5)))) < 100
    assert shown("H\u202e") == "'H\\u202e'"


# -- properties ----------------------------------------------------------------------------


@given(st.text(max_size=80))
def test_any_text_is_an_id_or_a_validation_error(text: str) -> None:
    """Any string is either an id (in NFKC, stable, 1..64 characters) or a ValidationError."""
    try:
        normal = check_id(text, "id")
    except ValidationError:
        return
    assert normal == unicodedata.normalize("NFKC", text)
    assert 0 < len(normal) <= MAX_ID
    assert check_id(normal, "id") == normal
    assert check_id(unicodedata.normalize("NFD", text), "id") == normal


@given(st.text())
def test_any_text_is_text_or_a_validation_error(text: str) -> None:
    """Any string is accepted as free text (NFC) or refused with ValidationError only."""
    for multiline in (False, True):
        try:
            out = check_text(text, "memo", multiline=multiline)
        except ValidationError:
            continue
        assert out == unicodedata.normalize("NFC", out)
        assert "\u202e" not in out and "\x00" not in out


_ID_CHARS = st.one_of(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from("éüǚÉ０Ａｚ々〇"),
)


@given(st.text(_ID_CHARS, min_size=1, max_size=20), st.data())
def test_registered_ids_round_trip_under_normalisation(text: str, data: st.DataObject) -> None:
    """An accepted id registers under its normal form; an equivalent spelling is AlreadyExists."""
    try:
        normal = check_id(text, "household")
    except ValidationError:
        return
    if normal.startswith("@"):
        return
    v = make_workflow_village()
    try:
        event = v.ledger.register_household(text, grid="G01", head="户主", by=COMMITTEE,
                                            key="first")
        assert event.household == normal
        other = data.draw(st.sampled_from(
            [unicodedata.normalize(form, text) for form in ("NFC", "NFD", "NFKC", "NFKD")]))
        refused(v.ledger, lambda: v.ledger.register_household(
            other, grid="G01", head="户主", by=COMMITTEE, key="second"), AlreadyExists)
    except AlreadyExists:
        assert normal in {"H001", "H002", "H003", "H004", "M001", "M002", "M003", "M004"}
    finally:
        v.ledger.close()


def test_reads_and_opening_refuse_wrong_types_with_validation_errors() -> None:
    """balance() of a list, expiring(within=None) and a blank time zone are ValidationErrors,
    not a bare TypeError or AttributeError from inside, and a full-width id finds its account."""
    from pointsledger import Ledger, ValidationError

    from .helpers import make_village

    ledger = make_village("memory").ledger
    with pytest.raises(ValidationError):
        ledger.balance(["H001"])  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        ledger.expiring("H001", within=None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Ledger.in_memory(tz="")
    assert ledger.balance("Ｈ００１") == ledger.balance("H001")
    assert ledger.household("Ｈ００１").id == "H001"
