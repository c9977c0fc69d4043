"""Rule files carry every part of a rulebook: TOML, XLSX workbooks and folders of CSV files load
what dump_rulebook wrote as an equal rulebook, and refuse unknown names and bad values by name."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from attrs import evolve as attrs_evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointsledger import (
    Cap,
    ChecklistItem,
    ExpiryPolicy,
    Limit,
    Policy,
    PriceRule,
    RatingPolicy,
    Reward,
    Rulebook,
    StorePolicy,
    ValidationError,
)
from pointsledger.io.rulefiles import ImportFailed, dump_rulebook, load_rulebook, toml_text
from pointsledger.rules.policy import COMMANDS
from pointsledger.rules.procedures import (
    ClaimPolicy,
    Service,
    ServicePolicy,
    TimeBankPolicy,
    WishCategory,
    WishPolicy,
)
from pointsledger.testing import rulebooks

ROOT = Path(__file__).resolve().parent.parent

COUNTY = '''
version = "2027"

[[items]]
code = "VOL-01"
title = "参加志愿服务"
category = "志愿服务"
points = 5

[[items]]
code = "ENV-01"
title = "庭院环境整洁"
category = "环境卫生"
points = 5
cap_month = 20

[category_caps]
"志愿服务" = { cap_month = 30 }
"环境卫生" = { cap_month = 40 }

[policy]
award = ["grid_worker", "committee"]
"claim.approve" = ["committee"]
'''


def test_a_toml_category_cap_is_kept(tmp_path: Path) -> None:
    """The county's voted 志愿服务 30/month and 环境卫生 40/month caps survive loading."""
    path = tmp_path / "county.toml"
    path.write_text(COUNTY, encoding="utf-8")
    rules = load_rulebook(path)
    assert rules.caps_for_category("志愿服务") == (Cap(30, per="month"),)
    assert rules.caps_for_category("环境卫生") == (Cap(40, per="month"),)
    assert rules.policy.roles_for("award") == {"grid_worker", "committee"}
    assert rules.policy.roles_for("claim.approve") == {"committee"}


def test_a_toml_file_with_category_caps_and_policy_round_trips(tmp_path: Path) -> None:
    """dump_rulebook writes what load_rulebook reads back equal, in every form."""
    source = tmp_path / "county.toml"
    source.write_text(COUNTY, encoding="utf-8")
    rules = load_rulebook(source)
    for name in ("again.toml", "again.xlsx", "again"):
        assert load_rulebook(dump_rulebook(rules, tmp_path / name)) == rules


# -- every part, drawn ----------------------------------------------------------------------

DAYS = st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))
TEXT = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), min_size=1,
               max_size=12).map(str.strip).filter(bool)


