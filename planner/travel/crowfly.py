"""The crow-fly fallback: travel times where no road graph covers a territory.

``minutes = great-circle km × circuity ÷ speed``, both factors by INSEE density
class (1 dense .. 4 très peu dense) of the origin's commune (the place where the
trip starts), from :data:`CROW_FLY`, calibrated on the Corsica road graph by
:func:`calibrate_fallback` (``bench/travel_times.py`` reruns it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from planner import config
from planner.data.sources.communes import load_communes
from planner.data.sources.indicators import density_class
from planner.errors import DataError
from planner.geo import CRS_WGS84, great_circle_km, metric_crs_at
from planner.travel.points import column, lonlat
from planner.travel.results import TravelMatrix

log = logging.getLogger(__name__)

#: Density class used where a point's commune has none (INSEE "peu dense").
DEFAULT_DENSITY_CLASS = 3


@dataclass(frozen=True)
class CrowFly:
    """Crow-fly factors of one density class: road km per great-circle km, and km/h."""

    circuity: float
    speed_kph: float


#: Crow-fly factors by INSEE density class (dens4), measured on 2026-11-27 by
#: ``calibrate_fallback`` (rerun and printed by ``bench/travel_times.py``) on the
#: Corsica road graph (roads/corse_drive.graphml.gz, travel times as in the file,
#: snapping and access legs as in :mod:`planner.travel.model`): the 360 town halls of
#: 2A/2B to every La Poste (194), France Services (37) and town-hall (360) site of the
#: territory (+15 km) lying 1 to 20 km away as the crow flies (32,580 pairs), the class
#: being the origin commune's. circuity = median(road km / great-circle km); speed =
#: median(great-circle km × circuity / road hours), so that the median ratio of
#: fallback to road time is 1 (overall MAPE 35 %; on the time to the nearest site,
#: median ratio 1.00, MAPE 34 %). Class 1 (dense) does not occur in Corsica: it reuses
#: class 2 (an assumption, not a measurement). Values rounded to 3 decimals
#: (circuity) and 0.1 km/h (speed).
CROW_FLY: dict[int, CrowFly] = {
    1: CrowFly(circuity=1.805, speed_kph=39.4),  # not measured: class 2 reused
    2: CrowFly(circuity=1.805, speed_kph=39.4),  # 847 pairs, MAPE 40 %
    3: CrowFly(circuity=2.335, speed_kph=35.8),  # 8,291 pairs, MAPE 39 %
    4: CrowFly(circuity=2.889, speed_kph=34.3),  # 23,442 pairs, MAPE 33 %
}


@dataclass
class FallbackCalibration:
    """Crow-fly factors fitted against road times, and the fallback's error."""

    table: dict[int, CrowFly]
    pairs_by_class: dict[int, int]
    pairs: int
    median_ratio: float
    mape: float
    median_ratio_by_class: dict[int, float] = field(default_factory=dict)
    mape_by_class: dict[int, float] = field(default_factory=dict)
    nearest_median_ratio: float = float("nan")
    nearest_mape: float = float("nan")
    reused: dict[int, int] = field(default_factory=dict)


def factors(classes: np.ndarray, table: dict[int, CrowFly]) -> tuple[np.ndarray, np.ndarray]:
    """Return the circuity and the speed (km/h) of each density class in ``classes``."""
    circuity = np.array([table[int(c)].circuity for c in classes], float)
    speed = np.array([table[int(c)].speed_kph for c in classes], float)
    return circuity, speed


def crow_fly_matrix(
    origins: tuple[np.ndarray, np.ndarray],
    destinations: tuple[np.ndarray, np.ndarray],
    classes: np.ndarray,
    table: dict[int, CrowFly],
) -> tuple[np.ndarray, np.ndarray]:
    """Return crow-fly minutes and road km from every origin to every destination.

    Parameters
    ----------
    origins, destinations
        ``(lon, lat)`` arrays (WGS84; NaN: no position).
    classes
        Density class of each origin.
    table
        Factors by class (:data:`CROW_FLY`).

    Returns
    -------
    ``(minutes, km)``, arrays of shape ``(len(origins), len(destinations))``; ``inf``
    where a position is missing.
    """
    (lon_o, lat_o), (lon_d, lat_d) = origins, destinations
    gc = great_circle_km(lon_o[:, None], lat_o[:, None], lon_d[None, :], lat_d[None, :])
    circuity, speed = factors(classes, table)
    km = gc * circuity[:, None]
    minutes = km / speed[:, None] * 60
    return np.where(np.isfinite(minutes), minutes, np.inf), np.where(np.isfinite(km), km, np.inf)


