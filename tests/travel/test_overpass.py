"""``planner roads fetch`` against a loopback Overpass API serving REAL OpenStreetMap data.

The server (tests/travel/overpass_loopback.py) answers osmnx's queries from the real
Saint-Barthélemy extract (``roads/saint_barthelemy.osm.bz2``) and the real Corsica
road extract (``osm_pbf/corse_drive_from_graphml.osm.pbf``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmnx as ox
import pytest
import shapely
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import DataError
from planner.outputs.text.roads import render_fetch_roads
from planner.territory import select
from planner.travel.download import download_graph, fetch_roads
from planner.travel.graph import RoadGraph, load_road_graph
from planner.travel.model import model_for

from .overpass_loopback import Loopback, OsmStore, folder_without_roads, serve

#: The island of Saint-Barthélemy (WGS84), around the extract's roads.
ISLAND = shapely.box(-62.88, 17.87, -62.78, 17.93)


@pytest.fixture(scope="module")
def saint_barth_server(real_data: Path) -> Iterator[Loopback]:
    server = serve(OsmStore.load(real_data / "roads" / "saint_barthelemy.osm.bz2"))
    yield server
    server.close()


@pytest.fixture()
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_data: Path) -> Path:
    """A private cache folder and a data folder whose ``roads/`` is writable and empty."""
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    root = folder_without_roads(real_data, tmp_path / "data")
    monkeypatch.setenv("PLANNER_DATA_DIR", str(root))
    return root


@dataclass
class MadeUpTerritory:
    """MADE-UP: Saint-Barthélemy cut into two made-up « départements » (west and east).

    Saint-Barthélemy is not in the commune table; ``fetch_roads`` only reads these
    three attributes of a :class:`planner.territory.Territory`.
    """

    spec: str = "977-essai"
    crs: str = "EPSG:5490"

    @property
    def communes(self) -> gpd.GeoDataFrame:
        west, east = shapely.box(-62.88, 17.87, -62.83, 17.93), shapely.box(-62.83, 17.87, -62.78, 17.93)
        return gpd.GeoDataFrame({"departement": ["977O", "977E"]}, geometry=[west, east], crs="EPSG:4326")


def test_download_gives_the_graph_of_the_local_extract(
    saint_barth_server: Loopback, fresh: Path, real_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ox.settings, "overpass_url", saint_barth_server.url)
    graph = download_graph(ISLAND, margin_km=1)
    local = load_road_graph(real_data / "roads" / "saint_barthelemy.osm.bz2")
    assert (graph.n_nodes, graph.n_edges) == (896, 1_883) == (local.n_nodes, local.n_edges)
    def keyed(g: RoadGraph) -> dict[tuple[int, int], float]:
        return dict(zip(zip(g.node_id[g.tails].tolist(), g.node_id[g.indices].tolist()), g.time_s.tolist()))

    mine, theirs = keyed(graph), keyed(local)
    assert mine.keys() == theirs.keys()
    np.testing.assert_allclose([mine[k] for k in theirs], list(theirs.values()), rtol=1e-9)
    assert "poly:" in saint_barth_server.queries[-1] and '["highway"]' in saint_barth_server.queries[-1]


def test_fetch_by_departement_resumes_and_feeds_the_travel_model(saint_barth_server: Loopback, fresh: Path) -> None:
    territory = MadeUpTerritory()
    start = len(saint_barth_server.queries)
    saint_barth_server.fail_after = start + 1  # the second département fails: an interruption
    with pytest.raises(DataError, match="échec du téléchargement"):
        fetch_roads(territory, overpass_url=saint_barth_server.url)
    assert len(saint_barth_server.queries) == start + 1
    saint_barth_server.fail_after = None

    lines: list[str] = []
    summary = fetch_roads(territory, overpass_url=saint_barth_server.url,
                          progress=lambda d, t, p, s: lines.append(f"{d}/{t} {p} {s}"))
    assert len(saint_barth_server.queries) == start + 2  # only the unfinished département
    assert [(p["code"], p["status"]) for p in summary["parts"]] == [("977E", "cached"), ("977O", "done")]
    assert (summary["parts_cached"], summary["parts_downloaded"]) == (1, 1)
    assert lines == ["1/2 977E cached", "1/2 977O download", "2/2 977O done"]
    target = fresh / "roads" / "osm-977-essai.roads.npz"
    assert summary["output"] == str(target) and target.is_file()
    # the merged graph is the whole island's: border nodes joined by their OSM ids
    assert (summary["nodes"], summary["edges"]) == (896, 1_883)
    model = model_for(shapely.buffer(load_road_graph(target).hull, -0.002))  # the island's roads
    assert model.method == "road" and model.graph is not None and model.graph.n_nodes == 896

    with pytest.raises(DataError, match="existe déjà"):
        fetch_roads(territory, overpass_url=saint_barth_server.url)
    again = fetch_roads(territory, overpass_url=saint_barth_server.url, force=True)
    assert again["parts_cached"] == 2 and len(saint_barth_server.queries) == start + 2
    text = render_fetch_roads(again)
    assert "repris du cache : 2" in text and "© les contributeurs d'OpenStreetMap" in text


def test_cli_fetch_on_a_corsican_territory(real_data: Path, fresh: Path) -> None:
    server = serve(OsmStore.load(real_data / "osm_pbf" / "corse_drive_from_graphml.osm.pbf"))
    try:
        result = CliRunner().invoke(
            app, ["roads", "fetch", "--territory", "2A040,2B354", "--overpass-url", server.url, "--json"]
        )
    finally:
        server.close()
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert [p["code"] for p in payload["parts"]] == ["2A", "2B"] and payload["parts_downloaded"] == 2
    assert len(server.queries) >= 2 and payload["nodes"] > 1_000  # osmnx splits large areas
    assert "département 2A : téléchargement" in result.stderr
    territory = select("2A040,2B354")
    assert model_for(territory).method == "road"
    assert Path(payload["output"]) == fresh / "roads" / "osm-2a040-2b354.roads.npz"
