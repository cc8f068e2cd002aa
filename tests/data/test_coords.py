"""Coordinates read from files (planner.data.coords): property tests and made-up points."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.data import coords

_BOX = coords.FRANCE_BOXES["métropole"]


_lon = st.floats(_BOX[0] + 1e-6, _BOX[2] - 1e-6)


_lat = st.floats(_BOX[1] + 1e-6, _BOX[3] - 1e-6)


@settings(deadline=None)
@given(st.lists(st.tuples(_lat, _lon), min_size=1, max_size=20), st.booleans())
def test_parse_coordinates_in_france_with_comma_or_point(points, comma):
    lat = [f"{y:.6f}".replace(".", "," if comma else ".") for y, _ in points]
    lon = [f"{x:.6f}".replace(".", "," if comma else ".") for _, x in points]
    y, x, status = coords.parse_coordinates(lat, lon)
    assert (status == coords.COORD_OK).all()
    np.testing.assert_allclose(y, [round(p[0], 6) for p in points], atol=1e-9)
    np.testing.assert_allclose(x, [round(p[1], 6) for p in points], atol=1e-9)


@settings(deadline=None)
@given(st.lists(st.tuples(_lat, _lon.filter(lambda x: abs(x) > 1e-6)), min_size=1, max_size=20))
def test_parse_coordinates_repairs_swapped(points):
    # a longitude of exactly 0 is not taken as a swapped latitude (see the next test)
    y, x, status = coords.parse_coordinates([p[1] for p in points], [p[0] for p in points])
    assert (status == coords.COORD_SWAPPED).all()
    np.testing.assert_allclose(y, [p[0] for p in points])
    np.testing.assert_allclose(x, [p[1] for p in points])


def test_parse_coordinates_zero_is_never_swapped():
    y, x, status = coords.parse_coordinates(["0", "0", "43.65", "0"], ["43.652489", "0", "0", "1.5"])
    # latitude 0 with a French latitude as longitude: a blank written as 0, not a swap;
    # longitude 0 is a real meridian of France
    assert status.tolist() == [coords.COORD_ZERO, coords.COORD_ZERO, coords.COORD_OK,
                               coords.COORD_ZERO]
    assert (y[2], x[2]) == (43.65, 0.0)


_any_coord = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.none(),
    st.sampled_from(["0", "0,0", "48,85", "2.35", " ", "1e3"]),
)


@given(st.lists(st.tuples(_any_coord, _any_coord), min_size=1, max_size=30))
@settings(max_examples=200, deadline=None)
def test_parse_coordinates_never_keeps_a_point_outside_france(values):
    lat = [None if v is None else str(v) for v, _ in values]
    lon = [None if v is None else str(v) for _, v in values]
    y, x, status = coords.parse_coordinates(lat, lon)
    assert len(y) == len(x) == len(status) == len(values)
    kept = np.isin(status, [coords.COORD_OK, coords.COORD_SWAPPED])
    assert coords.in_france(x[kept], y[kept]).all()
    assert np.isnan(y[~kept]).all() and np.isnan(x[~kept]).all()
    assert set(status) <= {coords.COORD_OK, coords.COORD_SWAPPED, coords.COORD_MISSING,
                           coords.COORD_INVALID, coords.COORD_ZERO, coords.COORD_OUTSIDE}


def test_metric_distance_uses_the_local_projection_overseas() -> None:
    """MADE-UP points: 0.1° of longitude measures about 10.4 km in La Réunion (local UTM),
    about 8.2 km in Corsica (Lambert-93); a missing geometry gives NaN."""
    points = np.array([shapely.Point(55.5, -21.0), shapely.Point(9.0, 42.0),
                       shapely.Point(9.0, 42.0)], dtype=object)
    geoms = np.array([shapely.Point(55.6, -21.0), shapely.Point(9.1, 42.0), None], dtype=object)
    out = coords.metric_distance(points, geoms)
    assert 10_300 < out[0] < 10_500
    assert 8_200 < out[1] < 8_350
    assert np.isnan(out[2])


def test_in_france_boxes() -> None:
    """MADE-UP points: Ajaccio, Saint-Denis de La Réunion, New York."""
    assert coords.in_france([8.74, 55.45, -74.0], [41.92, -20.88, 40.7]).tolist() == [
        True, True, False]
