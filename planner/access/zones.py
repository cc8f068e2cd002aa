"""Underserved zones: communes beyond the access threshold, grouped into spatially
contiguous zones small enough for one advisor.

Grouping uses scikit-learn's agglomerative clustering with complete linkage on the
communes' centroids (in the territory's metric CRS, :func:`planner.geo.metric_crs`) and a
commune-adjacency connectivity matrix: a zone never jumps across a gap (its communes are
connected through shared borders), and no two of its communes' centroids are farther
apart than ``max_extent_km``.

A commune enters a zone only when some of its inhabitants are beyond the threshold and
it is not covered (:func:`zone_members`): a commune whose town hall is within the
threshold and whose inhabitants are mostly within it is never part of a zone.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist
from sklearn.cluster import AgglomerativeClustering

from planner import config
from planner.errors import SettingsError
from planner.geo import CRS_WGS84, metric_crs, union

#: The setting of the zone extent, as the user sees it.
EXTENT_SETTING = "étendue maximale d'une zone (--max-extent)"


def covered(communes: pd.DataFrame, threshold: float) -> np.ndarray:
    """Boolean per commune: covered, i.e. its town hall within ``threshold`` minutes of help
    (``minutes``) and at least half its inhabitants too (``population_within`` ≥
    ``population_out``)."""
    minutes = pd.to_numeric(communes["minutes"], errors="coerce").to_numpy(dtype=float)
    within = communes["population_within"].fillna(0).to_numpy(dtype=float)
    out = communes["population_out"].fillna(0).to_numpy(dtype=float)
    return (minutes <= threshold) & (within >= out)


def zone_members(communes: pd.DataFrame, threshold: float) -> np.ndarray:
    """Boolean per commune: to be grouped into an underserved zone (some inhabitants beyond
    the threshold, and not :func:`covered`)."""
    return (communes["population_out"].fillna(0).to_numpy(dtype=float) > 0) & ~covered(communes, threshold)


def communes_crs(communes: pd.DataFrame) -> str:
    """Return the metric CRS of a commune table (from its ``departement`` column)."""
    if "departement" not in communes.columns:
        return metric_crs(())
    return metric_crs(communes["departement"].dropna().unique())


def adjacency(polygons: gpd.GeoSeries, tolerance_m: float | None = None) -> sparse.csr_matrix:
    """Return the symmetric commune-adjacency matrix of metric polygons.

    Parameters
    ----------
    polygons
        Polygons in a metric CRS (missing or empty ones touch nothing).
    tolerance_m
        Polygons closer than this are adjacent (default
        :data:`planner.config.ADJACENCY_TOLERANCE_M`).

    Returns
    -------
    scipy.sparse.csr_matrix
        ``n × n`` matrix of 0/1 (int8), symmetric, zero diagonal.
    """
    tolerance_m = config.ADJACENCY_TOLERANCE_M if tolerance_m is None else tolerance_m
    if tolerance_m < 0:
        raise SettingsError(f"tolérance d'adjacence négative : {tolerance_m} m",
                            setting="tolérance d'adjacence", hint="donnez une distance positive ou nulle")
    geoms = polygons.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
    keep = left != right
    n = len(geoms)
    matrix = sparse.coo_matrix((np.ones(keep.sum()), (left[keep], right[keep])), shape=(n, n))
    return ((matrix + matrix.T) > 0).astype(np.int8).tocsr()


def cluster_communes(
    communes: gpd.GeoDataFrame, max_extent_km: float | None = None, crs: str | None = None
) -> np.ndarray:
    """Label contiguous groups of communes whose centroids lie within ``max_extent_km``.

    Parameters
    ----------
    communes
        Communes to group (EPSG:4326 polygons; missing polygons stand alone, placed at
        their ``town_hall`` if any).
    max_extent_km
        Largest distance between two centroids of one group (default
        :data:`planner.config.DEFAULT_MAX_EXTENT_KM`).
    crs
        Metric CRS of the distances (default: that of the communes' départements,
        :func:`communes_crs`).

    Returns
    -------
    numpy.ndarray
        An integer label per commune (0..n_groups-1).
    """
    max_extent_km = _extent(max_extent_km)
    crs = crs or communes_crs(communes)
    n = len(communes)
    if n == 0:
        return np.empty(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    metric = communes.geometry.to_crs(crs)
    centroids = np.column_stack([metric.centroid.x, metric.centroid.y])
    missing = (metric.is_empty | metric.isna()).to_numpy()
    if missing.any():  # no polygon: use the town hall if any
        halls = gpd.GeoSeries(communes["town_hall"], crs=CRS_WGS84).to_crs(crs)
        centroids[missing] = np.column_stack([halls.x, halls.y])[missing]
    located = np.isfinite(centroids).all(axis=1)
    if not located.all():  # nowhere to put them: each stands alone
        labels = np.full(n, -1)
        labels[located] = cluster_communes(communes[located], max_extent_km, crs) if located.any() else []
        labels[~located] = labels.max() + 1 + np.arange((~located).sum())
        return labels
    connectivity = adjacency(metric.fillna(shapely.Point()))
    n_parts, part = connected_components(connectivity, directed=False)
    labels = np.empty(n, dtype=int)
    groups = [np.flatnonzero(part == p) for p in range(n_parts)]
    for label, idx in enumerate(g for group in groups for g in _split(group, centroids, connectivity, max_extent_km * 1000.0)):
        labels[idx] = label
    return labels


def _split(idx: np.ndarray, xy: np.ndarray, connectivity: sparse.csr_matrix, extent: float) -> list[np.ndarray]:
    """Split one contiguous group into contiguous parts whose centroids lie within ``extent``.

    Complete linkage under the connectivity constraint first. scikit-learn's structured
    complete linkage only compares connected clusters, so a part may still be wider than
    the threshold: such a part is clustered again by plain complete linkage (which bounds
    the diameter exactly) and each resulting cluster is cut into its connected pieces.
    """
    if len(idx) == 1 or _diameter(xy[idx]) <= extent:
        return [idx]
    parts = AgglomerativeClustering(
        n_clusters=None, linkage="complete", connectivity=connectivity[idx][:, idx], distance_threshold=extent
    ).fit_predict(xy[idx])
    out: list[np.ndarray] = []
    for p in np.unique(parts):
        member = idx[parts == p]
        if len(member) > 1 and _diameter(xy[member]) > extent:
            sub = AgglomerativeClustering(n_clusters=None, linkage="complete", distance_threshold=extent)
            labels = sub.fit_predict(xy[member])
            groups = [member[labels == q] for q in np.unique(labels)]
        else:
            groups = [member]
        for group in groups:
            n_sub, comp = connected_components(connectivity[group][:, group], directed=False)
            out.extend(group[comp == c] for c in range(n_sub))
    return out


def _diameter(xy: np.ndarray) -> float:
    """Largest distance between two points (0 for one point)."""
    return float(pdist(xy).max()) if len(xy) > 1 else 0.0


def _extent(max_extent_km: float | None) -> float:
    """The zone extent in km, from the setting when ``None``; refused unless positive."""
    value = config.DEFAULT_MAX_EXTENT_KM if max_extent_km is None else max_extent_km
    if not np.isfinite(value) or value <= 0:
        raise SettingsError(f"étendue de zone invalide : {value} km", setting=EXTENT_SETTING,
                            hint="donnez une distance positive, en km (40 par défaut)")
    return float(value)


def underserved_zones(
    communes: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame | None = None,
    max_extent_km: float | None = None,
    *,
    crs: str | None = None,
    host_networks: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Group underserved communes into zones ranked by unmet demand.

    Parameters
    ----------
    communes
        Underserved communes with ``insee``, ``name``, ``population_out`` (population
        beyond the threshold), ``demand``, ``demand_out`` (unmet demand), ``minutes``
        (time to the nearest site), ``town_hall`` and polygon geometry.
    sites
        Candidate host sites (canonical site table); those inside a zone are listed.
    max_extent_km
        Largest distance between two commune centroids of a zone (default
        :data:`planner.config.DEFAULT_MAX_EXTENT_KM`).
    crs
        Metric CRS of the territory (default: that of the communes' départements).
    host_networks
        Networks whose sites are listed as hosts (default
        :data:`planner.config.CANDIDATE_NETWORKS`: the sites that may host a permanence).

    Returns
    -------
    GeoDataFrame (EPSG:4326, geometry = union of the zone's communes), one row per zone,
    sorted by unmet demand: ``zone_id`` (``Z01``...), ``communes`` (list of INSEE codes),
    ``commune_names``, ``population``, ``demand``, ``unmet_demand``, ``minutes_max``,
    ``minutes_mean`` (population-weighted), ``centroid_lon``, ``centroid_lat``,
    ``hosts`` (list of site ids inside the zone), ``unserved_demand`` (demand not served
    under the sites' capacity, within reach or not: from the communes' ``served``, NaN
    without it).
    """
    columns = ["zone_id", "communes", "commune_names", "population", "demand", "unmet_demand",
               "unserved_demand", "minutes_max", "minutes_mean", "centroid_lon", "centroid_lat", "hosts"]
    if len(communes) == 0:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=CRS_WGS84)
    max_extent_km = _extent(max_extent_km)
    crs = crs or communes_crs(communes)
    frame = communes.reset_index(drop=True).copy()
    frame["label"] = cluster_communes(frame, max_extent_km, crs)
    weights = frame["population_out"].clip(lower=0)
    frame["_wmin"] = frame["minutes"].fillna(0) * weights
    grouped = frame.groupby("label")
    zones = pd.DataFrame(
        {
            "communes": grouped["insee"].agg(list),
            "commune_names": grouped["name"].agg(list),
            "population": grouped["population_out"].sum().astype("int64"),
            "demand": grouped["demand"].sum(),
            "unmet_demand": grouped["demand_out"].sum(),
            "unserved_demand": (grouped["demand"].sum() - grouped["served"].sum(min_count=1)
                                if "served" in frame else np.nan),
            "minutes_max": grouped["minutes"].max(),
            "minutes_mean": grouped["_wmin"].sum() / grouped["population_out"].sum().where(lambda s: s > 0),
        }
    )
    geometry = grouped.apply(lambda g: union(g.geometry), include_groups=False)
    zones = gpd.GeoDataFrame(zones, geometry=gpd.GeoSeries(geometry, crs=CRS_WGS84), crs=CRS_WGS84)
    centroids = zones.geometry.to_crs(crs).centroid.to_crs(CRS_WGS84)
    zones["centroid_lon"], zones["centroid_lat"] = centroids.x.round(5), centroids.y.round(5)
    zones["hosts"] = [[] for _ in range(len(zones))]
    if sites is not None and len(sites):
        networks = list(config.CANDIDATE_NETWORKS if host_networks is None else host_networks)
        hosts = sites[sites["network"].isin(networks) & sites["insee"].isin(frame["insee"])]
        label_of = dict(zip(frame["insee"], frame["label"]))
        by_label = hosts.groupby(hosts["insee"].map(label_of))["site_id"].agg(list)
        zones["hosts"] = [by_label.get(label, []) for label in zones.index]
    zones = zones.sort_values(["unmet_demand", "population"], ascending=False).reset_index(drop=True)
    zones.insert(0, "zone_id", [f"Z{i + 1:02d}" for i in range(len(zones))])
    return zones[[*columns, "geometry"]]
