"""The operating modes and the plan on real Corsica are the same whether the points × hosts
reach comes from the sparse search (TravelModel.within) or from the dense matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.optimize.assumptions import ModeAssumptions
from planner.optimize.modes import compare_modes
from planner.optimize.plan import make_plan
from planner.optimize.settings import PlanSettings
from planner.travel.model import TravelModel
from planner.travel.results import SparseTravel, pairs_csr

pytestmark = pytest.mark.xdist_group("corsica_modes")

#: Deterministic routing: stops on PyVRP's no-improvement count, long before this limit.
ASSUMPTIONS = ModeAssumptions(routing_time_limit_s=60)


def _dense_within(self: TravelModel, origins, destinations, *, max_minutes: float) -> SparseTravel:
    """The old way: the full dense matrix, then its pairs within the cut-off."""
    full = self.matrix(origins, destinations, max_minutes=max_minutes)
    i, j = np.nonzero(np.isfinite(full.minutes))
    shape = full.minutes.shape
    return SparseTravel(pairs_csr(i, j, full.minutes[i, j], shape), pairs_csr(i, j, full.km[i, j], shape),
                        full.method, float(max_minutes))


def test_compare_on_corsica_is_identical_dense_and_sparse(corsica, coverage, travel, monkeypatch) -> None:
    sparse = compare_modes(corsica, 4, ASSUMPTIONS, 30, coverage=coverage, travel=travel)
    monkeypatch.setattr(TravelModel, "within", _dense_within)
    dense = compare_modes(corsica, 4, ASSUMPTIONS, 30, coverage=coverage, travel=travel)
    pd.testing.assert_frame_equal(sparse.table, dense.table, check_exact=True)
    pd.testing.assert_frame_equal(sparse.hosts, dense.hosts, check_exact=True)
    assert sparse.table["demand_new"].gt(0).all()


def test_plan_stops_on_corsica_are_identical_dense_and_sparse(corsica, coverage, travel, monkeypatch) -> None:
    settings = PlanSettings(advisors=2, stops=8, time_limit=60)
    sparse = make_plan(corsica, settings, coverage=coverage, travel=travel)
    monkeypatch.setattr(TravelModel, "within", _dense_within)
    dense = make_plan(corsica, settings, coverage=coverage, travel=travel)
    assert sparse.stops["site_id"].tolist() == dense.stops["site_id"].tolist()
    np.testing.assert_array_equal(sparse.stops["demand_added"], dense.stops["demand_added"])
    assert sparse.siting is not None and dense.siting is not None
    assert sparse.siting["objective"] == dense.siting["objective"]
    assert sparse.siting["objective_value"] == pytest.approx(dense.siting["objective_value"], rel=1e-9)
    assert sparse.covered_demand == dense.covered_demand
