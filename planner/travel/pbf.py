"""Streaming an OpenStreetMap extract (``.osm.pbf``) into the compact road graph, no networkx.

Two passes with pyosmium, memory bounded by the drivable roads (never by the file,
never one Python object per node):

1. the ways tagged ``highway`` (every other object is skipped in C++): those passing
   the one drive rule (:func:`planner.travel.readers.is_drivable`) are kept as flat
   buffers (``array``) of node references, speed and direction;
2. the nodes those ways reference (pyosmium's ``IdFilter``, in C++): their positions,
   as OSM's 1e-7 degree integers.

A node becomes a graph node where ways meet, at a way's ends, and next to a
reference missing from a clipped extract (the way is split there, never joined
across the gap; missing references are counted). Edges are built by numpy in chunks
of :data:`planner.config.PBF_CHUNK_REFS` references: length along the way
(:func:`planner.geo.great_circle_km`), speed from ``maxspeed`` then the French table
(:mod:`planner.travel.speeds`), direction from ``oneway`` (``yes``/``-1``), roundabouts
and motorways (implied one-way). :func:`planner.travel.graph.compact_graph` then merges
parallel edges and keeps the largest strongly connected component.
"""

from __future__ import annotations

import logging
import os
import re
import resource
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from planner import config
from planner.errors import DataError
from planner.geo import CRS_WGS84, great_circle_km
from planner.travel.graph import RoadGraph, compact_graph, save_compact
from planner.travel.readers import COMPACT_SUFFIX, RoadReport, is_drivable
from planner.travel.speeds import FALLBACK_SPEED_KPH, FRENCH_HIGHWAY_SPEEDS, french_maxspeed

log = logging.getLogger(__name__)

#: ``oneway`` values meaning "in the way's direction only", and "against it only".
ONEWAY_FORWARD = frozenset(["yes", "true", "1"])
ONEWAY_BACKWARD = frozenset(["-1", "reverse"])
#: ``oneway`` values meaning "both directions" (explicit: no implied one-way applies).
ONEWAY_BOTH = frozenset(["no", "false", "0", "reversible", "alternating"])
#: Ways one-way unless tagged otherwise (OpenStreetMap's implied values).
IMPLIED_ONEWAY_JUNCTIONS = frozenset(["roundabout", "circular"])
IMPLIED_ONEWAY_HIGHWAYS = frozenset(["motorway"])
_MPH = 1.609344
_SPEED = re.compile(r"^([0-9]+(?:[.,][0-9]+)?)\s*(km/h|kmh|kph|mph|knots)?$")
_SUFFIXES = (".osm.pbf", ".osm.bz2", ".osm.gz", ".osm", ".pbf")


@dataclass
class PbfStats:
    """What the streaming import read, besides the :class:`RoadReport`."""

    ways_read: int = 0
    ways_kept: int = 0
    ways_with_maxspeed: int = 0
    refs_kept: int = 0
    nodes_located: int = 0
    #: How pass 2 picked the needed nodes: ``"osmium"`` (IdFilter) or ``"numpy"``.
    node_filter: str = ""
    seconds: float = 0.0


def maxspeed_kph(value: str | None) -> float | None:
    """Return the speed (km/h) of an OSM ``maxspeed`` value, None when it is not one.

    Parameters
    ----------
    value
        ``"50"``, ``"30 mph"``, ``"FR:rural"``, ``"50;70"`` or ``"50|30"`` (the mean)...

    Returns
    -------
    float or None (``"signals"``, ``"none"``, empty...).
    """
    if not value:
        return None
    speeds = []
    for part in re.split(r"[;|]", value):
        match = _SPEED.match(str(french_maxspeed(part.strip())).strip())
        if match is None:
            return None
        speed = float(match.group(1).replace(",", "."))
        speeds.append(speed * _MPH if match.group(2) == "mph" else speed)
    mean = sum(speeds) / len(speeds)
    return mean if mean > 0 else None


def way_speed_kph(tags: dict[str, str]) -> tuple[float, bool]:
    """Return a way's speed (km/h) and whether it came from ``maxspeed``.

    ``maxspeed`` first (French implicit values translated), otherwise the French speed
    table by ``highway`` class (:data:`planner.travel.speeds.FRENCH_HIGHWAY_SPEEDS`).
    """
    posted = maxspeed_kph(tags.get("maxspeed"))
    if posted is not None:
        return posted, True
    return FRENCH_HIGHWAY_SPEEDS.get(tags.get("highway", ""), FALLBACK_SPEED_KPH), False


