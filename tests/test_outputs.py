"""Safe outputs: CSV cells a spreadsheet would run as formulas are neutralised, HTML escapes
everything, and public free text (the wish wall) masks names, phone and ID numbers."""

from __future__ import annotations

import csv
import decimal
import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsledger import Actor, Ledger, reports
from pointsledger.reports import Table, from_csv, mask_name, mask_text, spreadsheet_cell
from pointsledger.reports.masking import mask_numbers, maskable_names
from pointsledger.reports.workflows import registered_names
from tests.helpers import COMMITTEE, GRID, GRID2, VOLUNTEER, make_village, make_workflow_village

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(1,1)",
            "\tabc", "\r=1", "=HYPERLINK(\"http://x\",\"y\")"]
SCRIPT = "<script>alert('x')</script>"


def csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


# -- spreadsheet cells ------------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_cell_is_written_as_text(text: str) -> None:
    """Text starting with =, +, -, @, tab or CR is written with a leading ' (OWASP rule)."""
    table = Table("t", ["户主", "积分"], [(text, 5)])
    (_header, row) = csv_cells(table.to_csv(bom=True))
    assert row == ["'" + text, "5"]
    assert spreadsheet_cell(text) == "'" + text


def test_numbers_stay_numbers_in_csv() -> None:
    """Real numbers (negative points too) are written as numbers, without a quote."""
    table = Table("t", ["a", "b", "c", "d", "e"], [(-5, 3, -1.5, decimal.Decimal("-2.50"),
                                                     "-5")])
    (_header, row) = csv_cells(table.to_csv())
    assert row == ["-5", "3", "-1.5", "-2.50", "'-5"]
    assert [spreadsheet_cell(v) for v in (-5, 0, True, None)] == [-5, 0, True, None]


@pytest.mark.parametrize("text", ["张三", "a=b", "'quoted", "5", "", "备注-1", " =x"])
def test_ordinary_text_is_written_as_is(text: str) -> None:
    """Text that does not start a formula is unchanged."""
    assert spreadsheet_cell(text) == text


def test_a_formula_household_head_is_neutralised_in_a_report_csv() -> None:
    """A household head named like a formula reaches Excel as text, in the balances CSV."""
    ledger = make_village("memory").ledger
    for n, head in enumerate(["=cmd|' /C calc'!A0", "+SUM(A1)", "-1+cmd", "@A1"]):
        ledger.register_household(f"X{n}", grid="G01", head=head, by=COMMITTEE)
    rows = csv_cells(reports.balances(ledger).to_csv(bom=True))
    heads = {row[0]: row[1] for row in rows[1:]}
    assert heads["X0"] == "'=cmd|' /C calc'!A0" and heads["X1"] == "'+SUM(A1)"
    assert heads["X2"] == "'-1+cmd" and heads["X3"] == "'@A1"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
               for row in rows for cell in row if not cell.lstrip("-").isdigit())


@given(st.lists(st.tuples(st.text(max_size=8), st.integers(-100, 100)), max_size=6))
def test_no_csv_cell_starts_a_formula(rows: list[tuple[str, int]]) -> None:
    """Whatever the text, no CSV text cell starts with a formula character, and reading the
    CSV back gives the original values."""
    table = Table("t", ["名称", "积分"], rows)
    text = table.to_csv()
    for name, _points in csv_cells(text)[1:]:
        assert not name.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert from_csv(text).rows == tuple((name, str(points)) for name, points in rows)


# -- HTML ---------------------------------------------------------------------------------------


def test_html_escapes_title_notes_headers_and_cells() -> None:
    """Title, notes, column labels and cells are escaped in the HTML form."""
    table = Table(f"<b>{SCRIPT}</b>", [f"<i>{SCRIPT}", "n"], [(SCRIPT, -5), ("a&b", 1)],
                  notes=[SCRIPT, "x < y & z"])
    page = table.render("html")
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page and "a&amp;b" in page and "x &lt; y &amp; z" in page
    assert page.startswith("<h3>&lt;b&gt;&lt;script&gt;") and "<p>&lt;script&gt;" in page
    assert re.search(r"<td[^>]*>\s*-5\s*</td>", page)  # numbers stay numbers
    assert table.render("unsafehtml") == page


