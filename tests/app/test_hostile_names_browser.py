"""Hostile names never run as script: in the app (a real browser) and in every HTML export.

A MADE-UP file of sites (its file name hostile too) whose names, kinds, addresses and
opening hours are a corpus of script-injection payloads (``<script>``, ``<img onerror>``,
``${…}``, backticks, quotes, ``</script>``, ``"><svg onload>``, Streamlit markdown
directives) is uploaded on the
Données page; the sites then join every page. Some are chosen by hand as stops of an
itinerant plan (Itinérance). Every page is opened (Couverture, Zones, Itinérance,
Modes, Fiche territoire, Données), every popup and tooltip of every map is opened, the
route sheet and territory sheet HTML downloads and saved folium maps (sites, plan,
choropleth, zones with hostile names) are loaded in the browser. Nothing may open a
dialog (``page.on("dialog")``) and no injected element may exist in any frame; the
hostile names must be shown as the text they are.

Served like ``test_app_browser.py`` (``streamlit run app.py`` on 127.0.0.1, Debian
chromium headless, Leaflet answered locally: offline).
"""

from __future__ import annotations

import csv
import functools
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from tests.app.test_app_browser import _map_frame, _offline_routes, _settle, browser, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

#: The corpus: each payload would open a dialog (or inject an element) if it ran.
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "`;alert(1);`",
    "${alert(1)}",
    "\"><svg onload=alert(1)>",
    "'><svg onload=alert(1)>",
    "</script><script>alert(1)</script>",
    "`${alert(1)}`",
    "'-alert(1)-'",
    "\\\"-alert(1)}//",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    ":red[rouge] [lien](javascript:alert(1)) $x$ **gras**",
]
#: Communes (INSEE) where the hostile sites are put, a few metres from the town hall:
#: Ajaccio (the Fiche territoire's default commune) and Bastia, so that they are nearby
#: permanences; the two most populous underserved communes (30 min, default networks)
#: are added by :func:`_places`, so that stops chosen there serve demand.
PLACES = ["2A004", "2B033"]
#: The uploaded file's name is hostile too: it becomes the sites' source, shown on maps,
#: sheets, buttons and messages.
UPLOAD_NAME = "sites <img src=x onerror=alert(1)> ${alert(1)}.csv"
#: Sites in the underserved communes (``i % 4`` in 2, 3): the stops chosen by hand.
STOPS = (2, 3, 6, 7, 11)

#: In a frame: elements a payload would have injected, and scripts holding only a payload.
INJECTED_JS = """() => {
    const found = [];
    const selectors = ['img[src="x"]', 'svg[onload]', '[onerror]', 'iframe[src^="javascript"]',
                       'a[href^="javascript"]'];
    for (const el of document.querySelectorAll(selectors.join(','))) found.push(el.outerHTML.slice(0, 160));
    for (const s of document.querySelectorAll('script')) {
        if (/^\\s*alert\\(1\\)/.test(s.textContent)) found.push('script: ' + s.textContent.slice(0, 80));
    }
    return found;
}"""

#: In a Leaflet frame: open every popup and tooltip of every layer on the map (and of
#: every overlay, ticked first), return their texts.
OPEN_ALL_JS = """() => {
    for (const input of document.querySelectorAll('.leaflet-control-layers-overlays input')) {
        if (!input.checked) input.click();
    }
    const texts = [];
    for (const key of Object.keys(window)) {
        let map;
        try { map = window[key]; } catch (e) { continue; }
        if (!(window.L && map instanceof L.Map)) continue;
        map.eachLayer(layer => {
            try {
                if (layer.getPopup && layer.getPopup()) {
                    layer.openPopup();
                    const el = layer.getPopup().getElement();
                    if (el) texts.push(el.textContent);
                }
                if (layer.getTooltip && layer.getTooltip()) {
                    layer.openTooltip();
                    const el = layer.getTooltip().getElement();
                    if (el) texts.push(el.textContent);
                }
            } catch (e) { /* a layer without position: skip */ }
        });
    }
    return texts;
}"""


@functools.lru_cache(maxsize=1)
def _places() -> tuple[str, ...]:
    """Ajaccio, Bastia and the two most populous communes beyond 30 min of any help."""
    import planner as pl

    communes = pl.coverage(pl.select("2A,2B"), threshold=30).communes
    far = communes[communes["minutes"] > 30].sort_values("population", ascending=False)
    return (*PLACES, *far["insee"].head(2))


def _sites_file(folder: Path) -> Path:
    """The MADE-UP upload: one site per payload, name/kind/address/hours hostile."""
    from planner.data.sources.communes import load_communes

    halls = load_communes().set_index("insee")["town_hall"]
    places = _places()
    path = folder / UPLOAD_NAME
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["nom", "type", "adresse", "code_insee", "latitude", "longitude", "horaires"])
        for i, payload in enumerate(HOSTILE):
            insee = places[i % len(places)]
            hall = halls[insee]
            hours = "Mo-Fr 08:00-18:00" if i % 2 == 0 else payload
            writer.writerow([f"H{i:02d} {payload}", payload, payload, insee,
                             f"{hall.y + 0.0005 * (i + 1):.6f}", f"{hall.x + 0.0005 * (i + 1):.6f}", hours])
    return path


