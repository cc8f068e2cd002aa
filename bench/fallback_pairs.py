"""Road-time pairs that fit and validate the crow-fly fallback (``bench/travel_times.py``, ``bench/fallback_fit.py``).

Two road graphs of the data folder's ``roads/``:

* Corsica (``corse_drive``): 360 town halls, the La Poste and France Services sites inside
  2A/2B and one representative point per IRIS; every ordered pair 0.5–150 km apart as the
  crow flies, road minutes from ``TravelModel.matrix`` (access legs included), grouped by
  département of both ends (``2A``, ``2B``, ``2A-2B``).
* Saint-Germain-en-Laye (``yvelines_saint_germain_all``, network « all »), filtered here to
  driveable ways (:func:`planner.travel.readers.is_drivable`, until the GraphML reader does
  it), largest strongly connected component; 600 random nodes split in two halves by node
  (``SG-train``, ``SG-test``), pairs within a half.

The pairs are cached (``fallback_pairs-<key>.npz`` in the cache folder) keyed by the road files.
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.config import cache_dir
from planner.data import catalog
from planner.data.cache import atomic_write, cache_key
from planner.data.sources.ifn import load_ifn_iris
from planner.geo import CRS_WGS84, great_circle_km
from planner.territory import select, town_halls
from planner.travel.crowfly import point_density
from planner.travel.graph import from_networkx, load_road_graph
from planner.travel.model import TravelModel
from planner.travel.readers import RoadReport, is_drivable
from planner.travel.search import node_matrix

log = logging.getLogger(__name__)

MIN_KM, MAX_KM = 0.5, 150.0
SG_NODES = 600
COLUMNS = ("d", "ca", "cb", "road", "km", "i", "j", "group")


def road_file(prefix: str) -> Path:
    """Return the road file of the data folder whose name starts with ``prefix``."""
    return next(p for p in catalog.layer("roads").files() if p.name.startswith(prefix))


def corsica_points() -> gpd.GeoDataFrame:
    """Return the Corsican points: town halls, La Poste/France Services sites, IRIS points."""
    ter = select("2A,2B")
    halls = town_halls(ter.communes)[["insee", "geometry"]].assign(kind="town_hall")
    sites = ter.sites(networks=["la_poste", "france_services"], buffer_km=0)
    sites = sites[sites["inside"]][["insee", "geometry"]].assign(kind="site")
    iris = load_ifn_iris(["2A", "2B"])
    pts = iris.geometry.to_crs("EPSG:2154").representative_point().to_crs(CRS_WGS84)
    iris = gpd.GeoDataFrame({"insee": iris["insee"].to_numpy(), "kind": "iris"}, geometry=pts.to_numpy(), crs=CRS_WGS84)
    frame = pd.concat([halls, sites, iris], ignore_index=True)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].reset_index(drop=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS_WGS84)


def _corsica(path: Path) -> dict[str, np.ndarray]:
    pts = corsica_points()
    cls = point_density(pts)
    lon, lat = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    road = TravelModel(load_road_graph(path)).matrix(pts, pts)
    d = great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    i, j = np.nonzero((d >= MIN_KM) & (d <= MAX_KM) & np.isfinite(road.minutes))
    dep = pts["insee"].astype(str).str[:2].to_numpy()
    group = np.where((dep[i] == "2A") & (dep[j] == "2A"), "2A", np.where((dep[i] == "2B") & (dep[j] == "2B"), "2B", "2A-2B"))
    return {"d": d[i, j], "ca": cls[i], "cb": cls[j], "road": road.minutes[i, j], "km": road.km[i, j], "i": i, "j": j, "group": group,
            "lon": lon, "lat": lat}


def saint_germain_graph(path: Path):  # -> RoadGraph
    """Return the Saint-Germain graph restricted to driveable ways (largest SCC)."""
    import osmnx as ox

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        G = ox.load_graphml(graphml_str=fh.read())

    def drivable(data: dict) -> bool:
        tags = {k: (";".join(map(str, v)) if isinstance(v, list) else str(v)) for k, v in data.items()
                if k in ("access", "area", "motor_vehicle", "motorcar", "service")}
        kinds = data.get("highway")
        return any(is_drivable({**tags, "highway": str(h)}) for h in (kinds if isinstance(kinds, list) else [kinds]) if h)

    drop = [(u, v, k) for u, v, k, data in G.edges(keys=True, data=True) if not drivable(data)]
    n_all = G.number_of_edges()
    G.remove_edges_from(drop)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    graph = from_networkx(G, RoadReport(source="saint_germain_drive"))
    log.info("Saint-Germain: %d edges, %d not driveable dropped; SCC %d nodes", n_all, len(drop), graph.n_nodes)
    return graph, n_all, len(drop)


def _saint_germain(path: Path, seed: int = 0) -> dict[str, np.ndarray]:
    graph, _, _ = saint_germain_graph(path)
    rng = np.random.default_rng(seed)
    nodes = rng.choice(graph.n_nodes, size=min(SG_NODES, graph.n_nodes), replace=False)
    lon, lat = graph.lon[nodes], graph.lat[nodes]
    cls = point_density(np.column_stack([lon, lat]))
    secs, metres = node_matrix(graph, nodes, nodes)
    d = great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    half = np.arange(len(nodes)) < len(nodes) // 2  # nodes are in random order: split by node
    i, j = np.nonzero((half[:, None] == half[None, :]) & (d >= MIN_KM) & (d <= MAX_KM) & np.isfinite(secs))
    return {"d": d[i, j], "ca": cls[i], "cb": cls[j], "road": secs[i, j] / 60, "km": metres[i, j] / 1000, "i": i + 100_000,
            "j": j + 100_000, "group": np.where(half[i], "SG-train", "SG-test"), "lon": lon, "lat": lat}


def load_pairs() -> pd.DataFrame:
    """Return every pair (``d`` km, classes ``ca``/``cb``, ``road`` minutes, point ids ``i``/``j``, ``group``)."""
    corsica, sg = road_file("corse_drive"), road_file("yvelines_saint_germain")
    target = cache_dir() / f"{cache_key('fallback_pairs', [corsica, sg], MIN_KM, MAX_KM, SG_NODES, COLUMNS)}.npz"
    if not target.exists():
        parts = [_corsica(corsica), _saint_germain(sg)]
        out = {k: np.concatenate([p[k] for p in parts]) for k in COLUMNS}
        out["group"] = out["group"].astype("U8")
        out["pid"] = np.r_[np.arange(len(parts[0]["lon"])), 100_000 + np.arange(len(parts[1]["lon"]))]
        out["plon"] = np.r_[parts[0]["lon"], parts[1]["lon"]]
        out["plat"] = np.r_[parts[0]["lat"], parts[1]["lat"]]
        atomic_write(target, lambda tmp: np.savez_compressed(tmp, **out))
    z = np.load(target)
    return pd.DataFrame({k: z[k] for k in COLUMNS})


def load_points() -> pd.DataFrame:
    """Return the points of :func:`load_pairs` (``pid`` as in ``i``/``j``, ``lon``, ``lat``)."""
    load_pairs()
    corsica, sg = road_file("corse_drive"), road_file("yvelines_saint_germain")
    z = np.load(cache_dir() / f"{cache_key('fallback_pairs', [corsica, sg], MIN_KM, MAX_KM, SG_NODES, COLUMNS)}.npz")
    return pd.DataFrame({"pid": z["pid"], "lon": z["plon"], "lat": z["plat"]})
