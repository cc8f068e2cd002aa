"""Everything a territory needs, fetched from one place: its data layers, then its roads.

``planner data fetch --territory X`` and the app's « Télécharger les données de ce
territoire » both call :func:`fetch_territory`: the layers the territory lacks
(:func:`planner.data.fetch.fetch`), then, unless told not to, its road graph from
OpenStreetMap (:func:`planner.travel.download.fetch_roads`, by département) when no
local road graph covers it. The road graph is reported as one more layer (``roads``) in
the same list of :class:`~planner.data.fetch.FetchResult`, so the same progress and the
same messages show it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shapely

from planner.config import data_dir
from planner.data import catalog, fetch
from planner.data.cache import file_digest
from planner.data.download import Progress
from planner.errors import DataError
from planner.travel.download import fetch_roads
from planner.travel.graph import graph_for

log = logging.getLogger(__name__)

#: The road layer of the manifest (fetched by :func:`fetch_roads`, not by the data fetch).
ROADS = "roads"

#: Called before and after each département of the road download: (done, total, part, status).
RoadProgress = Callable[[int, int, str, str], None]


def departements_of(territory: Any) -> list[str]:
    """Return the territory's départements, sorted."""
    return sorted({str(d) for d in territory.communes["departement"].dropna().unique()})


def roads_cover(territory: Any) -> bool:
    """Whether a local road graph already covers the territory's town halls."""
    halls = territory.communes["town_hall"].dropna().to_numpy()
    halls = halls[~shapely.is_empty(halls)]
    if not len(halls):
        return True  # nothing to route between: no download
    return graph_for(shapely.convex_hull(shapely.multipoints(halls))) is not None


def _roads_result(territory: Any, overpass_url: str | None, progress: RoadProgress | None,
                  keep_going: bool) -> fetch.FetchResult:
    lay = catalog.layer(ROADS)
    if roads_cover(territory):
        return fetch.FetchResult(ROADS, fetch.SKIPPED, message="un réseau routier local couvre "
                                 "déjà ce territoire : rien à télécharger", scope="departement")
    try:
        done = fetch_roads(territory, overpass_url=overpass_url, progress=progress)
    except DataError as exc:
        if not keep_going:
            raise
        return fetch.FetchResult(ROADS, fetch.FAILED, overpass_url, message=str(exc),
                                 scope="departement")
    path = Path(done["output"])
    root = data_dir()
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    parts = ", ".join(p["code"] for p in done["parts"])
    return fetch.FetchResult(
        ROADS, fetch.DOWNLOADED, done["overpass_url"], shown, file_digest(path),
        path.stat().st_size, datetime.now(UTC).isoformat(timespec="seconds"),
        f"{done['nodes']} nœuds, {done['edges']} tronçons (départements {parts}) ; "
        f"{lay.attribution} ({lay.licence})", "departement",
    )


def fetch_territory(
    territory: Any,
    layers: Iterable[str] | None = None,
    *,
    roads: bool = True,
    overpass_url: str | None = None,
    progressbar: bool = True,
    progress: Progress | None = None,
    on_layer: Any = None,
    road_progress: RoadProgress | None = None,
    keep_going: bool = False,
) -> list[fetch.FetchResult]:
    """Fetch what ``territory`` lacks: its data layers, then its road graph.

    Parameters
    ----------
    territory
        A :class:`planner.territory.Territory`.
    layers
        Layer names (``None``: every layer the territory lacks); ``roads`` among them
        (or ``None``) asks for the road graph too.
    roads
        False: no road download (``--no-roads``).
    overpass_url
        Base URL of the Overpass API (default: osmnx's).
    progressbar, progress, keep_going
        As :func:`planner.data.fetch.fetch`.
    on_layer
        Called ``(index, count, layer)`` before each layer, the road graph included.
    road_progress
        Called before and after each département of the road download.

    Returns
    -------
    list of FetchResult
        The data layers' results, then the road graph's (``layer`` = ``roads``).
    """
    names = None if layers is None else list(layers)
    want_roads = roads and (names is None or ROADS in names)
    data_names = None if names is None else [n for n in names if n != ROADS]
    count = {"n": 0}

    def counted(index: int, total: int, lay: catalog.Layer) -> None:
        count["n"] = total
        if on_layer is not None:
            on_layer(index, total + int(want_roads), lay)

    results: list[fetch.FetchResult] = []
    if data_names is None or data_names:
        results = fetch.fetch(data_names, departements=departements_of(territory),
                              progressbar=progressbar, progress=progress, on_layer=counted,
                              keep_going=keep_going)
    if want_roads:
        if on_layer is not None:
            on_layer(count["n"], count["n"] + 1, catalog.layer(ROADS))
        log.info("réseau routier de %s", territory.spec)
        results.append(_roads_result(territory, overpass_url, road_progress, keep_going))
    return results
