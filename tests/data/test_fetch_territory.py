"""``planner data fetch --territory`` fetches the road graph from the same place
(planner.travel.obtain): offline Overpass gives a French message, a territory already
covered downloads nothing, and against the loopback Overpass API serving REAL OSM data
(tests/travel/overpass_loopback.py) the graph lands and is reported like a layer."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.data import fetch
from planner.errors import DataError
from planner.outputs.text.data import render_fetch
from planner.territory import select
from planner.travel.obtain import fetch_territory
from tests.travel.overpass_loopback import OsmStore, folder_without_roads, serve


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder, no bundle behind it, a private cache."""
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PLANNER_BUNDLE_DIR", "")
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "data"


def test_unreachable_overpass_is_told_in_french(empty: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"
    territory = select("2A040")
    with pytest.raises(DataError, match="impossible de joindre OpenStreetMap"):
        fetch_territory(territory, ["roads"], overpass_url=url, progressbar=False)
    (result,) = fetch_territory(territory, ["roads"], overpass_url=url, progressbar=False,
                                keep_going=True)
    assert result.layer == "roads" and result.status == fetch.FAILED
    assert "pas d'accès à Internet" in result.message
    assert "roads : échec" in render_fetch(fetch.fetch_report([result], empty, "2A040"))


def test_cli_data_fetch_offline_roads_exit_2_in_french(empty: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"
    result = CliRunner().invoke(app, ["data", "fetch", "--territory", "2A040", "--layers", "roads",
                                      "--overpass-url", url])
    assert result.exit_code != 0
    assert isinstance(result.exception, DataError)
    assert "impossible de joindre OpenStreetMap" in str(result.exception)


def test_no_roads_option_fetches_no_road(empty: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"
    result = CliRunner().invoke(app, ["data", "fetch", "--territory", "2A040", "--layers", "roads",
                                      "--no-roads", "--overpass-url", url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["layers"] == []


def test_territory_covered_by_a_local_graph_downloads_no_road(corsica_data: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"  # never called
    (result,) = fetch_territory(select("2A040,2B354"), ["roads"], overpass_url=url,
                                progressbar=False)
    assert result.status == fetch.SKIPPED and "couvre déjà ce territoire" in result.message


@pytest.fixture
def without_roads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_data: Path) -> Path:
    """The real snapshots, minus their road graphs (``roads/`` empty and writable)."""
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    root = folder_without_roads(real_data, tmp_path / "data")
    monkeypatch.setenv("PLANNER_DATA_DIR", str(root))
    return root


def test_cli_data_fetch_territory_lands_the_road_graph(real_data: Path, without_roads: Path) -> None:
    server = serve(OsmStore.load(real_data / "osm_pbf" / "corse_drive_from_graphml.osm.pbf"))
    try:
        result = CliRunner().invoke(app, ["data", "fetch", "--territory", "2A040,2B354",
                                          "--layers", "roads", "--overpass-url", server.url, "--json"])
    finally:
        server.close()
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout[result.stdout.index("{"):])
    (roads,) = payload["layers"]
    assert roads["layer"] == "roads" and roads["status"] == fetch.DOWNLOADED
    assert roads["file"] == "roads/osm-2a040-2b354.roads.npz"
    assert (without_roads / roads["file"]).stat().st_size == roads["size"]
    assert "départements 2A, 2B" in roads["message"] and "OpenStreetMap" in roads["message"]
    assert "département 2A : téléchargement" in result.stderr  # the same progress as roads fetch
