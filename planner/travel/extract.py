"""A territory's road network cut out of a local road graph, for the demo bundle.

:func:`write_territory_graph` takes the local graph covering a territory
(:func:`planner.travel.graph.graph_for`), keeps the nodes within a margin of it (the
largest strongly connected component of what remains, as for any graph) and writes it
as a compressed compact graph (``roads/<name>.roads.npz``) that
:func:`planner.travel.graph.load_road_graph` reads as is.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from planner.geo import CRS_WGS84
from planner.travel.graph import RoadGraph, compact_graph, graph_for, save_compact
from planner.travel.readers import COMPACT_SUFFIX, RoadReport

log = logging.getLogger(__name__)


def clip_graph(graph: RoadGraph, polygon: shapely.Geometry, margin_km: float) -> RoadGraph:
    """Return the part of ``graph`` within ``margin_km`` of ``polygon`` (WGS84).

    The graph is returned unchanged when every node is within the margin; otherwise
    edges with an end outside are dropped and the largest strongly connected component
    of the rest is kept (:func:`planner.travel.graph.compact_graph`).
    """
    zone = gpd.GeoSeries([polygon], crs=CRS_WGS84).to_crs(graph.crs_metric).iloc[0]
    zone = shapely.buffer(zone, margin_km * 1000.0)
    shapely.prepare(zone)
    inside = shapely.contains_xy(zone, graph.x, graph.y)
    if inside.all():
        return graph
    tails, heads = graph.tails, graph.indices
    report = RoadReport(**graph.report.summary())
    report.source = f"{graph.report.source} (découpé)"
    keep = inside[tails] & inside[heads]
    report.edges_clipped = int((~keep).sum())
    log.info("réseau routier découpé : %d nœuds sur %d gardés", int(inside.sum()), graph.n_nodes)
    return compact_graph(graph.node_id, graph.lon, graph.lat, tails[keep].astype(np.int64),
                         heads[keep].astype(np.int64), graph.time_s[keep], graph.length_m[keep],
                         report)


def write_territory_graph(
    polygon: shapely.Geometry, folder: Path, name: str, margin_km: float
) -> Path | None:
    """Write the road graph of a territory into ``folder/roads/<name>.roads.npz``.

    Parameters
    ----------
    polygon
        The territory (WGS84).
    folder
        The bundle folder.
    name
        Stem of the file written.
    margin_km
        Nodes farther than this outside the territory are left out.

    Returns
    -------
    The file written, or None when no local road graph covers the territory.
    """
    graph = graph_for(polygon)
    if graph is None:
        log.warning("aucun réseau routier local ne couvre le territoire : pas de graphe dans le lot")
        return None
    target = folder / "roads" / f"{name}{COMPACT_SUFFIX}"
    save_compact(clip_graph(graph, polygon, margin_km), target, compress=True)
    return target
