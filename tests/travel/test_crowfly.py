"""The crow-fly fallback: factors, matrix, nearest site, calibration (planner.travel.crowfly)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from planner.errors import DataError
from planner.geo import great_circle_km
from planner.territory import select
from planner.travel.crowfly import (
    CROW_FLY,
    CrowFly,
    calibrate_fallback,
    crow_fly_matrix,
    crow_fly_nearest,
    point_density,
)
from planner.travel.graph import load_road_graph
from planner.travel.model import TravelModel, model_for, origins_of
from planner.travel.results import TravelMatrix

#: MADE-UP factors: simple numbers, easy to check by hand.
TABLE = {c: CrowFly(circuity=1.0 + c / 2, speed_kph=20.0 + 10 * c) for c in (1, 2, 3, 4)}
#: MADE-UP points along the 42nd parallel (0.1° ≈ 8.27 km) and one without position.
ORIGINS = (np.array([8.7, 8.9, np.nan]), np.array([42.0, 42.0, np.nan]))
SITES = (np.array([8.8, 9.2]), np.array([42.0, 42.0]))


# --------------------------------------------------------------------------- made-up points


def test_crow_fly_matrix_by_hand() -> None:
    """MADE-UP points and factors: minutes = km × circuity ÷ speed, by the origin's class."""
    minutes, km = crow_fly_matrix(ORIGINS, SITES, np.array([4, 2, 3]), TABLE)
    gc = great_circle_km(8.7, 42.0, 8.8, 42.0)
    assert gc == pytest.approx(8.27, abs=0.01)
    assert km[0, 0] == pytest.approx(gc * 3.0)  # class 4: circuity 3, 60 km/h
    assert minutes[0, 0] == pytest.approx(gc * 3.0 / 60 * 60)
    assert km[1, 0] == pytest.approx(gc * 2.0)  # class 2: circuity 2, 40 km/h, same distance
    assert minutes[1, 0] == pytest.approx(gc * 2.0 / 40 * 60)
    assert np.isinf(minutes[2]).all() and np.isinf(km[2]).all()  # no position: unreachable


def test_crow_fly_nearest_by_hand() -> None:
    """MADE-UP points: the nearest site as the crow flies, and its time."""
    minutes, km, site = crow_fly_nearest(ORIGINS, SITES, np.array([4, 2, 3]), TABLE)
    assert site.tolist() == [0, 0, -1]  # 8.9 is 0.1° from 8.8, 0.3° from 9.2
    full_minutes, full_km = crow_fly_matrix(ORIGINS, SITES, np.array([4, 2, 3]), TABLE)
    np.testing.assert_allclose(minutes[:2], full_minutes[:2].min(axis=1))
    np.testing.assert_allclose(km[:2], full_km[:2, 0])
    assert np.isinf(minutes[2])


def test_crow_fly_nearest_without_sites() -> None:
    """MADE-UP origins and no site: nothing reachable."""
    empty = (np.array([]), np.array([]))
    minutes, _, site = crow_fly_nearest(ORIGINS, empty, np.array([4, 2, 3]), TABLE)
    assert np.isinf(minutes).all() and site.tolist() == [-1, -1, -1]


def test_calibration_recovers_made_up_factors() -> None:
    """MADE-UP road times built from known factors: the fit finds them, class 1 and 2 reused."""
    origins = np.array([[8.70, 42.0], [8.70, 42.05], [8.75, 42.1]])
    sites = np.array([[8.70 + d / 100, 41.9] for d in range(1, 25)])
    classes = np.array([4, 3, 4])
    truth = {3: CrowFly(1.8, 35.0), 4: CrowFly(2.5, 30.0)}
    gc = great_circle_km(origins[:, :1], origins[:, 1:], sites[None, :, 0], sites[None, :, 1])
    circuity = np.array([truth[c].circuity for c in classes])[:, None]
    speed = np.array([truth[c].speed_kph for c in classes])[:, None]
    road = TravelMatrix(minutes=gc * circuity / speed * 60, km=gc * circuity, method="road")
    cal = calibrate_fallback(road, origins, sites, classes=classes)
    for c in (3, 4):
        assert cal.table[c].circuity == pytest.approx(truth[c].circuity)
        assert cal.table[c].speed_kph == pytest.approx(truth[c].speed_kph)
    assert cal.reused == {1: 3, 2: 3} and cal.table[1] == cal.table[3]
    in_range = (gc >= 1) & (gc <= 20)
    assert cal.pairs == int(in_range.sum()) and cal.pairs_by_class[3] == int(in_range[1].sum())
    assert cal.median_ratio == pytest.approx(1.0) and cal.mape == pytest.approx(0.0, abs=1e-12)
    assert cal.nearest_median_ratio == pytest.approx(1.0)


