"""Page 5 — Fiche territoire: one commune or EPCI at a glance, printable (HTML and PDF)."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages import common
from planner import fr
from planner.geo import CRS_WGS84
from planner.outputs import maps, sheet_render, sheet_text
from planner.outputs.escape import markdown_text
from planner.outputs.sheet import TerritorySheet, territory_sheet


@st.cache_resource(show_spinner="Préparation de la fiche…", max_entries=64)
def sheet(key: tuple, code: str, _main, _extra) -> TerritorySheet:
    """The sheet of ``code`` (cached by the selection key)."""
    return territory_sheet(_main, code, extra=_extra)


@st.cache_data(show_spinner="Préparation du PDF…", max_entries=64)
def sheet_pdf(key: tuple, code: str, _sheet: TerritorySheet) -> bytes:
    """The sheet as PDF (cached)."""
    return sheet_render.sheet_pdf_bytes(_sheet)


@st.cache_resource(show_spinner=False, max_entries=32)
def sheet_map(key: tuple, code: str, _main, _extra, _sheet: TerritorySheet) -> folium.Map:
    """Small map of the place and its nearest permanences."""
    communes = _main.communes
    place = communes[(communes["insee"] == code) | (communes["epci"] == code)]
    sites = pd.concat([c.sites for c in (_main, _extra) if c is not None], ignore_index=True)
    wanted = set(_sheet.permanences["site_id"])
    near = gpd.GeoDataFrame(sites[sites["site_id"].isin(wanted)].drop_duplicates("site_id"), geometry="geometry",
                            crs=CRS_WGS84)
    bounds = pd.concat([place.geometry.bounds, near.geometry.bounds]).agg(
        {"minx": "min", "miny": "min", "maxx": "max", "maxy": "max"}).to_numpy()
    fmap = maps.base_map(bounds, maps.source_attributions(near, ["roads"] if _main.method == "road" else []))
    maps.add_choropleth(fmap, place, "minutes", "Temps d'accès depuis la mairie", maps.TIME_BINS, unit="min")
    maps.add_sites(fmap, near)
    maps.add_layer_control(fmap)
    return fmap


def _options(selection: common.Selection) -> dict[str, str]:
    communes = selection.territory().communes.sort_values("name")
    options = {i: f"{n} ({i})" for i, n in zip(communes["insee"], communes["name"])}
    epcis = communes[["epci", "epci_name"]].dropna().drop_duplicates("epci").sort_values("epci_name")
    options.update({e: f"EPCI — {n} ({e})" for e, n in zip(epcis["epci"], epcis["epci_name"])})
    return options


def render() -> None:
    """Render the page."""
    selection = common.current()
    main = selection.coverage()
    shown = selection.shown_networks()
    extra = selection.coverage(shown, level="commune") if shown else None
    options = _options(selection)
    territory = selection.territory()
    largest = territory.communes.sort_values("population", ascending=False)["insee"].iloc[0]
    st.title("Fiche territoire")
    st.caption("Une commune ou un EPCI en un coup d'œil, pour les élus : qui le couvre, à quelle distance, "
               "avec quels horaires. À imprimer ou à télécharger.")
    code = st.selectbox("Commune ou EPCI", list(options), index=list(options).index(largest),
                        format_func=options.get, key="fiche_code",
                        placeholder="Tapez le nom d'une commune ou d'un EPCI")
    key = (selection.spec, selection.networks, selection.threshold, selection.kinds, selection.demand_key,
           selection.user_key)
    data = sheet(key, code, _main=main, _extra=extra)

    st.header(markdown_text(data.name))
    st.caption(f"{markdown_text(data.context)} — territoire analysé : {markdown_text(data.territory)}")
    st.info(markdown_text(sheet_text.headline(data)))
    cols = st.columns(3)
    for i, ((label, value), source) in enumerate(zip(sheet_text.figures(data), sheet_text.figure_sources(data))):
        cols[i % 3].metric(label, value, help=f"Source : {markdown_text(source)}")

    where = "depuis la mairie" if data.kind == "commune" else "depuis la mairie la plus éloignée"
    st.subheader(f"Temps d'accès à l'aide la plus proche, par réseau ({where})")
    access = pd.DataFrame({
        "réseau": data.access["réseau"],
        "compté": data.access["compté"].map({True: "oui", False: "non (affiché seulement)"}),
        "temps": [sheet_text.access_range(m, lo, hi) for m, lo, hi in
                  zip(data.access["minutes"], data.access["minutes_low"], data.access["minutes_high"])],
        "distance": data.access["km"].map(fr.km),
        "site le plus proche": [", ".join(str(x) for x in (s, c) if isinstance(x, str)) or "—"
                                for s, c in zip(data.access["site"], data.access["commune_site"])],
        f"à moins de {fr.duration(selection.threshold)}": data.access["dans_le_seuil"].map({True: "oui", False: "non"}),
    })
    common.table(access, key="fiche_access", styled=True)
    if data.absent:
        st.caption(f"Aucun site à proximité pour : {markdown_text(', '.join(data.absent))}.")

    left, right = st.columns([3, 2])
    with left:
        st.subheader("Permanences les plus proches et leurs horaires")
        perm = data.permanences.assign(temps=data.permanences["minutes"].map(sheet_text.access_time))
        common.table(perm[["réseau", "nom", "adresse", "horaires", "temps"]], key="fiche_permanences", styled=True)
    with right:
        fmap = sheet_map(key, code, _main=main, _extra=extra, _sheet=data)
        common.show_map(fmap, height=360)

    if data.zones:
        st.subheader("Zone mal desservie")
        for z in data.zones:
            st.markdown(
                f"**Zone {markdown_text(z['zone_id'])}** (rang {z['rank']} par demande non couverte) : "
                f"{fr.integer(z['population'])} habitants au-delà du seuil, {fr.integer(z['unmet_demand'])} "
                f"personnes en difficulté numérique sans aide proche. "
                f"Communes : {markdown_text(sheet_text.zone_communes(z))}."
            )
    if data.kind == "epci":
        st.subheader("Communes de l'EPCI, de la plus éloignée à la plus proche d'une aide")
        communes = data.communes.assign(**{"à_confirmer": data.communes["à_confirmer"].map(
            {True: sheet_text.TO_CONFIRM, False: ""})})
        common.table(communes.rename(columns={"minutes": "temps (min)", "à_confirmer": "à confirmer",
                                              "population_hors_seuil": "habitants au-delà du seuil"}),
                     key="fiche_communes", column_config={"temps (min)": st.column_config.NumberColumn(format="%.0f")})
    with st.expander("Comment lire cette fiche"):
        for note in sheet_text.notes(data):
            st.markdown(f"- {markdown_text(note)}")
    st.caption("Sources : " + markdown_text(" ; ".join(sheet_text.sources(data))))

    cols = st.columns(2)
    cols[0].download_button("Télécharger la fiche (HTML, imprimable)", sheet_render.sheet_html(data).encode("utf-8"),
                            file_name=sheet_render.sheet_file_name(data, "html"), mime="text/html", key="dl_fiche_html",
                            icon=":material/description:")
    cols[1].download_button("Télécharger la fiche (PDF)", sheet_pdf(key, code, _sheet=data),
                            file_name=sheet_render.sheet_file_name(data, "pdf"), mime="application/pdf",
                            key="dl_fiche_pdf", icon=":material/print:")


with common.guard("la page Fiche territoire"):
    render()
