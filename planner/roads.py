"""Drivable road graphs: reading, speed imputation and a compact on-disk cache.

A territory's road graph comes from, in this order of preference:

1. the compact cache (CSR arrays in an ``.npz`` file keyed by the source file's hash);
2. a local file in the data folder (catalog layer ``roads``): osmnx GraphML
   (``.graphml``, ``.graphml.gz``), OpenStreetMap XML (``.osm``, ``.osm.bz2``,
   ``.osm.gz``) or PBF (``.osm.pbf``);
3. a download from OpenStreetMap with osmnx (online only).

OpenStreetMap files (XML and PBF) are read with pyosmium: drivable ways are kept
(the filter of osmnx's ``network_type="drive"``), node references missing from a
clipped extract are dropped and counted (a way is split where a node is missing),
and the repaired extract is handed to :func:`osmnx.graph_from_xml`.

Speeds: an edge ``travel_time`` (seconds) present in the file is kept; otherwise
``speed_kph`` comes from ``maxspeed`` (French implicit values in
:data:`FRENCH_IMPLICIT_MAXSPEEDS`) and, where absent, from the highway class
(:data:`FRENCH_HIGHWAY_SPEEDS`) through :func:`osmnx.add_edge_speeds`.

Only the largest strongly connected component is kept (every node can reach and
be reached from every other); :class:`RoadReport` says what was dropped.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import socket
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse
from xml.sax.saxutils import quoteattr

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from planner import cache, catalog
from planner.schema import DataError
from planner.settings import CRS_METRIC, CRS_WGS84, cache_dir

if TYPE_CHECKING:
    import networkx as nx
    from scipy.spatial import cKDTree

log = logging.getLogger(__name__)

#: Bump when the layout of the cached arrays (or the speed tables) changes.
ROADS_FORMAT = "2-sorted-highway"

#: Suffixes of the road files the planner reads.
GRAPHML_SUFFIXES = (".graphml", ".graphml.gz")
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf")

#: French implicit ``maxspeed`` values (km/h), see
#: https://wiki.openstreetmap.org/wiki/Key:maxspeed#France. ``FR:motorway`` is the
#: dry-weather motorway limit (osmnx's own table says 120).
FRENCH_IMPLICIT_MAXSPEEDS: dict[str, float] = {
    "FR:urban": 50.0,
    "FR:rural": 80.0,
    "FR:motorway": 130.0,
    "FR:zone30": 30.0,
    "FR:zone:30": 30.0,
    "FR:zone20": 20.0,
    "FR:zone:20": 20.0,
    "FR:walk": 6.0,
}

#: Speed (km/h) given to an edge with no usable ``maxspeed``, by OSM ``highway`` class.
#: Legal limits in France: 130 motorways, 110 dual carriageways, 80 other roads outside
#: built-up areas (since 2018), 50 in built-up areas. Minor classes get typical
#: free-flow speeds below the limit (bends, villages, narrow lanes). Links (ramps) are
#: slower than their road.
FRENCH_HIGHWAY_SPEEDS: dict[str, float] = {
    "motorway": 130.0,
    "motorway_link": 70.0,
    "trunk": 110.0,
    "trunk_link": 70.0,
    "primary": 80.0,
    "primary_link": 50.0,
    "secondary": 70.0,
    "secondary_link": 50.0,
    "tertiary": 60.0,
    "tertiary_link": 40.0,
    "unclassified": 50.0,
    "residential": 30.0,
    "living_street": 20.0,
    "road": 40.0,
    "service": 20.0,
    "busway": 30.0,
}
#: Speed (km/h) for a highway class absent from :data:`FRENCH_HIGHWAY_SPEEDS`.
FALLBACK_SPEED_KPH = 40.0

#: Margin (km) added around a territory's polygon for a download and coverage checks.
DOWNLOAD_MARGIN_KM = 10.0
#: Share of a territory's area that a local graph must cover to be used.
MIN_COVERAGE = 0.98
#: Seconds to wait for the OpenStreetMap servers before declaring the machine offline.
ONLINE_TIMEOUT_S = 3.0

# osmnx's "drive" network filter (osmnx._overpass._get_network_filter), as rules on tags.
_EXCLUDED_HIGHWAYS = frozenset(
    ["abandoned", "bridleway", "bus_guideway", "construction", "corridor", "cycleway", "elevator", "escalator", "footway", "no", "path", "pedestrian", "planned", "platform", "proposed", "raceway", "razed", "rest_area", "service", "services", "steps", "track"]
)
_EXCLUDED_TAG_PATTERNS = (
    ("area", re.compile("yes")),
    ("access", re.compile("private")),
    ("motor_vehicle", re.compile("no")),
    ("motorcar", re.compile("no")),
    ("service", re.compile("alley|driveway|emergency_access|parking|parking_aisle|private")),
)


@dataclass
class RoadReport:
    """What reading a road file kept, repaired and dropped."""

    source: str
    nodes_read: int = 0
    edges_read: int = 0
    nodes_kept: int = 0
    edges_kept: int = 0
    #: Strongly connected components other than the largest (dropped).
    components_dropped: int = 0
    nodes_dropped: int = 0
    edges_dropped: int = 0
    km_dropped: float = 0.0
    #: Parallel edges (same origin and destination) merged into the fastest one.
    parallel_edges_merged: int = 0
    #: Edges from a node to itself (they never shorten a trip), dropped.
    self_loops_dropped: int = 0
    #: OpenStreetMap files: node references absent from the extract, dropped.
    missing_refs: int = 0
    #: ... of which on drivable ways (the others are on ways the graph ignores).
    missing_refs_on_roads: int = 0
    ways_with_missing_refs: int = 0
    #: Edges whose travel time came from the file, and edges whose speed was imputed.
    edges_with_file_times: int = 0
    edges_imputed: int = 0
    crs_metric: str = CRS_METRIC
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Return the report as a plain dict (for JSON output)."""
        return asdict(self)

    def describe(self) -> str:
        """Return the report as a short French paragraph."""
        parts = [
            (
                f"Réseau routier « {self.source} » : {_int(self.nodes_kept)} nœuds et "
                f"{_int(self.edges_kept)} tronçons conservés (lus : {_int(self.nodes_read)} "
                f"nœuds, {_int(self.edges_read)} tronçons)."
            )
        ]
        if self.components_dropped:
            parts.append(
                f"{self.components_dropped} composante(s) isolée(s) écartée(s) : "
                f"{self.nodes_dropped} nœuds, {self.edges_dropped} tronçons, "
                f"{self.km_dropped:.1f} km (seule la plus grande composante fortement "
                "connexe est gardée)."
            )
        if self.missing_refs:
            parts.append(
                f"Extrait découpé : {self.missing_refs} référence(s) à des nœuds absents "
                f"dans {self.ways_with_missing_refs} voie(s) supprimée(s), dont "
                f"{self.missing_refs_on_roads} sur des routes."
            )
        if self.edges_imputed:
            parts.append(
                f"Vitesses estimées (maxspeed, sinon barème par type de route) pour "
                f"{self.edges_imputed} tronçons."
            )
        parts.extend(self.notes)
        return " ".join(parts)


