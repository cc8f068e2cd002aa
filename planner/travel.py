"""Travel times by road (or crow-fly where no road graph exists).

:class:`TravelModel` answers three questions for points given in WGS84 (origins,
sites): the many-to-many matrix (:meth:`TravelModel.matrix`), the nearest site of
every point and every road node in one search (:meth:`TravelModel.nearest`) and
isochrones (:meth:`TravelModel.isochrones`). Every result carries ``method``:
``"road"`` or ``"crow_fly"``.

Road method
    A point is snapped to the nearest node of the graph (KD-tree on metric
    coordinates: Lambert-93 in metropolitan France) and an *access leg* (the
    straight snap distance at :data:`ACCESS_SPEED_KPH`) is added at each end. A point
    farther than ``max_snap_m`` (default :data:`MAX_SNAP_M`) from every node is not
    snapped: it is reported (:attr:`Snap.far`) and its times are infinite.
    Searches are scipy's Dijkstra on the directed graph (one-way streets), run once
    on a lexicographic integer weight ``milliseconds × 2**24 + metres``: one search
    gives the fastest path's time (to the millisecond per edge) and, exactly, its
    length. Unreachable pairs and pairs beyond a cut-off are ``inf``.

Crow-fly method
    ``minutes = great-circle km × circuity ÷ speed``, both factors by INSEE density
    class (1 dense .. 4 très peu dense) of the origin's commune (the place where the
    trip starts), from :data:`CROW_FLY`, calibrated on the Corsica road graph by
    :func:`calibrate_fallback` (``bench/travel_times.py`` reruns it).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from planner import roads
from planner.roads import RoadGraph
from planner.schema import DataError
from planner.settings import CRS_WGS84

if TYPE_CHECKING:
    from planner.territory import Territory

log = logging.getLogger(__name__)

Method = Literal["road", "crow_fly"]

#: Speed (km/h) of the access leg between a point and its snapped road node: the
#: straight line stands for a driveway, a farm track or an unmapped lane, slow and
#: winding, hence well below road speeds.
ACCESS_SPEED_KPH = 20.0
#: A point farther than this (metres) from every road node is reported, not snapped.
MAX_SNAP_M = 5_000.0
#: Two points closer than this are also joined directly, at the access speed: through
#: the graph each would pay its own access leg, so co-located points would not be at 0.
DIRECT_LEG_MAX_M = 1_000.0
#: Isochrone thresholds (minutes).
ISOCHRONE_MINUTES: tuple[float, ...] = (10.0, 20.0, 30.0, 45.0)
#: Half-width (metres) of the band drawn around reachable roads in an isochrone.
ISOCHRONE_BUFFER_M = 300.0
#: Holes smaller than this (km²) in an isochrone, land enclosed by reachable roads, are filled.
ISOCHRONE_FILL_HOLES_KM2 = 2.0
#: Density class used where a point's commune has none (INSEE "peu dense").
DEFAULT_DENSITY_CLASS = 3
#: Mean Earth radius (km), for great-circle distances.
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class CrowFly:
    """Crow-fly factors of one density class: road km per great-circle km, and km/h."""

    circuity: float
    speed_kph: float


#: Crow-fly factors by INSEE density class (dens4), measured on 2026-11-27 by
#: ``calibrate_fallback`` (rerun and printed by ``bench/travel_times.py``) on the
#: Corsica road graph (roads/corse_drive.graphml.gz, travel times as in the file,
#: snapping and access legs as above): the 360 town halls of 2A/2B to every La Poste
#: (194), France Services (37) and town-hall (360) site of the territory (+15 km)
#: lying 1 to 20 km away as the crow flies (32,034 pairs), the class being the origin
#: commune's. circuity = median(road km / great-circle km); speed = median(great-circle
#: km × circuity / road hours), so that the median ratio of fallback to road time is 1.
#: Class 1 (dense) does not occur in Corsica: it reuses class 2 (an assumption, not a
#: measurement). Values rounded to 3 decimals (circuity) and 0.1 km/h (speed).
CROW_FLY: dict[int, CrowFly] = {
    1: CrowFly(circuity=1.805, speed_kph=39.4),  # not measured: class 2 reused
    2: CrowFly(circuity=1.805, speed_kph=39.4),  # 847 pairs, MAPE 40 %
    3: CrowFly(circuity=2.335, speed_kph=35.8),  # 8,291 pairs, MAPE 39 %
    4: CrowFly(circuity=2.889, speed_kph=34.3),  # 23,442 pairs, MAPE 33 %
}
#: How :data:`CROW_FLY` was measured, and its error on the calibration pairs.
CROW_FLY_CALIBRATION = (
    "Calibré le 2026-11-27 sur le réseau routier de la Corse (corse_drive.graphml.gz) : "
    "32 580 paires mairie-site (La Poste, France Services, mairies) de 1 à 20 km à vol "
    "d'oiseau ; rapport médian vol d'oiseau / route 1,00, erreur moyenne absolue (MAPE) 35 % ; "
    "temps jusqu'au site le plus proche : rapport médian 1,00, MAPE 34 %. "
    "Classe dense (1) absente de Corse : valeurs de la classe 2."
)

_SCALE = float(2**24)  # metres field of the lexicographic search weight
_MEMORY_BUDGET = 256 * 1024 * 1024  # bytes of distance rows held at once


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass
class Snap:
    """Where points join the road graph.

    Attributes
    ----------
    node
        Graph node of each point, ``-1`` when not snapped (too far, or no position).
    distance_m
        Straight distance to that node (metres, rounded); ``inf`` without position.
    access_s
        Access-leg time (seconds, rounded to the millisecond) at ``access_speed_kph``.
    max_snap_m
        The limit beyond which a point is not snapped.
    """

    node: np.ndarray
    distance_m: np.ndarray
    access_s: np.ndarray
    max_snap_m: float

    @property
    def far(self) -> np.ndarray:
        """Positions of the points left unsnapped (farther than the limit, or no position)."""
        return np.flatnonzero(self.node < 0)

    def summary(self) -> dict[str, Any]:
        """Return snap statistics (metres) and the unsnapped points, for reports."""
        ok = self.node >= 0
        d = self.distance_m[ok]
        return {
            "points": len(self.node),
            "median_snap_m": float(np.median(d)) if len(d) else None,
            "p95_snap_m": float(np.percentile(d, 95)) if len(d) else None,
            "max_snap_m": float(d.max()) if len(d) else None,
            "far": int((~ok).sum()),
            "far_points": self.far[:20].tolist(),
            "limit_m": self.max_snap_m,
        }

    def describe(self) -> str:
        """Return the snap statistics as a French sentence."""
        s = self.summary()
        if not s["points"]:
            return "Aucun point."
        text = f"{s['points']} points rattachés au réseau routier"
        if s["median_snap_m"] is not None:
            text += f" (distance médiane {s['median_snap_m']:.0f} m, maximale {s['max_snap_m']:.0f} m)"
        if s["far"]:
            text += (
                f" ; {s['far']} point(s) à plus de {self.max_snap_m / 1000:g} km de toute route "
                "(ou sans coordonnées) : non rattachés, temps inconnus"
            )
        return text + "."


@dataclass
class TravelMatrix:
    """Travel times and distances from N origins to M destinations.

    ``minutes[i, j]`` and ``km[i, j]`` go from origin ``i`` to destination ``j``;
    ``inf`` when unreachable or beyond the cut-off.
    """

    minutes: np.ndarray
    km: np.ndarray
    method: Method
    origins: Snap | None = None
    destinations: Snap | None = None
    max_minutes: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """Return the finite pairs as a long table (``origin``, ``destination``, ``minutes``, ``km``)."""
        i, j = np.nonzero(np.isfinite(self.minutes))
        return pd.DataFrame(
            {"origin": i, "destination": j, "minutes": self.minutes[i, j], "km": self.km[i, j]}
        ).assign(method=self.method)


@dataclass
class NearestSites:
    """Time to the nearest site of every point (and of every road node).

    Attributes
    ----------
    minutes, km
        Per point; ``inf`` when no site is reachable (within the cut-off).
    site
        Position (in the sites given) of each point's nearest site, ``-1`` if none.
    site_id
        The nearest site's ``site_id`` when the sites had that column, else None.
    node_minutes, node_km, node_site
        The same for every node of the road graph (road method only).
    """

    minutes: np.ndarray
    km: np.ndarray
    site: np.ndarray
    method: Method
    site_id: np.ndarray | None = None
    snap: Snap | None = None
    sites_snap: Snap | None = None
    node_minutes: np.ndarray | None = None
    node_km: np.ndarray | None = None
    node_site: np.ndarray | None = None

    @property
    def unreachable(self) -> int:
        """Number of points with no reachable site."""
        return int((~np.isfinite(self.minutes)).sum())


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

    def as_frame(self) -> pd.DataFrame:
        """Return one row per density class (French headers)."""
        rows = []
        for c in sorted(self.table):
            rows.append(
                {
                    "classe de densité": c,
                    "détour (km route / km vol d'oiseau)": round(self.table[c].circuity, 3),
                    "vitesse (km/h)": round(self.table[c].speed_kph, 1),
                    "paires": self.pairs_by_class.get(c, 0),
                    "rapport médian": self.median_ratio_by_class.get(c, np.nan),
                    "erreur moyenne (MAPE)": self.mape_by_class.get(c, np.nan),
                    "remarque": f"reprise de la classe {self.reused[c]}" if c in self.reused else "",
                }
            )
        return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


class TravelModel:
    """Travel times over a road graph, or by crow-fly when there is none.

    Parameters
    ----------
    graph
        A road graph (:func:`planner.roads.load_road_graph`); None for the crow-fly
        fallback.
    max_snap_m
        Points farther than this from every road node are reported and not snapped.
    access_speed_kph
        Speed of the access leg between a point and its road node.
    crow_fly
        Crow-fly factors by density class (default :data:`CROW_FLY`).
    """

    def __init__(
        self,
        graph: RoadGraph | None = None,
        *,
        max_snap_m: float = MAX_SNAP_M,
        access_speed_kph: float = ACCESS_SPEED_KPH,
        crow_fly: dict[int, CrowFly] | None = None,
    ) -> None:
        self.graph = graph
        self.max_snap_m = float(max_snap_m)
        self.access_speed_kph = float(access_speed_kph)
        self.crow_fly = dict(CROW_FLY if crow_fly is None else crow_fly)

    @property
    def method(self) -> Method:
        """``"road"`` with a road graph, else ``"crow_fly"``."""
        return "road" if self.graph is not None else "crow_fly"

    def __repr__(self) -> str:
        source = self.graph.report.source if self.graph is not None else "aucun réseau"
        return f"TravelModel(method={self.method!r}, graph={source!r})"

    # -- snapping --------------------------------------------------------

    def snap(self, points: Any) -> Snap:
        """Snap points to the nearest road node (road method only).

        Parameters
        ----------
        points
            GeoDataFrame/GeoSeries of points (any CRS) or an array of ``(lon, lat)``.

        Returns
        -------
        Snap
        """
        graph = self._require_graph()
        lon, lat = _lonlat(points)
        n = len(lon)
        node = np.full(n, -1, np.int64)
        dist = np.full(n, np.inf)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if ok.any():
            x, y = _transformer(graph.crs_metric).transform(lon[ok], lat[ok])
            d, idx = graph.kdtree.query(np.column_stack([x, y]))
            dist[ok] = np.round(d)
            near = d <= self.max_snap_m
            node[np.flatnonzero(ok)[near]] = idx[near]
        access = np.round(dist / (self.access_speed_kph / 3.6) * 1000) / 1000
        snap = Snap(node=node, distance_m=dist, access_s=access, max_snap_m=self.max_snap_m)
        if len(snap.far):
            log.warning(
                "%d point(s) à plus de %g km de toute route (ou sans coordonnées) : non rattachés",
                len(snap.far),
                self.max_snap_m / 1000,
            )
        return snap

    # -- matrix ----------------------------------------------------------

    def matrix(self, origins: Any, destinations: Any, *, max_minutes: float | None = None) -> TravelMatrix:
        """Return travel times (minutes) and distances (km) from every origin to every destination.

        Parameters
        ----------
        origins, destinations
            GeoDataFrame/GeoSeries of points or arrays of ``(lon, lat)``. For the
            crow-fly method, origins with an ``insee`` column get their commune's
            density class directly.
        max_minutes
            Cut-off: longer trips are ``inf`` (and the search stops early).

        Returns
        -------
        TravelMatrix of shape ``(len(origins), len(destinations))``.
        """
        if self.graph is None:
            return self._crow_matrix(origins, destinations, max_minutes)
        graph = self.graph
        so, sd = self.snap(origins), self.snap(destinations)
        n_o, n_d = len(so.node), len(sd.node)
        minutes = np.full((n_o, n_d), np.inf)
        km = np.full((n_o, n_d), np.inf)
        oi, di = np.flatnonzero(so.node >= 0), np.flatnonzero(sd.node >= 0)
        if len(oi) and len(di):
            uo, o_pos = np.unique(so.node[oi], return_inverse=True)
            ud, d_pos = np.unique(sd.node[di], return_inverse=True)
            secs, metres = node_matrix(graph, uo, ud, max_minutes=max_minutes)
            t = secs[np.ix_(o_pos, d_pos)] + so.access_s[oi][:, None] + sd.access_s[di][None, :]
            m = metres[np.ix_(o_pos, d_pos)] + so.distance_m[oi][:, None] + sd.distance_m[di][None, :]
            minutes[np.ix_(oi, di)] = t / 60
            km[np.ix_(oi, di)] = m / 1000
        self._direct_legs(origins, destinations, minutes, km)
        _apply_cutoff(minutes, km, max_minutes)
        return TravelMatrix(minutes, km, "road", so, sd, max_minutes)

    # -- nearest site ----------------------------------------------------

    def nearest(self, origins: Any, sites: Any, *, max_minutes: float | None = None) -> NearestSites:
        """Return the nearest site (by time) of every origin, and of every road node.

        Road method: one Dijkstra search on the reversed graph from a virtual node per
        site (joined to its road node by its access leg), all sites starting at once
        (a virtual super-source); it labels every node with its nearest site.

        Parameters
        ----------
        origins
            Points (see :meth:`matrix`).
        sites
            Points; a ``site_id`` column, when present, is reported.
        max_minutes
            Cut-off: origins farther from every site get ``inf`` and site ``-1``.

        Returns
        -------
        NearestSites
        """
        site_ids = _column(sites, "site_id")
        if self.graph is None:
            result = self._crow_nearest(origins, sites, max_minutes)
        else:
            result = self._road_nearest(origins, sites, max_minutes)
        if site_ids is not None:
            ids = site_ids.to_numpy(dtype=object)
            result.site_id = np.full(len(result.site), None, dtype=object)
            found = result.site >= 0
            result.site_id[found] = ids[result.site[found]]
        return result

    def _road_nearest(self, origins: Any, sites: Any, max_minutes: float | None) -> NearestSites:
        graph = self._require_graph()
        so, ss = self.snap(origins), self.snap(sites)
        n = graph.n_nodes
        node_secs = np.full(n, np.inf)
        node_m = np.full(n, np.inf)
        node_site = np.full(n, -1, np.int64)
        usable = np.flatnonzero(ss.node >= 0)
        if len(usable):
            weights = _encode(ss.access_s[usable], ss.distance_m[usable])
            aug = _augmented_reverse(graph, ss.node[usable], weights)
            sources = n + np.arange(len(usable))
            dist, _, src = dijkstra(
                aug,
                directed=True,
                indices=sources,
                min_only=True,
                return_predecessors=True,
                limit=_limit(max_minutes),
            )
            node_secs, node_m = _decode(dist[:n])
            reached = src[:n] >= 0
            node_site[reached] = usable[src[:n][reached] - n]
        minutes = np.full(len(so.node), np.inf)
        km = np.full(len(so.node), np.inf)
        site = np.full(len(so.node), -1, np.int64)
        ok = np.flatnonzero(so.node >= 0)
        at = so.node[ok]
        minutes[ok] = (node_secs[at] + so.access_s[ok]) / 60
        km[ok] = (node_m[at] + so.distance_m[ok]) / 1000
        site[ok] = node_site[at]
        self._direct_nearest(origins, sites, minutes, km, site)
        _apply_cutoff(minutes, km, max_minutes)
        site[~np.isfinite(minutes)] = -1
        node_minutes = node_secs / 60
        node_km = node_m / 1000
        if max_minutes is not None:
            beyond = node_minutes > max_minutes
            node_minutes[beyond] = np.inf
            node_km[beyond] = np.inf
            node_site[beyond] = -1
        return NearestSites(
            minutes=minutes,
            km=km,
            site=site,
            method="road",
            snap=so,
            sites_snap=ss,
            node_minutes=node_minutes,
            node_km=node_km,
            node_site=node_site,
        )

    # -- direct legs between close points --------------------------------

    def _metric_xy(self, points: Any) -> np.ndarray:
        lon, lat = _lonlat(points)
        x, y = _transformer(self._require_graph().crs_metric).transform(lon, lat)
        return np.column_stack([x, y])

    def _direct_legs(self, origins: Any, destinations: Any, minutes: np.ndarray, km: np.ndarray) -> None:
        """Lower matrix entries to the direct leg where two points are within :data:`DIRECT_LEG_MAX_M`."""
        from scipy.spatial import cKDTree

        xo, xd = self._metric_xy(origins), self._metric_xy(destinations)
        ok_o, ok_d = np.isfinite(xo).all(axis=1), np.isfinite(xd).all(axis=1)
        if not (ok_o.any() and ok_d.any()):
            return
        io, id_ = np.flatnonzero(ok_o), np.flatnonzero(ok_d)
        pairs = cKDTree(xo[io]).sparse_distance_matrix(cKDTree(xd[id_]), DIRECT_LEG_MAX_M, output_type="ndarray")
        if len(pairs) == 0:
            return
        i, j, metres = io[pairs["i"]], id_[pairs["j"]], pairs["v"]
        direct = metres / (self.access_speed_kph / 3.6) / 60
        better = direct < minutes[i, j]
        minutes[i[better], j[better]] = direct[better]
        km[i[better], j[better]] = metres[better] / 1000

    def _direct_nearest(
        self, origins: Any, sites: Any, minutes: np.ndarray, km: np.ndarray, site: np.ndarray
    ) -> None:
        """Take the nearest site within :data:`DIRECT_LEG_MAX_M` directly when that is faster."""
        from scipy.spatial import cKDTree

        xo, xs = self._metric_xy(origins), self._metric_xy(sites)
        ok_s = np.flatnonzero(np.isfinite(xs).all(axis=1))
        ok_o = np.flatnonzero(np.isfinite(xo).all(axis=1))
        if not (len(ok_s) and len(ok_o)):
            return
        metres, idx = cKDTree(xs[ok_s]).query(xo[ok_o], distance_upper_bound=DIRECT_LEG_MAX_M)
        found = np.isfinite(metres)
        o = ok_o[found]
        direct = metres[found] / (self.access_speed_kph / 3.6) / 60
        better = direct < minutes[o]
        minutes[o[better]] = direct[better]
        km[o[better]] = metres[found][better] / 1000
        site[o[better]] = ok_s[idx[found][better]]

    # -- paths -----------------------------------------------------------

    def path_line(self, points: Any) -> shapely.LineString | None:
        """Return the fastest road path through ``points`` in order, as a WGS84 line.

        Each point is joined to its road node; legs between points of the same node (or
        unsnapped points) are straight. ``None`` for the crow-fly method.
        """
        if self.graph is None:
            return None
        graph = self.graph
        snap = self.snap(points)
        lon, lat = _lonlat(points)
        csr = _search_csr(graph, False)
        coords: list[tuple[float, float]] = []
        for k in range(len(snap.node)):
            coords.append((float(lon[k]), float(lat[k])))
            if k + 1 == len(snap.node):
                break
            a, b = snap.node[k], snap.node[k + 1]
            if a < 0 or b < 0 or a == b:
                continue
            _, pred = dijkstra(csr, directed=True, indices=int(a), return_predecessors=True)
            path = [int(b)]
            while path[-1] != a and pred[path[-1]] >= 0:
                path.append(int(pred[path[-1]]))
            if path[-1] != a:
                continue  # unreachable: straight leg
            coords.extend((float(graph.lon[v]), float(graph.lat[v])) for v in reversed(path))
        return shapely.LineString(coords) if len(coords) > 1 else None

    # -- isochrones ------------------------------------------------------

    def isochrones(
        self,
        sites: Any,
        minutes: Iterable[float] = ISOCHRONE_MINUTES,
        *,
        by_site: bool = False,
        direction: Literal["to_site", "from_site"] = "to_site",
        buffer_m: float = ISOCHRONE_BUFFER_M,
    ) -> gpd.GeoDataFrame:
        """Return the areas from which a site (or any of several sites) is reachable in time.

        Road method: the reachable parts of road edges (an edge crossing the limit is
        cut where time runs out), buffered by ``buffer_m`` in the metric CRS
        (Lambert-93 in metropolitan France); holes smaller than
        :data:`ISOCHRONE_FILL_HOLES_KM2` (land enclosed by reachable roads) are filled. Crow-fly method: discs of radius
        ``speed × minutes ÷ circuity`` for the site commune's density class.

        Parameters
        ----------
        sites
            Points (see :meth:`matrix`).
        minutes
            Thresholds (default 10, 20, 30, 45).
        by_site
            One polygon per site and threshold; otherwise one per threshold for all
            sites together (the area served by the set).
        direction
            ``"to_site"`` (time to reach the site, the default) or ``"from_site"``.
        buffer_m
            Half-width of the band drawn around reachable roads (road method).

        Returns
        -------
        GeoDataFrame (EPSG:4326) with ``site`` (position in ``sites``, ``-1`` for the
        set), ``site_id`` (when known), ``minutes``, ``area_km2``, ``method`` and
        ``geometry``.
        """
        thresholds = sorted({float(m) for m in minutes})
        ids = _column(sites, "site_id")
        if self.graph is None:
            frame = self._crow_isochrones(sites, thresholds, by_site)
        else:
            frame = self._road_isochrones(sites, thresholds, by_site, direction, buffer_m)
        frame["site_id"] = [
            (ids.iloc[s] if ids is not None and s >= 0 else None) for s in frame["site"]
        ]
        return frame[["site", "site_id", "minutes", "area_km2", "method", "geometry"]]

    def _road_isochrones(
        self, sites: Any, thresholds: list[float], by_site: bool, direction: str, buffer_m: float
    ) -> gpd.GeoDataFrame:
        graph = self._require_graph()
        ss = self.snap(sites)
        usable = np.flatnonzero(ss.node >= 0)
        reverse = direction == "to_site"
        limit = _limit(max(thresholds) if thresholds else 0.0)
        if by_site:
            secs = np.full((len(usable), graph.n_nodes), np.inf)
            if len(usable):
                nodes, pos = np.unique(ss.node[usable], return_inverse=True)
                d = dijkstra(_search_csr(graph, reverse), directed=True, indices=nodes, limit=limit)
                secs = _decode(d)[0][pos] + ss.access_s[usable][:, None]
            groups = [(int(s), secs[k]) for k, s in enumerate(usable)]
        else:
            secs = np.full(graph.n_nodes, np.inf)
            if len(usable):
                weights = _encode(ss.access_s[usable], ss.distance_m[usable])
                if reverse:
                    aug = _augmented_reverse(graph, ss.node[usable], weights)
                else:
                    aug = _augmented_forward(graph, ss.node[usable], weights)
                sources = graph.n_nodes + np.arange(len(usable))
                d = dijkstra(aug, directed=True, indices=sources, min_only=True, limit=limit)
                secs = _decode(d[: graph.n_nodes])[0]
            groups = [(-1, secs)]
        rows = []
        limits = [t * 60 for t in thresholds]
        for site, node_secs in groups:
            areas = _reachable_areas(graph, node_secs, limits, reverse, buffer_m)
            rows.extend({"site": site, "minutes": t, "geometry": g} for t, g in zip(thresholds, areas))
        return _isochrone_frame(rows, graph.crs_metric, "road")

    # -- crow-fly --------------------------------------------------------

    def _factors(self, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        circuity = np.array([self.crow_fly[int(c)].circuity for c in classes], float)
        speed = np.array([self.crow_fly[int(c)].speed_kph for c in classes], float)
        return circuity, speed

    def _crow_matrix(self, origins: Any, destinations: Any, max_minutes: float | None) -> TravelMatrix:
        lon_o, lat_o = _lonlat(origins)
        lon_d, lat_d = _lonlat(destinations)
        gc = great_circle_km(lon_o[:, None], lat_o[:, None], lon_d[None, :], lat_d[None, :])
        circuity, speed = self._factors(point_density(origins))
        km = gc * circuity[:, None]
        minutes = km / speed[:, None] * 60
        minutes = np.where(np.isfinite(minutes), minutes, np.inf)
        km = np.where(np.isfinite(km), km, np.inf)
        _apply_cutoff(minutes, km, max_minutes)
        return TravelMatrix(minutes, km, "crow_fly", max_minutes=max_minutes)

    def _crow_nearest(self, origins: Any, sites: Any, max_minutes: float | None) -> NearestSites:
        from scipy.spatial import cKDTree

        lon_o, lat_o = _lonlat(origins)
        lon_s, lat_s = _lonlat(sites)
        n = len(lon_o)
        minutes = np.full(n, np.inf)
        km = np.full(n, np.inf)
        site = np.full(n, -1, np.int64)
        ok_s = np.flatnonzero(np.isfinite(lon_s) & np.isfinite(lat_s))
        ok_o = np.flatnonzero(np.isfinite(lon_o) & np.isfinite(lat_o))
        if len(ok_s) and len(ok_o):
            # chord length on the unit sphere grows with great-circle distance: exact argmin
            tree = cKDTree(_unit_xyz(lon_s[ok_s], lat_s[ok_s]))
            _, idx = tree.query(_unit_xyz(lon_o[ok_o], lat_o[ok_o]))
            chosen = ok_s[idx]
            gc = great_circle_km(lon_o[ok_o], lat_o[ok_o], lon_s[chosen], lat_s[chosen])
            circuity, speed = self._factors(point_density(origins)[ok_o])
            km[ok_o] = gc * circuity
            minutes[ok_o] = km[ok_o] / speed * 60
            site[ok_o] = chosen
        _apply_cutoff(minutes, km, max_minutes)
        site[~np.isfinite(minutes)] = -1
        return NearestSites(minutes=minutes, km=km, site=site, method="crow_fly")

    def _crow_isochrones(self, sites: Any, thresholds: list[float], by_site: bool) -> gpd.GeoDataFrame:
        lon, lat = _lonlat(sites)
        ok = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
        crs = roads.metric_crs(float(np.median(lon[ok])), float(np.median(lat[ok]))) if len(ok) else "EPSG:2154"
        circuity, speed = self._factors(point_density(sites)[ok]) if len(ok) else (np.array([]), np.array([]))
        x, y = _transformer(crs).transform(lon[ok], lat[ok]) if len(ok) else (np.array([]), np.array([]))
        points = shapely.points(np.asarray(x), np.asarray(y))
        rows = []
        for threshold in thresholds:
            radius = speed * threshold / 60 / circuity * 1000
            discs = shapely.buffer(points, radius)
            if by_site:
                rows.extend({"site": int(s), "minutes": threshold, "geometry": g} for s, g in zip(ok, discs))
            else:
                rows.append({"site": -1, "minutes": threshold, "geometry": shapely.union_all(discs)})
        return _isochrone_frame(rows, crs, "crow_fly")

    def _require_graph(self) -> RoadGraph:
        if self.graph is None:
            raise DataError(
                "aucun réseau routier pour ce calcul (méthode à vol d'oiseau)",
                hint="placez un extrait OpenStreetMap couvrant le territoire dans le dossier « roads/ »",
            )
        return self.graph


# ---------------------------------------------------------------------------
# Public helpers
# ---------------------------------------------------------------------------


def model_for(territory: Territory | shapely.Geometry, *, download: bool = False) -> TravelModel:
    """Return the travel model of a territory: road when a road graph covers it, else crow-fly.

    Parameters
    ----------
    territory
        A :class:`planner.territory.Territory` or a polygon (WGS84).
    download
        When no local file covers the territory, download its roads from
        OpenStreetMap (online only) instead of falling back to crow-fly.

    Returns
    -------
    TravelModel whose ``method`` says which was chosen.
    """
    if isinstance(territory, shapely.Geometry):
        polygon = territory
    else:  # the town halls' hull: as telling as the union of polygons, and far cheaper
        halls = territory.communes["town_hall"].dropna().to_numpy()
        halls = halls[~shapely.is_empty(halls)]
        polygon = shapely.convex_hull(shapely.multipoints(halls)) if len(halls) else None
    if polygon is None or shapely.is_empty(polygon):
        return TravelModel(None)
    graph = roads.graph_for(polygon)
    if graph is None and download:
        graph = roads.download_graph(polygon)
    if graph is None:
        log.warning(
            "aucun réseau routier local ne couvre le territoire : temps estimés à vol d'oiseau"
        )
    return TravelModel(graph)


def node_matrix(
    graph: RoadGraph,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    max_minutes: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return fastest-path seconds and metres between graph nodes.

    Runs scipy's Dijkstra from the smaller side (on the reversed graph when there
    are fewer targets than sources), in chunks that bound memory.

    Parameters
    ----------
    graph
        The road graph.
    sources, targets
        Node positions.
    max_minutes
        Cut-off: longer paths are ``inf``.

    Returns
    -------
    ``(seconds, metres)``, arrays of shape ``(len(sources), len(targets))``.
    """
    sources = np.asarray(sources, np.int64)
    targets = np.asarray(targets, np.int64)
    reverse = len(targets) < len(sources)
    starts, ends = (targets, sources) if reverse else (sources, targets)
    csr = _search_csr(graph, reverse)
    out = np.empty((len(starts), len(ends)))
    chunk = max(1, _MEMORY_BUDGET // (8 * max(graph.n_nodes, 1)))
    for lo in range(0, len(starts), chunk):
        d = dijkstra(csr, directed=True, indices=starts[lo : lo + chunk], limit=_limit(max_minutes))
        out[lo : lo + chunk] = d[:, ends]
    secs, metres = _decode(out)
    if reverse:
        secs, metres = secs.T, metres.T
    return np.ascontiguousarray(secs), np.ascontiguousarray(metres)


def great_circle_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Return great-circle (haversine) distances in km; inputs broadcast like numpy arrays."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, float)) for a in (lon1, lat1, lon2, lat2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def point_density(points: Any) -> np.ndarray:
    """Return the INSEE density class (1..4) of each point's commune.

    The commune comes from an ``insee`` column when there is one, else from the
    commune polygon holding the point (or the nearest within 1 km); unknown classes
    get :data:`DEFAULT_DENSITY_CLASS`.
    """
    from planner.sources.indicators import density_class

    lon, lat = _lonlat(points)
    codes = _column(points, "insee")
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
    model: TravelModel,
    origins: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    min_km: float = 1.0,
    max_km: float = 20.0,
) -> FallbackCalibration:
    """Fit the crow-fly factors per density class against road times.

    Pairs are every (origin, site) pair between ``min_km`` and ``max_km`` apart as
    the crow flies and reachable by road; the class is the origin's. The default
    range, 1 to 20 km, is that of trips to a nearby service: on Corsica it makes the
    fallback unbiased both over pairs and on the time to the nearest site (up to
    40 km, long fast trips weigh more and the nearest-site time is underestimated by
    about 20 %). Per class,
    ``circuity = median(road km / great-circle km)`` and ``speed = median(great-circle
    km × circuity / road hours)``, so the median ratio of fallback to road time is 1.
    A class without pairs reuses the nearest class that has some.

    Parameters
    ----------
    model
        A road model (``method == "road"``).
    origins
        Points with an ``insee`` column (town halls, typically).
    sites
        Points.
    min_km, max_km
        Great-circle distance range of the pairs used.

    Returns
    -------
    FallbackCalibration, with the median ratio and the mean absolute percentage error
    (MAPE) of the fitted fallback on the same pairs, per class and overall, and on the
    time from each origin to its nearest site (sites closer than ``min_km`` ignored).
    """
    if model.method != "road":
        raise DataError("la calibration du vol d'oiseau demande un réseau routier")
    road = model.matrix(origins, sites)
    lon_o, lat_o = _lonlat(origins)
    lon_s, lat_s = _lonlat(sites)
    gc = great_circle_km(lon_o[:, None], lat_o[:, None], lon_s[None, :], lat_s[None, :])
    classes = point_density(origins)
    cls = np.broadcast_to(classes[:, None], gc.shape)
    use = np.isfinite(road.minutes) & (gc >= min_km) & (gc <= max_km)
    table: dict[int, CrowFly] = {}
    counts: dict[int, int] = {}
    for c in (1, 2, 3, 4):
        sel = use & (cls == c)
        counts[c] = int(sel.sum())
        if counts[c]:
            circuity = float(np.median(road.km[sel] / gc[sel]))
            speed = float(np.median(gc[sel] * circuity / (road.minutes[sel] / 60)))
            table[c] = CrowFly(circuity=circuity, speed_kph=speed)
    if not table:
        raise DataError("aucune paire commune-site utilisable pour la calibration")
    reused: dict[int, int] = {}
    for c in (1, 2, 3, 4):
        if c not in table:
            donor = min(table, key=lambda k: (abs(k - c), k))
            table[c] = table[donor]
            reused[c] = donor
    circuity = np.array([table[int(c)].circuity for c in classes])
    speed = np.array([table[int(c)].speed_kph for c in classes])
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


