"""The inputs of a coverage, loaded so that optional layers fail soft and needed ones loud.

A coverage needs the communes and the networks the user asked for by name
(``--networks``): a broken file of one of those stops it with its French error. Every
other layer is optional: the site layers of the default networks, the indicator
layers (:func:`planner.data.sources.indicators.indicator_warnings`), the IFN IRIS
files, the road graph. When one is absent or unreadable the coverage goes on with
the documented fallback and lists a :class:`~planner.data.needs.LayerWarning`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from planner.data import catalog
from planner.data.needs import LayerWarning, site_layer_warning, warning_for
from planner.data.schema import empty_sites
from planner.data.sites import DEFAULT_LAYERS, NETWORK_LAYERS, load_layer
from planner.data.sources.ifn import ifn_iris_report
from planner.data.sources.indicators import indicator_warnings, load_ifn_iris
from planner.errors import DataError
from planner.territory import Territory

log = logging.getLogger(__name__)


def needed_layers(networks: Iterable[str] | None) -> set[str]:
    """Return the site layers a coverage cannot do without: those of the networks
    asked for by name (``None``: the default networks, none of them needed)."""
    if networks is None:
        return set()
    return {layer for n in networks for layer in NETWORK_LAYERS.get(n, (n,))}


def load_hosts(
    territory: Territory, networks: Iterable[str] | None = None
) -> tuple[gpd.GeoDataFrame, list[LayerWarning]]:
    """Return the sites in and around the territory, skipping optional broken layers.

    Parameters
    ----------
    territory
        The territory.
    networks
        The networks the user asked for by name (their layers are needed: a broken
        file raises), or ``None`` (default networks: every layer optional).

    Returns
    -------
    ``(sites, warnings)``: the sites of every layer that loaded, and one warning per
    layer absent or unreadable.
    """
    try:
        return territory.sites(), _absent_site_layers()
    except DataError:
        pass  # one layer is broken: load them one by one, to keep the others
    needed = needed_layers(networks)
    frames: list[gpd.GeoDataFrame] = []
    warnings: list[LayerWarning] = _absent_site_layers()
    for layer in DEFAULT_LAYERS:
        if layer != "town_hall" and not catalog.layer(layer).files():
            continue
        try:
            frame, _ = load_layer(layer)
        except DataError as exc:
            if layer in needed:
                raise
            log.warning("couche %s illisible, ignorée : %s", layer, exc)
            warnings.append(site_layer_warning(layer, exc))
            continue
        frames.append(territory.select_sites(frame))
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_sites(), warnings
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry",
                             crs=frames[0].crs)
    return sites[~sites["site_id"].duplicated()].reset_index(drop=True), warnings


def _absent_site_layers() -> list[LayerWarning]:
    return [site_layer_warning(layer) for layer in DEFAULT_LAYERS
            if layer != "town_hall" and not catalog.layer(layer).files()
            and not catalog.layer(layer).empty_in_bundle()]  # no row here is not missing


def load_iris(departements: Iterable[str]) -> gpd.GeoDataFrame | None:
    """Return the IFN IRIS rows of the départements, or ``None`` when the layer is
    absent or unreadable (the demand is then computed per commune)."""
    if not catalog.layer("ifn_iris").files():
        return None
    try:
        return load_ifn_iris(departements)
    except DataError as exc:
        log.warning("IFN par IRIS illisible, demande par commune : %s", exc)
        return None


def _unread_iris(deps: list[str]) -> str:
    """The reason the IFN IRIS file of one of ``deps`` gave no row (a refused file), or ``""``."""
    frame = load_iris(deps)
    got = set(frame["departement"].astype(str)) if frame is not None and len(frame) else set()
    lost = [d.zfill(2) for d in deps if d.zfill(2) not in got]
    if not lost:
        return ""
    try:
        issues = ifn_iris_report().issues
    except DataError as exc:
        return exc.message
    for issue in issues:
        if any(str(issue.reason).startswith(f"{d}.csv") for d in lost):
            return str(issue.reason)
    return f"aucune ligne lue pour {', '.join(lost)}"


def coverage_warnings(
    territory: Territory, level: str, method: str, site_warnings: list[LayerWarning]
) -> list[LayerWarning]:
    """Return every optional layer a coverage of ``territory`` went without."""
    out = list(site_warnings)
    out.extend(indicator_warnings())
    if level == "iris":
        deps = sorted({str(d) for d in territory.communes["departement"].dropna().unique()})
        lay = catalog.layer("ifn_iris")
        have = {catalog.file_stem(p).zfill(2) for p in lay.files()}
        lacking = [d for d in deps if d.zfill(2) not in have]
        if lacking:
            error = None
            try:
                load_ifn_iris(deps)
            except DataError as exc:
                error = exc
            out.append(warning_for("ifn_iris", error))
        else:
            broken = _unread_iris(deps)
            if broken:
                out.append(warning_for("ifn_iris", DataError(broken)))
    if method != "road":
        out.append(warning_for("roads"))
    seen: set[tuple[str, str]] = set()
    unique = []
    for w in out:
        if (w.layer, w.problem) not in seen:
            seen.add((w.layer, w.problem))
            unique.append(w)
    return unique
