"""The territory sheet shows the observed activity of conseillers numériques (ANCT,
2023-11) as a département figure, and where its fragility factor comes from."""

from __future__ import annotations

from planner.data.sources.activity import load_activity_departements
from planner.outputs import sheet_render, sheet_text
from planner.outputs.sheet import territory_sheet


def test_commune_sheet_shows_departement_activity_and_fragility_origin(coverage) -> None:
    sheet = territory_sheet(coverage, "2A004")
    table, _ = load_activity_departements()
    users = int(table.set_index("departement").loc["2A", "users"])
    assert [(a["departement"], a["users"], a["vintage"]) for a in sheet.activity] == [
        ("2A", users, "2023-11")]
    lines = sheet_text.activity(sheet)
    assert len(lines) == 1
    assert lines[0].startswith("Activité observée des conseillers numériques (ANCT, 2023-11)")
    assert "département 2A entier, pas seulement la commune" in lines[0]
    assert lines[0] in sheet_text.notes(sheet)
    html = sheet_render.sheet_html(sheet)
    assert "Activité observée des conseillers numériques (ANCT, 2023-11)" in html
    # Ajaccio's demand points are IRIS with an IFN 2020 score
    assert sheet.fragility_sources == [("ifn", "2020", 1.0)]
    assert dict(sheet_text.figures(sheet))["Origine du facteur de fragilité"] == "indice 2020 (100\u00a0%)"
    assert sheet_text.fragility_origin(sheet).startswith("indice de fragilité numérique 2020 (millésime 2020) : 100")


def test_bonifacio_takes_the_2023_model(coverage) -> None:
    """Bonifacio is absent from the IFN 2020 IRIS files: its factor is the 2023 model's."""
    sheet = territory_sheet(coverage, "2A041")
    assert sheet.fragility_sources == [("ifn_2023", "2023-08", 1.0)]
    assert "indice de fragilité numérique 2023 (ANCT) (millésime 2023-08)" in sheet_text.fragility_origin(sheet)
    assert dict(sheet_text.figures(sheet))["Origine du facteur de fragilité"] == "indice 2023 (100\u00a0%)"
