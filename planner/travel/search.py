"""Searches on the compact road graph: snapping points, scipy's Dijkstra, node matrices.

A point is snapped to the nearest node of the graph (KD-tree on the graph's metric
coordinates) and an *access leg* (the straight snap distance at the access speed) is
added at each end; a point farther than the snap limit from every node is not
snapped (:attr:`Snap.far`). Searches are scipy's Dijkstra on the directed graph
(one-way streets), run once on a lexicographic integer weight
``milliseconds × 2**24 + metres`` (:func:`encode`): one search gives the fastest
path's time (to the millisecond per edge) and, exactly, its length. Unreachable
pairs and pairs beyond a cut-off are ``inf``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from planner.travel.graph import RoadGraph
from planner.travel.points import project

_SCALE = float(2**24)  # metres field of the lexicographic search weight
_MEMORY_BUDGET = 256 * 1024 * 1024  # bytes of distance rows held at once
#: Graphs with more nodes are searched tile by tile, on the sub-graph a cut-off can reach.
TILE_NODES = 400_000
_TILE_M = 20_000.0  # side of a tile of search starts (metres)

_search_cache: weakref.WeakKeyDictionary[RoadGraph, dict[bool, sp.csr_matrix]] = weakref.WeakKeyDictionary()


@dataclass
class Snap:
    """Where points join the road graph.

    Attributes
    ----------
    node
        Graph node of each point, ``-1`` when not snapped (too far, or no position).
    distance_m
        Straight distance to that node (metres, rounded); ``inf`` without position.
    access_s
        Access-leg time (seconds, rounded to the millisecond) at the access speed.
    max_snap_m
        The limit beyond which a point is not snapped.
    """

    node: np.ndarray
    distance_m: np.ndarray
    access_s: np.ndarray
    max_snap_m: float

    @property
    def far(self) -> np.ndarray:
        """Positions of the points left unsnapped (farther than the limit, or no position)."""
        return np.flatnonzero(self.node < 0)

    def summary(self) -> dict[str, Any]:
        """Return snap statistics (metres) and the unsnapped points, for reports."""
        ok = self.node >= 0
        d = self.distance_m[ok]
        return {
            "points": len(self.node),
            "median_snap_m": float(np.median(d)) if len(d) else None,
            "p95_snap_m": float(np.percentile(d, 95)) if len(d) else None,
            "max_snap_m": float(d.max()) if len(d) else None,
            "far": int((~ok).sum()),
            "far_points": self.far[:20].tolist(),
            "limit_m": self.max_snap_m,
        }


def snap_points(
    graph: RoadGraph, lon: np.ndarray, lat: np.ndarray, *, max_snap_m: float, access_speed_kph: float
) -> Snap:
    """Snap WGS84 points to the nearest node of ``graph``.

    Parameters
    ----------
    graph
        The road graph.
    lon, lat
        WGS84 coordinates (NaN: no position).
    max_snap_m
        Points farther than this from every node are not snapped.
    access_speed_kph
        Speed of the access leg between a point and its node.

    Returns
    -------
    Snap
    """
    n = len(lon)
    node = np.full(n, -1, np.int64)
    dist = np.full(n, np.inf)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.any():
        x, y = project(lon[ok], lat[ok], graph.crs_metric)
        d, idx = graph.kdtree.query(np.column_stack([x, y]))
        dist[ok] = np.round(d)
        near = d <= max_snap_m
        node[np.flatnonzero(ok)[near]] = idx[near]
    access = np.round(dist / (access_speed_kph / 3.6) * 1000) / 1000
    return Snap(node=node, distance_m=dist, access_s=access, max_snap_m=float(max_snap_m))


def encode(seconds: np.ndarray, metres: np.ndarray) -> np.ndarray:
    """Return the lexicographic search weight ``milliseconds × 2**24 + metres``."""
    return np.round(np.asarray(seconds) * 1000) * _SCALE + np.round(np.asarray(metres))


def decode(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split search weights into seconds and metres (``inf`` stays ``inf``)."""
    with np.errstate(invalid="ignore"):
        ms = np.floor(weights / _SCALE)
        metres = np.where(np.isfinite(weights), weights - ms * _SCALE, np.inf)
    return ms / 1000, metres


