"""The plan map with MADE-UP hostile names, saved and opened in headless chromium: no dialog.

Every tooltip and popup is opened (hostile markup would run when Leaflet inserts it), then
the test asserts that no ``alert`` dialog fired and no injected element exists. Offline:
every request to another host is blocked (the map's Leaflet is inline, see
``test_map_offline_browser.py``).
Skipped without ``/usr/bin/chromium`` or Playwright (failed under ``CI=true``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.outputs.test_map_plan import hostile_map

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
_OPEN_ALL = """() => {
    const name = Object.keys(window).find(k => k.startsWith("map_") && window[k] instanceof L.Map);
    const map = window[name];
    let opened = 0;
    map.eachLayer(layer => {
        if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); opened += 1; }
        if (layer.getPopup && layer.getPopup()) { layer.openPopup(); opened += 1; }
    });
    return opened;
}"""


def _browser_parts():
    """Playwright's sync API and the Leaflet folder, or skip (fail under CI)."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} absent (apt-get install chromium)")
    try:
        import js_lib_leaflet
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        problems.append(f"paquet absent : {exc.name}")
    if problems:
        message = "test navigateur impossible : " + " ; ".join(problems)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return sync_playwright, Path(js_lib_leaflet.__file__).parent / "static" / "js_lib_leaflet"


def test_saved_plan_map_with_hostile_names_fires_no_dialog(tmp_path: Path) -> None:
    sync_playwright, _ = _browser_parts()
    path = tmp_path / "carte.html"
    hostile_map().save(str(path))

    elsewhere: list[str] = []

    def route(request_route) -> None:  # offline: the map's scripts are inline, nothing else may load
        url = request_route.request.url
        if url.startswith(("file:", "data:")):
            return request_route.continue_()
        elsewhere.append(url)
        return request_route.abort()

    dialogs: list[str] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", route)
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(path.as_uri())
            page.wait_for_selector(".planner-stop", timeout=30_000)
            opened = page.evaluate(_OPEN_ALL)
            page.wait_for_timeout(800)
            injected = page.evaluate(
                "() => document.querySelectorAll('svg[onload], img[onerror], .leaflet-pane script').length"
            )
            tooltip = page.evaluate(
                "() => Array.from(document.querySelectorAll('.leaflet-tooltip')).map(t => t.textContent).join('|')"
            )
        finally:
            browser.close()
    assert opened >= 8
    assert dialogs == []
    assert injected == 0
    assert "${alert(1)}" in tooltip or "<img src=x onerror=alert(1)>" in tooltip  # shown as typed
    assert not errors, errors
    assert elsewhere == []
