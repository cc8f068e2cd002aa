"""Downloading a territory's drivable roads from OpenStreetMap (an Overpass API) with osmnx.

``planner roads fetch`` (:func:`fetch_roads`): the territory plus
:data:`planner.config.ROADS_MARGIN_KM` is downloaded one département at a time
(``osmnx.graph_from_polygon(..., network_type="drive")`` against
``osmnx.settings.overpass_url``); each finished département is saved in the cache
folder, so a rerun after an interruption skips it; the parts are then merged into one
compact graph (largest strongly connected component) written into the data folder's
``roads/`` where the territory's travel model finds it.
:func:`download_graph` is the same for a bare polygon (``model_for(download=True)``).
"""

from __future__ import annotations

import hashlib
import logging
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import shapely

from planner import config
from planner.config import cache_dir
from planner.data import cache
from planner.errors import DataError
from planner.geo import metric_crs_at, union
from planner.travel.graph import ROADS_FORMAT, RoadGraph, compact_graph, networkx_arrays
from planner.travel.pbf import buffered_area, check_target, peak_rss_mb, territory_slug, write_graph
from planner.travel.readers import COMPACT_SUFFIX, RoadReport, drop_undrivable_edges

log = logging.getLogger(__name__)

#: Margin (km) added around a bare polygon for a download (:func:`download_graph`).
DOWNLOAD_MARGIN_KM = 10.0
#: Seconds to wait for the OpenStreetMap servers before declaring the machine offline.
ONLINE_TIMEOUT_S = 3.0
#: ``progress(done, total, part, status)``: called before and after each département
#: (``status``: ``"download"``, ``"done"`` or ``"cached"``).
Progress = Callable[[int, int, str, str], None]

_LOCAL_FILE_HINT = (
    "sans accès à Internet, placez dans le dossier « roads/ » des données (PLANNER_DATA_DIR) "
    "un extrait OpenStreetMap couvrant le territoire (.osm.pbf, par exemple de Geofabrik, "
    "à importer avec « planner roads import », ou .osm/.osm.bz2) ou un graphe osmnx (.graphml/.graphml.gz)"
)
_PART_ARRAYS = ("node_id", "lon", "lat", "u", "v", "time_s", "length_m")


