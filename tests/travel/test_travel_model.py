"""The travel model: matrices, nearest sites, snapping, paths (planner.travel.model)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import DataError, SettingsError
from planner.territory import select
from planner.travel.graph import RoadGraph, from_networkx, load_road_graph
from planner.travel.model import NearestSites, TravelModel, origins_of, travel_summary
from planner.travel.search import node_matrix
from tests.travel.made_up import NODES, five_node_graph

_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def five() -> TravelModel:
    """A model on the MADE-UP five-node graph (tests/travel/made_up.py), access legs at 36 km/h."""
    return TravelModel(from_networkx(five_node_graph()), access_speed_kph=36.0)


@pytest.fixture(scope="module")
def corsica_territory(corsica_data: Path):
    return select("2A,2B")


@pytest.fixture(scope="module")
def model(corsica_roads: Path) -> TravelModel:
    return TravelModel(load_road_graph(corsica_roads))


@pytest.fixture(scope="module")
def town_halls(corsica_territory) -> gpd.GeoDataFrame:
    return origins_of(corsica_territory, "town_hall")


@pytest.fixture(scope="module")
def post_offices(corsica_territory) -> gpd.GeoDataFrame:
    return corsica_territory.sites(networks=["la_poste"])


@pytest.fixture(scope="module")
def nearest_post(model: TravelModel, town_halls, post_offices) -> NearestSites:
    return model.nearest(town_halls, post_offices)


def _hall(town_halls: gpd.GeoDataFrame, insee: str) -> gpd.GeoDataFrame:
    return town_halls[town_halls["insee"] == insee]


# --------------------------------------------------------------------------- made-up graph


def test_matrix_adds_access_legs(five: TravelModel) -> None:
    """MADE-UP graph: a point 100 m north of node 1 to node 3 pays 10 s of access leg."""
    start = np.array([[NODES[1][0], NODES[1][1] + 0.0009]])
    end = np.array([NODES[3]])
    result = five.matrix(start, end)
    d = result.origins.distance_m[0]
    assert d == pytest.approx(100, abs=1) and result.method == "road"
    assert result.minutes[0, 0] == pytest.approx((100.0 + d / 10) / 60)  # 1 -> 5 -> 3 is 100 s
    assert result.km[0, 0] == pytest.approx((2500 + d) / 1000)
    assert five.matrix(start, end, max_minutes=1.5).minutes[0, 0] == np.inf


def test_close_points_are_joined_directly(five: TravelModel) -> None:
    """MADE-UP points 50 m apart on either side of node 4: the direct leg, not twice the access."""
    a = np.array([[NODES[4][0], NODES[4][1] + 0.00025]])
    b = np.array([[NODES[4][0], NODES[4][1] - 0.00020]])
    result = five.matrix(a, b)
    assert result.km[0, 0] == pytest.approx(0.050, abs=0.002)
    assert result.minutes[0, 0] == pytest.approx(result.km[0, 0] * 1000 / 10 / 60)
    near = five.nearest(a, b)
    assert near.site.tolist() == [0] and near.minutes[0] == pytest.approx(result.minutes[0, 0])


def test_nearest_on_five_nodes(five: TravelModel) -> None:
    """MADE-UP graph: from node 1, site B at node 3 (100 s) beats site A at node 4 (130 s)."""
    sites = gpd.GeoDataFrame(
        {"site_id": ["A", "B"]}, geometry=gpd.points_from_xy([NODES[4][0], NODES[3][0]], [NODES[4][1], NODES[3][1]]),
        crs="EPSG:4326",
    )
    near = five.nearest(np.array([NODES[1], NODES[4]]), sites)
    assert near.site.tolist() == [1, 0] and near.site_id.tolist() == ["B", "A"]
    assert near.minutes.tolist() == pytest.approx([100 / 60, 0.0])
    assert len(near.node_minutes) == 5 and near.unreachable == 0


def test_path_line_follows_the_roads(five: TravelModel) -> None:
    """MADE-UP graph: node 1 to node 3 by the one-way detour through node 5."""
    line = five.path_line(np.array([NODES[1], NODES[3]]))
    lons = [round(x, 4) for x, _ in line.coords]
    assert lons == [8.70, 8.70, 8.71, 8.72, 8.72]  # point, node 1, node 5, node 3, point
    assert TravelModel(None).path_line(np.array([NODES[1], NODES[3]])) is None


def test_settings_are_checked() -> None:
    with pytest.raises(SettingsError, match="vitesse d'accès"):
        TravelModel(None, access_speed_kph=0)
    with pytest.raises(SettingsError, match="rattachement"):
        TravelModel(None, max_snap_m=-1)
    with pytest.raises(DataError, match="aucun réseau routier"):
        TravelModel(None).snap(np.array([NODES[1]]))


# --------------------------------------------------------------------------- Corsica


def test_ajaccio_to_bastia_by_road(model: TravelModel, town_halls) -> None:
    ajaccio, bastia = _hall(town_halls, "2A004"), _hall(town_halls, "2B033")
    there = model.matrix(ajaccio, bastia)
    back = model.matrix(bastia, ajaccio)
    assert there.method == "road"
    assert 100 < there.minutes[0, 0] < 140
    assert 100 < back.minutes[0, 0] < 140
    assert there.minutes[0, 0] == pytest.approx(114.4, abs=0.5)
    assert 140 < there.km[0, 0] < 160
    assert there.origins.distance_m[0] < 50 and there.destinations.distance_m[0] < 50


def test_matrix_uses_both_directions_consistently(model: TravelModel, town_halls, post_offices) -> None:
    # more origins than destinations runs on the reversed graph: same numbers
    few = post_offices.iloc[:7]
    wide = model.matrix(town_halls.iloc[:40], few)
    tall = model.matrix(few, town_halls.iloc[:40])
    narrow = model.matrix(town_halls.iloc[:3], few)
    np.testing.assert_array_equal(wide.minutes[:3], narrow.minutes)
    assert wide.minutes.shape == (40, 7) and tall.minutes.shape == (7, 40)
    # one-way streets: there and back differ somewhere, but not by much
    assert not np.array_equal(wide.minutes, tall.minutes.T)
    assert np.nanmax(np.abs(wide.minutes - tall.minutes.T) / wide.minutes) < 0.5


def test_cutoff_keeps_shorter_trips_exact(model: TravelModel, town_halls, post_offices) -> None:
    full = model.matrix(town_halls.iloc[::9], post_offices)
    capped = model.matrix(town_halls.iloc[::9], post_offices, max_minutes=30)
    within = full.minutes <= 30
    assert within.any() and (~within).any()
    np.testing.assert_array_equal(capped.minutes[within], full.minutes[within])
    np.testing.assert_array_equal(capped.km[within], full.km[within])
    assert np.isinf(capped.minutes[~within]).all() and np.isinf(capped.km[~within]).all()


def test_nearest_agrees_with_matrix_row_minima(model: TravelModel, town_halls, post_offices, nearest_post) -> None:
    full = model.matrix(town_halls, post_offices)
    np.testing.assert_allclose(nearest_post.minutes, full.minutes.min(axis=1), rtol=0, atol=1e-9)
    rows = np.arange(len(town_halls))
    np.testing.assert_allclose(full.minutes[rows, nearest_post.site], nearest_post.minutes, atol=1e-9)
    np.testing.assert_allclose(full.km[rows, nearest_post.site], nearest_post.km, atol=1e-9)
    assert nearest_post.method == "road" and nearest_post.unreachable == 0
    assert list(nearest_post.site_id) == post_offices["site_id"].iloc[nearest_post.site].tolist()


def test_nearest_for_every_node_agrees_with_the_matrix(model: TravelModel, nearest_post) -> None:
    graph: RoadGraph = model.graph
    snap = nearest_post.sites_snap
    nodes = np.random.default_rng(5).integers(0, graph.n_nodes, 300)
    secs, _ = node_matrix(graph, nodes, snap.node)
    minutes = (secs + snap.access_s[None, :]) / 60
    np.testing.assert_allclose(nearest_post.node_minutes[nodes], minutes.min(axis=1), atol=1e-9)
    assert np.isfinite(nearest_post.node_minutes).all()
    assert len(nearest_post.node_site) == graph.n_nodes
    chosen = minutes[np.arange(len(nodes)), nearest_post.node_site[nodes]]
    np.testing.assert_allclose(chosen, nearest_post.node_minutes[nodes], atol=1e-9)


@_SETTINGS
@given(st.data())
def test_adding_a_site_never_increases_a_nearest_time(model: TravelModel, post_offices, data) -> None:
    n = len(post_offices)
    chosen = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8, unique=True))
    extra = data.draw(st.integers(0, n - 1).filter(lambda k: k not in chosen))
    before = model.nearest(np.empty((0, 2)), post_offices.iloc[chosen])
    after = model.nearest(np.empty((0, 2)), post_offices.iloc[[*chosen, extra]])
    assert (after.node_minutes <= before.node_minutes).all()
    better = after.node_minutes < before.node_minutes
    assert (after.node_site[better] == len(chosen)).all()  # the added site took them


def test_points_far_from_roads_are_reported_not_snapped(model: TravelModel, town_halls) -> None:
    sea = np.array([[8.30, 42.00], [8.7366, 41.9193]])  # 30 km off Ajaccio; Ajaccio
    snap = model.snap(sea)
    assert snap.far.tolist() == [0] and snap.node[0] == -1 and snap.distance_m[0] > 20_000
    matrix = model.matrix(sea, _hall(town_halls, "2B033"))
    assert np.isinf(matrix.minutes[0, 0]) and np.isfinite(matrix.minutes[1, 0])
    near = model.nearest(sea, _hall(town_halls, "2B033"))
    assert near.site.tolist() == [-1, 0] and near.unreachable == 1
    # with a tighter limit, exactly the town halls beyond it are reported
    full = model.snap(town_halls)
    limit = float(np.sort(full.distance_m)[-2]) - 1  # the two farthest town halls
    strict = TravelModel(model.graph, max_snap_m=limit).snap(town_halls)
    assert strict.far.tolist() == np.flatnonzero(full.distance_m > limit).tolist()
    assert len(strict.far) == 2 and (strict.node[strict.far] == -1).all()


def test_travel_summary_and_cli(corsica_territory) -> None:
    summary = travel_summary(corsica_territory, "town_hall", "la_poste")
    result = CliRunner().invoke(app, ["travel", "--territory", "2A,2B", "--from", "town_hall", "--to", "la_poste", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == summary
    assert list(printed) == [
        "method", "origins", "destinations", "median_minutes_to_nearest", "max_minutes_to_nearest", "unreachable"
    ]
    assert printed["method"] == "road" and printed["origins"] == 360
    assert printed["destinations"] == len(corsica_territory.sites(networks=["la_poste"]))
    assert 0 < printed["median_minutes_to_nearest"] < printed["max_minutes_to_nearest"] < 60
    assert printed["unreachable"] == 0
