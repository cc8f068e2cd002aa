"""Tests of planner.optimize.siting: maximal covering on MADE-UP matrices.

Every matrix here is MADE-UP: written in the test (solved by hand) or drawn at random
(checked against brute force). The real-data plan tests live in test_plan.py.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import config
from planner.errors import SettingsError
from planner.optimize.siting import MaximalCovering

# MADE-UP 5 x 3 instance, solved by hand. Demand rows A..E (weights 10, 20, 30, 40, 60);
# within T = 15 (inclusive): site 0 covers A, B (30); site 1 covers B, C, D (90); site 2
# covers D, E (100; E is exactly 15 minutes away).
SMALL_COST = np.array(
    [
        [5, 20, 30],  # A
        [10, 12, 40],  # B
        [25, 8, 16],  # C
        [30, 14, 9],  # D
        [50, 35, 15],  # E
    ],
    dtype=float,
)
SMALL_WEIGHTS = np.array([10, 20, 30, 40, 60], dtype=float)

# MADE-UP tiny instance, solved by hand.
# Demand rows A..E (weights 10, 20, 30, 40, 5); sites 0..3; minutes.
# Within T = 15: site 0 covers A, B; site 1 covers B, C; site 2 covers D, E; site 3 covers A, E.
TINY_COST = np.array(
    [
        [10, 40, 50, 12],  # A
        [14, 10, 60, 45],  # B
        [50, 5, 70, 80],  # C
        [45, 50, 3, 20],  # D
        [60, 70, 15, 8],  # E
    ],
    dtype=float,
)
TINY_WEIGHTS = np.array([10, 20, 30, 40, 5], dtype=float)


def _random_instance(seed: int, n: int = 40, m: int = 9) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    demand, sites = rng.random((n, 2)) * 60, rng.random((m, 2)) * 60
    cost = np.linalg.norm(demand[:, None] - sites[None], axis=2)
    cost[rng.random(cost.shape) < 0.05] = np.nan  # a few pairs with no road
    return cost, rng.integers(0, 500, n).astype(float)


def _brute_force_mclp(
    cost: np.ndarray, w: np.ndarray, t: float, k: int, locked: list[int]
) -> float:
    free = [j for j in range(cost.shape[1]) if j not in locked]
    best = 0.0
    for combo in itertools.combinations(free, k):
        cols = list(combo) + locked
        covered = (np.nan_to_num(cost[:, cols], nan=np.inf) <= t).any(axis=1)
        best = max(best, float(w[covered].sum()))
    return best


# ----------------------------------------------------------------------------- maximal covering


def test_small_matrix_optimum_by_hand() -> None:
    # k = 1: site 2 (100) beats site 1 (90) and site 0 (30).
    one = MaximalCovering.from_cost_matrix(SMALL_COST, SMALL_WEIGHTS, 15, 1).solve()
    assert one.selected.tolist() == [2] and one.objective == 100.0
    # k = 2: {1, 2} covers B, C, D, E = 150; {0, 2} = 130; {0, 1} = 100.
    two = MaximalCovering.from_cost_matrix(SMALL_COST, SMALL_WEIGHTS, 15, 2).solve()
    assert two.selected.tolist() == [1, 2] and two.objective == 150.0
    assert two.covered.tolist() == [False, True, True, True, True]
    assert two.covered_share == pytest.approx(150 / 160)
    assert two.proven_optimal and two.mip_gap == 0.0
    assert two.report()["covered_demand"] == 150.0 and two.report()["selected"] == [1, 2]
    # Site 1 locked (B, C, D = 90): the free stop adds E (60) with site 2, not A (10) with 0.
    locked = MaximalCovering.from_cost_matrix(SMALL_COST, SMALL_WEIGHTS, 15, 1, locked=[1]).solve()
    assert locked.selected.tolist() == [2] and locked.locked_weight == 90.0
    assert locked.objective == 150.0 and locked.dual_bound == pytest.approx(150.0)


def test_threshold_is_inclusive() -> None:
    # Just under 15 minutes E is out of reach: site 2 covers D only (40), site 1 wins.
    model = MaximalCovering.from_cost_matrix(SMALL_COST, SMALL_WEIGHTS, 14.9, 1).solve()
    assert model.selected.tolist() == [1] and model.objective == 90.0


def test_default_time_limit_comes_from_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def fake_solve_milp(**kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(config, "SITING_TIME_LIMIT_S", 7.5)
    monkeypatch.setattr("planner.optimize.siting.solve_milp", fake_solve_milp)
    with pytest.raises(RuntimeError, match="stop here"):
        MaximalCovering.from_cost_matrix(SMALL_COST, SMALL_WEIGHTS, 15, 1).solve()
    assert seen["time_limit"] == 7.5


def test_tiny_instance_exact_answer() -> None:
    # k = 2: {1, 2} covers B, C, D, E = 20 + 30 + 40 + 5 = 95 (every other pair covers less).
    model = MaximalCovering.from_cost_matrix(TINY_COST, TINY_WEIGHTS, 15, 2).solve()
    assert model.selected.tolist() == [1, 2]
    assert model.objective == 95.0
    assert model.covered.tolist() == [False, True, True, True, True]
    assert model.status == "optimal" and model.proven_optimal
    assert model.mip_gap == 0.0
    assert model.covered_share == pytest.approx(95 / 105)


def test_greedy_can_be_suboptimal_and_the_milp_is_not() -> None:
    # Rows A..D (weights 4, 5, 5, 4); site 0 covers B, C (10); site 1 covers A, B (9);
    # site 2 covers C, D (9). Greedy with k = 2 takes 0 then 1 or 2: 14. Optimum {1, 2}: 18.
    cost = np.array([[30, 5, 30], [5, 5, 30], [5, 30, 5], [30, 30, 5]], dtype=float)
    model = MaximalCovering.from_cost_matrix(cost, [4, 5, 5, 4], 15, 2)
    assert model.greedy().tolist() == [0, 1]
    assert model.greedy_value == 14.0
    model.solve()
    assert model.selected.tolist() == [1, 2]
    assert model.objective == 18.0


def test_locked_sites_count_as_covering_and_are_not_in_k() -> None:
    # Site 2 locked (covers D, E = 45): the one free stop goes to site 1 (B, C = 50) -> 95.
    model = MaximalCovering.from_cost_matrix(TINY_COST, TINY_WEIGHTS, 15, 1, locked=[2]).solve()
    assert model.selected.tolist() == [1]
    assert model.locked_weight == 45.0
    assert model.objective == 95.0
    # With site 1 locked instead, the free stop goes to site 2 (45) rather than 0 or 3.
    model = MaximalCovering.from_cost_matrix(TINY_COST, TINY_WEIGHTS, 15, 1, locked=[1]).solve()
    assert model.selected.tolist() == [2]
    assert model.objective == 95.0


def test_candidates_restrict_the_choice_exact() -> None:
    model = MaximalCovering.from_cost_matrix(
        TINY_COST, TINY_WEIGHTS, 15, 1, candidates=[0, 3]
    ).solve()
    assert model.selected.tolist() == [0]
    assert model.objective == 30.0


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 4), n_locked=st.integers(0, 2))
def test_milp_is_optimal_and_at_least_greedy(seed: int, k: int, n_locked: int) -> None:
    cost, w = _random_instance(seed)
    locked = list(range(n_locked))
    model = MaximalCovering.from_cost_matrix(cost, w, 15.0, k, locked=locked).solve()
    assert model.status == "optimal"
    assert model.objective >= model.greedy_value - 1e-9
    assert model.objective == pytest.approx(_brute_force_mclp(cost, w, 15.0, k, locked))
    assert len(model.selected) == k and not set(model.selected) & set(locked)
    # The reported coverage is the coverage of the reported selection.
    assert model.objective == pytest.approx(model.value(model.selected))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_covered_demand_never_decreases_when_k_grows(seed: int) -> None:
    cost, w = _random_instance(seed, n=60, m=12)
    values = [
        MaximalCovering.from_cost_matrix(cost, w, 12.0, k, locked=[11]).solve().objective
        for k in range(8)
    ]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(values))


def test_from_coverage_matches_from_cost_matrix() -> None:
    cost, w = _random_instance(7, n=80, m=10)
    a = MaximalCovering.from_cost_matrix(cost, w, 15.0, 3, locked=[0]).solve()
    b = MaximalCovering.from_coverage(
        np.nan_to_num(cost, nan=np.inf) <= 15.0, w, 3, locked=[0]
    ).solve()
    assert a.objective == b.objective


def test_solve_without_warm_start_gives_the_same_optimum() -> None:
    cost, w = _random_instance(3, n=80, m=10)
    a = MaximalCovering.from_cost_matrix(cost, w, 15.0, 3).solve()
    b = MaximalCovering.from_cost_matrix(cost, w, 15.0, 3).solve(warm_start=False)
    assert a.objective == b.objective
    assert np.isnan(b.greedy_value)


# ----------------------------------------------------------------------------- invalid inputs


@pytest.mark.parametrize(
    ("kwargs", "setting", "message"),
    [
        ({"k": 5}, "nombre d'arrêts", "5 arrêts demandés mais seulement 4 sites candidats"),
        ({"k": -1}, "nombre d'arrêts", "nombre d'arrêts invalide"),
        ({"threshold": 0}, "seuil d'accès", "seuil d'accès invalide"),
        ({"threshold": float("nan")}, "seuil d'accès", "seuil d'accès invalide"),
        ({"weights": np.ones(3)}, "demande", "3 poids de demande pour 5 points de demande"),
        ({"weights": -TINY_WEIGHTS}, "demande", "positifs ou nuls"),
        ({"cost": -TINY_COST}, "matrice des temps de trajet", "temps négatifs"),
        ({"cost": np.ones(4)}, "matrice des temps de trajet", "deux dimensions"),
        ({"locked": [7]}, "sites existants", "la colonne 7 n'existe pas"),
        ({"candidates": [True, False]}, "sites candidats", "le masque des sites candidats a 2 valeurs"),
        ({"k": 4, "locked": [0]}, "nombre d'arrêts", "4 arrêts demandés mais seulement 3 sites candidats"),
    ],
)  # fmt: skip
def test_invalid_inputs_give_french_errors(kwargs: dict, setting: str, message: str) -> None:
    args = {"cost": TINY_COST, "weights": TINY_WEIGHTS, "threshold": 15, "k": 2} | kwargs
    with pytest.raises(SettingsError, match=message) as caught:
        MaximalCovering.from_cost_matrix(**args)
    assert caught.value.setting == setting