def fetch_roads(
    territory: Any,
    *,
    overpass_url: str | None = None,
    out_dir: Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Download a territory's drivable roads by département, merge them, write the graph.

    Parameters
    ----------
    territory
        A :class:`planner.territory.Territory`.
    overpass_url
        Base URL of the Overpass API (default ``osmnx.settings.overpass_url``).
    out_dir
        Folder of the output (default: the data folder's ``roads/``).
    force
        Replace an existing output (otherwise a French error).
    progress
        Called before and after each département (see :data:`Progress`).

    Returns
    -------
    dict: ``output``, ``territory``, ``nodes``, ``edges``, ``parts`` (one per
    département: ``code``, ``status``, ``nodes``, ``edges``), ``parts_downloaded``,
    ``parts_cached``, ``seconds``, ``peak_rss_mb``, ``overpass_url``, ``report``.
    """
    import osmnx as ox  # slow import (1.4 s): only needed for a download

    start = time.perf_counter()
    url = overpass_url or ox.settings.overpass_url
    folder = Path(out_dir) if out_dir is not None else config.data_dir() / "roads"
    target = folder / f"osm-{territory_slug(territory.spec)}{COMPACT_SUFFIX}"
    check_target(target, force)
    communes = territory.communes
    parts = []
    for code in sorted(communes["departement"].dropna().unique()):
        sub = communes[communes["departement"] == code]
        parts.append((str(code), buffered_area(union(sub.geometry), territory.crs)))
    graph, rows = _fetch_parts(parts, url, territory_slug(territory.spec), progress)
    write_graph(graph, target)
    return {
        "output": str(target),
        "territory": territory.spec,
        "overpass_url": url,
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "parts": rows,
        "parts_downloaded": sum(r["status"] == "done" for r in rows),
        "parts_cached": sum(r["status"] == "cached" for r in rows),
        "seconds": round(time.perf_counter() - start, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "crs_metric": graph.crs_metric,
        "report": graph.report.summary(),
    }


def download_graph(polygon: shapely.Geometry, *, margin_km: float = DOWNLOAD_MARGIN_KM) -> RoadGraph:
    """Download the drivable road graph of a polygon plus a margin from OpenStreetMap.

    Fails within :data:`ONLINE_TIMEOUT_S` seconds, with a French error naming the
    local-file alternative, when the OpenStreetMap servers cannot be reached. The
    download is kept in the cache folder (resumable like :func:`fetch_roads`).

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
    import osmnx as ox  # slow import (1.4 s): only needed for a download

    centre = polygon.centroid
    area = buffered_area(polygon, metric_crs_at(centre.x, centre.y), margin_km)
    graph, _ = _fetch_parts([("zone", area)], ox.settings.overpass_url, "zone", None)
    return graph


def _fetch_parts(
    parts: list[tuple[str, shapely.Geometry]], url: str, name: str, progress: Progress | None
) -> tuple[RoadGraph, list[dict[str, Any]]]:
    """Download (or take from the cache) every part, then merge them into one graph."""
    digest = hashlib.sha256(repr((url, ROADS_FORMAT, [(c, shapely.to_wkb(p)) for c, p in parts])).encode())
    folder = cache_dir() / f"roads-fetch-{name}-{digest.hexdigest()[:12]}"
    loaded, rows = [], []
    for k, (code, area) in enumerate(parts):
        path = folder / f"{code}.npz"
        if path.exists():
            status = "cached"
        else:
            if progress:
                progress(k, len(parts), code, "download")
            _save_part(path, _download_part(area, url, code))
            status = "done"
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in _PART_ARRAYS}
        loaded.append(arrays)
        rows.append({"code": code, "status": status, "nodes": len(arrays["node_id"]), "edges": len(arrays["u"])})
        if progress:
            progress(k + 1, len(parts), code, status)
    return _merge(loaded, RoadReport(source=f"OpenStreetMap ({urlparse(url).hostname or url})")), rows


def _download_part(area: shapely.Geometry, url: str, code: str) -> dict[str, np.ndarray]:
    import osmnx as ox  # slow import (1.4 s): only needed for a download

    _require_online(url)
    previous = (ox.settings.overpass_url, ox.settings.use_cache)
    ox.settings.overpass_url, ox.settings.use_cache = url, False  # the planner caches the parts
    try:
        G = ox.graph_from_polygon(area, network_type="drive", simplify=True, retain_all=True)
    except Exception as exc:  # network errors, empty responses
        raise DataError(
            f"échec du téléchargement du réseau routier OpenStreetMap ({code} : {exc})",
            hint=_LOCAL_FILE_HINT,
        ) from exc
    finally:
        ox.settings.overpass_url, ox.settings.use_cache = previous
    drop_undrivable_edges(G)  # the one drive rule (adds access=no to osmnx's filter)
    node_id, lon, lat, u, v, t, d = networkx_arrays(G, RoadReport(source=code))
    return {"node_id": node_id, "lon": lon, "lat": lat, "u": node_id[u], "v": node_id[v], "time_s": t, "length_m": d}


def _save_part(path: Path, arrays: dict[str, np.ndarray]) -> None:
    savez: Any = np.savez  # numpy's stubs do not type **arrays

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            savez(fh, **arrays)

    cache.atomic_write(path, write)


def _merge(parts: list[dict[str, np.ndarray]], report: RoadReport) -> RoadGraph:
    """Join parts on their OSM node ids (shared border nodes), then compact (largest SCC)."""
    node_id = np.concatenate([p["node_id"] for p in parts])
    ids, first = np.unique(node_id, return_index=True)
    lon = np.concatenate([p["lon"] for p in parts])[first]
    lat = np.concatenate([p["lat"] for p in parts])[first]
    u = np.searchsorted(ids, np.concatenate([p["u"] for p in parts]))
    v = np.searchsorted(ids, np.concatenate([p["v"] for p in parts]))
    t = np.concatenate([p["time_s"] for p in parts])
    d = np.concatenate([p["length_m"] for p in parts])
    report.nodes_read, report.edges_read = len(ids), len(u)
    if not len(u):
        raise DataError("OpenStreetMap n'a renvoyé aucune route praticable pour ce territoire", hint=_LOCAL_FILE_HINT)
    return compact_graph(ids, lon, lat, u, v, t, d, report)


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

