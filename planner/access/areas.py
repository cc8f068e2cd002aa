"""Coverage figures per EPCI or département, and their outlines (large territories).

Above a few thousand communes, maps and tables show areas instead: :func:`aggregate` sums
a coverage's commune figures by area, :func:`area_shapes` dissolves the commune polygons
into the areas' outlines. Both return data; drawing them is :mod:`planner.outputs.maps`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.access.stats import weighted_fragility
from planner.geo import CRS_WGS84, union
from planner.territory import departement_names

#: French labels of the area levels (commune, EPCI, département), as plural nouns.
AREA_LABELS: dict[str, str] = {"insee": "communes", "epci": "EPCI", "departement": "départements"}
#: Simplification tolerance of dissolved outlines, degrees (about 500 m).
AREA_SIMPLIFY_DEG = 0.005


def area_shapes(communes: gpd.GeoDataFrame, key: str, simplify: float = AREA_SIMPLIFY_DEG) -> gpd.GeoDataFrame:
    """Dissolve communes into their EPCIs or départements, with simplified outlines.

    Parameters
    ----------
    communes
        Canonical communes (``epci``, ``epci_name``, ``departement``, polygons).
    key
        ``"epci"`` or ``"departement"``.
    simplify
        Simplification tolerance in degrees of the dissolved outlines.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name`` and the simplified ``geometry`` (in the communes' CRS, WGS84
        when unset), one row per area in code order.
    """
    frame = communes[communes[key].notna() & communes.geometry.notna()]
    codes, inverse = np.unique(frame[key].astype("str").to_numpy(), return_inverse=True)
    geoms = frame.geometry.to_numpy()
    shapes = [union(geoms[inverse == i]) for i in range(len(codes))]
    if key == "epci":
        names = frame.drop_duplicates("epci").set_index("epci")["epci_name"].reindex(codes).to_numpy()
    else:
        known = departement_names()
        names = [known.get(c, c) for c in codes]
    out = gpd.GeoDataFrame({"code": codes, "name": names}, geometry=shapes, crs=communes.crs or CRS_WGS84)
    out["geometry"] = out.geometry.simplify(simplify, preserve_topology=True)
    return out


def aggregate(communes: pd.DataFrame, key: str) -> pd.DataFrame:
    """Sum a coverage's commune figures by EPCI or département.

    Parameters
    ----------
    communes
        :attr:`planner.access.coverage.Coverage.communes` (``population``,
        ``population_within``, ``demand``, ``demand_out``, ``fragility_factor``, ``minutes``).
    key
        ``"epci"`` or ``"departement"``.

    Returns
    -------
    pandas.DataFrame
        Indexed by area code: ``population``, ``population_within``, ``demand``,
        ``demand_out``, ``share_within``, ``fragility_factor`` (population-weighted,
        :func:`planner.access.stats.weighted_fragility`) and ``minutes_max`` (longest
        commune access time).
    """
    area = communes[key].astype("str")
    frame = pd.DataFrame({
        "area": area,
        "population": communes["population"].astype(float),
        "population_within": communes["population_within"].fillna(0).astype(float),
        "demand": communes["demand"].fillna(0).astype(float),
        "demand_out": communes["demand_out"].fillna(0).astype(float),
        "minutes_max": communes["minutes"].astype(float),
    })
    grouped = frame.groupby("area")
    out = grouped[["population", "population_within", "demand", "demand_out"]].sum()
    out["share_within"] = out["population_within"] / out["population"].where(out["population"] > 0)
    fragility = weighted_fragility(communes, by=area)
    assert isinstance(fragility, pd.Series)  # grouped: one figure per area
    out["fragility_factor"] = fragility.reindex(out.index)
    out["minutes_max"] = grouped["minutes_max"].max()
    return out
