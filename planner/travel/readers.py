"""Road files into networkx: osmnx GraphML, OpenStreetMap XML and PBF; the drive rule.

:func:`is_drivable` is the one rule saying which OpenStreetMap ways a car may use
(osmnx's ``network_type="drive"`` filter plus ``access=no``); every reader applies it:

- OpenStreetMap files (XML and PBF) are read with pyosmium: drivable ways are kept,
  node references missing from a clipped extract are dropped and counted (a way is
  split where a node is missing), and the repaired extract is handed to
  :func:`osmnx.graph_from_xml` (the streaming PBF import, :mod:`planner.travel.pbf`,
  builds the compact graph without networkx);
- GraphML files may hold any network type (« all »: footways, tracks): edges whose
  tags fail the rule are dropped (:func:`drop_undrivable_edges`).

:class:`RoadReport` says what reading found.
"""

from __future__ import annotations

import gzip
import itertools
import logging
import re
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import quoteattr

from planner.errors import DataError

if TYPE_CHECKING:
    import networkx as nx

log = logging.getLogger(__name__)

#: Suffixes of the road files the planner reads.
GRAPHML_SUFFIXES = (".graphml", ".graphml.gz")
OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf")
#: Suffix of a compact road graph written by ``planner roads import`` / ``fetch``.
COMPACT_SUFFIX = ".roads.npz"

