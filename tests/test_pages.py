"""Printable pages (#17): standalone HTML for A4 — the monthly 积分公示, a household's 积分卡,
the wish wall — safe with hostile names, and opened in a real headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import cast

import pendulum
import pytest

from pointsledger import Actor, Ledger, ManualClock, reports
from pointsledger.cli.main import main

from .helpers import (
    COMMITTEE,
    GRID,
    GRID2,
    START,
    TZ,
    make_village,
    make_workflow_village,
    rulebook,
)
from .test_readable_reports import busy_village, english_words

INSTALL = "apt-get install chromium fonts-noto-cjk"


def test_the_monthly_notice_page_is_a_standalone_printable_document() -> None:
    """The 积分公示 page has a doctype, charset, title, A4 print CSS, both boards, the claims
    in notice with their deadline, how to object and the head anchor."""
    ledger = busy_village()
    page = reports.monthly_notice_page(ledger, "2026-03")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert '<html lang="zh-CN">' in page and "@page { size: A4" in page
    assert "<title>东沙沟村2026年3月积分公示</title>" in page
    for text in ("红榜 2026-03", "黑榜 2026-03", "申报公示", "公示截止", "2026-03-09",
                 "违反公共道德", "庭院环境整洁", "获评文明家庭", "如有异议",
                 str(ledger.anchor())):
        assert text in page, text
    assert page.count(str(ledger.anchor())) == 1
    assert "户主1" not in page and "户*1" in page  # names masked
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    assert english_words(visible) == []
    en = reports.monthly_notice_page(ledger, "2026-03", locale="en")
    assert '<html lang="en">' in en and "Honour board" in en


def test_the_household_card_is_the_households_statement_with_its_points() -> None:
    """The 积分卡 shows a household's points (its members' included) and its passbook, by
    titles, in Chinese."""
    ledger = busy_village()
    page = reports.household_card_page(ledger, "H001")
    whole = ledger.household_balance("H001")
    assert "<title>积分卡（积分存折） H001 户主0</title>" in page
    assert (f'<td class="num">{whole.posted}</td><td class="num">{whole.pending}</td>'
            in re.sub(r">\s+", ">", page))
    assert "庭院环境整洁" in page and "兑换：肥皂" in page and "ENV-01" not in page
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    assert english_words(visible) == []


def test_the_wish_wall_page_masks_for_the_public() -> None:
    """The wish wall page lists the wishes on the wall with their state, masked for the
    public."""
    village = make_workflow_village()
    ledger = village.ledger
    wish = ledger.submit_wish("M002", "帮欧阳明修屋顶，电话13812345678", by=GRID, key="w")
    ledger.step(wish, "list", category="服务", by=GRID2, key="l")
    page = reports.wish_wall_page(ledger, Actor("M001", roles={"resident"}))
    assert "待认领" in page and "欧阳*" in page
    assert "欧阳明" not in page and "13812345678" not in page


HOSTILE = ["<script>alert(1)</script>", "张\u200b三明", "张\u2060三", "=cmd|' /C calc'!A0",
           "\"onload=\"x", "Ｈ００１", "H0O1"]


def test_html_text_shows_invisible_and_reordering_characters() -> None:
    """Control, zero-width and bidi-override characters (which the ledger already refuses in
    names) show as � on a page if they ever reach one; markup is escaped."""
    assert reports.html_text("\u202e明三张") == "\ufffd明三张"
    assert reports.html_text("李\x00四\x1b[31m") == "李\ufffd四\ufffd[31m"
    assert reports.html_text("张\u200b三") == "张\ufffd三"
    assert reports.html_text("<b>\"x\"</b>") == "&lt;b&gt;&quot;x&quot;&lt;/b&gt;"


@pytest.mark.parametrize("head", HOSTILE)
def test_hostile_names_stay_harmless_on_every_page(head: str) -> None:
    """Script, bidi overrides, zero-width and control characters and look-alikes in a name
    are escaped or shown as � on the pages; nothing runs, hides or reorders text."""
    village = make_workflow_village()
    ledger = village.ledger
    ledger.register_household("H009", grid="G01", head=head, by=COMMITTEE)
    ledger.award("H009", "ENV-01", by=GRID, key="a", occurred_at=village.clock())
    ledger.deduct("H009", "COV-03", by=GRID, key="d", occurred_at=village.clock())
    wish = ledger.submit_wish("M002", head, by=GRID, key="w")
    ledger.step(wish, "list", category="服务", by=GRID2, key="l")
    pages = [reports.monthly_notice_page(ledger, "2026-03"),
             reports.household_card_page(ledger, "H009"),
             reports.wish_wall_page(ledger, Actor("c-09", roles={"committee"}))]
    for page in pages:
        assert "<script>" not in page and "onload=\"" not in page
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u200b\u2060\u202e]", page)
    assert "&lt;script&gt;" in pages[2] or head != HOSTILE[0]
    mask = reports.html_text(reports.mask_name(head))
    assert mask in pages[0]  # a look-alike is a name like any other: masked on the notice
    assert reports.html_text(head) in pages[2]  # and escaped as typed for an official


def _browser() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _cjk_font() -> bool:
    try:
        listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True,
                                check=False, timeout=30).stdout
    except OSError:
        return False
    return bool(listed.strip())


def test_the_pages_open_in_a_headless_browser(tmp_path: Path) -> None:
    """The 积分公示 page and a household's card open in headless Chromium, and each
    screenshot has ink (not a blank page)."""
    browser = _browser()
    if browser is None or not _cjk_font():
        pytest.skip(f"needs Chromium and a CJK font: {INSTALL}")
    from PIL import Image  # matplotlib's dependency: the charts extra is in dev

    ledger = busy_village()
    for name, page in (("notice", reports.monthly_notice_page(ledger, "2026-03")),
                       ("card", reports.household_card_page(ledger, "H001"))):
        html = tmp_path / f"{name}.html"
        html.write_text(page, encoding="utf-8")
        shot = tmp_path / f"{name}.png"
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}",
                        f"--screenshot={shot}", "--window-size=794,1123", html.as_uri()],
                       capture_output=True, check=True, timeout=120)
        with Image.open(shot) as image:
            assert image.size == (794, 1123)
            grey = image.convert("L")
            low, high = cast("tuple[int, int]", grey.getextrema())
            dark = sum(grey.histogram()[:128])
        assert low < 80 and high > 200, (name, low, high)  # text on a white page
        assert dark > 2000, (name, dark)  # enough ink for tables of Chinese text


def test_the_cli_prints_the_boards_stars_and_pages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``report black-board``, ``star-households`` and ``notice-page`` work on a file."""
    path = str(tmp_path / "v.db")
    village = make_village(path)
    ledger = village.ledger
    ledger.deduct("H003", "COV-03", by=GRID, key="d", occurred_at=village.clock())
    ledger.award("H001", "ENV-01", by=GRID, key="a", occurred_at=village.clock())
    ledger.close()
    assert main(["report", path, "black-board", "--period", "2026-03"]) == 0
    out = capsys.readouterr().out
    assert "黑榜" in out and "焚烧秸秆" in out and "H001" not in out
    assert main(["report", path, "honour-board", "--period", "2026-03", "--bottom"]) == 0
    assert "焚烧秸秆" in capsys.readouterr().out
    assert main(["report", path, "red-board", "--period", "2026-03"]) == 0
    out = capsys.readouterr().out
    assert "H001" in out and "H003" not in out
    assert main(["report", path, "star-households", "--period", "2026"]) == 0
    assert "星级文明户评定" in capsys.readouterr().out
    page = tmp_path / "notice.html"
    assert main(["report", path, "notice-page", "--period", "2026-03", "--output",
                 str(page)]) == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["report", path, "card-page", "--account", "H001"]) == 0
    assert "积分卡" in capsys.readouterr().out
    assert main(["report", path, "notice-page", "--period", "2026-03", "--format", "csv"]) == 2


