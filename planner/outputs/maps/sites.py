"""Sites on a map: one toggleable layer per network, filled markers of the network's colour
and shape, clustered (locally: Leaflet.markercluster is vendored) when a network is dense,
and a legend with the count of each network shown.

Popups are escaped HTML (:func:`html_text` for every piece from data), bound in the browser
from a compact array (no GeoJSON, no template compiled per site).
"""

from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.elements import JSCSSMixin
from folium.template import Template

from planner import fr
from planner.data import hours
from planner.data.schema import NETWORKS
from planner.outputs.escape import html_attr, html_text
from planner.outputs.maps.base import add_legend, layer_name, network_colour, network_label
from planner.outputs.maps.offline import asset_uri
from planner.outputs.maps.symbols import MARKER_PX, network_shape, shape_svg, text_colour

#: Above this many points a network layer is clustered.
CLUSTER_ABOVE = 300


def site_popup(row: pd.Series, detail: bool = True) -> str:
    """Return the escaped HTML popup of a site (name, network and kind only unless ``detail``)."""
    label = network_label(row.get("network"))
    if not detail:
        return f"<b>{html_text(row.get('name'))}</b><br>{html_text(label)} — {html_text(row.get('kind'))}"
    opening = row.get("opening_hours")
    address = " ".join(str(x) for x in (row.get("address"), row.get("postcode")) if x is not None and x == x)
    parts = [
        f"<b>{html_text(row.get('name'))}</b>",
        f"{html_text(label)} — {html_text(row.get('kind'))}",
        html_text(address),
        f"Horaires : {html_text(hours.to_text(opening if isinstance(opening, dict) else None))}",
        f"<small>Source : {html_text(row.get('source'))}, {html_text(row.get('vintage'))}</small>",
    ]
    approximate = row.get("approximate")
    if approximate is not None and approximate == approximate and bool(approximate):
        parts.append("<small><i>Position approximative</i></small>")
    return "<br>".join(p for p in parts if p)


_SITES = Template(
    """
{% macro script(this, kwargs) %}
(function (group) {
    var half = {{ this.size // 2 }};
    var icon = L.divIcon({className: "planner-site", html: {{ this.svg|tojson }},
        iconSize: [{{ this.size }}, {{ this.size }}], iconAnchor: [half, half], popupAnchor: [0, -half]});
    var rows = {{ this.rows|tojson }};
    var markers = rows.map(function (r) {
        return L.marker([r[0], r[1]], {icon: icon, keyboard: false, riseOnHover: true})
            .bindPopup(r[2], {maxWidth: 320});
    });
    {%- if this.cluster %}
    var clusters = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 45,
        iconCreateFunction: function (cluster) {
            return L.divIcon({className: "planner-cluster", iconSize: [34, 34],
                html: {{ this.cluster_html|tojson }} + cluster.getChildCount().toLocaleString("fr-FR") + "</div>"});
        }});
    clusters.addLayers(markers);
    group.addLayer(clusters);
    {%- else %}
    markers.forEach(function (m) { group.addLayer(m); });
    {%- endif %}
})({{ this._parent.get_name() }});
{% endmacro %}
"""
)


class SiteMarkers(JSCSSMixin):
    """The markers of one network: filled symbols, clustered when ``cluster``."""

    _template = _SITES

    def __init__(self, rows: list[list], colour: str, shape: str, cluster: bool) -> None:
        super().__init__()
        self._name = "SiteMarkers"
        self.rows, self.cluster, self.size = rows, cluster, MARKER_PX
        self.svg = shape_svg(shape, colour)
        self.cluster_html = f'<div style="background:{html_attr(colour)};color:{text_colour(colour)}">'
        self.default_js = [("markerclusterjs", asset_uri("leaflet.markercluster.js"))] if cluster else []
        self.default_css = [("markerclustercss", asset_uri("MarkerCluster.css"))] if cluster else []


def add_sites(
    fmap: folium.Map,
    sites: gpd.GeoDataFrame,
    show: Iterable[str] | None = None,
    cluster_above: int = CLUSTER_ABOVE,
    detail: bool = True,
    legend: bool = True,
) -> None:
    """Add one toggleable layer per network, in its colour and shape, clustered when dense.

    Parameters
    ----------
    fmap
        The map.
    sites
        Canonical sites (EPSG:4326).
    show
        Networks whose layer is shown at first (others are listed, unticked); all if None.
    cluster_above
        A network with more sites than this is drawn as marker clusters.
    detail
        Full popups (address, hours, source); otherwise name, network and kind only
        (lighter maps for France-wide views).
    legend
        Add a legend: each network's symbol, name and number of sites on the map.
    """
    show = set(show) if show is not None else None
    order = {n: i for i, n in enumerate(NETWORKS)}
    groups = sorted(sites.groupby("network", sort=False), key=lambda g: order.get(g[0], len(order)))
    entries = []
    for network, group in groups:
        colour, shape, label = network_colour(network), network_shape(network), network_label(network)
        layer = folium.FeatureGroup(name=layer_name(label, colour, len(group), shape),
                                    show=show is None or network in show)
        popups = [site_popup(row, detail) for _, row in group.iterrows()]
        points = np.column_stack([group.geometry.y, group.geometry.x])
        rows = [[round(float(y), 6), round(float(x), 6), p] for (y, x), p in zip(points, popups)]
        SiteMarkers(rows, colour, shape, cluster=len(group) > cluster_above).add_to(layer)
        layer.add_to(fmap)
        entries.append((colour, f"{label} : {fr.integer(len(group))}", shape))
    if legend and entries:
        add_legend(fmap, "Lieux sur la carte", entries, position="bottomleft")  # above the scale bar
