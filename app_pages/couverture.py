"""Page 1 — Couverture: who is within reach of digital-inclusion help, on a map and in figures."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages import common
from planner import fr
from planner.access import areas
from planner.config import OSM_ATTRIBUTION
from planner.data.schema import NETWORKS
from planner.geo import CRS_WGS84
from planner.outputs import maps
from planner.outputs.charts import network_chart
from planner.outputs.escape import markdown_text

#: Choropleth variables: label → (commune column, aggregated column, unit, digits).
VARIABLES: dict[str, tuple[str, str, str, int]] = {
    "Temps d'accès à l'aide la plus proche": ("minutes", "share_within", "min", 0),
    "Personnes en difficulté numérique (estimation)": ("demand", "demand", "", 0),
    "Facteur de fragilité numérique": ("fragility_factor", "fragility_factor", "", 2),
}
#: Classes of the share of population within the threshold (aggregated maps), good = green.
SHARE_BINS = (0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001)
SHARE_COLOURS = tuple(reversed(maps.SEQUENTIAL))
#: The map's variable until the person picks another (the first of :data:`VARIABLES`).
DEFAULT_VARIABLE = next(iter(VARIABLES))


def _shown_sites(selection: common.Selection, coverage) -> gpd.GeoDataFrame:
    """Counted sites, plus La Poste and uncounted uploaded sites (shown, not counted)."""
    extra = [*selection.shown_networks(), *([] if "custom" in selection.networks else ["custom"])]
    sites = selection.sites()
    others = sites[sites["network"].isin(extra)]
    return gpd.GeoDataFrame(pd.concat([coverage.sites, others], ignore_index=True), geometry="geometry",
                            crs=coverage.sites.crs or CRS_WGS84)


def _served_card(col, summary: dict) -> None:
    """The « demande servie » card: demand served under the sites' capacity, and the gap."""
    if summary.get("served_demand") is None:
        col.metric("Demande servie (estimation)", "—", border=True)
        return
    capacity = summary["capacity"]
    col.metric("Demande servie (estimation)", fr.integer(summary["served_demand"]),
               delta=f"{fr.integer(summary['unserved_reachable_demand'])} à portée mais non servie",
               delta_color="off", delta_arrow="off", border=True,
               help=f"Personnes que les lieux comptés peuvent aider en un an : "
               f"{fr.integer(capacity['advisor_hours_per_week'])} heures de conseiller par semaine "
               f"× {fr.decimal(capacity['people_per_advisor_hour'])} personne par heure "
               f"(activité observée des conseillers numériques, ANCT 2023) × "
               f"{fr.integer(capacity['service_weeks_per_year'])} semaines, réparties exactement entre les "
               "lieux à portée de chaque point de demande. Horaires connus pour "
               f"{fr.plural(capacity['sites_hours_known'], 'lieu', 'lieux')} sur {fr.integer(capacity['sites'])} "
               "(les autres : horaires par défaut de leur type). La demande à portée au-delà de leur "
               "capacité est « à portée mais non servie ».")


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=16)
def coverage_map(key: tuple, variable: str, with_isochrones: bool, _selection: common.Selection,
                 _coverage) -> folium.Map:
    """Build the Couverture map (cached by the selection key and the display options)."""
    selection, coverage = _selection, _coverage
    communes = coverage.communes
    level = common.map_level(len(communes))
    column, area_column, unit, digits = VARIABLES[variable]
    shown = _shown_sites(selection, coverage)
    if level != "insee":
        shown = coverage.sites  # France-wide views: counted networks only, clustered
    layers = ["ifn_iris", "ifn_scores"] if column != "minutes" else []
    layers += ["roads"] if coverage.method == "road" else []
    fmap = maps.base_map(communes.total_bounds, maps.source_attributions(shown, layers))
    threshold = coverage.threshold
    if level == "insee":
        if column == "minutes":
            bins = maps.TIME_BINS
        elif column == "fragility_factor":
            bins = maps.FRAGILITY_BINS
        else:
            bins = maps.quantile_bins(communes[column])
        maps.add_choropleth(fmap, communes, column, variable, bins, unit=unit, digits=digits)
    else:
        shapes = common.area_shapes(selection.spec, level)
        values = areas.aggregate(communes, level)
        frame = shapes.merge(values, left_on="code", right_index=True, how="left")
        if area_column == "share_within":
            caption = f"Part de la population à moins de {fr.duration(threshold)}"
            maps.add_choropleth(fmap, frame, area_column, caption, SHARE_BINS, SHARE_COLOURS, key="code",
                                fmt=fr.percent, simplify=0,
                                digits=2)
        else:
            bins = maps.FRAGILITY_BINS if area_column == "fragility_factor" else maps.quantile_bins(frame[area_column])
            maps.add_choropleth(fmap, frame, area_column, f"{variable} — par {areas.AREA_LABELS[level]}", bins,
                                key="code", digits=digits, simplify=0)
    if with_isochrones:
        iso = common.isochrones(selection.spec, selection.networks, (threshold,), selection.kinds,
                                selection.user_key, _sites=coverage.sites)
        maps.add_isochrones(fmap, iso, name=f"Accessible en {fr.duration(threshold)}")
    if level == "insee":
        maps.add_zones(fmap, coverage.zones)
    maps.add_sites(fmap, shown, detail=level == "insee")
    maps.add_layer_control(fmap)
    return fmap


