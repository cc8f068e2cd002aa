"""Page 2 — Zones mal desservies: the ranked zones, their communes and candidate hosts."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages import common
from planner import fr
from planner.data import hours
from planner.data.schema import NETWORKS
from planner.geo import CRS_WGS84
from planner.outputs import maps
from planner.outputs.escape import markdown_text

ALL = "__all__"


def _zone_label(zone: pd.Series, rank: int) -> str:
    names = list(zone["commune_names"])
    shown = ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")
    return f"{rank}. {zone['zone_id']} — {fr.with_unit(zone['population'], 'hab.')} — {shown}"


@st.cache_resource(show_spinner="Préparation de la carte…", max_entries=32)
def zones_map(key: tuple, zone_id: str, _selection: common.Selection, _coverage) -> folium.Map:
    """Map of the zones (the selected one emphasised and zoomed to), hosts and counted sites."""
    coverage = _coverage
    zones = coverage.zones
    hosts = _hosts(coverage, _selection, zone_id)
    shown = gpd.GeoDataFrame(pd.concat([coverage.sites, hosts], ignore_index=True).drop_duplicates("site_id"),
                             geometry="geometry", crs=CRS_WGS84)
    layers = ["roads"] if coverage.method == "road" else []
    if zone_id != ALL:
        bounds = zones.loc[zones["zone_id"] == zone_id].total_bounds
        pad = 0.05
        bounds = (bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad)
    else:
        bounds = coverage.communes.total_bounds
    fmap = maps.base_map(bounds, maps.source_attributions(shown, layers))
    small = common.map_level(len(coverage.communes)) == "insee"
    if small:  # France-wide: zones only, no commune outlines
        maps.add_outline(fmap, coverage.communes)
    in_zones = coverage.communes[coverage.communes["zone_id"].notna()]
    if not small and zone_id != ALL:
        in_zones = in_zones[in_zones["zone_id"] == zone_id]
    maps.add_choropleth(fmap, in_zones, "minutes", "Temps d'accès des communes mal desservies", maps.TIME_BINS,
                        unit="min")
    maps.add_zones(fmap, zones, selected=None if zone_id == ALL else zone_id)
    maps.add_sites(fmap, shown, detail=small)
    maps.add_layer_control(fmap, collapsed=True)
    return fmap


def _hosts(coverage, selection: common.Selection, zone_id: str) -> gpd.GeoDataFrame:
    """Candidate host sites of a zone (all zones when ``ALL``)."""
    zones = coverage.zones
    ids = [h for hs in (zones["hosts"] if zone_id == ALL else zones.loc[zones["zone_id"] == zone_id, "hosts"])
           for h in hs]
    sites = selection.sites()
    return sites[sites["site_id"].isin(ids)]


def render() -> None:
    """Render the page."""
    selection = common.current()
    coverage = selection.coverage()
    zones = coverage.zones
    threshold = selection.threshold
    st.title("Zones mal desservies")
    st.caption(
        f"{markdown_text(selection.territory().label)} — communes dont des habitants sont à plus de {fr.duration(threshold)} de toute "
        "aide comptée, regroupées en zones d'un seul tenant qu'un conseiller peut couvrir ; classées par "
        "demande non couverte."
    )
    if zones.empty:
        st.success(f"Aucune zone mal desservie : toute la population est à moins de {fr.plural(threshold, 'minute')} "
                   "d'une aide comptée.")
        return
    cols = st.columns(3)
    cols[0].metric("Zones", fr.integer(len(zones)))
    cols[1].metric("Habitants au-delà du seuil", fr.integer(zones["population"].sum()))
    cols[2].metric("Personnes en difficulté numérique sans aide proche", fr.integer(zones["unmet_demand"].sum()))

    labels = {row["zone_id"]: _zone_label(row, i) for i, (_, row) in enumerate(zones.iterrows(), start=1)}
    options = [ALL, *labels]
    zone_id = st.selectbox("Zone", options, index=1, key="zone", placeholder="Choisissez une zone",
                           format_func=lambda z: "Toutes les zones" if z == ALL else labels[z],
                           help="Choisir une zone centre la carte sur elle et liste ses communes et ses lieux d'accueil.")

    key = (selection.spec, selection.networks, threshold, selection.kinds, selection.demand_key, selection.user_key)
    left, right = st.columns([3, 2])
    with left:
        fmap = zones_map(key, zone_id, _selection=selection, _coverage=coverage)
        common.show_map(fmap, height=560)
        common.map_first("zones")
    with right:
        table = pd.DataFrame({
            "rang": range(1, len(zones) + 1),
            "zone": zones["zone_id"],
            "communes": zones["communes"].map(len),
            "habitants au-delà du seuil": zones["population"],
            "demande non couverte": zones["unmet_demand"].round(0),
            "demande non servie": zones["unserved_demand"].round(0),
            "temps max (min)": zones["minutes_max"].round(0),
            "lieux d'accueil": zones["hosts"].map(len),
            "communes à confirmer": zones["communes_uncertain"].map(len),
        })
        common.table(table, key="zones_table", height=560)

    if zone_id == ALL:
        st.info("Choisissez une zone pour voir ses communes et ses lieux d'accueil possibles.")
    else:
        zone = zones.set_index("zone_id").loc[zone_id]
        st.subheader(f"Zone {zone_id} — {fr.plural(len(zone['communes']), 'commune')}")
        st.markdown(
            f"**{fr.integer(zone['population'])}** habitants au-delà de {fr.duration(threshold)}, "
            f"**{fr.integer(zone['unmet_demand'])}** personnes en difficulté numérique sans aide proche ; "
            f"temps d'accès moyen {fr.duration(zone['minutes_mean'])}, maximum "
            f"{fr.duration(zone['minutes_max'])}."
        )
        communes = coverage.communes[coverage.communes["insee"].isin(zone["communes"])]
        st.markdown("**Communes de la zone**")
        common.table(pd.DataFrame({
            "commune": communes["name"], "INSEE": communes["insee"], "population": communes["population"],
            "habitants au-delà du seuil": communes["population_out"].round(0),
            "temps depuis la mairie (min)": communes["minutes"].round(0),
            "personnes en difficulté numérique": communes["demand"].round(0),
            "à confirmer": communes["uncertain"].map({True: "à confirmer"}).fillna(""),
        }).sort_values("temps depuis la mairie (min)", ascending=False), key="zone_communes")
        hosts = _hosts(coverage, selection, zone_id)
        st.markdown("**Lieux d'accueil possibles dans la zone** (mairies, France Services, partenaires, La Poste…)")
        if hosts.empty:
            st.caption("Aucun lieu d'accueil connu dans la zone.")
        else:
            frame = pd.DataFrame({
                "réseau": hosts["network"].map(lambda n: NETWORKS.get(n, (n, ""))[0]),
                "lieu": hosts["name"], "type": hosts["kind"],
                "adresse": [" ".join(str(x) for x in (a, p) if isinstance(x, str)) for a, p in
                            zip(hosts["address"], hosts["postcode"])],
                "horaires": [hours.to_text(h if isinstance(h, dict) else None) for h in hosts["opening_hours"]],
            }).sort_values(["réseau", "lieu"])
            common.table(frame, key="zone_hosts", styled=True)
    csv = pd.DataFrame(coverage.zones.drop(columns="geometry")).assign(
        communes=lambda f: f["communes"].map(",".join), commune_names=lambda f: f["commune_names"].map(", ".join),
        hosts=lambda f: f["hosts"].map(",".join), communes_uncertain=lambda f: f["communes_uncertain"].map(",".join))
    st.download_button("Télécharger les zones (CSV)", common.csv_bytes(csv),
                       file_name="zones_mal_desservies.csv", mime="text/csv", key="dl_zones")


with common.guard("la page Zones mal desservies"):
    render()