@pytest.fixture
def tab(browser, server):  # noqa: F811
    """A French tab with offline map resources, recording dialogs and page errors."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.route("**/*", _offline_routes(server))
    page.dialogs = []
    page.errors = []

    def on_dialog(dialog) -> None:
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda m: page.errors.append(f"console: {m.text[:300]}") if m.type == "error" else None)
    yield page
    context.close()


def _check_frames(page, where: str) -> None:
    """No dialog so far, and no injected element in any frame of the page."""
    page.wait_for_timeout(500)
    for frame in page.frames:
        if frame.is_detached():
            continue
        try:
            found = frame.evaluate(INJECTED_JS)
        except Exception:  # a frame remounting while Streamlit reruns
            continue
        assert not found, f"{where} : élément injecté dans {frame.url[:80]} : {found}"
    assert not page.dialogs, f"{where} : dialogue ouvert : {page.dialogs}"


def _open_map_layers(page, where: str) -> list[str]:
    """Open every popup and tooltip of the page's Leaflet map; their texts."""
    try:
        frame = _map_frame(page)
    except AssertionError as exc:  # say why: a script error in the map is an escaping hole
        frames = [f.url[:60] for f in page.frames]
        raise AssertionError(f"{where} : {exc} ; erreurs : {page.errors} ; cadres : {frames}") from None
    texts = frame.evaluate(OPEN_ALL_JS)
    page.wait_for_timeout(800)  # an <img onerror> would fire now
    _check_frames(page, where)
    return texts


def _go(page, title: str, marker: str) -> None:
    """Go to a page through the sidebar (the session, with its upload, is kept)."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.wait_for_selector(f'h1:has-text("{marker}")', timeout=240_000)
    _settle(page)


def _check_html(page, html: str, where: str) -> tuple[str, list[str]]:
    """Load an exported HTML document in a fresh tab of the same context; its visible
    text and the texts of its map's popups and tooltips (all opened)."""
    other = page.context.new_page()
    other.dialogs = page.dialogs
    other.on("dialog", lambda d: (page.dialogs.append(f"{where} {d.type}: {d.message}"), d.dismiss()))
    other.route("**/*", _offline_routes("http://127.0.0.1:9"))
    other.set_content(html, wait_until="load")
    other.wait_for_timeout(800)
    try:
        texts: list[str] = []
        if other.query_selector(".leaflet-container"):
            texts = other.evaluate(OPEN_ALL_JS)
            other.wait_for_timeout(800)
        found = other.evaluate(INJECTED_JS)
        assert not found, f"{where} : élément injecté : {found}"
        assert not page.dialogs, f"{where} : dialogue ouvert : {page.dialogs}"
        return other.inner_text("body"), texts
    finally:
        other.close()


