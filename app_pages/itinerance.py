"""Page 3 — Itinérance: plan the weeks of itinerant advisors and export them."""

from __future__ import annotations

import datetime as dt
import hashlib

import folium
import pandas as pd
import streamlit as st

from app_pages import common, current_tour
from planner import fr
from planner.config import CANDIDATE_NETWORKS, OSM_ATTRIBUTION
from planner.data.hours import DAY_LABELS, DAYS
from planner.data.schema import NETWORKS
from planner.errors import SettingsError
from planner.optimize.plan import REASON_NO_DEMAND_LEFT, make_plan
from planner.optimize.settings import PLAN_SETTINGS, PlanSettings, check_stop_choice
from planner.optimize.tables import PlanTables
from planner.outputs import maps
from planner.outputs.calendar import to_ics_bytes
from planner.outputs.escape import markdown_text
from planner.outputs.export import FILE_NAMES, MIME_TYPES
from planner.outputs.gps import to_geojson_bytes, to_gpx_bytes
from planner.outputs.route_sheet import route_sheet_name
from planner.outputs.route_sheet_html import route_sheet_html
from planner.outputs.route_sheet_pdf import route_sheet_pdf_bytes
from planner.outputs.spreadsheets import to_csv_bytes, to_xlsx_bytes
from planner.outputs.tables import summary_table, visit_table
from planner.outputs.validate import validate_plan

PLAN = "plan_result"
#: Shown over a plan computed with other settings than the form's or the sidebar's.
STALE = "Ce plan ne correspond plus aux réglages : relancez le calcul."
FREQUENCIES = {"weekly": "Chaque semaine", "fortnightly": "Toutes les deux semaines",
               "fourweekly": "Toutes les quatre semaines"}
STOP_DURATIONS = (60, 90, 120, 150, 180, 210, 240, 300, 360, 420)
#: Schedule columns shown first (what an advisor reads on a narrow screen).
SCHEDULE_FIRST = ("Conseiller", "Jour", "Arrivée", "Lieu", "Commune", "Début", "Fin", "Semaine", "Date")


def _candidates(selection: common.Selection) -> pd.DataFrame:
    """Sites of the territory that may host a permanence (the planner's candidate networks)."""
    sites = selection.sites()
    inside = sites[sites["inside"].fillna(True).astype(bool) & sites["network"].isin(CANDIDATE_NETWORKS)]
    inside = inside[inside["insee"].isin(selection.territory().insee)]
    return inside.drop_duplicates("site_id")


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=32)
def plan_map(token: str, day: str | None, week: int | None, _tables: PlanTables, _coverage) -> folium.Map:
    """Map of the plan (cached by the plan and the filters)."""
    visits, days = _tables.visits, _tables.days
    lons = pd.concat([visits["lon"], days["base_lon"]])
    lats = pd.concat([visits["lat"], days["base_lat"]])
    bounds = (lons.min() - 0.05, lats.min() - 0.05, lons.max() + 0.05, lats.max() + 0.05)
    if not lons.notna().any():  # no visit at all: the territory (NaN bounds break Leaflet)
        bounds = tuple(float(b) for b in _coverage.communes.total_bounds)
    attributions = [s for s in _tables.meta.get("sources", []) if "OpenStreetMap" not in s]
    fmap = maps.base_map(bounds, maps.source_attributions(None) + attributions)
    maps.add_outline(fmap, _coverage.communes)
    maps.add_plan(fmap, visits, days, day=day, week=week)
    maps.add_layer_control(fmap)
    return fmap


