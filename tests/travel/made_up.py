"""MADE-UP road graphs for the travel tests, written by hand (no snapshot needed)."""

from __future__ import annotations

import networkx as nx

#: Five nodes near Ajaccio, about 830 m apart along a parallel (node 5 lies north).
NODES: dict[int, tuple[float, float]] = {
    1: (8.70, 41.92),
    2: (8.71, 41.92),
    3: (8.72, 41.92),
    4: (8.73, 41.92),
    5: (8.71, 41.93),
}
#: Directed edges ``(u, v, seconds, metres)``: two-way 1-2, 2-3 (slower back), 3-4; a
#: one-way detour 1 -> 5 -> 3 faster than 1 -> 2 -> 3; a slow one-way 4 -> 1.
EDGES: list[tuple[int, int, float, float]] = [
    (1, 2, 60.0, 800.0),
    (2, 1, 60.0, 800.0),
    (2, 3, 60.0, 900.0),
    (3, 2, 90.0, 900.0),
    (3, 4, 30.0, 500.0),
    (4, 3, 30.0, 500.0),
    (1, 5, 50.0, 1200.0),
    (5, 3, 50.0, 1300.0),
    (4, 1, 400.0, 3000.0),
    (1, 2, 100.0, 700.0),  # parallel to the first, slower: merged away
    (3, 3, 5.0, 50.0),  # self-loop: dropped
]


def five_node_graph() -> nx.MultiDiGraph:
    """Return the MADE-UP five-node osmnx-like graph (travel times given on every edge)."""
    G = nx.MultiDiGraph(crs="EPSG:4326", name="cinq nœuds")
    for n, (lon, lat) in NODES.items():
        G.add_node(n, x=lon, y=lat)
    for u, v, t, m in EDGES:
        G.add_edge(u, v, travel_time=t, length=m)
    return G