def _network_table(coverage) -> pd.DataFrame:
    """Complementarity of the counted networks (French headers)."""
    by_network = coverage.by_network()
    population = coverage.points["population"].sum()
    counts = coverage.sites["network"].value_counts()
    rows = []
    for network, figures in by_network.items():
        rows.append({
            "réseau": NETWORKS[network][0],
            "sites comptés": int(counts.get(network, 0)),
            "population à moins du seuil": figures["population_within"],
            "part de la population": figures["population_within"] / population if population else None,
            "population couverte par ce seul réseau": figures["unique_population"],
        })
    return pd.DataFrame(rows)


def render() -> None:
    """Render the page."""
    selection = common.current()
    territory = selection.territory()
    coverage = selection.coverage()
    summary = coverage.summary()
    threshold = selection.threshold
    method = "par la route (OpenStreetMap)" if coverage.method == "road" else "à vol d'oiseau (pas de réseau routier local)"

    st.title("Couverture de l'aide au numérique")
    st.caption(
        f"{markdown_text(territory.label)} — {fr.plural(len(territory.communes), 'commune')} — "
        f"{fr.integer(summary['population'])} habitants — temps d'accès calculés {method}."
    )
    # What the browser draws first is what it gets first: the map goes out before the key
    # figures (drawn above it), its display options (under it) and the tables.
    kpi_slot, map_slot, options_slot = st.container(), st.container(), st.container()
    variable = st.session_state.get("cov_variable", DEFAULT_VARIABLE)
    with_iso = bool(st.session_state.get("cov_isochrones", False))
    key = (selection.spec, selection.networks, threshold, selection.kinds, selection.demand_key, selection.user_key)
    fmap = coverage_map(key, variable, with_iso, _selection=selection, _coverage=coverage)
    with map_slot:
        common.show_map(fmap, height=620)
    with options_slot:
        left, right = st.columns([3, 1])
        left.radio("Colorier les communes selon", list(VARIABLES), horizontal=True, key="cov_variable")
        right.toggle(f"Isochrones {fr.duration(threshold)}", key="cov_isochrones",
                     help="Zone atteignable en moins du seuil depuis les sites comptés.")
    with kpi_slot:
        _key_figures(coverage, summary, threshold)
    if common.map_level(len(territory.communes)) != "insee":
        st.caption(f"Territoire étendu : la carte est agrégée par "
                   f"{areas.AREA_LABELS[common.map_level(len(territory.communes))]} et ne montre que les sites comptés.")
    st.caption("Sources : " + markdown_text(fr.vintage(" ; ".join([OSM_ATTRIBUTION, *maps.source_attributions(
        _shown_sites(selection, coverage), ["ifn_iris", "ifn_scores"])]))))
    common.map_first("couverture")
    _tables(selection, coverage, summary, threshold)


def _key_figures(coverage, summary: dict, threshold: float) -> None:
    """The five key figures above the map."""
    cols = st.columns(5)
    demand_share = summary["demand_within"] / summary["demand"] if summary["demand"] else None
    share = fr.percent(summary["share_within"])
    if coverage.method == "crow_fly":  # the fallback's interval (measured error), not a single figure
        share = f"entre {fr.percent(summary['share_within_low'])} et {fr.percent(summary['share_within_high'])}"
        st.warning(f"Temps estimés à vol d'oiseau : {share} de la population à moins de {fr.duration(threshold)} "
                   f"(estimation centrale {fr.percent(summary['share_within'])}) ; "
                   f"{fr.plural(summary['communes_uncertain'], 'commune')} « à confirmer » "
                   "(fourchette de part et d'autre du seuil).")
    cols[0].metric(f"Population à moins de {fr.duration(threshold)}", fr.integer(summary["population_within"]),
                   delta=f"{share} de la population", delta_color="off",
                   delta_arrow="off", border=True,
                   help="Habitants (comptés par IRIS ou par commune) dont l'aide comptée la plus proche "
                   "est à moins du seuil.")
    cols[1].metric(f"Demande à portée ({fr.duration(threshold)})", fr.integer(summary["demand_within"]),
                   delta=f"{fr.percent(demand_share)} des personnes en difficulté numérique", delta_color="off",
                   delta_arrow="off", border=True,
                   help=f"Personnes en difficulté numérique (estimation ; {fr.integer(summary['demand'])} sur le "
                   "territoire) à moins du seuil. Voir le modèle de demande, page « Données ».")
    _served_card(cols[2], summary)
    cols[3].metric(f"Population au-delà de {fr.duration(threshold)}", fr.integer(summary["population_underserved"]),
                   delta=fr.plural(summary["communes_underserved"], "commune concernée", "communes concernées"), delta_color="off",
                   delta_arrow="off", border=True)
    cols[4].metric("Zones mal desservies", fr.integer(len(summary["zones"])),
                   delta="voir la page « Zones mal desservies »", delta_color="off", delta_arrow="off",
                   border=True)