def origins_of(territory: Territory, kind: str) -> gpd.GeoDataFrame:
    """Return a territory's trip origins: its town halls (``town_hall``) or its sites of a network."""
    if kind == "town_hall":
        from planner.territory import town_halls

        return town_halls(territory.communes)
    sites = territory.sites(networks=[kind], buffer_km=0)
    return sites[sites["inside"]].reset_index(drop=True)


def travel_summary(
    territory: Territory,
    from_: str = "town_hall",
    to: str = "la_poste",
    *,
    model: TravelModel | None = None,
    max_minutes: float | None = None,
) -> dict[str, Any]:
    """Summarise the time from a territory's origins to their nearest site of a network.

    Parameters
    ----------
    territory
        The territory (:func:`planner.territory.select`).
    from_
        ``town_hall`` (one origin per commune) or a network key (its sites inside).
    to
        A network key: destinations are its sites inside the territory or within
        its buffer (``Territory.sites``).
    model
        A travel model (default :func:`model_for` the territory).
    max_minutes
        Cut-off: origins farther from every site count as unreachable.

    Returns
    -------
    dict with ``method``, ``origins``, ``destinations``, ``median_minutes_to_nearest``,
    ``max_minutes_to_nearest`` (over reachable origins; None when none) and
    ``unreachable``.
    """
    origins = origins_of(territory, from_)
    destinations = territory.sites(networks=[to])
    model = model or model_for(territory)
    near = model.nearest(origins, destinations, max_minutes=max_minutes)
    reached = near.minutes[np.isfinite(near.minutes)]
    return {
        "method": near.method,
        "origins": len(origins),
        "destinations": len(destinations),
        "median_minutes_to_nearest": round(float(np.median(reached)), 2) if len(reached) else None,
        "max_minutes_to_nearest": round(float(reached.max()), 2) if len(reached) else None,
        "unreachable": near.unreachable,
    }


