"""Travel times on the Corsica road graph, and the crow-fly fallback."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner import roads, travel
from planner.travel import CROW_FLY, TravelModel

_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def corsica_territory(real_data: Path):
    from planner.territory import select

    return select("2A,2B")


@pytest.fixture(scope="module")
def model(real_data: Path) -> TravelModel:
    return TravelModel(roads.load_road_graph(real_data / "roads" / "corse_drive.graphml.gz"))


@pytest.fixture(scope="module")
def town_halls(corsica_territory) -> gpd.GeoDataFrame:
    return travel.origins_of(corsica_territory, "town_hall")


@pytest.fixture(scope="module")
def post_offices(corsica_territory) -> gpd.GeoDataFrame:
    return corsica_territory.sites(networks=["la_poste"])


@pytest.fixture(scope="module")
def nearest_post(model: TravelModel, town_halls, post_offices) -> travel.NearestSites:
    return model.nearest(town_halls, post_offices)


def _hall(town_halls: gpd.GeoDataFrame, insee: str) -> gpd.GeoDataFrame:
    return town_halls[town_halls["insee"] == insee]


# --------------------------------------------------------------------------- road times


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


def test_matrix_agrees_with_networkx_to_the_second(model: TravelModel, real_data: Path) -> None:
    """Against osmnx's own reading of the file (independent of the CSR conversion)."""
    import networkx as nx

    G, _ = roads.read_networkx(real_data / "roads" / "corse_drive.graphml.gz")
    graph = model.graph
    rng = np.random.default_rng(3)
    src = rng.integers(0, graph.n_nodes, 12)
    dst = rng.integers(0, graph.n_nodes, 12)
    secs, metres = travel.node_matrix(graph, src, dst)
    for i, u in enumerate(src):
        for j in (i, (i + 5) % len(dst)):
            v = dst[j]
            ids = int(graph.node_id[u]), int(graph.node_id[v])
            expected = nx.shortest_path_length(G, *ids, weight="travel_time")
            assert abs(secs[i, j] - expected) < 1.0
            path = nx.shortest_path(G, *ids, weight="travel_time")
            length = sum(min(d["length"] for d in G[a][b].values()) for a, b in itertools.pairwise(path))
            assert metres[i, j] == pytest.approx(length, rel=1e-3, abs=5)


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


def test_nearest_for_every_node_agrees_with_the_matrix(model: TravelModel, post_offices, nearest_post) -> None:
    graph = model.graph
    snap = nearest_post.sites_snap
    nodes = np.random.default_rng(5).integers(0, graph.n_nodes, 300)
    secs, _ = travel.node_matrix(graph, nodes, snap.node)
    minutes = (secs + snap.access_s[None, :]) / 60
    np.testing.assert_allclose(nearest_post.node_minutes[nodes], minutes.min(axis=1), atol=1e-9)
    assert np.isfinite(nearest_post.node_minutes).all()
    assert len(nearest_post.node_site) == graph.n_nodes
    chosen = minutes[np.arange(len(nodes)), nearest_post.node_site[nodes]]
    np.testing.assert_allclose(chosen, nearest_post.node_minutes[nodes], atol=1e-9)


@_SETTINGS
@given(st.lists(st.integers(0, 31_332), min_size=3, max_size=3))
def test_triangle_inequality(model: TravelModel, nodes: list[int]) -> None:
    secs, metres = travel.node_matrix(model.graph, nodes, nodes)
    a, b, c = 0, 1, 2
    assert secs[a, c] <= secs[a, b] + secs[b, c] + 1e-9
    assert np.diag(secs).max() == 0 and np.diag(metres).max() == 0


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
    assert "à plus de 5 km de toute route" in snap.describe()
    # with a tighter limit, exactly the town halls beyond it are reported
    full = model.snap(town_halls)
    limit = float(np.sort(full.distance_m)[-2]) - 1  # the two farthest town halls
    strict = TravelModel(model.graph, max_snap_m=limit).snap(town_halls)
    assert strict.far.tolist() == np.flatnonzero(full.distance_m > limit).tolist()
    assert len(strict.far) == 2 and (strict.node[strict.far] == -1).all()


