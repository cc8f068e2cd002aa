"""The compact road graph (CSR arrays), its on-disk cache, and finding a territory's graph.

A territory's road graph comes from, in this order of preference:

1. the compact cache (CSR arrays in an ``.npz`` file keyed by the source file's hash);
2. a local file in the data folder (catalog layer ``roads``), read by
   :mod:`planner.travel.readers`, or a compact graph written there by
   ``planner roads import`` (:mod:`planner.travel.pbf`) or ``planner roads fetch``
   (``*.roads.npz``, read as is);
3. a download from OpenStreetMap (:mod:`planner.travel.download`, online only).

Speeds come from :mod:`planner.travel.speeds`. Only the largest strongly connected
component is kept (every node can reach and be reached from every other);
:class:`~planner.travel.readers.RoadReport` says what was dropped. Node coordinates
are also kept in the graph's metric CRS (:func:`planner.geo.metric_crs_at` its
median node: Lambert-93 in metropolitan France, the official projection overseas).
"""

from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from planner.config import cache_dir
from planner.data import cache, catalog
from planner.errors import DataError
from planner.geo import CRS_WGS84, metric_crs_at
from planner.travel import compact
from planner.travel.points import project
from planner.travel.readers import RoadReport, read_networkx, road_file_kind, unknown_format
from planner.travel.speeds import ensure_travel_times, speed_tables_repr

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)

#: Bump when the layout of the cached arrays (or the choice of metric CRS) changes.
ROADS_FORMAT = "4-drive-rule"
#: Share of a territory's area that a local graph must cover to be used.
MIN_COVERAGE = 0.98

_ARRAYS = ("node_id", "lon", "lat", "x", "y", "indptr", "indices", "time_s", "length_m")


@dataclass(eq=False)
class RoadGraph:
    """A directed drivable road graph in compact (CSR) form.

    Node ``i`` has OSM id ``node_id[i]``, WGS84 coordinates ``lon[i], lat[i]`` and
    metric coordinates ``x[i], y[i]`` in :attr:`crs_metric` (Lambert-93 in
    metropolitan France, the official projection overseas). The out-edges of node
    ``i`` are ``indptr[i]:indptr[i+1]`` in ``indices`` (head node), ``time_s``
    (seconds) and ``length_m`` (metres); at most one edge per ordered node pair (the
    fastest). Build one with :func:`load_road_graph`, :func:`graph_for` or
    :func:`from_networkx`.
    """

    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    time_s: np.ndarray
    length_m: np.ndarray
    crs_metric: str
    report: RoadReport
    key: str = ""

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_id)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.indices)

    @cached_property
    def tails(self) -> np.ndarray:
        """Tail (origin) node of every edge, aligned with ``indices``."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    @cached_property
    def kdtree(self) -> cKDTree:
        """KD-tree on the nodes' metric coordinates (for snapping)."""
        return cKDTree(np.column_stack([self.x, self.y]))

    @cached_property
    def hull(self) -> shapely.Geometry:
        """Convex hull of the nodes, in WGS84 (the area the graph covers)."""
        return shapely.convex_hull(shapely.multipoints(np.column_stack([self.lon, self.lat])))

    def csr(self, weights: np.ndarray | None = None, *, reverse: bool = False) -> sp.csr_matrix:
        """Return the graph as a sparse matrix of ``weights`` (default ``time_s``).

        Parameters
        ----------
        weights
            One value per edge, aligned with ``indices``.
        reverse
            If True, return the transposed graph (every edge reversed).

        Returns
        -------
        scipy.sparse.csr_matrix of shape ``(n_nodes, n_nodes)``.
        """
        data = self.time_s if weights is None else weights
        n = self.n_nodes
        mat = sp.csr_matrix((data, self.indices, self.indptr), shape=(n, n))
        return mat.T.tocsr() if reverse else mat

    def coverage(self, polygon: shapely.Geometry, margin_km: float = 2.0) -> float:
        """Return the share of ``polygon`` (WGS84) inside the graph's hull plus a margin."""
        frame = gpd.GeoSeries([polygon, self.hull], crs=CRS_WGS84).to_crs(self.crs_metric)
        area = frame.iloc[0].area
        if area <= 0:
            return float(shapely.contains(frame.iloc[1].buffer(margin_km * 1000), frame.iloc[0]))
        inside = frame.iloc[0].intersection(frame.iloc[1].buffer(margin_km * 1000)).area
        return float(inside / area)

    def to_networkx(self) -> nx.DiGraph:
        """Return the graph as a networkx DiGraph on node positions (``travel_time``, ``length``)."""
        import networkx as nx  # only for comparisons with networkx (tests, benchmarks)

        G = nx.DiGraph()
        G.add_nodes_from(range(self.n_nodes))
        G.add_edges_from(
            (int(u), int(v), {"travel_time": float(t), "length": float(m)})
            for u, v, t, m in zip(self.tails, self.indices, self.time_s, self.length_m)
        )
        return G