def _int(value: int) -> str:
    """Format an integer the French way (narrow no-break space between thousands)."""
    return f"{value:,}".replace(",", "\u202f")


@dataclass(eq=False)
class RoadGraph:
    """A directed drivable road graph in compact (CSR) form.

    Node ``i`` has OSM id ``node_id[i]``, WGS84 coordinates ``lon[i], lat[i]`` and
    metric coordinates ``x[i], y[i]`` in :attr:`crs_metric` (Lambert-93 in
    metropolitan France). The out-edges of node ``i`` are ``indptr[i]:indptr[i+1]``
    in ``indices`` (head node), ``time_s`` (seconds) and ``length_m`` (metres); at
    most one edge per ordered node pair (the fastest). Build one with
    :func:`load_road_graph`, :func:`graph_for` or :func:`from_networkx`.
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
        from scipy.spatial import cKDTree

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
        import geopandas as gpd

        frame = gpd.GeoSeries([polygon, self.hull], crs=CRS_WGS84).to_crs(self.crs_metric)
        area = frame.iloc[0].area
        if area <= 0:
            return float(shapely.contains(frame.iloc[1].buffer(margin_km * 1000), frame.iloc[0]))
        inside = frame.iloc[0].intersection(frame.iloc[1].buffer(margin_km * 1000)).area
        return float(inside / area)

    def to_networkx(self) -> nx.DiGraph:
        """Return the graph as a networkx DiGraph on node positions (``travel_time``, ``length``)."""
        import networkx as nx

        G = nx.DiGraph()
        G.add_nodes_from(range(self.n_nodes))
        G.add_edges_from(
            (int(u), int(v), {"travel_time": float(t), "length": float(m)})
            for u, v, t, m in zip(self.tails, self.indices, self.time_s, self.length_m)
        )
        return G


# ---------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------


def road_files(root: Path | None = None) -> list[Path]:
    """Return the road files of the data folder (catalog layer ``roads``) the planner can read."""
    files = catalog.layer("roads").files(root)
    return [p for p in files if _kind(p) is not None]


def load_road_graph(path: str | Path) -> RoadGraph:
    """Return the road graph of a local file, from the compact cache when possible.

    Parameters
    ----------
    path
        A ``.graphml``, ``.graphml.gz``, ``.osm``, ``.osm.bz2``, ``.osm.gz`` or
        ``.osm.pbf`` file.

    Returns
    -------
    RoadGraph (largest strongly connected component, with its :class:`RoadReport`).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            "fichier de réseau routier introuvable",
            file=path,
            hint="vérifiez le chemin ou placez le fichier dans le dossier « roads/ » des données",
        )
    kind = _kind(path)
    if kind is None:
        raise DataError(
            "format de réseau routier non reconnu",
            file=path,
            hint="formats acceptés : .graphml, .graphml.gz (osmnx), .osm, .osm.bz2, .osm.pbf",
        )
    key = cache.cache_key("roads", [path], ROADS_FORMAT, _speed_tables_repr())
    target = cache_dir() / f"{key}.npz"
    if target.exists():
        try:
            return _read_npz(target, key)
        except (OSError, ValueError, KeyError, TypeError):  # a corrupt cache file is rebuilt
            log.warning("cache du réseau routier illisible, reconstruit : %s", target)
    graph = _build(path, kind)
    graph.key = key
    _write_npz(graph, target)
    return graph