def test_isochrones_are_nested_and_contain_reached_nodes(model: TravelModel, post_offices) -> None:
    sites = post_offices.iloc[:5]
    iso = model.isochrones(sites)
    assert iso["minutes"].tolist() == [10.0, 20.0, 30.0, 45.0]
    assert (iso["method"] == "road").all() and iso.crs.to_string() == "EPSG:4326"
    assert (iso["site"] == -1).all()
    areas = iso["area_km2"].to_numpy()
    assert (np.diff(areas) > 0).all()
    metric = iso.to_crs("EPSG:2154").geometry.to_numpy()
    assert all(shapely.covers(big.buffer(1), small) for small, big in itertools.pairwise(metric))
    graph = model.graph
    reached = model.nearest(np.empty((0, 2)), sites).node_minutes
    for minutes, poly in zip((10, 20, 30, 45), metric):
        inside = np.flatnonzero(reached <= minutes)
        assert shapely.contains_xy(poly, graph.x[inside], graph.y[inside]).all()
        # nodes far beyond the limit lie mostly outside (some sit near a reachable road)
        outside = np.flatnonzero(reached > minutes + 5)
        assert shapely.contains_xy(poly, graph.x[outside], graph.y[outside]).mean() < 0.05
    one = model.isochrones(post_offices.iloc[:2], (15,), by_site=True)
    assert one["site"].tolist() == [0, 1]
    assert one["site_id"].tolist() == post_offices["site_id"].iloc[:2].tolist()
    assert shapely.contains(one.geometry.iloc[0], post_offices.geometry.iloc[0])


# --------------------------------------------------------------------------- crow-fly


@pytest.fixture(scope="module")
def creuse(real_data: Path):
    from planner.territory import select

    return select("23")


def test_crow_fly_fallback_where_no_graph(creuse) -> None:
    model = travel.model_for(creuse)
    assert model.method == "crow_fly" and model.graph is None
    halls = travel.origins_of(creuse, "town_hall")
    a, b = halls.iloc[[0]], halls.iloc[[1]]
    result = model.matrix(a, b)
    assert result.method == "crow_fly"
    dens = travel.point_density(a)[0]
    gc = travel.great_circle_km(a.geometry.x.iloc[0], a.geometry.y.iloc[0], b.geometry.x.iloc[0], b.geometry.y.iloc[0])
    factors = CROW_FLY[int(dens)]
    assert result.km[0, 0] == pytest.approx(gc * factors.circuity)
    assert result.minutes[0, 0] == pytest.approx(gc * factors.circuity / factors.speed_kph * 60)
    sites = creuse.sites(networks=["la_poste"])
    near = model.nearest(halls, sites)
    full = model.matrix(halls, sites)
    np.testing.assert_allclose(near.minutes, full.minutes.min(axis=1))
    assert near.method == "crow_fly" and near.node_minutes is None
    iso = model.isochrones(sites.iloc[:3], (30,), by_site=True)
    radius = np.array([CROW_FLY[int(c)].speed_kph / CROW_FLY[int(c)].circuity * 0.5 for c in travel.point_density(sites.iloc[:3])])
    np.testing.assert_allclose(iso["area_km2"], np.pi * radius**2, rtol=0.02)
    assert (iso["method"] == "crow_fly").all()


def test_density_classes_of_real_communes(town_halls) -> None:
    classes = travel.point_density(_hall(town_halls, "2A004"))
    assert classes.tolist() == [2]  # Ajaccio: densité intermédiaire
    # without an insee column, the commune is found by position
    no_code = _hall(town_halls, "2B033")[["geometry"]]
    assert travel.point_density(no_code).tolist() == [2]
    counts = np.bincount(travel.point_density(town_halls), minlength=5)
    assert counts.tolist() == [0, 0, 12, 112, 236]


def test_stored_crow_fly_constants_are_reproduced(model: TravelModel, corsica_territory, town_halls) -> None:
    import pandas as pd

    sites = pd.concat(
        [corsica_territory.sites(networks=[n]) for n in ("la_poste", "france_services", "town_hall")],
        ignore_index=True,
    )
    cal = travel.calibrate_fallback(model, town_halls, sites)
    for c, stored in CROW_FLY.items():
        assert cal.table[c].circuity == pytest.approx(stored.circuity, abs=5e-4)
        assert cal.table[c].speed_kph == pytest.approx(stored.speed_kph, abs=0.05)
    assert cal.reused == {1: 2}
    assert cal.median_ratio == pytest.approx(1.0, abs=0.01)
    assert cal.nearest_median_ratio == pytest.approx(1.0, abs=0.05)
    assert 0.2 < cal.mape < 0.5


@given(
    st.floats(0, 500_000, allow_nan=False),
    st.floats(0, 1_000_000, allow_nan=False),
)
def test_search_weight_roundtrip(seconds: float, metres: float) -> None:
    secs, m = travel._decode(travel._encode(np.array([seconds]), np.array([metres])))
    assert abs(secs[0] - seconds) <= 5e-4 and abs(m[0] - metres) <= 0.5


# --------------------------------------------------------------------------- summary, CLI


def test_travel_summary_and_cli(corsica_territory) -> None:
    from typer.testing import CliRunner

    from planner.cli import app

    summary = travel.travel_summary(corsica_territory, "town_hall", "la_poste")
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
