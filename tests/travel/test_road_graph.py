"""The compact road graph, its cache and the choice of a territory's graph (planner.travel.graph)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer

from planner.errors import DataError
from planner.geo import CRS_METRIC, CRS_WGS84
from planner.territory import select
from planner.travel import graph as road_graph
from planner.travel.graph import RoadGraph, from_networkx, graph_for, load_road_graph
from planner.travel.search import node_matrix
from tests.travel.made_up import five_node_graph

CLIPPED = Path(__file__).parents[1] / "fixtures" / "clipped_roads.osm"


@pytest.fixture(scope="module")
def corsica(real_data: Path) -> RoadGraph:
    return load_road_graph(real_data / "roads" / "corse_drive.graphml.gz")


# --------------------------------------------------------------------------- made-up graphs


def test_five_node_graph_is_compacted() -> None:
    """MADE-UP graph: parallel edges merged into the fastest, self-loop dropped, CSR sorted."""
    graph = from_networkx(five_node_graph())
    report = graph.report
    assert (report.nodes_read, report.edges_read) == (5, 11)
    assert (report.parallel_edges_merged, report.self_loops_dropped) == (1, 1)
    assert (graph.n_nodes, graph.n_edges) == (5, 9) and report.components_dropped == 0
    assert report.edges_with_file_times == 11 and report.edges_imputed == 0
    assert graph.indptr.tolist() == [0, 2, 4, 6, 8, 9]  # out-degrees 2, 2, 2, 2, 1
    pos = {int(i): k for k, i in enumerate(graph.node_id)}
    row = slice(graph.indptr[pos[1]], graph.indptr[pos[1] + 1])
    heads = graph.node_id[graph.indices[row]].tolist()
    assert dict(zip(heads, graph.time_s[row].tolist())) == {2: 60.0, 5: 50.0}
    assert graph.crs_metric == CRS_METRIC  # near Ajaccio: Lambert-93


def test_smaller_components_are_dropped() -> None:
    """MADE-UP graph plus a one-way spur 4 -> 6: node 6 cannot come back, it is dropped."""
    G = five_node_graph()
    G.add_node(6, x=8.74, y=41.92)
    G.add_edge(4, 6, travel_time=10.0, length=100.0)
    graph = from_networkx(G)
    assert 6 not in graph.node_id.tolist()
    assert (graph.report.components_dropped, graph.report.nodes_dropped, graph.report.edges_dropped) == (1, 1, 1)
    assert graph.report.km_dropped == pytest.approx(0.1)


@pytest.mark.parametrize("compress", [False, True])
def test_compact_file_is_the_same_bytes_when_saved_again(tmp_path: Path, compress: bool) -> None:
    """MADE-UP graph saved twice a few seconds apart: identical files (a rebuilt bundle
    changes only when its data does), and read back unchanged."""
    graph = from_networkx(five_node_graph())
    first, second = tmp_path / "a.roads.npz", tmp_path / "b.roads.npz"
    road_graph.save_compact(graph, first, compress=compress)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("time.time", lambda: 2_000_000_000.0)  # another day on the clock
        road_graph.save_compact(graph, second, compress=compress)
    assert first.read_bytes() == second.read_bytes()
    again = road_graph.read_compact(second)
    assert again.node_id.tolist() == graph.node_id.tolist()
    np.testing.assert_array_equal(again.time_s, graph.time_s)


def test_empty_graph_is_refused() -> None:
    with pytest.raises(DataError, match="aucune route praticable"):
        from_networkx(nx.MultiDiGraph(name="vide"))


def test_reunion_graph_measures_in_its_own_projection() -> None:
    """MADE-UP graph at Réunion: 0.1° of longitude is 10.4 km on the ground (EPSG:2975),
    where Lambert-93 would stretch it to 19.5 km."""
    G = nx.MultiDiGraph()
    G.add_node(1, x=55.5, y=-21.1)
    G.add_node(2, x=55.6, y=-21.1)
    G.add_edge(1, 2, travel_time=600.0, length=10_400.0)
    G.add_edge(2, 1, travel_time=600.0, length=10_400.0)
    graph = from_networkx(G)
    assert graph.crs_metric == "EPSG:2975"
    local = float(np.hypot(np.diff(graph.x), np.diff(graph.y))[0])
    assert local / 1000 == pytest.approx(10.4, abs=0.05)
    x, y = Transformer.from_crs(CRS_WGS84, CRS_METRIC, always_xy=True).transform(graph.lon, graph.lat)
    assert float(np.hypot(np.diff(x), np.diff(y))[0]) / 1000 == pytest.approx(19.5, abs=0.05)


def test_to_networkx_matches_the_csr_searches() -> None:
    """MADE-UP extract: networkx on the compact graph gives the CSR searches' times."""
    graph = load_road_graph(CLIPPED)
    G = graph.to_networkx()
    assert (G.number_of_nodes(), G.number_of_edges()) == (graph.n_nodes, graph.n_edges)
    nodes = np.arange(graph.n_nodes)
    secs, _ = node_matrix(graph, nodes, nodes)
    expected = dict(nx.all_pairs_dijkstra_path_length(G, weight="travel_time"))
    for u in nodes:
        for v in nodes:
            assert secs[u, v] == pytest.approx(expected[u][v], abs=1e-3)


