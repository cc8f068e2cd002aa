"""Streamlit app: coverage of digital-inclusion help, underserved zones, itinerant plans.

Run with ``streamlit run app.py`` (or ``make run``): it opens on Corsica. This file is the
entry: page setup, the shared sidebar (territory, networks, threshold) and navigation
between the pages of ``app_pages/``. The app holds no analysis logic: it calls
``planner`` and caches its results (see ``app_pages/common.py``).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import streamlit as st

from app_pages import chrome, layout

_started = time.perf_counter()
# Last line of defence: every page body is wrapped (app_pages.common.guard), but should an
# error escape, the browser shows a generic message, never a traceback.
st.set_option("client.showErrorDetails", "none")
st.set_page_config(
    page_title="Inclusion numérique — couverture du territoire",
    # a local file: a :material: or emoji favicon would be fetched from another host
    page_icon=str(Path(__file__).with_name("app_pages") / "favicon.png"),
    layout="wide",
    initial_sidebar_state="auto",  # collapsed under 768 px (phones), open on a computer
)
layout.apply_style()
chrome.apply()  # French words in place of Streamlit's fixed English ones
# The first run after a start imports the computing libraries (a few seconds): say so.
_loading = st.empty()
if "app_pages.common" not in sys.modules:
    _loading.info("Chargement des bibliothèques de calcul (premier affichage après le démarrage)…",
                  icon=":material/hourglass_top:")
from app_pages import cache, common  # noqa: E402 (after the message above)

_loading.empty()

PAGES = [
    # The default page is served at « / »; the hidden twin makes « /couverture » work too.
    st.Page("app_pages/couverture.py", title="Couverture", icon=":material/map:", url_path="accueil", default=True),
    st.Page("app_pages/couverture.py", title="Couverture", icon=":material/map:", url_path="couverture",
            visibility="hidden"),
    st.Page("app_pages/zones.py", title="Zones mal desservies", icon=":material/location_off:", url_path="zones"),
    st.Page("app_pages/itinerance.py", title="Itinérance", icon=":material/route:", url_path="itinerance"),
    st.Page("app_pages/modes.py", title="Modes d'intervention", icon=":material/compare_arrows:", url_path="modes"),
    st.Page("app_pages/fiche.py", title="Fiche territoire", icon=":material/description:", url_path="fiche"),
    st.Page("app_pages/donnees.py", title="Données", icon=":material/database:", url_path="donnees"),
]

navigation = st.navigation(PAGES)
with common.guard("la préparation de l'application"):
    cache.warm_up()  # first visit after a start: one French message per step


def _sidebar(expected: common.Selection | None = None) -> None:
    """The shared sidebar; after the page, checked against the selection the page used."""
    with st.sidebar:
        st.markdown("### Sélection")
    with common.guard("le panneau de sélection"):
        if expected is None:
            common.sidebar()
        else:
            common.late_sidebar(expected)


if common.page_before_sidebar():  # a new session: the page (its map) first, then the sidebar
    expected = common.default_selection()
    try:
        navigation.run()
    finally:
        _sidebar(expected)
else:
    _sidebar()
    navigation.run()
logging.getLogger("planner.app").info(
    "page « %s » exécutée en %.2f s", navigation.title, time.perf_counter() - _started
)
