"""Points given to the travel model: GeoDataFrames, GeoSeries or ``(lon, lat)`` arrays."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from planner.errors import DataError
from planner.geo import CRS_WGS84


def lonlat(points: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return WGS84 longitudes and latitudes of points (NaN where missing).

    Parameters
    ----------
    points
        GeoDataFrame/GeoSeries of points (any CRS) or an array of ``(lon, lat)``.

    Returns
    -------
    ``(lon, lat)``, two float arrays.
    """
    if isinstance(points, (gpd.GeoDataFrame, gpd.GeoSeries)):
        geoms = points.geometry
        if geoms.crs is not None and not geoms.crs.equals(CRS_WGS84):
            geoms = geoms.to_crs(CRS_WGS84)
        values = geoms.to_numpy()
        present = ~shapely.is_missing(values) & ~shapely.is_empty(values)
        kinds = shapely.get_type_id(values[present])
        if len(kinds) and (kinds != 0).any():
            raise DataError(
                "les origines et destinations doivent être des points (pas des contours)",
                hint="passez les mairies ou les sites, par exemple planner.territory.town_halls(communes)",
            )
        lon = np.full(len(values), np.nan)
        lat = np.full(len(values), np.nan)
        lon[present] = shapely.get_x(values[present])
        lat[present] = shapely.get_y(values[present])
        return lon, lat
    array = np.asarray(points, float).reshape(-1, 2)
    return array[:, 0].copy(), array[:, 1].copy()


def column(points: Any, name: str) -> pd.Series | None:
    """Return a column of points given as a DataFrame (index reset), or None."""
    if isinstance(points, pd.DataFrame) and name in points.columns:
        return points[name].reset_index(drop=True)
    return None


@lru_cache(maxsize=8)
def transformer(crs: str) -> Transformer:
    """Return the (cached) transformer from WGS84 to ``crs``, in ``(lon, lat)`` order."""
    return Transformer.from_crs(CRS_WGS84, crs, always_xy=True)


def project(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the coordinates of WGS84 points in the metric ``crs`` (NaN stays NaN)."""
    x, y = transformer(crs).transform(lon, lat)
    return np.asarray(x, float), np.asarray(y, float)