def limit(max_minutes: float | None) -> float:
    """Return the Dijkstra limit (search weight) for a cut-off in minutes (None: no limit)."""
    if max_minutes is None:
        return np.inf
    return (np.floor(max_minutes * 60_000) + 1) * _SCALE


def search_csr(graph: RoadGraph, reverse: bool) -> sp.csr_matrix:
    """Return the graph weighted for searching (cached per graph and direction)."""
    per_graph = _search_cache.setdefault(graph, {})
    if reverse not in per_graph:
        per_graph[reverse] = graph.csr(encode(graph.time_s, graph.length_m), reverse=reverse)
    return per_graph[reverse]


def with_sources(graph: RoadGraph, nodes: np.ndarray, weights: np.ndarray, *, reverse: bool) -> sp.csr_matrix:
    """Return the search graph plus one virtual node per entry of ``nodes``.

    Virtual node ``n_nodes + k`` has a single edge, of weight ``weights[k]`` (an
    access leg, :func:`encode`-d), to road node ``nodes[k]``: a search from all the
    virtual nodes at once (a virtual super-source) labels every node with its
    nearest source. ``reverse`` searches the reversed graph (times *to* the sources).
    """
    csr = search_csr(graph, reverse)
    n, k = csr.shape[0], len(nodes)
    indptr = np.concatenate([csr.indptr, csr.indptr[-1] + np.arange(1, k + 1)])
    return sp.csr_matrix(
        (np.concatenate([csr.data, weights]), np.concatenate([csr.indices, nodes]), indptr),
        shape=(n + k, n + k),
    )


