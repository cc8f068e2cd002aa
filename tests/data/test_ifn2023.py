"""IFN 2023 (ANCT) per commune and EPCI, and how the demand model uses it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.access.demand import SOURCE_VINTAGES, fragility
from planner.data.sources.cog import weighted_mean
from planner.data.sources.communes import load_communes
from planner.data.sources.ifn2023 import COLUMNS, attach_ifn2023, load_ifn2023_report, read_ifn2023


@pytest.fixture(scope="module")
def ifn(corsica_data):
    return load_ifn2023_report()


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_real_counts(ifn, corsica_data):
    frame, report = ifn
    folder = corsica_data / "indicators" / "ifn_2023"
    communes_rows = len(pd.read_csv(folder / "ifn_communes_2023-08.csv", dtype=str))
    epci_rows = len(pd.read_csv(folder / "ifn_epci_2023-08.csv", dtype=str))
    assert (communes_rows, epci_rows) == (35_008, 1_255)
    assert report.rows_read == 35_008 + 1_255
    assert tuple(frame.columns) == COLUMNS and len(frame) == 34_875  # today's communes
    empty = [i for i in report.issues if "score global vide" in i.reason]
    assert len(empty) == 2
    assert frame["ifn2023_source"].value_counts().to_dict() == {"commune": 34_842, "epci": 33}
    assert frame["ifn2023_total"].between(1, 10).all()
    assert frame["ifn2023_vintage"].eq("2023-08").all()


def test_factor_is_one_at_the_regional_mean(ifn):
    frame, _ = ifn
    info = load_communes().set_index("insee")
    table = frame.assign(region=frame["insee"].map(info["region"]),
                         population=frame["insee"].map(info["population"]).astype(float))
    means = weighted_mean(table, "region", "ifn2023_factor", "population")
    assert np.allclose(means.dropna(), 1.0)


def test_corsica_sub_scores_fill_the_empty_iris_columns(ifn):
    frame, _ = ifn
    corsica = frame[frame["insee"].str[:2].isin(["2A", "2B"])]
    assert len(corsica) == 360
    for col in ("ifn2023_poverty", "ifn2023_no_thd", "ifn2023_no_4g", "ifn2023_older_65",
                "ifn2023_low_diploma"):
        assert corsica[col].notna().all()
    iris = pd.DataFrame({"insee": ["2A004", "2A004", "2B033"], "ifn_score": [90.0, np.nan, 110.0]})
    joined = attach_ifn2023(iris)
    assert joined["ifn2023_poverty"].notna().all() and joined.index.equals(iris.index)


def test_made_up_demand_prefers_iris_then_2023_then_region():
    """Made-up rows: IRIS 2020 score, region-file 2020 score with and without a 2023 score."""
    frame = pd.DataFrame({
        "ifn_score": [120.0, 80.0, 80.0, np.nan, np.nan],
        "ifn_source": ["iris", "région", "région", None, None],
        "ifn2023_factor": [1.5, 1.3, np.nan, 0.9, np.nan],
        "unemployment_rate": [np.nan] * 4 + [0.1],
    })
    out = fragility(frame)
    assert out["fragility_source"].tolist() == ["ifn", "ifn_2023", "ifn", "ifn_2023", "proxy_chomage"]
    assert out["fragility_factor"].round(3).tolist() == [1.2, 1.3, 0.8, 0.9, 0.967]
    assert out["fragility_vintage"].tolist() == ["2020", "2023-08", "2020", "2023-08", "2021"]
    assert set(SOURCE_VINTAGES) == {"ifn", "ifn_2023", "proxy", "proxy_chomage", "neutre"}


def test_made_up_empty_total_takes_the_epci(tmp_path):
    """Made-up files: Ajaccio's total is empty, its EPCI (CA du Pays Ajaccien) answers."""
    epci = load_communes().set_index("insee").loc["2A004", "epci"]
    header = "name,division,code,no_thd_coverage_rate,no_4g_coverage_rate,poverty_rate,older_65_rate,nscol15p_rate,total\n"
    communes = tmp_path / "ifn_communes_2099-01.csv"
    communes.write_text(header + "Ajaccio,city,2A004,1,2,3,4,5,\nBastia,city,2B033,2,2,2,2,2,12\n",
                        encoding="utf-8")
    epcis = tmp_path / "ifn_epci_2099-01.csv"
    epcis.write_text(header + f"CAPA,epci,{epci},5,5,5,5,5,5.0\n", encoding="utf-8")
    frame, report = read_ifn2023(communes, epcis)
    by = frame.set_index("insee")
    assert by.loc["2A004", "ifn2023_source"] == "epci" and by.loc["2A004", "ifn2023_total"] == 5
    assert np.isnan(by.loc["2B033", "ifn2023_total"])  # 12 is outside 1..10
    assert any("hors de 0..10" in i.reason for i in report.issues)


@pytest.mark.parametrize(("insee", "total"), [
    ("2A004", 5.240322580645161),  # Ajaccio, ifn_communes_2023-08.csv « total »
    ("2B033", 5.447684076857422),  # Bastia
    ("2A041", 7.0),  # Bonifacio
])
def test_corsican_totals_as_in_the_file(ifn, insee, total):
    frame, _ = ifn
    row = frame.set_index("insee").loc[insee]
    assert row["ifn2023_total"] == pytest.approx(total) and row["ifn2023_source"] == "commune"


def test_every_corsican_commune_has_its_own_score(ifn):
    frame, _ = ifn
    corse = frame[frame["insee"].str[:2].isin(["2A", "2B"])]
    assert len(corse) == 360 and corse["ifn2023_source"].eq("commune").all()
