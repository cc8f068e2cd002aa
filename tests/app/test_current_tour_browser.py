"""« Tournée actuelle / Tournée proposée » on the Itinérance page, in a real browser (issue 14, point 4).

Uploads the made-up Corsican tour of tests/fixtures/current_tour (real town halls, invented
sessions) and checks what a person sees: both tours side by side with their figures and maps.
The server, browser and page fixtures are those of test_app_browser.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planner import fr
from tests.app.test_app_browser import MAP_IFRAME, _settle, browser, page, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

FIXTURE = Path(__file__).parents[1] / "fixtures" / "current_tour" / "centre_corse.csv"


def test_current_tour_upload_shows_both_tours(page, server) -> None:  # noqa: F811
    page.goto(f"{server}/itinerance")
    page.wait_for_selector('h1:has-text("Itinérance")', timeout=180_000)
    _settle(page)
    page.get_by_text("Tournée actuelle / Tournée proposée").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(FIXTURE))
    _settle(page)
    page.get_by_role("button", name="Évaluer et proposer").click()
    page.wait_for_selector('[data-testid="stMetric"]:has-text("Présence (h/semaine)")', timeout=150_000)
    _settle(page)
    body = page.inner_text("body")
    assert "Tournée actuelle (cycle de 4 semaines)" in body
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    presence = [m for m in metrics if m.startswith("Présence (h/semaine)")]
    assert len(presence) == 2 and fr.number(18.25, 1) in presence[0]
    assert page.locator(MAP_IFRAME).count() >= 2
    assert "2 arrêts gardés" in body
    # same advisors as the file (its « conseiller » column: A and B), week 1 on the cycle's ISO week
    assert "Proposition avec les mêmes conseillers que la tournée actuelle (2 conseillers)" in body
    assert "semaine 1 des deux tournées : semaine du lundi" in body