_CELLS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                   st.floats(allow_nan=False, allow_infinity=False), st.decimals(places=2,
                   allow_nan=False, allow_infinity=False))


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(st.text(min_size=1, max_size=6), min_size=n, max_size=n, unique=True),
    st.lists(st.lists(_CELLS, min_size=n, max_size=n), max_size=5))))
def test_html_table_shows_what_tabulate_showed(table: tuple[list[str], list[list[object]]]
                                               ) -> None:
    """The HTML table is tabulate's ``unsafehtml`` layout (which it replaced for speed) without
    its padding: the same cells, the same text in each, None as nothing."""
    from tabulate import tabulate

    from pointsledger.reports.table import _html_cell, html_text

    columns, rows = table
    ours = Table("t", columns, [tuple(r) for r in rows]).render("html")
    theirs = tabulate([[_html_cell(v) if isinstance(v, str) else v for v in row]
                       for row in rows], headers=[html_text(c) for c in columns],
                      tablefmt="unsafehtml", disable_numparse=True)

    def cells(page: str) -> list[list[str]]:
        return [[c.strip() for c in re.findall(r'<t[hd](?: class="num")?>(.*?)</t[hd]>', row,
                                                re.S)]
                for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)]

    assert cells(ours) == cells(theirs)
    assert ours.count("<tr>") == len(rows) + 1


def test_html_escapes_a_script_household_head() -> None:
    """A household head holding <script> shows as text in the HTML balances report."""
    ledger = make_village("memory").ledger
    ledger.register_household("X1", grid="G01", head=SCRIPT, by=COMMITTEE)
    page = reports.balances(ledger).render("html")
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_other_formats_are_not_escaped() -> None:
    """Plain text formats show the text as it is."""
    assert "a&b" in Table("t", ["x"], [("a&b",)]).render("plain")


# -- masking free text ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "masked"), [
    ("请联系13812345678", "请联系***********"),
    ("手机 +86 138-1234-5678 谢谢", "手机 ***************** 谢谢"),
    ("座机0731-4567890转", "座机************转"),
    ("电话(010)62345678", "电话*************"),
    ("身份证11010519491231002X", "身份证******************"),
    ("身份证110105194912310021号", "身份证******************号"),
    ("买10斤米，价值200元", "买10斤米，价值200元"),
    ("2026-03-15 前送到", "2026-03-15 前送到"),
])
def test_mask_numbers_examples(text: str, masked: str) -> None:
    """Mobile, landline and ID numbers become *; amounts and dates stay."""
    assert mask_text(text) == masked == mask_numbers(text)


@pytest.mark.parametrize(("text", "names", "masked"), [
    ("帮张三明修屋顶，电话13812345678", ["张三明"], "帮张*明修屋顶，电话***********"),
    ("给欧阳小明送米", ["欧阳小明", "小明"], "给欧阳*明送米"),
    ("李小红花", ["李小红", "红花"], "李*红*"),
    ("张三和张三丰", ["张三", "张三丰"], "张*和张*丰"),
    ("张去北京", ["张"], "张去北京"),  # a one-character name is not looked for
    ("王五", [" 王五 "], "王*"),
])
def test_mask_names_examples(text: str, names: list[str], masked: str) -> None:
    """Registered names in free text are masked like mask_name, the longest first."""
    assert mask_text(text, names) == masked
    assert mask_text(text, maskable_names(names)) == masked


CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40)
PHONES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
IDS = st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True)


@given(names=st.lists(st.text(CJK, min_size=2, max_size=4), max_size=4),
       phones=st.lists(PHONES, max_size=2), ids=st.lists(IDS, max_size=2),
       filler=st.lists(st.text(max_size=6), min_size=1, max_size=8), data=st.data())
