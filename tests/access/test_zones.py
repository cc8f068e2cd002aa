"""Underserved zones (planner.access.zones).

Most tests run on MADE-UP communes: hand-written grids of square "communes" laid out in
Lambert-93 near Corsica (no snapshot needed). The last ones use Réunion's real communes
to show that zones are measured in the territory's own metric CRS (EPSG:2975).
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist

from planner.access.zones import adjacency, cluster_communes, communes_crs, underserved_zones
from planner.errors import SettingsError
from planner.geo import CRS_METRIC, CRS_WGS84

#: Lower-left corner of the made-up grids (Lambert-93, in Corsica).
X0, Y0 = 1_200_000.0, 6_100_000.0


def made_up_communes(cells: list[tuple[int, int]], size_m: float = 10_000.0, gap_m: float = 0.0) -> gpd.GeoDataFrame:
    """MADE-UP communes: one square per (column, row) cell, ``gap_m`` apart, in WGS84."""
    step = size_m + gap_m
    squares = [shapely.box(X0 + i * step, Y0 + j * step, X0 + i * step + size_m, Y0 + j * step + size_m)
               for i, j in cells]
    metric = gpd.GeoSeries(squares, crs=CRS_METRIC)
    frame = pd.DataFrame({
        "insee": [f"2A{k:03d}" for k in range(len(cells))],
        "name": [f"Commune {k}" for k in range(len(cells))],
        "departement": "2A",
    })
    frame["town_hall"] = metric.centroid.to_crs(CRS_WGS84).to_numpy()
    return gpd.GeoDataFrame(frame, geometry=metric.to_crs(CRS_WGS84).to_numpy(), crs=CRS_WGS84)


def groups(labels: np.ndarray) -> list[list[int]]:
    """The members of each label, as sorted lists, sorted."""
    return sorted(sorted(np.flatnonzero(labels == lab).tolist()) for lab in np.unique(labels))


# ----------------------------------------------------------------------------- adjacency (made-up)


def test_adjacency_of_a_3x3_grid_is_king_moves():
    """MADE-UP 3×3 grid of 1 km squares: edges and corners touch, so 8 neighbours at most."""
    cells = [(i, j) for j in range(3) for i in range(3)]
    metric = made_up_communes(cells, size_m=1_000).geometry.to_crs(CRS_METRIC)
    adj = adjacency(metric).toarray()
    assert (adj == adj.T).all() and (np.diag(adj) == 0).all()
    expected = np.array([[int(max(abs(a[0] - b[0]), abs(a[1] - b[1])) == 1) for b in cells] for a in cells])
    assert (adj == expected).all()
    assert adj.sum() == 40  # 4 corners × 3 + 4 sides × 5 + centre × 8
    assert adj[4].sum() == 8


def test_adjacency_tolerance_bridges_small_gaps_only():
    """MADE-UP pairs of squares 200 m and 300 m apart: the default tolerance is 250 m."""
    near = made_up_communes([(0, 0), (1, 0)], size_m=1_000, gap_m=200).geometry.to_crs(CRS_METRIC)
    far = made_up_communes([(0, 0), (1, 0)], size_m=1_000, gap_m=300).geometry.to_crs(CRS_METRIC)
    assert adjacency(near).sum() == 2
    assert adjacency(far).sum() == 0
    assert adjacency(far, tolerance_m=350).sum() == 2
    with pytest.raises(SettingsError, match="tolérance"):
        adjacency(far, tolerance_m=-1)


# ----------------------------------------------------------------------------- clustering (made-up)


def test_cluster_keeps_a_small_connected_block_whole():
    """MADE-UP 2×2 block of 10 km squares (centroids 14 km apart at most): one zone."""
    communes = made_up_communes([(0, 0), (1, 0), (0, 1), (1, 1)])
    assert groups(cluster_communes(communes, max_extent_km=40)) == [[0, 1, 2, 3]]


def test_cluster_never_joins_communes_across_a_gap():
    """MADE-UP: two squares 1 km apart (not adjacent) stay apart, however large the extent."""
    communes = made_up_communes([(0, 0), (1, 0)], gap_m=1_000)
    assert groups(cluster_communes(communes, max_extent_km=1_000)) == [[0], [1]]


def test_cluster_bounds_the_extent_and_keeps_zones_contiguous():
    """MADE-UP row of 6 squares of 10 km: zones of at most 25 km between centroids."""
    communes = made_up_communes([(i, 0) for i in range(6)])
    labels = cluster_communes(communes, max_extent_km=25)
    metric = communes.geometry.to_crs(CRS_METRIC)
    xy = np.column_stack([metric.centroid.x, metric.centroid.y])
    adj = adjacency(metric)
    for members in groups(labels):
        assert all(b - a == 1 for a, b in itertools.pairwise(members))  # a run of neighbours
        if len(members) > 1:
            assert pdist(xy[members]).max() <= 25_000 + 1e-6
        assert connected_components(adj[members][:, members], directed=False)[0] == 1
    # complete linkage pairs neighbours first (10 km), then no merge of two pairs stays under 25 km
    assert groups(labels) == [[0, 1], [2, 3], [4, 5]]
    assert groups(cluster_communes(communes, max_extent_km=60)) == [[0, 1, 2, 3, 4, 5]]


def test_commune_without_polygon_stands_alone_at_its_town_hall():
    """MADE-UP: two adjacent squares; then the second loses its polygon."""
    communes = made_up_communes([(0, 0), (1, 0)])
    assert groups(cluster_communes(communes, max_extent_km=100)) == [[0, 1]]
    communes.loc[1, "geometry"] = None
    assert groups(cluster_communes(communes, max_extent_km=100)) == [[0], [1]]


def test_cluster_edge_cases_and_bad_extent():
    """MADE-UP: no commune, one commune; a zero or negative extent is a settings error."""
    communes = made_up_communes([(0, 0)])
    assert cluster_communes(communes.iloc[0:0]).tolist() == []
    assert cluster_communes(communes).tolist() == [0]
    for bad in (0, -5, float("nan")):
        with pytest.raises(SettingsError, match="étendue") as err:
            cluster_communes(communes, max_extent_km=bad)
        assert err.value.setting == "étendue maximale d'une zone (--max-extent)"


def test_underserved_zones_sums_ranks_and_lists_hosts():
    """MADE-UP: a block of two adjacent squares and a lone square 10 km east of it."""
    communes = made_up_communes([(0, 0), (1, 0), (3, 0)])
    communes["population_out"] = [100.0, 300.0, 50.0]
    communes["demand"] = [20.0, 40.0, 30.0]
    communes["demand_out"] = [10.0, 30.0, 50.0]
    communes["minutes"] = [40.0, 60.0, 35.0]
    sites = pd.DataFrame({
        "site_id": ["th-0", "lp-1", "fs-2", "cust-0", "other"],
        "network": ["town_hall", "la_poste", "france_services", "custom", "town_hall"],
        "insee": ["2A000", "2A001", "2A002", "2A000", "2B999"],
    })
    zones = underserved_zones(communes, sites, max_extent_km=40)
    assert zones["zone_id"].tolist() == ["Z01", "Z02"]
    first, second = zones.iloc[0], zones.iloc[1]
    assert first["communes"] == ["2A002"] and first["unmet_demand"] == 50.0  # ranked by unmet demand
    assert second["communes"] == ["2A000", "2A001"]
    assert second["population"] == 400 and second["demand"] == 60.0 and second["unmet_demand"] == 40.0
    assert second["minutes_max"] == 60.0
    assert second["minutes_mean"] == pytest.approx((100 * 40 + 300 * 60) / 400)
    assert first["hosts"] == ["fs-2"]
    assert sorted(second["hosts"]) == ["cust-0", "lp-1", "th-0"]  # default: candidate networks
    only_halls = underserved_zones(communes, sites, 40, host_networks=["town_hall"])
    assert only_halls["hosts"].tolist() == [[], ["th-0"]]
    union = communes.geometry[[0, 1]].to_crs(CRS_METRIC).union_all().centroid
    lon, lat = gpd.GeoSeries([union], crs=CRS_METRIC).to_crs(CRS_WGS84).iloc[0].coords[0]
    assert (second["centroid_lon"], second["centroid_lat"]) == (round(lon, 5), round(lat, 5))
    empty = underserved_zones(communes.iloc[0:0], sites)
    assert len(empty) == 0 and "zone_id" in empty.columns


# ----------------------------------------------------------------------------- overseas (real communes)


@pytest.fixture(scope="module")
def reunion(corsica_data):
    from planner.territory import select

    return select("974")


def test_zones_of_reunion_are_measured_in_rgr92(reunion):
    """Réunion: extents in EPSG:2975 (UTM 40S), not Lambert-93, which stretches them ×1.9."""
    communes = reunion.communes
    assert reunion.crs == communes_crs(communes) == "EPSG:2975"
    utm = communes.geometry.to_crs("EPSG:2975").centroid
    lambert = communes.geometry.to_crs(CRS_METRIC).centroid
    ratio = pdist(np.column_stack([lambert.x, lambert.y])).max() / pdist(np.column_stack([utm.x, utm.y])).max()
    assert 1.7 < ratio < 2.1  # what the old hard-coded Lambert-93 got wrong
    labels = cluster_communes(communes, max_extent_km=20)
    assert (labels == cluster_communes(communes, 20, crs="EPSG:2975")).all()
    xy = np.column_stack([utm.x, utm.y])
    for members in groups(labels):
        if len(members) > 1:
            assert pdist(xy[members]).max() <= 20_000
    # in Lambert-93 the same 20 km would cut the island into more zones
    assert len(groups(cluster_communes(communes, 20, crs=CRS_METRIC))) > len(groups(labels))


def test_underserved_zone_of_reunion_centroid_is_on_the_island(reunion):
    communes = reunion.communes.head(6).copy()
    communes["population_out"] = communes["population"].astype(float)
    communes["demand"] = communes["demand_out"] = 0.1 * communes["population_out"]
    communes["minutes"] = 45.0
    zones = underserved_zones(communes, max_extent_km=200, crs=reunion.crs)
    assert sum(len(c) for c in zones["communes"]) == 6
    island = reunion.polygon.buffer(0.01)
    assert all(island.contains(shapely.Point(x, y)) for x, y in zip(zones["centroid_lon"], zones["centroid_lat"]))


def test_zone_members_leave_covered_communes_out() -> None:
    """MADE-UP rows: a commune enters a zone only when not covered (town hall within the
    threshold and at least half its inhabitants within)."""
    from planner.access.zones import covered, zone_members

    frame = pd.DataFrame({
        "minutes": [10.0, 10.0, 40.0, 40.0, np.inf, 25.0],
        "population_within": [100.0, 30.0, 0.0, 80.0, 0.0, 50.0],
        "population_out": [0.0, 70.0, 50.0, 20.0, 10.0, 50.0],
    })
    assert covered(frame, 30).tolist() == [True, False, False, False, False, True]
    assert zone_members(frame, 30).tolist() == [False, True, True, True, True, False]


def test_corsican_zones_hold_no_covered_commune(coverage) -> None:
    from planner.access.zones import covered

    c = coverage.communes
    in_zone = c["zone_id"].notna().to_numpy()
    assert in_zone.sum() > 100  # default help networks: many communes beyond 30 minutes
    assert not (in_zone & covered(c, coverage.threshold)).any()
    members = {code for codes in coverage.zones["communes"] for code in codes}
    assert members == set(c.loc[in_zone, "insee"])
    assert not members & {"2A142", "2A300", "2B007", "2B166", "2B273"}  # Levie... (issue 13)
    # every commune in a zone has inhabitants beyond the threshold, its time says so
    rows = c[in_zone]
    assert (rows["population_out"] > 0).all()
    assert ((rows["minutes"] > coverage.threshold) | (rows["population_out"] > rows["population_within"])).all()


def test_corsican_zones_say_the_demand_not_served_under_capacity(coverage) -> None:
    """A zone's « demande non servie » is its communes' demand minus what the sites serve
    there: at least its demand beyond the threshold (never served; on Corsica exactly that,
    their demand within reach being served in full), in the JSON too."""
    c, zones = coverage.communes, coverage.zones
    for z in zones.itertuples():
        rows = c[c["insee"].isin(z.communes)]
        assert z.unserved_demand == pytest.approx(rows["demand"].sum() - rows["served"].sum())
        assert z.unserved_demand >= z.unmet_demand - 1e-6
    listed = {z["id"]: z["unserved_demand"] for z in coverage.summary()["zones"]}
    assert listed == {z.zone_id: round(float(z.unserved_demand), 1) for z in zones.itertuples()}