def read_networkx(path: str | Path) -> tuple[nx.MultiDiGraph, RoadReport]:
    """Read a road file into an osmnx MultiDiGraph, before speeds and component pruning.

    Parameters
    ----------
    path
        A GraphML or OpenStreetMap file (see :func:`load_road_graph`).

    Returns
    -------
    The graph and a report filled with what reading found (missing references...).
    """
    path = Path(path)
    kind = _kind(path)
    report = RoadReport(source=path.name)
    if kind == "graphml":
        return _read_graphml(path), report
    if kind == "osm":
        return _read_osm(path, report), report
    raise DataError(
        "format de réseau routier non reconnu",
        file=path,
        hint="formats acceptés : .graphml, .graphml.gz (osmnx), .osm, .osm.bz2, .osm.pbf",
    )


def from_networkx(G: nx.MultiDiGraph, report: RoadReport | None = None) -> RoadGraph:
    """Convert an osmnx graph into a :class:`RoadGraph`.

    Travel times are kept where every edge has one, imputed otherwise (see module
    docstring); parallel edges are merged into the fastest; only the largest
    strongly connected component is kept.

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
    if len(G) == 0 or G.number_of_edges() == 0:
        raise DataError(
            f"le réseau routier « {report.source} » ne contient aucune route praticable",
            hint="vérifiez que le fichier couvre le territoire et contient des routes (highway)",
        )
    report.nodes_read = len(G)
    report.edges_read = G.number_of_edges()
    _ensure_travel_times(G, report)

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
    return _compact(node_id, lon, lat, u, v, t, d, report)


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


def download_graph(polygon: shapely.Geometry, *, margin_km: float = DOWNLOAD_MARGIN_KM) -> RoadGraph:
    """Download the drivable road graph of a territory plus a margin from OpenStreetMap.

    Fails within :data:`ONLINE_TIMEOUT_S` seconds, with a French error naming the
    local-file alternative, when the OpenStreetMap servers cannot be reached. The
    download is saved as GraphML in the cache folder, then converted like a local file.

    Parameters
    ----------
    polygon
        The territory (WGS84).
    margin_km
        Margin added around the polygon (trips cross boundaries).

    Returns
    -------
    RoadGraph
    """
    import geopandas as gpd
    import osmnx as ox

    crs = metric_crs(*np.asarray(polygon.centroid.coords[0]))
    area = gpd.GeoSeries([polygon], crs=CRS_WGS84).to_crs(crs).buffer(margin_km * 1000)
    area = area.to_crs(CRS_WGS84).iloc[0]
    target = cache_dir() / f"roads-download-{_digest(shapely.to_wkb(area))}.graphml"
    if not target.exists():
        _require_online(ox.settings.overpass_url)
        try:
            G = ox.graph_from_polygon(area, network_type="drive", simplify=True, retain_all=True)
        except Exception as exc:  # network errors, empty responses
            raise DataError(
                f"échec du téléchargement du réseau routier OpenStreetMap ({exc})",
                hint=_LOCAL_FILE_HINT,
            ) from exc
        cache.atomic_write(target, lambda tmp: ox.save_graphml(G, tmp))
    return load_road_graph(target)


def metric_crs(lon: float, lat: float) -> str:
    """Return the metric CRS for a place: Lambert-93 in metropolitan France, else its UTM zone.

    Lambert-93 is only valid for metropolitan France (and Corsica); overseas
    territories (Antilles, Réunion, Guyane, Mayotte...) get the WGS84 UTM zone of
    their position.
    """
    if -6.0 <= lon <= 10.5 and 41.0 <= lat <= 51.5:
        return CRS_METRIC
    zone = int((lon + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------

_LOCAL_FILE_HINT = (
    "sans accès à Internet, placez dans le dossier « roads/ » des données (PLANNER_DATA_DIR) "
    "un extrait OpenStreetMap couvrant le territoire (.osm.pbf, par exemple de Geofabrik, "
    "ou .osm/.osm.bz2) ou un graphe osmnx (.graphml/.graphml.gz)"
)


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(GRAPHML_SUFFIXES):
        return "graphml"
    if name.endswith(OSM_SUFFIXES):
        return "osm"
    return None


def _speed_tables_repr() -> str:
    return repr((FRENCH_IMPLICIT_MAXSPEEDS, FRENCH_HIGHWAY_SPEEDS, FALLBACK_SPEED_KPH))


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()[:16]


def _build(path: Path, kind: str) -> RoadGraph:
    log.info("lecture du réseau routier %s (première fois : mise en cache)", path.name)
    G, report = read_networkx(path)
    return from_networkx(G, report)


def _read_graphml(path: Path) -> nx.MultiDiGraph:
    import osmnx as ox

    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return ox.load_graphml(graphml_str=fh.read())
        return ox.load_graphml(path)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(
            f"graphe GraphML illisible ({exc})",
            file=path,
            hint="le fichier doit être un graphe osmnx (ox.save_graphml), éventuellement compressé en .gz",
        ) from exc


def _is_drivable(tags: dict[str, str]) -> bool:
    """Return True when an OSM way's tags pass osmnx's ``drive`` filter."""
    highway = tags.get("highway")
    if not highway or highway in _EXCLUDED_HIGHWAYS:
        return False
    return not any(
        key in tags and pattern.search(tags[key]) for key, pattern in _EXCLUDED_TAG_PATTERNS
    )


def _read_osm(path: Path, report: RoadReport) -> nx.MultiDiGraph:
    """Read an OSM XML or PBF file with pyosmium, repair it and build it with osmnx."""
    import osmium
    import osmnx as ox

    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        )
        for way in processor:
            refs = [(nd.ref, nd.location) for nd in way.nodes]
            missing = [not loc.valid() for _, loc in refs]
            n_missing = sum(missing)
            tags = {tag.k: tag.v for tag in way.tags}
            drivable = _is_drivable(tags)
            if n_missing:
                report.missing_refs += n_missing
                report.ways_with_missing_refs += 1
                if drivable:
                    report.missing_refs_on_roads += n_missing
            if not drivable:
                continue
            # split the way where a node is missing: never join across a clipped gap
            pieces: list[list[int]] = [[]]
            for (ref, loc), gone in zip(refs, missing):
                if gone:
                    pieces.append([])
                    continue
                nodes[ref] = (loc.lat, loc.lon)
                pieces[-1].append(ref)
            pieces = [p for p in pieces if len(p) >= 2]
            for k, piece in enumerate(pieces):
                way_id = way.id if k == 0 else -(way.id * 1000 + k)
                ways.append((way_id, piece, tags))
    except RuntimeError as exc:  # osmium's error for unreadable files
        raise DataError(
            f"extrait OpenStreetMap illisible ({exc})",
            file=path,
            hint="le fichier doit être un extrait .osm, .osm.bz2 ou .osm.pbf valide",
        ) from exc
    if report.missing_refs:
        log.warning(
            "%s : %d référence(s) à des nœuds absents (extrait découpé) supprimée(s), "
            "dont %d sur des routes",
            path.name,
            report.missing_refs,
            report.missing_refs_on_roads,
        )
    if not ways:
        raise DataError(
            "l'extrait OpenStreetMap ne contient aucune route praticable en voiture",
            file=path,
            hint="vérifiez que l'extrait couvre le territoire et contient les routes (highway)",
        )
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "drive.osm"
        _write_osm_xml(clean, nodes, ways)
        return ox.graph_from_xml(clean, bidirectional=False, simplify=True, retain_all=True)


def _write_osm_xml(
    path: Path, nodes: dict[int, tuple[float, float]], ways: Iterable[tuple[int, list[int], dict[str, str]]]
) -> None:
    """Write nodes and ways as a minimal OSM XML file that osmnx can read."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n")
        fh.writelines(f'<node id="{ref}" lat="{lat:.7f}" lon="{lon:.7f}"/>\n' for ref, (lat, lon) in nodes.items())
        for way_id, refs, tags in ways:
            fh.write(f'<way id="{way_id}">')
            fh.write("".join(f'<nd ref="{r}"/>' for r in refs))
            fh.write("".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()))
            fh.write("</way>\n")
        fh.write("</osm>\n")


