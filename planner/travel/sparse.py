"""Travel times of the pairs within a cut-off, as sparse matrices (:class:`SparseTravel`).

What :meth:`planner.travel.model.TravelModel.within` computes: the same values as the
dense :meth:`~planner.travel.model.TravelModel.matrix` with the same cut-off, pair for
pair, but memory follows the pairs within the cut-off instead of ``origins ×
destinations`` (all of France: 35,000 demand points × 62,000 sites would take 17 GB
dense, float64).

Road
    Dijkstra limited to the cut-off from the smaller side
    (:func:`planner.travel.search.node_within`), node pairs expanded to the points
    snapped there, access legs added, then the direct legs between close points.
Crow-fly
    Candidate pairs from a KD-tree on unit vectors (the chord grows with the
    great-circle distance), within the farthest distance any pair of density classes
    covers in the cut-off (:func:`reach_km`); then the fallback on those pairs only.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from planner.geo import EARTH_RADIUS_KM, great_circle_km
from planner.travel.crowfly import CrowFlyModel
from planner.travel.graph import RoadGraph
from planner.travel.results import Method, SparseTravel, pairs_csr
from planner.travel.search import Snap, node_within

__all__ = ["crow_fly_within", "reach_km", "road_within"]

_PAIRS_PER_CHUNK = 1_000_000  # candidate crow-fly pairs evaluated at once


def _result(
    i: np.ndarray, j: np.ndarray, minutes: np.ndarray, km: np.ndarray, shape: tuple[int, int], method: Method,
    max_minutes: float, bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> SparseTravel:
    keep = minutes <= max_minutes
    i, j = i[keep].astype(np.int64), j[keep].astype(np.int64)
    low, high = (None, None) if bounds is None else (pairs_csr(i, j, b[keep], shape) for b in bounds)
    return SparseTravel(
        minutes=pairs_csr(i, j, minutes[keep], shape),
        km=pairs_csr(i, j, km[keep], shape),
        method=method,
        max_minutes=float(max_minutes),
        minutes_low=low,
        minutes_high=high,
    )


def reach_km(model: CrowFlyModel, max_minutes: float) -> float:
    """Return a great-circle distance beyond which no crow-fly trip is within ``max_minutes``.

    The fallback's minutes grow with distance, so the first distance of a fine grid whose
    lowest time over every pair of classes (:meth:`CrowFlyModel.floor_minutes`) exceeds
    the cut-off bounds every pair within it (``inf`` if none does).
    """
    grid = np.geomspace(1e-3, 20_000.0, 4001)
    over = np.flatnonzero(model.floor_minutes(grid) > max_minutes)
    return float(grid[over[0]]) if len(over) else np.inf


def crow_fly_within(
    origins: tuple[np.ndarray, np.ndarray],
    destinations: tuple[np.ndarray, np.ndarray],
    origin_classes: np.ndarray,
    destination_classes: np.ndarray,
    model: CrowFlyModel,
    max_minutes: float,
) -> SparseTravel:
    """Return the crow-fly pairs within ``max_minutes`` (values of :func:`~planner.travel.crowfly.crow_fly_matrix`).

    Parameters
    ----------
    origins, destinations
        ``(lon, lat)`` arrays (WGS84; NaN: no position, no pair).
    origin_classes, destination_classes
        Density class of each origin and destination.
    model
        The fallback.
    max_minutes
        The cut-off.

    Returns
    -------
    SparseTravel, with the interval (``minutes_low``, ``minutes_high``) of each pair.
    """
    (lon_o, lat_o), (lon_d, lat_d) = origins, destinations
    shape = (len(lon_o), len(lon_d))
    ok_o = np.flatnonzero(np.isfinite(lon_o) & np.isfinite(lat_o))
    ok_d = np.flatnonzero(np.isfinite(lon_d) & np.isfinite(lat_d))
    cls_o, cls_d = np.asarray(origin_classes, float), np.asarray(destination_classes, float)
    parts: list[tuple[np.ndarray, ...]] = []
    if len(ok_o) and len(ok_d):
        radius = reach_km(model, max_minutes) * (1 + 1e-9)
        chord = 2.0 if not np.isfinite(radius) else 2 * np.sin(min(radius / (2 * EARTH_RADIUS_KM), np.pi / 2))
        xyz_o, tree_d = _unit_xyz(lon_o[ok_o], lat_o[ok_o]), cKDTree(_unit_xyz(lon_d[ok_d], lat_d[ok_d]))
        # origins in chunks of about _PAIRS_PER_CHUNK candidate pairs: bounded temporaries
        counts = np.cumsum(tree_d.query_ball_point(xyz_o, chord, return_length=True))
        cuts = np.searchsorted(counts, np.arange(_PAIRS_PER_CHUNK, counts[-1], _PAIRS_PER_CHUNK))
        for rows in np.split(np.arange(len(ok_o)), np.unique(cuts)):
            if not len(rows):
                continue
            pairs = cKDTree(xyz_o[rows]).sparse_distance_matrix(tree_d, chord, output_type="ndarray")
            i, j = ok_o[rows[pairs["i"]]], ok_d[pairs["j"]]
            gc = great_circle_km(lon_o[i], lat_o[i], lon_d[j], lat_d[j])
            minutes, low, high, km = model.predict(gc, cls_o[i], cls_d[j])
            keep = minutes <= max_minutes
            parts.append(tuple(a[keep] for a in (i, j, minutes, km, low, high)))
    if not parts:
        parts.append((np.zeros(0, np.int64),) * 2 + (np.zeros(0),) * 4)
    i, j, minutes, km, low, high = (np.concatenate([p[k] for p in parts]) for k in range(6))
    return _result(i, j, minutes, km, shape, "crow_fly", max_minutes, (low, high))


def road_within(
    graph: RoadGraph,
    so: Snap,
    sd: Snap,
    xy: tuple[np.ndarray, np.ndarray],
    *,
    access_speed_kph: float,
    direct_max_m: float,
    max_minutes: float,
) -> SparseTravel:
    """Return the road pairs within ``max_minutes`` (values as ``TravelModel.matrix``).

    Parameters
    ----------
    graph
        The road graph.
    so, sd
        Snaps of the origins and of the destinations.
    xy
        Metric coordinates (n × 2 arrays, NaN: no position) of the origins and destinations,
        for the direct legs between points closer than ``direct_max_m``.
    access_speed_kph
        Speed of the access and direct legs.
    max_minutes
        The cut-off.
    """
    shape = (len(so.node), len(sd.node))
    oi, di = np.flatnonzero(so.node >= 0), np.flatnonzero(sd.node >= 0)
    i = j = np.zeros(0, np.int64)
    minutes = km = np.zeros(0)
    if len(oi) and len(di):
        uo, o_pos = np.unique(so.node[oi], return_inverse=True)
        ud, d_pos = np.unique(sd.node[di], return_inverse=True)
        a, b, secs, metres = node_within(graph, uo, ud, max_minutes=max_minutes)
        po, pd_ = _expand(a, b, o_pos, d_pos)
        i, j, k = oi[po[0]], di[pd_[0]], po[1]
        t = secs[k] + so.access_s[i] + sd.access_s[j]
        m = metres[k] + so.distance_m[i] + sd.distance_m[j]
        minutes, km = t / 60, m / 1000
    i, j, minutes, km = _with_direct_legs(i, j, minutes, km, shape, xy, access_speed_kph, direct_max_m)
    return _result(i, j, minutes, km, shape, "road", max_minutes)


def _expand(
    a: np.ndarray, b: np.ndarray, o_pos: np.ndarray, d_pos: np.ndarray
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Expand node pairs ``(a[k], b[k])`` to every (origin, destination) snapped there.

    Returns ``((origin positions, pair k), (destination positions, pair k))``, positions
    in the snapped subsets whose unique-node inverses are ``o_pos`` and ``d_pos``.
    """
    order_o, order_d = np.argsort(o_pos, kind="stable"), np.argsort(d_pos, kind="stable")
    cnt_o = np.bincount(o_pos, minlength=int(a.max(initial=-1)) + 1)
    cnt_d = np.bincount(d_pos, minlength=int(b.max(initial=-1)) + 1)
    start_o = np.concatenate([[0], np.cumsum(cnt_o)])
    start_d = np.concatenate([[0], np.cumsum(cnt_d)])
    n = cnt_o[a] * cnt_d[b]
    k = np.repeat(np.arange(len(a)), n)
    offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    width = cnt_d[b][k]
    po = order_o[start_o[a][k] + offset // width]
    pd_ = order_d[start_d[b][k] + offset % width]
    return (po, k), (pd_, k)


def _with_direct_legs(
    i: np.ndarray,
    j: np.ndarray,
    minutes: np.ndarray,
    km: np.ndarray,
    shape: tuple[int, int],
    xy: tuple[np.ndarray, np.ndarray],
    access_speed_kph: float,
    direct_max_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lower (or add) the pairs closer than ``direct_max_m`` to their direct leg, when faster."""
    xo, xd = xy
    io, id_ = np.flatnonzero(np.isfinite(xo).all(axis=1)), np.flatnonzero(np.isfinite(xd).all(axis=1))
    if not (len(io) and len(id_)):
        return i, j, minutes, km
    pairs = cKDTree(xo[io]).sparse_distance_matrix(cKDTree(xd[id_]), direct_max_m, output_type="ndarray")
    if len(pairs) == 0:
        return i, j, minutes, km
    di_, dj, metres = io[pairs["i"]], id_[pairs["j"]], pairs["v"]
    direct = metres / (access_speed_kph / 3.6) / 60
    key = i.astype(np.int64) * shape[1] + j
    order = np.argsort(key)
    dkey = di_.astype(np.int64) * shape[1] + dj
    at = np.searchsorted(key[order], dkey)
    found = at < len(key)
    found[found] = key[order][at[found]] == dkey[found]
    pos = order[np.minimum(at, len(key) - 1)] if len(key) else np.zeros(len(dkey), np.int64)
    road = np.where(found, minutes[pos] if len(key) else np.inf, np.inf)
    better = direct < road
    replace = better & found
    minutes, km = minutes.copy(), km.copy()
    minutes[pos[replace]] = direct[replace]
    km[pos[replace]] = metres[replace] / 1000
    add = better & ~found
    return (
        np.concatenate([i, di_[add]]),
        np.concatenate([j, dj[add]]),
        np.concatenate([minutes, direct[add]]),
        np.concatenate([km, metres[add] / 1000]),
    )


def _unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
