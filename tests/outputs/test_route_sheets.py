"""Route sheets (planner.outputs.route_sheet, _html, _pdf) on the made-up plan."""

from __future__ import annotations

import re

import pytest

from planner.errors import SettingsError
from planner.optimize.tables import PlanTables
from planner.outputs.escape import html_text
from planner.outputs.route_sheet import scale_bar
from planner.outputs.route_sheet_html import route_sheet_html
from planner.outputs.route_sheet_pdf import route_sheet_pdf_bytes
from tests.outputs.made_up_plan import FORMULA


def test_route_sheet_html_escaped_and_self_contained(plan: PlanTables) -> None:
    page = route_sheet_html(plan, 2)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Mairie de L&#39;Île-Rousse" in page
    assert "<svg" in page and "@page" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)
    assert "Sources : © La Poste (2020)" in page
    assert "Mardi 25 mars 2025" in page and "1\u00a0h\u00a030 de route" in page
    first = route_sheet_html(plan, 1)
    assert first.count('<section class="week">') == 2
    assert html_text(FORMULA) in first
    with pytest.raises(SettingsError, match="conseiller 3 inconnu"):
        route_sheet_html(plan, 3)

def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))

def test_route_sheet_pdf_pages(plan: PlanTables) -> None:
    first = route_sheet_pdf_bytes(plan, 1)
    second = route_sheet_pdf_bytes(plan, 2)
    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert _pages(first) >= 2 and _pages(second) >= 1
    assert b"DejaVu" in first


@pytest.mark.parametrize(
    ("km_per_unit", "width", "expected"),
    [
        # made-up map widths: a quarter of 720 px at 0.1 km/px is 18 km -> the 10 km bar
        (0.1, 720, (10, 100.0)),
        (0.01, 400, (1, 100.0)),  # a quarter is exactly 1 km: that bar
        (0.001, 400, (0.5, 500.0)),  # below every round distance: the smallest still
        (10.0, 200, (500, 50.0)),  # 5,000 km wide: capped at the largest round distance
    ],
)
def test_scale_bar_is_a_round_distance_about_a_quarter_wide(
    km_per_unit: float, width: float, expected: tuple[float, float]
) -> None:
    km, length = scale_bar(km_per_unit, width)
    assert (km, length) == pytest.approx(expected)
