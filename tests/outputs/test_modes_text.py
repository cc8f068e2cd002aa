"""Tests of planner.outputs.text.modes and planner.outputs.charts on a MADE-UP comparison.

The comparison below is made up (two modes, three presence places, invented figures):
it only exercises the French labels, the JSON object, the console text and the chart.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from planner.data.schema import NETWORKS
from planner.optimize.assumptions import ModeAssumptions
from planner.optimize.modes import COLUMNS, HOST_COLUMNS, Comparison
from planner.outputs.charts import CHART_COLUMNS, modes_chart
from planner.outputs.text.modes import (
    COLUMN_LABELS,
    assumptions_table,
    conclusion,
    french,
    render,
    summary,
)


@pytest.fixture()
def comparison() -> Comparison:
    """A MADE-UP comparison: fixed and shared modes, 2 advisors, threshold 45 min."""
    table = pd.DataFrame([
        {"mode": "fixed", "label": "Fixe", "network": "la_poste", "advisors": 2, "places": 1, "hours_per_place": 70.0,
         "demand_new": 1234.5678, "demand_covered": 9234.5678, "covered_share": 0.923756,
         "demand_reached": 2000.0, "capacity": 756.0, "demand_served": 756.0, "served_added": 700.4,
         "presence_hours": 70.0, "weighted_presence_hours": 70.0,
         "demand_hours": 140000.0, "drive_hours": 0.0, "advisor_hours": 70.0,
         "demand_per_advisor_hour": 28.571428, "note": "1 site d'accueil(s) seulement : plusieurs conseillers par lieu"},
        {"mode": "shared", "label": "Partagé", "network": "croix_rouge", "advisors": 2, "places": 2,
         "hours_per_place": 33.25, "demand_new": 10.0, "demand_covered": 8010.0, "covered_share": 0.801,
         "demand_reached": 3000.0, "capacity": 718.2, "demand_served": 718.2, "served_added": 718.2,
         "presence_hours": 66.5, "weighted_presence_hours": 40.25,
         "demand_hours": 120750.0, "drive_hours": 3.5, "advisor_hours": 70.0,
         "demand_per_advisor_hour": 42.857142, "note": ""},
    ], columns=list(COLUMNS))  # fmt: skip
    hosts = pd.DataFrame([
        ("fixed", "poste:1", "Bureau A", "la_poste", "00001", 70.0, False, 2000.0, 756.0, 9.1, 42.1),
        ("shared", "cr:1", "Croix-Rouge B", "croix_rouge", "00002", 56.0, False, 2500.0, 604.8, 9.2, 42.2),
        ("shared", "mairie:3", "Mairie C", "town_hall", "00003", 10.5, True, 500.0, 113.4, 9.3, 42.3),
    ], columns=list(HOST_COLUMNS))  # fmt: skip
    return Comparison(
        table=table, hosts=hosts,
        territory=SimpleNamespace(spec="00001,00002,00003", label="Trois communes"),
        coverage=SimpleNamespace(method="crow_fly"), assumptions=ModeAssumptions(),
        advisors=2, threshold=45.0, networks=ModeAssumptions().covering_networks,
        demand_total=10_000.04, demand_existing=8_000.0,
    )  # fmt: skip


def test_french_table_has_only_french_labels(comparison) -> None:
    shown = french(comparison)
    assert shown.columns.tolist() == [
        COLUMN_LABELS[c].format(T="45") for c in COLUMNS if c != "mode"
    ]
    assert "Demande nouvellement à moins de 45 min" in shown.columns
    assert shown["Réseau de référence"].tolist() == ["La Poste", "Croix-Rouge française"]
    assert comparison.table.columns.tolist() == list(COLUMNS)  # the analysis table is untouched


def test_summary_rounds_the_figures_and_nests_the_places(comparison) -> None:
    data = json.loads(json.dumps(summary(comparison)))
    assert {k: data[k] for k in ("territory", "label", "method", "advisors", "threshold_min")} == {
        "territory": "00001,00002,00003", "label": "Trois communes", "method": "crow_fly",
        "advisors": 2, "threshold_min": 45.0,
    }  # fmt: skip
    assert (data["demand_total"], data["demand_existing"]) == (10_000.0, 8_000.0)
    assert data["assumptions"]["weekly_hours"] == 35.0
    fixed, shared = data["modes"]
    assert list(fixed) == [*COLUMNS, "hosts"]
    assert data["conclusion"] == (
        "À heures égales (2 conseillers, 70\u00a0h payées par semaine), le mode partagé sert le plus : "
        "718 personnes aidées par an en plus des sites existants."
    )
    assert (fixed["demand_new"], fixed["covered_share"], fixed["demand_per_advisor_hour"]) == (
        1234.57, 0.9238, 28.57,
    )  # fmt: skip
    assert fixed["hosts"] == [{"site_id": "poste:1", "name": "Bureau A", "network": "la_poste",
                               "insee": "00001", "hours": 70.0, "hours_known": False, "demand_reached": 2000.0,
                               "served": 756.0, "lon": 9.1, "lat": 42.1}]  # fmt: skip
    assert [h["site_id"] for h in shared["hosts"]] == ["cr:1", "mairie:3"]


def test_render_writes_french_numbers_units_and_plurals(comparison) -> None:
    lines = render(summary(comparison)).split("\n")
    assert lines[0] == "Territoire : Trois communes (00001,00002,00003) — 2 conseillers, seuil 45\u00a0min"
    assert lines[1] == (
        "Demande totale : 10\u202f000 — à moins de 45\u00a0min d'un site existant : 8\u202f000"
    )
    assert lines[2] == (
        "Fixe (La Poste) : +1\u202f235 demande à moins de 45\u00a0min (total 92,4\u00a0%), 1 lieu, "
        "70,0\u00a0h de présence (pondérée : 70,0\u00a0h), 0,0\u00a0h de conduite par semaine, "
        "28,6 demande à portée par heure de conseiller, 756 personnes servies par an (+700 en plus des "
        "sites existants) — 1 site d'accueil(s) seulement : plusieurs conseillers par lieu"
    )
    assert lines[-1].startswith("À heures égales (2 conseillers, 70\u00a0h payées par semaine)")
    assert lines[3].startswith("Partagé (Croix-Rouge française) : +10 demande")
    assert ", 2 lieux, 66,5\u00a0h de présence" in lines[3] and not lines[3].endswith("— ")


def test_assumptions_table_is_french() -> None:
    table = assumptions_table(ModeAssumptions(weekly_hours=32.5, itinerant_bases=("00001",)))
    values = table.set_index("Hypothèse")["Valeur"]
    assert table.columns.tolist() == ["Hypothèse", "Valeur"] and len(table) == len(ModeAssumptions.labels())
    assert values["Jours travaillés"] == "lundi, mardi, mercredi, jeudi, vendredi"
    assert values["Heures de travail par conseiller et par semaine"] == "32,5"
    assert values["Réseaux des sites du mode fixe"] == "La Poste"
    assert values["Bases des conseillers itinérants"] == "00001"
    default = assumptions_table(ModeAssumptions()).set_index("Hypothèse")["Valeur"]
    assert default["Bases des conseillers itinérants"] == "communes les plus peuplées (une par EPCI)"
    assert default["Trajet maximal de la base aux structures partenaires (min)"] == "45"


def test_chart_panels_and_colours(comparison) -> None:
    spec = modes_chart(comparison).to_dict()
    colour = spec["spec"]["encoding"]["color"]["scale"]
    assert colour == {"domain": ["Fixe", "Partagé"], "range": [NETWORKS["la_poste"][1], NETWORKS["croix_rouge"][1]]}
    data = next(iter(spec["datasets"].values()))
    assert len(data) == 2 * len(CHART_COLUMNS)
    assert {d["indicateur"] for d in data} == {t.format(T="45") for t in CHART_COLUMNS.values()}
    assert {(d["label"], d["figure"], d["valeur"]) for d in data} >= {
        ("Fixe", "demand_new", 1234.57), ("Partagé", "drive_hours", 3.5),
    }  # fmt: skip


def test_conclusion_compares_the_itinerant_mode_with_the_best_other(comparison) -> None:
    """MADE-UP rows: itinerant serves more in addition but opens each place 3 h a week."""
    modes = summary(comparison)["modes"]
    itinerant = {**modes[0], "mode": "itinerant", "places": 10, "hours_per_place": 3.0, "served_added": 900.0,
                 "demand_new": 1500.0}
    text = conclusion([*modes, itinerant], 2)
    assert text == (
        "À heures égales (2 conseillers, 70\u00a0h payées par semaine), l'itinérance sert 182 personnes de plus "
        "par an que le mode partagé (900 contre 718 en plus des sites existants), mais chaque lieu n'est ouvert "
        "que 3\u00a0h par semaine (contre 33,2\u00a0h) ; elle met 1\u202f500 personnes en difficulté numérique "
        "nouvellement à portée, contre 10."
    )
    fewer = conclusion([*modes, {**itinerant, "served_added": 100.0}], 2)
    assert "l'itinérance sert 618 personnes de moins par an que le mode partagé" in fewer
    assert ", et chaque lieu n'est ouvert que 3\u00a0h" in fewer
    none = [{**m, "served_added": 0.0} for m in modes]
    assert "aucun mode ne sert de personne en plus des sites existants" in conclusion(none, 2)
