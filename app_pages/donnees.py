"""Page 6 — Données: every layer with its provenance and load report, the user's own sites,
and the settings of the demand model (used by every page)."""

from __future__ import annotations

import contextlib

import pandas as pd
import streamlit as st

from app_pages import common, data_notice
from planner import fr
from planner.access.demand import SOURCE_VINTAGES, DemandModel
from planner.data import catalog
from planner.data.schema import NETWORKS, LoadReport
from planner.data.sources import activity, ifn2023
from planner.data.sources.communes import communes_report
from planner.data.sources.ifn import ifn_iris_report
from planner.data.sources.indicators import load_indicators
from planner.errors import DataError, PlannerError
from planner.outputs.escape import markdown_text
from planner.outputs.text.coverage import SOURCE_LABELS, describe_demand_model

#: Most issue rows shown on screen (all are in the CSV download).
MAX_ISSUES_SHOWN = 2_000
UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "geojson", "json", "gpkg"]


@st.cache_resource(show_spinner="Lecture des rapports de chargement…")
def _reports() -> dict[str, LoadReport]:
    """Load reports of the communes, site layers and indicators (shared, read-only)."""
    reports = {"communes": communes_report()}
    reports.update(common.all_sites()[1])
    with contextlib.suppress(DataError):  # indicator files absent: listed as such by the catalog table
        indicators = load_indicators(common.communes_table().head(1))[1]
        reports.update({f"indicateurs:{k}": v for k, v in indicators.items()})
    with contextlib.suppress(DataError):  # the IFN IRIS files, each file's rows accounted
        reports["ifn_iris"] = ifn_iris_report()
    with contextlib.suppress(DataError):  # IFN 2023 and the advisors' activity reports
        reports["ifn_2023_communes"] = ifn2023.load_ifn2023_report()[1]
    with contextlib.suppress(DataError):
        reports["activity_departements"] = activity.load_activity_departements()[1]
    with contextlib.suppress(DataError):
        reports["activity_postcodes"] = activity.load_activity_postcodes()[1]
    return reports


def _activity() -> None:
    """Observed activity of conseillers numériques per département (ANCT), with its vintage."""
    st.header("Activité observée des conseillers numériques")
    if not activity.activity_available()["activity_departements"]:
        st.caption("Fichier absent : « activity/conum_cra_departements_*.json » (ANCT).")
        return
    table, report = activity.load_activity_departements()
    st.caption(f"Source : {markdown_text(report.source)} — millésime {fr.vintage(report.vintage)} — "
               f"{report.licence}. Chiffres observés par département (personnes accompagnées), "
               "à lire à côté de la demande estimée ; ce ne sont pas des chiffres par commune.")
    selection = st.session_state.get(common.SELECTION)
    wanted = (set(common.territory(selection.spec).communes["departement"])
              if selection is not None and selection.spec else set())
    shown = table[table["departement"].isin(wanted)] if wanted else table
    common.table(shown.rename(columns={"departement": "département", "users": "usagers",
                                       "accompaniments": "accompagnements"})[
        ["département", "usagers", "accompagnements"]], key="activity_table")


def _layer_table(reports: dict[str, LoadReport]) -> pd.DataFrame:
    rows = []
    for name, layer in catalog.layers().items():
        files = layer.files()
        report = reports.get(name)
        rows.append({
            "couche": layer.title, "source": layer.source, "millésime": fr.vintage(layer.vintage), "licence": layer.licence,
            "fichiers": ", ".join(f.name for f in files) or "absent",
            "lignes lues": report.rows_read if report and report.file else None,
            "lignes gardées": report.rows_kept if report and report.file else None,
            "rejetées": len(report.rejected) if report and report.file else None,
            "corrigées ou suspectes": len(report.suspect) if report and report.file else None,
            "où l'obtenir": (layer.url if layer.url and layer.fetch_name else None) or layer.how,
        })
    return pd.DataFrame(rows)


