"""The IFN per IRIS and per commune (planner.data.sources.ifn), on the real snapshots;
the aggregation also on MADE-UP IRIS rows (hypothesis)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.data.sources import ifn
from planner.data.sources.cog import weighted_mean
from planner.data.sources.communes import load_communes


@pytest.fixture(scope="module")
def iris(corsica_data: Path):
    return ifn.load_ifn_iris()


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


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_leading_zeros_restored_in_national_scores(corsica_data: Path) -> None:
    scores = ifn.load_ifn_scores()
    assert scores["code_iris"].str.len().eq(9).all()
    assert scores["insee_ifn"].str.len().eq(5).all()
    assert len(scores) == 48_907
    assert scores["code_iris"].is_unique
    # 010040101: Ambérieu-en-Bugey, written 10040101 in 84.csv
    assert (scores["insee"] == "01004").sum() > 1


def test_region_estimate_close_to_population_weighting(iris) -> None:
    """The national files carry no population: their estimate is checked where both exist."""
    truth = ifn.aggregate_iris(iris)["ifn_score"]
    scores = ifn.load_ifn_scores()
    sub = scores[scores["insee"].isin(truth.index)].copy()
    sub["weight"] = ifn._estimated_iris_weights(sub)
    estimate = weighted_mean(sub, "insee", "ifn_score", "weight")
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


@settings(deadline=None)
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
    out = ifn.aggregate_iris(frame)
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


def test_iris_population_rescaled_to_current_communes(iris) -> None:
    communes = load_communes()
    corse = iris[iris["departement"].isin(["2A", "2B"])]
    scaled = ifn.scale_iris_population(corse, communes)
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
