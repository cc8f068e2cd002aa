"""Tests of planner.siting: maximal covering and p-median on hand-made and random matrices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.schema import DataError
from planner.siting import MaximalCovering, PMedian

# A tiny instance, solved by hand.
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


def _brute_force_pmedian(cost: np.ndarray, w: np.ndarray, k: int, locked: list[int]) -> float:
    free = [j for j in range(cost.shape[1]) if j not in locked]
    c = np.nan_to_num(cost, nan=np.inf)
    best = np.inf
    for combo in itertools.combinations(free, k):
        nearest = c[:, list(combo) + locked].min(axis=1)
        best = min(best, float(np.sum(w * nearest)))
    return best


# ----------------------------------------------------------------------------- maximal covering


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


# ----------------------------------------------------------------------------- p-median


def test_pmedian_tiny_instance_exact_answer() -> None:
    # k = 1: weighted sums per site: 0 -> 10*10+20*14+30*50+40*45+5*60 = 3980;
    # 1 -> 400+200+150+2000+350 = 3100; 2 -> 500+1200+2100+120+75 = 3995;
    # 3 -> 120+900+2400+800+40 = 4260. Site 1 wins with 3100.
    model = PMedian.from_cost_matrix(TINY_COST, TINY_WEIGHTS, 1).solve()
    assert model.selected.tolist() == [1]
    assert model.objective == pytest.approx(3100.0)
    assert model.assignment.tolist() == [1, 1, 1, 1, 1]
    assert model.status == "optimal"
    assert model.mean_cost == pytest.approx(3100.0 / 105)


def test_pmedian_locked_site_is_a_fallback() -> None:
    # Site 2 locked: with one free stop, each row goes to the nearer of {2, j}.
    # j=0: A10 B14 C50 D3 E15 -> 100+280+1500+120+75 = 2075; j=1: A40 B10 C5 D3 E15 ->
    # 400+200+150+120+75 = 945; j=3: A12 B45 C70 D3 E8 -> 120+900+2100+120+40 = 3280.
    model = PMedian.from_cost_matrix(TINY_COST, TINY_WEIGHTS, 1, locked=[2]).solve()
    assert model.selected.tolist() == [1]
    assert model.objective == pytest.approx(945.0)
    assert model.assignment.tolist() == [1, 1, 1, 2, 2]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3), n_locked=st.integers(0, 1))
def test_pmedian_is_optimal_and_at_most_greedy(seed: int, k: int, n_locked: int) -> None:
    cost, w = _random_instance(seed, n=25, m=7)
    cost = np.nan_to_num(cost, nan=200.0)  # keep every row reachable from every site
    locked = list(range(n_locked))
    model = PMedian.from_cost_matrix(cost, w, k, locked=locked).solve()
    assert model.status == "optimal"
    assert model.objective <= model.greedy_value + 1e-6
    assert model.objective == pytest.approx(_brute_force_pmedian(cost, w, k, locked), rel=1e-9)


def test_pmedian_max_cost_truncates_but_reports_exact_times() -> None:
    model = PMedian.from_cost_matrix(TINY_COST, TINY_WEIGHTS, 1, max_cost=30).solve()
    # Truncated objective per site: 0 -> 100+280+900+1200+150 = 2630;
    # 1 -> 300+200+150+1200+150 = 2000; 2 -> 300+600+900+120+75 = 1995;
    # 3 -> 120+600+900+800+40 = 2460. Site 2 wins; its exact weighted time is 3995.
    assert model.selected.tolist() == [2]
    assert model.model_objective == pytest.approx(1995.0)
    assert model.objective == pytest.approx(3995.0)


def test_pmedian_infeasible_gives_a_french_error() -> None:
    # Two islands: rows 0-1 reach only site 0, rows 2-3 only site 1; one stop cannot serve all.
    cost = np.array([[5, np.inf], [6, np.inf], [np.inf, 4], [np.inf, 7]])
    model = PMedian.from_cost_matrix(cost, np.ones(4), 1)
    with pytest.raises(DataError, match="ne peuvent atteindre aucun site ouvert"):
        model.solve()


# ----------------------------------------------------------------------------- invalid inputs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 5}, "5 arrêts demandés mais seulement 4 sites candidats"),
        ({"k": -1}, "nombre d'arrêts invalide"),
        ({"threshold": 0}, "seuil d'accès invalide"),
        ({"threshold": float("nan")}, "seuil d'accès invalide"),
        ({"weights": np.ones(3)}, "3 poids de demande pour 5 points de demande"),
        ({"weights": -TINY_WEIGHTS}, "positifs ou nuls"),
        ({"cost": -TINY_COST}, "temps négatifs"),
        ({"cost": np.ones(4)}, "deux dimensions"),
        ({"locked": [7]}, "la colonne 7 n'existe pas"),
        ({"k": 4, "locked": [0]}, "4 arrêts demandés mais seulement 3 sites candidats"),
    ],
)
def test_invalid_inputs_give_french_errors(kwargs: dict, message: str) -> None:
    args = {"cost": TINY_COST, "weights": TINY_WEIGHTS, "threshold": 15, "k": 2} | kwargs
    with pytest.raises(DataError, match=message):
        MaximalCovering.from_cost_matrix(**args)


def test_pmedian_invalid_inputs_give_french_errors() -> None:
    with pytest.raises(DataError, match="aucun point de demande n'atteint"):
        PMedian.from_cost_matrix(np.full((3, 2), np.nan), np.ones(3), 1)
    with pytest.raises(DataError, match="temps maximal invalide"):
        PMedian.from_cost_matrix(TINY_COST, TINY_WEIGHTS, 1, max_cost=-5)
