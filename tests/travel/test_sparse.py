"""Tests of the sparse travel matrices (planner.travel.sparse, TravelModel.within): below the
cut-off they hold exactly the dense matrix's values, on a MADE-UP six-node graph and on Corsica."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from planner.optimize.siting import MaximalCovering
from planner.travel import search
from planner.travel.graph import from_networkx
from planner.travel.model import TravelModel, origins_of
from planner.travel.results import SparseTravel

#: MADE-UP six nodes near Ajaccio (lon, lat), and directed edges (u, v, seconds, metres):
#: a two-way chain 1-2-3-4-5, a one-way shortcut 1 -> 6 -> 4 and a slow one-way 5 -> 1.
SIX_NODES = {1: (8.70, 41.92), 2: (8.71, 41.92), 3: (8.72, 41.92), 4: (8.73, 41.92), 5: (8.74, 41.92),
             6: (8.715, 41.93)}
SIX_EDGES = [(1, 2, 60.0, 800.0), (2, 1, 60.0, 800.0), (2, 3, 70.0, 850.0), (3, 2, 90.0, 850.0),
             (3, 4, 30.0, 500.0), (4, 3, 30.0, 500.0), (4, 5, 120.0, 900.0), (5, 4, 120.0, 900.0),
             (1, 6, 50.0, 1300.0), (6, 4, 55.0, 1400.0), (5, 1, 600.0, 4000.0)]


@pytest.fixture(scope="module")
def six() -> TravelModel:
    G = nx.MultiDiGraph(crs="EPSG:4326", name="six nœuds (inventé)")
    for n, (lon, lat) in SIX_NODES.items():
        G.add_node(n, x=lon, y=lat)
    for u, v, t, m in SIX_EDGES:
        G.add_edge(u, v, travel_time=t, length=m)
    return TravelModel(from_networkx(G), max_snap_m=2_000)


#: MADE-UP points: on nodes, between nodes, two at the same place (0 min), one far from any road.
POINTS = np.array([[8.70, 41.92], [8.7101, 41.9201], [8.7101, 41.9201], [8.735, 41.921], [8.74, 41.92],
                   [8.715, 41.9299], [9.30, 42.40]])


def _same(model: TravelModel, origins, destinations, cutoff: float) -> SparseTravel:
    """Assert that within() equals matrix() below the cut-off, pair for pair; return it."""
    dense = model.matrix(origins, destinations, max_minutes=cutoff)
    sparse = model.within(origins, destinations, max_minutes=cutoff)
    minutes, km = sparse.dense()
    np.testing.assert_array_equal(minutes, dense.minutes)
    np.testing.assert_array_equal(km, dense.km)
    assert sparse.minutes.nnz == np.isfinite(dense.minutes).sum()
    assert (sparse.covers() != sp.csr_matrix(np.isfinite(dense.minutes))).nnz == 0
    return sparse


@pytest.mark.parametrize("cutoff", [0.0, 1.0, 2.5, 4.0, 30.0])
def test_six_nodes_sparse_equals_dense_below_cutoff(six: TravelModel, cutoff: float) -> None:
    sparse = _same(six, POINTS, POINTS, cutoff)
    assert sparse.covers()[1, 2] and sparse.minutes[1, 2] == 0  # same place: an explicit zero, stored
    # the point far from any road joins nothing but itself (direct leg of 0 m)
    assert sparse.covers()[6].nnz == 1 and sparse.covers()[6, 6]
    assert sparse.covers()[:, 6].nnz == 1


def test_six_nodes_one_way_asymmetry_is_kept(six: TravelModel) -> None:
    sparse = _same(six, POINTS[[0]], POINTS[[4]], 30.0)
    back = _same(six, POINTS[[4]], POINTS[[0]], 30.0)
    assert sparse.minutes[0, 0] != back.minutes[0, 0]


def test_covers_at_a_lower_threshold(six: TravelModel) -> None:
    sparse = six.within(POINTS, POINTS, max_minutes=30.0)
    dense = six.matrix(POINTS, POINTS, max_minutes=30.0).minutes
    assert (sparse.covers(3.0) != sp.csr_matrix(dense <= 3.0)).nnz == 0


@pytest.fixture(scope="module")
def halls_sites(corsica):
    return origins_of(corsica, "town_hall"), corsica.sites()


@pytest.mark.parametrize("cutoff", [30.0, 45.0])
def test_corsica_road_sparse_equals_dense(travel, halls_sites, cutoff: float) -> None:
    assert travel.method == "road"
    halls, sites = halls_sites
    sparse = _same(travel, halls, sites, cutoff)
    assert 0 < sparse.minutes.nnz < 0.5 * len(halls) * len(sites)


def test_corsica_tiled_search_equals_whole_graph(travel, halls_sites, monkeypatch) -> None:
    """The tiles used on national graphs (sub-graph within reach) give the same pairs."""
    halls, sites = halls_sites
    whole = travel.within(halls, sites, max_minutes=30.0)
    monkeypatch.setattr(search, "TILE_NODES", 0)
    tiled = travel.within(halls, sites, max_minutes=30.0)
    for a, b in ((whole.minutes, tiled.minutes), (whole.km, tiled.km)):
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_array_equal(a.data, b.data)


def test_corsica_crow_fly_sparse_equals_dense(halls_sites) -> None:
    halls, sites = halls_sites
    crow = TravelModel(None)
    dense = crow.matrix(halls, sites, max_minutes=30.0)
    sparse = crow.within(halls, sites, max_minutes=30.0)
    minutes, km = sparse.dense()
    assert (sparse.covers() != sp.csr_matrix(np.isfinite(dense.minutes))).nnz == 0
    np.testing.assert_allclose(minutes, dense.minutes, rtol=1e-12)
    np.testing.assert_allclose(km, dense.km, rtol=1e-12)


def test_corsica_coverage_is_the_sparse_matrix_row_minimum(coverage, travel) -> None:
    """A demand point is covered at T exactly when the sparse matrix holds one of its sites within T."""
    sparse = travel.within(coverage.points, coverage.sites, max_minutes=coverage.threshold)
    reached = np.asarray(sparse.covers().sum(axis=1)).reshape(-1) > 0
    np.testing.assert_array_equal(reached, coverage.within())


def test_siting_takes_a_sparse_cost_matrix(travel, halls_sites) -> None:
    halls, sites = halls_sites
    weights = np.arange(len(halls), dtype=float) % 7
    sparse = travel.within(halls, sites, max_minutes=45.0)
    dense = travel.matrix(halls, sites, max_minutes=45.0)
    a = MaximalCovering.from_cost_matrix(sparse.minutes, weights, 30.0, 3).solve(30)
    b = MaximalCovering.from_cost_matrix(dense.minutes, weights, 30.0, 3).solve(30)
    assert (a.coverage != b.coverage).nnz == 0
    np.testing.assert_array_equal(a.selected, b.selected)
    assert a.objective == b.objective