# osmnx's "drive" network filter (osmnx._overpass._get_network_filter), as rules on tags.
_EXCLUDED_HIGHWAYS = frozenset(
    [
        "abandoned", "bridleway", "bus_guideway", "construction", "corridor", "cycleway",
        "elevator", "escalator", "footway", "no", "path", "pedestrian", "planned", "platform",
        "proposed", "raceway", "razed", "rest_area", "service", "services", "steps", "track",
    ]
)
_EXCLUDED_TAG_PATTERNS = (
    ("area", re.compile("yes")),
    ("access", re.compile("private")),
    ("motor_vehicle", re.compile("no")),
    ("motor_vehicle", re.compile("private")),
    ("motorcar", re.compile("no")),
    ("service", re.compile("alley|driveway|emergency_access|parking|parking_aisle|private")),
)
#: ``access=no`` closes a way to cars unless a motor-vehicle tag opens it again.
_OPENING_VALUES = frozenset(["yes", "designated", "permissive", "destination", "delivery"])
#: Tags the drive rule reads (a GraphML edge is checked on these).
DRIVE_RULE_KEYS = ("highway", "area", "access", "motor_vehicle", "motorcar", "service")
_FORMATS_HINT = (
    "formats acceptés : .graphml, .graphml.gz (osmnx), .osm, .osm.bz2, .osm.pbf, "
    ".roads.npz (planner roads import)"
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
    #: GraphML: edges whose tags fail the drive rule (footways, tracks...), dropped.
    edges_not_drivable: int = 0
    #: Clipping to a territory (``planner roads import --territory``): edges outside, dropped.
    edges_clipped: int = 0
    #: Edges whose travel time came from the file, and edges whose speed was imputed.
    edges_with_file_times: int = 0
    edges_imputed: int = 0
    #: Metric CRS of the graph (:func:`planner.geo.metric_crs_at` its median node).
    crs_metric: str = ""
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Return the report as a plain dict (for JSON output)."""
        return asdict(self)


def road_file_kind(path: Path) -> Literal["graphml", "osm", "compact"] | None:
    """Return ``"graphml"``, ``"osm"`` or ``"compact"`` from a road file's suffix, None for others."""
    name = path.name.lower()
    if name.endswith(COMPACT_SUFFIX):
        return "compact"
    if name.endswith(GRAPHML_SUFFIXES):
        return "graphml"
    if name.endswith(OSM_SUFFIXES):
        return "osm"
    return None


def unknown_format(path: Path) -> DataError:
    """Return the French error for a file that is not a road file the planner reads."""
    return DataError("format de réseau routier non reconnu", file=path, hint=_FORMATS_HINT)


def read_networkx(path: str | Path) -> tuple[nx.MultiDiGraph, RoadReport]:
    """Read a road file into an osmnx MultiDiGraph, before speeds and component pruning.

    Parameters
    ----------
    path
        A ``.graphml``, ``.graphml.gz``, ``.osm``, ``.osm.bz2``, ``.osm.gz`` or
        ``.osm.pbf`` file.

    Returns
    -------
    The graph and a report filled with what reading found (missing references...).
    """
    path = Path(path)
    kind = road_file_kind(path)
    report = RoadReport(source=path.name)
    if kind == "graphml":
        G = _read_graphml(path)
        report.nodes_read, report.edges_read = len(G), G.number_of_edges()
        report.edges_not_drivable = drop_undrivable_edges(G)
        if report.edges_not_drivable:
            log.info("%s : %d tronçon(s) non praticable(s) en voiture écarté(s)", path.name,
                     report.edges_not_drivable)
        return G, report
    if kind == "osm":
        return _read_osm(path, report), report
    raise unknown_format(path)


def is_drivable(tags: dict[str, str]) -> bool:
    """Return True when an OSM way's tags pass osmnx's ``drive`` filter.

    Parameters
    ----------
    tags
        The way's tags (``{"highway": "residential", "access": "private"}``...).

    Returns
    -------
    False for ways without ``highway``, for excluded classes (footway, track,
    service...), for private, no-motor-vehicle or area ways and for ``access=no``
    ways that no ``motor_vehicle``/``motorcar`` tag opens; True otherwise.
    """
    highway = tags.get("highway")
    if not highway or highway in _EXCLUDED_HIGHWAYS:
        return False
    if any(key in tags and pattern.search(tags[key]) for key, pattern in _EXCLUDED_TAG_PATTERNS):
        return False
    if tags.get("access") == "no":
        return tags.get("motor_vehicle") in _OPENING_VALUES or tags.get("motorcar") in _OPENING_VALUES
    return True


def is_drivable_edge(data: dict[str, Any]) -> bool:
    """Return True when a networkx edge's tags pass :func:`is_drivable`.

    A simplified osmnx edge merges several ways and may carry lists of values
    (``highway=["residential", "footway"]``): it is drivable only when every
    combination of its values is. An edge without ``highway`` (a graph built
    elsewhere, without tags) is taken as drivable.

    Parameters
    ----------
    data
        The edge's attributes.

    Returns
    -------
    bool
    """
    if data.get("highway") is None:
        return True
    values = []
    for key in DRIVE_RULE_KEYS:
        value = data.get(key)
        if value is None or (isinstance(value, float) and value != value):  # missing, NaN
            continue
        items = value if isinstance(value, list | tuple | set) else [value]
        values.append([(key, str(v)) for v in items])
    return all(is_drivable(dict(combo)) for combo in itertools.product(*values))


def drop_undrivable_edges(G: nx.MultiDiGraph) -> int:
    """Remove (in place) the edges failing the drive rule, then the nodes left without edges.

    Parameters
    ----------
    G
        An osmnx graph of any network type.

    Returns
    -------
    The number of edges removed.
    """
    drop = [(u, v, k) for u, v, k, data in G.edges(keys=True, data=True) if not is_drivable_edge(data)]
    G.remove_edges_from(drop)
    if drop:
        G.remove_nodes_from([n for n, degree in G.degree() if degree == 0])
    return len(drop)


def _read_graphml(path: Path) -> nx.MultiDiGraph:
    import osmnx as ox  # slow import (1.4 s): only needed when a road file is first read

    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return ox.load_graphml(graphml_str=fh.read())
        return ox.load_graphml(path)
    except (OSError, ValueError, KeyError, ParseError) as exc:
        raise DataError(
            f"graphe GraphML illisible ({exc})",
            file=path,
            hint="le fichier doit être un graphe osmnx (ox.save_graphml), éventuellement compressé en .gz",
        ) from exc


def _read_osm(path: Path, report: RoadReport) -> nx.MultiDiGraph:
    """Read an OSM XML or PBF file with pyosmium, repair it and build it with osmnx."""
    import osmium  # only for OpenStreetMap files
    import osmnx as ox  # slow import (1.4 s): only needed when a road file is first read

    nodes: dict[int, tuple[float, float]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    try:
        processor = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):  # the filter passes ways only
                continue
            refs = [(nd.ref, nd.location) for nd in way.nodes]
            missing = [not loc.valid() for _, loc in refs]
            n_missing = sum(missing)
            tags = {tag.k: tag.v for tag in way.tags}
            drivable = is_drivable(tags)
            if n_missing:
                report.missing_refs += n_missing
                report.ways_with_missing_refs += 1
                if drivable:
                    report.missing_refs_on_roads += n_missing
            if not drivable:
                continue
            for k, piece in enumerate(_pieces(refs, missing, nodes)):
                ways.append((way.id if k == 0 else -(way.id * 1000 + k), piece, tags))
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


def _pieces(
    refs: list[tuple[int, Any]], missing: list[bool], nodes: dict[int, tuple[float, float]]
) -> list[list[int]]:
    """Split a way where a node is missing (never join across a clipped gap).

    Records the position ``(lat, lon)`` of every present node in ``nodes``; returns the
    pieces of at least two nodes.
    """
    pieces: list[list[int]] = [[]]
    for (ref, loc), gone in zip(refs, missing):
        if gone:
            pieces.append([])
            continue
        nodes[ref] = (loc.lat, loc.lon)
        pieces[-1].append(ref)
    return [p for p in pieces if len(p) >= 2]


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
