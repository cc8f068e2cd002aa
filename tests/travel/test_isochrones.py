"""Isochrones by road and crow-fly (planner.travel.isochrones)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import shapely

from planner.geo import CRS_METRIC
from planner.territory import select
from planner.travel.graph import RoadGraph, from_networkx, load_road_graph
from planner.travel.isochrones import disc_isochrones, fill_holes, reachable_areas
from planner.travel.model import TravelModel
from tests.travel.made_up import five_node_graph


@pytest.fixture(scope="module")
def five() -> RoadGraph:
    """MADE-UP five-node graph (tests/travel/made_up.py)."""
    return from_networkx(five_node_graph())


# --------------------------------------------------------------------------- made-up inputs


def test_fill_holes_keeps_only_large_holes() -> None:
    """MADE-UP square (metres) with a 10 m² hole and a 1 km² hole."""
    small = shapely.box(10, 10, 12, 15).exterior.coords
    large = shapely.box(2000, 2000, 3000, 3000).exterior.coords
    square = shapely.Polygon(shapely.box(0, 0, 5000, 5000).exterior.coords, [small, large])
    filled = fill_holes(square, 1e4)
    assert len(filled.interiors) == 1 and filled.area == pytest.approx(25e6 - 1e6)
    assert fill_holes(shapely.Polygon(), 1e4).is_empty


def test_reachable_areas_cut_an_edge_where_time_runs_out(five: RoadGraph) -> None:
    """MADE-UP graph, search from node 1: at 30 s, half of 1 -> 2 (60 s) and 60 % of 1 -> 5 (50 s)."""
    p1, p2, p5 = (int(np.flatnonzero(five.node_id == i)[0]) for i in (1, 2, 5))
    node_secs = np.full(five.n_nodes, np.inf)
    node_secs[p1] = 0.0
    (area,) = reachable_areas(five, node_secs, [30.0], reverse=False, buffer_m=1.0)

    def along(b: int, share: float) -> bool:
        x = five.x[p1] + share * (five.x[b] - five.x[p1])
        y = five.y[p1] + share * (five.y[b] - five.y[p1])
        return bool(shapely.contains_xy(area, x, y))

    assert along(p2, 0.45) and not along(p2, 0.55)
    assert along(p5, 0.55) and not along(p5, 0.65)
    assert not shapely.contains_xy(area, five.x[p2], five.y[p2])


def test_disc_isochrones_by_hand() -> None:
    """MADE-UP sites: 30 km/h, circuity 1.5 → 10 km discs at 30 min; no position, no disc."""
    lon, lat = np.array([8.7, np.nan]), np.array([42.0, np.nan])
    speed, circuity = np.array([30.0, 30.0]), np.array([1.5, 1.5])
    iso = disc_isochrones(lon, lat, speed, circuity, [30.0, 60.0], by_site=True)
    assert iso["site"].tolist() == [0, 0] and iso["minutes"].tolist() == [30.0, 60.0]
    np.testing.assert_allclose(iso["area_km2"], [np.pi * 10**2, np.pi * 20**2], rtol=0.01)
    assert iso.crs.to_string() == "EPSG:4326" and (iso["method"] == "crow_fly").all()
    nothing = disc_isochrones(lon[1:], lat[1:], speed[1:], circuity[1:], [30.0], by_site=False)
    assert nothing["area_km2"].tolist() == [0.0] and nothing.geometry.iloc[0].is_empty


# --------------------------------------------------------------------------- Corsica


def test_isochrones_are_nested_and_contain_reached_nodes(real_data: Path) -> None:
    model = TravelModel(load_road_graph(real_data / "roads" / "corse_drive.graphml.gz"))
    post_offices = select("2A,2B").sites(networks=["la_poste"])
    sites = post_offices.iloc[:5]
    iso = model.isochrones(sites)
    assert iso["minutes"].tolist() == [10.0, 20.0, 30.0, 45.0]
    assert (iso["method"] == "road").all() and iso.crs.to_string() == "EPSG:4326"
    assert (iso["site"] == -1).all()
    areas = iso["area_km2"].to_numpy()
    assert (np.diff(areas) > 0).all()
    metric = iso.to_crs(CRS_METRIC).geometry.to_numpy()
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
