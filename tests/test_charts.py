"""Charts (the optional extra): the data drawn is the ledger's, and the files are PNG or SVG."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pointsledger import ValidationError
from pointsledger.reports.charts import monthly_trend, points_by_category

from .helpers import COMMITTEE, GRID, make_village
from .test_reports import scored  # noqa: F401 - the fixture

# the test data has Chinese names and the test machine may have no CJK font
pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")


def test_monthly_trend(scored, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """One line per village; the points are those earned that month."""
    table = monthly_trend(scored, tmp_path / "trend.png", locale="en")
    assert table.columns == ("period", "东沙沟村")
    assert table.rows == (("2026-03", 17),)
    assert (tmp_path / "trend.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_points_by_category(scored, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """One bar per category, deductions below zero; SVG when asked."""
    table = points_by_category(scored, tmp_path / "categories.svg", period="2026-03",
                               locale="en")
    assert dict(table.rows) == {"环境卫生": 15, "志愿服务": 2, "村规民约": -5}
    assert b"<svg" in (tmp_path / "categories.svg").read_bytes()[:400]
    with pytest.raises(ValidationError):
        points_by_category(scored, tmp_path / "categories.pdf", locale="en")


def test_the_core_never_imports_matplotlib() -> None:
    """Only the charts module needs matplotlib."""
    import subprocess
    import sys

    code = ("import sys, pointsledger, pointsledger.reports; "
            "assert 'matplotlib' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_charts_write_to_a_file_object(scored) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """A chart goes to a binary file object too: PNG by default, SVG when asked."""
    import io

    png, svg = io.BytesIO(), io.BytesIO()
    monthly_trend(scored, png, locale="en", missing_font="warn")
    points_by_category(scored, svg, format="svg", locale="en", missing_font="warn")
    assert png.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.getvalue()[:400]
    with pytest.raises(ValidationError, match="png or svg"):
        monthly_trend(scored, io.BytesIO(), format="pdf")
    with pytest.raises(ValidationError, match="path or a binary file object"):
        monthly_trend(scored, 42, missing_font="warn")  # type: ignore[arg-type]


def test_no_cjk_font_is_a_clear_error_naming_the_packages(  # type: ignore[no-untyped-def]
        scored, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Without a CJK font, Chinese text raises naming fonts-noto-cjk (or warns on request)."""
    from pointsledger.reports import charts

    monkeypatch.setattr(charts, "cjk_fonts", lambda: [])
    with pytest.raises(ValidationError, match="fonts-noto-cjk"):
        points_by_category(scored, tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()
    with pytest.warns(RuntimeWarning, match="fonts-noto-cjk"):
        points_by_category(scored, tmp_path / "c.png", missing_font="warn")
    assert (tmp_path / "c.png").exists()
    with pytest.raises(ValidationError, match="missing_font"):
        points_by_category(scored, tmp_path / "c.png", missing_font="ignore")


def test_charts_use_an_installed_cjk_font(scored, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """With a CJK font on the machine (CI installs fonts-noto-cjk), Chinese labels draw."""
    from pointsledger.reports.charts import cjk_fonts

    if not cjk_fonts():
        pytest.skip("no CJK font: apt-get install fonts-noto-cjk")
    points_by_category(scored, tmp_path / "c.svg")
    assert (tmp_path / "c.svg").stat().st_size > 1000


def test_monthly_trend_takes_a_reversal_from_the_village_that_earned_it() -> None:
    """A member's award reversed after they moved to a household of another village is taken
    back from the village that earned it (as the boards and ``rate()`` count it), not drawn
    as a loss of the village they moved to."""
    village = make_village("memory")
    ledger, clock = village.ledger, village.clock
    ledger.add_region("V02", "河西村", kind="village", by=COMMITTEE)
    ledger.add_region("G03", "第三网格", kind="grid", parent="V02", by=COMMITTEE)
    ledger.register_household("H005", grid="G03", head="户主5", by=COMMITTEE)
    ledger.award("M002", "VOL-02", by=GRID, key="kept", occurred_at=clock())
    award = ledger.award("M002", "VOL-02", by=GRID, key="a", occurred_at=clock())
    clock.advance(days=2)
    ledger.move_member("M002", household="H005", reason="婚嫁", by=COMMITTEE, key="m")
    clock.advance(days=2)
    ledger.reverse(award, reason="误录", by=COMMITTEE, key="r")
    table = monthly_trend(ledger, io.BytesIO(), locale="en")
    assert [dict(zip(table.keys, row, strict=True)) for row in table.rows] == [
        {"period": "2026-03", "V01": 2}]  # 河西村 earned nothing: no line