def way_direction(tags: dict[str, str]) -> int:
    """Return ``1`` (one-way, along the way), ``-1`` (one-way, against it) or ``0`` (both).

    ``oneway=yes|true|1`` and ``-1|reverse`` first; without ``oneway``, roundabouts
    (``junction=roundabout|circular``) and motorways are one-way.
    """
    oneway = tags.get("oneway")
    if oneway in ONEWAY_FORWARD:
        return 1
    if oneway in ONEWAY_BACKWARD:
        return -1
    if oneway in ONEWAY_BOTH:
        return 0
    if tags.get("junction") in IMPLIED_ONEWAY_JUNCTIONS or tags.get("highway") in IMPLIED_ONEWAY_HIGHWAYS:
        return 1
    return 0


def peak_rss_mb() -> float:
    """Return the process's peak resident memory so far, in MiB (Linux ``ru_maxrss``)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_pbf(path: str | Path, polygon: shapely.Geometry | None = None) -> tuple[RoadGraph, PbfStats]:
    """Stream an OpenStreetMap extract into a :class:`RoadGraph` (largest SCC).

    Parameters
    ----------
    path
        An ``.osm.pbf`` file (``.osm``/``.osm.bz2`` are read the same way).
    polygon
        When given (WGS84), only edges with both ends inside are kept (clip).

    Returns
    -------
    The graph (its report counts missing references, clipped and dropped edges) and
    the streaming figures (:class:`PbfStats`).
    """
    import osmium  # only for OpenStreetMap files

    path = Path(path)
    if not path.is_file():
        raise DataError("extrait OpenStreetMap introuvable", file=path, hint="vérifiez le chemin du fichier")
    start = time.perf_counter()
    report = RoadReport(source=path.name)
    stats = PbfStats()
    try:
        refs, lengths, speeds, directions = _read_ways(osmium, path, stats)
        if not len(lengths):
            raise DataError(
                "l'extrait OpenStreetMap ne contient aucune route praticable en voiture",
                file=path,
                hint="vérifiez que l'extrait couvre le territoire et contient les routes (highway)",
            )
        found, x, y = _read_nodes(osmium, path, refs, stats)
    except RuntimeError as exc:  # osmium's error for unreadable files
        raise DataError(
            f"extrait OpenStreetMap illisible ({exc})",
            file=path,
            hint="le fichier doit être un extrait .osm.pbf (ou .osm, .osm.bz2) valide",
        ) from exc
    stats.nodes_located = len(found)
    index = _positions(refs, found)
    del refs
    u, v, t, d = _edges(index, lengths, speeds, directions, x, y, report)
    lon, lat = x * 1e-7, y * 1e-7
    if polygon is not None:
        inside = shapely.contains_xy(polygon, lon, lat)
        keep = inside[u] & inside[v]
        report.edges_clipped = int((~keep).sum())
        u, v, t, d = u[keep], v[keep], t[keep], d[keep]
    used = np.zeros(len(found), bool)
    used[u] = used[v] = True
    renumber = np.cumsum(used) - 1
    report.nodes_read, report.edges_read = int(used.sum()), len(u)
    # every time is computed from a speed (maxspeed, else the French table)
    report.edges_imputed, report.edges_with_file_times = len(u), 0
    if report.missing_refs:
        log.warning("%s : %d référence(s) à des nœuds absents (extrait découpé) supprimée(s)",
                    path.name, report.missing_refs)
    if not len(u):
        raise DataError(
            "aucune route de l'extrait OpenStreetMap ne se trouve dans le territoire",
            file=path,
            hint="vérifiez que l'extrait couvre le territoire demandé (--territory)",
        )
    graph = compact_graph(found[used], lon[used], lat[used], renumber[u], renumber[v], t, d, report)
    stats.seconds = time.perf_counter() - start
    return graph, stats


def import_pbf(
    path: str | Path,
    *,
    territory: Any = None,
    out_dir: Path | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Import an extract into a compact graph file that the travel model finds.

    Parameters
    ----------
    path
        The ``.osm.pbf`` extract (regional or national).
    territory
        A :class:`planner.territory.Territory`: keep its roads plus
        :data:`planner.config.ROADS_MARGIN_KM` only; None keeps the whole extract.
    out_dir
        Folder of the output (default: the data folder's ``roads/``, where
        :func:`planner.travel.graph.graph_for` looks).
    force
        Replace an existing output (otherwise a French error).

    Returns
    -------
    dict: ``output``, ``source``, ``territory``, ``nodes``, ``edges``, ``ways_read``,
    ``ways_kept``, ``dropped_refs``, ``ways_with_dropped_refs``, ``edges_clipped``,
    ``components_dropped``, ``seconds``, ``ways_per_second``, ``peak_rss_mb``,
    ``crs_metric`` and the full ``report``.
    """
    path = Path(path)
    stem = next((path.name[: -len(s)] for s in _SUFFIXES if path.name.lower().endswith(s)), path.stem)
    polygon = None
    if territory is not None:
        stem = f"{stem}-{territory_slug(territory.spec)}"
        polygon = buffered_area(territory.polygon, territory.crs)
    folder = Path(out_dir) if out_dir is not None else config.data_dir() / "roads"
    target = folder / f"{stem}{COMPACT_SUFFIX}"
    check_target(target, force)
    graph, stats = read_pbf(path, polygon)
    write_graph(graph, target)
    r = graph.report
    return {
        "output": str(target),
        "source": str(path),
        "territory": territory.spec if territory is not None else None,
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "ways_read": stats.ways_read,
        "ways_kept": stats.ways_kept,
        "ways_with_maxspeed": stats.ways_with_maxspeed,
        "refs_kept": stats.refs_kept,
        "dropped_refs": r.missing_refs,
        "ways_with_dropped_refs": r.ways_with_missing_refs,
        "edges_clipped": r.edges_clipped,
        "components_dropped": r.components_dropped,
        "node_filter": stats.node_filter,
        "seconds": round(stats.seconds, 3),
        "ways_per_second": round(stats.ways_read / stats.seconds) if stats.seconds > 0 else None,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "crs_metric": graph.crs_metric,
        "report": r.summary(),
    }


