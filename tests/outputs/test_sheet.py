"""The « Fiche territoire » (planner.outputs.sheet, sheet_text, sheet_render): figures read
from the coverage, escaped HTML, a real PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.access.coverage import compute_coverage
from planner.data.hours import DAY_LABELS, DAYS
from planner.errors import SettingsError
from planner.outputs import sheet_render, sheet_text
from planner.outputs.sheet import TerritorySheet, compact_hours, territory_sheet


@pytest.fixture(scope="module")
def inputs(corsica, travel, coverage):
    """Coverage of Corsica by the help networks (conftest), and by La Poste (shown, not counted)."""
    return coverage, compute_coverage(corsica, ["la_poste"], travel=travel, level="commune")


def _underserved_commune(main) -> str:
    communes = main.communes
    return communes.loc[communes["zone_id"].notna()].sort_values("insee")["insee"].iloc[0]


def test_commune_sheet_reads_the_coverage(inputs) -> None:
    main, extra = inputs
    code = _underserved_commune(main)
    sheet = territory_sheet(main, code, extra=extra, today=dt.date(2025, 1, 6))
    row = main.communes.set_index("insee").loc[code]
    assert sheet.kind == "commune" and sheet.name == row["name"]
    assert sheet.population == row["population"]
    assert sheet.population_within == pytest.approx(row["population_within"])
    assert sheet.demand == pytest.approx(row["demand"])
    assert sheet.fragility_factor == pytest.approx(row["fragility_factor"])
    access = sheet.access.set_index("network")
    for network in main.networks:
        minutes = row[f"minutes_{network}"]
        if np.isfinite(minutes):
            assert access.loc[network, "minutes"] == pytest.approx(minutes)
            assert access.loc[network, "compté"]
            assert access.loc[network, "dans_le_seuil"] == (minutes <= main.threshold)
        else:
            assert network not in access.index
    # La Poste is shown, marked not counted
    assert access.loc["la_poste", "minutes"] == pytest.approx(extra.communes.set_index("insee").loc[code, "minutes"])
    assert not access.loc["la_poste", "compté"]
    assert sheet.covered_by == [access.loc[n, "réseau"] for n in access.index
                                if access.loc[n, "compté"] and access.loc[n, "dans_le_seuil"]]
    # zone membership and rank from the coverage
    assert [z["zone_id"] for z in sheet.zones] == [row["zone_id"]]
    assert sheet.zones[0]["rank"] == list(main.zones["zone_id"]).index(row["zone_id"]) + 1
    # permanences: the nearest site of each network, by time, with its hours
    minutes = sheet.permanences["minutes"].tolist()
    assert minutes == sorted(minutes) and minutes[0] == pytest.approx(access["minutes"].min())
    assert set(sheet.permanences["site_id"]) <= set(main.sites["site_id"]) | set(extra.sites["site_id"])
    assert sheet.absent == ["Lieux de médiation numérique", "Emmaüs Connect", "Groupe SOS", "Reconnect"]


def test_ajaccio_is_covered_by_every_network_present(inputs) -> None:
    main, extra = inputs
    sheet = territory_sheet(main, "2A004", extra=extra)
    assert sheet.name == "Ajaccio" and sheet.population == 70659
    assert sheet.zones == []
    assert sheet.covered_by == ["France Services", "Conseillers numériques", "Aidants Connect",
                                "Croix-Rouge française"]
    assert sheet_text.headline(sheet).startswith(
        "Depuis la mairie, la commune a une aide au numérique à moins de 30 minutes : France Services, "
    )


def test_epci_sheet_sums_its_communes_and_takes_the_farthest_town_hall(inputs) -> None:
    main, extra = inputs
    epci = main.communes.loc[main.communes["insee"] == _underserved_commune(main), "epci"].iloc[0]
    sheet = territory_sheet(main, epci, extra=extra)
    members = main.communes[main.communes["epci"] == epci]
    assert sheet.kind == "epci" and len(sheet.communes) == len(members)
    assert sheet.population == members["population"].sum()
    assert sheet.demand == pytest.approx(members["demand"].sum())
    access = sheet.access.set_index("network")
    assert access.loc["france_services", "minutes"] == pytest.approx(members["minutes_france_services"].max())
    assert sheet.communes["minutes"].tolist() == sorted(sheet.communes["minutes"], reverse=True)
    assert set(sheet.communes["insee"]) == set(members["insee"])


def test_unknown_code_is_a_french_error(inputs) -> None:
    main, _ = inputs
    with pytest.raises(SettingsError, match="ni une commune ni un EPCI du territoire analysé"):
        territory_sheet(main, "75056")


def test_html_is_self_contained_printable_and_escaped(inputs) -> None:
    main, extra = inputs
    sheet = territory_sheet(main, _underserved_commune(main), extra=extra, today=dt.date(2025, 1, 6))
    evil = dataclasses.replace(sheet, name='<script>alert("x")</script>', context="<b>ctx</b>")
    page = sheet_render.sheet_html(evil)
    assert "<script>" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;b&gt;ctx&lt;/b&gt;" in page
    assert "@page { size: A4" in page and '<html lang="fr">' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no external resource
    assert "lundi 6 janvier 2025" in page
    assert "© les contributeurs d&#39;OpenStreetMap" in page and "La Poste (2020)" in page


def test_pdf_is_a_real_a4_pdf_with_embedded_dejavu(inputs) -> None:
    main, extra = inputs
    sheet = territory_sheet(main, "2A004", extra=extra, today=dt.date(2025, 1, 6))
    pdf = sheet_render.sheet_pdf_bytes(sheet)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"DejaVu" in pdf
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4 portrait
    assert b"/Count 1\n" in pdf  # one page
    assert sheet_render.sheet_file_name(sheet, "pdf") == "fiche_territoire_2A004.pdf"


_SPANS = st.sampled_from([[("09:00", "12:00")], [("09:00", "12:00"), ("14:00", "17:00")], [("13:30", "18:00")]])


@given(st.dictionaries(st.sampled_from(DAYS), _SPANS, min_size=1))
def test_compact_hours_keeps_every_open_day(week: dict) -> None:
    text = compact_hours(week)
    for spans in week.values():
        hours_text = ", ".join(f"{a}–{b}" for a, b in spans)
        assert hours_text in text
    runs = text.split(" ; ")
    assert len(runs) <= len(week)
    # a day absent from the week is never named alone
    for day in set(DAYS) - set(week):
        assert not any(r.startswith(DAY_LABELS[day] + " ") for r in runs)


def test_compact_hours_groups_consecutive_days() -> None:
    week = {d: [("09:00", "12:00"), ("14:00", "17:00")] for d in DAYS[:5]}
    week["sam"] = [("09:00", "12:00")]
    assert compact_hours(week) == "lundi–vendredi 09:00–12:00, 14:00–17:00 ; samedi 09:00–12:00"
    assert compact_hours({"lun": [("09:00", "12:00")], "mer": [("09:00", "12:00")]}) == (
        "lundi 09:00–12:00 ; mercredi 09:00–12:00"
    )
    assert compact_hours(None) == "horaires non renseignés"


def _made_up_sheet(**changes) -> TerritorySheet:
    """Made-up commune sheet: only the figures the texts read are meaningful."""
    base = dict(
        kind="commune", code="2B999", name="Village", context="Commune 2B999", territory="Corse",
        threshold=30.0, method="road", population=1234, population_within=617.0, demand=190.5,
        demand_within=90.0, fragility_factor=None, counted=["france_services"], access=pd.DataFrame(),
        covered_by=[], absent=[], zones=[], permanences=pd.DataFrame(), generated=dt.date(2025, 1, 1),
    )
    return TerritorySheet(**{**base, **changes})


def test_texts_of_a_made_up_sheet() -> None:
    sheet = _made_up_sheet()
    assert sheet_text.headline(sheet) == (
        "Aucun réseau d'aide au numérique compté n'est à moins de 30 minutes de la mairie. "
        "Part des habitants, comptés là où ils vivent, à moins de 30 minutes : 50,0\u00a0%."
    )
    assert sheet_text.figures(sheet)[:7] == [
        ("Population", "1\u202f234"),
        ("Habitants au-delà de 30\u00a0min", "617"),
        ("Part des habitants à moins de 30\u00a0min", "50,0\u00a0%"),
        ("Personnes en difficulté numérique (estimation)", "190"),
        ("Personnes en difficulté au-delà de 30\u00a0min", "100"),
        ("Aide comptée la plus proche de la mairie", "aucun site accessible"),
        ("Facteur de fragilité (1 = moyenne)", "n.\u00a0d."),
    ]
    covered = _made_up_sheet(covered_by=["France Services"], fragility_factor=1.234)
    assert sheet_text.headline(covered).startswith(
        "Depuis la mairie, la commune a une aide au numérique à moins de 30 minutes : France Services."
    )
    assert dict(sheet_text.figures(covered))["Facteur de fragilité (1 = moyenne)"] == "1,23"
    assert sheet_text.access_time(72) == "1\u00a0h\u00a012"
    assert sheet_text.access_time(float("inf")) == "aucun site accessible"
