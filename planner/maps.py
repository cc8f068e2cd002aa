"""Folium maps shared by the app, the notebook and the reports.

Every map carries the attribution of OpenStreetMap and of each data source shown,
with its vintage. Every name that comes from data is HTML-escaped before it reaches
a popup or a tooltip.
"""

from __future__ import annotations

import html
import json
from typing import Iterable, Sequence

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium import plugins

from planner import hours
from planner.schema import NETWORKS
from planner.settings import CRS_WGS84

OSM_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
#: Above this many points a network layer is clustered.
CLUSTER_ABOVE = 300
#: Geometry simplification tolerance for commune polygons on maps (degrees, ~50 m).
SIMPLIFY_DEG = 0.0005


def esc(value: object) -> str:
    """Escape a value for HTML (``None``/NaN become an empty string)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def base_map(bounds: Sequence[float], attributions: Iterable[str] = ()) -> folium.Map:
    """Return a map fitted to ``bounds`` (minx, miny, maxx, maxy) with full attribution."""
    attr = " | ".join([OSM_ATTRIBUTION, *dict.fromkeys(a for a in attributions if a)])
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    folium.TileLayer("OpenStreetMap", name="Fond OpenStreetMap", attr=esc(attr), control=False).add_to(fmap)
    minx, miny, maxx, maxy = bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def site_popup(row: pd.Series) -> str:
    """Return the escaped HTML popup of a site."""
    label = NETWORKS.get(row.get("network"), (row.get("network"), ""))[0]
    opening = row.get("opening_hours")
    parts = [
        f"<b>{esc(row.get('name'))}</b>",
        f"{esc(label)} — {esc(row.get('kind'))}",
        esc(" ".join(str(x) for x in (row.get("address"), row.get("postcode")) if x and x == x)),
        f"Horaires : {esc(hours.to_text(opening if isinstance(opening, dict) else None))}",
        f"<small>Source : {esc(row.get('source'))}, {esc(row.get('vintage'))}</small>",
    ]
    if row.get("approximate"):
        parts.append("<small><i>Position approximative</i></small>")
    return "<br>".join(p for p in parts if p)


def add_sites(fmap: folium.Map, sites: gpd.GeoDataFrame, show: Iterable[str] | None = None) -> None:
    """Add one toggleable layer per network, coloured consistently, clustered when dense."""
    show = set(show) if show is not None else None
    for network, group in sites.groupby("network", sort=False):
        label, colour = NETWORKS.get(network, (network, "#333333"))
        layer = folium.FeatureGroup(name=f"{esc(label)} ({len(group)})", show=show is None or network in show)
        popups = [site_popup(row) for _, row in group.iterrows()]
        points = np.column_stack([group.geometry.y, group.geometry.x])
        if len(group) > CLUSTER_ABOVE:
            callback = (
                "function (row) { var m = L.circleMarker(new L.LatLng(row[0], row[1]), "
                f"{{radius: 6, color: '{colour}', fillColor: '{colour}', fillOpacity: 0.85, weight: 1}});"
                " m.bindPopup(row[2]); return m; }"
            )
            data = [[float(y), float(x), p] for (y, x), p in zip(points, popups)]
            plugins.FastMarkerCluster(data, callback=callback).add_to(layer)
        else:
            for (y, x), popup in zip(points, popups):
                folium.CircleMarker(
                    location=[float(y), float(x)], radius=6, color=colour, weight=1,
                    fill=True, fill_color=colour, fill_opacity=0.85,
                    popup=folium.Popup(popup, max_width=320),
                ).add_to(layer)
        layer.add_to(fmap)


def add_choropleth(
    fmap: folium.Map,
    communes: gpd.GeoDataFrame,
    column: str,
    caption: str,
    bins: Sequence[float],
    colours: Sequence[str] = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027"),
    unit: str = "",
) -> None:
    """Add a classed commune choropleth of ``column`` with a legend and escaped tooltips."""
    colormap = cm.StepColormap(list(colours)[: len(bins) - 1], index=list(bins), vmin=bins[0], vmax=bins[-1], caption=caption)
    frame = communes[["insee", "name", column, "geometry"]].copy()
    frame["geometry"] = frame.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
    frame["label"] = [
        f"{esc(n)} ({esc(i)}) : " + ("n. d." if pd.isna(v) else f"{v:,.0f}".replace(",", " ") + unit)
        for n, i, v in zip(frame["name"], frame["insee"], frame[column])
    ]
    data = json.loads(frame.drop(columns=["name"]).to_json(drop_id=True))

    def style(feature: dict) -> dict:
        value = feature["properties"].get(column)
        fill = "#bdbdbd" if value is None else colormap(min(max(value, bins[0]), bins[-1]))
        return {"fillColor": fill, "color": "#555555", "weight": 0.4, "fillOpacity": 0.6}

    folium.GeoJson(
        data, name=esc(caption), style_function=style,
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(fmap)
    colormap.add_to(fmap)


def territory_map(
    communes: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    attributions: Iterable[str] = (),
    choropleth: tuple[str, str, Sequence[float]] | None = None,
) -> folium.Map:
    """Return a map of a territory's communes (outline or choropleth) and sites."""
    fmap = base_map(communes.total_bounds, attributions)
    if choropleth:
        column, caption, bins = choropleth
        add_choropleth(fmap, communes, column, caption, bins)
    else:
        outline = communes[["insee", "name", "geometry"]].copy()
        outline["geometry"] = outline.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
        outline["label"] = [f"{esc(n)} ({esc(i)})" for n, i in zip(outline["name"], outline["insee"])]
        folium.GeoJson(
            json.loads(outline.drop(columns=["name"]).to_crs(CRS_WGS84).to_json(drop_id=True)),
            name="Communes",
            style_function=lambda _: {"fillOpacity": 0.05, "color": "#37474f", "weight": 0.6},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(fmap)
    add_sites(fmap, sites)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap
