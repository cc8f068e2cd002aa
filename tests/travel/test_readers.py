"""Reading road files: GraphML, clipped OSM XML and PBF, the drive filter (planner.travel.readers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.errors import DataError
from planner.geo import great_circle_km
from planner.travel.graph import RoadGraph, load_road_graph
from planner.travel.readers import is_drivable, read_networkx, road_file_kind
from planner.travel.search import node_matrix

FIXTURES = Path(__file__).parents[1] / "fixtures"
#: MADE-UP: a hand-written clipped extract near Ajaccio (see the comment in the file).
CLIPPED = FIXTURES / "clipped_roads.osm"


def _haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return float(great_circle_km(lon1, lat1, lon2, lat2)) * 1000


@pytest.fixture(scope="module")
def saint_barth(real_data: Path) -> RoadGraph:
    return load_road_graph(real_data / "roads" / "saint_barthelemy.osm.bz2")


# --------------------------------------------------------------------------- made-up inputs


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
        ({"highway": "tertiary", "motorcar": "no"}, False),
        ({"highway": "pedestrian", "area": "yes"}, False),
        ({"highway": "residential", "service": "driveway"}, False),
        ({"building": "yes"}, False),
        ({}, False),
    ],
)
def test_drive_filter(tags: dict[str, str], drivable: bool) -> None:
    """MADE-UP tag sets against osmnx's ``drive`` filter."""
    assert is_drivable(tags) is drivable


@pytest.mark.parametrize(
    ("name", "kind"),
    [("a.graphml", "graphml"), ("A.GRAPHML.GZ", "graphml"), ("x.osm", "osm"), ("x.osm.bz2", "osm"),
     ("x.osm.pbf", "osm"), ("x.osm.gz", "osm"), ("routes.shp", None), ("x.gz", None)],
)
def test_road_file_kind(name: str, kind: str | None) -> None:
    assert road_file_kind(Path(name)) == kind


def test_clipped_way_is_split_not_joined_and_speeds_follow_the_french_table() -> None:
    """MADE-UP extract: the repair, the drive filter and the French speeds together."""
    graph = load_road_graph(CLIPPED)
    report = graph.report
    assert (report.missing_refs, report.ways_with_missing_refs, report.missing_refs_on_roads) == (2, 2, 1)
    # way 15 is an isolated component; node 6 only lies on a building and a footway
    assert (report.components_dropped, report.nodes_dropped) == (1, 2)
    assert sorted(graph.node_id.tolist()) == [1, 2, 3, 4, 9, 11]
    pos = {int(i): k for k, i in enumerate(graph.node_id)}
    secs, metres = node_matrix(graph, [pos[4], pos[2], pos[1]], [pos[1], pos[3], pos[4]])
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


def test_read_networkx_reports_the_repair_before_pruning() -> None:
    """MADE-UP extract: the networkx graph still holds the isolated way 15."""
    G, report = read_networkx(CLIPPED)
    assert report.source == "clipped_roads.osm" and report.missing_refs == 2
    assert {7, 8} <= set(G.nodes) and 6 not in G.nodes and 99 not in G.nodes


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    other = tmp_path / "routes.shp"
    other.write_text("x")
    with pytest.raises(DataError, match="format de réseau routier non reconnu"):
        load_road_graph(other)
    with pytest.raises(DataError, match="format de réseau routier non reconnu"):
        read_networkx(other)
    with pytest.raises(DataError, match="introuvable"):
        load_road_graph(tmp_path / "absent.graphml")


def test_unreadable_graphml_is_a_french_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml>pas un graphe</graphml")
    with pytest.raises(DataError, match="GraphML illisible"):
        read_networkx(bad)


# --------------------------------------------------------------------------- real files


def test_saint_barthelemy_loads_from_the_raw_clipped_file(saint_barth: RoadGraph) -> None:
    report = saint_barth.report
    # 64 references to nodes clipped out of the extract, in 5 ways (none of them roads)
    assert (report.missing_refs, report.ways_with_missing_refs, report.missing_refs_on_roads) == (64, 5, 0)
    assert (report.nodes_read, report.edges_read) == (914, 1_909)
    assert (report.components_dropped, report.nodes_dropped, report.edges_dropped) == (6, 18, 24)
    assert (saint_barth.n_nodes, saint_barth.n_edges) == (896, 1_883)
    assert report.edges_imputed == 1_909 and report.edges_with_file_times == 0
    # overseas: the official projection of Saint-Barthélemy (RGAF09 / UTM 20N), never Lambert-93
    assert saint_barth.crs_metric == report.crs_metric == "EPSG:5490"
    # every imputed speed is one of the French table's or a posted maxspeed
    speeds = saint_barth.length_m / saint_barth.time_s * 3.6
    assert speeds.min() >= 5 and speeds.max() <= 130


def test_raw_osm_xml_is_refused_by_osmnx_as_is(real_data: Path) -> None:
    """The repair is needed: osmnx alone refuses the clipped extract."""
    import osmnx as ox

    with pytest.raises(ValueError, match="missing nodes"):
        ox.graph_from_xml(real_data / "roads" / "saint_barthelemy.osm.bz2")


def test_pbf_reads_like_the_xml(real_data: Path, saint_barth: RoadGraph, tmp_path: Path) -> None:
    import osmium

    pbf = tmp_path / "saint_barthelemy.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(real_data / "roads" / "saint_barthelemy.osm.bz2")):
        if obj.is_node():
            writer.add_node(obj)
        elif obj.is_way():
            writer.add_way(obj)
    writer.close()
    graph = load_road_graph(pbf)
    assert graph.report.missing_refs == 64
    np.testing.assert_array_equal(graph.node_id, saint_barth.node_id)
    np.testing.assert_array_equal(graph.indices, saint_barth.indices)
    np.testing.assert_allclose(graph.time_s, saint_barth.time_s)
