"""Any GraphML is filtered to drivable ways (planner.travel.readers.drop_undrivable_edges)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.travel.graph import load_road_graph
from planner.travel.readers import is_drivable, is_drivable_edge, read_networkx


@pytest.mark.parametrize(
    ("data", "drivable"),
    [
        ({"highway": "residential"}, True),
        ({"highway": ["residential", "tertiary"]}, True),
        ({"highway": ["footway", "residential"]}, False),  # a merged edge partly on a footway
        ({"highway": "track"}, False),
        ({"highway": "residential", "access": ["private", "yes"]}, False),
        ({"highway": "residential", "access": "no"}, False),
        ({"highway": "residential", "access": "destination"}, True),
        ({"highway": "service", "service": "driveway"}, False),
        ({"length": 12.0}, True),  # a graph without tags (built elsewhere): taken as drivable
        ({"highway": "primary", "access": float("nan")}, True),
    ],
)
def test_edge_rule(data: dict, drivable: bool) -> None:
    """MADE-UP edge attributes."""
    assert is_drivable_edge(data) is drivable


def test_access_no_is_opened_by_a_motor_vehicle_tag() -> None:
    """MADE-UP tag sets."""
    assert not is_drivable({"highway": "residential", "access": "no"})
    assert is_drivable({"highway": "residential", "access": "no", "motor_vehicle": "yes"})
    assert is_drivable({"highway": "residential", "access": "no", "motorcar": "destination"})


def test_saint_germain_all_network_keeps_drivable_edges_only(real_data: Path) -> None:
    path = real_data / "roads" / "yvelines_saint_germain_all.graphml.gz"
    G, report = read_networkx(path)
    assert (report.nodes_read, report.edges_read) == (3_778, 10_588)
    assert report.edges_not_drivable == 7_906 and G.number_of_edges() == 10_588 - 7_906
    classes = {h for _, _, h in G.edges(data="highway") for h in (h if isinstance(h, list) else [h])}
    assert not classes & {"footway", "track", "path", "cycleway", "steps", "bridleway", "pedestrian", "service"}
    assert all(a not in ("private", "no") for _, _, a in G.edges(data="access"))

    graph = load_road_graph(path)
    r = graph.report
    assert (graph.n_nodes, graph.n_edges) == (1_327, 2_446)
    assert (r.nodes_read, r.edges_read, r.edges_not_drivable) == (3_778, 10_588, 7_906)
    assert (r.components_dropped, r.nodes_dropped) == (43, 140)


def test_corsica_drive_graphml_loses_nothing(real_data: Path) -> None:
    graph = load_road_graph(real_data / "roads" / "corse_drive.graphml.gz")
    assert graph.report.edges_not_drivable == 0
    assert (graph.n_nodes, graph.n_edges) == (31_333, 64_648)