def _form(selection: common.Selection) -> tuple[dict, bool]:
    """The plan settings form: its current values and whether it was just submitted."""
    territory = selection.territory()
    communes = territory.communes.sort_values("name")
    commune_labels = {i: f"{n} ({i})" for i, n in zip(communes["insee"], communes["name"])}
    candidates = _candidates(selection)
    site_labels = {
        s: f"{n} — {NETWORKS.get(k, (k, ''))[0]} — {commune_labels.get(i, i)}"
        for s, n, k, i in zip(candidates["site_id"], candidates["name"], candidates["network"], candidates["insee"])
    }
    with st.form("plan_form"):
        st.markdown("**Conseillers**")
        cols = st.columns([1, 3, 3])
        advisors = cols[0].number_input("Nombre de conseillers", min_value=0, max_value=10, value=2, step=1, key="plan_advisors")
        bases = cols[1].multiselect(
            "Bases de départ", list(commune_labels), format_func=commune_labels.get, key="plan_bases",
            placeholder="par défaut : la commune la plus peuplée",
            help="Une base commune à tous les conseillers, ou une base par conseiller (dans l'ordre).",
        )
        days = cols[2].multiselect("Jours travaillés", list(DAYS[:6]), default=list(DAYS[:5]),
                                   format_func=DAY_LABELS.get, key="plan_days", placeholder="Choisissez des jours")
        cols = st.columns(4)
        start = cols[0].time_input("Début de journée", dt.time(9, 0), step=900, key="plan_start")
        end = cols[1].time_input("Fin de journée", dt.time(17, 0), step=900, key="plan_end")
        stop_minutes = cols[2].select_slider("Durée d'une permanence (min)", STOP_DURATIONS, value=180,
                                             key="plan_stop_minutes")
        frequency = cols[3].radio("Fréquence", list(FREQUENCIES), format_func=FREQUENCIES.get,
                                  key="plan_frequency")
        st.markdown("**Arrêts**")
        cols = st.columns([2, 2, 3])
        how = cols[0].radio("Choix des arrêts", ["auto", "manual"], key="plan_how",
                            format_func={"auto": "par l'outil (couverture maximale)",
                                         "manual": "à la main (liste ci-contre)"}.get)
        stops = cols[1].slider("Nombre d'arrêts", 1, 40, 12, key="plan_stops",
                               help="Lieux choisis pour couvrir le plus de demande au-delà du seuil.")
        chosen = cols[2].multiselect("Arrêts choisis à la main", list(site_labels), format_func=site_labels.get,
                                     key="plan_chosen", placeholder="mairies, France Services, La Poste…")
        with st.expander("Réglages du calcul"):
            cols = st.columns(2)
            time_limit = cols[0].slider("Temps de calcul des tournées (s)", 5, 120, 10, key="plan_time_limit")
            seed = cols[1].number_input("Graine (reproductibilité)", min_value=0, value=1, step=1, key="plan_seed")
            cols = st.columns(3)
            lunch_start = cols[0].time_input("Pause déjeuner : au plus tôt", dt.time(12, 0), step=900, key="plan_lunch_start")
            lunch_end = cols[1].time_input("Pause déjeuner : au plus tard", dt.time(13, 30), step=900, key="plan_lunch_end")
            lunch_minutes = cols[2].number_input("Durée minimale de la pause (min)", min_value=0, max_value=180,
                                                 value=45, step=5, key="plan_lunch_minutes",
                                                 help="0 : pas de pause déjeuner imposée.")
        submitted = st.form_submit_button("Calculer le plan", type="primary")
    return {
        "advisors": int(advisors), "bases": tuple(bases), "days": tuple(days),
        "window": (start.strftime("%H:%M"), end.strftime("%H:%M")), "stops": int(stops),
        "stop_minutes": float(stop_minutes), "frequency": frequency,
        "chosen_stops": tuple(chosen) if how == "manual" else (), "time_limit": float(time_limit),
        "seed": int(seed), "manual": how == "manual",
        "lunch": (lunch_start.strftime("%H:%M"), lunch_end.strftime("%H:%M")) if lunch_minutes else None,
        "lunch_minutes": float(lunch_minutes or 45),
    }, submitted


def _key(selection: common.Selection) -> tuple:
    """What the sidebar chose that a plan depends on."""
    return (selection.spec, selection.networks, selection.threshold, selection.kinds, selection.demand_key,
            selection.user_key)


