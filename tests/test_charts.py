"""Charts (the optional extra): the data drawn is the ledger's, and the files are PNG or SVG."""

from __future__ import annotations

from pathlib import Path

import pytest

from pointsledger import ValidationError
from pointsledger.reports.charts import monthly_trend, points_by_category

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
