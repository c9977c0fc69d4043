"""Spreadsheet import: TOML, CSV and XLSX rulebooks and registries, all-or-nothing, with every bad
cell named."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pendulum
import pytest

from pointsledger import Actor, Ledger
from pointsledger.io.rulefiles import ImportFailed, import_registry, load_rulebook, read_table

COMMITTEE = Actor("c-01", roles={"committee"})


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_an_xlsx_rulebook_with_items_and_rewards(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "rules.xlsx", {
        "items": [["code", "title", "category", "points", "cap_month", "evidence_required"],
                  ["ENV-01", "庭院环境整洁", "环境卫生", 5, 20, "否"],
                  ["COV-07", "违反公共道德", "村规民约", -20, None, "是"]],
        "rewards": [["code", "title", "cost", "category"], ["SOAP", "肥皂", 5, "日用品"]]})
    rules = load_rulebook(path, version="2026")
    assert [i.code for i in rules.items] == ["ENV-01", "COV-07"]
    assert rules.item("ENV-01").caps[0].max_points == 20
    assert rules.item("COV-07").evidence_required
    assert rules.reward("SOAP").cost == 5


def test_an_xlsx_checklist_reports_bad_cells_by_row(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "bad.xlsx", {
        "items": [["code", "title", "category", "points", "serious"],
                  ["ENV-01", "整洁", "环境卫生", "五", "maybe"],
                  ["bad code!", "x", "y", 1, None]]})
    with pytest.raises(ImportFailed) as caught:
        load_rulebook(path, version="2026")
    found = {(p.row, p.column) for p in caught.value.problems}
    assert {(2, "points"), (2, "serious"), (3, "code")} <= found


def test_a_toml_rulebook_with_policies(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('''
version = "2026"
[[items]]
code = "WISH-01"
title = "认领微心愿"
category = "微心愿"
points = 10
[claims]
review_tiers = 1
notice_days = 5
[wishes]
claim_days = 10
item = "WISH-01"
[[wishes.categories]]
name = "物品"
max_value = 100
[[services]]
code = "REPAIR"
title = "家电维修"
category = "便民服务"
item = "WISH-01"
[service_policy]
accept_hours = 12
[timebank]
threshold_minutes = 60
[expiry]
kind = "year_end"
''', encoding="utf-8")
    rules = load_rulebook(path)
    assert rules.claims.review_tiers == 1 and rules.claims.notice_days == 5
    assert rules.wishes.categories[0].max_value == 100 and rules.wishes.claim_days == 10
    assert rules.services.service("REPAIR") is not None and rules.services.accept_hours == 12
    assert rules.timebank.threshold_minutes == 60 and rules.expiry.kind == "year_end"
    path.write_text('version = "x"\n[claims]\nreview_tiers = 3\n', encoding="utf-8")
    with pytest.raises(ImportFailed, match="review_tiers"):
        load_rulebook(path)
    path.write_text("version = \n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="TOML"):
        load_rulebook(path)


def test_other_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match=r"\.toml, \.csv or \.xlsx"):
        load_rulebook(tmp_path / "rules.pdf", version="1")
    with pytest.raises(ImportFailed, match="cannot read"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(ImportFailed, match="no sheet"):
        read_table(_workbook(tmp_path / "w.xlsx", {"a": [["x"]]}), "items")


def test_an_xlsx_registry_is_all_or_nothing(tmp_path: Path) -> None:
    clock = lambda: pendulum.datetime(2026, 3, 1, tz="Asia/Shanghai")  # noqa: E731
    ledger = Ledger.in_memory(clock=clock)
    regions = _workbook(tmp_path / "regions.xlsx", {"regions": [
        ["code", "name", "kind", "parent"], ["V01", "东沙沟村", "village", None],
        ["G01", "第一网格", "grid", "V01"]]})
    households = _workbook(tmp_path / "households.xlsx", {"households": [
        ["household", "grid", "head"], ["H001", "G01", "张三"], ["H002", "G09", "李四"]]})
    head = ledger.head
    with pytest.raises(ImportFailed) as caught:
        import_registry(ledger, by=COMMITTEE, regions=regions, households=households)
    (problem,) = caught.value.problems
    assert (problem.table, problem.row, problem.column, problem.value) == (
        "households", 3, "grid", "G09")
    assert ledger.head == head and not ledger.regions()
    households = _workbook(tmp_path / "households.xlsx", {"households": [
        ["household", "grid", "head"], ["H001", "G01", "张三"], ["H002", "G01", "李四"]]})
    seen: list[tuple[int, int]] = []
    assert import_registry(ledger, by=COMMITTEE, regions=regions, households=households,
                           progress=lambda done, total: seen.append((done, total))) == 4
    assert seen[-1] == (4, 4)
    assert import_registry(ledger, by=COMMITTEE, regions=regions, households=households) == 0
