"""Map layers of a coverage: choropleths, communes « à confirmer », commune outlines,
underserved zones and isochrones, each with escaped tooltips (sites: :mod:`.sites`).

Tooltips and popups bound from a GeoJSON property are HTML (:func:`html_text` for every
piece from data); polygons are simplified and carry only the properties they show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from planner import fr
from planner.geo import CRS_WGS84
from planner.outputs.escape import html_text
from planner.outputs.maps.base import (
    SIMPLIFY_DEG,
    GeoJsonLayer,
    LegendEntry,
    add_layer_control,
    add_legend,
    base_map,
    geojson,
    layer_name,
)
from planner.outputs.maps.classes import MISSING_COLOUR, SEQUENTIAL, class_labels, classify
from planner.outputs.maps.sites import add_sites

#: Colours of isochrones by threshold rank (light to dark).
ISOCHRONE_COLOURS: tuple[str, ...] = ("#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef")
#: Outline of communes « à confirmer » (crow-fly interval straddling the threshold).
UNCERTAIN_COLOUR = "#1b1b1b"
UNCERTAIN_LABEL = "À confirmer (vol d'oiseau)"
#: Colour of underserved zones, and of the selected one.
ZONE_COLOUR = "#b2182b"
ZONE_SELECTED_COLOUR = "#000000"


def _label(name: object, code: object, value: object, fmt: Callable[[float], str]) -> str:
    number = pd.to_numeric(value, errors="coerce")
    text = fr.MISSING if pd.isna(number) else fmt(float(number))
    return f"{html_text(name)} ({html_text(code)}) : {html_text(text)}"


def add_choropleth(
    fmap: folium.Map,
    communes: gpd.GeoDataFrame,
    column: str,
    caption: str,
    bins: Sequence[float],
    colours: Sequence[str] = SEQUENTIAL,
    unit: str = "",
    *,
    fmt: Callable[[float], str] | None = None,
    key: str = "insee",
    name_column: str = "name",
    digits: int = 0,
    simplify: float = SIMPLIFY_DEG,
    uncertain: bool | None = None,
) -> None:
    """Add a classed choropleth of ``column`` with a legend and escaped tooltips.

    Parameters
    ----------
    fmap
        The map.
    communes
        Areas (communes, or EPCI/départements with ``key`` and ``name_column`` set).
    column
        The value to map; missing values are grey.
    caption
        Layer name and legend title.
    bins
        Class bounds (``len(colours) + 1`` at most); values beyond are put in the end classes.
    colours
        One colour per class.
    unit
        Unit after values and class labels (e.g. ``"min"``), after a no-break space.
    fmt
        Formats a value for the tooltip (default: French number with ``digits`` and ``unit``).
    key, name_column
        Code and name columns shown in the tooltip.
    digits
        Decimals of class labels and default tooltip values.
    simplify
        Simplification tolerance in degrees (0: none).
    uncertain
        Mark the communes « à confirmer » (:func:`add_uncertain`) when ``communes`` has an
        ``uncertain`` column; default: when the value mapped is the access time ``minutes``.
    """
    unit = unit.strip()

    def default(value: float) -> str:
        if not np.isfinite(value):
            return "injoignable"
        return fr.with_unit(value, unit, digits) if unit else fr.number(value, digits)

    fmt = fmt or default
    frame = gpd.GeoDataFrame(
        {"label": [_label(n, c, v, fmt) for n, c, v in zip(communes[name_column], communes[key], communes[column])],
         "fill": classify(communes[column], bins, colours)},
        geometry=communes.geometry.to_crs(CRS_WGS84).to_numpy(), crs=CRS_WGS84,
    )
    frame = frame[frame.geometry.notna()]
    if frame.empty:
        return
    if simplify:
        frame["geometry"] = frame.geometry.simplify(simplify, preserve_topology=True)
    data = geojson(frame)
    GeoJsonLayer(
        data, frame.total_bounds, name=html_text(caption),
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#4d4d4d",
                                  "weight": 0.5, "fillOpacity": 0.65},
        highlight_function=lambda _: {"weight": 2, "color": "#000000"},
    ).add_to(fmap)
    palette = list(colours)[: len(bins) - 1]
    entries: list[LegendEntry] = list(zip(palette, class_labels(bins, unit, digits)))
    if frame["fill"].eq(MISSING_COLOUR).any():
        entries.append((MISSING_COLOUR, "non renseigné"))
    mark = (column == "minutes") if uncertain is None else uncertain
    if mark and "uncertain" in communes.columns and add_uncertain(fmap, communes, simplify=simplify):
        entries.append((UNCERTAIN_COLOUR, UNCERTAIN_LABEL, "dashed"))
    add_legend(fmap, caption, entries)


def _finite(value: object) -> bool:
    number = pd.to_numeric(value, errors="coerce")
    return bool(pd.notna(number) and np.isfinite(float(number)))


def _uncertain_label(row: pd.Series) -> str:
    minutes, low, high = row.get("minutes"), row.get("minutes_low"), row.get("minutes_high")
    value = f" : {fr.duration(float(minutes))}" if _finite(minutes) else ""
    interval = ""
    if _finite(low) and _finite(high):
        interval = f" (entre {fr.duration(float(low))} et {fr.duration(float(high))} selon l'erreur mesurée du vol d'oiseau)"
    return (f"{html_text(row.get('name'))} ({html_text(row.get('insee'))}){html_text(value)} — "
            f"<b>à confirmer</b>{html_text(interval)}")


def add_uncertain(fmap: folium.Map, communes: gpd.GeoDataFrame, simplify: float = SIMPLIFY_DEG) -> bool:
    """Outline the communes « à confirmer » (dashed), whose crow-fly interval straddles the threshold.

    ``communes`` holds ``uncertain`` (bool) and, for the tooltip, ``minutes_low`` and
    ``minutes_high`` (the interval from the measured error of the crow-fly model). The layer
    is toggleable and sits above choropleths; its tooltip says « à confirmer » and the interval.

    Returns
    -------
    Whether any commune was marked.
    """
    flags = communes["uncertain"].astype("boolean").fillna(False).astype(bool)
    chosen = communes[flags.to_numpy()]
    if chosen.empty or chosen.geometry.isna().all():
        return False
    frame = gpd.GeoDataFrame(
        {"label": [_uncertain_label(row) for _, row in chosen.iterrows()]},
        geometry=chosen.geometry.to_crs(CRS_WGS84).to_numpy(), crs=CRS_WGS84,
    )
    frame = frame[frame.geometry.notna()]
    if simplify:
        frame["geometry"] = frame.geometry.simplify(simplify, preserve_topology=True)
    GeoJsonLayer(
        geojson(frame), frame.total_bounds,
        name=layer_name(f"{UNCERTAIN_LABEL} ({fr.plural(len(frame), 'commune')})", UNCERTAIN_COLOUR),
        style_function=lambda _: {"color": UNCERTAIN_COLOUR, "weight": 2.5, "dashArray": "5 4",
                                  "fill": True, "fillOpacity": 0.0, "opacity": 0.95},
        highlight_function=lambda _: {"weight": 4},
    ).add_to(fmap)
    return True


def add_outline(fmap: folium.Map, communes: gpd.GeoDataFrame, name: str = "Communes") -> None:
    """Add commune outlines with escaped name tooltips (no fill)."""
    outline = gpd.GeoDataFrame(
        {"label": [f"{html_text(n)} ({html_text(i)})" for n, i in zip(communes["name"], communes["insee"])]},
        geometry=communes.geometry.to_crs(CRS_WGS84).simplify(SIMPLIFY_DEG, preserve_topology=True).to_numpy(),
        crs=CRS_WGS84,
    )
    outline = outline[outline.geometry.notna()]
    if outline.empty:
        return
    GeoJsonLayer(
        geojson(outline), outline.total_bounds, name=html_text(name),
        style_function=lambda _: {"fillOpacity": 0.05, "color": "#37474f", "weight": 0.6},
    ).add_to(fmap)


def zone_tooltip(zone: pd.Series) -> str:
    """Return the escaped tooltip of an underserved zone."""
    names = list(zone.get("commune_names", []) or [])
    shown = ", ".join(names[:6]) + (f" et {len(names) - 6} autres" if len(names) > 6 else "")
    return (
        f"<b>Zone {html_text(zone.get('zone_id'))}</b> — "
        f"{html_text(fr.with_unit(zone.get('population', np.nan), 'hab.'))}, "
        f"demande non couverte {html_text(fr.number(zone.get('unmet_demand', np.nan)))}<br>{html_text(shown)}"
    )


def add_zones(fmap: folium.Map, zones: gpd.GeoDataFrame, selected: str | None = None,
              name: str = "Zones mal desservies") -> None:
    """Add underserved zones (outlined, the ``selected`` one emphasised) with escaped tooltips."""
    if zones is None or zones.empty:
        return
    frame = gpd.GeoDataFrame(
        {"zone_id": zones["zone_id"].astype("str").to_numpy(),
         "label": [zone_tooltip(z) for _, z in zones.iterrows()]},
        geometry=zones.geometry.to_crs(CRS_WGS84).simplify(SIMPLIFY_DEG, preserve_topology=True).to_numpy(),
        crs=CRS_WGS84,
    )
    chosen = str(selected) if selected is not None else None

    def style(feature: dict) -> dict:
        on = feature["properties"]["zone_id"] == chosen
        return {"color": ZONE_SELECTED_COLOUR if on else ZONE_COLOUR, "weight": 4 if on else 2,
                "fillColor": ZONE_COLOUR, "fillOpacity": 0.35 if on else 0.15, "dashArray": None if on else "6 4"}

    GeoJsonLayer(
        geojson(frame), frame.total_bounds, name=layer_name(name, ZONE_COLOUR), style_function=style,
    ).add_to(fmap)


def add_isochrones(fmap: folium.Map, isochrones: gpd.GeoDataFrame, name: str = "Isochrones") -> None:
    """Add isochrone polygons (one per threshold, largest first) with a legend."""
    if isochrones is None or isochrones.empty:
        return
    frame = isochrones.sort_values("minutes", ascending=False)
    ranks = {m: i for i, m in enumerate(sorted(frame["minutes"].unique()))}
    group = folium.FeatureGroup(name=layer_name(name, ISOCHRONE_COLOURS[0]))
    entries = []
    for minutes, part in frame.groupby("minutes", sort=False):
        colour = ISOCHRONE_COLOURS[min(ranks[minutes], len(ISOCHRONE_COLOURS) - 1)]
        geo = gpd.GeoDataFrame(
            {"label": [html_text(f"Accessible en {fr.duration(minutes)} ou moins")] * len(part)},
            geometry=part.geometry.to_crs(CRS_WGS84).simplify(SIMPLIFY_DEG * 2, preserve_topology=True).to_numpy(),
            crs=CRS_WGS84,
        )
        GeoJsonLayer(
            geojson(geo), geo.total_bounds,
            style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillColor": c, "fillOpacity": 0.2},
        ).add_to(group)
        entries.append((float(minutes), colour, fr.duration(minutes)))
    group.add_to(fmap)
    add_legend(fmap, "Isochrones (temps d'accès)", [(c, label) for _, c, label in sorted(entries)])


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
        add_outline(fmap, communes)
    add_sites(fmap, sites)
    add_layer_control(fmap)
    return fmap


