"""Downloading a territory's drivable roads from OpenStreetMap with osmnx (online only)."""

from __future__ import annotations

import hashlib
import socket
from urllib.parse import urlparse

import geopandas as gpd
import shapely

from planner.config import cache_dir
from planner.data import cache
from planner.errors import DataError
from planner.geo import CRS_WGS84, metric_crs_at
from planner.travel.graph import RoadGraph, load_road_graph

#: Margin (km) added around a territory's polygon for a download.
DOWNLOAD_MARGIN_KM = 10.0
#: Seconds to wait for the OpenStreetMap servers before declaring the machine offline.
ONLINE_TIMEOUT_S = 3.0

_LOCAL_FILE_HINT = (
    "sans accès à Internet, placez dans le dossier « roads/ » des données (PLANNER_DATA_DIR) "
    "un extrait OpenStreetMap couvrant le territoire (.osm.pbf, par exemple de Geofabrik, "
    "ou .osm/.osm.bz2) ou un graphe osmnx (.graphml/.graphml.gz)"
)


def download_graph(polygon: shapely.Geometry, *, margin_km: float = DOWNLOAD_MARGIN_KM) -> RoadGraph:
    """Download the drivable road graph of a territory plus a margin from OpenStreetMap.

    Fails within :data:`ONLINE_TIMEOUT_S` seconds, with a French error naming the
    local-file alternative, when the OpenStreetMap servers cannot be reached. The
    download is saved as GraphML in the cache folder, then converted like a local file.

    Parameters
    ----------
    polygon
        The territory (WGS84).
    margin_km
        Margin added around the polygon (trips cross boundaries).

    Returns
    -------
    RoadGraph
    """
    import osmnx as ox  # slow import (1.4 s): only needed for a download

    centre = polygon.centroid
    crs = metric_crs_at(centre.x, centre.y)
    area = gpd.GeoSeries([polygon], crs=CRS_WGS84).to_crs(crs).buffer(margin_km * 1000)
    area = area.to_crs(CRS_WGS84).iloc[0]
    digest = hashlib.sha256(shapely.to_wkb(area)).hexdigest()[:16]
    target = cache_dir() / f"roads-download-{digest}.graphml"
    if not target.exists():
        _require_online(ox.settings.overpass_url)
        try:
            G = ox.graph_from_polygon(area, network_type="drive", simplify=True, retain_all=True)
        except Exception as exc:  # network errors, empty responses
            raise DataError(
                f"échec du téléchargement du réseau routier OpenStreetMap ({exc})",
                hint=_LOCAL_FILE_HINT,
            ) from exc
        cache.atomic_write(target, lambda tmp: ox.save_graphml(G, tmp))
    return load_road_graph(target)


def _require_online(url: str) -> None:
    """Raise a French :class:`DataError` quickly when ``url``'s host cannot be reached."""
    parsed = urlparse(url)
    host = parsed.hostname or "overpass-api.de"
    port = parsed.port or (443 if parsed.scheme != "http" else 80)
    try:
        with socket.create_connection((host, port), timeout=ONLINE_TIMEOUT_S):
            pass
    except OSError as exc:
        raise DataError(
            f"impossible de joindre OpenStreetMap ({host}) pour télécharger le réseau routier : "
            "pas d'accès à Internet",
            hint=_LOCAL_FILE_HINT,
        ) from exc
