"""Folium maps shared by the app, the notebook and the reports.

One import for a notebook (``from planner.outputs import maps``); the modules stay
importable on their own:

- :mod:`~planner.outputs.maps.base`: base map and attribution, GeoJSON payloads, layer
  names, legends, layer control;
- :mod:`~planner.outputs.maps.classes`: choropleth classes, labels and colours;
- :mod:`~planner.outputs.maps.layers`: choropleths, « à confirmer » communes, outlines,
  zones, isochrones;
- :mod:`~planner.outputs.maps.sites`: sites, one filled symbol per network (:mod:`.symbols`);
- :mod:`~planner.outputs.maps.plan`: an itinerant plan (routes and stops numbered per day);
- :mod:`~planner.outputs.maps.offline`: the vendored Leaflet files every map is served with
  (nothing is loaded from another host; tiles are optional).

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
    ISOCHRONE_COLOURS,
    UNCERTAIN_COLOUR,
    UNCERTAIN_LABEL,
    ZONE_COLOUR,
    ZONE_SELECTED_COLOUR,
    add_choropleth,
    add_isochrones,
    add_outline,
    add_uncertain,
    add_zones,
    territory_map,
    zone_tooltip,
)
from planner.outputs.maps.offline import ASSETS_DIR, asset_text, asset_uri, offline, standalone_html
from planner.outputs.maps.plan import ADVISOR_COLOURS, BASE_COLOUR, add_plan, advisor_colour
from planner.outputs.maps.sites import CLUSTER_ABOVE, SiteMarkers, add_sites, site_popup
from planner.outputs.maps.symbols import NETWORK_SHAPES, SHAPE_PATHS, network_shape, shape_svg

__all__ = [
    "ADVISOR_COLOURS",
    "ASSETS_DIR",
    "BASE_COLOUR",
    "CLUSTER_ABOVE",
    "COORD_DIGITS",
    "FRAGILITY_BINS",
    "ISOCHRONE_COLOURS",
    "MISSING_COLOUR",
    "NETWORK_SHAPES",
    "SEQUENTIAL",
    "SHAPE_PATHS",
    "SIMPLIFY_DEG",
    "TIME_BINS",
    "UNCERTAIN_COLOUR",
    "UNCERTAIN_LABEL",
    "ZONE_COLOUR",
    "ZONE_SELECTED_COLOUR",
    "GeoJsonLayer",
    "Legend",
    "SiteMarkers",
    "add_choropleth",
    "add_isochrones",
    "add_layer_control",
    "add_legend",
    "add_outline",
    "add_plan",
    "add_sites",
    "add_uncertain",
    "add_zones",
    "advisor_colour",
    "asset_text",
    "asset_uri",
    "base_map",
    "class_labels",
    "classify",
    "geojson",
    "layer_name",
    "network_colour",
    "network_label",
    "network_shape",
    "offline",
    "quantile_bins",
    "shape_svg",
    "site_popup",
    "source_attributions",
    "standalone_html",
    "territory_map",
    "zone_tooltip",
]