def _ensure_travel_times(G: nx.MultiDiGraph, report: RoadReport) -> None:
    """Keep the file's ``travel_time`` where present; impute the others (in place)."""
    import osmnx as ox

    missing = [(u, v, k) for u, v, k, t in G.edges(keys=True, data="travel_time") if t is None]
    report.edges_with_file_times = G.number_of_edges() - len(missing)
    report.edges_imputed = len(missing)
    if not missing:
        return
    H = G.copy()
    for _, _, data in H.edges(data=True):
        # merged ways carry a list of classes in an arbitrary (hash) order; osmnx takes
        # the first: sort it so that the same file always gives the same speeds
        if isinstance(data.get("highway"), list):
            data["highway"] = sorted(data["highway"])
        speed = data.get("maxspeed")
        if isinstance(speed, list):
            data["maxspeed"] = [_french_maxspeed(s) for s in speed]
        elif speed is not None:
            data["maxspeed"] = _french_maxspeed(speed)
    H = ox.add_edge_speeds(H, hwy_speeds=FRENCH_HIGHWAY_SPEEDS, fallback=FALLBACK_SPEED_KPH)
    H = ox.add_edge_travel_times(H)
    for u, v, k in missing:
        G.edges[u, v, k]["speed_kph"] = H.edges[u, v, k]["speed_kph"]
        G.edges[u, v, k]["travel_time"] = H.edges[u, v, k]["travel_time"]