def crow_fly_nearest(
    origins: tuple[np.ndarray, np.ndarray],
    sites: tuple[np.ndarray, np.ndarray],
    classes: np.ndarray,
    table: dict[int, CrowFly],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return crow-fly minutes, km and position of the nearest site of every origin.

    The nearest site is the closest as the crow flies (exact: a KD-tree on unit
    vectors, whose chord length grows with great-circle distance).

    Parameters
    ----------
    origins, sites
        ``(lon, lat)`` arrays (WGS84; NaN: no position).
    classes
        Density class of each origin.
    table
        Factors by class (:data:`CROW_FLY`).

    Returns
    -------
    ``(minutes, km, site)``; ``inf`` and ``-1`` for an origin without position.
    """
    (lon_o, lat_o), (lon_s, lat_s) = origins, sites
    n = len(lon_o)
    minutes, km, site = np.full(n, np.inf), np.full(n, np.inf), np.full(n, -1, np.int64)
    ok_s = np.flatnonzero(np.isfinite(lon_s) & np.isfinite(lat_s))
    ok_o = np.flatnonzero(np.isfinite(lon_o) & np.isfinite(lat_o))
    if len(ok_s) and len(ok_o):
        _, idx = cKDTree(_unit_xyz(lon_s[ok_s], lat_s[ok_s])).query(_unit_xyz(lon_o[ok_o], lat_o[ok_o]))
        chosen = ok_s[idx]
        gc = great_circle_km(lon_o[ok_o], lat_o[ok_o], lon_s[chosen], lat_s[chosen])
        circuity, speed = factors(classes[ok_o], table)
        km[ok_o] = gc * circuity
        minutes[ok_o] = km[ok_o] / speed * 60
        site[ok_o] = chosen
    return minutes, km, site


def point_density(points: Any) -> np.ndarray:
    """Return the INSEE density class (1..4) of each point's commune.

    The commune comes from an ``insee`` column when there is one, else from the
    commune polygon holding the point (or the nearest within
    :data:`planner.config.SITE_COMMUNE_TOLERANCE_M`); unknown classes get :data:`DEFAULT_DENSITY_CLASS`.

    Parameters
    ----------
    points
        GeoDataFrame/GeoSeries of points or an array of ``(lon, lat)``.

    Returns
    -------
    Integer array, one class per point.
    """
    lon, lat = lonlat(points)
    codes = column(points, "insee")
    classes = np.full(len(lon), np.nan)
    if codes is not None:
        known = np.flatnonzero(codes.notna().to_numpy())
        if len(known):
            values = density_class(codes.iloc[known].astype(str).tolist())
            classes[known] = values.to_numpy(dtype=float, na_value=np.nan)
    unknown_code = np.ones(len(lon), dtype=bool) if codes is None else codes.isna().to_numpy()
    todo = np.flatnonzero(np.isnan(classes) & unknown_code & np.isfinite(lon) & np.isfinite(lat))
    if len(todo):
        insee = _communes_at(lon[todo], lat[todo])
        found = insee.notna().to_numpy()
        if found.any():
            values = density_class(insee[found].tolist())
            classes[todo[found]] = values.to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(classes)
    if missing.any():
        log.info(
            "%d point(s) sans classe de densité : classe %d retenue",
            int(missing.sum()),
            DEFAULT_DENSITY_CLASS,
        )
    classes[missing] = DEFAULT_DENSITY_CLASS
    return classes.astype(np.int64)


def calibrate_fallback(
    road: TravelMatrix,
    origins: Any,
    sites: Any,
    *,
    min_km: float = 1.0,
    max_km: float = 20.0,
    classes: np.ndarray | None = None,
) -> FallbackCalibration:
    """Fit the crow-fly factors per density class against road times.

    Pairs are every (origin, site) pair between ``min_km`` and ``max_km`` apart as
    the crow flies and reachable by road; the class is the origin's. The default
    range, 1 to 20 km, is that of trips to a nearby service: on Corsica it makes the
    fallback unbiased both over pairs and on the time to the nearest site (up to
    40 km, long fast trips weigh more and the nearest-site time is underestimated by
    about 20 %). Per class, ``circuity = median(road km / great-circle km)`` and
    ``speed = median(great-circle km × circuity / road hours)``, so the median ratio
    of fallback to road time is 1. A class without pairs reuses the nearest class
    that has some.

    Parameters
    ----------
    road
        Road times from ``origins`` to ``sites`` (``TravelModel.matrix``, road method).
    origins
        Points (town halls, typically, with an ``insee`` column).
    sites
        Points.
    min_km, max_km
        Great-circle distance range of the pairs used.
    classes
        Density class of each origin (default :func:`point_density` of ``origins``).

    Returns
    -------
    FallbackCalibration, with the median ratio and the mean absolute percentage error
    (MAPE) of the fitted fallback on the same pairs, per class and overall, and on the
    time from each origin to its nearest site (sites closer than ``min_km`` ignored).
    """
    if road.method != "road":
        raise DataError(
            "la calibration du vol d'oiseau demande un réseau routier",
            hint="placez un extrait OpenStreetMap couvrant le territoire dans le dossier « roads/ »",
        )
    lon_o, lat_o = lonlat(origins)
    lon_s, lat_s = lonlat(sites)
    gc = great_circle_km(lon_o[:, None], lat_o[:, None], lon_s[None, :], lat_s[None, :])
    classes = point_density(origins) if classes is None else np.asarray(classes, np.int64)
    cls = np.broadcast_to(classes[:, None], gc.shape)
    use = np.isfinite(road.minutes) & (gc >= min_km) & (gc <= max_km)
    table: dict[int, CrowFly] = {}
    counts: dict[int, int] = {}
    for c in (1, 2, 3, 4):
        sel = use & (cls == c)
        counts[c] = int(sel.sum())
        if counts[c]:
            detour = float(np.median(road.km[sel] / gc[sel]))
            kph = float(np.median(gc[sel] * detour / (road.minutes[sel] / 60)))
            table[c] = CrowFly(circuity=detour, speed_kph=kph)
    if not table:
        raise DataError("aucune paire commune-site utilisable pour la calibration")
    reused: dict[int, int] = {}
    measured = sorted(table)
    for c in (1, 2, 3, 4):
        if c not in table:  # the nearest measured class (never a class itself reused)
            donor = min(measured, key=lambda k: (abs(k - c), k))
            table[c] = table[donor]
            reused[c] = donor
    circuity, speed = factors(classes, table)
    predicted = gc * circuity[:, None] / speed[:, None] * 60
    ratio = predicted / np.where(road.minutes > 0, road.minutes, np.nan)
    err = np.abs(ratio - 1)
    by_ratio = {c: float(np.median(ratio[use & (cls == c)])) for c in table if counts[c]}
    by_mape = {c: float(np.mean(err[use & (cls == c)])) for c in table if counts[c]}

    # time to the nearest site at least min_km away (an origin's own town hall excluded)
    far_enough = np.isfinite(road.minutes) & (gc >= min_km)
    near_road = np.where(far_enough, road.minutes, np.inf).min(axis=1)
    near_crow = np.where(far_enough, predicted, np.inf).min(axis=1)
    both = np.isfinite(near_road) & (near_road > 0)
    near_ratio = near_crow[both] / near_road[both]
    return FallbackCalibration(
        table=table,
        pairs_by_class=counts,
        pairs=int(use.sum()),
        median_ratio=float(np.median(ratio[use])),
        mape=float(np.mean(err[use])),
        median_ratio_by_class=by_ratio,
        mape_by_class=by_mape,
        nearest_median_ratio=float(np.median(near_ratio)) if len(near_ratio) else float("nan"),
        nearest_mape=float(np.mean(np.abs(near_ratio - 1))) if len(near_ratio) else float("nan"),
        reused=reused,
    )


def _unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _communes_at(lon: np.ndarray, lat: np.ndarray) -> pd.Series:
    """Return the INSEE code of the commune holding each point (nearest within the tolerance), or NA."""
    crs = metric_crs_at(float(np.median(lon)), float(np.median(lat)))
    communes = load_communes()[["insee", "geometry"]]
    communes = communes[communes.geometry.notna()]
    # only the communes near the points (0.1° is at least 3 km, more than the tolerance)
    communes = communes.cx[lon.min() - 0.1 : lon.max() + 0.1, lat.min() - 0.1 : lat.max() + 0.1]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=CRS_WGS84).to_crs(crs)
    joined = gpd.sjoin_nearest(pts, communes.to_crs(crs), how="left", max_distance=config.SITE_COMMUNE_TOLERANCE_M)
    joined = joined[~joined.index.duplicated()]
    return joined["insee"].reindex(range(len(lon))).astype("str").reset_index(drop=True)
