"""Travel times by road (or crow-fly where no road graph exists).

:class:`TravelModel` answers three questions for points given in WGS84 (origins,
sites): the many-to-many matrix (:meth:`TravelModel.matrix`), the nearest site of
every point and every road node in one search (:meth:`TravelModel.nearest`) and
isochrones (:meth:`TravelModel.isochrones`). Every result carries ``method``:
``"road"`` or ``"crow_fly"``.

Road method
    Points are snapped to the graph (:mod:`planner.travel.search`): an access leg at
    :data:`ACCESS_SPEED_KPH` joins each point to its nearest node; a point farther
    than ``max_snap_m`` (default :data:`MAX_SNAP_M`) from every node is reported
    (:attr:`Snap.far`) and its times are infinite. Two points closer than
    :data:`DIRECT_LEG_MAX_M` are also joined directly at the access speed.

Crow-fly method
    Road minutes estimated from the great-circle distance and the density classes of
    both ends, symmetric, with an interval (``minutes_low``/``minutes_high``) from the
    measured error (:mod:`planner.travel.crowfly`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from planner.errors import DataError, SettingsError
from planner.territory import Territory, town_halls
from planner.travel import crowfly
from planner.travel.crowfly import FALLBACK, CrowFlyModel, point_density
from planner.travel.download import download_graph
from planner.travel.graph import RoadGraph, graph_for
from planner.travel.isochrones import ISOCHRONE_BUFFER_M, ISOCHRONE_MINUTES, road_isochrones
from planner.travel.points import column, lonlat, project
from planner.travel.results import Method, NearestSites, SparseTravel, TravelMatrix, apply_cutoff
from planner.travel.search import Snap, encode, nearest_source, node_matrix, path_nodes, snap_points
from planner.travel.sparse import crow_fly_within, road_within

__all__ = [
    "NearestSites", "Snap", "SparseTravel", "TravelMatrix", "TravelModel", "model_for", "origins_of", "travel_summary",
]

log = logging.getLogger(__name__)

#: Speed (km/h) of the access leg between a point and its snapped road node: the
#: straight line stands for a driveway, a farm track or an unmapped lane, slow and
#: winding, hence well below road speeds.
ACCESS_SPEED_KPH = 20.0
#: A point farther than this (metres) from every road node is reported, not snapped.
MAX_SNAP_M = 5_000.0
#: Two points closer than this are also joined directly, at the access speed: through
#: the graph each would pay its own access leg, so co-located points would not be at 0.
DIRECT_LEG_MAX_M = 1_000.0


class TravelModel:
    """Travel times over a road graph, or by crow-fly when there is none.

    Parameters
    ----------
    graph
        A road graph (:func:`planner.travel.graph.load_road_graph`); None for the
        crow-fly fallback.
    max_snap_m
        Points farther than this from every road node are reported and not snapped.
    access_speed_kph
        Speed of the access leg between a point and its road node.
    crow_fly
        The crow-fly fallback (default :data:`~planner.travel.crowfly.FALLBACK`).
    """

    def __init__(
        self,
        graph: RoadGraph | None = None,
        *,
        max_snap_m: float = MAX_SNAP_M,
        access_speed_kph: float = ACCESS_SPEED_KPH,
        crow_fly: CrowFlyModel | None = None,
    ) -> None:
        if not max_snap_m > 0:
            raise SettingsError("la distance de rattachement doit être positive", setting="distance maximale à la route")
        if not access_speed_kph > 0:
            raise SettingsError("la vitesse d'accès doit être positive", setting="vitesse d'accès à la route")
        self.graph = graph
        self.max_snap_m = float(max_snap_m)
        self.access_speed_kph = float(access_speed_kph)
        self.crow_fly = FALLBACK if crow_fly is None else crow_fly

    @property
    def method(self) -> Method:
        """``"road"`` with a road graph, else ``"crow_fly"``."""
        return "road" if self.graph is not None else "crow_fly"

    def __repr__(self) -> str:
        source = self.graph.report.source if self.graph is not None else "aucun réseau"
        return f"TravelModel(method={self.method!r}, graph={source!r})"

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
        lon, lat = lonlat(points)
        snap = snap_points(
            self._require_graph(), lon, lat, max_snap_m=self.max_snap_m, access_speed_kph=self.access_speed_kph
        )
        if len(snap.far):
            log.warning(
                "%d point(s) à plus de %g km de toute route (ou sans coordonnées) : non rattachés",
                len(snap.far),
                self.max_snap_m / 1000,
            )
        return snap

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
            est = crowfly.crow_fly_matrix(
                lonlat(origins), lonlat(destinations), point_density(origins), point_density(destinations),
                self.crow_fly,
            )
            apply_cutoff(est.minutes, est.km, max_minutes)
            low, high = _interval(est.minutes, est.minutes_low, est.minutes_high)
            return TravelMatrix(est.minutes, est.km, "crow_fly", max_minutes=max_minutes, minutes_low=low,
                                minutes_high=high)
        so, sd = self.snap(origins), self.snap(destinations)
        minutes = np.full((len(so.node), len(sd.node)), np.inf)
        km = np.full_like(minutes, np.inf)
        oi, di = np.flatnonzero(so.node >= 0), np.flatnonzero(sd.node >= 0)
        if len(oi) and len(di):
            uo, o_pos = np.unique(so.node[oi], return_inverse=True)
            ud, d_pos = np.unique(sd.node[di], return_inverse=True)
            secs, metres = node_matrix(self.graph, uo, ud, max_minutes=max_minutes)
            t = secs[np.ix_(o_pos, d_pos)] + so.access_s[oi][:, None] + sd.access_s[di][None, :]
            m = metres[np.ix_(o_pos, d_pos)] + so.distance_m[oi][:, None] + sd.distance_m[di][None, :]
            minutes[np.ix_(oi, di)] = t / 60
            km[np.ix_(oi, di)] = m / 1000
        self._direct_legs(origins, destinations, minutes, km)
        apply_cutoff(minutes, km, max_minutes)
        return TravelMatrix(minutes, km, "road", so, sd, max_minutes)

    def within(self, origins: Any, destinations: Any, *, max_minutes: float) -> SparseTravel:
        """Return the pairs within ``max_minutes`` (required) as sparse minutes and km.

        The values of :meth:`matrix` with the same cut-off, for the pairs within it;
        memory follows those pairs, not ``origins × destinations`` (:mod:`planner.travel.sparse`).
        """
        if not (np.isfinite(max_minutes) and max_minutes >= 0):
            raise SettingsError(f"seuil invalide : {max_minutes!r} min", setting="temps de trajet maximal")
        if self.graph is None:
            return crow_fly_within(
                lonlat(origins), lonlat(destinations), point_density(origins), point_density(destinations),
                self.crow_fly, float(max_minutes),
            )
        return road_within(
            self.graph, self.snap(origins), self.snap(destinations),
            (self._metric_xy(origins), self._metric_xy(destinations)),
            access_speed_kph=self.access_speed_kph, direct_max_m=DIRECT_LEG_MAX_M, max_minutes=float(max_minutes),
        )

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
        site_ids = column(sites, "site_id")
        if self.graph is None:
            est, site = crowfly.crow_fly_nearest(
                lonlat(origins), lonlat(sites), point_density(origins), point_density(sites), self.crow_fly
            )
            apply_cutoff(est.minutes, est.km, max_minutes)
            site[~np.isfinite(est.minutes)] = -1
            low, high = _interval(est.minutes, est.minutes_low, est.minutes_high)
            result = NearestSites(minutes=est.minutes, km=est.km, site=site, method="crow_fly", minutes_low=low,
                                  minutes_high=high)
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
        node_secs, node_m = np.full(n, np.inf), np.full(n, np.inf)
        node_site = np.full(n, -1, np.int64)
        usable = np.flatnonzero(ss.node >= 0)
        if len(usable):
            weights = encode(ss.access_s[usable], ss.distance_m[usable])
            node_secs, node_m, source = nearest_source(
                graph, ss.node[usable], weights, reverse=True, max_minutes=max_minutes
            )
            reached = source >= 0
            node_site[reached] = usable[source[reached]]
        minutes, km = np.full(len(so.node), np.inf), np.full(len(so.node), np.inf)
        site = np.full(len(so.node), -1, np.int64)
        ok = np.flatnonzero(so.node >= 0)
        at = so.node[ok]
        minutes[ok] = (node_secs[at] + so.access_s[ok]) / 60
        km[ok] = (node_m[at] + so.distance_m[ok]) / 1000
        site[ok] = node_site[at]
        self._direct_nearest(origins, sites, minutes, km, site)
        apply_cutoff(minutes, km, max_minutes)
        site[~np.isfinite(minutes)] = -1
        node_minutes, node_km = node_secs / 60, node_m / 1000
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
        lon, lat = lonlat(points)
        return np.column_stack(project(lon, lat, self._require_graph().crs_metric))

    def _direct_legs(self, origins: Any, destinations: Any, minutes: np.ndarray, km: np.ndarray) -> None:
        """Lower matrix entries to the direct leg where two points are within :data:`DIRECT_LEG_MAX_M`."""
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

    # -- paths and isochrones --------------------------------------------

    def path_line(self, points: Any) -> shapely.LineString | None:
        """Return the fastest road path through ``points`` in order, as a WGS84 line.

        Each point is joined to its road node; legs between points of the same node (or
        unsnapped points, or unreachable ones) are straight. ``None`` for the crow-fly method.
        """
        if self.graph is None:
            return None
        graph = self.graph
        snap = self.snap(points)
        lon, lat = lonlat(points)
        coords: list[tuple[float, float]] = []
        for k in range(len(snap.node)):
            coords.append((float(lon[k]), float(lat[k])))
            if k + 1 == len(snap.node):
                break
            a, b = snap.node[k], snap.node[k + 1]
            path = path_nodes(graph, a, b) if a >= 0 and b >= 0 and a != b else None
            if path is not None:
                coords.extend((float(graph.lon[v]), float(graph.lat[v])) for v in path)
        return shapely.LineString(coords) if len(coords) > 1 else None

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

        See :mod:`planner.travel.isochrones` for how they are drawn.

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
        ids = column(sites, "site_id")
        if self.graph is None:
            frame = crowfly.crow_fly_isochrones(lonlat(sites), point_density(sites), thresholds, self.crow_fly, by_site=by_site)
        else:
            reverse = direction == "to_site"
            frame = road_isochrones(
                self.graph, self.snap(sites), thresholds, by_site=by_site, reverse=reverse, buffer_m=buffer_m
            )
        frame["site_id"] = [
            (ids.iloc[s] if ids is not None and s >= 0 else None) for s in frame["site"]
        ]
        return frame[["site", "site_id", "minutes", "area_km2", "method", "geometry"]]

    def _require_graph(self) -> RoadGraph:
        if self.graph is None:
            raise DataError(
                "aucun réseau routier pour ce calcul (méthode à vol d'oiseau)",
                hint="placez un extrait OpenStreetMap couvrant le territoire dans le dossier « roads/ »",
            )
        return self.graph


def _interval(minutes: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the interval of crow-fly minutes, infinite where the estimate is (cut off or no position)."""
    gone = ~np.isfinite(minutes)
    return np.where(gone, np.inf, low), np.where(gone, np.inf, high)


