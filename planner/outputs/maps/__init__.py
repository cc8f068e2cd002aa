"""Folium maps shared by the app, the notebook and the reports.

One import for a notebook (``from planner.outputs import maps``); the modules stay
importable on their own:

- :mod:`~planner.outputs.maps.base`: base map and attribution, GeoJSON payloads, layer
  names, legends, layer control;
- :mod:`~planner.outputs.maps.classes`: choropleth classes, labels and colours;
- :mod:`~planner.outputs.maps.layers`: sites, choropleths, outlines, zones, isochrones;
- :mod:`~planner.outputs.maps.plan`: an itinerant plan (routes and numbered stops).

Every text from data is escaped for where it lands (:mod:`planner.outputs.escape`).
Figures per EPCI or département are computed by :mod:`planner.access.areas`.
"""

from planner.outputs.maps.base import (
    COORD_DIGITS,
    SIMPLIFY_DEG,
    GeoJsonLayer,
    Legend,
    add_layer_control,
    add_legend,
    base_map,
    geojson,
    layer_name,
    network_colour,
    network_label,
    source_attributions,
)
from planner.outputs.maps.classes import (
    FRAGILITY_BINS,
    MISSING_COLOUR,
    SEQUENTIAL,
    TIME_BINS,
    class_labels,
    classify,
    quantile_bins,
)
from planner.outputs.maps.layers import (
    CLUSTER_ABOVE,
    ISOCHRONE_COLOURS,
    ZONE_COLOUR,
    ZONE_SELECTED_COLOUR,
    add_choropleth,
    add_isochrones,
    add_outline,
    add_sites,
    add_zones,
    site_popup,
    territory_map,
    zone_tooltip,
)
from planner.outputs.maps.plan import ADVISOR_COLOURS, add_plan, advisor_colour

__all__ = [
    "ADVISOR_COLOURS",
    "CLUSTER_ABOVE",
    "COORD_DIGITS",
    "FRAGILITY_BINS",
    "ISOCHRONE_COLOURS",
    "MISSING_COLOUR",
    "SEQUENTIAL",
    "SIMPLIFY_DEG",
    "TIME_BINS",
    "ZONE_COLOUR",
    "ZONE_SELECTED_COLOUR",
    "GeoJsonLayer",
    "Legend",
    "add_choropleth",
    "add_isochrones",
    "add_layer_control",
    "add_legend",
    "add_outline",
    "add_plan",
    "add_sites",
    "add_zones",
    "advisor_colour",
    "base_map",
    "class_labels",
    "classify",
    "geojson",
    "layer_name",
    "network_colour",
    "network_label",
    "quantile_bins",
    "site_popup",
    "source_attributions",
    "territory_map",
    "zone_tooltip",
]
