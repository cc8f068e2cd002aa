"""Figures of the « Fiche territoire » that agree with each other (issue 13): inhabitants
and people in difficulty named apart, EPCI headlines that match their shares and tables,
every figure with its source and vintage, crow-fly intervals and « à confirmer »."""

from __future__ import annotations

import re

import numpy as np
import pytest

from planner.access.coverage import compute_coverage
from planner.outputs import sheet_render, sheet_text
from planner.outputs.sheet import territory_sheet
from planner.territory import select
from planner.travel.model import model_for

ALTA_ROCCA, CENTRE_CORSE = "242000495", "242020071"


def test_levie_says_help_in_the_village_and_everyone_within(coverage) -> None:
    sheet = territory_sheet(coverage, "2A142")
    figures = dict(sheet_text.figures(sheet))
    assert "France Services" in sheet.covered_by
    assert figures["Population"] == "687"
    assert figures["Habitants au-delà de 30\u00a0min"] == "0"
    assert figures["Part des habitants à moins de 30\u00a0min"] == "100,0\u00a0%"
    assert figures["Personnes en difficulté au-delà de 30\u00a0min"] == "0"
    assert figures["Zone mal desservie"] == "aucune"
    assert "dont au-delà du seuil" not in figures


@pytest.mark.parametrize("epci", [ALTA_ROCCA, CENTRE_CORSE])
def test_epci_headline_and_totals_match_its_commune_table(coverage, epci: str) -> None:
    sheet = territory_sheet(coverage, epci)
    table = sheet.communes
    assert sheet.population == table["population"].sum()
    assert sheet.population_out == table["population_hors_seuil"].sum()
    within = int((table["minutes"] <= coverage.threshold).sum())
    assert (sheet.halls_within, sheet.halls) == (within, len(table))
    figures = dict(sheet_text.figures(sheet))
    assert figures["Habitants au-delà de 30\u00a0min"] == sheet_text.fr.integer(table["population_hors_seuil"].sum())
    assert figures["Mairies à moins de 30\u00a0min d'une aide"] == f"{within} sur {len(table)}"
    headline = sheet_text.headline(sheet)
    assert headline.startswith(f"{within} des {len(table)} mairies de l'EPCI ont une aide")
    assert not headline.startswith("Aucun")
    # a commune whose town hall is within the threshold has no inhabitant beyond it
    assert (table.loc[table["minutes"] <= coverage.threshold, "population_hors_seuil"] == 0).all()


def test_centre_corse_figures(coverage) -> None:
    sheet = territory_sheet(coverage, CENTRE_CORSE)
    assert (sheet.population, sheet.population_out, sheet.halls_within, sheet.halls) == (9795, 71, 9, 10)
    assert sheet_text.headline(sheet).startswith(
        "9 des 10 mairies de l'EPCI ont une aide au numérique à moins de 30 minutes ; 1 commune en est plus loin.")


def test_every_figure_has_its_source_and_vintage(coverage) -> None:
    sheet = territory_sheet(coverage, "2A142")
    sources = sheet_text.figure_sources(sheet)
    assert len(sources) == len(sheet_text.figures(sheet)) == 9
    assert sources[0] == "INSEE, population municipale 2017"
    assert "INSEE, enquête TIC ménages, illectronisme des 15 ans et plus, 2021" in sources[3]
    assert "réseau routier OpenStreetMap (2021-2024)" in sources[1]
    assert sources[6] == "indice de fragilité numérique 2020 (2020)"
    page = sheet_render.sheet_html(sheet)
    assert page.count("<small>Source : ") == 9
    for credit in ("INSEE, population municipale (2017)", "Réseau routier (OpenStreetMap) (2021-2024)",
                   "Indice de fragilité numérique 2020 — IRIS (2020)", "France Services", "(2024-08)"):
        assert credit in page.replace("&#39;", "'")


@pytest.fixture(scope="module")
def crow_fly(corsica_data):
    """The Alta Rocca by crow-fly (its communes and their 15 km margin)."""
    territory = select(ALTA_ROCCA)
    return compute_coverage(territory, threshold=30, travel=model_for(territory, travel="crow_fly"))


def test_crow_fly_sheet_gives_intervals_and_marks_uncertain_communes(crow_fly) -> None:
    sheet = territory_sheet(crow_fly, ALTA_ROCCA)
    assert sheet.method == "crow_fly"
    doubtful = set(crow_fly.communes.loc[crow_fly.communes["uncertain"], "name"])
    assert doubtful and set(sheet.uncertain) == doubtful
    assert set(sheet.communes.loc[sheet.communes["à_confirmer"], "commune"]) == doubtful
    low, high = sheet.share_within_low, sheet.share_within_high
    assert low is not None and high is not None and low <= sheet.share_within <= high and low < high
    assert f"entre {sheet_text.fr.percent(low)} et {sheet_text.fr.percent(high)}" in sheet_text.headline(sheet)
    access = sheet.access[np.isfinite(sheet.access["minutes"])]
    assert (access["minutes_low"] < access["minutes"]).all() and (access["minutes"] < access["minutes_high"]).all()
    page = sheet_render.sheet_html(sheet)
    for row in access.itertuples():
        text = sheet_text.access_range(row.minutes, row.minutes_low, row.minutes_high)
        assert re.fullmatch(r".+ \(.+ à .+\)", text) and text in page
    assert page.count("(à confirmer)") >= len(doubtful)
    # a commune sheet of an uncertain commune says so in its headline and figure
    code = crow_fly.communes.loc[crow_fly.communes["uncertain"], "insee"].iloc[0]
    one = territory_sheet(crow_fly, code)
    assert "À confirmer" in sheet_text.headline(one)
    assert dict(sheet_text.figures(one))["Aide comptée la plus proche de la mairie"].endswith("(à confirmer)")
    assert sheet_render.sheet_pdf_bytes(one).startswith(b"%PDF-")
