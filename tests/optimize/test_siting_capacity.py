"""Tests of planner.optimize.siting_capacity (maximal service under capacity) and stop_choice.

The small instances are MADE-UP (written here and solved by hand, or drawn at random and
checked against a brute force over every k-subset, each subset's service computed by
:func:`planner.access.allocation.allocate`). The last tests run on the real Corsica
coverage (fixtures of tests/conftest.py), with k <= 6 and a few seconds of solver time.
"""

from __future__ import annotations

import dataclasses
import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from planner.access.allocation import allocate
from planner.access.capacity import people_per_year
from planner.data import hours
from planner.errors import SettingsError
from planner.optimize.plan import PlanResult, candidate_hosts, make_plan, resolve_bases
from planner.optimize.settings import PlanSettings
from planner.optimize.siting import MaximalCovering
from planner.optimize.siting_capacity import MaximalService
from planner.optimize.siting_input import as_pairs
from planner.optimize.stop_choice import choose_stops, weekly_stop_hours

# ----------------------------------------------------------------------------- made-up, by hand


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_equal_service_goes_to_the_stop_that_covers_more(order) -> None:
    # MADE-UP: stop « big » reaches a point of 1,000 people, stop « small » a point of 40;
    # both hold 30 people a year, so both serve 30: the second criterion (covered) decides.
    big, small = order
    reach = np.zeros((2, 2), dtype=bool)
    reach[0, big] = reach[1, small] = True
    model = MaximalService.from_matrices(reach, [1000, 40], [30, 30], 1).solve(5)
    assert model.selected.tolist() == [big]
    assert model.served_demand == 30.0 and model.covered_demand == 1000.0
    assert model.report()["served_added"] == [30.0]
    assert model.status == "optimal" and model.report()["objective"] == "served_demand"


def test_a_locked_site_that_saturates_makes_serving_beat_covering() -> None:
    # MADE-UP: point P (100 people) is within reach of the locked site L (capacity 50) and
    # of stop A (30); point Q (20 people) only of stop B (30). k = 1:
    #   A serves 30 more of P (already covered by L): served 50 + 30 = 80, covered 100;
    #   B serves Q's 20: served 50 + 20 = 70, covered 120 (what maximal covering picks).
    reach = np.array([[1, 0, 1], [0, 1, 0]], dtype=bool)
    model = MaximalService.from_matrices(reach, [100, 20], [30, 30, 50], 1, locked=[2]).solve(5)
    assert model.locked_served_demand == 50.0 and model.locked_weight == 100.0
    assert model.selected.tolist() == [0]
    assert model.served_demand == 80.0 and model.covered_demand == 100.0
    covering = MaximalCovering.from_coverage(reach, [100, 20], 1, locked=[2]).solve(5)
    assert covering.selected.tolist() == [1] and covering.objective == 120.0
    assert model.value(covering.selected) == 70.0


def test_a_locked_site_with_room_left_gets_the_demand_first() -> None:
    # MADE-UP: same points, L can hold 200: A would serve nobody more, B serves Q's 20.
    reach = np.array([[1, 0, 1], [0, 1, 0]], dtype=bool)
    model = MaximalService.from_matrices(reach, [100, 20], [30, 30, 200], 1, locked=[2]).solve(5)
    assert model.selected.tolist() == [1] and model.served_demand == 120.0


