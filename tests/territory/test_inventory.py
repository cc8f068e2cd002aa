"""The ``planner layers`` summary (planner.inventory) on the real data."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from planner.cli import app
from planner.inventory import layers_summary
from planner.outputs.text.territory import render_layers
from planner.territory import select

runner = CliRunner()


def test_layers_contract_for_corsica(corsica_data):
    result = runner.invoke(app, ["layers", "--territory", "2A,2B", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["territory"] == "2A,2B"
    assert data["communes"] == 360 and data["population"] == 334_938
    sites = data["sites"]
    assert (sites["la_poste"], sites["france_services"], sites["conseiller_numerique"]) == (194, 37, 20)
    assert (sites["croix_rouge"], sites["town_hall"]) == (12, 360)
    assert sites["aidants_connect"] == 42  # active structures, at their town hall (2024-02)
    assert data["sources"]["aidants_connect"]["vintage"] == "2024-02"
    # the Croix-Rouge antenna of L'Île-Rousse has coordinates in Lyon: moved and reported
    moved = data["skipped_rows"]["croix_rouge"]["in_territory"]
    assert [m["insee"] for m in moved] == ["2B134"]
    assert {"la_poste", "communes", "ifn_iris", "roads"} <= set(data["sources"])
    assert data["sources"]["la_poste"]["licence"]


def test_layers_by_departement(corsica_data):
    data = json.loads(runner.invoke(app, ["layers", "--territory", "2A", "--json"]).stdout)
    assert data["sites"]["la_poste"] == 88
    data = json.loads(runner.invoke(app, ["layers", "--territory", "2B", "--json"]).stdout)
    assert data["sites"]["la_poste"] == 106


def test_layers_text_in_french(corsica_data):
    summary = layers_summary(select("2A"))
    text = render_layers(summary)
    assert text.splitlines()[0] == "Territoire : Corse-du-Sud (2A)"
    assert "Population : " in text and "\u202f" in text.splitlines()[2]
    assert "Sites dans le territoire :" in text