def road_files(root: Path | None = None) -> list[Path]:
    """Return the road files of the data folder (catalog layer ``roads``) the planner can read."""
    files = catalog.layer("roads").files(root)
    # compact graphs (``planner roads import|fetch``) first: read as is, no conversion
    return sorted((p for p in files if road_file_kind(p) is not None), key=lambda p: road_file_kind(p) != "compact")


def load_road_graph(path: str | Path) -> RoadGraph:
    """Return the road graph of a local file, from the compact cache when possible.

    Parameters
    ----------
    path
        A ``.graphml``, ``.graphml.gz``, ``.osm``, ``.osm.bz2``, ``.osm.gz`` or
        ``.osm.pbf`` file.

    Returns
    -------
    RoadGraph (largest strongly connected component, with its report).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            "fichier de réseau routier introuvable",
            file=path,
            hint="vérifiez le chemin ou placez le fichier dans le dossier « roads/ » des données",
        )
    if road_file_kind(path) is None:
        raise unknown_format(path)
    key = _cache_key(path)
    if road_file_kind(path) == "compact":
        return read_compact(path, key)
    target = cache_dir() / f"{key}.npz"
    if target.exists():
        try:
            return _read_npz(target, key)
        except (OSError, ValueError, KeyError, TypeError):  # a corrupt cache file is rebuilt
            log.warning("cache du réseau routier illisible, reconstruit : %s", target)
    graph = _build(path)
    graph.key = key
    _write_npz(graph, target)
    return graph


def from_networkx(G: nx.MultiDiGraph, report: RoadReport | None = None) -> RoadGraph:
    """Convert an osmnx graph into a :class:`RoadGraph`.

    Travel times are kept where every edge has one, imputed otherwise
    (:func:`planner.travel.speeds.ensure_travel_times`); parallel edges are merged
    into the fastest; only the largest strongly connected component is kept.

    Parameters
    ----------
    G
        An osmnx MultiDiGraph in WGS84 (node ``x``/``y``, edge ``length`` in metres).
    report
        A report to complete (a new one otherwise).

    Returns
    -------
    RoadGraph
    """
    report = report or RoadReport(source=str(G.graph.get("name", "graphe osmnx")))
    return compact_graph(*networkx_arrays(G, report), report)


def networkx_arrays(
    G: nx.MultiDiGraph, report: RoadReport
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return an osmnx graph as arrays, travel times imputed where missing (no pruning).

    Returns
    -------
    ``node_id, lon, lat`` (one per node) and ``u, v, time_s, length_m`` (one per edge,
    ``u``/``v`` node positions), the input of :func:`compact_graph`.
    """
    if len(G) == 0 or G.number_of_edges() == 0:
        raise DataError(
            f"le réseau routier « {report.source} » ne contient aucune route praticable",
            hint="vérifiez que le fichier couvre le territoire et contient des routes (highway)",
        )
    if not report.edges_read:  # the GraphML reader counts before its drive filter
        report.nodes_read = len(G)
        report.edges_read = G.number_of_edges()
    report.edges_with_file_times, report.edges_imputed = ensure_travel_times(G)

    ids = list(G.nodes)
    position = {node: i for i, node in enumerate(ids)}
    lon = np.fromiter((G.nodes[n]["x"] for n in ids), float, len(ids))
    lat = np.fromiter((G.nodes[n]["y"] for n in ids), float, len(ids))
    m = G.number_of_edges()
    u = np.empty(m, np.int64)
    v = np.empty(m, np.int64)
    t = np.empty(m, float)
    d = np.empty(m, float)
    for k, (a, b, data) in enumerate(G.edges(data=True)):
        u[k], v[k] = position[a], position[b]
        t[k] = float(data["travel_time"])
        d[k] = float(data["length"])
    try:
        node_id = np.asarray(ids, dtype=np.int64)
    except (TypeError, ValueError):
        node_id = np.arange(len(ids), dtype=np.int64)
    return node_id, lon, lat, u, v, t, d


