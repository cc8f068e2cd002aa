"""The app's maps with every request to another host blocked (offline, or on an intranet).

The Couverture map (Corsica) and the territory sheet's 360 px map are drawn by
the app (``st.iframe``) with the vendored Leaflet: their frames ask no other host for anything,
log no error, show filled markers in the networks' colours and a metric scale, and the
sheet's map starts with its layer control collapsed to a labelled « Couches » button.
"""

from __future__ import annotations

import time

import pytest

from planner.data.schema import NETWORKS
from tests.app._server import ARGS, CHROMIUM, map_frames, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

_STATE = """() => ({
    sites: document.querySelectorAll('.planner-site').length,
    fills: Array.from(new Set(Array.from(document.querySelectorAll('.planner-site svg path:last-child'))
        .map(p => p.getAttribute('fill') + ' ' + getComputedStyle(p).fillOpacity))),
    scale: Array.from(document.querySelectorAll('.leaflet-control-scale-line')).map(e => e.textContent),
    expanded: document.querySelectorAll('.leaflet-control-layers-expanded').length,
    toggle: (document.querySelector('.leaflet-control-layers-toggle') || {}).textContent,
})"""


def _map_state(page, timeout_s: float = 240) -> dict:
    """The state of the map's frame once its scale bar is drawn (frames polled:
    Streamlit may remount the iframe while the script reruns)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in map_frames(page):
            try:
                if frame.query_selector(".leaflet-control-scale-line") and frame.query_selector(".planner-site"):
                    page.wait_for_timeout(500)
                    return frame.evaluate(_STATE)
            except Exception:
                continue
        page.wait_for_timeout(250)
    raise AssertionError("la carte Leaflet ne s'est pas affichée")


def test_app_maps_load_nothing_from_another_host(server) -> None:
    from playwright.sync_api import sync_playwright

    elsewhere: list[str] = []
    errors: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith((server, "data:", "blob:")):
            return request_route.continue_()
        frame = request_route.request.frame
        if frame is not None and frame != frame.page.main_frame:
            elsewhere.append(url)  # the map's own requests: none may leave the app
        return request_route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(locale="en-US", viewport={"width": 1366, "height": 768})
            page.set_default_timeout(240_000)
            page.route("**/*", route)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server)
            couverture = _map_state(page)
            settle(page)
            page.goto(f"{server}/fiche")
            fiche = _map_state(page)
        finally:
            browser.close()
    assert elsewhere == [] and errors == []
    colours = {NETWORKS[n][1] for n in ("france_services", "la_poste", "aidants_connect")}
    shown = {entry.split()[0] for entry in couverture["fills"]}
    assert couverture["sites"] > 100 and colours <= shown
    assert all(float(entry.split()[1]) > 0 for entry in couverture["fills"])  # filled markers
    assert couverture["scale"][0].endswith("km") and len(couverture["scale"]) == 1  # metric only
    assert couverture["expanded"] == 1
    assert fiche["expanded"] == 0 and fiche["toggle"] == "Couches"  # 360 px: controls folded
