"""Page 4 — Modes d'intervention: the four operating modes compared for the same advisors."""

from __future__ import annotations

import dataclasses

import streamlit as st

from app_pages import common
from planner import config
from planner.data.hours import DAY_LABELS, DAYS
from planner.data.schema import NETWORKS
from planner.optimize.assumptions import ModeAssumptions
from planner.optimize.modes import MODES, compare_modes
from planner.outputs.charts import modes_chart
from planner.outputs.text.modes import assumptions_table, french, summary
from planner.outputs.text.modes import labels as column_labels

RESULT = "modes_result"


def _form(selection: common.Selection) -> tuple[int, ModeAssumptions] | None:
    """Advisors and editable assumptions; returns them when submitted."""
    base = ModeAssumptions()
    labels = ModeAssumptions.labels()
    network_names = [n for n in NETWORKS if n != "custom"]
    with st.form("modes_form", enter_to_submit=False):
        cols = st.columns(4)
        advisors = cols[0].number_input("Nombre de conseillers", min_value=1, max_value=20,
                                        value=config.MODES_ADVISORS, step=1,
                                        key="modes_advisors")
        weekly = cols[1].number_input(labels["weekly_hours"], min_value=1.0, max_value=60.0,
                                      value=float(base.weekly_hours), step=0.5, format="%.1f",
                                      key="modes_weekly_hours")
        days = cols[2].multiselect(labels["days"], list(DAYS[:6]), default=list(base.days), format_func=DAY_LABELS.get,
                                   key="modes_days", placeholder="Choisissez des jours")
        start = cols[3].text_input(labels["day_start"], value=base.day_start, key="modes_day_start")
        cols = st.columns(4)
        stop = cols[0].number_input(labels["stop_minutes"], min_value=30.0, max_value=480.0,
                                    value=float(base.stop_minutes), step=30.0, format="%.0f",
                                    key="modes_stop_minutes")
        stops = cols[1].number_input(labels["stops_per_advisor"], min_value=1, max_value=20,
                                     value=int(base.stops_per_advisor), step=1, key="modes_stops")
        shared_days = cols[2].number_input(labels["shared_days"], min_value=0, max_value=6,
                                           value=int(base.shared_days), step=1, key="modes_shared_days")
        reach = cols[3].number_input(labels["shared_reach_minutes"], min_value=5.0, max_value=180.0,
                                     value=float(base.shared_reach_minutes), step=5.0, format="%.0f",
                                     key="modes_reach")
        with st.expander("Réseaux de chaque mode et réglages du calcul"):
            cols = st.columns(3)
            fixed = cols[0].multiselect(labels["fixed_networks"], network_names, default=list(base.fixed_networks),
                                        format_func=lambda n: NETWORKS[n][0], key="modes_fixed",
                                           placeholder="Choisissez des réseaux")
            establishments = cols[1].multiselect(labels["establishment_networks"], network_names,
                                                 default=list(base.establishment_networks),
                                                 format_func=lambda n: NETWORKS[n][0], key="modes_establishments",
                                           placeholder="Choisissez des réseaux")
            partners = cols[2].multiselect(labels["partner_networks"], network_names,
                                           default=list(base.partner_networks),
                                           format_func=lambda n: NETWORKS[n][0], key="modes_partners",
                                           placeholder="Choisissez des réseaux")
            cols = st.columns(3)
            min_open = cols[2].number_input(labels["min_open_hours"], min_value=0.0, max_value=80.0,
                                            value=float(base.min_open_hours), step=1.0, format="%.0f",
                                            key="modes_min_open",
                                            help="Un conseiller fixe ou intégré ne reçoit que pendant les horaires "
                                            "du lieu (24 h : minimum de la charte France Services).")
            limit = cols[0].slider(labels["routing_time_limit_s"], 5, 120, int(base.routing_time_limit_s),
                                   key="modes_time_limit")
            seed = cols[1].number_input(labels["seed"], min_value=0, value=int(base.seed), step=1, key="modes_seed")
            st.caption("Réseaux dont les sites existants couvrent déjà : ceux comptés dans le panneau de gauche.")
        submitted = st.form_submit_button("Comparer les modes", type="primary")
    if not submitted:
        return None
    assumptions = dataclasses.replace(
        base, weekly_hours=float(weekly), days=tuple(days), day_start=start.strip(), stop_minutes=float(stop),
        stops_per_advisor=int(stops), shared_days=int(shared_days), shared_reach_minutes=float(reach),
        covering_networks=tuple(n for n in selection.networks if n in NETWORKS),
        fixed_networks=tuple(fixed), establishment_networks=tuple(establishments), partner_networks=tuple(partners),
        routing_time_limit_s=float(limit), seed=int(seed), min_open_hours=float(min_open),
    )
    return int(advisors), assumptions


def render() -> None:
    """Render the page."""
    selection = common.current()
    st.title("Modes d'intervention")
    st.caption(
        f"{selection.territory().label} — pour le même nombre de conseillers et les mêmes heures : "
        "conseillers fixes (La Poste), itinérants (Emmaüs Connect), partagés entre un établissement et des "
        "partenaires (Croix-Rouge), intégrés chez un partenaire (Groupe SOS)."
    )
    with st.expander("Les quatre modes"):
        st.markdown("\n".join(f"- **{m.label}** ({NETWORKS[m.network][0]}) : {m.description}."
                               for m in MODES.values()))
    submitted = _form(selection)
    if submitted is not None:
        advisors, assumptions = submitted
        with common.guard("la comparaison des modes"):
            bar = st.progress(0.0, text="Préparation…")
            comparison = compare_modes(
                selection.territory(), advisors, assumptions, threshold=selection.threshold,
                coverage=selection.coverage(), sites=selection.sites(),
                travel=common.travel_model(selection.spec),
                progress=lambda f, m: bar.progress(min(max(float(f), 0.0), 1.0), text=m),
            )
            bar.progress(1.0, text="Comparaison terminée.")
            key = (selection.spec, selection.networks, selection.threshold, selection.kinds,
                   selection.demand_key, selection.user_key)
            st.session_state[RESULT] = {"key": key, "comparison": comparison}
    stored = st.session_state.get(RESULT)
    if stored is None:
        st.info("Réglez le nombre de conseillers et les hypothèses, puis cliquez sur « Comparer les modes ».")
        return
    comparison = stored["comparison"]
    key = (selection.spec, selection.networks, selection.threshold, selection.kinds, selection.demand_key,
           selection.user_key)
    if stored["key"] != key:
        st.warning("Cette comparaison a été calculée pour une autre sélection : relancez-la.", icon=":material/refresh:")
    table = french(comparison)
    st.info(summary(comparison)["conclusion"], icon=":material/balance:")
    st.caption("Demande servie : personnes que les lieux du mode peuvent aider en un an (heures de présence × "
               "personnes aidées par heure, d'après l'activité observée des conseillers numériques, ANCT 2023), "
               "réparties exactement entre les lieux à portée ; les horaires des lieux sont respectés (horaires "
               "par défaut de leur type quand ils ne sont pas connus, « à confirmer »).")
    common.table(table, key="modes_table", digits=1, percent=(column_labels(comparison.threshold)["covered_share"],))
    st.altair_chart(modes_chart(comparison), width="content")
    with st.expander("Hypothèses de cette comparaison"):
        common.table(assumptions_table(comparison.assumptions), key="modes_assumptions")
    st.download_button("Télécharger la comparaison (CSV)", common.csv_bytes(table),
                       file_name="comparaison_modes.csv", mime="text/csv", key="dl_modes", on_click="ignore")


with common.guard("la page Modes d'intervention"):
    render()
