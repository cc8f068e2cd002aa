"""The app in a real browser: ``streamlit run app.py`` on 127.0.0.1, headless Debian chromium
driven by Playwright.

Checks that the Leaflet map (its frame) and its layers render, that a
plan runs on the Itinérance page and that its GPX downloads and reads back. With
``--screenshots DIR`` (``make screenshots``) a screenshot of each page is saved there.

The machine may be offline: the folium scripts the map loads from CDNs are answered
locally (Leaflet itself from the ``django-js-lib-leaflet`` package, others empty, map
tiles as a plain grey tile). Timings are printed, never asserted.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.app._server import MAP_IFRAME, app_server, chromium, map_frames, new_tab
from tests.app._server import offline_routes as _offline_routes
from tests.app._server import requirements as _browser_requirements
from tests.app._server import settle as _settle

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def _requirements() -> None:
    """Skip (or fail under CI=true) when the browser, Playwright or the local Leaflet is missing."""
    _browser_requirements()
    try:
        import js_lib_leaflet  # noqa: F401
    except ImportError:
        message = "test navigateur impossible : paquet django-js-lib-leaflet absent (pip install -e '.[dev]')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def server(corsica_data, tmp_path_factory):
    """``streamlit run app.py`` on a free port of 127.0.0.1; yields its URL."""
    _requirements()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with app_server(corsica_data, log, extra=[
        "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer",
    ]) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    """Headless Debian chromium (module-wide)."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, server):
    """A fresh French browser tab (a new Streamlit session) with offline map resources."""
    context, tab = new_tab(browser, server, timeout_ms=120_000, accept_downloads=True)
    yield tab
    context.close()