def nearest_source(
    graph: RoadGraph, nodes: np.ndarray, weights: np.ndarray, *, reverse: bool, max_minutes: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return, for every road node, the seconds, metres and index of its nearest source.

    Parameters
    ----------
    graph
        The road graph.
    nodes, weights
        Road node and encoded access leg of each source (see :func:`with_sources`).
    reverse
        True for the time from each node *to* its nearest source.
    max_minutes
        Cut-off: farther nodes get ``inf`` and source ``-1``.

    Returns
    -------
    ``(seconds, metres, source)``, arrays of length ``n_nodes``.
    """
    n = graph.n_nodes
    aug = with_sources(graph, nodes, weights, reverse=reverse)
    dist, _, src = dijkstra(
        aug,
        directed=True,
        indices=n + np.arange(len(nodes)),
        min_only=True,
        return_predecessors=True,
        limit=limit(max_minutes),
    )
    secs, metres = decode(dist[:n])
    source = np.where(src[:n] >= 0, src[:n] - n, -1)
    return secs, metres, source


def node_matrix(
    graph: RoadGraph,
    sources: Any,
    targets: Any,
    *,
    max_minutes: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return fastest-path seconds and metres between graph nodes.

    Runs scipy's Dijkstra from the smaller side (on the reversed graph when there
    are fewer targets than sources), in chunks that bound memory.

    Parameters
    ----------
    graph
        The road graph.
    sources, targets
        Node positions.
    max_minutes
        Cut-off: longer paths are ``inf``.

    Returns
    -------
    ``(seconds, metres)``, arrays of shape ``(len(sources), len(targets))``.
    """
    sources = np.asarray(sources, np.int64)
    targets = np.asarray(targets, np.int64)
    reverse = len(targets) < len(sources)
    starts, ends = (targets, sources) if reverse else (sources, targets)
    csr = search_csr(graph, reverse)
    out = np.empty((len(starts), len(ends)))
    chunk = max(1, _MEMORY_BUDGET // (8 * max(graph.n_nodes, 1)))
    for lo in range(0, len(starts), chunk):
        d = dijkstra(csr, directed=True, indices=starts[lo : lo + chunk], limit=limit(max_minutes))
        out[lo : lo + chunk] = d[:, ends]
    secs, metres = decode(out)
    if reverse:
        secs, metres = secs.T, metres.T
    return np.ascontiguousarray(secs), np.ascontiguousarray(metres)


def node_within(
    graph: RoadGraph, sources: Any, targets: Any, *, max_minutes: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the node pairs within ``max_minutes``: positions, seconds and metres, sparse.

    Same searches and values as :func:`node_matrix` with the same cut-off, but only the
    pairs within it are kept, so memory follows the pairs, not ``sources × targets``.
    On a graph larger than :data:`TILE_NODES` the starts are grouped in square tiles
    and each tile is searched on the sub-graph of the nodes it can reach in time (the
    graph's fastest straight-line speed bounds how far a path goes: exact).

    Returns
    -------
    ``(i, j, seconds, metres)``: positions in ``sources`` and ``targets`` of each pair.
    """
    sources = np.asarray(sources, np.int64)
    targets = np.asarray(targets, np.int64)
    reverse = len(targets) < len(sources)
    starts, ends = (targets, sources) if reverse else (sources, targets)
    csr = search_csr(graph, reverse)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    tiles: list[tuple[np.ndarray, np.ndarray | None]] = [(np.arange(len(starts)), None)]
    if graph.n_nodes > TILE_NODES and len(starts):
        tiles = list(_tiles(graph, starts, max_minutes))
    end_pos = np.full(graph.n_nodes, -1, np.int64)
    for rows, nodes in tiles:
        if nodes is None:
            sub, local, ends_local, end_index = csr, starts[rows], ends, np.arange(len(ends))
        else:
            sub = csr[nodes][:, nodes]
            end_pos[nodes] = np.arange(len(nodes))
            local = end_pos[starts[rows]]
            at = end_pos[ends]
            end_index = np.flatnonzero(at >= 0)
            ends_local = at[end_index]
            end_pos[nodes] = -1
        chunk = max(1, _MEMORY_BUDGET // (8 * max(sub.shape[0], 1)))
        for lo in range(0, len(rows), chunk):
            d = dijkstra(sub, directed=True, indices=local[lo : lo + chunk], limit=limit(max_minutes))[:, ends_local]
            r, c = np.nonzero(np.isfinite(d))
            parts.append((rows[lo + r], end_index[c], d[r, c]))
    i = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    j = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
    secs, metres = decode(np.concatenate([p[2] for p in parts]) if parts else np.zeros(0))
    return (j, i, secs, metres) if reverse else (i, j, secs, metres)


def reach_m(graph: RoadGraph, max_minutes: float) -> float:
    """Return how far (straight line, metres) any path of at most ``max_minutes`` can go.

    The fastest straight-line speed of an edge (its end points' distance over its
    time) bounds the speed of every path, by the triangle inequality.
    """
    tails = graph.tails
    chord = np.hypot(graph.x[graph.indices] - graph.x[tails], graph.y[graph.indices] - graph.y[tails])
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(graph.time_s > 0, chord / graph.time_s, np.where(chord > 0, np.inf, 0.0))
    return float(speed.max(initial=0.0)) * (np.floor(max_minutes * 60_000) + 1) / 1000 * 1.000001 + 1.0


def _tiles(graph: RoadGraph, starts: np.ndarray, max_minutes: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group the starts by square tile, each with the sorted nodes within reach of its tile."""
    radius = reach_m(graph, max_minutes)
    x, y = graph.x[starts], graph.y[starts]
    cell = np.floor(x / _TILE_M).astype(np.int64) * 1_000_003 + np.floor(y / _TILE_M).astype(np.int64)
    out = []
    for key in np.unique(cell):
        rows = np.flatnonzero(cell == key)
        cx, cy = (np.floor(x[rows[0]] / _TILE_M) + 0.5) * _TILE_M, (np.floor(y[rows[0]] / _TILE_M) + 0.5) * _TILE_M
        nodes = np.sort(np.asarray(graph.kdtree.query_ball_point([cx, cy], radius + _TILE_M * 0.7072), np.int64))
        out.append((rows, nodes))
    return out


def node_times(graph: RoadGraph, nodes: np.ndarray, *, reverse: bool, max_minutes: float | None) -> np.ndarray:
    """Return the seconds from each of ``nodes`` to every node (to them if ``reverse``)."""
    d = dijkstra(search_csr(graph, reverse), directed=True, indices=nodes, limit=limit(max_minutes))
    return decode(d)[0]


def path_nodes(graph: RoadGraph, a: int, b: int) -> list[int] | None:
    """Return the nodes of the fastest path from node ``a`` to node ``b``, or None if unreachable."""
    _, pred = dijkstra(search_csr(graph, False), directed=True, indices=int(a), return_predecessors=True)
    path = [int(b)]
    while path[-1] != a and pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    return path[::-1] if path[-1] == a else None