def test_a_villages_own_notice_from_a_larger_ledger() -> None:
    """With ``region``, the notice, the boards and the claims in notice are those of the
    households under it: the grids' notices add up to the whole ledger's, the page is titled
    with the region's name, and an unknown region is refused."""
    from pointsledger import UnknownRegion

    ledger = busy_village()
    period = ledger.now().strftime("%Y-%m")
    whole = reports.public_notice(ledger, period)
    parts = [reports.public_notice(ledger, period, region=g) for g in ("G01", "G02")]
    assert sorted(whole.rows) == sorted(parts[0].rows + parts[1].rows)
    assert {r[1] for r in parts[0].rows} == {"H001", "H002"}
    assert "H001" not in {r[1] for r in parts[1].rows} and parts[1].rows
    claims = [reports.claims_notice(ledger, region=g).rows for g in ("G01", "G02")]
    assert [len(c) for c in claims] == [1, 0]
    page = reports.pages.monthly_notice_page(ledger, period, region="G02")
    assert "第一网格" not in page and "第二网格" in page and "H001" not in page
    assert "H003" in page
    with pytest.raises(UnknownRegion):
        reports.pages.monthly_notice_page(ledger, period, region="G09")


def test_a_board_of_a_running_period_follows_new_entries() -> None:
    """A board's figures are kept only for a period that is over: the running month's board
    takes in an award made after it was first read, a past month's stays as it was."""
    ledger = busy_village()
    period = ledger.now().strftime("%Y-%m")
    before = reports.honour_board(ledger, period)
    ledger.award("H004", "ENV-01", by=GRID, key="later", occurred_at=ledger.now())
    after = reports.honour_board(ledger, period)
    assert "H004" not in {r[1] for r in before.rows}
    assert "H004" in {r[1] for r in after.rows}


def test_a_village_ledger_under_its_county_and_town_is_titled_by_the_village() -> None:
    """A village's own ledger names its county and town above it (as docs/operations.md
    advises): its wish wall and its whole-ledger notice page are the village's, titled by the
    village's name, not the county's; a ledger of a whole town keeps the town's."""
    ledger = Ledger.in_memory(clock=ManualClock(START), tz=TZ)
    ledger.adopt(rulebook(), effective_from=pendulum.date(2026, 1, 1), by=COMMITTEE,
                 resolution="m")
    for code, name, kind, parent in (("C1", "测试县", "county", None),
                                     ("T1", "测试镇", "town", "C1"),
                                     ("V01", "东沙沟村", "village", "T1"),
                                     ("G01", "第一网格", "grid", "V01")):
        ledger.add_region(code, name, kind=kind, parent=parent, by=COMMITTEE)
    ledger.register_household("H001", grid="G01", head="户主", by=COMMITTEE)
    wall = reports.wish_wall_page(ledger, Actor("M001", roles={"resident"}))
    notice = reports.monthly_notice_page(ledger, "2026-03")
    assert "<h1>东沙沟村心愿墙</h1>" in wall and "测试县" not in wall
    assert "<h1>东沙沟村2026年3月积分公示</h1>" in notice and "测试县" not in notice
    ledger.add_region("V02", "河西村", kind="village", parent="T1", by=COMMITTEE)
    assert "<h1>测试镇2026年3月积分公示</h1>" in reports.monthly_notice_page(ledger, "2026-03")
