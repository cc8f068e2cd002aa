"""The crow-fly fallback: road times estimated from straight-line distance where no road graph exists.

Model (:class:`CrowFlyModel`, coefficients in :data:`FALLBACK`)
    ``log(minutes)`` is piecewise linear in ``log(d)``, ``d`` the great-circle distance
    (knots :data:`KNOTS_KM`, 0.5 to 150 km), and linear in the pair's mean INSEE density
    class ``m = (class_a + class_b) / 2`` (1 dense .. 4 très peu dense): a table of minutes
    at each knot for ``m`` = 1, 2, 3, 4, interpolated bilinearly. Long trips use faster
    roads (log-log slope below 1); the mean class makes it symmetric (A → B = B → A);
    minutes increase with distance. Below 0.5 km and beyond 150 km minutes are
    proportional to ``d``. Road kilometres follow the same form (their own table).

Interval
    ``minutes_low``/``minutes_high`` = prediction × the 10th/90th percentile of
    ``road / predicted`` measured out of sample per distance band (:data:`BAND_EDGES_KM`).

The table is fitted by :func:`planner.travel.crowfly_fit.fit` and validated out of sample
by ``bench/fallback_fit.py`` (which reprints these coefficients) and ``bench/travel_times.py``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from planner import config
from planner.data.sources.communes import load_communes
from planner.data.sources.indicators import density_class
from planner.geo import CRS_WGS84, great_circle_km, metric_crs_at
from planner.travel.isochrones import disc_isochrones
from planner.travel.points import column, lonlat

log = logging.getLogger(__name__)

#: Density class used where a point's commune has none (INSEE "peu dense").
DEFAULT_DENSITY_CLASS = 3
#: Distance knots (km) of the piecewise-linear log-log profile.
KNOTS_KM: tuple[float, ...] = (0.5, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0, 150.0)
#: Distance bands (km) of the error quantiles and of the validation tables.
BAND_EDGES_KM: tuple[float, ...] = (0.5, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0, 150.0)
#: INSEE density classes (grille communale de densité, 4 levels).
CLASSES: tuple[int, ...] = (1, 2, 3, 4)
#: Candidate sites examined per origin (nearest as the crow flies) before the exact check.
NEAREST_CANDIDATES = 16

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CrowFlyModel:
    """Fitted fallback: road minutes and km at each distance knot per mean density class, and error quantiles.

    Attributes
    ----------
    minutes, km
        ``minutes[k][j]``: road minutes (km) at ``knots_km[j]`` for a pair whose mean density
        class is ``CLASSES[k]``.
    ratio_low, ratio_high
        Per distance band, quantiles ``quantiles`` of ``road / predicted`` (out of sample).
    knots_km, band_edges_km, quantiles
        Distance knots, band edges (km) and the probabilities of the ratio quantiles.
    """

    minutes: tuple[tuple[float, ...], ...]
    km: tuple[tuple[float, ...], ...]
    ratio_low: tuple[float, ...] = (1.0,) * (len(BAND_EDGES_KM) - 1)
    ratio_high: tuple[float, ...] = (1.0,) * (len(BAND_EDGES_KM) - 1)
    knots_km: tuple[float, ...] = KNOTS_KM
    band_edges_km: tuple[float, ...] = BAND_EDGES_KM
    quantiles: tuple[float, float] = (0.1, 0.9)

    def _profile(self, table: tuple[tuple[float, ...], ...], d: FloatArray, m: FloatArray) -> FloatArray:
        knots = np.log(np.asarray(self.knots_km))
        logs = np.log(np.asarray(table))
        lo, hi = self.knots_km[0], self.knots_km[-1]
        x = np.log(np.clip(d, lo, hi))
        mm = np.clip(m, CLASSES[0], CLASSES[-1]) - CLASSES[0]
        k = np.minimum(np.floor(mm).astype(np.int64), len(CLASSES) - 2)
        w = mm - k
        rows = np.stack([np.interp(x, knots, logs[c]) for c in range(len(CLASSES))])
        below = np.take_along_axis(rows, k[None], 0)[0]
        above = np.take_along_axis(rows, k[None] + 1, 0)[0]
        return np.exp((1 - w) * below + w * above) * d / np.clip(d, lo, hi)

    def predict(
        self, d_km: ArrayLike, class_a: ArrayLike, class_b: ArrayLike
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Return road minutes, their interval and road km predicted from straight-line distance.

        Parameters
        ----------
        d_km
            Great-circle distance (km); the three arrays broadcast together.
        class_a, class_b
            INSEE density class (1..4) of each end (symmetric); NaN counts as
            :data:`DEFAULT_DENSITY_CLASS`, values outside 1..4 are clipped.

        Returns
        -------
        ``(minutes, minutes_low, minutes_high, km)``, arrays of the broadcast shape;
        ``inf`` where ``d_km`` is not finite.
        """
        d, ca, cb = np.broadcast_arrays(
            np.asarray(d_km, float), np.asarray(class_a, float), np.asarray(class_b, float)
        )
        ok = np.isfinite(d)
        dd = np.where(ok, np.maximum(d, 0.0), 1.0)
        m = np.nan_to_num(ca, nan=DEFAULT_DENSITY_CLASS) + np.nan_to_num(cb, nan=DEFAULT_DENSITY_CLASS)
        m = m / 2
        minutes = self._profile(self.minutes, dd, m)
        km = self._profile(self.km, dd, m)
        band = np.clip(np.searchsorted(self.band_edges_km, dd, side="right") - 1, 0, len(self.ratio_low) - 1)
        low = minutes * np.asarray(self.ratio_low)[band]
        high = minutes * np.asarray(self.ratio_high)[band]
        inf = np.where(ok, 1.0, np.inf)
        return minutes * inf, low * inf, high * inf, km * inf

    def floor_minutes(self, d_km: ArrayLike) -> FloatArray:
        """Return the lowest minutes any pair of classes can get at ``d_km`` (a lower bound)."""
        d = np.asarray(d_km, float)
        # log-minutes are linear in the mean class between whole classes: the minimum is at one of them
        return np.min(np.stack([self.predict(d, c, c)[0] for c in CLASSES]), axis=0)

    def radius_km(self, minutes: float, density: ArrayLike) -> FloatArray:
        """Return the straight-line distance reached in ``minutes`` from a point of class ``density``.

        Both ends are taken in the point's class (the other end is unknown).
        """
        cls = np.asarray(density, float)
        grid = np.geomspace(0.01, 1000.0, 2001)
        out = np.empty(cls.shape)
        for c in np.unique(cls):
            times = self.predict(grid, c, c)[0]
            out[cls == c] = np.interp(minutes, times, grid)
        return out


