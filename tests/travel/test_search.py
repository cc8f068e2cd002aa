"""Searches on the compact graph: snapping, Dijkstra weights, node matrices (planner.travel.search)."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.travel.graph import RoadGraph, from_networkx, load_road_graph
from planner.travel.readers import read_networkx
from planner.travel.search import (
    decode,
    encode,
    nearest_source,
    node_matrix,
    path_nodes,
    snap_points,
)
from tests.travel.made_up import NODES, five_node_graph

_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def five() -> RoadGraph:
    """MADE-UP five-node graph (tests/travel/made_up.py)."""
    return from_networkx(five_node_graph())


@pytest.fixture(scope="module")
def corsica(corsica_roads: Path) -> RoadGraph:
    return load_road_graph(corsica_roads)


def _pos(graph: RoadGraph, *ids: int) -> list[int]:
    where = {int(i): k for k, i in enumerate(graph.node_id)}
    return [where[i] for i in ids]


# --------------------------------------------------------------------------- made-up graph


def test_node_matrix_on_five_nodes_agrees_with_networkx(five: RoadGraph) -> None:
    """MADE-UP graph: every pair's time equals networkx's on the original MultiDiGraph."""
    G = five_node_graph()
    expected = dict(nx.all_pairs_dijkstra_path_length(G, weight="travel_time"))
    ids = five.node_id.tolist()
    secs, metres = node_matrix(five, np.arange(5), np.arange(5))
    for i, u in enumerate(ids):
        for j, v in enumerate(ids):
            assert secs[i, j] == pytest.approx(expected[u][v], abs=1e-9)
    p1, p3, p4 = _pos(five, 1, 3, 4)
    # 1 -> 3: the one-way detour through 5 (100 s, 2.5 km) beats 1 -> 2 -> 3 (120 s)
    assert (secs[p1, p3], metres[p1, p3]) == (100.0, 2500.0)
    # 4 -> 1: the slow one-way (400 s) loses to 4 -> 3 -> 2 -> 1 (180 s)
    assert (secs[p4, p1], metres[p4, p1]) == (180.0, 2200.0)
    # more sources than targets runs on the reversed graph: same numbers
    tall, _ = node_matrix(five, np.arange(5), [p3])
    np.testing.assert_array_equal(tall[:, 0], secs[:, p3])


def test_node_matrix_cutoff(five: RoadGraph) -> None:
    """MADE-UP graph: trips over the cut-off are inf, shorter ones exact."""
    p1, p2, p3, p4 = _pos(five, 1, 2, 3, 4)
    secs, metres = node_matrix(five, [p1], [p2, p3, p4], max_minutes=2.0)
    assert secs[0].tolist() == [60.0, 100.0, np.inf] and np.isinf(metres[0, 2])


def test_nearest_source_labels_every_node(five: RoadGraph) -> None:
    """MADE-UP graph: sources at nodes 1 and 4, access legs of 10 s and 0 s."""
    p1, p4 = _pos(five, 1, 4)
    weights = encode(np.array([10.0, 0.0]), np.array([50.0, 0.0]))
    secs, metres, source = nearest_source(five, np.array([p1, p4]), weights, reverse=True)
    full, _ = node_matrix(five, np.arange(5), [p1, p4])
    expected = np.minimum(full[:, 0] + 10, full[:, 1])
    np.testing.assert_array_equal(secs, expected)
    assert source.tolist() == np.argmin(np.column_stack([full[:, 0] + 10, full[:, 1]]), axis=1).tolist()
    assert secs[p1] == 10.0 and metres[p1] == 50.0 and source[p4] == 1
    capped = nearest_source(five, np.array([p1, p4]), weights, reverse=True, max_minutes=0.5)
    assert np.isinf(capped[0][_pos(five, 5)[0]]) and capped[2][_pos(five, 5)[0]] == -1


def test_path_nodes_follow_the_fastest_path(five: RoadGraph) -> None:
    """MADE-UP graph: 1 -> 3 goes through 5, 4 -> 1 back through 3 and 2."""
    p1, p3, p4 = _pos(five, 1, 3, 4)
    assert five.node_id[path_nodes(five, p1, p3)].tolist() == [1, 5, 3]
    assert five.node_id[path_nodes(five, p4, p1)].tolist() == [4, 3, 2, 1]
    assert path_nodes(five, p1, p1) == [p1]


def test_snap_points_to_the_nearest_node(five: RoadGraph) -> None:
    """MADE-UP points: on node 2, 100 m north of node 4, far at sea, without position."""
    lon = np.array([NODES[2][0], NODES[4][0], 8.0, np.nan])
    lat = np.array([NODES[2][1], NODES[4][1] + 0.0009, 41.0, np.nan])
    snap = snap_points(five, lon, lat, max_snap_m=5_000, access_speed_kph=36)
    assert snap.node[:2].tolist() == _pos(five, 2, 4) and snap.node[2:].tolist() == [-1, -1]
    assert snap.distance_m[0] == 0 and snap.distance_m[1] == pytest.approx(100, abs=1)
    assert snap.access_s[1] == pytest.approx(snap.distance_m[1] / 10)  # 36 km/h = 10 m/s
    assert snap.far.tolist() == [2, 3] and np.isinf(snap.distance_m[3])
    assert snap.summary()["far"] == 2 and snap.summary()["limit_m"] == 5_000


@given(
    st.floats(0, 500_000, allow_nan=False),
    st.floats(0, 1_000_000, allow_nan=False),
)
def test_search_weight_roundtrip(seconds: float, metres: float) -> None:
    secs, m = decode(encode(np.array([seconds]), np.array([metres])))
    assert abs(secs[0] - seconds) <= 5e-4 and abs(m[0] - metres) <= 0.5


def test_decode_keeps_inf() -> None:
    secs, metres = decode(np.array([np.inf]))
    assert np.isinf(secs[0]) and np.isinf(metres[0])


# --------------------------------------------------------------------------- Corsica


def test_matrix_agrees_with_networkx_to_the_second(corsica: RoadGraph, real_data: Path) -> None:
    """Against osmnx's own reading of the file (independent of the CSR conversion)."""
    G, _ = read_networkx(real_data / "roads" / "corse_drive.graphml.gz")
    rng = np.random.default_rng(3)
    src = rng.integers(0, corsica.n_nodes, 12)
    dst = rng.integers(0, corsica.n_nodes, 12)
    secs, metres = node_matrix(corsica, src, dst)
    for i, u in enumerate(src):
        for j in (i, (i + 5) % len(dst)):
            v = dst[j]
            ids = int(corsica.node_id[u]), int(corsica.node_id[v])
            expected = nx.shortest_path_length(G, *ids, weight="travel_time")
            assert abs(secs[i, j] - expected) < 1.0
            path = nx.shortest_path(G, *ids, weight="travel_time")
            length = sum(min(d["length"] for d in G[a][b].values()) for a, b in itertools.pairwise(path))
            assert metres[i, j] == pytest.approx(length, rel=1e-3, abs=5)


@_SETTINGS
@given(st.lists(st.integers(0, 31_332), min_size=3, max_size=3))
def test_triangle_inequality(corsica: RoadGraph, nodes: list[int]) -> None:
    secs, metres = node_matrix(corsica, nodes, nodes)
    a, b, c = 0, 1, 2
    assert secs[a, c] <= secs[a, b] + secs[b, c] + 1e-9
    assert np.diag(secs).max() == 0 and np.diag(metres).max() == 0