# ---------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------

_search_cache: weakref.WeakKeyDictionary[RoadGraph, dict[bool, sp.csr_matrix]] = weakref.WeakKeyDictionary()


def _encode(seconds: np.ndarray, metres: np.ndarray) -> np.ndarray:
    """Return the lexicographic search weight ``milliseconds × 2**24 + metres``."""
    return np.round(np.asarray(seconds) * 1000) * _SCALE + np.round(np.asarray(metres))


def _decode(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split search weights into seconds and metres (``inf`` stays ``inf``)."""
    with np.errstate(invalid="ignore"):
        ms = np.floor(weights / _SCALE)
        metres = np.where(np.isfinite(weights), weights - ms * _SCALE, np.inf)
    return ms / 1000, metres


def _limit(max_minutes: float | None) -> float:
    """Return the Dijkstra limit (search weight) for a cut-off in minutes."""
    if max_minutes is None:
        return np.inf
    return (np.floor(max_minutes * 60_000) + 1) * _SCALE


def _search_csr(graph: RoadGraph, reverse: bool) -> sp.csr_matrix:
    """Return the graph weighted for searching (cached per graph and direction)."""
    per_graph = _search_cache.setdefault(graph, {})
    if reverse not in per_graph:
        per_graph[reverse] = graph.csr(_encode(graph.time_s, graph.length_m), reverse=reverse)
    return per_graph[reverse]


def _augmented(csr: sp.csr_matrix, nodes: np.ndarray, weights: np.ndarray) -> sp.csr_matrix:
    """Append one virtual node per entry of ``nodes``, with one edge of ``weights`` to it."""
    n, k = csr.shape[0], len(nodes)
    indptr = np.concatenate([csr.indptr, csr.indptr[-1] + np.arange(1, k + 1)])
    return sp.csr_matrix(
        (np.concatenate([csr.data, weights]), np.concatenate([csr.indices, nodes]), indptr),
        shape=(n + k, n + k),
    )


def _augmented_reverse(graph: RoadGraph, nodes: np.ndarray, weights: np.ndarray) -> sp.csr_matrix:
    """Reversed graph plus a virtual node per site (a virtual super-source's children),
    each with one edge, weighted by the site's access leg, to the site's road node."""
    return _augmented(_search_csr(graph, True), nodes, weights)


def _augmented_forward(graph: RoadGraph, nodes: np.ndarray, weights: np.ndarray) -> sp.csr_matrix:
    """Forward graph plus a virtual node per site, with an edge to the site's road node."""
    return _augmented(_search_csr(graph, False), nodes, weights)


def _apply_cutoff(minutes: np.ndarray, km: np.ndarray, max_minutes: float | None) -> None:
    if max_minutes is not None:
        beyond = minutes > max_minutes
        minutes[beyond] = np.inf
        km[beyond] = np.inf


@lru_cache(maxsize=8)
def _transformer(crs: str):
    from pyproj import Transformer

    return Transformer.from_crs(CRS_WGS84, crs, always_xy=True)


def _column(points: Any, name: str) -> pd.Series | None:
    if isinstance(points, pd.DataFrame) and name in points.columns:
        return points[name].reset_index(drop=True)
    return None


def _lonlat(points: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return WGS84 longitudes and latitudes of points (NaN where missing)."""
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


def _unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _communes_at(lon: np.ndarray, lat: np.ndarray) -> pd.Series:
    """Return the INSEE code of the commune holding each point (nearest within 1 km), or NA."""
    from planner.settings import CRS_METRIC
    from planner.sources.communes import load_communes

    communes = load_communes()[["insee", "geometry"]]
    communes = communes[communes.geometry.notna()]
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=CRS_WGS84).to_crs(CRS_METRIC)
    joined = gpd.sjoin_nearest(
        pts, communes.to_crs(CRS_METRIC), how="left", max_distance=1_000.0
    )
    joined = joined[~joined.index.duplicated()]
    return joined["insee"].reindex(range(len(lon))).astype("str").reset_index(drop=True)


def _reachable_areas(
    graph: RoadGraph, node_secs: np.ndarray, limits_s: list[float], reverse: bool, buffer_m: float
) -> list[shapely.Geometry]:
    """Return, for each time limit (ascending), the buffered reachable parts of edges.

    An edge whose reached end is within the limit is drawn up to where time runs out.
    Polygons are built incrementally: each limit adds to the previous polygon only the
    edges it reaches further, and a two-way street fully reached is drawn once.
    """
    tails, heads = graph.tails, graph.indices
    # the reached end (a) and the other end (b) of each edge, in the search direction
    a, b = (heads, tails) if reverse else (tails, heads)
    start = node_secs[a]
    time_s = np.where(graph.time_s > 0, graph.time_s, 1e-9)
    done = np.zeros(len(a), bool)  # edges fully drawn already
    area = shapely.Polygon()
    out = []
    for limit in limits_s:
        with np.errstate(invalid="ignore"):
            frac = np.clip((limit - start) / time_s, 0, 1)
        frac[~np.isfinite(start)] = 0
        full = (frac >= 1) & ~done
        # a two-way street fully reached in both directions: one segment
        key_ab = a.astype(np.int64) * graph.n_nodes + b
        key_ba = b.astype(np.int64) * graph.n_nodes + a
        dup = full & np.isin(key_ab, key_ba[full]) & (a > b)
        draw = np.flatnonzero((full & ~dup) | ((frac > 0) & (frac < 1)))
        if len(draw):
            ax, ay = graph.x[a[draw]], graph.y[a[draw]]
            f = frac[draw]
            bx = ax + f * (graph.x[b[draw]] - ax)
            by = ay + f * (graph.y[b[draw]] - ay)
            coords = np.stack([np.column_stack([ax, ay]), np.column_stack([bx, by])], axis=1)
            pieces = shapely.buffer(shapely.linestrings(coords), buffer_m, quad_segs=2)
            area = shapely.union_all(np.append(pieces, area))
        done |= full
        out.append(_fill_holes(area, ISOCHRONE_FILL_HOLES_KM2 * 1e6))
    return out


def _fill_holes(geom: shapely.Geometry, min_area_m2: float) -> shapely.Geometry:
    """Return ``geom`` with its interior rings smaller than ``min_area_m2`` removed."""
    polygons = []
    for part in shapely.get_parts(geom):
        if not isinstance(part, shapely.Polygon):
            continue
        holes = [ring for ring in part.interiors if shapely.Polygon(ring).area >= min_area_m2]
        polygons.append(shapely.Polygon(part.exterior, holes))
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


def _isochrone_frame(rows: list[dict[str, Any]], crs: str, method: Method) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "site": np.array([r["site"] for r in rows], dtype=np.int64),
            "minutes": np.array([r["minutes"] for r in rows], dtype=float),
        },
        geometry=gpd.GeoSeries([r["geometry"] for r in rows], crs=crs),
        crs=crs,
    )
    frame["area_km2"] = frame.geometry.area / 1e6
    frame["method"] = method
    return frame.to_crs(CRS_WGS84)