@dataclass
class CrowFlyTimes:
    """Crow-fly estimates: minutes, their interval and road km (arrays of one shape)."""

    minutes: FloatArray
    minutes_low: FloatArray
    minutes_high: FloatArray
    km: FloatArray


def crow_fly_matrix(
    origins: tuple[np.ndarray, np.ndarray],
    destinations: tuple[np.ndarray, np.ndarray],
    origin_classes: np.ndarray,
    destination_classes: np.ndarray,
    model: CrowFlyModel | None = None,
) -> CrowFlyTimes:
    """Return crow-fly estimates from every origin to every destination.

    Parameters
    ----------
    origins, destinations
        ``(lon, lat)`` arrays (WGS84; NaN: no position).
    origin_classes, destination_classes
        Density class of each origin and destination.
    model
        The fallback (default :data:`FALLBACK`).

    Returns
    -------
    CrowFlyTimes of shape ``(len(origins), len(destinations))``; ``inf`` where a
    position is missing. Symmetric: swapping origins and destinations transposes it.
    """
    (lon_o, lat_o), (lon_d, lat_d) = origins, destinations
    gc = great_circle_km(lon_o[:, None], lat_o[:, None], lon_d[None, :], lat_d[None, :])
    minutes, low, high, km = (model or FALLBACK).predict(
        gc, np.asarray(origin_classes)[:, None], np.asarray(destination_classes)[None, :]
    )
    return CrowFlyTimes(minutes, low, high, km)


def crow_fly_nearest(
    origins: tuple[np.ndarray, np.ndarray],
    sites: tuple[np.ndarray, np.ndarray],
    origin_classes: np.ndarray,
    site_classes: np.ndarray,
    model: CrowFlyModel | None = None,
) -> tuple[CrowFlyTimes, np.ndarray]:
    """Return the crow-fly estimate to the nearest site (by estimated minutes) of every origin.

    The :data:`NEAREST_CANDIDATES` closest sites as the crow flies (a KD-tree on unit
    vectors) are examined; for an origin whose best time is not provably below any farther
    site's (:meth:`CrowFlyModel.floor_minutes` of the farthest candidate) the candidates are
    widened fourfold, until proven or every site is examined, so the result is exact. ``minutes_low``/``minutes_high`` are the
    lowest bounds over the sites (the interval of the time to the nearest site).

    Parameters
    ----------
    origins, sites
        ``(lon, lat)`` arrays (WGS84; NaN: no position).
    origin_classes, site_classes
        Density class of each origin and site.
    model
        The fallback (default :data:`FALLBACK`).

    Returns
    -------
    ``(times, site)``: per origin; ``inf`` and ``-1`` for an origin without position or sites.
    """
    model = model or FALLBACK
    (lon_o, lat_o), (lon_s, lat_s) = origins, sites
    n = len(lon_o)
    out = CrowFlyTimes(*(np.full(n, np.inf) for _ in range(4)))
    site = np.full(n, -1, np.int64)
    ok_s = np.flatnonzero(np.isfinite(lon_s) & np.isfinite(lat_s))
    ok_o = np.flatnonzero(np.isfinite(lon_o) & np.isfinite(lat_o))
    if not (len(ok_s) and len(ok_o)):
        return out, site
    cls_o, cls_s = np.asarray(origin_classes, float), np.asarray(site_classes, float)
    tree = cKDTree(_unit_xyz(lon_s[ok_s], lat_s[ok_s]))
    xyz_o = _unit_xyz(lon_o, lat_o)
    todo, k = ok_o, min(NEAREST_CANDIDATES, len(ok_s))
    while len(todo):  # widen the candidates of the origins not yet proven exact
        _, idx = tree.query(xyz_o[todo], k=k)
        cand = ok_s[np.asarray(idx).reshape(len(todo), k)]
        o = todo[:, None]
        gc = great_circle_km(lon_o[o], lat_o[o], lon_s[cand], lat_s[cand])
        _take(out, site, todo, model.predict(gc, cls_o[o], cls_s[cand]), cand)
        if k == len(ok_s):
            break
        # exactness: a farther site is at least floor(d_k) × the lowest ratio away
        floor = model.floor_minutes(gc.max(axis=1))
        sure = (
            (out.minutes[todo] <= floor)
            & (out.minutes_low[todo] <= floor * min(model.ratio_low))
            & (out.minutes_high[todo] <= floor * min(model.ratio_high))
        )
        todo, k = todo[~sure], min(4 * k, len(ok_s))
    return out, site


