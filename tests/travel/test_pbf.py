"""Streaming PBF import into the compact graph (planner.travel.pbf, ``planner roads import``)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import osmium
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.access.coverage import compute_coverage
from planner.cli import app
from planner.errors import DataError
from planner.geo import great_circle_km
from planner.territory import select
from planner.travel.graph import RoadGraph, graph_for, load_road_graph
from planner.travel.model import TravelModel, model_for
from planner.travel.pbf import import_pbf, maxspeed_kph, read_pbf, way_direction, way_speed_kph
from tests.travel.overpass_loopback import folder_without_roads


@pytest.fixture(scope="module")
def corsica_pbf(real_data: Path) -> Path:
    return real_data / "osm_pbf" / "corse_drive_from_graphml.osm.pbf"


@pytest.fixture(scope="module")
def imported(corsica_pbf: Path) -> RoadGraph:
    graph, _ = read_pbf(corsica_pbf)
    return graph


@pytest.fixture()
def data_folder(real_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder whose ``roads/`` is writable (and empty): the real layers linked."""
    root = folder_without_roads(real_data, tmp_path / "data")
    monkeypatch.setenv("PLANNER_DATA_DIR", str(root))
    return root


# --------------------------------------------------------------------------- made-up tags


@pytest.mark.parametrize(
    ("value", "kph"),
    [("50", 50.0), ("30 mph", 30 * 1.609344), ("FR:rural", 80.0), ("FR:urban", 50.0), ("50;70", 60.0),
     ("90|70", 80.0), ("110 km/h", 110.0), ("signals", None), ("none", None), ("", None), (None, None), ("0", None)],
)
def test_maxspeed_values(value: str | None, kph: float | None) -> None:
    """MADE-UP ``maxspeed`` values."""
    assert maxspeed_kph(value) == (pytest.approx(kph) if kph is not None else None)


@given(st.integers(1, 300))
def test_maxspeed_numbers_round_trip(n: int) -> None:
    assert maxspeed_kph(str(n)) == n
    assert maxspeed_kph(f"{n} mph") == pytest.approx(n * 1.609344)


@given(st.text(max_size=20))
def test_maxspeed_never_raises_and_is_positive(text: str) -> None:
    speed = maxspeed_kph(text)
    assert speed is None or speed > 0


@pytest.mark.parametrize(
    ("tags", "direction"),
    [({"highway": "residential"}, 0), ({"highway": "primary", "oneway": "yes"}, 1),
     ({"highway": "primary", "oneway": "-1"}, -1), ({"highway": "primary", "oneway": "reverse"}, -1),
     ({"highway": "tertiary", "junction": "roundabout"}, 1), ({"highway": "motorway"}, 1),
     ({"highway": "motorway", "oneway": "no"}, 0), ({"highway": "secondary", "oneway": "reversible"}, 0)],
)
def test_way_direction(tags: dict[str, str], direction: int) -> None:
    """MADE-UP tag sets: ``oneway``, roundabouts and motorways (implied one-way)."""
    assert way_direction(tags) == direction


def test_speed_from_maxspeed_then_the_french_table() -> None:
    """MADE-UP tag sets."""
    assert way_speed_kph({"highway": "residential", "maxspeed": "FR:zone30"}) == (30.0, True)
    assert way_speed_kph({"highway": "trunk"}) == (110.0, False)
    assert way_speed_kph({"highway": "unknown_class"}) == (40.0, False)


# --------------------------------------------------------------------------- Corsica


def test_corsica_pbf_gives_the_graphml_graph(imported: RoadGraph, real_data: Path) -> None:
    graphml = load_road_graph(real_data / "roads" / "corse_drive.graphml.gz")
    assert (imported.n_nodes, imported.n_edges) == (31_333, 64_648) == (graphml.n_nodes, graphml.n_edges)

    def keyed(g: RoadGraph) -> set[tuple[int, int]]:
        return set(zip(g.node_id[g.tails].tolist(), g.node_id[g.indices].tolist()))

    assert keyed(imported) == keyed(graphml)  # same directed edges: oneway kept, nothing lost
    # the extract has no way geometry: every edge is the straight line between its ends
    straight = great_circle_km(imported.lon[imported.tails], imported.lat[imported.tails],
                               imported.lon[imported.indices], imported.lat[imported.indices]) * 1000
    np.testing.assert_allclose(imported.length_m, straight, rtol=1e-9)
    assert imported.report.missing_refs == 0 and imported.crs_metric == "EPSG:2154"