def _report_table(reports: dict[str, LoadReport]) -> pd.DataFrame:
    return pd.DataFrame([{
        "rapport": name, "fichier": r.file or "absent", "source": r.source, "millésime": fr.vintage(r.vintage),
        "lignes lues": r.rows_read, "lignes gardées": r.rows_kept, "rejetées": len(r.rejected),
        "corrigées ou suspectes": len(r.suspect),
    } for name, r in reports.items()])


def _issues(report: LoadReport, key: str) -> None:
    frame = report.as_frame()
    if frame.empty:
        st.caption("Aucune ligne rejetée ni corrigée.")
        return
    if len(frame) > MAX_ISSUES_SHOWN:
        st.caption(f"{fr.integer(len(frame))} lignes signalées ; les {fr.integer(MAX_ISSUES_SHOWN)} premières "
                   "sont affichées, toutes sont dans le fichier à télécharger.")
    common.table(frame.head(MAX_ISSUES_SHOWN), key=f"issues_{key}")
    st.download_button("Télécharger le rapport (CSV)", common.csv_bytes(frame),
                       file_name=f"rapport_{key.replace(':', '_')}.csv", mime="text/csv", key=f"dl_{key}")


def _uploads() -> None:
    st.header("Vos sites")
    st.markdown(
        "Ajoutez vos propres lieux (permanences, tiers-lieux, partenaires…) : **CSV, XLSX, GeoJSON ou "
        "GeoPackage**. Colonnes reconnues : `nom`, `latitude` et `longitude` (ou une géométrie, ou "
        "`code_insee` : le site est alors placé à la mairie), `adresse`, `code_postal`, `réseau` (sinon "
        "« Sites ajoutés »), `type`, `horaires` (format OSM « Mo-Fr 09:00-12:00 » ou en français « du lundi "
        "au vendredi 9h-12h, 14h-17h ; fermé le mercredi »). Des coordonnées 0/0 valent des coordonnées "
        "absentes ; une cellule contenant une formule est signalée (sa valeur calculée est gardée, ou la "
        "ligne écartée si le classeur n'en contient pas). Les numéros de ligne sont ceux du fichier "
        "(l'en-tête est la ligne 1). Ils rejoignent toutes les pages pendant la session."
    )
    files = st.file_uploader("Fichiers de sites", type=UPLOAD_TYPES, accept_multiple_files=True, key="uploader")
    done = st.session_state.setdefault("uploads_done", set())
    added = False
    for file in files or []:
        if file.file_id in done:
            continue
        done.add(file.file_id)
        if common.add_upload(file.name, file.getvalue()):
            st.toast(f"« {markdown_text(file.name)} » ajouté.", icon=":material/check_circle:")
            added = True
    if added:  # the sidebar (drawn before this page) must offer the new layers at once
        st.rerun()
    errors = common.upload_errors()
    for name, table in list(errors.items()):
        st.error(f"Le fichier « {markdown_text(name)} » n'a pas été ajouté. Les couches déjà chargées sont conservées.",
                 icon=":material/warning:")
        common.table(table, key=f"upload_error_{name}")
        if st.button("Effacer ce message", key=f"clear_error_{name}"):
            errors.pop(name, None)
            st.rerun()
    layers = common.user_layers()
    if not layers:
        st.caption("Aucun fichier ajouté pour l'instant.")
        return
    st.subheader("Couches ajoutées")
    summary = pd.DataFrame([{
        "fichier": name, "sites": len(layer["sites"]),
        "réseaux": ", ".join(f"{NETWORKS.get(n, (n, ''))[0]} ({c})"
                             for n, c in layer["sites"]["network"].value_counts().items()),
        "lignes lues": layer["report"].rows_read, "rejetées": len(layer["report"].rejected),
        "corrigées ou suspectes": len(layer["report"].suspect),
    } for name, layer in layers.items()])
    common.table(summary, key="user_layers_table")
    for name, layer in list(layers.items()):
        with st.expander(f"Rapport de chargement — {markdown_text(name)}"):
            _issues(layer["report"], f"user:{name}")
            if st.button(f"Retirer « {name} »", key=f"remove_{name}"):
                common.remove_upload(name)
                st.rerun()