def _take(
    out: CrowFlyTimes, site: np.ndarray, rows: np.ndarray,
    est: tuple[FloatArray, FloatArray, FloatArray, FloatArray], cand: np.ndarray,
) -> None:
    """Store, for each row, the candidate with the lowest minutes and the lowest bounds."""
    minutes, low, high, km = est
    best = np.argmin(minutes, axis=1)
    r = np.arange(len(rows))
    out.minutes[rows], out.km[rows] = minutes[r, best], km[r, best]
    out.minutes_low[rows], out.minutes_high[rows] = low.min(axis=1), high.min(axis=1)
    site[rows] = cand[r, best]


def crow_fly_isochrones(
    points: tuple[np.ndarray, np.ndarray],
    density: np.ndarray,
    thresholds: list[float],
    model: CrowFlyModel | None = None,
    *,
    by_site: bool,
) -> gpd.GeoDataFrame:
    """Return crow-fly isochrones: per site and threshold, a disc of :meth:`CrowFlyModel.radius_km`.

    Parameters
    ----------
    points
        ``(lon, lat)`` of the sites; ``density`` their density class.
    thresholds
        Minutes, ascending.
    model
        The fallback (default :data:`FALLBACK`).
    by_site
        One disc per site and threshold; otherwise their union per threshold.
    """
    (lon, lat), model = points, model or FALLBACK
    ones = np.ones(len(lon))
    parts = [  # the disc radius is speed × minutes: a "speed" of radius per time, no detour
        disc_isochrones(lon, lat, model.radius_km(t, density) * 60 / t, ones, [t], by_site=by_site)
        for t in thresholds
    ]
    return pd.concat(parts or [disc_isochrones(lon, lat, ones, ones, [], by_site=by_site)], ignore_index=True)


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


#: The fallback, fitted by ``bench/fallback_fit.py`` (which reprints these values) on every road
#: graph at hand: Corsica (992 points: 360 town halls, La Poste and France Services sites and IRIS
#: points of 2A/2B, 984,430 ordered pairs 0.5-150 km, classes 2-4) and Saint-Germain-en-Laye (600
#: nodes of the driveable graph, 165,642 pairs, class 1, up to ~14 km: class 1 beyond 20 km is
#: extrapolated). Interval: 10th/90th percentiles of road / predicted per band, pooled out of
#: sample (fit 2A test 2B, fit 2B test 2A, fit Corsica test Saint-Germain held-out nodes). Out of
#: sample the median absolute error is 18-34 % per band, above the 15 % target (see the bench).
FALLBACK = CrowFlyModel(
    minutes=(
        (1.385, 3.783, 5.934, 11.419, 23.409, 47.853, 95.622, 176.893),  # mean class 1
        (1.721, 5.581, 10.979, 18.270, 31.248, 57.220, 99.700, 160.651),  # mean class 2
        (1.915, 8.253, 20.575, 36.410, 58.615, 90.899, 136.865, 209.708),  # mean class 3
        (2.196, 12.187, 33.563, 60.864, 89.204, 134.069, 187.986, 256.178),  # mean class 4
    ),
    km=(
        (0.854, 2.823, 6.059, 12.423, 26.207, 55.196, 114.491, 219.754),  # mean class 1
        (0.886, 3.370, 7.708, 14.513, 29.052, 61.838, 119.723, 204.208),  # mean class 2
        (0.943, 4.344, 11.291, 21.403, 41.398, 79.706, 149.305, 222.704),  # mean class 3
        (0.997, 5.585, 15.947, 31.465, 56.614, 99.681, 170.274, 250.138),  # mean class 4
    ),
    ratio_low=(0.649, 0.684, 0.697, 0.642, 0.601, 0.600, 0.581),
    ratio_high=(1.360, 1.529, 1.674, 1.525, 1.398, 1.327, 1.328),
)