def graph_for(polygon: shapely.Geometry, *, root: Path | None = None) -> RoadGraph | None:
    """Return the local road graph covering a territory, or None when no local file does.

    Parameters
    ----------
    polygon
        The territory (WGS84).
    root
        Data folder (default ``PLANNER_DATA_DIR``).

    Returns
    -------
    The graph of the first local file covering at least :data:`MIN_COVERAGE` of the
    polygon's area, or None.
    """
    for path in road_files(root):
        hull = _hull_of(path)
        if hull is None or not shapely.intersects(hull, polygon):
            continue
        graph = load_road_graph(path)
        share = graph.coverage(polygon)
        if share >= MIN_COVERAGE:
            log.info("réseau routier « %s » retenu (couverture %.1f %%)", path.name, 100 * share)
            return graph
        log.info("réseau routier « %s » écarté (couverture %.1f %%)", path.name, 100 * share)
    return None


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------


def _cache_key(path: Path) -> str:
    return cache.cache_key("roads", [path], ROADS_FORMAT, speed_tables_repr())


def _build(path: Path) -> RoadGraph:
    log.info("lecture du réseau routier %s (première fois : mise en cache)", path.name)
    G, report = read_networkx(path)
    return from_networkx(G, report)


def compact_graph(
    node_id: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    t: np.ndarray,
    d: np.ndarray,
    report: RoadReport,
) -> RoadGraph:
    """Merge parallel edges, keep the largest SCC and build the CSR arrays.

    Parameters
    ----------
    node_id, lon, lat
        One value per node: OSM id and WGS84 coordinates.
    u, v, t, d
        One value per directed edge: tail and head (node positions), seconds, metres.
    report
        The report to complete (components, parallel edges, self-loops dropped).

    Returns
    -------
    RoadGraph (not yet saved; ``key`` empty).
    """
    n = len(node_id)
    keep = u != v  # self-loops never shorten a path
    report.self_loops_dropped = int((~keep).sum())
    u, v, t, d = u[keep], v[keep], t[keep], d[keep]
    # parallel edges: keep the fastest (ties: the shortest)
    order = np.lexsort((d, t, v, u))
    u, v, t, d = u[order], v[order], t[order], d[order]
    first = np.ones(len(u), bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    report.parallel_edges_merged = int((~first).sum())
    u, v, t, d = u[first], v[first], t[first], d[first]

    mat = sp.csr_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    n_comp, labels = connected_components(mat, directed=True, connection="strong")
    kept = labels == np.bincount(labels).argmax()
    edge_kept = kept[u] & kept[v]
    report.components_dropped = int(n_comp - 1)
    report.nodes_dropped = int((~kept).sum())
    report.edges_dropped = int((~edge_kept).sum())
    report.km_dropped = float(d[~edge_kept].sum() / 1000)
    if report.components_dropped:
        log.info(
            "%s : %d composante(s) isolée(s) écartée(s) (%d nœuds)",
            report.source,
            report.components_dropped,
            report.nodes_dropped,
        )

    new_index = np.cumsum(kept) - 1
    u, v, t, d = new_index[u[edge_kept]], new_index[v[edge_kept]], t[edge_kept], d[edge_kept]
    node_id, lon, lat = node_id[kept], lon[kept], lat[kept]
    n = len(node_id)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(u, minlength=n), out=indptr[1:])  # edges are sorted by (u, v)
    report.nodes_kept, report.edges_kept = n, len(u)

    crs = metric_crs_at(float(np.median(lon)), float(np.median(lat)))
    report.crs_metric = crs
    x, y = project(lon, lat, crs)
    return RoadGraph(
        node_id=node_id,
        lon=lon,
        lat=lat,
        x=x,
        y=y,
        indptr=indptr,
        indices=v.astype(np.int32),
        time_s=t.astype(float),
        length_m=d.astype(float),
        crs_metric=crs,
        report=report,
    )