def _tables(selection: common.Selection, coverage, summary: dict, threshold: float) -> None:
    """The tabs under the map; only the open one is computed and drawn."""
    tabs = st.tabs(list(_TABS), key="cov_tabs", on_change="rerun")
    for tab, body in zip(tabs, _TABS.values()):
        if tab.open:
            with tab:
                body(selection, coverage, summary, threshold)


def _networks_tab(selection: common.Selection, coverage, summary: dict, threshold: float) -> None:
    table = _network_table(coverage)
    st.markdown(
        "Population à moins du seuil de chaque réseau, et population que **ce seul réseau** couvre "
        "(celle qui perdrait l'accès s'il disparaissait)."
    )
    common.table(table, key="network_table", styled=True, percent=("part de la population",))
    st.altair_chart(network_chart(table, threshold), width="stretch")
    with st.expander("Recouvrement entre réseaux (population couverte par les deux)"):
        common.table(coverage.overlap().reset_index(names="réseau"), key="overlap_table")


def _thresholds_tab(selection: common.Selection, coverage, summary: dict, threshold: float) -> None:
    totals = coverage.totals().rename(columns={"seuil_min": "seuil (min)", "part_population": "part de la population",
                                               "demande": "personnes en difficulté numérique",
                                               "part_demande": "part de la demande"})
    common.table(totals, key="totals_table", percent=("part de la population", "part de la demande"))


def _epci_tab(selection: common.Selection, coverage, summary: dict, threshold: float) -> None:
    by_epci = coverage.by_area("epci").reset_index().rename(columns={"area": "EPCI"})
    keep = ["EPCI", "nom", "population", f"population_{threshold:g}min", f"part_population_{threshold:g}min",
            "demand", f"demande_{threshold:g}min"]
    by_epci = by_epci[[c for c in keep if c in by_epci.columns]].rename(columns={
        "population": "population", f"population_{threshold:g}min": "population à moins du seuil",
        f"part_population_{threshold:g}min": "part", "demand": "personnes en difficulté numérique",
        f"demande_{threshold:g}min": "dont à moins du seuil"})
    common.table(by_epci.sort_values("part"), key="epci_table", percent=("part",))


def _times_tab(selection: common.Selection, coverage, summary: dict, threshold: float) -> None:
    dist = summary["distribution"]
    frame = pd.DataFrame({
        "pondéré par": ["la population", "la demande"],
        "médiane (min)": [dist["population"]["mediane_min"], dist["demande"]["mediane_min"]],
        "90e centile (min)": [dist["population"]["p90_min"], dist["demande"]["p90_min"]],
        "maximum (min)": [dist["population"]["max_min"], dist["demande"]["max_min"]],
    })
    common.table(frame, key="distribution_table")
    communes = pd.DataFrame(coverage.communes[["insee", "name", "epci_name", "population", "minutes",
                                               "population_out", "zone_id"]])
    communes.columns = ["INSEE", "commune", "EPCI", "population", "temps depuis la mairie (min)",
                        "population au-delà du seuil", "zone"]
    st.download_button(
        "Télécharger le tableau des communes (CSV)", common.csv_bytes(communes),
        file_name=f"couverture_{selection.spec.replace(',', '-')}.csv", mime="text/csv", key="dl_communes",
    )


#: The tabs under the map: title → what draws it.
_TABS = {
    "Complémentarité des réseaux": _networks_tab,
    "Population par seuil": _thresholds_tab,
    "Par EPCI": _epci_tab,
    "Temps d'accès": _times_tab,
}


with common.guard("la page Couverture"):
    render()