def territory_slug(spec: str) -> str:
    """Return a file-name-safe form of a territory spec (``"2A,2B"`` → ``"2a-2b"``)."""
    return re.sub(r"[^0-9a-z]+", "-", spec.lower()).strip("-") or "territoire"


def buffered_area(polygon: shapely.Geometry, crs: str, margin_km: float | None = None) -> shapely.Geometry:
    """Return a polygon (WGS84) plus a margin (default :data:`planner.config.ROADS_MARGIN_KM`).

    The buffer is drawn in the metric ``crs``; the result is WGS84, prepared.
    """
    margin = config.ROADS_MARGIN_KM if margin_km is None else margin_km
    area = gpd.GeoSeries([polygon], crs=CRS_WGS84).to_crs(crs).buffer(margin * 1000)
    polygon = area.to_crs(CRS_WGS84).iloc[0]
    shapely.prepare(polygon)
    return polygon


def check_target(target: Path, force: bool) -> None:
    """Refuse to replace an existing graph file silently (French error naming ``--force``)."""
    if target.exists() and not force:
        raise DataError(
            "le graphe routier existe déjà",
            file=target,
            hint="ajoutez --force pour le remplacer, ou choisissez un autre dossier avec --out",
        )
    folder = next((f for f in (target.parent, *target.parent.parents) if f.exists()), None)
    if folder is not None and not os.access(folder, os.W_OK):  # fail before a long import
        raise DataError(
            "dossier du graphe routier en lecture seule",
            file=target.parent,
            hint="choisissez un dossier accessible en écriture avec --out",
        )


def write_graph(graph: RoadGraph, target: Path) -> None:
    """Write ``graph`` to ``target`` atomically; a French error when the folder is read-only."""
    try:
        save_compact(graph, target)
    except OSError as exc:
        raise DataError(
            f"impossible d'écrire le graphe routier ({exc.strerror or exc})",
            file=target,
            hint="le dossier de données est peut-être en lecture seule : choisissez un dossier avec --out",
        ) from exc


# ---------------------------------------------------------------------------
# The two passes and the edges
# ---------------------------------------------------------------------------


def _read_ways(osmium: Any, path: Path, stats: PbfStats) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pass 1: the drivable ways' references, lengths, speeds (km/h) and directions."""
    refs, lengths, speeds, directions = array("q"), array("q"), array("d"), array("b")
    processor = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway"))
    for way in processor:
        stats.ways_read += 1
        tags = {tag.k: tag.v for tag in way.tags}
        if not is_drivable(tags):
            continue
        nodes = way.nodes
        if len(nodes) < 2:
            continue
        refs.extend([node.ref for node in nodes])
        lengths.append(len(nodes))
        speed, posted = way_speed_kph(tags)
        speeds.append(speed)
        directions.append(way_direction(tags))
        stats.ways_with_maxspeed += posted
    stats.ways_kept, stats.refs_kept = len(lengths), len(refs)
    return (np.frombuffer(refs, np.int64), np.frombuffer(lengths, np.int64),
            np.frombuffer(speeds, np.float64), np.frombuffer(directions, np.int8))


