"""Territory selection (planner.territory) on the real data."""

from __future__ import annotations

import geopandas as gpd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.errors import SettingsError
from planner.territory import SETTING, parse, select


def test_corsica_communes_and_population(corsica_data):
    corsica = select("2A,2B")
    assert len(corsica.communes) == 360
    assert corsica.population == 334_938
    assert set(corsica.communes["departement"]) == {"2A", "2B"}
    assert corsica.label == "Corse-du-Sud, Haute-Corse"


def test_tokens_of_every_kind(corsica_data):
    assert len(select("2A004").communes) == 1
    cc = select("242000495")  # CC de l'Alta Rocca
    assert set(cc.communes["epci"]) == {"242000495"} and len(cc.communes) > 10
    mixed = select("2A004, 2B033,2A")
    assert len(mixed.communes) == 125 and "2B033" in set(mixed.insee)
    france = select("france")
    assert len(france.communes) == 34_875 - 129  # the 129 overseas communes are left out
    assert select("974").crs == "EPSG:2975"  # RGR92 / UTM 40S, not Lambert-93
    assert select("2A,2B,974").crs == "EPSG:2154"  # mixed: the projection of most départements


def test_polygon_is_the_union_of_the_communes(corsica_data):
    cc = select("242000495")
    metric = cc.communes.geometry.to_crs(cc.crs)
    polygon = gpd.GeoSeries([cc.polygon], crs="EPSG:4326").to_crs(cc.crs).iloc[0]
    assert polygon.area == pytest.approx(metric.area.sum(), rel=1e-3)
    assert all(polygon.buffer(1).contains(g) for g in metric)


def test_buffer_keeps_sites_just_outside(corsica_data):
    ajaccio = select("2A004")
    sites = ajaccio.sites(["la_poste"], buffer_km=15)
    assert sites["inside"].any() and (~sites["inside"]).any()
    assert set(sites.loc[sites["inside"], "insee"]) == {"2A004"}
    assert len(ajaccio.sites(["la_poste"], buffer_km=0)) == sites["inside"].sum()


@given(st.text(alphabet="XYZ!?é ", min_size=1, max_size=8))
def test_unknown_tokens_are_refused_in_french(token):
    if not token.strip(" ,"):
        with pytest.raises(SettingsError, match="territoire vide"):
            parse(token)
    else:
        with pytest.raises(SettingsError, match="code de territoire non reconnu") as err:
            parse(token)
        assert err.value.setting == SETTING


def test_valid_code_without_commune_is_explained(corsica_data):
    with pytest.raises(SettingsError, match="aucune commune pour le code « 99 »"):
        select("99")


def test_cli_errors_are_french_without_traceback(corsica_data):
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