def test_corrupt_cache_is_rebuilt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path))
    first = load_road_graph(CLIPPED)
    target = tmp_path / f"{first.key}.npz"
    assert target.exists()
    target.write_bytes(b"not a zip")
    again = load_road_graph(CLIPPED)
    np.testing.assert_array_equal(again.time_s, first.time_s)
    assert target.stat().st_size > 100


# --------------------------------------------------------------------------- Corsica


def test_corsica_graph_keeps_file_travel_times(corsica: RoadGraph) -> None:
    report = corsica.report
    assert (corsica.n_nodes, report.edges_read) == (31_333, 65_009)
    # 306 parallel edges merged into the fastest, 55 self-loops dropped; the file is
    # one strong component
    assert (report.parallel_edges_merged, report.self_loops_dropped) == (306, 55)
    assert corsica.n_edges == 65_009 - 361
    assert report.components_dropped == 0 and report.nodes_dropped == 0
    assert report.edges_with_file_times == 65_009 and report.edges_imputed == 0
    assert corsica.crs_metric == "EPSG:2154"
    # CSR consistency: sorted rows, no self-loops, positive lengths
    assert corsica.indptr[-1] == corsica.n_edges
    assert (corsica.indices != corsica.tails).all()
    assert (corsica.time_s > 0).all() and (corsica.length_m > 0).all()
    # Lambert-93 of Corsica: x about 1.1-1.25e6, y about 6.03-6.23e6
    assert 1.1e6 < corsica.x.min() < corsica.x.max() < 1.26e6
    assert 6.0e6 < corsica.y.min() < corsica.y.max() < 6.25e6


def test_corsica_warm_load_reads_the_cache_not_graphml(
    corsica: RoadGraph, real_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("GraphML relu alors que le cache existe")

    monkeypatch.setattr(road_graph, "_build", refuse)
    again = load_road_graph(real_data / "roads" / "corse_drive.graphml.gz")
    assert again.key == corsica.key and again.key.startswith("roads-")
    for name in ("node_id", "indptr", "indices", "time_s", "length_m", "x", "y"):
        np.testing.assert_array_equal(getattr(again, name), getattr(corsica, name))
    assert again.report.summary() == corsica.report.summary()


def test_graph_for_picks_the_covering_file(corsica: RoadGraph) -> None:
    chosen = graph_for(select("2A,2B").polygon)
    assert chosen is not None and chosen.key == corsica.key
    assert corsica.coverage(select("2B").polygon) > 0.99
    assert graph_for(select("23").polygon) is None  # Creuse: no local graph
    assert corsica.coverage(select("23").polygon) == 0.0