def _map_frame(page, timeout_s: float = 240):
    """The Leaflet frame of the map, once its layer control is drawn.

    Streamlit may remount the component's iframe while the script reruns, so the frames
    are polled rather than one element awaited.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in map_frames(page):
            try:
                if frame.query_selector(".leaflet-control-layers-overlays label"):
                    return frame
            except Exception:
                continue
        page.wait_for_timeout(250)
    raise AssertionError("la carte Leaflet ne s'est pas affichée")


def _shot(page, screenshots: Path | None, name: str) -> None:
    if screenshots is not None:
        page.wait_for_timeout(1500)
        _settle(page)  # a cached call's spinner may show up after the first settle
        page.screenshot(path=str(screenshots / f"{name}.png"))


def test_couverture_map_and_layers_render(page, server, screenshots) -> None:
    started = time.perf_counter()
    page.goto(server)
    frame = _map_frame(page)
    first = time.perf_counter() - started
    overlays = frame.eval_on_selector_all(".leaflet-control-layers-overlays label", "ls => ls.map(l => l.textContent.trim())")
    assert overlays[0] == "Temps d'accès à l'aide la plus proche"
    assert "● Zones mal desservies" in overlays
    names = [o.split(" (")[0] for o in overlays[2:-1]]  # each network's symbol is an inline SVG
    assert names == ["La Poste", "France Services", "Conseillers numériques", "Aidants Connect",
                     "Croix-Rouge française"]
    assert overlays[-1] == "Fond de carte OpenStreetMap (en ligne)"  # optional tiles, off at first
    attribution = frame.text_content(".leaflet-control-attribution")
    assert "© les contributeurs d'OpenStreetMap" in attribution and "La Poste (2020)" in attribution
    assert "ANCT (2024-08)" in attribution
    legend = frame.text_content(".leaflet-right .planner-legend")  # the sites' legend is bottom left
    assert legend.startswith("Temps d'accès à l'aide la plus proche") and "60\u00a0min et plus" in legend
    # vector layers are drawn on a canvas covering the map
    size = frame.eval_on_selector("canvas.leaflet-zoom-animated", "c => [c.width, c.height]")
    assert size[0] > 500 and size[1] > 500
    assert not page.errors, page.errors
    _settle(page)
    _shot(page, screenshots, "1_couverture")
    # un-ticking a layer is done by Leaflet alone: no rerun of the script
    frame.click(".leaflet-control-layers-overlays label:nth-child(3) input")
    page.wait_for_timeout(500)
    assert not page.query_selector('[data-testid="stStatusWidget"]')
    # isochrones on demand: a new layer on the map
    page.get_by_text("Isochrones 30\u00a0min").click()
    deadline = time.monotonic() + 240
    labels: list[str] = []
    while time.monotonic() < deadline:
        try:
            labels = _map_frame(page).eval_on_selector_all(
                ".leaflet-control-layers-overlays label", "ls => ls.map(l => l.textContent.trim())")
        except Exception:  # the map iframe remounts while the script reruns
            labels = []
        if "● Accessible en 30\u00a0min" in labels:
            break
        page.wait_for_timeout(500)
    else:
        raise AssertionError(f"couche d'isochrones absente : {labels}")

    # a second session, caches warm: what a user opening the app meets
    context = page.context.browser.new_context(locale="fr-FR", viewport={"width": 1440, "height": 1000})
    other = context.new_page()
    other.route("**/*", _offline_routes(server))
    started = time.perf_counter()
    other.goto(server)
    other.wait_for_selector('[data-testid="stMetric"]', timeout=120_000)
    metrics = time.perf_counter() - started
    _map_frame(other)
    warm = time.perf_counter() - started
    context.close()
    print(f"\nCouverture (Corse), navigateur : carte affichée en {first:.1f} s au premier lancement, "
          f"{warm:.1f} s à chaud (indicateurs en {metrics:.1f} s)")


@pytest.mark.parametrize(
    ("path", "name", "marker"),
    [
        ("zones", "2_zones", "Zones mal desservies"),
        ("fiche", "5_fiche_territoire", "Fiche territoire"),
        ("donnees", "6_donnees", "Données"),
        ("modes", "4_modes", "Modes d'intervention"),
    ],
)
def test_each_page_renders(page, server, screenshots, path: str, name: str, marker: str) -> None:
    page.goto(f"{server}/{path}")
    page.wait_for_selector(f"h1:has-text(\"{marker}\")", timeout=180_000)
    if path in ("zones", "fiche"):
        frame = _map_frame(page)
        assert frame.query_selector(".leaflet-container")
    _settle(page)
    if path == "modes":
        page.get_by_role("button", name="Comparer les modes").click()
        page.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=300_000)
        _settle(page)
        page.locator('[data-testid="stVegaLiteChart"]').scroll_into_view_if_needed()
    assert not page.query_selector('[data-testid="stException"]')
    assert "erreur inattendue" not in page.text_content("body")
    assert not page.errors, page.errors
    _shot(page, screenshots, name)


def test_itinerance_runs_a_plan_and_downloads_the_gpx(page, server, screenshots, tmp_path) -> None:
    import gpxpy

    page.goto(f"{server}/itinerance")
    page.wait_for_selector('h1:has-text("Itinérance")', timeout=180_000)
    _settle(page)
    started = time.perf_counter()
    page.get_by_role("button", name="Calculer le plan").click()
    page.wait_for_selector('h3:has-text("Planning")', timeout=300_000)
    _settle(page)
    print(f"\nItinérance (Corse, 2 conseillers, 12 arrêts) : plan affiché en {time.perf_counter() - started:.1f} s")
    frame = _map_frame(page)
    page.locator(MAP_IFRAME).first.scroll_into_view_if_needed()
    _shot(page, screenshots, "3_itinerance")
    markers = frame.eval_on_selector_all(".planner-stop", "ms => ms.map(m => m.textContent.trim())")
    stops = [m for m in markers if m != "B"]
    assert stops and all(m.isdigit() for m in stops) and "B" in markers
    with page.expect_download() as info:
        page.get_by_role("button", name="GPS (GPX)").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "tournees.gpx"
    gpx = gpxpy.parse(path.read_text("utf-8"))
    points = [p for track in gpx.tracks for segment in track.segments for p in segment.points]
    assert gpx.tracks and len(points) >= 2
    assert all(41.3 < p.latitude < 43.1 and 8.5 < p.longitude < 9.6 for p in points)  # Corsica
    assert len(gpx.waypoints) == len(stops)  # one waypoint per numbered stop of the map
    assert not page.errors, page.errors