def _demand() -> None:
    st.header("Modèle de demande")
    settings = common.demand_settings()
    model = common.demand_model(common.demand_key())
    with st.form("demand_form", enter_to_submit=False):
        st.markdown("Ces réglages s'appliquent à toutes les pages (demande, zones, fiches).")
        cols = st.columns(4)
        rate = cols[0].number_input("Taux de base (%)", min_value=0.1, max_value=100.0, step=0.1,
                                    value=round(100 * model.base_rate, 2), key="dm_base_rate",
                                    help="Part de la population en difficulté numérique à facteur 1 "
                                    "(INSEE 2021 : 15,4 %).")
        low = cols[1].number_input("Facteur minimum", min_value=0.01, max_value=10.0, step=0.05,
                                   value=float(model.factor_min), key="dm_factor_min")
        high = cols[2].number_input("Facteur maximum", min_value=0.01, max_value=10.0, step=0.05,
                                    value=float(model.factor_max), key="dm_factor_max")
        use_ifn = cols[3].checkbox("Utiliser l'indice de fragilité numérique", value=model.use_ifn,
                                   key="dm_use_ifn")
        if st.form_submit_button("Appliquer", type="primary"):
            changes = {"base_rate": round(rate / 100, 6), "factor_min": float(low), "factor_max": float(high),
                       "use_ifn": bool(use_ifn)}
            try:
                DemandModel().with_changes(**changes)
            except PlannerError as exc:
                st.error(f"Réglages refusés : {markdown_text(exc)}", icon=":material/warning:")
            else:
                defaults = DemandModel()
                settings.clear()
                settings.update({k: v for k, v in changes.items() if getattr(defaults, k) != v})
                st.rerun()
    if settings and st.button("Rétablir les valeurs par défaut", key="dm_reset"):
        settings.clear()
        for key in ("dm_base_rate", "dm_factor_min", "dm_factor_max", "dm_use_ifn"):
            st.session_state.pop(key, None)
        st.rerun()
    st.markdown("**Formule en vigueur**")
    st.code(describe_demand_model(model), language=None, wrap_lines=True)
    st.markdown("**Millésime de chaque origine du facteur de fragilité**")
    common.table(pd.DataFrame([{"origine": SOURCE_LABELS.get(k, k), "millésime": fr.vintage(v)}
                               for k, v in SOURCE_VINTAGES.items()]), key="dm_vintages")


def render() -> None:
    """Render the page."""
    st.title("Données")
    st.caption("Chaque couche avec sa source, son millésime, sa licence et ce que le chargement a gardé, "
               "corrigé ou rejeté ; vos propres sites ; les réglages du modèle de demande.")
    selected = st.session_state.get(common.SELECTION)
    if selected is not None and selected.spec:
        with common.guard("la liste des données absentes"):
            data_notice.render(common.territory(selected.spec), key="donnees_missing")
    with common.guard("la liste des couches"):
        reports = _reports()
        st.header("Couches")
        common.table(_layer_table(reports), key="layers_table")
        selection = st.session_state.get(common.SELECTION)
        if selection is not None and selection.spec:
            method = common.travel_model(selection.spec).method
            st.caption("Temps d'accès du territoire choisi : " + (
                "réseau routier OpenStreetMap (© les contributeurs d'OpenStreetMap, ODbL)." if method == "road"
                else "à vol d'oiseau, corrigé par la densité (aucun réseau routier local ne couvre le territoire)."))
        with st.expander("Rapports de chargement détaillés"):
            common.table(_report_table(reports), key="reports_table")
            name = st.selectbox("Rapport", list(reports), key="report_choice", placeholder="Choisissez un rapport")
            _issues(reports[name], name)
    with common.guard("l'ajout de vos sites"):
        _uploads()
    with common.guard("l'activité des conseillers numériques"):
        _activity()
    with common.guard("les réglages du modèle de demande"):
        _demand()


with common.guard("la page Données"):
    render()
