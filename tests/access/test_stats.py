"""Weighted statistics (planner.access.stats), on MADE-UP tables written in the tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from planner.access.stats import weighted_fragility, weighted_quantile


def made_up_points() -> pd.DataFrame:
    """MADE-UP demand points of two communes; one factor and one population are unknown."""
    return pd.DataFrame({
        "insee": ["A", "A", "A", "B", "B"],
        "population": [100.0, 300.0, 50.0, 200.0, np.nan],
        "fragility_factor": [1.0, 2.0, np.nan, 0.5, 3.0],
    })


def test_weighted_fragility_overall_ignores_unknown_rows():
    points = made_up_points()
    assert weighted_fragility(points) == pytest.approx((100 * 1 + 300 * 2 + 200 * 0.5) / 600)


def test_weighted_fragility_by_group():
    by = weighted_fragility(made_up_points(), by="insee")
    assert by.to_dict() == pytest.approx({"A": (100 + 600) / 400, "B": 0.5})
    assert by.name == "fragility_factor"
    series = weighted_fragility(made_up_points(), by=pd.Series(["x", "x", "y", "y", "y"]))
    assert series.to_dict() == pytest.approx({"x": 700 / 400, "y": 0.5})


def test_weighted_fragility_without_weight_is_nan():
    frame = pd.DataFrame({"g": ["A", "B"], "population": [0.0, 10.0], "fragility_factor": [1.5, np.nan]})
    assert math.isnan(weighted_fragility(frame))
    assert weighted_fragility(frame, by="g").isna().all()
    assert weighted_fragility(frame, weight="population", factor="fragility_factor", by="g").index.tolist() == ["A", "B"]


def test_weighted_quantile_on_a_made_up_sample():
    values = np.array([30.0, 10.0, 20.0, np.inf])
    weights = np.array([1.0, 1.0, 1.0, 1.0])
    assert weighted_quantile(values, weights, 0.5) == 20.0  # cumulative shares 0.25, 0.5, 0.75, 1
    assert weighted_quantile(values, weights, 0.25) == 10.0
    assert weighted_quantile(values, weights, 0.9) == math.inf
    assert weighted_quantile(values, np.array([0.0, 5.0, 0.0, 0.0]), 0.9) == 10.0
    assert weighted_quantile(np.array([1.26]), np.array([2.0]), 0.5) == 1.3
    assert math.isnan(weighted_quantile(values, np.zeros(4), 0.5))
