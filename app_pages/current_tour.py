"""Itinérance — « Tournée actuelle / Tournée proposée »: upload the tour run today, see it evaluated
and a better one for the same advisors and at most the same hours, side by side.

UI only: reading the file is :mod:`planner.data.sources.current_tour`, the evaluation and the
proposal :mod:`planner.optimize.current_tour`.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import folium
import pandas as pd
import streamlit as st

from app_pages import common
from planner import fr
from planner.config import OSM_ATTRIBUTION
from planner.data.sources.current_tour import load_current_tour
from planner.optimize.current_tour import TourComparison, TourFigures, compare_tour
from planner.optimize.settings import PlanSettings
from planner.optimize.tables import PlanTables
from planner.outputs import maps
from planner.outputs.escape import markdown_text
from planner.outputs.tables import visit_table
from planner.outputs.validate import validate_plan

TOUR = "current_tour_result"
#: The column headers the file may use, shown as help.
FORMAT_HELP = (
    "Une ligne par permanence : « nom », « code_insee » ou « latitude »/« longitude », puis soit "
    "« horaires » au format OSM (par exemple « week 1-53/2 Tu 09:00-12:30 »), soit « jour », "
    "« debut », « fin » et « semaines » (toutes, impaires, paires, une sur quatre) ; en option "
    "« garder » (oui/non) pour garder l'arrêt, « conseiller » pour dire qui le tient. Les conseillers "
    "sont ceux du fichier (colonne « conseiller », sinon autant que de permanences simultanées) : la "
    "proposition en garde le même nombre, le nombre de conseillers du plan ci-dessus ne s'applique pas ici. "
    "Les rythmes autres que chaque semaine, une sur deux ou une sur quatre toute l'année sont signalés "
    "(lignes « suspecte ») ou écartés."
)


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=16)
def tour_map(token: str, side: str, _tables: PlanTables, _communes) -> folium.Map:
    """Map of one tour (cached by the comparison and the side shown)."""
    visits, days = _tables.visits, _tables.days
    lons = pd.concat([visits["lon"], days["base_lon"]])
    lats = pd.concat([visits["lat"], days["base_lat"]])
    if lons.notna().any():
        bounds = (lons.min() - 0.05, lats.min() - 0.05, lons.max() + 0.05, lats.max() + 0.05)
    else:
        bounds = tuple(float(b) for b in _communes.total_bounds)
    attributions = [s for s in _tables.meta.get("sources", []) if "OpenStreetMap" not in s]
    fmap = maps.base_map(bounds, maps.source_attributions(None) + attributions)
    maps.add_outline(fmap, _communes)
    maps.add_plan(fmap, visits, days)
    maps.add_layer_control(fmap, collapsed=True)
    return fmap


def _run(selection: common.Selection, data: bytes, name: str, bases: tuple[str, ...], stop_minutes: float) -> None:
    """Read the uploaded tour, evaluate it and propose a better one; keep the result."""
    st.session_state.pop(TOUR, None)
    territory = selection.territory()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        sessions, report = load_current_tour(path, territory.communes)
    settings = PlanSettings(bases=bases, stop_minutes=stop_minutes, threshold=selection.threshold,
                            networks=selection.networks, time_limit=5.0)
    with st.spinner("Évaluation de la tournée actuelle et recherche d'une meilleure tournée…"):
        result = compare_tour(territory, sessions, report, settings, coverage=selection.coverage(),
                              travel=common.travel_model(selection.spec))
    token = hashlib.sha256(data + repr((selection.spec, bases, stop_minutes)).encode()).hexdigest()[:16]
    st.session_state[TOUR] = {"token": token, "result": result}


def _figures(col, title: str, f: TourFigures, other: TourFigures | None) -> None:
    """The figures of one tour (with the change from the current one on the proposed side)."""
    col.markdown(f"**{title}**")
    cells = col.columns(2)

    def delta(value: float, ref: float | None, digits: int) -> str | None:
        return None if ref is None else ("+" if value >= ref else "") + fr.number(value - ref, digits)

    cells[0].metric("Présence (h/semaine)", fr.number(f.presence_hours, 1),
                    delta(f.presence_hours, other and other.presence_hours, 1), delta_color="off")
    cells[1].metric("Conduite (h/semaine)", fr.number(f.drive_hours, 1),
                    delta(f.drive_hours, other and other.drive_hours, 1), delta_color="inverse")
    cells[0].metric("Demande à portée", fr.number(f.covered_demand),
                    delta(f.covered_demand, other and other.covered_demand, 0),
                    help="Personnes en difficulté numérique à moins du seuil d'un site existant ou d'un arrêt.")
    cells[1].metric("Demande servie (estimation)", fr.number(f.served_demand),
                    delta(f.served_demand, other and other.served_demand, 0),
                    help="Personnes aidées par an par les sites existants et les arrêts de la tournée, sous leur "
                         "capacité : heures de présence × personnes aidées par heure (activité publiée des "
                         "conseillers numériques).")


def _side(col, key: str, title: str, tables: PlanTables, figures: TourFigures, other: TourFigures | None,
          token: str, communes) -> None:
    _figures(col, title, figures, other)
    with col:
        common.show_map(tour_map(token, key, _tables=tables, _communes=communes), height=420)
        schedule = visit_table(tables)
        keep = [c for c in ("Conseiller", "Semaine", "Jour", "Lieu", "Commune", "Début", "Fin", "Statut des horaires",
                            "Trajet depuis l'étape précédente (min)") if c in schedule.columns]
        common.table(schedule[keep], key=f"tour_table_{key}")


def _results(selection: common.Selection, stored: dict) -> None:
    result: TourComparison = stored["result"]
    communes = result.plan.coverage.communes
    current = validate_plan(result.current_tables())
    proposed = validate_plan(result.plan.tables(result.week_start()))  # week 1 on an odd ISO week, as the file
    left, right = st.columns(2)
    _side(left, "current", f"Tournée actuelle (cycle de {fr.plural(result.weeks, 'semaine')})", current,
          result.current, None, stored["token"], communes)
    _side(right, "proposed", "Tournée proposée", proposed, result.proposed, result.current, stored["token"], communes)
    st.caption("Chiffres par semaine, en moyenne sur le cycle. Sources : "
               + markdown_text(" ; ".join([OSM_ATTRIBUTION, result.report.source])))
    st.caption(f"Proposition avec les mêmes conseillers que la tournée actuelle "
               f"({fr.plural(len(result.plan.routes.advisors), 'conseiller')}) ; semaine 1 des deux tournées : "
               f"semaine du {fr.date(result.week_start())}.")
    if result.locked:
        st.caption(f"{fr.plural(len(result.locked), 'arrêt gardé', 'arrêts gardés')} à l'identique (colonne « garder »).")
    issues = [i.as_dict() for i in result.report.issues]
    if issues:
        st.markdown("**Lignes du fichier écartées ou corrigées**")
        common.table(pd.DataFrame(issues), key="tour_issues")


def render(selection: common.Selection) -> None:
    """Render the « Tournée actuelle / Tournée proposée » section of the Itinérance page."""
    stored = st.session_state.get(TOUR)
    opened = stored is not None or st.session_state.get("tour_upload") is not None
    with st.expander("Tournée actuelle / Tournée proposée", expanded=opened):
        st.caption(markdown_text(FORMAT_HELP))
        communes = selection.territory().communes.sort_values("name")
        labels = {i: f"{n} ({i})" for i, n in zip(communes["insee"], communes["name"])}
        with st.form("tour_form"):
            upload = st.file_uploader("Tournée actuelle (CSV ou XLSX)", type=["csv", "xlsx"], key="tour_upload")
            cols = st.columns([3, 1])
            bases = cols[0].multiselect("Bases des conseillers", list(labels), format_func=labels.get,
                                        key="tour_bases", placeholder="par défaut : la commune la plus peuplée")
            stop_minutes = cols[1].select_slider("Permanences proposées (min)", (60, 90, 120, 150, 180, 210, 240),
                                                 value=180, key="tour_stop_minutes")
            submitted = st.form_submit_button("Évaluer et proposer")
        if submitted:
            if upload is None:
                st.warning("Choisissez d'abord le fichier de la tournée actuelle.", icon=":material/upload_file:")
            else:
                with common.guard("la tournée actuelle"):
                    _run(selection, upload.getvalue(), upload.name, tuple(bases), float(stop_minutes))
            stored = st.session_state.get(TOUR)
        if stored is not None:
            _results(selection, stored)