def _run(selection: common.Selection, values: dict) -> None:
    """Check the settings, run the planner with a visible progress bar and keep the result.

    An impossible request (:class:`SettingsError`, the field named as the form shows it)
    or a plan without any visit clears the previous plan, so it is never shown as the answer.
    """
    st.session_state.pop(PLAN, None)
    manual = values["manual"]
    settings = PlanSettings(threshold=selection.threshold, networks=selection.networks,
                            **{k: v for k, v in values.items() if k != "manual"})
    check_stop_choice(settings, len(_candidates(selection)), manual=manual)
    bar = st.progress(0.0, text="Préparation…")
    result = make_plan(
        selection.territory(), settings, coverage=selection.coverage(), sites=selection.sites(),
        travel=common.travel_model(selection.spec),
        progress=lambda fraction, message: bar.progress(min(max(float(fraction), 0.0), 1.0), text=message),
    )
    bar.empty()
    tables = validate_plan(result.tables())
    if tables.visits.empty:
        reasons = sorted({u["reason"] for u in result.summary()["unvisited"]})
        if set(reasons) <= {"aucune demande à servir", REASON_NO_DEMAND_LEFT} and reasons:
            raise SettingsError(
                "aucune visite : toute la demande du territoire est déjà à moins de "
                f"{fr.duration(selection.threshold)} d'une aide comptée, aucun arrêt n'en ajoute",
                setting=PLAN_SETTINGS["threshold"],
                hint="baissez le seuil d'accès, retirez des réseaux comptés comme aide ou élargissez le territoire",
            )
        raise SettingsError(
            "aucune visite n'est possible avec ces réglages"
            + (f" ({' ; '.join(reasons[:3])})" if reasons else ""),
            setting=PLAN_SETTINGS["stops"],
            hint="réduisez le nombre d'arrêts, allongez la journée, raccourcissez les permanences "
                 "ou ajoutez des jours travaillés",
        )
    token = hashlib.sha256(repr((_key(selection), sorted(values.items()))).encode()).hexdigest()[:16]
    st.session_state[PLAN] = {"key": _key(selection), "values": values, "token": token, "result": result,
                              "tables": tables}


def _downloads(tables: PlanTables) -> None:
    st.subheader("Exports")
    files = [
        ("csv", "Tableur (CSV)", to_csv_bytes), ("xlsx", "Classeur (XLSX)", to_xlsx_bytes),
        ("geojson", "Carte (GeoJSON)", to_geojson_bytes), ("gpx", "GPS (GPX)", to_gpx_bytes),
        ("ics", "Agenda (ICS)", to_ics_bytes),
    ]
    cols = st.columns(len(files))
    for col, (kind, label, build) in zip(cols, files):
        col.download_button(label, build(tables), file_name=FILE_NAMES[kind], mime=MIME_TYPES[kind],
                            key=f"dl_plan_{kind}", on_click="ignore")
    st.markdown("**Feuilles de route par conseiller**")
    for advisor, name in sorted(set(zip(tables.days["advisor"], tables.days["advisor_name"]))):
        cols = st.columns([2, 1, 1])
        cols[0].markdown(markdown_text(name))
        cols[1].download_button(
            "HTML imprimable", route_sheet_html(tables, int(advisor)).encode("utf-8"),
            file_name=route_sheet_name(int(advisor), "html"), mime=MIME_TYPES["html"],
            key=f"dl_sheet_html_{advisor}", on_click="ignore")
        cols[2].download_button(
            "PDF", lambda a=int(advisor): route_sheet_pdf_bytes(tables, a),
            file_name=route_sheet_name(int(advisor), "pdf"), mime=MIME_TYPES["pdf"],
            key=f"dl_sheet_pdf_{advisor}", on_click="ignore")