def _french_maxspeed(value: Any) -> Any:
    """Translate a French implicit ``maxspeed`` (``FR:urban``...) into km/h, as text."""
    if isinstance(value, str) and value.strip() in FRENCH_IMPLICIT_MAXSPEEDS:
        return f"{FRENCH_IMPLICIT_MAXSPEEDS[value.strip()]:g}"
    return value


def _compact(
    node_id: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    t: np.ndarray,
    d: np.ndarray,
    report: RoadReport,
) -> RoadGraph:
    """Merge parallel edges, keep the largest SCC and build the CSR arrays."""
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
    largest = np.bincount(labels).argmax()
    kept = labels == largest
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

    crs = metric_crs(float(np.median(lon)), float(np.median(lat)))
    report.crs_metric = crs
    x, y = _project(lon, lat, crs)
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


def _project(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    transformer = Transformer.from_crs(CRS_WGS84, crs, always_xy=True)
    x, y = transformer.transform(lon, lat)
    return np.asarray(x, float), np.asarray(y, float)


# ---------------------------------------------------------------------------
# Compact cache
# ---------------------------------------------------------------------------

_ARRAYS = ("node_id", "lon", "lat", "x", "y", "indptr", "indices", "time_s", "length_m")


def _write_npz(graph: RoadGraph, target: Path) -> None:
    arrays = {name: getattr(graph, name) for name in _ARRAYS}
    meta = {"crs_metric": graph.crs_metric, "report": graph.report.summary()}

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, meta=np.array(json.dumps(meta, ensure_ascii=False)), **arrays)

    cache.atomic_write(target, write)
    _remember_hull(graph)