def test_calibration_needs_road_times() -> None:
    """MADE-UP crow-fly matrix: no calibration without a road graph."""
    crow = TravelMatrix(minutes=np.ones((1, 1)), km=np.ones((1, 1)), method="crow_fly")
    with pytest.raises(DataError, match="demande un réseau routier"):
        calibrate_fallback(crow, np.array([[8.7, 42.0]]), np.array([[8.8, 42.0]]), classes=np.array([3]))


# --------------------------------------------------------------------------- real communes


@pytest.fixture(scope="module")
def corsica_territory(real_data: Path):
    return select("2A,2B")


@pytest.fixture(scope="module")
def town_halls(corsica_territory) -> gpd.GeoDataFrame:
    return origins_of(corsica_territory, "town_hall")


def test_density_classes_of_real_communes(town_halls: gpd.GeoDataFrame) -> None:
    classes = point_density(town_halls[town_halls["insee"] == "2A004"])
    assert classes.tolist() == [2]  # Ajaccio: densité intermédiaire
    # without an insee column, the commune is found by position
    no_code = town_halls[town_halls["insee"] == "2B033"][["geometry"]]
    assert point_density(no_code).tolist() == [2]
    counts = np.bincount(point_density(town_halls), minlength=5)
    assert counts.tolist() == [0, 0, 12, 112, 236]
    # at sea, 30 km off Ajaccio: no commune, the default class
    assert point_density(np.array([[8.30, 42.00]])).tolist() == [3]


def test_crow_fly_fallback_where_no_graph(real_data: Path) -> None:
    creuse = select("23")
    model = model_for(creuse)
    assert model.method == "crow_fly" and model.graph is None
    halls = origins_of(creuse, "town_hall")
    a, b = halls.iloc[[0]], halls.iloc[[1]]
    result = model.matrix(a, b)
    assert result.method == "crow_fly"
    dens = point_density(a)[0]
    gc = great_circle_km(a.geometry.x.iloc[0], a.geometry.y.iloc[0], b.geometry.x.iloc[0], b.geometry.y.iloc[0])
    factors = CROW_FLY[int(dens)]
    assert result.km[0, 0] == pytest.approx(gc * factors.circuity)
    assert result.minutes[0, 0] == pytest.approx(gc * factors.circuity / factors.speed_kph * 60)
    sites = creuse.sites(networks=["la_poste"])
    near = model.nearest(halls, sites)
    full = model.matrix(halls, sites)
    np.testing.assert_allclose(near.minutes, full.minutes.min(axis=1))
    assert near.method == "crow_fly" and near.node_minutes is None
    iso = model.isochrones(sites.iloc[:3], (30,), by_site=True)
    radius = np.array([CROW_FLY[int(c)].speed_kph / CROW_FLY[int(c)].circuity * 0.5 for c in point_density(sites.iloc[:3])])
    np.testing.assert_allclose(iso["area_km2"], np.pi * radius**2, rtol=0.02)
    assert (iso["method"] == "crow_fly").all()


def test_stored_crow_fly_constants_are_reproduced(real_data: Path, corsica_territory, town_halls) -> None:
    model = TravelModel(load_road_graph(real_data / "roads" / "corse_drive.graphml.gz"))
    sites = pd.concat(
        [corsica_territory.sites(networks=[n]) for n in ("la_poste", "france_services", "town_hall")],
        ignore_index=True,
    )
    cal = calibrate_fallback(model.matrix(town_halls, sites), town_halls, sites)
    for c, stored in CROW_FLY.items():
        assert cal.table[c].circuity == pytest.approx(stored.circuity, abs=5e-4)
        assert cal.table[c].speed_kph == pytest.approx(stored.speed_kph, abs=0.05)
    assert cal.reused == {1: 2}
    assert cal.median_ratio == pytest.approx(1.0, abs=0.01)
    assert cal.nearest_median_ratio == pytest.approx(1.0, abs=0.05)
    assert 0.2 < cal.mape < 0.5