# ---------------------------------------------------------------------------
# Compact cache and the index of hulls
# ---------------------------------------------------------------------------


def save_compact(graph: RoadGraph, target: Path, *, compress: bool = False) -> None:
    """Write a graph as a compact ``.npz`` file (atomic), e.g. ``roads/X.roads.npz``.

    Parameters
    ----------
    graph
        The graph.
    target
        The file to write (replaced atomically).
    compress
        Zip-compress the arrays, packed losslessly (:func:`planner.travel.compact.pack`),
        and leave out the metric coordinates (recomputed from ``lon``/``lat`` on
        reading): about a third of the size, as in the demo bundle.
    """
    names = [n for n in _ARRAYS if not (compress and n in ("x", "y"))]
    arrays = {name: getattr(graph, name) for name in names}
    meta: dict = {"crs_metric": graph.crs_metric, "report": graph.report.summary(),
                  "format": ROADS_FORMAT}
    if compress:  # the very arrays come back on reading (checked by pack)
        arrays, meta["packing"] = compact.pack(arrays)
    arrays = {"meta": np.array(json.dumps(meta, ensure_ascii=False)), **arrays}
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED

    def write(tmp: Path) -> None:
        # The same graph gives the same bytes: np.savez stamps each member with the
        # current time, so a rebuilt bundle would change while its data did not.
        with zipfile.ZipFile(tmp, "w", compression=method, allowZip64=True) as archive:
            for name, array in arrays.items():
                member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                member.compress_type = method
                with archive.open(member, "w", force_zip64=True) as fh:
                    np.lib.format.write_array(fh, np.asanyarray(array), allow_pickle=False)

    cache.atomic_write(target, write)


def _write_npz(graph: RoadGraph, target: Path) -> None:
    save_compact(graph, target)
    _remember_hull(graph)


def read_compact(path: Path, key: str = "") -> RoadGraph:
    """Read a compact graph file (``*.roads.npz``; ``key``: default from its content).

    A French :class:`DataError` when the file is not one.
    """
    try:
        return _read_npz(path, key or _cache_key(path))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(
            f"graphe routier compact illisible ({exc})",
            file=path,
            hint="refaites-le avec « planner roads import » ou « planner roads fetch »",
        ) from exc


def _read_npz(target: Path, key: str) -> RoadGraph:
    with np.load(target, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        stored = {name: data[name] for name in data.files if name != "meta"}
    unpacked = compact.unpack(stored, meta.get("packing") or {})  # a file without: as is
    arrays = {name: unpacked[name] for name in _ARRAYS if name in unpacked or name not in ("x", "y")}
    if "x" not in arrays:  # a compressed file (save_compact(compress=True))
        arrays["x"], arrays["y"] = project(arrays["lon"], arrays["lat"], meta["crs_metric"])
    return RoadGraph(**arrays, crs_metric=meta["crs_metric"], report=RoadReport(**meta["report"]), key=key)


def _hull_index_path() -> Path:
    return cache_dir() / f"roads-hulls-v{ROADS_FORMAT}.json"


def _remember_hull(graph: RoadGraph) -> None:
    """Record the graph's hull by cache key, so coverage checks skip unrelated files."""
    index_path = _hull_index_path()
    try:
        index = json.loads(index_path.read_text("utf-8")) if index_path.exists() else {}
    except (OSError, ValueError):
        index = {}
    index[graph.key] = shapely.to_wkt(graph.hull, rounding_precision=6)
    text = json.dumps(index)

    def write(tmp: Path) -> None:
        tmp.write_text(text, "utf-8")

    cache.atomic_write(index_path, write)


def _hull_of(path: Path) -> shapely.Geometry | None:
    """Return the hull of a road file's graph, loading (and caching) it when unknown."""
    key = _cache_key(path)
    index_path = _hull_index_path()
    if index_path.exists():
        try:
            index = json.loads(index_path.read_text("utf-8"))
            if key in index:
                return shapely.from_wkt(index[key])
        except (OSError, ValueError):
            pass
    try:
        graph = load_road_graph(path)
        if road_file_kind(path) == "compact":  # not built here: record its hull now
            _remember_hull(graph)
        return graph.hull
    except DataError as exc:
        log.warning("réseau routier ignoré : %s", exc)
        return None