def _read_npz(target: Path, key: str) -> RoadGraph:
    with np.load(target, allow_pickle=False) as data:
        arrays = {name: data[name] for name in _ARRAYS}
        meta = json.loads(str(data["meta"]))
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
    cache.atomic_write(index_path, lambda tmp: tmp.write_text(text, "utf-8"))


def _hull_of(path: Path) -> shapely.Geometry | None:
    """Return the hull of a road file's graph, loading (and caching) it when unknown."""
    key = cache.cache_key("roads", [path], ROADS_FORMAT, _speed_tables_repr())
    index_path = _hull_index_path()
    if index_path.exists():
        try:
            index = json.loads(index_path.read_text("utf-8"))
            if key in index:
                return shapely.from_wkt(index[key])
        except (OSError, ValueError):
            pass
    try:
        return load_road_graph(path).hull
    except DataError as exc:
        log.warning("réseau routier ignoré : %s", exc)
        return None


def _require_online(url: str) -> None:
    """Raise a French :class:`DataError` quickly when ``url``'s host cannot be reached."""
    parsed = urlparse(url)
    host = parsed.hostname or "overpass-api.de"
    port = parsed.port or (443 if parsed.scheme != "http" else 80)
    try:
        with socket.create_connection((host, port), timeout=ONLINE_TIMEOUT_S):
            pass
    except OSError as exc:
        raise DataError(
            f"impossible de joindre OpenStreetMap ({host}) pour télécharger le réseau routier : "
            "pas d'accès à Internet",
            hint=_LOCAL_FILE_HINT,
        ) from exc
