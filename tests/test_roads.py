"""Road graphs: GraphML, clipped OSM XML and PBF files, speeds, components, compact cache."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from planner import roads, travel
from planner.roads import FRENCH_HIGHWAY_SPEEDS, FRENCH_IMPLICIT_MAXSPEEDS
from planner.schema import DataError

FIXTURES = Path(__file__).parent / "fixtures"
CLIPPED = FIXTURES / "clipped_roads.osm"


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(travel.great_circle_km(lon1, lat1, lon2, lat2)) * 1000


@pytest.fixture(scope="module")
def corsica(real_data: Path) -> roads.RoadGraph:
    return roads.load_road_graph(real_data / "roads" / "corse_drive.graphml.gz")


@pytest.fixture(scope="module")
def saint_barth(real_data: Path) -> roads.RoadGraph:
    return roads.load_road_graph(real_data / "roads" / "saint_barthelemy.osm.bz2")


# --------------------------------------------------------------------------- Corsica


def test_corsica_graph_keeps_file_travel_times(corsica: roads.RoadGraph) -> None:
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
    corsica: roads.RoadGraph, real_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("GraphML relu alors que le cache existe")

    monkeypatch.setattr(roads, "_build", refuse)
    again = roads.load_road_graph(real_data / "roads" / "corse_drive.graphml.gz")
    assert again.key == corsica.key and again.key.startswith("roads-")
    for name in ("node_id", "indptr", "indices", "time_s", "length_m", "x", "y"):
        np.testing.assert_array_equal(getattr(again, name), getattr(corsica, name))
    assert again.report.summary() == corsica.report.summary()


def test_graph_for_picks_the_covering_file(corsica: roads.RoadGraph) -> None:
    from planner.territory import select

    chosen = roads.graph_for(select("2A,2B").polygon)
    assert chosen is not None and chosen.key == corsica.key
    assert corsica.coverage(select("2B").polygon) > 0.99
    assert roads.graph_for(select("23").polygon) is None  # Creuse: no local graph
    assert corsica.coverage(select("23").polygon) == 0.0


# --------------------------------------------------------------------------- OSM files


def test_saint_barthelemy_loads_from_the_raw_clipped_file(saint_barth: roads.RoadGraph) -> None:
    report = saint_barth.report
    # 64 references to nodes clipped out of the extract, in 5 ways (none of them roads)
    assert (report.missing_refs, report.ways_with_missing_refs, report.missing_refs_on_roads) == (64, 5, 0)
    assert (report.nodes_read, report.edges_read) == (914, 1_909)
    assert (report.components_dropped, report.nodes_dropped, report.edges_dropped) == (6, 18, 24)
    assert (saint_barth.n_nodes, saint_barth.n_edges) == (896, 1_883)
    assert report.edges_imputed == 1_909 and report.edges_with_file_times == 0
    # overseas: the UTM zone, never Lambert-93
    assert saint_barth.crs_metric == "EPSG:32620"
    assert "64 référence(s) à des nœuds absents" in report.describe()
    # every imputed speed is one of the French table's or a posted maxspeed
    speeds = saint_barth.length_m / saint_barth.time_s * 3.6
    assert speeds.min() >= 5 and speeds.max() <= 130


def test_raw_osm_xml_is_refused_by_osmnx_as_is(real_data: Path) -> None:
    """The repair is needed: osmnx alone refuses the clipped extract."""
    import osmnx as ox

    with pytest.raises(ValueError, match="missing nodes"):
        ox.graph_from_xml(real_data / "roads" / "saint_barthelemy.osm.bz2")


def test_pbf_reads_like_the_xml(real_data: Path, saint_barth: roads.RoadGraph, tmp_path: Path) -> None:
    import osmium

    pbf = tmp_path / "saint_barthelemy.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(real_data / "roads" / "saint_barthelemy.osm.bz2")):
        if obj.is_node():
            writer.add_node(obj)
        elif obj.is_way():
            writer.add_way(obj)
    writer.close()
    graph = roads.load_road_graph(pbf)
    assert graph.report.missing_refs == 64
    np.testing.assert_array_equal(graph.node_id, saint_barth.node_id)
    np.testing.assert_array_equal(graph.indices, saint_barth.indices)
    np.testing.assert_allclose(graph.time_s, saint_barth.time_s)


def test_clipped_way_is_split_not_joined_and_speeds_follow_the_french_table() -> None:
    graph = roads.load_road_graph(CLIPPED)
    report = graph.report
    assert (report.missing_refs, report.ways_with_missing_refs, report.missing_refs_on_roads) == (2, 2, 1)
    # way 15 is an isolated component; node 6 only lies on a building and a footway
    assert (report.components_dropped, report.nodes_dropped) == (1, 2)
    assert sorted(graph.node_id.tolist()) == [1, 2, 3, 4, 9, 11]
    pos = {int(i): k for k, i in enumerate(graph.node_id)}
    secs, metres = travel.node_matrix(graph, [pos[4], pos[2], pos[1]], [pos[1], pos[3], pos[4]])
    # 4 -> 1: one-way primary tagged FR:rural, 80 km/h
    d41 = _haversine_m(8.736, 41.92, 8.730, 41.92)
    assert secs[0, 0] == pytest.approx(d41 / (80 / 3.6), rel=0.01)
    assert metres[0, 0] == pytest.approx(d41, abs=1)
    # 2 -> 3: not straight across the missing node 99 (residential, 30 km/h, 20 s),
    # but along way 11 through node 5 (living_street, 20 km/h)
    d253 = 2 * _haversine_m(8.732, 41.92, 8.733, 41.921)
    assert secs[1, 1] == pytest.approx(d253 / (20 / 3.6), rel=0.01)
    # 1 -> 4 cannot take the one-way street backwards: 1-2 and 3-4 residential, 2-5-3
    d12 = _haversine_m(8.730, 41.92, 8.732, 41.92)
    expected = 2 * d12 / (30 / 3.6) + d253 / (20 / 3.6)
    assert secs[2, 2] == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize(("value", "kph"), sorted(FRENCH_IMPLICIT_MAXSPEEDS.items()))
def test_french_implicit_maxspeeds(value: str, kph: float) -> None:
    assert float(roads._french_maxspeed(value)) == kph


def test_french_speed_table_values() -> None:
    assert FRENCH_IMPLICIT_MAXSPEEDS["FR:urban"] == 50
    assert FRENCH_IMPLICIT_MAXSPEEDS["FR:rural"] == 80
    assert FRENCH_IMPLICIT_MAXSPEEDS["FR:motorway"] == 130
    assert FRENCH_HIGHWAY_SPEEDS["motorway"] == 130
    ordered = ["motorway", "trunk", "primary", "secondary", "tertiary", "residential", "living_street"]
    values = [FRENCH_HIGHWAY_SPEEDS[h] for h in ordered]
    assert values == sorted(values, reverse=True)


@given(st.text(max_size=12))
def test_french_maxspeed_leaves_other_values_alone(value: str) -> None:
    if value.strip() not in FRENCH_IMPLICIT_MAXSPEEDS:
        assert roads._french_maxspeed(value) == value


@pytest.mark.parametrize(
    ("tags", "drivable"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "primary", "oneway": "yes"}, True),
        ({"highway": "footway"}, False),
        ({"highway": "track"}, False),
        ({"highway": "service"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "unclassified", "motor_vehicle": "no"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"building": "yes"}, False),
    ],
)
def test_drive_filter(tags: dict[str, str], drivable: bool) -> None:
    assert roads._is_drivable(tags) is drivable


# --------------------------------------------------------------------------- errors, cache


def test_download_fails_fast_offline_with_a_french_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args: object, **kwargs: object) -> None:
        raise OSError("réseau injoignable")

    monkeypatch.setattr(socket, "create_connection", offline)
    polygon = shapely.box(2.0, 46.0, 2.1, 46.1)
    with pytest.raises(DataError) as err:
        roads.download_graph(polygon)
    text = str(err.value)
    assert "pas d'accès à Internet" in text
    assert "roads/" in text and ".osm.pbf" in text and ".graphml" in text


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    other = tmp_path / "routes.shp"
    other.write_text("x")
    with pytest.raises(DataError, match="format de réseau routier non reconnu"):
        roads.load_road_graph(other)
    with pytest.raises(DataError, match="introuvable"):
        roads.load_road_graph(tmp_path / "absent.graphml")


def test_corrupt_cache_is_rebuilt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path))
    first = roads.load_road_graph(CLIPPED)
    target = tmp_path / f"{first.key}.npz"
    assert target.exists()
    target.write_bytes(b"not a zip")
    again = roads.load_road_graph(CLIPPED)
    np.testing.assert_array_equal(again.time_s, first.time_s)
    assert target.stat().st_size > 100


def test_to_networkx_matches_the_csr_searches() -> None:
    import networkx as nx

    graph = roads.load_road_graph(CLIPPED)
    G = graph.to_networkx()
    assert (G.number_of_nodes(), G.number_of_edges()) == (graph.n_nodes, graph.n_edges)
    nodes = np.arange(graph.n_nodes)
    secs, _ = travel.node_matrix(graph, nodes, nodes)
    expected = dict(nx.all_pairs_dijkstra_path_length(G, weight="travel_time"))
    for u in nodes:
        for v in nodes:
            assert secs[u, v] == pytest.approx(expected[u][v], abs=1e-3)
