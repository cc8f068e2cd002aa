"""Coverage files for QGIS: one GeoPackage (communes, zones, sites, demand points) and
CSV tables (communes, zones, EPCI), written atomically; existing files are never
replaced unless ``force=True``.

Communes and demand points carry ``minutes`` with its interval ``minutes_low`` /
``minutes_high`` next to it (crow-fly; equal to ``minutes`` by road); communes carry
``uncertain`` (the interval straddles the threshold: « à confirmer ») and zones
``communes_uncertain`` (their uncertain communes' INSEE codes)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.access.coverage import Coverage
from planner.data import hours
from planner.data.cache import atomic_write
from planner.errors import DataError

log = logging.getLogger(__name__)

#: Layers of the GeoPackage, in order, and the coverage attribute each comes from.
GPKG_LAYERS: tuple[tuple[str, str], ...] = (
    ("communes", "communes"), ("zones", "zones"), ("sites", "sites"), ("points_de_demande", "points"),
)


def coverage_paths(out_dir: str | Path) -> list[Path]:
    """Return the files :func:`write_coverage` writes into ``out_dir``, in order."""
    out = Path(out_dir)
    return [out / "couverture.gpkg", out / "communes.csv", out / "zones.csv", out / "epci.csv"]


def write_coverage(coverage: Coverage, out_dir: str | Path, force: bool = False) -> list[Path]:
    """Write a GeoPackage and CSV tables (``;``-separated, UTF-8 with BOM) of a coverage.

    Parameters
    ----------
    coverage
        The coverage (:func:`planner.access.coverage.compute_coverage`).
    out_dir
        The output folder (created if missing).
    force
        Replace existing files.

    Returns
    -------
    list of Path
        ``couverture.gpkg``, ``communes.csv``, ``zones.csv``, ``epci.csv``.

    Raises
    ------
    DataError
        When ``out_dir`` is a file, or a target exists and ``force`` is not set (nothing
        is written then).
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DataError("le chemin de sortie n'est pas un dossier", file=out, hint="indiquez un dossier avec --out")
    targets = coverage_paths(out)
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise DataError(
            f"le fichier existe déjà : {existing[0]}",
            file=existing[0], hint="choisissez un autre dossier ou ajoutez --force pour l'écraser",
        )
    layers = {name: _interval_after_minutes(flat(getattr(coverage, attribute))) for name, attribute in GPKG_LAYERS}

    def gpkg(tmp: Path) -> None:
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG")

    atomic_write(targets[0], gpkg)
    tables = (
        (targets[1], pd.DataFrame(layers["communes"].drop(columns="geometry")), False),
        (targets[2], pd.DataFrame(layers["zones"].drop(columns="geometry")), False),
        (targets[3], coverage.by_area("epci"), True),
    )
    for path, table, index in tables:
        atomic_write(path, _csv_writer(table, index))
    log.info("couverture écrite dans %s", out)
    return targets


def _interval_after_minutes(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Put ``minutes_low``/``minutes_high`` (the crow-fly interval; equal to ``minutes`` by road) next to ``minutes``."""
    if not {"minutes", "minutes_low", "minutes_high"} <= set(frame.columns):
        return frame
    cols = [c for c in frame.columns if c not in ("minutes_low", "minutes_high")]
    at = cols.index("minutes") + 1
    return frame[[*cols[:at], "minutes_low", "minutes_high", *cols[at:]]]


def _csv_writer(table: pd.DataFrame, index: bool) -> Callable[[Path], None]:
    """A writer of ``table`` as ``;``-separated UTF-8 (with BOM) CSV, for :func:`atomic_write`."""

    def write(tmp: Path) -> None:
        table.to_csv(tmp, index=index, encoding="utf-8-sig", sep=";")

    return write


def flat(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy writable to GeoPackage/CSV: lists joined by commas, weekly hours as
    text, geometry columns other than the active one dropped."""
    out = frame.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if isinstance(out[col].dtype, gpd.array.GeometryDtype):
            out = out.drop(columns=col)
        elif col in ("opening_hours", "town_hall_hours"):
            out[col] = [hours.to_text(h) if isinstance(h, dict) else None for h in out[col]]
        elif out[col].dtype == object and out[col].map(lambda v: isinstance(v, (list, tuple))).any():
            out[col] = out[col].map(lambda v: ",".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
    return out