#: The travel methods a user can choose (``--travel``), as the user sees the setting.
TRAVEL_METHODS: tuple[str, ...] = ("road", "crow_fly")
TRAVEL_SETTING = "méthode de trajet (--travel)"


def model_for(
    territory: Territory | shapely.Geometry, *, download: bool = False, travel: str | None = None
) -> TravelModel:
    """Return the travel model of a territory: road when a road graph covers it, else crow-fly.

    Parameters
    ----------
    territory
        A :class:`planner.territory.Territory` or a polygon (WGS84).
    download
        When no local file covers the territory, download its roads from
        OpenStreetMap (online only) instead of falling back to crow-fly.
    travel
        ``"road"`` (a road graph is required), ``"crow_fly"`` (the fallback, even where a
        graph exists) or None (road where a graph covers the territory, else crow-fly).

    Returns
    -------
    TravelModel whose ``method`` says which was chosen.
    """
    if travel is not None and travel not in TRAVEL_METHODS:
        raise SettingsError(f"méthode de trajet inconnue : « {travel} »", setting=TRAVEL_SETTING,
                            hint="choisissez « road » (réseau routier) ou « crow_fly » (vol d'oiseau)")
    if travel == "crow_fly":
        return TravelModel(None)
    if isinstance(territory, shapely.Geometry):
        polygon = territory
    else:  # the town halls' hull: as telling as the union of polygons, and far cheaper
        halls = territory.communes["town_hall"].dropna().to_numpy()
        halls = halls[~shapely.is_empty(halls)]
        polygon = shapely.convex_hull(shapely.multipoints(halls)) if len(halls) else None
    if (polygon is None or shapely.is_empty(polygon)) and travel != "road":
        return TravelModel(None)
    graph = None if polygon is None or shapely.is_empty(polygon) else graph_for(polygon)
    if graph is None and download:
        graph = download_graph(polygon)
    if graph is None and travel == "road":
        raise SettingsError(
            "aucun réseau routier ne couvre le territoire", setting=TRAVEL_SETTING,
            hint="importez un réseau (planner roads fetch|import) ou choisissez « crow_fly »",
        )
    if graph is None:
        log.warning(
            "aucun réseau routier local ne couvre le territoire : temps estimés à vol d'oiseau"
        )
    return TravelModel(graph)


def origins_of(territory: Territory, kind: str) -> gpd.GeoDataFrame:
    """Return a territory's trip origins: its town halls (``town_hall``) or its sites of a network."""
    if kind == "town_hall":
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
    ``unreachable`` (French text: :func:`planner.outputs.text.travel.summary_text`).
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