def _results(selection: common.Selection, stored: dict) -> None:
    result, tables = stored["result"], stored["tables"]
    summary = result.summary()
    asked = stored["values"]["stops"]
    if not stored["values"]["manual"] and len(result.stops) < asked:
        st.warning(f"{fr.plural(asked, 'arrêt demandé', 'arrêts demandés')}, "
                   f"{fr.plural(len(result.stops), 'retenu')} : les autres lieux ne peuvent pas accueillir "
                   "une permanence dans la journée depuis les bases, ou n'ajoutent aucune demande.",
                   icon=":material/info:")
    cols = st.columns(5)
    cols[0].metric("Demande couverte", fr.percent(summary["covered_demand_share"]),
                   help="Personnes en difficulté numérique à moins du seuil d'un site existant ou d'un arrêt visité.")
    cols[1].metric("Visites", fr.integer(len(tables.visits)))
    cols[2].metric("Heures de permanence", fr.number(summary["presence_hours"], 1))
    cols[3].metric("Heures de route", fr.number(summary["drive_hours"], 1))
    cols[4].metric("Arrêts non visités", fr.integer(len(summary["unvisited"])))

    weeks = sorted(set(tables.days["week"]))
    cols = st.columns([2, 1, 3])
    day_options = ["__all__", *[d for d in DAYS if d in set(tables.days["day"])]]
    day = cols[0].selectbox("Jour", day_options, key="plan_day_filter", placeholder="Choisissez un jour",
                            format_func=lambda d: "Tous les jours" if d == "__all__" else DAY_LABELS[d])
    week = None
    if len(weeks) > 1:
        chosen = cols[1].selectbox("Semaine", ["__all__", *weeks], key="plan_week_filter", placeholder="Choisissez",
                                   format_func=lambda w: "Toutes" if w == "__all__" else f"Semaine {w}")
        week = None if chosen == "__all__" else int(chosen)
    day = None if day == "__all__" else day
    fmap = plan_map(stored["token"], day, week, _tables=tables, _coverage=result.coverage)
    common.show_map(fmap, height=560)
    st.caption("Sources : " + markdown_text(" ; ".join([OSM_ATTRIBUTION, *[s for s in tables.meta.get("sources", [])
                                                                  if "OpenStreetMap" not in s]])))

    st.subheader("Planning")
    schedule = visit_table(tables)
    shown = tables.visits
    mask = pd.Series(True, index=shown.index)
    if day:
        mask &= shown["day"] == day
    if week:
        mask &= shown["week"] == week
    shown_schedule = schedule[mask.to_numpy()].drop(columns=["Longitude", "Latitude", "Identifiant du site"])
    first = [c for c in SCHEDULE_FIRST if c in shown_schedule.columns]
    common.table(shown_schedule, key="plan_schedule",
                 column_order=[*first, *[c for c in shown_schedule.columns if c not in first]])
    common.table(summary_table(tables), key="plan_totals")
    st.subheader("Arrêts laissés de côté")
    if summary["unvisited"]:
        communes = selection.territory().communes.set_index("insee")["name"]
        common.table(pd.DataFrame([{
            "lieu": u["name"], "commune": communes.get(u["insee"], u["insee"]),
            "semaine": "toutes" if u["week"] is None else str(u["week"]), "motif": u["reason"],
        } for u in summary["unvisited"]]), key="plan_unvisited")
    else:
        st.caption("Tous les arrêts choisis sont visités.")
    _downloads(tables)


def render() -> None:
    """Render the page."""
    selection = common.current()
    st.title("Itinérance")
    st.caption(
        f"{markdown_text(selection.territory().label)} — choisissez les conseillers et leurs arrêts : l'outil place les "
        f"permanences là où la demande est au-delà de {fr.duration(selection.threshold)} d'une aide, puis organise "
        "les tournées de la semaine en respectant les horaires d'ouverture des lieux."
    )
    current_tour.render(selection)
    values, submitted = _form(selection)
    if submitted:
        with common.guard("le calcul du plan"):
            _run(selection, values)
    stored = st.session_state.get(PLAN)
    if stored is None:
        if not submitted:
            st.info("Réglez les conseillers et les arrêts, puis cliquez sur « Calculer le plan ».")
        return
    if stored["key"] != _key(selection) or stored["values"] != values:
        st.warning(STALE, icon=":material/refresh:")
    _results(selection, stored)


with common.guard("la page Itinérance"):
    render()
