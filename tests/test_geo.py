"""Shared geometry (:mod:`planner.geo`), on MADE-UP points and polygons: no snapshot needed."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from planner import geo


def _metres(crs: str, lon: tuple[float, float], lat: tuple[float, float]) -> float:
    """Distance between two WGS84 points measured in the plane of ``crs``."""
    x, y = Transformer.from_crs(geo.CRS_WGS84, crs, always_xy=True).transform(lon, lat)
    return float(np.hypot(x[1] - x[0], y[1] - y[0]))


def test_reunion_is_measured_in_its_own_projection() -> None:
    """0.1° of longitude at 55.5° E, 21.1° S: 10.4 km on the ground, 19.5 km in Lambert-93."""
    lon, lat = (55.5, 55.6), (-21.1, -21.1)
    local = _metres(geo.metric_crs(["974"]), lon, lat)
    lambert = _metres(geo.CRS_METRIC, lon, lat)
    assert local / 1000 == pytest.approx(10.4, abs=0.05)
    assert lambert / 1000 == pytest.approx(19.5, abs=0.05)
    assert local / 1000 == pytest.approx(float(geo.great_circle_km(55.5, -21.1, 55.6, -21.1)), rel=0.01)


@pytest.mark.parametrize(("departements", "crs"), [
    (["2A", "2B"], "EPSG:2154"),
    (["48"], "EPSG:2154"),
    ([], "EPSG:2154"),
    (["974"], "EPSG:2975"),
    (["971", "972"], "EPSG:5490"),
    (["973"], "EPSG:2972"),
    (["976"], "EPSG:4471"),
])
def test_metric_crs(departements: list[str], crs: str) -> None:
    assert geo.metric_crs(departements) == crs


def test_mixed_territory_takes_the_majority_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="planner.geo"):
        assert geo.metric_crs(["974", "974", "2A"]) == "EPSG:2975"
    assert "plusieurs projections" in caplog.text


@pytest.mark.parametrize(("lon", "lat", "crs"), [
    (9.0, 42.0, "EPSG:2154"),       # Corsica
    (2.35, 48.85, "EPSG:2154"),     # Paris
    (55.5, -21.1, "EPSG:2975"),     # Réunion
    (45.1, -12.8, "EPSG:4471"),     # Mayotte
    (-52.3, 4.9, "EPSG:2972"),      # Guyane
    (-149.5, -17.5, "EPSG:32706"),  # Tahiti: UTM 6 S
    (166.4, -22.3, "EPSG:32758"),   # Nouméa: UTM 58 S
])
def test_metric_crs_at(lon: float, lat: float, crs: str) -> None:
    assert geo.metric_crs_at(lon, lat) == crs


def test_departement_of_code() -> None:
    assert [geo.departement_of_code(c) for c in ("2A004", "2B033", "48095", "97411")] == ["2A", "2B", "48", "974"]


def test_great_circle_km() -> None:
    assert float(geo.great_circle_km(0, 0, 0, 1)) == pytest.approx(111.195, abs=0.01)
    assert float(geo.great_circle_km(9.0, 42.0, 9.0, 42.0)) == 0.0
    # broadcasting: one origin, three destinations
    d = geo.great_circle_km(0, 0, [0, 1, 0], [1, 0, -1])
    assert d.shape == (3,) and np.allclose(d, 111.195, atol=0.01)


def test_union_repairs_and_skips_missing() -> None:
    squares = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), None]
    merged = geo.union(squares)
    assert merged.area == pytest.approx(2.0) and merged.geom_type == "Polygon"
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # invalid: self-crossing
    assert geo.union([bowtie]).area == pytest.approx(0.5)
    assert geo.union([]).is_empty
    assert geo.union([None]).is_empty


def test_union_grid_removes_slivers() -> None:
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1.0000001, 0, 2, 1)
    assert geo.union([left, right]).geom_type == "MultiPolygon"
    assert geo.union([left, right], grid_size=1e-4).geom_type == "Polygon"
