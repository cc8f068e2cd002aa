"""Geometry shared by every stage: coordinate systems, distances, unions.

WGS84 (EPSG:4326) at the edges (files, maps); the territory's metric CRS for any
metric work (buffers, areas, distances, extents). Lambert-93 is valid for
metropolitan France and Corsica only; each overseas département has its official
local projection (IGN: RGAF09, RGFG95, RGR92, RGM04, RGSPM06 UTM zones).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import shapely

log = logging.getLogger(__name__)

#: Geographic coordinates at the edges: files, maps, exports.
CRS_WGS84 = "EPSG:4326"
#: Lambert-93, the metric CRS of metropolitan France and Corsica.
CRS_METRIC = "EPSG:2154"

#: Official metric projection of each overseas département or collectivity.
OVERSEAS_CRS: dict[str, str] = {
    "971": "EPSG:5490",  # Guadeloupe: RGAF09 / UTM 20N
    "972": "EPSG:5490",  # Martinique: RGAF09 / UTM 20N
    "973": "EPSG:2972",  # Guyane: RGFG95 / UTM 22N
    "974": "EPSG:2975",  # La Réunion: RGR92 / UTM 40S
    "975": "EPSG:4467",  # Saint-Pierre-et-Miquelon: RGSPM06 / UTM 21N
    "976": "EPSG:4471",  # Mayotte: RGM04 / UTM 38S
    "977": "EPSG:5490",  # Saint-Barthélemy: RGAF09 / UTM 20N
    "978": "EPSG:5490",  # Saint-Martin: RGAF09 / UTM 20N
}

#: Bounding boxes (lon min, lat min, lon max, lat max) of the overseas territories.
_OVERSEAS_BOXES: dict[str, tuple[float, float, float, float]] = {
    "971": (-61.9, 15.8, -61.0, 16.6),
    "972": (-61.3, 14.3, -60.7, 14.9),
    "973": (-54.7, 2.0, -51.5, 5.9),
    "974": (55.1, -21.5, 55.9, -20.8),
    "975": (-56.5, 46.7, -56.1, 47.2),
    "976": (44.9, -13.1, 45.4, -12.5),
    "977": (-62.95, 17.85, -62.75, 17.98),
    "978": (-63.2, 18.0, -62.95, 18.15),
}

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088


def departement_of_code(insee: str) -> str:
    """Return the département code of a commune INSEE code (``2A004`` → ``2A``, ``97411`` → ``974``)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


def metric_crs(departements: Iterable[str]) -> str:
    """Return the metric CRS of a territory given its départements.

    Parameters
    ----------
    departements
        Département codes (``2A``, ``48``, ``974``...).

    Returns
    -------
    str
        Lambert-93 for metropolitan France, the official local projection overseas. A
        territory that mixes several projections gets the one of most of its départements.
    """
    codes = Counter(OVERSEAS_CRS.get(str(d), CRS_METRIC) for d in departements)
    if not codes:
        return CRS_METRIC
    if len(codes) > 1:
        log.warning("territoire sur plusieurs projections (%s) : %s retenue", dict(codes), codes.most_common(1)[0][0])
    return codes.most_common(1)[0][0]


def metric_crs_at(lon: float, lat: float) -> str:
    """Return the metric CRS of a place given its WGS84 coordinates."""
    for code, (x0, y0, x1, y1) in _OVERSEAS_BOXES.items():
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return OVERSEAS_CRS[code]
    if -6.0 <= lon <= 10.5 and 41.0 <= lat <= 51.5:
        return CRS_METRIC
    zone = int((lon + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def great_circle_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Return haversine distances in km between WGS84 points (broadcasting)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def union(polygons: Any, grid_size: float | None = None) -> Any:
    """Return the union of polygons (a sequence, an array or a GeoSeries) as one geometry.

    Invalid parts are repaired first; ``grid_size`` snaps to a precision grid, which
    removes slivers between neighbouring communes.
    """
    geoms = np.asarray(getattr(polygons, "values", polygons), dtype=object)
    geoms = geoms[~shapely.is_missing(geoms)] if len(geoms) else geoms
    if not len(geoms):
        return shapely.Polygon()
    geoms = shapely.make_valid(geoms)
    return shapely.union_all(geoms, grid_size=grid_size)