@st.composite
def full_rulebooks(draw: st.DrawFn) -> Rulebook:
    """rulebooks() with every other part drawn too: policy, rewards, store, ratings, expiry
    and the workflow policies (the test extends the kit's draw; the kit is not changed)."""
    base = draw(rulebooks(campaigns=(dt.date(2026, 1, 1), dt.date(2027, 12, 31))))
    codes = [i.code for i in base.items]
    award = [i.code for i in base.items if i.points > 0]
    optional_item = st.none() | (st.sampled_from(award) if award else st.none())
    roles = st.frozensets(st.sampled_from(["committee", "grid_worker", "resident", "村委"]),
                          max_size=3)
    policy = Policy(draw(st.dictionaries(st.sampled_from(COMMANDS), roles, max_size=4)))
    reward_codes = draw(st.lists(st.from_regex(r"[A-Z]{2,5}[0-9]?", fullmatch=True),
                                 max_size=3, unique=True).filter(
        lambda rs: not set(rs) & set(codes)))
    rewards = []
    for code in reward_codes:
        low = draw(st.integers(0, 90))
        bands = draw(st.lists(st.tuples(st.integers(1, 10), st.integers(0, 100)), max_size=2))
        price_rules = []
        for width, percent in bands:
            price_rules.append(PriceRule(low, low + width, percent))
            low += width
        start = draw(st.none() | DAYS)
        rewards.append(Reward(
            code, draw(TEXT), cost=draw(st.integers(1, 10**8)),
            category=draw(st.sampled_from(["", "日用品"])),
            limits=draw(st.lists(st.builds(Limit, st.integers(1, 50),
                                           st.sampled_from(["day", "week", "ever"]),
                                           st.sampled_from(["household", "member"])),
                                 max_size=2)),
            total_limit=draw(st.none() | st.integers(1, 10**6)),
            available_from=start,
            available_until=draw(st.none() | DAYS),
            weekdays=draw(st.frozensets(st.sampled_from(["mon", "wed", "fri", "sun"]))),
            month_end=draw(st.booleans()), min_score=draw(st.none() | st.integers(-50, 500)),
            price_rules=price_rules))
    kind = draw(st.sampled_from(["never", "year_end", "quarter_end", "carry_over", "rolling"]))
    expiry = ExpiryPolicy(kind, days=draw(st.integers(1, 3650)) if kind == "rolling" else None,
                          carry=draw(st.integers(0, 500)) if kind == "carry_over" else None)
    tiers = draw(st.lists(st.integers(-100, 1000), max_size=5, unique=True))
    service_codes = draw(st.lists(st.from_regex(r"SV-[0-9]{2}", fullmatch=True), max_size=2,
                                  unique=True))
    return Rulebook(
        base.version, base.items, category_caps=dict(base.category_caps), policy=policy,
        rewards=rewards, benefits=base.benefits, vetoes=base.vetoes, campaigns=base.campaigns,
        store=StorePolicy(
            base_points=draw(st.integers(0, 200)), min_score=draw(st.none() | st.integers(
                -100, 300)), ban_years=draw(st.none() | st.integers(0, 3)),
            reservation_days=draw(st.integers(1, 30)), member_to_household=draw(st.booleans()),
            household_to_household=draw(st.booleans()),
            household_to_community=draw(st.booleans())),
        expiry=expiry,
        ratings=RatingPolicy({n + 1: score for n, score in enumerate(sorted(tiers))},
                             per=draw(st.sampled_from(["month", "quarter", "year"]))),
        claims=ClaimPolicy(draw(st.sampled_from([1, 2])), draw(st.integers(1, 30)),
                           draw(st.integers(0, 60)), draw(st.booleans())),
        wishes=WishPolicy(draw(st.lists(st.builds(WishCategory, TEXT, st.none() | st.integers(
            1, 10**6)), max_size=3, unique_by=lambda c: c.name)),
            draw(st.integers(1, 60)), draw(optional_item)),
        services=ServicePolicy([Service(c, draw(TEXT), category=draw(TEXT),
                                        item=draw(optional_item),
                                        per=draw(st.sampled_from(["order", "hour"])))
                                for c in service_codes], draw(st.integers(1, 72))),
        timebank=TimeBankPolicy(draw(optional_item), draw(st.integers(1, 120)),
                                draw(st.integers(0, 10**5)),
                                draw(st.none() | st.integers(1, 10**6))),
        matters=base.matters,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(full_rulebooks())
def test_any_rulebook_round_trips_through_toml(rules: Rulebook) -> None:
    """Every part of a drawn rulebook survives TOML text and back."""
    import tomllib

    from pointsledger.io._ruleform import rulebook_from_form

    text = toml_text(rules)
    assert rulebook_from_form(tomllib.loads(text), where="drawn") == rules


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(rules=full_rulebooks())
def test_any_rulebook_round_trips_through_tables(rules: Rulebook, tmp_path: Path) -> None:
    """Every part survives an XLSX workbook and a folder of CSV files."""
    for name in ("rules.xlsx", "rules", "rules.toml"):
        assert load_rulebook(dump_rulebook(rules, tmp_path / name)) == rules


def test_the_example_rule_file_in_the_docs_carries_every_part(tmp_path: Path) -> None:
    """docs/input.md's example TOML file loads, has every table a rule file can hold and sets
    every part of a rulebook, is sound, and round-trips through TOML, XLSX and CSV; the page
    names every key and every column the loaders accept."""
    import tomllib

    from pointsledger.io import _ruleform
    from pointsledger.io._ruletables import SETTINGS, SHEETS

    page = (ROOT / "docs" / "input.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"^```toml\n(.*?)^```", page, re.S | re.M)
    path = tmp_path / "rules.toml"
    path.write_text(example, encoding="utf-8")
    assert set(tomllib.loads(example)) == set(_ruleform.TABLES)  # every table, no other
    rules = load_rulebook(path)
    default = Rulebook("x", [])
    for part in ("category_caps", "policy", "rewards", "store", "expiry", "ratings", "claims",
                 "wishes", "services", "timebank", "benefits", "vetoes", "campaigns",
                 "matters"):
        assert getattr(rules, part) != getattr(default, part), part
    assert rules.wishes.list_days != WishPolicy().list_days
    assert rules.services.open_hours != ServicePolicy().open_hours
    assert any(i.per_value for i in rules.items) and any(i.serious for i in rules.items)
    assert rules.vetoes.items and rules.vetoes.categories
    assert rules.check(effective_from=dt.date(2027, 1, 1)) == []
    for name in ("again.toml", "again.xlsx", "again"):
        assert load_rulebook(dump_rulebook(rules, tmp_path / name)) == rules, name
    for table in re.findall(r"^\[+([a-z_.]+)\]+$", example, re.M):
        assert f"`{table.split('.')[0]}`" in page, f"docs/input.md explains {table}"
    specs = [_ruleform.ITEM, _ruleform.REWARD, _ruleform.LIMIT, _ruleform.PRICE_RULE,
             _ruleform.TIER, _ruleform.WISH_CATEGORY, _ruleform.SERVICE, _ruleform.MATTER,
             _ruleform.STEP, _ruleform.BENEFIT, _ruleform.VETOES, _ruleform.CAMPAIGN,
             *(fields for _cls, fields in _ruleform.POLICIES.values())]
    keys = {key for spec in specs for key in spec} | {"limits", "price_rules", "tiers",
                                                      "categories", "steps"}
    missing = sorted(key for key in keys if f"`{key}`" not in page)
    assert not missing, f"docs/input.md names no key {missing}"
    tables = page.split("### Tables: XLSX sheets and CSV files", 1)[1]
    for sheet, columns in SHEETS.items():
        row = next((line for line in tables.splitlines() if line.startswith(f"| `{sheet}` |")),
                   "")
        assert row, f"docs/input.md lists no table {sheet}"
        if sheet != "settings":
            listed = re.search(r"`([^`]*)`", row.split("|", 3)[2])
            assert listed is not None and listed.group(1).split(", ") == list(columns), sheet
    assert all(f"`{s}`" in page for s in SETTINGS if s.startswith(("vetoes", "version")))


# -- hostile files ----------------------------------------------------------------------------


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text('version = "2027"\n' + text, encoding="utf-8")
    return path


ITEM = '[[items]]\ncode = "ENV-01"\ntitle = "整洁"\ncategory = "环境卫生"\npoints = 5\n'


def _refused(path: Path, **kw: Any) -> ImportFailed:
    with pytest.raises(ImportFailed) as caught:
        load_rulebook(path, **kw)
    assert isinstance(caught.value, ValidationError)
    return caught.value


@pytest.mark.parametrize(("text", "name"), [
    (ITEM + "[categry_caps]\n", "categry_caps"),
    (ITEM + "colour = 1\n", "colour"),
    (ITEM + "[store]\nminscore = 60\n", "minscore"),
    (ITEM.replace("points", "pionts"), "pionts"),
    (ITEM + '[[rewards]]\ncode = "SOAP"\ntitle = "肥皂"\ncost = 5\nprice = 3\n', "price"),
    (ITEM + '[[rewards]]\ncode = "SOAP"\ntitle = "肥皂"\ncost = 5\n'
            'limits = [{max_quantity = 1, per = "day", scop = "member"}]\n', "scop"),
    (ITEM + '[policy]\nawards = ["committee"]\n', "awards"),
    (ITEM + '[category_caps]\n"环境卫生" = { cap_mnth = 3 }\n', "cap_mnth"),
    (ITEM + "[ratings]\ntiers = [{stars = 1, score = 60}]\n", "score"),
    (ITEM + '[wishes]\ncategories = [{name = "物品", value = 3}]\n', "value"),
    (ITEM + "[timebank]\nmax_hours = 3\n", "max_hours"),
])
def test_unknown_names_are_refused_by_name(tmp_path: Path, text: str, name: str) -> None:
    """An unknown table or key is refused, naming it, instead of being dropped."""
    error = _refused(_toml(tmp_path, text))
    assert repr(name) in str(error)
    assert any(p.column == name for p in error.problems)


def test_unknown_sheets_columns_files_and_settings_are_refused(tmp_path: Path) -> None:
    """The tabular forms refuse an unknown sheet, column, CSV file or setting by name."""
    rules = Rulebook("2027", [ChecklistItem("ENV-01", "整洁", category="环境卫生", points=5)])
    book_path = dump_rulebook(rules, tmp_path / "rules.xlsx")
    book = openpyxl.load_workbook(book_path)
    book.create_sheet("notes").append(["anything"])
    book["items"]["L1"] = "colour"
    book["items"]["L2"] = "red"
    book["settings"].append(["store.minscore", 60])
    book.save(book_path)
    error = _refused(book_path)
    assert "'notes'" in str(error) and "'colour'" in str(error)
    del book["notes"]
    book.save(book_path)
    error = _refused(book_path)
    assert [(p.table, p.column, p.value) for p in error.problems] == [("items", "colour", "red")]
    book["items"]["L1"] = None
    book["items"]["L2"] = None
    book.save(book_path)
    error = _refused(book_path)
    assert [(p.table, p.row, p.value) for p in error.problems] == [
        ("settings", book["settings"].max_row, "store.minscore")]
    folder = dump_rulebook(rules, tmp_path / "folder")
    (folder / "item.csv").write_text("code\nX\n", encoding="utf-8")
    assert "'item'" in str(_refused(folder))
    (folder / "item.csv").unlink()
    with (folder / "items.csv").open("a", encoding="utf-8") as out:
        out.write("VOL-01,参加志愿服务,志愿服务,2,,,,,,,,,,extra\n")  # one past per_value
    assert "without a header" in str(_refused(folder))


@pytest.mark.parametrize(("text", "column", "value"), [
    (ITEM.replace("points = 5", "points = 1000000000000000000000000000000"), "points",
     "1000000000000000000000000000000"),
    (ITEM.replace("points = 5", 'points = "NaN"'), "points", "NaN"),
    (ITEM.replace("points = 5", "points = nan"), "points", "nan"),
    (ITEM.replace("points = 5", "points = 5.5"), "points", "5.5"),
    (ITEM.replace("points = 5", 'points = "٥"'), "points", "٥"),
    (ITEM + "cap_month = -20\n", "cap_month", "-20"),
    (ITEM + "cap_month = 1000000000000000000000000000000\n", "cap_month",
     "1000000000000000000000000000000"),
    (ITEM + '[category_caps]\n"环境卫生" = { cap_week = 0 }\n', "cap_week", "0"),
    (ITEM + "[store]\nmin_score = 1e30\n", "min_score", "1e+30"),
    (ITEM + "[store]\nmin_score = 1000000000000000000000000000000\n", "min_score",
     "1000000000000000000000000000000"),
    (ITEM + "[store]\nbase_points = -5\n", "base_points", "-5"),
    (ITEM + "[expiry]\nkind = \"rolling\"\ndays = 99999999\n", "days", "99999999"),
    (ITEM + '[[rewards]]\ncode = "TV"\ntitle = "电视"\ncost = 1000000000000\n', "cost",
     "1000000000000"),
    (ITEM + '[[rewards]]\ncode = "TV"\ntitle = "电视"\ncost = 5\n'
            'available_from = 1900-01-01\n', "available_from", "1900-01-01"),
    (ITEM + '[[rewards]]\ncode = "TV"\ntitle = "电视"\ncost = 5\n'
            'available_until = 2026-02-28T08:00:00\n', "available_until", "2026-02-28 08:00:00"),
    (ITEM + "[claims]\nnotice_days = 1000000000000000000000\n", "notice_days",
     "1000000000000000000000"),
    (ITEM + "[ratings]\ntiers = [{stars = 1, min_score = \"inf\"}]\n", "min_score", "inf"),
    (ITEM + '[timebank]\nmax_minutes = "unlimited"\n', "max_minutes", "unlimited"),
])
def test_absurd_numbers_are_refused_naming_field_and_value(
        tmp_path: Path, text: str, column: str, value: str) -> None:
    """Negative caps, 10**30 points, NaN-like text: refused with the field and the value."""
    error = _refused(_toml(tmp_path, text))
    assert [p.column for p in error.problems] == [column]
    assert error.field == column
    assert value in str(error)


@pytest.mark.parametrize(("code", "fragment"), [
    ("Н001", "CYRILLIC"),                     # a Cyrillic Н passing for H
    ("ＥＮＶ-01", "'ENV-01'"),                 # full-width: refused with the form to write
    ("ENV\u202e01", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("ENV\x1b01", "control"),
    ("ENV\u200b01", "U+200B"),
    ("ENV 01", "space"),
])
def test_look_alike_and_control_characters_in_codes(tmp_path: Path, code: str,
                                                    fragment: str) -> None:
    """Codes in rule files follow the library's id rule, and messages escape what they
    quote."""
    escaped = code.replace("\\", "\\\\").replace('"', '\\"').replace("\x1b", "\\u001b")
    error = _refused(_toml(tmp_path, ITEM.replace('"ENV-01"', f'"{escaped}"')))
    assert fragment.lower() in str(error).lower()
    assert "\u202e" not in str(error) and "\x1b" not in str(error)
    assert [p.column for p in error.problems] == ["code"]


def test_control_characters_in_titles_and_roles_are_refused(tmp_path: Path) -> None:
    """Text and role names refuse control and bidi characters as the library does."""
    error = _refused(_toml(tmp_path, ITEM.replace('"整洁"', '"整\\u202e洁"')))
    assert [p.column for p in error.problems] == ["title"]
    error = _refused(_toml(tmp_path, ITEM + '[policy]\naward = ["commit\\u0000tee"]\n'))
    assert "role" in str(error) and "\x00" not in str(error)


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    """One import names every bad cell of every table, nothing half-read."""
    text = (ITEM.replace("points = 5", "points = \"五\"") + "[store]\nmin_score = \"x\"\n"
            + '[[rewards]]\ncode = "SOAP"\ntitle = "肥皂"\ncost = -5\n'
            + 'weekdays = ["fri", "someday"]\n')
    error = _refused(_toml(tmp_path, text))
    assert {(p.table, p.column) for p in error.problems} == {
        ("[[items]]", "points"), ("[store]", "min_score"), ("[[rewards]]", "weekdays")}


def test_a_rulebook_that_does_not_fit_is_refused_by_check_not_by_loading(tmp_path: Path
                                                                         ) -> None:
    """Loading takes what the file says; Rulebook.check (and adopt) judge whether it works."""
    rules = load_rulebook(_toml(tmp_path, ITEM + '[[rewards]]\ncode = "TV"\ntitle = "电视"\n'
                                "cost = 5\navailable_from = 2026-06-01\n"
                                "available_until = 2026-05-31\n"))
    assert [p.code for p in rules.check()] == ["empty_reward_window"]


def test_dump_refuses_a_single_csv_file(tmp_path: Path) -> None:
    """One CSV file cannot hold every table: dump_rulebook says where it can write."""
    rules = Rulebook("2027", [ChecklistItem("ENV-01", "整洁", category="环境卫生", points=5)])
    with pytest.raises(ValidationError, match=r"\.toml or \.xlsx file or a folder"):
        dump_rulebook(rules, tmp_path / "rules.csv")
    with pytest.raises(ValidationError, match=r"\.toml or \.xlsx file or a folder") as caught:
        dump_rulebook(rules, tmp_path / "rules.json")
    assert caught.value.field == "path"


def test_problems_in_tables_name_their_sheet_row_and_setting(tmp_path: Path) -> None:
    """A workbook's problems name the sheet, its row and column, and a setting by its name."""
    rules = Rulebook("2027", [ChecklistItem("ENV-01", "整洁", category="环境卫生", points=5)],
                     rewards=[Reward("SOAP", "肥皂", cost=5, limits=[Limit(2, "week")])])
    path = dump_rulebook(rules, tmp_path / "rules.xlsx")
    book = openpyxl.load_workbook(path)
    book["settings"].append(["store.min_score", "六十"])
    book["limits"]["C2"] = "fortnight"
    book["items"]["D2"] = "5.5"
    book.save(path)
    error = _refused(path)
    assert {(p.table, p.row, p.column) for p in error.problems} == {
        ("settings", 0, "store.min_score"), ("limits", 2, "per"), ("items", 2, "points")}
    assert "settings column 'store.min_score', value '六十'" in str(error)


# -- formulas in spreadsheet cells -------------------------------------------------------------

FORMULAS = ("=1+1", "+86 138", "-日用品", "@SUM(A1)", "'=x", "''+x", "'plain", "=HYPERLINK(\"x\")")


def _formula_rulebook(text: str) -> Rulebook:
    """A rulebook with ``text`` in every kind of text cell: titles, categories, units, roles,
    a matter's basis, wish categories and service titles; and codes starting with ``-`` and
    ``@`` (ids may)."""
    from pointsledger import Benefit, Campaign, Matter, ProcedureStep, Vetoes

    return Rulebook(
        "2027",
        [ChecklistItem("ENV-01", text, category=text, points=5, unit=text),
         ChecklistItem("-COV", "乱倒垃圾", category="村规民约", points=-5)],
        category_caps={text: [Cap(30, per="month")]},
        policy=Policy({"award": {"committee", "@村委"}}),
        rewards=[Reward("@SOAP", text, cost=5, category=text)],
        wishes=WishPolicy([WishCategory(text)]),
        services=ServicePolicy([Service("SV-01", text, category=text)]),
        benefits=[Benefit("B1", text, min_stars=1)],
        vetoes=Vetoes(items={"-COV"}),
        campaigns=[Campaign("C1", text, start=dt.date(2027, 3, 1), end=dt.date(2027, 3, 31),
                            categories={text}, multiplier=2)],
        matters=[Matter("M1", text, kind="public_service", role="committee", basis=text,
                        steps=[ProcedureStep("s1", text, role="committee")])],
    )


@pytest.mark.parametrize("text", FORMULAS)
def test_text_a_spreadsheet_would_run_is_neutralised_and_loads_back_equal(
        tmp_path: Path, text: str) -> None:
    """dump_rulebook writes no CSV or XLSX text cell that a spreadsheet would run as a formula
    (a leading ``'``, as reports write their CSV), and load_rulebook reads it back equal."""
    import csv

    from pointsledger.base.formulas import FORMULA_STARTS

    rules = _formula_rulebook(text)
    folder = dump_rulebook(rules, tmp_path / "rules")
    for path in folder.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as source:
            for row in csv.reader(source):
                for cell in row:
                    if not re.fullmatch(r"-?[0-9]+", cell):  # numbers (-5 points) stay numbers
                        assert not cell.startswith(FORMULA_STARTS), (path.name, cell)
    assert load_rulebook(folder) == rules
    book_path = dump_rulebook(rules, tmp_path / "rules.xlsx")
    book = openpyxl.load_workbook(book_path)
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (sheet.title, cell.value)
    assert load_rulebook(book_path) == rules
    assert load_rulebook(dump_rulebook(rules, tmp_path / "rules.toml")) == rules


@given(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8))
def test_rule_tables_neutralise_formulas_as_reports_do(text: str) -> None:
    """The rule tables' cell rule is reports.spreadsheet_cell's (io may not import reports),
    and reading a cell undoes it exactly."""
    from pointsledger.io._cells import from_spreadsheet, spreadsheet_text
    from pointsledger.reports import spreadsheet_cell

    assert spreadsheet_text(text) == spreadsheet_cell(text)
    assert from_spreadsheet(spreadsheet_text(text)) == text
    assert spreadsheet_text(-5) == -5 and spreadsheet_text(True) is True


def test_an_unknown_column_of_a_table_with_only_its_header_is_refused(tmp_path: Path) -> None:
    """A misspelt column is refused by name even in a table without rows (it would otherwise
    be dropped unseen, and the first row typed under it later refused)."""
    rules = Rulebook("2027", [ChecklistItem("ENV-01", "整洁", category="环境卫生", points=5)])
    folder = dump_rulebook(rules, tmp_path / "rules")
    (folder / "benefits.csv").write_text("code,title,min_star,min_points\n", encoding="utf-8")
    error = _refused(folder)
    assert [(p.table, p.row, p.column) for p in error.problems] == [("benefits", 1, "min_star")]
    path = dump_rulebook(rules, tmp_path / "rules.xlsx")
    book = openpyxl.load_workbook(path)
    book["matter_steps"]["H1"] = "daykind"
    book.save(path)
    error = _refused(path)
    assert [(p.table, p.row, p.column) for p in error.problems] == [
        ("matter_steps", 1, "daykind")]


def test_a_column_named_twice_and_a_version_given_twice_are_refused(tmp_path: Path) -> None:
    """A header naming a column twice (the second's cells would replace the first's) and a
    second version setting are refused by name, not resolved in silence."""
    rules = Rulebook("2027", [ChecklistItem("ENV-01", "整洁", category="环境卫生", points=5)])
    folder = dump_rulebook(rules, tmp_path / "rules")
    items = folder / "items.csv"
    text = items.read_text(encoding="utf-8-sig")
    items.write_text(text.replace("category,points", "category,category", 1), encoding="utf-8")
    error = _refused(folder)
    assert [(p.table, p.row, p.column) for p in error.problems] == [("items", 1, "category")]
    assert "columns 3 and 4" in str(error)
    items.write_text(text, encoding="utf-8")
    with (folder / "settings.csv").open("a", encoding="utf-8") as out:
        out.write("version,2099\n")
    error = _refused(folder)
    assert [(p.table, p.column, p.value) for p in error.problems] == [
        ("settings", "setting", "version")]
    path = dump_rulebook(rules, tmp_path / "rules.xlsx")
    book = openpyxl.load_workbook(path)
    book["items"]["B1"] = "code"
    book.save(path)
    assert "'code' is named twice" in str(_refused(path))


@pytest.mark.parametrize("name", ["rules.toml", "rules.xlsx", "rules"])
def test_dump_refuses_text_a_rule_file_would_not_give_back(tmp_path: Path, name: str) -> None:
    """Text starting or ending with white space (a title typed " 整洁", a category with a
    full-width space after it) is read back without it, as another rulebook: dump_rulebook
    refuses it, naming where it is, and writes nothing."""
    item = ChecklistItem("ENV-01", "整洁", category="环境卫生", points=5)
    cases = [
        (Rulebook("2027", [attrs_evolve(item, title=" 整洁")]), "title", " 整洁"),
        (Rulebook("2027", [attrs_evolve(item, category="环境卫生\u3000")],
                  category_caps={"环境卫生\u3000": [Cap(30, per="month")]}),
         "category", "环境卫生\u3000"),
        (Rulebook("2027", [item], rewards=[Reward("SOAP", "肥皂 ", cost=5)]), "title", "肥皂 "),
    ]
    for rules, field, value in cases:
        with pytest.raises(ValidationError, match="white space") as caught:
            dump_rulebook(rules, tmp_path / name)
        assert (caught.value.field, caught.value.fields["value"]) == (field, value)
        assert not (tmp_path / name).exists()
    assert load_rulebook(dump_rulebook(Rulebook("2027", [item]), tmp_path / name)) == \
        Rulebook("2027", [item])


@pytest.mark.parametrize("form", ["rules", "rules.xlsx"])
@pytest.mark.parametrize("value", ["NaN", "nan", "inf", "-Infinity", "1e30", "0x10", "1_000",
                                   "5.5", "٥", "=5", "'=5", "9" * 5000])
def test_nan_like_and_absurd_cells_are_refused_naming_column_and_value(
        tmp_path: Path, form: str, value: str) -> None:
    """A number cell of a CSV file or workbook holding NaN-like text, a float, a formula or
    5,000 digits is refused with its table, row, column and value (quoted at most 40
    characters), in words of the library, not Python's."""
    rules = Rulebook("2027", [ChecklistItem("ENV-01", "整洁", category="环境卫生", points=5)])
    path = dump_rulebook(rules, tmp_path / form)
    if form == "rules":
        items = path / "items.csv"
        text = items.read_text(encoding="utf-8-sig").replace(",5,", f',"{value}",', 1)
        items.write_text(text, encoding="utf-8")
    else:
        book = openpyxl.load_workbook(path)
        book["items"]["D2"] = value
        book["items"]["D2"].data_type = "s"
        book.save(path)
    error = _refused(path)
    (problem,) = error.problems
    assert (problem.table, problem.row, problem.column) == ("items", 2, "points")
    assert problem.value == value.removeprefix("'")
    assert "Exceeds the limit" not in str(error) and len(str(error)) < 400


def test_registry_tables_read_neutralised_cells_as_they_were(tmp_path: Path) -> None:
    """A registry table written with the formula guard (a head named ``=SUM(A1)`` as
    ``'=SUM(A1)``, as reports.spreadsheet_cell writes it) registers the name as it was."""
    import pendulum

    from pointsledger import Actor, Ledger
    from pointsledger.io.rulefiles import import_registry
    from pointsledger.reports import spreadsheet_cell

    committee = Actor("c-01", roles={"committee"})
    ledger = Ledger.in_memory()
    ledger.adopt(Rulebook("2027", [ChecklistItem("ENV-01", "整洁", category="环境卫生",
                                                 points=5)]),
                 effective_from=pendulum.date(2026, 1, 1), by=committee, resolution="m")
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name,kind\nG1,第一网格,grid\n", encoding="utf-8")
    households = tmp_path / "households.csv"
    heads = ["=SUM(A1)", "-张三", "'+李四", "王五"]
    households.write_text("household,grid,head\n" + "".join(
        f"H{n},G1,{spreadsheet_cell(head)}\n" for n, head in enumerate(heads)),
        encoding="utf-8")
    import_registry(ledger, by=committee, regions=regions, households=households)
    assert [h.head for h in ledger.households().values()] == heads
