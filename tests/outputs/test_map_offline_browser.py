"""Maps in headless chromium with every request to another host blocked (as offline or on an
intranet): they render, load nothing from elsewhere and log no error.

Real data: the Corsica coverage map (crow-fly, so that communes « à confirmer » are drawn),
and 2B + Lozère with every network (the town halls, 388, are clustered). The plan is
MADE-UP (one advisor, three days of three stops). Skipped without ``/usr/bin/chromium`` or
Playwright (failed under ``CI=true``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from planner.data.schema import NETWORKS
from planner.outputs import maps
from planner.outputs.route_sheet import DAY_COLOURS
from tests.outputs.test_map_browser import ARGS, CHROMIUM, _browser_parts

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

#: What a person sees, read through Leaflet and the DOM.
_STATE = """() => {
    const name = Object.keys(window).find(k => k.startsWith("map_") && window[k] instanceof L.Map);
    const map = window[name];
    let polygons = 0, dashed = 0, markers = 0;
    map.eachLayer(layer => {
        if (layer instanceof L.Polygon) { polygons += 1; if (layer.options.dashArray === "5 4") dashed += 1; }
        if (layer instanceof L.Marker) markers += 1;
    });
    const box = map.getContainer().getBoundingClientRect();
    const controls = Array.from(document.querySelectorAll(".leaflet-control")).map(c => {
        const r = c.getBoundingClientRect(); return r.width * r.height; });
    const fills = Array.from(document.querySelectorAll(".planner-site svg path:last-child")).map(p => {
        const s = getComputedStyle(p); return [p.getAttribute("fill"), parseFloat(s.fillOpacity)]; });
    const toggle = document.querySelector(".leaflet-control-layers-toggle");
    return {
        containers: document.querySelectorAll(".leaflet-container").length,
        polygons, dashed, markers, fills,
        sites: document.querySelectorAll(".planner-site").length,
        clusters: Array.from(document.querySelectorAll(".planner-cluster")).map(c => c.textContent),
        scale: Array.from(document.querySelectorAll(".leaflet-control-scale-line")).map(e => e.textContent),
        legends: Array.from(document.querySelectorAll(".planner-legend details")).map(d => [d.open, d.textContent]),
        expanded: document.querySelectorAll(".leaflet-control-layers-expanded").length,
        toggle: toggle ? [toggle.textContent, getComputedStyle(toggle).backgroundImage.slice(0, 26)] : null,
        covered: controls.reduce((a, b) => a + b, 0) / (box.width * box.height),
        stops: Array.from(document.querySelectorAll(".planner-stop div[data-day]")).map(d =>
            [d.dataset.advisor, d.dataset.week, d.dataset.day, d.textContent, getComputedStyle(d).backgroundColor]),
    };
}"""


def _open(html: str, tmp_path: Path, width: int = 1200, height: int = 800) -> tuple[dict, list[str], list[str]]:
    """Open a map page with every other host blocked; its state, blocked URLs and errors."""
    sync_playwright, _ = _browser_parts()
    path = tmp_path / "carte.html"
    path.write_text(html, encoding="utf-8")
    elsewhere: list[str] = []
    errors: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith(("file:", "data:", "http://127.0.0.1")):
            return request_route.continue_()
        elsewhere.append(url)
        return request_route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", route)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(path.as_uri())
            page.wait_for_selector(".leaflet-control-scale-line", timeout=30_000)
            page.wait_for_timeout(1500)  # clusters are added in chunks
            state = page.evaluate(_STATE)
        finally:
            browser.close()
    return state, elsewhere, errors


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _metric(scale: list[str]) -> bool:
    return len(scale) == 1 and re.fullmatch(r"\d+ (m|km)", scale[0]) is not None


@pytest.fixture(scope="module")
def crow_fly_coverage(corsica):
    from planner.access.coverage import compute_coverage
    from planner.travel.model import model_for

    return compute_coverage(corsica, threshold=30, travel=model_for(corsica, travel="crow_fly"))


def test_corsica_coverage_map_renders_offline_with_filled_network_markers(crow_fly_coverage, tmp_path) -> None:
    coverage = crow_fly_coverage
    communes = coverage.communes
    fmap = maps.base_map(communes.total_bounds, maps.source_attributions(coverage.sites))
    maps.add_choropleth(fmap, communes, "minutes", "Temps d'accès", maps.TIME_BINS, unit="min")
    maps.add_zones(fmap, coverage.zones)
    maps.add_sites(fmap, coverage.sites)
    maps.add_layer_control(fmap)
    state, elsewhere, errors = _open(maps.standalone_html(fmap), tmp_path)
    assert elsewhere == [] and errors == []
    assert state["containers"] == 1
    uncertain = int(communes["uncertain"].sum())
    assert uncertain > 0 and state["dashed"] == uncertain  # « à confirmer » outlines
    assert state["polygons"] >= len(communes) + uncertain
    assert state["sites"] == state["markers"] == len(coverage.sites)
    colours = {NETWORKS[n][1] for n in coverage.sites["network"]}
    assert {fill for fill, _ in state["fills"]} == colours
    assert all(opacity > 0 for _, opacity in state["fills"])  # filled, not hollow rings
    assert _metric(state["scale"]), state["scale"]
    legends = " | ".join(text for _, text in state["legends"])
    assert "Lieux sur la carte" in legends and maps.UNCERTAIN_LABEL in legends
    assert all(opened for opened, _ in state["legends"]) and state["expanded"] == 1  # a large map


def test_sheet_sized_map_keeps_its_controls_out_of_the_way(crow_fly_coverage, tmp_path) -> None:
    """At the territory sheet's 360 px, the layer control is a labelled « Couches » button and
    the legends are folded: the controls cover little of the map."""
    coverage = crow_fly_coverage
    place = coverage.communes[coverage.communes["insee"].str.startswith("2A0")]
    fmap = maps.base_map(place.total_bounds)
    maps.add_choropleth(fmap, place, "minutes", "Temps d'accès depuis la mairie", maps.TIME_BINS, unit="min")
    maps.add_sites(fmap, coverage.sites)
    maps.add_layer_control(fmap)
    state, elsewhere, errors = _open(maps.standalone_html(fmap), tmp_path, width=700, height=360)
    assert elsewhere == [] and errors == []
    assert state["expanded"] == 0
    assert state["toggle"] == ["Couches", 'url("data:image/png;base64']  # never a blank square
    assert state["legends"] and not any(opened for opened, _ in state["legends"])
    assert state["covered"] < 0.15, state["covered"]
    assert _metric(state["scale"])


def test_map_of_more_than_300_sites_clusters_locally(real_data, tmp_path) -> None:
    from planner.data.sites import load_sites
    from planner.territory import select

    territory = select("2B,48")
    sites, _ = load_sites(["town_hall", "la_poste", "france_services"])
    sites = sites[sites["insee"].isin(territory.communes["insee"])]
    counts = sites["network"].value_counts()
    assert counts.max() > maps.CLUSTER_ABOVE  # the town halls
    fmap = maps.base_map(territory.communes.total_bounds, maps.source_attributions(sites))
    maps.add_outline(fmap, territory.communes)
    maps.add_sites(fmap, sites)
    maps.add_layer_control(fmap)
    state, elsewhere, errors = _open(maps.standalone_html(fmap), tmp_path)
    assert elsewhere == [] and errors == []  # no « L.markerClusterGroup is not a function »
    assert state["polygons"] == len(territory.communes)
    assert state["clusters"] and all(text.isdigit() for text in state["clusters"])
    assert state["sites"] > 0
    assert _metric(state["scale"])


def _made_up_plan() -> tuple[pd.DataFrame, pd.DataFrame]:
    """MADE-UP: one advisor based in Corte, three days of three stops each (no road route)."""
    rows = []
    for d, day in enumerate(("lun", "mar", "jeu")):
        for order in (1, 2, 3):
            rows.append({"advisor": 1, "advisor_name": "Conseiller 1", "week": 1, "day": day, "order": order,
                         "name": f"Lieu {day} {order}", "lon": 9.0 + 0.12 * d, "lat": 42.0 + 0.08 * order,
                         "arrival": "09:00", "start": "09:00", "end": "11:00"})
    days = pd.DataFrame({"advisor": [1, 1, 1], "advisor_name": ["Conseiller 1"] * 3, "week": [1, 1, 1],
                         "day": ["lun", "mar", "jeu"], "base": ["Mairie de Corte"] * 3,
                         "base_lon": [9.15] * 3, "base_lat": [42.31] * 3, "route": [None] * 3})
    return pd.DataFrame(rows), days


def test_plan_map_numbers_stops_per_day_in_day_colours(tmp_path) -> None:
    visits, days = _made_up_plan()
    fmap = maps.base_map((8.9, 41.9, 9.4, 42.4))
    maps.add_plan(fmap, visits, days)
    maps.add_layer_control(fmap)
    state, elsewhere, errors = _open(maps.standalone_html(fmap), tmp_path)
    assert elsewhere == [] and errors == []
    by_day: dict[str, list[str]] = {}
    colours: dict[str, set[str]] = {}
    for _advisor, _week, day, number, colour in state["stops"]:
        by_day.setdefault(day, []).append(number)
        colours.setdefault(day, set()).add(colour)
    assert {day: sorted(n) for day, n in by_day.items()} == {d: ["1", "2", "3"] for d in ("lun", "mar", "jeu")}
    assert colours == {d: {_rgb(DAY_COLOURS[d])} for d in ("lun", "mar", "jeu")}  # one colour per day
    legend = state["legends"][0][1]
    assert "Couleur : jour de passage" in legend and "lundi — 3 visites" in legend and "jeudi" in legend
    assert _metric(state["scale"])
