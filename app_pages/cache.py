"""Cached calls to ``planner`` shared by every page and every session.

Read-only big objects (communes, sites, territories, travel models, coverages, maps'
shapes) are kept with ``st.cache_resource``: one copy per server, never pickled, never
copied per session. Small lookup tables use ``st.cache_data``. Each cached call shows a
French message while it runs (« Chargement des communes… »); :func:`warm_up` fills the
default territory's caches step by step with one French message per step.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st

from planner.access import areas
from planner.access.coverage import compute_coverage
from planner.access.demand import DemandModel
from planner.config import DEFAULT_THRESHOLD_MIN, HELP_NETWORKS
from planner.data.read import norm_name
from planner.data.schema import LoadReport
from planner.data.sites import load_sites
from planner.data.sources.communes import load_communes
from planner.geo import CRS_WGS84
from planner.territory import departement_names, select
from planner.travel.model import model_for
from planner.travel.obtain import roads_cover

#: Territory shown at first: Corsica.
DEFAULT_DEPARTEMENTS = ("2A", "2B")


@st.cache_resource(show_spinner="Chargement des communes…")
def communes_table() -> gpd.GeoDataFrame:
    """Every commune of France (shared, read-only)."""
    return load_communes()


@st.cache_data(show_spinner=False)
def departement_options() -> dict[str, str]:
    """Département code → ``"2A — Corse-du-Sud"``, in code order (overseas last)."""
    names = departement_names()
    codes = sorted(names, key=lambda c: (c.startswith("97"), c.replace("2A", "20A").replace("2B", "20B")))
    return {c: f"{c} — {names[c]}" for c in codes}


@st.cache_data(show_spinner=False)
def epci_options() -> dict[str, str]:
    """EPCI SIREN → ``"name (SIREN)"``, sorted by name."""
    communes = communes_table()
    pairs = communes[["epci", "epci_name"]].dropna().drop_duplicates("epci").sort_values("epci_name")
    return {e: f"{n} ({e})" for e, n in zip(pairs["epci"], pairs["epci_name"])}


@st.cache_data(show_spinner=False, max_entries=64)
def commune_matches(query: str, limit: int = 50) -> dict[str, str]:
    """Communes whose name or code contains ``query`` (accents and case ignored)."""
    communes = communes_table()
    wanted = norm_name(query) if query.strip() else ""
    if not wanted:
        return {}
    keys = communes["name"].map(norm_name)
    hit = communes[keys.str.contains(wanted, regex=False) | communes["insee"].str.startswith(query.strip().upper())]
    hit = hit.assign(_starts=~keys[hit.index].str.startswith(wanted)).sort_values(["_starts", "population"],
                                                                              ascending=[True, False])
    return {i: f"{n} ({d}) — {i}" for i, n, d in zip(hit["insee"][:limit], hit["name"][:limit],
                                                        hit["departement"][:limit])}


@st.cache_resource(show_spinner="Sélection du territoire…", max_entries=16)
def territory(spec: str):
    """The territory of ``spec`` (shared, read-only)."""
    return select(spec, communes_table())


@st.cache_resource(show_spinner="Chargement des sites…")
def all_sites() -> tuple[gpd.GeoDataFrame, dict[str, LoadReport]]:
    """Every loaded site of France and the load report of each layer (shared, read-only)."""
    return load_sites(None)


@st.cache_resource(show_spinner="Sites du territoire…", max_entries=16)
def territory_sites(spec: str) -> gpd.GeoDataFrame:
    """Sites inside the territory or within the buffer around it."""
    return territory(spec).select_sites(all_sites()[0])


@st.cache_resource(show_spinner="Chargement du réseau routier…", max_entries=8)
def travel_model(spec: str):
    """The travel model of the territory (road graph when one covers it, else crow-fly)."""
    return model_for(territory(spec))


def demand_model(settings_key: str):
    """The demand model of the JSON settings key."""
    return DemandModel().with_changes(**json.loads(settings_key)) if settings_key else DemandModel()


def sites_with_user(spec: str, user_key: tuple, _user_sites: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The territory's sites with the user's uploaded sites appended."""
    base = territory_sites(spec)
    if _user_sites is None or not len(_user_sites):
        return base
    return gpd.GeoDataFrame(pd.concat([base, _user_sites], ignore_index=True), geometry="geometry",
                            crs=base.crs)


@st.cache_resource(show_spinner="Calcul des temps d'accès et des zones…", max_entries=24)
def coverage(
    spec: str,
    networks: tuple[str, ...],
    threshold: float,
    kinds: tuple[tuple[str, tuple[str, ...]], ...],
    demand_key: str,
    user_key: tuple,
    level: str = "iris",
    _user_sites: gpd.GeoDataFrame | None = None,
):
    """:func:`planner.access.coverage.compute_coverage`, cached by its inputs (read-only result)."""
    sites = sites_with_user(spec, user_key, _user_sites)
    return compute_coverage(
        territory(spec), list(networks), threshold, kinds=dict(kinds), demand_model=demand_model(demand_key),
        level=level,
        sites=sites, travel=travel_model(spec),
    )


@st.cache_resource(show_spinner="Calcul des isochrones…", max_entries=16)
def isochrones(spec: str, networks: tuple[str, ...], minutes: tuple[float, ...],
               kinds: tuple, user_key: tuple, _sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Areas within ``minutes`` of the counted sites (all together)."""
    if not len(_sites):
        return gpd.GeoDataFrame({"minutes": []}, geometry=[], crs=CRS_WGS84)
    return travel_model(spec).isochrones(_sites, minutes)


@st.cache_resource(show_spinner="Agrégation des contours…", max_entries=8)
def area_shapes(spec: str, key: str) -> gpd.GeoDataFrame:
    """Simplified polygons of the territory's EPCIs or départements (for large selections)."""
    return areas.area_shapes(territory(spec).communes, key)



@st.cache_resource(show_spinner=False, ttl=60, max_entries=32)
def roads_covered(spec: str, _territory) -> bool:
    """Whether a local road graph covers the territory (re-checked each minute, not each run)."""
    return roads_cover(_territory)


# --------------------------------------------------------------------------- warm-up


def _default_steps() -> list[tuple[str, Callable[[], object]]]:
    """The steps that fill the caches of the first page on the default territory."""
    spec = ",".join(DEFAULT_DEPARTEMENTS)
    networks = tuple(HELP_NETWORKS)
    return [
        ("Chargement des communes…", communes_table),
        ("Chargement des sites des réseaux…", all_sites),
        ("Sélection du territoire…", lambda: territory_sites(spec)),
        ("Chargement du réseau routier…", lambda: travel_model(spec)),
        ("Calcul des temps de trajet et des zones…",
         lambda: coverage(spec, networks, float(DEFAULT_THRESHOLD_MIN), (), "", ())),
    ]


@st.cache_resource(show_spinner=False)
def _warm() -> dict[str, bool]:
    """Whether the default territory's caches are filled (shared by every session)."""
    return {"done": False}


def warm_up() -> None:
    """On the server's first visit, fill the default territory's caches with one French
    progress message per step (later visits: nothing to do, nothing shown)."""
    state = _warm()
    if state["done"]:
        return
    steps = _default_steps()
    slot = st.empty()
    with slot.container():
        bar = st.progress(0.0, text="Préparation de l'application (une fois par démarrage)…")
        for i, (message, step) in enumerate(steps):
            bar.progress(i / len(steps), text=f"Étape {i + 1} sur {len(steps)} — {message}")
            step()
    slot.empty()
    state["done"] = True