def test_a_masked_text_shows_no_phone_id_or_registered_name(
        names: list[str], phones: list[str], ids: list[str], filler: list[str],
        data: st.DataObject) -> None:
    """A masked text never contains a phone or ID number or a full registered name of the
    original; it is as long as the original and only ever turns characters into *."""
    secrets = [*names, *phones, *ids]
    parts = list(filler)
    for secret in secrets:
        parts.insert(data.draw(st.integers(0, len(parts))), secret)
    text = "".join(parts)
    masked = mask_text(text, names)
    assert len(masked) == len(text)
    assert all(m in (c, "*") for m, c in zip(masked, text, strict=True))
    for secret in secrets:
        assert secret not in masked
    assert mask_text(masked, names) == masked  # masking twice changes nothing more


# -- the wish wall ----------------------------------------------------------------------------


def wall_titles(ledger: Ledger, viewer: Actor, state: str = "listed") -> list[str]:
    return [row[0] for row in reports.wish_wall(ledger, viewer, state=state).rows]


def test_the_public_wish_wall_masks_free_text_in_titles() -> None:
    """Names of registered people, phone and ID numbers typed into a wish title are masked on
    the public wall; officials and the claimer see the title as typed."""
    village = make_workflow_village()
    ledger = village.ledger
    title = "请李四光帮欧阳明修屋顶，户主0联系13812345678，证件11010519491231002X"
    wish = ledger.submit_wish("M002", title, by=GRID, key="w", value=30)
    ledger.step(wish, "list", category="物品", by=GRID2, key="l")
    public = Actor("M001", roles={"resident"})
    (shown,) = wall_titles(ledger, public)
    assert shown == "请李*光帮欧阳*修屋顶，户*0联系***********，证件******************"
    for secret in ("李四光", "欧阳明", "13812345678", "11010519491231002X"):
        assert secret not in shown
        assert secret not in reports.wish_wall(ledger, public).render("html")
    assert wall_titles(ledger, GRID) == [title]
    ledger.step(wish, "claim", by=VOLUNTEER, key="c")
    assert wall_titles(ledger, VOLUNTEER, "claimed") == [title]
    assert wall_titles(ledger, public, "claimed") == [shown]


def test_registered_names_cover_heads_and_members() -> None:
    """The names masked are every household head and member name of two characters or more."""
    ledger = make_workflow_village().ledger
    ledger.register_household("X1", grid="G01", head="赵", by=COMMITTEE)
    names = registered_names(ledger)
    assert {"户主0", "户主3", "张三", "欧阳明", "李四光", "欧阳小红"} <= names
    assert "赵" not in names
    assert mask_name("欧阳小红") in mask_text("欧阳小红来了", names)


def test_columns_of_numbers_are_right_aligned() -> None:
    """In text formats a column of numbers (empty cells aside) is right-aligned so digits
    line up; a column mixing text stays left; in HTML the cells of a column of numbers are
    ``num``, which printable pages right-align, and a number among text stays left as in
    text (a key/value table such as a receipt keeps its values in one line)."""
    table = Table("t", ["户", "积分", "备注"], [("H1", 5, "好"), ("H22", 1234, None),
                                             ("H333", None, 7)])
    lines = table.render("plain").splitlines()[2:]
    assert [line.rstrip() for line in lines] == ["户      积分  备注",
                                                 "H1         5  好",
                                                 "H22     1234",
                                                 "H333          7"]
    html = table.render("html")
    assert '<td class="num">1234</td>' in html and "<td>好</td>" in html
    assert "<td>7</td>" in html and '"num">7<' not in html and "<td>H1</td>" in html
    assert html.count('class="num"') == 3  # the 积分 column: 5, 1234 and its empty cell
    assert "td.num { text-align: right" in reports.pages.page("p", [("s", table)])