def _download(page, button: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).first.click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_hostile_names_on_every_page_and_export(tab, server, tmp_path) -> None:  # noqa: F811
    page = tab
    started = time.perf_counter()
    upload = _sites_file(tmp_path)
    page.goto(server)
    _map_frame(page)
    _settle(page)

    # Données: the upload (its load report lists the hostile hours texts)
    _go(page, "Données", "Données")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    page.wait_for_selector('h3:has-text("Couches ajoutées")', timeout=240_000)
    _settle(page)
    page.get_by_text("Rapport de chargement — sites").first.click()
    _settle(page)
    _check_frames(page, "Données")
    assert UPLOAD_NAME in page.inner_text("body")  # shown as typed
    assert f"Compter les sites ajoutés ({len(HOSTILE)})" in page.inner_text("body")

    # Couverture: the added sites' layer, every popup and tooltip opened
    _go(page, "Couverture", "Couverture")
    texts = _open_map_layers(page, "Couverture")
    joined = "\n".join(texts)
    for payload in HOSTILE:  # shown as typed, in the popups of the added sites
        assert payload.strip() in joined, f"« {payload} » absent des bulles de la carte"

    # Zones mal desservies
    _go(page, "Zones mal desservies", "Zones mal desservies")
    _open_map_layers(page, "Zones")

    # Modes d'intervention (opened; the comparison itself shows no site name)
    _go(page, "Modes d'intervention", "Modes d'intervention")
    _check_frames(page, "Modes")

    # Fiche territoire (Ajaccio): its map and its HTML download
    _go(page, "Fiche territoire", "Fiche territoire")
    _open_map_layers(page, "Fiche territoire")
    fiche = _download(page, "Télécharger la fiche (HTML, imprimable)", tmp_path)
    body, _ = _check_html(page, fiche.read_text("utf-8"), "fiche territoire HTML")
    assert "H00 <script>alert(1)</script>" in body or 'H04 "><svg onload=alert(1)>' in body, body[:2000]

    # Itinérance: the hostile sites as stops chosen by hand
    page.get_by_text("Compter les sites ajoutés").click()  # candidates only: their stops serve demand
    _settle(page)
    _go(page, "Itinérance", "Itinérance")
    page.get_by_text("à la main (liste ci-contre)").click()
    chooser = page.locator('[data-testid="stMultiSelect"]', has_text="Arrêts choisis à la main")
    for i in STOPS:
        chooser.locator("input").click()
        chooser.locator("input").fill(f"H{i:02d} ")
        page.locator('[role="option"]').first.click()
    page.keyboard.press("Escape")
    # 1-hour permanences: the stops (Sisco, Linguizzetta, Bastia) are 1 h 55 from the
    # Ajaccio base, and a 3-hour one would not fit around the lunch break in a day
    duration = page.locator('[data-testid="stSlider"]', has_text="Durée d'une permanence").get_by_role("slider")
    duration.focus()
    duration.press("Home")  # the shortest permanence offered
    _settle(page)
    page.get_by_role("button", name="Calculer le plan").click()
    page.wait_for_selector('h3:has-text("Planning")', timeout=240_000)
    _settle(page)
    texts = _open_map_layers(page, "Itinérance")
    joined = "\n".join(texts)
    assert any(f"H{i:02d} {HOSTILE[i]}" in joined for i in STOPS), joined[:2000]
    sheet = _download(page, "HTML imprimable", tmp_path)
    body, _ = _check_html(page, sheet.read_text("utf-8"), "feuille de route HTML")
    assert any(f"H{i:02d} {HOSTILE[i]}" in body for i in STOPS), body[:2000]

    assert not page.dialogs, page.dialogs
    print(f"\nnoms hostiles : {len(HOSTILE)} charges, 6 pages et 2 exports HTML vérifiés en "
          f"{time.perf_counter() - started:.0f} s, aucun dialogue")


def test_saved_maps_with_hostile_names_run_nothing(tab, tmp_path) -> None:
    """Saved folium maps (``Map.save``) of hostile sites, a hostile plan, hostile communes and zones."""
    from planner.data.sources.user_files import load_user_file
    from planner.outputs import maps

    page = tab
    sites, _ = load_user_file(_sites_file(tmp_path))
    assert len(sites) == len(HOSTILE)
    bounds = sites.total_bounds
    box = shapely.box(*bounds).buffer(0.05)
    communes = gpd.GeoDataFrame({"insee": ["2A004"], "name": [HOSTILE[0]], "minutes": [12.0]},
                                geometry=[box], crs="EPSG:4326")
    zones = gpd.GeoDataFrame({"zone_id": [HOSTILE[2]], "population": [10], "unmet_demand": [1.5],
                              "commune_names": [[h for h in HOSTILE]]}, geometry=[box], crs="EPSG:4326")
    first = sites.iloc[0].geometry
    days = pd.DataFrame({"advisor": [1], "advisor_name": [HOSTILE[4]], "week": [1], "day": ["lun"],
                         "base": [HOSTILE[5]], "base_lat": [first.y], "base_lon": [first.x], "route": [None]})
    visits = pd.DataFrame({
        "advisor": [1, 1], "advisor_name": [HOSTILE[4]] * 2, "week": [1, 1], "day": ["lun", "lun"],
        "order": [1, 2], "name": [HOSTILE[2], HOSTILE[3]], "lat": sites.geometry.y[:2].tolist(),
        "lon": sites.geometry.x[:2].tolist(), "start": [HOSTILE[6], "10:00"], "end": ["12:00", HOSTILE[9]],
        "arrival": ["09:30", HOSTILE[2]],
    })
    fmap = maps.base_map(bounds, [HOSTILE[1], *maps.source_attributions(sites)])
    maps.add_choropleth(fmap, communes, "minutes", HOSTILE[7], maps.TIME_BINS, unit="min")
    maps.add_zones(fmap, zones, selected=HOSTILE[2], name=HOSTILE[5])
    maps.add_sites(fmap, sites)
    maps.add_sites(fmap, sites.assign(network="la_poste"), cluster_above=2)  # clustered markers
    maps.add_plan(fmap, visits, days)
    maps.add_layer_control(fmap)
    saved = tmp_path / "carte.html"
    fmap.save(str(saved))
    body, texts = _check_html(page, saved.read_text("utf-8"), "carte enregistrée")
    joined = "\n".join([body, *texts])
    for payload in HOSTILE:  # each shown as typed somewhere: popups, tooltips, legend, layers
        assert payload.strip() in joined, f"« {payload} » absent de la carte enregistrée"
    assert not page.dialogs, page.dialogs