def test_corsica_coverage_by_the_pbf_matches_the_graphml(imported: RoadGraph, real_data: Path) -> None:
    """Share of Corsica's population within 30 min of a France Services, both graphs.

    The PBF was written from the GraphML with one straight way per node pair (the
    curves are lost: 16 % less road length), so it is compared with the GraphML's
    own graph at straight-line lengths and the GraphML's speeds: within 1 point.
    """
    graphml = load_road_graph(real_data / "roads" / "corse_drive.graphml.gz")
    straight = great_circle_km(graphml.lon[graphml.tails], graphml.lat[graphml.tails],
                               graphml.lon[graphml.indices], graphml.lat[graphml.indices]) * 1000
    same_info = dataclasses.replace(graphml, length_m=straight, time_s=graphml.time_s * straight / graphml.length_m)
    territory = select("2A,2B")
    shares = {
        name: compute_coverage(territory, ["france_services"], 30, travel=TravelModel(g)).share_within
        for name, g in (("pbf", imported), ("graphml_straight", same_info), ("graphml", graphml))
    }
    assert abs(shares["pbf"] - shares["graphml_straight"]) <= 0.01
    # measured: with the GraphML's curved lengths, 91.2 % against 93.2 % (shorter straight edges)
    assert shares["graphml"] == pytest.approx(0.9115, abs=0.002)
    assert shares["pbf"] == pytest.approx(0.9322, abs=0.002)


def test_import_writes_where_the_travel_model_finds_it(data_folder: Path, corsica_pbf: Path) -> None:
    summary = import_pbf(corsica_pbf)
    target = data_folder / "roads" / "corse_drive_from_graphml.roads.npz"
    assert summary["output"] == str(target) and target.is_file()
    assert (summary["nodes"], summary["edges"]) == (31_333, 64_648)
    assert (summary["ways_read"], summary["ways_kept"], summary["ways_with_maxspeed"]) == (34_186, 34_186, 34_186)
    assert summary["dropped_refs"] == 0 and summary["peak_rss_mb"] > 0 and summary["ways_per_second"] > 0
    territory = select("2A,2B")
    chosen = graph_for(territory.polygon)
    assert chosen is not None and chosen.report.source == "corse_drive_from_graphml.osm.pbf"
    assert model_for(territory).method == "road"
    with pytest.raises(DataError, match="existe déjà"):  # never overwritten silently
        import_pbf(corsica_pbf)
    assert import_pbf(corsica_pbf, force=True)["nodes"] == 31_333


def test_import_clipped_to_a_territory(corsica_pbf: Path, tmp_path: Path) -> None:
    summary = import_pbf(corsica_pbf, territory=select("2B"), out_dir=tmp_path)
    assert Path(summary["output"]).name == "corse_drive_from_graphml-2b.roads.npz"
    graph = load_road_graph(summary["output"])
    assert summary["edges_clipped"] > 0 and 0 < graph.n_nodes < 31_333
    assert graph.coverage(select("2B").polygon) >= 0.98
    assert graph.coverage(select("2A").polygon) < 0.9  # most of Corse-du-Sud is left out


def test_cli_import_json(corsica_pbf: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["roads", "import", str(corsica_pbf), "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    for key in ("nodes", "edges", "ways_read", "ways_kept", "seconds", "peak_rss_mb", "output", "dropped_refs"):
        assert key in payload
    assert payload["nodes"] == 31_333 and Path(payload["output"]).parent == tmp_path
    text = CliRunner().invoke(app, ["roads", "import", str(corsica_pbf), "--out", str(tmp_path), "--force"])
    assert text.exit_code == 0 and "Voies lues" in text.stdout and "Mio" in text.stdout


# --------------------------------------------------------------------------- Saint-Barthélemy (raw)


def test_saint_barthelemy_raw_pbf_imports(real_data: Path) -> None:
    graph, stats = read_pbf(real_data / "osm_pbf" / "saint_barthelemy.osm.pbf")
    # the clipped references of this extract are on footways and buildings, not on roads
    assert (stats.ways_read, stats.ways_kept) == (515, 500)
    assert graph.report.missing_refs == 0
    assert (graph.n_nodes, graph.n_edges, graph.report.components_dropped) == (919, 1_927, 6)
    assert graph.crs_metric == "EPSG:5490"


def test_missing_road_nodes_are_dropped_counted_and_split(real_data: Path, tmp_path: Path) -> None:
    """The real Saint-Barthélemy extract with the nodes of a box removed (a harder clip)."""
    source = real_data / "osm_pbf" / "saint_barthelemy.osm.pbf"
    clipped = tmp_path / "clipped.osm.pbf"
    writer = osmium.SimpleWriter(str(clipped))
    removed = set()
    for obj in osmium.FileProcessor(str(source)):
        if obj.is_node():
            if -62.86 < obj.location.lon < -62.84:
                removed.add(obj.id)
                continue
            writer.add_node(obj)
        elif obj.is_way():
            writer.add_way(obj)
    writer.close()
    graph, _ = read_pbf(clipped)
    full, _ = read_pbf(source)
    report = graph.report
    assert report.missing_refs > 0 and report.ways_with_missing_refs > 0
    assert not set(graph.node_id.tolist()) & removed
    # no edge jumps across the gap: every edge is as long as the straight line or longer
    straight = great_circle_km(graph.lon[graph.tails], graph.lat[graph.tails],
                               graph.lon[graph.indices], graph.lat[graph.indices]) * 1000
    assert (graph.length_m >= straight - 0.01).all() and graph.length_m.max() <= full.length_m.max()
    assert graph.n_nodes < full.n_nodes


def test_unreadable_and_roadless_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not a pbf")
    with pytest.raises(DataError, match="illisible"):
        read_pbf(bad)
    with pytest.raises(DataError, match="introuvable"):
        read_pbf(tmp_path / "absent.osm.pbf")
