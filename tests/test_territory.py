"""Territory selection and the ``planner layers`` contract on the real data."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.cli import app
from planner.schema import DataError
from planner.territory import parse, select

runner = CliRunner()


def test_corsica_communes_and_population(real_data):
    corsica = select("2A,2B")
    assert len(corsica.communes) == 360
    assert corsica.population == 334_938
    assert set(corsica.communes["departement"]) == {"2A", "2B"}
    assert corsica.label == "Corse-du-Sud, Haute-Corse"


def test_tokens_of_every_kind(real_data):
    assert len(select("2A004").communes) == 1
    cc = select("242000495")  # CC de l'Alta Rocca
    assert set(cc.communes["epci"]) == {"242000495"} and len(cc.communes) > 10
    mixed = select("2A004, 2B033,2A")
    assert len(mixed.communes) == 125 and "2B033" in set(mixed.insee)
    france = select("france")
    assert len(france.communes) == 34_875 - 129  # the 129 overseas communes are left out
    assert select("974").crs == "EPSG:2975"


def test_buffer_keeps_sites_just_outside(real_data):
    ajaccio = select("2A004")
    sites = ajaccio.sites(["la_poste"], buffer_km=15)
    assert sites["inside"].any() and (~sites["inside"]).any()
    assert set(sites.loc[sites["inside"], "insee"]) == {"2A004"}
    assert len(ajaccio.sites(["la_poste"], buffer_km=0)) == sites["inside"].sum()


@given(st.text(alphabet="XYZ!?é ", min_size=1, max_size=8))
def test_unknown_tokens_are_refused_in_french(token):
    if not token.strip(" ,"):
        with pytest.raises(DataError, match="territoire vide"):
            parse(token)
    else:
        with pytest.raises(DataError, match="code de territoire non reconnu"):
            parse(token)


def test_valid_code_without_commune_is_explained(real_data):
    with pytest.raises(DataError, match="aucune commune pour le code « 99 »"):
        select("99")


def test_layers_contract_for_corsica(real_data):
    result = runner.invoke(app, ["layers", "--territory", "2A,2B", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["territory"] == "2A,2B"
    assert data["communes"] == 360 and data["population"] == 334_938
    sites = data["sites"]
    assert (sites["la_poste"], sites["france_services"], sites["conseiller_numerique"]) == (194, 37, 20)
    assert (sites["croix_rouge"], sites["town_hall"]) == (12, 360)
    # the Croix-Rouge antenna of L'Île-Rousse has coordinates in Lyon: moved and reported
    moved = data["skipped_rows"]["croix_rouge"]["in_territory"]
    assert [m["insee"] for m in moved] == ["2B134"]
    assert {"la_poste", "communes", "ifn_iris", "roads"} <= set(data["sources"])
    assert data["sources"]["la_poste"]["licence"]


def test_layers_by_departement(real_data):
    data = json.loads(runner.invoke(app, ["layers", "--territory", "2A", "--json"]).stdout)
    assert data["sites"]["la_poste"] == 88
    data = json.loads(runner.invoke(app, ["layers", "--territory", "2B", "--json"]).stdout)
    assert data["sites"]["la_poste"] == 106


def test_cli_errors_are_french_without_traceback(real_data):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "planner.cli", "layers", "--territory", "ZZ", "--json"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert "code de territoire non reconnu" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_unexpected_errors_are_french_without_traceback(tmp_path):
    import subprocess
    import sys

    env = {**__import__("os").environ, "PLANNER_SOURCES": str(tmp_path / "absent.toml")}
    proc = subprocess.run(
        [sys.executable, "-m", "planner.cli", "data", "status"], capture_output=True, text=True, env=env,
    )
    assert proc.returncode != 0
    assert "Erreur" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