def _read_nodes(
    osmium: Any, path: Path, refs: np.ndarray, stats: PbfStats
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pass 2: ids (sorted) and 1e-7 degree positions of the nodes that ``refs`` name.

    Large files: pyosmium's ``IdFilter`` passes only those nodes to Python (it holds
    a bitmap of all OSM node ids, about 1.2 GB whatever the file). Smaller files
    (below :data:`planner.config.PBF_ID_FILTER_MIN_BYTES`): every node comes to
    Python and is sorted out by numpy in chunks (no bitmap).
    """
    needed = np.unique(refs)
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE)
    big = path.stat().st_size >= config.PBF_ID_FILTER_MIN_BYTES
    stats.node_filter = "osmium" if big else "numpy"
    if big:
        processor = processor.with_filter(osmium.filter.IdFilter(needed))
    kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    ids, xs, ys = array("q"), array("q"), array("q")

    def flush() -> None:
        chunk = np.frombuffer(ids, np.int64)
        pos = np.minimum(np.searchsorted(needed, chunk), len(needed) - 1)
        hit = needed[pos] == chunk
        kept.append((chunk[hit].copy(), np.frombuffer(xs, np.int64)[hit], np.frombuffer(ys, np.int64)[hit]))

    for node in processor:
        location = node.location
        if location.valid():
            ids.append(node.id)
            xs.append(location.x)
            ys.append(location.y)
            if len(ids) >= config.PBF_CHUNK_REFS:
                flush()
                ids, xs, ys = array("q"), array("q"), array("q")
    flush()
    found, x, y = (np.concatenate([part[k] for part in kept]) for k in range(3))
    if len(found) > 1 and not (np.diff(found) > 0).all():  # PBF files are usually sorted
        order = np.argsort(found, kind="stable")
        found, x, y = found[order], x[order], y[order]
    return found, x.astype(np.float64), y.astype(np.float64)


def _positions(refs: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Return, per reference, the position of its node in ``found`` (-1: missing), in chunks."""
    index = np.full(len(refs), -1, np.int32 if len(found) < 2**31 else np.int64)
    step = config.PBF_CHUNK_REFS
    for lo in range(0, len(refs), step):
        chunk = refs[lo : lo + step]
        pos = np.searchsorted(found, chunk)
        hit = pos < len(found)
        hit[hit] = found[pos[hit]] == chunk[hit]
        index[lo : lo + step][hit] = pos[hit]
    return index


def _edges(
    index: np.ndarray,
    lengths: np.ndarray,
    speeds: np.ndarray,
    directions: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    report: RoadReport,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Build the directed edges between graph nodes, in chunks of whole ways."""
    valid_all = index >= 0
    counts = np.bincount(index[valid_all], minlength=len(x))
    report.missing_refs = report.missing_refs_on_roads = int((~valid_all).sum())
    starts = np.concatenate([[0], np.cumsum(lengths)])
    parts: list[tuple[np.ndarray, ...]] = []
    w0 = 0
    while w0 < len(lengths):
        w1 = max(w0 + 1, int(np.searchsorted(starts, starts[w0] + config.PBF_CHUNK_REFS, side="right")) - 1)
        w1 = min(w1, len(lengths))
        parts.append(_chunk_edges(index[starts[w0] : starts[w1]], lengths[w0:w1], speeds[w0:w1],
                                  directions[w0:w1], counts, x, y, report))
        w0 = w1
    u, v, t, d = (np.concatenate([p[k] for p in parts]) for k in range(4))
    return u, v, t, d


def _chunk_edges(
    index: np.ndarray,
    lengths: np.ndarray,
    speeds: np.ndarray,
    directions: np.ndarray,
    counts: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    report: RoadReport,
) -> tuple[np.ndarray, ...]:
    """Edges of consecutive whole ways (``index``: their references' node positions)."""
    way = np.repeat(np.arange(len(lengths)), lengths)
    valid = index >= 0
    report.ways_with_missing_refs += len(np.unique(way[~valid]))
    segment_ok = (way[1:] == way[:-1]) & valid[:-1] & valid[1:]
    before = np.concatenate([[False], segment_ok])
    after = np.concatenate([segment_ok, [False]])
    safe = np.where(valid, index, 0)
    graph_node = valid & (~(before & after) | (counts[safe] >= 2))
    seg_m = np.zeros(len(segment_ok))
    a, b = safe[:-1][segment_ok], safe[1:][segment_ok]
    seg_m[segment_ok] = great_circle_km(x[a] * 1e-7, y[a] * 1e-7, x[b] * 1e-7, y[b] * 1e-7) * 1000
    along = np.concatenate([[0.0], np.cumsum(seg_m)])
    piece = np.concatenate([[0], np.cumsum(~segment_ok)])
    g = np.flatnonzero(graph_node)
    tail, head = g[:-1], g[1:]
    same = piece[tail] == piece[head]  # no broken segment between them (same way, no gap)
    tail, head = tail[same], head[same]
    metres = along[head] - along[tail]
    w = way[tail]
    seconds = metres / (speeds[w] / 3.6)
    fwd, bwd = directions[w] >= 0, directions[w] <= 0
    nu, nv = safe[tail], safe[head]
    return (np.concatenate([nu[fwd], nv[bwd]]), np.concatenate([nv[fwd], nu[bwd]]),
            np.concatenate([seconds[fwd], seconds[bwd]]), np.concatenate([metres[fwd], metres[bwd]]))
