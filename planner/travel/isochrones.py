"""Isochrones: the areas from which a site is reachable within a time, by road or crow-fly.

Road method: the reachable parts of road edges (an edge crossing the limit is cut
where time runs out), buffered in the graph's metric CRS; holes smaller than
:data:`ISOCHRONE_FILL_HOLES_KM2` (land enclosed by reachable roads) are filled.
Crow-fly method: discs of radius ``speed × minutes ÷ circuity`` for the site
commune's density class, in the sites' metric CRS.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from planner.geo import CRS_WGS84, metric_crs_at
from planner.travel.graph import RoadGraph
from planner.travel.points import project
from planner.travel.results import Method
from planner.travel.search import Snap, encode, nearest_source, node_times

#: Isochrone thresholds (minutes).
ISOCHRONE_MINUTES: tuple[float, ...] = (10.0, 20.0, 30.0, 45.0)
#: Half-width (metres) of the band drawn around reachable roads in an isochrone.
ISOCHRONE_BUFFER_M = 300.0
#: Holes smaller than this (km²) in an isochrone, land enclosed by reachable roads, are filled.
ISOCHRONE_FILL_HOLES_KM2 = 2.0

def road_isochrones(
    graph: RoadGraph,
    snap: Snap,
    thresholds: list[float],
    *,
    by_site: bool,
    reverse: bool,
    buffer_m: float = ISOCHRONE_BUFFER_M,
) -> gpd.GeoDataFrame:
    """Return road isochrones of snapped sites.

    Parameters
    ----------
    graph
        The road graph.
    snap
        The sites, snapped (:func:`planner.travel.search.snap_points`).
    thresholds
        Minutes, ascending.
    by_site
        One polygon per site and threshold; otherwise one per threshold for all sites.
    reverse
        True for the time to reach the sites, False for the time from them.
    buffer_m
        Half-width of the band drawn around reachable roads.

    Returns
    -------
    GeoDataFrame (EPSG:4326) with ``site`` (``-1`` for the set), ``minutes``,
    ``area_km2``, ``method`` and ``geometry``.
    """
    usable = np.flatnonzero(snap.node >= 0)
    longest = max(thresholds) if thresholds else 0.0
    if by_site:
        per_site = np.full((len(usable), graph.n_nodes), np.inf)
        if len(usable):
            nodes, pos = np.unique(snap.node[usable], return_inverse=True)
            per_site = node_times(graph, nodes, reverse=reverse, max_minutes=longest)[pos]
            per_site = per_site + snap.access_s[usable][:, None]
        groups = [(int(s), per_site[k]) for k, s in enumerate(usable)]
    else:
        secs = np.full(graph.n_nodes, np.inf)
        if len(usable):
            weights = encode(snap.access_s[usable], snap.distance_m[usable])
            secs = nearest_source(graph, snap.node[usable], weights, reverse=reverse, max_minutes=longest)[0]
        groups = [(-1, secs)]
    rows: list[dict[str, Any]] = []
    limits = [t * 60 for t in thresholds]
    for site, node_secs in groups:
        areas = reachable_areas(graph, node_secs, limits, reverse=reverse, buffer_m=buffer_m)
        rows.extend({"site": site, "minutes": t, "geometry": g} for t, g in zip(thresholds, areas))
    return _frame(rows, graph.crs_metric, "road")


def disc_isochrones(
    lon: np.ndarray,
    lat: np.ndarray,
    speed_kph: np.ndarray,
    circuity: np.ndarray,
    thresholds: list[float],
    *,
    by_site: bool,
) -> gpd.GeoDataFrame:
    """Return crow-fly isochrones: discs of radius ``speed × minutes ÷ circuity`` around sites.

    Parameters
    ----------
    lon, lat
        WGS84 positions of the sites (NaN: no position, no disc).
    speed_kph, circuity
        Crow-fly factors of each site (:func:`planner.travel.crowfly.factors`).
    thresholds
        Minutes, ascending.
    by_site
        One disc per site and threshold; otherwise their union per threshold.

    Returns
    -------
    GeoDataFrame as :func:`road_isochrones`, ``method`` ``"crow_fly"``.
    """
    ok = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    # without any position there is nothing to project: empty areas, in WGS84
    crs = metric_crs_at(float(np.median(lon[ok])), float(np.median(lat[ok]))) if len(ok) else CRS_WGS84
    x, y = project(lon[ok], lat[ok], crs)
    points = shapely.points(x, y)
    rows: list[dict[str, Any]] = []
    for threshold in thresholds:
        discs = shapely.buffer(points, speed_kph[ok] * threshold / 60 / circuity[ok] * 1000)
        if by_site:
            rows.extend({"site": int(s), "minutes": threshold, "geometry": g} for s, g in zip(ok, discs))
        else:
            rows.append({"site": -1, "minutes": threshold, "geometry": shapely.union_all(discs)})
    return _frame(rows, crs, "crow_fly")


def reachable_areas(
    graph: RoadGraph, node_secs: np.ndarray, limits_s: list[float], *, reverse: bool, buffer_m: float
) -> list[shapely.Geometry]:
    """Return, for each time limit (ascending), the buffered reachable parts of edges.

    An edge whose reached end is within the limit is drawn up to where time runs out.
    Polygons are built incrementally: each limit adds to the previous polygon only the
    edges it reaches further, and a two-way street fully reached is drawn once.

    Parameters
    ----------
    graph
        The road graph.
    node_secs
        Seconds at which the search reached each node (``inf``: not reached).
    limits_s
        Time limits, seconds, ascending.
    reverse
        True when ``node_secs`` are times *to* the sites (edges are then reached at
        their head).
    buffer_m
        Half-width of the band drawn around reached roads.

    Returns
    -------
    One polygon per limit, in the graph's metric CRS.
    """
    tails, heads = graph.tails, graph.indices
    # the reached end (a) and the other end (b) of each edge, in the search direction
    a, b = (heads, tails) if reverse else (tails, heads)
    start = node_secs[a]
    time_s = np.where(graph.time_s > 0, graph.time_s, 1e-9)
    done = np.zeros(len(a), bool)  # edges fully drawn already
    area = shapely.Polygon()
    out = []
    for limit in limits_s:
        with np.errstate(invalid="ignore"):
            frac = np.clip((limit - start) / time_s, 0, 1)
        frac[~np.isfinite(start)] = 0
        full = (frac >= 1) & ~done
        # a two-way street fully reached in both directions: one segment
        key_ab = a.astype(np.int64) * graph.n_nodes + b
        key_ba = b.astype(np.int64) * graph.n_nodes + a
        dup = full & np.isin(key_ab, key_ba[full]) & (a > b)
        draw = np.flatnonzero((full & ~dup) | ((frac > 0) & (frac < 1)))
        if len(draw):
            ax, ay = graph.x[a[draw]], graph.y[a[draw]]
            f = frac[draw]
            bx = ax + f * (graph.x[b[draw]] - ax)
            by = ay + f * (graph.y[b[draw]] - ay)
            coords = np.stack([np.column_stack([ax, ay]), np.column_stack([bx, by])], axis=1)
            pieces = shapely.buffer(shapely.linestrings(coords), buffer_m, quad_segs=2)
            area = shapely.union_all(np.append(pieces, area))
        done |= full
        out.append(fill_holes(area, ISOCHRONE_FILL_HOLES_KM2 * 1e6))
    return out


def fill_holes(geom: shapely.Geometry, min_area_m2: float) -> shapely.Geometry:
    """Return ``geom`` with its interior rings smaller than ``min_area_m2`` removed."""
    polygons = []
    for part in shapely.get_parts(geom):
        if not isinstance(part, shapely.Polygon):
            continue
        holes = [ring for ring in part.interiors if shapely.Polygon(ring).area >= min_area_m2]
        polygons.append(shapely.Polygon(part.exterior, holes))
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


def _frame(rows: list[dict[str, Any]], crs: str, method: Method) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "site": np.array([r["site"] for r in rows], dtype=np.int64),
            "minutes": np.array([r["minutes"] for r in rows], dtype=float),
        },
        geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=crs),
        crs=crs,
    )
    frame["area_km2"] = shapely.area(frame.geometry.to_numpy()) / 1e6
    frame["method"] = method
    return frame.to_crs(CRS_WGS84)