def _random_costs(seed: int, n: int = 30, m: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """MADE-UP: random points and sites in a 60 × 60 box, minutes = distance, a few pairs without road."""
    rng = np.random.default_rng(seed)
    demand, sites = rng.random((n, 2)) * 60, rng.random((m, 2)) * 60
    cost = np.linalg.norm(demand[:, None] - sites[None], axis=2)
    cost[rng.random(cost.shape) < 0.05] = np.nan
    return cost, rng.integers(0, 300, n).astype(float)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_capacity_above_demand_gives_the_maximal_covering_value(k) -> None:
    cost, w = _random_costs(3)
    unbounded = MaximalService.from_matrices(cost, w, np.inf, k, threshold=15, locked=[0]).solve(5)
    covering = MaximalCovering.from_cost_matrix(cost, w, 15, k, locked=[0]).solve(5)
    assert unbounded.served_demand == pytest.approx(covering.objective)
    assert unbounded.covered_demand == pytest.approx(covering.objective)


def test_components_without_candidates_are_a_constant() -> None:
    # MADE-UP: points 0-1 reach only the locked site 2 (capacity 25, demand 10 + 30): a
    # component no candidate touches, serving 25 whatever the choice. Point 2 (40) reaches
    # candidate 0 (capacity 30) and the locked site 3 (capacity 5), point 3 (50) the
    # candidates 0 and 1 (capacity 20): candidate 0 serves 30 more, candidate 1 only 20.
    reach = np.array([[0, 0, 1, 0], [0, 0, 1, 0], [1, 0, 0, 1], [1, 1, 0, 0]], dtype=bool)
    w, cap = [10, 30, 40, 50], [30, 20, 25, 5]
    reduced = MaximalService.from_matrices(reach, w, cap, 1, locked=[2, 3]).solve(5)
    full = MaximalService.from_matrices(reach, w, cap, 1, locked=[2, 3]).solve(5, reduce=False)
    assert reduced.fixed_served == 25.0 and reduced.model_size["fixed_pairs"] == 2
    assert full.fixed_served == 0.0 and full.model_size["fixed_pairs"] == 0
    assert reduced.served_demand == full.served_demand == 25.0 + 5.0 + 30.0
    assert reduced.selected.tolist() == full.selected.tolist() == [0]
    assert reduced.per_column.tolist() == pytest.approx(full.per_column.tolist())


def _brute_force(reach: np.ndarray, w: np.ndarray, cap: np.ndarray, k: int, locked: list[int]) -> tuple[float, float]:
    """Best served demand over every k-subset, then the best covered demand among those that reach it."""
    free = [j for j in range(reach.shape[1]) if j not in locked]
    results = []
    for combo in itertools.combinations(free, k):
        cols = [*combo, *locked]
        open_cap = np.zeros(cap.size)
        open_cap[cols] = cap[cols]
        served = allocate(w, open_cap, sparse.csr_matrix(reach)).total
        results.append((served, float(w[reach[:, cols].any(axis=1)].sum())))
    best = max(s for s, _ in results)
    return best, max(c for s, c in results if s >= best - 1e-6)


@st.composite
def _instances(draw):
    n, m = draw(st.integers(1, 7)), draw(st.integers(2, 6))
    reach = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
    w = np.array(draw(st.lists(st.integers(0, 60), min_size=n, max_size=n)), dtype=float)
    cap = np.array(draw(st.lists(st.integers(0, 50), min_size=m, max_size=m)), dtype=float)
    locked = sorted(draw(st.sets(st.integers(0, m - 1), max_size=m - 1)))
    k = draw(st.integers(0, m - len(locked)))
    return reach, w, cap, k, locked


@settings(max_examples=40, deadline=None)
@given(_instances())
def test_lexicographic_optimum_matches_brute_force_with_and_without_reduction(instance) -> None:
    # MADE-UP random instances (hypothesis), checked against every k-subset.
    reach, w, cap, k, locked = instance
    served, covered = _brute_force(reach, w, cap, k, locked)
    for reduce in (True, False):
        model = MaximalService.from_matrices(reach, w, cap, k, locked=locked).solve(5, reduce=reduce)
        assert model.status == "optimal" and len(model.selected) == k
        assert model.served_demand == pytest.approx(served, abs=1e-6)
        assert model.covered_demand == pytest.approx(covered, abs=1e-6)
        assert model.greedy_value <= model.served_demand + 1e-6
        assert model.dual_bound >= model.served_demand - 1e-5
        flows = model.per_column
        assert (flows <= np.minimum(cap, reach.T @ w) + 1e-6).all() and flows.sum() == pytest.approx(served, abs=1e-3)


# ----------------------------------------------------------------------------- inputs


def test_inputs_are_checked_in_french() -> None:
    reach = np.ones((2, 2), dtype=bool)
    with pytest.raises(SettingsError) as err:
        MaximalService.from_matrices(reach, [1, 2], [30, -1], 1)
    assert err.value.setting == "capacité des lieux"
    with pytest.raises(SettingsError) as err:
        MaximalService.from_matrices(reach, [1, 2], [30, 30, 30], 1)
    assert "2 sites" in str(err.value)
    with pytest.raises(SettingsError) as err:
        MaximalService.from_matrices(reach, [1, 2], [30, 30], 2, locked=[1])
    assert err.value.setting == "nombre d'arrêts"


def test_pairs_from_sparse_minutes_keep_stored_zeros_within_the_threshold() -> None:
    # MADE-UP: a stored 0 is a pair at no cost; 31 minutes is beyond T = 30; not stored = no road.
    minutes = sparse.csr_matrix((np.array([0.0, 31.0, 12.0]), ([0, 0, 1], [0, 1, 1])), shape=(2, 2))
    assert as_pairs(minutes, 30).toarray().tolist() == [[True, False], [False, True]]
    assert as_pairs(minutes).toarray().tolist() == [[True, True], [False, True]]


def test_stop_hours_follow_the_frequency() -> None:
    assert [weekly_stop_hours(180, f) for f in ("weekly", "fortnightly", "fourweekly")] == [3.0, 1.5, 0.75]
    assert float(people_per_year(3.0)) == pytest.approx(3 * 0.24 * 45)


# ----------------------------------------------------------------------------- Corsica (real data)

BASES = ("2A004", "2B033")
SMALL = PlanSettings(advisors=2, bases=BASES, stops=6, time_limit=3, seed=1)


@pytest.fixture(scope="module")
def corsica_reach(corsica, coverage, travel) -> sparse.csc_matrix:
    """Demand points × candidate hosts within 30 minutes, exactly as make_plan builds them."""
    sites = corsica.sites()
    inside = hours.with_host_hours(sites[sites["inside"]], SMALL.host_hours)
    candidates = candidate_hosts(travel, resolve_bases(corsica, inside, BASES), inside, SMALL)
    return travel.within(coverage.points, candidates, max_minutes=30).covers().tocsc()


@pytest.fixture(scope="module")
def small_plan(corsica, coverage, travel) -> PlanResult:
    return make_plan(corsica, SMALL, coverage=coverage, travel=travel)


def test_corsica_service_choice_serves_at_least_the_covering_choice(coverage, corsica_reach) -> None:
    weights = coverage.points["demand"].fillna(0).to_numpy()
    model = MaximalService.from_service(coverage.service, weights, corsica_reach,
                                        weekly_stop_hours(180, "weekly"), 6).solve(5)
    assert model.status == "optimal"
    assert model.locked_served_demand == pytest.approx(coverage.served_demand, rel=1e-9)
    # the covering choice, evaluated the same way (one exact allocation with the existing sites)
    covering = choose_stops(dataclasses.replace(coverage, service=None), corsica_reach, 6,
                            stop_hours=3.0, time_limit=5)
    assert covering.report["objective"] == "covered_demand" and covering.served_added is None
    assert model.served_demand >= model.value(covering.selected) - 1e-6
    # each stop of 3 h a week holds 32.4 people a year; the solution's flows say what each serves
    assert (model.per_column[model.selected] <= people_per_year(3.0) + 1e-6).all()
    assert model.served_demand == pytest.approx(model.per_column.sum(), rel=2e-6)


def test_corsica_plan_reports_the_served_objective(small_plan, coverage) -> None:
    summary = json.loads(json.dumps(small_plan.summary()))
    siting = summary["siting"]
    assert siting["objective"] == "served_demand" and siting["k"] == 6
    assert siting["status"] == "optimal"
    assert siting["locked_served_demand"] == pytest.approx(coverage.served_demand)
    assert siting["served_demand"] >= siting["locked_served_demand"]
    assert siting["covered_demand"] >= summary["covered_demand"] - 0.05
    stops = small_plan.stops
    assert {"demand_added", "served_added"} <= set(stops.columns)
    assert stops["served_added"].round(3).tolist() == siting["served_added"]
    # the routing prize of each visit is what its stop serves
    prize = dict(zip(stops["site_id"], stops["served_added"]))
    visits = small_plan.tables().visits
    assert len(visits) and all(d == pytest.approx(prize[s]) for s, d in zip(visits["site_id"], visits["demand"]))
    # the plan's served demand (visited stops only, their presence hours) never exceeds the siting's
    assert coverage.served_demand <= summary["served_demand"] <= siting["served_demand"] + 1e-6
