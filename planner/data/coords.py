"""Positions read from source files: parsing, checking they lie in France, distances.

Coordinates are parsed vectorized (decimal comma accepted); points outside the
covered territory, 0/0 blanks and swapped latitude/longitude are told apart, so that
each loader rejects or repairs them the same way. Metric distances use the metric
CRS of each point's place (:func:`planner.geo.metric_crs_at`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planner.data.values import parse_number
from planner.geo import CRS_WGS84, metric_crs_at

#: Bounding boxes (lon_min, lat_min, lon_max, lat_max) of France: metropolitan France
#: with Corsica, then the overseas départements and collectivities that have communes
#: or post offices (Antilles with Saint-Martin and Saint-Barthélemy, Guyane, La Réunion,
#: Mayotte, Saint-Pierre-et-Miquelon).
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "métropole": (-5.3, 41.2, 9.8, 51.3),
    "Antilles": (-63.2, 14.3, -60.7, 18.2),
    "Guyane": (-54.7, 2.0, -51.5, 6.0),
    "La Réunion": (55.1, -21.5, 55.9, -20.8),
    "Mayotte": (44.9, -13.1, 45.4, -12.5),
    "Saint-Pierre-et-Miquelon": (-56.5, 46.7, -56.1, 47.2),
}

#: How the covered territory is named in messages.
FRANCE_LABEL = ("la France couverte (métropole, DROM, Saint-Martin, Saint-Barthélemy, "
                "Saint-Pierre-et-Miquelon)")

#: Status codes returned by :func:`parse_coordinates`.
COORD_OK = "ok"
COORD_MISSING = "absentes"
COORD_INVALID = "non numériques"
COORD_ZERO = "0/0"
COORD_SWAPPED = "inversées"
COORD_OUTSIDE = "hors de France"


@lru_cache(maxsize=1)
def wgs84() -> pyproj.CRS:
    """Return the WGS84 CRS object, built once (parsing a CRS costs tens of ms)."""
    return pyproj.CRS.from_user_input(CRS_WGS84)


def in_france(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return whether each point lies in one of :data:`FRANCE_BOXES`."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    inside = np.zeros(lon.shape, dtype=bool)
    for x0, y0, x1, y1 in FRANCE_BOXES.values():
        inside |= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    return inside


def parse_coordinates(
    lat: pd.Series | Sequence[Any], lon: pd.Series | Sequence[Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse latitude and longitude columns, vectorized.

    Parameters
    ----------
    lat, lon
        Text or numbers; a decimal comma is accepted.

    Returns
    -------
    ``(lat, lon, status)``: floats (NaN where unusable) and, per row, one of
    :data:`COORD_OK`, :data:`COORD_SWAPPED` (repaired: the returned values are swapped
    back), :data:`COORD_MISSING`, :data:`COORD_INVALID`, :data:`COORD_ZERO` and
    :data:`COORD_OUTSIDE` (the last four with NaN coordinates).
    """
    lat_text = pd.Series(lat, dtype="str").str.strip()
    lon_text = pd.Series(lon, dtype="str").str.strip()
    missing = (lat_text.isna() | (lat_text == "") | lon_text.isna() | (lon_text == "")).to_numpy()
    y, x = parse_number(lat_text), parse_number(lon_text)
    finite = np.isfinite(y) & np.isfinite(x)
    # 0/0, or one coordinate 0 and the point not in France (a blank exported as 0):
    # never read as swapped coordinates.
    inside = finite & in_france(x, y)
    zero = finite & ~inside & ((np.abs(y) < 1e-9) | (np.abs(x) < 1e-9))
    swapped = finite & ~zero & ~inside & in_france(y, x)
    status = np.full(len(y), COORD_OK, dtype=object)
    status[~missing & ~finite] = COORD_INVALID
    status[missing] = COORD_MISSING
    status[zero] = COORD_ZERO
    status[finite & ~zero & ~inside & ~swapped] = COORD_OUTSIDE
    status[swapped] = COORD_SWAPPED
    out_lat = np.where(swapped, x, y)
    out_lon = np.where(swapped, y, x)
    bad = ~(inside | swapped)
    out_lat[bad] = np.nan
    out_lon[bad] = np.nan
    return out_lat, out_lon, status


def metric_distance(points: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Distance in metres between WGS84 points and geometries, pair by pair.

    Each pair is projected to the metric CRS of the point's place
    (:func:`planner.geo.metric_crs_at`: Lambert-93 in metropolitan France, the official
    local projection overseas). Missing geometries give NaN.
    """
    points = np.asarray(points, dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(points), np.nan)
    ok = ~shapely.is_missing(points) & ~shapely.is_missing(geoms)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    xs, ys = shapely.get_x(points[ok]), shapely.get_y(points[ok])
    crs = np.array([metric_crs_at(x, y) for x, y in zip(xs, ys)], dtype=object)
    for code in np.unique(crs):
        sel = idx[crs == code]
        p = gpd.GeoSeries(points[sel], crs=wgs84()).to_crs(code).values
        g = gpd.GeoSeries(geoms[sel], crs=wgs84()).to_crs(code).values
        out[sel] = shapely.distance(np.asarray(p), np.asarray(g))
    return out
