"""Capacity-aware service: exact allocations on made-up cases, invariants, real figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from planner import config, fr
from planner.access.capacity import (
    allocate,
    people_per_year,
    rate_from_activity,
    site_capacity,
    stop_capacity,
    weekly_hours,
)
from planner.data.hours import parse_osm
from planner.errors import SettingsError

INF = np.inf


def _csr(dense: list[list[float]]) -> sp.csr_matrix:
    """Made-up pairs: NaN = not reachable, a number = minutes (0 kept as a stored zero)."""
    a = np.array(dense, dtype=float)
    i, j = np.nonzero(~np.isnan(a))
    return sp.csr_matrix((a[i, j], (i, j)), shape=a.shape)


def test_capacity_shared_between_points_exact() -> None:
    # made-up: point 0 (10 people) reaches both sites, point 1 (5) only site 0, point 2 (5) only site 1
    minutes = _csr([[5, 10], [3, np.nan], [np.nan, 7]])
    a = allocate(np.array([10.0, 5, 5]), np.array([8.0, 6]), minutes, minutes)
    assert a.total == pytest.approx(14.0, abs=1e-9)
    assert a.reachable_total == 20.0
    assert a.unserved_reachable == pytest.approx(6.0, abs=1e-9)
    np.testing.assert_allclose(a.served, [4, 5, 5], atol=1e-9)
    np.testing.assert_allclose(a.per_site, [8, 6], atol=1e-9)
    # tie-break on minutes: point 0 sends as few as possible, and nearer first
    np.testing.assert_allclose(a.flows.toarray(), [[3, 1], [5, 0], [0, 5]], atol=1e-9)
    assert a.minutes_mean == pytest.approx((3 * 5 + 1 * 10 + 5 * 3 + 5 * 7) / 14)


def test_greedy_nearest_is_beaten() -> None:
    # made-up: A is nearer site 0 but must go to site 1 so that B (site 0 only) is served
    minutes = _csr([[1, 20], [5, np.nan]])
    a = allocate(np.array([1.0, 1.0]), np.array([1.0, 1.0]), minutes, minutes)
    assert a.total == pytest.approx(2.0)
    np.testing.assert_allclose(a.flows.toarray(), [[0, 1], [1, 0]], atol=1e-9)


def test_unbounded_capacity_serves_every_reachable_point_at_its_nearest_site() -> None:
    # made-up: point 2 reaches nothing; a 0-minute pair (same place) counts as reachable
    minutes = _csr([[12, 4], [0, 30], [np.nan, np.nan]])
    a = allocate(np.array([3.0, 2.0, 7.0]), np.array([INF, INF]), minutes, minutes)
    assert a.total == a.reachable_total == 5.0
    np.testing.assert_array_equal(a.served, [3, 2, 0])
    np.testing.assert_array_equal(a.flows.toarray(), [[0, 3], [2, 0], [0, 0]])


def test_closed_site_and_boolean_reach() -> None:
    # made-up: site 1 has no capacity; a stored False is not a pair
    reach = sp.csr_matrix((np.array([True, True, False]), ([0, 0, 1], [0, 1, 1])), shape=(2, 2))
    a = allocate(np.array([4.0, 6.0]), np.array([1.5, 0.0]), reach)
    assert a.reachable_total == 4.0
    assert a.total == pytest.approx(1.5)
    np.testing.assert_allclose(a.per_site, [1.5, 0.0])
    assert np.isnan(a.minutes_mean)


def test_empty_and_bad_inputs() -> None:
    a = allocate(np.zeros(3), np.ones(0), sp.csr_matrix((3, 0)))
    assert a.total == 0.0 and a.served.shape == (3,) and a.per_site.shape == (0,)
    with pytest.raises(SettingsError, match="capacité"):
        allocate(np.ones(1), np.array([-1.0]), _csr([[1]]))
    with pytest.raises(SettingsError, match="dimensions"):
        allocate(np.ones(2), np.ones(1), _csr([[1]]))


@st.composite
def _problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
    n, m = draw(st.integers(1, 7)), draw(st.integers(1, 5))
    mask = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
    minutes = np.array(draw(st.lists(st.floats(0, 60), min_size=n * m, max_size=n * m))).reshape(n, m)
    demand = np.array(draw(st.lists(st.floats(0, 1000), min_size=n, max_size=n)))
    capacity = np.array(draw(st.lists(st.one_of(st.floats(0, 800), st.just(INF)), min_size=m, max_size=m)))
    i, j = np.nonzero(mask)
    return demand, capacity, sp.csr_matrix((minutes[i, j], (i, j)), shape=(n, m))


def _max_served(demand: np.ndarray, capacity: np.ndarray, pairs: sp.csr_matrix) -> float:
    """The optimum by scipy's linprog on the dense formulation (independent of allocate's)."""
    coo = pairs.tocoo()
    k = coo.nnz
    if k == 0:
        return 0.0
    a_ub = np.zeros((len(demand) + len(capacity), k))
    a_ub[coo.row, np.arange(k)] = 1
    a_ub[len(demand) + coo.col, np.arange(k)] = 1
    b_ub = np.r_[demand, np.where(np.isfinite(capacity), capacity, demand.sum() + 1)]
    return -linprog(-np.ones(k), A_ub=a_ub, b_ub=b_ub, bounds=(0, None)).fun


@settings(max_examples=60, deadline=None)
@given(_problems())
def test_allocation_invariants(problem: tuple[np.ndarray, np.ndarray, sp.csr_matrix]) -> None:
    demand, capacity, pairs = problem
    a = allocate(demand, capacity, pairs, pairs)
    tol = 1e-9 * (1 + demand.sum())
    assert (a.served >= 0).all() and (a.served <= demand + tol).all()
    assert (a.per_site <= capacity + tol).all()
    assert a.total <= a.reachable_total + tol
    assert a.total == pytest.approx(_max_served(demand, capacity, pairs), rel=1e-7, abs=1e-6)
    unbounded = allocate(demand, np.full(len(capacity), INF), pairs, pairs)
    assert unbounded.total == pytest.approx(unbounded.reachable_total, rel=1e-12, abs=1e-9)
    assert unbounded.reachable_total == a.reachable_total


def test_site_capacity_from_hours_staff_and_defaults() -> None:
    # made-up sites: France Services with its hours, a structure with 3 conseillers and no
    # hours, an agence postale communale without hours (default Mo-Fr 09:00-12:00)
    sites = pd.DataFrame({
        "network": ["france_services", "conseiller_numerique", "la_poste"],
        "kind": ["Fixe", "structure d'accueil (3 conseillers)", "agence postale communale"],
        "opening_hours": [parse_osm("Mo-Fr 09:00-12:00,13:30-17:00"), None, None],
        "advisors": [np.nan, 3.0, np.nan],
    })
    table = site_capacity(sites)
    assert table["open_hours"].tolist() == [32.5, 30.0, 15.0]
    assert table["staff"].tolist() == [2.0, 3.0, 1.0]
    assert table["advisor_hours"].tolist() == pytest.approx([65.0, 90.0, 1.5])
    assert table["hours_known"].tolist() == [True, False, False]
    assert table["staff_known"].tolist() == [False, True, False]
    assert site_capacity(sites, help_share={"la_poste": 1.0})["advisor_hours"].iloc[2] == 15.0


def test_stop_and_yearly_capacity() -> None:
    assert weekly_hours(parse_osm("Tu 09:00-12:30")) == 3.5
    np.testing.assert_allclose(stop_capacity(180.0, np.array([1, 0.5, 0.25])), [3, 1.5, 0.75])
    assert people_per_year(3.0) == pytest.approx(3 * config.PEOPLE_PER_ADVISOR_HOUR * config.SERVICE_WEEKS_PER_YEAR)
    with pytest.raises(SettingsError, match="rythme"):
        people_per_year(1.0, rate=0)


def test_default_rate_is_derived_from_the_activity_files(real_data) -> None:
    from planner.data.sources.activity import load_activity_departements
    from planner.data.sources.cnfs_structures import load_cnfs_structures

    activity, _ = load_activity_departements()
    structures, _ = load_cnfs_structures()
    assert activity["accompaniments"].sum() == 2_920_045
    rate = rate_from_activity(activity["accompaniments"].sum(), structures["advisors"].sum())
    assert rate == pytest.approx(0.236, abs=0.001)
    assert round(rate, 2) == config.PEOPLE_PER_ADVISOR_HOUR


def test_corsica_served_demand(coverage) -> None:
    summary = coverage.summary()
    served, reachable = summary["served_demand"], summary["demand_within"]
    assert 0 < served < reachable
    assert summary["unserved_reachable_demand"] == pytest.approx(reachable - served, abs=0.2)
    assert coverage.service.allocation.reachable_total == pytest.approx(reachable, abs=0.1)
    # every point served at most its demand, and only if within the threshold
    points = coverage.points
    assert (points["served"] <= points["demand"].fillna(0) + 1e-6).all()
    assert (points.loc[points["minutes"] > coverage.threshold, "served"] == 0).all()
    assert coverage.communes["served"].sum() == pytest.approx(coverage.served_demand)
    assert (coverage.sites["served"] <= coverage.sites["capacity"] + 1e-6).all()
    by_network = summary["served_demand_by_network"]
    assert set(by_network) <= set(coverage.networks)
    assert max(by_network.values()) <= served + 0.1 <= sum(by_network.values()) + 0.2
    capacity = summary["capacity"]
    assert capacity["people_per_year"] == pytest.approx(
        capacity["advisor_hours_per_week"] * config.PEOPLE_PER_ADVISOR_HOUR * config.SERVICE_WEEKS_PER_YEAR, rel=1e-3)


def test_communes_csv_has_the_served_column(coverage, tmp_path) -> None:
    from planner.outputs.coverage_files import write_coverage

    paths = write_coverage(coverage, tmp_path)
    table = pd.read_csv(paths[1], sep=";", encoding="utf-8-sig", dtype={"insee": str})
    columns = table.columns.tolist()
    assert columns.index("served") == columns.index("demand_within") + 1
    assert table["served"].sum() == pytest.approx(coverage.served_demand, rel=1e-9)
    assert (table["served"] <= table["demand_within"] + 1e-6).all()


@settings(max_examples=40, deadline=None)
@given(_problems())
def test_maximum_flow_beyond_the_lp_limit_serves_the_same_total(
    problem: tuple[np.ndarray, np.ndarray, sp.csr_matrix],
) -> None:
    """Beyond ALLOCATION_LP_MAX_PAIRS (all of France) the flow gives the LP's total, to the
    thousandth of a person per point, within every bound."""
    demand, capacity, pairs = problem
    exact = allocate(demand, capacity, pairs, pairs)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "ALLOCATION_LP_MAX_PAIRS", 0)
        flow = allocate(demand, capacity, pairs, pairs)
    assert flow.total == pytest.approx(exact.total, abs=1e-3 * (len(demand) + 1))
    assert flow.total <= exact.total + 1e-9
    assert (flow.served <= demand + 1e-9).all() and (flow.per_site <= capacity + 1e-9).all()


def test_corsica_served_demand_by_flow_equals_the_lp(corsica_data) -> None:
    """Real Corsica: the flow path and the LP agree on the demand served."""
    from planner.access.coverage import compute_coverage
    from planner.territory import select

    territory = select("2A,2B")
    exact = compute_coverage(territory, threshold=30).summary()["served_demand"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(config, "ALLOCATION_LP_MAX_PAIRS", 0)
        flow = compute_coverage(territory, threshold=30).summary()["served_demand"]
    assert exact > 0 and flow == pytest.approx(exact, abs=1.0)


def test_coverage_text_gives_served_beside_reachable_demand(coverage) -> None:
    from planner.outputs.text.coverage import render_coverage

    s = coverage.summary()
    line = render_coverage(s).splitlines()[2]
    assert line == (f"Demande à portée : {fr.integer(s['demand_within'])} — demande servie (estimation, par an) : "
                    f"{fr.integer(s['served_demand'])}, {fr.integer(s['unserved_reachable_demand'])} à portée mais "
                    "non servie")
